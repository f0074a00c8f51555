//! Embedding the help desk in a program, in memory, without a database.
//!
//! Creates agents, queues, a customer with customer users and tickets; locks, adds notes, merges,
//! runs a bulk action, and prints the histories.
//!
//! Run with `cargo run -p otrs-examples --example embed_desk`.

use std::collections::BTreeMap;
use std::sync::Arc;

use otrs_core::clock::SystemClock;
use otrs_core::desk::{
    ArticleInput, ArticleKind, BulkAction, BulkNote, NewAgent, NewCustomer, NewCustomerUser,
    NewQueue, NewTicket, TicketUpdate,
};
use otrs_core::ids::GroupId;
use otrs_core::model::{PermissionSet, Priority};
use otrs_core::store::MemoryStore;
use otrs_core::{Desk, DeskConfig, DeskError, Principal, block_on};

fn main() -> Result<(), DeskError> {
    block_on(run())
}

async fn run() -> Result<(), DeskError> {
    let desk = Desk::new(
        MemoryStore::new(),
        Arc::new(SystemClock),
        DeskConfig::default(),
    );
    desk.initialize().await?;
    let system = Principal::SYSTEM;

    // People and places.
    let hotline = desk
        .create_queue(system, NewQueue::new("Hotline", GroupId::USERS))
        .await?;
    let agent = |login: &str, first: &str| NewAgent {
        login: login.into(),
        first_name: first.into(),
        last_name: "Agent".into(),
        email: format!("{login}@example.com"),
        password_hash: None,
        must_change_password: false,
        groups: BTreeMap::from([(GroupId::USERS, PermissionSet::RW)]),
    };
    let alice = Principal::Agent(desk.create_agent(system, agent("alice", "Alice")).await?.id);
    let bob = Principal::Agent(desk.create_agent(system, agent("bob", "Bob")).await?.id);
    desk.create_customer(
        alice,
        NewCustomer {
            customer_id: "SSI".into(),
            name: "Super Support Inc.".into(),
            ..Default::default()
        },
    )
    .await?;
    let customer_user = |login: &str, first: &str, last: &str| NewCustomerUser {
        login: login.into(),
        first_name: first.into(),
        last_name: last.into(),
        email: format!("{login}@example.org"),
        customer_id: "SSI".into(),
        ..Default::default()
    };
    let lacey = desk
        .create_customer_user(alice, customer_user("lacey", "Lacey", "Green"))
        .await?;
    let robert = desk
        .create_customer_user(alice, customer_user("robert", "Robert", "Meyer"))
        .await?;

    // Tickets.
    let mut new = NewTicket::new(
        "Keyboard needed",
        hotline.id,
        ArticleInput::new(
            ArticleKind::PhoneInbound,
            "Keyboard",
            "My keyboard stopped working.",
        ),
    );
    new.customer_user = Some(lacey.id);
    let first = desk.create_ticket(alice, new).await?;
    let mut new = NewTicket::new(
        "Keyboard still needed",
        hotline.id,
        ArticleInput::new(
            ArticleKind::PhoneInbound,
            "Keyboard",
            "Any news about my keyboard?",
        ),
    );
    new.customer_user = Some(robert.id);
    let second = desk.create_ticket(alice, new).await?;
    println!("created {} and {}", first.number, second.number);

    // Bob takes the first ticket and writes a note; Alice cannot lock it now.
    desk.lock_ticket(bob, first.id).await?;
    desk.add_article(
        bob,
        first.id,
        ArticleInput::note("Ordering a new keyboard."),
    )
    .await?;
    match desk.lock_ticket(alice, first.id).await {
        Err(error) => println!("alice: {error}"),
        Ok(_) => unreachable!("bob holds the lock"),
    }
    desk.update_ticket(
        bob,
        first.id,
        TicketUpdate {
            priority: Some(Priority::HIGH),
            ..Default::default()
        },
    )
    .await?;
    desk.unlock_ticket(bob, first.id).await?;

    // The second ticket is the same request: merge it into the first.
    desk.merge_tickets(alice, second.id, first.id).await?;

    // A bulk note on everything still open.
    let third = desk
        .create_ticket(
            alice,
            NewTicket::new(
                "Mouse needed",
                hotline.id,
                ArticleInput::note("Lacey also needs a mouse."),
            ),
        )
        .await?;
    let report = desk
        .bulk(
            alice,
            BulkAction {
                tickets: vec![first.id, third.id],
                note: Some(BulkNote {
                    subject: "Hardware order".into(),
                    body: "Ordered with the weekly batch.".into(),
                    visible_for_customer: true,
                    time_units: None,
                }),
                ..Default::default()
            },
        )
        .await?;
    for outcome in &report.outcomes {
        println!(
            "bulk: ticket {} → {:?}",
            outcome.number.as_deref().unwrap_or("?"),
            outcome.outcome
        );
    }

    for ticket in [first.id, second.id, third.id] {
        let t = desk.ticket(alice, ticket).await?;
        println!("\nhistory of {} ({})", t.number, t.title);
        for row in desk.history(alice, ticket).await? {
            let e = row.entry;
            println!(
                "  {}  {:<20} {}",
                e.created_at.format("%H:%M:%S"),
                e.history_type.name(),
                e.params.join(" | ")
            );
        }
    }
    Ok(())
}

#[test]
fn example_runs() {
    main().expect("the example runs without errors");
}
