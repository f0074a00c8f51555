//! Exit codes and messages for bad input.

use predicates::str::contains;

use crate::support::{Desk, otrs};

#[test]
fn a_missing_data_directory_is_refused_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nowhere");
    otrs(&missing)
        .args(["ticket", "list"])
        .assert()
        .code(1)
        .stderr(contains("does not exist"))
        .stderr(contains("otrs migrate"));
    assert!(
        !missing.exists(),
        "only serve and migrate create the data directory"
    );
    otrs(&missing)
        .args(["--json", "queue", "list"])
        .assert()
        .code(1)
        .stderr(contains("\"code\":\"no-data-dir\""));
}

#[test]
fn usage_errors_exit_with_2_and_runtime_errors_with_1() {
    let desk = Desk::new();
    desk.run(&["ticket", "lok", "1"])
        .code(2)
        .stderr(contains("unrecognized subcommand"));
    desk.run(&["ticket", "list", "--per-page", "many"]).code(2);
    desk.run(&["ticket", "list", "--per-page", "500"])
        .code(2)
        .stderr(contains("per-page"));
    desk.run(&["ticket", "list", "--sort=-colour"])
        .code(2)
        .stderr(contains("sort key"));
    desk.run(&["ticket", "show", "abc"])
        .code(2)
        .stderr(contains("not a ticket number"));
    desk.run(&["ticket", "show", "2020032510000409"])
        .code(1)
        .stderr(contains("not found"));
    desk.run(&["ticket", "show", "42"])
        .code(1)
        .stderr(contains("ticket 42 not found"));
    desk.run(&["search", "title:("])
        .code(1)
        .stderr(contains("column"));
    desk.run(&["ticket", "list", "-q", "\"unclosed"])
        .code(1)
        .stderr(contains("unclosed quote"));
    desk.run(&["queue", "add", "Misc", "--group", "users"])
        .code(1)
        .stderr(contains("already exists"));
    desk.run(&["queue", "add", "New", "--group", "nosuchgroup"])
        .code(1)
        .stderr(contains("group nosuchgroup not found"));
    desk.run(&["--as", "ghost", "ticket", "list"])
        .code(1)
        .stderr(contains("agent ghost not found"));
    desk.cmd()
        .args([
            "agent",
            "add",
            "x",
            "--first-name",
            "X",
            "--last-name",
            "Y",
            "--email",
            "x@example.com",
            "--password-stdin",
        ])
        .write_stdin("short\n")
        .assert()
        .code(1)
        .stderr(contains("password"));
    desk.run(&["agent", "show", "x"]).code(1);
}

#[test]
fn a_bad_configuration_names_the_key() {
    let desk = Desk::new();
    std::fs::write(desk.data().join("otrs.toml"), "system_id = 500\n").unwrap();
    desk.run(&["queue", "list"])
        .code(1)
        .stderr(contains("system_id"));
    std::fs::write(desk.data().join("otrs.toml"), "lissen = 1\n").unwrap();
    desk.run(&["queue", "list"])
        .code(1)
        .stderr(contains("lissen"));
    desk.run(&["--config", "/nonexistent/otrs.toml", "queue", "list"])
        .code(1)
        .stderr(contains("/nonexistent/otrs.toml"));
}

#[test]
fn a_database_that_cannot_be_opened_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(data.join("otrs.db")).unwrap();
    otrs(&data)
        .args(["queue", "list"])
        .assert()
        .code(1)
        .stderr(contains("error"));
    otrs(&data)
        .args(["--database-url", "mysql://x"])
        .args(["queue", "list"])
        .assert()
        .code(1)
        .stderr(contains("database_url"));
}

#[test]
fn a_read_only_data_directory_is_a_clear_error() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
    let writable_anyway = std::fs::write(data.join("probe"), b"x").is_ok();
    if writable_anyway {
        // Running as root: permission bits do not stop root, so a read-only file system is
        // emulated by a database path that cannot be a file.
        std::fs::remove_file(data.join("probe")).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::create_dir_all(data.join("otrs.db")).unwrap();
    }
    otrs(&data)
        .args(["ticket", "list"])
        .assert()
        .code(1)
        .stderr(contains("error:"));
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn help_is_helpful_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    otrs(dir.path())
        .arg("--help")
        .assert()
        .success()
        .stdout(contains("Exit codes"));
    otrs(dir.path())
        .args(["ticket", "create", "--help"])
        .assert()
        .success()
        .stdout(contains("--customer-user"));
    otrs(dir.path()).arg("--version").assert().success();
}
