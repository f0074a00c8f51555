//! Tickets, their states, priorities and lock.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, CustomerUserId, QueueId, StateId, TicketId};
use crate::model::TimeUnits;

/// The fixed kinds of ticket states. States can be added, their types cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateType {
    /// Created, no agent contact yet.
    New,
    /// In progress.
    Open,
    /// Closed (successful or not).
    Closed,
    /// Waiting; remind owner and responsible when the pending time is reached.
    PendingReminder,
    /// Waiting; close automatically when the pending time is reached.
    PendingAuto,
    /// Legacy "removed by customer".
    Removed,
    /// The content lives in another ticket. Terminal.
    Merged,
}

impl StateType {
    /// All state types, in the order of their OTRS ids.
    pub const ALL: [StateType; 7] = [
        StateType::New,
        StateType::Open,
        StateType::Closed,
        StateType::PendingReminder,
        StateType::PendingAuto,
        StateType::Removed,
        StateType::Merged,
    ];

    /// The name used in the manual and in stored data.
    pub const fn name(self) -> &'static str {
        match self {
            StateType::New => "new",
            StateType::Open => "open",
            StateType::Closed => "closed",
            StateType::PendingReminder => "pending reminder",
            StateType::PendingAuto => "pending auto",
            StateType::Removed => "removed",
            StateType::Merged => "merged",
        }
    }

    /// Parses a name as written by [`StateType::name`].
    pub fn from_name(name: &str) -> Option<StateType> {
        StateType::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Viewable ("open" in the broad sense): new, open and both pending types.
    pub const fn is_viewable(self) -> bool {
        matches!(
            self,
            StateType::New | StateType::Open | StateType::PendingReminder | StateType::PendingAuto
        )
    }

    /// Both pending types; these states need a pending time.
    pub const fn is_pending(self) -> bool {
        matches!(self, StateType::PendingReminder | StateType::PendingAuto)
    }
}

impl fmt::Display for StateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an automatic pending state turns into when its time is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PendingOutcome {
    /// The ticket becomes "closed successful".
    ClosedSuccessful,
    /// The ticket becomes "closed unsuccessful".
    ClosedUnsuccessful,
}

/// A ticket state: a named instance of a [`StateType`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct State {
    /// Identity.
    pub id: StateId,
    /// Display name, unique (e.g. "pending auto close+").
    pub name: String,
    /// The fixed type the rules look at.
    pub state_type: StateType,
    /// Invalid states are kept for history but cannot be chosen.
    pub valid: bool,
}

/// The default states with their OTRS ids.
pub mod default_states {
    use crate::ids::StateId;

    /// new (type new).
    pub const NEW: StateId = StateId(1);
    /// closed successful (type closed).
    pub const CLOSED_SUCCESSFUL: StateId = StateId(2);
    /// closed unsuccessful (type closed).
    pub const CLOSED_UNSUCCESSFUL: StateId = StateId(3);
    /// open (type open).
    pub const OPEN: StateId = StateId(4);
    /// removed (type removed).
    pub const REMOVED: StateId = StateId(5);
    /// pending reminder (type pending reminder).
    pub const PENDING_REMINDER: StateId = StateId(6);
    /// pending auto close+ (type pending auto).
    pub const PENDING_AUTO_CLOSE_PLUS: StateId = StateId(7);
    /// pending auto close- (type pending auto).
    pub const PENDING_AUTO_CLOSE_MINUS: StateId = StateId(8);
    /// merged (type merged).
    pub const MERGED: StateId = StateId(9);
}

/// The catalogue of states, loaded once per command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateCatalog {
    states: Vec<State>,
}

impl StateCatalog {
    /// Wraps a list of states.
    pub fn new(mut states: Vec<State>) -> Self {
        states.sort_by_key(|s| s.id);
        Self { states }
    }

    /// The nine states every installation starts with.
    pub fn defaults() -> Vec<State> {
        use default_states::*;
        [
            (NEW, "new", StateType::New),
            (CLOSED_SUCCESSFUL, "closed successful", StateType::Closed),
            (
                CLOSED_UNSUCCESSFUL,
                "closed unsuccessful",
                StateType::Closed,
            ),
            (OPEN, "open", StateType::Open),
            (REMOVED, "removed", StateType::Removed),
            (
                PENDING_REMINDER,
                "pending reminder",
                StateType::PendingReminder,
            ),
            (
                PENDING_AUTO_CLOSE_PLUS,
                "pending auto close+",
                StateType::PendingAuto,
            ),
            (
                PENDING_AUTO_CLOSE_MINUS,
                "pending auto close-",
                StateType::PendingAuto,
            ),
            (MERGED, "merged", StateType::Merged),
        ]
        .into_iter()
        .map(|(id, name, state_type)| State {
            id,
            name: name.to_owned(),
            state_type,
            valid: true,
        })
        .collect()
    }

    /// Every state, valid or not, by id.
    pub fn all(&self) -> &[State] {
        &self.states
    }

    /// Looks a state up by id.
    pub fn get(&self, id: StateId) -> Option<&State> {
        self.states.iter().find(|s| s.id == id)
    }

    /// Looks a state up by its exact name.
    pub fn by_name(&self, name: &str) -> Option<&State> {
        self.states.iter().find(|s| s.name == name)
    }

    /// The type of a state; unknown ids read as open so that a damaged row never panics.
    pub fn type_of(&self, id: StateId) -> StateType {
        self.get(id).map_or(StateType::Open, |s| s.state_type)
    }

    /// The first valid state of a type (the merge uses the first `merged` state).
    pub fn first_of_type(&self, state_type: StateType) -> Option<&State> {
        self.states
            .iter()
            .find(|s| s.valid && s.state_type == state_type)
    }

    /// The closed state an automatic pending state leads to, by the default mapping
    /// (`pending auto close+` → closed successful, `pending auto close-` → closed unsuccessful).
    pub fn after_pending(&self, id: StateId) -> Option<StateId> {
        match id {
            default_states::PENDING_AUTO_CLOSE_PLUS => Some(default_states::CLOSED_SUCCESSFUL),
            default_states::PENDING_AUTO_CLOSE_MINUS => Some(default_states::CLOSED_UNSUCCESSFUL),
            _ => None,
        }
    }
}

/// Ticket priority, 1 (very low) to 5 (very high).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(u8);

impl Priority {
    /// 1 very low.
    pub const VERY_LOW: Priority = Priority(1);
    /// 2 low.
    pub const LOW: Priority = Priority(2);
    /// 3 normal, the default for new tickets.
    pub const NORMAL: Priority = Priority(3);
    /// 4 high.
    pub const HIGH: Priority = Priority(4);
    /// 5 very high.
    pub const VERY_HIGH: Priority = Priority(5);
    /// All priorities, lowest first.
    pub const ALL: [Priority; 5] = [
        Priority::VERY_LOW,
        Priority::LOW,
        Priority::NORMAL,
        Priority::HIGH,
        Priority::VERY_HIGH,
    ];

    /// A priority from its number, if it is 1 to 5.
    pub const fn new(level: u8) -> Option<Priority> {
        if level >= 1 && level <= 5 {
            Some(Priority(level))
        } else {
            None
        }
    }

    /// The number 1 to 5.
    pub const fn level(self) -> u8 {
        self.0
    }

    /// The display name, e.g. "3 normal".
    pub const fn name(self) -> &'static str {
        match self.0 {
            1 => "1 very low",
            2 => "2 low",
            3 => "3 normal",
            4 => "4 high",
            _ => "5 very high",
        }
    }

    /// Parses "3", "3 normal" or "normal".
    pub fn parse(text: &str) -> Option<Priority> {
        let text = text.trim();
        if let Ok(n) = text.parse::<u8>() {
            return Priority::new(n);
        }
        Priority::ALL.into_iter().find(|p| {
            let name = p.name();
            name.eq_ignore_ascii_case(text) || name[2..].eq_ignore_ascii_case(text)
        })
    }
}

impl Default for Priority {
    fn default() -> Self {
        Priority::NORMAL
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether an agent works on the ticket. The holder of a lock is always the ticket's owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum LockState {
    /// Anyone with the right permission may act; the owner is only the last actor.
    #[default]
    Unlocked,
    /// The owner works on it; others should not act.
    Locked,
    /// Internal lock held during a critical operation; never chosen by agents.
    TmpLocked,
}

impl LockState {
    /// "unlock", "lock" or "tmp_lock", as OTRS names them.
    pub const fn name(self) -> &'static str {
        match self {
            LockState::Unlocked => "unlock",
            LockState::Locked => "lock",
            LockState::TmpLocked => "tmp_lock",
        }
    }

    /// Parses a name as written by [`LockState::name`].
    pub fn from_name(name: &str) -> Option<LockState> {
        match name {
            "unlock" => Some(LockState::Unlocked),
            "lock" => Some(LockState::Locked),
            "tmp_lock" => Some(LockState::TmpLocked),
            _ => None,
        }
    }

    /// True for `lock` and `tmp_lock`.
    pub const fn is_locked(self) -> bool {
        !matches!(self, LockState::Unlocked)
    }
}

/// A ticket as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Identity (assigned by the store).
    pub id: TicketId,
    /// The ticket number, e.g. `2020032510000409`.
    pub number: String,
    /// Title (subject line of the ticket).
    pub title: String,
    /// Queue the ticket is in.
    pub queue_id: QueueId,
    /// Current state.
    pub state_id: StateId,
    /// Priority.
    pub priority: Priority,
    /// Lock; its holder is [`Ticket::owner_id`].
    pub lock: LockState,
    /// Owner (exactly one; [`AgentId::SYSTEM`] means nobody).
    pub owner_id: AgentId,
    /// Responsible agent ([`AgentId::SYSTEM`] means nobody).
    pub responsible_id: AgentId,
    /// The customer company's CustomerID, if any.
    pub customer_id: Option<String>,
    /// The customer user, if any.
    pub customer_user_id: Option<CustomerUserId>,
    /// Pending time, set while the state is of a pending type.
    pub pending_until: Option<DateTime<Utc>>,
    /// When the ticket was created.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: crate::model::Principal,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Who changed it last.
    pub changed_by: crate::model::Principal,
    /// Sum of all time accounted on the ticket.
    pub accounted_time: TimeUnits,
    /// When the unlock timer was last reset (the lock time).
    pub locked_at: Option<DateTime<Utc>>,
    /// Optimistic-concurrency version: 1 on insert, +1 on every stored change.
    pub version: u64,
}

impl Ticket {
    /// True if the ticket is locked and the given agent holds the lock.
    pub fn is_locked_by(&self, agent: AgentId) -> bool {
        self.lock.is_locked() && self.owner_id == agent
    }

    /// True if another agent than `agent` holds a lock on the ticket.
    pub fn is_locked_by_other(&self, agent: AgentId) -> bool {
        self.lock.is_locked() && self.owner_id != agent
    }
}
