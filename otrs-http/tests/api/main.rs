//! The HTTP API's integration tests (one binary; each file a module).

#![allow(clippy::unwrap_used)]

mod article_state;
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
// --- statsui
mod stats;
mod stats_ui;
mod support;
mod ui;
mod workers;
// --- reports
mod reports;
// --- calui
mod calendar_browser;
mod calendar_ui;
mod harness;
mod heartbeat;
// --- i18n
mod browser_language;
mod i18n_frame;
// --- detail
mod browser_detail;
mod mail_sources;
mod ui_detail;
// --- i18n: the agent views in the agent's language
mod i18n_actions;
mod i18n_views;
// --- actions
mod actions;
mod browser_actions;
// --- forms
mod texts_admin;
// --- kb: the knowledge base's API and agent pages
mod browser_kb;
mod kb_api;
mod kb_ui;
// --- kb-admin: the knowledge base's categories (admins)
mod kb_admin;
// --- kb-external: the external interface's knowledge base
mod browser_kb_external;
mod kb_external;
