//! Expanding a daily series over ten years, beside the `rrule` crate expanding the same rule on
//! its own (no zone conversion, no exclusions, no window logic) in the same run.
//!
//! Run with `cargo bench -p otrs-core --bench recurrence`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use otrs_core::calendar::{RecurrenceRule, Series};

fn bench(c: &mut Criterion) {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1)
        .unwrap()
        .and_hms_opt(9, 30, 0)
        .unwrap();
    let from = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2035, 1, 1, 0, 0, 0).unwrap();
    let series = Series::new(
        chrono_tz::Europe::Budapest,
        start,
        false,
        Some(RecurrenceRule::parse("FREQ=DAILY").unwrap()),
    )
    .unwrap();
    assert_eq!(series.occurrences(from, to).unwrap().len(), 3652);

    let mut group = c.benchmark_group("recurrence");
    group.bench_function("baseline: rrule crate, daily, 3,652 in UTC", |b| {
        let set: rrule::RRuleSet = "DTSTART:20250101T093000Z\nRRULE:FREQ=DAILY;COUNT=3652"
            .parse()
            .unwrap();
        b.iter(|| black_box(set.clone().all(u16::MAX).dates.len()));
    });
    group.bench_function("Series::occurrences, daily over ten years, Budapest", |b| {
        b.iter(|| black_box(series.occurrences(from, to).unwrap().len()));
    });
    let far_from = Utc.with_ymd_and_hms(2125, 1, 1, 0, 0, 0).unwrap();
    let far_to = Utc.with_ymd_and_hms(2125, 2, 1, 0, 0, 0).unwrap();
    group.bench_function("Series::occurrences, one month a century later", |b| {
        b.iter(|| black_box(series.occurrences(far_from, far_to).unwrap().len()));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
