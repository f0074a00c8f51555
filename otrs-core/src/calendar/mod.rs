//! Calendars and appointments: the recurrence engine behind repeating appointments and the
//! appointment editor's repeat settings.

pub mod recurrence;
pub mod repeat;

pub use recurrence::{Freq, Occurrence, RecurrenceError, RecurrenceRule, Series, Until};
pub use repeat::{Repeat, RepeatFrequency, RepeatLimit, weekday_code};
