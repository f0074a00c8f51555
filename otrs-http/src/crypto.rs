//! Secrets, digests, password hashes and TOTP codes: the cryptography the core leaves to us.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use sha2::{Digest, Sha256};
use totp_rs::{Algorithm as TotpAlgorithm, TOTP};

use crate::config::HashCost;

/// Lowercase hex of some bytes.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The SHA-256 digest of a secret, as lowercase hex: how sessions, API tokens and one-time
/// tokens are stored. Fast on purpose: the secrets are long and random, so a slow hash would add
/// nothing but latency to every request.
pub fn digest(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

/// `bytes` random bytes from the operating system's generator (through a thread-local CSPRNG),
/// as hex.
pub fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex(&buf)
}

/// A new API token secret: a recognisable prefix and 256 random bits.
pub fn new_api_token() -> String {
    format!("otrs_{}", random_hex(32))
}

/// A six-digit code for e-mail.
pub fn new_email_code() -> String {
    let n = rand::Rng::random_range(&mut rand::rng(), 0..1_000_000u32);
    format!("{n:06}")
}

/// The digest of an e-mailed code, bound to its account so that equal codes of two accounts
/// never collide.
pub fn email_code_digest(principal: otrs_core::Principal, code: &str) -> String {
    digest(&format!("email-code:{principal}:{}", code.trim()))
}

/// A new TOTP secret: 160 random bits as 32 Base32 characters.
pub fn new_totp_secret() -> String {
    let mut buf = [0u8; 20];
    rand::rng().fill_bytes(&mut buf);
    base32(&buf)
}

fn base32(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::new();
    let mut buffer = 0u32;
    let mut bits = 0;
    for &b in bytes {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

fn argon2(cost: HashCost) -> Argon2<'static> {
    let params =
        Params::new(cost.memory_kib, cost.iterations, cost.parallelism, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password with argon2id (PHC string). Slow: call it from a blocking task.
pub fn hash_password(password: &str, cost: HashCost) -> String {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    // Sixteen bytes always encode; an empty hash (which matches nothing) is the fallback.
    let Ok(salt) = SaltString::encode_b64(&salt) else {
        return String::new();
    };
    argon2(cost)
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .unwrap_or_default()
}

/// Checks a password against a stored PHC hash (whatever its parameters). A malformed hash
/// matches nothing. Slow: call it from a blocking task.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Runs [`hash_password`] on the blocking pool.
pub async fn hash_password_async(password: String, cost: HashCost) -> String {
    tokio::task::spawn_blocking(move || hash_password(&password, cost))
        .await
        .unwrap_or_default()
}

/// Runs [`verify_password`] on the blocking pool; without a hash it spends the same time on a
/// dummy one and answers false, so that unknown logins take as long as wrong passwords.
pub async fn verify_password_async(password: String, hash: Option<String>, dummy: String) -> bool {
    tokio::task::spawn_blocking(move || match hash {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = verify_password(&password, &dummy);
            false
        }
    })
    .await
    .unwrap_or(false)
}

fn totp(secret: &str) -> Option<TOTP> {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .ok()?;
    // Skew 1: the previous and the next 30-second code are accepted too.
    Some(TOTP::new_unchecked(TotpAlgorithm::SHA1, 6, 1, 30, bytes))
}

/// The 30-second time step whose TOTP code (RFC 6238: SHA-1, 6 digits) of `secret` is `code`,
/// looking at the step of `unix_time` and the one before and after it.
pub fn totp_step(secret: &str, code: &str, unix_time: u64) -> Option<u64> {
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = totp(secret)?;
    let step = unix_time / 30;
    [step, step.saturating_sub(1), step + 1]
        .into_iter()
        .find(|s| constant_time_eq(&totp.generate(s * 30), code))
}

/// True if `code` is the TOTP code of `secret` at `unix_time`, or of the step before or after.
pub fn totp_matches(secret: &str, code: &str, unix_time: u64) -> bool {
    totp_step(secret, code, unix_time).is_some()
}

/// The TOTP code of `secret` at `unix_time` (for tests and tools).
pub fn totp_code(secret: &str, unix_time: u64) -> Option<String> {
    totp(secret).map(|t| t.generate(unix_time))
}

fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The `otpauth://` URI an authenticator app scans.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &str) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={secret}&issuer={}&algorithm=SHA1&digits=6&period=30",
        percent_encode(issuer),
        percent_encode(account),
        percent_encode(issuer)
    )
}

/// A QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => code
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build(),
        Err(_) => String::new(),
    }
}

/// Compares two secrets in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_6238_vector() {
        // RFC 6238 appendix B, SHA-1, secret "12345678901234567890", T = 59 → 94287082 (8 digits);
        // the 6-digit code is its last six digits.
        let secret = base32(b"12345678901234567890");
        assert_eq!(totp_code(&secret, 59).as_deref(), Some("287082"));
        assert!(totp_matches(&secret, "287082", 59));
        assert!(
            totp_matches(&secret, "287082", 59 + 30),
            "previous step accepted"
        );
        assert!(!totp_matches(&secret, "287082", 59 + 90));
        assert!(!totp_matches(&secret, "28708", 59));
        assert_eq!(totp_step(&secret, "287082", 59), Some(1));
        assert_eq!(totp_step(&secret, "287082", 89), Some(1));
    }

    #[test]
    fn passwords_round_trip() {
        let hash = hash_password("correct horse battery", HashCost::TEST);
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn secrets_look_right() {
        assert_eq!(new_totp_secret().len(), 32);
        assert!(otrs_core::rules::password::is_totp_secret(
            &new_totp_secret()
        ));
        assert_eq!(new_email_code().len(), 6);
        assert_eq!(digest("abc").len(), 64);
        assert!(constant_time_eq("abc", "abc") && !constant_time_eq("abc", "abd"));
        assert!(otpauth_uri("OTRS", "a b@c", "AAAA").contains("OTRS:a%20b%40c"));
        assert!(qr_svg("otpauth://totp/x").starts_with("<?xml"));
    }
}
