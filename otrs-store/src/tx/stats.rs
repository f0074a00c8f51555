//! Statistics: grouped counts, list rows and state changes aggregated in SQL, and the stored
//! statistic definitions.
//!
//! Counts never load tickets: the two axes become `GROUP BY` keys (an id column, a text column,
//! or a `CASE` that numbers the time buckets whose bounds are bound values), the filters a `WHERE`.
//! The close time is a correlated subquery over the history (see `otrs_core::stats::query`),
//! added only when a filter, an axis or a list needs it.

use chrono::{DateTime, Utc};
use otrs_core::ids::{AgentId, StatId, StateId};
use otrs_core::model::HistoryType;
use otrs_core::stats::StatDefinition;
use otrs_core::stats::query::{
    StatCount, StatFilter, StatGroup, StatKey, StatListQuery, StatRow, StatSort, StateChangeCount,
    TimeRange,
};
use otrs_core::stats::xml;
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::tickets::{ticket_columns, ticket_from};
use super::{SqlTx, conflict};
use crate::codec;
use crate::sql::{Builder, Row, Stmt, bad_value, int, stored_time};

const NEW_TICKET: i64 = HistoryType::NewTicket.id() as i64;
const STATE_UPDATE: i64 = HistoryType::StateUpdate.id() as i64;

fn ids(values: impl IntoIterator<Item = u64>) -> Vec<i64> {
    values
        .into_iter()
        .map(|v| i64::try_from(v).unwrap_or(i64::MAX))
        .collect()
}

/// `FROM (…) t`: the tickets, with `closed_at` when asked for.
fn push_source(b: &mut Builder, filter: &StatFilter, with_close_time: bool) {
    if !with_close_time {
        b.push(" FROM tickets t");
        return;
    }
    if filter.closed_states.is_empty() {
        b.push(" FROM (SELECT t.*, NULL AS closed_at FROM tickets t) t");
        return;
    }
    let closed = ids(filter.closed_states.iter().map(|s| s.0));
    b.push(" FROM (SELECT t.*, CASE WHEN t.state_id IN ");
    b.push_list(closed.clone());
    b.push(" THEN (SELECT max(h.created_at) FROM history h WHERE h.ticket_id = t.id AND h.history_type IN (");
    b.push_bind(NEW_TICKET).push(", ").push_bind(STATE_UPDATE);
    b.push(") AND h.state_id IN ");
    b.push_list(closed);
    b.push(") END AS closed_at FROM tickets t) t");
}

fn push_in(b: &mut Builder, column: &'static str, values: Option<Vec<crate::sql::Arg>>) {
    let Some(values) = values else { return };
    if values.is_empty() {
        b.push(" AND 1 = 0");
        return;
    }
    b.push(" AND ").push(column).push(" IN ");
    b.push_list(values);
}

fn push_range(b: &mut Builder, column: &'static str, range: Option<TimeRange>) {
    if let Some(r) = range {
        b.push(" AND ").push(column).push(" >= ").push_bind(r.from);
        b.push(" AND ").push(column).push(" < ").push_bind(r.to);
    }
}

fn args<T>(
    list: &Option<Vec<T>>,
    f: impl Fn(&T) -> crate::sql::Arg,
) -> Option<Vec<crate::sql::Arg>> {
    list.as_ref().map(|l| l.iter().map(f).collect())
}

/// ` WHERE …` for a filter.
fn push_filter(b: &mut Builder, f: &StatFilter) {
    let id = |v: u64| crate::sql::Arg::Int(Some(i64::try_from(v).unwrap_or(i64::MAX)));
    b.push(" WHERE 1 = 1");
    push_in(b, "t.queue_id", args(&f.queues, |q| id(q.0)));
    push_in(b, "t.state_id", args(&f.states, |s| id(s.0)));
    push_in(
        b,
        "t.priority",
        args(&f.priorities, |p| codec::priority_level(*p).into()),
    );
    push_in(b, "t.owner_id", args(&f.owners, |a| id(a.0)));
    push_in(b, "t.responsible_id", args(&f.responsibles, |a| id(a.0)));
    push_in(
        b,
        "t.customer_id",
        args(&f.customers, |c| c.as_str().into()),
    );
    push_in(
        b,
        "t.customer_user_id",
        args(&f.customer_users, |c| id(c.0)),
    );
    push_in(b, "t.lock", args(&f.locks, |l| l.name().into()));
    push_range(b, "t.created_at", f.created);
    push_range(b, "t.changed_at", f.changed);
    push_range(b, "t.closed_at", f.closed);
}

/// The bucket number of a time column: `CASE WHEN col < b1 THEN 0 … END`, and the condition that
/// keeps only times inside the buckets.
fn push_bucket(b: &mut Builder, column: &'static str, bounds: &[DateTime<Utc>]) {
    b.push("CAST(CASE");
    for (i, bound) in bounds.iter().enumerate().skip(1) {
        b.push(" WHEN ").push(column).push(" < ").push_bind(*bound);
        b.push(" THEN ")
            .push_bind(i64::try_from(i - 1).unwrap_or(0));
    }
    b.push(" END AS BIGINT)");
}

fn push_bucket_range(b: &mut Builder, column: &'static str, bounds: &[DateTime<Utc>]) {
    match (bounds.first(), bounds.last()) {
        (Some(first), Some(last)) if bounds.len() >= 2 => {
            push_range(
                b,
                column,
                Some(TimeRange {
                    from: *first,
                    to: *last,
                }),
            );
        }
        _ => {
            b.push(" AND 1 = 0");
        }
    }
}

fn push_key(b: &mut Builder, group: &StatGroup) {
    match group {
        StatGroup::Queue => b.push("CAST(t.queue_id AS BIGINT)"),
        StatGroup::State => b.push("CAST(t.state_id AS BIGINT)"),
        StatGroup::Priority => b.push("CAST(t.priority AS BIGINT)"),
        StatGroup::Owner => b.push("CAST(t.owner_id AS BIGINT)"),
        StatGroup::Responsible => b.push("CAST(t.responsible_id AS BIGINT)"),
        StatGroup::CustomerUser => b.push("CAST(t.customer_user_id AS BIGINT)"),
        StatGroup::Customer => b.push("t.customer_id"),
        StatGroup::Lock => b.push("t.lock"),
        StatGroup::Created(bounds) => {
            push_bucket(b, "t.created_at", bounds);
            b
        }
        StatGroup::Changed(bounds) => {
            push_bucket(b, "t.changed_at", bounds);
            b
        }
        StatGroup::Closed(bounds) => {
            push_bucket(b, "t.closed_at", bounds);
            b
        }
    };
}

fn push_key_range(b: &mut Builder, group: &StatGroup) {
    match group {
        StatGroup::Created(bounds) => push_bucket_range(b, "t.created_at", bounds),
        StatGroup::Changed(bounds) => push_bucket_range(b, "t.changed_at", bounds),
        StatGroup::Closed(bounds) => push_bucket_range(b, "t.closed_at", bounds),
        _ => {}
    }
}

fn read_key(row: &Row, col: &str, group: &StatGroup) -> StoreResult<StatKey> {
    Ok(match group {
        StatGroup::Customer | StatGroup::Lock => {
            row.opt_text(col)?.map_or(StatKey::Null, StatKey::Text)
        }
        _ => row.opt_int(col)?.map_or(StatKey::Null, StatKey::Int),
    })
}

#[instrument(skip_all)]
pub(super) async fn stat_counts(
    tx: &mut SqlTx,
    filter: &StatFilter,
    x: &StatGroup,
    y: &StatGroup,
) -> StoreResult<Vec<StatCount>> {
    let close = filter.needs_close_time() || x.needs_close_time() || y.needs_close_time();
    let mut b = Builder::new("SELECT ");
    push_key(&mut b, x);
    b.push(" AS x, ");
    push_key(&mut b, y);
    b.push(" AS y, count(*) AS n");
    push_source(&mut b, filter, close);
    push_filter(&mut b, filter);
    push_key_range(&mut b, x);
    push_key_range(&mut b, y);
    b.push(" GROUP BY 1, 2 ORDER BY 1, 2");
    let rows = tx.all(b.build()).await?;
    let mut counts = rows
        .iter()
        .map(|row| {
            Ok(StatCount {
                x: read_key(row, "x", x)?,
                y: read_key(row, "y", y)?,
                count: row.u64("n")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // One order for every backend (NULLs sort differently in SQL).
    counts.sort();
    Ok(counts)
}

#[instrument(skip_all)]
pub(super) async fn stat_rows(tx: &mut SqlTx, query: &StatListQuery) -> StoreResult<Vec<StatRow>> {
    let mut b = Builder::new(concat!("SELECT ", ticket_columns!(), ", t.closed_at"));
    push_source(&mut b, &query.filter, true);
    push_filter(&mut b, &query.filter);
    let desc = query.descending;
    b.push(" ORDER BY ");
    b.push(match (query.sort, desc) {
        (StatSort::Number, false) => "t.number",
        (StatSort::Number, true) => "t.number DESC",
        (StatSort::Title, false) => "t.title",
        (StatSort::Title, true) => "t.title DESC",
        (StatSort::Created, false) => "t.created_at",
        (StatSort::Created, true) => "t.created_at DESC",
        (StatSort::Changed, false) => "t.changed_at",
        (StatSort::Changed, true) => "t.changed_at DESC",
        (StatSort::Priority, false) => "t.priority",
        (StatSort::Priority, true) => "t.priority DESC",
        (StatSort::AccountedTime, false) => "t.accounted_time",
        (StatSort::AccountedTime, true) => "t.accounted_time DESC",
        (StatSort::Closed, false) => {
            "(CASE WHEN t.closed_at IS NULL THEN 1 ELSE 0 END), t.closed_at"
        }
        (StatSort::Closed, true) => {
            "(CASE WHEN t.closed_at IS NULL THEN 1 ELSE 0 END), t.closed_at DESC"
        }
    });
    b.push(", t.id LIMIT ").push_bind(i64::from(query.limit));
    let rows = tx.all(b.build()).await?;
    rows.iter()
        .map(|row| {
            Ok(StatRow {
                ticket: ticket_from(row)?,
                closed_at: row.opt_time("closed_at")?,
            })
        })
        .collect()
}

#[instrument(skip_all)]
pub(super) async fn stat_state_changes(
    tx: &mut SqlTx,
    bounds: &[DateTime<Utc>],
) -> StoreResult<Vec<StateChangeCount>> {
    if bounds.len() < 2 {
        return Ok(Vec::new());
    }
    let mut b = Builder::new("SELECT ");
    push_bucket(&mut b, "h.created_at", bounds);
    b.push(" AS bucket, CAST(h.state_id AS BIGINT) AS state_id, count(*) AS n FROM history h WHERE h.history_type IN (");
    b.push_bind(NEW_TICKET)
        .push(", ")
        .push_bind(STATE_UPDATE)
        .push(")");
    push_range(
        &mut b,
        "h.created_at",
        Some(TimeRange {
            from: bounds[0],
            to: bounds[bounds.len() - 1],
        }),
    );
    b.push(" GROUP BY 1, 2 ORDER BY 1, 2");
    let rows = tx.all(b.build()).await?;
    rows.iter()
        .map(|row| {
            Ok(StateChangeCount {
                bucket: u32::try_from(row.int("bucket")?)
                    .map_err(|_| bad_value("bucket", "negative"))?,
                state: StateId(row.u64("state_id")?),
                count: row.u64("n")?,
            })
        })
        .collect()
}

// --- definitions -------------------------------------------------------------------------------

const STAT_COLUMNS: &str = "SELECT id, number, definition, created_by, created_at, changed_at, version FROM stat_definitions";

fn stat_from(row: &Row) -> StoreResult<StatDefinition> {
    let text = row.text("definition")?;
    let settings = xml::from_xml(&text).map_err(|e| bad_value("stat_definitions.definition", e))?;
    Ok(StatDefinition {
        id: StatId(row.u64("id")?),
        number: row.u32("number")?,
        settings,
        created_by: AgentId(row.u64("created_by")?),
        created_at: row.time("created_at")?,
        changed_at: row.time("changed_at")?,
        version: row.u64("version")?,
    })
}

fn stored_stat(stat: &StatDefinition, id: StatId, version: u64) -> StatDefinition {
    StatDefinition {
        id,
        version,
        created_at: stored_time(stat.created_at),
        changed_at: stored_time(stat.changed_at),
        ..stat.clone()
    }
}

fn check_stat(stat: &StatDefinition) -> StoreResult<String> {
    let title_len = stat.settings.title.chars().count();
    if title_len == 0 || title_len > 200 {
        return Err(StoreError::Invalid {
            field: "title",
            message: format!("must have 1 to 200 characters (has {title_len})"),
        });
    }
    let text = xml::to_xml(&stat.settings);
    if text.len() > 1_000_000 {
        return Err(StoreError::Invalid {
            field: "definition",
            message: "is larger than 1 MB".into(),
        });
    }
    Ok(text)
}

#[instrument(skip_all)]
pub(super) async fn insert_stat(
    tx: &mut SqlTx,
    stat: &StatDefinition,
) -> StoreResult<StatDefinition> {
    tx.writable()?;
    let text = check_stat(stat)?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO stat_definitions (number, title, valid, definition, created_by, \
                 created_at, changed_at, version) SELECT $1, $2, $3, $4, $5, $6, $7, 1 \
                 WHERE NOT EXISTS (SELECT 1 FROM stat_definitions WHERE number = $1) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(i64::from(stat.number))
            .bind(stat.settings.title.as_str())
            .bind(stat.settings.valid)
            .bind(text)
            .bind(int("created_by", stat.created_by.0)?)
            .bind(stat.created_at)
            .bind(stat.changed_at),
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::Duplicate {
            what: "statistic number",
            value: stat.number.to_string(),
        });
    };
    Ok(stored_stat(stat, StatId(row.u64("id")?), 1))
}

#[instrument(skip_all)]
pub(super) async fn update_stat(
    tx: &mut SqlTx,
    stat: &StatDefinition,
) -> StoreResult<StatDefinition> {
    tx.writable()?;
    let text = check_stat(stat)?;
    let id = int("id", stat.id.0)?;
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE stat_definitions SET number = $3, title = $4, valid = $5, definition = $6, \
                 created_by = $7, created_at = $8, changed_at = $9, version = version + 1 \
                 WHERE id = $1 AND version = $2 AND NOT EXISTS \
                 (SELECT 1 FROM stat_definitions other WHERE other.number = $3 AND other.id <> $1)",
            )
            .bind(id)
            .bind(int("version", stat.version)?)
            .bind(i64::from(stat.number))
            .bind(stat.settings.title.as_str())
            .bind(stat.settings.valid)
            .bind(text)
            .bind(int("created_by", stat.created_by.0)?)
            .bind(stat.created_at)
            .bind(stat.changed_at),
        )
        .await?;
    if updated == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM stat_definitions WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("statistic", stat.id))?
            .u64("version")?;
        if stored != stat.version {
            return Err(conflict("statistic", stat.id, stored, stat.version));
        }
        return Err(StoreError::Duplicate {
            what: "statistic number",
            value: stat.number.to_string(),
        });
    }
    Ok(stored_stat(stat, stat.id, stat.version + 1))
}

#[instrument(skip_all)]
pub(super) async fn delete_stat(tx: &mut SqlTx, id: StatId) -> StoreResult<()> {
    tx.writable()?;
    let deleted = tx
        .exec(Stmt::new("DELETE FROM stat_definitions WHERE id = $1").bind(int("id", id.0)?))
        .await?;
    if deleted == 0 {
        return Err(StoreError::not_found("statistic", id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn stat(tx: &mut SqlTx, id: StatId) -> StoreResult<Option<StatDefinition>> {
    let mut b = Builder::new("");
    b.push(STAT_COLUMNS)
        .push(" WHERE id = ")
        .push_bind(int("id", id.0)?);
    tx.opt(b.build()).await?.as_ref().map(stat_from).transpose()
}

#[instrument(skip_all)]
pub(super) async fn stats(tx: &mut SqlTx) -> StoreResult<Vec<StatDefinition>> {
    let mut b = Builder::new("");
    b.push(STAT_COLUMNS).push(" ORDER BY number, id");
    tx.all(b.build()).await?.iter().map(stat_from).collect()
}

// --- statsui: counts over any number of groupings -----------------------------------------------

/// Like [`stat_counts`] with one `GROUP BY` key per grouping (`k0`, `k1`, …).
#[instrument(skip_all)]
pub(super) async fn stat_counts_by(
    tx: &mut SqlTx,
    filter: &StatFilter,
    groups: &[StatGroup],
) -> StoreResult<Vec<otrs_core::stats::query::StatTupleCount>> {
    if groups.is_empty() {
        return Ok(Vec::new());
    }
    if groups.len() > KEY_NAMES.len() {
        return Err(StoreError::Invalid {
            field: "groups",
            message: format!("at most {} groupings", KEY_NAMES.len()),
        });
    }
    let close = filter.needs_close_time() || groups.iter().any(StatGroup::needs_close_time);
    let mut b = Builder::new("SELECT ");
    for (i, g) in groups.iter().enumerate() {
        push_key(&mut b, g);
        b.push(KEY_NAMES[i]);
    }
    b.push("count(*) AS n");
    push_source(&mut b, filter, close);
    push_filter(&mut b, filter);
    for g in groups {
        push_key_range(&mut b, g);
    }
    b.push(GROUP_BYS[groups.len() - 1]);
    let rows = tx.all(b.build()).await?;
    let mut counts = rows
        .iter()
        .map(|row| {
            let keys = groups
                .iter()
                .enumerate()
                .map(|(i, g)| read_key(row, &format!("k{i}"), g))
                .collect::<StoreResult<Vec<_>>>()?;
            Ok(otrs_core::stats::query::StatTupleCount {
                keys,
                count: row.u64("n")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // One order for every backend (NULLs sort differently in SQL).
    counts.sort();
    Ok(counts)
}

/// `GROUP BY` over the first n keys.
const GROUP_BYS: [&str; 8] = [
    " GROUP BY 1",
    " GROUP BY 1, 2",
    " GROUP BY 1, 2, 3",
    " GROUP BY 1, 2, 3, 4",
    " GROUP BY 1, 2, 3, 4, 5",
    " GROUP BY 1, 2, 3, 4, 5, 6",
    " GROUP BY 1, 2, 3, 4, 5, 6, 7",
    " GROUP BY 1, 2, 3, 4, 5, 6, 7, 8",
];

/// The aliases of the grouping keys (a matrix has X and at most a few Y elements).
const KEY_NAMES: [&str; 8] = [
    " AS k0, ", " AS k1, ", " AS k2, ", " AS k3, ", " AS k4, ", " AS k5, ", " AS k6, ", " AS k7, ",
];
