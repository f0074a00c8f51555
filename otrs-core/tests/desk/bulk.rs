use otrs_core::desk::{
    BulkAction, BulkEmail, BulkLink, BulkMerge, BulkNote, TicketOutcome, TicketUpdate,
};
use otrs_core::model::{LinkType, LockState, ObjectRef, Priority, default_states};
use otrs_core::{DeskError, block_on};

use crate::common::World;

#[test]
fn bulk_locks_changes_reports_and_unlocks() {
    let w = World::new();
    let a = w.ticket("a");
    let b = w.ticket("b");
    let locked_by_bob = w.ticket("c");
    block_on(w.desk.lock_ticket(w.bob, locked_by_bob.id)).unwrap();
    let foreign = w.ticket_in(w.alice, w.support, "support");
    let action = BulkAction {
        tickets: vec![a.id, b.id, locked_by_bob.id, foreign.id, a.id],
        update: TicketUpdate {
            priority: Some(Priority::HIGH),
            queue: Some(w.misc),
            ..Default::default()
        },
        note: Some(BulkNote {
            subject: "Bulk".into(),
            body: "done in bulk".into(),
            visible_for_customer: false,
            time_units: None,
        }),
        ..Default::default()
    };
    let report = block_on(w.desk.bulk(w.alice, action.clone())).unwrap();
    assert_eq!(report.outcomes.len(), 4, "duplicates are ignored");
    assert!(report.outcomes[0].outcome.is_done());
    assert!(report.outcomes[1].outcome.is_done());
    assert!(matches!(
        report.outcomes[2].outcome,
        TicketOutcome::Skipped(DeskError::TicketLocked { .. })
    ));
    // alice may lock the Support ticket (she has rw there) but not move it into Misc? She can: rw on users.
    assert!(report.outcomes[3].outcome.is_done());
    for id in [a.id, b.id] {
        let t = w.get(id);
        assert_eq!(t.priority, Priority::HIGH);
        assert_eq!(t.queue_id, w.misc);
        assert_eq!(
            t.lock,
            LockState::Unlocked,
            "unlocked after the bulk action"
        );
        assert_eq!(
            t.owner_id,
            World::agent_id(w.alice),
            "lock and continue made alice owner"
        );
        assert_eq!(
            block_on(w.desk.articles(w.alice, id))
                .unwrap()
                .last()
                .unwrap()
                .body,
            "done in bulk"
        );
    }
    let untouched = w.get(locked_by_bob.id);
    assert_eq!(untouched.priority, Priority::NORMAL);
    assert_eq!(untouched.owner_id, World::agent_id(w.bob));

    // bob's bulk: he cannot move into Support, so that ticket fails as a whole (nothing kept, not even the lock).
    let c = w.ticket("d");
    let move_to_support = BulkAction {
        tickets: vec![c.id],
        update: TicketUpdate {
            queue: Some(w.support),
            ..Default::default()
        },
        keep_locked: true,
        ..Default::default()
    };
    let report = block_on(w.desk.bulk(w.bob, move_to_support)).unwrap();
    assert!(matches!(
        report.outcomes[0].outcome,
        TicketOutcome::Failed(DeskError::PermissionDenied { .. })
    ));
    assert_eq!(w.get(c.id).lock, LockState::Unlocked);
    assert_eq!(w.get(c.id).owner_id, World::agent_id(w.alice));
}

#[test]
fn keep_locked_keeps_the_locks() {
    let w = World::new();
    let a = w.ticket("a");
    let action = BulkAction {
        tickets: vec![a.id],
        update: TicketUpdate {
            state: Some(default_states::OPEN),
            ..Default::default()
        },
        keep_locked: true,
        ..Default::default()
    };
    block_on(w.desk.bulk(w.bob, action)).unwrap();
    let t = w.get(a.id);
    assert_eq!(t.lock, LockState::Locked);
    assert_eq!(t.owner_id, World::agent_id(w.bob));
}

#[test]
fn bulk_links_together_or_to_a_parent() {
    let w = World::new();
    let (a, b, c) = (w.ticket("a"), w.ticket("b"), w.ticket("c"));
    let report = block_on(w.desk.bulk(
        w.alice,
        BulkAction {
            tickets: vec![a.id, b.id, c.id],
            link: BulkLink::Together,
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(report.outcomes[0].linked_to.len(), 2);
    assert_eq!(
        block_on(w.desk.links(w.alice, ObjectRef::Ticket(b.id)))
            .unwrap()
            .len(),
        2
    );
    let parent = w.ticket("parent");
    block_on(w.desk.bulk(
        w.alice,
        BulkAction {
            tickets: vec![a.id, b.id],
            link: BulkLink::ToParent(parent.id),
            ..Default::default()
        },
    ))
    .unwrap();
    let links = block_on(w.desk.links(w.alice, ObjectRef::Ticket(parent.id))).unwrap();
    assert_eq!(links.len(), 2);
    assert!(
        links
            .iter()
            .all(|l| l.link_type == LinkType::ParentChild
                && l.source == ObjectRef::Ticket(parent.id))
    );
}

#[test]
fn bulk_merges_into_the_oldest_or_a_chosen_ticket() {
    let w = World::new();
    let oldest = w.ticket("oldest");
    w.clock.advance(chrono::Duration::minutes(5));
    let (b, c) = (w.ticket("b"), w.ticket("c"));
    let report = block_on(w.desk.bulk(
        w.alice,
        BulkAction {
            tickets: vec![c.id, b.id, oldest.id],
            merge: BulkMerge::ToOldest,
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(report.outcomes[0].merged_into, Some(oldest.id));
    assert_eq!(report.outcomes[1].merged_into, Some(oldest.id));
    assert_eq!(report.outcomes[2].merged_into, None);
    assert_eq!(w.get(b.id).state_id, default_states::MERGED);
    assert_eq!(
        block_on(w.desk.articles(w.alice, oldest.id)).unwrap().len(),
        3
    );
    let (d, e) = (w.ticket("d"), w.ticket("e"));
    block_on(w.desk.bulk(
        w.alice,
        BulkAction {
            tickets: vec![d.id],
            merge: BulkMerge::Into(e.id),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(w.get(d.id).state_id, default_states::MERGED);
}

#[test]
fn bulk_email_writes_to_each_tickets_customer() {
    let w = World::new();
    let a = w.ticket("a");
    let action = BulkAction {
        tickets: vec![a.id],
        email: Some(BulkEmail {
            subject: "Maintenance".into(),
            body: "Tonight.".into(),
            time_units: None,
        }),
        ..Default::default()
    };
    block_on(w.desk.bulk(w.alice, action)).unwrap();
    let last = block_on(w.desk.articles(w.alice, a.id))
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(last.to, "Lacey Customer <lacey@example.org>");
    assert_eq!(last.channel.name(), "email");
}

#[test]
fn invalid_bulk_input_changes_nothing() {
    let w = World::new();
    let a = w.ticket("a");
    assert!(matches!(
        block_on(w.desk.bulk(w.alice, BulkAction::default())),
        Err(DeskError::Invalid(_))
    ));
    let both = BulkAction {
        tickets: vec![a.id],
        link: BulkLink::Together,
        merge: BulkMerge::ToOldest,
        ..Default::default()
    };
    assert!(matches!(
        block_on(w.desk.bulk(w.alice, both)),
        Err(DeskError::Invalid(_))
    ));
    let empty_note = BulkAction {
        tickets: vec![a.id],
        note: Some(BulkNote {
            subject: String::new(),
            body: "  ".into(),
            visible_for_customer: false,
            time_units: None,
        }),
        ..Default::default()
    };
    assert!(matches!(
        block_on(w.desk.bulk(w.alice, empty_note)),
        Err(DeskError::Invalid(_))
    ));
    assert_eq!(w.get(a.id), a);
}
