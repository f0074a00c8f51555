//! The change feed, the outbox, sessions and tokens.

use chrono::Duration;
use otrs_core::ids::{ApiTokenId, ArticleId, MessageId, TicketId};
use otrs_core::model::{
    ApiToken, Change, ChangeOp, EntityKind, MessageStatus, OneTimeToken, OneTimeTokenPurpose,
    OutgoingMessage, Principal, SessionRecord,
};
use otrs_core::store::{Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

pub fn change(entity_id: u64, op: ChangeOp) -> Change {
    Change {
        seq: 0,
        entity: EntityKind::Ticket,
        entity_id,
        op,
        at: seed::at(entity_id as i64),
    }
}

pub async fn change_feed_is_dense_and_ordered<S: Store>(store: S) {
    seed::world(&store).await;
    let first = rw!(store, |tx| {
        let mut seqs = Vec::new();
        for id in 1..=3 {
            seqs.push(
                tx.append_change(&change(id, ChangeOp::Created))
                    .await
                    .unwrap(),
            );
        }
        seqs
    });
    assert_eq!(first, [1, 2, 3]);
    // Rolled-back entries never appear, and their numbers are not skipped.
    let mut tx = store.begin().await.unwrap();
    tx.append_change(&change(99, ChangeOp::Deleted))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let next = rw!(store, |tx| {
        tx.append_change(&Change {
            entity: EntityKind::CustomerUser,
            ..change(4, ChangeOp::Updated)
        })
        .await
        .unwrap()
    });
    assert_eq!(next, 4);
    let all = ro!(store, |tx| tx.changes_since(0, 100).await.unwrap());
    let seqs: Vec<u64> = all.iter().map(|c| c.seq).collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    assert_eq!(
        all[3],
        Change {
            seq: 4,
            entity: EntityKind::CustomerUser,
            ..change(4, ChangeOp::Updated)
        }
    );
    let page = ro!(store, |tx| tx.changes_since(1, 2).await.unwrap());
    assert_eq!(page.iter().map(|c| c.seq).collect::<Vec<_>>(), [2, 3]);
    assert!(ro!(store, |tx| tx.changes_since(4, 10).await.unwrap()).is_empty());
    assert!(ro!(store, |tx| tx.changes_since(u64::MAX, 10).await.unwrap()).is_empty());
}

fn message(subject: &str) -> OutgoingMessage {
    let mut m = OutgoingMessage::pending(
        "OTRS <otrs@example.com>",
        "lacey@example.org",
        subject,
        "Hello",
        seed::at(1),
    );
    m.ticket_id = Some(TicketId(1));
    m.bcc = "audit@example.com".into();
    m
}

pub async fn outbox_hands_out_pending_messages_oldest_first<S: Store>(store: S) {
    seed::world(&store).await;
    let (a, b, c) = rw!(store, |tx| (
        tx.enqueue_message(&message("a")).await.unwrap(),
        tx.enqueue_message(&OutgoingMessage {
            ticket_id: None,
            ..message("b")
        })
        .await
        .unwrap(),
        tx.enqueue_message(&message("c")).await.unwrap(),
    ));
    assert!(a.id < b.id && b.id < c.id);
    let pending = ro!(store, |tx| tx.pending_messages(2).await.unwrap());
    assert_eq!(pending, [a.clone(), b.clone()]);
    let sent = OutgoingMessage {
        status: MessageStatus::Sent,
        attempts: 1,
        ..a.clone()
    };
    let failed = OutgoingMessage {
        status: MessageStatus::Failed,
        attempts: 5,
        last_error: Some("550 mailbox unavailable".into()),
        ..c.clone()
    };
    rw!(store, |tx| {
        tx.update_message(&sent).await.unwrap();
        tx.update_message(&failed).await.unwrap();
    });
    assert_eq!(ro!(store, |tx| tx.pending_messages(10).await.unwrap()), [b]);
    assert_eq!(
        ro!(store, |tx| tx.message(c.id).await.unwrap()),
        Some(failed)
    );
    assert_eq!(
        ro!(store, |tx| tx.message(MessageId(999)).await.unwrap()),
        None
    );
    let mut tx = store.begin().await.unwrap();
    let missing = tx
        .update_message(&OutgoingMessage {
            id: MessageId(999),
            ..sent
        })
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            what: "message",
            ..
        })
    ));
    tx.rollback().await.unwrap();
}

pub async fn sessions_and_tokens_are_kept_by_digest<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let session = |digest: &str, created: i64, seen: i64| SessionRecord {
        key_digest: digest.into(),
        principal: Principal::Agent(w.alice),
        csrf_token: "csrf".into(),
        awaiting_second_factor: true,
        created_at: seed::at(created),
        last_seen_at: seed::at(seen),
        remote_addr: "127.0.0.1".into(),
    };
    rw!(store, |tx| {
        tx.insert_session(&session("old", 0, 10)).await.unwrap();
        tx.insert_session(&session("idle", 100, 110)).await.unwrap();
        tx.insert_session(&SessionRecord {
            principal: Principal::Customer(w.lacey),
            ..session("fresh", 100, 500)
        })
        .await
        .unwrap();
    });
    let mut tx = store.begin().await.unwrap();
    let dup = tx.insert_session(&session("old", 1, 1)).await;
    assert!(
        matches!(&dup, Err(StoreError::Duplicate { what: "session", value }) if value == "(secret)"),
        "{dup:?}"
    );
    let missing = tx.update_session(&session("nope", 1, 1)).await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            what: "session",
            ..
        })
    ));
    let seen = SessionRecord {
        awaiting_second_factor: false,
        ..session("fresh", 100, 600)
    };
    tx.update_session(&SessionRecord {
        principal: Principal::Customer(w.lacey),
        ..seen.clone()
    })
    .await
    .unwrap();
    tx.delete_session("nope").await.unwrap();
    tx.commit().await.unwrap();
    // Idle since before 200, or created before 50.
    let purged = rw!(store, |tx| tx
        .purge_sessions(seed::at(200), seed::at(50))
        .await
        .unwrap());
    assert_eq!(purged, 2);
    let (old, fresh) = ro!(store, |tx| (
        tx.session("old").await.unwrap(),
        tx.session("fresh").await.unwrap()
    ));
    assert_eq!(old, None);
    assert_eq!(
        fresh,
        Some(SessionRecord {
            principal: Principal::Customer(w.lacey),
            ..seen
        })
    );
    rw!(store, |tx| tx.delete_session("fresh").await.unwrap());
    assert_eq!(ro!(store, |tx| tx.session("fresh").await.unwrap()), None);

    let token = |digest: &str| ApiToken {
        id: ApiTokenId(0),
        agent_id: w.alice,
        name: "ci".into(),
        digest: digest.into(),
        created_at: seed::at(1),
        last_used_at: None,
        expires_at: Some(seed::at(1) + Duration::days(30)),
        revoked_at: None,
    };
    let (t1, t2) = rw!(store, |tx| (
        tx.insert_api_token(&token("d1")).await.unwrap(),
        tx.insert_api_token(&token("d2")).await.unwrap(),
    ));
    let mut tx = store.begin().await.unwrap();
    let dup = tx.insert_api_token(&token("d1")).await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate {
            what: "api token",
            ..
        })
    ));
    let no_agent = tx
        .insert_api_token(&ApiToken {
            agent_id: otrs_core::ids::AgentId(404),
            ..token("d3")
        })
        .await;
    assert!(matches!(
        no_agent,
        Err(StoreError::NotFound { what: "agent", .. })
    ));
    let used = ApiToken {
        last_used_at: Some(seed::at(50)),
        revoked_at: Some(seed::at(60)),
        ..t1.clone()
    };
    tx.update_api_token(&used).await.unwrap();
    let missing = tx
        .update_api_token(&ApiToken {
            id: ApiTokenId(404),
            ..used.clone()
        })
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            what: "api token",
            ..
        })
    ));
    tx.commit().await.unwrap();
    let (by_digest, by_id, of_alice, of_bob) = ro!(store, |tx| (
        tx.api_token_by_digest("d1").await.unwrap(),
        tx.api_token(t2.id).await.unwrap(),
        tx.api_tokens_of(w.alice).await.unwrap(),
        tx.api_tokens_of(w.bob).await.unwrap(),
    ));
    assert_eq!(by_digest, Some(used.clone()));
    assert_eq!(by_id, Some(t2.clone()));
    assert_eq!(of_alice, [used, t2]);
    assert!(of_bob.is_empty());

    let otp = OneTimeToken {
        digest: "otp".into(),
        principal: Principal::Customer(w.lacey),
        purpose: OneTimeTokenPurpose::PasswordReset,
        created_at: seed::at(1),
        expires_at: seed::at(3600),
        used_at: None,
    };
    rw!(store, |tx| tx.insert_one_time_token(&otp).await.unwrap());
    let mut tx = store.begin().await.unwrap();
    let dup = tx.insert_one_time_token(&otp).await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate {
            what: "one-time token",
            ..
        })
    ));
    let used = OneTimeToken {
        used_at: Some(seed::at(30)),
        purpose: OneTimeTokenPurpose::EmailCode,
        ..otp.clone()
    };
    tx.update_one_time_token(&used).await.unwrap();
    let missing = tx
        .update_one_time_token(&OneTimeToken {
            digest: "nope".into(),
            ..otp
        })
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound {
            what: "one-time token",
            ..
        })
    ));
    tx.commit().await.unwrap();
    assert_eq!(
        ro!(store, |tx| tx.one_time_token("otp").await.unwrap()),
        Some(used)
    );
    assert_eq!(
        ro!(store, |tx| tx.one_time_token("nope").await.unwrap()),
        None
    );
}

pub async fn outbox_keeps_threading_the_article_and_the_sent_source<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let ticket = seed::insert_ticket(&store, &seed::ticket("T-1", w.postmaster)).await;
    let article = rw!(store, |tx| tx
        .insert_article(&crate::suite::articles::new_article(ticket.id, "reply", 1))
        .await
        .unwrap());
    let threaded = OutgoingMessage {
        ticket_id: Some(ticket.id),
        article_id: Some(article.id),
        message_id: Some("<reply@example.com>".into()),
        in_reply_to: Some("<parent@example.org>".into()),
        references: Some("<root@example.org> <parent@example.org>".into()),
        ..message("threaded")
    };
    let (queued, other) = rw!(store, |tx| (
        tx.enqueue_message(&threaded).await.unwrap(),
        tx.enqueue_message(&message("unrelated")).await.unwrap(),
    ));
    assert_eq!(queued.source, None);
    assert_eq!(
        ro!(store, |tx| tx.message_of_article(article.id).await.unwrap()),
        Some(queued.clone())
    );
    assert_eq!(
        ro!(store, |tx| tx
            .message_of_article(ArticleId(4040))
            .await
            .unwrap()),
        None
    );
    // Delivery records the bytes handed to the relay, exactly.
    let source: Vec<u8> =
        b"Message-ID: <reply@example.com>\r\nSubject: \xff\r\n\r\n\x00.\r\n".to_vec();
    let sent = OutgoingMessage {
        status: MessageStatus::Sent,
        attempts: 1,
        source: Some(source.clone().into()),
        ..queued.clone()
    };
    rw!(store, |tx| tx.update_message(&sent).await.unwrap());
    let loaded = ro!(store, |tx| tx.message_of_article(article.id).await.unwrap()).unwrap();
    assert_eq!(loaded, sent);
    assert_eq!(loaded.source.as_deref(), Some(source.as_slice()));
    assert_eq!(
        ro!(store, |tx| tx
            .message_by_message_id("<reply@example.com>")
            .await
            .unwrap()),
        Some(sent)
    );
    assert_eq!(
        ro!(store, |tx| tx.message(other.id).await.unwrap()),
        Some(other)
    );
}
