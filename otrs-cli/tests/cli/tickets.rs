//! Tickets and search.

use predicates::str::contains;

use crate::support::Desk;

fn setup() -> Desk {
    let desk = Desk::new();
    desk.agent("alice", &[]);
    desk.agent("bob", &[]);
    desk.run(&["customer", "add", "SSI", "--name", "Super Support Inc."])
        .success();
    desk.run(&[
        "customer-user",
        "add",
        "lacey",
        "--first-name",
        "Lacey",
        "--last-name",
        "Green",
        "--email",
        "lacey@example.org",
        "--customer",
        "SSI",
        "--no-password",
    ])
    .success();
    desk
}

#[test]
fn the_ticket_lifecycle_from_the_command_line() {
    let desk = setup();
    let t = desk.json(&[
        "--as",
        "alice",
        "ticket",
        "create",
        "--title",
        "Printer offline",
        "--queue",
        "Postmaster",
        "--body",
        "Floor 2 printer is dead",
        "--customer-user",
        "lacey",
        "--priority",
        "high",
    ]);
    let number = t["number"].as_str().unwrap().to_owned();
    assert_eq!(number.len(), 16);
    assert_eq!(t["queue"]["name"], "Postmaster");
    assert_eq!(t["priority"]["name"], "4 high");
    assert_eq!(t["owner"]["name"], "alice");
    let other = desk.json(&[
        "ticket",
        "create",
        "--title",
        "Printer still offline",
        "--queue",
        "Misc",
        "--body",
        "Same printer",
        "--kind",
        "note",
    ]);
    let other_number = other["number"].as_str().unwrap().to_owned();

    desk.run(&["ticket", "show", &number, "--articles"])
        .success()
        .stdout(contains("Floor 2 printer is dead"));
    let locked = desk.json(&["--as", "bob", "ticket", "lock", &number]);
    assert_eq!(locked["lock"], "lock");
    assert_eq!(locked["owner"]["name"], "bob");
    desk.run(&["--as", "alice", "ticket", "lock", &number])
        .code(1)
        .stderr(contains("locked by bob"));
    desk.run(&[
        "--as",
        "alice",
        "ticket",
        "note",
        &number,
        "--body",
        "Toner ordered",
        "--time-units",
        "1,5",
    ])
    .success();
    desk.run(&[
        "--as",
        "bob",
        "ticket",
        "update",
        &number,
        "--state",
        "pending reminder",
        "--pending-until",
        "2099-01-01T09:00:00Z",
    ])
    .success();
    desk.run(&[
        "--as",
        "bob",
        "ticket",
        "update",
        &number,
        "--state",
        "no such state",
    ])
    .code(2)
    .stderr(contains("states are"));
    desk.run(&["--as", "bob", "ticket", "update", &number])
        .code(2)
        .stderr(contains("at least one property"));
    desk.run(&["--as", "bob", "ticket", "unlock", &number])
        .success();
    desk.run(&[
        "ticket",
        "link",
        &number,
        &other_number,
        "--type",
        "parent-child",
    ])
    .success();
    desk.run(&[
        "ticket",
        "link",
        &number,
        &other_number,
        "--type",
        "parent-child",
    ])
    .code(1)
    .stderr(contains("already linked"));
    let merged = desk.json(&[
        "--as",
        "alice",
        "ticket",
        "merge",
        &other_number,
        "--into",
        &number,
    ]);
    assert_eq!(merged["number"], number);
    desk.run(&["ticket", "note", &other_number, "--body", "x"])
        .code(1)
        .stderr(contains("merged"));

    let history = desk.json(&["ticket", "history", &number]);
    let types: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["type"].as_str().unwrap())
        .collect();
    for expected in [
        "NewTicket",
        "Lock",
        "AddNote",
        "TimeAccounting",
        "StateUpdate",
        "Unlock",
        "TicketLinkAdd",
        "Merged",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    desk.run(&["ticket", "history", &number])
        .success()
        .stdout(contains("NewTicket"));

    let list = desk.json(&["ticket", "list", "--queue", "Postmaster", "--sort=-created"]);
    assert_eq!(list["total"], 1);
    let open = desk.json(&["ticket", "list", "--state-type", "merged"]);
    assert_eq!(open["items"][0]["number"], other_number);
    let found = desk.json(&["ticket", "list", "-q", "toner AND queue:postmaster"]);
    assert_eq!(found["total"], 1, "{found}");
    desk.run(&["search", "printer"])
        .success()
        .stdout(contains(number.as_str()));
    let hits = desk.json(&["search", "floor"]);
    assert_eq!(hits["items"][0]["number"], number);
}

#[test]
fn attachments_and_stdin_bodies() {
    let desk = setup();
    let file = desk.dir.path().join("error.log");
    std::fs::write(&file, b"line 1\nline 2\n").unwrap();
    let t = desk
        .cmd()
        .args([
            "--json", "ticket", "create", "--title", "Crash", "--queue", "Raw", "--body", "-",
            "--attach",
        ])
        .arg(&file)
        .write_stdin("It crashed again.")
        .output()
        .unwrap();
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let t: serde_json::Value = serde_json::from_slice(&t.stdout).unwrap();
    let shown = desk.json(&[
        "ticket",
        "show",
        t["number"].as_str().unwrap(),
        "--articles",
    ]);
    let article = &shown["articles"][0];
    assert_eq!(article["body"], "It crashed again.");
    assert_eq!(article["attachments"][0]["filename"], "error.log");
    assert_eq!(article["attachments"][0]["size"], 14);
    desk.run(&[
        "ticket",
        "create",
        "--title",
        "x",
        "--queue",
        "Raw",
        "--body",
        "y",
        "--attach",
        "/nonexistent/file",
    ])
    .code(1)
    .stderr(contains("/nonexistent/file"));
}

/// `otrs [--json] --as alice ticket note NUMBER --body BODY` followed by `extra`.
fn note_args<'a>(json: bool, number: &'a str, body: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = if json { vec!["--json"] } else { Vec::new() };
    args.extend(["--as", "alice", "ticket", "note", number, "--body", body]);
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_note_changes_the_state_with_it_or_writes_nothing() {
    let desk = setup();
    let t = desk.json(&[
        "ticket",
        "create",
        "--title",
        "VPN drops",
        "--queue",
        "Postmaster",
        "--body",
        "Every hour",
    ]);
    let number = t["number"].as_str().unwrap().to_owned();
    let articles = |desk: &Desk| {
        desk.json(&["ticket", "show", &number, "--articles"])["articles"]
            .as_array()
            .map_or(0, Vec::len)
    };
    let before = articles(&desk);

    // A pending state without a time, a bad time or an unknown state: nothing is added.
    let pending = ["--next-state", "pending reminder"];
    desk.run(&note_args(false, &number, "Waiting", &pending))
        .code(1)
        .stderr(contains("pending_until"));
    desk.run(&note_args(true, &number, "Waiting", &pending))
        .code(1)
        .stderr(contains("\"code\":\"validation\""));
    desk.run(&note_args(
        false,
        &number,
        "Waiting",
        &[
            "--next-state",
            "pending reminder",
            "--pending-until",
            "tomorrow",
        ],
    ))
    .code(2)
    .stderr(contains("RFC 3339"));
    desk.run(&note_args(
        false,
        &number,
        "Waiting",
        &["--next-state", "no such state"],
    ))
    .code(2)
    .stderr(contains("states are"));
    assert_eq!(articles(&desk), before);
    let unchanged = desk.json(&["ticket", "show", &number]);
    assert_eq!(unchanged["state"], t["state"]);
    assert_eq!(unchanged["version"], t["version"]);

    // The note and the state change in one step.
    let note = desk.json(&note_args(
        false,
        &number,
        "Waiting for the customer",
        &[
            "--next-state",
            "pending reminder",
            "--pending-until",
            "2099-01-01T09:00:00Z",
        ],
    ));
    assert_eq!(note["body"], "Waiting for the customer");
    assert_eq!(articles(&desk), before + 1);
    let pending = desk.json(&["ticket", "show", &number]);
    assert_eq!(pending["state"]["name"], "pending reminder");
    assert_eq!(pending["pending_until"], "2099-01-01T09:00:00Z");
    desk.run(&note_args(
        false,
        &number,
        "Solved",
        &["--next-state", "closed successful"],
    ))
    .success()
    .stdout(contains("now closed successful"));
    let closed = desk.json(&["ticket", "show", &number]);
    assert_eq!(closed["state"]["name"], "closed successful");
    assert_eq!(closed["pending_until"], serde_json::Value::Null);
}
