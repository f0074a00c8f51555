//! [`AnyStore`]: the backend chosen once, at start.

use otrs_core::store::{Store, StoreError, StoreResult};

#[cfg(feature = "postgres")]
use crate::postgres::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
use crate::sqlite::{SqliteOptions, SqliteStore};
use crate::transfer::{ImportSummary, Progress};
use crate::tx::SqlTx;

/// Either store, so that a binary picks the backend from its configuration once and the desk
/// stays one type (`Desk<AnyStore>`). Every store has the same transaction type, [`SqlTx`], so
/// the enum delegates only the opening of transactions.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// A SQLite file.
    #[cfg(feature = "sqlite")]
    Sqlite(SqliteStore),
    /// A PostgreSQL database.
    #[cfg(feature = "postgres")]
    Postgres(PostgresStore),
}

impl AnyStore {
    /// Opens the store a URL names, with default options: `sqlite:PATH` (or `sqlite://PATH`) for
    /// a file, `postgres://…` or `postgresql://…` for a server.
    pub async fn open(url: &str) -> StoreResult<AnyStore> {
        #[cfg(feature = "postgres")]
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(AnyStore::Postgres(
                PostgresStore::connect(url, PostgresOptions::default()).await?,
            ));
        }
        #[cfg(feature = "sqlite")]
        if let Some(path) = url.strip_prefix("sqlite:") {
            let path = path.strip_prefix("//").unwrap_or(path);
            return Ok(AnyStore::Sqlite(
                SqliteStore::open(std::path::Path::new(path), SqliteOptions::default()).await?,
            ));
        }
        Err(StoreError::Invalid {
            field: "database url",
            message: format!(
                "{:?} names no backend this build supports (sqlite: or postgres://)",
                url.split('@').next_back().unwrap_or_default()
            ),
        })
    }

    /// Applies missing migrations.
    pub async fn migrate(&self) -> StoreResult<()> {
        match self {
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(store) => store.migrate().await,
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(store) => store.migrate().await,
        }
    }

    /// Writes every table as JSON Lines (see [`crate::transfer`]); returns the rows written.
    pub async fn export(
        &self,
        out: &mut (impl std::io::Write + Send),
        progress: impl FnMut(Progress) + Send,
    ) -> StoreResult<u64> {
        crate::transfer::export(self, out, progress).await
    }

    /// Reads an export into this store, which must be empty (see [`crate::transfer`]).
    pub async fn import(
        &self,
        input: impl std::io::BufRead + Send,
        progress: impl FnMut(Progress) + Send,
    ) -> StoreResult<ImportSummary> {
        crate::transfer::import(self, input, progress).await
    }
}

#[cfg(feature = "sqlite")]
impl From<SqliteStore> for AnyStore {
    fn from(store: SqliteStore) -> AnyStore {
        AnyStore::Sqlite(store)
    }
}

#[cfg(feature = "postgres")]
impl From<PostgresStore> for AnyStore {
    fn from(store: PostgresStore) -> AnyStore {
        AnyStore::Postgres(store)
    }
}

impl Store for AnyStore {
    type Tx = SqlTx;

    async fn begin(&self) -> StoreResult<SqlTx> {
        match self {
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(store) => store.begin().await,
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(store) => store.begin().await,
        }
    }

    async fn begin_read(&self) -> StoreResult<SqlTx> {
        match self {
            #[cfg(feature = "sqlite")]
            AnyStore::Sqlite(store) => store.begin_read().await,
            #[cfg(feature = "postgres")]
            AnyStore::Postgres(store) => store.begin_read().await,
        }
    }
}
