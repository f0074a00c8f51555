//! Statistics over JSON: list, create, read, change, delete, run (JSON, CSV, Excel, PDF), export
//! and import (XML), and the live preview of an unsaved definition. Agents in the `stats` group
//! only; the desk decides who may do what.
//!
//! A definition names its elements in the text form of `otrs_core::stats::spec`
//! (`{"element": "queue", "values": "Raw,Junk", "allow_changes": true}`), the same form the CLI's
//! `--set` and the agent UI use.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use otrs_core::stats::spec::{ElementSpec, ListSpec, StatSpec};
use otrs_core::stats::{StatFormat, StatTable};
use otrs_core::store::Store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::people::with_version;
use crate::api::{Api, if_match};
use crate::auth::AnyAuth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;
use crate::stats_dto::{StatSummaryDto, StatTableDto, stat_summary, stat_table};
use crate::stats_output::{self, PdfFont, PdfFrame};

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/stats", list_stats::<S>)
        .post("/api/v1/stats", create_stat::<S>)
        .post("/api/v1/stats/import", import_stat::<S>)
        .post("/api/v1/stats/preview", preview_stat::<S>)
        .get("/api/v1/stats/{number}", get_stat::<S>)
        .put("/api/v1/stats/{number}", update_stat::<S>)
        .delete("/api/v1/stats/{number}", delete_stat::<S>)
        .post("/api/v1/stats/{number}/run", run_stat::<S>)
        .get("/api/v1/stats/{number}/export", export_stat::<S>)
}

/// An axis element or filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ElementBody {
    /// `queue`, `state`, `state-type`, `priority`, `owner`, `responsible`, `customer`,
    /// `customer-user`, `lock`, `created`, `closed` or `changed`.
    pub element: String,
    /// Comma-separated names (`Raw,Junk`; empty: every value, axes only), or for a time element a
    /// period with an optional scale: `last:N:UNIT`, `next:N:UNIT`, `last:N:UNIT,next:M:UNIT`,
    /// `YYYY-MM-DD..YYYY-MM-DD`, then `@day|week|month|quarter|half-year|year`.
    #[serde(default)]
    pub values: String,
    /// May be changed before running.
    #[serde(default)]
    pub allow_changes: bool,
}

/// The columns and order of a list statistic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ListBody {
    /// Column names: `number`, `title`, `created`, `changed`, `closed`, `queue`, `state`,
    /// `state-type`, `priority`, `owner`, `responsible`, `customer`, `customer-user`, `lock`,
    /// `accounted-time`, `age`, and the deadline columns.
    pub columns: Vec<String>,
    /// The column sorted by.
    pub sort: String,
    /// Largest first.
    #[serde(default)]
    pub descending: bool,
    /// Most rows (1–10000, default 100).
    #[serde(default = "default_limit")]
    pub limit: u32,
}

fn default_limit() -> u32 {
    100
}

fn default_zone() -> String {
    "UTC".into()
}

fn yes() -> bool {
    true
}

/// A group by id or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum GroupRef {
    /// The id.
    Id(u64),
    /// The name.
    Name(String),
}

/// A statistic's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatDefinitionBody {
    /// Title.
    pub title: String,
    /// Longer description.
    #[serde(default)]
    pub description: String,
    /// `Matrix`, `List` or `Static`.
    #[serde(rename = "type")]
    pub stat_type: String,
    /// Groups (ids or names) whose members may run it.
    #[schema(value_type = Vec<Object>)]
    pub permission_groups: Vec<GroupRef>,
    /// Formats it may be run in: `table`, `csv`, `excel`, `print`.
    pub formats: Vec<String>,
    /// IANA zone its periods are computed in (default UTC).
    #[serde(default = "default_zone")]
    pub time_zone: String,
    /// Summation row.
    #[serde(default)]
    pub sum_row: bool,
    /// Summation column.
    #[serde(default)]
    pub sum_column: bool,
    /// Only valid statistics can be run (default true).
    #[serde(default = "yes")]
    pub valid: bool,
    /// The X axis (matrix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<ElementBody>,
    /// The Y axis: 1 to 3 elements; several make a row per combination of values (matrix).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub y: Vec<ElementBody>,
    /// Filters (matrix and list).
    #[serde(default)]
    pub filters: Vec<ElementBody>,
    /// Columns and order (list).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub list: Option<ListBody>,
    /// The static statistic (`state-changes-monthly`).
    #[serde(rename = "static", default, skip_serializing_if = "Option::is_none")]
    pub static_stat: Option<String>,
}

/// A statistic with its definition.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatDetailDto {
    /// Number, title, type and settings.
    pub stat: StatSummaryDto,
    /// The definition (as accepted by `PUT`).
    pub definition: StatDefinitionBody,
}

/// Every statistic the caller may run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StatList {
    /// By number.
    pub items: Vec<StatSummaryDto>,
    /// How many.
    pub total: u64,
}

/// How to run a statistic.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RunBody {
    /// New values for elements that allow changes before running, by element name, in the
    /// definition's value form: `{"queue": "Raw,Junk", "created": "last:3:month"}`.
    #[serde(default)]
    pub overrides: BTreeMap<String, String>,
    /// The month of a static monthly statistic, `YYYY-MM` (default: the current month).
    pub month: Option<String>,
}

/// The output format of a run.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RunParams {
    /// `json` (default), `csv`, `xlsx` or `pdf`; without it the `Accept` header decides.
    pub format: Option<String>,
}

pub(crate) fn spec_of(body: StatDefinitionBody) -> StatSpec {
    let element = |e: ElementBody| ElementSpec {
        element: e.element,
        values: e.values,
        allow_changes: e.allow_changes,
    };
    StatSpec {
        title: body.title,
        description: body.description,
        stat_type: body.stat_type,
        permission_groups: body
            .permission_groups
            .into_iter()
            .map(|g| match g {
                GroupRef::Id(id) => format!("#{id}"),
                GroupRef::Name(name) => name,
            })
            .collect(),
        formats: body.formats,
        time_zone: body.time_zone,
        sum_row: body.sum_row,
        sum_column: body.sum_column,
        valid: body.valid,
        x: body.x.map(element),
        y: body.y.into_iter().map(element).collect(),
        filters: body.filters.into_iter().map(element).collect(),
        list: body.list.map(|l| ListSpec {
            columns: l.columns,
            sort: l.sort,
            descending: l.descending,
            limit: l.limit,
        }),
        static_stat: body.static_stat,
    }
}

pub(crate) fn body_of(spec: StatSpec) -> StatDefinitionBody {
    let element = |e: ElementSpec| ElementBody {
        element: e.element,
        values: e.values,
        allow_changes: e.allow_changes,
    };
    StatDefinitionBody {
        title: spec.title,
        description: spec.description,
        stat_type: spec.stat_type,
        permission_groups: spec
            .permission_groups
            .into_iter()
            .map(GroupRef::Name)
            .collect(),
        formats: spec.formats,
        time_zone: spec.time_zone,
        sum_row: spec.sum_row,
        sum_column: spec.sum_column,
        valid: spec.valid,
        x: spec.x.map(element),
        y: spec.y.into_iter().map(element).collect(),
        filters: spec.filters.into_iter().map(element).collect(),
        list: spec.list.map(|l| ListBody {
            columns: l.columns,
            sort: l.sort,
            descending: l.descending,
            limit: l.limit,
        }),
        static_stat: spec.static_stat,
    }
}

async fn detail<S: Store>(
    state: &AppState<S>,
    auth: &AnyAuth,
    stat: &otrs_core::stats::StatDefinition,
) -> Result<StatDetailDto, ApiError> {
    let spec = state
        .desk()
        .stat_spec(auth.principal, &stat.settings)
        .await?;
    Ok(StatDetailDto {
        stat: stat_summary(stat),
        definition: body_of(spec),
    })
}

/// The statistics the caller may run, by number (agents in the `stats` group).
#[utoipa::path(get, path = "/api/v1/stats", tag = "stats",
    responses((status = 200, body = StatList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_stats<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
) -> Result<Json<StatList>, ApiError> {
    let all = state.desk().stats(auth.principal).await?;
    Ok(Json(StatList {
        total: all.len() as u64,
        items: all.iter().map(stat_summary).collect(),
    }))
}

/// Creates a statistic (`rw` on `stats`); it gets the next free number.
#[utoipa::path(post, path = "/api/v1/stats", tag = "stats", request_body = StatDefinitionBody,
    responses((status = 201, body = StatDetailDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<StatDefinitionBody>,
) -> Result<Response, ApiError> {
    let settings = state
        .desk()
        .stat_settings_from_spec(auth.principal, &spec_of(body))
        .await?;
    let stat = state.desk().create_stat(auth.principal, settings).await?;
    let dto = detail(&state, &auth, &stat).await?;
    Ok(with_version(
        dto,
        stat.version,
        Some(format!("/api/v1/stats/{}", stat.number)),
    ))
}

/// One statistic with its definition.
#[utoipa::path(get, path = "/api/v1/stats/{number}", tag = "stats",
    params(("number" = u32, Path, description = "Stat#")),
    responses((status = 200, body = StatDetailDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(number): Path<u32>,
) -> Result<Response, ApiError> {
    let stat = state.desk().stat(auth.principal, number).await?;
    let dto = detail(&state, &auth, &stat).await?;
    Ok(with_version(dto, stat.version, None))
}

/// Replaces a statistic's definition (`rw` on `stats`); `If-Match` checks the version.
#[utoipa::path(put, path = "/api/v1/stats/{number}", tag = "stats",
    params(("number" = u32, Path, description = "Stat#"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = StatDefinitionBody,
    responses((status = 200, body = StatDetailDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(number): Path<u32>,
    headers: HeaderMap,
    Json(body): Json<StatDefinitionBody>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers)?;
    let settings = state
        .desk()
        .stat_settings_from_spec(auth.principal, &spec_of(body))
        .await?;
    let stat = state
        .desk()
        .update_stat(auth.principal, number, settings, expected)
        .await?;
    let dto = detail(&state, &auth, &stat).await?;
    Ok(with_version(dto, stat.version, None))
}

/// Deletes a statistic (`rw` on `stats`).
#[utoipa::path(delete, path = "/api/v1/stats/{number}", tag = "stats",
    params(("number" = u32, Path, description = "Stat#")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(number): Path<u32>,
) -> Result<StatusCode, ApiError> {
    state.desk().delete_stat(auth.principal, number).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The output formats of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RunFormat {
    Json,
    Csv,
    Xlsx,
    Pdf,
}

const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

impl RunFormat {
    pub(crate) fn from_name(name: &str) -> Option<RunFormat> {
        match name {
            "json" => Some(RunFormat::Json),
            "csv" => Some(RunFormat::Csv),
            "xlsx" | "excel" => Some(RunFormat::Xlsx),
            "pdf" | "print" => Some(RunFormat::Pdf),
            _ => None,
        }
    }

    fn from_accept(headers: &HeaderMap) -> RunFormat {
        let accept = headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if accept.contains("text/csv") {
            RunFormat::Csv
        } else if accept.contains(XLSX_TYPE) {
            RunFormat::Xlsx
        } else if accept.contains("application/pdf") {
            RunFormat::Pdf
        } else {
            RunFormat::Json
        }
    }

    pub(crate) fn core(self) -> StatFormat {
        match self {
            RunFormat::Json => StatFormat::Table,
            RunFormat::Csv => StatFormat::Csv,
            RunFormat::Xlsx => StatFormat::Excel,
            RunFormat::Pdf => StatFormat::Print,
        }
    }
}

/// Parses `YYYY-MM`.
pub(crate) fn parse_month(field: &str, text: &str) -> Result<(i32, u32), ApiError> {
    text.split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m))
        .ok_or_else(|| ApiError::invalid(field, format!("{text:?} is not YYYY-MM")))
}

/// A result as a file download (or JSON).
pub(crate) fn output(table: &StatTable, format: RunFormat) -> Result<Response, ApiError> {
    let file = |ext: &str| {
        HeaderValue::from_str(&format!(
            "attachment; filename=\"statistic-{}.{ext}\"",
            table.number
        ))
        .unwrap_or(HeaderValue::from_static("attachment"))
    };
    Ok(match format {
        RunFormat::Json => Json(stat_table(table)).into_response(),
        RunFormat::Csv => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/csv; charset=utf-8"),
                ),
                (header::CONTENT_DISPOSITION, file("csv")),
            ],
            stats_output::csv(table),
        )
            .into_response(),
        RunFormat::Xlsx => {
            let bytes = stats_output::xlsx(table)
                .map_err(|e| crate::error::internal("writing the workbook", &e))?;
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static(XLSX_TYPE)),
                    (header::CONTENT_DISPOSITION, file("xlsx")),
                ],
                bytes,
            )
                .into_response()
        }
        RunFormat::Pdf => {
            let font = PdfFont::find(&[]).map_err(|e| e.to_api_error("finding the PDF font"))?;
            let frame = PdfFrame {
                title: table.title.clone(),
                ..PdfFrame::default()
            };
            let bytes = stats_output::pdf(&frame, std::slice::from_ref(table), &font)
                .map_err(|e| e.to_api_error("writing the PDF"))?;
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/pdf"),
                    ),
                    (header::CONTENT_DISPOSITION, file("pdf")),
                ],
                bytes,
            )
                .into_response()
        }
    })
}

/// Runs a statistic. `overrides` change elements that allow changes before running (any other
/// is refused with 409 naming the element); `?format=` or `Accept` picks JSON, CSV, Excel or
/// PDF.
#[utoipa::path(post, path = "/api/v1/stats/{number}/run", tag = "stats",
    params(("number" = u32, Path, description = "Stat#"), RunParams),
    request_body = RunBody,
    responses(
        (status = 200, body = StatTableDto, description = "JSON, or text/csv, xlsx, application/pdf by format"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn run_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(number): Path<u32>,
    Query(params): Query<RunParams>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let format = match params.format.as_deref() {
        Some(name) => RunFormat::from_name(name)
            .ok_or_else(|| ApiError::invalid("format", "must be json, csv, xlsx or pdf"))?,
        None => RunFormat::from_accept(&headers),
    };
    // The body is optional: no body runs the statistic as defined.
    let body: RunBody = if body.iter().all(u8::is_ascii_whitespace) {
        RunBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            let message = e.to_string();
            let message = message.split(" at line ").next().unwrap_or("").to_owned();
            ApiError::invalid("body", message)
        })?
    };
    let month = body
        .month
        .as_deref()
        .map(|m| parse_month("month", m))
        .transpose()?;
    let assignments: Vec<String> = body
        .overrides
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let options = state
        .desk()
        .stat_run_options(auth.principal, number, "overrides", &assignments, month)
        .await?;
    let table = state
        .desk()
        .run_stat(auth.principal, number, format.core(), options)
        .await?;
    output(&table, format)
}

/// A statistic's definition as an XML file (import it with `POST /api/v1/stats/import`).
#[utoipa::path(get, path = "/api/v1/stats/{number}/export", tag = "stats",
    params(("number" = u32, Path, description = "Stat#")),
    responses((status = 200, body = String, content_type = "application/xml"), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn export_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(number): Path<u32>,
) -> Result<Response, ApiError> {
    let xml = state.desk().export_stat(auth.principal, number).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/xml; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("attachment; filename=\"statistic-{number}.xml\""))
                    .unwrap_or(HeaderValue::from_static("attachment")),
            ),
        ],
        xml,
    )
        .into_response())
}

/// An exported statistic wrapped in JSON (for clients that only send JSON).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportBody {
    /// The XML text written by `GET /api/v1/stats/{number}/export`.
    pub xml: String,
}

/// Creates a statistic from an exported XML file (`rw` on `stats`): the body is the XML
/// (`application/xml`), or `{"xml": "…"}` with `Content-Type: application/json`.
#[utoipa::path(post, path = "/api/v1/stats/import", tag = "stats",
    request_body(content = String, content_type = "application/xml"),
    responses((status = 201, body = StatDetailDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn import_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.trim_start().starts_with("application/json"));
    let text = if json {
        serde_json::from_slice::<ImportBody>(&body)
            .map_err(|e| {
                let message = e.to_string();
                ApiError::invalid("xml", message.split(" at line ").next().unwrap_or(""))
            })?
            .xml
    } else {
        std::str::from_utf8(&body)
            .map_err(|_| ApiError::invalid("body", "the XML is not UTF-8"))?
            .to_owned()
    };
    let stat = state.desk().import_stat(auth.principal, &text).await?;
    let dto = detail(&state, &auth, &stat).await?;
    Ok(with_version(
        dto,
        stat.version,
        Some(format!("/api/v1/stats/{}", stat.number)),
    ))
}

/// Runs an unsaved definition (the live preview while creating or editing; `rw` on `stats`).
/// Nothing is stored.
#[utoipa::path(post, path = "/api/v1/stats/preview", tag = "stats", request_body = StatDefinitionBody,
    responses((status = 200, body = StatTableDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn preview_stat<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<StatDefinitionBody>,
) -> Result<Json<StatTableDto>, ApiError> {
    let settings = state
        .desk()
        .stat_settings_from_spec(auth.principal, &spec_of(body))
        .await?;
    let table = state.desk().preview_stat(auth.principal, settings).await?;
    Ok(Json(stat_table(&table)))
}
