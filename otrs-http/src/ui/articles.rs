//! The article detail view inside the ticket view and the article actions: Reply, Reply All,
//! Reply To Note, Forward (with the article's attachments), Redirect (optionally telling the
//! original sender), Mark/Unmark As Important, Split (into a new phone or e-mail ticket, linked
//! to the original), Print (PDF), Plain View (the e-mail's source) and Copy Article Link.
//!
//! Each action is a page with a form that runs one desk command; e-mails go out through the
//! desk's outbox like every other e-mail. Actions the agent may not run are left out of the
//! menu, and their pages and posts are refused.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use otrs_core::desk::{ArticleInput, ArticleKind, ArticleSource, DraftInput, NewTicket};
use otrs_core::ids::{ArticleId, DraftId, QueueId, TicketId};
use otrs_core::model::{Article, Channel, MessageStatus, NewAttachment, Permission, Ticket};
use otrs_core::store::Store;

use crate::api::tickets::{kept_source, source_response};
use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::compose::{self, ComposeForm};
use crate::ui::fields::{Fields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::ticket::{holds, problem_page, ticket_id};
use crate::ui::{UiCtx, message_in, see_other};
use crate::{n_, tr};

/// The article actions: (path name, label); labels marked with `n_!`, shown translated.
pub const ARTICLE_ACTIONS: [(&str, &str); 11] = [
    ("reply", n_!("Reply")),
    ("reply-all", n_!("Reply All")),
    ("reply-note", n_!("Reply To Note")),
    ("forward", n_!("Forward")),
    ("redirect", n_!("Redirect")),
    ("important", n_!("Mark As Important")),
    ("unimportant", n_!("Unmark As Important")),
    ("split", n_!("Split")),
    ("print", n_!("Print")),
    ("plain", n_!("Plain View")),
    ("link", n_!("Copy Article Link")),
];

/// The names of the article channels and sender types as an article's header shows them.
const ARTICLE_NAMES: [&str; 8] = [
    n_!("email"),
    n_!("phone"),
    n_!("note"),
    n_!("chat"),
    n_!("sms"),
    n_!("agent"),
    n_!("customer"),
    n_!("system"),
];

/// A channel or sender type's name in `lang`.
pub fn article_name(lang: Language, name: &str) -> std::borrow::Cow<'_, str> {
    crate::ui::names::marked_in(lang, &ARTICLE_NAMES, name)
}

/// The actions that write an article and can be saved as a draft.
pub const DRAFT_ACTIONS: [&str; 4] = ["reply", "reply-all", "reply-note", "forward"];

/// The fields a draft of an article action keeps (with the key of the files kept for the form).
const DRAFT_FIELDS: [&str; 7] = [
    "to",
    "cc",
    "bcc",
    "subject",
    "body",
    "attachments",
    compose::FORM_KEY_FIELD,
];

fn label_of(action: &str) -> Option<&'static str> {
    ARTICLE_ACTIONS
        .iter()
        .find(|(n, _)| *n == action)
        .map(|(_, l)| *l)
}

/// Whether the action applies to the article and the agent holds what it needs (the refusal
/// in `lang`); the desk checks again when the command runs.
pub fn allowed(
    lang: Language,
    action: &str,
    article: &Article,
    rights: &[Permission],
) -> Result<(), ApiError> {
    let email = article.channel == Channel::Email;
    let note = article.channel == Channel::Internal;
    let (applies, needs, why) = match action {
        "reply" | "reply-all" | "forward" | "split" => (true, Permission::Rw, ""),
        "redirect" => (
            email,
            Permission::Rw,
            n_!("only e-mail articles can be redirected"),
        ),
        "reply-note" => (note, Permission::Note, n_!("only notes have Reply To Note")),
        "important" => (
            !article.important,
            Permission::Note,
            n_!("the article is marked already"),
        ),
        "unimportant" => (
            article.important,
            Permission::Note,
            n_!("the article is not marked"),
        ),
        "plain" => (
            email,
            Permission::Ro,
            n_!("only e-mail articles have a plain view"),
        ),
        "print" | "link" => (true, Permission::Ro, ""),
        _ => {
            return Err(ApiError::new(
                "not-found",
                format!("no such article action: {action}"),
            ));
        }
    };
    if !applies {
        return Err(ApiError::new("not-allowed", why));
    }
    if !holds(rights, needs) {
        return Err(ApiError::new(
            "permission-denied",
            tr!(
                @lang lang,
                "you need the %{permission} permission on this ticket's queue for %{action}",
                permission = needs.key(),
                action = translate_dyn(lang, label_of(action).unwrap_or(action))
            ),
        ));
    }
    Ok(())
}

fn action_url(ticket: TicketId, article: ArticleId, action: &str) -> String {
    format!(
        "/agent/tickets/{}/articles/{}/{action}",
        ticket.0, article.0
    )
}

/// One article, opened: headers, text, attachments and its actions menu.
pub fn article_view(ctx: &UiCtx, ticket: &Ticket, rights: &[Permission], a: &Article) -> Markup {
    let actions: Vec<(&str, &str)> = ARTICLE_ACTIONS
        .iter()
        .copied()
        .filter(|(name, _)| allowed(ctx.lang, name, a, rights).is_ok())
        .collect();
    let direction = a.direction().name();
    html! {
        article.message.open id={ "article-" (a.id.0) } data-article=(a.id.0) {
            header.article-head {
                div.meta {
                    span class={ "direction " (direction) } { (translate_dyn(ctx.lang, direction)) } " · " (article_name(ctx.lang, a.channel.name())) " · " (article_name(ctx.lang, a.sender_type.name()))
                    @if !a.visible_for_customer { " · " (tr!(ctx, "internal")) }
                    " · " time datetime=(a.created_at.to_rfc3339()) { (ctx.time(a.created_at)) }
                    @if a.important { " · " span.important title=(tr!(ctx, "Important")) { "⚡ " (tr!(ctx, "Important")) } }
                }
                details.menu.right.article-actions {
                    summary.button { (tr!(ctx, "Article Actions")) " ▾" }
                    nav.popup aria-label=(tr!(ctx, "Actions of article %{id}", id = a.id.0)) {
                        @for (name, label) in &actions {
                        @let label = translate_dyn(ctx.lang, label);
                            @if matches!(*name, "important" | "unimportant") {
                                form method="post" action=(action_url(ticket.id, a.id, name)) {
                                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                                    button.link type="submit" { (label) }
                                }
                            } @else if *name == "link" {
                                a href=(action_url(ticket.id, a.id, name)) data-copy-link={ "/agent/tickets/" (ticket.id.0) "?article=" (a.id.0) "#article-" (a.id.0) } { (label) }
                            } @else {
                                a href=(action_url(ticket.id, a.id, name)) { (label) }
                            }
                        }
                    }
                }
            }
            dl.props.headers {
                @if !a.from.is_empty() { dt { (tr!(ctx, "From")) } dd { (a.from) } }
                @if !a.to.is_empty() { dt { (tr!(ctx, "To")) } dd { (a.to) } }
                @if !a.cc.is_empty() { dt { "Cc" } dd { (a.cc) } }
            }
            h3 { (a.subject) }
            div.text { (a.body) }
            @if !a.attachments.is_empty() {
                ul.files {
                    @for f in &a.attachments {
                        li { a href={ "/agent/tickets/" (ticket.id.0) "/attachments/" (f.id.0) } download=(f.filename) { (f.filename) } " (" (tr!(ctx, "%{count} bytes", count = f.size)) ")" }
                    }
                }
            }
        }
    }
}

/// The ticket, the article (which must belong to it) and the agent's rights.
async fn load<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: &str,
    article: u64,
) -> Result<(Ticket, Article, Vec<Permission>), ApiError> {
    let tid = ticket_id(id)?;
    let desk = state.desk();
    let actor = ctx.principal();
    let ticket = desk.ticket(actor, tid).await?;
    let found = desk.article(actor, ArticleId(article)).await?;
    if found.ticket_id != tid {
        return Err(ApiError::new(
            "not-found",
            format!("no article {article} in ticket {}", ticket.number),
        ));
    }
    let rights = desk.ticket_rights(actor, tid).await?;
    Ok((ticket, found, rights))
}

fn re(prefix: &str, subject: &str) -> String {
    let lower = subject.to_lowercase();
    if lower.starts_with(&format!("{}:", prefix.to_lowercase())) {
        subject.to_owned()
    } else {
        format!("{prefix}: {subject}")
    }
}

fn quoted(ctx: &UiCtx, a: &Article) -> String {
    let mut out = format!(
        "\n\n{}\n",
        tr!(
            ctx,
            "On %{date}, %{sender} wrote:",
            date = ctx.time(a.created_at),
            sender = a.from
        )
    );
    for line in a.body.lines() {
        out.push_str("> ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn addresses(list: &str) -> Vec<String> {
    list.split([',', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .collect()
}

fn bare_address(mailbox: &str) -> String {
    match (mailbox.rfind('<'), mailbox.rfind('>')) {
        (Some(a), Some(b)) if a < b => mailbox[a + 1..b].trim().to_lowercase(),
        _ => mailbox.trim().to_lowercase(),
    }
}

/// The form's starting values for an action.
fn prefill<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
    action: &str,
) -> Fields {
    let incoming = a.direction() == otrs_core::model::Direction::Incoming;
    let reply_to = if incoming || a.to.is_empty() {
        a.from.clone()
    } else {
        a.to.clone()
    };
    let mine = [
        bare_address(&state.desk().config().system_address),
        ctx.agent.email.to_lowercase(),
    ];
    let pairs: Vec<(&str, String)> = match action {
        "reply" => vec![
            ("to", reply_to),
            ("subject", re("Re", &a.subject)),
            ("body", quoted(ctx, a)),
        ],
        "reply-all" => {
            let to_key = bare_address(&reply_to);
            let cc: Vec<String> = addresses(&a.to)
                .into_iter()
                .chain(addresses(&a.cc))
                .filter(|m| {
                    let b = bare_address(m);
                    b != to_key && !mine.contains(&b)
                })
                .collect();
            vec![
                ("to", reply_to),
                ("cc", cc.join(", ")),
                ("subject", re("Re", &a.subject)),
                ("body", quoted(ctx, a)),
            ]
        }
        "reply-note" => vec![("subject", re("Re", &a.subject)), ("body", quoted(ctx, a))],
        "forward" => {
            let mut body = format!(
                "\n\n---- Forwarded message ----\nFrom: {}\nDate: {}\nSubject: {}\n",
                a.from,
                ctx.time(a.created_at),
                a.subject
            );
            if !a.to.is_empty() {
                body.push_str(&format!("To: {}\n", a.to));
            }
            body.push('\n');
            body.push_str(&a.body);
            let mut pairs = vec![("subject", re("Fwd", &a.subject)), ("body", body)];
            for f in &a.attachments {
                pairs.push(("attachments", f.id.0.to_string()));
            }
            pairs
        }
        "split" => vec![
            ("kind", "phone".into()),
            (
                "title",
                if a.subject.is_empty() {
                    ticket.title.clone()
                } else {
                    a.subject.clone()
                },
            ),
            ("queue", ticket.queue_id.0.to_string()),
            ("body", a.body.clone()),
            ("to", a.from.clone()),
            ("copy_attachments", "1".into()),
            ("link", "1".into()),
        ],
        _ => Vec::new(),
    };
    Fields(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

/// An article action's page (Print, Plain View and Copy Article Link answer directly).
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, article, action)): Path<(String, u64, String)>,
    QueryFields(query): QueryFields,
) -> Response {
    let (ticket, a, rights) = match load(&state, &ctx, &id, article).await {
        Ok(l) => l,
        Err(e) => return problem_page(&state, &ctx, "Article", &e).await,
    };
    if let Err(e) = allowed(ctx.lang, &action, &a, &rights) {
        return problem_page(&state, &ctx, label_of(&action).unwrap_or("Article"), &e).await;
    }
    match action.as_str() {
        "print" => return crate::ui::print::article_pdf(&state, &ctx, &ticket, &a).await,
        "plain" => return plain_view(&state, &ctx, &ticket, &a).await,
        "link" => return link_page(&state, &ctx, &ticket, &a).await,
        _ => {}
    }
    // A saved draft of this form replaces the starting values.
    let draft = match query.number::<u64>("draft") {
        Ok(Some(d)) if DRAFT_ACTIONS.contains(&action.as_str()) => state
            .desk()
            .drafts(ctx.principal(), ticket.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .find(|(x, _)| x.id == DraftId(d) && x.form == action),
        _ => None,
    };
    let (form, notice) = match draft {
        Some((d, stale)) => {
            let mut pairs: Vec<(String, String)> = Vec::new();
            for (k, v) in &d.fields {
                if k == "attachments" {
                    pairs.extend(
                        v.split(',')
                            .filter(|x| !x.is_empty())
                            .map(|x| (k.clone(), x.to_owned())),
                    );
                } else if DRAFT_FIELDS.contains(&k.as_str()) {
                    pairs.push((k.clone(), v.clone()));
                }
            }
            pairs.push(("draft".into(), d.id.0.to_string()));
            let notice = if stale {
                tr!(
                    ctx,
                    "Draft loaded. The ticket has changed since it was saved."
                )
            } else {
                tr!(ctx, "Draft loaded.")
            };
            (Fields(pairs), Some(notice))
        }
        None => (prefill(&state, &ctx, &ticket, &a, &action), None),
    };
    let status = StatusCode::OK;
    panel_with(
        &state,
        &ctx,
        &ticket,
        &a,
        &action,
        &form,
        None,
        notice.as_deref(),
        status,
    )
    .await
}

/// Runs an article action.
pub(crate) async fn run<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, article, action)): Path<(String, u64, String)>,
    ComposeForm(mut upload): ComposeForm,
) -> Response {
    let (ticket, a, rights) = match load(&state, &ctx, &id, article).await {
        Ok(l) => l,
        Err(e) => return problem_page(&state, &ctx, "Article", &e).await,
    };
    if let Err(e) = allowed(ctx.lang, &action, &a, &rights) {
        return problem_page(&state, &ctx, label_of(&action).unwrap_or("Article"), &e).await;
    }
    // The files of an article form stay with it until the article takes them.
    if DRAFT_ACTIONS.contains(&action.as_str()) {
        compose::keep_uploads(&state, &ctx, &mut upload).await;
    }
    let form = upload.fields;
    if let Some(m) = upload.files_error {
        let e = ApiError::invalid("files", m);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return panel(&state, &ctx, &ticket, &a, &action, &form, Some(e), status).await;
    }
    if form.has("save_draft") && DRAFT_ACTIONS.contains(&action.as_str()) {
        return match save_draft(&state, &ctx, &ticket, &a, &action, &form).await {
            Ok(()) => see_other(&format!(
                "/agent/tickets/{}?draft-saved={action}",
                ticket.id.0
            )),
            Err(e) => {
                let status = e.status();
                panel(&state, &ctx, &ticket, &a, &action, &form, Some(e), status).await
            }
        };
    }
    match execute(&state, &ctx, &ticket, &a, &action, &form).await {
        Ok(to) => {
            // The draft this article came from is done.
            if let Ok(Some(d)) = form.number::<u64>("draft")
                && let Err(e) = state.desk().delete_draft(ctx.principal(), DraftId(d)).await
            {
                tracing::warn!(error = %e, "could not delete a sent draft");
            }
            see_other(&to)
        }
        Err(e) => {
            let status = e.status();
            panel(&state, &ctx, &ticket, &a, &action, &form, Some(e), status).await
        }
    }
}

fn optional(form: &Fields, key: &str) -> Option<String> {
    Some(form.text(key)).filter(|v| !v.is_empty())
}

/// Runs the command and returns where to go next.
async fn execute<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
    action: &str,
    form: &Fields,
) -> Result<String, ApiError> {
    let desk = state.desk();
    let actor = ctx.principal();
    let back = format!("/agent/tickets/{}", ticket.id.0);
    match action {
        "reply" | "reply-all" | "forward" => {
            let to = form.text("to");
            if to.is_empty() {
                return Err(ApiError::invalid("to", "is required"));
            }
            let mut input = ArticleInput::new(
                ArticleKind::EmailOutbound,
                form.text("subject"),
                form.get("body").unwrap_or_default(),
            );
            input.to = Some(to);
            input.cc = optional(form, "cc");
            input.bcc = optional(form, "bcc");
            input.form_uploads = compose::kept_uploads_key(form);
            if action != "forward" {
                input.reply_to = Some(a.id);
            } else {
                for chosen in form.all("attachments") {
                    let Some(meta) = a.attachments.iter().find(|f| f.id.0.to_string() == chosen)
                    else {
                        return Err(ApiError::invalid(
                            "attachments",
                            format!("{chosen:?} is not an attachment of this article"),
                        ));
                    };
                    let content = desk.attachment(actor, meta.id).await?;
                    input.attachments.push(NewAttachment {
                        filename: meta.filename.clone(),
                        content_type: meta.content_type.clone(),
                        content: content.content,
                        content_id: meta.content_id.clone(),
                        inline: meta.inline,
                    });
                }
            }
            let added = desk.add_article(actor, ticket.id, input).await?;
            Ok(format!(
                "{back}?article={}#article-{}",
                added.id.0, added.id.0
            ))
        }
        "reply-note" => {
            let mut input = ArticleInput::new(
                ArticleKind::Note,
                form.text("subject"),
                form.get("body").unwrap_or_default(),
            );
            input.reply_to = Some(a.id);
            input.form_uploads = compose::kept_uploads_key(form);
            let added = desk.add_article(actor, ticket.id, input).await?;
            Ok(format!(
                "{back}?article={}#article-{}",
                added.id.0, added.id.0
            ))
        }
        "redirect" => {
            let done = desk
                .redirect_article(actor, a.id, &form.text("to"), form.has("inform_sender"))
                .await?;
            Ok(match done.notice {
                Some(n) => format!("{back}?article={}#article-{}", n.id.0, n.id.0),
                None => format!("{back}?article={}#article-{}", a.id.0, a.id.0),
            })
        }
        "important" | "unimportant" => {
            desk.set_article_important(actor, a.id, action == "important")
                .await?;
            Ok(format!("{back}?article={}#article-{}", a.id.0, a.id.0))
        }
        "split" => {
            let kind = match form.get("kind") {
                Some("phone") => ArticleKind::PhoneInbound,
                Some("email") => ArticleKind::EmailOutbound,
                _ => return Err(ApiError::invalid("kind", n_!("must be phone or email"))),
            };
            let queue = form
                .number::<u64>("queue")?
                .ok_or_else(|| ApiError::invalid("queue", "is required"))?;
            let mut article = ArticleInput::new(
                kind,
                form.text("title"),
                form.get("body").unwrap_or_default(),
            );
            if kind == ArticleKind::EmailOutbound {
                let to = form.text("to");
                if to.is_empty() {
                    return Err(ApiError::invalid(
                        "to",
                        n_!("is required for an e-mail ticket"),
                    ));
                }
                article.to = Some(to);
            }
            let mut new = NewTicket::new(form.text("title"), QueueId(queue), article);
            new.customer_user = ticket.customer_user_id;
            new.customer_id = ticket.customer_id.clone();
            new.priority = Some(ticket.priority);
            let (created, _) = desk
                .split_article(actor, a.id, new, form.has("copy_attachments"))
                .await
                .map_err(|e| {
                    let mut e = ApiError::from(e);
                    e.rename_field("article.body", "body");
                    e.rename_field("article.to", "to");
                    e
                })?;
            Ok(format!("/agent/tickets/{}", created.id.0))
        }
        _ => Err(ApiError::new(
            "not-found",
            format!("no such article action: {action}"),
        )),
    }
}

/// Saves the form as the agent's draft of this action on this article (one per article and
/// action: saving again replaces it).
async fn save_draft<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
    action: &str,
    form: &Fields,
) -> Result<(), ApiError> {
    let mut fields = std::collections::BTreeMap::new();
    for key in DRAFT_FIELDS {
        let value = if key == "attachments" {
            form.all(key).join(",")
        } else {
            form.get(key).unwrap_or_default().to_owned()
        };
        if !value.is_empty() {
            fields.insert(key.to_owned(), value);
        }
    }
    fields.insert("article".to_owned(), a.id.0.to_string());
    let name = format!(
        "{} – article {} – {}",
        label_of(action).unwrap_or(action),
        a.id.0,
        ctx.agent.full_name()
    );
    state
        .desk()
        .save_draft(
            ctx.principal(),
            ticket.id,
            DraftInput {
                form: action.to_owned(),
                name,
                fields,
            },
        )
        .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn panel<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
    action: &str,
    form: &Fields,
    error: Option<ApiError>,
    status: StatusCode,
) -> Response {
    panel_with(state, ctx, ticket, a, action, form, error, None, status).await
}

#[allow(clippy::too_many_arguments)]
async fn panel_with<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
    action: &str,
    form: &Fields,
    error: Option<ApiError>,
    notice: Option<&str>,
    status: StatusCode,
) -> Response {
    let Some(label) = label_of(action) else {
        let e = ApiError::new("not-found", format!("no such article action: {action}"));
        return problem_page(state, ctx, "Article", &e).await;
    };
    let label = &*translate_dyn(ctx.lang, label);
    let problem = error.as_ref().map(ApiError::problem);
    let field_error = |name: &str| -> Option<String> {
        problem
            .as_ref()?
            .errors
            .iter()
            .find(|p| p.field == name)
            .map(|p| translate_dyn(ctx.lang, &p.message).into_owned())
    };
    let fields_of_form: &[&str] = match action {
        "reply" | "reply-all" | "forward" => {
            &["to", "cc", "bcc", "subject", "body", "attachments", "files"]
        }
        "reply-note" => &["subject", "body", "files"],
        "redirect" => &["to", "inform_sender"],
        "split" => &["kind", "title", "queue", "to", "body"],
        _ => &[],
    };
    let general = error.as_ref().filter(|e| {
        !e.problem()
            .errors
            .iter()
            .any(|p| fields_of_form.contains(&p.field.as_str()))
    });
    let value = |k: &str| form.get(k).unwrap_or_default().to_owned();
    let text_input = |name: &str, label: &str, required: bool| {
        let err = field_error(name);
        html! {
            label for={ "f-" (name) } { (label) }
            input id={ "f-" (name) } type="text" name=(name) value=(value(name)) required[required]
                aria-invalid=[err.as_ref().map(|_| "true")] aria-describedby=[err.as_ref().map(|_| format!("f-{name}-error"))];
            @if let Some(m) = err { span.field-error id={ "f-" (name) "-error" } role="alert" { (m) } }
        }
    };
    let body_input = || {
        let err = field_error("body");
        html! {
            label for="f-body" { (tr!(ctx, "Text")) }
            textarea id="f-body" name="body" rows="12"
                aria-invalid=[err.as_ref().map(|_| "true")] aria-describedby=[err.as_ref().map(|_| "f-body-error")] { (value("body")) }
            @if let Some(m) = err { span.field-error id="f-body-error" role="alert" { (m) } }
        }
    };
    let queues = if action == "split" {
        state
            .desk()
            .queues(ctx.principal())
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let chosen = form.all("attachments");
    // Article forms send files, and list the ones kept from earlier showings.
    let files = if DRAFT_ACTIONS.contains(&action) {
        let error = field_error("files");
        Some(compose::attachments_field(state, ctx, form, error.as_deref()).await)
    } else {
        None
    };
    let enctype = if files.is_some() {
        "multipart/form-data"
    } else {
        "application/x-www-form-urlencoded"
    };
    let inputs = match action {
        "reply" | "reply-all" | "forward" => html! {
            (text_input("to", &tr!(ctx, "To"), true))
            (text_input("cc", "Cc", false))
            (text_input("bcc", "Bcc", false))
            (text_input("subject", &tr!(ctx, "Subject"), false))
            (body_input())
            @if action == "forward" && !a.attachments.is_empty() {
                fieldset {
                    legend { (tr!(ctx, "Attachments to forward")) }
                    @for f in &a.attachments {
                        label.check { input type="checkbox" name="attachments" value=(f.id.0) checked[chosen.contains(&f.id.0.to_string().as_str())]; " " (f.filename) }
                    }
                    @if let Some(m) = field_error("attachments") { span.field-error role="alert" { (m) } }
                }
            }
        },
        "reply-note" => html! {
            (text_input("subject", &tr!(ctx, "Subject"), false))
            (body_input())
        },
        "redirect" => html! {
            p.muted { (tr!(ctx, "The e-mail goes to the new recipient as it came in, from %{sender}.", sender = a.from)) }
            (text_input("to", &tr!(ctx, "Redirect to"), true))
            label.check { input type="checkbox" name="inform_sender" value="1" checked[form.has("inform_sender")]; " " (tr!(ctx, "Inform the original sender")) }
            @if let Some(m) = field_error("inform_sender") { span.field-error role="alert" { (m) } }
        },
        "important" => html! {
            p { (tr!(ctx, "Mark this article as important?")) }
        },
        "unimportant" => html! {
            p { (tr!(ctx, "Remove the important mark from this article?")) }
        },
        "split" => html! {
            fieldset {
                legend { (tr!(ctx, "New ticket")) }
                label.check { input type="radio" name="kind" value="phone" checked[form.get("kind") != Some("email")]; " " (tr!(ctx, "Phone ticket")) }
                " "
                label.check { input type="radio" name="kind" value="email" checked[form.get("kind") == Some("email")]; " " (tr!(ctx, "E-mail ticket (sends the text to the customer)")) }
                @if let Some(m) = field_error("kind") { span.field-error role="alert" { (m) } }
            }
            (text_input("title", &tr!(ctx, "Title"), true))
            label for="f-queue" { (tr!(ctx, "Queue")) }
            select id="f-queue" name="queue" {
                @for q in queues.iter().filter(|q| q.validity.is_valid()) {
                    option value=(q.id.0) selected[value("queue") == q.id.0.to_string()] { (q.name) }
                }
            }
            @if let Some(m) = field_error("queue") { span.field-error role="alert" { (m) } }
            (text_input("to", &tr!(ctx, "To (e-mail tickets)"), false))
            (body_input())
            label.check { input type="checkbox" name="copy_attachments" value="1" checked[form.has("copy_attachments")]; " " (tr!(ctx, "Copy the article's attachments")) }
            p.muted { (tr!(ctx, "The new ticket is linked to Ticket#%{number}.", number = ticket.number)) }
        },
        _ => html! {},
    };
    let back = format!("/agent/tickets/{}", ticket.id.0);
    let body = html! {
        div.grid.cols-2 {
            div.column {
                section.widget {
                    header { h2 { (tr!(ctx, "Article")) } }
                    div.body {
                        p.meta.muted { (article_name(ctx.lang, a.channel.name())) " · " (translate_dyn(ctx.lang, a.direction().name())) " · " (ctx.time(a.created_at)) }
                        @if !a.from.is_empty() { p { (tr!(ctx, "From")) ": " (a.from) } }
                        h3 { (a.subject) }
                        div.text { (a.body) }
                    }
                }
            }
            div.column {
                section.widget.action-panel aria-label=(label) {
                    header { h2 { (label) } }
                    div.body {
                        @if let Some(n) = notice { p.notice role="status" { (n) } }
                        @if let Some(e) = general { p.error role="alert" { (message_in(ctx.lang, e)) } }
                        form.stack method="post" action=(action_url(ticket.id, a.id, action)) enctype=(enctype) {
                            input type="hidden" name="csrf_token" value=(ctx.csrf);
                            @if let Some(d) = form.get("draft") { input type="hidden" name="draft" value=(d); }
                            (inputs)
                            @if let Some(f) = &files { (f) }
                            div {
                                button.primary type="submit" { (label) } " "
                                @if DRAFT_ACTIONS.contains(&action) {
                                    button type="submit" name="save_draft" value="1" formnovalidate { (tr!(ctx, "Save as draft")) } " "
                                }
                                a.button href={ (back) "?article=" (a.id.0) "#article-" (a.id.0) } { (tr!(ctx, "Cancel")) } }
                        }
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

/// An e-mail source rebuilt from the fields kept with an article (headers, text, attachments)
/// by the same mail library that sends the outbox: what Plain View shows for an article whose
/// source was never kept (written without one, or before sources were kept).
pub fn email_source(a: &Article, attachments: &[(String, String, Vec<u8>)]) -> String {
    use lettre::Message;
    use lettre::message::header::ContentType;
    use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
    let parse = |m: &str| m.parse::<Mailbox>().ok();
    let mut builder = Message::builder()
        .subject(a.subject.clone())
        .date(std::time::SystemTime::from(a.created_at))
        .message_id(a.message_id.clone());
    if let Some(from) = parse(&a.from) {
        builder = builder.from(from);
    }
    for m in addresses(&a.to).iter().filter_map(|m| parse(m)) {
        builder = builder.to(m);
    }
    for m in addresses(&a.cc).iter().filter_map(|m| parse(m)) {
        builder = builder.cc(m);
    }
    if let Some(r) = &a.in_reply_to {
        builder = builder.in_reply_to(r.clone());
    }
    if let Some(r) = &a.references {
        builder = builder.references(r.clone());
    }
    let text_type = if a.content_type == "text/html" {
        ContentType::TEXT_HTML
    } else {
        ContentType::TEXT_PLAIN
    };
    let built = if attachments.is_empty() {
        builder.header(text_type).body(a.body.clone())
    } else {
        let mut parts = MultiPart::mixed()
            .singlepart(SinglePart::builder().header(text_type).body(a.body.clone()));
        for (name, ty, bytes) in attachments {
            let ty = ContentType::parse(ty).unwrap_or(ContentType::TEXT_PLAIN);
            parts = parts.singlepart(Attachment::new(name.clone()).body(bytes.clone(), ty));
        }
        builder.multipart(parts)
    };
    match built {
        Ok(m) => String::from_utf8_lossy(&m.formatted()).into_owned(),
        // Without a parseable sender the library builds nothing: show the fields as headers.
        Err(_) => {
            let mut out = String::new();
            for (name, value) in [
                ("From", a.from.as_str()),
                ("To", a.to.as_str()),
                ("Cc", a.cc.as_str()),
                ("Subject", a.subject.as_str()),
                ("Message-ID", a.message_id.as_deref().unwrap_or("")),
                ("In-Reply-To", a.in_reply_to.as_deref().unwrap_or("")),
                ("References", a.references.as_deref().unwrap_or("")),
            ] {
                if !value.is_empty() {
                    out.push_str(&format!("{name}: {value}\r\n"));
                }
            }
            out.push_str(&format!("Date: {}\r\n", a.created_at.to_rfc2822()));
            out.push_str(&format!(
                "Content-Type: {}; charset=utf-8\r\n\r\n",
                a.content_type
            ));
            out.push_str(&a.body);
            out
        }
    }
}

/// What Plain View shows: where the text comes from, and the text.
struct PlainSource {
    /// `received`, `sent`, `queued`, `failed` or `reconstructed`.
    kind: &'static str,
    /// The heading over the text.
    label: String,
    /// What the text is, in a sentence.
    note: String,
    text: String,
    /// True when the text is a kept source that can be downloaded.
    kept: bool,
}

async fn plain_source<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    a: &Article,
) -> Result<PlainSource, ApiError> {
    let lossy = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    Ok(
        match state.desk().article_source(ctx.principal(), a.id).await? {
            ArticleSource::Received(bytes) => PlainSource {
                kind: "received",
                label: tr!(ctx, "The e-mail as received").into_owned(),
                note: tr!(
                    ctx,
                    "Kept exactly as it was given when the article was created."
                )
                .into_owned(),
                text: lossy(&bytes),
                kept: true,
            },
            ArticleSource::Sent { message, source } => PlainSource {
                kind: "sent",
                label: tr!(ctx, "The e-mail as sent").into_owned(),
                note: tr!(
                    ctx,
                    "The bytes handed to the mail relay (delivery attempt %{attempt}).",
                    attempt = message.attempts
                ),
                text: lossy(&source),
                kept: true,
            },
            ArticleSource::Unsent(message) => {
                let queued = || tr!(ctx, "Queued for delivery, not sent yet");
                let (kind, label, why) = match (&message.status, &message.last_error) {
                    (MessageStatus::Failed, error) => (
                        "failed",
                        tr!(ctx, "Not sent: delivery failed"),
                        match error {
                            Some(error) => tr!(
                                ctx,
                                "Delivery gave up after %{count} attempts (%{error}).",
                                count = message.attempts,
                                error = error
                            ),
                            None => tr!(
                                ctx,
                                "Delivery gave up after %{count} attempts (no reason recorded).",
                                count = message.attempts
                            ),
                        },
                    ),
                    (_, Some(error)) => (
                        "queued",
                        queued(),
                        tr!(
                            ctx,
                            "The last of %{count} attempts failed (%{error}); it will be tried again.",
                            count = message.attempts,
                            error = error
                        ),
                    ),
                    (_, None) => (
                        "queued",
                        queued(),
                        tr!(ctx, "It waits in the outbox.").into_owned(),
                    ),
                };
                let text = match state.mailer().build(&message) {
                    Ok(built) => lossy(&built.formatted()),
                    Err(e) => tr!(ctx, "(the message cannot be built: %{error})", error = e),
                };
                PlainSource {
                    kind,
                    label: label.into_owned(),
                    note: tr!(
                        ctx,
                        "%{why} Shown as it will be built; the Date header is set when it is sent, and the source kept then is what this view shows afterwards.",
                        why = why
                    ),
                    text,
                    kept: false,
                }
            }
            ArticleSource::NotKept => {
                let mut files = Vec::new();
                for f in &a.attachments {
                    if let Ok(c) = state.desk().attachment(ctx.principal(), f.id).await {
                        files.push((
                            f.filename.clone(),
                            f.content_type.clone(),
                            c.content.to_vec(),
                        ));
                    }
                }
                PlainSource {
                    kind: "reconstructed",
                    label: tr!(ctx, "Reconstructed from the stored fields").into_owned(),
                    note: tr!(ctx, "No source is kept for this article (it was written without one, or before sources were kept). This is rebuilt from the fields stored with it and is not the e-mail itself.").into_owned(),
                    text: email_source(a, &files),
                    kept: false,
                }
            }
        },
    )
}

async fn plain_view<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
) -> Response {
    let source = match plain_source(state, ctx, a).await {
        Ok(s) => s,
        Err(e) => return problem_page(state, ctx, "Plain View", &e).await,
    };
    let back = format!(
        "/agent/tickets/{}?article={}#article-{}",
        ticket.id.0, a.id.0, a.id.0
    );
    let download = action_url(ticket.id, a.id, "source.eml");
    let body = html! {
        section.widget {
            header { h2 { (tr!(ctx, "Plain View")) } a.button href=(back) { (tr!(ctx, "Back to the article")) } }
            div.body {
                div.plain-status data-source=(source.kind) {
                    h3 { (source.label) }
                    p.muted { (source.note) }
                    @if source.kept {
                        p { a.button href=(download) download={ "article-" (a.id.0) ".eml" } { (tr!(ctx, "Download (.eml)")) } }
                    }
                }
                pre.plain-source { (source.text) }
            }
        }
    };
    let plain = tr!(ctx, "Plain View");
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (
            &format!("Ticket#{} — {}", ticket.number, ticket.title),
            Some(&back),
        ),
        (&*plain, None),
    ]);
    let title = format!("{plain} — Ticket#{}", ticket.number);
    agent_page_with(state, ctx, StatusCode::OK, &title, crumbs, body).await
}

/// The kept source of an e-mail article as `message/rfc822`, for agents who may read it.
pub(crate) async fn source_download<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, article)): Path<(String, u64)>,
) -> Response {
    let found = async {
        let (_, a, rights) = load(&state, &ctx, &id, article).await?;
        allowed(ctx.lang, "plain", &a, &rights)?;
        let source = state.desk().article_source(ctx.principal(), a.id).await?;
        kept_source(source, a.id)
    }
    .await;
    match found {
        Ok(bytes) => source_response(&bytes, ArticleId(article)),
        Err(e) => problem_page(&state, &ctx, "Plain View", &e).await,
    }
}

async fn link_page<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: &Ticket,
    a: &Article,
) -> Response {
    let path = format!(
        "/agent/tickets/{}?article={}#article-{}",
        ticket.id.0, a.id.0, a.id.0
    );
    let body = html! {
        section.widget {
            header { h2 { (tr!(ctx, "Article link")) } }
            div.body.stack {
                label for="article-link" { (tr!(ctx, "Link to this article (copy it)")) }
                input #article-link type="text" readonly value=(path) data-absolute;
                p { button type="button" data-copy-target="article-link" { (tr!(ctx, "Copy")) } " " a.button href=(path) { (tr!(ctx, "Open the article")) } }
            }
        }
    };
    let title = tr!(ctx, "Copy Article Link");
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (
            &format!("Ticket#{} — {}", ticket.number, ticket.title),
            Some(&path),
        ),
        (&*title, None),
    ]);
    agent_page_with(state, ctx, StatusCode::OK, &title, crumbs, body).await
}

/// A PDF answer for download.
pub(crate) fn pdf_response(bytes: Vec<u8>, filename: &str) -> Response {
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/pdf"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        crate::ui::ticket::disposition("attachment", filename),
    );
    response
}
