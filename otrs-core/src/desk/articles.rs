//! Articles: adding messages and notes, seen flags, the important mark, time accounting and drafts.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::desk::{Actor, Ctx, Desk, TicketEdit, TicketUpdate, history_row, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{ArticleId, AttachmentId, DraftId, TicketId};
use crate::model::{
    Article, AttachmentContent, Channel, Draft, HistoryType, NewArticle, NewAttachment,
    OutgoingMessage, Permission, Principal, SenderType, StateType, Ticket, TimeAccountingEntry,
    TimeUnits, default_states,
};
use crate::rules::threading::{self, ReplyHeaders};
use crate::store::{Store, StoreTx};

/// What kind of article is added: decides channel, sender, default visibility and history type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArticleKind {
    /// A note (internal unless made visible).
    Note,
    /// A phone call from the customer, noted by an agent.
    PhoneInbound,
    /// A phone call to the customer.
    PhoneOutbound,
    /// An e-mail sent by an agent to the customer (queued in the outbox).
    EmailOutbound,
    /// An e-mail received from the customer.
    EmailInbound,
    /// A message a customer user wrote in the external interface.
    Portal,
    /// A chat transcript.
    Chat,
    /// A text message sent to the customer.
    Sms,
}

impl ArticleKind {
    /// Every kind.
    pub const ALL: [ArticleKind; 8] = [
        ArticleKind::Note,
        ArticleKind::PhoneInbound,
        ArticleKind::PhoneOutbound,
        ArticleKind::EmailOutbound,
        ArticleKind::EmailInbound,
        ArticleKind::Portal,
        ArticleKind::Chat,
        ArticleKind::Sms,
    ];

    /// The name used in the API and CLI.
    pub const fn name(self) -> &'static str {
        match self {
            ArticleKind::Note => "note",
            ArticleKind::PhoneInbound => "phone-inbound",
            ArticleKind::PhoneOutbound => "phone-outbound",
            ArticleKind::EmailOutbound => "email-outbound",
            ArticleKind::EmailInbound => "email-inbound",
            ArticleKind::Portal => "portal",
            ArticleKind::Chat => "chat",
            ArticleKind::Sms => "sms",
        }
    }

    /// Parses a name as written by [`ArticleKind::name`]; `phone` means inbound, `email` outbound.
    pub fn from_name(name: &str) -> Option<ArticleKind> {
        match name {
            "phone" => Some(ArticleKind::PhoneInbound),
            "email" => Some(ArticleKind::EmailOutbound),
            _ => ArticleKind::ALL.into_iter().find(|k| k.name() == name),
        }
    }

    /// The channel.
    pub const fn channel(self) -> Channel {
        match self {
            ArticleKind::Note | ArticleKind::Portal => Channel::Internal,
            ArticleKind::PhoneInbound | ArticleKind::PhoneOutbound => Channel::Phone,
            ArticleKind::EmailOutbound | ArticleKind::EmailInbound => Channel::Email,
            ArticleKind::Chat => Channel::Chat,
            ArticleKind::Sms => Channel::Sms,
        }
    }

    const fn customer_sent(self) -> bool {
        matches!(
            self,
            ArticleKind::PhoneInbound | ArticleKind::EmailInbound | ArticleKind::Portal
        )
    }

    const fn default_visible(self) -> bool {
        !matches!(self, ArticleKind::Note)
    }

    /// The history type of the article, on a new ticket or as a follow-up.
    pub const fn history_type(self, first: bool) -> HistoryType {
        match (self, first) {
            (ArticleKind::Note | ArticleKind::Chat, _) => HistoryType::AddNote,
            (ArticleKind::PhoneInbound, _) => HistoryType::PhoneCallCustomer,
            (ArticleKind::PhoneOutbound, _) => HistoryType::PhoneCallAgent,
            (ArticleKind::EmailOutbound, true) => HistoryType::EmailAgent,
            (ArticleKind::EmailOutbound | ArticleKind::Sms, _) => HistoryType::SendAnswer,
            (ArticleKind::EmailInbound, true) => HistoryType::EmailCustomer,
            (ArticleKind::Portal, true) => HistoryType::WebRequestCustomer,
            (ArticleKind::EmailInbound | ArticleKind::Portal, false) => HistoryType::FollowUp,
        }
    }
}

/// The content of a new article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleInput {
    /// The kind.
    pub kind: ArticleKind,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// `text/plain` (default) or `text/html`.
    pub content_type: Option<String>,
    /// From; filled from the author when empty.
    pub from: Option<String>,
    /// To; outgoing e-mail defaults to the ticket's customer user.
    pub to: Option<String>,
    /// Cc.
    pub cc: Option<String>,
    /// Bcc.
    pub bcc: Option<String>,
    /// Visible in the external interface; the kind's default when unset.
    pub visible_for_customer: Option<bool>,
    /// The important mark.
    pub important: bool,
    /// Attachments.
    pub attachments: Vec<NewAttachment>,
    /// Time to account with the article.
    pub time_units: Option<TimeUnits>,
    /// Message-ID of an e-mail.
    pub message_id: Option<String>,
    /// In-Reply-To of an e-mail.
    pub in_reply_to: Option<String>,
    /// References of an e-mail.
    pub references: Option<String>,
    /// The article of the same ticket this one answers: its In-Reply-To and References are then
    /// derived from that article's headers (RFC 5322 §3.6.4) instead of being given.
    pub reply_to: Option<ArticleId>,
    /// The e-mail as received (RFC 5322 bytes), kept exactly as given; only for received e-mail
    /// (`email-inbound`). Its headers are not read: the other fields say what the article is.
    pub raw_source: Option<Arc<[u8]>>,
    /// The form whose kept uploads ([`Desk::keep_form_uploads`]) become attachments after
    /// `attachments`; the command removes them from the form.
    pub form_uploads: Option<String>,
}

impl ArticleInput {
    /// An article of `kind` with a subject and body and every other field at its default.
    pub fn new(
        kind: ArticleKind,
        subject: impl Into<String>,
        body: impl Into<String>,
    ) -> ArticleInput {
        ArticleInput {
            kind,
            subject: subject.into(),
            body: body.into(),
            content_type: None,
            from: None,
            to: None,
            cc: None,
            bcc: None,
            visible_for_customer: None,
            important: false,
            attachments: Vec::new(),
            time_units: None,
            message_id: None,
            in_reply_to: None,
            references: None,
            reply_to: None,
            raw_source: None,
            form_uploads: None,
        }
    }

    /// An internal note whose subject is taken from the ticket title.
    pub fn note(body: impl Into<String>) -> ArticleInput {
        ArticleInput::new(ArticleKind::Note, "", body)
    }
}

/// A draft to save.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftInput {
    /// The form (`note`, `reply`, `phone`, …).
    pub form: String,
    /// Name, unique per ticket and form; saving under an existing name replaces that draft.
    pub name: String,
    /// The form's fields.
    pub fields: BTreeMap<String, String>,
}

/// The result of adding an article inside a command.
pub(crate) struct AddedArticle {
    pub(crate) article: Article,
}

impl<S: Store> Desk<S> {
    /// Validates an article and returns the row to insert (without the ticket id's effects).
    pub(crate) fn validate_article(
        &self,
        ctx: &Ctx,
        input: &ArticleInput,
        field: &str,
    ) -> Result<(), DeskError> {
        let mut errors = ValidationErrors::new();
        errors.text("subject", &input.subject, 0, 3800, false);
        errors.text("body", &input.body, 0, usize::MAX, true);
        if input.body.len() as u64 > self.config.max_body_bytes {
            errors.add(
                "body",
                format!(
                    "is larger than the limit of {} bytes",
                    self.config.max_body_bytes
                ),
            );
        }
        if input.subject.trim().is_empty()
            && input.body.trim().is_empty()
            && input.attachments.is_empty()
        {
            errors.add(
                "body",
                "is required (an article needs a subject, a body or an attachment)",
            );
        }
        if let Some(ct) = &input.content_type
            && ct != "text/plain"
            && ct != "text/html"
        {
            errors.add("content_type", "must be text/plain or text/html");
        }
        for (name, value) in [
            ("from", &input.from),
            ("to", &input.to),
            ("cc", &input.cc),
            ("bcc", &input.bcc),
        ] {
            if let Some(value) = value {
                errors.text(name, value, 0, 3800, false);
            }
        }
        for (name, value) in [("to", &input.to), ("cc", &input.cc), ("bcc", &input.bcc)] {
            for address in value.iter().flat_map(|v| split_addresses(v)) {
                errors.email(name, address);
            }
        }
        self.check_attachments(&mut errors, &input.attachments);
        if let Some(units) = input.time_units
            && (units < TimeUnits::ZERO || units > TimeUnits::MAX_PER_ENTRY)
        {
            errors.add("time_units", "must be between 0 and 1000000");
        }
        for (name, value) in [
            ("message_id", &input.message_id),
            ("in_reply_to", &input.in_reply_to),
            ("references", &input.references),
        ] {
            if let Some(value) = value {
                errors.text(name, value, 0, 3800, false);
            }
        }
        if input.reply_to.is_some() {
            for (name, value) in [
                ("in_reply_to", &input.in_reply_to),
                ("references", &input.references),
            ] {
                if value.is_some() {
                    errors.add(
                        name,
                        "cannot be given with reply_to (it is taken from the article answered)",
                    );
                }
            }
        }
        if let Some(source) = &input.raw_source {
            if input.kind != ArticleKind::EmailInbound {
                errors.add(
                    "raw_source",
                    format!(
                        "is kept only for received e-mail (email-inbound), not for {}; the desk \
                         builds the source of the e-mails it sends",
                        input.kind.name()
                    ),
                );
            }
            if source.is_empty() {
                errors.add("raw_source", "must not be empty");
            }
            if source.len() as u64 > self.config.max_source_bytes {
                errors.add(
                    "raw_source",
                    format!(
                        "has {} bytes; the limit is {} bytes",
                        source.len(),
                        self.config.max_source_bytes
                    ),
                );
            }
        }
        // Who may write which kind.
        match (&ctx.actor, input.kind) {
            (Actor::Customer(_), ArticleKind::Portal) => {}
            (Actor::Customer(_), kind) => {
                errors.add(
                    "kind",
                    format!(
                        "customer users can only write portal messages, not {}",
                        kind.name()
                    ),
                );
            }
            (Actor::Agent(_), ArticleKind::Portal) if !ctx.actor.is_system() => {
                errors.add("kind", "portal messages are written by customer users");
            }
            _ => {}
        }
        if input.kind == ArticleKind::EmailOutbound
            && input.to.as_deref().is_some_and(|t| t.trim().is_empty())
        {
            errors.add("to", "is required for an e-mail");
        }
        // Field names get the caller's prefix only when there is something to report.
        if !field.is_empty() {
            for error in &mut errors.0 {
                error.field = format!("{field}.{}", error.field);
            }
        }
        errors.into_result()
    }

    /// Adds an article to the ticket being edited: stores it, books its time, writes its history,
    /// marks it seen by its author and queues outgoing e-mail. The caller has validated the input
    /// and checked permissions.
    pub(crate) async fn add_article_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        input: &ArticleInput,
        first: bool,
    ) -> Result<AddedArticle, DeskError> {
        let kind = input.kind;
        let sender_type = if kind.customer_sent() {
            SenderType::Customer
        } else if ctx.actor.is_system() {
            SenderType::System
        } else {
            SenderType::Agent
        };
        let customer_user = match edit.ticket.customer_user_id {
            Some(id) => tx.customer_user(id).await?,
            None => None,
        };
        let customer_address = customer_user
            .as_ref()
            .filter(|u| !u.email.is_empty())
            .map(|u| format!("{} <{}>", u.full_name(), u.email));
        let author = match &ctx.actor {
            Actor::Agent(a) if a.id == crate::ids::AgentId::SYSTEM => {
                format!("OTRS System <{}>", self.config.system_address)
            }
            Actor::Agent(a) => format!(
                "{} <{}>",
                a.full_name(),
                if a.email.is_empty() {
                    &self.config.system_address
                } else {
                    &a.email
                }
            ),
            Actor::Customer(c) => format!("{} <{}>", c.full_name(), c.email),
        };
        let from = match (&input.from, kind.customer_sent(), &customer_address) {
            (Some(from), _, _) if !from.trim().is_empty() => from.clone(),
            (_, true, Some(address)) if !matches!(ctx.actor, Actor::Customer(_)) => address.clone(),
            _ if kind == ArticleKind::EmailOutbound => {
                let name = ctx
                    .actor
                    .agent()
                    .map_or_else(|| "OTRS System".to_owned(), |a| a.full_name());
                format!("{name} <{}>", self.config.system_address)
            }
            _ => author,
        };
        let to = match (&input.to, kind) {
            (Some(to), _) => to.clone(),
            (None, ArticleKind::EmailOutbound | ArticleKind::Sms | ArticleKind::PhoneOutbound) => {
                customer_address.clone().unwrap_or_default()
            }
            _ => String::new(),
        };
        if kind == ArticleKind::EmailOutbound && split_addresses(&to).next().is_none() {
            return Err(DeskError::invalid(
                "to",
                "is required for an e-mail (the ticket has no customer user with an e-mail address)",
            ));
        }
        let subject = if input.subject.trim().is_empty() {
            edit.ticket.title.clone()
        } else {
            input.subject.clone()
        };
        let (in_reply_to, references) = match input.reply_to {
            Some(parent) => {
                let headers = self.reply_headers_in(tx, ctx, edit, parent).await?;
                (headers.in_reply_to, headers.references)
            }
            None => (input.in_reply_to.clone(), input.references.clone()),
        };
        let units = input.time_units.unwrap_or(TimeUnits::ZERO);
        let new = NewArticle {
            ticket_id: edit.ticket.id,
            channel: kind.channel(),
            sender_type,
            visible_for_customer: input.visible_for_customer.unwrap_or(kind.default_visible()),
            important: input.important,
            from,
            to: to.clone(),
            cc: input.cc.clone().unwrap_or_default(),
            bcc: input.bcc.clone().unwrap_or_default(),
            subject: subject.clone(),
            body: input.body.clone(),
            content_type: input
                .content_type
                .clone()
                .unwrap_or_else(|| "text/plain".to_owned()),
            message_id: input.message_id.clone(),
            in_reply_to,
            references,
            attachments: input.attachments.clone(),
            time_units: units,
            created_at: ctx.now,
            created_by: ctx.actor.principal(),
        };
        let mut article = tx.insert_article(&new).await?;
        edit.record(
            ctx,
            kind.history_type(first),
            vec![article_history_param(&article)],
            Some(article.id),
        );
        if units > TimeUnits::ZERO {
            self.account_time_in(tx, ctx, edit, units, Some(article.id))
                .await?;
        }
        if let Actor::Agent(agent) = &ctx.actor {
            tx.mark_seen(agent.id, &[article.id], ctx.now).await?;
        }
        if let Some(source) = &input.raw_source {
            tx.insert_article_source(article.id, source).await?;
        }
        if kind == ArticleKind::EmailOutbound {
            // Every e-mail the desk sends carries the article's Message-ID, so that replies to
            // it can name it; one is made up from the article's identity when none was given.
            if article.message_id.is_none() {
                article.message_id = Some(crate::desk::message_id_for(
                    &format!("ticket.{}.article.{}", edit.ticket.number, article.id),
                    &self.config.system_address,
                ));
                article = tx.update_article(&article).await?;
            }
            let mut message = OutgoingMessage::pending(
                article.from.clone(),
                article.to.clone(),
                format!("[Ticket#{}] {}", edit.ticket.number, subject),
                article.body.clone(),
                ctx.now,
            );
            message.ticket_id = Some(edit.ticket.id);
            message.article_id = Some(article.id);
            message.cc = article.cc.clone();
            message.bcc = article.bcc.clone();
            message.message_id = article.message_id.clone();
            message.in_reply_to = article.in_reply_to.clone();
            message.references = article.references.clone();
            message.attachments = new
                .attachments
                .iter()
                .map(|a| crate::model::OutgoingAttachment {
                    filename: a.filename.clone(),
                    content_type: a.content_type.clone(),
                    content: a.content.clone(),
                })
                .collect();
            tx.enqueue_message(&message).await?;
        }
        Ok(AddedArticle { article })
    }

    /// The threading headers of an answer to `parent`, which must be an article of the ticket
    /// being edited that the actor may read.
    async fn reply_headers_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &TicketEdit,
        parent: ArticleId,
    ) -> Result<ReplyHeaders, DeskError> {
        let found = tx.article(parent).await?.filter(|a| {
            a.ticket_id == edit.ticket.id
                && (a.visible_for_customer || !matches!(ctx.actor, Actor::Customer(_)))
        });
        let Some(parent) = found else {
            return Err(DeskError::invalid(
                "reply_to",
                format!(
                    "article {parent} is not an article of ticket {}",
                    edit.ticket.number
                ),
            ));
        };
        Ok(threading::reply_headers(
            parent.message_id.as_deref(),
            parent.in_reply_to.as_deref(),
            parent.references.as_deref(),
        ))
    }

    /// Books time on the ticket being edited.
    pub(crate) async fn account_time_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        units: TimeUnits,
        article: Option<ArticleId>,
    ) -> Result<(), DeskError> {
        tx.insert_time_accounting(&TimeAccountingEntry {
            ticket_id: edit.ticket.id,
            article_id: article,
            units,
            created_by: ctx.actor.principal(),
            created_at: ctx.now,
        })
        .await?;
        edit.ticket.accounted_time = edit.ticket.accounted_time.saturating_add(units);
        edit.changed_row = true;
        let total = edit.ticket.accounted_time;
        edit.record(
            ctx,
            HistoryType::TimeAccounting,
            vec![units.to_string(), total.to_string()],
            article,
        );
        Ok(())
    }

    /// Adds an article to a ticket.
    ///
    /// Agents need `note` for notes and `rw` for everything else, and the ticket must not be locked
    /// by another agent for e-mail and phone articles. Customer users write portal messages on
    /// their own and their companies' tickets; a customer follow-up reopens a closed ticket (when
    /// the queue allows follow-ups) and moves any non-new state to open.
    pub async fn add_article(
        &self,
        actor: Principal,
        ticket: TicketId,
        input: ArticleInput,
    ) -> Result<Article, DeskError> {
        let no_change = TicketUpdate::default();
        write_tx!(self, |tx| async {
            let (article, _) = self
                .add_article_tx(&mut tx, actor, ticket, &input, &no_change)
                .await?;
            Ok::<_, DeskError>(article)
        })
    }

    /// Adds an article and changes the ticket's properties with it, in one command (the next
    /// state and pending time of the note, phone and e-mail screens).
    ///
    /// The article alone never conflicts with other changes, but property changes do: when
    /// `update` changes anything, its `expected_version` (the version the form was opened
    /// with) must still be the ticket's, or the command fails with
    /// [`DeskError::VersionMismatch`] and adds nothing. Customer users cannot change properties.
    pub async fn add_article_and_update(
        &self,
        actor: Principal,
        ticket: TicketId,
        input: ArticleInput,
        update: TicketUpdate,
    ) -> Result<(Article, Ticket), DeskError> {
        write_tx!(self, |tx| self
            .add_article_tx(&mut tx, actor, ticket, &input, &update))
    }

    async fn add_article_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
        input: &ArticleInput,
        update: &TicketUpdate,
    ) -> Result<(Article, Ticket), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let with_uploads = self.take_form_uploads(tx, &ctx, input).await?;
        let input = with_uploads.as_ref().unwrap_or(input);
        let ticket = self.load_ticket(tx, ticket_id).await?;
        let needed = if matches!(input.kind, ArticleKind::Note | ArticleKind::Portal) {
            Permission::Note
        } else {
            Permission::Rw
        };
        self.require(tx, &ctx, &ticket, needed, "add an article to")
            .await?;
        self.ensure_not_merged(tx, &ctx, &ticket).await?;
        if needed == Permission::Rw {
            self.ensure_not_locked_by_other(tx, &ctx, &ticket).await?;
        }
        if !update.is_empty() {
            Self::refuse_customer_property_change(&ctx, &ticket)?;
            Self::ensure_version(&ticket, update.expected_version)?;
        }
        self.validate_article(&ctx, input, "")?;
        let mut edit = TicketEdit::new(ticket);
        if input.kind.customer_sent() {
            self.apply_follow_up(tx, &ctx, &mut edit).await?;
        }
        let added = self
            .add_article_in(tx, &ctx, &mut edit, input, false)
            .await?;
        if !update.is_empty() {
            self.apply_update_in(tx, &ctx, &mut edit, update).await?;
        }
        edit.changed_row = true;
        let ticket = self.save(tx, &ctx, edit).await?;
        Ok((added.article, ticket))
    }

    /// A customer's message on an existing ticket: new tickets stay new, everything else opens;
    /// closed tickets reopen only where the queue allows follow-ups.
    async fn apply_follow_up(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
    ) -> Result<(), DeskError> {
        let state_type = ctx.states.type_of(edit.ticket.state_id);
        if state_type == StateType::New {
            return Ok(());
        }
        if matches!(state_type, StateType::Closed | StateType::Removed) {
            let queue = self.load_queue(tx, edit.ticket.queue_id).await?;
            if !queue.follow_up_possible {
                return Err(DeskError::NotAllowed {
                    object: format!("ticket {}", edit.ticket.number),
                    reason: format!(
                        "it is closed and queue {} does not accept follow-ups",
                        queue.name
                    ),
                });
            }
        }
        if edit.ticket.state_id != default_states::OPEN {
            let open = ctx.states.get(default_states::OPEN).cloned();
            let Some(open) = open else {
                return Ok(());
            };
            self.change_state_in(ctx, edit, &open, None)?;
        }
        // An invalid owner cannot work on the follow-up.
        if edit.ticket.lock.is_locked() {
            let owner_valid = tx
                .agent(edit.ticket.owner_id)
                .await?
                .is_some_and(|a| a.validity.is_valid());
            if !owner_valid {
                self.unlock_in(ctx, edit);
            }
        }
        Ok(())
    }

    /// Marks articles of a ticket as seen by the acting agent (all of them when `articles` is
    /// empty). Seen flags are per agent; a ticket is unread while one of its articles is unseen.
    pub async fn mark_seen(
        &self,
        actor: Principal,
        ticket: TicketId,
        articles: Vec<ArticleId>,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| self
            .mark_seen_tx(&mut tx, actor, ticket, &articles))
    }

    async fn mark_seen_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
        articles: &[ArticleId],
    ) -> Result<(), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let Actor::Agent(agent) = &ctx.actor else {
            return Err(DeskError::NotAllowed {
                object: "seen flags".into(),
                reason: "only agents have seen flags".into(),
            });
        };
        let agent_id = agent.id;
        let ticket = self.load_ticket(tx, ticket_id).await?;
        self.require(tx, &ctx, &ticket, Permission::Ro, "read")
            .await?;
        let all: Vec<ArticleId> = tx
            .articles(ticket.id)
            .await?
            .into_iter()
            .map(|a| a.id)
            .collect();
        let chosen: Vec<ArticleId> = if articles.is_empty() {
            all.clone()
        } else {
            articles.to_vec()
        };
        if let Some(stray) = chosen.iter().find(|id| !all.contains(id)) {
            return Err(DeskError::not_found(
                "article",
                format!("{stray} in ticket {}", ticket.number),
            ));
        }
        tx.mark_seen(agent_id, &chosen, ctx.now).await?;
        Ok(())
    }

    /// Sets or clears the global "important" mark of an article (needs `note`).
    pub async fn set_article_important(
        &self,
        actor: Principal,
        article: ArticleId,
        important: bool,
    ) -> Result<Article, DeskError> {
        write_tx!(self, |tx| self
            .set_important_tx(&mut tx, actor, article, important))
    }

    async fn set_important_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        article_id: ArticleId,
        important: bool,
    ) -> Result<Article, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let article = tx
            .article(article_id)
            .await?
            .ok_or_else(|| DeskError::not_found("article", article_id))?;
        let ticket = self.load_ticket(tx, article.ticket_id).await?;
        if matches!(ctx.actor, Actor::Customer(_)) {
            return Err(DeskError::not_found("article", article_id));
        }
        self.require(tx, &ctx, &ticket, Permission::Note, "mark articles of")
            .await?;
        self.ensure_not_merged(tx, &ctx, &ticket).await?;
        if article.important == important {
            return Ok(article);
        }
        let updated = tx
            .update_article(&crate::model::Article {
                important,
                ..article
            })
            .await?;
        self.feed(
            tx,
            &ctx,
            crate::model::EntityKind::Ticket,
            ticket.id.0,
            crate::model::ChangeOp::Updated,
        )
        .await?;
        Ok(updated)
    }

    /// Books time on a ticket without an article (needs `note`).
    pub async fn account_time(
        &self,
        actor: Principal,
        ticket: TicketId,
        units: TimeUnits,
    ) -> Result<crate::model::Ticket, DeskError> {
        write_tx!(self, |tx| self
            .account_time_tx(&mut tx, actor, ticket, units))
    }

    async fn account_time_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
        units: TimeUnits,
    ) -> Result<crate::model::Ticket, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let ticket = self.load_ticket(tx, ticket_id).await?;
        if matches!(ctx.actor, Actor::Customer(_)) {
            return Err(DeskError::not_found("ticket", ticket_id));
        }
        self.require(tx, &ctx, &ticket, Permission::Note, "account time on")
            .await?;
        self.ensure_not_merged(tx, &ctx, &ticket).await?;
        if units <= TimeUnits::ZERO || units > TimeUnits::MAX_PER_ENTRY {
            return Err(DeskError::invalid(
                "time_units",
                "must be more than 0 and at most 1000000",
            ));
        }
        let mut edit = TicketEdit::new(ticket);
        self.account_time_in(tx, &ctx, &mut edit, units, None)
            .await?;
        self.save(tx, &ctx, edit).await
    }

    /// Saves a draft on a ticket (replacing the actor's draft of the same form and name).
    pub async fn save_draft(
        &self,
        actor: Principal,
        ticket: TicketId,
        draft: DraftInput,
    ) -> Result<Draft, DeskError> {
        write_tx!(self, |tx| self
            .save_draft_tx(&mut tx, actor, ticket, &draft))
    }

    async fn save_draft_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
        input: &DraftInput,
    ) -> Result<Draft, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let Some(agent) = ctx.actor.agent().map(|a| a.id) else {
            return Err(DeskError::not_found("ticket", ticket_id));
        };
        let ticket = self.load_ticket(tx, ticket_id).await?;
        self.require(tx, &ctx, &ticket, Permission::Note, "save drafts on")
            .await?;
        self.ensure_not_merged(tx, &ctx, &ticket).await?;
        let mut errors = ValidationErrors::new();
        errors.text("form", &input.form, 1, 100, false);
        errors.text("name", &input.name, 1, 200, false);
        if input.fields.len() > 100 {
            errors.add("fields", "has more than 100 entries");
        }
        let mut size = 0usize;
        for (key, value) in &input.fields {
            errors.text(&format!("fields.{key}"), key, 1, 200, false);
            errors.text(&format!("fields.{key}"), value, 0, usize::MAX, true);
            size += key.len() + value.len();
        }
        if size as u64 > self.config.max_body_bytes {
            errors.add(
                "fields",
                format!(
                    "are larger than the limit of {} bytes",
                    self.config.max_body_bytes
                ),
            );
        }
        errors.into_result()?;
        let existing = tx
            .drafts(ticket.id)
            .await?
            .into_iter()
            .find(|d| d.form == input.form && d.name == input.name);
        let draft = match existing {
            Some(old) => {
                tx.update_draft(&Draft {
                    fields: input.fields.clone(),
                    ticket_version: ticket.version,
                    changed_at: ctx.now,
                    ..old
                })
                .await?
            }
            None => {
                tx.insert_draft(&Draft {
                    id: DraftId(0),
                    ticket_id: ticket.id,
                    form: input.form.clone(),
                    name: input.name.clone(),
                    fields: input.fields.clone(),
                    ticket_version: ticket.version,
                    created_by: agent,
                    created_at: ctx.now,
                    changed_at: ctx.now,
                    version: 1,
                })
                .await?
            }
        };
        Ok(draft)
    }

    /// Deletes a draft (needs `note` on its ticket).
    pub async fn delete_draft(&self, actor: Principal, draft: DraftId) -> Result<(), DeskError> {
        write_tx!(self, |tx| self.delete_draft_tx(&mut tx, actor, draft))
    }

    async fn delete_draft_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        draft_id: DraftId,
    ) -> Result<(), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let draft = tx
            .draft(draft_id)
            .await?
            .ok_or_else(|| DeskError::not_found("draft", draft_id))?;
        let ticket = self.load_ticket(tx, draft.ticket_id).await?;
        if ctx.actor.agent().is_none() {
            return Err(DeskError::not_found("draft", draft_id));
        }
        self.require(tx, &ctx, &ticket, Permission::Note, "delete drafts of")
            .await?;
        tx.delete_draft(draft_id).await?;
        Ok(())
    }

    /// The drafts of a ticket that have not expired, with a flag telling whether the ticket changed
    /// since each was saved.
    pub async fn drafts(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<(Draft, bool)>, DeskError> {
        read_tx!(self, |tx| self.drafts_tx(&mut tx, actor, ticket))
    }

    async fn drafts_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
    ) -> Result<Vec<(Draft, bool)>, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let ticket = self.load_ticket(tx, ticket_id).await?;
        if ctx.actor.agent().is_none() {
            return Err(DeskError::not_found("ticket", ticket_id));
        }
        self.require(tx, &ctx, &ticket, Permission::Note, "read drafts of")
            .await?;
        let oldest = ctx.now - self.config.draft_ttl;
        Ok(tx
            .drafts(ticket.id)
            .await?
            .into_iter()
            .filter(|d| d.changed_at >= oldest)
            .map(|d| {
                let stale = d.ticket_version != ticket.version;
                (d, stale)
            })
            .collect())
    }

    /// An attachment with its bytes, if the actor may read its article.
    pub async fn attachment(
        &self,
        actor: Principal,
        attachment: AttachmentId,
    ) -> Result<AttachmentContent, DeskError> {
        read_tx!(self, |tx| self.attachment_tx(&mut tx, actor, attachment))
    }

    async fn attachment_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        attachment_id: AttachmentId,
    ) -> Result<AttachmentContent, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let content = tx
            .attachment(attachment_id)
            .await?
            .ok_or_else(|| DeskError::not_found("attachment", attachment_id))?;
        // Readable with its article, and as unknown as the article to those who may not read it.
        match self.readable_article(tx, &ctx, content.article_id).await {
            Ok(_) => Ok(content),
            Err(DeskError::NotFound { .. }) => {
                Err(DeskError::not_found("attachment", attachment_id))
            }
            Err(other) => Err(other),
        }
    }

    /// The rules for files given with an article or a knowledge-base article: how many, their
    /// names and types, and each file's size.
    pub(crate) fn check_attachments(&self, errors: &mut ValidationErrors, files: &[NewAttachment]) {
        if files.len() > self.config.max_attachments_per_article {
            errors.add(
                "attachments",
                format!(
                    "has {} files; at most {} are allowed",
                    files.len(),
                    self.config.max_attachments_per_article
                ),
            );
        }
        for (i, attachment) in files.iter().enumerate() {
            let af = |name: &str| format!("attachments[{i}].{name}");
            errors.text(&af("filename"), &attachment.filename, 1, 255, false);
            if attachment.filename.contains(['/', '\\']) {
                errors.add(af("filename"), "must not contain a path separator");
            }
            errors.text(&af("content_type"), &attachment.content_type, 1, 255, false);
            if attachment.content.len() as u64 > self.config.max_attachment_bytes {
                errors.add(
                    af("content"),
                    format!(
                        "{:?} has {} bytes; the limit is {} bytes",
                        attachment.filename,
                        attachment.content.len(),
                        self.config.max_attachment_bytes
                    ),
                );
            }
        }
    }

    /// Writes a history row for a ticket outside a [`TicketEdit`] (links, watchers).
    pub(crate) async fn add_history(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &crate::model::Ticket,
        history_type: HistoryType,
        params: Vec<String>,
    ) -> Result<(), DeskError> {
        tx.append_history(&[history_row(ticket, ctx, history_type, params, None)])
            .await?;
        self.feed(
            tx,
            ctx,
            crate::model::EntityKind::Ticket,
            ticket.id.0,
            crate::model::ChangeOp::Updated,
        )
        .await
    }
}

fn article_history_param(article: &Article) -> String {
    match article.subject.char_indices().nth(100) {
        Some((cut, _)) => article.subject[..cut].to_owned(),
        None => article.subject.clone(),
    }
}

/// Splits an address list on commas and semicolons, dropping blanks.
pub(crate) fn split_addresses(list: &str) -> impl Iterator<Item = &str> {
    list.split([',', ';'])
        .map(str::trim)
        .filter(|a| !a.is_empty())
}
