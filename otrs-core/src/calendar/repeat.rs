//! The appointment editor's repeat settings, turned into an RFC 5545 `RRULE`.
//!
//! "Repeat: Never" is no rule at all. Daily, weekly, monthly and yearly repeat every period;
//! "Custom" repeats every N periods on chosen weekdays (weekly), days of the month or an nth
//! weekday (monthly), or months (yearly). A limit ends the series on a date (inclusive; the
//! time of day is the start's) or after a number of occurrences.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::calendar::recurrence::resolve_local;

/// How often the series repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RepeatFrequency {
    /// Every N days.
    Daily,
    /// Every N weeks.
    Weekly,
    /// Every N months.
    Monthly,
    /// Every N years.
    Yearly,
}

impl RepeatFrequency {
    /// The `FREQ` value.
    pub const fn rrule_name(self) -> &'static str {
        match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        }
    }

    /// Parses `daily`, `weekly`, `monthly` or `yearly` (any case).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "daily" => Some(Self::Daily),
            "weekly" => Some(Self::Weekly),
            "monthly" => Some(Self::Monthly),
            "yearly" => Some(Self::Yearly),
            _ => None,
        }
    }
}

/// How a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RepeatLimit {
    /// It does not (expanded only inside windows).
    #[default]
    Never,
    /// On this date (inclusive).
    Until(NaiveDate),
    /// After this many occurrences (the first included).
    Count(u32),
}

/// The editor's repeat settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repeat {
    /// The period.
    pub frequency: RepeatFrequency,
    /// Every how many periods (at least 1).
    pub interval: u16,
    /// Weekly: on these weekdays (empty: the start's weekday).
    pub weekdays: Vec<Weekday>,
    /// Monthly: on these days of the month (1–31, or -1 for the last day).
    pub month_days: Vec<i8>,
    /// Monthly: on the nth weekday (`(2, Tue)` = second Tuesday, `(-1, Fri)` = last Friday).
    pub nth_weekday: Option<(i8, Weekday)>,
    /// Yearly: in these months (1–12; empty: the start's month).
    pub months: Vec<u8>,
    /// The end.
    pub limit: RepeatLimit,
}

impl Repeat {
    /// Every period, without end.
    pub fn every(frequency: RepeatFrequency) -> Self {
        Self {
            frequency,
            interval: 1,
            weekdays: Vec::new(),
            month_days: Vec::new(),
            nth_weekday: None,
            months: Vec::new(),
            limit: RepeatLimit::Never,
        }
    }

    /// The `RRULE` value for a series starting at `start` (wall clock in `tz`).
    ///
    /// # Errors
    ///
    /// A message naming the setting that does not fit (`repeat.weekdays`, …) as `(field, message)`.
    pub fn to_rrule(
        &self,
        start: NaiveDateTime,
        all_day: bool,
        tz: Tz,
    ) -> Result<String, (&'static str, String)> {
        let mut parts = vec![format!("FREQ={}", self.frequency.rrule_name())];
        if self.interval == 0 {
            return Err(("repeat.interval", "must be at least 1".into()));
        }
        if self.interval > 1 {
            parts.push(format!("INTERVAL={}", self.interval));
        }
        let only = |ok: bool, field: &'static str, freq: &str| {
            if ok {
                Ok(())
            } else {
                Err((field, format!("applies only to {freq} repeats")))
            }
        };
        only(
            self.weekdays.is_empty() || self.frequency == RepeatFrequency::Weekly,
            "repeat.weekdays",
            "weekly",
        )?;
        only(
            self.month_days.is_empty() && self.nth_weekday.is_none()
                || self.frequency == RepeatFrequency::Monthly,
            "repeat.month_days",
            "monthly",
        )?;
        only(
            self.months.is_empty() || self.frequency == RepeatFrequency::Yearly,
            "repeat.months",
            "yearly",
        )?;
        if !self.weekdays.is_empty() {
            let days: Vec<&str> = self.weekdays.iter().map(|d| weekday_code(*d)).collect();
            parts.push(format!("BYDAY={}", days.join(",")));
        }
        if !self.month_days.is_empty() && self.nth_weekday.is_some() {
            return Err((
                "repeat.month_days",
                "choose days of the month or an nth weekday, not both".into(),
            ));
        }
        if !self.month_days.is_empty() {
            if let Some(bad) = self
                .month_days
                .iter()
                .find(|d| !(1..=31).contains(*d) && **d != -1)
            {
                return Err((
                    "repeat.month_days",
                    format!("{bad} is not a day of the month (1–31, or -1 for the last)"),
                ));
            }
            let days: Vec<String> = self.month_days.iter().map(i8::to_string).collect();
            parts.push(format!("BYMONTHDAY={}", days.join(",")));
        }
        if let Some((nth, day)) = self.nth_weekday {
            if !(-5..=5).contains(&nth) || nth == 0 {
                return Err((
                    "repeat.nth_weekday",
                    format!("{nth} is not a week of the month (1–5, or -1 to -5 from the end)"),
                ));
            }
            parts.push(format!("BYDAY={nth}{}", weekday_code(day)));
        }
        if !self.months.is_empty() {
            if let Some(bad) = self.months.iter().find(|m| !(1..=12).contains(*m)) {
                return Err(("repeat.months", format!("{bad} is not a month (1–12)")));
            }
            let months: Vec<String> = self.months.iter().map(u8::to_string).collect();
            parts.push(format!("BYMONTH={}", months.join(",")));
        }
        match self.limit {
            RepeatLimit::Never => {}
            RepeatLimit::Count(0) => {
                return Err(("repeat.limit", "the count must be at least 1".into()));
            }
            RepeatLimit::Count(n) => parts.push(format!("COUNT={n}")),
            RepeatLimit::Until(date) if date < start.date() => {
                return Err(("repeat.limit", "the end date is before the start".into()));
            }
            RepeatLimit::Until(date) if all_day => {
                parts.push(format!("UNTIL={}", date.format("%Y%m%d")));
            }
            RepeatLimit::Until(date) => {
                let last = resolve_local(&tz, date.and_time(start.time()));
                let utc = last.with_timezone(&Utc);
                parts.push(format!("UNTIL={}", utc.format("%Y%m%dT%H%M%SZ")));
            }
        }
        Ok(parts.join(";"))
    }
}

/// The two-letter RFC 5545 code of a weekday (`MO` … `SU`).
pub const fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

/// Midnight of a date.
pub(crate) fn midnight(date: NaiveDate) -> NaiveDateTime {
    date.and_time(NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::{RecurrenceRule, Series};

    fn at(text: &str) -> NaiveDateTime {
        crate::calendar::recurrence::parse_wall(text).unwrap()
    }

    #[test]
    fn editor_settings_become_rules_the_engine_accepts() {
        let tz: Tz = "Europe/Budapest".parse().unwrap();
        let start = at("2026-03-02T09:00");
        let mut weekly = Repeat::every(RepeatFrequency::Weekly);
        weekly.interval = 2;
        weekly.weekdays = vec![Weekday::Mon, Weekday::Thu];
        weekly.limit = RepeatLimit::Until(NaiveDate::from_ymd_opt(2026, 3, 30).unwrap());
        let rule = weekly.to_rrule(start, false, tz).unwrap();
        assert_eq!(
            rule,
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;UNTIL=20260330T070000Z"
        );
        let series = Series::new(
            tz,
            start,
            false,
            Some(RecurrenceRule::parse(&rule).unwrap()),
        )
        .unwrap();
        let all = series
            .occurrences(
                "2026-01-01T00:00:00Z".parse().unwrap(),
                "2027-01-01T00:00:00Z".parse().unwrap(),
            )
            .unwrap();
        let days: Vec<u32> = all
            .iter()
            .map(|o| chrono::Datelike::day(&o.local))
            .collect();
        // The until date is inclusive, and 30 March is after the DST change: still 09:00 local.
        assert_eq!(days, [2, 5, 16, 19, 30]);

        let mut monthly = Repeat::every(RepeatFrequency::Monthly);
        monthly.nth_weekday = Some((-1, Weekday::Fri));
        monthly.limit = RepeatLimit::Count(3);
        assert_eq!(
            monthly.to_rrule(start, false, tz).unwrap(),
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3"
        );
        let mut yearly = Repeat::every(RepeatFrequency::Yearly);
        yearly.months = vec![1, 7];
        yearly.limit = RepeatLimit::Until(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
        assert_eq!(
            yearly.to_rrule(start, true, tz).unwrap(),
            "FREQ=YEARLY;BYMONTH=1,7;UNTIL=20300101"
        );
    }

    #[test]
    fn settings_that_do_not_fit_name_their_field() {
        let tz = Tz::UTC;
        let start = at("2026-03-02T09:00");
        let mut r = Repeat::every(RepeatFrequency::Daily);
        r.weekdays = vec![Weekday::Mon];
        assert_eq!(
            r.to_rrule(start, false, tz).unwrap_err().0,
            "repeat.weekdays"
        );
        let mut r = Repeat::every(RepeatFrequency::Monthly);
        r.month_days = vec![32];
        assert_eq!(
            r.to_rrule(start, false, tz).unwrap_err().0,
            "repeat.month_days"
        );
        r.month_days = vec![1];
        r.nth_weekday = Some((1, Weekday::Mon));
        assert_eq!(
            r.to_rrule(start, false, tz).unwrap_err().0,
            "repeat.month_days"
        );
        let mut r = Repeat::every(RepeatFrequency::Yearly);
        r.months = vec![13];
        assert_eq!(r.to_rrule(start, false, tz).unwrap_err().0, "repeat.months");
        let mut r = Repeat::every(RepeatFrequency::Daily);
        r.limit = RepeatLimit::Until(NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        assert_eq!(r.to_rrule(start, false, tz).unwrap_err().0, "repeat.limit");
        r.limit = RepeatLimit::Count(0);
        assert_eq!(r.to_rrule(start, false, tz).unwrap_err().0, "repeat.limit");
        r.limit = RepeatLimit::Never;
        r.interval = 0;
        assert_eq!(
            r.to_rrule(start, false, tz).unwrap_err().0,
            "repeat.interval"
        );
    }
}
