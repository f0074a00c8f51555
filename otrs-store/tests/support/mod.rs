//! Fresh stores for tests: in memory, a SQLite file in a temporary directory, and a PostgreSQL
//! schema of its own per test (dropped afterwards) when `OTRS_TEST_POSTGRES_URL` is set.

pub mod seed;

use std::path::PathBuf;

use otrs_store::{Limits, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Synchronous};

/// A SQLite store in its own temporary directory (removed on drop).
pub struct Sqlite {
    pub store: SqliteStore,
    pub path: PathBuf,
    _dir: tempfile::TempDir,
}

pub async fn sqlite() -> Sqlite {
    sqlite_with(SqliteOptions::default()).await
}

pub async fn sqlite_with(options: SqliteOptions) -> Sqlite {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("desk.db");
    let options = SqliteOptions {
        // Tests do not need every commit on the platter; the durability test sets FULL itself.
        synchronous: Synchronous::Normal,
        ..options
    };
    let store = SqliteStore::open(&path, options)
        .await
        .expect("open SQLite store");
    Sqlite {
        store,
        path,
        _dir: dir,
    }
}

/// The PostgreSQL URL, or `None` after printing a loud skip line (a failure under
/// `OTRS_TEST_REQUIRE_ALL=1`).
pub fn postgres_url() -> Option<String> {
    match std::env::var("OTRS_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            let test = std::thread::current()
                .name()
                .unwrap_or("a PostgreSQL test")
                .to_owned();
            if std::env::var("OTRS_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1") {
                panic!(
                    "{test}: OTRS_TEST_POSTGRES_URL is not set, and OTRS_TEST_REQUIRE_ALL=1 forbids skipping"
                );
            }
            // Written to the process's stderr, past the test harness's output capture, so that
            // the skip shows in a normal `cargo test` run.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "!!!! SKIPPED {test}: set OTRS_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test) to run the PostgreSQL tests !!!!"
            );
            // `scripts/test` lists the skipped suites at the end of the run.
            if let Ok(log) = std::env::var("OTRS_TEST_SKIP_LOG")
                && let Ok(mut file) = std::fs::OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(log)
            {
                let _ = writeln!(
                    file,
                    "otrs-store PostgreSQL suites (set OTRS_TEST_POSTGRES_URL=postgres://USER@HOST/DB)"
                );
            }
            None
        }
    }
}

/// A PostgreSQL store in a schema of its own, dropped when this value is dropped.
pub struct Postgres {
    pub store: PostgresStore,
    pub url: String,
    pub schema: String,
}

pub fn unique_name(prefix: &str) -> String {
    format!("{prefix}_{:016x}", rand::random::<u64>())
}

pub async fn postgres() -> Option<Postgres> {
    postgres_with(PostgresOptions::default()).await
}

pub async fn postgres_with(options: PostgresOptions) -> Option<Postgres> {
    let url = postgres_url()?;
    let schema = unique_name("t");
    let store = PostgresStore::connect(
        &url,
        PostgresOptions {
            schema: Some(schema.clone()),
            max_connections: 10,
            notify_channel: format!("otrs_changes_{schema}"),
            ..options
        },
    )
    .await
    .expect("connect to PostgreSQL");
    Some(Postgres { store, url, schema })
}

impl Postgres {
    /// Another store on the same schema, as a second server process would have.
    pub async fn second_store(&self) -> PostgresStore {
        PostgresStore::connect(
            &self.url,
            PostgresOptions {
                schema: Some(self.schema.clone()),
                notify_channel: self.store.notify_channel().to_owned(),
                ..PostgresOptions::default()
            },
        )
        .await
        .expect("second connection")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let url = self.url.clone();
        let schema = self.schema.clone();
        // Drop cannot await; a short-lived runtime on its own thread does the cleanup, on a
        // connection of its own (the pool's connections belong to the test's runtime, which is
        // blocked here). Idle pool connections do not keep the schema from being dropped.
        let cleanup = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let drop = format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        });
        let _ = cleanup.join();
    }
}

/// Small limits, for the tests of oversized values.
pub fn small_limits() -> Limits {
    Limits {
        max_attachment_bytes: 1024,
        max_body_bytes: 4096,
        max_source_bytes: 8192,
    }
}

/// Instantiates generic `async fn name<S: Store + Clone>(store: S)` tests for every backend:
/// `memory::name`, `sqlite::name` and `postgres::name`.
macro_rules! for_each_store {
    ($($name:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name(otrs_core::store::MemoryStore::new()).await;
                }
            )*
        }
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::sqlite().await;
                    super::$name(db.store.clone()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::postgres().await else { return };
                    super::$name(db.store.clone()).await;
                }
            )*
        }
    };
}
pub(crate) use for_each_store;

/// Like [`for_each_store`], for the SQL stores only.
macro_rules! for_each_sql_store {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let db = crate::support::sqlite().await;
                    super::$name(otrs_store::AnyStore::from(db.store.clone())).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(db) = crate::support::postgres().await else { return };
                    super::$name(otrs_store::AnyStore::from(db.store.clone())).await;
                }
            )*
        }
    };
}
pub(crate) use for_each_sql_store;
