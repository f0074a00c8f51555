//! The merge rule: which merges are allowed, and what a merge changes besides the tickets.
//!
//! The desk loads the tickets, their links and watchers, asks [`check_merge`] whether the merge is
//! allowed and [`plan_merge`] what to rewrite, then writes the plan in one transaction.

use crate::error::DeskError;
use crate::ids::{AgentId, LinkId};
use crate::model::{Link, LinkType, ObjectRef, StateCatalog, StateType, Ticket, Watcher};

/// Refuses merges into itself, into a merged ticket and into the source's own merge chain, and any
/// merge of an already merged ticket.
///
/// `target_chain` lists where the target went if it was merged: the ticket it was merged into,
/// then where that one went, and so on (empty if the target is not merged).
pub fn check_merge(
    source: &Ticket,
    target: &Ticket,
    target_chain: &[Ticket],
    states: &StateCatalog,
) -> Result<(), DeskError> {
    if source.id == target.id {
        return Err(DeskError::MergeIntoSelf {
            ticket: source.number.clone(),
        });
    }
    if states.type_of(source.state_id) == StateType::Merged {
        return Err(DeskError::TicketMerged {
            ticket: source.number.clone(),
            into: None,
        });
    }
    if states.type_of(target.state_id) == StateType::Merged {
        if target_chain.iter().any(|t| t.id == source.id) {
            return Err(DeskError::MergeIntoOwnChain {
                ticket: source.number.clone(),
                target: target.number.clone(),
            });
        }
        return Err(DeskError::MergeIntoMerged {
            target: target.number.clone(),
            into: target_chain
                .first()
                .map_or_else(|| "another ticket".to_owned(), |t| t.number.clone()),
        });
    }
    Ok(())
}

/// The link and watcher changes of a merge.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MergePlan {
    /// Every link of the merged ticket: deleted, then re-created on the main ticket where listed in
    /// [`MergePlan::links_to_create`].
    pub links_to_delete: Vec<LinkId>,
    /// (source, target, type) of the links to create: the re-pointed ones without duplicates and
    /// self-links, then the ParentChild link main → merged.
    pub links_to_create: Vec<(ObjectRef, ObjectRef, LinkType)>,
    /// The far end and type of each deleted link that is not re-created because the main ticket
    /// already has the same link: that object loses a link and gets a history row for it.
    pub links_absorbed: Vec<(ObjectRef, LinkType)>,
    /// Watchers of the merged ticket who start watching the main ticket.
    pub watchers_to_add: Vec<AgentId>,
    /// Watchers removed from the merged ticket (all of them).
    pub watchers_to_remove: Vec<AgentId>,
}

/// Plans the link and watcher changes of merging `source` into `target`.
///
/// Links to tickets in `frozen` (merged tickets, which never change again) stay where they are:
/// they are the record of earlier merges, and the merge chain still leads through `source`.
pub fn plan_merge(
    source: &Ticket,
    target: &Ticket,
    frozen: &[ObjectRef],
    source_links: &[Link],
    target_links: &[Link],
    source_watchers: &[Watcher],
    target_watchers: &[Watcher],
) -> MergePlan {
    let (source_ref, target_ref) = (ObjectRef::Ticket(source.id), ObjectRef::Ticket(target.id));
    let mut plan = MergePlan::default();
    let mut kept: Vec<(ObjectRef, ObjectRef, LinkType)> = Vec::new();
    let exists =
        |kept: &[(ObjectRef, ObjectRef, LinkType)], a: ObjectRef, b: ObjectRef, t: LinkType| {
            let same = |(s, d, ty): &(ObjectRef, ObjectRef, LinkType)| {
                *ty == t && ((*s == a && *d == b) || (t == LinkType::Normal && *s == b && *d == a))
            };
            target_links.iter().any(|l| l.connects(a, b, t)) || kept.iter().any(same)
        };
    for link in source_links {
        if frozen.contains(&link.other_end(source_ref)) {
            continue;
        }
        plan.links_to_delete.push(link.id);
        let repoint = |end: ObjectRef| if end == source_ref { target_ref } else { end };
        let (from, to) = (repoint(link.source), repoint(link.target));
        if from == to {
            continue;
        }
        if exists(&kept, from, to, link.link_type) {
            plan.links_absorbed
                .push((link.other_end(source_ref), link.link_type));
            continue;
        }
        kept.push((from, to, link.link_type));
    }
    plan.links_to_create = kept;
    plan.links_to_create
        .push((target_ref, source_ref, LinkType::ParentChild));
    for watcher in source_watchers {
        plan.watchers_to_remove.push(watcher.agent_id);
        if !target_watchers
            .iter()
            .any(|w| w.agent_id == watcher.agent_id)
        {
            plan.watchers_to_add.push(watcher.agent_id);
        }
    }
    plan
}

#[cfg(test)]
mod tests {
    use chrono::DateTime;

    use super::*;
    use crate::ids::TicketId;
    use crate::model::{Principal, default_states};

    fn link(id: u64, source: u64, target: u64, link_type: LinkType) -> Link {
        Link {
            id: LinkId(id),
            source: ObjectRef::Ticket(TicketId(source)),
            target: ObjectRef::Ticket(TicketId(target)),
            link_type,
            created_by: Principal::SYSTEM,
            created_at: DateTime::UNIX_EPOCH,
        }
    }

    fn watcher(ticket: u64, agent: u64) -> Watcher {
        Watcher {
            ticket_id: TicketId(ticket),
            agent_id: AgentId(agent),
            since: DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn plan_repoints_links_drops_duplicates_and_self_links_and_adds_parent_child() {
        let tickets = crate::desk::tests_support::tickets(&[1, 2]);
        let (source, target) = (&tickets[0], &tickets[1]);
        let source_links = [
            link(1, 1, 2, LinkType::Normal), // to the target: becomes a self-link, dropped
            link(2, 1, 3, LinkType::Normal), // duplicate of target's link 10 (reversed Normal)
            link(3, 4, 1, LinkType::ParentChild), // 4 is the parent of source: 4 → 2
            link(4, 1, 5, LinkType::Normal), // kept: 2 – 5
            link(5, 5, 1, LinkType::Normal), // same as link 4 once re-pointed: dropped
        ];
        let target_links = [
            link(10, 3, 2, LinkType::Normal),
            link(1, 1, 2, LinkType::Normal),
        ];
        let plan = plan_merge(
            source,
            target,
            &[],
            &source_links,
            &target_links,
            &[watcher(1, 7), watcher(1, 8)],
            &[watcher(2, 8)],
        );
        assert_eq!(plan.links_to_delete, [1, 2, 3, 4, 5].map(LinkId));
        let t = |n| ObjectRef::Ticket(TicketId(n));
        assert_eq!(
            plan.links_to_create,
            vec![
                (t(4), t(2), LinkType::ParentChild),
                (t(2), t(5), LinkType::Normal),
                (t(2), t(1), LinkType::ParentChild),
            ]
        );
        assert_eq!(
            plan.links_absorbed,
            vec![(t(3), LinkType::Normal), (t(5), LinkType::Normal)]
        );
        assert_eq!(plan.watchers_to_add, vec![AgentId(7)]);
        assert_eq!(plan.watchers_to_remove, vec![AgentId(7), AgentId(8)]);
    }

    #[test]
    fn links_to_merged_tickets_stay_put() {
        let tickets = crate::desk::tests_support::tickets(&[1, 2]);
        let ghost = ObjectRef::Ticket(TicketId(9));
        let source_links = [
            link(1, 1, 9, LinkType::ParentChild),
            link(2, 1, 3, LinkType::Normal),
        ];
        let plan = plan_merge(
            &tickets[0],
            &tickets[1],
            &[ghost],
            &source_links,
            &[],
            &[],
            &[],
        );
        assert_eq!(plan.links_to_delete, [LinkId(2)]);
        assert_eq!(
            plan.links_to_create.len(),
            2,
            "the re-pointed Normal link and the merge record"
        );
    }

    #[test]
    fn merge_checks_name_the_broken_rule() {
        let states = StateCatalog::new(StateCatalog::defaults());
        let mut tickets = crate::desk::tests_support::tickets(&[1, 2, 3]);
        assert!(matches!(
            check_merge(&tickets[0], &tickets[0], &[], &states),
            Err(DeskError::MergeIntoSelf { .. })
        ));
        assert!(check_merge(&tickets[0], &tickets[1], &[], &states).is_ok());
        tickets[1].state_id = default_states::MERGED;
        let chain = [tickets[2].clone()];
        assert!(matches!(
            check_merge(&tickets[0], &tickets[1], &chain, &states),
            Err(DeskError::MergeIntoMerged { into, .. }) if into == tickets[2].number
        ));
        let own_chain = [tickets[0].clone()];
        assert!(matches!(
            check_merge(&tickets[0], &tickets[1], &own_chain, &states),
            Err(DeskError::MergeIntoOwnChain { .. })
        ));
        assert!(matches!(
            check_merge(&tickets[1], &tickets[2], &[], &states),
            Err(DeskError::TicketMerged { .. })
        ));
    }
}
