//! Ticket lists: the organizer's lists with configurable columns, sort by header click,
//! structured and query-language filters (parse errors inline), named presets per agent, the
//! total and "load more", unread tickets in bold, selection for bulk actions and export, and
//! live updates over Server-Sent Events (default mode: a notice; pulse mode: rows change in
//! place).

use std::collections::HashSet;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use otrs_core::ids::TicketId;
use otrs_core::store::{Store, TicketSort};

use crate::api::tickets::run_ticket_list;
use crate::dto::TicketDto;
use crate::error::ApiError;
use crate::i18n::translate_dyn;
use crate::state::AppState;
use crate::tr;
use crate::ui::columns::Column;
use crate::ui::fields::{FormFields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::prefs::{self, FILTER_FIELDS, Filter, ListSpec, PRESETS_KEY, Preset};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, html_response, message_in, see_other};

/// One loaded page of a list.
#[derive(Debug, Default)]
pub(crate) struct Loaded {
    pub(crate) items: Vec<TicketDto>,
    pub(crate) total: u64,
    pub(crate) unread: HashSet<u64>,
}

/// Runs a list for the agent: `page` (1-based) of `per_page` rows.
pub(crate) async fn load<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    filter: &Filter,
    sort: &str,
    page: u32,
    per_page: u32,
) -> Result<Loaded, ApiError> {
    let mut params = filter.params(&ctx.agent);
    params.sort = Some(sort.to_owned());
    params.page = Some(page.max(1));
    params.per_page = Some(per_page.clamp(1, prefs::MAX_PER_PAGE));
    let list = run_ticket_list(state, ctx.principal(), &params).await?;
    let ids: Vec<TicketId> = list.items.iter().map(|t| TicketId(t.id)).collect();
    let unread = state
        .desk()
        .unread_tickets(ctx.principal(), &ids)
        .await?
        .into_iter()
        .map(|t| t.0)
        .collect();
    Ok(Loaded {
        items: list.items,
        total: list.total,
        unread,
    })
}

/// Loads pages 1..=`pages` and returns them as one.
async fn load_pages<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    filter: &Filter,
    sort: &str,
    pages: u32,
    per_page: u32,
) -> Result<Loaded, ApiError> {
    let mut all = load(state, ctx, filter, sort, 1, per_page).await?;
    for page in 2..=pages.min(1000) {
        if all.items.len() as u64 >= all.total {
            break;
        }
        let more = load(state, ctx, filter, sort, page, per_page).await?;
        if more.items.is_empty() {
            break;
        }
        all.items.extend(more.items);
        all.unread.extend(more.unread);
    }
    Ok(all)
}

/// The rows of a ticket table.
pub(crate) fn row_markup(
    ctx: &UiCtx,
    columns: &[Column],
    loaded: &Loaded,
    selectable: bool,
) -> Markup {
    let time = |t| ctx.time(t);
    html! {
        @for t in &loaded.items {
            @let unread = loaded.unread.contains(&t.id);
            tr data-id=(t.id) data-version=(t.version) class=[unread.then_some("unread")] {
                @if selectable {
                    td { input type="checkbox" name="ids" value=(t.id) aria-label=(tr!(ctx, "Select ticket %{number}", number = t.number)); }
                }
                @for (i, c) in columns.iter().enumerate() {
                    td class=[(i > 2).then_some("optional")] {
                        @match c {
                            Column::Number | Column::Title => a href={ "/agent/tickets/" (t.id) } { (c.text(t, &time, ctx.lang)) },
                            c if c.is_time() => time datetime=(time_attr(*c, t)) { (c.text(t, &time, ctx.lang)) },
                            c => (c.text(t, &time, ctx.lang)),
                        }
                        @if unread && *c == Column::Title { span.sr-only { " (" (tr!(ctx, "unread")) ")" } }
                    }
                }
            }
        }
    }
}

fn time_attr(c: Column, t: &TicketDto) -> String {
    match c {
        Column::Created => t.created_at.to_rfc3339(),
        Column::Changed => t.changed_at.to_rfc3339(),
        Column::PendingUntil => t.pending_until.map(|p| p.to_rfc3339()).unwrap_or_default(),
        _ => String::new(),
    }
}

/// A ticket table with sortable headers; `sort_link` makes the link for a sort.
pub(crate) fn table(
    ctx: &UiCtx,
    columns: &[Column],
    loaded: &Loaded,
    sort: &str,
    sort_link: Option<&dyn Fn(&str) -> String>,
    selectable: bool,
) -> Markup {
    let current = TicketSort::parse(sort);
    html! {
        table.list data-selectable[selectable] {
            thead { tr {
                @if selectable {
                    th { input.select-all type="checkbox" aria-label=(tr!(ctx, "Select all visible tickets")); }
                }
                @for (i, c) in columns.iter().enumerate() {
                    @let sorted = current.filter(|s| Some(s.key) == c.sort_key());
                    @let aria = sorted.map(|s| if s.descending { "descending" } else { "ascending" });
                    th scope="col" aria-sort=[aria] class=[(i > 2).then_some("optional")] {
                        @match (c.sort_name(), sort_link) {
                            (Some(name), Some(link)) => {
                                @let next = if sorted.is_some_and(|s| !s.descending) { format!("-{name}") } else { name.to_owned() };
                                a href=(link(&next)) { (c.heading(ctx.lang)) @if let Some(a) = aria { (if a == "ascending" { " ▲" } else { " ▼" }) } }
                            }
                            _ => (c.heading(ctx.lang)),
                        }
                    }
                }
            } }
            tbody { (row_markup(ctx, columns, loaded, selectable)) }
        }
        @if loaded.items.is_empty() { p.more { (tr!(ctx, "Currently no data available.")) } }
    }
}

/// The list behind an organizer id.
fn spec_of(ctx: &UiCtx, id: &str) -> Result<ListSpec, ApiError> {
    let id: u32 = id
        .parse()
        .map_err(|_| ApiError::new("not-found", format!("no such list: {id}")))?;
    prefs::organizer(&ctx.agent)
        .into_iter()
        .find(|l| l.id == id)
        .ok_or_else(|| ApiError::new("not-found", format!("no such list: {id}")))
}

/// The list as this request asks for it: the saved spec, a preset, the query's filters and sort.
struct View {
    spec: ListSpec,
    filter: Filter,
    sort: String,
    preset: Option<String>,
    query: crate::ui::Fields,
}

fn view(ctx: &UiCtx, id: &str, query: &crate::ui::Fields) -> Result<View, ApiError> {
    let spec = spec_of(ctx, id)?;
    let presets: Vec<Preset> = prefs::load(&ctx.agent, PRESETS_KEY, Vec::new);
    let preset = query
        .get("preset")
        .filter(|p| !p.is_empty())
        .map(str::to_owned);
    let mut filter = spec.filter.clone();
    if let Some(name) = &preset {
        let p = presets
            .iter()
            .find(|p| &p.name == name)
            .ok_or_else(|| ApiError::invalid("preset", format!("no preset named {name:?}")))?;
        filter = p.filter.clone();
    }
    let filter = filter.overlay(query, "");
    let sort = query
        .get("sort")
        .filter(|s| TicketSort::parse(s).is_some())
        .unwrap_or(&spec.sort)
        .to_owned();
    let keep: Vec<&str> = FILTER_FIELDS
        .iter()
        .map(|(n, _)| *n)
        .chain(["preset", "sort"])
        .collect();
    let query = crate::ui::Fields(
        query
            .0
            .iter()
            .filter(|(k, _)| keep.contains(&k.as_str()))
            .cloned()
            .collect(),
    );
    Ok(View {
        spec,
        filter,
        sort,
        preset,
        query,
    })
}

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let v = match view(&ctx, &id, &query) {
        Ok(v) => v,
        Err(e) if e.code() == "not-found" => {
            return problem_page(&state, &ctx, &tr!(ctx, "Ticket list"), &e).await;
        }
        Err(e) => {
            // An unknown preset: show the list without it, saying so.
            let mut q = query.without(&["preset"]);
            q.0.push(("_error".into(), message_in(ctx.lang, &e)));
            return Box::pin(page(State(state), Extension(ctx), Path(id), QueryFields(q))).await;
        }
    };
    let per_page = v.spec.per_page();
    let pages: u32 = query.number("pages").ok().flatten().unwrap_or(1).max(1);
    let columns = v.spec.columns();
    let base = format!("/agent/tickets/list/{}", v.spec.id);
    let result = load_pages(&state, &ctx, &v.filter, &v.sort, pages, per_page).await;
    let (loaded, error) = match result {
        Ok(l) => (l, None),
        Err(e) => (Loaded::default(), Some(e)),
    };
    let status = error.as_ref().map_or(StatusCode::OK, |e| e.status());
    let field_error = |name: &str| -> Option<String> {
        let e = error.as_ref()?;
        let p = e.problem();
        if name == "q" && e.code() == "query-syntax" {
            return Some(match p.column {
                Some(col) => tr!(
                    ctx,
                    "%{problem} (at column %{column})",
                    problem = p.detail,
                    column = col
                ),
                None => p.detail,
            });
        }
        p.errors
            .iter()
            .find(|f| f.field == name)
            .map(|f| f.message.clone())
    };
    let general_error = error.as_ref().filter(|e| {
        e.code() != "query-syntax"
            && !e
                .problem()
                .errors
                .iter()
                .any(|f| FILTER_FIELDS.iter().any(|(n, _)| f.field == *n))
    });
    let presets: Vec<Preset> = prefs::load(&ctx.agent, PRESETS_KEY, Vec::new);
    let query_str = v.query.encode();
    let sort_link = |s: &str| {
        let mut q = v.query.without(&["sort"]);
        q.0.push(("sort".into(), s.to_owned()));
        format!("{base}?{}", q.encode())
    };
    let shown = loaded.items.len() as u64;
    let has_more = shown < loaded.total;
    let rows_url = format!(
        "{base}/rows?{}",
        v.query.without(&["page", "upto"]).encode()
    );
    let events_url = format!("{base}/events?{query_str}");
    let filters_open = !v.query.without(&["sort", "preset"]).0.is_empty() || error.is_some();
    let left = html! {
        button.button type="submit" form="selection" formaction="/agent/tickets/bulk" data-needs-selection { "✎ " (tr!(ctx, "Bulk")) }
        button.button type="submit" form="selection" formaction="/agent/tickets/export" data-needs-selection { "⤓ " (tr!(ctx, "Export")) }
        button.button type="submit" form="selection" formaction="/agent/tickets/watch" data-needs-selection { (tr!(ctx, "Watch")) }
        span #selected-count.muted aria-live="polite" {}
    };
    let right = html! {
        form.inline method="get" action=(base) {
            label.sr-only for="preset" { (tr!(ctx, "Filter preset")) }
            select #preset name="preset" {
                option value="" { (tr!(ctx, "Filter presets…")) }
                @for p in &presets {
                    option value=(p.name) selected[v.preset.as_deref() == Some(p.name.as_str())] { (p.name) }
                }
            }
            " " button type="submit" { (tr!(ctx, "Apply")) }
        }
        button #pulse-toggle type="button" aria-pressed="false" hidden { (tr!(ctx, "Pulse: off")) }
    };
    let crumbs = Crumbs {
        path: vec![
            (tr!(ctx, "Dashboard").into(), Some("/agent".into())),
            (prefs::shown_name(ctx.lang, &v.spec.name).into_owned(), None),
        ],
        total: Some(loaded.total),
        config: Some(format!("/agent/organizer/{}", v.spec.id)),
        left: Some(left),
        right: Some(right),
    };
    let body = html! {
        @if let Some(message) = query.get("_error") { p.error role="alert" { (message) } }
        @if let Some(e) = general_error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        details.filters open[filters_open] {
            summary { (tr!(ctx, "Filters")) }
            form.stack method="get" action=(base) {
                div.form-grid {
                    @for (name, label) in FILTER_FIELDS {
                        div {
                            label for={ "f-" (name) } { (translate_dyn(ctx.lang, label)) }
                            input id={ "f-" (name) } name=(name) value=(v.filter.get(name))
                                aria-invalid=[field_error(name).map(|_| "true")]
                                aria-describedby=[field_error(name).map(|_| format!("f-{name}-error"))];
                            @if let Some(msg) = field_error(name) {
                                div.inline-error id={ "f-" (name) "-error" } role="alert" { (msg) }
                            }
                        }
                    }
                }
                input type="hidden" name="sort" value=(v.sort);
                div { button.primary type="submit" { (tr!(ctx, "Apply filters")) } " " a.button href=(base) { (tr!(ctx, "Reset")) } }
            }
            form.stack method="post" action="/agent/tickets/presets" {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                input type="hidden" name="list" value=(v.spec.id);
                @for (name, value) in v.filter.pairs() { input type="hidden" name=(name) value=(value); }
                label for="preset-name" { (tr!(ctx, "Save these filters as a preset")) }
                div {
                    input #preset-name name="name" required maxlength="100" value=(v.preset.as_deref().unwrap_or(""));
                    " " button type="submit" name="action" value="save" { (tr!(ctx, "Save preset")) }
                    @if let Some(p) = &v.preset {
                        " " button.danger type="submit" name="action" value="delete" formnovalidate { (tr!(ctx, "Delete preset “%{name}”", name = p)) }
                    }
                }
            }
        }
        div #new-data.notice role="status" hidden {
            (tr!(ctx, "New data available.")) " " a href={ (base) "?" (query_str) } { (tr!(ctx, "Refresh the list")) }
        }
        div.list-wrap data-events=(events_url) data-refresh=(rows_url) {
            form #selection method="get" action="/agent/tickets/bulk" {
                input type="hidden" name="back" value={ (base) "?" (query_str) };
                (table(&ctx, &columns, &loaded, &v.sort, Some(&sort_link), true))
            }
            p.more {
                (tr!(ctx, "Showing")) " " span #shown-count { (shown) } " " (tr!(ctx, "of %{total}.", total = loaded.total))
                @if has_more {
                    " "
                    a.load-more href={ (base) "?" (v.query.without(&["pages"]).encode()) "&pages=" (pages + 1) }
                        data-rows=(rows_url) data-page=(pages + 1) { (tr!(ctx, "Load more")) }
                }
            }
        }
    };
    let title = prefs::shown_name(ctx.lang, &v.spec.name).into_owned();
    agent_page_with(&state, &ctx, status, &title, crumbs, body).await
}

/// Rows only: `page=N` (one page) or `upto=N` (the first N rows), for "load more" and pulse
/// mode. `X-Has-More: 1` when more rows follow.
pub(crate) async fn rows_fragment<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: &str,
    query: &crate::ui::Fields,
) -> Result<(Markup, bool), ApiError> {
    let v = view(ctx, id, query)?;
    let per_page = v.spec.per_page();
    let loaded = match query.number::<u32>("upto")? {
        Some(upto) => {
            let pages = upto.div_ceil(per_page).max(1);
            load_pages(state, ctx, &v.filter, &v.sort, pages, per_page).await?
        }
        None => {
            let page = query.number::<u32>("page")?.unwrap_or(1).max(1);
            load(state, ctx, &v.filter, &v.sort, page, per_page).await?
        }
    };
    let more = match query.number::<u32>("page")? {
        Some(page) if query.get("upto").is_none() => {
            u64::from(page) * u64::from(per_page) < loaded.total
        }
        _ => (loaded.items.len() as u64) < loaded.total,
    };
    Ok((row_markup(ctx, &v.spec.columns(), &loaded, true), more))
}

pub(crate) async fn rows<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    match rows_fragment(&state, &ctx, &id, &query).await {
        Ok((markup, more)) => {
            let mut r = html_response(StatusCode::OK, markup);
            r.headers_mut().insert(
                "x-has-more",
                HeaderValue::from_static(if more { "1" } else { "0" }),
            );
            r
        }
        Err(e) => e.into_response(),
    }
}

/// The first rows and the total, for the organizer's hover preview.
pub(crate) async fn preview<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let spec = match spec_of(&ctx, &id) {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    match load(&state, &ctx, &spec.filter, &spec.sort, 1, 10).await {
        Ok(loaded) => html_response(
            StatusCode::OK,
            html! {
                strong { (prefs::shown_name(ctx.lang, &spec.name)) } " " span.muted { "(" (loaded.total) " " (tr!(ctx, "total")) ")" }
                (table(&ctx, &spec.columns(), &loaded, &spec.sort, None, false))
            },
        ),
        Err(e) => html_response(e.status(), html! { p.error { (message_in(ctx.lang, &e)) } }),
    }
}

/// How often the event stream looks for changes.
pub const LIVE_INTERVAL: Duration = Duration::from_secs(1);

/// What the agent sees of a list: the total and the shown rows' ids and versions.
async fn signature<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    v: &View,
    upto: u32,
) -> Result<(u64, Vec<(u64, u64)>), ApiError> {
    let per_page = v.spec.per_page();
    let pages = upto.div_ceil(per_page).max(1);
    let loaded = load_pages(state, ctx, &v.filter, &v.sort, pages, per_page).await?;
    Ok((
        loaded.total,
        loaded.items.iter().map(|t| (t.id, t.version)).collect(),
    ))
}

/// Server-Sent Events: an `update` event (JSON `{"total": N}`) whenever the list's shown rows
/// or total change.
pub(crate) async fn events<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let v = match view(&ctx, &id, &query) {
        Ok(v) => v,
        Err(e) => return e.into_response(),
    };
    let upto = query
        .number::<u32>("upto")
        .ok()
        .flatten()
        .unwrap_or(v.spec.per_page())
        .clamp(1, 10_000);
    let first = match signature(&state, &ctx, &v, upto).await {
        Ok(s) => s,
        Err(e) => return e.into_response(),
    };
    // A first event at once, so that the answer's head and the stream reach the browser now.
    let ready: Result<Event, Infallible> = Ok(Event::default()
        .event("ready")
        .data(serde_json::json!({ "total": first.0 }).to_string()));
    let seed = (state, ctx, v, first);
    let changes = futures_util::stream::unfold(seed, move |(state, ctx, v, last)| async move {
        loop {
            tokio::time::sleep(LIVE_INTERVAL).await;
            let Ok(now) = signature(&state, &ctx, &v, upto).await else {
                continue;
            };
            if now != last {
                let data = serde_json::json!({ "total": now.0 }).to_string();
                let event: Result<Event, Infallible> =
                    Ok(Event::default().event("update").data(data));
                return Some((event, (state, ctx, v, now)));
            }
        }
    });
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter([ready]), changes);
    Sse::new(stream)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// Saves or deletes a named filter preset of the agent.
pub(crate) async fn save_preset<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let list = form.number::<u32>("list").ok().flatten().unwrap_or(1);
    let back = format!("/agent/tickets/list/{list}");
    let name = form.text("name");
    if name.is_empty() || name.chars().count() > 100 {
        let e = ApiError::invalid(
            "name",
            crate::n_!("a preset needs a name of 1 to 100 characters"),
        );
        return problem_page(&state, &ctx, &tr!(ctx, "Filter presets"), &e).await;
    }
    let mut presets: Vec<Preset> = prefs::load(&ctx.agent, PRESETS_KEY, Vec::new);
    presets.retain(|p| p.name != name);
    let delete = form.get("action") == Some("delete");
    if !delete {
        presets.push(Preset {
            name: name.clone(),
            filter: Filter::default().overlay(&form, ""),
        });
        presets.sort_by(|a, b| a.name.cmp(&b.name));
    }
    if let Err(e) = prefs::save(&state, &ctx.agent, PRESETS_KEY, Some(&presets)).await {
        return problem_page(&state, &ctx, &tr!(ctx, "Filter presets"), &e).await;
    }
    if delete {
        see_other(&back)
    } else {
        let q = crate::ui::Fields(vec![("preset".into(), name)]);
        see_other(&format!("{back}?{}", q.encode()))
    }
}
