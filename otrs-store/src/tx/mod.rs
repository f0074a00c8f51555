//! [`SqlTx`]: one transaction of a SQL store, and its implementation of the storage port.
//!
//! The port's methods are implemented once, for both backends, in the modules below; each is a
//! free function over `&mut SqlTx`, and the `StoreTx` impl here only forwards to them.
//!
//! Every write is guarded so that an expected failure (a taken name, a missing referenced object,
//! a stale version) changes nothing and leaves the transaction usable, as in the in-memory store:
//! inserts use `ON CONFLICT DO NOTHING` and `WHERE EXISTS (…)` conditions, updates add the version
//! and uniqueness to their `WHERE`; when no row comes back, a few reads find out which rule was
//! broken, in the same order as the in-memory store checks them.

mod articles;
mod auth;
mod calendar;
mod catalog;
mod customers;
mod escalations;
mod feed;
mod jobs;
mod kb;
mod list;
mod relations;
mod stats;
mod tickets;
// --- reports
mod reports;
// --- actions
mod texts;
// --- forms
mod uploads;

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use otrs_core::ids::StatId;
use otrs_core::ids::{
    AgentId, ApiTokenId, AppointmentId, ArticleId, AttachmentId, CalendarId, CustomerId,
    CustomerUserId, DraftId, GroupId, JobId, LinkId, MessageId, NotificationId, QueueId, TicketId,
};
use otrs_core::ids::{KbArticleId, KbAttachmentId, KbCategoryId};
use otrs_core::model::{
    Agent, AgentNotification, ApiToken, Appointment, AppointmentHistoryEntry, Article,
    AttachmentContent, Calendar, Change, Customer, CustomerUser, Draft, Group, HistoryEntry, Job,
    JobFilter, Link, NewArticle, NewHistoryEntry, ObjectRef, OneTimeToken, OutgoingMessage, Queue,
    SessionRecord, State, Ticket, TimeAccountingEntry, Watcher,
};
use otrs_core::model::{
    KbArticle, KbAttachment, KbCategory, KbHistoryEntry, KbVote, NewAttachment,
};
use otrs_core::stats::StatDefinition;
use otrs_core::stats::query::{
    StatCount, StatFilter, StatGroup, StatListQuery, StatRow, StateChangeCount,
};
use otrs_core::store::{
    CustomerFilter, CustomerUserFilter, KbArticleFilter, Page, PageRequest, QueueStateCount,
    StoreError, StoreResult, StoreTx, TicketPage, TicketQuery,
};

use crate::check::Limits;
use crate::sql::{Builder, Conn, Dialect, Row, Stmt};

/// A transaction of a [`crate::SqliteStore`], [`crate::PostgresStore`] or [`crate::AnyStore`].
///
/// Dropping it without [`StoreTx::commit`] rolls it back.
pub struct SqlTx {
    conn: Conn,
    read_only: bool,
    limits: Limits,
    notify_channel: Option<Arc<str>>,
    /// PostgreSQL: where daily ticket counters are incremented, outside this transaction.
    #[cfg(feature = "postgres")]
    counter_pool: Option<sqlx::PgPool>,
}

impl fmt::Debug for SqlTx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqlTx")
            .field("dialect", &self.conn.dialect())
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

impl SqlTx {
    pub(crate) fn new(
        conn: Conn,
        read_only: bool,
        limits: Limits,
        notify_channel: Option<Arc<str>>,
    ) -> SqlTx {
        SqlTx {
            conn,
            read_only,
            limits,
            notify_channel,
            #[cfg(feature = "postgres")]
            counter_pool: None,
        }
    }

    /// Increments daily ticket counters on `pool`, in autocommit, instead of in this transaction.
    #[cfg(feature = "postgres")]
    pub(crate) fn with_counter_pool(mut self, pool: sqlx::PgPool) -> SqlTx {
        self.counter_pool = Some(pool);
        self
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.conn.dialect()
    }

    /// Refuses writes in a read-only transaction, with the in-memory store's error.
    fn writable(&self) -> StoreResult<()> {
        if self.read_only {
            return Err(StoreError::Invalid {
                field: "transaction",
                message: "write attempted in a read-only transaction".into(),
            });
        }
        Ok(())
    }

    pub(crate) async fn all(&mut self, stmt: Stmt) -> StoreResult<Vec<Row>> {
        self.conn.fetch_all(stmt).await
    }

    pub(crate) async fn opt(&mut self, stmt: Stmt) -> StoreResult<Option<Row>> {
        self.conn.fetch_optional(stmt).await
    }

    pub(crate) async fn one(&mut self, stmt: Stmt) -> StoreResult<Row> {
        self.conn.fetch_optional(stmt).await?.ok_or_else(|| {
            StoreError::Backend("a statement that always returns a row returned none".into())
        })
    }

    pub(crate) async fn exec(&mut self, stmt: Stmt) -> StoreResult<u64> {
        self.conn.execute(stmt).await
    }

    pub(crate) async fn exists(&mut self, stmt: Stmt) -> StoreResult<bool> {
        Ok(self.conn.fetch_optional(stmt).await?.is_some())
    }

    /// In PostgreSQL, moves the id sequence of `table` past rows inserted with given ids, so that
    /// the next generated id is the largest id plus one (SQLite does this by itself).
    pub(crate) async fn sync_identity(&mut self, table: &'static str) -> StoreResult<()> {
        if self.dialect() != Dialect::Postgres {
            return Ok(());
        }
        let mut b = Builder::new("SELECT setval(pg_get_serial_sequence(");
        b.push_bind(table)
            .push(", 'id'), COALESCE((SELECT max(id) FROM ")
            .push(table)
            .push("), 0) + 1, false)");
        self.exec(b.build()).await.map(|_| ())
    }
}

fn conflict(what: &str, id: impl fmt::Display, stored: u64, given: u64) -> StoreError {
    StoreError::conflict(format!(
        "{what} {id} (version {given} is stale; stored version is {stored})"
    ))
}

impl StoreTx for SqlTx {
    async fn commit(self) -> StoreResult<()> {
        self.conn.commit().await
    }

    async fn rollback(self) -> StoreResult<()> {
        self.conn.rollback().await
    }

    fn states(&mut self) -> impl Future<Output = StoreResult<Vec<State>>> + Send {
        catalog::states(self)
    }

    fn insert_state(&mut self, state: &State) -> impl Future<Output = StoreResult<State>> + Send {
        catalog::insert_state(self, state)
    }

    fn insert_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send {
        catalog::insert_group(self, group)
    }

    fn update_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send {
        catalog::update_group(self, group)
    }

    fn group(&mut self, id: GroupId) -> impl Future<Output = StoreResult<Option<Group>>> + Send {
        catalog::group(self, id)
    }

    fn groups(&mut self) -> impl Future<Output = StoreResult<Vec<Group>>> + Send {
        catalog::groups(self)
    }

    fn insert_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send {
        catalog::insert_queue(self, queue)
    }

    fn update_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send {
        catalog::update_queue(self, queue)
    }

    fn queue(&mut self, id: QueueId) -> impl Future<Output = StoreResult<Option<Queue>>> + Send {
        catalog::queue(self, id)
    }

    fn queues(&mut self) -> impl Future<Output = StoreResult<Vec<Queue>>> + Send {
        catalog::queues(self)
    }

    fn insert_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send {
        catalog::insert_agent(self, agent)
    }

    fn update_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send {
        catalog::update_agent(self, agent)
    }

    fn agent(&mut self, id: AgentId) -> impl Future<Output = StoreResult<Option<Agent>>> + Send {
        catalog::agent(self, id)
    }

    fn agent_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<Agent>>> + Send {
        catalog::agent_by_login(self, login)
    }

    fn agents(&mut self) -> impl Future<Output = StoreResult<Vec<Agent>>> + Send {
        catalog::agents(self)
    }

    fn insert_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send {
        customers::insert_customer(self, customer)
    }

    fn update_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send {
        customers::update_customer(self, customer)
    }

    fn customer(
        &mut self,
        id: CustomerId,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send {
        customers::customer(self, id)
    }

    fn customer_by_customer_id(
        &mut self,
        customer_id: &str,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send {
        customers::customer_by_customer_id(self, customer_id)
    }

    fn list_customers(
        &mut self,
        filter: &CustomerFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Customer>>> + Send {
        customers::list_customers(self, filter, page)
    }

    fn insert_customer_user(
        &mut self,
        user: &CustomerUser,
    ) -> impl Future<Output = StoreResult<CustomerUser>> + Send {
        customers::insert_customer_user(self, user)
    }

    fn update_customer_user(
        &mut self,
        user: &CustomerUser,
    ) -> impl Future<Output = StoreResult<CustomerUser>> + Send {
        customers::update_customer_user(self, user)
    }

    fn customer_user(
        &mut self,
        id: CustomerUserId,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send {
        customers::customer_user(self, id)
    }

    fn customer_user_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send {
        customers::customer_user_by_login(self, login)
    }

    fn list_customer_users(
        &mut self,
        filter: &CustomerUserFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<CustomerUser>>> + Send {
        customers::list_customer_users(self, filter, page)
    }

    fn next_ticket_counter(
        &mut self,
        day: NaiveDate,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        tickets::next_ticket_counter(self, day)
    }

    fn insert_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send {
        tickets::insert_ticket(self, ticket)
    }

    fn update_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send {
        tickets::update_ticket(self, ticket)
    }

    fn ticket(&mut self, id: TicketId) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send {
        tickets::ticket(self, id)
    }

    fn ticket_by_number(
        &mut self,
        number: &str,
    ) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send {
        tickets::ticket_by_number(self, number)
    }

    fn list_tickets(
        &mut self,
        query: &TicketQuery,
    ) -> impl Future<Output = StoreResult<TicketPage>> + Send {
        list::list_tickets(self, query)
    }

    fn queue_state_counts(
        &mut self,
    ) -> impl Future<Output = StoreResult<Vec<QueueStateCount>>> + Send {
        tickets::queue_state_counts(self)
    }

    fn insert_article(
        &mut self,
        article: &NewArticle,
    ) -> impl Future<Output = StoreResult<Article>> + Send {
        articles::insert_article(self, article)
    }

    fn update_article(
        &mut self,
        article: &Article,
    ) -> impl Future<Output = StoreResult<Article>> + Send {
        articles::update_article(self, article)
    }

    fn article(
        &mut self,
        id: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<Article>>> + Send {
        articles::article(self, id)
    }

    fn articles(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Article>>> + Send {
        articles::articles(self, ticket)
    }

    fn attachment(
        &mut self,
        id: AttachmentId,
    ) -> impl Future<Output = StoreResult<Option<AttachmentContent>>> + Send {
        articles::attachment(self, id)
    }

    fn move_ticket_content(
        &mut self,
        from: TicketId,
        to: TicketId,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        articles::move_ticket_content(self, from, to)
    }

    fn insert_time_accounting(
        &mut self,
        entry: &TimeAccountingEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        articles::insert_time_accounting(self, entry)
    }

    fn time_accounting(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<TimeAccountingEntry>>> + Send {
        articles::time_accounting(self, ticket)
    }

    fn mark_seen(
        &mut self,
        agent: AgentId,
        articles: &[ArticleId],
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        articles::mark_seen(self, agent, articles, at)
    }

    fn seen_articles(
        &mut self,
        agent: AgentId,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<ArticleId>>> + Send {
        articles::seen_articles(self, agent, ticket)
    }

    fn unread_tickets(
        &mut self,
        agent: AgentId,
        tickets: &[TicketId],
    ) -> impl Future<Output = StoreResult<Vec<TicketId>>> + Send {
        articles::unread_tickets(self, agent, tickets)
    }

    fn append_history(
        &mut self,
        entries: &[NewHistoryEntry],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        articles::append_history(self, entries)
    }

    fn history(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<HistoryEntry>>> + Send {
        articles::history(self, ticket)
    }

    fn insert_link(&mut self, link: &Link) -> impl Future<Output = StoreResult<Link>> + Send {
        relations::insert_link(self, link)
    }

    fn link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<Option<Link>>> + Send {
        relations::link(self, id)
    }

    fn delete_link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<()>> + Send {
        relations::delete_link(self, id)
    }

    fn links_of(
        &mut self,
        object: ObjectRef,
    ) -> impl Future<Output = StoreResult<Vec<Link>>> + Send {
        relations::links_of(self, object)
    }

    fn upsert_watcher(
        &mut self,
        watcher: &Watcher,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        relations::upsert_watcher(self, watcher)
    }

    fn delete_watcher(
        &mut self,
        ticket: TicketId,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        relations::delete_watcher(self, ticket, agent)
    }

    fn watchers(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Watcher>>> + Send {
        relations::watchers(self, ticket)
    }

    fn insert_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send {
        relations::insert_draft(self, draft)
    }

    fn update_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send {
        relations::update_draft(self, draft)
    }

    fn delete_draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<()>> + Send {
        relations::delete_draft(self, id)
    }

    fn draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<Option<Draft>>> + Send {
        relations::draft(self, id)
    }

    fn drafts(&mut self, ticket: TicketId) -> impl Future<Output = StoreResult<Vec<Draft>>> + Send {
        relations::drafts(self, ticket)
    }

    fn append_change(&mut self, change: &Change) -> impl Future<Output = StoreResult<u64>> + Send {
        feed::append_change(self, change)
    }

    fn changes_since(
        &mut self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Change>>> + Send {
        feed::changes_since(self, after, limit)
    }

    fn enqueue_message(
        &mut self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = StoreResult<OutgoingMessage>> + Send {
        feed::enqueue_message(self, message)
    }

    fn pending_messages(
        &mut self,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<OutgoingMessage>>> + Send {
        feed::pending_messages(self, limit)
    }

    fn update_message(
        &mut self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        feed::update_message(self, message)
    }

    fn message(
        &mut self,
        id: MessageId,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send {
        feed::message(self, id)
    }

    fn insert_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        auth::insert_session(self, session)
    }

    fn session(
        &mut self,
        key_digest: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionRecord>>> + Send {
        auth::session(self, key_digest)
    }

    fn update_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        auth::update_session(self, session)
    }

    fn delete_session(&mut self, key_digest: &str) -> impl Future<Output = StoreResult<()>> + Send {
        auth::delete_session(self, key_digest)
    }

    fn purge_sessions(
        &mut self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        auth::purge_sessions(self, idle_before, created_before)
    }

    fn insert_api_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = StoreResult<ApiToken>> + Send {
        auth::insert_api_token(self, token)
    }

    fn api_token_by_digest(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send {
        auth::api_token_by_digest(self, digest)
    }

    fn api_tokens_of(
        &mut self,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<Vec<ApiToken>>> + Send {
        auth::api_tokens_of(self, agent)
    }

    fn update_api_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        auth::update_api_token(self, token)
    }

    fn api_token(
        &mut self,
        id: ApiTokenId,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send {
        auth::api_token(self, id)
    }

    fn insert_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        auth::insert_one_time_token(self, token)
    }

    fn one_time_token(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<OneTimeToken>>> + Send {
        auth::one_time_token(self, digest)
    }

    fn update_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        auth::update_one_time_token(self, token)
    }

    // --- jobs, agent notifications, outbox by Message-ID (scheduler) -------------------------

    fn upsert_job(&mut self, job: &Job) -> impl Future<Output = StoreResult<Job>> + Send {
        jobs::upsert_job(self, job)
    }

    fn job(&mut self, id: JobId) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        jobs::job(self, id)
    }

    fn list_jobs(
        &mut self,
        filter: &JobFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Job>>> + Send {
        jobs::list_jobs(self, filter, page)
    }

    fn claim_jobs(
        &mut self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Job>>> + Send {
        jobs::claim_jobs(self, owner, now, lease_until, limit)
    }

    fn finish_job(
        &mut self,
        id: JobId,
        owner: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        jobs::finish_job(self, id, owner, now)
    }

    fn fail_job(
        &mut self,
        id: JobId,
        owner: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        jobs::fail_job(self, id, owner, error, retry_at, now)
    }

    fn cancel_job(
        &mut self,
        id: JobId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        jobs::cancel_job(self, id, now)
    }

    fn cancel_jobs_by_key(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        jobs::cancel_jobs_by_key(self, key, now)
    }

    fn purge_jobs(
        &mut self,
        finished_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        jobs::purge_jobs(self, finished_before)
    }

    fn insert_agent_notification(
        &mut self,
        notification: &AgentNotification,
    ) -> impl Future<Output = StoreResult<AgentNotification>> + Send {
        jobs::insert_agent_notification(self, notification)
    }

    fn agent_notifications(
        &mut self,
        agent: AgentId,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AgentNotification>>> + Send {
        jobs::agent_notifications(self, agent, limit)
    }

    fn unseen_notification_count(
        &mut self,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        jobs::unseen_notification_count(self, agent)
    }

    fn mark_notifications_seen(
        &mut self,
        agent: AgentId,
        ids: Option<&[NotificationId]>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        jobs::mark_notifications_seen(self, agent, ids, at)
    }

    fn message_by_message_id(
        &mut self,
        message_id: &str,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send {
        feed::message_by_message_id(self, message_id)
    }

    fn message_of_article(
        &mut self,
        article: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send {
        feed::message_of_article(self, article)
    }

    fn insert_article_source(
        &mut self,
        article: ArticleId,
        source: &[u8],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        articles::insert_article_source(self, article, source)
    }

    fn article_source(
        &mut self,
        article: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<Arc<[u8]>>>> + Send {
        articles::article_source(self, article)
    }

    // --- knowledge base ----------------------------------------------------------------------

    fn insert_kb_category(
        &mut self,
        category: &KbCategory,
    ) -> impl Future<Output = StoreResult<KbCategory>> + Send {
        kb::insert_kb_category(self, category)
    }

    fn update_kb_category(
        &mut self,
        category: &KbCategory,
    ) -> impl Future<Output = StoreResult<KbCategory>> + Send {
        kb::update_kb_category(self, category)
    }

    fn delete_kb_category(
        &mut self,
        id: KbCategoryId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        kb::delete_kb_category(self, id)
    }

    fn kb_categories(&mut self) -> impl Future<Output = StoreResult<Vec<KbCategory>>> + Send {
        kb::kb_categories(self)
    }

    fn insert_kb_article(
        &mut self,
        article: &KbArticle,
        files: &[NewAttachment],
    ) -> impl Future<Output = StoreResult<KbArticle>> + Send {
        kb::insert_kb_article(self, article, files)
    }

    fn update_kb_article(
        &mut self,
        article: &KbArticle,
    ) -> impl Future<Output = StoreResult<KbArticle>> + Send {
        kb::update_kb_article(self, article)
    }

    fn delete_kb_article(
        &mut self,
        id: KbArticleId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        kb::delete_kb_article(self, id)
    }

    fn kb_article(
        &mut self,
        id: KbArticleId,
    ) -> impl Future<Output = StoreResult<Option<KbArticle>>> + Send {
        kb::kb_article(self, id)
    }

    fn kb_articles(
        &mut self,
        filter: &KbArticleFilter,
    ) -> impl Future<Output = StoreResult<Vec<KbArticle>>> + Send {
        kb::kb_articles(self, filter)
    }

    fn insert_kb_attachment(
        &mut self,
        article: KbArticleId,
        file: &NewAttachment,
    ) -> impl Future<Output = StoreResult<KbAttachment>> + Send {
        kb::insert_kb_attachment(self, article, file)
    }

    fn delete_kb_attachment(
        &mut self,
        article: KbArticleId,
        attachment: KbAttachmentId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        kb::delete_kb_attachment(self, article, attachment)
    }

    fn kb_attachment(
        &mut self,
        article: KbArticleId,
        attachment: KbAttachmentId,
    ) -> impl Future<Output = StoreResult<Option<(KbAttachment, Arc<[u8]>)>>> + Send {
        kb::kb_attachment(self, article, attachment)
    }

    fn upsert_kb_vote(&mut self, vote: &KbVote) -> impl Future<Output = StoreResult<()>> + Send {
        kb::upsert_kb_vote(self, vote)
    }

    fn kb_votes(
        &mut self,
        article: KbArticleId,
    ) -> impl Future<Output = StoreResult<Vec<KbVote>>> + Send {
        kb::kb_votes(self, article)
    }

    fn append_kb_history(
        &mut self,
        entry: &KbHistoryEntry,
    ) -> impl Future<Output = StoreResult<KbHistoryEntry>> + Send {
        kb::append_kb_history(self, entry)
    }

    fn kb_history(
        &mut self,
        article: KbArticleId,
    ) -> impl Future<Output = StoreResult<Vec<KbHistoryEntry>>> + Send {
        kb::kb_history(self, article)
    }

    // --- calendar ----------------------------------------------------------------------------

    fn insert_calendar(
        &mut self,
        calendar: &Calendar,
    ) -> impl Future<Output = StoreResult<Calendar>> + Send {
        calendar::insert_calendar(self, calendar)
    }

    fn update_calendar(
        &mut self,
        calendar: &Calendar,
    ) -> impl Future<Output = StoreResult<Calendar>> + Send {
        calendar::update_calendar(self, calendar)
    }

    fn delete_calendar(&mut self, id: CalendarId) -> impl Future<Output = StoreResult<()>> + Send {
        calendar::delete_calendar(self, id)
    }

    fn calendar(
        &mut self,
        id: CalendarId,
    ) -> impl Future<Output = StoreResult<Option<Calendar>>> + Send {
        calendar::calendar(self, id)
    }

    fn calendar_by_feed_token(
        &mut self,
        token: &str,
    ) -> impl Future<Output = StoreResult<Option<Calendar>>> + Send {
        calendar::calendar_by_feed_token(self, token)
    }

    fn calendars(&mut self) -> impl Future<Output = StoreResult<Vec<Calendar>>> + Send {
        calendar::calendars(self)
    }

    fn insert_appointment(
        &mut self,
        appointment: &Appointment,
    ) -> impl Future<Output = StoreResult<Appointment>> + Send {
        calendar::insert_appointment(self, appointment)
    }

    fn update_appointment(
        &mut self,
        appointment: &Appointment,
    ) -> impl Future<Output = StoreResult<Appointment>> + Send {
        calendar::update_appointment(self, appointment)
    }

    fn delete_appointment(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        calendar::delete_appointment(self, id)
    }

    fn appointment(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<Option<Appointment>>> + Send {
        calendar::appointment(self, id)
    }

    fn appointments_between(
        &mut self,
        calendars: &[CalendarId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<Appointment>>> + Send {
        calendar::appointments_between(self, calendars, from, to)
    }

    fn detached_occurrences(
        &mut self,
        parent: AppointmentId,
    ) -> impl Future<Output = StoreResult<Vec<Appointment>>> + Send {
        calendar::detached_occurrences(self, parent)
    }

    fn append_appointment_history(
        &mut self,
        entry: &AppointmentHistoryEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        calendar::append_appointment_history(self, entry)
    }

    fn appointment_history(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<Vec<AppointmentHistoryEntry>>> + Send {
        calendar::appointment_history(self, id)
    }

    // --- statistics ---------------------------------------------------------------------------

    fn stat_counts(
        &mut self,
        filter: &StatFilter,
        x: &StatGroup,
        y: &StatGroup,
    ) -> impl Future<Output = StoreResult<Vec<StatCount>>> + Send {
        stats::stat_counts(self, filter, x, y)
    }

    fn stat_rows(
        &mut self,
        query: &StatListQuery,
    ) -> impl Future<Output = StoreResult<Vec<StatRow>>> + Send {
        stats::stat_rows(self, query)
    }

    fn stat_state_changes(
        &mut self,
        bounds: &[DateTime<Utc>],
    ) -> impl Future<Output = StoreResult<Vec<StateChangeCount>>> + Send {
        stats::stat_state_changes(self, bounds)
    }

    fn insert_stat(
        &mut self,
        stat: &StatDefinition,
    ) -> impl Future<Output = StoreResult<StatDefinition>> + Send {
        stats::insert_stat(self, stat)
    }

    fn update_stat(
        &mut self,
        stat: &StatDefinition,
    ) -> impl Future<Output = StoreResult<StatDefinition>> + Send {
        stats::update_stat(self, stat)
    }

    fn delete_stat(&mut self, id: StatId) -> impl Future<Output = StoreResult<()>> + Send {
        stats::delete_stat(self, id)
    }

    fn stat(
        &mut self,
        id: StatId,
    ) -> impl Future<Output = StoreResult<Option<StatDefinition>>> + Send {
        stats::stat(self, id)
    }

    fn stats(&mut self) -> impl Future<Output = StoreResult<Vec<StatDefinition>>> + Send {
        stats::stats(self)
    }

    // --- statsui
    fn stat_counts_by(
        &mut self,
        filter: &StatFilter,
        groups: &[StatGroup],
    ) -> impl Future<Output = StoreResult<Vec<otrs_core::stats::query::StatTupleCount>>> + Send
    {
        stats::stat_counts_by(self, filter, groups)
    }

    // --- escalations ---

    fn escalation(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Option<otrs_core::rules::escalation::Escalation>>> + Send
    {
        escalations::escalation(self, ticket)
    }

    fn put_escalation(
        &mut self,
        ticket: TicketId,
        escalation: &otrs_core::rules::escalation::Escalation,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        escalations::put_escalation(self, ticket, escalation)
    }

    fn escalations(
        &mut self,
        until: Option<DateTime<Utc>>,
        queues: &[QueueId],
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<(TicketId, otrs_core::rules::escalation::Escalation)>>>
    + Send {
        escalations::escalations(self, until, queues, limit)
    }

    // --- reports ------------------------------------------------------------------------------

    fn insert_report(
        &mut self,
        report: &otrs_core::model::Report,
    ) -> impl Future<Output = StoreResult<otrs_core::model::Report>> + Send {
        reports::insert_report(self, report)
    }

    fn update_report(
        &mut self,
        report: &otrs_core::model::Report,
    ) -> impl Future<Output = StoreResult<otrs_core::model::Report>> + Send {
        reports::update_report(self, report)
    }

    fn delete_report(
        &mut self,
        id: otrs_core::ids::ReportId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        reports::delete_report(self, id)
    }

    fn report(
        &mut self,
        id: otrs_core::ids::ReportId,
    ) -> impl Future<Output = StoreResult<Option<otrs_core::model::Report>>> + Send {
        reports::report(self, id)
    }

    fn reports(
        &mut self,
    ) -> impl Future<Output = StoreResult<Vec<otrs_core::model::Report>>> + Send {
        reports::reports(self)
    }

    // --- calui
    fn renew_job_lease(
        &mut self,
        id: JobId,
        owner: &str,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        jobs::renew_job_lease(self, id, owner, lease_until)
    }

    // --- actions
    fn standard_texts(
        &mut self,
        kind: otrs_core::model::TextKind,
    ) -> impl Future<Output = StoreResult<Vec<otrs_core::model::StandardText>>> + Send {
        texts::standard_texts(self, kind)
    }

    fn insert_standard_text(
        &mut self,
        text: &otrs_core::model::StandardText,
    ) -> impl Future<Output = StoreResult<otrs_core::model::StandardText>> + Send {
        texts::insert_standard_text(self, text)
    }

    fn update_standard_text(
        &mut self,
        text: &otrs_core::model::StandardText,
    ) -> impl Future<Output = StoreResult<otrs_core::model::StandardText>> + Send {
        texts::update_standard_text(self, text)
    }

    fn delete_standard_text(
        &mut self,
        id: otrs_core::ids::TextId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        texts::delete_standard_text(self, id)
    }

    // --- forms
    fn insert_form_upload(
        &mut self,
        upload: &otrs_core::model::FormUpload,
    ) -> impl Future<Output = StoreResult<otrs_core::model::FormUpload>> + Send {
        uploads::insert_form_upload(self, upload)
    }

    fn form_uploads(
        &mut self,
        form_key: &str,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<Vec<otrs_core::model::FormUpload>>> + Send {
        uploads::form_uploads(self, form_key, agent)
    }

    fn delete_form_upload(
        &mut self,
        id: otrs_core::ids::FormUploadId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        uploads::delete_form_upload(self, id)
    }

    fn delete_form_uploads_before(
        &mut self,
        cutoff: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        uploads::delete_form_uploads_before(self, cutoff)
    }
}
