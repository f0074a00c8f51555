//! The HTTP API's integration tests (one binary; each file a module).

#![allow(clippy::unwrap_used)]

mod browser;
mod calendar;
mod conditional;
mod full_stack;
mod fuzz;
mod isolation;
mod jobs;
mod matrix;
mod openapi;
mod pages;
mod problems;
mod signin;
mod support;
mod ui;
mod workers;
// --- actions
mod actions;
mod browser_actions;
