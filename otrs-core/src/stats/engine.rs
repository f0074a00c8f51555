//! Runs a statistic: applies run-time changes, asks the store for grouped counts, rows or
//! state changes, and lays the answer out as a [`StatTable`].

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use chrono_tz::Tz;

use super::period::{Scale, buckets, day_start};
use super::query::{
    StatFilter, StatGroup, StatKey, StatListQuery, StatSort, StatTupleCount, TimeRange,
};
use super::{
    Element, ElementKind, ElementTarget, ElementValue, ListColumn, RunOptions, StatDefinition,
    StatKind, StaticStat, TimeSelection,
};
use crate::error::DeskError;
use crate::ids::StateId;
use crate::model::{Agent, LockState, Priority, Queue, State, StateType, Ticket};
use crate::store::StoreTx;

/// One cell of a result.
#[derive(Debug, Clone, PartialEq)]
pub enum StatCell {
    /// A label or formatted value.
    Text(String),
    /// A count.
    Count(u64),
    /// A decimal number (accounted time).
    Number(f64),
    /// No value (e.g. a deadline without escalation rules).
    Empty,
}

impl StatCell {
    /// The cell as text (`Empty` is the empty string).
    pub fn to_text(&self) -> String {
        match self {
            StatCell::Text(t) => t.clone(),
            StatCell::Count(n) => n.to_string(),
            StatCell::Number(x) => x.to_string(),
            StatCell::Empty => String::new(),
        }
    }
}

/// The result of a run: a header row, data rows, and notes about the data.
#[derive(Debug, Clone, PartialEq)]
pub struct StatTable {
    /// The statistic's number.
    pub number: u32,
    /// Its title.
    pub title: String,
    /// "Matrix", "List" or "Static".
    pub kind: &'static str,
    /// The zone times and periods are in.
    pub time_zone: Tz,
    /// When it ran.
    pub generated_at: DateTime<Utc>,
    /// Column headers (for a matrix the first is the Y element's name).
    pub headers: Vec<String>,
    /// Rows (for a matrix the first cell is the row label).
    pub rows: Vec<Vec<StatCell>>,
    /// Remarks for the reader (empty deadline columns, the period covered).
    pub notes: Vec<String>,
}

/// The store sort and direction for a list column, `None` when the column cannot be sorted by.
/// Deadline columns (empty without escalation rules) sort by creation time.
pub fn list_sort(column: ListColumn, descending: bool) -> Option<(StatSort, bool)> {
    Some(match column {
        ListColumn::Number => (StatSort::Number, descending),
        ListColumn::Title => (StatSort::Title, descending),
        ListColumn::Created => (StatSort::Created, descending),
        ListColumn::Changed => (StatSort::Changed, descending),
        ListColumn::Closed => (StatSort::Closed, descending),
        ListColumn::Priority => (StatSort::Priority, descending),
        ListColumn::AccountedTime => (StatSort::AccountedTime, descending),
        // The oldest ticket has the largest age.
        ListColumn::Age => (StatSort::Created, !descending),
        c if c.needs_escalation() => (StatSort::Created, descending),
        _ => return None,
    })
}

/// Replaces the elements named in `options` by their new values. Only elements that allow
/// changes may be replaced, and only by a value of the same kind.
pub fn apply_overrides(def: &StatDefinition, options: &RunOptions) -> Result<StatKind, DeskError> {
    let mut kind = def.settings.kind.clone();
    let stat = || format!("statistic {}", def.number);
    for (target, value) in &options.overrides {
        let element: Option<&mut Element> = match (&mut kind, target) {
            (StatKind::Matrix { x, .. }, ElementTarget::X) => Some(x),
            (StatKind::Matrix { y, .. }, ElementTarget::Y(k)) => {
                y.iter_mut().find(|e| e.value.kind() == *k)
            }
            (
                StatKind::Matrix { filters, .. } | StatKind::List { filters, .. },
                ElementTarget::Filter(k),
            ) => filters.iter_mut().find(|f| f.value.kind() == *k),
            _ => None,
        };
        let Some(element) = element else {
            return Err(DeskError::NotAllowed {
                object: stat(),
                reason: format!("has no {target} to change"),
            });
        };
        if !element.allow_changes {
            return Err(DeskError::NotAllowed {
                object: stat(),
                reason: format!("{target} does not allow changes before running"),
            });
        }
        if value.kind() != element.value.kind() {
            return Err(DeskError::invalid(
                "overrides",
                format!(
                    "{target} is a {} element, not {}",
                    element.value.kind().name(),
                    value.kind().name()
                ),
            ));
        }
        let mut errors = crate::error::ValidationErrors::new();
        let axis = matches!(target, ElementTarget::X | ElementTarget::Y(_));
        super::check_value(
            &mut errors,
            &format!("overrides.{}", value.kind().name()),
            value,
            axis,
        );
        errors.into_result()?;
        element.value = value.clone();
    }
    Ok(kind)
}

/// Turns changes named by element kind (as the CLI's `--set` and the API's `overrides` give them)
/// into targets of this statistic. An element the statistic does not use is an error naming it.
pub fn overrides_by_kind(
    def: &StatDefinition,
    values: Vec<ElementValue>,
) -> Result<Vec<(ElementTarget, ElementValue)>, DeskError> {
    values
        .into_iter()
        .map(|v| {
            let kind = v.kind();
            ElementTarget::of(&def.settings.kind, kind)
                .map(|t| (t, v))
                .ok_or_else(|| DeskError::NotAllowed {
                    object: format!("statistic {}", def.number),
                    reason: format!("has no {} element to change", kind.name()),
                })
        })
        .collect()
}

/// The catalogues the engine labels values with.
#[derive(Debug, Clone)]
pub struct Catalog {
    /// Every queue.
    pub queues: Vec<Queue>,
    /// Every state.
    pub states: Vec<State>,
    /// Every agent.
    pub agents: Vec<Agent>,
}

impl Catalog {
    /// Loads the catalogues.
    pub async fn load<T: StoreTx>(tx: &mut T) -> Result<Catalog, DeskError> {
        Ok(Catalog {
            queues: tx.queues().await?,
            states: tx.states().await?,
            agents: tx.agents().await?,
        })
    }

    fn states_of(&self, types: &[StateType]) -> Vec<StateId> {
        self.states
            .iter()
            .filter(|s| types.contains(&s.state_type))
            .map(|s| s.id)
            .collect()
    }

    fn closed_states(&self) -> Vec<StateId> {
        self.states_of(&[StateType::Closed])
    }

    fn queue_name(&self, id: crate::ids::QueueId) -> String {
        self.queues
            .iter()
            .find(|q| q.id == id)
            .map_or_else(|| format!("queue {id}"), |q| q.name.clone())
    }

    fn state(&self, id: StateId) -> Option<&State> {
        self.states.iter().find(|s| s.id == id)
    }

    fn agent_name(&self, id: crate::ids::AgentId) -> String {
        self.agents.iter().find(|a| a.id == id).map_or_else(
            || format!("agent {id}"),
            |a| format!("{} ({})", a.full_name(), a.login),
        )
    }
}

fn key(id: u64) -> StatKey {
    StatKey::Int(i64::try_from(id).unwrap_or(i64::MAX))
}

/// One axis ready to count: the store grouping and the shown values, each with the store keys it
/// adds up (a state type adds up its states).
struct Axis {
    group: StatGroup,
    values: Vec<(String, Vec<StatKey>)>,
    /// Values not known before counting (customers, customer users) are taken from the counts.
    from_data: bool,
    label: &'static str,
}

fn time_range(t: &TimeSelection, now: DateTime<Utc>, tz: Tz) -> TimeRange {
    let (from, to) = t.period.range(now, tz);
    TimeRange { from, to }
}

fn axis(
    value: &ElementValue,
    catalog: &Catalog,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Axis, DeskError> {
    let kind = value.kind();
    let mut from_data = false;
    let values: Vec<(String, Vec<StatKey>)>;
    let group = match value {
        ElementValue::Queue(ids) => {
            let ids: Vec<_> = if ids.is_empty() {
                let mut qs: Vec<&Queue> = catalog.queues.iter().collect();
                qs.sort_by(|a, b| a.name.cmp(&b.name));
                qs.iter().map(|q| q.id).collect()
            } else {
                ids.clone()
            };
            values = ids
                .iter()
                .map(|id| (catalog.queue_name(*id), vec![key(id.0)]))
                .collect();
            StatGroup::Queue
        }
        ElementValue::State(ids) => {
            let ids: Vec<_> = if ids.is_empty() {
                catalog.states.iter().map(|s| s.id).collect()
            } else {
                ids.clone()
            };
            values = ids
                .iter()
                .map(|id| {
                    let name = catalog
                        .state(*id)
                        .map_or_else(|| format!("state {id}"), |s| s.name.clone());
                    (name, vec![key(id.0)])
                })
                .collect();
            StatGroup::State
        }
        ElementValue::StateType(types) => {
            let types: Vec<StateType> = if types.is_empty() {
                StateType::ALL
                    .into_iter()
                    .filter(|t| catalog.states.iter().any(|s| s.state_type == *t))
                    .collect()
            } else {
                types.clone()
            };
            values = types
                .iter()
                .map(|t| {
                    let keys = catalog
                        .states_of(&[*t])
                        .into_iter()
                        .map(|s| key(s.0))
                        .collect();
                    (t.name().to_owned(), keys)
                })
                .collect();
            StatGroup::State
        }
        ElementValue::Priority(ps) => {
            let ps: Vec<Priority> = if ps.is_empty() {
                Priority::ALL.to_vec()
            } else {
                ps.clone()
            };
            values = ps
                .iter()
                .map(|p| {
                    (
                        p.name().to_owned(),
                        vec![StatKey::Int(i64::from(p.level()))],
                    )
                })
                .collect();
            StatGroup::Priority
        }
        ElementValue::Owner(ids) | ElementValue::Responsible(ids) => {
            let ids: Vec<_> = if ids.is_empty() {
                catalog
                    .agents
                    .iter()
                    .filter(|a| a.validity.is_valid())
                    .map(|a| a.id)
                    .collect()
            } else {
                ids.clone()
            };
            values = ids
                .iter()
                .map(|id| (catalog.agent_name(*id), vec![key(id.0)]))
                .collect();
            if kind == ElementKind::Owner {
                StatGroup::Owner
            } else {
                StatGroup::Responsible
            }
        }
        ElementValue::Customer(ids) => {
            from_data = ids.is_empty();
            values = ids
                .iter()
                .map(|c| (c.clone(), vec![StatKey::Text(c.clone())]))
                .collect();
            StatGroup::Customer
        }
        ElementValue::CustomerUser(ids) => {
            from_data = ids.is_empty();
            values = ids
                .iter()
                .map(|id| (id.to_string(), vec![key(id.0)]))
                .collect();
            StatGroup::CustomerUser
        }
        ElementValue::Lock(locks) => {
            let locks: Vec<LockState> = if locks.is_empty() {
                vec![LockState::Unlocked, LockState::Locked, LockState::TmpLocked]
            } else {
                locks.clone()
            };
            values = locks
                .iter()
                .map(|l| {
                    (
                        l.name().to_owned(),
                        vec![StatKey::Text(l.name().to_owned())],
                    )
                })
                .collect();
            StatGroup::Lock
        }
        ElementValue::CreateTime(t) | ElementValue::CloseTime(t) | ElementValue::ChangeTime(t) => {
            let (from, to) = t.period.range(now, tz);
            let (bounds, labels) = buckets(from, to, t.scale, tz).ok_or_else(|| {
                DeskError::invalid(
                    kind.name(),
                    format!(
                        "the period has more than {} {}s",
                        super::period::MAX_BUCKETS,
                        t.scale.name()
                    ),
                )
            })?;
            values = labels
                .into_iter()
                .enumerate()
                .map(|(i, l)| (l, vec![StatKey::Int(i64::try_from(i).unwrap_or(0))]))
                .collect();
            match kind {
                ElementKind::CreateTime => StatGroup::Created(bounds),
                ElementKind::CloseTime => StatGroup::Closed(bounds),
                _ => StatGroup::Changed(bounds),
            }
        }
    };
    Ok(Axis {
        group,
        values,
        from_data,
        label: kind.label(),
    })
}

/// Builds the store filter of a statistic's filters.
pub fn filter_of(filters: &[Element], catalog: &Catalog, now: DateTime<Utc>, tz: Tz) -> StatFilter {
    let mut f = StatFilter {
        closed_states: catalog.closed_states(),
        ..StatFilter::default()
    };
    let mut state_types: Option<Vec<StateId>> = None;
    for e in filters {
        match &e.value {
            ElementValue::Queue(v) => f.queues = Some(v.clone()),
            ElementValue::State(v) => f.states = Some(v.clone()),
            ElementValue::StateType(v) => state_types = Some(catalog.states_of(v)),
            ElementValue::Priority(v) => f.priorities = Some(v.clone()),
            ElementValue::Owner(v) => f.owners = Some(v.clone()),
            ElementValue::Responsible(v) => f.responsibles = Some(v.clone()),
            ElementValue::Customer(v) => f.customers = Some(v.clone()),
            ElementValue::CustomerUser(v) => f.customer_users = Some(v.clone()),
            ElementValue::Lock(v) => f.locks = Some(v.clone()),
            ElementValue::CreateTime(t) => f.created = Some(time_range(t, now, tz)),
            ElementValue::CloseTime(t) => f.closed = Some(time_range(t, now, tz)),
            ElementValue::ChangeTime(t) => f.changed = Some(time_range(t, now, tz)),
        }
    }
    if let Some(types) = state_types {
        f.states = Some(match f.states.take() {
            Some(states) => states.into_iter().filter(|s| types.contains(s)).collect(),
            None => types,
        });
    }
    f
}

/// Runs a statistic of any kind.
pub async fn run<T: StoreTx>(
    tx: &mut T,
    def: &StatDefinition,
    options: &RunOptions,
    now: DateTime<Utc>,
) -> Result<StatTable, DeskError> {
    let kind = apply_overrides(def, options)?;
    let catalog = Catalog::load(tx).await?;
    let tz = def.settings.time_zone;
    let mut table = StatTable {
        number: def.number,
        title: def.settings.title.clone(),
        kind: kind.type_name(),
        time_zone: tz,
        generated_at: now,
        headers: Vec::new(),
        rows: Vec::new(),
        notes: Vec::new(),
    };
    let counts_table =
        |headers: Vec<String>, rows: Vec<(Vec<String>, Vec<u64>)>, table: &mut StatTable| {
            let labels = rows.first().map_or(1, |(l, _)| l.len());
            let width = headers.len().saturating_sub(labels);
            table.headers = headers;
            if def.settings.sum_column {
                table.headers.push("Sum".into());
            }
            let mut sums = vec![0u64; width];
            for (label, cells) in rows {
                let mut row: Vec<StatCell> = label.into_iter().map(StatCell::Text).collect();
                for (i, c) in cells.iter().enumerate() {
                    sums[i] += c;
                }
                let total: u64 = cells.iter().sum();
                row.extend(cells.into_iter().map(StatCell::Count));
                if def.settings.sum_column {
                    row.push(StatCell::Count(total));
                }
                table.rows.push(row);
            }
            if def.settings.sum_row {
                let mut row = vec![StatCell::Text("Sum".into())];
                row.extend((1..labels).map(|_| StatCell::Empty));
                let total: u64 = sums.iter().sum();
                row.extend(sums.into_iter().map(StatCell::Count));
                if def.settings.sum_column {
                    row.push(StatCell::Count(total));
                }
                table.rows.push(row);
            }
        };
    match &kind {
        StatKind::Matrix { x, y, filters } => {
            let (headers, rows) = matrix(tx, &catalog, x, y, filters, now, tz).await?;
            for e in std::iter::once(x).chain(y).chain(filters) {
                if let Some(t) = e.value.time() {
                    let r = time_range(t, now, tz);
                    table.notes.push(period_note(e.value.kind(), r, tz));
                }
            }
            counts_table(headers, rows, &mut table);
        }
        StatKind::List {
            columns,
            sort,
            descending,
            limit,
            filters,
        } => {
            list(
                tx,
                &catalog,
                &mut table,
                columns,
                *sort,
                *descending,
                *limit,
                filters,
                now,
                tz,
            )
            .await?;
        }
        StatKind::Static(StaticStat::StateChangesMonthly) => {
            let (headers, rows, note) = state_changes(tx, &catalog, options.month, now, tz).await?;
            table.notes.push(note);
            counts_table(headers, rows, &mut table);
        }
    }
    Ok(table)
}

fn period_note(kind: ElementKind, r: TimeRange, tz: Tz) -> String {
    let fmt = |t: DateTime<Utc>| t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string();
    format!(
        "{}: from {} to {} ({})",
        kind.label(),
        fmt(r.from),
        fmt(r.to),
        tz.name()
    )
}

type Counted = (Vec<String>, Vec<(Vec<String>, Vec<u64>)>);

/// Fills in the values of an axis that are taken from the counts (customers, customer users),
/// `pick` being the axis' position in the count keys.
async fn values_from_data<T: StoreTx>(
    tx: &mut T,
    ax: &mut Axis,
    counts: &[StatTupleCount],
    pick: usize,
) -> Result<(), DeskError> {
    if !ax.from_data {
        return Ok(());
    }
    let keys: BTreeSet<&StatKey> = counts.iter().filter_map(|c| c.keys.get(pick)).collect();
    let mut values = Vec::new();
    for k in keys {
        let label = match (&ax.group, k) {
            (_, StatKey::Null) => "(none)".to_owned(),
            (_, StatKey::Text(t)) => t.clone(),
            (StatGroup::CustomerUser, StatKey::Int(id)) => {
                let id = crate::ids::CustomerUserId(u64::try_from(*id).unwrap_or(0));
                tx.customer_user(id)
                    .await?
                    .map_or_else(|| id.to_string(), |u| u.login)
            }
            (_, StatKey::Int(i)) => i.to_string(),
        };
        values.push((label, vec![k.clone()]));
    }
    values.sort_by(|a, b| a.0.cmp(&b.0));
    ax.values = values;
    Ok(())
}

/// Counts a matrix: the X axis makes the columns, the Y elements' value combinations the rows
/// (first element outermost). One grouped query answers every cell.
async fn matrix<T: StoreTx>(
    tx: &mut T,
    catalog: &Catalog,
    x: &Element,
    y: &[Element],
    filters: &[Element],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<Counted, DeskError> {
    let mut x_axis = axis(&x.value, catalog, now, tz)?;
    let mut y_axes = y
        .iter()
        .map(|e| axis(&e.value, catalog, now, tz))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = filter_of(filters, catalog, now, tz);
    let groups: Vec<StatGroup> = std::iter::once(x_axis.group.clone())
        .chain(y_axes.iter().map(|a| a.group.clone()))
        .collect();
    let counts = tx.stat_counts_by(&filter, &groups).await?;
    values_from_data(tx, &mut x_axis, &counts, 0).await?;
    for (i, ax) in y_axes.iter_mut().enumerate() {
        values_from_data(tx, ax, &counts, i + 1).await?;
    }
    let row_count = y_axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .unwrap_or(usize::MAX);
    if row_count > super::MAX_MATRIX_ROWS {
        return Err(DeskError::invalid(
            "y",
            format!(
                "the Y axis has {row_count} value combinations, more than {}",
                super::MAX_MATRIX_ROWS
            ),
        ));
    }
    let by_keys: HashMap<&[StatKey], u64> = counts
        .iter()
        .map(|c| (c.keys.as_slice(), c.count))
        .collect();
    let mut headers: Vec<String> = y_axes.iter().map(|a| a.label.to_owned()).collect();
    headers.extend(x_axis.values.iter().map(|(l, _)| l.clone()));
    // Every combination of Y values, first element outermost.
    let mut combos: Vec<Vec<usize>> = vec![Vec::new()];
    for ax in &y_axes {
        combos = combos
            .into_iter()
            .flat_map(|c| {
                (0..ax.values.len()).map(move |i| {
                    let mut next = c.clone();
                    next.push(i);
                    next
                })
            })
            .collect();
    }
    let mut rows = Vec::with_capacity(combos.len());
    for combo in combos {
        let labels: Vec<String> = combo
            .iter()
            .zip(&y_axes)
            .map(|(i, ax)| ax.values[*i].0.clone())
            .collect();
        // The store keys each Y value adds up (a state type adds up its states).
        let key_sets: Vec<&[StatKey]> = combo
            .iter()
            .zip(&y_axes)
            .map(|(i, ax)| ax.values[*i].1.as_slice())
            .collect();
        let cells = x_axis
            .values
            .iter()
            .map(|(_, xkeys)| {
                let mut total = 0;
                let mut key = Vec::with_capacity(key_sets.len() + 1);
                sum_cells(&by_keys, xkeys, &key_sets, &mut key, &mut total);
                total
            })
            .collect();
        rows.push((labels, cells));
    }
    Ok((headers, rows))
}

/// Adds up the counts of every key tuple made of one of `xkeys` and one key of each Y set.
fn sum_cells<'a>(
    by_keys: &HashMap<&[StatKey], u64>,
    xkeys: &'a [StatKey],
    key_sets: &[&'a [StatKey]],
    key: &mut Vec<StatKey>,
    total: &mut u64,
) {
    if key.is_empty() {
        for xk in xkeys {
            key.push(xk.clone());
            sum_cells(by_keys, xkeys, key_sets, key, total);
            key.pop();
        }
        return;
    }
    let depth = key.len() - 1;
    match key_sets.get(depth) {
        None => *total += by_keys.get(key.as_slice()).copied().unwrap_or(0),
        Some(set) => {
            for k in *set {
                key.push(k.clone());
                sum_cells(by_keys, xkeys, key_sets, key, total);
                key.pop();
            }
        }
    }
}

fn format_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

fn format_age(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (d, h, m) = (
        seconds / 86_400,
        seconds % 86_400 / 3600,
        seconds % 3600 / 60,
    );
    if d > 0 {
        format!("{d} d {h} h")
    } else {
        format!("{h} h {m} m")
    }
}

#[allow(clippy::too_many_arguments)]
async fn list<T: StoreTx>(
    tx: &mut T,
    catalog: &Catalog,
    table: &mut StatTable,
    columns: &[ListColumn],
    sort: ListColumn,
    descending: bool,
    limit: u32,
    filters: &[Element],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(), DeskError> {
    let (store_sort, store_desc) = list_sort(sort, descending)
        .ok_or_else(|| DeskError::invalid("sort", format!("cannot sort by {}", sort.name())))?;
    let query = StatListQuery {
        filter: filter_of(filters, catalog, now, tz),
        sort: store_sort,
        descending: store_desc,
        limit,
    };
    let rows = tx.stat_rows(&query).await?;
    let mut logins: BTreeMap<crate::ids::CustomerUserId, String> = BTreeMap::new();
    if columns.contains(&ListColumn::CustomerUser) {
        for r in &rows {
            if let Some(id) = r.ticket.customer_user_id
                && !logins.contains_key(&id)
            {
                let login = tx
                    .customer_user(id)
                    .await?
                    .map_or_else(|| id.to_string(), |u| u.login);
                logins.insert(id, login);
            }
        }
    }
    table.headers = columns.iter().map(|c| c.label().to_owned()).collect();
    let empty: Vec<&'static str> = columns
        .iter()
        .chain(std::iter::once(&sort))
        .filter(|c| c.needs_escalation())
        .map(|c| c.label())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !empty.is_empty() {
        table.notes.push(format!(
            "No escalation rules (SLAs) are configured yet, so these columns stay empty: {}{}.",
            empty.join(", "),
            if sort.needs_escalation() {
                "; rows are sorted by creation time instead"
            } else {
                ""
            }
        ));
    }
    for e in filters {
        if let Some(t) = e.value.time() {
            table
                .notes
                .push(period_note(e.value.kind(), time_range(t, now, tz), tz));
        }
    }
    table
        .notes
        .push(format!("Times are shown in {}.", tz.name()));
    for r in rows {
        let t: &Ticket = &r.ticket;
        let row = columns
            .iter()
            .map(|c| match c {
                ListColumn::Number => StatCell::Text(t.number.clone()),
                ListColumn::Title => StatCell::Text(t.title.clone()),
                ListColumn::Created => StatCell::Text(format_time(t.created_at, tz)),
                ListColumn::Changed => StatCell::Text(format_time(t.changed_at, tz)),
                ListColumn::Closed => r
                    .closed_at
                    .map_or(StatCell::Empty, |at| StatCell::Text(format_time(at, tz))),
                ListColumn::Queue => StatCell::Text(catalog.queue_name(t.queue_id)),
                ListColumn::State => StatCell::Text(
                    catalog
                        .state(t.state_id)
                        .map_or_else(|| t.state_id.to_string(), |s| s.name.clone()),
                ),
                ListColumn::StateType => StatCell::Text(
                    catalog
                        .state(t.state_id)
                        .map_or_else(String::new, |s| s.state_type.name().to_owned()),
                ),
                ListColumn::Priority => StatCell::Text(t.priority.name().to_owned()),
                ListColumn::Owner => StatCell::Text(catalog.agent_name(t.owner_id)),
                ListColumn::Responsible => StatCell::Text(catalog.agent_name(t.responsible_id)),
                ListColumn::Customer => t
                    .customer_id
                    .clone()
                    .map_or(StatCell::Empty, StatCell::Text),
                ListColumn::CustomerUser => t
                    .customer_user_id
                    .and_then(|id| logins.get(&id).cloned())
                    .map_or(StatCell::Empty, StatCell::Text),
                ListColumn::Lock => StatCell::Text(t.lock.name().to_owned()),
                ListColumn::AccountedTime => {
                    StatCell::Number(t.accounted_time.hundredths() as f64 / 100.0)
                }
                ListColumn::Age => StatCell::Text(format_age((now - t.created_at).num_seconds())),
                _ => StatCell::Empty,
            })
            .collect();
        table.rows.push(row);
    }
    Ok(())
}

/// The days of a month as buckets in `tz`.
pub fn month_days(year: i32, month: u32, tz: Tz) -> Option<(Vec<DateTime<Utc>>, Vec<String>)> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    let next = Scale::Month.add_units(first, 1);
    let (bounds, _) = buckets(day_start(first, tz), day_start(next, tz), Scale::Day, tz)?;
    let labels = (1..bounds.len()).map(|d| d.to_string()).collect();
    Some((bounds, labels))
}

async fn state_changes<T: StoreTx>(
    tx: &mut T,
    catalog: &Catalog,
    month: Option<(i32, u32)>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(Vec<String>, Vec<(Vec<String>, Vec<u64>)>, String), DeskError> {
    let (year, month) = month.unwrap_or_else(|| {
        let today = now.with_timezone(&tz).date_naive();
        (today.year(), today.month())
    });
    let (bounds, labels) = month_days(year, month, tz)
        .ok_or_else(|| DeskError::invalid("month", format!("{year}-{month:02} is not a month")))?;
    let counts = tx.stat_state_changes(&bounds).await?;
    let mut headers = vec!["State".to_owned()];
    headers.extend(labels.iter().cloned());
    let rows = catalog
        .states
        .iter()
        .map(|s| {
            let mut cells = vec![0u64; labels.len()];
            for c in counts.iter().filter(|c| c.state == s.id) {
                if let Some(cell) = cells.get_mut(c.bucket as usize) {
                    *cell += c.count;
                }
            }
            (vec![s.name.clone()], cells)
        })
        .collect();
    let note = format!(
        "Tickets entering each state per day of {year}-{month:02} ({}), from the ticket history.",
        tz.name()
    );
    Ok((headers, rows, note))
}
