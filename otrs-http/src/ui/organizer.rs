//! "Customize Organizer": the agent's ticket lists in the organizer sidebar — add, clone, move,
//! delete, edit (columns, sort, filters, number of results) and reset to default.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::html;
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::state::AppState;
use crate::tr;
use crate::ui::fields::FormFields;
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::prefs::{self, ListSpec, ORGANIZER_KEY};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, message_in, see_other};

/// The most lists an organizer holds.
pub const MAX_LISTS: usize = 50;

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    render(&state, &ctx, None, StatusCode::OK).await
}

async fn render<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    error: Option<&ApiError>,
    status: StatusCode,
) -> Response {
    let lists = prefs::organizer(&ctx.agent);
    let n = lists.len();
    let button = |id: u32, action: &str, label: &str, aria: String| {
        html! {
            form method="post" action="/agent/organizer" {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                input type="hidden" name="id" value=(id);
                button type="submit" name="action" value=(action) aria-label=(aria) { (label) }
            }
        }
    };
    let body = html! {
        @if let Some(e) = error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        div.widget { div.body {
            ul.plain {
                @for (i, l) in lists.iter().enumerate() {
                    @let name = prefs::shown_name(ctx.lang, &l.name);
                    li {
                        span.grow { a href={ "/agent/tickets/list/" (l.id) } { (name) } }
                        a.button href={ "/agent/organizer/" (l.id) } aria-label=(tr!(ctx, "Customize %{name}", name = name)) { (tr!(ctx, "Customize")) }
                        @if i > 0 { (button(l.id, "up", "↑", tr!(ctx, "Move %{name} up", name = name))) }
                        @if i + 1 < n { (button(l.id, "down", "↓", tr!(ctx, "Move %{name} down", name = name))) }
                        (button(l.id, "clone", &tr!(ctx, "Clone"), tr!(ctx, "Clone %{name}", name = name)))
                        form method="post" action="/agent/organizer" data-confirm=(tr!(ctx, "Delete %{name}?", name = name)) {
                            input type="hidden" name="csrf_token" value=(ctx.csrf);
                            input type="hidden" name="id" value=(l.id);
                            button.danger type="submit" name="action" value="delete" aria-label=(tr!(ctx, "Delete %{name}", name = name)) { (tr!(ctx, "Delete")) }
                        }
                    }
                }
            }
        } }
        h2 #add { (tr!(ctx, "Add a list")) }
        form.stack method="post" action="/agent/organizer" {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            label for="new-name" { (tr!(ctx, "Name")) }
            div {
                input #new-name name="name" required maxlength="100";
                " " button.primary type="submit" name="action" value="add" { (tr!(ctx, "Add")) }
            }
        }
        form method="post" action="/agent/organizer" data-confirm=(tr!(ctx, "Reset the organizer to the default lists?")) {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            p { button type="submit" name="action" value="reset" { "↶ " (tr!(ctx, "Reset to Default")) } }
        }
    };
    let title = tr!(ctx, "Customize Organizer");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

async fn store<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    lists: Option<&Vec<ListSpec>>,
    to: &str,
) -> Response {
    match prefs::save(state, &ctx.agent, ORGANIZER_KEY, lists).await {
        Ok(()) => see_other(to),
        Err(e) => render(state, ctx, Some(&e), e.status()).await,
    }
}

/// Adds, clones, moves, deletes or resets.
pub(crate) async fn change<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let mut lists = prefs::organizer(&ctx.agent);
    let action = form.get("action").unwrap_or("");
    if action == "reset" {
        return store(&state, &ctx, None, "/agent/organizer").await;
    }
    let next = prefs::next_id(lists.iter().map(|l| l.id));
    if action == "add" {
        let mut spec = ListSpec {
            id: next,
            ..ListSpec::default()
        };
        if let Err(e) = spec.apply_form(&form.without(&["columns_present", "sort", "per_page"])) {
            return render(&state, &ctx, Some(&e), e.status()).await;
        }
        if lists.len() >= MAX_LISTS {
            let e = ApiError::invalid(
                "name",
                tr!(
                    ctx,
                    "the organizer holds at most %{count} lists",
                    count = MAX_LISTS
                ),
            );
            return render(&state, &ctx, Some(&e), e.status()).await;
        }
        lists.push(spec);
        return store(
            &state,
            &ctx,
            Some(&lists),
            &format!("/agent/organizer/{next}"),
        )
        .await;
    }
    let pos = form
        .number::<u32>("id")
        .ok()
        .flatten()
        .and_then(|id| lists.iter().position(|l| l.id == id));
    let Some(pos) = pos else {
        let e = ApiError::new("not-found", crate::n_!("no such list in the organizer"));
        return render(&state, &ctx, Some(&e), e.status()).await;
    };
    match action {
        "up" if pos > 0 => lists.swap(pos, pos - 1),
        "down" if pos + 1 < lists.len() => lists.swap(pos, pos + 1),
        "up" | "down" => {}
        "delete" => {
            lists.remove(pos);
        }
        "clone" => {
            if lists.len() >= MAX_LISTS {
                let e = ApiError::invalid(
                    "id",
                    tr!(
                        ctx,
                        "the organizer holds at most %{count} lists",
                        count = MAX_LISTS
                    ),
                );
                return render(&state, &ctx, Some(&e), e.status()).await;
            }
            let mut copy = lists[pos].clone();
            copy.id = next;
            let name = prefs::shown_name(ctx.lang, &copy.name).into_owned();
            copy.name = tr!(ctx, "%{name} (copy)", name = name)
                .chars()
                .take(100)
                .collect();
            lists.insert(pos + 1, copy);
        }
        other => {
            let e = ApiError::invalid("action", format!("unknown action {other:?}"));
            return render(&state, &ctx, Some(&e), e.status()).await;
        }
    }
    store(&state, &ctx, Some(&lists), "/agent/organizer").await
}

pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let lists = prefs::organizer(&ctx.agent);
    let Some(spec) = id
        .parse::<u32>()
        .ok()
        .and_then(|id| lists.into_iter().find(|l| l.id == id))
    else {
        let e = ApiError::new("not-found", format!("no such list: {id}"));
        return problem_page(&state, &ctx, &tr!(ctx, "Customize Organizer"), &e).await;
    };
    edit(&state, &ctx, &spec, None, StatusCode::OK).await
}

async fn edit<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    spec: &ListSpec,
    error: Option<&ApiError>,
    status: StatusCode,
) -> Response {
    let action = format!("/agent/organizer/{}", spec.id);
    let body = html! {
        @if let Some(e) = error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        (crate::ui::dashboard::settings_form(ctx, &action, spec, true))
    };
    let crumbs = Crumbs::path(&[
        (tr!(ctx, "Dashboard"), Some("/agent")),
        (tr!(ctx, "Customize Organizer"), Some("/agent/organizer")),
        (prefs::shown_name(ctx.lang, &spec.name), None),
    ]);
    agent_page_with(
        state,
        ctx,
        status,
        &tr!(ctx, "Customize list"),
        crumbs,
        body,
    )
    .await
}

/// Saves a list's settings.
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let mut lists = prefs::organizer(&ctx.agent);
    let Some(pos) = id
        .parse::<u32>()
        .ok()
        .and_then(|id| lists.iter().position(|l| l.id == id))
    else {
        let e = ApiError::new("not-found", format!("no such list: {id}"));
        return problem_page(&state, &ctx, &tr!(ctx, "Customize Organizer"), &e).await;
    };
    let mut spec = lists[pos].clone();
    if let Err(e) = spec.apply_form(&form) {
        return edit(&state, &ctx, &lists[pos], Some(&e), e.status()).await;
    }
    lists[pos] = spec;
    let to = format!("/agent/tickets/list/{}", lists[pos].id);
    store(&state, &ctx, Some(&lists), &to).await
}
