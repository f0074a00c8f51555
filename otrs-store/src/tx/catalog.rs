//! States, groups, queues and agents (with their group permissions and preferences).

use otrs_core::ids::{AgentId, GroupId, QueueId, StateId};
use otrs_core::model::{Agent, Group, Queue, State};
use otrs_core::store::{StoreError, StoreResult};
use tracing::instrument;

use super::{SqlTx, conflict};
use crate::check;
use crate::codec;
use crate::sql::{Builder, Dialect, Row, Stmt, int, stored_time};

fn state_from(row: &Row) -> StoreResult<State> {
    Ok(State {
        id: StateId(row.u64("id")?),
        name: row.text("name")?,
        state_type: codec::state_type(row, "state_type")?,
        valid: row.boolean("valid")?,
    })
}

#[instrument(skip_all)]
pub(super) async fn states(tx: &mut SqlTx) -> StoreResult<Vec<State>> {
    let rows = tx
        .all(Stmt::new(
            "SELECT id, name, state_type, valid FROM states ORDER BY id",
        ))
        .await?;
    rows.iter().map(state_from).collect()
}

#[instrument(skip_all)]
pub(super) async fn insert_state(tx: &mut SqlTx, state: &State) -> StoreResult<State> {
    tx.writable()?;
    check::required("name", &state.name, 200)?;
    let inserted = if state.id.0 == 0 {
        tx.opt(
            Stmt::new(
                "INSERT INTO states (name, state_type, valid) SELECT $1, $2, $3 \
                 WHERE NOT EXISTS (SELECT 1 FROM states WHERE name = $1) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(state.name.as_str())
            .bind(state.state_type.name())
            .bind(state.valid),
        )
        .await?
    } else {
        tx.opt(
            Stmt::new(
                "INSERT INTO states (name, state_type, valid, id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(state.name.as_str())
            .bind(state.state_type.name())
            .bind(state.valid)
            .bind(int("id", state.id.0)?),
        )
        .await?
    };
    let Some(row) = inserted else {
        let name_taken = tx
            .exists(Stmt::new("SELECT 1 FROM states WHERE name = $1").bind(state.name.as_str()))
            .await?;
        return Err(if name_taken {
            StoreError::Duplicate {
                what: "state name",
                value: state.name.clone(),
            }
        } else {
            StoreError::Duplicate {
                what: "state id",
                value: state.id.to_string(),
            }
        });
    };
    if state.id.0 != 0 {
        tx.sync_identity("states").await?;
    }
    Ok(State {
        id: StateId(row.u64("id")?),
        ..state.clone()
    })
}

fn group_from(row: &Row) -> StoreResult<Group> {
    Ok(Group {
        id: GroupId(row.u64("id")?),
        name: row.text("name")?,
        comment: row.text("comment")?,
        validity: codec::validity(row, "validity")?,
        version: row.u64("version")?,
    })
}

fn check_group(group: &Group) -> StoreResult<()> {
    check::required("name", &group.name, 200)?;
    check::text("comment", &group.comment, 250)
}

#[instrument(skip_all)]
pub(super) async fn insert_group(tx: &mut SqlTx, group: &Group) -> StoreResult<Group> {
    tx.writable()?;
    check_group(group)?;
    let base = |sql: &'static str| {
        Stmt::new(sql)
            .bind(group.name.as_str())
            .bind(group.comment.as_str())
            .bind(group.validity.name())
    };
    let inserted = if group.id.0 == 0 {
        tx.opt(base(
            "INSERT INTO groups (name, comment, validity, version) SELECT $1, $2, $3, 1 \
             WHERE NOT EXISTS (SELECT 1 FROM groups WHERE name = $1) \
             ON CONFLICT DO NOTHING RETURNING id",
        ))
        .await?
    } else {
        tx.opt(
            base(
                "INSERT INTO groups (name, comment, validity, version, id) \
                 VALUES ($1, $2, $3, 1, $4) ON CONFLICT DO NOTHING RETURNING id",
            )
            .bind(int("id", group.id.0)?),
        )
        .await?
    };
    let Some(row) = inserted else {
        let name_taken = tx
            .exists(Stmt::new("SELECT 1 FROM groups WHERE name = $1").bind(group.name.as_str()))
            .await?;
        return Err(if name_taken {
            StoreError::Duplicate {
                what: "group name",
                value: group.name.clone(),
            }
        } else {
            StoreError::Duplicate {
                what: "group id",
                value: group.id.to_string(),
            }
        });
    };
    if group.id.0 != 0 {
        tx.sync_identity("groups").await?;
    }
    Ok(Group {
        id: GroupId(row.u64("id")?),
        version: 1,
        ..group.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn update_group(tx: &mut SqlTx, group: &Group) -> StoreResult<Group> {
    tx.writable()?;
    check_group(group)?;
    let id = int("id", group.id.0)?;
    let updated = tx
        .exec(
            Stmt::new(
                "UPDATE groups SET name = $3, comment = $4, validity = $5, version = version + 1 \
                 WHERE id = $1 AND version = $2 \
                 AND NOT EXISTS (SELECT 1 FROM groups other WHERE other.name = $3 AND other.id <> $1)",
            )
            .bind(id)
            .bind(int("version", group.version)?)
            .bind(group.name.as_str())
            .bind(group.comment.as_str())
            .bind(group.validity.name()),
        )
        .await?;
    if updated == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM groups WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("group", group.id))?
            .u64("version")?;
        if stored != group.version {
            return Err(conflict("group", group.id, stored, group.version));
        }
        return Err(StoreError::Duplicate {
            what: "group name",
            value: group.name.clone(),
        });
    }
    Ok(Group {
        version: group.version + 1,
        ..group.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn group(tx: &mut SqlTx, id: GroupId) -> StoreResult<Option<Group>> {
    tx.opt(
        Stmt::new("SELECT id, name, comment, validity, version FROM groups WHERE id = $1")
            .bind(int("id", id.0)?),
    )
    .await?
    .as_ref()
    .map(group_from)
    .transpose()
}

#[instrument(skip_all)]
pub(super) async fn groups(tx: &mut SqlTx) -> StoreResult<Vec<Group>> {
    let rows = tx
        .all(Stmt::new(
            "SELECT id, name, comment, validity, version FROM groups ORDER BY id",
        ))
        .await?;
    rows.iter().map(group_from).collect()
}

macro_rules! queue_select {
    () => {
        "SELECT id, name, group_id, comment, validity, unlock_timeout_minutes, \
         first_response_minutes, update_minutes, solution_minutes, follow_up_possible, version \
         FROM queues "
    };
}

fn queue_from(row: &Row) -> StoreResult<Queue> {
    Ok(Queue {
        id: QueueId(row.u64("id")?),
        name: row.text("name")?,
        group_id: GroupId(row.u64("group_id")?),
        comment: row.text("comment")?,
        validity: codec::validity(row, "validity")?,
        unlock_timeout_minutes: row.u32("unlock_timeout_minutes")?,
        first_response_minutes: row.u32("first_response_minutes")?,
        update_minutes: row.u32("update_minutes")?,
        solution_minutes: row.u32("solution_minutes")?,
        follow_up_possible: row.boolean("follow_up_possible")?,
        version: row.u64("version")?,
    })
}

fn check_queue(queue: &Queue) -> StoreResult<()> {
    check::required("name", &queue.name, 200)?;
    check::text("comment", &queue.comment, 250)
}

/// Binds $1…$10 of a queue row (everything but id and version).
fn bind_queue(stmt: Stmt, queue: &Queue) -> StoreResult<Stmt> {
    Ok(stmt
        .bind(queue.name.as_str())
        .bind(int("group_id", queue.group_id.0)?)
        .bind(queue.comment.as_str())
        .bind(queue.validity.name())
        .bind(i64::from(queue.unlock_timeout_minutes))
        .bind(i64::from(queue.first_response_minutes))
        .bind(i64::from(queue.update_minutes))
        .bind(i64::from(queue.solution_minutes))
        .bind(queue.follow_up_possible))
}

#[instrument(skip_all)]
pub(super) async fn insert_queue(tx: &mut SqlTx, queue: &Queue) -> StoreResult<Queue> {
    tx.writable()?;
    check_queue(queue)?;
    let inserted = if queue.id.0 == 0 {
        tx.opt(bind_queue(
            Stmt::new(
                "INSERT INTO queues (name, group_id, comment, validity, unlock_timeout_minutes, \
                 first_response_minutes, update_minutes, solution_minutes, follow_up_possible, version) \
                 SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 1 \
                 WHERE EXISTS (SELECT 1 FROM groups WHERE id = $2) \
                 AND NOT EXISTS (SELECT 1 FROM queues WHERE name = $1) \
                 ON CONFLICT DO NOTHING RETURNING id",
            ),
            queue,
        )?)
        .await?
    } else {
        tx.opt(
            bind_queue(
                Stmt::new(
                    "INSERT INTO queues (name, group_id, comment, validity, unlock_timeout_minutes, \
                     first_response_minutes, update_minutes, solution_minutes, follow_up_possible, version, id) \
                     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10 \
                     WHERE EXISTS (SELECT 1 FROM groups WHERE id = $2) \
                     ON CONFLICT DO NOTHING RETURNING id",
                ),
                queue,
            )?
            .bind(int("id", queue.id.0)?),
        )
        .await?
    };
    let Some(row) = inserted else {
        let name_taken = tx
            .exists(Stmt::new("SELECT 1 FROM queues WHERE name = $1").bind(queue.name.as_str()))
            .await?;
        if name_taken {
            return Err(StoreError::Duplicate {
                what: "queue name",
                value: queue.name.clone(),
            });
        }
        ensure_group(tx, queue.group_id).await?;
        return Err(StoreError::Duplicate {
            what: "queue id",
            value: queue.id.to_string(),
        });
    };
    if queue.id.0 != 0 {
        tx.sync_identity("queues").await?;
    }
    Ok(Queue {
        id: QueueId(row.u64("id")?),
        version: 1,
        ..queue.clone()
    })
}

async fn ensure_group(tx: &mut SqlTx, id: GroupId) -> StoreResult<()> {
    let exists = tx
        .exists(Stmt::new("SELECT 1 FROM groups WHERE id = $1").bind(int("group_id", id.0)?))
        .await?;
    if exists {
        Ok(())
    } else {
        Err(StoreError::not_found("group", id))
    }
}

#[instrument(skip_all)]
pub(super) async fn update_queue(tx: &mut SqlTx, queue: &Queue) -> StoreResult<Queue> {
    tx.writable()?;
    check_queue(queue)?;
    let id = int("id", queue.id.0)?;
    let updated = tx
        .exec(
            bind_queue(
                Stmt::new(
                    "UPDATE queues SET name = $1, group_id = $2, comment = $3, validity = $4, \
                     unlock_timeout_minutes = $5, first_response_minutes = $6, update_minutes = $7, \
                     solution_minutes = $8, follow_up_possible = $9, version = version + 1 \
                     WHERE id = $10 AND version = $11 \
                     AND NOT EXISTS (SELECT 1 FROM queues other WHERE other.name = $1 AND other.id <> $10) \
                     AND EXISTS (SELECT 1 FROM groups WHERE id = $2)",
                ),
                queue,
            )?
            .bind(id)
            .bind(int("version", queue.version)?),
        )
        .await?;
    if updated == 0 {
        let stored = tx
            .opt(Stmt::new("SELECT version FROM queues WHERE id = $1").bind(id))
            .await?
            .ok_or_else(|| StoreError::not_found("queue", queue.id))?
            .u64("version")?;
        if stored != queue.version {
            return Err(conflict("queue", queue.id, stored, queue.version));
        }
        let name_taken = tx
            .exists(
                Stmt::new("SELECT 1 FROM queues WHERE name = $1 AND id <> $2")
                    .bind(queue.name.as_str())
                    .bind(id),
            )
            .await?;
        if name_taken {
            return Err(StoreError::Duplicate {
                what: "queue name",
                value: queue.name.clone(),
            });
        }
        ensure_group(tx, queue.group_id).await?;
        return Err(StoreError::Backend(
            "queue update matched no row for no known reason".into(),
        ));
    }
    Ok(Queue {
        version: queue.version + 1,
        ..queue.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn queue(tx: &mut SqlTx, id: QueueId) -> StoreResult<Option<Queue>> {
    tx.opt(Stmt::new(concat!(queue_select!(), "WHERE id = $1")).bind(int("id", id.0)?))
        .await?
        .as_ref()
        .map(queue_from)
        .transpose()
}

#[instrument(skip_all)]
pub(super) async fn queues(tx: &mut SqlTx) -> StoreResult<Vec<Queue>> {
    let rows = tx
        .all(Stmt::new(concat!(queue_select!(), "ORDER BY id")))
        .await?;
    rows.iter().map(queue_from).collect()
}

// --- agents ---------------------------------------------------------------------------------

/// The agent row with its group permissions and preferences aggregated as JSON, so that loading
/// an agent (which every command does for its actor) is one round trip.
macro_rules! agent_select {
    (sqlite) => {
        "SELECT a.id, a.login, a.first_name, a.last_name, a.email, a.validity, a.password_hash, \
         a.must_change_password, a.failed_logins, a.totp_secret, a.created_at, a.version, \
         (SELECT json_group_array(json_array(g.group_id, g.permissions)) \
            FROM (SELECT group_id, permissions FROM agent_groups WHERE agent_id = a.id ORDER BY group_id) g) AS groups_json, \
         (SELECT json_group_object(p.key, p.value) FROM agent_preferences p WHERE p.agent_id = a.id) AS preferences_json \
         FROM agents a "
    };
    (postgres) => {
        "SELECT a.id, a.login, a.first_name, a.last_name, a.email, a.validity, a.password_hash, \
         a.must_change_password, a.failed_logins, a.totp_secret, a.created_at, a.version, \
         (SELECT json_agg(json_build_array(g.group_id, g.permissions) ORDER BY g.group_id)::text \
            FROM agent_groups g WHERE g.agent_id = a.id) AS groups_json, \
         (SELECT json_object_agg(p.key, p.value)::text FROM agent_preferences p WHERE p.agent_id = a.id) AS preferences_json \
         FROM agents a "
    };
}

fn agent_from(row: &Row) -> StoreResult<Agent> {
    Ok(Agent {
        id: AgentId(row.u64("id")?),
        login: row.text("login")?,
        first_name: row.text("first_name")?,
        last_name: row.text("last_name")?,
        email: row.text("email")?,
        validity: codec::validity(row, "validity")?,
        password_hash: row.opt_text("password_hash")?,
        must_change_password: row.boolean("must_change_password")?,
        failed_logins: row.u32("failed_logins")?,
        totp_secret: row.opt_text("totp_secret")?,
        groups: codec::read_group_permissions(
            "groups_json",
            row.opt_text("groups_json")?.as_deref(),
        )?,
        preferences: codec::read_string_map(
            "preferences_json",
            row.opt_text("preferences_json")?.as_deref(),
        )?,
        created_at: row.time("created_at")?,
        version: row.u64("version")?,
    })
}

fn check_agent(agent: &Agent) -> StoreResult<()> {
    check::required("login", &agent.login, 200)?;
    check::text("first_name", &agent.first_name, 100)?;
    check::text("last_name", &agent.last_name, 100)?;
    check::text("email", &agent.email, 254)?;
    check::opt_text("password_hash", agent.password_hash.as_deref(), 1000)?;
    check::opt_text("totp_secret", agent.totp_secret.as_deref(), 200)?;
    for (key, value) in &agent.preferences {
        check::required("preferences", key, 200)?;
        check::text("preferences", value, 100_000)?;
    }
    Ok(())
}

/// The first group of the map that does not exist.
async fn missing_group(
    tx: &mut SqlTx,
    groups: impl IntoIterator<Item = GroupId>,
) -> StoreResult<Option<GroupId>> {
    let wanted: Vec<GroupId> = groups.into_iter().collect();
    if wanted.is_empty() {
        return Ok(None);
    }
    let mut b = Builder::new("SELECT id FROM groups WHERE id IN ");
    b.push_list(
        wanted
            .iter()
            .map(|g| int("group_id", g.0))
            .collect::<StoreResult<Vec<i64>>>()?,
    );
    let found: Vec<u64> = tx
        .all(b.build())
        .await?
        .iter()
        .map(|r| r.u64("id"))
        .collect::<StoreResult<_>>()?;
    Ok(wanted.into_iter().find(|g| !found.contains(&g.0)))
}

/// Replaces the agent's group permissions and preferences.
async fn write_agent_children(tx: &mut SqlTx, id: i64, agent: &Agent) -> StoreResult<()> {
    tx.exec(Stmt::new("DELETE FROM agent_groups WHERE agent_id = $1").bind(id))
        .await?;
    tx.exec(Stmt::new("DELETE FROM agent_preferences WHERE agent_id = $1").bind(id))
        .await?;
    if !agent.groups.is_empty() {
        let mut b =
            Builder::new("INSERT INTO agent_groups (agent_id, group_id, permissions) VALUES ");
        for (i, (group, permissions)) in agent.groups.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.push("(")
                .push_bind(id)
                .push(", ")
                .push_bind(int("group_id", group.0)?)
                .push(", ")
                .push_bind(i64::from(permissions.bits()))
                .push(")");
        }
        tx.exec(b.build()).await?;
    }
    if !agent.preferences.is_empty() {
        let mut b = Builder::new("INSERT INTO agent_preferences (agent_id, key, value) VALUES ");
        for (i, (key, value)) in agent.preferences.iter().enumerate() {
            if i > 0 {
                b.push(", ");
            }
            b.push("(")
                .push_bind(id)
                .push(", ")
                .push_bind(key.as_str())
                .push(", ")
                .push_bind(value.as_str())
                .push(")");
        }
        tx.exec(b.build()).await?;
    }
    Ok(())
}

/// Binds $1…$10 of an agent row (everything but id, version and the children).
fn bind_agent(stmt: Stmt, agent: &Agent) -> Stmt {
    stmt.bind(agent.login.as_str())
        .bind(agent.first_name.as_str())
        .bind(agent.last_name.as_str())
        .bind(agent.email.as_str())
        .bind(agent.validity.name())
        .bind(agent.password_hash.as_deref())
        .bind(agent.must_change_password)
        .bind(i64::from(agent.failed_logins))
        .bind(agent.totp_secret.as_deref())
        .bind(stored_time(agent.created_at))
}

#[instrument(skip_all)]
pub(super) async fn insert_agent(tx: &mut SqlTx, agent: &Agent) -> StoreResult<Agent> {
    tx.writable()?;
    check_agent(agent)?;
    let login_taken = tx
        .exists(Stmt::new("SELECT 1 FROM agents WHERE login = $1").bind(agent.login.as_str()))
        .await?;
    if login_taken {
        return Err(StoreError::Duplicate {
            what: "agent login",
            value: agent.login.clone(),
        });
    }
    if let Some(group) = missing_group(tx, agent.groups.keys().copied()).await? {
        return Err(StoreError::not_found("group", group));
    }
    let inserted = if agent.id.0 == 0 {
        tx.opt(bind_agent(
            Stmt::new(
                "INSERT INTO agents (login, first_name, last_name, email, validity, password_hash, \
                 must_change_password, failed_logins, totp_secret, created_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1) \
                 ON CONFLICT DO NOTHING RETURNING id",
            ),
            agent,
        ))
        .await?
    } else {
        tx.opt(
            bind_agent(
                Stmt::new(
                    "INSERT INTO agents (login, first_name, last_name, email, validity, password_hash, \
                     must_change_password, failed_logins, totp_secret, created_at, version, id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11) \
                     ON CONFLICT DO NOTHING RETURNING id",
                ),
                agent,
            )
            .bind(int("id", agent.id.0)?),
        )
        .await?
    };
    let Some(row) = inserted else {
        // The login was free a moment ago, so it is the id (or a concurrent insert of the login).
        let login_taken = tx
            .exists(Stmt::new("SELECT 1 FROM agents WHERE login = $1").bind(agent.login.as_str()))
            .await?;
        return Err(if login_taken {
            StoreError::Duplicate {
                what: "agent login",
                value: agent.login.clone(),
            }
        } else {
            StoreError::Duplicate {
                what: "agent id",
                value: agent.id.to_string(),
            }
        });
    };
    let id = row.int("id")?;
    write_agent_children(tx, id, agent).await?;
    if agent.id.0 != 0 {
        tx.sync_identity("agents").await?;
    }
    Ok(Agent {
        id: AgentId(row.u64("id")?),
        created_at: stored_time(agent.created_at),
        version: 1,
        ..agent.clone()
    })
}

#[instrument(skip_all)]
pub(super) async fn update_agent(tx: &mut SqlTx, agent: &Agent) -> StoreResult<Agent> {
    tx.writable()?;
    check_agent(agent)?;
    let id = int("id", agent.id.0)?;
    let stored = tx
        .opt(Stmt::new("SELECT version FROM agents WHERE id = $1").bind(id))
        .await?
        .ok_or_else(|| StoreError::not_found("agent", agent.id))?
        .u64("version")?;
    if stored != agent.version {
        return Err(conflict("agent", agent.id, stored, agent.version));
    }
    let login_taken = tx
        .exists(
            Stmt::new("SELECT 1 FROM agents WHERE login = $1 AND id <> $2")
                .bind(agent.login.as_str())
                .bind(id),
        )
        .await?;
    if login_taken {
        return Err(StoreError::Duplicate {
            what: "agent login",
            value: agent.login.clone(),
        });
    }
    if let Some(group) = missing_group(tx, agent.groups.keys().copied()).await? {
        return Err(StoreError::not_found("group", group));
    }
    let updated = tx
        .exec(
            bind_agent(
                Stmt::new(
                    "UPDATE agents SET login = $1, first_name = $2, last_name = $3, email = $4, \
                     validity = $5, password_hash = $6, must_change_password = $7, failed_logins = $8, \
                     totp_secret = $9, created_at = $10, version = version + 1 \
                     WHERE id = $11 AND version = $12 \
                     AND NOT EXISTS (SELECT 1 FROM agents other WHERE other.login = $1 AND other.id <> $11)",
                ),
                agent,
            )
            .bind(id)
            .bind(int("version", agent.version)?),
        )
        .await?;
    if updated == 0 {
        // A concurrent transaction changed the agent or took the login since the checks above.
        return Err(StoreError::conflict(format!("agent {}", agent.id)));
    }
    write_agent_children(tx, id, agent).await?;
    Ok(Agent {
        created_at: stored_time(agent.created_at),
        version: agent.version + 1,
        ..agent.clone()
    })
}

async fn load_agents(tx: &mut SqlTx, filter: AgentFilter<'_>) -> StoreResult<Vec<Agent>> {
    let stmt = match (tx.dialect(), filter) {
        (Dialect::Sqlite, AgentFilter::Id(id)) => {
            Stmt::new(concat!(agent_select!(sqlite), "WHERE a.id = $1")).bind(id)
        }
        (Dialect::Postgres, AgentFilter::Id(id)) => {
            Stmt::new(concat!(agent_select!(postgres), "WHERE a.id = $1")).bind(id)
        }
        (Dialect::Sqlite, AgentFilter::Login(login)) => {
            Stmt::new(concat!(agent_select!(sqlite), "WHERE a.login = $1")).bind(login)
        }
        (Dialect::Postgres, AgentFilter::Login(login)) => {
            Stmt::new(concat!(agent_select!(postgres), "WHERE a.login = $1")).bind(login)
        }
        (Dialect::Sqlite, AgentFilter::All) => {
            Stmt::new(concat!(agent_select!(sqlite), "ORDER BY a.id"))
        }
        (Dialect::Postgres, AgentFilter::All) => {
            Stmt::new(concat!(agent_select!(postgres), "ORDER BY a.id"))
        }
    };
    tx.all(stmt).await?.iter().map(agent_from).collect()
}

#[derive(Clone, Copy)]
enum AgentFilter<'a> {
    Id(i64),
    Login(&'a str),
    All,
}

#[instrument(skip_all)]
pub(super) async fn agent(tx: &mut SqlTx, id: AgentId) -> StoreResult<Option<Agent>> {
    let id = int("id", id.0)?;
    Ok(load_agents(tx, AgentFilter::Id(id)).await?.pop())
}

#[instrument(skip_all)]
pub(super) async fn agent_by_login(tx: &mut SqlTx, login: &str) -> StoreResult<Option<Agent>> {
    Ok(load_agents(tx, AgentFilter::Login(login)).await?.pop())
}

#[instrument(skip_all)]
pub(super) async fn agents(tx: &mut SqlTx) -> StoreResult<Vec<Agent>> {
    load_agents(tx, AgentFilter::All).await
}
