//! Export, import, the search index and the machine interfaces.

use predicates::str::contains;

use crate::support::{Desk, otrs};

#[test]
fn export_import_export_is_identical() {
    let desk = Desk::new();
    desk.agent("alice", &[]);
    desk.run(&["customer", "add", "SSI", "--name", "Super Support Inc."])
        .success();
    for i in 0..3 {
        desk.run(&[
            "--as",
            "alice",
            "ticket",
            "create",
            "--title",
            &format!("ticket {i}"),
            "--queue",
            "Misc",
            "--body",
            "body",
        ])
        .success();
    }
    let first = desk.dir.path().join("first.jsonl");
    desk.run(&["export", "-o", first.to_str().unwrap()])
        .success()
        .stderr(contains("exported"));
    let copy = desk.dir.path().join("copy");
    otrs(&copy).arg("migrate").assert().success();
    otrs(&copy)
        .args(["import", first.to_str().unwrap()])
        .assert()
        .success()
        .stderr(contains("imported"));
    let second = desk.dir.path().join("second.jsonl");
    otrs(&copy)
        .args(["export", "-o", second.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(
        std::fs::read(&first).unwrap(),
        std::fs::read(&second).unwrap()
    );
    // Importing into a desk with data is refused.
    otrs(&copy)
        .args(["import", first.to_str().unwrap()])
        .assert()
        .code(1);
    otrs(&copy)
        .args(["import", "/nonexistent.jsonl"])
        .assert()
        .code(1)
        .stderr(contains("/nonexistent.jsonl"));
    // The imported desk is searchable after a rebuild.
    otrs(&copy)
        .args(["index", "rebuild"])
        .assert()
        .success()
        .stderr(contains("indexed 3 tickets"));
    otrs(&copy)
        .args(["search", "ticket"])
        .assert()
        .success()
        .stdout(contains("ticket 2"));
    // Export to standard output.
    let out = desk.cmd().arg("export").output().unwrap();
    assert!(out.status.success());
    assert_eq!(out.stdout, std::fs::read(&first).unwrap());
}

#[test]
fn query_eval_prints_one_json_line_per_query() {
    let dir = tempfile::tempdir().unwrap();
    let docs = dir.path().join("docs.jsonl");
    let queries = dir.path().join("queries.jsonl");
    std::fs::write(
        &docs,
        concat!(
            r#"{"id":"T1","title":"Printer offline","body":"The quick brown fox","queue":"Raw","state":"open","customer":"x","number":"1","priority":3,"created":"2020-03-25"}"#, "\n",
            r#"{"id":"T2","title":"VPN down","body":"no tunnel","queue":"Misc","state":"new","customer":"y","number":"2","priority":5,"created":"2021-01-01"}"#, "\n",
        ),
    )
    .unwrap();
    std::fs::write(
        &queries,
        concat!(
            r#"{"id":"Q1","q":"printer OR vpn^2"}"#,
            "\n",
            r#"{"id":"Q2","q":"priority:[4 TO *]"}"#,
            "\n",
            r#"{"id":"Q3","q":"title:("}"#,
            "\n"
        ),
    )
    .unwrap();
    for engine in ["index", "reference"] {
        let out = otrs(dir.path())
            .args(["query", "eval", "--engine", engine, "--docs"])
            .arg(&docs)
            .arg("--queries")
            .arg(&queries)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["hits"], serde_json::json!(["T1", "T2"]));
        assert_eq!(lines[0]["top"][0], "T2", "the boost orders the hits");
        assert_eq!(lines[1]["hits"], serde_json::json!(["T2"]));
        assert_eq!(lines[2]["error"], "syntax");
    }
    otrs(dir.path())
        .args(["query", "eval", "--docs", "/nonexistent", "--queries"])
        .arg(&queries)
        .assert()
        .code(1);
    otrs(dir.path())
        .args([
            "query",
            "eval",
            "--engine",
            "magic",
            "--docs",
            "a",
            "--queries",
            "b",
        ])
        .assert()
        .code(2);
}

#[test]
fn completions_and_man_pages() {
    let dir = tempfile::tempdir().unwrap();
    otrs(dir.path())
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(contains("otrs"));
    let man = dir.path().join("man");
    otrs(dir.path())
        .args(["man", "--out"])
        .arg(&man)
        .assert()
        .success();
    assert!(man.join("otrs.1").exists());
    assert!(man.join("otrs-ticket-create.1").exists());
}
