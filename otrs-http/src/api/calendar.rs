//! Calendars and appointments: `/api/v1/calendars`, `/api/v1/appointments` and a ticket's
//! appointments. The desk checks every permission (the calendar's group: `ro` to see, `rw` to
//! change; admins create and delete calendars); these handlers only translate.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;
use otrs_core::calendar::recurrence::parse_wall;
use otrs_core::calendar::{Repeat, RepeatFrequency, RepeatLimit};
use otrs_core::desk::{
    AppointmentInput, AppointmentOccurrence, AppointmentUpdate, CalendarUpdate, EditScope,
    NewCalendar,
};
use otrs_core::ids::{AppointmentId, CalendarId, GroupId, TicketId};
use otrs_core::model::{Appointment, AppointmentHistoryEntry, Calendar, Validity};
use otrs_core::store::Store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::people::with_version;
use crate::api::{Api, if_match};
use crate::auth::AnyAuth;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/calendars", list_calendars::<S>)
        .post("/api/v1/calendars", create_calendar::<S>)
        .get("/api/v1/calendars/{id}", get_calendar::<S>)
        .patch("/api/v1/calendars/{id}", update_calendar::<S>)
        .delete("/api/v1/calendars/{id}", delete_calendar::<S>)
        .post(
            "/api/v1/calendars/{id}/rotate-token",
            rotate_calendar_token::<S>,
        )
        .get("/api/v1/appointments", list_occurrences::<S>)
        .post("/api/v1/appointments", create_appointment::<S>)
        .get("/api/v1/appointments/{id}", get_appointment::<S>)
        .patch("/api/v1/appointments/{id}", update_appointment::<S>)
        .delete("/api/v1/appointments/{id}", delete_appointment::<S>)
        .post("/api/v1/appointments/{id}/copy", copy_appointment::<S>)
        .get(
            "/api/v1/appointments/{id}/history",
            appointment_history::<S>,
        )
        .get(
            "/api/v1/tickets/{id}/appointments",
            ticket_appointments::<S>,
        )
        .post(
            "/api/v1/tickets/{id}/appointments",
            create_ticket_appointment::<S>,
        )
}

// --- DTOs ------------------------------------------------------------------------------------

/// A calendar.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalendarDto {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Colour, `#RRGGBB`.
    pub color: String,
    /// Permission group id (`ro` to see, `rw` to change).
    pub group_id: u64,
    /// `valid` or `invalid`.
    pub validity: String,
    /// The public iCalendar feed (path; the token in it is the credential).
    pub feed_url: String,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Version (also the ETag).
    pub version: u64,
}

/// Calendars.
#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarList {
    /// The calendars.
    pub items: Vec<CalendarDto>,
    /// How many.
    pub total: u64,
}

/// A new calendar (admins). The feed token is made by the server.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCalendarBody {
    /// Unique name.
    pub name: String,
    /// `#RRGGBB`.
    pub color: String,
    /// Permission group id.
    pub group_id: u64,
}

/// Changes to a calendar (admins).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarPatch {
    /// New name.
    #[serde(default)]
    pub name: Option<String>,
    /// New colour.
    #[serde(default)]
    pub color: Option<String>,
    /// New group id.
    #[serde(default)]
    pub group_id: Option<u64>,
    /// `valid` or `invalid`.
    #[serde(default)]
    pub validity: Option<String>,
}

/// An appointment row: a single appointment, a series or a detached occurrence. Times are
/// wall-clock times in `time_zone`; for all-day appointments `start` and `end` are the first and
/// the last day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppointmentDto {
    /// Id.
    pub id: u64,
    /// Calendar id.
    pub calendar_id: u64,
    /// iCalendar UID (shared by a series and its detached occurrences).
    pub uid: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Location.
    pub location: String,
    /// A map search for the location (empty without a location).
    pub map_url: String,
    /// All day.
    pub all_day: bool,
    /// First start (`YYYY-MM-DDTHH:MM:SS`, or a date for all-day appointments).
    pub start: String,
    /// First end (or the last day).
    pub end: String,
    /// IANA time zone.
    pub time_zone: String,
    /// The first start as an instant.
    pub start_utc: DateTime<Utc>,
    /// RFC 5545 RRULE, for a series.
    pub rrule: Option<String>,
    /// Deleted occurrences of a series (their original starts).
    pub exdates: Vec<String>,
    /// For a detached occurrence: its series.
    pub parent_id: Option<u64>,
    /// For a detached occurrence: the original start it replaces.
    pub recurrence_id: Option<String>,
    /// Reminder, minutes before each start.
    pub notify_minutes_before: Option<u32>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Version (also the ETag).
    pub version: u64,
}

/// One occurrence in a window.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OccurrenceDto {
    /// The row it comes from (a series, a detached occurrence, or a single appointment).
    pub appointment_id: u64,
    /// The series it belongs to, if any (for a detached occurrence: its parent).
    pub series_id: Option<u64>,
    /// Calendar id.
    pub calendar_id: u64,
    /// Title.
    pub title: String,
    /// Location.
    pub location: String,
    /// All day.
    pub all_day: bool,
    /// Start instant; pass it as `occurrence` to change or delete just this occurrence.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Start in the appointment's zone, with its offset.
    pub local_start: String,
    /// IANA time zone.
    pub time_zone: String,
}

/// Occurrences in a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceList {
    /// Sorted by start.
    pub items: Vec<OccurrenceDto>,
    /// How many.
    pub total: u64,
}

/// Appointment rows.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentList {
    /// The rows.
    pub items: Vec<AppointmentDto>,
    /// How many.
    pub total: u64,
}

/// The "nth weekday of the month" of a monthly repeat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NthWeekdayBody {
    /// 1–5, or -1 to -5 counted from the end.
    pub nth: i8,
    /// `MO` … `SU`.
    pub weekday: String,
}

/// The editor's repeat settings (instead of a raw `rrule`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RepeatBody {
    /// `daily`, `weekly`, `monthly` or `yearly`.
    pub frequency: String,
    /// Every N periods (default 1).
    #[serde(default)]
    pub interval: Option<u16>,
    /// Weekly: `MO` … `SU`.
    #[serde(default)]
    pub weekdays: Vec<String>,
    /// Monthly: days 1–31, or -1 for the last.
    #[serde(default)]
    pub month_days: Vec<i8>,
    /// Monthly: the nth weekday.
    #[serde(default)]
    pub nth_weekday: Option<NthWeekdayBody>,
    /// Yearly: months 1–12.
    #[serde(default)]
    pub months: Vec<u8>,
    /// Last day (inclusive).
    #[serde(default)]
    pub until: Option<NaiveDate>,
    /// Number of occurrences.
    #[serde(default)]
    pub count: Option<u32>,
}

/// A new appointment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAppointmentBody {
    /// Calendar id.
    pub calendar_id: u64,
    /// Title.
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Location.
    #[serde(default)]
    pub location: String,
    /// All day (`start` and `end` are then dates; `end` is the last day).
    #[serde(default)]
    pub all_day: bool,
    /// Start, local `YYYY-MM-DDTHH:MM[:SS]` (or a date).
    pub start: String,
    /// End, local.
    pub end: String,
    /// IANA time zone.
    pub time_zone: String,
    /// Repeat settings.
    #[serde(default)]
    pub repeat: Option<RepeatBody>,
    /// Or a raw RFC 5545 RRULE.
    #[serde(default)]
    pub rrule: Option<String>,
    /// Reminder, minutes before each start.
    #[serde(default)]
    pub notify_minutes_before: Option<u32>,
}

/// Changes to an appointment (absent fields stay).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AppointmentPatch {
    /// Move the whole series to another calendar.
    #[serde(default)]
    pub calendar_id: Option<u64>,
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Location.
    #[serde(default)]
    pub location: Option<String>,
    /// All day.
    #[serde(default)]
    pub all_day: Option<bool>,
    /// Start, local.
    #[serde(default)]
    pub start: Option<String>,
    /// End, local.
    #[serde(default)]
    pub end: Option<String>,
    /// IANA time zone.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// New repeat settings (the whole series only).
    #[serde(default)]
    pub repeat: Option<RepeatBody>,
    /// New RRULE; an empty string stops the repetition.
    #[serde(default)]
    pub rrule: Option<String>,
    /// Reminder; 0 removes it.
    #[serde(default)]
    pub notify_minutes_before: Option<u32>,
}

/// One history row of an appointment.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentHistoryDto {
    /// What happened.
    pub action: String,
    /// Details.
    pub details: String,
    /// Who (`agent 3`).
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An appointment's history, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AppointmentHistoryList {
    /// Rows.
    pub items: Vec<AppointmentHistoryDto>,
    /// How many.
    pub total: u64,
}

/// The window of `GET /api/v1/appointments`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WindowParams {
    /// From (RFC 3339, inclusive).
    pub from: DateTime<Utc>,
    /// To (RFC 3339, exclusive; at most 400 days after `from`).
    pub to: DateTime<Utc>,
    /// Only this calendar.
    #[serde(default)]
    pub calendar: Option<u64>,
}

/// Which part of a series a change or deletion applies to.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeParams {
    /// `all` (default) or `occurrence`.
    #[serde(default)]
    pub scope: Option<String>,
    /// With `scope=occurrence`: the occurrence's start instant (RFC 3339).
    #[serde(default)]
    pub occurrence: Option<DateTime<Utc>>,
}

// --- conversions ---------------------------------------------------------------------------

const WALL: &str = "%Y-%m-%dT%H:%M:%S";

pub(crate) fn calendar_dto(c: &Calendar) -> CalendarDto {
    CalendarDto {
        id: c.id.0,
        name: c.name.clone(),
        color: c.color.clone(),
        group_id: c.group_id.0,
        validity: c.validity.name().to_owned(),
        feed_url: format!("/calendars/feed/{}.ics", c.feed_token),
        changed_at: c.changed_at,
        version: c.version,
    }
}

fn map_url(location: &str) -> String {
    if location.trim().is_empty() {
        return String::new();
    }
    let query: String = form_urlencoded::byte_serialize(location.trim().as_bytes()).collect();
    format!("https://www.openstreetmap.org/search?query={query}")
}

pub(crate) fn appointment_dto(a: &Appointment) -> AppointmentDto {
    let show = |at: NaiveDateTime| {
        if a.all_day {
            at.format("%Y-%m-%d").to_string()
        } else {
            at.format(WALL).to_string()
        }
    };
    let last = if a.all_day {
        a.end - Duration::days(1)
    } else {
        a.end
    };
    AppointmentDto {
        id: a.id.0,
        calendar_id: a.calendar_id.0,
        uid: a.uid.clone(),
        title: a.title.clone(),
        description: a.description.clone(),
        location: a.location.clone(),
        map_url: map_url(&a.location),
        all_day: a.all_day,
        start: show(a.start),
        end: show(last),
        time_zone: a.time_zone.name().to_owned(),
        start_utc: a.first_start_utc,
        rrule: a.rrule.clone(),
        exdates: a.exdates.iter().map(|w| show(*w)).collect(),
        parent_id: a.parent_id.map(|p| p.0),
        recurrence_id: a.recurrence_id.map(show),
        notify_minutes_before: a.notify_minutes_before,
        changed_at: a.changed_at,
        version: a.version,
    }
}

pub(crate) fn occurrence_dto(o: &AppointmentOccurrence) -> OccurrenceDto {
    let a = &o.appointment;
    OccurrenceDto {
        appointment_id: a.id.0,
        series_id: a.parent_id.map(|p| p.0).or(a.is_series().then_some(a.id.0)),
        calendar_id: a.calendar_id.0,
        title: a.title.clone(),
        location: a.location.clone(),
        all_day: a.all_day,
        start: o.start,
        end: o.end,
        local_start: o
            .start
            .with_timezone(&a.time_zone)
            .format("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        time_zone: a.time_zone.name().to_owned(),
    }
}

fn history_dto(h: &AppointmentHistoryEntry) -> AppointmentHistoryDto {
    AppointmentHistoryDto {
        action: h.action.name().to_owned(),
        details: h.details.clone(),
        by: h.created_by.to_string(),
        at: h.created_at,
    }
}

fn wall(text: &str, field: &str) -> Result<NaiveDateTime, ApiError> {
    parse_wall(text).ok_or_else(|| {
        ApiError::invalid(
            field,
            format!("{text:?} is not a local date or time (YYYY-MM-DDTHH:MM[:SS] or YYYY-MM-DD)"),
        )
    })
}

fn weekday(text: &str, field: &str) -> Result<Weekday, ApiError> {
    otrs_core::calendar::recurrence::weekday_from_code(&text.to_ascii_uppercase()).ok_or_else(
        || {
            ApiError::invalid(
                field,
                format!("{text:?} is not MO, TU, WE, TH, FR, SA or SU"),
            )
        },
    )
}

/// The RRULE of repeat settings, for a series starting at `start` in `zone`.
fn repeat_rule(
    body: &RepeatBody,
    start: NaiveDateTime,
    all_day: bool,
    zone: &str,
) -> Result<String, ApiError> {
    let frequency = RepeatFrequency::from_name(&body.frequency).ok_or_else(|| {
        ApiError::invalid(
            "repeat.frequency",
            "must be daily, weekly, monthly or yearly",
        )
    })?;
    let limit = match (body.until, body.count) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "repeat.until",
                "give an end date or a count, not both",
            ));
        }
        (Some(date), None) => RepeatLimit::Until(date),
        (None, Some(n)) => RepeatLimit::Count(n),
        (None, None) => RepeatLimit::Never,
    };
    let repeat = Repeat {
        frequency,
        interval: body.interval.unwrap_or(1),
        weekdays: body
            .weekdays
            .iter()
            .map(|d| weekday(d, "repeat.weekdays"))
            .collect::<Result<_, _>>()?,
        month_days: body.month_days.clone(),
        nth_weekday: body
            .nth_weekday
            .as_ref()
            .map(|n| Ok::<_, ApiError>((n.nth, weekday(&n.weekday, "repeat.nth_weekday")?)))
            .transpose()?,
        months: body.months.clone(),
        limit,
    };
    let tz: Tz = zone.parse().unwrap_or(Tz::UTC);
    repeat
        .to_rrule(start, all_day, tz)
        .map_err(|(field, message)| ApiError::invalid(field, message))
}

fn scope(params: &ScopeParams) -> Result<EditScope, ApiError> {
    match (params.scope.as_deref().unwrap_or("all"), params.occurrence) {
        ("all", None) => Ok(EditScope::All),
        ("all", Some(_)) => Err(ApiError::invalid(
            "occurrence",
            "only with scope=occurrence",
        )),
        ("occurrence", Some(at)) => Ok(EditScope::Occurrence(at)),
        ("occurrence", None) => Err(ApiError::invalid(
            "occurrence",
            "scope=occurrence needs the occurrence's start (RFC 3339)",
        )),
        (other, _) => Err(ApiError::invalid(
            "scope",
            format!("{other:?} is not all or occurrence"),
        )),
    }
}

fn new_input(body: &NewAppointmentBody) -> Result<AppointmentInput, ApiError> {
    let start = wall(&body.start, "start")?;
    let end = wall(&body.end, "end")?;
    let rrule = match (&body.repeat, &body.rrule) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "rrule",
                "give repeat settings or an rrule, not both",
            ));
        }
        (Some(repeat), None) => Some(repeat_rule(repeat, start, body.all_day, &body.time_zone)?),
        (None, rule) => rule.clone(),
    };
    Ok(AppointmentInput {
        calendar_id: CalendarId(body.calendar_id),
        title: body.title.clone(),
        description: body.description.clone(),
        location: body.location.clone(),
        all_day: body.all_day,
        start,
        end,
        time_zone: body.time_zone.clone(),
        rrule,
        notify_minutes_before: body.notify_minutes_before.filter(|m| *m > 0),
    })
}

// --- calendars -----------------------------------------------------------------------------

/// The calendars the caller may see.
#[utoipa::path(get, path = "/api/v1/calendars", tag = "calendars",
    responses((status = 200, body = CalendarList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_calendars<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
) -> Result<Json<CalendarList>, ApiError> {
    let items: Vec<CalendarDto> = state
        .desk()
        .calendars(auth.principal)
        .await?
        .iter()
        .map(calendar_dto)
        .collect();
    Ok(Json(CalendarList {
        total: items.len() as u64,
        items,
    }))
}

/// Creates a calendar with a new feed token (admins).
#[utoipa::path(post, path = "/api/v1/calendars", tag = "calendars", request_body = NewCalendarBody,
    responses((status = 201, body = CalendarDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_calendar<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewCalendarBody>,
) -> Result<Response, ApiError> {
    let calendar = state
        .desk()
        .create_calendar(
            auth.principal,
            NewCalendar {
                name: body.name,
                color: body.color,
                group_id: GroupId(body.group_id),
                feed_token: crate::crypto::random_hex(24),
            },
        )
        .await?;
    Ok(with_version(
        calendar_dto(&calendar),
        calendar.version,
        Some(format!("/api/v1/calendars/{}", calendar.id.0)),
    ))
}

/// One calendar.
#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "calendars",
    params(("id" = u64, Path, description = "Calendar id")),
    responses((status = 200, body = CalendarDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_calendar<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let calendar = state
        .desk()
        .calendar(auth.principal, CalendarId(id))
        .await?;
    Ok(with_version(
        calendar_dto(&calendar),
        calendar.version,
        None,
    ))
}

/// Changes a calendar (admins); `If-Match` checks the version in the same transaction.
#[utoipa::path(patch, path = "/api/v1/calendars/{id}", tag = "calendars",
    params(("id" = u64, Path, description = "Calendar id"), ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = CalendarPatch,
    responses((status = 200, body = CalendarDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_calendar<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<CalendarPatch>,
) -> Result<Response, ApiError> {
    let validity = body
        .validity
        .as_deref()
        .map(|v| {
            Validity::from_name(v)
                .ok_or_else(|| ApiError::invalid("validity", "must be valid or invalid"))
        })
        .transpose()?;
    let calendar = state
        .desk()
        .update_calendar(
            auth.principal,
            CalendarId(id),
            CalendarUpdate {
                name: body.name,
                color: body.color,
                group_id: body.group_id.map(GroupId),
                validity,
            },
            if_match(&headers)?,
        )
        .await?;
    Ok(with_version(
        calendar_dto(&calendar),
        calendar.version,
        None,
    ))
}

/// Deletes an empty calendar (admins).
#[utoipa::path(delete, path = "/api/v1/calendars/{id}", tag = "calendars",
    params(("id" = u64, Path, description = "Calendar id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_calendar<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .delete_calendar(auth.principal, CalendarId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Replaces the feed token; the old feed URL stops working (`rw` on the calendar's group).
#[utoipa::path(post, path = "/api/v1/calendars/{id}/rotate-token", tag = "calendars",
    params(("id" = u64, Path, description = "Calendar id")),
    responses((status = 200, body = CalendarDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn rotate_calendar_token<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let calendar = state
        .desk()
        .rotate_calendar_token(
            auth.principal,
            CalendarId(id),
            crate::crypto::random_hex(24),
        )
        .await?;
    Ok(with_version(
        calendar_dto(&calendar),
        calendar.version,
        None,
    ))
}

// --- appointments --------------------------------------------------------------------------

/// Every occurrence in `[from, to)` of the calendars the caller may see, sorted by start.
#[utoipa::path(get, path = "/api/v1/appointments", tag = "appointments", params(WindowParams),
    responses((status = 200, body = OccurrenceList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_occurrences<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(p): Query<WindowParams>,
) -> Result<Json<OccurrenceList>, ApiError> {
    let items: Vec<OccurrenceDto> = state
        .desk()
        .occurrences(auth.principal, p.from, p.to, p.calendar.map(CalendarId))
        .await?
        .iter()
        .map(occurrence_dto)
        .collect();
    Ok(Json(OccurrenceList {
        total: items.len() as u64,
        items,
    }))
}

/// Creates an appointment (`rw` on the calendar's group).
#[utoipa::path(post, path = "/api/v1/appointments", tag = "appointments", request_body = NewAppointmentBody,
    responses((status = 201, body = AppointmentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_appointment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewAppointmentBody>,
) -> Result<Response, ApiError> {
    let input = new_input(&body)?;
    let a = state
        .desk()
        .create_appointment(auth.principal, input)
        .await?;
    Ok(with_version(
        appointment_dto(&a),
        a.version,
        Some(format!("/api/v1/appointments/{}", a.id.0)),
    ))
}

/// One appointment row.
#[utoipa::path(get, path = "/api/v1/appointments/{id}", tag = "appointments",
    params(("id" = u64, Path, description = "Appointment id")),
    responses((status = 200, body = AppointmentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_appointment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let a = state
        .desk()
        .appointment(auth.principal, AppointmentId(id))
        .await?;
    Ok(with_version(appointment_dto(&a), a.version, None))
}

/// Changes an appointment: `scope=all` (default) changes the row (for a series every
/// occurrence); `scope=occurrence&occurrence=START` detaches that occurrence as an appointment of
/// its own and returns it.
#[utoipa::path(patch, path = "/api/v1/appointments/{id}", tag = "appointments",
    params(("id" = u64, Path, description = "Appointment id"), ScopeParams, ("If-Match" = Option<String>, Header, description = "ETag")),
    request_body = AppointmentPatch,
    responses((status = 200, body = AppointmentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_appointment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    Query(p): Query<ScopeParams>,
    headers: HeaderMap,
    Json(body): Json<AppointmentPatch>,
) -> Result<Response, ApiError> {
    let scope = scope(&p)?;
    let start = body
        .start
        .as_deref()
        .map(|s| wall(s, "start"))
        .transpose()?;
    let end = body.end.as_deref().map(|s| wall(s, "end")).transpose()?;
    let rrule = match (&body.repeat, &body.rrule) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "rrule",
                "give repeat settings or an rrule, not both",
            ));
        }
        (Some(repeat), None) => {
            let current = state
                .desk()
                .appointment(auth.principal, AppointmentId(id))
                .await?;
            let zone = body
                .time_zone
                .clone()
                .unwrap_or_else(|| current.time_zone.name().to_owned());
            Some(Some(repeat_rule(
                repeat,
                start.unwrap_or(current.start),
                body.all_day.unwrap_or(current.all_day),
                &zone,
            )?))
        }
        (None, Some(rule)) if rule.trim().is_empty() => Some(None),
        (None, Some(rule)) => Some(Some(rule.clone())),
        (None, None) => None,
    };
    let update = AppointmentUpdate {
        calendar_id: body.calendar_id.map(CalendarId),
        title: body.title,
        description: body.description,
        location: body.location,
        all_day: body.all_day,
        start,
        end,
        time_zone: body.time_zone,
        rrule,
        notify_minutes_before: body.notify_minutes_before.map(|m| (m > 0).then_some(m)),
    };
    let a = state
        .desk()
        .update_appointment(
            auth.principal,
            AppointmentId(id),
            update,
            scope,
            if_match(&headers)?,
        )
        .await?;
    Ok(with_version(appointment_dto(&a), a.version, None))
}

/// Deletes an appointment (`scope=all`: a series with its detached occurrences) or one
/// occurrence of a series (`scope=occurrence&occurrence=START`).
#[utoipa::path(delete, path = "/api/v1/appointments/{id}", tag = "appointments",
    params(("id" = u64, Path, description = "Appointment id"), ScopeParams),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_appointment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    Query(p): Query<ScopeParams>,
) -> Result<StatusCode, ApiError> {
    let scope = scope(&p)?;
    state
        .desk()
        .delete_appointment(auth.principal, AppointmentId(id), scope)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Copies an appointment (a series with its exceptions) into the same calendar.
#[utoipa::path(post, path = "/api/v1/appointments/{id}/copy", tag = "appointments",
    params(("id" = u64, Path, description = "Appointment id")),
    responses((status = 201, body = AppointmentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn copy_appointment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    let a = state
        .desk()
        .copy_appointment(auth.principal, AppointmentId(id))
        .await?;
    Ok(with_version(
        appointment_dto(&a),
        a.version,
        Some(format!("/api/v1/appointments/{}", a.id.0)),
    ))
}

/// Who changed the appointment, when and what, oldest first.
#[utoipa::path(get, path = "/api/v1/appointments/{id}/history", tag = "appointments",
    params(("id" = u64, Path, description = "Appointment id")),
    responses((status = 200, body = AppointmentHistoryList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn appointment_history<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Json<AppointmentHistoryList>, ApiError> {
    let items: Vec<AppointmentHistoryDto> = state
        .desk()
        .appointment_history(auth.principal, AppointmentId(id))
        .await?
        .iter()
        .map(history_dto)
        .collect();
    Ok(Json(AppointmentHistoryList {
        total: items.len() as u64,
        items,
    }))
}

/// The appointments linked to a ticket.
#[utoipa::path(get, path = "/api/v1/tickets/{id}/appointments", tag = "appointments",
    params(("id" = u64, Path, description = "Ticket id")),
    responses((status = 200, body = AppointmentList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn ticket_appointments<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Json<AppointmentList>, ApiError> {
    let items: Vec<AppointmentDto> = state
        .desk()
        .ticket_appointments(auth.principal, TicketId(id))
        .await?
        .iter()
        .map(appointment_dto)
        .collect();
    Ok(Json(AppointmentList {
        total: items.len() as u64,
        items,
    }))
}

/// "New Appointment" on a ticket: creates an appointment linked to the ticket.
#[utoipa::path(post, path = "/api/v1/tickets/{id}/appointments", tag = "appointments",
    params(("id" = u64, Path, description = "Ticket id")), request_body = NewAppointmentBody,
    responses((status = 201, body = AppointmentDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_ticket_appointment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    Json(body): Json<NewAppointmentBody>,
) -> Result<Response, ApiError> {
    let input = new_input(&body)?;
    let (a, _) = state
        .desk()
        .create_ticket_appointment(auth.principal, TicketId(id), input)
        .await?;
    Ok(with_version(
        appointment_dto(&a),
        a.version,
        Some(format!("/api/v1/appointments/{}", a.id.0)),
    ))
}
