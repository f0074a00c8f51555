//! The admin page of text templates and signatures (`/agent/admin/texts/{templates|signatures}`):
//! list, create, edit (name, text, content type, validity, queues) and delete. Only admins may
//! use it: the main menu shows it to them, and every page and post goes through a desk command
//! that refuses anyone else.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use otrs_core::desk::{NewStandardText, StandardTextUpdate};
use otrs_core::ids::{QueueId, TextId};
use otrs_core::model::{StandardText, TEXT_CONTENT_TYPES, TextKind, Validity};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::create::Errors;
use crate::ui::fields::{Fields, FormFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, message_in, see_other};
use crate::{n_, tr};

/// The title of a page that could not be shown.
const PAGE_TITLE: &str = n_!("Templates and signatures");

/// What the form says when the text changed after it was opened.
const STALE_TEXT: &str = n_!(
    "This text was changed by someone else after you opened this form; nothing was saved. Reload the form to see the current values."
);

/// The page's address for a kind.
fn list_url(kind: TextKind) -> String {
    format!("/agent/admin/texts/{}s", kind.name())
}

fn title_of(lang: Language, kind: TextKind) -> std::borrow::Cow<'static, str> {
    match kind {
        TextKind::Template => tr!(@lang lang, "Text templates"),
        TextKind::Signature => tr!(@lang lang, "Signatures"),
    }
}

fn add_label(lang: Language, kind: TextKind) -> std::borrow::Cow<'static, str> {
    match kind {
        TextKind::Template => tr!(@lang lang, "Add template"),
        TextKind::Signature => tr!(@lang lang, "Add signature"),
    }
}

fn kind_of(path: &str) -> Result<TextKind, ApiError> {
    path.strip_suffix('s')
        .and_then(TextKind::from_name)
        .ok_or_else(|| ApiError::new("not-found", format!("no such text kind: {path}")))
}

/// Every text of the kind (the desk refuses non-admins), and the one `id` names if given.
async fn load<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    kind: &str,
    id: Option<&str>,
) -> Result<(TextKind, Vec<StandardText>, Option<StandardText>), ApiError> {
    let kind = kind_of(kind)?;
    let all = state
        .desk()
        .all_standard_texts(ctx.principal(), kind)
        .await?;
    let chosen =
        match id {
            None => None,
            Some(id) => {
                let found = id
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| all.iter().find(|t| t.id == TextId(id)).cloned());
                Some(found.ok_or_else(|| {
                    ApiError::new("not-found", format!("no {} {id}", kind.name()))
                })?)
            }
        };
    Ok((kind, all, chosen))
}

/// `GET /agent/admin/texts/{kind}`: the list.
pub(crate) async fn list<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(kind): Path<String>,
) -> Response {
    let (kind, all, _) = match load(&state, &ctx, &kind, None).await {
        Ok(loaded) => loaded,
        Err(e) => return problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    };
    let queues = state
        .desk()
        .queues(ctx.principal())
        .await
        .unwrap_or_default();
    let queue_name = |q: &QueueId| {
        queues
            .iter()
            .find(|x| x.id == *q)
            .map_or_else(|| q.to_string(), |x| x.name.clone())
    };
    let base = list_url(kind);
    let title = title_of(ctx.lang, kind);
    let body = html! {
        section.widget aria-label=(title) {
            header {
                h2 { (title) }
                nav.tabs {
                    @for k in TextKind::ALL {
                        a href=(list_url(k)) aria-current=[(k == kind).then_some("page")] { (title_of(ctx.lang, k)) }
                    }
                }
                a.button.primary href={ (base) "/new" } { (add_label(ctx.lang, kind)) }
            }
            div.body {
                @if all.is_empty() { p.muted { (tr!(ctx, "None yet.")) } }
                @else {
                    table.list {
                        thead { tr { th { (tr!(ctx, "Name")) } th { (tr!(ctx, "Type")) } th { (tr!(ctx, "Validity")) } th { (tr!(ctx, "Queues")) } th { (tr!(ctx, "Changed")) } th { span.sr-only { (tr!(ctx, "Delete")) } } } }
                        tbody {
                            @for t in &all {
                                tr data-text=(t.name) {
                                    td { a href={ (base) "/" (t.id.0) } { (t.name) } }
                                    td { (t.content_type) }
                                    td { (translate_dyn(ctx.lang, t.validity.name())) }
                                    td { (t.queues.iter().map(queue_name).collect::<Vec<_>>().join(", ")) }
                                    td { (tr!(ctx, "version %{version}", version = t.version)) }
                                    td {
                                        form.inline method="post" action={ (base) "/" (t.id.0) "/delete" } {
                                            input type="hidden" name="csrf_token" value=(ctx.csrf);
                                            button.link type="submit" { (tr!(ctx, "Delete")) span.sr-only { " " (t.name) } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let crumbs = Crumbs::path(&[(&*tr!(ctx, "Dashboard"), Some("/agent")), (&*title, None)]);
    agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await
}

/// `GET /agent/admin/texts/{kind}/new`: the empty form.
pub(crate) async fn new_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(kind): Path<String>,
) -> Response {
    match load(&state, &ctx, &kind, None).await {
        Ok((kind, _, _)) => {
            let form = Fields::default();
            editor(
                &state,
                &ctx,
                kind,
                None,
                &form,
                &Errors::default(),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    }
}

/// `GET /agent/admin/texts/{kind}/{id}`: the form with the text's values.
pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    match load(&state, &ctx, &kind, Some(&id)).await {
        Ok((kind, _, Some(text))) => {
            let mut form = Fields::default();
            form.0.extend([
                ("name".to_owned(), text.name.clone()),
                ("text".to_owned(), text.text.clone()),
                ("content_type".to_owned(), text.content_type.clone()),
                ("validity".to_owned(), text.validity.name().to_owned()),
                ("version".to_owned(), text.version.to_string()),
            ]);
            for q in &text.queues {
                form.0.push(("queues".to_owned(), q.0.to_string()));
            }
            let status = StatusCode::OK;
            editor(
                &state,
                &ctx,
                kind,
                Some(&text),
                &form,
                &Errors::default(),
                status,
            )
            .await
        }
        Ok(_) => unreachable_text(&state, &ctx).await,
        Err(e) => problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    }
}

async fn unreachable_text<S: Store>(state: &AppState<S>, ctx: &UiCtx) -> Response {
    let e = ApiError::new("not-found", "no such text");
    problem_page(state, ctx, PAGE_TITLE, &e).await
}

/// The queues the form ticks, or the error naming the field.
fn queues_of(lang: Language, form: &Fields) -> Result<Vec<QueueId>, ApiError> {
    form.all("queues")
        .into_iter()
        .map(|q| {
            q.parse::<u64>().map(QueueId).map_err(|_| {
                ApiError::invalid(
                    "queues",
                    tr!(@lang lang, "%{value} is not a queue", value = format!("{q:?}")),
                )
            })
        })
        .collect()
}

/// Puts a desk refusal at the form's fields (a taken name at the name).
fn errors_of(lang: Language, error: ApiError) -> Errors {
    let mut errors = Errors::default();
    if error.code() == "duplicate" {
        errors.field("name", message_in(lang, &error));
    } else if error.code() == "version-mismatch" {
        errors.general = Some(STALE_TEXT.to_owned());
    } else {
        errors.add_api(&error);
    }
    errors
}

/// `POST /agent/admin/texts/{kind}/new`: creates the text.
pub(crate) async fn create<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(kind): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let kind = match kind_of(&kind) {
        Ok(kind) => kind,
        Err(e) => return problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    };
    let result = async {
        let new = NewStandardText {
            kind,
            name: form.text("name"),
            text: form.get("text").unwrap_or_default().to_owned(),
            queues: queues_of(ctx.lang, &form)?,
        };
        Ok::<_, ApiError>(
            state
                .desk()
                .create_standard_text(ctx.principal(), new)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => see_other(&list_url(kind)),
        Err(e) if e.code() == "permission-denied" => {
            problem_page(&state, &ctx, PAGE_TITLE, &e).await
        }
        Err(e) => {
            let status = e.status();
            editor(
                &state,
                &ctx,
                kind,
                None,
                &form,
                &errors_of(ctx.lang, e),
                status,
            )
            .await
        }
    }
}

/// `POST /agent/admin/texts/{kind}/{id}`: saves the changes (refused when the text changed
/// since the form was opened).
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((kind, id)): Path<(String, String)>,
    FormFields(form): FormFields,
) -> Response {
    let (kind, text) = match load(&state, &ctx, &kind, Some(&id)).await {
        Ok((kind, _, Some(text))) => (kind, text),
        Ok(_) => return unreachable_text(&state, &ctx).await,
        Err(e) => return problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    };
    let result = async {
        let validity = form.text("validity");
        let update = StandardTextUpdate {
            name: Some(form.text("name")),
            text: Some(form.get("text").unwrap_or_default().to_owned()),
            content_type: Some(form.text("content_type")),
            validity: Some(Validity::from_name(&validity).ok_or_else(|| {
                ApiError::invalid("validity", n_!("is not one of the offered choices"))
            })?),
            queues: Some(queues_of(ctx.lang, &form)?),
            expected_version: form.number::<u64>("version")?,
        };
        Ok::<_, ApiError>(
            state
                .desk()
                .update_standard_text(ctx.principal(), kind, text.id, update)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => see_other(&list_url(kind)),
        Err(e) => {
            let status = e.status();
            editor(
                &state,
                &ctx,
                kind,
                Some(&text),
                &form,
                &errors_of(ctx.lang, e),
                status,
            )
            .await
        }
    }
}

/// `POST /agent/admin/texts/{kind}/{id}/delete`: deletes the text.
pub(crate) async fn delete<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((kind, id)): Path<(String, String)>,
) -> Response {
    let result = async {
        let kind = kind_of(&kind)?;
        let id = id
            .parse::<u64>()
            .map_err(|_| ApiError::new("not-found", format!("no {} {id}", kind.name())))?;
        state
            .desk()
            .delete_standard_text(ctx.principal(), kind, TextId(id))
            .await?;
        Ok::<_, ApiError>(kind)
    }
    .await;
    match result {
        Ok(kind) => see_other(&list_url(kind)),
        Err(e) => problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    }
}

async fn editor<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    kind: TextKind,
    text: Option<&StandardText>,
    form: &Fields,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let queues = state
        .desk()
        .queues(ctx.principal())
        .await
        .unwrap_or_default();
    let value = |k: &str| form.get(k).unwrap_or_default().to_owned();
    let invalid = |k: &str| errors.fields.contains_key(k).then_some("true");
    let described = |k: &str| errors.fields.contains_key(k).then(|| format!("err-{k}"));
    let ticked = form.all("queues");
    let base = list_url(kind);
    let action = match text {
        Some(t) => format!("{base}/{}", t.id.0),
        None => format!("{base}/new"),
    };
    let heading = match (text, kind) {
        (Some(t), TextKind::Template) => tr!(ctx, "Edit template %{name}", name = t.name),
        (Some(t), TextKind::Signature) => tr!(ctx, "Edit signature %{name}", name = t.name),
        (None, _) => add_label(ctx.lang, kind).into_owned(),
    };
    let body: Markup = html! {
        section.widget aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                @if let Some(m) = &errors.general { p.error role="alert" { (translate_dyn(ctx.lang, m)) } }
                form.stack method="post" action=(action) novalidate {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    @if let Some(v) = form.get("version") { input type="hidden" name="version" value=(v); }
                    label for="name" { (tr!(ctx, "Name")) }
                    input #name type="text" name="name" value=(value("name")) required
                        aria-invalid=[invalid("name")] aria-describedby=[described("name")];
                    (errors.at_in(ctx.lang, "name"))
                    label for="text" { (tr!(ctx, "Text")) }
                    textarea #text name="text" rows="10" aria-invalid=[invalid("text")] aria-describedby=[described("text")] { (value("text")) }
                    (errors.at_in(ctx.lang, "text"))
                    @if text.is_some() {
                        label for="content_type" { (tr!(ctx, "Content type")) }
                        select #content_type name="content_type" aria-invalid=[invalid("content_type")] {
                            @for ct in TEXT_CONTENT_TYPES {
                                option value=(ct) selected[value("content_type") == ct] { (ct) }
                            }
                        }
                        (errors.at_in(ctx.lang, "content_type"))
                        label for="validity" { (tr!(ctx, "Validity")) }
                        select #validity name="validity" aria-invalid=[invalid("validity")] {
                            @for v in [Validity::Valid, Validity::Invalid, Validity::InvalidTemporarily] {
                                option value=(v.name()) selected[value("validity") == v.name()] { (translate_dyn(ctx.lang, v.name())) }
                            }
                        }
                        (errors.at_in(ctx.lang, "validity"))
                    }
                    fieldset aria-invalid=[invalid("queues")] {
                        legend { (tr!(ctx, "Queues")) }
                        @for q in queues.iter().filter(|q| q.validity.is_valid()) {
                            label.check {
                                input type="checkbox" name="queues" value=(q.id.0) checked[ticked.contains(&q.id.0.to_string().as_str())];
                                " " (q.name)
                            }
                        }
                        (errors.at_in(ctx.lang, "queues"))
                    }
                    div.actions {
                        button.primary type="submit" { (tr!(ctx, "Save")) }
                        " " a href=(base) { (tr!(ctx, "Cancel")) }
                    }
                }
            }
        }
    };
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*title_of(ctx.lang, kind), Some(&base)),
        (&heading, None),
    ]);

    agent_page_with(state, ctx, status, &heading, crumbs, body).await
}
