//! Reports outside the desk: their JSON shapes (API responses, request bodies, the CLI's
//! `--json` and `otrs report create --file`), the PDF of a run, and the `report.run` job that
//! the scheduler of `otrs serve` runs for scheduled reports.
//!
//! The job runs in two steps around the PDF, which only this crate can render:
//! [`otrs_core::Desk::prepare_report_run`] re-checks the report and that its e-mail is not queued
//! yet (a retried job stops there) and runs the statistics; [`otrs_core::Desk::deliver_report_run`]
//! queues the e-mail with the PDF under the run's stable Message-ID and schedules the next run.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use otrs_core::desk::JobError;
use otrs_core::model::{Job, Report, ReportOutput, ReportSchedule, ReportSettings, Validity};
use otrs_core::store::Store;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;
use crate::stats_output::{self, OutputError, PdfFont, PdfFrame};

/// A report.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ReportDto {
    /// Id.
    pub id: u64,
    /// Name (unique).
    pub name: String,
    /// Description.
    pub description: String,
    /// `valid`, `invalid` or `invalid-temporarily`; only valid reports run on their schedule.
    pub validity: String,
    /// `none`, `daily HH:MM`, `weekly DAY HH:MM` (DAY `mon` … `sun`), `monthly N HH:MM`
    /// (N 1–28) or `cron EXPRESSION` (five fields), read in `time_zone`.
    pub schedule: String,
    /// IANA time zone of the schedule.
    pub time_zone: String,
    /// Generation language (`en`).
    pub language: String,
    /// Subject of the e-mail.
    pub email_subject: String,
    /// Body of the e-mail.
    pub email_body: String,
    /// Recipients of the e-mail.
    pub recipients: Vec<String>,
    /// Headline of the PDF.
    pub headline: String,
    /// Title of the PDF.
    pub title: String,
    /// Caption of the preamble.
    pub preamble_caption: String,
    /// Preamble.
    pub preamble: String,
    /// Caption of the epilogue.
    pub epilogue_caption: String,
    /// Epilogue.
    pub epilogue: String,
    /// The statistics (Stat#), in order.
    pub stat_numbers: Vec<u32>,
    /// When it runs next (`null`: no schedule, or not valid).
    pub next_run: Option<DateTime<Utc>>,
    /// Creator (agent id).
    pub created_by: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Version (for `If-Match`).
    pub version: u64,
}

/// The wire form of a report, with its next run after `now`.
pub fn report_dto(report: &Report, now: DateTime<Utc>) -> ReportDto {
    let s = &report.settings;
    ReportDto {
        id: report.id.0,
        name: s.name.clone(),
        description: s.description.clone(),
        validity: s.validity.name().to_owned(),
        schedule: s.schedule.to_text(),
        time_zone: s.time_zone.name().to_owned(),
        language: s.language.clone(),
        email_subject: s.email_subject.clone(),
        email_body: s.email_body.clone(),
        recipients: s.recipients.clone(),
        headline: s.headline.clone(),
        title: s.title.clone(),
        preamble_caption: s.preamble_caption.clone(),
        preamble: s.preamble.clone(),
        epilogue_caption: s.epilogue_caption.clone(),
        epilogue: s.epilogue.clone(),
        stat_numbers: s.stat_numbers.clone(),
        next_run: report.next_due(now),
        created_by: report.created_by.0,
        created_at: report.created_at,
        changed_at: report.changed_at,
        version: report.version,
    }
}

/// A report's settings in a request: every field may be left out (creating and `PUT` start
/// from the defaults, `PATCH` from the stored report).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    /// Name (required, unique).
    pub name: Option<String>,
    /// Description (required).
    pub description: Option<String>,
    /// `valid` (default), `invalid` or `invalid-temporarily`.
    pub validity: Option<String>,
    /// `none` (default), `daily HH:MM`, `weekly DAY HH:MM`, `monthly N HH:MM` or
    /// `cron EXPRESSION`.
    pub schedule: Option<String>,
    /// IANA time zone of the schedule (default: the desk's).
    pub time_zone: Option<String>,
    /// Generation language (`en`, the default).
    pub language: Option<String>,
    /// Subject of the e-mail.
    pub email_subject: Option<String>,
    /// Body of the e-mail.
    pub email_body: Option<String>,
    /// Recipients (required with a schedule).
    pub recipients: Option<Vec<String>>,
    /// Headline of the PDF.
    pub headline: Option<String>,
    /// Title of the PDF.
    pub title: Option<String>,
    /// Caption of the preamble.
    pub preamble_caption: Option<String>,
    /// Preamble.
    pub preamble: Option<String>,
    /// Caption of the epilogue.
    pub epilogue_caption: Option<String>,
    /// Epilogue.
    pub epilogue: Option<String>,
    /// The statistics (Stat#), at least one.
    pub stat_numbers: Option<Vec<u32>>,
}

/// The settings a new report starts from: valid, no schedule, English, in `time_zone`.
pub fn default_settings(time_zone: Tz) -> ReportSettings {
    ReportSettings {
        time_zone,
        ..ReportSettings::default()
    }
}

impl ReportBody {
    /// The settings with this body's fields put over `base`; every field that does not parse
    /// is named.
    pub fn apply(self, base: ReportSettings) -> Result<ReportSettings, ApiError> {
        let mut s = base;
        let mut problems = Vec::new();
        if let Some(v) = self.validity {
            match Validity::from_name(v.trim()) {
                Some(validity) => s.validity = validity,
                None => problems.push((
                    "validity",
                    format!("{v:?} is not one of valid, invalid, invalid-temporarily"),
                )),
            }
        }
        if let Some(v) = self.schedule {
            match ReportSchedule::from_text(&v) {
                Ok(schedule) => s.schedule = schedule,
                Err(message) => problems.push(("schedule", message)),
            }
        }
        if let Some(v) = self.time_zone {
            match v.trim().parse::<Tz>() {
                Ok(tz) => s.time_zone = tz,
                Err(_) => problems.push(("time_zone", format!("{v:?} is not an IANA time zone"))),
            }
        }
        if !problems.is_empty() {
            return Err(ApiError::invalid_fields(
                problems
                    .into_iter()
                    .map(|(field, message)| crate::error::FieldProblem {
                        field: field.to_owned(),
                        message,
                    })
                    .collect(),
            ));
        }
        macro_rules! set {
            ($($field:ident => $target:ident),* $(,)?) => {
                $(if let Some(v) = self.$field { s.$target = v; })*
            };
        }
        set!(
            name => name,
            description => description,
            language => language,
            email_subject => email_subject,
            email_body => email_body,
            recipients => recipients,
            headline => headline,
            title => title,
            preamble_caption => preamble_caption,
            preamble => preamble,
            epilogue_caption => epilogue_caption,
            epilogue => epilogue,
            stat_numbers => stat_numbers,
        );
        Ok(s)
    }
}

/// The texts around the tables: the report's output settings (the title falls back to the
/// report's name).
pub fn pdf_frame(report: &Report) -> PdfFrame {
    let s = &report.settings;
    PdfFrame {
        headline: s.headline.clone(),
        title: if s.title.trim().is_empty() {
            s.name.clone()
        } else {
            s.title.clone()
        },
        preamble_caption: s.preamble_caption.clone(),
        preamble: s.preamble.clone(),
        epilogue_caption: s.epilogue_caption.clone(),
        epilogue: s.epilogue.clone(),
    }
}

/// A run of a report as a PDF with the embedded DejaVu Sans font (see [`PdfFont::find`]).
pub fn report_pdf(output: &ReportOutput) -> Result<Vec<u8>, OutputError> {
    let font = PdfFont::find(&[])?;
    stats_output::pdf(&pdf_frame(&output.report), &output.tables, &font)
}

/// [`report_pdf`] off the async runtime (laying out many pages takes a while).
pub async fn report_pdf_blocking(output: ReportOutput) -> Result<Vec<u8>, OutputError> {
    tokio::task::spawn_blocking(move || report_pdf(&output))
        .await
        .unwrap_or_else(|e| Err(OutputError::Pdf(format!("the PDF task failed: {e}"))))
}

/// The `report.run` job: runs a scheduled report, renders its PDF and queues the e-mail once
/// per run (see the module docs). Safe to run more than once.
pub async fn run_report_job<S: Store>(state: AppState<S>, job: Job) -> Result<(), JobError> {
    let Some(run) = state.desk().prepare_report_run(&job).await? else {
        return Ok(());
    };
    // A missing font may be installed before the next attempt.
    let pdf = report_pdf_blocking(run.output.clone())
        .await
        .map_err(|e| JobError::transient(e.to_string()))?;
    state.desk().deliver_report_run(&run, pdf).await?;
    state.wake_outbox();
    Ok(())
}
