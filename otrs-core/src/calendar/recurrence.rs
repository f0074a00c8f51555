//! Repeating appointments: RFC 5545 rules expanded on wall-clock time in an IANA zone.
//!
//! A [`Series`] is a first start (a local wall-clock time, or a date for all-day series), an
//! optional [`RecurrenceRule`] and excluded starts. [`Series::occurrences`] lists the occurrences
//! starting inside a half-open UTC window; nothing is ever expanded without one.
//!
//! The rules follow `shared/conformance/recurrence/README.md`:
//!
//! - The rule is expanded on the *floating* wall clock (the `rrule` crate, run in UTC as a
//!   stand-in for "no zone"), so every occurrence keeps the local time of day of the start.
//!   Each wall-clock time is then placed in the zone with [`resolve_local`]: a time in a
//!   spring-forward gap takes the offset in force before the gap, an ambiguous time its earlier
//!   instant.
//! - `UNTIL` is inclusive and is compared as a UTC instant after that conversion (a date for
//!   all-day series); `COUNT` counts before exclusions; the start is always the first occurrence
//!   and counts towards `COUNT`, even when the rule itself would not produce it (RFC 5545: "the
//!   DTSTART property value always counts as the first occurrence").
//! - `BYSETPOS` selects from a whole period. The crate builds a weekly period from the start
//!   day onwards only, so expansion starts at the beginning of the start's period (the week's
//!   `WKST`, the month's or the year's first day) and candidates before the start are dropped
//!   after the selection.
//! - Series without `COUNT` skip whole periods before the window instead of generating them.

use std::fmt;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, Month, NaiveDate, NaiveDateTime, NaiveTime, Offset,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;
use rrule::{Frequency, NWeekday, RRule, RRuleSet, Unvalidated};

/// Why a series could not be built or expanded. Each variant names the offending field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecurrenceError {
    /// The time zone is not an IANA name known to the time-zone database.
    #[error("tz: unknown time zone {0:?}")]
    UnknownTimeZone(String),
    /// A field could not be read or breaks a rule of RFC 5545.
    #[error("{field}: {message}")]
    Invalid {
        /// The field: `rrule`, `dtstart`, `exdates`, `window`.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
}

impl RecurrenceError {
    fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }

    /// The field the error is about (`tz`, `rrule`, `dtstart`, `exdates`, `window`).
    pub fn field(&self) -> &'static str {
        match self {
            Self::UnknownTimeZone(_) => "tz",
            Self::Invalid { field, .. } => field,
        }
    }
}

/// The end of a rule given by `UNTIL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    /// `UNTIL=…Z`: the last start instant (inclusive).
    Instant(DateTime<Utc>),
    /// `UNTIL=YYYYMMDD`: the last local date (inclusive).
    Date(NaiveDate),
    /// `UNTIL=YYYYMMDDTHHMMSS` without a zone: a wall-clock time in the series' zone.
    Floating(NaiveDateTime),
}

/// How often a rule repeats (the `FREQ` part).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freq {
    /// Every N years.
    Yearly,
    /// Every N months.
    Monthly,
    /// Every N weeks.
    Weekly,
    /// Every N days.
    Daily,
    /// Every N hours.
    Hourly,
    /// Every N minutes.
    Minutely,
    /// Every N seconds.
    Secondly,
}

impl From<Frequency> for Freq {
    fn from(value: Frequency) -> Self {
        match value {
            Frequency::Yearly => Freq::Yearly,
            Frequency::Monthly => Freq::Monthly,
            Frequency::Weekly => Freq::Weekly,
            Frequency::Daily => Freq::Daily,
            Frequency::Hourly => Freq::Hourly,
            Frequency::Minutely => Freq::Minutely,
            Frequency::Secondly => Freq::Secondly,
        }
    }
}

/// A parsed RFC 5545 `RRULE` value (without the `RRULE:` prefix).
///
/// `COUNT` and `UNTIL` are kept apart from the rest, which the `rrule` crate checks and expands.
#[derive(Debug, Clone)]
pub struct RecurrenceRule {
    rule: RRule<Unvalidated>,
    count: Option<u32>,
    until: Option<Until>,
    text: String,
}

impl PartialEq for RecurrenceRule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl Eq for RecurrenceRule {}

impl RecurrenceRule {
    /// Reads an `RRULE` value such as `FREQ=WEEKLY;BYDAY=MO,TH;COUNT=10`.
    ///
    /// # Errors
    ///
    /// [`RecurrenceError::Invalid`] for the field `rrule` when a part is unknown or malformed.
    pub fn parse(text: &str) -> Result<Self, RecurrenceError> {
        let text = text.trim();
        let text = text.strip_prefix("RRULE:").unwrap_or(text);
        if text.is_empty() {
            return Err(RecurrenceError::invalid("rrule", "the rule is empty"));
        }
        let mut count = None;
        let mut until = None;
        let mut rest = Vec::new();
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| {
                RecurrenceError::invalid("rrule", format!("{part:?} is not NAME=VALUE"))
            })?;
            match name.to_ascii_uppercase().as_str() {
                "COUNT" => {
                    let n: u32 = value.parse().map_err(|_| {
                        RecurrenceError::invalid("rrule", format!("COUNT={value} is not a number"))
                    })?;
                    if n == 0 {
                        return Err(RecurrenceError::invalid(
                            "rrule",
                            "COUNT must be at least 1",
                        ));
                    }
                    count = Some(n);
                }
                "UNTIL" => until = Some(parse_until(value)?),
                _ => rest.push(part),
            }
        }
        let rule = RRule::<Unvalidated>::from_str(&rest.join(";"))
            .map_err(|e| RecurrenceError::invalid("rrule", e.to_string()))?;
        Ok(Self {
            rule,
            count,
            until,
            text: text.to_owned(),
        })
    }

    /// How often the rule repeats.
    pub fn freq(&self) -> Freq {
        self.rule.get_freq().into()
    }

    /// Every how many periods (`INTERVAL`, at least 1).
    pub fn interval(&self) -> u16 {
        self.rule.get_interval().max(1)
    }

    /// The number of occurrences (`COUNT`), if limited so.
    pub fn count(&self) -> Option<u32> {
        self.count
    }

    /// The last occurrence (`UNTIL`), if limited so.
    pub fn until(&self) -> Option<Until> {
        self.until
    }

    /// The rule's text as given (without the `RRULE:` prefix).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the rule has neither `COUNT` nor `UNTIL`: the series never ends.
    pub fn is_unbounded(&self) -> bool {
        self.count.is_none() && self.until.is_none()
    }
}

impl fmt::Display for RecurrenceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for RecurrenceRule {
    type Err = RecurrenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

fn parse_until(value: &str) -> Result<Until, RecurrenceError> {
    let bad = || RecurrenceError::invalid("rrule", format!("UNTIL={value} is not a date or time"));
    if let Some(utc) = value.strip_suffix('Z') {
        let at = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        Ok(Until::Instant(at.and_utc()))
    } else if value.len() == 8 {
        NaiveDate::parse_from_str(value, "%Y%m%d")
            .map(Until::Date)
            .map_err(|_| bad())
    } else {
        NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S")
            .map(Until::Floating)
            .map_err(|_| bad())
    }
}

/// Places a local wall-clock time in a zone: a time that does not exist (a spring-forward gap)
/// is read with the UTC offset in force before the gap (RFC 5545 §3.3.5), so it moves forward
/// by the gap's length; a time that exists twice means its earlier instant.
pub fn resolve_local(tz: &Tz, wall: NaiveDateTime) -> DateTime<Tz> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(at) => at,
        LocalResult::Ambiguous(a, b) => a.min(b),
        LocalResult::None => {
            // Step back until the wall clock exists again: that is the offset before the gap.
            let mut probe = wall;
            for _ in 0..400 {
                probe -= Duration::minutes(15);
                let offset = match tz.offset_from_local_datetime(&probe) {
                    LocalResult::Single(o) => o,
                    LocalResult::Ambiguous(a, b) => {
                        if a.fix().local_minus_utc() < b.fix().local_minus_utc() {
                            a
                        } else {
                            b
                        }
                    }
                    LocalResult::None => continue,
                };
                let utc = wall - Duration::seconds(i64::from(offset.fix().local_minus_utc()));
                return tz.from_utc_datetime(&utc);
            }
            tz.from_utc_datetime(&wall)
        }
    }
}

/// One occurrence of a series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    /// The start instant.
    pub start: DateTime<Utc>,
    /// The same instant in the series' zone.
    pub local: DateTime<Tz>,
    /// The wall-clock time the rule produced (before gap resolution): the occurrence's identity
    /// within its series (its RECURRENCE-ID). Midnight of the date for all-day series.
    pub wall: NaiveDateTime,
}

impl Occurrence {
    /// `start` as `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn start_text(&self) -> String {
        self.start.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    }

    /// `local` as `YYYY-MM-DDTHH:MM:SS+HH:MM`.
    pub fn local_text(&self) -> String {
        self.local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    }
}

/// A start and an optional rule in a time zone, with excluded starts: what to expand.
#[derive(Debug, Clone)]
pub struct Series {
    tz: Tz,
    start: NaiveDateTime,
    all_day: bool,
    rule: Option<RecurrenceRule>,
    /// Excluded wall-clock starts (resolved when expanding).
    exdates: Vec<NaiveDateTime>,
    /// Excluded instants given as UTC.
    exinstants: Vec<DateTime<Utc>>,
}

/// Reads a local wall-clock time `YYYY-MM-DDTHH:MM[:SS]`, or a date `YYYY-MM-DD` (midnight).
pub fn parse_wall(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .map(|d| d.and_time(NaiveTime::MIN))
        })
}

impl Series {
    /// A series starting at the local wall-clock time `start` in `tz` (for all-day series, the
    /// date; its time is ignored), repeating by `rule` (none: one occurrence).
    ///
    /// # Errors
    ///
    /// [`RecurrenceError::Invalid`] (`rrule`) when the rule is not valid for this start.
    pub fn new(
        tz: Tz,
        start: NaiveDateTime,
        all_day: bool,
        rule: Option<RecurrenceRule>,
    ) -> Result<Self, RecurrenceError> {
        let start = if all_day {
            start.date().and_time(NaiveTime::MIN)
        } else {
            start
        };
        let series = Self {
            tz,
            start,
            all_day,
            rule,
            exdates: Vec::new(),
            exinstants: Vec::new(),
        };
        if let Some(rule) = &series.rule {
            if all_day && matches!(rule.freq(), Freq::Hourly | Freq::Minutely | Freq::Secondly) {
                return Err(RecurrenceError::invalid(
                    "rrule",
                    "an all-day series repeats at most daily",
                ));
            }
            series.build_set(rule, series.anchor(rule))?;
        }
        Ok(series)
    }

    /// Reads the conformance corpus' textual form: a zone name, a start (`YYYY-MM-DDTHH:MM:SS`
    /// or a date), an optional rule and excluded starts in the same form as the start.
    ///
    /// # Errors
    ///
    /// A [`RecurrenceError`] naming the field that could not be read.
    pub fn from_text(
        tz: &str,
        start: &str,
        all_day: bool,
        rule: Option<&str>,
        exdates: &[&str],
    ) -> Result<Self, RecurrenceError> {
        let tz: Tz = tz
            .parse()
            .map_err(|_| RecurrenceError::UnknownTimeZone(tz.to_owned()))?;
        let start = parse_wall(start).ok_or_else(|| {
            RecurrenceError::invalid("dtstart", format!("{start:?} is not a local date or time"))
        })?;
        let rule = rule.map(RecurrenceRule::parse).transpose()?;
        let mut series = Self::new(tz, start, all_day, rule)?;
        for text in exdates {
            if let Some(utc) = text.strip_suffix('Z') {
                let at = parse_wall(utc).ok_or_else(|| {
                    RecurrenceError::invalid("exdates", format!("{text:?} is not a time"))
                })?;
                series.exinstants.push(at.and_utc());
            } else {
                let at = parse_wall(text).ok_or_else(|| {
                    RecurrenceError::invalid("exdates", format!("{text:?} is not a local time"))
                })?;
                series.exdates.push(at);
            }
        }
        Ok(series)
    }

    /// Adds excluded starts (wall-clock times, or dates for all-day series).
    pub fn with_exdates(mut self, exdates: impl IntoIterator<Item = NaiveDateTime>) -> Self {
        self.exdates.extend(exdates);
        self
    }

    /// The zone.
    pub fn tz(&self) -> Tz {
        self.tz
    }

    /// The first start as a wall-clock time.
    pub fn start(&self) -> NaiveDateTime {
        self.start
    }

    /// Whether this is an all-day series.
    pub fn all_day(&self) -> bool {
        self.all_day
    }

    /// The rule, if the series repeats.
    pub fn rule(&self) -> Option<&RecurrenceRule> {
        self.rule.as_ref()
    }

    /// Places a wall-clock time of this series in its zone (rules 2 and 3).
    pub fn resolve(&self, wall: NaiveDateTime) -> DateTime<Tz> {
        let wall = if self.all_day {
            wall.date().and_time(NaiveTime::MIN)
        } else {
            wall
        };
        resolve_local(&self.tz, wall)
    }

    /// Every occurrence whose start lies in `[from, to)`, sorted by start.
    ///
    /// # Errors
    ///
    /// [`RecurrenceError::Invalid`] (`window`) when `to` is before `from`.
    pub fn occurrences(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Occurrence>, RecurrenceError> {
        if to < from {
            return Err(RecurrenceError::invalid("window", "ends before it starts"));
        }
        let mut out = Vec::new();
        if from == to {
            return Ok(out);
        }
        let excluded = self.excluded();
        let keep = |occ: &Occurrence| {
            let gone = if self.all_day {
                excluded.dates.contains(&occ.wall.date())
            } else {
                excluded.instants.contains(&occ.start)
            };
            !gone && from <= occ.start && occ.start < to
        };
        let Some(rule) = &self.rule else {
            let occ = self.occurrence(self.start);
            if keep(&occ) {
                out.push(occ);
            }
            return Ok(out);
        };
        let until = rule.until.map(|u| self.resolve_until(u));
        // Past this wall-clock time no occurrence can start inside the window or before UNTIL:
        // a zone's offset is within ±1 day.
        let mut stop = to.naive_utc();
        if let Some(ResolvedUntil::Instant(u)) = until {
            stop = stop.min(u.naive_utc());
        }
        let stop = stop + Duration::days(1);
        let until_date = match until {
            Some(ResolvedUntil::Date(d)) => Some(d),
            _ => None,
        };

        let mut anchor = self.anchor(rule);
        if rule.count.is_none() {
            anchor = fast_forward(rule, anchor, from.naive_utc() - Duration::days(2));
        }
        let set = self.build_set(rule, anchor)?.limit();
        let generated = (&set)
            .into_iter()
            .map(|dt| dt.naive_utc())
            .filter(|wall| *wall > self.start);
        let walls = std::iter::once(self.start).chain(generated);
        let mut remaining = rule.count;
        for wall in walls {
            if wall > stop || until_date.is_some_and(|d| wall.date() > d) {
                break;
            }
            if let Some(n) = remaining.as_mut() {
                if *n == 0 {
                    break;
                }
                *n -= 1;
            }
            let occ = self.occurrence(wall);
            if let Some(ResolvedUntil::Instant(u)) = until
                && occ.start > u
            {
                continue;
            }
            if keep(&occ) {
                out.push(occ);
            }
        }
        out.sort_by_key(|o| (o.start, o.wall));
        out.dedup_by_key(|o| o.start);
        Ok(out)
    }

    /// The first occurrence starting at or after `after`, looking at most `horizon` ahead.
    pub fn next_occurrence(&self, after: DateTime<Utc>, horizon: Duration) -> Option<Occurrence> {
        let mut from = after;
        let end = after + horizon;
        let mut step = Duration::days(32);
        while from < end {
            let to = (from + step).min(end);
            if let Ok(found) = self.occurrences(from, to)
                && let Some(first) = found.into_iter().next()
            {
                return Some(first);
            }
            from = to;
            step = step * 4;
        }
        None
    }

    fn occurrence(&self, wall: NaiveDateTime) -> Occurrence {
        let local = resolve_local(&self.tz, wall);
        Occurrence {
            start: local.with_timezone(&Utc),
            local,
            wall,
        }
    }

    fn resolve_until(&self, until: Until) -> ResolvedUntil {
        match (until, self.all_day) {
            (Until::Date(d), _) => ResolvedUntil::Date(d),
            (Until::Instant(at), _) => ResolvedUntil::Instant(at),
            (Until::Floating(wall), true) => ResolvedUntil::Date(wall.date()),
            (Until::Floating(wall), false) => {
                ResolvedUntil::Instant(resolve_local(&self.tz, wall).with_timezone(&Utc))
            }
        }
    }

    fn excluded(&self) -> Excluded {
        let mut instants: Vec<DateTime<Utc>> = self
            .exdates
            .iter()
            .map(|wall| resolve_local(&self.tz, *wall).with_timezone(&Utc))
            .chain(self.exinstants.iter().copied())
            .collect();
        instants.sort_unstable();
        let mut dates: Vec<NaiveDate> = self.exdates.iter().map(|w| w.date()).collect();
        dates.extend(
            self.exinstants
                .iter()
                .map(|at| at.with_timezone(&self.tz).date_naive()),
        );
        dates.sort_unstable();
        Excluded { instants, dates }
    }

    /// Where the crate starts expanding: the beginning of the start's period, at the start's
    /// time of day, so that `BYSETPOS` always sees whole periods.
    fn anchor(&self, rule: &RecurrenceRule) -> NaiveDateTime {
        let date = self.start.date();
        let first = match rule.freq() {
            Freq::Yearly => date.with_ordinal(1),
            Freq::Monthly => date.with_day(1),
            Freq::Weekly => {
                let wkst = rule.rule.get_week_start();
                let back =
                    (7 + date.weekday().num_days_from_monday() - wkst.num_days_from_monday()) % 7;
                date.checked_sub_signed(Duration::days(i64::from(back)))
            }
            _ => Some(date),
        };
        first.unwrap_or(date).and_time(self.start.time())
    }

    /// The crate's rule set, expanded from `anchor` on the floating clock, with every default
    /// that the crate would take from its start written out from the series' own start.
    fn build_set(
        &self,
        rule: &RecurrenceRule,
        anchor: NaiveDateTime,
    ) -> Result<RRuleSet, RecurrenceError> {
        let mut r = rule.rule.clone();
        let has_day_part = !rule.rule.get_by_week_no().is_empty()
            || !rule.rule.get_by_year_day().is_empty()
            || !rule.rule.get_by_month_day().is_empty()
            || !rule.rule.get_by_weekday().is_empty();
        if !has_day_part {
            let start = self.start.date();
            match rule.freq() {
                Freq::Yearly => {
                    if rule.rule.get_by_month().is_empty() {
                        let month = u8::try_from(start.month())
                            .ok()
                            .and_then(|m| Month::try_from(m).ok())
                            .unwrap_or(Month::January);
                        r = r.by_month(&[month]);
                    }
                    r = r.by_month_day(vec![day_of_month(start)]);
                }
                Freq::Monthly => r = r.by_month_day(vec![day_of_month(start)]),
                Freq::Weekly => r = r.by_weekday(vec![NWeekday::Every(start.weekday())]),
                _ => {}
            }
        }
        let dt_start = rrule::Tz::UTC.from_utc_datetime(&anchor);
        r.build(dt_start)
            .map_err(|e| RecurrenceError::invalid("rrule", e.to_string()))
    }
}

fn day_of_month(date: NaiveDate) -> i8 {
    i8::try_from(date.day()).unwrap_or(1)
}

/// Moves `anchor` forward by whole multiples of the rule's interval so that it stays at or
/// before `target`: the periods skipped lie entirely before `target`.
fn fast_forward(
    rule: &RecurrenceRule,
    anchor: NaiveDateTime,
    target: NaiveDateTime,
) -> NaiveDateTime {
    if target <= anchor {
        return anchor;
    }
    let interval = i64::from(rule.interval());
    let whole = |units: i64| units / interval * interval;
    let moved = match rule.freq() {
        Freq::Yearly => {
            let years = whole(i64::from(target.year() - anchor.year()));
            i32::try_from(years)
                .ok()
                .and_then(|y| anchor.with_year(anchor.year() + y))
        }
        Freq::Monthly => {
            let months = whole(
                i64::from(target.year() - anchor.year()) * 12 + i64::from(target.month())
                    - i64::from(anchor.month()),
            );
            u32::try_from(months)
                .ok()
                .and_then(|m| anchor.checked_add_months(chrono::Months::new(m)))
        }
        Freq::Weekly => {
            let weeks = whole((target - anchor).num_days() / 7);
            anchor.checked_add_signed(Duration::weeks(weeks))
        }
        Freq::Daily => {
            let days = whole((target - anchor).num_days());
            anchor.checked_add_signed(Duration::days(days))
        }
        Freq::Hourly => {
            let hours = whole((target - anchor).num_hours());
            anchor.checked_add_signed(Duration::hours(hours))
        }
        Freq::Minutely => {
            let minutes = whole((target - anchor).num_minutes());
            anchor.checked_add_signed(Duration::minutes(minutes))
        }
        Freq::Secondly => {
            let seconds = whole((target - anchor).num_seconds());
            anchor.checked_add_signed(Duration::seconds(seconds))
        }
    };
    match moved {
        Some(m) if m <= target && m >= anchor => m,
        _ => anchor,
    }
}

#[derive(Debug, Clone, Copy)]
enum ResolvedUntil {
    Instant(DateTime<Utc>),
    Date(NaiveDate),
}

struct Excluded {
    instants: Vec<DateTime<Utc>>,
    dates: Vec<NaiveDate>,
}

/// The weekday named by a two-letter iCalendar code (`MO` … `SU`).
pub fn weekday_from_code(code: &str) -> Option<Weekday> {
    Some(match code {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn expand(tz: &str, start: &str, rule: Option<&str>, from: &str, to: &str) -> Vec<String> {
        Series::from_text(tz, start, false, rule, &[])
            .unwrap()
            .occurrences(utc(from), utc(to))
            .unwrap()
            .iter()
            .map(Occurrence::local_text)
            .collect()
    }

    #[test]
    fn gap_time_moves_forward_and_later_ones_return() {
        let got = expand(
            "Europe/Budapest",
            "2021-03-27T02:30:00",
            Some("FREQ=DAILY;COUNT=3"),
            "2021-01-01T00:00:00Z",
            "2022-01-01T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2021-03-27T02:30:00+01:00",
                "2021-03-28T03:30:00+02:00",
                "2021-03-29T02:30:00+02:00"
            ]
        );
    }

    #[test]
    fn overlap_means_the_earlier_instant() {
        let at = resolve_local(
            &chrono_tz::America::New_York,
            parse_wall("2021-11-07T01:30:00").unwrap(),
        );
        assert_eq!(at.to_rfc3339(), "2021-11-07T01:30:00-04:00");
    }

    #[test]
    fn unsynced_start_counts_as_first() {
        // A Tuesday start, weekly on Monday and Thursday.
        let got = expand(
            "UTC",
            "2024-01-02T09:00:00",
            Some("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=3"),
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2024-01-02T09:00:00+00:00",
                "2024-01-04T09:00:00+00:00",
                "2024-01-08T09:00:00+00:00"
            ]
        );
    }

    #[test]
    fn weekly_bysetpos_selects_from_the_whole_first_week() {
        // Wednesday start; the last of Mon/Wed/Fri each week is Friday, the first is Monday.
        let got = expand(
            "UTC",
            "2024-01-03T09:00:00",
            Some("FREQ=WEEKLY;BYDAY=MO,WE,FR;BYSETPOS=1;COUNT=3"),
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
        );
        // The start always counts; the first week's position 1 (Monday) lies before it.
        assert_eq!(
            got,
            [
                "2024-01-03T09:00:00+00:00",
                "2024-01-08T09:00:00+00:00",
                "2024-01-15T09:00:00+00:00"
            ]
        );
    }

    #[test]
    fn monthly_31st_skips_short_months() {
        let got = expand(
            "UTC",
            "2024-01-31T10:00:00",
            Some("FREQ=MONTHLY;COUNT=3"),
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
        );
        assert_eq!(
            got,
            [
                "2024-01-31T10:00:00+00:00",
                "2024-03-31T10:00:00+00:00",
                "2024-05-31T10:00:00+00:00"
            ]
        );
    }

    #[test]
    fn far_window_of_an_unbounded_series() {
        let got = expand(
            "Europe/Budapest",
            "2000-01-01T08:00:00",
            Some("FREQ=DAILY;INTERVAL=3"),
            "2090-06-01T00:00:00Z",
            "2090-06-07T00:00:00Z",
        );
        let first = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        assert!(!got.is_empty());
        for text in &got {
            let date = NaiveDate::parse_from_str(&text[..10], "%Y-%m-%d").unwrap();
            assert_eq!((date - first).num_days() % 3, 0, "{text}");
            assert_eq!(&text[11..19], "08:00:00");
        }
    }

    #[test]
    fn until_is_inclusive() {
        let got = expand(
            "UTC",
            "2024-01-01T09:00:00",
            Some("FREQ=DAILY;UNTIL=20240103T090000Z"),
            "2024-01-01T00:00:00Z",
            "2025-01-01T00:00:00Z",
        );
        assert_eq!(got.len(), 3);
    }

    #[test]
    fn bad_input_names_the_field() {
        let err =
            Series::from_text("Mars/Base", "2024-01-01T09:00:00", false, None, &[]).unwrap_err();
        assert_eq!(err.field(), "tz");
        let err = Series::from_text(
            "UTC",
            "2024-01-01T09:00:00",
            false,
            Some("FREQ=SOMETIMES"),
            &[],
        )
        .unwrap_err();
        assert_eq!(err.field(), "rrule");
        let err = Series::from_text("UTC", "yesterday", false, None, &[]).unwrap_err();
        assert_eq!(err.field(), "dtstart");
        let err = Series::from_text("UTC", "2024-01-01", false, Some("FREQ=DAILY;COUNT=0"), &[])
            .unwrap_err();
        assert_eq!(err.field(), "rrule");
    }
}
