//! The knowledge base of the external interface: the category tree with article counts and a
//! search box (`/external/kb`), a category's subcategories and articles
//! (`/external/kb/categories/{id}`), search results (`/external/kb/search?q=…`), an article
//! (`/external/kb/{number}`: Symptom, Problem and Solution when filled, the files, the rating and
//! "Was this article helpful?"), its files, the vote, and the related articles a ticket form
//! asks for while a customer writes (`/external/kb/related?text=…`, JSON).
//!
//! The desk decides what a reader sees ([`Visitor::reader`]): visitors read public articles,
//! signed-in customer users external and public ones of the categories their groups allow. What
//! a reader may not see is "not found" here too, and a visitor is offered the sign-in page.

use std::collections::BTreeSet;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use otrs_core::DeskError;
use otrs_core::desk::{KbCategoryNode, KbListItem, KbQuery, KbSearchPage, KbSortKey};
use otrs_core::ids::{KbAttachmentId, KbCategoryId};
use otrs_core::model::{
    KbArticle, KbAttachment, KbContentType, KbRating, kb_article_id_from_number, kb_article_number,
};
use otrs_core::store::Store;
use serde::{Deserialize, Serialize};

use super::{Visitor, external_error, external_page};
use crate::auth::{CSRF_HEADER, check_csrf};
use crate::error::ApiError;
use crate::extract::{Json, Query};
use crate::state::AppState;
use crate::ui::{Fields, disposition, message_in, plain_text, sanitize_html};
use crate::{n_, tr};

/// Articles per page of a list (category, search results).
const PAGE_SIZE: u32 = 50;
/// The longest search text.
const MAX_SEARCH_CHARS: usize = 200;
/// The longest text the related-articles endpoint reads (a subject and a message).
pub(crate) const MAX_RELATED_TEXT_CHARS: usize = 20_000;
/// How many related articles the endpoint returns unless asked for another number.
pub(crate) const DEFAULT_RELATED: usize = 5;
/// The most related articles the endpoint returns.
pub(crate) const MAX_RELATED: usize = 20;

/// Types a browser shows without running anything; every other file is sent as bytes to save.
const HARMLESS_TYPES: [&str; 6] = [
    "text/plain",
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
];

/// The public fields of an article, in the order they are shown.
const FIELDS: [&str; 3] = [n_!("Symptom"), n_!("Problem"), n_!("Solution")];

fn article_href(number: &str) -> String {
    format!("/external/kb/{number}")
}

fn category_href(id: KbCategoryId) -> String {
    format!("/external/kb/categories/{id}")
}

/// "1 article", "3 articles".
fn article_count(v: &Visitor, count: usize) -> String {
    if count == 1 {
        tr!(v, "1 article").into_owned()
    } else {
        tr!(v, "%{count} articles", count = count)
    }
}

/// The "not found" page; a visitor learns that signing in may show more.
fn not_found<S: Store>(state: &AppState<S>, v: &Visitor) -> Response {
    let title = tr!(v, "Not found");
    external_page(
        state,
        v,
        StatusCode::NOT_FOUND,
        &title,
        &[],
        html! {
            h1 { (title) }
            p { (tr!(v, "This article or category does not exist, or it is not available to you.")) }
            @if v.user.is_none() {
                p { (tr!(v, "Some articles are available to signed-in customers only.")) " "
                    a href="/external/login" { (tr!(v, "Sign in")) } }
            }
            p { a href="/external/kb" { (tr!(v, "Back to the knowledge base")) } }
        },
    )
}

/// A desk error as a page: "not found" as such, anything else with its message.
fn desk_error<S: Store>(state: &AppState<S>, v: &Visitor, error: DeskError) -> Response {
    if matches!(error, DeskError::NotFound { .. }) {
        return not_found(state, v);
    }
    let error = ApiError::from(error);
    external_error(state, v, error.status(), &message_in(v.lang, &error))
}

/// A list page's offset (`?offset=N`), or the problem naming the field.
fn offset_of(v: &Visitor, query: &Fields) -> Result<u64, String> {
    match query.get("offset").map(str::trim).filter(|o| !o.is_empty()) {
        None => Ok(0),
        Some(o) => o.parse().map_err(|_| {
            tr!(
                v,
                "offset: %{value} is not a whole number",
                value = format!("{o:?}")
            )
        }),
    }
}

fn search_box(v: &Visitor, text: &str) -> Markup {
    html! {
        form.ext-search role="search" method="get" action="/external/kb/search" {
            label.sr-only for="kb-q" { (tr!(v, "Search the knowledge base")) }
            input #kb-q type="search" name="q" value=(text) maxlength=(MAX_SEARCH_CHARS)
                placeholder=(tr!(v, "Search the knowledge base…"));
            button.primary type="submit" { (tr!(v, "Search")) }
        }
    }
}

/// The categories as nested lists. A category whose parent the reader does not see starts a
/// branch of its own and is named by its whole path.
fn tree(v: &Visitor, nodes: &[KbCategoryNode]) -> Markup {
    let shown: BTreeSet<KbCategoryId> = nodes.iter().map(|n| n.category.id).collect();
    let roots: Vec<&KbCategoryNode> = nodes
        .iter()
        .filter(|n| n.category.parent_id.is_none_or(|p| !shown.contains(&p)))
        .collect();
    branch(v, nodes, &roots, true)
}

fn branch(v: &Visitor, nodes: &[KbCategoryNode], items: &[&KbCategoryNode], top: bool) -> Markup {
    html! {
        ul.ext-tree {
            @for node in items {
                @let children: Vec<&KbCategoryNode> = nodes
                    .iter()
                    .filter(|c| c.category.parent_id == Some(node.category.id))
                    .collect();
                li {
                    a href=(category_href(node.category.id)) {
                        @if top { (node.path.replace("::", " › ")) } @else { (node.category.name) }
                    }
                    " " span.count { (article_count(v, node.article_count)) }
                    @if !children.is_empty() { (branch(v, nodes, &children, false)) }
                }
            }
        }
    }
}

/// A list of articles (title, number, and the category when the list spans several).
fn article_list(v: &Visitor, items: &[KbListItem], with_category: bool) -> Markup {
    html! {
        ul.ext-list {
            @for item in items {
                li {
                    a href=(article_href(&item.number)) { (item.article.title) }
                    span.muted {
                        (tr!(v, "FAQ#%{number}", number = item.number))
                        @if with_category { " · " (item.category_path.replace("::", " › ")) }
                    }
                }
            }
        }
    }
}

/// "More articles" when the list goes on after this page; `base` ends in `?` or `&`.
fn more_link(v: &Visitor, base: &str, offset: u64, shown: usize, total: u64) -> Markup {
    let next = offset + shown as u64;
    html! {
        @if shown > 0 && next < total {
            p.ext-more { a.button href={ (base) "offset=" (next) } { (tr!(v, "More articles")) } }
        }
    }
}

/// The page of a list's articles that the query's `offset` asks for (at most [`PAGE_SIZE`]) and
/// that offset, or the error page.
async fn listed<S: Store>(
    state: &AppState<S>,
    v: &Visitor,
    query: &Fields,
    search: KbQuery,
) -> Result<(KbSearchPage, u64), Response> {
    let offset = offset_of(v, query)
        .map_err(|m| external_error(state, v, StatusCode::UNPROCESSABLE_ENTITY, &m))?;
    let search = KbQuery {
        offset,
        limit: PAGE_SIZE,
        ..search
    };
    match state.desk().search_kb(v.reader(), search).await {
        Ok(page) => Ok((page, offset)),
        Err(e) => Err(desk_error(state, v, e)),
    }
}

/// `GET /external/kb`: the search box and the category tree with article counts.
pub(crate) async fn overview<S: Store>(State(state): State<AppState<S>>, v: Visitor) -> Response {
    let nodes = match state.desk().kb_categories(v.reader()).await {
        Ok(nodes) => nodes,
        Err(e) => return desk_error(&state, &v, e),
    };
    let title = tr!(v, "Knowledge Base");
    let body = html! {
        h1 { (title) }
        (search_box(&v, ""))
        section.ext-categories aria-labelledby="kb-categories" {
            h2 #kb-categories { (tr!(v, "Categories")) }
            @if nodes.is_empty() {
                p.muted { (tr!(v, "There are no categories to show.")) }
            } @else {
                (tree(&v, &nodes))
            }
        }
        @if v.user.is_none() {
            p.note { (tr!(v, "Some articles are available to signed-in customers only.")) " "
                a href="/external/login" { (tr!(v, "Sign in")) } }
        }
    };
    external_page(
        &state,
        &v,
        StatusCode::OK,
        &title,
        &[(title.to_string(), None)],
        body,
    )
}

/// `GET /external/kb/categories/{id}`: a category's subcategories and articles (by title).
pub(crate) async fn category<S: Store>(
    State(state): State<AppState<S>>,
    v: Visitor,
    axum::extract::Path(id): axum::extract::Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = Fields::parse(query.unwrap_or_default().as_bytes());
    let Ok(id) = id.parse::<u64>().map(KbCategoryId) else {
        return not_found(&state, &v);
    };
    let nodes = match state.desk().kb_categories(v.reader()).await {
        Ok(nodes) => nodes,
        Err(e) => return desk_error(&state, &v, e),
    };
    let Some(node) = nodes.iter().find(|n| n.category.id == id) else {
        return not_found(&state, &v);
    };
    // By title, like a table of contents.
    let search = KbQuery {
        category_id: Some(id),
        include_subcategories: false,
        sort: KbSortKey::Title,
        descending: false,
        ..KbQuery::default()
    };
    let (page, offset) = match listed(&state, &v, &query, search).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let children: Vec<&KbCategoryNode> = nodes
        .iter()
        .filter(|c| c.category.parent_id == Some(id))
        .collect();
    // The visible categories above this one, from the top.
    let mut above = Vec::new();
    let mut parent = node.category.parent_id;
    while let Some(p) = parent.and_then(|p| nodes.iter().find(|n| n.category.id == p)) {
        if above.len() >= nodes.len() {
            break;
        }
        above.push(p);
        parent = p.category.parent_id;
    }
    above.reverse();
    let kb = tr!(v, "Knowledge Base").into_owned();
    let mut crumbs = vec![(kb, Some("/external/kb".to_owned()))];
    crumbs.extend(
        above
            .iter()
            .map(|n| (n.category.name.clone(), Some(category_href(n.category.id)))),
    );
    crumbs.push((node.category.name.clone(), None));
    let body = html! {
        h1 { (node.category.name) }
        @if !node.category.comment.is_empty() { p.muted { (node.category.comment) } }
        (search_box(&v, ""))
        @if !children.is_empty() {
            section aria-labelledby="kb-subcategories" {
                h2 #kb-subcategories { (tr!(v, "Subcategories")) }
                (branch(&v, &nodes, &children, false))
            }
        }
        section aria-labelledby="kb-articles" {
            h2 #kb-articles { (tr!(v, "Articles")) " " span.count { (article_count(&v, page.total as usize)) } }
            @if page.items.is_empty() {
                p.muted { (tr!(v, "There are no articles in this category.")) }
            } @else {
                (article_list(&v, &page.items, false))
                (more_link(&v, &format!("{}?", category_href(id)), offset, page.items.len(), page.total))
            }
        }
    };
    external_page(
        &state,
        &v,
        StatusCode::OK,
        &node.category.name,
        &crumbs,
        body,
    )
}

/// `GET /external/kb/search?q=…`: the articles whose number, title, keywords or public fields
/// hold every word (all articles without words), newest change first.
pub(crate) async fn search<S: Store>(
    State(state): State<AppState<S>>,
    v: Visitor,
    RawQuery(query): RawQuery,
) -> Response {
    let query = Fields::parse(query.unwrap_or_default().as_bytes());
    let text = query.text("q");
    if text.chars().count() > MAX_SEARCH_CHARS {
        let message = tr!(
            v,
            "q: the search text has more than %{count} characters",
            count = MAX_SEARCH_CHARS
        );
        return external_error(&state, &v, StatusCode::UNPROCESSABLE_ENTITY, &message);
    }
    let search = KbQuery {
        text: (!text.is_empty()).then(|| text.clone()),
        ..KbQuery::default()
    };
    let (page, offset) = match listed(&state, &v, &query, search).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let title = tr!(v, "Search results");
    let more_base = format!(
        "/external/kb/search?{}&",
        Fields(vec![("q".into(), text.clone())]).encode()
    );
    let body = html! {
        h1 { (title) }
        (search_box(&v, &text))
        p.muted role="status" { (tr!(v, "Found: %{count}", count = article_count(&v, page.total as usize))) }
        @if page.items.is_empty() {
            p { (tr!(v, "No article matches your search.")) }
        } @else {
            (article_list(&v, &page.items, true))
            (more_link(&v, &more_base, offset, page.items.len(), page.total))
        }
    };
    let crumbs = [
        (
            tr!(v, "Knowledge Base").into_owned(),
            Some("/external/kb".to_owned()),
        ),
        (title.to_string(), None),
    ];
    external_page(&state, &v, StatusCode::OK, &title, &crumbs, body)
}

/// A public field as shown: HTML cleaned like the rich text of the agent interface, plain text
/// escaped; `None` when it holds no text.
fn field_markup(article: &KbArticle, text: &str) -> Option<Markup> {
    match article.content_type {
        KbContentType::Html => {
            let clean = sanitize_html(text);
            (!plain_text(&clean).trim().is_empty())
                .then(|| html! { div.ext-text { (PreEscaped(clean)) } })
        }
        KbContentType::Plain => {
            (!text.trim().is_empty()).then(|| html! { div.ext-text.plain { (text) } })
        }
    }
}

fn size_of(v: &Visitor, bytes: u64) -> String {
    if bytes < 1024 {
        tr!(v, "%{count} bytes", count = bytes)
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

fn attachments(v: &Visitor, number: &str, files: &[KbAttachment]) -> Markup {
    html! {
        @if !files.is_empty() {
            section.ext-files aria-labelledby="kb-files" {
                h2 #kb-files { (tr!(v, "Attachments")) }
                ul.ext-list {
                    @for f in files {
                        li {
                            a href={ (article_href(number)) "/attachments/" (f.id) } download=(f.filename) { (f.filename) }
                            span.muted { (size_of(v, f.size)) }
                        }
                    }
                }
            }
        }
    }
}

fn rating_text(v: &Visitor, rating: KbRating) -> String {
    match rating.percent() {
        None => tr!(v, "No votes yet.").into_owned(),
        Some(percent) if rating.votes == 1 => {
            tr!(
                v,
                "%{percent} % found this article helpful (1 vote).",
                percent = percent
            )
        }
        Some(percent) => tr!(
            v,
            "%{percent} % found this article helpful (%{count} votes).",
            percent = percent,
            count = rating.votes
        ),
    }
}

/// The rating, and "Was this article helpful?" for a signed-in customer.
fn rating(v: &Visitor, number: &str, rating: KbRating, mine: Option<bool>, voted: bool) -> Markup {
    let answer = |yes: bool| if yes { tr!(v, "Yes") } else { tr!(v, "No") };
    html! {
        section.ext-rating #rating aria-labelledby="kb-rating" {
            h2 #kb-rating { (tr!(v, "Rating")) }
            p #kb-rating-result { (rating_text(v, rating)) }
            @match &v.user {
                Some(user) => {
                    @if voted { p.ok role="status" { (tr!(v, "Thank you for your vote.")) } }
                    @if let Some(mine) = mine {
                        p.muted { (tr!(v, "Your answer: %{answer}", answer = answer(mine))) }
                    }
                    form.ext-vote method="post" action={ (article_href(number)) "/vote" } {
                        input type="hidden" name="csrf_token" value=(user.info.session.csrf_token);
                        span #kb-helpful { (tr!(v, "Was this article helpful?")) }
                        @for yes in [true, false] {
                            button type="submit" name="helpful" value=(if yes { "yes" } else { "no" })
                                aria-describedby="kb-helpful"
                                aria-pressed=(if mine == Some(yes) { "true" } else { "false" }) { (answer(yes)) }
                        }
                    }
                }
                None => p.note {
                    (tr!(v, "Sign in to rate this article.")) " "
                    a href="/external/login" { (tr!(v, "Sign in")) }
                },
            }
        }
    }
}

/// `GET /external/kb/{number}`: an article the reader sees.
pub(crate) async fn article<S: Store>(
    State(state): State<AppState<S>>,
    v: Visitor,
    axum::extract::Path(number): axum::extract::Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let view = match state.desk().kb_article_by_number(v.reader(), &number).await {
        Ok(view) => view,
        Err(e) => return desk_error(&state, &v, e),
    };
    let voted = Fields::parse(query.unwrap_or_default().as_bytes()).get("voted") == Some("1");
    let a = &view.article;
    let changed = a
        .changed_at
        .with_timezone(&state.desk().config().time_zone)
        .format("%Y-%m-%d");
    let crumbs = [
        (
            tr!(v, "Knowledge Base").into_owned(),
            Some("/external/kb".to_owned()),
        ),
        (
            view.category_path.replace("::", " › "),
            Some(category_href(view.category.id)),
        ),
        (a.title.clone(), None),
    ];
    let sections: Vec<(&str, Markup)> = FIELDS
        .iter()
        .zip([&a.symptom, &a.problem, &a.solution])
        .filter_map(|(label, text)| field_markup(a, text).map(|m| (*label, m)))
        .collect();
    let body = html! {
        article.ext-article {
            h1 { (a.title) }
            p.ext-meta.muted {
                (tr!(v, "FAQ#%{number}", number = view.number)) " · "
                a href=(category_href(view.category.id)) { (view.category_path.replace("::", " › ")) } " · "
                (tr!(v, "Changed")) " " time datetime=(a.changed_at.to_rfc3339()) { (changed) }
            }
            @for (label, markup) in &sections {
                section.ext-field {
                    h2 { (crate::i18n::translate_dyn(v.lang, label)) }
                    (markup)
                }
            }
            (attachments(&v, &view.number, &a.attachments))
            (rating(&v, &view.number, view.rating, view.my_vote, voted))
        }
    };
    external_page(&state, &v, StatusCode::OK, &a.title, &crumbs, body)
}

/// `POST /external/kb/{number}/vote` (`helpful=yes|no`, `csrf_token`): a signed-in customer's
/// answer to "Was this article helpful?"; back to the article, which shows the result.
pub(crate) async fn vote<S: Store>(
    State(state): State<AppState<S>>,
    v: Visitor,
    axum::extract::Path(number): axum::extract::Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(user) = &v.user else {
        let message = tr!(v, "Sign in to rate this article.");
        return external_error(&state, &v, StatusCode::UNAUTHORIZED, &message);
    };
    let form = Fields::parse(&body);
    // The form field, or the header a script sends (as on the agent interface's pages).
    let token = headers
        .get(CSRF_HEADER)
        .and_then(|t| t.to_str().ok())
        .or(form.get("csrf_token"));
    if check_csrf(&Method::POST, token, &user.info).is_err() {
        let message = tr!(
            v,
            "The form has expired or did not come from this site; reload the page and try again."
        );
        return external_error(&state, &v, StatusCode::FORBIDDEN, &message);
    }
    let helpful = match form.get("helpful") {
        Some("yes") => true,
        Some("no") => false,
        _ => {
            let message = tr!(v, "helpful: answer yes or no");
            return external_error(&state, &v, StatusCode::UNPROCESSABLE_ENTITY, &message);
        }
    };
    let system_id = state.desk().config().system_id;
    let Some(id) = kb_article_id_from_number(system_id, &number) else {
        return not_found(&state, &v);
    };
    match state
        .desk()
        .vote_kb_article(user.principal, id, helpful)
        .await
    {
        Ok(_) => Redirect::to(&format!(
            "{}?voted=1#rating",
            article_href(&kb_article_number(system_id, id))
        ))
        .into_response(),
        Err(e) => desk_error(&state, &v, e),
    }
}

/// `GET /external/kb/{number}/attachments/{id}`: a file of an article the reader sees, always
/// as a download; anything a browser might run is sent as bytes.
pub(crate) async fn attachment<S: Store>(
    State(state): State<AppState<S>>,
    v: Visitor,
    axum::extract::Path((number, file)): axum::extract::Path<(String, String)>,
) -> Response {
    let system_id = state.desk().config().system_id;
    let (Some(id), Ok(file)) = (
        kb_article_id_from_number(system_id, &number),
        file.parse::<u64>(),
    ) else {
        return not_found(&state, &v);
    };
    let (meta, bytes) = match state
        .desk()
        .kb_attachment(v.reader(), id, KbAttachmentId(file))
        .await
    {
        Ok(found) => found,
        Err(e) => return desk_error(&state, &v, e),
    };
    let base = meta
        .content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let shown_type = if HARMLESS_TYPES.contains(&base.as_str()) {
        base
    } else {
        "application/octet-stream".to_owned()
    };
    let mut response = bytes.to_vec().into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&shown_type)
            .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream")),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        disposition("attachment", &meta.filename),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    crate::ui::secure(response)
}

/// The query of `GET /external/kb/related`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RelatedQuery {
    /// What the customer has written so far (subject and message).
    #[serde(default)]
    text: String,
    /// How many articles at most (1 to [`MAX_RELATED`], default [`DEFAULT_RELATED`]).
    #[serde(default)]
    limit: Option<usize>,
}

/// One related article. Titles are sent as stored: a page that shows them must escape them.
#[derive(Debug, Serialize)]
pub(crate) struct RelatedArticle {
    /// The article number (`FAQ#`).
    number: String,
    /// The title.
    title: String,
    /// The category path (`Parent::Child`).
    category: String,
    /// The article's page in the external interface.
    url: String,
}

/// The answer of `GET /external/kb/related`.
#[derive(Debug, Serialize)]
pub(crate) struct RelatedArticles {
    /// Most matching keywords first.
    articles: Vec<RelatedArticle>,
}

/// `GET /external/kb/related?text=…&limit=N` (JSON): the articles whose keywords occur in the
/// text a customer is writing, for the ticket form to suggest (signed-in customers get external
/// and public articles, visitors public ones). Bad input is a problem document naming the field.
pub(crate) async fn related<S: Store>(
    State(state): State<AppState<S>>,
    v: Visitor,
    Query(query): Query<RelatedQuery>,
) -> Response {
    let limit = query.limit.unwrap_or(DEFAULT_RELATED);
    if !(1..=MAX_RELATED).contains(&limit) {
        return ApiError::invalid("limit", format!("must be between 1 and {MAX_RELATED}"))
            .into_response();
    }
    if query.text.chars().count() > MAX_RELATED_TEXT_CHARS {
        return ApiError::invalid(
            "text",
            format!("must be at most {MAX_RELATED_TEXT_CHARS} characters"),
        )
        .into_response();
    }
    let items = match state
        .desk()
        .related_kb_articles(v.reader(), &query.text, limit)
        .await
    {
        Ok(items) => items,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let articles = items
        .into_iter()
        .map(|item| RelatedArticle {
            url: article_href(&item.number),
            number: item.number,
            title: item.article.title,
            category: item.category_path,
        })
        .collect();
    let mut response = Json(RelatedArticles { articles }).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}
