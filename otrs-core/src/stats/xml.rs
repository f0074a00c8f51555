//! Export and import of a statistic definition as an XML document.
//!
//! ```xml
//! <otrs-stat format="1">
//!   <title>Overview</title>
//!   <description>Every ticket.</description>
//!   <type>Matrix</type>
//!   <object>TicketAccumulation</object>
//!   <time-zone>Europe/Berlin</time-zone>
//!   <sum-row>true</sum-row> <sum-column>true</sum-column> <valid>true</valid>
//!   <group>3</group> <format>csv</format>
//!   <element role="x" kind="state" allow-changes="true"><value>1</value></element>
//!   <element role="y" kind="queue" allow-changes="true"/>
//!   <element role="y" kind="priority" allow-changes="false"/>
//!   <element role="filter" kind="create-time" allow-changes="false" scale="month">
//!     <relative past="11" upcoming="1" unit="month"/>
//!   </element>
//! </otrs-stat>
//! ```
//!
//! A matrix has one `x` element and one or more `y` elements (their value combinations are the
//! rows, in document order). Lists add `<list sort="closed" descending="false" limit="1000"><column>number</column>…</list>`,
//! static statistics `<static>state-changes-monthly</static>`. Import checks every value and
//! reports the first problem with the element it is in.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{
    Element, ElementKind, ElementValue, ListColumn, Period, Scale, StatFormat, StatKind,
    StatSettings, StaticStat, TimeSelection,
};
use crate::error::DeskError;
use crate::ids::{AgentId, CustomerUserId, GroupId, QueueId, StateId};
use crate::model::{LockState, Priority, StateType};

/// The version written in `format="…"`.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename = "otrs-stat")]
struct Doc {
    #[serde(rename = "@format")]
    format: u32,
    title: String,
    description: String,
    #[serde(rename = "type")]
    stat_type: String,
    object: String,
    #[serde(rename = "time-zone")]
    time_zone: String,
    #[serde(rename = "sum-row")]
    sum_row: bool,
    #[serde(rename = "sum-column")]
    sum_column: bool,
    valid: bool,
    #[serde(rename = "group", default)]
    groups: Vec<u64>,
    #[serde(rename = "format", default)]
    formats: Vec<String>,
    #[serde(rename = "element", default)]
    elements: Vec<XmlElement>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    list: Option<XmlList>,
    #[serde(rename = "static", default, skip_serializing_if = "Option::is_none")]
    static_stat: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct XmlElement {
    #[serde(rename = "@role")]
    role: String,
    #[serde(rename = "@kind")]
    kind: String,
    #[serde(rename = "@allow-changes")]
    allow_changes: bool,
    #[serde(rename = "@scale", default, skip_serializing_if = "Option::is_none")]
    scale: Option<String>,
    #[serde(rename = "value", default)]
    values: Vec<XmlValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    relative: Option<XmlRelative>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    absolute: Option<XmlAbsolute>,
}

/// Values travel in an attribute so that their spaces survive.
#[derive(Debug, Serialize, Deserialize)]
struct XmlValue {
    #[serde(rename = "@v")]
    v: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct XmlRelative {
    #[serde(rename = "@past")]
    past: u32,
    #[serde(rename = "@upcoming")]
    upcoming: u32,
    #[serde(rename = "@unit")]
    unit: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct XmlAbsolute {
    #[serde(rename = "@from")]
    from: String,
    #[serde(rename = "@to")]
    to: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct XmlList {
    #[serde(rename = "@sort")]
    sort: String,
    #[serde(rename = "@descending")]
    descending: bool,
    #[serde(rename = "@limit")]
    limit: u32,
    #[serde(rename = "column", default)]
    columns: Vec<String>,
}

fn strings<T>(items: &[T], f: impl Fn(&T) -> String) -> Vec<XmlValue> {
    items.iter().map(|i| XmlValue { v: f(i) }).collect()
}

fn element(role: &str, e: &Element) -> XmlElement {
    let mut x = XmlElement {
        role: role.to_owned(),
        kind: e.value.kind().name().to_owned(),
        allow_changes: e.allow_changes,
        scale: None,
        values: Vec::new(),
        relative: None,
        absolute: None,
    };
    match &e.value {
        ElementValue::Queue(v) => x.values = strings(v, ToString::to_string),
        ElementValue::State(v) => x.values = strings(v, ToString::to_string),
        ElementValue::StateType(v) => x.values = strings(v, |t| t.name().to_owned()),
        ElementValue::Priority(v) => x.values = strings(v, |p| p.level().to_string()),
        ElementValue::Owner(v) | ElementValue::Responsible(v) => {
            x.values = strings(v, ToString::to_string)
        }
        ElementValue::Customer(v) => x.values = strings(v, Clone::clone),
        ElementValue::CustomerUser(v) => x.values = strings(v, ToString::to_string),
        ElementValue::Lock(v) => x.values = strings(v, |l| l.name().to_owned()),
        ElementValue::CreateTime(t) | ElementValue::CloseTime(t) | ElementValue::ChangeTime(t) => {
            x.scale = Some(t.scale.name().to_owned());
            match t.period {
                Period::Absolute { from, to } => {
                    x.absolute = Some(XmlAbsolute {
                        from: from.to_rfc3339(),
                        to: to.to_rfc3339(),
                    })
                }
                Period::Relative {
                    past,
                    upcoming,
                    unit,
                } => {
                    x.relative = Some(XmlRelative {
                        past,
                        upcoming,
                        unit: unit.name().to_owned(),
                    })
                }
            }
        }
    }
    x
}

/// Writes a statistic's settings as XML.
pub fn to_xml(s: &StatSettings) -> String {
    let mut doc = Doc {
        format: FORMAT_VERSION,
        title: s.title.clone(),
        description: s.description.clone(),
        stat_type: s.kind.type_name().to_owned(),
        object: s.kind.object().to_owned(),
        time_zone: s.time_zone.name().to_owned(),
        sum_row: s.sum_row,
        sum_column: s.sum_column,
        valid: s.valid,
        groups: s.permission_groups.iter().map(|g| g.0).collect(),
        formats: s.formats.iter().map(|f| f.name().to_owned()).collect(),
        elements: Vec::new(),
        list: None,
        static_stat: None,
    };
    match &s.kind {
        StatKind::Matrix { x, y, filters } => {
            doc.elements.push(element("x", x));
            doc.elements.extend(y.iter().map(|e| element("y", e)));
            doc.elements
                .extend(filters.iter().map(|f| element("filter", f)));
        }
        StatKind::List {
            columns,
            sort,
            descending,
            limit,
            filters,
        } => {
            doc.list = Some(XmlList {
                sort: sort.name().to_owned(),
                descending: *descending,
                limit: *limit,
                columns: columns.iter().map(|c| c.name().to_owned()).collect(),
            });
            doc.elements
                .extend(filters.iter().map(|f| element("filter", f)));
        }
        StatKind::Static(st) => doc.static_stat = Some(st.name().to_owned()),
    }
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut ser = quick_xml::se::Serializer::new(&mut out);
    ser.indent(' ', 2);
    // Serialising plain strings, numbers and booleans into a String cannot fail.
    let _ = doc.serialize(ser);
    out.push('\n');
    out
}

fn bad(field: &str, message: impl Into<String>) -> DeskError {
    DeskError::invalid(format!("xml.{field}"), message)
}

fn parse_all<T>(
    field: &str,
    values: &[XmlValue],
    parse: impl Fn(&str) -> Option<T>,
) -> Result<Vec<T>, DeskError> {
    values
        .iter()
        .map(|v| parse(&v.v).ok_or_else(|| bad(field, format!("{:?} is not a valid value", v.v))))
        .collect()
}

fn id<T: From<u64>>(s: &str) -> Option<T> {
    s.parse::<u64>().ok().map(T::from)
}

fn time(field: &str, s: &str) -> Result<DateTime<Utc>, DeskError> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| bad(field, format!("{s:?} is not an RFC 3339 time: {e}")))
}

fn read_element(i: usize, x: &XmlElement) -> Result<(String, Element), DeskError> {
    let field = format!("element[{i}]");
    let kind = ElementKind::from_name(&x.kind)
        .ok_or_else(|| bad(&field, format!("unknown element kind {:?}", x.kind)))?;
    let values = &x.values;
    let value = match kind {
        ElementKind::Queue => ElementValue::Queue(parse_all(&field, values, id::<QueueId>)?),
        ElementKind::State => ElementValue::State(parse_all(&field, values, id::<StateId>)?),
        ElementKind::StateType => {
            ElementValue::StateType(parse_all(&field, values, StateType::from_name)?)
        }
        ElementKind::Priority => ElementValue::Priority(parse_all(&field, values, |s| {
            s.parse::<u8>().ok().and_then(Priority::new)
        })?),
        ElementKind::Owner => ElementValue::Owner(parse_all(&field, values, id::<AgentId>)?),
        ElementKind::Responsible => {
            ElementValue::Responsible(parse_all(&field, values, id::<AgentId>)?)
        }
        ElementKind::Customer => {
            ElementValue::Customer(parse_all(&field, values, |s| Some(s.to_owned()))?)
        }
        ElementKind::CustomerUser => {
            ElementValue::CustomerUser(parse_all(&field, values, id::<CustomerUserId>)?)
        }
        ElementKind::Lock => ElementValue::Lock(parse_all(&field, values, LockState::from_name)?),
        ElementKind::CreateTime | ElementKind::CloseTime | ElementKind::ChangeTime => {
            let scale_name = x.scale.as_deref().unwrap_or("day");
            let scale = Scale::from_name(scale_name)
                .ok_or_else(|| bad(&field, format!("unknown scale {scale_name:?}")))?;
            let period = match (&x.relative, &x.absolute) {
                (Some(r), None) => Period::Relative {
                    past: r.past,
                    upcoming: r.upcoming,
                    unit: Scale::from_name(&r.unit)
                        .ok_or_else(|| bad(&field, format!("unknown unit {:?}", r.unit)))?,
                },
                (None, Some(a)) => Period::Absolute {
                    from: time(&field, &a.from)?,
                    to: time(&field, &a.to)?,
                },
                _ => {
                    return Err(bad(
                        &field,
                        "a time element needs exactly one of <relative> and <absolute>",
                    ));
                }
            };
            let t = TimeSelection { period, scale };
            match kind {
                ElementKind::CreateTime => ElementValue::CreateTime(t),
                ElementKind::CloseTime => ElementValue::CloseTime(t),
                _ => ElementValue::ChangeTime(t),
            }
        }
    };
    Ok((
        x.role.clone(),
        Element {
            value,
            allow_changes: x.allow_changes,
        },
    ))
}

/// Reads a statistic's settings from XML written by [`to_xml`] (and checks them).
pub fn from_xml(text: &str) -> Result<StatSettings, DeskError> {
    let doc: Doc = quick_xml::de::from_str(text)
        .map_err(|e| bad("document", format!("not a statistic: {e}")))?;
    if doc.format != FORMAT_VERSION {
        return Err(bad(
            "format",
            format!("version {} is not supported", doc.format),
        ));
    }
    let time_zone: Tz = doc.time_zone.parse().map_err(|_| {
        bad(
            "time-zone",
            format!("{:?} is not an IANA time zone", doc.time_zone),
        )
    })?;
    let formats = doc
        .formats
        .iter()
        .map(|f| {
            StatFormat::from_name(f).ok_or_else(|| bad("format", format!("unknown format {f:?}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut x = None;
    let mut y = Vec::new();
    let mut filters = Vec::new();
    for (i, e) in doc.elements.iter().enumerate() {
        let (role, element) = read_element(i, e)?;
        match role.as_str() {
            "x" if x.is_none() => x = Some(element),
            "y" => y.push(element),
            "filter" => filters.push(element),
            other => {
                return Err(bad(
                    &format!("element[{i}]"),
                    format!("unexpected role {other:?}"),
                ));
            }
        }
    }
    let kind = match doc.stat_type.as_str() {
        "Matrix" => StatKind::Matrix {
            x: x.ok_or_else(|| bad("element", "a matrix needs an element with role \"x\""))?,
            y: if y.is_empty() {
                return Err(bad("element", "a matrix needs an element with role \"y\""));
            } else {
                y
            },
            filters,
        },
        "List" => {
            let list = doc
                .list
                .ok_or_else(|| bad("list", "a list statistic needs <list>"))?;
            if x.is_some() || !y.is_empty() {
                return Err(bad("element", "a list statistic has no axes"));
            }
            let column = |c: &str| {
                ListColumn::from_name(c).ok_or_else(|| bad("list", format!("unknown column {c:?}")))
            };
            StatKind::List {
                columns: list
                    .columns
                    .iter()
                    .map(|c| column(c))
                    .collect::<Result<_, _>>()?,
                sort: column(&list.sort)?,
                descending: list.descending,
                limit: list.limit,
                filters,
            }
        }
        "Static" => {
            let name = doc.static_stat.unwrap_or_default();
            StatKind::Static(
                StaticStat::from_name(&name)
                    .ok_or_else(|| bad("static", format!("unknown static statistic {name:?}")))?,
            )
        }
        other => return Err(bad("type", format!("unknown statistic type {other:?}"))),
    };
    let settings = StatSettings {
        title: doc.title,
        description: doc.description,
        kind,
        permission_groups: doc.groups.into_iter().map(GroupId).collect(),
        formats,
        time_zone,
        sum_row: doc.sum_row,
        sum_column: doc.sum_column,
        valid: doc.valid,
    };
    settings.validate().into_result()?;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::preinstalled::preinstalled;
    use proptest::prelude::*;

    #[test]
    fn every_preinstalled_statistic_round_trips() {
        for (number, s) in preinstalled() {
            let xml = to_xml(&s);
            assert_eq!(from_xml(&xml).unwrap(), s, "statistic {number}:\n{xml}");
        }
    }

    #[test]
    fn bad_documents_name_the_problem() {
        let err = |text: &str| from_xml(text).unwrap_err().to_string();
        assert!(err("<nope/>").contains("xml.document"));
        let good = to_xml(&preinstalled()[8].1);
        assert!(
            err(&good.replace("<time-zone>UTC", "<time-zone>Mars/Olympus")).contains("time-zone")
        );
        assert!(err(&good.replace("kind=\"state\"", "kind=\"colour\"")).contains("element[0]"));
        assert!(
            err(&good.replace("<title>Overview about all tickets in the system", "<title>"))
                .contains("title")
        );
    }

    fn text() -> impl Strategy<Value = String> {
        "[ -~äöü€中文]{1,30}".prop_filter("needs a visible character", |s| !s.trim().is_empty())
    }

    fn scale() -> impl Strategy<Value = Scale> {
        prop::sample::select(Scale::ALL.to_vec())
    }

    fn time_selection() -> impl Strategy<Value = TimeSelection> {
        let relative =
            (0u32..50, 1u32..50, scale()).prop_map(|(past, upcoming, unit)| Period::Relative {
                past,
                upcoming,
                unit,
            });
        let absolute =
            (0i64..2_000_000_000, 1i64..100_000_000).prop_map(|(from, len)| Period::Absolute {
                from: DateTime::from_timestamp(from, 0).unwrap(),
                to: DateTime::from_timestamp(from + len, 0).unwrap(),
            });
        (prop_oneof![relative, absolute], scale())
            .prop_map(|(period, scale)| TimeSelection { period, scale })
    }

    fn value() -> impl Strategy<Value = ElementValue> {
        let ids = || prop::collection::vec(1u64..1000, 1..4);
        prop_oneof![
            ids().prop_map(|v| ElementValue::Queue(v.into_iter().map(QueueId).collect())),
            ids().prop_map(|v| ElementValue::State(v.into_iter().map(StateId).collect())),
            prop::collection::vec(prop::sample::select(StateType::ALL.to_vec()), 1..3)
                .prop_map(ElementValue::StateType),
            prop::collection::vec(prop::sample::select(Priority::ALL.to_vec()), 1..3)
                .prop_map(ElementValue::Priority),
            ids().prop_map(|v| ElementValue::Owner(v.into_iter().map(AgentId).collect())),
            ids().prop_map(|v| ElementValue::Responsible(v.into_iter().map(AgentId).collect())),
            prop::collection::vec(text(), 1..3).prop_map(ElementValue::Customer),
            ids().prop_map(|v| ElementValue::CustomerUser(
                v.into_iter().map(CustomerUserId).collect()
            )),
            prop::collection::vec(
                prop::sample::select(vec![
                    LockState::Unlocked,
                    LockState::Locked,
                    LockState::TmpLocked
                ]),
                1..3
            )
            .prop_map(ElementValue::Lock),
            time_selection().prop_map(ElementValue::CreateTime),
            time_selection().prop_map(ElementValue::CloseTime),
            time_selection().prop_map(ElementValue::ChangeTime),
        ]
    }

    fn element() -> impl Strategy<Value = Element> {
        (value(), any::<bool>()).prop_map(|(value, allow_changes)| Element {
            value,
            allow_changes,
        })
    }

    fn filters() -> impl Strategy<Value = Vec<Element>> {
        prop::collection::vec(element(), 0..4).prop_map(|mut v| {
            let mut seen = std::collections::HashSet::new();
            v.retain(|e| seen.insert(e.value.kind()));
            v
        })
    }

    fn kind() -> impl Strategy<Value = StatKind> {
        let matrix = (
            element(),
            prop::collection::vec(element(), 1..=crate::stats::MAX_Y_ELEMENTS),
            filters(),
        )
            .prop_map(|(x, mut y, mut filters)| {
                // Each element kind is used once in a statistic.
                let mut used = std::collections::HashSet::from([x.value.kind()]);
                y.retain(|e| used.insert(e.value.kind()));
                filters.retain(|f| !used.contains(&f.value.kind()));
                (x, y, filters)
            })
            .prop_filter("a Y element", |(_, y, _)| !y.is_empty())
            .prop_map(|(x, y, filters)| StatKind::Matrix { x, y, filters });
        let sortable: Vec<ListColumn> = ListColumn::ALL
            .into_iter()
            .filter(|c| crate::stats::engine::list_sort(*c, false).is_some())
            .collect();
        let list = (
            prop::sample::subsequence(ListColumn::ALL.to_vec(), 1..8),
            prop::sample::select(sortable),
            any::<bool>(),
            1u32..10_000,
            filters(),
        )
            .prop_map(
                |(columns, sort, descending, limit, filters)| StatKind::List {
                    columns,
                    sort,
                    descending,
                    limit,
                    filters,
                },
            );
        prop_oneof![
            matrix,
            list,
            Just(StatKind::Static(StaticStat::StateChangesMonthly))
        ]
    }

    fn settings() -> impl Strategy<Value = StatSettings> {
        (
            text(),
            text(),
            kind(),
            prop::collection::vec(1u64..100, 1..3),
            prop::sample::subsequence(StatFormat::ALL.to_vec(), 1..4),
            prop::sample::select(vec![
                Tz::UTC,
                chrono_tz::Europe::Berlin,
                chrono_tz::Asia::Tokyo,
            ]),
            any::<(bool, bool, bool)>(),
        )
            .prop_map(
                |(
                    title,
                    description,
                    kind,
                    groups,
                    formats,
                    time_zone,
                    (sum_row, sum_column, valid),
                )| {
                    StatSettings {
                        title,
                        description,
                        kind,
                        permission_groups: groups.into_iter().map(GroupId).collect(),
                        formats,
                        time_zone,
                        sum_row,
                        sum_column,
                        valid,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn export_then_import_gives_the_same_statistic(s in settings()) {
            let xml = to_xml(&s);
            prop_assert_eq!(from_xml(&xml).map_err(|e| e.to_string()), Ok(s), "{}", xml);
        }
    }
}
