//! Time periods and scales of statistics, computed on the wall clock of the statistic's zone.
//!
//! A [`Scale`] unit (day, week, month, quarter, half-year, year) starts at local midnight of its
//! first day; a [`Period`] is absolute (two instants) or relative to the unit that holds "now".
//! [`buckets`] cuts a period into units: bucket `i` is `[bounds[i], bounds[i + 1])` in UTC.
//! Days with a daylight-saving change are 23 or 25 hours long; a midnight that does not exist
//! (a gap at 00:00) starts at the first instant after the gap.

use chrono::{DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The unit of a time axis or of a relative period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// A calendar day.
    Day,
    /// An ISO week, Monday to Sunday.
    Week,
    /// A calendar month.
    Month,
    /// January–March, April–June, …
    Quarter,
    /// January–June or July–December.
    HalfYear,
    /// A calendar year.
    Year,
}

impl Scale {
    /// Every scale, shortest first.
    pub const ALL: [Scale; 6] = [
        Scale::Day,
        Scale::Week,
        Scale::Month,
        Scale::Quarter,
        Scale::HalfYear,
        Scale::Year,
    ];

    /// The stored name: `day`, `week`, `month`, `quarter`, `half-year`, `year`.
    pub const fn name(self) -> &'static str {
        match self {
            Scale::Day => "day",
            Scale::Week => "week",
            Scale::Month => "month",
            Scale::Quarter => "quarter",
            Scale::HalfYear => "half-year",
            Scale::Year => "year",
        }
    }

    /// Parses a name written by [`Scale::name`].
    pub fn from_name(name: &str) -> Option<Scale> {
        Scale::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The first day of the unit that holds `day`.
    pub fn unit_start(self, day: NaiveDate) -> NaiveDate {
        let first_of_month =
            |month: u32| NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day);
        match self {
            Scale::Day => day,
            Scale::Week => day - Duration::days(i64::from(day.weekday().num_days_from_monday())),
            Scale::Month => first_of_month(day.month()),
            Scale::Quarter => first_of_month((day.month() - 1) / 3 * 3 + 1),
            Scale::HalfYear => first_of_month((day.month() - 1) / 6 * 6 + 1),
            Scale::Year => first_of_month(1),
        }
    }

    /// The first day of the unit `n` units after (or before, when negative) the one starting at
    /// `start` (which must be a unit start).
    pub fn add_units(self, start: NaiveDate, n: i64) -> NaiveDate {
        let months = |k: i64| {
            let total = i64::from(start.year()) * 12 + i64::from(start.month0()) + k;
            let year = i32::try_from(total.div_euclid(12)).unwrap_or(i32::MAX);
            let month = u32::try_from(total.rem_euclid(12)).unwrap_or(0) + 1;
            NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(start)
        };
        match self {
            Scale::Day => start + Duration::days(n),
            Scale::Week => start + Duration::days(7 * n),
            Scale::Month => months(n),
            Scale::Quarter => months(3 * n),
            Scale::HalfYear => months(6 * n),
            Scale::Year => months(12 * n),
        }
    }

    /// The label of the unit starting on `start`: `2026-03-05`, `2026-W10`, `2026-03`, `Q1 2026`,
    /// `H1 2026`, `2026`.
    pub fn label(self, start: NaiveDate) -> String {
        match self {
            Scale::Day => start.format("%Y-%m-%d").to_string(),
            Scale::Week => {
                let week = start.iso_week();
                format!("{}-W{:02}", week.year(), week.week())
            }
            Scale::Month => start.format("%Y-%m").to_string(),
            Scale::Quarter => format!("Q{} {}", start.month0() / 3 + 1, start.year()),
            Scale::HalfYear => format!("H{} {}", start.month0() / 6 + 1, start.year()),
            Scale::Year => start.year().to_string(),
        }
    }
}

/// The time span a time element covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// From `from` (inclusive) to `to` (exclusive).
    Absolute {
        /// Start.
        from: DateTime<Utc>,
        /// End (exclusive).
        to: DateTime<Utc>,
    },
    /// Relative to the unit holding "now": the `past` complete units before it, then `upcoming`
    /// units starting with the current one. `past: 1, upcoming: 0` of months is "last month";
    /// `past: 0, upcoming: 1` is "this month"; `past: 11, upcoming: 1` the last twelve months
    /// including this one.
    Relative {
        /// Complete units before the current one.
        past: u32,
        /// Units from the current one on.
        upcoming: u32,
        /// The unit.
        unit: Scale,
    },
}

/// Local midnight at the start of `day` in `tz`, as an instant. A midnight inside a
/// daylight-saving gap becomes the first instant after the gap; an ambiguous one the earlier.
pub fn day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let mut local: NaiveDateTime = day.and_hms_opt(0, 0, 0).unwrap_or_default();
    // Gaps are at most a few hours; step by 15 minutes to the first wall time that exists.
    for _ in 0..(4 * 24) {
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(earlier, _) => return earlier.with_timezone(&Utc),
            LocalResult::None => local += Duration::minutes(15),
        }
    }
    Utc.from_utc_datetime(&day.and_hms_opt(0, 0, 0).unwrap_or_default())
}

/// The local calendar day of an instant in `tz`.
pub fn local_day(at: DateTime<Utc>, tz: Tz) -> NaiveDate {
    at.with_timezone(&tz).date_naive()
}

impl Period {
    /// The span `[from, to)` of the period at `now`, in `tz`.
    pub fn range(&self, now: DateTime<Utc>, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        match *self {
            Period::Absolute { from, to } => (from, to),
            Period::Relative {
                past,
                upcoming,
                unit,
            } => {
                let current = unit.unit_start(local_day(now, tz));
                let first = unit.add_units(current, -i64::from(past));
                let end = unit.add_units(current, i64::from(upcoming));
                (day_start(first, tz), day_start(end, tz))
            }
        }
    }
}

/// Most buckets one time axis may have.
pub const MAX_BUCKETS: usize = 4000;

/// The units of `scale` that overlap `[from, to)`, cut to that span: `bounds` has one more entry
/// than `labels`, bucket `i` is `[bounds[i], bounds[i + 1])`. `None` when there would be more
/// than [`MAX_BUCKETS`]. An empty span has no buckets.
pub fn buckets(
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    scale: Scale,
    tz: Tz,
) -> Option<(Vec<DateTime<Utc>>, Vec<String>)> {
    if from >= to {
        return Some((Vec::new(), Vec::new()));
    }
    let mut unit = scale.unit_start(local_day(from, tz));
    let mut bounds = vec![from];
    let mut labels = Vec::new();
    loop {
        let next = scale.add_units(unit, 1);
        labels.push(scale.label(unit));
        let end = day_start(next, tz);
        if end >= to {
            bounds.push(to);
            return Some((bounds, labels));
        }
        bounds.push(end);
        if labels.len() >= MAX_BUCKETS {
            return None;
        }
        unit = next;
    }
}

/// The bucket holding `at`, if any.
pub fn bucket_of(bounds: &[DateTime<Utc>], at: DateTime<Utc>) -> Option<usize> {
    if bounds.len() < 2 || at < bounds[0] || at >= bounds[bounds.len() - 1] {
        return None;
    }
    Some(bounds.partition_point(|b| *b <= at) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default()
    }

    #[test]
    fn dst_days_are_23_and_25_hours_long() {
        let tz: Tz = chrono_tz::Europe::Berlin;
        let (bounds, labels) = buckets(
            utc("2026-03-28T00:00:00+01:00"),
            utc("2026-03-31T00:00:00+02:00"),
            Scale::Day,
            tz,
        )
        .unwrap_or_default();
        assert_eq!(labels, ["2026-03-28", "2026-03-29", "2026-03-30"]);
        let hours: Vec<i64> = bounds
            .windows(2)
            .map(|w| (w[1] - w[0]).num_hours())
            .collect();
        assert_eq!(hours, [24, 23, 24]);
        let (bounds, _) = buckets(
            utc("2026-10-25T00:00:00+02:00"),
            utc("2026-10-26T00:00:00+01:00"),
            Scale::Day,
            tz,
        )
        .unwrap_or_default();
        assert_eq!((bounds[1] - bounds[0]).num_hours(), 25);
    }

    #[test]
    fn a_midnight_in_a_gap_starts_after_the_gap() {
        // Santiago skips 00:00–01:00 on the first Sunday of September.
        let tz: Tz = chrono_tz::America::Santiago;
        let start = day_start(NaiveDate::from_ymd_opt(2026, 9, 6).unwrap_or_default(), tz);
        let local = start.with_timezone(&tz);
        assert_eq!(
            local.date_naive(),
            NaiveDate::from_ymd_opt(2026, 9, 6).unwrap_or_default()
        );
        assert_eq!(local.format("%H:%M").to_string(), "01:00");
    }

    #[test]
    fn relative_periods_name_whole_units() {
        let tz: Tz = chrono_tz::Europe::Berlin;
        let now = utc("2026-03-15T12:00:00Z");
        let last_month = Period::Relative {
            past: 1,
            upcoming: 0,
            unit: Scale::Month,
        };
        assert_eq!(
            last_month.range(now, tz),
            (
                utc("2026-02-01T00:00:00+01:00"),
                utc("2026-03-01T00:00:00+01:00")
            )
        );
        let this_year = Period::Relative {
            past: 0,
            upcoming: 1,
            unit: Scale::Year,
        };
        assert_eq!(
            this_year.range(now, tz),
            (
                utc("2026-01-01T00:00:00+01:00"),
                utc("2027-01-01T00:00:00+01:00")
            )
        );
        let last_quarter = Period::Relative {
            past: 1,
            upcoming: 0,
            unit: Scale::Quarter,
        };
        assert_eq!(
            last_quarter.range(now, tz),
            (
                utc("2025-10-01T00:00:00+02:00"),
                utc("2026-01-01T00:00:00+01:00")
            )
        );
        // 2026-03-15 is a Sunday; its ISO week started on Monday the 9th.
        let this_week = Period::Relative {
            past: 0,
            upcoming: 1,
            unit: Scale::Week,
        };
        assert_eq!(this_week.range(now, tz).0, utc("2026-03-09T00:00:00+01:00"));
    }

    #[test]
    fn labels_per_scale() {
        let day = NaiveDate::from_ymd_opt(2026, 8, 5).unwrap_or_default();
        let labels: Vec<String> = Scale::ALL
            .iter()
            .map(|s| s.label(s.unit_start(day)))
            .collect();
        assert_eq!(
            labels,
            [
                "2026-08-05",
                "2026-W32",
                "2026-08",
                "Q3 2026",
                "H2 2026",
                "2026"
            ]
        );
    }

    fn zones() -> impl Strategy<Value = Tz> {
        prop::sample::select(vec![
            Tz::UTC,
            chrono_tz::Europe::Berlin,
            chrono_tz::America::New_York,
            chrono_tz::America::Santiago,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kolkata,
            chrono_tz::Pacific::Apia,
        ])
    }

    fn scales() -> impl Strategy<Value = Scale> {
        prop::sample::select(Scale::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn buckets_partition_the_span_into_local_units(
            tz in zones(),
            scale in scales(),
            start in 1_500_000_000i64..1_900_000_000,
            len in 1i64..(3 * 366 * 86_400),
            probe in 0.0f64..1.0,
        ) {
            let from = DateTime::from_timestamp(start, 0).unwrap_or_default();
            let to = from + Duration::seconds(len);
            let (bounds, labels) = buckets(from, to, scale, tz).unwrap_or_default();
            prop_assert_eq!(bounds.len(), labels.len() + 1);
            prop_assert_eq!(bounds[0], from);
            prop_assert_eq!(*bounds.last().unwrap_or(&from), to);
            prop_assert!(bounds.windows(2).all(|w| w[0] < w[1]));
            // Every inner bound is the start of a unit on the local clock.
            for (i, b) in bounds.iter().enumerate().skip(1).take(labels.len().saturating_sub(1)) {
                let day = local_day(*b, tz);
                prop_assert_eq!(scale.unit_start(day), day);
                prop_assert_eq!(day_start(day, tz), *b);
                prop_assert_eq!(&scale.label(day), &labels[i]);
            }
            // Any instant of the span lies in exactly the bucket of its local unit.
            let at = from + Duration::seconds((len as f64 * probe) as i64);
            let i = bucket_of(&bounds, at);
            prop_assert!(i.is_some());
            let i = i.unwrap_or(0);
            prop_assert!(bounds[i] <= at && at < bounds[i + 1]);
            prop_assert_eq!(&scale.label(scale.unit_start(local_day(at, tz))), &labels[i]);
        }

        #[test]
        fn relative_periods_are_contiguous(
            tz in zones(),
            unit in scales(),
            now in 1_500_000_000i64..1_900_000_000,
            past in 0u32..30,
            upcoming in 0u32..30,
        ) {
            let now = DateTime::from_timestamp(now, 0).unwrap_or_default();
            let whole = Period::Relative { past, upcoming, unit }.range(now, tz);
            let before = Period::Relative { past, upcoming: 0, unit }.range(now, tz);
            let after = Period::Relative { past: 0, upcoming, unit }.range(now, tz);
            prop_assert_eq!(whole.0, before.0);
            prop_assert_eq!(before.1, after.0);
            prop_assert_eq!(whole.1, after.1);
            // The current unit holds now.
            let current = Period::Relative { past: 0, upcoming: 1, unit }.range(now, tz);
            prop_assert!(current.0 <= now && now < current.1);
        }
    }
}
