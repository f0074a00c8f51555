//! The JSON shapes of statistics (API responses and the CLI's `--json`).

use chrono::{DateTime, Utc};
use otrs_core::stats::{StatCell, StatDefinition, StatTable};
use serde::Serialize;
use utoipa::ToSchema;

/// A statistic in lists.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatSummaryDto {
    /// Stat#.
    pub number: u32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// `Matrix`, `List` or `Static`.
    #[serde(rename = "type")]
    pub stat_type: String,
    /// `TicketAccumulation`, `Ticketlist` or `StateAction`.
    pub object: String,
    /// Formats it may be run in: `table`, `csv`, `excel`, `print`.
    pub formats: Vec<String>,
    /// Permission group ids.
    pub permission_groups: Vec<u64>,
    /// IANA zone of its periods.
    pub time_zone: String,
    /// Summation row.
    pub sum_row: bool,
    /// Summation column.
    pub sum_column: bool,
    /// Only valid statistics can be run.
    pub valid: bool,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Version (for `If-Match`).
    pub version: u64,
}

/// The summary of a statistic.
pub fn stat_summary(s: &StatDefinition) -> StatSummaryDto {
    StatSummaryDto {
        number: s.number,
        title: s.settings.title.clone(),
        description: s.settings.description.clone(),
        stat_type: s.settings.kind.type_name().to_owned(),
        object: s.settings.kind.object().to_owned(),
        formats: s
            .settings
            .formats
            .iter()
            .map(|f| f.name().to_owned())
            .collect(),
        permission_groups: s.settings.permission_groups.iter().map(|g| g.0).collect(),
        time_zone: s.settings.time_zone.name().to_owned(),
        sum_row: s.settings.sum_row,
        sum_column: s.settings.sum_column,
        valid: s.settings.valid,
        changed_at: s.changed_at,
        version: s.version,
    }
}

/// The result of running a statistic: cells are strings, numbers or `null` (empty).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct StatTableDto {
    /// Stat#.
    pub number: u32,
    /// Title.
    pub title: String,
    /// `Matrix`, `List` or `Static`.
    #[serde(rename = "type")]
    pub stat_type: String,
    /// IANA zone of times and periods.
    pub time_zone: String,
    /// When it ran.
    pub generated_at: DateTime<Utc>,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows of cells.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<Vec<serde_json::Value>>,
    /// Remarks (periods covered, empty deadline columns).
    pub notes: Vec<String>,
}

/// The JSON shape of a result.
pub fn stat_table(t: &StatTable) -> StatTableDto {
    StatTableDto {
        number: t.number,
        title: t.title.clone(),
        stat_type: t.kind.to_owned(),
        time_zone: t.time_zone.name().to_owned(),
        generated_at: t.generated_at,
        headers: t.headers.clone(),
        rows: t
            .rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        StatCell::Text(s) => serde_json::Value::from(s.clone()),
                        StatCell::Count(n) => serde_json::Value::from(*n),
                        StatCell::Number(x) => serde_json::Value::from(*x),
                        StatCell::Empty => serde_json::Value::Null,
                    })
                    .collect()
            })
            .collect(),
        notes: t.notes.clone(),
    }
}
