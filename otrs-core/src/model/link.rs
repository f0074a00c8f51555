//! Links between tickets, knowledge-base articles and appointments.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{AppointmentId, KbArticleId, LinkId, TicketId};
use crate::model::Principal;

/// An object that can be linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectRef {
    /// A ticket.
    Ticket(TicketId),
    /// A knowledge-base article.
    KbArticle(KbArticleId),
    /// A calendar appointment.
    Appointment(AppointmentId),
}

impl ObjectRef {
    /// The object kind as stored: `ticket`, `kb_article`, `appointment`.
    pub const fn kind(self) -> &'static str {
        match self {
            ObjectRef::Ticket(_) => "ticket",
            ObjectRef::KbArticle(_) => "kb_article",
            ObjectRef::Appointment(_) => "appointment",
        }
    }

    /// The object's numeric id.
    pub const fn id(self) -> u64 {
        match self {
            ObjectRef::Ticket(id) => id.0,
            ObjectRef::KbArticle(id) => id.0,
            ObjectRef::Appointment(id) => id.0,
        }
    }

    /// Rebuilds a reference from [`ObjectRef::kind`] and [`ObjectRef::id`].
    pub fn from_parts(kind: &str, id: u64) -> Option<ObjectRef> {
        match kind {
            "ticket" => Some(ObjectRef::Ticket(TicketId(id))),
            "kb_article" => Some(ObjectRef::KbArticle(KbArticleId(id))),
            "appointment" => Some(ObjectRef::Appointment(AppointmentId(id))),
            _ => None,
        }
    }

    /// The ticket, if this refers to one.
    pub const fn ticket(self) -> Option<TicketId> {
        match self {
            ObjectRef::Ticket(id) => Some(id),
            _ => None,
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.id())
    }
}

/// The kind of a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkType {
    /// Undirected: A–B equals B–A.
    Normal,
    /// Directed: the source is the parent, the target the child.
    ParentChild,
}

impl LinkType {
    /// "Normal" or "ParentChild".
    pub const fn name(self) -> &'static str {
        match self {
            LinkType::Normal => "Normal",
            LinkType::ParentChild => "ParentChild",
        }
    }

    /// Parses a name as written by [`LinkType::name`] (case-insensitive).
    pub fn from_name(name: &str) -> Option<LinkType> {
        if name.eq_ignore_ascii_case("normal") {
            Some(LinkType::Normal)
        } else if name.eq_ignore_ascii_case("parentchild")
            || name.eq_ignore_ascii_case("parent-child")
        {
            Some(LinkType::ParentChild)
        } else {
            None
        }
    }
}

/// A stored link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// Identity.
    pub id: LinkId,
    /// Source (the parent for ParentChild).
    pub source: ObjectRef,
    /// Target (the child for ParentChild).
    pub target: ObjectRef,
    /// Kind.
    pub link_type: LinkType,
    /// Who created it.
    pub created_by: Principal,
    /// When.
    pub created_at: DateTime<Utc>,
}

impl Link {
    /// True if the link connects `a` and `b` with this type, in either direction for Normal links
    /// and in the given direction (a = parent) for ParentChild.
    pub fn connects(&self, a: ObjectRef, b: ObjectRef, link_type: LinkType) -> bool {
        self.link_type == link_type
            && ((self.source == a && self.target == b)
                || (link_type == LinkType::Normal && self.source == b && self.target == a))
    }

    /// The other end, seen from `object`.
    pub fn other_end(&self, object: ObjectRef) -> ObjectRef {
        if self.source == object {
            self.target
        } else {
            self.source
        }
    }
}
