//! Ticket lists, compared with the in-memory store (the reference): the same tickets are written
//! to both, and every combination of access, filter, sort order and page must give the same
//! tickets, totals and cursors.

use chrono::Duration;
use otrs_core::ids::{AgentId, QueueId, TicketId};
use otrs_core::model::{LockState, Priority, StateType, Ticket, Watcher, default_states};
use otrs_core::store::{
    Cursor, MemoryStore, PageRequest, SortValue, Store, StoreTx, TicketAccess, TicketFilter,
    TicketPage, TicketQuery, TicketSort, TicketSortKey,
};

use crate::support::for_each_sql_store;
use crate::support::seed::{self, World};
use crate::{ro, rw};

/// 60 tickets with every attribute varied, ties included.
fn tickets(w: &World) -> Vec<Ticket> {
    let queues = [w.postmaster, w.support, w.misc];
    let states = [
        default_states::NEW,
        default_states::OPEN,
        default_states::CLOSED_SUCCESSFUL,
        default_states::PENDING_REMINDER,
        default_states::MERGED,
    ];
    let agents = [AgentId::SYSTEM, w.alice, w.bob, w.carol];
    let customers = [
        None,
        Some("SSI"),
        Some("ssi"),
        Some("OTHER"),
        Some("other2"),
    ];
    let titles = [
        "Printer",
        "printer jam",
        "VPN down",
        "vpn 50% slow",
        "Mail_box",
        "Ärger",
    ];
    (0..60u64)
        .map(|i| {
            let state = states[(i % 5) as usize];
            Ticket {
                title: format!("{} {}", titles[(i % 6) as usize], i % 4),
                queue_id: queues[(i % 3) as usize],
                state_id: state,
                priority: Priority::new((i % 5) as u8 + 1).unwrap(),
                lock: [LockState::Unlocked, LockState::Locked, LockState::TmpLocked]
                    [(i % 7 % 3) as usize],
                owner_id: agents[(i % 4) as usize],
                responsible_id: agents[((i / 4) % 4) as usize],
                customer_id: customers[(i % 5) as usize].map(str::to_owned),
                customer_user_id: match i % 6 {
                    0 => Some(w.lacey),
                    1 => Some(w.robert),
                    _ => None,
                },
                pending_until: (state == default_states::PENDING_REMINDER || i % 11 == 0)
                    .then(|| seed::at(10_000 + (i as i64 % 4) * 600)),
                // Ties on purpose: several tickets share times.
                created_at: seed::at((i / 3) as i64 * 60),
                changed_at: seed::at(((i * 7) % 20) as i64 * 30),
                ..seed::ticket(&format!("2020032510{:06}", (i * 37) % 1000), queues[0])
            }
        })
        .collect()
}

async fn fill<S: Store>(store: &S) -> (World, Vec<Ticket>) {
    let w = seed::world(store).await;
    let mut stored = Vec::new();
    rw!(*store, |tx| {
        for t in tickets(&w) {
            stored.push(tx.insert_ticket(&t).await.unwrap());
        }
        for (i, t) in stored.iter().enumerate() {
            if i % 9 == 4 {
                tx.upsert_watcher(&Watcher {
                    ticket_id: t.id,
                    agent_id: w.carol,
                    since: seed::at(1),
                })
                .await
                .unwrap();
            }
        }
    });
    (w, stored)
}

async fn list<S: Store>(store: &S, query: &TicketQuery) -> TicketPage {
    ro!(*store, |tx| tx.list_tickets(query).await.unwrap())
}

fn accesses(w: &World) -> Vec<TicketAccess> {
    vec![
        TicketAccess::Unrestricted,
        // Carol reads users' queues and watches some tickets elsewhere.
        TicketAccess::Agent {
            agent: w.carol,
            readable_queues: vec![w.postmaster, w.misc],
        },
        // Bob reads nothing but owns and is responsible for some tickets.
        TicketAccess::Agent {
            agent: w.bob,
            readable_queues: vec![],
        },
        TicketAccess::Customer {
            user: w.lacey,
            customer_ids: vec!["ssi".into(), "OTHER2".into()],
        },
        TicketAccess::Customer {
            user: w.robert,
            customer_ids: vec![],
        },
    ]
}

fn filters(w: &World, ids: &[TicketId]) -> Vec<TicketFilter> {
    let none = TicketFilter::default;
    vec![
        none(),
        TicketFilter {
            queue_ids: Some(vec![w.support]),
            ..none()
        },
        TicketFilter {
            queue_ids: Some(vec![w.postmaster, w.misc]),
            state_types: Some(vec![
                StateType::New,
                StateType::Open,
                StateType::PendingReminder,
            ]),
            ..none()
        },
        TicketFilter {
            queue_ids: Some(vec![w.misc, w.support]),
            state_ids: Some(vec![default_states::OPEN]),
            ..none()
        },
        TicketFilter {
            state_ids: Some(vec![]),
            ..none()
        },
        TicketFilter {
            state_types: Some(vec![StateType::Closed, StateType::Merged]),
            ..none()
        },
        TicketFilter {
            ids: Some(ids.iter().copied().step_by(3).collect()),
            priorities: Some(vec![Priority::HIGH, Priority::VERY_LOW]),
            ..none()
        },
        TicketFilter {
            number: Some("2020032510000037".into()),
            ..none()
        },
        TicketFilter {
            owner_ids: Some(vec![w.alice, w.bob]),
            locks: Some(vec![LockState::Locked]),
            ..none()
        },
        TicketFilter {
            responsible_ids: Some(vec![w.carol]),
            ..none()
        },
        TicketFilter {
            customer_ids: Some(vec!["Ssi".into()]),
            ..none()
        },
        TicketFilter {
            customer_user_ids: Some(vec![w.robert]),
            ..none()
        },
        TicketFilter {
            watched_by: Some(w.carol),
            ..none()
        },
        TicketFilter {
            created_from: Some(seed::at(300)),
            created_before: Some(seed::at(900)),
            ..none()
        },
        TicketFilter {
            changed_from: Some(seed::at(120)),
            changed_before: Some(seed::at(400)),
            queue_ids: Some(vec![w.postmaster]),
            ..none()
        },
        TicketFilter {
            pending_before: Some(seed::at(10_700)),
            ..none()
        },
        TicketFilter {
            title_contains: Some("PRINTER".into()),
            ..none()
        },
        TicketFilter {
            title_contains: Some("50%".into()),
            ..none()
        },
        TicketFilter {
            title_contains: Some("l_b".into()),
            ..none()
        },
    ]
}

fn sorts() -> Vec<TicketSort> {
    TicketSortKey::ALL
        .into_iter()
        .flat_map(|key| [false, true].map(|descending| TicketSort { key, descending }))
        .collect()
}

/// Every page of a query by keyset cursors.
async fn walk<S: Store>(store: &S, mut query: TicketQuery, limit: u32) -> (Vec<Ticket>, usize) {
    let mut all = Vec::new();
    let mut pages = 0;
    query.page = PageRequest::first(limit);
    loop {
        let page = list(store, &query).await;
        pages += 1;
        all.extend(page.tickets);
        match page.next_cursor {
            Some(cursor) => {
                query.page = PageRequest::After { cursor, limit };
            }
            None => return (all, pages),
        }
        assert!(pages < 1000);
    }
}

pub async fn lists_match_the_reference<S: Store>(store: S) {
    let reference = MemoryStore::new();
    let (w, expected_tickets) = fill(&reference).await;
    let (w2, stored) = fill(&store).await;
    assert_eq!(w.alice, w2.alice);
    assert_eq!(stored, expected_tickets, "both stores assign the same ids");
    let ids: Vec<TicketId> = stored.iter().map(|t| t.id).collect();
    let mut checked = 0;
    for access in accesses(&w) {
        for filter in filters(&w, &ids) {
            for sort in sorts() {
                let mut query = TicketQuery {
                    access: access.clone(),
                    filter: filter.clone(),
                    sort,
                    page: PageRequest::first(1000),
                };
                let expected = list(&reference, &query).await;
                let actual = list(&store, &query).await;
                assert_eq!(actual, expected, "{query:?}");
                // Offset pages.
                query.page = PageRequest::Offset {
                    offset: 5,
                    limit: 7,
                };
                assert_eq!(
                    list(&store, &query).await,
                    list(&reference, &query).await,
                    "{query:?}"
                );
                // Keyset pages, concatenated, equal the whole list.
                let (walked, pages) = walk(&store, query.clone(), 7).await;
                assert_eq!(walked, expected.tickets, "{query:?}");
                assert_eq!(pages, expected.tickets.len().div_ceil(7).max(1));
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 5 * 19 * 20);
}

pub async fn odd_cursors_behave_like_the_reference<S: Store>(store: S) {
    let reference = MemoryStore::new();
    let (w, stored) = fill(&reference).await;
    fill(&store).await;
    let some = &stored[17];
    let cursors = [
        // A cursor made for another sort order: values of another kind compare by kind.
        Cursor::after(
            TicketSort {
                key: TicketSortKey::Title,
                descending: false,
            },
            some,
        ),
        Cursor::after(
            TicketSort {
                key: TicketSortKey::Priority,
                descending: true,
            },
            some,
        ),
        Cursor {
            sort: TicketSort::default(),
            value: SortValue::Time(None),
            id: some.id,
        },
        Cursor {
            sort: TicketSort::default(),
            value: SortValue::Time(Some(seed::at(240) + Duration::microseconds(1))),
            id: TicketId(0),
        },
    ];
    for sort in sorts() {
        for cursor in &cursors {
            for limit in [0, 3, 100] {
                let query = TicketQuery {
                    access: TicketAccess::Unrestricted,
                    filter: TicketFilter {
                        queue_ids: Some(vec![w.postmaster, w.misc]),
                        ..TicketFilter::default()
                    },
                    sort,
                    page: PageRequest::After {
                        cursor: cursor.clone(),
                        limit,
                    },
                };
                assert_eq!(
                    list(&store, &query).await,
                    list(&reference, &query).await,
                    "{query:?}"
                );
            }
        }
    }
    // Many ids go through the long-list path.
    let many: Vec<TicketId> = (1..=2000).map(TicketId).collect();
    let query = TicketQuery {
        access: TicketAccess::Unrestricted,
        filter: TicketFilter {
            ids: Some(many),
            ..TicketFilter::default()
        },
        sort: TicketSort::default(),
        page: PageRequest::first(10),
    };
    let page = list(&store, &query).await;
    assert_eq!(page, list(&reference, &query).await);
    assert_eq!(page.total, 60);
    let _ = QueueId(0);
}

for_each_sql_store!(
    lists_match_the_reference,
    odd_cursors_behave_like_the_reference
);
