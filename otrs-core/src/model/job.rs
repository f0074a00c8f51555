//! Background jobs of the scheduler and the agents' web-view notifications.
//!
//! A job is a unit of deferred work: a kind (which handler runs it), a JSON payload, the time it
//! is due, and its delivery bookkeeping. Workers claim due jobs with a lease; a job whose lease
//! ran out (the worker died) is claimed again, so every job runs at least once and handlers make
//! their effects idempotent.

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, JobId, NotificationId};

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum JobState {
    /// Waiting for its time (or for a retry).
    Pending,
    /// Claimed by a worker whose lease has not run out.
    Running,
    /// Ran successfully.
    Done,
    /// Gave up: a permanent error, or every attempt failed.
    Failed,
    /// Cancelled before it finished.
    Cancelled,
}

impl JobState {
    /// Every state, in life order.
    pub const ALL: [JobState; 5] = [
        JobState::Pending,
        JobState::Running,
        JobState::Done,
        JobState::Failed,
        JobState::Cancelled,
    ];

    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            JobState::Pending => "pending",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
            JobState::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<JobState> {
        JobState::ALL.into_iter().find(|s| s.name() == name)
    }

    /// True once the job will never run again.
    pub const fn is_final(self) -> bool {
        matches!(
            self,
            JobState::Done | JobState::Failed | JobState::Cancelled
        )
    }
}

/// A stored job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Identity (assigned by the store).
    pub id: JobId,
    /// The handler that runs it, e.g. `mail.send`.
    pub kind: String,
    /// The handler's input, as JSON text.
    pub payload: String,
    /// Scheduling the same key again replaces the pending job instead of adding one.
    pub unique_key: Option<String>,
    /// Where it is in its life.
    pub state: JobState,
    /// When it is due (for a pending job: its first run or its next retry).
    pub run_at: DateTime<Utc>,
    /// Runs started so far (a claim counts as one).
    pub attempts: u32,
    /// Runs allowed before it is marked failed.
    pub max_attempts: u32,
    /// The last run's error.
    pub last_error: Option<String>,
    /// The worker holding the lease (while running).
    pub lease_owner: Option<String>,
    /// Until when the lease holds; afterwards another worker may claim the job again.
    pub lease_until: Option<DateTime<Utc>>,
    /// When it was scheduled (or last replaced).
    pub created_at: DateTime<Utc>,
    /// When it reached a final state.
    pub finished_at: Option<DateTime<Utc>>,
}

/// A job to schedule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// The handler that runs it (lower-case letters, digits, `.`, `_`, `-`).
    pub kind: String,
    /// The handler's input, as JSON text.
    pub payload: String,
    /// When it is due; a time in the past means "now".
    pub run_at: DateTime<Utc>,
    /// Runs allowed before it is marked failed (1–100).
    pub max_attempts: u32,
    /// Scheduling the same key again replaces the pending job with that key.
    pub unique_key: Option<String>,
}

impl NewJob {
    /// A job of `kind` with `payload`, due at `run_at`, tried up to five times, with no key.
    pub fn new(kind: impl Into<String>, payload: impl Into<String>, run_at: DateTime<Utc>) -> Self {
        NewJob {
            kind: kind.into(),
            payload: payload.into(),
            run_at,
            max_attempts: 5,
            unique_key: None,
        }
    }

    /// The same job with a unique key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.unique_key = Some(key.into());
        self
    }
}

/// Which jobs to list.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct JobFilter {
    /// Only jobs in one of these states (`None`: any).
    pub states: Option<Vec<JobState>>,
    /// Only jobs of this kind.
    pub kind: Option<String>,
    /// Only the job(s) with this unique key.
    pub unique_key: Option<String>,
}

/// A web-view notification of one agent (the header bell).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentNotification {
    /// Identity (assigned by the store).
    pub id: NotificationId,
    /// The agent it is for.
    pub agent_id: AgentId,
    /// One line.
    pub title: String,
    /// Details (plain text).
    pub body: String,
    /// Where clicking it leads (a path in the agent interface, or an http(s) URL).
    pub link: Option<String>,
    /// Notifications with the same key for the same agent are stored once (a retried job does
    /// not notify twice).
    pub dedup_key: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When the agent marked it seen.
    pub seen_at: Option<DateTime<Utc>>,
}

/// A notification to add.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewAgentNotification {
    /// One line (1–200 characters).
    pub title: String,
    /// Details (up to 4,000 characters).
    pub body: String,
    /// A path in the agent interface (`/agent/…`) or an http(s) URL.
    pub link: Option<String>,
    /// Stored once per agent and key.
    pub dedup_key: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_names_round_trip() {
        for state in JobState::ALL {
            assert_eq!(JobState::from_name(state.name()), Some(state));
        }
        assert_eq!(JobState::from_name("PENDING"), None);
        assert!(JobState::Done.is_final() && !JobState::Running.is_final());
    }
}
