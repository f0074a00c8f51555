//! The interface's per-agent settings, kept as JSON text in the agent's preferences (no schema
//! of their own): the organizer's ticket lists, the dashboard's widgets and the named filter
//! presets. A value that does not parse (written by an older version) falls back to the default.

use std::borrow::Cow;
use std::collections::BTreeMap;

use otrs_core::desk::AgentUpdate;
use otrs_core::model::Agent;
use otrs_core::store::Store;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::api::tickets::TicketListParams;
use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::n_;
use crate::state::AppState;
use crate::ui::columns::{Column, parse_columns};
use crate::ui::fields::Fields;

/// Preference key of the organizer's lists.
pub const ORGANIZER_KEY: &str = "ui.organizer";
/// Preference key of the dashboard.
pub const DASHBOARD_KEY: &str = "ui.dashboard";
/// Preference key of the filter presets.
pub const PRESETS_KEY: &str = "ui.presets";

/// Most rows a list loads at a time.
pub const MAX_PER_PAGE: u32 = 100;

/// The structured filters of a ticket list (each the text of the JSON API's parameter of the
/// same name: comma-separated ids or names) and a query in the search language.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Filter {
    /// Queues.
    pub queue: String,
    /// State types (`new`, `open`, `pending reminder`, …).
    pub state_type: String,
    /// States.
    pub state: String,
    /// Priorities (1–5).
    pub priority: String,
    /// Owners (logins; `me` is the agent looking).
    pub owner: String,
    /// Responsible agents (logins; `me` is the agent looking).
    pub responsible: String,
    /// `lock` or `unlock`.
    pub lock: String,
    /// Title contains.
    pub title: String,
    /// CustomerIDs.
    pub customer_id: String,
    /// Query language.
    pub q: String,
}

/// The filter fields, in form order, with their labels (shown through `translate_dyn`).
pub const FILTER_FIELDS: [(&str, &str); 10] = [
    ("q", n_!("Query")),
    ("title", n_!("Title contains")),
    ("queue", n_!("Queue")),
    ("state_type", n_!("State type")),
    ("state", n_!("State")),
    ("priority", n_!("Priority")),
    ("owner", n_!("Owner")),
    ("responsible", n_!("Responsible")),
    ("lock", n_!("Lock")),
    ("customer_id", n_!("Customer ID")),
];

impl Filter {
    /// The value of a field by name.
    pub fn get(&self, name: &str) -> &str {
        match name {
            "queue" => &self.queue,
            "state_type" => &self.state_type,
            "state" => &self.state,
            "priority" => &self.priority,
            "owner" => &self.owner,
            "responsible" => &self.responsible,
            "lock" => &self.lock,
            "title" => &self.title,
            "customer_id" => &self.customer_id,
            "q" => &self.q,
            _ => "",
        }
    }

    fn slot(&mut self, name: &str) -> Option<&mut String> {
        Some(match name {
            "queue" => &mut self.queue,
            "state_type" => &mut self.state_type,
            "state" => &mut self.state,
            "priority" => &mut self.priority,
            "owner" => &mut self.owner,
            "responsible" => &mut self.responsible,
            "lock" => &mut self.lock,
            "title" => &mut self.title,
            "customer_id" => &mut self.customer_id,
            "q" => &mut self.q,
            _ => return None,
        })
    }

    /// The filter with the fields present in `fields` (prefixed by `prefix`) replaced.
    pub fn overlay(&self, fields: &Fields, prefix: &str) -> Filter {
        let mut out = self.clone();
        for (name, _) in FILTER_FIELDS {
            if let Some(v) = fields.get(&format!("{prefix}{name}"))
                && let Some(slot) = out.slot(name)
            {
                *slot = v.trim().to_owned();
            }
        }
        out
    }

    /// The set fields as (name, value).
    pub fn pairs(&self) -> Vec<(String, String)> {
        FILTER_FIELDS
            .iter()
            .filter(|(n, _)| !self.get(n).is_empty())
            .map(|(n, _)| ((*n).to_owned(), self.get(n).to_owned()))
            .collect()
    }

    /// The JSON API's list parameters for this filter, as seen by the agent `me`.
    pub fn params(&self, me: &Agent) -> TicketListParams {
        let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
        let agents = |s: &str| {
            opt(s).map(|s| {
                s.split(',')
                    .map(|p| {
                        if p.trim() == "me" {
                            me.login.as_str()
                        } else {
                            p.trim()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            })
        };
        TicketListParams {
            q: opt(&self.q),
            queue: opt(&self.queue),
            state: opt(&self.state),
            state_type: opt(&self.state_type),
            priority: opt(&self.priority),
            owner: agents(&self.owner),
            responsible: agents(&self.responsible),
            lock: opt(&self.lock),
            customer_id: opt(&self.customer_id),
            title: opt(&self.title),
            ..TicketListParams::default()
        }
    }
}

/// A ticket list: what the organizer links to and what a list widget shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ListSpec {
    /// Stable id within the agent's organizer.
    pub id: u32,
    /// Name.
    pub name: String,
    /// Visible columns, in order (keys of [`Column`]).
    pub columns: Vec<String>,
    /// Sort (`-changed`, `priority`, …).
    pub sort: String,
    /// Filters.
    pub filter: Filter,
    /// Rows loaded at a time.
    pub per_page: u32,
}

impl Default for ListSpec {
    fn default() -> Self {
        ListSpec {
            id: 0,
            name: String::new(),
            columns: default_columns(),
            sort: "-changed".into(),
            filter: Filter::default(),
            per_page: 25,
        }
    }
}

fn default_columns() -> Vec<String> {
    ["number", "title", "priority", "state", "queue", "changed"]
        .map(str::to_owned)
        .to_vec()
}

impl ListSpec {
    /// The visible columns (the defaults when none is known).
    pub fn columns(&self) -> Vec<Column> {
        let cols = parse_columns(self.columns.iter().map(String::as_str));
        if cols.is_empty() {
            parse_columns(default_columns().iter().map(String::as_str))
        } else {
            cols
        }
    }

    /// Rows per load, within 1–[`MAX_PER_PAGE`].
    pub fn per_page(&self) -> u32 {
        self.per_page.clamp(1, MAX_PER_PAGE)
    }

    /// Changes the spec from a settings form (`name`, `columns`, `sort`, `per_page`, `f_*`).
    pub fn apply_form(&mut self, fields: &Fields) -> Result<(), ApiError> {
        if let Some(name) = fields.get("name") {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 100 {
                return Err(ApiError::invalid(
                    "name",
                    crate::n_!("must have 1 to 100 characters"),
                ));
            }
            self.name = name.to_owned();
        }
        if fields.get("columns_present").is_some() {
            let cols = parse_columns(fields.all("columns"));
            if cols.is_empty() {
                return Err(ApiError::invalid(
                    "columns",
                    crate::n_!("choose at least one column"),
                ));
            }
            self.columns = cols.iter().map(|c| c.key().to_owned()).collect();
        }
        if let Some(sort) = fields.get("sort") {
            if otrs_core::store::TicketSort::parse(sort.trim()).is_none() {
                return Err(ApiError::invalid("sort", format!("unknown sort {sort:?}")));
            }
            self.sort = sort.trim().to_owned();
        }
        if let Some(n) = fields.number::<u32>("per_page")? {
            if !(1..=MAX_PER_PAGE).contains(&n) {
                return Err(ApiError::invalid(
                    "per_page",
                    format!("must be between 1 and {MAX_PER_PAGE}"),
                ));
            }
            self.per_page = n;
        }
        self.filter = self.filter.overlay(fields, "f_");
        Ok(())
    }
}

/// The organizer's lists when the agent has not changed them.
pub fn default_organizer() -> Vec<ListSpec> {
    let list = |id, name: &str, filter: Filter, sort: &str| ListSpec {
        id,
        name: name.to_owned(),
        sort: sort.to_owned(),
        filter,
        ..ListSpec::default()
    };
    vec![
        list(
            1,
            OPEN_TICKETS,
            Filter {
                state_type: "new,open".into(),
                ..Filter::default()
            },
            "-changed",
        ),
        list(
            2,
            MY_LOCKED_TICKETS,
            Filter {
                owner: "me".into(),
                lock: "lock".into(),
                ..Filter::default()
            },
            "-changed",
        ),
        list(
            3,
            REMINDERS,
            Filter {
                state_type: "pending reminder".into(),
                ..Filter::default()
            },
            "pending_until",
        ),
        list(4, ALL_TICKETS, Filter::default(), "-changed"),
    ]
}

const OPEN_TICKETS: &str = n_!("Open Tickets");
const MY_LOCKED_TICKETS: &str = n_!("My Locked Tickets");
const REMINDERS: &str = n_!("Reminders");
const ALL_TICKETS: &str = n_!("All Tickets");

/// The name of a list or widget as the agent reads it: a default name (stored in English when
/// the list or widget was made) in the agent's language, a name the agent chose as written.
pub fn shown_name(lang: Language, name: &str) -> Cow<'_, str> {
    let default = [OPEN_TICKETS, MY_LOCKED_TICKETS, ALL_TICKETS].contains(&name)
        || WidgetKind::catalogue().any(|k| k.label() == name);
    if default {
        translate_dyn(lang, name)
    } else {
        Cow::Borrowed(name)
    }
}

/// What a dashboard widget shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WidgetKind {
    /// Tickets per queue and state.
    QueueMetric,
    /// Tickets by escalation time.
    Escalations,
    /// Pending reminder tickets.
    Reminders,
    /// Any ticket list.
    TicketList,
    // --- calui
    /// Today's appointments.
    AppointmentsToday,
    /// This week's appointments.
    AppointmentsThisWeek,
    /// This month's appointments.
    AppointmentsThisMonth,
}

impl WidgetKind {
    /// Every kind, for the "add widget" menu.
    pub const ALL: [WidgetKind; 4] = [
        WidgetKind::QueueMetric,
        WidgetKind::Escalations,
        WidgetKind::Reminders,
        WidgetKind::TicketList,
    ];

    /// The default title (in English; shown through [`shown_name`]).
    pub const fn label(self) -> &'static str {
        match self {
            WidgetKind::QueueMetric => n_!("Queue Metric"),
            WidgetKind::Escalations => n_!("Escalations"),
            WidgetKind::Reminders => REMINDERS,
            WidgetKind::TicketList => n_!("Ticket List"),
            // --- calui
            WidgetKind::AppointmentsToday => n_!("Appointments Today"),
            WidgetKind::AppointmentsThisWeek => n_!("Appointments This Week"),
            WidgetKind::AppointmentsThisMonth => n_!("Appointments This Month"),
        }
    }

    /// The key in forms.
    pub const fn key(self) -> &'static str {
        match self {
            WidgetKind::QueueMetric => "queue_metric",
            WidgetKind::Escalations => "escalations",
            WidgetKind::Reminders => "reminders",
            WidgetKind::TicketList => "ticket_list",
            // --- calui
            WidgetKind::AppointmentsToday => "appointments_today",
            WidgetKind::AppointmentsThisWeek => "appointments_this_week",
            WidgetKind::AppointmentsThisMonth => "appointments_this_month",
        }
    }

    /// Parses [`WidgetKind::key`].
    pub fn from_key(key: &str) -> Option<WidgetKind> {
        WidgetKind::catalogue().find(|k| k.key() == key)
    }

    // --- calui
    /// The calendar widgets (the manual's "Calendar Widgets").
    pub const CALENDAR: [WidgetKind; 3] = [
        WidgetKind::AppointmentsToday,
        WidgetKind::AppointmentsThisWeek,
        WidgetKind::AppointmentsThisMonth,
    ];

    /// Every kind the "add widget" menu offers: the ticket widgets, then the calendar ones.
    pub fn catalogue() -> impl Iterator<Item = WidgetKind> {
        WidgetKind::ALL.into_iter().chain(WidgetKind::CALENDAR)
    }

    /// True for the calendar widgets (they have a title only, no list settings).
    pub fn is_calendar(self) -> bool {
        WidgetKind::CALENDAR.contains(&self)
    }

    /// A new widget of this kind.
    pub fn widget(self, id: u32) -> Widget {
        let (columns, sort, filter) = match self {
            WidgetKind::Reminders => (
                vec![
                    "number",
                    "title",
                    "priority",
                    "created",
                    "state",
                    "pending_until",
                ],
                "pending_until",
                Filter {
                    state_type: "pending reminder".into(),
                    ..Filter::default()
                },
            ),
            WidgetKind::Escalations => (
                vec!["number", "title", "priority", "created"],
                "created",
                Filter {
                    state_type: "new,open".into(),
                    ..Filter::default()
                },
            ),
            _ => (
                vec!["number", "title", "priority", "state", "changed"],
                "-changed",
                Filter::default(),
            ),
        };
        Widget {
            id,
            kind: self,
            list: ListSpec {
                id,
                name: self.label().to_owned(),
                columns: columns.into_iter().map(str::to_owned).collect(),
                sort: sort.into(),
                filter,
                per_page: 10,
            },
        }
    }
}

/// A dashboard widget: its kind and the list settings it uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Widget {
    /// Stable id within the dashboard.
    pub id: u32,
    /// Kind.
    pub kind: WidgetKind,
    /// Title, columns, sort, filter and number of results.
    pub list: ListSpec,
}

/// The dashboard: its column layout and widgets in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dashboard {
    /// 1, 2 or 3 columns.
    pub layout: u8,
    /// Widgets, in order (laid out column by column, round robin).
    pub widgets: Vec<Widget>,
}

impl Default for Dashboard {
    fn default() -> Self {
        Dashboard {
            layout: 2,
            widgets: vec![
                WidgetKind::QueueMetric.widget(1),
                WidgetKind::Escalations.widget(2),
                WidgetKind::Reminders.widget(3),
            ],
        }
    }
}

/// A named filter preset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preset {
    /// Name (unique per agent).
    pub name: String,
    /// Filters.
    pub filter: Filter,
}

/// A setting of the agent, or its default.
pub fn load<T: DeserializeOwned>(agent: &Agent, key: &str, default: impl FnOnce() -> T) -> T {
    agent
        .preferences
        .get(key)
        .and_then(|json| serde_json::from_str(json).ok())
        .unwrap_or_else(default)
}

/// Stores a setting of the agent (an empty value removes it, going back to the default).
pub async fn save<S: Store, T: Serialize>(
    state: &AppState<S>,
    agent: &Agent,
    key: &str,
    value: Option<&T>,
) -> Result<(), ApiError> {
    let text = match value {
        Some(v) => serde_json::to_string(v)
            .map_err(|e| crate::error::internal("could not store a setting", &e))?,
        None => String::new(),
    };
    save_text(state, agent, key, &text).await
}

/// Stores one preference as text (empty removes it).
pub async fn save_text<S: Store>(
    state: &AppState<S>,
    agent: &Agent,
    key: &str,
    text: &str,
) -> Result<(), ApiError> {
    let text = text.to_owned();
    let mut preferences = BTreeMap::new();
    preferences.insert(key.to_owned(), text);
    state
        .desk()
        .update_agent(
            otrs_core::Principal::Agent(agent.id),
            agent.id,
            AgentUpdate {
                preferences,
                ..AgentUpdate::default()
            },
        )
        .await?;
    Ok(())
}

/// The agent's organizer lists.
pub fn organizer(agent: &Agent) -> Vec<ListSpec> {
    load(agent, ORGANIZER_KEY, default_organizer)
}

/// The next free id among `ids`.
pub fn next_id(ids: impl Iterator<Item = u32>) -> u32 {
    ids.max().unwrap_or(0) + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_names_are_shown_translated_and_chosen_names_as_written() {
        assert_eq!(
            shown_name(Language::German, "Open Tickets"),
            "Offene Tickets"
        );
        assert_eq!(shown_name(Language::German, "Escalations"), "Eskalationen");
        assert_eq!(
            shown_name(Language::English, "Open Tickets"),
            "Open Tickets"
        );
        // A catalogue text that is no default name is the agent's own.
        assert_eq!(shown_name(Language::German, "Dashboard"), "Dashboard");
        assert_eq!(shown_name(Language::German, "My queue"), "My queue");
    }

    #[test]
    fn spec_form_validates_and_changes_nothing_on_error() {
        let mut spec = ListSpec::default();
        let before = spec.clone();
        for bad in [
            "name=",
            "columns_present=1&columns=bogus",
            "sort=sideways",
            "per_page=0",
            "per_page=x",
        ] {
            let mut s = spec.clone();
            assert!(
                s.apply_form(&Fields::parse(bad.as_bytes())).is_err(),
                "{bad}"
            );
        }
        assert_eq!(spec, before);
        spec.apply_form(&Fields::parse(
            b"name=Mine&columns_present=1&columns=title&columns=number&sort=-priority&per_page=50&f_queue=Raw&f_owner=me",
        ))
        .unwrap();
        assert_eq!(spec.name, "Mine");
        assert_eq!(spec.columns(), [Column::Title, Column::Number]);
        assert_eq!(spec.sort, "-priority");
        assert_eq!(spec.per_page(), 50);
        assert_eq!(spec.filter.queue, "Raw");
    }

    pub(crate) fn test_agent() -> Agent {
        Agent {
            id: otrs_core::ids::AgentId(7),
            login: "alice".into(),
            first_name: "Alice".into(),
            last_name: "Agent".into(),
            email: "alice@example.com".into(),
            validity: otrs_core::model::Validity::Valid,
            password_hash: None,
            must_change_password: false,
            failed_logins: 0,
            totp_secret: None,
            groups: BTreeMap::new(),
            preferences: BTreeMap::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    #[test]
    fn me_means_the_agent_looking() {
        let f = Filter {
            owner: "me, bob".into(),
            ..Filter::default()
        };
        assert_eq!(f.params(&test_agent()).owner.as_deref(), Some("alice,bob"));
    }

    #[test]
    fn unparsable_settings_fall_back_to_defaults() {
        let mut agent = test_agent();
        agent
            .preferences
            .insert(DASHBOARD_KEY.into(), "{not json".into());
        assert_eq!(
            load(&agent, DASHBOARD_KEY, Dashboard::default),
            Dashboard::default()
        );
        assert_eq!(organizer(&agent), default_organizer());
    }
}
