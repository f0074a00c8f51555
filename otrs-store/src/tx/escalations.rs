//! Tickets' escalation deadlines: one row per ticket that has any, with the earliest deadline
//! beside them so that "what escalates next" is one index range scan.

use chrono::{DateTime, Utc};
use otrs_core::ids::{QueueId, TicketId};
use otrs_core::rules::escalation::Escalation;
use otrs_core::store::StoreResult;
use tracing::instrument;

use super::SqlTx;
use crate::sql::{Builder, Row, Stmt, int};

fn escalation_from(row: &Row) -> StoreResult<Escalation> {
    Ok(Escalation {
        first_response: row.opt_time("first_response")?,
        update: row.opt_time("update_due")?,
        solution: row.opt_time("solution")?,
    })
}

#[instrument(skip_all)]
pub(super) async fn escalation(
    tx: &mut SqlTx,
    ticket: TicketId,
) -> StoreResult<Option<Escalation>> {
    tx.opt(
        Stmt::new(
            "SELECT first_response, update_due, solution FROM ticket_escalations \
             WHERE ticket_id = $1",
        )
        .bind(int("ticket_id", ticket.0)?),
    )
    .await?
    .as_ref()
    .map(escalation_from)
    .transpose()
}

#[instrument(skip_all)]
pub(super) async fn put_escalation(
    tx: &mut SqlTx,
    ticket: TicketId,
    escalation: &Escalation,
) -> StoreResult<()> {
    tx.writable()?;
    let id = int("ticket_id", ticket.0)?;
    let Some((_, earliest)) = escalation.earliest() else {
        tx.exec(Stmt::new("DELETE FROM ticket_escalations WHERE ticket_id = $1").bind(id))
            .await?;
        return Ok(());
    };
    tx.exec(
        Stmt::new(
            "INSERT INTO ticket_escalations \
             (ticket_id, first_response, update_due, solution, escalation_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (ticket_id) DO UPDATE SET first_response = excluded.first_response, \
             update_due = excluded.update_due, solution = excluded.solution, \
             escalation_at = excluded.escalation_at",
        )
        .bind(id)
        .bind(escalation.first_response)
        .bind(escalation.update)
        .bind(escalation.solution)
        .bind(earliest),
    )
    .await?;
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn escalations(
    tx: &mut SqlTx,
    until: Option<DateTime<Utc>>,
    queues: &[QueueId],
    limit: usize,
) -> StoreResult<Vec<(TicketId, Escalation)>> {
    if queues.is_empty() || limit == 0 {
        return Ok(Vec::new());
    }
    let mut b = Builder::new(
        "SELECT e.ticket_id, e.first_response, e.update_due, e.solution \
         FROM ticket_escalations e JOIN tickets t ON t.id = e.ticket_id WHERE t.queue_id IN ",
    );
    let queue_ids: Vec<i64> = queues
        .iter()
        .map(|q| int("queue_id", q.0))
        .collect::<StoreResult<_>>()?;
    b.push_list(queue_ids);
    if let Some(until) = until {
        b.push(" AND e.escalation_at < ").push_bind(until);
    }
    b.push(" ORDER BY e.escalation_at, e.ticket_id LIMIT ")
        .push_bind(i64::try_from(limit).unwrap_or(i64::MAX));
    tx.all(b.build())
        .await?
        .iter()
        .map(|row| Ok((TicketId(row.u64("ticket_id")?), escalation_from(row)?)))
        .collect()
}
