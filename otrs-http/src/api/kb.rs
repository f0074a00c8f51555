//! The knowledge base: `/api/v1/kb/...` for signed-in agents and customer users, and
//! `/api/v1/public/kb/...` for readers who are not signed in.
//!
//! Categories form a tree (admins create, change and delete them); articles (FAQ items) are
//! searched, read by id or number, written, approved, rated and linked. The desk decides every
//! permission and what each reader sees (customer users: valid external and public articles of
//! their groups' categories, without the internal comment; visitors: public ones); these
//! handlers only translate. Fields only agents may read (the internal comment, the category
//! groups, who wrote what) are left out of the answers to everyone else.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use otrs_core::Principal;
use otrs_core::desk::{
    KbArticleInput, KbArticleUpdate, KbArticleView, KbCategoryNode, KbCategoryUpdate, KbListItem,
    KbQuery, KbReader, KbSortKey, NewKbCategory,
};
use otrs_core::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId};
use otrs_core::model::{
    KbArticle, KbAttachment, KbContentType, KbHistoryEntry, KbRating, KbState, ObjectRef, Validity,
};
use otrs_core::store::Store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::people::with_version;
use crate::api::tickets::{decode_uploads, file_download};
use crate::api::{Api, Resolver, convert, etag, if_match, links, not_modified};
use crate::auth::{AgentAuth, AnyAuth};
use crate::dto::{AttachmentUpload, LinkDto, LinkList, Named, PrincipalDto, Ref, double_option};
use crate::error::{ApiError, FieldProblem, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/kb/categories", list_kb_categories::<S>)
        .post("/api/v1/kb/categories", create_kb_category::<S>)
        .get("/api/v1/kb/categories/{id}", get_kb_category::<S>)
        .patch("/api/v1/kb/categories/{id}", update_kb_category::<S>)
        .delete("/api/v1/kb/categories/{id}", delete_kb_category::<S>)
        .get("/api/v1/kb/articles", search_kb_articles::<S>)
        .post("/api/v1/kb/articles", create_kb_article::<S>)
        .get(
            "/api/v1/kb/articles/by-number/{number}",
            get_kb_article_by_number::<S>,
        )
        .get("/api/v1/kb/articles/{id}", get_kb_article::<S>)
        .patch("/api/v1/kb/articles/{id}", update_kb_article::<S>)
        .delete("/api/v1/kb/articles/{id}", delete_kb_article::<S>)
        .post("/api/v1/kb/articles/{id}/approval", approve_kb_article::<S>)
        .post(
            "/api/v1/kb/articles/{id}/attachments",
            add_kb_attachments::<S>,
        )
        .get(
            "/api/v1/kb/articles/{id}/attachments/{attachment_id}",
            download_kb_attachment::<S>,
        )
        .delete(
            "/api/v1/kb/articles/{id}/attachments/{attachment_id}",
            remove_kb_attachment::<S>,
        )
        .post("/api/v1/kb/articles/{id}/vote", vote_kb_article::<S>)
        .get("/api/v1/kb/articles/{id}/history", kb_article_history::<S>)
        .get("/api/v1/kb/articles/{id}/links", list_kb_links::<S>)
        .post("/api/v1/kb/articles/{id}/links", add_kb_link::<S>)
        .delete(
            "/api/v1/kb/articles/{id}/links/{link_id}",
            delete_kb_link::<S>,
        )
        .get("/api/v1/kb/related", related_kb_articles::<S>)
        .get("/api/v1/public/kb/categories", public_kb_categories::<S>)
        .get("/api/v1/public/kb/articles", public_kb_search::<S>)
        .get("/api/v1/public/kb/articles/{id}", public_kb_article::<S>)
        .get(
            "/api/v1/public/kb/articles/{id}/attachments/{attachment_id}",
            public_kb_attachment::<S>,
        )
}

// --- DTOs ------------------------------------------------------------------------------------

/// A knowledge-base category as the caller sees it in the tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbCategoryDto {
    /// Id.
    pub id: u64,
    /// The parent category; absent at the top of the tree.
    pub parent_id: Option<u64>,
    /// Name.
    pub name: String,
    /// The names from the top down, joined by `::`.
    pub path: String,
    /// 0 for top-level categories.
    pub depth: usize,
    /// How many of the category's own articles the caller sees.
    pub article_count: usize,
    /// `valid`, `invalid` or `invalid-temporarily`.
    pub validity: String,
    /// Comment (agents only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The groups whose members use the category (agents only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<Vec<Named>>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Version (the ETag is `"v{version}"`).
    pub version: u64,
}

/// The category tree, parents before their children.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbCategoryList {
    /// The categories in tree order.
    pub items: Vec<KbCategoryDto>,
    /// How many.
    pub total: u64,
}

/// A file of an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbAttachmentDto {
    /// Id.
    pub id: u64,
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub size: u64,
    /// Shown inside the text rather than listed.
    pub inline: bool,
}

/// The votes of an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbRatingDto {
    /// "Yes, it helped" votes.
    pub helpful: u32,
    /// All votes.
    pub votes: u32,
    /// Share of "yes" votes in percent; absent without votes.
    pub percent: Option<u32>,
}

/// The category of an article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbCategoryRefDto {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Path from the top of the tree (`Parent::Child`).
    pub path: String,
}

/// A knowledge-base article (an FAQ item) as the caller sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbArticleDto {
    /// Id.
    pub id: u64,
    /// The article number (`FAQ#`).
    pub number: String,
    /// Title.
    pub title: String,
    /// Its category.
    pub category: KbCategoryRefDto,
    /// Keywords as written (separated by spaces, commas or semicolons).
    pub keywords: String,
    /// Language code.
    pub language: String,
    /// `internal` (agents), `external` (customer users) or `public` (everyone).
    pub state: String,
    /// `valid`, `invalid` or `invalid-temporarily`.
    pub validity: String,
    /// Approved for customers and visitors.
    pub approved: bool,
    /// `text/html` or `text/plain`: how the text fields are written.
    pub content_type: String,
    /// Symptom.
    pub symptom: String,
    /// Problem.
    pub problem: String,
    /// Solution.
    pub solution: String,
    /// The internal comment (agents only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Files.
    pub attachments: Vec<KbAttachmentDto>,
    /// The votes.
    pub rating: KbRatingDto,
    /// The caller's own vote (`true`: helpful), if any.
    pub my_vote: Option<bool>,
    /// The caller may change, delete and link it.
    pub may_edit: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Author (agents only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<PrincipalDto>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Who changed it last (agents only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_by: Option<PrincipalDto>,
    /// Version (the ETag is `"v{version}"`).
    pub version: u64,
}

/// An article in a list (without its text fields).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbArticleSummaryDto {
    /// Id.
    pub id: u64,
    /// The article number (`FAQ#`).
    pub number: String,
    /// Title.
    pub title: String,
    /// Category id.
    pub category_id: u64,
    /// Category path (`Parent::Child`).
    pub category_path: String,
    /// Keywords.
    pub keywords: String,
    /// Language code.
    pub language: String,
    /// `internal`, `external` or `public`.
    pub state: String,
    /// `valid`, `invalid` or `invalid-temporarily`.
    pub validity: String,
    /// Approved for customers and visitors.
    pub approved: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}

/// A page of search results.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbArticleList {
    /// The articles of this page.
    pub items: Vec<KbArticleSummaryDto>,
    /// All matches.
    pub total: u64,
    /// How many matches were skipped.
    pub offset: u64,
    /// Page size.
    pub limit: u32,
}

/// Articles whose keywords occur in a text.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbRelatedList {
    /// Best match first.
    pub items: Vec<KbArticleSummaryDto>,
    /// How many.
    pub total: u64,
}

/// A row of an article's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KbHistoryDto {
    /// Id.
    pub id: u64,
    /// `Created`, `Updated`, `AttachmentAdded`, `AttachmentRemoved`, `LinkAdded`,
    /// `LinkRemoved`, `ApprovalChanged` or `Voted`.
    pub action: String,
    /// Details (changed fields, file name, linked object).
    pub detail: String,
    /// Who.
    pub by: PrincipalDto,
    /// When.
    pub at: DateTime<Utc>,
}

/// The history of an article, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct KbHistoryList {
    /// The rows.
    pub items: Vec<KbHistoryDto>,
    /// How many.
    pub total: u64,
}

/// A category to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKbCategoryBody {
    /// Name (unique among its siblings; no `::`).
    pub name: String,
    /// The parent category; absent or `null` for a top-level one.
    #[serde(default)]
    pub parent_id: Option<u64>,
    /// Comment.
    #[serde(default)]
    pub comment: String,
    /// The groups (ids or names) whose members use it: at least one.
    #[serde(default)]
    pub groups: Vec<Ref>,
}

/// Changes to a category; what is left out stays.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbCategoryPatch {
    /// New parent; `null` moves it to the top of the tree.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<u64>)]
    pub parent_id: Option<Option<u64>>,
    /// New name.
    pub name: Option<String>,
    /// New comment.
    pub comment: Option<String>,
    /// New groups (ids or names), replacing the old ones.
    pub groups: Option<Vec<Ref>>,
    /// `valid`, `invalid` or `invalid-temporarily`.
    pub validity: Option<String>,
}

/// An article to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewKbArticleBody {
    /// The category (the author needs `rw` on one of its groups).
    pub category_id: u64,
    /// Title (1 to 200 characters).
    pub title: String,
    /// Keywords, separated by spaces, commas or semicolons (at most 400 characters).
    #[serde(default)]
    pub keywords: String,
    /// Language code (one of the configured knowledge-base languages; default: the first).
    pub language: Option<String>,
    /// `internal` (default), `external` or `public`.
    pub state: Option<String>,
    /// `valid` (default), `invalid` or `invalid-temporarily`.
    pub validity: Option<String>,
    /// `text/html` (default) or `text/plain`.
    pub content_type: Option<String>,
    /// Symptom.
    #[serde(default)]
    pub symptom: String,
    /// Problem.
    #[serde(default)]
    pub problem: String,
    /// Solution.
    #[serde(default)]
    pub solution: String,
    /// Internal comment (agents only ever see it).
    #[serde(default)]
    pub comment: String,
    /// Files, base64-encoded.
    #[serde(default)]
    pub attachments: Vec<AttachmentUpload>,
}

/// Changes to an article; what is left out stays. Files change through the attachment routes.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbArticlePatch {
    /// Move to another category (`rw` needed on both).
    pub category_id: Option<u64>,
    /// New title.
    pub title: Option<String>,
    /// New keywords.
    pub keywords: Option<String>,
    /// New language code.
    pub language: Option<String>,
    /// `internal`, `external` or `public`.
    pub state: Option<String>,
    /// `valid`, `invalid` or `invalid-temporarily`.
    pub validity: Option<String>,
    /// `text/html` or `text/plain`.
    pub content_type: Option<String>,
    /// New symptom.
    pub symptom: Option<String>,
    /// New problem.
    pub problem: Option<String>,
    /// New solution.
    pub solution: Option<String>,
    /// New internal comment.
    pub comment: Option<String>,
}

/// Approving an article, or taking the approval back.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbApprovalBody {
    /// `true` approves, `false` withdraws the approval.
    pub approved: bool,
}

/// Files to attach.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbAttachmentsBody {
    /// The files, base64-encoded.
    pub attachments: Vec<AttachmentUpload>,
}

/// An answer to "Was this article helpful?".
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbVoteBody {
    /// Yes or no; a second vote replaces the first.
    pub helpful: bool,
}

/// A link from the article in the path (the parent, for ParentChild) to a ticket or article.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct KbLinkBody {
    /// The other object: a ticket (id or number) or an article (id or `FAQ#` number).
    pub target: Ref,
    /// The other object's kind: `ticket` (default) or `kb_article`.
    #[serde(default)]
    pub kind: Option<String>,
    /// `Normal` (default) or `ParentChild`.
    #[serde(default, rename = "type")]
    pub link_type: Option<String>,
}

/// Filters, order and page of an article search.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KbSearchParams {
    /// Words that must all occur in the number, title, keywords or a text field.
    pub text: Option<String>,
    /// Only this category (id).
    pub category: Option<u64>,
    /// With `category`: also the categories below it (default `true`).
    pub include_subcategories: Option<bool>,
    /// Only these states, comma-separated (`internal`, `external`, `public`).
    pub state: Option<String>,
    /// Only this language code.
    pub language: Option<String>,
    /// Only this validity (`valid`, `invalid`, `invalid-temporarily`; agents).
    pub validity: Option<String>,
    /// `number`, `title`, `category`, `language`, `state`, `validity`, `created` or
    /// `changed` (default).
    pub sort: Option<String>,
    /// `asc` or `desc` (default).
    pub order: Option<String>,
    /// Matches to skip (default 0).
    pub offset: Option<u64>,
    /// Page size (1 to 500, default 50).
    pub limit: Option<u32>,
}

/// The text to find related articles for.
#[derive(Debug, Clone, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct KbRelatedParams {
    /// A subject and message being written; its words are held against the keywords.
    pub text: String,
    /// Most articles (1 to 50, default 10).
    pub limit: Option<u32>,
}

// --- conversions -----------------------------------------------------------------------------

/// The most related articles one call returns.
const MAX_RELATED: u32 = 50;

fn is_agent(reader: KbReader) -> bool {
    matches!(reader, KbReader::User(Principal::Agent(_)))
}

pub(crate) fn rating_dto(r: KbRating) -> KbRatingDto {
    KbRatingDto {
        helpful: r.helpful,
        votes: r.votes,
        percent: r.percent(),
    }
}

fn attachment(a: &KbAttachment) -> KbAttachmentDto {
    KbAttachmentDto {
        id: a.id.0,
        filename: a.filename.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        inline: a.inline,
    }
}

/// A category for its reader; `groups` holds the group names (agents only).
pub(crate) fn category_dto(node: &KbCategoryNode, groups: Option<&[Named]>) -> KbCategoryDto {
    let c = &node.category;
    KbCategoryDto {
        id: c.id.0,
        parent_id: c.parent_id.map(|p| p.0),
        name: c.name.clone(),
        path: node.path.clone(),
        depth: node.depth,
        article_count: node.article_count,
        validity: c.validity.name().to_owned(),
        comment: groups.is_some().then(|| c.comment.clone()),
        groups: groups.map(|all| {
            c.group_ids
                .iter()
                .map(|g| Named {
                    id: g.0,
                    name: all
                        .iter()
                        .find(|n| n.id == g.0)
                        .map(|n| n.name.clone())
                        .unwrap_or_default(),
                })
                .collect()
        }),
        changed_at: c.changed_at,
        version: c.version,
    }
}

/// An article for its reader; `agent` adds the fields only agents may read.
pub(crate) fn article_dto(view: &KbArticleView, agent: bool) -> KbArticleDto {
    let a = &view.article;
    KbArticleDto {
        id: a.id.0,
        number: view.number.clone(),
        title: a.title.clone(),
        category: KbCategoryRefDto {
            id: view.category.id.0,
            name: view.category.name.clone(),
            path: view.category_path.clone(),
        },
        keywords: a.keywords.clone(),
        language: a.language.clone(),
        state: a.state.name().to_owned(),
        validity: a.validity.name().to_owned(),
        approved: a.approved,
        content_type: a.content_type.mime().to_owned(),
        symptom: a.symptom.clone(),
        problem: a.problem.clone(),
        solution: a.solution.clone(),
        comment: agent.then(|| a.comment.clone()),
        attachments: a.attachments.iter().map(attachment).collect(),
        rating: rating_dto(view.rating),
        my_vote: view.my_vote,
        may_edit: view.may_edit,
        created_at: a.created_at,
        created_by: agent.then(|| convert::principal(a.created_by)),
        changed_at: a.changed_at,
        changed_by: agent.then(|| convert::principal(a.changed_by)),
        version: a.version,
    }
}

/// A search result.
pub(crate) fn summary_dto(item: &KbListItem) -> KbArticleSummaryDto {
    let a = &item.article;
    KbArticleSummaryDto {
        id: a.id.0,
        number: item.number.clone(),
        title: a.title.clone(),
        category_id: a.category_id.0,
        category_path: item.category_path.clone(),
        keywords: a.keywords.clone(),
        language: a.language.clone(),
        state: a.state.name().to_owned(),
        validity: a.validity.name().to_owned(),
        approved: a.approved,
        created_at: a.created_at,
        changed_at: a.changed_at,
        version: a.version,
    }
}

/// A history row.
pub(crate) fn history_dto(h: &KbHistoryEntry) -> KbHistoryDto {
    KbHistoryDto {
        id: h.id.0,
        action: h.action.name().to_owned(),
        detail: h.detail.clone(),
        by: convert::principal(h.by),
        at: h.at,
    }
}

/// The group names an agent may see (for the category DTO); `None` for everyone else.
async fn group_names<S: Store>(state: &AppState<S>, reader: KbReader) -> Option<Vec<Named>> {
    let KbReader::User(principal @ Principal::Agent(_)) = reader else {
        return None;
    };
    let groups = state.desk().groups(principal).await.unwrap_or_default();
    Some(
        groups
            .into_iter()
            .map(|g| Named {
                id: g.id.0,
                name: g.name,
            })
            .collect(),
    )
}

/// The desk names a few fields after its inputs; the API's names say they take ids.
fn api_field_names(error: otrs_core::DeskError) -> ApiError {
    let mut e = ApiError::from(error);
    e.rename_field("parent", "parent_id");
    e.rename_field("category", "category_id");
    e
}

fn validity_of(text: &str) -> Result<Validity, ApiError> {
    Validity::from_name(text).ok_or_else(|| {
        ApiError::invalid("validity", "must be valid, invalid or invalid-temporarily")
    })
}

fn state_of(text: &str, field: &str) -> Result<KbState, ApiError> {
    KbState::from_name(text)
        .ok_or_else(|| ApiError::invalid(field, "must be internal, external or public"))
}

fn content_type_of(text: &str) -> Result<KbContentType, ApiError> {
    KbContentType::from_mime(text)
        .ok_or_else(|| ApiError::invalid("content_type", "must be text/html or text/plain"))
}

/// An article answer with its ETag.
fn article_response(view: &KbArticleView, agent: bool, created: bool) -> Response {
    let location = created.then(|| format!("/api/v1/kb/articles/{}", view.article.id.0));
    with_version(article_dto(view, agent), view.article.version, location)
}

/// A changed article as the actor now sees it.
async fn changed_article<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    article: &KbArticle,
    created: bool,
) -> Result<Response, ApiError> {
    let view = state.desk().kb_article(actor, article.id).await?;
    Ok(article_response(&view, is_agent(actor.into()), created))
}

/// One of the caller's categories in the tree.
async fn category_node<S: Store>(
    state: &AppState<S>,
    reader: KbReader,
    id: KbCategoryId,
) -> Result<KbCategoryNode, ApiError> {
    state
        .desk()
        .kb_categories(reader)
        .await?
        .into_iter()
        .find(|n| n.category.id == id)
        .ok_or_else(|| ApiError::new("not-found", format!("no knowledge-base category {id}")))
}

async fn category_response<S: Store>(
    state: &AppState<S>,
    reader: KbReader,
    id: KbCategoryId,
    created: bool,
) -> Result<Response, ApiError> {
    let node = category_node(state, reader, id).await?;
    let groups = group_names(state, reader).await;
    let location = created.then(|| format!("/api/v1/kb/categories/{}", id.0));
    Ok(with_version(
        category_dto(&node, groups.as_deref()),
        node.category.version,
        location,
    ))
}

// --- shared handler bodies (signed in or not) --------------------------------------------------

async fn categories<S: Store>(
    state: &AppState<S>,
    reader: KbReader,
) -> Result<Json<KbCategoryList>, ApiError> {
    let nodes = state.desk().kb_categories(reader).await?;
    let groups = group_names(state, reader).await;
    let items: Vec<KbCategoryDto> = nodes
        .iter()
        .map(|n| category_dto(n, groups.as_deref()))
        .collect();
    Ok(Json(KbCategoryList {
        total: items.len() as u64,
        items,
    }))
}

/// Turns search parameters into a desk query.
pub(crate) fn kb_query(p: &KbSearchParams) -> Result<KbQuery, ApiError> {
    let defaults = KbQuery::default();
    let mut errors = Vec::new();
    let mut problem = |field: &str, message: String| {
        errors.push(FieldProblem {
            field: field.into(),
            message,
        });
    };
    let mut states = std::collections::BTreeSet::new();
    for name in p
        .state
        .as_deref()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        match KbState::from_name(name) {
            Some(s) => {
                states.insert(s);
            }
            None => problem(
                "state",
                format!("{name:?} is not internal, external or public"),
            ),
        }
    }
    let validity = match p.validity.as_deref().filter(|v| !v.is_empty()) {
        None => None,
        Some(v) => {
            let parsed = Validity::from_name(v);
            if parsed.is_none() {
                problem(
                    "validity",
                    "must be valid, invalid or invalid-temporarily".into(),
                );
            }
            parsed
        }
    };
    let sort = match p.sort.as_deref().filter(|s| !s.is_empty()) {
        None => defaults.sort,
        Some(name) => KbSortKey::from_name(name).unwrap_or_else(|| {
            let names: Vec<&str> = KbSortKey::ALL.iter().map(|k| k.name()).collect();
            problem("sort", format!("must be one of {}", names.join(", ")));
            defaults.sort
        }),
    };
    let descending = match p.order.as_deref().map(str::to_ascii_lowercase).as_deref() {
        None | Some("") | Some("desc") => true,
        Some("asc") => false,
        Some(_) => {
            problem("order", "must be asc or desc".into());
            true
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    Ok(KbQuery {
        text: p.text.clone().filter(|t| !t.trim().is_empty()),
        category_id: p.category.map(KbCategoryId),
        include_subcategories: p
            .include_subcategories
            .unwrap_or(defaults.include_subcategories),
        states,
        language: p.language.clone().filter(|l| !l.trim().is_empty()),
        validity,
        sort,
        descending,
        offset: p.offset.unwrap_or(0),
        limit: p.limit.unwrap_or(defaults.limit),
    })
}

async fn search<S: Store>(
    state: &AppState<S>,
    reader: KbReader,
    params: &KbSearchParams,
) -> Result<Json<KbArticleList>, ApiError> {
    let query = kb_query(params)?;
    let (offset, limit) = (query.offset, query.limit);
    let page = state.desk().search_kb(reader, query).await?;
    Ok(Json(KbArticleList {
        items: page.items.iter().map(summary_dto).collect(),
        total: page.total,
        offset,
        limit,
    }))
}

async fn article<S: Store>(
    state: &AppState<S>,
    reader: KbReader,
    id: u64,
    headers: &HeaderMap,
) -> Result<Response, ApiError> {
    let view = state.desk().kb_article(reader, KbArticleId(id)).await?;
    if not_modified(headers, view.article.version) {
        let mut response = StatusCode::NOT_MODIFIED.into_response();
        response
            .headers_mut()
            .insert(header::ETAG, etag(view.article.version));
        return Ok(response);
    }
    Ok(article_response(&view, is_agent(reader), false))
}

async fn attachment_file<S: Store>(
    state: &AppState<S>,
    reader: KbReader,
    id: u64,
    attachment_id: u64,
) -> Result<Response, ApiError> {
    let (meta, bytes) = state
        .desk()
        .kb_attachment(reader, KbArticleId(id), KbAttachmentId(attachment_id))
        .await?;
    Ok(file_download(&bytes, &meta.filename, &meta.content_type))
}

// --- categories ------------------------------------------------------------------------------

/// The knowledge-base categories the caller may see, as a tree (parents first, siblings by
/// name), with how many of each one's articles the caller sees.
#[utoipa::path(get, path = "/api/v1/kb/categories", tag = "knowledge-base",
    responses((status = 200, body = KbCategoryList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_kb_categories<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
) -> Result<Json<KbCategoryList>, ApiError> {
    categories(&state, auth.principal.into()).await
}

/// Creates a category (admins).
#[utoipa::path(post, path = "/api/v1/kb/categories", tag = "knowledge-base", request_body = NewKbCategoryBody,
    responses((status = 201, body = KbCategoryDto, headers(("ETag" = String))), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_kb_category<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewKbCategoryBody>,
) -> Result<Response, ApiError> {
    let group_ids = group_refs(&state, auth.principal, &body.groups).await?;
    let category = state
        .desk()
        .create_kb_category(
            auth.principal,
            NewKbCategory {
                parent_id: body.parent_id.map(KbCategoryId),
                name: body.name,
                comment: body.comment,
                group_ids,
            },
        )
        .await
        .map_err(api_field_names)?;
    category_response(&state, auth.principal.into(), category.id, true).await
}

async fn group_refs<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    refs: &[Ref],
) -> Result<std::collections::BTreeSet<GroupId>, ApiError> {
    let resolver = Resolver { state, actor };
    let mut ids = std::collections::BTreeSet::new();
    for r in refs {
        ids.insert(resolver.group(r, "groups").await?);
    }
    Ok(ids)
}

/// One category the caller may see.
#[utoipa::path(get, path = "/api/v1/kb/categories/{id}", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Category id")),
    responses((status = 200, body = KbCategoryDto, headers(("ETag" = String))), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_kb_category<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Response, ApiError> {
    category_response(&state, auth.principal.into(), KbCategoryId(id), false).await
}

/// Changes a category (admins): parent, name, comment, groups, validity. Send `If-Match` to
/// refuse the change when the category changed since.
#[utoipa::path(patch, path = "/api/v1/kb/categories/{id}", tag = "knowledge-base", request_body = KbCategoryPatch,
    params(("id" = u64, Path, description = "Category id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = KbCategoryDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_kb_category<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<KbCategoryPatch>,
) -> Result<Response, ApiError> {
    let update = KbCategoryUpdate {
        parent_id: body.parent_id.map(|p| p.map(KbCategoryId)),
        name: body.name,
        comment: body.comment,
        group_ids: match &body.groups {
            Some(refs) => Some(group_refs(&state, auth.principal, refs).await?),
            None => None,
        },
        validity: body.validity.as_deref().map(validity_of).transpose()?,
    };
    let category = state
        .desk()
        .update_kb_category(
            auth.principal,
            KbCategoryId(id),
            update,
            if_match(&headers)?,
        )
        .await
        .map_err(api_field_names)?;
    category_response(&state, auth.principal.into(), category.id, false).await
}

/// Deletes an empty category (admins); one that still holds articles or subcategories is
/// refused (409).
#[utoipa::path(delete, path = "/api/v1/kb/categories/{id}", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Category id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_kb_category<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .delete_kb_category(auth.principal, KbCategoryId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- articles --------------------------------------------------------------------------------

/// Searches the articles the caller may read. Customer users find valid external and public
/// articles only, never by their internal comment.
#[utoipa::path(get, path = "/api/v1/kb/articles", tag = "knowledge-base", params(KbSearchParams),
    responses((status = 200, body = KbArticleList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn search_kb_articles<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(params): Query<KbSearchParams>,
) -> Result<Json<KbArticleList>, ApiError> {
    search(&state, auth.principal.into(), &params).await
}

/// Writes an article (agents with `rw` on one of the category's groups), with files.
#[utoipa::path(post, path = "/api/v1/kb/articles", tag = "knowledge-base", request_body = NewKbArticleBody,
    responses((status = 201, body = KbArticleDto, headers(("ETag" = String))), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_kb_article<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Json(body): Json<NewKbArticleBody>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let attachments = decode_uploads(&body.attachments, "attachments", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    let language = match body.language {
        Some(language) => language,
        None => state
            .desk()
            .config()
            .kb_languages
            .first()
            .cloned()
            .unwrap_or_default(),
    };
    let input = KbArticleInput {
        keywords: body.keywords,
        language,
        state: body
            .state
            .as_deref()
            .map(|s| state_of(s, "state"))
            .transpose()?
            .unwrap_or(KbState::Internal),
        validity: body
            .validity
            .as_deref()
            .map(validity_of)
            .transpose()?
            .unwrap_or(Validity::Valid),
        content_type: body
            .content_type
            .as_deref()
            .map(content_type_of)
            .transpose()?
            .unwrap_or_default(),
        symptom: body.symptom,
        problem: body.problem,
        solution: body.solution,
        comment: body.comment,
        attachments,
        ..KbArticleInput::new(KbCategoryId(body.category_id), body.title)
    };
    let article = state
        .desk()
        .create_kb_article(auth.principal, input)
        .await
        .map_err(api_field_names)?;
    changed_article(&state, auth.principal, &article, true).await
}

/// An article the caller may read (customer users: without the internal comment).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Article id")),
    responses((status = 200, body = KbArticleDto, headers(("ETag" = String))), (status = 304),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_kb_article<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    article(&state, auth.principal.into(), id, &headers).await
}

/// An article by its number (`FAQ#`, e.g. `10001`).
#[utoipa::path(get, path = "/api/v1/kb/articles/by-number/{number}", tag = "knowledge-base",
    params(("number" = String, Path, description = "Article number")),
    responses((status = 200, body = KbArticleDto, headers(("ETag" = String))),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn get_kb_article_by_number<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(number): Path<String>,
) -> Result<Response, ApiError> {
    let reader: KbReader = auth.principal.into();
    let view = state.desk().kb_article_by_number(reader, &number).await?;
    Ok(article_response(&view, is_agent(reader), false))
}

/// Changes an article (`rw` on its category, and on the new one when moving it). Send
/// `If-Match` to refuse the change when the article changed since. When approval is required,
/// a changed title or text needs a new approval unless the author may approve.
#[utoipa::path(patch, path = "/api/v1/kb/articles/{id}", tag = "knowledge-base", request_body = KbArticlePatch,
    params(("id" = u64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = KbArticleDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_kb_article<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<KbArticlePatch>,
) -> Result<Response, ApiError> {
    let update = KbArticleUpdate {
        category_id: body.category_id.map(KbCategoryId),
        title: body.title,
        keywords: body.keywords,
        language: body.language,
        state: body
            .state
            .as_deref()
            .map(|s| state_of(s, "state"))
            .transpose()?,
        validity: body.validity.as_deref().map(validity_of).transpose()?,
        content_type: body
            .content_type
            .as_deref()
            .map(content_type_of)
            .transpose()?,
        symptom: body.symptom,
        problem: body.problem,
        solution: body.solution,
        comment: body.comment,
        // Files change through their own routes.
        ..KbArticleUpdate::default()
    };
    let article = state
        .desk()
        .update_kb_article(auth.principal, KbArticleId(id), update, if_match(&headers)?)
        .await
        .map_err(api_field_names)?;
    changed_article(&state, auth.principal, &article, false).await
}

/// Deletes an article with its files, votes and history; its links go too. `If-Match` refuses a
/// stale version.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the deletion is based on")),
    responses((status = 204),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_kb_article<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .delete_kb_article(auth.principal, KbArticleId(id), if_match(&headers)?)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Approves an article for customers and visitors, or withdraws the approval (agents with `rw`
/// on the category and on the `users` group); `If-Match` refuses a stale version.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/approval", tag = "knowledge-base", request_body = KbApprovalBody,
    params(("id" = u64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = KbArticleDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn approve_kb_article<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<KbApprovalBody>,
) -> Result<Response, ApiError> {
    let article = state
        .desk()
        .set_kb_approval(
            auth.principal,
            KbArticleId(id),
            body.approved,
            if_match(&headers)?,
        )
        .await?;
    changed_article(&state, auth.principal, &article, false).await
}

/// Attaches files to an article (`rw`); `If-Match` refuses a stale version.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/attachments", tag = "knowledge-base", request_body = KbAttachmentsBody,
    params(("id" = u64, Path, description = "Article id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = KbArticleDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn add_kb_attachments<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<KbAttachmentsBody>,
) -> Result<Response, ApiError> {
    let mut errors = Vec::new();
    let files = decode_uploads(&body.attachments, "attachments", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::invalid_fields(errors));
    }
    if files.is_empty() {
        return Err(ApiError::invalid("attachments", "name at least one file"));
    }
    let article = state
        .desk()
        .add_kb_attachments(auth.principal, KbArticleId(id), files, if_match(&headers)?)
        .await?;
    changed_article(&state, auth.principal, &article, false).await
}

/// Downloads a file of an article the caller may read (always as a download).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/attachments/{attachment_id}", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Article id"), ("attachment_id" = u64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn download_kb_attachment<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path((id, attachment_id)): Path<(u64, u64)>,
) -> Result<Response, ApiError> {
    attachment_file(&state, auth.principal.into(), id, attachment_id).await
}

/// Removes a file from an article (`rw`); `If-Match` refuses a stale version. Answers with the
/// changed article.
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}/attachments/{attachment_id}", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Article id"), ("attachment_id" = u64, Path, description = "Attachment id"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = KbArticleDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn remove_kb_attachment<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path((id, attachment_id)): Path<(u64, u64)>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let article = state
        .desk()
        .remove_kb_attachment(
            auth.principal,
            KbArticleId(id),
            KbAttachmentId(attachment_id),
            if_match(&headers)?,
        )
        .await?;
    changed_article(&state, auth.principal, &article, false).await
}

/// Answers "Was this article helpful?" (agents and customer users who may read it); a second
/// vote replaces the first. Returns the counted votes.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/vote", tag = "knowledge-base", request_body = KbVoteBody,
    params(("id" = u64, Path, description = "Article id")),
    responses((status = 200, body = KbRatingDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn vote_kb_article<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    Json(body): Json<KbVoteBody>,
) -> Result<Json<KbRatingDto>, ApiError> {
    let counted = state
        .desk()
        .vote_kb_article(auth.principal, KbArticleId(id), body.helpful)
        .await?;
    Ok(Json(rating_dto(counted)))
}

/// The history of an article (agents who may read it).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/history", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Article id")),
    responses((status = 200, body = KbHistoryList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn kb_article_history<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<Json<KbHistoryList>, ApiError> {
    let rows = state
        .desk()
        .kb_history(auth.principal, KbArticleId(id))
        .await?;
    Ok(Json(KbHistoryList {
        total: rows.len() as u64,
        items: rows.iter().map(history_dto).collect(),
    }))
}

/// The links of an article (to tickets and articles the caller may read).
#[utoipa::path(get, path = "/api/v1/kb/articles/{id}/links", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Article id")),
    responses((status = 200, body = LinkList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_kb_links<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
) -> Result<Json<LinkList>, ApiError> {
    let links = state
        .desk()
        .links(auth.principal, ObjectRef::KbArticle(KbArticleId(id)))
        .await?;
    Ok(Json(LinkList {
        total: links.len() as u64,
        items: links.iter().map(convert::link).collect(),
    }))
}

/// Links the article to a ticket or another article (`rw` on the article's category, `ro` on
/// the other object). For ParentChild, the article in the path is the parent.
#[utoipa::path(post, path = "/api/v1/kb/articles/{id}/links", tag = "knowledge-base", request_body = KbLinkBody,
    params(("id" = u64, Path, description = "Article id")),
    responses((status = 201, body = LinkDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn add_kb_link<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path(id): Path<u64>,
    Json(body): Json<KbLinkBody>,
) -> Result<Response, ApiError> {
    let target = (
        body.kind.as_deref(),
        &body.target,
        body.link_type.as_deref(),
    );
    links::add_link(
        &state,
        auth.principal,
        ObjectRef::KbArticle(KbArticleId(id)),
        &format!("/api/v1/kb/articles/{id}"),
        target,
    )
    .await
}

/// Removes a link of the article (`rw` on one end, `ro` on the other).
#[utoipa::path(delete, path = "/api/v1/kb/articles/{id}/links/{link_id}", tag = "knowledge-base",
    params(("id" = u64, Path, description = "Article id"), ("link_id" = u64, Path, description = "Link id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_kb_link<S: Store>(
    State(state): State<AppState<S>>,
    AgentAuth { auth, .. }: AgentAuth,
    Path((id, link_id)): Path<(u64, u64)>,
) -> Result<StatusCode, ApiError> {
    links::remove_link(
        &state,
        auth.principal,
        ObjectRef::KbArticle(KbArticleId(id)),
        link_id,
        &format!("knowledge-base article {id}"),
    )
    .await
}

/// Articles whose keywords occur in a text being written (a ticket's subject and body), best
/// match first, among those the caller may read.
#[utoipa::path(get, path = "/api/v1/kb/related", tag = "knowledge-base", params(KbRelatedParams),
    responses((status = 200, body = KbRelatedList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn related_kb_articles<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(params): Query<KbRelatedParams>,
) -> Result<Json<KbRelatedList>, ApiError> {
    let limit = params.limit.unwrap_or(10);
    if limit == 0 || limit > MAX_RELATED {
        return Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {MAX_RELATED}"),
        ));
    }
    let items = state
        .desk()
        .related_kb_articles(auth.principal, &params.text, limit as usize)
        .await?;
    Ok(Json(KbRelatedList {
        total: items.len() as u64,
        items: items.iter().map(summary_dto).collect(),
    }))
}

// --- without sign-in -------------------------------------------------------------------------

/// The categories that hold public articles, for readers who are not signed in.
#[utoipa::path(get, path = "/api/v1/public/kb/categories", tag = "knowledge-base", security(()),
    responses((status = 200, body = KbCategoryList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn public_kb_categories<S: Store>(
    State(state): State<AppState<S>>,
) -> Result<Json<KbCategoryList>, ApiError> {
    categories(&state, KbReader::Public).await
}

/// Searches the valid public articles, for readers who are not signed in.
#[utoipa::path(get, path = "/api/v1/public/kb/articles", tag = "knowledge-base", security(()), params(KbSearchParams),
    responses((status = 200, body = KbArticleList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn public_kb_search<S: Store>(
    State(state): State<AppState<S>>,
    Query(params): Query<KbSearchParams>,
) -> Result<Json<KbArticleList>, ApiError> {
    search(&state, KbReader::Public, &params).await
}

/// A valid public article, for readers who are not signed in.
#[utoipa::path(get, path = "/api/v1/public/kb/articles/{id}", tag = "knowledge-base", security(()),
    params(("id" = u64, Path, description = "Article id")),
    responses((status = 200, body = KbArticleDto, headers(("ETag" = String))), (status = 304),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn public_kb_article<S: Store>(
    State(state): State<AppState<S>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    article(&state, KbReader::Public, id, &headers).await
}

/// A file of a valid public article, for readers who are not signed in.
#[utoipa::path(get, path = "/api/v1/public/kb/articles/{id}/attachments/{attachment_id}", tag = "knowledge-base", security(()),
    params(("id" = u64, Path, description = "Article id"), ("attachment_id" = u64, Path, description = "Attachment id")),
    responses((status = 200, description = "The file", content_type = "application/octet-stream"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn public_kb_attachment<S: Store>(
    State(state): State<AppState<S>>,
    Path((id, attachment_id)): Path<(u64, u64)>,
) -> Result<Response, ApiError> {
    attachment_file(&state, KbReader::Public, id, attachment_id).await
}
