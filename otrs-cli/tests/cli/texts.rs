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
