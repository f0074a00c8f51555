//! The public iCalendar feed of a calendar: `GET /calendars/feed/{token}.ics`.
//!
//! The secret token in the URL is the only credential (rotating it revokes the URL). The feed
//! is RFC 5545: one `VEVENT` per single appointment and per series (with `RRULE` and `EXDATE`
//! for deleted occurrences), and one `VEVENT` per detached occurrence with the series' `UID` and
//! a `RECURRENCE-ID` naming the occurrence it replaces. Times are local times with `TZID` (IANA
//! names), so that repeating appointments keep their wall-clock time across DST changes.
//! Writing, escaping and line folding are the `icalendar` crate's.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{NaiveDateTime, Utc};
use chrono_tz::Tz;
use icalendar::{Component, EventLike, Property};
use otrs_core::desk::CalendarFeed;
use otrs_core::ids::AppointmentId;
use otrs_core::model::Appointment;
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::state::AppState;

/// The feed's route (public: the token is the credential).
pub(crate) fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new().route("/calendars/feed/{file}", get(feed::<S>))
}

async fn feed<S: Store>(
    State(state): State<AppState<S>>,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let not_found = || ApiError::from(otrs_core::DeskError::not_found("calendar feed", "(token)"));
    let token = file.strip_suffix(".ics").ok_or_else(not_found)?;
    let feed = state.desk().calendar_feed(token).await?;
    let body = render(&feed);
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        body,
    )
        .into_response())
}

fn local(at: NaiveDateTime) -> String {
    at.format("%Y%m%dT%H%M%S").to_string()
}

fn date(at: NaiveDateTime) -> String {
    at.format("%Y%m%d").to_string()
}

/// A date-time property: a date for all-day rows, else a local time with its `TZID`.
fn when(name: &str, at: NaiveDateTime, all_day: bool, tz: Tz) -> Property {
    if all_day {
        Property::new(name, date(at))
            .add_parameter("VALUE", "DATE")
            .done()
    } else {
        Property::new(name, local(at))
            .add_parameter("TZID", tz.name())
            .done()
    }
}

/// Renders a calendar's feed as an iCalendar document.
pub fn render(feed: &CalendarFeed) -> String {
    let by_id: BTreeMap<AppointmentId, &Appointment> =
        feed.appointments.iter().map(|a| (a.id, a)).collect();
    let mut calendar = icalendar::Calendar::new();
    calendar.name(&feed.calendar.name);
    calendar.append_property(Property::new(
        "X-APPLE-CALENDAR-COLOR",
        &feed.calendar.color,
    ));
    for a in &feed.appointments {
        let mut event = icalendar::Event::new();
        event
            .uid(&a.uid)
            .timestamp(a.changed_at.with_timezone(&Utc))
            .summary(&a.title)
            .sequence(u32::try_from(a.version.saturating_sub(1)).unwrap_or(u32::MAX));
        if !a.description.is_empty() {
            event.description(&a.description);
        }
        if !a.location.is_empty() {
            event.location(&a.location);
        }
        event.append_property(when("DTSTART", a.start, a.all_day, a.time_zone));
        event.append_property(when("DTEND", a.end, a.all_day, a.time_zone));
        if let Some(rule) = &a.rrule {
            event.append_property(Property::new("RRULE", rule));
            if !a.exdates.is_empty() {
                let list: Vec<String> = a
                    .exdates
                    .iter()
                    .map(|w| if a.all_day { date(*w) } else { local(*w) })
                    .collect();
                let mut exdate = Property::new("EXDATE", list.join(","));
                if a.all_day {
                    exdate.add_parameter("VALUE", "DATE");
                } else {
                    exdate.add_parameter("TZID", a.time_zone.name());
                }
                event.append_multi_property(exdate);
            }
        }
        if let (Some(parent), Some(original)) = (a.parent_id, a.recurrence_id) {
            // The occurrence it replaces, named in the series' own zone and kind.
            let (all_day, tz) = by_id
                .get(&parent)
                .map_or((a.all_day, a.time_zone), |p| (p.all_day, p.time_zone));
            event.append_property(when("RECURRENCE-ID", original, all_day, tz));
        }
        if let Some(minutes) = a.notify_minutes_before {
            let mut alarm =
                icalendar::Alarm::display(&a.title, -chrono::Duration::minutes(i64::from(minutes)));
            // Stable values instead of the crate's random UID and current time, so that the
            // feed only changes when the appointment does.
            alarm
                .add_property("UID", format!("{}-alarm", a.uid))
                .timestamp(a.changed_at.with_timezone(&Utc));
            event.alarm(alarm.done());
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use otrs_core::ids::{CalendarId, GroupId};
    use otrs_core::model::{Calendar, Principal, Validity};

    use super::*;

    fn wall(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
    }

    #[test]
    fn series_exceptions_and_text_are_written_per_rfc_5545() {
        let now = chrono::DateTime::UNIX_EPOCH;
        let series = Appointment {
            id: AppointmentId(1),
            calendar_id: CalendarId(1),
            uid: "u-1@otrs-10".into(),
            title: "Review; weekly, with a long title that needs folding at seventy-five octets"
                .into(),
            description: "line one\nline two".into(),
            location: String::new(),
            all_day: false,
            start: wall("2026-03-16T09:00"),
            end: wall("2026-03-16T10:00"),
            time_zone: "Europe/Budapest".parse().unwrap(),
            rrule: Some("FREQ=WEEKLY;COUNT=5".into()),
            exdates: vec![wall("2026-04-06T09:00")],
            parent_id: None,
            recurrence_id: None,
            notify_minutes_before: Some(15),
            first_start_utc: now,
            last_end_utc: None,
            created_at: now,
            created_by: Principal::SYSTEM,
            changed_at: now,
            changed_by: Principal::SYSTEM,
            version: 3,
        };
        let detached = Appointment {
            id: AppointmentId(2),
            rrule: None,
            exdates: Vec::new(),
            parent_id: Some(series.id),
            recurrence_id: Some(wall("2026-03-30T09:00")),
            start: wall("2026-03-30T11:00"),
            end: wall("2026-03-30T12:00"),
            time_zone: "UTC".parse().unwrap(),
            notify_minutes_before: None,
            ..series.clone()
        };
        let feed = CalendarFeed {
            calendar: Calendar {
                id: CalendarId(1),
                name: "Team".into(),
                color: "#3A87AD".into(),
                group_id: GroupId::USERS,
                validity: Validity::Valid,
                feed_token: String::new(),
                created_at: now,
                changed_at: now,
                changed_by: Principal::SYSTEM,
                version: 1,
            },
            appointments: vec![series, detached],
        };
        let text = render(&feed);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        for line in [
            "DTSTART;TZID=Europe/Budapest:20260316T090000\r\n",
            "RRULE:FREQ=WEEKLY;COUNT=5\r\n",
            "EXDATE;TZID=Europe/Budapest:20260406T090000\r\n",
            "SEQUENCE:2\r\n",
            "DESCRIPTION:line one\\nline two\r\n",
            // The replaced occurrence is named in the series' zone, not the exception's.
            "RECURRENCE-ID;TZID=Europe/Budapest:20260330T090000\r\n",
            "DTSTART;TZID=UTC:20260330T110000\r\n",
            "TRIGGER:-PT900S\r\n",
            "UID:u-1@otrs-10-alarm\r\n",
        ] {
            assert!(text.contains(line), "{line:?} missing in\n{text}");
        }
        assert!(text.contains("SUMMARY:Review\\; weekly\\, with"), "{text}");
        assert!(text.lines().all(|l| l.len() <= 75), "folded: {text}");
        assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    }
}
