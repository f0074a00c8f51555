//! The errors of the desk's use cases.
//!
//! Every variant names the object and the rule that was broken. Callers map them to HTTP statuses
//! or exit codes in one place each; nothing here knows about either.

use std::fmt;

use crate::store::StoreError;

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field, as named in the command (e.g. `title`, `article.attachments[0].filename`).
    pub field: String,
    /// What is wrong, for a person.
    pub message: String,
}

/// Every field error of one command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records an error.
    pub fn add(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok` if nothing was recorded, else [`DeskError::Invalid`].
    pub fn into_result(self) -> Result<(), DeskError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(DeskError::Invalid(self))
        }
    }

    /// Checks a text field: trimmed length within bounds (in characters) and no NUL or other
    /// control characters except tab and line breaks when `multiline`.
    pub fn text(&mut self, field: &str, value: &str, min: usize, max: usize, multiline: bool) {
        // ASCII text (the common case) has as many characters as bytes.
        let chars = |s: &str| {
            if s.is_ascii() {
                s.len()
            } else {
                s.chars().count()
            }
        };
        let length = chars(value);
        if min > 0 && chars(value.trim()) < min {
            if min == 1 {
                self.add(field, "is required");
            } else {
                self.add(field, format!("must have at least {min} characters"));
            }
        } else if length > max {
            self.add(
                field,
                format!("must have at most {max} characters (has {length})"),
            );
        }
        let allowed = |c: char| c == '\t' || (multiline && matches!(c, '\n' | '\r'));
        let may_hold_control = !value.is_ascii() || value.bytes().any(|b| b.is_ascii_control());
        if may_hold_control && let Some(c) = value.chars().find(|c| c.is_control() && !allowed(*c))
        {
            self.add(
                field,
                format!("contains the control character U+{:04X}", u32::from(c)),
            );
        }
    }

    /// Checks an e-mail address: `local@domain` with no spaces, or a display form `Name <local@domain>`.
    pub fn email(&mut self, field: &str, value: &str) {
        if !looks_like_email(value) {
            self.add(field, format!("{value:?} is not an e-mail address"));
        }
    }
}

/// True for `local@domain` or `Name <local@domain>`.
pub fn looks_like_email(value: &str) -> bool {
    let value = value.trim();
    let address = match (value.rfind('<'), value.ends_with('>')) {
        (Some(start), true) => &value[start + 1..value.len() - 1],
        _ => value,
    };
    let Some((local, domain)) = address.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.is_empty()
        && address.len() <= 254
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect();
        f.write_str(&parts.join("; "))
    }
}

/// What went wrong in a desk command. A failed command changed nothing.
#[derive(Debug, thiserror::Error)]
pub enum DeskError {
    /// The object does not exist (or the caller may not know that it does).
    #[error("{what} {key} not found")]
    NotFound {
        /// Kind of object.
        what: &'static str,
        /// The id, number or name looked up.
        key: String,
    },
    /// The caller lacks a permission.
    #[error("{actor} may not {action} {object}: {reason}")]
    PermissionDenied {
        /// Who tried.
        actor: String,
        /// What they tried.
        action: &'static str,
        /// On what.
        object: String,
        /// Which rule refused it.
        reason: String,
    },
    /// The caller is not signed in as someone the desk knows (or the account is not valid).
    #[error("{0}")]
    NotAuthenticated(String),
    /// Another agent holds the lock.
    #[error("ticket {ticket} is locked by {by}")]
    TicketLocked {
        /// Ticket number.
        ticket: String,
        /// The lock holder's login.
        by: String,
    },
    /// A merged ticket never changes again.
    #[error("ticket {ticket} was merged{} and can no longer change", into.as_ref().map(|n| format!(" into {n}")).unwrap_or_default())]
    TicketMerged {
        /// Ticket number.
        ticket: String,
        /// The ticket it was merged into, if known.
        into: Option<String>,
    },
    /// A merge of a ticket into itself.
    #[error("ticket {ticket} cannot be merged into itself")]
    MergeIntoSelf {
        /// Ticket number.
        ticket: String,
    },
    /// A merge into a ticket that was itself merged.
    #[error("cannot merge into ticket {target}: it was merged into {into}")]
    MergeIntoMerged {
        /// The requested target.
        target: String,
        /// Where the target went.
        into: String,
    },
    /// A merge into a ticket that was merged into the source (the source's own merge chain).
    #[error("cannot merge ticket {ticket} into {target}: {target} was merged into {ticket}")]
    MergeIntoOwnChain {
        /// The ticket to merge.
        ticket: String,
        /// The requested target.
        target: String,
    },
    /// A link that the rules refuse (self-link, duplicate, parent-child cycle, unknown kind).
    #[error("link refused: {reason}")]
    LinkRefused {
        /// Why.
        reason: String,
    },
    /// Input that breaks a field rule.
    #[error("invalid input: {0}")]
    Invalid(ValidationErrors),
    /// A rule forbids the change in the object's current state.
    #[error("{object}: {reason}")]
    NotAllowed {
        /// The object.
        object: String,
        /// The rule.
        reason: String,
    },
    /// The caller's copy is stale (an `If-Match` version that is no longer current).
    #[error(
        "{what} was changed by someone else (you had version {expected}, it is now at version {actual})"
    )]
    VersionMismatch {
        /// The object.
        what: String,
        /// The version the caller had.
        expected: u64,
        /// The stored version.
        actual: u64,
    },
    /// A name or number that must be unique is taken.
    #[error("{what} {value:?} already exists")]
    Duplicate {
        /// The unique field.
        what: &'static str,
        /// The value.
        value: String,
    },
    /// Concurrent changes kept winning; the command was tried several times and gave up.
    #[error("too many concurrent changes to {what}; try again")]
    Conflict {
        /// What was contended.
        what: String,
    },
    /// The store failed for reasons outside the caller's control.
    #[error("storage failed")]
    Store(#[source] StoreError),
}

impl DeskError {
    /// Shorthand for [`DeskError::NotFound`].
    pub fn not_found(what: &'static str, key: impl ToString) -> DeskError {
        DeskError::NotFound {
            what,
            key: key.to_string(),
        }
    }

    /// Shorthand for a single-field [`DeskError::Invalid`].
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> DeskError {
        let mut errors = ValidationErrors::new();
        errors.add(field, message);
        DeskError::Invalid(errors)
    }

    /// A stable machine-readable code for the variant (used by the API's problem types and the
    /// CLI's JSON errors).
    pub fn code(&self) -> &'static str {
        match self {
            DeskError::NotFound { .. } => "not-found",
            DeskError::PermissionDenied { .. } => "permission-denied",
            DeskError::NotAuthenticated(_) => "not-authenticated",
            DeskError::TicketLocked { .. } => "ticket-locked",
            DeskError::TicketMerged { .. } => "ticket-merged",
            DeskError::MergeIntoSelf { .. } => "merge-into-self",
            DeskError::MergeIntoMerged { .. } => "merge-into-merged",
            DeskError::MergeIntoOwnChain { .. } => "merge-into-own-chain",
            DeskError::LinkRefused { .. } => "link-refused",
            DeskError::Invalid(_) => "validation",
            DeskError::NotAllowed { .. } => "not-allowed",
            DeskError::VersionMismatch { .. } => "version-mismatch",
            DeskError::Duplicate { .. } => "duplicate",
            DeskError::Conflict { .. } => "conflict",
            DeskError::Store(_) => "internal",
        }
    }

    pub(crate) fn is_retryable(&self) -> bool {
        matches!(self, DeskError::Conflict { .. })
    }
}

impl From<StoreError> for DeskError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound { what, key } => DeskError::NotFound { what, key },
            StoreError::Conflict { what } => DeskError::Conflict { what },
            StoreError::Duplicate { what, value } => DeskError::Duplicate { what, value },
            StoreError::Invalid { field, message } => DeskError::invalid(field, message),
            other @ StoreError::Backend(_) => DeskError::Store(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_rules_name_the_field_and_the_problem() {
        let mut errors = ValidationErrors::new();
        errors.text("title", "  ", 1, 10, false);
        errors.text("subject", "x".repeat(11).as_str(), 1, 10, false);
        errors.text("body", "a\u{0}b", 0, 10, true);
        errors.text("body2", "line\nline\ttab", 0, 100, true);
        errors.text("name", "tab\tok", 0, 100, false);
        errors.text("name2", "new\nline", 0, 100, false);
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "subject", "body", "name2"]);
        assert_eq!(errors.0[0].message, "is required");
        assert!(errors.0[2].message.contains("U+0000"));
    }

    #[test]
    fn email_shapes() {
        assert!(looks_like_email("lacey@example.org"));
        assert!(looks_like_email("Lacey Green <lacey@example.org>"));
        assert!(!looks_like_email("lacey"));
        assert!(!looks_like_email("la cey@example.org"));
        assert!(!looks_like_email("@example.org"));
        assert!(!looks_like_email("lacey@"));
        assert!(!looks_like_email("a@b.org, c@d.org"));
    }
}
