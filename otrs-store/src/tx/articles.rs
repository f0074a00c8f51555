//! Articles with their attachments, merges of ticket content, time accounting, seen flags and
//! history.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use otrs_core::ids::{AgentId, ArticleId, AttachmentId, HistoryId, QueueId, StateId, TicketId};
use otrs_core::model::{
    Article, AttachmentContent, AttachmentMeta, HistoryEntry, NewArticle, NewHistoryEntry,
    TimeAccountingEntry, TimeUnits,
};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::check;
use crate::codec;
use crate::sql::{Builder, Row, Stmt, int, stored_time};

/// Attachments are inserted in statements of at most this many bytes.
const ATTACHMENT_BATCH_BYTES: usize = 8 * 1024 * 1024;
/// History rows are inserted in statements of at most this many rows.
const HISTORY_BATCH_ROWS: usize = 200;

macro_rules! article_columns {
    () => {
        "r.id, r.ticket_id, r.channel, r.sender_type, r.visible_for_customer, r.important, \
         r.from_address, r.to_address, r.cc_address, r.bcc_address, r.subject, r.body, \
         r.content_type, r.message_id, r.in_reply_to, r.reference_ids, r.time_units, r.created_at, \
         r.created_by_kind, r.created_by_id, r.version"
    };
}

macro_rules! attachment_meta_columns {
    () => {
        "a.id, a.article_id, a.filename, a.content_type, a.size, a.content_id, a.inline"
    };
}

fn article_from(row: &Row) -> StoreResult<Article> {
    Ok(Article {
        id: ArticleId(row.u64("id")?),
        ticket_id: TicketId(row.u64("ticket_id")?),
        channel: codec::channel(row, "channel")?,
        sender_type: codec::sender_type(row, "sender_type")?,
        visible_for_customer: row.boolean("visible_for_customer")?,
        important: row.boolean("important")?,
        from: row.text("from_address")?,
        to: row.text("to_address")?,
        cc: row.text("cc_address")?,
        bcc: row.text("bcc_address")?,
        subject: row.text("subject")?,
        body: row.text("body")?,
        content_type: row.text("content_type")?,
        message_id: row.opt_text("message_id")?,
        in_reply_to: row.opt_text("in_reply_to")?,
        references: row.opt_text("reference_ids")?,
        attachments: Vec::new(),
        time_units: TimeUnits::from_hundredths(row.int("time_units")?),
        created_at: row.time("created_at")?,
        created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
        version: row.u64("version")?,
    })
}

fn meta_from(row: &Row) -> StoreResult<(ArticleId, AttachmentMeta)> {
    Ok((
        ArticleId(row.u64("article_id")?),
        AttachmentMeta {
            id: AttachmentId(row.u64("id")?),
            filename: row.text("filename")?,
            content_type: row.text("content_type")?,
            size: row.u64("size")?,
            content_id: row.opt_text("content_id")?,
            inline: row.boolean("inline")?,
        },
    ))
}

/// Fills in the attachments of loaded articles from `(article, meta)` rows in id order.
fn attach(articles: &mut [Article], metas: Vec<(ArticleId, AttachmentMeta)>) {
    for (article_id, meta) in metas {
        if let Some(article) = articles.iter_mut().find(|a| a.id == article_id) {
            article.attachments.push(meta);
        }
    }
}

fn check_article_text(
    tx: &SqlTx,
    subject: &str,
    body: &str,
    addresses: [(&'static str, &str); 4],
    content_type: &str,
    headers: [(&'static str, Option<&str>); 3],
) -> StoreResult<()> {
    check::text("subject", subject, 3800)?;
    check::body("body", body, tx.limits.max_body_bytes)?;
    for (field, value) in addresses {
        check::text(field, value, 3800)?;
    }
    check::text("content_type", content_type, 250)?;
    for (field, value) in headers {
        check::opt_text(field, value, 3800)?;
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn insert_article(tx: &mut SqlTx, article: &NewArticle) -> StoreResult<Article> {
    tx.writable()?;
    check_article_text(
        tx,
        &article.subject,
        &article.body,
        [
            ("from", &article.from),
            ("to", &article.to),
            ("cc", &article.cc),
            ("bcc", &article.bcc),
        ],
        &article.content_type,
        [
            ("message_id", article.message_id.as_deref()),
            ("in_reply_to", article.in_reply_to.as_deref()),
            ("references", article.references.as_deref()),
        ],
    )?;
    for attachment in &article.attachments {
        check::required("filename", &attachment.filename, 255)?;
        check::required("content_type", &attachment.content_type, 255)?;
        check::opt_text("content_id", attachment.content_id.as_deref(), 1000)?;
        let size = attachment.content.len() as u64;
        if size > tx.limits.max_attachment_bytes {
            return Err(StoreError::Invalid {
                field: "attachment",
                message: format!(
                    "{:?} has {size} bytes; the limit is {} bytes",
                    attachment.filename, tx.limits.max_attachment_bytes
                ),
            });
        }
    }
    let ticket_id = int("ticket_id", article.ticket_id.0)?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO articles (ticket_id, channel, sender_type, visible_for_customer, important, \
                 from_address, to_address, cc_address, bcc_address, subject, body, content_type, \
                 message_id, in_reply_to, reference_ids, time_units, created_at, created_by_kind, \
                 created_by_id, version) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, 1 \
                 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = $1) RETURNING id",
            )
            .bind(ticket_id)
            .bind(article.channel.name())
            .bind(article.sender_type.name())
            .bind(article.visible_for_customer)
            .bind(article.important)
            .bind(article.from.as_str())
            .bind(article.to.as_str())
            .bind(article.cc.as_str())
            .bind(article.bcc.as_str())
            .bind(article.subject.as_str())
            .bind(article.body.as_str())
            .bind(article.content_type.as_str())
            .bind(article.message_id.as_deref())
            .bind(article.in_reply_to.as_deref())
            .bind(article.references.as_deref())
            .bind(article.time_units.hundredths())
            .bind(article.created_at)
            .bind(codec::principal_kind(article.created_by))
            .bind(codec::principal_id(article.created_by)),
        )
        .await?
        .ok_or_else(|| StoreError::not_found("ticket", article.ticket_id))?;
    let article_id = row.int("id")?;
    let mut attachment_ids: Vec<u64> = Vec::with_capacity(article.attachments.len());
    let mut pending = article.attachments.iter().peekable();
    while pending.peek().is_some() {
        let mut b = Builder::new(
            "INSERT INTO attachments (article_id, filename, content_type, size, content_id, inline, content) VALUES ",
        );
        let mut bytes = 0usize;
        let mut rows = 0usize;
        while let Some(attachment) = pending.peek() {
            if rows > 0 && bytes + attachment.content.len() > ATTACHMENT_BATCH_BYTES {
                break;
            }
            bytes += attachment.content.len();
            if rows > 0 {
                b.push(", ");
            }
            b.push("(")
                .push_bind(article_id)
                .push(", ")
                .push_bind(attachment.filename.as_str())
                .push(", ")
                .push_bind(attachment.content_type.as_str())
                .push(", ")
                .push_bind(attachment.content.len() as i64)
                .push(", ")
                .push_bind(attachment.content_id.as_deref())
                .push(", ")
                .push_bind(attachment.inline)
                .push(", ")
                .push_bind(attachment.content.to_vec())
                .push(")");
            rows += 1;
            pending.next();
        }
        b.push(" RETURNING id");
        let mut ids = tx
            .all(b.build())
            .await?
            .iter()
            .map(|r| r.u64("id"))
            .collect::<StoreResult<Vec<u64>>>()?;
        // Ids are assigned in row order; RETURNING need not report them in that order.
        ids.sort_unstable();
        attachment_ids.extend(ids);
    }
    let attachments = article
        .attachments
        .iter()
        .zip(attachment_ids)
        .map(|(new, id)| AttachmentMeta {
            id: AttachmentId(id),
            filename: new.filename.clone(),
            content_type: new.content_type.clone(),
            size: new.content.len() as u64,
            content_id: new.content_id.clone(),
            inline: new.inline,
        })
        .collect();
    Ok(Article {
        id: ArticleId(row.u64("id")?),
        ticket_id: article.ticket_id,
        channel: article.channel,
        sender_type: article.sender_type,
        visible_for_customer: article.visible_for_customer,
        important: article.important,
        from: article.from.clone(),
        to: article.to.clone(),
        cc: article.cc.clone(),
        bcc: article.bcc.clone(),
        subject: article.subject.clone(),
        body: article.body.clone(),
        content_type: article.content_type.clone(),
        message_id: article.message_id.clone(),
        in_reply_to: article.in_reply_to.clone(),
        references: article.references.clone(),
        attachments,
        time_units: article.time_units,
        created_at: stored_time(article.created_at),
        created_by: article.created_by,
        version: 1,
    })
}

#[instrument(skip_all)]
pub(super) async fn update_article(tx: &mut SqlTx, article: &Article) -> StoreResult<Article> {
    tx.writable()?;
    check_article_text(
        tx,
        &article.subject,
        &article.body,
        [
            ("from", &article.from),
            ("to", &article.to),
            ("cc", &article.cc),
            ("bcc", &article.bcc),
        ],
        &article.content_type,
        [
            ("message_id", article.message_id.as_deref()),
            ("in_reply_to", article.in_reply_to.as_deref()),
            ("references", article.references.as_deref()),
        ],
    )?;
    let id = int("id", article.id.0)?;
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE articles SET channel = $3, sender_type = $4, visible_for_customer = $5, \
                 important = $6, from_address = $7, to_address = $8, cc_address = $9, \
                 bcc_address = $10, subject = $11, body = $12, content_type = $13, message_id = $14, \
                 in_reply_to = $15, reference_ids = $16, time_units = $17, created_at = $18, \
                 created_by_kind = $19, created_by_id = $20, version = version + 1 \
                 WHERE id = $1 AND version = $2 AND ticket_id = $21",
            )
            .bind(id)
            .bind(int("version", article.version)?)
            .bind(article.channel.name())
            .bind(article.sender_type.name())
            .bind(article.visible_for_customer)
            .bind(article.important)
            .bind(article.from.as_str())
            .bind(article.to.as_str())
            .bind(article.cc.as_str())
            .bind(article.bcc.as_str())
            .bind(article.subject.as_str())
            .bind(article.body.as_str())
            .bind(article.content_type.as_str())
            .bind(article.message_id.as_deref())
            .bind(article.in_reply_to.as_deref())
            .bind(article.references.as_deref())
            .bind(article.time_units.hundredths())
            .bind(article.created_at)
            .bind(codec::principal_kind(article.created_by))
            .bind(codec::principal_id(article.created_by))
            .bind(int("ticket_id", article.ticket_id.0)?),
        )
        .await?;
    if updated == 0 {
        let row = tx
            .opt(Stmt::new("SELECT version, ticket_id FROM articles WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("article", article.id))?;
        let stored = row.u64("version")?;
        if stored != article.version {
            return Err(conflict("article", article.id, stored, article.version));
        }
        return Err(StoreError::Invalid {
            field: "ticket_id",
            message: "articles move between tickets only by a merge".into(),
        });
    }
    Ok(Article {
        created_at: stored_time(article.created_at),
        version: article.version + 1,
        ..article.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn article(tx: &mut SqlTx, id: ArticleId) -> StoreResult<Option<Article>> {
    let id = int("id", id.0)?;
    let Some(row) = tx
        .opt(
            Stmt::new(concat!(
                "SELECT ",
                article_columns!(),
                " FROM articles r WHERE r.id = $1"
            ))
            .bind(id),
        )
        .await?
    else {
        return Ok(None);
    };
    let mut articles = vec![article_from(&row)?];
    let metas = tx
        .all(
            Stmt::new(concat!(
                "SELECT ",
                attachment_meta_columns!(),
                " FROM attachments a WHERE a.article_id = $1 ORDER BY a.id"
            ))
            .bind(id),
        )
        .await?
        .iter()
        .map(meta_from)
        .collect::<StoreResult<_>>()?;
    attach(&mut articles, metas);
    Ok(articles.pop())
}

#[instrument(skip_all)]
pub(super) async fn articles(tx: &mut SqlTx, ticket: TicketId) -> StoreResult<Vec<Article>> {
    let ticket = int("ticket", ticket.0)?;
    let mut articles = tx
        .all(
            Stmt::new(concat!(
                "SELECT ",
                article_columns!(),
                " FROM articles r WHERE r.ticket_id = $1 ORDER BY r.created_at, r.id"
            ))
            .bind(ticket),
        )
        .await?
        .iter()
        .map(article_from)
        .collect::<StoreResult<Vec<_>>>()?;
    if articles.is_empty() {
        return Ok(articles);
    }
    let metas = tx
        .all(
            Stmt::new(concat!(
                "SELECT ",
                attachment_meta_columns!(),
                " FROM attachments a JOIN articles r ON r.id = a.article_id \
                 WHERE r.ticket_id = $1 ORDER BY a.id"
            ))
            .bind(ticket),
        )
        .await?
        .iter()
        .map(meta_from)
        .collect::<StoreResult<_>>()?;
    attach(&mut articles, metas);
    Ok(articles)
}

#[instrument(skip_all)]
pub(super) async fn insert_article_source(
    tx: &mut SqlTx,
    article: ArticleId,
    source: &[u8],
) -> StoreResult<()> {
    tx.writable()?;
    check::source("source", source, tx.limits.max_source_bytes)?;
    let id = int("article_id", article.0)?;
    let inserted = tx
        .exec(
            Stmt::new(
                "INSERT INTO article_sources (article_id, source) SELECT $1, $2 \
                 WHERE EXISTS (SELECT 1 FROM articles WHERE id = $1) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(source.to_vec()),
        )
        .await?;
    if inserted == 1 {
        return Ok(());
    }
    let exists = tx
        .opt(Stmt::new("SELECT 1 AS found FROM articles WHERE id = $1").bind(id))
        .await?
        .is_some();
    Err(if exists {
        StoreError::Duplicate {
            what: "article source",
            value: article.to_string(),
        }
    } else {
        StoreError::not_found("article", article)
    })
}

#[instrument(skip_all)]
pub(super) async fn article_source(
    tx: &mut SqlTx,
    article: ArticleId,
) -> StoreResult<Option<Arc<[u8]>>> {
    let row = tx
        .opt(
            Stmt::new("SELECT source FROM article_sources WHERE article_id = $1")
                .bind(int("article_id", article.0)?),
        )
        .await?;
    row.map(|r| r.bytes("source").map(Into::into)).transpose()
}

#[instrument(skip_all)]
pub(super) async fn attachment(
    tx: &mut SqlTx,
    id: AttachmentId,
) -> StoreResult<Option<AttachmentContent>> {
    let Some(row) = tx
        .opt(
            Stmt::new(concat!(
                "SELECT ",
                attachment_meta_columns!(),
                ", a.content FROM attachments a WHERE a.id = $1"
            ))
            .bind(int("id", id.0)?),
        )
        .await?
    else {
        return Ok(None);
    };
    let (article_id, meta) = meta_from(&row)?;
    Ok(Some(AttachmentContent {
        meta,
        article_id,
        content: Arc::from(row.bytes("content")?),
    }))
}

#[instrument(skip_all)]
pub(super) async fn move_ticket_content(
    tx: &mut SqlTx,
    from: TicketId,
    to: TicketId,
) -> StoreResult<u64> {
    tx.writable()?;
    let (from_id, to_id) = (int("from", from.0)?, int("to", to.0)?);
    for (id, raw) in [(from, from_id), (to, to_id)] {
        let exists = tx
            .exists(Stmt::new("SELECT 1 FROM tickets WHERE id = $1").bind(raw))
            .await?;
        if !exists {
            return Err(StoreError::not_found("ticket", id));
        }
    }
    // History rows tied to a moved article go with it; the rest stays.
    tx.exec(
        Stmt::new(
            "UPDATE history SET ticket_id = $2 WHERE ticket_id = $1 \
             AND article_id IN (SELECT id FROM articles WHERE ticket_id = $1)",
        )
        .bind(from_id)
        .bind(to_id),
    )
    .await?;
    let moved = tx
        .exec(
            Stmt::new("UPDATE articles SET ticket_id = $2 WHERE ticket_id = $1")
                .bind(from_id)
                .bind(to_id),
        )
        .await?;
    tx.exec(
        Stmt::new("UPDATE time_accounting SET ticket_id = $2 WHERE ticket_id = $1")
            .bind(from_id)
            .bind(to_id),
    )
    .await?;
    Ok(moved)
}

#[instrument(skip_all)]
pub(super) async fn insert_time_accounting(
    tx: &mut SqlTx,
    entry: &TimeAccountingEntry,
) -> StoreResult<()> {
    tx.writable()?;
    let inserted = tx
        .exec(
            Stmt::new(
                "INSERT INTO time_accounting (ticket_id, article_id, units, created_at, \
                 created_by_kind, created_by_id) SELECT $1, $2, $3, $4, $5, $6 \
                 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = $1)",
            )
            .bind(int("ticket_id", entry.ticket_id.0)?)
            .bind(
                entry
                    .article_id
                    .map(|a| int("article_id", a.0))
                    .transpose()?,
            )
            .bind(entry.units.hundredths())
            .bind(entry.created_at)
            .bind(codec::principal_kind(entry.created_by))
            .bind(codec::principal_id(entry.created_by)),
        )
        .await?;
    if inserted == 0 {
        return Err(StoreError::not_found("ticket", entry.ticket_id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn time_accounting(
    tx: &mut SqlTx,
    ticket: TicketId,
) -> StoreResult<Vec<TimeAccountingEntry>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT ticket_id, article_id, units, created_at, created_by_kind, created_by_id \
                 FROM time_accounting WHERE ticket_id = $1 ORDER BY created_at, id",
            )
            .bind(int("ticket", ticket.0)?),
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(TimeAccountingEntry {
                ticket_id: TicketId(row.u64("ticket_id")?),
                article_id: row.opt_u64("article_id")?.map(ArticleId),
                units: TimeUnits::from_hundredths(row.int("units")?),
                created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
                created_at: row.time("created_at")?,
            })
        })
        .collect()
}

#[instrument(skip_all)]
pub(super) async fn mark_seen(
    tx: &mut SqlTx,
    agent: AgentId,
    articles: &[ArticleId],
    at: DateTime<Utc>,
) -> StoreResult<()> {
    tx.writable()?;
    if articles.is_empty() {
        return Ok(());
    }
    // Seen flags keep the first time; the no-op update makes every existing article report back.
    let mut b = Builder::new("INSERT INTO article_seen (agent_id, article_id, seen_at) SELECT ");
    b.push_bind(int("agent", agent.0)?)
        .push(", a.id, ")
        .push_bind(at)
        .push(" FROM articles a WHERE a.id IN ")
        .push_list(
            articles
                .iter()
                .map(|a| int("article", a.0))
                .collect::<StoreResult<Vec<_>>>()?,
        )
        .push(
            " ON CONFLICT (agent_id, article_id) DO UPDATE SET seen_at = article_seen.seen_at \
             RETURNING article_id",
        );
    let found: HashSet<u64> = tx
        .all(b.build())
        .await?
        .iter()
        .map(|r| r.u64("article_id"))
        .collect::<StoreResult<_>>()?;
    match articles.iter().find(|a| !found.contains(&a.0)) {
        Some(missing) => Err(StoreError::not_found("article", missing)),
        None => Ok(()),
    }
}

#[instrument(skip_all)]
pub(super) async fn seen_articles(
    tx: &mut SqlTx,
    agent: AgentId,
    ticket: TicketId,
) -> StoreResult<Vec<ArticleId>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT s.article_id FROM article_seen s JOIN articles a ON a.id = s.article_id \
                 WHERE s.agent_id = $1 AND a.ticket_id = $2 ORDER BY s.article_id",
            )
            .bind(int("agent", agent.0)?)
            .bind(int("ticket", ticket.0)?),
        )
        .await?;
    rows.iter()
        .map(|r| Ok(ArticleId(r.u64("article_id")?)))
        .collect()
}

#[instrument(skip_all)]
pub(super) async fn unread_tickets(
    tx: &mut SqlTx,
    agent: AgentId,
    tickets: &[TicketId],
) -> StoreResult<Vec<TicketId>> {
    if tickets.is_empty() {
        return Ok(Vec::new());
    }
    let mut unread: HashSet<u64> = HashSet::new();
    for chunk in tickets.chunks(500) {
        let mut b = Builder::new(
            "SELECT DISTINCT a.ticket_id FROM articles a WHERE NOT EXISTS \
             (SELECT 1 FROM article_seen s WHERE s.article_id = a.id AND s.agent_id = ",
        );
        b.push_bind(int("agent", agent.0)?)
            .push(") AND a.ticket_id IN ")
            .push_list(
                chunk
                    .iter()
                    .map(|t| int("ticket", t.0))
                    .collect::<StoreResult<Vec<_>>>()?,
            );
        for row in tx.all(b.build()).await? {
            unread.insert(row.u64("ticket_id")?);
        }
    }
    Ok(tickets
        .iter()
        .copied()
        .filter(|t| unread.contains(&t.0))
        .collect())
}

fn check_history(entry: &NewHistoryEntry) -> StoreResult<String> {
    let params = codec::string_list(&entry.params);
    check::text("params", &params, 100_000)?;
    Ok(params)
}

#[instrument(skip_all)]
pub(super) async fn append_history(tx: &mut SqlTx, entries: &[NewHistoryEntry]) -> StoreResult<()> {
    tx.writable()?;
    for batch in entries.chunks(HISTORY_BATCH_ROWS) {
        // Rows of tickets that do not exist are left out and reported below.
        let mut b = Builder::new(
            "INSERT INTO history (ticket_id, article_id, history_type, params, created_at, \
             created_by_kind, created_by_id, queue_id, state_id, priority, owner_id) \
             SELECT v.column1, v.column2, v.column3, v.column4, v.column5, v.column6, v.column7, \
             v.column8, v.column9, v.column10, v.column11 FROM (VALUES ",
        );
        for (i, entry) in batch.iter().enumerate() {
            let params = check_history(entry)?;
            if i > 0 {
                b.push(", ");
            }
            b.push("(")
                .push_bind(int("ticket_id", entry.ticket_id.0)?)
                .push(", ")
                .push_bind(
                    entry
                        .article_id
                        .map(|a| int("article_id", a.0))
                        .transpose()?,
                )
                .push(", ")
                .push_bind(codec::history_type_id(entry.history_type))
                .push(", ")
                .push_bind(params)
                .push(", ")
                .push_bind(entry.created_at)
                .push(", ")
                .push_bind(codec::principal_kind(entry.created_by))
                .push(", ")
                .push_bind(codec::principal_id(entry.created_by))
                .push(", ")
                .push_bind(int("queue_id", entry.queue_id.0)?)
                .push(", ")
                .push_bind(int("state_id", entry.state_id.0)?)
                .push(", ")
                .push_bind(codec::priority_level(entry.priority))
                .push(", ")
                .push_bind(int("owner_id", entry.owner_id.0)?)
                .push(", ")
                .push_bind(i as i64)
                .push(")");
        }
        // Ids are assigned in the order of the entries (the ordinal in column12).
        b.push(
            ") AS v WHERE EXISTS (SELECT 1 FROM tickets t WHERE t.id = v.column1) ORDER BY v.column12",
        );
        let inserted = tx.exec(b.build()).await?;
        if inserted != batch.len() as u64 {
            for entry in batch {
                let exists = tx
                    .exists(
                        Stmt::new("SELECT 1 FROM tickets WHERE id = $1")
                            .bind(int("ticket_id", entry.ticket_id.0)?),
                    )
                    .await?;
                if !exists {
                    return Err(StoreError::not_found("ticket", entry.ticket_id));
                }
            }
        }
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn history(tx: &mut SqlTx, ticket: TicketId) -> StoreResult<Vec<HistoryEntry>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT id, ticket_id, article_id, history_type, params, created_at, created_by_kind, \
                 created_by_id, queue_id, state_id, priority, owner_id \
                 FROM history WHERE ticket_id = $1 ORDER BY created_at, id",
            )
            .bind(int("ticket", ticket.0)?),
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(HistoryEntry {
                id: HistoryId(row.u64("id")?),
                entry: NewHistoryEntry {
                    ticket_id: TicketId(row.u64("ticket_id")?),
                    article_id: row.opt_u64("article_id")?.map(ArticleId),
                    history_type: codec::history_type(row, "history_type")?,
                    params: codec::read_string_list("params", Some(&row.text("params")?))?,
                    created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
                    created_at: row.time("created_at")?,
                    queue_id: QueueId(row.u64("queue_id")?),
                    state_id: StateId(row.u64("state_id")?),
                    priority: codec::priority(row, "priority")?,
                    owner_id: AgentId(row.u64("owner_id")?),
                },
            })
        })
        .collect()
}
