//! The statistics every installation starts with (Stat# 10001–10011), as the manual lists them.

use chrono_tz::Tz;

use super::{
    Element, ElementValue, ListColumn, Period, Scale, StatFormat, StatKind, StatSettings,
    StaticStat, TimeSelection,
};
use crate::ids::GroupId;
use crate::model::StateType as Type;

fn last_month() -> TimeSelection {
    TimeSelection {
        period: Period::Relative {
            past: 1,
            upcoming: 0,
            unit: Scale::Month,
        },
        scale: Scale::Day,
    }
}

fn settings(title: &str, description: &str, kind: StatKind, sums: bool) -> StatSettings {
    StatSettings {
        title: title.to_owned(),
        description: description.to_owned(),
        kind,
        permission_groups: vec![GroupId::STATS],
        formats: StatFormat::ALL.to_vec(),
        time_zone: Tz::UTC,
        sum_row: sums,
        sum_column: sums,
        valid: true,
    }
}

fn list(
    columns: &[ListColumn],
    sort: ListColumn,
    descending: bool,
    filters: Vec<Element>,
) -> StatKind {
    StatKind::List {
        columns: columns.to_vec(),
        sort,
        descending,
        limit: 1000,
        filters,
    }
}

fn state_types(types: &[Type]) -> Element {
    Element::changeable(ElementValue::StateType(types.to_vec()))
}

const OPEN_TYPES: [Type; 4] = [
    Type::New,
    Type::Open,
    Type::PendingReminder,
    Type::PendingAuto,
];

fn open_by_deadline(title: &str, description: &str, deadline: ListColumn) -> StatSettings {
    use ListColumn::*;
    settings(
        title,
        description,
        list(
            &[Number, Title, Created, Queue, State, Priority, deadline],
            deadline,
            false,
            vec![state_types(&OPEN_TYPES)],
        ),
        false,
    )
}

fn closed_by_time(title: &str, description: &str, time: ListColumn) -> StatSettings {
    use ListColumn::*;
    settings(
        title,
        description,
        list(
            &[Number, Title, Created, Closed, Queue, time],
            time,
            true,
            vec![state_types(&[Type::Closed])],
        ),
        false,
    )
}

/// The pre-installed statistics with their numbers, in order.
pub fn preinstalled() -> Vec<(u32, StatSettings)> {
    use ListColumn::*;
    let base = [Number, Title, Created, Queue, State, Priority, Customer];
    vec![
        (
            10001,
            settings(
                "List of tickets closed last month",
                "Lists the tickets closed in the last complete month.",
                list(
                    &[
                        Number, Title, Created, Closed, Queue, State, Priority, Customer, Owner,
                    ],
                    Closed,
                    false,
                    vec![Element::changeable(ElementValue::CloseTime(last_month()))],
                ),
                false,
            ),
        ),
        (
            10002,
            settings(
                "New Tickets",
                "Tickets created per day in the last complete month, by queue.",
                StatKind::Matrix {
                    x: Element::changeable(ElementValue::CreateTime(last_month())),
                    y: vec![Element::changeable(ElementValue::Queue(Vec::new()))],
                    filters: Vec::new(),
                },
                true,
            ),
        ),
        (
            10003,
            open_by_deadline(
                "List of open tickets, sorted by time left until response deadline expires",
                "Open tickets with the time left until their first response deadline.",
                FirstResponseDeadline,
            ),
        ),
        (
            10004,
            closed_by_time(
                "List of tickets closed, sorted by response time.",
                "Closed tickets with their first response time.",
                FirstResponseTime,
            ),
        ),
        (
            10005,
            settings(
                "List of tickets created last month",
                "Lists the tickets created in the last complete month.",
                list(
                    &base,
                    Created,
                    false,
                    vec![Element::changeable(ElementValue::CreateTime(last_month()))],
                ),
                false,
            ),
        ),
        (
            10006,
            settings(
                "List of the most time-consuming tickets",
                "Tickets with the most accounted time.",
                list(
                    &[Number, Title, Queue, State, Customer, AccountedTime],
                    AccountedTime,
                    true,
                    Vec::new(),
                ),
                false,
            ),
        ),
        (
            10007,
            open_by_deadline(
                "List of open tickets, sorted by time left until escalation deadline expires",
                "Open tickets with the time left until their escalation (update) deadline.",
                EscalationDeadline,
            ),
        ),
        (
            10008,
            closed_by_time(
                "List of tickets closed, sorted by solution time",
                "Closed tickets with their solution time.",
                SolutionTime,
            ),
        ),
        (
            10009,
            settings(
                "Overview about all tickets in the system",
                "Every ticket, counted by queue and state.",
                StatKind::Matrix {
                    x: Element::changeable(ElementValue::State(Vec::new())),
                    y: vec![Element::changeable(ElementValue::Queue(Vec::new()))],
                    filters: Vec::new(),
                },
                true,
            ),
        ),
        (
            10010,
            open_by_deadline(
                "List of open tickets, sorted by time left until solution deadline expires",
                "Open tickets with the time left until their solution deadline.",
                SolutionDeadline,
            ),
        ),
        (
            10011,
            settings(
                "Changes of status in a monthly overview",
                "How many tickets entered each state on each day of a month.",
                StatKind::Static(StaticStat::StateChangesMonthly),
                true,
            ),
        ),
    ]
}
