//! How core values are written to columns and read back: enumerations by their names in
//! otrs-core, priorities and history types by their OTRS numbers, principals as a kind and an id,
//! maps and lists as JSON text.

use std::collections::BTreeMap;

use otrs_core::ids::{AgentId, CustomerUserId, GroupId};
use otrs_core::model::{
    ChangeOp, Channel, EntityKind, HistoryType, LinkType, LockState, MessageStatus, ObjectRef,
    OneTimeTokenPurpose, PermissionSet, Principal, Priority, SenderType, StateType, Validity,
};
use otrs_core::store::StoreResult;

use crate::sql::{Row, bad_value};

/// Reads an enumeration stored by name.
pub(crate) fn named<T>(row: &Row, col: &str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<T> {
    let text = row.text(col)?;
    parse(&text).ok_or_else(|| bad_value(col, text))
}

pub(crate) fn validity(row: &Row, col: &str) -> StoreResult<Validity> {
    named(row, col, Validity::from_name)
}

pub(crate) fn state_type(row: &Row, col: &str) -> StoreResult<StateType> {
    named(row, col, StateType::from_name)
}

pub(crate) fn lock(row: &Row, col: &str) -> StoreResult<LockState> {
    named(row, col, LockState::from_name)
}

pub(crate) fn channel(row: &Row, col: &str) -> StoreResult<Channel> {
    named(row, col, Channel::from_name)
}

pub(crate) fn sender_type(row: &Row, col: &str) -> StoreResult<SenderType> {
    named(row, col, SenderType::from_name)
}

pub(crate) fn link_type(row: &Row, col: &str) -> StoreResult<LinkType> {
    named(row, col, LinkType::from_name)
}

pub(crate) fn entity(row: &Row, col: &str) -> StoreResult<EntityKind> {
    named(row, col, EntityKind::from_name)
}

pub(crate) fn change_op(row: &Row, col: &str) -> StoreResult<ChangeOp> {
    named(row, col, ChangeOp::from_name)
}

pub(crate) fn message_status(row: &Row, col: &str) -> StoreResult<MessageStatus> {
    named(row, col, MessageStatus::from_name)
}

pub(crate) fn purpose(row: &Row, col: &str) -> StoreResult<OneTimeTokenPurpose> {
    named(row, col, OneTimeTokenPurpose::from_name)
}

pub(crate) fn priority(row: &Row, col: &str) -> StoreResult<Priority> {
    let level = row.int(col)?;
    u8::try_from(level)
        .ok()
        .and_then(Priority::new)
        .ok_or_else(|| bad_value(col, level))
}

pub(crate) fn history_type(row: &Row, col: &str) -> StoreResult<HistoryType> {
    let id = row.int(col)?;
    HistoryType::ALL
        .iter()
        .copied()
        .find(|t| i64::from(t.id()) == id)
        .ok_or_else(|| bad_value(col, id))
}

pub(crate) fn history_type_id(t: HistoryType) -> i64 {
    i64::from(t.id())
}

pub(crate) fn priority_level(p: Priority) -> i64 {
    i64::from(p.level())
}

/// The stored kind of a principal.
pub(crate) fn principal_kind(p: Principal) -> &'static str {
    match p {
        Principal::Agent(_) => "agent",
        Principal::Customer(_) => "customer",
    }
}

/// The stored id of a principal (ids above `i64::MAX` are never assigned by a store).
pub(crate) fn principal_id(p: Principal) -> i64 {
    let id = match p {
        Principal::Agent(id) => id.0,
        Principal::Customer(id) => id.0,
    };
    i64::try_from(id).unwrap_or(i64::MAX)
}

/// Reads a principal from a kind and an id column.
pub(crate) fn principal(row: &Row, kind_col: &str, id_col: &str) -> StoreResult<Principal> {
    let kind = row.text(kind_col)?;
    let id = row.u64(id_col)?;
    match kind.as_str() {
        "agent" => Ok(Principal::Agent(AgentId(id))),
        "customer" => Ok(Principal::Customer(CustomerUserId(id))),
        _ => Err(bad_value(kind_col, kind)),
    }
}

/// Reads an object reference from a kind and an id column.
pub(crate) fn object(row: &Row, kind_col: &str, id_col: &str) -> StoreResult<ObjectRef> {
    let kind = row.text(kind_col)?;
    let id = row.u64(id_col)?;
    ObjectRef::from_parts(&kind, id).ok_or_else(|| bad_value(kind_col, kind))
}

/// JSON text of a list of strings.
pub(crate) fn string_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

/// Reads a JSON list of strings; SQL `NULL` (an empty aggregate) reads as an empty list.
pub(crate) fn read_string_list(col: &str, text: Option<&str>) -> StoreResult<Vec<String>> {
    match text {
        None => Ok(Vec::new()),
        Some(text) => serde_json::from_str(text).map_err(|_| bad_value(col, text)),
    }
}

/// JSON text of a string map (keys sorted).
pub(crate) fn string_map(map: &BTreeMap<String, String>) -> String {
    let object: serde_json::Map<String, serde_json::Value> = map
        .iter()
        .map(|(k, v)| (k.clone(), serde_json::Value::from(v.as_str())))
        .collect();
    serde_json::Value::Object(object).to_string()
}

/// Reads a JSON object of strings; SQL `NULL` (an empty aggregate) reads as an empty map.
pub(crate) fn read_string_map(
    col: &str,
    text: Option<&str>,
) -> StoreResult<BTreeMap<String, String>> {
    match text {
        None => Ok(BTreeMap::new()),
        Some(text) => serde_json::from_str(text).map_err(|_| bad_value(col, text)),
    }
}

/// Reads a JSON list of `[group id, permission bits]` pairs.
pub(crate) fn read_group_permissions(
    col: &str,
    text: Option<&str>,
) -> StoreResult<BTreeMap<GroupId, PermissionSet>> {
    let Some(text) = text else {
        return Ok(BTreeMap::new());
    };
    let pairs: Vec<(u64, u8)> = serde_json::from_str(text).map_err(|_| bad_value(col, text))?;
    Ok(pairs
        .into_iter()
        .map(|(g, bits)| (GroupId(g), PermissionSet::from_bits(bits)))
        .collect())
}

/// `'a'..'z'` folded, everything else kept: how CustomerIDs and searches compare in every store.
pub(crate) fn fold(text: &str) -> String {
    text.to_ascii_lowercase()
}

/// A `LIKE` pattern (with `\` as escape) for `text_matches`-style searches: the pieces between
/// `*` must occur in order. `None` when the pattern matches everything.
pub(crate) fn like_pattern(search: &str) -> Option<String> {
    let folded = fold(search);
    let pieces: Vec<&str> = folded.split('*').filter(|p| !p.is_empty()).collect();
    if pieces.is_empty() {
        return None;
    }
    let mut pattern = String::from("%");
    for piece in pieces {
        for c in piece.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
    }
    Some(pattern)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_and_keep_piece_order() {
        assert_eq!(like_pattern("**"), None);
        assert_eq!(like_pattern("Sup*Inc").as_deref(), Some("%sup%inc%"));
        assert_eq!(like_pattern("50%_off").as_deref(), Some("%50\\%\\_off%"));
    }
}
