//! Numeric identities of the business objects.
//!
//! Every stored object has a numeric id assigned by the store on insert.
//! The newtypes keep a ticket id from being passed where a queue id is meant.

use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u64);

        impl $name {
            /// The raw number, as stored and shown in URLs.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value)
            }
        }
    )*};
}

id_type! {
    /// A ticket.
    TicketId,
    /// An article of a ticket.
    ArticleId,
    /// An attachment of an article.
    AttachmentId,
    /// A queue.
    QueueId,
    /// A permission group.
    GroupId,
    /// An agent (internal user). Agent 1 is the system user.
    AgentId,
    /// A customer company (the record behind a CustomerID).
    CustomerId,
    /// A customer user (external contact).
    CustomerUserId,
    /// A ticket state.
    StateId,
    /// A link between two objects.
    LinkId,
    /// A history row.
    HistoryId,
    /// A saved draft of a ticket form.
    DraftId,
    /// A message waiting in the outbox.
    MessageId,
    /// A knowledge-base article (FAQ item).
    KbArticleId,
    /// A knowledge-base category.
    KbCategoryId,
    /// A file attached to a knowledge-base article.
    KbAttachmentId,
    /// A row of a knowledge-base article's history.
    KbHistoryId,
    /// A calendar appointment (linked from tickets).
    AppointmentId,
    /// An API token.
    ApiTokenId,
    /// A background job of the scheduler.
    JobId,
    /// A web-view notification of an agent.
    NotificationId,
    /// A calendar.
    CalendarId,
    /// A row of an appointment's history.
    AppointmentHistoryId,
    /// A statistic definition.
    StatId,
    // --- reports
    /// A report (statistics mailed as one PDF on a schedule).
    ReportId,
    // --- actions
    /// A text template or signature.
    TextId,
    // --- forms
    /// A file kept for a form that is being filled in.
    FormUploadId,
}

impl AgentId {
    /// The system user ("root@localhost" in OTRS): the owner of unassigned tickets and the actor of automatic work.
    pub const SYSTEM: AgentId = AgentId(1);
}

impl GroupId {
    /// The default group of ordinary agents.
    pub const USERS: GroupId = GroupId(1);
    /// Members with `rw` here may use the admin area.
    pub const ADMIN: GroupId = GroupId(2);
    /// Members may use statistics.
    pub const STATS: GroupId = GroupId(3);
}
