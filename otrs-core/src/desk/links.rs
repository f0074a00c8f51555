//! Linking tickets and knowledge-base articles: Normal (undirected) and ParentChild links.

use std::collections::{BTreeSet, VecDeque};

use crate::desk::{Actor, Ctx, Desk, read_tx, write_tx};
use crate::error::DeskError;
use crate::ids::{KbArticleId, LinkId};
use crate::model::{
    HistoryType, Link, LinkType, ObjectRef, Permission, Principal, Ticket, kb_article_number,
};
use crate::rules::ticket_number::SystemId;
use crate::store::{Store, StoreTx};

/// The most tickets visited when looking for a ParentChild cycle.
const MAX_CYCLE_SEARCH: usize = 10_000;

impl<S: Store> Desk<S> {
    /// Links two objects. For ParentChild, `source` is the parent.
    ///
    /// The ends are tickets or knowledge-base articles. Needs `rw` on the source (a ticket's
    /// queue, an article's category) and `ro` on the target. Self-links, duplicates (a Normal
    /// link A–B equals B–A) and ParentChild cycles are refused; merged tickets cannot be linked.
    /// Tickets get a `TicketLinkAdd` history row, articles a `LinkAdded` row.
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

    /// Loads one end of a link the actor names: `rw` needed on a written end, `ro` on the other.
    /// Tickets and knowledge-base articles can be linked here; appointments are linked to
    /// tickets from the appointment side ([`Desk::link_appointment_ticket`]).
    async fn link_end(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        object: ObjectRef,
        write: bool,
    ) -> Result<LinkEnd, DeskError> {
        match object {
            ObjectRef::Ticket(id) => {
                let ticket = self.load_ticket(tx, id).await?;
                let (permission, action) = if write {
                    (Permission::Rw, "link")
                } else {
                    (Permission::Ro, "link to")
                };
                self.require(tx, ctx, &ticket, permission, action).await?;
                self.ensure_not_merged(tx, ctx, &ticket).await?;
                Ok(LinkEnd::Ticket(Box::new(ticket)))
            }
            ObjectRef::KbArticle(id) => {
                let article = self.kb_link_end(tx, ctx, id, write).await?;
                Ok(LinkEnd::Kb(
                    article.id,
                    article.number(self.config.system_id),
                ))
            }
            ObjectRef::Appointment(_) => Err(DeskError::LinkRefused {
                reason: "appointments are linked to tickets from the appointment".into(),
            }),
        }
    }

    /// Writes the history of both ends of a link added or removed, except of `skip` (an article
    /// being deleted, whose history goes with it).
    async fn ends_history(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        [a, b]: [&LinkEnd; 2],
        link_type: LinkType,
        added: bool,
        skip: Option<ObjectRef>,
    ) -> Result<(), DeskError> {
        for (this, other) in [(a, b), (b, a)] {
            if Some(this.object()) == skip {
                continue;
            }
            match this {
                LinkEnd::Ticket(ticket) => {
                    let history_type = if added {
                        HistoryType::TicketLinkAdd
                    } else {
                        HistoryType::TicketLinkDelete
                    };
                    let params = vec![
                        other.label(),
                        other.object().id().to_string(),
                        link_type.name().to_owned(),
                    ];
                    self.add_history(tx, ctx, ticket, history_type, params)
                        .await?;
                }
                LinkEnd::Kb(id, _) => {
                    let detail = format!("{} ({})", other.describe(), link_type.name());
                    self.kb_link_history(tx, ctx, *id, added, detail).await?;
                }
            }
        }
        Ok(())
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
            return Err(DeskError::not_found(source.kind(), source.id()));
        }
        if source == target {
            return Err(DeskError::LinkRefused {
                reason: format!("{source} cannot be linked to itself"),
            });
        }
        let source_end = self.link_end(tx, ctx, source, true).await?;
        let target_end = self.link_end(tx, ctx, target, false).await?;
        let existing = tx.links_of(source).await?;
        if existing
            .iter()
            .any(|l| l.connects(source, target, link_type))
        {
            return Err(DeskError::LinkRefused {
                reason: format!(
                    "{} and {} are already linked ({})",
                    source_end.describe(),
                    target_end.describe(),
                    link_type.name()
                ),
            });
        }
        if link_type == LinkType::ParentChild && self.is_descendant(tx, target, source).await? {
            return Err(DeskError::LinkRefused {
                reason: format!(
                    "{} is already a descendant of {}; the link would make a parent-child cycle",
                    source_end.describe(),
                    target_end.describe()
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
        self.ends_history(tx, ctx, [&source_end, &target_end], link_type, true, None)
            .await?;
        Ok(link)
    }

    /// Removes a link of `deleted`, a knowledge-base article being deleted, without permission
    /// checks (the caller decided), and records it at the other end: a ticket or another article.
    pub(crate) async fn remove_link_in(
        &self,
        tx: &mut S::Tx,
        ctx: &Ctx,
        link: &Link,
        deleted: ObjectRef,
    ) -> Result<(), DeskError> {
        tx.delete_link(link.id).await?;
        // Appointments keep no link history of their own for this kind of removal.
        let (Some(a), Some(b)) = (
            self.removed_link_end(tx, link.source).await?,
            self.removed_link_end(tx, link.target).await?,
        ) else {
            return Ok(());
        };
        self.ends_history(tx, ctx, [&a, &b], link.link_type, false, Some(deleted))
            .await
    }

    /// One end of a link being removed without permission checks; `None` for an appointment.
    async fn removed_link_end(
        &self,
        tx: &mut S::Tx,
        object: ObjectRef,
    ) -> Result<Option<LinkEnd>, DeskError> {
        Ok(match object {
            ObjectRef::Ticket(id) => {
                Some(LinkEnd::Ticket(Box::new(self.load_ticket(tx, id).await?)))
            }
            ObjectRef::KbArticle(id) => Some(LinkEnd::Kb(
                id,
                kb_article_number(self.config.system_id, id),
            )),
            ObjectRef::Appointment(_) => None,
        })
    }

    /// True if `node` can be reached from `start` by following ParentChild links downwards.
    pub(crate) async fn is_descendant(
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

    /// Removes a link between tickets or knowledge-base articles. Needs `rw` on one end and `ro`
    /// on the other. Links of merged tickets are part of the merge record and cannot be removed.
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
        // `rw` on one end and `ro` on the other (merged tickets refused by `link_end`).
        let (a, b) = match self.link_end(tx, &ctx, link.source, true).await {
            Ok(a) => (a, self.link_end(tx, &ctx, link.target, false).await?),
            Err(DeskError::PermissionDenied { .. }) => (
                self.link_end(tx, &ctx, link.source, false).await?,
                self.link_end(tx, &ctx, link.target, true).await?,
            ),
            Err(other) => return Err(other),
        };
        tx.delete_link(link.id).await?;
        self.ends_history(tx, &ctx, [&a, &b], link.link_type, false, None)
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
        match object {
            ObjectRef::Ticket(id) => {
                let ticket = self.load_ticket(tx, id).await?;
                self.require(tx, &ctx, &ticket, Permission::Ro, "read")
                    .await?;
            }
            ObjectRef::KbArticle(id) => {
                self.kb_link_end(tx, &ctx, id, false).await?;
            }
            ObjectRef::Appointment(_) => {}
        }
        let links = tx.links_of(object).await?;
        let articles: Vec<_> = links
            .iter()
            .filter_map(|l| match l.other_end(object) {
                ObjectRef::KbArticle(id) => Some(id),
                _ => None,
            })
            .collect();
        let readable_articles = self.kb_articles_visible(tx, &ctx, &articles).await?;
        let mut visible = Vec::new();
        for link in links {
            let readable = match link.other_end(object) {
                ObjectRef::Ticket(id) => match tx.ticket(id).await? {
                    Some(t) => self.may(tx, &ctx, &t, Permission::Ro).await?,
                    None => false,
                },
                ObjectRef::KbArticle(id) => readable_articles.contains(&id),
                ObjectRef::Appointment(_) => !matches!(ctx.actor, Actor::Customer(_)),
            };
            if readable {
                visible.push(link);
            }
        }
        Ok(visible)
    }
}

/// One loaded end of a link.
enum LinkEnd {
    Ticket(Box<Ticket>),
    /// A knowledge-base article: its id and number.
    Kb(KbArticleId, String),
}

impl LinkEnd {
    fn object(&self) -> ObjectRef {
        match self {
            LinkEnd::Ticket(t) => ObjectRef::Ticket(t.id),
            LinkEnd::Kb(id, _) => ObjectRef::KbArticle(*id),
        }
    }

    /// How the end appears in ticket history: a ticket number, or `FAQ#` and the number.
    fn label(&self) -> String {
        match self {
            LinkEnd::Ticket(t) => t.number.clone(),
            LinkEnd::Kb(_, number) => format!("FAQ#{number}"),
        }
    }

    /// How the end appears in messages.
    fn describe(&self) -> String {
        match self {
            LinkEnd::Ticket(t) => format!("ticket {}", t.number),
            LinkEnd::Kb(_, number) => format!("knowledge-base article {number}"),
        }
    }
}

/// How a knowledge-base article at the other end of a ticket's link appears in the ticket's
/// history: `FAQ#` and its number.
pub(crate) fn kb_link_label(system_id: SystemId, id: KbArticleId) -> String {
    format!("FAQ#{}", kb_article_number(system_id, id))
}
