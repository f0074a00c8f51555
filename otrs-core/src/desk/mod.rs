//! The desk: every use case of the help desk, over the storage and clock ports.
//!
//! Each command runs in one store transaction: it loads what it needs, checks the actor's
//! permissions, validates the input, applies the rules, writes the ticket, its history rows and a
//! change-feed entry, and commits, or changes nothing. When a concurrent command wins a race (a
//! version check or the commit fails with a conflict) the command runs again from the start, up to
//! [`MAX_ATTEMPTS`] times.

mod admin;
mod articles;
mod auth;
mod bulk;
mod calendar;
mod calendar_reminders;
mod escalations;
mod jobs;
mod kb;
mod links;
mod merge;
mod outbox;
mod reads;
mod stats;
mod stats_spec;
mod tickets;
// --- reports
mod reports;
// --- calui
mod calendar_links;
mod job_heartbeat;
// --- detail
mod article_actions;
// --- actions
mod texts;
mod ticket_actions;
// --- forms
mod uploads;

#[cfg(test)]
pub(crate) mod tests_support;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::clock::Clock;
use crate::error::DeskError;
use crate::ids::{AgentId, ArticleId, GroupId, QueueId, TicketId};
use crate::model::{
    Agent, Change, ChangeOp, CustomerUser, EntityKind, HistoryType, NewHistoryEntry, Permission,
    PermissionSet, Principal, Queue, StateCatalog, StateType, Ticket,
};
use crate::rules::permission::{TicketAccessFacts, customer_may_read};
use crate::rules::ticket_number::SystemId;
use crate::store::{Store, StoreTx};

pub use admin::{
    AgentUpdate, CustomerUpdate, CustomerUserUpdate, NewAgent, NewCustomer, NewCustomerUser,
    NewGroup, NewQueue, QueueUpdate,
};
pub use articles::{ArticleInput, ArticleKind, DraftInput};
pub use auth::{
    AccountKind, SecondFactor, SessionInfo, SessionTimeouts, SignIn, TWO_FACTOR_PREFERENCE,
};
pub use bulk::{
    BulkAction, BulkEmail, BulkLink, BulkMerge, BulkNote, BulkOutcome, BulkReport,
    MAX_BULK_TICKETS, TicketOutcome,
};
pub use calendar::{
    AppointmentInput, AppointmentOccurrence, AppointmentUpdate, CalendarFeed, CalendarUpdate,
    EditScope, MAX_OCCURRENCE_WINDOW_DAYS, NewCalendar, expand_rows, series_of,
};
pub use calendar_reminders::{AppointmentReminders, REMINDER_JOB_KIND, reminder_key};
pub use escalations::{EscalatingTicket, MAX_ESCALATIONS};
pub use jobs::{
    AgentNotifications, JobError, JobOutcome, JobRunReport, JobRunner, MAX_JOB_ATTEMPTS,
    MAX_JOB_KEY, MAX_JOB_KIND, MAX_JOB_PAYLOAD, MAX_NOTIFICATION_LIMIT, RetryPolicy, is_message_id,
    message_id_for,
};
pub use kb::{
    KbArticleInput, KbArticleUpdate, KbArticleView, KbCategoryNode, KbCategoryUpdate, KbListItem,
    KbQuery, KbReader, KbSearchPage, KbSortKey, MAX_KB_FIELD_CHARS, MAX_KB_KEYWORDS_CHARS,
    MAX_KB_PAGE, NewKbCategory,
};
pub use outbox::{DeliveryReport, MessageSender, SendError};
pub use stats::FIRST_STAT_NUMBER;
pub use tickets::{NewTicket, TicketUpdate};
// --- reports
pub use reports::{REPORT_JOB_KIND, ReportRun, pdf_filename, report_job_key, report_message_local};
// --- detail
pub use article_actions::{ArticleSource, Redirected};
// --- actions
pub use texts::{MAX_TEXT_CHARS, NewStandardText, StandardTextUpdate};
pub use ticket_actions::TicketAction;
// --- forms
pub use uploads::{MAX_FORM_KEY_CHARS, MIN_FORM_KEY_CHARS};

/// How often a command is tried when concurrent commands keep winning.
pub const MAX_ATTEMPTS: u32 = 8;

/// Settings of the desk, fixed when it is built.
#[derive(Debug, Clone)]
pub struct DeskConfig {
    /// The SystemID inside ticket numbers.
    pub system_id: SystemId,
    /// The system time zone: "today" for the daily ticket counter.
    pub time_zone: Tz,
    /// Subject of the note left on a merged ticket.
    pub merge_subject: String,
    /// Largest attachment accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// Largest article body accepted, in bytes.
    pub max_body_bytes: u64,
    /// Most attachments on one article.
    pub max_attachments_per_article: usize,
    /// Largest e-mail source kept with a received article, in bytes (OTRS's
    /// `PostmasterMaxEmailSize` is 16 MiB too).
    pub max_source_bytes: u64,
    /// Drafts older than this are no longer offered.
    pub draft_ttl: Duration,
    /// Files kept for a form being filled in expire after this long.
    pub form_upload_ttl: Duration,
    /// The most bytes the files kept for one form may hold together.
    pub max_form_upload_bytes: u64,
    /// On an owner change by a real agent, an unset responsible becomes the new owner.
    pub responsible_auto_set: bool,
    /// The address outgoing e-mail is sent from.
    pub system_address: String,
    /// The group rights new customer users get (customer side: `create` lets them open tickets).
    pub customer_default_groups: Vec<(GroupId, PermissionSet)>,
    /// Delivery attempts before an outgoing message is marked failed.
    pub max_delivery_attempts: u32,
    /// How long the state catalogue read by one command is reused by the next ones. States are
    /// only ever added (never renamed, retyped or deleted), and this desk forgets its copy when it
    /// adds one, so the only effect is that a state added by another process sharing the database
    /// is unknown here for at most this long. Zero reads it in every command.
    pub state_cache_ttl: Duration,
    /// The working hours escalation deadlines are counted in; `None` is the standard calendar
    /// (Monday to Friday 08:00–21:00, usual holidays off) in [`DeskConfig::time_zone`].
    pub working_calendar: Option<crate::rules::escalation::WorkingCalendar>,
    /// Knowledge-base articles need an approval before customers and visitors see them (an
    /// agent with `rw` on the `users` group approves; OTRS's default is off).
    pub kb_approval_required: bool,
    /// The language codes knowledge-base articles may be written in.
    pub kb_languages: Vec<String>,
}

impl Default for DeskConfig {
    fn default() -> Self {
        DeskConfig {
            system_id: SystemId::default(),
            time_zone: Tz::UTC,
            merge_subject: "Ticket Merged".into(),
            max_attachment_bytes: 20 * 1024 * 1024,
            max_body_bytes: 2 * 1024 * 1024,
            max_attachments_per_article: 100,
            max_source_bytes: 16 * 1024 * 1024,
            draft_ttl: Duration::days(7),
            form_upload_ttl: Duration::hours(24),
            max_form_upload_bytes: 3 * 1024 * 1024,
            responsible_auto_set: true,
            system_address: "otrs@localhost".into(),
            customer_default_groups: vec![(GroupId::USERS, PermissionSet::RW)],
            max_delivery_attempts: 5,
            state_cache_ttl: Duration::seconds(1),
            working_calendar: None,
            kb_approval_required: false,
            kb_languages: vec!["en".into(), "de".into()],
        }
    }
}

/// The help desk over a store.
#[derive(Debug)]
pub struct Desk<S: Store> {
    store: S,
    clock: Arc<dyn Clock>,
    config: DeskConfig,
    /// The state catalogue and when it was read (see [`DeskConfig::state_cache_ttl`]).
    states_cache: parking_lot::Mutex<Option<(DateTime<Utc>, Arc<StateCatalog>)>>,
}

/// Runs `$body` (an expression using `&mut $tx`) in a write transaction, committing on success and
/// running it again when a concurrent change won.
macro_rules! write_tx {
    ($desk:expr, |$tx:ident| $body:expr) => {{
        let mut attempt = 1u32;
        loop {
            let mut $tx = $desk.store().begin().await?;
            let result = $body.await;
            let result = $desk.finish($tx, result).await;
            match result {
                Err(error) if error.is_retryable() && attempt < $crate::desk::MAX_ATTEMPTS => {
                    attempt += 1
                }
                other => break other,
            }
        }
    }};
}

/// Runs `$body` in a read-only transaction.
macro_rules! read_tx {
    ($desk:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $desk.store().begin_read().await?;
        let result = $body.await;
        let _ = $crate::store::StoreTx::rollback($tx).await;
        result
    }};
}

pub(crate) use {read_tx, write_tx};

/// The acting user of a command, as loaded inside its transaction.
// One per command, so the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub(crate) enum Actor {
    /// An agent (or the system user).
    Agent(Agent),
    /// A customer user.
    Customer(CustomerUser),
}

impl Actor {
    pub(crate) fn principal(&self) -> Principal {
        match self {
            Actor::Agent(a) => Principal::Agent(a.id),
            Actor::Customer(c) => Principal::Customer(c.id),
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Actor::Agent(a) if a.id == AgentId::SYSTEM => "the system".to_owned(),
            Actor::Agent(a) => format!("agent {}", a.login),
            Actor::Customer(c) => format!("customer user {}", c.login),
        }
    }

    pub(crate) fn agent(&self) -> Option<&Agent> {
        match self {
            Actor::Agent(a) => Some(a),
            Actor::Customer(_) => None,
        }
    }

    pub(crate) fn is_system(&self) -> bool {
        matches!(self, Actor::Agent(a) if a.id == AgentId::SYSTEM)
    }
}

/// Everything a ticket command needs besides the ticket: who, when, and the state catalogue.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) actor: Actor,
    pub(crate) now: DateTime<Utc>,
    pub(crate) states: Arc<StateCatalog>,
}

/// A ticket being changed inside a command, with the history rows the changes produced.
#[derive(Debug)]
pub(crate) struct TicketEdit {
    pub(crate) ticket: Ticket,
    pub(crate) history: Vec<NewHistoryEntry>,
    pub(crate) changed_row: bool,
}

impl TicketEdit {
    pub(crate) fn new(ticket: Ticket) -> TicketEdit {
        TicketEdit {
            ticket,
            history: Vec::new(),
            changed_row: false,
        }
    }

    /// Records a history row with the ticket's current values as its snapshot.
    pub(crate) fn record(
        &mut self,
        ctx: &Ctx,
        history_type: HistoryType,
        params: Vec<String>,
        article: Option<ArticleId>,
    ) {
        self.history.push(history_row(
            &self.ticket,
            ctx,
            history_type,
            params,
            article,
        ));
    }
}

pub(crate) fn history_row(
    ticket: &Ticket,
    ctx: &Ctx,
    history_type: HistoryType,
    params: Vec<String>,
    article_id: Option<ArticleId>,
) -> NewHistoryEntry {
    NewHistoryEntry {
        ticket_id: ticket.id,
        article_id,
        history_type,
        params,
        created_by: ctx.actor.principal(),
        created_at: ctx.now,
        queue_id: ticket.queue_id,
        state_id: ticket.state_id,
        priority: ticket.priority,
        owner_id: ticket.owner_id,
    }
}

/// Refuses a caller's copy at version `expected` when the stored object is at `actual`
/// (the API's `If-Match`); `None` means the caller did not ask.
pub(crate) fn check_expected_version(
    what: impl FnOnce() -> String,
    expected: Option<u64>,
    actual: u64,
) -> Result<(), DeskError> {
    match expected {
        Some(expected) if expected != actual => Err(DeskError::VersionMismatch {
            what: what(),
            expected,
            actual,
        }),
        _ => Ok(()),
    }
}

impl<S: Store> Desk<S> {
    /// A desk over `store`, reading time from `clock`.
    pub fn new(store: S, clock: Arc<dyn Clock>, config: DeskConfig) -> Desk<S> {
        Desk {
            store,
            clock,
            config,
            states_cache: parking_lot::Mutex::new(None),
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &DeskConfig {
        &self.config
    }

    /// The current time, from the clock port.
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) async fn finish<T, E: From<crate::store::StoreError>>(
        &self,
        tx: S::Tx,
        result: Result<T, E>,
    ) -> Result<T, E> {
        match result {
            Ok(value) => {
                tx.commit().await.map_err(E::from)?;
                Ok(value)
            }
            Err(error) => {
                // A failed rollback cannot undo anything more; the original error is what matters.
                let _ = tx.rollback().await;
                Err(error)
            }
        }
    }

    /// Loads the actor and the state catalogue.
    /// The state catalogue, reused for [`DeskConfig::state_cache_ttl`] after it was read.
    async fn state_catalog(&self, tx: &mut S::Tx) -> Result<Arc<StateCatalog>, DeskError> {
        let now = self.clock.now();
        if let Some((read_at, catalog)) = &*self.states_cache.lock()
            && now >= *read_at
            && now - *read_at < self.config.state_cache_ttl
        {
            return Ok(Arc::clone(catalog));
        }
        let catalog = Arc::new(StateCatalog::new(tx.states().await?));
        *self.states_cache.lock() = Some((now, Arc::clone(&catalog)));
        Ok(catalog)
    }

    /// Forgets the cached state catalogue (after this desk added states).
    pub(crate) fn forget_states(&self) {
        *self.states_cache.lock() = None;
    }

    pub(crate) async fn ctx(&self, tx: &mut S::Tx, actor: Principal) -> Result<Ctx, DeskError> {
        let actor = match actor {
            Principal::Agent(id) => {
                let agent = tx.agent(id).await?.ok_or_else(|| {
                    if id == AgentId::SYSTEM {
                        DeskError::NotAuthenticated(
                            "the desk has no system user yet; run initialize first".into(),
                        )
                    } else {
                        DeskError::NotAuthenticated(format!("agent {id} does not exist"))
                    }
                })?;
                if !agent.validity.is_valid() && agent.id != AgentId::SYSTEM {
                    return Err(DeskError::NotAuthenticated(format!(
                        "agent {} is {}",
                        agent.login,
                        agent.validity.name()
                    )));
                }
                Actor::Agent(agent)
            }
            Principal::Customer(id) => {
                let user = tx.customer_user(id).await?.ok_or_else(|| {
                    DeskError::NotAuthenticated(format!("customer user {id} does not exist"))
                })?;
                if !user.validity.is_valid() {
                    return Err(DeskError::NotAuthenticated(format!(
                        "customer user {} is {}",
                        user.login,
                        user.validity.name()
                    )));
                }
                Actor::Customer(user)
            }
        };
        let states = self.state_catalog(tx).await?;
        Ok(Ctx {
            actor,
            now: self.clock.now(),
            states,
        })
    }

    pub(crate) async fn load_ticket(
        &self,
        tx: &mut S::Tx,
        id: TicketId,
    ) -> Result<Ticket, DeskError> {
        tx.ticket(id)
            .await?
            .ok_or_else(|| DeskError::not_found("ticket", id))
    }

    pub(crate) async fn load_queue(&self, tx: &mut S::Tx, id: QueueId) -> Result<Queue, DeskError> {
        tx.queue(id)
            .await?
            .ok_or_else(|| DeskError::not_found("queue", id))
    }

    pub(crate) async fn load_agent(&self, tx: &mut S::Tx, id: AgentId) -> Result<Agent, DeskError> {
        tx.agent(id)
            .await?
            .ok_or_else(|| DeskError::not_found("agent", id))
    }

    /// True if the actor holds `permission` on the ticket.
    pub(crate) async fn may(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &Ticket,
        permission: Permission,
    ) -> Result<bool, DeskError> {
        match &ctx.actor {
            Actor::Agent(agent) => {
                let queue = self.load_queue(tx, ticket.queue_id).await?;
                let facts = TicketAccessFacts {
                    agent,
                    ticket,
                    queue: &queue,
                    watching: false,
                };
                if facts.grants(permission) {
                    return Ok(true);
                }
                if permission != Permission::Ro {
                    return Ok(false);
                }
                let watching = tx
                    .watchers(ticket.id)
                    .await?
                    .iter()
                    .any(|w| w.agent_id == agent.id);
                Ok(TicketAccessFacts { watching, ..facts }.grants(permission))
            }
            // Customer users read and follow up on their own and their companies' tickets.
            Actor::Customer(user) => Ok(matches!(permission, Permission::Ro | Permission::Note)
                && customer_may_read(user, ticket)),
        }
    }

    /// Requires `permission` on the ticket. Customers who may not read the ticket are told it does
    /// not exist, so that ticket numbers of other companies cannot be probed.
    pub(crate) async fn require(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &Ticket,
        permission: Permission,
        action: &'static str,
    ) -> Result<(), DeskError> {
        if self.may(tx, ctx, ticket, permission).await? {
            return Ok(());
        }
        if let Actor::Customer(user) = &ctx.actor
            && !customer_may_read(user, ticket)
        {
            return Err(DeskError::not_found("ticket", &ticket.number));
        }
        Err(DeskError::PermissionDenied {
            actor: ctx.actor.describe(),
            action,
            object: format!("ticket {}", ticket.number),
            reason: format!("needs the {permission} permission on the ticket's queue"),
        })
    }

    /// Refuses changes to merged tickets.
    pub(crate) async fn ensure_not_merged(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &Ticket,
    ) -> Result<(), DeskError> {
        if ctx.states.type_of(ticket.state_id) == StateType::Merged {
            let into = self.merged_into(tx, ticket.id).await?.map(|t| t.number);
            return Err(DeskError::TicketMerged {
                ticket: ticket.number.clone(),
                into,
            });
        }
        Ok(())
    }

    /// Refuses actions that need the lock when another agent holds it.
    pub(crate) async fn ensure_not_locked_by_other(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &Ticket,
    ) -> Result<(), DeskError> {
        let acting = match &ctx.actor {
            Actor::Agent(a) if a.id == AgentId::SYSTEM => return Ok(()),
            Actor::Agent(a) => a.id,
            Actor::Customer(_) => return Ok(()),
        };
        if ticket.is_locked_by_other(acting) {
            let by = tx
                .agent(ticket.owner_id)
                .await?
                .map_or_else(|| ticket.owner_id.to_string(), |a| a.login);
            return Err(DeskError::TicketLocked {
                ticket: ticket.number.clone(),
                by,
            });
        }
        Ok(())
    }

    /// Refuses a stale `If-Match` version.
    pub(crate) fn ensure_version(ticket: &Ticket, expected: Option<u64>) -> Result<(), DeskError> {
        check_expected_version(
            || format!("ticket {}", ticket.number),
            expected,
            ticket.version,
        )
    }

    /// Writes a changed ticket, its history rows and a change-feed entry.
    pub(crate) async fn save(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        mut edit: TicketEdit,
    ) -> Result<Ticket, DeskError> {
        if !edit.changed_row && edit.history.is_empty() {
            return Ok(edit.ticket);
        }
        edit.ticket.changed_at = ctx.now;
        edit.ticket.changed_by = ctx.actor.principal();
        let stored = tx.update_ticket(&edit.ticket).await?;
        tx.append_history(&edit.history).await?;
        self.index_escalation_of(tx, ctx, &stored, false).await?;
        self.feed_change(tx, ctx, EntityKind::Ticket, stored.id.0, ChangeOp::Updated)
            .await?;
        Ok(stored)
    }

    pub(crate) async fn feed(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        entity: EntityKind,
        entity_id: u64,
        op: ChangeOp,
    ) -> Result<(), DeskError> {
        // Every change of a ticket moves its escalation deadlines (the commands that have the
        // ticket at hand index it themselves and call `feed_change`).
        if entity == EntityKind::Ticket {
            self.index_escalation(tx, ctx, TicketId(entity_id)).await?;
        }
        self.feed_change(tx, ctx, entity, entity_id, op).await
    }

    /// Appends a change-feed entry (without the escalation hook of [`Desk::feed`]).
    pub(crate) async fn feed_change(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        entity: EntityKind,
        entity_id: u64,
        op: ChangeOp,
    ) -> Result<(), DeskError> {
        tx.append_change(&Change {
            seq: 0,
            entity,
            entity_id,
            op,
            at: ctx.now,
        })
        .await?;
        Ok(())
    }

    /// The ticket a merged ticket was merged into: the parent of its ParentChild link.
    pub(crate) async fn merged_into(
        &self,
        tx: &mut S::Tx,
        ticket: TicketId,
    ) -> Result<Option<Ticket>, DeskError> {
        let links = tx.links_of(crate::model::ObjectRef::Ticket(ticket)).await?;
        let parent = links.iter().rev().find_map(|l| {
            (l.link_type == crate::model::LinkType::ParentChild
                && l.target == crate::model::ObjectRef::Ticket(ticket))
            .then_some(l.source.ticket())
            .flatten()
        });
        match parent {
            Some(id) => Ok(tx.ticket(id).await?),
            None => Ok(None),
        }
    }
}
