//! The storage port: the contract between the desk and every store.
//!
//! A [`Store`] opens transactions; a [`StoreTx`] reads and writes every object of the core and
//! either commits or rolls back as one. The in-memory [`MemoryStore`] lives here; SQLite and
//! PostgreSQL live in `otrs-store`. All of them pass the same behavioural suite.
//!
//! Rules of the contract:
//! - Every mutable object carries a `version`. `update_*` methods take the object as loaded (with
//!   the version it had) and fail with [`StoreError::Conflict`] when the stored version differs;
//!   on success the stored version is the old one plus one and the method returns the stored object.
//! - `insert_*` methods ignore the id and version fields of their argument and return the stored
//!   object with its new id and version 1.
//! - Uniqueness (ticket numbers, names, logins, CustomerIDs) is enforced by the store and reported
//!   as [`StoreError::Duplicate`].
//! - A transaction that is dropped without [`StoreTx::commit`] is rolled back.
//! - A commit can fail with [`StoreError::Conflict`] when a concurrent transaction won; the caller
//!   may run the whole command again.
//! - A store may serialise writers by blocking in [`Store::begin`] until the running write
//!   transaction ends (the in-memory store does, and so does SQLite with `BEGIN IMMEDIATE`).
//!   Callers therefore never hold one transaction while starting another on the same task.
//! - The store keeps the queue × state counts current on every ticket insert and update, and
//!   appends change-feed entries only when asked to by [`StoreTx::append_change`].
//! - A write that fails (a version conflict, a duplicate, a missing reference, a value over a
//!   limit) changes nothing and leaves the transaction usable; the caller decides whether to go
//!   on or roll back.
//! - Ids are assigned by the store and may have gaps (PostgreSQL sequences skip numbers of
//!   rolled-back transactions).
//! - Stored times keep microseconds; anything finer is cut.
//! - Text filters ignore the case of ASCII letters only.
//! - Futures need no async runtime: the in-memory store's futures are always ready.

mod memory;
mod query;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};

use crate::ids::{
    AgentId, ApiTokenId, AppointmentId, ArticleId, AttachmentId, CalendarId, CustomerId,
    CustomerUserId, DraftId, GroupId, JobId, KbArticleId, KbAttachmentId, KbCategoryId, LinkId,
    MessageId, NotificationId, QueueId, StatId, TicketId,
};
use crate::model::{
    Agent, AgentNotification, ApiToken, Appointment, AppointmentHistoryEntry, Article,
    AttachmentContent, Calendar, Change, Customer, CustomerUser, Draft, Group, HistoryEntry, Job,
    JobFilter, KbArticle, KbAttachment, KbCategory, KbHistoryEntry, KbState, KbVote, Link,
    NewArticle, NewAttachment, NewHistoryEntry, ObjectRef, OneTimeToken, OutgoingMessage, Queue,
    SessionRecord, State, Ticket, TimeAccountingEntry, Watcher,
};
use crate::stats::StatDefinition;
use crate::stats::query::{
    StatCount, StatFilter, StatGroup, StatListQuery, StatRow, StateChangeCount,
};

pub use memory::MemoryStore;
pub use query::{
    Cursor, CustomerFilter, CustomerUserFilter, Page, PageRequest, QueueStateCount, SortValue,
    TicketAccess, TicketFilter, TicketPage, TicketQuery, TicketSort, TicketSortKey,
};

/// Which knowledge-base articles [`StoreTx::kb_articles`] returns. Text search, sorting and
/// paging are the desk's (see `Desk::search_kb`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KbArticleFilter {
    /// Only these categories; `None` for all.
    pub category_ids: Option<std::collections::BTreeSet<KbCategoryId>>,
    /// Only these states; `None` for all.
    pub states: Option<std::collections::BTreeSet<KbState>>,
    /// Only valid articles.
    pub valid_only: bool,
    /// Only approved articles.
    pub approved_only: bool,
}

/// What went wrong in a store. No variant carries backend types.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist.
    #[error("{what} {key} not found")]
    NotFound {
        /// Kind of object.
        what: &'static str,
        /// The key that was looked up.
        key: String,
    },
    /// A version check failed or a concurrent transaction won. Running the command again is safe.
    #[error("conflicting change to {what}: someone else changed it first")]
    Conflict {
        /// What was contended.
        what: String,
    },
    /// A uniqueness rule was broken.
    #[error("{what} {value:?} already exists")]
    Duplicate {
        /// The unique field, e.g. "queue name".
        what: &'static str,
        /// The offending value.
        value: String,
    },
    /// A value does not fit the schema (too long, out of range).
    #[error("invalid {field}: {message}")]
    Invalid {
        /// Field name.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The backend failed (I/O, lost connection, …). Not the caller's fault.
    #[error("storage backend failed: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl StoreError {
    /// Shorthand for [`StoreError::NotFound`].
    pub fn not_found(what: &'static str, key: impl ToString) -> StoreError {
        StoreError::NotFound {
            what,
            key: key.to_string(),
        }
    }

    /// Shorthand for [`StoreError::Conflict`].
    pub fn conflict(what: impl Into<String>) -> StoreError {
        StoreError::Conflict { what: what.into() }
    }

    /// True if running the command again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, StoreError::Conflict { .. })
    }
}

/// Shorthand for results of store calls.
pub type StoreResult<T> = Result<T, StoreError>;

/// A store: opens transactions.
pub trait Store: Send + Sync + 'static {
    /// The transaction type.
    type Tx: StoreTx;

    /// Starts a read-write transaction. Stores that serialise writers take the write lock here.
    fn begin(&self) -> impl Future<Output = StoreResult<Self::Tx>> + Send;

    /// Starts a read-only transaction (a consistent snapshot; writes through it are refused or
    /// rolled back).
    fn begin_read(&self) -> impl Future<Output = StoreResult<Self::Tx>> + Send;
}

/// One transaction. Every method reads or writes inside it.
pub trait StoreTx: Send {
    /// Makes every write of the transaction durable and visible, or fails without applying any.
    fn commit(self) -> impl Future<Output = StoreResult<()>> + Send;
    /// Discards every write of the transaction.
    fn rollback(self) -> impl Future<Output = StoreResult<()>> + Send;

    // --- states -------------------------------------------------------------------------------

    /// Every state (valid or not).
    fn states(&mut self) -> impl Future<Output = StoreResult<Vec<State>>> + Send;
    /// Inserts a state (initial data and admin). Unlike other inserts, a non-zero id is kept, so
    /// that the default states have their OTRS ids.
    fn insert_state(&mut self, state: &State) -> impl Future<Output = StoreResult<State>> + Send;

    // --- groups, queues, agents --------------------------------------------------------------

    /// Inserts a group; a non-zero id is kept (initial data uses the OTRS ids 1–3).
    fn insert_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send;
    /// Updates a group (version-checked).
    fn update_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send;
    /// A group by id.
    fn group(&mut self, id: GroupId) -> impl Future<Output = StoreResult<Option<Group>>> + Send;
    /// Every group, by id.
    fn groups(&mut self) -> impl Future<Output = StoreResult<Vec<Group>>> + Send;

    /// Inserts a queue.
    fn insert_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send;
    /// Updates a queue (version-checked).
    fn update_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send;
    /// A queue by id.
    fn queue(&mut self, id: QueueId) -> impl Future<Output = StoreResult<Option<Queue>>> + Send;
    /// Every queue, by id.
    fn queues(&mut self) -> impl Future<Output = StoreResult<Vec<Queue>>> + Send;

    /// Inserts an agent with its group permissions and preferences; a non-zero id is kept (the
    /// system user is agent 1).
    fn insert_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send;
    /// Updates an agent, its group permissions and preferences (version-checked).
    fn update_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send;
    /// An agent by id.
    fn agent(&mut self, id: AgentId) -> impl Future<Output = StoreResult<Option<Agent>>> + Send;
    /// An agent by login (exact).
    fn agent_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<Agent>>> + Send;
    /// Every agent, by id.
    fn agents(&mut self) -> impl Future<Output = StoreResult<Vec<Agent>>> + Send;

    // --- customers ---------------------------------------------------------------------------

    /// Inserts a customer company.
    fn insert_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send;
    /// Updates a customer company (version-checked).
    fn update_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send;
    /// A customer company by id.
    fn customer(
        &mut self,
        id: CustomerId,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send;
    /// A customer company by CustomerID (case-insensitive).
    fn customer_by_customer_id(
        &mut self,
        customer_id: &str,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send;
    /// Customer companies matching a filter, by CustomerID.
    fn list_customers(
        &mut self,
        filter: &CustomerFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Customer>>> + Send;

    /// Inserts a customer user.
    fn insert_customer_user(
        &mut self,
        user: &CustomerUser,
    ) -> impl Future<Output = StoreResult<CustomerUser>> + Send;
    /// Updates a customer user (version-checked).
    fn update_customer_user(
        &mut self,
        user: &CustomerUser,
    ) -> impl Future<Output = StoreResult<CustomerUser>> + Send;
    /// A customer user by id.
    fn customer_user(
        &mut self,
        id: CustomerUserId,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send;
    /// A customer user by login (exact).
    fn customer_user_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send;
    /// Customer users matching a filter, by login.
    fn list_customer_users(
        &mut self,
        filter: &CustomerUserFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<CustomerUser>>> + Send;

    // --- tickets -----------------------------------------------------------------------------

    /// Atomically increments and returns the ticket counter of a day (first call of a day → 1).
    fn next_ticket_counter(
        &mut self,
        day: NaiveDate,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Inserts a ticket (number must be unique) and counts it in the queue × state counts.
    fn insert_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send;
    /// Updates a ticket (version-checked) and moves it in the queue × state counts.
    fn update_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send;
    /// A ticket by id.
    fn ticket(&mut self, id: TicketId) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send;
    /// A ticket by number.
    fn ticket_by_number(
        &mut self,
        number: &str,
    ) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send;
    /// A page of tickets with the total count of matches.
    fn list_tickets(
        &mut self,
        query: &TicketQuery,
    ) -> impl Future<Output = StoreResult<TicketPage>> + Send;
    /// The number of tickets per queue and state (only non-zero counts).
    fn queue_state_counts(
        &mut self,
    ) -> impl Future<Output = StoreResult<Vec<QueueStateCount>>> + Send;

    // --- articles ----------------------------------------------------------------------------

    /// Inserts an article with its attachments.
    fn insert_article(
        &mut self,
        article: &NewArticle,
    ) -> impl Future<Output = StoreResult<Article>> + Send;
    /// Updates an article's flags (important) (version-checked).
    fn update_article(
        &mut self,
        article: &Article,
    ) -> impl Future<Output = StoreResult<Article>> + Send;
    /// An article by id.
    fn article(
        &mut self,
        id: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<Article>>> + Send;
    /// The articles of a ticket, oldest first (ties by id).
    fn articles(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Article>>> + Send;
    /// An attachment with its bytes.
    fn attachment(
        &mut self,
        id: AttachmentId,
    ) -> impl Future<Output = StoreResult<Option<AttachmentContent>>> + Send;
    /// Keeps the e-mail source an article was created from (bytes as given; at most one per
    /// article: [`StoreError::Duplicate`] for a second, [`StoreError::NotFound`] for an unknown
    /// article).
    fn insert_article_source(
        &mut self,
        article: ArticleId,
        source: &[u8],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The e-mail source an article was created from, if one was kept.
    fn article_source(
        &mut self,
        article: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<Arc<[u8]>>>> + Send;
    /// Moves every article of `from` to `to`, with the history rows tied to those articles and the
    /// time-accounting rows of `from`. Returns the number of articles moved.
    fn move_ticket_content(
        &mut self,
        from: TicketId,
        to: TicketId,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    // --- time accounting ---------------------------------------------------------------------

    /// Books time.
    fn insert_time_accounting(
        &mut self,
        entry: &TimeAccountingEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The time rows of a ticket, oldest first.
    fn time_accounting(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<TimeAccountingEntry>>> + Send;

    // --- seen flags --------------------------------------------------------------------------

    /// Marks articles as seen by an agent (idempotent).
    fn mark_seen(
        &mut self,
        agent: AgentId,
        articles: &[ArticleId],
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The articles of a ticket that the agent has seen.
    fn seen_articles(
        &mut self,
        agent: AgentId,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<ArticleId>>> + Send;
    /// Which of the given tickets have an article the agent has not seen.
    fn unread_tickets(
        &mut self,
        agent: AgentId,
        tickets: &[TicketId],
    ) -> impl Future<Output = StoreResult<Vec<TicketId>>> + Send;

    // --- history -----------------------------------------------------------------------------

    /// Appends history rows.
    fn append_history(
        &mut self,
        entries: &[NewHistoryEntry],
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The history of a ticket, ordered by time, then id.
    fn history(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<HistoryEntry>>> + Send;

    // --- links and watchers ------------------------------------------------------------------

    /// Inserts a link.
    fn insert_link(&mut self, link: &Link) -> impl Future<Output = StoreResult<Link>> + Send;
    /// A link by id.
    fn link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<Option<Link>>> + Send;
    /// Deletes a link.
    fn delete_link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<()>> + Send;
    /// The links with `object` at either end, by id.
    fn links_of(
        &mut self,
        object: ObjectRef,
    ) -> impl Future<Output = StoreResult<Vec<Link>>> + Send;

    /// Adds or replaces a watcher.
    fn upsert_watcher(&mut self, watcher: &Watcher)
    -> impl Future<Output = StoreResult<()>> + Send;
    /// Removes a watcher (no error if absent).
    fn delete_watcher(
        &mut self,
        ticket: TicketId,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The watchers of a ticket, by agent id.
    fn watchers(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Watcher>>> + Send;

    // --- drafts ------------------------------------------------------------------------------

    /// Inserts a draft (name unique per ticket and form).
    fn insert_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send;
    /// Updates a draft (version-checked).
    fn update_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send;
    /// Deletes a draft.
    fn delete_draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<()>> + Send;
    /// A draft by id.
    fn draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<Option<Draft>>> + Send;
    /// The drafts of a ticket, by id.
    fn drafts(&mut self, ticket: TicketId) -> impl Future<Output = StoreResult<Vec<Draft>>> + Send;

    // --- change feed and outbox --------------------------------------------------------------

    /// Appends a change-feed entry and returns its sequence number.
    fn append_change(&mut self, change: &Change) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Up to `limit` feed entries after `after`, in order.
    fn changes_since(
        &mut self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Change>>> + Send;

    /// Queues an outgoing message.
    fn enqueue_message(
        &mut self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = StoreResult<OutgoingMessage>> + Send;
    /// Up to `limit` pending messages, oldest first.
    fn pending_messages(
        &mut self,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<OutgoingMessage>>> + Send;
    /// Records a delivery attempt's outcome (status, attempts, last error, and the source handed
    /// to the relay).
    fn update_message(
        &mut self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A message by id.
    fn message(
        &mut self,
        id: MessageId,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send;
    /// The message that sends an article (the first queued, if there were several).
    fn message_of_article(
        &mut self,
        article: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send;

    // --- sessions and tokens -----------------------------------------------------------------

    /// Stores a new session.
    fn insert_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A session by the digest of its secret.
    fn session(
        &mut self,
        key_digest: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionRecord>>> + Send;
    /// Replaces a session (last seen, second factor done).
    fn update_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Ends a session.
    fn delete_session(&mut self, key_digest: &str) -> impl Future<Output = StoreResult<()>> + Send;
    /// Ends sessions idle since before `idle_before` or created before `created_before`; returns
    /// how many were ended.
    fn purge_sessions(
        &mut self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Stores a new API token.
    fn insert_api_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = StoreResult<ApiToken>> + Send;
    /// An API token by the digest of its secret.
    fn api_token_by_digest(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send;
    /// The tokens of an agent.
    fn api_tokens_of(
        &mut self,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<Vec<ApiToken>>> + Send;
    /// Replaces a token (last use, revocation).
    fn update_api_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A token by id.
    fn api_token(
        &mut self,
        id: ApiTokenId,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send;

    /// Stores a one-time token.
    fn insert_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A one-time token by digest.
    fn one_time_token(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<OneTimeToken>>> + Send;
    /// Replaces a one-time token (marks it used).
    fn update_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // --- jobs, agent notifications, outbox by Message-ID (scheduler) -------------------------

    /// Schedules a job. When the job has a unique key that a *pending* job already has, that job
    /// is replaced in place (kind, payload, due time, attempts allowed, creation time; attempts
    /// and last error reset) and returned with its id; otherwise a new pending job is inserted.
    /// A running job with the same key is left alone.
    fn upsert_job(&mut self, job: &Job) -> impl Future<Output = StoreResult<Job>> + Send;
    /// A job by id.
    fn job(&mut self, id: JobId) -> impl Future<Output = StoreResult<Option<Job>>> + Send;
    /// Jobs matching a filter, by due time, then id.
    fn list_jobs(
        &mut self,
        filter: &JobFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Job>>> + Send;
    /// Claims up to `limit` jobs that are due at `now`: pending ones with `run_at <= now` and
    /// running ones whose lease ended before `now` (their worker died). Each becomes running,
    /// leased to `owner` until `lease_until`, with one more attempt; earliest due first.
    /// While a lease holds, no other transaction claims the job, and concurrent claimers never
    /// receive the same job (PostgreSQL skips rows another claimer has locked).
    fn claim_jobs(
        &mut self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Job>>> + Send;
    /// Marks a running job leased to `owner` done. `None` when `owner` no longer holds it
    /// (it was cancelled, or the lease ran out and another worker claimed it).
    fn finish_job(
        &mut self,
        id: JobId,
        owner: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send;
    /// Records a failed run of a job leased to `owner`: with `retry_at` it is pending again,
    /// due then; without, it failed for good. A retry of a keyed job whose key another pending
    /// job has meanwhile taken is cancelled instead (the newer job supersedes it). `None` when
    /// `owner` no longer holds the job.
    fn fail_job(
        &mut self,
        id: JobId,
        owner: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send;
    /// Cancels a pending or running job. `None` when it is already done, failed or cancelled;
    /// [`StoreError::NotFound`] when there is no such job.
    fn cancel_job(
        &mut self,
        id: JobId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send;
    /// Cancels every pending or running job with the unique key; returns how many.
    fn cancel_jobs_by_key(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Deletes done, failed and cancelled jobs that finished before `finished_before`; returns
    /// how many.
    fn purge_jobs(
        &mut self,
        finished_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// Stores a notification for its agent ([`StoreError::NotFound`] for an unknown agent).
    /// When the agent already has one with the same dedup key, that one is returned instead.
    fn insert_agent_notification(
        &mut self,
        notification: &AgentNotification,
    ) -> impl Future<Output = StoreResult<AgentNotification>> + Send;
    /// The agent's latest `limit` notifications, newest first (ties by id, highest first).
    fn agent_notifications(
        &mut self,
        agent: AgentId,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AgentNotification>>> + Send;
    /// How many of the agent's notifications are unseen.
    fn unseen_notification_count(
        &mut self,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
    /// Marks the agent's notifications seen: those with the given ids (ids of other agents'
    /// notifications are ignored), or all with `None`. Returns how many changed.
    fn mark_notifications_seen(
        &mut self,
        agent: AgentId,
        ids: Option<&[NotificationId]>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;

    /// A queued message by its Message-ID header.
    fn message_by_message_id(
        &mut self,
        message_id: &str,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send;
    // --- knowledge base ----------------------------------------------------------------------

    /// Inserts a category (name unique among its siblings: [`StoreError::Duplicate`]; the parent
    /// must exist: [`StoreError::NotFound`]).
    fn insert_kb_category(
        &mut self,
        category: &KbCategory,
    ) -> impl Future<Output = StoreResult<KbCategory>> + Send;
    /// Updates a category (version-checked; name unique among its siblings).
    fn update_kb_category(
        &mut self,
        category: &KbCategory,
    ) -> impl Future<Output = StoreResult<KbCategory>> + Send;
    /// Deletes a category that holds no articles and no subcategories ([`StoreError::Invalid`]
    /// otherwise, [`StoreError::NotFound`] when unknown).
    fn delete_kb_category(
        &mut self,
        id: KbCategoryId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Every category, by id.
    fn kb_categories(&mut self) -> impl Future<Output = StoreResult<Vec<KbCategory>>> + Send;

    /// Inserts an article with its files (the category must exist). The `attachments` field of
    /// the argument is ignored; the stored article lists the new files, by id.
    fn insert_kb_article(
        &mut self,
        article: &KbArticle,
        files: &[NewAttachment],
    ) -> impl Future<Output = StoreResult<KbArticle>> + Send;
    /// Updates an article's fields (version-checked); its files are left as they are.
    fn update_kb_article(
        &mut self,
        article: &KbArticle,
    ) -> impl Future<Output = StoreResult<KbArticle>> + Send;
    /// Deletes an article with its files, votes and history ([`StoreError::NotFound`] when
    /// unknown). Links are the caller's to remove.
    fn delete_kb_article(
        &mut self,
        id: KbArticleId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// An article by id, with its files.
    fn kb_article(
        &mut self,
        id: KbArticleId,
    ) -> impl Future<Output = StoreResult<Option<KbArticle>>> + Send;
    /// The articles passing a filter, with their files, by id.
    fn kb_articles(
        &mut self,
        filter: &KbArticleFilter,
    ) -> impl Future<Output = StoreResult<Vec<KbArticle>>> + Send;

    /// Attaches a file to an article ([`StoreError::NotFound`] for an unknown article).
    fn insert_kb_attachment(
        &mut self,
        article: KbArticleId,
        file: &NewAttachment,
    ) -> impl Future<Output = StoreResult<KbAttachment>> + Send;
    /// Removes a file of an article ([`StoreError::NotFound`] when the article has no such file).
    fn delete_kb_attachment(
        &mut self,
        article: KbArticleId,
        attachment: KbAttachmentId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A file of an article with its bytes.
    fn kb_attachment(
        &mut self,
        article: KbArticleId,
        attachment: KbAttachmentId,
    ) -> impl Future<Output = StoreResult<Option<(KbAttachment, Arc<[u8]>)>>> + Send;

    /// Records a vote, replacing the voter's earlier vote on the article ([`StoreError::NotFound`]
    /// for an unknown article).
    fn upsert_kb_vote(&mut self, vote: &KbVote) -> impl Future<Output = StoreResult<()>> + Send;
    /// The votes of an article, by time of voting, then voter.
    fn kb_votes(
        &mut self,
        article: KbArticleId,
    ) -> impl Future<Output = StoreResult<Vec<KbVote>>> + Send;

    /// Appends a row to an article's history ([`StoreError::NotFound`] for an unknown article).
    fn append_kb_history(
        &mut self,
        entry: &KbHistoryEntry,
    ) -> impl Future<Output = StoreResult<KbHistoryEntry>> + Send;
    /// The history of an article, oldest first (ties by id).
    fn kb_history(
        &mut self,
        article: KbArticleId,
    ) -> impl Future<Output = StoreResult<Vec<KbHistoryEntry>>> + Send;

    // --- calendar ----------------------------------------------------------------------------

    /// Inserts a calendar (name and feed token unique).
    fn insert_calendar(
        &mut self,
        calendar: &Calendar,
    ) -> impl Future<Output = StoreResult<Calendar>> + Send;
    /// Updates a calendar (version-checked).
    fn update_calendar(
        &mut self,
        calendar: &Calendar,
    ) -> impl Future<Output = StoreResult<Calendar>> + Send;
    /// Deletes a calendar; refused while it holds appointments.
    fn delete_calendar(&mut self, id: CalendarId) -> impl Future<Output = StoreResult<()>> + Send;
    /// A calendar by id.
    fn calendar(
        &mut self,
        id: CalendarId,
    ) -> impl Future<Output = StoreResult<Option<Calendar>>> + Send;
    /// A calendar by its feed token (exact).
    fn calendar_by_feed_token(
        &mut self,
        token: &str,
    ) -> impl Future<Output = StoreResult<Option<Calendar>>> + Send;
    /// Every calendar, by id.
    fn calendars(&mut self) -> impl Future<Output = StoreResult<Vec<Calendar>>> + Send;

    /// Inserts an appointment (the calendar, and the parent of a detached occurrence, must exist).
    fn insert_appointment(
        &mut self,
        appointment: &Appointment,
    ) -> impl Future<Output = StoreResult<Appointment>> + Send;
    /// Updates an appointment (version-checked).
    fn update_appointment(
        &mut self,
        appointment: &Appointment,
    ) -> impl Future<Output = StoreResult<Appointment>> + Send;
    /// Deletes an appointment (its detached occurrences must be deleted first).
    fn delete_appointment(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// An appointment by id.
    fn appointment(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<Option<Appointment>>> + Send;
    /// The appointments of the given calendars that may have an occurrence overlapping
    /// `[from, to)`: `first_start_utc < to` and (`last_end_utc` unset or `> from`), by id.
    /// Detached occurrences are included like any other row.
    fn appointments_between(
        &mut self,
        calendars: &[CalendarId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<Appointment>>> + Send;
    /// The detached occurrences of a series, by id.
    fn detached_occurrences(
        &mut self,
        parent: AppointmentId,
    ) -> impl Future<Output = StoreResult<Vec<Appointment>>> + Send;
    /// Appends a row to an appointment's history.
    fn append_appointment_history(
        &mut self,
        entry: &AppointmentHistoryEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// The history of an appointment, oldest first (ties by id).
    fn appointment_history(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<Vec<AppointmentHistoryEntry>>> + Send;
    // --- statistics --------------------------------------------------------------------------

    /// The number of tickets passing `filter` per pair of keys on `x` and `y` (only non-zero
    /// counts; tickets outside every bucket of a time axis are not counted). See
    /// [`crate::stats::query`] for the close time.
    fn stat_counts(
        &mut self,
        filter: &StatFilter,
        x: &StatGroup,
        y: &StatGroup,
    ) -> impl Future<Output = StoreResult<Vec<StatCount>>> + Send;
    /// Up to `limit` tickets passing the filter, in the query's order, with their close times.
    fn stat_rows(
        &mut self,
        query: &StatListQuery,
    ) -> impl Future<Output = StoreResult<Vec<StatRow>>> + Send;
    /// History rows of type `NewTicket` or `StateUpdate` per bucket (`bounds[i]..bounds[i + 1]`)
    /// and the state entered (only non-zero counts).
    fn stat_state_changes(
        &mut self,
        bounds: &[DateTime<Utc>],
    ) -> impl Future<Output = StoreResult<Vec<StateChangeCount>>> + Send;
    /// Inserts a statistic definition (its number must be unique).
    fn insert_stat(
        &mut self,
        stat: &StatDefinition,
    ) -> impl Future<Output = StoreResult<StatDefinition>> + Send;
    /// Updates a statistic definition (version-checked; the number must stay unique).
    fn update_stat(
        &mut self,
        stat: &StatDefinition,
    ) -> impl Future<Output = StoreResult<StatDefinition>> + Send;
    /// Deletes a statistic definition.
    fn delete_stat(&mut self, id: StatId) -> impl Future<Output = StoreResult<()>> + Send;
    /// A statistic definition by id.
    fn stat(
        &mut self,
        id: StatId,
    ) -> impl Future<Output = StoreResult<Option<StatDefinition>>> + Send;
    /// Every statistic definition, by number.
    fn stats(&mut self) -> impl Future<Output = StoreResult<Vec<StatDefinition>>> + Send;
    // --- statsui
    /// The number of tickets passing `filter` per combination of keys on `groups` (one key per
    /// grouping, in order; only non-zero counts; tickets outside every bucket of a time grouping
    /// are not counted). A matrix with several Y elements asks for X and every Y element at once.
    fn stat_counts_by(
        &mut self,
        filter: &StatFilter,
        groups: &[StatGroup],
    ) -> impl Future<Output = StoreResult<Vec<crate::stats::query::StatTupleCount>>> + Send;

    // --- escalations -------------------------------------------------------------------------

    /// A ticket's stored escalation deadlines (`None` when it has none).
    fn escalation(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Option<crate::rules::escalation::Escalation>>> + Send;
    /// Stores a ticket's deadlines; an escalation without any deadline removes the row.
    fn put_escalation(
        &mut self,
        ticket: TicketId,
        escalation: &crate::rules::escalation::Escalation,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Tickets of these queues with deadlines, earliest deadline first (ties by ticket id),
    /// only those whose earliest deadline is before `until` when given, at most `limit`.
    fn escalations(
        &mut self,
        until: Option<DateTime<Utc>>,
        queues: &[QueueId],
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<(TicketId, crate::rules::escalation::Escalation)>>> + Send;
    // --- reports -----------------------------------------------------------------------------

    /// Inserts a report (its name must be unique).
    fn insert_report(
        &mut self,
        report: &crate::model::Report,
    ) -> impl Future<Output = StoreResult<crate::model::Report>> + Send;
    /// Updates a report (version-checked; the name must stay unique).
    fn update_report(
        &mut self,
        report: &crate::model::Report,
    ) -> impl Future<Output = StoreResult<crate::model::Report>> + Send;
    /// Deletes a report.
    fn delete_report(
        &mut self,
        id: crate::ids::ReportId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// A report by id.
    fn report(
        &mut self,
        id: crate::ids::ReportId,
    ) -> impl Future<Output = StoreResult<Option<crate::model::Report>>> + Send;
    /// Every report, by name (then id).
    fn reports(&mut self) -> impl Future<Output = StoreResult<Vec<crate::model::Report>>> + Send;
    // --- calui
    /// Extends the lease of a running job that `owner` still holds to `lease_until` (the
    /// worker's heartbeat while a long job runs). `None` when `owner` no longer holds it.
    fn renew_job_lease(
        &mut self,
        id: JobId,
        owner: &str,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send;

    // --- actions
    /// Every standard text of a kind, by name.
    fn standard_texts(
        &mut self,
        kind: crate::model::TextKind,
    ) -> impl Future<Output = StoreResult<Vec<crate::model::StandardText>>> + Send;
    /// Inserts a standard text (id and version assigned; the name is unique per kind, every
    /// queue must exist; the queues are stored ascending without repeats).
    fn insert_standard_text(
        &mut self,
        text: &crate::model::StandardText,
    ) -> impl Future<Output = StoreResult<crate::model::StandardText>> + Send;
    /// Updates a standard text (version-checked; the name stays unique per kind, every queue
    /// must exist; the queues are stored ascending without repeats).
    fn update_standard_text(
        &mut self,
        text: &crate::model::StandardText,
    ) -> impl Future<Output = StoreResult<crate::model::StandardText>> + Send;
    /// Deletes a standard text.
    fn delete_standard_text(
        &mut self,
        id: crate::ids::TextId,
    ) -> impl Future<Output = StoreResult<()>> + Send;

    // --- forms
    /// Inserts a file kept for a form (id assigned; the agent must exist).
    fn insert_form_upload(
        &mut self,
        upload: &crate::model::FormUpload,
    ) -> impl Future<Output = StoreResult<crate::model::FormUpload>> + Send;
    /// The files an agent keeps for a form, by id, with their content.
    fn form_uploads(
        &mut self,
        form_key: &str,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<Vec<crate::model::FormUpload>>> + Send;
    /// Deletes a kept file.
    fn delete_form_upload(
        &mut self,
        id: crate::ids::FormUploadId,
    ) -> impl Future<Output = StoreResult<()>> + Send;
    /// Deletes every kept file uploaded before `cutoff`; returns how many.
    fn delete_form_uploads_before(
        &mut self,
        cutoff: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send;
}
