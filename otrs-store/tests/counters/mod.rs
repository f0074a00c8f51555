//! The daily ticket counters' behaviour that differs between backends: SQLite (one writer)
//! increments inside the creating transaction, PostgreSQL in autocommit beside it.

use std::time::Duration;

use chrono::NaiveDate;
use otrs_core::store::{Store, StoreTx};

use crate::support::{self, seed};

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2020, 3, 25).unwrap()
}

#[tokio::test]
async fn sqlite_takes_a_rolled_back_number_back() {
    let db = support::sqlite().await;
    seed::world(&db.store).await;
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(tx.next_ticket_counter(day()).await.unwrap(), 1);
    tx.rollback().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(tx.next_ticket_counter(day()).await.unwrap(), 1);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_counters_do_not_wait_for_the_creating_transaction() {
    let Some(db) = support::postgres().await else {
        return;
    };
    seed::world(&db.store).await;
    // Two open write transactions take numbers one after the other: the second must not wait
    // for the first to end (with the counter row locked until commit it would, for ever here).
    let mut first = db.store.begin().await.unwrap();
    let mut second = db.store.begin().await.unwrap();
    let a = first.next_ticket_counter(day()).await.unwrap();
    let b = tokio::time::timeout(Duration::from_secs(10), second.next_ticket_counter(day()))
        .await
        .expect("the second transaction got its number while the first was still open")
        .unwrap();
    assert_eq!((a, b), (1, 2));
    // A rolled-back create leaves a gap; the numbers handed out are never handed out again.
    first.rollback().await.unwrap();
    second.commit().await.unwrap();
    let mut tx = db.store.begin().await.unwrap();
    assert_eq!(tx.next_ticket_counter(day()).await.unwrap(), 3);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_counters_are_unique_under_concurrency() {
    let Some(db) = support::postgres().await else {
        return;
    };
    seed::world(&db.store).await;
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = db.store.clone();
            tokio::spawn(async move {
                let mut taken = Vec::new();
                for _ in 0..25 {
                    let mut tx = store.begin().await.unwrap();
                    taken.push(tx.next_ticket_counter(day()).await.unwrap());
                    tx.commit().await.unwrap();
                }
                taken
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort_unstable();
    assert_eq!(all, (1..=200).collect::<Vec<u64>>());
}
