//! Running the binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

pub struct Desk {
    pub dir: tempfile::TempDir,
}

impl Desk {
    /// A migrated data directory.
    pub fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let desk = Desk { dir };
        desk.run(&["migrate"]).success();
        desk
    }

    pub fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn cmd(&self) -> Command {
        otrs(&self.data())
    }

    pub fn run(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        self.cmd().args(args).assert()
    }

    /// Runs with `--json` and parses standard output.
    pub fn json(&self, args: &[&str]) -> Value {
        let output = self.cmd().arg("--json").args(args).output().unwrap();
        assert!(
            output.status.success(),
            "otrs {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "otrs {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Adds an agent with rw on users and a password from stdin.
    pub fn agent(&self, login: &str, extra: &[&str]) {
        let mut args = vec![
            "agent",
            "add",
            login,
            "--first-name",
            "Test",
            "--last-name",
            "Agent",
            "--email",
        ];
        let email = format!("{login}@example.com");
        args.push(&email);
        args.extend(["--group", "users=rw", "--password-stdin"]);
        args.extend(extra);
        self.cmd()
            .args(&args)
            .write_stdin("a-long-enough-password\n")
            .assert()
            .success();
    }
}

/// The binary with a clean environment (no OTRS_ variables leaking in from the caller).
pub fn otrs(data: &Path) -> Command {
    let mut cmd = Command::cargo_bin("otrs").unwrap();
    for (key, _) in std::env::vars() {
        if key.starts_with("OTRS_") {
            cmd.env_remove(key);
        }
    }
    cmd.arg("--data-dir").arg(data);
    cmd
}

/// Records that a suite is skipped because something outside Rust is missing: a loud line on
/// stderr and a line in `OTRS_TEST_SKIP_LOG` (listed by `scripts/test`); under
/// `OTRS_TEST_REQUIRE_ALL=1` (CI) the test fails instead.
pub fn skip(what: &str) {
    assert!(
        !std::env::var("OTRS_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1"),
        "{what}, and OTRS_TEST_REQUIRE_ALL=1 forbids skipping"
    );
    eprintln!("!!!! SKIPPED {what} !!!!");
    if let Ok(log) = std::env::var("OTRS_TEST_SKIP_LOG") {
        use std::io::Write;
        if let Ok(mut file) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(log)
        {
            let _ = writeln!(file, "{what}");
        }
    }
}
