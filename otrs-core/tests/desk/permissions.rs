use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket};
use otrs_core::store::{PageRequest, TicketFilter, TicketSort};
use otrs_core::{DeskError, Principal, block_on};

use crate::common::World;

#[test]
fn customers_see_their_own_and_their_companys_tickets_only() {
    let w = World::new();
    let mine = w.ticket("lacey's");
    let mut other = NewTicket::new(
        "mallory's",
        w.postmaster,
        ArticleInput::new(ArticleKind::PhoneInbound, "x", "y"),
    );
    other.customer_user = Some(World::customer_id(w.mallory));
    let other = block_on(w.desk.create_ticket(w.alice, other)).unwrap();
    let list = |p: Principal| {
        block_on(w.desk.list_tickets(
            p,
            TicketFilter::default(),
            TicketSort::default(),
            PageRequest::first(50),
        ))
        .unwrap()
        .tickets
        .into_iter()
        .map(|t| t.id)
        .collect::<Vec<_>>()
    };
    assert_eq!(list(w.lacey), [mine.id]);
    assert_eq!(list(w.robert), [mine.id], "company tickets");
    assert_eq!(list(w.mallory), [other.id]);
    assert!(
        matches!(
            block_on(w.desk.ticket(w.mallory, mine.id)),
            Err(DeskError::NotFound { .. })
        ),
        "no probing"
    );
    assert!(matches!(
        block_on(w.desk.ticket_by_number(w.mallory, &mine.number)),
        Err(DeskError::NotFound { .. })
    ));
    assert!(matches!(
        block_on(w.desk.history(w.lacey, mine.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(block_on(w.desk.agents(w.lacey)).is_err());
    let companies = block_on(
        w.desk
            .customers(w.lacey, Default::default(), PageRequest::first(10)),
    )
    .unwrap();
    assert_eq!(companies.items.len(), 1);
    assert_eq!(companies.items[0].customer_id, "SSI");
}

#[test]
fn agents_see_queues_they_may_read_plus_their_own_tickets() {
    let w = World::new();
    let support = w.ticket_in(w.alice, w.support, "support");
    let pm = w.ticket("pm");
    let list = |p: Principal| {
        let mut ids: Vec<_> = block_on(w.desk.list_tickets(
            p,
            TicketFilter::default(),
            TicketSort::default(),
            PageRequest::first(50),
        ))
        .unwrap()
        .tickets
        .into_iter()
        .map(|t| t.id)
        .collect();
        ids.sort();
        ids
    };
    assert_eq!(list(w.alice), [support.id, pm.id]);
    assert_eq!(list(w.bob), [pm.id]);
    assert_eq!(list(w.carol), [pm.id], "ro is enough to list");
    assert!(list(w.dave).is_empty());
    assert_eq!(list(w.erin), [support.id]);
    block_on(w.desk.watch_ticket(w.alice, pm.id)).unwrap();
    // dave becomes responsible for the Postmaster ticket: he sees it now.
    let to_dave = otrs_core::desk::TicketUpdate {
        responsible: Some(World::agent_id(w.dave)),
        ..Default::default()
    };
    assert!(
        block_on(w.desk.update_ticket(w.alice, pm.id, to_dave)).is_err(),
        "dave may not read Postmaster, so he cannot be responsible"
    );
    assert!(matches!(
        block_on(w.desk.ticket(w.dave, pm.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
}

#[test]
fn invalid_agents_can_do_nothing() {
    let w = World::new();
    let t = w.ticket("x");
    let update = otrs_core::desk::AgentUpdate {
        validity: Some(otrs_core::model::Validity::Invalid),
        ..Default::default()
    };
    block_on(w.desk.update_agent(w.admin, World::agent_id(w.bob), update)).unwrap();
    assert!(matches!(
        block_on(w.desk.ticket(w.bob, t.id)),
        Err(DeskError::NotAuthenticated(_))
    ));
}

#[test]
fn only_admins_administer_and_agents_edit_only_themselves() {
    let w = World::new();
    let g = otrs_core::desk::NewGroup {
        name: "x".into(),
        comment: String::new(),
    };
    assert!(matches!(
        block_on(w.desk.create_group(w.alice, g.clone())),
        Err(DeskError::PermissionDenied { .. })
    ));
    block_on(w.desk.create_group(w.admin, g.clone())).unwrap();
    assert!(matches!(
        block_on(w.desk.create_group(w.admin, g)),
        Err(DeskError::Duplicate { .. })
    ));
    let me = otrs_core::desk::AgentUpdate {
        first_name: Some("Alicia".into()),
        ..Default::default()
    };
    block_on(
        w.desk
            .update_agent(w.alice, World::agent_id(w.alice), me.clone()),
    )
    .unwrap();
    assert!(block_on(w.desk.update_agent(w.alice, World::agent_id(w.bob), me)).is_err());
    let promote = otrs_core::desk::AgentUpdate {
        groups: Some(crate::common::rw(&[otrs_core::ids::GroupId::ADMIN])),
        ..Default::default()
    };
    assert!(
        block_on(
            w.desk
                .update_agent(w.alice, World::agent_id(w.alice), promote)
        )
        .is_err(),
        "no self-promotion"
    );
    assert!(block_on(w.desk.create_customer(w.lacey, Default::default())).is_err());
}
