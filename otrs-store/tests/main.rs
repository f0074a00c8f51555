//! The integration tests of otrs-store: one binary (see STYLE §8), one module per concern.
//!
//! PostgreSQL tests run when `OTRS_TEST_POSTGRES_URL` is set (each in a schema of its own) and
//! print a loud skip line otherwise; `OTRS_TEST_REQUIRE_ALL=1` turns a skip into a failure.

// Helpers shared by the tests unwrap as freely as the tests themselves.
#![allow(clippy::unwrap_used)]

mod bad_data;
mod counters;
mod desk;
mod durability;
mod escalations;
mod listen;
mod lists;
mod migrations;
mod stats;
mod suite;
mod support;
mod transfer;
