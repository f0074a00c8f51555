//! Bulk actions on the tickets selected in a list: the "Lock and Continue" confirmation with
//! the tickets that cannot be locked, the form (change properties, link, merge, write e-mail,
//! write note, time units, "Unlock after bulk execute") and the report of each ticket's outcome
//! from the desk's bulk command.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{NaiveDateTime, TimeZone, Utc};
use maud::{Markup, html};
use otrs_core::desk::{
    BulkAction, BulkEmail, BulkLink, BulkMerge, BulkNote, TicketOutcome, TicketUpdate,
};
use otrs_core::ids::{AgentId, QueueId, StateId, TicketId};
use otrs_core::model::{Permission, Priority, Ticket, TimeUnits};
use otrs_core::rules::permission::agent_may_use_queue;
use otrs_core::store::Store;

use crate::api::tickets::public_error;
use crate::error::ApiError;
use crate::state::AppState;
use crate::tr;
use crate::ui::fields::{Fields, FormFields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::names;
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, message_in};

/// The selected ticket ids of a form (`ids`, repeated).
pub(crate) fn selected(fields: &Fields) -> Result<Vec<TicketId>, ApiError> {
    let mut ids = Vec::new();
    for v in fields.all("ids") {
        let id = v
            .trim()
            .parse::<u64>()
            .map_err(|_| ApiError::invalid("ids", format!("{v:?} is not a ticket id")))?;
        if !ids.contains(&TicketId(id)) {
            ids.push(TicketId(id));
        }
    }
    if ids.is_empty() {
        return Err(ApiError::invalid(
            "ids",
            crate::n_!("select at least one ticket"),
        ));
    }
    if ids.len() > otrs_core::desk::MAX_BULK_TICKETS {
        return Err(ApiError::invalid(
            "ids",
            format!(
                "at most {} tickets per bulk action",
                otrs_core::desk::MAX_BULK_TICKETS
            ),
        ));
    }
    Ok(ids)
}

/// Where the selected tickets stand for this agent.
#[derive(Debug, Default)]
struct Selection {
    /// Already locked to the agent.
    mine: Vec<Ticket>,
    /// Will be locked to the agent.
    to_lock: Vec<Ticket>,
    /// Cannot be locked: (number or id, why).
    refused: Vec<(String, String)>,
}

async fn classify<S: Store>(state: &AppState<S>, ctx: &UiCtx, ids: &[TicketId]) -> Selection {
    let queues = state
        .desk()
        .queues(ctx.principal())
        .await
        .unwrap_or_default();
    let names = state.names().await;
    let mut s = Selection::default();
    for id in ids {
        match state.desk().ticket(ctx.principal(), *id).await {
            Err(e) => s.refused.push((id.0.to_string(), public_error(&e))),
            Ok(t) => {
                let may = queues
                    .iter()
                    .find(|q| q.id == t.queue_id)
                    .is_some_and(|q| agent_may_use_queue(&ctx.agent, q, Permission::Rw));
                if t.is_locked_by(ctx.agent.id) {
                    s.mine.push(t);
                } else if t.is_locked_by_other(ctx.agent.id) {
                    let reason = tr!(ctx, "locked by %{agent}", agent = names.agent(t.owner_id));
                    s.refused.push((t.number, reason));
                } else if !may {
                    s.refused.push((
                        t.number,
                        tr!(ctx, "you have no rw permission on its queue").into(),
                    ));
                } else {
                    s.to_lock.push(t);
                }
            }
        }
    }
    s
}

fn hidden_ids(ids: &[TicketId]) -> Markup {
    html! { @for id in ids { input type="hidden" name="ids" value=(id.0); } }
}

fn refused_list(ctx: &UiCtx, s: &Selection) -> Markup {
    html! {
        @if !s.refused.is_empty() {
            div.error role="alert" {
                p { (tr!(ctx, "These tickets cannot be locked and will not be affected:")) }
                ul { @for (n, why) in &s.refused { li { (n) " — " (why) } } }
            }
        }
    }
}

/// The list to go back to (a path of the agent interface only).
pub(crate) fn back_of(fields: &Fields) -> String {
    fields
        .get("back")
        .filter(|b| b.starts_with("/agent/") && !b.starts_with("//"))
        .unwrap_or("/agent/tickets/list/1")
        .to_owned()
}

/// The bulk page: first the "Lock and Continue" confirmation, then the form.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let ids = match selected(&query) {
        Ok(ids) => ids,
        Err(e) => return problem_page(&state, &ctx, &tr!(ctx, "Bulk Action"), &e).await,
    };
    let back = back_of(&query);
    let s = classify(&state, &ctx, &ids).await;
    let title = tr!(ctx, "Bulk Action");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    if !s.to_lock.is_empty() && query.get("confirm").is_none() {
        let body = html! {
            div.widget { div.body.stack {
                h2 { (tr!(ctx, "Lock and Continue")) }
                p { @if s.to_lock.len() == 1 { (tr!(ctx, "By clicking Lock and Continue, 1 ticket will be locked to you.")) }
                    @else { (tr!(ctx, "By clicking Lock and Continue, %{count} tickets will be locked to you.", count = s.to_lock.len())) } }
                ul { @for t in &s.to_lock { li { (t.number) " — " (t.title) } } }
                (refused_list(&ctx, &s))
                form method="get" action="/agent/tickets/bulk" {
                    (hidden_ids(&ids))
                    input type="hidden" name="back" value=(back);
                    input type="hidden" name="confirm" value="1";
                    button.primary type="submit" { (tr!(ctx, "Lock and Continue")) }
                    " " a.button href=(back) { (tr!(ctx, "Cancel")) }
                }
            } }
        };
        return agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await;
    }
    form_page(
        &state,
        &ctx,
        &ids,
        &s,
        &back,
        None,
        StatusCode::OK,
        &Fields::default(),
    )
    .await
}

#[allow(clippy::too_many_arguments)]
async fn form_page<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ids: &[TicketId],
    s: &Selection,
    back: &str,
    error: Option<&ApiError>,
    status: StatusCode,
    old: &Fields,
) -> Response {
    let desk = state.desk();
    let states = desk.states(ctx.principal()).await.unwrap_or_default();
    let queues = desk.queues(ctx.principal()).await.unwrap_or_default();
    let agents = desk.agents(ctx.principal()).await.unwrap_or_default();
    let customers: Vec<String> = {
        let names = state.names().await;
        let mut out = Vec::new();
        for t in s.mine.iter().chain(&s.to_lock) {
            if let Some(c) = t.customer_user_id {
                let login = state.customer_user_login(&names, c).await;
                if !out.contains(&login) {
                    out.push(login);
                }
            }
        }
        out
    };
    let v = |k: &str| old.text(k);
    let sel = |k: &str, val: &str| old.get(k) == Some(val);
    let count = s.mine.len() + s.to_lock.len();
    let body = html! {
        @if let Some(e) = error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        (refused_list(ctx, s))
        p { @if count == 1 { (tr!(ctx, "Bulk action on 1 ticket:")) } @else { (tr!(ctx, "Bulk action on %{count} tickets:", count = count)) } " "
            @for (i, t) in s.mine.iter().chain(&s.to_lock).enumerate() { @if i > 0 { ", " } (t.number) } }
        form.stack method="post" action="/agent/tickets/bulk" {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            input type="hidden" name="back" value=(back);
            (hidden_ids(ids))
            fieldset {
                legend { (tr!(ctx, "Change Properties")) }
                div.form-grid {
                    div { label for="b-state" { (tr!(ctx, "State")) }
                        select #b-state name="state" { option value="" { (tr!(ctx, "Select…")) }
                            @for st in states.iter().filter(|s| s.valid) { option value=(st.id.0) selected[sel("state", &st.id.0.to_string())] { (names::shown(ctx.lang, &st.name)) } } } }
                    div { label for="b-pending" { (tr!(ctx, "Pending till (your time zone)")) }
                        input #b-pending type="datetime-local" name="pending_until" value=(v("pending_until")); }
                    div { label for="b-queue" { (tr!(ctx, "Queue")) }
                        select #b-queue name="queue" { option value="" { (tr!(ctx, "Select…")) }
                            @for q in &queues { option value=(q.id.0) selected[sel("queue", &q.id.0.to_string())] { (q.name) } } } }
                    div { label for="b-owner" { (tr!(ctx, "Owner")) }
                        select #b-owner name="owner" { option value="" { (tr!(ctx, "Select…")) }
                            @for a in agents.iter().filter(|a| a.id != AgentId::SYSTEM) { option value=(a.id.0) selected[sel("owner", &a.id.0.to_string())] { (a.full_name()) " (" (a.login) ")" } } } }
                    div { label for="b-responsible" { (tr!(ctx, "Responsible")) }
                        select #b-responsible name="responsible" { option value="" { (tr!(ctx, "Select…")) }
                            @for a in agents.iter().filter(|a| a.id != AgentId::SYSTEM) { option value=(a.id.0) selected[sel("responsible", &a.id.0.to_string())] { (a.full_name()) " (" (a.login) ")" } } } }
                    div { label for="b-priority" { (tr!(ctx, "Priority")) }
                        select #b-priority name="priority" { option value="" { (tr!(ctx, "Select…")) }
                            @for p in Priority::ALL { option value=(p.level()) selected[sel("priority", &p.level().to_string())] { (names::shown(ctx.lang, p.name())) } } } }
                }
            }
            fieldset {
                legend { (tr!(ctx, "Link Tickets")) }
                label { input type="radio" name="link" value="none" checked[!sel("link", "together") && !sel("link", "parent")]; " " (tr!(ctx, "Do not link")) } br;
                label { input type="radio" name="link" value="together" checked[sel("link", "together")]; " " (tr!(ctx, "Link together")) } br;
                label { input type="radio" name="link" value="parent" checked[sel("link", "parent")]; " " (tr!(ctx, "Link to the parent ticket (number, or title with * as a wildcard):")) " " }
                label.sr-only for="b-link-parent" { (tr!(ctx, "Parent ticket number")) }
                input #b-link-parent name="link_parent" value=(v("link_parent"));
            }
            fieldset {
                legend { (tr!(ctx, "Merge Tickets")) }
                p.note { (tr!(ctx, "A merge cannot be undone.")) }
                label { input type="radio" name="merge" value="none" checked[!sel("merge", "oldest") && !sel("merge", "into")]; " " (tr!(ctx, "Do not merge")) } br;
                label { input type="radio" name="merge" value="oldest" checked[sel("merge", "oldest")]; " " (tr!(ctx, "Merge to oldest")) } br;
                label { input type="radio" name="merge" value="into" checked[sel("merge", "into")]; " " (tr!(ctx, "Merge into ticket (number, or title with * as a wildcard):")) " " }
                label.sr-only for="b-merge-into" { (tr!(ctx, "Target ticket number")) }
                input #b-merge-into name="merge_into" value=(v("merge_into"));
            }
            fieldset {
                legend { (tr!(ctx, "Write Email")) }
                div { label for="b-recipients" { (tr!(ctx, "Recipients")) }
                    input #b-recipients readonly value=(customers.join(", ")); }
                div { label for="b-email-subject" { (tr!(ctx, "Subject")) } input #b-email-subject name="email_subject" value=(v("email_subject")); }
                div { label for="b-email-body" { (tr!(ctx, "Body")) } textarea #b-email-body name="email_body" { (v("email_body")) } }
                div { label for="b-email-units" { (tr!(ctx, "Time Units (work units)")) } input #b-email-units name="email_time_units" inputmode="decimal" value=(v("email_time_units")); }
            }
            fieldset {
                legend { (tr!(ctx, "Write Note")) }
                div { label for="b-note-subject" { (tr!(ctx, "Subject")) } input #b-note-subject name="note_subject" value=(v("note_subject")); }
                div { label for="b-note-body" { (tr!(ctx, "Body")) } textarea #b-note-body name="note_body" { (v("note_body")) } }
                label { input type="checkbox" name="note_visible" value="1" checked[old.has("note_visible")]; " " (tr!(ctx, "Visible for customer")) }
                div { label for="b-note-units" { (tr!(ctx, "Time Units (work units)")) } input #b-note-units name="note_time_units" inputmode="decimal" value=(v("note_time_units")); }
            }
            label { input type="checkbox" name="unlock" value="1" checked[old.0.is_empty() || old.has("unlock")]; " " (tr!(ctx, "Unlock after bulk execute")) }
            div { button.primary type="submit" { (tr!(ctx, "Execute Bulk Action")) } " " a.button href=(back) { (tr!(ctx, "Cancel")) } }
        }
    };
    let title = tr!(ctx, "Bulk Action");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

fn id_of<T>(fields: &Fields, key: &str, make: fn(u64) -> T) -> Result<Option<T>, ApiError> {
    Ok(fields.number::<u64>(key)?.map(make))
}

fn units(fields: &Fields, key: &str) -> Result<Option<TimeUnits>, ApiError> {
    let text = fields.text(key);
    if text.is_empty() {
        return Ok(None);
    }
    TimeUnits::parse(&text)
        .map(Some)
        .ok_or_else(|| ApiError::invalid(key, crate::n_!("must be a non-negative number of units")))
}

/// The ticket a link or merge target names: its number, or a title (with `*` as a wildcard)
/// that exactly one ticket the agent may read matches.
async fn ticket_by_number<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    fields: &Fields,
    key: &str,
) -> Result<TicketId, ApiError> {
    let text = fields.text(key);
    if text.is_empty() {
        return Err(ApiError::invalid(
            key,
            crate::n_!("enter a ticket number or title"),
        ));
    }
    if text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(t) = state.desk().ticket_by_number(ctx.principal(), &text).await
    {
        return Ok(t.id);
    }
    let words: Vec<&str> = text
        .split('*')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .collect();
    let Some(longest) = words.iter().max_by_key(|w| w.len()) else {
        return Err(ApiError::invalid(
            key,
            crate::n_!("enter a ticket number or title"),
        ));
    };
    let page = state
        .desk()
        .list_tickets(
            ctx.principal(),
            otrs_core::store::TicketFilter {
                title_contains: Some((*longest).to_owned()),
                ..Default::default()
            },
            otrs_core::store::TicketSort::default(),
            otrs_core::store::PageRequest::page(1, 50),
        )
        .await?;
    let found: Vec<_> = page
        .tickets
        .iter()
        .filter(|t| crate::api::text_matches(&text, &t.title))
        .collect();
    match found.as_slice() {
        [one] => Ok(one.id),
        [] => Err(ApiError::invalid(
            key,
            tr!(ctx, "no ticket matches %{text}", text = format!("{text:?}")),
        )),
        many => Err(ApiError::invalid(
            key,
            tr!(
                ctx,
                "%{count} tickets match %{text} (%{numbers}); enter the number",
                count = many.len(),
                text = format!("{text:?}"),
                numbers = many
                    .iter()
                    .take(5)
                    .map(|t| t.number.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

async fn action_of<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ids: Vec<TicketId>,
    f: &Fields,
) -> Result<BulkAction, ApiError> {
    let pending_until = match f.text("pending_until") {
        t if t.is_empty() => None,
        t => {
            let naive = NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M")
                .or_else(|_| NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M:%S"))
                .map_err(|_| {
                    ApiError::invalid("pending_until", crate::n_!("is not a date and time"))
                })?;
            let local = ctx
                .tz
                .from_local_datetime(&naive)
                .earliest()
                .ok_or_else(|| {
                    ApiError::invalid(
                        "pending_until",
                        crate::n_!("does not exist in your time zone"),
                    )
                })?;
            Some(local.with_timezone(&Utc))
        }
    };
    let priority = match f.number::<u8>("priority")? {
        Some(p) => {
            Some(Priority::new(p).ok_or_else(|| ApiError::invalid("priority", "must be 1 to 5"))?)
        }
        None => None,
    };
    let update = TicketUpdate {
        state: id_of(f, "state", StateId)?,
        pending_until,
        queue: id_of(f, "queue", QueueId)?,
        owner: id_of(f, "owner", AgentId)?,
        responsible: id_of(f, "responsible", AgentId)?,
        priority,
        ..TicketUpdate::default()
    };
    let note = (f.has("note_subject") || f.has("note_body")).then(|| BulkNote {
        subject: f.text("note_subject"),
        body: f.get("note_body").unwrap_or_default().to_owned(),
        visible_for_customer: f.has("note_visible"),
        time_units: None,
    });
    let note = match note {
        Some(mut n) => {
            n.time_units = units(f, "note_time_units")?;
            Some(n)
        }
        None => None,
    };
    let email = match f.has("email_subject") || f.has("email_body") {
        true => Some(BulkEmail {
            subject: f.text("email_subject"),
            body: f.get("email_body").unwrap_or_default().to_owned(),
            time_units: units(f, "email_time_units")?,
        }),
        false => None,
    };
    let link = match f.get("link").unwrap_or("none") {
        "none" | "" => BulkLink::None,
        "together" => BulkLink::Together,
        "parent" => BulkLink::ToParent(ticket_by_number(state, ctx, f, "link_parent").await?),
        other => {
            return Err(ApiError::invalid(
                "link",
                format!("unknown choice {other:?}"),
            ));
        }
    };
    let merge = match f.get("merge").unwrap_or("none") {
        "none" | "" => BulkMerge::None,
        "oldest" => BulkMerge::ToOldest,
        "into" => BulkMerge::Into(ticket_by_number(state, ctx, f, "merge_into").await?),
        other => {
            return Err(ApiError::invalid(
                "merge",
                format!("unknown choice {other:?}"),
            ));
        }
    };
    Ok(BulkAction {
        tickets: ids,
        update,
        note,
        email,
        link,
        merge,
        keep_locked: !f.has("unlock"),
    })
}

/// Runs the bulk action and reports each ticket's outcome.
pub(crate) async fn execute<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let ids = match selected(&form) {
        Ok(ids) => ids,
        Err(e) => return problem_page(&state, &ctx, &tr!(ctx, "Bulk Action"), &e).await,
    };
    let back = back_of(&form);
    let result = match action_of(&state, &ctx, ids.clone(), &form).await {
        Ok(action) => state
            .desk()
            .bulk(ctx.principal(), action)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let s = classify(&state, &ctx, &ids).await;
            return form_page(&state, &ctx, &ids, &s, &back, Some(&e), e.status(), &form).await;
        }
    };
    state.wake_outbox();
    let done = report
        .outcomes
        .iter()
        .filter(|o| o.outcome.is_done())
        .count();
    let body = html! {
        p role="status" { (tr!(ctx, "%{done} of %{count} tickets done.", done = done, count = report.outcomes.len())) }
        table.list {
            thead { tr { th scope="col" { (tr!(ctx, "Ticket")) } th scope="col" { (tr!(ctx, "Outcome")) } th scope="col" { (tr!(ctx, "Linked to")) } th scope="col" { (tr!(ctx, "Merged into")) } th scope="col" { (tr!(ctx, "Problems")) } } }
            tbody {
                @for o in &report.outcomes {
                    tr {
                        td { a href={ "/agent/tickets/" (o.ticket.0) } { (o.number.clone().unwrap_or_else(|| o.ticket.0.to_string())) } }
                        @match &o.outcome {
                            TicketOutcome::Done => td.outcome-done { (tr!(ctx, "Done")) },
                            TicketOutcome::Skipped(e) => td.outcome-skipped { (tr!(ctx, "Skipped: %{reason}", reason = public_error(e))) },
                            TicketOutcome::Failed(e) => td.outcome-failed { (tr!(ctx, "Failed: %{reason}", reason = public_error(e))) },
                        }
                        td { @for (i, l) in o.linked_to.iter().enumerate() { @if i > 0 { ", " } (l.0) } }
                        td { @if let Some(m) = o.merged_into { a href={ "/agent/tickets/" (m.0) } { (m.0) } } }
                        td { @for e in &o.errors { div.outcome-failed { (public_error(e)) } } }
                    }
                }
            }
        }
        p { a.button.primary href=(back) { (tr!(ctx, "Back to the list")) } }
    };
    let crumbs = Crumbs::path(&[
        (&tr!(ctx, "Dashboard"), Some("/agent")),
        (&tr!(ctx, "Bulk Action"), None),
    ]);
    let title = tr!(ctx, "Bulk Action Report");
    agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await
}
