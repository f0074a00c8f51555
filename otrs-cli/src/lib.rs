//! The `otrs` command line: serving, administration, import and export.
//!
//! `main` parses the arguments, runs one command on a tokio runtime and turns the outcome into an
//! exit code: 0 for success, 1 for a runtime error, 2 for a usage error.

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod demo;
pub mod error;
pub mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::error::{Chain, CliError};

/// Runs the program with the process's arguments.
pub fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Help and version go to stdout with code 0; usage errors to stderr with code 2.
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() { 2 } else { 0 });
        }
    };
    init_logging();
    let json = cli.global.json;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return report(&CliError::io("cannot start the async runtime", e), json),
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_broken_pipe() => ExitCode::SUCCESS,
        Err(error) => report(&error, json),
    }
}

fn report(error: &CliError, json: bool) -> ExitCode {
    if json {
        let value = serde_json::json!({ "error": { "code": error.code(), "message": error.to_string(), "hint": error.hint() } });
        eprintln!("{value}");
    } else {
        eprintln!("error: {}", Chain(error));
        if let Some(hint) = error.hint() {
            eprintln!("hint: {hint}");
        }
    }
    ExitCode::from(error.exit_code())
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("OTRS_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,otrs=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
