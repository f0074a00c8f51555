//! `otrs jobs`: schedule, list and cancel from the command line; admins only.

use crate::support::Desk;

#[test]
fn jobs_are_scheduled_listed_and_cancelled() {
    let d = Desk::new();
    d.agent("lisa", &[]);
    let job = d.json(&[
        "jobs",
        "schedule",
        "notify.agent",
        "--payload",
        r#"{"agent_id": 1, "title": "Hello"}"#,
        "--at",
        "2030-01-01T09:00:00+01:00",
        "--key",
        "greeting",
    ]);
    assert_eq!(job["state"], "pending");
    assert_eq!(job["run_at"], "2030-01-01T08:00:00Z");
    assert_eq!(job["payload"]["title"], "Hello");
    let id = job["id"].as_u64().unwrap().to_string();
    let list = d.json(&["jobs", "list"]);
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["unique_key"], "greeting");
    let table = d
        .run(&["jobs", "list"])
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(
        table.contains("notify.agent") && table.contains("2030-01-01T08:00:00Z"),
        "{table}"
    );
    // Unknown kinds and bad input are usage or validation errors, and store nothing.
    d.run(&["jobs", "schedule", "no.such"]).code(2);
    d.run(&["jobs", "schedule", "mail.send", "--payload", "{not json"])
        .code(1);
    d.run(&["jobs", "list", "--state", "sleeping"]).code(2);
    // Only admins.
    d.run(&["--as", "lisa", "jobs", "list"]).code(1);
    d.run(&["--as", "lisa", "jobs", "cancel", &id]).code(1);
    let cancelled = d.json(&["jobs", "cancel", &id]);
    assert_eq!(cancelled["state"], "cancelled");
    d.run(&["jobs", "cancel", &id]).code(1);
    assert_eq!(d.json(&["jobs", "list"])["total"], 0);
    assert_eq!(d.json(&["jobs", "list", "--state", "all"])["total"], 1);
    let by_key = d.json(&["jobs", "cancel", "--key", "nothing-here"]);
    assert_eq!(by_key["cancelled"], 0);
}
