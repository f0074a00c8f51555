//! The rules of the domain as pure functions over loaded values.
//!
//! Nothing here reads a store or a clock: the desk loads what a rule needs, calls it, and writes
//! the result.

pub mod escalation;
pub mod merge;
pub mod password;
pub mod permission;
pub mod threading;
pub mod ticket_number;
