//! The change feed and the outbox.
//!
//! Sequence numbers come from the one row of `feed_counter`, incremented in the appending
//! transaction. In PostgreSQL that row stays locked until the transaction ends, so a second
//! appender waits for the first to commit or roll back: sequence numbers are dense and become
//! visible in order, and a reader that has seen N never later finds a new entry below N. In
//! SQLite, writers are serialised anyway. PostgreSQL appends also queue a `NOTIFY` on the
//! configured channel with the sequence number; it is delivered when the transaction commits.

use otrs_core::ids::{ArticleId, MessageId, TicketId};
use otrs_core::model::{Change, MessageStatus, OutgoingAttachment, OutgoingMessage};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::SqlTx;
use crate::check;
use crate::codec;
use crate::sql::{Builder, Dialect, Row, Stmt, int, stored_time};

#[instrument(skip_all)]
pub(super) async fn append_change(tx: &mut SqlTx, change: &Change) -> StoreResult<u64> {
    tx.writable()?;
    let entity_id = int("entity_id", change.entity_id)?;
    match (tx.dialect(), tx.notify_channel.clone()) {
        (Dialect::Postgres, Some(channel)) => tx
            .one(
                Stmt::new(
                    "WITH next AS (UPDATE feed_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq), \
                     appended AS (INSERT INTO changes (seq, entity, entity_id, op, at) \
                       SELECT seq, $1, $2, $3, $4 FROM next RETURNING seq) \
                     SELECT seq, pg_notify($5, seq::text) AS notified FROM appended",
                )
                .bind(change.entity.name())
                .bind(entity_id)
                .bind(change.op.name())
                .bind(change.at)
                .bind(channel.as_ref()),
            )
            .await?
            .u64("seq"),
        (Dialect::Postgres, None) => tx
            .one(
                Stmt::new(
                    "WITH next AS (UPDATE feed_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq) \
                     INSERT INTO changes (seq, entity, entity_id, op, at) \
                     SELECT seq, $1, $2, $3, $4 FROM next RETURNING seq",
                )
                .bind(change.entity.name())
                .bind(entity_id)
                .bind(change.op.name())
                .bind(change.at),
            )
            .await?
            .u64("seq"),
        (Dialect::Sqlite, _) => {
            let seq = tx
                .one(Stmt::new(
                    "UPDATE feed_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq",
                ))
                .await?
                .int("seq")?;
            tx.exec(
                Stmt::new(
                    "INSERT INTO changes (seq, entity, entity_id, op, at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(seq)
                .bind(change.entity.name())
                .bind(entity_id)
                .bind(change.op.name())
                .bind(change.at),
            )
            .await?;
            u64::try_from(seq).map_err(|_| crate::sql::bad_value("feed_counter.seq", seq))
        }
    }
}

#[instrument(skip_all)]
pub(super) async fn changes_since(
    tx: &mut SqlTx,
    after: u64,
    limit: u32,
) -> StoreResult<Vec<Change>> {
    let after = i64::try_from(after).unwrap_or(i64::MAX);
    let rows = tx
        .all(
            Stmt::new(
                "SELECT seq, entity, entity_id, op, at FROM changes WHERE seq > $1 \
                 ORDER BY seq LIMIT $2",
            )
            .bind(after)
            .bind(i64::from(limit)),
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Change {
                seq: row.u64("seq")?,
                entity: codec::entity(row, "entity")?,
                entity_id: row.u64("entity_id")?,
                op: codec::change_op(row, "op")?,
                at: row.time("at")?,
            })
        })
        .collect()
}

macro_rules! message_select {
    () => {
        "SELECT id, ticket_id, article_id, from_address, to_address, cc_address, bcc_address, \
         subject, body, status, attempts, last_error, created_at, message_id, in_reply_to, \
         reference_ids, source FROM outbox "
    };
}

fn message_from(row: &Row) -> StoreResult<OutgoingMessage> {
    Ok(OutgoingMessage {
        id: MessageId(row.u64("id")?),
        ticket_id: row.opt_u64("ticket_id")?.map(TicketId),
        article_id: row.opt_u64("article_id")?.map(ArticleId),
        from: row.text("from_address")?,
        to: row.text("to_address")?,
        cc: row.text("cc_address")?,
        bcc: row.text("bcc_address")?,
        subject: row.text("subject")?,
        body: row.text("body")?,
        status: codec::message_status(row, "status")?,
        attempts: row.u32("attempts")?,
        last_error: row.opt_text("last_error")?,
        created_at: row.time("created_at")?,
        message_id: row.opt_text("message_id")?,
        in_reply_to: row.opt_text("in_reply_to")?,
        references: row.opt_text("reference_ids")?,
        attachments: Vec::new(),
        source: row.opt_bytes("source")?.map(Into::into),
    })
}

fn check_message(tx: &SqlTx, m: &OutgoingMessage) -> StoreResult<()> {
    for (field, value) in [
        ("from", &m.from),
        ("to", &m.to),
        ("cc", &m.cc),
        ("bcc", &m.bcc),
    ] {
        check::text(field, value, 3800)?;
    }
    check::text("subject", &m.subject, 4000)?;
    check::body("body", &m.body, tx.limits.max_body_bytes)?;
    check::opt_text("last_error", m.last_error.as_deref(), 4000)?;
    if let Some(message_id) = &m.message_id {
        check::required("message_id", message_id, 250)?;
    }
    check::opt_text("in_reply_to", m.in_reply_to.as_deref(), 3800)?;
    check::opt_text("references", m.references.as_deref(), 3800)?;
    // The sent source is not limited: it is recorded after the relay took the message, and a
    // refusal then would leave the message pending, to be sent again. Its parts were checked
    // when it was queued.
    for a in &m.attachments {
        check::required("attachments.filename", &a.filename, 250)?;
        check::required("attachments.content_type", &a.content_type, 250)?;
        if a.content.len() as u64 > tx.limits.max_attachment_bytes {
            return Err(StoreError::Invalid {
                field: "attachments.content",
                message: format!(
                    "has {} bytes; the limit is {} bytes",
                    a.content.len(),
                    tx.limits.max_attachment_bytes
                ),
            });
        }
    }
    Ok(())
}

/// Binds $1…$15 of an outbox row (everything but the id and the Message-ID).
fn bind_message(stmt: Stmt, m: &OutgoingMessage) -> StoreResult<Stmt> {
    Ok(stmt
        .bind(m.ticket_id.map(|t| int("ticket_id", t.0)).transpose()?)
        .bind(m.from.as_str())
        .bind(m.to.as_str())
        .bind(m.cc.as_str())
        .bind(m.bcc.as_str())
        .bind(m.subject.as_str())
        .bind(m.body.as_str())
        .bind(m.status.name())
        .bind(i64::from(m.attempts))
        .bind(m.last_error.as_deref())
        .bind(m.created_at)
        .bind(m.article_id.map(|a| int("article_id", a.0)).transpose()?)
        .bind(m.in_reply_to.as_deref())
        .bind(m.references.as_deref())
        .bind(m.source.as_ref().map(|s| s.to_vec())))
}

#[instrument(skip_all)]
pub(super) async fn enqueue_message(
    tx: &mut SqlTx,
    message: &OutgoingMessage,
) -> StoreResult<OutgoingMessage> {
    tx.writable()?;
    check_message(tx, message)?;
    let row = tx
        .opt(
            bind_message(
                Stmt::new(
                    "INSERT INTO outbox (ticket_id, from_address, to_address, cc_address, bcc_address, \
                     subject, body, status, attempts, last_error, created_at, article_id, \
                     in_reply_to, reference_ids, source, message_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                     ON CONFLICT DO NOTHING RETURNING id",
                ),
                message,
            )?
            .bind(message.message_id.as_deref()),
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::Duplicate {
            what: "message id",
            value: message.message_id.clone().unwrap_or_default(),
        });
    };
    let id = row.int("id")?;
    for (position, a) in message.attachments.iter().enumerate() {
        tx.exec(
            Stmt::new(
                "INSERT INTO outbox_attachments (outbox_id, position, filename, content_type, content) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(a.filename.as_str())
            .bind(a.content_type.as_str())
            .bind(a.content.to_vec()),
        )
        .await?;
    }
    Ok(OutgoingMessage {
        id: MessageId(u64::try_from(id).map_err(|_| crate::sql::bad_value("outbox.id", id))?),
        created_at: stored_time(message.created_at),
        ..message.clone()
    })
}

/// Reads the messages of `rows` with their attachments.
async fn messages_with_attachments(
    tx: &mut SqlTx,
    rows: &[Row],
) -> StoreResult<Vec<OutgoingMessage>> {
    let mut messages: Vec<OutgoingMessage> =
        rows.iter().map(message_from).collect::<StoreResult<_>>()?;
    if messages.is_empty() {
        return Ok(messages);
    }
    let ids = messages
        .iter()
        .map(|m| int("id", m.id.0))
        .collect::<StoreResult<Vec<i64>>>()?;
    let mut b = Builder::new(
        "SELECT outbox_id, filename, content_type, content FROM outbox_attachments WHERE outbox_id IN ",
    );
    b.push_list(ids).push(" ORDER BY outbox_id, position");
    for row in tx.all(b.build()).await? {
        let owner = MessageId(row.u64("outbox_id")?);
        if let Some(m) = messages.iter_mut().find(|m| m.id == owner) {
            m.attachments.push(OutgoingAttachment {
                filename: row.text("filename")?,
                content_type: row.text("content_type")?,
                content: row.bytes("content")?.into(),
            });
        }
    }
    Ok(messages)
}

#[instrument(skip_all)]
pub(super) async fn pending_messages(
    tx: &mut SqlTx,
    limit: u32,
) -> StoreResult<Vec<OutgoingMessage>> {
    let rows = tx
        .all(
            Stmt::new(concat!(
                message_select!(),
                "WHERE status = $1 ORDER BY id LIMIT $2"
            ))
            .bind(MessageStatus::Pending.name())
            .bind(i64::from(limit)),
        )
        .await?;
    messages_with_attachments(tx, &rows).await
}

#[instrument(skip_all)]
pub(super) async fn update_message(tx: &mut SqlTx, message: &OutgoingMessage) -> StoreResult<()> {
    tx.writable()?;
    check_message(tx, message)?;
    let updated = tx
        .exec(
            bind_message(
                Stmt::new(
                    "UPDATE outbox SET ticket_id = $1, from_address = $2, to_address = $3, \
                     cc_address = $4, bcc_address = $5, subject = $6, body = $7, status = $8, \
                     attempts = $9, last_error = $10, created_at = $11, article_id = $12, \
                     in_reply_to = $13, reference_ids = $14, source = $15 WHERE id = $16",
                ),
                message,
            )?
            .bind(int("id", message.id.0)?),
        )
        .await?;
    if updated == 0 {
        return Err(StoreError::not_found("message", message.id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn message(tx: &mut SqlTx, id: MessageId) -> StoreResult<Option<OutgoingMessage>> {
    let rows = tx
        .all(Stmt::new(concat!(message_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?;
    Ok(messages_with_attachments(tx, &rows).await?.pop())
}

#[instrument(skip_all)]
pub(super) async fn message_of_article(
    tx: &mut SqlTx,
    article: ArticleId,
) -> StoreResult<Option<OutgoingMessage>> {
    let rows = tx
        .all(
            Stmt::new(concat!(
                message_select!(),
                "WHERE article_id = $1 ORDER BY id LIMIT 1"
            ))
            .bind(int("article_id", article.0)?),
        )
        .await?;
    Ok(messages_with_attachments(tx, &rows).await?.pop())
}

#[instrument(skip_all)]
pub(super) async fn message_by_message_id(
    tx: &mut SqlTx,
    message_id: &str,
) -> StoreResult<Option<OutgoingMessage>> {
    let rows = tx
        .all(Stmt::new(concat!(message_select!(), "WHERE message_id = $1")).bind(message_id))
        .await?;
    Ok(messages_with_attachments(tx, &rows).await?.pop())
}
