//! Who may do what on a ticket.
//!
//! An agent's rights on a ticket are the union of: the permissions of their groups on the ticket's
//! queue's group; everything for the ticket's owner and responsible agent; `ro` for watchers.
//! The system user may do everything. Invalid agents may do nothing. Customer users may read (and
//! reply to) their own tickets and those of their companies.

use crate::ids::AgentId;
use crate::model::{Agent, CustomerUser, Permission, Queue, Ticket};

/// What an agent may do on one ticket.
#[derive(Debug, Clone, Copy)]
pub struct TicketAccessFacts<'a> {
    /// The agent.
    pub agent: &'a Agent,
    /// The ticket.
    pub ticket: &'a Ticket,
    /// The ticket's queue.
    pub queue: &'a Queue,
    /// Whether the agent watches the ticket.
    pub watching: bool,
}

impl TicketAccessFacts<'_> {
    /// True if the agent holds `permission` on the ticket.
    pub fn grants(&self, permission: Permission) -> bool {
        let agent = self.agent;
        if agent.id == AgentId::SYSTEM {
            return true;
        }
        if !agent.validity.is_valid() {
            return false;
        }
        if self.ticket.owner_id == agent.id || self.ticket.responsible_id == agent.id {
            return true;
        }
        if self.watching && permission == Permission::Ro {
            return true;
        }
        agent.permissions_on(self.queue.group_id).grants(permission)
    }
}

/// True if the agent may use the queue for `permission` (create in it, move into it, become owner
/// of its tickets, …) by group rights alone.
pub fn agent_may_use_queue(agent: &Agent, queue: &Queue, permission: Permission) -> bool {
    agent.id == AgentId::SYSTEM
        || (agent.validity.is_valid() && agent.permissions_on(queue.group_id).grants(permission))
}

/// True if the customer user may see the ticket: their own, or one of their companies'.
pub fn customer_may_read(user: &CustomerUser, ticket: &Ticket) -> bool {
    user.validity.is_valid()
        && (ticket.customer_user_id == Some(user.id)
            || ticket
                .customer_id
                .as_deref()
                .is_some_and(|c| user.belongs_to(c)))
}

/// True if the customer user may open tickets in the queue from the external interface.
pub fn customer_may_create_in(user: &CustomerUser, queue: &Queue) -> bool {
    user.validity.is_valid()
        && queue.validity.is_valid()
        && user
            .groups
            .get(&queue.group_id)
            .is_some_and(|p| p.grants(Permission::Create))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use chrono::DateTime;

    use super::*;
    use crate::ids::{CustomerUserId, GroupId, QueueId, StateId, TicketId};
    use crate::model::{LockState, PermissionSet, Principal, Priority, TimeUnits, Validity};

    fn agent(id: u64, grants: &[(GroupId, PermissionSet)]) -> Agent {
        Agent {
            id: AgentId(id),
            login: format!("a{id}"),
            first_name: String::new(),
            last_name: String::new(),
            email: String::new(),
            validity: Validity::Valid,
            password_hash: None,
            must_change_password: false,
            failed_logins: 0,
            totp_secret: None,
            groups: grants.iter().copied().collect(),
            preferences: BTreeMap::new(),
            created_at: DateTime::UNIX_EPOCH,
            version: 1,
        }
    }

    fn queue(group: GroupId) -> Queue {
        Queue {
            id: QueueId(1),
            name: "Q".into(),
            group_id: group,
            comment: String::new(),
            validity: Validity::Valid,
            unlock_timeout_minutes: 0,
            first_response_minutes: 0,
            update_minutes: 0,
            solution_minutes: 0,
            follow_up_possible: true,
            version: 1,
        }
    }

    fn ticket(owner: u64, responsible: u64) -> Ticket {
        Ticket {
            id: TicketId(1),
            number: "1".into(),
            title: "t".into(),
            queue_id: QueueId(1),
            state_id: StateId(4),
            priority: Priority::NORMAL,
            lock: LockState::Unlocked,
            owner_id: AgentId(owner),
            responsible_id: AgentId(responsible),
            customer_id: Some("ACME".into()),
            customer_user_id: Some(CustomerUserId(7)),
            pending_until: None,
            created_at: DateTime::UNIX_EPOCH,
            created_by: Principal::SYSTEM,
            changed_at: DateTime::UNIX_EPOCH,
            changed_by: Principal::SYSTEM,
            accounted_time: TimeUnits::ZERO,
            locked_at: None,
            version: 1,
        }
    }

    #[test]
    fn group_rights_owner_responsible_and_watchers() {
        let g = GroupId(5);
        let q = queue(g);
        let t = ticket(1, 1);
        let ro_only = agent(10, &[(g, PermissionSet::RO)]);
        let rw = agent(11, &[(g, PermissionSet::RW)]);
        let stranger = agent(12, &[(GroupId(6), PermissionSet::RW)]);
        let facts = |a| TicketAccessFacts {
            agent: a,
            ticket: &t,
            queue: &q,
            watching: false,
        };
        assert!(facts(&ro_only).grants(Permission::Ro));
        assert!(!facts(&ro_only).grants(Permission::Note));
        assert!(
            facts(&rw).grants(Permission::Priority),
            "rw implies everything"
        );
        assert!(!facts(&stranger).grants(Permission::Ro));
        let watching = TicketAccessFacts {
            agent: &stranger,
            ticket: &t,
            queue: &q,
            watching: true,
        };
        assert!(watching.grants(Permission::Ro));
        assert!(!watching.grants(Permission::Note), "watchers get ro only");
        let owned = ticket(12, 1);
        assert!(
            TicketAccessFacts {
                agent: &stranger,
                ticket: &owned,
                queue: &q,
                watching: false
            }
            .grants(Permission::Rw)
        );
        let responsible = ticket(1, 12);
        assert!(
            TicketAccessFacts {
                agent: &stranger,
                ticket: &responsible,
                queue: &q,
                watching: false
            }
            .grants(Permission::Rw)
        );
        let mut invalid = rw.clone();
        invalid.validity = Validity::Invalid;
        assert!(!facts(&invalid).grants(Permission::Ro));
        let system = agent(1, &[]);
        assert!(facts(&system).grants(Permission::Rw));
    }

    #[test]
    fn customers_see_their_own_and_their_companies_tickets() {
        let t = ticket(1, 1);
        let mut user = crate::desk::tests_support::customer_user(7, "someone-else");
        assert!(customer_may_read(&user, &t), "own ticket");
        user.id = CustomerUserId(8);
        assert!(!customer_may_read(&user, &t));
        user.customer_id = "acme".into();
        assert!(
            customer_may_read(&user, &t),
            "company ticket, case-insensitive"
        );
        user.customer_id = "OTHER".into();
        user.extra_customer_ids = vec!["Acme".into()];
        assert!(customer_may_read(&user, &t), "extra CustomerIDs count");
        user.validity = Validity::InvalidTemporarily;
        assert!(!customer_may_read(&user, &t));
    }
}
