//! The ticket detail view: Properties cards with inline edit, the communication (compact table
//! or stream of speech bubbles, remembered per agent), People, Customer Information, Linked
//! Tickets and Appointments (with unlink), Attachments (download and image preview), Drafts and
//! History, a sidebar of the agents involved, and the screen configuration that orders and hides
//! the widgets per agent.
//!
//! Every change posts to a route here that runs one desk command; the inline-edit forms carry
//! the ticket's version, so a change made by someone else in the meantime is reported instead of
//! overwritten. Without the script every pen icon is a link to a small page with the same form.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use maud::{Markup, html};
use otrs_core::DeskError;
use otrs_core::desk::TicketUpdate;
use otrs_core::ids::{AgentId, AttachmentId, DraftId, LinkId, QueueId, StateId, TicketId};
use otrs_core::model::{
    Agent, Article, Direction, ObjectRef, Permission, Priority, StateType, Ticket,
};
use otrs_core::store::{PageRequest, Store, TicketFilter};

use crate::api::convert;
use crate::dto::TicketDto;
use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::fields::{Fields, FormFields, QueryFields};
use crate::ui::frame::{Crumbs, DetailView, DetailWidget, agent_page, agent_page_with};
use crate::ui::{UiCtx, message_in, message_of, names, see_other};
use crate::{n_, tr};

/// The preference holding the detail view's column layout.
pub const LAYOUT_PREFERENCE: &str = "ui.ticket_layout";
/// The preference holding the communication widget's view: `compact` or `stream`.
pub const COMMUNICATION_PREFERENCE: &str = "ui.ticket_communication";
/// The preference holding the widgets' order and visibility: ids separated by commas, hidden
/// ones prefixed with `-`.
pub const WIDGETS_PREFERENCE: &str = "ui.ticket_widgets";
/// The preference holding the columns of the compact communication table.
pub const COMPACT_COLUMNS_PREFERENCE: &str = "ui.ticket_compact_columns";

/// The widgets of the detail view: (id, title), in the default order.
pub const WIDGETS: [(&str, &str); 10] = [
    ("communication", n_!("Communication")),
    ("properties", n_!("Properties")),
    ("people", n_!("People")),
    ("customer", n_!("Customer Information")),
    ("linked-tickets", n_!("Linked Tickets")),
    ("linked-kb-articles", n_!("Linked Knowledge Base Articles")),
    ("linked-appointments", n_!("Linked Appointments")),
    ("attachments", n_!("Attachments")),
    ("drafts", n_!("Drafts")),
    ("history", n_!("History")),
];

/// The columns of the compact communication table: (key, header).
pub const COMPACT_COLUMNS: [(&str, &str); 8] = [
    ("number", "#"),
    ("direction", n_!("Direction")),
    ("channel", n_!("Channel")),
    ("sender", n_!("Sender")),
    ("subject", n_!("Subject")),
    ("created", n_!("Created")),
    ("important", n_!("Important")),
    ("attachments", n_!("Attachments")),
];

/// The narrow headers of the compact table's icon columns.
fn column_head(key: &str) -> Option<&'static str> {
    match key {
        "direction" => Some("↔"),
        "important" => Some("ⓘ"),
        "attachments" => Some("📎"),
        _ => None,
    }
}

/// The properties that can be edited in place: (field, label).
pub const INLINE_FIELDS: [(&str, &str); 6] = [
    ("title", n_!("Title")),
    ("state", n_!("State")),
    ("priority", n_!("Priority")),
    ("queue", n_!("Queue")),
    ("owner", n_!("Owner")),
    ("responsible", n_!("Responsible")),
];

/// The heading of a property's inline edit.
fn edit_label(field: &str) -> &'static str {
    match field {
        "title" => n_!("Edit title"),
        "state" => n_!("Edit state"),
        "priority" => n_!("Edit priority"),
        "queue" => n_!("Edit queue"),
        "owner" => n_!("Edit owner"),
        _ => n_!("Edit responsible"),
    }
}

/// What the page says when a form's version is older than the ticket's.
pub const STALE_MESSAGE: &str = n_!(
    "This ticket was changed by someone else after you opened it, so your change was not saved. Reload the ticket to see the current values and try again."
);

/// A page saying what went wrong, inside the frame.
///
/// `title` is an English text marked with `n_!` (translated here) or one already translated.
pub(crate) async fn problem_page<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    title: &str,
    error: &ApiError,
) -> Response {
    let title = translate_dyn(ctx.lang, title);
    agent_page_with(
        state,
        ctx,
        error.status(),
        &title,
        Crumbs::path(&[(&*title, None)]),
        html! { p.error role="alert" { (message_in(ctx.lang, error)) } },
    )
    .await
}

/// The widgets in the agent's order: (id, visible).
pub fn widget_order(agent: &Agent) -> Vec<(&'static str, bool)> {
    let mut out: Vec<(&'static str, bool)> = Vec::new();
    if let Some(saved) = agent.preferences.get(WIDGETS_PREFERENCE) {
        for item in saved.split(',').map(str::trim) {
            let (name, visible) = match item.strip_prefix('-') {
                Some(n) => (n, false),
                None => (item, true),
            };
            if let Some((id, _)) = WIDGETS.iter().find(|(id, _)| *id == name)
                && !out.iter().any(|(o, _)| o == id)
            {
                out.push((id, visible));
            }
        }
    }
    for (id, _) in WIDGETS {
        if !out.iter().any(|(o, _)| *o == id) {
            out.push((id, true));
        }
    }
    out
}

/// The compact table's columns the agent chose (all by default).
pub fn compact_columns(agent: &Agent) -> Vec<&'static str> {
    match agent.preferences.get(COMPACT_COLUMNS_PREFERENCE) {
        Some(saved) if !saved.is_empty() => COMPACT_COLUMNS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| saved.split(',').any(|s| s.trim() == *k))
            .collect(),
        _ => COMPACT_COLUMNS.iter().map(|(k, _)| *k).collect(),
    }
}

fn widget_title(id: &str) -> &'static str {
    WIDGETS
        .iter()
        .find(|(i, _)| *i == id)
        .map_or(n_!("Widget"), |(_, t)| t)
}

/// Parses the ticket id of a path, or answers with the not-found page.
pub(crate) fn ticket_id(raw: &str) -> Result<TicketId, ApiError> {
    raw.parse::<u64>()
        .map(TicketId)
        .map_err(|_| ApiError::new("not-found", format!("no such ticket: {raw}")))
}

/// True if the rights include `permission` (rw implies everything).
pub(crate) fn holds(rights: &[Permission], permission: Permission) -> bool {
    rights.contains(&permission) || rights.contains(&Permission::Rw)
}

/// The permission an inline edit needs.
fn edit_permission(field: &str) -> Permission {
    match field {
        "priority" => Permission::Priority,
        "owner" => Permission::Owner,
        _ => Permission::Rw,
    }
}

/// An article direction's icon and its name (also the bubble's class).
fn direction_icon(d: Direction) -> (&'static str, &'static str) {
    match d {
        Direction::Incoming => ("←", n_!("incoming")),
        Direction::Outgoing => ("→", n_!("outgoing")),
        Direction::Internal => ("↔", n_!("internal")),
    }
}

fn sender_name(a: &Article) -> String {
    // "Name <address>" shows as the name.
    match a.from.split_once('<') {
        Some((name, _)) if !name.trim().is_empty() => name.trim().trim_matches('"').to_owned(),
        _ => a.from.clone(),
    }
}

fn first_lines(text: &str, max: usize) -> String {
    let joined: String = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    if joined.chars().count() > max {
        let cut: String = joined.chars().take(max).collect();
        format!("{cut}…")
    } else {
        joined
    }
}

/// A file size for people: bytes, KB or MB.
pub(crate) fn human_size(bytes: u64, lang: Language) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else if bytes >= 1024 {
        format!("{:.1} KB", bytes as f64 / 1024.0)
    } else {
        tr!(@lang lang, "%{count} bytes", count = bytes)
    }
}

/// Image types the browser may show inline (never SVG, which can carry script).
pub(crate) const PREVIEW_TYPES: [&str; 4] = ["image/png", "image/jpeg", "image/gif", "image/webp"];

/// The MIME type without parameters, lower-cased.
pub(crate) fn base_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Everything the page shows, loaded once.
struct Loaded {
    ticket: Ticket,
    dto: TicketDto,
    rights: Vec<Permission>,
    articles: Vec<Article>,
    unseen: BTreeSet<u64>,
    agents: Vec<Agent>,
}

async fn load<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
) -> Result<Loaded, ApiError> {
    let desk = state.desk();
    let actor = ctx.principal();
    let ticket = desk.ticket(actor, id).await?;
    let rights = desk.ticket_rights(actor, id).await?;
    let articles = desk.articles(actor, id).await?;
    let unseen = desk
        .unseen_articles(actor, id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.id.0)
        .collect();
    let agents = desk.agents(actor).await.unwrap_or_default();
    let dto = convert::tickets(state, std::slice::from_ref(&ticket))
        .await
        .remove(0);
    Ok(Loaded {
        ticket,
        dto,
        rights,
        articles,
        unseen,
        agents,
    })
}

/// The ticket detail view.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let id = match ticket_id(&id) {
        Ok(id) => id,
        Err(e) => return problem_page(&state, &ctx, "Ticket", &e).await,
    };
    let mut data = match load(&state, &ctx, id).await {
        Ok(d) => d,
        Err(e) => return problem_page(&state, &ctx, "Ticket", &e).await,
    };
    let actor = ctx.principal();
    let desk = state.desk();

    // Which article is open: the one asked for, or the newest. Opening an article reads it;
    // "expand all" reads them all.
    let expand_all = query.get("expand") == Some("all");
    let selected = query
        .number::<u64>("article")
        .ok()
        .flatten()
        .filter(|a| data.articles.iter().any(|x| x.id.0 == *a))
        .or_else(|| data.articles.last().map(|a| a.id.0));
    let to_mark: Vec<_> = data
        .articles
        .iter()
        .filter(|a| data.unseen.contains(&a.id.0) && (expand_all || Some(a.id.0) == selected))
        .map(|a| a.id)
        .collect();
    if !to_mark.is_empty() {
        let all = to_mark.len() == data.articles.len();
        let ids = if all { Vec::new() } else { to_mark.clone() };
        match desk.mark_seen(actor, id, ids).await {
            Ok(()) => {
                for a in &to_mark {
                    data.unseen.remove(&a.0);
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not mark articles seen"),
        }
    }

    // Choices made in the page are kept for the next ticket.
    let chosen_layout = query
        .number::<u8>("layout")
        .ok()
        .flatten()
        .filter(|n| (1..=3).contains(n));
    if let Some(n) = chosen_layout {
        keep(&state, &ctx, LAYOUT_PREFERENCE, &n.to_string()).await;
    }
    let chosen_view = query
        .get("view")
        .filter(|v| matches!(*v, "compact" | "stream"));
    if let Some(v) = chosen_view {
        keep(&state, &ctx, COMMUNICATION_PREFERENCE, v).await;
    }
    let pref = |key: &str| ctx.agent.preferences.get(key).cloned();
    let layout = chosen_layout
        .or_else(|| pref(LAYOUT_PREFERENCE).and_then(|v| v.parse().ok()))
        .unwrap_or(2);
    let view = chosen_view
        .map(str::to_owned)
        .or_else(|| pref(COMMUNICATION_PREFERENCE))
        .filter(|v| v == "stream")
        .map_or("compact", |_| "stream");

    let base = format!("/agent/tickets/{}", id.0);
    let mut widgets = Vec::new();
    for (wid, visible) in widget_order(&ctx.agent) {
        if !visible {
            continue;
        }
        let built = match wid {
            "communication" => Some(communication(
                &ctx, &data, &base, view, selected, expand_all,
            )),
            "properties" => Some(properties(&state, &ctx, &data).await),
            "people" => Some(people(&ctx, desk.now(), &data)),
            "customer" => customer_info(&state, &ctx, &data).await,
            "linked-tickets" => linked_tickets(&state, &ctx, &data).await,
            "linked-kb-articles" => crate::ui::kb_links::ticket_widget(
                &state,
                &ctx,
                data.ticket.id,
                holds(&data.rights, Permission::Rw),
            )
            .await
            .map(|(title, body)| widget("linked-kb-articles", &title, None, body)),
            "linked-appointments" => linked_appointments(&state, &ctx, &data).await,
            "attachments" => attachments(&ctx, &data),
            "drafts" => drafts(&state, &ctx, &data).await,
            "history" => Some(history(&state, &ctx, &data).await),
            _ => None,
        };
        if let Some(w) = built {
            widgets.push(w);
        }
    }
    // Only the actions the desk would allow this agent on this ticket (the routes refuse the rest).
    let actions = crate::ui::actions::menu(&state, &ctx, id)
        .await
        .into_iter()
        .map(|(label, href)| (translate_dyn(ctx.lang, &label).into_owned(), href))
        .chain([
            (tr!(ctx, "Print").into_owned(), format!("{base}/print")),
            (
                tr!(ctx, "Back to the dashboard").into_owned(),
                "/agent".into(),
            ),
        ])
        .collect();
    let view_frame = DetailView {
        actions,
        layout,
        base: base.clone(),
        widgets,
    };
    let (left, right) = view_frame.crumb_rows_in(ctx.lang);
    let t = &data.dto;
    let title = format!("Ticket#{} — {}", t.number, t.title);
    let crumbs = Crumbs {
        path: vec![
            (tr!(ctx, "Dashboard").into_owned(), Some("/agent".into())),
            (title.clone(), None),
        ],
        config: Some("/agent/tickets/screen".into()),
        left: Some(left),
        right: Some(right),
        ..Crumbs::default()
    };
    let sidebar = sidebar(&state, &ctx, &data).await;
    // The action panels come back here after "Save as draft".
    let draft_saved = query.get("draft-saved").filter(|f| !f.is_empty());
    let body = html! {
        @if let Some(form) = draft_saved {
            p.notice role="status" { (tr!(ctx, "Draft saved (%{form}). It is listed under Drafts.", form = crate::ui::actions::form_label(ctx.lang, form))) }
        }
        div.ticket-detail {
            div.ticket-main { (view_frame.grid()) }
            (sidebar)
        }
    };
    agent_page(&state, &ctx, &title, crumbs, body).await
}

async fn keep<S: Store>(state: &AppState<S>, ctx: &UiCtx, key: &str, value: &str) {
    if ctx.agent.preferences.get(key).map(String::as_str) != Some(value)
        && let Err(e) = crate::ui::prefs::save_text(state, &ctx.agent, key, value).await
    {
        tracing::warn!(error = %message_of(&e), key, "could not keep a view preference");
    }
}

fn widget(id: &str, title: &str, tools: Option<Markup>, body: Markup) -> DetailWidget {
    DetailWidget {
        id: id.to_owned(),
        title: title.to_owned(),
        tools,
        body,
    }
}

// --- communication ---------------------------------------------------------------------------

fn communication(
    ctx: &UiCtx,
    data: &Loaded,
    base: &str,
    view: &str,
    selected: Option<u64>,
    expand_all: bool,
) -> DetailWidget {
    let columns = compact_columns(&ctx.agent);
    let article_link = |a: &Article| format!("{base}?article={}#article-{}", a.id.0, a.id.0);
    let tools = html! {
        a.button href={ (base) "?view=compact" } aria-pressed=(if view == "compact" { "true" } else { "false" }) { (tr!(ctx, "Compact")) }
        a.button href={ (base) "?view=stream" } aria-pressed=(if view == "stream" { "true" } else { "false" }) { (tr!(ctx, "Stream")) }
        @if expand_all {
            a.button href=(base) { (tr!(ctx, "Collapse All")) }
        } @else {
            a.button href={ (base) "?expand=all" } { (tr!(ctx, "Expand All")) }
        }
    };
    let listing = if view == "stream" {
        html! {
            ol.stream {
                @for a in &data.articles {
                    @let (icon, dir) = direction_icon(a.direction());
                    li class={ "bubble " (dir) @if data.unseen.contains(&a.id.0) { " unread" } } {
                        span.avatar-small aria-hidden="true" { (sender_name(a).chars().next().unwrap_or('?')) }
                        a.bubble-body href=(article_link(a)) {
                            span.meta { (icon) " " (crate::ui::articles::article_name(ctx.lang, a.channel.name())) " · " (sender_name(a)) " · " (ctx.time(a.created_at))
                                @if a.important { " · " span.important title=(tr!(ctx, "Important")) { "⚡ " (tr!(ctx, "important")) } } }
                            strong.subject { (a.subject) }
                            span.excerpt { (first_lines(&a.body, 160)) }
                        }
                    }
                }
            }
        }
    } else {
        html! {
            table.list.compact {
                thead { tr {
                    @for (key, label) in COMPACT_COLUMNS.iter().filter(|(k, _)| columns.contains(k)) {
                        @let label = translate_dyn(ctx.lang, label);
                        th scope="col" data-column=(key) title=(label) {
                            @match column_head(key) {
                                Some(icon) => span aria-label=(label) { (icon) },
                                None => (label),
                            }
                        }
                    }
                } }
                tbody {
                    @for (i, a) in data.articles.iter().enumerate() {
                        @let (icon, dir) = direction_icon(a.direction());
                        tr class=[data.unseen.contains(&a.id.0).then_some("unread")] data-article=(a.id.0) {
                            @for key in &columns {
                                @match *key {
                                    "number" => td.num { (i + 1) },
                                    "direction" => td title=(translate_dyn(ctx.lang, dir)) { span aria-label=(translate_dyn(ctx.lang, dir)) { (icon) } },
                                    "channel" => td { (crate::ui::articles::article_name(ctx.lang, a.channel.name())) },
                                    "sender" => td { (sender_name(a)) },
                                    "subject" => td { a href=(article_link(a)) { (if a.subject.is_empty() { tr!(ctx, "(no subject)") } else { a.subject.as_str().into() }) } },
                                    "created" => td.created { time datetime=(a.created_at.to_rfc3339()) { (ctx.time(a.created_at)) } },
                                    "important" => td { @if a.important { span.important title=(tr!(ctx, "Important")) aria-label=(tr!(ctx, "Important")) { "⚡" } } },
                                    _ => td.num { @if !a.attachments.is_empty() { (a.attachments.len()) } },
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let shown: Vec<&Article> = data
        .articles
        .iter()
        .filter(|a| expand_all || Some(a.id.0) == selected)
        .collect();
    let body = html! {
        @if data.articles.is_empty() { p.muted { (tr!(ctx, "No articles.")) } }
        (listing)
        @for a in shown {
            (crate::ui::articles::article_view(ctx, &data.ticket, &data.rights, a))
        }
    };
    let title = if view == "stream" {
        tr!(ctx, "Communication Stream")
    } else {
        tr!(ctx, "Communication Compact")
    };
    widget("communication", &title, Some(tools), body)
}

// --- properties and inline edit --------------------------------------------------------------

async fn properties<S: Store>(state: &AppState<S>, ctx: &UiCtx, data: &Loaded) -> DetailWidget {
    let t = &data.dto;
    let watching = state
        .desk()
        .watchers(ctx.principal(), data.ticket.id)
        .await
        .unwrap_or_default()
        .iter()
        .any(|w| w.agent_id == ctx.agent.id);
    let card = |field: Option<&str>, label: &str, value: Markup, form: Option<Markup>| {
        let editable = field.filter(|f| holds(&data.rights, edit_permission(f)));
        html! {
            div.card id=[field.map(|f| format!("card-{f}"))] {
                div.card-head {
                    span.card-label { (label) }
                    @if let (Some(f), Some(_)) = (editable, &form) {
                        a.pen href={ "/agent/tickets/" (data.ticket.id.0) "/edit/" (f) }
                            data-inline={ "inline-" (f) }
                            aria-label=(translate_dyn(ctx.lang, edit_label(f))) title=(translate_dyn(ctx.lang, edit_label(f))) { "✎" }
                    }
                }
                div.card-value { (value) }
                @if let (Some(f), Some(form)) = (editable, form) {
                    form.inline-edit id={ "inline-" (f) } hidden method="post" action={ "/agent/tickets/" (data.ticket.id.0) "/edit/" (f) } {
                        input type="hidden" name="csrf_token" value=(ctx.csrf);
                        input type="hidden" name="version" value=(data.ticket.version);
                        (form)
                        div.inline-buttons {
                            button.primary type="submit" { (tr!(ctx, "Save")) }
                            " " button type="button" data-inline-cancel { (tr!(ctx, "Cancel")) }
                        }
                    }
                }
            }
        }
    };
    let mut cards = Vec::new();
    cards.push(card(None, "Ticket#", html! { (t.number) }, None));
    for (field, label) in INLINE_FIELDS {
        let value = match field {
            "title" => html! { (t.title) },
            "state" => html! { (names::shown(ctx.lang, &t.state.name)) },
            "priority" => html! { (names::shown(ctx.lang, &t.priority.name)) },
            "queue" => html! { (t.queue.name) },
            "owner" => html! { (t.owner.name) },
            _ => html! { (t.responsible.name) },
        };
        let form = edit_fields(state, ctx, data, field, &Fields::default(), None).await;
        cards.push(card(
            Some(field),
            &translate_dyn(ctx.lang, label),
            value,
            Some(form),
        ));
    }
    cards.push(card(
        None,
        &tr!(ctx, "Lock"),
        html! { (if t.lock == "unlock" { tr!(ctx, "unlocked") } else { tr!(ctx, "locked") }) },
        None,
    ));
    cards.push(card(
        None,
        &tr!(ctx, "Watch"),
        html! { (if watching { tr!(ctx, "watched by you") } else { tr!(ctx, "not watched by you") }) },
        None,
    ));
    cards.push(card(
        None,
        &tr!(ctx, "Created"),
        html! { time datetime=(t.created_at.to_rfc3339()) { (ctx.time(t.created_at)) } },
        None,
    ));
    if let Some(p) = t.pending_until {
        cards.push(card(
            None,
            &tr!(ctx, "Pending till"),
            html! { (ctx.time(p)) },
            None,
        ));
    }
    cards.push(card(
        None,
        &tr!(ctx, "Accounted Time"),
        html! { (t.accounted_time) },
        None,
    ));
    widget(
        "properties",
        &tr!(ctx, "Properties"),
        None,
        html! { div.cards { @for c in cards { (c) } } },
    )
}

/// The inputs of one inline-edit form (the value as the form had it, or the ticket's).
async fn edit_fields<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    data: &Loaded,
    field: &str,
    form: &Fields,
    error: Option<&ApiError>,
) -> Markup {
    let t = &data.ticket;
    let actor = ctx.principal();
    let input_id = format!("edit-{field}");
    let field_error = error.and_then(|e| {
        e.problem()
            .errors
            .iter()
            .find(|p| p.field == field || (field == "state" && p.field == "pending_until"))
            .map(|p| p.message.clone())
    });
    let invalid = field_error.as_ref().map(|_| "true");
    let described = field_error.as_ref().map(|_| format!("{input_id}-error"));
    let chosen = |current: u64| form.number::<u64>(field).ok().flatten().unwrap_or(current);
    let control = match field {
        "title" => html! {
            input id=(input_id) type="text" name="title" required maxlength="255"
                value=(form.get("title").unwrap_or(&t.title))
                aria-invalid=[invalid] aria-describedby=[described.clone()];
        },
        "priority" => {
            let current = chosen(u64::from(t.priority.level()));
            html! {
                select id=(input_id) name="priority" aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for p in Priority::ALL {
                        option value=(p.level()) selected[u64::from(p.level()) == current] { (names::shown(ctx.lang, p.name())) }
                    }
                }
            }
        }
        "state" => {
            let states = state.desk().states(actor).await.unwrap_or_default();
            let current = chosen(t.state_id.0);
            html! {
                select id=(input_id) name="state" aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for s in states.iter().filter(|s| s.valid && !matches!(s.state_type, StateType::Merged | StateType::Removed)) {
                        option value=(s.id.0) selected[s.id.0 == current] { (names::shown(ctx.lang, &s.name)) }
                    }
                }
                label for={ (input_id) "-pending" } { (tr!(ctx, "Pending till (for pending states)")) }
                input id={ (input_id) "-pending" } type="datetime-local" name="pending_until"
                    value=(form.get("pending_until").unwrap_or_default());
            }
        }
        "queue" => {
            let queues = state.desk().queues(actor).await.unwrap_or_default();
            let current = chosen(t.queue_id.0);
            html! {
                select id=(input_id) name="queue" aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for q in queues.iter().filter(|q| q.validity.is_valid()) {
                        option value=(q.id.0) selected[q.id.0 == current] { (q.name) }
                    }
                }
            }
        }
        _ => {
            let current = chosen(if field == "owner" {
                t.owner_id.0
            } else {
                t.responsible_id.0
            });
            html! {
                select id=(input_id) name=(field) aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for a in data.agents.iter().filter(|a| a.validity.is_valid() && (a.id != AgentId::SYSTEM || a.id.0 == current)) {
                        option value=(a.id.0) selected[a.id.0 == current] { (a.full_name()) " (" (a.login) ")" }
                    }
                }
            }
        }
    };
    let label = INLINE_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(field, |(_, l)| l);
    html! {
        label.sr-only for=(input_id) { (translate_dyn(ctx.lang, label)) }
        (control)
        @if let Some(m) = field_error { span.field-error id={ "edit-" (field) "-error" } role="alert" { (m) } }
    }
}

fn parse_local(text: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

fn update_of(
    field: &str,
    form: &Fields,
    tz: chrono_tz::Tz,
    lang: Language,
) -> Result<TicketUpdate, ApiError> {
    let version = form.number::<u64>("version")?.ok_or_else(|| {
        ApiError::invalid("version", tr!(@lang lang, "is missing; reload the ticket"))
    })?;
    let mut update = TicketUpdate {
        expected_version: Some(version),
        ..TicketUpdate::default()
    };
    let required = |name: &str| -> Result<u64, ApiError> {
        form.number::<u64>(name)?
            .ok_or_else(|| ApiError::invalid(name, tr!(@lang lang, "is required")))
    };
    match field {
        "title" => update.title = Some(form.text("title")),
        "priority" => {
            let level = required("priority")?;
            update.priority = Some(
                u8::try_from(level)
                    .ok()
                    .and_then(Priority::new)
                    .ok_or_else(|| {
                        ApiError::invalid("priority", tr!(@lang lang, "must be 1 to 5"))
                    })?,
            );
        }
        "state" => {
            update.state = Some(StateId(required("state")?));
            let pending = form.text("pending_until");
            if !pending.is_empty() {
                update.pending_until = Some(parse_local(&pending, tz).ok_or_else(|| {
                    ApiError::invalid("pending_until", tr!(@lang lang, "must be a date and time"))
                })?);
            }
        }
        "queue" => update.queue = Some(QueueId(required("queue")?)),
        "owner" => update.owner = Some(AgentId(required("owner")?)),
        "responsible" => update.responsible = Some(AgentId(required("responsible")?)),
        _ => {
            return Err(ApiError::new(
                "not-found",
                format!("no such property: {field}"),
            ));
        }
    }
    Ok(update)
}

/// The page of one inline edit (what the pen icon opens without the script).
pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, field)): Path<(String, String)>,
) -> Response {
    edit_panel(
        &state,
        &ctx,
        &id,
        &field,
        &Fields::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Saves one inline edit; a stale version or a refusal shows the form again with the reason.
pub(crate) async fn edit_save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, field)): Path<(String, String)>,
    FormFields(form): FormFields,
) -> Response {
    let tid = match ticket_id(&id) {
        Ok(t) => t,
        Err(e) => return problem_page(&state, &ctx, "Ticket", &e).await,
    };
    let result = match update_of(&field, &form, ctx.tz, ctx.lang) {
        Ok(update) => state
            .desk()
            .update_ticket(ctx.principal(), tid, update)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => see_other(&format!("/agent/tickets/{}#properties", tid.0)),
        Err(e) => {
            let status = e.status();
            edit_panel(&state, &ctx, &id, &field, &form, Some(e), status).await
        }
    }
}

async fn edit_panel<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: &str,
    field: &str,
    form: &Fields,
    error: Option<ApiError>,
    status: StatusCode,
) -> Response {
    let tid = match ticket_id(id) {
        Ok(t) => t,
        Err(e) => return problem_page(state, ctx, "Ticket", &e).await,
    };
    if !INLINE_FIELDS.iter().any(|(f, _)| *f == field) {
        let e = ApiError::new("not-found", format!("no such property: {field}"));
        return problem_page(state, ctx, "Ticket", &e).await;
    }
    let heading = translate_dyn(ctx.lang, edit_label(field));
    let data = match load(state, ctx, tid).await {
        Ok(d) => d,
        Err(e) => return problem_page(state, ctx, "Ticket", &e).await,
    };
    let stale = error
        .as_ref()
        .is_some_and(|e| e.code() == "version-mismatch");
    let general = error.as_ref().filter(|e| {
        !stale
            && !e
                .problem()
                .errors
                .iter()
                .any(|p| p.field == field || p.field == "pending_until")
    });
    // A stale form keeps the version it had, so that saving again is refused again until the
    // agent reloads; everything else takes the current version.
    let version = if stale {
        form.get("version").unwrap_or_default().to_owned()
    } else {
        data.ticket.version.to_string()
    };
    let fields = edit_fields(state, ctx, &data, field, form, error.as_ref()).await;
    let back = format!("/agent/tickets/{}", tid.0);
    let body = html! {
        section.widget.action-panel aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                @if stale {
                    p.error.stale role="alert" { (translate_dyn(ctx.lang, STALE_MESSAGE)) " " a href={ (back) "/edit/" (field) } { (tr!(ctx, "Reload")) } }
                }
                @if let Some(e) = general { p.error role="alert" { (message_in(ctx.lang, e)) } }
                form.stack method="post" action={ (back) "/edit/" (field) } {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    input type="hidden" name="version" value=(version);
                    (fields)
                    div { button.primary type="submit" { (tr!(ctx, "Save")) } " " a.button href=(back) { (tr!(ctx, "Cancel")) } }
                }
            }
        }
    };
    let title = format!("{heading} — Ticket#{}", data.ticket.number);
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (
            &format!("Ticket#{} — {}", data.ticket.number, data.ticket.title),
            Some(&back),
        ),
        (&*heading, None),
    ]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

// --- people, customer, links -----------------------------------------------------------------

/// A person card: the agent's avatar, name, address and local time, or `fallback`.
pub(crate) fn agent_card(
    ctx: &UiCtx,
    now: DateTime<Utc>,
    role: &str,
    agent: Option<&Agent>,
    fallback: &str,
) -> Markup {
    html! {
        div.card.person {
            div.card-head { span.card-label { (role) } }
            @match agent {
                Some(a) => {
                    div.card-value.with-avatar { (crate::ui::avatar::badge(a, &a.full_name())) strong { (a.full_name()) } " (" (a.login) ")" }
                    @if !a.email.is_empty() { div.muted { a href={ "mailto:" (a.email) } { (a.email) } } }
                    @let tz = a.preferences.get(crate::ui::TIME_ZONE_PREFERENCE).and_then(|z| z.parse::<chrono_tz::Tz>().ok()).unwrap_or(ctx.tz);
                    div.muted { (tr!(ctx, "Local time %{time} (%{zone})", time = now.with_timezone(&tz).format("%H:%M"), zone = tz.name())) }
                }
                None => div.card-value { (fallback) }
            }
        }
    }
}

fn people(ctx: &UiCtx, now: DateTime<Utc>, data: &Loaded) -> DetailWidget {
    let find = |id: AgentId| data.agents.iter().find(|a| a.id == id);
    let t = &data.dto;
    let body = html! {
        div.cards {
            (agent_card(ctx, now, &tr!(ctx, "Owner"), find(data.ticket.owner_id), &t.owner.name))
            (agent_card(ctx, now, &tr!(ctx, "Responsible"), find(data.ticket.responsible_id), &t.responsible.name))
        }
    };
    widget("people", &tr!(ctx, "People"), None, body)
}

async fn customer_info<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    data: &Loaded,
) -> Option<DetailWidget> {
    let desk = state.desk();
    let actor = ctx.principal();
    let user = match data.ticket.customer_user_id {
        Some(id) => desk.customer_user(actor, id).await.ok(),
        None => None,
    };
    let customer_id = data
        .ticket
        .customer_id
        .clone()
        .or_else(|| user.as_ref().map(|u| u.customer_id.clone()));
    let customer = match &customer_id {
        Some(c) => desk.customer_by_customer_id(actor, c).await.ok(),
        None => None,
    };
    let count = |types: Vec<StateType>| {
        let filter = TicketFilter {
            customer_user_ids: data.ticket.customer_user_id.map(|u| vec![u]),
            customer_ids: match (&data.ticket.customer_user_id, &customer_id) {
                (None, Some(c)) => Some(vec![c.clone()]),
                _ => None,
            },
            state_types: Some(types),
            ..TicketFilter::default()
        };
        async move {
            desk.list_tickets(actor, filter, Default::default(), PageRequest::first(1))
                .await
                .map(|p| p.total)
                .unwrap_or(0)
        }
    };
    let known = user.is_some() || customer.is_some();
    let (open, closed) = if known {
        (
            count(vec![
                StateType::New,
                StateType::Open,
                StateType::PendingReminder,
                StateType::PendingAuto,
            ])
            .await,
            count(vec![StateType::Closed]).await,
        )
    } else {
        (0, 0)
    };
    let login = user.as_ref().map(|u| u.login.clone()).unwrap_or_default();
    let login_query = Fields(vec![("customer_user".to_owned(), login)]).encode();
    let body = html! {
        @if !known {
            p.muted { (tr!(ctx, "This ticket has no known customer.")) }
            p { a.button href="/agent/search?q=" { (tr!(ctx, "Show All Tickets")) } }
        } @else {
            div.cards {
                @if let Some(u) = &user {
                    div.card.person {
                        div.card-head { span.card-label { (tr!(ctx, "Customer User")) } }
                        div.card-value { strong { (u.full_name()) } " (" (u.login) ")" }
                        @if !u.email.is_empty() { div.muted { a href={ "mailto:" (u.email) } { (u.email) } } }
                        @if !u.phone.is_empty() { div.muted { (u.phone) } }
                    }
                }
                @if let Some(c) = &customer {
                    div.card.person {
                        div.card-head { span.card-label { (tr!(ctx, "Customer")) } }
                        div.card-value { strong { (c.name) } " (" (c.customer_id) ")" }
                        @if !c.city.is_empty() { div.muted { (c.city) } }
                    }
                }
                div.card {
                    div.card-head { span.card-label { "Tickets" } }
                    div.card-value.counts {
                        span.count-open { (strong_count(&tr!(ctx, "%{count} open"), open)) } " · "
                        span.count-closed { (strong_count(&tr!(ctx, "%{count} closed"), closed)) }
                    }
                }
            }
            p.create-shortcuts {
                (tr!(ctx, "Create:")) " "
                a.button href={ "/agent/tickets/new/phone?" (login_query) } { (tr!(ctx, "Phone ticket")) }
                " "
                a.button href={ "/agent/tickets/new/email?" (login_query) } { (tr!(ctx, "E-mail ticket")) }
            }
        }
    };
    Some(widget(
        "customer",
        &tr!(ctx, "Customer Information"),
        None,
        body,
    ))
}

/// A text with a `%{count}` placeholder, the count set in bold.
fn strong_count(text: &str, count: u64) -> Markup {
    let (before, after) = text.split_once("%{count}").unwrap_or((text, ""));
    html! { (before) strong { (count) } (after) }
}

/// The ✕ button that removes a link of the ticket.
pub(crate) fn unlink_button(ctx: &UiCtx, ticket: TicketId, link: LinkId, what: &str) -> Markup {
    html! {
        form.inline method="post" action={ "/agent/tickets/" (ticket.0) "/links/" (link.0) "/unlink" } {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            button.link type="submit" aria-label=(tr!(ctx, "Unlink %{what}", what = what)) title=(tr!(ctx, "Unlink")) { "✕" }
        }
    }
}

async fn linked_tickets<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    data: &Loaded,
) -> Option<DetailWidget> {
    let desk = state.desk();
    let actor = ctx.principal();
    let me = ObjectRef::Ticket(data.ticket.id);
    let links = desk.links(actor, me).await.unwrap_or_default();
    let mut rows = Vec::new();
    for l in links {
        if let ObjectRef::Ticket(other) = l.other_end(me)
            && let Ok(t) = desk.ticket(actor, other).await
        {
            rows.push((l, t));
        }
    }
    if rows.is_empty() {
        return None;
    }
    let dtos = convert::tickets(
        state,
        &rows.iter().map(|(_, t)| t.clone()).collect::<Vec<_>>(),
    )
    .await;
    let may_unlink = holds(&data.rights, Permission::Rw);
    let body = html! {
        table.list.linked {
            thead { tr {
                th { (tr!(ctx, "Number")) } th { (tr!(ctx, "Title")) } th { (tr!(ctx, "Priority")) } th.optional { (tr!(ctx, "Created")) }
                th { (tr!(ctx, "State")) } th.optional { (tr!(ctx, "Queue")) } th { (tr!(ctx, "Linked As")) } @if may_unlink { th { (tr!(ctx, "Unlink")) } }
            } }
            tbody {
                @for ((l, t), d) in rows.iter().zip(&dtos) {
                    @let kind = match l.link_type {
                        otrs_core::model::LinkType::Normal => tr!(ctx, "Normal"),
                        _ if l.source == me => tr!(ctx, "Child"),
                        _ => tr!(ctx, "Parent"),
                    };
                    tr {
                        td { a href={ "/agent/tickets/" (t.id.0) } { (t.number) } }
                        td { (t.title) }
                        td { (names::shown(ctx.lang, &d.priority.name)) }
                        td.optional { (ctx.time(t.created_at)) }
                        td { (names::shown(ctx.lang, &d.state.name)) }
                        td.optional { (d.queue.name) }
                        td { (kind) }
                        @if may_unlink { td { (unlink_button(ctx, data.ticket.id, l.id, &tr!(ctx, "ticket %{number}", number = t.number))) } }
                    }
                }
            }
        }
    };
    Some(widget(
        "linked-tickets",
        &if rows.len() == 1 {
            tr!(ctx, "Linked Tickets (%{count} Ticket)", count = rows.len())
        } else {
            tr!(ctx, "Linked Tickets (%{count} Tickets)", count = rows.len())
        },
        None,
        body,
    ))
}

async fn linked_appointments<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    data: &Loaded,
) -> Option<DetailWidget> {
    let desk = state.desk();
    let actor = ctx.principal();
    let me = ObjectRef::Ticket(data.ticket.id);
    let appointments = desk
        .ticket_appointments(actor, data.ticket.id)
        .await
        .unwrap_or_default();
    if appointments.is_empty() {
        return None;
    }
    let links = desk.links(actor, me).await.unwrap_or_default();
    let may_unlink = holds(&data.rights, Permission::Rw);
    let body = html! {
        table.list.linked {
            thead { tr {
                th { (tr!(ctx, "Title")) } th.optional { (tr!(ctx, "Location")) } th { (tr!(ctx, "Start Time")) } th { (tr!(ctx, "End Time")) }
                th { (tr!(ctx, "Linked As")) } @if may_unlink { th { (tr!(ctx, "Unlink")) } }
            } }
            tbody {
                @for ap in &appointments {
                    @let link = links.iter().find(|l| l.other_end(me) == ObjectRef::Appointment(ap.id));
                    tr {
                        td { (ap.title) }
                        td.optional { (ap.location) }
                        td { (ap.start.format("%Y-%m-%d %H:%M")) " " span.muted { (ap.time_zone.name()) } }
                        td { (ap.end.format("%Y-%m-%d %H:%M")) }
                        td { (tr!(ctx, "Normal")) }
                        @if may_unlink { td { @if let Some(l) = link { (unlink_button(ctx, data.ticket.id, l.id, &tr!(ctx, "appointment %{title}", title = ap.title))) } } }
                    }
                }
            }
        }
    };
    Some(widget(
        "linked-appointments",
        &if appointments.len() == 1 {
            tr!(ctx, "Linked Appointments (%{count} Appointment)", count = 1)
        } else {
            tr!(
                ctx,
                "Linked Appointments (%{count} Appointments)",
                count = appointments.len()
            )
        },
        None,
        body,
    ))
}

/// Removes a link of the ticket (another ticket, an appointment or a knowledge-base article).
pub(crate) async fn unlink<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, link)): Path<(String, u64)>,
) -> Response {
    let tid = match ticket_id(&id) {
        Ok(t) => t,
        Err(e) => return problem_page(&state, &ctx, n_!("Unlink"), &e).await,
    };
    match state
        .desk()
        .unlink_from_ticket(ctx.principal(), tid, LinkId(link))
        .await
    {
        Ok(()) => see_other(&format!("/agent/tickets/{}", tid.0)),
        Err(e) => problem_page(&state, &ctx, n_!("Unlink"), &ApiError::from(e)).await,
    }
}

// --- attachments and drafts ------------------------------------------------------------------

fn attachments(ctx: &UiCtx, data: &Loaded) -> Option<DetailWidget> {
    let rows: Vec<(usize, &Article, &otrs_core::model::AttachmentMeta)> = data
        .articles
        .iter()
        .enumerate()
        .flat_map(|(i, a)| a.attachments.iter().map(move |f| (i + 1, a, f)))
        .collect();
    if rows.is_empty() {
        return None;
    }
    let url = |f: &otrs_core::model::AttachmentMeta| {
        format!("/agent/tickets/{}/attachments/{}", data.ticket.id.0, f.id.0)
    };
    let body = html! {
        table.list.attachments {
            thead { tr {
                th { (tr!(ctx, "Type")) } th { (tr!(ctx, "Filename")) } th { (tr!(ctx, "File size")) } th.optional { (tr!(ctx, "Create time")) }
                th.optional { (tr!(ctx, "Direction")) } th { (tr!(ctx, "Article")) } th { (tr!(ctx, "Preview")) } th { (tr!(ctx, "Download")) }
            } }
            tbody {
                @for (n, a, f) in &rows {
                    @let ty = base_type(&f.content_type);
                    tr {
                        td { (ty) }
                        td { (f.filename) }
                        td.num { (human_size(f.size, ctx.lang)) }
                        td.optional { (ctx.time(a.created_at)) }
                        td.optional { (translate_dyn(ctx.lang, direction_icon(a.direction()).1)) }
                        td { a href={ "/agent/tickets/" (data.ticket.id.0) "?article=" (a.id.0) "#article-" (a.id.0) } { "#" (n) " – " (a.subject) } }
                        td {
                            @if PREVIEW_TYPES.contains(&ty.as_str()) {
                                a href={ (url(f)) "?inline=1" } {
                                    img.thumb src={ (url(f)) "?inline=1" } alt=(tr!(ctx, "Preview of %{file}", file = f.filename)) loading="lazy";
                                }
                            }
                        }
                        td { a href=(url(f)) download=(f.filename) { (tr!(ctx, "Download")) } }
                    }
                }
            }
        }
    };
    Some(widget("attachments", &tr!(ctx, "Attachments"), None, body))
}

/// A `Content-Disposition` value with a plain ASCII fallback and the RFC 5987 UTF-8 name.
pub(crate) fn disposition(kind: &str, filename: &str) -> HeaderValue {
    let ascii: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && !matches!(c, '"' | '\\' | ';' | '%') || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded: String = form_urlencoded::byte_serialize(filename.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    HeaderValue::from_str(&format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

/// Downloads an attachment of the ticket (or shows a safe image inline with `?inline=1`).
pub(crate) async fn attachment<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, attachment)): Path<(String, u64)>,
    QueryFields(query): QueryFields,
) -> Response {
    let tid = match ticket_id(&id) {
        Ok(t) => t,
        Err(e) => return problem_page(&state, &ctx, n_!("Attachment"), &e).await,
    };
    let content = match state
        .desk()
        .attachment(ctx.principal(), AttachmentId(attachment))
        .await
    {
        Ok(c) => c,
        Err(e) => return problem_page(&state, &ctx, n_!("Attachment"), &ApiError::from(e)).await,
    };
    // The attachment must belong to this ticket (its article is read to check).
    match state
        .desk()
        .article(ctx.principal(), content.article_id)
        .await
    {
        Ok(a) if a.ticket_id == tid => {}
        _ => {
            let e = ApiError::from(DeskError::not_found("attachment", attachment));
            return problem_page(&state, &ctx, n_!("Attachment"), &e).await;
        }
    }
    file_response(
        &content.content,
        &content.meta.content_type,
        &content.meta.filename,
        query.get("inline") == Some("1"),
    )
}

/// A stored file for download, or shown in the page with `inline` when it is a safe image.
/// Anything a browser might run (HTML, SVG, script) is sent as bytes to save.
pub(crate) fn file_response(
    bytes: &[u8],
    content_type: &str,
    filename: &str,
    inline: bool,
) -> Response {
    let ty = base_type(content_type);
    let previewable = PREVIEW_TYPES.contains(&ty.as_str());
    let inline = inline && previewable;
    let safe_type = if previewable || ty == "text/plain" || ty == "application/pdf" {
        ty.clone()
    } else {
        "application/octet-stream".to_owned()
    };
    let mut response = bytes.to_vec().into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&safe_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        disposition(if inline { "inline" } else { "attachment" }, filename),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

async fn drafts<S: Store>(state: &AppState<S>, ctx: &UiCtx, data: &Loaded) -> Option<DetailWidget> {
    let drafts = state
        .desk()
        .drafts(ctx.principal(), data.ticket.id)
        .await
        .unwrap_or_default();
    if drafts.is_empty() {
        return None;
    }
    let name_of = |id: AgentId| {
        data.agents
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| id.to_string(), Agent::full_name)
    };
    let body = html! {
        table.list.drafts {
            thead { tr { th { (tr!(ctx, "Title")) } th { (tr!(ctx, "Saved")) } th { (tr!(ctx, "Type")) } th { (tr!(ctx, "Delete")) } } }
            tbody {
                @for (d, stale) in &drafts {
                    tr {
                        td {
                            @let href = match d.fields.get("article") {
                                Some(article) => format!("/agent/tickets/{}/articles/{article}/{}?draft={}", data.ticket.id.0, d.form, d.id.0),
                                None => format!("/agent/tickets/{}/actions/{}?draft={}", data.ticket.id.0, d.form, d.id.0),
                            };
                            a href=(href) {
                                (d.name) " – " (name_of(d.created_by))
                            }
                            @if *stale { " " span.muted title=(tr!(ctx, "The ticket changed after the draft was saved")) { (tr!(ctx, "(ticket changed since)")) } }
                        }
                        td { (ctx.time(d.changed_at)) }
                        td { (crate::ui::actions::form_label(ctx.lang, &d.form)) }
                        td {
                            form.inline method="post" action={ "/agent/tickets/" (data.ticket.id.0) "/drafts/" (d.id.0) "/delete" } data-confirm=(tr!(ctx, "Delete this draft?")) {
                                input type="hidden" name="csrf_token" value=(ctx.csrf);
                                button.link type="submit" aria-label=(tr!(ctx, "Delete draft %{name}", name = d.name)) { "✕" }
                            }
                        }
                    }
                }
            }
        }
    };
    Some(widget("drafts", &tr!(ctx, "Drafts"), None, body))
}

/// Deletes a draft of the ticket.
pub(crate) async fn delete_draft<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, draft)): Path<(String, u64)>,
) -> Response {
    let tid = match ticket_id(&id) {
        Ok(t) => t,
        Err(e) => return problem_page(&state, &ctx, n_!("Drafts"), &e).await,
    };
    let belongs = state
        .desk()
        .drafts(ctx.principal(), tid)
        .await
        .map(|ds| ds.iter().any(|(d, _)| d.id == DraftId(draft)));
    let result = match belongs {
        Ok(true) => state
            .desk()
            .delete_draft(ctx.principal(), DraftId(draft))
            .await
            .map_err(ApiError::from),
        Ok(false) => Err(ApiError::from(DeskError::not_found("draft", draft))),
        Err(e) => Err(ApiError::from(e)),
    };
    match result {
        Ok(()) => see_other(&format!("/agent/tickets/{}", tid.0)),
        Err(e) => problem_page(&state, &ctx, n_!("Drafts"), &e).await,
    }
}

// --- history and sidebar ---------------------------------------------------------------------

async fn history<S: Store>(state: &AppState<S>, ctx: &UiCtx, data: &Loaded) -> DetailWidget {
    let history = state
        .desk()
        .history(ctx.principal(), data.ticket.id)
        .await
        .unwrap_or_default();
    let body = html! {
        ol.plain {
            @for h in history.iter().rev().take(50) {
                li { span.grow { (crate::ui::actions::history_type_in(ctx.lang, h.entry.history_type)) " " span.muted { (h.entry.params.join(" · ")) } } span.muted { (ctx.time(h.entry.created_at)) } }
            }
        }
    };
    widget("history", &tr!(ctx, "History"), None, body)
}

async fn sidebar<S: Store>(state: &AppState<S>, ctx: &UiCtx, data: &Loaded) -> Markup {
    let desk = state.desk();
    let actor = ctx.principal();
    let watchers: Vec<AgentId> = desk
        .watchers(actor, data.ticket.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|w| w.agent_id)
        .collect();
    let involved: BTreeSet<AgentId> = desk
        .history(actor, data.ticket.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter_map(|h| match h.entry.created_by {
            otrs_core::Principal::Agent(a) if a != AgentId::SYSTEM => Some(a),
            _ => None,
        })
        .collect();
    let mut people: Vec<AgentId> = vec![data.ticket.owner_id, data.ticket.responsible_id];
    people.extend(watchers.iter().copied());
    people.extend(involved.iter().copied());
    let mut seen = BTreeSet::new();
    people.retain(|a| seen.insert(*a) && *a != AgentId::SYSTEM);
    let rows: Vec<(&Agent, Vec<&str>)> = people
        .iter()
        .filter_map(|id| data.agents.iter().find(|a| a.id == *id))
        .map(|a| {
            let mut roles = Vec::new();
            if a.id == data.ticket.owner_id {
                roles.push(n_!("owner"));
            }
            if a.id == data.ticket.responsible_id {
                roles.push(n_!("responsible"));
            }
            if watchers.contains(&a.id) {
                roles.push(n_!("watching"));
            }
            if involved.contains(&a.id) {
                roles.push(n_!("involved"));
            }
            (a, roles)
        })
        .collect();
    html! {
        aside.ticket-sidebar aria-label=(tr!(ctx, "Involved agents")) {
            h2 { (tr!(ctx, "Agents")) }
            @if rows.is_empty() { p.muted { (tr!(ctx, "No agent has worked on this ticket yet.")) } }
            ul.plain {
                @for (a, roles) in &rows {
                    @let shown = roles.iter().map(|r| translate_dyn(ctx.lang, r)).collect::<Vec<_>>().join(", ");
                    li class={ "agent " (roles.join(" ")) } title={ (a.full_name()) ": " (shown) } {
                        (crate::ui::avatar::badge(a, &a.full_name()))
                        span.who {
                            (a.full_name())
                            span.roles.muted { " " (shown) }
                        }
                    }
                }
            }
        }
    }
}

// --- screen configuration --------------------------------------------------------------------

/// The screen configuration: which widgets show, in which order, and the compact columns.
pub(crate) async fn screen_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    screen_panel(&state, &ctx, query.get("saved") == Some("1"), None).await
}

async fn screen_panel<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    saved: bool,
    error: Option<ApiError>,
) -> Response {
    let order = widget_order(&ctx.agent);
    let columns = compact_columns(&ctx.agent);
    let body = html! {
        section.widget {
            header { h2 { (tr!(ctx, "Ticket detail view")) } }
            div.body {
                @if saved { p.ok role="status" { (tr!(ctx, "Saved.")) } }
                @if let Some(e) = &error { p.error role="alert" { (message_in(ctx.lang, e)) } }
                form.stack method="post" action="/agent/tickets/screen" {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    fieldset {
                        legend { (tr!(ctx, "Widgets (position and visibility)")) }
                        table.list {
                            thead { tr { th { (tr!(ctx, "Widget")) } th { (tr!(ctx, "Position")) } th { (tr!(ctx, "Shown")) } } }
                            tbody {
                                @for (i, (id, visible)) in order.iter().enumerate() {
                                    tr {
                                        td { label for={ "pos-" (id) } { (translate_dyn(ctx.lang, widget_title(id))) } }
                                        td { input id={ "pos-" (id) } type="number" min="1" max="99" name={ "pos_" (id) } value=(i + 1); }
                                        td { input type="checkbox" name="shown" value=(id) checked[*visible] aria-label=(tr!(ctx, "Show %{widget}", widget = translate_dyn(ctx.lang, widget_title(id)))); }
                                    }
                                }
                            }
                        }
                    }
                    fieldset {
                        legend { (tr!(ctx, "Communication Compact columns")) }
                        @for (key, label) in COMPACT_COLUMNS {
                            label.check { input type="checkbox" name="columns" value=(key) checked[columns.contains(&key)]; " " (translate_dyn(ctx.lang, label)) }
                            " "
                        }
                    }
                    div { button.primary type="submit" { (tr!(ctx, "Save")) } " " button type="submit" name="reset" value="1" { (tr!(ctx, "Reset to defaults")) } }
                }
            }
        }
    };
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*tr!(ctx, "Screen configuration: ticket detail view"), None),
    ]);
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    let title = tr!(ctx, "Screen configuration");
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

/// Saves the screen configuration in the agent's preferences.
pub(crate) async fn screen_save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let (widgets, columns) = if form.has("reset") {
        (String::new(), String::new())
    } else {
        let mut positions = Vec::new();
        for (i, (id, _)) in WIDGETS.iter().enumerate() {
            let pos = match form.number::<u32>(&format!("pos_{id}")) {
                Ok(p) => p.unwrap_or(i as u32 + 1),
                Err(e) => return screen_panel(&state, &ctx, false, Some(e)).await,
            };
            positions.push((pos, i, *id));
        }
        positions.sort();
        let shown = form.all("shown");
        let widgets = positions
            .iter()
            .map(|(_, _, id)| {
                if shown.contains(id) {
                    (*id).to_owned()
                } else {
                    format!("-{id}")
                }
            })
            .collect::<Vec<_>>()
            .join(",");
        let chosen = form.all("columns");
        if chosen.is_empty() {
            let e = ApiError::invalid("columns", "choose at least one column");
            return screen_panel(&state, &ctx, false, Some(e)).await;
        }
        let columns = COMPACT_COLUMNS
            .iter()
            .map(|(k, _)| *k)
            .filter(|k| chosen.contains(k))
            .collect::<Vec<_>>()
            .join(",");
        (widgets, columns)
    };
    for (key, value) in [
        (WIDGETS_PREFERENCE, widgets),
        (COMPACT_COLUMNS_PREFERENCE, columns),
    ] {
        if let Err(e) = crate::ui::prefs::save_text(&state, &ctx.agent, key, &value).await {
            return screen_panel(&state, &ctx, false, Some(e)).await;
        }
    }
    see_other("/agent/tickets/screen?saved=1")
}
