use chrono::{Duration, TimeZone, Utc};
use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket, TicketUpdate};
use otrs_core::ids::{AgentId, QueueId, StateId};
use otrs_core::model::{LockState, Priority, StateType, default_states};
use otrs_core::rules::ticket_number::is_date_checksum;
use otrs_core::store::{PageRequest, TicketFilter, TicketSort};
use otrs_core::{DeskError, Principal, block_on};

use crate::common::World;

#[test]
fn agent_tickets_start_open_normal_owned_by_the_creator() {
    let w = World::new();
    let t = w.ticket("Printer is offline");
    assert_eq!(t.state_id, default_states::OPEN);
    assert_eq!(t.priority, Priority::NORMAL);
    assert_eq!(t.owner_id, World::agent_id(w.alice));
    assert_eq!(t.responsible_id, AgentId::SYSTEM);
    assert_eq!(t.lock, LockState::Unlocked);
    assert_eq!(
        t.customer_id.as_deref(),
        Some("SSI"),
        "CustomerID comes from the customer user"
    );
    assert_eq!(t.number, "2020032510000016");
    assert!(is_date_checksum(&t.number, w.desk.config().system_id));
    assert_eq!(
        w.history_types(t.id),
        [
            "NewTicket",
            "CustomerUpdate",
            "OwnerUpdate",
            "PhoneCallCustomer"
        ]
    );
    let articles = block_on(w.desk.articles(w.alice, t.id)).unwrap();
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0].from, "Lacey Customer <lacey@example.org>");
    assert_eq!(articles[0].direction().name(), "incoming");
}

#[test]
fn customer_tickets_start_new_and_belong_to_the_customer() {
    let w = World::new();
    let new = NewTicket::new(
        "Keyboard broken",
        w.postmaster,
        ArticleInput::new(ArticleKind::Portal, "Keyboard", "It does not type."),
    );
    let t = block_on(w.desk.create_ticket(w.lacey, new)).unwrap();
    assert_eq!(t.state_id, default_states::NEW);
    assert_eq!(t.owner_id, AgentId::SYSTEM);
    assert_eq!(t.customer_user_id, Some(World::customer_id(w.lacey)));
    assert_eq!(
        w.history_types(t.id),
        ["NewTicket", "CustomerUpdate", "WebRequestCustomer"]
    );
    // Customers cannot pick the priority or create in queues not offered to them.
    let mut bad = NewTicket::new(
        "x",
        w.postmaster,
        ArticleInput::new(ArticleKind::Portal, "x", "y"),
    );
    bad.priority = Some(Priority::VERY_HIGH);
    assert!(matches!(
        block_on(w.desk.create_ticket(w.lacey, bad)),
        Err(DeskError::Invalid(_))
    ));
    let elsewhere = NewTicket::new(
        "x",
        w.support,
        ArticleInput::new(ArticleKind::Portal, "x", "y"),
    );
    assert!(matches!(
        block_on(w.desk.create_ticket(w.lacey, elsewhere)),
        Err(DeskError::PermissionDenied { .. })
    ));
}

#[test]
fn numbers_are_unique_increase_within_a_day_and_restart_the_next_day() {
    let w = World::new();
    let a = w.ticket("a");
    let b = w.ticket("b");
    assert!(b.number > a.number);
    assert_eq!(&a.number[..8], "20200325");
    w.clock
        .set(Utc.with_ymd_and_hms(2020, 3, 26, 0, 0, 1).unwrap());
    let c = w.ticket("c");
    assert_eq!(
        c.number, "2020032610000014",
        "the counter restarts at 1 each day"
    );
}

#[test]
fn the_day_of_the_counter_is_the_system_time_zones() {
    let clock = std::sync::Arc::new(otrs_core::clock::ManualClock::new(
        Utc.with_ymd_and_hms(2020, 3, 25, 23, 30, 0).unwrap(),
    ));
    let config = otrs_core::DeskConfig {
        time_zone: chrono_tz::Europe::Berlin,
        ..Default::default()
    };
    let desk = otrs_core::Desk::new(otrs_core::store::MemoryStore::new(), clock, config);
    block_on(desk.initialize()).unwrap();
    let t = block_on(desk.create_ticket(
        Principal::SYSTEM,
        NewTicket::new("late", otrs_core::ids::QueueId(1), ArticleInput::note("x")),
    ))
    .unwrap();
    assert!(
        t.number.starts_with("20200326"),
        "23:30 UTC is already the 26th in Berlin: {}",
        t.number
    );
}

#[test]
fn bad_input_names_every_field_and_changes_nothing() {
    let w = World::new();
    let mut new = NewTicket::new(
        "   ",
        QueueId(999),
        ArticleInput::new(ArticleKind::EmailOutbound, "s", "b"),
    );
    new.article.to = Some("not an address".into());
    new.state = Some(StateId(77));
    let err = block_on(w.desk.create_ticket(w.alice, new)).unwrap_err();
    let DeskError::Invalid(errors) = err else {
        panic!("expected a validation error, got {err:?}")
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "article.to", "queue", "state"]);
    let page = block_on(w.desk.list_tickets(
        Principal::SYSTEM,
        TicketFilter::default(),
        TicketSort::default(),
        PageRequest::first(10),
    ))
    .unwrap();
    assert_eq!(page.total, 0);
    // An attachment over the limit is refused by name.
    let mut new = NewTicket::new("big", w.postmaster, ArticleInput::note("x"));
    new.article
        .attachments
        .push(otrs_core::model::NewAttachment {
            filename: "huge.bin".into(),
            content_type: "application/octet-stream".into(),
            content: vec![0u8; (w.desk.config().max_attachment_bytes + 1) as usize].into(),
            content_id: None,
            inline: false,
        });
    let err = block_on(w.desk.create_ticket(w.alice, new)).unwrap_err();
    assert!(err.to_string().contains("huge.bin"), "{err}");
}

#[test]
fn nul_characters_are_refused_everywhere() {
    let w = World::new();
    let new = NewTicket::new("a\u{0}b", w.postmaster, ArticleInput::note("body"));
    assert!(matches!(
        block_on(w.desk.create_ticket(w.alice, new)),
        Err(DeskError::Invalid(_))
    ));
    let t = w.ticket("ok");
    let err = block_on(
        w.desk
            .add_article(w.alice, t.id, ArticleInput::note("x\u{0}")),
    )
    .unwrap_err();
    assert!(err.to_string().contains("U+0000"), "{err}");
}

#[test]
fn locking_makes_the_locker_owner_and_blocks_others() {
    let w = World::new();
    let t = w.ticket("lock me");
    let locked = block_on(w.desk.lock_ticket(w.bob, t.id)).unwrap();
    assert_eq!(locked.lock, LockState::Locked);
    assert_eq!(locked.owner_id, World::agent_id(w.bob));
    assert_eq!(
        locked.responsible_id,
        World::agent_id(w.bob),
        "an unset responsible follows the new owner"
    );
    assert_eq!(locked.locked_at, Some(w.clock_now()));
    // Locking again is a no-op without history.
    let before = w.history_types(t.id).len();
    block_on(w.desk.lock_ticket(w.bob, t.id)).unwrap();
    assert_eq!(w.history_types(t.id).len(), before);
    // Another agent cannot lock, move, close or unlock it.
    let err = block_on(w.desk.lock_ticket(w.alice, t.id)).unwrap_err();
    assert!(
        matches!(&err, DeskError::TicketLocked { by, .. } if by == "bob"),
        "{err}"
    );
    let close = TicketUpdate {
        state: Some(default_states::CLOSED_SUCCESSFUL),
        ..Default::default()
    };
    assert!(matches!(
        block_on(w.desk.update_ticket(w.alice, t.id, close.clone())),
        Err(DeskError::TicketLocked { .. })
    ));
    assert!(matches!(
        block_on(w.desk.unlock_ticket(w.alice, t.id)),
        Err(DeskError::TicketLocked { .. })
    ));
    // Notes do not need the lock.
    block_on(w.desk.add_article(w.alice, t.id, ArticleInput::note("fyi"))).unwrap();
    // The holder closes: closing unlocks.
    let closed = block_on(w.desk.update_ticket(w.bob, t.id, close)).unwrap();
    assert_eq!(closed.lock, LockState::Unlocked);
    assert_eq!(
        closed.owner_id,
        World::agent_id(w.bob),
        "the owner stays after unlocking"
    );
    let types = w.history_types(t.id);
    assert!(
        types.ends_with(&["StateUpdate".into(), "Unlock".into()]),
        "{types:?}"
    );
}

#[test]
fn admins_may_unlock_anyones_ticket_customers_and_readers_may_not_lock() {
    let w = World::new();
    let t = w.ticket("stuck");
    block_on(w.desk.lock_ticket(w.bob, t.id)).unwrap();
    let unlocked = block_on(w.desk.unlock_ticket(w.admin, t.id)).unwrap();
    assert_eq!(unlocked.lock, LockState::Unlocked);
    assert!(matches!(
        block_on(w.desk.lock_ticket(w.carol, t.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(block_on(w.desk.lock_ticket(w.lacey, t.id)).is_err());
    assert!(matches!(
        block_on(w.desk.lock_ticket(Principal::SYSTEM, t.id)),
        Err(DeskError::NotAllowed { .. })
    ));
}

#[test]
fn moving_needs_move_into_on_the_target_and_unlocks() {
    let w = World::new();
    let t = w.ticket("move me");
    block_on(w.desk.lock_ticket(w.bob, t.id)).unwrap();
    // bob has no rights on Support.
    let to_support = TicketUpdate {
        queue: Some(w.support),
        ..Default::default()
    };
    assert!(matches!(
        block_on(w.desk.update_ticket(w.bob, t.id, to_support.clone())),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert_eq!(
        w.get(t.id).queue_id,
        w.postmaster,
        "a refused move changes nothing"
    );
    block_on(w.desk.unlock_ticket(w.bob, t.id)).unwrap();
    block_on(w.desk.lock_ticket(w.alice, t.id)).unwrap();
    let moved = block_on(w.desk.update_ticket(w.alice, t.id, to_support)).unwrap();
    assert_eq!(moved.queue_id, w.support);
    assert_eq!(moved.lock, LockState::Unlocked, "a move unlocks");
    let history = block_on(w.desk.history(Principal::SYSTEM, t.id)).unwrap();
    let mv = history
        .iter()
        .find(|h| h.entry.history_type.name() == "Move")
        .unwrap();
    assert_eq!(
        mv.entry.params,
        [
            "Support",
            &w.support.to_string(),
            "Postmaster",
            &w.postmaster.to_string()
        ]
    );
    assert_eq!(
        mv.entry.queue_id, w.support,
        "the snapshot holds the values at that moment"
    );
}

#[test]
fn pending_states_need_a_future_time_and_leaving_them_clears_it() {
    let w = World::new();
    let t = w.ticket("wait");
    let pending = TicketUpdate {
        state: Some(default_states::PENDING_REMINDER),
        ..Default::default()
    };
    let err = block_on(w.desk.update_ticket(w.alice, t.id, pending)).unwrap_err();
    assert!(err.to_string().contains("pending_until"), "{err}");
    let past = TicketUpdate {
        state: Some(default_states::PENDING_REMINDER),
        pending_until: Some(w.clock_now() - Duration::hours(1)),
        ..Default::default()
    };
    assert!(block_on(w.desk.update_ticket(w.alice, t.id, past)).is_err());
    let until = w.clock_now() + Duration::days(2);
    let ok = TicketUpdate {
        state: Some(default_states::PENDING_REMINDER),
        pending_until: Some(until),
        ..Default::default()
    };
    let t2 = block_on(w.desk.update_ticket(w.alice, t.id, ok)).unwrap();
    assert_eq!(t2.pending_until, Some(until));
    let open = TicketUpdate {
        state: Some(default_states::OPEN),
        ..Default::default()
    };
    let t3 = block_on(w.desk.update_ticket(w.alice, t.id, open)).unwrap();
    assert_eq!(t3.pending_until, None);
    assert!(
        w.history_types(t.id)
            .ends_with(&["StateUpdate".into(), "SetPendingTime".into()])
    );
    // Merged is reached only by merging.
    let merged = TicketUpdate {
        state: Some(default_states::MERGED),
        ..Default::default()
    };
    assert!(matches!(
        block_on(w.desk.update_ticket(w.alice, t.id, merged)),
        Err(DeskError::Invalid(_))
    ));
}

#[test]
fn one_update_is_all_or_nothing() {
    let w = World::new();
    let t = w.ticket("several");
    let update = TicketUpdate {
        title: Some("New title".into()),
        priority: Some(Priority::HIGH),
        queue: Some(w.support), // alice may; but the state below is invalid
        state: Some(StateId(4242)),
        ..Default::default()
    };
    assert!(block_on(w.desk.update_ticket(w.alice, t.id, update)).is_err());
    let after = w.get(t.id);
    assert_eq!(after, t, "nothing of a failed update is kept");
}

#[test]
fn stale_versions_are_refused() {
    let w = World::new();
    let t = w.ticket("versioned");
    let update = TicketUpdate {
        priority: Some(Priority::HIGH),
        expected_version: Some(t.version),
        ..Default::default()
    };
    let t2 = block_on(w.desk.update_ticket(w.alice, t.id, update.clone())).unwrap();
    assert_eq!(t2.version, t.version + 1);
    let err = block_on(w.desk.update_ticket(
        w.alice,
        t.id,
        TicketUpdate {
            priority: Some(Priority::LOW),
            ..update
        },
    ))
    .unwrap_err();
    assert!(
        matches!(err, DeskError::VersionMismatch { expected, actual, .. } if expected == t.version && actual == t2.version)
    );
}

#[test]
fn owner_and_responsible_need_rights_in_the_queue() {
    let w = World::new();
    let t = w.ticket("assign");
    let to_erin = TicketUpdate {
        owner: Some(World::agent_id(w.erin)),
        ..Default::default()
    };
    let err = block_on(w.desk.update_ticket(w.alice, t.id, to_erin)).unwrap_err();
    assert!(err.to_string().contains("erin"), "{err}");
    let to_bob = TicketUpdate {
        owner: Some(World::agent_id(w.bob)),
        responsible: Some(World::agent_id(w.carol)),
        ..Default::default()
    };
    let t2 = block_on(w.desk.update_ticket(w.alice, t.id, to_bob)).unwrap();
    assert_eq!(t2.owner_id, World::agent_id(w.bob));
    assert_eq!(t2.responsible_id, World::agent_id(w.carol));
    // carol (ro) may read but not change the priority.
    let p = TicketUpdate {
        priority: Some(Priority::LOW),
        ..Default::default()
    };
    assert!(
        block_on(w.desk.update_ticket(w.carol, t.id, p.clone())).is_ok(),
        "the responsible agent may do everything"
    );
    let other = w.ticket("other");
    assert!(matches!(
        block_on(w.desk.update_ticket(w.carol, other.id, p)),
        Err(DeskError::PermissionDenied { .. })
    ));
}

#[test]
fn watching_is_idempotent_and_gives_read_access() {
    let w = World::new();
    let t = w.ticket_in(w.alice, w.support, "watched");
    assert!(matches!(
        block_on(w.desk.watch_ticket(w.bob, t.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    block_on(w.desk.watch_ticket(w.erin, t.id)).unwrap();
    block_on(w.desk.watch_ticket(w.erin, t.id)).unwrap();
    assert_eq!(
        w.history_types(t.id)
            .iter()
            .filter(|h| *h == "Subscribe")
            .count(),
        1
    );
    assert_eq!(block_on(w.desk.watchers(w.alice, t.id)).unwrap().len(), 1);
    block_on(w.desk.unwatch_ticket(w.erin, t.id)).unwrap();
    assert!(block_on(w.desk.watchers(w.alice, t.id)).unwrap().is_empty());
}

#[test]
fn lists_filter_sort_paginate_and_count() {
    let w = World::new();
    let mut ids = Vec::new();
    for i in 0..7 {
        w.clock.advance(Duration::minutes(1));
        ids.push(w.ticket(&format!("t{i}")).id);
    }
    w.clock.advance(Duration::minutes(1));
    block_on(w.desk.update_ticket(
        w.alice,
        ids[2],
        TicketUpdate {
            priority: Some(Priority::VERY_HIGH),
            ..Default::default()
        },
    ))
    .unwrap();
    let sort = TicketSort::parse("-changed").unwrap();
    let first = block_on(w.desk.list_tickets(
        w.alice,
        TicketFilter::default(),
        sort,
        PageRequest::first(3),
    ))
    .unwrap();
    assert_eq!(first.total, 7);
    assert_eq!(
        first.tickets[0].id, ids[2],
        "the last changed ticket comes first"
    );
    assert_eq!(first.tickets[1].id, ids[6]);
    let mut seen: Vec<_> = first.tickets.iter().map(|t| t.id).collect();
    let mut cursor = first.next_cursor.clone();
    while let Some(c) = cursor {
        let page = block_on(w.desk.list_tickets(
            w.alice,
            TicketFilter::default(),
            sort,
            PageRequest::After {
                cursor: c,
                limit: 3,
            },
        ))
        .unwrap();
        seen.extend(page.tickets.iter().map(|t| t.id));
        cursor = page.next_cursor;
    }
    let offset: Vec<_> = (1..=3)
        .flat_map(|p| {
            block_on(w.desk.list_tickets(
                w.alice,
                TicketFilter::default(),
                sort,
                PageRequest::page(p, 3),
            ))
            .unwrap()
            .tickets
        })
        .map(|t| t.id)
        .collect();
    assert_eq!(seen, offset, "keyset and offset pagination agree");
    let high = TicketFilter {
        priorities: Some(vec![Priority::VERY_HIGH]),
        ..Default::default()
    };
    assert_eq!(
        block_on(
            w.desk
                .list_tickets(w.alice, high, sort, PageRequest::first(10))
        )
        .unwrap()
        .total,
        1
    );
    let open = TicketFilter {
        state_types: Some(vec![StateType::Open]),
        ..Default::default()
    };
    assert_eq!(
        block_on(
            w.desk
                .list_tickets(w.alice, open, sort, PageRequest::first(10))
        )
        .unwrap()
        .total,
        7
    );
    assert!(matches!(
        block_on(w.desk.list_tickets(
            w.alice,
            TicketFilter::default(),
            sort,
            PageRequest::first(100_000)
        )),
        Err(DeskError::Invalid(_))
    ));
}

#[test]
fn queue_state_counts_follow_every_change() {
    let w = World::new();
    let a = w.ticket("a");
    w.ticket("b");
    block_on(w.desk.update_ticket(
        w.alice,
        a.id,
        TicketUpdate {
            queue: Some(w.misc),
            state: Some(default_states::CLOSED_SUCCESSFUL),
            ..Default::default()
        },
    ))
    .unwrap();
    let counts = block_on(w.desk.queue_state_counts(w.alice)).unwrap();
    let get = |q: QueueId, s: StateId| {
        counts
            .iter()
            .find(|c| c.queue_id == q && c.state_id == s)
            .map_or(0, |c| c.count)
    };
    assert_eq!(get(w.postmaster, default_states::OPEN), 1);
    assert_eq!(get(w.misc, default_states::CLOSED_SUCCESSFUL), 1);
    assert_eq!(get(w.postmaster, default_states::CLOSED_SUCCESSFUL), 0);
    assert!(block_on(w.desk.queue_state_counts(w.lacey)).is_err());
}

#[test]
fn every_command_writes_the_change_feed_in_order() {
    let w = World::new();
    let before = block_on(w.desk.changes_since(w.admin, 0, 10_000))
        .unwrap()
        .len() as u64;
    let t = w.ticket("fed");
    block_on(w.desk.lock_ticket(w.alice, t.id)).unwrap();
    let changes = block_on(w.desk.changes_since(w.admin, before, 100)).unwrap();
    assert_eq!(changes.len(), 2);
    assert!(changes[0].seq < changes[1].seq);
    assert!(changes.iter().all(|c| c.entity_id == t.id.0));
    assert!(
        block_on(w.desk.changes_since(w.alice, 0, 10)).is_err(),
        "the feed is for admins"
    );
}

impl World {
    pub fn clock_now(&self) -> chrono::DateTime<Utc> {
        use otrs_core::clock::Clock;
        self.clock.now()
    }
}

#[test]
fn states_added_here_are_usable_at_once_and_from_elsewhere_after_the_cache_time() {
    use otrs_core::model::{State, StateType};
    use otrs_core::store::{Store, StoreTx};
    let w = World::new();
    // Fill the catalogue cache.
    w.ticket("before");
    let here = block_on(
        w.desk
            .create_state(w.admin, "waiting for parts".into(), StateType::Open),
    )
    .unwrap();
    let new = |title: &str, state| NewTicket {
        state: Some(state),
        ..NewTicket::new(title, w.postmaster, ArticleInput::note("n"))
    };
    block_on(
        w.desk
            .create_ticket(w.alice, new("uses the new state", here.id)),
    )
    .unwrap();

    // Another process adds a state straight to the shared store: unknown until the cache expires.
    let elsewhere = block_on(async {
        let mut tx = w.desk.store().begin().await.unwrap();
        let state = tx
            .insert_state(&State {
                id: otrs_core::ids::StateId(0),
                name: "with the vendor".into(),
                state_type: StateType::Open,
                valid: true,
            })
            .await
            .unwrap();
        tx.commit().await.unwrap();
        state
    });
    let refused = block_on(
        w.desk
            .create_ticket(w.alice, new("too early", elsewhere.id)),
    );
    assert!(
        matches!(&refused, Err(DeskError::Invalid(e)) if e.0[0].field == "state"),
        "{refused:?}"
    );
    w.clock
        .advance(w.desk.config().state_cache_ttl + chrono::Duration::milliseconds(1));
    block_on(w.desk.create_ticket(w.alice, new("in time", elsewhere.id))).unwrap();
}

#[test]
fn standard_texts_are_updated_by_admins_only_and_invalid_ones_are_not_offered() {
    use otrs_core::desk::{NewStandardText, StandardTextUpdate};
    use otrs_core::model::{TextKind, Validity};
    let w = World::new();
    let new = |name: &str| NewStandardText {
        kind: TextKind::Template,
        name: name.into(),
        text: "Dear customer,".into(),
        queues: vec![w.support],
    };
    let greeting = block_on(w.desk.create_standard_text(w.admin, new("Greeting"))).unwrap();
    block_on(w.desk.create_standard_text(w.admin, new("Other"))).unwrap();
    assert_eq!(greeting.content_type, "text/plain");
    // A non-admin is refused and nothing changes.
    let rename = StandardTextUpdate {
        name: Some("Mine".into()),
        ..Default::default()
    };
    assert!(matches!(
        block_on(w.desk.update_standard_text(
            w.alice,
            TextKind::Template,
            greeting.id,
            rename.clone()
        )),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(block_on(w.desk.all_standard_texts(w.alice, TextKind::Template)).is_err());
    let all = block_on(w.desk.all_standard_texts(w.admin, TextKind::Template)).unwrap();
    assert_eq!(all.iter().find(|t| t.id == greeting.id), Some(&greeting));
    // Bad input names its fields.
    let bad = StandardTextUpdate {
        name: Some(String::new()),
        content_type: Some("image/png".into()),
        queues: Some(vec![QueueId(999)]),
        ..Default::default()
    };
    let Err(DeskError::Invalid(errors)) =
        block_on(
            w.desk
                .update_standard_text(w.admin, TextKind::Template, greeting.id, bad),
        )
    else {
        panic!("bad input accepted")
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name", "content_type", "queues"]);
    // A taken name, a wrong kind and a stale version are refused.
    assert!(matches!(
        block_on(w.desk.update_standard_text(
            w.admin,
            TextKind::Template,
            greeting.id,
            StandardTextUpdate {
                name: Some("Other".into()),
                ..Default::default()
            }
        )),
        Err(DeskError::Duplicate { .. })
    ));
    assert!(matches!(
        block_on(w.desk.update_standard_text(
            w.admin,
            TextKind::Signature,
            greeting.id,
            rename.clone()
        )),
        Err(DeskError::NotFound { .. })
    ));
    assert!(matches!(
        block_on(w.desk.update_standard_text(
            w.admin,
            TextKind::Template,
            greeting.id,
            StandardTextUpdate {
                expected_version: Some(greeting.version + 5),
                ..rename.clone()
            }
        )),
        Err(DeskError::VersionMismatch { .. })
    ));
    // Everything at once.
    let updated = block_on(w.desk.update_standard_text(
        w.admin,
        TextKind::Template,
        greeting.id,
        StandardTextUpdate {
            name: Some(" Welcome ".into()),
            text: Some("<p>Hello</p>".into()),
            content_type: Some("text/html".into()),
            validity: Some(Validity::Invalid),
            queues: Some(vec![w.misc]),
            expected_version: Some(greeting.version),
        },
    ))
    .unwrap();
    assert_eq!(updated.name, "Welcome");
    assert_eq!(updated.content_type, "text/html");
    assert_eq!(updated.queues, vec![w.misc]);
    assert_eq!(updated.version, greeting.version + 1);
    // Invalid texts are not offered to agents, admins still see them.
    let offered = block_on(w.desk.standard_texts(w.alice, TextKind::Template, None)).unwrap();
    assert!(offered.iter().all(|t| t.id != greeting.id));
    let all = block_on(w.desk.all_standard_texts(w.admin, TextKind::Template)).unwrap();
    assert!(
        all.iter()
            .any(|t| t.id == greeting.id && t.validity == Validity::Invalid)
    );
}
