//! `otrs jobs`: the scheduler's backlog, scheduling and cancelling.

use chrono::Utc;
use otrs_core::ids::JobId;
use otrs_core::model::{JobFilter, JobState, NewJob};
use otrs_core::store::PageRequest;
use otrs_http::shapes;

use crate::app::App;
use crate::cli::JobsCommand;
use crate::error::CliError;
use crate::output::Output;

fn time(t: Option<chrono::DateTime<Utc>>) -> String {
    t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_default()
}

/// Runs `otrs jobs …`.
pub async fn jobs(app: &App, out: Output, command: &JobsCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        JobsCommand::List {
            state,
            kind,
            key,
            limit,
        } => {
            let states = if state.trim() == "all" {
                None
            } else {
                let parsed = state
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        JobState::from_name(s).ok_or_else(|| {
                            CliError::Usage(format!(
                                "--state: {s:?} is not one of pending, running, done, failed, cancelled, all"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Some(parsed)
            };
            let filter = JobFilter {
                states,
                kind: kind.clone(),
                unique_key: key.clone(),
            };
            let page = desk
                .jobs(app.actor, filter, PageRequest::first(*limit))
                .await?;
            let dtos: Vec<_> = page.items.iter().map(shapes::job).collect();
            out.list(
                &dtos,
                &page.items,
                page.total,
                &[
                    "id",
                    "kind",
                    "state",
                    "due (UTC)",
                    "attempts",
                    "key",
                    "last error",
                ],
                |j| {
                    vec![
                        j.id.to_string(),
                        j.kind.clone(),
                        j.state.name().to_owned(),
                        time(Some(j.run_at)),
                        format!("{}/{}", j.attempts, j.max_attempts),
                        j.unique_key.clone().unwrap_or_default(),
                        j.last_error.clone().unwrap_or_default(),
                    ]
                },
            )
        }
        JobsCommand::Schedule {
            kind,
            payload,
            at,
            max_attempts,
            key,
        } => {
            let state = app.shapes();
            if !state.jobs().contains(kind) {
                return Err(CliError::Usage(format!(
                    "no job kind {kind:?}; known kinds: {}",
                    state.jobs().kinds().join(", ")
                )));
            }
            let job = desk
                .schedule_job(
                    app.actor,
                    NewJob {
                        kind: kind.clone(),
                        payload: payload.clone(),
                        run_at: at.map_or_else(|| desk.now(), |t| t.with_timezone(&Utc)),
                        max_attempts: *max_attempts,
                        unique_key: key.clone(),
                    },
                )
                .await?;
            out.show(&shapes::job(&job), || {
                format!(
                    "job {} ({}) scheduled for {}",
                    job.id,
                    job.kind,
                    time(Some(job.run_at))
                )
            })
        }
        JobsCommand::Cancel { id, key } => match (id, key) {
            (Some(id), _) => {
                let job = desk.cancel_job(app.actor, JobId(*id)).await?;
                out.show(&shapes::job(&job), || format!("job {} cancelled", job.id))
            }
            (None, Some(key)) => {
                let n = desk.cancel_jobs(app.actor, key).await?;
                out.show(&serde_json::json!({ "cancelled": n }), || {
                    format!("{n} job(s) with key {key:?} cancelled")
                })
            }
            (None, None) => Err(CliError::Usage("give a job id or --key".into())),
        },
    }
}
