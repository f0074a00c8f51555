//! Ticket actions from the detail view, each a small form in a panel on the right that runs one
//! desk command and returns to the ticket (History only shows the ticket's history).
//!
//! Which actions a ticket offers is the desk's answer ([`Desk::ticket_actions`]); an action the
//! agent may not start is neither listed nor served, and its command refuses it anyway. Every
//! form carries the ticket's version; the parts that change properties (the property forms,
//! the next state of the note, phone and e-mail forms, a merge) are refused by the desk when
//! someone else changed the ticket after the form was opened, and the panel says so with the
//! typed values kept instead of overwriting. An article alone, a link and watching do not
//! conflict. Forms that write an article can be saved as a draft and reopened.
//!
//! [`Desk::ticket_actions`]: otrs_core::Desk::ticket_actions

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use maud::{Markup, html};
use otrs_core::Principal;
use otrs_core::desk::{
    AppointmentInput, ArticleInput, ArticleKind, DraftInput, TicketAction, TicketUpdate,
};
use otrs_core::ids::{AgentId, CalendarId, QueueId, StateId, TicketId};
use otrs_core::model::{
    Draft, HistoryType, LinkType, ObjectRef, Priority, StateType, TextKind, Ticket, TimeUnits,
    default_states,
};
use otrs_core::store::{PageRequest, Store, TicketFilter, TicketSort};

use crate::error::ApiError;
use crate::i18n::{Language, translate, translate_dyn};
use crate::state::AppState;
use crate::ui::compose::{self, ComposeForm};
use crate::ui::create::{Errors, resolve_customer};
use crate::ui::fields::{Fields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::names;
use crate::ui::{UiCtx, message_in, see_other};
use crate::{n_, tr};

/// What the panel says when the form was opened on an older version of the ticket.
pub const STALE_MESSAGE: &str = n_!(
    "This ticket was changed by someone else after you opened this form; nothing was saved. Reload the form to see the current values."
);

/// The labels of the ticket actions (otrs-core's `TicketAction::label`), marked so that the
/// Actions menu and the panels show them translated.
pub const ACTION_LABELS: [&str; 20] = [
    n_!("Note"),
    n_!("Phone Call Outbound"),
    n_!("Phone Call Inbound"),
    n_!("E-Mail Outbound"),
    n_!("Lock"),
    n_!("Unlock"),
    n_!("Free Fields"),
    n_!("Merge"),
    n_!("Watch"),
    n_!("Unwatch"),
    n_!("New Appointment"),
    n_!("Close"),
    n_!("Link"),
    n_!("Move"),
    n_!("Pending"),
    n_!("Priority"),
    n_!("Owner"),
    n_!("Responsible"),
    n_!("Customer"),
    n_!("History"),
];

/// The names of the history entry types (otrs-core's `HistoryType::name`), marked so that
/// the history shows them in the agent's language. `Misc` stays as it is: it is a common queue
/// name too, and a catalogue entry would translate (and flag) that data.
pub const HISTORY_TYPES: [&str; 51] = [
    n_!("NewTicket"),
    n_!("FollowUp"),
    n_!("SendAutoReject"),
    n_!("SendAutoReply"),
    n_!("SendAutoFollowUp"),
    n_!("Forward"),
    n_!("Bounce"),
    n_!("SendAnswer"),
    n_!("SendAgentNotification"),
    n_!("SendCustomerNotification"),
    n_!("EmailAgent"),
    n_!("EmailCustomer"),
    n_!("PhoneCallAgent"),
    n_!("PhoneCallCustomer"),
    n_!("AddNote"),
    n_!("Move"),
    n_!("Lock"),
    n_!("Unlock"),
    n_!("Remove"),
    n_!("TimeAccounting"),
    n_!("CustomerUpdate"),
    n_!("PriorityUpdate"),
    n_!("OwnerUpdate"),
    n_!("LoopProtection"),
    n_!("SetPendingTime"),
    n_!("StateUpdate"),
    n_!("TicketDynamicFieldUpdate"),
    n_!("WebRequestCustomer"),
    n_!("TicketLinkAdd"),
    n_!("TicketLinkDelete"),
    n_!("SystemRequest"),
    n_!("Merged"),
    n_!("ResponsibleUpdate"),
    n_!("Subscribe"),
    n_!("Unsubscribe"),
    n_!("TypeUpdate"),
    n_!("ServiceUpdate"),
    n_!("SLAUpdate"),
    n_!("ArchiveFlagUpdate"),
    n_!("EscalationSolutionTimeStop"),
    n_!("EscalationResponseTimeStart"),
    n_!("EscalationUpdateTimeStart"),
    n_!("EscalationSolutionTimeStart"),
    n_!("EscalationResponseTimeNotifyBefore"),
    n_!("EscalationUpdateTimeNotifyBefore"),
    n_!("EscalationSolutionTimeNotifyBefore"),
    n_!("EscalationResponseTimeStop"),
    n_!("EscalationUpdateTimeStop"),
    n_!("TitleUpdate"),
    n_!("EmailResend"),
    n_!("Bulk"),
];

/// A history entry type's name in `lang`.
pub fn history_type_in(lang: Language, kind: HistoryType) -> std::borrow::Cow<'static, str> {
    names::marked_in(lang, &HISTORY_TYPES, kind.name())
}

/// The label of a draft's form in `lang`: a ticket action's or an article action's, else the
/// form's name as stored.
pub fn form_label(lang: Language, form: &str) -> std::borrow::Cow<'_, str> {
    if let Some(action) = TicketAction::from_name(form) {
        return label_in(lang, action);
    }
    match crate::ui::articles::ARTICLE_ACTIONS
        .iter()
        .find(|(name, _)| *name == form)
    {
        Some((_, label)) => translate(lang, label),
        None => std::borrow::Cow::Borrowed(form),
    }
}

/// An action's label in `lang`.
pub fn label_in(lang: Language, action: TicketAction) -> std::borrow::Cow<'static, str> {
    names::marked_in(lang, &ACTION_LABELS, action.label())
}

/// How many target tickets a merge or link search lists.
const TARGETS_SHOWN: usize = 10;

/// The actions the signed-in agent may start on a ticket: (label, link), for the Actions menu.
pub(crate) async fn menu<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: TicketId,
) -> Vec<(String, String)> {
    state
        .desk()
        .ticket_actions(ctx.principal(), ticket)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| {
            (
                a.label().to_owned(),
                format!("/agent/tickets/{}/actions/{}", ticket.0, a.name()),
            )
        })
        .collect()
}

/// The draft form name of an action that writes an article.
fn draft_form(action: TicketAction) -> Option<&'static str> {
    match action {
        TicketAction::Note
        | TicketAction::PhoneOutbound
        | TicketAction::PhoneInbound
        | TicketAction::EmailOutbound => Some(action.name()),
        _ => None,
    }
}

/// The fields a draft keeps.
const DRAFT_FIELDS: [&str; 10] = [
    // The files kept for the form stay with its draft until they expire.
    compose::FORM_KEY_FIELD,
    "subject",
    "body",
    "to",
    "cc",
    "bcc",
    "time_units",
    "from",
    "next_state",
    "pending_until",
];

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, name)): Path<(u64, String)>,
    QueryFields(query): QueryFields,
) -> Response {
    let id = TicketId(id);
    let mut form = Fields::default();
    let mut notice = None;
    if let Some(action) = TicketAction::from_name(&name)
        && draft_form(action).is_some()
        && query.has("draft")
        && let Some((draft, stale)) = chosen_draft(&state, &ctx, id, action, &query).await
    {
        form.0.extend(draft.fields);
        form.0.push(("draft".into(), draft.id.0.to_string()));
        notice = Some(if stale {
            tr!(
                ctx,
                "Draft loaded. The ticket has changed since it was saved."
            )
            .into_owned()
        } else {
            tr!(ctx, "Draft loaded.").into_owned()
        });
    }
    if let Some(v) = query.get("target") {
        form.0.push(("target".into(), v.to_owned()));
    }
    panel(
        &state,
        &ctx,
        id,
        &name,
        &form,
        &Errors::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn run<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, name)): Path<(u64, String)>,
    ComposeForm(mut upload): ComposeForm,
) -> Response {
    let id = TicketId(id);
    let Some(action) = TicketAction::from_name(&name) else {
        let form = upload.fields.without(&["csrf_token"]);
        return panel(
            &state,
            &ctx,
            id,
            &name,
            &form,
            &Errors::default(),
            None,
            StatusCode::NOT_FOUND,
        )
        .await;
    };
    // An action the agent may not start is refused before anything runs.
    if let Err(e) = allowed(&state, &ctx, id, action).await {
        return crate::ui::ticket::problem_page(&state, &ctx, action.label(), &e).await;
    }
    let mut errors = Errors::default();
    // The files of an article form stay with it until the article takes them.
    if draft_form(action).is_some() {
        compose::keep_uploads(&state, &ctx, &mut upload).await;
    }
    let form = upload.fields.without(&["csrf_token"]);
    if let Some(m) = upload.files_error {
        errors.field("attachments", m);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return panel(&state, &ctx, id, &name, &form, &errors, None, status).await;
    }
    if form.has("save_draft")
        && let Some(draft) = draft_form(action)
    {
        let fields: BTreeMap<String, String> = DRAFT_FIELDS
            .iter()
            .filter_map(|k| form.get(k).map(|v| ((*k).to_owned(), v.to_owned())))
            .collect();
        let input = DraftInput {
            form: draft.to_owned(),
            name: ctx.agent.login.clone(),
            fields,
        };
        return match state.desk().save_draft(ctx.principal(), id, input).await {
            Ok(_) => see_other(&format!("/agent/tickets/{}?draft-saved={}", id.0, draft)),
            Err(e) => {
                let e = ApiError::from(e);
                let status = e.status();
                errors.add_api(&e);
                panel(&state, &ctx, id, &name, &form, &errors, None, status).await
            }
        };
    }
    match execute(&state, &ctx, id, action, &form).await {
        Ok(Outcome::Done) => {
            if draft_form(action).is_some()
                && let Some((draft, _)) = own_draft(&state, &ctx, id, action).await
                && let Err(e) = state.desk().delete_draft(ctx.principal(), draft.id).await
            {
                tracing::warn!(error = %e, "could not delete a used draft");
            }
            see_other(&format!("/agent/tickets/{}", id.0))
        }
        Ok(Outcome::Page(response)) => response,
        Ok(Outcome::Again(errors)) => {
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            panel(&state, &ctx, id, &name, &form, &errors, None, status).await
        }
        Err(e) => {
            let status = e.status();
            if e.code() == "version-mismatch" {
                errors.general = Some(STALE_MESSAGE.to_owned());
            } else {
                errors.add_api(&e);
            }
            panel(&state, &ctx, id, &name, &form, &errors, None, status).await
        }
    }
}

/// Refuses an action the desk does not offer the agent on this ticket.
async fn allowed<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
    action: TicketAction,
) -> Result<(), ApiError> {
    let offered = state.desk().ticket_actions(ctx.principal(), id).await?;
    if offered.contains(&action) {
        return Ok(());
    }
    Err(ApiError::new(
        "permission-denied",
        tr!(
            ctx,
            "%{action} is not available on this ticket for %{login}",
            action = label_in(ctx.lang, action),
            login = ctx.agent.login
        ),
    ))
}

/// The agent's draft of an action's form on a ticket, with the "ticket changed since" flag.
async fn own_draft<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
    action: TicketAction,
) -> Option<(Draft, bool)> {
    let form = draft_form(action)?;
    state
        .desk()
        .drafts(ctx.principal(), id)
        .await
        .ok()?
        .into_iter()
        .find(|(d, _)| d.form == form && d.name == ctx.agent.login && d.created_by == ctx.agent.id)
}

/// The draft `?draft=ID` names (one of this action's form on the ticket), or the agent's own.
async fn chosen_draft<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
    action: TicketAction,
    query: &Fields,
) -> Option<(Draft, bool)> {
    let form = draft_form(action)?;
    if let Ok(Some(wanted)) = query.number::<u64>("draft")
        && let Ok(drafts) = state.desk().drafts(ctx.principal(), id).await
        && let Some(found) = drafts
            .into_iter()
            .find(|(d, _)| d.id.0 == wanted && d.form == form)
    {
        return Some(found);
    }
    own_draft(state, ctx, id, action).await
}

/// What a submitted form led to.
enum Outcome {
    /// The command ran: back to the ticket.
    Done,
    /// Show the form again (search results, or errors found before any command).
    Again(Errors),
    /// A page of its own.
    Page(Response),
}

/// The ticket version the form was built from.
fn version_of(form: &Fields) -> Result<Option<u64>, ApiError> {
    form.number::<u64>("version")
}

/// A wall-clock time typed in the agent's zone (`2026-03-05T14:30`, seconds optional).
pub(crate) fn local_time(ctx: &UiCtx, text: &str) -> Result<DateTime<Utc>, String> {
    let naive = parse_local(text)?;
    ctx.tz
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| {
            tr!(
                ctx,
                "%{time} does not exist or is ambiguous in %{zone}",
                time = text,
                zone = ctx.tz.name()
            )
        })
}

fn parse_local(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
        .ok_or_else(|| n_!("must be a date and time such as 2026-03-05T14:30").to_owned())
}

/// The value of a `datetime-local` field for a time, in the agent's zone.
fn local_input(ctx: &UiCtx, at: DateTime<Utc>) -> String {
    at.with_timezone(&ctx.tz)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Tickets a merge or link target names: a ticket number, or a title (`*` wildcards); the
/// current ticket is left out.
pub(crate) async fn find_targets<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    current: TicketId,
    text: &str,
) -> Vec<Ticket> {
    let actor = ctx.principal();
    if text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(t) = state.desk().ticket_by_number(actor, text).await
    {
        return if t.id == current { Vec::new() } else { vec![t] };
    }
    let Some(longest) = text
        .split('*')
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .max_by_key(|w| w.len())
    else {
        return Vec::new();
    };
    let page = state
        .desk()
        .list_tickets(
            actor,
            TicketFilter {
                title_contains: Some(longest.to_owned()),
                ..Default::default()
            },
            TicketSort::default(),
            PageRequest::page(1, 50),
        )
        .await;
    page.map(|p| p.tickets)
        .unwrap_or_default()
        .into_iter()
        .filter(|t| t.id != current && crate::api::text_matches(text, &t.title))
        .take(TARGETS_SHOWN)
        .collect()
}

/// The target of a merge or link: a chosen `target_id`, or the one ticket `target` names.
/// `Ok(None)` means "show the matches" (the errors say why).
pub(crate) async fn target_of<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    current: TicketId,
    form: &Fields,
    errors: &mut Errors,
) -> Result<Option<TicketId>, ApiError> {
    if let Some(id) = form.number::<u64>("target_id")? {
        return Ok(Some(TicketId(id)));
    }
    let text = form.text("target");
    if text.is_empty() {
        errors.field("target", n_!("enter a ticket number or title"));
        return Ok(None);
    }
    let found = find_targets(state, ctx, current, &text).await;
    match found.as_slice() {
        [one] if !form.has("search") => Ok(Some(one.id)),
        [] => {
            errors.field(
                "target",
                tr!(ctx, "no ticket matches %{text}", text = format!("{text:?}")),
            );
            Ok(None)
        }
        [_] => Ok(None),
        many => {
            if !form.has("search") {
                errors.field(
                    "target",
                    tr!(
                        ctx,
                        "%{count} tickets match %{text}; choose one",
                        count = many.len(),
                        text = format!("{text:?}")
                    ),
                );
            }
            Ok(None)
        }
    }
}

async fn execute<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
    action: TicketAction,
    form: &Fields,
) -> Result<Outcome, ApiError> {
    let desk = state.desk();
    let actor = ctx.principal();
    let mut errors = Errors::default();
    let mut update = TicketUpdate {
        expected_version: version_of(form)?,
        ..TicketUpdate::default()
    };
    match action {
        TicketAction::Note
        | TicketAction::PhoneOutbound
        | TicketAction::PhoneInbound
        | TicketAction::EmailOutbound => {
            let kind = match action {
                TicketAction::Note => ArticleKind::Note,
                TicketAction::PhoneOutbound => ArticleKind::PhoneOutbound,
                TicketAction::PhoneInbound => ArticleKind::PhoneInbound,
                _ => ArticleKind::EmailOutbound,
            };
            let mut article = ArticleInput::new(kind, form.text("subject"), form.text("body"));
            let optional = |key: &str| Some(form.text(key)).filter(|v| !v.is_empty());
            article.to = optional("to");
            article.cc = optional("cc");
            article.bcc = optional("bcc");
            if kind == ArticleKind::PhoneInbound {
                article.from = optional("from");
            }
            article.form_uploads = compose::kept_uploads_key(form);
            article.time_units = match form.text("time_units").as_str() {
                "" => None,
                text => match TimeUnits::parse(text) {
                    Some(t) => Some(t),
                    None => {
                        errors.field("time_units", n_!("must be a number such as 15 or 1,5"));
                        return Ok(Outcome::Again(errors));
                    }
                },
            };
            // E-mail ends with the signature of the ticket's queue.
            if kind == ArticleKind::EmailOutbound {
                let queue = desk.ticket(actor, id).await?.queue_id;
                if let Some(signature) = desk
                    .standard_texts(actor, TextKind::Signature, Some(queue))
                    .await?
                    .into_iter()
                    .next()
                {
                    let text = compose::standard_text_body(&signature);
                    article.body = format!("{}\n\n{}", article.body, text);
                }
            }
            // The next state (and pending time) is a property change: it carries the version
            // the form was opened with, the article alone does not conflict.
            if let Some(next) = form.number::<u64>("next_state")? {
                update.state = Some(StateId(next));
            }
            if !form.text("pending_until").is_empty() {
                match local_time(ctx, &form.text("pending_until")) {
                    Ok(at) => update.pending_until = Some(at),
                    Err(m) => {
                        errors.field("pending_until", m);
                        return Ok(Outcome::Again(errors));
                    }
                }
            }
            desk.add_article_and_update(actor, id, article, update)
                .await?;
            return Ok(Outcome::Done);
        }
        TicketAction::Lock => {
            desk.lock_ticket(actor, id).await?;
            return Ok(Outcome::Done);
        }
        TicketAction::Unlock => {
            desk.unlock_ticket(actor, id).await?;
            return Ok(Outcome::Done);
        }
        TicketAction::Watch => {
            desk.watch_ticket(actor, id).await?;
            return Ok(Outcome::Done);
        }
        TicketAction::Unwatch => {
            desk.unwatch_ticket(actor, id).await?;
            return Ok(Outcome::Done);
        }
        TicketAction::History => return Ok(Outcome::Again(errors)),
        // A knowledge-base article named instead of a ticket: a Normal link to it.
        TicketAction::Link if crate::ui::kb_links::wants_article(form) => {
            let Some(article) =
                crate::ui::kb_links::article_target(state, ctx, form, &mut errors, None).await?
            else {
                return Ok(Outcome::Again(errors));
            };
            desk.link(
                actor,
                ObjectRef::Ticket(id),
                ObjectRef::KbArticle(article),
                LinkType::Normal,
            )
            .await?;
            return Ok(Outcome::Done);
        }
        TicketAction::Merge | TicketAction::Link => {
            let Some(target) = target_of(state, ctx, id, form, &mut errors).await? else {
                return Ok(Outcome::Again(errors));
            };
            if action == TicketAction::Merge {
                // The ticket is merged into the target and ends here: show the target.
                let merged = desk
                    .merge_tickets_at_version(actor, id, target, update.expected_version)
                    .await?;
                return Ok(Outcome::Page(see_other(&format!(
                    "/agent/tickets/{}",
                    merged.id.0
                ))));
            }
            let (source, target, link_type) = match form.text("link_type").as_str() {
                "parent" => (id, target, LinkType::ParentChild),
                "child" => (target, id, LinkType::ParentChild),
                "" | "normal" => (id, target, LinkType::Normal),
                _ => {
                    errors.field("link_type", n_!("is not one of the offered choices"));
                    return Ok(Outcome::Again(errors));
                }
            };
            desk.link(
                actor,
                ObjectRef::Ticket(source),
                ObjectRef::Ticket(target),
                link_type,
            )
            .await?;
            return Ok(Outcome::Done);
        }
        TicketAction::NewAppointment => {
            let calendar = form.number::<u64>("calendar")?;
            let start = parse_local(&form.text("start"));
            let end = parse_local(&form.text("end"));
            if calendar.is_none() {
                errors.field("calendar", n_!("is required"));
            }
            if let Err(m) = &start {
                errors.field("start", m.clone());
            }
            if let Err(m) = &end {
                errors.field("end", m.clone());
            }
            let (Some(calendar), Ok(start), Ok(end)) = (calendar, start, end) else {
                return Ok(Outcome::Again(errors));
            };
            let input = AppointmentInput {
                calendar_id: CalendarId(calendar),
                title: form.text("title"),
                description: form.text("description"),
                location: String::new(),
                all_day: false,
                start,
                end,
                time_zone: ctx.tz.name().to_owned(),
                rrule: None,
                notify_minutes_before: None,
            };
            desk.create_ticket_appointment(actor, id, input).await?;
            return Ok(Outcome::Done);
        }
        TicketAction::FreeFields => update.title = Some(form.text("title")),
        TicketAction::Close => {
            update.state = Some(match form.number::<u64>("state")? {
                Some(s) => StateId(s),
                None => default_states::CLOSED_SUCCESSFUL,
            });
        }
        TicketAction::Pending => {
            let Some(state_id) = form.number::<u64>("state")? else {
                errors.field("state", n_!("is required"));
                return Ok(Outcome::Again(errors));
            };
            update.state = Some(StateId(state_id));
            match local_time(ctx, &form.text("pending_until")) {
                Ok(at) => update.pending_until = Some(at),
                Err(m) => {
                    errors.field("pending_until", m);
                    return Ok(Outcome::Again(errors));
                }
            }
        }
        TicketAction::Priority => {
            let text = form.text("priority");
            update.priority = Some(
                Priority::parse(&text)
                    .ok_or_else(|| ApiError::invalid("priority", n_!("must be 1 to 5")))?,
            );
        }
        TicketAction::Owner => {
            let owner = form.number::<u64>("owner")?;
            update.owner = Some(AgentId(
                owner.ok_or_else(|| ApiError::invalid("owner", "is required"))?,
            ));
        }
        TicketAction::Responsible => {
            let responsible = form.number::<u64>("responsible")?;
            update.responsible =
                Some(AgentId(responsible.ok_or_else(|| {
                    ApiError::invalid("responsible", "is required")
                })?));
        }
        TicketAction::Customer => {
            let pattern = form.text("customer_user");
            let customer_id = form.text("customer_id");
            match resolve_customer(state, ctx, &pattern).await {
                Ok((Some(user), _)) => {
                    update.customer_user = Some(Some(user.id));
                    update.customer_id = Some(Some(if customer_id.is_empty() {
                        user.customer_id
                    } else {
                        customer_id
                    }));
                }
                Ok((None, _)) if pattern.is_empty() => {
                    update.customer_user = Some(None);
                    update.customer_id = Some(Some(customer_id).filter(|c| !c.is_empty()));
                }
                Ok((None, matches)) => {
                    errors.field(
                        "customer_user",
                        tr!(
                            ctx,
                            "%{count} customer users match; enter a login or a narrower pattern",
                            count = matches.len()
                        ),
                    );
                    return Ok(Outcome::Again(errors));
                }
                Err(m) => {
                    errors.field("customer_user", m);
                    return Ok(Outcome::Again(errors));
                }
            }
        }
        TicketAction::Move => {
            let queue = form.number::<u64>("queue")?;
            update.queue = Some(QueueId(
                queue.ok_or_else(|| ApiError::invalid("queue", "is required"))?,
            ));
        }
    }
    desk.update_ticket(actor, id, update).await?;
    Ok(Outcome::Done)
}

#[allow(clippy::too_many_arguments)]
async fn panel<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: TicketId,
    name: &str,
    form: &Fields,
    errors: &Errors,
    notice: Option<String>,
    status: StatusCode,
) -> Response {
    let actor = ctx.principal();
    let ticket = match state.desk().ticket(actor, id).await {
        Ok(t) => t,
        Err(e) => {
            return crate::ui::ticket::problem_page(state, ctx, "Ticket", &ApiError::from(e)).await;
        }
    };
    let Some(action) = TicketAction::from_name(name) else {
        let e = ApiError::new("not-found", format!("no such ticket action: {name}"));
        return crate::ui::ticket::problem_page(state, ctx, "Ticket", &e).await;
    };
    if let Err(e) = allowed(state, ctx, id, action).await {
        return crate::ui::ticket::problem_page(state, ctx, action.label(), &e).await;
    }
    let label = &*label_in(ctx.lang, action);
    let back = format!("/agent/tickets/{}", id.0);
    let others = menu(state, ctx, id).await;
    let content = if action == TicketAction::History {
        history(state, ctx, &ticket).await
    } else {
        let fields = fields_of(state, ctx, &ticket, action, form, errors).await;
        let draft = match draft_form(action) {
            Some(_) if !form.has("draft") => own_draft(state, ctx, id, action).await,
            _ => None,
        };
        let version = form
            .get("version")
            .map(str::to_owned)
            .unwrap_or_else(|| ticket.version.to_string());
        // Article forms send files, and list the ones kept from earlier showings.
        let attachments = match draft_form(action) {
            Some(_) => Some(
                compose::attachments_field(
                    state,
                    ctx,
                    form,
                    errors.fields.get("attachments").map(String::as_str),
                )
                .await,
            ),
            None => None,
        };
        let enctype = attachments
            .as_ref()
            .map(|_| "multipart/form-data")
            .unwrap_or("application/x-www-form-urlencoded");
        html! {
            @if let Some((d, _)) = &draft {
                p.notice role="status" {
                    (tr!(ctx, "You have a draft saved %{time}.", time = ctx.time(d.changed_at))) " "
                    a href={ (back) "/actions/" (name) "?draft=1" } { (tr!(ctx, "Open the draft")) }
                }
            }
            form method="post" action={ (back) "/actions/" (name) } enctype=(enctype) novalidate {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                input type="hidden" name="version" value=(version);
                (fields)
                @if let Some(a) = &attachments { div.stack { (a) } }
                div.actions {
                    button.primary type="submit" name="submit" value="1" { (label) }
                    @if draft_form(action).is_some() {
                        " " button type="submit" name="save_draft" value="1" formnovalidate { (tr!(ctx, "Save as draft")) }
                    }
                    " " a href=(back) { (tr!(ctx, "Cancel")) }
                }
            }
        }
    };
    let body = html! {
        div.grid.action-grid {
            div.column {
                section.widget aria-label=(tr!(ctx, "Ticket")) {
                    header { h2 { "Ticket#" (ticket.number) } }
                    div.body {
                        p { (ticket.title) }
                        p { a href=(back) { (tr!(ctx, "Back to the ticket")) } }
                        nav.action-menu aria-label=(tr!(ctx, "Other actions")) {
                            ul.plain {
                                @for (l, href) in &others {
                                    @let l = translate_dyn(ctx.lang, l);
                                    li { a href=(href) aria-current=[(l == label).then_some("page")] { (l) } }
                                }
                            }
                        }
                    }
                }
            }
            div.column {
                section.widget.action-panel aria-label=(label) {
                    header { h2 { (label) } }
                    div.body {
                        @if let Some(m) = &notice { p.notice role="status" { (m) } }
                        @if let Some(m) = &errors.general {
                            p.error role="alert" {
                                (translate_dyn(ctx.lang, m))
                                @if m == STALE_MESSAGE {
                                    " " a href={ (back) "/actions/" (name) } { (tr!(ctx, "Reload")) }
                                }
                            }
                        }
                        (content)
                    }
                }
            }
        }
    };
    let title = format!("{label} — Ticket#{}", ticket.number);
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (
            &format!("Ticket#{} — {}", ticket.number, ticket.title),
            Some(&back),
        ),
        (label, None),
    ]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

/// The ticket's history, newest first, times in the agent's zone.
async fn history<S: Store>(state: &AppState<S>, ctx: &UiCtx, ticket: &Ticket) -> Markup {
    let actor = ctx.principal();
    let entries = match state.desk().history(actor, ticket.id).await {
        Ok(h) => h,
        Err(e) => {
            return html! { p.error role="alert" { (message_in(ctx.lang, &ApiError::from(e))) } };
        }
    };
    let agents: BTreeMap<AgentId, String> = state
        .desk()
        .agents(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|a| (a.id, a.login))
        .collect();
    let who = |p: Principal| match p {
        Principal::Agent(a) => agents.get(&a).cloned().unwrap_or_else(|| a.to_string()),
        Principal::Customer(c) => tr!(ctx, "customer user %{id}", id = c),
    };
    html! {
        table.history {
            thead { tr { th { (tr!(ctx, "Action")) } th { (tr!(ctx, "Details")) } th { (tr!(ctx, "By")) } th { (tr!(ctx, "When")) } } }
            tbody {
                @for h in entries.iter().rev() {
                    tr {
                        td { (history_type_in(ctx.lang, h.entry.history_type)) }
                        td { (h.entry.params.join(" · ")) }
                        td { (who(h.entry.created_by)) }
                        td { time datetime=(h.entry.created_at.to_rfc3339()) { (ctx.time(h.entry.created_at)) } }
                    }
                }
            }
        }
    }
}

async fn fields_of<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    action: TicketAction,
    form: &Fields,
    errors: &Errors,
) -> Markup {
    let actor = ctx.principal();
    let value = |k: &str| form.get(k).unwrap_or_default().to_owned();
    let invalid = |k: &str| errors.fields.contains_key(k).then_some("true");
    let described = |k: &str| errors.fields.contains_key(k).then(|| format!("err-{k}"));
    let agents = || async {
        state
            .desk()
            .agents(actor)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.validity.is_valid() && a.id != AgentId::SYSTEM)
            .collect::<Vec<_>>()
    };
    let states = || async { state.desk().states(actor).await.unwrap_or_default() };
    let text_input = |k: &str, label: &str| {
        html! {
            label for=(k) { (label) }
            input id=(k) type="text" name=(k) value=(value(k)) aria-invalid=[invalid(k)] aria-describedby=[described(k)];
            (errors.at_in(ctx.lang, k))
        }
    };
    let article = |to: bool, from: bool| {
        html! {
            @if from { (text_input("from", &tr!(ctx, "From"))) }
            @if to {
                (text_input("to", &tr!(ctx, "To")))
                (text_input("cc", "Cc"))
                (text_input("bcc", "Bcc"))
            }
            (text_input("subject", &tr!(ctx, "Subject")))
            label for="body" { (tr!(ctx, "Text")) }
            textarea #body name="body" rows="8" aria-invalid=[invalid("body")] aria-describedby=[described("body")] { (value("body")) }
            (errors.at_in(ctx.lang, "body"))
            label for="time_units" { (tr!(ctx, "Time units")) }
            input #time_units name="time_units" value=(value("time_units")) inputmode="decimal" aria-invalid=[invalid("time_units")];
            (errors.at_in(ctx.lang, "time_units"))
        }
    };
    // The next state of an article form: unchanged unless chosen.
    let next_state = |states: Vec<otrs_core::model::State>| {
        let chosen = value("next_state");
        html! {
            label for="next_state" { (tr!(ctx, "Next state")) }
            select #next_state name="next_state" aria-invalid=[invalid("next_state").or(invalid("state"))] {
                option value="" { "– " (tr!(ctx, "unchanged")) " –" }
                @for s in states.iter().filter(|s| s.valid && !matches!(s.state_type, StateType::Merged | StateType::Removed | StateType::New)) {
                    option value=(s.id.0) selected[chosen == s.id.0.to_string()] { (names::shown(ctx.lang, &s.name)) }
                }
            }
            (errors.at_in(ctx.lang, "next_state"))
            (errors.at_in(ctx.lang, "state"))
            label for="pending_until" { (tr!(ctx, "Pending till (%{zone}; for pending states)", zone = ctx.tz.name())) }
            input #pending_until type="datetime-local" name="pending_until" value=(value("pending_until"))
                aria-invalid=[invalid("pending_until")] aria-describedby=[described("pending_until")];
            (errors.at_in(ctx.lang, "pending_until"))

        }
    };
    let target_search = |matches: Vec<Ticket>| {
        html! {
            label for="target" { (tr!(ctx, "Target ticket (number or title, * as wildcard)")) }
            input #target type="text" name="target" value=(value("target")) aria-invalid=[invalid("target")] aria-describedby=[described("target")];
            " " button type="submit" name="search" value="1" formnovalidate { (tr!(ctx, "Search")) }
            (errors.at_in(ctx.lang, "target"))
            @if !matches.is_empty() {
                ul.plain.matches aria-label=(tr!(ctx, "Matching tickets")) {
                    @for t in &matches {
                        li {
                            label {
                                input type="radio" name="target_id" value=(t.id.0);
                                " Ticket#" (t.number) " — " (t.title)
                            }
                        }
                    }
                }
            }
        }
    };
    let target_matches = || async {
        let text = form.text("target");
        if text.is_empty() {
            Vec::new()
        } else {
            find_targets(state, ctx, ticket.id, &text).await
        }
    };
    match action {
        TicketAction::Note
        | TicketAction::PhoneOutbound
        | TicketAction::PhoneInbound
        | TicketAction::EmailOutbound => {
            let states = states().await;
            html! {
                (article(action == TicketAction::EmailOutbound, action == TicketAction::PhoneInbound))
                (next_state(states))
            }
        }
        TicketAction::FreeFields => {
            let title = form
                .get("title")
                .map(str::to_owned)
                .unwrap_or_else(|| ticket.title.clone());
            html! {
                label for="title" { (tr!(ctx, "Title")) }
                input #title type="text" name="title" value=(title) aria-invalid=[invalid("title")] aria-describedby=[described("title")];
                (errors.at_in(ctx.lang, "title"))
            }
        }
        TicketAction::Merge => {
            let matches = target_matches().await;
            html! {
                p.warning role="note" { (tr!(ctx, "Merging cannot be undone: this ticket's articles move to the target and this ticket ends as merged.")) }
                (target_search(matches))
            }
        }
        TicketAction::Link => {
            let matches = target_matches().await;
            let kb_field =
                crate::ui::kb_links::article_target_field(state, ctx, form, errors, None).await;
            let chosen = value("link_type");
            html! {
                (target_search(matches))
                label for="link_type" { (tr!(ctx, "Link type")) }
                select #link_type name="link_type" aria-invalid=[invalid("link_type")] {
                    option value="normal" selected[chosen == "normal"] { (tr!(ctx, "Normal")) }
                    option value="parent" selected[chosen == "parent"] { (tr!(ctx, "Parent of the target")) }
                    option value="child" selected[chosen == "child"] { (tr!(ctx, "Child of the target")) }
                }
                (errors.at_in(ctx.lang, "link_type"))
                fieldset {
                    legend { (tr!(ctx, "or link a knowledge base article")) }
                    (kb_field)
                }
            }
        }
        TicketAction::NewAppointment => {
            let calendars = state.desk().calendars(actor).await.unwrap_or_default();
            let chosen = value("calendar");
            let start = form.get("start").map(str::to_owned).unwrap_or_else(|| {
                local_input(ctx, state.desk().now() + chrono::Duration::hours(1))
            });
            let end = form.get("end").map(str::to_owned).unwrap_or_else(|| {
                local_input(ctx, state.desk().now() + chrono::Duration::hours(2))
            });
            let title = form
                .get("title")
                .map(str::to_owned)
                .unwrap_or_else(|| ticket.title.clone());
            html! {
                label for="calendar" { (tr!(ctx, "Calendar")) }
                select #calendar name="calendar" aria-invalid=[invalid("calendar")] {
                    @for c in calendars.iter().filter(|c| c.validity.is_valid()) {
                        option value=(c.id.0) selected[chosen == c.id.0.to_string()] { (c.name) }
                    }
                }
                (errors.at_in(ctx.lang, "calendar"))
                @if calendars.is_empty() { p.muted { (tr!(ctx, "There is no calendar you may use.")) } }
                label for="title" { (tr!(ctx, "Title")) }
                input #title type="text" name="title" value=(title) aria-invalid=[invalid("title")];
                (errors.at_in(ctx.lang, "title"))
                label for="start" { (tr!(ctx, "Start")) " (" (ctx.tz.name()) ")" }
                input #start type="datetime-local" name="start" value=(start) aria-invalid=[invalid("start")];
                (errors.at_in(ctx.lang, "start"))
                label for="end" { (tr!(ctx, "End")) " (" (ctx.tz.name()) ")" }
                input #end type="datetime-local" name="end" value=(end) aria-invalid=[invalid("end")];
                (errors.at_in(ctx.lang, "end"))
                label for="description" { (tr!(ctx, "Description")) }
                textarea #description name="description" rows="3" { (value("description")) }
            }
        }
        TicketAction::Close => {
            let states = states().await;
            html! {
                label for="state" { (tr!(ctx, "Next state")) }
                select #state name="state" aria-invalid=[invalid("state")] {
                    @for s in states.iter().filter(|s| s.valid && s.state_type == StateType::Closed) {
                        option value=(s.id.0) selected[value("state") == s.id.0.to_string()] { (names::shown(ctx.lang, &s.name)) }
                    }
                }
                (errors.at_in(ctx.lang, "state"))
            }
        }
        TicketAction::Pending => {
            let states = states().await;
            let until = form
                .get("pending_until")
                .map(str::to_owned)
                .unwrap_or_else(|| {
                    local_input(
                        ctx,
                        ticket
                            .pending_until
                            .unwrap_or_else(|| state.desk().now() + chrono::Duration::days(1)),
                    )
                });
            html! {
                label for="state" { (tr!(ctx, "Next state")) }
                select #state name="state" aria-invalid=[invalid("state")] {
                    @for s in states.iter().filter(|s| s.valid && s.state_type.is_pending()) {
                        option value=(s.id.0) selected[value("state") == s.id.0.to_string() || (!form.has("state") && s.id == ticket.state_id)] { (names::shown(ctx.lang, &s.name)) }
                    }
                }
                (errors.at_in(ctx.lang, "state"))
                label for="pending_until" { (tr!(ctx, "Pending till")) " (" (ctx.tz.name()) ")" }
                input #pending_until type="datetime-local" name="pending_until" value=(until)
                    aria-invalid=[invalid("pending_until")] aria-describedby=[described("pending_until")];
                (errors.at_in(ctx.lang, "pending_until"))
            }
        }
        TicketAction::Priority => html! {
            label for="priority" { (tr!(ctx, "Priority")) }
            select #priority name="priority" aria-invalid=[invalid("priority")] {
                @for p in Priority::ALL {
                    option value=(p.level()) selected[p == ticket.priority] { (names::shown(ctx.lang, p.name())) }
                }
            }
            (errors.at_in(ctx.lang, "priority"))
        },
        TicketAction::Owner | TicketAction::Responsible => {
            let agents = agents().await;
            let (key, label, current) = if action == TicketAction::Owner {
                ("owner", tr!(ctx, "New owner"), ticket.owner_id)
            } else {
                (
                    "responsible",
                    tr!(ctx, "New responsible agent"),
                    ticket.responsible_id,
                )
            };
            html! {
                label for=(key) { (label) }
                select id=(key) name=(key) aria-invalid=[invalid(key)] {
                    @for a in &agents {
                        option value=(a.id.0) selected[a.id == current] { (a.first_name) " " (a.last_name) " (" (a.login) ")" }
                    }
                }
                (errors.at_in(ctx.lang, key))
            }
        }
        TicketAction::Customer => {
            let current_login = match ticket.customer_user_id {
                Some(u) => state
                    .desk()
                    .customer_user(actor, u)
                    .await
                    .map(|u| u.login)
                    .unwrap_or_default(),
                None => String::new(),
            };
            let login = form
                .get("customer_user")
                .map(str::to_owned)
                .unwrap_or(current_login);
            let customer_id = form
                .get("customer_id")
                .map(str::to_owned)
                .unwrap_or_else(|| ticket.customer_id.clone().unwrap_or_default());
            html! {
                label for="customer_user" { (tr!(ctx, "Customer user (login, or a pattern with *)")) }
                input #customer_user type="text" name="customer_user" value=(login) data-suggest="/agent/customer-users/suggest"
                    autocomplete="off" aria-invalid=[invalid("customer_user")] aria-describedby=[described("customer_user")];
                (errors.at_in(ctx.lang, "customer_user"))
                label for="customer_id" { (tr!(ctx, "Customer ID (the customer user's when empty)")) }
                input #customer_id type="text" name="customer_id" value=(customer_id) aria-invalid=[invalid("customer_id")];
                (errors.at_in(ctx.lang, "customer_id"))
            }
        }
        TicketAction::Move => {
            let queues = state.desk().queues(actor).await.unwrap_or_default();
            html! {
                label for="queue" { (tr!(ctx, "New queue")) }
                select #queue name="queue" aria-invalid=[invalid("queue")] {
                    @for q in queues.iter().filter(|q| q.validity.is_valid()) {
                        option value=(q.id.0) selected[q.id == ticket.queue_id] { (q.name) }
                    }
                }
                (errors.at_in(ctx.lang, "queue"))
            }
        }
        TicketAction::Lock
        | TicketAction::Unlock
        | TicketAction::Watch
        | TicketAction::Unwatch
        | TicketAction::History => html! {
            p { (tr!(ctx, "Confirm: %{action} ticket %{number}.", action = label_in(ctx.lang, action), number = ticket.number)) }

        },
    }
}

#[cfg(test)]
mod tests {
    use otrs_core::desk::TicketAction;

    use super::ACTION_LABELS;

    #[test]
    fn every_action_label_is_marked() {
        for action in TicketAction::ALL {
            assert!(ACTION_LABELS.contains(&action.label()), "{action:?}");
        }
    }

    #[test]
    fn every_history_type_is_marked() {
        for kind in otrs_core::model::HistoryType::ALL {
            let marked = super::HISTORY_TYPES.contains(&kind.name());
            assert_eq!(marked, kind.name() != "Misc", "{kind:?}");
        }
    }
}
