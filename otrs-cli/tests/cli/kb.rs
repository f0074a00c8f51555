//! `otrs kb category …` and `otrs kb article …`: the knowledge base from the command line,
//! against a real SQLite database; refusals exit with 1 (usage errors with 2) and change
//! nothing.

use serde_json::Value;

use crate::support::Desk;

fn paths(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn categories_are_created_changed_listed_and_deleted_by_admins() {
    let d = Desk::new();
    d.agent("lisa", &[]);
    assert_eq!(paths(&d.json(&["kb", "category", "list"])), ["Misc"]);
    let hardware = d.json(&["kb", "category", "create", "Hardware", "--group", "users"]);
    assert_eq!(hardware["path"], "Hardware");
    assert_eq!(hardware["groups"][0]["name"], "users");
    let id = hardware["id"].as_u64().unwrap().to_string();
    let printers = d.json(&[
        "kb",
        "category",
        "create",
        "Printers",
        "--group",
        "users",
        "--parent",
        &id,
        "--comment",
        "Paper and toner",
    ]);
    assert_eq!(printers["path"], "Hardware::Printers");
    assert_eq!(printers["comment"], "Paper and toner");
    let child = printers["id"].as_u64().unwrap().to_string();
    assert_eq!(
        paths(&d.json(&["kb", "category", "list"])),
        ["Hardware", "Hardware::Printers", "Misc"]
    );
    // The table indents subcategories.
    let table = d
        .run(&["kb", "category", "list"])
        .success()
        .get_output()
        .stdout
        .clone();
    let table = String::from_utf8(table).unwrap();
    assert!(table.contains("  Printers"), "{table}");

    // Refusals: no group (usage), an unknown group (usage), a taken name, an agent who is no
    // admin, a category that still holds a subcategory.
    d.run(&["kb", "category", "create", "Loose"]).code(2);
    d.run(&["kb", "category", "create", "Loose", "--group", "nobody"])
        .code(2);
    d.run(&["kb", "category", "create", "Hardware", "--group", "users"])
        .code(1);
    d.run(&[
        "--as", "lisa", "kb", "category", "create", "Mine", "--group", "users",
    ])
    .code(1);
    d.run(&["kb", "category", "update", &child, "--parent", &child])
        .code(1);
    d.run(&["kb", "category", "update", &child]).code(2);
    d.run(&["kb", "category", "delete", &id]).code(1);
    d.run(&["--as", "lisa", "kb", "category", "delete", &child])
        .code(1);
    assert_eq!(
        paths(&d.json(&["kb", "category", "list"])),
        ["Hardware", "Hardware::Printers", "Misc"]
    );

    let moved = d.json(&[
        "kb",
        "category",
        "update",
        &child,
        "--top",
        "--name",
        "Printing",
        "--validity",
        "invalid",
    ]);
    assert_eq!(moved["path"], "Printing");
    assert_eq!(moved["validity"], "invalid");
    d.run(&["kb", "category", "delete", &id]).success();
    assert_eq!(
        paths(&d.json(&["kb", "category", "list"])),
        ["Misc", "Printing"]
    );
}

#[test]
fn articles_are_written_found_approved_attached_linked_and_deleted() {
    let d = Desk::new();
    d.agent("lisa", &[]);
    // An agent without the users group sees no Misc article.
    d.cmd()
        .args([
            "agent",
            "add",
            "nogroup",
            "--first-name",
            "No",
            "--last-name",
            "Group",
            "--email",
            "nogroup@example.com",
            "--group",
            "stats=ro",
            "--password-stdin",
        ])
        .write_stdin("a-long-enough-password\n")
        .assert()
        .success();
    let misc = d.json(&["kb", "category", "list"])["items"][0]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    let file = d.dir.path().join("steps.txt");
    std::fs::write(&file, "1. Restart.\n").unwrap();
    let created = d.json(&[
        "--as",
        "lisa",
        "kb",
        "article",
        "create",
        "--category",
        &misc,
        "--title",
        "VPN drops every hour",
        "--state",
        "external",
        "--keywords",
        "vpn network",
        "--symptom",
        "The tunnel closes.",
        "--solution",
        "Update the client.",
        "--comment",
        "Vendor case 7781",
        "--content-type",
        "plain",
        "--attach",
        file.to_str().unwrap(),
    ]);
    let number = created["number"].as_str().unwrap().to_owned();
    assert_eq!(number, format!("1000{}", created["id"]));
    assert_eq!(created["state"], "external");
    assert_eq!(created["comment"], "Vendor case 7781");
    assert_eq!(created["content_type"], "text/plain");
    assert_eq!(created["language"], "en");
    assert_eq!(created["attachments"][0]["filename"], "steps.txt");

    // Found by number, by FAQ#number, by id; listed with filters.
    let shown = d.json(&[
        "kb",
        "article",
        "show",
        &format!("FAQ#{number}"),
        "--history",
    ]);
    assert_eq!(shown["title"], "VPN drops every hour");
    assert_eq!(shown["history"][0]["action"], "Created");
    let id = created["id"].as_u64().unwrap().to_string();
    assert_eq!(d.json(&["kb", "article", "show", &id])["number"], number);
    let text = d
        .run(&["kb", "article", "show", &number])
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(text).unwrap();
    assert!(
        text.contains("Update the client.") && text.contains("steps.txt"),
        "{text}"
    );
    let found = d.json(&[
        "kb", "article", "list", "--text", "vpn", "--state", "external",
    ]);
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["number"], number);
    assert_eq!(
        d.json(&["kb", "article", "list", "--state", "public"])["total"],
        0
    );

    // Refusals change nothing.
    d.run(&[
        "kb",
        "article",
        "create",
        "--category",
        &misc,
        "--title",
        "X",
        "--state",
        "secret",
    ])
    .code(2);
    d.run(&[
        "kb",
        "article",
        "create",
        "--category",
        "999",
        "--title",
        "X",
    ])
    .code(1);
    d.run(&[
        "kb",
        "article",
        "create",
        "--category",
        &misc,
        "--title",
        "",
        "--language",
        "en",
    ])
    .code(1);
    d.run(&[
        "kb",
        "article",
        "create",
        "--category",
        &misc,
        "--title",
        "X",
        "--language",
        "xx",
    ])
    .code(1);
    d.run(&[
        "--as", "nogroup", "kb", "article", "update", &number, "--title", "Mine",
    ])
    .code(1);
    d.run(&["kb", "article", "update", &number]).code(2);
    d.run(&["kb", "article", "show", "abc"]).code(2);
    d.run(&["kb", "article", "show", "1000999"]).code(1);
    d.run(&["--as", "nogroup", "kb", "article", "show", &number])
        .code(1);
    assert_eq!(d.json(&["kb", "article", "list"])["total"], 1);
    let same = d.json(&["kb", "article", "show", &number]);
    assert_eq!(same["version"], created["version"]);

    // Update, approve, attach, remove a file.
    let updated = d.json(&[
        "kb",
        "article",
        "update",
        &number,
        "--title",
        "VPN drops hourly",
        "--state",
        "public",
    ]);
    assert_eq!(updated["title"], "VPN drops hourly");
    assert_eq!(updated["state"], "public");
    let approved = d.json(&["kb", "article", "approve", &number, "--withdraw"]);
    assert_eq!(approved["approved"], false);
    let approved = d.json(&["--as", "lisa", "kb", "article", "approve", &number]);
    assert_eq!(approved["approved"], true);
    let more = d.dir.path().join("more.txt");
    std::fs::write(&more, "more").unwrap();
    let attached = d.json(&["kb", "article", "attach", &number, more.to_str().unwrap()]);
    assert_eq!(attached["attachments"].as_array().unwrap().len(), 2);
    let file_id = attached["attachments"][1]["id"]
        .as_u64()
        .unwrap()
        .to_string();
    d.run(&["kb", "article", "attach", &number]).code(2);
    d.run(&["kb", "article", "attach", &number, "/no/such/file"])
        .code(1);
    let removed = d.json(&["kb", "article", "attach", &number, "--remove", &file_id]);
    assert_eq!(removed["attachments"].as_array().unwrap().len(), 1);
    d.run(&["kb", "article", "attach", &number, "--remove", &file_id])
        .code(1);

    // Links to a ticket and another article, and unlinking.
    let ticket = d.json(&[
        "ticket", "create", "--title", "VPN down", "--queue", "Misc", "--body", "Help", "--kind",
        "note",
    ]);
    let ticket_number = ticket["number"].as_str().unwrap();
    let link = d.json(&["kb", "article", "link", &number, "--ticket", ticket_number]);
    assert_eq!(link["source"]["kind"], "kb_article");
    assert_eq!(link["target"]["kind"], "ticket");
    let other = d.json(&[
        "kb",
        "article",
        "create",
        "--category",
        &misc,
        "--title",
        "VPN client versions",
    ]);
    let other_number = other["number"].as_str().unwrap();
    d.json(&[
        "kb",
        "article",
        "link",
        &number,
        "--article",
        other_number,
        "--type",
        "parent-child",
    ]);
    d.run(&["kb", "article", "link", &number, "--ticket", ticket_number])
        .code(1);
    d.run(&["kb", "article", "link", &number]).code(2);
    let shown = d
        .run(&["kb", "article", "show", &number])
        .success()
        .get_output()
        .stdout
        .clone();
    let shown = String::from_utf8(shown).unwrap();
    assert!(
        shown.contains(&format!("ticket {} (Normal)", ticket["id"])),
        "{shown}"
    );
    assert!(shown.contains("(ParentChild)"), "{shown}");
    let history = d.json(&["ticket", "history", ticket_number]);
    assert!(
        history["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["type"] == "TicketLinkAdd"),
        "{history}"
    );
    d.json(&[
        "kb",
        "article",
        "unlink",
        &number,
        "--ticket",
        ticket_number,
    ]);
    d.run(&[
        "kb",
        "article",
        "unlink",
        &number,
        "--ticket",
        ticket_number,
    ])
    .code(1);
    let shown = d.json(&["kb", "article", "show", &number, "--history"]);
    let actions: Vec<&str> = shown["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    for action in [
        "Updated",
        "ApprovalChanged",
        "AttachmentAdded",
        "AttachmentRemoved",
        "LinkAdded",
        "LinkRemoved",
    ] {
        assert!(actions.contains(&action), "{action}: {actions:?}");
    }

    // Delete: refused for an agent without rw, then gone.
    d.run(&["--as", "nogroup", "kb", "article", "delete", &number])
        .code(1);
    d.json(&["kb", "article", "delete", &number]);
    d.run(&["kb", "article", "show", &number]).code(1);
    assert_eq!(d.json(&["kb", "article", "list"])["total"], 1);
}
