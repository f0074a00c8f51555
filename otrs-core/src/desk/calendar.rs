//! Calendars and appointments: create, change and delete them, expand series inside a window,
//! detach or delete single occurrences, copy, link appointments to tickets, and keep a history.
//!
//! Permissions come from the calendar's group: `ro` to see a calendar and its appointments,
//! `rw` to change them. Creating, renaming and deleting calendars is for admins; rotating a
//! calendar's feed token needs `rw` on its group. Customer users see no calendars.

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use crate::calendar::{RecurrenceRule, Series};
use crate::desk::{Actor, Ctx, Desk, check_expected_version, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AppointmentHistoryId, AppointmentId, CalendarId, GroupId, LinkId, TicketId};
use crate::model::{
    Appointment, AppointmentAction, AppointmentHistoryEntry, Calendar, HistoryType, Link, LinkType,
    ObjectRef, Permission, Principal, Validity,
};
use crate::store::{Store, StoreTx};

/// The longest window [`Desk::occurrences`] expands at once.
pub const MAX_OCCURRENCE_WINDOW_DAYS: i64 = 400;
/// The most occurrences a `COUNT` may ask for.
pub const MAX_REPEAT_COUNT: u32 = 10_000;
/// The longest single appointment.
pub const MAX_APPOINTMENT_DAYS: i64 = 366;
/// The shortest feed token accepted.
pub const MIN_FEED_TOKEN_LEN: usize = 32;

/// A new calendar. The adapter makes the feed token (the desk reads no randomness).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCalendar {
    /// Unique name.
    pub name: String,
    /// `#RRGGBB`.
    pub color: String,
    /// The permission group.
    pub group_id: GroupId,
    /// The secret of the public feed URL (URL-safe, at least 32 characters).
    pub feed_token: String,
}

/// Changes to a calendar; `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CalendarUpdate {
    /// New name.
    pub name: Option<String>,
    /// New colour.
    pub color: Option<String>,
    /// New permission group.
    pub group_id: Option<GroupId>,
    /// New validity.
    pub validity: Option<Validity>,
}

/// A new appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentInput {
    /// The calendar.
    pub calendar_id: CalendarId,
    /// Title (required).
    pub title: String,
    /// Free text.
    pub description: String,
    /// Where.
    pub location: String,
    /// All day: start and end are taken as dates (00:00); `end` is the last day, inclusive.
    pub all_day: bool,
    /// Start, wall clock in `time_zone`.
    pub start: NaiveDateTime,
    /// End, wall clock in `time_zone` (for all-day appointments: the last day).
    pub end: NaiveDateTime,
    /// IANA time zone name.
    pub time_zone: String,
    /// `RRULE` value, or `None` for "Repeat: Never" (see [`crate::calendar::Repeat`]).
    pub rrule: Option<String>,
    /// Remind this many minutes before each start.
    pub notify_minutes_before: Option<u32>,
}

/// Changes to an appointment; `None` keeps a field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppointmentUpdate {
    /// Move to another calendar (a whole series only).
    pub calendar_id: Option<CalendarId>,
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New location.
    pub location: Option<String>,
    /// All day or not.
    pub all_day: Option<bool>,
    /// New start (wall clock).
    pub start: Option<NaiveDateTime>,
    /// New end (wall clock; for all-day appointments the last day).
    pub end: Option<NaiveDateTime>,
    /// New time zone.
    pub time_zone: Option<String>,
    /// New rule (`Some(None)`: stop repeating). Not for single occurrences.
    pub rrule: Option<Option<String>>,
    /// New reminder (`Some(None)`: none).
    pub notify_minutes_before: Option<Option<u32>>,
}

/// Which part of a series a change or deletion applies to (the editor's "Just This Occurrence /
/// All Occurrences" question).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditScope {
    /// The whole series (or the single appointment).
    All,
    /// The occurrence of the series that starts at this instant.
    Occurrence(DateTime<Utc>),
}

/// One occurrence inside a window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppointmentOccurrence {
    /// The row it comes from: the series, a detached occurrence or a single appointment.
    pub appointment: Arc<Appointment>,
    /// Start instant.
    pub start: DateTime<Utc>,
    /// End instant.
    pub end: DateTime<Utc>,
    /// Within a series: the occurrence's original wall-clock start (its RECURRENCE-ID).
    pub recurrence_id: Option<NaiveDateTime>,
}

/// A calendar with every appointment row of it, as the public feed serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarFeed {
    /// The calendar.
    pub calendar: Calendar,
    /// Its appointments: singles, series and detached occurrences, by id.
    pub appointments: Vec<Appointment>,
}

/// The series of a stored appointment: its rule, deleted occurrences and detached ones skipped.
///
/// # Errors
///
/// A [`crate::calendar::RecurrenceError`] when the stored rule does not parse.
pub fn series_of(
    appointment: &Appointment,
    detached: impl IntoIterator<Item = NaiveDateTime>,
) -> Result<Series, crate::calendar::RecurrenceError> {
    let rule = appointment
        .rrule
        .as_deref()
        .map(RecurrenceRule::parse)
        .transpose()?;
    Ok(Series::new(
        appointment.time_zone,
        appointment.start,
        appointment.all_day,
        rule,
    )?
    .with_exdates(appointment.exdates.iter().copied().chain(detached)))
}

/// The instants a row spans: its first start and the end of its last occurrence (`None` when the
/// series has no end).
fn span(appointment: &Appointment) -> Result<(DateTime<Utc>, Option<DateTime<Utc>>), String> {
    let tz = appointment.time_zone;
    let first = crate::calendar::recurrence::resolve_local(&tz, appointment.start).to_utc();
    let series = series_of(appointment, []).map_err(|e| e.to_string())?;
    let Some(rule) = series.rule() else {
        let end = crate::calendar::recurrence::resolve_local(&tz, appointment.end).to_utc();
        return Ok((first, Some(end)));
    };
    if rule.is_unbounded() {
        return Ok((first, None));
    }
    let far = Utc
        .with_ymd_and_hms(9000, 1, 1, 0, 0, 0)
        .single()
        .ok_or("no far future")?;
    // Without exclusions: an excluded last occurrence still bounds the query range safely.
    let last = series
        .occurrences(first, far)
        .map_err(|e| e.to_string())?
        .last()
        .map_or(first, |o| o.start);
    Ok((
        first,
        Some(last + appointment.duration().max(Duration::zero())),
    ))
}

fn changed<T: PartialEq>(fields: &mut Vec<&'static str>, name: &'static str, old: &T, new: &T) {
    if old != new {
        fields.push(name);
    }
}

fn is_color(text: &str) -> bool {
    text.len() == 7 && text.starts_with('#') && text[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_token(text: &str) -> bool {
    text.len() >= MIN_FEED_TOKEN_LEN
        && text.len() <= 128
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl<S: Store> Desk<S> {
    // --- calendars ---------------------------------------------------------------------------

    fn calendar_access(ctx: &Ctx, calendar: &Calendar, permission: Permission) -> bool {
        match &ctx.actor {
            Actor::Agent(agent) => {
                agent.is_admin()
                    || (agent.validity.is_valid()
                        && agent.permissions_on(calendar.group_id).grants(permission))
            }
            Actor::Customer(_) => false,
        }
    }

    /// Loads a calendar the actor may use with `permission`. Calendars the actor cannot even
    /// see are reported as not found.
    async fn load_calendar_for(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        id: CalendarId,
        permission: Permission,
        action: &'static str,
    ) -> Result<Calendar, DeskError> {
        let calendar = tx
            .calendar(id)
            .await?
            .ok_or_else(|| DeskError::not_found("calendar", id))?;
        if !Self::calendar_access(ctx, &calendar, Permission::Ro) {
            return Err(DeskError::not_found("calendar", id));
        }
        if !Self::calendar_access(ctx, &calendar, permission) {
            return Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: format!("calendar {}", calendar.name),
                reason: format!("needs the {permission} permission on the calendar's group"),
            });
        }
        Ok(calendar)
    }

    fn require_calendar_admin(
        ctx: &Ctx,
        action: &'static str,
        what: String,
    ) -> Result<(), DeskError> {
        match &ctx.actor {
            Actor::Agent(agent) if agent.is_admin() => Ok(()),
            _ => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: what,
                reason: "needs rw on the admin group".into(),
            }),
        }
    }

    async fn check_calendar_fields(
        &self,
        tx: &mut S::Tx,
        errors: &mut ValidationErrors,
        calendar: &Calendar,
    ) -> Result<(), DeskError> {
        errors.text("name", &calendar.name, 1, 200, false);
        if !is_color(&calendar.color) {
            errors.add(
                "color",
                format!("{:?} is not a colour like #3A87AD", calendar.color),
            );
        }
        if tx.group(calendar.group_id).await?.is_none() {
            errors.add(
                "group",
                format!("group {} does not exist", calendar.group_id),
            );
        }
        Ok(())
    }

    /// Creates a calendar (admins).
    pub async fn create_calendar(
        &self,
        actor: Principal,
        new: NewCalendar,
    ) -> Result<Calendar, DeskError> {
        write_tx!(self, |tx| self.create_calendar_tx(&mut tx, actor, &new))
    }

    async fn create_calendar_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewCalendar,
    ) -> Result<Calendar, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_calendar_admin(&ctx, "create", format!("calendar {}", new.name))?;
        let calendar = Calendar {
            id: CalendarId(0),
            name: new.name.trim().to_owned(),
            color: new.color.trim().to_ascii_uppercase(),
            group_id: new.group_id,
            validity: Validity::Valid,
            feed_token: new.feed_token.clone(),
            created_at: ctx.now,
            changed_at: ctx.now,
            changed_by: ctx.actor.principal(),
            version: 0,
        };
        let mut errors = ValidationErrors::new();
        self.check_calendar_fields(tx, &mut errors, &calendar)
            .await?;
        if !is_token(&new.feed_token) {
            errors.add(
                "feed_token",
                format!("must be {MIN_FEED_TOKEN_LEN} to 128 letters, digits, '-' or '_'"),
            );
        }
        errors.into_result()?;
        Ok(tx.insert_calendar(&calendar).await?)
    }

    /// Renames a calendar, changes its colour, group or validity (admins).
    pub async fn update_calendar(
        &self,
        actor: Principal,
        id: CalendarId,
        update: CalendarUpdate,
        expected_version: Option<u64>,
    ) -> Result<Calendar, DeskError> {
        write_tx!(self, |tx| self.update_calendar_tx(
            &mut tx,
            actor,
            id,
            &update,
            expected_version
        ))
    }

    async fn update_calendar_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: CalendarId,
        update: &CalendarUpdate,
        expected_version: Option<u64>,
    ) -> Result<Calendar, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_calendar_admin(&ctx, "change", format!("calendar {id}"))?;
        let mut calendar = tx
            .calendar(id)
            .await?
            .ok_or_else(|| DeskError::not_found("calendar", id))?;
        check_expected_version(
            || format!("calendar {}", calendar.name),
            expected_version,
            calendar.version,
        )?;
        if let Some(name) = &update.name {
            calendar.name = name.trim().to_owned();
        }
        if let Some(color) = &update.color {
            calendar.color = color.trim().to_ascii_uppercase();
        }
        if let Some(group) = update.group_id {
            calendar.group_id = group;
        }
        if let Some(validity) = update.validity {
            calendar.validity = validity;
        }
        let mut errors = ValidationErrors::new();
        self.check_calendar_fields(tx, &mut errors, &calendar)
            .await?;
        errors.into_result()?;
        calendar.changed_at = ctx.now;
        calendar.changed_by = ctx.actor.principal();
        Ok(tx.update_calendar(&calendar).await?)
    }

    /// Deletes an empty calendar (admins). A calendar with appointments is refused.
    pub async fn delete_calendar(&self, actor: Principal, id: CalendarId) -> Result<(), DeskError> {
        write_tx!(self, |tx| self.delete_calendar_tx(&mut tx, actor, id))
    }

    async fn delete_calendar_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: CalendarId,
    ) -> Result<(), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_calendar_admin(&ctx, "delete", format!("calendar {id}"))?;
        let calendar = tx
            .calendar(id)
            .await?
            .ok_or_else(|| DeskError::not_found("calendar", id))?;
        let far = Utc
            .with_ymd_and_hms(9000, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        let held = tx
            .appointments_between(&[id], DateTime::<Utc>::MIN_UTC, far)
            .await?
            .len();
        if held > 0 {
            return Err(DeskError::NotAllowed {
                object: format!("calendar {}", calendar.name),
                reason: format!(
                    "it still holds {held} appointment(s); delete or move them first, or set the calendar invalid"
                ),
            });
        }
        tx.delete_calendar(id).await?;
        Ok(())
    }

    /// Replaces a calendar's feed token, so that the old public URL stops working (`rw` on the
    /// calendar's group).
    pub async fn rotate_calendar_token(
        &self,
        actor: Principal,
        id: CalendarId,
        new_token: String,
    ) -> Result<Calendar, DeskError> {
        write_tx!(self, |tx| self
            .rotate_calendar_token_tx(&mut tx, actor, id, &new_token))
    }

    async fn rotate_calendar_token_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: CalendarId,
        new_token: &str,
    ) -> Result<Calendar, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let mut calendar = self
            .load_calendar_for(tx, &ctx, id, Permission::Rw, "rotate the feed token of")
            .await?;
        if !is_token(new_token) || new_token == calendar.feed_token {
            return Err(DeskError::invalid(
                "feed_token",
                format!(
                    "must be a new token of {MIN_FEED_TOKEN_LEN} to 128 letters, digits, '-' or '_'"
                ),
            ));
        }
        calendar.feed_token = new_token.to_owned();
        calendar.changed_at = ctx.now;
        calendar.changed_by = ctx.actor.principal();
        Ok(tx.update_calendar(&calendar).await?)
    }

    /// The calendars the actor may see (`ro` on their group; admins see all), by id.
    pub async fn calendars(&self, actor: Principal) -> Result<Vec<Calendar>, DeskError> {
        read_tx!(self, |tx| self.calendars_tx(&mut tx, actor))
    }

    async fn calendars_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
    ) -> Result<Vec<Calendar>, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Ok(tx
            .calendars()
            .await?
            .into_iter()
            .filter(|c| Self::calendar_access(&ctx, c, Permission::Ro))
            .collect())
    }

    /// One calendar the actor may see.
    pub async fn calendar(&self, actor: Principal, id: CalendarId) -> Result<Calendar, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.load_calendar_for(&mut tx, &ctx, id, Permission::Ro, "read")
                .await
        })
    }

    /// The public feed behind a token: the valid calendar and all its appointment rows. An
    /// unknown token, an old (rotated) one and an invalid calendar are all "not found".
    pub async fn calendar_feed(&self, token: &str) -> Result<CalendarFeed, DeskError> {
        read_tx!(self, |tx| async {
            let not_found = || DeskError::not_found("calendar feed", "(token)");
            if !is_token(token) {
                return Err(not_found());
            }
            let calendar = tx
                .calendar_by_feed_token(token)
                .await?
                .filter(|c| c.validity.is_valid())
                .ok_or_else(not_found)?;
            let far = Utc
                .with_ymd_and_hms(9000, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or(DateTime::<Utc>::MAX_UTC);
            let appointments = tx
                .appointments_between(&[calendar.id], DateTime::<Utc>::MIN_UTC, far)
                .await?;
            Ok(CalendarFeed {
                calendar,
                appointments,
            })
        })
    }

    // --- appointments ------------------------------------------------------------------------

    pub(crate) async fn load_appointment_for(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        id: AppointmentId,
        permission: Permission,
        action: &'static str,
    ) -> Result<(Appointment, Calendar), DeskError> {
        let appointment = tx
            .appointment(id)
            .await?
            .ok_or_else(|| DeskError::not_found("appointment", id))?;
        let calendar = match self
            .load_calendar_for(tx, ctx, appointment.calendar_id, permission, action)
            .await
        {
            Err(DeskError::NotFound { .. }) => return Err(DeskError::not_found("appointment", id)),
            other => other?,
        };
        Ok((appointment, calendar))
    }

    /// Checks every field of an appointment row and fills its derived fields (span). All errors
    /// are reported together.
    fn validate_appointment(
        appointment: &mut Appointment,
        zone_text: &str,
    ) -> Result<(), DeskError> {
        let mut errors = ValidationErrors::new();
        errors.text("title", &appointment.title, 1, 255, false);
        errors.text("description", &appointment.description, 0, 20_000, true);
        errors.text("location", &appointment.location, 0, 255, false);
        if zone_text.parse::<Tz>().is_err() {
            errors.add(
                "time_zone",
                format!("{zone_text:?} is not a known IANA time zone"),
            );
        }
        if appointment.end <= appointment.start {
            errors.add("end", "must be after the start");
        } else if appointment.end - appointment.start > Duration::days(MAX_APPOINTMENT_DAYS) {
            errors.add(
                "end",
                format!("an appointment lasts at most {MAX_APPOINTMENT_DAYS} days"),
            );
        }
        if let Some(minutes) = appointment.notify_minutes_before
            && minutes > 60 * 24 * 28
        {
            errors.add("notify_minutes_before", "must be at most four weeks");
        }
        if let Some(text) = &appointment.rrule {
            match RecurrenceRule::parse(text) {
                Err(e) => errors.add(
                    "rrule",
                    e.to_string().trim_start_matches("rrule: ").to_owned(),
                ),
                Ok(rule) => {
                    if rule.count().is_some_and(|n| n > MAX_REPEAT_COUNT) {
                        errors.add("rrule", format!("COUNT may be at most {MAX_REPEAT_COUNT}"));
                    }
                    if let Err(e) = Series::new(
                        appointment.time_zone,
                        appointment.start,
                        appointment.all_day,
                        Some(rule),
                    ) {
                        errors.add(
                            "rrule",
                            e.to_string().trim_start_matches("rrule: ").to_owned(),
                        );
                    }
                }
            }
        }
        errors.into_result()?;
        let (first, last) = span(appointment).map_err(|e| DeskError::invalid("rrule", e))?;
        appointment.first_start_utc = first;
        appointment.last_end_utc = last;
        Ok(())
    }

    /// All-day appointments run from 00:00 of the first day to 00:00 after the last day.
    fn normalise_all_day(appointment: &mut Appointment, end_is_last_day: bool) {
        if appointment.all_day {
            appointment.start = crate::calendar::repeat::midnight(appointment.start.date());
            let end_day = appointment.end.date();
            appointment.end = crate::calendar::repeat::midnight(if end_is_last_day {
                end_day + Duration::days(1)
            } else {
                end_day
            });
        }
    }

    fn new_uid(&self, ctx: &Ctx, input: &AppointmentInput) -> String {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        (
            input.calendar_id,
            &input.title,
            input.start,
            ctx.now,
            ctx.actor.principal(),
        )
            .hash(&mut hasher);
        format!(
            "{}-{:016x}@otrs-{}",
            ctx.now.format("%Y%m%dT%H%M%S%6fZ"),
            hasher.finish(),
            self.config().system_id
        )
    }

    pub(crate) async fn appointment_history_row(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        id: AppointmentId,
        action: AppointmentAction,
        details: String,
    ) -> Result<(), DeskError> {
        tx.append_appointment_history(&AppointmentHistoryEntry {
            id: AppointmentHistoryId(0),
            appointment_id: id,
            action,
            details,
            created_by: ctx.actor.principal(),
            created_at: ctx.now,
        })
        .await?;
        Ok(())
    }

    /// Creates an appointment (`rw` on the calendar's group).
    pub async fn create_appointment(
        &self,
        actor: Principal,
        input: AppointmentInput,
    ) -> Result<Appointment, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.create_appointment_in(&mut tx, &ctx, &input, "Created")
                .await
        })
    }

    pub(crate) async fn create_appointment_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        input: &AppointmentInput,
        how: &str,
    ) -> Result<Appointment, DeskError> {
        self.load_calendar_for(
            tx,
            ctx,
            input.calendar_id,
            Permission::Rw,
            "add appointments to",
        )
        .await?;
        let mut appointment = Appointment {
            id: AppointmentId(0),
            calendar_id: input.calendar_id,
            uid: self.new_uid(ctx, input),
            title: input.title.trim().to_owned(),
            description: input.description.clone(),
            location: input.location.trim().to_owned(),
            all_day: input.all_day,
            start: input.start,
            end: input.end,
            time_zone: input.time_zone.parse().unwrap_or(Tz::UTC),
            rrule: input
                .rrule
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned),
            exdates: Vec::new(),
            parent_id: None,
            recurrence_id: None,
            notify_minutes_before: input.notify_minutes_before,
            first_start_utc: ctx.now,
            last_end_utc: None,
            created_at: ctx.now,
            created_by: ctx.actor.principal(),
            changed_at: ctx.now,
            changed_by: ctx.actor.principal(),
            version: 0,
        };
        Self::normalise_all_day(&mut appointment, true);
        Self::validate_appointment(&mut appointment, &input.time_zone)?;
        let stored = tx.insert_appointment(&appointment).await?;
        self.schedule_reminder(tx, &stored, None).await?;
        self.appointment_history_row(
            tx,
            ctx,
            stored.id,
            AppointmentAction::Created,
            format!("{how}: {:?}", stored.title),
        )
        .await?;
        Ok(stored)
    }

    /// An appointment row the actor may see.
    pub async fn appointment(
        &self,
        actor: Principal,
        id: AppointmentId,
    ) -> Result<Appointment, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Ok(self
                .load_appointment_for(&mut tx, &ctx, id, Permission::Ro, "read")
                .await?
                .0)
        })
    }

    /// The history of an appointment the actor may see, oldest first.
    pub async fn appointment_history(
        &self,
        actor: Principal,
        id: AppointmentId,
    ) -> Result<Vec<AppointmentHistoryEntry>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.load_appointment_for(&mut tx, &ctx, id, Permission::Ro, "read")
                .await?;
            Ok(tx.appointment_history(id).await?)
        })
    }

    /// Finds the occurrence of a series starting at `at` (not deleted, not detached).
    async fn occurrence_at(
        &self,
        tx: &mut S::Tx,
        series: &Appointment,
        at: DateTime<Utc>,
    ) -> Result<crate::calendar::Occurrence, DeskError> {
        let detached: Vec<NaiveDateTime> = tx
            .detached_occurrences(series.id)
            .await?
            .iter()
            .filter_map(|a| a.recurrence_id)
            .collect();
        let expanded = series_of(series, detached)
            .and_then(|s| s.occurrences(at, at + Duration::seconds(1)))
            .map_err(|e| DeskError::invalid("rrule", e.to_string()))?;
        expanded.into_iter().find(|o| o.start == at).ok_or_else(|| {
            DeskError::not_found(
                "occurrence",
                format!(
                    "{} of appointment {}",
                    at.format("%Y-%m-%dT%H:%M:%SZ"),
                    series.id
                ),
            )
        })
    }

    /// Changes an appointment. With [`EditScope::All`] the row itself changes (for a series:
    /// every occurrence); with [`EditScope::Occurrence`] the occurrence starting at that instant is
    /// detached from the series as an appointment of its own, which the series then skips.
    /// Returns the changed or created row.
    pub async fn update_appointment(
        &self,
        actor: Principal,
        id: AppointmentId,
        update: AppointmentUpdate,
        scope: EditScope,
        expected_version: Option<u64>,
    ) -> Result<Appointment, DeskError> {
        write_tx!(self, |tx| self.update_appointment_tx(
            &mut tx,
            actor,
            id,
            &update,
            scope,
            expected_version
        ))
    }

    async fn update_appointment_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: AppointmentId,
        update: &AppointmentUpdate,
        scope: EditScope,
        expected_version: Option<u64>,
    ) -> Result<Appointment, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let (current, _) = self
            .load_appointment_for(tx, &ctx, id, Permission::Rw, "change")
            .await?;
        check_expected_version(
            || format!("appointment {id}"),
            expected_version,
            current.version,
        )?;
        if let Some(calendar) = update.calendar_id
            && calendar != current.calendar_id
        {
            if current.is_detached() || matches!(scope, EditScope::Occurrence(_)) {
                return Err(DeskError::NotAllowed {
                    object: format!("appointment {id}"),
                    reason: "a single occurrence stays in its series' calendar".into(),
                });
            }
            self.load_calendar_for(tx, &ctx, calendar, Permission::Rw, "move appointments to")
                .await?;
        }
        let detaching = match scope {
            EditScope::Occurrence(at) if !current.is_detached() => {
                if !current.is_series() {
                    return Err(DeskError::NotAllowed {
                        object: format!("appointment {id}"),
                        reason: "it does not repeat, so it has no single occurrences".into(),
                    });
                }
                Some(self.occurrence_at(tx, &current, at).await?)
            }
            _ => None,
        };
        if (detaching.is_some() || current.is_detached()) && update.rrule.is_some() {
            return Err(DeskError::invalid(
                "rrule",
                "a single occurrence cannot repeat; change all occurrences instead",
            ));
        }
        let mut row = current.clone();
        if let Some(occurrence) = &detaching {
            row.id = AppointmentId(0);
            row.rrule = None;
            row.exdates = Vec::new();
            row.parent_id = Some(current.id);
            row.recurrence_id = Some(occurrence.wall);
            row.start = occurrence.wall;
            row.end = occurrence.wall + current.duration();
            row.created_at = ctx.now;
            row.created_by = ctx.actor.principal();
            row.version = 0;
        }
        let before = row.clone();
        let zone_text = update
            .time_zone
            .clone()
            .unwrap_or_else(|| row.time_zone.name().to_owned());
        if let Some(v) = update.calendar_id {
            row.calendar_id = v;
        }
        if let Some(v) = &update.title {
            row.title = v.trim().to_owned();
        }
        if let Some(v) = &update.description {
            row.description.clone_from(v);
        }
        if let Some(v) = &update.location {
            row.location = v.trim().to_owned();
        }
        if let Some(v) = update.all_day {
            row.all_day = v;
        }
        if let Some(v) = update.start {
            row.start = v;
        }
        if let Some(v) = update.end {
            row.end = v;
        }
        if let Ok(tz) = zone_text.parse() {
            row.time_zone = tz;
        }
        if let Some(v) = &update.rrule {
            row.rrule = v
                .as_deref()
                .map(str::trim)
                .filter(|r| !r.is_empty())
                .map(str::to_owned);
        }
        if let Some(v) = update.notify_minutes_before {
            row.notify_minutes_before = v;
        }
        // A given end of an all-day appointment is its last day; a kept one is already exclusive.
        Self::normalise_all_day(
            &mut row,
            update.end.is_some() || update.all_day == Some(true),
        );
        Self::validate_appointment(&mut row, &zone_text)?;
        let mut fields = Vec::new();
        changed(
            &mut fields,
            "calendar",
            &before.calendar_id,
            &row.calendar_id,
        );
        changed(&mut fields, "title", &before.title, &row.title);
        changed(
            &mut fields,
            "description",
            &before.description,
            &row.description,
        );
        changed(&mut fields, "location", &before.location, &row.location);
        changed(&mut fields, "all_day", &before.all_day, &row.all_day);
        changed(&mut fields, "start", &before.start, &row.start);
        changed(&mut fields, "end", &before.end, &row.end);
        changed(&mut fields, "time_zone", &before.time_zone, &row.time_zone);
        changed(&mut fields, "rrule", &before.rrule, &row.rrule);
        changed(
            &mut fields,
            "notify_minutes_before",
            &before.notify_minutes_before,
            &row.notify_minutes_before,
        );
        row.changed_at = ctx.now;
        row.changed_by = ctx.actor.principal();

        if let Some(occurrence) = detaching {
            let stored = tx.insert_appointment(&row).await?;
            // The detached occurrence has its own reminder; the series' next one may change.
            self.schedule_reminder(tx, &stored, None).await?;
            self.schedule_reminder(tx, &current, None).await?;
            let when = occurrence.local.format("%Y-%m-%d %H:%M %Z").to_string();
            self.appointment_history_row(
                tx,
                &ctx,
                current.id,
                AppointmentAction::OccurrenceDetached,
                format!("occurrence {when} detached as appointment {}", stored.id),
            )
            .await?;
            self.appointment_history_row(
                tx,
                &ctx,
                stored.id,
                AppointmentAction::Created,
                format!(
                    "detached from series {} (occurrence {when}); changed: {}",
                    current.id,
                    fields.join(", ")
                ),
            )
            .await?;
            return Ok(stored);
        }
        if fields.is_empty() {
            return Ok(current);
        }
        let mut notes = Vec::new();
        if row.is_series() {
            let timing_changed = ["all_day", "start", "time_zone", "rrule"]
                .iter()
                .any(|f| fields.contains(f));
            if timing_changed {
                self.keep_matching_exceptions(tx, &ctx, &mut row, &mut notes)
                    .await?;
            }
            if before.calendar_id != row.calendar_id {
                for mut child in tx.detached_occurrences(row.id).await? {
                    child.calendar_id = row.calendar_id;
                    child.changed_at = ctx.now;
                    child.changed_by = ctx.actor.principal();
                    tx.update_appointment(&child).await?;
                }
            }
        } else if before.is_series() {
            // It no longer repeats: the deleted and detached occurrences go with the rule.
            row.exdates.clear();
            for child in tx.detached_occurrences(row.id).await? {
                self.remove_appointment_row(tx, &ctx, &child).await?;
                notes.push(format!("detached occurrence {} deleted", child.id));
            }
        }
        let stored = tx.update_appointment(&row).await?;
        self.schedule_reminder(tx, &stored, None).await?;
        let mut details = format!("changed: {}", fields.join(", "));
        for note in notes {
            details.push_str("; ");
            details.push_str(&note);
        }
        self.appointment_history_row(tx, &ctx, stored.id, AppointmentAction::Updated, details)
            .await?;
        Ok(stored)
    }

    /// After a series' timing changed: keeps the exclusions and detached occurrences whose
    /// original start is still an occurrence of the new series; drops the others.
    async fn keep_matching_exceptions(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        row: &mut Appointment,
        notes: &mut Vec<String>,
    ) -> Result<(), DeskError> {
        let bare = Appointment {
            exdates: Vec::new(),
            ..row.clone()
        };
        let series =
            series_of(&bare, []).map_err(|e| DeskError::invalid("rrule", e.to_string()))?;
        let still = |wall: NaiveDateTime| {
            let at = series.resolve(wall).to_utc();
            series
                .occurrences(at, at + Duration::seconds(1))
                .is_ok_and(|list| list.iter().any(|o| o.wall == wall))
        };
        let before = row.exdates.len();
        row.exdates.retain(|w| still(*w));
        if row.exdates.len() < before {
            notes.push(format!(
                "{} deleted occurrence(s) no longer in the series",
                before - row.exdates.len()
            ));
        }
        for child in tx.detached_occurrences(row.id).await? {
            if !child.recurrence_id.is_some_and(still) {
                self.remove_appointment_row(tx, ctx, &child).await?;
                notes.push(format!(
                    "detached occurrence {} deleted: no longer in the series",
                    child.id
                ));
            }
        }
        Ok(())
    }

    /// Deletes one row with its links (history on the linked tickets).
    async fn remove_appointment_row(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        row: &Appointment,
    ) -> Result<(), DeskError> {
        for link in tx.links_of(ObjectRef::Appointment(row.id)).await? {
            tx.delete_link(link.id).await?;
            if let Some(ticket) = link.other_end(ObjectRef::Appointment(row.id)).ticket()
                && let Some(ticket) = tx.ticket(ticket).await?
            {
                self.add_history(
                    tx,
                    ctx,
                    &ticket,
                    HistoryType::TicketLinkDelete,
                    vec![
                        format!("appointment {}", row.id),
                        row.id.to_string(),
                        link.link_type.name().to_owned(),
                    ],
                )
                .await?;
            }
        }
        tx.delete_appointment(row.id).await?;
        self.cancel_reminder(tx, row.id).await
    }

    /// Deletes an appointment. [`EditScope::All`] deletes the appointment (a series with its
    /// detached occurrences; a detached occurrence alone, which its series then keeps skipping);
    /// [`EditScope::Occurrence`] deletes the one occurrence of a series starting at that instant.
    pub async fn delete_appointment(
        &self,
        actor: Principal,
        id: AppointmentId,
        scope: EditScope,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| self
            .delete_appointment_tx(&mut tx, actor, id, scope))
    }

    async fn delete_appointment_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: AppointmentId,
        scope: EditScope,
    ) -> Result<(), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let (row, _) = self
            .load_appointment_for(tx, &ctx, id, Permission::Rw, "delete")
            .await?;
        match scope {
            EditScope::Occurrence(at) if !row.is_detached() => {
                if !row.is_series() {
                    return Err(DeskError::NotAllowed {
                        object: format!("appointment {id}"),
                        reason: "it does not repeat, so it has no single occurrences".into(),
                    });
                }
                let occurrence = self.occurrence_at(tx, &row, at).await?;
                let mut series = row;
                let mut exdates: BTreeSet<NaiveDateTime> = series.exdates.iter().copied().collect();
                exdates.insert(occurrence.wall);
                series.exdates = exdates.into_iter().collect();
                series.changed_at = ctx.now;
                series.changed_by = ctx.actor.principal();
                let stored = tx.update_appointment(&series).await?;
                self.schedule_reminder(tx, &stored, None).await?;
                self.appointment_history_row(
                    tx,
                    &ctx,
                    stored.id,
                    AppointmentAction::OccurrenceDeleted,
                    format!(
                        "occurrence {} deleted",
                        occurrence.local.format("%Y-%m-%d %H:%M %Z")
                    ),
                )
                .await
            }
            _ => {
                if let (Some(parent), Some(wall)) = (row.parent_id, row.recurrence_id)
                    && let Some(mut series) = tx.appointment(parent).await?
                {
                    // The series keeps skipping the detached occurrence's original start.
                    let mut exdates: BTreeSet<NaiveDateTime> =
                        series.exdates.iter().copied().collect();
                    exdates.insert(wall);
                    series.exdates = exdates.into_iter().collect();
                    series.changed_at = ctx.now;
                    series.changed_by = ctx.actor.principal();
                    tx.update_appointment(&series).await?;
                    self.appointment_history_row(
                        tx,
                        &ctx,
                        parent,
                        AppointmentAction::OccurrenceDeleted,
                        format!("detached occurrence {} deleted", row.id),
                    )
                    .await?;
                }
                for child in tx.detached_occurrences(row.id).await? {
                    self.remove_appointment_row(tx, &ctx, &child).await?;
                    self.appointment_history_row(
                        tx,
                        &ctx,
                        child.id,
                        AppointmentAction::Deleted,
                        format!("deleted with series {}", row.id),
                    )
                    .await?;
                }
                self.remove_appointment_row(tx, &ctx, &row).await?;
                self.appointment_history_row(
                    tx,
                    &ctx,
                    row.id,
                    AppointmentAction::Deleted,
                    format!("deleted: {:?}", row.title),
                )
                .await
            }
        }
    }

    /// Copies an appointment (a series with its deleted and detached occurrences) into the same
    /// calendar. Returns the copy.
    pub async fn copy_appointment(
        &self,
        actor: Principal,
        id: AppointmentId,
    ) -> Result<Appointment, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let (row, _) = self
                .load_appointment_for(&mut tx, &ctx, id, Permission::Rw, "copy")
                .await?;
            let input = AppointmentInput {
                calendar_id: row.calendar_id,
                title: row.title.clone(),
                description: row.description.clone(),
                location: row.location.clone(),
                all_day: false,
                start: row.start,
                end: row.end,
                time_zone: row.time_zone.name().to_owned(),
                rrule: row.rrule.clone(),
                notify_minutes_before: row.notify_minutes_before,
            };
            let mut copy = self
                .create_appointment_in(&mut tx, &ctx, &input, &format!("Copied from {id}"))
                .await?;
            // The stored times are already normalised; keep them as they are.
            copy.all_day = row.all_day;
            copy.exdates.clone_from(&row.exdates);
            let copy = tx.update_appointment(&copy).await?;
            self.schedule_reminder(&mut tx, &copy, None).await?;
            for child in tx.detached_occurrences(row.id).await? {
                let child_copy = Appointment {
                    id: AppointmentId(0),
                    uid: copy.uid.clone(),
                    parent_id: Some(copy.id),
                    created_at: ctx.now,
                    created_by: ctx.actor.principal(),
                    changed_at: ctx.now,
                    changed_by: ctx.actor.principal(),
                    ..child
                };
                let child_copy = tx.insert_appointment(&child_copy).await?;
                self.schedule_reminder(&mut tx, &child_copy, None).await?;
            }
            Ok::<_, DeskError>(copy)
        })
    }

    /// Every occurrence starting or running inside `[from, to)` in the calendars the actor may
    /// see (or only `calendar`), sorted by start. The window may be at most
    /// [`MAX_OCCURRENCE_WINDOW_DAYS`] long.
    pub async fn occurrences(
        &self,
        actor: Principal,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        calendar: Option<CalendarId>,
    ) -> Result<Vec<AppointmentOccurrence>, DeskError> {
        if to <= from {
            return Err(DeskError::invalid("to", "must be after from"));
        }
        if to - from > Duration::days(MAX_OCCURRENCE_WINDOW_DAYS) {
            return Err(DeskError::invalid(
                "to",
                format!("the window may be at most {MAX_OCCURRENCE_WINDOW_DAYS} days long"),
            ));
        }
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let calendars: Vec<CalendarId> = match calendar {
                Some(id) => vec![
                    self.load_calendar_for(&mut tx, &ctx, id, Permission::Ro, "read")
                        .await?
                        .id,
                ],
                None => tx
                    .calendars()
                    .await?
                    .into_iter()
                    .filter(|c| {
                        c.validity.is_valid() && Self::calendar_access(&ctx, c, Permission::Ro)
                    })
                    .map(|c| c.id)
                    .collect(),
            };
            let rows = tx.appointments_between(&calendars, from, to).await?;
            expand_rows(rows, from, to)
        })
    }

    // --- tickets -----------------------------------------------------------------------------

    /// "New Appointment" on a ticket: creates an appointment linked to the ticket (`ro` on the
    /// ticket, `rw` on the calendar). The ticket's history records the link.
    pub async fn create_ticket_appointment(
        &self,
        actor: Principal,
        ticket: TicketId,
        input: AppointmentInput,
    ) -> Result<(Appointment, Link), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::not_found("ticket", &ticket.number));
            }
            self.require(
                &mut tx,
                &ctx,
                &ticket,
                Permission::Ro,
                "add an appointment to",
            )
            .await?;
            let appointment = self
                .create_appointment_in(
                    &mut tx,
                    &ctx,
                    &input,
                    &format!("Created from ticket {}", ticket.number),
                )
                .await?;
            let link = tx
                .insert_link(&Link {
                    id: LinkId(0),
                    source: ObjectRef::Ticket(ticket.id),
                    target: ObjectRef::Appointment(appointment.id),
                    link_type: LinkType::Normal,
                    created_by: ctx.actor.principal(),
                    created_at: ctx.now,
                })
                .await?;
            self.add_history(
                &mut tx,
                &ctx,
                &ticket,
                HistoryType::TicketLinkAdd,
                vec![
                    format!("appointment {}", appointment.id),
                    appointment.id.to_string(),
                    LinkType::Normal.name().to_owned(),
                ],
            )
            .await?;
            self.appointment_history_row(
                &mut tx,
                &ctx,
                appointment.id,
                AppointmentAction::TicketLinked,
                format!("linked to ticket {}", ticket.number),
            )
            .await?;
            Ok((appointment, link))
        })
    }

    /// The appointments linked to a ticket that the actor may see, by id.
    pub async fn ticket_appointments(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<Appointment>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::not_found("ticket", &ticket.number));
            }
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            let mut out = BTreeMap::new();
            for link in tx.links_of(ObjectRef::Ticket(ticket.id)).await? {
                let ObjectRef::Appointment(id) = link.other_end(ObjectRef::Ticket(ticket.id))
                else {
                    continue;
                };
                let Some(appointment) = tx.appointment(id).await? else {
                    continue;
                };
                if let Some(calendar) = tx.calendar(appointment.calendar_id).await?
                    && Self::calendar_access(&ctx, &calendar, Permission::Ro)
                {
                    out.insert(id, appointment);
                }
            }
            Ok(out.into_values().collect())
        })
    }
}

/// Expands stored rows into the occurrences inside `[from, to)`: an occurrence is in the
/// window when it starts before `to` and ends after `from` (or starts at `from`). Series skip
/// their deleted and detached occurrences; detached rows stand for themselves.
///
/// # Errors
///
/// [`DeskError::Invalid`] when a stored rule no longer parses.
pub fn expand_rows(
    rows: Vec<Appointment>,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<AppointmentOccurrence>, DeskError> {
    let mut detached: BTreeMap<AppointmentId, Vec<NaiveDateTime>> = BTreeMap::new();
    for row in &rows {
        if let (Some(parent), Some(wall)) = (row.parent_id, row.recurrence_id) {
            detached.entry(parent).or_default().push(wall);
        }
    }
    let mut out = Vec::new();
    for row in rows {
        let row = Arc::new(row);
        let tz = row.time_zone;
        let length = row.duration();
        let end_of = |wall: NaiveDateTime| {
            crate::calendar::recurrence::resolve_local(&tz, wall + length).to_utc()
        };
        if !row.is_series() {
            let start = crate::calendar::recurrence::resolve_local(&tz, row.start).to_utc();
            let end = end_of(row.start);
            if start < to && (end > from || start == from) {
                out.push(AppointmentOccurrence {
                    appointment: Arc::clone(&row),
                    start,
                    end,
                    recurrence_id: row.recurrence_id,
                });
            }
            continue;
        }
        let skipped = detached.remove(&row.id).unwrap_or_default();
        // Occurrences that started before the window but still run into it count too.
        let series = series_of(&row, skipped)
            .map_err(|e| DeskError::invalid("rrule", format!("appointment {}: {e}", row.id)))?;
        let reach = from - length.max(Duration::zero()) - Duration::days(1);
        let found = series
            .occurrences(reach, to)
            .map_err(|e| DeskError::invalid("rrule", format!("appointment {}: {e}", row.id)))?;
        for occurrence in found {
            let end = end_of(occurrence.wall);
            if end > from || occurrence.start == from {
                out.push(AppointmentOccurrence {
                    appointment: Arc::clone(&row),
                    start: occurrence.start,
                    end,
                    recurrence_id: Some(occurrence.wall),
                });
            }
        }
    }
    out.sort_by_key(|a| (a.start, a.appointment.id));
    Ok(out)
}
