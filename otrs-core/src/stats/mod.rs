//! Statistics: definitions, the engine that runs them, and the pre-installed ones.
//!
//! A [`StatDefinition`] is one of three [`StatKind`]s, as in the manual's "Statistics and
//! Reports": a **Matrix** counts tickets by an X [`Element`] and one or more Y elements (one
//! number per cell; several Y elements make a row per combination of their values), a
//! **List** shows one row per ticket with chosen [`ListColumn`]s, sorted and limited, and a
//! **Static** statistic is a fixed computation ([`StaticStat::StateChangesMonthly`], "Changes of
//! status in a monthly overview", from the ticket history).
//!
//! Elements select values of a ticket dimension (queue, state, state type, priority, owner,
//! responsible, customer, customer user, lock) or a time span with a [`period::Scale`] (created,
//! closed, changed). An element that allows changes may be overridden when the statistic is run
//! ([`RunOptions`]); overriding any other is refused. Each element kind is used at most once in a
//! statistic, so a change can name its element by kind ([`spec`] has the text form).
//!
//! Periods are computed in the statistic's own time zone ([`period`]). The engine ([`engine`])
//! asks the store for grouped counts ([`query`]) and never loads tickets for a matrix.

pub mod engine;
pub mod period;
pub mod preinstalled;
pub mod query;
pub mod spec;
pub mod xml;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::error::ValidationErrors;
use crate::ids::{AgentId, CustomerUserId, GroupId, QueueId, StatId, StateId};
use crate::model::{Agent, LockState, Permission, Priority, StateType};

pub use engine::{StatCell, StatTable};
pub use period::{Period, Scale};

/// The kinds of ticket values an element selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ElementKind {
    /// Queue.
    Queue,
    /// State.
    State,
    /// State type.
    StateType,
    /// Priority.
    Priority,
    /// Owner.
    Owner,
    /// Responsible agent.
    Responsible,
    /// Customer (CustomerID).
    Customer,
    /// Customer user.
    CustomerUser,
    /// Lock.
    Lock,
    /// Creation time.
    CreateTime,
    /// Close time.
    CloseTime,
    /// Time of the last change.
    ChangeTime,
}

impl ElementKind {
    /// Every kind.
    pub const ALL: [ElementKind; 12] = [
        ElementKind::Queue,
        ElementKind::State,
        ElementKind::StateType,
        ElementKind::Priority,
        ElementKind::Owner,
        ElementKind::Responsible,
        ElementKind::Customer,
        ElementKind::CustomerUser,
        ElementKind::Lock,
        ElementKind::CreateTime,
        ElementKind::CloseTime,
        ElementKind::ChangeTime,
    ];

    /// The stored name, e.g. `queue`, `state-type`, `create-time`.
    pub const fn name(self) -> &'static str {
        match self {
            ElementKind::Queue => "queue",
            ElementKind::State => "state",
            ElementKind::StateType => "state-type",
            ElementKind::Priority => "priority",
            ElementKind::Owner => "owner",
            ElementKind::Responsible => "responsible",
            ElementKind::Customer => "customer",
            ElementKind::CustomerUser => "customer-user",
            ElementKind::Lock => "lock",
            ElementKind::CreateTime => "create-time",
            ElementKind::CloseTime => "close-time",
            ElementKind::ChangeTime => "change-time",
        }
    }

    /// Parses a name written by [`ElementKind::name`].
    pub fn from_name(name: &str) -> Option<ElementKind> {
        ElementKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The label shown in headers.
    pub const fn label(self) -> &'static str {
        match self {
            ElementKind::Queue => "Queue",
            ElementKind::State => "State",
            ElementKind::StateType => "State type",
            ElementKind::Priority => "Priority",
            ElementKind::Owner => "Owner",
            ElementKind::Responsible => "Responsible",
            ElementKind::Customer => "Customer ID",
            ElementKind::CustomerUser => "Customer user",
            ElementKind::Lock => "Lock",
            ElementKind::CreateTime => "Created",
            ElementKind::CloseTime => "Closed",
            ElementKind::ChangeTime => "Changed",
        }
    }

    /// True for the three time elements.
    pub const fn is_time(self) -> bool {
        matches!(
            self,
            ElementKind::CreateTime | ElementKind::CloseTime | ElementKind::ChangeTime
        )
    }
}

/// A time element's span and the unit its axis is cut into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSelection {
    /// The span.
    pub period: Period,
    /// The unit of the axis (ignored in filters).
    pub scale: Scale,
}

/// The values an element selects. On an axis an empty list means every value; a filter needs at
/// least one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementValue {
    /// Queues.
    Queue(Vec<QueueId>),
    /// States.
    State(Vec<StateId>),
    /// State types.
    StateType(Vec<StateType>),
    /// Priorities.
    Priority(Vec<Priority>),
    /// Owners.
    Owner(Vec<AgentId>),
    /// Responsible agents.
    Responsible(Vec<AgentId>),
    /// CustomerIDs.
    Customer(Vec<String>),
    /// Customer users.
    CustomerUser(Vec<CustomerUserId>),
    /// Lock states.
    Lock(Vec<LockState>),
    /// Created within.
    CreateTime(TimeSelection),
    /// Closed within.
    CloseTime(TimeSelection),
    /// Changed within.
    ChangeTime(TimeSelection),
}

impl ElementValue {
    /// The kind.
    pub fn kind(&self) -> ElementKind {
        match self {
            ElementValue::Queue(_) => ElementKind::Queue,
            ElementValue::State(_) => ElementKind::State,
            ElementValue::StateType(_) => ElementKind::StateType,
            ElementValue::Priority(_) => ElementKind::Priority,
            ElementValue::Owner(_) => ElementKind::Owner,
            ElementValue::Responsible(_) => ElementKind::Responsible,
            ElementValue::Customer(_) => ElementKind::Customer,
            ElementValue::CustomerUser(_) => ElementKind::CustomerUser,
            ElementValue::Lock(_) => ElementKind::Lock,
            ElementValue::CreateTime(_) => ElementKind::CreateTime,
            ElementValue::CloseTime(_) => ElementKind::CloseTime,
            ElementValue::ChangeTime(_) => ElementKind::ChangeTime,
        }
    }

    /// How many values are selected (`None` for time elements).
    pub fn value_count(&self) -> Option<usize> {
        Some(match self {
            ElementValue::Queue(v) => v.len(),
            ElementValue::State(v) => v.len(),
            ElementValue::StateType(v) => v.len(),
            ElementValue::Priority(v) => v.len(),
            ElementValue::Owner(v) | ElementValue::Responsible(v) => v.len(),
            ElementValue::Customer(v) => v.len(),
            ElementValue::CustomerUser(v) => v.len(),
            ElementValue::Lock(v) => v.len(),
            ElementValue::CreateTime(_)
            | ElementValue::CloseTime(_)
            | ElementValue::ChangeTime(_) => return None,
        })
    }

    /// The time selection of a time element.
    pub fn time(&self) -> Option<&TimeSelection> {
        match self {
            ElementValue::CreateTime(t)
            | ElementValue::CloseTime(t)
            | ElementValue::ChangeTime(t) => Some(t),
            _ => None,
        }
    }
}

/// An axis or a filter of a statistic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    /// What it selects.
    pub value: ElementValue,
    /// The values may be changed before running ("allow changes before running").
    pub allow_changes: bool,
}

impl Element {
    /// A fixed element.
    pub fn fixed(value: ElementValue) -> Element {
        Element {
            value,
            allow_changes: false,
        }
    }

    /// An element that may be changed before running.
    pub fn changeable(value: ElementValue) -> Element {
        Element {
            value,
            allow_changes: true,
        }
    }
}

/// The columns a list statistic can show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListColumn {
    /// Ticket number.
    Number,
    /// Title.
    Title,
    /// Creation time.
    Created,
    /// Last change.
    Changed,
    /// Close time.
    Closed,
    /// Queue.
    Queue,
    /// State.
    State,
    /// State type.
    StateType,
    /// Priority.
    Priority,
    /// Owner.
    Owner,
    /// Responsible.
    Responsible,
    /// CustomerID.
    Customer,
    /// Customer user login.
    CustomerUser,
    /// Lock.
    Lock,
    /// Accounted time.
    AccountedTime,
    /// Age (now − created).
    Age,
    /// First response time (needs escalation rules).
    FirstResponseTime,
    /// Solution time (needs escalation rules).
    SolutionTime,
    /// Time left until the first response deadline (needs escalation rules).
    FirstResponseDeadline,
    /// Time left until the update deadline (needs escalation rules).
    EscalationDeadline,
    /// Time left until the solution deadline (needs escalation rules).
    SolutionDeadline,
}

impl ListColumn {
    /// Every column.
    pub const ALL: [ListColumn; 21] = [
        ListColumn::Number,
        ListColumn::Title,
        ListColumn::Created,
        ListColumn::Changed,
        ListColumn::Closed,
        ListColumn::Queue,
        ListColumn::State,
        ListColumn::StateType,
        ListColumn::Priority,
        ListColumn::Owner,
        ListColumn::Responsible,
        ListColumn::Customer,
        ListColumn::CustomerUser,
        ListColumn::Lock,
        ListColumn::AccountedTime,
        ListColumn::Age,
        ListColumn::FirstResponseTime,
        ListColumn::SolutionTime,
        ListColumn::FirstResponseDeadline,
        ListColumn::EscalationDeadline,
        ListColumn::SolutionDeadline,
    ];

    /// The stored name, e.g. `number`, `accounted-time`.
    pub const fn name(self) -> &'static str {
        match self {
            ListColumn::Number => "number",
            ListColumn::Title => "title",
            ListColumn::Created => "created",
            ListColumn::Changed => "changed",
            ListColumn::Closed => "closed",
            ListColumn::Queue => "queue",
            ListColumn::State => "state",
            ListColumn::StateType => "state-type",
            ListColumn::Priority => "priority",
            ListColumn::Owner => "owner",
            ListColumn::Responsible => "responsible",
            ListColumn::Customer => "customer",
            ListColumn::CustomerUser => "customer-user",
            ListColumn::Lock => "lock",
            ListColumn::AccountedTime => "accounted-time",
            ListColumn::Age => "age",
            ListColumn::FirstResponseTime => "first-response-time",
            ListColumn::SolutionTime => "solution-time",
            ListColumn::FirstResponseDeadline => "first-response-deadline",
            ListColumn::EscalationDeadline => "escalation-deadline",
            ListColumn::SolutionDeadline => "solution-deadline",
        }
    }

    /// Parses a name written by [`ListColumn::name`].
    pub fn from_name(name: &str) -> Option<ListColumn> {
        ListColumn::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The header.
    pub const fn label(self) -> &'static str {
        match self {
            ListColumn::Number => "Ticket#",
            ListColumn::Title => "Title",
            ListColumn::Created => "Created",
            ListColumn::Changed => "Changed",
            ListColumn::Closed => "Close time",
            ListColumn::Queue => "Queue",
            ListColumn::State => "State",
            ListColumn::StateType => "State type",
            ListColumn::Priority => "Priority",
            ListColumn::Owner => "Owner",
            ListColumn::Responsible => "Responsible",
            ListColumn::Customer => "Customer ID",
            ListColumn::CustomerUser => "Customer user",
            ListColumn::Lock => "Lock",
            ListColumn::AccountedTime => "Accounted time",
            ListColumn::Age => "Age",
            ListColumn::FirstResponseTime => "First response time",
            ListColumn::SolutionTime => "Solution time",
            ListColumn::FirstResponseDeadline => "Time left until first response deadline",
            ListColumn::EscalationDeadline => "Time left until escalation deadline",
            ListColumn::SolutionDeadline => "Time left until solution deadline",
        }
    }

    /// True for the columns that need escalation rules (SLAs), which this desk does not have yet:
    /// they stay empty and the output says so.
    pub const fn needs_escalation(self) -> bool {
        matches!(
            self,
            ListColumn::FirstResponseTime
                | ListColumn::SolutionTime
                | ListColumn::FirstResponseDeadline
                | ListColumn::EscalationDeadline
                | ListColumn::SolutionDeadline
        )
    }
}

/// The static (non-configurable) statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StaticStat {
    /// "Changes of status in a monthly overview": per state, how many tickets entered it on each
    /// day of a month (from the history).
    StateChangesMonthly,
}

impl StaticStat {
    /// The stored name.
    pub const fn name(self) -> &'static str {
        match self {
            StaticStat::StateChangesMonthly => "state-changes-monthly",
        }
    }

    /// Parses a stored name.
    pub fn from_name(name: &str) -> Option<StaticStat> {
        (name == "state-changes-monthly").then_some(StaticStat::StateChangesMonthly)
    }
}

/// The type of a statistic with its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatKind {
    /// One number per cell.
    Matrix {
        /// Columns.
        x: Element,
        /// Rows: one element, or several whose value combinations (their cartesian product,
        /// first element outermost) make the rows, as in OTRS. 1 to [`MAX_Y_ELEMENTS`].
        y: Vec<Element>,
        /// Restrictions.
        filters: Vec<Element>,
    },
    /// One row per ticket.
    List {
        /// The columns shown.
        columns: Vec<ListColumn>,
        /// The column sorted by.
        sort: ListColumn,
        /// Largest first.
        descending: bool,
        /// Most rows (1 to [`MAX_LIST_ROWS`]).
        limit: u32,
        /// Restrictions.
        filters: Vec<Element>,
    },
    /// A fixed computation.
    Static(StaticStat),
}

/// Most rows a list statistic returns.
pub const MAX_LIST_ROWS: u32 = 10_000;

/// Most elements on the Y axis of a matrix.
pub const MAX_Y_ELEMENTS: usize = 3;

/// Most rows a matrix may have (the product of its Y elements' value counts).
pub const MAX_MATRIX_ROWS: usize = 10_000;

impl StatKind {
    /// "Matrix", "List" or "Static".
    pub const fn type_name(&self) -> &'static str {
        match self {
            StatKind::Matrix { .. } => "Matrix",
            StatKind::List { .. } => "List",
            StatKind::Static(_) => "Static",
        }
    }

    /// The object name the manual shows: `TicketAccumulation`, `Ticketlist`, `StateAction`.
    pub const fn object(&self) -> &'static str {
        match self {
            StatKind::Matrix { .. } => "TicketAccumulation",
            StatKind::List { .. } => "Ticketlist",
            StatKind::Static(StaticStat::StateChangesMonthly) => "StateAction",
        }
    }

    /// The filters (none for static statistics).
    pub fn filters(&self) -> &[Element] {
        match self {
            StatKind::Matrix { filters, .. } | StatKind::List { filters, .. } => filters,
            StatKind::Static(_) => &[],
        }
    }
}

/// An output format a statistic may be run in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatFormat {
    /// The on-screen table (and JSON).
    Table,
    /// Comma-separated values.
    Csv,
    /// Excel workbook.
    Excel,
    /// Print (PDF).
    Print,
}

impl StatFormat {
    /// Every format.
    pub const ALL: [StatFormat; 4] = [
        StatFormat::Table,
        StatFormat::Csv,
        StatFormat::Excel,
        StatFormat::Print,
    ];

    /// `table`, `csv`, `excel`, `print`.
    pub const fn name(self) -> &'static str {
        match self {
            StatFormat::Table => "table",
            StatFormat::Csv => "csv",
            StatFormat::Excel => "excel",
            StatFormat::Print => "print",
        }
    }

    /// Parses a name written by [`StatFormat::name`].
    pub fn from_name(name: &str) -> Option<StatFormat> {
        StatFormat::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// A statistic's settings, as given to create or update one (and as exported).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatSettings {
    /// Title.
    pub title: String,
    /// Longer description.
    pub description: String,
    /// Type and configuration.
    pub kind: StatKind,
    /// Agents in one of these groups (and in `stats`) may run it.
    pub permission_groups: Vec<GroupId>,
    /// The formats it may be run in.
    pub formats: Vec<StatFormat>,
    /// The zone its periods are computed in.
    pub time_zone: Tz,
    /// Add a row with the sum of each column (matrix).
    pub sum_row: bool,
    /// Add a column with the sum of each row (matrix).
    pub sum_column: bool,
    /// Invalid statistics cannot be run.
    pub valid: bool,
}

/// A stored statistic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatDefinition {
    /// Identity.
    pub id: StatId,
    /// The number shown as Stat# (10001 onwards), unique.
    pub number: u32,
    /// The settings.
    pub settings: StatSettings,
    /// Who created it.
    pub created_by: AgentId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: u64,
}

/// Which element of a statistic a run-time change replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementTarget {
    /// The X axis.
    X,
    /// The Y axis element of this kind.
    Y(ElementKind),
    /// The filter of this kind.
    Filter(ElementKind),
}

impl ElementTarget {
    /// Where the element of `kind` sits in a statistic (each kind is used at most once), or
    /// `None` when the statistic does not use it.
    pub fn of(stat: &StatKind, kind: ElementKind) -> Option<ElementTarget> {
        match stat {
            StatKind::Matrix { x, y, filters } => {
                if x.value.kind() == kind {
                    Some(ElementTarget::X)
                } else if y.iter().any(|e| e.value.kind() == kind) {
                    Some(ElementTarget::Y(kind))
                } else {
                    filters
                        .iter()
                        .any(|f| f.value.kind() == kind)
                        .then_some(ElementTarget::Filter(kind))
                }
            }
            StatKind::List { filters, .. } => filters
                .iter()
                .any(|f| f.value.kind() == kind)
                .then_some(ElementTarget::Filter(kind)),
            StatKind::Static(_) => None,
        }
    }
}

impl std::fmt::Display for ElementTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ElementTarget::X => f.write_str("the X axis"),
            ElementTarget::Y(kind) => write!(f, "the {} element of the Y axis", kind.name()),
            ElementTarget::Filter(kind) => write!(f, "the {} filter", kind.name()),
        }
    }
}

/// Values chosen when running a statistic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Replacements of elements that allow changes.
    pub overrides: Vec<(ElementTarget, ElementValue)>,
    /// The month of a static monthly statistic (`year`, `month`); the current month if absent.
    pub month: Option<(i32, u32)>,
}

/// True if the agent may use statistics at all (the manual's `stats` group: `ro` or more).
pub fn may_use_stats(agent: &Agent) -> bool {
    let on = agent.permissions_on(GroupId::STATS);
    on.grants(Permission::Ro) || on.grants(Permission::Rw)
}

/// True if the agent may create, edit and delete statistics and reports (`rw` on `stats`).
pub fn is_stats_admin(agent: &Agent) -> bool {
    agent.permissions_on(GroupId::STATS).grants(Permission::Rw)
}

/// True if the agent may see and run the statistic: a stats user who is in one of its
/// permission groups, or a stats admin.
pub fn may_run(agent: &Agent, stat: &StatSettings) -> bool {
    if is_stats_admin(agent) {
        return true;
    }
    may_use_stats(agent)
        && stat.permission_groups.iter().any(|g| {
            let on = agent.permissions_on(*g);
            on.grants(Permission::Ro) || on.grants(Permission::Rw)
        })
}

impl StatSettings {
    /// Checks the settings (field names as in the API: `title`, `kind.x`, `filters[1]`, …).
    pub fn validate(&self) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        errors.text("title", &self.title, 1, 200, false);
        errors.text("description", &self.description, 1, 4000, true);
        if self.permission_groups.is_empty() {
            errors.add("permission_groups", "needs at least one group");
        }
        if self.formats.is_empty() {
            errors.add("formats", "needs at least one format");
        }
        let check_element =
            |errors: &mut ValidationErrors, field: &str, e: &Element, axis: bool| {
                check_value(errors, field, &e.value, axis);
            };
        match &self.kind {
            StatKind::Matrix { x, y, filters } => {
                check_element(&mut errors, "x", x, true);
                if y.is_empty() {
                    errors.add("y", "needs at least one element");
                }
                if y.len() > MAX_Y_ELEMENTS {
                    errors.add("y", format!("has more than {MAX_Y_ELEMENTS} elements"));
                }
                let mut used = std::collections::HashSet::from([x.value.kind()]);
                for (i, e) in y.iter().enumerate() {
                    let field = format!("y[{i}]");
                    if !used.insert(e.value.kind()) {
                        errors.add(
                            &field,
                            format!("{} is already used on an axis", e.value.kind().name()),
                        );
                    }
                    check_element(&mut errors, &field, e, true);
                }
                for (i, f) in filters.iter().enumerate() {
                    if used.contains(&f.value.kind()) {
                        errors.add(
                            format!("filters[{i}]"),
                            format!("{} is already used on an axis", f.value.kind().name()),
                        );
                    }
                }
                check_filters(&mut errors, filters, check_element);
            }
            StatKind::List {
                columns,
                sort,
                descending,
                limit,
                filters,
            } => {
                if columns.is_empty() {
                    errors.add("columns", "needs at least one column");
                }
                let mut seen = std::collections::HashSet::new();
                for c in columns {
                    if !seen.insert(*c) {
                        errors.add("columns", format!("lists {} twice", c.name()));
                    }
                }
                if engine::list_sort(*sort, *descending).is_none() {
                    errors.add("sort", format!("cannot sort by {}", sort.name()));
                }
                if *limit == 0 || *limit > MAX_LIST_ROWS {
                    errors.add("limit", format!("must be between 1 and {MAX_LIST_ROWS}"));
                }
                check_filters(&mut errors, filters, check_element);
            }
            StatKind::Static(_) => {}
        }
        errors
    }
}

fn check_filters(
    errors: &mut ValidationErrors,
    filters: &[Element],
    check: impl Fn(&mut ValidationErrors, &str, &Element, bool),
) {
    let mut kinds = std::collections::HashSet::new();
    for (i, f) in filters.iter().enumerate() {
        let field = format!("filters[{i}]");
        if !kinds.insert(f.value.kind()) {
            errors.add(&field, format!("a second {} filter", f.value.kind().name()));
        }
        check(errors, &field, f, false);
    }
}

/// Checks one element's values: filters need a value, periods must not be empty or too long.
pub(crate) fn check_value(
    errors: &mut ValidationErrors,
    field: &str,
    value: &ElementValue,
    axis: bool,
) {
    if let Some(n) = value.value_count()
        && n == 0
        && !axis
    {
        errors.add(field, "a filter needs at least one value");
    }
    if let Some(t) = value.time() {
        match t.period {
            Period::Absolute { from, to } if from >= to => {
                errors.add(field, "the period ends before it starts");
            }
            Period::Relative {
                past: 0,
                upcoming: 0,
                ..
            } => {
                errors.add(field, "the relative period is empty");
            }
            Period::Relative { past, upcoming, .. } if past > 1000 || upcoming > 1000 => {
                errors.add(field, "the relative period is longer than 1000 units");
            }
            _ => {}
        }
    }
}
