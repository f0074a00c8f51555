//! Ticket actions from the detail view, each a small form in a panel that runs one desk
//! command and returns to the ticket: Note, Lock, Unlock, Close, Priority, Owner, Move.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use otrs_core::desk::{ArticleInput, TicketUpdate};
use otrs_core::ids::{AgentId, QueueId, StateId, TicketId};
use otrs_core::model::{Priority, StateType, Ticket, default_states};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::fields::{Fields, FormFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::{UiCtx, message_of, see_other};

/// The actions: (path name, label).
pub const ACTIONS: [(&str, &str); 7] = [
    ("note", "Note"),
    ("lock", "Lock"),
    ("unlock", "Unlock"),
    ("close", "Close"),
    ("priority", "Priority"),
    ("owner", "Owner"),
    ("move", "Move"),
];

fn label_of(name: &str) -> Option<&'static str> {
    ACTIONS.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
}

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, name)): Path<(u64, String)>,
) -> Response {
    panel(
        &state,
        &ctx,
        TicketId(id),
        &name,
        &Fields::default(),
        None,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn run<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, name)): Path<(u64, String)>,
    FormFields(form): FormFields,
) -> Response {
    let id = TicketId(id);
    if label_of(&name).is_none() {
        return panel(&state, &ctx, id, &name, &form, None, StatusCode::NOT_FOUND).await;
    }
    match execute(&state, &ctx, id, &name, &form).await {
        Ok(()) => see_other(&format!("/agent/tickets/{}", id.0)),
        Err(e) => {
            let status = e.status();
            let message = message_of(&e);
            panel(&state, &ctx, id, &name, &form, Some(message), status).await
        }
    }
}

async fn execute<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
    name: &str,
    form: &Fields,
) -> Result<(), ApiError> {
    let desk = state.desk();
    let actor = ctx.principal();
    let mut update = TicketUpdate::default();
    match name {
        "note" => {
            let mut note = ArticleInput::note(form.text("body"));
            note.subject = form.text("subject");
            desk.add_article(actor, id, note).await.map(|_| ())?;
            return Ok(());
        }
        "lock" => return Ok(desk.lock_ticket(actor, id).await.map(|_| ())?),
        "unlock" => return Ok(desk.unlock_ticket(actor, id).await.map(|_| ())?),
        "close" => {
            update.state = Some(match form.number::<u64>("state")? {
                Some(s) => StateId(s),
                None => default_states::CLOSED_SUCCESSFUL,
            });
        }
        "priority" => {
            let text = form.text("priority");
            update.priority = Some(
                Priority::parse(&text)
                    .ok_or_else(|| ApiError::invalid("priority", "must be 1 to 5"))?,
            );
        }
        "owner" => {
            let owner = form.number::<u64>("owner")?;
            update.owner = Some(AgentId(
                owner.ok_or_else(|| ApiError::invalid("owner", "is required"))?,
            ));
        }
        _ => {
            let queue = form.number::<u64>("queue")?;
            update.queue = Some(QueueId(
                queue.ok_or_else(|| ApiError::invalid("queue", "is required"))?,
            ));
        }
    }
    desk.update_ticket(actor, id, update)
        .await
        .map(|_| ())
        .map_err(ApiError::from)
}

async fn panel<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
    name: &str,
    form: &Fields,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let actor = ctx.principal();
    let ticket = match state.desk().ticket(actor, id).await {
        Ok(t) => t,
        Err(e) => {
            return crate::ui::ticket::problem_page(state, ctx, "Ticket", &ApiError::from(e)).await;
        }
    };
    let Some(label) = label_of(name) else {
        let e = ApiError::new("not-found", format!("no such ticket action: {name}"));
        return crate::ui::ticket::problem_page(state, ctx, "Ticket", &e).await;
    };
    let fields = fields_of(state, ctx, &ticket, name, form).await;
    let back = format!("/agent/tickets/{}", id.0);
    let body = html! {
        div.grid.cols-2 {
            div.column {
                p { a href=(back) { "Back to ticket " (ticket.number) } }
            }
            div.column {
                section.widget.action-panel aria-label=(label) {
                    h2 { (label) }
                    @if let Some(m) = &error { p.error role="alert" { (m) } }
                    form method="post" action={ (back) "/actions/" (name) } {
                        input type="hidden" name="csrf_token" value=(ctx.csrf);
                        (fields)
                        button.primary type="submit" { (label) }
                        " " a href=(back) { "Cancel" }
                    }
                }
            }
        }
    };
    let title = format!("{label} — Ticket#{}", ticket.number);
    let crumbs = Crumbs::path(&[
        ("Dashboard", Some("/agent")),
        (
            &format!("Ticket#{} — {}", ticket.number, ticket.title),
            Some(&back),
        ),
        (label, None),
    ]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

async fn fields_of<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    name: &str,
    form: &Fields,
) -> Markup {
    let actor = ctx.principal();
    let value = |k: &str| form.get(k).unwrap_or_default().to_owned();
    match name {
        "note" => html! {
            label for="subject" { "Subject" }
            input #subject type="text" name="subject" value=(value("subject"));
            label for="body" { "Text" }
            textarea #body name="body" rows="8" required { (value("body")) }
        },
        "close" => {
            let states = state.desk().states(actor).await.unwrap_or_default();
            html! {
                label for="state" { "Next state" }
                select #state name="state" {
                    @for s in states.iter().filter(|s| s.valid && s.state_type == StateType::Closed) {
                        option value=(s.id.0) { (s.name) }
                    }
                }
            }
        }
        "priority" => html! {
            label for="priority" { "Priority" }
            select #priority name="priority" {
                @for p in Priority::ALL {
                    option value=(p.level()) selected[p == ticket.priority] { (p.name()) }
                }
            }
        },
        "owner" => {
            let agents = state.desk().agents(actor).await.unwrap_or_default();
            html! {
                label for="owner" { "New owner" }
                select #owner name="owner" {
                    @for a in agents.iter().filter(|a| a.validity.is_valid() && a.id != AgentId::SYSTEM) {
                        option value=(a.id.0) selected[a.id == ticket.owner_id] { (a.first_name) " " (a.last_name) " (" (a.login) ")" }
                    }
                }
            }
        }
        "move" => {
            let queues = state.desk().queues(actor).await.unwrap_or_default();
            html! {
                label for="queue" { "New queue" }
                select #queue name="queue" {
                    @for q in queues.iter().filter(|q| q.validity.is_valid()) {
                        option value=(q.id.0) selected[q.id == ticket.queue_id] { (q.name) }
                    }
                }
            }
        }
        _ => html! { p { "Confirm to " (name) " the ticket." } },
    }
}
