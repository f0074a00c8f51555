//! `otrs ticket …` and `otrs search`.

use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket, TicketUpdate};
use otrs_core::ids::{AgentId, StateId, TicketId};
use otrs_core::model::{
    LinkType, NewAttachment, ObjectRef, Priority, StateType, Ticket, TimeUnits,
};
use otrs_core::store::{PageRequest, TicketFilter, TicketSort};
use otrs_http::shapes;

use crate::app::App;
use crate::cli::{LinkTypeArg, SearchArgs, TicketCommand, TicketKindArg, TicketListArgs};
use crate::commands::people::check_page;
use crate::error::CliError;
use crate::output::{Output, fields, table};

/// The most hits taken from the index for a list filter.
const SEARCH_LIMIT: usize = 10_000;

/// A ticket by number (10 digits or more) or id.
pub async fn resolve(app: &App, text: &str) -> Result<Ticket, CliError> {
    let text = text.trim().trim_start_matches('#');
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CliError::Usage(format!(
            "{text:?} is not a ticket number or id"
        )));
    }
    if text.len() >= 10 {
        Ok(app.desk.ticket_by_number(app.actor, text).await?)
    } else {
        let id: u64 = text
            .parse()
            .map_err(|_| CliError::Usage(format!("{text:?} is not a ticket id")))?;
        Ok(app.desk.ticket(app.actor, TicketId(id)).await?)
    }
}

pub(crate) fn read_body(body: &str) -> Result<String, CliError> {
    if body == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| CliError::io("reading the body from standard input", e))?;
        Ok(text)
    } else {
        Ok(body.to_owned())
    }
}

fn parse_priority(text: &str) -> Result<Priority, CliError> {
    Priority::parse(text).ok_or_else(|| {
        CliError::Usage(format!(
            "{text:?} is not a priority (1–5, or e.g. \"high\")"
        ))
    })
}

fn parse_time(text: &str) -> Result<DateTime<Utc>, CliError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            CliError::Usage(format!(
                "{text:?} is not an RFC 3339 time like 2026-12-01T09:00:00Z"
            ))
        })
}

async fn state_id(app: &App, name: &str) -> Result<StateId, CliError> {
    let states = app.desk.states(app.actor).await?;
    states
        .iter()
        .find(|s| s.name.eq_ignore_ascii_case(name))
        .map(|s| s.id)
        .ok_or_else(|| {
            let names: Vec<&str> = states
                .iter()
                .filter(|s| s.valid)
                .map(|s| s.name.as_str())
                .collect();
            CliError::Usage(format!(
                "there is no state {name:?}; states are: {}",
                names.join(", ")
            ))
        })
}

async fn agent_id(app: &App, login: &str) -> Result<AgentId, CliError> {
    Ok(app.desk.agent_by_login(app.actor, login).await?.id)
}

async fn customer_user_id(
    app: &App,
    login: &str,
) -> Result<otrs_core::ids::CustomerUserId, CliError> {
    Ok(app.desk.customer_user_by_login(app.actor, login).await?.id)
}

/// `otrs ticket …`.
pub async fn ticket(app: &App, out: Output, command: &TicketCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    let state = app.shapes();
    match command {
        TicketCommand::Create {
            title,
            queue,
            body,
            subject,
            kind,
            customer_user,
            priority,
            state: state_name,
            pending_until,
            owner,
            attachments,
        } => {
            let queue = desk.queue_by_name(app.actor, queue).await?;
            let kind = match kind {
                TicketKindArg::Phone => ArticleKind::PhoneInbound,
                TicketKindArg::Email => ArticleKind::EmailOutbound,
                TicketKindArg::Note => ArticleKind::Note,
            };
            let mut article =
                ArticleInput::new(kind, subject.clone().unwrap_or_default(), read_body(body)?);
            for path in attachments {
                article.attachments.push(file_attachment(path)?);
            }
            let mut new = NewTicket::new(title.clone(), queue.id, article);
            new.priority = priority.as_deref().map(parse_priority).transpose()?;
            new.state = match state_name {
                Some(name) => Some(state_id(app, name).await?),
                None => None,
            };
            new.pending_until = pending_until.as_deref().map(parse_time).transpose()?;
            new.customer_user = match customer_user {
                Some(login) => Some(customer_user_id(app, login).await?),
                None => None,
            };
            new.owner = match owner {
                Some(login) => Some(agent_id(app, login).await?),
                None => None,
            };
            let ticket = desk.create_ticket(app.actor, new).await?;
            let dto = shapes::ticket(&state, &ticket).await;
            out.show(&dto, || {
                format!("ticket {} created (id {})", ticket.number, ticket.id)
            })
        }
        TicketCommand::Show { ticket, articles } => {
            let ticket = resolve(app, ticket).await?;
            let dto = shapes::ticket(&state, &ticket).await;
            let list = if *articles {
                desk.articles(app.actor, ticket.id).await?
            } else {
                Vec::new()
            };
            if out.json {
                let mut value =
                    serde_json::to_value(&dto).map_err(|e| CliError::Other(e.to_string()))?;
                if *articles {
                    value["articles"] = serde_json::to_value(
                        list.iter()
                            .map(|a| shapes::article(a, false))
                            .collect::<Vec<_>>(),
                    )
                    .map_err(|e| CliError::Other(e.to_string()))?;
                }
                return out.show(&value, String::new);
            }
            let mut text = fields(&[
                ("number", dto.number.clone()),
                ("title", dto.title.clone()),
                ("queue", dto.queue.name.clone()),
                ("state", dto.state.name.clone()),
                ("priority", dto.priority.name.clone()),
                ("lock", dto.lock.clone()),
                ("owner", dto.owner.name.clone()),
                ("responsible", dto.responsible.name.clone()),
                ("customer", dto.customer_id.clone().unwrap_or_default()),
                (
                    "customer user",
                    dto.customer_user
                        .as_ref()
                        .map(|c| c.name.clone())
                        .unwrap_or_default(),
                ),
                (
                    "pending until",
                    dto.pending_until
                        .map(|t| t.to_rfc3339())
                        .unwrap_or_default(),
                ),
                ("accounted time", dto.accounted_time.clone()),
                (
                    "created",
                    dto.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ),
                (
                    "changed",
                    dto.changed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                ),
            ]);
            for a in &list {
                text.push_str(&format!(
                    "\n\n--- article {} · {} · {} · {} · {}\nFrom: {}\nSubject: {}\n\n{}",
                    a.id,
                    a.created_at.format("%Y-%m-%d %H:%M"),
                    a.channel.name(),
                    a.sender_type.name(),
                    a.direction().name(),
                    a.from,
                    a.subject,
                    a.body
                ));
            }
            out.show(&dto, || text)
        }
        TicketCommand::List(args) => list(app, out, args).await,
        TicketCommand::Update {
            ticket,
            title,
            queue,
            state: state_name,
            priority,
            owner,
            responsible,
            pending_until,
            customer_user,
        } => {
            let ticket = resolve(app, ticket).await?;
            let mut update = TicketUpdate {
                title: title.clone(),
                ..Default::default()
            };
            if let Some(name) = queue {
                update.queue = Some(desk.queue_by_name(app.actor, name).await?.id);
            }
            if let Some(name) = state_name {
                update.state = Some(state_id(app, name).await?);
            }
            update.priority = priority.as_deref().map(parse_priority).transpose()?;
            if let Some(login) = owner {
                update.owner = Some(agent_id(app, login).await?);
            }
            if let Some(login) = responsible {
                update.responsible = Some(agent_id(app, login).await?);
            }
            update.pending_until = pending_until.as_deref().map(parse_time).transpose()?;
            if let Some(login) = customer_user {
                update.customer_user = Some(Some(customer_user_id(app, login).await?));
            }
            if update.is_empty() {
                return Err(CliError::Usage(
                    "name at least one property to change (see --help)".into(),
                ));
            }
            let ticket = desk.update_ticket(app.actor, ticket.id, update).await?;
            let dto = shapes::ticket(&state, &ticket).await;
            out.show(&dto, || format!("ticket {} updated", ticket.number))
        }
        TicketCommand::Lock { ticket } => {
            let ticket = resolve(app, ticket).await?;
            let ticket = desk.lock_ticket(app.actor, ticket.id).await?;
            let dto = shapes::ticket(&state, &ticket).await;
            out.show(&dto, || {
                format!("ticket {} locked by {}", ticket.number, dto.owner.name)
            })
        }
        TicketCommand::Unlock { ticket } => {
            let ticket = resolve(app, ticket).await?;
            let ticket = desk.unlock_ticket(app.actor, ticket.id).await?;
            let dto = shapes::ticket(&state, &ticket).await;
            out.show(&dto, || format!("ticket {} unlocked", ticket.number))
        }
        TicketCommand::Merge { ticket, into } => {
            let source = resolve(app, ticket).await?;
            let target = resolve(app, into).await?;
            let target = desk.merge_tickets(app.actor, source.id, target.id).await?;
            let dto = shapes::ticket(&state, &target).await;
            out.show(&dto, || {
                format!("ticket {} merged into {}", source.number, target.number)
            })
        }
        TicketCommand::Link {
            ticket,
            other,
            link_type,
        } => {
            let a = resolve(app, ticket).await?;
            let b = resolve(app, other).await?;
            let link_type = match link_type {
                LinkTypeArg::Normal => LinkType::Normal,
                LinkTypeArg::ParentChild => LinkType::ParentChild,
            };
            let link = desk
                .link(
                    app.actor,
                    ObjectRef::Ticket(a.id),
                    ObjectRef::Ticket(b.id),
                    link_type,
                )
                .await?;
            out.show(&shapes::link(&link), || {
                format!(
                    "tickets {} and {} linked ({})",
                    a.number,
                    b.number,
                    link_type.name()
                )
            })
        }
        TicketCommand::Note {
            ticket,
            body,
            subject,
            visible,
            time_units,
            next_state,
            pending_until,
        } => {
            let ticket = resolve(app, ticket).await?;
            let units = match time_units {
                Some(text) => Some(TimeUnits::parse(text).ok_or_else(|| {
                    CliError::Usage(format!("{text:?} is not an amount of time units"))
                })?),
                None => None,
            };
            let input = ArticleInput {
                visible_for_customer: Some(*visible),
                time_units: units,
                ..ArticleInput::new(
                    ArticleKind::Note,
                    subject.clone().unwrap_or_default(),
                    read_body(body)?,
                )
            };
            // The state change is checked against the version just read, so a change made by
            // someone else in between is refused instead of overwritten.
            let mut update = TicketUpdate {
                pending_until: pending_until.as_deref().map(parse_time).transpose()?,
                expected_version: Some(ticket.version),
                ..Default::default()
            };
            if let Some(name) = next_state {
                update.state = Some(state_id(app, name).await?);
            }
            let (article, after) = desk
                .add_article_and_update(app.actor, ticket.id, input, update)
                .await?;
            let state_note = if after.state_id == ticket.state_id {
                String::new()
            } else {
                format!(", now {}", shapes::ticket(&state, &after).await.state.name)
            };
            out.show(&shapes::article(&article, false), || {
                format!(
                    "note {} added to ticket {}{state_note}",
                    article.id, ticket.number
                )
            })
        }
        TicketCommand::History { ticket } => {
            let ticket = resolve(app, ticket).await?;
            let rows = desk.history(app.actor, ticket.id).await?;
            let dtos = shapes::history(&state, &rows).await;
            if out.json {
                return out.list(&dtos, &dtos, dtos.len() as u64, &[], |_| Vec::new());
            }
            let mut t = table(&[
                "when (UTC)",
                "type",
                "details",
                "by",
                "queue",
                "state",
                "owner",
            ]);
            for d in &dtos {
                t.add_row(vec![
                    d.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    d.history_type.clone(),
                    d.params.join(" | "),
                    format!("{} {}", d.created_by.kind, d.created_by.id),
                    d.queue.name.clone(),
                    d.state.name.clone(),
                    d.owner.name.clone(),
                ]);
            }
            out.show(&dtos, || t.to_string())
        }
    }
}

/// A file from disk as an attachment, named after the file, typed by its extension.
pub(crate) fn file_attachment(path: &std::path::Path) -> Result<NewAttachment, CliError> {
    let content = std::fs::read(path)
        .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?;
    let filename = path.file_name().map_or_else(
        || "attachment".to_owned(),
        |n| n.to_string_lossy().into_owned(),
    );
    Ok(NewAttachment {
        content_type: guess_content_type(&filename).to_owned(),
        filename,
        content: Arc::from(content),
        content_id: None,
        inline: false,
    })
}

fn guess_content_type(filename: &str) -> &'static str {
    let extension = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "txt" | "log" => "text/plain",
        "html" | "htm" => "text/html",
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "csv" => "text/csv",
        "json" => "application/json",
        "zip" => "application/zip",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}

async fn list(app: &App, out: Output, args: &TicketListArgs) -> Result<(), CliError> {
    check_page(args.page, args.per_page)?;
    let desk = &app.desk;
    let sort = TicketSort::parse(&args.sort).ok_or_else(|| {
        CliError::Usage(format!("{:?} is not a sort key; use e.g. -changed, created, number, title, priority, pending_until", args.sort))
    })?;
    let mut filter = TicketFilter::default();
    if !args.queue.is_empty() {
        let mut ids = Vec::new();
        for name in &args.queue {
            ids.push(desk.queue_by_name(app.actor, name).await?.id);
        }
        filter.queue_ids = Some(ids);
    }
    if !args.state.is_empty() {
        let mut ids = Vec::new();
        for name in &args.state {
            ids.push(state_id(app, name).await?);
        }
        filter.state_ids = Some(ids);
    }
    if !args.state_type.is_empty() {
        let mut types = Vec::new();
        for name in &args.state_type {
            types.push(
                StateType::from_name(name)
                    .ok_or_else(|| CliError::Usage(format!("{name:?} is not a state type")))?,
            );
        }
        filter.state_types = Some(types);
    }
    if let Some(login) = &args.owner {
        filter.owner_ids = Some(vec![agent_id(app, login).await?]);
    }
    if let Some(customer) = &args.customer {
        filter.customer_ids = Some(vec![customer.clone()]);
    }
    if let Some(query) = args.query.as_deref().filter(|q| !q.trim().is_empty()) {
        let index = app.index().await?;
        filter.ids = Some(index.search(query, SEARCH_LIMIT)?.tickets);
    }
    let page = desk
        .list_tickets(
            app.actor,
            filter,
            sort,
            PageRequest::page(args.page, args.per_page),
        )
        .await?;
    let dtos = shapes::tickets(&app.shapes(), &page.tickets).await;
    if out.json {
        let value = serde_json::json!({ "items": dtos, "total": page.total, "page": args.page, "per_page": args.per_page });
        return out.show(&value, String::new);
    }
    out.list(
        &dtos,
        &dtos,
        page.total,
        &[
            "number",
            "title",
            "queue",
            "state",
            "priority",
            "owner",
            "changed (UTC)",
        ],
        |t| {
            vec![
                t.number.clone(),
                t.title.clone(),
                t.queue.name.clone(),
                t.state.name.clone(),
                t.priority.name.clone(),
                t.owner.name.clone(),
                t.changed_at.format("%Y-%m-%d %H:%M").to_string(),
            ]
        },
    )
}

/// `otrs search`.
pub async fn search(app: &App, out: Output, args: &SearchArgs) -> Result<(), CliError> {
    if args.query.trim().is_empty() {
        return Err(CliError::Usage("the query is empty".into()));
    }
    let index = app.index().await?;
    let hits = index.search(&args.query, SEARCH_LIMIT)?;
    // Keep the hits the actor may read, in rank order.
    let filter = TicketFilter {
        ids: Some(hits.tickets.clone()),
        ..Default::default()
    };
    let limit = u32::try_from(hits.tickets.len().max(1))
        .unwrap_or(u32::MAX)
        .min(1000);
    let visible = app
        .desk
        .list_tickets(
            app.actor,
            filter,
            TicketSort::default(),
            PageRequest::first(limit),
        )
        .await?;
    let mut by_id: std::collections::HashMap<TicketId, Ticket> =
        visible.tickets.into_iter().map(|t| (t.id, t)).collect();
    let tickets: Vec<Ticket> = hits
        .tickets
        .iter()
        .filter_map(|id| by_id.remove(id))
        .take(args.limit as usize)
        .collect();
    let dtos = shapes::tickets(&app.shapes(), &tickets).await;
    out.list(
        &dtos,
        &dtos,
        visible.total,
        &["number", "title", "queue", "state", "priority"],
        |t| {
            vec![
                t.number.clone(),
                t.title.clone(),
                t.queue.name.clone(),
                t.state.name.clone(),
                t.priority.name.clone(),
            ]
        },
    )
}
