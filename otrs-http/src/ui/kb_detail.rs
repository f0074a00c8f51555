//! The knowledge-base article detail view: Symptom, Problem and Solution (HTML cleaned, plain
//! text escaped), Properties cards with inline edit, Attachments (download, image preview),
//! Rating, Linked Tickets and Linked Knowledge Base Articles (only when links exist), the
//! internal Comment and People; and its actions: Edit (in [`super::kb`]), Link (in
//! [`super::kb_links`]), Delete, History, Print (PDF) and Approve.
//!
//! Only the actions the article's `may_edit` allows are offered; every route runs one desk
//! command, which refuses anything the agent may not do. The inline-edit forms carry the
//! article's version, so a change made by someone else in the meantime is reported instead of
//! overwritten.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, PreEscaped, html};
use otrs_core::desk::{KbArticleUpdate, KbArticleView};
use otrs_core::ids::{KbAttachmentId, KbCategoryId};
use otrs_core::model::{Agent, KbAction, KbContentType, KbState, ObjectRef, Principal, Validity};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::stats_output::PdfFont;
use crate::ui::create::Errors;
use crate::ui::fields::{Fields, FormFields, QueryFields};
use crate::ui::frame::{DetailView, DetailWidget, agent_page, agent_page_with};
use crate::ui::kb::{
    STALE_MESSAGE, TEXT_FIELDS, add_error, article_id, crumbs_to, may_write, not_writable,
    state_label, validity_label,
};
use crate::ui::kb_links;
use crate::ui::print::{Sheet, printed_line};
use crate::ui::ticket::{PREVIEW_TYPES, base_type, human_size, problem_page};
use crate::ui::{UiCtx, see_other};
use crate::{n_, tr};

/// The properties that can be edited in place: (field, label).
pub const INLINE_FIELDS: [(&str, &str); 6] = [
    ("title", n_!("Title")),
    ("keywords", n_!("Keywords")),
    ("category", n_!("Category")),
    ("state", n_!("State")),
    ("validity", n_!("Validity")),
    ("language", n_!("Language")),
];

/// What happened to an article, as the history shows it.
pub fn action_label(action: KbAction) -> &'static str {
    match action {
        KbAction::Created => n_!("Created"),
        KbAction::Updated => n_!("Changed"),
        KbAction::AttachmentAdded => n_!("File attached"),
        KbAction::AttachmentRemoved => n_!("File removed"),
        KbAction::LinkAdded => n_!("Link added"),
        KbAction::LinkRemoved => n_!("Link removed"),
        KbAction::ApprovalChanged => n_!("Approval changed"),
        KbAction::Voted => n_!("Rated"),
    }
}

/// The article and the page's title, or the problem page.
pub(crate) async fn load<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    raw: &str,
    title: &str,
) -> Result<KbArticleView, Response> {
    let result = match article_id(raw) {
        Ok(id) => state
            .desk()
            .kb_article(ctx.principal(), id)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(v) => Ok(v),
        Err(e) => Err(problem_page(state, ctx, title, &e).await),
    }
}

/// Like [`load`], and the agent must be allowed to change the article (403 otherwise).
pub(crate) async fn load_writable<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    raw: &str,
    title: &str,
) -> Result<KbArticleView, Response> {
    let view = load(state, ctx, raw, title).await?;
    if view.may_edit {
        Ok(view)
    } else {
        Err(problem_page(state, ctx, title, &not_writable(ctx, &view.number)).await)
    }
}

pub(crate) fn base(view: &KbArticleView) -> String {
    format!("/agent/kb/{}", view.article.id.0)
}

fn page_title(view: &KbArticleView) -> String {
    format!("FAQ#{} — {}", view.number, view.article.title)
}

/// The crumbs of a page below the article.
pub(crate) fn sub_crumbs(
    ctx: &UiCtx,
    view: &KbArticleView,
    heading: &str,
) -> crate::ui::frame::Crumbs {
    crumbs_to(
        ctx,
        &[
            (page_title(view), Some(base(view))),
            (heading.to_owned(), None),
        ],
    )
}

pub(crate) fn widget(id: &str, title: &str, body: Markup) -> DetailWidget {
    DetailWidget {
        id: id.to_owned(),
        title: title.to_owned(),
        tools: None,
        body,
    }
}

/// A text field of the article: HTML cleaned like the rich-text editor's, plain text escaped.
fn text_block(ctx: &UiCtx, content_type: KbContentType, text: &str) -> Markup {
    if text.trim().is_empty() {
        return html! { p.muted { "–" } };
    }
    match content_type {
        KbContentType::Html => html! {
            div.kb-text { (PreEscaped(crate::ui::compose::sanitize_html(text))) }
        },
        KbContentType::Plain => html! { div.text.kb-text lang=(ctx.lang.code()) { (text) } },
    }
}

/// The knowledge-base article detail view.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let view = match load(&state, &ctx, &id, n_!("Knowledge Base")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let desk = state.desk();
    let actor = ctx.principal();
    let a = &view.article;
    let base = base(&view);
    let layout = query
        .number::<u8>("layout")
        .ok()
        .flatten()
        .filter(|n| (1..=3).contains(n))
        .unwrap_or(2);
    let agents = desk.agents(actor).await.unwrap_or_default();
    let links = desk
        .links(actor, ObjectRef::KbArticle(a.id))
        .await
        .unwrap_or_default();
    let mut widgets = Vec::new();
    for (field, label) in TEXT_FIELDS.iter().take(3) {
        let text = match *field {
            "symptom" => &a.symptom,
            "problem" => &a.problem,
            _ => &a.solution,
        };
        let title = translate_dyn(ctx.lang, label);
        widgets.push(widget(
            field,
            &title,
            text_block(&ctx, a.content_type, text),
        ));
    }
    widgets.push(properties(&state, &ctx, &view).await);
    if let Some(w) = attachments(&ctx, &view) {
        widgets.push(w);
    }
    widgets.push(rating(&ctx, &view));
    if let Some(w) = kb_links::linked_tickets(&state, &ctx, &view, &links).await {
        widgets.push(w);
    }
    if let Some(w) = kb_links::linked_articles(&state, &ctx, &view, &links).await {
        widgets.push(w);
    }
    widgets.push(widget(
        "comment",
        &tr!(ctx, "Comment (internal)"),
        text_block(&ctx, a.content_type, &a.comment),
    ));
    widgets.push(people(&ctx, desk.now(), &view, &agents));
    let mut actions = Vec::new();
    if view.may_edit {
        actions.push((tr!(ctx, "Edit").into_owned(), format!("{base}/edit")));
        actions.push((tr!(ctx, "Link").into_owned(), format!("{base}/link")));
    }
    actions.push((tr!(ctx, "History").into_owned(), format!("{base}/history")));
    actions.push((tr!(ctx, "Print").into_owned(), format!("{base}/print")));
    // Approving also needs `rw` on the users group (the desk checks both).
    let may_approve = ctx.agent.is_admin()
        || ctx
            .agent
            .permissions_on(otrs_core::ids::GroupId::USERS)
            .grants(otrs_core::model::Permission::Rw);
    if view.may_edit && may_approve && desk.config().kb_approval_required {
        actions.push((tr!(ctx, "Approval").into_owned(), format!("{base}/approve")));
    }
    if view.may_edit {
        actions.push((tr!(ctx, "Delete").into_owned(), format!("{base}/delete")));
    }
    let frame = DetailView {
        actions,
        layout,
        base: base.clone(),
        widgets,
    };
    let (left, right) = frame.crumb_rows_in(ctx.lang);
    let title = page_title(&view);
    let mut crumbs = crumbs_to(&ctx, &[(title.clone(), None)]);
    crumbs.left = Some(left);
    crumbs.right = Some(right);
    let body = html! {
        @if desk.config().kb_approval_required && !a.approved {
            p.notice role="status" { (tr!(ctx, "This article is not approved yet: customers and visitors do not see it.")) }
        }
        div.kb-detail { (frame.grid()) }
    };
    agent_page(&state, &ctx, &title, crumbs, body).await
}

// --- properties and inline edit --------------------------------------------------------------

async fn properties<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    view: &KbArticleView,
) -> DetailWidget {
    let a = &view.article;
    let card = |field: Option<&str>, label: &str, value: Markup, form: Option<Markup>| {
        html! {
            div.card id=[field.map(|f| format!("card-{f}"))] {
                div.card-head {
                    span.card-label { (label) }
                    @if let (Some(f), true) = (field, form.is_some()) {
                        a.pen href={ (base(view)) "/edit/" (f) } data-inline={ "inline-" (f) }
                            aria-label=(tr!(ctx, "Edit %{field}", field = label)) title=(tr!(ctx, "Edit %{field}", field = label)) { "✎" }
                    }
                }
                div.card-value { (value) }
                @if let (Some(f), Some(form)) = (field, form) {
                    form.inline-edit id={ "inline-" (f) } hidden method="post" action={ (base(view)) "/edit/" (f) } {
                        input type="hidden" name="csrf_token" value=(ctx.csrf);
                        input type="hidden" name="version" value=(a.version);
                        (form)
                        div.inline-buttons {
                            button.primary type="submit" { (tr!(ctx, "Save")) }
                            " " button type="button" data-inline-cancel { (tr!(ctx, "Cancel")) }
                        }
                    }
                }
            }
        }
    };
    let categories = state
        .desk()
        .kb_categories(ctx.principal())
        .await
        .unwrap_or_default();
    let mut cards = vec![card(None, "FAQ#", html! { (view.number) }, None)];
    for (field, label) in INLINE_FIELDS {
        let value = match field {
            "title" => html! { (a.title) },
            "keywords" => html! { @if a.keywords.is_empty() { "–" } @else { (a.keywords) } },
            "category" => html! { (view.category_path) },
            "state" => html! { (state_label(ctx.lang, a.state)) },
            "validity" => html! { (validity_label(ctx.lang, a.validity)) },
            _ => html! { (a.language) },
        };
        let form = view.may_edit.then(|| {
            inline_control(
                ctx,
                state,
                view,
                &categories,
                field,
                &Fields::default(),
                &Errors::default(),
            )
        });
        cards.push(card(
            Some(field),
            &translate_dyn(ctx.lang, label),
            value,
            form,
        ));
    }
    if state.desk().config().kb_approval_required {
        cards.push(card(
            None,
            &tr!(ctx, "Approved"),
            html! { (if a.approved { tr!(ctx, "yes") } else { tr!(ctx, "no") }) },
            None,
        ));
    }
    cards.push(card(
        None,
        &tr!(ctx, "Created"),
        html! { time datetime=(a.created_at.to_rfc3339()) { (ctx.time(a.created_at)) } },
        None,
    ));
    cards.push(card(
        None,
        &tr!(ctx, "Changed"),
        html! { time datetime=(a.changed_at.to_rfc3339()) { (ctx.time(a.changed_at)) } },
        None,
    ));
    widget(
        "properties",
        &tr!(ctx, "Properties"),
        html! { div.cards { @for c in cards { (c) } } },
    )
}

/// The input of one inline edit (the form's value, else the article's).
fn inline_control<S: Store>(
    ctx: &UiCtx,
    state: &AppState<S>,
    view: &KbArticleView,
    categories: &[otrs_core::desk::KbCategoryNode],
    field: &str,
    form: &Fields,
    errors: &Errors,
) -> Markup {
    let a = &view.article;
    let id = format!("edit-{field}");
    let invalid = errors.fields.contains_key(field).then_some("true");
    let described = errors
        .fields
        .contains_key(field)
        .then(|| format!("err-{field}"));
    let current = |stored: String| form.get(field).map_or(stored, str::to_owned);
    let control = match field {
        "title" => html! {
            input id=(id) type="text" name="title" required maxlength="200" value=(current(a.title.clone()))
                aria-invalid=[invalid] aria-describedby=[described.clone()];
        },
        "keywords" => html! {
            input id=(id) type="text" name="keywords" maxlength="400" value=(current(a.keywords.clone()))
                aria-invalid=[invalid] aria-describedby=[described.clone()];
        },
        "category" => {
            let chosen = current(a.category_id.0.to_string());
            html! {
                select id=(id) name="category" aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for n in categories.iter().filter(|n| may_write(ctx, n) || n.category.id == a.category_id) {
                        option value=(n.category.id.0) selected[chosen == n.category.id.0.to_string()] { (n.path) }
                    }
                }
            }
        }
        "state" => {
            let chosen = current(a.state.name().to_owned());
            html! {
                select id=(id) name="state" aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for s in KbState::ALL {
                        option value=(s.name()) selected[chosen == s.name()] { (state_label(ctx.lang, s)) }
                    }
                }
            }
        }
        "validity" => {
            let chosen = current(a.validity.name().to_owned());
            html! {
                select id=(id) name="validity" aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for v in [Validity::Valid, Validity::Invalid, Validity::InvalidTemporarily] {
                        option value=(v.name()) selected[chosen == v.name()] { (validity_label(ctx.lang, v)) }
                    }
                }
            }
        }
        _ => {
            let chosen = current(a.language.clone());
            html! {
                select id=(id) name="language" aria-invalid=[invalid] aria-describedby=[described.clone()] {
                    @for l in &state.desk().config().kb_languages {
                        option value=(l) selected[chosen.eq_ignore_ascii_case(l)] { (l) }
                    }
                }
            }
        }
    };
    let label = INLINE_FIELDS
        .iter()
        .find(|(f, _)| *f == field)
        .map_or(field, |(_, l)| l);
    html! {
        label.sr-only for=(id) { (translate_dyn(ctx.lang, label)) }
        (control)
        (errors.at_in(ctx.lang, field))
    }
}

/// The update one inline edit makes; a value that is not offered goes to `errors`.
fn inline_update(field: &str, form: &Fields, errors: &mut Errors) -> KbArticleUpdate {
    let mut update = KbArticleUpdate::default();
    let text = form.text(field);
    match field {
        "title" => update.title = Some(text),
        "keywords" => update.keywords = Some(text),
        "language" => update.language = Some(text),
        "category" => match text.parse::<u64>() {
            Ok(id) => update.category_id = Some(KbCategoryId(id)),
            Err(_) => errors.field(field, n_!("is not one of the offered choices")),
        },
        "state" => match KbState::from_name(&text) {
            Some(s) => update.state = Some(s),
            None => errors.field(field, n_!("is not one of the offered choices")),
        },
        _ => match Validity::from_name(&text) {
            Some(v) => update.validity = Some(v),
            None => errors.field(field, n_!("is not one of the offered choices")),
        },
    }
    update
}

/// The page of one inline edit (what the pen opens without the script).
pub(crate) async fn inline_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, field)): Path<(String, String)>,
) -> Response {
    inline_panel(
        &state,
        &ctx,
        &id,
        &field,
        &Fields::default(),
        Errors::default(),
        false,
        StatusCode::OK,
    )
    .await
}

/// Saves one inline edit; a stale version or a refusal shows the form again with the reason.
pub(crate) async fn inline_save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, field)): Path<(String, String)>,
    FormFields(form): FormFields,
) -> Response {
    let kb = match article_id(&id) {
        Ok(kb) => kb,
        Err(e) => return problem_page(&state, &ctx, n_!("Knowledge Base"), &e).await,
    };
    if !INLINE_FIELDS.iter().any(|(f, _)| *f == field) {
        let e = ApiError::new("not-found", format!("no such property: {field}"));
        return problem_page(&state, &ctx, n_!("Knowledge Base"), &e).await;
    }
    let mut errors = Errors::default();
    let update = inline_update(&field, &form, &mut errors);
    let version = form.number::<u64>("version").ok().flatten();
    if version.is_none() {
        errors.field(&field, n_!("is missing; reload the article"));
    }
    if !errors.is_empty() {
        return inline_panel(
            &state,
            &ctx,
            &id,
            &field,
            &form,
            errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    match state
        .desk()
        .update_kb_article(ctx.principal(), kb, update, version)
        .await
    {
        Ok(_) => see_other(&format!("/agent/kb/{}#properties", kb.0)),
        Err(e) => {
            let e = ApiError::from(e);
            let stale = e.code() == "version-mismatch";
            if !stale {
                add_error(&ctx, &mut errors, &e);
            }
            inline_panel(&state, &ctx, &id, &field, &form, errors, stale, e.status()).await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn inline_panel<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: &str,
    field: &str,
    form: &Fields,
    errors: Errors,
    stale: bool,
    status: StatusCode,
) -> Response {
    let view = match load_writable(state, ctx, id, n_!("Knowledge Base")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some((_, label)) = INLINE_FIELDS.iter().find(|(f, _)| *f == field) else {
        let e = ApiError::new("not-found", format!("no such property: {field}"));
        return problem_page(state, ctx, n_!("Knowledge Base"), &e).await;
    };
    let heading = tr!(ctx, "Edit %{field}", field = translate_dyn(ctx.lang, label));
    let categories = state
        .desk()
        .kb_categories(ctx.principal())
        .await
        .unwrap_or_default();
    // A stale form keeps the version it had, so that saving again is refused again until the
    // agent reloads; everything else takes the current version.
    let version = if stale {
        form.get("version").unwrap_or_default().to_owned()
    } else {
        view.article.version.to_string()
    };
    let control = inline_control(ctx, state, &view, &categories, field, form, &errors);
    let base = base(&view);
    let body = html! {
        section.widget.action-panel aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                @if stale {
                    p.error.stale role="alert" { (translate_dyn(ctx.lang, STALE_MESSAGE)) " " a href={ (base) "/edit/" (field) } { (tr!(ctx, "Reload")) } }
                }
                @if let Some(m) = &errors.general { p.error role="alert" { (m) } }
                form.stack method="post" action={ (base) "/edit/" (field) } {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    input type="hidden" name="version" value=(version);
                    (control)
                    div { button.primary type="submit" { (tr!(ctx, "Save")) } " " a.button href=(base) { (tr!(ctx, "Cancel")) } }
                }
            }
        }
    };
    let crumbs = sub_crumbs(ctx, &view, &heading);
    agent_page_with(state, ctx, status, &heading, crumbs, body).await
}

// --- attachments, rating, people -------------------------------------------------------------

fn attachments(ctx: &UiCtx, view: &KbArticleView) -> Option<DetailWidget> {
    let a = &view.article;
    let files: Vec<_> = a.attachments.iter().filter(|f| !f.inline).collect();
    if files.is_empty() {
        return None;
    }
    let url = |f: &otrs_core::model::KbAttachment| format!("{}/attachments/{}", base(view), f.id.0);
    let body = html! {
        table.list.attachments {
            thead { tr { th { (tr!(ctx, "Filename")) } th { (tr!(ctx, "Type")) } th { (tr!(ctx, "File size")) } th { (tr!(ctx, "Preview")) } th { (tr!(ctx, "Download")) } } }
            tbody {
                @for f in &files {
                    @let ty = base_type(&f.content_type);
                    tr {
                        td { (f.filename) }
                        td { (ty) }
                        td.num { (human_size(f.size, ctx.lang)) }
                        td {
                            @if PREVIEW_TYPES.contains(&ty.as_str()) {
                                a href={ (url(f)) "?inline=1" } {
                                    img.thumb src={ (url(f)) "?inline=1" } alt=(tr!(ctx, "Preview of %{file}", file = f.filename)) loading="lazy";
                                }
                            }
                        }
                        td { a href=(url(f)) download=(f.filename) { (tr!(ctx, "Download")) } }
                    }
                }
            }
        }
    };
    Some(widget("attachments", &tr!(ctx, "Attachments"), body))
}

/// Downloads a file of the article (or shows a safe image with `?inline=1`).
pub(crate) async fn attachment<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, file)): Path<(String, u64)>,
    QueryFields(query): QueryFields,
) -> Response {
    let result = match article_id(&id) {
        Ok(kb) => state
            .desk()
            .kb_attachment(ctx.principal(), kb, KbAttachmentId(file))
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok((meta, bytes)) => crate::ui::ticket::file_response(
            &bytes,
            &meta.content_type,
            &meta.filename,
            query.get("inline") == Some("1"),
        ),
        Err(e) => problem_page(&state, &ctx, n_!("Attachment"), &e).await,
    }
}

fn rating(ctx: &UiCtx, view: &KbArticleView) -> DetailWidget {
    let r = view.rating;
    let pressed = |yes: bool| {
        if view.my_vote == Some(yes) {
            "true"
        } else {
            "false"
        }
    };
    let body = html! {
        p { (tr!(ctx, "Was this article helpful?")) }
        form.inline.kb-vote method="post" action={ (base(view)) "/vote" } {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            button type="submit" name="helpful" value="yes" aria-pressed=(pressed(true)) { "✓ " (tr!(ctx, "Yes")) }
            " "
            button type="submit" name="helpful" value="no" aria-pressed=(pressed(false)) { "✕ " (tr!(ctx, "No")) }
        }
        p.kb-rating {
            @match r.percent() {
                Some(p) => (tr!(ctx, "%{percent} % found it helpful (%{yes} of %{votes} votes).", percent = p, yes = r.helpful, votes = r.votes)),
                None => (tr!(ctx, "No votes yet.")),
            }
        }
        @if let Some(mine) = view.my_vote {
            p.muted { (if mine { tr!(ctx, "Your vote: yes") } else { tr!(ctx, "Your vote: no") }) }
        }
    };
    widget("rating", &tr!(ctx, "Rating"), body)
}

/// A two-way choice of a form: `yes` or `no` in `field`, anything else refused.
fn flag(form: &Fields, field: &str, yes: &str, no: &str) -> Result<bool, ApiError> {
    match form.text(field).as_str() {
        v if v == yes => Ok(true),
        v if v == no => Ok(false),
        _ => Err(ApiError::invalid(
            field,
            n_!("is not one of the offered choices"),
        )),
    }
}

/// Records the agent's vote.
pub(crate) async fn vote<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let result = async {
        let kb = article_id(&id)?;
        let helpful = flag(&form, "helpful", "yes", "no")?;
        state
            .desk()
            .vote_kb_article(ctx.principal(), kb, helpful)
            .await?;
        Ok(kb)
    }
    .await;
    match result {
        Ok(kb) => see_other(&format!("/agent/kb/{}#rating", kb.0)),
        Err(e) => problem_page(&state, &ctx, n_!("Rating"), &e).await,
    }
}

fn people(
    ctx: &UiCtx,
    now: chrono::DateTime<chrono::Utc>,
    view: &KbArticleView,
    agents: &[Agent],
) -> DetailWidget {
    let find = |p: Principal| match p {
        Principal::Agent(id) => agents.iter().find(|a| a.id == id),
        _ => None,
    };
    let a = &view.article;
    let body = html! {
        div.cards {
            (crate::ui::ticket::agent_card(ctx, now, &tr!(ctx, "Created by"), find(a.created_by), &a.created_by.to_string()))
            (crate::ui::ticket::agent_card(ctx, now, &tr!(ctx, "Changed by"), find(a.changed_by), &a.changed_by.to_string()))
        }
    };
    widget("people", &tr!(ctx, "People"), body)
}

// --- delete, approval, history, print --------------------------------------------------------

/// The confirmation before deleting.
pub(crate) async fn delete_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let view = match load_writable(&state, &ctx, &id, n_!("Delete")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let base = base(&view);
    let intro = html! {
        p.warning role="note" { (tr!(ctx, "Do you really want to delete the knowledge base article %{number} “%{title}”? Its files, ratings, history and links are deleted too.", number = view.number, title = view.article.title)) }
    };
    let form = html! {
        div { button.danger type="submit" { (tr!(ctx, "Delete")) } " " a.button href=(base) { (tr!(ctx, "Cancel")) } }
    };
    confirm_page(
        &state,
        &ctx,
        &view,
        &tr!(ctx, "Delete"),
        "/delete",
        intro,
        form,
    )
    .await
}

/// Deletes the article and goes back to the list.
pub(crate) async fn delete<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let result = async {
        let kb = article_id(&id)?;
        let view = state.desk().kb_article(ctx.principal(), kb).await?;
        // The version confirmed: a changed article is not deleted without a second look.
        let version = form.number::<u64>("version").ok().flatten();
        state
            .desk()
            .delete_kb_article(ctx.principal(), kb, version)
            .await?;
        Ok::<_, ApiError>(view.number)
    }
    .await;
    match result {
        Ok(number) => see_other(&format!("/agent/kb?deleted={number}")),
        Err(e) => problem_page(&state, &ctx, n_!("Delete"), &e).await,
    }
}

/// The approval page: whether customers may see the article, and the button to change it.
pub(crate) async fn approve_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let view = match load_writable(&state, &ctx, &id, n_!("Approval")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let base = base(&view);
    let approved = view.article.approved;
    let intro = html! {
        p { @if approved { (tr!(ctx, "The article is approved: customers and visitors may see it (as its state allows).")) } @else { (tr!(ctx, "This article is not approved yet: customers and visitors do not see it.")) } }
    };
    let form = html! {
        @if approved {
            input type="hidden" name="approved" value="0";
            div { button type="submit" { (tr!(ctx, "Withdraw the approval")) } " " a.button href=(base) { (tr!(ctx, "Cancel")) } }
        } @else {
            input type="hidden" name="approved" value="1";
            div { button.primary type="submit" { (tr!(ctx, "Approve")) } " " a.button href=(base) { (tr!(ctx, "Cancel")) } }
        }
    };
    confirm_page(
        &state,
        &ctx,
        &view,
        &tr!(ctx, "Approval"),
        "/approve",
        intro,
        form,
    )
    .await
}

/// A confirmation panel: the text, then a form to `action` (below the article) carrying the
/// CSRF token and the version shown, so a change made meanwhile is refused.
async fn confirm_page<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    view: &KbArticleView,
    heading: &str,
    action: &str,
    intro: Markup,
    form: Markup,
) -> Response {
    let body = html! {
        section.widget.action-panel aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                (intro)
                form.stack method="post" action={ (base(view)) (action) } {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    input type="hidden" name="version" value=(view.article.version);
                    (form)
                }
            }
        }
    };
    let crumbs = sub_crumbs(ctx, view, heading);
    agent_page(state, ctx, heading, crumbs, body).await
}

/// Approves the article or withdraws the approval.
pub(crate) async fn approve<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let result = async {
        let kb = article_id(&id)?;
        let approved = flag(&form, "approved", "1", "0")?;
        let version = form.number::<u64>("version").ok().flatten();
        state
            .desk()
            .set_kb_approval(ctx.principal(), kb, approved, version)
            .await?;
        Ok(kb)
    }
    .await;
    match result {
        Ok(kb) => see_other(&format!("/agent/kb/{}", kb.0)),
        Err(e) => problem_page(&state, &ctx, n_!("Approval"), &e).await,
    }
}

/// The article's history, newest first.
pub(crate) async fn history<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let view = match load(&state, &ctx, &id, n_!("History")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let desk = state.desk();
    let entries = match desk.kb_history(ctx.principal(), view.article.id).await {
        Ok(h) => h,
        Err(e) => return problem_page(&state, &ctx, n_!("History"), &ApiError::from(e)).await,
    };
    let agents = desk.agents(ctx.principal()).await.unwrap_or_default();
    let who = |p: Principal| match p {
        Principal::Agent(id) => agents
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| p.to_string(), Agent::full_name),
        other => other.to_string(),
    };
    let heading = tr!(ctx, "History");
    let body = html! {
        section.widget aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                table.list.kb-history {
                    thead { tr { th { (tr!(ctx, "Action")) } th { (tr!(ctx, "Details")) } th { (tr!(ctx, "By")) } th { (tr!(ctx, "Time")) } } }
                    tbody {
                        @for h in entries.iter().rev() {
                            tr {
                                td { (translate_dyn(ctx.lang, action_label(h.action))) }
                                td { (h.detail) }
                                td { (who(h.by)) }
                                td { time datetime=(h.at.to_rfc3339()) { (ctx.time(h.at)) } }
                            }
                        }
                    }
                }
                p { a.button href=(base(&view)) { (tr!(ctx, "Back to the article")) } }
            }
        }
    };
    let crumbs = sub_crumbs(&ctx, &view, &heading);
    let title = format!("{heading} — FAQ#{}", view.number);
    agent_page(&state, &ctx, &title, crumbs, body).await
}

/// The article as a PDF: number, title, properties, rating and the text fields; the labels in
/// `lang` (the article's own text as it is, HTML flattened to text).
pub fn kb_pdf(
    view: &KbArticleView,
    printed: &str,
    time: &dyn Fn(chrono::DateTime<chrono::Utc>) -> String,
    font: &PdfFont,
    lang: Language,
) -> Result<Vec<u8>, crate::stats_output::OutputError> {
    let a = &view.article;
    let mut sheet = Sheet::new(&format!("FAQ#{} — {}", view.number, a.title), font)?;
    sheet.paragraph(&format!("FAQ#{}", view.number), 16.0, 0.0);
    sheet.paragraph(&a.title, 13.0, 0.0);
    sheet.gap(2.0);
    let rating = match view.rating.percent() {
        Some(p) => format!("{p} % ({}/{})", view.rating.helpful, view.rating.votes),
        None => "–".to_owned(),
    };
    for (label, value) in [
        (n_!("Category"), view.category_path.clone()),
        (n_!("State"), state_label(lang, a.state).into_owned()),
        (
            n_!("Validity"),
            validity_label(lang, a.validity).into_owned(),
        ),
        (n_!("Language"), a.language.clone()),
        (n_!("Keywords"), a.keywords.clone()),
        (n_!("Created"), time(a.created_at)),
        (n_!("Changed"), time(a.changed_at)),
        (n_!("Rating"), rating),
    ] {
        sheet.paragraph(
            &format!("{}: {value}", translate_dyn(lang, label)),
            9.0,
            0.0,
        );
    }
    if !a.attachments.is_empty() {
        let names: Vec<&str> = a.attachments.iter().map(|f| f.filename.as_str()).collect();
        sheet.paragraph(
            &format!("{}: {}", tr!(@lang lang, "Attachments"), names.join(", ")),
            9.0,
            0.0,
        );
    }
    sheet.paragraph(printed, 7.5, 0.0);
    for (field, label) in TEXT_FIELDS {
        let text = match field {
            "symptom" => &a.symptom,
            "problem" => &a.problem,
            "solution" => &a.solution,
            _ => &a.comment,
        };
        let text = match a.content_type {
            KbContentType::Html => {
                crate::ui::compose::plain_text(&crate::ui::compose::sanitize_html(text))
            }
            KbContentType::Plain => text.clone(),
        };
        sheet.gap(3.0);
        sheet.line(&translate_dyn(lang, label), 11.0, 0.0);
        sheet.paragraph(if text.trim().is_empty() { "–" } else { &text }, 9.5, 2.0);
    }
    sheet.finish()
}

/// Prints the article as a PDF.
pub(crate) async fn print<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let view = match load(&state, &ctx, &id, n_!("Print")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let result = async {
        let font = PdfFont::find(&[]).map_err(|e| e.to_api_error("printing an article"))?;
        let printed = printed_line(&ctx, state.desk().now());
        kb_pdf(&view, &printed, &|t| ctx.time(t), &font, ctx.lang)
            .map_err(|e| e.to_api_error("printing an article"))
    }
    .await;
    match result {
        Ok(bytes) => crate::ui::articles::pdf_response(bytes, &format!("FAQ_{}.pdf", view.number)),
        Err(e) => problem_page(&state, &ctx, n_!("Print"), &e).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_history_action_has_a_label() {
        for name in [
            "Created",
            "Updated",
            "AttachmentAdded",
            "AttachmentRemoved",
            "LinkAdded",
            "LinkRemoved",
            "ApprovalChanged",
            "Voted",
        ] {
            let action = KbAction::from_name(name).unwrap();
            assert!(!action_label(action).is_empty());
        }
    }
}
