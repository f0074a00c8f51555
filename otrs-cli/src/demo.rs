//! Demo data like the manual's examples: the default queues, agents (one an admin), the customer
//! Super Support Inc. with Lacey Green and Robert Meyer, and about fifty tickets in varied states
//! with articles, a pending reminder, links and a merged pair; and a small knowledge base
//! (categories Misc, Hardware, Software and Software::E-Mail with articles in every state, a
//! file, votes and a link to a ticket).
//!
//! The data is written through the desk like any other change, by a desk whose clock walks from
//! thirty days ago to now, so that tickets have believable ages and histories.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use otrs_core::clock::ManualClock;
use otrs_core::desk::{
    ArticleInput, ArticleKind, BulkAction, BulkMerge, KbArticleInput, NewAgent, NewCustomer,
    NewCustomerUser, NewKbCategory, NewTicket, TicketUpdate,
};
use otrs_core::ids::{AgentId, CustomerUserId, GroupId, KbCategoryId, TicketId};
use otrs_core::model::{
    KbContentType, KbState, LinkType, NewAttachment, ObjectRef, PermissionSet, Priority, TimeUnits,
    default_states,
};
use otrs_core::store::{PageRequest, Store, TicketFilter, TicketSort};
use otrs_core::{Desk, DeskConfig, DeskError, Principal};

/// The demo agents' password (agents need at least 12 characters).
pub const AGENT_PASSWORD: &str = "demo-password";
/// The demo customer users' password (8+ characters, 2 upper, 2 lower, 1 digit).
pub const CUSTOMER_PASSWORD: &str = "DemoPass12";

/// What the demo created, for the start-up message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoInfo {
    /// Sign-in of the admin agent.
    pub admin_login: String,
    /// Sign-ins of the other agents.
    pub agent_logins: Vec<String>,
    /// Sign-ins of the customer users.
    pub customer_logins: Vec<String>,
    /// Tickets created.
    pub tickets: usize,
}

const TITLES: [&str; 25] = [
    "New keyboard needed",
    "Printer on floor 2 is offline",
    "VPN drops every hour",
    "Cannot open the invoice PDF",
    "Password reset for the CRM",
    "Laptop battery swells",
    "E-mail signature looks broken",
    "Request for a second monitor",
    "Wi-Fi slow in meeting room B",
    "Access to the sales share",
    "Phone headset crackles",
    "Outlook keeps asking for the password",
    "New employee starts on Monday",
    "Projector in the lobby flickers",
    "Backup report shows errors",
    "Licence for the design software",
    "Mouse double-clicks by itself",
    "Shipping labels print blank",
    "Calendar invitations arrive late",
    "USB-C dock does not charge",
    "Website contact form returns an error",
    "Scanner sends to the wrong folder",
    "Teams camera is black",
    "Order status page is slow",
    "Invoice 2020-0042 has a wrong address",
];

const BODIES: [&str; 5] = [
    "Hello,\n\nsince this morning it does not work any more. Could you please have a look?\n\nThanks",
    "Hi team,\n\nthis happens several times a day and blocks our work.\n\nBest regards",
    "Good morning,\n\nwe noticed the problem after the update last week.\n\nKind regards",
    "Hello,\n\ncould you tell me when this can be done?\n\nThank you",
    "Hi,\n\nthe issue is back again. Steps to reproduce are attached to the previous message.\n\nRegards",
];

/// Loads the demo data into a store that has its initial data. `hash` turns a password into the
/// stored hash (the server's argon2id hasher). `now` is the real current time.
pub async fn load<S: Store + Clone>(
    store: &S,
    config: &DeskConfig,
    now: DateTime<Utc>,
    hash: impl Fn(&str) -> String,
    mut progress: impl FnMut(usize, usize),
) -> Result<DemoInfo, DeskError> {
    let start = now - Duration::days(30);
    let clock = Arc::new(ManualClock::new(start));
    let desk = Desk::new(store.clone(), clock.clone(), config.clone());
    let sys = Principal::SYSTEM;
    desk.initialize().await?;
    const TICKETS: usize = 50;
    let total_steps = TICKETS + 10;
    let mut step = 0;
    let mut tick = |n: usize, progress: &mut dyn FnMut(usize, usize)| {
        step += n;
        progress(step.min(total_steps), total_steps);
    };

    // Queues: the initial Postmaster, Raw, Junk and Misc, plus the ones the manual's examples use.
    let queue = |name: &str| {
        let desk = &desk;
        let name = name.to_owned();
        async move { desk.queue_by_name(sys, &name).await }
    };
    let postmaster = queue("Postmaster").await?.id;
    let raw = queue("Raw").await?.id;
    let misc = queue("Misc").await?.id;
    let junk = queue("Junk").await?.id;

    // Agents.
    let groups = |admin: bool| {
        let mut map = BTreeMap::from([
            (GroupId::USERS, PermissionSet::RW),
            (GroupId::STATS, PermissionSet::RO),
        ]);
        if admin {
            map.insert(GroupId::ADMIN, PermissionSet::RW);
            map.insert(GroupId::STATS, PermissionSet::RW);
        }
        map
    };
    let password = hash(AGENT_PASSWORD);
    let mut agents: Vec<AgentId> = Vec::new();
    let mut agent_logins = Vec::new();
    for (login, first, last, admin) in [
        ("admin", "Anna", "Admin", true),
        ("lisa", "Lisa", "Miller", false),
        ("tom", "Tom", "Becker", false),
        ("mia", "Mia", "Schmidt", false),
    ] {
        let agent = desk
            .create_agent(
                sys,
                NewAgent {
                    login: login.into(),
                    first_name: first.into(),
                    last_name: last.into(),
                    email: format!("{login}@example.com"),
                    password_hash: Some(password.clone()),
                    must_change_password: false,
                    groups: groups(admin),
                },
            )
            .await?;
        agents.push(agent.id);
        if !admin {
            agent_logins.push(login.to_owned());
        }
    }
    tick(5, &mut progress);

    // Customers and customer users.
    for (id, name, city) in [
        ("SSI", "Super Support Inc.", "Springfield"),
        ("FCE", "Fast Company Example", "Shelbyville"),
    ] {
        desk.create_customer(
            sys,
            NewCustomer {
                customer_id: id.into(),
                name: name.into(),
                city: city.into(),
                country: "United States".into(),
                url: format!("https://{}.example.com", id.to_lowercase()),
                ..Default::default()
            },
        )
        .await?;
    }
    let customer_password = hash(CUSTOMER_PASSWORD);
    let mut customers: Vec<CustomerUserId> = Vec::new();
    let mut customer_logins = Vec::new();
    for (login, first, last, company) in [
        ("lacey", "Lacey", "Green", "SSI"),
        ("robert", "Robert", "Meyer", "SSI"),
        ("jane", "Jane", "Doe", "FCE"),
    ] {
        let user = desk
            .create_customer_user(
                sys,
                NewCustomerUser {
                    login: login.into(),
                    first_name: first.into(),
                    last_name: last.into(),
                    email: format!("{login}@example.org"),
                    customer_id: company.into(),
                    phone: "+1 555 0100".into(),
                    password_hash: Some(customer_password.clone()),
                    ..Default::default()
                },
            )
            .await?;
        customers.push(user.id);
        customer_logins.push(login.to_owned());
    }
    tick(5, &mut progress);

    // Tickets, one every ~14 hours of the last thirty days.
    let queues = [postmaster, postmaster, misc, raw, postmaster, misc, junk];
    let step = Duration::minutes(30 * 24 * 60 / TICKETS as i64);
    let mut tickets: Vec<TicketId> = Vec::new();
    for i in 0..TICKETS {
        clock.set(start + step * i as i32);
        let agent = Principal::Agent(agents[1 + i % 3]);
        let customer = customers[i % customers.len()];
        let title = TITLES[i % TITLES.len()];
        let body = BODIES[i % BODIES.len()];
        let ticket = if i % 4 == 3 {
            // A customer wrote in through the portal.
            let new = NewTicket::new(
                title,
                postmaster,
                ArticleInput::new(ArticleKind::Portal, title, body),
            );
            desk.create_ticket(Principal::Customer(customer), new)
                .await?
        } else {
            let mut new = NewTicket::new(
                title,
                queues[i % queues.len()],
                ArticleInput::new(ArticleKind::PhoneInbound, title, body),
            );
            new.customer_user = Some(customer);
            new.priority = Priority::new(1 + (i % 5) as u8);
            desk.create_ticket(agent, new).await?
        };
        tickets.push(ticket.id);
        clock.advance(Duration::minutes(40));
        match i % 7 {
            // Answered by e-mail and closed.
            0 | 4 => {
                let reply = ArticleInput {
                    time_units: Some(TimeUnits::from_units(15)),
                    ..ArticleInput::new(
                        ArticleKind::EmailOutbound,
                        format!("Re: {title}"),
                        "Hello,\n\nthis is fixed now. Please let us know if anything is still wrong.\n\nYour service desk",
                    )
                };
                desk.add_article(agent, ticket.id, reply).await?;
                clock.advance(Duration::hours(2));
                let state = if i % 7 == 0 {
                    default_states::CLOSED_SUCCESSFUL
                } else {
                    default_states::CLOSED_UNSUCCESSFUL
                };
                desk.update_ticket(
                    agent,
                    ticket.id,
                    TicketUpdate {
                        state: Some(state),
                        ..Default::default()
                    },
                )
                .await?;
            }
            // Being worked on: locked, with an internal note.
            1 => {
                desk.lock_ticket(agent, ticket.id).await?;
                let note = ArticleInput {
                    time_units: Some(TimeUnits::from_units(10)),
                    ..ArticleInput::note("Checked the logs; waiting for the vendor.")
                };
                desk.add_article(agent, ticket.id, note).await?;
            }
            // Waiting for the customer.
            2 => {
                let pending = TicketUpdate {
                    state: Some(default_states::PENDING_AUTO_CLOSE_PLUS),
                    pending_until: Some(now + Duration::days(3 + (i % 4) as i64)),
                    ..Default::default()
                };
                desk.update_ticket(agent, ticket.id, pending).await?;
            }
            // A visible note to the customer.
            3 => {
                let note = ArticleInput {
                    visible_for_customer: Some(true),
                    ..ArticleInput::note("We have ordered the replacement part.")
                };
                desk.add_article(agent, ticket.id, note).await?;
            }
            _ => {}
        }
        tick(1, &mut progress);
    }
    clock.set(now - Duration::hours(1));

    // A pending reminder for the first agent.
    let reminder = tickets[5];
    let lisa = Principal::Agent(agents[1]);
    desk.lock_ticket(lisa, reminder).await?;
    desk.update_ticket(
        lisa,
        reminder,
        TicketUpdate {
            state: Some(default_states::PENDING_REMINDER),
            pending_until: Some(now + Duration::hours(20)),
            ..Default::default()
        },
    )
    .await?;

    // Links: a parent with two children and a plain link.
    let tom = Principal::Agent(agents[2]);
    desk.link(
        tom,
        ObjectRef::Ticket(tickets[12]),
        ObjectRef::Ticket(tickets[13]),
        LinkType::ParentChild,
    )
    .await?;
    desk.link(
        tom,
        ObjectRef::Ticket(tickets[12]),
        ObjectRef::Ticket(tickets[20]),
        LinkType::ParentChild,
    )
    .await?;
    desk.link(
        tom,
        ObjectRef::Ticket(tickets[26]),
        ObjectRef::Ticket(tickets[33]),
        LinkType::Normal,
    )
    .await?;

    // A merged pair: the same request came in twice.
    let open = TicketFilter {
        state_ids: Some(vec![default_states::OPEN, default_states::NEW]),
        ..Default::default()
    };
    let page = desk
        .list_tickets(
            sys,
            open,
            TicketSort::parse("id").unwrap_or_default(),
            PageRequest::first(100),
        )
        .await?;
    let candidates: Vec<TicketId> = page
        .tickets
        .iter()
        .filter(|t| !t.lock.is_locked())
        .map(|t| t.id)
        .take(2)
        .collect();
    if candidates.len() == 2 {
        desk.bulk(
            tom,
            BulkAction {
                tickets: candidates,
                merge: BulkMerge::ToOldest,
                ..Default::default()
            },
        )
        .await?;
    }
    // The newest ticket is still untouched: new and unread.
    clock.set(now - Duration::minutes(50));
    knowledge_base(&desk, &clock, &agents, &customers, &tickets).await?;
    tick(10, &mut progress);

    Ok(DemoInfo {
        admin_login: "admin".into(),
        agent_logins,
        customer_logins,
        tickets: tickets.len(),
    })
}

/// One demo article: category path, title, state, keywords, symptom, problem, solution and the
/// internal comment.
type DemoArticle = (
    &'static str,
    &'static str,
    KbState,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const KB_ARTICLES: [DemoArticle; 7] = [
    (
        "Hardware",
        "Printer shows \"offline\" after a paper jam",
        KbState::Public,
        "printer offline paper jam",
        "<p>The printer is listed as offline although it is switched on.</p>",
        "<p>After a paper jam the printer stops its queue until it is reset.</p>",
        "<ol><li>Open the front cover and remove all paper.</li><li>Close the cover and wait until the display shows <em>Ready</em>.</li><li>Restart the print queue (see the attached steps).</li></ol>",
        "Floor 2 printer: the vendor replaces the roller at the next visit.",
    ),
    (
        "Hardware",
        "The USB-C dock does not charge the laptop",
        KbState::External,
        "dock usb-c charging monitor",
        "<p>The laptop runs on battery while it is docked.</p>",
        "<p>Older docks deliver too little power for the new laptops.</p>",
        "<p>Use the 90 W power supply of the dock, not the 65 W one. Ask the service desk for a replacement if yours has only 65 W.</p>",
        "",
    ),
    (
        "Software",
        "VPN connection drops every hour",
        KbState::External,
        "vpn network timeout disconnect",
        "<p>The VPN disconnects after about an hour and asks to sign in again.</p>",
        "<p>The session limit of the VPN gateway ends idle tunnels.</p>",
        "<p>Update the VPN client to version 5 or later; it keeps the tunnel alive.</p>",
        "Gateway firmware 4.2 has the bug; vendor case 7781 is open.",
    ),
    (
        "Software::E-Mail",
        "Outlook keeps asking for the password",
        KbState::Public,
        "outlook password e-mail prompt",
        "<p>Outlook shows the password prompt again and again.</p>",
        "<p>An old password is still stored in the credential manager.</p>",
        "<ol><li>Close Outlook.</li><li>Remove the entries for the mail server from the credential manager.</li><li>Start Outlook and sign in once.</li></ol>",
        "",
    ),
    (
        "Software::E-Mail",
        "E-mail signature looks broken on phones",
        KbState::Internal,
        "signature html e-mail mobile",
        "Customers see the signature as a grey box on their phones.",
        "The signature template embeds a large image.",
        "Use the text-only signature template for replies from the phone app.",
        "Marketing is redesigning the template; remove this article afterwards.",
    ),
    (
        "Misc",
        "How to request a second monitor",
        KbState::Public,
        "monitor hardware request order",
        "<p>You need a second screen at your desk.</p>",
        "",
        "<p>Open a ticket in the customer interface with the title <em>Second monitor</em> and your room number; we deliver within five working days.</p>",
        "",
    ),
    (
        "Software",
        "Resetting a CRM password for a colleague",
        KbState::Internal,
        "crm password reset admin",
        "A colleague cannot sign in to the CRM.",
        "",
        "Open the CRM admin page, search the user, choose Reset password and tell the colleague the one-time code by phone, never by e-mail.",
        "Only the CRM admins in the sales group can do this.",
    ),
];

/// Categories and articles of the knowledge base; the first article carries a file and is
/// linked to the printer ticket, and a few articles have votes.
async fn knowledge_base<S: Store>(
    desk: &Desk<S>,
    clock: &ManualClock,
    agents: &[AgentId],
    customers: &[CustomerUserId],
    tickets: &[TicketId],
) -> Result<(), DeskError> {
    let admin = Principal::Agent(agents[0]);
    let users: std::collections::BTreeSet<GroupId> = [GroupId::USERS].into();
    let category = |name: &str, parent: Option<KbCategoryId>, comment: &str| NewKbCategory {
        parent_id: parent,
        name: name.into(),
        comment: comment.into(),
        group_ids: users.clone(),
    };
    let misc = desk
        .kb_categories(admin)
        .await?
        .into_iter()
        .find(|n| n.path == "Misc")
        .map(|n| n.category.id);
    let hardware = desk
        .create_kb_category(
            admin,
            category("Hardware", None, "Devices and peripherals."),
        )
        .await?
        .id;
    let software = desk
        .create_kb_category(admin, category("Software", None, "Programs and services."))
        .await?
        .id;
    let email = desk
        .create_kb_category(admin, category("E-Mail", Some(software), "Mail clients."))
        .await?
        .id;
    let language = if desk.config().kb_languages.iter().any(|l| l == "en") {
        "en".to_owned()
    } else {
        desk.config()
            .kb_languages
            .first()
            .cloned()
            .unwrap_or_default()
    };
    let mut ids = Vec::new();
    for (i, (path, title, state, keywords, symptom, problem, solution, comment)) in
        KB_ARTICLES.into_iter().enumerate()
    {
        clock.advance(Duration::minutes(3));
        let category_id = match path {
            "Hardware" => hardware,
            "Software" => software,
            "Software::E-Mail" => email,
            _ => misc.unwrap_or(hardware),
        };
        let html = symptom.starts_with('<');
        let mut input = KbArticleInput {
            keywords: keywords.into(),
            language: language.clone(),
            state,
            content_type: if html {
                KbContentType::Html
            } else {
                KbContentType::Plain
            },
            symptom: symptom.into(),
            problem: problem.into(),
            solution: solution.into(),
            comment: comment.into(),
            ..KbArticleInput::new(category_id, title)
        };
        if i == 0 {
            input.attachments.push(NewAttachment {
                filename: "printer-reset.txt".into(),
                content_type: "text/plain".into(),
                content: Arc::from(
                    &b"1. Open the print queue.\n2. Choose Resume.\n3. Print a test page.\n"[..],
                ),
                content_id: None,
                inline: false,
            });
        }
        let author = Principal::Agent(agents[1 + i % 3]);
        let article = desk.create_kb_article(author, input).await?;
        if desk.config().kb_approval_required && state.customer_visible() {
            desk.set_kb_approval(admin, article.id, true, None).await?;
        }
        ids.push(article.id);
    }
    clock.advance(Duration::minutes(5));
    // The printer article answers the printer ticket.
    desk.link(
        Principal::Agent(agents[1]),
        ObjectRef::KbArticle(ids[0]),
        ObjectRef::Ticket(tickets[1]),
        LinkType::Normal,
    )
    .await?;
    // Votes: (voter, article, helpful).
    let votes = [
        (Principal::Customer(customers[0]), 0, true),
        (Principal::Customer(customers[1]), 0, true),
        (Principal::Agent(agents[2]), 0, false),
        (Principal::Customer(customers[0]), 2, true),
        (Principal::Customer(customers[1]), 2, false),
        (Principal::Customer(customers[2]), 3, true),
        (Principal::Agent(agents[3]), 4, true),
    ];
    for (voter, article, helpful) in votes {
        clock.advance(Duration::minutes(1));
        desk.vote_kb_article(voter, ids[article], helpful).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use otrs_core::block_on;
    use otrs_core::model::StateType;
    use otrs_core::store::MemoryStore;

    use super::*;

    #[test]
    fn demo_data_has_what_the_manual_shows() {
        let store = MemoryStore::new();
        let now = Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap();
        let mut last = (0, 0);
        let info = block_on(load(
            &store,
            &DeskConfig::default(),
            now,
            |p| format!("hash({p})"),
            |done, total| last = (done, total),
        ))
        .unwrap();
        assert_eq!(last.0, last.1, "progress reaches the end");
        assert_eq!(info.tickets, 50);
        let desk = Desk::new(
            store,
            Arc::new(ManualClock::new(now)),
            DeskConfig::default(),
        );
        let sys = Principal::SYSTEM;
        let all = block_on(desk.list_tickets(
            sys,
            TicketFilter::default(),
            TicketSort::default(),
            PageRequest::first(100),
        ))
        .unwrap();
        assert_eq!(all.total, 50);
        let states = otrs_core::model::StateCatalog::new(block_on(desk.states(sys)).unwrap());
        let count = |t: StateType| {
            all.tickets
                .iter()
                .filter(|x| states.type_of(x.state_id) == t)
                .count()
        };
        assert!(
            count(StateType::New) > 0 && count(StateType::Open) > 0 && count(StateType::Closed) > 0
        );
        assert_eq!(count(StateType::Merged), 1, "one merged pair");
        assert_eq!(count(StateType::PendingReminder), 1);
        assert!(count(StateType::PendingAuto) > 0);
        let lacey = block_on(desk.customer_user_by_login(sys, "lacey")).unwrap();
        assert_eq!(lacey.full_name(), "Lacey Green");
        assert_eq!(lacey.password_hash.as_deref(), Some("hash(DemoPass12)"));
        let admin = block_on(desk.agent_by_login(sys, "admin")).unwrap();
        assert!(admin.is_admin());
        let ssi = block_on(desk.customer_by_customer_id(sys, "SSI")).unwrap();
        assert_eq!(ssi.name, "Super Support Inc.");
        let oldest = all.tickets.iter().map(|t| t.created_at).min().unwrap();
        assert!(
            now - oldest >= Duration::days(29),
            "tickets spread over a month"
        );
        // The knowledge base.
        let paths: Vec<String> = block_on(desk.kb_categories(sys))
            .unwrap()
            .into_iter()
            .map(|n| n.path)
            .collect();
        assert_eq!(paths, ["Hardware", "Misc", "Software", "Software::E-Mail"]);
        let articles = block_on(desk.search_kb(sys, otrs_core::desk::KbQuery::default())).unwrap();
        assert_eq!(articles.total, 7);
        for state in KbState::ALL {
            assert!(
                articles.items.iter().any(|a| a.article.state == state),
                "{state}"
            );
        }
        let printer = articles
            .items
            .iter()
            .find(|a| a.article.title.starts_with("Printer"))
            .unwrap();
        assert_eq!(printer.article.attachments.len(), 1);
        let view = block_on(desk.kb_article(sys, printer.article.id)).unwrap();
        assert_eq!((view.rating.helpful, view.rating.votes), (2, 3));
        let links = block_on(desk.links(sys, ObjectRef::KbArticle(printer.article.id))).unwrap();
        assert_eq!(links.len(), 1);
        // Lacey sees the public and external articles only, without internal comments.
        let lacey_id = Principal::Customer(lacey.id);
        let seen = block_on(desk.search_kb(lacey_id, otrs_core::desk::KbQuery::default())).unwrap();
        assert_eq!(seen.total, 5);
        assert!(
            seen.items
                .iter()
                .all(|a| a.article.state.customer_visible())
        );
        assert!(seen.items.iter().all(|a| a.article.comment.is_empty()));
    }
}
