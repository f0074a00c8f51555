//! The text form of statistic elements, shared by the CLI (`--set`), the API and the agent UI.
//!
//! An assignment is `ELEMENT=VALUES`:
//!
//! - `ELEMENT` is an element name: `queue`, `state`, `state-type`, `priority`, `owner`,
//!   `responsible`, `customer`, `customer-user`, `lock`, or a time element `created`, `closed`,
//!   `changed` (also spelled `create-time`, `close-time`, `change-time`).
//! - For the other elements `VALUES` is a comma-separated list of names: queue names, state names,
//!   state type names (`pending reminder`), priority names or levels (`3 normal`, `3`), agent
//!   logins, CustomerIDs, customer-user logins, lock names (`unlock`, `lock`, `tmp_lock`). An
//!   empty list (`queue=`) means every value (axes only; a filter needs a value).
//! - For time elements `VALUES` is a period, optionally followed by `@SCALE` (the axis unit:
//!   `day`, `week`, `month`, `quarter`, `half-year`, `year`):
//!   - `last:N:UNIT`: the N complete units before the current one (`last:1:month` is last month);
//!   - `next:N:UNIT`: N units starting with the current one (`this:UNIT` is `next:1:UNIT`);
//!   - `last:N:UNIT,next:M:UNIT`: both, around now (same unit);
//!   - `FROM..TO`: dates (`2026-01-01..2026-04-01`, local midnights in the statistic's zone,
//!     TO exclusive) or RFC 3339 instants.
//!
//!   Without `@SCALE` a run-time change keeps the element's scale; a new element takes the
//!   period's unit (or `day` for a date range).
//!
//! [`format_value`] writes a value back in this form, so `parse(format(v)) == v`.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;

use super::period::{day_start, local_day};
use super::{ElementKind, ElementValue, Period, Scale, TimeSelection};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AgentId, CustomerUserId, QueueId, StateId};
use crate::model::{LockState, Priority, StateType};

/// The element kind named in an assignment (`created` or `create-time`, …).
pub fn element_kind(name: &str) -> Option<ElementKind> {
    let name = name.trim().to_ascii_lowercase();
    match name.as_str() {
        "created" => Some(ElementKind::CreateTime),
        "closed" => Some(ElementKind::CloseTime),
        "changed" => Some(ElementKind::ChangeTime),
        other => ElementKind::from_name(other),
    }
}

/// The short name an assignment uses for a kind (`created` for the creation time).
pub fn element_name(kind: ElementKind) -> &'static str {
    match kind {
        ElementKind::CreateTime => "created",
        ElementKind::CloseTime => "closed",
        ElementKind::ChangeTime => "changed",
        other => other.name(),
    }
}

/// Splits `ELEMENT=VALUES`; `field` names the input in errors.
pub fn split_assignment<'a>(
    field: &str,
    text: &'a str,
) -> Result<(ElementKind, &'a str), DeskError> {
    let (name, values) = text.split_once('=').ok_or_else(|| {
        DeskError::invalid(
            field,
            format!("{text:?} is not ELEMENT=VALUES (e.g. queue=Raw,Junk)"),
        )
    })?;
    let kind = element_kind(name).ok_or_else(|| {
        DeskError::invalid(
            field,
            format!(
                "{:?} is not an element (one of {})",
                name.trim(),
                ElementKind::ALL.map(element_name).join(", ")
            ),
        )
    })?;
    Ok((kind, values.trim()))
}

/// Names to ids, for reading and writing values.
#[derive(Debug, Clone, Default)]
pub struct Names {
    /// Queues.
    pub queues: Vec<(QueueId, String)>,
    /// States.
    pub states: Vec<(StateId, String)>,
    /// Agents by login.
    pub agents: Vec<(AgentId, String)>,
    /// Customer users by login (those named in the text being read, or shown).
    pub customer_users: Vec<(CustomerUserId, String)>,
}

fn list(text: &str) -> Vec<&str> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

fn by_name<T: Copy>(
    field: &str,
    what: &str,
    items: &[(T, String)],
    text: &str,
    from_id: impl Fn(u64) -> T,
    errors: &mut ValidationErrors,
) -> Vec<T> {
    let mut out = Vec::new();
    for name in list(text) {
        if let Some((id, _)) = items.iter().find(|(_, n)| n == name) {
            out.push(*id);
        } else if let Some(id) = name.strip_prefix('#').and_then(|n| n.parse::<u64>().ok()) {
            out.push(from_id(id));
        } else {
            errors.add(field, format!("no {what} is named {name:?}"));
        }
    }
    out
}

fn parse_simple<T>(
    field: &str,
    what: &str,
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
    errors: &mut ValidationErrors,
) -> Vec<T> {
    let mut out = Vec::new();
    for name in list(text) {
        match parse(name) {
            Some(v) => out.push(v),
            None => errors.add(field, format!("{name:?} is not a {what}")),
        }
    }
    out
}

fn relative(field: &str, part: &str) -> Result<(bool, u32, Scale), DeskError> {
    let bad = || {
        DeskError::invalid(
            field,
            format!("{part:?} is not last:N:UNIT, next:N:UNIT or this:UNIT"),
        )
    };
    let pieces: Vec<&str> = part.split(':').map(str::trim).collect();
    let (past, n, unit) = match pieces.as_slice() {
        ["this", unit] => (false, "1", *unit),
        ["last", n, unit] => (true, *n, *unit),
        ["next", n, unit] => (false, *n, *unit),
        _ => return Err(bad()),
    };
    let n: u32 = n.parse().map_err(|_| bad())?;
    let unit = Scale::from_name(unit).ok_or_else(|| {
        DeskError::invalid(
            field,
            format!(
                "{unit:?} is not a unit (one of {})",
                Scale::ALL.map(Scale::name).join(", ")
            ),
        )
    })?;
    Ok((past, n, unit))
}

fn instant(field: &str, text: &str, tz: Tz) -> Result<DateTime<Utc>, DeskError> {
    if let Ok(day) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(day_start(day, tz));
    }
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            DeskError::invalid(
                field,
                format!("{text:?} is neither a date (YYYY-MM-DD) nor an RFC 3339 time"),
            )
        })
}

/// Reads a time value: a period with an optional `@SCALE`. `keep_scale` is used when no scale is
/// given (a run-time change keeps the element's scale).
pub fn parse_time(
    field: &str,
    text: &str,
    tz: Tz,
    keep_scale: Option<Scale>,
) -> Result<TimeSelection, DeskError> {
    let (period_text, scale_text) = match text.rsplit_once('@') {
        Some((p, s)) => (p.trim(), Some(s.trim())),
        None => (text.trim(), None),
    };
    let scale = scale_text
        .map(|s| {
            Scale::from_name(s).ok_or_else(|| {
                DeskError::invalid(
                    field,
                    format!(
                        "{s:?} is not a scale (one of {})",
                        Scale::ALL.map(Scale::name).join(", ")
                    ),
                )
            })
        })
        .transpose()?;
    if period_text.is_empty() {
        return Err(DeskError::invalid(
            field,
            "a time element needs a period (e.g. last:3:month)",
        ));
    }
    let (period, natural) = if let Some((from, to)) = period_text.split_once("..") {
        (
            Period::Absolute {
                from: instant(field, from.trim(), tz)?,
                to: instant(field, to.trim(), tz)?,
            },
            Scale::Day,
        )
    } else {
        let mut past = 0;
        let mut upcoming = 0;
        let mut unit: Option<Scale> = None;
        for part in period_text.split(',').map(str::trim) {
            let (is_past, n, u) = relative(field, part)?;
            if unit.is_some_and(|x| x != u) {
                return Err(DeskError::invalid(
                    field,
                    "both parts of a relative period need the same unit",
                ));
            }
            unit = Some(u);
            if is_past {
                past = n;
            } else {
                upcoming = n;
            }
        }
        let unit = unit.unwrap_or(Scale::Day);
        (
            Period::Relative {
                past,
                upcoming,
                unit,
            },
            unit,
        )
    };
    Ok(TimeSelection {
        period,
        scale: scale.or(keep_scale).unwrap_or(natural),
    })
}

/// Reads the values of an element of `kind`. `keep_scale` as in [`parse_time`].
pub fn parse_value(
    field: &str,
    kind: ElementKind,
    text: &str,
    names: &Names,
    tz: Tz,
    keep_scale: Option<Scale>,
) -> Result<ElementValue, DeskError> {
    let mut errors = ValidationErrors::new();
    let e = &mut errors;
    let value = match kind {
        ElementKind::Queue => {
            ElementValue::Queue(by_name(field, "queue", &names.queues, text, QueueId, e))
        }
        ElementKind::State => {
            ElementValue::State(by_name(field, "state", &names.states, text, StateId, e))
        }
        ElementKind::StateType => ElementValue::StateType(parse_simple(
            field,
            "state type",
            text,
            StateType::from_name,
            e,
        )),
        ElementKind::Priority => {
            ElementValue::Priority(parse_simple(field, "priority", text, Priority::parse, e))
        }
        ElementKind::Owner => {
            ElementValue::Owner(by_name(field, "agent", &names.agents, text, AgentId, e))
        }
        ElementKind::Responsible => {
            ElementValue::Responsible(by_name(field, "agent", &names.agents, text, AgentId, e))
        }
        ElementKind::Customer => {
            ElementValue::Customer(list(text).into_iter().map(str::to_owned).collect())
        }
        ElementKind::CustomerUser => ElementValue::CustomerUser(by_name(
            field,
            "customer user",
            &names.customer_users,
            text,
            CustomerUserId,
            e,
        )),
        ElementKind::Lock => {
            ElementValue::Lock(parse_simple(field, "lock", text, LockState::from_name, e))
        }
        ElementKind::CreateTime => {
            ElementValue::CreateTime(parse_time(field, text, tz, keep_scale)?)
        }
        ElementKind::CloseTime => ElementValue::CloseTime(parse_time(field, text, tz, keep_scale)?),
        ElementKind::ChangeTime => {
            ElementValue::ChangeTime(parse_time(field, text, tz, keep_scale)?)
        }
    };
    errors.into_result()?;
    Ok(value)
}

fn name_of<T: PartialEq + std::fmt::Display>(items: &[(T, String)], id: &T) -> String {
    items
        .iter()
        .find(|(i, _)| i == id)
        .map_or_else(|| format!("#{id}"), |(_, n)| n.clone())
}

fn time_text(t: &TimeSelection, tz: Tz) -> String {
    let period = match t.period {
        Period::Relative {
            past,
            upcoming,
            unit,
        } => {
            let u = unit.name();
            match (past, upcoming) {
                (p, 0) => format!("last:{p}:{u}"),
                (0, n) => format!("next:{n}:{u}"),
                (p, n) => format!("last:{p}:{u},next:{n}:{u}"),
            }
        }
        Period::Absolute { from, to } => {
            let midnight = |at: DateTime<Utc>| day_start(local_day(at, tz), tz) == at;
            if midnight(from) && midnight(to) {
                format!(
                    "{}..{}",
                    local_day(from, tz).format("%Y-%m-%d"),
                    local_day(to, tz).format("%Y-%m-%d")
                )
            } else {
                format!("{}..{}", from.to_rfc3339(), to.to_rfc3339())
            }
        }
    };
    format!("{period}@{}", t.scale.name())
}

/// Writes an element's values in the form [`parse_value`] reads.
pub fn format_value(value: &ElementValue, names: &Names, tz: Tz) -> String {
    let join = |v: Vec<String>| v.join(",");
    match value {
        ElementValue::Queue(v) => join(v.iter().map(|id| name_of(&names.queues, id)).collect()),
        ElementValue::State(v) => join(v.iter().map(|id| name_of(&names.states, id)).collect()),
        ElementValue::StateType(v) => join(v.iter().map(|t| t.name().to_owned()).collect()),
        ElementValue::Priority(v) => join(v.iter().map(|p| p.name().to_owned()).collect()),
        ElementValue::Owner(v) | ElementValue::Responsible(v) => {
            join(v.iter().map(|id| name_of(&names.agents, id)).collect())
        }
        ElementValue::Customer(v) => join(v.clone()),
        ElementValue::CustomerUser(v) => join(
            v.iter()
                .map(|id| name_of(&names.customer_users, id))
                .collect(),
        ),
        ElementValue::Lock(v) => join(v.iter().map(|l| l.name().to_owned()).collect()),
        ElementValue::CreateTime(t) | ElementValue::CloseTime(t) | ElementValue::ChangeTime(t) => {
            time_text(t, tz)
        }
    }
}

/// `ELEMENT=VALUES` for an element.
pub fn format_assignment(value: &ElementValue, names: &Names, tz: Tz) -> String {
    format!(
        "{}={}",
        element_name(value.kind()),
        format_value(value, names, tz)
    )
}

/// The customer-user logins named in a customer-user value (to look up before parsing).
pub fn customer_user_logins(kind: ElementKind, text: &str) -> Vec<String> {
    if kind == ElementKind::CustomerUser {
        list(text).into_iter().map(str::to_owned).collect()
    } else {
        Vec::new()
    }
}

/// One axis element or filter in text form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ElementSpec {
    /// The element name (`queue`, `created`, …).
    pub element: String,
    /// Its values as in an assignment (`Raw,Junk`, `last:3:month@day`).
    pub values: String,
    /// May be changed before running.
    pub allow_changes: bool,
}

/// The columns, order and size of a list statistic in text form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListSpec {
    /// Column names (`number`, `title`, …).
    pub columns: Vec<String>,
    /// The column sorted by.
    pub sort: String,
    /// Largest first.
    pub descending: bool,
    /// Most rows.
    pub limit: u32,
}

/// A statistic's settings in text form: the API's JSON definition and the agent UI's form.
/// [`crate::Desk::stat_settings_from_spec`] reads it (reporting every bad field), and
/// [`crate::Desk::stat_spec`] writes one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatSpec {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// `Matrix`, `List` or `Static`.
    pub stat_type: String,
    /// Group names (or `#id`).
    pub permission_groups: Vec<String>,
    /// `table`, `csv`, `excel`, `print`.
    pub formats: Vec<String>,
    /// IANA zone.
    pub time_zone: String,
    /// Summation row.
    pub sum_row: bool,
    /// Summation column.
    pub sum_column: bool,
    /// Valid.
    pub valid: bool,
    /// The X axis (matrix).
    pub x: Option<ElementSpec>,
    /// The Y axis elements (matrix).
    pub y: Vec<ElementSpec>,
    /// Filters (matrix and list).
    pub filters: Vec<ElementSpec>,
    /// Columns and order (list).
    pub list: Option<ListSpec>,
    /// The static statistic's name (`state-changes-monthly`).
    pub static_stat: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Names {
        Names {
            queues: vec![(QueueId(1), "Raw".into()), (QueueId(2), "Junk".into())],
            states: vec![(StateId(4), "open".into())],
            agents: vec![(AgentId(7), "alice".into())],
            customer_users: vec![(CustomerUserId(9), "lacey".into())],
        }
    }

    fn parse(text: &str) -> Result<ElementValue, DeskError> {
        let (kind, values) = split_assignment("set", text)?;
        parse_value(
            "set",
            kind,
            values,
            &names(),
            chrono_tz::Europe::Berlin,
            None,
        )
    }

    #[test]
    fn assignments_read_names_lists_and_periods() {
        assert_eq!(
            parse("queue=Raw, Junk").unwrap(),
            ElementValue::Queue(vec![QueueId(1), QueueId(2)])
        );
        assert_eq!(parse("queue=").unwrap(), ElementValue::Queue(Vec::new()));
        assert_eq!(
            parse("priority=3 normal,5").unwrap(),
            ElementValue::Priority(vec![Priority::NORMAL, Priority::VERY_HIGH])
        );
        assert_eq!(
            parse("created=last:3:month").unwrap(),
            ElementValue::CreateTime(TimeSelection {
                period: Period::Relative {
                    past: 3,
                    upcoming: 0,
                    unit: Scale::Month
                },
                scale: Scale::Month
            })
        );
        assert_eq!(
            parse("close-time=last:11:month,next:1:month@week").unwrap(),
            ElementValue::CloseTime(TimeSelection {
                period: Period::Relative {
                    past: 11,
                    upcoming: 1,
                    unit: Scale::Month
                },
                scale: Scale::Week
            })
        );
        let ElementValue::ChangeTime(t) = parse("changed=2026-03-01..2026-04-01").unwrap() else {
            panic!("a change time");
        };
        // Local midnights in Berlin (UTC+1 in March before the change).
        assert_eq!(
            t.period,
            Period::Absolute {
                from: "2026-02-28T23:00:00Z".parse().unwrap(),
                to: "2026-03-31T22:00:00Z".parse().unwrap(),
            }
        );
        assert_eq!(t.scale, Scale::Day);
    }

    #[test]
    fn bad_assignments_name_the_problem() {
        let err = |t: &str| parse(t).unwrap_err().to_string();
        assert!(err("queue").contains("ELEMENT=VALUES"));
        assert!(err("colour=red").contains("\"colour\" is not an element"));
        assert!(err("queue=Raw,Nope").contains("no queue is named \"Nope\""));
        assert!(err("created=last:3:moon").contains("\"moon\" is not a unit"));
        assert!(err("created=yesterday").contains("last:N:UNIT"));
        assert!(err("created=last:3:month@hour").contains("not a scale"));
        assert!(err("lock=open").contains("not a lock"));
    }

    #[test]
    fn a_run_time_change_keeps_the_scale_unless_given() {
        let t = parse_time("set", "last:2:year", chrono_tz::UTC, Some(Scale::Quarter)).unwrap();
        assert_eq!(t.scale, Scale::Quarter);
    }

    #[test]
    fn formatted_values_read_back() {
        let tz = chrono_tz::Europe::Berlin;
        for text in [
            "queue=Raw,Junk",
            "state=open",
            "state-type=pending reminder,closed",
            "priority=1 very low,3 normal",
            "owner=alice",
            "customer=SSI,OTHER",
            "customer-user=lacey",
            "lock=unlock,tmp_lock",
            "created=last:1:month@day",
            "closed=next:2:week@week",
            "changed=last:3:quarter,next:1:quarter@month",
            "created=2026-01-01..2026-07-01@month",
            "created=2026-01-01T10:30:00+00:00..2026-01-02T00:00:00+00:00@day",
        ] {
            let value = parse(text).unwrap();
            assert_eq!(format_assignment(&value, &names(), tz), text);
            assert_eq!(
                parse(&format_assignment(&value, &names(), tz)).unwrap(),
                value
            );
        }
    }
}
