//! Read-model queries: filters, sorting, pages and cursors.

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, CustomerUserId, QueueId, StateId, TicketId};
use crate::model::{Customer, CustomerUser, LockState, Priority, StateType, Ticket, Validity};

/// Who is asking, which restricts the tickets a list may return.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TicketAccess {
    /// No restriction (the system, admin exports).
    #[default]
    Unrestricted,
    /// An agent sees tickets in queues they may read, and tickets they own, are responsible for or
    /// watch.
    Agent {
        /// The agent.
        agent: AgentId,
        /// Queues the agent has `ro` on.
        readable_queues: Vec<QueueId>,
    },
    /// A customer user sees their own tickets and their companies' tickets.
    Customer {
        /// The customer user.
        user: CustomerUserId,
        /// The user's CustomerIDs (compared case-insensitively).
        customer_ids: Vec<String>,
    },
}

/// Conditions on tickets; every set condition must hold. `None` means "any".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketFilter {
    /// Only these tickets (e.g. the hits of a full-text search).
    pub ids: Option<Vec<TicketId>>,
    /// Exact ticket number.
    pub number: Option<String>,
    /// In one of these queues.
    pub queue_ids: Option<Vec<QueueId>>,
    /// In one of these states.
    pub state_ids: Option<Vec<StateId>>,
    /// In a state of one of these types.
    pub state_types: Option<Vec<StateType>>,
    /// With one of these priorities.
    pub priorities: Option<Vec<Priority>>,
    /// Owned by one of these agents.
    pub owner_ids: Option<Vec<AgentId>>,
    /// With one of these responsible agents.
    pub responsible_ids: Option<Vec<AgentId>>,
    /// With one of these lock states.
    pub locks: Option<Vec<LockState>>,
    /// For one of these CustomerIDs (case-insensitive).
    pub customer_ids: Option<Vec<String>>,
    /// For one of these customer users.
    pub customer_user_ids: Option<Vec<CustomerUserId>>,
    /// Watched by this agent.
    pub watched_by: Option<AgentId>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_before: Option<DateTime<Utc>>,
    /// Changed at or after.
    pub changed_from: Option<DateTime<Utc>>,
    /// Changed before.
    pub changed_before: Option<DateTime<Utc>>,
    /// Pending time set and before this instant (reminders due).
    pub pending_before: Option<DateTime<Utc>>,
    /// Title contains this text, ignoring the case of ASCII letters.
    pub title_contains: Option<String>,
}

/// What tickets can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum TicketSortKey {
    /// Id (creation order).
    Id,
    /// Ticket number.
    Number,
    /// Title.
    Title,
    /// Creation time ("age").
    Created,
    /// Last change.
    #[default]
    Changed,
    /// Priority.
    Priority,
    /// Pending time (unset sorts first).
    PendingUntil,
    /// Queue id.
    Queue,
    /// State id.
    State,
    /// Owner id.
    Owner,
}

impl TicketSortKey {
    /// Every key.
    pub const ALL: [TicketSortKey; 10] = [
        TicketSortKey::Id,
        TicketSortKey::Number,
        TicketSortKey::Title,
        TicketSortKey::Created,
        TicketSortKey::Changed,
        TicketSortKey::Priority,
        TicketSortKey::PendingUntil,
        TicketSortKey::Queue,
        TicketSortKey::State,
        TicketSortKey::Owner,
    ];

    /// The name used in `sort=` parameters.
    pub const fn name(self) -> &'static str {
        match self {
            TicketSortKey::Id => "id",
            TicketSortKey::Number => "number",
            TicketSortKey::Title => "title",
            TicketSortKey::Created => "created",
            TicketSortKey::Changed => "changed",
            TicketSortKey::Priority => "priority",
            TicketSortKey::PendingUntil => "pending_until",
            TicketSortKey::Queue => "queue",
            TicketSortKey::State => "state",
            TicketSortKey::Owner => "owner",
        }
    }

    /// Parses a name as written by [`TicketSortKey::name`] ("age" is accepted for created).
    pub fn from_name(name: &str) -> Option<TicketSortKey> {
        if name == "age" {
            return Some(TicketSortKey::Created);
        }
        TicketSortKey::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The ticket's value for this key.
    pub fn value_of(self, ticket: &Ticket) -> SortValue {
        match self {
            TicketSortKey::Id => SortValue::Int(ticket.id.0 as i64),
            TicketSortKey::Number => SortValue::Text(ticket.number.clone()),
            TicketSortKey::Title => SortValue::Text(ticket.title.clone()),
            TicketSortKey::Created => SortValue::Time(Some(ticket.created_at)),
            TicketSortKey::Changed => SortValue::Time(Some(ticket.changed_at)),
            TicketSortKey::Priority => SortValue::Int(i64::from(ticket.priority.level())),
            TicketSortKey::PendingUntil => SortValue::Time(ticket.pending_until),
            TicketSortKey::Queue => SortValue::Int(ticket.queue_id.0 as i64),
            TicketSortKey::State => SortValue::Int(ticket.state_id.0 as i64),
            TicketSortKey::Owner => SortValue::Int(ticket.owner_id.0 as i64),
        }
    }
}

/// A sort order: the key, then the ticket id in the same direction as the tie-breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TicketSort {
    /// The key.
    pub key: TicketSortKey,
    /// Largest first.
    pub descending: bool,
}

impl TicketSort {
    /// Parses `changed` or `-changed` (descending).
    pub fn parse(text: &str) -> Option<TicketSort> {
        let (descending, name) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(text)),
        };
        TicketSortKey::from_name(name).map(|key| TicketSort { key, descending })
    }
}

impl std::fmt::Display for TicketSort {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.descending {
            f.write_str("-")?;
        }
        f.write_str(self.key.name())
    }
}

/// A value of a sort key, for cursors.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SortValue {
    /// A number.
    Int(i64),
    /// Text, compared by bytes.
    Text(String),
    /// A time; unset sorts first.
    Time(Option<DateTime<Utc>>),
}

/// A keyset position: the sort value and id of the last row of the previous page.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Cursor {
    /// The sort order the cursor was made for.
    pub sort: TicketSort,
    /// The last row's sort value.
    pub value: SortValue,
    /// The last row's id.
    pub id: TicketId,
}

impl Cursor {
    /// The cursor after `ticket` in `sort` order.
    pub fn after(sort: TicketSort, ticket: &Ticket) -> Cursor {
        Cursor {
            sort,
            value: sort.key.value_of(ticket),
            id: ticket.id,
        }
    }

    /// An opaque, URL-safe string.
    pub fn encode(&self) -> String {
        let value = match &self.value {
            SortValue::Int(n) => format!("i{n}"),
            SortValue::Text(t) => format!("s{}", hex_encode(t.as_bytes())),
            SortValue::Time(None) => "t".to_owned(),
            SortValue::Time(Some(t)) => format!("t{}", t.timestamp_micros()),
        };
        format!("{}.{}.{}", self.sort, self.id.0, value)
    }

    /// Parses [`Cursor::encode`]'s output; `None` for anything else.
    pub fn decode(text: &str) -> Option<Cursor> {
        let mut parts = text.splitn(3, '.');
        let sort = TicketSort::parse(parts.next()?)?;
        let id = TicketId(parts.next()?.parse().ok()?);
        let raw = parts.next()?;
        let (tag, rest) = raw.split_at_checked(1)?;
        let value = match tag {
            "i" => SortValue::Int(rest.parse().ok()?),
            "s" => SortValue::Text(String::from_utf8(hex_decode(rest)?).ok()?),
            "t" if rest.is_empty() => SortValue::Time(None),
            "t" => SortValue::Time(Some(DateTime::from_timestamp_micros(rest.parse().ok()?)?)),
            _ => return None,
        };
        let expected_kind = sort.key.value_of_kind();
        if std::mem::discriminant(&value) != std::mem::discriminant(&expected_kind) {
            return None;
        }
        Some(Cursor { sort, value, id })
    }

    /// True if `ticket` comes after the cursor position in the cursor's order.
    pub fn is_before(&self, ticket: &Ticket) -> bool {
        let value = self.sort.key.value_of(ticket);
        let ordering = (value, ticket.id).cmp(&(self.value.clone(), self.id));
        if self.sort.descending {
            ordering == std::cmp::Ordering::Less
        } else {
            ordering == std::cmp::Ordering::Greater
        }
    }
}

impl TicketSortKey {
    fn value_of_kind(self) -> SortValue {
        match self {
            TicketSortKey::Number | TicketSortKey::Title => SortValue::Text(String::new()),
            TicketSortKey::Created | TicketSortKey::Changed | TicketSortKey::PendingUntil => {
                SortValue::Time(None)
            }
            _ => SortValue::Int(0),
        }
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
        })
        .collect()
}

/// Which rows of a list to return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageRequest {
    /// Skip `offset` rows, return up to `limit`.
    Offset {
        /// Rows to skip.
        offset: u64,
        /// Rows to return.
        limit: u32,
    },
    /// Rows after a keyset position (tickets only; other lists treat it as the first page).
    After {
        /// The position.
        cursor: Cursor,
        /// Rows to return.
        limit: u32,
    },
}

impl PageRequest {
    /// The first `limit` rows.
    pub const fn first(limit: u32) -> PageRequest {
        PageRequest::Offset { offset: 0, limit }
    }

    /// Page `page` (1-based) of `per_page` rows.
    pub fn page(page: u32, per_page: u32) -> PageRequest {
        PageRequest::Offset {
            offset: u64::from(page.saturating_sub(1)) * u64::from(per_page),
            limit: per_page,
        }
    }

    /// The row limit.
    pub const fn limit(&self) -> u32 {
        match self {
            PageRequest::Offset { limit, .. } | PageRequest::After { limit, .. } => *limit,
        }
    }
}

/// A ticket list query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketQuery {
    /// Who asks.
    pub access: TicketAccess,
    /// Conditions.
    pub filter: TicketFilter,
    /// Order.
    pub sort: TicketSort,
    /// Which rows.
    pub page: PageRequest,
}

/// One page of tickets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketPage {
    /// The rows.
    pub tickets: Vec<Ticket>,
    /// How many tickets match in all.
    pub total: u64,
    /// The position after the last row, when more rows follow.
    pub next_cursor: Option<Cursor>,
}

/// One page of another list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The rows.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: u64,
}

/// Conditions on customer companies.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerFilter {
    /// CustomerID or name contains this text (case-insensitive); `*` is a wildcard.
    pub search: Option<String>,
    /// Only with this validity.
    pub validity: Option<Validity>,
}

impl CustomerFilter {
    /// True if the customer matches.
    pub fn matches(&self, customer: &Customer) -> bool {
        self.validity.is_none_or(|v| v == customer.validity)
            && self.search.as_deref().is_none_or(|s| {
                text_matches(s, &customer.customer_id) || text_matches(s, &customer.name)
            })
    }
}

/// Conditions on customer users.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerUserFilter {
    /// Login, name or e-mail contains this text (case-insensitive); `*` is a wildcard.
    pub search: Option<String>,
    /// Belongs to this CustomerID (main or extra; case-insensitive).
    pub customer_id: Option<String>,
    /// Only with this validity.
    pub validity: Option<Validity>,
}

impl CustomerUserFilter {
    /// True if the customer user matches.
    pub fn matches(&self, user: &CustomerUser) -> bool {
        self.validity.is_none_or(|v| v == user.validity)
            && self
                .customer_id
                .as_deref()
                .is_none_or(|c| user.belongs_to(c))
            && self.search.as_deref().is_none_or(|s| {
                text_matches(s, &user.login)
                    || text_matches(s, &user.first_name)
                    || text_matches(s, &user.last_name)
                    || text_matches(s, &user.full_name())
                    || text_matches(s, &user.email)
            })
    }
}

/// Containment where `*` stands for any text (`**` or `*` alone match all), ignoring the case of
/// ASCII letters (as every store does; SQLite's `lower()` folds ASCII only).
pub fn text_matches(pattern: &str, text: &str) -> bool {
    let pattern = pattern.to_ascii_lowercase();
    let text = text.to_ascii_lowercase();
    let pieces: Vec<&str> = pattern.split('*').filter(|p| !p.is_empty()).collect();
    let mut rest = text.as_str();
    for piece in pieces {
        match rest.find(piece) {
            Some(pos) => rest = &rest[pos + piece.len()..],
            None => return false,
        }
    }
    true
}

/// The number of tickets in one queue and state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueueStateCount {
    /// Queue.
    pub queue_id: QueueId,
    /// State.
    pub state_id: StateId,
    /// Tickets.
    pub count: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_every_kind_of_value() {
        for (sort, value) in [
            (
                "-changed",
                SortValue::Time(Some(
                    DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap(),
                )),
            ),
            ("pending_until", SortValue::Time(None)),
            ("title", SortValue::Text("Printer «offline».x".into())),
            ("priority", SortValue::Int(4)),
        ] {
            let cursor = Cursor {
                sort: TicketSort::parse(sort).unwrap(),
                value,
                id: TicketId(42),
            };
            assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        }
    }

    #[test]
    fn cursor_decode_rejects_garbage() {
        for text in [
            "",
            "x",
            "changed.1",
            "changed.x.i1",
            "nosuch.1.i1",
            "title.1.i1",
            "title.1.szz",
            "changed.1.q",
        ] {
            assert_eq!(Cursor::decode(text), None, "{text}");
        }
    }

    #[test]
    fn wildcard_search_matches_like_the_customer_picker() {
        assert!(text_matches("**", "anything"));
        assert!(text_matches("lac*", "Lacey"));
        assert!(text_matches("sup*inc", "Super Support Inc."));
        assert!(!text_matches("robert", "Lacey"));
    }
}
