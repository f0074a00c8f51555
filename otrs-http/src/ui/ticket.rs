//! The ticket detail view (read-only): properties, communication stream, people, linked
//! objects and history, in one, two or three columns.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::response::Response;
use maud::html;
use otrs_core::ids::TicketId;
use otrs_core::model::ObjectRef;
use otrs_core::store::Store;

use crate::api::convert;
use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::fields::QueryFields;
use crate::ui::frame::{Crumbs, DetailView, DetailWidget, agent_page, agent_page_with};
use crate::ui::{UiCtx, message_of};

/// The preference holding the detail view's column layout.
pub const LAYOUT_PREFERENCE: &str = "ui.ticket_layout";

/// A page saying what went wrong, inside the frame.
pub(crate) async fn problem_page<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    title: &str,
    error: &ApiError,
) -> Response {
    agent_page_with(
        state,
        ctx,
        error.status(),
        title,
        Crumbs::path(&[(title, None)]),
        html! { p.error role="alert" { (message_of(error)) } },
    )
    .await
}

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let Ok(id) = id.parse::<u64>() else {
        let e = ApiError::new("not-found", format!("no such ticket: {id}"));
        return problem_page(&state, &ctx, "Ticket", &e).await;
    };
    let actor = ctx.principal();
    let ticket = match state.desk().ticket(actor, TicketId(id)).await {
        Ok(t) => t,
        Err(e) => return problem_page(&state, &ctx, "Ticket", &ApiError::from(e)).await,
    };
    let articles = state
        .desk()
        .articles(actor, ticket.id)
        .await
        .unwrap_or_default();
    let unseen: Vec<_> = state
        .desk()
        .unseen_articles(actor, ticket.id)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| a.id)
        .collect();
    let links = state
        .desk()
        .links(actor, ObjectRef::Ticket(ticket.id))
        .await
        .unwrap_or_default();
    let history = state
        .desk()
        .history(actor, ticket.id)
        .await
        .unwrap_or_default();
    if !unseen.is_empty()
        && let Err(e) = state.desk().mark_seen(actor, ticket.id, Vec::new()).await
    {
        tracing::warn!(error = %e, "could not mark a ticket seen");
    }
    let dto = convert::tickets(&state, std::slice::from_ref(&ticket))
        .await
        .remove(0);
    let chosen = query
        .number::<u8>("layout")
        .ok()
        .flatten()
        .filter(|n| (1..=3).contains(n));
    // A layout chosen in the breadcrumb bar is kept for the next ticket.
    if let Some(n) = chosen
        && ctx.agent.preferences.get(LAYOUT_PREFERENCE) != Some(&n.to_string())
        && let Err(e) =
            crate::ui::prefs::save_text(&state, &ctx.agent, LAYOUT_PREFERENCE, &n.to_string()).await
    {
        tracing::warn!(error = %message_of(&e), "could not keep the ticket layout");
    }
    let layout = chosen
        .or_else(|| {
            ctx.agent
                .preferences
                .get(LAYOUT_PREFERENCE)
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(2);
    let t = &dto;
    let properties = html! {
        dl.props {
            dt { "Number" } dd { (t.number) }
            dt { "State" } dd { (t.state.name) }
            dt { "Priority" } dd { (t.priority.name) }
            dt { "Queue" } dd { (t.queue.name) }
            dt { "Lock" } dd { (if t.lock == "unlock" { "unlocked" } else { "locked" }) }
            dt { "Created" } dd { time datetime=(t.created_at.to_rfc3339()) { (ctx.time(t.created_at)) } }
            dt { "Changed" } dd { time datetime=(t.changed_at.to_rfc3339()) { (ctx.time(t.changed_at)) } }
            @if let Some(p) = t.pending_until {
                dt { "Pending till" } dd { (ctx.time(p)) }
            }
            dt { "Time Units" } dd { (t.accounted_time) }
        }
    };
    let people = html! {
        dl.props {
            dt { "Owner" } dd { (t.owner.name) }
            dt { "Responsible" } dd { (t.responsible.name) }
            dt { "Customer User" } dd { (t.customer_user.as_ref().map(|c| c.name.as_str()).unwrap_or("–")) }
            dt { "Customer ID" } dd { (t.customer_id.as_deref().unwrap_or("–")) }
        }
    };
    let stream = html! {
        @if articles.is_empty() { p.muted { "No articles." } }
        @for a in &articles {
            article.message #{ "article-" (a.id.0) } {
                div.meta {
                    @if unseen.contains(&a.id) { strong { "Unread · " } }
                    (a.channel.name()) " · " (a.sender_type.name())
                    @if !a.visible_for_customer { " · internal" }
                    " · " (ctx.time(a.created_at))
                }
                @if !a.from.is_empty() { div.meta { "From: " (a.from) } }
                h3 { (a.subject) }
                div.text { (a.body) }
                @if !a.attachments.is_empty() {
                    ul { @for f in &a.attachments { li { (f.filename) " (" (f.size) " bytes)" } } }
                }
            }
        }
    };
    let linked = html! {
        @if links.is_empty() { p.muted { "No linked objects." } }
        ul.plain {
            @for l in &links {
                @let other = if l.source == ObjectRef::Ticket(ticket.id) { l.target } else { l.source };
                li {
                    span.grow {
                        @match other {
                            ObjectRef::Ticket(tid) => a href={ "/agent/tickets/" (tid.0) } { "Ticket " (tid.0) },
                            other => (other.to_string()),
                        }
                    }
                    span.muted { (l.link_type.name()) }
                }
            }
        }
    };
    let hist = html! {
        ol.plain {
            @for h in history.iter().rev().take(50) {
                li { span.grow { (h.entry.history_type.to_string()) " " span.muted { (h.entry.params.join(" · ")) } } span.muted { (ctx.time(h.entry.created_at)) } }
            }
        }
    };
    let widget = |id: &str, title: &str, body| DetailWidget {
        id: id.to_owned(),
        title: title.to_owned(),
        tools: None,
        body,
    };
    let base = format!("/agent/tickets/{}", ticket.id.0);
    let view = DetailView {
        actions: crate::ui::actions::ACTIONS
            .iter()
            .map(|(name, label)| {
                (
                    (*label).to_owned(),
                    format!("/agent/tickets/{}/actions/{name}", ticket.id.0),
                )
            })
            .chain([
                ("Back to the dashboard".into(), "/agent".into()),
                (
                    "Ticket history (JSON)".into(),
                    format!("/api/v1/tickets/{}/history", ticket.id.0),
                ),
            ])
            .collect(),
        layout,
        base: base.clone(),
        widgets: vec![
            widget("communication", "Communication Stream", stream),
            widget("properties", "Properties", properties),
            widget("people", "People", people),
            widget("linked", "Linked Objects", linked),
            widget("history", "History", hist),
        ],
    };
    let (left, right) = view.crumb_rows();
    let title = format!("Ticket#{} — {}", t.number, t.title);
    let crumbs = Crumbs {
        path: vec![
            ("Dashboard".into(), Some("/agent".into())),
            (title.clone(), None),
        ],
        left: Some(left),
        right: Some(right),
        ..Crumbs::default()
    };
    agent_page(&state, &ctx, &title, crumbs, view.grid()).await
}
