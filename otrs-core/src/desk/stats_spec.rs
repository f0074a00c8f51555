//! Statistics in text form: reading and writing [`StatSpec`]s (the API's JSON definition and the
//! agent UI's form) and run-time changes written as `ELEMENT=VALUES` (the CLI's `--set`).

use std::collections::BTreeSet;

use chrono_tz::Tz;

use crate::error::{DeskError, ValidationErrors};
use crate::model::Principal;
use crate::stats::engine::{apply_overrides, overrides_by_kind};
use crate::stats::spec::{
    ElementSpec, ListSpec, Names, StatSpec, customer_user_logins, element_kind, element_name,
    format_value, parse_value, split_assignment,
};
use crate::stats::{
    Element, ElementKind, ListColumn, RunOptions, StatFormat, StatKind, StatSettings, StaticStat,
};
use crate::store::{Store, StoreTx};

use super::{Desk, read_tx};

impl<S: Store> Desk<S> {
    /// The names of queues, states and agents, and of the customer users with these logins.
    async fn stat_names(
        tx: &mut S::Tx,
        logins: &BTreeSet<String>,
        user_ids: &BTreeSet<crate::ids::CustomerUserId>,
    ) -> Result<Names, DeskError> {
        let mut names = Names {
            queues: tx
                .queues()
                .await?
                .into_iter()
                .map(|q| (q.id, q.name))
                .collect(),
            states: tx
                .states()
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
            agents: tx
                .agents()
                .await?
                .into_iter()
                .map(|a| (a.id, a.login))
                .collect(),
            customer_users: Vec::new(),
        };
        for login in logins {
            if let Some(u) = tx.customer_user_by_login(login).await? {
                names.customer_users.push((u.id, u.login));
            }
        }
        for id in user_ids {
            if let Some(u) = tx.customer_user(*id).await? {
                names.customer_users.push((u.id, u.login));
            }
        }
        Ok(names)
    }

    /// Reads a statistic written in text form, reporting every bad field at once (`title`,
    /// `x`, `y[1]`, `filters[0]`, `list.columns`, …). Nothing is stored. Only stats admins
    /// (`rw` on `stats`) write definitions, so only they are answered.
    pub async fn stat_settings_from_spec(
        &self,
        actor: Principal,
        spec: &StatSpec,
    ) -> Result<StatSettings, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_stats_admin(&ctx, "define", "statistics")?;
            let mut errors = ValidationErrors::new();
            let time_zone: Tz = spec.time_zone.trim().parse().unwrap_or_else(|_| {
                errors.add(
                    "time_zone",
                    format!("{:?} is not an IANA time zone", spec.time_zone),
                );
                Tz::UTC
            });
            let elements: Vec<&ElementSpec> =
                spec.x.iter().chain(&spec.y).chain(&spec.filters).collect();
            let mut logins = BTreeSet::new();
            for e in &elements {
                if let Some(kind) = element_kind(&e.element) {
                    logins.extend(customer_user_logins(kind, &e.values));
                }
            }
            let names = Self::stat_names(&mut tx, &logins, &BTreeSet::new()).await?;
            let read = |errors: &mut ValidationErrors,
                        field: String,
                        e: &ElementSpec|
             -> Option<Element> {
                let Some(kind) = element_kind(&e.element) else {
                    errors.add(
                        &field,
                        format!(
                            "{:?} is not an element (one of {})",
                            e.element,
                            ElementKind::ALL.map(element_name).join(", ")
                        ),
                    );
                    return None;
                };
                match parse_value(&field, kind, &e.values, &names, time_zone, None) {
                    Ok(value) => Some(Element {
                        value,
                        allow_changes: e.allow_changes,
                    }),
                    Err(DeskError::Invalid(v)) => {
                        errors.0.extend(v.0);
                        None
                    }
                    Err(other) => {
                        errors.add(&field, other.to_string());
                        None
                    }
                }
            };
            let filters: Vec<Element> = spec
                .filters
                .iter()
                .enumerate()
                .filter_map(|(i, e)| read(&mut errors, format!("filters[{i}]"), e))
                .collect();
            let kind = match spec.stat_type.as_str() {
                "Matrix" => {
                    let x = match &spec.x {
                        Some(x) => read(&mut errors, "x".into(), x),
                        None => {
                            errors.add("x", "a matrix needs an X axis element");
                            None
                        }
                    };
                    let y: Vec<Element> = spec
                        .y
                        .iter()
                        .enumerate()
                        .filter_map(|(i, e)| read(&mut errors, format!("y[{i}]"), e))
                        .collect();
                    if spec.y.is_empty() {
                        errors.add("y", "a matrix needs at least one Y axis element");
                    }
                    x.map(|x| StatKind::Matrix { x, y, filters })
                }
                "List" => {
                    let list = spec.list.clone().unwrap_or(ListSpec {
                        columns: Vec::new(),
                        sort: "number".into(),
                        descending: false,
                        limit: 100,
                    });
                    let mut columns = Vec::new();
                    for c in &list.columns {
                        match ListColumn::from_name(c.trim()) {
                            Some(col) => columns.push(col),
                            None => errors.add("list.columns", format!("{c:?} is not a column")),
                        }
                    }
                    let sort = ListColumn::from_name(list.sort.trim()).unwrap_or_else(|| {
                        errors.add("list.sort", format!("{:?} is not a column", list.sort));
                        ListColumn::Number
                    });
                    Some(StatKind::List {
                        columns,
                        sort,
                        descending: list.descending,
                        limit: list.limit,
                        filters,
                    })
                }
                "Static" => {
                    let name = spec
                        .static_stat
                        .as_deref()
                        .unwrap_or("state-changes-monthly");
                    match StaticStat::from_name(name) {
                        Some(s) => Some(StatKind::Static(s)),
                        None => {
                            errors.add("static", format!("{name:?} is not a static statistic"));
                            None
                        }
                    }
                }
                other => {
                    errors.add(
                        "type",
                        format!("{other:?} is not one of Matrix, List, Static"),
                    );
                    None
                }
            };
            let groups = tx.groups().await?;
            let mut permission_groups = Vec::new();
            for g in &spec.permission_groups {
                let g = g.trim();
                let found = groups.iter().find(|x| {
                    x.name == g || g.strip_prefix('#').and_then(|n| n.parse().ok()) == Some(x.id.0)
                });
                match found {
                    Some(x) => permission_groups.push(x.id),
                    None => errors.add("permission_groups", format!("no group is named {g:?}")),
                }
            }
            let mut formats = Vec::new();
            for f in &spec.formats {
                match StatFormat::from_name(f.trim()) {
                    Some(x) => formats.push(x),
                    None => errors.add(
                        "formats",
                        format!("{f:?} is not one of table, csv, excel, print"),
                    ),
                }
            }
            let settings = kind.map(|kind| StatSettings {
                title: spec.title.clone(),
                description: spec.description.clone(),
                kind,
                permission_groups,
                formats,
                time_zone,
                sum_row: spec.sum_row,
                sum_column: spec.sum_column,
                valid: spec.valid,
            });
            if let Some(s) = &settings {
                for e in s.validate().0 {
                    // Parse errors already name these fields; do not repeat them.
                    if !errors.0.iter().any(|x| x.field == e.field) {
                        errors.0.push(e);
                    }
                }
            } else {
                errors.text("title", &spec.title, 1, 200, false);
            }
            errors.into_result()?;
            settings.ok_or_else(|| DeskError::invalid("type", "is required"))
        })
    }

    /// A statistic's settings in text form (names instead of ids).
    pub async fn stat_spec(
        &self,
        actor: Principal,
        settings: &StatSettings,
    ) -> Result<StatSpec, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::stats_agent(&ctx, "read", "statistics")?;
            let mut user_ids = BTreeSet::new();
            let (x, y, filters): (Option<&Element>, &[Element], &[Element]) = match &settings.kind {
                StatKind::Matrix { x, y, filters } => (Some(x), y, filters),
                StatKind::List { filters, .. } => (None, &[], filters),
                StatKind::Static(_) => (None, &[], &[]),
            };
            for e in x.into_iter().chain(y).chain(filters) {
                if let crate::stats::ElementValue::CustomerUser(ids) = &e.value {
                    user_ids.extend(ids.iter().copied());
                }
            }
            let names = Self::stat_names(&mut tx, &BTreeSet::new(), &user_ids).await?;
            let tz = settings.time_zone;
            let spec_of = |e: &Element| ElementSpec {
                element: element_name(e.value.kind()).to_owned(),
                values: format_value(&e.value, &names, tz),
                allow_changes: e.allow_changes,
            };
            let groups = tx.groups().await?;
            Ok(StatSpec {
                title: settings.title.clone(),
                description: settings.description.clone(),
                stat_type: settings.kind.type_name().to_owned(),
                permission_groups: settings
                    .permission_groups
                    .iter()
                    .map(|g| {
                        groups
                            .iter()
                            .find(|x| x.id == *g)
                            .map_or_else(|| format!("#{g}"), |x| x.name.clone())
                    })
                    .collect(),
                formats: settings
                    .formats
                    .iter()
                    .map(|f| f.name().to_owned())
                    .collect(),
                time_zone: tz.name().to_owned(),
                sum_row: settings.sum_row,
                sum_column: settings.sum_column,
                valid: settings.valid,
                x: x.map(spec_of),
                y: y.iter().map(spec_of).collect(),
                filters: filters.iter().map(spec_of).collect(),
                list: match &settings.kind {
                    StatKind::List {
                        columns,
                        sort,
                        descending,
                        limit,
                        ..
                    } => Some(ListSpec {
                        columns: columns.iter().map(|c| c.name().to_owned()).collect(),
                        sort: sort.name().to_owned(),
                        descending: *descending,
                        limit: *limit,
                    }),
                    _ => None,
                },
                static_stat: match &settings.kind {
                    StatKind::Static(s) => Some(s.name().to_owned()),
                    _ => None,
                },
            })
        })
    }

    /// Run-time changes written as `ELEMENT=VALUES` (see [`crate::stats::spec`]) for statistic
    /// `number`: each must name an element the statistic uses and that allows changes before
    /// running (else a typed error naming the element). A time change without `@SCALE` keeps the
    /// element's scale. `field` names the input in errors (`set`, `overrides`).
    pub async fn stat_run_options(
        &self,
        actor: Principal,
        number: u32,
        field: &str,
        assignments: &[String],
        month: Option<(i32, u32)>,
    ) -> Result<RunOptions, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let stat = self.load_stat(&mut tx, &ctx, number, "run").await?;
            let mut parsed = Vec::new();
            let mut logins = BTreeSet::new();
            for text in assignments {
                let (kind, values) = split_assignment(field, text)?;
                logins.extend(customer_user_logins(kind, values));
                parsed.push((kind, values));
            }
            let names = Self::stat_names(&mut tx, &logins, &BTreeSet::new()).await?;
            let mut values = Vec::new();
            for (kind, text) in parsed {
                let current = current_element(&stat.settings.kind, kind);
                let keep_scale = current.and_then(|e| e.value.time()).map(|t| t.scale);
                let field = format!("{field}.{}", element_name(kind));
                values.push(parse_value(
                    &field,
                    kind,
                    text,
                    &names,
                    stat.settings.time_zone,
                    keep_scale,
                )?);
            }
            let options = RunOptions {
                overrides: overrides_by_kind(&stat, values)?,
                month,
            };
            // Refuses elements that do not allow changes now, before any output is made.
            apply_overrides(&stat, &options)?;
            Ok(options)
        })
    }
}

/// The element of `kind` in a statistic, wherever it sits.
fn current_element(kind: &StatKind, element: ElementKind) -> Option<&Element> {
    match kind {
        StatKind::Matrix { x, y, filters } => std::iter::once(x)
            .chain(y)
            .chain(filters)
            .find(|e| e.value.kind() == element),
        StatKind::List { filters, .. } => filters.iter().find(|e| e.value.kind() == element),
        StatKind::Static(_) => None,
    }
}
