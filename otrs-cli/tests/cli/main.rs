//! The `otrs` binary, run for real in temporary directories.

#![allow(clippy::unwrap_used)]

mod admin;
mod calendar;
mod data;
mod errors;
mod jobs;
mod serve;
mod stats;
mod support;
mod tickets;
// --- reports
mod reports;
// --- calui
mod serve_kill;
// --- actions
mod texts;
// --- kb
mod kb;
