use otrs_core::ids::KbArticleId;
use otrs_core::model::{LinkType, ObjectRef};
use otrs_core::{DeskError, block_on};

use crate::common::World;

fn t(id: otrs_core::ids::TicketId) -> ObjectRef {
    ObjectRef::Ticket(id)
}

#[test]
fn links_refuse_self_duplicates_and_cycles() {
    let w = World::new();
    let (a, b, c) = (w.ticket("a"), w.ticket("b"), w.ticket("c"));
    assert!(matches!(
        block_on(w.desk.link(w.alice, t(a.id), t(a.id), LinkType::Normal)),
        Err(DeskError::LinkRefused { .. })
    ));
    block_on(w.desk.link(w.alice, t(a.id), t(b.id), LinkType::Normal)).unwrap();
    assert!(
        matches!(
            block_on(w.desk.link(w.alice, t(b.id), t(a.id), LinkType::Normal)),
            Err(DeskError::LinkRefused { .. })
        ),
        "Normal A–B equals B–A"
    );
    block_on(
        w.desk
            .link(w.alice, t(a.id), t(b.id), LinkType::ParentChild),
    )
    .unwrap();
    block_on(
        w.desk
            .link(w.alice, t(b.id), t(c.id), LinkType::ParentChild),
    )
    .unwrap();
    let err = block_on(
        w.desk
            .link(w.alice, t(c.id), t(a.id), LinkType::ParentChild),
    )
    .unwrap_err();
    assert!(err.to_string().contains("cycle"), "{err}");
    // Knowledge-base articles can be linked now; one that does not exist is not found.
    assert!(matches!(
        block_on(w.desk.link(
            w.alice,
            t(a.id),
            ObjectRef::KbArticle(KbArticleId(1)),
            LinkType::Normal
        )),
        Err(DeskError::NotFound { .. })
    ));
    assert_eq!(
        w.history_types(a.id)
            .iter()
            .filter(|h| *h == "TicketLinkAdd")
            .count(),
        2
    );
}

#[test]
fn linking_needs_rw_on_the_source_and_ro_on_the_target_and_unlinking_writes_history() {
    let w = World::new();
    let a = w.ticket("a");
    let s = w.ticket_in(w.alice, w.support, "s");
    assert!(matches!(
        block_on(w.desk.link(w.carol, t(a.id), t(s.id), LinkType::Normal)),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        block_on(w.desk.link(w.bob, t(a.id), t(s.id), LinkType::Normal)),
        Err(DeskError::PermissionDenied { .. })
    ));
    let link = block_on(w.desk.link(w.alice, t(a.id), t(s.id), LinkType::Normal)).unwrap();
    // bob cannot see the support end, so he does not see the link either.
    assert!(block_on(w.desk.links(w.bob, t(a.id))).unwrap().is_empty());
    assert_eq!(block_on(w.desk.links(w.alice, t(a.id))).unwrap().len(), 1);
    assert!(block_on(w.desk.unlink(w.bob, link.id)).is_err());
    block_on(w.desk.unlink(w.alice, link.id)).unwrap();
    assert!(
        w.history_types(s.id)
            .contains(&"TicketLinkDelete".to_owned())
    );
    assert!(matches!(
        block_on(w.desk.unlink(w.alice, link.id)),
        Err(DeskError::NotFound { .. })
    ));
}
