//! Fuzz target: the small parsers of otrs-core that take user input (list cursors, time units,
//! priorities, sort keys, ticket numbers, knowledge-base numbers, states, content types, sort
//! keys and keywords) return a value or `None`, never panic; what parses prints back to the same
//! value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otrs_core::desk::KbSortKey;
use otrs_core::model::{
    KbContentType, KbState, Priority, TimeUnits, kb_article_id_from_number, kb_article_number,
    split_keywords,
};
use otrs_core::rules::ticket_number::{SystemId, is_date_checksum};
use otrs_core::store::{Cursor, TicketSort};

fuzz_target!(|data: &[u8]| {
    if data.len() > 1024 {
        return;
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(cursor) = Cursor::decode(text) {
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
    }
    if let Some(units) = TimeUnits::parse(text) {
        assert!(units >= TimeUnits::ZERO);
        assert_eq!(TimeUnits::parse(&units.to_string()), Some(units));
    }
    if let Some(priority) = Priority::parse(text) {
        assert_eq!(Priority::parse(priority.name()), Some(priority));
    }
    if let Some(sort) = TicketSort::parse(text) {
        assert_eq!(TicketSort::parse(&sort.to_string()), Some(sort));
    }
    let _ = is_date_checksum(text, SystemId::default());
    if let Some(id) = kb_article_id_from_number(SystemId::default(), text) {
        assert_eq!(kb_article_number(SystemId::default(), id), text.trim());
    }
    if let Some(state) = KbState::from_name(text) {
        assert_eq!(KbState::from_name(state.name()), Some(state));
    }
    if let Some(kind) = KbContentType::from_mime(text) {
        assert_eq!(KbContentType::from_mime(kind.mime()), Some(kind));
    }
    if let Some(key) = KbSortKey::from_name(text) {
        assert_eq!(KbSortKey::from_name(key.name()), Some(key));
    }
    for keyword in split_keywords(text) {
        assert_eq!(split_keywords(&keyword), [keyword.clone()]);
    }
});
