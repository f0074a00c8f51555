//! The report pages of the statistics area (the manual's "Statistics and Reports", "Reports"):
//! the report list (name, schedule, next run, validity; Run now downloads the PDF; edit; delete
//! after a confirmation page) and the create and edit form with its field errors in place.
//!
//! Only agents in the `stats` group see these pages (others get 403 and no links); the create,
//! edit and delete controls are shown to agents with `rw` on it, and the desk refuses everyone
//! else in any case. [`report_list_widget`] is the compact list for the statistics dashboard.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono_tz::Tz;
use maud::{Markup, html};
use otrs_core::DeskError;
use otrs_core::ids::ReportId;
use otrs_core::model::{
    Report, ReportSchedule, ReportSettings, Validity, parse_time_of_day, weekday_from_name,
    weekday_name,
};
use otrs_core::stats::{is_stats_admin, may_use_stats};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::reports::{default_settings, report_pdf_blocking};
use crate::state::AppState;
use crate::ui::calendar::weekday_name as local_weekday_name;
use crate::ui::fields::{Fields, FormFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::{UiCtx, message_of, see_other};
use crate::{n_, tr};

const LIST: &str = "/agent/stats/reports";

/// Field errors by form field, and an error that belongs to no field.
#[derive(Debug, Default)]
struct Errors {
    fields: BTreeMap<String, String>,
    /// The message and the status it answers with.
    general: Option<(String, StatusCode)>,
}

impl Errors {
    fn field(&mut self, name: &str, message: impl Into<String>) {
        let message = message.into();
        self.fields
            .entry(name.to_owned())
            .and_modify(|m| {
                m.push_str("; ");
                m.push_str(&message);
            })
            .or_insert(message);
    }

    fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// Puts a desk error at the form fields it names (`recipients[2]` at `recipients`).
    fn add_desk(&mut self, error: DeskError) {
        match error {
            DeskError::Invalid(list) => {
                for e in list.0 {
                    let name = e.field.split('[').next().unwrap_or(&e.field).to_owned();
                    self.field(&name, e.message);
                }
            }
            other => {
                let e = ApiError::from(other);
                self.general = Some((message_of(&e), e.status()));
            }
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

    fn described(&self, name: &str) -> Option<String> {
        self.fields
            .contains_key(name)
            .then(|| format!("err-{name}"))
    }
}

/// The schedule for people: "Daily at 08:00", "Weekly on Monday at 17:30", "Custom: 0 8 * * 1-5".
pub(crate) fn schedule_label(schedule: &ReportSchedule, lang: Language) -> String {
    match schedule {
        ReportSchedule::None => tr!(@lang lang, "No schedule").into_owned(),
        ReportSchedule::Daily { hour, minute } => {
            tr!(@lang lang, "Daily at %{time}", time = format!("{hour:02}:{minute:02}"))
        }
        ReportSchedule::Weekly {
            weekday,
            hour,
            minute,
        } => tr!(@lang lang, "Weekly on %{weekday} at %{time}",
            weekday = local_weekday_name(lang, *weekday),
            time = format!("{hour:02}:{minute:02}")
        ),
        ReportSchedule::Monthly { day, hour, minute } => tr!(@lang lang,
            "Monthly on day %{day} at %{time}",
            day = day,
            time = format!("{hour:02}:{minute:02}")
        ),
        ReportSchedule::Cron(expression) => {
            tr!(@lang lang, "Custom: %{expression}", expression = expression)
        }
    }
}

/// A validity in the interface.
fn validity_label(validity: Validity) -> &'static str {
    match validity {
        Validity::Valid => n_!("valid"),
        Validity::Invalid => n_!("invalid"),
        Validity::InvalidTemporarily => n_!("invalid-temporarily"),
    }
}

fn refused(ctx: &UiCtx) -> Option<ApiError> {
    (!may_use_stats(&ctx.agent)).then(|| {
        ApiError::new(
            "permission-denied",
            "Reports are for agents in the stats group.",
        )
    })
}

/// Creating needs `rw` on `stats`.
fn refused_create(ctx: &UiCtx) -> Option<ApiError> {
    refused(ctx).or_else(|| {
        (!is_stats_admin(&ctx.agent)).then(|| {
            ApiError::new(
                "permission-denied",
                "Creating reports needs rw on the stats group.",
            )
        })
    })
}

async fn problem<S: Store>(state: &AppState<S>, ctx: &UiCtx, error: &ApiError) -> Response {
    crate::ui::ticket::problem_page(state, ctx, n_!("Reports"), error).await
}

fn run_button(ctx: &UiCtx, report: &Report) -> Markup {
    html! {
        form method="post" action={ (LIST) "/" (report.id) "/run" } {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            button type="submit" title=(tr!(ctx, "Run %{report} now (PDF)", report = report.settings.name)) { (tr!(ctx, "Run now")) }
        }
    }
}

/// The compact report list for the statistics dashboard: name, next run and a Run now button
/// per report (empty for agents outside the `stats` group).
pub(crate) async fn report_list_widget<S: Store>(state: &AppState<S>, ctx: &UiCtx) -> Markup {
    if !may_use_stats(&ctx.agent) {
        return html! {};
    }
    let reports = state
        .desk()
        .reports(ctx.principal())
        .await
        .unwrap_or_default();
    let now = state.desk().now();
    html! {
        section.widget #report-list aria-labelledby="report-list-title" {
            header {
                h2 #report-list-title { (tr!(ctx, "Report List (%{count})", count = reports.len())) }
                div.tools {
                    a href=(LIST) { (tr!(ctx, "All reports")) }
                    @if is_stats_admin(&ctx.agent) { a href={ (LIST) "/new" } title=(tr!(ctx, "New report")) { "+" } }
                }
            }
            div.body {
                @if reports.is_empty() {
                    p { (tr!(ctx, "No reports yet.")) }
                } @else {
                    table.list {
                        thead { tr { th { (tr!(ctx, "Name")) } th { (tr!(ctx, "Next run")) } th { (tr!(ctx, "Run")) } } }
                        tbody {
                            @for r in &reports {
                                tr {
                                    td { a href={ (LIST) "/" (r.id) } { (r.settings.name) } }
                                    td { (r.next_due(now).map(|t| ctx.time(t)).unwrap_or_else(|| "–".into())) }
                                    td { (run_button(ctx, r)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /agent/stats/reports`: the report list.
pub(crate) async fn list<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    if let Some(e) = refused(&ctx) {
        return problem(&state, &ctx, &e).await;
    }
    let reports = match state.desk().reports(ctx.principal()).await {
        Ok(reports) => reports,
        Err(e) => return problem(&state, &ctx, &ApiError::from(e)).await,
    };
    let now = state.desk().now();
    let admin = is_stats_admin(&ctx.agent);
    let body = html! {
        @if reports.is_empty() {
            p { (tr!(ctx, "No reports yet.")) }
        } @else {
            table.list #reports {
                thead {
                    tr {
                        th { (tr!(ctx, "Name")) } th { (tr!(ctx, "Description")) } th { (tr!(ctx, "Schedule")) } th { (tr!(ctx, "Next run")) }
                        th { (tr!(ctx, "Validity")) } th { (tr!(ctx, "Run")) }
                        @if admin { th { (tr!(ctx, "Delete")) } }
                    }
                }
                tbody {
                    @for r in &reports {
                        tr data-report=(r.id) {
                            td { a href={ (LIST) "/" (r.id) } { (r.settings.name) } }
                            td { (r.settings.description) }
                            td { (schedule_label(&r.settings.schedule, ctx.lang)) " (" (r.settings.time_zone.name()) ")" }
                            td { (r.next_due(now).map(|t| ctx.time(t)).unwrap_or_else(|| "–".into())) }
                            td { (translate_dyn(ctx.lang, validity_label(r.settings.validity))) }
                            td { (run_button(&ctx, r)) }
                            @if admin {
                                td { a.button.danger href={ (LIST) "/" (r.id) "/delete" } { (tr!(ctx, "Delete")) } }
                            }
                        }
                    }
                }
            }
        }
    };
    let title = tr!(ctx, "Reports");
    let mut crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*tr!(ctx, "Statistics"), Some("/agent/stats")),
        (&*title, None),
    ]);
    crumbs.total = Some(reports.len() as u64);
    if admin {
        crumbs.left =
            Some(html! { a.button.primary href={ (LIST) "/new" } { (tr!(ctx, "New report")) } });
    }
    agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await
}

/// The form's values of a report.
fn form_of(settings: &ReportSettings) -> Fields {
    let mut f: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, v: String| f.push((k.to_owned(), v));
    put("name", settings.name.clone());
    put("description", settings.description.clone());
    put("validity", settings.validity.name().to_owned());
    let (kind, frequency, time, weekday, day, cron) = match &settings.schedule {
        ReportSchedule::None => ("none", "daily", String::new(), "mon", 1, String::new()),
        ReportSchedule::Daily { hour, minute } => (
            "basic",
            "daily",
            format!("{hour:02}:{minute:02}"),
            "mon",
            1,
            String::new(),
        ),
        ReportSchedule::Weekly {
            weekday,
            hour,
            minute,
        } => (
            "basic",
            "weekly",
            format!("{hour:02}:{minute:02}"),
            weekday_name(*weekday),
            1,
            String::new(),
        ),
        ReportSchedule::Monthly { day, hour, minute } => (
            "basic",
            "monthly",
            format!("{hour:02}:{minute:02}"),
            "mon",
            *day,
            String::new(),
        ),
        ReportSchedule::Cron(expression) => (
            "custom",
            "daily",
            String::new(),
            "mon",
            1,
            expression.clone(),
        ),
    };
    put("schedule", kind.to_owned());
    put("frequency", frequency.to_owned());
    put("time", time);
    put("weekday", weekday.to_owned());
    put("day", day.to_string());
    put("cron", cron);
    put("time_zone", settings.time_zone.name().to_owned());
    put("language", settings.language.clone());
    put("email_subject", settings.email_subject.clone());
    put("email_body", settings.email_body.clone());
    put("recipients", settings.recipients.join(", "));
    put("headline", settings.headline.clone());
    put("title", settings.title.clone());
    put("preamble_caption", settings.preamble_caption.clone());
    put("preamble", settings.preamble.clone());
    put("epilogue_caption", settings.epilogue_caption.clone());
    put("epilogue", settings.epilogue.clone());
    for n in &settings.stat_numbers {
        put("stat", n.to_string());
    }
    Fields(f)
}

/// Reads the form into settings, putting what does not parse at its field.
fn settings_of(
    form: &Fields,
    base: ReportSettings,
    errors: &mut Errors,
    lang: Language,
) -> ReportSettings {
    let mut s = base;
    s.name = form.text("name");
    s.description = form.text("description");
    match Validity::from_name(form.get("validity").unwrap_or("valid")) {
        Some(v) => s.validity = v,
        None => errors.field(
            "validity",
            tr!(@lang lang, "choose valid, invalid or invalid-temporarily"),
        ),
    }
    let time = || {
        let text = form.text("time");
        parse_time_of_day(&text).ok_or_else(|| {
            tr!(@lang lang, "%{value} is not a time of day (HH:MM)", value = format!("{text:?}"))
        })
    };
    match form.get("schedule").unwrap_or("none") {
        "none" => s.schedule = ReportSchedule::None,
        "basic" => match (form.get("frequency").unwrap_or("daily"), time()) {
            (_, Err(message)) => errors.field("time", message),
            ("daily", Ok((hour, minute))) => s.schedule = ReportSchedule::Daily { hour, minute },
            ("weekly", Ok((hour, minute))) => {
                match weekday_from_name(form.get("weekday").unwrap_or_default()) {
                    Some(weekday) => {
                        s.schedule = ReportSchedule::Weekly {
                            weekday,
                            hour,
                            minute,
                        }
                    }
                    None => errors.field("weekday", tr!(@lang lang, "choose a weekday")),
                }
            }
            ("monthly", Ok((hour, minute))) => match form.text("day").parse::<u32>() {
                Ok(day) => s.schedule = ReportSchedule::Monthly { day, hour, minute },
                Err(_) => errors.field("day", tr!(@lang lang, "enter a day of the month (1–28)")),
            },
            (other, Ok(_)) => errors.field(
                "schedule",
                tr!(@lang lang, "unknown frequency %{value}", value = format!("{other:?}")),
            ),
        },
        "custom" => s.schedule = ReportSchedule::Cron(form.text("cron")),
        other => errors.field(
            "schedule",
            tr!(@lang lang, "unknown schedule %{value}", value = format!("{other:?}")),
        ),
    }
    let zone = form.text("time_zone");
    match zone.trim().parse::<Tz>() {
        Ok(tz) => s.time_zone = tz,
        Err(_) => errors.field(
            "time_zone",
            tr!(@lang lang, "%{zone} is not an IANA time zone", zone = format!("{zone:?}")),
        ),
    }
    s.language = form.get("language").unwrap_or("en").to_owned();
    s.email_subject = form.text("email_subject");
    s.email_body = form.text("email_body");
    s.recipients = form
        .text("recipients")
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(str::to_owned)
        .collect();
    s.headline = form.text("headline");
    s.title = form.text("title");
    s.preamble_caption = form.text("preamble_caption");
    s.preamble = form.text("preamble");
    s.epilogue_caption = form.text("epilogue_caption");
    s.epilogue = form.text("epilogue");
    s.stat_numbers = Vec::new();
    for n in form.all("stat") {
        match n.parse::<u32>() {
            Ok(n) => s.stat_numbers.push(n),
            Err(_) => errors.field(
                "stat_numbers",
                tr!(@lang lang, "%{value} is not a statistic number", value = format!("{n:?}")),
            ),
        }
    }
    s
}

/// The create or edit form.
async fn render<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    report: Option<&Report>,
    form: &Fields,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let stats = state
        .desk()
        .stats(ctx.principal())
        .await
        .unwrap_or_default();
    let value = |k: &str| form.get(k).unwrap_or_default().to_owned();
    let is = |k: &str, v: &str| form.get(k) == Some(v);
    let chosen_stats: Vec<&str> = form.all("stat");
    let action = match report {
        Some(r) => format!("{LIST}/{}", r.id),
        None => format!("{LIST}/new"),
    };
    let title = match report {
        Some(r) => tr!(ctx, "Edit report: %{name}", name = r.settings.name),
        None => tr!(ctx, "New report").into_owned(),
    };
    let admin = is_stats_admin(&ctx.agent);
    let text = |name: &str, label: &str| {
        html! {
            div {
                label for=(name) { (translate_dyn(ctx.lang, label)) }
                input #(name) name=(name) value=(value(name)) aria-invalid=[errors.invalid(name)]
                    aria-describedby=[errors.described(name)];
                (errors.at(name))
            }
        }
    };
    let area = |name: &str, label: &str| {
        html! {
            div {
                label for=(name) { (translate_dyn(ctx.lang, label)) }
                textarea #(name) name=(name) rows="3" aria-invalid=[errors.invalid(name)]
                    aria-describedby=[errors.described(name)] { (value(name)) }
                (errors.at(name))
            }
        }
    };
    let body = html! {
        form.report method="post" action=(action) novalidate {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            @if let Some((m, _)) = &errors.general { p.error role="alert" { (m) } }
            @if !errors.fields.is_empty() {
                p.error role="alert" { (tr!(ctx, "Please correct the marked fields.")) }
            }
            fieldset {
                legend { (tr!(ctx, "General settings")) }
                div.form-grid {
                    (text("name", n_!("Name (required)")))
                    (area("description", n_!("Description (required)")))
                    div {
                        label for="validity" { (tr!(ctx, "Validity")) }
                        select #validity name="validity" aria-invalid=[errors.invalid("validity")] {
                            @for v in [Validity::Valid, Validity::Invalid, Validity::InvalidTemporarily] {
                                option value=(v.name()) selected[is("validity", v.name())] { (translate_dyn(ctx.lang, validity_label(v))) }
                            }
                        }
                        (errors.at("validity"))
                    }
                }
            }
            fieldset {
                legend { (tr!(ctx, "Automatic generation settings")) }
                div.form-grid {
                    div role="radiogroup" aria-labelledby="schedule-label" {
                        span #schedule-label { (tr!(ctx, "Schedule")) }
                        @for (v, label) in [("none", n_!("No schedule")), ("basic", n_!("Basic schedule")), ("custom", n_!("Custom schedule (cron)"))] {
                            label {
                                input type="radio" name="schedule" value=(v) checked[is("schedule", v)];
                                " " (translate_dyn(ctx.lang, label))
                            }
                        }
                        (errors.at("schedule"))
                    }
                    div {
                        label for="frequency" { (tr!(ctx, "Basic schedule")) }
                        select #frequency name="frequency" {
                            @for (v, label) in [("daily", n_!("Daily")), ("weekly", n_!("Weekly")), ("monthly", n_!("Monthly"))] {
                                option value=(v) selected[is("frequency", v)] { (translate_dyn(ctx.lang, label)) }
                            }
                        }
                    }
                    div {
                        label for="weekday" { (tr!(ctx, "Weekday (weekly)")) }
                        select #weekday name="weekday" aria-invalid=[errors.invalid("weekday")] {
                            @for d in ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] {
                                option value=(d) selected[is("weekday", d)] {
                                    (weekday_from_name(d).map(|w| local_weekday_name(ctx.lang, w)).unwrap_or_else(|| d.to_owned()))
                                }
                            }
                        }
                        (errors.at("weekday"))
                    }
                    (text("day", n_!("Day of the month (monthly, 1–28)")))
                    (text("time", n_!("Time (HH:MM)")))
                    (text("cron", n_!("Cron expression (custom: minute hour day month weekday)")))
                    (text("time_zone", n_!("Time zone")))
                    div {
                        label for="language" { (tr!(ctx, "Automatic generation language")) }
                        select #language name="language" aria-invalid=[errors.invalid("language")] {
                            option value="en" selected[is("language", "en")] { (tr!(ctx, "English (United States)")) }
                        }
                        (errors.at("language"))
                    }
                    (text("email_subject", n_!("E-mail subject")))
                    (area("email_body", n_!("E-mail body")))
                    (text("recipients", n_!("E-mail recipients (comma separated)")))
                }
            }
            fieldset {
                legend { (tr!(ctx, "Output settings")) }
                div.form-grid {
                    (text("headline", n_!("Headline")))
                    (text("title", n_!("Title")))
                    (text("preamble_caption", n_!("Caption for preamble")))
                    (area("preamble", n_!("Preamble")))
                    (text("epilogue_caption", n_!("Caption for epilogue")))
                    (area("epilogue", n_!("Epilogue")))
                }
            }
            fieldset aria-describedby=[errors.described("stat_numbers")] {
                legend { (tr!(ctx, "Statistics (at least one)")) }
                (errors.at("stat_numbers"))
                ul.plain {
                    @for s in &stats {
                        li {
                            label {
                                input type="checkbox" name="stat" value=(s.number)
                                    checked[chosen_stats.contains(&s.number.to_string().as_str())];
                                " " (s.number) " – " (s.settings.title)
                            }
                        }
                    }
                }
            }
            @if admin {
                p {
                    button.primary type="submit" { @if report.is_some() { (tr!(ctx, "Save")) } @else { (tr!(ctx, "Create report")) } }
                    " "
                    a.button href=(LIST) { (tr!(ctx, "Cancel")) }
                }
            }
        }
    };
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*tr!(ctx, "Statistics"), Some("/agent/stats")),
        (&*tr!(ctx, "Reports"), Some(LIST)),
        (title.as_str(), None),
    ]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

/// `GET /agent/stats/reports/new`.
pub(crate) async fn new_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    if let Some(e) = refused_create(&ctx) {
        return problem(&state, &ctx, &e).await;
    }
    let defaults = default_settings(state.desk().config().time_zone);
    render(
        &state,
        &ctx,
        None,
        &form_of(&defaults),
        &Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /agent/stats/reports/new`: creates the report, or shows the form with its errors.
pub(crate) async fn create<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    if let Some(e) = refused_create(&ctx) {
        return problem(&state, &ctx, &e).await;
    }
    let form = form.without(&["csrf_token"]);
    let mut errors = Errors::default();
    let settings = settings_of(
        &form,
        default_settings(state.desk().config().time_zone),
        &mut errors,
        ctx.lang,
    );
    if errors.is_empty() {
        match state.desk().create_report(ctx.principal(), settings).await {
            Ok(_) => {
                state.wake_jobs();
                return see_other(LIST);
            }
            Err(e) => errors.add_desk(e),
        }
    }
    let status = form_status(&errors);
    render(&state, &ctx, None, &form, &errors, status).await
}

fn form_status(errors: &Errors) -> StatusCode {
    match &errors.general {
        Some((_, status)) if errors.fields.is_empty() => *status,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

fn parse_id(id: &str) -> Result<ReportId, ApiError> {
    id.parse::<u64>()
        .map(ReportId)
        .map_err(|_| ApiError::new("not-found", format!("no such report: {id}")))
}

async fn load<S: Store>(state: &AppState<S>, ctx: &UiCtx, id: &str) -> Result<Report, ApiError> {
    if let Some(e) = refused(ctx) {
        return Err(e);
    }
    let id = parse_id(id)?;
    Ok(state.desk().report(ctx.principal(), id).await?)
}

/// `GET /agent/stats/reports/{id}`: the edit form.
pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    match load(&state, &ctx, &id).await {
        Ok(report) => {
            let form = form_of(&report.settings);
            render(
                &state,
                &ctx,
                Some(&report),
                &form,
                &Errors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => problem(&state, &ctx, &e).await,
    }
}

/// `POST /agent/stats/reports/{id}`: saves the report, or shows the form with its errors.
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let report = match load(&state, &ctx, &id).await {
        Ok(report) => report,
        Err(e) => return problem(&state, &ctx, &e).await,
    };
    let form = form.without(&["csrf_token"]);
    let mut errors = Errors::default();
    let settings = settings_of(&form, report.settings.clone(), &mut errors, ctx.lang);
    if errors.is_empty() {
        match state
            .desk()
            .update_report(ctx.principal(), report.id, settings, Some(report.version))
            .await
        {
            Ok(_) => {
                state.wake_jobs();
                return see_other(LIST);
            }
            Err(e) => errors.add_desk(e),
        }
    }
    let status = form_status(&errors);
    render(&state, &ctx, Some(&report), &form, &errors, status).await
}

/// `POST /agent/stats/reports/{id}/run`: runs the report now and downloads its PDF.
pub(crate) async fn run<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let output = match async {
        let report = load(&state, &ctx, &id).await?;
        Ok::<_, ApiError>(state.desk().run_report(ctx.principal(), report.id).await?)
    }
    .await
    {
        Ok(output) => output,
        Err(e) => return problem(&state, &ctx, &e).await,
    };
    let filename = otrs_core::desk::pdf_filename(&output.report, output.generated_at);
    match report_pdf_blocking(output).await {
        Ok(pdf) => crate::api::reports::pdf_response(pdf, &filename),
        Err(e) => {
            let e = e.to_api_error("rendering a report PDF");
            problem(&state, &ctx, &e).await
        }
    }
}

/// `GET /agent/stats/reports/{id}/delete`: asks before deleting.
pub(crate) async fn delete_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let report = match load(&state, &ctx, &id).await {
        Ok(report) => report,
        Err(e) => return problem(&state, &ctx, &e).await,
    };
    let body = html! {
        form method="post" action={ (LIST) "/" (report.id) "/delete" } {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            p { (tr!(ctx, "Do you really want to delete the report “%{name}”? Its scheduled runs stop.", name = report.settings.name)) }
            p {
                button.danger type="submit" { (tr!(ctx, "Yes")) }
                " "
                a.button href=(LIST) { (tr!(ctx, "No")) }
            }
        }
    };
    let title = tr!(ctx, "Delete report");
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*tr!(ctx, "Statistics"), Some("/agent/stats")),
        (&*tr!(ctx, "Reports"), Some(LIST)),
        (&*title, None),
    ]);
    agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await
}

/// `POST /agent/stats/reports/{id}/delete`: deletes the report.
pub(crate) async fn delete<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let result = async {
        let report = load(&state, &ctx, &id).await?;
        Ok::<_, ApiError>(
            state
                .desk()
                .delete_report(ctx.principal(), report.id)
                .await?,
        )
    }
    .await;
    match result {
        Ok(()) => see_other(LIST),
        Err(e) => problem(&state, &ctx, &e).await,
    }
}
