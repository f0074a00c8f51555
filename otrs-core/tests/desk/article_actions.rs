//! Article actions of the detail view: rights on a ticket, redirect, split and unlinking
//! non-ticket objects; each all-or-nothing and refused without the permission.

use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket};
use otrs_core::model::{
    Channel, HistoryType, MessageStatus, ObjectRef, OutgoingMessage, Permission,
};
use otrs_core::store::{Store, StoreTx};
use otrs_core::{DeskError, Principal, block_on};

use crate::common::World;

fn outbox(w: &World) -> Vec<OutgoingMessage> {
    let mut tx = block_on(w.desk.store().begin()).unwrap();
    let pending = block_on(tx.pending_messages(100)).unwrap();
    block_on(tx.rollback()).unwrap();
    pending
        .into_iter()
        .filter(|m| m.status == MessageStatus::Pending)
        .collect()
}

fn email(w: &World, ticket: otrs_core::ids::TicketId) -> otrs_core::ids::ArticleId {
    let mut input = ArticleInput::new(ArticleKind::EmailInbound, "Broken", "It is broken.");
    input.from = Some("Lacey <lacey@example.org>".into());
    block_on(w.desk.add_article(Principal::SYSTEM, ticket, input))
        .unwrap()
        .id
}

#[test]
fn rights_list_what_the_agent_holds() {
    let w = World::new();
    let t = w.ticket("rights");
    let alice = block_on(w.desk.ticket_rights(w.alice, t.id)).unwrap();
    assert!(alice.contains(&Permission::Rw) && alice.contains(&Permission::Ro));
    let carol = block_on(w.desk.ticket_rights(w.carol, t.id)).unwrap();
    assert_eq!(carol, [Permission::Ro]);
    assert!(matches!(
        block_on(w.desk.ticket_rights(w.dave, t.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    let first = block_on(w.desk.articles(w.alice, t.id)).unwrap()[0].id;
    assert_eq!(block_on(w.desk.article(w.carol, first)).unwrap().id, first);
    assert!(block_on(w.desk.article(w.dave, first)).is_err());
}

#[test]
fn redirect_queues_the_mail_records_it_and_can_inform_the_sender() {
    let w = World::new();
    let t = w.ticket("redirect");
    let article = email(&w, t.id);
    let queued = outbox(&w).len();
    // Bad input and missing rights change nothing.
    for (actor, to) in [
        (w.alice, "nobody"),
        (w.alice, ""),
        (w.carol, "x@example.org"),
    ] {
        let before = w.get(t.id).version;
        assert!(block_on(w.desk.redirect_article(actor, article, to, true)).is_err());
        assert_eq!(w.get(t.id).version, before);
        assert_eq!(outbox(&w).len(), queued);
    }
    // Only e-mails.
    let phone = block_on(w.desk.articles(w.alice, t.id)).unwrap()[0].id;
    assert!(matches!(
        block_on(
            w.desk
                .redirect_article(w.alice, phone, "x@example.org", false)
        ),
        Err(DeskError::NotAllowed { .. })
    ));
    let done = block_on(
        w.desk
            .redirect_article(w.alice, article, "printers@example.net", true),
    )
    .unwrap();
    assert_eq!(done.message.to, "printers@example.net");
    assert_eq!(done.message.from, "Lacey <lacey@example.org>");
    assert_eq!(done.message.body, "It is broken.");
    let notice = done.notice.unwrap();
    assert_eq!(notice.channel, Channel::Email);
    assert_eq!(notice.to, "Lacey <lacey@example.org>");
    assert_eq!(outbox(&w).len(), queued + 2, "the redirect and the notice");
    let types = w.history_types(t.id);
    assert!(
        types.contains(&HistoryType::Bounce.name().to_owned()),
        "{types:?}"
    );
}

#[test]
fn split_creates_a_linked_ticket_or_nothing() {
    let w = World::new();
    let t = w.ticket("split me");
    let article = block_on(w.desk.articles(w.alice, t.id)).unwrap()[0].clone();
    let new = |title: &str| {
        let mut n = NewTicket::new(
            title,
            w.postmaster,
            ArticleInput::new(ArticleKind::PhoneInbound, title, article.body.clone()),
        );
        n.customer_user = t.customer_user_id;
        n
    };
    let count = || {
        block_on(w.desk.list_tickets(
            Principal::SYSTEM,
            Default::default(),
            Default::default(),
            otrs_core::store::PageRequest::first(100),
        ))
        .unwrap()
        .total
    };
    let before = count();
    assert!(matches!(
        block_on(w.desk.split_article(w.alice, article.id, new(""), true)),
        Err(DeskError::Invalid(_))
    ));
    assert!(matches!(
        block_on(w.desk.split_article(w.carol, article.id, new("x"), true)),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert_eq!(count(), before, "nothing was created");
    let (created, link) =
        block_on(
            w.desk
                .split_article(w.alice, article.id, new("Split off"), false),
        )
        .unwrap();
    assert_eq!(created.title, "Split off");
    assert_eq!(count(), before + 1);
    assert_eq!(link.source, ObjectRef::Ticket(t.id));
    assert_eq!(link.target, ObjectRef::Ticket(created.id));
    let articles = block_on(w.desk.articles(w.alice, created.id)).unwrap();
    assert_eq!(articles[0].body, "Customer called.");
}
