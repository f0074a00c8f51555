//! Ticket history: one typed row for every change, with who, when, and the ticket's values at the time.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, ArticleId, HistoryId, QueueId, StateId, TicketId};
use crate::model::{Principal, Priority};

macro_rules! history_types {
    ($($variant:ident = $id:literal),* $(,)?) => {
        /// The type of a history row, with the OTRS ids.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum HistoryType {
            $(
                #[allow(missing_docs)]
                $variant,
            )*
        }

        impl HistoryType {
            /// Every type, by id.
            pub const ALL: &'static [HistoryType] = &[$(HistoryType::$variant),*];

            /// The OTRS id of the type.
            pub const fn id(self) -> u16 {
                match self {
                    $(HistoryType::$variant => $id,)*
                }
            }

            /// The OTRS name, e.g. `StateUpdate`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(HistoryType::$variant => stringify!($variant),)*
                }
            }

            /// Parses an OTRS name.
            pub fn from_name(name: &str) -> Option<HistoryType> {
                match name {
                    $(stringify!($variant) => Some(HistoryType::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

history_types! {
    NewTicket = 1,
    FollowUp = 2,
    SendAutoReject = 3,
    SendAutoReply = 4,
    SendAutoFollowUp = 5,
    Forward = 6,
    Bounce = 7,
    SendAnswer = 8,
    SendAgentNotification = 9,
    SendCustomerNotification = 10,
    EmailAgent = 11,
    EmailCustomer = 12,
    PhoneCallAgent = 13,
    PhoneCallCustomer = 14,
    AddNote = 15,
    Move = 16,
    Lock = 17,
    Unlock = 18,
    Remove = 19,
    TimeAccounting = 20,
    CustomerUpdate = 21,
    PriorityUpdate = 22,
    OwnerUpdate = 23,
    LoopProtection = 24,
    Misc = 25,
    SetPendingTime = 26,
    StateUpdate = 27,
    TicketDynamicFieldUpdate = 28,
    WebRequestCustomer = 29,
    TicketLinkAdd = 30,
    TicketLinkDelete = 31,
    SystemRequest = 32,
    Merged = 33,
    ResponsibleUpdate = 34,
    Subscribe = 35,
    Unsubscribe = 36,
    TypeUpdate = 37,
    ServiceUpdate = 38,
    SLAUpdate = 39,
    ArchiveFlagUpdate = 40,
    EscalationSolutionTimeStop = 41,
    EscalationResponseTimeStart = 42,
    EscalationUpdateTimeStart = 43,
    EscalationSolutionTimeStart = 44,
    EscalationResponseTimeNotifyBefore = 45,
    EscalationUpdateTimeNotifyBefore = 46,
    EscalationSolutionTimeNotifyBefore = 47,
    EscalationResponseTimeStop = 48,
    EscalationUpdateTimeStop = 49,
    TitleUpdate = 50,
    EmailResend = 51,
    Bulk = 52,
}

impl fmt::Display for HistoryType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A history row to be written. The store assigns the id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHistoryEntry {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The article the row is about, if any (such rows move with the article on a merge).
    pub article_id: Option<ArticleId>,
    /// The type.
    pub history_type: HistoryType,
    /// The parameters, rendered at display time (OTRS stores them as `%%a%%b`).
    pub params: Vec<String>,
    /// Who.
    pub created_by: Principal,
    /// When.
    pub created_at: DateTime<Utc>,
    /// The ticket's queue at that moment.
    pub queue_id: QueueId,
    /// The ticket's state at that moment.
    pub state_id: StateId,
    /// The ticket's priority at that moment.
    pub priority: Priority,
    /// The ticket's owner at that moment.
    pub owner_id: AgentId,
}

/// A stored history row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    /// Identity; orders rows written at the same instant.
    pub id: HistoryId,
    /// The row's content.
    pub entry: NewHistoryEntry,
}

impl NewHistoryEntry {
    /// The OTRS-style name: `%%a%%b…`, cut to 200 characters.
    pub fn encoded_name(&self) -> String {
        let mut name = String::new();
        for p in &self.params {
            name.push_str("%%");
            name.push_str(p);
        }
        name.chars().take(200).collect()
    }
}
