//! The JSON API under `/api/v1`: one module per resource, each adding its routes to an
//! [`Api`] builder that also records every (method, path) pair, so that a test can hold the
//! routes against the OpenAPI document.

pub(crate) mod auth;
pub(crate) mod calendar;
pub(crate) mod convert;
pub(crate) mod jobs;
// --- kb
pub(crate) mod kb;
pub(crate) mod links;
pub(crate) mod people;
// --- reports
pub(crate) mod reports;
pub(crate) mod search;
// --- statsui
pub(crate) mod stats;
pub(crate) mod tickets;
// --- actions
pub(crate) mod texts;

use axum::Router;
use axum::handler::Handler;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::routing::{MethodRouter, delete, get, patch, post, put};
use otrs_core::Principal;
use otrs_core::desk::AccountKind;
use otrs_core::ids::{AgentId, CustomerUserId, GroupId, QueueId, StateId, TicketId};
use otrs_core::model::Priority;
use otrs_core::store::Store;

use crate::dto::Ref;
use crate::error::ApiError;
use crate::state::AppState;

/// The prefix of every API route.
pub const PREFIX: &str = "/api/v1";

/// A router under construction that remembers its routes.
pub(crate) struct Api<S: Store> {
    pub(crate) router: Router<AppState<S>>,
    pub(crate) routes: Vec<(Method, &'static str)>,
}

impl<S: Store> Api<S> {
    fn new() -> Api<S> {
        Api {
            router: Router::new(),
            routes: Vec::new(),
        }
    }

    fn add(mut self, method: Method, path: &'static str, route: MethodRouter<AppState<S>>) -> Self {
        self.routes.push((method, path));
        self.router = self.router.route(path, route);
        self
    }

    pub(crate) fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(Method::GET, path, get(handler))
    }

    pub(crate) fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(Method::POST, path, post(handler))
    }

    pub(crate) fn put<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(Method::PUT, path, put(handler))
    }

    pub(crate) fn patch<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(Method::PATCH, path, patch(handler))
    }

    pub(crate) fn delete<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState<S>>,
        T: 'static,
    {
        self.add(Method::DELETE, path, delete(handler))
    }
}

/// Every API route.
pub(crate) fn build<S: Store>() -> Api<S> {
    let api = Api::new();
    let api = tickets::routes(api);
    let api = people::routes(api);
    let api = search::routes(api);
    let api = auth::routes(api);
    // --- scheduler: background jobs and agent notifications ---
    let api = jobs::routes(api);
    // --- calendar ---
    let api = calendar::routes(api);
    // --- reports ---
    let api = reports::routes(api);
    // --- statsui
    let api = stats::routes(api);
    // --- actions
    let api = texts::routes(api);
    // --- kb
    kb::routes(api)
}

// --- shared helpers ------------------------------------------------------------------------------

/// The ETag of an object version.
pub(crate) fn etag(version: u64) -> HeaderValue {
    HeaderValue::from_str(&format!("\"v{version}\"")).unwrap_or(HeaderValue::from_static("\"\""))
}

/// The version named by `If-Match` (`None` without the header or for `*`).
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let text = value.to_str().unwrap_or("").trim();
    if text == "*" {
        return Ok(None);
    }
    text.trim_start_matches("W/")
        .trim_matches('"')
        .strip_prefix('v')
        .and_then(|v| v.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::new(
                "version-mismatch",
                format!("If-Match {text:?} does not name a version of this object"),
            )
        })
}

/// True if `If-None-Match` names the current version.
pub(crate) fn not_modified(headers: &HeaderMap, version: u64) -> bool {
    headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|tag| tag.trim().trim_start_matches("W/") == format!("\"v{version}\""))
        })
}

pub(crate) fn kind_of(text: Option<&str>) -> Result<AccountKind, ApiError> {
    match text {
        None => Ok(AccountKind::Agent),
        Some(text) => AccountKind::from_name(text)
            .ok_or_else(|| ApiError::invalid("kind", "must be agent or customer")),
    }
}

/// Resolves references by id or name; unknown names are field errors.
pub(crate) struct Resolver<'a, S: Store> {
    pub(crate) state: &'a AppState<S>,
    pub(crate) actor: Principal,
}

impl<S: Store> Resolver<'_, S> {
    pub(crate) async fn queue(&self, r: &Ref, field: &str) -> Result<QueueId, ApiError> {
        match r {
            Ref::Id(id) => Ok(QueueId(*id)),
            Ref::Name(name) => {
                for attempt in 0..2 {
                    let names = self.state.names().await;
                    if let Some((id, _)) = names.queues.iter().find(|(_, n)| *n == name) {
                        return Ok(*id);
                    }
                    if attempt == 0 {
                        self.state.names_changed();
                    }
                }
                Err(ApiError::invalid(
                    field,
                    format!("no queue is named {name:?}"),
                ))
            }
        }
    }

    pub(crate) async fn state(&self, r: &Ref, field: &str) -> Result<StateId, ApiError> {
        match r {
            Ref::Id(id) => Ok(StateId(*id)),
            Ref::Name(name) => {
                for attempt in 0..2 {
                    let names = self.state.names().await;
                    if let Some((id, _)) = names.states.iter().find(|(_, (n, _))| n == name) {
                        return Ok(*id);
                    }
                    if attempt == 0 {
                        self.state.names_changed();
                    }
                }
                Err(ApiError::invalid(
                    field,
                    format!("no state is named {name:?}"),
                ))
            }
        }
    }

    pub(crate) fn priority(r: &Ref, field: &str) -> Result<Priority, ApiError> {
        let found = match r {
            Ref::Id(id) => u8::try_from(*id).ok().and_then(Priority::new),
            Ref::Name(name) => Priority::parse(name),
        };
        found.ok_or_else(|| ApiError::invalid(field, "must be 1 to 5 or a priority name"))
    }

    pub(crate) async fn agent(&self, r: &Ref, field: &str) -> Result<AgentId, ApiError> {
        match r {
            Ref::Id(id) => Ok(AgentId(*id)),
            Ref::Name(login) => {
                for attempt in 0..2 {
                    let names = self.state.names().await;
                    if let Some((id, _)) = names.agents.iter().find(|(_, n)| *n == login) {
                        return Ok(*id);
                    }
                    if attempt == 0 {
                        self.state.names_changed();
                    }
                }
                Err(ApiError::invalid(
                    field,
                    format!("no agent has the login {login:?}"),
                ))
            }
        }
    }

    pub(crate) async fn customer_user(
        &self,
        r: &Ref,
        field: &str,
    ) -> Result<CustomerUserId, ApiError> {
        match r {
            Ref::Id(id) => Ok(CustomerUserId(*id)),
            Ref::Name(login) => match self
                .state
                .desk()
                .customer_user_by_login(self.actor, login)
                .await
            {
                Ok(user) => Ok(user.id),
                Err(otrs_core::DeskError::NotFound { .. }) => Err(ApiError::invalid(
                    field,
                    format!("no customer user has the login {login:?}"),
                )),
                Err(other) => Err(other.into()),
            },
        }
    }

    pub(crate) async fn group(&self, r: &Ref, field: &str) -> Result<GroupId, ApiError> {
        match r {
            Ref::Id(id) => Ok(GroupId(*id)),
            Ref::Name(name) => {
                let groups = self.state.desk().groups(self.actor).await?;
                groups
                    .into_iter()
                    .find(|g| g.name == *name)
                    .map(|g| g.id)
                    .ok_or_else(|| ApiError::invalid(field, format!("no group is named {name:?}")))
            }
        }
    }

    /// A ticket by id or number (a number the caller may not read is "not found").
    pub(crate) async fn ticket(&self, r: &Ref) -> Result<TicketId, ApiError> {
        match r {
            Ref::Id(id) => Ok(TicketId(*id)),
            Ref::Name(number) => Ok(self
                .state
                .desk()
                .ticket_by_number(self.actor, number)
                .await?
                .id),
        }
    }
}

/// Checks `page` and `per_page` (1-based page; per_page 1..=max, default 25).
pub(crate) fn paging(
    page: Option<u32>,
    per_page: Option<u32>,
    max: u32,
) -> Result<(u32, u32), ApiError> {
    let page = page.unwrap_or(1);
    let per_page = per_page.unwrap_or(25.min(max));
    let mut errors = Vec::new();
    if page == 0 {
        errors.push(crate::error::FieldProblem {
            field: "page".into(),
            message: "must be at least 1".into(),
        });
    }
    if per_page == 0 || per_page > max {
        errors.push(crate::error::FieldProblem {
            field: "per_page".into(),
            message: format!("must be between 1 and {max}"),
        });
    }
    if errors.is_empty() {
        Ok((page, per_page))
    } else {
        Err(ApiError::invalid_fields(errors))
    }
}

/// Slices an in-memory list into a page.
pub(crate) fn page_of<T>(items: Vec<T>, page: u32, per_page: u32) -> (Vec<T>, u64) {
    let total = items.len() as u64;
    let start = usize::try_from(u64::from(page - 1) * u64::from(per_page)).unwrap_or(usize::MAX);
    let items = items
        .into_iter()
        .skip(start)
        .take(per_page as usize)
        .collect();
    (items, total)
}

/// Case-insensitive containment where `*` stands for any text (as the customer search does).
pub(crate) fn text_matches(pattern: &str, text: &str) -> bool {
    let text = text.to_lowercase();
    let mut rest = text.as_str();
    for piece in pattern.to_lowercase().split('*').filter(|p| !p.is_empty()) {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}
