//! Builders shared by the unit tests of the rules.

use std::collections::BTreeMap;

use chrono::DateTime;

use crate::ids::{AgentId, CustomerUserId, QueueId, TicketId};
use crate::model::{
    CustomerUser, LockState, Principal, Priority, Ticket, TimeUnits, Validity, default_states,
};

pub(crate) fn customer_user(id: u64, customer_id: &str) -> CustomerUser {
    CustomerUser {
        id: CustomerUserId(id),
        login: format!("user{id}"),
        title: String::new(),
        first_name: "First".into(),
        last_name: "Last".into(),
        email: format!("user{id}@example.org"),
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
        created_at: DateTime::UNIX_EPOCH,
        version: 1,
    }
}

pub(crate) fn tickets(ids: &[u64]) -> Vec<Ticket> {
    ids.iter()
        .map(|id| Ticket {
            id: TicketId(*id),
            number: format!("20200101100000{id}"),
            title: format!("Ticket {id}"),
            queue_id: QueueId(1),
            state_id: default_states::OPEN,
            priority: Priority::NORMAL,
            lock: LockState::Unlocked,
            owner_id: AgentId::SYSTEM,
            responsible_id: AgentId::SYSTEM,
            customer_id: None,
            customer_user_id: None,
            pending_until: None,
            created_at: DateTime::UNIX_EPOCH,
            created_by: Principal::SYSTEM,
            changed_at: DateTime::UNIX_EPOCH,
            changed_by: Principal::SYSTEM,
            accounted_time: TimeUnits::ZERO,
            locked_at: None,
            version: 1,
        })
        .collect()
}
