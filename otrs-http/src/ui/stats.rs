//! The statistics dashboard (`/agent/stats`) for agents in the `stats` group, as the manual's
//! "Statistics and Reports" chapter lays it out: a Report List widget on top (its page belongs
//! to the reports feature), then Metrics (matrix), Lists and Static widgets, each listing the
//! statistics the agent may run with run, export, edit and delete (the last two for `rw` on
//! `stats`), and an import form.
//!
//! The run page offers the formats the statistic allows and a text field per element that
//! allows changes before running (the `ELEMENT=VALUES` value syntax of
//! `otrs_core::stats::spec`); on screen it shows the table and a bar chart drawn here as SVG.
//! The create/edit page has the general settings, the X axis, up to three Y axis elements and
//! filters, and a preview: the app script posts the form to `/agent/stats/preview` as it changes
//! and swaps the table in; without the script the Preview button renders the same.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use otrs_core::stats::spec::{ElementSpec, ListSpec, StatSpec, element_name};
use otrs_core::stats::{
    ElementKind, ListColumn, MAX_Y_ELEMENTS, StatCell, StatDefinition, StatFormat, StatTable,
    is_stats_admin, may_use_stats,
};
use otrs_core::store::Store;

use crate::api::stats::{RunFormat, output, parse_month};
use crate::error::ApiError;
use crate::extract::Path;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::fields::{Fields, FormFields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page, agent_page_with};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, html_response, message_of, names, see_other};
use crate::{n_, tr};

/// How many filter rows the create/edit form offers.
const FILTER_ROWS: usize = 4;

fn refuse_unless_stats(ctx: &UiCtx) -> Result<(), ApiError> {
    if may_use_stats(&ctx.agent) {
        Ok(())
    } else {
        Err(ApiError::new(
            "permission-denied",
            "the statistics need membership in the stats group",
        ))
    }
}

fn format_label(f: StatFormat) -> &'static str {
    match f {
        StatFormat::Table => n_!("On screen"),
        StatFormat::Csv => "CSV",
        StatFormat::Excel => "Excel",
        StatFormat::Print => n_!("Print (PDF)"),
    }
}

/// The label of a statistic element in the interface (the desk's labels are English).
fn element_kind_label(kind: ElementKind) -> &'static str {
    match kind {
        ElementKind::Queue => n_!("Queue"),
        ElementKind::State => n_!("State"),
        ElementKind::StateType => n_!("State type"),
        ElementKind::Priority => n_!("Priority"),
        ElementKind::Owner => n_!("Owner"),
        ElementKind::Responsible => n_!("Responsible"),
        ElementKind::Customer => n_!("Customer ID"),
        ElementKind::CustomerUser => n_!("Customer user"),
        ElementKind::Lock => n_!("Lock"),
        ElementKind::CreateTime => n_!("Created"),
        ElementKind::CloseTime => n_!("Closed"),
        ElementKind::ChangeTime => n_!("Changed"),
    }
}

/// The label of a list column in the editor (the desk's labels are English).
fn list_column_label(column: ListColumn) -> &'static str {
    match column {
        ListColumn::Number => "Ticket#",
        ListColumn::Title => n_!("Title"),
        ListColumn::Created => n_!("Created"),
        ListColumn::Changed => n_!("Changed"),
        ListColumn::Closed => n_!("Close time"),
        ListColumn::Queue => n_!("Queue"),
        ListColumn::State => n_!("State"),
        ListColumn::StateType => n_!("State type"),
        ListColumn::Priority => n_!("Priority"),
        ListColumn::Owner => n_!("Owner"),
        ListColumn::Responsible => n_!("Responsible"),
        ListColumn::Customer => n_!("Customer ID"),
        ListColumn::CustomerUser => n_!("Customer user"),
        ListColumn::Lock => n_!("Lock"),
        ListColumn::AccountedTime => n_!("Accounted time"),
        ListColumn::Age => n_!("Age"),
        ListColumn::FirstResponseTime => n_!("First response time"),
        ListColumn::SolutionTime => n_!("Solution time"),
        ListColumn::FirstResponseDeadline => n_!("Time left until first response deadline"),
        ListColumn::EscalationDeadline => n_!("Time left until escalation deadline"),
        ListColumn::SolutionDeadline => n_!("Time left until solution deadline"),
    }
}

fn widget(ctx: &UiCtx, kind: &str, title: &str, stats: &[&StatDefinition]) -> Markup {
    let admin = is_stats_admin(&ctx.agent);
    let id = format!("widget-{}", kind.to_lowercase());
    let heading = if stats.len() == 1 {
        tr!(
            ctx,
            "%{title} (%{count} Statistic)",
            title = title,
            count = 1
        )
    } else {
        tr!(
            ctx,
            "%{title} (%{count} Statistics)",
            title = title,
            count = stats.len()
        )
    };
    html! {
        section.widget #(id) aria-labelledby={ (id) "-title" } {
            header {
                h2 id={ (id) "-title" } { (heading) }
                @if admin {
                    div.tools { a href={ "/agent/stats/new?type=" (kind) } aria-label=(tr!(ctx, "New %{type} statistic", type = kind)) { "+" } }
                }
            }
            div.body {
                @if stats.is_empty() {
                    p.muted { (tr!(ctx, "No statistics.")) }
                } @else {
                    table.list {
                        thead { tr {
                            th scope="col" { "Stat#" } th scope="col" { (tr!(ctx, "Title")) } th scope="col" { (tr!(ctx, "Object Name")) }
                            th scope="col" { (tr!(ctx, "Export")) } th scope="col" { (tr!(ctx, "Run")) }
                            @if admin { th scope="col" { (tr!(ctx, "Edit")) } th scope="col" { (tr!(ctx, "Delete")) } }
                        } }
                        tbody {
                            @for s in stats {
                                tr data-stat=(s.number) {
                                    td.num { (s.number) }
                                    td { (s.settings.title) @if !s.settings.valid { " " span.muted { (tr!(ctx, "(invalid)")) } } }
                                    td { (s.settings.kind.object()) }
                                    td { a href={ "/agent/stats/" (s.number) "/export" } download aria-label=(tr!(ctx, "Export %{number} as XML", number = s.number)) { (tr!(ctx, "Export")) } }
                                    td { a href={ "/agent/stats/" (s.number) "/run" } aria-label=(tr!(ctx, "Run %{number}", number = s.number)) { (tr!(ctx, "Run")) } }
                                    @if admin {
                                        td { a href={ "/agent/stats/" (s.number) "/edit" } aria-label=(tr!(ctx, "Edit %{number}", number = s.number)) { (tr!(ctx, "Edit")) } }
                                        td {
                                            form method="post" action={ "/agent/stats/" (s.number) "/delete" }
                                                data-confirm=(tr!(ctx, "Delete statistic %{number} “%{title}”?", number = s.number, title = s.settings.title)) {
                                                input type="hidden" name="csrf_token" value=(ctx.csrf);
                                                button.link type="submit" aria-label=(tr!(ctx, "Delete %{number}", number = s.number)) { (tr!(ctx, "Delete")) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// `GET /agent/stats`: the dashboard.
pub(crate) async fn dashboard<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    if let Err(e) = refuse_unless_stats(&ctx) {
        return problem_page(&state, &ctx, n_!("Statistics"), &e).await;
    }
    let stats = match state.desk().stats(ctx.principal()).await {
        Ok(s) => s,
        Err(e) => return problem_page(&state, &ctx, n_!("Statistics"), &e.into()).await,
    };
    let of = |t: &str| -> Vec<&StatDefinition> {
        stats
            .iter()
            .filter(|s| s.settings.kind.type_name() == t)
            .collect()
    };
    let admin = is_stats_admin(&ctx.agent);
    let report_list = super::reports::report_list_widget(&state, &ctx).await;
    // The notices the dashboard's own redirects name (`done=deleted&number=N`, `error=no-file`);
    // any other text is shown as it came.
    let done = query.get("done").map(|d| match d {
        "deleted" => tr!(
            ctx,
            "Statistic %{number} was deleted.",
            number = query.get("number").unwrap_or_default()
        ),
        other => other.to_owned(),
    });
    let query_error = query.get("error").map(|e| match e {
        "no-file" => tr!(ctx, "Choose an exported statistic file to import.").into_owned(),
        other => other.to_owned(),
    });
    let body = html! {
        @if let Some(m) = done { p.notice role="status" { (m) } }
        @if let Some(m) = query_error { p.error role="alert" { (m) } }
        div.stats-dashboard {
            (report_list)
            (widget(&ctx, "Matrix", &tr!(ctx, "Metrics"), &of("Matrix")))
            (widget(&ctx, "List", &tr!(ctx, "Lists"), &of("List")))
            (widget(&ctx, "Static", &tr!(ctx, "Static"), &of("Static")))
            @if admin {
                section.widget #import aria-labelledby="import-title" {
                    header { h2 #import-title { (tr!(ctx, "Import")) } }
                    div.body {
                        form method="post" action="/agent/stats/import" enctype="multipart/form-data" {
                            input type="hidden" name="csrf_token" value=(ctx.csrf);
                            p {
                                label for="import-file" { (tr!(ctx, "Exported statistic (.xml, at most 4 MiB)")) } " "
                                input #import-file name="file" type="file" accept=".xml,application/xml,text/xml";
                            }
                            p {
                                label for="import-xml" { (tr!(ctx, "or paste its XML")) } br;
                                textarea #import-xml name="xml" rows="4" cols="60" {}
                            }
                            button type="submit" { (tr!(ctx, "Import")) }
                        }
                    }
                }
            }
        }
    };
    let title = tr!(ctx, "Statistics");
    let crumbs = Crumbs {
        path: vec![
            (tr!(ctx, "Dashboard").into_owned(), Some("/agent".into())),
            (title.to_string(), None),
        ],
        total: Some(stats.len() as u64),
        ..Crumbs::default()
    };
    agent_page(&state, &ctx, &title, crumbs, body).await
}

fn number_of(text: &str) -> Result<u32, ApiError> {
    text.parse()
        .map_err(|_| ApiError::new("not-found", format!("no such statistic: {text}")))
}

/// The label the desk gives sum rows and columns.
const SUM: &str = n_!("Sum");

/// The on-screen table: headers, rows (a "Sum" row in the footer), numbers right-aligned, notes.
/// The labels (a list's column headers, a matrix's label-column headers, "Sum") are shown in
/// the agent's language; the values, which are data, as they are, except the built-in names
/// (default states and priorities), which read as everywhere else in the interface.
pub fn result_table(table: &StatTable, lang: Language) -> Markup {
    let sum_last = table
        .rows
        .last()
        .and_then(|r| r.first())
        .is_some_and(|c| c.to_text() == SUM)
        && table.kind != "List";
    // The label columns of a matrix: its leading text cells (the Y elements).
    let labels = table.rows.first().map_or(1, |r| {
        r.iter()
            .take_while(|c| matches!(c, StatCell::Text(_)))
            .count()
            .max(1)
    });
    let last = table.headers.len().saturating_sub(1);
    let header = |i: usize, h: &str| -> String {
        let is_label = table.kind == "List" || i < labels || (i == last && h == SUM);
        if is_label {
            translate_dyn(lang, h).into_owned()
        } else {
            // A value: built-in names (states, priorities) as the agent reads them elsewhere.
            names::shown(lang, h).into_owned()
        }
    };
    let (body, foot) = if sum_last {
        table.rows.split_at(table.rows.len() - 1)
    } else {
        (table.rows.as_slice(), &[][..])
    };
    let cell = |c: &StatCell| {
        html! {
            @match c {
                StatCell::Count(_) | StatCell::Number(_) => td.num { (c.to_text()) },
                _ => td { (names::shown(lang, &c.to_text())) },
            }
        }
    };
    html! {
        div.stats-result {
            table.list.stats-table data-rows=(table.rows.len()) {
                caption { (table.title) " (" (table.number) ")" }
                thead { tr { @for (i, h) in table.headers.iter().enumerate() { th scope="col" { (header(i, h)) } } } }
                tbody { @for r in body { tr { @for c in r { (cell(c)) } } } }
                @if !foot.is_empty() {
                    tfoot { @for r in foot { tr {
                        @for (i, c) in r.iter().enumerate() {
                            @if i == 0 { td { (translate_dyn(lang, SUM)) } } @else { (cell(c)) }
                        }
                    } } }
                }
            }
            @if table.rows.is_empty() { p.muted { (tr!(@lang lang, "No rows.")) } }
            @for n in &table.notes { p.note { (n) } }
        }
    }
}

/// The elements of a definition that allow changes before running, in order.
fn changeable(spec: &StatSpec) -> Vec<&ElementSpec> {
    spec.x
        .iter()
        .chain(&spec.y)
        .chain(&spec.filters)
        .filter(|e| e.allow_changes)
        .collect()
}

fn element_label(name: &str) -> &'static str {
    otrs_core::stats::spec::element_kind(name).map_or(n_!("Element"), element_kind_label)
}

/// `GET /agent/stats/{number}/run`: the run form; with `run=1` the result (on screen, or the
/// file in the chosen format).
pub(crate) async fn run_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(number): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let title = n_!("Run statistic");
    if let Err(e) = refuse_unless_stats(&ctx) {
        return problem_page(&state, &ctx, title, &e).await;
    }
    let number = match number_of(&number) {
        Ok(n) => n,
        Err(e) => return problem_page(&state, &ctx, title, &e).await,
    };
    let desk = state.desk();
    let stat = match desk.stat(ctx.principal(), number).await {
        Ok(s) => s,
        Err(e) => return problem_page(&state, &ctx, title, &e.into()).await,
    };
    let spec = match desk.stat_spec(ctx.principal(), &stat.settings).await {
        Ok(s) => s,
        Err(e) => return problem_page(&state, &ctx, title, &e.into()).await,
    };
    let chosen = query.get("format").unwrap_or("table");
    let mut error: Option<String> = None;
    let mut result: Option<StatTable> = None;
    if query.has("run") {
        let attempt = async {
            let format = match chosen {
                "table" => RunFormat::Json,
                other => RunFormat::from_name(other)
                    .ok_or_else(|| ApiError::invalid("format", "is not a format"))?,
            };
            let assignments: Vec<String> = changeable(&spec)
                .iter()
                .filter_map(|e| {
                    query
                        .get(&format!("set.{}", e.element))
                        .map(|v| format!("{}={}", e.element, v.trim()))
                })
                .collect();
            let month = match query.get("month").map(str::trim) {
                Some(m) if !m.is_empty() => Some(parse_month("month", m)?),
                _ => None,
            };
            let options = desk
                .stat_run_options(ctx.principal(), number, "set", &assignments, month)
                .await?;
            let table = desk
                .run_stat(ctx.principal(), number, format.core(), options)
                .await?;
            Ok::<_, ApiError>((format, table))
        };
        match attempt.await {
            Ok((RunFormat::Json, table)) => result = Some(table),
            Ok((format, table)) => {
                return match output(&table, format) {
                    Ok(r) => r,
                    Err(e) => problem_page(&state, &ctx, title, &e).await,
                };
            }
            Err(e) => error = Some(message_of(&e)),
        }
    }
    let formats: Vec<StatFormat> = std::iter::once(StatFormat::Table)
        .chain(
            stat.settings
                .formats
                .iter()
                .copied()
                .filter(|f| *f != StatFormat::Table),
        )
        .collect();
    let value_of = |e: &ElementSpec| {
        query
            .get(&format!("set.{}", e.element))
            .map_or_else(|| e.values.clone(), str::to_owned)
    };
    let body = html! {
        section.widget aria-labelledby="run-title" {
            header { h2 #run-title { "Stat# " (stat.number) ": " (stat.settings.title) } }
            div.body {
                @if !stat.settings.description.is_empty() { p { (stat.settings.description) } }
                @if let Some(m) = &error { p.error role="alert" { (m) } }
                form.stats-run method="get" action={ "/agent/stats/" (stat.number) "/run" } {
                    input type="hidden" name="run" value="1";
                    fieldset {
                        legend { (tr!(ctx, "Output")) }
                        @for f in &formats {
                            @let name = match f { StatFormat::Table => "table", StatFormat::Csv => "csv", StatFormat::Excel => "xlsx", StatFormat::Print => "pdf" };
                            label.inline {
                                input type="radio" name="format" value=(name) checked[chosen == name];
                                " " (translate_dyn(ctx.lang, format_label(*f)))
                            }
                        }
                    }
                    @let elements = changeable(&spec);
                    @if !elements.is_empty() {
                        fieldset {
                            legend { (tr!(ctx, "Change before running")) }
                            p.muted { (tr!(ctx, "Values are comma-separated names; periods are last:N:UNIT, next:N:UNIT or YYYY-MM-DD..YYYY-MM-DD, optionally @SCALE (e.g. last:3:month@week). Empty means every value.")) }
                            @for e in &elements {
                                @let id = format!("set-{}", e.element);
                                div.field {
                                    label for=(id) { (translate_dyn(ctx.lang, element_label(&e.element))) }
                                    input id=(id) name={ "set." (e.element) } value=(value_of(e)) size="50";
                                }
                            }
                        }
                    }
                    @if spec.static_stat.is_some() {
                        div.field {
                            label for="month" { (tr!(ctx, "Month (YYYY-MM, default: this month)")) }
                            input #month name="month" value=(query.get("month").unwrap_or_default()) placeholder="2026-03";
                        }
                    }
                    button type="submit" { (tr!(ctx, "Run Statistic")) }
                }
            }
        }
        @if let Some(table) = &result {
            section.widget #stats-result aria-labelledby="result-title" {
                header { h2 #result-title { (tr!(ctx, "Result")) } }
                div.body {
                    (result_table(table, ctx.lang))
                    (crate::ui::stats_chart::chart(table, ctx.lang))
                }
            }
        }
    };
    let crumbs = Crumbs {
        path: vec![
            (tr!(ctx, "Dashboard").into_owned(), Some("/agent".into())),
            (
                tr!(ctx, "Statistics").into_owned(),
                Some("/agent/stats".into()),
            ),
            (tr!(ctx, "Run %{number}", number = stat.number), None),
        ],
        ..Crumbs::default()
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    agent_page_with(
        &state,
        &ctx,
        status,
        &translate_dyn(ctx.lang, title),
        crumbs,
        body,
    )
    .await
}

/// `GET /agent/stats/{number}/export`: the definition as an XML download.
pub(crate) async fn export<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(number): Path<String>,
) -> Response {
    let result = async {
        refuse_unless_stats(&ctx)?;
        let number = number_of(&number)?;
        let xml = state.desk().export_stat(ctx.principal(), number).await?;
        Ok::<_, ApiError>((number, xml))
    };
    match result.await {
        Ok((number, xml)) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/xml; charset=utf-8"),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    HeaderValue::from_str(&format!(
                        "attachment; filename=\"statistic-{number}.xml\""
                    ))
                    .unwrap_or(HeaderValue::from_static("attachment")),
                ),
            ],
            xml,
        )
            .into_response(),
        Err(e) => problem_page(&state, &ctx, n_!("Export statistic"), &e).await,
    }
}

/// `POST /agent/stats/{number}/delete`.
pub(crate) async fn delete<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(number): Path<String>,
) -> Response {
    let result = async {
        refuse_unless_stats(&ctx)?;
        let number = number_of(&number)?;
        state.desk().delete_stat(ctx.principal(), number).await?;
        Ok::<_, ApiError>(number)
    };
    match result.await {
        Ok(number) => see_other(&format!("/agent/stats?done=deleted&number={number}")),
        Err(e) => problem_page(&state, &ctx, n_!("Delete statistic"), &e).await,
    }
}

/// `POST /agent/stats/import` (a multipart upload): creates a statistic from the exported XML
/// file (or the pasted XML) and opens it for editing.
pub(crate) async fn import<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    upload: Result<crate::ui::upload::Upload, ApiError>,
) -> Response {
    let upload = match upload {
        Ok(u) => u,
        Err(e) => return problem_page(&state, &ctx, n_!("Import statistic"), &e).await,
    };
    let from_file = upload
        .files
        .iter()
        .find(|f| f.field == "file")
        .map(|f| String::from_utf8(f.bytes.clone()));
    let xml = match from_file {
        Some(Ok(text)) => text,
        Some(Err(_)) => {
            let e = ApiError::invalid("file", "the file is not UTF-8 XML");
            return problem_page(&state, &ctx, n_!("Import statistic"), &e).await;
        }
        None => upload
            .fields
            .get("xml")
            .unwrap_or_default()
            .trim()
            .to_owned(),
    };
    if xml.trim().is_empty() {
        return see_other("/agent/stats?error=no-file");
    }
    let result = async {
        refuse_unless_stats(&ctx)?;
        Ok::<_, ApiError>(state.desk().import_stat(ctx.principal(), &xml).await?)
    };
    match result.await {
        Ok(stat) => see_other(&format!("/agent/stats/{}/edit?imported=1", stat.number)),
        Err(e) => problem_page(&state, &ctx, n_!("Import statistic"), &e).await,
    }
}

// --- create and edit ---------------------------------------------------------------------------

/// Field errors by form field.
#[derive(Debug, Default)]
struct FormErrors {
    fields: BTreeMap<String, String>,
    general: Option<String>,
}

impl FormErrors {
    fn of(error: &ApiError) -> FormErrors {
        let problem = error.problem();
        let mut out = FormErrors::default();
        if problem.errors.is_empty() {
            out.general = Some(problem.detail);
        }
        for e in problem.errors {
            let field = form_field(&e.field);
            out.fields
                .entry(field)
                .and_modify(|m| {
                    m.push_str("; ");
                    m.push_str(&e.message);
                })
                .or_insert(e.message);
        }
        out
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

/// The form field a desk field error belongs to (`y[1]` → `y1`, `list.columns` → `columns`).
fn form_field(field: &str) -> String {
    let f = field.split('.').next().unwrap_or(field);
    if let Some(rest) = f.strip_prefix("y[") {
        return format!("y{}", rest.trim_end_matches(']'));
    }
    if let Some(rest) = f.strip_prefix("filters[") {
        return format!("f{}", rest.trim_end_matches(']'));
    }
    match field {
        "list.columns" => "columns".into(),
        "list.sort" | "sort" => "sort".into(),
        "limit" => "limit".into(),
        _ => f.to_owned(),
    }
}

/// A definition read from the form (field names as the form's).
fn spec_from_form(form: &Fields) -> StatSpec {
    let element = |prefix: &str| -> Option<ElementSpec> {
        let name = form.text(&format!("{prefix}_element"));
        (!name.is_empty()).then(|| ElementSpec {
            element: name,
            values: form.text(&format!("{prefix}_values")),
            allow_changes: form.has(&format!("{prefix}_allow")),
        })
    };
    let stat_type = form.get("type").unwrap_or("Matrix").to_owned();
    StatSpec {
        title: form.get("title").unwrap_or_default().to_owned(),
        description: form.get("description").unwrap_or_default().to_owned(),
        permission_groups: form
            .all("permission_groups")
            .into_iter()
            .map(str::to_owned)
            .collect(),
        formats: form.all("formats").into_iter().map(str::to_owned).collect(),
        time_zone: form.get("time_zone").unwrap_or("UTC").to_owned(),
        sum_row: form.has("sum_row"),
        sum_column: form.has("sum_column"),
        valid: form.has("valid"),
        x: if stat_type == "Matrix" {
            element("x")
        } else {
            None
        },
        y: if stat_type == "Matrix" {
            (0..MAX_Y_ELEMENTS)
                .filter_map(|i| element(&format!("y{i}")))
                .collect()
        } else {
            Vec::new()
        },
        filters: if stat_type == "Static" {
            Vec::new()
        } else {
            (0..FILTER_ROWS)
                .filter_map(|i| element(&format!("f{i}")))
                .collect()
        },
        list: (stat_type == "List").then(|| ListSpec {
            columns: form.all("columns").into_iter().map(str::to_owned).collect(),
            sort: form.get("sort").unwrap_or("number").to_owned(),
            descending: form.has("descending"),
            limit: form.text("limit").parse().unwrap_or(0),
        }),
        static_stat: (stat_type == "Static").then(|| "state-changes-monthly".to_owned()),
        stat_type,
    }
}

/// A new statistic's defaults for a type.
fn new_spec(stat_type: &str) -> StatSpec {
    let base = StatSpec {
        stat_type: stat_type.to_owned(),
        permission_groups: vec!["stats".into()],
        formats: StatFormat::ALL.map(|f| f.name().to_owned()).to_vec(),
        time_zone: "UTC".into(),
        valid: true,
        ..StatSpec::default()
    };
    match stat_type {
        "List" => StatSpec {
            list: Some(ListSpec {
                columns: vec!["number".into(), "title".into(), "created".into()],
                sort: "created".into(),
                descending: true,
                limit: 100,
            }),
            ..base
        },
        "Static" => StatSpec {
            static_stat: Some("state-changes-monthly".into()),
            ..base
        },
        _ => StatSpec {
            stat_type: "Matrix".into(),
            sum_row: true,
            sum_column: true,
            x: Some(ElementSpec {
                element: "state".into(),
                values: String::new(),
                allow_changes: true,
            }),
            y: vec![ElementSpec {
                element: "queue".into(),
                values: String::new(),
                allow_changes: true,
            }],
            ..base
        },
    }
}

fn element_row(
    ctx: &UiCtx,
    prefix: &str,
    label: &str,
    e: Option<&ElementSpec>,
    errors: &FormErrors,
) -> Markup {
    let chosen = e.map(|e| e.element.as_str()).unwrap_or("");
    html! {
        div.stats-element data-row=(prefix) {
            label for={ (prefix) "_element" } { (label) }
            select id={ (prefix) "_element" } name={ (prefix) "_element" } aria-invalid=[errors.invalid(prefix)] {
                option value="" { "–" }
                @for k in ElementKind::ALL {
                    @let name = element_name(k);
                    option value=(name) selected[chosen == name] { (translate_dyn(ctx.lang, element_kind_label(k))) }
                }
            }
            label.sr-only for={ (prefix) "_values" } { (tr!(ctx, "%{element} values", element = label)) }
            input id={ (prefix) "_values" } name={ (prefix) "_values" } size="40"
                value=(e.map(|e| e.values.as_str()).unwrap_or_default())
                placeholder=(tr!(ctx, "names, comma-separated (empty: all) or last:3:month@day"))
                aria-invalid=[errors.invalid(prefix)] aria-describedby=[errors.fields.contains_key(prefix).then(|| format!("err-{prefix}"))];
            label.inline { input type="checkbox" name={ (prefix) "_allow" } value="1" checked[e.is_some_and(|e| e.allow_changes)]; " " (tr!(ctx, "allow changes before running")) }
            (errors.at(prefix))
        }
    }
}

async fn edit_form<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    number: Option<u32>,
    spec: &StatSpec,
    errors: &FormErrors,
    preview: Option<Markup>,
    notice: Option<&str>,
) -> Markup {
    let groups = state
        .desk()
        .groups(ctx.principal())
        .await
        .unwrap_or_default();
    let action = number.map_or_else(
        || "/agent/stats/new".to_owned(),
        |n| format!("/agent/stats/{n}/edit"),
    );
    let is = |t: &str| spec.stat_type == t;
    let list = spec.list.clone().unwrap_or_default();
    html! {
        form.stats-edit method="post" action=(action) data-stats-preview="/agent/stats/preview" novalidate {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            input type="hidden" name="type" value=(spec.stat_type);
            @if let Some(m) = notice { p.notice role="status" { (m) } }
            @if let Some(m) = &errors.general { p.error role="alert" { (m) } }
            fieldset {
                legend { (tr!(ctx, "General")) }
                div.field {
                    label for="title" { (tr!(ctx, "Title (required)")) }
                    input #title name="title" value=(spec.title) size="60" aria-invalid=[errors.invalid("title")];
                    (errors.at("title"))
                }
                div.field {
                    label for="description" { (tr!(ctx, "Description")) }
                    textarea #description name="description" rows="3" cols="60" aria-invalid=[errors.invalid("description")] { (spec.description) }
                    (errors.at("description"))
                }
                p { (tr!(ctx, "Type:")) " " strong { (spec.stat_type) } " · " (tr!(ctx, "Object:")) " "
                    strong { @match spec.stat_type.as_str() { "List" => "Ticketlist", "Static" => "StateAction", _ => "TicketAccumulation" } } }
                div.field {
                    span.label #groups-label { (tr!(ctx, "Permissions")) }
                    div role="group" aria-labelledby="groups-label" {
                        @for g in &groups {
                            label.inline { input type="checkbox" name="permission_groups" value=(g.name) checked[spec.permission_groups.contains(&g.name)]; " " (g.name) }
                        }
                    }
                    (errors.at("permission_groups"))
                }
                div.field {
                    span.label #formats-label { (tr!(ctx, "Formats")) }
                    div role="group" aria-labelledby="formats-label" {
                        @for f in StatFormat::ALL {
                            label.inline { input type="checkbox" name="formats" value=(f.name()) checked[spec.formats.iter().any(|x| x == f.name())]; " " (translate_dyn(ctx.lang, format_label(f))) }
                        }
                    }
                    (errors.at("formats"))
                }
                div.field {
                    label for="time_zone" { (tr!(ctx, "Time zone")) }
                    input #time_zone name="time_zone" value=(spec.time_zone) aria-invalid=[errors.invalid("time_zone")];
                    (errors.at("time_zone"))
                }
                @if is("Matrix") {
                    label.inline { input type="checkbox" name="sum_row" value="1" checked[spec.sum_row]; " " (tr!(ctx, "Create summation row")) }
                    label.inline { input type="checkbox" name="sum_column" value="1" checked[spec.sum_column]; " " (tr!(ctx, "Create summation column")) }
                }
                label.inline { input type="checkbox" name="valid" value="1" checked[spec.valid]; " " (tr!(ctx, "Valid")) }
            }
            @if is("Matrix") {
                fieldset {
                    legend { (tr!(ctx, "X axis")) }
                    (element_row(ctx, "x", &tr!(ctx, "Element"), spec.x.as_ref(), errors))
                }
                fieldset {
                    legend { (tr!(ctx, "Y axis")) }
                    p.muted { (tr!(ctx, "Several elements make one row per combination of their values.")) }
                    (errors.at("y"))
                    @for i in 0..MAX_Y_ELEMENTS {
                        (element_row(ctx, &format!("y{i}"), &tr!(ctx, "Element %{n}", n = i + 1), spec.y.get(i), errors))
                    }
                }
            }
            @if is("List") {
                fieldset {
                    legend { (tr!(ctx, "Columns and order")) }
                    div role="group" aria-label=(tr!(ctx, "Columns")) {
                        @for c in ListColumn::ALL {
                            label.inline { input type="checkbox" name="columns" value=(c.name()) checked[list.columns.iter().any(|x| x == c.name())]; " " (translate_dyn(ctx.lang, list_column_label(c))) }
                        }
                    }
                    (errors.at("columns"))
                    div.field {
                        label for="sort" { (tr!(ctx, "Sort by")) }
                        select #sort name="sort" aria-invalid=[errors.invalid("sort")] {
                            @for c in ListColumn::ALL.into_iter().filter(|c| otrs_core::stats::engine::list_sort(*c, false).is_some()) {
                                option value=(c.name()) selected[list.sort == c.name()] { (translate_dyn(ctx.lang, list_column_label(c))) }
                            }
                        }
                        label.inline { input type="checkbox" name="descending" value="1" checked[list.descending]; " " (tr!(ctx, "largest first")) }
                        (errors.at("sort"))
                    }
                    div.field {
                        label for="limit" { (tr!(ctx, "Most rows")) }
                        input #limit name="limit" type="number" min="1" max="10000" value=(list.limit) aria-invalid=[errors.invalid("limit")];
                        (errors.at("limit"))
                    }
                }
            }
            @if !is("Static") {
                fieldset {
                    legend { (tr!(ctx, "Filters")) }
                    @for i in 0..FILTER_ROWS {
                        (element_row(ctx, &format!("f{i}"), &tr!(ctx, "Filter %{n}", n = i + 1), spec.filters.get(i), errors))
                    }
                }
            }
            div.actions {
                button type="submit" name="save" value="1" { (tr!(ctx, "Save")) }
                " "
                button type="submit" name="preview" value="1" { (tr!(ctx, "Preview")) }
                " " a href="/agent/stats" { (tr!(ctx, "Cancel")) }
            }
            section.widget #stats-preview-widget aria-labelledby="preview-title" {
                header { h2 #preview-title { (tr!(ctx, "Preview")) } }
                div.body #stats-preview aria-live="polite" {
                    @match preview {
                        Some(p) => (p),
                        None => p.muted { (tr!(ctx, "Change the form (or press Preview) to see the result.")) },
                    }
                }
            }
        }
    }
}

fn editor_crumbs(ctx: &UiCtx, label: String) -> Crumbs {
    Crumbs {
        path: vec![
            (tr!(ctx, "Dashboard").into_owned(), Some("/agent".into())),
            (
                tr!(ctx, "Statistics").into_owned(),
                Some("/agent/stats".into()),
            ),
            (label, None),
        ],
        ..Crumbs::default()
    }
}

fn refuse_unless_admin(ctx: &UiCtx) -> Result<(), ApiError> {
    if is_stats_admin(&ctx.agent) {
        Ok(())
    } else {
        Err(ApiError::new(
            "permission-denied",
            "creating and changing statistics needs rw on the stats group",
        ))
    }
}

/// `GET /agent/stats/new?type=Matrix|List|Static`.
pub(crate) async fn new_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    if let Err(e) = refuse_unless_admin(&ctx) {
        return problem_page(&state, &ctx, n_!("New statistic"), &e).await;
    }
    let spec = new_spec(query.get("type").unwrap_or("Matrix"));
    let form = edit_form(
        &state,
        &ctx,
        None,
        &spec,
        &FormErrors::default(),
        None,
        None,
    )
    .await;
    agent_page(
        &state,
        &ctx,
        &tr!(ctx, "New statistic"),
        editor_crumbs(
            &ctx,
            tr!(ctx, "New %{type} statistic", type = spec.stat_type),
        ),
        form,
    )
    .await
}

/// `GET /agent/stats/{number}/edit`.
pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(number): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let title = tr!(ctx, "Edit statistic");
    let loaded = async {
        refuse_unless_admin(&ctx)?;
        let number = number_of(&number)?;
        let stat = state.desk().stat(ctx.principal(), number).await?;
        let spec = state
            .desk()
            .stat_spec(ctx.principal(), &stat.settings)
            .await?;
        Ok::<_, ApiError>((number, spec))
    };
    let (number, spec) = match loaded.await {
        Ok(x) => x,
        Err(e) => return problem_page(&state, &ctx, &title, &e).await,
    };
    let notice = if query.has("imported") {
        Some(tr!(ctx, "Imported. Check the settings and save."))
    } else if query.has("saved") {
        Some(tr!(ctx, "Saved."))
    } else {
        None
    };
    let form = edit_form(
        &state,
        &ctx,
        Some(number),
        &spec,
        &FormErrors::default(),
        None,
        notice.as_deref(),
    )
    .await;
    agent_page(
        &state,
        &ctx,
        &title,
        editor_crumbs(&ctx, tr!(ctx, "Edit %{number}", number = number)),
        form,
    )
    .await
}

async fn preview_markup<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    spec: &StatSpec,
) -> Result<Markup, ApiError> {
    let desk = state.desk();
    // A preview needs no title or description yet (saving still does).
    let mut spec = spec.clone();
    if spec.title.trim().is_empty() {
        spec.title = tr!(ctx, "Preview").into_owned();
    }
    if spec.description.trim().is_empty() {
        spec.description = tr!(ctx, "Preview").into_owned();
    }
    let settings = desk.stat_settings_from_spec(ctx.principal(), &spec).await?;
    let table = desk.preview_stat(ctx.principal(), settings).await?;
    Ok(html! { (result_table(&table, ctx.lang)) (crate::ui::stats_chart::chart(&table, ctx.lang)) })
}

async fn save<S: Store>(
    state: AppState<S>,
    ctx: Arc<UiCtx>,
    number: Option<u32>,
    form: Fields,
) -> Response {
    let title = if number.is_some() {
        tr!(ctx, "Edit statistic")
    } else {
        tr!(ctx, "New statistic")
    };
    if let Err(e) = refuse_unless_admin(&ctx) {
        return problem_page(&state, &ctx, &title, &e).await;
    }
    let spec = spec_from_form(&form);
    let crumbs = editor_crumbs(
        &ctx,
        number.map_or_else(
            || tr!(ctx, "New %{type} statistic", type = spec.stat_type),
            |n| tr!(ctx, "Edit %{number}", number = n),
        ),
    );
    if form.has("preview") {
        let (errors, preview) = match preview_markup(&state, &ctx, &spec).await {
            Ok(p) => (FormErrors::default(), Some(p)),
            Err(e) => (FormErrors::of(&e), None),
        };
        let page = edit_form(&state, &ctx, number, &spec, &errors, preview, None).await;
        return agent_page(&state, &ctx, &title, crumbs, page).await;
    }
    let desk = state.desk();
    let saved = async {
        let settings = desk.stat_settings_from_spec(ctx.principal(), &spec).await?;
        let stat = match number {
            Some(n) => desk.update_stat(ctx.principal(), n, settings, None).await?,
            None => desk.create_stat(ctx.principal(), settings).await?,
        };
        Ok::<_, ApiError>(stat.number)
    };
    match saved.await {
        Ok(n) => see_other(&format!("/agent/stats/{n}/edit?saved=1")),
        Err(e) => {
            let errors = FormErrors::of(&e);
            let page = edit_form(&state, &ctx, number, &spec, &errors, None, None).await;
            agent_page_with(
                &state,
                &ctx,
                StatusCode::UNPROCESSABLE_ENTITY,
                &title,
                crumbs,
                page,
            )
            .await
        }
    }
}

/// `POST /agent/stats/new`: creates (or, with `preview`, previews) a statistic.
pub(crate) async fn create<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    save(state, ctx, None, form).await
}

/// `POST /agent/stats/{number}/edit`: saves (or previews) a statistic.
pub(crate) async fn update<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(number): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    match number_of(&number) {
        Ok(n) => save(state, ctx, Some(n), form).await,
        Err(e) => problem_page(&state, &ctx, n_!("Edit statistic"), &e).await,
    }
}

/// `POST /agent/stats/preview`: the preview of the posted form as an HTML fragment (for the
/// script that swaps it into the page).
pub(crate) async fn preview<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let markup = match refuse_unless_admin(&ctx) {
        Err(e) => Err(e),
        Ok(()) => preview_markup(&state, &ctx, &spec_from_form(&form)).await,
    };
    match markup {
        Ok(m) => html_response(StatusCode::OK, m),
        Err(e) => html_response(
            e.status(),
            html! { p.error role="alert" { (message_of(&e)) } },
        ),
    }
}
