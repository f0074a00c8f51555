//! The one place where sqlx errors become [`StoreError`]s.
//!
//! Expected failures (a taken name, a missing referenced object, a stale version) never reach
//! this point: the statements are guarded (`ON CONFLICT DO NOTHING`, `WHERE EXISTS`, version
//! conditions) and the store names the exact field and value itself, leaving the transaction
//! usable. What arrives here are races lost to a concurrent transaction and genuine faults:
//!
//! | database error | becomes |
//! |---|---|
//! | unique violation | [`StoreError::Duplicate`], named after the constraint |
//! | foreign-key violation | [`StoreError::NotFound`], named after the constraint |
//! | check or not-null violation, PostgreSQL value too long | [`StoreError::Invalid`] |
//! | PostgreSQL serialization failure or deadlock, SQLite busy or locked | [`StoreError::Conflict`] (retried by the desk) |
//! | anything else | [`StoreError::Backend`] |

use otrs_core::store::StoreError;

/// Unique constraints: (PostgreSQL constraint or index name, SQLite message fragment, what).
const UNIQUE: &[(&str, &str, &str)] = &[
    ("states_name_unique", "states.name", "state name"),
    ("states_pkey", "states.id", "state id"),
    ("groups_name_unique", "groups.name", "group name"),
    ("groups_pkey", "groups.id", "group id"),
    ("queues_name_unique", "queues.name", "queue name"),
    ("queues_pkey", "queues.id", "queue id"),
    ("agents_login_unique", "agents.login", "agent login"),
    ("agents_pkey", "agents.id", "agent id"),
    (
        "customers_customer_id_unique",
        "customers_customer_id_unique",
        "CustomerID",
    ),
    (
        "customer_users_login_unique",
        "customer_users.login",
        "customer user login",
    ),
    ("tickets_number_unique", "tickets.number", "ticket number"),
    ("links_normal_unique", "links_normal_unique", "link"),
    (
        "links_parent_child_unique",
        "links_parent_child_unique",
        "link",
    ),
    ("drafts_name_unique", "drafts.ticket_id", "draft name"),
    ("sessions_pkey", "sessions.key_digest", "session"),
    ("api_tokens_digest_unique", "api_tokens.digest", "api token"),
    (
        "one_time_tokens_pkey",
        "one_time_tokens.digest",
        "one-time token",
    ),
    // --- scheduler ---
    ("jobs_pending_key", "jobs.unique_key", "pending job key"),
    (
        "outbox_message_id_unique",
        "outbox.message_id",
        "message id",
    ),
];

/// Foreign keys: (PostgreSQL constraint name prefix, what is missing).
const FOREIGN: &[(&str, &str)] = &[
    ("queues_group_id", "group"),
    ("agent_groups_group_id", "group"),
    ("tickets_queue_id", "queue"),
    ("tickets_state_id", "state"),
    ("tickets_owner_id", "agent"),
    ("tickets_responsible_id", "agent"),
    ("tickets_customer_user_id", "customer user"),
    ("watchers_agent_id", "agent"),
    ("api_tokens_agent_id", "agent"),
    ("article_seen_article_id", "article"),
    ("attachments_article_id", "article"),
    ("_ticket_id", "ticket"),
    ("_agent_id", "agent"),
    ("_customer_user_id", "customer user"),
];

/// Columns with a length or range check, for naming the field of a check violation.
const CHECKED: &[&str] = &[
    "title",
    "number",
    "name",
    "comment",
    "login",
    "first_name",
    "last_name",
    "email",
    "customer_id",
    "subject",
    "from_address",
    "to_address",
    "cc_address",
    "bcc_address",
    "content_type",
    "message_id",
    "in_reply_to",
    "reference_ids",
    "filename",
    "content_id",
    "content",
    "params",
    "key",
    "value",
    "priority",
    "validity",
    "state_type",
    "digest",
    "key_digest",
];

/// SQLite result codes that mean "another connection holds the lock" (SQLITE_BUSY, SQLITE_LOCKED
/// and their extended codes).
fn sqlite_busy(code: &str) -> bool {
    code.parse::<i32>().is_ok_and(|c| matches!(c & 0xff, 5 | 6))
}

fn is_postgres(db: &dyn sqlx::error::DatabaseError) -> bool {
    #[cfg(feature = "postgres")]
    {
        db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()
            .is_some()
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = db;
        false
    }
}

/// Converts a sqlx error.
pub(crate) fn from_sqlx(error: sqlx::Error) -> StoreError {
    let sqlx::Error::Database(db) = &error else {
        return StoreError::Backend(Box::new(error));
    };
    let message = db.message().to_owned();
    let constraint = db.constraint().unwrap_or_default().to_owned();
    let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
    let is_postgres = is_postgres(db.as_ref());
    match db.kind() {
        sqlx::error::ErrorKind::UniqueViolation => {
            let what = UNIQUE
                .iter()
                .find(|(pg, lite, _)| {
                    (!constraint.is_empty() && constraint == *pg) || message.contains(lite)
                })
                .map_or("unique value", |(_, _, what)| what);
            StoreError::Duplicate {
                what,
                value: postgres_key_value(&error).unwrap_or_default(),
            }
        }
        sqlx::error::ErrorKind::ForeignKeyViolation => {
            let what = FOREIGN
                .iter()
                .find(|(prefix, _)| constraint.contains(prefix))
                .map_or("referenced object", |(_, what)| what);
            StoreError::NotFound {
                what,
                key: postgres_key_value(&error).unwrap_or_default(),
            }
        }
        sqlx::error::ErrorKind::CheckViolation | sqlx::error::ErrorKind::NotNullViolation => {
            StoreError::Invalid {
                field: checked_field(&constraint, &message),
                message,
            }
        }
        _ if is_postgres && matches!(code.as_str(), "40001" | "40P01" | "55P03") => {
            StoreError::Conflict {
                what: format!("the database ({message})"),
            }
        }
        _ if is_postgres && code == "22001" => StoreError::Invalid {
            field: checked_field(&constraint, &message),
            message,
        },
        _ if !is_postgres && sqlite_busy(&code) => StoreError::Conflict {
            what: format!("the database file ({message})"),
        },
        _ => StoreError::Backend(Box::new(error)),
    }
}

fn checked_field(constraint: &str, message: &str) -> &'static str {
    // PostgreSQL names checks `<table>_<column>_check`; SQLite quotes the expression.
    CHECKED
        .iter()
        .filter(|col| {
            constraint.contains(&format!("_{col}_check"))
                || message.contains(&format!("({col})"))
                || message.contains(&format!(" {col} "))
        })
        .max_by_key(|col| col.len())
        .copied()
        .unwrap_or("value")
}

/// The offending key from PostgreSQL's detail line, e.g. `Key (number)=(123) already exists.`
fn postgres_key_value(error: &sqlx::Error) -> Option<String> {
    #[cfg(feature = "postgres")]
    {
        let sqlx::Error::Database(db) = error else {
            return None;
        };
        let pg = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>()?;
        let detail = pg.detail()?;
        let start = detail.find(")=(")? + 3;
        let end = detail[start..].find(')')? + start;
        Some(detail[start..end].to_owned())
    }
    #[cfg(not(feature = "postgres"))]
    {
        let _ = error;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_codes_include_the_extended_ones() {
        for code in ["5", "6", "261", "517", "773", "262"] {
            assert!(sqlite_busy(code), "{code}");
        }
        for code in ["19", "2067", "787", "1"] {
            assert!(!sqlite_busy(code), "{code}");
        }
    }

    #[test]
    fn check_fields_are_named_from_either_backend() {
        assert_eq!(checked_field("tickets_title_check", ""), "title");
        assert_eq!(
            checked_field("", "CHECK constraint failed: length(title) <= 255"),
            "title"
        );
        assert_eq!(
            checked_field("", "CHECK constraint failed: length(customer_id) <= 150"),
            "customer_id"
        );
        assert_eq!(checked_field("", "something else"), "value");
    }
}
