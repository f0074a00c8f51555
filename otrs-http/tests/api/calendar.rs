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

    // Every TZID has a VTIMEZONE, and the zone Python builds from that component alone (not
    // from its own database) gives the same UTC offsets as the IANA database all through the
    // window, every hour.
    let out = Command::new("python3")
        .args(["-c", ZONES])
        .arg(&path)
        .arg(from.to_rfc3339())
        .arg(to.to_rfc3339())
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{printed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        printed.trim(),
        "zones America/New_York Asia/Kolkata Europe/Budapest UTC",
        "{printed}"
    );
}

const ZONES: &str = r#"
import datetime, re, sys, icalendar, zoneinfo
raw = open(sys.argv[1], 'rb').read()
cal = icalendar.Calendar.from_ical(raw)
used = set(re.findall(r';TZID=([^:;]+)', raw.decode()))
defined = {str(c['TZID']): c.to_tz(lookup_tzid=False) for c in cal.walk('VTIMEZONE')}
missing = used - set(defined)
assert not missing, 'no VTIMEZONE for %s' % missing
start = datetime.datetime.fromisoformat(sys.argv[2])
end = datetime.datetime.fromisoformat(sys.argv[3])
for name in sorted(used):
    ours, ref = defined[name], zoneinfo.ZoneInfo(name)
    at = start
    while at < end:
        a, b = at.astimezone(ours).utcoffset(), at.astimezone(ref).utcoffset()
        assert a == b, '%s at %s: VTIMEZONE %s, IANA %s' % (name, at, a, b)
        at += datetime.timedelta(hours=1)
print('zones ' + ' '.join(sorted(used)))
"#;

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

#[tokio::test]
async fn calendars_and_appointments_over_the_api_with_permissions() {
    use axum::http::Method;
    use serde_json::json;

    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let dave = w.session(Principal::Agent(w.dave)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let mallory = w.session(Principal::Customer(w.mallory)).await;
    let body = json!({"name": "Team", "color": "#3a87ad", "group_id": GroupId::USERS.0});

    // Only admins create calendars; the server makes the feed token.
    w.call(
        Method::POST,
        "/api/v1/calendars",
        &alice,
        Some(body.clone()),
    )
    .await
    .problem("permission-denied");
    let created = w
        .call(Method::POST, "/api/v1/calendars", &admin, Some(body))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let calendar = created.json();
    let id = calendar["id"].as_u64().unwrap();
    assert_eq!(calendar["color"], "#3A87AD");
    assert!(calendar["feed_url"].as_str().unwrap().ends_with(".ics"));
    let bad = w
        .call(
            Method::POST,
            "/api/v1/calendars",
            &admin,
            Some(json!({"name": "", "color": "red", "group_id": 999})),
        )
        .await
        .problem("validation");
    assert_eq!(bad["errors"].as_array().unwrap().len(), 3, "{bad}");

    // Seeing needs ro on the group; customers see nothing.
    assert_eq!(w.get("/api/v1/calendars", &erin).await.json()["total"], 1);
    assert_eq!(w.get("/api/v1/calendars", &dave).await.json()["total"], 0);
    assert_eq!(
        w.get("/api/v1/calendars", &mallory).await.json()["total"],
        0
    );
    w.get(&format!("/api/v1/calendars/{id}"), &dave)
        .await
        .problem("not-found");

    // A repeating appointment from the editor's settings: Mon/Thu 09:00 Budapest, 6 times.
    let new = json!({
        "calendar_id": id, "title": "Standup", "start": "2026-03-16T09:00", "end": "2026-03-16T09:15",
        "time_zone": "Europe/Budapest", "location": "Andrássy út 1, Budapest",
        "repeat": {"frequency": "weekly", "weekdays": ["MO", "TH"], "count": 6},
        "notify_minutes_before": 15
    });
    w.call(
        Method::POST,
        "/api/v1/appointments",
        &dave,
        Some(new.clone()),
    )
    .await
    .problem("not-found");
    let made = w
        .call(Method::POST, "/api/v1/appointments", &erin, Some(new))
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let series = made.json();
    let sid = series["id"].as_u64().unwrap();
    assert_eq!(series["rrule"], "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=6");
    assert!(
        series["map_url"]
            .as_str()
            .unwrap()
            .starts_with("https://www.openstreetmap.org/search?query=Andr%C3%A1ss")
    );
    let window = "/api/v1/appointments?from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z";
    let list = w.get(window, &erin).await.json();
    assert_eq!(list["total"], 6, "{list}");
    assert_eq!(list["items"][3]["local_start"], "2026-03-26T09:00:00+01:00");
    assert_eq!(list["items"][4]["local_start"], "2026-03-30T09:00:00+02:00");
    assert_eq!(w.get(window, &dave).await.json()["total"], 0);

    // Just this occurrence, then all occurrences.
    let one = w
        .call(
            Method::PATCH,
            &format!("/api/v1/appointments/{sid}?scope=occurrence&occurrence=2026-03-19T08:00:00Z"),
            &erin,
            Some(json!({"title": "Standup (moved)", "start": "2026-03-19T10:00", "end": "2026-03-19T10:15"})),
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text());
    assert_eq!(one.json()["parent_id"], sid);
    assert_eq!(one.json()["recurrence_id"], "2026-03-19T09:00:00");
    w.call(
        Method::PATCH,
        &format!("/api/v1/appointments/{sid}"),
        &erin,
        Some(json!({"title": "Daily standup"})),
    )
    .await;
    let titles: Vec<String> = w.get(window, &erin).await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(titles[1], "Standup (moved)");
    assert_eq!(titles.iter().filter(|t| *t == "Daily standup").count(), 5);

    // Bad scope and bad input change nothing.
    w.call(
        Method::DELETE,
        &format!("/api/v1/appointments/{sid}?scope=occurrence"),
        &erin,
        None,
    )
    .await
    .problem("validation");
    let invalid = w
        .call(
            Method::PATCH,
            &format!("/api/v1/appointments/{sid}"),
            &erin,
            Some(json!({"end": "2026-03-16T08:00", "time_zone": "Nowhere/City"})),
        )
        .await
        .problem("validation");
    assert_eq!(invalid["errors"].as_array().unwrap().len(), 2, "{invalid}");
    // Delete one occurrence; the series has 5 left.
    let gone = w
        .call(
            Method::DELETE,
            &format!("/api/v1/appointments/{sid}?scope=occurrence&occurrence=2026-03-23T08:00:00Z"),
            &erin,
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.text());
    assert_eq!(w.get(window, &erin).await.json()["total"], 5);
    let history = w
        .get(&format!("/api/v1/appointments/{sid}/history"), &erin)
        .await
        .json();
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "Created",
            "OccurrenceDetached",
            "Updated",
            "OccurrenceDeleted"
        ]
    );

    // Copy, and New Appointment on a ticket.
    let copy = w
        .call(
            Method::POST,
            &format!("/api/v1/appointments/{sid}/copy"),
            &erin,
            None,
        )
        .await;
    assert_eq!(copy.status, StatusCode::CREATED, "{}", copy.text());
    let ticket_path = format!("/api/v1/tickets/{}/appointments", w.ticket.0);
    let linked = w
        .call(
            Method::POST,
            &ticket_path,
            &alice,
            Some(json!({"calendar_id": id, "title": "On site", "start": "2026-04-01", "end": "2026-04-01", "all_day": true, "time_zone": "UTC"})),
        )
        .await;
    assert_eq!(linked.status, StatusCode::CREATED, "{}", linked.text());
    assert_eq!(linked.json()["end"], "2026-04-01");
    assert_eq!(w.get(&ticket_path, &alice).await.json()["total"], 1);
    w.get(&ticket_path, &mallory).await.problem("not-found");

    // Rotating the token (rw on the group) retires the old feed URL; delete is for admins.
    let old_feed = calendar["feed_url"].as_str().unwrap().to_owned();
    let rotated = w
        .call(
            Method::POST,
            &format!("/api/v1/calendars/{id}/rotate-token"),
            &erin,
            None,
        )
        .await
        .json();
    assert_ne!(rotated["feed_url"], old_feed);
    w.get(&old_feed, &Caller::anonymous())
        .await
        .problem("not-found");
    w.call(
        Method::DELETE,
        &format!("/api/v1/calendars/{id}"),
        &erin,
        None,
    )
    .await
    .problem("permission-denied");
    w.call(
        Method::DELETE,
        &format!("/api/v1/calendars/{id}"),
        &admin,
        None,
    )
    .await
    .problem("not-allowed");
}
