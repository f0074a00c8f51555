//! Standard texts: text templates and signatures that admins write and assign to queues, and
//! that agents insert into new articles.

use crate::desk::{Actor, Desk, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{QueueId, TextId};
use crate::model::{Principal, StandardText, TextKind};
use crate::store::{Store, StoreTx};

/// The longest standard text, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// A standard text to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStandardText {
    /// Template or signature.
    pub kind: TextKind,
    /// Name (1 to 200 characters, unique per kind).
    pub name: String,
    /// The text.
    pub text: String,
    /// The queues it is offered in.
    pub queues: Vec<QueueId>,
}

impl<S: Store> Desk<S> {
    /// The standard texts of a kind (agents), by name; with a queue, only those assigned to it.
    pub async fn standard_texts(
        &self,
        actor: Principal,
        kind: TextKind,
        queue: Option<QueueId>,
    ) -> Result<Vec<StandardText>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::PermissionDenied {
                    actor: ctx.actor.describe(),
                    action: "read",
                    object: format!("{}s", kind.name()),
                    reason: "standard texts are for agents".into(),
                });
            }
            let all = tx.standard_texts(kind).await?;
            Ok(match queue {
                Some(q) => all.into_iter().filter(|t| t.queues.contains(&q)).collect(),
                None => all,
            })
        })
    }

    /// Creates a text template or signature (admins). The name must be new for its kind and
    /// every queue must exist.
    pub async fn create_standard_text(
        &self,
        actor: Principal,
        new: NewStandardText,
    ) -> Result<StandardText, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "create", format!("{} {}", new.kind.name(), new.name))?;
            let mut errors = ValidationErrors::new();
            errors.text("name", &new.name, 1, 200, false);
            errors.text("text", &new.text, 0, MAX_TEXT_CHARS, true);
            for q in &new.queues {
                if tx.queue(*q).await?.is_none() {
                    errors.add("queues", format!("queue {q} does not exist"));
                }
            }
            errors.into_result()?;
            Ok::<_, DeskError>(
                tx.insert_standard_text(&StandardText {
                    id: TextId(0),
                    kind: new.kind,
                    name: new.name.trim().to_owned(),
                    text: new.text.clone(),
                    queues: new.queues.clone(),
                    created_at: ctx.now,
                    version: 0,
                })
                .await?,
            )
        })
    }

    /// Deletes a text template or signature (admins); `id` must be one of `kind`.
    pub async fn delete_standard_text(
        &self,
        actor: Principal,
        kind: TextKind,
        id: TextId,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "delete", format!("{} {id}", kind.name()))?;
            if !tx.standard_texts(kind).await?.iter().any(|t| t.id == id) {
                return Err(DeskError::not_found(kind.name(), id));
            }
            Ok::<_, DeskError>(tx.delete_standard_text(id).await?)
        })
    }
}
