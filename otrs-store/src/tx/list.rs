//! Ticket lists: filters, access restrictions, sort orders, offset and keyset pages, totals.
//!
//! The semantics are those of the in-memory store's `ticket_matches` and `list_tickets`: every
//! set condition must hold; a list of allowed values that is empty matches nothing; ties are
//! broken by ticket id in the direction of the sort; unset pending times sort first.
//!
//! Keyset pages compare `(sort key, id)` as a row value, which both databases answer with a
//! range scan of the `(…, sort key, id)` indexes. The total comes from the maintained
//! `ticket_counts` whenever the filter only names queues, states and state types and the access
//! restriction allows it; otherwise it is a real `COUNT`.

use std::cmp::Ordering;

use otrs_core::ids::{AgentId, QueueId};
use otrs_core::store::{
    Cursor, PageRequest, SortValue, StoreResult, TicketAccess, TicketFilter, TicketPage,
    TicketQuery, TicketSort, TicketSortKey,
};
use tracing::instrument;

use super::SqlTx;
use super::tickets::{ticket_columns, ticket_from};
use crate::codec;
use crate::sql::{Arg, Builder, Dialect, int};

/// Id lists longer than this are passed as one JSON array instead of one bind per id.
const MAX_BOUND_IDS: usize = 500;

fn ids<T: Copy>(values: &[T], get: impl Fn(T) -> u64) -> StoreResult<Vec<i64>> {
    values.iter().map(|v| int("id", get(*v))).collect()
}

/// ` AND <column> IN (…)`, or a condition that is never true for an empty list.
fn push_in(b: &mut Builder, column: &'static str, values: Vec<Arg>) {
    if values.is_empty() {
        b.push(" AND 1 = 0");
        return;
    }
    b.push(" AND ").push(column).push(" IN ");
    b.push_list(values);
}

/// ` AND <column> IN (…)` for a possibly long list of ids.
fn push_in_ids(b: &mut Builder, dialect: Dialect, column: &'static str, values: Vec<i64>) {
    if values.len() <= MAX_BOUND_IDS {
        push_in(b, column, values.into_iter().map(Arg::from).collect());
        return;
    }
    let json = serde_json::Value::from(values).to_string();
    b.push(" AND ").push(column);
    match dialect {
        Dialect::Sqlite => b
            .push(" IN (SELECT value FROM json_each(")
            .push_bind(json)
            .push("))"),
        Dialect::Postgres => b
            .push(" IN (SELECT value::bigint FROM json_array_elements_text(CAST(")
            .push_bind(json)
            .push(" AS json)))"),
    };
}

/// The access predicate of an agent: readable queues, or owner, responsible or watcher.
///
/// With `prefer_order` (SQLite, for a page rather than a count) the columns are written as `+col`,
/// which keeps SQLite from answering the `OR` with a union of index lookups followed by a sort of
/// every readable ticket: scanning the sort order's index and stopping after one page is far
/// cheaper when whole queues are readable. PostgreSQL chooses by its statistics.
fn push_agent_access(
    b: &mut Builder,
    agent: AgentId,
    readable: &[QueueId],
    prefer_order: bool,
) -> StoreResult<()> {
    let agent = int("agent", agent.0)?;
    // The tickets the agent owns, is responsible for or watches, as one set: each part is an
    // index lookup, where an `OR` of the three would make PostgreSQL scan every ticket.
    let (queue, mine) = if prefer_order {
        ("+t.queue_id IN ", " OR +t.id IN ")
    } else {
        ("t.queue_id IN ", " OR t.id IN ")
    };
    b.push(" AND (");
    if !readable.is_empty() {
        b.push(queue).push_list(ids(readable, |q| q.0)?);
    } else {
        b.push("1 = 0");
    }
    b.push(mine)
        .push("(SELECT o.id FROM tickets o WHERE o.owner_id = ")
        .push_bind(agent)
        .push(" UNION SELECT r.id FROM tickets r WHERE r.responsible_id = ")
        .push_bind(agent)
        .push(" UNION SELECT w.ticket_id FROM watchers w WHERE w.agent_id = ")
        .push_bind(agent)
        .push("))");
    Ok(())
}

/// True if every ticket the filter can match is readable through the agent's queues alone, so
/// the owner/responsible/watcher alternatives add nothing.
fn queues_cover(filter: &TicketFilter, readable: &[QueueId]) -> bool {
    filter
        .queue_ids
        .as_ref()
        .is_some_and(|queues| queues.iter().all(|q| readable.contains(q)))
}

/// The access restriction; `for_page` is true for the page query and false for counts (see
/// [`push_agent_access`]).
fn push_access(
    b: &mut Builder,
    dialect: Dialect,
    for_page: bool,
    access: &TicketAccess,
    filter: &TicketFilter,
) -> StoreResult<()> {
    match access {
        TicketAccess::Unrestricted => {}
        TicketAccess::Agent {
            agent,
            readable_queues,
        } => {
            if !queues_cover(filter, readable_queues) {
                let prefer_order =
                    for_page && dialect == Dialect::Sqlite && !readable_queues.is_empty();
                push_agent_access(b, *agent, readable_queues, prefer_order)?;
            }
        }
        TicketAccess::Customer { user, customer_ids } => {
            b.push(" AND (t.customer_user_id = ")
                .push_bind(int("customer user", user.0)?);
            if !customer_ids.is_empty() {
                b.push(" OR lower(t.customer_id) IN ")
                    .push_list(customer_ids.iter().map(|c| codec::fold(c)));
            }
            b.push(")");
        }
    }
    Ok(())
}

/// The state conditions of a filter, on `<column>`.
fn push_state_filter(
    b: &mut Builder,
    column: &'static str,
    filter: &TicketFilter,
) -> StoreResult<()> {
    if let Some(states) = &filter.state_ids {
        push_in(
            b,
            column,
            ids(states, |s| s.0)?.into_iter().map(Arg::from).collect(),
        );
    }
    if let Some(types) = &filter.state_types {
        if types.is_empty() {
            b.push(" AND 1 = 0");
        } else {
            b.push(" AND ")
                .push(column)
                .push(" IN (SELECT s.id FROM states s WHERE s.state_type IN ")
                .push_list(types.iter().map(|t| t.name()))
                .push(")");
        }
    }
    Ok(())
}

fn push_filter(b: &mut Builder, dialect: Dialect, filter: &TicketFilter) -> StoreResult<()> {
    if let Some(tickets) = &filter.ids {
        push_in_ids(b, dialect, "t.id", ids(tickets, |t| t.0)?);
    }
    if let Some(number) = &filter.number {
        b.push(" AND t.number = ").push_bind(number.as_str());
    }
    if let Some(queues) = &filter.queue_ids {
        push_in(
            b,
            "t.queue_id",
            ids(queues, |q| q.0)?.into_iter().map(Arg::from).collect(),
        );
    }
    push_state_filter(b, "t.state_id", filter)?;
    if let Some(priorities) = &filter.priorities {
        push_in(
            b,
            "t.priority",
            priorities
                .iter()
                .map(|p| Arg::from(codec::priority_level(*p)))
                .collect(),
        );
    }
    if let Some(owners) = &filter.owner_ids {
        push_in(
            b,
            "t.owner_id",
            ids(owners, |a| a.0)?.into_iter().map(Arg::from).collect(),
        );
    }
    if let Some(responsibles) = &filter.responsible_ids {
        push_in(
            b,
            "t.responsible_id",
            ids(responsibles, |a| a.0)?
                .into_iter()
                .map(Arg::from)
                .collect(),
        );
    }
    if let Some(locks) = &filter.locks {
        push_in(
            b,
            "t.lock",
            locks.iter().map(|l| Arg::from(l.name())).collect(),
        );
    }
    if let Some(customer_ids) = &filter.customer_ids {
        push_in(
            b,
            "lower(t.customer_id)",
            customer_ids
                .iter()
                .map(|c| Arg::from(codec::fold(c)))
                .collect(),
        );
    }
    if let Some(users) = &filter.customer_user_ids {
        push_in(
            b,
            "t.customer_user_id",
            ids(users, |u| u.0)?.into_iter().map(Arg::from).collect(),
        );
    }
    if let Some(agent) = filter.watched_by {
        b.push(" AND t.id IN (SELECT w.ticket_id FROM watchers w WHERE w.agent_id = ")
            .push_bind(int("watched_by", agent.0)?)
            .push(")");
    }
    if let Some(t) = filter.created_from {
        b.push(" AND t.created_at >= ").push_bind(t);
    }
    if let Some(t) = filter.created_before {
        b.push(" AND t.created_at < ").push_bind(t);
    }
    if let Some(t) = filter.changed_from {
        b.push(" AND t.changed_at >= ").push_bind(t);
    }
    if let Some(t) = filter.changed_before {
        b.push(" AND t.changed_at < ").push_bind(t);
    }
    if let Some(t) = filter.pending_before {
        b.push(" AND t.pending_until IS NOT NULL AND t.pending_until < ")
            .push_bind(t);
    }
    if let Some(text) = &filter.title_contains {
        let mut pattern = String::from("%");
        for c in codec::fold(text).chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        b.push(" AND lower(t.title) LIKE ")
            .push_bind(pattern)
            .push(" ESCAPE '\\'");
    }
    Ok(())
}

fn sort_column(key: TicketSortKey) -> &'static str {
    match key {
        TicketSortKey::Id => "t.id",
        TicketSortKey::Number => "t.number",
        TicketSortKey::Title => "t.title",
        TicketSortKey::Created => "t.created_at",
        TicketSortKey::Changed => "t.changed_at",
        TicketSortKey::Priority => "t.priority",
        TicketSortKey::PendingUntil => "t.pending_until",
        TicketSortKey::Queue => "t.queue_id",
        TicketSortKey::State => "t.state_id",
        TicketSortKey::Owner => "t.owner_id",
    }
}

/// The variant rank of a sort value, as `SortValue`'s derived order sees it.
fn kind_rank(value: &SortValue) -> u8 {
    match value {
        SortValue::Int(_) => 0,
        SortValue::Text(_) => 1,
        SortValue::Time(_) => 2,
    }
}

/// The keyset condition: rows strictly after `(value, id)` in the sort order.
fn push_after(b: &mut Builder, sort: TicketSort, cursor: &Cursor) -> StoreResult<()> {
    let column = sort_column(sort.key);
    let id = int("cursor", cursor.id.0)?;
    let op = if sort.descending { " < " } else { " > " };
    match kind_rank(&cursor.value).cmp(&key_rank(sort.key)) {
        // A cursor of another sort key: compare as SortValue's derived order does, by variant.
        Ordering::Less => {
            // Every row's value ranks above the cursor's.
            b.push(if sort.descending { " AND 1 = 0" } else { "" });
            return Ok(());
        }
        Ordering::Greater => {
            b.push(if sort.descending { "" } else { " AND 1 = 0" });
            return Ok(());
        }
        Ordering::Equal => {}
    }
    let value: Option<Arg> = match &cursor.value {
        SortValue::Int(n) => Some(Arg::from(*n)),
        SortValue::Text(t) => Some(Arg::from(t.as_str())),
        SortValue::Time(t) => t.map(Arg::from),
    };
    let nullable = sort.key == TicketSortKey::PendingUntil;
    match (value, nullable, sort.descending) {
        (Some(value), false, _) => {
            b.push(" AND (")
                .push(column)
                .push(", t.id)")
                .push(op)
                .push("(")
                .push_bind(value)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        // Unset pending times sort before every set one.
        (Some(value), true, false) => {
            b.push(" AND t.pending_until IS NOT NULL AND (t.pending_until, t.id) > (")
                .push_bind(value)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        (Some(value), true, true) => {
            b.push(" AND (t.pending_until IS NULL OR (t.pending_until, t.id) < (")
                .push_bind(value)
                .push(", ")
                .push_bind(id)
                .push("))");
        }
        (None, true, false) => {
            b.push(" AND (t.pending_until IS NOT NULL OR t.id > ")
                .push_bind(id)
                .push(")");
        }
        (None, true, true) => {
            b.push(" AND t.pending_until IS NULL AND t.id < ")
                .push_bind(id);
        }
        // An unset time on a column that is never unset: every row is after it.
        (None, false, false) => {}
        (None, false, true) => {
            b.push(" AND 1 = 0");
        }
    }
    Ok(())
}

/// The variant rank of the values of a sort key.
fn key_rank(key: TicketSortKey) -> u8 {
    match key {
        TicketSortKey::Number | TicketSortKey::Title => 1,
        TicketSortKey::Created | TicketSortKey::Changed | TicketSortKey::PendingUntil => 2,
        TicketSortKey::Id
        | TicketSortKey::Priority
        | TicketSortKey::Queue
        | TicketSortKey::State
        | TicketSortKey::Owner => 0,
    }
}

fn push_order(b: &mut Builder, sort: TicketSort) {
    let column = sort_column(sort.key);
    b.push(" ORDER BY ").push(column);
    match (sort.key == TicketSortKey::PendingUntil, sort.descending) {
        (false, false) => b.push(" ASC, t.id ASC"),
        (false, true) => b.push(" DESC, t.id DESC"),
        (true, false) => b.push(" ASC NULLS FIRST, t.id ASC"),
        (true, true) => b.push(" DESC NULLS LAST, t.id DESC"),
    };
}

/// True if the filter names nothing but queues, states and state types.
fn countable(filter: &TicketFilter) -> bool {
    let TicketFilter {
        ids,
        number,
        queue_ids: _,
        state_ids: _,
        state_types: _,
        priorities,
        owner_ids,
        responsible_ids,
        locks,
        customer_ids,
        customer_user_ids,
        watched_by,
        created_from,
        created_before,
        changed_from,
        changed_before,
        pending_before,
        title_contains,
    } = filter;
    ids.is_none()
        && number.is_none()
        && priorities.is_none()
        && owner_ids.is_none()
        && responsible_ids.is_none()
        && locks.is_none()
        && customer_ids.is_none()
        && customer_user_ids.is_none()
        && watched_by.is_none()
        && created_from.is_none()
        && created_before.is_none()
        && changed_from.is_none()
        && changed_before.is_none()
        && pending_before.is_none()
        && title_contains.is_none()
}

/// Σ of the maintained counts over `queues` (all when `None`) and the filter's states.
async fn sum_counts(
    tx: &mut SqlTx,
    queues: Option<Vec<QueueId>>,
    filter: &TicketFilter,
) -> StoreResult<u64> {
    let mut b = Builder::new(
        "SELECT CAST(COALESCE(SUM(c.count), 0) AS BIGINT) AS n FROM ticket_counts c WHERE 1 = 1",
    );
    if let Some(queues) = queues {
        push_in(
            &mut b,
            "c.queue_id",
            ids(&queues, |q| q.0)?.into_iter().map(Arg::from).collect(),
        );
    }
    push_state_filter(&mut b, "c.state_id", filter)?;
    tx.one(b.build()).await?.u64("n")
}

async fn count_tickets(tx: &mut SqlTx, b: Builder) -> StoreResult<u64> {
    tx.one(b.build()).await?.u64("n")
}

/// The number of matching tickets, from the maintained counts where the query allows.
async fn total(tx: &mut SqlTx, query: &TicketQuery) -> StoreResult<u64> {
    let dialect = tx.dialect();
    let filter = &query.filter;
    if countable(filter) {
        match &query.access {
            TicketAccess::Unrestricted => {
                return sum_counts(tx, filter.queue_ids.clone(), filter).await;
            }
            TicketAccess::Agent {
                agent,
                readable_queues,
            } => {
                // Tickets in readable queues come from the counts; the few the agent sees in other
                // queues (as owner, responsible or watcher) are counted.
                let counted: Vec<QueueId> = match &filter.queue_ids {
                    Some(queues) => queues
                        .iter()
                        .copied()
                        .filter(|q| readable_queues.contains(q))
                        .collect(),
                    None => readable_queues.clone(),
                };
                let mut total = sum_counts(tx, Some(counted), filter).await?;
                let others: Option<Vec<QueueId>> = filter.queue_ids.as_ref().map(|queues| {
                    queues
                        .iter()
                        .copied()
                        .filter(|q| !readable_queues.contains(q))
                        .collect()
                });
                if others.as_ref().is_none_or(|o| !o.is_empty()) {
                    let mut b = Builder::new("SELECT count(*) AS n FROM tickets t WHERE 1 = 1");
                    if !readable_queues.is_empty() {
                        b.push(" AND t.queue_id NOT IN ")
                            .push_list(ids(readable_queues, |q| q.0)?);
                    }
                    if let Some(others) = &others {
                        push_in(
                            &mut b,
                            "t.queue_id",
                            ids(others, |q| q.0)?.into_iter().map(Arg::from).collect(),
                        );
                    }
                    push_state_filter(&mut b, "t.state_id", filter)?;
                    push_agent_access(&mut b, *agent, &[], false)?;
                    total += count_tickets(tx, b).await?;
                }
                return Ok(total);
            }
            TicketAccess::Customer { .. } => {}
        }
    }
    let mut b = Builder::new("SELECT count(*) AS n FROM tickets t WHERE 1 = 1");
    push_access(&mut b, dialect, false, &query.access, filter)?;
    push_filter(&mut b, dialect, filter)?;
    count_tickets(tx, b).await
}

#[instrument(skip_all)]
pub(super) async fn list_tickets(tx: &mut SqlTx, query: &TicketQuery) -> StoreResult<TicketPage> {
    let dialect = tx.dialect();
    let mut b = Builder::new(concat!(
        "SELECT ",
        ticket_columns!(),
        " FROM tickets t WHERE 1 = 1"
    ));
    push_access(&mut b, dialect, true, &query.access, &query.filter)?;
    push_filter(&mut b, dialect, &query.filter)?;
    let limit = match &query.page {
        PageRequest::Offset { limit, .. } => *limit,
        PageRequest::After { cursor, limit } => {
            push_after(&mut b, query.sort, cursor)?;
            *limit
        }
    };
    push_order(&mut b, query.sort);
    // One row more than asked tells whether another page follows.
    b.push(" LIMIT ").push_bind(i64::from(limit) + 1);
    if let PageRequest::Offset { offset, .. } = &query.page {
        b.push(" OFFSET ")
            .push_bind(i64::try_from(*offset).unwrap_or(i64::MAX));
    }
    let mut tickets = tx
        .all(b.build())
        .await?
        .iter()
        .map(ticket_from)
        .collect::<StoreResult<Vec<_>>>()?;
    let more = tickets.len() > limit as usize;
    tickets.truncate(limit as usize);
    let next_cursor = if more {
        tickets.last().map(|t| Cursor::after(query.sort, t))
    } else {
        None
    };
    let total = total(tx, query).await?;
    Ok(TicketPage {
        tickets,
        total,
        next_cursor,
    })
}
