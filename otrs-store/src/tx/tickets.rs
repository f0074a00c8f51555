//! Tickets, the daily ticket counter and the queue × state counts.

use chrono::NaiveDate;
use otrs_core::ids::{AgentId, CustomerUserId, QueueId, StateId, TicketId};
use otrs_core::model::{Ticket, TimeUnits};
use otrs_core::store::{QueueStateCount, StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::check;
use crate::codec;
use crate::sql::{Dialect, Row, Stmt, int, stored_time};

/// The ticket columns, for `SELECT … FROM tickets t`.
macro_rules! ticket_columns {
    () => {
        "t.id, t.number, t.title, t.queue_id, t.state_id, t.priority, t.lock, t.owner_id, \
         t.responsible_id, t.customer_id, t.customer_user_id, t.pending_until, t.created_at, \
         t.created_by_kind, t.created_by_id, t.changed_at, t.changed_by_kind, t.changed_by_id, \
         t.accounted_time, t.locked_at, t.version"
    };
}
pub(super) use ticket_columns;

pub(super) fn ticket_from(row: &Row) -> StoreResult<Ticket> {
    Ok(Ticket {
        id: TicketId(row.u64("id")?),
        number: row.text("number")?,
        title: row.text("title")?,
        queue_id: QueueId(row.u64("queue_id")?),
        state_id: StateId(row.u64("state_id")?),
        priority: codec::priority(row, "priority")?,
        lock: codec::lock(row, "lock")?,
        owner_id: AgentId(row.u64("owner_id")?),
        responsible_id: AgentId(row.u64("responsible_id")?),
        customer_id: row.opt_text("customer_id")?,
        customer_user_id: row.opt_u64("customer_user_id")?.map(CustomerUserId),
        pending_until: row.opt_time("pending_until")?,
        created_at: row.time("created_at")?,
        created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
        changed_at: row.time("changed_at")?,
        changed_by: codec::principal(row, "changed_by_kind", "changed_by_id")?,
        accounted_time: TimeUnits::from_hundredths(row.int("accounted_time")?),
        locked_at: row.opt_time("locked_at")?,
        version: row.u64("version")?,
    })
}

/// The ticket as the store keeps it: times to the microsecond.
fn stored(ticket: &Ticket, id: TicketId, version: u64) -> Ticket {
    Ticket {
        id,
        version,
        pending_until: ticket.pending_until.map(stored_time),
        created_at: stored_time(ticket.created_at),
        changed_at: stored_time(ticket.changed_at),
        locked_at: ticket.locked_at.map(stored_time),
        ..ticket.clone()
    }
}

fn check_ticket(t: &Ticket) -> StoreResult<()> {
    check::required("number", &t.number, 50)?;
    check::text("title", &t.title, 255)?;
    check::opt_text("customer_id", t.customer_id.as_deref(), 150)
}

/// Binds $1…$19 of a ticket row: the number, then every column but id and version.
fn bind_ticket(stmt: Stmt, t: &Ticket) -> StoreResult<Stmt> {
    Ok(stmt
        .bind(t.number.as_str())
        .bind(t.title.as_str())
        .bind(int("queue_id", t.queue_id.0)?)
        .bind(int("state_id", t.state_id.0)?)
        .bind(codec::priority_level(t.priority))
        .bind(t.lock.name())
        .bind(int("owner_id", t.owner_id.0)?)
        .bind(int("responsible_id", t.responsible_id.0)?)
        .bind(t.customer_id.as_deref())
        .bind(
            t.customer_user_id
                .map(|u| int("customer_user_id", u.0))
                .transpose()?,
        )
        .bind(t.pending_until)
        .bind(t.created_at)
        .bind(codec::principal_kind(t.created_by))
        .bind(codec::principal_id(t.created_by))
        .bind(t.changed_at)
        .bind(codec::principal_kind(t.changed_by))
        .bind(codec::principal_id(t.changed_by))
        .bind(t.accounted_time.hundredths())
        .bind(t.locked_at))
}

/// The referenced objects that must exist, as a condition on $3 (queue), $4 (state), $7 (owner),
/// $8 (responsible) and $10 (customer user).
macro_rules! ticket_refs_exist {
    () => {
        "EXISTS (SELECT 1 FROM queues WHERE id = $3) \
         AND EXISTS (SELECT 1 FROM states WHERE id = $4) \
         AND EXISTS (SELECT 1 FROM agents WHERE id = $7) \
         AND EXISTS (SELECT 1 FROM agents WHERE id = $8) \
         AND ($10 IS NULL OR EXISTS (SELECT 1 FROM customer_users WHERE id = $10))"
    };
}

/// Names the first missing referenced object, in the in-memory store's order.
async fn check_refs(tx: &mut SqlTx, t: &Ticket) -> StoreResult<()> {
    let row = tx
        .one(
            Stmt::new(
                "SELECT EXISTS (SELECT 1 FROM queues WHERE id = $1) AS queue, \
                 EXISTS (SELECT 1 FROM states WHERE id = $2) AS state, \
                 EXISTS (SELECT 1 FROM agents WHERE id = $3) AS owner, \
                 EXISTS (SELECT 1 FROM agents WHERE id = $4) AS responsible, \
                 ($5 IS NULL OR EXISTS (SELECT 1 FROM customer_users WHERE id = $5)) AS customer_user",
            )
            .bind(int("queue_id", t.queue_id.0)?)
            .bind(int("state_id", t.state_id.0)?)
            .bind(int("owner_id", t.owner_id.0)?)
            .bind(int("responsible_id", t.responsible_id.0)?)
            .bind(
                t.customer_user_id
                    .map(|u| int("customer_user_id", u.0))
                    .transpose()?,
            ),
        )
        .await?;
    if !row.boolean("queue")? {
        return Err(StoreError::not_found("queue", t.queue_id));
    }
    if !row.boolean("state")? {
        return Err(StoreError::not_found("state", t.state_id));
    }
    if !row.boolean("owner")? {
        return Err(StoreError::not_found("agent", t.owner_id));
    }
    if !row.boolean("responsible")? {
        return Err(StoreError::not_found("agent", t.responsible_id));
    }
    if !row.boolean("customer_user")? {
        let user = t.customer_user_id.map_or(0, |u| u.0);
        return Err(StoreError::not_found("customer user", user));
    }
    Ok(())
}

/// Increments the day's counter. SQLite has one writer at a time, so the increment is part of the
/// creating transaction (a rolled-back create returns its number). PostgreSQL increments it in
/// autocommit on a connection of its own: the row is locked only for that one statement, so
/// creators run side by side; the price is that a rolled-back create leaves a gap in the day's
/// numbers and that numbers need not follow commit order (both as in OTRS). Uniqueness holds
/// either way: every increment returns a value no other call gets.
#[instrument(skip_all)]
pub(super) async fn next_ticket_counter(tx: &mut SqlTx, day: NaiveDate) -> StoreResult<u64> {
    const INCREMENT: &str = "INSERT INTO ticket_counters (day, counter) VALUES ($1, 1) \
             ON CONFLICT (day) DO UPDATE SET counter = ticket_counters.counter + 1 \
             RETURNING counter";
    tx.writable()?;
    #[cfg(feature = "postgres")]
    if let Some(pool) = &tx.counter_pool {
        let counter: i64 = sqlx::query_scalar(INCREMENT)
            .bind(day)
            .fetch_one(pool)
            .await
            .map_err(crate::error::from_sqlx)?;
        return u64::try_from(counter)
            .map_err(|_| crate::sql::bad_value("ticket_counters.counter", counter));
    }
    tx.one(Stmt::new(INCREMENT).bind(day)).await?.u64("counter")
}

#[instrument(skip_all)]
pub(super) async fn insert_ticket(tx: &mut SqlTx, ticket: &Ticket) -> StoreResult<Ticket> {
    tx.writable()?;
    check_ticket(ticket)?;
    let inserted = tx
        .opt(bind_ticket(
            Stmt::new(concat!(
                "INSERT INTO tickets (number, title, queue_id, state_id, priority, lock, owner_id, \
                 responsible_id, customer_id, customer_user_id, pending_until, created_at, \
                 created_by_kind, created_by_id, changed_at, changed_by_kind, changed_by_id, \
                 accounted_time, locked_at, version) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19, 1 WHERE NOT EXISTS (SELECT 1 FROM tickets WHERE number = $1) AND ",
                ticket_refs_exist!(),
                " ON CONFLICT DO NOTHING RETURNING id"
            )),
            ticket,
        )?)
        .await?;
    let Some(row) = inserted else {
        check_refs(tx, ticket).await?;
        return Err(StoreError::Duplicate {
            what: "ticket number",
            value: ticket.number.clone(),
        });
    };
    Ok(stored(ticket, TicketId(row.u64("id")?), 1))
}

#[instrument(skip_all)]
pub(super) async fn update_ticket(tx: &mut SqlTx, ticket: &Ticket) -> StoreResult<Ticket> {
    tx.writable()?;
    check_ticket(ticket)?;
    let id = int("id", ticket.id.0)?;
    let updated = tx
        .exec(
            bind_ticket(
                Stmt::new(concat!(
                    "UPDATE tickets SET title = $2, queue_id = $3, state_id = $4, priority = $5, \
                     lock = $6, owner_id = $7, responsible_id = $8, customer_id = $9, \
                     customer_user_id = $10, pending_until = $11, created_at = $12, \
                     created_by_kind = $13, created_by_id = $14, changed_at = $15, \
                     changed_by_kind = $16, changed_by_id = $17, accounted_time = $18, \
                     locked_at = $19, version = version + 1 \
                     WHERE id = $20 AND version = $21 AND number = $1 AND ",
                    ticket_refs_exist!()
                )),
                ticket,
            )?
            .bind(id)
            .bind(int("version", ticket.version)?),
        )
        .await?;
    if updated == 0 {
        check_refs(tx, ticket).await?;
        let row = tx
            .opt(Stmt::new("SELECT version, number FROM tickets WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("ticket", ticket.id))?;
        let stored_version = row.u64("version")?;
        if stored_version != ticket.version {
            return Err(conflict(
                "ticket",
                &ticket.number,
                stored_version,
                ticket.version,
            ));
        }
        if row.text("number")? != ticket.number {
            return Err(StoreError::Invalid {
                field: "number",
                message: "a ticket number never changes".into(),
            });
        }
        return Err(StoreError::conflict(format!("ticket {}", ticket.number)));
    }
    Ok(stored(ticket, ticket.id, ticket.version + 1))
}

/// A ticket by id. In a PostgreSQL write transaction the row is locked until the transaction
/// ends (`FOR UPDATE`): commands read a ticket to change it, and a concurrent command on the same
/// ticket then waits and reads the committed result instead of failing its version check.
/// SQLite serialises writers, so it needs no row locks.
#[instrument(skip_all)]
pub(super) async fn ticket(tx: &mut SqlTx, id: TicketId) -> StoreResult<Option<Ticket>> {
    let lock = !tx.read_only && tx.dialect() == Dialect::Postgres;
    let sql = if lock {
        concat!(
            "SELECT ",
            ticket_columns!(),
            " FROM tickets t WHERE t.id = $1 FOR UPDATE"
        )
    } else {
        concat!(
            "SELECT ",
            ticket_columns!(),
            " FROM tickets t WHERE t.id = $1"
        )
    };
    tx.opt(Stmt::new(sql).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(ticket_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn ticket_by_number(tx: &mut SqlTx, number: &str) -> StoreResult<Option<Ticket>> {
    tx.opt(
        Stmt::new(concat!(
            "SELECT ",
            ticket_columns!(),
            " FROM tickets t WHERE t.number = $1"
        ))
        .bind(number),
    )
    .await?
    .as_ref()
    .map(ticket_from)
    .transpose()
}

#[instrument(skip_all)]
pub(super) async fn queue_state_counts(tx: &mut SqlTx) -> StoreResult<Vec<QueueStateCount>> {
    let rows = tx
        .all(Stmt::new(
            "SELECT queue_id, state_id, count FROM ticket_counts WHERE count > 0 \
             ORDER BY queue_id, state_id",
        ))
        .await?;
    rows.iter()
        .map(|row| {
            Ok(QueueStateCount {
                queue_id: QueueId(row.u64("queue_id")?),
                state_id: StateId(row.u64("state_id")?),
                count: row.u64("count")?,
            })
        })
        .collect()
}
