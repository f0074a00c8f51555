//! The article actions of the ticket detail view that are more than adding an article:
//! reading one article, redirecting an e-mail (optionally telling its sender), splitting an
//! article into a new linked ticket, removing a ticket's link to a non-ticket object, and the
//! rights an actor holds on a ticket (so that interfaces can hide what would be refused).

use std::sync::Arc;

use crate::desk::articles::split_addresses;
use crate::desk::links::kb_link_label;
use crate::desk::{
    Actor, ArticleInput, ArticleKind, Ctx, Desk, NewTicket, TicketEdit, read_tx, write_tx,
};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{ArticleId, LinkId, TicketId};
use crate::model::{
    Article, Channel, HistoryType, Link, LinkType, MessageStatus, NewAttachment, ObjectRef,
    OutgoingAttachment, OutgoingMessage, Permission, Principal, Ticket,
};
use crate::store::{Store, StoreTx};

/// What a redirect did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirected {
    /// The queued copy of the e-mail for the new recipient.
    pub message: OutgoingMessage,
    /// The article telling the original sender, when that was asked for.
    pub notice: Option<Article>,
}

/// The RFC 5322 source of an e-mail article, as far as the desk keeps one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArticleSource {
    /// The e-mail the article was created from, byte for byte as it was given.
    Received(Arc<[u8]>),
    /// The e-mail the article sent, byte for byte as it was handed to the relay.
    Sent {
        /// The outbox message (status [`MessageStatus::Sent`]).
        message: OutgoingMessage,
        /// Its source.
        source: Arc<[u8]>,
    },
    /// The article's e-mail is in the outbox and has not been handed to a relay (yet: it is
    /// pending; or it failed for good). The sender builds its source when it sends it.
    Unsent(OutgoingMessage),
    /// No source is kept: the article was written without one (a form, older data).
    NotKept,
}

impl<S: Store> Desk<S> {
    /// The permissions the actor holds on a ticket, in [`Permission::ALL`] order (needs `ro`;
    /// others are told the ticket is not there or that they may not read it).
    pub async fn ticket_rights(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<Permission>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            let mut rights = Vec::new();
            for permission in Permission::ALL {
                if self.may(&mut tx, &ctx, &ticket, permission).await? {
                    rights.push(permission);
                }
            }
            Ok(rights)
        })
    }

    /// One article, for whoever may read its ticket (customer users only see visible ones).
    pub async fn article(
        &self,
        actor: Principal,
        article: ArticleId,
    ) -> Result<Article, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            self.readable_article(&mut tx, &ctx, article).await
        })
    }

    /// The article if `ctx` may read it (`ro` on its ticket; customers only visible ones), else
    /// "not found" so that its existence does not leak.
    pub(crate) async fn readable_article(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        article: ArticleId,
    ) -> Result<Article, DeskError> {
        let found = tx
            .article(article)
            .await?
            .ok_or_else(|| DeskError::not_found("article", article))?;
        let ticket = self.load_ticket(tx, found.ticket_id).await?;
        if !self.may(tx, ctx, &ticket, Permission::Ro).await?
            || (matches!(ctx.actor, Actor::Customer(_)) && !found.visible_for_customer)
        {
            return Err(DeskError::not_found("article", article));
        }
        Ok(found)
    }

    /// The source of an e-mail article, for whoever may read the article (see
    /// [`Desk::article`]); other channels have none.
    pub async fn article_source(
        &self,
        actor: Principal,
        article: ArticleId,
    ) -> Result<ArticleSource, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let found = self.readable_article(&mut tx, &ctx, article).await?;
            if found.channel != Channel::Email {
                return Err(DeskError::NotAllowed {
                    object: format!("article {article}"),
                    reason: format!(
                        "only e-mail articles have a source, this one is a {} article",
                        found.channel.name()
                    ),
                });
            }
            if let Some(source) = tx.article_source(article).await? {
                return Ok(ArticleSource::Received(source));
            }
            Ok(match tx.message_of_article(article).await? {
                Some(message) => match (message.status, message.source.clone()) {
                    (MessageStatus::Sent, Some(source)) => ArticleSource::Sent { message, source },
                    // Sent before sources were recorded: nothing kept.
                    (MessageStatus::Sent, None) => ArticleSource::NotKept,
                    _ => ArticleSource::Unsent(message),
                },
                None => ArticleSource::NotKept,
            })
        })
    }

    /// Redirects an e-mail article to `to` ("bounce"): the message goes out again as it came in,
    /// with its sender, subject, text and attachments, and the ticket's history records it.
    /// With `inform_sender`, the original sender gets an e-mail saying where it went, which is
    /// added to the ticket as an outgoing article.
    ///
    /// Agents only; needs `rw` on the ticket, which must not be merged or locked by another
    /// agent. Only e-mail articles can be redirected.
    pub async fn redirect_article(
        &self,
        actor: Principal,
        article: ArticleId,
        to: &str,
        inform_sender: bool,
    ) -> Result<Redirected, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let original = tx
                .article(article)
                .await?
                .ok_or_else(|| DeskError::not_found("article", article))?;
            let ticket = self.load_ticket(&mut tx, original.ticket_id).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::not_found("article", article));
            }
            self.require(
                &mut tx,
                &ctx,
                &ticket,
                Permission::Rw,
                "redirect articles of",
            )
            .await?;
            self.ensure_not_merged(&mut tx, &ctx, &ticket).await?;
            self.ensure_not_locked_by_other(&mut tx, &ctx, &ticket)
                .await?;
            if original.channel != Channel::Email {
                return Err(DeskError::NotAllowed {
                    object: format!("article {article}"),
                    reason: format!(
                        "only e-mail articles can be redirected, this one is a {} article",
                        original.channel.name()
                    ),
                });
            }
            let mut errors = ValidationErrors::new();
            errors.text("to", to, 0, 3800, false);
            if split_addresses(to).next().is_none() {
                errors.add("to", "is required (at least one recipient)");
            }
            for address in split_addresses(to) {
                errors.email("to", address);
            }
            if inform_sender && split_addresses(&original.from).next().is_none() {
                errors.add(
                    "inform_sender",
                    "the article has no sender address to inform",
                );
            }
            errors.into_result()?;
            let mut attachments = Vec::with_capacity(original.attachments.len());
            for meta in original.attachments.iter().filter(|a| !a.inline) {
                if let Some(content) = tx.attachment(meta.id).await? {
                    attachments.push(OutgoingAttachment {
                        filename: meta.filename.clone(),
                        content_type: meta.content_type.clone(),
                        content: content.content,
                    });
                }
            }
            let mut bounce = OutgoingMessage::pending(
                original.from.clone(),
                to,
                original.subject.clone(),
                original.body.clone(),
                ctx.now,
            );
            bounce.ticket_id = Some(ticket.id);
            bounce.message_id = Some(crate::desk::message_id_for(
                &format!(
                    "ticket.{}.article.{}.redirect.{}",
                    ticket.number,
                    original.id,
                    ctx.now.timestamp_micros()
                ),
                &self.config.system_address,
            ));
            // The redirected copy stays in the thread the original was in.
            bounce.in_reply_to = original.in_reply_to.clone();
            bounce.references = original.references.clone();
            bounce.attachments = attachments;
            let message = tx.enqueue_message(&bounce).await?;
            let mut edit = TicketEdit::new(ticket);
            edit.record(
                &ctx,
                HistoryType::Bounce,
                vec![original.id.to_string(), to.to_owned()],
                Some(original.id),
            );
            let notice = if inform_sender {
                let mut input = ArticleInput::new(
                    ArticleKind::EmailOutbound,
                    format!("Redirected: {}", original.subject),
                    format!(
                        "Your e-mail \"{}\" (ticket {}) was redirected to {}.",
                        original.subject, edit.ticket.number, to
                    ),
                );
                input.to = Some(original.from.clone());
                input.reply_to = Some(original.id);
                self.validate_article(&ctx, &input, "")?;
                let added = self
                    .add_article_in(&mut tx, &ctx, &mut edit, &input, false)
                    .await?;
                Some(added.article)
            } else {
                None
            };
            edit.changed_row = true;
            self.save(&mut tx, &ctx, edit).await?;
            Ok(Redirected { message, notice })
        })
    }

    /// Splits an article into a new ticket: creates `new` (its article usually prefilled from
    /// the original; with `copy_attachments` the original's attachments are added to it) and
    /// links it to the ticket the article came from, in one command.
    ///
    /// Agents only; needs `rw` on the original ticket and the rights [`Desk::create_ticket`]
    /// needs in the new ticket's queue.
    pub async fn split_article(
        &self,
        actor: Principal,
        article: ArticleId,
        new: NewTicket,
        copy_attachments: bool,
    ) -> Result<(Ticket, Link), DeskError> {
        write_tx!(self, |tx| async {
            // A fresh copy per attempt: a retried command must not add the attachments twice.
            let mut new = new.clone();
            let ctx = self.ctx(&mut tx, actor).await?;
            let original = tx
                .article(article)
                .await?
                .ok_or_else(|| DeskError::not_found("article", article))?;
            let source = self.load_ticket(&mut tx, original.ticket_id).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::not_found("article", article));
            }
            self.require(&mut tx, &ctx, &source, Permission::Rw, "split articles of")
                .await?;
            self.ensure_not_merged(&mut tx, &ctx, &source).await?;
            if copy_attachments {
                for meta in &original.attachments {
                    if let Some(content) = tx.attachment(meta.id).await? {
                        new.article.attachments.push(NewAttachment {
                            filename: meta.filename.clone(),
                            content_type: meta.content_type.clone(),
                            content: content.content,
                            content_id: meta.content_id.clone(),
                            inline: meta.inline,
                        });
                    }
                }
            }
            let created = self.create_ticket_tx(&mut tx, actor, &new).await?;
            let link = self
                .link_in(
                    &mut tx,
                    &ctx,
                    ObjectRef::Ticket(source.id),
                    ObjectRef::Ticket(created.id),
                    LinkType::Normal,
                )
                .await?;
            Ok((created, link))
        })
    }

    /// Removes a link between a ticket and a non-ticket object (an appointment, a knowledge-base
    /// article); links between two tickets go through [`Desk::unlink`]. Needs `rw` on the
    /// ticket, and `ro` on a knowledge-base article at the other end (as [`Desk::unlink`] and
    /// [`Desk::links`] do); the link must have the ticket at one end.
    pub async fn unlink_from_ticket(
        &self,
        actor: Principal,
        ticket: TicketId,
        link: LinkId,
    ) -> Result<(), DeskError> {
        let found = read_tx!(self, |tx| async {
            Ok::<_, DeskError>(tx.link(link).await?)
        })?
        .ok_or_else(|| DeskError::not_found("link", link))?;
        let end = ObjectRef::Ticket(ticket);
        if found.source != end && found.target != end {
            return Err(DeskError::not_found(
                "link",
                format!("{link} of ticket {ticket}"),
            ));
        }
        if found.other_end(end).ticket().is_some() {
            return self.unlink(actor, link).await;
        }
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::not_found("link", link));
            }
            self.require(&mut tx, &ctx, &ticket, Permission::Rw, "unlink")
                .await?;
            self.ensure_not_merged(&mut tx, &ctx, &ticket).await?;
            let Some(current) = tx.link(link).await? else {
                return Err(DeskError::not_found("link", link));
            };
            let other = current.other_end(ObjectRef::Ticket(ticket.id));
            if let ObjectRef::KbArticle(id) = other {
                // An article the agent cannot read is not there for them, nor is its link.
                self.kb_link_end(&mut tx, &ctx, id, false).await?;
            }
            tx.delete_link(current.id).await?;
            let label = match other {
                ObjectRef::KbArticle(id) => {
                    let detail = format!("ticket {} ({})", ticket.number, current.link_type.name());
                    self.kb_link_history(&mut tx, &ctx, id, false, detail)
                        .await?;
                    kb_link_label(self.config().system_id, id)
                }
                _ => other.to_string(),
            };
            self.add_history(
                &mut tx,
                &ctx,
                &ticket,
                HistoryType::TicketLinkDelete,
                vec![
                    label,
                    other.id().to_string(),
                    current.link_type.name().to_owned(),
                ],
            )
            .await
        })
    }
}
