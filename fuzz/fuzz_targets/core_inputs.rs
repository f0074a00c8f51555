//! Fuzz target: the small parsers of otrs-core that take user input (list cursors, time units,
//! priorities, sort keys, ticket numbers) return a value or `None`, never panic; what parses
//! prints back to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use otrs_core::model::{Priority, TimeUnits};
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
});
