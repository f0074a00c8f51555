//! Reports: one row each, the settings in columns (the schedule as its text form, the
//! recipients as a JSON list, the statistics as comma-separated numbers).

use chrono_tz::Tz;
use otrs_core::ids::{AgentId, ReportId};
use otrs_core::model::{Report, ReportSchedule, ReportSettings};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::sql::{Row, Stmt, bad_value, int, stored_time};
use crate::{check, codec};

const REPORT_COLUMNS: &str = "SELECT id, name, description, validity, schedule, time_zone, language, \
     email_subject, email_body, recipients, headline, title, preamble_caption, preamble, \
     epilogue_caption, epilogue, stat_numbers, created_by, created_at, changed_at, version FROM reports";

fn numbers_text(numbers: &[u32]) -> String {
    numbers
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn report_from(row: &Row) -> StoreResult<Report> {
    let schedule_text = row.text("schedule")?;
    let schedule = ReportSchedule::from_text(&schedule_text)
        .map_err(|_| bad_value("reports.schedule", &schedule_text))?;
    let zone = row.text("time_zone")?;
    let time_zone: Tz = zone
        .parse()
        .map_err(|_| bad_value("reports.time_zone", &zone))?;
    let numbers = row.text("stat_numbers")?;
    let stat_numbers = numbers
        .split(',')
        .map(|n| n.trim().parse::<u32>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| bad_value("reports.stat_numbers", &numbers))?;
    let recipients = row.text("recipients")?;
    Ok(Report {
        id: ReportId(row.u64("id")?),
        settings: ReportSettings {
            name: row.text("name")?,
            description: row.text("description")?,
            validity: codec::validity(row, "validity")?,
            schedule,
            time_zone,
            language: row.text("language")?,
            email_subject: row.text("email_subject")?,
            email_body: row.text("email_body")?,
            recipients: codec::read_string_list("reports.recipients", Some(&recipients))?,
            headline: row.text("headline")?,
            title: row.text("title")?,
            preamble_caption: row.text("preamble_caption")?,
            preamble: row.text("preamble")?,
            epilogue_caption: row.text("epilogue_caption")?,
            epilogue: row.text("epilogue")?,
            stat_numbers,
        },
        created_by: AgentId(row.u64("created_by")?),
        created_at: row.time("created_at")?,
        changed_at: row.time("changed_at")?,
        version: row.u64("version")?,
    })
}

/// The limits of the table's `CHECK` constraints, so that a bad row is refused by name and
/// leaves the transaction usable.
fn check_report(report: &Report) -> StoreResult<()> {
    let s = &report.settings;
    check::required("name", &s.name, 200)?;
    check::text("description", &s.description, 10_000)?;
    check::text("email_subject", &s.email_subject, 250)?;
    check::text("email_body", &s.email_body, 10_000)?;
    check::required("language", &s.language, 20)?;
    for (field, value) in [
        ("headline", &s.headline),
        ("title", &s.title),
        ("preamble_caption", &s.preamble_caption),
        ("epilogue_caption", &s.epilogue_caption),
    ] {
        check::text(field, value, 250)?;
    }
    check::text("preamble", &s.preamble, 10_000)?;
    check::text("epilogue", &s.epilogue, 10_000)?;
    check::text("schedule", &s.schedule.to_text(), 220)?;
    check::text("recipients", &codec::string_list(&s.recipients), 20_000)?;
    let numbers = numbers_text(&s.stat_numbers);
    check::required("stat_numbers", &numbers, 1000)
}

/// Binds the settings as `$1` … `$16`.
fn bind_settings(stmt: Stmt, s: &ReportSettings) -> Stmt {
    stmt.bind(s.name.as_str())
        .bind(s.description.as_str())
        .bind(s.validity.name())
        .bind(s.schedule.to_text())
        .bind(s.time_zone.name())
        .bind(s.language.as_str())
        .bind(s.email_subject.as_str())
        .bind(s.email_body.as_str())
        .bind(codec::string_list(&s.recipients))
        .bind(s.headline.as_str())
        .bind(s.title.as_str())
        .bind(s.preamble_caption.as_str())
        .bind(s.preamble.as_str())
        .bind(s.epilogue_caption.as_str())
        .bind(s.epilogue.as_str())
        .bind(numbers_text(&s.stat_numbers))
}

fn stored(report: &Report, id: ReportId, version: u64) -> Report {
    Report {
        id,
        version,
        created_at: stored_time(report.created_at),
        changed_at: stored_time(report.changed_at),
        ..report.clone()
    }
}

#[instrument(skip_all)]
pub(super) async fn insert_report(tx: &mut SqlTx, report: &Report) -> StoreResult<Report> {
    tx.writable()?;
    check_report(report)?;
    let stmt = bind_settings(
        Stmt::new(
            "INSERT INTO reports (name, description, validity, schedule, time_zone, language, \
             email_subject, email_body, recipients, headline, title, preamble_caption, preamble, \
             epilogue_caption, epilogue, stat_numbers, created_by, created_at, changed_at, version) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $18, $19, 1 WHERE NOT EXISTS (SELECT 1 FROM reports WHERE name = $1) \
             ON CONFLICT DO NOTHING RETURNING id",
        ),
        &report.settings,
    )
    .bind(int("created_by", report.created_by.0)?)
    .bind(report.created_at)
    .bind(report.changed_at);
    let Some(row) = tx.opt(stmt).await? else {
        return Err(StoreError::Duplicate {
            what: "report name",
            value: report.settings.name.clone(),
        });
    };
    Ok(stored(report, ReportId(row.u64("id")?), 1))
}

#[instrument(skip_all)]
pub(super) async fn update_report(tx: &mut SqlTx, report: &Report) -> StoreResult<Report> {
    tx.writable()?;
    check_report(report)?;
    let id = int("id", report.id.0)?;
    let stmt = bind_settings(
        Stmt::new(
            "UPDATE reports SET name = $1, description = $2, validity = $3, schedule = $4, \
             time_zone = $5, language = $6, email_subject = $7, email_body = $8, \
             recipients = $9, headline = $10, title = $11, preamble_caption = $12, \
             preamble = $13, epilogue_caption = $14, epilogue = $15, stat_numbers = $16, \
             created_by = $17, created_at = $18, changed_at = $19, version = version + 1 \
             WHERE id = $20 AND version = $21 AND NOT EXISTS \
             (SELECT 1 FROM reports other WHERE other.name = $1 AND other.id <> $20)",
        ),
        &report.settings,
    )
    .bind(int("created_by", report.created_by.0)?)
    .bind(report.created_at)
    .bind(report.changed_at)
    .bind(id)
    .bind(int("version", report.version)?);
    if tx.exec(stmt).await? == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM reports WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("report", report.id))?
            .u64("version")?;
        if stored != report.version {
            return Err(conflict("report", report.id, stored, report.version));
        }
        return Err(StoreError::Duplicate {
            what: "report name",
            value: report.settings.name.clone(),
        });
    }
    Ok(stored(report, report.id, report.version + 1))
}

#[instrument(skip_all)]
pub(super) async fn delete_report(tx: &mut SqlTx, id: ReportId) -> StoreResult<()> {
    tx.writable()?;
    let deleted = tx
        .exec(Stmt::new("DELETE FROM reports WHERE id = $1").bind(int("id", id.0)?))
        .await?;
    if deleted == 0 {
        return Err(StoreError::not_found("report", id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn report(tx: &mut SqlTx, id: ReportId) -> StoreResult<Option<Report>> {
    let mut b = crate::sql::Builder::new("");
    b.push(REPORT_COLUMNS)
        .push(" WHERE id = ")
        .push_bind(int("id", id.0)?);
    tx.opt(b.build())
        .await?
        .as_ref()
        .map(report_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn reports(tx: &mut SqlTx) -> StoreResult<Vec<Report>> {
    let mut b = crate::sql::Builder::new("");
    b.push(REPORT_COLUMNS).push(" ORDER BY name, id");
    tx.all(b.build()).await?.iter().map(report_from).collect()
}
