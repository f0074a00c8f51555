//! Standard texts: text templates and signatures with their queues.

use otrs_core::ids::{QueueId, TextId};
use otrs_core::model::{StandardText, TextKind};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::codec;
use crate::sql::{Row, Stmt, bad_value, int, stored_time};

fn queue_list(queues: &[QueueId]) -> String {
    queues
        .iter()
        .map(|q| q.0.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn text_from(row: &Row) -> StoreResult<StandardText> {
    let kind = row.text("kind")?;
    let kind =
        TextKind::from_name(&kind).ok_or_else(|| bad_value("standard_texts.kind", kind.clone()))?;
    let queues = row
        .text("queue_ids")?
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<u64>()
                .map(QueueId)
                .map_err(|_| bad_value("standard_texts.queue_ids", s.to_owned()))
        })
        .collect::<StoreResult<Vec<_>>>()?;
    Ok(StandardText {
        id: TextId(row.u64("id")?),
        kind,
        name: row.text("name")?,
        text: row.text("text")?,
        content_type: row.text("content_type")?,
        validity: codec::validity(row, "validity")?,
        queues,
        created_at: row.time("created_at")?,
        version: row.u64("version")?,
    })
}

#[instrument(skip_all)]
pub(super) async fn standard_texts(
    tx: &mut SqlTx,
    kind: TextKind,
) -> StoreResult<Vec<StandardText>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT id, kind, name, text, content_type, validity, queue_ids, created_at, version \
                 FROM standard_texts \
                 WHERE kind = $1 ORDER BY name, id",
            )
            .bind(kind.name()),
        )
        .await?;
    rows.iter().map(text_from).collect()
}

#[instrument(skip_all)]
pub(super) async fn insert_standard_text(
    tx: &mut SqlTx,
    text: &StandardText,
) -> StoreResult<StandardText> {
    tx.writable()?;
    let queues = existing_queues(tx, &text.queues).await?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO standard_texts \
                 (kind, name, text, content_type, validity, queue_ids, created_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, 1) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(text.kind.name())
            .bind(text.name.as_str())
            .bind(text.text.as_str())
            .bind(text.content_type.as_str())
            .bind(text.validity.name())
            .bind(queue_list(&queues))
            .bind(text.created_at),
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::Duplicate {
            what: "standard text name",
            value: text.name.clone(),
        });
    };
    Ok(StandardText {
        id: TextId(row.u64("id")?),
        queues,
        created_at: stored_time(text.created_at),
        version: 1,
        ..text.clone()
    })
}

/// The queues ascending without repeats, or the error for the first that does not exist.
async fn existing_queues(tx: &mut SqlTx, queues: &[QueueId]) -> StoreResult<Vec<QueueId>> {
    let mut queues = queues.to_vec();
    queues.sort();
    queues.dedup();
    for q in &queues {
        let found = tx
            .opt(Stmt::new("SELECT id FROM queues WHERE id = $1").bind(int("queue", q.0)?))
            .await?;
        if found.is_none() {
            return Err(StoreError::not_found("queue", q));
        }
    }
    Ok(queues)
}

#[instrument(skip_all)]
pub(super) async fn update_standard_text(
    tx: &mut SqlTx,
    text: &StandardText,
) -> StoreResult<StandardText> {
    tx.writable()?;
    let id = int("id", text.id.0)?;
    let stored = tx
        .opt(Stmt::new("SELECT version FROM standard_texts WHERE id = $1").bind(id))
        .await?
        .ok_or_else(|| StoreError::not_found("standard text", text.id))?
        .u64("version")?;
    if stored != text.version {
        return Err(conflict("standard text", text.id, stored, text.version));
    }
    let queues = existing_queues(tx, &text.queues).await?;
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE standard_texts SET name = $3, text = $4, content_type = $5, validity = $6, \
                 queue_ids = $7, version = version + 1 \
                 WHERE id = $1 AND version = $2 AND NOT EXISTS (SELECT 1 FROM standard_texts other \
                 WHERE other.kind = $8 AND other.name = $3 AND other.id <> $1)",
            )
            .bind(id)
            .bind(int("version", text.version)?)
            .bind(text.name.as_str())
            .bind(text.text.as_str())
            .bind(text.content_type.as_str())
            .bind(text.validity.name())
            .bind(queue_list(&queues))
            .bind(text.kind.name()),
        )
        .await?;
    if updated == 0 {
        return Err(StoreError::Duplicate {
            what: "standard text name",
            value: text.name.clone(),
        });
    }
    Ok(StandardText {
        queues,
        version: text.version + 1,
        ..text.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn delete_standard_text(tx: &mut SqlTx, id: TextId) -> StoreResult<()> {
    tx.writable()?;
    let deleted = tx
        .exec(Stmt::new("DELETE FROM standard_texts WHERE id = $1").bind(int("id", id.0)?))
        .await?;
    if deleted == 0 {
        return Err(StoreError::not_found("standard text", id));
    }
    Ok(())
}
