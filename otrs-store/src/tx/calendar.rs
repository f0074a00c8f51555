//! Calendars, appointments and the appointment history (migration 0002_calendar).
//!
//! Wall-clock times are kept as text `YYYY-MM-DDTHH:MM:SS` (they belong to a zone, not to UTC);
//! the deleted occurrences of a series as a JSON list of such texts.

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use otrs_core::ids::{AppointmentHistoryId, AppointmentId, CalendarId, GroupId};
use otrs_core::model::{Appointment, AppointmentAction, AppointmentHistoryEntry, Calendar};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::check;
use crate::codec;
use crate::sql::{Builder, Row, Stmt, bad_value, int, stored_time};

const WALL: &str = "%Y-%m-%dT%H:%M:%S";

fn wall_text(at: NaiveDateTime) -> String {
    at.format(WALL).to_string()
}

fn read_wall(col: &str, text: &str) -> StoreResult<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, WALL).map_err(|_| bad_value(col, text))
}

fn calendar_from(row: &Row) -> StoreResult<Calendar> {
    Ok(Calendar {
        id: CalendarId(row.u64("id")?),
        name: row.text("name")?,
        color: row.text("color")?,
        group_id: GroupId(row.u64("group_id")?),
        validity: codec::validity(row, "validity")?,
        feed_token: row.text("feed_token")?,
        created_at: row.time("created_at")?,
        changed_at: row.time("changed_at")?,
        changed_by: codec::principal(row, "changed_by_kind", "changed_by_id")?,
        version: row.u64("version")?,
    })
}

macro_rules! calendar_select {
    () => {
        "SELECT id, name, color, group_id, validity, feed_token, created_at, changed_at, \
         changed_by_kind, changed_by_id, version FROM calendars "
    };
}

fn check_calendar(calendar: &Calendar) -> StoreResult<()> {
    check::required("name", &calendar.name, 200)?;
    check::required("feed_token", &calendar.feed_token, 200)?;
    if calendar.color.chars().count() != 7 {
        return Err(StoreError::Invalid {
            field: "color",
            message: "must be #RRGGBB".into(),
        });
    }
    Ok(())
}

/// Finds which rule an insert or update of a calendar broke.
async fn calendar_refusal(tx: &mut SqlTx, calendar: &Calendar) -> StoreResult<StoreError> {
    let id = int("id", calendar.id.0)?;
    if tx
        .exists(
            Stmt::new("SELECT 1 FROM calendars WHERE name = $1 AND id <> $2")
                .bind(calendar.name.as_str())
                .bind(id),
        )
        .await?
    {
        return Ok(StoreError::Duplicate {
            what: "calendar name",
            value: calendar.name.clone(),
        });
    }
    if tx
        .exists(
            Stmt::new("SELECT 1 FROM calendars WHERE feed_token = $1 AND id <> $2")
                .bind(calendar.feed_token.as_str())
                .bind(id),
        )
        .await?
    {
        return Ok(StoreError::Duplicate {
            what: "calendar feed token",
            value: "(secret)".into(),
        });
    }
    Ok(StoreError::not_found("group", calendar.group_id))
}

#[instrument(skip_all)]
pub(super) async fn insert_calendar(tx: &mut SqlTx, calendar: &Calendar) -> StoreResult<Calendar> {
    tx.writable()?;
    check_calendar(calendar)?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO calendars (name, color, group_id, validity, feed_token, created_at, \
                 changed_at, changed_by_kind, changed_by_id, version) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 1 \
                 WHERE EXISTS (SELECT 1 FROM groups WHERE id = $3) \
                 AND NOT EXISTS (SELECT 1 FROM calendars WHERE name = $1 OR feed_token = $5) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(calendar.name.as_str())
            .bind(calendar.color.as_str())
            .bind(int("group", calendar.group_id.0)?)
            .bind(calendar.validity.name())
            .bind(calendar.feed_token.as_str())
            .bind(calendar.created_at)
            .bind(calendar.changed_at)
            .bind(codec::principal_kind(calendar.changed_by))
            .bind(codec::principal_id(calendar.changed_by)),
        )
        .await?;
    let Some(row) = row else {
        return Err(calendar_refusal(tx, calendar).await?);
    };
    Ok(Calendar {
        id: CalendarId(row.u64("id")?),
        created_at: stored_time(calendar.created_at),
        changed_at: stored_time(calendar.changed_at),
        version: 1,
        ..calendar.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn update_calendar(tx: &mut SqlTx, calendar: &Calendar) -> StoreResult<Calendar> {
    tx.writable()?;
    check_calendar(calendar)?;
    let id = int("id", calendar.id.0)?;
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE calendars SET name = $3, color = $4, group_id = $5, validity = $6, \
                 feed_token = $7, changed_at = $8, changed_by_kind = $9, changed_by_id = $10, \
                 version = version + 1 \
                 WHERE id = $1 AND version = $2 \
                 AND EXISTS (SELECT 1 FROM groups WHERE id = $5) \
                 AND NOT EXISTS (SELECT 1 FROM calendars other WHERE other.id <> $1 \
                   AND (other.name = $3 OR other.feed_token = $7))",
            )
            .bind(id)
            .bind(int("version", calendar.version)?)
            .bind(calendar.name.as_str())
            .bind(calendar.color.as_str())
            .bind(int("group", calendar.group_id.0)?)
            .bind(calendar.validity.name())
            .bind(calendar.feed_token.as_str())
            .bind(calendar.changed_at)
            .bind(codec::principal_kind(calendar.changed_by))
            .bind(codec::principal_id(calendar.changed_by)),
        )
        .await?;
    if updated == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM calendars WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("calendar", calendar.id))?
            .u64("version")?;
        if stored != calendar.version {
            return Err(conflict("calendar", calendar.id, stored, calendar.version));
        }
        return Err(calendar_refusal(tx, calendar).await?);
    }
    Ok(Calendar {
        changed_at: stored_time(calendar.changed_at),
        version: calendar.version + 1,
        ..calendar.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn delete_calendar(tx: &mut SqlTx, id: CalendarId) -> StoreResult<()> {
    tx.writable()?;
    let key = int("id", id.0)?;
    let deleted = tx
        .exec(
            Stmt::new(
                "DELETE FROM calendars WHERE id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM appointments WHERE calendar_id = $1)",
            )
            .bind(key),
        )
        .await?;
    if deleted == 0 {
        if tx
            .exists(Stmt::new("SELECT 1 FROM calendars WHERE id = $1").bind(key))
            .await?
        {
            return Err(StoreError::Invalid {
                field: "calendar",
                message: format!("calendar {id} still holds appointments"),
            });
        }
        return Err(StoreError::not_found("calendar", id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn calendar(tx: &mut SqlTx, id: CalendarId) -> StoreResult<Option<Calendar>> {
    tx.opt(Stmt::new(concat!(calendar_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(calendar_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn calendar_by_feed_token(
    tx: &mut SqlTx,
    token: &str,
) -> StoreResult<Option<Calendar>> {
    tx.opt(Stmt::new(concat!(calendar_select!(), "WHERE feed_token = $1")).bind(token))
        .await?
        .as_ref()
        .map(calendar_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn calendars(tx: &mut SqlTx) -> StoreResult<Vec<Calendar>> {
    let rows = tx
        .all(Stmt::new(concat!(calendar_select!(), "ORDER BY id")))
        .await?;
    rows.iter().map(calendar_from).collect()
}

// --- appointments ----------------------------------------------------------------------------

macro_rules! appointment_select {
    () => {
        "SELECT id, calendar_id, uid, title, description, location, all_day, start_wall, \
         end_wall, time_zone, rrule, exdates, parent_id, recurrence_id, notify_minutes_before, \
         first_start_utc, last_end_utc, created_at, created_by_kind, created_by_id, changed_at, \
         changed_by_kind, changed_by_id, version FROM appointments "
    };
}

fn appointment_from(row: &Row) -> StoreResult<Appointment> {
    let zone = row.text("time_zone")?;
    let exdates_text = row.text("exdates")?;
    let exdates = codec::read_string_list("exdates", Some(&exdates_text))?
        .iter()
        .map(|t| read_wall("exdates", t))
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(Appointment {
        id: AppointmentId(row.u64("id")?),
        calendar_id: CalendarId(row.u64("calendar_id")?),
        uid: row.text("uid")?,
        title: row.text("title")?,
        description: row.text("description")?,
        location: row.text("location")?,
        all_day: row.boolean("all_day")?,
        start: read_wall("start_wall", &row.text("start_wall")?)?,
        end: read_wall("end_wall", &row.text("end_wall")?)?,
        time_zone: zone
            .parse::<Tz>()
            .map_err(|_| bad_value("time_zone", &zone))?,
        rrule: row.opt_text("rrule")?,
        exdates,
        parent_id: row.opt_u64("parent_id")?.map(AppointmentId),
        recurrence_id: row
            .opt_text("recurrence_id")?
            .map(|t| read_wall("recurrence_id", &t))
            .transpose()?,
        notify_minutes_before: row
            .opt_u64("notify_minutes_before")?
            .map(|m| u32::try_from(m).map_err(|_| bad_value("notify_minutes_before", m)))
            .transpose()?,
        first_start_utc: row.time("first_start_utc")?,
        last_end_utc: row.opt_time("last_end_utc")?,
        created_at: row.time("created_at")?,
        created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
        changed_at: row.time("changed_at")?,
        changed_by: codec::principal(row, "changed_by_kind", "changed_by_id")?,
        version: row.u64("version")?,
    })
}

fn check_appointment(a: &Appointment) -> StoreResult<()> {
    check::required("uid", &a.uid, 255)?;
    check::required("title", &a.title, 255)?;
    check::text("description", &a.description, 20_000)?;
    check::text("location", &a.location, 255)?;
    check::opt_text("rrule", a.rrule.as_deref(), 1000)?;
    if a.exdates.len() > 10_000 {
        return Err(StoreError::Invalid {
            field: "exdates",
            message: "at most 10000 deleted occurrences are kept".into(),
        });
    }
    Ok(())
}

fn exdates_text(a: &Appointment) -> String {
    let texts: Vec<String> = a.exdates.iter().copied().map(wall_text).collect();
    codec::string_list(&texts)
}

/// Binds the columns shared by insert and update, from `$first` on, in `appointment_select!`
/// order after `id` (calendar … version excluded).
fn bind_appointment(stmt: Stmt, a: &Appointment) -> StoreResult<Stmt> {
    Ok(stmt
        .bind(int("calendar", a.calendar_id.0)?)
        .bind(a.uid.as_str())
        .bind(a.title.as_str())
        .bind(a.description.as_str())
        .bind(a.location.as_str())
        .bind(a.all_day)
        .bind(wall_text(a.start))
        .bind(wall_text(a.end))
        .bind(a.time_zone.name())
        .bind(a.rrule.clone())
        .bind(exdates_text(a))
        .bind(a.parent_id.map(|p| int("parent", p.0)).transpose()?)
        .bind(a.recurrence_id.map(wall_text))
        .bind(a.notify_minutes_before.map(i64::from))
        .bind(a.first_start_utc)
        .bind(a.last_end_utc)
        .bind(a.changed_at)
        .bind(codec::principal_kind(a.changed_by))
        .bind(codec::principal_id(a.changed_by)))
}

fn stored_appointment(a: &Appointment, id: AppointmentId, version: u64) -> Appointment {
    Appointment {
        id,
        version,
        first_start_utc: stored_time(a.first_start_utc),
        last_end_utc: a.last_end_utc.map(stored_time),
        created_at: stored_time(a.created_at),
        changed_at: stored_time(a.changed_at),
        ..a.clone()
    }
}

async fn appointment_refusal(tx: &mut SqlTx, a: &Appointment) -> StoreResult<StoreError> {
    if !tx
        .exists(
            Stmt::new("SELECT 1 FROM calendars WHERE id = $1")
                .bind(int("calendar", a.calendar_id.0)?),
        )
        .await?
    {
        return Ok(StoreError::not_found("calendar", a.calendar_id));
    }
    let parent = a.parent_id.unwrap_or(AppointmentId(0));
    Ok(StoreError::not_found("appointment", parent))
}

#[instrument(skip_all)]
pub(super) async fn insert_appointment(
    tx: &mut SqlTx,
    a: &Appointment,
) -> StoreResult<Appointment> {
    tx.writable()?;
    check_appointment(a)?;
    let stmt = Stmt::new(
        "INSERT INTO appointments (calendar_id, uid, title, description, location, all_day, \
         start_wall, end_wall, time_zone, rrule, exdates, parent_id, recurrence_id, \
         notify_minutes_before, first_start_utc, last_end_utc, changed_at, changed_by_kind, \
         changed_by_id, created_at, created_by_kind, created_by_id, version) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
         $19, $20, $21, $22, 1 \
         WHERE EXISTS (SELECT 1 FROM calendars WHERE id = $1) \
         AND ($12 IS NULL OR EXISTS (SELECT 1 FROM appointments WHERE id = $12)) \
         RETURNING id",
    );
    let stmt = bind_appointment(stmt, a)?
        .bind(a.created_at)
        .bind(codec::principal_kind(a.created_by))
        .bind(codec::principal_id(a.created_by));
    let Some(row) = tx.opt(stmt).await? else {
        return Err(appointment_refusal(tx, a).await?);
    };
    Ok(stored_appointment(a, AppointmentId(row.u64("id")?), 1))
}

#[instrument(skip_all)]
pub(super) async fn update_appointment(
    tx: &mut SqlTx,
    a: &Appointment,
) -> StoreResult<Appointment> {
    tx.writable()?;
    check_appointment(a)?;
    let id = int("id", a.id.0)?;
    let stmt = Stmt::new(
        "UPDATE appointments SET calendar_id = $1, uid = $2, title = $3, description = $4, \
         location = $5, all_day = $6, start_wall = $7, end_wall = $8, time_zone = $9, \
         rrule = $10, exdates = $11, parent_id = $12, recurrence_id = $13, \
         notify_minutes_before = $14, first_start_utc = $15, last_end_utc = $16, \
         changed_at = $17, changed_by_kind = $18, changed_by_id = $19, version = version + 1 \
         WHERE id = $20 AND version = $21 \
         AND EXISTS (SELECT 1 FROM calendars WHERE id = $1) \
         AND ($12 IS NULL OR EXISTS (SELECT 1 FROM appointments WHERE id = $12))",
    );
    let stmt = bind_appointment(stmt, a)?
        .bind(id)
        .bind(int("version", a.version)?);
    if tx.exec(stmt).await? == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM appointments WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("appointment", a.id))?
            .u64("version")?;
        if stored != a.version {
            return Err(conflict("appointment", a.id, stored, a.version));
        }
        return Err(appointment_refusal(tx, a).await?);
    }
    Ok(stored_appointment(a, a.id, a.version + 1))
}

#[instrument(skip_all)]
pub(super) async fn delete_appointment(tx: &mut SqlTx, id: AppointmentId) -> StoreResult<()> {
    tx.writable()?;
    let key = int("id", id.0)?;
    let deleted = tx
        .exec(
            Stmt::new(
                "DELETE FROM appointments WHERE id = $1 \
                 AND NOT EXISTS (SELECT 1 FROM appointments child WHERE child.parent_id = $1)",
            )
            .bind(key),
        )
        .await?;
    if deleted == 0 {
        if tx
            .exists(Stmt::new("SELECT 1 FROM appointments WHERE id = $1").bind(key))
            .await?
        {
            return Err(StoreError::Invalid {
                field: "appointment",
                message: format!("appointment {id} still has detached occurrences"),
            });
        }
        return Err(StoreError::not_found("appointment", id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn appointment(
    tx: &mut SqlTx,
    id: AppointmentId,
) -> StoreResult<Option<Appointment>> {
    tx.opt(Stmt::new(concat!(appointment_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(appointment_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn appointments_between(
    tx: &mut SqlTx,
    calendars: &[CalendarId],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> StoreResult<Vec<Appointment>> {
    if calendars.is_empty() {
        return Ok(Vec::new());
    }
    let ids = calendars
        .iter()
        .map(|c| int("calendar", c.0))
        .collect::<StoreResult<Vec<i64>>>()?;
    let mut b = Builder::new(concat!(appointment_select!(), "WHERE calendar_id IN "));
    b.push_list(ids)
        .push(" AND first_start_utc < ")
        .push_bind(to)
        .push(" AND (last_end_utc IS NULL OR last_end_utc > ")
        .push_bind(from)
        .push(") ORDER BY id");
    let rows = tx.all(b.build()).await?;
    rows.iter().map(appointment_from).collect()
}

#[instrument(skip_all)]
pub(super) async fn detached_occurrences(
    tx: &mut SqlTx,
    parent: AppointmentId,
) -> StoreResult<Vec<Appointment>> {
    let rows = tx
        .all(
            Stmt::new(concat!(
                appointment_select!(),
                "WHERE parent_id = $1 ORDER BY id"
            ))
            .bind(int("parent", parent.0)?),
        )
        .await?;
    rows.iter().map(appointment_from).collect()
}

#[instrument(skip_all)]
pub(super) async fn append_appointment_history(
    tx: &mut SqlTx,
    entry: &AppointmentHistoryEntry,
) -> StoreResult<()> {
    tx.writable()?;
    check::text("details", &entry.details, 10_000)?;
    tx.exec(
        Stmt::new(
            "INSERT INTO appointment_history (appointment_id, action, details, created_at, \
             created_by_kind, created_by_id) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(int("appointment", entry.appointment_id.0)?)
        .bind(entry.action.name())
        .bind(entry.details.as_str())
        .bind(entry.created_at)
        .bind(codec::principal_kind(entry.created_by))
        .bind(codec::principal_id(entry.created_by)),
    )
    .await?;
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn appointment_history(
    tx: &mut SqlTx,
    id: AppointmentId,
) -> StoreResult<Vec<AppointmentHistoryEntry>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT id, appointment_id, action, details, created_at, created_by_kind, \
                 created_by_id FROM appointment_history WHERE appointment_id = $1 \
                 ORDER BY created_at, id",
            )
            .bind(int("appointment", id.0)?),
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(AppointmentHistoryEntry {
                id: AppointmentHistoryId(row.u64("id")?),
                appointment_id: AppointmentId(row.u64("appointment_id")?),
                action: codec::named(row, "action", AppointmentAction::from_name)?,
                details: row.text("details")?,
                created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
                created_at: row.time("created_at")?,
            })
        })
        .collect()
}
