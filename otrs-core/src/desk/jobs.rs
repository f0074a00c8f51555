//! The scheduler's use cases: scheduling, listing and cancelling background jobs, the worker's
//! claim–run–record cycle with retries, the agents' web-view notifications, and queueing e-mail
//! idempotently by Message-ID.
//!
//! Delivery is at least once: a worker claims a due job with a lease, runs it, and records the
//! outcome; a worker that dies leaves its lease to run out, and the job is claimed again. Handlers
//! therefore make their effects idempotent (a notification with a dedup key, a message with a
//! stable Message-ID), which the store enforces.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

use crate::desk::{Actor, Ctx, Desk, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AgentId, JobId, NotificationId};
use crate::model::{
    AgentNotification, Job, JobFilter, JobState, MessageStatus, NewAgentNotification, NewJob,
    OutgoingMessage, Principal,
};
use crate::store::{Page, PageRequest, Store, StoreTx};

/// Longest job kind, in characters.
pub const MAX_JOB_KIND: usize = 100;
/// Largest job payload, in bytes.
pub const MAX_JOB_PAYLOAD: usize = 1024 * 1024;
/// Longest unique key, in characters.
pub const MAX_JOB_KEY: usize = 200;
/// Most runs a job may be allowed.
pub const MAX_JOB_ATTEMPTS: u32 = 100;
/// Longest error kept on a job, in characters (longer errors are cut).
pub const MAX_JOB_ERROR: usize = 4000;
/// Most notifications one listing returns.
pub const MAX_NOTIFICATION_LIMIT: u32 = 200;

/// When a failed job runs again: exponential backoff from `base`, doubling per attempt, never
/// longer than `max_delay`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt.
    pub base: Duration,
    /// The longest wait.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    /// 30 seconds, then 1, 2, 4 … minutes, at most one hour.
    fn default() -> Self {
        RetryPolicy {
            base: Duration::seconds(30),
            max_delay: Duration::hours(1),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1-based): `base × 2^(attempt−1)`, capped
    /// at `max_delay` (and never negative).
    pub fn delay(&self, attempt: u32) -> Duration {
        let cap = self.max_delay.max(Duration::zero());
        let mut delay = self.base.max(Duration::zero()).min(cap);
        for _ in 1..attempt.min(64) {
            if delay >= cap {
                break;
            }
            delay = delay.checked_mul(2).unwrap_or(cap).min(cap);
        }
        delay
    }
}

/// Why a job run failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct JobError {
    /// What went wrong.
    pub message: String,
    /// True if running it again cannot help (bad payload, unknown kind).
    pub permanent: bool,
}

impl JobError {
    /// A failure that a later attempt may not have.
    pub fn transient(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: false,
        }
    }

    /// A failure that every attempt would have.
    pub fn permanent(message: impl Into<String>) -> JobError {
        JobError {
            message: message.into(),
            permanent: true,
        }
    }
}

/// Runs jobs by kind (the server's handler registry).
pub trait JobRunner: Send + Sync {
    /// Runs one claimed job. It may run more than once (at least once delivery), so its effects
    /// must be idempotent.
    fn run(&self, job: &Job) -> impl Future<Output = Result<(), JobError>> + Send;
}

/// What happened to one run of a job, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOutcome {
    /// It succeeded and is done.
    Done,
    /// It failed and is pending again, due at the given time.
    Retry(DateTime<Utc>),
    /// It failed for good.
    Failed,
    /// A newer job with the same key replaced it.
    Superseded,
    /// The worker no longer held the job (cancelled, or the lease ran out and another worker
    /// claimed it); nothing was recorded.
    LeaseLost,
}

/// What one round of [`Desk::run_due_jobs`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct JobRunReport {
    /// Jobs that succeeded.
    pub done: u32,
    /// Jobs that failed and will be tried again.
    pub retried: u32,
    /// Jobs that failed for good (or were superseded).
    pub failed: u32,
    /// Jobs whose lease was lost before the outcome could be recorded.
    pub lost: u32,
}

impl JobRunReport {
    /// Jobs run in the round.
    pub fn total(&self) -> u32 {
        self.done + self.retried + self.failed + self.lost
    }

    fn count(&mut self, outcome: JobOutcome) {
        match outcome {
            JobOutcome::Done => self.done += 1,
            JobOutcome::Retry(_) => self.retried += 1,
            JobOutcome::Failed | JobOutcome::Superseded => self.failed += 1,
            JobOutcome::LeaseLost => self.lost += 1,
        }
    }
}

/// An agent's notifications: the latest few and how many are unseen in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentNotifications {
    /// Newest first.
    pub items: Vec<AgentNotification>,
    /// Unseen notifications of the agent (not only among `items`).
    pub unseen: u64,
}

fn validate_job(job: &NewJob) -> Result<(), DeskError> {
    let mut errors = ValidationErrors::new();
    if job.kind.is_empty() || job.kind.len() > MAX_JOB_KIND {
        errors.add("kind", format!("must have 1 to {MAX_JOB_KIND} characters"));
    } else if !job
        .kind
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
    {
        errors.add(
            "kind",
            format!(
                "{:?} may hold only lower-case letters, digits, '.', '_' and '-'",
                job.kind
            ),
        );
    }
    if job.payload.len() > MAX_JOB_PAYLOAD {
        errors.add(
            "payload",
            format!(
                "must be at most {MAX_JOB_PAYLOAD} bytes (has {})",
                job.payload.len()
            ),
        );
    } else if let Err(e) = serde_json::from_str::<serde_json::Value>(&job.payload) {
        errors.add("payload", format!("is not JSON: {e}"));
    }
    if !(1..=MAX_JOB_ATTEMPTS).contains(&job.max_attempts) {
        errors.add(
            "max_attempts",
            format!("must be 1 to {MAX_JOB_ATTEMPTS} (is {})", job.max_attempts),
        );
    }
    if let Some(key) = &job.unique_key {
        errors.text("unique_key", key, 1, MAX_JOB_KEY, false);
    }
    errors.into_result()
}

fn validate_notification(n: &NewAgentNotification) -> Result<(), DeskError> {
    let mut errors = ValidationErrors::new();
    errors.text("title", &n.title, 1, 200, false);
    errors.text("body", &n.body, 0, 4000, true);
    if let Some(link) = &n.link {
        errors.text("link", link, 1, 1000, false);
        let relative = link.starts_with('/') && !link.starts_with("//");
        let absolute = link.starts_with("https://") || link.starts_with("http://");
        if !(relative || absolute) || link.chars().any(char::is_whitespace) {
            errors.add(
                "link",
                format!("{link:?} must be a path starting with '/' or an http(s) URL"),
            );
        }
    }
    if let Some(key) = &n.dedup_key {
        errors.text("dedup_key", key, 1, 200, false);
    }
    errors.into_result()
}

/// Cuts an error message to what a job keeps.
fn clip_error(message: &str) -> String {
    if message.chars().count() <= MAX_JOB_ERROR {
        return message.to_owned();
    }
    let mut clipped: String = message.chars().take(MAX_JOB_ERROR - 1).collect();
    clipped.push('…');
    clipped
}

/// A Message-ID header value `<local@domain>` for the desk, with the domain of its system
/// address (`localhost` when it has none). `local` should identify the message's cause (e.g.
/// `ticket.123.article.456`), so that the same cause always gets the same Message-ID.
pub fn message_id_for(local: &str, system_address: &str) -> String {
    let domain = system_address
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').trim())
        .filter(|d| !d.is_empty())
        .unwrap_or("localhost");
    let local: String = local
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("<{local}@{domain}>")
}

/// True for a Message-ID of the form `<left@right>` without spaces or further brackets.
pub fn is_message_id(value: &str) -> bool {
    let Some(inner) = value.strip_prefix('<').and_then(|v| v.strip_suffix('>')) else {
        return false;
    };
    let Some((left, right)) = inner.split_once('@') else {
        return false;
    };
    !left.is_empty()
        && !right.is_empty()
        && value.len() <= 250
        && !inner
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>'))
}

impl<S: Store> Desk<S> {
    fn require_agent_self(ctx: &Ctx, action: &'static str) -> Result<AgentId, DeskError> {
        match &ctx.actor {
            Actor::Agent(agent) => Ok(agent.id),
            Actor::Customer(_) => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: "agent notifications".into(),
                reason: "only agents have notifications".into(),
            }),
        }
    }

    /// Schedules a background job (admins). With a unique key that a pending job has, that job
    /// is replaced. The handler for the kind is the server's business; a kind without one fails
    /// when it runs.
    pub async fn schedule_job(&self, actor: Principal, job: NewJob) -> Result<Job, DeskError> {
        validate_job(&job)?;
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "schedule", format!("a {} job", job.kind))?;
            self.schedule_job_tx(&mut tx, &job).await
        })
    }

    /// Schedules a job inside the caller's transaction (no permission check: the calling
    /// command has made its own), so that the job exists exactly when the command's change
    /// does. A pending job with the same unique key is replaced.
    pub async fn schedule_job_tx(&self, tx: &mut S::Tx, job: &NewJob) -> Result<Job, DeskError> {
        validate_job(job)?;
        let now = self.now();
        Ok(tx
            .upsert_job(&Job {
                id: JobId(0),
                kind: job.kind.clone(),
                payload: job.payload.clone(),
                unique_key: job.unique_key.clone(),
                state: JobState::Pending,
                run_at: job.run_at,
                attempts: 0,
                max_attempts: job.max_attempts,
                last_error: None,
                lease_owner: None,
                lease_until: None,
                created_at: now,
                finished_at: None,
            })
            .await?)
    }

    /// Cancels a pending or running job (admins). A running job's worker finds out when it
    /// records its outcome; what it already did stays done.
    pub async fn cancel_job(&self, actor: Principal, id: JobId) -> Result<Job, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "cancel", format!("job {id}"))?;
            match tx.cancel_job(id, ctx.now).await? {
                Some(job) => Ok(job),
                None => {
                    let state = tx.job(id).await?.map_or("gone", |j| j.state.name());
                    Err(DeskError::NotAllowed {
                        object: format!("job {id}"),
                        reason: format!(
                            "it is {state}; only pending or running jobs can be cancelled"
                        ),
                    })
                }
            }
        })
    }

    /// Cancels every pending or running job with the unique key (admins); returns how many.
    pub async fn cancel_jobs(&self, actor: Principal, key: &str) -> Result<u64, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "cancel", format!("jobs with key {key:?}"))?;
            self.cancel_jobs_by_key_tx(&mut tx, key).await
        })
    }

    /// Cancels every pending or running job with the unique key inside the caller's
    /// transaction (e.g. deleting an appointment cancels its reminder); returns how many.
    pub async fn cancel_jobs_by_key_tx(&self, tx: &mut S::Tx, key: &str) -> Result<u64, DeskError> {
        Ok(tx.cancel_jobs_by_key(key, self.now()).await?)
    }

    /// Jobs matching a filter, by due time (admins): the backlog.
    pub async fn jobs(
        &self,
        actor: Principal,
        filter: JobFilter,
        page: PageRequest,
    ) -> Result<Page<Job>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "list", "background jobs".into())?;
            Ok(tx.list_jobs(&filter, page).await?)
        })
    }

    /// One job (admins).
    pub async fn job(&self, actor: Principal, id: JobId) -> Result<Job, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "read", format!("job {id}"))?;
            tx.job(id)
                .await?
                .ok_or_else(|| DeskError::not_found("job", id))
        })
    }

    /// Deletes finished jobs older than `older_than` (admins; the server does it daily).
    pub async fn purge_jobs(
        &self,
        actor: Principal,
        older_than: Duration,
    ) -> Result<u64, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "purge", "finished jobs".into())?;
            Ok::<_, DeskError>(tx.purge_jobs(ctx.now - older_than).await?)
        })
    }

    /// Claims the next due job for `worker`, leased for `lease`. A job whose lease ran out
    /// more often than it may run is marked failed instead of being handed out again.
    pub async fn claim_job(&self, worker: &str, lease: Duration) -> Result<Option<Job>, DeskError> {
        loop {
            let claimed = write_tx!(self, |tx| async {
                let now = self.now();
                let job = tx.claim_jobs(worker, now, now + lease, 1).await?.pop();
                Ok::<_, DeskError>(job)
            })?;
            let Some(job) = claimed else {
                return Ok(None);
            };
            if job.attempts <= job.max_attempts {
                return Ok(Some(job));
            }
            // Its earlier workers all died mid-run (each claim counted an attempt).
            let error = format!(
                "gave up after {} attempts; the last worker stopped before it finished",
                job.max_attempts
            );
            self.record_failure(
                worker,
                &job,
                &JobError::permanent(error),
                &RetryPolicy::default(),
            )
            .await?;
        }
    }

    /// Records that `worker` ran the job successfully.
    pub async fn complete_job(&self, worker: &str, job: &Job) -> Result<JobOutcome, DeskError> {
        write_tx!(self, |tx| async {
            let now = self.now();
            Ok::<_, DeskError>(match tx.finish_job(job.id, worker, now).await? {
                Some(_) => JobOutcome::Done,
                None => JobOutcome::LeaseLost,
            })
        })
    }

    /// Records a failed run: retried after the policy's delay, or failed for good when the
    /// error is permanent or the job used its last attempt.
    pub async fn record_failure(
        &self,
        worker: &str,
        job: &Job,
        error: &JobError,
        policy: &RetryPolicy,
    ) -> Result<JobOutcome, DeskError> {
        let message = clip_error(&error.message);
        write_tx!(self, |tx| async {
            let now = self.now();
            let retry_at = (!error.permanent && job.attempts < job.max_attempts)
                .then(|| now + policy.delay(job.attempts));
            Ok::<_, DeskError>(
                match tx.fail_job(job.id, worker, &message, retry_at, now).await? {
                    None => JobOutcome::LeaseLost,
                    Some(j) => match j.state {
                        JobState::Pending => JobOutcome::Retry(j.run_at),
                        JobState::Cancelled => JobOutcome::Superseded,
                        _ => JobOutcome::Failed,
                    },
                },
            )
        })
    }

    /// Gives a claimed job back (a worker shutting down before the job finished): it is pending
    /// again and due now. The attempt stays counted, since the job may have done part of its
    /// work; when it was the last one allowed, the job fails.
    pub async fn release_job(&self, worker: &str, job: &Job) -> Result<JobOutcome, DeskError> {
        self.record_failure(
            worker,
            job,
            &JobError::transient("the worker stopped before the job finished"),
            &RetryPolicy {
                base: Duration::zero(),
                max_delay: Duration::zero(),
            },
        )
        .await
    }

    /// Runs due jobs one by one through `runner` until none is due or `max_jobs` ran: the
    /// worker's loop body (and, with the in-memory store, a whole scheduler for embedders).
    pub async fn run_due_jobs(
        &self,
        worker: &str,
        lease: Duration,
        policy: &RetryPolicy,
        max_jobs: u32,
        runner: &impl JobRunner,
    ) -> Result<JobRunReport, DeskError> {
        let mut report = JobRunReport::default();
        while report.total() < max_jobs {
            let Some(job) = self.claim_job(worker, lease).await? else {
                break;
            };
            let outcome = match runner.run(&job).await {
                Ok(()) => self.complete_job(worker, &job).await?,
                Err(error) => self.record_failure(worker, &job, &error, policy).await?,
            };
            report.count(outcome);
        }
        Ok(report)
    }

    /// Adds a web-view notification for `agent` inside the caller's transaction (no permission
    /// check: the calling command decided to notify). With a dedup key the agent already has,
    /// the existing notification is returned and nothing is added.
    pub async fn notify_agent_tx(
        &self,
        tx: &mut S::Tx,
        agent: AgentId,
        new: &NewAgentNotification,
    ) -> Result<AgentNotification, DeskError> {
        validate_notification(new)?;
        Ok(tx
            .insert_agent_notification(&AgentNotification {
                id: NotificationId(0),
                agent_id: agent,
                title: new.title.clone(),
                body: new.body.clone(),
                link: new.link.clone(),
                dedup_key: new.dedup_key.clone(),
                created_at: self.now(),
                seen_at: None,
            })
            .await?)
    }

    /// Adds a web-view notification for `agent` (admins and the system, e.g. the
    /// `notify.agent` job).
    pub async fn notify_agent(
        &self,
        actor: Principal,
        agent: AgentId,
        new: NewAgentNotification,
    ) -> Result<AgentNotification, DeskError> {
        validate_notification(&new)?;
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "notify", format!("agent {agent}"))?;
            self.notify_agent_tx(&mut tx, agent, &new).await
        })
    }

    /// The acting agent's latest `limit` notifications (1–200), newest first, with the count
    /// of all their unseen ones. Agents see only their own.
    pub async fn agent_notifications(
        &self,
        actor: Principal,
        limit: u32,
    ) -> Result<AgentNotifications, DeskError> {
        if !(1..=MAX_NOTIFICATION_LIMIT).contains(&limit) {
            return Err(DeskError::invalid(
                "limit",
                format!("must be 1 to {MAX_NOTIFICATION_LIMIT} (is {limit})"),
            ));
        }
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let agent = Self::require_agent_self(&ctx, "read")?;
            Ok(AgentNotifications {
                items: tx.agent_notifications(agent, limit).await?,
                unseen: tx.unseen_notification_count(agent).await?,
            })
        })
    }

    /// Marks the acting agent's notifications seen: the given ones (ids of other agents'
    /// notifications are ignored) or, with `None`, all. Returns how many changed.
    pub async fn mark_notifications_seen(
        &self,
        actor: Principal,
        ids: Option<Vec<NotificationId>>,
    ) -> Result<u64, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let agent = Self::require_agent_self(&ctx, "mark seen")?;
            Ok::<_, DeskError>(
                tx.mark_notifications_seen(agent, ids.as_deref(), ctx.now)
                    .await?,
            )
        })
    }

    /// Queues an e-mail inside the caller's transaction, once per Message-ID: when the outbox
    /// already holds a message with the same Message-ID, that one is returned and nothing is
    /// queued (a retried job does not send twice). A message without a Message-ID gets one from
    /// `fallback_local` (see [`message_id_for`]).
    pub async fn queue_message_tx(
        &self,
        tx: &mut S::Tx,
        message: &OutgoingMessage,
        fallback_local: &str,
    ) -> Result<OutgoingMessage, DeskError> {
        let mut message = message.clone();
        let message_id = message
            .message_id
            .clone()
            .unwrap_or_else(|| message_id_for(fallback_local, &self.config.system_address));
        let mut errors = ValidationErrors::new();
        if !is_message_id(&message_id) {
            errors.add(
                "message_id",
                format!("{message_id:?} is not of the form <left@right>"),
            );
        }
        for (field, list) in [
            ("to", &message.to),
            ("cc", &message.cc),
            ("bcc", &message.bcc),
        ] {
            for address in list
                .split([',', ';'])
                .map(str::trim)
                .filter(|a| !a.is_empty())
            {
                errors.email(field, address);
            }
        }
        if message.to.trim().is_empty()
            && message.cc.trim().is_empty()
            && message.bcc.trim().is_empty()
        {
            errors.add("to", "is required (at least one recipient)");
        }
        errors.text("subject", &message.subject, 0, 4000, false);
        for (i, a) in message.attachments.iter().enumerate() {
            errors.text(
                &format!("attachments[{i}].filename"),
                &a.filename,
                1,
                250,
                false,
            );
            errors.text(
                &format!("attachments[{i}].content_type"),
                &a.content_type,
                1,
                250,
                false,
            );
            if a.content.len() as u64 > self.config.max_attachment_bytes {
                errors.add(
                    format!("attachments[{i}].content"),
                    format!("is larger than {} bytes", self.config.max_attachment_bytes),
                );
            }
        }
        errors.into_result()?;
        if let Some(existing) = tx.message_by_message_id(&message_id).await? {
            return Ok(existing);
        }
        if message.from.trim().is_empty() {
            message.from = self.config.system_address.clone();
        }
        message.message_id = Some(message_id);
        message.status = MessageStatus::Pending;
        message.attempts = 0;
        message.last_error = None;
        message.created_at = self.now();
        Ok(tx.enqueue_message(&message).await?)
    }

    /// Queues an e-mail once per Message-ID (admins and the system, e.g. the `mail.send`
    /// job); see [`Desk::queue_message_tx`].
    pub async fn queue_message(
        &self,
        actor: Principal,
        message: OutgoingMessage,
        fallback_local: &str,
    ) -> Result<OutgoingMessage, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "send", "e-mail".into())?;
            self.queue_message_tx(&mut tx, &message, fallback_local)
                .await
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_delays_double_up_to_the_cap() {
        let policy = RetryPolicy {
            base: Duration::seconds(10),
            max_delay: Duration::seconds(100),
        };
        let delays: Vec<i64> = (1..=6).map(|a| policy.delay(a).num_seconds()).collect();
        assert_eq!(delays, [10, 20, 40, 80, 100, 100]);
        assert_eq!(policy.delay(0), Duration::seconds(10));
        assert_eq!(policy.delay(u32::MAX), Duration::seconds(100));
    }

    #[test]
    fn message_ids_take_the_system_domain() {
        assert_eq!(
            message_id_for("ticket.1 article 2", "OTRS <otrs@desk.example.org>"),
            "<ticket.1-article-2@desk.example.org>"
        );
        assert_eq!(message_id_for("x", "nobody"), "<x@localhost>");
        assert!(is_message_id("<a.b@c>"));
        assert!(!is_message_id("a@b"));
        assert!(!is_message_id("<a b@c>"));
        assert!(!is_message_id("<@c>"));
    }

    #[test]
    fn job_input_is_checked_field_by_field() {
        let now = DateTime::UNIX_EPOCH;
        let mut job = NewJob::new("Mail Send", "{not json", now);
        job.max_attempts = 0;
        job.unique_key = Some(String::new());
        let Err(DeskError::Invalid(errors)) = validate_job(&job) else {
            panic!("accepted a bad job");
        };
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "payload", "max_attempts", "unique_key"]);
        assert!(validate_job(&NewJob::new("mail.send", "{}", now)).is_ok());
    }

    #[test]
    fn notification_links_are_paths_or_web_urls() {
        let with = |link: &str| NewAgentNotification {
            title: "t".into(),
            link: Some(link.into()),
            ..NewAgentNotification::default()
        };
        assert!(validate_notification(&with("/agent/calendar?id=1")).is_ok());
        assert!(validate_notification(&with("https://example.org/x")).is_ok());
        for bad in ["javascript:alert(1)", "//evil.example", "agent/x", "/a b"] {
            assert!(validate_notification(&with(bad)).is_err(), "{bad}");
        }
        assert!(validate_notification(&NewAgentNotification::default()).is_err());
    }
}
