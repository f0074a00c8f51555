//! A small desk with agents, queues and customers, at a fixed time.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use otrs_core::clock::ManualClock;
use otrs_core::desk::{
    ArticleInput, ArticleKind, NewAgent, NewCustomer, NewCustomerUser, NewGroup, NewQueue,
    NewTicket,
};
use otrs_core::ids::{AgentId, CustomerUserId, GroupId, QueueId, TicketId};
use otrs_core::model::{PermissionSet, Ticket};
use otrs_core::store::MemoryStore;
use otrs_core::{Desk, DeskConfig, Principal, block_on};

#[derive(Debug)]
pub struct World {
    pub desk: Desk<MemoryStore>,
    pub clock: Arc<ManualClock>,
    pub admin: Principal,
    /// rw on users (Postmaster, Raw, Misc, Junk) and on "support".
    pub alice: Principal,
    /// rw on users.
    pub bob: Principal,
    /// ro on users only.
    pub carol: Principal,
    /// no groups at all.
    pub dave: Principal,
    /// rw on "support" only.
    pub erin: Principal,
    pub postmaster: QueueId,
    pub misc: QueueId,
    pub support: QueueId,
    pub lacey: Principal,
    pub robert: Principal,
    /// A customer user of another company.
    pub mallory: Principal,
}

pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 3, 25, 9, 0, 0).unwrap()
}

pub fn rw(groups: &[GroupId]) -> BTreeMap<GroupId, PermissionSet> {
    groups.iter().map(|g| (*g, PermissionSet::RW)).collect()
}

pub fn agent(login: &str, groups: BTreeMap<GroupId, PermissionSet>) -> NewAgent {
    NewAgent {
        login: login.into(),
        first_name: login[..1].to_uppercase() + &login[1..],
        last_name: "Agent".into(),
        email: format!("{login}@example.com"),
        password_hash: None,
        must_change_password: false,
        groups,
    }
}

impl World {
    pub fn new() -> World {
        let clock = Arc::new(ManualClock::new(start()));
        let desk = Desk::new(MemoryStore::new(), clock.clone(), DeskConfig::default());
        let sys = Principal::SYSTEM;
        block_on(desk.initialize()).unwrap();
        let support_group = block_on(desk.create_group(
            sys,
            NewGroup {
                name: "support".into(),
                comment: String::new(),
            },
        ))
        .unwrap()
        .id;
        let support = block_on(desk.create_queue(sys, NewQueue::new("Support", support_group)))
            .unwrap()
            .id;
        let postmaster = block_on(desk.queue_by_name(sys, "Postmaster")).unwrap().id;
        let misc = block_on(desk.queue_by_name(sys, "Misc")).unwrap().id;
        let mk = |login: &str, groups| {
            Principal::Agent(
                block_on(desk.create_agent(sys, agent(login, groups)))
                    .unwrap()
                    .id,
            )
        };
        let admin = mk("admin", rw(&[GroupId::USERS, GroupId::ADMIN]));
        let alice = mk("alice", rw(&[GroupId::USERS, support_group]));
        let bob = mk("bob", rw(&[GroupId::USERS]));
        let carol = mk(
            "carol",
            [(GroupId::USERS, PermissionSet::RO)].into_iter().collect(),
        );
        let dave = mk("dave", BTreeMap::new());
        let erin = mk("erin", rw(&[support_group]));
        for (id, name) in [("SSI", "Super Support Inc."), ("OTHER", "Other Corp.")] {
            block_on(desk.create_customer(
                sys,
                NewCustomer {
                    customer_id: id.into(),
                    name: name.into(),
                    ..Default::default()
                },
            ))
            .unwrap();
        }
        let mk_user = |login: &str, customer: &str| {
            let user = block_on(desk.create_customer_user(
                sys,
                NewCustomerUser {
                    login: login.into(),
                    first_name: login[..1].to_uppercase() + &login[1..],
                    last_name: "Customer".into(),
                    email: format!("{login}@example.org"),
                    customer_id: customer.into(),
                    ..Default::default()
                },
            ))
            .unwrap();
            Principal::Customer(user.id)
        };
        let lacey = mk_user("lacey", "SSI");
        let robert = mk_user("robert", "SSI");
        let mallory = mk_user("mallory", "OTHER");
        World {
            desk,
            clock,
            admin,
            alice,
            bob,
            carol,
            dave,
            erin,
            postmaster,
            misc,
            support,
            lacey,
            robert,
            mallory,
        }
    }

    pub fn agent_id(p: Principal) -> AgentId {
        p.agent().expect("an agent")
    }

    pub fn customer_id(p: Principal) -> CustomerUserId {
        match p {
            Principal::Customer(id) => id,
            Principal::Agent(_) => panic!("not a customer"),
        }
    }

    /// A phone ticket by alice in Postmaster for lacey.
    pub fn ticket(&self, title: &str) -> Ticket {
        self.ticket_in(self.alice, self.postmaster, title)
    }

    pub fn ticket_in(&self, actor: Principal, queue: QueueId, title: &str) -> Ticket {
        let mut new = NewTicket::new(
            title,
            queue,
            ArticleInput::new(ArticleKind::PhoneInbound, title, "Customer called."),
        );
        new.customer_user = Some(Self::customer_id(self.lacey));
        block_on(self.desk.create_ticket(actor, new)).unwrap()
    }

    pub fn get(&self, id: TicketId) -> Ticket {
        block_on(self.desk.ticket(Principal::SYSTEM, id)).unwrap()
    }

    pub fn history_types(&self, id: TicketId) -> Vec<String> {
        block_on(self.desk.history(Principal::SYSTEM, id))
            .unwrap()
            .into_iter()
            .map(|h| h.entry.history_type.name().to_owned())
            .collect()
    }
}
