//! Reports: the use cases over [`crate::model::Report`], and their runs on the job scheduler.
//!
//! Permissions are those of statistics: agents with `ro` (or more) on the `stats` group list,
//! read and run reports (running needs each statistic to be one they may run); agents with `rw`
//! on `stats` create, change and delete them.
//!
//! A report with a schedule has at most one pending job of kind [`REPORT_JOB_KIND`], keyed
//! `report:{id}:{due}` ([`report_job_key`]), due at its next run. Creating or changing a report
//! (re)schedules it in the same transaction; deleting it or making it invalid cancels it. The
//! job's handler (otrs-http, which renders the PDF) calls [`Desk::prepare_report_run`] and
//! [`Desk::deliver_report_run`]: the e-mail gets the Message-ID [`report_message_local`] derives
//! from the report and the due time, so a job that runs again (at-least-once delivery) finds its
//! message already queued and sends nothing twice; delivering also schedules the next run.

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::desk::{Actor, Ctx, Desk, JobError, check_expected_version, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AgentId, ReportId};
use crate::model::{
    Job, JobFilter, JobState, NewJob, OutgoingAttachment, OutgoingMessage, Principal, Report,
    ReportOutput, ReportSettings,
};
use crate::stats::{RunOptions, StatFormat, engine, is_stats_admin, may_run, may_use_stats};
use crate::store::{PageRequest, Store, StoreTx};

/// The job kind of scheduled report runs.
pub const REPORT_JOB_KIND: &str = "report.run";

/// How often a scheduled run is tried before it fails.
const REPORT_JOB_ATTEMPTS: u32 = 5;

fn due_text(due: DateTime<Utc>) -> String {
    due.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The unique job key of the report's run due at `due`: `report:{id}:{due, RFC 3339}`.
pub fn report_job_key(id: ReportId, due: DateTime<Utc>) -> String {
    format!("report:{id}:{}", due_text(due))
}

/// The local part of the Message-ID of the run due at `due`: `report.{id}.{due}` (with the
/// due time as `YYYYMMDDTHHMMSSZ`), the same for every attempt of that run.
pub fn report_message_local(id: ReportId, due: DateTime<Utc>) -> String {
    format!("report.{id}.{}", due.format("%Y%m%dT%H%M%SZ"))
}

fn job_payload(id: ReportId, due: DateTime<Utc>) -> String {
    serde_json::json!({ "report_id": id.0, "due": due_text(due) }).to_string()
}

/// Reads a payload written by [`job_payload`].
fn read_job_payload(text: &str) -> Option<(ReportId, DateTime<Utc>)> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let id = value.get("report_id")?.as_u64()?;
    let due = DateTime::parse_from_rfc3339(value.get("due")?.as_str()?).ok()?;
    Some((ReportId(id), due.to_utc()))
}

/// A scheduled run whose statistics ran and whose PDF is still to be made and mailed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportRun {
    /// The tables, for the PDF.
    pub output: ReportOutput,
    /// The due time the run is for.
    pub due: DateTime<Utc>,
    /// The Message-ID its e-mail gets (`<report.{id}.{due}@domain>`).
    pub message_id: String,
}

impl<S: Store> Desk<S> {
    fn reports_reader<'a>(
        ctx: &'a Ctx,
        action: &'static str,
        object: &str,
    ) -> Result<&'a crate::model::Agent, DeskError> {
        match &ctx.actor {
            Actor::Agent(a) if may_use_stats(a) || a.id == AgentId::SYSTEM => Ok(a),
            _ => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: object.to_owned(),
                reason: "needs ro on the stats group".into(),
            }),
        }
    }

    fn require_reports_admin(
        ctx: &Ctx,
        action: &'static str,
        object: &str,
    ) -> Result<(), DeskError> {
        match &ctx.actor {
            Actor::Agent(a) if is_stats_admin(a) => Ok(()),
            _ => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: object.to_owned(),
                reason: "needs rw on the stats group".into(),
            }),
        }
    }

    async fn load_report(&self, tx: &mut S::Tx, id: ReportId) -> Result<Report, DeskError> {
        tx.report(id)
            .await?
            .ok_or_else(|| DeskError::not_found("report", id))
    }

    /// Checks settings against the rules, the statistics and the other reports' names.
    async fn check_report_settings(
        &self,
        tx: &mut S::Tx,
        settings: &ReportSettings,
        id: Option<ReportId>,
    ) -> Result<(), DeskError> {
        let mut errors: ValidationErrors = settings.validate();
        let stats = tx.stats().await?;
        for number in &settings.stat_numbers {
            match stats.iter().find(|s| s.number == *number) {
                None => errors.add("stat_numbers", format!("statistic {number} does not exist")),
                Some(stat) if !stat.settings.formats.contains(&StatFormat::Print) => errors.add(
                    "stat_numbers",
                    format!("statistic {number} is not available as PDF (Print)"),
                ),
                Some(_) => {}
            }
        }
        let name = settings.name.trim();
        if !name.is_empty()
            && tx
                .reports()
                .await?
                .iter()
                .any(|r| Some(r.id) != id && r.settings.name.trim().eq_ignore_ascii_case(name))
        {
            errors.add("name", format!("a report named {name:?} exists already"));
        }
        errors.into_result()
    }

    /// Every report, by name (agents with `ro` on `stats`).
    pub async fn reports(&self, actor: Principal) -> Result<Vec<Report>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::reports_reader(&ctx, "list", "reports")?;
            Ok(tx.reports().await?)
        })
    }

    /// One report (agents with `ro` on `stats`).
    pub async fn report(&self, actor: Principal, id: ReportId) -> Result<Report, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::reports_reader(&ctx, "read", &format!("report {id}"))?;
            self.load_report(&mut tx, id).await
        })
    }

    /// Creates a report (agents with `rw` on `stats`) and schedules its first run.
    pub async fn create_report(
        &self,
        actor: Principal,
        settings: ReportSettings,
    ) -> Result<Report, DeskError> {
        let settings = trimmed(settings);
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_reports_admin(&ctx, "create", "reports")?;
            self.check_report_settings(&mut tx, &settings, None).await?;
            let author = ctx.actor.agent().map_or(AgentId::SYSTEM, |a| a.id);
            let report = tx
                .insert_report(&Report {
                    id: ReportId(0),
                    settings: settings.clone(),
                    created_by: author,
                    created_at: ctx.now,
                    changed_at: ctx.now,
                    version: 0,
                })
                .await?;
            self.schedule_report_tx(&mut tx, &report, ctx.now).await?;
            Ok::<_, DeskError>(report)
        })
    }

    /// Replaces a report's settings (agents with `rw` on `stats`) and schedules its next run
    /// anew (or cancels it); `expected_version` is the caller's `If-Match`.
    pub async fn update_report(
        &self,
        actor: Principal,
        id: ReportId,
        settings: ReportSettings,
        expected_version: Option<u64>,
    ) -> Result<Report, DeskError> {
        let settings = trimmed(settings);
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_reports_admin(&ctx, "change", &format!("report {id}"))?;
            let report = self.load_report(&mut tx, id).await?;
            check_expected_version(|| format!("report {id}"), expected_version, report.version)?;
            self.check_report_settings(&mut tx, &settings, Some(id))
                .await?;
            let report = tx
                .update_report(&Report {
                    settings: settings.clone(),
                    changed_at: ctx.now,
                    ..report
                })
                .await?;
            self.schedule_report_tx(&mut tx, &report, ctx.now).await?;
            Ok::<_, DeskError>(report)
        })
    }

    /// Deletes a report (agents with `rw` on `stats`) and cancels its scheduled run.
    pub async fn delete_report(&self, actor: Principal, id: ReportId) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_reports_admin(&ctx, "delete", &format!("report {id}"))?;
            let report = self.load_report(&mut tx, id).await?;
            self.cancel_report_jobs_tx(&mut tx, report.id).await?;
            Ok::<_, DeskError>(tx.delete_report(report.id).await?)
        })
    }

    /// Runs every statistic of a report (agents with `ro` on `stats` who may run each of its
    /// statistics), for a PDF made by the caller. An invalid report still runs on request
    /// (invalid only stops its schedule).
    pub async fn run_report(
        &self,
        actor: Principal,
        id: ReportId,
    ) -> Result<ReportOutput, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.run_report_in(&mut tx, &ctx, id).await
        })
    }

    async fn run_report_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        id: ReportId,
    ) -> Result<ReportOutput, DeskError> {
        let agent = Self::reports_reader(ctx, "run", &format!("report {id}"))?;
        let report = self.load_report(tx, id).await?;
        let stats = tx.stats().await?;
        let mut tables = Vec::with_capacity(report.settings.stat_numbers.len());
        for number in &report.settings.stat_numbers {
            let object = || format!("statistic {number} of report {id}");
            let stat = stats.iter().find(|s| s.number == *number).ok_or_else(|| {
                DeskError::NotAllowed {
                    object: object(),
                    reason: "no longer exists".into(),
                }
            })?;
            if !may_run(agent, &stat.settings) && agent.id != AgentId::SYSTEM {
                return Err(DeskError::PermissionDenied {
                    actor: ctx.actor.describe(),
                    action: "run",
                    object: object(),
                    reason: "needs one of the statistic's permission groups".into(),
                });
            }
            if !stat.settings.valid {
                return Err(DeskError::NotAllowed {
                    object: object(),
                    reason: "is invalid and cannot be run".into(),
                });
            }
            if !stat.settings.formats.contains(&StatFormat::Print) {
                return Err(DeskError::NotAllowed {
                    object: object(),
                    reason: "is not available as PDF (Print)".into(),
                });
            }
            tables.push(engine::run(tx, stat, &RunOptions::default(), ctx.now).await?);
        }
        Ok(ReportOutput {
            report,
            generated_at: ctx.now,
            tables,
        })
    }

    /// When the report is next due after `after` (`None` without a schedule or when invalid).
    pub fn next_due(&self, report: &Report, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        report.next_due(after)
    }

    /// Cancels the pending runs of a report.
    async fn cancel_report_jobs_tx(&self, tx: &mut S::Tx, id: ReportId) -> Result<(), DeskError> {
        let prefix = format!("report:{id}:");
        let pending = tx
            .list_jobs(
                &JobFilter {
                    states: Some(vec![JobState::Pending]),
                    kind: Some(REPORT_JOB_KIND.to_owned()),
                    unique_key: None,
                },
                PageRequest::first(10_000),
            )
            .await?;
        for job in pending.items {
            if let Some(key) = job.unique_key.as_deref()
                && key.starts_with(&prefix)
            {
                self.cancel_jobs_by_key_tx(tx, key).await?;
            }
        }
        Ok(())
    }

    /// Replaces the report's pending run by one due at its next due time after `after` (none
    /// without a schedule or when invalid). Returns the due time.
    async fn schedule_report_tx(
        &self,
        tx: &mut S::Tx,
        report: &Report,
        after: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DeskError> {
        self.cancel_report_jobs_tx(tx, report.id).await?;
        let Some(due) = report.next_due(after) else {
            return Ok(None);
        };
        let mut job = NewJob::new(REPORT_JOB_KIND, job_payload(report.id, due), due)
            .with_key(report_job_key(report.id, due));
        job.max_attempts = REPORT_JOB_ATTEMPTS;
        self.schedule_job_tx(tx, &job).await?;
        Ok(Some(due))
    }

    /// The first half of a scheduled run (a [`REPORT_JOB_KIND`] job): re-checks that the
    /// report still exists, is valid and is due at the job's time, and that its e-mail is not
    /// queued yet, then runs its statistics as the system. `None` when there is nothing to do
    /// (a retry of a run whose mail was queued, a deleted or changed report).
    ///
    /// # Errors
    ///
    /// [`JobError::permanent`] for a payload this version did not write or a report whose
    /// statistics cannot run; transient for store failures.
    pub async fn prepare_report_run(&self, job: &Job) -> Result<Option<ReportRun>, JobError> {
        let (id, due) = read_job_payload(&job.payload)
            .ok_or_else(|| JobError::permanent(format!("not a report run: {}", job.payload)))?;
        self.prepare_report_run_for(id, due)
            .await
            .map_err(job_error)
    }

    async fn prepare_report_run_for(
        &self,
        id: ReportId,
        due: DateTime<Utc>,
    ) -> Result<Option<ReportRun>, DeskError> {
        let message_id =
            super::message_id_for(&report_message_local(id, due), &self.config.system_address);
        read_tx!(self, |tx| async {
            // Check before acting: a run whose mail is queued is done.
            if tx.message_by_message_id(&message_id).await?.is_some() {
                return Ok(None);
            }
            let Some(report) = tx.report(id).await? else {
                return Ok(None);
            };
            // A report changed since the job was scheduled has a job of its own.
            if report.next_due(due - Duration::seconds(1)) != Some(due) {
                return Ok(None);
            }
            let ctx = self.ctx(&mut tx, Principal::SYSTEM).await?;
            let output = self.run_report_in(&mut tx, &ctx, id).await?;
            Ok(Some(ReportRun {
                output,
                due,
                message_id: message_id.clone(),
            }))
        })
    }

    /// The second half of a scheduled run: queues the e-mail with the PDF to the report's
    /// recipients under the run's Message-ID (once: a message with that Message-ID already
    /// queued is kept) and schedules the next run, in one transaction. `None` when the report
    /// was deleted, or changed so that it is no longer due then, while the PDF was made.
    ///
    /// # Errors
    ///
    /// As [`Desk::prepare_report_run`].
    pub async fn deliver_report_run(
        &self,
        run: &ReportRun,
        pdf: Vec<u8>,
    ) -> Result<Option<OutgoingMessage>, JobError> {
        self.deliver_report_run_in(run, pdf)
            .await
            .map_err(job_error)
    }

    async fn deliver_report_run_in(
        &self,
        run: &ReportRun,
        pdf: Vec<u8>,
    ) -> Result<Option<OutgoingMessage>, DeskError> {
        let report = &run.output.report;
        let filename = pdf_filename(report, run.due);
        let pdf: std::sync::Arc<[u8]> = pdf.into();
        write_tx!(self, |tx| async {
            let Some(current) = tx.report(report.id).await? else {
                return Ok(None);
            };
            if current.next_due(run.due - Duration::seconds(1)) != Some(run.due) {
                return Ok(None);
            }
            let settings = &current.settings;
            let subject = if settings.email_subject.trim().is_empty() {
                format!("Report: {}", settings.name)
            } else {
                settings.email_subject.clone()
            };
            let mut message = OutgoingMessage::pending(
                String::new(),
                settings.recipients.join(", "),
                subject,
                settings.email_body.clone(),
                self.now(),
            );
            message.message_id = Some(run.message_id.clone());
            message.attachments = vec![OutgoingAttachment {
                filename: filename.clone(),
                content_type: "application/pdf".into(),
                content: pdf.clone(),
            }];
            let queued = self
                .queue_message_tx(&mut tx, &message, &report_message_local(report.id, run.due))
                .await?;
            // The next run counts from now, so a server that was down skips the runs it missed
            // instead of sending them all at once.
            self.schedule_report_tx(&mut tx, &current, run.due.max(self.now()))
                .await?;
            Ok::<_, DeskError>(Some(queued))
        })
    }
}

/// The PDF's file name: the report's name (letters, digits, `-` and `_`) and the due date.
pub fn pdf_filename(report: &Report, at: DateTime<Utc>) -> String {
    let name: String = report
        .settings
        .name
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    let local = at.with_timezone(&report.settings.time_zone);
    format!("{name}_{}.pdf", local.format("%Y-%m-%d_%H-%M"))
}

/// Desk errors that another attempt cannot fix are permanent.
fn job_error(e: DeskError) -> JobError {
    match e {
        DeskError::Conflict { .. } | DeskError::Store(_) => JobError::transient(e.to_string()),
        other => JobError::permanent(other.to_string()),
    }
}

/// Trims the one-line fields and drops empty recipients.
fn trimmed(mut settings: ReportSettings) -> ReportSettings {
    for field in [
        &mut settings.name,
        &mut settings.email_subject,
        &mut settings.headline,
        &mut settings.title,
        &mut settings.preamble_caption,
        &mut settings.epilogue_caption,
        &mut settings.language,
    ] {
        *field = field.trim().to_owned();
    }
    settings.recipients = settings
        .recipients
        .iter()
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty())
        .collect();
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_keys_and_message_ids_name_the_run() {
        let due: DateTime<Utc> = "2026-03-03T07:00:00Z".parse().unwrap();
        assert_eq!(
            read_job_payload(&job_payload(ReportId(7), due)),
            Some((ReportId(7), due))
        );
        assert_eq!(read_job_payload("{}"), None);
        assert_eq!(
            report_job_key(ReportId(7), due),
            "report:7:2026-03-03T07:00:00Z"
        );
        assert_eq!(
            report_message_local(ReportId(7), due),
            "report.7.20260303T070000Z"
        );
    }
}
