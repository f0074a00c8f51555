//! The built-in names of the desk's initial data (the default ticket states, the priorities
//! and the lock states as lists show them), marked once here so that the interface shows them
//! in the agent's language. A name an administrator made (a new state, a renamed one) has no
//! entry and shows as stored.

use std::borrow::Cow;

use crate::i18n::{Language, translate_dyn};
use crate::n_;

/// The names that come with every installation (otrs-core's `StateCatalog::defaults`,
/// `Priority::name`) and the lock states of a list's Lock column.
pub const BUILT_IN: [&str; 16] = [
    n_!("new"),
    n_!("open"),
    n_!("closed successful"),
    n_!("closed unsuccessful"),
    n_!("removed"),
    n_!("pending reminder"),
    n_!("pending auto close+"),
    n_!("pending auto close-"),
    n_!("merged"),
    n_!("1 very low"),
    n_!("2 low"),
    n_!("3 normal"),
    n_!("4 high"),
    n_!("5 very high"),
    n_!("locked"),
    n_!("unlocked"),
];

/// The kinds of escalation deadlines (otrs-core's `EscalationKind::label`), shown through
/// `translate_dyn`.
pub const ESCALATION_KINDS: [&str; 3] = [
    n_!("First Response Time"),
    n_!("Update Time"),
    n_!("Solution Time"),
];

/// A name from the desk as the agent reads it: a built-in name translated, any other as stored.
pub fn shown(lang: Language, name: &str) -> Cow<'_, str> {
    if BUILT_IN.contains(&name) || ESCALATION_KINDS.contains(&name) {
        translate_dyn(lang, name)
    } else {
        Cow::Borrowed(name)
    }
}

/// A name from a list of marked names (`marked`) in `lang`; any other name as it is.
pub fn marked_in<'a>(lang: Language, marked: &[&str], name: &'a str) -> Cow<'a, str> {
    if marked.contains(&name) {
        translate_dyn(lang, name)
    } else {
        Cow::Borrowed(name)
    }
}

#[cfg(test)]
mod tests {
    use otrs_core::model::{Priority, StateCatalog};

    use super::*;

    #[test]
    fn every_default_state_and_priority_is_built_in() {
        for state in StateCatalog::defaults() {
            assert!(BUILT_IN.contains(&state.name.as_str()), "{}", state.name);
        }
        for priority in Priority::ALL {
            assert!(BUILT_IN.contains(&priority.name()), "{priority}");
        }
        use otrs_core::rules::escalation::EscalationKind;
        for kind in [
            EscalationKind::FirstResponse,
            EscalationKind::Update,
            EscalationKind::Solution,
        ] {
            assert!(ESCALATION_KINDS.contains(&kind.label()), "{kind:?}");
        }
    }

    #[test]
    fn built_in_names_are_translated_and_others_kept() {
        assert_eq!(shown(Language::German, "open"), "offen");
        assert_eq!(shown(Language::English, "open"), "open");
        assert_eq!(
            shown(Language::German, "waiting for parts"),
            "waiting for parts"
        );
        // A catalogue key that is not a built-in name stays as the administrator wrote it.
        assert_eq!(shown(Language::German, "Dashboard"), "Dashboard");
    }
}
