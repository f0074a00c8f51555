//! The `otrs` command line: serving, administration, import and export.

pub mod demo;
