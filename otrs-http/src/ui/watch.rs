//! Watching tickets from a list: the selected tickets are watched or unwatched, each reported
//! on its own (a watcher is notified like the owner).

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use otrs_core::store::Store;

use crate::api::tickets::public_error;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tr;
use crate::ui::UiCtx;
use crate::ui::bulk::{back_of, selected};
use crate::ui::fields::{FormFields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::ticket::problem_page;

/// Asks whether to watch or unwatch the selected tickets.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let ids = match selected(&query) {
        Ok(ids) => ids,
        Err(e) => return problem_page(&state, &ctx, &tr!(ctx, "Watch"), &e).await,
    };
    let back = back_of(&query);
    let body = html! {
        div.widget { div.body.stack {
            p { @if ids.len() == 1 { (tr!(ctx, "Watch or stop watching the selected ticket.")) } @else { (tr!(ctx, "Watch or stop watching %{count} selected tickets.", count = ids.len())) }
                " " (tr!(ctx, "Watchers are told about changes like the owner.")) }
            form method="post" action="/agent/tickets/watch" {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                input type="hidden" name="back" value=(back);
                @for id in &ids { input type="hidden" name="ids" value=(id.0); }
                button.primary type="submit" name="action" value="watch" { (tr!(ctx, "Watch")) }
                " " button type="submit" name="action" value="unwatch" { (tr!(ctx, "Stop watching")) }
                " " a.button href=(back) { (tr!(ctx, "Cancel")) }
            }
        } }
    };
    let title = tr!(ctx, "Watch");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await
}

/// Watches or unwatches each ticket and reports each outcome.
pub(crate) async fn execute<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let ids = match selected(&form) {
        Ok(ids) => ids,
        Err(e) => return problem_page(&state, &ctx, &tr!(ctx, "Watch"), &e).await,
    };
    let watch = match form.get("action") {
        Some("watch") => true,
        Some("unwatch") => false,
        _ => {
            let e = ApiError::invalid("action", "must be watch or unwatch");
            return problem_page(&state, &ctx, &tr!(ctx, "Watch"), &e).await;
        }
    };
    let mut outcomes = Vec::with_capacity(ids.len());
    for id in &ids {
        let result = if watch {
            state.desk().watch_ticket(ctx.principal(), *id).await
        } else {
            state.desk().unwatch_ticket(ctx.principal(), *id).await
        };
        outcomes.push((*id, result.err().map(|e| public_error(&e))));
    }
    let done = outcomes.iter().filter(|(_, e)| e.is_none()).count();
    let back = back_of(&form);
    let body = html! {
        p role="status" {
            @if watch { (tr!(ctx, "%{done} of %{count} tickets watched.", done = done, count = outcomes.len())) }
            @else { (tr!(ctx, "%{done} of %{count} tickets no longer watched.", done = done, count = outcomes.len())) }
        }
        ul.plain {
            @for (id, error) in &outcomes {
                li {
                    span.grow { a href={ "/agent/tickets/" (id.0) } { (tr!(ctx, "Ticket %{id}", id = id.0)) } }
                    @match error {
                        None => span.outcome-done { (tr!(ctx, "Done")) },
                        Some(e) => span.outcome-failed { (e) },
                    }
                }
            }
        }
        p { a.button.primary href=(back) { (tr!(ctx, "Back to the list")) } }
    };
    let title = tr!(ctx, "Watch");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await
}
