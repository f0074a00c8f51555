//! Read models, each restricted to what the actor may see.

use crate::desk::{Actor, Ctx, Desk, read_tx};
use crate::error::DeskError;
use crate::ids::{AgentId, CustomerId, CustomerUserId, QueueId, TicketId};
use crate::model::{
    Agent, Article, Change, Customer, CustomerUser, HistoryEntry, Permission, Principal, Queue,
    State, Ticket, TimeAccountingEntry, Watcher,
};
use crate::store::{
    CustomerFilter, CustomerUserFilter, Page, PageRequest, QueueStateCount, Store, StoreTx,
    TicketAccess, TicketFilter, TicketPage, TicketQuery, TicketSort,
};

/// The most rows one page may hold.
pub const MAX_PAGE_SIZE: u32 = 1000;

impl<S: Store> Desk<S> {
    /// A ticket by id.
    pub async fn ticket(&self, actor: Principal, id: TicketId) -> Result<Ticket, DeskError> {
        read_tx!(self, |tx| self.ticket_tx(&mut tx, actor, id))
    }

    async fn ticket_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: TicketId,
    ) -> Result<Ticket, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let ticket = self.load_ticket(tx, id).await?;
        self.require(tx, &ctx, &ticket, Permission::Ro, "read")
            .await?;
        Ok(ticket)
    }

    /// A ticket by number.
    pub async fn ticket_by_number(
        &self,
        actor: Principal,
        number: &str,
    ) -> Result<Ticket, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = tx
                .ticket_by_number(number.trim())
                .await?
                .ok_or_else(|| DeskError::not_found("ticket", number))?;
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            Ok(ticket)
        })
    }

    /// The access restriction for the actor's ticket lists.
    async fn access(&self, tx: &mut S::Tx, ctx: &Ctx) -> Result<TicketAccess, DeskError> {
        Ok(match &ctx.actor {
            Actor::Agent(agent) if agent.id == AgentId::SYSTEM => TicketAccess::Unrestricted,
            Actor::Agent(agent) => TicketAccess::Agent {
                agent: agent.id,
                readable_queues: self.readable_queues(tx, agent).await?,
            },
            Actor::Customer(user) => TicketAccess::Customer {
                user: user.id,
                customer_ids: user.customer_ids().map(str::to_owned).collect(),
            },
        })
    }

    pub(crate) async fn readable_queues(
        &self,
        tx: &mut S::Tx,
        agent: &Agent,
    ) -> Result<Vec<QueueId>, DeskError> {
        Ok(tx
            .queues()
            .await?
            .into_iter()
            .filter(|q| agent.permissions_on(q.group_id).grants(Permission::Ro))
            .map(|q| q.id)
            .collect())
    }

    /// A page of the tickets the actor may read that match `filter`, with the total count.
    pub async fn list_tickets(
        &self,
        actor: Principal,
        filter: TicketFilter,
        sort: TicketSort,
        page: PageRequest,
    ) -> Result<TicketPage, DeskError> {
        if page.limit() > MAX_PAGE_SIZE {
            return Err(DeskError::invalid(
                "per_page",
                format!("must be at most {MAX_PAGE_SIZE}"),
            ));
        }
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let access = self.access(&mut tx, &ctx).await?;
            Ok(tx
                .list_tickets(&TicketQuery {
                    access,
                    filter,
                    sort,
                    page,
                })
                .await?)
        })
    }

    /// The articles of a ticket, oldest first. Customer users see only the visible ones.
    pub async fn articles(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<Article>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            let customer = matches!(ctx.actor, Actor::Customer(_));
            Ok(tx
                .articles(ticket.id)
                .await?
                .into_iter()
                .filter(|a| !customer || a.visible_for_customer)
                .collect())
        })
    }

    /// The articles of a ticket the acting agent has not seen.
    pub async fn unseen_articles(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<Article>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let Some(agent) = ctx.actor.agent().map(|a| a.id) else {
                return Err(DeskError::NotAllowed {
                    object: "seen flags".into(),
                    reason: "only agents have seen flags".into(),
                });
            };
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            let seen = tx.seen_articles(agent, ticket.id).await?;
            Ok(tx
                .articles(ticket.id)
                .await?
                .into_iter()
                .filter(|a| !seen.contains(&a.id))
                .collect())
        })
    }

    /// Which of the tickets are unread for the acting agent.
    pub async fn unread_tickets(
        &self,
        actor: Principal,
        tickets: &[TicketId],
    ) -> Result<Vec<TicketId>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let Some(agent) = ctx.actor.agent().map(|a| a.id) else {
                return Ok(Vec::new());
            };
            Ok(tx.unread_tickets(agent, tickets).await?)
        })
    }

    /// The history of a ticket (agents), ordered by time.
    pub async fn history(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<HistoryEntry>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::PermissionDenied {
                    actor: ctx.actor.describe(),
                    action: "read the history of",
                    object: format!("ticket {}", ticket.number),
                    reason: "the history is for agents".into(),
                });
            }
            Ok(tx.history(ticket.id).await?)
        })
    }

    /// The watchers of a ticket (agents).
    pub async fn watchers(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<Watcher>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::not_found("ticket", ticket.number));
            }
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            Ok(tx.watchers(ticket.id).await?)
        })
    }

    /// The time rows of a ticket (agents).
    pub async fn time_accounting(
        &self,
        actor: Principal,
        ticket: TicketId,
    ) -> Result<Vec<TimeAccountingEntry>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let ticket = self.load_ticket(&mut tx, ticket).await?;
            if matches!(ctx.actor, Actor::Customer(_)) {
                return Err(DeskError::not_found("ticket", ticket.number));
            }
            self.require(&mut tx, &ctx, &ticket, Permission::Ro, "read")
                .await?;
            Ok(tx.time_accounting(ticket.id).await?)
        })
    }

    /// The number of tickets per queue and state in the queues the actor may read (for the
    /// Queue Metric widget); kept current by the store, never computed by scanning tickets.
    pub async fn queue_state_counts(
        &self,
        actor: Principal,
    ) -> Result<Vec<QueueStateCount>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let counts = tx.queue_state_counts().await?;
            match &ctx.actor {
                Actor::Agent(agent) if agent.id == AgentId::SYSTEM => Ok(counts),
                Actor::Agent(agent) => {
                    let readable = self.readable_queues(&mut tx, agent).await?;
                    Ok(counts
                        .into_iter()
                        .filter(|c| readable.contains(&c.queue_id))
                        .collect())
                }
                Actor::Customer(_) => Err(DeskError::PermissionDenied {
                    actor: ctx.actor.describe(),
                    action: "read",
                    object: "queue statistics".into(),
                    reason: "only agents may".into(),
                }),
            }
        })
    }

    /// Every state (valid or not).
    pub async fn states(&self, actor: Principal) -> Result<Vec<State>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Ok(ctx.states.all().to_vec())
        })
    }

    /// The queues: all of them for agents (with the rights shown by the permission checks of each
    /// command); for customer users only those they may open tickets in.
    pub async fn queues(&self, actor: Principal) -> Result<Vec<Queue>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let queues = tx.queues().await?;
            Ok(match &ctx.actor {
                Actor::Agent(_) => queues,
                Actor::Customer(user) => queues
                    .into_iter()
                    .filter(|q| crate::rules::permission::customer_may_create_in(user, q))
                    .collect(),
            })
        })
    }

    /// A queue by id (agents).
    pub async fn queue(&self, actor: Principal, id: QueueId) -> Result<Queue, DeskError> {
        let queues = self.queues(actor).await?;
        queues
            .into_iter()
            .find(|q| q.id == id)
            .ok_or_else(|| DeskError::not_found("queue", id))
    }

    /// A queue by exact name.
    pub async fn queue_by_name(&self, actor: Principal, name: &str) -> Result<Queue, DeskError> {
        let queues = self.queues(actor).await?;
        queues
            .into_iter()
            .find(|q| q.name == name)
            .ok_or_else(|| DeskError::not_found("queue", name))
    }

    /// Every agent (agents only).
    pub async fn agents(&self, actor: Principal) -> Result<Vec<Agent>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::agents_only(&ctx)?;
            Ok(tx.agents().await?)
        })
    }

    /// An agent by id (agents only).
    pub async fn agent(&self, actor: Principal, id: AgentId) -> Result<Agent, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::agents_only(&ctx)?;
            self.load_agent(&mut tx, id).await
        })
    }

    /// An agent by login (agents only).
    pub async fn agent_by_login(&self, actor: Principal, login: &str) -> Result<Agent, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::agents_only(&ctx)?;
            tx.agent_by_login(login)
                .await?
                .ok_or_else(|| DeskError::not_found("agent", login))
        })
    }

    fn agents_only(ctx: &Ctx) -> Result<(), DeskError> {
        match ctx.actor {
            Actor::Agent(_) => Ok(()),
            Actor::Customer(_) => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action: "read",
                object: "agent data".into(),
                reason: "only agents may".into(),
            }),
        }
    }

    /// Customer companies (agents see all; customer users only their own).
    pub async fn customers(
        &self,
        actor: Principal,
        filter: CustomerFilter,
        page: PageRequest,
    ) -> Result<Page<Customer>, DeskError> {
        if page.limit() > MAX_PAGE_SIZE {
            return Err(DeskError::invalid(
                "per_page",
                format!("must be at most {MAX_PAGE_SIZE}"),
            ));
        }
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            match &ctx.actor {
                Actor::Agent(_) => Ok(tx.list_customers(&filter, page).await?),
                Actor::Customer(user) => {
                    let all = tx
                        .list_customers(&filter, PageRequest::first(u32::MAX))
                        .await?;
                    let items: Vec<Customer> = all
                        .items
                        .into_iter()
                        .filter(|c| user.belongs_to(&c.customer_id))
                        .collect();
                    Ok(Page {
                        total: items.len() as u64,
                        items,
                    })
                }
            }
        })
    }

    /// A customer company by id.
    pub async fn customer(&self, actor: Principal, id: CustomerId) -> Result<Customer, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let customer = tx
                .customer(id)
                .await?
                .ok_or_else(|| DeskError::not_found("customer", id))?;
            match &ctx.actor {
                Actor::Customer(user) if !user.belongs_to(&customer.customer_id) => {
                    Err(DeskError::not_found("customer", id))
                }
                _ => Ok(customer),
            }
        })
    }

    /// A customer company by CustomerID.
    pub async fn customer_by_customer_id(
        &self,
        actor: Principal,
        customer_id: &str,
    ) -> Result<Customer, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let customer = tx
                .customer_by_customer_id(customer_id)
                .await?
                .ok_or_else(|| DeskError::not_found("customer", customer_id))?;
            match &ctx.actor {
                Actor::Customer(user) if !user.belongs_to(&customer.customer_id) => {
                    Err(DeskError::not_found("customer", customer_id))
                }
                _ => Ok(customer),
            }
        })
    }

    /// Customer users (agents see all; customer users only themselves).
    pub async fn customer_users(
        &self,
        actor: Principal,
        filter: CustomerUserFilter,
        page: PageRequest,
    ) -> Result<Page<CustomerUser>, DeskError> {
        if page.limit() > MAX_PAGE_SIZE {
            return Err(DeskError::invalid(
                "per_page",
                format!("must be at most {MAX_PAGE_SIZE}"),
            ));
        }
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            match &ctx.actor {
                Actor::Agent(_) => Ok(tx.list_customer_users(&filter, page).await?),
                Actor::Customer(user) => {
                    let me = filter.matches(user).then(|| user.clone());
                    Ok(Page {
                        total: u64::from(me.is_some()),
                        items: me.into_iter().collect(),
                    })
                }
            }
        })
    }

    /// A customer user by id.
    pub async fn customer_user(
        &self,
        actor: Principal,
        id: CustomerUserId,
    ) -> Result<CustomerUser, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            match &ctx.actor {
                Actor::Customer(user) if user.id != id => {
                    Err(DeskError::not_found("customer user", id))
                }
                _ => tx
                    .customer_user(id)
                    .await?
                    .ok_or_else(|| DeskError::not_found("customer user", id)),
            }
        })
    }

    /// A customer user by login.
    pub async fn customer_user_by_login(
        &self,
        actor: Principal,
        login: &str,
    ) -> Result<CustomerUser, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            let user = tx
                .customer_user_by_login(login)
                .await?
                .ok_or_else(|| DeskError::not_found("customer user", login))?;
            match &ctx.actor {
                Actor::Customer(me) if me.id != user.id => {
                    Err(DeskError::not_found("customer user", login))
                }
                _ => Ok(user),
            }
        })
    }

    /// Up to `limit` change-feed entries after `after` (system and admins).
    pub async fn changes_since(
        &self,
        actor: Principal,
        after: u64,
        limit: u32,
    ) -> Result<Vec<Change>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_admin_read(&ctx)?;
            Ok(tx.changes_since(after, limit).await?)
        })
    }

    fn require_admin_read(ctx: &Ctx) -> Result<(), DeskError> {
        match &ctx.actor {
            Actor::Agent(agent) if agent.is_admin() => Ok(()),
            _ => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action: "read",
                object: "the change feed".into(),
                reason: "needs rw on the admin group".into(),
            }),
        }
    }
}
