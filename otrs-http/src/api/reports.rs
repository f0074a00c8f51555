//! Reports: statistics run together, as one PDF (agents in the `stats` group; `rw` to change).

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use otrs_core::ids::ReportId;
use otrs_core::store::Store;

use crate::api::people::with_version;
use crate::api::{Api, if_match};
use crate::auth::AnyAuth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path};
use crate::reports::{ReportBody, ReportDto, default_settings, report_dto, report_pdf_blocking};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/reports", list_reports::<S>)
        .post("/api/v1/reports", create_report::<S>)
        .get("/api/v1/reports/{id}", get_report::<S>)
        .put("/api/v1/reports/{id}", replace_report::<S>)
        .patch("/api/v1/reports/{id}", update_report::<S>)
        .delete("/api/v1/reports/{id}", delete_report::<S>)
        .post("/api/v1/reports/{id}/run", run_report::<S>)
}

/// Every report, by name (agents with `ro` on `stats`).
#[utoipa::path(get, path = "/api/v1/reports", tag = "reports",
    responses((status = 200, body = [ReportDto]), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_reports<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
) -> Result<Json<Vec<ReportDto>>, ApiError> {
    let now = state.desk().now();
    let reports = state.desk().reports(auth.principal).await?;
    Ok(Json(reports.iter().map(|r| report_dto(r, now)).collect()))
}

/// Creates a report and schedules its first run (agents with `rw` on `stats`).
#[utoipa::path(post, path = "/api/v1/reports", tag = "reports", request_body = ReportBody,
    responses((status = 201, body = ReportDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_report<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<ReportBody>,
) -> Result<Response, ApiError> {
    let settings = body.apply(default_settings(state.desk().config().time_zone))?;
    let report = state.desk().create_report(auth.principal, settings).await?;
    state.wake_jobs();
    Ok(with_version(
        report_dto(&report, state.desk().now()),
        report.version,
        Some(format!("/api/v1/reports/{}", report.id.0)),
    ))
}

/// One report (agents with `ro` on `stats`).
#[utoipa::path(get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = u64, Path, description = "Report id")),
    responses((status = 200, body = ReportDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_report<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let report = state.desk().report(auth.principal, ReportId(id)).await?;
    Ok(with_version(
        report_dto(&report, state.desk().now()),
        report.version,
        None,
    ))
}

async fn save<S: Store>(
    state: &AppState<S>,
    auth: &AnyAuth,
    id: u64,
    headers: &HeaderMap,
    body: ReportBody,
    replace: bool,
) -> Result<Response, ApiError> {
    let desk = state.desk();
    let base = if replace {
        default_settings(desk.config().time_zone)
    } else {
        desk.report(auth.principal, ReportId(id)).await?.settings
    };
    let settings = body.apply(base)?;
    let report = desk
        .update_report(auth.principal, ReportId(id), settings, if_match(headers)?)
        .await?;
    state.wake_jobs();
    Ok(with_version(
        report_dto(&report, desk.now()),
        report.version,
        None,
    ))
}

/// Replaces a report's settings (fields left out take their defaults) and reschedules it
/// (agents with `rw` on `stats`); `If-Match` checks the version.
#[utoipa::path(put, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = u64, Path, description = "Report id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = ReportBody,
    responses((status = 200, body = ReportDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn replace_report<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<ReportBody>,
) -> Result<Response, ApiError> {
    save(&state, &auth, id, &headers, body, true).await
}

/// Changes the given fields of a report and reschedules it (agents with `rw` on `stats`);
/// `If-Match` checks the version.
#[utoipa::path(patch, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = u64, Path, description = "Report id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = ReportBody,
    responses((status = 200, body = ReportDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_report<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<ReportBody>,
) -> Result<Response, ApiError> {
    save(&state, &auth, id, &headers, body, false).await
}

/// Deletes a report and cancels its scheduled run (agents with `rw` on `stats`).
#[utoipa::path(delete, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = u64, Path, description = "Report id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_report<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .delete_report(auth.principal, ReportId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs a report now and answers its PDF (agents with `ro` on `stats` who may run each of its
/// statistics). Nothing is mailed.
#[utoipa::path(post, path = "/api/v1/reports/{id}/run", tag = "reports",
    params(("id" = u64, Path, description = "Report id")),
    responses((status = 200, description = "The report as a PDF", content_type = "application/pdf", body = Vec<u8>),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn run_report<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let output = state
        .desk()
        .run_report(auth.principal, ReportId(id))
        .await?;
    let filename = otrs_core::desk::pdf_filename(&output.report, output.generated_at);
    let pdf = report_pdf_blocking(output)
        .await
        .map_err(|e| e.to_api_error("rendering a report PDF"))?;
    Ok(pdf_response(pdf, &filename))
}

/// A PDF download.
pub(crate) fn pdf_response(pdf: Vec<u8>, filename: &str) -> Response {
    let mut response = pdf.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    // The file name holds only letters, digits, '_', '-' and '.' (see `pdf_filename`); any
    // other character is replaced here as well, so the header is always valid.
    let safe: String = filename
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}
