//! Calendars and appointments: the recurrence engine behind repeating appointments.

pub mod recurrence;

pub use recurrence::{Freq, Occurrence, RecurrenceError, RecurrenceRule, Series, Until};
