//! Links, watchers and drafts.

use otrs_core::ids::{AgentId, DraftId, LinkId, TicketId};
use otrs_core::model::{Draft, Link, ObjectRef, Watcher};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::check;
use crate::codec;
use crate::sql::{Row, Stmt, bad_value, int, stored_time};

fn link_from(row: &Row) -> StoreResult<Link> {
    Ok(Link {
        id: LinkId(row.u64("id")?),
        source: codec::object(row, "source_kind", "source_id")?,
        target: codec::object(row, "target_kind", "target_id")?,
        link_type: codec::link_type(row, "link_type")?,
        created_by: codec::principal(row, "created_by_kind", "created_by_id")?,
        created_at: row.time("created_at")?,
    })
}

macro_rules! link_select {
    () => {
        "SELECT id, source_kind, source_id, target_kind, target_id, link_type, created_at, \
         created_by_kind, created_by_id FROM links "
    };
}

/// True if the object exists.
async fn object_exists(tx: &mut SqlTx, object: ObjectRef) -> StoreResult<bool> {
    match object {
        ObjectRef::Ticket(id) => {
            tx.exists(Stmt::new("SELECT 1 FROM tickets WHERE id = $1").bind(int("ticket", id.0)?))
                .await
        }
        ObjectRef::Appointment(id) => {
            tx.exists(
                Stmt::new("SELECT 1 FROM appointments WHERE id = $1")
                    .bind(int("appointment", id.0)?),
            )
            .await
        }
        ObjectRef::KbArticle(id) => {
            tx.exists(
                Stmt::new("SELECT 1 FROM kb_articles WHERE id = $1").bind(int("kb article", id.0)?),
            )
            .await
        }
    }
}

#[instrument(skip_all)]
pub(super) async fn insert_link(tx: &mut SqlTx, link: &Link) -> StoreResult<Link> {
    tx.writable()?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO links (source_kind, source_id, target_kind, target_id, link_type, \
                 created_at, created_by_kind, created_by_id) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8 \
                 WHERE ($1 <> 'ticket' OR EXISTS (SELECT 1 FROM tickets WHERE id = $2)) \
                 AND ($3 <> 'ticket' OR EXISTS (SELECT 1 FROM tickets WHERE id = $4)) \
                 AND ($1 <> 'appointment' OR EXISTS (SELECT 1 FROM appointments WHERE id = $2)) \
                 AND ($3 <> 'appointment' OR EXISTS (SELECT 1 FROM appointments WHERE id = $4)) \
                 AND ($1 <> 'kb_article' OR EXISTS (SELECT 1 FROM kb_articles WHERE id = $2)) \
                 AND ($3 <> 'kb_article' OR EXISTS (SELECT 1 FROM kb_articles WHERE id = $4)) \
                 AND NOT EXISTS (SELECT 1 FROM links l WHERE l.link_type = $5 \
                   AND l.source_kind = $1 AND l.source_id = $2 AND l.target_kind = $3 AND l.target_id = $4) \
                 AND ($5 <> 'Normal' OR NOT EXISTS (SELECT 1 FROM links l WHERE l.link_type = $5 \
                   AND l.source_kind = $3 AND l.source_id = $4 AND l.target_kind = $1 AND l.target_id = $2)) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(link.source.kind())
            .bind(int("source", link.source.id())?)
            .bind(link.target.kind())
            .bind(int("target", link.target.id())?)
            .bind(link.link_type.name())
            .bind(link.created_at)
            .bind(codec::principal_kind(link.created_by))
            .bind(codec::principal_id(link.created_by)),
        )
        .await?;
    let Some(row) = row else {
        for end in [link.source, link.target] {
            if !object_exists(tx, end).await? {
                return Err(StoreError::not_found(end.kind(), end.id()));
            }
        }
        return Err(StoreError::Duplicate {
            what: "link",
            value: format!(
                "{} {} → {}",
                link.link_type.name(),
                link.source,
                link.target
            ),
        });
    };
    Ok(Link {
        id: LinkId(row.u64("id")?),
        created_at: stored_time(link.created_at),
        ..link.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn link(tx: &mut SqlTx, id: LinkId) -> StoreResult<Option<Link>> {
    tx.opt(Stmt::new(concat!(link_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(link_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn delete_link(tx: &mut SqlTx, id: LinkId) -> StoreResult<()> {
    tx.writable()?;
    let deleted = tx
        .exec(Stmt::new("DELETE FROM links WHERE id = $1").bind(int("id", id.0)?))
        .await?;
    if deleted == 0 {
        return Err(StoreError::not_found("link", id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn links_of(tx: &mut SqlTx, object: ObjectRef) -> StoreResult<Vec<Link>> {
    let rows = tx
        .all(
            Stmt::new(concat!(
                link_select!(),
                "WHERE (source_kind = $1 AND source_id = $2) OR (target_kind = $1 AND target_id = $2) \
                 ORDER BY id"
            ))
            .bind(object.kind())
            .bind(int("object", object.id())?),
        )
        .await?;
    rows.iter().map(link_from).collect()
}

#[instrument(skip_all)]
pub(super) async fn upsert_watcher(tx: &mut SqlTx, watcher: &Watcher) -> StoreResult<()> {
    tx.writable()?;
    let ticket = int("ticket_id", watcher.ticket_id.0)?;
    let agent = int("agent_id", watcher.agent_id.0)?;
    let stored = tx
        .opt(
            Stmt::new(
                "INSERT INTO watchers (ticket_id, agent_id, since) SELECT $1, $2, $3 \
                 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = $1) \
                 AND EXISTS (SELECT 1 FROM agents WHERE id = $2) \
                 ON CONFLICT (ticket_id, agent_id) DO UPDATE SET since = excluded.since \
                 RETURNING ticket_id",
            )
            .bind(ticket)
            .bind(agent)
            .bind(watcher.since),
        )
        .await?;
    if stored.is_none() {
        let ticket_exists = tx
            .exists(Stmt::new("SELECT 1 FROM tickets WHERE id = $1").bind(ticket))
            .await?;
        return Err(if ticket_exists {
            StoreError::not_found("agent", watcher.agent_id)
        } else {
            StoreError::not_found("ticket", watcher.ticket_id)
        });
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn delete_watcher(
    tx: &mut SqlTx,
    ticket: TicketId,
    agent: AgentId,
) -> StoreResult<()> {
    tx.writable()?;
    tx.exec(
        Stmt::new("DELETE FROM watchers WHERE ticket_id = $1 AND agent_id = $2")
            .bind(int("ticket", ticket.0)?)
            .bind(int("agent", agent.0)?),
    )
    .await?;
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn watchers(tx: &mut SqlTx, ticket: TicketId) -> StoreResult<Vec<Watcher>> {
    let rows = tx
        .all(
            Stmt::new(
                "SELECT ticket_id, agent_id, since FROM watchers WHERE ticket_id = $1 ORDER BY agent_id",
            )
            .bind(int("ticket", ticket.0)?),
        )
        .await?;
    rows.iter()
        .map(|row| {
            Ok(Watcher {
                ticket_id: TicketId(row.u64("ticket_id")?),
                agent_id: AgentId(row.u64("agent_id")?),
                since: row.time("since")?,
            })
        })
        .collect()
}

macro_rules! draft_select {
    () => {
        "SELECT id, ticket_id, form, name, fields, ticket_version, created_by, created_at, \
         changed_at, version FROM drafts "
    };
}

fn draft_from(row: &Row) -> StoreResult<Draft> {
    let fields = row.text("fields")?;
    Ok(Draft {
        id: DraftId(row.u64("id")?),
        ticket_id: TicketId(row.u64("ticket_id")?),
        form: row.text("form")?,
        name: row.text("name")?,
        fields: serde_json::from_str(&fields).map_err(|_| bad_value("fields", &fields))?,
        ticket_version: row.u64("ticket_version")?,
        created_by: AgentId(row.u64("created_by")?),
        created_at: row.time("created_at")?,
        changed_at: row.time("changed_at")?,
        version: row.u64("version")?,
    })
}

fn check_draft(draft: &Draft) -> StoreResult<String> {
    check::required("form", &draft.form, 100)?;
    check::required("name", &draft.name, 200)?;
    for (key, value) in &draft.fields {
        check::text("fields", key, 200)?;
        check::text("fields", value, usize::MAX)?;
    }
    Ok(codec::string_map(&draft.fields))
}

fn stored_draft(draft: &Draft, id: DraftId, version: u64) -> Draft {
    Draft {
        id,
        version,
        created_at: stored_time(draft.created_at),
        changed_at: stored_time(draft.changed_at),
        ..draft.clone()
    }
}

#[instrument(skip_all)]
pub(super) async fn insert_draft(tx: &mut SqlTx, draft: &Draft) -> StoreResult<Draft> {
    tx.writable()?;
    let fields = check_draft(draft)?;
    let ticket = int("ticket_id", draft.ticket_id.0)?;
    let row = tx
        .opt(
            Stmt::new(
                "INSERT INTO drafts (ticket_id, form, name, fields, ticket_version, created_by, \
                 created_at, changed_at, version) SELECT $1, $2, $3, $4, $5, $6, $7, $8, 1 \
                 WHERE EXISTS (SELECT 1 FROM tickets WHERE id = $1) AND NOT EXISTS \
                 (SELECT 1 FROM drafts WHERE ticket_id = $1 AND form = $2 AND name = $3) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(ticket)
            .bind(draft.form.as_str())
            .bind(draft.name.as_str())
            .bind(fields)
            .bind(int("ticket_version", draft.ticket_version)?)
            .bind(int("created_by", draft.created_by.0)?)
            .bind(draft.created_at)
            .bind(draft.changed_at),
        )
        .await?;
    let Some(row) = row else {
        let ticket_exists = tx
            .exists(Stmt::new("SELECT 1 FROM tickets WHERE id = $1").bind(ticket))
            .await?;
        return Err(if ticket_exists {
            StoreError::Duplicate {
                what: "draft name",
                value: draft.name.clone(),
            }
        } else {
            StoreError::not_found("ticket", draft.ticket_id)
        });
    };
    Ok(stored_draft(draft, DraftId(row.u64("id")?), 1))
}

#[instrument(skip_all)]
pub(super) async fn update_draft(tx: &mut SqlTx, draft: &Draft) -> StoreResult<Draft> {
    tx.writable()?;
    let fields = check_draft(draft)?;
    let id = int("id", draft.id.0)?;
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE drafts SET ticket_id = $3, form = $4, name = $5, fields = $6, \
                 ticket_version = $7, created_by = $8, created_at = $9, changed_at = $10, \
                 version = version + 1 WHERE id = $1 AND version = $2 AND NOT EXISTS \
                 (SELECT 1 FROM drafts other WHERE other.ticket_id = $3 AND other.form = $4 \
                 AND other.name = $5 AND other.id <> $1)",
            )
            .bind(id)
            .bind(int("version", draft.version)?)
            .bind(int("ticket_id", draft.ticket_id.0)?)
            .bind(draft.form.as_str())
            .bind(draft.name.as_str())
            .bind(fields)
            .bind(int("ticket_version", draft.ticket_version)?)
            .bind(int("created_by", draft.created_by.0)?)
            .bind(draft.created_at)
            .bind(draft.changed_at),
        )
        .await?;
    if updated == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM drafts WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("draft", draft.id))?
            .u64("version")?;
        if stored != draft.version {
            return Err(conflict("draft", draft.id, stored, draft.version));
        }
        return Err(StoreError::Duplicate {
            what: "draft name",
            value: draft.name.clone(),
        });
    }
    Ok(stored_draft(draft, draft.id, draft.version + 1))
}

#[instrument(skip_all)]
pub(super) async fn delete_draft(tx: &mut SqlTx, id: DraftId) -> StoreResult<()> {
    tx.writable()?;
    let deleted = tx
        .exec(Stmt::new("DELETE FROM drafts WHERE id = $1").bind(int("id", id.0)?))
        .await?;
    if deleted == 0 {
        return Err(StoreError::not_found("draft", id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn draft(tx: &mut SqlTx, id: DraftId) -> StoreResult<Option<Draft>> {
    tx.opt(Stmt::new(concat!(draft_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(draft_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn drafts(tx: &mut SqlTx, ticket: TicketId) -> StoreResult<Vec<Draft>> {
    let rows = tx
        .all(
            Stmt::new(concat!(draft_select!(), "WHERE ticket_id = $1 ORDER BY id"))
                .bind(int("ticket", ticket.0)?),
        )
        .await?;
    rows.iter().map(draft_from).collect()
}
