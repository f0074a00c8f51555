//! Articles, attachments, merges of content, time accounting, seen flags and history.

use std::sync::Arc;

use otrs_core::ids::{ArticleId, AttachmentId, HistoryId, TicketId};
use otrs_core::model::{
    Article, Channel, HistoryType, NewArticle, NewAttachment, NewHistoryEntry, Principal, Priority,
    SenderType, TimeAccountingEntry, TimeUnits, default_states,
};
use otrs_core::store::{Store, StoreError, StoreTx};

use crate::support::seed::{self, World};
use crate::{ro, rw};

pub fn new_article(ticket: TicketId, subject: &str, at: i64) -> NewArticle {
    NewArticle {
        ticket_id: ticket,
        channel: Channel::Email,
        sender_type: SenderType::Customer,
        visible_for_customer: true,
        important: false,
        from: "Lacey <lacey@example.org>".into(),
        to: "support@example.com".into(),
        cc: String::new(),
        bcc: String::new(),
        subject: subject.into(),
        body: format!("Body of {subject}\nwith a second line and ünïcödé"),
        content_type: "text/plain".into(),
        message_id: Some(format!("<{subject}@example.org>")),
        in_reply_to: None,
        references: None,
        attachments: Vec::new(),
        time_units: TimeUnits::ZERO,
        created_at: seed::at(at),
        created_by: Principal::SYSTEM,
    }
}

/// Bytes that exercise every value, of a given length.
pub fn bytes(len: usize, salt: u8) -> Arc<[u8]> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(salt))
        .collect::<Vec<u8>>()
        .into()
}

pub fn attachment(name: &str, content: Arc<[u8]>) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: "application/octet-stream".into(),
        content,
        content_id: None,
        inline: false,
    }
}

fn history_row(
    ticket: TicketId,
    article: Option<ArticleId>,
    at: i64,
    kind: HistoryType,
) -> NewHistoryEntry {
    NewHistoryEntry {
        ticket_id: ticket,
        article_id: article,
        history_type: kind,
        params: vec!["100%%".into(), "Ärger".into(), String::new()],
        created_by: Principal::SYSTEM,
        created_at: seed::at(at),
        queue_id: otrs_core::ids::QueueId(1),
        state_id: default_states::OPEN,
        priority: Priority::HIGH,
        owner_id: otrs_core::ids::AgentId::SYSTEM,
    }
}

async fn two_tickets<S: Store>(store: &S, w: &World) -> (TicketId, TicketId) {
    let a = seed::insert_ticket(store, &seed::ticket("A-1", w.postmaster)).await;
    let b = seed::insert_ticket(store, &seed::ticket("B-1", w.misc)).await;
    (a.id, b.id)
}

pub async fn articles_keep_attachments_byte_for_byte<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (ticket, _) = two_tickets(&store, &w).await;
    let big = bytes(300_000, 7);
    let empty: Arc<[u8]> = Arc::from(Vec::new());
    let new = NewArticle {
        attachments: vec![
            attachment("report.pdf", big.clone()),
            NewAttachment {
                content_id: Some("<logo@x>".into()),
                inline: true,
                content_type: "image/png".into(),
                ..attachment("logo.png", bytes(255, 1))
            },
            attachment("empty.txt", empty.clone()),
        ],
        important: true,
        cc: "a@example.org, b@example.org".into(),
        in_reply_to: Some("<parent@example.org>".into()),
        references: Some("<root@example.org> <parent@example.org>".into()),
        time_units: TimeUnits::from_hundredths(150),
        ..new_article(ticket, "with files", 10)
    };
    let stored = rw!(store, |tx| tx.insert_article(&new).await.unwrap());
    assert_eq!(stored.version, 1);
    assert_eq!(stored.attachments.len(), 3);
    let names: Vec<&str> = stored
        .attachments
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    assert_eq!(names, ["report.pdf", "logo.png", "empty.txt"]);
    assert!(stored.attachments.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(stored.attachments[0].size, 300_000);
    let loaded = ro!(store, |tx| tx.article(stored.id).await.unwrap().unwrap());
    assert_eq!(loaded, stored);
    for (meta, expected) in stored.attachments.iter().zip([big, bytes(255, 1), empty]) {
        let content = ro!(store, |tx| tx.attachment(meta.id).await.unwrap().unwrap());
        assert_eq!(content.meta, *meta);
        assert_eq!(content.article_id, stored.id);
        assert_eq!(content.content, expected);
    }
    assert_eq!(
        ro!(store, |tx| tx.attachment(AttachmentId(9999)).await.unwrap()),
        None
    );
    let mut tx = store.begin().await.unwrap();
    let orphan = tx.insert_article(&new_article(TicketId(404), "x", 1)).await;
    assert!(
        matches!(&orphan, Err(StoreError::NotFound { what: "ticket", key }) if key == "404"),
        "{orphan:?}"
    );
    tx.rollback().await.unwrap();
}

pub async fn articles_come_oldest_first_and_update_with_versions<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (ticket, other) = two_tickets(&store, &w).await;
    let ids: Vec<ArticleId> = rw!(store, |tx| {
        let mut ids = Vec::new();
        // Written out of time order; two share a time (ties go by id).
        for (subject, at) in [
            ("third", 30),
            ("first", 10),
            ("second-a", 20),
            ("second-b", 20),
        ] {
            ids.push(
                tx.insert_article(&new_article(ticket, subject, at))
                    .await
                    .unwrap()
                    .id,
            );
        }
        ids
    });
    let articles = ro!(store, |tx| tx.articles(ticket).await.unwrap());
    let subjects: Vec<&str> = articles.iter().map(|a| a.subject.as_str()).collect();
    assert_eq!(subjects, ["first", "second-a", "second-b", "third"]);
    assert!(ro!(store, |tx| tx.articles(other).await.unwrap()).is_empty());

    let first = articles[0].clone();
    assert_eq!(first.id, ids[1]);
    let marked = rw!(store, |tx| tx
        .update_article(&Article {
            important: true,
            ..first.clone()
        })
        .await
        .unwrap());
    assert_eq!(marked.version, 2);
    assert_eq!(
        ro!(store, |tx| tx.article(first.id).await.unwrap()),
        Some(marked.clone())
    );
    let mut tx = store.begin().await.unwrap();
    let stale = tx.update_article(&first).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let moved = tx
        .update_article(&Article {
            ticket_id: other,
            ..marked.clone()
        })
        .await;
    assert!(matches!(
        moved,
        Err(StoreError::Invalid {
            field: "ticket_id",
            ..
        })
    ));
    let missing = tx
        .update_article(&Article {
            id: ArticleId(777),
            ..marked
        })
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            what: "article",
            ..
        })
    ));
    tx.rollback().await.unwrap();
}

pub async fn merges_move_articles_their_history_and_time<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (source, target) = two_tickets(&store, &w).await;
    let (a1, a2, t1) = rw!(store, |tx| {
        let a1 = tx
            .insert_article(&new_article(source, "s1", 5))
            .await
            .unwrap()
            .id;
        let a2 = tx
            .insert_article(&new_article(source, "s2", 6))
            .await
            .unwrap()
            .id;
        let t1 = tx
            .insert_article(&new_article(target, "t1", 1))
            .await
            .unwrap()
            .id;
        tx.append_history(&[
            history_row(source, None, 1, HistoryType::NewTicket),
            history_row(source, Some(a1), 5, HistoryType::EmailCustomer),
            history_row(source, Some(a2), 6, HistoryType::FollowUp),
            history_row(target, Some(t1), 2, HistoryType::EmailCustomer),
        ])
        .await
        .unwrap();
        for (ticket, units, at) in [(source, 100, 7), (source, 25, 8), (target, 50, 3)] {
            tx.insert_time_accounting(&TimeAccountingEntry {
                ticket_id: ticket,
                article_id: None,
                units: TimeUnits::from_hundredths(units),
                created_by: Principal::SYSTEM,
                created_at: seed::at(at),
            })
            .await
            .unwrap();
        }
        (a1, a2, t1)
    });
    let moved = rw!(store, |tx| tx
        .move_ticket_content(source, target)
        .await
        .unwrap());
    assert_eq!(moved, 2);
    let (src_articles, dst_articles, src_history, dst_history, src_time, dst_time) =
        ro!(store, |tx| (
            tx.articles(source).await.unwrap(),
            tx.articles(target).await.unwrap(),
            tx.history(source).await.unwrap(),
            tx.history(target).await.unwrap(),
            tx.time_accounting(source).await.unwrap(),
            tx.time_accounting(target).await.unwrap(),
        ));
    assert!(src_articles.is_empty());
    let ids: Vec<ArticleId> = dst_articles.iter().map(|a| a.id).collect();
    assert_eq!(ids, [t1, a1, a2]);
    assert!(dst_articles.iter().all(|a| a.ticket_id == target));
    // Ticket-level history stays; article history moves and sorts in by time.
    assert_eq!(src_history.len(), 1);
    assert_eq!(src_history[0].entry.history_type, HistoryType::NewTicket);
    let moved_history: Vec<Option<ArticleId>> =
        dst_history.iter().map(|h| h.entry.article_id).collect();
    assert_eq!(moved_history, [Some(t1), Some(a1), Some(a2)]);
    assert!(dst_history.iter().all(|h| h.entry.ticket_id == target));
    assert!(src_time.is_empty());
    // Oldest first, as the port documents: the target's row (at 3), then the moved ones (7, 8).
    let units: Vec<i64> = dst_time.iter().map(|t| t.units.hundredths()).collect();
    assert_eq!(units, [50, 100, 25]);
    assert!(dst_time.iter().all(|t| t.ticket_id == target));

    let mut tx = store.begin().await.unwrap();
    let missing = tx.move_ticket_content(source, TicketId(999)).await;
    assert!(
        matches!(&missing, Err(StoreError::NotFound { what: "ticket", key }) if key == "999"),
        "{missing:?}"
    );
    let missing_time = tx
        .insert_time_accounting(&TimeAccountingEntry {
            ticket_id: TicketId(999),
            article_id: None,
            units: TimeUnits::from_units(1),
            created_by: Principal::SYSTEM,
            created_at: seed::at(1),
        })
        .await;
    assert!(matches!(
        missing_time,
        Err(StoreError::NotFound { what: "ticket", .. })
    ));
    tx.rollback().await.unwrap();
}

pub async fn seen_flags_are_per_agent_and_idempotent<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (t1, t2) = two_tickets(&store, &w).await;
    let empty = seed::insert_ticket(&store, &seed::ticket("C-1", w.misc))
        .await
        .id;
    let (a, b, c) = rw!(store, |tx| (
        tx.insert_article(&new_article(t1, "a", 1))
            .await
            .unwrap()
            .id,
        tx.insert_article(&new_article(t1, "b", 2))
            .await
            .unwrap()
            .id,
        tx.insert_article(&new_article(t2, "c", 3))
            .await
            .unwrap()
            .id,
    ));
    rw!(store, |tx| {
        tx.mark_seen(w.alice, &[b, a], seed::at(10)).await.unwrap();
        tx.mark_seen(w.alice, &[a], seed::at(11)).await.unwrap();
        tx.mark_seen(w.alice, &[], seed::at(11)).await.unwrap();
        tx.mark_seen(w.bob, &[c], seed::at(12)).await.unwrap();
    });
    let (alice_t1, bob_t1, alice_t2) = ro!(store, |tx| (
        tx.seen_articles(w.alice, t1).await.unwrap(),
        tx.seen_articles(w.bob, t1).await.unwrap(),
        tx.seen_articles(w.alice, t2).await.unwrap(),
    ));
    assert_eq!(alice_t1, [a, b]);
    assert!(bob_t1.is_empty());
    assert!(alice_t2.is_empty());
    // Unread: a ticket with an article the agent has not seen, in the order asked.
    let unread = ro!(store, |tx| tx
        .unread_tickets(w.alice, &[t2, empty, t1, t2])
        .await
        .unwrap());
    assert_eq!(unread, [t2, t2]);
    let unread_bob = ro!(store, |tx| tx
        .unread_tickets(w.bob, &[t1, t2])
        .await
        .unwrap());
    assert_eq!(unread_bob, [t1]);

    let mut tx = store.begin().await.unwrap();
    let missing = tx
        .mark_seen(w.alice, &[c, ArticleId(4242)], seed::at(1))
        .await;
    assert!(
        matches!(&missing, Err(StoreError::NotFound { what: "article", key }) if key == "4242"),
        "{missing:?}"
    );
    tx.rollback().await.unwrap();
}

pub async fn history_is_ordered_by_time_then_id<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (ticket, other) = two_tickets(&store, &w).await;
    let many: Vec<NewHistoryEntry> = (0..450)
        .map(|i| history_row(other, None, i % 7, HistoryType::Misc))
        .collect();
    rw!(store, |tx| {
        tx.append_history(&[
            history_row(ticket, None, 20, HistoryType::StateUpdate),
            history_row(ticket, None, 10, HistoryType::NewTicket),
            history_row(ticket, None, 20, HistoryType::Lock),
        ])
        .await
        .unwrap();
        tx.append_history(&many).await.unwrap();
        tx.append_history(&[]).await.unwrap();
    });
    let rows = ro!(store, |tx| tx.history(ticket).await.unwrap());
    let kinds: Vec<HistoryType> = rows.iter().map(|h| h.entry.history_type).collect();
    assert_eq!(
        kinds,
        [
            HistoryType::NewTicket,
            HistoryType::StateUpdate,
            HistoryType::Lock
        ]
    );
    assert_eq!(
        rows[0].entry,
        history_row(ticket, None, 10, HistoryType::NewTicket)
    );
    assert!(rows[1].id < rows[2].id);
    let others = ro!(store, |tx| tx.history(other).await.unwrap());
    assert_eq!(others.len(), 450);
    assert!(
        others
            .windows(2)
            .all(|w| { (w[0].entry.created_at, w[0].id) < (w[1].entry.created_at, w[1].id) })
    );

    let mut tx = store.begin().await.unwrap();
    let missing = tx
        .append_history(&[history_row(TicketId(31337), None, 1, HistoryType::Misc)])
        .await;
    assert!(
        matches!(&missing, Err(StoreError::NotFound { what: "ticket", key }) if key == "31337"),
        "{missing:?}"
    );
    tx.rollback().await.unwrap();
    let _ = HistoryId(0);
}

pub async fn article_sources_are_kept_once_byte_for_byte<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (ticket, _) = two_tickets(&store, &w).await;
    let (first, second) = rw!(store, |tx| (
        tx.insert_article(&new_article(ticket, "received", 1))
            .await
            .unwrap(),
        tx.insert_article(&new_article(ticket, "typed in", 2))
            .await
            .unwrap(),
    ));
    // Any bytes: not UTF-8, NUL, bare line feeds.
    let raw: Vec<u8> = b"Subject: \xe9t\xe9\nX: \x00\r\n\r\n"
        .iter()
        .copied()
        .chain(bytes(70_000, 3).iter().copied())
        .collect();
    rw!(store, |tx| tx
        .insert_article_source(first.id, &raw)
        .await
        .unwrap());
    let (kept, none) = ro!(store, |tx| (
        tx.article_source(first.id).await.unwrap(),
        tx.article_source(second.id).await.unwrap(),
    ));
    assert_eq!(kept.as_deref(), Some(raw.as_slice()));
    assert_eq!(none, None);
    let mut tx = store.begin().await.unwrap();
    let twice = tx.insert_article_source(first.id, b"other").await;
    assert!(
        matches!(
            &twice,
            Err(StoreError::Duplicate {
                what: "article source",
                ..
            })
        ),
        "{twice:?}"
    );
    let orphan = tx.insert_article_source(ArticleId(4040), b"x").await;
    assert!(
        matches!(
            &orphan,
            Err(StoreError::NotFound {
                what: "article",
                ..
            })
        ),
        "{orphan:?}"
    );
    // The transaction is still usable after the refusals.
    tx.insert_article_source(second.id, b"y").await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ro!(store, |tx| tx.article_source(first.id).await.unwrap()).as_deref(),
        Some(raw.as_slice()),
        "the first source stays"
    );
    assert_eq!(
        ro!(store, |tx| tx.article_source(second.id).await.unwrap()).as_deref(),
        Some(b"y".as_slice())
    );
}
