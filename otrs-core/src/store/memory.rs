//! The in-memory store, for tests and for programs that embed the desk.
//!
//! Every transaction works on its own snapshot of the whole state. The snapshot is built from
//! persistent maps (`imbl`), so taking one costs a few reference-count increments, and a rollback
//! is just dropping it. A commit replaces the shared state with the snapshot if no other write
//! committed since the snapshot was taken; otherwise it fails with a retryable conflict, which the
//! desk answers by running the command again. That gives serialisable transactions.

use std::future::{Future, ready};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, NaiveDate, Utc};
use imbl::{HashMap, HashSet, OrdMap, OrdSet, Vector};

use super::{
    Cursor, CustomerFilter, CustomerUserFilter, Page, PageRequest, QueueStateCount, Store,
    StoreError, StoreResult, StoreTx, TicketAccess, TicketFilter, TicketPage, TicketQuery,
};
use crate::ids::{
    AgentId, ApiTokenId, ArticleId, AttachmentId, CustomerId, CustomerUserId, DraftId, GroupId,
    HistoryId, LinkId, MessageId, QueueId, StateId, TicketId,
};
use crate::model::{
    Agent, ApiToken, Article, AttachmentContent, AttachmentMeta, Change, Customer, CustomerUser,
    Draft, Group, HistoryEntry, Link, MessageStatus, NewArticle, NewHistoryEntry, ObjectRef,
    OneTimeToken, OutgoingMessage, Queue, SessionRecord, State, StateType, Ticket,
    TimeAccountingEntry, Watcher,
};

/// A persistent map whose values sit behind `Arc`, so that the path copies made when a
/// transaction changes a map shared with the committed state copy pointers, not whole rows.
#[derive(Debug)]
struct Shared<K: Ord + Clone, V>(OrdMap<K, Arc<V>>);

impl<K: Ord + Clone, V> Clone for Shared<K, V> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<K: Ord + Clone, V> Default for Shared<K, V> {
    fn default() -> Self {
        Shared(OrdMap::new())
    }
}

impl<K: Ord + Clone, V: Clone> Shared<K, V> {
    fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.0.get(key).map(|v| &**v)
    }

    fn get_mut(&mut self, key: &K) -> Option<&mut V> {
        self.0.get_mut(key).map(Arc::make_mut)
    }

    fn insert(&mut self, key: K, value: V) {
        self.0.insert(key, Arc::new(value));
    }

    fn remove<Q: Ord + ?Sized>(&mut self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
    {
        self.0.remove(key).map(Arc::unwrap_or_clone)
    }

    fn contains_key(&self, key: &K) -> bool {
        self.0.contains_key(key)
    }

    fn keys(&self) -> impl DoubleEndedIterator<Item = &K> {
        self.0.keys()
    }

    fn values(&self) -> impl Iterator<Item = &V> {
        self.0.values().map(|v| &**v)
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn retain(&mut self, mut keep: impl FnMut(&K, &V) -> bool) {
        let doomed: Vec<K> = self.0.iter().filter(|(k, v)| !keep(k, v)).map(|(k, _)| k.clone()).collect();
        for key in doomed {
            self.0.remove(&key);
        }
    }
}

#[derive(Debug, Clone, Default)]
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
}

fn next(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}

#[derive(Debug, Clone, Default)]
struct MemState {
    generation: u64,
    ids: NextIds,
    states: Shared<StateId, State>,
    groups: Shared<GroupId, Group>,
    queues: Shared<QueueId, Queue>,
    agents: Shared<AgentId, Agent>,
    customers: Shared<CustomerId, Customer>,
    customer_users: Shared<CustomerUserId, CustomerUser>,
    day_counters: HashMap<NaiveDate, u64>,
    tickets: Shared<TicketId, Ticket>,
    ticket_numbers: HashMap<Arc<str>, TicketId>,
    counts: HashMap<(QueueId, StateId), u64>,
    articles: Shared<ArticleId, Article>,
    ticket_articles: HashMap<TicketId, OrdSet<ArticleId>>,
    attachments: Shared<AttachmentId, AttachmentContent>,
    time_rows: HashMap<TicketId, Vector<TimeAccountingEntry>>,
    seen: HashSet<(AgentId, ArticleId)>,
    history: HashMap<TicketId, Vector<Arc<HistoryEntry>>>,
    links: Shared<LinkId, Link>,
    object_links: HashMap<ObjectRef, OrdSet<LinkId>>,
    watchers: HashMap<TicketId, OrdMap<AgentId, Watcher>>,
    drafts: Shared<DraftId, Draft>,
    changes: Vector<Change>,
    outbox: Shared<MessageId, OutgoingMessage>,
    sessions: Shared<String, SessionRecord>,
    api_tokens: Shared<ApiTokenId, ApiToken>,
    one_time_tokens: Shared<String, OneTimeToken>,
}

/// The in-memory store. Cloning it gives another handle to the same data.
#[derive(Debug, Clone, Default)]
pub struct MemoryStore {
    committed: Arc<Mutex<MemState>>,
}

impl MemoryStore {
    /// An empty store (run [`crate::Desk::initialize`] to add the initial data).
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    fn snapshot(&self) -> MemState {
        self.committed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Store for MemoryStore {
    type Tx = MemoryTx;

    fn begin(&self) -> impl Future<Output = StoreResult<MemoryTx>> + Send {
        let state = self.snapshot();
        ready(Ok(MemoryTx {
            committed: Arc::clone(&self.committed),
            base_generation: state.generation,
            state,
            read_only: false,
            dirty: false,
        }))
    }

    fn begin_read(&self) -> impl Future<Output = StoreResult<MemoryTx>> + Send {
        let state = self.snapshot();
        ready(Ok(MemoryTx {
            committed: Arc::clone(&self.committed),
            base_generation: state.generation,
            state,
            read_only: true,
            dirty: false,
        }))
    }
}

/// A transaction of the [`MemoryStore`]: a private snapshot plus the handle to publish it.
#[derive(Debug)]
pub struct MemoryTx {
    committed: Arc<Mutex<MemState>>,
    base_generation: u64,
    state: MemState,
    read_only: bool,
    dirty: bool,
}

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

fn page_of<T: Clone>(items: Vec<T>, page: &PageRequest) -> Page<T> {
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

impl MemoryTx {
    fn write(&mut self) -> StoreResult<&mut MemState> {
        if self.read_only {
            return Err(StoreError::Invalid {
                field: "transaction",
                message: "write attempted in a read-only transaction".into(),
            });
        }
        self.dirty = true;
        Ok(&mut self.state)
    }

    fn do_commit(self) -> StoreResult<()> {
        if !self.dirty {
            return Ok(());
        }
        let mut committed = self
            .committed
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if committed.generation != self.base_generation {
            return Err(StoreError::conflict(
                "the store (another transaction committed first)",
            ));
        }
        let mut state = self.state;
        state.generation = self.base_generation + 1;
        *committed = state;
        Ok(())
    }

    fn state_type(&self, id: StateId) -> StateType {
        self.state
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
        let watched = |agent: AgentId| {
            self.state
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
            && filter
                .title_contains
                .as_deref()
                .is_none_or(|t| ticket.title.to_lowercase().contains(&t.to_lowercase()))
    }

    fn list_tickets_sync(&self, query: &TicketQuery) -> TicketPage {
        let mut matching: Vec<&Ticket> = self
            .state
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

    fn check_ticket_refs(&self, ticket: &Ticket) -> StoreResult<()> {
        if !self.state.queues.contains_key(&ticket.queue_id) {
            return Err(StoreError::not_found("queue", ticket.queue_id));
        }
        if !self.state.states.contains_key(&ticket.state_id) {
            return Err(StoreError::not_found("state", ticket.state_id));
        }
        for agent in [ticket.owner_id, ticket.responsible_id] {
            if !self.state.agents.contains_key(&agent) {
                return Err(StoreError::not_found("agent", agent));
            }
        }
        if let Some(user) = ticket.customer_user_id
            && !self.state.customer_users.contains_key(&user)
        {
            return Err(StoreError::not_found("customer user", user));
        }
        Ok(())
    }

    fn object_exists(&self, object: ObjectRef) -> bool {
        match object {
            ObjectRef::Ticket(id) => self.state.tickets.contains_key(&id),
            // Knowledge-base articles and appointments are not kept by this store version; links
            // to them are accepted as given.
            ObjectRef::KbArticle(_) | ObjectRef::Appointment(_) => true,
        }
    }
}

fn count_ticket(s: &mut MemState, ticket: &Ticket, delta: i64) {
    let key = (ticket.queue_id, ticket.state_id);
    let entry = s.counts.entry(key).or_insert(0);
    *entry = entry.saturating_add_signed(delta);
    if *entry == 0 {
        s.counts.remove(&key);
    }
}

fn add_link_index(s: &mut MemState, link: &Link) {
    for end in [link.source, link.target] {
        s.object_links.entry(end).or_default().insert(link.id);
    }
}

fn remove_link_index(s: &mut MemState, link: &Link) {
    for end in [link.source, link.target] {
        if let Some(set) = s.object_links.get_mut(&end) {
            set.remove(&link.id);
        }
    }
}

fn unique_name<'a, T: 'a>(
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

impl StoreTx for MemoryTx {
    fn commit(self) -> impl Future<Output = StoreResult<()>> + Send {
        ready(self.do_commit())
    }

    fn rollback(self) -> impl Future<Output = StoreResult<()>> + Send {
        ready(Ok(()))
    }

    fn states(&mut self) -> impl Future<Output = StoreResult<Vec<State>>> + Send {
        ready(Ok(self.state.states.values().cloned().collect()))
    }

    fn insert_state(&mut self, state: &State) -> impl Future<Output = StoreResult<State>> + Send {
        ready((|| {
            let s = self.write()?;
            unique_name(
                s.states.values(),
                |x| x.name == state.name,
                "state name",
                &state.name,
            )?;
            let id = if state.id.0 == 0 {
                StateId(s.states.keys().next_back().map_or(1, |id| id.0 + 1))
            } else if s.states.contains_key(&state.id) {
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
            s.states.insert(id, stored.clone());
            Ok(stored)
        })())
    }

    fn insert_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send {
        ready((|| {
            let s = self.write()?;
            unique_name(
                s.groups.values(),
                |x| x.name == group.name,
                "group name",
                &group.name,
            )?;
            let id = if group.id.0 == 0 {
                GroupId(
                    next(&mut s.ids.group).max(s.groups.keys().next_back().map_or(1, |g| g.0 + 1)),
                )
            } else if s.groups.contains_key(&group.id) {
                return Err(StoreError::Duplicate {
                    what: "group id",
                    value: group.id.to_string(),
                });
            } else {
                group.id
            };
            s.ids.group = s.ids.group.max(id.0);
            let stored = Group {
                id,
                version: 1,
                ..group.clone()
            };
            s.groups.insert(id, stored.clone());
            Ok(stored)
        })())
    }

    fn update_group(&mut self, group: &Group) -> impl Future<Output = StoreResult<Group>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = s
                .groups
                .get(&group.id)
                .ok_or_else(|| StoreError::not_found("group", group.id))?;
            check_version("group", group.id, stored.version, group.version)?;
            unique_name(
                s.groups.values(),
                |x| x.name == group.name && x.id != group.id,
                "group name",
                &group.name,
            )?;
            let stored = Group {
                version: group.version + 1,
                ..group.clone()
            };
            s.groups.insert(group.id, stored.clone());
            Ok(stored)
        })())
    }

    fn group(&mut self, id: GroupId) -> impl Future<Output = StoreResult<Option<Group>>> + Send {
        ready(Ok(self.state.groups.get(&id).cloned()))
    }

    fn groups(&mut self) -> impl Future<Output = StoreResult<Vec<Group>>> + Send {
        ready(Ok(self.state.groups.values().cloned().collect()))
    }

    fn insert_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send {
        ready((|| {
            let s = self.write()?;
            unique_name(
                s.queues.values(),
                |x| x.name == queue.name,
                "queue name",
                &queue.name,
            )?;
            if !s.groups.contains_key(&queue.group_id) {
                return Err(StoreError::not_found("group", queue.group_id));
            }
            let id = if queue.id.0 == 0 {
                QueueId(next(&mut s.ids.queue))
            } else {
                queue.id
            };
            if s.queues.contains_key(&id) {
                return Err(StoreError::Duplicate {
                    what: "queue id",
                    value: id.to_string(),
                });
            }
            s.ids.queue = s.ids.queue.max(id.0);
            let stored = Queue {
                id,
                version: 1,
                ..queue.clone()
            };
            s.queues.insert(id, stored.clone());
            Ok(stored)
        })())
    }

    fn update_queue(&mut self, queue: &Queue) -> impl Future<Output = StoreResult<Queue>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = s
                .queues
                .get(&queue.id)
                .ok_or_else(|| StoreError::not_found("queue", queue.id))?;
            check_version("queue", queue.id, stored.version, queue.version)?;
            unique_name(
                s.queues.values(),
                |x| x.name == queue.name && x.id != queue.id,
                "queue name",
                &queue.name,
            )?;
            if !s.groups.contains_key(&queue.group_id) {
                return Err(StoreError::not_found("group", queue.group_id));
            }
            let stored = Queue {
                version: queue.version + 1,
                ..queue.clone()
            };
            s.queues.insert(queue.id, stored.clone());
            Ok(stored)
        })())
    }

    fn queue(&mut self, id: QueueId) -> impl Future<Output = StoreResult<Option<Queue>>> + Send {
        ready(Ok(self.state.queues.get(&id).cloned()))
    }

    fn queues(&mut self) -> impl Future<Output = StoreResult<Vec<Queue>>> + Send {
        ready(Ok(self.state.queues.values().cloned().collect()))
    }

    fn insert_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send {
        ready((|| {
            let s = self.write()?;
            unique_name(
                s.agents.values(),
                |x| x.login == agent.login,
                "agent login",
                &agent.login,
            )?;
            if let Some(group) = agent.groups.keys().find(|g| !s.groups.contains_key(*g)) {
                return Err(StoreError::not_found("group", group));
            }
            let id = if agent.id.0 == 0 {
                AgentId(next(&mut s.ids.agent))
            } else {
                agent.id
            };
            if s.agents.contains_key(&id) {
                return Err(StoreError::Duplicate {
                    what: "agent id",
                    value: id.to_string(),
                });
            }
            s.ids.agent = s.ids.agent.max(id.0);
            let stored = Agent {
                id,
                version: 1,
                ..agent.clone()
            };
            s.agents.insert(id, stored.clone());
            Ok(stored)
        })())
    }

    fn update_agent(&mut self, agent: &Agent) -> impl Future<Output = StoreResult<Agent>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = s
                .agents
                .get(&agent.id)
                .ok_or_else(|| StoreError::not_found("agent", agent.id))?;
            check_version("agent", agent.id, stored.version, agent.version)?;
            unique_name(
                s.agents.values(),
                |x| x.login == agent.login && x.id != agent.id,
                "agent login",
                &agent.login,
            )?;
            if let Some(group) = agent.groups.keys().find(|g| !s.groups.contains_key(*g)) {
                return Err(StoreError::not_found("group", group));
            }
            let stored = Agent {
                version: agent.version + 1,
                ..agent.clone()
            };
            s.agents.insert(agent.id, stored.clone());
            Ok(stored)
        })())
    }

    fn agent(&mut self, id: AgentId) -> impl Future<Output = StoreResult<Option<Agent>>> + Send {
        ready(Ok(self.state.agents.get(&id).cloned()))
    }

    fn agent_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<Agent>>> + Send {
        ready(Ok(self
            .state
            .agents
            .values()
            .find(|a| a.login == login)
            .cloned()))
    }

    fn agents(&mut self) -> impl Future<Output = StoreResult<Vec<Agent>>> + Send {
        ready(Ok(self.state.agents.values().cloned().collect()))
    }

    fn insert_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send {
        ready((|| {
            let s = self.write()?;
            unique_name(
                s.customers.values(),
                |x| x.customer_id.eq_ignore_ascii_case(&customer.customer_id),
                "CustomerID",
                &customer.customer_id,
            )?;
            let id = CustomerId(next(&mut s.ids.customer));
            let stored = Customer {
                id,
                version: 1,
                ..customer.clone()
            };
            s.customers.insert(id, stored.clone());
            Ok(stored)
        })())
    }

    fn update_customer(
        &mut self,
        customer: &Customer,
    ) -> impl Future<Output = StoreResult<Customer>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = s
                .customers
                .get(&customer.id)
                .ok_or_else(|| StoreError::not_found("customer", customer.id))?;
            check_version("customer", customer.id, stored.version, customer.version)?;
            unique_name(
                s.customers.values(),
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
            s.customers.insert(customer.id, stored.clone());
            Ok(stored)
        })())
    }

    fn customer(
        &mut self,
        id: CustomerId,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send {
        ready(Ok(self.state.customers.get(&id).cloned()))
    }

    fn customer_by_customer_id(
        &mut self,
        customer_id: &str,
    ) -> impl Future<Output = StoreResult<Option<Customer>>> + Send {
        ready(Ok(self
            .state
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
            .state
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
        ready((|| {
            let s = self.write()?;
            unique_name(
                s.customer_users.values(),
                |x| x.login == user.login,
                "customer user login",
                &user.login,
            )?;
            let id = CustomerUserId(next(&mut s.ids.customer_user));
            let stored = CustomerUser {
                id,
                version: 1,
                ..user.clone()
            };
            s.customer_users.insert(id, stored.clone());
            Ok(stored)
        })())
    }

    fn update_customer_user(
        &mut self,
        user: &CustomerUser,
    ) -> impl Future<Output = StoreResult<CustomerUser>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = s
                .customer_users
                .get(&user.id)
                .ok_or_else(|| StoreError::not_found("customer user", user.id))?;
            check_version("customer user", user.id, stored.version, user.version)?;
            unique_name(
                s.customer_users.values(),
                |x| x.login == user.login && x.id != user.id,
                "customer user login",
                &user.login,
            )?;
            let stored = CustomerUser {
                version: user.version + 1,
                ..user.clone()
            };
            s.customer_users.insert(user.id, stored.clone());
            Ok(stored)
        })())
    }

    fn customer_user(
        &mut self,
        id: CustomerUserId,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send {
        ready(Ok(self.state.customer_users.get(&id).cloned()))
    }

    fn customer_user_by_login(
        &mut self,
        login: &str,
    ) -> impl Future<Output = StoreResult<Option<CustomerUser>>> + Send {
        ready(Ok(self
            .state
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
        let items: Vec<CustomerUser> = {
            let mut v: Vec<CustomerUser> = self
                .state
                .customer_users
                .values()
                .filter(|u| filter.matches(u))
                .cloned()
                .collect();
            v.sort_by(|a, b| a.login.cmp(&b.login));
            v
        };
        ready(Ok(page_of(items, &page)))
    }

    fn next_ticket_counter(
        &mut self,
        day: NaiveDate,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        ready((|| {
            let s = self.write()?;
            let counter = s.day_counters.entry(day).or_insert(0);
            *counter += 1;
            Ok(*counter)
        })())
    }

    fn insert_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send {
        ready((|| {
            self.check_ticket_refs(ticket)?;
            let s = self.write()?;
            if s.ticket_numbers.contains_key(ticket.number.as_str()) {
                return Err(StoreError::Duplicate {
                    what: "ticket number",
                    value: ticket.number.clone(),
                });
            }
            let id = TicketId(next(&mut s.ids.ticket));
            let stored = Ticket {
                id,
                version: 1,
                ..ticket.clone()
            };
            s.ticket_numbers.insert(Arc::from(stored.number.as_str()), id);
            s.tickets.insert(id, stored.clone());
            count_ticket(s, &stored, 1);
            Ok(stored)
        })())
    }

    fn update_ticket(
        &mut self,
        ticket: &Ticket,
    ) -> impl Future<Output = StoreResult<Ticket>> + Send {
        ready((|| {
            self.check_ticket_refs(ticket)?;
            let s = self.write()?;
            let old = s
                .tickets
                .get(&ticket.id)
                .ok_or_else(|| StoreError::not_found("ticket", ticket.id))?
                .clone();
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
            s.tickets.insert(ticket.id, stored.clone());
            count_ticket(s, &old, -1);
            count_ticket(s, &stored, 1);
            Ok(stored)
        })())
    }

    fn ticket(&mut self, id: TicketId) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send {
        ready(Ok(self.state.tickets.get(&id).cloned()))
    }

    fn ticket_by_number(
        &mut self,
        number: &str,
    ) -> impl Future<Output = StoreResult<Option<Ticket>>> + Send {
        ready(Ok(self
            .state
            .ticket_numbers
            .get(number)
            .and_then(|id| self.state.tickets.get(id))
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
            .state
            .counts
            .iter()
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
        ready((|| {
            let s = self.write()?;
            if !s.tickets.contains_key(&article.ticket_id) {
                return Err(StoreError::not_found("ticket", article.ticket_id));
            }
            let id = ArticleId(next(&mut s.ids.article));
            let mut attachments = Vec::with_capacity(article.attachments.len());
            for new in &article.attachments {
                let meta = AttachmentMeta {
                    id: AttachmentId(next(&mut s.ids.attachment)),
                    filename: new.filename.clone(),
                    content_type: new.content_type.clone(),
                    size: new.content.len() as u64,
                    content_id: new.content_id.clone(),
                    inline: new.inline,
                };
                s.attachments.insert(
                    meta.id,
                    AttachmentContent {
                        meta: meta.clone(),
                        article_id: id,
                        content: Arc::clone(&new.content),
                    },
                );
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
            s.articles.insert(id, stored.clone());
            s.ticket_articles
                .entry(article.ticket_id)
                .or_default()
                .insert(id);
            Ok(stored)
        })())
    }

    fn update_article(
        &mut self,
        article: &Article,
    ) -> impl Future<Output = StoreResult<Article>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = s
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
            s.articles.insert(article.id, updated.clone());
            Ok(updated)
        })())
    }

    fn article(
        &mut self,
        id: ArticleId,
    ) -> impl Future<Output = StoreResult<Option<Article>>> + Send {
        ready(Ok(self.state.articles.get(&id).cloned()))
    }

    fn articles(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Article>>> + Send {
        let mut articles: Vec<Article> = self
            .state
            .ticket_articles
            .get(&ticket)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| self.state.articles.get(id).cloned())
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
        ready(Ok(self.state.attachments.get(&id).cloned()))
    }

    fn move_ticket_content(
        &mut self,
        from: TicketId,
        to: TicketId,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        ready((|| {
            let s = self.write()?;
            for id in [from, to] {
                if !s.tickets.contains_key(&id) {
                    return Err(StoreError::not_found("ticket", id));
                }
            }
            let moved = s.ticket_articles.remove(&from).unwrap_or_default();
            for id in &moved {
                if let Some(article) = s.articles.get_mut(id) {
                    article.ticket_id = to;
                }
            }
            let count = moved.len() as u64;
            let target = s.ticket_articles.entry(to).or_default();
            for id in moved.iter() {
                target.insert(*id);
            }
            // History rows tied to a moved article go with it.
            let source_history = s.history.remove(&from).unwrap_or_default();
            let (tied, stays): (Vector<Arc<HistoryEntry>>, Vector<Arc<HistoryEntry>>) = source_history
                .into_iter()
                .partition(|h| h.entry.article_id.is_some_and(|a| moved.contains(&a)));
            s.history.insert(from, stays);
            let target_history = s.history.entry(to).or_default();
            for mut h in tied {
                Arc::make_mut(&mut h).entry.ticket_id = to;
                target_history.push_back(h);
            }
            let mut sorted: Vec<Arc<HistoryEntry>> = target_history.iter().cloned().collect();
            sorted.sort_by_key(|h| (h.entry.created_at, h.id));
            *target_history = sorted.into_iter().collect();
            let rows = s.time_rows.remove(&from).unwrap_or_default();
            let target_rows = s.time_rows.entry(to).or_default();
            for mut row in rows {
                row.ticket_id = to;
                target_rows.push_back(row);
            }
            Ok(count)
        })())
    }

    fn insert_time_accounting(
        &mut self,
        entry: &TimeAccountingEntry,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            if !s.tickets.contains_key(&entry.ticket_id) {
                return Err(StoreError::not_found("ticket", entry.ticket_id));
            }
            s.time_rows
                .entry(entry.ticket_id)
                .or_default()
                .push_back(entry.clone());
            Ok(())
        })())
    }

    fn time_accounting(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<TimeAccountingEntry>>> + Send {
        ready(Ok(self
            .state
            .time_rows
            .get(&ticket)
            .map(|rows| rows.iter().cloned().collect())
            .unwrap_or_default()))
    }

    fn mark_seen(
        &mut self,
        agent: AgentId,
        articles: &[ArticleId],
        _at: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            for id in articles {
                if !s.articles.contains_key(id) {
                    return Err(StoreError::not_found("article", id));
                }
                s.seen.insert((agent, *id));
            }
            Ok(())
        })())
    }

    fn seen_articles(
        &mut self,
        agent: AgentId,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<ArticleId>>> + Send {
        ready(Ok(self
            .state
            .ticket_articles
            .get(&ticket)
            .map(|ids| {
                ids.iter()
                    .filter(|id| self.state.seen.contains(&(agent, **id)))
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
        ready(Ok(tickets
            .iter()
            .copied()
            .filter(|t| {
                self.state.ticket_articles.get(t).is_some_and(|ids| {
                    ids.iter()
                        .any(|id| !self.state.seen.contains(&(agent, *id)))
                })
            })
            .collect()))
    }

    fn append_history(
        &mut self,
        entries: &[NewHistoryEntry],
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            for entry in entries {
                if !s.tickets.contains_key(&entry.ticket_id) {
                    return Err(StoreError::not_found("ticket", entry.ticket_id));
                }
                let id = HistoryId(next(&mut s.ids.history));
                s.history
                    .entry(entry.ticket_id)
                    .or_default()
                    .push_back(Arc::new(HistoryEntry {
                        id,
                        entry: entry.clone(),
                    }));
            }
            Ok(())
        })())
    }

    fn history(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<HistoryEntry>>> + Send {
        let mut rows: Vec<HistoryEntry> = self
            .state
            .history
            .get(&ticket)
            .map(|h| h.iter().map(|row| (**row).clone()).collect())
            .unwrap_or_default();
        rows.sort_by_key(|h| (h.entry.created_at, h.id));
        ready(Ok(rows))
    }

    fn insert_link(&mut self, link: &Link) -> impl Future<Output = StoreResult<Link>> + Send {
        ready((|| {
            for end in [link.source, link.target] {
                if !self.object_exists(end) {
                    return Err(StoreError::not_found(end.kind(), end.id()));
                }
            }
            let duplicate = self
                .state
                .object_links
                .get(&link.source)
                .is_some_and(|ids| {
                    ids.iter()
                        .filter_map(|id| self.state.links.get(id))
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
            let s = self.write()?;
            let stored = Link {
                id: LinkId(next(&mut s.ids.link)),
                ..link.clone()
            };
            s.links.insert(stored.id, stored.clone());
            add_link_index(s, &stored);
            Ok(stored)
        })())
    }

    fn link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<Option<Link>>> + Send {
        ready(Ok(self.state.links.get(&id).cloned()))
    }

    fn delete_link(&mut self, id: LinkId) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            let link = s
                .links
                .remove(&id)
                .ok_or_else(|| StoreError::not_found("link", id))?;
            remove_link_index(s, &link);
            Ok(())
        })())
    }

    fn links_of(
        &mut self,
        object: ObjectRef,
    ) -> impl Future<Output = StoreResult<Vec<Link>>> + Send {
        ready(Ok(self
            .state
            .object_links
            .get(&object)
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| self.state.links.get(id).cloned())
                    .collect()
            })
            .unwrap_or_default()))
    }

    fn upsert_watcher(
        &mut self,
        watcher: &Watcher,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            if !s.tickets.contains_key(&watcher.ticket_id) {
                return Err(StoreError::not_found("ticket", watcher.ticket_id));
            }
            if !s.agents.contains_key(&watcher.agent_id) {
                return Err(StoreError::not_found("agent", watcher.agent_id));
            }
            s.watchers
                .entry(watcher.ticket_id)
                .or_default()
                .insert(watcher.agent_id, watcher.clone());
            Ok(())
        })())
    }

    fn delete_watcher(
        &mut self,
        ticket: TicketId,
        agent: AgentId,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            if let Some(w) = s.watchers.get_mut(&ticket) {
                w.remove(&agent);
            }
            Ok(())
        })())
    }

    fn watchers(
        &mut self,
        ticket: TicketId,
    ) -> impl Future<Output = StoreResult<Vec<Watcher>>> + Send {
        ready(Ok(self
            .state
            .watchers
            .get(&ticket)
            .map(|w| w.values().cloned().collect())
            .unwrap_or_default()))
    }

    fn insert_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send {
        ready((|| {
            let s = self.write()?;
            if !s.tickets.contains_key(&draft.ticket_id) {
                return Err(StoreError::not_found("ticket", draft.ticket_id));
            }
            unique_name(
                s.drafts.values(),
                |d| d.ticket_id == draft.ticket_id && d.form == draft.form && d.name == draft.name,
                "draft name",
                &draft.name,
            )?;
            let stored = Draft {
                id: DraftId(next(&mut s.ids.draft)),
                version: 1,
                ..draft.clone()
            };
            s.drafts.insert(stored.id, stored.clone());
            Ok(stored)
        })())
    }

    fn update_draft(&mut self, draft: &Draft) -> impl Future<Output = StoreResult<Draft>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = s
                .drafts
                .get(&draft.id)
                .ok_or_else(|| StoreError::not_found("draft", draft.id))?;
            check_version("draft", draft.id, stored.version, draft.version)?;
            unique_name(
                s.drafts.values(),
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
            s.drafts.insert(draft.id, stored.clone());
            Ok(stored)
        })())
    }

    fn delete_draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            s.drafts
                .remove(&id)
                .map(|_| ())
                .ok_or_else(|| StoreError::not_found("draft", id))
        })())
    }

    fn draft(&mut self, id: DraftId) -> impl Future<Output = StoreResult<Option<Draft>>> + Send {
        ready(Ok(self.state.drafts.get(&id).cloned()))
    }

    fn drafts(&mut self, ticket: TicketId) -> impl Future<Output = StoreResult<Vec<Draft>>> + Send {
        ready(Ok(self
            .state
            .drafts
            .values()
            .filter(|d| d.ticket_id == ticket)
            .cloned()
            .collect()))
    }

    fn append_change(&mut self, change: &Change) -> impl Future<Output = StoreResult<u64>> + Send {
        ready((|| {
            let s = self.write()?;
            let seq = next(&mut s.ids.change);
            s.changes.push_back(Change {
                seq,
                ..change.clone()
            });
            Ok(seq)
        })())
    }

    fn changes_since(
        &mut self,
        after: u64,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<Change>>> + Send {
        // Sequence numbers are dense from 1 in this store, so the position is the index.
        let start = usize::try_from(after)
            .unwrap_or(usize::MAX)
            .min(self.state.changes.len());
        ready(Ok(self
            .state
            .changes
            .iter()
            .skip(start)
            .take(limit as usize)
            .cloned()
            .collect()))
    }

    fn enqueue_message(
        &mut self,
        message: &OutgoingMessage,
    ) -> impl Future<Output = StoreResult<OutgoingMessage>> + Send {
        ready((|| {
            let s = self.write()?;
            let stored = OutgoingMessage {
                id: MessageId(next(&mut s.ids.message)),
                ..message.clone()
            };
            s.outbox.insert(stored.id, stored.clone());
            Ok(stored)
        })())
    }

    fn pending_messages(
        &mut self,
        limit: u32,
    ) -> impl Future<Output = StoreResult<Vec<OutgoingMessage>>> + Send {
        ready(Ok(self
            .state
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
        ready((|| {
            let s = self.write()?;
            if !s.outbox.contains_key(&message.id) {
                return Err(StoreError::not_found("message", message.id));
            }
            s.outbox.insert(message.id, message.clone());
            Ok(())
        })())
    }

    fn message(
        &mut self,
        id: MessageId,
    ) -> impl Future<Output = StoreResult<Option<OutgoingMessage>>> + Send {
        ready(Ok(self.state.outbox.get(&id).cloned()))
    }

    fn insert_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            if s.sessions.contains_key(&session.key_digest) {
                return Err(StoreError::Duplicate {
                    what: "session",
                    value: "(secret)".into(),
                });
            }
            s.sessions
                .insert(session.key_digest.clone(), session.clone());
            Ok(())
        })())
    }

    fn session(
        &mut self,
        key_digest: &str,
    ) -> impl Future<Output = StoreResult<Option<SessionRecord>>> + Send {
        ready(Ok(self.state.sessions.get(key_digest).cloned()))
    }

    fn update_session(
        &mut self,
        session: &SessionRecord,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            if !s.sessions.contains_key(&session.key_digest) {
                return Err(StoreError::not_found("session", "(secret)"));
            }
            s.sessions
                .insert(session.key_digest.clone(), session.clone());
            Ok(())
        })())
    }

    fn delete_session(&mut self, key_digest: &str) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            s.sessions.remove(key_digest);
            Ok(())
        })())
    }

    fn purge_sessions(
        &mut self,
        idle_before: DateTime<Utc>,
        created_before: DateTime<Utc>,
    ) -> impl Future<Output = StoreResult<u64>> + Send {
        ready((|| {
            let s = self.write()?;
            let before = s.sessions.len();
            s.sessions
                .retain(|_, v| v.last_seen_at >= idle_before && v.created_at >= created_before);
            Ok((before - s.sessions.len()) as u64)
        })())
    }

    fn insert_api_token(
        &mut self,
        token: &ApiToken,
    ) -> impl Future<Output = StoreResult<ApiToken>> + Send {
        ready((|| {
            let s = self.write()?;
            if !s.agents.contains_key(&token.agent_id) {
                return Err(StoreError::not_found("agent", token.agent_id));
            }
            if s.api_tokens.values().any(|t| t.digest == token.digest) {
                return Err(StoreError::Duplicate {
                    what: "api token",
                    value: "(secret)".into(),
                });
            }
            let stored = ApiToken {
                id: ApiTokenId(next(&mut s.ids.api_token)),
                ..token.clone()
            };
            s.api_tokens.insert(stored.id, stored.clone());
            Ok(stored)
        })())
    }

    fn api_token_by_digest(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send {
        ready(Ok(self
            .state
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
            .state
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
        ready((|| {
            let s = self.write()?;
            if !s.api_tokens.contains_key(&token.id) {
                return Err(StoreError::not_found("api token", token.id));
            }
            s.api_tokens.insert(token.id, token.clone());
            Ok(())
        })())
    }

    fn api_token(
        &mut self,
        id: ApiTokenId,
    ) -> impl Future<Output = StoreResult<Option<ApiToken>>> + Send {
        ready(Ok(self.state.api_tokens.get(&id).cloned()))
    }

    fn insert_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            if s.one_time_tokens.contains_key(&token.digest) {
                return Err(StoreError::Duplicate {
                    what: "one-time token",
                    value: "(secret)".into(),
                });
            }
            s.one_time_tokens
                .insert(token.digest.clone(), token.clone());
            Ok(())
        })())
    }

    fn one_time_token(
        &mut self,
        digest: &str,
    ) -> impl Future<Output = StoreResult<Option<OneTimeToken>>> + Send {
        ready(Ok(self.state.one_time_tokens.get(digest).cloned()))
    }

    fn update_one_time_token(
        &mut self,
        token: &OneTimeToken,
    ) -> impl Future<Output = StoreResult<()>> + Send {
        ready((|| {
            let s = self.write()?;
            if !s.one_time_tokens.contains_key(&token.digest) {
                return Err(StoreError::not_found("one-time token", "(secret)"));
            }
            s.one_time_tokens
                .insert(token.digest.clone(), token.clone());
            Ok(())
        })())
    }
}
