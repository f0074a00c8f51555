//! Escalation deadlines: kept up to date inside every command that changes a ticket (its
//! change-feed entry is the hook), and read by the dashboard's Escalations widget.
//!
//! The rules are in [`crate::rules::escalation`]; this module gathers their inputs (the queue's
//! targets, the articles, whether the ticket was ever closed) and stores the result beside the
//! ticket, so that a list of escalating tickets is one indexed read.

use chrono::{DateTime, Utc};

use super::{Ctx, Desk, read_tx, write_tx};
use crate::error::DeskError;
use crate::ids::{QueueId, TicketId};
use crate::model::{HistoryType, Permission, Principal, StateType, Ticket};
use crate::rules::escalation::{
    ArticleFacts, Escalation, EscalationTargets, TicketFacts, WorkingCalendar, deadlines,
};
use crate::store::{
    PageRequest, TicketAccess, TicketFilter, TicketQuery, TicketSort, TicketSortKey,
};
use crate::store::{Store, StoreTx};

/// A ticket with its escalation deadlines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscalatingTicket {
    /// The ticket.
    pub ticket: Ticket,
    /// Its deadlines (at least one is set).
    pub escalation: Escalation,
}

/// The most escalating tickets one read returns.
pub const MAX_ESCALATIONS: usize = 500;

impl<S: Store> Desk<S> {
    /// The working hours deadlines are counted in.
    pub fn working_calendar(&self) -> WorkingCalendar {
        self.config
            .working_calendar
            .clone()
            .unwrap_or_else(|| WorkingCalendar::standard(self.config.time_zone))
    }

    /// Recomputes and stores the deadlines of a ticket known by id (after a change of its
    /// articles, links or history).
    pub(crate) async fn index_escalation(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket_id: TicketId,
    ) -> Result<(), DeskError> {
        match tx.ticket(ticket_id).await? {
            Some(ticket) => self.index_escalation_of(tx, ctx, &ticket, false).await,
            None => Ok(()),
        }
    }

    /// Recomputes and stores a ticket's deadlines; `created` says the ticket is new in this
    /// command, so no deadlines can be stored for it yet.
    pub(crate) async fn index_escalation_of(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &Ticket,
        created: bool,
    ) -> Result<(), DeskError> {
        let targets = match tx.queue(ticket.queue_id).await? {
            Some(queue) => EscalationTargets {
                first_response_minutes: queue.first_response_minutes,
                update_minutes: queue.update_minutes,
                solution_minutes: queue.solution_minutes,
            },
            None => EscalationTargets::default(),
        };
        // Most queues have no targets: a new ticket there has nothing to store or remove.
        if created && targets.is_empty() {
            return Ok(());
        }
        let state_type = ctx.states.type_of(ticket.state_id);
        let terminal = matches!(
            state_type,
            StateType::Closed | StateType::Merged | StateType::Removed
        );
        let escalation = if targets.is_empty() || terminal {
            Escalation::default()
        } else {
            self.compute_escalation(tx, ctx, ticket, state_type, targets)
                .await?
        };
        let stored = if created {
            None
        } else {
            tx.escalation(ticket.id).await?
        };
        if stored.unwrap_or_default() != escalation {
            tx.put_escalation(ticket.id, &escalation).await?;
        }
        Ok(())
    }

    async fn compute_escalation(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &Ticket,
        state_type: StateType,
        targets: EscalationTargets,
    ) -> Result<Escalation, DeskError> {
        let articles: Vec<ArticleFacts> = tx
            .articles(ticket.id)
            .await?
            .iter()
            .map(|a| ArticleFacts {
                sender: a.sender_type,
                visible_for_customer: a.visible_for_customer,
                created_at: a.created_at,
            })
            .collect();
        let ever_closed = targets.solution_minutes > 0
            && tx.history(ticket.id).await?.iter().any(|h| {
                matches!(
                    h.entry.history_type,
                    HistoryType::NewTicket | HistoryType::StateUpdate
                ) && ctx.states.type_of(h.entry.state_id) == StateType::Closed
            });
        Ok(deadlines(
            TicketFacts {
                created_at: ticket.created_at,
                state_type,
                ever_closed,
            },
            &articles,
            targets,
            &self.working_calendar(),
        ))
    }

    /// A ticket's deadlines (none for a ticket without targets), for whoever may read it.
    pub async fn ticket_escalation(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Escalation, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let loaded = self.load_ticket(&mut tx, ticket).await?;
            self.require(&mut tx, &ctx, &loaded, Permission::Ro, "read")
                .await?;
            Ok(tx.escalation(ticket).await?.unwrap_or_default())
        })
    }

    /// The tickets with deadlines that the agent may read, earliest deadline first: those due
    /// before `until` when given (e.g. "escalated now": `until` = now), at most `limit`
    /// (at most [`MAX_ESCALATIONS`]), optionally only in the given queues.
    pub async fn escalating_tickets(
        &self,
        actor: Principal,
        until: Option<DateTime<Utc>>,
        queues: Option<&[QueueId]>,
        limit: usize,
    ) -> Result<Vec<EscalatingTicket>, DeskError> {
        if limit > MAX_ESCALATIONS {
            return Err(DeskError::invalid(
                "limit",
                format!("must be at most {MAX_ESCALATIONS}"),
            ));
        }
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let Some(agent) = ctx.actor.agent() else {
                return Err(DeskError::PermissionDenied {
                    actor: ctx.actor.describe(),
                    action: "read",
                    object: "escalations".into(),
                    reason: "only agents may".into(),
                });
            };
            let readable = self.readable_queues(&mut tx, agent).await?;
            let queues: Vec<QueueId> = match queues {
                Some(wanted) => readable
                    .into_iter()
                    .filter(|q| wanted.contains(q))
                    .collect(),
                None => readable,
            };
            let mut out = Vec::new();
            for (id, escalation) in tx.escalations(until, &queues, limit).await? {
                if let Some(ticket) = tx.ticket(id).await? {
                    out.push(EscalatingTicket { ticket, escalation });
                }
            }
            Ok(out)
        })
    }

    /// Recomputes the deadlines of every ticket of a queue (after its targets changed) or of
    /// every ticket; returns how many tickets were looked at. Admins (rw on `admin`) only.
    pub async fn rebuild_escalations(
        &self,
        actor: Principal,
        queue: Option<QueueId>,
    ) -> Result<usize, DeskError> {
        write_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin(&ctx, "rebuild", "escalation deadlines".into())?;
            self.reindex_escalations(&mut tx, &ctx, queue).await
        })
    }

    /// Recomputes the deadlines of the tickets of a queue (or of all queues) inside a command.
    pub(crate) async fn reindex_escalations(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        queue: Option<QueueId>,
    ) -> Result<usize, DeskError> {
        // Tickets that can no longer escalate have no deadlines stored, so only the others
        // need a look.
        let filter = TicketFilter {
            queue_ids: queue.map(|q| vec![q]),
            state_types: Some(vec![
                StateType::New,
                StateType::Open,
                StateType::PendingReminder,
                StateType::PendingAuto,
            ]),
            ..TicketFilter::default()
        };
        let mut page = PageRequest::first(REBUILD_PAGE);
        let mut seen = 0;
        loop {
            let found = tx
                .list_tickets(&TicketQuery {
                    access: TicketAccess::Unrestricted,
                    filter: filter.clone(),
                    sort: TicketSort {
                        key: TicketSortKey::Id,
                        descending: false,
                    },
                    page: page.clone(),
                })
                .await?;
            for ticket in &found.tickets {
                self.index_escalation(tx, ctx, ticket.id).await?;
            }
            seen += found.tickets.len();
            match found.next_cursor {
                Some(cursor) => {
                    page = PageRequest::After {
                        cursor,
                        limit: REBUILD_PAGE,
                    }
                }
                None => break,
            }
        }
        Ok(seen)
    }
}

/// Tickets read per step of a rebuild.
const REBUILD_PAGE: u32 = 500;
