//! `otrs kb category …` and `otrs kb article …`: the knowledge base from the command line.
//! The desk checks every permission (`--as LOGIN` acts as an agent); `--json` prints the API's
//! shapes.

use otrs_core::Principal;
use otrs_core::desk::{
    KbArticleInput, KbArticleUpdate, KbArticleView, KbCategoryUpdate, KbQuery, KbSortKey,
    NewKbCategory,
};
use otrs_core::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId};
use otrs_core::model::{
    KbContentType, KbState, LinkType, ObjectRef, Validity, kb_article_id_from_number,
};
use otrs_http::dto::Named;
use otrs_http::shapes;

use crate::app::App;
use crate::cli::{
    KbArticleCommand, KbArticleFields, KbCategoryCommand, KbCommand, KbContentTypeArg, KbSortArg,
    KbStateArg, LinkTypeArg,
};
use crate::commands::tickets::{file_attachment, read_body, resolve};
use crate::error::CliError;
use crate::output::{Output, fields, table};

impl From<KbStateArg> for KbState {
    fn from(value: KbStateArg) -> KbState {
        match value {
            KbStateArg::Internal => KbState::Internal,
            KbStateArg::External => KbState::External,
            KbStateArg::Public => KbState::Public,
        }
    }
}

impl From<KbContentTypeArg> for KbContentType {
    fn from(value: KbContentTypeArg) -> KbContentType {
        match value {
            KbContentTypeArg::Html => KbContentType::Html,
            KbContentTypeArg::Plain => KbContentType::Plain,
        }
    }
}

impl From<KbSortArg> for KbSortKey {
    fn from(value: KbSortArg) -> KbSortKey {
        match value {
            KbSortArg::Number => KbSortKey::Number,
            KbSortArg::Title => KbSortKey::Title,
            KbSortArg::Category => KbSortKey::Category,
            KbSortArg::Language => KbSortKey::Language,
            KbSortArg::State => KbSortKey::State,
            KbSortArg::Validity => KbSortKey::Validity,
            KbSortArg::Created => KbSortKey::Created,
            KbSortArg::Changed => KbSortKey::Changed,
        }
    }
}

/// `otrs kb …`.
pub async fn kb(app: &App, out: Output, command: &KbCommand) -> Result<(), CliError> {
    match command {
        KbCommand::Category(c) => category(app, out, c).await,
        KbCommand::Article(c) => article(app, out, c).await,
    }
}

/// Every group's id and name, for showing and resolving category groups.
async fn group_names(app: &App) -> Result<Vec<Named>, CliError> {
    Ok(app
        .desk
        .groups(app.actor)
        .await?
        .into_iter()
        .map(|g| Named {
            id: g.id.0,
            name: g.name,
        })
        .collect())
}

/// Groups by name or id.
fn group_ids(
    all: &[Named],
    given: &[String],
) -> Result<std::collections::BTreeSet<GroupId>, CliError> {
    given
        .iter()
        .map(|g| {
            all.iter()
                .find(|n| n.name == *g || n.id.to_string() == *g)
                .map(|n| GroupId(n.id))
                .ok_or_else(|| CliError::Usage(format!("there is no group {g:?}")))
        })
        .collect()
}

async fn category(app: &App, out: Output, command: &KbCategoryCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    let all_groups = group_names(app).await?;
    let groups = all_groups.as_slice();
    let show = |id: KbCategoryId| async move {
        let nodes = desk.kb_categories(app.actor).await?;
        let node = nodes
            .iter()
            .find(|n| n.category.id == id)
            .ok_or_else(|| CliError::Desk(otrs_core::DeskError::not_found("category", id)))?;
        Ok::<_, CliError>(shapes::kb_category(node, Some(groups)))
    };
    match command {
        KbCategoryCommand::List => {
            let nodes = desk.kb_categories(app.actor).await?;
            let dtos: Vec<_> = nodes
                .iter()
                .map(|n| shapes::kb_category(n, Some(groups)))
                .collect();
            out.list(
                &dtos,
                &dtos,
                dtos.len() as u64,
                &["id", "category", "articles", "groups", "validity"],
                |c| {
                    vec![
                        c.id.to_string(),
                        format!("{}{}", "  ".repeat(c.depth), c.name),
                        c.article_count.to_string(),
                        c.groups
                            .iter()
                            .flatten()
                            .map(|g| g.name.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                        c.validity.clone(),
                    ]
                },
            )
        }
        KbCategoryCommand::Create {
            name,
            groups: given,
            parent,
            comment,
        } => {
            let created = desk
                .create_kb_category(
                    app.actor,
                    NewKbCategory {
                        parent_id: parent.map(KbCategoryId),
                        name: name.clone(),
                        comment: comment.clone(),
                        group_ids: group_ids(groups, given)?,
                    },
                )
                .await?;
            let dto = show(created.id).await?;
            out.show(&dto, || {
                format!("category {:?} created (id {})", dto.path, dto.id)
            })
        }
        KbCategoryCommand::Update {
            id,
            name,
            parent,
            top,
            comment,
            groups: given,
            validity,
        } => {
            let update = KbCategoryUpdate {
                parent_id: if *top {
                    Some(None)
                } else {
                    parent.map(|p| Some(KbCategoryId(p)))
                },
                name: name.clone(),
                comment: comment.clone(),
                group_ids: if given.is_empty() {
                    None
                } else {
                    Some(group_ids(groups, given)?)
                },
                validity: validity.map(Validity::from),
            };
            if update == KbCategoryUpdate::default() {
                return Err(CliError::Usage(
                    "name at least one property to change (see --help)".into(),
                ));
            }
            desk.update_kb_category(app.actor, KbCategoryId(*id), update, None)
                .await?;
            let dto = show(KbCategoryId(*id)).await?;
            out.show(&dto, || {
                fields(&[
                    ("id", dto.id.to_string()),
                    ("category", dto.path.clone()),
                    ("validity", dto.validity.clone()),
                    (
                        "groups",
                        dto.groups
                            .iter()
                            .flatten()
                            .map(|g| g.name.clone())
                            .collect::<Vec<_>>()
                            .join(", "),
                    ),
                ])
            })
        }
        KbCategoryCommand::Delete { id } => {
            desk.delete_kb_category(app.actor, KbCategoryId(*id))
                .await?;
            out.show(&serde_json::json!({ "deleted": id }), || {
                format!("category {id} deleted")
            })
        }
    }
}

/// An article by number (`10001`, `FAQ#10001`) or, when the text is not one of this system's
/// numbers, by id.
fn article_id(app: &App, text: &str) -> Result<KbArticleId, CliError> {
    let text = text.trim();
    let bare = text
        .strip_prefix("FAQ#")
        .or_else(|| text.strip_prefix("faq#"))
        .unwrap_or(text);
    if let Some(id) = kb_article_id_from_number(app.desk.config().system_id, bare) {
        return Ok(id);
    }
    bare.parse::<u64>()
        .ok()
        .filter(|id| *id > 0)
        .map(KbArticleId)
        .ok_or_else(|| {
            CliError::Usage(format!(
                "{text:?} is not an article number (e.g. {}) or id",
                otrs_core::model::kb_article_number(app.desk.config().system_id, KbArticleId(1))
            ))
        })
}

fn is_agent(app: &App) -> bool {
    matches!(app.actor, Principal::Agent(_))
}

/// A text option, with "-" read from standard input.
fn text(value: Option<&String>) -> Result<Option<String>, CliError> {
    value.map(|v| read_body(v)).transpose()
}

/// Prints an article: `--json` the API's shape, else its fields and texts after a `note` line
/// (what was done, if anything) and before `extra` (links, history).
fn show_article(
    app: &App,
    out: Output,
    view: &KbArticleView,
    note: &str,
    extra: &str,
) -> Result<(), CliError> {
    let dto = shapes::kb_article(view, is_agent(app));
    out.show(&dto, || {
        let mut text = if note.is_empty() {
            String::new()
        } else {
            format!("FAQ#{}: {note}\n\n", dto.number)
        };
        text += &fields(&[
            ("number", format!("FAQ#{}", dto.number)),
            ("id", dto.id.to_string()),
            ("title", dto.title.clone()),
            ("category", dto.category.path.clone()),
            ("state", dto.state.clone()),
            ("validity", dto.validity.clone()),
            ("approved", dto.approved.to_string()),
            ("language", dto.language.clone()),
            ("keywords", dto.keywords.clone()),
            (
                "rating",
                match dto.rating.percent {
                    Some(p) => format!("{p}% helpful ({} votes)", dto.rating.votes),
                    None => "no votes".into(),
                },
            ),
            (
                "changed",
                dto.changed_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            ),
        ]);
        for (label, value) in [
            ("Symptom", &dto.symptom),
            ("Problem", &dto.problem),
            ("Solution", &dto.solution),
        ] {
            if !value.is_empty() {
                text.push_str(&format!("\n\n--- {label}\n{value}"));
            }
        }
        if let Some(comment) = dto.comment.as_ref().filter(|c| !c.is_empty()) {
            text.push_str(&format!("\n\n--- Comment (internal)\n{comment}"));
        }
        for a in &dto.attachments {
            text.push_str(&format!(
                "\nfile {}: {} ({}, {} bytes)",
                a.id, a.filename, a.content_type, a.size
            ));
        }
        text.push_str(extra);
        text
    })
}

/// The desk input from the shared field options (`None` where not given).
struct Fields {
    keywords: Option<String>,
    language: Option<String>,
    state: Option<KbState>,
    validity: Option<Validity>,
    content_type: Option<KbContentType>,
    symptom: Option<String>,
    problem: Option<String>,
    solution: Option<String>,
    comment: Option<String>,
}

fn fields_of(f: &KbArticleFields) -> Result<Fields, CliError> {
    Ok(Fields {
        keywords: f.keywords.clone(),
        language: f.language.clone(),
        state: f.state.map(KbState::from),
        validity: f.validity.map(Validity::from),
        content_type: f.content_type.map(KbContentType::from),
        symptom: text(f.symptom.as_ref())?,
        problem: text(f.problem.as_ref())?,
        solution: text(f.solution.as_ref())?,
        comment: text(f.comment.as_ref())?,
    })
}

/// The other end of a link: a ticket or an article.
async fn other_end(
    app: &App,
    ticket: Option<&String>,
    article: Option<&String>,
) -> Result<ObjectRef, CliError> {
    match (ticket, article) {
        (Some(t), None) => Ok(ObjectRef::Ticket(resolve(app, t).await?.id)),
        (None, Some(a)) => Ok(ObjectRef::KbArticle(article_id(app, a)?)),
        _ => Err(CliError::Usage("give --ticket or --article".into())),
    }
}

async fn article(app: &App, out: Output, command: &KbArticleCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        KbArticleCommand::List {
            text,
            category,
            no_subcategories,
            state,
            language,
            validity,
            sort,
            asc,
            offset,
            limit,
        } => {
            let query = KbQuery {
                text: text.clone(),
                category_id: category.map(KbCategoryId),
                include_subcategories: !no_subcategories,
                states: state.iter().map(|s| KbState::from(*s)).collect(),
                language: language.clone(),
                validity: validity.map(Validity::from),
                sort: KbSortKey::from(*sort),
                descending: !asc,
                offset: *offset,
                limit: *limit,
            };
            let page = desk.search_kb(app.actor, query).await?;
            let dtos: Vec<_> = page.items.iter().map(shapes::kb_article_summary).collect();
            if out.json {
                let value = serde_json::json!({ "items": dtos, "total": page.total, "offset": offset, "limit": limit });
                return out.show(&value, String::new);
            }
            out.list(
                &dtos,
                &dtos,
                page.total,
                &[
                    "number",
                    "title",
                    "category",
                    "state",
                    "language",
                    "changed (UTC)",
                ],
                |a| {
                    vec![
                        a.number.clone(),
                        a.title.clone(),
                        a.category_path.clone(),
                        a.state.clone(),
                        a.language.clone(),
                        a.changed_at.format("%Y-%m-%d %H:%M").to_string(),
                    ]
                },
            )
        }
        KbArticleCommand::Show { article, history } => {
            let id = article_id(app, article)?;
            let view = desk.kb_article(app.actor, id).await?;
            let here = ObjectRef::KbArticle(id);
            let mut extra = String::new();
            for link in desk.links(app.actor, here).await? {
                extra.push_str(&format!(
                    "\nlink {}: {} ({})",
                    link.id,
                    link.other_end(here),
                    link.link_type.name()
                ));
            }
            if !*history {
                return show_article(app, out, &view, "", &extra);
            }
            let rows = desk.kb_history(app.actor, id).await?;
            let dtos: Vec<_> = rows.iter().map(shapes::kb_history).collect();
            if out.json {
                let mut value = serde_json::to_value(shapes::kb_article(&view, is_agent(app)))
                    .map_err(|e| CliError::Other(e.to_string()))?;
                value["history"] =
                    serde_json::to_value(&dtos).map_err(|e| CliError::Other(e.to_string()))?;
                return out.show(&value, String::new);
            }
            let mut t = table(&["when (UTC)", "action", "details", "by"]);
            for d in &dtos {
                t.add_row(vec![
                    d.at.format("%Y-%m-%d %H:%M:%S").to_string(),
                    d.action.clone(),
                    d.detail.clone(),
                    format!("{} {}", d.by.kind, d.by.id),
                ]);
            }
            extra.push_str(&format!("\n\n{t}"));
            show_article(app, out, &view, "", &extra)
        }
        KbArticleCommand::Create {
            category,
            title,
            fields,
            attachments,
        } => {
            let f = fields_of(fields)?;
            let mut input = KbArticleInput::new(KbCategoryId(*category), title.clone());
            input.language = f
                .language
                .or_else(|| desk.config().kb_languages.first().cloned())
                .unwrap_or(input.language);
            input.keywords = f.keywords.unwrap_or_default();
            input.state = f.state.unwrap_or(input.state);
            input.validity = f.validity.unwrap_or(input.validity);
            input.content_type = f.content_type.unwrap_or(input.content_type);
            input.symptom = f.symptom.unwrap_or_default();
            input.problem = f.problem.unwrap_or_default();
            input.solution = f.solution.unwrap_or_default();
            input.comment = f.comment.unwrap_or_default();
            for path in attachments {
                input.attachments.push(file_attachment(path)?);
            }
            let created = desk.create_kb_article(app.actor, input).await?;
            let view = desk.kb_article(app.actor, created.id).await?;
            show_article(app, out, &view, "created", "")
        }
        KbArticleCommand::Update {
            article,
            category,
            title,
            fields,
        } => {
            let id = article_id(app, article)?;
            let f = fields_of(fields)?;
            let update = KbArticleUpdate {
                category_id: category.map(KbCategoryId),
                title: title.clone(),
                keywords: f.keywords,
                language: f.language,
                state: f.state,
                validity: f.validity,
                content_type: f.content_type,
                symptom: f.symptom,
                problem: f.problem,
                solution: f.solution,
                comment: f.comment,
                ..KbArticleUpdate::default()
            };
            if update == KbArticleUpdate::default() {
                return Err(CliError::Usage(
                    "name at least one property to change (see --help)".into(),
                ));
            }
            desk.update_kb_article(app.actor, id, update, None).await?;
            let view = desk.kb_article(app.actor, id).await?;
            show_article(app, out, &view, "updated", "")
        }
        KbArticleCommand::Delete { article } => {
            let id = article_id(app, article)?;
            let number = otrs_core::model::kb_article_number(desk.config().system_id, id);
            desk.delete_kb_article(app.actor, id, None).await?;
            out.show(&serde_json::json!({ "deleted": number }), || {
                format!("article FAQ#{number} deleted")
            })
        }
        KbArticleCommand::Approve { article, withdraw } => {
            let id = article_id(app, article)?;
            desk.set_kb_approval(app.actor, id, !withdraw, None).await?;
            let view = desk.kb_article(app.actor, id).await?;
            let note = if *withdraw {
                "approval withdrawn"
            } else {
                "approved"
            };
            show_article(app, out, &view, note, "")
        }
        KbArticleCommand::Attach {
            article,
            files,
            remove,
        } => {
            let id = article_id(app, article)?;
            let note = match remove {
                Some(file) => {
                    desk.remove_kb_attachment(app.actor, id, KbAttachmentId(*file), None)
                        .await?;
                    format!("file {file} removed")
                }
                None => {
                    let mut uploads = Vec::new();
                    for path in files {
                        uploads.push(file_attachment(path)?);
                    }
                    let count = uploads.len();
                    desk.add_kb_attachments(app.actor, id, uploads, None)
                        .await?;
                    format!("{count} file(s) attached")
                }
            };
            let view = desk.kb_article(app.actor, id).await?;
            show_article(app, out, &view, &note, "")
        }
        KbArticleCommand::Link {
            article,
            ticket,
            to_article,
            link_type,
        } => {
            let id = article_id(app, article)?;
            let other = other_end(app, ticket.as_ref(), to_article.as_ref()).await?;
            let link_type = match link_type {
                LinkTypeArg::Normal => LinkType::Normal,
                LinkTypeArg::ParentChild => LinkType::ParentChild,
            };
            let link = desk
                .link(app.actor, ObjectRef::KbArticle(id), other, link_type)
                .await?;
            out.show(&shapes::link(&link), || {
                format!(
                    "{} and {other} linked ({})",
                    ObjectRef::KbArticle(id),
                    link_type.name()
                )
            })
        }
        KbArticleCommand::Unlink {
            article,
            ticket,
            to_article,
        } => {
            let id = article_id(app, article)?;
            let here = ObjectRef::KbArticle(id);
            let other = other_end(app, ticket.as_ref(), to_article.as_ref()).await?;
            let link = desk
                .links(app.actor, here)
                .await?
                .into_iter()
                .find(|l| l.other_end(here) == other)
                .ok_or_else(|| {
                    CliError::Desk(otrs_core::DeskError::not_found(
                        "link",
                        format!("{here} – {other}"),
                    ))
                })?;
            desk.unlink(app.actor, link.id).await?;
            out.show(
                &serde_json::json!({ "unlinked": shapes::link(&link) }),
                || format!("{here} and {other} unlinked"),
            )
        }
    }
}
