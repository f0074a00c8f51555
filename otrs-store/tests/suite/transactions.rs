//! Transactions: rollback, read-only, usable after an error, stale versions, concurrent writers.

use std::time::Duration;

use otrs_core::model::{ChangeOp, Ticket};
use otrs_core::store::{Store, StoreError, StoreTx};

use super::articles::new_article;
use super::feed::change;
use crate::support::seed;
use crate::{ro, rw};

pub async fn dropped_transactions_leave_nothing<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let before = ro!(store, |tx| tx.queue_state_counts().await.unwrap());
    {
        let mut tx = store.begin().await.unwrap();
        let t = tx
            .insert_ticket(&seed::ticket("R-1", w.postmaster))
            .await
            .unwrap();
        tx.insert_article(&new_article(t.id, "gone", 1))
            .await
            .unwrap();
        tx.append_change(&change(t.id.0, ChangeOp::Created))
            .await
            .unwrap();
        tx.insert_group(&seed::group("ephemeral")).await.unwrap();
        // Dropped here without commit.
    }
    let mut tx = store.begin().await.unwrap();
    tx.insert_ticket(&seed::ticket("R-2", w.postmaster))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let (r1, r2, counts, changes, groups) = ro!(store, |tx| (
        tx.ticket_by_number("R-1").await.unwrap(),
        tx.ticket_by_number("R-2").await.unwrap(),
        tx.queue_state_counts().await.unwrap(),
        tx.changes_since(0, 10).await.unwrap(),
        tx.groups().await.unwrap(),
    ));
    assert_eq!((r1, r2), (None, None));
    assert_eq!(counts, before);
    assert!(changes.is_empty());
    assert!(groups.iter().all(|g| g.name != "ephemeral"));
}

pub async fn read_transactions_refuse_writes<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let mut tx = store.begin_read().await.unwrap();
    let refused = tx.insert_ticket(&seed::ticket("RO-1", w.postmaster)).await;
    assert!(
        matches!(
            refused,
            Err(StoreError::Invalid {
                field: "transaction",
                ..
            })
        ),
        "{refused:?}"
    );
    let refused = tx.append_change(&change(1, ChangeOp::Created)).await;
    assert!(matches!(
        refused,
        Err(StoreError::Invalid {
            field: "transaction",
            ..
        })
    ));
    tx.rollback().await.unwrap();
    assert_eq!(
        ro!(store, |tx| tx.ticket_by_number("RO-1").await.unwrap()),
        None
    );
}

pub async fn a_refused_write_leaves_the_transaction_usable<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let mut tx = store.begin().await.unwrap();
    let first = tx
        .insert_ticket(&seed::ticket("U-1", w.postmaster))
        .await
        .unwrap();
    let dup = tx.insert_ticket(&seed::ticket("U-1", w.misc)).await;
    assert!(matches!(dup, Err(StoreError::Duplicate { .. })));
    let missing = tx
        .insert_article(&new_article(otrs_core::ids::TicketId(404), "x", 1))
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound { .. })));
    let stale = tx
        .update_ticket(&Ticket {
            version: 7,
            ..first.clone()
        })
        .await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    // The transaction goes on and commits what succeeded.
    let second = tx
        .insert_ticket(&seed::ticket("U-2", w.misc))
        .await
        .unwrap();
    tx.insert_article(&new_article(first.id, "kept", 1))
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let (one, two, articles) = ro!(store, |tx| (
        tx.ticket(first.id).await.unwrap(),
        tx.ticket(second.id).await.unwrap(),
        tx.articles(first.id).await.unwrap(),
    ));
    assert_eq!(one, Some(first));
    assert_eq!(two, Some(second));
    assert_eq!(articles.len(), 1);
}

pub async fn stale_versions_conflict_across_transactions<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let loaded = seed::insert_ticket(&store, &seed::ticket("V-1", w.postmaster)).await;
    // Someone else changes the ticket after we loaded it.
    rw!(store, |tx| tx
        .update_ticket(&Ticket {
            title: "theirs".into(),
            ..loaded.clone()
        })
        .await
        .unwrap());
    let mut tx = store.begin().await.unwrap();
    let mine = tx
        .update_ticket(&Ticket {
            title: "mine".into(),
            ..loaded.clone()
        })
        .await;
    match mine {
        Err(error @ StoreError::Conflict { .. }) => assert!(error.is_retryable()),
        other => panic!("expected a conflict, got {other:?}"),
    }
    tx.rollback().await.unwrap();
    let stored = ro!(store, |tx| tx.ticket(loaded.id).await.unwrap().unwrap());
    assert_eq!((stored.title.as_str(), stored.version), ("theirs", 2));
}

/// Two write transactions on the same ticket at once: SQLite makes the second wait for the first
/// at `begin`; PostgreSQL lets both start, and the second's version-checked update waits for the
/// first to commit and then fails with a conflict. Either way no update is lost.
pub async fn concurrent_writers_never_lose_an_update<S: Store + Clone>(store: S) {
    let w = seed::world(&store).await;
    let loaded = seed::insert_ticket(&store, &seed::ticket("C-1", w.postmaster)).await;
    let mut first = store.begin().await.unwrap();
    first
        .update_ticket(&Ticket {
            title: "first".into(),
            ..loaded.clone()
        })
        .await
        .unwrap();
    let second = {
        let store = store.clone();
        let loaded = loaded.clone();
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let current = tx.ticket(loaded.id).await.unwrap().unwrap();
            // Write the version read before the first transaction committed.
            let result = tx
                .update_ticket(&Ticket {
                    title: "second".into(),
                    ..loaded
                })
                .await;
            match result {
                Ok(_) => {
                    tx.commit().await.unwrap();
                    (current.version, true)
                }
                Err(StoreError::Conflict { .. }) => {
                    tx.rollback().await.unwrap();
                    (current.version, false)
                }
                Err(other) => panic!("{other:?}"),
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    first.commit().await.unwrap();
    let (version_seen, second_won) = tokio::time::timeout(Duration::from_secs(30), second)
        .await
        .expect("the second writer finishes")
        .unwrap();
    assert!(!second_won, "the stale write must not win");
    let stored = ro!(store, |tx| tx.ticket(loaded.id).await.unwrap().unwrap());
    assert_eq!((stored.title.as_str(), stored.version), ("first", 2));
    // SQLite serialises writers, so the second saw the committed version; PostgreSQL's second
    // transaction read the old one and was stopped by the version check.
    assert!(version_seen == 1 || version_seen == 2);
}
