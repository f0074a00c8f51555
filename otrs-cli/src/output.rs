//! Printing results: readable tables by default, the API's JSON shapes with `--json`.
//!
//! Data goes to standard output, diagnostics to standard error.

use std::io::Write;

use comfy_table::presets::UTF8_BORDERS_ONLY;
use comfy_table::{ContentArrangement, Table};
use serde::Serialize;

use crate::error::CliError;

/// How results are printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// JSON instead of tables.
    pub json: bool,
}

fn write_out(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        .map_err(|e| CliError::io("writing to standard output", e))
}

impl Output {
    /// Prints `value` as pretty JSON (with `--json`), or `text()` otherwise.
    pub fn show<T: Serialize>(
        &self,
        value: &T,
        text: impl FnOnce() -> String,
    ) -> Result<(), CliError> {
        if self.json {
            let json =
                serde_json::to_string_pretty(value).map_err(|e| CliError::Other(e.to_string()))?;
            write_out(&format!("{json}\n"))
        } else {
            let text = text();
            if text.ends_with('\n') {
                write_out(&text)
            } else {
                write_out(&format!("{text}\n"))
            }
        }
    }

    /// Prints a list: the API shapes `dtos` as JSON `{"items": [...], "total": n}` (the API's
    /// list shape), or `items` as a table.
    pub fn list<D: Serialize, R>(
        &self,
        dtos: &[D],
        items: &[R],
        total: u64,
        headers: &[&str],
        row: impl Fn(&R) -> Vec<String>,
    ) -> Result<(), CliError> {
        if self.json {
            let value = serde_json::json!({ "items": dtos, "total": total });
            let json =
                serde_json::to_string_pretty(&value).map_err(|e| CliError::Other(e.to_string()))?;
            write_out(&format!("{json}\n"))
        } else {
            let mut table = table(headers);
            for item in items {
                table.add_row(row(item));
            }
            let mut text = table.to_string();
            if (items.len() as u64) < total {
                text.push_str(&format!("\n{} of {} shown", items.len(), total));
            }
            write_out(&format!("{text}\n"))
        }
    }
}

/// A table with the project's style.
pub fn table(headers: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_BORDERS_ONLY)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(headers.to_vec());
    table
}

/// "key: value" lines, aligned.
pub fn fields(pairs: &[(&str, String)]) -> String {
    let width = pairs
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    pairs
        .iter()
        .map(|(k, v)| format!("{k:<width$}  {v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A progress bar on standard error for long work; hidden when stderr is not a terminal.
pub fn progress(label: &str, total: u64) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    let style = indicatif::ProgressStyle::with_template("{msg:12} [{bar:40}] {pos}/{len} ({eta})")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
        .progress_chars("=> ");
    bar.set_style(style);
    bar.set_message(label.to_owned());
    bar
}
