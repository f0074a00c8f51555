//! Creating tickets and changing their properties: lock, owner, responsible, queue, priority,
//! state, pending time, customer, title; watching.

use chrono::{DateTime, Utc};

use crate::desk::articles::ArticleInput;
use crate::desk::{Actor, Ctx, Desk, TicketEdit, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AgentId, CustomerUserId, QueueId, StateId, TicketId};
use crate::model::{
    ChangeOp, EntityKind, HistoryType, LockState, Permission, Principal, Priority, State,
    StateType, Ticket, TimeUnits, Watcher, default_states,
};
use crate::rules::permission::{agent_may_use_queue, customer_may_create_in};
use crate::rules::ticket_number::date_checksum;
use crate::store::{Store, StoreError, StoreTx};

/// How many times a clashing ticket number is rebuilt with the next counter value before giving up.
const NUMBER_ATTEMPTS: u32 = 16_000;

/// A ticket to create, with its first article.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTicket {
    /// Title.
    pub title: String,
    /// Queue.
    pub queue: QueueId,
    /// State; agents' tickets default to open, customers' and incoming e-mail to new.
    pub state: Option<StateId>,
    /// Priority; default 3 normal.
    pub priority: Option<Priority>,
    /// Owner; defaults to the creating agent (the system user for customers and the system).
    pub owner: Option<AgentId>,
    /// Responsible; defaults to nobody (the system user).
    pub responsible: Option<AgentId>,
    /// Lock the new ticket to its owner.
    pub lock: bool,
    /// The customer user; a customer user creating a ticket is always its customer user.
    pub customer_user: Option<CustomerUserId>,
    /// The CustomerID; defaults to the customer user's main CustomerID.
    pub customer_id: Option<String>,
    /// Pending time, for pending states.
    pub pending_until: Option<DateTime<Utc>>,
    /// The first article; its kind makes the ticket a phone, e-mail, note or portal ticket.
    pub article: ArticleInput,
}

impl NewTicket {
    /// A ticket with a title, a queue and a first article, everything else at its default.
    pub fn new(title: impl Into<String>, queue: QueueId, article: ArticleInput) -> NewTicket {
        NewTicket {
            title: title.into(),
            queue,
            state: None,
            priority: None,
            owner: None,
            responsible: None,
            lock: false,
            customer_user: None,
            customer_id: None,
            pending_until: None,
            article,
        }
    }
}

/// Property changes to apply to one ticket in one command. `None` leaves a property alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketUpdate {
    /// New title.
    pub title: Option<String>,
    /// New queue (a move).
    pub queue: Option<QueueId>,
    /// New owner.
    pub owner: Option<AgentId>,
    /// New responsible agent.
    pub responsible: Option<AgentId>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New state.
    pub state: Option<StateId>,
    /// New pending time (needed with a pending state).
    pub pending_until: Option<DateTime<Utc>>,
    /// New customer user; `Some(None)` clears it.
    pub customer_user: Option<Option<CustomerUserId>>,
    /// New CustomerID; `Some(None)` clears it.
    pub customer_id: Option<Option<String>>,
    /// Only apply if the ticket is still at this version (`If-Match`).
    pub expected_version: Option<u64>,
}

impl TicketUpdate {
    /// True if nothing would change.
    pub fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.queue.is_none()
            && self.owner.is_none()
            && self.responsible.is_none()
            && self.priority.is_none()
            && self.state.is_none()
            && self.pending_until.is_none()
            && self.customer_user.is_none()
            && self.customer_id.is_none()
    }
}

fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() > max {
        let cut: String = text.chars().take(max).collect();
        format!("{cut}...")
    } else {
        text.to_owned()
    }
}

impl<S: Store> Desk<S> {
    /// Creates a ticket with its first article.
    ///
    /// Agents need `create` on the queue; customer users need the customer-side `create` right on
    /// the queue's group and always become the ticket's customer. Agent tickets start open,
    /// customer tickets and incoming e-mail new; priority defaults to 3 normal.
    pub async fn create_ticket(
        &self,
        actor: Principal,
        new: NewTicket,
    ) -> Result<Ticket, DeskError> {
        write_tx!(self, |tx| self.create_ticket_tx(&mut tx, actor, &new))
    }

    pub(crate) async fn create_ticket_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewTicket,
    ) -> Result<Ticket, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let with_uploads = self
            .take_form_uploads(tx, &ctx, &new.article)
            .await?
            .map(|article| NewTicket {
                article,
                ..new.clone()
            });
        let new = with_uploads.as_ref().unwrap_or(new);
        let mut errors = ValidationErrors::new();
        errors.text("title", &new.title, 1, 255, false);
        if let Some(id) = &new.customer_id {
            errors.text("customer_id", id, 1, 150, false);
        }
        if let Err(DeskError::Invalid(article_errors)) =
            self.validate_article(&ctx, &new.article, "article")
        {
            errors.0.extend(article_errors.0);
        }
        let queue = tx.queue(new.queue).await?;
        match &queue {
            None => errors.add("queue", format!("queue {} does not exist", new.queue)),
            Some(q) if !q.validity.is_valid() => errors.add(
                "queue",
                format!("queue {} is {}", q.name, q.validity.name()),
            ),
            Some(_) => {}
        }
        let customer_created = matches!(ctx.actor, Actor::Customer(_));
        let default_state =
            if customer_created || new.article.kind == crate::desk::ArticleKind::EmailInbound {
                default_states::NEW
            } else {
                default_states::OPEN
            };
        let state_id = new.state.unwrap_or(default_state);
        let state = ctx.states.get(state_id).cloned();
        match &state {
            None => errors.add("state", format!("state {state_id} does not exist")),
            Some(s) if !s.valid => errors.add("state", format!("state {} is invalid", s.name)),
            Some(s) if matches!(s.state_type, StateType::Merged | StateType::Removed) => errors
                .add(
                    "state",
                    format!("a ticket cannot start in state {}", s.name),
                ),
            Some(s) if customer_created && s.id != default_states::NEW => {
                errors.add("state", "customer tickets start in state new")
            }
            Some(s) if s.state_type.is_pending() => match new.pending_until {
                None => errors.add("pending_until", format!("is required for state {}", s.name)),
                Some(t) if t <= ctx.now => errors.add("pending_until", "must be in the future"),
                Some(_) => {}
            },
            Some(_) => {}
        }
        if new.pending_until.is_some() && !state.as_ref().is_some_and(|s| s.state_type.is_pending())
        {
            errors.add("pending_until", "can only be set with a pending state");
        }
        errors.into_result()?;
        let (Some(queue), Some(state)) = (queue, state) else {
            return Err(DeskError::invalid("queue", "missing"));
        };

        // Who may create here, and who the ticket is for.
        let mut customer_user_id = new.customer_user;
        match &ctx.actor {
            Actor::Agent(agent) => {
                if !agent_may_use_queue(agent, &queue, Permission::Create) {
                    return Err(DeskError::PermissionDenied {
                        actor: ctx.actor.describe(),
                        action: "create tickets in",
                        object: format!("queue {}", queue.name),
                        reason: "needs the create permission on the queue's group".into(),
                    });
                }
            }
            Actor::Customer(user) => {
                if !customer_may_create_in(user, &queue) {
                    return Err(DeskError::PermissionDenied {
                        actor: ctx.actor.describe(),
                        action: "create tickets in",
                        object: format!("queue {}", queue.name),
                        reason:
                            "customer users may only create tickets in the queues offered to them"
                                .into(),
                    });
                }
                if new.owner.is_some()
                    || new.responsible.is_some()
                    || new.lock
                    || new.priority.is_some()
                {
                    return Err(DeskError::invalid(
                        "owner",
                        "customer users cannot choose owner, responsible, lock or priority",
                    ));
                }
                if customer_user_id.is_some_and(|id| id != user.id) || new.customer_id.is_some() {
                    return Err(DeskError::invalid(
                        "customer_user",
                        "customer users create tickets for themselves",
                    ));
                }
                customer_user_id = Some(user.id);
            }
        }
        let customer_user = match customer_user_id {
            Some(id) => Some(tx.customer_user(id).await?.ok_or_else(|| {
                DeskError::invalid(
                    "customer_user",
                    format!("customer user {id} does not exist"),
                )
            })?),
            None => None,
        };
        let customer_id = new
            .customer_id
            .clone()
            .or_else(|| customer_user.as_ref().map(|u| u.customer_id.clone()));

        let creator = ctx.actor.agent().map_or(AgentId::SYSTEM, |a| a.id);
        let owner_id = new.owner.unwrap_or(creator);
        let owner_login = self
            .check_assignee(tx, &ctx, &queue, owner_id, Permission::Owner, "owner")
            .await?;
        let responsible_id = new.responsible.unwrap_or(AgentId::SYSTEM);
        let responsible_login = self
            .check_assignee(
                tx,
                &ctx,
                &queue,
                responsible_id,
                Permission::Ro,
                "responsible",
            )
            .await?;
        if new.lock && owner_id == AgentId::SYSTEM {
            return Err(DeskError::invalid(
                "lock",
                "a ticket can only be locked to an agent",
            ));
        }

        // Everything is read before the number is taken: the daily counter stays locked from here
        // to the commit in the SQL stores, so the fewer round trips after it, the more creators
        // can proceed concurrently.
        let number = self.next_ticket_number(tx, ctx.now).await?;
        let ticket = Ticket {
            id: TicketId(0),
            number,
            title: new.title.trim().to_owned(),
            queue_id: queue.id,
            state_id: state.id,
            priority: new.priority.unwrap_or_default(),
            lock: if new.lock {
                LockState::Locked
            } else {
                LockState::Unlocked
            },
            owner_id,
            responsible_id,
            customer_id,
            customer_user_id,
            pending_until: new.pending_until,
            created_at: ctx.now,
            created_by: ctx.actor.principal(),
            changed_at: ctx.now,
            changed_by: ctx.actor.principal(),
            accounted_time: TimeUnits::ZERO,
            locked_at: new.lock.then_some(ctx.now),
            version: 0,
        };
        let ticket = tx.insert_ticket(&ticket).await?;
        let mut edit = TicketEdit::new(ticket);
        let t = &edit.ticket;
        let params = vec![
            t.number.clone(),
            queue.name.clone(),
            t.priority.name().to_owned(),
            state.name.clone(),
            t.id.to_string(),
        ];
        edit.record(&ctx, HistoryType::NewTicket, params, None);
        if customer_user_id.is_some() || edit.ticket.customer_id.is_some() {
            let params = customer_params(
                &edit.ticket,
                customer_user.as_ref().map(|u| u.login.as_str()),
            );
            edit.record(&ctx, HistoryType::CustomerUpdate, params, None);
        }
        if let Some(login) = owner_login {
            edit.record(
                &ctx,
                HistoryType::OwnerUpdate,
                vec![login, owner_id.to_string()],
                None,
            );
        }
        if let Some(login) = responsible_login {
            edit.record(
                &ctx,
                HistoryType::ResponsibleUpdate,
                vec![login, responsible_id.to_string()],
                None,
            );
        }
        if new.lock {
            edit.record(
                &ctx,
                HistoryType::Lock,
                vec![LockState::Locked.name().to_owned()],
                None,
            );
        }
        if let Some(until) = new.pending_until {
            edit.record(
                &ctx,
                HistoryType::SetPendingTime,
                vec![until.to_rfc3339()],
                None,
            );
        }
        self.add_article_in(tx, &ctx, &mut edit, &new.article, true)
            .await?;
        let id = edit.ticket.id;
        let ticket = self.save_new(tx, &ctx, edit).await?;
        debug_assert_eq!(ticket.id, id);
        Ok(ticket)
    }

    /// Writes the first rows of a new ticket: its history and the change-feed entry.
    async fn save_new(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: TicketEdit,
    ) -> Result<Ticket, DeskError> {
        let ticket = if edit.changed_row {
            tx.update_ticket(&edit.ticket).await?
        } else {
            edit.ticket
        };
        tx.append_history(&edit.history).await?;
        self.index_escalation_of(tx, ctx, &ticket, true).await?;
        self.feed_change(tx, ctx, EntityKind::Ticket, ticket.id.0, ChangeOp::Created)
            .await?;
        Ok(ticket)
    }

    /// The next DateChecksum number for today in the system time zone.
    async fn next_ticket_number(
        &self,
        tx: &mut S::Tx,
        now: DateTime<Utc>,
    ) -> Result<String, DeskError> {
        let day = now.with_timezone(&self.config.time_zone).date_naive();
        for _ in 0..NUMBER_ATTEMPTS {
            let counter = tx.next_ticket_counter(day).await?;
            let number = date_checksum(day, self.config.system_id, counter);
            // Numbers can only clash with imported tickets or after a SystemID change.
            if tx.ticket_by_number(&number).await?.is_none() {
                return Ok(number);
            }
        }
        Err(DeskError::Store(StoreError::Invalid {
            field: "ticket number",
            message: format!("no free ticket number for {day} after {NUMBER_ATTEMPTS} tries"),
        }))
    }

    /// Checks that `agent` may be owner (or responsible) of tickets in `queue`.
    /// Returns the agent's login (`None` for the system user, who needs no check). The acting
    /// agent is taken from `ctx` rather than loaded again.
    async fn check_assignee(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        queue: &crate::model::Queue,
        agent: AgentId,
        permission: Permission,
        field: &'static str,
    ) -> Result<Option<String>, DeskError> {
        if agent == AgentId::SYSTEM {
            return Ok(None);
        }
        let loaded;
        let candidate = match ctx.actor.agent() {
            Some(actor) if actor.id == agent => actor,
            _ => {
                loaded = tx.agent(agent).await?.ok_or_else(|| {
                    DeskError::invalid(field, format!("agent {agent} does not exist"))
                })?;
                &loaded
            }
        };
        if !candidate.validity.is_valid() {
            return Err(DeskError::invalid(
                field,
                format!("agent {} is {}", candidate.login, candidate.validity.name()),
            ));
        }
        if !agent_may_use_queue(candidate, queue, permission) {
            return Err(DeskError::invalid(
                field,
                format!(
                    "agent {} lacks the {permission} permission on queue {}",
                    candidate.login, queue.name
                ),
            ));
        }
        Ok(Some(candidate.login.clone()))
    }

    /// Applies several property changes to a ticket in one command; each change checks its own
    /// permission and writes its own history row. Changes that need the lock (queue, priority,
    /// state, pending time) are refused while another agent holds it.
    pub async fn update_ticket(
        &self,
        actor: Principal,
        ticket: TicketId,
        update: TicketUpdate,
    ) -> Result<Ticket, DeskError> {
        write_tx!(self, |tx| self
            .update_ticket_tx(&mut tx, actor, ticket, &update))
    }

    async fn update_ticket_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
        update: &TicketUpdate,
    ) -> Result<Ticket, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let ticket = self.load_ticket(tx, ticket_id).await?;
        self.require(tx, &ctx, &ticket, Permission::Ro, "change")
            .await?;
        Self::refuse_customer_property_change(&ctx, &ticket)?;
        self.ensure_not_merged(tx, &ctx, &ticket).await?;
        Self::ensure_version(&ticket, update.expected_version)?;
        let mut edit = TicketEdit::new(ticket);
        self.apply_update_in(tx, &ctx, &mut edit, update).await?;
        self.save(tx, &ctx, edit).await
    }

    /// Customer users may write on their tickets but never change their properties.
    pub(crate) fn refuse_customer_property_change(
        ctx: &Ctx,
        ticket: &Ticket,
    ) -> Result<(), DeskError> {
        if matches!(ctx.actor, Actor::Customer(_)) {
            return Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action: "change",
                object: format!("ticket {}", ticket.number),
                reason: "customer users cannot change ticket properties".into(),
            });
        }
        Ok(())
    }

    pub(crate) async fn apply_update_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        update: &TicketUpdate,
    ) -> Result<(), DeskError> {
        let needs_lock = update.queue.is_some()
            || update.priority.is_some()
            || update.state.is_some()
            || update.pending_until.is_some();
        if needs_lock {
            self.ensure_not_locked_by_other(tx, ctx, &edit.ticket)
                .await?;
        }
        if let Some(title) = &update.title {
            self.require(tx, ctx, &edit.ticket, Permission::Rw, "change the title of")
                .await?;
            let mut errors = ValidationErrors::new();
            errors.text("title", title, 1, 255, false);
            errors.into_result()?;
            let title = title.trim().to_owned();
            if title != edit.ticket.title {
                let old = std::mem::replace(&mut edit.ticket.title, title.clone());
                edit.changed_row = true;
                edit.record(
                    ctx,
                    HistoryType::TitleUpdate,
                    vec![old, ellipsis(&title, 50)],
                    None,
                );
            }
        }
        if update.customer_user.is_some() || update.customer_id.is_some() {
            self.require(
                tx,
                ctx,
                &edit.ticket,
                Permission::Rw,
                "change the customer of",
            )
            .await?;
            self.set_customer_in(
                tx,
                ctx,
                edit,
                update.customer_user,
                update.customer_id.clone(),
            )
            .await?;
        }
        if let Some(queue) = update.queue {
            self.move_in(tx, ctx, edit, queue).await?;
        }
        if let Some(owner) = update.owner {
            self.require(
                tx,
                ctx,
                &edit.ticket,
                Permission::Owner,
                "change the owner of",
            )
            .await?;
            self.set_owner_in(tx, ctx, edit, owner, true).await?;
        }
        if let Some(responsible) = update.responsible {
            self.require(
                tx,
                ctx,
                &edit.ticket,
                Permission::Rw,
                "change the responsible agent of",
            )
            .await?;
            let queue = self.load_queue(tx, edit.ticket.queue_id).await?;
            self.check_assignee(tx, ctx, &queue, responsible, Permission::Ro, "responsible")
                .await?;
            self.set_responsible_in(tx, ctx, edit, responsible).await?;
        }
        if let Some(priority) = update.priority {
            self.require(
                tx,
                ctx,
                &edit.ticket,
                Permission::Priority,
                "change the priority of",
            )
            .await?;
            if priority != edit.ticket.priority {
                let old = std::mem::replace(&mut edit.ticket.priority, priority);
                edit.changed_row = true;
                let params = vec![
                    old.name().into(),
                    old.level().to_string(),
                    priority.name().into(),
                    priority.level().to_string(),
                ];
                edit.record(ctx, HistoryType::PriorityUpdate, params, None);
            }
        }
        if let Some(state_id) = update.state {
            self.require(tx, ctx, &edit.ticket, Permission::Rw, "change the state of")
                .await?;
            let state = ctx.states.get(state_id).cloned().ok_or_else(|| {
                DeskError::invalid("state", format!("state {state_id} does not exist"))
            })?;
            self.change_state_in(ctx, edit, &state, update.pending_until)?;
        } else if let Some(until) = update.pending_until {
            self.require(
                tx,
                ctx,
                &edit.ticket,
                Permission::Rw,
                "change the pending time of",
            )
            .await?;
            if !ctx.states.type_of(edit.ticket.state_id).is_pending() {
                return Err(DeskError::invalid(
                    "pending_until",
                    "can only be set while the ticket is in a pending state",
                ));
            }
            self.set_pending_in(ctx, edit, until)?;
        }
        Ok(())
    }

    /// Changes the state. Pending states need a future pending time (given, or already set);
    /// leaving a pending state clears it; a closed state unlocks the ticket.
    pub(crate) fn change_state_in(
        &self,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        state: &State,
        pending_until: Option<DateTime<Utc>>,
    ) -> Result<(), DeskError> {
        if !state.valid {
            return Err(DeskError::invalid(
                "state",
                format!("state {} is invalid", state.name),
            ));
        }
        if matches!(state.state_type, StateType::Merged) {
            return Err(DeskError::invalid(
                "state",
                "tickets become merged only by merging them",
            ));
        }
        if state.state_type.is_pending() {
            match pending_until {
                Some(until) => self.set_pending_in(ctx, edit, until)?,
                None if edit.ticket.pending_until.is_some_and(|t| t > ctx.now) => {}
                None => {
                    return Err(DeskError::invalid(
                        "pending_until",
                        format!("is required for state {}", state.name),
                    ));
                }
            }
        } else if pending_until.is_some() {
            return Err(DeskError::invalid(
                "pending_until",
                "can only be set with a pending state",
            ));
        }
        if state.id != edit.ticket.state_id {
            let old = ctx
                .states
                .get(edit.ticket.state_id)
                .map_or_else(|| edit.ticket.state_id.to_string(), |s| s.name.clone());
            edit.ticket.state_id = state.id;
            edit.changed_row = true;
            edit.record(
                ctx,
                HistoryType::StateUpdate,
                vec![old, state.name.clone()],
                None,
            );
        }
        if !state.state_type.is_pending() && edit.ticket.pending_until.is_some() {
            edit.ticket.pending_until = None;
            edit.record(ctx, HistoryType::SetPendingTime, vec!["0".into()], None);
        }
        if state.state_type == StateType::Closed && edit.ticket.lock.is_locked() {
            self.unlock_in(ctx, edit);
        }
        Ok(())
    }

    fn set_pending_in(
        &self,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        until: DateTime<Utc>,
    ) -> Result<(), DeskError> {
        if until <= ctx.now {
            return Err(DeskError::invalid("pending_until", "must be in the future"));
        }
        if edit.ticket.pending_until != Some(until) {
            edit.ticket.pending_until = Some(until);
            edit.changed_row = true;
            edit.record(
                ctx,
                HistoryType::SetPendingTime,
                vec![until.to_rfc3339()],
                None,
            );
        }
        Ok(())
    }

    pub(crate) fn unlock_in(&self, ctx: &Ctx, edit: &mut TicketEdit) {
        if edit.ticket.lock.is_locked() {
            edit.ticket.lock = LockState::Unlocked;
            edit.changed_row = true;
            edit.record(
                ctx,
                HistoryType::Unlock,
                vec![LockState::Unlocked.name().to_owned()],
                None,
            );
        }
    }

    async fn move_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        queue_id: QueueId,
    ) -> Result<(), DeskError> {
        self.require(tx, ctx, &edit.ticket, Permission::MoveInto, "move")
            .await?;
        let target = tx.queue(queue_id).await?.ok_or_else(|| {
            DeskError::invalid("queue", format!("queue {queue_id} does not exist"))
        })?;
        if !target.validity.is_valid() {
            return Err(DeskError::invalid(
                "queue",
                format!("queue {} is {}", target.name, target.validity.name()),
            ));
        }
        if let Actor::Agent(agent) = &ctx.actor
            && !agent_may_use_queue(agent, &target, Permission::MoveInto)
        {
            return Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action: "move tickets into",
                object: format!("queue {}", target.name),
                reason: "needs the move_into permission on the queue's group".into(),
            });
        }
        if target.id == edit.ticket.queue_id {
            return Ok(());
        }
        let old = self.load_queue(tx, edit.ticket.queue_id).await?;
        edit.ticket.queue_id = target.id;
        edit.changed_row = true;
        edit.record(
            ctx,
            HistoryType::Move,
            vec![
                target.name.clone(),
                target.id.to_string(),
                old.name,
                old.id.to_string(),
            ],
            None,
        );
        // A ticket that changes queue is unlocked.
        self.unlock_in(ctx, edit);
        Ok(())
    }

    async fn set_owner_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        owner: AgentId,
        check_eligibility: bool,
    ) -> Result<(), DeskError> {
        if check_eligibility {
            let queue = self.load_queue(tx, edit.ticket.queue_id).await?;
            self.check_assignee(tx, ctx, &queue, owner, Permission::Owner, "owner")
                .await?;
        }
        if owner == edit.ticket.owner_id {
            return Ok(());
        }
        if owner == AgentId::SYSTEM && edit.ticket.lock.is_locked() {
            // Nobody can hold a lock: the ticket is unlocked first.
            self.unlock_in(ctx, edit);
        }
        edit.ticket.owner_id = owner;
        edit.changed_row = true;
        let login = self.load_agent(tx, owner).await?.login;
        edit.record(
            ctx,
            HistoryType::OwnerUpdate,
            vec![login, owner.to_string()],
            None,
        );
        // Responsible auto-set: a real agent's owner change fills an unset responsible.
        if self.config.responsible_auto_set
            && !ctx.actor.is_system()
            && edit.ticket.responsible_id == AgentId::SYSTEM
            && owner != AgentId::SYSTEM
        {
            self.set_responsible_in(tx, ctx, edit, owner).await?;
        }
        Ok(())
    }

    async fn set_responsible_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        agent: AgentId,
    ) -> Result<(), DeskError> {
        if agent == edit.ticket.responsible_id {
            return Ok(());
        }
        edit.ticket.responsible_id = agent;
        edit.changed_row = true;
        let login = self.load_agent(tx, agent).await?.login;
        edit.record(
            ctx,
            HistoryType::ResponsibleUpdate,
            vec![login, agent.to_string()],
            None,
        );
        Ok(())
    }

    async fn set_customer_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        customer_user: Option<Option<CustomerUserId>>,
        customer_id: Option<Option<String>>,
    ) -> Result<(), DeskError> {
        let mut login = None;
        let mut new_user = edit.ticket.customer_user_id;
        let mut new_customer_id = edit.ticket.customer_id.clone();
        if let Some(user) = customer_user {
            new_user = user;
            if let Some(id) = user {
                let record = tx.customer_user(id).await?.ok_or_else(|| {
                    DeskError::invalid(
                        "customer_user",
                        format!("customer user {id} does not exist"),
                    )
                })?;
                if customer_id.is_none() {
                    new_customer_id = Some(record.customer_id.clone());
                }
                login = Some(record.login);
            }
        }
        if let Some(id) = customer_id {
            if let Some(id) = &id {
                let mut errors = ValidationErrors::new();
                errors.text("customer_id", id, 1, 150, false);
                errors.into_result()?;
            }
            new_customer_id = id;
        }
        if new_user == edit.ticket.customer_user_id && new_customer_id == edit.ticket.customer_id {
            return Ok(());
        }
        edit.ticket.customer_user_id = new_user;
        edit.ticket.customer_id = new_customer_id;
        edit.changed_row = true;
        if login.is_none()
            && let Some(id) = new_user
        {
            login = tx.customer_user(id).await?.map(|u| u.login);
        }
        let params = customer_params(&edit.ticket, login.as_deref());
        edit.record(ctx, HistoryType::CustomerUpdate, params, None);
        Ok(())
    }

    /// Locks a ticket to the acting agent, who becomes its owner (needs `owner`).
    /// Locking a ticket one already holds changes nothing.
    pub async fn lock_ticket(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Ticket, DeskError> {
        write_tx!(self, |tx| self.lock_ticket_tx(&mut tx, actor, ticket))
    }

    async fn lock_ticket_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
    ) -> Result<Ticket, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let ticket = self.load_ticket(tx, ticket_id).await?;
        let mut edit = TicketEdit::new(ticket);
        self.lock_in(tx, &ctx, &mut edit).await?;
        self.save(tx, &ctx, edit).await
    }

    /// Locks the ticket being edited to the acting agent (making them owner).
    pub(crate) async fn lock_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
    ) -> Result<(), DeskError> {
        let Some(agent) = ctx
            .actor
            .agent()
            .filter(|a| a.id != AgentId::SYSTEM)
            .map(|a| a.id)
        else {
            return Err(DeskError::NotAllowed {
                object: format!("ticket {}", edit.ticket.number),
                reason: "only an agent can hold a lock".into(),
            });
        };
        self.require(tx, ctx, &edit.ticket, Permission::Owner, "lock")
            .await?;
        self.ensure_not_merged(tx, ctx, &edit.ticket).await?;
        if edit.ticket.is_locked_by(agent) {
            return Ok(());
        }
        self.ensure_not_locked_by_other(tx, ctx, &edit.ticket)
            .await?;
        edit.ticket.lock = LockState::Locked;
        edit.ticket.locked_at = Some(ctx.now);
        edit.changed_row = true;
        edit.record(
            ctx,
            HistoryType::Lock,
            vec![LockState::Locked.name().to_owned()],
            None,
        );
        // The owner permission was checked above, on the ticket itself.
        self.set_owner_in(tx, ctx, edit, agent, false).await
    }

    /// Unlocks a ticket. Allowed for the lock holder, admins and the system; others get
    /// [`DeskError::TicketLocked`]. Unlocking an unlocked ticket changes nothing.
    pub async fn unlock_ticket(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Ticket, DeskError> {
        write_tx!(self, |tx| self.unlock_ticket_tx(&mut tx, actor, ticket))
    }

    async fn unlock_ticket_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
    ) -> Result<Ticket, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let ticket = self.load_ticket(tx, ticket_id).await?;
        self.require(tx, &ctx, &ticket, Permission::Ro, "unlock")
            .await?;
        let mut edit = TicketEdit::new(ticket);
        self.unlock_checked_in(tx, &ctx, &mut edit).await?;
        self.save(tx, &ctx, edit).await
    }

    pub(crate) async fn unlock_checked_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
    ) -> Result<(), DeskError> {
        self.ensure_not_merged(tx, ctx, &edit.ticket).await?;
        if !edit.ticket.lock.is_locked() {
            return Ok(());
        }
        let allowed = match &ctx.actor {
            Actor::Agent(agent) => agent.is_admin() || edit.ticket.owner_id == agent.id,
            Actor::Customer(_) => false,
        };
        if !allowed {
            self.ensure_not_locked_by_other(tx, ctx, &edit.ticket)
                .await?;
            return Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action: "unlock",
                object: format!("ticket {}", edit.ticket.number),
                reason: "only the lock holder or an admin can unlock".into(),
            });
        }
        self.unlock_in(ctx, edit);
        Ok(())
    }

    /// Starts watching a ticket (needs `ro`). Watching again changes nothing.
    pub async fn watch_ticket(&self, actor: Principal, ticket: TicketId) -> Result<(), DeskError> {
        write_tx!(self, |tx| self.watch_tx(&mut tx, actor, ticket, true))
    }

    /// Stops watching a ticket. Not watching changes nothing.
    pub async fn unwatch_ticket(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| self.watch_tx(&mut tx, actor, ticket, false))
    }

    async fn watch_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        ticket_id: TicketId,
        watch: bool,
    ) -> Result<(), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let Some(agent) = ctx.actor.agent().cloned() else {
            return Err(DeskError::not_found("ticket", ticket_id));
        };
        let ticket = self.load_ticket(tx, ticket_id).await?;
        self.require(tx, &ctx, &ticket, Permission::Ro, "watch")
            .await?;
        self.ensure_not_merged(tx, &ctx, &ticket).await?;
        let watching = tx
            .watchers(ticket.id)
            .await?
            .iter()
            .any(|w| w.agent_id == agent.id);
        if watch == watching {
            return Ok(());
        }
        if watch {
            tx.upsert_watcher(&Watcher {
                ticket_id: ticket.id,
                agent_id: agent.id,
                since: ctx.now,
            })
            .await?;
            self.add_history(
                tx,
                &ctx,
                &ticket,
                HistoryType::Subscribe,
                vec![agent.full_name()],
            )
            .await
        } else {
            tx.delete_watcher(ticket.id, agent.id).await?;
            self.add_history(
                tx,
                &ctx,
                &ticket,
                HistoryType::Unsubscribe,
                vec![agent.full_name()],
            )
            .await
        }
    }
}

fn customer_params(ticket: &Ticket, login: Option<&str>) -> Vec<String> {
    vec![
        format!("CustomerID={}", ticket.customer_id.as_deref().unwrap_or("")),
        format!("CustomerUser={}", login.unwrap_or("")),
    ]
}
