//! Table-level export and import, as JSON Lines: how a desk moves from SQLite to PostgreSQL (or
//! back), and how it is backed up in a form any tool can read.
//!
//! The first line is a header; every further line is one row of one table:
//!
//! ```text
//! {"otrs_export":1,"tables":{"agents":3,"articles":12,…}}
//! {"table":"states","row":{"id":1,"name":"new","state_type":"new","valid":true}}
//! {"table":"tickets","row":{"id":1,"number":"2020032510000016",…,"created_at":"2020-03-25T09:00:00.000000Z",…}}
//! {"table":"attachments","row":{"id":1,…,"content":"iVBORw0KGgo…"}}
//! ```
//!
//! Tables come in an order in which every row's references precede it; rows come in primary-key
//! order; columns in schema order. Values are backend-neutral: integers, strings, booleans, times
//! as RFC 3339 UTC with microseconds, days as `YYYY-MM-DD`, bytes as standard base64. Ids are
//! kept, so an export of one backend imported into the other and exported again is
//! byte-identical, and so is export → import → export on the same backend.
//!
//! Import needs an empty, migrated database and runs in one transaction: it either loads
//! everything or nothing. The export refuses to run if the database has a table this catalogue
//! does not know, so a table added by a later migration cannot be silently left out.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use otrs_core::store::{Store, StoreError, StoreResult, StoreTx};
use serde_json::Value;

use crate::sql::{Arg, Builder, Dialect, Row};
use crate::tx::SqlTx;

/// The format version written in the header.
pub const FORMAT_VERSION: u64 = 1;

/// Rows read per query when exporting.
const EXPORT_PAGE: i64 = 1000;
/// Most bound values in one import statement (SQLite allows 32766, PostgreSQL 65535).
const IMPORT_MAX_BINDS: usize = 20_000;
/// Most bytes of values in one import statement.
const IMPORT_MAX_BYTES: usize = 16 * 1024 * 1024;

/// How far an export or import has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// The table being copied.
    pub table: &'static str,
    /// Rows done so far, over all tables.
    pub rows_done: u64,
    /// Rows in all, over all tables.
    pub rows_total: u64,
}

/// What an import loaded.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ImportSummary {
    /// Rows per table.
    pub rows: BTreeMap<String, u64>,
}

impl ImportSummary {
    /// Rows over all tables.
    pub fn total(&self) -> u64 {
        self.rows.values().sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Text,
    Bool,
    Time,
    Date,
    Bytes,
}

#[derive(Debug)]
struct Column {
    name: &'static str,
    kind: Kind,
}

/// One table of the schema, as the export sees it.
#[derive(Debug)]
struct Table {
    name: &'static str,
    columns: &'static [Column],
    /// The primary key, which orders the rows.
    key: &'static [&'static str],
    /// Has an `id` identity column whose sequence must follow imported ids (PostgreSQL).
    identity: bool,
    /// Kept by the store itself (counts, counters): import replaces what the store made.
    derived: bool,
}

const fn col(name: &'static str, kind: Kind) -> Column {
    Column { name, kind }
}

use Kind::{Bool, Bytes, Date, Int, Text, Time};

/// Every table of the schema, in an order in which references precede the rows that use them.
const TABLES: &[Table] = &[
    Table {
        name: "states",
        columns: &[
            col("id", Int),
            col("name", Text),
            col("state_type", Text),
            col("valid", Bool),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "groups",
        columns: &[
            col("id", Int),
            col("name", Text),
            col("comment", Text),
            col("validity", Text),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "queues",
        columns: &[
            col("id", Int),
            col("name", Text),
            col("group_id", Int),
            col("comment", Text),
            col("validity", Text),
            col("unlock_timeout_minutes", Int),
            col("first_response_minutes", Int),
            col("update_minutes", Int),
            col("solution_minutes", Int),
            col("follow_up_possible", Bool),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "agents",
        columns: &[
            col("id", Int),
            col("login", Text),
            col("first_name", Text),
            col("last_name", Text),
            col("email", Text),
            col("validity", Text),
            col("password_hash", Text),
            col("must_change_password", Bool),
            col("failed_logins", Int),
            col("totp_secret", Text),
            col("created_at", Time),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "agent_groups",
        columns: &[
            col("agent_id", Int),
            col("group_id", Int),
            col("permissions", Int),
        ],
        key: &["agent_id", "group_id"],
        identity: false,
        derived: false,
    },
    Table {
        name: "agent_preferences",
        columns: &[col("agent_id", Int), col("key", Text), col("value", Text)],
        key: &["agent_id", "key"],
        identity: false,
        derived: false,
    },
    Table {
        name: "customers",
        columns: &[
            col("id", Int),
            col("customer_id", Text),
            col("name", Text),
            col("street", Text),
            col("zip", Text),
            col("city", Text),
            col("country", Text),
            col("url", Text),
            col("comment", Text),
            col("validity", Text),
            col("created_at", Time),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "customer_users",
        columns: &[
            col("id", Int),
            col("login", Text),
            col("title", Text),
            col("first_name", Text),
            col("last_name", Text),
            col("email", Text),
            col("customer_id", Text),
            col("phone", Text),
            col("mobile", Text),
            col("street", Text),
            col("zip", Text),
            col("city", Text),
            col("country", Text),
            col("comment", Text),
            col("validity", Text),
            col("password_hash", Text),
            col("must_change_password", Bool),
            col("failed_logins", Int),
            col("totp_secret", Text),
            col("created_at", Time),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "customer_user_customer_ids",
        columns: &[
            col("customer_user_id", Int),
            col("position", Int),
            col("customer_id", Text),
        ],
        key: &["customer_user_id", "position"],
        identity: false,
        derived: false,
    },
    Table {
        name: "customer_user_groups",
        columns: &[
            col("customer_user_id", Int),
            col("group_id", Int),
            col("permissions", Int),
        ],
        key: &["customer_user_id", "group_id"],
        identity: false,
        derived: false,
    },
    Table {
        name: "customer_user_preferences",
        columns: &[
            col("customer_user_id", Int),
            col("key", Text),
            col("value", Text),
        ],
        key: &["customer_user_id", "key"],
        identity: false,
        derived: false,
    },
    Table {
        name: "ticket_counters",
        columns: &[col("day", Date), col("counter", Int)],
        key: &["day"],
        identity: false,
        derived: false,
    },
    Table {
        name: "tickets",
        columns: &[
            col("id", Int),
            col("number", Text),
            col("title", Text),
            col("queue_id", Int),
            col("state_id", Int),
            col("priority", Int),
            col("lock", Text),
            col("owner_id", Int),
            col("responsible_id", Int),
            col("customer_id", Text),
            col("customer_user_id", Int),
            col("pending_until", Time),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
            col("changed_at", Time),
            col("changed_by_kind", Text),
            col("changed_by_id", Int),
            col("accounted_time", Int),
            col("locked_at", Time),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "ticket_counts",
        columns: &[
            col("queue_id", Int),
            col("state_id", Int),
            col("count", Int),
        ],
        key: &["queue_id", "state_id"],
        identity: false,
        derived: true,
    },
    Table {
        name: "articles",
        columns: &[
            col("id", Int),
            col("ticket_id", Int),
            col("channel", Text),
            col("sender_type", Text),
            col("visible_for_customer", Bool),
            col("important", Bool),
            col("from_address", Text),
            col("to_address", Text),
            col("cc_address", Text),
            col("bcc_address", Text),
            col("subject", Text),
            col("body", Text),
            col("content_type", Text),
            col("message_id", Text),
            col("in_reply_to", Text),
            col("reference_ids", Text),
            col("time_units", Int),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "attachments",
        columns: &[
            col("id", Int),
            col("article_id", Int),
            col("filename", Text),
            col("content_type", Text),
            col("size", Int),
            col("content_id", Text),
            col("inline", Bool),
            col("content", Bytes),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "article_sources",
        columns: &[col("article_id", Int), col("source", Bytes)],
        key: &["article_id"],
        identity: false,
        derived: false,
    },
    Table {
        name: "time_accounting",
        columns: &[
            col("id", Int),
            col("ticket_id", Int),
            col("article_id", Int),
            col("units", Int),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "article_seen",
        columns: &[
            col("agent_id", Int),
            col("article_id", Int),
            col("seen_at", Time),
        ],
        key: &["agent_id", "article_id"],
        identity: false,
        derived: false,
    },
    Table {
        name: "history",
        columns: &[
            col("id", Int),
            col("ticket_id", Int),
            col("article_id", Int),
            col("history_type", Int),
            col("params", Text),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
            col("queue_id", Int),
            col("state_id", Int),
            col("priority", Int),
            col("owner_id", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "links",
        columns: &[
            col("id", Int),
            col("source_kind", Text),
            col("source_id", Int),
            col("target_kind", Text),
            col("target_id", Int),
            col("link_type", Text),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "watchers",
        columns: &[
            col("ticket_id", Int),
            col("agent_id", Int),
            col("since", Time),
        ],
        key: &["ticket_id", "agent_id"],
        identity: false,
        derived: false,
    },
    Table {
        name: "drafts",
        columns: &[
            col("id", Int),
            col("ticket_id", Int),
            col("form", Text),
            col("name", Text),
            col("fields", Text),
            col("ticket_version", Int),
            col("created_by", Int),
            col("created_at", Time),
            col("changed_at", Time),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "feed_counter",
        columns: &[col("id", Int), col("seq", Int)],
        key: &["id"],
        identity: false,
        derived: true,
    },
    Table {
        name: "changes",
        columns: &[
            col("seq", Int),
            col("entity", Text),
            col("entity_id", Int),
            col("op", Text),
            col("at", Time),
        ],
        key: &["seq"],
        identity: false,
        derived: false,
    },
    Table {
        name: "outbox",
        columns: &[
            col("id", Int),
            col("ticket_id", Int),
            col("from_address", Text),
            col("to_address", Text),
            col("cc_address", Text),
            col("bcc_address", Text),
            col("subject", Text),
            col("body", Text),
            col("status", Text),
            col("attempts", Int),
            col("last_error", Text),
            col("created_at", Time),
            col("message_id", Text),
            col("article_id", Int),
            col("in_reply_to", Text),
            col("reference_ids", Text),
            col("source", Bytes),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "sessions",
        columns: &[
            col("key_digest", Text),
            col("principal_kind", Text),
            col("principal_id", Int),
            col("csrf_token", Text),
            col("awaiting_second_factor", Bool),
            col("created_at", Time),
            col("last_seen_at", Time),
            col("remote_addr", Text),
        ],
        key: &["key_digest"],
        identity: false,
        derived: false,
    },
    Table {
        name: "api_tokens",
        columns: &[
            col("id", Int),
            col("agent_id", Int),
            col("name", Text),
            col("digest", Text),
            col("created_at", Time),
            col("last_used_at", Time),
            col("expires_at", Time),
            col("revoked_at", Time),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "one_time_tokens",
        columns: &[
            col("digest", Text),
            col("principal_kind", Text),
            col("principal_id", Int),
            col("purpose", Text),
            col("created_at", Time),
            col("expires_at", Time),
            col("used_at", Time),
        ],
        key: &["digest"],
        identity: false,
        derived: false,
    },
    // --- scheduler ---
    Table {
        name: "jobs",
        columns: &[
            col("id", Int),
            col("kind", Text),
            col("payload", Text),
            col("unique_key", Text),
            col("state", Text),
            col("run_at", Time),
            col("attempts", Int),
            col("max_attempts", Int),
            col("last_error", Text),
            col("lease_owner", Text),
            col("lease_until", Time),
            col("created_at", Time),
            col("finished_at", Time),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "agent_notifications",
        columns: &[
            col("id", Int),
            col("agent_id", Int),
            col("title", Text),
            col("body", Text),
            col("link", Text),
            col("dedup_key", Text),
            col("created_at", Time),
            col("seen_at", Time),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "outbox_attachments",
        columns: &[
            col("outbox_id", Int),
            col("position", Int),
            col("filename", Text),
            col("content_type", Text),
            col("content", Bytes),
        ],
        key: &["outbox_id", "position"],
        identity: false,
        derived: false,
    },
    // --- calendar ---
    Table {
        name: "calendars",
        columns: &[
            col("id", Int),
            col("name", Text),
            col("color", Text),
            col("group_id", Int),
            col("validity", Text),
            col("feed_token", Text),
            col("created_at", Time),
            col("changed_at", Time),
            col("changed_by_kind", Text),
            col("changed_by_id", Int),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "appointments",
        columns: &[
            col("id", Int),
            col("calendar_id", Int),
            col("uid", Text),
            col("title", Text),
            col("description", Text),
            col("location", Text),
            col("all_day", Bool),
            col("start_wall", Text),
            col("end_wall", Text),
            col("time_zone", Text),
            col("rrule", Text),
            col("exdates", Text),
            col("parent_id", Int),
            col("recurrence_id", Text),
            col("notify_minutes_before", Int),
            col("first_start_utc", Time),
            col("last_end_utc", Time),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
            col("changed_at", Time),
            col("changed_by_kind", Text),
            col("changed_by_id", Int),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "appointment_history",
        columns: &[
            col("id", Int),
            col("appointment_id", Int),
            col("action", Text),
            col("details", Text),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    // --- knowledge base ---
    Table {
        name: "kb_categories",
        columns: &[
            col("id", Int),
            col("parent_id", Int),
            col("name", Text),
            col("comment", Text),
            col("validity", Text),
            col("created_at", Time),
            col("changed_at", Time),
            col("changed_by_kind", Text),
            col("changed_by_id", Int),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "kb_category_groups",
        columns: &[col("category_id", Int), col("group_id", Int)],
        key: &["category_id", "group_id"],
        identity: false,
        derived: false,
    },
    Table {
        name: "kb_articles",
        columns: &[
            col("id", Int),
            col("category_id", Int),
            col("title", Text),
            col("keywords", Text),
            col("language", Text),
            col("state", Text),
            col("validity", Text),
            col("approved", Bool),
            col("content_type", Text),
            col("symptom", Text),
            col("problem", Text),
            col("solution", Text),
            col("comment", Text),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
            col("changed_at", Time),
            col("changed_by_kind", Text),
            col("changed_by_id", Int),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "kb_attachments",
        columns: &[
            col("id", Int),
            col("article_id", Int),
            col("filename", Text),
            col("content_type", Text),
            col("size", Int),
            col("inline", Bool),
            col("content", Bytes),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    Table {
        name: "kb_votes",
        columns: &[
            col("article_id", Int),
            col("voter_kind", Text),
            col("voter_id", Int),
            col("helpful", Bool),
            col("voted_at", Time),
        ],
        key: &["article_id", "voter_kind", "voter_id"],
        identity: false,
        derived: false,
    },
    Table {
        name: "kb_history",
        columns: &[
            col("id", Int),
            col("article_id", Int),
            col("action", Text),
            col("details", Text),
            col("created_at", Time),
            col("created_by_kind", Text),
            col("created_by_id", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    // --- statistics ---
    Table {
        name: "stat_definitions",
        columns: &[
            col("id", Int),
            col("number", Int),
            col("title", Text),
            col("valid", Bool),
            col("definition", Text),
            col("created_by", Int),
            col("created_at", Time),
            col("changed_at", Time),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    }, // --- escalations ---
    Table {
        name: "ticket_escalations",
        columns: &[
            col("ticket_id", Int),
            col("first_response", Time),
            col("update_due", Time),
            col("solution", Time),
            col("escalation_at", Time),
        ],
        key: &["ticket_id"],
        identity: false,
        derived: false,
    },
    // --- reports ---
    Table {
        name: "reports",
        columns: &[
            col("id", Int),
            col("name", Text),
            col("description", Text),
            col("validity", Text),
            col("schedule", Text),
            col("time_zone", Text),
            col("language", Text),
            col("email_subject", Text),
            col("email_body", Text),
            col("recipients", Text),
            col("headline", Text),
            col("title", Text),
            col("preamble_caption", Text),
            col("preamble", Text),
            col("epilogue_caption", Text),
            col("epilogue", Text),
            col("stat_numbers", Text),
            col("created_by", Int),
            col("created_at", Time),
            col("changed_at", Time),
            col("version", Int),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    // --- actions
    Table {
        name: "standard_texts",
        columns: &[
            col("id", Int),
            col("kind", Text),
            col("name", Text),
            col("text", Text),
            col("queue_ids", Text),
            col("created_at", Time),
            col("version", Int),
            col("content_type", Text),
            col("validity", Text),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
    // --- forms
    Table {
        name: "form_uploads",
        columns: &[
            col("id", Int),
            col("form_key", Text),
            col("agent_id", Int),
            col("filename", Text),
            col("content_type", Text),
            col("content", Bytes),
            col("created_at", Time),
        ],
        key: &["id"],
        identity: true,
        derived: false,
    },
];

/// The names of the exported tables, in export order.
pub fn exported_tables() -> Vec<&'static str> {
    TABLES.iter().map(|t| t.name).collect()
}

/// The columns the export writes for `table`, in order.
pub fn exported_columns(table: &str) -> Option<Vec<&'static str>> {
    TABLES
        .iter()
        .find(|t| t.name == table)
        .map(|t| t.columns.iter().map(|c| c.name).collect())
}

/// The tables the database has (without the migration bookkeeping), sorted.
pub(crate) async fn database_tables(tx: &mut SqlTx) -> StoreResult<Vec<String>> {
    let stmt = match tx.dialect() {
        Dialect::Sqlite => crate::sql::Stmt::new(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             AND name <> '_sqlx_migrations' ORDER BY name",
        ),
        Dialect::Postgres => crate::sql::Stmt::new(
            "SELECT CAST(table_name AS TEXT) AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '_sqlx_migrations' ORDER BY 1",
        ),
    };
    tx.all(stmt).await?.iter().map(|r| r.text("name")).collect()
}

/// The columns of a table as the database has them, in order.
pub(crate) async fn database_columns(tx: &mut SqlTx, table: &str) -> StoreResult<Vec<String>> {
    let stmt = match tx.dialect() {
        Dialect::Sqlite => {
            crate::sql::Stmt::new("SELECT name FROM pragma_table_info($1) ORDER BY cid").bind(table)
        }
        Dialect::Postgres => crate::sql::Stmt::new(
            "SELECT CAST(column_name AS TEXT) AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table),
    };
    tx.all(stmt).await?.iter().map(|r| r.text("name")).collect()
}

/// Fails unless the catalogue above describes exactly the database's tables and columns.
async fn check_catalogue(tx: &mut SqlTx) -> StoreResult<()> {
    let mut known: Vec<&str> = TABLES.iter().map(|t| t.name).collect();
    known.sort_unstable();
    let mut actual = database_tables(tx).await?;
    actual.sort_unstable();
    if actual != known {
        return Err(StoreError::Invalid {
            field: "schema",
            message: format!(
                "the database has the tables {actual:?}, but the export knows {known:?}; \
                 update the table catalogue in otrs-store's transfer module"
            ),
        });
    }
    for table in TABLES {
        let columns = database_columns(tx, table.name).await?;
        let expected: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
        if columns != expected {
            return Err(StoreError::Invalid {
                field: "schema",
                message: format!(
                    "table {} has the columns {columns:?}, but the export knows {expected:?}",
                    table.name
                ),
            });
        }
    }
    Ok(())
}

fn io_error(e: std::io::Error) -> StoreError {
    StoreError::Backend(Box::new(e))
}

fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn value_of(row: &Row, column: &Column) -> StoreResult<Value> {
    let name = column.name;
    Ok(match column.kind {
        Kind::Int => row.opt_int(name)?.map_or(Value::Null, Value::from),
        Kind::Text => row.opt_text(name)?.map_or(Value::Null, Value::from),
        Kind::Bool => Value::from(row.boolean(name)?),
        Kind::Time => row
            .opt_time(name)?
            .map_or(Value::Null, |t| Value::from(time_text(t))),
        Kind::Date => Value::from(row.date(name)?.format("%Y-%m-%d").to_string()),
        Kind::Bytes => row
            .opt_bytes(name)?
            .map_or(Value::Null, |b| Value::from(BASE64.encode(b))),
    })
}

/// The JSON line of one row: keys in column order.
fn row_line(table: &Table, values: &[Value]) -> String {
    let mut line = String::with_capacity(128);
    line.push_str("{\"table\":");
    line.push_str(&Value::from(table.name).to_string());
    line.push_str(",\"row\":{");
    for (i, (column, value)) in table.columns.iter().zip(values).enumerate() {
        if i > 0 {
            line.push(',');
        }
        line.push_str(&Value::from(column.name).to_string());
        line.push(':');
        line.push_str(&value.to_string());
    }
    line.push_str("}}\n");
    line
}

/// The bound value of a key column, from its JSON form.
fn key_arg(column: &Column, value: &Value) -> StoreResult<Arg> {
    arg_of("export key", column, value)
}

fn bad_import(message: String) -> StoreError {
    StoreError::Invalid {
        field: "import",
        message,
    }
}

fn arg_of(context: &str, column: &Column, value: &Value) -> StoreResult<Arg> {
    let wrong = || {
        bad_import(format!(
            "{context}: column {} cannot hold {value}",
            column.name
        ))
    };
    Ok(match (column.kind, value) {
        (Kind::Int, Value::Null) => Arg::Int(None),
        (Kind::Int, Value::Number(n)) => Arg::Int(Some(n.as_i64().ok_or_else(wrong)?)),
        (Kind::Text, Value::Null) => Arg::Text(None),
        (Kind::Text, Value::String(s)) => Arg::Text(Some(s.clone())),
        (Kind::Bool, Value::Bool(b)) => Arg::Bool(*b),
        (Kind::Time, Value::Null) => Arg::Time(None),
        (Kind::Time, Value::String(s)) => Arg::Time(Some(
            DateTime::parse_from_rfc3339(s)
                .map_err(|_| wrong())?
                .with_timezone(&Utc),
        )),
        (Kind::Date, Value::String(s)) => {
            Arg::Date(NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| wrong())?)
        }
        (Kind::Bytes, Value::Null) => Arg::Bytes(None),
        (Kind::Bytes, Value::String(s)) => Arg::Bytes(Some(BASE64.decode(s).map_err(|_| wrong())?)),
        _ => return Err(wrong()),
    })
}

/// Writes every table of `store` as JSON Lines to `out`, from one consistent snapshot, calling
/// `progress` after every batch of rows. Returns the number of rows written.
pub async fn export<S: Store<Tx = SqlTx>>(
    store: &S,
    out: &mut (impl Write + Send),
    mut progress: impl FnMut(Progress) + Send,
) -> StoreResult<u64> {
    let mut tx = store.begin_read().await?;
    let result = export_in(&mut tx, out, &mut progress).await;
    let _ = tx.rollback().await;
    result
}

async fn export_in(
    tx: &mut SqlTx,
    out: &mut (impl Write + Send),
    progress: &mut (impl FnMut(Progress) + Send),
) -> StoreResult<u64> {
    check_catalogue(tx).await?;
    let mut counts = serde_json::Map::new();
    let mut rows_total = 0u64;
    for table in TABLES {
        let mut b = Builder::new("SELECT count(*) AS n FROM ");
        b.push(table.name);
        let n = tx.one(b.build()).await?.u64("n")?;
        rows_total += n;
        counts.insert(table.name.to_owned(), Value::from(n));
    }
    let mut header = serde_json::Map::new();
    header.insert("otrs_export".into(), Value::from(FORMAT_VERSION));
    header.insert("tables".into(), Value::Object(counts));
    writeln!(out, "{}", Value::Object(header)).map_err(io_error)?;

    let mut rows_done = 0u64;
    for table in TABLES {
        progress(Progress {
            table: table.name,
            rows_done,
            rows_total,
        });
        let mut last_key: Option<Vec<Value>> = None;
        loop {
            let mut b = Builder::new("SELECT ");
            for (i, column) in table.columns.iter().enumerate() {
                if i > 0 {
                    b.push(", ");
                }
                b.push(column.name);
            }
            b.push(" FROM ").push(table.name);
            if let Some(last) = &last_key {
                b.push(" WHERE (");
                push_names(&mut b, table.key);
                b.push(") > (");
                for (i, (name, value)) in table.key.iter().zip(last).enumerate() {
                    if i > 0 {
                        b.push(", ");
                    }
                    b.push_bind(key_arg(key_column(table, name)?, value)?);
                }
                b.push(")");
            }
            b.push(" ORDER BY ");
            push_names(&mut b, table.key);
            b.push(" LIMIT ").push_bind(EXPORT_PAGE);
            let rows = tx.all(b.build()).await?;
            let fetched = rows.len();
            for row in &rows {
                let values = table
                    .columns
                    .iter()
                    .map(|c| value_of(row, c))
                    .collect::<StoreResult<Vec<Value>>>()?;
                out.write_all(row_line(table, &values).as_bytes())
                    .map_err(io_error)?;
                last_key = Some(
                    table
                        .key
                        .iter()
                        .map(|k| {
                            let index = table
                                .columns
                                .iter()
                                .position(|c| c.name == *k)
                                .unwrap_or_default();
                            values[index].clone()
                        })
                        .collect(),
                );
            }
            rows_done += fetched as u64;
            progress(Progress {
                table: table.name,
                rows_done,
                rows_total,
            });
            if (fetched as i64) < EXPORT_PAGE {
                break;
            }
        }
    }
    out.flush().map_err(io_error)?;
    Ok(rows_done)
}

fn push_names(b: &mut Builder, names: &'static [&'static str]) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.push(name);
    }
}

fn key_column(table: &'static Table, name: &str) -> StoreResult<&'static Column> {
    table
        .columns
        .iter()
        .find(|c| c.name == name)
        .ok_or_else(|| bad_import(format!("table {} has no column {name}", table.name)))
}

/// Rows of one table waiting to be inserted together.
struct Batch {
    table: &'static Table,
    rows: Vec<Vec<Arg>>,
    bytes: usize,
}

impl Batch {
    fn full(&self) -> bool {
        (self.rows.len() + 1) * self.table.columns.len() > IMPORT_MAX_BINDS
            || self.bytes > IMPORT_MAX_BYTES
    }
}

async fn flush(tx: &mut SqlTx, batch: &mut Batch) -> StoreResult<()> {
    if batch.rows.is_empty() {
        return Ok(());
    }
    let table = batch.table;
    let mut b = Builder::new("INSERT INTO ");
    b.push(table.name).push(" (");
    for (i, column) in table.columns.iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.push(column.name);
    }
    b.push(") VALUES ");
    for (i, row) in std::mem::take(&mut batch.rows).into_iter().enumerate() {
        if i > 0 {
            b.push(", ");
        }
        b.push_list(row);
    }
    batch.bytes = 0;
    tx.exec(b.build()).await?;
    Ok(())
}

/// Reads an export made by [`export`] (of either backend) into `store`, which must be migrated
/// and hold no data, in one transaction. Calls `progress` after every batch of rows.
pub async fn import<S: Store<Tx = SqlTx>>(
    store: &S,
    input: impl BufRead + Send,
    mut progress: impl FnMut(Progress) + Send,
) -> StoreResult<ImportSummary> {
    let mut tx = store.begin().await?;
    match import_in(&mut tx, input, &mut progress).await {
        Ok(summary) => {
            tx.commit().await?;
            Ok(summary)
        }
        Err(error) => {
            let _ = tx.rollback().await;
            Err(error)
        }
    }
}

async fn import_in(
    tx: &mut SqlTx,
    input: impl BufRead + Send,
    progress: &mut (impl FnMut(Progress) + Send),
) -> StoreResult<ImportSummary> {
    check_catalogue(tx).await?;
    for table in TABLES.iter().filter(|t| !t.derived) {
        let mut b = Builder::new("SELECT 1 AS present FROM ");
        b.push(table.name).push(" LIMIT 1");
        if tx.opt(b.build()).await?.is_some() {
            return Err(bad_import(format!(
                "the database is not empty (table {} has rows); import needs a new database",
                table.name
            )));
        }
    }
    let mut lines = input.lines();
    let header: Value = match lines.next() {
        Some(line) => serde_json::from_str(&line.map_err(io_error)?)
            .map_err(|e| bad_import(format!("line 1: {e}")))?,
        None => return Err(bad_import("the input is empty".into())),
    };
    if header.get("otrs_export").and_then(Value::as_u64) != Some(FORMAT_VERSION) {
        return Err(bad_import(format!(
            "line 1 is not the header of an export in format {FORMAT_VERSION}"
        )));
    }
    let rows_total: u64 = header
        .get("tables")
        .and_then(Value::as_object)
        .map_or(0, |t| t.values().filter_map(Value::as_u64).sum());

    let mut summary = ImportSummary::default();
    let mut rows_done = 0u64;
    let mut batch: Option<Batch> = None;
    let mut seen_tables: Vec<&'static str> = Vec::new();
    for (number, line) in lines.enumerate() {
        let number = number + 2;
        let line = line.map_err(io_error)?;
        if line.is_empty() {
            continue;
        }
        let mut record: Value =
            serde_json::from_str(&line).map_err(|e| bad_import(format!("line {number}: {e}")))?;
        let name = record
            .get("table")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| bad_import(format!("line {number}: no table tag")))?;
        let table = TABLES
            .iter()
            .find(|t| t.name == name)
            .ok_or_else(|| bad_import(format!("line {number}: unknown table {name:?}")))?;
        let Some(Value::Object(row)) = record.get_mut("row").map(Value::take) else {
            return Err(bad_import(format!("line {number}: no row object")));
        };
        if row.len() != table.columns.len() {
            return Err(bad_import(format!(
                "line {number}: table {name} has {} columns, the row has {}",
                table.columns.len(),
                row.len()
            )));
        }
        let mut bytes = 0usize;
        let args = table
            .columns
            .iter()
            .map(|column| {
                let value = row.get(column.name).ok_or_else(|| {
                    bad_import(format!("line {number}: column {} is missing", column.name))
                })?;
                if let Value::String(s) = value {
                    bytes += s.len();
                }
                arg_of(&format!("line {number}"), column, value)
            })
            .collect::<StoreResult<Vec<Arg>>>()?;
        let same_table = batch.as_ref().is_some_and(|b| b.table.name == table.name);
        if !same_table || batch.as_ref().is_some_and(Batch::full) {
            if let Some(mut done) = batch.take() {
                flush(tx, &mut done).await?;
                progress(Progress {
                    table: done.table.name,
                    rows_done,
                    rows_total,
                });
            }
            if !seen_tables.contains(&table.name) {
                seen_tables.push(table.name);
                if table.derived {
                    // What the store computed while importing the rows above is replaced by the
                    // exported values.
                    let mut b = Builder::new("DELETE FROM ");
                    b.push(table.name);
                    tx.exec(b.build()).await?;
                }
            }
            batch = Some(Batch {
                table,
                rows: Vec::new(),
                bytes: 0,
            });
        }
        if let Some(current) = batch.as_mut() {
            current.rows.push(args);
            current.bytes += bytes;
        }
        rows_done += 1;
        *summary.rows.entry(table.name.to_owned()).or_default() += 1;
    }
    if let Some(mut done) = batch.take() {
        flush(tx, &mut done).await?;
        progress(Progress {
            table: done.table.name,
            rows_done,
            rows_total,
        });
    }
    for table in TABLES.iter().filter(|t| t.identity) {
        tx.sync_identity(table.name).await?;
    }
    Ok(summary)
}
