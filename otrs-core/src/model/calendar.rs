//! Calendars, appointments and the history of appointment changes.
//!
//! A repeating appointment is one stored *series*: its first start, its rule (RFC 5545 `RRULE`
//! text) and its exceptions: `exdates` (occurrences deleted one by one) and *detached*
//! occurrences, which are appointments of their own with `parent_id` set to the series and
//! `recurrence_id` set to the original wall-clock start they replace. A series is expanded on
//! demand inside a window; nothing is stored per occurrence.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::ids::{AppointmentHistoryId, AppointmentId, CalendarId, GroupId};
use crate::model::{Principal, Validity};

/// A calendar: a named, coloured set of appointments guarded by a permission group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// Identity.
    pub id: CalendarId,
    /// Unique name.
    pub name: String,
    /// Colour as `#RRGGBB`.
    pub color: String,
    /// Agents need `ro` on this group to see the calendar and `rw` to change its appointments.
    pub group_id: GroupId,
    /// Validity; invalid calendars are hidden from the overview and their feed is off.
    pub validity: Validity,
    /// The secret in the calendar's public iCalendar URL; rotating it revokes the old URL.
    pub feed_token: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Who changed it last.
    pub changed_by: Principal,
    /// Version.
    pub version: u64,
}

/// An appointment: a single one, the parent of a series, or a detached occurrence of a series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// Identity.
    pub id: AppointmentId,
    /// The calendar it belongs to.
    pub calendar_id: CalendarId,
    /// The iCalendar UID (shared by a series and its detached occurrences).
    pub uid: String,
    /// Title (required).
    pub title: String,
    /// Free text.
    pub description: String,
    /// Where; shown with a map link.
    pub location: String,
    /// All-day: `start` and `end` are at 00:00 and `end` is the day after the last day.
    pub all_day: bool,
    /// First start as a wall-clock time in `time_zone`.
    pub start: NaiveDateTime,
    /// First end as a wall-clock time in `time_zone` (after `start`).
    pub end: NaiveDateTime,
    /// The IANA time zone the times are in.
    pub time_zone: Tz,
    /// The repeat rule (`RRULE` value); `None` for "Repeat: Never" and for detached occurrences.
    pub rrule: Option<String>,
    /// Deleted occurrences of a series: their original wall-clock starts, sorted.
    pub exdates: Vec<NaiveDateTime>,
    /// For a detached occurrence: the series it came from.
    pub parent_id: Option<AppointmentId>,
    /// For a detached occurrence: the original wall-clock start it replaces (RECURRENCE-ID).
    pub recurrence_id: Option<NaiveDateTime>,
    /// Remind this many minutes before each start; `None` for no reminder.
    pub notify_minutes_before: Option<u32>,
    /// The first start as an instant (for window queries).
    pub first_start_utc: DateTime<Utc>,
    /// The end of the last occurrence as an instant; `None` for a series without end.
    pub last_end_utc: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Who created it.
    pub created_by: Principal,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Who changed it last.
    pub changed_by: Principal,
    /// Version.
    pub version: u64,
}

impl Appointment {
    /// True for the parent of a repeating series.
    pub fn is_series(&self) -> bool {
        self.rrule.is_some()
    }

    /// True for an occurrence detached from its series.
    pub fn is_detached(&self) -> bool {
        self.parent_id.is_some()
    }

    /// The length of each occurrence (wall-clock).
    pub fn duration(&self) -> chrono::Duration {
        self.end - self.start
    }
}

/// What happened to an appointment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppointmentAction {
    /// Created (also by copying, or from a ticket).
    Created,
    /// Changed (for a series: every occurrence).
    Updated,
    /// One occurrence of the series was detached and changed.
    OccurrenceDetached,
    /// One occurrence of the series was deleted.
    OccurrenceDeleted,
    /// Deleted (a series with its detached occurrences).
    Deleted,
    /// Linked to a ticket.
    TicketLinked,
}

impl AppointmentAction {
    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Created => "Created",
            Self::Updated => "Updated",
            Self::OccurrenceDetached => "OccurrenceDetached",
            Self::OccurrenceDeleted => "OccurrenceDeleted",
            Self::Deleted => "Deleted",
            Self::TicketLinked => "TicketLinked",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        [
            Self::Created,
            Self::Updated,
            Self::OccurrenceDetached,
            Self::OccurrenceDeleted,
            Self::Deleted,
            Self::TicketLinked,
        ]
        .into_iter()
        .find(|a| a.name() == name)
    }
}

/// One row of an appointment's history. Rows outlive the appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentHistoryEntry {
    /// Identity (0 before insert).
    pub id: AppointmentHistoryId,
    /// The appointment (a series' rows are kept under the series).
    pub appointment_id: AppointmentId,
    /// What happened.
    pub action: AppointmentAction,
    /// Details for a person: the changed fields, the occurrence, the ticket.
    pub details: String,
    /// Who.
    pub created_by: Principal,
    /// When.
    pub created_at: DateTime<Utc>,
}
