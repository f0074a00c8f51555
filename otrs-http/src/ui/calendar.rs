//! The Calendar Overview: a month grid, week and day timelines and a week agenda with
//! previous / next / today, the calendars sidebar (filter box, show/hide checkboxes kept as an
//! agent preference), the appointment editor (add, edit, copy, delete, linked tickets, the
//! "Just This Occurrence / All Occurrences" choice for occurrences of a series), moving by drag
//! and drop, and the Appointments Today / This Week / This Month dashboard widgets.
//!
//! Times are shown in the agent's time zone; the editor shows an appointment's times in its own
//! zone, which it names. Every rule is the desk's: the pages only translate forms into desk
//! commands and put the desk's field errors next to the fields. The pages work without script;
//! `assets/app.js` adds dragging over a time range to add, dragging an appointment to move it,
//! the live sidebar filter and saving the checkboxes as they change.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use maud::{Markup, html};
use otrs_core::calendar::recurrence::{parse_wall, resolve_local};
use otrs_core::calendar::{Repeat, RepeatFrequency, RepeatLimit, weekday_code};
use otrs_core::desk::{AppointmentInput, AppointmentOccurrence, AppointmentUpdate, EditScope};
use otrs_core::error::DeskError;
use otrs_core::ids::{AppointmentId, CalendarId, TicketId};
use otrs_core::model::{Appointment, Calendar};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::fields::{Fields, FormFields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page, agent_page_with};
use crate::ui::{UiCtx, message_of, prefs, see_other};
use crate::{n_, tr};

/// The preference holding the ids of the calendars the agent has hidden (JSON list).
pub const HIDDEN_KEY: &str = "ui.calendar.hidden";

/// Where the overview lives.
pub const OVERVIEW: &str = "/agent/calendar";

/// The map service a location links to.
const MAP_SEARCH: &str = "https://www.openstreetmap.org/search?query=";

/// The reminder choices of the editor: (minutes before start, label).
const NOTIFY_CHOICES: [(u32, &str); 11] = [
    (0, n_!("At start")),
    (5, n_!("5 minutes before")),
    (15, n_!("15 minutes before")),
    (30, n_!("30 minutes before")),
    (60, n_!("1 hour before")),
    (120, n_!("2 hours before")),
    (720, n_!("12 hours before")),
    (1440, n_!("1 day before")),
    (2880, n_!("2 days before")),
    (10080, n_!("1 week before")),
    (u32::MAX, n_!("Custom (minutes before)")),
];

const WEEKDAYS: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// The locale of chrono's localized date formats (month and weekday names) for a language.
pub(crate) fn chrono_locale(lang: Language) -> chrono::Locale {
    match lang {
        Language::English => chrono::Locale::en_US,
        Language::German => chrono::Locale::de_DE,
    }
}

/// A weekday's name in the language ("Monday", "Montag").
pub(crate) fn weekday_name(lang: Language, day: Weekday) -> String {
    // 1 January 2024 was a Monday.
    let monday = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    (monday + Duration::days(i64::from(day.num_days_from_monday())))
        .format_localized("%A", chrono_locale(lang))
        .to_string()
}

/// A month's name (1 to 12) in the language ("December", "Dezember"); empty for others.
pub(crate) fn month_name(lang: Language, month: u32) -> String {
    NaiveDate::from_ymd_opt(2024, month, 1)
        .map(|d| d.format_localized("%B", chrono_locale(lang)).to_string())
        .unwrap_or_default()
}

/// A date written out ("7 December 2026", "7. Dezember 2026").
fn long_date(lang: Language, date: NaiveDate) -> String {
    tr!(@lang lang, "%{day} %{month} %{year}",
        day = date.day(), month = month_name(lang, date.month()), year = date.year())
}

// --- views ---------------------------------------------------------------------------------

/// The overview's views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// A month as a grid of weeks.
    Month,
    /// A week as a timeline (hours down, days across).
    Week,
    /// A day as a timeline.
    Day,
    /// A week as a list by day.
    Agenda,
}

impl View {
    const ALL: [View; 4] = [View::Month, View::Week, View::Day, View::Agenda];

    /// Parses `month`, `week`, `day` or `agenda`.
    pub fn parse(text: &str) -> Option<View> {
        View::ALL.into_iter().find(|v| v.key() == text)
    }

    /// The query value.
    pub const fn key(self) -> &'static str {
        match self {
            View::Month => "month",
            View::Week => "week",
            View::Day => "day",
            View::Agenda => "agenda",
        }
    }

    const fn label(self) -> &'static str {
        match self {
            View::Month => n_!("Grid Month"),
            View::Week => n_!("Timeline Week"),
            View::Day => n_!("Timeline Day"),
            View::Agenda => n_!("Agenda Week"),
        }
    }

    /// The local days the view shows: `[first, end)`.
    pub fn days(self, date: NaiveDate) -> (NaiveDate, NaiveDate) {
        let monday =
            |d: NaiveDate| d - Duration::days(i64::from(d.weekday().num_days_from_monday()));
        match self {
            View::Month => {
                let first = date.with_day(1).unwrap_or(date);
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first);
                let last = next - Duration::days(1);
                (monday(first), monday(last) + Duration::days(7))
            }
            View::Week | View::Agenda => (monday(date), monday(date) + Duration::days(7)),
            View::Day => (date, date + Duration::days(1)),
        }
    }

    /// The date of the previous (`-1`) or next (`1`) page.
    fn step(self, date: NaiveDate, by: i32) -> NaiveDate {
        match self {
            View::Month => {
                let first = date.with_day(1).unwrap_or(date);
                if by < 0 {
                    first.checked_sub_months(chrono::Months::new(1))
                } else {
                    first.checked_add_months(chrono::Months::new(1))
                }
                .unwrap_or(first)
            }
            View::Week | View::Agenda => date + Duration::days(7 * i64::from(by)),
            View::Day => date + Duration::days(i64::from(by)),
        }
    }

    fn heading(self, date: NaiveDate, lang: Language) -> String {
        let (first, end) = self.days(date);
        let last = end - Duration::days(1);
        match self {
            View::Month => format!("{} {}", month_name(lang, date.month()), date.year()),
            View::Day => format!(
                "{}, {}",
                weekday_name(lang, date.weekday()),
                long_date(lang, date)
            ),
            View::Week | View::Agenda => tr!(@lang lang,
                "%{first_day} %{first_month} – %{last_day} %{last_month} %{year} #%{week}",
                first_day = first.day(),
                first_month = month_name(lang, first.month()),
                last_day = last.day(),
                last_month = month_name(lang, last.month()),
                year = last.year(),
                week = first.iso_week().week()
            ),
        }
    }
}

/// The UTC instants of local midnights `first` and `end` in `tz`.
pub fn utc_window(tz: Tz, first: NaiveDate, end: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    let midnight = |d: NaiveDate| resolve_local(&tz, d.and_time(chrono::NaiveTime::MIN)).to_utc();
    (midnight(first), midnight(end))
}

/// The value naming an occurrence in links and forms: its start as `YYYYMMDDTHHMMSSZ`.
pub fn occurrence_key(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn parse_occurrence(text: &str) -> Option<DateTime<Utc>> {
    NaiveDateTime::parse_from_str(text.trim(), "%Y%m%dT%H%M%SZ")
        .ok()
        .map(|at| at.and_utc())
}

/// The editor's link for an occurrence (series occurrences carry their start).
fn edit_link(o: &AppointmentOccurrence, view: View) -> String {
    let a = &o.appointment;
    if a.is_series() {
        format!(
            "/agent/calendar/appointments/{}?occurrence={}&view={}",
            a.id,
            occurrence_key(o.start),
            view.key()
        )
    } else {
        format!("/agent/calendar/appointments/{}?view={}", a.id, view.key())
    }
}

/// A coloured dot (an SVG attribute, which the style-free CSP allows).
fn dot(color: &str) -> Markup {
    html! {
        svg.dot width="10" height="10" viewBox="0 0 10 10" aria-hidden="true" {
            circle cx="5" cy="5" r="5" fill=(color) {}
        }
    }
}

/// A person's description of a rule, e.g. "every 2 weeks on Monday, Thursday; 10 times".
pub fn describe_rule(rule: &str, tz: Tz, lang: Language) -> String {
    let form = RuleForm::read(rule, tz);
    let Some(form) = form else {
        return tr!(@lang lang, "custom rule %{rule}", rule = rule);
    };
    let n = form.interval;
    let mut out = match (form.frequency, n > 1) {
        (RepeatFrequency::Daily, false) => tr!(@lang lang, "every day").into_owned(),
        (RepeatFrequency::Daily, true) => tr!(@lang lang, "every %{n} days", n = n),
        (RepeatFrequency::Weekly, false) => tr!(@lang lang, "every week").into_owned(),
        (RepeatFrequency::Weekly, true) => tr!(@lang lang, "every %{n} weeks", n = n),
        (RepeatFrequency::Monthly, false) => tr!(@lang lang, "every month").into_owned(),
        (RepeatFrequency::Monthly, true) => tr!(@lang lang, "every %{n} months", n = n),
        (RepeatFrequency::Yearly, false) => tr!(@lang lang, "every year").into_owned(),
        (RepeatFrequency::Yearly, true) => tr!(@lang lang, "every %{n} years", n = n),
    };
    if !form.weekdays.is_empty() {
        let names: Vec<String> = form
            .weekdays
            .iter()
            .map(|d| weekday_name(lang, *d))
            .collect();
        out = tr!(@lang lang, "%{rule} on %{days}", rule = out, days = names.join(", "));
    }
    if !form.month_days.is_empty() {
        let days: Vec<String> = form
            .month_days
            .iter()
            .map(|d| {
                if *d == -1 {
                    tr!(@lang lang, "the last day").into_owned()
                } else {
                    tr!(@lang lang, "day %{day}", day = d)
                }
            })
            .collect();
        out = tr!(@lang lang, "%{rule} on %{days}", rule = out, days = days.join(", "));
    }
    if let Some((nth, day)) = form.nth_weekday {
        let which = match nth {
            -1 => tr!(@lang lang, "last").into_owned(),
            n => format!("{}.", n),
        };
        out = tr!(@lang lang, "%{rule} on the %{nth} %{weekday}",
            rule = out, nth = which, weekday = weekday_name(lang, day));
    }
    if !form.months.is_empty() {
        let names: Vec<String> = form
            .months
            .iter()
            .map(|m| month_name(lang, u32::from(*m)))
            .collect();
        out = tr!(@lang lang, "%{rule} in %{months}", rule = out, months = names.join(", "));
    }
    match form.limit {
        RepeatLimit::Never => out,
        RepeatLimit::Count(n) => tr!(@lang lang, "%{rule}; %{count} times", rule = out, count = n),
        RepeatLimit::Until(d) => tr!(@lang lang, "%{rule}; until %{date}", rule = out, date = d),
    }
}

/// What the tooltip says about a series: the parent (∞) or a child (⛓).
fn series_note(
    o: &AppointmentOccurrence,
    rows: &BTreeMap<AppointmentId, &Appointment>,
    lang: Language,
) -> Option<(&'static str, String)> {
    let a = &o.appointment;
    if let Some(rule) = &a.rrule {
        let parent = o.recurrence_id == Some(a.start);
        let repeats = describe_rule(rule, a.time_zone, lang);
        return Some(if parent {
            (
                "∞",
                tr!(@lang lang, "∞ Repeating appointment (first of the series): repeats %{repeats}", repeats = repeats),
            )
        } else {
            (
                "⛓",
                tr!(@lang lang, "⛓ Occurrence of a repeating appointment: repeats %{repeats}", repeats = repeats),
            )
        });
    }
    if let Some(parent) = a.parent_id {
        let note = match rows.get(&parent).and_then(|p| {
            p.rrule
                .as_deref()
                .map(|r| describe_rule(r, p.time_zone, lang))
        }) {
            Some(repeats) => tr!(@lang lang,
                "⛓ Changed occurrence of a repeating appointment: the series repeats %{repeats}",
                repeats = repeats),
            None => tr!(@lang lang, "⛓ Changed occurrence of a repeating appointment").into_owned(),
        };
        return Some(("⛓", note));
    }
    None
}

/// Everything one rendering of a view needs (no desk, no I/O: the benchmark renders it too).
#[derive(Debug)]
pub struct ViewData<'a> {
    /// Which view.
    pub view: View,
    /// The day the page is about.
    pub date: NaiveDate,
    /// Today in the agent's zone.
    pub today: NaiveDate,
    /// The agent's zone.
    pub tz: Tz,
    /// The visible calendars (for colours and names).
    pub calendars: &'a [Calendar],
    /// The occurrences inside the view's window, by start.
    pub occurrences: &'a [AppointmentOccurrence],
    /// The language of the page.
    pub lang: Language,
}

impl ViewData<'_> {
    fn local(&self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.tz).naive_local()
    }

    fn color(&self, id: CalendarId) -> &str {
        self.calendars
            .iter()
            .find(|c| c.id == id)
            .map_or("#888888", |c| c.color.as_str())
    }

    fn calendar_name(&self, id: CalendarId) -> &str {
        self.calendars
            .iter()
            .find(|c| c.id == id)
            .map_or("", |c| c.name.as_str())
    }

    /// True when the occurrence covers part of the local day.
    fn on_day(&self, o: &AppointmentOccurrence, day: NaiveDate) -> bool {
        let (from, to) = utc_window(self.tz, day, day + Duration::days(1));
        o.start < to && (o.end > from || o.start == from)
    }

    /// Shown in the all-day row of a timeline: all-day and multi-day appointments.
    fn is_long(&self, o: &AppointmentOccurrence) -> bool {
        o.appointment.all_day
            || self.local(o.start).date() != self.local(o.end - Duration::seconds(1)).date()
    }

    fn time_range(&self, o: &AppointmentOccurrence) -> String {
        if o.appointment.all_day {
            return tr!(self, "All day").into_owned();
        }
        let (s, e) = (self.local(o.start), self.local(o.end));
        if s.date() == e.date() {
            format!("{} – {}", s.format("%H:%M"), e.format("%H:%M"))
        } else {
            format!(
                "{} – {}",
                s.format("%Y-%m-%d %H:%M"),
                e.format("%Y-%m-%d %H:%M")
            )
        }
    }

    fn tooltip(
        &self,
        o: &AppointmentOccurrence,
        rows: &BTreeMap<AppointmentId, &Appointment>,
    ) -> String {
        let a = &o.appointment;
        let s = self.local(o.start);
        let mut lines = vec![
            a.title.clone(),
            format!("{} {}", s.format("%Y-%m-%d"), self.time_range(o)),
            tr!(
                self,
                "Calendar: %{name}",
                name = self.calendar_name(a.calendar_id)
            ),
        ];
        if !a.location.is_empty() {
            lines.push(tr!(self, "Location: %{location}", location = a.location));
        }
        if let Some((_, note)) = series_note(o, rows, self.lang) {
            lines.push(note);
        }
        lines.join("\n")
    }

    fn chip(
        &self,
        o: &AppointmentOccurrence,
        rows: &BTreeMap<AppointmentId, &Appointment>,
        with_time: bool,
    ) -> Markup {
        let a = &o.appointment;
        let symbol = series_note(o, rows, self.lang).map(|(s, _)| s);
        let start_local = self.local(o.start);
        html! {
            a.appt href=(edit_link(o, self.view)) title=(self.tooltip(o, rows)) draggable="true"
                data-id=(a.id) data-occurrence=(occurrence_key(o.start))
                data-series=(if a.is_series() { "1" } else { "0" })
                data-start=(start_local.format("%Y-%m-%dT%H:%M")) {
                (dot(self.color(a.calendar_id)))
                @if with_time && !a.all_day { " " span.appt-time { (start_local.format("%H:%M")) } }
                " " span.appt-title { (a.title) }
                @if let Some(s) = symbol {
                    " "
                    span.appt-rec {
                        // Fonts often lack the chain sign: draw it, and keep the sign for
                        // screen readers and copies of the text.
                        @if s == "⛓" {
                            svg width="14" height="10" viewBox="0 0 16 10" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2" {
                                rect x="1" y="2" width="8" height="6" rx="3" {}
                                rect x="7" y="2" width="8" height="6" rx="3" {}
                            }
                            span.sr-only { (s) }
                        } @else { (s) }
                    }
                }
            }
        }
    }

    /// The view's body.
    pub fn render(&self) -> Markup {
        let rows: BTreeMap<AppointmentId, &Appointment> = self
            .occurrences
            .iter()
            .map(|o| (o.appointment.id, o.appointment.as_ref()))
            .collect();
        match self.view {
            View::Month => self.month(&rows),
            View::Week | View::Day => self.timeline(&rows),
            View::Agenda => self.agenda(&rows),
        }
    }

    /// The occurrences of each local day of `[first, end)`.
    fn by_day(
        &self,
        first: NaiveDate,
        end: NaiveDate,
    ) -> BTreeMap<NaiveDate, Vec<&AppointmentOccurrence>> {
        let mut out: BTreeMap<NaiveDate, Vec<&AppointmentOccurrence>> = BTreeMap::new();
        for o in self.occurrences {
            let mut day = self.local(o.start).date().max(first);
            let last = if o.end > o.start {
                self.local(o.end - Duration::seconds(1)).date()
            } else {
                day
            };
            while day <= last && day < end {
                if self.on_day(o, day) {
                    out.entry(day).or_default().push(o);
                }
                day += Duration::days(1);
            }
        }
        out
    }

    fn month(&self, rows: &BTreeMap<AppointmentId, &Appointment>) -> Markup {
        let (first, end) = self.view.days(self.date);
        let by_day = self.by_day(first, end);
        let weeks = (end - first).num_days() / 7;
        let empty = Vec::new();
        html! {
            table.cal-month aria-label=(self.view.heading(self.date, self.lang)) {
                thead { tr { @for d in WEEKDAYS { th scope="col" { (weekday_name(self.lang, d)) } } } }
                tbody {
                    @for w in 0..weeks {
                        tr {
                            @for i in 0..7 {
                                @let day = first + Duration::days(w * 7 + i);
                                @let list = by_day.get(&day).unwrap_or(&empty);
                                td.cal-day.other[day.month() != self.date.month()].today[day == self.today]
                                    data-date=(day) {
                                    div.day-head {
                                        a.day-num href={ (OVERVIEW) "?view=day&date=" (day) } { (day.day()) }
                                        a.add href={ "/agent/calendar/appointments/new?date=" (day) }
                                            aria-label=(tr!(self, "Add appointment on %{date}", date = day)) title=(tr!(self, "Add appointment")) { "+" }
                                    }
                                    @if !list.is_empty() {
                                        ul.appts { @for o in list { li { (self.chip(o, rows, true)) } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn timeline(&self, rows: &BTreeMap<AppointmentId, &Appointment>) -> Markup {
        let (first, end) = self.view.days(self.date);
        let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d < end).collect();
        let by_day = self.by_day(first, end);
        let mut by_hour: BTreeMap<(NaiveDate, u32), Vec<&AppointmentOccurrence>> = BTreeMap::new();
        let mut long: BTreeMap<NaiveDate, Vec<&AppointmentOccurrence>> = BTreeMap::new();
        for (day, list) in &by_day {
            for o in list {
                if self.is_long(o) {
                    long.entry(*day).or_default().push(o);
                } else {
                    let s = self.local(o.start);
                    by_hour.entry((s.date(), s.hour())).or_default().push(o);
                }
            }
        }
        html! {
            table.cal-timeline.one-day[days.len() == 1] aria-label=(self.view.heading(self.date, self.lang)) {
                thead { tr {
                    th scope="col" { span.sr-only { (tr!(self, "Time")) } }
                    @for d in &days {
                        th scope="col" .today[*d == self.today] {
                            a href={ (OVERVIEW) "?view=day&date=" (d) } { (weekday_name(self.lang, d.weekday())) " " (d.day()) "." }
                        }
                    }
                } }
                tbody {
                    tr.allday {
                        th scope="row" { (tr!(self, "All day")) }
                        @for d in &days {
                            td data-date=(d) {
                                @if let Some(list) = long.get(d) {
                                    ul.appts { @for o in list { li { (self.chip(o, rows, false)) } } }
                                }
                            }
                        }
                    }
                    @for h in 0..24u32 {
                        tr {
                            th scope="row" { (format!("{h:02}:00")) }
                            @for d in &days {
                                td.slot data-date=(d) data-hour=(h) data-start={ (d) "T" (format!("{h:02}")) ":00" } {
                                    @if let Some(list) = by_hour.get(&(*d, h)) {
                                        ul.appts { @for o in list { li {
                                            (self.chip(o, rows, true))
                                            span.appt-range { (self.time_range(o)) }
                                        } } }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn agenda(&self, rows: &BTreeMap<AppointmentId, &Appointment>) -> Markup {
        let (first, end) = self.view.days(self.date);
        let by_day = self.by_day(first, end);
        html! {
            div.cal-agenda {
                @if by_day.is_empty() { p.muted { (tr!(self, "No appointments in this week.")) } }
                @for (day, list) in &by_day {
                    section.agenda-day data-date=(day) {
                        h3 { span { (weekday_name(self.lang, day.weekday())) } " " span.muted { (long_date(self.lang, *day)) } }
                        ul.plain {
                            @for o in list {
                                li { span.agenda-time { (self.time_range(o)) } " " (self.chip(o, rows, false)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

// --- overview page --------------------------------------------------------------------------

fn hidden_calendars(ctx: &UiCtx) -> BTreeSet<u64> {
    prefs::load(&ctx.agent, HIDDEN_KEY, BTreeSet::new)
}

fn today(state_now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    state_now.with_timezone(&tz).date_naive()
}

/// Reads `view` and `date` (defaults: the month of today).
fn view_and_date(query: &Fields, today: NaiveDate) -> (View, NaiveDate) {
    let view = query
        .get("view")
        .and_then(View::parse)
        .unwrap_or(View::Month);
    let date = query
        .get("date")
        .and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .unwrap_or(today);
    (view, date)
}

fn page_link(view: View, date: NaiveDate) -> String {
    format!("{OVERVIEW}?view={}&date={date}", view.key())
}

/// The visible calendars, and the occurrences of the shown ones inside `[first, end)`.
async fn load_window<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    first: NaiveDate,
    end: NaiveDate,
) -> Result<(Vec<Calendar>, Vec<AppointmentOccurrence>), ApiError> {
    let calendars: Vec<Calendar> = state
        .desk()
        .calendars(ctx.principal())
        .await?
        .into_iter()
        .filter(|c| c.validity.is_valid())
        .collect();
    let hidden = hidden_calendars(ctx);
    let (from, to) = utc_window(ctx.tz, first, end);
    let occurrences = state
        .desk()
        .occurrences(ctx.principal(), from, to, None)
        .await?
        .into_iter()
        .filter(|o| !hidden.contains(&o.appointment.calendar_id.0))
        .collect();
    Ok((calendars, occurrences))
}

fn sidebar(
    ctx: &UiCtx,
    calendars: &[Calendar],
    filter: &str,
    view: View,
    date: NaiveDate,
) -> Markup {
    let hidden = hidden_calendars(ctx);
    let needle = filter.trim().to_lowercase();
    html! {
        aside.cal-sidebar aria-labelledby="calendars-title" {
            h2 #calendars-title { (tr!(ctx, "Calendars")) }
            form.cal-filter method="get" action=(OVERVIEW) role="search" {
                input type="hidden" name="view" value=(view.key());
                input type="hidden" name="date" value=(date);
                label.sr-only for="calendar-filter" { (tr!(ctx, "Filter calendars")) }
                input #calendar-filter type="search" name="filter" value=(filter) placeholder=(tr!(ctx, "Start typing to filter…"));
                noscript { button type="submit" { (tr!(ctx, "Filter")) } }
            }
            @if calendars.is_empty() {
                p.muted { (tr!(ctx, "No calendars found. Please ask an administrator to add one.")) }
            } @else {
                form #calendar-visibility method="post" action="/agent/calendar/visibility" {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    input type="hidden" name="view" value=(view.key());
                    input type="hidden" name="date" value=(date);
                    ul.plain.cal-list {
                        @for c in calendars {
                            @let shown = !hidden.contains(&c.id.0);
                            @let matches = needle.is_empty() || c.name.to_lowercase().contains(&needle);
                            li data-name=(c.name.to_lowercase()) hidden[!matches] {
                                input type="hidden" name="listed" value=(c.id);
                                label {
                                    input type="checkbox" name="show" value=(c.id) checked[shown];
                                    " " (dot(&c.color)) " " (c.name)
                                }
                                span.grow {}
                                a.feed href={ "/calendars/feed/" (c.feed_token) ".ics" }
                                    title=(tr!(ctx, "Public calendar URL (iCalendar): copy it into an external calendar application"))
                                    aria-label=(tr!(ctx, "Public calendar URL of %{calendar}", calendar = c.name)) { "iCal" }
                            }
                        }
                    }
                    button type="submit" .js-hide { (tr!(ctx, "Apply")) }
                }
            }
        }
    }
}

pub(crate) async fn overview<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let today = today(state.desk().now(), ctx.tz);
    let (view, date) = view_and_date(&query, today);
    let (first, end) = view.days(date);
    let (calendars, occurrences) = match load_window(&state, &ctx, first, end).await {
        Ok(loaded) => loaded,
        Err(e) => {
            return crate::ui::ticket::problem_page(&state, &ctx, n_!("Calendar Overview"), &e)
                .await;
        }
    };
    let data = ViewData {
        view,
        date,
        today,
        tz: ctx.tz,
        calendars: &calendars,
        occurrences: &occurrences,
        lang: ctx.lang,
    };
    let left = html! {
        a.button href=(page_link(view, view.step(date, -1))) rel="prev" { (tr!(ctx, "Previous")) }
        a.button href=(page_link(view, today)) { (tr!(ctx, "Today")) }
        a.button href=(page_link(view, view.step(date, 1))) rel="next" { (tr!(ctx, "Next")) }
        strong.cal-heading { (view.heading(date, ctx.lang)) }
    };
    let right = html! {
        nav.cal-views aria-label=(tr!(ctx, "Views")) {
            @for v in View::ALL {
                a.button href=(page_link(v, date)) aria-current=[(v == view).then_some("page")] { (translate_dyn(ctx.lang, v.label())) }
            }
        }
        a.button.primary href={ "/agent/calendar/appointments/new?date=" (date) } { (tr!(ctx, "+ Add Appointment")) }
    };
    let title = tr!(ctx, "Calendar Overview");
    let crumbs = Crumbs {
        path: vec![(title.to_string(), None)],
        left: Some(left),
        right: Some(right),
        ..Crumbs::default()
    };
    let notice = query.get("done").map(|d| match d {
        "saved" => tr!(ctx, "The appointment was saved."),
        "deleted" => tr!(ctx, "The appointment was deleted."),
        "occurrence-deleted" => tr!(ctx, "The occurrence was deleted."),
        _ => tr!(ctx, "Done."),
    });
    let body = html! {
        @if let Some(n) = notice { p.notice role="status" { (n) } }
        div.cal-layout {
            (sidebar(&ctx, &calendars, query.get("filter").unwrap_or(""), view, date))
            section.cal-main #calendar data-csrf=(ctx.csrf) data-view=(view.key()) data-tz=(ctx.tz.name())
                data-move-failed=(tr!(ctx, "The appointment was not moved:")) {
                p.muted.cal-tz { (tr!(ctx, "Times in %{zone}.", zone = ctx.tz.name())) }
                // The question the script asks when an occurrence of a series is dragged.
                template #cal-move-question {
                    p { strong { (tr!(ctx, "This is a repeating appointment")) } }
                    p { (tr!(ctx, "Would you like to move just this occurrence or all occurrences?")) }
                    p.buttons {
                        button type="button" value="cancel" { (tr!(ctx, "Cancel")) }
                        " " button.primary type="button" value="occurrence" { (tr!(ctx, "Just This Occurrence")) }
                        " " button.primary type="button" value="all" { (tr!(ctx, "All Occurrences")) }
                    }
                }
                (data.render())
            }
        }
    };
    agent_page(&state, &ctx, &title, crumbs, body).await
}

/// Saves the show/hide checkboxes: calendars listed on the form and not ticked are hidden.
pub(crate) async fn visibility<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let mut hidden = hidden_calendars(&ctx);
    let parse = |v: &str| v.trim().parse::<u64>().ok();
    let shown: BTreeSet<u64> = form.all("show").into_iter().filter_map(parse).collect();
    for id in form.all("listed").into_iter().filter_map(parse) {
        if shown.contains(&id) {
            hidden.remove(&id);
        } else {
            hidden.insert(id);
        }
    }
    if let Err(e) = prefs::save(&state, &ctx.agent, HIDDEN_KEY, Some(&hidden)).await {
        return crate::ui::ticket::problem_page(&state, &ctx, n_!("Calendar Overview"), &e).await;
    }
    let today = today(state.desk().now(), ctx.tz);
    let (view, date) = view_and_date(&form, today);
    see_other(&page_link(view, date))
}

// --- the editor's repeat settings -----------------------------------------------------------

/// An `RRULE` as the editor's settings; `None` for rules the editor cannot show (they are kept
/// as they are unless the agent picks another repeat).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RuleForm {
    frequency: RepeatFrequency,
    interval: u16,
    weekdays: Vec<Weekday>,
    month_days: Vec<i8>,
    nth_weekday: Option<(i8, Weekday)>,
    months: Vec<u8>,
    limit: RepeatLimit,
}

impl RuleForm {
    fn read(rule: &str, tz: Tz) -> Option<RuleForm> {
        let mut form = RuleForm {
            frequency: RepeatFrequency::Daily,
            interval: 1,
            weekdays: Vec::new(),
            month_days: Vec::new(),
            nth_weekday: None,
            months: Vec::new(),
            limit: RepeatLimit::Never,
        };
        let mut freq = None;
        for part in rule
            .trim()
            .trim_start_matches("RRULE:")
            .split(';')
            .filter(|p| !p.is_empty())
        {
            let (name, value) = part.split_once('=')?;
            match name {
                "FREQ" => freq = Some(RepeatFrequency::from_name(value)?),
                "INTERVAL" => form.interval = value.parse().ok()?,
                "COUNT" => form.limit = RepeatLimit::Count(value.parse().ok()?),
                "UNTIL" => {
                    let date = if let Some(utc) = value.strip_suffix('Z') {
                        NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S")
                            .ok()?
                            .and_utc()
                            .with_timezone(&tz)
                            .date_naive()
                    } else {
                        NaiveDate::parse_from_str(value.get(..8)?, "%Y%m%d").ok()?
                    };
                    form.limit = RepeatLimit::Until(date);
                }
                "BYMONTHDAY" => {
                    for d in value.split(',') {
                        form.month_days.push(d.parse().ok()?);
                    }
                }
                "BYMONTH" => {
                    for m in value.split(',') {
                        form.months.push(m.parse().ok()?);
                    }
                }
                "BYDAY" => {
                    for d in value.split(',') {
                        let code = d.get(d.len().checked_sub(2)?..)?;
                        let day = otrs_core::calendar::recurrence::weekday_from_code(code)?;
                        let nth = &d[..d.len() - 2];
                        if nth.is_empty() {
                            form.weekdays.push(day);
                        } else {
                            if form.nth_weekday.is_some() {
                                return None;
                            }
                            form.nth_weekday = Some((nth.parse().ok()?, day));
                        }
                    }
                }
                _ => return None,
            }
        }
        form.frequency = freq?;
        let fits = match form.frequency {
            RepeatFrequency::Daily => {
                form.weekdays.is_empty()
                    && form.month_days.is_empty()
                    && form.nth_weekday.is_none()
                    && form.months.is_empty()
            }
            RepeatFrequency::Weekly => {
                form.month_days.is_empty() && form.nth_weekday.is_none() && form.months.is_empty()
            }
            RepeatFrequency::Monthly => form.weekdays.is_empty() && form.months.is_empty(),
            RepeatFrequency::Yearly => {
                form.weekdays.is_empty() && form.month_days.is_empty() && form.nth_weekday.is_none()
            }
        };
        fits.then_some(form)
    }

    fn is_plain(&self) -> bool {
        self.interval == 1
            && self.weekdays.is_empty()
            && self.month_days.is_empty()
            && self.nth_weekday.is_none()
            && self.months.is_empty()
    }

    /// The form fields showing these settings.
    fn fields(&self, out: &mut Vec<(String, String)>) {
        let mut push = |k: &str, v: String| out.push((k.to_owned(), v));
        let freq = freq_key(self.frequency);
        if self.is_plain() {
            push("repeat", freq.into());
        } else {
            push("repeat", "custom".into());
        }
        push("custom_frequency", freq.into());
        push("interval", self.interval.to_string());
        for d in &self.weekdays {
            push("weekday", weekday_code(*d).into());
        }
        for d in &self.month_days {
            push("month_day", d.to_string());
        }
        if let Some((nth, day)) = self.nth_weekday {
            push("monthly_mode", "nth".into());
            push("nth", nth.to_string());
            push("nth_weekday", weekday_code(day).into());
        }
        for m in &self.months {
            push("month", m.to_string());
        }
        match self.limit {
            RepeatLimit::Never => push("limit", "never".into()),
            RepeatLimit::Count(n) => {
                push("limit", "count".into());
                push("count", n.to_string());
            }
            RepeatLimit::Until(d) => {
                push("limit", "until".into());
                push("until", d.to_string());
            }
        }
    }
}

fn freq_key(f: RepeatFrequency) -> &'static str {
    match f {
        RepeatFrequency::Daily => "daily",
        RepeatFrequency::Weekly => "weekly",
        RepeatFrequency::Monthly => "monthly",
        RepeatFrequency::Yearly => "yearly",
    }
}

/// The repeat the form asks for: no change (`keep`), never, or a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
enum RepeatChoice {
    Keep,
    Never,
    Rule(String),
}

/// Field errors by form field, and an error that belongs to no field.
#[derive(Debug, Default)]
struct Errors {
    fields: BTreeMap<String, String>,
    general: Option<String>,
}

impl Errors {
    fn field(&mut self, name: &str, message: impl Into<String>) {
        self.fields
            .entry(name.to_owned())
            .or_insert_with(|| message.into());
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// Puts a desk error at the form fields it names.
    fn add_desk(&mut self, error: DeskError) {
        match error {
            DeskError::Invalid(list) => {
                for e in list.0 {
                    let name = match e.field.as_str() {
                        "rrule" => "repeat",
                        "notify_minutes_before" => "notify",
                        "calendar" | "calendar_id" => "calendar",
                        "title" | "description" | "location" | "time_zone" | "start" | "end" => {
                            e.field.as_str()
                        }
                        _ => {
                            self.general = Some(format!("{}: {}", e.field, e.message));
                            continue;
                        }
                    };
                    self.field(name, e.message);
                }
            }
            other => self.general = Some(message_of(&ApiError::from(other))),
        }
    }

    fn at(&self, name: &str) -> Markup {
        html! {
            @if let Some(m) = self.fields.get(name) {
                span.field-error id={ "err-" (name) } role="alert" { (m) }
            }
        }
    }

    fn invalid(&self, name: &str) -> Option<&'static str> {
        self.fields.contains_key(name).then_some("true")
    }
}

/// The form's values, read and checked (everything the desk does not check itself).
#[derive(Debug)]
struct Parsed {
    calendar: Option<CalendarId>,
    title: String,
    description: String,
    location: String,
    all_day: bool,
    start: NaiveDateTime,
    end: NaiveDateTime,
    time_zone: String,
    repeat: RepeatChoice,
    notify: Option<u32>,
    tickets: Vec<String>,
}

fn parse_form(form: &Fields, errors: &mut Errors, lang: Language) -> Option<Parsed> {
    let calendar = match form
        .get("calendar")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        None => None,
        Some(v) => match v.parse::<u64>() {
            Ok(id) => Some(CalendarId(id)),
            Err(_) => {
                errors.field("calendar", tr!(@lang lang, "choose a calendar"));
                None
            }
        },
    };
    let all_day = form.has("all_day");
    let mut wall = |name: &str| {
        let text = form.text(name);
        match parse_wall(&text) {
            Some(at) => Some(at),
            None => {
                errors.field(
                    name,
                    if text.is_empty() {
                        tr!(@lang lang, "is required").into_owned()
                    } else {
                        tr!(@lang lang, "%{text} is not a date and time (YYYY-MM-DDTHH:MM)", text = format!("{text:?}"))
                    },
                );
                None
            }
        }
    };
    let start = wall("start");
    let end = wall("end");
    let time_zone = form.text("time_zone");
    let tz: Option<Tz> = time_zone.parse().ok();
    if tz.is_none() {
        errors.field(
            "time_zone",
            tr!(@lang lang, "%{zone} is not a known IANA time zone", zone = format!("{time_zone:?}")),
        );
    }
    let notify = match form.get("notify").map(str::trim).unwrap_or("") {
        "" => None,
        "custom" => match form.number::<u32>("notify_custom") {
            Ok(Some(n)) => Some(n),
            Ok(None) => {
                errors.field(
                    "notify",
                    tr!(@lang lang, "enter the minutes before the start"),
                );
                None
            }
            Err(e) => {
                errors.field("notify", message_of(&e));
                None
            }
        },
        v => {
            match v.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.field("notify", tr!(@lang lang, "%{value} is not a reminder choice", value = format!("{v:?}")));
                    None
                }
            }
        }
    };
    let repeat = match (start, tz) {
        (Some(start), Some(tz)) => repeat_choice(form, start, all_day, tz, errors, lang),
        _ => RepeatChoice::Keep,
    };
    let tickets = form
        .text("tickets")
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    Some(Parsed {
        calendar,
        title: form.text("title"),
        description: form.get("description").unwrap_or("").replace("\r\n", "\n"),
        location: form.text("location"),
        all_day,
        start: start?,
        end: end?,
        time_zone,
        repeat,
        notify,
        tickets,
    })
}

fn repeat_choice(
    form: &Fields,
    start: NaiveDateTime,
    all_day: bool,
    tz: Tz,
    errors: &mut Errors,
    lang: Language,
) -> RepeatChoice {
    let kind = form.get("repeat").map(str::trim).unwrap_or("never");
    let frequency = match kind {
        "keep" => return RepeatChoice::Keep,
        "never" | "" => return RepeatChoice::Never,
        "custom" => form
            .get("custom_frequency")
            .and_then(RepeatFrequency::from_name),
        other => RepeatFrequency::from_name(other),
    };
    let Some(frequency) = frequency else {
        errors.field(
            "repeat",
            tr!(@lang lang, "%{value} is not a repeat choice", value = format!("{kind:?}")),
        );
        return RepeatChoice::Keep;
    };
    let mut repeat = Repeat::every(frequency);
    if kind == "custom" {
        match form.number::<u16>("interval") {
            Ok(Some(n)) => repeat.interval = n,
            Ok(None) => {}
            Err(e) => errors.field("interval", message_of(&e)),
        }
        match frequency {
            RepeatFrequency::Daily => {}
            RepeatFrequency::Weekly => {
                repeat.weekdays = form
                    .all("weekday")
                    .into_iter()
                    .filter_map(otrs_core::calendar::recurrence::weekday_from_code)
                    .collect();
            }
            RepeatFrequency::Monthly => {
                if form.get("monthly_mode") == Some("nth") {
                    let nth = form.get("nth").and_then(|v| v.trim().parse::<i8>().ok());
                    let day = form
                        .get("nth_weekday")
                        .and_then(otrs_core::calendar::recurrence::weekday_from_code);
                    match (nth, day) {
                        (Some(n), Some(d)) => repeat.nth_weekday = Some((n, d)),
                        _ => errors.field(
                            "month_day",
                            tr!(@lang lang, "choose which weekday of the month"),
                        ),
                    }
                } else {
                    for d in form.all("month_day") {
                        match d.trim().parse::<i8>() {
                            Ok(n) => repeat.month_days.push(n),
                            Err(_) => errors.field(
                                "month_day",
                                tr!(@lang lang, "%{value} is not a day of the month", value = format!("{d:?}")),
                            ),
                        }
                    }
                }
            }
            RepeatFrequency::Yearly => {
                for m in form.all("month") {
                    match m.trim().parse::<u8>() {
                        Ok(n) => repeat.months.push(n),
                        Err(_) => errors.field(
                            "months",
                            tr!(@lang lang, "%{value} is not a month", value = format!("{m:?}")),
                        ),
                    }
                }
            }
        }
    }
    match form.get("limit").map(str::trim).unwrap_or("never") {
        "until" => match NaiveDate::parse_from_str(&form.text("until"), "%Y-%m-%d") {
            Ok(d) => repeat.limit = RepeatLimit::Until(d),
            Err(_) => errors.field("until", tr!(@lang lang, "enter the last date (YYYY-MM-DD)")),
        },
        "count" => match form.number::<u32>("count") {
            Ok(Some(n)) => repeat.limit = RepeatLimit::Count(n),
            Ok(None) => errors.field("count", tr!(@lang lang, "enter how many times")),
            Err(e) => errors.field("count", message_of(&e)),
        },
        _ => {}
    }
    match repeat.to_rrule(start, all_day, tz) {
        Ok(rule) => RepeatChoice::Rule(rule),
        Err((field, message)) => {
            let name = match field {
                "repeat.weekdays" => "weekday",
                "repeat.month_days" | "repeat.nth_weekday" => "month_day",
                "repeat.months" => "months",
                "repeat.interval" => "interval",
                "repeat.limit" => "limit",
                _ => "repeat",
            };
            errors.field(name, message);
            RepeatChoice::Keep
        }
    }
}

// --- the editor -----------------------------------------------------------------------------

/// What the editor edits.
#[derive(Debug, Clone)]
enum Target {
    /// A new appointment.
    New,
    /// A row: a single appointment, a whole series or a detached occurrence.
    Row(Appointment),
    /// One occurrence of a series (starting at this instant).
    Occurrence(Appointment, DateTime<Utc>),
}

impl Target {
    fn row(&self) -> Option<&Appointment> {
        match self {
            Target::New => None,
            Target::Row(a) | Target::Occurrence(a, _) => Some(a),
        }
    }

    fn action(&self) -> String {
        match self.row() {
            None => "/agent/calendar/appointments/new".into(),
            Some(a) => format!("/agent/calendar/appointments/{}", a.id),
        }
    }
}

fn wall_text(at: NaiveDateTime) -> String {
    at.format("%Y-%m-%dT%H:%M").to_string()
}

/// The form fields showing a row (or one occurrence of it).
fn row_fields(row: &Appointment, occurrence: Option<DateTime<Utc>>) -> Fields {
    let tz = row.time_zone;
    let (start, end) = match occurrence {
        Some(at) => {
            let wall = at.with_timezone(&tz).naive_local();
            (wall, wall + row.duration())
        }
        None => (row.start, row.end),
    };
    // An all-day appointment's stored end is the day after its last day.
    let end = if row.all_day {
        end - Duration::days(1)
    } else {
        end
    };
    let mut out = vec![
        ("calendar".to_owned(), row.calendar_id.to_string()),
        ("title".into(), row.title.clone()),
        ("description".into(), row.description.clone()),
        ("location".into(), row.location.clone()),
        ("start".into(), wall_text(start)),
        ("end".into(), wall_text(end)),
        ("time_zone".into(), tz.name().to_owned()),
        ("version".into(), row.version.to_string()),
    ];
    if row.all_day {
        out.push(("all_day".into(), "1".into()));
    }
    match &row.rrule {
        None => out.push(("repeat".into(), "never".into())),
        Some(rule) => match RuleForm::read(rule, tz) {
            Some(form) => form.fields(&mut out),
            None => out.push(("repeat".into(), "keep".into())),
        },
    }
    match row.notify_minutes_before {
        None => {}
        Some(n) if NOTIFY_CHOICES.iter().any(|(m, _)| *m == n) => {
            out.push(("notify".into(), n.to_string()));
        }
        Some(n) => {
            out.push(("notify".into(), "custom".into()));
            out.push(("notify_custom".into(), n.to_string()));
        }
    }
    Fields(out)
}

struct EditorPage<'a> {
    target: &'a Target,
    form: &'a Fields,
    errors: &'a Errors,
    calendars: &'a [Calendar],
    tickets: &'a [otrs_core::model::Ticket],
    parent: Option<&'a Appointment>,
    notice: Option<&'a str>,
}

fn checked_value(form: &Fields, name: &str, value: &str) -> bool {
    form.all(name).contains(&value)
}

fn editor(ctx: &UiCtx, p: &EditorPage<'_>) -> Markup {
    let form = p.form;
    let errors = p.errors;
    let occurrence = match p.target {
        Target::Occurrence(_, at) => Some(*at),
        _ => None,
    };
    let single_occurrence =
        occurrence.is_some() || p.target.row().is_some_and(Appointment::is_detached);
    let view = form.get("view").unwrap_or("week");
    let repeat = form.get("repeat").unwrap_or("never");
    let freq = form.get("custom_frequency").unwrap_or("weekly");
    let limit = form.get("limit").unwrap_or("never");
    let notify = form.get("notify").unwrap_or("");
    let location = form.text("location");
    let zone = form.text("time_zone");
    html! {
        @if let Some(n) = p.notice { p.notice role="status" { (n) } }
        @if let Some(g) = &errors.general { p.error role="alert" { (g) } }
        @if let Some(at) = occurrence {
            p.note role="note" {
                (tr!(ctx, "You are editing just this occurrence (%{when}) of a repeating appointment; the series will skip it and show your changed occurrence instead. Its repeat settings belong to the series:", when = ctx.time(at)))
                " " a href={ (p.target.action()) "?occurrence=" (occurrence_key(at)) "&scope=all&view=" (view) } { (tr!(ctx, "edit all occurrences")) } "."
            }
        }
        @if let (Some(row), Some(parent)) = (p.target.row(), p.parent) {
            @if row.is_detached() {
                p.note role="note" {
                    (tr!(ctx, "⛓ This occurrence of a repeating appointment was changed on its own.")) " "
                    a href={ "/agent/calendar/appointments/" (parent.id) "?view=" (view) } { (tr!(ctx, "Open the series “%{title}”", title = parent.title)) } "."
                }
            }
        }
        form.stack.appointment method="post" action=(p.target.action()) novalidate {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            input type="hidden" name="view" value=(view);
            @if let Some(v) = form.get("version") { input type="hidden" name="version" value=(v); }
            @if let Some(at) = occurrence {
                input type="hidden" name="scope" value="occurrence";
                input type="hidden" name="occurrence" value=(occurrence_key(at));
            }
            fieldset {
                legend { (tr!(ctx, "Basic Information")) }
                div {
                    label for="calendar" { (tr!(ctx, "Calendar")) " *" }
                    select #calendar name="calendar" disabled[single_occurrence] aria-invalid=[errors.invalid("calendar")] {
                        @for c in p.calendars {
                            option value=(c.id) selected[form.get("calendar") == Some(c.id.to_string().as_str())] { (c.name) }
                        }
                    }
                    @if single_occurrence {
                        @if let Some(v) = form.get("calendar") { input type="hidden" name="calendar" value=(v); }
                    }
                    (errors.at("calendar"))
                }
                div {
                    label for="title" { (tr!(ctx, "Title")) " *" }
                    input #title name="title" required maxlength="255" value=(form.text("title")) aria-invalid=[errors.invalid("title")];
                    (errors.at("title"))
                }
                div {
                    label for="description" { (tr!(ctx, "Description")) }
                    textarea #description name="description" aria-invalid=[errors.invalid("description")] { (form.get("description").unwrap_or("")) }
                    (errors.at("description"))
                }
                div {
                    label for="location" { (tr!(ctx, "Location")) }
                    input #location name="location" maxlength="255" value=(location) aria-invalid=[errors.invalid("location")];
                    @if !location.is_empty() {
                        " " a.map-link href={ (MAP_SEARCH) (form_urlencoded::byte_serialize(location.as_bytes()).collect::<String>()) }
                            target="_blank" rel="noopener noreferrer" title=(tr!(ctx, "Show the location on a map")) { "🗺 " (tr!(ctx, "Map")) }
                    }
                    (errors.at("location"))
                }
            }
            fieldset {
                legend { (tr!(ctx, "Date & Time")) }
                div {
                    label { input #all_day type="checkbox" name="all_day" value="1" checked[form.has("all_day")]; " " (tr!(ctx, "All day")) }
                }
                div.form-grid {
                    div {
                        label for="start" { (tr!(ctx, "Start")) " *" }
                        input #start type="datetime-local" name="start" value=(form.text("start")) aria-invalid=[errors.invalid("start")];
                        (errors.at("start"))
                    }
                    div {
                        label for="end" { (tr!(ctx, "End")) " *" }
                        input #end type="datetime-local" name="end" value=(form.text("end")) aria-invalid=[errors.invalid("end")];
                        (errors.at("end"))
                    }
                    div {
                        label for="time_zone" { (tr!(ctx, "Time zone")) " *" }
                        select #time_zone name="time_zone" aria-invalid=[errors.invalid("time_zone")] {
                            @for tz in chrono_tz::TZ_VARIANTS {
                                option value=(tz.name()) selected[tz.name() == zone] { (tz.name()) }
                            }
                        }
                        (errors.at("time_zone"))
                    }
                }
                p.note { (tr!(ctx, "All-day appointments run from the start day to the end day (times are set to 00:00).")) }
            }
            @if single_occurrence {
                fieldset.repeat {
                    legend { (tr!(ctx, "Repeat")) }
                    p.muted { (tr!(ctx, "A single occurrence does not repeat.")) }
                }
            } @else {
                fieldset.repeat {
                    legend { (tr!(ctx, "Repeat")) }
                    div.form-grid {
                        div {
                            label for="repeat" { (tr!(ctx, "Repeat")) " *" }
                            select #repeat name="repeat" aria-invalid=[errors.invalid("repeat")] {
                                @if repeat == "keep" {
                                    option value="keep" selected { (tr!(ctx, "Keep the current rule")) }
                                }
                                @for (value, label) in [("never", n_!("Never")), ("daily", n_!("Daily")), ("weekly", n_!("Weekly")), ("monthly", n_!("Monthly")), ("yearly", n_!("Yearly")), ("custom", n_!("Custom"))] {
                                    option value=(value) selected[repeat == value] { (translate_dyn(ctx.lang, label)) }
                                }
                            }
                            (errors.at("repeat"))
                        }
                        div {
                            label for="limit" { (tr!(ctx, "Limit")) }
                            select #limit name="limit" aria-invalid=[errors.invalid("limit")] {
                                @for (value, label) in [("never", n_!("No end")), ("until", n_!("Until a date")), ("count", n_!("A number of times"))] {
                                    option value=(value) selected[limit == value] { (translate_dyn(ctx.lang, label)) }
                                }
                            }
                            (errors.at("limit"))
                        }
                        div {
                            label for="until" { (tr!(ctx, "Until (date)")) }
                            input #until type="date" name="until" value=(form.text("until")) aria-invalid=[errors.invalid("until")];
                            (errors.at("until"))
                        }
                        div {
                            label for="count" { (tr!(ctx, "Times")) }
                            input #count type="number" min="1" name="count" value=(form.text("count")) aria-invalid=[errors.invalid("count")];
                            (errors.at("count"))
                        }
                    }
                    @if repeat == "keep" {
                        p.note { (tr!(ctx, "The current rule has settings this editor cannot show; choose another repeat to replace it:")) " " code { (p.target.row().and_then(|r| r.rrule.clone()).unwrap_or_default()) } }
                    }
                    details.custom open[repeat == "custom"] {
                        summary { (tr!(ctx, "Custom repeat")) }
                        div.form-grid {
                            div {
                                label for="custom_frequency" { (tr!(ctx, "Frequency")) }
                                select #custom_frequency name="custom_frequency" {
                                    @for (value, label) in [("daily", n_!("Daily")), ("weekly", n_!("Weekly")), ("monthly", n_!("Monthly")), ("yearly", n_!("Yearly"))] {
                                        option value=(value) selected[freq == value] { (translate_dyn(ctx.lang, label)) }
                                    }
                                }
                            }
                            div {
                                label for="interval" { (tr!(ctx, "Every")) }
                                input #interval type="number" min="1" max="999" name="interval" value=(form.get("interval").unwrap_or("1")) aria-invalid=[errors.invalid("interval")];
                                (errors.at("interval"))
                            }
                        }
                        fieldset.weekdays {
                            legend { (tr!(ctx, "Weekly: on")) }
                            @for d in WEEKDAYS {
                                label.inline { input type="checkbox" name="weekday" value=(weekday_code(d)) checked[checked_value(form, "weekday", weekday_code(d))]; " " (weekday_name(ctx.lang, d)) }
                            }
                            (errors.at("weekday"))
                        }
                        fieldset.monthdays {
                            legend { (tr!(ctx, "Monthly: on")) }
                            label.inline { input type="radio" name="monthly_mode" value="days" checked[form.get("monthly_mode") != Some("nth")]; " " (tr!(ctx, "these days of the month")) }
                            div.days {
                                @for d in 1..=31 {
                                    label.inline { input type="checkbox" name="month_day" value=(d) checked[checked_value(form, "month_day", &d.to_string())]; " " (d) }
                                }
                                label.inline { input type="checkbox" name="month_day" value="-1" checked[checked_value(form, "month_day", "-1")]; " " (tr!(ctx, "last day")) }
                            }
                            label.inline { input type="radio" name="monthly_mode" value="nth" checked[form.get("monthly_mode") == Some("nth")]; " " (tr!(ctx, "the")) " " }
                            label.sr-only for="nth" { (tr!(ctx, "Which week of the month")) }
                            select #nth name="nth" {
                                @for (value, label) in [("1", n_!("first")), ("2", n_!("second")), ("3", n_!("third")), ("4", n_!("fourth")), ("5", n_!("fifth")), ("-1", n_!("last"))] {
                                    option value=(value) selected[form.get("nth") == Some(value)] { (translate_dyn(ctx.lang, label)) }
                                }
                            }
                            " "
                            label.sr-only for="nth_weekday" { (tr!(ctx, "Weekday")) }
                            select #nth_weekday name="nth_weekday" {
                                @for d in WEEKDAYS {
                                    option value=(weekday_code(d)) selected[form.get("nth_weekday") == Some(weekday_code(d))] { (weekday_name(ctx.lang, d)) }
                                }
                            }
                            (errors.at("month_day"))
                        }
                        fieldset.months {
                            legend { (tr!(ctx, "Yearly: in")) }
                            @for month in 1..=12u32 {
                                label.inline { input type="checkbox" name="month" value=(month) checked[checked_value(form, "month", &month.to_string())]; " " (month_name(ctx.lang, month)) }
                            }
                            (errors.at("months"))
                        }
                    }
                }
            }
            fieldset {
                legend { (tr!(ctx, "Notification")) }
                div.form-grid {
                    div {
                        label for="notify" { (tr!(ctx, "Notification")) }
                        select #notify name="notify" aria-invalid=[errors.invalid("notify")] {
                            option value="" selected[notify.is_empty()] { (tr!(ctx, "No notification")) }
                            @for (minutes, label) in NOTIFY_CHOICES {
                                @let value = if minutes == u32::MAX { "custom".to_owned() } else { minutes.to_string() };
                                option value=(value) selected[notify == value] { (translate_dyn(ctx.lang, label)) }
                            }
                        }
                        (errors.at("notify"))
                    }
                    div {
                        label for="notify_custom" { (tr!(ctx, "Custom: minutes before start")) }
                        input #notify_custom type="number" min="0" name="notify_custom" value=(form.text("notify_custom"));
                    }
                }
            }
            @if matches!(p.target, Target::New) {
                fieldset {
                    legend { (tr!(ctx, "Linked Tickets")) }
                    label for="tickets" { (tr!(ctx, "Ticket numbers")) }
                    input #tickets name="tickets" value=(form.text("tickets")) aria-invalid=[errors.invalid("tickets")] placeholder=(tr!(ctx, "e.g. %{example}", example = "2026030210000012, 2026030210000023"));
                    (errors.at("tickets"))
                }
            }
            div.buttons {
                @match p.target {
                    Target::New => { button.primary type="submit" name="action" value="save" { (tr!(ctx, "Add")) } }
                    _ => { button.primary type="submit" name="action" value="save" { (tr!(ctx, "Update")) } }
                }
                " " a.button href=(back_link(form, view)) { (tr!(ctx, "Cancel")) }
            }
        }
        @if let Some(row) = p.target.row() {
            section.linked aria-labelledby="linked-title" {
                h2 #linked-title { (tr!(ctx, "Linked Tickets")) }
                @if p.tickets.is_empty() { p.muted { (tr!(ctx, "No linked tickets.")) } }
                ul.plain {
                    @for t in p.tickets {
                        li {
                            a href={ "/agent/tickets/" (t.id) } { (t.number) } " " span.grow { (t.title) }
                            form method="post" action=(p.target.action()) {
                                input type="hidden" name="csrf_token" value=(ctx.csrf);
                                input type="hidden" name="ticket" value=(t.id);
                                button.danger type="submit" name="action" value="unlink" aria-label=(tr!(ctx, "Remove the link to ticket %{number}", number = t.number)) { (tr!(ctx, "Remove")) }
                            }
                        }
                    }
                }
                form.inline method="post" action=(p.target.action()) {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    label for="link-ticket" { (tr!(ctx, "Add Ticket (number)")) }
                    " " input #link-ticket name="ticket_number" aria-invalid=[errors.invalid("ticket_number")];
                    " " button type="submit" name="action" value="link" { (tr!(ctx, "Add Ticket")) }
                    (errors.at("ticket_number"))
                }
            }
            section.danger-zone {
                form.inline method="post" action=(p.target.action()) {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    button type="submit" name="action" value="copy" { (tr!(ctx, "Copy")) }
                }
                " "
                a.button.danger href={
                    "/agent/calendar/appointments/" (row.id) "/delete?view=" (view)
                    @if let Some(at) = occurrence { "&scope=occurrence&occurrence=" (occurrence_key(at)) }
                } { (tr!(ctx, "Delete")) }
            }
        }
    }
}

/// The overview page to go back to: the view, at the form's start date (today when the start
/// does not read).
fn back_link(form: &Fields, view: &str) -> String {
    let view = View::parse(view).unwrap_or(View::Week);
    match parse_wall(&form.text("start")) {
        Some(start) => page_link(view, start.date()),
        None => format!("{OVERVIEW}?view={}", view.key()),
    }
}

async fn writable_calendars<S: Store>(state: &AppState<S>, ctx: &UiCtx) -> Vec<Calendar> {
    state
        .desk()
        .calendars(ctx.principal())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|c| c.validity.is_valid())
        .collect()
}

#[allow(clippy::too_many_arguments)]
async fn render_editor<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    target: &Target,
    form: &Fields,
    errors: &Errors,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let calendars = writable_calendars(state, ctx).await;
    let (tickets, parent) = match target.row() {
        Some(row) => {
            let tickets = state
                .desk()
                .appointment_tickets(ctx.principal(), row.id)
                .await
                .unwrap_or_default();
            let parent = match row.parent_id {
                Some(p) => state.desk().appointment(ctx.principal(), p).await.ok(),
                None => None,
            };
            (tickets, parent)
        }
        None => (Vec::new(), None),
    };
    let title = match target {
        Target::New => tr!(ctx, "Add Appointment").into_owned(),
        Target::Row(a) | Target::Occurrence(a, _) => {
            tr!(ctx, "Edit Appointment: %{title}", title = a.title)
        }
    };
    let page = EditorPage {
        target,
        form,
        errors,
        calendars: &calendars,
        tickets: &tickets,
        parent: parent.as_ref(),
        notice,
    };
    let body = editor(ctx, &page);
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Calendar Overview"), Some(OVERVIEW)),
        (title.as_str(), None),
    ]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

/// The next full hour in the agent's zone.
fn next_hour(now: DateTime<Utc>, tz: Tz) -> NaiveDateTime {
    let local = now.with_timezone(&tz).naive_local();
    let hour = local
        .date()
        .and_hms_opt(local.hour(), 0, 0)
        .unwrap_or(local);
    hour + Duration::hours(1)
}

/// The "Add Appointment" form: `start` and `end` (from dragging over a time range, in the
/// agent's zone), or `date` (a day of the grid), or the next full hour.
pub(crate) async fn new_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let calendars = writable_calendars(&state, &ctx).await;
    let mut start = next_hour(state.desk().now(), ctx.tz);
    if let Some(date) = query
        .get("date")
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
    {
        start = date.and_time(start.time());
    }
    if let Some(s) = query.get("start").and_then(parse_wall) {
        start = s;
    }
    let end = query
        .get("end")
        .and_then(parse_wall)
        .filter(|e| *e > start)
        .unwrap_or(start + Duration::hours(1));
    let calendar = query
        .get("calendar")
        .map(str::to_owned)
        .or_else(|| calendars.first().map(|c| c.id.to_string()))
        .unwrap_or_default();
    let mut fields = vec![
        ("calendar".to_owned(), calendar),
        ("start".into(), wall_text(start)),
        ("end".into(), wall_text(end)),
        ("time_zone".into(), ctx.tz.name().to_owned()),
        ("repeat".into(), "never".into()),
        ("limit".into(), "never".into()),
        ("custom_frequency".into(), "weekly".into()),
        ("interval".into(), "1".into()),
        (
            "view".into(),
            query.get("view").unwrap_or("week").to_owned(),
        ),
    ];
    if query.has("all_day") {
        fields.push(("all_day".into(), "1".into()));
    }
    render_editor(
        &state,
        &ctx,
        &Target::New,
        &Fields(fields),
        &Errors::default(),
        None,
        StatusCode::OK,
    )
    .await
}

/// Where to go after saving: the week of the appointment's start.
fn after_save(view: &str, start: NaiveDate, done: &str) -> String {
    let view = View::parse(view).unwrap_or(View::Week);
    format!("{}&done={done}", page_link(view, start))
}

async fn resolve_tickets<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    numbers: &[String],
    errors: &mut Errors,
) -> Vec<TicketId> {
    let mut out = Vec::new();
    for n in numbers {
        match state.desk().ticket_by_number(ctx.principal(), n).await {
            Ok(t) => out.push(t.id),
            Err(e) => errors.field(
                "tickets",
                format!("{n}: {}", message_of(&ApiError::from(e))),
            ),
        }
    }
    out
}

pub(crate) async fn create<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let form = form.without(&["csrf_token"]);
    let mut errors = Errors::default();
    let parsed = parse_form(&form, &mut errors, ctx.lang);
    if let Some(p) = &parsed
        && p.calendar.is_none()
    {
        errors.field("calendar", tr!(ctx, "choose a calendar"));
    }
    let tickets = match &parsed {
        Some(p) => resolve_tickets(&state, &ctx, &p.tickets, &mut errors).await,
        None => Vec::new(),
    };
    let (Some(p), true) = (parsed, errors.is_empty()) else {
        return render_editor(
            &state,
            &ctx,
            &Target::New,
            &form,
            &errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let input = AppointmentInput {
        calendar_id: p.calendar.unwrap_or(CalendarId(0)),
        title: p.title,
        description: p.description,
        location: p.location,
        all_day: p.all_day,
        start: p.start,
        end: p.end,
        time_zone: p.time_zone,
        rrule: match p.repeat {
            RepeatChoice::Rule(r) => Some(r),
            RepeatChoice::Never | RepeatChoice::Keep => None,
        },
        notify_minutes_before: p.notify,
    };
    match state
        .desk()
        .create_appointment_with_tickets(ctx.principal(), input, tickets)
        .await
    {
        Ok(_) => see_other(&after_save(
            form.get("view").unwrap_or("week"),
            p.start.date(),
            "saved",
        )),
        Err(e) => {
            errors.add_desk(e);
            render_editor(
                &state,
                &ctx,
                &Target::New,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

fn appointment_id(id: &str) -> Result<AppointmentId, ApiError> {
    id.parse()
        .map(AppointmentId)
        .map_err(|_| ApiError::new("not-found", format!("no such appointment: {id}")))
}

async fn load_row<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: &str,
) -> Result<Appointment, ApiError> {
    let id = appointment_id(id)?;
    Ok(state.desk().appointment(ctx.principal(), id).await?)
}

/// The editor of an appointment. For an occurrence of a series (`occurrence`) without a
/// `scope`, it first asks: Just This Occurrence or All Occurrences.
pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let row = match load_row(&state, &ctx, &id).await {
        Ok(row) => row,
        Err(e) => {
            return crate::ui::ticket::problem_page(&state, &ctx, n_!("Edit Appointment"), &e)
                .await;
        }
    };
    let view = query.get("view").unwrap_or("week").to_owned();
    let occurrence = query
        .get("occurrence")
        .and_then(parse_occurrence)
        .filter(|_| row.is_series());
    let target = match (occurrence, query.get("scope")) {
        (Some(at), Some("occurrence")) => Target::Occurrence(row.clone(), at),
        (Some(at), None) => return scope_choice(&state, &ctx, &row, at, &view).await,
        _ => Target::Row(row.clone()),
    };
    let mut form = row_fields(
        &row,
        occurrence.filter(|_| matches!(target, Target::Occurrence(..))),
    );
    form.0.push(("view".into(), view));
    let notice = query.has("copied").then(|| {
        tr!(
            ctx,
            "This is a copy of the appointment; change it as needed."
        )
    });
    render_editor(
        &state,
        &ctx,
        &target,
        &form,
        &Errors::default(),
        notice.as_deref(),
        StatusCode::OK,
    )
    .await
}

/// The question of the manual's "Edit Repeating Appointment" dialog, as a page.
async fn scope_choice<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    row: &Appointment,
    at: DateTime<Utc>,
    view: &str,
) -> Response {
    let base = format!(
        "/agent/calendar/appointments/{}?occurrence={}&view={view}",
        row.id,
        occurrence_key(at)
    );
    let back = page_link(
        View::parse(view).unwrap_or(View::Week),
        at.with_timezone(&ctx.tz).date_naive(),
    );
    let repeats = row
        .rrule
        .as_deref()
        .map(|r| describe_rule(r, row.time_zone, ctx.lang))
        .unwrap_or_default();
    let body = html! {
        section.widget.scope-choice aria-labelledby="scope-title" {
            header { h2 #scope-title { (tr!(ctx, "This is a repeating appointment")) } }
            div.body {
                dl.props {
                    dt { (tr!(ctx, "Title")) } dd { (row.title) }
                    dt { (tr!(ctx, "Occurrence")) } dd { (ctx.time(at)) }
                    dt { (tr!(ctx, "Repeats")) } dd { (repeats) }
                    @if !row.location.is_empty() { dt { (tr!(ctx, "Location")) } dd { (row.location) } }
                }
                p { (tr!(ctx, "Would you like to edit just this occurrence or all occurrences?")) }
                p.buttons {
                    a.button href=(back) { (tr!(ctx, "Cancel")) }
                    " " a.button.primary #just-this href={ (base) "&scope=occurrence" } { (tr!(ctx, "Just This Occurrence")) }
                    " " a.button.primary #all-occurrences href={ (base) "&scope=all" } { (tr!(ctx, "All Occurrences")) }
                }
            }
        }
    };
    let title = tr!(ctx, "Edit Repeating Appointment");
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Calendar Overview"), Some(OVERVIEW)),
        (&*title, None),
    ]);
    agent_page(state, ctx, &title, crumbs, body).await
}

/// Saves the editor (`action=save`), copies (`copy`), links a ticket (`link`) or removes a
/// link (`unlink`).
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let row = match load_row(&state, &ctx, &id).await {
        Ok(row) => row,
        Err(e) => {
            return crate::ui::ticket::problem_page(&state, &ctx, n_!("Edit Appointment"), &e)
                .await;
        }
    };
    let form = form.without(&["csrf_token"]);
    let actor = ctx.principal();
    let back = format!(
        "/agent/calendar/appointments/{}?view={}",
        row.id,
        form.get("view").unwrap_or("week")
    );
    match form.get("action").unwrap_or("save") {
        "copy" => {
            return match state.desk().copy_appointment(actor, row.id).await {
                Ok(copy) => see_other(&format!(
                    "/agent/calendar/appointments/{}?copied=1&view={}",
                    copy.id,
                    form.get("view").unwrap_or("week")
                )),
                Err(e) => {
                    crate::ui::ticket::problem_page(
                        &state,
                        &ctx,
                        n_!("Copy Appointment"),
                        &ApiError::from(e),
                    )
                    .await
                }
            };
        }
        "link" | "unlink" => {
            let result = if form.get("action") == Some("link") {
                match state
                    .desk()
                    .ticket_by_number(actor, &form.text("ticket_number"))
                    .await
                {
                    Ok(t) => state
                        .desk()
                        .link_appointment_ticket(actor, row.id, t.id)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                }
            } else {
                match form.number::<u64>("ticket") {
                    Ok(Some(t)) => {
                        state
                            .desk()
                            .unlink_appointment_ticket(actor, row.id, TicketId(t))
                            .await
                    }
                    _ => Err(DeskError::invalid("ticket", "names no ticket")),
                }
            };
            return match result {
                Ok(()) => see_other(&back),
                Err(e) => {
                    let mut errors = Errors::default();
                    errors.field("ticket_number", message_of(&ApiError::from(e)));
                    let mut fields = row_fields(&row, None);
                    fields
                        .0
                        .push(("view".into(), form.get("view").unwrap_or("week").to_owned()));
                    render_editor(
                        &state,
                        &ctx,
                        &Target::Row(row),
                        &fields,
                        &errors,
                        None,
                        StatusCode::UNPROCESSABLE_ENTITY,
                    )
                    .await
                }
            };
        }
        "save" => {}
        other => {
            let e = ApiError::invalid("action", format!("unknown action {other:?}"));
            return crate::ui::ticket::problem_page(&state, &ctx, n_!("Edit Appointment"), &e)
                .await;
        }
    }
    let occurrence = if form.get("scope") == Some("occurrence") {
        match form.get("occurrence").and_then(parse_occurrence) {
            Some(at) => Some(at),
            None => {
                let e = ApiError::invalid("occurrence", "names no occurrence");
                return crate::ui::ticket::problem_page(&state, &ctx, n_!("Edit Appointment"), &e)
                    .await;
            }
        }
    } else {
        None
    };
    let target = match occurrence {
        Some(at) => Target::Occurrence(row.clone(), at),
        None => Target::Row(row.clone()),
    };
    let single = occurrence.is_some() || row.is_detached();
    let mut errors = Errors::default();
    let parsed = parse_form(&form, &mut errors, ctx.lang);
    let expected = match form.number::<u64>("version") {
        Ok(v) => v,
        Err(e) => {
            errors.field("title", message_of(&e));
            None
        }
    };
    let (Some(p), true) = (parsed, errors.is_empty()) else {
        return render_editor(
            &state,
            &ctx,
            &target,
            &form,
            &errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let update = AppointmentUpdate {
        calendar_id: if single { None } else { p.calendar },
        title: Some(p.title),
        description: Some(p.description),
        location: Some(p.location),
        all_day: Some(p.all_day),
        start: Some(p.start),
        end: Some(p.end),
        time_zone: Some(p.time_zone),
        rrule: if single {
            None
        } else {
            match p.repeat {
                RepeatChoice::Keep => None,
                RepeatChoice::Never => Some(None),
                RepeatChoice::Rule(r) => Some(Some(r)),
            }
        },
        notify_minutes_before: Some(p.notify),
    };
    let scope = match occurrence {
        Some(at) => EditScope::Occurrence(at),
        None => EditScope::All,
    };
    match state
        .desk()
        .update_appointment(actor, row.id, update, scope, expected)
        .await
    {
        Ok(_) => see_other(&after_save(
            form.get("view").unwrap_or("week"),
            p.start.date(),
            "saved",
        )),
        Err(e) => {
            errors.add_desk(e);
            render_editor(
                &state,
                &ctx,
                &target,
                &form,
                &errors,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// "Delete": asks first (a page, so that it works without script).
pub(crate) async fn delete_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let row = match load_row(&state, &ctx, &id).await {
        Ok(row) => row,
        Err(e) => {
            return crate::ui::ticket::problem_page(&state, &ctx, n_!("Delete Appointment"), &e)
                .await;
        }
    };
    let view = query.get("view").unwrap_or("week");
    let occurrence = query
        .get("occurrence")
        .and_then(parse_occurrence)
        .filter(|_| query.get("scope") == Some("occurrence") && row.is_series());
    let question = match occurrence {
        Some(at) => tr!(
            ctx,
            "Delete just this occurrence (%{when}) of the repeating appointment “%{title}”? The other occurrences stay.",
            when = ctx.time(at),
            title = row.title
        ),
        None if row.is_series() => tr!(
            ctx,
            "Delete the repeating appointment “%{title}” with all its occurrences?",
            title = row.title
        ),
        None => tr!(ctx, "Delete the appointment “%{title}”?", title = row.title),
    };
    let body = html! {
        section.widget aria-labelledby="delete-title" {
            header { h2 #delete-title { (tr!(ctx, "Delete Appointment")) } }
            div.body {
                p { (question) }
                form.inline method="post" action={ "/agent/calendar/appointments/" (row.id) "/delete" } {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    input type="hidden" name="view" value=(view);
                    @if let Some(at) = occurrence {
                        input type="hidden" name="scope" value="occurrence";
                        input type="hidden" name="occurrence" value=(occurrence_key(at));
                    }
                    button.danger #confirm-delete type="submit" { (tr!(ctx, "Yes")) }
                }
                " " a.button href={ "/agent/calendar/appointments/" (row.id) "?view=" (view)
                    @if let Some(at) = occurrence { "&scope=occurrence&occurrence=" (occurrence_key(at)) } } { (tr!(ctx, "No")) }
            }
        }
    };
    let title = tr!(ctx, "Delete Appointment");
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Calendar Overview"), Some(OVERVIEW)),
        (&*title, None),
    ]);
    agent_page(&state, &ctx, &title, crumbs, body).await
}

pub(crate) async fn delete<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let row = match load_row(&state, &ctx, &id).await {
        Ok(row) => row,
        Err(e) => {
            return crate::ui::ticket::problem_page(&state, &ctx, n_!("Delete Appointment"), &e)
                .await;
        }
    };
    let occurrence = form
        .get("occurrence")
        .and_then(parse_occurrence)
        .filter(|_| form.get("scope") == Some("occurrence"));
    let scope = occurrence.map_or(EditScope::All, EditScope::Occurrence);
    let when = occurrence.unwrap_or(row.first_start_utc);
    match state
        .desk()
        .delete_appointment(ctx.principal(), row.id, scope)
        .await
    {
        Ok(()) => see_other(&after_save(
            form.get("view").unwrap_or("week"),
            when.with_timezone(&ctx.tz).date_naive(),
            if occurrence.is_some() {
                "occurrence-deleted"
            } else {
                "deleted"
            },
        )),
        Err(e) => {
            crate::ui::ticket::problem_page(
                &state,
                &ctx,
                n_!("Delete Appointment"),
                &ApiError::from(e),
            )
            .await
        }
    }
}

/// Moves an appointment by drag and drop (the script posts here): `occurrence` names the
/// occurrence dragged, `to` its new local start in the agent's zone (`YYYY-MM-DDTHH:MM`; a
/// day of the month grid keeps the time of day), `scope` `occurrence` or `all` for series.
/// Answers 204, or 422 with the reason as text.
pub(crate) async fn move_appointment<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let refuse = |status: StatusCode, message: String| (status, message).into_response();
    let row = match load_row(&state, &ctx, &id).await {
        Ok(row) => row,
        Err(e) => return refuse(e.status(), message_of(&e)),
    };
    let tz = row.time_zone;
    let first = resolve_local(&tz, row.start).to_utc();
    let occurrence = form
        .get("occurrence")
        .and_then(parse_occurrence)
        .unwrap_or(first);
    let occ_agent = occurrence.with_timezone(&ctx.tz).naive_local();
    let to = form.text("to");
    let target = match (parse_wall(&to), to.len()) {
        (Some(d), 10) => d.date().and_time(occ_agent.time()),
        (Some(at), _) => at,
        (None, _) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                format!("to: {to:?} is not a date and time"),
            );
        }
    };
    let new_start = resolve_local(&ctx.tz, target).to_utc();
    let occ_wall = occurrence.with_timezone(&tz).naive_local();
    let delta = if row.all_day {
        Duration::days((new_start.with_timezone(&tz).date_naive() - occ_wall.date()).num_days())
    } else {
        new_start.with_timezone(&tz).naive_local() - occ_wall
    };
    if delta.is_zero() {
        return StatusCode::NO_CONTENT.into_response();
    }
    let just_this = row.is_series() && form.get("scope") != Some("all");
    let (start, end, scope) = if just_this {
        (
            occ_wall + delta,
            occ_wall + row.duration() + delta,
            EditScope::Occurrence(occurrence),
        )
    } else {
        (row.start + delta, row.end + delta, EditScope::All)
    };
    // A given end of an all-day appointment is its last day.
    let end = if row.all_day {
        end - Duration::days(1)
    } else {
        end
    };
    let update = AppointmentUpdate {
        start: Some(start),
        end: Some(end),
        ..AppointmentUpdate::default()
    };
    match state
        .desk()
        .update_appointment(ctx.principal(), row.id, update, scope, None)
        .await
    {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => {
            let e = ApiError::from(e);
            refuse(StatusCode::UNPROCESSABLE_ENTITY, message_of(&e))
        }
    }
}

// --- dashboard widgets ----------------------------------------------------------------------

/// The body of an Appointments Today / This Week / This Month widget: an agenda of the
/// visible calendars' occurrences, with links into the overview.
pub(crate) async fn widget<S: Store>(state: &AppState<S>, ctx: &UiCtx, view: View) -> Markup {
    let today = today(state.desk().now(), ctx.tz);
    let (first, end) = match view {
        View::Day => (today, today + Duration::days(1)),
        View::Month => {
            let first = today.with_day(1).unwrap_or(today);
            (
                first,
                first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first),
            )
        }
        View::Week | View::Agenda => View::Week.days(today),
    };
    let (calendars, occurrences) = match load_window(state, ctx, first, end).await {
        Ok(loaded) => loaded,
        Err(e) => return html! { p.error { (message_of(&e)) } },
    };
    let data = ViewData {
        view,
        date: today,
        today,
        tz: ctx.tz,
        calendars: &calendars,
        occurrences: &occurrences,
        lang: ctx.lang,
    };
    let rows: BTreeMap<AppointmentId, &Appointment> = occurrences
        .iter()
        .map(|o| (o.appointment.id, o.appointment.as_ref()))
        .collect();
    let by_day = data.by_day(first, end);
    html! {
        @if calendars.is_empty() {
            p.muted { (tr!(ctx, "No calendars found.")) }
        } @else if by_day.is_empty() {
            p.muted { (tr!(ctx, "No appointments.")) }
        } @else {
            div.cal-agenda {
                @for (day, list) in &by_day {
                    @if view != View::Day { h3 { (weekday_name(ctx.lang, day.weekday())) " " span.muted { (day) } } }
                    ul.plain {
                        @for o in list {
                            li { span.agenda-time { (data.time_range(o)) } " " (data.chip(o, &rows, false)) }
                        }
                    }
                }
            }
        }
        p.more {
            a href=(page_link(if view == View::Day { View::Day } else if view == View::Month { View::Month } else { View::Week }, today)) { (tr!(ctx, "Calendar Overview")) }
            " · " a href="/agent/calendar/appointments/new" { (tr!(ctx, "Add Appointment")) }
        }
    }
}
