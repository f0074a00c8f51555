//! The public iCalendar feed of a calendar: `GET /calendars/feed/{token}.ics`.
//!
//! The secret token in the URL is the only credential (rotating it revokes the URL). The feed
//! is RFC 5545: one `VEVENT` per single appointment and per series (with `RRULE` and `EXDATE`
//! for deleted occurrences), and one `VEVENT` per detached occurrence with the series' `UID` and
//! a `RECURRENCE-ID` naming the occurrence it replaces. Times are local times with `TZID` (IANA
//! names), so that repeating appointments keep their wall-clock time across DST changes.
//! Writing, escaping and line folding are the `icalendar` crate's. Every zone named by a `TZID`
//! gets a `VTIMEZONE` component (which that crate does not write) built from the time-zone
//! database's transitions for the years the appointments cover, so that clients without the
//! IANA database read the same times.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike as _, NaiveDateTime, Utc};
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
    with_time_zones(&calendar.done().to_string(), &vtimezones(feed))
}

/// How many years after its first start (or its last change) an endless series' zone is
/// described.
const OPEN_SERIES_YEARS: i32 = 10;
/// The most years one `VTIMEZONE` describes.
const MAX_ZONE_YEARS: i32 = 60;

/// The `VTIMEZONE` components of every zone a `TZID` of the feed names, in name order.
fn vtimezones(feed: &CalendarFeed) -> String {
    let mut years: BTreeMap<&str, (Tz, i32, i32)> = BTreeMap::new();
    for a in feed.appointments.iter().filter(|a| !a.all_day) {
        // From the year before the first wall-clock start: a start early on 1 January may be
        // an instant of the year before.
        let first = a
            .start
            .year()
            .min(a.recurrence_id.map_or(i32::MAX, |r| r.year()))
            - 1;
        let last = a
            .last_end_utc
            .map_or_else(
                || first.max(a.changed_at.year()) + OPEN_SERIES_YEARS,
                |end| end.year(),
            )
            .max(a.end.year());
        let entry = years
            .entry(a.time_zone.name())
            .or_insert((a.time_zone, first, last));
        entry.1 = entry.1.min(first);
        entry.2 = entry.2.max(last);
    }
    years
        .values()
        .map(|(tz, from, to)| vtimezone(*tz, *from, (*to).min(from + MAX_ZONE_YEARS)))
        .collect()
}

/// Puts the `VTIMEZONE` components before the first event (after the calendar's properties).
fn with_time_zones(calendar: &str, zones: &str) -> String {
    let at = calendar
        .find("BEGIN:VEVENT\r\n")
        .or_else(|| calendar.find("END:VCALENDAR"))
        .unwrap_or(calendar.len());
    let mut out = String::with_capacity(calendar.len() + zones.len());
    out.push_str(&calendar[..at]);
    out.push_str(zones);
    out.push_str(&calendar[at..]);
    out
}

/// `+HHMM` (or `+HHMMSS`) for an offset in seconds.
fn utc_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, rest) = (s / 3600, s / 60 % 60, s % 60);
    if rest == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{rest:02}")
    }
}

/// The offset in force at an instant: total seconds, whether it is daylight saving time, and
/// its abbreviation.
fn offset_at(tz: Tz, at: DateTime<Utc>) -> (i32, bool, String) {
    use chrono::Offset as _;
    use chrono::TimeZone as _;
    use chrono_tz::{OffsetComponents as _, OffsetName as _};
    let offset = tz.offset_from_utc_datetime(&at.naive_utc());
    let total = offset.fix().local_minus_utc();
    let dst = !offset.dst_offset().is_zero();
    let name = offset
        .abbreviation()
        .map_or_else(|| utc_offset(total), str::to_owned);
    (total, dst, name)
}

/// One observance: from the local time `onset` (in the offset before it) on, `to` is in force.
fn observance(out: &mut String, onset: NaiveDateTime, from: i32, to: &(i32, bool, String)) {
    let kind = if to.1 { "DAYLIGHT" } else { "STANDARD" };
    // A name is TEXT: escape what RFC 5545 reserves (abbreviations hardly ever have any).
    let name =
        to.2.replace('\\', "\\\\")
            .replace(';', "\\;")
            .replace(',', "\\,");
    out.push_str(&format!(
        "BEGIN:{kind}\r\nDTSTART:{}\r\nTZOFFSETFROM:{}\r\nTZOFFSETTO:{}\r\nTZNAME:{name}\r\nEND:{kind}\r\n",
        local(onset),
        utc_offset(from),
        utc_offset(to.0),
    ));
}

/// A `VTIMEZONE` for `tz` from 1 January of `from_year` to the end of `to_year`: the offset in
/// force at the start, then every transition, each as its own observance (found by stepping
/// through the days and narrowing each change down to the second).
pub fn vtimezone(tz: Tz, from_year: i32, to_year: i32) -> String {
    use chrono::TimeZone as _;
    let Some(start) = Utc.with_ymd_and_hms(from_year, 1, 1, 0, 0, 0).single() else {
        return String::new();
    };
    let end = Utc
        .with_ymd_and_hms(to_year.max(from_year) + 1, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or(start);
    let mut out = format!("BEGIN:VTIMEZONE\r\nTZID:{}\r\n", tz.name());
    let mut current = offset_at(tz, start);
    observance(
        &mut out,
        start.naive_utc() + chrono::Duration::seconds(i64::from(current.0)),
        current.0,
        &current,
    );
    let mut at = start;
    while at < end {
        let next = at + chrono::Duration::days(1);
        if offset_at(tz, next) != current {
            // The first second in (at, next] with another offset.
            let (mut lo, mut hi) = (at, next);
            while (hi - lo).num_seconds() > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let new = offset_at(tz, hi);
            let onset = hi.naive_utc() + chrono::Duration::seconds(i64::from(current.0));
            observance(&mut out, onset, current.0, &new);
            current = new;
            // Two changes within one day are rare but possible: look again from here.
            at = hi;
            continue;
        }
        at = next;
    }
    out.push_str("END:VTIMEZONE\r\n");
    out
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
        // Every zone named gets its VTIMEZONE, before the events.
        for zone in ["Europe/Budapest", "UTC"] {
            let at = text.find(&format!("BEGIN:VTIMEZONE\r\nTZID:{zone}\r\n"));
            assert!(
                at.is_some_and(|at| at < text.find("BEGIN:VEVENT").unwrap()),
                "{zone}: {text}"
            );
        }
        assert!(
            text.contains("BEGIN:DAYLIGHT\r\nDTSTART:20260329T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\nEND:DAYLIGHT\r\n"),
            "{text}"
        );
        assert!(
            text.contains("BEGIN:STANDARD\r\nDTSTART:20261025T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\nEND:STANDARD\r\n"),
            "{text}"
        );
    }

    #[test]
    fn zones_without_changes_have_one_observance() {
        let text = vtimezone("Asia/Kolkata".parse().unwrap(), 2026, 2027);
        assert_eq!(
            text,
            "BEGIN:VTIMEZONE\r\nTZID:Asia/Kolkata\r\nBEGIN:STANDARD\r\nDTSTART:20260101T053000\r\nTZOFFSETFROM:+0530\r\nTZOFFSETTO:+0530\r\nTZNAME:IST\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
        );
        let ny = vtimezone("America/New_York".parse().unwrap(), 2026, 2026);
        assert_eq!(ny.matches("BEGIN:DAYLIGHT").count(), 1);
        assert_eq!(
            ny.matches("BEGIN:STANDARD").count(),
            2,
            "the start and November"
        );
        assert!(ny.contains("DTSTART:20261101T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500"));
    }
}
