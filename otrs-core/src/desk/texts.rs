//! Standard texts: text templates and signatures that admins write and assign to queues, and
//! that agents insert into new articles.

use crate::desk::{Actor, Desk, check_expected_version, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{QueueId, TextId};
use crate::model::{Principal, StandardText, TEXT_CONTENT_TYPES, TextKind, Validity};
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

/// Changes to a text template or signature; `None` leaves a field alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StandardTextUpdate {
    /// New name (1 to 200 characters, unique per kind).
    pub name: Option<String>,
    /// New text.
    pub text: Option<String>,
    /// New content type (`text/plain` or `text/html`).
    pub content_type: Option<String>,
    /// New validity (only valid texts are offered to agents).
    pub validity: Option<Validity>,
    /// New queue assignments (replacing the old ones).
    pub queues: Option<Vec<QueueId>>,
    /// Only apply if the text is still at this version (`If-Match`).
    pub expected_version: Option<u64>,
}

impl<S: Store> Desk<S> {
    /// Every standard text of a kind, invalid ones included, by name (admins: what they manage).
    pub async fn all_standard_texts(
        &self,
        actor: Principal,
        kind: TextKind,
    ) -> Result<Vec<StandardText>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "list", format!("all {}s", kind.name()))?;
            Ok(tx.standard_texts(kind).await?)
        })
    }

    /// The valid standard texts of a kind (agents), by name; with a queue, only those assigned
    /// to it.
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
            let mut all = tx.standard_texts(kind).await?;
            all.retain(|t| t.validity.is_valid());
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
                    content_type: TEXT_CONTENT_TYPES[0].to_owned(),
                    validity: Validity::Valid,
                    queues: new.queues.clone(),
                    created_at: ctx.now,
                    version: 0,
                })
                .await?,
            )
        })
    }

    /// Changes a text template or signature (admins): name, text, content type, validity and
    /// queue assignments; `id` must be one of `kind`. The name stays unique per kind and every
    /// queue must exist; a stale `expected_version` is refused.
    pub async fn update_standard_text(
        &self,
        actor: Principal,
        kind: TextKind,
        id: TextId,
        update: StandardTextUpdate,
    ) -> Result<StandardText, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "change", format!("{} {id}", kind.name()))?;
            let Some(current) = tx
                .standard_texts(kind)
                .await?
                .into_iter()
                .find(|t| t.id == id)
            else {
                return Err(DeskError::not_found(kind.name(), id));
            };
            check_expected_version(
                || format!("{} {}", kind.name(), current.name),
                update.expected_version,
                current.version,
            )?;
            let mut errors = ValidationErrors::new();
            if let Some(name) = &update.name {
                errors.text("name", name, 1, 200, false);
            }
            if let Some(text) = &update.text {
                errors.text("text", text, 0, MAX_TEXT_CHARS, true);
            }
            if let Some(ct) = &update.content_type
                && !TEXT_CONTENT_TYPES.contains(&ct.as_str())
            {
                errors.add("content_type", "must be text/plain or text/html");
            }
            for q in update.queues.iter().flatten() {
                if tx.queue(*q).await?.is_none() {
                    errors.add("queues", format!("queue {q} does not exist"));
                }
            }
            errors.into_result()?;
            let changed = StandardText {
                name: update
                    .name
                    .as_deref()
                    .map_or_else(|| current.name.clone(), |n| n.trim().to_owned()),
                text: update.text.clone().unwrap_or_else(|| current.text.clone()),
                content_type: update
                    .content_type
                    .clone()
                    .unwrap_or_else(|| current.content_type.clone()),
                validity: update.validity.unwrap_or(current.validity),
                queues: update
                    .queues
                    .clone()
                    .unwrap_or_else(|| current.queues.clone()),
                ..current
            };
            Ok::<_, DeskError>(tx.update_standard_text(&changed).await?)
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
