//! What the stats engine asks of a store: counts grouped by two dimensions, ticket rows for
//! lists, and state changes from the history. Stores answer in SQL (or, in memory, by a scan);
//! the engine turns the answers into tables.
//!
//! A ticket's *close time* is the time of the latest history row (`NewTicket` or `StateUpdate`)
//! that put it into one of [`StatFilter::closed_states`], for tickets whose current state is one of
//! them; other tickets have none.

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, CustomerUserId, QueueId, StateId};
use crate::model::{LockState, Priority, Ticket};

/// A time span `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeRange {
    /// Start (inclusive).
    pub from: DateTime<Utc>,
    /// End (exclusive).
    pub to: DateTime<Utc>,
}

/// Which tickets count. `None` means no restriction; an empty list matches nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatFilter {
    /// The ids of the states of type closed (defines the close time).
    pub closed_states: Vec<StateId>,
    /// Queues.
    pub queues: Option<Vec<QueueId>>,
    /// States.
    pub states: Option<Vec<StateId>>,
    /// Priorities.
    pub priorities: Option<Vec<Priority>>,
    /// Owners.
    pub owners: Option<Vec<AgentId>>,
    /// Responsible agents.
    pub responsibles: Option<Vec<AgentId>>,
    /// CustomerIDs (exact).
    pub customers: Option<Vec<String>>,
    /// Customer users.
    pub customer_users: Option<Vec<CustomerUserId>>,
    /// Lock states.
    pub locks: Option<Vec<LockState>>,
    /// Creation time.
    pub created: Option<TimeRange>,
    /// Last change.
    pub changed: Option<TimeRange>,
    /// Close time (tickets without one never match).
    pub closed: Option<TimeRange>,
}

impl StatFilter {
    /// True if the ticket, with its close time, passes the filter.
    pub fn matches(&self, t: &Ticket, closed_at: Option<DateTime<Utc>>) -> bool {
        fn within<T: PartialEq>(list: &Option<Vec<T>>, value: &T) -> bool {
            list.as_ref().is_none_or(|l| l.contains(value))
        }
        fn during(range: &Option<TimeRange>, at: Option<DateTime<Utc>>) -> bool {
            match range {
                None => true,
                Some(r) => at.is_some_and(|at| r.from <= at && at < r.to),
            }
        }
        within(&self.queues, &t.queue_id)
            && within(&self.states, &t.state_id)
            && within(&self.priorities, &t.priority)
            && within(&self.owners, &t.owner_id)
            && within(&self.responsibles, &t.responsible_id)
            && self
                .customers
                .as_ref()
                .is_none_or(|l| t.customer_id.as_ref().is_some_and(|c| l.contains(c)))
            && self
                .customer_users
                .as_ref()
                .is_none_or(|l| t.customer_user_id.is_some_and(|c| l.contains(&c)))
            && within(&self.locks, &t.lock)
            && during(&self.created, Some(t.created_at))
            && during(&self.changed, Some(t.changed_at))
            && during(&self.closed, closed_at)
    }

    /// True if the close time is needed to answer (a close-time filter).
    pub fn needs_close_time(&self) -> bool {
        self.closed.is_some()
    }
}

/// One axis of a count: a ticket column, or a time column cut into buckets
/// (`bounds[i]..bounds[i + 1]`; tickets outside every bucket are not counted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatGroup {
    /// Queue id.
    Queue,
    /// State id.
    State,
    /// Priority level.
    Priority,
    /// Owner id.
    Owner,
    /// Responsible id.
    Responsible,
    /// CustomerID (text; none is [`StatKey::Null`]).
    Customer,
    /// Customer user id.
    CustomerUser,
    /// Lock name.
    Lock,
    /// Creation time buckets.
    Created(Vec<DateTime<Utc>>),
    /// Last-change buckets.
    Changed(Vec<DateTime<Utc>>),
    /// Close-time buckets.
    Closed(Vec<DateTime<Utc>>),
}

impl StatGroup {
    /// True for the close-time group (it needs the history).
    pub fn needs_close_time(&self) -> bool {
        matches!(self, StatGroup::Closed(_))
    }

    /// The key of a ticket on this axis; `None` when a time falls outside every bucket.
    pub fn key(&self, t: &Ticket, closed_at: Option<DateTime<Utc>>) -> Option<StatKey> {
        use crate::stats::period::bucket_of;
        let bucket = |bounds: &[DateTime<Utc>], at: Option<DateTime<Utc>>| {
            at.and_then(|at| bucket_of(bounds, at))
                .map(|i| StatKey::Int(i64::try_from(i).unwrap_or(i64::MAX)))
        };
        let id = |v: u64| Some(StatKey::Int(i64::try_from(v).unwrap_or(i64::MAX)));
        match self {
            StatGroup::Queue => id(t.queue_id.0),
            StatGroup::State => id(t.state_id.0),
            StatGroup::Priority => Some(StatKey::Int(i64::from(t.priority.level()))),
            StatGroup::Owner => id(t.owner_id.0),
            StatGroup::Responsible => id(t.responsible_id.0),
            StatGroup::Customer => Some(t.customer_id.clone().map_or(StatKey::Null, StatKey::Text)),
            StatGroup::CustomerUser => Some(t.customer_user_id.map_or(StatKey::Null, |c| {
                StatKey::Int(i64::try_from(c.0).unwrap_or(0))
            })),
            StatGroup::Lock => Some(StatKey::Text(t.lock.name().to_owned())),
            StatGroup::Created(b) => bucket(b, Some(t.created_at)),
            StatGroup::Changed(b) => bucket(b, Some(t.changed_at)),
            StatGroup::Closed(b) => bucket(b, closed_at),
        }
    }
}

/// The value of a ticket on one axis.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StatKey {
    /// No value (no customer).
    Null,
    /// An id, a priority level or a bucket index.
    Int(i64),
    /// A CustomerID or lock name.
    Text(String),
}

/// The number of tickets with one pair of keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatCount {
    /// Key on the first axis.
    pub x: StatKey,
    /// Key on the second axis.
    pub y: StatKey,
    /// How many tickets.
    pub count: u64,
}

/// The number of tickets with one combination of keys, one key per grouping asked for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatTupleCount {
    /// A key per grouping, in the order asked for.
    pub keys: Vec<StatKey>,
    /// How many tickets.
    pub count: u64,
}

/// The order of a list statistic's rows (ties by ticket id, ascending).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatSort {
    /// Ticket number.
    Number,
    /// Title.
    Title,
    /// Creation time.
    Created,
    /// Last change.
    Changed,
    /// Close time (tickets without one last).
    Closed,
    /// Priority.
    Priority,
    /// Accounted time.
    AccountedTime,
}

/// A page of list rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatListQuery {
    /// Which tickets.
    pub filter: StatFilter,
    /// Order.
    pub sort: StatSort,
    /// Largest first.
    pub descending: bool,
    /// Most rows.
    pub limit: u32,
}

/// One ticket of a list statistic with its close time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatRow {
    /// The ticket.
    pub ticket: Ticket,
    /// When it was closed (see the module docs).
    pub closed_at: Option<DateTime<Utc>>,
}

/// The number of state changes into one state in one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct StateChangeCount {
    /// Bucket index.
    pub bucket: u32,
    /// The state entered.
    pub state: StateId,
    /// How many changes.
    pub count: u64,
}

/// Sorts two rows by a key, ties by id; `None` sorts last in both directions.
pub fn compare_rows(
    a: &StatRow,
    b: &StatRow,
    sort: StatSort,
    descending: bool,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let primary = match sort {
        StatSort::Number => a.ticket.number.cmp(&b.ticket.number),
        StatSort::Title => a.ticket.title.cmp(&b.ticket.title),
        StatSort::Created => a.ticket.created_at.cmp(&b.ticket.created_at),
        StatSort::Changed => a.ticket.changed_at.cmp(&b.ticket.changed_at),
        StatSort::Priority => a.ticket.priority.cmp(&b.ticket.priority),
        StatSort::AccountedTime => a.ticket.accounted_time.cmp(&b.ticket.accounted_time),
        StatSort::Closed => match (a.closed_at, b.closed_at) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => return Ordering::Less.then(a.ticket.id.cmp(&b.ticket.id)),
            (None, Some(_)) => return Ordering::Greater,
            (None, None) => Ordering::Equal,
        },
    };
    let primary = if descending {
        primary.reverse()
    } else {
        primary
    };
    primary.then(a.ticket.id.cmp(&b.ticket.id))
}
