//! The store for scale: PostgreSQL, shared by any number of `otrs serve` instances.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use otrs_core::store::{Store, StoreError, StoreResult};
use sqlx::postgres::{PgConnectOptions, PgListener, PgPool, PgPoolOptions};
use sqlx::{ConnectOptions, Connection};

use crate::check::Limits;
use crate::error::from_sqlx;
use crate::sql::Conn;
use crate::transfer::{self, ImportSummary, Progress};
use crate::tx::SqlTx;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The channel a [`PostgresStore`] notifies on by default.
pub const DEFAULT_NOTIFY_CHANNEL: &str = "otrs_changes";

/// Settings of a [`PostgresStore`].
#[derive(Debug, Clone)]
pub struct PostgresOptions {
    /// Connections in the pool.
    pub max_connections: u32,
    /// How long a command waits for a free connection.
    pub acquire_timeout: Duration,
    /// The schema holding the tables (created if missing); `None` uses the server's search path.
    /// Letters, digits and `_` only.
    pub schema: Option<String>,
    /// The channel that committed change-feed appends are announced on.
    pub notify_channel: String,
    /// Size limits checked before writing.
    pub limits: Limits,
}

impl Default for PostgresOptions {
    fn default() -> PostgresOptions {
        PostgresOptions {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
            schema: None,
            notify_channel: DEFAULT_NOTIFY_CHANNEL.to_owned(),
            limits: Limits::default(),
        }
    }
}

/// A store in a PostgreSQL database.
///
/// Transactions run at READ COMMITTED; every update is version-checked in its `WHERE`, so a
/// concurrent change makes it fail with [`StoreError::Conflict`] (which the desk retries) instead
/// of being lost. Read transactions are REPEATABLE READ, READ ONLY: one consistent snapshot.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
    /// Connections that only increment daily ticket counters, in autocommit (see
    /// [`crate::tx::SqlTx`]'s `next_ticket_counter`): a counter row locked until the creating
    /// transaction commits would make every creator wait for the one before it.
    counter_pool: PgPool,
    limits: Limits,
    channel: Arc<str>,
}

impl fmt::Debug for PostgresStore {
    // The pool's options hold the password; name only what is harmless.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let options = self.pool.connect_options();
        f.debug_struct("PostgresStore")
            .field("host", &options.get_host())
            .field("database", &options.get_database())
            .field("channel", &self.channel)
            .finish_non_exhaustive()
    }
}

/// Checks a schema or channel name: an SQL identifier of letters, digits and `_`.
fn identifier(field: &'static str, name: &str) -> StoreResult<()> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(StoreError::Invalid {
            field,
            message: format!("{name:?} is not a plain SQL identifier"),
        })
    }
}

impl PostgresStore {
    /// Connects to the database at `url` (e.g. `postgres://user@host/db`), creates the schema
    /// if one is configured and missing, and brings the tables up to date.
    pub async fn connect(url: &str, options: PostgresOptions) -> StoreResult<PostgresStore> {
        identifier("notify_channel", &options.notify_channel)?;
        let mut connect = PgConnectOptions::from_str(url).map_err(from_sqlx)?;
        if let Some(schema) = &options.schema {
            identifier("schema", schema)?;
            let mut conn = connect.connect().await.map_err(from_sqlx)?;
            // The name was checked to be a plain identifier above; identifiers cannot be bound.
            let create = format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\"");
            sqlx::raw_sql(sqlx::AssertSqlSafe(create))
                .execute(&mut conn)
                .await
                .map_err(from_sqlx)?;
            conn.close().await.map_err(from_sqlx)?;
            connect = connect.options([("search_path", schema.as_str())]);
        }
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect.clone())
            .await
            .map_err(from_sqlx)?;
        // Waiting for the counter's own commit to reach the disk would buy nothing: the ticket
        // that uses the number commits later, and its WAL flush covers the counter's record; a
        // counter lost in a crash was used by no durable ticket.
        let counter_pool = PgPoolOptions::new()
            .max_connections(2)
            .acquire_timeout(options.acquire_timeout)
            .after_connect(|conn, _| {
                Box::pin(async move {
                    sqlx::raw_sql("SET synchronous_commit TO off")
                        .execute(conn)
                        .await
                        .map(|_| ())
                })
            })
            .connect_lazy_with(connect);
        let store = PostgresStore {
            pool,
            counter_pool,
            limits: options.limits,
            channel: Arc::from(options.notify_channel.as_str()),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// Applies the migrations this version knows and the database lacks. Run by
    /// [`PostgresStore::connect`]; safe to run again, also from several processes at once.
    pub async fn migrate(&self) -> StoreResult<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Backend(Box::new(e)))
    }

    /// The connection pool, for tools that need raw SQL (benchmark baselines, diagnostics).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The pool daily ticket counters are incremented on (autocommit, `synchronous_commit` off),
    /// for benchmark baselines that write the same rows as the store.
    pub fn counter_pool(&self) -> &PgPool {
        &self.counter_pool
    }

    /// The channel committed change-feed appends are announced on.
    pub fn notify_channel(&self) -> &str {
        &self.channel
    }

    /// Listens for committed change-feed appends, from this process and every other one using
    /// the same database.
    pub async fn listen_changes(&self) -> StoreResult<ChangeListener> {
        let mut listener = PgListener::connect_with(&self.pool)
            .await
            .map_err(from_sqlx)?;
        listener.listen(&self.channel).await.map_err(from_sqlx)?;
        Ok(ChangeListener { listener })
    }

    /// Closes every connection.
    pub async fn close(&self) {
        self.counter_pool.close().await;
        self.pool.close().await;
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

impl Store for PostgresStore {
    type Tx = SqlTx;

    async fn begin(&self) -> StoreResult<SqlTx> {
        let tx = self.pool.begin().await.map_err(from_sqlx)?;
        Ok(SqlTx::new(
            Conn::Postgres(tx),
            false,
            self.limits,
            Some(Arc::clone(&self.channel)),
        )
        .with_counter_pool(self.counter_pool.clone()))
    }

    async fn begin_read(&self) -> StoreResult<SqlTx> {
        let tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await
            .map_err(from_sqlx)?;
        Ok(SqlTx::new(Conn::Postgres(tx), true, self.limits, None))
    }
}

/// Wakes up when change-feed entries were committed (`LISTEN` on the store's channel).
///
/// A wake-up says "read [`otrs_core::store::StoreTx::changes_since`] again"; notifications are
/// not a reliable log (they are lost while the listener reconnects), so readers keep their own
/// position in the feed and also poll now and then.
#[derive(Debug)]
pub struct ChangeListener {
    listener: PgListener,
}

impl ChangeListener {
    /// Waits for the next notification and returns the sequence number it announces.
    pub async fn recv(&mut self) -> StoreResult<u64> {
        loop {
            let notification = self.listener.recv().await.map_err(from_sqlx)?;
            if let Ok(seq) = notification.payload().parse() {
                return Ok(seq);
            }
        }
    }
}
