//! The same small world, written straight through the storage port, for the port tests.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use otrs_core::ids::{AgentId, CustomerUserId, GroupId, QueueId, TicketId};
use otrs_core::model::{
    Agent, Customer, CustomerUser, Group, LockState, PermissionSet, Principal, Priority, Queue,
    StateCatalog, Ticket, TimeUnits, Validity, default_states,
};
use otrs_core::store::{Store, StoreTx};

/// 2020-03-25 09:00 UTC, the time every test starts at.
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2020, 3, 25, 9, 0, 0).unwrap()
}

/// `start()` plus `seconds` (and a few microseconds, so that sub-second precision is tested).
pub fn at(seconds: i64) -> DateTime<Utc> {
    start() + Duration::seconds(seconds) + Duration::microseconds(seconds.rem_euclid(997))
}

#[derive(Debug, Clone, Copy)]
pub struct World {
    pub support_group: GroupId,
    pub postmaster: QueueId,
    pub support: QueueId,
    pub misc: QueueId,
    /// rw on users and support.
    pub alice: AgentId,
    /// rw on users.
    pub bob: AgentId,
    /// ro on users.
    pub carol: AgentId,
    /// Customer user of SSI (and of OTHER2 as an extra CustomerID).
    pub lacey: CustomerUserId,
    /// Customer user of OTHER.
    pub robert: CustomerUserId,
}

pub fn group(name: &str) -> Group {
    Group {
        id: GroupId(0),
        name: name.into(),
        comment: String::new(),
        validity: Validity::Valid,
        version: 0,
    }
}

pub fn queue(name: &str, group: GroupId) -> Queue {
    Queue {
        id: QueueId(0),
        name: name.into(),
        group_id: group,
        comment: String::new(),
        validity: Validity::Valid,
        unlock_timeout_minutes: 0,
        first_response_minutes: 0,
        update_minutes: 0,
        solution_minutes: 0,
        follow_up_possible: true,
        version: 0,
    }
}

pub fn agent(login: &str, groups: &[(GroupId, PermissionSet)]) -> Agent {
    Agent {
        id: AgentId(0),
        login: login.into(),
        first_name: login.to_uppercase(),
        last_name: "Agent".into(),
        email: format!("{login}@example.com"),
        validity: Validity::Valid,
        password_hash: None,
        must_change_password: false,
        failed_logins: 0,
        totp_secret: None,
        groups: groups.iter().copied().collect(),
        preferences: BTreeMap::new(),
        created_at: start(),
        version: 0,
    }
}

pub fn customer(customer_id: &str, name: &str) -> Customer {
    Customer {
        id: otrs_core::ids::CustomerId(0),
        customer_id: customer_id.into(),
        name: name.into(),
        street: String::new(),
        zip: String::new(),
        city: String::new(),
        country: String::new(),
        url: String::new(),
        comment: String::new(),
        validity: Validity::Valid,
        created_at: start(),
        version: 0,
    }
}

pub fn customer_user(login: &str, customer_id: &str) -> CustomerUser {
    CustomerUser {
        id: CustomerUserId(0),
        login: login.into(),
        title: String::new(),
        first_name: login[..1].to_uppercase() + &login[1..],
        last_name: "Customer".into(),
        email: format!("{login}@example.org"),
        customer_id: customer_id.into(),
        extra_customer_ids: Vec::new(),
        phone: String::new(),
        mobile: String::new(),
        street: String::new(),
        zip: String::new(),
        city: String::new(),
        country: String::new(),
        comment: String::new(),
        validity: Validity::Valid,
        password_hash: None,
        must_change_password: false,
        failed_logins: 0,
        totp_secret: None,
        groups: BTreeMap::new(),
        preferences: BTreeMap::new(),
        created_at: start(),
        version: 0,
    }
}

/// A ticket to insert, open and unlocked in `queue`, owned by nobody.
pub fn ticket(number: &str, queue: QueueId) -> Ticket {
    Ticket {
        id: TicketId(0),
        number: number.into(),
        title: format!("Ticket {number}"),
        queue_id: queue,
        state_id: default_states::OPEN,
        priority: Priority::NORMAL,
        lock: LockState::Unlocked,
        owner_id: AgentId::SYSTEM,
        responsible_id: AgentId::SYSTEM,
        customer_id: None,
        customer_user_id: None,
        pending_until: None,
        created_at: start(),
        created_by: Principal::SYSTEM,
        changed_at: start(),
        changed_by: Principal::SYSTEM,
        accounted_time: TimeUnits::ZERO,
        locked_at: None,
        version: 0,
    }
}

/// Writes the world: default states, the groups users (1), admin (2), stats (3) and support,
/// the system agent and three agents, three queues, two customers and two customer users.
pub async fn world<S: Store>(store: &S) -> World {
    let mut tx = store.begin().await.unwrap();
    for state in StateCatalog::defaults() {
        tx.insert_state(&state).await.unwrap();
    }
    for (id, name) in [
        (GroupId::USERS, "users"),
        (GroupId::ADMIN, "admin"),
        (GroupId::STATS, "stats"),
    ] {
        tx.insert_group(&Group { id, ..group(name) }).await.unwrap();
    }
    let support_group = tx.insert_group(&group("support")).await.unwrap().id;
    let rw_all = [
        (GroupId::USERS, PermissionSet::RW),
        (GroupId::ADMIN, PermissionSet::RW),
        (GroupId::STATS, PermissionSet::RW),
    ];
    tx.insert_agent(&Agent {
        id: AgentId::SYSTEM,
        ..agent("root@localhost", &rw_all)
    })
    .await
    .unwrap();
    let alice = tx
        .insert_agent(&agent(
            "alice",
            &[
                (GroupId::USERS, PermissionSet::RW),
                (support_group, PermissionSet::RW),
            ],
        ))
        .await
        .unwrap()
        .id;
    let bob = tx
        .insert_agent(&agent("bob", &[(GroupId::USERS, PermissionSet::RW)]))
        .await
        .unwrap()
        .id;
    let carol = tx
        .insert_agent(&agent("carol", &[(GroupId::USERS, PermissionSet::RO)]))
        .await
        .unwrap()
        .id;
    let postmaster = tx
        .insert_queue(&queue("Postmaster", GroupId::USERS))
        .await
        .unwrap()
        .id;
    let support = tx
        .insert_queue(&queue("Support", support_group))
        .await
        .unwrap()
        .id;
    let misc = tx
        .insert_queue(&queue("Misc", GroupId::USERS))
        .await
        .unwrap()
        .id;
    tx.insert_customer(&customer("SSI", "Super Support Inc."))
        .await
        .unwrap();
    tx.insert_customer(&customer("OTHER", "Other Corp."))
        .await
        .unwrap();
    let lacey = tx
        .insert_customer_user(&CustomerUser {
            extra_customer_ids: vec!["other2".into()],
            ..customer_user("lacey", "SSI")
        })
        .await
        .unwrap()
        .id;
    let robert = tx
        .insert_customer_user(&customer_user("robert", "OTHER"))
        .await
        .unwrap()
        .id;
    tx.commit().await.unwrap();
    World {
        support_group,
        postmaster,
        support,
        misc,
        alice,
        bob,
        carol,
        lacey,
        robert,
    }
}

/// Inserts a ticket in its own transaction.
pub async fn insert_ticket<S: Store>(store: &S, ticket: &Ticket) -> Ticket {
    let mut tx = store.begin().await.unwrap();
    let stored = tx.insert_ticket(ticket).await.unwrap();
    tx.commit().await.unwrap();
    stored
}

/// Reads something in a read transaction.
#[macro_export]
macro_rules! ro {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = otrs_core::store::Store::begin_read(&$store).await.unwrap();
        let value = $body;
        otrs_core::store::StoreTx::rollback($tx).await.unwrap();
        value
    }};
}

/// Writes something in a write transaction and commits.
#[macro_export]
macro_rules! rw {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = otrs_core::store::Store::begin(&$store).await.unwrap();
        let value = $body;
        otrs_core::store::StoreTx::commit($tx).await.unwrap();
        value
    }};
}
