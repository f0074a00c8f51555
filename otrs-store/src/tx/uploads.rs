//! Files kept for a form an agent is filling in.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use otrs_core::ids::{AgentId, FormUploadId};
use otrs_core::model::FormUpload;
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::SqlTx;
use crate::check;
use crate::sql::{Row, Stmt, int, stored_time};

fn upload_from(row: &Row) -> StoreResult<FormUpload> {
    Ok(FormUpload {
        id: FormUploadId(row.u64("id")?),
        form_key: row.text("form_key")?,
        agent_id: AgentId(row.u64("agent_id")?),
        filename: row.text("filename")?,
        content_type: row.text("content_type")?,
        content: Arc::from(row.bytes("content")?),
        created_at: row.time("created_at")?,
    })
}

#[instrument(skip_all)]
pub(super) async fn insert_form_upload(
    tx: &mut SqlTx,
    upload: &FormUpload,
) -> StoreResult<FormUpload> {
    tx.writable()?;
    check::required("form_key", &upload.form_key, 64)?;
    check::required("filename", &upload.filename, 255)?;
    check::required("content_type", &upload.content_type, 255)?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO form_uploads (form_key, agent_id, filename, content_type, content, created_at) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM agents WHERE id = $2) \
                 RETURNING id",
            )
            .bind(upload.form_key.as_str())
            .bind(int("agent_id", upload.agent_id.0)?)
            .bind(upload.filename.as_str())
            .bind(upload.content_type.as_str())
            .bind(upload.content.to_vec())
            .bind(upload.created_at),
        )
        .await?;
    let Some(row) = row else {
        return Err(StoreError::not_found("agent", upload.agent_id));
    };
    Ok(FormUpload {
        id: FormUploadId(row.u64("id")?),
        created_at: stored_time(upload.created_at),
        ..upload.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn form_uploads(
    tx: &mut SqlTx,
    form_key: &str,
    agent: AgentId,
) -> StoreResult<Vec<FormUpload>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT id, form_key, agent_id, filename, content_type, content, created_at \
                 FROM form_uploads WHERE agent_id = $1 AND form_key = $2 ORDER BY id",
            )
            .bind(int("agent_id", agent.0)?)
            .bind(form_key),
        )
        .await?;
    rows.iter().map(upload_from).collect()
}

#[instrument(skip_all)]
pub(super) async fn delete_form_upload(tx: &mut SqlTx, id: FormUploadId) -> StoreResult<()> {
    tx.writable()?;
    let deleted = tx
        .exec(Stmt::new("DELETE FROM form_uploads WHERE id = $1").bind(int("id", id.0)?))
        .await?;
    if deleted == 0 {
        return Err(StoreError::not_found("form upload", id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn delete_form_uploads_before(
    tx: &mut SqlTx,
    cutoff: DateTime<Utc>,
) -> StoreResult<u64> {
    tx.writable()?;
    tx.exec(Stmt::new("DELETE FROM form_uploads WHERE created_at < $1").bind(cutoff))
        .await
}
