//! The background scheduler of `otrs serve`: a registry of job handlers by kind, and the worker
//! that claims due jobs from the store, runs them and records the outcome.
//!
//! Delivery is at least once. A worker claims one job at a time with a lease (see
//! [`JobsConfig::lease`]), renewed while the job runs; if the process dies, the renewals stop,
//! the lease runs out and another worker (another
//! server on the same PostgreSQL database, or this one after a restart) claims the job again.
//! Handlers therefore make their effects idempotent: `notify.agent` stores a notification once
//! per dedup key (the job id by default), and `mail.send` queues a message once per Message-ID
//! (derived from the job id by default). A clean stop (Ctrl-C, SIGTERM) lets the running job
//! finish within [`JobsConfig::shutdown_grace`] and otherwise gives it back to the queue.
//!
//! Other features add their kinds in [`registry`], in one block each.

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use base64::Engine as _;
use chrono::Duration;
use otrs_core::desk::{JobError, JobOutcome, JobRunner, RetryPolicy};
use otrs_core::ids::AgentId;
use otrs_core::model::{Job, NewAgentNotification, OutgoingAttachment, OutgoingMessage};
use otrs_core::store::Store;
use otrs_core::{DeskError, Principal};
use serde::Deserialize;

use crate::state::AppState;

/// Settings of the scheduler (`[jobs]` in `otrs.toml`).
#[derive(Debug, Clone)]
pub struct JobsConfig {
    /// Run the worker in `otrs serve` (several servers may all run one).
    pub enabled: bool,
    /// How often the worker looks for due jobs when nothing wakes it earlier.
    pub poll_interval: StdDuration,
    /// How long a claimed job is reserved for its worker without news from it; the worker
    /// renews it every third of it while the job runs (the heartbeat), so jobs may run longer.
    pub lease: Duration,
    /// When failed jobs run again.
    pub retry: RetryPolicy,
    /// Most jobs run in one round before the worker looks at its stop signal again.
    pub batch: u32,
    /// How long a stopping worker waits for its running job before giving it back.
    pub shutdown_grace: StdDuration,
    /// Finished jobs are deleted after this long (daily).
    pub keep_finished: Duration,
    /// The worker's name in leases; empty: host name and process id.
    pub worker_id: String,
    /// Registers the `test.effect` kind (for tests of the scheduler only).
    pub test_kinds: bool,
    /// Only with `test_kinds`: every job waits this long before and again after its handler,
    /// so that a test can kill the server in the middle of any job (a reminder included).
    pub test_job_delay: StdDuration,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            poll_interval: StdDuration::from_secs(2),
            lease: Duration::minutes(5),
            retry: RetryPolicy::default(),
            batch: 20,
            shutdown_grace: StdDuration::from_secs(20),
            keep_finished: Duration::days(30),
            worker_id: String::new(),
            test_kinds: false,
            test_job_delay: StdDuration::ZERO,
        }
    }
}

impl JobsConfig {
    /// The worker id: the configured one, or `host:pid`.
    pub fn worker_id(&self) -> String {
        if !self.worker_id.trim().is_empty() {
            return self.worker_id.trim().to_owned();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "localhost".to_owned());
        format!("{host}:{}", std::process::id())
    }
}

/// What a handler returns.
pub type JobFuture = Pin<Box<dyn Future<Output = Result<(), JobError>> + Send>>;

type Handler<S> = Arc<dyn Fn(AppState<S>, Job) -> JobFuture + Send + Sync>;

/// Handlers by job kind.
pub struct Registry<S: Store> {
    handlers: BTreeMap<&'static str, Handler<S>>,
}

impl<S: Store> std::fmt::Debug for Registry<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("kinds", &self.kinds())
            .finish()
    }
}

impl<S: Store> Default for Registry<S> {
    fn default() -> Self {
        Registry {
            handlers: BTreeMap::new(),
        }
    }
}

impl<S: Store> Registry<S> {
    /// Adds (or replaces) the handler of a kind.
    pub fn register(
        &mut self,
        kind: &'static str,
        handler: impl Fn(AppState<S>, Job) -> JobFuture + Send + Sync + 'static,
    ) {
        self.handlers.insert(kind, Arc::new(handler));
    }

    /// The registered kinds, sorted.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.handlers.keys().copied().collect()
    }

    /// True if the kind has a handler.
    pub fn contains(&self, kind: &str) -> bool {
        self.handlers.contains_key(kind)
    }

    /// Runs a job through its kind's handler; an unknown kind fails permanently.
    pub async fn run(&self, state: AppState<S>, job: Job) -> Result<(), JobError> {
        match self.handlers.get(job.kind.as_str()) {
            Some(handler) => handler(state, job).await,
            None => Err(JobError::permanent(format!(
                "no handler for job kind {:?} (known: {})",
                job.kind,
                self.kinds().join(", ")
            ))),
        }
    }
}

/// Every job kind of the server.
pub fn registry<S: Store>(config: &JobsConfig) -> Registry<S> {
    let mut registry = Registry::default();
    registry.register("notify.agent", |state, job| {
        Box::pin(notify_agent(state, job))
    });
    registry.register("mail.send", |state, job| Box::pin(mail_send(state, job)));
    registry.register(otrs_core::desk::REMINDER_JOB_KIND, |state, job| {
        Box::pin(async move { state.desk().run_appointment_reminder(&job).await })
    });
    // --- reports
    registry.register(otrs_core::desk::REPORT_JOB_KIND, |state, job| {
        Box::pin(crate::reports::run_report_job(state, job))
    });
    if config.test_kinds {
        registry.register("test.effect", |state, job| {
            Box::pin(test_effect(state, job))
        });
    }
    registry
}

/// Reads a payload, failing permanently when it does not fit.
fn payload<T: for<'de> Deserialize<'de>>(job: &Job) -> Result<T, JobError> {
    let mut de = serde_json::Deserializer::from_str(&job.payload);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        JobError::permanent(format!(
            "the payload of a {} job does not fit: {} at {}",
            job.kind,
            e.inner(),
            e.path()
        ))
    })
}

/// Desk errors that another attempt cannot fix are permanent.
fn desk_error(e: DeskError) -> JobError {
    let message = crate::error::cause_chain(&e);
    match e {
        DeskError::Conflict { .. } | DeskError::Store(_) => JobError::transient(message),
        _ => JobError::permanent(message),
    }
}

/// `notify.agent`: a web-view notification for one agent.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NotifyAgent {
    agent_id: u64,
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    link: Option<String>,
    /// Defaults to `job:{id}`, so a job that runs twice notifies once.
    #[serde(default)]
    dedup_key: Option<String>,
}

async fn notify_agent<S: Store>(state: AppState<S>, job: Job) -> Result<(), JobError> {
    let p: NotifyAgent = payload(&job)?;
    state
        .desk()
        .notify_agent(
            Principal::SYSTEM,
            AgentId(p.agent_id),
            NewAgentNotification {
                title: p.title,
                body: p.body,
                link: p.link,
                dedup_key: Some(p.dedup_key.unwrap_or_else(|| format!("job:{}", job.id))),
            },
        )
        .await
        .map(|_| ())
        .map_err(desk_error)
}

/// One file of `mail.send`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailFile {
    filename: String,
    content_type: String,
    content_base64: String,
}

/// `mail.send`: an e-mail through the outbox and the SMTP relay.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MailSend {
    #[serde(default)]
    from: String,
    to: String,
    #[serde(default)]
    cc: String,
    #[serde(default)]
    bcc: String,
    subject: String,
    #[serde(default)]
    body: String,
    /// Defaults to `<job.{id}@domain>`, so a job that runs twice queues the mail once.
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    attachments: Vec<MailFile>,
}

async fn mail_send<S: Store>(state: AppState<S>, job: Job) -> Result<(), JobError> {
    let p: MailSend = payload(&job)?;
    let mut attachments = Vec::with_capacity(p.attachments.len());
    for (i, file) in p.attachments.into_iter().enumerate() {
        let content = base64::engine::general_purpose::STANDARD
            .decode(file.content_base64.as_bytes())
            .map_err(|e| {
                JobError::permanent(format!(
                    "attachments[{i}].content_base64 is not base64: {e}"
                ))
            })?;
        attachments.push(OutgoingAttachment {
            filename: file.filename,
            content_type: file.content_type,
            content: content.into(),
        });
    }
    let mut message = OutgoingMessage::pending(p.from, p.to, p.subject, p.body, state.desk().now());
    message.cc = p.cc;
    message.bcc = p.bcc;
    message.message_id = p.message_id;
    message.attachments = attachments;
    state
        .desk()
        .queue_message(Principal::SYSTEM, message, &format!("job.{}", job.id))
        .await
        .map_err(desk_error)?;
    state.wake_outbox();
    Ok(())
}

/// `test.effect` (only with [`JobsConfig::test_kinds`]): appends `start JOB WORKER ATTEMPT`
/// to a file, waits, fails while `attempts <= fail_times`, then appends `end JOB WORKER
/// ATTEMPT`. Tests read the file to see which runs overlapped.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TestEffect {
    path: String,
    #[serde(default)]
    sleep_ms: u64,
    #[serde(default)]
    fail_times: u32,
}

async fn test_effect<S: Store>(_state: AppState<S>, job: Job) -> Result<(), JobError> {
    let p: TestEffect = payload(&job)?;
    let worker = job.lease_owner.clone().unwrap_or_default();
    let line = |what: &str| format!("{what} {} {worker} {}\n", job.id, job.attempts);
    append(&p.path, &line("start")).await?;
    tokio::time::sleep(StdDuration::from_millis(p.sleep_ms)).await;
    if job.attempts <= p.fail_times {
        return Err(JobError::transient(format!(
            "failing on purpose (attempt {} of {} planned failures)",
            job.attempts, p.fail_times
        )));
    }
    append(&p.path, &line("end")).await
}

async fn append(path: &str, line: &str) -> Result<(), JobError> {
    use tokio::io::AsyncWriteExt as _;
    let mut file = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .await
        .map_err(|e| JobError::transient(format!("{path}: {e}")))?;
    file.write_all(line.as_bytes())
        .await
        .map_err(|e| JobError::transient(format!("{path}: {e}")))?;
    file.sync_data()
        .await
        .map_err(|e| JobError::transient(format!("{path}: {e}")))
}

/// The registry as the desk's [`JobRunner`].
#[derive(Debug)]
pub struct Runner<S: Store> {
    state: AppState<S>,
}

impl<S: Store> Runner<S> {
    /// Runs jobs with the server state's registry.
    pub fn new(state: AppState<S>) -> Runner<S> {
        Runner { state }
    }
}

impl<S: Store> JobRunner for Runner<S> {
    fn run(&self, job: &Job) -> impl Future<Output = Result<(), JobError>> + Send {
        let state = self.state.clone();
        let job = job.clone();
        async move { state.jobs().run(state.clone(), job).await }
    }
}

/// How often a running job's lease is renewed: a third of the lease (at least 50 ms), so that
/// two renewals may fail before it runs out.
pub fn heartbeat_interval(lease: Duration) -> StdDuration {
    let third = lease.to_std().unwrap_or(StdDuration::from_secs(1)) / 3;
    third.max(StdDuration::from_millis(50))
}

async fn stopped(stop: &mut tokio::sync::watch::Receiver<bool>) {
    while !*stop.borrow() {
        if stop.changed().await.is_err() {
            // The sender is gone: nobody can ask us to stop any more; wait forever.
            std::future::pending::<()>().await;
        }
    }
}

/// The worker loop of `otrs serve`, until `stop` turns true: claims due jobs one at a time,
/// runs each through the registry, and records done, retry or failure. On stop, the running
/// job gets [`JobsConfig::shutdown_grace`] to finish and is otherwise released.
pub async fn run_worker<S: Store>(
    state: AppState<S>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let config = state.config().jobs.clone();
    let worker = config.worker_id();
    tracing::info!(%worker, kinds = ?state.jobs().kinds(), "job worker started");
    let mut last_purge: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let mut ran = 0;
        while ran < config.batch {
            let job = match state.desk().claim_job(&worker, config.lease).await {
                Ok(Some(job)) => job,
                Ok(None) => break,
                Err(e) => {
                    tracing::error!(error = %crate::error::cause_chain(&e), "claiming a job failed");
                    break;
                }
            };
            ran += 1;
            tracing::debug!(job = %job.id, kind = %job.kind, attempt = job.attempts, "job started");
            let half_delay = if config.test_kinds {
                config.test_job_delay / 2
            } else {
                StdDuration::ZERO
            };
            let run = async {
                tokio::time::sleep(half_delay).await;
                let result = state.jobs().run(state.clone(), job.clone()).await;
                tokio::time::sleep(half_delay).await;
                result
            };
            tokio::pin!(run);
            // The heartbeat: while the job runs, its lease is renewed three times per lease, so
            // a job may run longer than the lease; a dead worker stops renewing.
            let beat = heartbeat_interval(config.lease);
            let mut next_beat = tokio::time::Instant::now() + beat;
            let result = loop {
                tokio::select! {
                    result = &mut run => break Some(result),
                    () = stopped(&mut stop) => {
                        break tokio::time::timeout(config.shutdown_grace, &mut run).await.ok();
                    }
                    () = tokio::time::sleep_until(next_beat) => {
                        next_beat += beat;
                        match state.desk().renew_job_lease(&worker, &job, config.lease).await {
                            Ok(true) => tracing::debug!(job = %job.id, "job lease renewed"),
                            Ok(false) => tracing::warn!(
                                job = %job.id,
                                "the job's lease was lost while it ran; its outcome will be ignored"
                            ),
                            Err(e) => tracing::error!(
                                job = %job.id,
                                error = %crate::error::cause_chain(&e),
                                "renewing a job's lease failed"
                            ),
                        }
                    }
                }
            };
            let recorded = match &result {
                Some(Ok(())) => state.desk().complete_job(&worker, &job).await,
                Some(Err(error)) => {
                    state
                        .desk()
                        .record_failure(&worker, &job, error, &config.retry)
                        .await
                }
                None => state.desk().release_job(&worker, &job).await,
            };
            match (recorded, result) {
                (Ok(JobOutcome::Done), _) => {
                    tracing::info!(job = %job.id, kind = %job.kind, "job done")
                }
                (Ok(outcome), Some(Err(error))) => {
                    tracing::warn!(job = %job.id, kind = %job.kind, %error, ?outcome, "job failed")
                }
                (Ok(outcome), _) => tracing::info!(job = %job.id, ?outcome, "job given back"),
                (Err(e), _) => tracing::error!(
                    job = %job.id,
                    error = %crate::error::cause_chain(&e),
                    "recording a job's outcome failed; its lease will run out"
                ),
            }
            if *stop.borrow() {
                return;
            }
        }
        if last_purge.is_none_or(|at| at.elapsed() > StdDuration::from_secs(24 * 3600)) {
            last_purge = Some(Instant::now());
            match state
                .desk()
                .purge_jobs(Principal::SYSTEM, config.keep_finished)
                .await
            {
                Ok(0) => {}
                Ok(n) => tracing::info!(purged = n, "finished jobs purged"),
                Err(e) => {
                    tracing::error!(error = %crate::error::cause_chain(&e), "job purge failed")
                }
            }
        }
        if ran >= config.batch {
            continue;
        }
        tokio::select! {
            () = stopped(&mut stop) => break,
            () = state.jobs_wake().notified() => {}
            () = tokio::time::sleep(config.poll_interval) => {}
        }
    }
    tracing::info!(%worker, "job worker stopped");
}
