//! The command line's errors and their exit codes.

use std::fmt;
use std::path::PathBuf;

use otrs_core::DeskError;
use otrs_core::store::StoreError;

use crate::config::ConfigError;

/// Why a command failed. Every variant is a runtime error (exit code 1) except
/// [`CliError::Usage`] (exit code 2, like clap's own usage errors).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The data directory does not exist (only `serve` and `migrate` create it).
    #[error("data directory {path} does not exist")]
    NoDataDir {
        /// The directory.
        path: PathBuf,
    },
    /// The configuration is unreadable or invalid.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The database could not be opened or failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A command of the desk refused or failed.
    #[error(transparent)]
    Desk(#[from] DeskError),
    /// The search index failed or a query does not parse.
    #[error(transparent)]
    Search(#[from] otrs_store::SearchError),
    /// A file or stream failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The error.
        source: std::io::Error,
    },
    /// A value given on the command line is unusable.
    #[error("{0}")]
    Usage(String),
    /// Anything else, with its message.
    #[error("{0}")]
    Other(String),
}

impl CliError {
    /// Shorthand for an I/O error with context.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> CliError {
        CliError::Io {
            context: context.into(),
            source,
        }
    }

    /// The exit code: 2 for usage errors, 1 for everything else.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            _ => 1,
        }
    }

    /// A stable machine-readable code (the desk's codes where the desk refused).
    pub fn code(&self) -> &'static str {
        match self {
            CliError::NoDataDir { .. } => "no-data-dir",
            CliError::Config(_) => "config",
            CliError::Store(_) => "database",
            CliError::Desk(e) => e.code(),
            CliError::Search(otrs_store::SearchError::Query(_)) => "query-syntax",
            CliError::Search(_) => "search",
            CliError::Io { .. } => "io",
            CliError::Usage(_) => "usage",
            CliError::Other(_) => "error",
        }
    }

    /// A hint that tells the user what to do next, if there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            CliError::NoDataDir { path } => Some(format!(
                "create it with `otrs migrate --data-dir {}` (or start `otrs serve`), or point --data-dir at an existing one",
                path.display()
            )),
            CliError::Desk(DeskError::Invalid(errors)) if errors.0.len() > 1 => Some(
                errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("\n"),
            ),
            CliError::Store(StoreError::Backend(_)) => Some(
                "check that the database is reachable and the data directory is writable".into(),
            ),
            _ => None,
        }
    }

    /// True when the error is a closed pipe on standard output (`otrs … | head`), which counts
    /// as success.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Io { source, .. } if source.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The error and its causes, one per line.
#[derive(Debug)]
pub struct Chain<'a>(pub &'a dyn std::error::Error);

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, "\n  caused by: {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}
