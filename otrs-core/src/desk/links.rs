//! Linking tickets: Normal (undirected) and ParentChild links.

use std::collections::{BTreeSet, VecDeque};

use crate::desk::{Actor, Ctx, Desk, read_tx, write_tx};
use crate::error::DeskError;
use crate::ids::{LinkId, TicketId};
use crate::model::{HistoryType, Link, LinkType, ObjectRef, Permission, Principal, Ticket};
use crate::store::{Store, StoreTx};

/// The most tickets visited when looking for a ParentChild cycle.
const MAX_CYCLE_SEARCH: usize = 10_000;

impl<S: Store> Desk<S> {
    /// Links two objects. For ParentChild, `source` is the parent.
    ///
    /// Needs `rw` on the source ticket and `ro` on the target. Self-links, duplicates (a Normal
    /// link A–B equals B–A) and ParentChild cycles are refused; merged tickets cannot be linked.
    /// Both tickets get a `TicketLinkAdd` history row.
    pub async fn link(
        &self,
        actor: Principal,
        source: ObjectRef,
        target: ObjectRef,
        link_type: LinkType,
    ) -> Result<Link, DeskError> {
        write_tx!(self, |tx| self
            .link_tx(&mut tx, actor, source, target, link_type))
    }

    async fn link_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        source: ObjectRef,
        target: ObjectRef,
        link_type: LinkType,
    ) -> Result<Link, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        self.link_in(tx, &ctx, source, target, link_type).await
    }

    fn ticket_end(object: ObjectRef) -> Result<TicketId, DeskError> {
        object.ticket().ok_or_else(|| DeskError::LinkRefused {
            reason: format!(
                "{} objects cannot be linked yet; only tickets can",
                object.kind()
            ),
        })
    }

    pub(crate) async fn link_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        source: ObjectRef,
        target: ObjectRef,
        link_type: LinkType,
    ) -> Result<Link, DeskError> {
        if matches!(ctx.actor, Actor::Customer(_)) {
            return Err(DeskError::not_found("ticket", source.id()));
        }
        let (source_id, target_id) = (Self::ticket_end(source)?, Self::ticket_end(target)?);
        if source == target {
            return Err(DeskError::LinkRefused {
                reason: format!("{source} cannot be linked to itself"),
            });
        }
        let source_ticket = self.load_ticket(tx, source_id).await?;
        let target_ticket = self.load_ticket(tx, target_id).await?;
        self.require(tx, ctx, &source_ticket, Permission::Rw, "link")
            .await?;
        self.require(tx, ctx, &target_ticket, Permission::Ro, "link to")
            .await?;
        self.ensure_not_merged(tx, ctx, &source_ticket).await?;
        self.ensure_not_merged(tx, ctx, &target_ticket).await?;
        let existing = tx.links_of(source).await?;
        if existing
            .iter()
            .any(|l| l.connects(source, target, link_type))
        {
            return Err(DeskError::LinkRefused {
                reason: format!(
                    "tickets {} and {} are already linked ({})",
                    source_ticket.number,
                    target_ticket.number,
                    link_type.name()
                ),
            });
        }
        if link_type == LinkType::ParentChild && self.is_descendant(tx, target, source).await? {
            return Err(DeskError::LinkRefused {
                reason: format!(
                    "ticket {} is already a descendant of {}; the link would make a parent-child cycle",
                    source_ticket.number, target_ticket.number
                ),
            });
        }
        let link = tx
            .insert_link(&Link {
                id: LinkId(0),
                source,
                target,
                link_type,
                created_by: ctx.actor.principal(),
                created_at: ctx.now,
            })
            .await?;
        self.link_history(
            tx,
            ctx,
            &source_ticket,
            &target_ticket,
            link_type,
            HistoryType::TicketLinkAdd,
        )
        .await?;
        Ok(link)
    }

    async fn link_history(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        a: &Ticket,
        b: &Ticket,
        link_type: LinkType,
        history_type: HistoryType,
    ) -> Result<(), DeskError> {
        for (this, other) in [(a, b), (b, a)] {
            let params = vec![
                other.number.clone(),
                other.id.to_string(),
                link_type.name().to_owned(),
            ];
            self.add_history(tx, ctx, this, history_type, params)
                .await?;
        }
        Ok(())
    }

    /// True if `node` can be reached from `start` by following ParentChild links downwards.
    async fn is_descendant(
        &self,
        tx: &mut S::Tx,
        start: ObjectRef,
        node: ObjectRef,
    ) -> Result<bool, DeskError> {
        let mut seen = BTreeSet::from([start]);
        let mut queue = VecDeque::from([start]);
        while let Some(current) = queue.pop_front() {
            if seen.len() > MAX_CYCLE_SEARCH {
                return Err(DeskError::LinkRefused {
                    reason: "the parent-child tree is too large to check".into(),
                });
            }
            for link in tx.links_of(current).await? {
                if link.link_type == LinkType::ParentChild && link.source == current {
                    if link.target == node {
                        return Ok(true);
                    }
                    if seen.insert(link.target) {
                        queue.push_back(link.target);
                    }
                }
            }
        }
        Ok(false)
    }

    /// Removes a link. Needs `rw` on one linked ticket and `ro` on the other. Links of merged
    /// tickets are part of the merge record and cannot be removed.
    pub async fn unlink(&self, actor: Principal, link: LinkId) -> Result<(), DeskError> {
        write_tx!(self, |tx| self.unlink_tx(&mut tx, actor, link))
    }

    async fn unlink_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        link_id: LinkId,
    ) -> Result<(), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        if matches!(ctx.actor, Actor::Customer(_)) {
            return Err(DeskError::not_found("link", link_id));
        }
        // Links are found from one of their ends; the caller names the link by id, so look it up
        // through the tickets the actor can name. The store keeps links by object, so scan both
        // ends once found.
        let link = self.find_link(tx, link_id).await?;
        let (a, b) = (
            Self::ticket_end(link.source)?,
            Self::ticket_end(link.target)?,
        );
        let (a, b) = (
            self.load_ticket(tx, a).await?,
            self.load_ticket(tx, b).await?,
        );
        let writable = self.may(tx, &ctx, &a, Permission::Rw).await?
            || self.may(tx, &ctx, &b, Permission::Rw).await?;
        if !writable {
            self.require(tx, &ctx, &a, Permission::Rw, "unlink").await?;
        }
        self.require(tx, &ctx, &a, Permission::Ro, "unlink").await?;
        self.require(tx, &ctx, &b, Permission::Ro, "unlink").await?;
        self.ensure_not_merged(tx, &ctx, &a).await?;
        self.ensure_not_merged(tx, &ctx, &b).await?;
        tx.delete_link(link.id).await?;
        self.link_history(
            tx,
            &ctx,
            &a,
            &b,
            link.link_type,
            HistoryType::TicketLinkDelete,
        )
        .await
    }

    async fn find_link(&self, tx: &mut S::Tx, link_id: LinkId) -> Result<Link, DeskError> {
        tx.link(link_id)
            .await?
            .ok_or_else(|| DeskError::not_found("link", link_id))
    }

    /// The links of an object the actor may read.
    pub async fn links(&self, actor: Principal, object: ObjectRef) -> Result<Vec<Link>, DeskError> {
        read_tx!(self, |tx| self.links_tx(&mut tx, actor, object))
    }

    async fn links_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        object: ObjectRef,
    ) -> Result<Vec<Link>, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        if let Some(id) = object.ticket() {
            let ticket = self.load_ticket(tx, id).await?;
            self.require(tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
        }
        let mut visible = Vec::new();
        for link in tx.links_of(object).await? {
            let other = link.other_end(object);
            let readable = match other.ticket() {
                Some(id) => match tx.ticket(id).await? {
                    Some(t) => self.may(tx, &ctx, &t, Permission::Ro).await?,
                    None => false,
                },
                None => !matches!(ctx.actor, Actor::Customer(_)),
            };
            if readable {
                visible.push(link);
            }
        }
        Ok(visible)
    }
}
