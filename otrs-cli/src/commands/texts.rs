//! `otrs template …` and `otrs signature …`: the standard texts admins assign to queues.

use otrs_core::desk::{NewStandardText, StandardTextUpdate};
use otrs_core::ids::{QueueId, TextId};
use otrs_core::model::{StandardText, TextKind, Validity};
use serde::Serialize;

use crate::app::App;
use crate::cli::TextCommand;
use crate::error::CliError;
use crate::output::{Output, fields};

/// A text as the JSON output shows it.
#[derive(Debug, Serialize)]
struct TextDto {
    id: u64,
    kind: &'static str,
    name: String,
    text: String,
    content_type: String,
    validity: &'static str,
    queues: Vec<String>,
    version: u64,
}

async fn queue_names(app: &App) -> Result<Vec<(QueueId, String)>, CliError> {
    Ok(app
        .desk
        .queues(app.actor)
        .await?
        .into_iter()
        .map(|q| (q.id, q.name))
        .collect())
}

fn dto(t: &StandardText, queues: &[(QueueId, String)]) -> TextDto {
    TextDto {
        id: t.id.0,
        kind: t.kind.name(),
        name: t.name.clone(),
        text: t.text.clone(),
        content_type: t.content_type.clone(),
        validity: t.validity.name(),
        version: t.version,
        queues: t
            .queues
            .iter()
            .map(|q| {
                queues
                    .iter()
                    .find(|(id, _)| id == q)
                    .map_or_else(|| q.to_string(), |(_, n)| n.clone())
            })
            .collect(),
    }
}

fn queue_by_name(queues: &[(QueueId, String)], name: &str) -> Result<QueueId, CliError> {
    queues
        .iter()
        .find(|(_, n)| n == name)
        .map(|(id, _)| *id)
        .or_else(|| name.parse().ok().map(QueueId))
        .ok_or_else(|| CliError::Usage(format!("there is no queue {name:?}")))
}

/// The text from `--text` or `--file` (not both), if either is given.
fn text_arg(
    text: Option<&String>,
    file: Option<&std::path::PathBuf>,
) -> Result<Option<String>, CliError> {
    match (text, file) {
        (Some(t), None) => Ok(Some(t.clone())),
        (None, Some(path)) => std::fs::read_to_string(path)
            .map(Some)
            .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e)),
        (None, None) => Ok(None),
        (Some(_), Some(_)) => Err(CliError::Usage("give --text or --file, not both".into())),
    }
}

/// `otrs template|signature list|create|update|delete`.
pub async fn texts(
    app: &App,
    out: Output,
    kind: TextKind,
    command: &TextCommand,
) -> Result<(), CliError> {
    let queues = queue_names(app).await?;
    match command {
        TextCommand::List { queue, all } => {
            let queue = queue
                .as_deref()
                .map(|q| queue_by_name(&queues, q))
                .transpose()?;
            let texts = if *all {
                let mut texts = app.desk.all_standard_texts(app.actor, kind).await?;
                if let Some(q) = queue {
                    texts.retain(|t| t.queues.contains(&q));
                }
                texts
            } else {
                app.desk.standard_texts(app.actor, kind, queue).await?
            };
            let dtos: Vec<TextDto> = texts.iter().map(|t| dto(t, &queues)).collect();
            out.list(
                &dtos,
                &dtos,
                dtos.len() as u64,
                &["id", "name", "queues", "text"],
                |t| {
                    vec![
                        t.id.to_string(),
                        t.name.clone(),
                        t.queues.join(", "),
                        t.text.lines().next().unwrap_or_default().to_owned(),
                    ]
                },
            )
        }
        TextCommand::Create {
            name,
            text,
            file,
            queue,
        } => {
            let text = text_arg(text.as_ref(), file.as_ref())?.unwrap_or_default();
            let mut ids = Vec::new();
            for q in queue {
                ids.push(queue_by_name(&queues, q)?);
            }
            let created = app
                .desk
                .create_standard_text(
                    app.actor,
                    NewStandardText {
                        kind,
                        name: name.clone(),
                        text,
                        queues: ids,
                    },
                )
                .await?;
            let shown = dto(&created, &queues);
            out.show(&shown, || {
                fields(&[
                    ("id", shown.id.to_string()),
                    ("name", shown.name.clone()),
                    ("queues", shown.queues.join(", ")),
                ])
            })
        }
        TextCommand::Update {
            id,
            name,
            text,
            file,
            content_type,
            validity,
            queue,
            no_queues,
        } => {
            let validity = validity
                .as_deref()
                .map(|v| {
                    Validity::from_name(v).ok_or_else(|| {
                        CliError::Usage(format!(
                            "--validity {v:?}: valid, invalid or invalid-temporarily"
                        ))
                    })
                })
                .transpose()?;
            let assigned = if *no_queues {
                Some(Vec::new())
            } else if queue.is_empty() {
                None
            } else {
                let mut ids = Vec::new();
                for q in queue {
                    ids.push(queue_by_name(&queues, q)?);
                }
                Some(ids)
            };
            let update = StandardTextUpdate {
                name: name.clone(),
                text: text_arg(text.as_ref(), file.as_ref())?,
                content_type: content_type.clone(),
                validity,
                queues: assigned,
                expected_version: None,
            };
            let updated = app
                .desk
                .update_standard_text(app.actor, kind, TextId(*id), update)
                .await?;
            let shown = dto(&updated, &queues);
            out.show(&shown, || {
                fields(&[
                    ("id", shown.id.to_string()),
                    ("name", shown.name.clone()),
                    ("content type", shown.content_type.clone()),
                    ("validity", shown.validity.to_owned()),
                    ("queues", shown.queues.join(", ")),
                ])
            })
        }
        TextCommand::Delete { id } => {
            app.desk
                .delete_standard_text(app.actor, kind, TextId(*id))
                .await?;
            out.show(&serde_json::json!({ "deleted": id }), || {
                format!("{} {id} deleted", kind.name())
            })
        }
    }
}
