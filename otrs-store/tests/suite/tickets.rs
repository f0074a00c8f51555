//! Tickets, the daily counter and the queue × state counts.

use chrono::NaiveDate;
use otrs_core::ids::{AgentId, CustomerUserId, QueueId, StateId, TicketId};
use otrs_core::model::{LockState, Principal, Priority, Ticket, TimeUnits, default_states};
use otrs_core::store::{QueueStateCount, Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

pub async fn day_counters_count_per_day_and_roll_back<S: Store>(store: S) {
    seed::world(&store).await;
    let day = NaiveDate::from_ymd_opt(2020, 3, 25).unwrap();
    let next_day = day.succ_opt().unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.next_ticket_counter(day).await.unwrap(), 1);
    assert_eq!(tx.next_ticket_counter(day).await.unwrap(), 2);
    assert_eq!(tx.next_ticket_counter(next_day).await.unwrap(), 1);
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.next_ticket_counter(day).await.unwrap(), 3);
    tx.rollback().await.unwrap();
    // A store either takes the rolled-back increment back (single-writer stores) or leaves a gap
    // (PostgreSQL, whose counters do not wait for the creating transaction); never less.
    let mut tx = store.begin().await.unwrap();
    let after_rollback = tx.next_ticket_counter(day).await.unwrap();
    assert!(
        (3..=4).contains(&after_rollback),
        "counter after a rollback: {after_rollback}"
    );
    tx.commit().await.unwrap();
}

pub async fn tickets_round_trip_every_field<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let full = Ticket {
        title: "Drucker «offline» — 🖨".into(),
        state_id: default_states::PENDING_REMINDER,
        priority: Priority::VERY_HIGH,
        lock: LockState::Locked,
        owner_id: w.alice,
        responsible_id: w.bob,
        customer_id: Some("SSI".into()),
        customer_user_id: Some(w.lacey),
        pending_until: Some(seed::at(86_400)),
        created_at: seed::at(1),
        created_by: Principal::Customer(w.lacey),
        changed_at: seed::at(2),
        changed_by: Principal::Agent(w.alice),
        accounted_time: TimeUnits::from_hundredths(1234),
        locked_at: Some(seed::at(3)),
        ..seed::ticket("2020032510000016", w.support)
    };
    let stored = seed::insert_ticket(&store, &full).await;
    assert_eq!(stored.version, 1);
    assert_eq!(
        stored,
        Ticket {
            id: stored.id,
            version: 1,
            ..full.clone()
        }
    );
    let (by_id, by_number, none) = ro!(store, |tx| (
        tx.ticket(stored.id).await.unwrap(),
        tx.ticket_by_number("2020032510000016").await.unwrap(),
        tx.ticket_by_number("2020032510000017").await.unwrap(),
    ));
    assert_eq!(by_id, Some(stored.clone()));
    assert_eq!(by_number, Some(stored.clone()));
    assert_eq!(none, None);

    let cleared = Ticket {
        customer_id: None,
        customer_user_id: None,
        pending_until: None,
        locked_at: None,
        lock: LockState::TmpLocked,
        ..stored.clone()
    };
    let updated = rw!(store, |tx| tx.update_ticket(&cleared).await.unwrap());
    assert_eq!(updated.version, 2);
    assert_eq!(
        ro!(store, |tx| tx.ticket(stored.id).await.unwrap()),
        Some(updated)
    );
}

pub async fn ticket_writes_check_references_versions_and_numbers<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let base = seed::ticket("1001", w.postmaster);
    let mut tx = store.begin().await.unwrap();
    for (broken, what, key) in [
        (
            Ticket {
                queue_id: QueueId(99),
                ..base.clone()
            },
            "queue",
            "99",
        ),
        (
            Ticket {
                state_id: StateId(99),
                ..base.clone()
            },
            "state",
            "99",
        ),
        (
            Ticket {
                owner_id: AgentId(98),
                ..base.clone()
            },
            "agent",
            "98",
        ),
        (
            Ticket {
                responsible_id: AgentId(97),
                ..base.clone()
            },
            "agent",
            "97",
        ),
        (
            Ticket {
                customer_user_id: Some(CustomerUserId(96)),
                ..base.clone()
            },
            "customer user",
            "96",
        ),
        // The first broken reference is named, in the order queue, state, owner, responsible.
        (
            Ticket {
                owner_id: AgentId(95),
                state_id: StateId(94),
                ..base.clone()
            },
            "state",
            "94",
        ),
    ] {
        let result = tx.insert_ticket(&broken).await;
        assert!(
            matches!(&result, Err(StoreError::NotFound { what: w, key: k }) if *w == what && k == key),
            "{what} {key}: {result:?}"
        );
    }
    let stored = tx.insert_ticket(&base).await.unwrap();
    let dup = tx.insert_ticket(&seed::ticket("1001", w.misc)).await;
    assert!(
        matches!(&dup, Err(StoreError::Duplicate { what: "ticket number", value }) if value == "1001"),
        "{dup:?}"
    );
    let renumbered = tx
        .update_ticket(&Ticket {
            number: "1002".into(),
            ..stored.clone()
        })
        .await;
    assert!(
        matches!(
            renumbered,
            Err(StoreError::Invalid {
                field: "number",
                ..
            })
        ),
        "{renumbered:?}"
    );
    let moved = tx
        .update_ticket(&Ticket {
            queue_id: w.misc,
            ..stored.clone()
        })
        .await
        .unwrap();
    let stale = tx.update_ticket(&stored).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let bad_ref = tx
        .update_ticket(&Ticket {
            owner_id: AgentId(77),
            ..moved.clone()
        })
        .await;
    assert!(matches!(
        bad_ref,
        Err(StoreError::NotFound { what: "agent", .. })
    ));
    let missing = tx
        .update_ticket(&Ticket {
            id: TicketId(12345),
            ..moved.clone()
        })
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound { what: "ticket", .. })
    ));
    tx.commit().await.unwrap();
    // Only the valid writes took effect.
    let (ticket, counts) = ro!(store, |tx| (
        tx.ticket(stored.id).await.unwrap().unwrap(),
        tx.queue_state_counts().await.unwrap()
    ));
    assert_eq!(ticket, moved);
    assert_eq!(
        counts,
        [QueueStateCount {
            queue_id: w.misc,
            state_id: default_states::OPEN,
            count: 1
        }]
    );
}

pub async fn counts_follow_inserts_moves_and_state_changes<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let mut tickets = Vec::new();
    rw!(store, |tx| {
        for i in 0..12u64 {
            let queue = [w.postmaster, w.support, w.misc][(i % 3) as usize];
            let state = [default_states::NEW, default_states::OPEN][(i % 2) as usize];
            tickets.push(
                tx.insert_ticket(&Ticket {
                    state_id: state,
                    ..seed::ticket(&format!("{}", 5000 + i), queue)
                })
                .await
                .unwrap(),
            );
        }
    });
    let count = |counts: &[QueueStateCount], q: QueueId, s: StateId| {
        counts
            .iter()
            .find(|c| c.queue_id == q && c.state_id == s)
            .map_or(0, |c| c.count)
    };
    let counts = ro!(store, |tx| tx.queue_state_counts().await.unwrap());
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 12);
    assert_eq!(count(&counts, w.postmaster, default_states::NEW), 2);
    // Moves in both directions, state changes, and an update that changes neither.
    rw!(store, |tx| {
        for t in &tickets[..4] {
            tx.update_ticket(&Ticket {
                queue_id: w.support,
                state_id: default_states::CLOSED_SUCCESSFUL,
                ..t.clone()
            })
            .await
            .unwrap();
        }
        tx.update_ticket(&Ticket {
            title: "only the title".into(),
            ..tickets[4].clone()
        })
        .await
        .unwrap();
    });
    // A rolled-back move leaves the counts alone.
    let mut tx = store.begin().await.unwrap();
    let t5 = tx.ticket(tickets[5].id).await.unwrap().unwrap();
    tx.update_ticket(&Ticket {
        queue_id: w.postmaster,
        ..t5
    })
    .await
    .unwrap();
    drop(tx);

    let counts = ro!(store, |tx| tx.queue_state_counts().await.unwrap());
    let mut expected: Vec<QueueStateCount> = Vec::new();
    let all = ro!(store, |tx| {
        let mut all = Vec::new();
        for t in &tickets {
            all.push(tx.ticket(t.id).await.unwrap().unwrap());
        }
        all
    });
    for t in &all {
        match expected
            .iter_mut()
            .find(|c| c.queue_id == t.queue_id && c.state_id == t.state_id)
        {
            Some(c) => c.count += 1,
            None => expected.push(QueueStateCount {
                queue_id: t.queue_id,
                state_id: t.state_id,
                count: 1,
            }),
        }
    }
    expected.sort_by_key(|c| (c.queue_id, c.state_id));
    assert_eq!(counts, expected);
    assert_eq!(
        count(&counts, w.support, default_states::CLOSED_SUCCESSFUL),
        4
    );
    // Zero counts are not reported.
    assert!(counts.iter().all(|c| c.count > 0));
}
