//! Files kept for a form while it is being filled in.
//!
//! A create or article form that is shown again (a field error, a text template, the address
//! book) would lose the files the browser sent with it. Instead the adapter keeps them here,
//! under a random key the form carries, for the agent filling it in: they live in the store (so
//! every server behind a load balancer sees them), only that agent sees or removes them, they
//! expire after [`DeskConfig::form_upload_ttl`](crate::DeskConfig::form_upload_ttl), together
//! they are limited to [`DeskConfig::max_form_upload_bytes`](crate::DeskConfig::max_form_upload_bytes),
//! and the command that writes the article ([`ArticleInput::form_uploads`]) takes them as
//! attachments and removes them in its own transaction.

use crate::desk::articles::ArticleInput;
use crate::desk::{Actor, Ctx, Desk, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AgentId, FormUploadId};
use crate::model::{FormUpload, NewAttachment, Principal};
use crate::store::{Store, StoreTx};

/// The shortest form key accepted (keys are random; a short one could be guessed).
pub const MIN_FORM_KEY_CHARS: usize = 16;
/// The longest form key accepted.
pub const MAX_FORM_KEY_CHARS: usize = 64;

/// Refuses a form key that is not 16 to 64 letters, digits, `-` or `_`.
fn check_form_key(key: &str) -> Result<(), DeskError> {
    let well_formed = (MIN_FORM_KEY_CHARS..=MAX_FORM_KEY_CHARS).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if well_formed {
        return Ok(());
    }
    let mut errors = ValidationErrors::new();
    errors.add(
        "form_key",
        format!("must be {MIN_FORM_KEY_CHARS} to {MAX_FORM_KEY_CHARS} letters, digits, - or _"),
    );
    errors.into_result()
}

impl<S: Store> Desk<S> {
    fn uploading_agent(ctx: &Ctx, action: &'static str) -> Result<AgentId, DeskError> {
        Self::require_agent(ctx, action, "form uploads".into())?;
        Ok(ctx.actor.agent().map_or(AgentId::SYSTEM, |a| a.id))
    }

    /// The files the agent keeps for a form that have not expired, by upload order.
    async fn live_form_uploads(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        agent: AgentId,
        form_key: &str,
    ) -> Result<Vec<FormUpload>, DeskError> {
        let oldest = ctx.now - self.config.form_upload_ttl;
        let mut kept = tx.form_uploads(form_key, agent).await?;
        kept.retain(|u| u.created_at >= oldest);
        Ok(kept)
    }

    /// Keeps `files` for the agent's form `form_key` and returns every file the form now keeps.
    ///
    /// Refused (keeping none of them) when a file name is empty or holds a path, or when the
    /// form's files would together exceed `max_form_upload_bytes` or number more than an article
    /// may carry. Expired files of every form are removed on the way.
    pub async fn keep_form_uploads(
        &self,
        actor: Principal,
        form_key: &str,
        files: Vec<NewAttachment>,
    ) -> Result<Vec<FormUpload>, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let agent = Self::uploading_agent(&ctx, "keep")?;
            check_form_key(form_key)?;
            tx.delete_form_uploads_before(ctx.now - self.config.form_upload_ttl)
                .await?;
            let mut kept = self
                .live_form_uploads(&mut tx, &ctx, agent, form_key)
                .await?;
            let mut errors = ValidationErrors::new();
            let mut total: u64 = kept.iter().map(FormUpload::size).sum();
            for file in &files {
                errors.text("attachments", &file.filename, 1, 255, false);
                if file.filename.contains(['/', '\\']) {
                    errors.add(
                        "attachments",
                        "a file name must not contain a path separator",
                    );
                }
                errors.text("attachments", &file.content_type, 1, 255, false);
                total += file.content.len() as u64;
                if total > self.config.max_form_upload_bytes {
                    errors.add(
                        "attachments",
                        format!(
                            "{} was not attached: the attachments would be larger than {} KiB together",
                            file.filename,
                            self.config.max_form_upload_bytes / 1024
                        ),
                    );
                    break;
                }
            }
            if kept.len() + files.len() > self.config.max_attachments_per_article {
                errors.add(
                    "attachments",
                    format!(
                        "at most {} files can be attached",
                        self.config.max_attachments_per_article
                    ),
                );
            }
            errors.into_result()?;
            for file in &files {
                let stored = tx
                    .insert_form_upload(&FormUpload {
                        id: FormUploadId(0),
                        form_key: form_key.to_owned(),
                        agent_id: agent,
                        filename: file.filename.clone(),
                        content_type: file.content_type.clone(),
                        content: file.content.clone(),
                        created_at: ctx.now,
                    })
                    .await?;
                kept.push(stored);
            }
            Ok::<_, DeskError>(kept)
        })
    }

    /// The files the agent keeps for the form `form_key` (none for an unknown key).
    pub async fn form_uploads(
        &self,
        actor: Principal,
        form_key: &str,
    ) -> Result<Vec<FormUpload>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let agent = Self::uploading_agent(&ctx, "read")?;
            check_form_key(form_key)?;
            self.live_form_uploads(&mut tx, &ctx, agent, form_key).await
        })
    }

    /// Removes one file the agent keeps for the form `form_key`.
    pub async fn discard_form_upload(
        &self,
        actor: Principal,
        form_key: &str,
        id: FormUploadId,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let agent = Self::uploading_agent(&ctx, "remove")?;
            check_form_key(form_key)?;
            let kept = tx.form_uploads(form_key, agent).await?;
            if !kept.iter().any(|u| u.id == id) {
                return Err(DeskError::not_found("form upload", id));
            }
            Ok::<_, DeskError>(tx.delete_form_upload(id).await?)
        })
    }

    /// The article with the files kept for its form appended, which are removed from the form
    /// in the same transaction; `None` when the article names no form.
    pub(crate) async fn take_form_uploads(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        input: &ArticleInput,
    ) -> Result<Option<ArticleInput>, DeskError> {
        let Some(form_key) = &input.form_uploads else {
            return Ok(None);
        };
        let mut taken = ArticleInput {
            form_uploads: None,
            ..input.clone()
        };
        taken
            .attachments
            .extend(self.take_form_files(tx, ctx, form_key).await?);
        Ok(Some(taken))
    }

    /// Removes the files kept for the agent's form `form_key` and returns them as attachments,
    /// in the caller's transaction. Customer users keep no files; their forms give none.
    pub(crate) async fn take_form_files(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        form_key: &str,
    ) -> Result<Vec<NewAttachment>, DeskError> {
        let mut files = Vec::new();
        if let Actor::Agent(agent) = &ctx.actor {
            check_form_key(form_key)?;
            for upload in self.live_form_uploads(tx, ctx, agent.id, form_key).await? {
                tx.delete_form_upload(upload.id).await?;
                files.push(NewAttachment {
                    filename: upload.filename,
                    content_type: upload.content_type,
                    content: upload.content,
                    content_id: None,
                    inline: false,
                });
            }
        }
        Ok(files)
    }
}
