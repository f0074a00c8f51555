//! Password policy and the other sign-in rules, as plain values.
//!
//! The defaults follow the OTRS 8 manual: agents need at least 12 characters; customer users at
//! least 8 characters with 2 uppercase letters, 2 lowercase letters and 1 digit. An account is
//! switched to invalid-temporarily after 5 failed sign-ins in a row, until an admin clears it.
//! Hashing is the adapters' job; these rules only look at the clear text the adapter was given.

use crate::error::ValidationErrors;

/// What a new password must contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    /// Fewest characters.
    pub min_length: usize,
    /// Most characters (a cap against hashing huge inputs).
    pub max_length: usize,
    /// Fewest uppercase letters.
    pub min_uppercase: usize,
    /// Fewest lowercase letters.
    pub min_lowercase: usize,
    /// Fewest digits.
    pub min_digits: usize,
}

impl PasswordPolicy {
    /// The agents' default: at least 12 characters.
    pub const AGENT_DEFAULT: PasswordPolicy = PasswordPolicy {
        min_length: 12,
        max_length: 1024,
        min_uppercase: 0,
        min_lowercase: 0,
        min_digits: 0,
    };

    /// The customer users' default: at least 8 characters, 2 uppercase, 2 lowercase, 1 digit.
    pub const CUSTOMER_DEFAULT: PasswordPolicy = PasswordPolicy {
        min_length: 8,
        max_length: 1024,
        min_uppercase: 2,
        min_lowercase: 2,
        min_digits: 1,
    };

    /// Checks `password`, recording one error per broken requirement under `field`.
    pub fn check_into(&self, errors: &mut ValidationErrors, field: &str, password: &str) {
        let length = password.chars().count();
        if length < self.min_length {
            errors.add(
                field,
                format!("must have at least {} characters", self.min_length),
            );
        }
        if length > self.max_length {
            errors.add(
                field,
                format!("must have at most {} characters", self.max_length),
            );
        }
        let count = |f: fn(&char) -> bool| password.chars().filter(f).count();
        for (found, needed, one, many) in [
            (
                count(char::is_ascii_uppercase),
                self.min_uppercase,
                "uppercase letter",
                "uppercase letters",
            ),
            (
                count(char::is_ascii_lowercase),
                self.min_lowercase,
                "lowercase letter",
                "lowercase letters",
            ),
            (
                count(char::is_ascii_digit),
                self.min_digits,
                "digit",
                "digits",
            ),
        ] {
            if found < needed {
                let what = if needed == 1 { one } else { many };
                errors.add(field, format!("must contain at least {needed} {what}"));
            }
        }
        if password.chars().any(char::is_control) {
            errors.add(field, "must not contain control characters");
        }
    }

    /// Checks `password`; the errors name `field`.
    pub fn check(&self, field: &str, password: &str) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        self.check_into(&mut errors, field, password);
        errors
    }

    /// The requirements as short phrases for a sign-in page ("12 characters", "2 uppercase", …).
    pub fn requirements(&self) -> Vec<String> {
        let mut out = vec![format!("{} characters", self.min_length)];
        for (n, what) in [
            (self.min_uppercase, "uppercase"),
            (self.min_lowercase, "lowercase"),
            (self.min_digits, "digit"),
        ] {
            if n > 0 {
                out.push(format!("{n} {what}"));
            }
        }
        out
    }
}

/// The sign-in rules of one installation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthPolicy {
    /// Password policy for agents.
    pub agent_passwords: PasswordPolicy,
    /// Password policy for customer users.
    pub customer_passwords: PasswordPolicy,
    /// Failed sign-ins in a row after which the account becomes invalid-temporarily; 0 = never.
    pub max_failed_logins: u32,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        AuthPolicy {
            agent_passwords: PasswordPolicy::AGENT_DEFAULT,
            customer_passwords: PasswordPolicy::CUSTOMER_DEFAULT,
            max_failed_logins: 5,
        }
    }
}

/// True if `failed` failures in a row reach the lockout limit.
pub const fn reaches_lockout(failed: u32, max_failed_logins: u32) -> bool {
    max_failed_logins > 0 && failed >= max_failed_logins
}

/// True if `secret` is a TOTP secret the desk accepts: Base32 (`A–Z`, `2–7`, no padding),
/// 16 to 128 characters (80 bits or more).
pub fn is_totp_secret(secret: &str) -> bool {
    (16..=128).contains(&secret.len())
        && secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn messages(policy: &PasswordPolicy, password: &str) -> Vec<String> {
        policy
            .check("password", password)
            .0
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn agents_need_twelve_characters() {
        let p = PasswordPolicy::AGENT_DEFAULT;
        assert_eq!(messages(&p, "short"), ["must have at least 12 characters"]);
        assert!(messages(&p, "correct horse").is_empty());
        assert!(
            messages(&p, "zwölf-zeichen").is_empty(),
            "counts characters, not bytes"
        );
    }

    #[test]
    fn customers_need_case_and_digits() {
        let p = PasswordPolicy::CUSTOMER_DEFAULT;
        assert_eq!(
            messages(&p, "abcdefgh"),
            [
                "must contain at least 2 uppercase letters",
                "must contain at least 1 digit"
            ]
        );
        assert!(messages(&p, "ABcd1234").is_empty());
        assert_eq!(
            p.requirements(),
            ["8 characters", "2 uppercase", "2 lowercase", "1 digit"]
        );
    }

    #[test]
    fn control_characters_and_huge_inputs_are_refused() {
        let p = PasswordPolicy::AGENT_DEFAULT;
        assert_eq!(
            messages(&p, "twelve chars\u{0}"),
            ["must not contain control characters"]
        );
        assert_eq!(
            messages(&p, &"x".repeat(2000)),
            ["must have at most 1024 characters"]
        );
    }

    #[test]
    fn lockout_and_secrets() {
        assert!(!reaches_lockout(4, 5));
        assert!(reaches_lockout(5, 5));
        assert!(!reaches_lockout(100, 0));
        assert!(is_totp_secret("JBSWY3DPEHPK3PXP"));
        assert!(!is_totp_secret("jbswy3dpehpk3pxp"));
        assert!(!is_totp_secret("JBSWY3DPEHPK3PX1"));
        assert!(!is_totp_secret("SHORT"));
    }
}
