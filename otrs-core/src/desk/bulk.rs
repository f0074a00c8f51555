//! Bulk actions on many tickets, as the ticket list offers them.
//!
//! Each ticket is handled in its own transaction and reported on its own: it is locked to the
//! agent first ("lock and continue"); a ticket the agent may not lock is skipped untouched; then
//! the property changes, the note and the e-mail are applied; then it is unlocked unless the
//! caller keeps the locks. Linking and merging follow, over the tickets that went through.

use crate::desk::articles::{ArticleInput, ArticleKind};
use crate::desk::tickets::TicketUpdate;
use crate::desk::{Ctx, Desk, TicketEdit};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::TicketId;
use crate::model::{LinkType, ObjectRef, Permission, Principal, TimeUnits};
use crate::store::{PageRequest, Store, TicketFilter, TicketSort, TicketSortKey};

/// The most tickets one bulk action takes.
pub const MAX_BULK_TICKETS: usize = 10_000;

/// A note to add to every ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkNote {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Visible in the external interface.
    pub visible_for_customer: bool,
    /// Time to account on each ticket.
    pub time_units: Option<TimeUnits>,
}

/// An e-mail to send to each ticket's customer user, stored as an article on each ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkEmail {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Time to account on each ticket.
    pub time_units: Option<TimeUnits>,
}

/// How to link the tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BulkLink {
    /// Do not link.
    #[default]
    None,
    /// Link every ticket with every other (Normal links).
    Together,
    /// Make every ticket a child of this one.
    ToParent(TicketId),
}

/// How to merge the tickets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BulkMerge {
    /// Do not merge.
    #[default]
    None,
    /// Merge into the oldest ticket (by creation time, then id).
    ToOldest,
    /// Merge into this ticket.
    Into(TicketId),
}

/// A bulk action.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BulkAction {
    /// The tickets (duplicates are ignored).
    pub tickets: Vec<TicketId>,
    /// Property changes (state, pending time, queue, owner, responsible, priority).
    pub update: TicketUpdate,
    /// A note for each ticket.
    pub note: Option<BulkNote>,
    /// An e-mail for each ticket.
    pub email: Option<BulkEmail>,
    /// Linking.
    pub link: BulkLink,
    /// Merging.
    pub merge: BulkMerge,
    /// Keep the tickets locked afterwards.
    pub keep_locked: bool,
}

/// What happened to one ticket's property phase.
#[derive(Debug)]
pub enum TicketOutcome {
    /// Locked, changed and (unless kept) unlocked.
    Done,
    /// Left untouched because it could not be locked (locked by another agent, no permission,
    /// merged, not found).
    Skipped(DeskError),
    /// Could be locked, but a change failed; nothing of it was applied.
    Failed(DeskError),
}

impl TicketOutcome {
    /// True for [`TicketOutcome::Done`].
    pub fn is_done(&self) -> bool {
        matches!(self, TicketOutcome::Done)
    }
}

/// The report for one ticket.
#[derive(Debug)]
pub struct BulkOutcome {
    /// The ticket.
    pub ticket: TicketId,
    /// Its number, when it exists.
    pub number: Option<String>,
    /// The property phase.
    pub outcome: TicketOutcome,
    /// Tickets it was linked to by this action.
    pub linked_to: Vec<TicketId>,
    /// The ticket it was merged into by this action.
    pub merged_into: Option<TicketId>,
    /// Link and merge failures for this ticket.
    pub errors: Vec<DeskError>,
}

/// The report of a bulk action, one entry per ticket in the order given.
#[derive(Debug)]
pub struct BulkReport {
    /// Per ticket.
    pub outcomes: Vec<BulkOutcome>,
}

impl BulkReport {
    /// The tickets whose property phase went through.
    pub fn done(&self) -> impl Iterator<Item = TicketId> + '_ {
        self.outcomes
            .iter()
            .filter(|o| o.outcome.is_done())
            .map(|o| o.ticket)
    }
}

impl<S: Store> Desk<S> {
    /// Runs a bulk action. The action as a whole is refused (changing nothing) when its input is
    /// invalid; otherwise every ticket gets its own outcome.
    pub async fn bulk(
        &self,
        actor: Principal,
        action: BulkAction,
    ) -> Result<BulkReport, DeskError> {
        let mut tickets = Vec::with_capacity(action.tickets.len());
        for id in &action.tickets {
            if !tickets.contains(id) {
                tickets.push(*id);
            }
        }
        self.validate_bulk(&action, &tickets)?;
        let mut outcomes = Vec::with_capacity(tickets.len());
        for id in &tickets {
            let (number, outcome) = match self.bulk_one(actor, *id, &action).await {
                Ok(number) => (Some(number), TicketOutcome::Done),
                Err(BulkError::Skipped(error)) => (None, TicketOutcome::Skipped(error)),
                Err(BulkError::Failed(error)) => (None, TicketOutcome::Failed(error)),
            };
            outcomes.push(BulkOutcome {
                ticket: *id,
                number,
                outcome,
                linked_to: Vec::new(),
                merged_into: None,
                errors: Vec::new(),
            });
        }
        let mut report = BulkReport { outcomes };
        self.bulk_link(actor, &action, &mut report).await;
        self.bulk_merge(actor, &action, &mut report).await?;
        Ok(report)
    }

    fn validate_bulk(&self, action: &BulkAction, tickets: &[TicketId]) -> Result<(), DeskError> {
        let mut errors = ValidationErrors::new();
        if tickets.is_empty() {
            errors.add("tickets", "select at least one ticket");
        }
        if tickets.len() > MAX_BULK_TICKETS {
            errors.add(
                "tickets",
                format!("at most {MAX_BULK_TICKETS} tickets per bulk action"),
            );
        }
        if action.update.title.is_some()
            || action.update.customer_user.is_some()
            || action.update.customer_id.is_some()
        {
            errors.add("update", "bulk actions change state, pending time, queue, owner, responsible and priority only");
        }
        if action.update.expected_version.is_some() {
            errors.add(
                "update.expected_version",
                "has no meaning for a bulk action",
            );
        }
        if let Some(note) = &action.note {
            errors.text("note.subject", &note.subject, 0, 3800, false);
            errors.text("note.body", &note.body, 1, usize::MAX, true);
        }
        if let Some(email) = &action.email {
            errors.text("email.subject", &email.subject, 1, 3800, false);
            errors.text("email.body", &email.body, 1, usize::MAX, true);
        }
        for (field, units) in [
            (
                "note.time_units",
                action.note.as_ref().and_then(|n| n.time_units),
            ),
            (
                "email.time_units",
                action.email.as_ref().and_then(|e| e.time_units),
            ),
        ] {
            if units.is_some_and(|u| u < TimeUnits::ZERO || u > TimeUnits::MAX_PER_ENTRY) {
                errors.add(field, "must be between 0 and 1000000");
            }
        }
        if action.link != BulkLink::None && action.merge != BulkMerge::None {
            errors.add(
                "merge",
                "merged tickets cannot also be linked; choose linking or merging",
            );
        }
        errors.into_result()
    }

    /// One ticket's property phase in its own transaction, run again when a concurrent change won.
    async fn bulk_one(
        &self,
        actor: Principal,
        id: TicketId,
        action: &BulkAction,
    ) -> Result<String, BulkError> {
        let mut attempt = 1;
        loop {
            let mut tx = self
                .store()
                .begin()
                .await
                .map_err(|e| BulkError::Failed(e.into()))?;
            let result = self.bulk_one_tx(&mut tx, actor, id, action).await;
            let result = self.finish(tx, result).await;
            match result {
                Err(error) if error.is_retryable() && attempt < crate::desk::MAX_ATTEMPTS => {
                    attempt += 1
                }
                other => return other,
            }
        }
    }

    async fn bulk_one_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: TicketId,
        action: &BulkAction,
    ) -> Result<String, BulkError> {
        let ctx = self.ctx(tx, actor).await.map_err(BulkError::Failed)?;
        let ticket = self.load_ticket(tx, id).await.map_err(BulkError::Skipped)?;
        let mut edit = TicketEdit::new(ticket);
        // Lock and continue: a ticket that cannot be locked is left alone.
        self.lock_in(tx, &ctx, &mut edit)
            .await
            .map_err(|e| match e {
                DeskError::Conflict { .. } | DeskError::Store(_) => BulkError::Failed(e),
                other => BulkError::Skipped(other),
            })?;
        self.bulk_apply(tx, &ctx, &mut edit, action)
            .await
            .map_err(BulkError::Failed)?;
        let number = edit.ticket.number.clone();
        self.save(tx, &ctx, edit).await.map_err(BulkError::Failed)?;
        Ok(number)
    }

    async fn bulk_apply(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        edit: &mut TicketEdit,
        action: &BulkAction,
    ) -> Result<(), DeskError> {
        self.apply_update_in(tx, ctx, edit, &action.update).await?;
        if let Some(note) = &action.note {
            self.require(tx, ctx, &edit.ticket, Permission::Note, "add notes to")
                .await?;
            let input = ArticleInput {
                visible_for_customer: Some(note.visible_for_customer),
                time_units: note.time_units,
                ..ArticleInput::new(ArticleKind::Note, note.subject.clone(), note.body.clone())
            };
            self.validate_article(ctx, &input, "note")?;
            self.add_article_in(tx, ctx, edit, &input, false).await?;
        }
        if let Some(email) = &action.email {
            self.require(tx, ctx, &edit.ticket, Permission::Rw, "send e-mail from")
                .await?;
            let input = ArticleInput {
                time_units: email.time_units,
                ..ArticleInput::new(
                    ArticleKind::EmailOutbound,
                    email.subject.clone(),
                    email.body.clone(),
                )
            };
            self.validate_article(ctx, &input, "email")?;
            self.add_article_in(tx, ctx, edit, &input, false).await?;
        }
        if !action.keep_locked {
            self.unlock_in(ctx, edit);
        }
        Ok(())
    }

    async fn bulk_link(&self, actor: Principal, action: &BulkAction, report: &mut BulkReport) {
        let done: Vec<TicketId> = report.done().collect();
        let pairs: Vec<(TicketId, TicketId, LinkType)> = match action.link {
            BulkLink::None => return,
            BulkLink::Together => done
                .iter()
                .enumerate()
                .flat_map(|(i, a)| {
                    done[i + 1..]
                        .iter()
                        .map(move |b| (*a, *b, LinkType::Normal))
                })
                .collect(),
            BulkLink::ToParent(parent) => done
                .iter()
                .filter(|t| **t != parent)
                .map(|t| (parent, *t, LinkType::ParentChild))
                .collect(),
        };
        for (a, b, link_type) in pairs {
            let result = self
                .link(actor, ObjectRef::Ticket(a), ObjectRef::Ticket(b), link_type)
                .await;
            let (child, other) = if link_type == LinkType::ParentChild {
                (b, a)
            } else {
                (a, b)
            };
            match result {
                Ok(_) => {
                    for (this, that) in [(child, other), (other, child)] {
                        if let Some(o) = report.outcomes.iter_mut().find(|o| o.ticket == this) {
                            o.linked_to.push(that);
                        }
                    }
                }
                // Already linked is not a failure of a "link together".
                Err(DeskError::LinkRefused { reason }) if reason.contains("already linked") => {}
                Err(error) => {
                    if let Some(o) = report.outcomes.iter_mut().find(|o| o.ticket == child) {
                        o.errors.push(error);
                    }
                }
            }
        }
    }

    async fn bulk_merge(
        &self,
        actor: Principal,
        action: &BulkAction,
        report: &mut BulkReport,
    ) -> Result<(), DeskError> {
        let done: Vec<TicketId> = report.done().collect();
        let target = match action.merge {
            BulkMerge::None => return Ok(()),
            BulkMerge::Into(target) => target,
            BulkMerge::ToOldest => {
                // One read: the oldest of the tickets that went through (creation time, then id).
                let filter = TicketFilter {
                    ids: Some(done.clone()),
                    ..Default::default()
                };
                let sort = TicketSort {
                    key: TicketSortKey::Created,
                    descending: false,
                };
                let oldest = self
                    .list_tickets(actor, filter, sort, PageRequest::first(1))
                    .await?;
                match oldest.tickets.first() {
                    Some(ticket) => ticket.id,
                    None => return Ok(()),
                }
            }
        };
        for id in done.into_iter().filter(|t| *t != target) {
            let result = self.merge_tickets(actor, id, target).await;
            if let Some(o) = report.outcomes.iter_mut().find(|o| o.ticket == id) {
                match result {
                    Ok(_) => o.merged_into = Some(target),
                    Err(error) => o.errors.push(error),
                }
            }
        }
        Ok(())
    }
}

/// Why one ticket of a bulk action did not go through.
enum BulkError {
    Skipped(DeskError),
    Failed(DeskError),
}

impl BulkError {
    fn is_retryable(&self) -> bool {
        match self {
            BulkError::Skipped(e) | BulkError::Failed(e) => e.is_retryable(),
        }
    }
}

impl From<DeskError> for BulkError {
    fn from(error: DeskError) -> Self {
        BulkError::Failed(error)
    }
}

impl From<crate::store::StoreError> for BulkError {
    fn from(error: crate::store::StoreError) -> Self {
        BulkError::Failed(error.into())
    }
}
