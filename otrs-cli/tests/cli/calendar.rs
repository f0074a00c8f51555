//! Calendars and appointments.

use std::path::PathBuf;

use crate::support::otrs;

fn corpus() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/recurrence");
    if dir.join("cases.jsonl").is_file() {
        return Some(dir);
    }
    let what = format!(
        "otrs-cli appointment expand conformance ({} is missing)",
        dir.display()
    );
    crate::support::skip(&what);
    None
}

#[test]
fn appointment_expand_reproduces_the_corpus_exactly() {
    let Some(dir) = corpus() else { return };
    let scratch = tempfile::tempdir().unwrap();
    let out = otrs(&scratch.path().join("unused"))
        .args(["appointment", "expand", "--cases"])
        .arg(dir.join("cases.jsonl"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = String::from_utf8(out.stdout).unwrap();
    let want = std::fs::read_to_string(dir.join("expected.jsonl")).unwrap();
    assert_eq!(got.lines().count(), want.lines().count());
    // The same check as the corpus' check.py: id, then every start and local time, in order.
    // Lines without a dispute are identical text as well.
    let mut differing = Vec::new();
    for (g, w) in got.lines().zip(want.lines()) {
        let (gv, wv): (serde_json::Value, serde_json::Value) = (
            serde_json::from_str(g).unwrap(),
            serde_json::from_str(w).unwrap(),
        );
        let same = gv["id"] == wv["id"]
            && gv["occurrences"] == wv["occurrences"]
            && gv.get("error").is_none()
            && (wv.get("disputed").is_some() || g == w);
        if !same {
            differing.push(format!("got  {g}\nwant {w}"));
        }
    }
    assert!(
        differing.is_empty(),
        "{}",
        differing[..differing.len().min(5)].join("\n")
    );
    assert!(
        !scratch.path().join("unused").exists(),
        "expand needs no data directory"
    );
}

#[test]
fn appointment_expand_reports_bad_lines_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases.jsonl");
    std::fs::write(
        &cases,
        concat!(
            r#"{"id": "A", "tz": "UTC", "dtstart": "2020-01-01T10:00:00", "rrule": "FREQ=WEEKLY;COUNT=2", "exdates": [], "window": {"from": "2020-01-01T00:00:00Z", "to": "2021-01-01T00:00:00Z"}}"#,
            "\n\n",
            r#"{"id": "B", "tz": "UTC", "dtstart": "2020-01-01T10:00:00", "rrule": "FREQ=WEEKLY;BYDAY=XX", "exdates": [], "window": {"from": "2020-01-01T00:00:00Z", "to": "2021-01-01T00:00:00Z"}}"#,
            "\n{\n"
        ),
    )
    .unwrap();
    let out = otrs(dir.path())
        .args(["appointment", "expand", "--cases"])
        .arg(&cases)
        .output()
        .unwrap();
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["occurrences"][1]["start"], "2020-01-08T10:00:00Z");
    assert!(lines[1]["error"].as_str().unwrap().starts_with("rrule:"));
    assert_eq!(lines[2]["id"], serde_json::Value::Null);
    otrs(dir.path())
        .args(["appointment", "expand", "--cases", "/nonexistent.jsonl"])
        .assert()
        .code(1);
}

#[test]
fn calendars_and_appointments_from_the_command_line() {
    use predicates::str::contains;

    use crate::support::Desk;

    let desk = Desk::new();
    let created = desk.json(&["calendar", "create", "Team", "--color", "#00aa00"]);
    let id = created["id"].as_u64().unwrap().to_string();
    assert_eq!(created["color"], "#00AA00");
    let feed = created["feed_url"].as_str().unwrap().to_owned();
    assert_eq!(desk.json(&["calendar", "list"])["total"], 1);
    desk.run(&["calendar", "create", "Other", "--group", "nosuch"])
        .code(2)
        .stderr(contains("nosuch"));

    let series = desk.json(&[
        "appointment",
        "create",
        "--calendar",
        &id,
        "--title",
        "Standup",
        "--start",
        "2026-03-16T09:00",
        "--end",
        "2026-03-16T09:15",
        "--time-zone",
        "Europe/Budapest",
        "--rrule",
        "FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4",
    ]);
    let sid = series["id"].as_u64().unwrap().to_string();
    let window = [
        "--from",
        "2026-03-01T00:00:00Z",
        "--to",
        "2026-04-30T00:00:00Z",
    ];
    let mut args = vec!["appointment", "list"];
    args.extend(window);
    let list = desk.json(&args);
    assert_eq!(list["total"], 4, "{list}");
    assert_eq!(list["items"][3]["local_start"], "2026-03-26T09:00:00+01:00");
    desk.run(&[
        "appointment",
        "delete",
        &sid,
        "--occurrence",
        "2026-03-19T08:00:00Z",
    ])
    .success()
    .stdout(contains("occurrence"));
    assert_eq!(desk.json(&args)["total"], 3);
    let table = desk.run(&args).success();
    table.stdout(contains("2026-03-26T09:00:00+01:00"));

    // Bad input: typed messages, nothing stored.
    desk.run(&[
        "appointment",
        "create",
        "--calendar",
        &id,
        "--title",
        "x",
        "--start",
        "2026-03-16T09:00",
        "--end",
        "2026-03-16T08:00",
        "--time-zone",
        "Mars/Base",
    ])
    .code(1)
    .stderr(contains("time_zone"));
    desk.run(&[
        "appointment",
        "create",
        "--calendar",
        &id,
        "--title",
        "x",
        "--start",
        "yesterday",
        "--end",
        "2026-03-16T08:00",
    ])
    .code(2)
    .stderr(contains("--start"));
    assert_eq!(desk.json(&args)["total"], 3);

    let rotated = desk.json(&["calendar", "rotate-token", &id]);
    assert_ne!(rotated["feed_url"].as_str().unwrap(), feed);
    desk.run(&["calendar", "delete", &id])
        .code(1)
        .stderr(contains("appointment"));
    desk.run(&["appointment", "delete", &sid]).success();
    desk.run(&["calendar", "delete", &id]).success();
    assert_eq!(desk.json(&["calendar", "list"])["total"], 0);
}
