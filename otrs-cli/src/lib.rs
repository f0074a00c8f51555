//! The `otrs` command line: serving, administration, import and export.

pub mod cli;
pub mod config;
pub mod demo;
