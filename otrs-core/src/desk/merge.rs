//! Merging a ticket into another. Irreversible.

use crate::desk::links::kb_link_label;
use crate::desk::{Actor, Ctx, Desk, TicketEdit, articles::ArticleInput, history_row, write_tx};
use crate::error::DeskError;
use crate::ids::{LinkId, TicketId};
use crate::model::{
    ChangeOp, EntityKind, HistoryType, Link, LinkType, ObjectRef, Permission, Principal, StateType,
    Ticket, TimeUnits, Watcher,
};
use crate::rules::merge::{MergePlan, check_merge, plan_merge};
use crate::store::{Store, StoreTx};

/// The longest merge chain followed when checking a merge target.
const MAX_CHAIN: usize = 1000;

impl<S: Store> Desk<S> {
    /// Merges `source` into `target`.
    ///
    /// Every article (with the history rows tied to it and its time) moves to the target; the
    /// source gets a visible merge note, ends in the merged state, unlocked, and never changes
    /// again; its watchers and links move to the target (without duplicates); a ParentChild link
    /// target → source records the merge; both tickets get a `Merged` history row.
    ///
    /// Needs `rw` on both tickets and the source must not be locked by another agent. Merging a
    /// ticket into itself, into a merged ticket or into its own merge chain is refused.
    pub async fn merge_tickets(
        &self,
        actor: Principal,
        source: TicketId,
        target: TicketId,
    ) -> Result<Ticket, DeskError> {
        self.merge_tickets_at_version(actor, source, target, None)
            .await
    }

    /// [`Desk::merge_tickets`] for a caller that saw `source` at `expected_version` (a merge
    /// form, an `If-Match`): when the source changed since, the merge is refused with
    /// [`DeskError::VersionMismatch`] and nothing moves. `None` does not check.
    pub async fn merge_tickets_at_version(
        &self,
        actor: Principal,
        source: TicketId,
        target: TicketId,
        expected_version: Option<u64>,
    ) -> Result<Ticket, DeskError> {
        write_tx!(self, |tx| self.merge_tx(
            &mut tx,
            actor,
            source,
            target,
            expected_version
        ))
    }

    async fn merge_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        source: TicketId,
        target: TicketId,
        expected_version: Option<u64>,
    ) -> Result<Ticket, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        self.merge_in(tx, &ctx, source, target, expected_version)
            .await
    }

    /// Where a merged ticket went: the ticket it was merged into, then where that one went, …
    pub(crate) async fn merge_chain(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        ticket: &Ticket,
    ) -> Result<Vec<Ticket>, DeskError> {
        let mut chain: Vec<Ticket> = Vec::new();
        let mut current = ticket.clone();
        while ctx.states.type_of(current.state_id) == StateType::Merged && chain.len() < MAX_CHAIN {
            let Some(next) = self.merged_into(tx, current.id).await? else {
                break;
            };
            if next.id == ticket.id || chain.iter().any(|t| t.id == next.id) {
                break;
            }
            chain.push(next.clone());
            current = next;
        }
        Ok(chain)
    }

    pub(crate) async fn merge_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        source_id: TicketId,
        target_id: TicketId,
        expected_version: Option<u64>,
    ) -> Result<Ticket, DeskError> {
        if matches!(ctx.actor, Actor::Customer(_)) {
            return Err(DeskError::not_found("ticket", source_id));
        }
        let source = self.load_ticket(tx, source_id).await?;
        let target = self.load_ticket(tx, target_id).await?;
        self.require(tx, ctx, &source, Permission::Rw, "merge")
            .await?;
        self.require(tx, ctx, &target, Permission::Rw, "merge into")
            .await?;
        self.ensure_not_merged(tx, ctx, &source).await?;
        Self::ensure_version(&source, expected_version)?;
        let chain = self.merge_chain(tx, ctx, &target).await?;
        check_merge(&source, &target, &chain, &ctx.states)?;
        self.ensure_not_locked_by_other(tx, ctx, &source).await?;
        let merged_state = ctx
            .states
            .first_of_type(StateType::Merged)
            .cloned()
            .ok_or_else(|| DeskError::NotAllowed {
                object: "merge".into(),
                reason: "there is no valid state of type merged".into(),
            })?;

        let source_ref = ObjectRef::Ticket(source.id);
        let target_ref = ObjectRef::Ticket(target.id);
        let source_links = tx.links_of(source_ref).await?;
        let target_links = tx.links_of(target_ref).await?;
        let source_watchers = tx.watchers(source.id).await?;
        let target_watchers = tx.watchers(target.id).await?;
        let mut frozen = Vec::new();
        for link in &source_links {
            let other = link.other_end(source_ref);
            if let Some(id) = other.ticket()
                && let Some(ticket) = tx.ticket(id).await?
                && ctx.states.type_of(ticket.state_id) == StateType::Merged
            {
                frozen.push(other);
            }
        }
        let plan = plan_merge(
            &source,
            &target,
            &frozen,
            &source_links,
            &target_links,
            &source_watchers,
            &target_watchers,
        );

        // 1. Content: articles, the history tied to them, time rows.
        tx.move_ticket_content(source.id, target.id).await?;
        let mut source_edit = TicketEdit::new(source);
        let mut target_edit = TicketEdit::new(target);
        let moved_time = source_edit.ticket.accounted_time;
        source_edit.ticket.accounted_time = TimeUnits::ZERO;
        target_edit.ticket.accounted_time =
            target_edit.ticket.accounted_time.saturating_add(moved_time);
        target_edit.changed_row = true;

        // 2. The merge note, the only article left on the merged ticket.
        let note = ArticleInput {
            subject: self.config.merge_subject.clone(),
            visible_for_customer: Some(true),
            ..ArticleInput::note(format!(
                "Ticket {} was merged into ticket {}.",
                source_edit.ticket.number, target_edit.ticket.number
            ))
        };
        self.add_article_in(tx, ctx, &mut source_edit, &note, false)
            .await?;

        // 3. History on both sides.
        let params = vec![
            source_edit.ticket.number.clone(),
            source_edit.ticket.id.to_string(),
            target_edit.ticket.number.clone(),
            target_edit.ticket.id.to_string(),
        ];
        target_edit.record(ctx, HistoryType::Merged, params.clone(), None);

        // 4. Watchers and links.
        for agent in &plan.watchers_to_remove {
            tx.delete_watcher(source_edit.ticket.id, *agent).await?;
        }
        for agent in &plan.watchers_to_add {
            tx.upsert_watcher(&Watcher {
                ticket_id: target_edit.ticket.id,
                agent_id: *agent,
                since: ctx.now,
            })
            .await?;
        }
        self.rewrite_links(tx, ctx, &plan, &source_edit.ticket, &mut target_edit)
            .await?;

        // 5. The merged ticket: merged state, unlocked, no pending time.
        self.unlock_in(ctx, &mut source_edit);
        let old_state = ctx
            .states
            .get(source_edit.ticket.state_id)
            .map_or_else(String::new, |s| s.name.clone());
        source_edit.ticket.state_id = merged_state.id;
        source_edit.ticket.pending_until = None;
        source_edit.changed_row = true;
        source_edit.record(
            ctx,
            HistoryType::StateUpdate,
            vec![old_state, merged_state.name.clone()],
            None,
        );
        source_edit.record(ctx, HistoryType::Merged, params, None);

        self.save(tx, ctx, source_edit).await?;
        self.save(tx, ctx, target_edit).await
    }

    async fn rewrite_links(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        plan: &MergePlan,
        source: &Ticket,
        target_edit: &mut TicketEdit,
    ) -> Result<(), DeskError> {
        for id in &plan.links_to_delete {
            // A knowledge-base article loses its link to the merged ticket (and gets one to the
            // main ticket below, unless it already had one).
            if let Some(link) = tx.link(*id).await?
                && let ObjectRef::KbArticle(article) = link.other_end(ObjectRef::Ticket(source.id))
            {
                let detail = format!("ticket {} ({})", source.number, link.link_type.name());
                self.kb_link_history(tx, ctx, article, false, detail)
                    .await?;
            }
            tx.delete_link(*id).await?;
        }
        // A third ticket linked to both tickets keeps one link (to the target); the one to the
        // source is gone, and its history says so.
        for (other, link_type) in &plan.links_absorbed {
            let Some(id) = other.ticket() else { continue };
            let ticket = self.load_ticket(tx, id).await?;
            let row = history_row(
                &ticket,
                ctx,
                HistoryType::TicketLinkDelete,
                vec![
                    source.number.clone(),
                    source.id.to_string(),
                    link_type.name().into(),
                ],
                None,
            );
            tx.append_history(&[row]).await?;
            self.feed(tx, ctx, EntityKind::Ticket, ticket.id.0, ChangeOp::Updated)
                .await?;
        }
        for (from, to, planned_type) in &plan.links_to_create {
            let Some(link_type) = self.merge_link_type(tx, *from, *to, *planned_type).await? else {
                continue;
            };
            let link_type = &link_type;
            tx.insert_link(&Link {
                id: LinkId(0),
                source: *from,
                target: *to,
                link_type: *link_type,
                created_by: ctx.actor.principal(),
                created_at: ctx.now,
            })
            .await?;
            let target_ref = ObjectRef::Ticket(target_edit.ticket.id);
            let other = if *from == target_ref { *to } else { *from };
            let other_ticket = match other.ticket() {
                Some(id) => Some(self.load_ticket(tx, id).await?),
                None => None,
            };
            let other_label = match (&other_ticket, other) {
                (Some(ticket), _) => ticket.number.clone(),
                (None, ObjectRef::KbArticle(article)) => {
                    let detail = format!(
                        "ticket {} ({})",
                        target_edit.ticket.number,
                        link_type.name()
                    );
                    self.kb_link_history(tx, ctx, article, true, detail).await?;
                    kb_link_label(self.config.system_id, article)
                }
                (None, _) => other.to_string(),
            };
            target_edit.record(
                ctx,
                HistoryType::TicketLinkAdd,
                vec![other_label, other.id().to_string(), link_type.name().into()],
                None,
            );
            // Third tickets that now link to the target instead of the source get a row too.
            if let Some(ticket) = other_ticket.filter(|t| t.id != source.id) {
                let row = history_row(
                    &ticket,
                    ctx,
                    HistoryType::TicketLinkAdd,
                    vec![
                        target_edit.ticket.number.clone(),
                        target_edit.ticket.id.to_string(),
                        link_type.name().into(),
                    ],
                    None,
                );
                tx.append_history(&[row]).await?;
                self.feed(tx, ctx, EntityKind::Ticket, ticket.id.0, ChangeOp::Updated)
                    .await?;
            }
        }
        Ok(())
    }

    /// The type a re-pointed link gets. A parent-child link must not close a cycle (the merged
    /// ticket's parent may be a descendant of the main ticket): it becomes a Normal link, or is
    /// dropped when the two already have one.
    async fn merge_link_type(
        &self,
        tx: &mut S::Tx,
        from: ObjectRef,
        to: ObjectRef,
        planned: LinkType,
    ) -> Result<Option<LinkType>, DeskError> {
        if planned != LinkType::ParentChild || !self.is_descendant(tx, to, from).await? {
            return Ok(Some(planned));
        }
        let linked = tx
            .links_of(from)
            .await?
            .iter()
            .any(|l| l.connects(from, to, LinkType::Normal));
        Ok((!linked).then_some(LinkType::Normal))
    }
}
