//! Articles: the messages and notes of a ticket, with attachments.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, ArticleId, AttachmentId, DraftId, TicketId};
use crate::model::{Principal, TimeUnits};

/// How an article reached the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Channel {
    /// E-mail, incoming or outgoing.
    Email,
    /// A phone call, noted by an agent.
    Phone,
    /// An internal or external note (also customer-portal messages).
    Internal,
    /// A chat transcript.
    Chat,
    /// A text message.
    Sms,
}

impl Channel {
    /// Every channel.
    pub const ALL: [Channel; 5] = [
        Channel::Email,
        Channel::Phone,
        Channel::Internal,
        Channel::Chat,
        Channel::Sms,
    ];

    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Phone => "phone",
            Channel::Internal => "note",
            Channel::Chat => "chat",
            Channel::Sms => "sms",
        }
    }

    /// Parses a stored name; "internal" is accepted for notes too.
    pub fn from_name(name: &str) -> Option<Channel> {
        match name {
            "internal" => Some(Channel::Internal),
            _ => Channel::ALL.into_iter().find(|c| c.name() == name),
        }
    }
}

/// Who wrote an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SenderType {
    /// An agent.
    Agent,
    /// The system (automatic messages, merge notes of the system user).
    System,
    /// A customer user.
    Customer,
}

impl SenderType {
    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            SenderType::Agent => "agent",
            SenderType::System => "system",
            SenderType::Customer => "customer",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<SenderType> {
        match name {
            "agent" => Some(SenderType::Agent),
            "system" => Some(SenderType::System),
            "customer" => Some(SenderType::Customer),
            _ => None,
        }
    }
}

/// Which way an article travelled. Derived, never stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From a customer.
    Incoming,
    /// From an agent or the system, visible to the customer.
    Outgoing,
    /// Not visible to the customer.
    Internal,
}

impl Direction {
    /// Derives the direction: not visible → internal; customer → incoming; otherwise outgoing.
    pub const fn of(sender: SenderType, visible_for_customer: bool) -> Direction {
        match (sender, visible_for_customer) {
            (_, false) => Direction::Internal,
            (SenderType::Customer, true) => Direction::Incoming,
            (_, true) => Direction::Outgoing,
        }
    }

    /// "incoming", "outgoing" or "internal".
    pub const fn name(self) -> &'static str {
        match self {
            Direction::Incoming => "incoming",
            Direction::Outgoing => "outgoing",
            Direction::Internal => "internal",
        }
    }
}

/// The facts about an attachment, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    /// Identity.
    pub id: AttachmentId,
    /// File name as sent.
    pub filename: String,
    /// MIME type, e.g. `image/png`.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Content-ID for inline images, if any.
    pub content_id: Option<String>,
    /// True for inline parts (shown in the body), false for real attachments.
    pub inline: bool,
}

/// An attachment with its bytes, as given to the desk for a new article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes.
    pub content: Arc<[u8]>,
    /// Content-ID for inline images.
    pub content_id: Option<String>,
    /// Inline or attachment.
    pub inline: bool,
}

/// An article as stored (attachment bytes are read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Article {
    /// Identity.
    pub id: ArticleId,
    /// The ticket it belongs to (changes on merge).
    pub ticket_id: TicketId,
    /// Communication channel.
    pub channel: Channel,
    /// Who wrote it.
    pub sender_type: SenderType,
    /// Whether customer users see it in the external interface.
    pub visible_for_customer: bool,
    /// The global "important" mark.
    pub important: bool,
    /// From header or author line.
    pub from: String,
    /// To recipients.
    pub to: String,
    /// Cc recipients.
    pub cc: String,
    /// Bcc recipients.
    pub bcc: String,
    /// Subject.
    pub subject: String,
    /// Body text.
    pub body: String,
    /// `text/plain` or `text/html`.
    pub content_type: String,
    /// Message-ID of an e-mail.
    pub message_id: Option<String>,
    /// In-Reply-To of an e-mail.
    pub in_reply_to: Option<String>,
    /// References of an e-mail.
    pub references: Option<String>,
    /// The attachments (metadata only).
    pub attachments: Vec<AttachmentMeta>,
    /// Time accounted with this article.
    pub time_units: TimeUnits,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: Principal,
    /// Optimistic-concurrency version.
    pub version: u64,
}

impl Article {
    /// The derived direction.
    pub fn direction(&self) -> Direction {
        Direction::of(self.sender_type, self.visible_for_customer)
    }
}

/// An article to be inserted by the store (ids assigned there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewArticle {
    /// The ticket.
    pub ticket_id: TicketId,
    /// Channel.
    pub channel: Channel,
    /// Sender type.
    pub sender_type: SenderType,
    /// Visible for customer.
    pub visible_for_customer: bool,
    /// Important mark.
    pub important: bool,
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Cc.
    pub cc: String,
    /// Bcc.
    pub bcc: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Content type of the body.
    pub content_type: String,
    /// Message-ID.
    pub message_id: Option<String>,
    /// In-Reply-To.
    pub in_reply_to: Option<String>,
    /// References.
    pub references: Option<String>,
    /// Attachments with bytes.
    pub attachments: Vec<NewAttachment>,
    /// Time units accounted with the article.
    pub time_units: TimeUnits,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: Principal,
}

/// An attachment's metadata and bytes, for download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentContent {
    /// Metadata.
    pub meta: AttachmentMeta,
    /// The article it belongs to.
    pub article_id: ArticleId,
    /// The bytes.
    pub content: Arc<[u8]>,
}

/// One row of time accounting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeAccountingEntry {
    /// The ticket (changes on merge).
    pub ticket_id: TicketId,
    /// The article the time was booked with, if any.
    pub article_id: Option<ArticleId>,
    /// Amount.
    pub units: TimeUnits,
    /// Who booked it.
    pub created_by: Principal,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A saved, unfinished form on a ticket (a reply, a note, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    /// Identity.
    pub id: DraftId,
    /// The ticket.
    pub ticket_id: TicketId,
    /// The form, e.g. `note` or `reply`.
    pub form: String,
    /// Name, unique per ticket and form.
    pub name: String,
    /// The form's fields.
    pub fields: std::collections::BTreeMap<String, String>,
    /// The ticket's version when the draft was saved; a newer ticket version means
    /// the ticket changed since, which the UI warns about.
    pub ticket_version: u64,
    /// Who created it.
    pub created_by: AgentId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: u64,
}
