//! `otrs agent`, `otrs group`, `otrs queue`, `otrs customer`, `otrs customer-user`.

use std::collections::BTreeMap;
use std::io::BufRead;

use otrs_core::desk::{
    AgentUpdate, CustomerUpdate, CustomerUserUpdate, NewAgent, NewCustomer, NewCustomerUser,
    NewGroup, NewQueue, QueueUpdate,
};
use otrs_core::ids::{ApiTokenId, GroupId};
use otrs_core::model::{Permission, PermissionSet, Validity};
use otrs_core::rules::password::AuthPolicy;
use otrs_core::store::{CustomerFilter, CustomerUserFilter, PageRequest};
use otrs_core::{DeskError, Principal};
use otrs_http::shapes;

use crate::app::App;
use crate::cli::{
    AgentCommand, CustomerCommand, CustomerUserCommand, GroupCommand, PasswordInput, QueueCommand,
    TokenCommand, ValidityArg,
};
use crate::error::CliError;
use crate::output::{Output, fields};

impl From<ValidityArg> for Validity {
    fn from(value: ValidityArg) -> Validity {
        match value {
            ValidityArg::Valid => Validity::Valid,
            ValidityArg::Invalid => Validity::Invalid,
            ValidityArg::InvalidTemporarily => Validity::InvalidTemporarily,
        }
    }
}

/// Reads a password: the first line of standard input with `--password-stdin`, otherwise a
/// prompt (twice, to catch typos). Never from the command line.
pub fn read_password(input: &PasswordInput, what: &str) -> Result<String, CliError> {
    if input.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| CliError::io("reading the password from standard input", e))?;
        let password = line.trim_end_matches(['\r', '\n']).to_owned();
        if password.is_empty() {
            return Err(CliError::Usage("--password-stdin got an empty line".into()));
        }
        return Ok(password);
    }
    let first = rpassword::prompt_password(format!("Password for {what}: ")).map_err(|e| {
        CliError::io(
            "reading the password (use --password-stdin when not at a terminal)",
            e,
        )
    })?;
    let second = rpassword::prompt_password("Repeat the password: ")
        .map_err(|e| CliError::io("reading the password", e))?;
    if first != second {
        return Err(CliError::Usage("the two passwords differ".into()));
    }
    Ok(first)
}

/// Checks a password against the configured policy and hashes it with argon2id.
fn hash_checked(app: &App, password: &str, customer: bool) -> Result<String, CliError> {
    let policy: AuthPolicy = crate::commands::serve::http_config(&app.setup.config).auth;
    let rules = if customer {
        policy.customer_passwords
    } else {
        policy.agent_passwords
    };
    rules.check("password", password).into_result()?;
    Ok(otrs_http::crypto::hash_password(
        password,
        otrs_http::HashCost::default(),
    ))
}

/// Parses `GROUP=ro,note` (or `GROUP=none`).
fn parse_grant(
    app_groups: &[otrs_core::model::Group],
    text: &str,
) -> Result<(GroupId, PermissionSet), CliError> {
    let (group, perms) = text.split_once('=').ok_or_else(|| {
        CliError::Usage(format!("{text:?}: write GROUP=PERMISSIONS, e.g. users=rw"))
    })?;
    let group = app_groups
        .iter()
        .find(|g| g.name == group)
        .ok_or_else(|| CliError::Usage(format!("there is no group {group:?}")))?;
    Ok((group.id, parse_permissions(perms)?))
}

fn parse_permissions(text: &str) -> Result<PermissionSet, CliError> {
    if text.trim() == "none" {
        return Ok(PermissionSet::EMPTY);
    }
    let mut set = PermissionSet::EMPTY;
    for key in text.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let permission = Permission::from_key(key).ok_or_else(|| {
            CliError::Usage(format!(
                "unknown permission {key:?}; use ro, move_into, create, note, owner, priority or rw"
            ))
        })?;
        set = set.with(permission);
    }
    if set.is_empty() {
        return Err(CliError::Usage(
            "name at least one permission (or none)".into(),
        ));
    }
    Ok(set)
}

/// `otrs agent …`.
pub async fn agent(app: &App, out: Output, command: &AgentCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    let state = app.shapes();
    match command {
        AgentCommand::Add {
            login,
            first_name,
            last_name,
            email,
            groups,
            admin,
            no_password,
            password,
        } => {
            let all_groups = desk.groups(app.actor).await?;
            let mut grants: BTreeMap<GroupId, PermissionSet> = BTreeMap::new();
            for text in groups {
                let (group, perms) = parse_grant(&all_groups, text)?;
                grants.insert(group, perms);
            }
            if *admin {
                grants.insert(GroupId::ADMIN, PermissionSet::RW);
            }
            let password_hash = if *no_password {
                None
            } else {
                let password = read_password(password, login)?;
                Some(hash_checked(app, &password, false)?)
            };
            let agent = desk
                .create_agent(
                    app.actor,
                    NewAgent {
                        login: login.clone(),
                        first_name: first_name.clone(),
                        last_name: last_name.clone(),
                        email: email.clone(),
                        must_change_password: password_hash.is_some(),
                        password_hash,
                        groups: grants,
                    },
                )
                .await?;
            let dto = shapes::agent(&state, &agent).await;
            out.show(&dto, || {
                format!("agent {} created (id {})", agent.login, agent.id)
            })
        }
        AgentCommand::List => {
            let agents = desk.agents(app.actor).await?;
            let mut dtos = Vec::with_capacity(agents.len());
            for a in &agents {
                dtos.push(shapes::agent(&state, a).await);
            }
            let rows: Vec<(u64, String, String, String, String)> = agents
                .iter()
                .map(|a| {
                    (
                        a.id.0,
                        a.login.clone(),
                        a.full_name(),
                        a.email.clone(),
                        a.validity.name().to_owned(),
                    )
                })
                .collect();
            out.list(
                &dtos,
                &rows,
                rows.len() as u64,
                &["id", "login", "name", "e-mail", "validity"],
                |r| {
                    vec![
                        r.0.to_string(),
                        r.1.clone(),
                        r.2.clone(),
                        r.3.clone(),
                        r.4.clone(),
                    ]
                },
            )
        }
        AgentCommand::Show { login } => {
            let agent = desk.agent_by_login(app.actor, login).await?;
            let groups = desk.groups(app.actor).await?;
            let dto = shapes::agent(&state, &agent).await;
            out.show(&dto, || {
                let grants: Vec<String> = agent
                    .groups
                    .iter()
                    .map(|(g, p)| {
                        format!(
                            "{}={p}",
                            groups
                                .iter()
                                .find(|x| x.id == *g)
                                .map_or_else(|| g.to_string(), |x| x.name.clone())
                        )
                    })
                    .collect();
                fields(&[
                    ("id", agent.id.to_string()),
                    ("login", agent.login.clone()),
                    ("name", agent.full_name()),
                    ("e-mail", agent.email.clone()),
                    ("validity", agent.validity.name().to_owned()),
                    ("groups", grants.join(" ")),
                    ("failed sign-ins", agent.failed_logins.to_string()),
                    (
                        "two-factor",
                        if agent.totp_secret.is_some() {
                            "set up".into()
                        } else {
                            "off".into()
                        },
                    ),
                ])
            })
        }
        AgentCommand::SetPassword {
            login,
            permanent,
            password,
        } => {
            let agent = desk.agent_by_login(app.actor, login).await?;
            let password = read_password(password, login)?;
            let hash = hash_checked(app, &password, false)?;
            let update = AgentUpdate {
                password_hash: Some(Some(hash)),
                must_change_password: Some(!permanent),
                ..Default::default()
            };
            desk.update_agent(app.actor, agent.id, update).await?;
            out.show(
                &serde_json::json!({ "login": login, "must_change_password": !permanent }),
                || {
                    format!(
                        "password of {login} set{}",
                        if *permanent {
                            ""
                        } else {
                            "; it must be changed at the next sign-in"
                        }
                    )
                },
            )
        }
        AgentCommand::Reset2fa { login } => {
            let agent = desk.agent_by_login(app.actor, login).await?;
            desk.reset_two_factor(app.actor, Principal::Agent(agent.id))
                .await?;
            out.show(
                &serde_json::json!({ "login": login, "two_factor": "off" }),
                || format!("two-factor authentication of {login} reset"),
            )
        }
        AgentCommand::Unlock { login } => {
            let agent = desk.agent_by_login(app.actor, login).await?;
            desk.clear_lockout(app.actor, Principal::Agent(agent.id))
                .await?;
            out.show(
                &serde_json::json!({ "login": login, "validity": "valid" }),
                || format!("{login} may sign in again"),
            )
        }
        AgentCommand::Token(command) => token(app, out, command).await,
    }
}

async fn token(app: &App, out: Output, command: &TokenCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        TokenCommand::Create {
            login,
            name,
            expires_in_days,
        } => {
            let agent = desk.agent_by_login(app.actor, login).await?;
            let secret = otrs_http::crypto::new_api_token();
            let expires_at =
                expires_in_days.map(|d| desk.now() + chrono::Duration::days(i64::from(d)));
            let token = desk
                .create_api_token(
                    app.actor,
                    agent.id,
                    name,
                    &otrs_http::crypto::digest(&secret),
                    expires_at,
                )
                .await?;
            let mut dto = serde_json::to_value(shapes::token(&token, agent.login.clone()))
                .map_err(|e| CliError::Other(e.to_string()))?;
            dto["secret"] = serde_json::Value::String(secret.clone());
            out.show(&dto, || {
                format!("{secret}\n(token {} for {}: shown only now; send it as `Authorization: Bearer …`)", token.id, agent.login)
            })
        }
        TokenCommand::List { login } => {
            let agent = desk.agent_by_login(app.actor, login).await?;
            let tokens = desk.api_tokens(app.actor, agent.id).await?;
            let dtos: Vec<_> = tokens
                .iter()
                .map(|t| shapes::token(t, agent.login.clone()))
                .collect();
            out.list(
                &dtos,
                &tokens,
                tokens.len() as u64,
                &["id", "name", "created", "last used", "expires", "revoked"],
                |t| {
                    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
                        t.map_or_else(
                            || "-".to_owned(),
                            |t| t.format("%Y-%m-%d %H:%M").to_string(),
                        )
                    };
                    vec![
                        t.id.to_string(),
                        t.name.clone(),
                        time(Some(t.created_at)),
                        time(t.last_used_at),
                        time(t.expires_at),
                        time(t.revoked_at),
                    ]
                },
            )
        }
        TokenCommand::Revoke { id } => {
            let token = desk.revoke_api_token(app.actor, ApiTokenId(*id)).await?;
            out.show(
                &serde_json::json!({ "id": token.id.0, "revoked_at": token.revoked_at }),
                || format!("token {id} revoked"),
            )
        }
    }
}

/// `otrs group …`.
pub async fn group(app: &App, out: Output, command: &GroupCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        GroupCommand::Add { name, comment } => {
            let group = desk
                .create_group(
                    app.actor,
                    NewGroup {
                        name: name.clone(),
                        comment: comment.clone(),
                    },
                )
                .await?;
            out.show(&shapes::group(&group), || {
                format!("group {} created (id {})", group.name, group.id)
            })
        }
        GroupCommand::List => {
            let groups = desk.groups(app.actor).await?;
            let dtos: Vec<_> = groups.iter().map(shapes::group).collect();
            out.list(
                &dtos,
                &groups,
                groups.len() as u64,
                &["id", "name", "validity", "comment"],
                |g| {
                    vec![
                        g.id.to_string(),
                        g.name.clone(),
                        g.validity.name().to_owned(),
                        g.comment.clone(),
                    ]
                },
            )
        }
        GroupCommand::Grant {
            group,
            agent,
            permissions,
        } => {
            let groups = desk.groups(app.actor).await?;
            let group = groups
                .iter()
                .find(|g| g.name == *group)
                .ok_or_else(|| CliError::Usage(format!("there is no group {group:?}")))?;
            let record = desk.agent_by_login(app.actor, agent).await?;
            let set = parse_permissions(permissions)?;
            let mut grants = record.groups.clone();
            if set.is_empty() {
                grants.remove(&group.id);
            } else {
                grants.insert(group.id, set);
            }
            let updated = desk
                .update_agent(
                    app.actor,
                    record.id,
                    AgentUpdate {
                        groups: Some(grants),
                        ..Default::default()
                    },
                )
                .await?;
            let dto = shapes::agent(&app.shapes(), &updated).await;
            out.show(&dto, || {
                format!(
                    "{} now has {} on {}",
                    updated.login,
                    if set.is_empty() {
                        "nothing".into()
                    } else {
                        set.to_string()
                    },
                    group.name
                )
            })
        }
    }
}

async fn queue_by_name(app: &App, name: &str) -> Result<otrs_core::model::Queue, CliError> {
    app.desk
        .queue_by_name(app.actor, name)
        .await
        .map_err(CliError::from)
}

async fn group_by_name(app: &App, name: &str) -> Result<otrs_core::model::Group, CliError> {
    app.desk
        .groups(app.actor)
        .await?
        .into_iter()
        .find(|g| g.name == name)
        .ok_or_else(|| CliError::Desk(DeskError::not_found("group", name)))
}

/// `otrs queue …`.
pub async fn queue(app: &App, out: Output, command: &QueueCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    let state = app.shapes();
    match command {
        QueueCommand::Add {
            name,
            group,
            comment,
            unlock_timeout,
        } => {
            let group = group_by_name(app, group).await?;
            let new = NewQueue {
                comment: comment.clone(),
                unlock_timeout_minutes: *unlock_timeout,
                ..NewQueue::new(name.clone(), group.id)
            };
            let queue = desk.create_queue(app.actor, new).await?;
            let dto = shapes::queue(&state, &queue).await;
            out.show(&dto, || {
                format!("queue {} created (id {})", queue.name, queue.id)
            })
        }
        QueueCommand::List => {
            let queues = desk.queues(app.actor).await?;
            let groups = desk.groups(app.actor).await?;
            let mut dtos = Vec::new();
            for q in &queues {
                dtos.push(shapes::queue(&state, q).await);
            }
            out.list(
                &dtos,
                &queues,
                queues.len() as u64,
                &["id", "name", "group", "validity", "comment"],
                |q| {
                    let group = groups
                        .iter()
                        .find(|g| g.id == q.group_id)
                        .map_or_else(|| q.group_id.to_string(), |g| g.name.clone());
                    vec![
                        q.id.to_string(),
                        q.name.clone(),
                        group,
                        q.validity.name().to_owned(),
                        q.comment.clone(),
                    ]
                },
            )
        }
        QueueCommand::Show { name } => {
            let queue = queue_by_name(app, name).await?;
            let dto = shapes::queue(&state, &queue).await;
            out.show(&dto, || {
                fields(&[
                    ("id", queue.id.to_string()),
                    ("name", queue.name.clone()),
                    ("group", dto.group.name.clone()),
                    ("validity", queue.validity.name().to_owned()),
                    (
                        "unlock timeout",
                        format!("{} min", queue.unlock_timeout_minutes),
                    ),
                    (
                        "follow-ups",
                        if queue.follow_up_possible {
                            "possible".into()
                        } else {
                            "rejected".into()
                        },
                    ),
                    ("comment", queue.comment.clone()),
                ])
            })
        }
        QueueCommand::Update {
            name,
            rename,
            group,
            comment,
            validity,
        } => {
            let queue = queue_by_name(app, name).await?;
            let group = match group {
                Some(g) => Some(group_by_name(app, g).await?.id),
                None => None,
            };
            let update = QueueUpdate {
                name: rename.clone(),
                group,
                comment: comment.clone(),
                validity: validity.map(Validity::from),
                ..Default::default()
            };
            let queue = desk.update_queue(app.actor, queue.id, update).await?;
            let dto = shapes::queue(&state, &queue).await;
            out.show(&dto, || format!("queue {} updated", queue.name))
        }
    }
}

/// `otrs customer …`.
pub async fn customer(app: &App, out: Output, command: &CustomerCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        CustomerCommand::Add {
            customer_id,
            name,
            street,
            zip,
            city,
            country,
            url,
            comment,
        } => {
            let new = NewCustomer {
                customer_id: customer_id.clone(),
                name: name.clone(),
                street: street.clone(),
                zip: zip.clone(),
                city: city.clone(),
                country: country.clone(),
                url: url.clone(),
                comment: comment.clone(),
            };
            let customer = desk.create_customer(app.actor, new).await?;
            out.show(&shapes::customer(&customer), || {
                format!(
                    "customer {} created (id {})",
                    customer.customer_id, customer.id
                )
            })
        }
        CustomerCommand::List {
            search,
            page,
            per_page,
        } => {
            check_page(*page, *per_page)?;
            let filter = CustomerFilter {
                search: search.clone(),
                validity: None,
            };
            let result = desk
                .customers(app.actor, filter, PageRequest::page(*page, *per_page))
                .await?;
            let dtos: Vec<_> = result.items.iter().map(shapes::customer).collect();
            out.list(
                &dtos,
                &result.items,
                result.total,
                &["id", "CustomerID", "name", "city", "validity"],
                |c| {
                    vec![
                        c.id.to_string(),
                        c.customer_id.clone(),
                        c.name.clone(),
                        c.city.clone(),
                        c.validity.name().to_owned(),
                    ]
                },
            )
        }
        CustomerCommand::Show { customer_id } => {
            let c = desk.customer_by_customer_id(app.actor, customer_id).await?;
            out.show(&shapes::customer(&c), || {
                fields(&[
                    ("id", c.id.to_string()),
                    ("CustomerID", c.customer_id.clone()),
                    ("name", c.name.clone()),
                    (
                        "address",
                        [
                            c.street.as_str(),
                            c.zip.as_str(),
                            c.city.as_str(),
                            c.country.as_str(),
                        ]
                        .iter()
                        .filter(|s| !s.is_empty())
                        .copied()
                        .collect::<Vec<_>>()
                        .join(", "),
                    ),
                    ("url", c.url.clone()),
                    ("validity", c.validity.name().to_owned()),
                    ("comment", c.comment.clone()),
                ])
            })
        }
        CustomerCommand::Update {
            customer_id,
            name,
            city,
            country,
            validity,
        } => {
            let c = desk.customer_by_customer_id(app.actor, customer_id).await?;
            let update = CustomerUpdate {
                name: name.clone(),
                city: city.clone(),
                country: country.clone(),
                validity: validity.map(Validity::from),
                ..Default::default()
            };
            let c = desk.update_customer(app.actor, c.id, update).await?;
            out.show(&shapes::customer(&c), || {
                format!("customer {} updated", c.customer_id)
            })
        }
    }
}

/// Refuses pages the API refuses too.
pub fn check_page(page: u32, per_page: u32) -> Result<(), CliError> {
    if page == 0 {
        return Err(CliError::Usage("--page starts at 1".into()));
    }
    if per_page == 0 || per_page > 100 {
        return Err(CliError::Usage(
            "--per-page must be between 1 and 100".into(),
        ));
    }
    Ok(())
}

/// `otrs customer-user …`.
pub async fn customer_user(
    app: &App,
    out: Output,
    command: &CustomerUserCommand,
) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        CustomerUserCommand::Add {
            login,
            first_name,
            last_name,
            email,
            customer,
            no_password,
            password,
        } => {
            let password_hash = if *no_password {
                None
            } else {
                let password = read_password(password, login)?;
                Some(hash_checked(app, &password, true)?)
            };
            let new = NewCustomerUser {
                login: login.clone(),
                first_name: first_name.clone(),
                last_name: last_name.clone(),
                email: email.clone(),
                customer_id: customer.clone(),
                must_change_password: password_hash.is_some(),
                password_hash,
                ..Default::default()
            };
            let user = desk.create_customer_user(app.actor, new).await?;
            out.show(&shapes::customer_user(&user), || {
                format!("customer user {} created (id {})", user.login, user.id)
            })
        }
        CustomerUserCommand::List {
            customer,
            search,
            page,
            per_page,
        } => {
            check_page(*page, *per_page)?;
            let filter = CustomerUserFilter {
                search: search.clone(),
                customer_id: customer.clone(),
                validity: None,
            };
            let result = desk
                .customer_users(app.actor, filter, PageRequest::page(*page, *per_page))
                .await?;
            let dtos: Vec<_> = result.items.iter().map(shapes::customer_user).collect();
            out.list(
                &dtos,
                &result.items,
                result.total,
                &["id", "login", "name", "e-mail", "CustomerID", "validity"],
                |u| {
                    vec![
                        u.id.to_string(),
                        u.login.clone(),
                        u.full_name(),
                        u.email.clone(),
                        u.customer_id.clone(),
                        u.validity.name().to_owned(),
                    ]
                },
            )
        }
        CustomerUserCommand::Show { login } => {
            let u = desk.customer_user_by_login(app.actor, login).await?;
            out.show(&shapes::customer_user(&u), || {
                fields(&[
                    ("id", u.id.to_string()),
                    ("login", u.login.clone()),
                    ("name", u.full_name()),
                    ("e-mail", u.email.clone()),
                    ("CustomerID", u.customer_id.clone()),
                    ("phone", u.phone.clone()),
                    ("validity", u.validity.name().to_owned()),
                ])
            })
        }
        CustomerUserCommand::Update {
            login,
            email,
            validity,
        } => {
            let u = desk.customer_user_by_login(app.actor, login).await?;
            let update = CustomerUserUpdate {
                email: email.clone(),
                validity: validity.map(Validity::from),
                ..Default::default()
            };
            let u = desk.update_customer_user(app.actor, u.id, update).await?;
            out.show(&shapes::customer_user(&u), || {
                format!("customer user {} updated", u.login)
            })
        }
        CustomerUserCommand::SetPassword { login, password } => {
            let u = desk.customer_user_by_login(app.actor, login).await?;
            let password = read_password(password, login)?;
            let hash = hash_checked(app, &password, true)?;
            let update = CustomerUserUpdate {
                password_hash: Some(Some(hash)),
                must_change_password: Some(true),
                ..Default::default()
            };
            desk.update_customer_user(app.actor, u.id, update).await?;
            out.show(
                &serde_json::json!({ "login": login, "must_change_password": true }),
                || format!("password of {login} set; it must be changed at the next sign-in"),
            )
        }
    }
}
