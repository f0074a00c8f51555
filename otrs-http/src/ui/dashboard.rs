//! The personal dashboard: Queue Metric, Escalations, Reminders and ticket-list widgets, which
//! each agent adds, removes, reorders, renames and configures (stored in the agent's
//! preferences).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use otrs_core::desk::MAX_ESCALATIONS;
use otrs_core::ids::{QueueId, StateId};
use otrs_core::store::Store;

use crate::api::convert;
use crate::error::ApiError;
use crate::i18n::translate_dyn;
use crate::state::AppState;
use crate::tr;
use crate::ui::columns::Column;
use crate::ui::fields::FormFields;
use crate::ui::frame::{Crumbs, DetailWidget, agent_page, agent_page_with, grid};
use crate::ui::lists::{load, table};
use crate::ui::prefs::{
    self, DASHBOARD_KEY, Dashboard, FILTER_FIELDS, ListSpec, Widget, WidgetKind,
};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, message_in, see_other};

fn dashboard(ctx: &UiCtx) -> Dashboard {
    prefs::load(&ctx.agent, DASHBOARD_KEY, Dashboard::default)
}

async fn queue_metric<S: Store>(state: &AppState<S>, ctx: &UiCtx) -> Result<Markup, ApiError> {
    let counts = state.desk().queue_state_counts(ctx.principal()).await?;
    let names = state.names().await;
    let mut by_queue: BTreeMap<String, BTreeMap<StateId, u64>> = BTreeMap::new();
    let mut states: Vec<StateId> = Vec::new();
    for c in counts.iter().filter(|c| c.count > 0) {
        let q: QueueId = c.queue_id;
        *by_queue
            .entry(names.queue(q))
            .or_default()
            .entry(c.state_id)
            .or_default() += c.count;
        if !states.contains(&c.state_id) {
            states.push(c.state_id);
        }
    }
    states.sort_by_key(|s| s.0);
    let total_of = |s: StateId| -> u64 { by_queue.values().filter_map(|m| m.get(&s)).sum() };
    let grand: u64 = by_queue.values().flat_map(|m| m.values()).sum();
    Ok(html! {
        @if by_queue.is_empty() {
            p.muted { (tr!(ctx, "Currently no data available.")) }
        } @else {
            table.list {
                thead { tr {
                    th scope="col" { (tr!(ctx, "Queue")) }
                    @for s in &states { th scope="col" { (crate::ui::names::shown(ctx.lang, &names.state(*s).0)) } }
                    th scope="col" { (tr!(ctx, "Total")) }
                } }
                tbody {
                    @for (queue, row) in &by_queue {
                        tr {
                            th scope="row" { (queue) }
                            @for s in &states { td.num { (row.get(s).copied().unwrap_or(0)) } }
                            td.num { (row.values().sum::<u64>()) }
                        }
                    }
                }
                tfoot { tr {
                    th scope="row" { (tr!(ctx, "Total")) }
                    @for s in &states { td.num { (total_of(*s)) } }
                    td.num { (grand) }
                } }
            }
        }
    })
}

/// The Escalations widget: the agent's tickets with deadlines, earliest first, with the kind of
/// the next deadline and the time left (negative when it has passed).
async fn escalations<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    w: &Widget,
) -> Result<(usize, Markup), ApiError> {
    let spec = &w.list;
    let limit = usize::try_from(spec.per_page())
        .unwrap_or(usize::MAX)
        .min(MAX_ESCALATIONS);
    let found = state
        .desk()
        .escalating_tickets(ctx.principal(), None, None, limit)
        .await?;
    let now = state.desk().now();
    let names = state.names().await;
    let mut items = Vec::with_capacity(found.len());
    for t in &found {
        items.push(convert::ticket(state, &names, &t.ticket).await);
    }
    let columns = spec.columns();
    let time = |t| ctx.time(t);
    let markup = html! {
        table.list.escalations {
            thead { tr {
                @for c in &columns { th scope="col" { (c.heading(ctx.lang)) } }
                th scope="col" { (tr!(ctx, "Escalation")) }
                th scope="col" { (tr!(ctx, "Escalation Time")) }
            } }
            tbody {
                @for (t, dto) in found.iter().zip(&items) {
                    @if let Some((kind, at)) = t.escalation.earliest() {
                        @let escalated = at <= now;
                        tr data-id=(dto.id) class=[escalated.then_some("escalated")] {
                            @for c in &columns {
                                td {
                                    @match c {
                                        Column::Number | Column::Title => a href={ "/agent/tickets/" (dto.id) } { (c.text(dto, &time, ctx.lang)) },
                                        c => (c.text(dto, &time, ctx.lang)),
                                    }
                                }
                            }
                            td { (crate::ui::names::shown(ctx.lang, kind.label())) }
                            td {
                                time datetime=(at.to_rfc3339()) title=(ctx.time(at)) {
                                    @if escalated { (tr!(ctx, "escalated %{span} ago", span = span_text(ctx, now - at))) }
                                    @else { (tr!(ctx, "in %{span}", span = span_text(ctx, at - now))) }
                                }
                            }
                        }
                    }
                }
            }
        }
        @if found.is_empty() { p.more { (tr!(ctx, "Currently no data available.")) } }
    };
    Ok((found.len(), markup))
}

/// A duration as agents read it: "2 d 3 h", "3 h 20 min", "12 min".
fn span_text(ctx: &UiCtx, span: chrono::Duration) -> String {
    let minutes = span.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match (days, hours) {
        (0, 0) => tr!(ctx, "%{m} min", m = mins),
        (0, h) => tr!(ctx, "%{h} h %{m} min", h = h, m = mins),
        (d, h) => tr!(ctx, "%{d} d %{h} h", d = d, h = h),
    }
}

/// A widget's title with its number of tickets.
fn counted(ctx: &UiCtx, name: &str, count: u64) -> String {
    if count == 1 {
        tr!(ctx, "%{name} (1 Ticket)", name = name)
    } else {
        tr!(
            ctx,
            "%{name} (%{count} Tickets)",
            name = name,
            count = count
        )
    }
}

async fn widget_body<S: Store>(state: &AppState<S>, ctx: &UiCtx, w: &Widget) -> (String, Markup) {
    let spec = &w.list;
    let name = prefs::shown_name(ctx.lang, &spec.name).into_owned();
    match w.kind {
        WidgetKind::QueueMetric => match queue_metric(state, ctx).await {
            Ok(m) => (name, m),
            Err(e) => (name, html! { p.error { (message_in(ctx.lang, &e)) } }),
        },
        WidgetKind::Escalations => match escalations(state, ctx, w).await {
            Ok((count, m)) => (counted(ctx, &name, count as u64), m),
            Err(e) => (name, html! { p.error { (message_in(ctx.lang, &e)) } }),
        },
        WidgetKind::Reminders | WidgetKind::TicketList => {
            match load(state, ctx, &spec.filter, &spec.sort, 1, spec.per_page()).await {
                Ok(loaded) => {
                    let title = counted(ctx, &name, loaded.total);
                    (
                        title,
                        table(ctx, &spec.columns(), &loaded, &spec.sort, None, false),
                    )
                }
                Err(e) => (name, html! { p.error { (message_in(ctx.lang, &e)) } }),
            }
        }
        // --- calui
        WidgetKind::AppointmentsToday => (
            name,
            crate::ui::calendar::widget(state, ctx, crate::ui::calendar::View::Day).await,
        ),
        WidgetKind::AppointmentsThisWeek => (
            name,
            crate::ui::calendar::widget(state, ctx, crate::ui::calendar::View::Week).await,
        ),
        WidgetKind::AppointmentsThisMonth => (
            name,
            crate::ui::calendar::widget(state, ctx, crate::ui::calendar::View::Month).await,
        ),
    }
}

fn tools(ctx: &UiCtx, w: &Widget, first: bool, last: bool) -> Markup {
    let action = format!("/agent/dashboard/widgets/{}", w.id);
    let name = prefs::shown_name(ctx.lang, &w.list.name);
    html! {
        @if !first {
            form method="post" action=(action) {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                button type="submit" name="action" value="up" aria-label=(tr!(ctx, "Move %{name} up", name = name)) { "↑" }
            }
        }
        @if !last {
            form method="post" action=(action) {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                button type="submit" name="action" value="down" aria-label=(tr!(ctx, "Move %{name} down", name = name)) { "↓" }
            }
        }
        a.button href=(action) aria-label=(tr!(ctx, "Configure %{name}", name = name)) { "⚙" }
        form method="post" action=(action) data-confirm=(tr!(ctx, "Remove the widget %{name}?", name = name)) {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            button.danger type="submit" name="action" value="remove" aria-label=(tr!(ctx, "Remove %{name}", name = name)) { "✕" }
        }
    }
}

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    let d = dashboard(&ctx);
    let mut widgets = Vec::with_capacity(d.widgets.len());
    let n = d.widgets.len();
    for (i, w) in d.widgets.iter().enumerate() {
        let (title, body) = widget_body(&state, &ctx, w).await;
        widgets.push(DetailWidget {
            id: format!("widget-{}", w.id),
            title,
            tools: Some(tools(&ctx, w, i == 0, i + 1 == n)),
            body,
        });
    }
    let right = html! {
        form method="post" action="/agent/dashboard/widgets" {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            span.muted { (tr!(ctx, "Layout:")) " " }
            @for l in 1..=3u8 {
                button type="submit" name="layout" value=(l) aria-pressed=(if l == d.layout { "true" } else { "false" }) aria-label=(tr!(ctx, "%{count}-column layout", count = l)) { (l) }
            }
        }
    };
    let left = html! {
        form #add-widget method="post" action="/agent/dashboard/widgets" {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            label.sr-only for="widget-kind" { (tr!(ctx, "Widget to add")) }
            select #widget-kind name="kind" {
                @for k in WidgetKind::catalogue() { option value=(k.key()) { (translate_dyn(ctx.lang, k.label())) } }
            }
            " " button type="submit" { "+ " (tr!(ctx, "Add widget")) }
        }
    };
    let crumbs = Crumbs {
        path: vec![(tr!(ctx, "Dashboard").into(), None)],
        left: Some(left),
        right: Some(right),
        ..Crumbs::default()
    };
    let body = html! {
        @if widgets.is_empty() { p.muted { (tr!(ctx, "The dashboard has no widgets; add one above.")) } }
        (grid(d.layout, &widgets))
    };
    agent_page(&state, &ctx, &tr!(ctx, "Dashboard"), crumbs, body).await
}

/// Adds a widget (`kind`) or changes the layout (`layout`).
pub(crate) async fn add<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let mut d = dashboard(&ctx);
    if let Some(layout) = form.get("layout") {
        match layout.parse::<u8>() {
            Ok(l @ 1..=3) => d.layout = l,
            _ => {
                let e = ApiError::invalid("layout", "must be 1, 2 or 3");
                return problem_page(&state, &ctx, &tr!(ctx, "Dashboard"), &e).await;
            }
        }
    } else {
        let Some(kind) = form.get("kind").and_then(WidgetKind::from_key) else {
            let e = ApiError::invalid("kind", "unknown widget");
            return problem_page(&state, &ctx, &tr!(ctx, "Dashboard"), &e).await;
        };
        if d.widgets.len() >= 30 {
            let e = ApiError::invalid("kind", crate::n_!("a dashboard holds at most 30 widgets"));
            return problem_page(&state, &ctx, &tr!(ctx, "Dashboard"), &e).await;
        }
        let id = prefs::next_id(d.widgets.iter().map(|w| w.id));
        d.widgets.push(kind.widget(id));
    }
    store(&state, &ctx, &d).await
}

async fn store<S: Store>(state: &AppState<S>, ctx: &UiCtx, d: &Dashboard) -> Response {
    match prefs::save(state, &ctx.agent, DASHBOARD_KEY, Some(d)).await {
        Ok(()) => see_other("/agent"),
        Err(e) => problem_page(state, ctx, &tr!(ctx, "Dashboard"), &e).await,
    }
}

pub(crate) fn settings_form(
    ctx: &UiCtx,
    action: &str,
    spec: &ListSpec,
    with_filter: bool,
) -> Markup {
    let chosen = spec.columns();
    html! {
        form.stack method="post" action=(action) {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            input type="hidden" name="columns_present" value="1";
            div {
                label for="name" { (tr!(ctx, "Title")) }
                input #name name="name" required maxlength="100" value=(spec.name);
            }
            fieldset {
                legend { (tr!(ctx, "Columns")) }
                p.note { (tr!(ctx, "Tick the columns to show; the order here is the order of the columns.")) }
                (crate::ui::columns::chooser(ctx.lang, &chosen))
            }
            div.form-grid {
                div {
                    label for="sort" { (tr!(ctx, "Sort by")) }
                    select #sort name="sort" {
                        @for c in Column::ALL.into_iter().filter(|c| c.sort_name().is_some()) {
                            @let name = c.sort_name().unwrap_or_default();
                            option value=(name) selected[spec.sort == name] { (tr!(ctx, "%{column} (ascending)", column = c.heading(ctx.lang))) }
                            option value={ "-" (name) } selected[spec.sort == format!("-{name}")] { (tr!(ctx, "%{column} (descending)", column = c.heading(ctx.lang))) }
                        }
                    }
                }
                div {
                    label for="per_page" { (tr!(ctx, "Number of results")) }
                    input #per_page name="per_page" type="number" min="1" max=(prefs::MAX_PER_PAGE) value=(spec.per_page());
                }
            }
            @if with_filter {
                fieldset {
                    legend { (tr!(ctx, "Filter")) }
                    div.form-grid {
                        @for (name, label) in FILTER_FIELDS {
                            div {
                                label for={ "f_" (name) } { (translate_dyn(ctx.lang, label)) }
                                input id={ "f_" (name) } name={ "f_" (name) } value=(spec.filter.get(name));
                            }
                        }
                    }
                    p.note { (tr!(ctx, "Comma-separated names or ids; “me” in Owner or Responsible is you. Query uses the search language, e.g. title:printer AND state:open.")) }
                }
            }
            div { button.primary type="submit" name="action" value="save" { (tr!(ctx, "Save")) } " " a.button href="/agent" { (tr!(ctx, "Cancel")) } }
        }
    }
}

fn widget_id(id: &str) -> Result<u32, ApiError> {
    id.parse()
        .map_err(|_| ApiError::new("not-found", format!("no such widget: {id}")))
}

pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let d = dashboard(&ctx);
    let Some(w) = widget_id(&id)
        .ok()
        .and_then(|id| d.widgets.iter().find(|w| w.id == id))
    else {
        let e = ApiError::new("not-found", format!("no such widget: {id}"));
        return problem_page(&state, &ctx, &tr!(ctx, "Widget settings"), &e).await;
    };
    render_edit(&state, &ctx, w, None, StatusCode::OK).await
}

async fn render_edit<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    w: &Widget,
    error: Option<&ApiError>,
    status: StatusCode,
) -> Response {
    let action = format!("/agent/dashboard/widgets/{}", w.id);
    let with_filter = !matches!(w.kind, WidgetKind::QueueMetric) && !w.kind.is_calendar();
    let body = html! {
        @if let Some(e) = error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        p.muted { (tr!(ctx, "Widget type: %{kind}", kind = translate_dyn(ctx.lang, w.kind.label()))) }
        (settings_form(ctx, &action, &w.list, with_filter))
    };
    let title = tr!(ctx, "Widget settings");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

/// Moves (`action=up|down`), removes (`remove`) or configures (`save`) a widget.
pub(crate) async fn change<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let mut d = dashboard(&ctx);
    let Some(pos) = widget_id(&id)
        .ok()
        .and_then(|id| d.widgets.iter().position(|w| w.id == id))
    else {
        let e = ApiError::new("not-found", format!("no such widget: {id}"));
        return problem_page(&state, &ctx, &tr!(ctx, "Dashboard"), &e).await;
    };
    match form.get("action").unwrap_or("") {
        "up" if pos > 0 => d.widgets.swap(pos, pos - 1),
        "down" if pos + 1 < d.widgets.len() => d.widgets.swap(pos, pos + 1),
        "up" | "down" => {}
        "remove" => {
            d.widgets.remove(pos);
        }
        "save" => {
            let mut spec = d.widgets[pos].list.clone();
            if let Err(e) = spec.apply_form(&form) {
                let w = d.widgets[pos].clone();
                return render_edit(&state, &ctx, &w, Some(&e), e.status()).await;
            }
            d.widgets[pos].list = spec;
        }
        other => {
            let e = ApiError::invalid("action", format!("unknown action {other:?}"));
            return problem_page(&state, &ctx, &tr!(ctx, "Dashboard"), &e).await;
        }
    }
    store(&state, &ctx, &d).await
}
