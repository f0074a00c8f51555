//! Calendars over HTTP: the public iCalendar feed, checked with an independent parser.

use std::process::Command;

use axum::http::StatusCode;
use chrono::{DateTime, NaiveDateTime, Utc};
use otrs_core::Principal;
use otrs_core::desk::{AppointmentInput, AppointmentUpdate, EditScope, NewCalendar};
use otrs_core::ids::{CalendarId, GroupId};

use crate::support::{Caller, World};

fn wall(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn input(
    calendar: CalendarId,
    title: &str,
    (start, end): (&str, &str),
    zone: &str,
    rule: Option<&str>,
) -> AppointmentInput {
    AppointmentInput {
        calendar_id: calendar,
        title: title.into(),
        description: "Notes, with; special \\ characters\nand two lines".into(),
        location: "Room 1".into(),
        all_day: false,
        start: wall(start),
        end: wall(end),
        time_zone: zone.into(),
        rrule: rule.map(str::to_owned),
        notify_minutes_before: Some(10),
    }
}

/// Python's `icalendar` and `recurring-ical-events` are the independent parser; `None` (after
/// a loud skip line) when they are not installed, which `OTRS_TEST_REQUIRE_ALL=1` forbids.
fn python_expander() -> Option<()> {
    let ok = Command::new("python3")
        .args(["-c", "import icalendar, recurring_ical_events"])
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        return Some(());
    }
    let what = "otrs-http iCalendar feed against Python icalendar + recurring-ical-events (pip install icalendar recurring-ical-events)";
    assert!(
        !std::env::var("OTRS_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1"),
        "{what} cannot run, and OTRS_TEST_REQUIRE_ALL=1 forbids skipping"
    );
    eprintln!("!!!! SKIPPED {what} !!!!");
    if let Ok(log) = std::env::var("OTRS_TEST_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
        {
            let _ = writeln!(file, "{what}");
        }
    }
    None
}

const EXPAND: &str = r#"
import datetime, sys, icalendar, recurring_ical_events
cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())
start = datetime.datetime.fromisoformat(sys.argv[2])
end = datetime.datetime.fromisoformat(sys.argv[3])
for event in recurring_ical_events.of(cal).between(start, end):
    at = event['DTSTART'].dt
    if isinstance(at, datetime.datetime):
        text = at.astimezone(datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    else:
        text = 'date:' + at.isoformat()
    print(text + ' ' + str(event['SUMMARY']))
"#;

#[tokio::test]
async fn the_feed_expands_in_an_independent_parser_exactly_as_in_the_desk() {
    let w = World::new().await;
    let admin = Principal::Agent(w.admin);
    let calendar = w
        .desk
        .create_calendar(
            admin,
            NewCalendar {
                name: "Team".into(),
                color: "#3A87AD".into(),
                group_id: GroupId::USERS,
                feed_token: otrs_http::crypto::random_hex(24),
            },
        )
        .await
        .unwrap();
    let id = calendar.id;
    // Weekly across the DST change, one occurrence detached (moved, renamed), one deleted.
    let weekly = w
        .desk
        .create_appointment(
            admin,
            input(
                id,
                "Weekly",
                ("2026-03-16T09:00", "2026-03-16T10:00"),
                "Europe/Budapest",
                Some("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10"),
            ),
        )
        .await
        .unwrap();
    w.desk
        .update_appointment(
            admin,
            weekly.id,
            AppointmentUpdate {
                title: Some("Moved".into()),
                start: Some(wall("2026-03-30T13:00")),
                end: Some(wall("2026-03-30T14:00")),
                ..Default::default()
            },
            EditScope::Occurrence(utc("2026-03-30T07:00:00Z")),
            None,
        )
        .await
        .unwrap();
    w.desk
        .delete_appointment(
            admin,
            weekly.id,
            EditScope::Occurrence(utc("2026-04-02T07:00:00Z")),
        )
        .await
        .unwrap();
    // Unbounded, at 01:30 New York time across the fall-back night (an ambiguous time).
    w.desk
        .create_appointment(
            admin,
            input(
                id,
                "Night shift",
                ("2026-10-28T01:30", "2026-10-28T02:00"),
                "America/New_York",
                Some("FREQ=DAILY"),
            ),
        )
        .await
        .unwrap();
    // Monthly on the 31st (skipping shorter months), until a date.
    w.desk
        .create_appointment(
            admin,
            input(
                id,
                "Month end",
                ("2026-01-31T16:00", "2026-01-31T17:00"),
                "Asia/Kolkata",
                Some("FREQ=MONTHLY;BYMONTHDAY=31;UNTIL=20260901T000000Z"),
            ),
        )
        .await
        .unwrap();
    let mut holiday = input(
        id,
        "Holiday",
        ("2026-07-06T00:00", "2026-07-08T00:00"),
        "Europe/Budapest",
        Some("FREQ=YEARLY;COUNT=2"),
    );
    holiday.all_day = true;
    w.desk.create_appointment(admin, holiday).await.unwrap();
    w.desk
        .create_appointment(
            admin,
            input(
                id,
                "Once",
                ("2026-05-05T12:00", "2026-05-05T12:30"),
                "UTC",
                None,
            ),
        )
        .await
        .unwrap();

    let feed = w
        .get(
            &format!("/calendars/feed/{}.ics", calendar.feed_token),
            &Caller::anonymous(),
        )
        .await;
    assert_eq!(feed.status, StatusCode::OK, "{}", feed.text());
    assert_eq!(feed.header("content-type"), "text/calendar; charset=utf-8");
    let text = feed.text();
    assert!(
        text.contains("RECURRENCE-ID;TZID=Europe/Budapest:20260330T090000"),
        "{text}"
    );
    assert!(
        text.contains("EXDATE;TZID=Europe/Budapest:20260402T090000"),
        "{text}"
    );

    let (from, to) = (utc("2026-03-01T00:00:00Z"), utc("2026-11-08T00:00:00Z"));
    let mut ours: Vec<String> = w
        .desk
        .occurrences(admin, from, to, Some(id))
        .await
        .unwrap()
        .into_iter()
        .map(|o| {
            let a = &o.appointment;
            let at = if a.all_day {
                format!("date:{}", o.start.with_timezone(&a.time_zone).date_naive())
            } else {
                o.start.format("%Y-%m-%dT%H:%M:%SZ").to_string()
            };
            format!("{at} {}", a.title)
        })
        .collect();
    ours.sort();
    assert!(ours.len() > 20, "{ours:?}");
    assert!(
        ours.contains(&"2026-03-30T11:00:00Z Moved".to_owned()),
        "{ours:?}"
    );
    assert!(
        ours.contains(&"2026-11-01T05:30:00Z Night shift".to_owned()),
        "the earlier 01:30: {ours:?}"
    );

    let Some(()) = python_expander() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("team.ics");
    std::fs::write(&path, feed.body.as_ref()).unwrap();
    let out = Command::new("python3")
        .args(["-c", EXPAND])
        .arg(&path)
        .arg(from.to_rfc3339())
        .arg(to.to_rfc3339())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut theirs: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    theirs.sort();
    assert_eq!(theirs, ours);
}

#[tokio::test]
async fn rotating_the_token_retires_the_old_url() {
    let w = World::new().await;
    let admin = Principal::Agent(w.admin);
    let calendar = w
        .desk
        .create_calendar(
            admin,
            NewCalendar {
                name: "Team".into(),
                color: "#3A87AD".into(),
                group_id: GroupId::USERS,
                feed_token: otrs_http::crypto::random_hex(24),
            },
        )
        .await
        .unwrap();
    let old = format!("/calendars/feed/{}.ics", calendar.feed_token);
    assert_eq!(
        w.get(&old, &Caller::anonymous()).await.status,
        StatusCode::OK
    );
    let rotated = w
        .desk
        .rotate_calendar_token(admin, calendar.id, otrs_http::crypto::random_hex(24))
        .await
        .unwrap();
    w.get(&old, &Caller::anonymous()).await.problem("not-found");
    let new = format!("/calendars/feed/{}.ics", rotated.feed_token);
    assert_eq!(
        w.get(&new, &Caller::anonymous()).await.status,
        StatusCode::OK
    );
    // Without the suffix, or with a token that was never issued: not found either.
    w.get(
        &format!("/calendars/feed/{}", rotated.feed_token),
        &Caller::anonymous(),
    )
    .await
    .problem("not-found");
    w.get("/calendars/feed/nope.ics", &Caller::anonymous())
        .await
        .problem("not-found");
}
