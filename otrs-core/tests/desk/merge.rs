use otrs_core::desk::{ArticleInput, TicketUpdate};
use otrs_core::model::{LinkType, LockState, ObjectRef, StateType, TimeUnits, default_states};
use otrs_core::{DeskError, Principal, block_on};

use crate::common::World;

#[test]
fn merge_moves_everything_and_leaves_a_ghost() {
    let w = World::new();
    let source = w.ticket("source");
    let target = w.ticket("target");
    let third = w.ticket("third");
    let note = ArticleInput {
        time_units: Some(TimeUnits::from_units(3)),
        ..ArticleInput::note("work")
    };
    block_on(w.desk.add_article(w.alice, source.id, note)).unwrap();
    block_on(w.desk.link(
        w.alice,
        ObjectRef::Ticket(source.id),
        ObjectRef::Ticket(third.id),
        LinkType::Normal,
    ))
    .unwrap();
    block_on(w.desk.link(
        w.alice,
        ObjectRef::Ticket(target.id),
        ObjectRef::Ticket(source.id),
        LinkType::Normal,
    ))
    .unwrap();
    block_on(w.desk.watch_ticket(w.bob, source.id)).unwrap();
    block_on(w.desk.lock_ticket(w.alice, source.id)).unwrap();
    let source_articles = block_on(w.desk.articles(w.alice, source.id)).unwrap();
    let target_articles = block_on(w.desk.articles(w.alice, target.id)).unwrap();

    let merged_target = block_on(w.desk.merge_tickets(w.alice, source.id, target.id)).unwrap();
    assert_eq!(merged_target.accounted_time, TimeUnits::from_units(3));

    let ghost = w.get(source.id);
    assert_eq!(ghost.state_id, default_states::MERGED);
    assert_eq!(ghost.lock, LockState::Unlocked);
    assert_eq!(ghost.accounted_time, TimeUnits::ZERO);
    let ghost_articles = block_on(w.desk.articles(w.alice, source.id)).unwrap();
    assert_eq!(ghost_articles.len(), 1, "only the merge note stays");
    assert_eq!(ghost_articles[0].subject, "Ticket Merged");
    assert!(ghost_articles[0].visible_for_customer);
    assert!(ghost_articles[0].body.contains(&target.number));
    let all: Vec<_> = block_on(w.desk.articles(w.alice, target.id))
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    for a in source_articles.iter().chain(&target_articles) {
        assert!(all.contains(&a.id), "article {} moved", a.id);
    }
    assert_eq!(all.len(), source_articles.len() + target_articles.len());
    // Time rows moved too.
    assert_eq!(
        block_on(w.desk.time_accounting(w.alice, target.id))
            .unwrap()
            .len(),
        1
    );
    // Watchers moved.
    assert_eq!(
        block_on(w.desk.watchers(w.alice, target.id)).unwrap().len(),
        1
    );
    assert!(
        block_on(w.desk.watchers(w.alice, source.id))
            .unwrap()
            .is_empty()
    );
    // Links: third now links to the target; the target–source link became the ParentChild record.
    let links = block_on(w.desk.links(w.alice, ObjectRef::Ticket(target.id))).unwrap();
    assert!(links.iter().any(|l| l.connects(
        ObjectRef::Ticket(target.id),
        ObjectRef::Ticket(third.id),
        LinkType::Normal
    )));
    assert!(links.iter().any(|l| l.link_type == LinkType::ParentChild
        && l.source == ObjectRef::Ticket(target.id)
        && l.target == ObjectRef::Ticket(source.id)));
    assert_eq!(links.len(), 2);
    // History on both sides.
    assert!(w.history_types(source.id).contains(&"Merged".to_owned()));
    assert!(w.history_types(target.id).contains(&"Merged".to_owned()));
    // Article history moved with the articles: the target now has the source's PhoneCallCustomer.
    assert_eq!(
        w.history_types(target.id)
            .iter()
            .filter(|t| *t == "PhoneCallCustomer")
            .count(),
        2
    );
}

#[test]
fn a_ticket_linked_to_both_keeps_one_link_and_records_the_lost_one() {
    let w = World::new();
    let source = w.ticket("source");
    let target = w.ticket("target");
    let third = w.ticket("third");
    for end in [source.id, target.id] {
        block_on(w.desk.link(
            w.alice,
            ObjectRef::Ticket(third.id),
            ObjectRef::Ticket(end),
            LinkType::Normal,
        ))
        .unwrap();
    }
    let deletes_before = w
        .history_types(third.id)
        .iter()
        .filter(|t| *t == "TicketLinkDelete")
        .count();
    block_on(w.desk.merge_tickets(w.alice, source.id, target.id)).unwrap();
    let links = block_on(w.desk.links(w.alice, ObjectRef::Ticket(third.id))).unwrap();
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0].connects(
        ObjectRef::Ticket(third.id),
        ObjectRef::Ticket(target.id),
        LinkType::Normal
    ));
    let deletes_after = w
        .history_types(third.id)
        .iter()
        .filter(|t| *t == "TicketLinkDelete")
        .count();
    assert_eq!(deletes_after, deletes_before + 1);
}

/// Every ParentChild link reachable downwards from `start`, as (parent, child) pairs.
fn parent_child_edges(w: &World, objects: &[ObjectRef]) -> Vec<(ObjectRef, ObjectRef)> {
    let mut edges = Vec::new();
    for object in objects {
        for link in block_on(w.desk.links(Principal::SYSTEM, *object)).unwrap() {
            if link.link_type == LinkType::ParentChild && link.source == *object {
                edges.push((link.source, link.target));
            }
        }
    }
    edges
}

#[test]
fn a_merge_never_closes_a_parent_child_cycle() {
    // source → middle → target: merging source into target would re-point source's child link
    // as target → middle, a cycle with middle → target. The link becomes a Normal one.
    let w = World::new();
    let source = w.ticket("source");
    let middle = w.ticket("middle");
    let target = w.ticket("target");
    let [s, m, t] = [source.id, middle.id, target.id].map(ObjectRef::Ticket);
    for (parent, child) in [(s, m), (m, t)] {
        block_on(w.desk.link(w.alice, parent, child, LinkType::ParentChild)).unwrap();
    }
    block_on(w.desk.merge_tickets(w.alice, source.id, target.id)).unwrap();
    let edges = parent_child_edges(&w, &[s, m, t]);
    assert_eq!(edges, [(m, t), (t, s)], "no cycle among {edges:?}");
    let links = block_on(w.desk.links(w.alice, m)).unwrap();
    assert!(
        links.iter().any(|l| l.connects(m, t, LinkType::Normal)),
        "the relation is kept as a Normal link: {links:?}"
    );
    // With a Normal link already there, the re-pointed link is simply dropped.
    let w = World::new();
    let source = w.ticket("source");
    let middle = w.ticket("middle");
    let target = w.ticket("target");
    let [s, m, t] = [source.id, middle.id, target.id].map(ObjectRef::Ticket);
    for (a, b, link_type) in [
        (s, m, LinkType::ParentChild),
        (m, t, LinkType::ParentChild),
        (t, m, LinkType::Normal),
    ] {
        block_on(w.desk.link(w.alice, a, b, link_type)).unwrap();
    }
    block_on(w.desk.merge_tickets(w.alice, source.id, target.id)).unwrap();
    let between: Vec<_> = block_on(w.desk.links(w.alice, m))
        .unwrap()
        .into_iter()
        .filter(|l| l.other_end(m) == t)
        .map(|l| l.link_type)
        .collect();
    assert_eq!(between, [LinkType::ParentChild, LinkType::Normal]);
}

#[test]
fn a_merged_ticket_never_changes_again() {
    let w = World::new();
    let a = w.ticket("a");
    let b = w.ticket("b");
    block_on(w.desk.merge_tickets(w.alice, a.id, b.id)).unwrap();
    let ghost = w.get(a.id);
    let history = w.history_types(a.id);
    let attempts: Vec<Result<(), DeskError>> = vec![
        block_on(w.desk.add_article(w.alice, a.id, ArticleInput::note("x"))).map(|_| ()),
        block_on(w.desk.lock_ticket(w.alice, a.id)).map(|_| ()),
        block_on(w.desk.update_ticket(
            w.alice,
            a.id,
            TicketUpdate {
                title: Some("y".into()),
                ..Default::default()
            },
        ))
        .map(|_| ()),
        block_on(w.desk.watch_ticket(w.alice, a.id)),
        block_on(w.desk.merge_tickets(w.alice, a.id, b.id)).map(|_| ()),
        block_on(w.desk.link(
            w.alice,
            ObjectRef::Ticket(a.id),
            ObjectRef::Ticket(w.ticket("c").id),
            LinkType::Normal,
        ))
        .map(|_| ()),
    ];
    for result in attempts {
        let err = result.unwrap_err();
        assert!(matches!(err, DeskError::TicketMerged { .. }), "{err:?}");
        assert!(
            err.to_string().contains(&b.number),
            "names where it went: {err}"
        );
    }
    assert_eq!(w.get(a.id), ghost);
    assert_eq!(w.history_types(a.id), history);
}

#[test]
fn merges_into_self_merged_or_own_chain_are_refused() {
    let w = World::new();
    let a = w.ticket("a");
    let b = w.ticket("b");
    let c = w.ticket("c");
    assert!(matches!(
        block_on(w.desk.merge_tickets(w.alice, a.id, a.id)),
        Err(DeskError::MergeIntoSelf { .. })
    ));
    block_on(w.desk.merge_tickets(w.alice, a.id, b.id)).unwrap();
    let err = block_on(w.desk.merge_tickets(w.alice, c.id, a.id)).unwrap_err();
    assert!(
        matches!(&err, DeskError::MergeIntoMerged { into, .. } if *into == b.number),
        "{err}"
    );
    block_on(w.desk.merge_tickets(w.alice, b.id, c.id)).unwrap();
    // a → b → c: merging c into a would merge c into its own chain.
    let err = block_on(w.desk.merge_tickets(w.alice, c.id, a.id)).unwrap_err();
    assert!(matches!(err, DeskError::MergeIntoOwnChain { .. }), "{err}");
}

#[test]
fn merging_needs_rw_on_both_and_the_lock_rule() {
    let w = World::new();
    let a = w.ticket("a");
    let s = w.ticket_in(w.alice, w.support, "support");
    assert!(matches!(
        block_on(w.desk.merge_tickets(w.bob, a.id, s.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    block_on(w.desk.lock_ticket(w.bob, a.id)).unwrap();
    assert!(matches!(
        block_on(w.desk.merge_tickets(w.alice, a.id, s.id)),
        Err(DeskError::TicketLocked { .. })
    ));
    assert!(matches!(
        block_on(w.desk.merge_tickets(w.lacey, a.id, s.id)),
        Err(DeskError::NotFound { .. })
    ));
    assert_eq!(w.get(a.id).state_id, default_states::OPEN);
    let _ = (StateType::Merged, Principal::SYSTEM);
}

#[test]
fn a_merge_from_a_stale_form_is_refused_and_moves_nothing() {
    let w = World::new();
    let source = w.ticket("source");
    let target = w.ticket("target");
    let opened_at = source.version;
    // Someone else changes the source after the merge form was opened.
    block_on(w.desk.update_ticket(
        w.bob,
        source.id,
        TicketUpdate {
            title: Some("renamed".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let before = block_on(w.desk.articles(w.alice, target.id)).unwrap().len();
    let err =
        block_on(
            w.desk
                .merge_tickets_at_version(w.alice, source.id, target.id, Some(opened_at)),
        )
        .unwrap_err();
    assert!(
        matches!(err, DeskError::VersionMismatch { expected, .. } if expected == opened_at),
        "{err:?}"
    );
    assert_eq!(w.get(source.id).state_id, default_states::OPEN);
    assert_eq!(
        block_on(w.desk.articles(w.alice, target.id)).unwrap().len(),
        before
    );
    // At the current version the merge goes through.
    let current = w.get(source.id).version;
    block_on(
        w.desk
            .merge_tickets_at_version(w.alice, source.id, target.id, Some(current)),
    )
    .unwrap();
    assert_eq!(w.get(source.id).state_id, default_states::MERGED);
}
