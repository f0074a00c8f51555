//! The page frame of the agent interface: header bar (main menu, notifications bell, search,
//! "+" action menu), organizer sidebar, breadcrumb bar, and the detail-view frame (Actions and
//! "Scroll To" menus, one-, two- or three-column widget layouts).
//!
//! Other pages of the interface render their content and hand it to [`agent_page`].

use axum::http::StatusCode;
use axum::response::Response;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use otrs_core::store::Store;

use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::notifications::{self, BELL_SIZE};
use crate::ui::{UiCtx, assets, html_response, prefs};
use crate::{n_, tr};

/// The breadcrumb bar: the path (label, link), the total count of a list, a screen
/// configuration link, and a second row with actions on the left and the right.
#[derive(Debug, Default)]
pub struct Crumbs {
    /// From the dashboard down; the last entry is the page itself.
    pub path: Vec<(String, Option<String>)>,
    /// The number of objects of a list.
    pub total: Option<u64>,
    /// The screen configuration (gear) link.
    pub config: Option<String>,
    /// Second row, left side (export, bulk, Actions, Scroll To).
    pub left: Option<Markup>,
    /// Second row, right side (presets, filters, pulse mode, layouts).
    pub right: Option<Markup>,
}

impl Crumbs {
    /// A plain path.
    pub fn path<L: AsRef<str>>(items: &[(L, Option<&str>)]) -> Crumbs {
        Crumbs {
            path: items
                .iter()
                .map(|(l, h)| (l.as_ref().to_owned(), h.map(str::to_owned)))
                .collect(),
            ..Crumbs::default()
        }
    }
}

/// An entry of the "+" action menu: (label, link). Pages of other features add theirs here
/// (labels marked with `n_!`, shown translated).
pub const ACTIONS: [(&str, &str); 7] = [
    (n_!("New phone ticket"), "/agent/tickets/new/phone"),
    (n_!("New e-mail ticket"), "/agent/tickets/new/email"),
    (n_!("New Appointment"), "/agent/calendar/appointments/new"),
    (n_!("New knowledge base article"), "/agent/kb/new"),
    (n_!("New ticket list"), "/agent/organizer#add"),
    (n_!("New dashboard widget"), "/agent#add-widget"),
    (n_!("Export tickets"), "/agent/tickets/list/1"),
];

/// The main menu: (label, link); labels marked with `n_!`, shown translated.
pub const MAIN_MENU: [(&str, &str); 7] = [
    (n_!("Dashboard"), "/agent"),
    (n_!("Search"), "/agent/search"),
    (n_!("Knowledge Base"), "/agent/kb"),
    (n_!("Personalization"), "/agent/preferences"),
    (n_!("Customize Organizer"), "/agent/organizer"),
    (n_!("Notifications"), "/agent/notifications"),
    // --- calui
    (n_!("Calendar"), "/agent/calendar"),
];

/// The texts the page script (`assets/app.js`) shows itself; the frame hands their translations
/// to it in `<body data-texts>` (the CSP allows no inline script).
pub const SCRIPT_TEXTS: [&str; 15] = [
    n_!("Loading…"),
    n_!("%{count} selected"),
    n_!("Pulse: on"),
    n_!("Pulse: off"),
    n_!("Link copied"),
    n_!("Copied"),
    n_!("Customer user suggestions"),
    n_!("Rich text"),
    n_!("Formatting"),
    n_!("Text"),
    n_!("Bold"),
    n_!("Italic"),
    n_!("Underline"),
    n_!("Bulleted list"),
    n_!("Numbered list"),
];

/// The script's table of texts in `lang`: a JSON object from English text to translation
/// (empty in English, where the script keeps its own texts).
pub fn script_texts(lang: Language) -> String {
    let table: serde_json::Map<String, serde_json::Value> = SCRIPT_TEXTS
        .iter()
        .filter(|_| lang != Language::English)
        .map(|text| {
            (
                (*text).to_owned(),
                translate_dyn(lang, text).into_owned().into(),
            )
        })
        .collect();
    serde_json::Value::Object(table).to_string()
}

/// The bell icon (drawn here: no icon font or image request).
const BELL_SVG: &str = r#"<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round"><path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/></svg>"#;

/// The plus icon.
const PLUS_SVG: &str = r#"<svg class="icon" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.5" stroke-linecap="round"><path d="M12 5v14M5 12h14"/></svg>"#;

/// A whole page of the agent interface (status 200).
pub async fn agent_page<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    title: &str,
    crumbs: Crumbs,
    body: Markup,
) -> Response {
    agent_page_with(state, ctx, StatusCode::OK, title, crumbs, body).await
}

/// A whole page of the agent interface with a status.
pub async fn agent_page_with<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    status: StatusCode,
    title: &str,
    crumbs: Crumbs,
    body: Markup,
) -> Response {
    let product = &state.config().product_name;
    let bell = notifications::load(state, ctx, BELL_SIZE).await;
    let lists = prefs::organizer(&ctx.agent);
    let markup = html! {
        (DOCTYPE)
        html lang=(ctx.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (product) }
                link rel="stylesheet" href=(assets::css_url());
                script src=(assets::js_url()) defer {}
            }
            body data-texts=(script_texts(ctx.lang)) {
                a.skip href="#main" { (tr!(ctx, "Skip to content")) }
                header.topbar {
                    details.menu {
                        summary aria-label=(tr!(ctx, "Main menu")) { "☰" }
                        nav.popup aria-label=(tr!(ctx, "Main menu")) {
                            @for (label, href) in MAIN_MENU { a href=(href) { (translate_dyn(ctx.lang, label)) } }
                            // --- statsui: only agents in the stats group see the statistics.
                            @if otrs_core::stats::may_use_stats(&ctx.agent) {
                                a href="/agent/stats" { (tr!(ctx, "Statistics")) }
                            }
                            // Only admins see the admin pages (the desk refuses anyone else).
                            @if ctx.agent.is_admin() {
                                a href="/agent/admin/texts/templates" { (tr!(ctx, "Templates & Signatures")) }
                                a href="/agent/admin/kb-categories" { (tr!(ctx, "Knowledge Base Categories")) }
                            }
                            @for list in &lists {
                                a href={ "/agent/tickets/list/" (list.id) } { (prefs::shown_name(ctx.lang, &list.name)) }
                            }
                            form method="post" action="/agent/logout" {
                                input type="hidden" name="csrf_token" value=(ctx.csrf);
                                button.link type="submit" { (tr!(ctx, "Sign out")) }
                            }
                        }
                    }
                    a.brand href="/agent" { (product) }
                    div.center {
                        details.menu.bell {
                            summary aria-label=(tr!(ctx, "Notifications, %{count} unseen", count = bell.unseen)) {
                                (PreEscaped(BELL_SVG))
                                @if bell.unseen > 0 { " " span.badge { (bell.unseen) } }
                            }
                            div.popup {
                                @if bell.latest.is_empty() {
                                    p.muted { (tr!(ctx, "No notifications.")) }
                                }
                                @for n in &bell.latest {
                                    a href=(n.link.as_deref().unwrap_or("/agent/notifications")) {
                                        @if n.unseen { strong { (n.title) } } @else { (n.title) }
                                        span.item-time { (ctx.time(n.at)) }
                                    }
                                }
                                a href="/agent/notifications" { (tr!(ctx, "Show All")) }
                            }
                        }
                        form.search role="search" method="get" action="/agent/search" {
                            label.sr-only for="header-search" { (tr!(ctx, "Search")) }
                            input #header-search type="search" name="q" placeholder=(tr!(ctx, "Search tickets, customers, agents…"));
                        }
                        details.menu.right {
                            summary aria-label=(tr!(ctx, "Create")) { (PreEscaped(PLUS_SVG)) }
                            nav.popup aria-label=(tr!(ctx, "Create")) {
                                @for (label, href) in ACTIONS { a href=(href) { (translate_dyn(ctx.lang, label)) } }
                            }
                        }
                    }
                    (super::avatar::badge(&ctx.agent, &tr!(ctx, "Signed in as %{login}", login = ctx.agent.login)))
                }
                div.layout {
                    nav.organizer aria-label=(tr!(ctx, "Organizer")) {
                        h2 { (tr!(ctx, "Organizer")) }
                        ul {
                            li { a href="/agent" aria-current=[(ctx.path == "/agent").then_some("page")] { (tr!(ctx, "Dashboard")) } }
                            @for list in &lists {
                                @let href = format!("/agent/tickets/list/{}", list.id);
                                li {
                                    a href=(href) data-preview={ (href) "/preview" }
                                        aria-current=[(ctx.path == href).then_some("page")] { (prefs::shown_name(ctx.lang, &list.name)) }
                                }
                            }
                            li { a href="/agent/kb" aria-current=[ctx.path.starts_with("/agent/kb").then_some("page")] { (tr!(ctx, "Knowledge Base")) } }
                            li { a href="/agent/organizer" { (tr!(ctx, "Customize Organizer")) } }
                        }
                    }
                    main #main {
                        (crumb_bar(ctx.lang, &crumbs))
                        (body)
                    }
                }
            }
        }
    };
    html_response(status, markup)
}

fn crumb_bar(lang: Language, c: &Crumbs) -> Markup {
    html! {
        div.crumbs {
            div.row {
                nav aria-label=(tr!(@lang lang, "Breadcrumb")) {
                    ol {
                        @for (i, (label, href)) in c.path.iter().enumerate() {
                            li {
                                @match href {
                                    Some(h) if i + 1 < c.path.len() => a href=(h) { (label) },
                                    _ => h1 { (label) },
                                }
                            }
                        }
                    }
                }
                @if let Some(total) = c.total {
                    span.total { "(" span #total-count { (total) } " " (tr!(@lang lang, "total")) ")" }
                }
                span.spacer {}
                @if let Some(config) = &c.config {
                    a.button href=(config) aria-label=(tr!(@lang lang, "Screen configuration")) title=(tr!(@lang lang, "Screen configuration")) { "⚙" }
                }
            }
            @if c.left.is_some() || c.right.is_some() {
                div.row {
                    div.left { @if let Some(l) = &c.left { (l) } }
                    span.spacer {}
                    div.right { @if let Some(r) = &c.right { (r) } }
                }
            }
        }
    }
}

/// A widget of a detail view or the dashboard.
#[derive(Debug)]
pub struct DetailWidget {
    /// Anchor id (for "Scroll To").
    pub id: String,
    /// Title.
    pub title: String,
    /// Tools in the widget's header.
    pub tools: Option<Markup>,
    /// Content.
    pub body: Markup,
}

/// A business object detail view: Actions menu, "Scroll To" menu, layout and widgets.
#[derive(Debug)]
pub struct DetailView {
    /// Actions: (label, link).
    pub actions: Vec<(String, String)>,
    /// 1, 2 or 3 columns.
    pub layout: u8,
    /// The page's own path (layout links add `?layout=N`).
    pub base: String,
    /// Widgets in order.
    pub widgets: Vec<DetailWidget>,
}

impl DetailView {
    /// [`DetailView::crumb_rows_in`] in English (for pages not yet translated).
    pub fn crumb_rows(&self) -> (Markup, Markup) {
        self.crumb_rows_in(Language::English)
    }

    /// The breadcrumb bar's second row: Actions and Scroll To on the left, the layouts on the
    /// right.
    pub fn crumb_rows_in(&self, lang: Language) -> (Markup, Markup) {
        let left = html! {
            @if !self.actions.is_empty() {
                details.menu {
                    summary.button { (tr!(@lang lang, "Actions")) " ▾" }
                    nav.popup aria-label=(tr!(@lang lang, "Actions")) {
                        @for (label, href) in &self.actions { a href=(href) { (label) } }
                    }
                }
            }
            details.menu {
                summary.button { (tr!(@lang lang, "Scroll To")) " ▾" }
                nav.popup aria-label=(tr!(@lang lang, "Scroll To")) {
                    @for w in &self.widgets { a href={ "#" (w.id) } { (w.title) } }
                }
            }
        };
        let right = html! {
            span.muted { (tr!(@lang lang, "Layout:")) }
            @for n in 1..=3u8 {
                a.button href={ (self.base) "?layout=" (n) }
                    aria-pressed=(if n == self.layout { "true" } else { "false" })
                    aria-label=(tr!(@lang lang, "%{count}-column layout", count = n)) { (n) }
            }
        };
        (left, right)
    }

    /// The widgets in the chosen number of columns.
    pub fn grid(&self) -> Markup {
        grid(self.layout, &self.widgets)
    }
}

/// The most widgets whose place in the one-column (phone) order the style sheet knows; later
/// ones keep their column order after them.
pub const ORDERED_WIDGETS: usize = 48;

/// Widgets laid out in `layout` columns (round robin, so that the order reads across). On a
/// phone only the one-column layout exists: the columns dissolve and each widget takes its
/// configured place again (its `at-N` class), not its column's.
pub fn grid(layout: u8, widgets: &[DetailWidget]) -> Markup {
    let n = usize::from(layout.clamp(1, 3));
    html! {
        div class={ "grid cols-" (n) } {
            @for col in 0..n {
                div.column {
                    @for (i, w) in widgets.iter().enumerate().skip(col).step_by(n) {
                        section #(w.id) class={ "widget at-" ((i + 1).min(ORDERED_WIDGETS + 1)) } aria-labelledby={ (w.id) "-title" } {
                            header {
                                h2 #{ (w.id) "-title" } { (w.title) }
                                @if let Some(t) = &w.tools { div.tools { (t) } }
                            }
                            div.body { (w.body) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A text the script no longer shows would be translated for nothing, and one it shows
    /// without an entry here stays English: the table and `app.js` must agree.
    #[test]
    fn the_script_texts_are_the_ones_the_script_shows() {
        let script = include_str!("../../assets/app.js");
        for text in SCRIPT_TEXTS {
            assert!(
                script.contains(&format!("\"{text}\"")),
                "app.js does not show {text:?}"
            );
        }
    }
}
