//! The change feed and the outbox: records written in the same transaction as a change.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::ids::{ArticleId, MessageId, TicketId};

/// The kind of object a change event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// A ticket (including its articles, links, watchers and flags).
    Ticket,
    /// A queue.
    Queue,
    /// A group.
    Group,
    /// An agent.
    Agent,
    /// A customer company.
    Customer,
    /// A customer user.
    CustomerUser,
    /// A state.
    State,
}

impl EntityKind {
    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            EntityKind::Ticket => "ticket",
            EntityKind::Queue => "queue",
            EntityKind::Group => "group",
            EntityKind::Agent => "agent",
            EntityKind::Customer => "customer",
            EntityKind::CustomerUser => "customer_user",
            EntityKind::State => "state",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<EntityKind> {
        [
            EntityKind::Ticket,
            EntityKind::Queue,
            EntityKind::Group,
            EntityKind::Agent,
            EntityKind::Customer,
            EntityKind::CustomerUser,
            EntityKind::State,
        ]
        .into_iter()
        .find(|k| k.name() == name)
    }
}

/// What happened to the object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChangeOp {
    /// It was created.
    Created,
    /// It changed.
    Updated,
    /// It was deleted.
    Deleted,
}

impl ChangeOp {
    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            ChangeOp::Created => "created",
            ChangeOp::Updated => "updated",
            ChangeOp::Deleted => "deleted",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<ChangeOp> {
        match name {
            "created" => Some(ChangeOp::Created),
            "updated" => Some(ChangeOp::Updated),
            "deleted" => Some(ChangeOp::Deleted),
            _ => None,
        }
    }
}

/// One entry of the change feed.
///
/// The store assigns `seq` on append. Sequence numbers become visible in order: a reader that has
/// seen `seq` N never later finds a new entry below N. Search indexing, live list updates and
/// scheduled work read the feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Position in the feed (assigned by the store; 0 before append).
    pub seq: u64,
    /// The object kind.
    pub entity: EntityKind,
    /// The object's id.
    pub entity_id: u64,
    /// What happened.
    pub op: ChangeOp,
    /// When.
    pub at: DateTime<Utc>,
}

/// Delivery state of an outgoing message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    /// Waiting for delivery.
    Pending,
    /// Delivered to the relay.
    Sent,
    /// Gave up after repeated failures.
    Failed,
}

impl MessageStatus {
    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            MessageStatus::Pending => "pending",
            MessageStatus::Sent => "sent",
            MessageStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<MessageStatus> {
        match name {
            "pending" => Some(MessageStatus::Pending),
            "sent" => Some(MessageStatus::Sent),
            "failed" => Some(MessageStatus::Failed),
            _ => None,
        }
    }
}

/// An e-mail waiting in the outbox, written in the same transaction as the article that caused it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMessage {
    /// Identity (assigned by the store).
    pub id: MessageId,
    /// The ticket it belongs to, if any.
    pub ticket_id: Option<TicketId>,
    /// The article it sends, if any (an e-mail article; not a redirect or a report).
    pub article_id: Option<ArticleId>,
    /// From.
    pub from: String,
    /// To (comma-separated).
    pub to: String,
    /// Cc.
    pub cc: String,
    /// Bcc.
    pub bcc: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// Delivery state.
    pub status: MessageStatus,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// The last delivery error.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: DateTime<Utc>,
    /// The Message-ID header (`<…@…>`), stable across retries: the outbox holds each at most
    /// once, so work that is done again finds its message already queued.
    pub message_id: Option<String>,
    /// The In-Reply-To header: the Message-ID of the message this one answers.
    pub in_reply_to: Option<String>,
    /// The References header: the thread's Message-IDs, oldest first.
    pub references: Option<String>,
    /// Files sent with the message (a MIME multipart message when there are any).
    pub attachments: Vec<OutgoingAttachment>,
    /// The message exactly as it was handed to the relay (RFC 5322 bytes), recorded with the
    /// delivery; `None` until then. Opaque here: the sender builds it.
    pub source: Option<Arc<[u8]>>,
}

impl OutgoingMessage {
    /// A pending message with no id, Message-ID, threading headers, attachments or article yet.
    pub fn pending(
        from: impl Into<String>,
        to: impl Into<String>,
        subject: impl Into<String>,
        body: impl Into<String>,
        created_at: DateTime<Utc>,
    ) -> OutgoingMessage {
        OutgoingMessage {
            id: MessageId(0),
            ticket_id: None,
            article_id: None,
            from: from.into(),
            to: to.into(),
            cc: String::new(),
            bcc: String::new(),
            subject: subject.into(),
            body: body.into(),
            status: MessageStatus::Pending,
            attempts: 0,
            last_error: None,
            created_at,
            message_id: None,
            in_reply_to: None,
            references: None,
            attachments: Vec::new(),
            source: None,
        }
    }
}

/// A file sent with an outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingAttachment {
    /// File name.
    pub filename: String,
    /// MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub content: Arc<[u8]>,
}
