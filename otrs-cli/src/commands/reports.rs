//! `otrs report …`: list, show, create, delete and run reports.

use std::path::Path;

use otrs_core::ValidationErrors;
use otrs_core::ids::ReportId;
use otrs_core::{DeskError, model::Report};
use otrs_http::ApiError;
use otrs_http::reports::{ReportBody, default_settings, report_dto, report_pdf};
use otrs_http::stats_dto::stat_table;

use crate::app::App;
use crate::cli::{ReportCommand, ReportCreateArgs, ReportFormat};
use crate::error::CliError;
use crate::output::{Output, fields};

/// Field problems of a request body as the desk's validation error (same exit code and JSON).
fn invalid(error: &ApiError) -> CliError {
    let problem = error.problem();
    let mut errors = ValidationErrors::new();
    for e in problem.errors {
        errors.add(e.field, e.message);
    }
    if errors.is_empty() {
        errors.add("body", problem.detail);
    }
    CliError::Desk(DeskError::Invalid(errors))
}

fn read_body(path: &Path) -> Result<ReportBody, CliError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CliError::io(format!("reading {}", path.display()), e))?;
    serde_json::from_str(&text)
        .map_err(|e| CliError::Usage(format!("{} is not a report (JSON): {e}", path.display())))
}

fn describe(report: &Report, app: &App) -> String {
    let s = &report.settings;
    let next = report
        .next_due(app.desk.now())
        .map_or_else(|| "–".to_owned(), |t| t.to_rfc3339());
    fields(&[
        ("id", report.id.to_string()),
        ("name", s.name.clone()),
        ("description", s.description.clone()),
        ("validity", s.validity.name().to_owned()),
        ("schedule", s.schedule.to_text()),
        ("time zone", s.time_zone.name().to_owned()),
        ("next run", next),
        ("language", s.language.clone()),
        ("recipients", s.recipients.join(", ")),
        ("e-mail subject", s.email_subject.clone()),
        ("title", s.title.clone()),
        (
            "statistics",
            s.stat_numbers
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ])
}

/// Runs `otrs report …`.
pub async fn report(app: &App, out: Output, command: &ReportCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        ReportCommand::List => {
            let all = desk.reports(app.actor).await?;
            let now = desk.now();
            let dtos: Vec<_> = all.iter().map(|r| report_dto(r, now)).collect();
            out.list(
                &dtos,
                &all,
                all.len() as u64,
                &[
                    "id",
                    "name",
                    "schedule",
                    "next run",
                    "validity",
                    "statistics",
                ],
                |r| {
                    vec![
                        r.id.to_string(),
                        r.settings.name.clone(),
                        r.settings.schedule.to_text(),
                        r.next_due(now)
                            .map_or_else(|| "–".to_owned(), |t| t.to_rfc3339()),
                        r.settings.validity.name().to_owned(),
                        r.settings
                            .stat_numbers
                            .iter()
                            .map(u32::to_string)
                            .collect::<Vec<_>>()
                            .join(", "),
                    ]
                },
            )
        }
        ReportCommand::Show { id } => {
            let report = desk.report(app.actor, ReportId(*id)).await?;
            out.show(&report_dto(&report, desk.now()), || describe(&report, app))
        }
        ReportCommand::Create(args) => {
            let ReportCreateArgs {
                file,
                name,
                description,
                stats,
                schedule,
                time_zone,
                recipients,
                subject,
                body,
                title,
                headline,
                validity,
            } = args.as_ref();
            let mut request = match file {
                Some(path) => read_body(path)?,
                None => ReportBody::default(),
            };
            macro_rules! over {
                ($($option:expr => $field:ident),* $(,)?) => {
                    $(if let Some(v) = $option { request.$field = Some(v.clone()); })*
                };
            }
            over!(
                name => name,
                description => description,
                schedule => schedule,
                time_zone => time_zone,
                subject => email_subject,
                body => email_body,
                title => title,
                headline => headline,
                validity => validity,
            );
            if !stats.is_empty() {
                request.stat_numbers = Some(stats.clone());
            }
            if !recipients.is_empty() {
                request.recipients = Some(recipients.clone());
            }
            let settings = request
                .apply(default_settings(desk.config().time_zone))
                .map_err(|e| invalid(&e))?;
            let report = desk.create_report(app.actor, settings).await?;
            out.show(&report_dto(&report, desk.now()), || {
                format!(
                    "report {} created: {}\n{}",
                    report.id,
                    report.settings.name,
                    describe(&report, app)
                )
            })
        }
        ReportCommand::Delete { id } => {
            desk.delete_report(app.actor, ReportId(*id)).await?;
            out.show(&serde_json::json!({ "deleted": id }), || {
                format!("report {id} deleted")
            })
        }
        ReportCommand::Run { id, format, output } => {
            // A PDF needs a file: a usage error before any work.
            if *format == ReportFormat::Pdf && output.is_none() {
                return Err(CliError::Usage("--format pdf needs --output FILE".into()));
            }
            let result = desk.run_report(app.actor, ReportId(*id)).await?;
            match format {
                ReportFormat::Json => {
                    let tables: Vec<_> = result.tables.iter().map(stat_table).collect();
                    let value = serde_json::json!({
                        "report": report_dto(&result.report, desk.now()),
                        "generated_at": result.generated_at,
                        "tables": tables,
                    });
                    let text = serde_json::to_string_pretty(&value)
                        .map_err(|e| CliError::Other(e.to_string()))?;
                    println!("{text}");
                    Ok(())
                }
                ReportFormat::Pdf => {
                    let pdf = report_pdf(&result).map_err(|e| CliError::Other(e.to_string()))?;
                    let path = output.as_deref().unwrap_or(Path::new("report.pdf"));
                    std::fs::write(path, &pdf)
                        .map_err(|e| CliError::io(format!("writing {}", path.display()), e))?;
                    out.show(
                        &serde_json::json!({
                            "report": id, "output": path.display().to_string(), "bytes": pdf.len()
                        }),
                        || format!("report {id} written to {}", path.display()),
                    )
                }
            }
        }
    }
}
