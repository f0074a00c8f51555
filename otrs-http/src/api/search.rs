//! Search across object types.

use axum::extract::State;
use otrs_core::Principal;
use otrs_core::store::{CustomerFilter, CustomerUserFilter, PageRequest, Store};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::tickets::{TicketListParams, run_ticket_list};
use crate::api::{Api, convert, page_of, paging, text_matches};
use crate::auth::AnyAuth;
use crate::dto::*;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Query};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/search", search::<S>)
}

/// What to search for.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Tickets: a query in the search language; other types: text the object contains (`*` is a
    /// wildcard).
    pub q: String,
    /// Object types, comma-separated: `tickets`, `customers`, `customer-users`, `agents`,
    /// `queues` (default: all the caller may list).
    pub types: Option<String>,
    /// Page (1-based), per type.
    pub page: Option<u32>,
    /// Rows per page and type (1–100).
    pub per_page: Option<u32>,
}

const TYPES: [&str; 5] = ["tickets", "customers", "customer-users", "agents", "queues"];

/// Searches tickets (with the query language), customers, customer users, agents and queues.
#[utoipa::path(get, path = "/api/v1/search", tag = "search", params(SearchParams),
    responses((status = 200, body = SearchResults), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn search<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<SearchParams>,
) -> Result<Json<SearchResults>, ApiError> {
    Ok(Json(run_search(&state, auth.principal, &p).await?))
}

/// Runs a search for the caller (the JSON API's and the agent interface's).
pub(crate) async fn run_search<S: Store>(
    state: &AppState<S>,
    principal: Principal,
    p: &SearchParams,
) -> Result<SearchResults, ApiError> {
    if p.q.trim().is_empty() {
        return Err(ApiError::invalid("q", "is required"));
    }
    let (page, per_page) = paging(p.page, p.per_page, state.config().max_per_page)?;
    let customer = matches!(principal, Principal::Customer(_));
    let types: Vec<&str> = match &p.types {
        Some(list) => {
            let mut out = Vec::new();
            for t in list.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                let known = TYPES
                    .iter()
                    .find(|k| **k == t)
                    .ok_or_else(|| ApiError::invalid("types", format!("unknown type {t:?}")))?;
                out.push(*known);
            }
            out
        }
        None if customer => vec!["tickets", "customers"],
        None => TYPES.to_vec(),
    };
    let text = p.q.trim().to_owned();
    let mut results = SearchResults::default();
    for t in types {
        match t {
            "tickets" => {
                let params = TicketListParams {
                    q: Some(text.clone()),
                    page: Some(page),
                    per_page: Some(per_page),
                    ..TicketListParams::default()
                };
                results.tickets = Some(run_ticket_list(state, principal, &params).await?);
            }
            "customers" => {
                let found = state
                    .desk()
                    .customers(
                        principal,
                        CustomerFilter {
                            search: Some(text.clone()),
                            validity: None,
                        },
                        PageRequest::page(page, per_page),
                    )
                    .await?;
                results.customers = Some(CustomerList {
                    items: found.items.iter().map(convert::customer).collect(),
                    total: found.total,
                });
            }
            "customer-users" => {
                let found = state
                    .desk()
                    .customer_users(
                        principal,
                        CustomerUserFilter {
                            search: Some(text.clone()),
                            ..CustomerUserFilter::default()
                        },
                        PageRequest::page(page, per_page),
                    )
                    .await?;
                results.customer_users = Some(CustomerUserList {
                    items: found.items.iter().map(convert::customer_user).collect(),
                    total: found.total,
                });
            }
            "agents" => {
                let agents = state.desk().agents(principal).await?;
                let groups = std::collections::BTreeMap::new();
                let found: Vec<AgentDto> = agents
                    .iter()
                    .filter(|a| {
                        text_matches(&text, &a.login)
                            || text_matches(&text, &a.full_name())
                            || text_matches(&text, &a.email)
                    })
                    .map(|a| convert::agent(a, &groups))
                    .collect();
                let (items, total) = page_of(found, page, per_page);
                results.agents = Some(AgentList { items, total });
            }
            _ => {
                let queues = state.desk().queues(principal).await?;
                let found: Vec<QueueDto> = queues
                    .iter()
                    .filter(|q| text_matches(&text, &q.name))
                    .map(|q| convert::queue(q, String::new()))
                    .collect();
                let (items, total) = page_of(found, page, per_page);
                results.queues = Some(QueueList { items, total });
            }
        }
    }
    Ok(results)
}
