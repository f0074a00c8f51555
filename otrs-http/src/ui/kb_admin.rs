//! The admin page of knowledge-base categories (`/agent/admin/kb-categories`): the category tree
//! (name, comment, groups, validity, article count), create, edit (parent, name, comment,
//! groups, validity) and delete after a confirmation. Only admins may use it: the main menu and
//! the knowledge-base list show the link to them only, the pages answer 403 to anyone else, and
//! every change goes through a desk command that refuses anyone else too.
//!
//! The edit form carries the category's version, so a change made by someone else in the
//! meantime is reported instead of overwritten. The desk's refusals (an empty name, `::` in it,
//! no group, a parent below the category itself, a category that still holds articles) are
//! shown at the fields, in the agent's language.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use otrs_core::desk::{KbCategoryNode, KbCategoryUpdate, NewKbCategory};
use otrs_core::ids::{GroupId, KbCategoryId};
use otrs_core::model::{Group, Validity};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::create::Errors;
use crate::ui::fields::{Fields, FormFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, see_other};
use crate::{n_, tr};

/// The page's address.
const LIST_URL: &str = "/agent/admin/kb-categories";

/// The title of the page (and of a page that could not be shown).
const PAGE_TITLE: &str = n_!("Knowledge Base Categories");

/// What the form says when the category changed after it was opened.
const STALE_CATEGORY: &str = n_!(
    "This category was changed by someone else after you opened this form; nothing was saved. Reload the form to see the current values."
);

/// The desk's field problems for categories that hold no value, marked so that they are shown
/// translated (the desk writes them in English). Only a mark: [`field_message`] looks every
/// problem text up.
#[allow(dead_code)]
const DESK_TEXTS: [&str; 3] = [
    n_!("must not contain \"::\" (it separates category levels)"),
    n_!("needs at least one group"),
    n_!("a category cannot be placed below itself or its subcategories"),
];

/// How the desk ends the problem of a name taken by a sibling (after the quoted name).
const TAKEN_SUFFIX: &str = " already exists at this level of the tree";

/// Every category in tree order, for admins only (the desk shows others the categories they may
/// read, so the page refuses them itself; every change is refused by the desk as well).
async fn load<S: Store>(state: &AppState<S>, ctx: &UiCtx) -> Result<Vec<KbCategoryNode>, ApiError> {
    if !ctx.agent.is_admin() {
        return Err(ApiError::new(
            "permission-denied",
            n_!("Only administrators may manage knowledge base categories."),
        ));
    }
    Ok(state.desk().kb_categories(ctx.principal()).await?)
}

/// Every category (as [`load`]) and the position of the one `id` names, or the page saying why
/// there is none.
async fn load_one<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: &str,
) -> Result<(Vec<KbCategoryNode>, usize), Response> {
    let found = load(state, ctx).await.and_then(|nodes| {
        id.parse::<u64>()
            .ok()
            .and_then(|id| nodes.iter().position(|n| n.category.id == KbCategoryId(id)))
            .map(|at| (nodes, at))
            .ok_or_else(|| ApiError::new("not-found", format!("no knowledge-base category {id}")))
    });
    match found {
        Ok(found) => Ok(found),
        Err(e) => Err(problem_page(state, ctx, PAGE_TITLE, &e).await),
    }
}

/// The groups (every one, valid or not: a category may still name an invalid group).
async fn groups<S: Store>(state: &AppState<S>, ctx: &UiCtx) -> Vec<Group> {
    state
        .desk()
        .groups(ctx.principal())
        .await
        .unwrap_or_default()
}

/// A category's name indented by its depth.
fn indented(node: &KbCategoryNode) -> String {
    format!(
        "{}{}",
        "\u{a0}\u{a0}\u{a0}\u{a0}".repeat(node.depth),
        node.category.name
    )
}

/// `GET /agent/admin/kb-categories`: the category tree.
pub(crate) async fn list<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    let nodes = match load(&state, &ctx).await {
        Ok(nodes) => nodes,
        Err(e) => return problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    };
    let groups = groups(&state, &ctx).await;
    let group_names = |ids: &BTreeSet<GroupId>| {
        ids.iter()
            .map(|id| {
                groups
                    .iter()
                    .find(|g| g.id == *id)
                    .map_or_else(|| id.to_string(), |g| g.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let title = tr!(ctx, "Knowledge Base Categories");
    let body = html! {
        section.widget aria-label=(title) {
            header {
                h2 { (title) }
                a.button.primary href={ (LIST_URL) "/new" } { (tr!(ctx, "Add category")) }
            }
            div.body {
                @if nodes.is_empty() { p.muted { (tr!(ctx, "None yet.")) } }
                @else {
                    table.list.kb-categories {
                        thead { tr {
                            th { (tr!(ctx, "Name")) } th { (tr!(ctx, "Comment")) } th { (tr!(ctx, "Groups")) }
                            th { (tr!(ctx, "Validity")) } th { (tr!(ctx, "Articles")) } th { span.sr-only { (tr!(ctx, "Delete")) } }
                        } }
                        tbody {
                            @for node in &nodes {
                                @let c = &node.category;
                                tr data-category=(node.path) {
                                    td { a href={ (LIST_URL) "/" (c.id.0) } { (indented(node)) } }
                                    td { (c.comment) }
                                    td { (group_names(&c.group_ids)) }
                                    td { (translate_dyn(ctx.lang, c.validity.name())) }
                                    td { (node.article_count) }
                                    td { a href={ (LIST_URL) "/" (c.id.0) "/delete" } { (tr!(ctx, "Delete")) span.sr-only { " " (c.name) } } }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*tr!(ctx, "Knowledge Base"), Some("/agent/kb")),
        (&*title, None),
    ]);
    agent_page_with(&state, &ctx, StatusCode::OK, &title, crumbs, body).await
}

/// `GET /agent/admin/kb-categories/new`: the empty form.
pub(crate) async fn new_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    match load(&state, &ctx).await {
        Ok(nodes) => {
            let form = Fields::default();
            let errors = Errors::default();
            editor(&state, &ctx, &nodes, None, &form, &errors, StatusCode::OK).await
        }
        Err(e) => problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    }
}

/// `GET /agent/admin/kb-categories/{id}`: the form with the category's values.
pub(crate) async fn edit_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let (nodes, at) = match load_one(&state, &ctx, &id).await {
        Ok(loaded) => loaded,
        Err(page) => return page,
    };
    let node = &nodes[at];
    let c = &node.category;
    let mut form = Fields::default();
    form.0.extend([
        (
            "parent".to_owned(),
            c.parent_id.map(|p| p.0.to_string()).unwrap_or_default(),
        ),
        ("name".to_owned(), c.name.clone()),
        ("comment".to_owned(), c.comment.clone()),
        ("validity".to_owned(), c.validity.name().to_owned()),
        ("version".to_owned(), c.version.to_string()),
    ]);
    for g in &c.group_ids {
        form.0.push(("groups".to_owned(), g.0.to_string()));
    }
    let errors = Errors::default();
    editor(
        &state,
        &ctx,
        &nodes,
        Some(node),
        &form,
        &errors,
        StatusCode::OK,
    )
    .await
}

/// The form's parent: empty for the top level, else a category id.
fn parent_of(form: &Fields) -> Result<Option<KbCategoryId>, ApiError> {
    match form.get("parent").map(str::trim).unwrap_or_default() {
        "" => Ok(None),
        id => id
            .parse::<u64>()
            .map(|id| Some(KbCategoryId(id)))
            .map_err(|_| ApiError::invalid("parent", n_!("is not one of the offered choices"))),
    }
}

/// The groups the form ticks.
fn groups_of(form: &Fields) -> Result<BTreeSet<GroupId>, ApiError> {
    form.all("groups")
        .into_iter()
        .map(|g| {
            g.parse::<u64>()
                .map(GroupId)
                .map_err(|_| ApiError::invalid("groups", n_!("is not one of the offered choices")))
        })
        .collect()
}

/// A desk problem of a category field in `lang`: the texts the catalogue knows translated, a
/// taken name with the name filled in, anything else as the desk wrote it.
fn field_message(lang: Language, message: &str) -> String {
    if let Some(name) = message.strip_suffix(TAKEN_SUFFIX) {
        let name = name.trim_matches('"');
        return tr!(@lang lang, "“%{name}” already exists at this level of the tree", name = name);
    }
    translate_dyn(lang, message).into_owned()
}

/// Puts a desk refusal at the form's fields (a stale version above the form).
fn errors_of(lang: Language, error: &ApiError) -> Errors {
    let mut errors = Errors::default();
    if error.code() == "version-mismatch" {
        errors.general = Some(translate_dyn(lang, STALE_CATEGORY).into_owned());
        return errors;
    }
    let problem = error.problem();
    if problem.errors.is_empty() {
        errors.add_api(error);
    }
    for e in problem.errors {
        errors.field(&e.field, field_message(lang, &e.message));
    }
    errors
}

/// `POST /agent/admin/kb-categories/new`: creates the category.
pub(crate) async fn create<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let nodes = match load(&state, &ctx).await {
        Ok(nodes) => nodes,
        Err(e) => return problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    };
    let result = async {
        let new = NewKbCategory {
            parent_id: parent_of(&form)?,
            name: form.text("name"),
            comment: form.text("comment"),
            group_ids: groups_of(&form)?,
        };
        Ok::<_, ApiError>(
            state
                .desk()
                .create_kb_category(ctx.principal(), new)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => see_other(LIST_URL),
        Err(e) if e.code() == "permission-denied" => {
            problem_page(&state, &ctx, PAGE_TITLE, &e).await
        }
        Err(e) => {
            let errors = errors_of(ctx.lang, &e);
            editor(&state, &ctx, &nodes, None, &form, &errors, e.status()).await
        }
    }
}

/// `POST /agent/admin/kb-categories/{id}`: saves the changes (refused when the category changed
/// since the form was opened).
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let (nodes, at) = match load_one(&state, &ctx, &id).await {
        Ok(loaded) => loaded,
        Err(page) => return page,
    };
    let node = &nodes[at];
    let result = async {
        let validity = form.text("validity");
        let update = KbCategoryUpdate {
            parent_id: Some(parent_of(&form)?),
            name: Some(form.text("name")),
            comment: Some(form.text("comment")),
            group_ids: Some(groups_of(&form)?),
            validity: Some(Validity::from_name(&validity).ok_or_else(|| {
                ApiError::invalid("validity", n_!("is not one of the offered choices"))
            })?),
        };
        let version = form.number::<u64>("version")?;
        Ok::<_, ApiError>(
            state
                .desk()
                .update_kb_category(ctx.principal(), node.category.id, update, version)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => see_other(LIST_URL),
        Err(e) => {
            let errors = errors_of(ctx.lang, &e);
            editor(&state, &ctx, &nodes, Some(node), &form, &errors, e.status()).await
        }
    }
}

/// `GET /agent/admin/kb-categories/{id}/delete`: asks for a confirmation.
pub(crate) async fn delete_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    match load_one(&state, &ctx, &id).await {
        Ok((nodes, at)) => confirm(&state, &ctx, &nodes[at], None, StatusCode::OK).await,
        Err(page) => page,
    }
}

/// `POST /agent/admin/kb-categories/{id}/delete`: deletes the category (the desk refuses one
/// that still holds articles or subcategories; the confirmation then says so).
pub(crate) async fn delete<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    let (nodes, at) = match load_one(&state, &ctx, &id).await {
        Ok(loaded) => loaded,
        Err(page) => return page,
    };
    let node = &nodes[at];
    let deleted = state
        .desk()
        .delete_kb_category(ctx.principal(), node.category.id)
        .await
        .map_err(ApiError::from);
    match deleted {
        Ok(()) => see_other(LIST_URL),
        Err(e) if e.code() == "not-allowed" => {
            let refusal = tr!(
                ctx,
                "The category “%{name}” still holds articles or subcategories; move or delete them first.",
                name = node.category.name
            );
            confirm(&state, &ctx, node, Some(refusal), e.status()).await
        }
        Err(e) => problem_page(&state, &ctx, PAGE_TITLE, &e).await,
    }
}

/// The delete confirmation, with the desk's refusal when there is one.
async fn confirm<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    node: &KbCategoryNode,
    refusal: Option<String>,
    status: StatusCode,
) -> Response {
    let c = &node.category;
    let heading = tr!(ctx, "Delete category %{name}", name = c.name);
    let action = format!("{LIST_URL}/{}/delete", c.id.0);
    let body = html! {
        section.widget.action-panel aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                @if let Some(refusal) = &refusal { p.error role="alert" { (refusal) } }
                p.warning role="note" { (tr!(ctx, "Do you really want to delete the knowledge base category “%{name}”? Only a category without articles and subcategories can be deleted.", name = node.path)) }
                form.stack method="post" action=(action) {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    div { button.danger type="submit" { (tr!(ctx, "Delete")) } " " a.button href=(LIST_URL) { (tr!(ctx, "Cancel")) } }
                }
            }
        }
    };
    page(state, ctx, status, &heading, body).await
}

/// A page below the list, with the crumbs leading back to it.
async fn page<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    status: StatusCode,
    heading: &str,
    body: Markup,
) -> Response {
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (&*tr!(ctx, "Knowledge Base Categories"), Some(LIST_URL)),
        (heading, None),
    ]);
    agent_page_with(state, ctx, status, heading, crumbs, body).await
}

/// The create or edit form (`category`: the one edited).
async fn editor<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    nodes: &[KbCategoryNode],
    category: Option<&KbCategoryNode>,
    form: &Fields,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let groups = groups(state, ctx).await;
    let value = |k: &str| form.get(k).unwrap_or_default().to_owned();
    let invalid = |k: &str| errors.fields.contains_key(k).then_some("true");
    let described = |k: &str| errors.fields.contains_key(k).then(|| format!("err-{k}"));
    let ticked = form.all("groups");
    // A category cannot move below itself: the form offers neither it nor its subcategories.
    let below = |n: &KbCategoryNode| {
        category.is_some_and(|c| {
            n.category.id == c.category.id || n.path.starts_with(&format!("{}::", c.path))
        })
    };
    let parent = value("parent");
    let (action, heading) = match category {
        Some(c) => (
            format!("{LIST_URL}/{}", c.category.id.0),
            tr!(ctx, "Edit category %{name}", name = c.category.name),
        ),
        None => (
            format!("{LIST_URL}/new"),
            tr!(ctx, "Add category").into_owned(),
        ),
    };
    let body: Markup = html! {
        section.widget aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                @if let Some(m) = &errors.general { p.error role="alert" { (translate_dyn(ctx.lang, m)) } }
                form.stack method="post" action=(action) novalidate {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    @if let Some(v) = form.get("version") { input type="hidden" name="version" value=(v); }
                    label for="parent" { (tr!(ctx, "Parent category")) }
                    select #parent name="parent" aria-invalid=[invalid("parent")] aria-describedby=[described("parent")] {
                        option value="" selected[parent.is_empty()] { (tr!(ctx, "– top level –")) }
                        @for n in nodes.iter().filter(|n| !below(n)) {
                            @let id = n.category.id.0.to_string();
                            option value=(id) selected[parent == id] { (indented(n)) }
                        }
                    }
                    (errors.at_in(ctx.lang, "parent"))
                    label for="name" { (tr!(ctx, "Name")) }
                    input #name type="text" name="name" value=(value("name")) required
                        aria-invalid=[invalid("name")] aria-describedby=[described("name")];
                    (errors.at_in(ctx.lang, "name"))
                    label for="comment" { (tr!(ctx, "Comment")) }
                    input #comment type="text" name="comment" value=(value("comment"))
                        aria-invalid=[invalid("comment")] aria-describedby=[described("comment")];
                    (errors.at_in(ctx.lang, "comment"))
                    fieldset aria-invalid=[invalid("groups")] aria-describedby=[described("groups")] {
                        legend { (tr!(ctx, "Groups (at least one)")) }
                        @for g in groups.iter().filter(|g| g.validity.is_valid() || ticked.contains(&g.id.0.to_string().as_str())) {
                            label.check {
                                input type="checkbox" name="groups" value=(g.id.0) checked[ticked.contains(&g.id.0.to_string().as_str())];
                                " " (g.name)
                            }
                        }
                        (errors.at_in(ctx.lang, "groups"))
                    }
                    @if category.is_some() {
                        label for="validity" { (tr!(ctx, "Validity")) }
                        select #validity name="validity" aria-invalid=[invalid("validity")] aria-describedby=[described("validity")] {
                            @for v in [Validity::Valid, Validity::Invalid, Validity::InvalidTemporarily] {
                                option value=(v.name()) selected[value("validity") == v.name()] { (translate_dyn(ctx.lang, v.name())) }
                            }
                        }
                        (errors.at_in(ctx.lang, "validity"))
                    }
                    div.actions {
                        button.primary type="submit" { (tr!(ctx, "Save")) }
                        " " a href=(LIST_URL) { (tr!(ctx, "Cancel")) }
                    }
                }
            }
        }
    };
    page(state, ctx, status, &heading, body).await
}
