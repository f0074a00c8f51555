//! Configuration: defaults, then `otrs.toml` (in the data directory, or `--config FILE`), then
//! `OTRS_…` environment variables, where `__` separates nested keys (`OTRS_SMTP__HOST=relay`).
//!
//! Only the binary reads configuration; the libraries receive plain values.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Every setting, with its default.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address the server listens on.
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://…`; empty means SQLite in the data directory.
    pub database_url: Secret,
    /// The public address of the web interface, used in e-mailed links.
    pub base_url: String,
    /// The SystemID inside ticket numbers (1–99).
    pub system_id: u32,
    /// The system time zone (IANA name); "today" for ticket numbers.
    pub time_zone: String,
    /// SQLite settings.
    pub sqlite: SqliteConfig,
    /// Outgoing e-mail.
    pub smtp: SmtpConfig,
    /// Password rules for agents.
    pub agent_password: PasswordPolicyConfig,
    /// Password rules for customer users.
    pub customer_password: PasswordPolicyConfig,
    /// Sign-in and sessions.
    pub sessions: SessionConfig,
    /// Size limits.
    pub limits: LimitsConfig,
    /// The background scheduler.
    pub jobs: JobsConfig,
    /// The knowledge base (`[kb]`).
    pub kb: KbConfig,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: Secret::default(),
            base_url: "http://127.0.0.1:8080".into(),
            system_id: 10,
            time_zone: "UTC".into(),
            sqlite: SqliteConfig::default(),
            smtp: SmtpConfig::default(),
            agent_password: PasswordPolicyConfig::agents(),
            customer_password: PasswordPolicyConfig::customers(),
            sessions: SessionConfig::default(),
            limits: LimitsConfig::default(),
            jobs: JobsConfig::default(),
            kb: KbConfig::default(),
        }
    }
}

/// SQLite settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SqliteConfig {
    /// `full` (default: an acknowledged write survives a power cut) or `normal` (faster; survives
    /// a crash of the program but may lose the last writes on a power cut).
    pub synchronous: Synchronous,
}

impl Default for SqliteConfig {
    fn default() -> Self {
        SqliteConfig {
            synchronous: Synchronous::Full,
        }
    }
}

/// SQLite's `synchronous` pragma.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Synchronous {
    /// `FULL`.
    Full,
    /// `NORMAL`.
    Normal,
}

/// Outgoing e-mail through an SMTP relay.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmtpConfig {
    /// Relay host; empty disables sending (messages wait in the outbox).
    pub host: String,
    /// Relay port.
    pub port: u16,
    /// User name, if the relay needs one.
    pub username: String,
    /// Password, if the relay needs one.
    pub password: Secret,
    /// Sender address of system mail.
    pub from: String,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        SmtpConfig {
            host: String::new(),
            port: 25,
            username: String::new(),
            password: Secret::default(),
            from: "otrs@localhost".into(),
        }
    }
}

/// Password rules.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicyConfig {
    /// Minimum length in characters.
    pub min_length: usize,
    /// Minimum upper-case letters.
    pub min_uppercase: usize,
    /// Minimum lower-case letters.
    pub min_lowercase: usize,
    /// Minimum digits.
    pub min_digits: usize,
}

impl PasswordPolicyConfig {
    /// Agents: at least 12 characters.
    pub fn agents() -> Self {
        PasswordPolicyConfig {
            min_length: 12,
            min_uppercase: 0,
            min_lowercase: 0,
            min_digits: 0,
        }
    }

    /// Customer users: at least 8 characters with 2 upper-case, 2 lower-case letters and a digit.
    pub fn customers() -> Self {
        PasswordPolicyConfig {
            min_length: 8,
            min_uppercase: 2,
            min_lowercase: 2,
            min_digits: 1,
        }
    }
}

impl Default for PasswordPolicyConfig {
    fn default() -> Self {
        PasswordPolicyConfig::agents()
    }
}

/// Sign-in and session settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionConfig {
    /// A session ends after this many minutes without a request.
    pub idle_timeout_minutes: u32,
    /// A session ends this many hours after sign-in.
    pub max_age_hours: u32,
    /// Failed sign-ins before the account is locked until an admin clears it (0 = never).
    pub max_failed_logins: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            idle_timeout_minutes: 120,
            max_age_hours: 16,
            max_failed_logins: 5,
        }
    }
}

/// The longest `limits.form_upload_ttl_hours` (a year).
pub const MAX_FORM_UPLOAD_TTL_HOURS: u64 = 24 * 366;

/// Size limits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Largest attachment, in bytes.
    pub max_attachment_bytes: u64,
    /// Largest request body, in bytes (uploads included).
    pub max_request_bytes: u64,
    /// Largest e-mail source kept with a received article, in bytes.
    pub max_source_bytes: u64,
    /// The most bytes the files kept for one form being filled in may hold together.
    pub max_form_upload_bytes: u64,
    /// How long files kept for a form being filled in are kept, in hours.
    pub form_upload_ttl_hours: u64,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        LimitsConfig {
            max_attachment_bytes: 20 * 1024 * 1024,
            max_request_bytes: 50 * 1024 * 1024,
            max_source_bytes: 16 * 1024 * 1024,
            max_form_upload_bytes: 3 * 1024 * 1024,
            form_upload_ttl_hours: 24,
        }
    }
}

/// The background scheduler (`[jobs]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct JobsConfig {
    /// Run the job worker in `otrs serve`.
    pub enabled: bool,
    /// How often the worker looks for due jobs, in milliseconds.
    pub poll_interval_ms: u64,
    /// How long a claimed job stays reserved for its worker, in seconds.
    pub lease_seconds: u64,
    /// The wait after a job's first failure, in seconds (doubling per attempt).
    pub retry_base_seconds: u64,
    /// The longest wait between attempts, in seconds.
    pub retry_max_seconds: u64,
    /// How long a stopping server waits for its running job before giving it back, in seconds.
    pub shutdown_grace_seconds: u64,
    /// Finished jobs are deleted after this many days.
    pub keep_finished_days: u32,
    /// The worker's name in leases (empty: host name and process id).
    pub worker_id: String,
    /// Registers the `test.effect` job kind (only for testing the scheduler).
    pub test_kinds: bool,
    // --- calui
    /// Only with `test_kinds`: every job waits this many milliseconds before and again after
    /// its handler, so that tests can kill a server in the middle of a job.
    pub test_job_delay_ms: u64,
}

impl Default for JobsConfig {
    fn default() -> Self {
        JobsConfig {
            enabled: true,
            poll_interval_ms: 2000,
            lease_seconds: 300,
            retry_base_seconds: 30,
            retry_max_seconds: 3600,
            shutdown_grace_seconds: 20,
            keep_finished_days: 30,
            worker_id: String::new(),
            test_kinds: false,
            // --- calui
            test_job_delay_ms: 0,
        }
    }
}

/// The knowledge base (`[kb]`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KbConfig {
    /// Articles need an approval (by an agent with `rw` on the `users` group) before customer
    /// users and visitors see them.
    pub approval_required: bool,
    /// The language codes articles may be written in; the first is the default. A list, or one
    /// comma-separated string (`OTRS_KB__LANGUAGES=en,de,fr`).
    #[serde(deserialize_with = "list_or_commas")]
    pub languages: Vec<String>,
}

impl Default for KbConfig {
    fn default() -> Self {
        KbConfig {
            approval_required: false,
            languages: vec!["en".into(), "de".into()],
        }
    }
}

/// The longest language code in `kb.languages` (e.g. `pt_BR`, `zh-Hant`).
const MAX_LANGUAGE_CODE_CHARS: usize = 16;

impl KbConfig {
    fn check(&self) -> Result<(), String> {
        if self.languages.is_empty() {
            return Err("kb.languages needs at least one language code".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for code in &self.languages {
            let well_formed = !code.is_empty()
                && code.chars().count() <= MAX_LANGUAGE_CODE_CHARS
                && code.starts_with(|c: char| c.is_ascii_alphabetic())
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !well_formed {
                return Err(format!(
                    "kb.languages: {code:?} is not a language code like \"en\" or \"pt_BR\""
                ));
            }
            if !seen.insert(code.to_ascii_lowercase()) {
                return Err(format!("kb.languages names {code:?} twice"));
            }
        }
        Ok(())
    }
}

/// A list of strings, or one string of comma-separated items (as environment variables give it).
fn list_or_commas<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Items {
        List(Vec<String>),
        Commas(String),
    }
    let items = match Items::deserialize(d)? {
        Items::List(items) => items,
        Items::Commas(text) => text.split(',').map(str::to_owned).collect(),
    };
    Ok(items.into_iter().map(|i| i.trim().to_owned()).collect())
}

/// A string that never shows in `Debug` output or logs.
#[derive(Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// A secret from a string.
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("\"\"")
        } else {
            f.write_str("\"[redacted]\"")
        }
    }
}

/// Why the configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file or an environment variable holds a bad value.
    #[error("invalid configuration in {origin}: {message}")]
    Invalid {
        /// The file or variable.
        origin: String,
        /// What is wrong.
        message: String,
    },
}

/// Environment variables that belong to the tests or the logger, not to the configuration.
const NOT_CONFIG: [&str; 3] = ["OTRS_TEST_", "OTRS_LOG", "OTRS_DATA_DIR"];

impl Config {
    /// Reads the configuration: defaults, the file if it exists (a missing file is fine unless it
    /// was named explicitly), then the environment.
    pub fn load(
        file: &Path,
        must_exist: bool,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let mut table = match std::fs::read_to_string(file) {
            Ok(text) => text
                .parse::<toml::Table>()
                .map_err(|e| ConfigError::Invalid {
                    origin: file.display().to_string(),
                    message: e.to_string(),
                })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !must_exist => toml::Table::new(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: file.to_owned(),
                    source,
                });
            }
        };
        let mut origins = vec![file.display().to_string()];
        for (name, value) in env {
            let Some(key) = name.strip_prefix("OTRS_") else {
                continue;
            };
            if NOT_CONFIG.iter().any(|p| name.starts_with(p)) || key.is_empty() {
                continue;
            }
            let path: Vec<String> = key.split("__").map(str::to_lowercase).collect();
            set_path(&mut table, &path, parse_scalar(&value)).map_err(|message| {
                ConfigError::Invalid {
                    origin: name.clone(),
                    message,
                }
            })?;
            origins.push(name);
        }
        let config: Config =
            toml::Value::Table(table)
                .try_into()
                .map_err(|e: toml::de::Error| ConfigError::Invalid {
                    origin: origins.join(", "),
                    message: e.message().to_owned(),
                })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks values that parse but make no sense.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |message: String| {
            Err(ConfigError::Invalid {
                origin: "configuration".into(),
                message,
            })
        };
        if !(1..=99).contains(&self.system_id) {
            return invalid(format!(
                "system_id must be between 1 and 99, not {}",
                self.system_id
            ));
        }
        if self.time_zone.parse::<chrono_tz::Tz>().is_err() {
            return invalid(format!(
                "time_zone {:?} is not an IANA time zone name",
                self.time_zone
            ));
        }
        if self.sessions.idle_timeout_minutes == 0 || self.sessions.max_age_hours == 0 {
            return invalid("session timeouts must be greater than zero".into());
        }
        if self.jobs.poll_interval_ms == 0 || self.jobs.lease_seconds == 0 {
            return invalid(
                "jobs.poll_interval_ms and jobs.lease_seconds must be greater than zero".into(),
            );
        }
        if self.jobs.retry_base_seconds > self.jobs.retry_max_seconds {
            return invalid(format!(
                "jobs.retry_base_seconds ({}) must not exceed jobs.retry_max_seconds ({})",
                self.jobs.retry_base_seconds, self.jobs.retry_max_seconds
            ));
        }
        // Checked so that the desk's durations cannot overflow.
        if !(1..=MAX_FORM_UPLOAD_TTL_HOURS).contains(&self.limits.form_upload_ttl_hours) {
            return invalid(format!(
                "limits.form_upload_ttl_hours must be between 1 and {MAX_FORM_UPLOAD_TTL_HOURS}, not {}",
                self.limits.form_upload_ttl_hours
            ));
        }
        self.kb.check().map_err(|message| ConfigError::Invalid {
            origin: "configuration".into(),
            message,
        })?;
        let url = self.database_url.expose();
        if !url.is_empty()
            && !url.starts_with("sqlite:")
            && !url.starts_with("postgres://")
            && !url.starts_with("postgresql://")
        {
            return invalid(
                "database_url must start with sqlite:, postgres:// or postgresql://".into(),
            );
        }
        Ok(())
    }

    /// The time zone as a value.
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Tz::UTC)
    }
}

/// Environment values are typed like TOML scalars when they parse as one (numbers, booleans),
/// else taken as strings.
fn parse_scalar(text: &str) -> toml::Value {
    if let Ok(n) = text.parse::<i64>() {
        return toml::Value::Integer(n);
    }
    match text {
        "true" => toml::Value::Boolean(true),
        "false" => toml::Value::Boolean(false),
        _ => toml::Value::String(text.to_owned()),
    }
}

fn set_path(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    match path {
        [] => Err("empty key".into()),
        [last] => {
            table.insert(last.clone(), value);
            Ok(())
        }
        [first, rest @ ..] => {
            let entry = table
                .entry(first.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(inner) => set_path(inner, rest, value),
                _ => Err(format!("{first} is not a section")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn defaults_then_file_then_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("otrs.toml");
        std::fs::write(
            &file,
            "listen = \"0.0.0.0:9000\"\nsystem_id = 12\n[smtp]\nhost = \"mail.example.com\"\n",
        )
        .unwrap();
        let config = Config::load(
            &file,
            true,
            env(&[
                ("OTRS_SMTP__PORT", "2525"),
                ("OTRS_SYSTEM_ID", "13"),
                ("OTRS_TEST_POSTGRES_URL", "x"),
                ("PATH", "/bin"),
            ]),
        )
        .unwrap();
        assert_eq!(config.listen.to_string(), "0.0.0.0:9000");
        assert_eq!(config.system_id, 13, "the environment wins over the file");
        assert_eq!(config.smtp.host, "mail.example.com");
        assert_eq!(config.smtp.port, 2525);
        assert_eq!(config.agent_password.min_length, 12);
        assert_eq!(config.customer_password.min_uppercase, 2);
    }

    #[test]
    fn a_missing_file_is_fine_unless_named() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("absent.toml");
        assert_eq!(
            Config::load(&file, false, env(&[])).unwrap(),
            Config::default()
        );
        assert!(matches!(
            Config::load(&file, true, env(&[])),
            Err(ConfigError::Read { .. })
        ));
    }

    #[test]
    fn bad_values_name_their_origin() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("otrs.toml");
        std::fs::write(&file, "lissen = \"x\"\n").unwrap();
        let err = Config::load(&file, true, env(&[])).unwrap_err().to_string();
        assert!(err.contains("lissen"), "{err}");
        let err = Config::load(
            &dir.path().join("none"),
            false,
            env(&[("OTRS_SYSTEM_ID", "100")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("system_id"), "{err}");
        let err = Config::load(
            &dir.path().join("none"),
            false,
            env(&[("OTRS_TIME_ZONE", "Mars/Base")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("Mars/Base"), "{err}");
        let err = Config::load(
            &dir.path().join("none"),
            false,
            env(&[("OTRS_SQLITE__SYNCHRONOUS", "sometimes")]),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("OTRS_SQLITE__SYNCHRONOUS"), "{err}");
        for hours in ["0", "1000000000000000"] {
            let err = Config::load(
                &dir.path().join("none"),
                false,
                env(&[("OTRS_LIMITS__FORM_UPLOAD_TTL_HOURS", hours)]),
            )
            .unwrap_err()
            .to_string();
            assert!(err.contains("form_upload_ttl_hours"), "{err}");
        }
    }

    #[test]
    fn the_knowledge_base_section_is_read_from_file_and_environment() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("otrs.toml");
        std::fs::write(
            &file,
            "[kb]\napproval_required = true\nlanguages = [\"de\", \"en\", \"pt_BR\"]\n",
        )
        .unwrap();
        let config = Config::load(&file, true, env(&[])).unwrap();
        assert!(config.kb.approval_required);
        assert_eq!(config.kb.languages, ["de", "en", "pt_BR"]);
        let config = Config::load(
            &dir.path().join("none"),
            false,
            env(&[
                ("OTRS_KB__LANGUAGES", "fr, it"),
                ("OTRS_KB__APPROVAL_REQUIRED", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(config.kb.languages, ["fr", "it"]);
        assert!(config.kb.approval_required);
        assert_eq!(Config::default().kb, KbConfig::default());
        assert!(!KbConfig::default().approval_required);
    }

    #[test]
    fn bad_knowledge_base_languages_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("otrs.toml");
        for (toml, needle) in [
            ("[kb]\nlanguages = []\n", "at least one"),
            ("[kb]\nlanguages = [\"en\", \"EN\"]\n", "twice"),
            ("[kb]\nlanguages = [\"e n\"]\n", "\"e n\""),
            ("[kb]\nlanguages = [\"\"]\n", "kb.languages"),
            ("[kb]\napproval = true\n", "approval"),
        ] {
            std::fs::write(&file, toml).unwrap();
            let err = Config::load(&file, true, env(&[])).unwrap_err().to_string();
            assert!(err.contains(needle), "{toml}: {err}");
        }
    }

    #[test]
    fn secrets_do_not_leak_into_debug_output() {
        let config = Config {
            smtp: SmtpConfig {
                password: Secret::new("hunter2"),
                ..Default::default()
            },
            ..Default::default()
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
