//! The header search's results page: tickets (by the query language, errors shown at the
//! field), customers, customer users, agents, queues and knowledge-base articles (every word in
//! the article, as the knowledge base's own search), grouped by object type, with a filter
//! section to narrow the types.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use otrs_core::desk::KbQuery;
use otrs_core::ids::TicketId;
use otrs_core::store::Store;

use crate::api::search::{SearchParams, run_search};
use crate::dto::SearchResults;
use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::columns::Column;
use crate::ui::fields::QueryFields;
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::lists::{Loaded, table};
use crate::ui::{UiCtx, message_in};
use crate::{n_, tr};

/// The object types, as (key of the search API, heading marked for `translate_dyn`).
pub const TYPES: [(&str, &str); 6] = [
    ("tickets", n_!("Tickets")),
    ("customers", n_!("Customers")),
    ("customer-users", n_!("Customer Users")),
    ("agents", n_!("Agents")),
    ("queues", n_!("Queues")),
    ("kb-articles", n_!("Knowledge Base Articles")),
];

/// Rows shown per type.
const PER_TYPE: u32 = 25;

fn group(lang: Language, id: &str, title: &str, total: u64, body: Markup) -> Markup {
    html! {
        section.widget #(id) aria-labelledby={ (id) "-title" } {
            header { h2 #{ (id) "-title" } { (translate_dyn(lang, title)) " (" (total) ")" } }
            div.body { (body) }
        }
    }
}

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let q = query.text("q");
    let mut chosen: Vec<&str> = query
        .all("types")
        .into_iter()
        .filter(|t| TYPES.iter().any(|(k, _)| k == t))
        .collect();
    if chosen.is_empty() {
        chosen = TYPES.iter().map(|(k, _)| *k).collect();
    }
    let run = |types: Vec<&str>| SearchParams {
        q: q.clone(),
        types: Some(types.join(",")),
        page: Some(1),
        per_page: Some(PER_TYPE),
    };
    let mut tickets_error: Option<ApiError> = None;
    let mut results = SearchResults::default();
    if !q.is_empty() {
        if chosen.contains(&"tickets") {
            match run_search(&state, ctx.principal(), &run(vec!["tickets"])).await {
                Ok(r) => results.tickets = r.tickets,
                Err(e) => tickets_error = Some(e),
            }
        }
        let others: Vec<&str> = chosen
            .iter()
            .copied()
            .filter(|t| !matches!(*t, "tickets" | "kb-articles"))
            .collect();
        if !others.is_empty() {
            match run_search(&state, ctx.principal(), &run(others)).await {
                Ok(r) => {
                    results.customers = r.customers;
                    results.customer_users = r.customer_users;
                    results.agents = r.agents;
                    results.queues = r.queues;
                }
                Err(e) => tickets_error = tickets_error.or(Some(e)),
            }
        }
    }
    // Knowledge-base articles come from the desk's own search (the ticket index has none).
    let kb_articles = if q.is_empty() || !chosen.contains(&"kb-articles") {
        None
    } else {
        let query = KbQuery {
            text: Some(q.clone()),
            limit: PER_TYPE,
            ..KbQuery::default()
        };
        state.desk().search_kb(ctx.principal(), query).await.ok()
    };
    let ticket_body = match &results.tickets {
        Some(list) => {
            let ids: Vec<TicketId> = list.items.iter().map(|t| TicketId(t.id)).collect();
            let unread = state
                .desk()
                .unread_tickets(ctx.principal(), &ids)
                .await
                .unwrap_or_default()
                .into_iter()
                .map(|t| t.0)
                .collect();
            let loaded = Loaded {
                items: list.items.clone(),
                total: list.total,
                unread,
            };
            let cols = [
                Column::Number,
                Column::Title,
                Column::State,
                Column::Queue,
                Column::Changed,
            ];
            Some((
                list.total,
                table(&ctx, &cols, &loaded, "-changed", None, false),
            ))
        }
        None => None,
    };
    let status = match &tickets_error {
        Some(e) if e.code() == "query-syntax" => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    let q_error = tickets_error.as_ref().map(|e| {
        let p = e.problem();
        match p.column {
            Some(col) => tr!(
                ctx,
                "%{problem} (at column %{column})",
                problem = p.detail,
                column = col
            ),
            None => message_in(ctx.lang, e),
        }
    });
    let body = html! {
        form.stack.filters method="get" action="/agent/search" {
            div {
                label for="search-q" { (tr!(ctx, "Search")) }
                input #search-q type="search" name="q" value=(q) required
                    aria-invalid=[q_error.as_ref().map(|_| "true")]
                    aria-describedby=[q_error.as_ref().map(|_| "search-q-error")];
                @if let Some(msg) = &q_error { div #search-q-error.inline-error role="alert" { (msg) } }
                p.note { (tr!(ctx, "Tickets use the search language (title:printer AND state:open); other objects match text, with * as a wildcard.")) }
            }
            fieldset {
                legend { (tr!(ctx, "Object types")) }
                @for (key, label) in TYPES {
                    label { input type="checkbox" name="types" value=(key) checked[chosen.contains(&key)]; " " (translate_dyn(ctx.lang, label)) } " "
                }
            }
            div { button.primary type="submit" { (tr!(ctx, "Search")) } }
        }
        @if q.is_empty() {
            p.muted { (tr!(ctx, "Type what to look for.")) }
        } @else {
            div.stack {
                @if let Some((total, body)) = ticket_body { (group(ctx.lang, "found-tickets", TYPES[0].1, total, body)) }
                @if let Some(list) = &results.customers {
                    (group(ctx.lang, "found-customers", TYPES[1].1, list.total, html! {
                        ul.plain { @for c in &list.items { li { span.grow { (c.name) } span.muted { (c.customer_id) } } } }
                    }))
                }
                @if let Some(list) = &results.customer_users {
                    (group(ctx.lang, "found-customer-users", TYPES[2].1, list.total, html! {
                        ul.plain { @for u in &list.items { li { span.grow { (u.first_name) " " (u.last_name) } span.muted { (u.login) " · " (u.email) } } } }
                    }))
                }
                @if let Some(list) = &results.agents {
                    (group(ctx.lang, "found-agents", TYPES[3].1, list.total, html! {
                        ul.plain { @for a in &list.items { li { span.grow { (a.first_name) " " (a.last_name) } span.muted { (a.login) } } } }
                    }))
                }
                @if let Some(list) = &results.queues {
                    (group(ctx.lang, "found-queues", TYPES[4].1, list.total, html! {
                        ul.plain { @for qu in &list.items { li { (qu.name) } } }
                    }))
                }
                @if let Some(found) = &kb_articles {
                    (group(ctx.lang, "found-kb-articles", TYPES[5].1, found.total, html! {
                        ul.plain { @for item in &found.items { li {
                            a.grow href={ "/agent/kb/" (item.article.id) } { (item.article.title) }
                            span.muted { "FAQ#" (item.number) " · " (item.category_path) }
                        } } }
                    }))
                }
            }
        }
    };
    let title = tr!(ctx, "Search");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(&state, &ctx, status, &title, crumbs, body).await
}
