//! `otrs template` and `otrs signature`: created with queues, listed per queue, deleted; admins
//! only for changes.

use crate::support::Desk;

#[test]
fn templates_and_signatures_are_created_listed_per_queue_and_deleted() {
    let d = Desk::new();
    d.agent("lisa", &[]);
    let greeting = d.json(&[
        "template",
        "create",
        "Greeting",
        "--text",
        "Thank you for calling.",
        "--queue",
        "Misc",
        "--queue",
        "Raw",
    ]);
    assert_eq!(greeting["kind"], "template");
    assert_eq!(greeting["queues"].as_array().unwrap().len(), 2);
    let file = d.dir.path().join("signature.txt");
    std::fs::write(&file, "-- \nYour support team\n").unwrap();
    let signature = d.json(&[
        "signature",
        "create",
        "Team",
        "--file",
        file.to_str().unwrap(),
        "--queue",
        "Misc",
    ]);
    assert_eq!(signature["text"], "-- \nYour support team\n");
    assert_eq!(d.json(&["template", "list"])["total"], 1);
    assert_eq!(d.json(&["template", "list", "--queue", "Raw"])["total"], 1);
    assert_eq!(d.json(&["signature", "list", "--queue", "Raw"])["total"], 0);
    // Agents read them; the table shows the first line of the text.
    let table = d
        .run(&["--as", "lisa", "signature", "list"])
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("Team") && table.contains("Misc"), "{table}");
    // Bad input and refusals store nothing.
    d.run(&["template", "create", "Greeting", "--text", "again"])
        .code(1);
    d.run(&["template", "create", "Other", "--queue", "Nowhere"])
        .code(2);
    d.run(&["--as", "lisa", "template", "create", "Mine"])
        .code(1);
    let id = greeting["id"].as_u64().unwrap().to_string();
    d.run(&["--as", "lisa", "template", "delete", &id]).code(1);
    // A template's id is no signature.
    d.run(&["signature", "delete", &id]).code(1);
    assert_eq!(d.json(&["template", "list"])["total"], 1);
    d.json(&["template", "delete", &id]);
    assert_eq!(d.json(&["template", "list"])["total"], 0);
    assert_eq!(d.json(&["signature", "list"])["total"], 1);
}

#[test]
fn templates_and_signatures_are_updated_by_admins_only() {
    let d = Desk::new();
    d.agent("lisa", &[]);
    let created = d.json(&["template", "create", "Greeting", "--queue", "Misc"]);
    let id = created["id"].as_u64().unwrap().to_string();
    d.json(&["template", "create", "Other"]);
    let updated = d.json(&[
        "template",
        "update",
        &id,
        "--name",
        "Welcome",
        "--text",
        "<p>Hello</p>",
        "--content-type",
        "text/html",
        "--validity",
        "invalid",
        "--queue",
        "Raw",
    ]);
    assert_eq!(updated["name"], "Welcome");
    assert_eq!(updated["content_type"], "text/html");
    assert_eq!(updated["validity"], "invalid");
    assert_eq!(updated["queues"], serde_json::json!(["Raw"]));
    assert_eq!(updated["version"], created["version"].as_u64().unwrap() + 1);
    // Invalid texts are listed only with --all.
    assert_eq!(d.json(&["template", "list"])["total"], 1);
    assert_eq!(d.json(&["template", "list", "--all"])["total"], 2);
    let cleared = d.json(&[
        "template",
        "update",
        &id,
        "--no-queues",
        "--validity",
        "valid",
    ]);
    assert_eq!(cleared["queues"], serde_json::json!([]));
    assert_eq!(cleared["name"], "Welcome");
    // Refusals change nothing: a taken name, a bad validity or content type, a non-admin, the
    // wrong kind.
    d.run(&["template", "update", &id, "--name", "Other"])
        .code(1);
    d.run(&["template", "update", &id, "--validity", "maybe"])
        .code(2);
    d.run(&["template", "update", &id, "--content-type", "image/png"])
        .code(1);
    d.run(&["--as", "lisa", "template", "update", &id, "--name", "Mine"])
        .code(1);
    d.run(&["signature", "update", &id, "--name", "Sig"])
        .code(1);
    let listed = d.json(&["template", "list", "--all"]);
    let texts = listed["items"].as_array().unwrap();
    let mine = texts.iter().find(|t| t["id"] == created["id"]).unwrap();
    assert_eq!(mine["name"], "Welcome");
    assert_eq!(mine["version"], cleared["version"]);
}
