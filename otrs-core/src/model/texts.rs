//! Standard texts admins manage per queue: text templates (inserted into new articles) and
//! signatures (appended to e-mail).

use chrono::{DateTime, Utc};

use crate::ids::{QueueId, TextId};
use crate::model::Validity;

/// The content types a standard text may have.
pub const TEXT_CONTENT_TYPES: [&str; 2] = ["text/plain", "text/html"];

/// Which kind of standard text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TextKind {
    /// A text template.
    Template,
    /// A signature.
    Signature,
}

impl TextKind {
    /// Both kinds.
    pub const ALL: [TextKind; 2] = [TextKind::Template, TextKind::Signature];

    /// `template` or `signature`.
    pub const fn name(self) -> &'static str {
        match self {
            TextKind::Template => "template",
            TextKind::Signature => "signature",
        }
    }

    /// Parses [`TextKind::name`].
    pub fn from_name(name: &str) -> Option<TextKind> {
        TextKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A text template or signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardText {
    /// Identity.
    pub id: TextId,
    /// Template or signature.
    pub kind: TextKind,
    /// Name, unique per kind.
    pub name: String,
    /// The text.
    pub text: String,
    /// `text/plain` or `text/html`.
    pub content_type: String,
    /// Only valid texts are offered to agents.
    pub validity: Validity,
    /// The queues it is offered in, ascending and without repeats.
    pub queues: Vec<QueueId>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}
