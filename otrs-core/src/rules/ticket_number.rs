//! The DateChecksum ticket-number generator.
//!
//! Layout: `YYYYMMDD` + SystemID + the day's counter zero-padded to 5 digits + one check digit,
//! e.g. `2020032510000409`. The counter grows past 5 digits on a day with more than 99,999
//! tickets, so the number grows to 17 digits. The counter itself lives behind the storage port.

use std::fmt;

use chrono::{Datelike, NaiveDate};

/// The installation's SystemID (1 to 99), the second part of every ticket number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SystemId(u8);

impl SystemId {
    /// A SystemID from 1 to 99.
    pub const fn new(id: u8) -> Option<SystemId> {
        if id >= 1 && id <= 99 {
            Some(SystemId(id))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u8 {
        self.0
    }
}

impl Default for SystemId {
    /// 10, the OTRS default.
    fn default() -> Self {
        SystemId(10)
    }
}

impl fmt::Display for SystemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The check digit over a string of digits: weights 1, 2, 1, 2, … from the left, the plain sum of
/// the products modulo 10 subtracted from 10, and 10 written as 1.
///
/// Non-digit characters are ignored.
pub fn check_digit(digits: &str) -> u8 {
    let sum: u32 = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .enumerate()
        .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 2 })
        .sum();
    let check = 10 - (sum % 10) as u8;
    if check == 10 { 1 } else { check }
}

/// Builds the DateChecksum number for the `counter`-th ticket of `day`.
pub fn date_checksum(day: NaiveDate, system_id: SystemId, counter: u64) -> String {
    // Written digit by digit rather than through the formatting machinery: this runs once per
    // created ticket.
    let mut number = String::with_capacity(20);
    let date = u64::try_from(day.year()).unwrap_or(0) * 10_000
        + u64::from(day.month()) * 100
        + u64::from(day.day());
    push_digits(&mut number, date, 8);
    push_digits(&mut number, u64::from(system_id.0), 1);
    push_digits(&mut number, counter, 5);
    let check = check_digit(&number);
    number.push(char::from(b'0' + check));
    number
}

/// Appends `value` in decimal, zero-padded to at least `width` digits.
fn push_digits(out: &mut String, mut value: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (value % 10) as u8;
        value /= 10;
        if value == 0 {
            break;
        }
    }
    let start = start.min(digits.len() - width);
    out.extend(digits[start..].iter().map(|&d| char::from(d)));
}

/// True if `number` is a well-formed DateChecksum number of this SystemID (valid date, check digit).
pub fn is_date_checksum(number: &str, system_id: SystemId) -> bool {
    let sid = system_id.to_string();
    let min_len = 8 + sid.len() + 5 + 1;
    if number.len() < min_len || !number.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (body, check) = number.split_at(number.len() - 1);
    NaiveDate::parse_from_str(&body[..8], "%Y%m%d").is_ok()
        && body[8..].starts_with(&sid)
        && check.parse::<u8>().ok() == Some(check_digit(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn matches_the_documented_example() {
        assert_eq!(
            date_checksum(day(2020, 3, 25), SystemId::default(), 40),
            "2020032510000409"
        );
        assert_eq!(check_digit("202003251000040"), 9);
    }

    #[test]
    fn a_check_of_ten_is_written_as_one() {
        let weighted_sum = |body: &str| -> u32 {
            body.bytes()
                .enumerate()
                .map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 2 })
                .sum()
        };
        let counter = (1..100u64)
            .find(|c| weighted_sum(&format!("2020010110{c:05}")) % 10 == 0)
            .expect("some counter gives a sum divisible by ten");
        let number = date_checksum(day(2020, 1, 1), SystemId::default(), counter);
        assert!(number.ends_with('1'), "{number}");
    }

    #[test]
    fn grows_to_seventeen_digits_after_99999_tickets() {
        let n = date_checksum(day(2024, 2, 29), SystemId::default(), 100_000);
        assert_eq!(n.len(), 17);
        assert!(is_date_checksum(&n, SystemId::default()));
        assert_eq!(
            date_checksum(day(2024, 2, 29), SystemId::default(), 99_999).len(),
            16
        );
    }

    #[test]
    fn recognises_only_well_formed_numbers() {
        let sid = SystemId::default();
        assert!(is_date_checksum("2020032510000409", sid));
        assert!(
            !is_date_checksum("2020032510000408", sid),
            "wrong check digit"
        );
        assert!(!is_date_checksum("2020133110000409", sid), "no 13th month");
        assert!(!is_date_checksum("20200325100004", sid), "too short");
        assert!(
            !is_date_checksum("2020032511000409", SystemId::new(12).unwrap()),
            "other system"
        );
        assert!(!is_date_checksum("2020-03-2510000409", sid));
    }

    proptest! {
        #[test]
        fn every_generated_number_checks_out(
            days in 0i64..40_000, counter in 1u64..2_000_000, sid in 1u8..=99
        ) {
            let d = day(2000, 1, 1) + chrono::Duration::days(days);
            let sid = SystemId::new(sid).unwrap();
            let n = date_checksum(d, sid, counter);
            prop_assert!(is_date_checksum(&n, sid));
            prop_assert!(n.starts_with(&d.format("%Y%m%d").to_string()));
        }

        #[test]
        fn the_digit_writer_agrees_with_the_layout_written_by_format(
            days in 0i64..40_000, counter in 0u64..20_000_000, sid in 1u8..=99
        ) {
            let d = day(2000, 1, 1) + chrono::Duration::days(days);
            let body = format!("{}{}{:05}", d.format("%Y%m%d"), sid, counter);
            let expected = format!("{body}{}", check_digit(&body));
            prop_assert_eq!(date_checksum(d, SystemId::new(sid).unwrap(), counter), expected);
        }

        #[test]
        fn numbers_increase_with_the_counter_within_a_day(days in 0i64..40_000, a in 1u64..500_000, b in 1u64..500_000) {
            prop_assume!(a < b);
            let d = day(2000, 1, 1) + chrono::Duration::days(days);
            let (na, nb) = (date_checksum(d, SystemId::default(), a), date_checksum(d, SystemId::default(), b));
            prop_assert!(na.parse::<u128>().unwrap() < nb.parse::<u128>().unwrap());
        }

        #[test]
        fn a_single_digit_change_is_caught_unless_the_rule_maps_both_sums_alike(
            counter in 1u64..99_999, pos in 0usize..15, delta in 1u8..10
        ) {
            let n = date_checksum(day(2021, 6, 15), SystemId::default(), counter);
            let residue = |s: &str| -> u32 {
                s.bytes().take(15).enumerate().map(|(i, b)| u32::from(b - b'0') * if i % 2 == 0 { 1 } else { 2 }).sum::<u32>() % 10
            };
            let mut bytes = n.clone().into_bytes();
            bytes[pos] = b'0' + (bytes[pos] - b'0' + delta) % 10;
            let changed = String::from_utf8(bytes).unwrap();
            let (old, new) = (residue(&n), residue(&changed));
            // The rule writes a check of 10 as 1, so residues 0 and 9 share the check digit 1;
            // weight 2 also cannot see a change by 5. Every other change is caught.
            let same_check = old == new || (old.min(new) == 0 && old.max(new) == 9);
            if !same_check {
                prop_assert!(!is_date_checksum(&changed, SystemId::default()), "{n} -> {changed}");
            }
        }
    }
}
