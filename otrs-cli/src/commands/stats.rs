//! `otrs stats …`: list, run, export and import statistics.

use std::path::Path;

use otrs_core::stats::{StatFormat, StatTable};
use otrs_http::stats_dto::{stat_summary, stat_table};
use otrs_http::stats_output::{self, PdfFont, PdfFrame};

use crate::app::App;
use crate::cli::{StatsCommand, StatsFormat};
use crate::error::CliError;
use crate::output::{Output, fields, table};

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, bytes).map_err(|e| CliError::io(format!("writing {}", path.display()), e))
}

fn read_file(path: &Path) -> Result<String, CliError> {
    std::fs::read_to_string(path)
        .map_err(|e| CliError::io(format!("reading {}", path.display()), e))
}

fn print_table(out: Output, result: &StatTable) -> Result<(), CliError> {
    out.show(&stat_table(result), || {
        let mut t = table(
            &result
                .headers
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        );
        for row in &result.rows {
            t.add_row(row.iter().map(|c| c.to_text()).collect::<Vec<_>>());
        }
        let mut text = format!("{} ({})\n{t}\n", result.title, result.number);
        for note in &result.notes {
            text.push_str(note);
            text.push('\n');
        }
        text
    })
}

/// Parses `YYYY-MM`.
fn month(text: &str) -> Result<(i32, u32), CliError> {
    let parsed = text
        .split_once('-')
        .and_then(|(y, m)| Some((y.parse::<i32>().ok()?, m.parse::<u32>().ok()?)))
        .filter(|(_, m)| (1..=12).contains(m));
    parsed.ok_or_else(|| CliError::Usage(format!("--month {text:?} is not YYYY-MM")))
}

/// Runs `otrs stats …`.
pub async fn stats(app: &App, out: Output, command: &StatsCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        StatsCommand::List => {
            let all = desk.stats(app.actor).await?;
            let dtos: Vec<_> = all.iter().map(stat_summary).collect();
            out.list(
                &dtos,
                &all,
                all.len() as u64,
                &["stat#", "title", "type", "object", "valid"],
                |s| {
                    vec![
                        s.number.to_string(),
                        s.settings.title.clone(),
                        s.settings.kind.type_name().to_owned(),
                        s.settings.kind.object().to_owned(),
                        if s.settings.valid { "valid" } else { "invalid" }.to_owned(),
                    ]
                },
            )
        }
        StatsCommand::Show { number } => {
            let s = desk.stat(app.actor, *number).await?;
            let dto = stat_summary(&s);
            out.show(&dto, || {
                fields(&[
                    ("stat#", s.number.to_string()),
                    ("title", s.settings.title.clone()),
                    ("description", s.settings.description.clone()),
                    ("type", dto.stat_type.clone()),
                    ("object", dto.object.clone()),
                    ("formats", dto.formats.join(", ")),
                    ("time zone", dto.time_zone.clone()),
                    ("valid", dto.valid.to_string()),
                ])
            })
        }
        StatsCommand::Run {
            number,
            format,
            output,
            month: month_text,
            set,
        } => {
            // Binary formats need a file: a usage error before any work (or font lookup).
            if output.is_none() && matches!(format, StatsFormat::Xlsx | StatsFormat::Pdf) {
                return Err(CliError::Usage(format!(
                    "--format {} needs --output FILE",
                    if *format == StatsFormat::Xlsx {
                        "xlsx"
                    } else {
                        "pdf"
                    }
                )));
            }
            let options = desk
                .stat_run_options(
                    app.actor,
                    *number,
                    "set",
                    set,
                    month_text.as_deref().map(month).transpose()?,
                )
                .await?;
            let core_format = match format {
                StatsFormat::Table => StatFormat::Table,
                StatsFormat::Csv => StatFormat::Csv,
                StatsFormat::Xlsx => StatFormat::Excel,
                StatsFormat::Pdf => StatFormat::Print,
            };
            let result = desk
                .run_stat(app.actor, *number, core_format, options)
                .await?;
            let bytes = match format {
                StatsFormat::Table => return print_table(out, &result),
                StatsFormat::Csv => stats_output::csv(&result),
                StatsFormat::Xlsx => {
                    stats_output::xlsx(&result).map_err(|e| CliError::Other(e.to_string()))?
                }
                StatsFormat::Pdf => {
                    let font = PdfFont::find(&[]).map_err(|e| CliError::Other(e.to_string()))?;
                    stats_output::pdf(&PdfFrame::default(), &[result], &font)
                        .map_err(|e| CliError::Other(e.to_string()))?
                }
            };
            match output {
                Some(path) => {
                    write_file(path, &bytes)?;
                    eprintln!("statistic {number} written to {}", path.display());
                    Ok(())
                }
                // Only CSV gets here without a file (checked above).
                None => {
                    use std::io::Write;
                    std::io::stdout()
                        .write_all(&bytes)
                        .map_err(|e| CliError::io("writing to standard output", e))
                }
            }
        }
        StatsCommand::Export { number, output } => {
            let xml = desk.export_stat(app.actor, *number).await?;
            match output {
                Some(path) => {
                    write_file(path, xml.as_bytes())?;
                    eprintln!("statistic {number} exported to {}", path.display());
                    Ok(())
                }
                None => out.show(&serde_json::json!({ "number": number, "xml": xml }), || {
                    xml.clone()
                }),
            }
        }
        StatsCommand::Import { file } => {
            let xml = read_file(file)?;
            let stat = desk.import_stat(app.actor, &xml).await?;
            out.show(&stat_summary(&stat), || {
                format!(
                    "statistic {} imported: {}",
                    stat.number, stat.settings.title
                )
            })
        }
    }
}
