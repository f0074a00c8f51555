//! `otrs stats`: list, run in every format, export and import.

use predicates::str::contains;

use crate::support::Desk;

#[test]
fn stats_list_run_export_import() {
    let desk = Desk::new();
    desk.agent("alice", &[]);
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
    let list = desk.json(&["stats", "list"]);
    assert_eq!(list["total"], 11);
    assert_eq!(list["items"][8]["number"], 10009);
    assert_eq!(list["items"][8]["type"], "Matrix");

    // The overview as JSON: Misc has three tickets, the sum column says so.
    let table = desk.json(&["stats", "run", "10009"]);
    let misc = table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "Misc")
        .unwrap();
    assert_eq!(misc.as_array().unwrap().last().unwrap(), 3);
    desk.run(&["stats", "run", "10009"])
        .success()
        .stdout(contains("Postmaster"));

    // CSV to standard output starts with a byte-order mark.
    let output = desk
        .cmd()
        .args(["stats", "run", "10009", "--format", "csv"])
        .output()
        .unwrap();
    assert!(output.status.success());
    assert_eq!(&output.stdout[..3], [0xEF, 0xBB, 0xBF]);
    assert!(String::from_utf8_lossy(&output.stdout).contains("Misc,0,0,0,3,"));

    // Excel and PDF need a file.
    desk.run(&["stats", "run", "10009", "--format", "pdf"])
        .code(2)
        .stderr(contains("--output"));
    let formats: &[(&str, &[u8])] = if pdf_font_installed() {
        &[("xlsx", b"PK"), ("pdf", b"%PDF")]
    } else {
        &[("xlsx", b"PK")]
    };
    for &(format, magic) in formats {
        let path = desk.dir.path().join(format!("overview.{format}"));
        desk.run(&[
            "stats",
            "run",
            "10009",
            "--format",
            format,
            "--output",
            path.to_str().unwrap(),
        ])
        .success();
        assert!(std::fs::read(&path).unwrap().starts_with(magic), "{format}");
    }

    // The monthly static statistic takes a month; a bad one is a usage error.
    desk.run(&["stats", "run", "10011", "--month", "2026-13"])
        .code(2);
    let changes = desk.json(&["stats", "run", "10011", "--month", "2026-02"]);
    assert_eq!(changes["headers"].as_array().unwrap().len(), 1 + 28 + 1);

    // Export to a file and import it again as a new statistic.
    let xml = desk.dir.path().join("10002.xml");
    desk.run(&[
        "stats",
        "export",
        "10002",
        "--output",
        xml.to_str().unwrap(),
    ])
    .success();
    let imported = desk.json(&["stats", "import", xml.to_str().unwrap()]);
    assert_eq!(imported["number"], 10012);
    assert_eq!(imported["title"], "New Tickets");
    // A broken file names the problem and changes nothing.
    std::fs::write(&xml, "<otrs-stat format=\"1\"><title>x</title></otrs-stat>").unwrap();
    desk.run(&["stats", "import", xml.to_str().unwrap()])
        .code(1)
        .stderr(contains("xml"));
    assert_eq!(desk.json(&["stats", "list"])["total"], 12);

    // An agent outside the stats group sees no statistics.
    desk.run(&["--as", "alice", "stats", "list"])
        .code(1)
        .stderr(contains("stats group"));
    desk.run(&["stats", "run", "99999"])
        .code(1)
        .stderr(contains("not found"));
}

/// Whether the PDF font (Debian's fonts-dejavu-core) is installed; when it is not, the PDF part
/// is skipped loudly (a failure under `OTRS_TEST_REQUIRE_ALL=1`, as in CI, which installs it).
fn pdf_font_installed() -> bool {
    let found = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ]
    .iter()
    .any(|p| std::path::Path::new(p).exists());
    if !found {
        crate::support::skip("otrs-cli stats PDF output (fonts-dejavu-core is missing)");
    }
    found
}

// --- statsui
#[test]
fn stats_run_set_changes_elements_that_allow_it() {
    let desk = Desk::new();
    for (i, queue) in ["Misc", "Misc", "Raw", "Junk"].iter().enumerate() {
        desk.run(&[
            "ticket",
            "create",
            "--title",
            &format!("ticket {i}"),
            "--queue",
            queue,
            "--body",
            "body",
        ])
        .success();
    }
    // 10009's Y axis (queue) allows changes: only the two queues asked for are rows.
    let table = desk.json(&["stats", "run", "10009", "--set", "queue=Raw,Junk"]);
    let rows = table["rows"].as_array().unwrap();
    let labels: Vec<&str> = rows.iter().map(|r| r[0].as_str().unwrap()).collect();
    assert_eq!(labels, ["Raw", "Junk", "Sum"]);
    assert_eq!(rows[2].as_array().unwrap().last().unwrap(), 2);
    // Two changes at once: the state axis (X) as well.
    let table = desk.json(&[
        "stats",
        "run",
        "10009",
        "--set",
        "queue=Misc",
        "--set",
        "state=open",
    ]);
    assert_eq!(
        table["headers"],
        serde_json::json!(["Queue", "open", "Sum"])
    );
    assert_eq!(table["rows"][0], serde_json::json!(["Misc", 2, 2]));
    // A time element: the period of 10002 with a weekly scale.
    let table = desk.json(&[
        "stats",
        "run",
        "10002",
        "--set",
        "created=last:3:month@month",
    ]);
    assert_eq!(table["headers"].as_array().unwrap().len(), 1 + 3 + 1);
    // An element the statistic does not have, a bad value and a bad syntax name the problem.
    desk.run(&["stats", "run", "10009", "--set", "priority=3"])
        .code(1)
        .stderr(contains("has no priority element"));
    desk.run(&["stats", "run", "10009", "--set", "queue=Nope"])
        .code(1)
        .stderr(contains("no queue is named \"Nope\""));
    desk.run(&["stats", "run", "10009", "--set", "queue"])
        .code(1)
        .stderr(contains("ELEMENT=VALUES"));
    desk.run(&["stats", "run", "10002", "--set", "created=last:3:moon"])
        .code(1)
        .stderr(contains("not a unit"));
}
