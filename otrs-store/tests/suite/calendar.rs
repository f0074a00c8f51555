//! Calendars, appointments and their history.

use chrono::NaiveDateTime;
use otrs_core::ids::{AppointmentHistoryId, AppointmentId, CalendarId, GroupId};
use otrs_core::model::{
    Appointment, AppointmentAction, AppointmentHistoryEntry, Calendar, Principal, Validity,
};
use otrs_core::store::{Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

fn wall(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M").unwrap()
}

pub fn calendar_row(name: &str, group: GroupId) -> Calendar {
    Calendar {
        id: CalendarId(0),
        name: name.into(),
        color: "#3A87AD".into(),
        group_id: group,
        validity: Validity::Valid,
        feed_token: format!("{name}-token-0123456789abcdefghijklmnopqrstuvwxyz"),
        created_at: seed::at(1),
        changed_at: seed::at(2),
        changed_by: Principal::SYSTEM,
        version: 0,
    }
}

/// A weekly series without end in `calendar`, starting 2020-03-30 09:00 Budapest time.
pub fn appointment_row(calendar: CalendarId) -> Appointment {
    Appointment {
        id: AppointmentId(0),
        calendar_id: calendar,
        uid: "20200325T090000Z-1@otrs-10".into(),
        title: "Weekly review".into(),
        description: "Agenda:\n- tickets".into(),
        location: "Room 1 – ground floor".into(),
        all_day: false,
        start: wall("2020-03-30T09:00"),
        end: wall("2020-03-30T10:30"),
        time_zone: "Europe/Budapest".parse().unwrap(),
        rrule: Some("FREQ=WEEKLY;BYDAY=MO".into()),
        exdates: vec![wall("2020-04-06T09:00"), wall("2020-04-13T09:00")],
        parent_id: None,
        recurrence_id: None,
        notify_minutes_before: Some(15),
        first_start_utc: seed::at(100),
        last_end_utc: None,
        created_at: seed::at(3),
        created_by: Principal::SYSTEM,
        changed_at: seed::at(4),
        changed_by: Principal::SYSTEM,
        version: 0,
    }
}

pub async fn calendars_are_versioned_unique_and_found_by_token<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let team = rw!(store, |tx| tx
        .insert_calendar(&calendar_row("Team", w.support_group))
        .await
        .unwrap());
    assert_eq!(team.version, 1);
    assert_eq!(
        ro!(store, |tx| tx.calendar(team.id).await.unwrap()),
        Some(team.clone())
    );
    let mut tx = store.begin().await.unwrap();
    let same_name = tx
        .insert_calendar(&Calendar {
            feed_token: "another-token-0123456789abcdefghijklmnopqrstuvwxyz".into(),
            ..calendar_row("Team", w.support_group)
        })
        .await;
    assert!(
        matches!(
            same_name,
            Err(StoreError::Duplicate {
                what: "calendar name",
                ..
            })
        ),
        "{same_name:?}"
    );
    let same_token = tx
        .insert_calendar(&Calendar {
            feed_token: team.feed_token.clone(),
            ..calendar_row("Other", w.support_group)
        })
        .await;
    assert!(
        matches!(
            same_token,
            Err(StoreError::Duplicate {
                what: "calendar feed token",
                ..
            })
        ),
        "{same_token:?}"
    );
    let no_group = tx
        .insert_calendar(&calendar_row("Other", GroupId(999)))
        .await;
    assert!(
        matches!(no_group, Err(StoreError::NotFound { what: "group", .. })),
        "{no_group:?}"
    );
    // The refused writes left the transaction usable.
    let other = tx
        .insert_calendar(&calendar_row("Other", GroupId::USERS))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let rotated = rw!(store, |tx| tx
        .update_calendar(&Calendar {
            feed_token: "rotated-token-0123456789abcdefghijklmnopqrstuvwxyz".into(),
            validity: Validity::Invalid,
            changed_at: seed::at(50),
            ..team.clone()
        })
        .await
        .unwrap());
    assert_eq!(rotated.version, 2);
    assert_eq!(
        ro!(store, |tx| tx
            .calendar_by_feed_token(&team.feed_token)
            .await
            .unwrap()),
        None
    );
    assert_eq!(
        ro!(store, |tx| tx
            .calendar_by_feed_token(&rotated.feed_token)
            .await
            .unwrap()),
        Some(rotated.clone())
    );
    let mut tx = store.begin().await.unwrap();
    let stale = tx.update_calendar(&team).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let taken = tx
        .update_calendar(&Calendar {
            name: "Team".into(),
            ..other.clone()
        })
        .await;
    assert!(
        matches!(
            taken,
            Err(StoreError::Duplicate {
                what: "calendar name",
                ..
            })
        ),
        "{taken:?}"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        ro!(store, |tx| tx.calendars().await.unwrap()),
        vec![rotated.clone(), other.clone()]
    );

    // A calendar with appointments cannot be deleted.
    let a = rw!(store, |tx| tx
        .insert_appointment(&appointment_row(other.id))
        .await
        .unwrap());
    let mut tx = store.begin().await.unwrap();
    let held = tx.delete_calendar(other.id).await;
    assert!(
        matches!(
            held,
            Err(StoreError::Invalid {
                field: "calendar",
                ..
            })
        ),
        "{held:?}"
    );
    tx.delete_appointment(a.id).await.unwrap();
    tx.delete_calendar(other.id).await.unwrap();
    let gone = tx.delete_calendar(other.id).await;
    assert!(
        matches!(
            gone,
            Err(StoreError::NotFound {
                what: "calendar",
                ..
            })
        ),
        "{gone:?}"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        ro!(store, |tx| tx.calendars().await.unwrap()),
        vec![rotated]
    );
}

pub async fn appointments_round_trip_and_are_found_by_window<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (team, other) = rw!(store, |tx| (
        tx.insert_calendar(&calendar_row("Team", w.support_group))
            .await
            .unwrap(),
        tx.insert_calendar(&calendar_row("Other", GroupId::USERS))
            .await
            .unwrap(),
    ));
    let series = rw!(store, |tx| tx
        .insert_appointment(&appointment_row(team.id))
        .await
        .unwrap());
    assert_eq!(series.version, 1);
    assert_eq!(
        ro!(store, |tx| tx.appointment(series.id).await.unwrap()),
        Some(series.clone())
    );
    let detached = Appointment {
        rrule: None,
        exdates: Vec::new(),
        parent_id: Some(series.id),
        recurrence_id: Some(wall("2020-04-20T09:00")),
        start: wall("2020-04-20T11:00"),
        end: wall("2020-04-20T12:00"),
        all_day: true,
        notify_minutes_before: None,
        first_start_utc: seed::at(200),
        last_end_utc: Some(seed::at(300)),
        ..series.clone()
    };
    let (detached, single) = rw!(store, |tx| (
        tx.insert_appointment(&detached).await.unwrap(),
        tx.insert_appointment(&Appointment {
            rrule: None,
            exdates: Vec::new(),
            first_start_utc: seed::at(1000),
            last_end_utc: Some(seed::at(2000)),
            ..appointment_row(other.id)
        })
        .await
        .unwrap(),
    ));
    assert_eq!(
        ro!(store, |tx| tx.appointment(detached.id).await.unwrap()),
        Some(detached.clone())
    );
    assert_eq!(
        ro!(store, |tx| tx
            .detached_occurrences(series.id)
            .await
            .unwrap()),
        vec![detached.clone()]
    );
    let between = async |calendars: Vec<CalendarId>, from: i64, to: i64| {
        ro!(store, |tx| tx
            .appointments_between(&calendars, seed::at(from), seed::at(to))
            .await
            .unwrap())
        .into_iter()
        .map(|a| a.id)
        .collect::<Vec<_>>()
    };
    // The unbounded series reaches every later window; the others only their own span.
    assert_eq!(
        between(vec![team.id, other.id], 0, 5000).await,
        [series.id, detached.id, single.id]
    );
    assert_eq!(
        between(vec![team.id, other.id], 2000, 5000).await,
        [series.id]
    );
    assert_eq!(
        between(vec![team.id, other.id], 0, 100).await,
        Vec::<AppointmentId>::new()
    );
    assert_eq!(between(vec![other.id], 1500, 1600).await, [single.id]);
    assert_eq!(between(vec![], 0, 5000).await, Vec::<AppointmentId>::new());

    let mut tx = store.begin().await.unwrap();
    let has_child = tx.delete_appointment(series.id).await;
    assert!(
        matches!(
            has_child,
            Err(StoreError::Invalid {
                field: "appointment",
                ..
            })
        ),
        "{has_child:?}"
    );
    let no_calendar = tx
        .insert_appointment(&appointment_row(CalendarId(999)))
        .await;
    assert!(
        matches!(
            no_calendar,
            Err(StoreError::NotFound {
                what: "calendar",
                ..
            })
        ),
        "{no_calendar:?}"
    );
    let no_parent = tx
        .insert_appointment(&Appointment {
            parent_id: Some(AppointmentId(999)),
            ..appointment_row(team.id)
        })
        .await;
    assert!(
        matches!(
            no_parent,
            Err(StoreError::NotFound {
                what: "appointment",
                ..
            })
        ),
        "{no_parent:?}"
    );
    let moved = tx
        .update_appointment(&Appointment {
            calendar_id: other.id,
            title: "Moved".into(),
            exdates: vec![wall("2020-04-27T09:00")],
            rrule: Some("FREQ=WEEKLY;COUNT=3".into()),
            last_end_utc: Some(seed::at(4000)),
            changed_at: seed::at(60),
            ..series.clone()
        })
        .await
        .unwrap();
    assert_eq!(moved.version, 2);
    let stale = tx.update_appointment(&series).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    tx.commit().await.unwrap();
    assert_eq!(
        ro!(store, |tx| tx.appointment(series.id).await.unwrap()),
        Some(moved)
    );

    rw!(store, |tx| {
        tx.delete_appointment(detached.id).await.unwrap();
        tx.delete_appointment(series.id).await.unwrap();
    });
    assert_eq!(
        ro!(store, |tx| tx.appointment(series.id).await.unwrap()),
        None
    );
}

pub async fn appointment_history_outlives_the_appointment<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let team = rw!(store, |tx| tx
        .insert_calendar(&calendar_row("Team", w.support_group))
        .await
        .unwrap());
    let a = rw!(store, |tx| tx
        .insert_appointment(&appointment_row(team.id))
        .await
        .unwrap());
    let row = |action, details: &str, seconds| AppointmentHistoryEntry {
        id: AppointmentHistoryId(0),
        appointment_id: a.id,
        action,
        details: details.into(),
        created_by: Principal::Agent(w.alice),
        created_at: seed::at(seconds),
    };
    rw!(store, |tx| {
        tx.append_appointment_history(&row(AppointmentAction::Updated, "changed: title", 20))
            .await
            .unwrap();
        tx.append_appointment_history(&row(AppointmentAction::Created, "Created: \"x\"", 10))
            .await
            .unwrap();
        tx.delete_appointment(a.id).await.unwrap();
        tx.append_appointment_history(&row(AppointmentAction::Deleted, "deleted", 20))
            .await
            .unwrap();
    });
    let history = ro!(store, |tx| tx.appointment_history(a.id).await.unwrap());
    let seen: Vec<(AppointmentAction, &str)> = history
        .iter()
        .map(|h| (h.action, h.details.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (AppointmentAction::Created, "Created: \"x\""),
            (AppointmentAction::Updated, "changed: title"),
            (AppointmentAction::Deleted, "deleted"),
        ]
    );
    assert_eq!(history[0].created_by, Principal::Agent(w.alice));
    assert_eq!(history[0].created_at, seed::at(10));
    assert!(history[1].id < history[2].id);
}
