//! Agents, groups, queues, customers and customer users.

use predicates::str::contains;

use crate::support::Desk;

#[test]
fn agents_tokens_passwords_and_lockouts() {
    let desk = Desk::new();
    desk.agent("alice", &["--group", "stats=ro"]);
    let alice = desk.json(&["agent", "show", "alice"]);
    assert_eq!(alice["login"], "alice");
    assert!(alice["id"].as_u64().unwrap() > 1);
    let list = desk.json(&["agent", "list"]);
    assert_eq!(list["total"], 2, "the system user and alice");
    desk.run(&["agent", "list"])
        .success()
        .stdout(contains("alice"));
    // Passwords come from stdin or a prompt, never argv; the policy applies.
    desk.cmd()
        .args(["agent", "set-password", "alice", "--password-stdin"])
        .write_stdin("too short\n")
        .assert()
        .code(1);
    desk.cmd()
        .args(["agent", "set-password", "alice", "--password-stdin"])
        .write_stdin("another-long-password\n")
        .assert()
        .success();
    desk.run(&["agent", "reset-2fa", "alice"]).success();
    desk.run(&["agent", "unlock", "alice"])
        .success()
        .stdout(contains("alice may sign in again"));
    // Tokens: created once, listed without the secret, revoked.
    let token = desk.json(&["agent", "token", "create", "alice", "--name", "script"]);
    let secret = token["secret"].as_str().unwrap().to_owned();
    assert!(secret.len() >= 32);
    let tokens = desk.json(&["agent", "token", "list", "alice"]);
    assert_eq!(tokens["total"], 1);
    assert!(
        !tokens.to_string().contains(&secret),
        "the secret is shown only once"
    );
    let id = token["id"].as_u64().unwrap().to_string();
    desk.run(&["agent", "token", "revoke", &id]).success();
    let tokens = desk.json(&["agent", "token", "list", "alice"]);
    assert!(!tokens["items"][0]["revoked_at"].is_null());
}

#[test]
fn groups_and_grants() {
    let desk = Desk::new();
    desk.agent("bob", &[]);
    let group = desk.json(&["group", "add", "support", "--comment", "2nd level"]);
    assert_eq!(group["name"], "support");
    desk.run(&["group", "grant", "support", "bob", "ro,note"])
        .success();
    let bob = desk.json(&["agent", "show", "bob"]);
    assert!(bob.to_string().contains("support"), "{bob}");
    desk.run(&["group", "grant", "support", "bob", "fly"])
        .code(2)
        .stderr(contains("unknown permission"));
    desk.run(&["group", "list"])
        .success()
        .stdout(contains("support"));
}

#[test]
fn queues() {
    let desk = Desk::new();
    let queue = desk.json(&[
        "queue",
        "add",
        "Hardware",
        "--group",
        "users",
        "--unlock-timeout",
        "30",
    ]);
    assert_eq!(queue["name"], "Hardware");
    assert_eq!(queue["group"]["name"], "users");
    desk.run(&["queue", "show", "Hardware"])
        .success()
        .stdout(contains("30 min"));
    desk.run(&[
        "queue",
        "update",
        "Hardware",
        "--rename",
        "Devices",
        "--validity",
        "invalid",
    ])
    .success();
    let list = desk.json(&["queue", "list"]);
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"Devices") && names.contains(&"Postmaster"),
        "{names:?}"
    );
}

#[test]
fn customers_and_customer_users() {
    let desk = Desk::new();
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
    .code(1)
    .stderr(contains("create the customer first"));
    let c = desk.json(&[
        "customer",
        "add",
        "SSI",
        "--name",
        "Super Support Inc.",
        "--city",
        "Springfield",
    ]);
    assert_eq!(c["customer_id"], "SSI");
    desk.cmd()
        .args([
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
            "--password-stdin",
        ])
        .write_stdin("weakpassword\n")
        .assert()
        .code(1)
        .stderr(contains("upper"));
    desk.cmd()
        .args([
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
            "--password-stdin",
        ])
        .write_stdin("LaceyPass12\n")
        .assert()
        .success();
    let users = desk.json(&["customer-user", "list", "--customer", "ssi"]);
    assert_eq!(users["total"], 1);
    assert_eq!(users["items"][0]["login"], "lacey");
    desk.run(&["customer", "show", "SSI"])
        .success()
        .stdout(contains("Springfield"));
    desk.run(&["customer", "update", "SSI", "--country", "US"])
        .success();
    desk.run(&["customer", "list", "--search", "super"])
        .success()
        .stdout(contains("Super Support Inc."));
    desk.run(&[
        "customer-user",
        "update",
        "lacey",
        "--email",
        "lacey.green@example.org",
    ])
    .success();
    desk.run(&["customer-user", "show", "lacey"])
        .success()
        .stdout(contains("lacey.green@example.org"));
    desk.run(&[
        "customer-user",
        "update",
        "lacey",
        "--email",
        "not-an-address",
    ])
    .code(1)
    .stderr(contains("e-mail"));
}
