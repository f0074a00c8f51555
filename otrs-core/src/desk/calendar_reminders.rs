//! Appointment reminders ("notification before start") through the job scheduler.
//!
//! Every appointment row with a reminder has at most one pending job, keyed
//! `appointment:{id}:reminder`, due `notify_minutes_before` before its next occurrence. Every
//! command that changes the row reschedules it in the same transaction (the same key replaces
//! the pending job), deleting the row cancels it. When the job runs it re-checks that the
//! appointment still has that occurrence and reminder, sends the creating agent a web-view
//! notification (deduplicated per occurrence, so a second run of the same job changes nothing)
//! and schedules the following occurrence's reminder.

use chrono::{DateTime, Duration, Utc};

use crate::desk::calendar::series_of;
use crate::desk::{Desk, JobError, JobRunner, write_tx};
use crate::error::DeskError;
use crate::ids::AppointmentId;
use crate::model::{Appointment, Job, NewAgentNotification, NewJob};
use crate::store::{Store, StoreTx};

/// The job kind of appointment reminders.
pub const REMINDER_JOB_KIND: &str = "appointment.reminder";

/// How far ahead the next occurrence of a series is looked for.
const REMINDER_HORIZON_DAYS: i64 = 5 * 366;

/// The unique job key of an appointment row's reminder.
pub fn reminder_key(id: AppointmentId) -> String {
    format!("appointment:{id}:reminder")
}

fn payload(id: AppointmentId, occurrence: DateTime<Utc>) -> String {
    format!(
        "{{\"appointment_id\":{id},\"occurrence\":\"{}\"}}",
        occurrence.format("%Y-%m-%dT%H:%M:%SZ")
    )
}

/// Reads the payload written by [`payload`].
fn read_payload(text: &str) -> Option<(AppointmentId, DateTime<Utc>)> {
    let id_start = text.find("\"appointment_id\":")? + "\"appointment_id\":".len();
    let digits: String = text[id_start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let occ_start = text.find("\"occurrence\":\"")? + "\"occurrence\":\"".len();
    let occ_end = occ_start + text[occ_start..].find('"')?;
    let at = DateTime::parse_from_rfc3339(&text[occ_start..occ_end]).ok()?;
    Some((AppointmentId(digits.parse().ok()?), at.to_utc()))
}

/// Runs [`REMINDER_JOB_KIND`] jobs; the worker's registry hands them to it.
#[derive(Debug)]
pub struct AppointmentReminders<'a, S: Store> {
    desk: &'a Desk<S>,
}

impl<S: Store> JobRunner for AppointmentReminders<'_, S> {
    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.desk.run_appointment_reminder(job).await
    }
}

impl<S: Store> Desk<S> {
    /// The runner of appointment reminder jobs.
    pub fn appointment_reminders(&self) -> AppointmentReminders<'_, S> {
        AppointmentReminders { desk: self }
    }

    /// The first start of `row` at or after `after`, skipping deleted and detached occurrences.
    async fn next_start(
        &self,
        tx: &mut S::Tx,
        row: &Appointment,
        after: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, DeskError> {
        let detached: Vec<_> = if row.is_series() {
            tx.detached_occurrences(row.id)
                .await?
                .iter()
                .filter_map(|a| a.recurrence_id)
                .collect()
        } else {
            Vec::new()
        };
        let series =
            series_of(row, detached).map_err(|e| DeskError::invalid("rrule", e.to_string()))?;
        Ok(series
            .next_occurrence(after, Duration::days(REMINDER_HORIZON_DAYS))
            .map(|o| o.start))
    }

    /// Schedules (or replaces) the reminder of `row`'s next occurrence that starts at or after
    /// `not_before` and whose reminder time is still ahead; cancels it when there is none.
    pub(crate) async fn schedule_reminder(
        &self,
        tx: &mut S::Tx,
        row: &Appointment,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<(), DeskError> {
        if !self.schedule_next_reminder(tx, row, not_before).await? {
            self.cancel_jobs_by_key_tx(tx, &reminder_key(row.id))
                .await?;
        }
        Ok(())
    }

    /// Schedules (or replaces) the reminder of `row`'s next occurrence as
    /// [`Desk::schedule_reminder`] does; false when there is none (nothing is cancelled, so a
    /// running reminder job can call this for the occurrence after its own).
    async fn schedule_next_reminder(
        &self,
        tx: &mut S::Tx,
        row: &Appointment,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<bool, DeskError> {
        let Some(minutes) = row.notify_minutes_before else {
            return Ok(false);
        };
        let lead = Duration::minutes(i64::from(minutes));
        let after = (self.now() + lead).max(not_before.unwrap_or(DateTime::<Utc>::MIN_UTC));
        let Some(start) = self.next_start(tx, row, after).await? else {
            return Ok(false);
        };
        self.schedule_job_tx(
            tx,
            &NewJob::new(REMINDER_JOB_KIND, payload(row.id, start), start - lead)
                .with_key(reminder_key(row.id)),
        )
        .await?;
        Ok(true)
    }

    /// Cancels the reminder of a row that is going away.
    pub(crate) async fn cancel_reminder(
        &self,
        tx: &mut S::Tx,
        id: AppointmentId,
    ) -> Result<(), DeskError> {
        self.cancel_jobs_by_key_tx(tx, &reminder_key(id)).await?;
        Ok(())
    }

    /// Runs one reminder job: re-checks, notifies the creating agent once per occurrence, and
    /// schedules the next occurrence's reminder. Safe to run more than once.
    ///
    /// # Errors
    ///
    /// [`JobError::permanent`] for a payload this version did not write; a transient error when
    /// the store fails (the worker tries again).
    pub async fn run_appointment_reminder(&self, job: &Job) -> Result<(), JobError> {
        let (id, occurrence) = read_payload(&job.payload).ok_or_else(|| {
            JobError::permanent(format!("not an appointment reminder: {}", job.payload))
        })?;
        self.remind(id, occurrence)
            .await
            .map_err(|e| JobError::transient(e.to_string()))
    }

    async fn remind(&self, id: AppointmentId, occurrence: DateTime<Utc>) -> Result<(), DeskError> {
        write_tx!(self, |tx| self.remind_in(&mut tx, id, occurrence))
    }

    async fn remind_in(
        &self,
        tx: &mut S::Tx,
        id: AppointmentId,
        occurrence: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        let Some(row) = tx.appointment(id).await? else {
            return Ok(()); // Deleted since: nothing to remind of.
        };
        let Some(minutes) = row.notify_minutes_before else {
            return Ok(());
        };
        // The occurrence must still be one of the row's (an edit may have moved it; the
        // edit then scheduled a job of its own).
        if self.next_start(tx, &row, occurrence).await? != Some(occurrence) {
            return Ok(());
        }
        if let Some(agent) = row.created_by.agent() {
            let local = occurrence.with_timezone(&row.time_zone);
            let title: String = format!("Reminder: {}", row.title)
                .chars()
                .take(200)
                .collect();
            self.notify_agent_tx(
                tx,
                agent,
                &NewAgentNotification {
                    title,
                    body: format!(
                        "{} starts at {} ({}), in {minutes} minutes.",
                        row.title,
                        local.format("%Y-%m-%d %H:%M"),
                        row.time_zone.name()
                    ),
                    link: None,
                    dedup_key: Some(format!(
                        "appointment:{id}:{}",
                        occurrence.format("%Y-%m-%dT%H:%M:%SZ")
                    )),
                },
            )
            .await?;
        }
        // The next occurrence's reminder, if any; with none left this job just ends (cancelling
        // by key here would cancel this very job and lose its completion).
        self.schedule_next_reminder(tx, &row, Some(occurrence + Duration::seconds(1)))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_round_trip_and_strangers_are_refused() {
        let at = "2026-03-16T08:00:00Z".parse().unwrap();
        assert_eq!(
            read_payload(&payload(AppointmentId(42), at)),
            Some((AppointmentId(42), at))
        );
        assert_eq!(read_payload("{}"), None);
        assert_eq!(
            read_payload("{\"appointment_id\":x,\"occurrence\":\"y\"}"),
            None
        );
    }
}
