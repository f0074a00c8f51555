//! Integration tests of the desk over the in-memory store.

#![allow(clippy::unwrap_used)]

mod common;

mod articles;
mod bulk;
mod calendar;
mod jobs;
mod kb;
mod kb_props;
mod links;
mod merge;
mod permissions;
mod recurrence_conformance;
mod recurrence_props;
mod state_machine;
mod tickets;
// --- detail
mod article_actions;
mod threading;
