//! The server's settings, built by the binary from `otrs.toml` and passed in as plain values.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration as StdDuration;

use chrono::Duration;
use otrs_core::desk::SessionTimeouts;
use otrs_core::rules::password::AuthPolicy;

/// Everything the HTTP layer needs to know, fixed at start-up.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Where [`crate::serve`]'s caller binds (informational; the caller passes the listener).
    pub listen: SocketAddr,
    /// The public base URL (e.g. `https://desk.example.com`), for links in e-mails; cookies are
    /// marked `Secure` when it starts with `https://`.
    pub base_url: String,
    /// Product name shown on pages and used as the TOTP issuer.
    pub product_name: String,
    /// Password policies and the failed-sign-in limit.
    pub auth: AuthPolicy,
    /// Session idle and absolute timeouts (2 h / 16 h by default).
    pub sessions: SessionTimeouts,
    /// Every account must set up a second factor before it may do anything else.
    pub require_two_factor: bool,
    /// The cost of new password hashes.
    pub password_hashing: HashCost,
    /// Largest request body in bytes (JSON with base64 attachments included).
    pub max_body_bytes: usize,
    /// Most rows on one page of a list (`per_page` above it is refused).
    pub max_per_page: u32,
    /// Most hits taken from the search index before permission filtering.
    pub search_limit: usize,
    /// How long an e-mailed sign-in code stays valid.
    pub email_code_ttl: Duration,
    /// How long a password-reset link stays valid.
    pub reset_token_ttl: Duration,
    /// Outgoing e-mail; `None` disables sending (messages stay queued, codes cannot be mailed).
    pub smtp: Option<SmtpConfig>,
    /// The sender address of the server's own e-mails (codes, resets).
    pub mail_from: String,
    /// How often the outbox is delivered when nothing wakes the worker earlier.
    pub outbox_interval: StdDuration,
    /// How many outbox messages one delivery round takes.
    pub outbox_batch: u32,
    /// The background scheduler.
    pub jobs: crate::jobs::JobsConfig,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            base_url: "http://localhost:8080".into(),
            product_name: "OTRS".into(),
            auth: AuthPolicy::default(),
            sessions: SessionTimeouts::default(),
            require_two_factor: false,
            password_hashing: HashCost::default(),
            max_body_bytes: 32 * 1024 * 1024,
            max_per_page: 100,
            search_limit: 10_000,
            email_code_ttl: Duration::minutes(10),
            reset_token_ttl: Duration::hours(1),
            smtp: None,
            mail_from: "otrs@localhost".into(),
            outbox_interval: StdDuration::from_secs(5),
            outbox_batch: 50,
            jobs: crate::jobs::JobsConfig::default(),
        }
    }
}

impl HttpConfig {
    /// True when the base URL is `https://`.
    pub fn secure_cookies(&self) -> bool {
        self.base_url.starts_with("https://")
    }
}

/// Argon2id parameters for new hashes (existing hashes carry their own).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    /// Memory in KiB (OWASP's minimum for argon2id: 19 MiB).
    pub memory_kib: u32,
    /// Passes.
    pub iterations: u32,
    /// Lanes.
    pub parallelism: u32,
}

impl Default for HashCost {
    fn default() -> Self {
        HashCost {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
        }
    }
}

impl HashCost {
    /// The cheapest parameters argon2 accepts, for tests only.
    pub const TEST: HashCost = HashCost {
        memory_kib: 8,
        iterations: 1,
        parallelism: 1,
    };
}

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SmtpTls {
    /// Plain SMTP (a relay on the same host, or the tests' sink).
    #[default]
    None,
    /// STARTTLS, required (port 587 usually). Needs the `smtp-tls` feature.
    StartTls,
    /// TLS from the first byte (port 465 usually). Needs the `smtp-tls` feature.
    Tls,
}

/// An SMTP relay.
#[derive(Clone)]
pub struct SmtpConfig {
    /// Host name or address.
    pub host: String,
    /// Port: 465 means TLS from the first byte, 587 STARTTLS (both need the `smtp-tls`
    /// feature); any other port plain SMTP.
    pub port: u16,
    /// User for AUTH, if the relay needs one.
    pub username: Option<String>,
    /// Password for AUTH.
    pub password: Option<String>,
    /// Give up on a connection after this long.
    pub timeout: StdDuration,
}

impl SmtpConfig {
    /// The transport security the port asks for: 465 → TLS, 587 → STARTTLS, else none.
    pub fn tls(&self) -> SmtpTls {
        match self.port {
            465 => SmtpTls::Tls,
            587 => SmtpTls::StartTls,
            _ => SmtpTls::None,
        }
    }
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls())
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "[hidden]"))
            .field("timeout", &self.timeout)
            .finish()
    }
}
