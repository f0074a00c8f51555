//! Migrations: one folder per backend with the same versions, applied at open, idempotent.

use std::collections::BTreeSet;
use std::path::Path;

use otrs_core::store::Store;
use otrs_store::{SqliteOptions, SqliteStore};

use crate::support::{self, seed};

fn versions(backend: &str) -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(backend);
    std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let (version, rest) = name.split_once('_').expect("VERSION_description.sql");
            assert!(rest.ends_with(".sql"), "{name}");
            assert!(version.chars().all(|c| c.is_ascii_digit()), "{name}");
            version.to_owned()
        })
        .collect()
}

#[test]
fn both_backends_have_the_same_migration_versions() {
    let sqlite = versions("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, versions("postgres"));
}

#[tokio::test]
async fn sqlite_migrations_run_once_and_survive_a_reopen() {
    let db = support::sqlite().await;
    let w = seed::world(&db.store).await;
    seed::insert_ticket(&db.store, &seed::ticket("M-1", w.postmaster)).await;
    db.store.migrate().await.unwrap();
    db.store.close().await;
    let again = SqliteStore::open(&db.path, SqliteOptions::default())
        .await
        .unwrap();
    again.check_integrity().await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(again.pool())
        .await
        .unwrap();
    assert_eq!(applied as usize, versions("sqlite").len());
    let mut tx = again.begin_read().await.unwrap();
    use otrs_core::store::StoreTx;
    assert!(tx.ticket_by_number("M-1").await.unwrap().is_some());
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn sqlite_in_memory_stores_work() {
    let store = SqliteStore::open_in_memory().await.unwrap();
    let w = seed::world(&store).await;
    let t = seed::insert_ticket(&store, &seed::ticket("MEM-1", w.misc)).await;
    let mut tx = store.begin_read().await.unwrap();
    use otrs_core::store::StoreTx;
    assert_eq!(tx.ticket(t.id).await.unwrap(), Some(t));
    tx.rollback().await.unwrap();
}

#[tokio::test]
async fn postgres_migrations_run_once() {
    let Some(db) = support::postgres().await else {
        return;
    };
    db.store.migrate().await.unwrap();
    let second = db.second_store().await;
    second.migrate().await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(applied as usize, versions("postgres").len());
    second.close().await;
}

#[tokio::test]
async fn any_store_opens_by_url() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite:{}", dir.path().join("any.db").display());
    let store = otrs_store::AnyStore::open(&url).await.unwrap();
    assert!(matches!(store, otrs_store::AnyStore::Sqlite(_)));
    assert!(otrs_store::AnyStore::open("mysql://nope").await.is_err());
    // The URL names a schema of this test's own (through the connection's search path), so the
    // migrations never touch the shared database's public schema, which other runs may hold.
    if let Some(db) = support::postgres().await {
        let separator = if db.url.contains('?') { '&' } else { '?' };
        let url = format!(
            "{}{separator}options=-c%20search_path%3D{}",
            db.url, db.schema
        );
        let store = otrs_store::AnyStore::open(&url).await;
        assert!(
            matches!(store, Ok(otrs_store::AnyStore::Postgres(_))),
            "{store:?}"
        );
        let own_tables: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = $1 \
             AND table_name = '_sqlx_migrations'",
        )
        .bind(&db.schema)
        .fetch_one(db.store.pool())
        .await
        .unwrap();
        assert_eq!(own_tables, 1, "migrations ran in the URL's schema");
    }
}
