//! The in-memory store, for tests and for programs that embed the desk.
//!
//! Transactions are serialised by a reader-writer lock held for their whole life: a write
//! transaction holds it exclusively and changes the data in place, recording how to undo each
//! change; dropping it without a commit replays the undo log. Read transactions share the lock.
//! That gives serialisable transactions with no copying, so a command costs a few microseconds.
//!
//! The desk never opens a second transaction while holding one; a program that uses the store
//! directly must not either, or the thread waits for itself.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::{Future, ready};
use std::hash::Hash;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use parking_lot::RwLock;
use parking_lot::lock_api::{ArcRwLockReadGuard, ArcRwLockWriteGuard};

use super::{
    Cursor, CustomerFilter, CustomerUserFilter, KbArticleFilter, Page, PageRequest,
    QueueStateCount, Store, StoreError, StoreResult, StoreTx, TicketAccess, TicketFilter,
    TicketPage, TicketQuery,
};
use crate::ids::StatId;
use crate::ids::{
    AgentId, ApiTokenId, AppointmentHistoryId, AppointmentId, ArticleId, AttachmentId, CalendarId,
    CustomerId, CustomerUserId, DraftId, GroupId, HistoryId, JobId, LinkId, MessageId,
    NotificationId, QueueId, StateId, TicketId,
};
use crate::ids::{KbArticleId, KbAttachmentId, KbCategoryId, KbHistoryId};
use crate::model::{
    Agent, ApiToken, Appointment, AppointmentHistoryEntry, Article, AttachmentContent,
    AttachmentMeta, Calendar, Change, Customer, CustomerUser, Draft, Group, HistoryEntry,
    HistoryType, Link, MessageStatus, NewArticle, NewHistoryEntry, ObjectRef, OneTimeToken,
    OutgoingMessage, Queue, SessionRecord, State, StateType, Ticket, TimeAccountingEntry, Watcher,
};
use crate::model::{AgentNotification, Job, JobFilter, JobState};
use crate::model::{
    KbArticle, KbAttachment, KbCategory, KbHistoryEntry, KbVote, NewAttachment, Principal,
};
use crate::stats::StatDefinition;
use crate::stats::query::{
    StatCount, StatFilter, StatGroup, StatListQuery, StatRow, StateChangeCount, compare_rows,
};

#[derive(Debug, Clone, Copy, Default)]
struct NextIds {
    group: u64,
    queue: u64,
    agent: u64,
    customer: u64,
    customer_user: u64,
    ticket: u64,
    article: u64,
    attachment: u64,
    history: u64,
    link: u64,
    draft: u64,
    message: u64,
    api_token: u64,
    change: u64,
    // --- scheduler ---
    job: u64,
    notification: u64,
    // --- calendar ---
    calendar: u64,
    appointment: u64,
    appointment_history: u64,
    // --- statistics ---
    stat: u64,
    // --- reports ---
    report: u64,
    // --- actions
    standard_text: u64,
    // --- forms
    form_upload: u64,
    // --- knowledge base
    kb_category: u64,
    kb_article: u64,
    kb_attachment: u64,
    kb_history: u64,
}

fn next(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}

#[derive(Debug, Default)]
struct MemState {
    ids: NextIds,
    states: BTreeMap<StateId, State>,
    groups: BTreeMap<GroupId, Group>,
    queues: BTreeMap<QueueId, Queue>,
    agents: BTreeMap<AgentId, Agent>,
    customers: BTreeMap<CustomerId, Customer>,
    customer_users: BTreeMap<CustomerUserId, CustomerUser>,
    day_counters: BTreeMap<NaiveDate, u64>,
    tickets: BTreeMap<TicketId, Ticket>,
    // Hashed: numbers share long prefixes, which makes ordered lookups compare many bytes.
    ticket_numbers: HashMap<String, TicketId>,
    counts: HashMap<(QueueId, StateId), u64>,
    articles: BTreeMap<ArticleId, Article>,
    ticket_articles: BTreeMap<TicketId, BTreeSet<ArticleId>>,
    attachments: HashMap<AttachmentId, AttachmentContent>,
    article_sources: HashMap<ArticleId, Arc<[u8]>>,
    time_rows: BTreeMap<TicketId, Vec<TimeAccountingEntry>>,
    seen: BTreeSet<(AgentId, ArticleId)>,
    history: BTreeMap<TicketId, Vec<HistoryEntry>>,
    links: BTreeMap<LinkId, Link>,
    object_links: BTreeMap<ObjectRef, BTreeSet<LinkId>>,
    watchers: BTreeMap<TicketId, BTreeMap<AgentId, Watcher>>,
    drafts: BTreeMap<DraftId, Draft>,
    changes: Vec<Change>,
    outbox: BTreeMap<MessageId, OutgoingMessage>,
    sessions: HashMap<String, SessionRecord>,
    api_tokens: BTreeMap<ApiTokenId, ApiToken>,
    one_time_tokens: HashMap<String, OneTimeToken>,
    // --- scheduler ---
    jobs: BTreeMap<JobId, Job>,
    notifications: BTreeMap<NotificationId, AgentNotification>,
    // --- calendar ---
    calendars: BTreeMap<CalendarId, Calendar>,
    appointments: BTreeMap<AppointmentId, Appointment>,
    appointment_history: BTreeMap<AppointmentId, Vec<AppointmentHistoryEntry>>,
    // --- statistics ---
    stat_definitions: BTreeMap<StatId, StatDefinition>,
    // --- escalations ---
    escalations: BTreeMap<TicketId, crate::rules::escalation::Escalation>,
    // --- reports ---
    reports: BTreeMap<crate::ids::ReportId, crate::model::Report>,
    // --- actions
    standard_texts: BTreeMap<crate::ids::TextId, crate::model::StandardText>,
    // --- forms
    form_uploads: BTreeMap<crate::ids::FormUploadId, crate::model::FormUpload>,
    // --- knowledge base
    kb_categories: BTreeMap<KbCategoryId, KbCategory>,
    kb_articles: BTreeMap<KbArticleId, KbArticle>,
    kb_files: BTreeMap<KbAttachmentId, (KbArticleId, Arc<[u8]>)>,
    kb_votes: BTreeMap<(KbArticleId, Principal), KbVote>,
    kb_history: BTreeMap<KbArticleId, Vec<KbHistoryEntry>>,
}

/// The in-memory store. Cloning it gives another handle to the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    state: Arc<RwLock<MemState>>,
}

impl MemoryStore {
    /// An empty store (run [`crate::Desk::initialize`] to add the initial data).
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl Store for MemoryStore {
    type Tx = MemoryTx;

    fn begin(&self) -> impl Future<Output = StoreResult<MemoryTx>> + Send {
        let guard = self.state.write_arc();
        let saved_ids = guard.ids;
        ready(Ok(MemoryTx {
            guard: Guard::Write(guard),
            undo: Vec::new(),
            saved_ids,
            done: false,
        }))
    }

    fn begin_read(&self) -> impl Future<Output = StoreResult<MemoryTx>> + Send {
        let guard = self.state.read_arc();
        let saved_ids = guard.ids;
        ready(Ok(MemoryTx {
            guard: Guard::Read(guard),
            undo: Vec::new(),
            saved_ids,
            done: false,
        }))
    }
}

enum Guard {
    Write(ArcRwLockWriteGuard<parking_lot::RawRwLock, MemState>),
    Read(ArcRwLockReadGuard<parking_lot::RawRwLock, MemState>),
}

type Undo = Box<dyn FnOnce(&mut MemState) + Send>;

/// A transaction of the [`MemoryStore`]: the lock, and the undo log of its writes.
pub struct MemoryTx {
    guard: Guard,
    undo: Vec<Undo>,
    saved_ids: NextIds,
    done: bool,
}

impl std::fmt::Debug for MemoryTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryTx")
            .field("writable", &matches!(self.guard, Guard::Write(_)))
            .field("pending_writes", &self.undo.len())
            .finish()
    }
}

impl Drop for MemoryTx {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        if let Guard::Write(state) = &mut self.guard {
            while let Some(undo) = self.undo.pop() {
                undo(state);
            }
            state.ids = self.saved_ids;
        }
    }
}

/// Maps the undo log can restore.
trait Table<K, V> {
    fn put(&mut self, key: K, value: V) -> Option<V>;
    fn take(&mut self, key: &K) -> Option<V>;
    fn find(&self, key: &K) -> Option<&V>;
}

impl<K: Ord, V> Table<K, V> for BTreeMap<K, V> {
    fn put(&mut self, key: K, value: V) -> Option<V> {
        self.insert(key, value)
    }
    fn take(&mut self, key: &K) -> Option<V> {
        self.remove(key)
    }
    fn find(&self, key: &K) -> Option<&V> {
        self.get(key)
    }
}

impl<K: Hash + Eq, V> Table<K, V> for HashMap<K, V> {
    fn put(&mut self, key: K, value: V) -> Option<V> {
        self.insert(key, value)
    }
    fn take(&mut self, key: &K) -> Option<V> {
        self.remove(key)
    }
    fn find(&self, key: &K) -> Option<&V> {
        self.get(key)
    }
}

type Pick<M> = fn(&mut MemState) -> &mut M;

fn check_version(
    what: &str,
    id: impl std::fmt::Display,
    stored: u64,
    given: u64,
) -> StoreResult<()> {
    if stored == given {
        Ok(())
    } else {
        Err(StoreError::conflict(format!(
            "{what} {id} (version {given} is stale; stored version is {stored})"
        )))
    }
}

fn page_of<T>(items: Vec<T>, page: &PageRequest) -> Page<T> {
    let total = items.len() as u64;
    let (offset, limit) = match page {
        PageRequest::Offset { offset, limit } => (*offset, *limit),
        PageRequest::After { limit, .. } => (0, *limit),
    };
    let items = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(limit as usize)
        .collect();
    Page { items, total }
}

fn unique<'a, T: 'a>(
    mut existing: impl Iterator<Item = &'a T>,
    same: impl Fn(&T) -> bool,
    what: &'static str,
    value: &str,
) -> StoreResult<()> {
    if existing.any(same) {
        Err(StoreError::Duplicate {
            what,
            value: value.to_owned(),
        })
    } else {
        Ok(())
    }
}

impl MemoryTx {
    fn state(&self) -> &MemState {
        match &self.guard {
            Guard::Write(g) => g,
            Guard::Read(g) => g,
        }
    }

    fn state_mut(&mut self) -> StoreResult<&mut MemState> {
        match &mut self.guard {
            Guard::Write(g) => Ok(g),
            Guard::Read(_) => Err(StoreError::Invalid {
                field: "transaction",
                message: "write attempted in a read-only transaction".into(),
            }),
        }
    }

    fn ids(&mut self) -> StoreResult<&mut NextIds> {
        Ok(&mut self.state_mut()?.ids)
    }

    /// Inserts or replaces `key`, remembering the old value.
    fn set<K, V, M>(&mut self, table: Pick<M>, key: K, value: V) -> StoreResult<()>
    where
        M: Table<K, V> + 'static,
        K: Clone + Send + 'static,
        V: Send + 'static,
    {
        let old = table(self.state_mut()?).put(key.clone(), value);
        self.undo.push(Box::new(move |s| {
            let t = table(s);
            match old {
                Some(v) => {
                    t.put(key, v);
                }
                None => {
                    t.take(&key);
                }
            }
        }));
        Ok(())
    }

    /// Replaces the value under an existing `key`; `missing` names it when there is none.
    fn replace<K, V, M>(
        &mut self,
        table: Pick<M>,
        key: K,
        value: V,
        missing: impl FnOnce() -> StoreError,
    ) -> StoreResult<()>
    where
        M: Table<K, V> + 'static,
        K: Clone + Send + 'static,
        V: Send + 'static,
    {
        if table(self.state_mut()?).find(&key).is_none() {
            return Err(missing());
        }
        self.set(table, key, value)
    }

    /// Removes `key`, remembering the value.
    fn unset<K, V, M>(&mut self, table: Pick<M>, key: K) -> StoreResult<Option<V>>
    where
        M: Table<K, V> + 'static,
        K: Clone + Send + 'static,
        V: Clone + Send + 'static,
    {
        let old = table(self.state_mut()?).take(&key);
        if let Some(v) = old.clone() {
            self.undo.push(Box::new(move |s| {
                table(s).put(key, v);
            }));
        }
        Ok(old)
    }

    /// Changes the value under `key` (created from its default), remembering the old value.
    fn edit<K, V, M>(
        &mut self,
        table: Pick<M>,
        key: K,
        change: impl FnOnce(&mut V),
    ) -> StoreResult<()>
    where
        M: Table<K, V> + 'static,
        K: Clone + Send + 'static,
        V: Clone + Default + Send + 'static,
    {
        let t = table(self.state_mut()?);
        let old = t.find(&key).cloned();
        let mut value = old.clone().unwrap_or_default();
        change(&mut value);
        t.put(key.clone(), value);
        self.undo.push(Box::new(move |s| {
            let t = table(s);
            match old {
                Some(v) => {
                    t.put(key, v);
                }
                None => {
                    t.take(&key);
                }
            }
        }));
        Ok(())
    }

    /// Appends to the list under `key`.
    fn push<K, T>(&mut self, table: Pick<BTreeMap<K, Vec<T>>>, key: K, item: T) -> StoreResult<()>
    where
        K: Ord + Clone + Send + 'static,
        T: Send + 'static,
    {
        table(self.state_mut()?)
            .entry(key.clone())
            .or_default()
            .push(item);
        self.undo.push(Box::new(move |s| {
            let t = table(s);
            if let Some(list) = t.get_mut(&key) {
                list.pop();
                if list.is_empty() {
                    t.remove(&key);
                }
            }
        }));
        Ok(())
    }

    /// Adds `item` to the set under `key`.
    fn add_to<K, T>(
        &mut self,
        table: Pick<BTreeMap<K, BTreeSet<T>>>,
        key: K,
        item: T,
    ) -> StoreResult<()>
    where
        K: Ord + Clone + Send + 'static,
        T: Ord + Clone + Send + 'static,
    {
        if table(self.state_mut()?)
            .entry(key.clone())
            .or_default()
            .insert(item.clone())
        {
            self.undo.push(Box::new(move |s| {
                if let Some(set) = table(s).get_mut(&key) {
                    set.remove(&item);
                }
            }));
        }
        Ok(())
    }

    /// Removes `item` from the set under `key`.
    fn remove_from<K, T>(
        &mut self,
        table: Pick<BTreeMap<K, BTreeSet<T>>>,
        key: K,
        item: T,
    ) -> StoreResult<()>
    where
        K: Ord + Clone + Send + 'static,
        T: Ord + Clone + Send + 'static,
    {
        if table(self.state_mut()?)
            .get_mut(&key)
            .is_some_and(|set| set.remove(&item))
        {
            self.undo.push(Box::new(move |s| {
                table(s).entry(key).or_default().insert(item);
            }));
        }
        Ok(())
    }

    fn state_type(&self, id: StateId) -> StateType {
        self.state()
            .states
            .get(&id)
            .map_or(StateType::Open, |s| s.state_type)
    }

    fn ticket_matches(
        &self,
        ticket: &Ticket,
        access: &TicketAccess,
        filter: &TicketFilter,
    ) -> bool {
        let state = self.state();
        let watched = |agent: AgentId| {
            state
                .watchers
                .get(&ticket.id)
                .is_some_and(|w| w.contains_key(&agent))
        };
        let accessible = match access {
            TicketAccess::Unrestricted => true,
            TicketAccess::Agent {
                agent,
                readable_queues,
            } => {
                readable_queues.contains(&ticket.queue_id)
                    || ticket.owner_id == *agent
                    || ticket.responsible_id == *agent
                    || watched(*agent)
            }
            TicketAccess::Customer { user, customer_ids } => {
                ticket.customer_user_id == Some(*user)
                    || ticket
                        .customer_id
                        .as_deref()
                        .is_some_and(|c| customer_ids.iter().any(|id| id.eq_ignore_ascii_case(c)))
            }
        };
        fn any<T: PartialEq>(set: &Option<Vec<T>>, value: &T) -> bool {
            set.as_ref().is_none_or(|s| s.contains(value))
        }
        accessible
            && any(&filter.ids, &ticket.id)
            && filter.number.as_ref().is_none_or(|n| *n == ticket.number)
            && any(&filter.queue_ids, &ticket.queue_id)
            && any(&filter.state_ids, &ticket.state_id)
            && filter
                .state_types
                .as_ref()
                .is_none_or(|t| t.contains(&self.state_type(ticket.state_id)))
            && any(&filter.priorities, &ticket.priority)
            && any(&filter.owner_ids, &ticket.owner_id)
            && any(&filter.responsible_ids, &ticket.responsible_id)
            && any(&filter.locks, &ticket.lock)
            && filter.customer_ids.as_ref().is_none_or(|ids| {
                ticket
                    .customer_id
                    .as_deref()
                    .is_some_and(|c| ids.iter().any(|id| id.eq_ignore_ascii_case(c)))
            })
            && filter
                .customer_user_ids
                .as_ref()
                .is_none_or(|ids| ticket.customer_user_id.is_some_and(|u| ids.contains(&u)))
            && filter.watched_by.is_none_or(watched)
            && filter.created_from.is_none_or(|t| ticket.created_at >= t)
            && filter.created_before.is_none_or(|t| ticket.created_at < t)
            && filter.changed_from.is_none_or(|t| ticket.changed_at >= t)
            && filter.changed_before.is_none_or(|t| ticket.changed_at < t)
            && filter
                .pending_before
                .is_none_or(|t| ticket.pending_until.is_some_and(|p| p < t))
            && filter.title_contains.as_deref().is_none_or(|t| {
                ticket
                    .title
                    .to_ascii_lowercase()
                    .contains(&t.to_ascii_lowercase())
            })
    }

    fn list_tickets_sync(&self, query: &TicketQuery) -> TicketPage {
        let mut matching: Vec<&Ticket> = self
            .state()
            .tickets
            .values()
            .filter(|t| self.ticket_matches(t, &query.access, &query.filter))
            .collect();
        let total = matching.len() as u64;
        let key = query.sort.key;
        matching.sort_by(|a, b| {
            let ordering = (key.value_of(a), a.id).cmp(&(key.value_of(b), b.id));
            if query.sort.descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        let (start, limit) = match &query.page {
            PageRequest::Offset { offset, limit } => {
                (usize::try_from(*offset).unwrap_or(usize::MAX), *limit)
            }
            PageRequest::After { cursor, limit } => {
                let cursor = Cursor {
                    sort: query.sort,
                    ..cursor.clone()
                };
                (
                    matching
                        .iter()
                        .position(|t| cursor.is_before(t))
                        .unwrap_or(matching.len()),
                    *limit,
                )
            }
        };
        let tickets: Vec<Ticket> = matching
            .iter()
            .skip(start)
            .take(limit as usize)
            .map(|t| (*t).clone())
            .collect();
        let more = start.saturating_add(tickets.len()) < matching.len();
        let next_cursor = if more {
            tickets.last().map(|t| Cursor::after(query.sort, t))
        } else {
            None
        };
        TicketPage {
            tickets,
            total,
            next_cursor,
        }
    }

    fn count_ticket(&mut self, ticket: &Ticket, delta: i64) -> StoreResult<()> {
        self.edit(
            |s| &mut s.counts,
            (ticket.queue_id, ticket.state_id),
            |c: &mut u64| *c = c.saturating_add_signed(delta),
        )
    }

    fn check_ticket_refs(&self, ticket: &Ticket) -> StoreResult<()> {
        let s = self.state();
        if !s.queues.contains_key(&ticket.queue_id) {
            return Err(StoreError::not_found("queue", ticket.queue_id));
        }
        if !s.states.contains_key(&ticket.state_id) {
            return Err(StoreError::not_found("state", ticket.state_id));
        }
        for agent in [ticket.owner_id, ticket.responsible_id] {
            if !s.agents.contains_key(&agent) {
                return Err(StoreError::not_found("agent", agent));
            }
        }
        if let Some(user) = ticket.customer_user_id
            && !s.customer_users.contains_key(&user)
        {
            return Err(StoreError::not_found("customer user", user));
        }
        Ok(())
    }

    fn object_exists(&self, object: ObjectRef) -> bool {
        match object {
            ObjectRef::Ticket(id) => self.state().tickets.contains_key(&id),
            ObjectRef::Appointment(id) => self.state().appointments.contains_key(&id),
            ObjectRef::KbArticle(id) => self.state().kb_articles.contains_key(&id),
        }
    }

    fn require_ticket(&self, id: TicketId) -> StoreResult<()> {
        if self.state().tickets.contains_key(&id) {
            Ok(())
        } else {
            Err(StoreError::not_found("ticket", id))
        }
    }

    fn require_groups<'a>(&self, groups: impl IntoIterator<Item = &'a GroupId>) -> StoreResult<()> {
        match groups
            .into_iter()
            .find(|g| !self.state().groups.contains_key(g))
        {
            Some(group) => Err(StoreError::not_found("group", group)),
            None => Ok(()),
        }
    }

    // Synchronous bodies of the port methods that do more than one step.

    fn insert_ticket_sync(&mut self, ticket: &Ticket) -> StoreResult<Ticket> {
        self.check_ticket_refs(ticket)?;
        if self.state().ticket_numbers.contains_key(&ticket.number) {
            return Err(StoreError::Duplicate {
                what: "ticket number",
                value: ticket.number.clone(),
            });
        }
        let id = TicketId(next(&mut self.ids()?.ticket));
        let stored = Ticket {
            id,
            version: 1,
            ..ticket.clone()
        };
        self.set(|s| &mut s.ticket_numbers, stored.number.clone(), id)?;
        self.set(|s| &mut s.tickets, id, stored.clone())?;
        self.count_ticket(&stored, 1)?;
        Ok(stored)
    }

    fn update_ticket_sync(&mut self, ticket: &Ticket) -> StoreResult<Ticket> {
        self.check_ticket_refs(ticket)?;
        let old = self
            .state()
            .tickets
            .get(&ticket.id)
            .cloned()
            .ok_or_else(|| StoreError::not_found("ticket", ticket.id))?;
        check_version("ticket", &ticket.number, old.version, ticket.version)?;
        if old.number != ticket.number {
            return Err(StoreError::Invalid {
                field: "number",
                message: "a ticket number never changes".into(),
            });
        }
        let stored = Ticket {
            version: ticket.version + 1,
            ..ticket.clone()
        };
        self.set(|s| &mut s.tickets, ticket.id, stored.clone())?;
        if (old.queue_id, old.state_id) != (stored.queue_id, stored.state_id) {
            self.count_ticket(&old, -1)?;
            self.count_ticket(&stored, 1)?;
        }
        Ok(stored)
    }

    fn insert_article_sync(&mut self, article: &NewArticle) -> StoreResult<Article> {
        self.require_ticket(article.ticket_id)?;
        let id = ArticleId(next(&mut self.ids()?.article));
        let mut attachments = Vec::with_capacity(article.attachments.len());
        for new in &article.attachments {
            let meta = AttachmentMeta {
                id: AttachmentId(next(&mut self.ids()?.attachment)),
                filename: new.filename.clone(),
                content_type: new.content_type.clone(),
                size: new.content.len() as u64,
                content_id: new.content_id.clone(),
                inline: new.inline,
            };
            let content = AttachmentContent {
                meta: meta.clone(),
                article_id: id,
                content: Arc::clone(&new.content),
            };
            self.set(|s| &mut s.attachments, meta.id, content)?;
            attachments.push(meta);
        }
        let stored = Article {
            id,
            ticket_id: article.ticket_id,
            channel: article.channel,
            sender_type: article.sender_type,
            visible_for_customer: article.visible_for_customer,
            important: article.important,
            from: article.from.clone(),
            to: article.to.clone(),
            cc: article.cc.clone(),
            bcc: article.bcc.clone(),
            subject: article.subject.clone(),
            body: article.body.clone(),
            content_type: article.content_type.clone(),
            message_id: article.message_id.clone(),
            in_reply_to: article.in_reply_to.clone(),
            references: article.references.clone(),
            attachments,
            time_units: article.time_units,
            created_at: article.created_at,
            created_by: article.created_by,
            version: 1,
        };
        self.set(|s| &mut s.articles, id, stored.clone())?;
        self.add_to(|s| &mut s.ticket_articles, article.ticket_id, id)?;
        Ok(stored)
    }

    fn move_ticket_content_sync(&mut self, from: TicketId, to: TicketId) -> StoreResult<u64> {
        self.require_ticket(from)?;
        self.require_ticket(to)?;
        let moved: BTreeSet<ArticleId> = self
            .unset(|s| &mut s.ticket_articles, from)?
            .unwrap_or_default();
        for id in &moved {
            if let Some(mut article) = self.state().articles.get(id).cloned() {
                article.ticket_id = to;
                self.set(|s| &mut s.articles, *id, article)?;
            }
            self.add_to(|s| &mut s.ticket_articles, to, *id)?;
        }
        // History rows tied to a moved article go with it.
        let source_history: Vec<HistoryEntry> =
            self.unset(|s| &mut s.history, from)?.unwrap_or_default();
        let (tied, stays): (Vec<HistoryEntry>, Vec<HistoryEntry>) = source_history
            .into_iter()
            .partition(|h| h.entry.article_id.is_some_and(|a| moved.contains(&a)));
        if !stays.is_empty() {
            self.set(|s| &mut s.history, from, stays)?;
        }
        if !tied.is_empty() {
            self.edit(
                |s| &mut s.history,
                to,
                move |rows: &mut Vec<HistoryEntry>| {
                    rows.extend(tied.into_iter().map(|mut h| {
                        h.entry.ticket_id = to;
                        h
                    }));
                    rows.sort_by_key(|h| (h.entry.created_at, h.id));
                },
            )?;
        }
        let rows = self.unset(|s| &mut s.time_rows, from)?.unwrap_or_default();
        if !rows.is_empty() {
            self.edit(
                |s| &mut s.time_rows,
                to,
                move |target: &mut Vec<TimeAccountingEntry>| {
                    target.extend(rows.into_iter().map(|mut row| {
                        row.ticket_id = to;
                        row
                    }));
                    // Oldest first, as the port promises; the sort is stable on ties.
                    target.sort_by_key(|row| row.created_at);
                },
            )?;
        }
        Ok(moved.len() as u64)
    }

    fn insert_link_sync(&mut self, link: &Link) -> StoreResult<Link> {
        for end in [link.source, link.target] {
            if !self.object_exists(end) {
                return Err(StoreError::not_found(end.kind(), end.id()));
            }
        }
        let s = self.state();
        let duplicate = s.object_links.get(&link.source).is_some_and(|ids| {
            ids.iter()
                .filter_map(|id| s.links.get(id))
                .any(|l| l.connects(link.source, link.target, link.link_type))
        });
        if duplicate {
            return Err(StoreError::Duplicate {
                what: "link",
                value: format!(
                    "{} {} → {}",
                    link.link_type.name(),
                    link.source,
                    link.target
                ),
            });
        }
        let stored = Link {
            id: LinkId(next(&mut self.ids()?.link)),
            ..link.clone()
        };
        self.set(|s| &mut s.links, stored.id, stored.clone())?;
        for end in [stored.source, stored.target] {
            self.add_to(|s| &mut s.object_links, end, stored.id)?;
        }
        Ok(stored)
    }

    fn delete_link_sync(&mut self, id: LinkId) -> StoreResult<()> {
        let link = self
            .unset(|s| &mut s.links, id)?
            .ok_or_else(|| StoreError::not_found("link", id))?;
        for end in [link.source, link.target] {
            self.remove_from(|s| &mut s.object_links, end, id)?;
        }
        Ok(())
    }
}

macro_rules! sync {
    ($body:expr) => {
        ready((|| $body)())
    };
}

impl StoreTx for MemoryTx {
    fn commit(mut self) -> impl Future<Output = StoreResult<()>> + Send {
        self.done = true;
        ready(Ok(()))
    }

    fn rollback(self) -> impl Future<Output = StoreResult<()>> + Send {
        // Dropping replays the undo log.
        drop(self);
        ready(Ok(()))
    }

    fn states(&mut self) -> impl Future<Output = StoreResult<Vec<State>>> + Send {
        ready(Ok(self.state().states.values().cloned().collect()))
    }

    fn insert_state(&mut self, state: &State) -> impl Future<Output = StoreResult<State>> + Send {
        sync!({
            let states = &self.state().states;
            unique(
                states.values(),
                |x| x.name == state.name,
                "state name",
                &state.name,
            )?;
            let id = if state.id.0 == 0 {
                StateId(states.keys().next_back().map_or(1, |id| id.0 + 1))
            } else if states.contains_key(&state.id) {
                return Err(StoreError::Duplicate {
                    what: "state id",
                    value: state.id.to_string(),
                });
            } else {
                state.id
            };
            let stored = State {
                id,
                ..state.clone()
            };
            self.set(|s| &mut s.states, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn insert_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send {
        sync!({
            unique(
                self.state().groups.values(),
                |x| x.name == group.name,
                "group name",
                &group.name,
            )?;
            let id = if group.id.0 == 0 {
                let last = self.state().groups.keys().next_back().map_or(0, |g| g.0);
                GroupId(next(&mut self.ids()?.group).max(last + 1))
            } else if self.state().groups.contains_key(&group.id) {
                return Err(StoreError::Duplicate {
                    what: "group id",
                    value: group.id.to_string(),
                });
            } else {
                group.id
            };
            let ids = self.ids()?;
            ids.group = ids.group.max(id.0);
            let stored = Group {
                id,
                version: 1,
                ..group.clone()
            };
            self.set(|s| &mut s.groups, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send {
        sync!({
            let groups = &self.state().groups;
            let stored = groups
                .get(&group.id)
                .ok_or_else(|| StoreError::not_found("group", group.id))?;
            check_version("group", group.id, stored.version, group.version)?;
            unique(
                groups.values(),
                |x| x.name == group.name && x.id != group.id,
                "group name",
                &group.name,
            )?;
            let stored = Group {
                version: group.version + 1,
                ..group.clone()
            };
            self.set(|s| &mut s.groups, group.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn group(&mut self, id: GroupId) -> impl Future<Output = StoreResult<Option<Group>>> + Send {
        ready(Ok(self.state().groups.get(&id).cloned()))
    }

    fn groups(&mut self) -> impl Future<Output = StoreResult<Vec<Group>>> + Send {
        ready(Ok(self.state().groups.values().cloned().collect()))
    }

    fn insert_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send {
        sync!({
            unique(
                self.state().queues.values(),
                |x| x.name == queue.name,
                "queue name",
                &queue.name,
            )?;
            self.require_groups([&queue.group_id])?;
            let id = if queue.id.0 == 0 {
                QueueId(next(&mut self.ids()?.queue))
            } else {
                queue.id
            };
            if self.state().queues.contains_key(&id) {
                return Err(StoreError::Duplicate {
                    what: "queue id",
                    value: id.to_string(),
                });
            }
            let ids = self.ids()?;
            ids.queue = ids.queue.max(id.0);
            let stored = Queue {
                id,
                version: 1,
                ..queue.clone()
            };
            self.set(|s| &mut s.queues, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send {
        sync!({
            let queues = &self.state().queues;
            let stored = queues
                .get(&queue.id)
                .ok_or_else(|| StoreError::not_found("queue", queue.id))?;
            check_version("queue", queue.id, stored.version, queue.version)?;
            unique(
                queues.values(),
                |x| x.name == queue.name && x.id != queue.id,
                "queue name",
                &queue.name,
            )?;
            self.require_groups([&queue.group_id])?;
            let stored = Queue {
                version: queue.version + 1,
                ..queue.clone()
            };
            self.set(|s| &mut s.queues, queue.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn queue(&mut self, id: QueueId) -> impl Future<Output = StoreResult<Option<Queue>>> + Send {
        ready(Ok(self.state().queues.get(&id).cloned()))
    }

    fn queues(&mut self) -> impl Future<Output = StoreResult<Vec<Queue>>> + Send {
        ready(Ok(self.state().queues.values().cloned().collect()))
    }

    fn insert_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send {
        sync!({
            unique(
                self.state().agents.values(),
                |x| x.login == agent.login,
                "agent login",
                &agent.login,
            )?;
            self.require_groups(agent.groups.keys())?;
            let id = if agent.id.0 == 0 {
                AgentId(next(&mut self.ids()?.agent))
            } else {
                agent.id
            };
            if self.state().agents.contains_key(&id) {
                return Err(StoreError::Duplicate {
                    what: "agent id",
                    value: id.to_string(),
                });
            }
            let ids = self.ids()?;
            ids.agent = ids.agent.max(id.0);
            let stored = Agent {
                id,
                version: 1,
                ..agent.clone()
            };
            self.set(|s| &mut s.agents, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send {
        sync!({
            let agents = &self.state().agents;
            let stored = agents
                .get(&agent.id)
                .ok_or_else(|| StoreError::not_found("agent", agent.id))?;
            check_version("agent", agent.id, stored.version, agent.version)?;
            unique(
                agents.values(),
                |x| x.login == agent.login && x.id != agent.id,
                "agent login",
                &agent.login,
            )?;
            self.require_groups(agent.groups.keys())?;
            let stored = Agent {
                version: agent.version + 1,
                ..agent.clone()
            };
            self.set(|s| &mut s.agents, agent.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn agent(&mut self, id: AgentId) -> impl Future<Output = StoreResult<Option<Agent>>> + Send {
        ready(Ok(self.state().agents.get(&id).cloned()))
    }

    fn agent_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<Agent>>> + Send {
        ready(Ok(self
            .state()
            .agents
            .values()
            .find(|a| a.login == login)
            .cloned()))
    }

    fn agents(&mut self) -> impl Future<Output = StoreResult<Vec<Agent>>> + Send {
        ready(Ok(self.state().agents.values().cloned().collect()))
    }

    fn insert_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send {
        sync!({
            unique(
                self.state().customers.values(),
                |x| x.customer_id.eq_ignore_ascii_case(&customer.customer_id),
                "CustomerID",
                &customer.customer_id,
            )?;
            let id = CustomerId(next(&mut self.ids()?.customer));
            let stored = Customer {
                id,
                version: 1,
                ..customer.clone()
            };
            self.set(|s| &mut s.customers, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send {
        sync!({
            let customers = &self.state().customers;
            let stored = customers
                .get(&customer.id)
                .ok_or_else(|| StoreError::not_found("customer", customer.id))?;
            check_version("customer", customer.id, stored.version, customer.version)?;
            unique(
                customers.values(),
                |x| {
                    x.customer_id.eq_ignore_ascii_case(&customer.customer_id) && x.id != customer.id
                },
                "CustomerID",
                &customer.customer_id,
            )?;
            let stored = Customer {
                version: customer.version + 1,
                ..customer.clone()
            };
            self.set(|s| &mut s.customers, customer.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn customer(
        &mut self,
        id: CustomerId,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send {
        ready(Ok(self.state().customers.get(&id).cloned()))
    }

    fn customer_by_customer_id(
        &mut self,
        customer_id: &str,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send {
        ready(Ok(self
            .state()
            .customers
            .values()
            .find(|c| c.customer_id.eq_ignore_ascii_case(customer_id))
            .cloned()))
    }

    fn list_customers(
        &mut self,
        filter: &CustomerFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Customer>>> + Send {
        let mut items: Vec<Customer> = self
            .state()
            .customers
            .values()
            .filter(|c| filter.matches(c))
            .cloned()
            .collect();
        items.sort_by_key(|c| c.customer_id.to_lowercase());
        ready(Ok(page_of(items, &page)))
    }

    fn insert_customer_user(
        &mut self,
        user: &CustomerUser,
    ) -> impl Future<Output = StoreResult<CustomerUser>> + Send {
        sync!({
            unique(
                self.state().customer_users.values(),
                |x| x.login == user.login,
                "customer user login",
                &user.login,
            )?;
            self.require_groups(user.groups.keys())?;
            let id = CustomerUserId(next(&mut self.ids()?.customer_user));
            let stored = CustomerUser {
                id,
                version: 1,
                ..user.clone()
            };
            self.set(|s| &mut s.customer_users, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_customer_user(
        &mut self,
        user: &CustomerUser,
    ) -> impl Future<Output = StoreResult<CustomerUser>> + Send {
        sync!({
            let users = &self.state().customer_users;
            let stored = users
                .get(&user.id)
                .ok_or_else(|| StoreError::not_found("customer user", user.id))?;
            check_version("customer user", user.id, stored.version, user.version)?;
            unique(
                users.values(),
                |x| x.login == user.login && x.id != user.id,
                "customer user login",
                &user.login,
            )?;
            self.require_groups(user.groups.keys())?;
            let stored = CustomerUser {
                version: user.version + 1,
                ..user.clone()
            };
            self.set(|s| &mut s.customer_users, user.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn customer_user(
        &mut self,
        id: CustomerUserId,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send {
        ready(Ok(self.state().customer_users.get(&id).cloned()))
    }

    fn customer_user_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send {
        ready(Ok(self
            .state()
            .customer_users
            .values()
            .find(|u| u.login == login)
            .cloned()))
    }

    fn list_customer_users(
        &mut self,
        filter: &CustomerUserFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<CustomerUser>>> + Send {
        let mut items: Vec<CustomerUser> = self
            .state()
            .customer_users
            .values()
            .filter(|u| filter.matches(u))
            .cloned()
            .collect();
        items.sort_by(|a, b| a.login.cmp(&b.login));
        ready(Ok(page_of(items, &page)))
    }

    fn next_ticket_counter(
        &mut self,
        day: NaiveDate,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        sync!({
            let mut value = 0;
            self.edit(
                |s| &mut s.day_counters,
                day,
                |c: &mut u64| {
                    *c += 1;
                    value = *c;
                },
            )?;
            Ok(value)
        })
    }

    fn insert_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send {
        ready(self.insert_ticket_sync(ticket))
    }

    fn update_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send {
        ready(self.update_ticket_sync(ticket))
    }

    fn ticket(&mut self, id: TicketId) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send {
        ready(Ok(self.state().tickets.get(&id).cloned()))
    }

    fn ticket_by_number(
        &mut self,
        number: &str,
    ) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send {
        let s = self.state();
        ready(Ok(s
            .ticket_numbers
            .get(number)
            .and_then(|id| s.tickets.get(id))
            .cloned()))
    }

    fn list_tickets(
        &mut self,
        query: &TicketQuery,
    ) -> impl Future<Output = StoreResult<TicketPage>> + Send {
        ready(Ok(self.list_tickets_sync(query)))
    }

    fn queue_state_counts(
        &mut self,
    ) -> impl Future<Output = StoreResult<Vec<QueueStateCount>>> + Send {
        let mut counts: Vec<QueueStateCount> = self
            .state()
            .counts
            .iter()
            .filter(|(_, count)| **count > 0)
            .map(|((queue_id, state_id), count)| QueueStateCount {
                queue_id: *queue_id,
                state_id: *state_id,
                count: *count,
            })
            .collect();
        counts.sort_by_key(|c| (c.queue_id, c.state_id));
        ready(Ok(counts))
    }

    fn insert_article(
        &mut self,
        article: &NewArticle,
    ) -> impl Future<Output = StoreResult<Article>> + Send {
        ready(self.insert_article_sync(article))
    }

    fn update_article(
        &mut self,
        article: &Article,
    ) -> impl Future<Output = StoreResult<Article>> + Send {
        sync!({
            let stored = self
                .state()
                .articles
                .get(&article.id)
                .ok_or_else(|| StoreError::not_found("article", article.id))?;
            check_version("article", article.id, stored.version, article.version)?;
            if stored.ticket_id != article.ticket_id {
                return Err(StoreError::Invalid {
                    field: "ticket_id",
                    message: "articles move between tickets only by a merge".into(),
                });
            }
            let updated = Article {
                version: article.version + 1,
                ..article.clone()
            };
            self.set(|s| &mut s.articles, article.id, updated.clone())?;
            Ok(updated)
        })
    }

    fn article(
        &mut self,
        id: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<Article>>> + Send {
        ready(Ok(self.state().articles.get(&id).cloned()))
    }

    fn articles(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Article>>> + Send {
        let s = self.state();
        let mut articles: Vec<Article> = s
            .ticket_articles
            .get(&ticket)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| s.articles.get(id).cloned())
                    .collect()
            })
            .unwrap_or_default();
        articles.sort_by_key(|a| (a.created_at, a.id));
        ready(Ok(articles))
    }

    fn attachment(
        &mut self,
        id: AttachmentId,
    ) -> impl Future<Output = StoreResult<Option<AttachmentContent>>> + Send {
        ready(Ok(self.state().attachments.get(&id).cloned()))
    }

    fn insert_article_source(
        &mut self,
        article: ArticleId,
        source: &[u8],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if !self.state().articles.contains_key(&article) {
                return Err(StoreError::not_found("article", article));
            }
            if self.state().article_sources.contains_key(&article) {
                return Err(StoreError::Duplicate {
                    what: "article source",
                    value: article.to_string(),
                });
            }
            self.set(|s| &mut s.article_sources, article, Arc::from(source))
        })
    }

    fn article_source(
        &mut self,
        article: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<Arc<[u8]>>>> + Send {
        ready(Ok(self.state().article_sources.get(&article).cloned()))
    }

    fn move_ticket_content(
        &mut self,
        from: TicketId,
        to: TicketId,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        ready(self.move_ticket_content_sync(from, to))
    }

    fn insert_time_accounting(
        &mut self,
        entry: &TimeAccountingEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            self.require_ticket(entry.ticket_id)?;
            self.push(|s| &mut s.time_rows, entry.ticket_id, entry.clone())
        })
    }

    fn time_accounting(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<TimeAccountingEntry>>> + Send {
        ready(Ok(self
            .state()
            .time_rows
            .get(&ticket)
            .cloned()
            .unwrap_or_default()))
    }

    fn mark_seen(
        &mut self,
        agent: AgentId,
        articles: &[ArticleId],
        _at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            for id in articles {
                if !self.state().articles.contains_key(id) {
                    return Err(StoreError::not_found("article", id));
                }
                let key = (agent, *id);
                if self.state_mut()?.seen.insert(key) {
                    self.undo.push(Box::new(move |s| {
                        s.seen.remove(&key);
                    }));
                }
            }
            Ok(())
        })
    }

    fn seen_articles(
        &mut self,
        agent: AgentId,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<ArticleId>>> + Send {
        let s = self.state();
        ready(Ok(s
            .ticket_articles
            .get(&ticket)
            .map(|ids| {
                ids.iter()
                    .filter(|id| s.seen.contains(&(agent, **id)))
                    .copied()
                    .collect()
            })
            .unwrap_or_default()))
    }

    fn unread_tickets(
        &mut self,
        agent: AgentId,
        tickets: &[TicketId],
    ) -> impl Future<Output = StoreResult<Vec<TicketId>>> + Send {
        let s = self.state();
        ready(Ok(tickets
            .iter()
            .copied()
            .filter(|t| {
                s.ticket_articles
                    .get(t)
                    .is_some_and(|ids| ids.iter().any(|id| !s.seen.contains(&(agent, *id))))
            })
            .collect()))
    }

    fn append_history(
        &mut self,
        entries: &[NewHistoryEntry],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            // Commands write several rows of one ticket at a time: each run of rows for the same
            // ticket is checked, appended and made undoable once.
            let mut rest = entries;
            while let Some(first) = rest.first() {
                let ticket = first.ticket_id;
                let run = rest.iter().take_while(|e| e.ticket_id == ticket).count();
                let (batch, tail) = rest.split_at(run);
                rest = tail;
                self.require_ticket(ticket)?;
                let ids = self.ids()?;
                let rows: Vec<HistoryEntry> = batch
                    .iter()
                    .map(|entry| HistoryEntry {
                        id: HistoryId(next(&mut ids.history)),
                        entry: entry.clone(),
                    })
                    .collect();
                let list = self.state_mut()?.history.entry(ticket).or_default();
                let before = list.len();
                list.extend(rows);
                self.undo.push(Box::new(move |s| {
                    if let Some(list) = s.history.get_mut(&ticket) {
                        list.truncate(before);
                        if list.is_empty() {
                            s.history.remove(&ticket);
                        }
                    }
                }));
            }
            Ok(())
        })
    }

    fn history(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<HistoryEntry>>> + Send {
        let mut rows = self
            .state()
            .history
            .get(&ticket)
            .cloned()
            .unwrap_or_default();
        rows.sort_by_key(|h| (h.entry.created_at, h.id));
        ready(Ok(rows))
    }

    fn insert_link(&mut self, link: &Link) -> impl Future<Output = StoreResult<Link>> + Send {
        ready(self.insert_link_sync(link))
    }

    fn link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<Option<Link>>> + Send {
        ready(Ok(self.state().links.get(&id).cloned()))
    }

    fn delete_link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.delete_link_sync(id))
    }

    fn links_of(
        &mut self,
        object: ObjectRef,
    ) -> impl Future<Output = StoreResult<Vec<Link>>> + Send {
        let s = self.state();
        ready(Ok(s
            .object_links
            .get(&object)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| s.links.get(id).cloned())
                    .collect()
            })
            .unwrap_or_default()))
    }

    fn upsert_watcher(
        &mut self,
        watcher: &Watcher,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            self.require_ticket(watcher.ticket_id)?;
            if !self.state().agents.contains_key(&watcher.agent_id) {
                return Err(StoreError::not_found("agent", watcher.agent_id));
            }
            let w = watcher.clone();
            self.edit(
                |s| &mut s.watchers,
                watcher.ticket_id,
                move |map: &mut BTreeMap<AgentId, Watcher>| {
                    map.insert(w.agent_id, w);
                },
            )
        })
    }

    fn delete_watcher(
        &mut self,
        ticket: TicketId,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if self
                .state()
                .watchers
                .get(&ticket)
                .is_some_and(|w| w.contains_key(&agent))
            {
                self.edit(
                    |s| &mut s.watchers,
                    ticket,
                    move |map: &mut BTreeMap<AgentId, Watcher>| {
                        map.remove(&agent);
                    },
                )?;
            }
            Ok(())
        })
    }

    fn watchers(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Watcher>>> + Send {
        ready(Ok(self
            .state()
            .watchers
            .get(&ticket)
            .map(|w| w.values().cloned().collect())
            .unwrap_or_default()))
    }

    fn insert_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send {
        sync!({
            self.require_ticket(draft.ticket_id)?;
            unique(
                self.state().drafts.values(),
                |d| d.ticket_id == draft.ticket_id && d.form == draft.form && d.name == draft.name,
                "draft name",
                &draft.name,
            )?;
            let stored = Draft {
                id: DraftId(next(&mut self.ids()?.draft)),
                version: 1,
                ..draft.clone()
            };
            self.set(|s| &mut s.drafts, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send {
        sync!({
            let drafts = &self.state().drafts;
            let stored = drafts
                .get(&draft.id)
                .ok_or_else(|| StoreError::not_found("draft", draft.id))?;
            check_version("draft", draft.id, stored.version, draft.version)?;
            unique(
                drafts.values(),
                |d| {
                    d.id != draft.id
                        && d.ticket_id == draft.ticket_id
                        && d.form == draft.form
                        && d.name == draft.name
                },
                "draft name",
                &draft.name,
            )?;
            let stored = Draft {
                version: draft.version + 1,
                ..draft.clone()
            };
            self.set(|s| &mut s.drafts, draft.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn delete_draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            self.unset(|s| &mut s.drafts, id)?
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("draft", id))
        })
    }

    fn draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<Option<Draft>>> + Send {
        ready(Ok(self.state().drafts.get(&id).cloned()))
    }

    fn drafts(&mut self, ticket: TicketId) -> impl Future<Output = StoreResult<Vec<Draft>>> + Send {
        ready(Ok(self
            .state()
            .drafts
            .values()
            .filter(|d| d.ticket_id == ticket)
            .cloned()
            .collect()))
    }

    fn append_change(&mut self, change: &Change) -> impl Future<Output = StoreResult<u64>> + Send {
        sync!({
            let seq = next(&mut self.ids()?.change);
            self.state_mut()?.changes.push(Change {
                seq,
                ..change.clone()
            });
            self.undo.push(Box::new(|s| {
                s.changes.pop();
            }));
            Ok(seq)
        })
    }

    fn changes_since(
        &mut self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Change>>> + Send {
        let changes = &self.state().changes;
        let start = changes.partition_point(|c| c.seq <= after);
        ready(Ok(changes[start..]
            .iter()
            .take(limit as usize)
            .cloned()
            .collect()))
    }

    fn enqueue_message(
        &mut self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = StoreResult<OutgoingMessage>> + Send {
        sync!({
            if let Some(message_id) = &message.message_id {
                unique(
                    self.state().outbox.values(),
                    |m| m.message_id.as_ref() == Some(message_id),
                    "message id",
                    message_id,
                )?;
            }
            let stored = OutgoingMessage {
                id: MessageId(next(&mut self.ids()?.message)),
                ..message.clone()
            };
            self.set(|s| &mut s.outbox, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn pending_messages(
        &mut self,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<OutgoingMessage>>> + Send {
        ready(Ok(self
            .state()
            .outbox
            .values()
            .filter(|m| m.status == MessageStatus::Pending)
            .take(limit as usize)
            .cloned()
            .collect()))
    }

    fn update_message(
        &mut self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.replace(
            |s| &mut s.outbox,
            message.id,
            message.clone(),
            || StoreError::not_found("message", message.id),
        ))
    }

    fn message(
        &mut self,
        id: MessageId,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send {
        ready(Ok(self.state().outbox.get(&id).cloned()))
    }

    fn message_of_article(
        &mut self,
        article: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send {
        ready(Ok(self
            .state()
            .outbox
            .values()
            .find(|m| m.article_id == Some(article))
            .cloned()))
    }

    fn insert_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if self.state().sessions.contains_key(&session.key_digest) {
                return Err(StoreError::Duplicate {
                    what: "session",
                    value: "(secret)".into(),
                });
            }
            self.set(
                |s| &mut s.sessions,
                session.key_digest.clone(),
                session.clone(),
            )
        })
    }

    fn session(
        &mut self,
        key_digest: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionRecord>>> + Send {
        ready(Ok(self.state().sessions.get(key_digest).cloned()))
    }

    fn update_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.replace(
            |s| &mut s.sessions,
            session.key_digest.clone(),
            session.clone(),
            || StoreError::not_found("session", "(secret)"),
        ))
    }

    fn delete_session(&mut self, key_digest: &str) -> impl Future<Output = StoreResult<()>> + Send {
        ready(
            self.unset(|s| &mut s.sessions, key_digest.to_owned())
                .map(|_| ()),
        )
    }

    fn purge_sessions(
        &mut self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        sync!({
            let doomed: Vec<String> = self
                .state()
                .sessions
                .values()
                .filter(|v| v.last_seen_at < idle_before || v.created_at < created_before)
                .map(|v| v.key_digest.clone())
                .collect();
            for key in &doomed {
                self.unset(|s| &mut s.sessions, key.clone())?;
            }
            Ok(doomed.len() as u64)
        })
    }

    fn insert_api_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = StoreResult<ApiToken>> + Send {
        sync!({
            if !self.state().agents.contains_key(&token.agent_id) {
                return Err(StoreError::not_found("agent", token.agent_id));
            }
            if self
                .state()
                .api_tokens
                .values()
                .any(|t| t.digest == token.digest)
            {
                return Err(StoreError::Duplicate {
                    what: "api token",
                    value: "(secret)".into(),
                });
            }
            let stored = ApiToken {
                id: ApiTokenId(next(&mut self.ids()?.api_token)),
                ..token.clone()
            };
            self.set(|s| &mut s.api_tokens, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn api_token_by_digest(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send {
        ready(Ok(self
            .state()
            .api_tokens
            .values()
            .find(|t| t.digest == digest)
            .cloned()))
    }

    fn api_tokens_of(
        &mut self,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<Vec<ApiToken>>> + Send {
        ready(Ok(self
            .state()
            .api_tokens
            .values()
            .filter(|t| t.agent_id == agent)
            .cloned()
            .collect()))
    }

    fn update_api_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.replace(
            |s| &mut s.api_tokens,
            token.id,
            token.clone(),
            || StoreError::not_found("api token", token.id),
        ))
    }

    fn api_token(
        &mut self,
        id: ApiTokenId,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send {
        ready(Ok(self.state().api_tokens.get(&id).cloned()))
    }

    fn insert_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if self.state().one_time_tokens.contains_key(&token.digest) {
                return Err(StoreError::Duplicate {
                    what: "one-time token",
                    value: "(secret)".into(),
                });
            }
            self.set(
                |s| &mut s.one_time_tokens,
                token.digest.clone(),
                token.clone(),
            )
        })
    }

    fn one_time_token(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<OneTimeToken>>> + Send {
        ready(Ok(self.state().one_time_tokens.get(digest).cloned()))
    }

    fn update_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.replace(
            |s| &mut s.one_time_tokens,
            token.digest.clone(),
            token.clone(),
            || StoreError::not_found("one-time token", "(secret)"),
        ))
    }

    // --- jobs, agent notifications, outbox by Message-ID (scheduler) -------------------------

    fn upsert_job(&mut self, job: &Job) -> impl Future<Output = StoreResult<Job>> + Send {
        sync!({
            let existing = job.unique_key.as_ref().and_then(|key| {
                self.state()
                    .jobs
                    .values()
                    .find(|j| j.state == JobState::Pending && j.unique_key.as_ref() == Some(key))
                    .map(|j| j.id)
            });
            let id = match existing {
                Some(id) => id,
                None => JobId(next(&mut self.ids()?.job)),
            };
            let stored = Job {
                id,
                state: JobState::Pending,
                attempts: 0,
                last_error: None,
                lease_owner: None,
                lease_until: None,
                finished_at: None,
                ..job.clone()
            };
            self.set(|s| &mut s.jobs, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn job(&mut self, id: JobId) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        ready(Ok(self.state().jobs.get(&id).cloned()))
    }

    fn list_jobs(
        &mut self,
        filter: &JobFilter,
        page: PageRequest,
    ) -> impl Future<Output = StoreResult<Page<Job>>> + Send {
        let mut jobs: Vec<Job> = self
            .state()
            .jobs
            .values()
            .filter(|j| {
                filter.states.as_ref().is_none_or(|s| s.contains(&j.state))
                    && filter.kind.as_ref().is_none_or(|k| *k == j.kind)
                    && filter
                        .unique_key
                        .as_ref()
                        .is_none_or(|k| j.unique_key.as_ref() == Some(k))
            })
            .cloned()
            .collect();
        jobs.sort_by_key(|j| (j.run_at, j.id));
        ready(Ok(page_of(jobs, &page)))
    }

    fn claim_jobs(
        &mut self,
        owner: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Job>>> + Send {
        sync!({
            let mut due: Vec<&Job> = self
                .state()
                .jobs
                .values()
                .filter(|j| match j.state {
                    JobState::Pending => j.run_at <= now,
                    JobState::Running => j.lease_until.is_none_or(|until| until < now),
                    _ => false,
                })
                .collect();
            due.sort_by_key(|j| (j.run_at, j.id));
            let claimed: Vec<Job> = due
                .into_iter()
                .take(limit as usize)
                .map(|j| Job {
                    state: JobState::Running,
                    attempts: j.attempts.saturating_add(1),
                    lease_owner: Some(owner.to_owned()),
                    lease_until: Some(lease_until),
                    ..j.clone()
                })
                .collect();
            for job in &claimed {
                self.set(|s| &mut s.jobs, job.id, job.clone())?;
            }
            Ok(claimed)
        })
    }

    fn finish_job(
        &mut self,
        id: JobId,
        owner: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        sync!({
            let Some(job) = self.state().jobs.get(&id).filter(|j| held_by(j, owner)) else {
                return Ok(None);
            };
            let done = Job {
                state: JobState::Done,
                last_error: None,
                lease_owner: None,
                lease_until: None,
                finished_at: Some(now),
                ..job.clone()
            };
            self.set(|s| &mut s.jobs, id, done.clone())?;
            Ok(Some(done))
        })
    }

    fn fail_job(
        &mut self,
        id: JobId,
        owner: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        sync!({
            let Some(job) = self.state().jobs.get(&id).filter(|j| held_by(j, owner)) else {
                return Ok(None);
            };
            let superseded = job.unique_key.as_ref().is_some_and(|key| {
                self.state().jobs.values().any(|j| {
                    j.id != id && j.state == JobState::Pending && j.unique_key.as_ref() == Some(key)
                })
            });
            let (state, run_at, finished_at) = match retry_at {
                Some(_) if superseded => (JobState::Cancelled, job.run_at, Some(now)),
                Some(at) => (JobState::Pending, at, None),
                None => (JobState::Failed, job.run_at, Some(now)),
            };
            let failed = Job {
                state,
                run_at,
                last_error: Some(error.to_owned()),
                lease_owner: None,
                lease_until: None,
                finished_at,
                ..job.clone()
            };
            self.set(|s| &mut s.jobs, id, failed.clone())?;
            Ok(Some(failed))
        })
    }

    fn cancel_job(
        &mut self,
        id: JobId,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        sync!({
            let job = self
                .state()
                .jobs
                .get(&id)
                .cloned()
                .ok_or_else(|| StoreError::not_found("job", id))?;
            if job.state.is_final() {
                return Ok(None);
            }
            let cancelled = cancelled(job, now);
            self.set(|s| &mut s.jobs, id, cancelled.clone())?;
            Ok(Some(cancelled))
        })
    }

    fn cancel_jobs_by_key(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        sync!({
            let live: Vec<Job> = self
                .state()
                .jobs
                .values()
                .filter(|j| !j.state.is_final() && j.unique_key.as_deref() == Some(key))
                .cloned()
                .collect();
            let count = live.len() as u64;
            for job in live {
                self.set(|s| &mut s.jobs, job.id, cancelled(job, now))?;
            }
            Ok(count)
        })
    }

    fn purge_jobs(
        &mut self,
        finished_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        sync!({
            let doomed: Vec<JobId> = self
                .state()
                .jobs
                .values()
                .filter(|j| {
                    j.state.is_final() && j.finished_at.is_some_and(|t| t < finished_before)
                })
                .map(|j| j.id)
                .collect();
            for id in &doomed {
                self.unset(|s| &mut s.jobs, *id)?;
            }
            Ok(doomed.len() as u64)
        })
    }

    fn insert_agent_notification(
        &mut self,
        notification: &AgentNotification,
    ) -> impl Future<Output = StoreResult<AgentNotification>> + Send {
        sync!({
            if !self.state().agents.contains_key(&notification.agent_id) {
                return Err(StoreError::not_found("agent", notification.agent_id));
            }
            if let Some(key) = &notification.dedup_key
                && let Some(existing) = self.state().notifications.values().find(|n| {
                    n.agent_id == notification.agent_id && n.dedup_key.as_ref() == Some(key)
                })
            {
                return Ok(existing.clone());
            }
            let stored = AgentNotification {
                id: NotificationId(next(&mut self.ids()?.notification)),
                ..notification.clone()
            };
            self.set(|s| &mut s.notifications, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn agent_notifications(
        &mut self,
        agent: AgentId,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<AgentNotification>>> + Send {
        let mut mine: Vec<AgentNotification> = self
            .state()
            .notifications
            .values()
            .filter(|n| n.agent_id == agent)
            .cloned()
            .collect();
        mine.sort_by_key(|n| std::cmp::Reverse((n.created_at, n.id)));
        mine.truncate(limit as usize);
        ready(Ok(mine))
    }

    fn unseen_notification_count(
        &mut self,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        ready(Ok(self
            .state()
            .notifications
            .values()
            .filter(|n| n.agent_id == agent && n.seen_at.is_none())
            .count() as u64))
    }

    fn mark_notifications_seen(
        &mut self,
        agent: AgentId,
        ids: Option<&[NotificationId]>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        sync!({
            let changed: Vec<AgentNotification> = self
                .state()
                .notifications
                .values()
                .filter(|n| {
                    n.agent_id == agent
                        && n.seen_at.is_none()
                        && ids.is_none_or(|ids| ids.contains(&n.id))
                })
                .map(|n| AgentNotification {
                    seen_at: Some(at),
                    ..n.clone()
                })
                .collect();
            let count = changed.len() as u64;
            for n in changed {
                self.set(|s| &mut s.notifications, n.id, n)?;
            }
            Ok(count)
        })
    }

    fn message_by_message_id(
        &mut self,
        message_id: &str,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send {
        ready(Ok(self
            .state()
            .outbox
            .values()
            .find(|m| m.message_id.as_deref() == Some(message_id))
            .cloned()))
    }

    // --- knowledge base ------------------------------------------------------------------------

    fn insert_kb_category(
        &mut self,
        category: &KbCategory,
    ) -> impl Future<Output = StoreResult<KbCategory>> + Send {
        sync!({
            let stored = KbCategory {
                id: KbCategoryId(next(&mut self.ids()?.kb_category)),
                version: 1,
                ..category.clone()
            };
            self.check_kb_category(&stored)?;
            self.set(|s| &mut s.kb_categories, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_kb_category(
        &mut self,
        category: &KbCategory,
    ) -> impl Future<Output = StoreResult<KbCategory>> + Send {
        sync!({
            let stored = self
                .state()
                .kb_categories
                .get(&category.id)
                .ok_or_else(|| StoreError::not_found("kb category", category.id))?;
            check_version("kb category", category.id, stored.version, category.version)?;
            self.check_kb_category(category)?;
            let stored = KbCategory {
                version: category.version + 1,
                ..category.clone()
            };
            self.set(|s| &mut s.kb_categories, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn delete_kb_category(
        &mut self,
        id: KbCategoryId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            let s = self.state();
            if !s.kb_categories.contains_key(&id) {
                return Err(StoreError::not_found("kb category", id));
            }
            if s.kb_categories.values().any(|c| c.parent_id == Some(id))
                || s.kb_articles.values().any(|a| a.category_id == id)
            {
                return Err(StoreError::Invalid {
                    field: "category",
                    message: format!("kb category {id} still holds articles or subcategories"),
                });
            }
            self.unset(|s| &mut s.kb_categories, id).map(|_| ())
        })
    }

    fn kb_categories(&mut self) -> impl Future<Output = StoreResult<Vec<KbCategory>>> + Send {
        ready(Ok(self.state().kb_categories.values().cloned().collect()))
    }

    fn insert_kb_article(
        &mut self,
        article: &KbArticle,
        files: &[NewAttachment],
    ) -> impl Future<Output = StoreResult<KbArticle>> + Send {
        sync!({
            if !self
                .state()
                .kb_categories
                .contains_key(&article.category_id)
            {
                return Err(StoreError::not_found("kb category", article.category_id));
            }
            let id = KbArticleId(next(&mut self.ids()?.kb_article));
            let mut attachments = Vec::with_capacity(files.len());
            for file in files {
                attachments.push(self.put_kb_file(id, file)?);
            }
            let stored = KbArticle {
                id,
                attachments,
                version: 1,
                ..article.clone()
            };
            self.set(|s| &mut s.kb_articles, id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_kb_article(
        &mut self,
        article: &KbArticle,
    ) -> impl Future<Output = StoreResult<KbArticle>> + Send {
        sync!({
            let stored = self
                .state()
                .kb_articles
                .get(&article.id)
                .ok_or_else(|| StoreError::not_found("kb article", article.id))?;
            check_version("kb article", article.id, stored.version, article.version)?;
            if !self
                .state()
                .kb_categories
                .contains_key(&article.category_id)
            {
                return Err(StoreError::not_found("kb category", article.category_id));
            }
            let stored = KbArticle {
                attachments: stored.attachments.clone(),
                version: article.version + 1,
                ..article.clone()
            };
            self.set(|s| &mut s.kb_articles, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn delete_kb_article(
        &mut self,
        id: KbArticleId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            let article = self
                .unset(|s| &mut s.kb_articles, id)?
                .ok_or_else(|| StoreError::not_found("kb article", id))?;
            for file in article.attachments {
                self.unset(|s| &mut s.kb_files, file.id)?;
            }
            let voters: Vec<Principal> = self
                .state()
                .kb_votes
                .keys()
                .filter(|(a, _)| *a == id)
                .map(|(_, p)| *p)
                .collect();
            for voter in voters {
                self.unset(|s| &mut s.kb_votes, (id, voter))?;
            }
            self.unset(|s| &mut s.kb_history, id)?;
            Ok(())
        })
    }

    fn kb_article(
        &mut self,
        id: KbArticleId,
    ) -> impl Future<Output = StoreResult<Option<KbArticle>>> + Send {
        ready(Ok(self.state().kb_articles.get(&id).cloned()))
    }

    fn kb_articles(
        &mut self,
        filter: &KbArticleFilter,
    ) -> impl Future<Output = StoreResult<Vec<KbArticle>>> + Send {
        ready(Ok(self
            .state()
            .kb_articles
            .values()
            .filter(|a| {
                filter
                    .category_ids
                    .as_ref()
                    .is_none_or(|c| c.contains(&a.category_id))
                    && filter.states.as_ref().is_none_or(|s| s.contains(&a.state))
                    && (!filter.valid_only || a.validity.is_valid())
                    && (!filter.approved_only || a.approved)
            })
            .cloned()
            .collect()))
    }

    fn insert_kb_attachment(
        &mut self,
        article: KbArticleId,
        file: &NewAttachment,
    ) -> impl Future<Output = StoreResult<KbAttachment>> + Send {
        sync!({
            let mut stored = self
                .state()
                .kb_articles
                .get(&article)
                .cloned()
                .ok_or_else(|| StoreError::not_found("kb article", article))?;
            let meta = self.put_kb_file(article, file)?;
            stored.attachments.push(meta.clone());
            self.set(|s| &mut s.kb_articles, article, stored)?;
            Ok(meta)
        })
    }

    fn delete_kb_attachment(
        &mut self,
        article: KbArticleId,
        attachment: KbAttachmentId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            let mut stored = self
                .state()
                .kb_articles
                .get(&article)
                .cloned()
                .ok_or_else(|| StoreError::not_found("kb article", article))?;
            let before = stored.attachments.len();
            stored.attachments.retain(|a| a.id != attachment);
            if stored.attachments.len() == before {
                return Err(StoreError::not_found("kb attachment", attachment));
            }
            self.unset(|s| &mut s.kb_files, attachment)?;
            self.set(|s| &mut s.kb_articles, article, stored)
        })
    }

    fn kb_attachment(
        &mut self,
        article: KbArticleId,
        attachment: KbAttachmentId,
    ) -> impl Future<Output = StoreResult<Option<(KbAttachment, Arc<[u8]>)>>> + Send {
        let s = self.state();
        let found = s.kb_articles.get(&article).and_then(|a| {
            let meta = a.attachments.iter().find(|m| m.id == attachment)?;
            let (_, bytes) = s.kb_files.get(&attachment)?;
            Some((meta.clone(), bytes.clone()))
        });
        ready(Ok(found))
    }

    fn upsert_kb_vote(&mut self, vote: &KbVote) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if !self.state().kb_articles.contains_key(&vote.article_id) {
                return Err(StoreError::not_found("kb article", vote.article_id));
            }
            self.set(
                |s| &mut s.kb_votes,
                (vote.article_id, vote.voter),
                vote.clone(),
            )
        })
    }

    fn kb_votes(
        &mut self,
        article: KbArticleId,
    ) -> impl Future<Output = StoreResult<Vec<KbVote>>> + Send {
        let mut votes: Vec<KbVote> = self
            .state()
            .kb_votes
            .iter()
            .filter(|((a, _), _)| *a == article)
            .map(|(_, v)| v.clone())
            .collect();
        votes.sort_by_key(|v| (v.at, v.voter));
        ready(Ok(votes))
    }

    fn append_kb_history(
        &mut self,
        entry: &KbHistoryEntry,
    ) -> impl Future<Output = StoreResult<KbHistoryEntry>> + Send {
        sync!({
            if !self.state().kb_articles.contains_key(&entry.article_id) {
                return Err(StoreError::not_found("kb article", entry.article_id));
            }
            let row = KbHistoryEntry {
                id: KbHistoryId(next(&mut self.ids()?.kb_history)),
                ..entry.clone()
            };
            self.push(|s| &mut s.kb_history, entry.article_id, row.clone())?;
            Ok(row)
        })
    }

    fn kb_history(
        &mut self,
        article: KbArticleId,
    ) -> impl Future<Output = StoreResult<Vec<KbHistoryEntry>>> + Send {
        let mut rows = self
            .state()
            .kb_history
            .get(&article)
            .cloned()
            .unwrap_or_default();
        rows.sort_by_key(|h| (h.at, h.id));
        ready(Ok(rows))
    }

    // --- calendar ----------------------------------------------------------------------------

    fn insert_calendar(
        &mut self,
        calendar: &Calendar,
    ) -> impl Future<Output = StoreResult<Calendar>> + Send {
        sync!({
            self.check_calendar(calendar)?;
            let stored = Calendar {
                id: CalendarId(next(&mut self.ids()?.calendar)),
                version: 1,
                ..calendar.clone()
            };
            self.set(|s| &mut s.calendars, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_calendar(
        &mut self,
        calendar: &Calendar,
    ) -> impl Future<Output = StoreResult<Calendar>> + Send {
        sync!({
            let stored = self
                .state()
                .calendars
                .get(&calendar.id)
                .ok_or_else(|| StoreError::not_found("calendar", calendar.id))?;
            check_version("calendar", calendar.id, stored.version, calendar.version)?;
            self.check_calendar(calendar)?;
            let stored = Calendar {
                version: calendar.version + 1,
                ..calendar.clone()
            };
            self.set(|s| &mut s.calendars, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn delete_calendar(&mut self, id: CalendarId) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if self
                .state()
                .appointments
                .values()
                .any(|a| a.calendar_id == id)
            {
                return Err(StoreError::Invalid {
                    field: "calendar",
                    message: format!("calendar {id} still holds appointments"),
                });
            }
            self.unset(|s| &mut s.calendars, id)?
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("calendar", id))
        })
    }

    fn calendar(
        &mut self,
        id: CalendarId,
    ) -> impl Future<Output = StoreResult<Option<Calendar>>> + Send {
        ready(Ok(self.state().calendars.get(&id).cloned()))
    }

    fn calendar_by_feed_token(
        &mut self,
        token: &str,
    ) -> impl Future<Output = StoreResult<Option<Calendar>>> + Send {
        ready(Ok(self
            .state()
            .calendars
            .values()
            .find(|c| c.feed_token == token)
            .cloned()))
    }

    fn calendars(&mut self) -> impl Future<Output = StoreResult<Vec<Calendar>>> + Send {
        ready(Ok(self.state().calendars.values().cloned().collect()))
    }

    fn insert_appointment(
        &mut self,
        appointment: &Appointment,
    ) -> impl Future<Output = StoreResult<Appointment>> + Send {
        sync!({
            self.check_appointment(appointment)?;
            let stored = Appointment {
                id: AppointmentId(next(&mut self.ids()?.appointment)),
                version: 1,
                ..appointment.clone()
            };
            self.set(|s| &mut s.appointments, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_appointment(
        &mut self,
        appointment: &Appointment,
    ) -> impl Future<Output = StoreResult<Appointment>> + Send {
        sync!({
            let stored = self
                .state()
                .appointments
                .get(&appointment.id)
                .ok_or_else(|| StoreError::not_found("appointment", appointment.id))?;
            check_version(
                "appointment",
                appointment.id,
                stored.version,
                appointment.version,
            )?;
            self.check_appointment(appointment)?;
            let stored = Appointment {
                version: appointment.version + 1,
                ..appointment.clone()
            };
            self.set(|s| &mut s.appointments, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn delete_appointment(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if self
                .state()
                .appointments
                .values()
                .any(|a| a.parent_id == Some(id))
            {
                return Err(StoreError::Invalid {
                    field: "appointment",
                    message: format!("appointment {id} still has detached occurrences"),
                });
            }
            self.unset(|s| &mut s.appointments, id)?
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("appointment", id))
        })
    }

    fn appointment(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<Option<Appointment>>> + Send {
        ready(Ok(self.state().appointments.get(&id).cloned()))
    }

    fn appointments_between(
        &mut self,
        calendars: &[CalendarId],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Vec<Appointment>>> + Send {
        ready(Ok(self
            .state()
            .appointments
            .values()
            .filter(|a| {
                calendars.contains(&a.calendar_id)
                    && a.first_start_utc < to
                    && a.last_end_utc.is_none_or(|end| end > from)
            })
            .cloned()
            .collect()))
    }

    fn detached_occurrences(
        &mut self,
        parent: AppointmentId,
    ) -> impl Future<Output = StoreResult<Vec<Appointment>>> + Send {
        ready(Ok(self
            .state()
            .appointments
            .values()
            .filter(|a| a.parent_id == Some(parent))
            .cloned()
            .collect()))
    }

    fn append_appointment_history(
        &mut self,
        entry: &AppointmentHistoryEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            let row = AppointmentHistoryEntry {
                id: AppointmentHistoryId(next(&mut self.ids()?.appointment_history)),
                ..entry.clone()
            };
            self.push(|s| &mut s.appointment_history, entry.appointment_id, row)
        })
    }

    fn appointment_history(
        &mut self,
        id: AppointmentId,
    ) -> impl Future<Output = StoreResult<Vec<AppointmentHistoryEntry>>> + Send {
        let mut rows = self
            .state()
            .appointment_history
            .get(&id)
            .cloned()
            .unwrap_or_default();
        rows.sort_by_key(|h| (h.created_at, h.id));
        ready(Ok(rows))
    }

    // --- statistics ---------------------------------------------------------------------------

    fn stat_counts(
        &mut self,
        filter: &StatFilter,
        x: &StatGroup,
        y: &StatGroup,
    ) -> impl Future<Output = StoreResult<Vec<StatCount>>> + Send {
        let needs_close = filter.needs_close_time() || x.needs_close_time() || y.needs_close_time();
        let state = self.state();
        let mut counts: BTreeMap<
            (crate::stats::query::StatKey, crate::stats::query::StatKey),
            u64,
        > = BTreeMap::new();
        for t in state.tickets.values() {
            let closed = if needs_close {
                close_time(state, t, &filter.closed_states)
            } else {
                None
            };
            if !filter.matches(t, closed) {
                continue;
            }
            if let (Some(kx), Some(ky)) = (x.key(t, closed), y.key(t, closed)) {
                *counts.entry((kx, ky)).or_default() += 1;
            }
        }
        ready(Ok(counts
            .into_iter()
            .map(|((x, y), count)| StatCount { x, y, count })
            .collect()))
    }

    fn stat_rows(
        &mut self,
        query: &StatListQuery,
    ) -> impl Future<Output = StoreResult<Vec<StatRow>>> + Send {
        let state = self.state();
        let mut rows: Vec<StatRow> = state
            .tickets
            .values()
            .filter_map(|t| {
                let closed_at = close_time(state, t, &query.filter.closed_states);
                query.filter.matches(t, closed_at).then(|| StatRow {
                    ticket: t.clone(),
                    closed_at,
                })
            })
            .collect();
        rows.sort_by(|a, b| compare_rows(a, b, query.sort, query.descending));
        rows.truncate(query.limit as usize);
        ready(Ok(rows))
    }

    fn stat_state_changes(
        &mut self,
        bounds: &[DateTime<Utc>],
    ) -> impl Future<Output = StoreResult<Vec<StateChangeCount>>> + Send {
        let mut counts: BTreeMap<(u32, StateId), u64> = BTreeMap::new();
        for h in self.state().history.values().flatten() {
            let e = &h.entry;
            if !matches!(
                e.history_type,
                HistoryType::NewTicket | HistoryType::StateUpdate
            ) {
                continue;
            }
            if let Some(b) = crate::stats::period::bucket_of(bounds, e.created_at) {
                *counts
                    .entry((u32::try_from(b).unwrap_or(u32::MAX), e.state_id))
                    .or_default() += 1;
            }
        }
        ready(Ok(counts
            .into_iter()
            .map(|((bucket, state), count)| StateChangeCount {
                bucket,
                state,
                count,
            })
            .collect()))
    }

    fn insert_stat(
        &mut self,
        stat: &StatDefinition,
    ) -> impl Future<Output = StoreResult<StatDefinition>> + Send {
        sync!({
            unique(
                self.state().stat_definitions.values(),
                |s| s.number == stat.number,
                "statistic number",
                &stat.number.to_string(),
            )?;
            let stored = StatDefinition {
                id: StatId(next(&mut self.ids()?.stat)),
                version: 1,
                ..stat.clone()
            };
            self.set(|s| &mut s.stat_definitions, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_stat(
        &mut self,
        stat: &StatDefinition,
    ) -> impl Future<Output = StoreResult<StatDefinition>> + Send {
        sync!({
            let all = &self.state().stat_definitions;
            let stored = all
                .get(&stat.id)
                .ok_or_else(|| StoreError::not_found("statistic", stat.id))?;
            check_version("statistic", stat.id, stored.version, stat.version)?;
            unique(
                all.values(),
                |s| s.id != stat.id && s.number == stat.number,
                "statistic number",
                &stat.number.to_string(),
            )?;
            let stored = StatDefinition {
                version: stat.version + 1,
                ..stat.clone()
            };
            self.set(|s| &mut s.stat_definitions, stat.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn delete_stat(&mut self, id: StatId) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            self.unset(|s| &mut s.stat_definitions, id)?
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("statistic", id))
        })
    }

    fn stat(
        &mut self,
        id: StatId,
    ) -> impl Future<Output = StoreResult<Option<StatDefinition>>> + Send {
        ready(Ok(self.state().stat_definitions.get(&id).cloned()))
    }

    fn stats(&mut self) -> impl Future<Output = StoreResult<Vec<StatDefinition>>> + Send {
        let mut all: Vec<StatDefinition> =
            self.state().stat_definitions.values().cloned().collect();
        all.sort_by_key(|s| (s.number, s.id));
        ready(Ok(all))
    }

    // --- statsui
    fn stat_counts_by(
        &mut self,
        filter: &StatFilter,
        groups: &[StatGroup],
    ) -> impl Future<Output = StoreResult<Vec<crate::stats::query::StatTupleCount>>> + Send {
        let needs_close =
            filter.needs_close_time() || groups.iter().any(StatGroup::needs_close_time);
        let state = self.state();
        let mut counts: BTreeMap<Vec<crate::stats::query::StatKey>, u64> = BTreeMap::new();
        for t in state.tickets.values() {
            let closed = if needs_close {
                close_time(state, t, &filter.closed_states)
            } else {
                None
            };
            if !filter.matches(t, closed) {
                continue;
            }
            let keys: Option<Vec<_>> = groups.iter().map(|g| g.key(t, closed)).collect();
            if let Some(keys) = keys {
                *counts.entry(keys).or_default() += 1;
            }
        }
        ready(Ok(counts
            .into_iter()
            .map(|(keys, count)| crate::stats::query::StatTupleCount { keys, count })
            .collect()))
    }

    // --- escalations -----------------------------------------------------------------------------

    fn escalation(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Option<crate::rules::escalation::Escalation>>> + Send
    {
        ready(Ok(self.state().escalations.get(&ticket).copied()))
    }

    fn put_escalation(
        &mut self,
        ticket: TicketId,
        escalation: &crate::rules::escalation::Escalation,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            if escalation.is_none() {
                self.unset(|s| &mut s.escalations, ticket)?;
            } else {
                self.set(|s| &mut s.escalations, ticket, *escalation)?;
            }
            Ok(())
        })
    }

    fn escalations(
        &mut self,
        until: Option<DateTime<Utc>>,
        queues: &[QueueId],
        limit: usize,
    ) -> impl Future<Output = StoreResult<Vec<(TicketId, crate::rules::escalation::Escalation)>>> + Send
    {
        let state = self.state();
        let mut found: Vec<(
            DateTime<Utc>,
            TicketId,
            crate::rules::escalation::Escalation,
        )> = state
            .escalations
            .iter()
            .filter_map(|(id, e)| Some((e.earliest()?.1, *id, *e)))
            .filter(|(at, _, _)| until.is_none_or(|until| *at < until))
            .filter(|(_, id, _)| {
                state
                    .tickets
                    .get(id)
                    .is_some_and(|t| queues.contains(&t.queue_id))
            })
            .collect();
        found.sort_by_key(|(at, id, _)| (*at, *id));
        ready(Ok(found
            .into_iter()
            .take(limit)
            .map(|(_, id, e)| (id, e))
            .collect()))
    }

    // --- reports ---------------------------------------------------------------------------

    fn insert_report(
        &mut self,
        report: &crate::model::Report,
    ) -> impl Future<Output = StoreResult<crate::model::Report>> + Send {
        sync!({
            unique(
                self.state().reports.values(),
                |r| r.settings.name == report.settings.name,
                "report name",
                &report.settings.name,
            )?;
            let stored = crate::model::Report {
                id: crate::ids::ReportId(next(&mut self.ids()?.report)),
                version: 1,
                ..report.clone()
            };
            self.set(|s| &mut s.reports, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_report(
        &mut self,
        report: &crate::model::Report,
    ) -> impl Future<Output = StoreResult<crate::model::Report>> + Send {
        sync!({
            let all = &self.state().reports;
            let stored = all
                .get(&report.id)
                .ok_or_else(|| StoreError::not_found("report", report.id))?;
            check_version("report", report.id, stored.version, report.version)?;
            unique(
                all.values(),
                |r| r.id != report.id && r.settings.name == report.settings.name,
                "report name",
                &report.settings.name,
            )?;
            let stored = crate::model::Report {
                version: report.version + 1,
                ..report.clone()
            };
            self.set(|s| &mut s.reports, report.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn delete_report(
        &mut self,
        id: crate::ids::ReportId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            self.unset(|s| &mut s.reports, id)?
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("report", id))
        })
    }

    fn report(
        &mut self,
        id: crate::ids::ReportId,
    ) -> impl Future<Output = StoreResult<Option<crate::model::Report>>> + Send {
        ready(Ok(self.state().reports.get(&id).cloned()))
    }

    fn reports(&mut self) -> impl Future<Output = StoreResult<Vec<crate::model::Report>>> + Send {
        let mut all: Vec<crate::model::Report> = self.state().reports.values().cloned().collect();
        all.sort_by(|a, b| (&a.settings.name, a.id).cmp(&(&b.settings.name, b.id)));
        ready(Ok(all))
    }
    // --- calui
    fn renew_job_lease(
        &mut self,
        id: JobId,
        owner: &str,
        lease_until: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<Option<Job>>> + Send {
        sync!({
            let Some(job) = self.state().jobs.get(&id).filter(|j| held_by(j, owner)) else {
                return Ok(None);
            };
            let renewed = Job {
                lease_until: Some(lease_until),
                ..job.clone()
            };
            self.set(|s| &mut s.jobs, id, renewed.clone())?;
            Ok(Some(renewed))
        })
    }

    // --- actions
    fn standard_texts(
        &mut self,
        kind: crate::model::TextKind,
    ) -> impl Future<Output = StoreResult<Vec<crate::model::StandardText>>> + Send {
        let mut all: Vec<crate::model::StandardText> = self
            .state()
            .standard_texts
            .values()
            .filter(|t| t.kind == kind)
            .cloned()
            .collect();
        all.sort_by(|a, b| (a.name.as_str(), a.id).cmp(&(b.name.as_str(), b.id)));
        ready(Ok(all))
    }

    fn insert_standard_text(
        &mut self,
        text: &crate::model::StandardText,
    ) -> impl Future<Output = StoreResult<crate::model::StandardText>> + Send {
        sync!({
            let mut queues = text.queues.clone();
            queues.sort();
            queues.dedup();
            if let Some(q) = queues.iter().find(|q| !self.state().queues.contains_key(q)) {
                return Err(StoreError::not_found("queue", q));
            }
            unique(
                self.state().standard_texts.values(),
                |t| t.kind == text.kind && t.name == text.name,
                "standard text name",
                &text.name,
            )?;
            let stored = crate::model::StandardText {
                id: crate::ids::TextId(next(&mut self.ids()?.standard_text)),
                queues,
                version: 1,
                ..text.clone()
            };
            self.set(|s| &mut s.standard_texts, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn update_standard_text(
        &mut self,
        text: &crate::model::StandardText,
    ) -> impl Future<Output = StoreResult<crate::model::StandardText>> + Send {
        sync!({
            let stored = self
                .state()
                .standard_texts
                .get(&text.id)
                .ok_or_else(|| StoreError::not_found("standard text", text.id))?;
            check_version("standard text", text.id, stored.version, text.version)?;
            let mut queues = text.queues.clone();
            queues.sort();
            queues.dedup();
            if let Some(q) = queues.iter().find(|q| !self.state().queues.contains_key(q)) {
                return Err(StoreError::not_found("queue", q));
            }
            unique(
                self.state().standard_texts.values(),
                |t| t.kind == text.kind && t.name == text.name && t.id != text.id,
                "standard text name",
                &text.name,
            )?;
            let updated = crate::model::StandardText {
                queues,
                version: text.version + 1,
                ..text.clone()
            };
            self.set(|s| &mut s.standard_texts, updated.id, updated.clone())?;
            Ok(updated)
        })
    }

    fn delete_standard_text(
        &mut self,
        id: crate::ids::TextId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            self.unset(|s| &mut s.standard_texts, id)?
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("standard text", id))
        })
    }

    // --- forms
    fn insert_form_upload(
        &mut self,
        upload: &crate::model::FormUpload,
    ) -> impl Future<Output = StoreResult<crate::model::FormUpload>> + Send {
        sync!({
            if !self.state().agents.contains_key(&upload.agent_id) {
                return Err(StoreError::not_found("agent", upload.agent_id));
            }
            let stored = crate::model::FormUpload {
                id: crate::ids::FormUploadId(next(&mut self.ids()?.form_upload)),
                ..upload.clone()
            };
            self.set(|s| &mut s.form_uploads, stored.id, stored.clone())?;
            Ok(stored)
        })
    }

    fn form_uploads(
        &mut self,
        form_key: &str,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<Vec<crate::model::FormUpload>>> + Send {
        ready(Ok(self
            .state()
            .form_uploads
            .values()
            .filter(|u| u.agent_id == agent && u.form_key == form_key)
            .cloned()
            .collect()))
    }

    fn delete_form_upload(
        &mut self,
        id: crate::ids::FormUploadId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        sync!({
            self.unset(|s| &mut s.form_uploads, id)?
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("form upload", id))
        })
    }

    fn delete_form_uploads_before(
        &mut self,
        cutoff: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        sync!({
            let expired: Vec<crate::ids::FormUploadId> = self
                .state()
                .form_uploads
                .values()
                .filter(|u| u.created_at < cutoff)
                .map(|u| u.id)
                .collect();
            for id in &expired {
                self.unset(|s| &mut s.form_uploads, *id)?;
            }
            Ok(expired.len() as u64)
        })
    }
}

/// True if `owner` holds the running job's lease (an expired lease still counts until another
/// worker claims the job).
fn held_by(job: &Job, owner: &str) -> bool {
    job.state == JobState::Running && job.lease_owner.as_deref() == Some(owner)
}

fn cancelled(job: Job, now: DateTime<Utc>) -> Job {
    Job {
        state: JobState::Cancelled,
        lease_owner: None,
        lease_until: None,
        finished_at: Some(now),
        ..job
    }
}

// --- knowledge base --------------------------------------------------------------------------

impl MemoryTx {
    /// The uniqueness and reference rules of a category row.
    fn check_kb_category(&self, category: &KbCategory) -> StoreResult<()> {
        let s = self.state();
        unique(
            s.kb_categories.values(),
            |c| c.name == category.name && c.parent_id == category.parent_id && c.id != category.id,
            "kb category name",
            &category.name,
        )?;
        if let Some(parent) = category.parent_id
            && !s.kb_categories.contains_key(&parent)
        {
            return Err(StoreError::not_found("kb category", parent));
        }
        if let Some(group) = category
            .group_ids
            .iter()
            .find(|g| !s.groups.contains_key(g))
        {
            return Err(StoreError::not_found("group", group));
        }
        Ok(())
    }

    /// Stores the bytes of a new file of an article and returns its metadata.
    fn put_kb_file(
        &mut self,
        article: KbArticleId,
        file: &NewAttachment,
    ) -> StoreResult<KbAttachment> {
        let id = KbAttachmentId(next(&mut self.ids()?.kb_attachment));
        self.set(|s| &mut s.kb_files, id, (article, file.content.clone()))?;
        Ok(KbAttachment {
            id,
            filename: file.filename.clone(),
            content_type: file.content_type.clone(),
            size: file.content.len() as u64,
            inline: file.inline,
        })
    }
}

// --- calendar --------------------------------------------------------------------------------

impl MemoryTx {
    /// The uniqueness and reference rules of a calendar row.
    fn check_calendar(&self, calendar: &Calendar) -> StoreResult<()> {
        let s = self.state();
        unique(
            s.calendars.values(),
            |c| c.name == calendar.name && c.id != calendar.id,
            "calendar name",
            &calendar.name,
        )?;
        unique(
            s.calendars.values(),
            |c| c.feed_token == calendar.feed_token && c.id != calendar.id,
            "calendar feed token",
            "(secret)",
        )?;
        if !s.groups.contains_key(&calendar.group_id) {
            return Err(StoreError::not_found("group", calendar.group_id));
        }
        Ok(())
    }

    /// The reference rules of an appointment row.
    fn check_appointment(&self, appointment: &Appointment) -> StoreResult<()> {
        let s = self.state();
        if !s.calendars.contains_key(&appointment.calendar_id) {
            return Err(StoreError::not_found("calendar", appointment.calendar_id));
        }
        if let Some(parent) = appointment.parent_id
            && !s.appointments.contains_key(&parent)
        {
            return Err(StoreError::not_found("appointment", parent));
        }
        Ok(())
    }
}

/// The close time of a ticket (see [`crate::stats::query`]).
fn close_time(state: &MemState, t: &Ticket, closed: &[StateId]) -> Option<DateTime<Utc>> {
    if !closed.contains(&t.state_id) {
        return None;
    }
    state
        .history
        .get(&t.id)?
        .iter()
        .filter(|h| {
            matches!(
                h.entry.history_type,
                HistoryType::NewTicket | HistoryType::StateUpdate
            ) && closed.contains(&h.entry.state_id)
        })
        .map(|h| h.entry.created_at)
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block_on;

    fn group(name: &str) -> Group {
        Group {
            id: GroupId(0),
            name: name.into(),
            comment: String::new(),
            validity: crate::model::Validity::Valid,
            version: 0,
        }
    }

    #[test]
    fn dropping_a_transaction_undoes_every_write_and_the_ids() {
        let store = MemoryStore::new();
        let mut tx = block_on(store.begin()).unwrap();
        let first = block_on(tx.insert_group(&group("a"))).unwrap();
        block_on(tx.commit()).unwrap();
        let mut tx = block_on(store.begin()).unwrap();
        block_on(tx.insert_group(&group("b"))).unwrap();
        block_on(tx.update_group(&Group {
            name: "renamed".into(),
            ..first.clone()
        }))
        .unwrap();
        block_on(tx.append_change(&Change {
            seq: 0,
            entity: crate::model::EntityKind::Group,
            entity_id: 1,
            op: crate::model::ChangeOp::Created,
            at: DateTime::UNIX_EPOCH,
        }))
        .unwrap();
        drop(tx);
        let mut tx = block_on(store.begin_read()).unwrap();
        assert_eq!(block_on(tx.groups()).unwrap(), vec![first.clone()]);
        assert!(block_on(tx.changes_since(0, 10)).unwrap().is_empty());
        drop(tx);
        let mut tx = block_on(store.begin()).unwrap();
        let again = block_on(tx.insert_group(&group("c"))).unwrap();
        assert_eq!(
            again.id,
            GroupId(first.id.0 + 1),
            "ids of rolled-back rows are reused"
        );
    }

    #[test]
    fn read_transactions_refuse_writes() {
        let store = MemoryStore::new();
        let mut tx = block_on(store.begin_read()).unwrap();
        assert!(matches!(
            block_on(tx.insert_group(&group("a"))),
            Err(StoreError::Invalid { .. })
        ));
    }
}
