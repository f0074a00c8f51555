//! Runs both evaluators over the shared conformance corpus and compares
//! every answer with Lucene's (`expected.jsonl`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use otrs_query::Schema;
use otrs_query::eval::{Engine, evaluate_all, read_documents, read_queries};
use serde_json::Value;

/// The path of a corpus file.
pub fn corpus_path(name: &str) -> PathBuf {
    corpus_dir().join(name)
}

fn corpus_dir() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for candidate in [
        manifest.join("../../shared/conformance/query"),
        manifest.join("../shared/conformance/query"),
        PathBuf::from("/work/shared/conformance/query"),
    ] {
        if candidate.join("expected.jsonl").exists() {
            return candidate;
        }
    }
    panic!("conformance corpus not found (shared/conformance/query)");
}

fn read(name: &str) -> String {
    std::fs::read_to_string(corpus_dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Compares one answer with the expected one; returns a problem description.
fn compare(expected: &Value, actual: &Value) -> Option<String> {
    match (expected.get("error"), actual.get("error")) {
        (Some(_), Some(_)) => None,
        (Some(e), None) => Some(format!(
            "expected error {e}, got {} hits",
            actual["hits"].as_array().map_or(0, Vec::len)
        )),
        (None, Some(a)) => Some(format!(
            "expected {} hits, got error {a}",
            expected["hits"].as_array().map_or(0, Vec::len)
        )),
        (None, None) => {
            if expected["hits"] != actual["hits"] {
                let e: Vec<&str> = expected["hits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let a: Vec<&str> = actual["hits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .collect();
                let missing: Vec<&&str> = e.iter().filter(|x| !a.contains(x)).take(8).collect();
                let extra: Vec<&&str> = a.iter().filter(|x| !e.contains(x)).take(8).collect();
                return Some(format!(
                    "hits differ: missing {missing:?}, extra {extra:?} ({} vs {})",
                    a.len(),
                    e.len()
                ));
            }
            if let Some(top) = expected.get("top")
                && actual.get("top") != Some(top)
            {
                return Some(format!(
                    "top {} != expected {top}",
                    actual.get("top").unwrap_or(&Value::Null)
                ));
            }
            None
        }
    }
}

fn run(engine: Engine) -> Vec<String> {
    let schema = Schema::corpus();
    let docs = read_documents(&read("docs.jsonl"), &schema).expect("docs");
    let queries = read_queries(&read("queries.jsonl")).expect("queries");
    let features: Vec<(String, String)> = read("queries.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("query line");
            (
                v["feature"].as_str().unwrap_or("?").to_string(),
                v["q"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let expected: Vec<Value> = read("expected.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    let actual = evaluate_all(&docs, &queries, &schema, engine).expect("evaluate");
    assert_eq!(actual.len(), expected.len());
    let mut failures = Vec::new();
    let mut class_mismatches = Vec::new();
    let mut per_feature: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for ((exp, act), (feature, q)) in expected.iter().zip(&actual).zip(&features) {
        assert_eq!(exp["id"], act["id"]);
        if let (Some(e), Some(a)) = (exp.get("error"), act.get("error"))
            && e != a
        {
            class_mismatches.push(format!(
                "{} {q:?}: class {a} (Lucene: {e})",
                exp["id"].as_str().unwrap_or("?")
            ));
        }
        let entry = per_feature.entry(feature.as_str()).or_default();
        entry.1 += 1;
        if let Some(problem) = compare(exp, act) {
            entry.0 += 1;
            failures.push(format!(
                "{engine:?} {} [{feature}] {q:?}: {problem}",
                exp["id"].as_str().unwrap_or("?")
            ));
        }
    }
    // Error classes are a hint, not part of the contract: reported, not asserted.
    for m in &class_mismatches {
        eprintln!("note: {m}");
    }
    eprintln!("{engine:?} engine, failures per feature:");
    for (feature, (failed, total)) in &per_feature {
        eprintln!("  {feature:18} {failed:3} of {total:3} failed");
    }
    failures
}

#[test]
fn reference_engine_matches_lucene() {
    let failures = run(Engine::Reference);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn index_engine_matches_lucene() {
    let failures = run(Engine::Index);
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
