//! The knowledge base (migration 0011_kb): categories with their groups, articles with their
//! files, votes and history.

use std::collections::BTreeMap;
use std::sync::Arc;

use otrs_core::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId, KbHistoryId};
use otrs_core::model::{
    KbAction, KbArticle, KbAttachment, KbCategory, KbContentType, KbHistoryEntry, KbState, KbVote,
    NewAttachment,
};
use otrs_core::store::{KbArticleFilter, StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::check;
use crate::codec;
use crate::sql::{Builder, Row, Stmt, bad_value, int, stored_time};

// --- categories ------------------------------------------------------------------------------

fn category_from(row: &Row) -> StoreResult<KbCategory> {
    Ok(KbCategory {
        id: KbCategoryId(row.u64("id")?),
        parent_id: row.opt_u64("parent_id")?.map(KbCategoryId),
        name: row.text("name")?,
        comment: row.text("comment")?,
        group_ids: Default::default(),
        validity: codec::validity(row, "validity")?,
        created_at: row.time("created_at")?,
        changed_at: row.time("changed_at")?,
        changed_by: codec::principal(row, "changed_by_kind", "changed_by_id")?,
        version: row.u64("version")?,
    })
}

fn check_category(category: &KbCategory) -> StoreResult<()> {
    check::required("name", &category.name, 200)?;
    check::text("comment", &category.comment, 250)
}

/// The first rule an insert or update of `category` would break, in the in-memory store's
/// order: a sibling with its name, a parent or a group that does not exist.
async fn category_refusal(
    tx: &mut SqlTx,
    category: &KbCategory,
) -> StoreResult<Option<StoreError>> {
    let parent = category
        .parent_id
        .map(|p| int("parent", p.0))
        .transpose()?
        .unwrap_or(0);
    if tx
        .exists(
            Stmt::new(
                "SELECT 1 FROM kb_categories WHERE coalesce(parent_id, 0) = $1 AND name = $2 AND id <> $3",
            )
            .bind(parent)
            .bind(category.name.as_str())
            .bind(int("id", category.id.0)?),
        )
        .await?
    {
        return Ok(Some(StoreError::Duplicate {
            what: "kb category name",
            value: category.name.clone(),
        }));
    }
    if let Some(parent) = category.parent_id
        && !category_exists(tx, parent).await?
    {
        return Ok(Some(StoreError::not_found("kb category", parent)));
    }
    for group in &category.group_ids {
        if !tx
            .exists(Stmt::new("SELECT 1 FROM groups WHERE id = $1").bind(int("group", group.0)?))
            .await?
        {
            return Ok(Some(StoreError::not_found("group", group)));
        }
    }
    Ok(None)
}

async fn write_category_groups(tx: &mut SqlTx, category: &KbCategory) -> StoreResult<()> {
    let id = int("id", category.id.0)?;
    tx.exec(Stmt::new("DELETE FROM kb_category_groups WHERE category_id = $1").bind(id))
        .await?;
    if category.group_ids.is_empty() {
        return Ok(());
    }
    let mut insert = Builder::new("INSERT INTO kb_category_groups (category_id, group_id) VALUES ");
    for (i, group) in category.group_ids.iter().enumerate() {
        if i > 0 {
            insert.push(", ");
        }
        insert.push_list([id, int("group", group.0)?]);
    }
    tx.exec(insert.build()).await?;
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn insert_kb_category(
    tx: &mut SqlTx,
    category: &KbCategory,
) -> StoreResult<KbCategory> {
    tx.writable()?;
    check_category(category)?;
    let probe = KbCategory {
        id: KbCategoryId(0),
        ..category.clone()
    };
    if let Some(refusal) = category_refusal(tx, &probe).await? {
        return Err(refusal);
    }
    let row = tx
        .one(
            Stmt::new(
                "INSERT INTO kb_categories (parent_id, name, comment, validity, created_at, \
                 changed_at, changed_by_kind, changed_by_id, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1) RETURNING id",
            )
            .bind(category.parent_id.map(|p| int("parent", p.0)).transpose()?)
            .bind(category.name.as_str())
            .bind(category.comment.as_str())
            .bind(category.validity.name())
            .bind(category.created_at)
            .bind(category.changed_at)
            .bind(codec::principal_kind(category.changed_by))
            .bind(codec::principal_id(category.changed_by)),
        )
        .await?;
    let stored = KbCategory {
        id: KbCategoryId(row.u64("id")?),
        created_at: stored_time(category.created_at),
        changed_at: stored_time(category.changed_at),
        version: 1,
        ..category.clone()
    };
    write_category_groups(tx, &stored).await?;
    Ok(stored)
}

#[instrument(skip_all)]
pub(super) async fn update_kb_category(
    tx: &mut SqlTx,
    category: &KbCategory,
) -> StoreResult<KbCategory> {
    tx.writable()?;
    check_category(category)?;
    let id = int("id", category.id.0)?;
    let stored_version = tx
        .opt(Stmt::new("SELECT version FROM kb_categories WHERE id = $1").bind(id))
        .await?
        .ok_or_else(|| StoreError::not_found("kb category", category.id))?
        .u64("version")?;
    if stored_version != category.version {
        return Err(conflict(
            "kb category",
            category.id,
            stored_version,
            category.version,
        ));
    }
    if let Some(refusal) = category_refusal(tx, category).await? {
        return Err(refusal);
    }
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE kb_categories SET parent_id = $3, name = $4, comment = $5, validity = $6, \
                 changed_at = $7, changed_by_kind = $8, changed_by_id = $9, version = version + 1 \
                 WHERE id = $1 AND version = $2",
            )
            .bind(id)
            .bind(int("version", category.version)?)
            .bind(category.parent_id.map(|p| int("parent", p.0)).transpose()?)
            .bind(category.name.as_str())
            .bind(category.comment.as_str())
            .bind(category.validity.name())
            .bind(category.changed_at)
            .bind(codec::principal_kind(category.changed_by))
            .bind(codec::principal_id(category.changed_by)),
        )
        .await?;
    if updated == 0 {
        return Err(conflict(
            "kb category",
            category.id,
            stored_version,
            category.version,
        ));
    }
    write_category_groups(tx, category).await?;
    Ok(KbCategory {
        changed_at: stored_time(category.changed_at),
        version: category.version + 1,
        ..category.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn delete_kb_category(tx: &mut SqlTx, id: KbCategoryId) -> StoreResult<()> {
    tx.writable()?;
    let key = int("id", id.0)?;
    if !category_exists(tx, id).await? {
        return Err(StoreError::not_found("kb category", id));
    }
    if tx
        .exists(
            Stmt::new(
                "SELECT 1 FROM kb_categories WHERE parent_id = $1 \
                 UNION ALL SELECT 1 FROM kb_articles WHERE category_id = $1",
            )
            .bind(key),
        )
        .await?
    {
        return Err(StoreError::Invalid {
            field: "category",
            message: format!("kb category {id} still holds articles or subcategories"),
        });
    }
    tx.exec(Stmt::new("DELETE FROM kb_category_groups WHERE category_id = $1").bind(key))
        .await?;
    tx.exec(Stmt::new("DELETE FROM kb_categories WHERE id = $1").bind(key))
        .await?;
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn kb_categories(tx: &mut SqlTx) -> StoreResult<Vec<KbCategory>> {
    let rows = tx
        .all(Stmt::new(
            "SELECT id, parent_id, name, comment, validity, created_at, changed_at, \
             changed_by_kind, changed_by_id, version FROM kb_categories ORDER BY id",
        ))
        .await?;
    let mut categories: BTreeMap<KbCategoryId, KbCategory> = rows
        .iter()
        .map(|r| category_from(r).map(|c| (c.id, c)))
        .collect::<StoreResult<_>>()?;
    let groups = tx
        .all(Stmt::new(
            "SELECT category_id, group_id FROM kb_category_groups ORDER BY category_id, group_id",
        ))
        .await?;
    for row in &groups {
        let id = KbCategoryId(row.u64("category_id")?);
        if let Some(category) = categories.get_mut(&id) {
            category.group_ids.insert(GroupId(row.u64("group_id")?));
        }
    }
    Ok(categories.into_values().collect())
}

// --- articles --------------------------------------------------------------------------------

macro_rules! article_columns {
    () => {
        "a.id, a.category_id, a.title, a.keywords, a.language, a.state, a.validity, a.approved, \
         a.content_type, a.symptom, a.problem, a.solution, a.comment, a.created_at, \
         a.created_by_kind, a.created_by_id, a.changed_at, a.changed_by_kind, a.changed_by_id, \
         a.version"
    };
}

fn article_from(row: &Row) -> StoreResult<KbArticle> {
    Ok(KbArticle {
        id: KbArticleId(row.u64("id")?),
        category_id: KbCategoryId(row.u64("category_id")?),
        title: row.text("title")?,
        keywords: row.text("keywords")?,
        language: row.text("language")?,
        state: codec::named(row, "state", KbState::from_name)?,
        validity: codec::validity(row, "validity")?,
        approved: row.boolean("approved")?,
        content_type: codec::named(row, "content_type", KbContentType::from_mime)?,
        symptom: row.text("symptom")?,
        problem: row.text("problem")?,
        solution: row.text("solution")?,
        comment: row.text("comment")?,
        attachments: Vec::new(),
        created_at: row.time("created_at")?,
        created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
        changed_at: row.time("changed_at")?,
        changed_by: codec::principal(row, "changed_by_kind", "changed_by_id")?,
        version: row.u64("version")?,
    })
}

fn attachment_from(row: &Row) -> StoreResult<KbAttachment> {
    Ok(KbAttachment {
        id: KbAttachmentId(row.u64("id")?),
        filename: row.text("filename")?,
        content_type: row.text("content_type")?,
        size: row.u64("size")?,
        inline: row.boolean("inline")?,
    })
}

fn check_article(article: &KbArticle) -> StoreResult<()> {
    check::required("title", &article.title, 200)?;
    check::text("keywords", &article.keywords, 400)?;
    check::required("language", &article.language, 35)?;
    for (field, value) in [
        ("symptom", &article.symptom),
        ("problem", &article.problem),
        ("solution", &article.solution),
        ("comment", &article.comment),
    ] {
        check::text(field, value, 200_000)?;
    }
    Ok(())
}

fn check_file(tx: &SqlTx, file: &NewAttachment) -> StoreResult<()> {
    check::required("filename", &file.filename, 255)?;
    check::required("content_type", &file.content_type, 255)?;
    if file.content.len() as u64 > tx.limits.max_attachment_bytes {
        return Err(StoreError::Invalid {
            field: "attachment",
            message: format!(
                "{:?} is larger than {} bytes",
                file.filename, tx.limits.max_attachment_bytes
            ),
        });
    }
    Ok(())
}

async fn insert_file(
    tx: &mut SqlTx,
    article: KbArticleId,
    file: &NewAttachment,
) -> StoreResult<KbAttachment> {
    check_file(tx, file)?;
    let row = tx
        .one(
            Stmt::new(
                "INSERT INTO kb_attachments (article_id, filename, content_type, size, inline, content) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(int("article", article.0)?)
            .bind(file.filename.as_str())
            .bind(file.content_type.as_str())
            .bind(file.content.len() as i64)
            .bind(file.inline)
            .bind(file.content.to_vec()),
        )
        .await?;
    Ok(KbAttachment {
        id: KbAttachmentId(row.u64("id")?),
        filename: file.filename.clone(),
        content_type: file.content_type.clone(),
        size: file.content.len() as u64,
        inline: file.inline,
    })
}

async fn article_exists(tx: &mut SqlTx, id: KbArticleId) -> StoreResult<bool> {
    tx.exists(Stmt::new("SELECT 1 FROM kb_articles WHERE id = $1").bind(int("article", id.0)?))
        .await
}

async fn category_exists(tx: &mut SqlTx, id: KbCategoryId) -> StoreResult<bool> {
    tx.exists(Stmt::new("SELECT 1 FROM kb_categories WHERE id = $1").bind(int("category", id.0)?))
        .await
}

#[instrument(skip_all)]
pub(super) async fn insert_kb_article(
    tx: &mut SqlTx,
    article: &KbArticle,
    files: &[NewAttachment],
) -> StoreResult<KbArticle> {
    tx.writable()?;
    check_article(article)?;
    for file in files {
        check_file(tx, file)?;
    }
    if !category_exists(tx, article.category_id).await? {
        return Err(StoreError::not_found("kb category", article.category_id));
    }
    let row = tx
        .one(
            Stmt::new(
                "INSERT INTO kb_articles (category_id, title, keywords, language, state, validity, \
                 approved, content_type, symptom, problem, solution, comment, created_at, \
                 created_by_kind, created_by_id, changed_at, changed_by_kind, changed_by_id, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, 1) \
                 RETURNING id",
            )
            .bind(int("category", article.category_id.0)?)
            .bind(article.title.as_str())
            .bind(article.keywords.as_str())
            .bind(article.language.as_str())
            .bind(article.state.name())
            .bind(article.validity.name())
            .bind(article.approved)
            .bind(article.content_type.mime())
            .bind(article.symptom.as_str())
            .bind(article.problem.as_str())
            .bind(article.solution.as_str())
            .bind(article.comment.as_str())
            .bind(article.created_at)
            .bind(codec::principal_kind(article.created_by))
            .bind(codec::principal_id(article.created_by))
            .bind(article.changed_at)
            .bind(codec::principal_kind(article.changed_by))
            .bind(codec::principal_id(article.changed_by)),
        )
        .await?;
    let id = KbArticleId(row.u64("id")?);
    let mut attachments = Vec::with_capacity(files.len());
    for file in files {
        attachments.push(insert_file(tx, id, file).await?);
    }
    Ok(KbArticle {
        id,
        attachments,
        created_at: stored_time(article.created_at),
        changed_at: stored_time(article.changed_at),
        version: 1,
        ..article.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn update_kb_article(
    tx: &mut SqlTx,
    article: &KbArticle,
) -> StoreResult<KbArticle> {
    tx.writable()?;
    check_article(article)?;
    let Some(stored) = kb_article(tx, article.id).await? else {
        return Err(StoreError::not_found("kb article", article.id));
    };
    if stored.version != article.version {
        return Err(conflict(
            "kb article",
            article.id,
            stored.version,
            article.version,
        ));
    }
    if !category_exists(tx, article.category_id).await? {
        return Err(StoreError::not_found("kb category", article.category_id));
    }
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE kb_articles SET category_id = $3, title = $4, keywords = $5, language = $6, \
                 state = $7, validity = $8, approved = $9, content_type = $10, symptom = $11, \
                 problem = $12, solution = $13, comment = $14, changed_at = $15, \
                 changed_by_kind = $16, changed_by_id = $17, version = version + 1 \
                 WHERE id = $1 AND version = $2",
            )
            .bind(int("id", article.id.0)?)
            .bind(int("version", article.version)?)
            .bind(int("category", article.category_id.0)?)
            .bind(article.title.as_str())
            .bind(article.keywords.as_str())
            .bind(article.language.as_str())
            .bind(article.state.name())
            .bind(article.validity.name())
            .bind(article.approved)
            .bind(article.content_type.mime())
            .bind(article.symptom.as_str())
            .bind(article.problem.as_str())
            .bind(article.solution.as_str())
            .bind(article.comment.as_str())
            .bind(article.changed_at)
            .bind(codec::principal_kind(article.changed_by))
            .bind(codec::principal_id(article.changed_by)),
        )
        .await?;
    if updated == 0 {
        return Err(conflict(
            "kb article",
            article.id,
            stored.version,
            article.version,
        ));
    }
    Ok(KbArticle {
        attachments: stored.attachments,
        changed_at: stored_time(article.changed_at),
        version: article.version + 1,
        ..article.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn delete_kb_article(tx: &mut SqlTx, id: KbArticleId) -> StoreResult<()> {
    tx.writable()?;
    let key = int("id", id.0)?;
    if !article_exists(tx, id).await? {
        return Err(StoreError::not_found("kb article", id));
    }
    for sql in [
        "DELETE FROM kb_attachments WHERE article_id = $1",
        "DELETE FROM kb_votes WHERE article_id = $1",
        "DELETE FROM kb_history WHERE article_id = $1",
        "DELETE FROM kb_articles WHERE id = $1",
    ] {
        tx.exec(Stmt::new(sql).bind(key)).await?;
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn kb_article(tx: &mut SqlTx, id: KbArticleId) -> StoreResult<Option<KbArticle>> {
    let filter = ArticleRows::One(id);
    Ok(load_articles(tx, &filter).await?.pop())
}

#[instrument(skip_all)]
pub(super) async fn kb_articles(
    tx: &mut SqlTx,
    filter: &KbArticleFilter,
) -> StoreResult<Vec<KbArticle>> {
    if filter.category_ids.as_ref().is_some_and(|c| c.is_empty())
        || filter.states.as_ref().is_some_and(|s| s.is_empty())
    {
        return Ok(Vec::new());
    }
    load_articles(tx, &ArticleRows::Filter(filter)).await
}

/// Which article rows a load reads.
enum ArticleRows<'a> {
    One(KbArticleId),
    Filter(&'a KbArticleFilter),
}

impl ArticleRows<'_> {
    /// Appends the `WHERE` clause over `kb_articles a`.
    fn push_where(&self, sql: &mut Builder) -> StoreResult<()> {
        sql.push(" WHERE 1 = 1");
        match self {
            ArticleRows::One(id) => {
                sql.push(" AND a.id = ").push_bind(int("id", id.0)?);
            }
            ArticleRows::Filter(filter) => {
                if let Some(categories) = &filter.category_ids {
                    let ids = categories
                        .iter()
                        .map(|c| int("category", c.0))
                        .collect::<StoreResult<Vec<_>>>()?;
                    sql.push(" AND a.category_id IN ").push_list(ids);
                }
                if let Some(states) = &filter.states {
                    sql.push(" AND a.state IN ")
                        .push_list(states.iter().map(|s| s.name()));
                }
                if filter.valid_only {
                    sql.push(" AND a.validity = 'valid'");
                }
                if filter.approved_only {
                    sql.push(" AND a.approved = ").push_bind(true);
                }
            }
        }
        Ok(())
    }
}

async fn load_articles(tx: &mut SqlTx, rows: &ArticleRows<'_>) -> StoreResult<Vec<KbArticle>> {
    let mut sql = Builder::new(concat!(
        "SELECT ",
        article_columns!(),
        " FROM kb_articles a"
    ));
    rows.push_where(&mut sql)?;
    sql.push(" ORDER BY a.id");
    let mut articles: BTreeMap<KbArticleId, KbArticle> = tx
        .all(sql.build())
        .await?
        .iter()
        .map(|r| article_from(r).map(|a| (a.id, a)))
        .collect::<StoreResult<_>>()?;
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    let mut files = Builder::new(
        "SELECT f.id, f.article_id, f.filename, f.content_type, f.size, f.inline \
         FROM kb_attachments f JOIN kb_articles a ON a.id = f.article_id",
    );
    rows.push_where(&mut files)?;
    files.push(" ORDER BY f.id");
    for row in tx.all(files.build()).await? {
        let article = KbArticleId(row.u64("article_id")?);
        if let Some(a) = articles.get_mut(&article) {
            a.attachments.push(attachment_from(&row)?);
        }
    }
    Ok(articles.into_values().collect())
}

// --- files, votes, history -------------------------------------------------------------------

#[instrument(skip_all)]
pub(super) async fn insert_kb_attachment(
    tx: &mut SqlTx,
    article: KbArticleId,
    file: &NewAttachment,
) -> StoreResult<KbAttachment> {
    tx.writable()?;
    if !article_exists(tx, article).await? {
        return Err(StoreError::not_found("kb article", article));
    }
    insert_file(tx, article, file).await
}

#[instrument(skip_all)]
pub(super) async fn delete_kb_attachment(
    tx: &mut SqlTx,
    article: KbArticleId,
    attachment: KbAttachmentId,
) -> StoreResult<()> {
    tx.writable()?;
    if !article_exists(tx, article).await? {
        return Err(StoreError::not_found("kb article", article));
    }
    let deleted = tx
        .exec(
            Stmt::new("DELETE FROM kb_attachments WHERE id = $1 AND article_id = $2")
                .bind(int("attachment", attachment.0)?)
                .bind(int("article", article.0)?),
        )
        .await?;
    if deleted == 0 {
        return Err(StoreError::not_found("kb attachment", attachment));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn kb_attachment(
    tx: &mut SqlTx,
    article: KbArticleId,
    attachment: KbAttachmentId,
) -> StoreResult<Option<(KbAttachment, Arc<[u8]>)>> {
    let row = tx
        .opt(
            Stmt::new(
                "SELECT id, filename, content_type, size, inline, content FROM kb_attachments \
                 WHERE id = $1 AND article_id = $2",
            )
            .bind(int("attachment", attachment.0)?)
            .bind(int("article", article.0)?),
        )
        .await?;
    row.map(|row| Ok((attachment_from(&row)?, Arc::from(row.bytes("content")?))))
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn upsert_kb_vote(tx: &mut SqlTx, vote: &KbVote) -> StoreResult<()> {
    tx.writable()?;
    let article = int("article", vote.article_id.0)?;
    if !article_exists(tx, vote.article_id).await? {
        return Err(StoreError::not_found("kb article", vote.article_id));
    }
    tx.exec(
        Stmt::new(
            "INSERT INTO kb_votes (article_id, voter_kind, voter_id, helpful, voted_at) \
             VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (article_id, voter_kind, voter_id) \
             DO UPDATE SET helpful = excluded.helpful, voted_at = excluded.voted_at",
        )
        .bind(article)
        .bind(codec::principal_kind(vote.voter))
        .bind(codec::principal_id(vote.voter))
        .bind(vote.helpful)
        .bind(vote.at),
    )
    .await?;
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn kb_votes(tx: &mut SqlTx, article: KbArticleId) -> StoreResult<Vec<KbVote>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT voter_kind, voter_id, helpful, voted_at FROM kb_votes WHERE article_id = $1 \
                 ORDER BY voted_at, voter_kind, voter_id",
            )
            .bind(int("article", article.0)?),
        )
        .await?;
    let mut votes = rows
        .iter()
        .map(|row| {
            Ok(KbVote {
                article_id: article,
                voter: codec::principal(row, "voter_kind", "voter_id")?,
                helpful: row.boolean("helpful")?,
                at: row.time("voted_at")?,
            })
        })
        .collect::<StoreResult<Vec<_>>>()?;
    // The port orders ties by voter as the model orders principals (agents before customers).
    votes.sort_by_key(|v| (v.at, v.voter));
    Ok(votes)
}

#[instrument(skip_all)]
pub(super) async fn append_kb_history(
    tx: &mut SqlTx,
    entry: &KbHistoryEntry,
) -> StoreResult<KbHistoryEntry> {
    tx.writable()?;
    check::text("details", &entry.detail, 10_000)?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO kb_history (article_id, action, details, created_at, created_by_kind, \
                 created_by_id) SELECT $1, $2, $3, $4, $5, $6 \
                 WHERE EXISTS (SELECT 1 FROM kb_articles WHERE id = $1) RETURNING id",
            )
            .bind(int("article", entry.article_id.0)?)
            .bind(entry.action.name())
            .bind(entry.detail.as_str())
            .bind(entry.at)
            .bind(codec::principal_kind(entry.by))
            .bind(codec::principal_id(entry.by)),
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::not_found("kb article", entry.article_id));
    };
    Ok(KbHistoryEntry {
        id: KbHistoryId(row.u64("id")?),
        at: stored_time(entry.at),
        ..entry.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn kb_history(
    tx: &mut SqlTx,
    article: KbArticleId,
) -> StoreResult<Vec<KbHistoryEntry>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT id, action, details, created_at, created_by_kind, created_by_id \
                 FROM kb_history WHERE article_id = $1 ORDER BY created_at, id",
            )
            .bind(int("article", article.0)?),
        )
        .await?;
    rows.iter()
        .map(|row| {
            let action = row.text("action")?;
            Ok(KbHistoryEntry {
                id: KbHistoryId(row.u64("id")?),
                article_id: article,
                action: KbAction::from_name(&action).ok_or_else(|| bad_value("action", &action))?,
                detail: row.text("details")?,
                by: codec::principal(row, "created_by_kind", "created_by_id")?,
                at: row.time("created_at")?,
            })
        })
        .collect()
}
