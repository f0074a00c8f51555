//! Criterion benchmarks: parse (and compile) time per query.
//! Search latency at 1M articles is measured by the `search_1m` harness.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use otrs_query::{Schema, parse, parse_and_compile};

const QUERIES: &[(&str, &str)] = &[
    ("term", "printer"),
    ("two terms", "printer offline"),
    ("field and boolean", "title:printer AND NOT queue:junk"),
    ("phrase", "\"quick brown fox\"~2"),
    ("wildcard", "print*"),
    ("fuzzy", "keybaord~1"),
    ("range", "priority:[2 TO 4] AND created:[2020-01-01 TO *]"),
    (
        "mixed",
        "(title:printer OR body:\"paper jam\"^2) AND -toner +queue:(sales OR support) inv*ce~",
    ),
];

fn bench_parse(c: &mut Criterion) {
    let schema = Schema::corpus();
    let mut group = c.benchmark_group("parse");
    for (name, q) in QUERIES {
        group.bench_function(*name, |b| b.iter(|| parse(black_box(q))));
    }
    group.finish();
    let mut group = c.benchmark_group("parse+compile");
    for (name, q) in QUERIES {
        group.bench_function(*name, |b| {
            b.iter(|| parse_and_compile(black_box(q), &schema))
        });
    }
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
