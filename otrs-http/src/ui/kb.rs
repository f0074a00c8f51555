//! The knowledge base in the agent interface: the article list (category tree, text and state
//! filters, sortable columns, pages, CSV and Excel export) and the create and edit screens
//! (field errors in place, uploaded files kept while the form is shown again, nothing saved on
//! error). The detail view and its actions are in [`super::kb_detail`].
//!
//! The desk decides what an agent reads and writes: the list shows what its search returns,
//! the forms offer the categories the agent holds `rw` on, and every command is refused by the
//! desk when the agent may not run it. The edit form carries the article's version, so a change
//! made by someone else in the meantime is reported instead of overwritten.

use std::borrow::Cow;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use otrs_core::desk::{
    KbArticleInput, KbArticleUpdate, KbCategoryNode, KbQuery, KbSearchPage, KbSortKey, MAX_KB_PAGE,
};
use otrs_core::ids::{KbArticleId, KbAttachmentId, KbCategoryId};
use otrs_core::model::{KbArticle, KbContentType, KbState, Permission, Validity};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::compose::{self, ComposeForm};
use crate::ui::create::Errors;
use crate::ui::fields::{Fields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, message_in, see_other};
use crate::{n_, tr};

/// Articles per page of the list.
pub const PER_PAGE: u32 = 25;

/// What the edit screens say when the form's version is older than the article's.
pub const STALE_MESSAGE: &str = n_!(
    "This article was changed by someone else after you opened it, so your change was not saved. Reload the article to see the current values and try again."
);

/// The state labels of otrs-core's `KbState::label`, marked for translation.
pub const STATE_LABELS: [&str; 3] = [
    n_!("internal (agent)"),
    n_!("external (customer)"),
    n_!("public (all)"),
];

/// The columns of the list: (sort key, header).
pub const LIST_COLUMNS: [(KbSortKey, &str); 7] = [
    (KbSortKey::Number, "FAQ#"),
    (KbSortKey::Title, n_!("Title")),
    (KbSortKey::Category, n_!("Category")),
    (KbSortKey::Language, n_!("Language")),
    (KbSortKey::State, n_!("State")),
    (KbSortKey::Validity, n_!("Validity")),
    (KbSortKey::Changed, n_!("Changed")),
];

/// The text fields of an article: (form field, label).
pub const TEXT_FIELDS: [(&str, &str); 4] = [
    ("symptom", n_!("Symptom (public)")),
    ("problem", n_!("Problem (public)")),
    ("solution", n_!("Solution (public)")),
    ("comment", n_!("Comment (internal)")),
];

/// A state as the agent reads it.
pub fn state_label(lang: Language, state: KbState) -> Cow<'static, str> {
    crate::ui::names::marked_in(lang, &STATE_LABELS, state.label())
}

/// A validity as the agent reads it.
pub fn validity_label(lang: Language, validity: Validity) -> Cow<'static, str> {
    translate_dyn(lang, validity.name())
}

/// Parses the article id of a path, or answers with the not-found error.
pub(crate) fn article_id(raw: &str) -> Result<KbArticleId, ApiError> {
    raw.parse::<u64>().map(KbArticleId).map_err(|_| {
        ApiError::new(
            "not-found",
            format!("no such knowledge-base article: {raw}"),
        )
    })
}

/// The "Knowledge Base" crumb and the page's own.
pub(crate) fn crumbs_to(ctx: &UiCtx, rest: &[(String, Option<String>)]) -> Crumbs {
    let mut path = vec![
        (
            tr!(ctx, "Dashboard").into_owned(),
            Some("/agent".to_owned()),
        ),
        (
            tr!(ctx, "Knowledge Base").into_owned(),
            Some("/agent/kb".to_owned()),
        ),
    ];
    path.extend(rest.iter().cloned());
    Crumbs {
        path,
        ..Crumbs::default()
    }
}

/// True if the agent may write articles in the category (the desk checks again).
pub(crate) fn may_write(ctx: &UiCtx, node: &KbCategoryNode) -> bool {
    ctx.agent.is_admin()
        || node
            .category
            .group_ids
            .iter()
            .any(|g| ctx.agent.permissions_on(*g).grants(Permission::Rw))
}

/// A category's option label: indented by its depth in the tree.
fn tree_label(node: &KbCategoryNode) -> String {
    format!(
        "{}{}",
        "\u{a0}\u{a0}\u{a0}".repeat(node.depth),
        node.category.name
    )
}

// --- the list --------------------------------------------------------------------------------

/// The list's filters and order, as the address carries them.
struct ListQuery {
    text: String,
    category: Option<KbCategoryId>,
    state: Option<KbState>,
    sort: KbSortKey,
    descending: bool,
    page: u32,
}

impl ListQuery {
    fn parse(query: &Fields) -> Result<ListQuery, ApiError> {
        let sort_text = query.text("sort");
        let (descending, name) = match sort_text.strip_prefix('-') {
            Some(name) => (true, name),
            None => (sort_text.is_empty(), sort_text.as_str()),
        };
        let sort = match name {
            "" => KbSortKey::Changed,
            name => KbSortKey::from_name(name)
                .ok_or_else(|| ApiError::invalid("sort", format!("unknown column {name:?}")))?,
        };
        let state = match query.text("state").as_str() {
            "" => None,
            name => Some(KbState::from_name(name).ok_or_else(|| {
                ApiError::invalid("state", n_!("is not one of the offered choices"))
            })?),
        };
        Ok(ListQuery {
            text: query.text("q"),
            category: query.number::<u64>("category")?.map(KbCategoryId),
            state,
            sort,
            descending,
            page: query.number::<u32>("page")?.unwrap_or(1).max(1),
        })
    }

    /// The desk's search for page `page` of `limit` articles.
    fn search(&self, page: u32, limit: u32) -> KbQuery {
        KbQuery {
            text: Some(self.text.clone()).filter(|t| !t.trim().is_empty()),
            category_id: self.category,
            include_subcategories: true,
            states: self.state.into_iter().collect(),
            sort: self.sort,
            descending: self.descending,
            offset: u64::from(page.saturating_sub(1)) * u64::from(limit),
            limit,
            ..KbQuery::default()
        }
    }

    /// The address's query with `sort` and `page` replaced (`None`: left out).
    fn link(&self, sort: Option<String>, page: Option<u32>) -> String {
        let mut pairs = Fields::default();
        if !self.text.is_empty() {
            pairs.0.push(("q".into(), self.text.clone()));
        }
        if let Some(c) = self.category {
            pairs.0.push(("category".into(), c.0.to_string()));
        }
        if let Some(s) = self.state {
            pairs.0.push(("state".into(), s.name().into()));
        }
        if let Some(s) = sort {
            pairs.0.push(("sort".into(), s));
        }
        if let Some(p) = page {
            pairs.0.push(("page".into(), p.to_string()));
        }
        pairs.encode()
    }

    fn sort_param(&self) -> String {
        if self.descending {
            format!("-{}", self.sort.name())
        } else {
            self.sort.name().to_owned()
        }
    }
}

/// The knowledge-base article list.
pub(crate) async fn list<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let q = match ListQuery::parse(&query) {
        Ok(q) => q,
        Err(e) => return problem_page(&state, &ctx, n_!("Knowledge Base"), &e).await,
    };
    let desk = state.desk();
    let categories = desk
        .kb_categories(ctx.principal())
        .await
        .unwrap_or_default();
    let found = desk
        .search_kb(ctx.principal(), q.search(q.page, PER_PAGE))
        .await;
    let (page, error) = match found {
        Ok(p) => (p, None),
        Err(e) => (
            KbSearchPage {
                items: Vec::new(),
                total: 0,
            },
            Some(ApiError::from(e)),
        ),
    };
    let status = error.as_ref().map_or(StatusCode::OK, ApiError::status);
    let pages = page.total.div_ceil(u64::from(PER_PAGE)).max(1);
    let sort_link = |key: KbSortKey| {
        let next = if q.sort == key && !q.descending {
            format!("-{}", key.name())
        } else {
            key.name().to_owned()
        };
        format!("/agent/kb?{}", q.link(Some(next), None))
    };
    let export = |format: &str| {
        format!(
            "/agent/kb/export?{}&format={format}",
            q.link(Some(q.sort_param()), None)
        )
    };
    let left = html! {
        a.button href=(export("csv")) { "⤓ " (tr!(ctx, "Export")) " CSV" }
        " "
        a.button href=(export("xlsx")) { "⤓ " (tr!(ctx, "Export")) " Excel" }
        " "
        a.button href="/agent/kb/new" { "+ " (tr!(ctx, "New knowledge base article")) }
        // Only admins manage the categories (the page refuses anyone else).
        @if ctx.agent.is_admin() {
            " "
            a.button href="/agent/admin/kb-categories" { (tr!(ctx, "Manage categories")) }
        }
    };
    let deleted = query.get("deleted").filter(|d| !d.is_empty());
    let body = html! {
        @if let Some(number) = deleted {
            p.notice role="status" { (tr!(ctx, "Knowledge base article %{number} was deleted.", number = number)) }
        }
        @if let Some(e) = &error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        div.kb-list {
            nav.kb-tree aria-label=(tr!(ctx, "Categories")) {
                h2 { (tr!(ctx, "Categories")) }
                ul.plain {
                    li { a href="/agent/kb" aria-current=[q.category.is_none().then_some("page")] { (tr!(ctx, "All categories")) } }
                    @for node in &categories {
                        li {
                            a href={ "/agent/kb?category=" (node.category.id.0) }
                                aria-current=[(q.category == Some(node.category.id)).then_some("page")] {
                                (tree_label(node))
                            }
                            " " span.muted { "(" (node.article_count) ")" }
                        }
                    }
                }
            }
            div.kb-results {
                form.filters.inline method="get" action="/agent/kb" {
                    label for="kb-q" { (tr!(ctx, "Text")) }
                    " " input #kb-q type="search" name="q" value=(q.text);
                    " " label for="kb-category" { (tr!(ctx, "Category")) }
                    " " select #kb-category name="category" {
                        option value="" { (tr!(ctx, "All categories")) }
                        @for node in &categories {
                            option value=(node.category.id.0) selected[q.category == Some(node.category.id)] { (tree_label(node)) }
                        }
                    }
                    " " label for="kb-state" { (tr!(ctx, "State")) }
                    " " select #kb-state name="state" {
                        option value="" { (tr!(ctx, "All states")) }
                        @for s in KbState::ALL {
                            option value=(s.name()) selected[q.state == Some(s)] { (state_label(ctx.lang, s)) }
                        }
                    }
                    input type="hidden" name="sort" value=(q.sort_param());
                    " " button.primary type="submit" { (tr!(ctx, "Apply filters")) }
                    " " a.button href="/agent/kb" { (tr!(ctx, "Reset")) }
                }
                table.list.kb-articles {
                    thead { tr {
                        @for (i, (key, label)) in LIST_COLUMNS.iter().enumerate() {
                            @let sorted = q.sort == *key;
                            @let aria = sorted.then_some(if q.descending { "descending" } else { "ascending" });
                            th scope="col" aria-sort=[aria] class=[(i > 2).then_some("optional")] {
                                a href=(sort_link(*key)) {
                                    (translate_dyn(ctx.lang, label))
                                    @if let Some(a) = aria { (if a == "ascending" { " ▲" } else { " ▼" }) }
                                }
                            }
                        }
                    } }
                    tbody {
                        @for item in &page.items {
                            @let a = &item.article;
                            tr data-kb=(a.id.0) {
                                td { a href={ "/agent/kb/" (a.id.0) } { (item.number) } }
                                td { a href={ "/agent/kb/" (a.id.0) } { (a.title) } }
                                td { (item.category_path) }
                                td.optional { (a.language) }
                                td.optional { (state_label(ctx.lang, a.state)) }
                                td.optional { (validity_label(ctx.lang, a.validity)) }
                                td.optional { time datetime=(a.changed_at.to_rfc3339()) { (ctx.time(a.changed_at)) } }
                            }
                        }
                    }
                }
                @if page.items.is_empty() { p.more { (tr!(ctx, "Currently no data available.")) } }
                nav.pager aria-label=(tr!(ctx, "Pages")) {
                    @if q.page > 1 {
                        a.button rel="prev" href={ "/agent/kb?" (q.link(Some(q.sort_param()), Some(q.page - 1))) } { "‹ " (tr!(ctx, "Previous page")) }
                    }
                    " " span.muted { (tr!(ctx, "Page %{page} of %{pages}", page = q.page, pages = pages)) } " "
                    @if u64::from(q.page) < pages {
                        a.button rel="next" href={ "/agent/kb?" (q.link(Some(q.sort_param()), Some(q.page + 1))) } { (tr!(ctx, "Next page")) " ›" }
                    }
                }
            }
        }
    };
    let mut crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*tr!(ctx, "Knowledge Base"), None),
    ]);
    crumbs.total = Some(page.total);
    crumbs.left = Some(left);
    let title = tr!(ctx, "Knowledge Base");
    agent_page_with(&state, &ctx, status, &title, crumbs, body).await
}

/// Exports every article the list's filters find, as CSV or Excel (`format=csv|xlsx`). The
/// values are written as stored (state and validity names are not translated).
pub(crate) async fn export<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let result = async {
        let q = ListQuery::parse(&query)?;
        let format = match query.get("format").unwrap_or("csv") {
            f @ ("csv" | "xlsx") => f.to_owned(),
            other => {
                return Err(ApiError::invalid(
                    "format",
                    format!("unknown format {other:?} (csv or xlsx)"),
                ));
            }
        };
        let tz = ctx.tz;
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut page = 1;
        loop {
            let found = state
                .desk()
                .search_kb(ctx.principal(), q.search(page, MAX_KB_PAGE))
                .await?;
            let done = found.items.len() < MAX_KB_PAGE as usize;
            rows.extend(found.items.into_iter().map(|item| {
                let a = item.article;
                vec![
                    item.number,
                    a.title,
                    item.category_path,
                    a.language,
                    a.state.label().to_owned(),
                    a.validity.name().to_owned(),
                    a.changed_at.with_timezone(&tz).to_rfc3339(),
                ]
            }));
            if done {
                break;
            }
            page += 1;
        }
        Ok((format, rows))
    }
    .await;
    let (format, rows) = match result {
        Ok(r) => r,
        Err(e) => return problem_page(&state, &ctx, n_!("Export"), &e).await,
    };
    let headers: Vec<String> = LIST_COLUMNS.iter().map(|(_, l)| (*l).to_owned()).collect();
    let stamp = state
        .desk()
        .now()
        .with_timezone(&ctx.tz)
        .format("%Y%m%d-%H%M");
    let (bytes, content_type, name) = if format == "csv" {
        let mut out = String::from('\u{feff}');
        out.push_str(&crate::ui::export::csv_record(
            headers.iter().map(String::as_str),
        ));
        for row in &rows {
            out.push_str(&crate::ui::export::csv_record(
                row.iter().map(String::as_str),
            ));
        }
        (
            out.into_bytes(),
            "text/csv; charset=utf-8",
            format!("kb-articles-{stamp}.csv"),
        )
    } else {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let written = tokio::task::spawn_blocking(move || {
            let _ = tx.send(rows);
            drop(tx);
            crate::ui::export::write_xlsx(
                "Knowledge Base",
                &headers,
                rx,
                crate::ui::export::XLSX_MAX_ROWS,
            )
            .and_then(|file| {
                std::fs::read(file.path())
                    .map_err(|e| crate::error::internal("could not read the xlsx file", &e))
            })
        })
        .await
        .map_err(|e| crate::error::internal("the xlsx writer failed", &e))
        .and_then(|r| r);
        match written {
            Ok(bytes) => (
                bytes,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                format!("kb-articles-{stamp}.xlsx"),
            ),
            Err(e) => return problem_page(&state, &ctx, n_!("Export"), &e).await,
        }
    };
    let mut response = bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CONTENT_DISPOSITION,
        crate::ui::ticket::disposition("attachment", &name),
    );
    response
}

// --- create and edit -------------------------------------------------------------------------

/// The create screen.
pub(crate) async fn new_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    let mut form = Fields::default();
    form.0
        .push(("state".into(), KbState::Internal.name().into()));
    form.0
        .push(("validity".into(), Validity::Valid.name().into()));
    form.0.push((
        "language".into(),
        state
            .desk()
            .config()
            .kb_languages
            .first()
            .cloned()
            .unwrap_or_else(|| "en".into()),
    ));
    render_form(
        &state,
        &ctx,
        None,
        &form,
        &Errors::default(),
        false,
        StatusCode::OK,
    )
    .await
}

/// The form's fields read into the desk's values; problems go to `errors`.
struct Parsed {
    category: Option<KbCategoryId>,
    state: Option<KbState>,
    validity: Option<Validity>,
}

fn parse_choices(form: &Fields, errors: &mut Errors) -> Parsed {
    let category = match form.number::<u64>("category") {
        Ok(Some(id)) => Some(KbCategoryId(id)),
        Ok(None) => {
            errors.field("category", n_!("is required"));
            None
        }
        Err(_) => {
            errors.field("category", n_!("is not one of the offered choices"));
            None
        }
    };
    let state = KbState::from_name(&form.text("state"));
    if state.is_none() {
        errors.field("state", n_!("is not one of the offered choices"));
    }
    let validity = Validity::from_name(&form.text("validity"));
    if validity.is_none() {
        errors.field("validity", n_!("is not one of the offered choices"));
    }
    if form.text("title").trim().is_empty() {
        errors.field("title", n_!("is required"));
    }
    if form.text("language").trim().is_empty() {
        errors.field("language", n_!("is required"));
    }
    Parsed {
        category,
        state,
        validity,
    }
}

/// Puts an error from the desk at the fields it names, or above the form.
pub(crate) fn add_error(ctx: &UiCtx, errors: &mut Errors, error: &ApiError) {
    let problem = error.problem();
    if problem.errors.is_empty() || error.code() == "version-mismatch" {
        errors.general = Some(message_in(ctx.lang, error));
        return;
    }
    for e in problem.errors {
        errors.field(&e.field, e.message);
    }
}

/// Creates the article; on any error the form comes back with the typed values and files.
pub(crate) async fn create<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    ComposeForm(mut upload): ComposeForm,
) -> Response {
    compose::keep_uploads(&state, &ctx, &mut upload).await;
    let form = upload.fields.without(&["csrf_token"]);
    let mut errors = Errors::default();
    if let Some(m) = &upload.files_error {
        errors.field("attachments", m.clone());
    }
    let parsed = parse_choices(&form, &mut errors);
    let (Some(category), Some(kb_state), Some(validity), true) = (
        parsed.category,
        parsed.state,
        parsed.validity,
        errors.is_empty(),
    ) else {
        return render_form(
            &state,
            &ctx,
            None,
            &form,
            &errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let mut input = KbArticleInput::new(category, form.text("title"));
    input.keywords = form.text("keywords");
    input.language = form.text("language");
    input.state = kb_state;
    input.validity = validity;
    // The form's text areas hold plain text.
    input.content_type = KbContentType::Plain;
    input.symptom = form.text("symptom");
    input.problem = form.text("problem");
    input.solution = form.text("solution");
    input.comment = form.text("comment");
    // The kept files become the article's in the same command (or stay kept if it fails).
    input.form_uploads = compose::kept_uploads_key(&form);
    match state.desk().create_kb_article(ctx.principal(), input).await {
        Ok(article) => see_other(&format!("/agent/kb/{}", article.id.0)),
        Err(e) => {
            let e = ApiError::from(e);
            add_error(&ctx, &mut errors, &e);
            render_form(&state, &ctx, None, &form, &errors, false, e.status()).await
        }
    }
}

/// The edit screen (the whole article, its files included).
pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let view = match article_id(&id) {
        Ok(id) => state
            .desk()
            .kb_article(ctx.principal(), id)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    let view = match view {
        Ok(v) if v.may_edit => v,
        Ok(v) => {
            let e = not_writable(&ctx, &v.number);
            return problem_page(&state, &ctx, n_!("Edit"), &e).await;
        }
        Err(e) => return problem_page(&state, &ctx, n_!("Edit"), &e).await,
    };
    let form = form_of(&view.article);
    render_form(
        &state,
        &ctx,
        Some(&view.article),
        &form,
        &Errors::default(),
        false,
        StatusCode::OK,
    )
    .await
}

/// The refusal shown when an agent without `rw` opens an edit screen.
pub(crate) fn not_writable(ctx: &UiCtx, number: &str) -> ApiError {
    ApiError::from(otrs_core::DeskError::PermissionDenied {
        actor: ctx.agent.login.clone(),
        action: "change",
        object: format!("knowledge-base article {number}"),
        reason: "needs the rw permission on one of the category's groups".into(),
    })
}

/// The form values of a stored article.
fn form_of(a: &KbArticle) -> Fields {
    Fields(vec![
        ("title".into(), a.title.clone()),
        ("keywords".into(), a.keywords.clone()),
        ("category".into(), a.category_id.0.to_string()),
        ("state".into(), a.state.name().into()),
        ("validity".into(), a.validity.name().into()),
        ("language".into(), a.language.clone()),
        ("symptom".into(), a.symptom.clone()),
        ("problem".into(), a.problem.clone()),
        ("solution".into(), a.solution.clone()),
        ("comment".into(), a.comment.clone()),
        ("version".into(), a.version.to_string()),
    ])
}

/// Saves the edit screen: the fields and the files removed and added, in one command (refused
/// when the article changed since the form was opened).
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    ComposeForm(mut upload): ComposeForm,
) -> Response {
    let id = match article_id(&id) {
        Ok(id) => id,
        Err(e) => return problem_page(&state, &ctx, n_!("Edit"), &e).await,
    };
    let current = match state.desk().kb_article(ctx.principal(), id).await {
        Ok(v) => v,
        Err(e) => return problem_page(&state, &ctx, n_!("Edit"), &ApiError::from(e)).await,
    };
    compose::keep_uploads(&state, &ctx, &mut upload).await;
    let form = upload.fields.without(&["csrf_token"]);
    let mut errors = Errors::default();
    if let Some(m) = &upload.files_error {
        errors.field("attachments", m.clone());
    }
    let parsed = parse_choices(&form, &mut errors);
    let version = match form.number::<u64>("version") {
        Ok(Some(v)) => Some(v),
        _ => {
            errors.field("version", n_!("is missing; reload the article"));
            None
        }
    };
    if !errors.is_empty() {
        return render_form(
            &state,
            &ctx,
            Some(&current.article),
            &form,
            &errors,
            false,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let update = KbArticleUpdate {
        category_id: parsed.category,
        title: Some(form.text("title")),
        keywords: Some(form.text("keywords")),
        language: Some(form.text("language")),
        state: parsed.state,
        validity: parsed.validity,
        content_type: None,
        symptom: Some(form.text("symptom")),
        problem: Some(form.text("problem")),
        solution: Some(form.text("solution")),
        comment: Some(form.text("comment")),
        // Fields and files change in one command: all of it is saved, or nothing.
        remove_attachments: form
            .all("remove_attachment")
            .into_iter()
            .filter_map(|f| f.parse::<u64>().ok())
            .map(KbAttachmentId)
            .collect(),
        add_attachments: Vec::new(),
        form_uploads: compose::kept_uploads_key(&form),
    };
    let desk = state.desk();
    let actor = ctx.principal();
    match desk.update_kb_article(actor, id, update, version).await {
        Ok(_) => see_other(&format!("/agent/kb/{}", id.0)),
        Err(e) => {
            let e = ApiError::from(e);
            let stale = e.code() == "version-mismatch";
            if !stale {
                add_error(&ctx, &mut errors, &e);
            }
            // Show what is stored now (someone else's change, when the form was stale).
            let article = desk
                .kb_article(actor, id)
                .await
                .map_or(current.article, |v| v.article);
            render_form(
                &state,
                &ctx,
                Some(&article),
                &form,
                &errors,
                stale,
                e.status(),
            )
            .await
        }
    }
}

/// The create or edit form (`article` is the stored one when editing).
async fn render_form<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    article: Option<&KbArticle>,
    form: &Fields,
    errors: &Errors,
    stale: bool,
    status: StatusCode,
) -> Response {
    let categories: Vec<KbCategoryNode> = state
        .desk()
        .kb_categories(ctx.principal())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|n| may_write(ctx, n) || article.is_some_and(|a| a.category_id == n.category.id))
        .collect();
    if article.is_none() && categories.is_empty() {
        let e = ApiError::from(otrs_core::DeskError::PermissionDenied {
            actor: ctx.agent.login.clone(),
            action: "write",
            object: "knowledge-base articles".into(),
            reason: "needs the rw permission on the group of a category".into(),
        });
        return problem_page(state, ctx, n_!("New knowledge base article"), &e).await;
    }
    let languages = &state.desk().config().kb_languages;
    let value = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let invalid = |name: &str| errors.fields.contains_key(name).then_some("true");
    let described = |name: &str| {
        errors
            .fields
            .contains_key(name)
            .then(|| format!("err-{name}"))
    };
    let action = match article {
        Some(a) => format!("/agent/kb/{}/edit", a.id.0),
        None => "/agent/kb/new".to_owned(),
    };
    let files = compose::attachments_field(
        state,
        ctx,
        form,
        errors.fields.get("attachments").map(String::as_str),
    )
    .await;
    let heading = match article {
        Some(_) => tr!(ctx, "Edit knowledge base article"),
        None => tr!(ctx, "New knowledge base article"),
    };
    let body = html! {
        section.widget.kb-form aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                @if stale {
                    p.error.stale role="alert" {
                        (translate_dyn(ctx.lang, STALE_MESSAGE))
                        @if let Some(a) = article { " " a href={ "/agent/kb/" (a.id.0) "/edit" } { (tr!(ctx, "Reload")) } }
                    }
                }
                @if let Some(m) = &errors.general { p.error role="alert" { (m) } }
                @if !errors.fields.is_empty() && errors.general.is_none() && !stale {
                    p.error role="alert" { (tr!(ctx, "Please correct the marked fields; nothing was saved.")) }
                }
                form.stack method="post" action=(action) enctype="multipart/form-data" {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    @if article.is_some() { input type="hidden" name="version" value=(value("version")); }
                    (errors.at_in(ctx.lang, "version"))
                    fieldset {
                        legend { (tr!(ctx, "Properties")) }
                        label for="title" { (tr!(ctx, "Title")) " *" }
                        input #title type="text" name="title" required maxlength="200" value=(value("title"))
                            aria-invalid=[invalid("title")] aria-describedby=[described("title")];
                        (errors.at_in(ctx.lang, "title"))
                        label for="keywords" { (tr!(ctx, "Keywords")) }
                        input #keywords type="text" name="keywords" maxlength="400" value=(value("keywords"))
                            aria-invalid=[invalid("keywords")] aria-describedby=[described("keywords")];
                        (errors.at_in(ctx.lang, "keywords"))
                        label for="category" { (tr!(ctx, "Category")) " *" }
                        select #category name="category" required aria-invalid=[invalid("category")] aria-describedby=[described("category")] {
                            option value="" { "– " (tr!(ctx, "choose")) " –" }
                            @for node in &categories {
                                option value=(node.category.id.0) selected[value("category") == node.category.id.0.to_string()] { (tree_label(node)) }
                            }
                        }
                        (errors.at_in(ctx.lang, "category"))
                        label for="state" { (tr!(ctx, "State")) " *" }
                        select #state name="state" aria-invalid=[invalid("state")] aria-describedby=[described("state")] {
                            @for s in KbState::ALL {
                                option value=(s.name()) selected[value("state") == s.name()] { (state_label(ctx.lang, s)) }
                            }
                        }
                        (errors.at_in(ctx.lang, "state"))
                        label for="validity" { (tr!(ctx, "Validity")) " *" }
                        select #validity name="validity" aria-invalid=[invalid("validity")] aria-describedby=[described("validity")] {
                            @for v in [Validity::Valid, Validity::Invalid, Validity::InvalidTemporarily] {
                                option value=(v.name()) selected[value("validity") == v.name()] { (validity_label(ctx.lang, v)) }
                            }
                        }
                        (errors.at_in(ctx.lang, "validity"))
                        label for="language" { (tr!(ctx, "Language")) " *" }
                        select #language name="language" aria-invalid=[invalid("language")] aria-describedby=[described("language")] {
                            @for l in languages {
                                option value=(l) selected[value("language").eq_ignore_ascii_case(l)] { (l) }
                            }
                        }
                        (errors.at_in(ctx.lang, "language"))
                    }
                    @if let Some(a) = article {
                        @if !a.attachments.is_empty() {
                            fieldset {
                                legend { (tr!(ctx, "Attached files")) }
                                ul.plain.files {
                                    @for f in &a.attachments {
                                        li {
                                            (f.filename) " "
                                            label.check {
                                                input type="checkbox" name="remove_attachment" value=(f.id.0);
                                                " " (tr!(ctx, "Remove")) span.sr-only { " " (f.filename) }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    (files)
                    @for (name, text) in TEXT_FIELDS {
                        label for=(name) { (translate_dyn(ctx.lang, text)) }
                        textarea id=(name) name=(name) rows="5" aria-invalid=[invalid(name)] aria-describedby=[described(name)] { (value(name)) }
                        (errors.at_in(ctx.lang, name))
                    }
                    div {
                        button.primary type="submit" { (tr!(ctx, "Save")) }
                        " "
                        a.button href=(article.map_or("/agent/kb".to_owned(), |a| format!("/agent/kb/{}", a.id.0))) { (tr!(ctx, "Cancel")) }
                    }
                }
            }
        }
    };
    let title = heading.into_owned();
    let mut crumbs = crumbs_to(ctx, &[]);
    if let Some(a) = article {
        crumbs
            .path
            .push((a.title.clone(), Some(format!("/agent/kb/{}", a.id.0))));
    }
    crumbs.path.push((title.clone(), None));
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}
