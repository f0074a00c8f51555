//! # otrs-store: the help desk's persistence
//!
//! Two implementations of otrs-core's storage port ([`otrs_core::store::Store`]), both with
//! [sqlx](https://docs.rs/sqlx):
//!
//! - [`SqliteStore`] (feature `sqlite`, the default): one file, WAL, foreign keys on, and
//!   `synchronous=FULL` unless [`Synchronous::Normal`] is chosen. Writers take turns
//!   on one write connection (`BEGIN IMMEDIATE`); readers run beside them on their own pool.
//! - [`PostgresStore`] (feature `postgres`): for scale and for several `otrs serve` instances on
//!   one database. Version-checked updates at READ COMMITTED; committed change-feed appends are
//!   announced with `NOTIFY` ([`PostgresStore::listen_changes`]).
//! - [`AnyStore`]: either of them, picked once at start, so that binaries have one `Desk` type.
//!
//! All three hand out the same transaction type, [`SqlTx`]. The SQL of every port method is
//! written once; the two backends differ only in their migrations (`migrations/sqlite`,
//! `migrations/postgres`, same versions) and a handful of dialect branches.
//!
//! Each store brings its schema up to date when it is opened ([`SqliteStore::migrate`],
//! [`PostgresStore::migrate`] run the same step for `otrs migrate`). The queue × state counts
//! are kept by triggers in the same transaction as every ticket write. [`transfer`] moves every
//! table to and from JSON Lines, which is also how a desk moves from SQLite to PostgreSQL.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::sync::Arc;
//! use otrs_core::clock::SystemClock;
//! use otrs_core::{Desk, DeskConfig};
//! use otrs_store::{SqliteOptions, SqliteStore};
//!
//! let store = SqliteStore::open("desk.db".as_ref(), SqliteOptions::default()).await?;
//! let desk = Desk::new(store, Arc::new(SystemClock), DeskConfig::default());
//! desk.initialize().await?;
//! # Ok(())
//! # }
//! ```

#![warn(missing_docs)]

#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("otrs-store needs at least one backend: enable the `sqlite` or `postgres` feature");

mod any;
mod check;
mod codec;
mod error;
#[cfg(feature = "postgres")]
mod postgres;
pub mod search;
mod sql;
#[cfg(feature = "sqlite")]
mod sqlite;
pub mod transfer;
mod tx;

pub use any::AnyStore;
pub use check::Limits;
#[cfg(feature = "postgres")]
pub use postgres::{ChangeListener, DEFAULT_NOTIFY_CHANNEL, PostgresOptions, PostgresStore};
pub use search::{SearchError, TicketHits, TicketIndex};
#[cfg(feature = "sqlite")]
pub use sqlite::{SqliteOptions, SqliteStore, Synchronous};
pub use transfer::{ImportSummary, Progress};
pub use tx::SqlTx;
