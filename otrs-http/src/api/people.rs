//! Queues, groups, states, agents, customer companies and customer users; the change feed and
//! the queue metric.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use otrs_core::Principal;
use otrs_core::desk::{
    AgentUpdate, CustomerUpdate, CustomerUserUpdate, NewAgent, NewCustomer, NewCustomerUser,
    NewGroup, NewQueue, QueueUpdate,
};
use otrs_core::ids::{AgentId, CustomerId, CustomerUserId, GroupId, QueueId};
use otrs_core::model::{Permission, PermissionSet, StateType, Validity};
use otrs_core::store::{CustomerFilter, CustomerUserFilter, PageRequest, Store};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;

use crate::api::{Api, Resolver, convert, etag, if_match, page_of, paging, text_matches};
use crate::auth::AnyAuth;
use crate::crypto::{hash_password_async, verify_password_async};
use crate::dto::*;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/queues", list_queues::<S>)
        .post("/api/v1/queues", create_queue::<S>)
        .get("/api/v1/queues/{id}", get_queue::<S>)
        .patch("/api/v1/queues/{id}", update_queue::<S>)
        .get("/api/v1/queue-metrics", queue_metrics::<S>)
        .get("/api/v1/groups", list_groups::<S>)
        .post("/api/v1/groups", create_group::<S>)
        .get("/api/v1/groups/{id}", get_group::<S>)
        .patch("/api/v1/groups/{id}", update_group::<S>)
        .get("/api/v1/states", list_states::<S>)
        .post("/api/v1/states", create_state::<S>)
        .get("/api/v1/agents", list_agents::<S>)
        .post("/api/v1/agents", create_agent::<S>)
        .get("/api/v1/agents/{id}", get_agent::<S>)
        .patch("/api/v1/agents/{id}", update_agent::<S>)
        .post(
            "/api/v1/agents/{id}/clear-lockout",
            clear_agent_lockout::<S>,
        )
        .delete(
            "/api/v1/agents/{id}/two-factor",
            reset_agent_two_factor::<S>,
        )
        .get("/api/v1/customers", list_customers::<S>)
        .post("/api/v1/customers", create_customer::<S>)
        .get("/api/v1/customers/{id}", get_customer::<S>)
        .patch("/api/v1/customers/{id}", update_customer::<S>)
        .get("/api/v1/customer-users", list_customer_users::<S>)
        .post("/api/v1/customer-users", create_customer_user::<S>)
        .get("/api/v1/customer-users/{id}", get_customer_user::<S>)
        .patch("/api/v1/customer-users/{id}", update_customer_user::<S>)
        .post(
            "/api/v1/customer-users/{id}/clear-lockout",
            clear_customer_lockout::<S>,
        )
        .delete(
            "/api/v1/customer-users/{id}/two-factor",
            reset_customer_two_factor::<S>,
        )
        .get("/api/v1/changes", list_changes::<S>)
}

/// A response with an ETag (and a Location and 201 when `created`).
pub(crate) fn with_version<T: Serialize>(
    body: T,
    version: u64,
    created: Option<String>,
) -> Response {
    let status = if created.is_some() {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let mut response = (status, Json(body)).into_response();
    response.headers_mut().insert(header::ETAG, etag(version));
    if let Some(location) = created
        && let Ok(value) = HeaderValue::from_str(&location)
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

fn validity(text: &Option<String>, field: &str) -> Result<Option<Validity>, ApiError> {
    match text {
        None => Ok(None),
        Some(t) => Validity::from_name(t).map(Some).ok_or_else(|| {
            ApiError::invalid(field, "must be valid, invalid or invalid-temporarily")
        }),
    }
}

/// Paging and a text filter of simple lists.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Contains this text (case-insensitive; `*` is a wildcard).
    pub search: Option<String>,
    /// Only with this validity.
    pub validity: Option<String>,
    /// Page (1-based).
    pub page: Option<u32>,
    /// Rows per page (1–100).
    pub per_page: Option<u32>,
}

// --- queues --------------------------------------------------------------------------------------

async fn group_names<S: Store>(state: &AppState<S>) -> Result<BTreeMap<u64, String>, ApiError> {
    Ok(state
        .desk()
        .groups(Principal::SYSTEM)
        .await?
        .into_iter()
        .map(|g| (g.id.0, g.name))
        .collect())
}

/// Queues: all for agents; for customer users those they may open tickets in.
#[utoipa::path(get, path = "/api/v1/queues", tag = "queues", params(ListParams),
    responses((status = 200, body = QueueList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_queues<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<ListParams>,
) -> Result<Json<QueueList>, ApiError> {
    let (page, per_page) = paging(p.page, p.per_page, state.config().max_per_page)?;
    let wanted = validity(&p.validity, "validity")?;
    let queues = state.desk().queues(auth.principal).await?;
    let groups = group_names(&state).await?;
    let queues: Vec<QueueDto> = queues
        .iter()
        .filter(|q| wanted.is_none_or(|v| v == q.validity))
        .filter(|q| p.search.as_deref().is_none_or(|s| text_matches(s, &q.name)))
        .map(|q| convert::queue(q, groups.get(&q.group_id.0).cloned().unwrap_or_default()))
        .collect();
    let (items, total) = page_of(queues, page, per_page);
    Ok(Json(QueueList { items, total }))
}

/// One queue.
#[utoipa::path(get, path = "/api/v1/queues/{id}", tag = "queues",
    params(("id" = u64, Path, description = "Queue id")),
    responses((status = 200, body = QueueDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_queue<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let queue = state.desk().queue(auth.principal, QueueId(id)).await?;
    let groups = group_names(&state).await?;
    let name = groups.get(&queue.group_id.0).cloned().unwrap_or_default();
    Ok(with_version(
        convert::queue(&queue, name),
        queue.version,
        None,
    ))
}

/// Creates a queue (admins).
#[utoipa::path(post, path = "/api/v1/queues", tag = "queues", request_body = NewQueueBody,
    responses((status = 201, body = QueueDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_queue<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewQueueBody>,
) -> Result<Response, ApiError> {
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let group = r.group(&body.group, "group").await?;
    let queue = state
        .desk()
        .create_queue(
            auth.principal,
            NewQueue {
                name: body.name,
                group,
                comment: body.comment,
                unlock_timeout_minutes: body.unlock_timeout_minutes,
                first_response_minutes: body.first_response_minutes,
                update_minutes: body.update_minutes,
                solution_minutes: body.solution_minutes,
                follow_up_possible: body.follow_up_possible.unwrap_or(true),
            },
        )
        .await?;
    state.names_changed();
    let groups = group_names(&state).await?;
    let name = groups.get(&queue.group_id.0).cloned().unwrap_or_default();
    Ok(with_version(
        convert::queue(&queue, name),
        queue.version,
        Some(format!("/api/v1/queues/{}", queue.id.0)),
    ))
}

/// Changes a queue (admins; `If-Match` supported).
#[utoipa::path(patch, path = "/api/v1/queues/{id}", tag = "queues",
    params(("id" = u64, Path, description = "Queue id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = QueuePatch,
    responses((status = 200, body = QueueDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_queue<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<QueuePatch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let group = match &body.group {
        Some(g) => Some(r.group(g, "group").await?),
        None => None,
    };
    let queue = state
        .desk()
        .update_queue(
            auth.principal,
            QueueId(id),
            QueueUpdate {
                name: body.name,
                group,
                comment: body.comment,
                validity: validity(&body.validity, "validity")?,
                unlock_timeout_minutes: body.unlock_timeout_minutes,
                first_response_minutes: body.first_response_minutes,
                update_minutes: body.update_minutes,
                solution_minutes: body.solution_minutes,
                follow_up_possible: body.follow_up_possible,
                expected_version: expected,
            },
        )
        .await?;
    state.names_changed();
    let groups = group_names(&state).await?;
    let name = groups.get(&queue.group_id.0).cloned().unwrap_or_default();
    Ok(with_version(
        convert::queue(&queue, name),
        queue.version,
        None,
    ))
}

/// Tickets per queue and state in the queues the caller may read (agents).
#[utoipa::path(get, path = "/api/v1/queue-metrics", tag = "queues",
    responses((status = 200, body = QueueStateCountList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn queue_metrics<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
) -> Result<Json<QueueStateCountList>, ApiError> {
    let counts = state.desk().queue_state_counts(auth.principal).await?;
    let names = state.names().await;
    Ok(Json(QueueStateCountList {
        total: counts.len() as u64,
        items: counts
            .iter()
            .map(|c| QueueStateCountDto {
                queue: Named {
                    id: c.queue_id.0,
                    name: names.queue(c.queue_id),
                },
                state: Named {
                    id: c.state_id.0,
                    name: names.state(c.state_id).0,
                },
                count: c.count,
            })
            .collect(),
    }))
}

// --- groups and states -------------------------------------------------------------------------

/// Groups (agents).
#[utoipa::path(get, path = "/api/v1/groups", tag = "groups", params(ListParams),
    responses((status = 200, body = GroupList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_groups<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<ListParams>,
) -> Result<Json<GroupList>, ApiError> {
    let (page, per_page) = paging(p.page, p.per_page, state.config().max_per_page)?;
    let wanted = validity(&p.validity, "validity")?;
    let groups: Vec<GroupDto> = state
        .desk()
        .groups(auth.principal)
        .await?
        .iter()
        .filter(|g| wanted.is_none_or(|v| v == g.validity))
        .filter(|g| p.search.as_deref().is_none_or(|s| text_matches(s, &g.name)))
        .map(convert::group)
        .collect();
    let (items, total) = page_of(groups, page, per_page);
    Ok(Json(GroupList { items, total }))
}

/// One group (agents).
#[utoipa::path(get, path = "/api/v1/groups/{id}", tag = "groups",
    params(("id" = u64, Path, description = "Group id")),
    responses((status = 200, body = GroupDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_group<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let group = state
        .desk()
        .groups(auth.principal)
        .await?
        .into_iter()
        .find(|g| g.id == GroupId(id))
        .ok_or_else(|| ApiError::new("not-found", format!("group {id} not found")))?;
    Ok(with_version(convert::group(&group), group.version, None))
}

/// Creates a group (admins).
#[utoipa::path(post, path = "/api/v1/groups", tag = "groups", request_body = NewGroupBody,
    responses((status = 201, body = GroupDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_group<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewGroupBody>,
) -> Result<Response, ApiError> {
    let group = state
        .desk()
        .create_group(
            auth.principal,
            NewGroup {
                name: body.name,
                comment: body.comment,
            },
        )
        .await?;
    Ok(with_version(
        convert::group(&group),
        group.version,
        Some(format!("/api/v1/groups/{}", group.id.0)),
    ))
}

/// Changes a group (admins). `If-Match` is compared before the change (not atomically).
#[utoipa::path(patch, path = "/api/v1/groups/{id}", tag = "groups",
    params(("id" = u64, Path, description = "Group id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = GroupPatch,
    responses((status = 200, body = GroupDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_group<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<GroupPatch>,
) -> Result<Response, ApiError> {
    let validity = validity(&body.validity, "validity")?;
    if let Some(expected) = if_match(&headers)? {
        let current = state
            .desk()
            .groups(auth.principal)
            .await?
            .into_iter()
            .find(|g| g.id == GroupId(id));
        if let Some(current) = current
            && current.version != expected
        {
            return Err(otrs_core::DeskError::VersionMismatch {
                what: format!("group {}", current.name),
                expected,
                actual: current.version,
            }
            .into());
        }
    }
    let group = state
        .desk()
        .update_group(
            auth.principal,
            GroupId(id),
            body.name,
            body.comment,
            validity,
        )
        .await?;
    Ok(with_version(convert::group(&group), group.version, None))
}

/// The ticket states.
#[utoipa::path(get, path = "/api/v1/states", tag = "states",
    responses((status = 200, body = StateList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_states<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
) -> Result<Json<StateList>, ApiError> {
    let states = state.desk().states(auth.principal).await?;
    Ok(Json(StateList {
        total: states.len() as u64,
        items: states.iter().map(convert::state).collect(),
    }))
}

/// Adds a state (admins).
#[utoipa::path(post, path = "/api/v1/states", tag = "states", request_body = NewStateBody,
    responses((status = 201, body = StateDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_state<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewStateBody>,
) -> Result<Response, ApiError> {
    let state_type = StateType::from_name(&body.state_type)
        .ok_or_else(|| ApiError::invalid("type", "unknown state type"))?;
    let created = state
        .desk()
        .create_state(auth.principal, body.name, state_type)
        .await?;
    state.names_changed();
    let mut response = (StatusCode::CREATED, Json(convert::state(&created))).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("/api/v1/states/{}", created.id.0)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

// --- agents ------------------------------------------------------------------------------------

async fn permissions<S: Store>(
    r: &Resolver<'_, S>,
    groups: &BTreeMap<String, Vec<String>>,
    field: &str,
) -> Result<BTreeMap<GroupId, PermissionSet>, ApiError> {
    let mut out = BTreeMap::new();
    for (group, keys) in groups {
        let group_ref = match group.parse::<u64>() {
            Ok(id) => Ref::Id(id),
            Err(_) => Ref::Name(group.clone()),
        };
        let id = r.group(&group_ref, &format!("{field}.{group}")).await?;
        let mut set = PermissionSet::EMPTY;
        for key in keys {
            let permission = Permission::from_key(key).ok_or_else(|| {
                ApiError::invalid(
                    format!("{field}.{group}"),
                    format!("unknown permission {key:?}"),
                )
            })?;
            set = set.with(permission);
        }
        out.insert(id, set);
    }
    Ok(out)
}

/// Agents (agents only).
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents", params(ListParams),
    responses((status = 200, body = AgentList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_agents<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<ListParams>,
) -> Result<Json<AgentList>, ApiError> {
    let (page, per_page) = paging(p.page, p.per_page, state.config().max_per_page)?;
    let wanted = validity(&p.validity, "validity")?;
    let agents = state.desk().agents(auth.principal).await?;
    let groups = group_names(&state).await?;
    let agents: Vec<AgentDto> = agents
        .iter()
        .filter(|a| wanted.is_none_or(|v| v == a.validity))
        .filter(|a| {
            p.search.as_deref().is_none_or(|s| {
                text_matches(s, &a.login)
                    || text_matches(s, &a.full_name())
                    || text_matches(s, &a.email)
            })
        })
        .map(|a| convert::agent(a, &groups))
        .collect();
    let (items, total) = page_of(agents, page, per_page);
    Ok(Json(AgentList { items, total }))
}

/// One agent (agents only).
#[utoipa::path(get, path = "/api/v1/agents/{id}", tag = "agents",
    params(("id" = u64, Path, description = "Agent id")),
    responses((status = 200, body = AgentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_agent<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let agent = state.desk().agent(auth.principal, AgentId(id)).await?;
    let groups = group_names(&state).await?;
    Ok(with_version(
        convert::agent(&agent, &groups),
        agent.version,
        None,
    ))
}

async fn hash_new_password<S: Store>(
    state: &AppState<S>,
    password: &str,
    customer: bool,
    field: &str,
) -> Result<String, ApiError> {
    let policy = if customer {
        &state.config().auth.customer_passwords
    } else {
        &state.config().auth.agent_passwords
    };
    policy.check(field, password).into_result()?;
    Ok(hash_password_async(password.to_owned(), state.config().password_hashing).await)
}

/// Creates an agent (admins). A password given here is an initial one, changed at first sign-in.
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents", request_body = NewAgentBody,
    responses((status = 201, body = AgentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_agent<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewAgentBody>,
) -> Result<Response, ApiError> {
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let groups = permissions(&r, &body.groups, "groups").await?;
    let password_hash = match &body.password {
        Some(password) => Some(hash_new_password(&state, password, false, "password").await?),
        None => None,
    };
    let agent = state
        .desk()
        .create_agent(
            auth.principal,
            NewAgent {
                login: body.login,
                first_name: body.first_name,
                last_name: body.last_name,
                email: body.email,
                must_change_password: password_hash.is_some(),
                password_hash,
                groups,
            },
        )
        .await?;
    state.names_changed();
    let names = group_names(&state).await?;
    Ok(with_version(
        convert::agent(&agent, &names),
        agent.version,
        Some(format!("/api/v1/agents/{}", agent.id.0)),
    ))
}

/// Changes an agent (admins; agents their own names, e-mail and preferences). A password set
/// here is an initial one (admins); agents change their own with `POST /api/v1/auth/password`.
#[utoipa::path(patch, path = "/api/v1/agents/{id}", tag = "agents",
    params(("id" = u64, Path, description = "Agent id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = AgentPatch,
    responses((status = 200, body = AgentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_agent<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<AgentPatch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let target = Principal::Agent(AgentId(id));
    if body.preferences.keys().any(|k| k.starts_with("auth.")) {
        return Err(ApiError::invalid(
            "preferences",
            "sign-in settings are changed through /api/v1/auth",
        ));
    }
    if let Some(password) = &body.password {
        if auth.principal == target {
            return Err(ApiError::invalid(
                "password",
                "change your own password with POST /api/v1/auth/password",
            ));
        }
        state
            .config()
            .auth
            .agent_passwords
            .check("password", password)
            .into_result()?;
    }
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let groups = match &body.groups {
        Some(g) => Some(permissions(&r, g, "groups").await?),
        None => None,
    };
    let update = AgentUpdate {
        first_name: body.first_name,
        last_name: body.last_name,
        email: body.email,
        validity: validity(&body.validity, "validity")?,
        groups,
        preferences: body.preferences,
        expected_version: expected,
        ..AgentUpdate::default()
    };
    let mut agent = state
        .desk()
        .update_agent(auth.principal, AgentId(id), update)
        .await?;
    if let Some(password) = body.password {
        set_password_by_other(&state, auth.principal, target, &password).await?;
        agent = state.desk().agent(auth.principal, AgentId(id)).await?;
    }
    state.names_changed();
    let names = group_names(&state).await?;
    Ok(with_version(
        convert::agent(&agent, &names),
        agent.version,
        None,
    ))
}

async fn set_password_by_other<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    target: Principal,
    password: &str,
) -> Result<(), ApiError> {
    let cost = state.config().password_hashing;
    let dummy = state.dummy_hash();
    state
        .desk()
        .set_password(
            actor,
            target,
            password,
            &state.config().auth,
            |hash| verify_password_async(String::new(), hash, dummy),
            |new| hash_password_async(new, cost),
        )
        .await
        .map_err(|e| rename_field(e.into(), "new_password", "password"))
}

fn rename_field(mut error: ApiError, from: &str, to: &str) -> ApiError {
    error.rename_field(from, to);
    error
}

/// Ends an agent's lockout after failed sign-ins (admins).
#[utoipa::path(post, path = "/api/v1/agents/{id}/clear-lockout", tag = "agents",
    params(("id" = u64, Path, description = "Agent id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn clear_agent_lockout<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .clear_lockout(auth.principal, Principal::Agent(AgentId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes an agent's second factor (admins, or the agent).
#[utoipa::path(delete, path = "/api/v1/agents/{id}/two-factor", tag = "agents",
    params(("id" = u64, Path, description = "Agent id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn reset_agent_two_factor<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .reset_two_factor(auth.principal, Principal::Agent(AgentId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- customers ---------------------------------------------------------------------------------

/// Customer companies (customer users see their own).
#[utoipa::path(get, path = "/api/v1/customers", tag = "customers", params(ListParams),
    responses((status = 200, body = CustomerList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_customers<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<ListParams>,
) -> Result<Json<CustomerList>, ApiError> {
    let (page, per_page) = paging(p.page, p.per_page, state.config().max_per_page)?;
    let filter = CustomerFilter {
        search: p.search.clone(),
        validity: validity(&p.validity, "validity")?,
    };
    let result = state
        .desk()
        .customers(auth.principal, filter, PageRequest::page(page, per_page))
        .await?;
    Ok(Json(CustomerList {
        items: result.items.iter().map(convert::customer).collect(),
        total: result.total,
    }))
}

/// One customer company.
#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = u64, Path, description = "Customer id")),
    responses((status = 200, body = CustomerDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_customer<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let customer = state
        .desk()
        .customer(auth.principal, CustomerId(id))
        .await?;
    Ok(with_version(
        convert::customer(&customer),
        customer.version,
        None,
    ))
}

/// Creates a customer company (agents).
#[utoipa::path(post, path = "/api/v1/customers", tag = "customers", request_body = NewCustomerBody,
    responses((status = 201, body = CustomerDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_customer<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(b): Json<NewCustomerBody>,
) -> Result<Response, ApiError> {
    let customer = state
        .desk()
        .create_customer(
            auth.principal,
            NewCustomer {
                customer_id: b.customer_id,
                name: b.name,
                street: b.street,
                zip: b.zip,
                city: b.city,
                country: b.country,
                url: b.url,
                comment: b.comment,
            },
        )
        .await?;
    Ok(with_version(
        convert::customer(&customer),
        customer.version,
        Some(format!("/api/v1/customers/{}", customer.id.0)),
    ))
}

/// Changes a customer company (agents; `If-Match` supported).
#[utoipa::path(patch, path = "/api/v1/customers/{id}", tag = "customers",
    params(("id" = u64, Path, description = "Customer id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = CustomerPatch,
    responses((status = 200, body = CustomerDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_customer<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(b): Json<CustomerPatch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let customer = state
        .desk()
        .update_customer(
            auth.principal,
            CustomerId(id),
            CustomerUpdate {
                name: b.name,
                street: b.street,
                zip: b.zip,
                city: b.city,
                country: b.country,
                url: b.url,
                comment: b.comment,
                validity: validity(&b.validity, "validity")?,
                expected_version: expected,
            },
        )
        .await?;
    Ok(with_version(
        convert::customer(&customer),
        customer.version,
        None,
    ))
}

/// Filters of the customer-user list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct CustomerUserParams {
    /// Login, name or e-mail contains this text (`*` is a wildcard).
    pub search: Option<String>,
    /// Belongs to this CustomerID.
    pub customer_id: Option<String>,
    /// Only with this validity.
    pub validity: Option<String>,
    /// Page (1-based).
    pub page: Option<u32>,
    /// Rows per page (1–100).
    pub per_page: Option<u32>,
}

/// Customer users (customer users see themselves).
#[utoipa::path(get, path = "/api/v1/customer-users", tag = "customer-users", params(CustomerUserParams),
    responses((status = 200, body = CustomerUserList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_customer_users<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<CustomerUserParams>,
) -> Result<Json<CustomerUserList>, ApiError> {
    let (page, per_page) = paging(p.page, p.per_page, state.config().max_per_page)?;
    let filter = CustomerUserFilter {
        search: p.search.clone(),
        customer_id: p.customer_id.clone(),
        validity: validity(&p.validity, "validity")?,
    };
    let result = state
        .desk()
        .customer_users(auth.principal, filter, PageRequest::page(page, per_page))
        .await?;
    Ok(Json(CustomerUserList {
        items: result.items.iter().map(convert::customer_user).collect(),
        total: result.total,
    }))
}

/// One customer user.
#[utoipa::path(get, path = "/api/v1/customer-users/{id}", tag = "customer-users",
    params(("id" = u64, Path, description = "Customer user id")),
    responses((status = 200, body = CustomerUserDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_customer_user<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let user = state
        .desk()
        .customer_user(auth.principal, CustomerUserId(id))
        .await?;
    Ok(with_version(
        convert::customer_user(&user),
        user.version,
        None,
    ))
}

/// Creates a customer user (agents). A password given here is an initial one.
#[utoipa::path(post, path = "/api/v1/customer-users", tag = "customer-users", request_body = NewCustomerUserBody,
    responses((status = 201, body = CustomerUserDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_customer_user<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(b): Json<NewCustomerUserBody>,
) -> Result<Response, ApiError> {
    if matches!(auth.principal, Principal::Customer(_)) {
        // Checked again by the desk; refusing first spares the password hash.
        return Err(ApiError::new(
            "permission-denied",
            "only agents may create customer users",
        ));
    }
    let password_hash = match &b.password {
        Some(password) => Some(hash_new_password(&state, password, true, "password").await?),
        None => None,
    };
    let user = state
        .desk()
        .create_customer_user(
            auth.principal,
            NewCustomerUser {
                login: b.login,
                title: b.title,
                first_name: b.first_name,
                last_name: b.last_name,
                email: b.email,
                customer_id: b.customer_id,
                extra_customer_ids: b.extra_customer_ids,
                phone: b.phone,
                mobile: b.mobile,
                street: b.street,
                zip: b.zip,
                city: b.city,
                country: b.country,
                comment: b.comment,
                must_change_password: password_hash.is_some(),
                password_hash,
            },
        )
        .await?;
    Ok(with_version(
        convert::customer_user(&user),
        user.version,
        Some(format!("/api/v1/customer-users/{}", user.id.0)),
    ))
}

/// Changes a customer user (agents; customer users their own contact data).
#[utoipa::path(patch, path = "/api/v1/customer-users/{id}", tag = "customer-users",
    params(("id" = u64, Path, description = "Customer user id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = CustomerUserPatch,
    responses((status = 200, body = CustomerUserDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_customer_user<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(b): Json<CustomerUserPatch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let target = Principal::Customer(CustomerUserId(id));
    if let Some(password) = &b.password {
        if auth.principal == target {
            return Err(ApiError::invalid(
                "password",
                "change your own password with POST /api/v1/auth/password",
            ));
        }
        state
            .config()
            .auth
            .customer_passwords
            .check("password", password)
            .into_result()?;
    }
    let update = CustomerUserUpdate {
        title: b.title,
        first_name: b.first_name,
        last_name: b.last_name,
        email: b.email,
        customer_id: b.customer_id,
        extra_customer_ids: b.extra_customer_ids,
        phone: b.phone,
        mobile: b.mobile,
        street: b.street,
        zip: b.zip,
        city: b.city,
        country: b.country,
        comment: b.comment,
        validity: validity(&b.validity, "validity")?,
        expected_version: expected,
        ..CustomerUserUpdate::default()
    };
    let mut user = state
        .desk()
        .update_customer_user(auth.principal, CustomerUserId(id), update)
        .await?;
    if let Some(password) = b.password {
        set_password_by_other(&state, auth.principal, target, &password).await?;
        user = state
            .desk()
            .customer_user(auth.principal, CustomerUserId(id))
            .await?;
    }
    state.names_changed();
    Ok(with_version(
        convert::customer_user(&user),
        user.version,
        None,
    ))
}

/// Ends a customer user's lockout after failed sign-ins (agents).
#[utoipa::path(post, path = "/api/v1/customer-users/{id}/clear-lockout", tag = "customer-users",
    params(("id" = u64, Path, description = "Customer user id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn clear_customer_lockout<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .clear_lockout(auth.principal, Principal::Customer(CustomerUserId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Removes a customer user's second factor (agents, or the customer user).
#[utoipa::path(delete, path = "/api/v1/customer-users/{id}/two-factor", tag = "customer-users",
    params(("id" = u64, Path, description = "Customer user id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn reset_customer_two_factor<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .reset_two_factor(auth.principal, Principal::Customer(CustomerUserId(id)))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Position and size of a change-feed read.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Entries after this sequence number (default 0).
    pub after: Option<u64>,
    /// At most this many (1–1000, default 100).
    pub limit: Option<u32>,
}

/// The change feed (admins).
#[utoipa::path(get, path = "/api/v1/changes", tag = "changes", params(ChangeParams),
    responses((status = 200, body = ChangeList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_changes<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<ChangeParams>,
) -> Result<Json<ChangeList>, ApiError> {
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return Err(ApiError::invalid("limit", "must be between 1 and 1000"));
    }
    let changes = state
        .desk()
        .changes_since(auth.principal, p.after.unwrap_or(0), limit)
        .await?;
    Ok(Json(ChangeList {
        total: changes.len() as u64,
        items: changes.iter().map(convert::change).collect(),
    }))
}
