//! The thin layer between the store and sqlx.
//!
//! Every statement the store runs is a [`Stmt`]: fixed SQL text with `$1`, `$2`, … placeholders
//! (both drivers accept them) or text assembled by a [`Builder`] from static fragments and bound
//! values, plus its arguments as [`Arg`]s. [`Conn`] runs it on whichever backend the transaction
//! belongs to, and [`Row`] reads columns by name, converting the few types that are stored
//! differently (times are microseconds in SQLite, `timestamptz` in PostgreSQL).
//!
//! Because the SQL and the row mapping above this layer are written once, the two stores cannot
//! drift apart; the few statements that differ by dialect branch on [`Dialect`].

use chrono::{DateTime, NaiveDate, Utc};
use otrs_core::store::{StoreError, StoreResult};
use sqlx::Row as _;

use crate::error::from_sqlx;

/// The SQL dialect of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    Sqlite,
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// A value bound to a statement.
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Time(Option<DateTime<Utc>>),
    Date(NaiveDate),
    Bytes(Option<Vec<u8>>),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}

impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}

impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_owned()))
    }
}

impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}

impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}

impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}

impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_owned))
    }
}

impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}

impl From<DateTime<Utc>> for Arg {
    fn from(v: DateTime<Utc>) -> Arg {
        Arg::Time(Some(v))
    }
}

impl From<Option<DateTime<Utc>>> for Arg {
    fn from(v: Option<DateTime<Utc>>) -> Arg {
        Arg::Time(v)
    }
}

impl From<NaiveDate> for Arg {
    fn from(v: NaiveDate) -> Arg {
        Arg::Date(v)
    }
}

impl From<Vec<u8>> for Arg {
    fn from(v: Vec<u8>) -> Arg {
        Arg::Bytes(Some(v))
    }
}

impl From<Option<Vec<u8>>> for Arg {
    fn from(v: Option<Vec<u8>>) -> Arg {
        Arg::Bytes(v)
    }
}

#[derive(Debug)]
enum Piece {
    Sql(&'static str),
    Bind(Arg),
}

#[derive(Debug)]
enum Text {
    Fixed(&'static str),
    Built(Vec<Piece>),
}

/// A statement with its arguments.
#[derive(Debug)]
pub(crate) struct Stmt {
    text: Text,
    args: Vec<Arg>,
}

impl Stmt {
    /// Fixed SQL; bind `$1`, `$2`, … in order with [`Stmt::bind`].
    pub(crate) fn new(sql: &'static str) -> Stmt {
        Stmt {
            text: Text::Fixed(sql),
            args: Vec::new(),
        }
    }

    /// Binds the next placeholder.
    pub(crate) fn bind(mut self, arg: impl Into<Arg>) -> Stmt {
        self.args.push(arg.into());
        self
    }
}

/// Assembles SQL from static fragments and bound values; handed to sqlx's `QueryBuilder`, which
/// writes each backend's placeholders. Only `&'static str` fragments are accepted, so no value can
/// ever become SQL text.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    pieces: Vec<Piece>,
}

impl Builder {
    pub(crate) fn new(sql: &'static str) -> Builder {
        Builder {
            pieces: vec![Piece::Sql(sql)],
        }
    }

    pub(crate) fn push(&mut self, sql: &'static str) -> &mut Builder {
        self.pieces.push(Piece::Sql(sql));
        self
    }

    pub(crate) fn push_bind(&mut self, arg: impl Into<Arg>) -> &mut Builder {
        self.pieces.push(Piece::Bind(arg.into()));
        self
    }

    /// `(a, b, c)` with each value bound.
    pub(crate) fn push_list<A: Into<Arg>>(
        &mut self,
        values: impl IntoIterator<Item = A>,
    ) -> &mut Builder {
        self.push("(");
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self.push(")")
    }

    pub(crate) fn build(self) -> Stmt {
        Stmt {
            text: Text::Built(self.pieces),
            args: Vec::new(),
        }
    }
}

/// An open transaction on one of the backends.
#[derive(Debug)]
pub(crate) enum Conn {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// A result row of either backend.
#[derive(Debug)]
pub(crate) enum Row {
    #[cfg(feature = "sqlite")]
    Sqlite(sqlx::sqlite::SqliteRow),
    #[cfg(feature = "postgres")]
    Postgres(sqlx::postgres::PgRow),
}

/// Runs `$body` with `$q` bound to the sqlx query of `$stmt` on database `$db`, whose argument
/// binding lives in module `$exec`.
macro_rules! with_query {
    ($db:ty, $exec:ident, $stmt:expr, |$q:ident| $body:expr) => {{
        let Stmt { text, args } = $stmt;
        match text {
            Text::Fixed(sql) => {
                let mut $q = sqlx::query::<$db>(sql);
                for arg in args {
                    $q = $exec::bind($q, arg);
                }
                $body
            }
            Text::Built(pieces) => {
                let mut qb = sqlx::QueryBuilder::<$db>::new("");
                for piece in pieces {
                    match piece {
                        Piece::Sql(sql) => {
                            qb.push(sql);
                        }
                        Piece::Bind(arg) => $exec::push_bind(&mut qb, arg),
                    }
                }
                let $q = qb.build();
                $body
            }
        }
    }};
}

#[cfg(feature = "sqlite")]
mod sqlite_exec {
    use super::Arg;
    use sqlx::query::Query;
    use sqlx::sqlite::{Sqlite, SqliteArguments};

    /// Times are stored as microseconds since the epoch.
    pub(super) fn bind(
        q: Query<'_, Sqlite, SqliteArguments>,
        arg: Arg,
    ) -> Query<'_, Sqlite, SqliteArguments> {
        match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Bool(v) => q.bind(v),
            Arg::Time(v) => q.bind(v.map(|t| t.timestamp_micros())),
            Arg::Date(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
        }
    }

    pub(super) fn push_bind(qb: &mut sqlx::QueryBuilder<Sqlite>, arg: Arg) {
        match arg {
            Arg::Int(v) => qb.push_bind(v),
            Arg::Text(v) => qb.push_bind(v),
            Arg::Bool(v) => qb.push_bind(v),
            Arg::Time(v) => qb.push_bind(v.map(|t| t.timestamp_micros())),
            Arg::Date(v) => qb.push_bind(v),
            Arg::Bytes(v) => qb.push_bind(v),
        };
    }
}

#[cfg(feature = "postgres")]
mod postgres_exec {
    use super::Arg;
    use sqlx::postgres::{PgArguments, Postgres};
    use sqlx::query::Query;

    pub(super) fn bind(
        q: Query<'_, Postgres, PgArguments>,
        arg: Arg,
    ) -> Query<'_, Postgres, PgArguments> {
        match arg {
            Arg::Int(v) => q.bind(v),
            Arg::Text(v) => q.bind(v),
            Arg::Bool(v) => q.bind(v),
            Arg::Time(v) => q.bind(v),
            Arg::Date(v) => q.bind(v),
            Arg::Bytes(v) => q.bind(v),
        }
    }

    pub(super) fn push_bind(qb: &mut sqlx::QueryBuilder<Postgres>, arg: Arg) {
        match arg {
            Arg::Int(v) => qb.push_bind(v),
            Arg::Text(v) => qb.push_bind(v),
            Arg::Bool(v) => qb.push_bind(v),
            Arg::Time(v) => qb.push_bind(v),
            Arg::Date(v) => qb.push_bind(v),
            Arg::Bytes(v) => qb.push_bind(v),
        };
    }
}

impl Conn {
    pub(crate) fn dialect(&self) -> Dialect {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(_) => Dialect::Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    pub(crate) async fn fetch_all(&mut self, stmt: Stmt) -> StoreResult<Vec<Row>> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(tx) => with_query!(sqlx::Sqlite, sqlite_exec, stmt, |q| q
                .fetch_all(&mut **tx)
                .await)
            .map(|rows| rows.into_iter().map(Row::Sqlite).collect())
            .map_err(from_sqlx),
            #[cfg(feature = "postgres")]
            Conn::Postgres(tx) => with_query!(sqlx::Postgres, postgres_exec, stmt, |q| q
                .fetch_all(&mut **tx)
                .await)
            .map(|rows| rows.into_iter().map(Row::Postgres).collect())
            .map_err(from_sqlx),
        }
    }

    pub(crate) async fn fetch_optional(&mut self, stmt: Stmt) -> StoreResult<Option<Row>> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(tx) => with_query!(sqlx::Sqlite, sqlite_exec, stmt, |q| q
                .fetch_optional(&mut **tx)
                .await)
            .map(|row| row.map(Row::Sqlite))
            .map_err(from_sqlx),
            #[cfg(feature = "postgres")]
            Conn::Postgres(tx) => with_query!(sqlx::Postgres, postgres_exec, stmt, |q| q
                .fetch_optional(&mut **tx)
                .await)
            .map(|row| row.map(Row::Postgres))
            .map_err(from_sqlx),
        }
    }

    pub(crate) async fn execute(&mut self, stmt: Stmt) -> StoreResult<u64> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(tx) => with_query!(sqlx::Sqlite, sqlite_exec, stmt, |q| q
                .execute(&mut **tx)
                .await)
            .map(|done| done.rows_affected())
            .map_err(from_sqlx),
            #[cfg(feature = "postgres")]
            Conn::Postgres(tx) => with_query!(sqlx::Postgres, postgres_exec, stmt, |q| q
                .execute(&mut **tx)
                .await)
            .map(|done| done.rows_affected())
            .map_err(from_sqlx),
        }
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(tx) => tx.commit().await.map_err(from_sqlx),
            #[cfg(feature = "postgres")]
            Conn::Postgres(tx) => tx.commit().await.map_err(from_sqlx),
        }
    }

    pub(crate) async fn rollback(self) -> StoreResult<()> {
        match self {
            #[cfg(feature = "sqlite")]
            Conn::Sqlite(tx) => tx.rollback().await.map_err(from_sqlx),
            #[cfg(feature = "postgres")]
            Conn::Postgres(tx) => tx.rollback().await.map_err(from_sqlx),
        }
    }
}

/// A stored value that the store cannot read back (an unknown enumeration name, an id out of
/// range). Reported as [`StoreError::Backend`]: the database holds something this version never
/// writes.
#[derive(Debug)]
pub(crate) struct BadValue {
    pub(crate) column: String,
    pub(crate) value: String,
}

impl std::fmt::Display for BadValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "column {} holds {:?}, which this version cannot read",
            self.column, self.value
        )
    }
}

impl std::error::Error for BadValue {}

pub(crate) fn bad_value(column: &str, value: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(Box::new(BadValue {
        column: column.to_owned(),
        value: value.to_string(),
    }))
}

macro_rules! get {
    ($row:expr, $ty:ty, $col:expr) => {
        match $row {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(r) => r.try_get::<$ty, _>($col),
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => r.try_get::<$ty, _>($col),
        }
        .map_err(from_sqlx)
    };
}

impl Row {
    pub(crate) fn int(&self, col: &str) -> StoreResult<i64> {
        get!(self, i64, col)
    }

    pub(crate) fn opt_int(&self, col: &str) -> StoreResult<Option<i64>> {
        get!(self, Option<i64>, col)
    }

    /// A non-negative integer (ids, versions, counts).
    pub(crate) fn u64(&self, col: &str) -> StoreResult<u64> {
        let v = self.int(col)?;
        u64::try_from(v).map_err(|_| bad_value(col, v))
    }

    pub(crate) fn opt_u64(&self, col: &str) -> StoreResult<Option<u64>> {
        self.opt_int(col)?
            .map(|v| u64::try_from(v).map_err(|_| bad_value(col, v)))
            .transpose()
    }

    pub(crate) fn u32(&self, col: &str) -> StoreResult<u32> {
        let v = self.int(col)?;
        u32::try_from(v).map_err(|_| bad_value(col, v))
    }

    pub(crate) fn text(&self, col: &str) -> StoreResult<String> {
        get!(self, String, col)
    }

    pub(crate) fn opt_text(&self, col: &str) -> StoreResult<Option<String>> {
        get!(self, Option<String>, col)
    }

    pub(crate) fn boolean(&self, col: &str) -> StoreResult<bool> {
        get!(self, bool, col)
    }

    pub(crate) fn bytes(&self, col: &str) -> StoreResult<Vec<u8>> {
        get!(self, Vec<u8>, col)
    }

    pub(crate) fn opt_bytes(&self, col: &str) -> StoreResult<Option<Vec<u8>>> {
        get!(self, Option<Vec<u8>>, col)
    }

    pub(crate) fn date(&self, col: &str) -> StoreResult<NaiveDate> {
        get!(self, NaiveDate, col)
    }

    pub(crate) fn opt_time(&self, col: &str) -> StoreResult<Option<DateTime<Utc>>> {
        match self {
            #[cfg(feature = "sqlite")]
            Row::Sqlite(r) => {
                let micros: Option<i64> = r.try_get(col).map_err(from_sqlx)?;
                micros
                    .map(|m| DateTime::from_timestamp_micros(m).ok_or_else(|| bad_value(col, m)))
                    .transpose()
            }
            #[cfg(feature = "postgres")]
            Row::Postgres(r) => r.try_get(col).map_err(from_sqlx),
        }
    }

    pub(crate) fn time(&self, col: &str) -> StoreResult<DateTime<Utc>> {
        self.opt_time(col)?.ok_or_else(|| bad_value(col, "NULL"))
    }
}

/// A time as the stores keep it: to the microsecond (both backends store microseconds).
pub(crate) fn stored_time(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// An id or other unsigned number as a database integer.
pub(crate) fn int(field: &'static str, v: u64) -> StoreResult<i64> {
    i64::try_from(v).map_err(|_| StoreError::Invalid {
        field,
        message: format!("{v} is out of range"),
    })
}
