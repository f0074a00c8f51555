//! The scheduler's jobs and the agents' web-view notifications.
//!
//! Claiming is one `UPDATE … WHERE id IN (SELECT … LIMIT n) RETURNING …`. In PostgreSQL the
//! inner select takes `FOR UPDATE SKIP LOCKED`: concurrent claimers on several servers skip the
//! rows another claimer holds instead of waiting for them, and a row whose claim committed is
//! re-checked against the `WHERE` (its new lease excludes it), so no job is handed to two
//! workers while its lease holds. In SQLite the claim runs in the single writer transaction
//! (`BEGIN IMMEDIATE`), which gives the same guarantee.
//!
//! Scheduling a keyed job is one `INSERT … ON CONFLICT (unique_key) WHERE state = 'pending'
//! DO UPDATE`, so two commands scheduling the same key at once leave one pending job.

use chrono::{DateTime, Utc};
use otrs_core::ids::{AgentId, JobId, NotificationId};
use otrs_core::model::{AgentNotification, Job, JobFilter, JobState};
use otrs_core::store::{Page, PageRequest, StoreError, StoreResult};
use tracing::instrument;

use super::SqlTx;
use crate::check;
use crate::sql::{Builder, Dialect, Row, Stmt, bad_value, int};

macro_rules! job_columns {
    () => {
        "id, kind, payload, unique_key, state, run_at, attempts, max_attempts, last_error, \
         lease_owner, lease_until, created_at, finished_at"
    };
}

fn job_from(row: &Row) -> StoreResult<Job> {
    let state = row.text("state")?;
    Ok(Job {
        id: JobId(row.u64("id")?),
        kind: row.text("kind")?,
        payload: row.text("payload")?,
        unique_key: row.opt_text("unique_key")?,
        state: JobState::from_name(&state).ok_or_else(|| bad_value("jobs.state", &state))?,
        run_at: row.time("run_at")?,
        attempts: row.u32("attempts")?,
        max_attempts: row.u32("max_attempts")?,
        last_error: row.opt_text("last_error")?,
        lease_owner: row.opt_text("lease_owner")?,
        lease_until: row.opt_time("lease_until")?,
        created_at: row.time("created_at")?,
        finished_at: row.opt_time("finished_at")?,
    })
}

fn jobs_from(rows: &[Row]) -> StoreResult<Vec<Job>> {
    let mut jobs: Vec<Job> = rows.iter().map(job_from).collect::<StoreResult<_>>()?;
    // RETURNING gives no order; callers get the port's (due time, then id).
    jobs.sort_by_key(|j| (j.run_at, j.id));
    Ok(jobs)
}

fn check_job(job: &Job) -> StoreResult<()> {
    check::required("kind", &job.kind, 100)?;
    check::text("payload", &job.payload, usize::MAX)?;
    if let Some(key) = &job.unique_key {
        check::required("unique_key", key, 200)?;
    }
    check::opt_text("last_error", job.last_error.as_deref(), 4000)?;
    if job.max_attempts == 0 {
        return Err(StoreError::Invalid {
            field: "max_attempts",
            message: "must be at least 1".into(),
        });
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn upsert_job(tx: &mut SqlTx, job: &Job) -> StoreResult<Job> {
    tx.writable()?;
    check_job(job)?;
    let row = tx
        .one(
            Stmt::new(concat!(
                "INSERT INTO jobs (kind, payload, unique_key, state, run_at, attempts, max_attempts, \
                 last_error, lease_owner, lease_until, created_at, finished_at) \
                 VALUES ($1, $2, $3, 'pending', $4, 0, $5, NULL, NULL, NULL, $6, NULL) \
                 ON CONFLICT (unique_key) WHERE state = 'pending' DO UPDATE SET \
                 kind = excluded.kind, payload = excluded.payload, run_at = excluded.run_at, \
                 attempts = 0, max_attempts = excluded.max_attempts, last_error = NULL, \
                 created_at = excluded.created_at RETURNING ",
                job_columns!()
            ))
            .bind(job.kind.as_str())
            .bind(job.payload.as_str())
            .bind(job.unique_key.as_deref())
            .bind(job.run_at)
            .bind(i64::from(job.max_attempts))
            .bind(job.created_at),
        )
        .await?;
    job_from(&row)
}

#[instrument(skip_all)]
pub(super) async fn job(tx: &mut SqlTx, id: JobId) -> StoreResult<Option<Job>> {
    tx.opt(
        Stmt::new(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE id = $1"
        ))
        .bind(int("id", id.0)?),
    )
    .await?
    .as_ref()
    .map(job_from)
    .transpose()
}

fn push_job_filter(b: &mut Builder, filter: &JobFilter) {
    if let Some(states) = &filter.states {
        b.push(" AND state IN ");
        if states.is_empty() {
            b.push("(NULL)");
        } else {
            b.push_list(states.iter().map(|s| s.name()));
        }
    }
    if let Some(kind) = &filter.kind {
        b.push(" AND kind = ").push_bind(kind.as_str());
    }
    if let Some(key) = &filter.unique_key {
        b.push(" AND unique_key = ").push_bind(key.as_str());
    }
}

#[instrument(skip_all)]
pub(super) async fn list_jobs(
    tx: &mut SqlTx,
    filter: &JobFilter,
    page: PageRequest,
) -> StoreResult<Page<Job>> {
    let mut count = Builder::new("SELECT count(*) AS n FROM jobs WHERE 1 = 1");
    push_job_filter(&mut count, filter);
    let total = tx.one(count.build()).await?.u64("n")?;
    let (limit, offset) = super::customers::limit_offset(&page);
    let mut b = Builder::new(concat!("SELECT ", job_columns!(), " FROM jobs WHERE 1 = 1"));
    push_job_filter(&mut b, filter);
    b.push(" ORDER BY run_at, id LIMIT ")
        .push_bind(limit)
        .push(" OFFSET ")
        .push_bind(offset);
    let items = tx
        .all(b.build())
        .await?
        .iter()
        .map(job_from)
        .collect::<StoreResult<_>>()?;
    Ok(Page { items, total })
}

#[instrument(skip_all)]
pub(super) async fn claim_jobs(
    tx: &mut SqlTx,
    owner: &str,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<Job>> {
    tx.writable()?;
    check::required("lease_owner", owner, 200)?;
    let sql = match tx.dialect() {
        Dialect::Postgres => concat!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $3, \
             attempts = attempts + 1 WHERE id IN (SELECT id FROM jobs \
             WHERE (state = 'pending' AND run_at <= $2) OR (state = 'running' AND lease_until < $2) \
             ORDER BY run_at, id LIMIT $4 FOR UPDATE SKIP LOCKED) RETURNING ",
            job_columns!()
        ),
        Dialect::Sqlite => concat!(
            "UPDATE jobs SET state = 'running', lease_owner = $1, lease_until = $3, \
             attempts = attempts + 1 WHERE id IN (SELECT id FROM jobs \
             WHERE (state = 'pending' AND run_at <= $2) OR (state = 'running' AND lease_until < $2) \
             ORDER BY run_at, id LIMIT $4) RETURNING ",
            job_columns!()
        ),
    };
    let rows = tx
        .all(
            Stmt::new(sql)
                .bind(owner)
                .bind(now)
                .bind(lease_until)
                .bind(i64::from(limit)),
        )
        .await?;
    jobs_from(&rows)
}

#[instrument(skip_all)]
pub(super) async fn finish_job(
    tx: &mut SqlTx,
    id: JobId,
    owner: &str,
    now: DateTime<Utc>,
) -> StoreResult<Option<Job>> {
    tx.writable()?;
    tx.opt(
        Stmt::new(concat!(
            "UPDATE jobs SET state = 'done', last_error = NULL, lease_owner = NULL, \
             lease_until = NULL, finished_at = $3 \
             WHERE id = $1 AND state = 'running' AND lease_owner = $2 RETURNING ",
            job_columns!()
        ))
        .bind(int("id", id.0)?)
        .bind(owner)
        .bind(now),
    )
    .await?
    .as_ref()
    .map(job_from)
    .transpose()
}

#[instrument(skip_all)]
pub(super) async fn fail_job(
    tx: &mut SqlTx,
    id: JobId,
    owner: &str,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> StoreResult<Option<Job>> {
    tx.writable()?;
    check::text("last_error", error, 4000)?;
    let Some(current) = job(tx, id).await? else {
        return Ok(None);
    };
    if current.state != JobState::Running || current.lease_owner.as_deref() != Some(owner) {
        return Ok(None);
    }
    let superseded = match (&current.unique_key, retry_at) {
        (Some(key), Some(_)) => {
            tx.exists(
                Stmt::new(
                    "SELECT 1 FROM jobs WHERE unique_key = $1 AND state = 'pending' AND id <> $2",
                )
                .bind(key.as_str())
                .bind(int("id", id.0)?),
            )
            .await?
        }
        _ => false,
    };
    let (state, run_at, finished_at) = match retry_at {
        Some(_) if superseded => (JobState::Cancelled, current.run_at, Some(now)),
        Some(at) => (JobState::Pending, at, None),
        None => (JobState::Failed, current.run_at, Some(now)),
    };
    tx.opt(
        Stmt::new(concat!(
            "UPDATE jobs SET state = $3, run_at = $4, last_error = $5, lease_owner = NULL, \
             lease_until = NULL, finished_at = $6 \
             WHERE id = $1 AND state = 'running' AND lease_owner = $2 RETURNING ",
            job_columns!()
        ))
        .bind(int("id", id.0)?)
        .bind(owner)
        .bind(state.name())
        .bind(run_at)
        .bind(error)
        .bind(finished_at),
    )
    .await?
    .as_ref()
    .map(job_from)
    .transpose()
}

#[instrument(skip_all)]
pub(super) async fn cancel_job(
    tx: &mut SqlTx,
    id: JobId,
    now: DateTime<Utc>,
) -> StoreResult<Option<Job>> {
    tx.writable()?;
    let row = tx
        .opt(
            Stmt::new(concat!(
                "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_until = NULL, \
                 finished_at = $2 WHERE id = $1 AND state IN ('pending', 'running') RETURNING ",
                job_columns!()
            ))
            .bind(int("id", id.0)?)
            .bind(now),
        )
        .await?;
    match row {
        Some(row) => Ok(Some(job_from(&row)?)),
        None if job(tx, id).await?.is_some() => Ok(None),
        None => Err(StoreError::not_found("job", id)),
    }
}

#[instrument(skip_all)]
pub(super) async fn cancel_jobs_by_key(
    tx: &mut SqlTx,
    key: &str,
    now: DateTime<Utc>,
) -> StoreResult<u64> {
    tx.writable()?;
    tx.exec(
        Stmt::new(
            "UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_until = NULL, \
             finished_at = $2 WHERE unique_key = $1 AND state IN ('pending', 'running')",
        )
        .bind(key)
        .bind(now),
    )
    .await
}

#[instrument(skip_all)]
pub(super) async fn purge_jobs(tx: &mut SqlTx, finished_before: DateTime<Utc>) -> StoreResult<u64> {
    tx.writable()?;
    tx.exec(
        Stmt::new(
            "DELETE FROM jobs WHERE state IN ('done', 'failed', 'cancelled') AND finished_at < $1",
        )
        .bind(finished_before),
    )
    .await
}

// --- agent notifications -----------------------------------------------------------------------

macro_rules! notification_columns {
    () => {
        "id, agent_id, title, body, link, dedup_key, created_at, seen_at"
    };
}

fn notification_from(row: &Row) -> StoreResult<AgentNotification> {
    Ok(AgentNotification {
        id: NotificationId(row.u64("id")?),
        agent_id: AgentId(row.u64("agent_id")?),
        title: row.text("title")?,
        body: row.text("body")?,
        link: row.opt_text("link")?,
        dedup_key: row.opt_text("dedup_key")?,
        created_at: row.time("created_at")?,
        seen_at: row.opt_time("seen_at")?,
    })
}

#[instrument(skip_all)]
pub(super) async fn insert_agent_notification(
    tx: &mut SqlTx,
    n: &AgentNotification,
) -> StoreResult<AgentNotification> {
    tx.writable()?;
    check::required("title", &n.title, 200)?;
    check::text("body", &n.body, 4000)?;
    check::opt_text("link", n.link.as_deref(), 1000)?;
    if let Some(key) = &n.dedup_key {
        check::required("dedup_key", key, 200)?;
    }
    let agent = int("agent_id", n.agent_id.0)?;
    let row = tx
        .opt(
            Stmt::new(concat!(
                "INSERT INTO agent_notifications (agent_id, title, body, link, dedup_key, \
                 created_at, seen_at) SELECT $1, $2, $3, $4, $5, $6, $7 \
                 WHERE EXISTS (SELECT 1 FROM agents WHERE id = $1) \
                 ON CONFLICT DO NOTHING RETURNING ",
                notification_columns!()
            ))
            .bind(agent)
            .bind(n.title.as_str())
            .bind(n.body.as_str())
            .bind(n.link.as_deref())
            .bind(n.dedup_key.as_deref())
            .bind(n.created_at)
            .bind(n.seen_at),
        )
        .await?;
    if let Some(row) = row {
        return notification_from(&row);
    }
    let existing = match &n.dedup_key {
        Some(key) => {
            tx.opt(
                Stmt::new(concat!(
                    "SELECT ",
                    notification_columns!(),
                    " FROM agent_notifications WHERE agent_id = $1 AND dedup_key = $2"
                ))
                .bind(agent)
                .bind(key.as_str()),
            )
            .await?
        }
        None => None,
    };
    match existing {
        Some(row) => notification_from(&row),
        None => Err(StoreError::not_found("agent", n.agent_id)),
    }
}

#[instrument(skip_all)]
pub(super) async fn agent_notifications(
    tx: &mut SqlTx,
    agent: AgentId,
    limit: u32,
) -> StoreResult<Vec<AgentNotification>> {
    tx.all(
        Stmt::new(concat!(
            "SELECT ",
            notification_columns!(),
            " FROM agent_notifications WHERE agent_id = $1 \
             ORDER BY created_at DESC, id DESC LIMIT $2"
        ))
        .bind(int("agent_id", agent.0)?)
        .bind(i64::from(limit)),
    )
    .await?
    .iter()
    .map(notification_from)
    .collect()
}

#[instrument(skip_all)]
pub(super) async fn unseen_notification_count(tx: &mut SqlTx, agent: AgentId) -> StoreResult<u64> {
    tx.one(
        Stmt::new(
            "SELECT count(*) AS n FROM agent_notifications WHERE agent_id = $1 AND seen_at IS NULL",
        )
        .bind(int("agent_id", agent.0)?),
    )
    .await?
    .u64("n")
}

#[instrument(skip_all)]
pub(super) async fn mark_notifications_seen(
    tx: &mut SqlTx,
    agent: AgentId,
    ids: Option<&[NotificationId]>,
    at: DateTime<Utc>,
) -> StoreResult<u64> {
    tx.writable()?;
    let mut b = Builder::new("UPDATE agent_notifications SET seen_at = ");
    b.push_bind(at)
        .push(" WHERE seen_at IS NULL AND agent_id = ")
        .push_bind(int("agent_id", agent.0)?);
    if let Some(ids) = ids {
        if ids.is_empty() {
            return Ok(0);
        }
        let ids = ids
            .iter()
            .map(|id| int("id", id.0))
            .collect::<StoreResult<Vec<i64>>>()?;
        b.push(" AND id IN ").push_list(ids);
    }
    tx.exec(b.build()).await
}

// --- calui
#[instrument(skip_all)]
pub(super) async fn renew_job_lease(
    tx: &mut SqlTx,
    id: JobId,
    owner: &str,
    lease_until: DateTime<Utc>,
) -> StoreResult<Option<Job>> {
    tx.writable()?;
    tx.opt(
        Stmt::new(concat!(
            "UPDATE jobs SET lease_until = $3 \
             WHERE id = $1 AND state = 'running' AND lease_owner = $2 RETURNING ",
            job_columns!()
        ))
        .bind(int("id", id.0)?)
        .bind(owner)
        .bind(lease_until),
    )
    .await?
    .as_ref()
    .map(job_from)
    .transpose()
}
