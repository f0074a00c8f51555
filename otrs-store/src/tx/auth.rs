//! Sessions, API tokens and one-time tokens. Secrets never reach the store: rows are keyed by
//! digests, and errors name a session or token without its digest.

use chrono::{DateTime, Utc};
use otrs_core::ids::{AgentId, ApiTokenId};
use otrs_core::model::{ApiToken, OneTimeToken, SessionRecord};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::SqlTx;
use crate::check;
use crate::codec;
use crate::sql::{Row, Stmt, int};

const SECRET: &str = "(secret)";

fn session_from(row: &Row) -> StoreResult<SessionRecord> {
    Ok(SessionRecord {
        key_digest: row.text("key_digest")?,
        principal: codec::principal(row, "principal_kind", "principal_id")?,
        csrf_token: row.text("csrf_token")?,
        awaiting_second_factor: row.boolean("awaiting_second_factor")?,
        created_at: row.time("created_at")?,
        last_seen_at: row.time("last_seen_at")?,
        remote_addr: row.text("remote_addr")?,
    })
}

fn check_session(s: &SessionRecord) -> StoreResult<()> {
    check::required("key_digest", &s.key_digest, 200)?;
    check::text("csrf_token", &s.csrf_token, 200)?;
    check::text("remote_addr", &s.remote_addr, 200)
}

/// Binds $1…$8 of a session row.
fn bind_session(stmt: Stmt, s: &SessionRecord) -> Stmt {
    stmt.bind(s.key_digest.as_str())
        .bind(codec::principal_kind(s.principal))
        .bind(codec::principal_id(s.principal))
        .bind(s.csrf_token.as_str())
        .bind(s.awaiting_second_factor)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.remote_addr.as_str())
}

#[instrument(skip_all)]
pub(super) async fn insert_session(tx: &mut SqlTx, session: &SessionRecord) -> StoreResult<()> {
    tx.writable()?;
    check_session(session)?;
    let inserted = tx
        .exec(bind_session(
            Stmt::new(
                "INSERT INTO sessions (key_digest, principal_kind, principal_id, csrf_token, \
                 awaiting_second_factor, created_at, last_seen_at, remote_addr) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
            ),
            session,
        ))
        .await?;
    if inserted == 0 {
        return Err(StoreError::Duplicate {
            what: "session",
            value: SECRET.into(),
        });
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn session(
    tx: &mut SqlTx,
    key_digest: &str,
) -> StoreResult<Option<SessionRecord>> {
    tx.opt(
        Stmt::new(
            "SELECT key_digest, principal_kind, principal_id, csrf_token, awaiting_second_factor, \
             created_at, last_seen_at, remote_addr FROM sessions WHERE key_digest = $1",
        )
        .bind(key_digest),
    )
    .await?
    .as_ref()
    .map(session_from)
    .transpose()
}

#[instrument(skip_all)]
pub(super) async fn update_session(tx: &mut SqlTx, session: &SessionRecord) -> StoreResult<()> {
    tx.writable()?;
    check_session(session)?;
    let updated = tx
        .exec(bind_session(
            Stmt::new(
                "UPDATE sessions SET principal_kind = $2, principal_id = $3, csrf_token = $4, \
                 awaiting_second_factor = $5, created_at = $6, last_seen_at = $7, remote_addr = $8 \
                 WHERE key_digest = $1",
            ),
            session,
        ))
        .await?;
    if updated == 0 {
        return Err(StoreError::not_found("session", SECRET));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn delete_session(tx: &mut SqlTx, key_digest: &str) -> StoreResult<()> {
    tx.writable()?;
    tx.exec(Stmt::new("DELETE FROM sessions WHERE key_digest = $1").bind(key_digest))
        .await?;
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn purge_sessions(
    tx: &mut SqlTx,
    idle_before: DateTime<Utc>,
    created_before: DateTime<Utc>,
) -> StoreResult<u64> {
    tx.writable()?;
    tx.exec(
        Stmt::new("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before),
    )
    .await
}

macro_rules! token_select {
    () => {
        "SELECT id, agent_id, name, digest, created_at, last_used_at, expires_at, revoked_at \
         FROM api_tokens "
    };
}

fn token_from(row: &Row) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: ApiTokenId(row.u64("id")?),
        agent_id: AgentId(row.u64("agent_id")?),
        name: row.text("name")?,
        digest: row.text("digest")?,
        created_at: row.time("created_at")?,
        last_used_at: row.opt_time("last_used_at")?,
        expires_at: row.opt_time("expires_at")?,
        revoked_at: row.opt_time("revoked_at")?,
    })
}

fn check_token(t: &ApiToken) -> StoreResult<()> {
    check::text("name", &t.name, 200)?;
    check::required("digest", &t.digest, 200)
}

/// Binds $1…$7 of a token row (everything but the id).
fn bind_token(stmt: Stmt, t: &ApiToken) -> StoreResult<Stmt> {
    Ok(stmt
        .bind(int("agent_id", t.agent_id.0)?)
        .bind(t.name.as_str())
        .bind(t.digest.as_str())
        .bind(t.created_at)
        .bind(t.last_used_at)
        .bind(t.expires_at)
        .bind(t.revoked_at))
}

/// The token as stored: times to the microsecond.
fn stored_token(t: &ApiToken, id: ApiTokenId) -> ApiToken {
    use crate::sql::stored_time;
    ApiToken {
        id,
        created_at: stored_time(t.created_at),
        last_used_at: t.last_used_at.map(stored_time),
        expires_at: t.expires_at.map(stored_time),
        revoked_at: t.revoked_at.map(stored_time),
        ..t.clone()
    }
}

#[instrument(skip_all)]
pub(super) async fn insert_api_token(tx: &mut SqlTx, token: &ApiToken) -> StoreResult<ApiToken> {
    tx.writable()?;
    check_token(token)?;
    let agent = int("agent_id", token.agent_id.0)?;
    let row = tx
        .opt(bind_token(
            Stmt::new(
                "INSERT INTO api_tokens (agent_id, name, digest, created_at, last_used_at, \
                 expires_at, revoked_at) SELECT $1, $2, $3, $4, $5, $6, $7 \
                 WHERE EXISTS (SELECT 1 FROM agents WHERE id = $1) \
                 AND NOT EXISTS (SELECT 1 FROM api_tokens WHERE digest = $3) \
                 ON CONFLICT DO NOTHING RETURNING id",
            ),
            token,
        )?)
        .await?;
    let Some(row) = row else {
        let agent_exists = tx
            .exists(Stmt::new("SELECT 1 FROM agents WHERE id = $1").bind(agent))
            .await?;
        return Err(if agent_exists {
            StoreError::Duplicate {
                what: "api token",
                value: SECRET.into(),
            }
        } else {
            StoreError::not_found("agent", token.agent_id)
        });
    };
    Ok(stored_token(token, ApiTokenId(row.u64("id")?)))
}

#[instrument(skip_all)]
pub(super) async fn api_token_by_digest(
    tx: &mut SqlTx,
    digest: &str,
) -> StoreResult<Option<ApiToken>> {
    tx.opt(Stmt::new(concat!(token_select!(), "WHERE digest = $1")).bind(digest))
        .await?
        .as_ref()
        .map(token_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn api_tokens_of(tx: &mut SqlTx, agent: AgentId) -> StoreResult<Vec<ApiToken>> {
    let rows = tx
        .all(
            Stmt::new(concat!(token_select!(), "WHERE agent_id = $1 ORDER BY id"))
                .bind(int("agent", agent.0)?),
        )
        .await?;
    rows.iter().map(token_from).collect()
}

#[instrument(skip_all)]
pub(super) async fn update_api_token(tx: &mut SqlTx, token: &ApiToken) -> StoreResult<()> {
    tx.writable()?;
    check_token(token)?;
    let updated = tx
        .exec(
            bind_token(
                Stmt::new(
                    "UPDATE api_tokens SET agent_id = $1, name = $2, digest = $3, created_at = $4, \
                     last_used_at = $5, expires_at = $6, revoked_at = $7 WHERE id = $8",
                ),
                token,
            )?
            .bind(int("id", token.id.0)?),
        )
        .await?;
    if updated == 0 {
        return Err(StoreError::not_found("api token", token.id));
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn api_token(tx: &mut SqlTx, id: ApiTokenId) -> StoreResult<Option<ApiToken>> {
    tx.opt(Stmt::new(concat!(token_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(token_from)
        .transpose()
}

fn one_time_from(row: &Row) -> StoreResult<OneTimeToken> {
    Ok(OneTimeToken {
        digest: row.text("digest")?,
        principal: codec::principal(row, "principal_kind", "principal_id")?,
        purpose: codec::purpose(row, "purpose")?,
        created_at: row.time("created_at")?,
        expires_at: row.time("expires_at")?,
        used_at: row.opt_time("used_at")?,
    })
}

/// Binds $1…$6 of a one-time token row.
fn bind_one_time(stmt: Stmt, t: &OneTimeToken) -> Stmt {
    stmt.bind(t.digest.as_str())
        .bind(codec::principal_kind(t.principal))
        .bind(codec::principal_id(t.principal))
        .bind(t.purpose.name())
        .bind(t.created_at)
        .bind(t.expires_at)
        .bind(t.used_at)
}

#[instrument(skip_all)]
pub(super) async fn insert_one_time_token(tx: &mut SqlTx, token: &OneTimeToken) -> StoreResult<()> {
    tx.writable()?;
    check::required("digest", &token.digest, 200)?;
    let inserted = tx
        .exec(bind_one_time(
            Stmt::new(
                "INSERT INTO one_time_tokens (digest, principal_kind, principal_id, purpose, \
                 created_at, expires_at, used_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT DO NOTHING",
            ),
            token,
        ))
        .await?;
    if inserted == 0 {
        return Err(StoreError::Duplicate {
            what: "one-time token",
            value: SECRET.into(),
        });
    }
    Ok(())
}

#[instrument(skip_all)]
pub(super) async fn one_time_token(
    tx: &mut SqlTx,
    digest: &str,
) -> StoreResult<Option<OneTimeToken>> {
    tx.opt(
        Stmt::new(
            "SELECT digest, principal_kind, principal_id, purpose, created_at, expires_at, used_at \
             FROM one_time_tokens WHERE digest = $1",
        )
        .bind(digest),
    )
    .await?
    .as_ref()
    .map(one_time_from)
    .transpose()
}

#[instrument(skip_all)]
pub(super) async fn update_one_time_token(tx: &mut SqlTx, token: &OneTimeToken) -> StoreResult<()> {
    tx.writable()?;
    let updated = tx
        .exec(bind_one_time(
            Stmt::new(
                "UPDATE one_time_tokens SET principal_kind = $2, principal_id = $3, purpose = $4, \
                 created_at = $5, expires_at = $6, used_at = $7 WHERE digest = $1",
            ),
            token,
        ))
        .await?;
    if updated == 0 {
        return Err(StoreError::not_found("one-time token", SECRET));
    }
    Ok(())
}
