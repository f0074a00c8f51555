//! The page frame of the agent interface: header bar (main menu, notifications bell, search,
//! "+" action menu), organizer sidebar, breadcrumb bar, and the detail-view frame (Actions and
//! "Scroll To" menus, one-, two- or three-column widget layouts).
//!
//! Other pages of the interface render their content and hand it to [`agent_page`].

use axum::http::StatusCode;
use axum::response::Response;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use otrs_core::store::Store;

use crate::state::AppState;
use crate::ui::notifications::{self, BELL_SIZE};
use crate::ui::{UiCtx, assets, html_response, prefs};

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
    pub fn path(items: &[(&str, Option<&str>)]) -> Crumbs {
        Crumbs {
            path: items
                .iter()
                .map(|(l, h)| ((*l).to_owned(), h.map(str::to_owned)))
                .collect(),
            ..Crumbs::default()
        }
    }
}

/// An entry of the "+" action menu: (label, link). Pages of other features add theirs here.
pub const ACTIONS: [(&str, &str); 5] = [
    ("New phone ticket", "/agent/tickets/new/phone"),
    ("New e-mail ticket", "/agent/tickets/new/email"),
    ("New ticket list", "/agent/organizer#add"),
    ("New dashboard widget", "/agent#add-widget"),
    ("Export tickets", "/agent/tickets/list/1"),
];

/// The main menu: (label, link).
pub const MAIN_MENU: [(&str, &str); 6] = [
    ("Dashboard", "/agent"),
    ("Search", "/agent/search"),
    ("Personalization", "/agent/preferences"),
    ("Customize Organizer", "/agent/organizer"),
    ("Notifications", "/agent/notifications"),
    // --- calui
    ("Calendar", "/agent/calendar"),
];

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
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (product) }
                link rel="stylesheet" href=(assets::css_url());
                script src=(assets::js_url()) defer {}
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.topbar {
                    details.menu {
                        summary aria-label="Main menu" { "☰" }
                        nav.popup aria-label="Main menu" {
                            @for (label, href) in MAIN_MENU { a href=(href) { (label) } }
                            // --- statsui: only agents in the stats group see the statistics.
                            @if otrs_core::stats::may_use_stats(&ctx.agent) {
                                a href="/agent/stats" { "Statistics" }
                            }
                            // Only admins see the admin pages (the desk refuses anyone else).
                            @if ctx.agent.is_admin() {
                                a href="/agent/admin/texts/templates" { "Templates & Signatures" }
                            }
                            @for list in &lists {
                                a href={ "/agent/tickets/list/" (list.id) } { (list.name) }
                            }
                            form method="post" action="/agent/logout" {
                                input type="hidden" name="csrf_token" value=(ctx.csrf);
                                button.link type="submit" { "Sign out" }
                            }
                        }
                    }
                    a.brand href="/agent" { (product) }
                    div.center {
                        details.menu.bell {
                            summary aria-label={ "Notifications, " (bell.unseen) " unseen" } {
                                (PreEscaped(BELL_SVG))
                                @if bell.unseen > 0 { " " span.badge { (bell.unseen) } }
                            }
                            div.popup {
                                @if bell.latest.is_empty() {
                                    p.muted { "No notifications." }
                                }
                                @for n in &bell.latest {
                                    a href=(n.link.as_deref().unwrap_or("/agent/notifications")) {
                                        @if n.unseen { strong { (n.title) } } @else { (n.title) }
                                        span.item-time { (ctx.time(n.at)) }
                                    }
                                }
                                a href="/agent/notifications" { "Show All" }
                            }
                        }
                        form.search role="search" method="get" action="/agent/search" {
                            label.sr-only for="header-search" { "Search" }
                            input #header-search type="search" name="q" placeholder="Search tickets, customers, agents…";
                        }
                        details.menu.right {
                            summary aria-label="Create" { (PreEscaped(PLUS_SVG)) }
                            nav.popup aria-label="Create" {
                                @for (label, href) in ACTIONS { a href=(href) { (label) } }
                            }
                        }
                    }
                    (super::avatar::badge(&ctx.agent, &format!("Signed in as {}", ctx.agent.login)))
                }
                div.layout {
                    nav.organizer aria-label="Organizer" {
                        h2 { "Organizer" }
                        ul {
                            li { a href="/agent" aria-current=[(ctx.path == "/agent").then_some("page")] { "Dashboard" } }
                            @for list in &lists {
                                @let href = format!("/agent/tickets/list/{}", list.id);
                                li {
                                    a href=(href) data-preview={ (href) "/preview" }
                                        aria-current=[(ctx.path == href).then_some("page")] { (list.name) }
                                }
                            }
                            li { a href="/agent/organizer" { "Customize Organizer" } }
                        }
                    }
                    main #main {
                        (crumb_bar(&crumbs))
                        (body)
                    }
                }
            }
        }
    };
    html_response(status, markup)
}

fn crumb_bar(c: &Crumbs) -> Markup {
    html! {
        div.crumbs {
            div.row {
                nav aria-label="Breadcrumb" {
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
                    span.total { "(" span #total-count { (total) } " total)" }
                }
                span.spacer {}
                @if let Some(config) = &c.config {
                    a.button href=(config) aria-label="Screen configuration" title="Screen configuration" { "⚙" }
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
    /// The breadcrumb bar's second row: Actions and Scroll To on the left, the layouts on the
    /// right.
    pub fn crumb_rows(&self) -> (Markup, Markup) {
        let left = html! {
            @if !self.actions.is_empty() {
                details.menu {
                    summary.button { "Actions ▾" }
                    nav.popup aria-label="Actions" {
                        @for (label, href) in &self.actions { a href=(href) { (label) } }
                    }
                }
            }
            details.menu {
                summary.button { "Scroll To ▾" }
                nav.popup aria-label="Scroll to" {
                    @for w in &self.widgets { a href={ "#" (w.id) } { (w.title) } }
                }
            }
        };
        let right = html! {
            span.muted { "Layout:" }
            @for n in 1..=3u8 {
                a.button href={ (self.base) "?layout=" (n) }
                    aria-pressed=(if n == self.layout { "true" } else { "false" })
                    aria-label={ (n) "-column layout" } { (n) }
            }
        };
        (left, right)
    }

    /// The widgets in the chosen number of columns.
    pub fn grid(&self) -> Markup {
        grid(self.layout, &self.widgets)
    }
}

/// Widgets laid out in `layout` columns (round robin, so that the order reads across).
pub fn grid(layout: u8, widgets: &[DetailWidget]) -> Markup {
    let n = usize::from(layout.clamp(1, 3));
    html! {
        div class={ "grid cols-" (n) } {
            @for col in 0..n {
                div.column {
                    @for w in widgets.iter().skip(col).step_by(n) {
                        section.widget #(w.id) aria-labelledby={ (w.id) "-title" } {
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
