//! The columns a ticket list, a dashboard widget or an export can show.

use std::borrow::Cow;

use otrs_core::store::TicketSortKey;

use crate::dto::TicketDto;
use crate::i18n::{Language, translate_dyn};
use crate::ui::names;
use crate::{n_, tr};

/// A ticket column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    /// Ticket number.
    Number,
    /// Title.
    Title,
    /// Priority.
    Priority,
    /// State.
    State,
    /// Queue.
    Queue,
    /// Owner.
    Owner,
    /// Responsible.
    Responsible,
    /// Lock.
    Lock,
    /// Customer user.
    CustomerUser,
    /// CustomerID.
    CustomerId,
    /// Created.
    Created,
    /// Changed.
    Changed,
    /// Pending till.
    PendingUntil,
    /// Accounted time.
    AccountedTime,
}

impl Column {
    /// Every column, in the default order of the export dialog.
    pub const ALL: [Column; 14] = [
        Column::Number,
        Column::Title,
        Column::Priority,
        Column::State,
        Column::Queue,
        Column::Owner,
        Column::Responsible,
        Column::Lock,
        Column::CustomerUser,
        Column::CustomerId,
        Column::Created,
        Column::Changed,
        Column::PendingUntil,
        Column::AccountedTime,
    ];

    /// The key used in URLs and preferences.
    pub const fn key(self) -> &'static str {
        match self {
            Column::Number => "number",
            Column::Title => "title",
            Column::Priority => "priority",
            Column::State => "state",
            Column::Queue => "queue",
            Column::Owner => "owner",
            Column::Responsible => "responsible",
            Column::Lock => "lock",
            Column::CustomerUser => "customer_user",
            Column::CustomerId => "customer_id",
            Column::Created => "created",
            Column::Changed => "changed",
            Column::PendingUntil => "pending_until",
            Column::AccountedTime => "accounted_time",
        }
    }

    /// The heading in English (the export's column header; marked for [`Column::heading`]).
    pub const fn label(self) -> &'static str {
        match self {
            Column::Number => n_!("Number"),
            Column::Title => n_!("Title"),
            Column::Priority => n_!("Priority"),
            Column::State => n_!("State"),
            Column::Queue => n_!("Queue"),
            Column::Owner => n_!("Owner"),
            Column::Responsible => n_!("Responsible"),
            Column::Lock => n_!("Lock"),
            Column::CustomerUser => n_!("Customer User"),
            Column::CustomerId => n_!("Customer ID"),
            Column::Created => n_!("Created"),
            Column::Changed => n_!("Changed"),
            Column::PendingUntil => n_!("Pending till"),
            Column::AccountedTime => n_!("Time Units"),
        }
    }

    /// The heading in a language.
    pub fn heading(self, lang: Language) -> Cow<'static, str> {
        translate_dyn(lang, self.label())
    }

    /// Parses [`Column::key`].
    pub fn from_key(key: &str) -> Option<Column> {
        Column::ALL.into_iter().find(|c| c.key() == key)
    }

    /// The sort key of the column, when the list can be sorted by it.
    pub fn sort_key(self) -> Option<TicketSortKey> {
        Some(match self {
            Column::Number => TicketSortKey::Number,
            Column::Title => TicketSortKey::Title,
            Column::Priority => TicketSortKey::Priority,
            Column::State => TicketSortKey::State,
            Column::Queue => TicketSortKey::Queue,
            Column::Created => TicketSortKey::Created,
            Column::Changed => TicketSortKey::Changed,
            Column::PendingUntil => TicketSortKey::PendingUntil,
            _ => return None,
        })
    }

    /// The name of the sort in `TicketSort::parse` (`-changed` descends).
    pub fn sort_name(self) -> Option<&'static str> {
        self.sort_key().map(TicketSortKey::name)
    }

    /// True for columns holding a time.
    pub const fn is_time(self) -> bool {
        matches!(
            self,
            Column::Created | Column::Changed | Column::PendingUntil
        )
    }

    /// The cell as plain text; times through `time`, built-in names (states, priorities, lock)
    /// in `lang`.
    pub fn text(
        self,
        t: &TicketDto,
        time: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
        lang: Language,
    ) -> String {
        match self {
            Column::Number => t.number.clone(),
            Column::Title => t.title.clone(),
            Column::Priority => names::shown(lang, &t.priority.name).into_owned(),
            Column::State => names::shown(lang, &t.state.name).into_owned(),
            Column::Queue => t.queue.name.clone(),
            Column::Owner => t.owner.name.clone(),
            Column::Responsible => t.responsible.name.clone(),
            Column::Lock => match t.lock.as_str() {
                "unlock" => names::shown(lang, "unlocked").into_owned(),
                _ => names::shown(lang, "locked").into_owned(),
            },
            Column::CustomerUser => t
                .customer_user
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            Column::CustomerId => t.customer_id.clone().unwrap_or_default(),
            Column::Created => time(t.created_at),
            Column::Changed => time(t.changed_at),
            Column::PendingUntil => t.pending_until.map(time).unwrap_or_default(),
            Column::AccountedTime => t.accounted_time.clone(),
        }
    }
}

/// Parses a list of column keys, skipping unknown ones and repeats.
pub fn parse_columns<'a>(keys: impl IntoIterator<Item = &'a str>) -> Vec<Column> {
    let mut out = Vec::new();
    for key in keys {
        for part in key.split(',') {
            if let Some(c) = Column::from_key(part.trim())
                && !out.contains(&c)
            {
                out.push(c);
            }
        }
    }
    out
}

/// A column chooser for forms: checkboxes named `columns` in the chosen order first (the
/// script adds up and down buttons' behaviour; the order of the form is the order used).
pub fn chooser(lang: Language, chosen: &[Column]) -> maud::Markup {
    maud::html! {
        ol.columns.plain {
            @for c in chosen.iter().copied().chain(Column::ALL.into_iter().filter(|c| !chosen.contains(c))) {
                li {
                    label.grow {
                        input type="checkbox" name="columns" value=(c.key()) checked[chosen.contains(&c)];
                        " " (c.heading(lang))
                    }
                    button type="button" data-move="up" aria-label=(tr!(@lang lang, "Move %{name} up", name = c.heading(lang))) { "↑" }
                    button type="button" data-move="down" aria-label=(tr!(@lang lang, "Move %{name} down", name = c.heading(lang))) { "↓" }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_and_sort_names_parse() {
        for c in Column::ALL {
            assert_eq!(Column::from_key(c.key()), Some(c));
            if let Some(name) = c.sort_name() {
                let sort = otrs_core::store::TicketSort::parse(name).expect(name);
                assert_eq!(Some(sort.key), c.sort_key());
            }
        }
    }

    #[test]
    fn parse_skips_unknown_and_repeats() {
        assert_eq!(
            parse_columns(["title,number", "bogus", "title", "state"]),
            [Column::Title, Column::Number, Column::State]
        );
    }
}
