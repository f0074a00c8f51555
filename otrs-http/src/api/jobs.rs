//! Background jobs (admins) and the signed-in agent's web-view notifications.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use otrs_core::ids::{JobId, NotificationId};
use otrs_core::model::{AgentNotification, Job, JobFilter, JobState, NewJob};
use otrs_core::store::{PageRequest, Store};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::{Api, paging};
use crate::auth::AnyAuth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/jobs", list_jobs::<S>)
        .post("/api/v1/jobs", schedule_job::<S>)
        .get("/api/v1/jobs/{id}", get_job::<S>)
        .delete("/api/v1/jobs/{id}", cancel_job::<S>)
        .get("/api/v1/notifications", list_notifications::<S>)
        .post("/api/v1/notifications/seen", mark_seen::<S>)
}

/// A background job.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobDto {
    /// Id.
    pub id: u64,
    /// Handler kind, e.g. `mail.send`.
    pub kind: String,
    /// The handler's input.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Scheduling the same key again replaces the pending job.
    pub unique_key: Option<String>,
    /// `pending`, `running`, `done`, `failed` or `cancelled`.
    pub state: String,
    /// When it is due (next run or retry).
    pub run_at: DateTime<Utc>,
    /// Runs started so far.
    pub attempts: u32,
    /// Runs allowed.
    pub max_attempts: u32,
    /// The last run's error.
    pub last_error: Option<String>,
    /// The worker holding it (while running).
    pub lease_owner: Option<String>,
    /// Until when the worker holds it.
    pub lease_until: Option<DateTime<Utc>>,
    /// When it was scheduled.
    pub created_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: Option<DateTime<Utc>>,
}

/// Converts a job for the wire.
pub fn job_dto(job: &Job) -> JobDto {
    JobDto {
        id: job.id.0,
        kind: job.kind.clone(),
        payload: serde_json::from_str(&job.payload)
            .unwrap_or_else(|_| serde_json::Value::String(job.payload.clone())),
        unique_key: job.unique_key.clone(),
        state: job.state.name().to_owned(),
        run_at: job.run_at,
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        last_error: job.last_error.clone(),
        lease_owner: job.lease_owner.clone(),
        lease_until: job.lease_until,
        created_at: job.created_at,
        finished_at: job.finished_at,
    }
}

/// A page of jobs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JobList {
    /// Rows, by due time.
    pub items: Vec<JobDto>,
    /// Matches.
    pub total: u64,
}

/// Filters of the job list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct JobParams {
    /// Only jobs in this state (`pending`, `running`, `done`, `failed`, `cancelled`); comma-separated for several.
    pub state: Option<String>,
    /// Only jobs of this kind.
    pub kind: Option<String>,
    /// Only jobs with this unique key.
    pub key: Option<String>,
    /// Page (1-based).
    pub page: Option<u32>,
    /// Rows per page (1–100).
    pub per_page: Option<u32>,
}

/// A job to schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJobBody {
    /// A registered kind (`notify.agent`, `mail.send`, …).
    pub kind: String,
    /// The handler's input (any JSON value; see the kind's documentation).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When it is due (default: now).
    pub run_at: Option<DateTime<Utc>>,
    /// Runs allowed (1–100, default 5).
    pub max_attempts: Option<u32>,
    /// Scheduling the same key again replaces the pending job.
    pub unique_key: Option<String>,
}

/// Parses `state=pending,failed`.
pub fn job_states(text: Option<&str>) -> Result<Option<Vec<JobState>>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            JobState::from_name(s).ok_or_else(|| {
                ApiError::invalid(
                    "state",
                    format!("{s:?} is not one of pending, running, done, failed, cancelled"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

/// Background jobs, by due time (admins): the scheduler's backlog and history.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "jobs", params(JobParams),
    responses((status = 200, body = JobList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_jobs<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<JobParams>,
) -> Result<Json<JobList>, ApiError> {
    let (page, per_page) = paging(p.page, p.per_page, state.config().max_per_page)?;
    let filter = JobFilter {
        states: job_states(p.state.as_deref())?,
        kind: p.kind,
        unique_key: p.key,
    };
    let found = state
        .desk()
        .jobs(auth.principal, filter, PageRequest::page(page, per_page))
        .await?;
    Ok(Json(JobList {
        items: found.items.iter().map(job_dto).collect(),
        total: found.total,
    }))
}

/// One job (admins).
#[utoipa::path(get, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = u64, Path, description = "Job id")),
    responses((status = 200, body = JobDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_job<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Json<JobDto>, ApiError> {
    let job = state.desk().job(auth.principal, JobId(id)).await?;
    Ok(Json(job_dto(&job)))
}

/// Schedules a job (admins). The kind must have a handler in this server.
#[utoipa::path(post, path = "/api/v1/jobs", tag = "jobs", request_body = NewJobBody,
    responses((status = 201, body = JobDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn schedule_job<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewJobBody>,
) -> Result<Response, ApiError> {
    if !state.jobs().contains(&body.kind) {
        return Err(ApiError::invalid(
            "kind",
            format!(
                "{:?} has no handler (known kinds: {})",
                body.kind,
                state.jobs().kinds().join(", ")
            ),
        ));
    }
    let job = state
        .desk()
        .schedule_job(
            auth.principal,
            NewJob {
                kind: body.kind,
                payload: body.payload.to_string(),
                run_at: body.run_at.unwrap_or_else(|| state.desk().now()),
                max_attempts: body.max_attempts.unwrap_or(5),
                unique_key: body.unique_key,
            },
        )
        .await?;
    state.wake_jobs();
    let location = format!("/api/v1/jobs/{}", job.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(job_dto(&job)),
    )
        .into_response())
}

/// Cancels a pending or running job (admins); 409 when it already finished.
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "jobs",
    params(("id" = u64, Path, description = "Job id")),
    responses((status = 200, body = JobDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn cancel_job<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Json<JobDto>, ApiError> {
    let job = state.desk().cancel_job(auth.principal, JobId(id)).await?;
    Ok(Json(job_dto(&job)))
}

/// A web-view notification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationDto {
    /// Id.
    pub id: u64,
    /// One line.
    pub title: String,
    /// Details.
    pub body: String,
    /// Where it leads.
    pub link: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was marked seen (`null`: unseen).
    pub seen_at: Option<DateTime<Utc>>,
}

fn notification_dto(n: &AgentNotification) -> NotificationDto {
    NotificationDto {
        id: n.id.0,
        title: n.title.clone(),
        body: n.body.clone(),
        link: n.link.clone(),
        created_at: n.created_at,
        seen_at: n.seen_at,
    }
}

/// The signed-in agent's latest notifications.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NotificationList {
    /// Newest first.
    pub items: Vec<NotificationDto>,
    /// Unseen notifications in all.
    pub unseen: u64,
}

/// How many notifications to list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// How many (1–200, default 5: the header bell's count).
    pub limit: Option<u32>,
}

/// The signed-in agent's latest web-view notifications (agents; each sees only their own).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications", params(NotificationParams),
    responses((status = 200, body = NotificationList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_notifications<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<NotificationParams>,
) -> Result<Json<NotificationList>, ApiError> {
    let list = state
        .desk()
        .agent_notifications(auth.principal, p.limit.unwrap_or(5))
        .await?;
    Ok(Json(NotificationList {
        items: list.items.iter().map(notification_dto).collect(),
        unseen: list.unseen,
    }))
}

/// Which notifications to mark seen.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeenBody {
    /// These ids (others' ids are ignored); absent: all of the agent's notifications.
    pub ids: Option<Vec<u64>>,
}

/// The result of marking notifications seen.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SeenResult {
    /// How many changed.
    pub marked: u64,
    /// How many stay unseen.
    pub unseen: u64,
}

/// Marks the signed-in agent's notifications seen.
#[utoipa::path(post, path = "/api/v1/notifications/seen", tag = "notifications", request_body = SeenBody,
    responses((status = 200, body = SeenResult), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn mark_seen<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<SeenBody>,
) -> Result<Json<SeenResult>, ApiError> {
    let ids = body
        .ids
        .map(|ids| ids.into_iter().map(NotificationId).collect());
    let marked = state
        .desk()
        .mark_notifications_seen(auth.principal, ids)
        .await?;
    let unseen = state
        .desk()
        .agent_notifications(auth.principal, 1)
        .await?
        .unseen;
    Ok(Json(SeenResult { marked, unseen }))
}
