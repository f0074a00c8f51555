//! The Calendar Overview and the appointment editor over HTTP: the views, the calendars
//! sidebar's show/hide preference, field errors in place with nothing changed, moving by drag
//! and drop (the script's endpoint), copy, deleting one occurrence after the confirmation, the
//! dashboard widgets, and the permission boundaries.

use axum::body::Body;
use axum::http::{Method, Request, header};
use chrono::{DateTime, NaiveDateTime, Utc};
use otrs_core::Principal;
use otrs_core::desk::{AppointmentInput, EditScope};

use crate::support::{Caller, Resp, World};

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn wall(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
}

/// A form post with the caller's session and CSRF token.
pub(crate) async fn submit(w: &World, path: &str, caller: &Caller, pairs: &[(&str, &str)]) -> Resp {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("csrf_token", caller.csrf.as_deref().unwrap());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, caller.cookie.as_deref().unwrap())
        .body(Body::from(out.finish()))
        .unwrap();
    w.send(request).await
}

async fn page(w: &World, path: &str, caller: &Caller) -> Resp {
    let request = Request::builder()
        .uri(path)
        .header(header::COOKIE, caller.cookie.as_deref().unwrap())
        .body(Body::empty())
        .unwrap();
    w.send(request).await
}

/// A weekly series of five in the World's calendar, Tuesdays 09:00 UTC from 3 March 2026.
async fn weekly(w: &World) -> otrs_core::model::Appointment {
    w.desk
        .create_appointment(
            Principal::Agent(w.alice),
            AppointmentInput {
                calendar_id: w.calendar,
                title: "Sync <b>".into(),
                description: String::new(),
                location: String::new(),
                all_day: false,
                start: wall("2026-03-03T09:00"),
                end: wall("2026-03-03T10:00"),
                time_zone: "UTC".into(),
                rrule: Some("FREQ=WEEKLY;COUNT=5".into()),
                notify_minutes_before: None,
            },
        )
        .await
        .unwrap()
}

async fn starts(w: &World) -> Vec<String> {
    w.desk
        .occurrences(
            Principal::Agent(w.alice),
            utc("2026-03-01T00:00:00Z"),
            utc("2026-05-01T00:00:00Z"),
            Some(w.calendar),
        )
        .await
        .unwrap()
        .iter()
        .map(|o| format!("{} {}", o.start.format("%m-%dT%H:%M"), o.appointment.title))
        .collect()
}

#[tokio::test]
async fn every_view_shows_the_window_escaped_and_the_sidebar_hides_calendars() {
    let w = World::new().await;
    weekly(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    for (view, needle) in [
        ("month", "March 2026"),
        ("week", "2 March – 8 March 2026 #10"),
        ("day", "Tuesday, 3 March 2026"),
        ("agenda", "Tuesday"),
    ] {
        let r = page(
            &w,
            &format!("/agent/calendar?view={view}&date=2026-03-03"),
            &alice,
        )
        .await;
        assert_eq!(r.status, 200, "{view}");
        let html = r.text();
        assert!(html.contains(needle), "{view}: {needle}");
        assert!(
            html.contains("Sync &lt;b&gt;") && !html.contains("Sync <b>"),
            "{view}"
        );
        assert!(
            html.contains("repeats every week; 5 times"),
            "{view}: the tooltip"
        );
    }
    let week = page(&w, "/agent/calendar?view=week&date=2026-03-03", &alice)
        .await
        .text();
    assert!(
        week.contains("data-start=\"2026-03-03T09:00\""),
        "a timeline slot"
    );
    // Previous and next.
    let month = page(&w, "/agent/calendar?view=month&date=2026-03-15", &alice)
        .await
        .text();
    assert!(month.contains("date=2026-02-01") && month.contains("date=2026-04-01"));

    // Hide the calendar: its appointments leave every view, the preference stays.
    let r = submit(
        &w,
        "/agent/calendar/visibility",
        &alice,
        &[
            ("listed", &w.calendar.0.to_string()),
            ("view", "week"),
            ("date", "2026-03-03"),
        ],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        "/agent/calendar?view=week&date=2026-03-03"
    );
    let stored = w.desk.agent(Principal::SYSTEM, w.alice).await.unwrap();
    assert_eq!(
        stored.preferences["ui.calendar.hidden"],
        format!("[{}]", w.calendar.0)
    );
    let html = page(&w, "/agent/calendar?view=week&date=2026-03-03", &alice)
        .await
        .text();
    assert!(!html.contains("Sync &lt;b&gt;"));
    assert!(html.contains("Support rota"), "still listed, unticked");
    let id = w.calendar.0.to_string();
    submit(
        &w,
        "/agent/calendar/visibility",
        &alice,
        &[("listed", &id), ("show", &id)],
    )
    .await;
    let html = page(&w, "/agent/calendar?view=week&date=2026-03-03", &alice)
        .await
        .text();
    assert!(html.contains("Sync &lt;b&gt;"));
    // The filter box works without script too.
    let html = page(&w, "/agent/calendar?filter=nomatch", &alice)
        .await
        .text();
    assert!(html.contains("data-name=\"support rota\" hidden"));

    // Dave sees no calendar at all.
    let dave = w.session(Principal::Agent(w.dave)).await;
    let html = page(&w, "/agent/calendar?view=week&date=2026-03-03", &dave)
        .await
        .text();
    assert!(html.contains("No calendars found") && !html.contains("Sync"));
}

#[tokio::test]
async fn the_editor_shows_field_errors_in_place_and_changes_nothing() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let before = starts(&w).await;
    let cal = w.calendar.0.to_string();
    let base = [
        ("calendar", cal.as_str()),
        ("title", "Review"),
        ("start", "2026-03-05T10:00"),
        ("end", "2026-03-05T11:00"),
        ("time_zone", "Europe/Berlin"),
        ("repeat", "never"),
    ];
    for (change, field, message) in [
        (("title", ""), "title", "err-title"),
        (
            ("end", "2026-03-05T09:00"),
            "end",
            "must be after the start",
        ),
        (("start", "soon"), "start", "is not a date and time"),
        (
            ("time_zone", "Mars/Base"),
            "time_zone",
            "not a known IANA time zone",
        ),
        (("repeat", "custom"), "month_day", "err-month_day"),
    ] {
        let mut pairs: Vec<(&str, &str)> = base
            .iter()
            .filter(|(k, _)| *k != change.0)
            .copied()
            .collect();
        pairs.push(change);
        if change == ("repeat", "custom") {
            pairs.extend([
                ("custom_frequency", "monthly"),
                ("monthly_mode", "days"),
                ("month_day", "40"),
            ]);
        }
        let r = submit(&w, "/agent/calendar/appointments/new", &alice, &pairs).await;
        assert_eq!(r.status, 422, "{field}");
        let html = r.text();
        assert!(
            html.contains(&format!("id=\"err-{field}\"")),
            "{field}: {html}"
        );
        assert!(html.contains(message), "{field}: {message}");
        assert!(
            html.contains("value=\"Review\"") || field == "title",
            "values are kept"
        );
    }
    assert_eq!(starts(&w).await, before, "nothing was created");

    // A good one: custom, every 2 weeks on Monday and Thursday, until a date.
    let r = submit(
        &w,
        "/agent/calendar/appointments/new",
        &alice,
        &[
            ("calendar", &cal),
            ("title", "Review"),
            ("start", "2026-03-05T10:00"),
            ("end", "2026-03-05T11:00"),
            ("time_zone", "UTC"),
            ("repeat", "custom"),
            ("custom_frequency", "weekly"),
            ("interval", "2"),
            ("weekday", "MO"),
            ("weekday", "TH"),
            ("limit", "until"),
            ("until", "2026-03-20"),
            ("notify", "custom"),
            ("notify_custom", "45"),
            ("tickets", "nonexistent-number"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "an unknown ticket number is a field error");
    assert!(r.text().contains("id=\"err-tickets\""));
    assert_eq!(starts(&w).await, before);
    let number = w
        .desk
        .ticket(Principal::SYSTEM, w.ticket)
        .await
        .unwrap()
        .number;
    let r = submit(
        &w,
        "/agent/calendar/appointments/new",
        &alice,
        &[
            ("calendar", &cal),
            ("title", "Review"),
            ("start", "2026-03-05T10:00"),
            ("end", "2026-03-05T11:00"),
            ("time_zone", "UTC"),
            ("repeat", "custom"),
            ("custom_frequency", "weekly"),
            ("interval", "2"),
            ("weekday", "MO"),
            ("weekday", "TH"),
            ("limit", "until"),
            ("until", "2026-03-20"),
            ("notify", "custom"),
            ("notify_custom", "45"),
            ("tickets", &number),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let now = starts(&w).await;
    let reviews: Vec<&String> = now.iter().filter(|s| s.ends_with("Review")).collect();
    assert_eq!(
        reviews,
        [
            "03-05T10:00 Review",
            "03-16T10:00 Review",
            "03-19T10:00 Review"
        ]
    );
    let linked = w
        .desk
        .ticket_appointments(Principal::Agent(w.alice), w.ticket)
        .await
        .unwrap();
    assert_eq!(linked.len(), 1);
    assert_eq!(
        linked[0].rrule.as_deref(),
        Some("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20260320T100000Z")
    );
    assert_eq!(linked[0].notify_minutes_before, Some(45));
    // The editor reads the rule back into its settings.
    let html = page(
        &w,
        &format!("/agent/calendar/appointments/{}", linked[0].id),
        &alice,
    )
    .await
    .text();
    assert!(
        html.contains("<option value=\"custom\" selected"),
        "custom repeat"
    );
    assert!(html.contains("name=\"weekday\" value=\"TH\" checked"));
    assert!(html.contains("name=\"until\" value=\"2026-03-20\""));
    assert!(html.contains(&number), "the linked ticket is listed");

    // Erin cannot open it (no permission on the calendar's group).
    let erin = w.session(Principal::Agent(w.erin)).await;
    let r = page(
        &w,
        &format!("/agent/calendar/appointments/{}", linked[0].id),
        &erin,
    )
    .await;
    assert_eq!(r.status, 404);
    let r = submit(
        &w,
        &format!("/agent/calendar/appointments/{}", linked[0].id),
        &erin,
        &[("title", "Mine")],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(starts(&w).await, now);
}

#[tokio::test]
async fn dragging_moves_occurrences_and_the_server_checks_it() {
    let w = World::new().await;
    let series = weekly(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let path = format!("/agent/calendar/appointments/{}/move", series.id);
    // Just the second occurrence, to Wednesday 14:00 (agent's zone: UTC).
    let r = submit(
        &w,
        &path,
        &alice,
        &[
            ("occurrence", "20260310T090000Z"),
            ("to", "2026-03-11T14:00"),
            ("scope", "occurrence"),
        ],
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert_eq!(
        starts(&w).await,
        [
            "03-03T09:00 Printer maintenance",
            "03-03T09:00 Sync <b>",
            "03-11T14:00 Sync <b>",
            "03-17T09:00 Sync <b>",
            "03-24T09:00 Sync <b>",
            "03-31T09:00 Sync <b>",
        ]
    );
    // All occurrences, one day later (a grid day keeps the time of day).
    let r = submit(
        &w,
        &path,
        &alice,
        &[
            ("occurrence", "20260317T090000Z"),
            ("to", "2026-03-18"),
            ("scope", "all"),
        ],
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let now = starts(&w).await;
    assert!(now.contains(&"03-04T09:00 Sync <b>".to_owned()), "{now:?}");
    // Nonsense is refused with a reason, and nothing changes.
    for to in ["tomorrow", ""] {
        let r = submit(
            &w,
            &path,
            &alice,
            &[("occurrence", "20260304T090000Z"), ("to", to)],
        )
        .await;
        assert_eq!(r.status, 422);
        assert!(r.text().contains("to:"), "{}", r.text());
    }
    let r = submit(
        &w,
        &path,
        &alice,
        &[
            ("occurrence", "20260305T090000Z"),
            ("to", "2026-03-06T09:00"),
            ("scope", "occurrence"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "no occurrence starts then");
    assert_eq!(starts(&w).await, now);
}

#[tokio::test]
async fn one_occurrence_is_deleted_after_confirmation_and_a_copy_is_edited() {
    let w = World::new().await;
    let series = weekly(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    // Opening an occurrence asks which occurrences to edit.
    let r = page(
        &w,
        &format!(
            "/agent/calendar/appointments/{}?occurrence=20260317T090000Z",
            series.id
        ),
        &alice,
    )
    .await;
    assert!(r.text().contains("Just This Occurrence") && r.text().contains("All Occurrences"));
    let confirm = page(
        &w,
        &format!(
            "/agent/calendar/appointments/{}/delete?scope=occurrence&occurrence=20260317T090000Z",
            series.id
        ),
        &alice,
    )
    .await
    .text();
    assert!(confirm.contains("Delete just this occurrence"), "{confirm}");
    assert_eq!(starts(&w).await.len(), 6, "asking deletes nothing");
    let r = submit(
        &w,
        &format!("/agent/calendar/appointments/{}/delete", series.id),
        &alice,
        &[("scope", "occurrence"), ("occurrence", "20260317T090000Z")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(r.header("location").contains("done=occurrence-deleted"));
    let now = starts(&w).await;
    assert!(!now.iter().any(|s| s.starts_with("03-17")), "{now:?}");
    assert_eq!(now.len(), 5);

    let r = submit(
        &w,
        &format!("/agent/calendar/appointments/{}", series.id),
        &alice,
        &[("action", "copy")],
    )
    .await;
    assert_eq!(r.status, 303);
    let to = r.header("location");
    assert!(to.contains("copied=1"), "{to}");
    let html = page(&w, &to, &alice).await.text();
    assert!(html.contains("This is a copy"));
    assert_eq!(
        starts(&w).await.len(),
        9,
        "the copy has the same four occurrences"
    );

    // Deleting a whole series.
    let confirm = page(
        &w,
        &format!("/agent/calendar/appointments/{}/delete", series.id),
        &alice,
    )
    .await
    .text();
    assert!(confirm.contains("with all its occurrences"));
    let r = submit(
        &w,
        &format!("/agent/calendar/appointments/{}/delete", series.id),
        &alice,
        &[],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(starts(&w).await.len(), 5);
    let gone = w
        .desk
        .update_appointment(
            Principal::Agent(w.alice),
            series.id,
            Default::default(),
            EditScope::All,
            None,
        )
        .await;
    assert!(gone.is_err());
}

#[tokio::test]
async fn the_calendar_widgets_list_todays_and_this_weeks_appointments() {
    let w = World::new().await;
    weekly(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    for kind in [
        "appointments_today",
        "appointments_this_week",
        "appointments_this_month",
    ] {
        let r = submit(&w, "/agent/dashboard/widgets", &alice, &[("kind", kind)]).await;
        assert_eq!(r.status, 303, "{kind}");
    }
    let html = page(&w, "/agent", &alice).await.text();
    for title in [
        "Appointments Today",
        "Appointments This Week",
        "Appointments This Month",
    ] {
        assert!(html.contains(title), "{title}");
    }
    // The World's clock: Monday 2 March 2026, 09:00 UTC; "Printer maintenance" is tomorrow.
    // Widgets 1–3 are the default ones; the calendar widgets are 4, 5 and 6.
    let widget = |n: u32| {
        let from = html.split(&format!("id=\"widget-{n}\"")).nth(1).unwrap();
        from.split("<section").next().unwrap().to_owned()
    };
    let today = widget(4);
    assert!(today.contains("No appointments."), "{today}");
    let week = widget(5);
    assert!(
        week.contains("Printer maintenance") && week.contains("Sync &lt;b&gt;"),
        "{week}"
    );
    let month = widget(6);
    assert_eq!(month.matches(">Sync &lt;b&gt;<").count(), 5);
    // The main menu names the overview.
    assert!(html.contains("href=\"/agent/calendar\""));
}
