//! Tickets and everything on them: articles, attachments, links, watchers, history, time,
//! drafts, locks, merges and bulk actions.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, Utc};
use otrs_core::Principal;
use otrs_core::desk::{
    ArticleInput, ArticleKind, BulkAction, BulkEmail, BulkLink, BulkMerge, BulkNote, DraftInput,
    NewTicket, TicketOutcome, TicketUpdate,
};
use otrs_core::ids::{
    AgentId, ArticleId, AttachmentId, CustomerUserId, DraftId, QueueId, StateId, TicketId,
};
use otrs_core::model::{LockState, NewAttachment, ObjectRef, Priority, StateType, TimeUnits};
use otrs_core::store::{Cursor, PageRequest, Store, TicketFilter, TicketSort};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::{Api, Resolver, convert, etag, if_match, not_modified, paging};
use crate::auth::{AgentAuth, AnyAuth};
use crate::dto::*;
use crate::error::{ApiError, FieldProblem, Problem};
use crate::extract::{Json, Path, Query};
use crate::search::SearchError;
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/tickets", list_tickets::<S>)
        .post("/api/v1/tickets", create_ticket::<S>)
        .post("/api/v1/tickets/bulk", bulk::<S>)
        .get("/api/v1/tickets/{id}", get_ticket::<S>)
        .patch("/api/v1/tickets/{id}", update_ticket::<S>)
        .post("/api/v1/tickets/{id}/lock", lock_ticket::<S>)
        .post("/api/v1/tickets/{id}/unlock", unlock_ticket::<S>)
        .post("/api/v1/tickets/{id}/merge", merge_ticket::<S>)
        .get("/api/v1/tickets/{id}/links", list_links::<S>)
        .post("/api/v1/tickets/{id}/links", add_link::<S>)
        .delete("/api/v1/tickets/{id}/links/{link_id}", delete_link::<S>)
        .get("/api/v1/tickets/{id}/watchers", list_watchers::<S>)
        .post("/api/v1/tickets/{id}/watch", watch_ticket::<S>)
        .delete("/api/v1/tickets/{id}/watch", unwatch_ticket::<S>)
        .get("/api/v1/tickets/{id}/history", ticket_history::<S>)
        .get("/api/v1/tickets/{id}/articles", list_articles::<S>)
        .post("/api/v1/tickets/{id}/articles", add_article::<S>)
        .get(
            "/api/v1/tickets/{id}/articles/{article_id}",
            get_article::<S>,
        )
        .patch(
            "/api/v1/tickets/{id}/articles/{article_id}",
            update_article::<S>,
        )
        .get(
            "/api/v1/tickets/{id}/articles/{article_id}/attachments/{attachment_id}",
            download_attachment::<S>,
        )
        .get(
            "/api/v1/tickets/{id}/articles/{article_id}/source",
            download_source::<S>,
        )
        .post("/api/v1/tickets/{id}/seen", mark_seen::<S>)
        .get("/api/v1/tickets/{id}/time-accounting", list_time::<S>)
        .post("/api/v1/tickets/{id}/time-accounting", account_time::<S>)
        .get("/api/v1/tickets/{id}/drafts", list_drafts::<S>)
        .put("/api/v1/tickets/{id}/drafts", save_draft::<S>)
        .delete("/api/v1/tickets/{id}/drafts/{draft_id}", delete_draft::<S>)
}

/// Filters, sort and page of the ticket list.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TicketListParams {
    /// A query in the search language (`title:printer AND state:open`).
    pub q: Option<String>,
    /// Exact ticket number.
    pub number: Option<String>,
    /// Queues (ids or names, comma-separated).
    pub queue: Option<String>,
    /// States (ids or names, comma-separated).
    pub state: Option<String>,
    /// State types (`new`, `open`, `closed`, `pending reminder`, …; comma-separated).
    pub state_type: Option<String>,
    /// Priorities (1–5 or names, comma-separated).
    pub priority: Option<String>,
    /// Owners (ids or logins, comma-separated).
    pub owner: Option<String>,
    /// Responsible agents (ids or logins, comma-separated).
    pub responsible: Option<String>,
    /// Lock states (`lock`, `unlock`, comma-separated).
    pub lock: Option<String>,
    /// CustomerIDs (comma-separated).
    pub customer_id: Option<String>,
    /// Customer users (ids or logins, comma-separated).
    pub customer_user: Option<String>,
    /// Only tickets the caller watches.
    pub watched: Option<bool>,
    /// Title contains.
    pub title: Option<String>,
    /// Created at or after.
    pub created_after: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
    /// Changed at or after.
    pub changed_after: Option<DateTime<Utc>>,
    /// Changed before.
    pub changed_before: Option<DateTime<Utc>>,
    /// Sort key with optional `-` for descending (`-changed`, `created`, `priority`, …).
    pub sort: Option<String>,
    /// Page (1-based).
    pub page: Option<u32>,
    /// Rows per page (1–100).
    pub per_page: Option<u32>,
    /// Cursor mode for long exports: empty for the first page, then `next_cursor`.
    pub cursor: Option<String>,
}

fn split(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|s| !s.is_empty())
}

fn as_ref(text: &str) -> Ref {
    match text.parse::<u64>() {
        Ok(id) => Ref::Id(id),
        Err(_) => Ref::Name(text.to_owned()),
    }
}

async fn ticket_filter<S: Store>(
    r: &Resolver<'_, S>,
    p: &TicketListParams,
) -> Result<TicketFilter, ApiError> {
    let mut filter = TicketFilter {
        number: p.number.clone(),
        title_contains: p.title.clone(),
        created_from: p.created_after,
        created_before: p.created_before,
        changed_from: p.changed_after,
        changed_before: p.changed_before,
        ..TicketFilter::default()
    };
    if let Some(list) = &p.queue {
        let mut ids: Vec<QueueId> = Vec::new();
        for item in split(list) {
            ids.push(r.queue(&as_ref(item), "queue").await?);
        }
        filter.queue_ids = Some(ids);
    }
    if let Some(list) = &p.state {
        let mut ids: Vec<StateId> = Vec::new();
        for item in split(list) {
            ids.push(r.state(&as_ref(item), "state").await?);
        }
        filter.state_ids = Some(ids);
    }
    if let Some(list) = &p.state_type {
        let types: Result<Vec<StateType>, ApiError> = split(list)
            .map(|t| {
                StateType::from_name(t)
                    .ok_or_else(|| ApiError::invalid("state_type", format!("unknown type {t:?}")))
            })
            .collect();
        filter.state_types = Some(types?);
    }
    if let Some(list) = &p.priority {
        let items: Result<Vec<Priority>, ApiError> = split(list)
            .map(|t| Resolver::<S>::priority(&as_ref(t), "priority"))
            .collect();
        filter.priorities = Some(items?);
    }
    for (list, field, slot) in [
        (&p.owner, "owner", &mut filter.owner_ids),
        (&p.responsible, "responsible", &mut filter.responsible_ids),
    ] {
        if let Some(list) = list {
            let mut ids: Vec<AgentId> = Vec::new();
            for item in split(list) {
                ids.push(r.agent(&as_ref(item), field).await?);
            }
            *slot = Some(ids);
        }
    }
    if let Some(list) = &p.lock {
        let items: Result<Vec<LockState>, ApiError> = split(list)
            .map(|t| {
                LockState::from_name(t)
                    .ok_or_else(|| ApiError::invalid("lock", "must be lock, unlock or tmp_lock"))
            })
            .collect();
        filter.locks = Some(items?);
    }
    if let Some(list) = &p.customer_id {
        filter.customer_ids = Some(split(list).map(str::to_owned).collect());
    }
    if let Some(list) = &p.customer_user {
        let mut ids: Vec<CustomerUserId> = Vec::new();
        for item in split(list) {
            ids.push(r.customer_user(&as_ref(item), "customer_user").await?);
        }
        filter.customer_user_ids = Some(ids);
    }
    if p.watched == Some(true) {
        match r.actor {
            Principal::Agent(id) => filter.watched_by = Some(id),
            Principal::Customer(_) => {
                return Err(ApiError::invalid("watched", "only agents watch tickets"));
            }
        }
    }
    Ok(filter)
}

pub(crate) fn search_error(error: SearchError) -> ApiError {
    match error {
        SearchError::Syntax {
            message,
            offset,
            column,
        } => ApiError::query_syntax(message, offset, column),
        SearchError::Unavailable(message) => ApiError::new("search-unavailable", message),
    }
}

/// Runs a ticket list (with `q`, filters, sort, page or cursor) for the caller.
pub(crate) async fn run_ticket_list<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    p: &TicketListParams,
) -> Result<TicketList, ApiError> {
    let r = Resolver { state, actor };
    let mut filter = ticket_filter(&r, p).await?;
    let max = state.config().max_per_page;
    let (page, per_page) = paging(p.page, p.per_page, max)?;
    let mut sort = match &p.sort {
        Some(text) => TicketSort::parse(text).ok_or_else(|| {
            ApiError::invalid("sort", format!("unknown sort key {text:?} (e.g. -changed)"))
        })?,
        None => TicketSort {
            key: otrs_core::store::TicketSortKey::Changed,
            descending: true,
        },
    };
    if let Some(q) = p.q.as_deref().filter(|q| !q.trim().is_empty()) {
        let hits = state
            .search()
            .search(q, state.config().search_limit)
            .map_err(search_error)?;
        filter.ids = Some(hits.ids);
    }
    let cursor_mode = p.cursor.is_some();
    let request = match p.cursor.as_deref() {
        None => PageRequest::page(page, per_page),
        Some("") => PageRequest::first(per_page),
        Some(text) => {
            let cursor = Cursor::decode(text)
                .ok_or_else(|| ApiError::invalid("cursor", "is not a cursor of this list"))?;
            sort = cursor.sort;
            PageRequest::After {
                cursor,
                limit: per_page,
            }
        }
    };
    let result = state
        .desk()
        .list_tickets(actor, filter, sort, request)
        .await?;
    let next_cursor = if cursor_mode {
        let full = result.tickets.len() as u32 == per_page;
        result.next_cursor.map(|c| c.encode()).or_else(|| {
            full.then(|| {
                result
                    .tickets
                    .last()
                    .map(|t| Cursor::after(sort, t).encode())
            })
            .flatten()
        })
    } else {
        None
    };
    Ok(TicketList {
        items: convert::tickets(state, &result.tickets).await,
        total: result.total,
        page: (!cursor_mode).then_some(page),
        per_page,
        next_cursor,
    })
}

/// Lists the tickets the caller may read.
#[utoipa::path(get, path = "/api/v1/tickets", tag = "tickets", params(TicketListParams),
    responses((status = 200, body = TicketList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_tickets<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(params): Query<TicketListParams>,
) -> Result<Json<TicketList>, ApiError> {
    Ok(Json(
        run_ticket_list(&state, auth.principal, &params).await?,
    ))
}

fn units(u: &Units, field: &str) -> Result<TimeUnits, ApiError> {
    let parsed = match u {
        Units::Number(n) if n.is_finite() && *n >= 0.0 => TimeUnits::parse(&format!("{n:.2}")),
        Units::Number(_) => None,
        Units::Text(t) => TimeUnits::parse(t),
    };
    parsed.ok_or_else(|| ApiError::invalid(field, "must be a non-negative number of units"))
}

/// The desk names two article fields after its input; the API's names say how they are given.
fn article_field_names(error: otrs_core::DeskError) -> ApiError {
    let mut e = ApiError::from(error);
    for prefix in ["", "article."] {
        e.rename_field(
            &format!("{prefix}raw_source"),
            &format!("{prefix}raw_source_base64"),
        );
        e.rename_field(
            &format!("{prefix}reply_to"),
            &format!("{prefix}reply_to_article_id"),
        );
    }
    e
}

/// Decodes uploaded files. A file whose content is not base64 is reported as
/// `{field}[i].content_base64` in `errors` and left out.
pub(crate) fn decode_uploads(
    uploads: &[AttachmentUpload],
    field: &str,
    errors: &mut Vec<FieldProblem>,
) -> Vec<NewAttachment> {
    let mut files = Vec::new();
    for (i, a) in uploads.iter().enumerate() {
        match base64::engine::general_purpose::STANDARD.decode(a.content_base64.as_bytes()) {
            Ok(bytes) => files.push(NewAttachment {
                filename: a.filename.clone(),
                content_type: a.content_type.clone(),
                content: Arc::from(bytes),
                content_id: a.content_id.clone(),
                inline: a.inline,
            }),
            Err(e) => errors.push(FieldProblem {
                field: format!("{field}[{i}].content_base64"),
                message: format!("is not base64: {e}"),
            }),
        }
    }
    files
}

pub(crate) fn article_input(
    body: &ArticleBody,
    actor: Principal,
    field: &str,
) -> Result<ArticleInput, ApiError> {
    let f = |name: &str| {
        if field.is_empty() {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        }
    };
    let kind = match &body.kind {
        Some(name) => ArticleKind::from_name(name).ok_or_else(|| {
            ApiError::invalid(f("kind"), format!("unknown article kind {name:?}"))
        })?,
        None if matches!(actor, Principal::Customer(_)) => ArticleKind::Portal,
        None => ArticleKind::Note,
    };
    let mut errors = Vec::new();
    let attachments = decode_uploads(&body.attachments, &f("attachments"), &mut errors);
    let raw_source = match &body.raw_source_base64 {
        Some(text) => match base64::engine::general_purpose::STANDARD.decode(text.as_bytes()) {
            Ok(bytes) => Some(Arc::from(bytes)),
            Err(e) => {
                errors.push(FieldProblem {
                    field: f("raw_source_base64"),
                    message: format!("is not base64: {e}"),
                });
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let time_units = match &body.time_units {
        Some(u) => Some(units(u, &f("time_units"))?),
        None => None,
    };
    Ok(ArticleInput {
        kind,
        subject: body.subject.clone(),
        body: body.body.clone(),
        content_type: body.content_type.clone(),
        from: body.from.clone(),
        to: body.to.clone(),
        cc: body.cc.clone(),
        bcc: body.bcc.clone(),
        visible_for_customer: body.visible_for_customer,
        important: body.important,
        attachments,
        time_units,
        message_id: body.message_id.clone(),
        in_reply_to: body.in_reply_to.clone(),
        references: body.references.clone(),
        reply_to: body.reply_to_article_id.map(ArticleId),
        raw_source,
        // The API sends its files inline; kept form uploads are the web forms'.
        form_uploads: None,
    })
}

fn ticket_response(status: StatusCode, dto: TicketDto, location: bool) -> Response {
    let mut response = (status, Json(dto.clone())).into_response();
    response
        .headers_mut()
        .insert(header::ETAG, etag(dto.version));
    if location && let Ok(value) = HeaderValue::from_str(&format!("/api/v1/tickets/{}", dto.id)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

async fn one_ticket<S: Store>(state: &AppState<S>, t: &otrs_core::model::Ticket) -> TicketDto {
    let names = convert::names_for(state, &[t]).await;
    convert::ticket(state, &names, t).await
}

/// Creates a ticket with its first article.
#[utoipa::path(post, path = "/api/v1/tickets", tag = "tickets", request_body = NewTicketBody,
    responses((status = 201, body = TicketDto, headers(("Location" = String), ("ETag" = String))),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_ticket<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewTicketBody>,
) -> Result<Response, ApiError> {
    let actor = auth.principal;
    let r = Resolver {
        state: &state,
        actor,
    };
    refuse_article_state_on_create(&body.article)?;
    let new = NewTicket {
        title: body.title.clone(),
        queue: r.queue(&body.queue, "queue").await?,
        state: match &body.state {
            Some(s) => Some(r.state(s, "state").await?),
            None => None,
        },
        priority: match &body.priority {
            Some(p) => Some(Resolver::<S>::priority(p, "priority")?),
            None => None,
        },
        owner: match &body.owner {
            Some(a) => Some(r.agent(a, "owner").await?),
            None => None,
        },
        responsible: match &body.responsible {
            Some(a) => Some(r.agent(a, "responsible").await?),
            None => None,
        },
        lock: body.lock,
        customer_user: match &body.customer_user {
            Some(c) => Some(r.customer_user(c, "customer_user").await?),
            None => None,
        },
        customer_id: body.customer_id.clone(),
        pending_until: body.pending_until,
        article: article_input(&body.article, actor, "article")?,
    };
    let ticket = state
        .desk()
        .create_ticket(actor, new)
        .await
        .map_err(article_field_names)?;
    state.wake_outbox();
    Ok(ticket_response(
        StatusCode::CREATED,
        one_ticket(&state, &ticket).await,
        true,
    ))
}

/// A new ticket's state and pending time are the ticket's own fields; the article's are for
/// articles added later, so they are refused here rather than silently dropped.
fn refuse_article_state_on_create(article: &ArticleBody) -> Result<(), ApiError> {
    let mut problems = Vec::new();
    if article.state.is_some() {
        problems.push(FieldProblem {
            field: "article.state".into(),
            message: "a new ticket takes its state from `state`".into(),
        });
    }
    if article.pending_until.is_some() {
        problems.push(FieldProblem {
            field: "article.pending_until".into(),
            message: "a new ticket takes its pending time from `pending_until`".into(),
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid_fields(problems))
    }
}

/// A ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = TicketDto, headers(("ETag" = String))), (status = 304),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_ticket<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let ticket = state.desk().ticket(auth.principal, TicketId(id)).await?;
    if not_modified(&headers, ticket.version) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response
            .headers_mut()
            .insert(header::ETAG, etag(ticket.version));
        return Ok(response);
    }
    Ok(ticket_response(
        StatusCode::OK,
        one_ticket(&state, &ticket).await,
        false,
    ))
}

pub(crate) async fn ticket_update<S: Store>(
    r: &Resolver<'_, S>,
    patch: &TicketPatch,
    field: &str,
) -> Result<TicketUpdate, ApiError> {
    let f = |name: &str| {
        if field.is_empty() {
            name.to_owned()
        } else {
            format!("{field}.{name}")
        }
    };
    Ok(TicketUpdate {
        title: patch.title.clone(),
        queue: match &patch.queue {
            Some(q) => Some(r.queue(q, &f("queue")).await?),
            None => None,
        },
        owner: match &patch.owner {
            Some(a) => Some(r.agent(a, &f("owner")).await?),
            None => None,
        },
        responsible: match &patch.responsible {
            Some(a) => Some(r.agent(a, &f("responsible")).await?),
            None => None,
        },
        priority: match &patch.priority {
            Some(p) => Some(Resolver::<S>::priority(p, &f("priority"))?),
            None => None,
        },
        state: match &patch.state {
            Some(s) => Some(r.state(s, &f("state")).await?),
            None => None,
        },
        pending_until: patch.pending_until,
        customer_user: match &patch.customer_user {
            Some(Some(c)) => Some(Some(r.customer_user(c, &f("customer_user")).await?)),
            Some(None) => Some(None),
            None => None,
        },
        customer_id: patch.customer_id.clone(),
        expected_version: None,
    })
}

/// Changes ticket properties (title, queue, owner, responsible, priority, state, pending time,
/// customer). Send `If-Match` with the ETag to refuse the change when the ticket changed since.
#[utoipa::path(patch, path = "/api/v1/tickets/{id}", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    request_body = TicketPatch,
    responses((status = 200, body = TicketDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_ticket<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<TicketPatch>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let mut update = ticket_update(&r, &body, "").await?;
    update.expected_version = expected;
    let ticket = state
        .desk()
        .update_ticket(auth.principal, TicketId(id), update)
        .await?;
    Ok(ticket_response(
        StatusCode::OK,
        one_ticket(&state, &ticket).await,
        false,
    ))
}

/// Locks the ticket to the caller, who becomes its owner.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/lock", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = TicketDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn lock_ticket<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let ticket = state
        .desk()
        .lock_ticket(auth.principal, TicketId(id))
        .await?;
    Ok(ticket_response(
        StatusCode::OK,
        one_ticket(&state, &ticket).await,
        false,
    ))
}

/// Unlocks the ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/unlock", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = TicketDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn unlock_ticket<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let ticket = state
        .desk()
        .unlock_ticket(auth.principal, TicketId(id))
        .await?;
    Ok(ticket_response(
        StatusCode::OK,
        one_ticket(&state, &ticket).await,
        false,
    ))
}

/// Merges the ticket into another (irreversible); returns the target.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/merge", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the version of this ticket the merge is based on")),
    request_body = MergeBody,
    responses((status = 200, body = TicketDto),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn merge_ticket<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<MergeBody>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let target = r.ticket(&body.into).await?;
    let ticket = state
        .desk()
        .merge_tickets_at_version(auth.principal, TicketId(id), target, expected)
        .await?;
    Ok(ticket_response(
        StatusCode::OK,
        one_ticket(&state, &ticket).await,
        false,
    ))
}

/// The links of the ticket (to objects the caller may read).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/links", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = LinkList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_links<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Json<LinkList>, ApiError> {
    let links = state
        .desk()
        .links(auth.principal, ObjectRef::Ticket(TicketId(id)))
        .await?;
    Ok(Json(LinkList {
        total: links.len() as u64,
        items: links.iter().map(convert::link).collect(),
    }))
}

/// Links the ticket to another ticket or, with `kind: "kb_article"`, to a knowledge-base
/// article (the ticket in the path is the parent of a ParentChild link).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/links", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")), request_body = LinkBody,
    responses((status = 201, body = LinkDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn add_link<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    Json(body): Json<LinkBody>,
) -> Result<Response, ApiError> {
    let target = (
        body.kind.as_deref(),
        &body.target,
        body.link_type.as_deref(),
    );
    crate::api::links::add_link(
        &state,
        auth.principal,
        ObjectRef::Ticket(TicketId(id)),
        &format!("/api/v1/tickets/{id}"),
        target,
    )
    .await
}

/// Removes a link of the ticket.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/links/{link_id}", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id"), ("link_id" = u64, Path, description = "Link id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_link<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path((id, link_id)): Path<(u64, u64)>,
) -> Result<StatusCode, ApiError> {
    crate::api::links::remove_link(
        &state,
        auth.principal,
        ObjectRef::Ticket(TicketId(id)),
        link_id,
        &format!("ticket {id}"),
    )
    .await
}

/// The agents watching the ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/watchers", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = WatcherList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_watchers<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<Json<WatcherList>, ApiError> {
    let watchers = state.desk().watchers(auth.principal, TicketId(id)).await?;
    let names = state.names().await;
    Ok(Json(WatcherList {
        total: watchers.len() as u64,
        items: watchers
            .iter()
            .map(|w| WatcherDto {
                agent: Named {
                    id: w.agent_id.0,
                    name: names.agent(w.agent_id),
                },
                since: w.since,
            })
            .collect(),
    }))
}

/// Starts watching the ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/watch", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn watch_ticket<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .watch_ticket(auth.principal, TicketId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Stops watching the ticket.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/watch", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn unwatch_ticket<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .unwatch_ticket(auth.principal, TicketId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The ticket's history (agents).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/history", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = HistoryList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn ticket_history<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<Json<HistoryList>, ApiError> {
    let rows = state.desk().history(auth.principal, TicketId(id)).await?;
    let names = state.names().await;
    Ok(Json(HistoryList {
        total: rows.len() as u64,
        items: rows.iter().map(|h| convert::history(&names, h)).collect(),
    }))
}

/// The articles of the ticket, oldest first (customer users see the visible ones).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/articles", tag = "articles",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = ArticleList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_articles<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Json<ArticleList>, ApiError> {
    let articles = state.desk().articles(auth.principal, TicketId(id)).await?;
    let customer = matches!(auth.principal, Principal::Customer(_));
    Ok(Json(ArticleList {
        total: articles.len() as u64,
        items: articles
            .iter()
            .map(|a| convert::article(a, customer))
            .collect(),
    }))
}

/// Adds an article (a note, a phone call, an e-mail, a customer's portal message), optionally
/// changing the ticket's state (and pending time) with it in one step. The state change is a
/// property change: with `If-Match` it is refused with 412, and nothing is added, when the
/// ticket changed since; an article alone never conflicts.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/articles", tag = "articles",
    params(("id" = u64, Path, description = "Ticket id"), ("If-Match" = Option<String>, Header, description = "ETag of the ticket version a state change is based on")),
    request_body = ArticleBody,
    responses((status = 201, body = ArticleDto, headers(("Location" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn add_article<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<ArticleBody>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let input = article_input(&body, auth.principal, "")?;
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let update = TicketUpdate {
        state: match &body.state {
            Some(s) => Some(r.state(s, "state").await?),
            None => None,
        },
        pending_until: body.pending_until,
        expected_version: expected,
        ..Default::default()
    };
    let (article, _) = state
        .desk()
        .add_article_and_update(auth.principal, TicketId(id), input, update)
        .await
        .map_err(article_field_names)?;
    state.wake_outbox();
    let customer = matches!(auth.principal, Principal::Customer(_));
    let mut response = (
        StatusCode::CREATED,
        Json(convert::article(&article, customer)),
    )
        .into_response();
    if let Ok(value) =
        HeaderValue::from_str(&format!("/api/v1/tickets/{id}/articles/{}", article.id.0))
    {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

async fn find_article<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    ticket: u64,
    article: u64,
) -> Result<otrs_core::model::Article, ApiError> {
    state
        .desk()
        .articles(actor, TicketId(ticket))
        .await?
        .into_iter()
        .find(|a| a.id == ArticleId(article))
        .ok_or_else(|| {
            ApiError::new(
                "not-found",
                format!("article {article} not found in ticket {ticket}"),
            )
        })
}

/// One article.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/articles/{article_id}", tag = "articles",
    params(("id" = u64, Path, description = "Ticket id"), ("article_id" = u64, Path, description = "Article id")),
    responses((status = 200, body = ArticleDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_article<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path((id, article_id)): Path<(u64, u64)>,
) -> Result<Json<ArticleDto>, ApiError> {
    let article = find_article(&state, auth.principal, id, article_id).await?;
    let customer = matches!(auth.principal, Principal::Customer(_));
    Ok(Json(convert::article(&article, customer)))
}

/// Sets or clears the article's important mark (agents with `note`).
#[utoipa::path(patch, path = "/api/v1/tickets/{id}/articles/{article_id}", tag = "articles",
    params(("id" = u64, Path, description = "Ticket id"), ("article_id" = u64, Path, description = "Article id")),
    request_body = ArticlePatch,
    responses((status = 200, body = ArticleDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_article<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path((id, article_id)): Path<(u64, u64)>,
    Json(body): Json<ArticlePatch>,
) -> Result<Json<ArticleDto>, ApiError> {
    find_article(&state, auth.principal, id, article_id).await?;
    let article = state
        .desk()
        .set_article_important(auth.principal, ArticleId(article_id), body.important)
        .await?;
    Ok(Json(convert::article(&article, false)))
}

fn safe_filename(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn percent(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Downloads an attachment (always as a download, never rendered inline).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/articles/{article_id}/attachments/{attachment_id}", tag = "articles",
    params(("id" = u64, Path, description = "Ticket id"), ("article_id" = u64, Path, description = "Article id"),
        ("attachment_id" = u64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn download_attachment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path((id, article_id, attachment_id)): Path<(u64, u64, u64)>,
) -> Result<Response, ApiError> {
    let article = find_article(&state, auth.principal, id, article_id).await?;
    if !article
        .attachments
        .iter()
        .any(|a| a.id == AttachmentId(attachment_id))
    {
        return Err(ApiError::new(
            "not-found",
            format!("attachment {attachment_id} not found in article {article_id}"),
        ));
    }
    let content = state
        .desk()
        .attachment(auth.principal, AttachmentId(attachment_id))
        .await?;
    Ok(file_download(
        &content.content,
        &content.meta.filename,
        &content.meta.content_type,
    ))
}

/// A stored file as a download under its own name (never rendered inline).
pub(crate) fn file_download(bytes: &[u8], filename: &str, content_type: &str) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"; filename*=UTF-8''{}",
        safe_filename(filename),
        percent(filename)
    );
    let content_type = HeaderValue::from_str(content_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    download(bytes, content_type, &disposition)
}

/// Bytes as a download that a browser never renders or runs.
fn download(bytes: &[u8], content_type: HeaderValue, disposition: &str) -> Response {
    let mut response = bytes.to_vec().into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    if let Ok(value) = HeaderValue::from_str(disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox"),
    );
    response
}

/// An e-mail source as a download: `message/rfc822`, named `article-N.eml`, never rendered.
pub(crate) fn source_response(source: &[u8], article: ArticleId) -> Response {
    download(
        source,
        HeaderValue::from_static("message/rfc822"),
        &format!("attachment; filename=\"article-{}.eml\"", article.0),
    )
}

/// The kept source of an e-mail article, or why there is none to download.
pub(crate) fn kept_source(
    source: otrs_core::desk::ArticleSource,
    article: ArticleId,
) -> Result<Arc<[u8]>, ApiError> {
    use otrs_core::desk::ArticleSource;
    match source {
        ArticleSource::Received(bytes) | ArticleSource::Sent { source: bytes, .. } => Ok(bytes),
        // The relay's last answer stays out: customer users read this too.
        ArticleSource::Unsent(message) => Err(ApiError::new(
            "not-allowed",
            format!(
                "the e-mail of article {} has not been sent (it is {}); its source is recorded \
                 when it is handed to the relay",
                article.0,
                message.status.name()
            ),
        )),
        ArticleSource::NotKept => Err(ApiError::new(
            "not-found",
            format!("no source is kept for article {}", article.0),
        )),
    }
}

/// Downloads the RFC 5322 source of an e-mail article: the e-mail it was received with, or the
/// bytes handed to the relay when it was sent. For whoever may read the article.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/articles/{article_id}/source", tag = "articles",
    params(("id" = u64, Path, description = "Ticket id"), ("article_id" = u64, Path, description = "Article id")),
    responses((status = 200, description = "The e-mail (`article-N.eml`)", content_type = "message/rfc822"),
        (status = 404, description = "No such article, or no source kept", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not an e-mail, or not sent yet", body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn download_source<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path((id, article_id)): Path<(u64, u64)>,
) -> Result<Response, ApiError> {
    let article = find_article(&state, auth.principal, id, article_id).await?;
    let source = state
        .desk()
        .article_source(auth.principal, article.id)
        .await?;
    Ok(source_response(
        &kept_source(source, article.id)?,
        article.id,
    ))
}

/// Marks articles as seen by the calling agent (all when none are named).
#[utoipa::path(post, path = "/api/v1/tickets/{id}/seen", tag = "articles",
    params(("id" = u64, Path, description = "Ticket id")), request_body = SeenBody,
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn mark_seen<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    Json(body): Json<SeenBody>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .mark_seen(
            auth.principal,
            TicketId(id),
            body.articles.into_iter().map(ArticleId).collect(),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The time accounted on the ticket (agents).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/time-accounting", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = TimeList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_time<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<Json<TimeList>, ApiError> {
    let rows = state
        .desk()
        .time_accounting(auth.principal, TicketId(id))
        .await?;
    Ok(Json(TimeList {
        total: rows.len() as u64,
        items: rows.iter().map(convert::time_entry).collect(),
    }))
}

/// Accounts time on the ticket without an article.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/time-accounting", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")), request_body = TimeBody,
    responses((status = 200, body = TicketDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn account_time<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    Json(body): Json<TimeBody>,
) -> Result<Response, ApiError> {
    let units = units(&body.units, "units")?;
    let ticket = state
        .desk()
        .account_time(auth.principal, TicketId(id), units)
        .await?;
    Ok(ticket_response(
        StatusCode::OK,
        one_ticket(&state, &ticket).await,
        false,
    ))
}

/// The unexpired drafts of the ticket (agents).
#[utoipa::path(get, path = "/api/v1/tickets/{id}/drafts", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = DraftList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_drafts<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<Json<DraftList>, ApiError> {
    let drafts = state.desk().drafts(auth.principal, TicketId(id)).await?;
    Ok(Json(DraftList {
        total: drafts.len() as u64,
        items: drafts.iter().map(|(d, stale)| draft(d, *stale)).collect(),
    }))
}

fn draft(d: &otrs_core::model::Draft, stale: bool) -> DraftDto {
    DraftDto {
        id: d.id.0,
        ticket_id: d.ticket_id.0,
        form: d.form.clone(),
        name: d.name.clone(),
        fields: d.fields.clone(),
        ticket_changed: stale,
        created_at: d.created_at,
        changed_at: d.changed_at,
    }
}

/// Saves a draft (replacing the one with the same form and name).
#[utoipa::path(put, path = "/api/v1/tickets/{id}/drafts", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id")), request_body = DraftBody,
    responses((status = 200, body = DraftDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn save_draft<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    Json(body): Json<DraftBody>,
) -> Result<Json<DraftDto>, ApiError> {
    let saved = state
        .desk()
        .save_draft(
            auth.principal,
            TicketId(id),
            DraftInput {
                form: body.form,
                name: body.name,
                fields: body.fields,
            },
        )
        .await?;
    Ok(Json(draft(&saved, false)))
}

/// Deletes a draft of the ticket.
#[utoipa::path(delete, path = "/api/v1/tickets/{id}/drafts/{draft_id}", tag = "tickets",
    params(("id" = u64, Path, description = "Ticket id"), ("draft_id" = u64, Path, description = "Draft id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_draft<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path((id, draft_id)): Path<(u64, u64)>,
) -> Result<StatusCode, ApiError> {
    let drafts = state.desk().drafts(auth.principal, TicketId(id)).await?;
    if !drafts.iter().any(|(d, _)| d.id == DraftId(draft_id)) {
        return Err(ApiError::new(
            "not-found",
            format!("ticket {id} has no draft {draft_id}"),
        ));
    }
    state
        .desk()
        .delete_draft(auth.principal, DraftId(draft_id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a bulk action: each ticket is locked, changed, noted, mailed and unlocked on its own
/// and reported on its own; linking and merging follow.
#[utoipa::path(post, path = "/api/v1/tickets/bulk", tag = "tickets", request_body = BulkBody,
    responses((status = 200, body = BulkReportDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn bulk<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Json(body): Json<BulkBody>,
) -> Result<Json<BulkReportDto>, ApiError> {
    let r = Resolver {
        state: &state,
        actor: auth.principal,
    };
    let update = match &body.update {
        Some(patch) => ticket_update(&r, patch, "update").await?,
        None => TicketUpdate::default(),
    };
    let note = match &body.note {
        Some(n) => Some(BulkNote {
            subject: n.subject.clone(),
            body: n.body.clone(),
            visible_for_customer: n.visible_for_customer,
            time_units: match &n.time_units {
                Some(u) => Some(units(u, "note.time_units")?),
                None => None,
            },
        }),
        None => None,
    };
    let email = match &body.email {
        Some(e) => Some(BulkEmail {
            subject: e.subject.clone(),
            body: e.body.clone(),
            time_units: match &e.time_units {
                Some(u) => Some(units(u, "email.time_units")?),
                None => None,
            },
        }),
        None => None,
    };
    let link = match &body.link {
        None => BulkLink::None,
        Some(Ref::Name(n)) if n == "together" => BulkLink::Together,
        Some(other) => BulkLink::ToParent(r.ticket(other).await?),
    };
    let merge = match &body.merge {
        None => BulkMerge::None,
        Some(Ref::Name(n)) if n == "oldest" => BulkMerge::ToOldest,
        Some(other) => BulkMerge::Into(r.ticket(other).await?),
    };
    let report = state
        .desk()
        .bulk(
            auth.principal,
            BulkAction {
                tickets: body.tickets.iter().copied().map(TicketId).collect(),
                update,
                note,
                email,
                link,
                merge,
                keep_locked: body.keep_locked,
            },
        )
        .await?;
    state.wake_outbox();
    Ok(Json(BulkReportDto {
        outcomes: report
            .outcomes
            .iter()
            .map(|o| {
                let (outcome, error) = match &o.outcome {
                    TicketOutcome::Done => ("done", None),
                    TicketOutcome::Skipped(e) => ("skipped", Some(public_error(e))),
                    TicketOutcome::Failed(e) => ("failed", Some(public_error(e))),
                };
                BulkOutcomeDto {
                    ticket: o.ticket.0,
                    number: o.number.clone(),
                    outcome: outcome.into(),
                    error,
                    linked_to: o.linked_to.iter().map(|t| t.0).collect(),
                    merged_into: o.merged_into.map(|t| t.0),
                    errors: o.errors.iter().map(public_error).collect(),
                }
            })
            .collect(),
    }))
}

/// A desk error as a caller may read it (internal failures stay in the log).
pub(crate) fn public_error(error: &otrs_core::DeskError) -> String {
    match error {
        otrs_core::DeskError::Store(_) => {
            tracing::error!(error = %crate::error::cause_chain(error), "bulk action step failed");
            "the server failed; the error has been logged".into()
        }
        other => other.to_string(),
    }
}
