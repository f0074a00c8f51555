//! PostgreSQL's wake-up for change-feed readers: `NOTIFY` on commit, never for a rollback.

use std::time::Duration;

use otrs_core::model::{Change, ChangeOp, EntityKind};
use otrs_core::store::{Store, StoreTx};

use crate::support::{self, seed};

fn change(id: u64) -> Change {
    Change {
        seq: 0,
        entity: EntityKind::Ticket,
        entity_id: id,
        op: ChangeOp::Updated,
        at: seed::at(1),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_appends_wake_listeners() {
    let Some(db) = support::postgres().await else {
        return;
    };
    let mut listener = db.store.listen_changes().await.unwrap();
    // Another server process on the same database.
    let other = db.second_store().await;

    let mut tx = other.begin().await.unwrap();
    tx.append_change(&change(1)).await.unwrap();
    tx.rollback().await.unwrap();
    let mut tx = other.begin().await.unwrap();
    let seq = tx.append_change(&change(2)).await.unwrap();
    // Not yet: notifications are delivered at commit.
    assert!(
        tokio::time::timeout(Duration::from_millis(200), listener.recv())
            .await
            .is_err()
    );
    tx.commit().await.unwrap();
    let woke = tokio::time::timeout(Duration::from_secs(10), listener.recv())
        .await
        .expect("a notification")
        .unwrap();
    assert_eq!(woke, seq);
    let mut tx = db.store.begin_read().await.unwrap();
    let changes = tx.changes_since(woke - 1, 10).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(changes[0].entity_id, 2);
    other.close().await;
}
