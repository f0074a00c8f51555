//! The embedded store: one SQLite file in WAL mode.

use std::path::Path;
use std::time::Duration;

use otrs_core::store::{Store, StoreError, StoreResult};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::check::Limits;
use crate::error::from_sqlx;
use crate::sql::Conn;
use crate::transfer::{self, ImportSummary, Progress};
use crate::tx::SqlTx;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// How hard SQLite works to make a commit durable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `synchronous=FULL`: every commit is on disk before it is acknowledged, so an acknowledged
    /// ticket survives a power cut. The default.
    #[default]
    Full,
    /// `synchronous=NORMAL`: commits survive a crash of the program, and the database stays
    /// consistent after a power cut, but the last commits before a power cut may be lost. Roughly
    /// doubles the write rate.
    Normal,
}

/// Settings of a [`SqliteStore`].
#[derive(Debug, Clone)]
pub struct SqliteOptions {
    /// Durability of commits.
    pub synchronous: Synchronous,
    /// Connections for read transactions. Write transactions have one connection of their own.
    pub max_connections: u32,
    /// How long to wait for another process that holds the write lock.
    pub busy_timeout: Duration,
    /// Page cache per connection, in KiB.
    pub cache_kib: u32,
    /// Size limits checked before writing.
    pub limits: Limits,
}

impl Default for SqliteOptions {
    fn default() -> SqliteOptions {
        SqliteOptions {
            synchronous: Synchronous::Full,
            max_connections: 8,
            busy_timeout: Duration::from_secs(10),
            cache_kib: 32 * 1024,
            limits: Limits::default(),
        }
    }
}

/// A store in one SQLite file.
///
/// Write transactions run on one connection of their own, in turn (waiting in a fair queue for
/// it), and start with `BEGIN IMMEDIATE`: concurrent commands wait for each other instead of
/// failing at lock upgrade, and the writer's page cache stays warm. Read transactions run beside
/// them on a pool of their own, each on its snapshot (WAL). Other processes on the same file wait
/// up to [`SqliteOptions::busy_timeout`].
#[derive(Debug, Clone)]
pub struct SqliteStore {
    readers: SqlitePool,
    writer: SqlitePool,
    limits: Limits,
}

impl SqliteStore {
    /// Opens (creating if needed) the database file at `path`, in WAL mode with foreign keys on,
    /// and brings its schema up to date.
    pub async fn open(path: &Path, options: SqliteOptions) -> StoreResult<SqliteStore> {
        let connect = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match options.synchronous {
                Synchronous::Full => SqliteSynchronous::Full,
                Synchronous::Normal => SqliteSynchronous::Normal,
            })
            .foreign_keys(true)
            .busy_timeout(options.busy_timeout)
            .pragma("cache_size", format!("-{}", options.cache_kib))
            .pragma("temp_store", "memory")
            .optimize_on_close(true, 1000);
        // The writer first: it creates the file and switches it to WAL. Connections to a local
        // file do not go stale, so the pools skip sqlx's ping before handing one out (a round
        // trip to the connection's worker thread per transaction).
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .test_before_acquire(false)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect.clone())
            .await
            .map_err(from_sqlx)?;
        let readers = SqlitePoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .test_before_acquire(false)
            .connect_with(connect)
            .await
            .map_err(from_sqlx)?;
        let store = SqliteStore {
            readers,
            writer,
            limits: options.limits,
        };
        store.migrate().await?;
        Ok(store)
    }

    /// A private database in memory, for tests and tools. It has one connection, so reads and
    /// writes run one after the other: a task must finish a transaction before it begins another.
    pub async fn open_in_memory() -> StoreResult<SqliteStore> {
        let connect = SqliteConnectOptions::new()
            .in_memory(true)
            .foreign_keys(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(connect)
            .await
            .map_err(from_sqlx)?;
        let store = SqliteStore {
            readers: pool.clone(),
            writer: pool,
            limits: Limits::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations this version knows and the database lacks. Run by
    /// [`SqliteStore::open`]; safe to run again.
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.writer)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))
    }

    /// The pool of read connections, for tools that need raw SQL (diagnostics, baselines).
    pub fn pool(&self) -> &SqlitePool {
        &self.readers
    }

    /// The one write connection, for tools that write with raw SQL (benchmark baselines). Writes
    /// through it take their turn with the store's own.
    pub fn write_pool(&self) -> &SqlitePool {
        &self.writer
    }

    /// Runs SQLite's own consistency checks (`PRAGMA integrity_check` and
    /// `PRAGMA foreign_key_check`); an error describes the first problems found.
    pub async fn check_integrity(&self) -> StoreResult<()> {
        let rows: Vec<(String,)> = sqlx::query_as("PRAGMA integrity_check")
            .fetch_all(&self.readers)
            .await
            .map_err(from_sqlx)?;
        if rows.len() != 1 || rows[0].0 != "ok" {
            let problems: Vec<String> = rows.into_iter().take(10).map(|r| r.0).collect();
            return Err(StoreError::Backend(
                format!("integrity check failed: {}", problems.join("; ")).into(),
            ));
        }
        let orphans = sqlx::query("PRAGMA foreign_key_check")
            .fetch_all(&self.readers)
            .await
            .map_err(from_sqlx)?;
        if !orphans.is_empty() {
            return Err(StoreError::Backend(
                format!("{} rows refer to missing rows", orphans.len()).into(),
            ));
        }
        Ok(())
    }

    /// Closes every connection (checkpointing the WAL into the database file).
    pub async fn close(&self) {
        self.readers.close().await;
        self.writer.close().await;
    }

    /// Writes every table as JSON Lines (see [`crate::transfer`]); returns the rows written.
    pub async fn export(
        &self,
        out: &mut (impl std::io::Write + Send),
        progress: impl FnMut(Progress) + Send,
    ) -> StoreResult<u64> {
        transfer::export(self, out, progress).await
    }

    /// Reads an export into this store, which must be empty (see [`crate::transfer`]).
    pub async fn import(
        &self,
        input: impl std::io::BufRead + Send,
        progress: impl FnMut(Progress) + Send,
    ) -> StoreResult<ImportSummary> {
        transfer::import(self, input, progress).await
    }
}

impl Store for SqliteStore {
    type Tx = SqlTx;

    async fn begin(&self) -> StoreResult<SqlTx> {
        let tx = self
            .writer
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(from_sqlx)?;
        Ok(SqlTx::new(Conn::Sqlite(tx), false, self.limits, None))
    }

    async fn begin_read(&self) -> StoreResult<SqlTx> {
        let tx = self.readers.begin().await.map_err(from_sqlx)?;
        Ok(SqlTx::new(Conn::Sqlite(tx), true, self.limits, None))
    }
}
