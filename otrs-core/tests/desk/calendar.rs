//! Calendars and appointments: permissions, validation, series with detached and deleted
//! occurrences, copies, ticket links and the history.

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use otrs_core::DeskError;
use otrs_core::block_on;
use otrs_core::calendar::recurrence::{parse_wall, resolve_local};
use otrs_core::desk::{
    AppointmentInput, AppointmentUpdate, CalendarUpdate, EditScope, NewCalendar,
};
use otrs_core::ids::{CalendarId, GroupId};
use otrs_core::model::{Appointment, AppointmentAction, Calendar, Principal, Validity};
use proptest::prelude::*;

use crate::common::World;

const TOKEN: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";

fn wall(text: &str) -> NaiveDateTime {
    parse_wall(text).unwrap()
}

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

fn calendar(w: &World, name: &str) -> Calendar {
    block_on(w.desk.create_calendar(
        w.admin,
        NewCalendar {
            name: name.into(),
            color: "#3a87ad".into(),
            group_id: GroupId::USERS,
            feed_token: format!("{name}-{TOKEN}"),
        },
    ))
    .unwrap()
}

fn input(
    calendar: CalendarId,
    title: &str,
    start: &str,
    end: &str,
    rule: Option<&str>,
) -> AppointmentInput {
    AppointmentInput {
        calendar_id: calendar,
        title: title.into(),
        description: "Agenda".into(),
        location: "Room 1".into(),
        all_day: false,
        start: wall(start),
        end: wall(end),
        time_zone: "Europe/Budapest".into(),
        rrule: rule.map(str::to_owned),
        notify_minutes_before: Some(15),
    }
}

fn fields(error: DeskError) -> Vec<String> {
    match error {
        DeskError::Invalid(errors) => errors.0.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

/// (local start text, title) of every occurrence in 2026 visible to alice.
fn agenda(w: &World) -> Vec<(String, String)> {
    block_on(w.desk.occurrences(
        w.alice,
        utc("2026-01-01T00:00:00Z"),
        utc("2026-12-31T00:00:00Z"),
        None,
    ))
    .unwrap()
    .into_iter()
    .map(|o| {
        let local = o.start.with_timezone(&o.appointment.time_zone);
        (
            local.format("%m-%d %H:%M").to_string(),
            o.appointment.title.clone(),
        )
    })
    .collect()
}

#[test]
fn calendars_are_for_admins_to_create_and_their_group_to_see() {
    let w = World::new();
    let cal = calendar(&w, "Team");
    assert_eq!(cal.color, "#3A87AD");
    let refused = block_on(w.desk.create_calendar(
        w.alice,
        NewCalendar {
            name: "Mine".into(),
            color: "#000000".into(),
            group_id: GroupId::USERS,
            feed_token: TOKEN.into(),
        },
    ));
    assert!(matches!(refused, Err(DeskError::PermissionDenied { .. })));
    let bad = block_on(w.desk.create_calendar(
        w.admin,
        NewCalendar {
            name: " ".into(),
            color: "blue".into(),
            group_id: GroupId(999),
            feed_token: "short".into(),
        },
    ))
    .unwrap_err();
    assert_eq!(fields(bad), ["name", "color", "group", "feed_token"]);
    let duplicate = block_on(w.desk.create_calendar(
        w.admin,
        NewCalendar {
            name: "Team".into(),
            color: "#000000".into(),
            group_id: GroupId::USERS,
            feed_token: format!("other-{TOKEN}"),
        },
    ));
    assert!(matches!(duplicate, Err(DeskError::Duplicate { .. })));

    // ro on the group sees it; no group, or a customer, sees nothing.
    assert_eq!(
        block_on(w.desk.calendars(w.carol)).unwrap(),
        vec![cal.clone()]
    );
    assert!(block_on(w.desk.calendars(w.dave)).unwrap().is_empty());
    assert!(block_on(w.desk.calendars(w.lacey)).unwrap().is_empty());
    assert!(matches!(
        block_on(w.desk.calendar(w.dave, cal.id)),
        Err(DeskError::NotFound { .. })
    ));
    let ro = block_on(w.desk.create_appointment(
        w.carol,
        input(
            cal.id,
            "Standup",
            "2026-03-02T09:00",
            "2026-03-02T09:15",
            None,
        ),
    ));
    assert!(matches!(ro, Err(DeskError::PermissionDenied { .. })));

    // Update with a stale version, then for real; delete refuses while appointments exist.
    let stale = block_on(w.desk.update_calendar(
        w.admin,
        cal.id,
        CalendarUpdate {
            name: Some("Renamed".into()),
            ..Default::default()
        },
        Some(7),
    ));
    assert!(matches!(stale, Err(DeskError::VersionMismatch { .. })));
    let renamed = block_on(w.desk.update_calendar(
        w.admin,
        cal.id,
        CalendarUpdate {
            name: Some("Renamed".into()),
            validity: Some(Validity::Invalid),
            ..Default::default()
        },
        Some(cal.version),
    ))
    .unwrap();
    assert_eq!((renamed.name.as_str(), renamed.version), ("Renamed", 2));
    let a = block_on(w.desk.create_appointment(
        w.alice,
        input(
            cal.id,
            "Standup",
            "2026-03-02T09:00",
            "2026-03-02T09:15",
            None,
        ),
    ))
    .unwrap();
    assert!(matches!(
        block_on(w.desk.delete_calendar(w.admin, cal.id)),
        Err(DeskError::NotAllowed { .. })
    ));
    assert!(matches!(
        block_on(w.desk.delete_calendar(w.alice, cal.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    block_on(w.desk.delete_appointment(w.alice, a.id, EditScope::All)).unwrap();
    block_on(w.desk.delete_calendar(w.admin, cal.id)).unwrap();
    assert!(block_on(w.desk.calendars(w.admin)).unwrap().is_empty());
}

#[test]
fn rotating_the_token_revokes_the_old_feed() {
    let w = World::new();
    let cal = calendar(&w, "Team");
    block_on(w.desk.create_appointment(
        w.alice,
        input(
            cal.id,
            "Standup",
            "2026-03-02T09:00",
            "2026-03-02T09:15",
            None,
        ),
    ))
    .unwrap();
    let feed = block_on(w.desk.calendar_feed(&cal.feed_token)).unwrap();
    assert_eq!(feed.appointments.len(), 1);
    let carol = block_on(
        w.desk
            .rotate_calendar_token(w.carol, cal.id, format!("new-{TOKEN}")),
    );
    assert!(matches!(carol, Err(DeskError::PermissionDenied { .. })));
    let same = block_on(
        w.desk
            .rotate_calendar_token(w.bob, cal.id, cal.feed_token.clone()),
    );
    assert_eq!(fields(same.unwrap_err()), ["feed_token"]);
    let rotated = block_on(
        w.desk
            .rotate_calendar_token(w.bob, cal.id, format!("new-{TOKEN}")),
    )
    .unwrap();
    assert!(matches!(
        block_on(w.desk.calendar_feed(&cal.feed_token)),
        Err(DeskError::NotFound { .. })
    ));
    assert_eq!(
        block_on(w.desk.calendar_feed(&rotated.feed_token))
            .unwrap()
            .calendar
            .id,
        cal.id
    );
    // An invalid calendar serves no feed.
    block_on(w.desk.update_calendar(
        w.admin,
        cal.id,
        CalendarUpdate {
            validity: Some(Validity::Invalid),
            ..Default::default()
        },
        None,
    ))
    .unwrap();
    assert!(block_on(w.desk.calendar_feed(&rotated.feed_token)).is_err());
}

#[test]
fn bad_appointments_are_refused_whole_with_every_field_named() {
    let w = World::new();
    let cal = calendar(&w, "Team");
    let mut bad = input(
        cal.id,
        "",
        "2026-03-02T09:00",
        "2026-03-02T08:00",
        Some("FREQ=SOMETIMES"),
    );
    bad.time_zone = "Mars/Olympus".into();
    let error = block_on(w.desk.create_appointment(w.alice, bad)).unwrap_err();
    assert_eq!(fields(error), ["title", "time_zone", "end", "rrule"]);
    let huge = input(
        cal.id,
        "x",
        "2026-03-02T09:00",
        "2026-03-02T10:00",
        Some("FREQ=DAILY;COUNT=20000"),
    );
    assert_eq!(
        fields(block_on(w.desk.create_appointment(w.alice, huge)).unwrap_err()),
        ["rrule"]
    );
    assert!(agenda(&w).is_empty(), "nothing was stored");
    let window = block_on(w.desk.occurrences(
        w.alice,
        utc("2026-01-01T00:00:00Z"),
        utc("2028-01-01T00:00:00Z"),
        None,
    ));
    assert_eq!(fields(window.unwrap_err()), ["to"]);
    // Only a series has single occurrences.
    let single = block_on(w.desk.create_appointment(
        w.alice,
        input(cal.id, "Once", "2026-03-02T09:00", "2026-03-02T10:00", None),
    ))
    .unwrap();
    let refused = block_on(w.desk.update_appointment(
        w.alice,
        single.id,
        AppointmentUpdate::default(),
        EditScope::Occurrence(utc("2026-03-02T08:00:00Z")),
        None,
    ));
    assert!(matches!(refused, Err(DeskError::NotAllowed { .. })));
}

#[test]
fn a_series_keeps_its_wall_clock_time_and_detaches_one_occurrence() {
    let w = World::new();
    let cal = calendar(&w, "Team");
    // Mondays at 09:00 Budapest time, across the change to summer time on 29 March.
    let series = block_on(w.desk.create_appointment(
        w.alice,
        input(
            cal.id,
            "Weekly",
            "2026-03-16T09:00",
            "2026-03-16T10:00",
            Some("FREQ=WEEKLY;COUNT=5"),
        ),
    ))
    .unwrap();
    assert_eq!(series.last_end_utc, Some(utc("2026-04-13T08:00:00Z")));
    let all: Vec<(String, String)> = ["03-16", "03-23", "03-30", "04-06", "04-13"]
        .iter()
        .map(|d| (format!("{d} 09:00"), "Weekly".to_owned()))
        .collect();
    assert_eq!(agenda(&w), all);

    // Just this occurrence: 30 March (07:00 UTC, summer time) moves to 11:00 with a new title.
    let detached = block_on(w.desk.update_appointment(
        w.bob,
        series.id,
        AppointmentUpdate {
            title: Some("Moved".into()),
            start: Some(wall("2026-03-30T11:00")),
            end: Some(wall("2026-03-30T12:00")),
            ..Default::default()
        },
        EditScope::Occurrence(utc("2026-03-30T07:00:00Z")),
        None,
    ))
    .unwrap();
    assert_eq!(detached.parent_id, Some(series.id));
    assert_eq!(detached.recurrence_id, Some(wall("2026-03-30T09:00")));
    assert_eq!(detached.rrule, None);
    let mut expected = all.clone();
    expected[2] = ("03-30 11:00".into(), "Moved".into());
    assert_eq!(agenda(&w), expected);
    // The detached occurrence cannot repeat, and is no longer an occurrence of the series.
    let repeat = block_on(w.desk.update_appointment(
        w.bob,
        detached.id,
        AppointmentUpdate {
            rrule: Some(Some("FREQ=DAILY".into())),
            ..Default::default()
        },
        EditScope::All,
        None,
    ));
    assert_eq!(fields(repeat.unwrap_err()), ["rrule"]);
    let again = block_on(w.desk.update_appointment(
        w.bob,
        series.id,
        AppointmentUpdate::default(),
        EditScope::Occurrence(utc("2026-03-30T07:00:00Z")),
        None,
    ));
    assert!(matches!(again, Err(DeskError::NotFound { .. })));

    // All occurrences: the series changes; the detached one keeps its own title.
    let changed = block_on(w.desk.update_appointment(
        w.bob,
        series.id,
        AppointmentUpdate {
            title: Some("Team weekly".into()),
            ..Default::default()
        },
        EditScope::All,
        Some(series.version),
    ))
    .unwrap();
    assert_eq!(changed.version, series.version + 1);
    let titles: Vec<String> = agenda(&w).into_iter().map(|(_, t)| t).collect();
    assert_eq!(
        titles,
        [
            "Team weekly",
            "Team weekly",
            "Moved",
            "Team weekly",
            "Team weekly"
        ]
    );

    // Delete one occurrence, then the detached one: both stay away.
    block_on(w.desk.delete_appointment(
        w.bob,
        series.id,
        EditScope::Occurrence(utc("2026-04-06T07:00:00Z")),
    ))
    .unwrap();
    block_on(
        w.desk
            .delete_appointment(w.bob, detached.id, EditScope::All),
    )
    .unwrap();
    let left: Vec<String> = agenda(&w).into_iter().map(|(d, _)| d).collect();
    assert_eq!(left, ["03-16 09:00", "03-23 09:00", "04-13 09:00"]);
    let stored = block_on(w.desk.appointment(w.alice, series.id)).unwrap();
    assert_eq!(
        stored.exdates,
        [wall("2026-03-30T09:00"), wall("2026-04-06T09:00")]
    );

    let history: Vec<(AppointmentAction, Principal)> =
        block_on(w.desk.appointment_history(w.carol, series.id))
            .unwrap()
            .into_iter()
            .map(|h| (h.action, h.created_by))
            .collect();
    assert_eq!(
        history,
        [
            (AppointmentAction::Created, w.alice),
            (AppointmentAction::OccurrenceDetached, w.bob),
            (AppointmentAction::Updated, w.bob),
            (AppointmentAction::OccurrenceDeleted, w.bob),
            (AppointmentAction::OccurrenceDeleted, w.bob),
        ]
    );
    // Deleting the series takes everything with it.
    block_on(w.desk.delete_appointment(w.bob, series.id, EditScope::All)).unwrap();
    assert!(agenda(&w).is_empty());
    assert!(matches!(
        block_on(w.desk.appointment(w.alice, series.id)),
        Err(DeskError::NotFound { .. })
    ));
}

#[test]
fn changing_a_series_timing_drops_exceptions_that_no_longer_fit() {
    let w = World::new();
    let cal = calendar(&w, "Team");
    let series = block_on(w.desk.create_appointment(
        w.alice,
        input(
            cal.id,
            "Daily",
            "2026-05-04T09:00",
            "2026-05-04T09:30",
            Some("FREQ=DAILY;COUNT=10"),
        ),
    ))
    .unwrap();
    // Detach 6 May, delete 8 May (both Wed/Fri), then make it Mondays/Wednesdays only.
    block_on(w.desk.update_appointment(
        w.alice,
        series.id,
        AppointmentUpdate {
            location: Some("Room 2".into()),
            ..Default::default()
        },
        EditScope::Occurrence(utc("2026-05-06T07:00:00Z")),
        None,
    ))
    .unwrap();
    let series = block_on(w.desk.appointment(w.alice, series.id)).unwrap();
    block_on(w.desk.delete_appointment(
        w.alice,
        series.id,
        EditScope::Occurrence(utc("2026-05-08T07:00:00Z")),
    ))
    .unwrap();
    let changed = block_on(w.desk.update_appointment(
        w.alice,
        series.id,
        AppointmentUpdate {
            rrule: Some(Some("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4".into())),
            ..Default::default()
        },
        EditScope::All,
        None,
    ))
    .unwrap();
    // 6 May is a Wednesday: its detached copy stays; 8 May (a Friday) is no longer excluded.
    assert!(changed.exdates.is_empty());
    let days: Vec<String> = agenda(&w).into_iter().map(|(d, _)| d).collect();
    assert_eq!(
        days,
        ["05-04 09:00", "05-06 09:00", "05-11 09:00", "05-13 09:00"]
    );
    let rows = block_on(w.desk.occurrences(
        w.alice,
        utc("2026-05-06T00:00:00Z"),
        utc("2026-05-07T00:00:00Z"),
        None,
    ))
    .unwrap();
    assert_eq!(rows[0].appointment.location, "Room 2");
    // Stopping the repetition removes the detached occurrence too.
    block_on(w.desk.update_appointment(
        w.alice,
        series.id,
        AppointmentUpdate {
            rrule: Some(None),
            ..Default::default()
        },
        EditScope::All,
        None,
    ))
    .unwrap();
    assert_eq!(agenda(&w).len(), 1);
}

#[test]
fn copies_all_day_appointments_and_calendar_moves() {
    let w = World::new();
    let team = calendar(&w, "Team");
    let other = calendar(&w, "Other");
    let mut holiday = input(
        team.id,
        "Holiday",
        "2026-07-06",
        "2026-07-10",
        Some("FREQ=YEARLY;COUNT=2"),
    );
    holiday.all_day = true;
    let holiday = block_on(w.desk.create_appointment(w.alice, holiday)).unwrap();
    // The last day is inclusive: the stored end is midnight after it.
    assert_eq!(holiday.start, wall("2026-07-06T00:00"));
    assert_eq!(holiday.end, wall("2026-07-11T00:00"));
    block_on(w.desk.update_appointment(
        w.alice,
        holiday.id,
        AppointmentUpdate {
            description: Some("Only this year".into()),
            ..Default::default()
        },
        EditScope::Occurrence(utc("2026-07-05T22:00:00Z")),
        None,
    ))
    .unwrap();
    let copy = block_on(w.desk.copy_appointment(w.bob, holiday.id)).unwrap();
    assert_ne!(copy.id, holiday.id);
    assert_ne!(copy.uid, holiday.uid);
    assert_eq!(
        (copy.all_day, copy.start, copy.end),
        (true, holiday.start, holiday.end)
    );
    let year = block_on(w.desk.occurrences(
        w.alice,
        utc("2026-07-01T00:00:00Z"),
        utc("2026-08-01T00:00:00Z"),
        None,
    ))
    .unwrap();
    assert_eq!(year.len(), 2);
    assert!(
        year.iter()
            .all(|o| o.appointment.description == "Only this year")
    );
    assert_eq!(year[0].start, utc("2026-07-05T22:00:00Z"));
    assert_eq!(year[0].end, utc("2026-07-10T22:00:00Z"));

    // Moving the series moves its detached occurrence; a single occurrence cannot move alone.
    block_on(w.desk.update_appointment(
        w.alice,
        holiday.id,
        AppointmentUpdate {
            calendar_id: Some(other.id),
            ..Default::default()
        },
        EditScope::All,
        None,
    ))
    .unwrap();
    let in_other = block_on(w.desk.occurrences(
        w.alice,
        utc("2026-07-01T00:00:00Z"),
        utc("2027-08-01T00:00:00Z"),
        Some(other.id),
    ))
    .unwrap();
    assert_eq!(in_other.len(), 2);
    assert!(
        in_other
            .iter()
            .all(|o| o.appointment.calendar_id == other.id)
    );
}

#[test]
fn new_appointment_on_a_ticket_is_linked_and_recorded() {
    let w = World::new();
    let cal = calendar(&w, "Team");
    let ticket = w.ticket("Printer on fire");
    let (appointment, link) = block_on(w.desk.create_ticket_appointment(
        w.alice,
        ticket.id,
        input(
            cal.id,
            "Visit",
            "2026-03-02T09:00",
            "2026-03-02T10:00",
            None,
        ),
    ))
    .unwrap();
    assert_eq!(
        link.other_end(otrs_core::model::ObjectRef::Ticket(ticket.id)),
        otrs_core::model::ObjectRef::Appointment(appointment.id)
    );
    assert!(
        w.history_types(ticket.id)
            .contains(&"TicketLinkAdd".to_owned())
    );
    assert_eq!(
        block_on(w.desk.ticket_appointments(w.bob, ticket.id)).unwrap(),
        vec![appointment.clone()]
    );
    assert!(matches!(
        block_on(w.desk.ticket_appointments(w.lacey, ticket.id)),
        Err(DeskError::NotFound { .. })
    ));
    // dave may not read the ticket; carol may read it but not write the calendar.
    assert!(
        block_on(w.desk.create_ticket_appointment(
            w.dave,
            ticket.id,
            input(
                cal.id,
                "Visit",
                "2026-03-02T09:00",
                "2026-03-02T10:00",
                None
            ),
        ))
        .is_err()
    );
    assert!(matches!(
        block_on(w.desk.create_ticket_appointment(
            w.carol,
            ticket.id,
            input(
                cal.id,
                "Visit",
                "2026-03-02T09:00",
                "2026-03-02T10:00",
                None
            ),
        )),
        Err(DeskError::PermissionDenied { .. })
    ));
    let history = block_on(w.desk.appointment_history(w.alice, appointment.id)).unwrap();
    assert_eq!(
        history.last().unwrap().action,
        AppointmentAction::TicketLinked
    );
    block_on(
        w.desk
            .delete_appointment(w.alice, appointment.id, EditScope::All),
    )
    .unwrap();
    assert!(
        block_on(w.desk.ticket_appointments(w.bob, ticket.id))
            .unwrap()
            .is_empty()
    );
    assert!(
        w.history_types(ticket.id)
            .contains(&"TicketLinkDelete".to_owned())
    );
}

/// The series' occurrence starts in a year, with the row each came from.
fn starts(w: &World) -> Vec<(DateTime<Utc>, Appointment)> {
    block_on(w.desk.occurrences(
        w.alice,
        utc("2026-01-01T00:00:00Z"),
        utc("2026-12-31T00:00:00Z"),
        None,
    ))
    .unwrap()
    .into_iter()
    .map(|o| (o.start, (*o.appointment).clone()))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// After detaching occurrence k (moved by `shift` minutes) the occurrences are the original
    /// ones minus occurrence k plus the detached one; deleting occurrence j instead removes
    /// exactly that one.
    #[test]
    fn detaching_and_deleting_change_exactly_one_occurrence(
        rule in prop_oneof![
            Just("FREQ=DAILY;COUNT=12"),
            Just("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=12"),
            Just("FREQ=MONTHLY;BYMONTHDAY=1,15;COUNT=12"),
        ],
        zone in prop_oneof![Just("Europe/Budapest"), Just("America/New_York"), Just("UTC")],
        k in 0usize..12,
        j in 0usize..12,
        shift in -600i64..600,
    ) {
        let w = World::new();
        let cal = calendar(&w, "Team");
        let mut new = input(cal.id, "Series", "2026-03-02T01:30", "2026-03-02T02:00", Some(rule));
        new.time_zone = zone.into();
        let series = block_on(w.desk.create_appointment(w.alice, new)).unwrap();
        let original = starts(&w);
        prop_assert_eq!(original.len(), 12);
        let target = original[k].0;
        let local = target.with_timezone(&series.time_zone).naive_local();
        let detached = block_on(w.desk.update_appointment(
            w.alice,
            series.id,
            AppointmentUpdate {
                start: Some(local + Duration::minutes(shift)),
                end: Some(local + Duration::minutes(shift + 30)),
                title: Some("Detached".into()),
                ..Default::default()
            },
            EditScope::Occurrence(target),
            None,
        ))
        .unwrap();
        let after = starts(&w);
        let mut want: Vec<DateTime<Utc>> = original.iter().map(|(s, _)| *s).filter(|s| *s != target).collect();
        want.push(resolve_local(&series.time_zone, detached.start).to_utc());
        want.sort();
        let got: Vec<DateTime<Utc>> = after.iter().map(|(s, _)| *s).collect();
        prop_assert_eq!(&got, &want);
        prop_assert_eq!(after.iter().filter(|(_, a)| a.id == detached.id).count(), 1);

        let victim = original[j].0;
        let deleted = block_on(w.desk.delete_appointment(w.alice, series.id, EditScope::Occurrence(victim)));
        if j == k {
            prop_assert!(matches!(deleted, Err(DeskError::NotFound { .. })), "a detached occurrence is not the series' any more");
        } else {
            deleted.unwrap();
            let mut want_after = want.clone();
            let at = want_after.iter().position(|s| *s == victim).unwrap();
            want_after.remove(at);
            let got: Vec<DateTime<Utc>> = starts(&w).iter().map(|(s, _)| *s).collect();
            prop_assert_eq!(got, want_after);
        }
    }
}

#[test]
fn reminders_follow_edits_fire_once_and_move_to_the_next_occurrence() {
    use otrs_core::desk::{RetryPolicy, reminder_key};
    use otrs_core::model::{JobFilter, JobState};
    use otrs_core::store::PageRequest;

    let w = World::new();
    w.clock.set(utc("2026-03-01T00:00:00Z"));
    let cal = calendar(&w, "Team");
    let series = block_on(w.desk.create_appointment(
        w.alice,
        input(
            cal.id,
            "Weekly",
            "2026-03-16T09:00",
            "2026-03-16T10:00",
            Some("FREQ=WEEKLY;COUNT=3"),
        ),
    ))
    .unwrap();
    let jobs = |w: &World| {
        block_on(w.desk.jobs(
            w.admin,
            JobFilter {
                unique_key: Some(reminder_key(series.id)),
                ..Default::default()
            },
            PageRequest::Offset {
                offset: 0,
                limit: 50,
            },
        ))
        .unwrap()
        .items
    };
    let first = jobs(&w);
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].state, JobState::Pending);
    // 09:00 Budapest (UTC+1) minus 15 minutes.
    assert_eq!(first[0].run_at, utc("2026-03-16T07:45:00Z"));

    // An edit replaces the pending job (same id, new time).
    block_on(w.desk.update_appointment(
        w.alice,
        series.id,
        AppointmentUpdate {
            start: Some(wall("2026-03-16T10:00")),
            end: Some(wall("2026-03-16T11:00")),
            ..Default::default()
        },
        EditScope::All,
        None,
    ))
    .unwrap();
    let moved = jobs(&w);
    assert_eq!((moved.len(), moved[0].id), (1, first[0].id));
    assert_eq!(moved[0].run_at, utc("2026-03-16T08:45:00Z"));

    // At that time the worker runs it: alice is notified once, even if the job runs twice,
    // and the next occurrence gets its reminder.
    w.clock.set(utc("2026-03-16T08:45:01Z"));
    let reminders = w.desk.appointment_reminders();
    let report = block_on(w.desk.run_due_jobs(
        "worker-1",
        Duration::minutes(5),
        &RetryPolicy::default(),
        10,
        &reminders,
    ))
    .unwrap();
    assert_eq!(report.done, 1, "{report:?}");
    block_on(w.desk.run_appointment_reminder(&moved[0])).unwrap();
    let notes = block_on(w.desk.agent_notifications(w.alice, 10)).unwrap();
    assert_eq!(notes.items.len(), 1, "{notes:?}");
    assert_eq!(notes.items[0].title, "Reminder: Weekly");
    assert!(
        notes.items[0].body.contains("2026-03-16 10:00"),
        "{}",
        notes.items[0].body
    );
    let pending: Vec<_> = jobs(&w)
        .into_iter()
        .filter(|j| j.state == JobState::Pending)
        .collect();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].run_at, utc("2026-03-23T08:45:00Z"));

    // Deleting that occurrence moves the reminder on; deleting the series cancels it.
    block_on(w.desk.delete_appointment(
        w.alice,
        series.id,
        EditScope::Occurrence(utc("2026-03-23T09:00:00Z")),
    ))
    .unwrap();
    let after_delete: Vec<_> = jobs(&w)
        .into_iter()
        .filter(|j| j.state == JobState::Pending)
        .collect();
    assert_eq!(after_delete[0].run_at, utc("2026-03-30T07:45:00Z"));
    block_on(
        w.desk
            .delete_appointment(w.alice, series.id, EditScope::All),
    )
    .unwrap();
    assert!(jobs(&w).iter().all(|j| j.state != JobState::Pending));
}
