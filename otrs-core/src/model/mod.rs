//! The business objects, as plain values.
//!
//! These types carry no behaviour beyond small derived facts; the rules that change them live in
//! [`crate::rules`] and the use cases in [`crate::desk`].

mod article;
mod auth;
mod calendar;
mod feed;
mod history;
mod job;
mod kb;
mod link;
mod people;
mod ticket;
// --- reports
mod report;
// --- actions
mod texts;
// --- forms
mod upload;

use std::fmt;

pub use article::{
    Article, AttachmentContent, AttachmentMeta, Channel, Direction, Draft, NewArticle,
    NewAttachment, SenderType, TimeAccountingEntry,
};
pub use auth::{ApiToken, OneTimeToken, OneTimeTokenPurpose, SessionRecord};
pub use calendar::{Appointment, AppointmentAction, AppointmentHistoryEntry, Calendar};
pub use feed::{Change, ChangeOp, EntityKind, MessageStatus, OutgoingAttachment, OutgoingMessage};
pub use history::{HistoryEntry, HistoryType, NewHistoryEntry};
pub use job::{AgentNotification, Job, JobFilter, JobState, NewAgentNotification, NewJob};
pub use kb::{
    KbAction, KbArticle, KbAttachment, KbCategory, KbContentType, KbHistoryEntry, KbRating,
    KbState, KbVote, kb_article_id_from_number, kb_article_number, split_keywords,
};
pub use link::{Link, LinkType, ObjectRef};
pub use people::{
    Agent, Customer, CustomerUser, Group, Permission, PermissionSet, Queue, Validity, Watcher,
};
pub use ticket::{
    LockState, PendingOutcome, Priority, State, StateCatalog, StateType, Ticket, default_states,
};
// --- reports
pub use report::{
    MAX_REPORT_LINE, MAX_REPORT_NAME, MAX_REPORT_RECIPIENTS, MAX_REPORT_STATS, MAX_REPORT_TEXT,
    REPORT_LANGUAGES, Report, ReportOutput, ReportSchedule, ReportSettings, parse_time_of_day,
    weekday_from_name, weekday_name,
};
// --- actions
pub use texts::{StandardText, TEXT_CONTENT_TYPES, TextKind};
pub use upload::FormUpload;

use crate::ids::{AgentId, CustomerUserId};

/// Who did something: an agent (agent 1 is the system) or a customer user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Principal {
    /// An agent, or the system user ([`AgentId::SYSTEM`]).
    Agent(AgentId),
    /// A customer user.
    Customer(CustomerUserId),
}

impl Principal {
    /// The system user.
    pub const SYSTEM: Principal = Principal::Agent(AgentId::SYSTEM);

    /// The agent, if this is one.
    pub const fn agent(self) -> Option<AgentId> {
        match self {
            Principal::Agent(id) => Some(id),
            Principal::Customer(_) => None,
        }
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::Agent(id) => write!(f, "agent {id}"),
            Principal::Customer(id) => write!(f, "customer user {id}"),
        }
    }
}

/// Accounted time in hundredths of a unit (the unit defaults to minutes).
///
/// Input follows OTRS: a comma is a decimal point, spaces are ignored and more than two
/// decimals are cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct TimeUnits(i64);

impl TimeUnits {
    /// No time.
    pub const ZERO: TimeUnits = TimeUnits(0);
    /// The largest amount accepted for one booking (one million units).
    pub const MAX_PER_ENTRY: TimeUnits = TimeUnits(100_000_000);

    /// From hundredths of a unit.
    pub const fn from_hundredths(hundredths: i64) -> TimeUnits {
        TimeUnits(hundredths)
    }

    /// Hundredths of a unit.
    pub const fn hundredths(self) -> i64 {
        self.0
    }

    /// Whole units.
    pub const fn from_units(units: i64) -> TimeUnits {
        TimeUnits(units.saturating_mul(100))
    }

    /// Adds, saturating.
    pub const fn saturating_add(self, other: TimeUnits) -> TimeUnits {
        TimeUnits(self.0.saturating_add(other.0))
    }

    /// Subtracts, saturating.
    pub const fn saturating_sub(self, other: TimeUnits) -> TimeUnits {
        TimeUnits(self.0.saturating_sub(other.0))
    }

    /// Parses user input such as `15`, `1,5`, ` 2.257 ` (→ 2.25). Negative amounts are refused.
    pub fn parse(text: &str) -> Option<TimeUnits> {
        let cleaned: String = text
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| if c == ',' { '.' } else { c })
            .collect();
        if cleaned.is_empty() {
            return None;
        }
        let (whole, frac) = match cleaned.split_once('.') {
            Some((w, f)) => (w, f),
            None => (cleaned.as_str(), ""),
        };
        let whole = if whole.is_empty() && !frac.is_empty() {
            "0"
        } else {
            whole
        };
        if !whole.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if whole.len() > 12 {
            return None;
        }
        let whole: i64 = whole.parse().ok()?;
        let mut frac_digits = frac.bytes().take(2).map(|b| i64::from(b - b'0'));
        let tenths = frac_digits.next().unwrap_or(0);
        let hundredths = frac_digits.next().unwrap_or(0);
        Some(TimeUnits(whole * 100 + tenths * 10 + hundredths))
    }
}

impl fmt::Display for TimeUnits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        let (whole, frac) = (abs / 100, abs % 100);
        if frac == 0 {
            write!(f, "{sign}{whole}")
        } else if frac % 10 == 0 {
            write!(f, "{sign}{whole}.{}", frac / 10)
        } else {
            write!(f, "{sign}{whole}.{frac:02}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_units_follow_otrs_input_rules() {
        assert_eq!(
            TimeUnits::parse("15"),
            Some(TimeUnits::from_hundredths(1500))
        );
        assert_eq!(
            TimeUnits::parse("1,5"),
            Some(TimeUnits::from_hundredths(150))
        );
        assert_eq!(
            TimeUnits::parse(" 2.257 "),
            Some(TimeUnits::from_hundredths(225))
        );
        assert_eq!(
            TimeUnits::parse("1 000"),
            Some(TimeUnits::from_hundredths(100_000))
        );
        assert_eq!(TimeUnits::parse(".5"), Some(TimeUnits::from_hundredths(50)));
        assert_eq!(TimeUnits::parse("-1"), None);
        assert_eq!(TimeUnits::parse("abc"), None);
        assert_eq!(TimeUnits::parse(""), None);
        assert_eq!(TimeUnits::parse("1.2.3"), None);
        assert_eq!(TimeUnits::parse("9999999999999"), None);
    }

    #[test]
    fn time_units_print_without_needless_zeros() {
        assert_eq!(TimeUnits::from_hundredths(1500).to_string(), "15");
        assert_eq!(TimeUnits::from_hundredths(150).to_string(), "1.5");
        assert_eq!(TimeUnits::from_hundredths(225).to_string(), "2.25");
        assert_eq!(TimeUnits::from_hundredths(5).to_string(), "0.05");
    }
}
