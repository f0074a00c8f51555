//! Checks of values against the schema's limits, made before writing so that an oversized or
//! malformed value comes back as a [`StoreError::Invalid`] naming the field, and nothing is
//! written. The limits are those of the `CHECK` constraints in the migrations.

use otrs_core::store::{StoreError, StoreResult};

/// Limits that are settings rather than schema facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// Largest article or message body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Largest e-mail source kept with a received article, in bytes.
    pub max_source_bytes: u64,
}

impl Default for Limits {
    /// 64 MiB each: above the desk's own defaults, so that the desk's friendlier validation
    /// normally answers first and these only stop what bypasses it.
    fn default() -> Limits {
        Limits {
            max_attachment_bytes: 64 * 1024 * 1024,
            max_body_bytes: 64 * 1024 * 1024,
            max_source_bytes: 64 * 1024 * 1024,
        }
    }
}

fn invalid(field: &'static str, message: String) -> StoreError {
    StoreError::Invalid { field, message }
}

/// Text of at most `max` characters without NUL (which PostgreSQL cannot store in text).
pub(crate) fn text(field: &'static str, value: &str, max: usize) -> StoreResult<()> {
    if value.contains('\0') {
        return Err(invalid(field, "contains a NUL character".into()));
    }
    let length = value.chars().count();
    if length > max {
        return Err(invalid(
            field,
            format!("has {length} characters; at most {max} are stored"),
        ));
    }
    Ok(())
}

/// Like [`text`], and not empty.
pub(crate) fn required(field: &'static str, value: &str, max: usize) -> StoreResult<()> {
    if value.is_empty() {
        return Err(invalid(field, "must not be empty".into()));
    }
    text(field, value, max)
}

pub(crate) fn opt_text(field: &'static str, value: Option<&str>, max: usize) -> StoreResult<()> {
    value.map_or(Ok(()), |v| text(field, v, max))
}

/// A body: no NUL, at most `max_bytes` bytes.
pub(crate) fn body(field: &'static str, value: &str, max_bytes: u64) -> StoreResult<()> {
    if value.contains('\0') {
        return Err(invalid(field, "contains a NUL character".into()));
    }
    if value.len() as u64 > max_bytes {
        return Err(invalid(
            field,
            format!("has {} bytes; the limit is {max_bytes} bytes", value.len()),
        ));
    }
    Ok(())
}

/// An e-mail source: not empty, at most `max_bytes` bytes (any bytes: it is kept as given).
pub(crate) fn source(field: &'static str, value: &[u8], max_bytes: u64) -> StoreResult<()> {
    if value.is_empty() {
        return Err(invalid(field, "must not be empty".into()));
    }
    if value.len() as u64 > max_bytes {
        return Err(invalid(
            field,
            format!("has {} bytes; the limit is {max_bytes} bytes", value.len()),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_limits_count_characters_and_refuse_nul() {
        assert!(text("title", &"ä".repeat(255), 255).is_ok());
        assert!(matches!(
            text("title", &"ä".repeat(256), 255),
            Err(StoreError::Invalid { field: "title", .. })
        ));
        assert!(text("title", "a\0b", 255).is_err());
        assert!(required("name", "", 10).is_err());
        assert!(body("body", "abc", 2).is_err());
    }
}
