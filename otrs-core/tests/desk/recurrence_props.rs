//! Invariants of the recurrence engine over random series, zones and windows.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use otrs_core::calendar::{Occurrence, RecurrenceRule, Series};
use proptest::prelude::*;

const ZONES: [&str; 6] = [
    "Europe/Budapest",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Pacific/Chatham",
    "UTC",
];
const DAYS: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// A rule without COUNT/UNTIL, of daily or coarser frequency (so every occurrence keeps the
/// start's time of day).
fn rule_body() -> impl Strategy<Value = String> {
    let days = proptest::sample::subsequence(DAYS.to_vec(), 1..=3).prop_map(|d| d.join(","));
    prop_oneof![
        (1u8..5).prop_map(|i| format!("FREQ=DAILY;INTERVAL={i}")),
        (
            1u8..4,
            days.clone(),
            proptest::sample::select(DAYS.to_vec())
        )
            .prop_map(|(i, d, w)| format!("FREQ=WEEKLY;INTERVAL={i};BYDAY={d};WKST={w}")),
        (1u8..4, 1i8..32).prop_map(|(i, d)| format!("FREQ=MONTHLY;INTERVAL={i};BYMONTHDAY={d}")),
        (
            1u8..3,
            days.clone(),
            proptest::sample::select(vec![1i8, 2, -1])
        )
            .prop_map(|(i, d, p)| format!("FREQ=MONTHLY;INTERVAL={i};BYDAY={d};BYSETPOS={p}")),
        (1u8..3, days, proptest::sample::select(vec![1i8, -1]))
            .prop_map(|(i, d, p)| format!("FREQ=WEEKLY;INTERVAL={i};BYDAY={d};BYSETPOS={p}")),
        (1u8..3).prop_map(|i| format!("FREQ=YEARLY;INTERVAL={i}")),
    ]
}

fn start() -> impl Strategy<Value = NaiveDateTime> {
    (
        0i64..3650,
        0u32..24,
        proptest::sample::select(vec![0u32, 15, 30, 45]),
    )
        .prop_map(|(day, hour, minute)| {
            NaiveDate::from_ymd_opt(2018, 1, 1)
                .unwrap()
                .and_hms_opt(hour, minute, 0)
                .unwrap()
                + Duration::days(day)
        })
}

fn series(tz: &str, start: NaiveDateTime, rule: &str) -> Series {
    let tz: Tz = tz.parse().unwrap();
    Series::new(tz, start, false, Some(RecurrenceRule::parse(rule).unwrap())).unwrap()
}

fn at(start: NaiveDateTime, days: i64) -> DateTime<Utc> {
    start.and_utc() + Duration::days(days)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn sorted_inside_window_same_wall_time(
        tz in proptest::sample::select(ZONES.to_vec()),
        start in start(),
        body in rule_body(),
        from_day in -30i64..2000,
        length in 1i64..400,
    ) {
        let s = series(tz, start, &body);
        let (from, to) = (at(start, from_day), at(start, from_day + length));
        let list = s.occurrences(from, to).unwrap();
        for pair in list.windows(2) {
            prop_assert!(pair[0].start < pair[1].start, "sorted: {:?}", pair);
        }
        for occ in &list {
            prop_assert!(from <= occ.start && occ.start < to);
            prop_assert_eq!(occ.wall.time(), start.time());
            prop_assert_eq!(occ.local.with_timezone(&Utc), occ.start);
            let in_gap = matches!(s.tz().from_local_datetime(&occ.wall), LocalResult::None);
            if !in_gap {
                prop_assert_eq!(occ.local.naive_local(), occ.wall);
            } else {
                prop_assert!(occ.local.naive_local() > occ.wall, "gap times move forward");
            }
        }
    }

    #[test]
    fn splitting_the_window_gives_the_union(
        tz in proptest::sample::select(ZONES.to_vec()),
        start in start(),
        body in rule_body(),
        a in -10i64..500,
        b in 0i64..300,
        c in 0i64..300,
        limit in proptest::option::of(1u32..60),
    ) {
        let rule = match limit { Some(n) => format!("{body};COUNT={n}"), None => body };
        let s = series(tz, start, &rule);
        let (x, y, z) = (at(start, a), at(start, a + b), at(start, a + b + c));
        let whole = s.occurrences(x, z).unwrap();
        let mut parts = s.occurrences(x, y).unwrap();
        parts.extend(s.occurrences(y, z).unwrap());
        prop_assert_eq!(whole, parts);
    }

    #[test]
    fn count_limits_and_skipping_ahead_changes_nothing(
        tz in proptest::sample::select(ZONES.to_vec()),
        start in start(),
        body in rule_body(),
        n in 1u32..80,
        from_day in 0i64..4000,
    ) {
        let counted = series(tz, start, &format!("{body};COUNT={n}"));
        let all = counted.occurrences(at(start, -2), at(start, 40_000)).unwrap();
        prop_assert!(all.len() <= n as usize);
        prop_assert_eq!(all.first().map(|o| o.wall), Some(start), "the start is the first occurrence");
        // An unbounded series skips periods before the window; a series with a huge COUNT
        // cannot, and must agree with it.
        let unbounded = series(tz, start, &body);
        let huge = series(tz, start, &format!("{body};COUNT=1000000"));
        let (from, to) = (at(start, from_day), at(start, from_day + 120));
        prop_assert_eq!(unbounded.occurrences(from, to).unwrap(), huge.occurrences(from, to).unwrap());
    }

    #[test]
    fn exdates_remove_exactly_their_occurrences(
        tz in proptest::sample::select(ZONES.to_vec()),
        start in start(),
        body in rule_body(),
        picks in proptest::collection::vec(any::<prop::sample::Index>(), 0..4),
        n in 1u32..40,
    ) {
        let rule = format!("{body};COUNT={n}");
        let plain = series(tz, start, &rule);
        let (from, to) = (at(start, -2), at(start, 40_000));
        let all = plain.occurrences(from, to).unwrap();
        let removed: Vec<NaiveDateTime> = picks.iter().map(|i| all[i.index(all.len())].wall).collect();
        let excluded = plain.clone().with_exdates(removed.clone());
        let rest = excluded.occurrences(from, to).unwrap();
        let want: Vec<Occurrence> = all.iter().filter(|o| !removed.contains(&o.wall)).copied().collect();
        prop_assert_eq!(rest, want, "COUNT counts before exclusions; nothing replaces them");
    }
}
