//! The recurrence engine against `shared/conformance/recurrence`: every case, exact equality
//! with `expected.jsonl`, disputed cases included (they follow the RFC's text, as the product
//! rule says).

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use otrs_core::calendar::Series;
use serde_json::{Value, json};

/// The corpus folder, or `None` after a loud skip line (a failure under `OTRS_TEST_REQUIRE_ALL=1`).
pub fn corpus_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/recurrence");
    if dir.join("cases.jsonl").is_file() {
        return Some(dir);
    }
    let what = format!(
        "otrs-core recurrence conformance ({} is missing)",
        dir.display()
    );
    if std::env::var("OTRS_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1") {
        panic!("{what}, and OTRS_TEST_REQUIRE_ALL=1 forbids skipping");
    }
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "!!!! SKIPPED {what} !!!!");
    if let Ok(log) = std::env::var("OTRS_TEST_SKIP_LOG")
        && let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
    {
        let _ = writeln!(file, "{what}");
    }
    None
}

fn text(case: &Value, key: &str) -> String {
    case[key].as_str().unwrap_or_default().to_owned()
}

fn instant(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("window bound")
        .with_timezone(&Utc)
}

/// One case through the engine, as a line of `expected.jsonl`.
fn run(case: &Value) -> Value {
    let id = case["id"].clone();
    let exdates: Vec<String> = case["exdates"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let exdates: Vec<&str> = exdates.iter().map(String::as_str).collect();
    let result = Series::from_text(
        &text(case, "tz"),
        &text(case, "dtstart"),
        case["all_day"].as_bool().unwrap_or(false),
        case["rrule"].as_str(),
        &exdates,
    )
    .and_then(|series| {
        series.occurrences(
            instant(case["window"]["from"].as_str().unwrap_or_default()),
            instant(case["window"]["to"].as_str().unwrap_or_default()),
        )
    });
    match result {
        Ok(list) => json!({
            "id": id,
            "occurrences": list
                .iter()
                .map(|o| json!({"start": o.start_text(), "local": o.local_text()}))
                .collect::<Vec<_>>(),
        }),
        Err(e) => json!({"id": id, "error": e.to_string()}),
    }
}

fn lines(path: PathBuf) -> Vec<Value> {
    std::fs::read_to_string(&path)
        .expect("corpus file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

#[test]
fn every_case_matches_expected_exactly() {
    let Some(dir) = corpus_dir() else { return };
    let cases = lines(dir.join("cases.jsonl"));
    let expected = lines(dir.join("expected.jsonl"));
    assert_eq!(cases.len(), expected.len());
    assert!(!cases.is_empty());
    let mut failures = Vec::new();
    for (case, want) in cases.iter().zip(&expected) {
        assert_eq!(
            case["id"], want["id"],
            "cases and expected are in the same order"
        );
        let got = run(case);
        if got["occurrences"] != want["occurrences"] || got.get("error").is_some() {
            failures.push(format!(
                "{} ({}{}): got {got}\n  want {}",
                case["id"],
                case["feature"],
                if want["disputed"] == true {
                    ", disputed"
                } else {
                    ""
                },
                want["occurrences"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
