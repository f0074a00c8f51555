//! Desk-level scenarios over real stores: each command is one transaction, concurrent agents
//! never lose each other's updates, ticket numbers stay unique, exactly one of two simultaneous
//! locks wins, and the change feed never shows a gap that fills later.

use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otrs_core::clock::ManualClock;
use otrs_core::desk::{
    ArticleInput, ArticleKind, BulkAction, DeliveryReport, MessageSender, NewAgent, NewCustomer,
    NewCustomerUser, NewGroup, NewQueue, NewTicket, SendError, TicketUpdate,
};
use otrs_core::ids::{GroupId, QueueId, TicketId};
use otrs_core::model::{
    HistoryType, LinkType, NewAttachment, ObjectRef, OutgoingMessage, PermissionSet, StateType,
    TimeUnits, default_states,
};
use otrs_core::store::{PageRequest, Store, TicketFilter, TicketSort};
use otrs_core::{Desk, DeskConfig, DeskError, Principal};
use tokio::sync::Barrier;

use crate::support::seed;
use crate::support::{for_each_sql_store, for_each_store};

pub struct Fixture<S: Store> {
    pub desk: Arc<Desk<S>>,
    pub alice: Principal,
    pub bob: Principal,
    pub lacey: Principal,
    pub postmaster: QueueId,
    pub support: QueueId,
}

fn rw(groups: &[GroupId]) -> BTreeMap<GroupId, PermissionSet> {
    groups.iter().map(|g| (*g, PermissionSet::RW)).collect()
}

fn new_agent(login: &str, groups: BTreeMap<GroupId, PermissionSet>) -> NewAgent {
    NewAgent {
        login: login.into(),
        first_name: login.into(),
        last_name: "Agent".into(),
        email: format!("{login}@example.com"),
        password_hash: None,
        must_change_password: false,
        groups,
    }
}

pub async fn fixture<S: Store>(store: S, config: DeskConfig) -> Fixture<S> {
    let desk = Desk::new(store, Arc::new(ManualClock::new(seed::start())), config);
    assert!(desk.initialize().await.unwrap());
    assert!(
        !desk.initialize().await.unwrap(),
        "initialize is idempotent"
    );
    let sys = Principal::SYSTEM;
    let support_group = desk
        .create_group(
            sys,
            NewGroup {
                name: "support".into(),
                comment: String::new(),
            },
        )
        .await
        .unwrap()
        .id;
    let support = desk
        .create_queue(sys, NewQueue::new("Support", support_group))
        .await
        .unwrap()
        .id;
    let postmaster = desk.queue_by_name(sys, "Postmaster").await.unwrap().id;
    let alice = desk
        .create_agent(
            sys,
            new_agent("alice", rw(&[GroupId::USERS, support_group])),
        )
        .await
        .unwrap()
        .id;
    let bob = desk
        .create_agent(sys, new_agent("bob", rw(&[GroupId::USERS, support_group])))
        .await
        .unwrap()
        .id;
    desk.create_customer(
        sys,
        NewCustomer {
            customer_id: "SSI".into(),
            name: "Super Support Inc.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let lacey = desk
        .create_customer_user(
            sys,
            NewCustomerUser {
                login: "lacey".into(),
                first_name: "Lacey".into(),
                last_name: "Customer".into(),
                email: "lacey@example.org".into(),
                customer_id: "SSI".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    Fixture {
        desk: Arc::new(desk),
        alice: Principal::Agent(alice),
        bob: Principal::Agent(bob),
        lacey: Principal::Customer(lacey),
        postmaster,
        support,
    }
}

pub fn phone_ticket(title: &str, queue: QueueId) -> NewTicket {
    NewTicket::new(
        title,
        queue,
        ArticleInput::new(
            ArticleKind::PhoneInbound,
            title,
            "The printer on floor 2 is offline.",
        ),
    )
}

#[derive(Debug, Default)]
struct Sink(Mutex<Vec<OutgoingMessage>>);

impl MessageSender for Sink {
    async fn send(&self, message: &OutgoingMessage) -> Result<Vec<u8>, SendError> {
        self.0.lock().unwrap().push(message.clone());
        Ok(format!("Subject: {}\r\n\r\n{}", message.subject, message.body).into_bytes())
    }
}

/// One pass through the desk's commands, checking what each leaves in the store.
pub async fn a_day_at_the_desk<S: Store>(store: S) {
    let f = fixture(store, DeskConfig::default()).await;
    let desk = &f.desk;
    let photo: Arc<[u8]> = (0..70_000u32)
        .map(|i| (i % 251) as u8)
        .collect::<Vec<u8>>()
        .into();
    let first = desk
        .create_ticket(
            f.alice,
            NewTicket {
                customer_user: desk
                    .customer_user_by_login(Principal::SYSTEM, "lacey")
                    .await
                    .ok()
                    .map(|u| u.id),
                article: ArticleInput {
                    attachments: vec![NewAttachment {
                        filename: "photo.jpg".into(),
                        content_type: "image/jpeg".into(),
                        content: photo.clone(),
                        content_id: None,
                        inline: false,
                    }],
                    ..phone_ticket("Printer offline", f.postmaster).article
                },
                ..phone_ticket("Printer offline", f.postmaster)
            },
        )
        .await
        .unwrap();
    assert_eq!(first.number.len(), 16);
    let portal = desk
        .create_ticket(
            f.lacey,
            NewTicket::new(
                "VPN",
                f.postmaster,
                ArticleInput::new(ArticleKind::Portal, "VPN", "Cannot connect."),
            ),
        )
        .await
        .unwrap();
    let articles = desk.articles(f.alice, first.id).await.unwrap();
    let content = desk
        .attachment(f.alice, articles[0].attachments[0].id)
        .await
        .unwrap();
    assert_eq!(content.content, photo);

    // Locking makes the agent owner; a second agent is refused.
    let locked = desk.lock_ticket(f.alice, first.id).await.unwrap();
    assert!(locked.is_locked_by(f.alice.agent().unwrap()));
    let refused = desk.lock_ticket(f.bob, first.id).await;
    assert!(
        matches!(refused, Err(DeskError::TicketLocked { .. })),
        "{refused:?}"
    );
    // A move unlocks; an e-mail reply goes to the outbox in the same transaction.
    desk.update_ticket(
        f.alice,
        first.id,
        TicketUpdate {
            queue: Some(f.support),
            priority: Some(otrs_core::model::Priority::HIGH),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    desk.add_article(
        f.alice,
        first.id,
        ArticleInput {
            to: Some("lacey@example.org".into()),
            time_units: Some(TimeUnits::from_units(15)),
            ..ArticleInput::new(
                ArticleKind::EmailOutbound,
                "Re: Printer",
                "Please restart it.",
            )
        },
    )
    .await
    .unwrap();
    desk.watch_ticket(f.bob, first.id).await.unwrap();
    assert_eq!(
        desk.unread_tickets(f.bob, &[first.id, portal.id])
            .await
            .unwrap(),
        [first.id, portal.id]
    );
    desk.mark_seen(f.bob, first.id, Vec::new()).await.unwrap();
    assert_eq!(
        desk.unread_tickets(f.bob, &[first.id, portal.id])
            .await
            .unwrap(),
        [portal.id]
    );
    desk.link(
        f.alice,
        ObjectRef::Ticket(first.id),
        ObjectRef::Ticket(portal.id),
        LinkType::Normal,
    )
    .await
    .unwrap();

    // Merge the portal ticket into the first one.
    let main = desk
        .merge_tickets(f.alice, portal.id, first.id)
        .await
        .unwrap();
    let merged = desk.ticket(f.alice, portal.id).await.unwrap();
    assert_eq!(merged.state_id, default_states::MERGED);
    let main_articles = desk.articles(f.alice, main.id).await.unwrap();
    assert_eq!(main_articles.len(), 3);
    let history = desk.history(f.alice, main.id).await.unwrap();
    let kinds: HashSet<HistoryType> = history.iter().map(|h| h.entry.history_type).collect();
    for kind in [
        HistoryType::NewTicket,
        HistoryType::Lock,
        HistoryType::Move,
        HistoryType::Merged,
        HistoryType::TimeAccounting,
        HistoryType::WebRequestCustomer,
    ] {
        assert!(kinds.contains(&kind), "{kind:?} in {kinds:?}");
    }

    // Bulk: close three new tickets.
    let mut bulk_ids = Vec::new();
    for i in 0..3 {
        bulk_ids.push(
            desk.create_ticket(f.bob, phone_ticket(&format!("bulk {i}"), f.postmaster))
                .await
                .unwrap()
                .id,
        );
    }
    let report = desk
        .bulk(
            f.bob,
            BulkAction {
                tickets: bulk_ids.clone(),
                update: TicketUpdate {
                    state: Some(default_states::CLOSED_SUCCESSFUL),
                    ..Default::default()
                },
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(report.done().count(), 3);

    // The maintained counts agree with the tickets.
    let counts = desk.queue_state_counts(Principal::SYSTEM).await.unwrap();
    let all = desk
        .list_tickets(
            Principal::SYSTEM,
            TicketFilter::default(),
            TicketSort::default(),
            PageRequest::first(1000),
        )
        .await
        .unwrap();
    assert_eq!(all.total, 5);
    for count in &counts {
        let actual = all
            .tickets
            .iter()
            .filter(|t| t.queue_id == count.queue_id && t.state_id == count.state_id)
            .count() as u64;
        assert_eq!(actual, count.count, "{count:?}");
    }
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 5);
    let open = desk
        .list_tickets(
            f.alice,
            TicketFilter {
                state_types: Some(vec![StateType::Closed]),
                ..Default::default()
            },
            TicketSort::default(),
            PageRequest::first(10),
        )
        .await
        .unwrap();
    assert_eq!(open.total, 3);

    // The feed is dense, and the outbox delivers the e-mail.
    let changes = desk
        .changes_since(Principal::SYSTEM, 0, 1000)
        .await
        .unwrap();
    assert!(changes.windows(2).all(|w| w[1].seq == w[0].seq + 1));
    assert_eq!(changes[0].seq, 1);
    let sink = Sink::default();
    let report = desk.deliver_outbox(&sink, 10).await.unwrap();
    assert_eq!(
        report,
        DeliveryReport {
            sent: 1,
            deferred: 0,
            failed: 0
        }
    );
    assert!(sink.0.lock().unwrap()[0].subject.contains(&first.number));
    assert_eq!(desk.deliver_outbox(&sink, 10).await.unwrap().sent, 0);
}

/// 8 tasks create tickets at once: every number is unique, and each task's numbers increase in the
/// order it created them (across tasks, PostgreSQL numbers need not follow commit order).
pub async fn concurrent_creation_keeps_numbers_unique<S: Store>(store: S) {
    let f = fixture(store, DeskConfig::default()).await;
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let desk = Arc::clone(&f.desk);
            let (actor, queue) = (if task % 2 == 0 { f.alice } else { f.bob }, f.postmaster);
            tokio::spawn(async move {
                let mut created = Vec::new();
                for i in 0..12 {
                    let t = desk
                        .create_ticket(actor, phone_ticket(&format!("t{task}-{i}"), queue))
                        .await
                        .unwrap();
                    created.push((task, t.id, t.number));
                }
                created
            })
        })
        .collect();
    let mut all: Vec<(usize, TicketId, String)> = Vec::new();
    for task in tasks {
        let created = task.await.unwrap();
        assert!(
            created.windows(2).all(|w| w[0].2 < w[1].2),
            "one task's numbers increase: {created:?}"
        );
        all.extend(created);
    }
    assert_eq!(all.len(), 96);
    let numbers: HashSet<&String> = all.iter().map(|(_, _, n)| n).collect();
    assert_eq!(numbers.len(), 96, "numbers are unique");
    let counts = f.desk.queue_state_counts(Principal::SYSTEM).await.unwrap();
    assert_eq!(counts.iter().map(|c| c.count).sum::<u64>(), 96);
}

/// Two agents lock the same ticket at the same moment: exactly one wins.
pub async fn simultaneous_locks_have_one_winner<S: Store>(store: S) {
    let f = fixture(store, DeskConfig::default()).await;
    for round in 0..10 {
        let ticket = f
            .desk
            .create_ticket(
                Principal::SYSTEM,
                phone_ticket(&format!("lock {round}"), f.postmaster),
            )
            .await
            .unwrap()
            .id;
        let barrier = Arc::new(Barrier::new(2));
        let attempts: Vec<_> = [f.alice, f.bob]
            .into_iter()
            .map(|agent| {
                let desk = Arc::clone(&f.desk);
                let barrier = Arc::clone(&barrier);
                tokio::spawn(async move {
                    barrier.wait().await;
                    desk.lock_ticket(agent, ticket).await
                })
            })
            .collect();
        let mut wins = 0;
        let mut refusals = 0;
        for attempt in attempts {
            match attempt.await.unwrap() {
                Ok(t) => {
                    assert!(t.lock.is_locked());
                    wins += 1;
                }
                Err(DeskError::TicketLocked { .. }) => refusals += 1,
                Err(other) => panic!("round {round}: {other:?}"),
            }
        }
        assert_eq!((wins, refusals), (1, 1), "round {round}");
    }
}

/// Many agents book time on one ticket at once: no booking is lost.
pub async fn concurrent_updates_lose_nothing<S: Store>(store: S) {
    let f = fixture(store, DeskConfig::default()).await;
    let ticket = f
        .desk
        .create_ticket(f.alice, phone_ticket("busy", f.postmaster))
        .await
        .unwrap()
        .id;
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let desk = Arc::clone(&f.desk);
            let agent = if task % 2 == 0 { f.alice } else { f.bob };
            tokio::spawn(async move {
                for _ in 0..6 {
                    desk.account_time(agent, ticket, TimeUnits::from_units(1))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let t = f.desk.ticket(f.alice, ticket).await.unwrap();
    assert_eq!(t.accounted_time, TimeUnits::from_units(48));
    assert_eq!(t.version, 1 + 48);
    let rows = f.desk.time_accounting(f.alice, ticket).await.unwrap();
    assert_eq!(rows.len(), 48);
}

/// While writers commit concurrently, a reader following the feed never sees a number before
/// all smaller numbers are visible.
pub async fn the_feed_shows_no_gaps_under_concurrency<S: Store>(store: S) {
    let f = fixture(store, DeskConfig::default()).await;
    let start = f
        .desk
        .changes_since(Principal::SYSTEM, 0, 10_000)
        .await
        .unwrap();
    let mut last = start.last().map_or(0, |c| c.seq);
    let expected_last = last + 60;
    let writers: Vec<_> = (0..6)
        .map(|task| {
            let desk = Arc::clone(&f.desk);
            let actor = if task % 2 == 0 { f.alice } else { f.bob };
            let queue = f.postmaster;
            tokio::spawn(async move {
                for i in 0..10 {
                    desk.create_ticket(actor, phone_ticket(&format!("feed {task} {i}"), queue))
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let reader = {
        let desk = Arc::clone(&f.desk);
        tokio::spawn(async move {
            let mut polls = 0;
            let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
            loop {
                let changes = desk
                    .changes_since(Principal::SYSTEM, last, 50)
                    .await
                    .unwrap();
                for change in &changes {
                    assert_eq!(change.seq, last + 1, "the feed skipped a number");
                    last = change.seq;
                }
                polls += 1;
                if last >= expected_last || tokio::time::Instant::now() > deadline {
                    return (last, polls);
                }
                tokio::task::yield_now().await;
            }
        })
    };
    for writer in writers {
        writer.await.unwrap();
    }
    let (last, polls) = reader.await.unwrap();
    assert!(polls > 1);
    assert_eq!(last, expected_last);
}

for_each_store!(a_day_at_the_desk);

mod concurrent {
    use super::*;

    for_each_sql_store!(
        concurrent_creation_keeps_numbers_unique,
        simultaneous_locks_have_one_winner,
        concurrent_updates_lose_nothing,
        the_feed_shows_no_gaps_under_concurrency,
    );
}

// --- detail
mod article_actions;
