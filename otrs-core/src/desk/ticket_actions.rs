//! Which of a ticket's actions an agent may start: the permission each action's command needs,
//! and the ticket's lock, watch and merge situation. User interfaces show only these; the
//! commands themselves check again when they run.

use crate::desk::{Actor, Desk, read_tx};
use crate::error::DeskError;
use crate::ids::{AgentId, TicketId};
use crate::model::{Permission, Principal, StateType};
use crate::store::{Store, StoreTx};

/// An action of the ticket detail view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TicketAction {
    /// Add an internal note.
    Note,
    /// Record a call to the customer.
    PhoneOutbound,
    /// Record a call from the customer.
    PhoneInbound,
    /// Send an e-mail to the customer.
    EmailOutbound,
    /// Lock the ticket to oneself.
    Lock,
    /// Release the lock.
    Unlock,
    /// Change the title.
    FreeFields,
    /// Merge into another ticket.
    Merge,
    /// Start watching.
    Watch,
    /// Stop watching.
    Unwatch,
    /// Create an appointment linked to the ticket.
    NewAppointment,
    /// Close.
    Close,
    /// Link to another ticket.
    Link,
    /// Move to another queue.
    Move,
    /// Set a pending state and time.
    Pending,
    /// Change the priority.
    Priority,
    /// Change the owner.
    Owner,
    /// Change the responsible agent.
    Responsible,
    /// Change the customer user and CustomerID.
    Customer,
    /// Read the ticket's history.
    History,
}

impl TicketAction {
    /// Every action, in menu order.
    pub const ALL: [TicketAction; 20] = [
        TicketAction::Note,
        TicketAction::PhoneOutbound,
        TicketAction::PhoneInbound,
        TicketAction::EmailOutbound,
        TicketAction::Lock,
        TicketAction::Unlock,
        TicketAction::FreeFields,
        TicketAction::Merge,
        TicketAction::Watch,
        TicketAction::Unwatch,
        TicketAction::NewAppointment,
        TicketAction::Close,
        TicketAction::Link,
        TicketAction::Move,
        TicketAction::Pending,
        TicketAction::Priority,
        TicketAction::Owner,
        TicketAction::Responsible,
        TicketAction::Customer,
        TicketAction::History,
    ];

    /// The name in addresses (`phone-outbound`, …).
    pub const fn name(self) -> &'static str {
        match self {
            TicketAction::Note => "note",
            TicketAction::PhoneOutbound => "phone-outbound",
            TicketAction::PhoneInbound => "phone-inbound",
            TicketAction::EmailOutbound => "email",
            TicketAction::Lock => "lock",
            TicketAction::Unlock => "unlock",
            TicketAction::FreeFields => "free-fields",
            TicketAction::Merge => "merge",
            TicketAction::Watch => "watch",
            TicketAction::Unwatch => "unwatch",
            TicketAction::NewAppointment => "appointment",
            TicketAction::Close => "close",
            TicketAction::Link => "link",
            TicketAction::Move => "move",
            TicketAction::Pending => "pending",
            TicketAction::Priority => "priority",
            TicketAction::Owner => "owner",
            TicketAction::Responsible => "responsible",
            TicketAction::Customer => "customer",
            TicketAction::History => "history",
        }
    }

    /// The label the manual uses.
    pub const fn label(self) -> &'static str {
        match self {
            TicketAction::Note => "Note",
            TicketAction::PhoneOutbound => "Phone Call Outbound",
            TicketAction::PhoneInbound => "Phone Call Inbound",
            TicketAction::EmailOutbound => "E-Mail Outbound",
            TicketAction::Lock => "Lock",
            TicketAction::Unlock => "Unlock",
            TicketAction::FreeFields => "Free Fields",
            TicketAction::Merge => "Merge",
            TicketAction::Watch => "Watch",
            TicketAction::Unwatch => "Unwatch",
            TicketAction::NewAppointment => "New Appointment",
            TicketAction::Close => "Close",
            TicketAction::Link => "Link",
            TicketAction::Move => "Move",
            TicketAction::Pending => "Pending",
            TicketAction::Priority => "Priority",
            TicketAction::Owner => "Owner",
            TicketAction::Responsible => "Responsible",
            TicketAction::Customer => "Customer",
            TicketAction::History => "History",
        }
    }

    /// Parses [`TicketAction::name`].
    pub fn from_name(name: &str) -> Option<TicketAction> {
        TicketAction::ALL.into_iter().find(|a| a.name() == name)
    }

    /// The permission on the ticket the action's command needs (the queue of a move and the
    /// calendar of an appointment are checked when it runs).
    pub const fn permission(self) -> Permission {
        match self {
            TicketAction::Note => Permission::Note,
            TicketAction::Lock | TicketAction::Owner => Permission::Owner,
            TicketAction::Priority => Permission::Priority,
            TicketAction::Move => Permission::MoveInto,
            TicketAction::Unlock
            | TicketAction::Watch
            | TicketAction::Unwatch
            | TicketAction::NewAppointment
            | TicketAction::History => Permission::Ro,
            TicketAction::PhoneOutbound
            | TicketAction::PhoneInbound
            | TicketAction::EmailOutbound
            | TicketAction::FreeFields
            | TicketAction::Merge
            | TicketAction::Close
            | TicketAction::Link
            | TicketAction::Pending
            | TicketAction::Responsible
            | TicketAction::Customer => Permission::Rw,
        }
    }

    /// True for actions that only read.
    pub const fn reads_only(self) -> bool {
        matches!(self, TicketAction::History)
    }
}

impl<S: Store> Desk<S> {
    /// The actions the acting agent may start on a ticket, in menu order: those whose
    /// permission the agent holds; Lock while the ticket is unlocked, Unlock while the
    /// ticket is locked and the agent holds the lock or is an admin; Watch or Unwatch; a merged
    /// ticket offers only its history. Customer users get none.
    pub async fn ticket_actions(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<TicketAction>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            let Actor::Agent(agent) = &ctx.actor else {
                return Ok(Vec::new());
            };
            if ctx.states.type_of(ticket.state_id) == StateType::Merged {
                return Ok(vec![TicketAction::History]);
            }
            let watching = tx
                .watchers(ticket.id)
                .await?
                .iter()
                .any(|w| w.agent_id == agent.id);
            let mut out = Vec::new();
            for action in TicketAction::ALL {
                let shown = match action {
                    // A ticket locked by someone else must be unlocked by them (or an admin)
                    // first; one's own lock needs no second lock.
                    TicketAction::Lock => agent.id != AgentId::SYSTEM && !ticket.lock.is_locked(),
                    TicketAction::Unlock => {
                        ticket.lock.is_locked() && (agent.is_admin() || ticket.owner_id == agent.id)
                    }
                    TicketAction::Watch => !watching,
                    TicketAction::Unwatch => watching,
                    _ => true,
                };
                if shown
                    && self
                        .may(&mut tx, &ctx, &ticket, action.permission())
                        .await?
                {
                    out.push(action);
                }
            }
            Ok(out)
        })
    }
}
