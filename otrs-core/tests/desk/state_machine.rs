//! Random command sequences by several agents with different rights, checking the desk's
//! invariants after every step. Knowledge-base articles take part through links to tickets and
//! votes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use otrs_core::desk::{
    ArticleInput, ArticleKind, BulkAction, BulkMerge, BulkNote, NewTicket, TicketUpdate,
};
use otrs_core::ids::{ArticleId, KbArticleId, KbHistoryId, TicketId};
use otrs_core::model::{
    KbRating, KbState, LinkType, LockState, ObjectRef, Priority, StateType, Ticket, default_states,
};
use otrs_core::store::{PageRequest, TicketFilter, TicketSort};
use otrs_core::{Principal, block_on};
use proptest::prelude::*;

use crate::common::World;
use crate::kb::Kb;

#[derive(Debug, Clone)]
enum Cmd {
    Create {
        actor: usize,
        queue: usize,
        customer: bool,
    },
    Note {
        actor: usize,
        ticket: usize,
    },
    Lock {
        actor: usize,
        ticket: usize,
    },
    Unlock {
        actor: usize,
        ticket: usize,
    },
    State {
        actor: usize,
        ticket: usize,
        state: usize,
    },
    Priority {
        actor: usize,
        ticket: usize,
        level: u8,
    },
    Move {
        actor: usize,
        ticket: usize,
        queue: usize,
    },
    Owner {
        actor: usize,
        ticket: usize,
        owner: usize,
    },
    Merge {
        actor: usize,
        source: usize,
        target: usize,
    },
    Link {
        actor: usize,
        a: usize,
        b: usize,
        parent_child: bool,
    },
    Watch {
        actor: usize,
        ticket: usize,
    },
    Bulk {
        actor: usize,
        tickets: Vec<usize>,
        level: u8,
        keep_locked: bool,
        merge: bool,
        note: bool,
    },
    Tick {
        minutes: i64,
    },
    /// Links a ticket and a knowledge-base article, either one as the source.
    LinkKb {
        actor: usize,
        ticket: usize,
        article: usize,
        article_first: bool,
        parent_child: bool,
    },
    /// Removes one of a ticket's links to an article from the ticket.
    UnlinkKb {
        actor: usize,
        ticket: usize,
        link: usize,
    },
    /// An agent or the customer user rates an article.
    Vote {
        actor: usize,
        customer: bool,
        article: usize,
        helpful: bool,
    },
}

fn cmd() -> impl Strategy<Value = Cmd> {
    let a = 0usize..7;
    let t = 0usize..64;
    prop_oneof![
        4 => (a.clone(), 0usize..3, any::<bool>()).prop_map(|(actor, queue, customer)| Cmd::Create { actor, queue, customer }),
        2 => (a.clone(), t.clone()).prop_map(|(actor, ticket)| Cmd::Note { actor, ticket }),
        2 => (a.clone(), t.clone()).prop_map(|(actor, ticket)| Cmd::Lock { actor, ticket }),
        1 => (a.clone(), t.clone()).prop_map(|(actor, ticket)| Cmd::Unlock { actor, ticket }),
        2 => (a.clone(), t.clone(), 0usize..5).prop_map(|(actor, ticket, state)| Cmd::State { actor, ticket, state }),
        1 => (a.clone(), t.clone(), 1u8..=5).prop_map(|(actor, ticket, level)| Cmd::Priority { actor, ticket, level }),
        1 => (a.clone(), t.clone(), 0usize..3).prop_map(|(actor, ticket, queue)| Cmd::Move { actor, ticket, queue }),
        1 => (a.clone(), t.clone(), 0usize..7).prop_map(|(actor, ticket, owner)| Cmd::Owner { actor, ticket, owner }),
        1 => (a.clone(), t.clone(), t.clone()).prop_map(|(actor, source, target)| Cmd::Merge { actor, source, target }),
        1 => (a.clone(), t.clone(), t.clone(), any::<bool>()).prop_map(|(actor, a, b, parent_child)| Cmd::Link { actor, a, b, parent_child }),
        1 => (a.clone(), t.clone()).prop_map(|(actor, ticket)| Cmd::Watch { actor, ticket }),
        1 => (a.clone(), proptest::collection::vec(t.clone(), 1..5), 1u8..=5, any::<bool>(), proptest::bool::weighted(0.2), any::<bool>())
            .prop_map(|(actor, tickets, level, keep_locked, merge, note)| Cmd::Bulk { actor, tickets, level, keep_locked, merge, note }),
        1 => (1i64..600).prop_map(|minutes| Cmd::Tick { minutes }),
        2 => (a.clone(), t.clone(), 0usize..KB_ARTICLES, any::<bool>(), any::<bool>())
            .prop_map(|(actor, ticket, article, article_first, parent_child)| Cmd::LinkKb { actor, ticket, article, article_first, parent_child }),
        1 => (a.clone(), t, 0usize..4).prop_map(|(actor, ticket, link)| Cmd::UnlinkKb { actor, ticket, link }),
        1 => (a, any::<bool>(), 0usize..KB_ARTICLES, any::<bool>())
            .prop_map(|(actor, customer, article, helpful)| Cmd::Vote { actor, customer, article, helpful }),
    ]
}

/// The knowledge-base articles of a run: internal and external in Misc, public in Support.
const KB_ARTICLES: usize = 3;

/// Everything observable about one knowledge-base article.
#[derive(Debug, Clone, PartialEq, Eq)]
struct KbView {
    history: Vec<KbHistoryId>,
    links: usize,
    rating: KbRating,
}

fn kb_snapshot(run: &Run) -> BTreeMap<KbArticleId, KbView> {
    let d = &run.w.desk;
    run.kb
        .iter()
        .map(|id| {
            let view = KbView {
                history: block_on(d.kb_history(Principal::SYSTEM, *id))
                    .unwrap()
                    .into_iter()
                    .map(|h| h.id)
                    .collect(),
                links: block_on(d.links(Principal::SYSTEM, ObjectRef::KbArticle(*id)))
                    .unwrap()
                    .len(),
                rating: block_on(d.kb_article(Principal::SYSTEM, *id))
                    .unwrap()
                    .rating,
            };
            (*id, view)
        })
        .collect()
}

/// The knowledge-base side: a refused command changes nothing, every change of an article's
/// links or rating leaves history, and history is never lost.
fn check_kb_invariants(
    run: &Run,
    before: &BTreeMap<KbArticleId, KbView>,
    after: &BTreeMap<KbArticleId, KbView>,
    ok: bool,
    cmd: &Cmd,
) -> Result<(), TestCaseError> {
    if !ok {
        prop_assert_eq!(
            before,
            after,
            "refused command {:?} changed an article",
            cmd
        );
    }
    for (id, now) in after {
        let was = &before[id];
        prop_assert!(
            now.history.starts_with(&was.history),
            "article history lost after {:?}",
            cmd
        );
        if now.links != was.links || now.rating != was.rating {
            prop_assert!(
                now.history.len() > was.history.len(),
                "article {:?} changed without history after {:?}",
                id,
                cmd
            );
        }
    }
    // Tickets name linked articles by their FAQ# number, also after merges.
    for id in &run.ids {
        for h in block_on(run.w.desk.history(Principal::SYSTEM, *id)).unwrap() {
            let first = h
                .entry
                .params
                .first()
                .map(String::as_str)
                .unwrap_or_default();
            prop_assert!(
                !first.starts_with("kb_article"),
                "ticket history {:?} names an article by its id after {:?}",
                h.entry.params,
                cmd
            );
        }
    }
    Ok(())
}

/// Everything observable about one ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
struct TicketView {
    ticket: Ticket,
    articles: Vec<ArticleId>,
    history: Vec<otrs_core::ids::HistoryId>,
    watchers: usize,
    links: usize,
}

fn snapshot(w: &World) -> BTreeMap<TicketId, TicketView> {
    let page = block_on(w.desk.list_tickets(
        Principal::SYSTEM,
        TicketFilter::default(),
        TicketSort::parse("id").unwrap(),
        PageRequest::first(1000),
    ))
    .unwrap();
    page.tickets
        .into_iter()
        .map(|ticket| {
            let id = ticket.id;
            let view = TicketView {
                articles: block_on(w.desk.articles(Principal::SYSTEM, id))
                    .unwrap()
                    .into_iter()
                    .map(|a| a.id)
                    .collect(),
                history: block_on(w.desk.history(Principal::SYSTEM, id))
                    .unwrap()
                    .into_iter()
                    .map(|h| h.id)
                    .collect(),
                watchers: block_on(w.desk.watchers(Principal::SYSTEM, id))
                    .unwrap()
                    .len(),
                links: block_on(w.desk.links(Principal::SYSTEM, ObjectRef::Ticket(id)))
                    .unwrap()
                    .len(),
                ticket,
            };
            (id, view)
        })
        .collect()
}

struct Run {
    w: World,
    actors: Vec<Principal>,
    queues: Vec<otrs_core::ids::QueueId>,
    ids: Vec<TicketId>,
    /// Merged tickets as they looked right after their merge.
    ghosts: BTreeMap<TicketId, TicketView>,
    /// The knowledge-base articles ([`KB_ARTICLES`] of them).
    kb: Vec<KbArticleId>,
}

impl Run {
    fn ticket(&self, i: usize) -> Option<TicketId> {
        (!self.ids.is_empty()).then(|| self.ids[i % self.ids.len()])
    }

    /// Runs one command; returns whether it succeeded, and the tickets a bulk action skipped or
    /// failed (which must be untouched by their own phase).
    fn apply(&mut self, cmd: &Cmd) -> (bool, Vec<TicketId>) {
        let d = &self.w.desk;
        let act = |i: usize| self.actors[i % self.actors.len()];
        let states = [
            default_states::OPEN,
            default_states::CLOSED_SUCCESSFUL,
            default_states::PENDING_REMINDER,
            default_states::NEW,
            default_states::MERGED,
        ];
        let ok = match cmd {
            Cmd::Create {
                actor,
                queue,
                customer,
            } => {
                let (actor, kind) = if *customer {
                    (self.w.lacey, ArticleKind::Portal)
                } else {
                    (act(*actor), ArticleKind::PhoneInbound)
                };
                let new =
                    NewTicket::new("t", self.queues[*queue], ArticleInput::new(kind, "s", "b"));
                match block_on(d.create_ticket(actor, new)) {
                    Ok(t) => {
                        self.ids.push(t.id);
                        true
                    }
                    Err(_) => false,
                }
            }
            Cmd::Note { actor, ticket } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                block_on(d.add_article(act(*actor), t, ArticleInput::note("n"))).is_ok()
            }
            Cmd::Lock { actor, ticket } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                block_on(d.lock_ticket(act(*actor), t)).is_ok()
            }
            Cmd::Unlock { actor, ticket } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                block_on(d.unlock_ticket(act(*actor), t)).is_ok()
            }
            Cmd::State {
                actor,
                ticket,
                state,
            } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                let state = states[*state];
                let pending_until = (state == default_states::PENDING_REMINDER)
                    .then(|| self.w.clock_now() + Duration::days(1));
                block_on(d.update_ticket(
                    act(*actor),
                    t,
                    TicketUpdate {
                        state: Some(state),
                        pending_until,
                        ..Default::default()
                    },
                ))
                .is_ok()
            }
            Cmd::Priority {
                actor,
                ticket,
                level,
            } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                block_on(d.update_ticket(
                    act(*actor),
                    t,
                    TicketUpdate {
                        priority: Priority::new(*level),
                        ..Default::default()
                    },
                ))
                .is_ok()
            }
            Cmd::Move {
                actor,
                ticket,
                queue,
            } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                block_on(d.update_ticket(
                    act(*actor),
                    t,
                    TicketUpdate {
                        queue: Some(self.queues[*queue]),
                        ..Default::default()
                    },
                ))
                .is_ok()
            }
            Cmd::Owner {
                actor,
                ticket,
                owner,
            } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                let owner = act(*owner).agent();
                block_on(d.update_ticket(
                    act(*actor),
                    t,
                    TicketUpdate {
                        owner,
                        ..Default::default()
                    },
                ))
                .is_ok()
            }
            Cmd::Merge {
                actor,
                source,
                target,
            } => {
                let (Some(s), Some(t)) = (self.ticket(*source), self.ticket(*target)) else {
                    return (false, vec![]);
                };
                block_on(d.merge_tickets(act(*actor), s, t)).is_ok()
            }
            Cmd::Link {
                actor,
                a,
                b,
                parent_child,
            } => {
                let (Some(a), Some(b)) = (self.ticket(*a), self.ticket(*b)) else {
                    return (false, vec![]);
                };
                let link_type = if *parent_child {
                    LinkType::ParentChild
                } else {
                    LinkType::Normal
                };
                block_on(d.link(
                    act(*actor),
                    ObjectRef::Ticket(a),
                    ObjectRef::Ticket(b),
                    link_type,
                ))
                .is_ok()
            }
            Cmd::Watch { actor, ticket } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                block_on(d.watch_ticket(act(*actor), t)).is_ok()
            }
            Cmd::Bulk {
                actor,
                tickets,
                level,
                keep_locked,
                merge,
                note,
            } => {
                if self.ids.is_empty() {
                    return (false, vec![]);
                }
                let action = BulkAction {
                    tickets: tickets.iter().filter_map(|i| self.ticket(*i)).collect(),
                    update: TicketUpdate {
                        priority: Priority::new(*level),
                        ..Default::default()
                    },
                    note: note.then(|| BulkNote {
                        subject: "b".into(),
                        body: "bulk".into(),
                        visible_for_customer: false,
                        time_units: None,
                    }),
                    merge: if *merge {
                        BulkMerge::ToOldest
                    } else {
                        BulkMerge::None
                    },
                    keep_locked: *keep_locked,
                    ..Default::default()
                };
                return match block_on(d.bulk(act(*actor), action)) {
                    Ok(report) => (
                        true,
                        report
                            .outcomes
                            .iter()
                            .filter(|o| !o.outcome.is_done())
                            .map(|o| o.ticket)
                            .collect(),
                    ),
                    Err(_) => (false, vec![]),
                };
            }
            Cmd::Tick { minutes } => {
                self.w.clock.advance(Duration::minutes(*minutes));
                true
            }
            Cmd::LinkKb {
                actor,
                ticket,
                article,
                article_first,
                parent_child,
            } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                let (mut source, mut target) = (
                    ObjectRef::Ticket(t),
                    ObjectRef::KbArticle(self.kb[*article]),
                );
                if *article_first {
                    std::mem::swap(&mut source, &mut target);
                }
                let link_type = if *parent_child {
                    LinkType::ParentChild
                } else {
                    LinkType::Normal
                };
                block_on(d.link(act(*actor), source, target, link_type)).is_ok()
            }
            Cmd::UnlinkKb {
                actor,
                ticket,
                link,
            } => {
                let Some(t) = self.ticket(*ticket) else {
                    return (false, vec![]);
                };
                let kb_links: Vec<_> = block_on(d.links(Principal::SYSTEM, ObjectRef::Ticket(t)))
                    .unwrap()
                    .into_iter()
                    .filter(|l| {
                        matches!(l.other_end(ObjectRef::Ticket(t)), ObjectRef::KbArticle(_))
                    })
                    .collect();
                let Some(l) = kb_links.get(*link % kb_links.len().max(1)) else {
                    return (false, vec![]);
                };
                block_on(d.unlink_from_ticket(act(*actor), t, l.id)).is_ok()
            }
            Cmd::Vote {
                actor,
                customer,
                article,
                helpful,
            } => {
                let voter = if *customer { self.w.lacey } else { act(*actor) };
                block_on(d.vote_kb_article(voter, self.kb[*article], *helpful)).is_ok()
            }
        };
        (ok, vec![])
    }
}

fn check_invariants(
    run: &mut Run,
    before: &BTreeMap<TicketId, TicketView>,
    after: &BTreeMap<TicketId, TicketView>,
    ok: bool,
    untouched: &[TicketId],
    cmd: &Cmd,
) -> Result<(), TestCaseError> {
    // A refused command changes nothing.
    if !ok {
        prop_assert_eq!(before, after, "refused command {:?} changed something", cmd);
    }
    // Tickets a bulk action skipped or failed keep their row, articles and watchers (a merge of
    // another ticket in the same action may still re-point a link to them, with history).
    for id in untouched {
        if let (Some(b), Some(a)) = (before.get(id), after.get(id)) {
            prop_assert_eq!(&b.ticket, &a.ticket, "bulk changed skipped ticket {:?}", id);
            prop_assert_eq!(&b.articles, &a.articles);
            prop_assert_eq!(b.watchers, a.watchers);
        }
    }
    let states = otrs_core::model::StateCatalog::new(
        block_on(run.w.desk.states(Principal::SYSTEM)).unwrap(),
    );
    // Every ticket change has its history rows; articles never vanish except by moving in a merge.
    for (id, now) in after {
        if let Some(was) = before.get(id)
            && (now.ticket.version != was.ticket.version
                || now.watchers != was.watchers
                || now.links != was.links)
        {
            {
                let new_rows = now
                    .history
                    .iter()
                    .filter(|h| !was.history.contains(h))
                    .count();
                prop_assert!(
                    new_rows > 0,
                    "ticket {:?} changed without history after {:?}",
                    id,
                    cmd
                );
            }
        }
        // The lock holder is the owner, and it is a real agent.
        if now.ticket.lock != LockState::Unlocked {
            prop_assert_ne!(now.ticket.owner_id, otrs_core::ids::AgentId::SYSTEM);
        }
        // Merged tickets never change again.
        if states.type_of(now.ticket.state_id) == StateType::Merged {
            match run.ghosts.get(id) {
                Some(ghost) => {
                    prop_assert_eq!(&ghost.ticket, &now.ticket, "merged ticket changed");
                    prop_assert_eq!(&ghost.articles, &now.articles);
                    prop_assert_eq!(&ghost.history, &now.history);
                    prop_assert_eq!(ghost.watchers, now.watchers);
                    prop_assert_eq!(ghost.links, now.links);
                }
                None => {
                    prop_assert_eq!(
                        now.articles.len(),
                        1,
                        "a merged ticket keeps only the merge note"
                    );
                    run.ghosts.insert(*id, now.clone());
                }
            }
        }
    }
    // History rows are never lost (they only move with their articles).
    let before_rows: BTreeSet<_> = before
        .values()
        .flat_map(|v| v.history.iter().copied())
        .collect();
    let after_rows: BTreeSet<_> = after
        .values()
        .flat_map(|v| v.history.iter().copied())
        .collect();
    prop_assert!(
        before_rows.is_subset(&after_rows),
        "a history row disappeared after {:?}",
        cmd
    );
    // Merges lose no article: every article seen before is still on some ticket.
    let before_articles: BTreeSet<ArticleId> = before
        .values()
        .flat_map(|v| v.articles.iter().copied())
        .collect();
    let after_articles: BTreeSet<ArticleId> = after
        .values()
        .flat_map(|v| v.articles.iter().copied())
        .collect();
    prop_assert!(
        before_articles.is_subset(&after_articles),
        "an article disappeared after {:?}",
        cmd
    );
    let article_count: usize = after.values().map(|v| v.articles.len()).sum();
    prop_assert_eq!(
        article_count,
        after_articles.len(),
        "an article is on two tickets"
    );
    // A merge target holds every article of both tickets.
    if let (true, Cmd::Merge { .. }) = (ok, cmd) {
        let newly_merged: Vec<&TicketId> = after
            .iter()
            .filter(|(id, v)| {
                states.type_of(v.ticket.state_id) == StateType::Merged
                    && before
                        .get(id)
                        .is_some_and(|b| states.type_of(b.ticket.state_id) != StateType::Merged)
            })
            .map(|(id, _)| id)
            .collect();
        prop_assert_eq!(newly_merged.len(), 1);
    }
    // Ticket numbers are unique and increase within a day, in creation order.
    let mut by_id: Vec<&Ticket> = after.values().map(|v| &v.ticket).collect();
    by_id.sort_by_key(|t| t.id);
    let numbers: BTreeSet<&str> = by_id.iter().map(|t| t.number.as_str()).collect();
    prop_assert_eq!(numbers.len(), by_id.len());
    for pair in by_id.windows(2) {
        if pair[0].number[..8] == pair[1].number[..8] {
            prop_assert!(
                pair[0].number.parse::<u128>().unwrap() < pair[1].number.parse::<u128>().unwrap()
            );
        }
    }
    // The maintained queue × state counts equal a recount.
    let counts = block_on(run.w.desk.queue_state_counts(Principal::SYSTEM)).unwrap();
    let mut recount: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    for t in &by_id {
        *recount.entry((t.queue_id.0, t.state_id.0)).or_default() += 1;
    }
    let maintained: BTreeMap<(u64, u64), u64> = counts
        .iter()
        .map(|c| ((c.queue_id.0, c.state_id.0), c.count))
        .collect();
    prop_assert_eq!(maintained, recount);
    Ok(())
}

/// A world with the run's articles: internal and external in Misc (group users), public in
/// Support (group support: only alice and erin write there).
fn world_with_articles() -> (World, Vec<KbArticleId>) {
    let k = Kb::new();
    let ids: Vec<KbArticleId> = [
        (k.misc, KbState::Internal),
        (k.misc, KbState::External),
        (k.support, KbState::Public),
    ]
    .into_iter()
    .map(|(category, state)| k.article(category, "FAQ", state).id)
    .collect();
    assert_eq!(ids.len(), KB_ARTICLES);
    (k.w, ids)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_command_sequences_keep_every_invariant(cmds in proptest::collection::vec(cmd(), 1..60)) {
        let (w, kb) = world_with_articles();
        let actors = vec![w.admin, w.alice, w.bob, w.carol, w.dave, w.erin, Principal::SYSTEM];
        let queues = vec![w.postmaster, w.misc, w.support];
        let mut run = Run { w, actors, queues, ids: Vec::new(), ghosts: BTreeMap::new(), kb };
        let mut before = snapshot(&run.w);
        let mut kb_before = kb_snapshot(&run);
        for cmd in &cmds {
            let (ok, untouched) = run.apply(cmd);
            let after = snapshot(&run.w);
            let kb_after = kb_snapshot(&run);
            check_invariants(&mut run, &before, &after, ok, &untouched, cmd)?;
            check_kb_invariants(&run, &kb_before, &kb_after, ok, cmd)?;
            before = after;
            kb_before = kb_after;
        }
    }
}
