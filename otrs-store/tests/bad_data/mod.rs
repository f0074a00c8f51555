//! Bad data: oversized fields, NUL characters, missing references, attachments over the limit,
//! and constraint violations come back as typed errors and leave nothing half-written.

use std::sync::Arc;

use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket};
use otrs_core::ids::{CustomerId, GroupId, TicketId};
use otrs_core::model::{Customer, Group, NewAttachment, Queue, Ticket};
use otrs_core::store::{Store, StoreError, StoreTx, TicketAccess, TicketFilter, TicketQuery};
use otrs_core::{DeskConfig, DeskError, Principal};
use otrs_store::{PostgresOptions, SqliteOptions};

use crate::desk::{fixture, phone_ticket};
use crate::suite::articles::{attachment, bytes, new_article};
use crate::support::{self, seed};
use crate::{ro, rw};

fn invalid(result: Result<impl std::fmt::Debug, StoreError>, field: &str) {
    match result {
        Err(StoreError::Invalid { field: f, .. }) if f == field => {}
        other => panic!("expected Invalid {{ field: {field:?} }}, got {other:?}"),
    }
}

/// Runs on a store whose limits are [`support::small_limits`] (1 KiB attachments, 4 KiB bodies).
async fn refuses_bad_data<S: Store + Clone>(store: S) {
    let w = seed::world(&store).await;
    let mut tx = store.begin().await.unwrap();
    invalid(
        tx.insert_ticket(&Ticket {
            title: "x".repeat(256),
            ..seed::ticket("B-1", w.postmaster)
        })
        .await,
        "title",
    );
    invalid(
        tx.insert_ticket(&Ticket {
            title: "nul\0byte".into(),
            ..seed::ticket("B-1", w.postmaster)
        })
        .await,
        "title",
    );
    invalid(
        tx.insert_ticket(&Ticket {
            customer_id: Some("c".repeat(151)),
            ..seed::ticket("B-1", w.postmaster)
        })
        .await,
        "customer_id",
    );
    invalid(
        tx.insert_ticket(&seed::ticket("", w.postmaster)).await,
        "number",
    );
    invalid(
        tx.insert_queue(&Queue {
            name: "q".repeat(201),
            ..seed::queue("", GroupId::USERS)
        })
        .await,
        "name",
    );
    invalid(tx.insert_group(&seed::group("")).await, "name");
    invalid(
        tx.insert_customer(&Customer {
            id: CustomerId(0),
            ..seed::customer("", "Nameless")
        })
        .await,
        "customer_id",
    );
    let ticket = tx
        .insert_ticket(&seed::ticket("B-2", w.postmaster))
        .await
        .unwrap();
    invalid(
        tx.insert_article(&otrs_core::model::NewArticle {
            attachments: vec![
                attachment("fine.txt", bytes(100, 1)),
                attachment("big.bin", bytes(2048, 2)),
            ],
            ..new_article(ticket.id, "too big", 1)
        })
        .await,
        "attachment",
    );
    invalid(
        tx.insert_article(&otrs_core::model::NewArticle {
            body: "b".repeat(5000),
            ..new_article(ticket.id, "long body", 1)
        })
        .await,
        "body",
    );
    invalid(
        tx.insert_article(&otrs_core::model::NewArticle {
            attachments: vec![NewAttachment {
                filename: String::new(),
                ..attachment("x", bytes(1, 1))
            }],
            ..new_article(ticket.id, "nameless file", 1)
        })
        .await,
        "filename",
    );
    let missing = tx
        .insert_article(&new_article(TicketId(4040), "orphan", 1))
        .await;
    assert!(matches!(
        missing,
        Err(StoreError::NotFound { what: "ticket", .. })
    ));
    let support_group = tx.group(w.support_group).await.unwrap().unwrap();
    let dup = tx
        .update_group(&Group {
            name: "users".into(),
            ..support_group
        })
        .await;
    assert!(matches!(
        dup,
        Err(StoreError::Duplicate {
            what: "group name",
            ..
        })
    ));
    tx.commit().await.unwrap();
    // Only the one good ticket was written, without any article.
    let (page, articles) = ro!(store, |tx| (
        tx.list_tickets(&TicketQuery {
            access: TicketAccess::Unrestricted,
            filter: TicketFilter::default(),
            sort: Default::default(),
            page: otrs_core::store::PageRequest::first(10),
        })
        .await
        .unwrap(),
        tx.articles(ticket.id).await.unwrap(),
    ));
    assert_eq!(page.total, 1);
    assert!(articles.is_empty());
    // Received e-mail sources: within the limit (8 KiB here) and not empty.
    let mut tx = store.begin().await.unwrap();
    let article = tx
        .insert_article(&new_article(ticket.id, "received", 1))
        .await
        .unwrap();
    invalid(
        tx.insert_article_source(article.id, &bytes(8193, 1)).await,
        "source",
    );
    invalid(tx.insert_article_source(article.id, b"").await, "source");
    // A sent source is recorded whatever its size: the relay has the message already.
    let mut sent =
        otrs_core::model::OutgoingMessage::pending("", "a@example.org", "s", "b", seed::at(1));
    sent.source = Some(bytes(8193, 2));
    tx.enqueue_message(&sent).await.unwrap();
    tx.insert_article_source(article.id, &bytes(8192, 3))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
}

/// A desk command that the store refuses late (after the ticket, its number and its history were
/// written in the transaction) leaves nothing behind. Runs on a store with small limits.
/// `next_counter` is the daily counter of the ticket created after the refused one: 1 where the
/// refused command's increment rolls back with it (SQLite), 2 where it leaves a gap (PostgreSQL,
/// whose counters do not wait for the creating transaction; see tests/counters).
async fn late_refusals_leave_nothing<S: Store>(store: S, next_counter: &str) {
    // were written in the transaction) leaves nothing behind.
    let f = fixture(store, DeskConfig::default()).await;
    let before = f
        .desk
        .changes_since(Principal::SYSTEM, 0, 10_000)
        .await
        .unwrap();
    let refused = f
        .desk
        .create_ticket(
            f.alice,
            NewTicket {
                article: ArticleInput {
                    attachments: vec![NewAttachment {
                        filename: "scan.pdf".into(),
                        content_type: "application/pdf".into(),
                        content: Arc::from(vec![7u8; 2048]),
                        content_id: None,
                        inline: false,
                    }],
                    ..ArticleInput::new(ArticleKind::PhoneInbound, "scan", "see attachment")
                },
                ..phone_ticket("with a large scan", f.postmaster)
            },
        )
        .await;
    assert!(
        matches!(&refused, Err(DeskError::Invalid(errors)) if errors.0[0].field == "attachment"),
        "{refused:?}"
    );
    let after = f
        .desk
        .changes_since(Principal::SYSTEM, 0, 10_000)
        .await
        .unwrap();
    assert_eq!(before, after, "no change-feed entry");
    let next = f
        .desk
        .create_ticket(f.alice, phone_ticket("the next one", f.postmaster))
        .await
        .unwrap();
    assert_eq!(&next.number[10..15], next_counter, "{}", next.number);
    assert_eq!(f.desk.articles(f.alice, next.id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn sqlite_refuses_late_and_leaves_nothing() {
    let db = support::sqlite_with(SqliteOptions {
        limits: support::small_limits(),
        ..SqliteOptions::default()
    })
    .await;
    late_refusals_leave_nothing(db.store.clone(), "00001").await;
}

#[tokio::test]
async fn postgres_refuses_late_and_leaves_nothing() {
    let Some(db) = support::postgres_with(PostgresOptions {
        limits: support::small_limits(),
        ..PostgresOptions::default()
    })
    .await
    else {
        return;
    };
    late_refusals_leave_nothing(db.store.clone(), "00002").await;
}

#[tokio::test]
async fn sqlite_refuses_bad_data() {
    let db = support::sqlite_with(SqliteOptions {
        limits: support::small_limits(),
        ..SqliteOptions::default()
    })
    .await;
    refuses_bad_data(db.store.clone()).await;
}

#[tokio::test]
async fn postgres_refuses_bad_data() {
    let Some(db) = support::postgres_with(PostgresOptions {
        limits: support::small_limits(),
        ..PostgresOptions::default()
    })
    .await
    else {
        return;
    };
    refuses_bad_data(db.store.clone()).await;
}

/// The schema enforces the limits too, for writers that bypass the store.
#[tokio::test]
async fn sqlite_schema_checks_what_the_store_checks() {
    let db = support::sqlite().await;
    let w = seed::world(&db.store).await;
    let t = seed::insert_ticket(&db.store, &seed::ticket("S-1", w.postmaster)).await;
    let long = sqlx::query("UPDATE tickets SET title = $1 WHERE id = $2")
        .bind("x".repeat(256))
        .bind(t.id.0 as i64)
        .execute(db.store.pool())
        .await
        .unwrap_err();
    assert!(matches!(
        long.as_database_error().map(|e| e.kind()),
        Some(sqlx::error::ErrorKind::CheckViolation)
    ));
    let orphan = sqlx::query("UPDATE tickets SET queue_id = 999 WHERE id = $1")
        .bind(t.id.0 as i64)
        .execute(db.store.pool())
        .await
        .unwrap_err();
    assert!(matches!(
        orphan.as_database_error().map(|e| e.kind()),
        Some(sqlx::error::ErrorKind::ForeignKeyViolation)
    ));
}

#[tokio::test]
async fn postgres_schema_checks_what_the_store_checks() {
    let Some(db) = support::postgres().await else {
        return;
    };
    let w = seed::world(&db.store).await;
    let t = seed::insert_ticket(&db.store, &seed::ticket("S-1", w.postmaster)).await;
    let long = sqlx::query("UPDATE tickets SET title = $1 WHERE id = $2")
        .bind("x".repeat(256))
        .bind(t.id.0 as i64)
        .execute(db.store.pool())
        .await
        .unwrap_err();
    assert!(matches!(
        long.as_database_error().map(|e| e.kind()),
        Some(sqlx::error::ErrorKind::CheckViolation)
    ));
}

/// A race lost inside the database (two transactions renaming two groups to the same name; the
/// second finds the first's uncommitted row only when its unique index check waits for it) still
/// comes back as a typed error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_races_lost_in_the_database_are_typed() {
    let Some(db) = support::postgres().await else {
        return;
    };
    seed::world(&db.store).await;
    let (a, b) = rw!(db.store, |tx| (
        tx.insert_group(&seed::group("a")).await.unwrap(),
        tx.insert_group(&seed::group("b")).await.unwrap(),
    ));
    let mut first = db.store.begin().await.unwrap();
    first
        .update_group(&Group {
            name: "same".into(),
            ..a
        })
        .await
        .unwrap();
    let second = {
        let store = db.store.clone();
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let result = tx
                .update_group(&Group {
                    name: "same".into(),
                    ..b
                })
                .await;
            let _ = tx.rollback().await;
            result
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    first.commit().await.unwrap();
    let result = second.await.unwrap();
    assert!(
        matches!(&result, Err(StoreError::Duplicate { what: "group name", value }) if value == "same"),
        "{result:?}"
    );
}
