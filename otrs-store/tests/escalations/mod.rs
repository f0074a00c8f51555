//! Escalation deadlines kept by the desk on every backend: set from the queue's targets when a
//! ticket is created, moved by answers, target changes and state changes, removed when the
//! ticket closes (and the solution time never restarts), and listed earliest first for agents
//! who may read the queue.

use chrono::Duration;
use otrs_core::desk::{ArticleInput, ArticleKind, QueueUpdate, TicketUpdate};
use otrs_core::rules::escalation::{Escalation, WorkingCalendar};
use otrs_core::store::Store;
use otrs_core::{DeskConfig, DeskError, Principal};

use crate::desk::{fixture, phone_ticket};
use crate::support::{for_each_store, seed};

async fn deadlines_follow_the_ticket<S: Store + Clone>(store: S) {
    let config = DeskConfig {
        // Round the clock, so that deadlines are plain additions.
        working_calendar: Some(WorkingCalendar::always(chrono_tz::UTC)),
        ..DeskConfig::default()
    };
    let f = fixture(store, config).await;
    let desk = &f.desk;
    let sys = Principal::SYSTEM;
    let t0 = seed::start();
    desk.update_queue(
        sys,
        f.support,
        QueueUpdate {
            first_response_minutes: Some(60),
            update_minutes: Some(120),
            solution_minutes: Some(480),
            ..QueueUpdate::default()
        },
    )
    .await
    .unwrap();

    let ticket = desk
        .create_ticket(f.alice, phone_ticket("Printer offline", f.support))
        .await
        .unwrap();
    let quiet = desk
        .create_ticket(f.alice, phone_ticket("No targets here", f.postmaster))
        .await
        .unwrap();
    let e = desk.ticket_escalation(f.alice, ticket.id).await.unwrap();
    assert_eq!(
        e,
        Escalation {
            first_response: Some(t0 + Duration::hours(1)),
            update: Some(t0 + Duration::hours(2)),
            solution: Some(t0 + Duration::hours(8)),
        }
    );
    assert_eq!(
        desk.ticket_escalation(f.alice, quiet.id).await.unwrap(),
        Escalation::default()
    );
    let listed = desk
        .escalating_tickets(f.alice, None, None, 10)
        .await
        .unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].ticket.id, ticket.id);

    // Another ticket of the queue (the clock stands still: the same deadlines, so ticket id
    // order).
    let later = desk
        .create_ticket(f.bob, phone_ticket("Scanner jammed", f.support))
        .await
        .unwrap();
    let ids: Vec<_> = desk
        .escalating_tickets(f.bob, None, None, 10)
        .await
        .unwrap()
        .iter()
        .map(|t| t.ticket.id)
        .collect();
    assert_eq!(ids, vec![ticket.id, later.id]);
    // `until` keeps only what is due before it.
    let due_soon = desk
        .escalating_tickets(f.alice, Some(t0 + Duration::minutes(61)), None, 10)
        .await
        .unwrap();
    assert_eq!(due_soon.len(), 2);
    let none_due = desk
        .escalating_tickets(f.alice, Some(t0 + Duration::minutes(60)), None, 10)
        .await
        .unwrap();
    assert!(
        none_due.is_empty(),
        "a deadline at the bound is not before it"
    );

    // A visible agent answer ends the first response time and restarts the update time.
    let answer = desk
        .add_article(
            f.alice,
            ticket.id,
            ArticleInput::new(ArticleKind::PhoneOutbound, "Re: printer", "Called back."),
        )
        .await
        .unwrap();
    let e = desk.ticket_escalation(f.alice, ticket.id).await.unwrap();
    assert_eq!(e.first_response, None);
    assert_eq!(e.update, Some(answer.created_at + Duration::hours(2)));
    assert_eq!(e.solution, Some(t0 + Duration::hours(8)));

    // New targets move the deadlines of the queue's tickets in the same command.
    desk.update_queue(
        sys,
        f.support,
        QueueUpdate {
            update_minutes: Some(0),
            ..QueueUpdate::default()
        },
    )
    .await
    .unwrap();
    let e = desk.ticket_escalation(f.alice, ticket.id).await.unwrap();
    assert_eq!((e.first_response, e.update), (None, None));
    assert_eq!(e.solution, Some(t0 + Duration::hours(8)));

    // Closing removes every deadline; reopening does not restart the solution time.
    let states = desk.states(sys).await.unwrap();
    let state = |name: &str| states.iter().find(|s| s.name == name).unwrap().id;
    desk.update_ticket(
        f.alice,
        ticket.id,
        TicketUpdate {
            state: Some(state("closed successful")),
            ..TicketUpdate::default()
        },
    )
    .await
    .unwrap();
    assert!(
        desk.ticket_escalation(f.alice, ticket.id)
            .await
            .unwrap()
            .is_none()
    );
    desk.update_ticket(
        f.alice,
        ticket.id,
        TicketUpdate {
            state: Some(state("open")),
            ..TicketUpdate::default()
        },
    )
    .await
    .unwrap();
    assert!(
        desk.ticket_escalation(f.alice, ticket.id)
            .await
            .unwrap()
            .is_none()
    );
    let ids: Vec<_> = desk
        .escalating_tickets(f.alice, None, None, 10)
        .await
        .unwrap()
        .iter()
        .map(|t| t.ticket.id)
        .collect();
    assert_eq!(ids, vec![later.id]);

    // Only agents may list escalations, and only within the queues they may read.
    assert!(matches!(
        desk.escalating_tickets(f.lacey, None, None, 10).await,
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(
        desk.escalating_tickets(f.alice, None, Some(&[f.postmaster]), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        desk.escalating_tickets(f.alice, None, None, 100_000).await,
        Err(DeskError::Invalid(_))
    ));

    // A rebuild finds the same deadlines (admins only).
    assert!(desk.rebuild_escalations(f.alice, None).await.is_err());
    let before = desk.ticket_escalation(f.alice, later.id).await.unwrap();
    assert!(desk.rebuild_escalations(sys, None).await.unwrap() >= 2);
    assert_eq!(
        desk.ticket_escalation(f.alice, later.id).await.unwrap(),
        before
    );
}

for_each_store!(deadlines_follow_the_ticket);
