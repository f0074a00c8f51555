//! `otrs template …` and `otrs signature …`: the standard texts admins assign to queues.

use otrs_core::desk::NewStandardText;
use otrs_core::ids::{QueueId, TextId};
use otrs_core::model::{StandardText, TextKind};
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
    queues: Vec<String>,
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

/// `otrs template|signature list|create|delete`.
pub async fn texts(
    app: &App,
    out: Output,
    kind: TextKind,
    command: &TextCommand,
) -> Result<(), CliError> {
    let queues = queue_names(app).await?;
    match command {
        TextCommand::List { queue } => {
            let queue = queue
                .as_deref()
                .map(|q| queue_by_name(&queues, q))
                .transpose()?;
            let texts = app.desk.standard_texts(app.actor, kind, queue).await?;
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
            let text = match (text, file) {
                (Some(t), None) => t.clone(),
                (None, Some(path)) => std::fs::read_to_string(path)
                    .map_err(|e| CliError::io(format!("cannot read {}", path.display()), e))?,
                (None, None) => String::new(),
                (Some(_), Some(_)) => {
                    return Err(CliError::Usage("give --text or --file, not both".into()));
                }
            };
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
