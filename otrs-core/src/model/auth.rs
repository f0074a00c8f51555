//! Sign-in records kept in the store: sessions, API tokens and one-time tokens.
//!
//! Secrets never reach the store: sessions and tokens are looked up by a digest of the secret.

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, ApiTokenId};
use crate::model::Principal;

/// A signed-in browser session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Digest of the session secret (the cookie holds the secret).
    pub key_digest: String,
    /// Who is signed in.
    pub principal: Principal,
    /// The anti-CSRF token bound to this session.
    pub csrf_token: String,
    /// True until the second factor has been given.
    pub awaiting_second_factor: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// Remote address at sign-in.
    pub remote_addr: String,
}

/// An API token of an agent, for scripts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    /// Identity.
    pub id: ApiTokenId,
    /// The owner.
    pub agent_id: AgentId,
    /// A label chosen by the agent.
    pub name: String,
    /// SHA-256 digest of the secret, hex.
    pub digest: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Optional expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Set when revoked; a revoked token is refused at once.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// What a one-time token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OneTimeTokenPurpose {
    /// A password reset link.
    PasswordReset,
    /// A second-factor code sent by e-mail.
    EmailCode,
}

impl OneTimeTokenPurpose {
    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            OneTimeTokenPurpose::PasswordReset => "password_reset",
            OneTimeTokenPurpose::EmailCode => "email_code",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<OneTimeTokenPurpose> {
        match name {
            "password_reset" => Some(OneTimeTokenPurpose::PasswordReset),
            "email_code" => Some(OneTimeTokenPurpose::EmailCode),
            _ => None,
        }
    }
}

/// A single-use secret with an expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeToken {
    /// Digest of the secret.
    pub digest: String,
    /// Whose it is.
    pub principal: Principal,
    /// What it is for.
    pub purpose: OneTimeTokenPurpose,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Set once used.
    pub used_at: Option<DateTime<Utc>>,
}
