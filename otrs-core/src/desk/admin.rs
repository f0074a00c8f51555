//! Administration: the initial data, groups, queues, agents, customers and customer users.
//!
//! Groups, queues and agents are managed by admins (`rw` on the `admin` group). Customers and
//! customer users are managed by any agent, as in the agent interface's customer screens.
//! Passwords arrive already hashed: hashing is the adapters' job, so the core stays free of I/O.

use std::collections::BTreeMap;

use crate::desk::{Actor, Ctx, Desk, check_expected_version, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AgentId, CustomerId, CustomerUserId, GroupId, KbCategoryId, QueueId, StateId};
use crate::model::{
    Agent, ChangeOp, Customer, CustomerUser, EntityKind, Group, KbCategory, PermissionSet,
    Principal, Queue, State, StateCatalog, Validity,
};
use crate::store::{Store, StoreTx};

/// A group to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGroup {
    /// Unique name.
    pub name: String,
    /// Comment.
    pub comment: String,
}

/// A queue to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewQueue {
    /// Unique name.
    pub name: String,
    /// The group guarding the queue.
    pub group: GroupId,
    /// Comment.
    pub comment: String,
    /// Unlock timeout in minutes (0 = off).
    pub unlock_timeout_minutes: u32,
    /// First-response target in minutes (0 = none).
    pub first_response_minutes: u32,
    /// Update target in minutes (0 = none).
    pub update_minutes: u32,
    /// Solution target in minutes (0 = none).
    pub solution_minutes: u32,
    /// Customers may reopen closed tickets by following up.
    pub follow_up_possible: bool,
}

impl NewQueue {
    /// A queue with a name and group and defaults for the rest.
    pub fn new(name: impl Into<String>, group: GroupId) -> NewQueue {
        NewQueue {
            name: name.into(),
            group,
            comment: String::new(),
            unlock_timeout_minutes: 0,
            first_response_minutes: 0,
            update_minutes: 0,
            solution_minutes: 0,
            follow_up_possible: true,
        }
    }
}

/// Changes to a queue; `None` leaves a field alone.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct QueueUpdate {
    /// Name.
    pub name: Option<String>,
    /// Group.
    pub group: Option<GroupId>,
    /// Comment.
    pub comment: Option<String>,
    /// Validity.
    pub validity: Option<Validity>,
    /// Unlock timeout.
    pub unlock_timeout_minutes: Option<u32>,
    /// First-response target.
    pub first_response_minutes: Option<u32>,
    /// Update target.
    pub update_minutes: Option<u32>,
    /// Solution target.
    pub solution_minutes: Option<u32>,
    /// Follow-up option.
    pub follow_up_possible: Option<bool>,
    /// Only apply at this version.
    pub expected_version: Option<u64>,
}

/// An agent to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAgent {
    /// Unique login.
    pub login: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail.
    pub email: String,
    /// Password hash (PHC string) from the adapter, if a password is set.
    pub password_hash: Option<String>,
    /// Must change the password at the next sign-in.
    pub must_change_password: bool,
    /// Group permissions.
    pub groups: BTreeMap<GroupId, PermissionSet>,
}

/// Changes to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AgentUpdate {
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Validity.
    pub validity: Option<Validity>,
    /// Replace all group permissions.
    pub groups: Option<BTreeMap<GroupId, PermissionSet>>,
    /// New password hash; `Some(None)` removes the password.
    pub password_hash: Option<Option<String>>,
    /// Must change the password at the next sign-in.
    pub must_change_password: Option<bool>,
    /// New TOTP secret; `Some(None)` resets two-factor authentication.
    pub totp_secret: Option<Option<String>>,
    /// Failed sign-ins (0 clears a lockout together with validity valid).
    pub failed_logins: Option<u32>,
    /// Preferences to set (an empty value removes the key).
    pub preferences: BTreeMap<String, String>,
    /// Only apply at this version.
    pub expected_version: Option<u64>,
}

/// A customer company to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCustomer {
    /// The CustomerID.
    pub customer_id: String,
    /// Name.
    pub name: String,
    /// Street.
    pub street: String,
    /// Postal code.
    pub zip: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Web site.
    pub url: String,
    /// Comment.
    pub comment: String,
}

/// Changes to a customer company.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerUpdate {
    /// Name.
    pub name: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Web site.
    pub url: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Validity.
    pub validity: Option<Validity>,
    /// Only apply at this version.
    pub expected_version: Option<u64>,
}

/// A customer user to create.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewCustomerUser {
    /// Unique login.
    pub login: String,
    /// Title.
    pub title: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail.
    pub email: String,
    /// The main CustomerID (the company must exist).
    pub customer_id: String,
    /// Further CustomerIDs.
    pub extra_customer_ids: Vec<String>,
    /// Phone.
    pub phone: String,
    /// Mobile.
    pub mobile: String,
    /// Street.
    pub street: String,
    /// Postal code.
    pub zip: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Comment.
    pub comment: String,
    /// Password hash from the adapter.
    pub password_hash: Option<String>,
    /// Must change the password at the next sign-in.
    pub must_change_password: bool,
}

/// Changes to a customer user.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerUserUpdate {
    /// Title.
    pub title: Option<String>,
    /// First name.
    pub first_name: Option<String>,
    /// Last name.
    pub last_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Main CustomerID.
    pub customer_id: Option<String>,
    /// Further CustomerIDs.
    pub extra_customer_ids: Option<Vec<String>>,
    /// Phone.
    pub phone: Option<String>,
    /// Mobile.
    pub mobile: Option<String>,
    /// Street.
    pub street: Option<String>,
    /// Postal code.
    pub zip: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Comment.
    pub comment: Option<String>,
    /// Validity.
    pub validity: Option<Validity>,
    /// New password hash.
    pub password_hash: Option<Option<String>>,
    /// Must change the password at the next sign-in.
    pub must_change_password: Option<bool>,
    /// New TOTP secret; `Some(None)` resets it.
    pub totp_secret: Option<Option<String>>,
    /// Failed sign-ins.
    pub failed_logins: Option<u32>,
    /// Replace the customer-side group rights.
    pub groups: Option<BTreeMap<GroupId, PermissionSet>>,
    /// Preferences to set (an empty value removes the key).
    pub preferences: BTreeMap<String, String>,
    /// Only apply at this version.
    pub expected_version: Option<u64>,
}

fn check_login(errors: &mut ValidationErrors, field: &str, login: &str) {
    errors.text(field, login, 1, 200, false);
    if login.chars().any(char::is_whitespace) {
        errors.add(field, "must not contain spaces");
    }
}

fn check_customer_id(errors: &mut ValidationErrors, field: &str, id: &str) {
    errors.text(field, id, 1, 150, false);
    if id.trim() != id {
        errors.add(field, "must not start or end with spaces");
    }
}

fn set<T>(target: &mut T, value: &Option<T>)
where
    T: Clone,
{
    if let Some(value) = value {
        *target = value.clone();
    }
}

fn apply_preferences(
    preferences: &mut BTreeMap<String, String>,
    changes: &BTreeMap<String, String>,
    errors: &mut ValidationErrors,
) {
    for (key, value) in changes {
        errors.text(&format!("preferences.{key}"), key, 1, 200, false);
        errors.text(&format!("preferences.{key}"), value, 0, 100_000, true);
        if value.is_empty() {
            preferences.remove(key);
        } else {
            preferences.insert(key.clone(), value.clone());
        }
    }
}

impl<S: Store> Desk<S> {
    /// Adds the initial data if it is missing: the nine default states, the groups users (1),
    /// admin (2) and stats (3), the system user (agent 1, `root@localhost`, no password, `rw` on
    /// all three groups), the queues Postmaster, Raw, Junk and Misc, and the knowledge-base
    /// category Misc (group users). Returns true if anything was added. Safe to run at every start.
    pub async fn initialize(&self) -> Result<bool, DeskError> {
        let result = write_tx!(self, |tx| self.initialize_tx(&mut tx));
        self.forget_states();
        result
    }

    async fn initialize_tx(&self, tx: &mut S::Tx) -> Result<bool, DeskError> {
        let now = self.now();
        let mut added = false;
        let states = tx.states().await?;
        for state in StateCatalog::defaults() {
            if !states
                .iter()
                .any(|s| s.id == state.id || s.name == state.name)
            {
                tx.insert_state(&state).await?;
                added = true;
            }
        }
        let groups = tx.groups().await?;
        for (id, name, comment) in [
            (GroupId::USERS, "users", "Group for default access."),
            (GroupId::ADMIN, "admin", "Group of all administrators."),
            (GroupId::STATS, "stats", "Group for statistics access."),
        ] {
            if !groups.iter().any(|g| g.id == id || g.name == name) {
                tx.insert_group(&Group {
                    id,
                    name: name.into(),
                    comment: comment.into(),
                    validity: Validity::Valid,
                    version: 0,
                })
                .await?;
                added = true;
            }
        }
        if tx.agent(AgentId::SYSTEM).await?.is_none() {
            let groups = [GroupId::USERS, GroupId::ADMIN, GroupId::STATS]
                .map(|g| (g, PermissionSet::RW))
                .into_iter()
                .collect();
            tx.insert_agent(&Agent {
                id: AgentId::SYSTEM,
                login: "root@localhost".into(),
                first_name: "Admin".into(),
                last_name: "OTRS".into(),
                email: self.config.system_address.clone(),
                validity: Validity::Valid,
                password_hash: None,
                must_change_password: false,
                failed_logins: 0,
                totp_secret: None,
                groups,
                preferences: BTreeMap::new(),
                created_at: now,
                version: 0,
            })
            .await?;
            added = true;
        }
        let queues = tx.queues().await?;
        for (id, name, comment) in [
            (QueueId(1), "Postmaster", "Postmaster queue."),
            (QueueId(2), "Raw", "All default incoming tickets."),
            (QueueId(3), "Junk", "All junk tickets."),
            (QueueId(4), "Misc", "All misc tickets."),
        ] {
            if !queues.iter().any(|q| q.id == id || q.name == name) {
                let queue = Queue {
                    id,
                    comment: comment.into(),
                    ..queue_from(&NewQueue::new(name, GroupId::USERS))
                };
                tx.insert_queue(&queue).await?;
                added = true;
            }
        }
        if tx.kb_categories().await?.is_empty() {
            tx.insert_kb_category(&KbCategory {
                id: KbCategoryId(0),
                parent_id: None,
                name: "Misc".into(),
                comment: "Default category.".into(),
                group_ids: [GroupId::USERS].into(),
                validity: Validity::Valid,
                created_at: now,
                changed_at: now,
                changed_by: Principal::SYSTEM,
                version: 0,
            })
            .await?;
            added = true;
        }
        added |= self.seed_stats_tx(tx).await?;
        Ok(added)
    }

    pub(crate) fn require_admin(
        ctx: &Ctx,
        action: &'static str,
        object: String,
    ) -> Result<(), DeskError> {
        match &ctx.actor {
            Actor::Agent(agent) if agent.is_admin() => Ok(()),
            _ => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object,
                reason: "needs rw on the admin group".into(),
            }),
        }
    }

    pub(crate) fn require_agent(
        ctx: &Ctx,
        action: &'static str,
        object: String,
    ) -> Result<(), DeskError> {
        match &ctx.actor {
            Actor::Agent(_) => Ok(()),
            Actor::Customer(_) => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object,
                reason: "only agents may do this".into(),
            }),
        }
    }

    /// Creates a group (admins).
    pub async fn create_group(&self, actor: Principal, new: NewGroup) -> Result<Group, DeskError> {
        write_tx!(self, |tx| self.create_group_tx(&mut tx, actor, &new))
    }

    async fn create_group_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewGroup,
    ) -> Result<Group, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_admin(&ctx, "create", format!("group {}", new.name))?;
        let mut errors = ValidationErrors::new();
        errors.text("name", &new.name, 1, 200, false);
        errors.text("comment", &new.comment, 0, 250, false);
        errors.into_result()?;
        let group = tx
            .insert_group(&Group {
                id: GroupId(0),
                name: new.name.trim().into(),
                comment: new.comment.clone(),
                validity: Validity::Valid,
                version: 0,
            })
            .await?;
        self.feed(tx, &ctx, EntityKind::Group, group.id.0, ChangeOp::Created)
            .await?;
        Ok(group)
    }

    /// Renames a group, changes its comment or validity (admins).
    pub async fn update_group(
        &self,
        actor: Principal,
        id: GroupId,
        name: Option<String>,
        comment: Option<String>,
        validity: Option<Validity>,
    ) -> Result<Group, DeskError> {
        write_tx!(self, |tx| self
            .update_group_tx(&mut tx, actor, id, &name, &comment, validity))
    }

    async fn update_group_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: GroupId,
        name: &Option<String>,
        comment: &Option<String>,
        validity: Option<Validity>,
    ) -> Result<Group, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_admin(&ctx, "change", format!("group {id}"))?;
        let mut group = tx
            .group(id)
            .await?
            .ok_or_else(|| DeskError::not_found("group", id))?;
        let mut errors = ValidationErrors::new();
        if let Some(name) = name {
            errors.text("name", name, 1, 200, false);
            group.name = name.trim().into();
        }
        if let Some(comment) = comment {
            errors.text("comment", comment, 0, 250, false);
            group.comment = comment.clone();
        }
        errors.into_result()?;
        set(&mut group.validity, &validity);
        let group = tx.update_group(&group).await?;
        self.feed(tx, &ctx, EntityKind::Group, group.id.0, ChangeOp::Updated)
            .await?;
        Ok(group)
    }

    /// Creates a queue (admins).
    pub async fn create_queue(&self, actor: Principal, new: NewQueue) -> Result<Queue, DeskError> {
        write_tx!(self, |tx| self.create_queue_tx(&mut tx, actor, &new))
    }

    async fn create_queue_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewQueue,
    ) -> Result<Queue, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_admin(&ctx, "create", format!("queue {}", new.name))?;
        let mut errors = ValidationErrors::new();
        validate_queue_name(&mut errors, &new.name);
        errors.text("comment", &new.comment, 0, 250, false);
        if tx.group(new.group).await?.is_none() {
            errors.add("group", format!("group {} does not exist", new.group));
        }
        errors.into_result()?;
        let queue = tx.insert_queue(&queue_from(new)).await?;
        self.feed(tx, &ctx, EntityKind::Queue, queue.id.0, ChangeOp::Created)
            .await?;
        Ok(queue)
    }

    /// Changes a queue (admins).
    pub async fn update_queue(
        &self,
        actor: Principal,
        id: QueueId,
        update: QueueUpdate,
    ) -> Result<Queue, DeskError> {
        write_tx!(self, |tx| self.update_queue_tx(&mut tx, actor, id, &update))
    }

    async fn update_queue_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: QueueId,
        u: &QueueUpdate,
    ) -> Result<Queue, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_admin(&ctx, "change", format!("queue {id}"))?;
        let mut queue = self.load_queue(tx, id).await?;
        check_expected_version(
            || format!("queue {}", queue.name),
            u.expected_version,
            queue.version,
        )?;
        let mut errors = ValidationErrors::new();
        if let Some(name) = &u.name {
            validate_queue_name(&mut errors, name);
            queue.name = name.trim().into();
        }
        if let Some(comment) = &u.comment {
            errors.text("comment", comment, 0, 250, false);
        }
        if let Some(group) = u.group
            && tx.group(group).await?.is_none()
        {
            errors.add("group", format!("group {group} does not exist"));
        }
        errors.into_result()?;
        set(&mut queue.group_id, &u.group);
        set(&mut queue.comment, &u.comment);
        set(&mut queue.validity, &u.validity);
        set(&mut queue.unlock_timeout_minutes, &u.unlock_timeout_minutes);
        let targets_before = (
            queue.first_response_minutes,
            queue.update_minutes,
            queue.solution_minutes,
        );
        set(&mut queue.first_response_minutes, &u.first_response_minutes);
        set(&mut queue.update_minutes, &u.update_minutes);
        set(&mut queue.solution_minutes, &u.solution_minutes);
        set(&mut queue.follow_up_possible, &u.follow_up_possible);
        let targets_after = (
            queue.first_response_minutes,
            queue.update_minutes,
            queue.solution_minutes,
        );
        let queue = tx.update_queue(&queue).await?;
        self.feed(tx, &ctx, EntityKind::Queue, queue.id.0, ChangeOp::Updated)
            .await?;
        // New targets move the deadlines of the queue's tickets, in the same command.
        if targets_before != targets_after {
            self.reindex_escalations(tx, &ctx, Some(queue.id)).await?;
        }
        Ok(queue)
    }

    /// Creates an agent (admins).
    pub async fn create_agent(&self, actor: Principal, new: NewAgent) -> Result<Agent, DeskError> {
        write_tx!(self, |tx| self.create_agent_tx(&mut tx, actor, &new))
    }

    async fn create_agent_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewAgent,
    ) -> Result<Agent, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_admin(&ctx, "create", format!("agent {}", new.login))?;
        let mut errors = ValidationErrors::new();
        check_login(&mut errors, "login", &new.login);
        errors.text("first_name", &new.first_name, 1, 100, false);
        errors.text("last_name", &new.last_name, 1, 100, false);
        errors.email("email", &new.email);
        self.check_groups(tx, &mut errors, &new.groups).await?;
        errors.into_result()?;
        let agent = tx
            .insert_agent(&Agent {
                id: AgentId(0),
                login: new.login.clone(),
                first_name: new.first_name.trim().into(),
                last_name: new.last_name.trim().into(),
                email: new.email.trim().into(),
                validity: Validity::Valid,
                password_hash: new.password_hash.clone(),
                must_change_password: new.must_change_password,
                failed_logins: 0,
                totp_secret: None,
                groups: new
                    .groups
                    .iter()
                    .filter(|(_, p)| !p.is_empty())
                    .map(|(g, p)| (*g, *p))
                    .collect(),
                preferences: BTreeMap::new(),
                created_at: ctx.now,
                version: 0,
            })
            .await?;
        self.feed(tx, &ctx, EntityKind::Agent, agent.id.0, ChangeOp::Created)
            .await?;
        Ok(agent)
    }

    async fn check_groups(
        &self,
        tx: &mut S::Tx,
        errors: &mut ValidationErrors,
        groups: &BTreeMap<GroupId, PermissionSet>,
    ) -> Result<(), DeskError> {
        for group in groups.keys() {
            if tx.group(*group).await?.is_none() {
                errors.add("groups", format!("group {group} does not exist"));
            }
        }
        Ok(())
    }

    /// Changes an agent. Admins may change everything; agents may change their own names, e-mail,
    /// password, two-factor secret and preferences, but not their groups or validity.
    pub async fn update_agent(
        &self,
        actor: Principal,
        id: AgentId,
        update: AgentUpdate,
    ) -> Result<Agent, DeskError> {
        write_tx!(self, |tx| self.update_agent_tx(&mut tx, actor, id, &update))
    }

    async fn update_agent_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: AgentId,
        u: &AgentUpdate,
    ) -> Result<Agent, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let is_self = ctx.actor.agent().is_some_and(|a| a.id == id);
        let admin_only = u.validity.is_some() || u.groups.is_some() || u.failed_logins.is_some();
        if !is_self || admin_only {
            Self::require_admin(&ctx, "change", format!("agent {id}"))?;
        }
        if id == AgentId::SYSTEM
            && (u.validity.is_some_and(|v| !v.is_valid()) || u.groups.is_some())
        {
            return Err(DeskError::NotAllowed {
                object: "the system user".into(),
                reason: "cannot be invalidated or regrouped".into(),
            });
        }
        let mut agent = self.load_agent(tx, id).await?;
        check_expected_version(
            || format!("agent {}", agent.login),
            u.expected_version,
            agent.version,
        )?;
        let mut errors = ValidationErrors::new();
        if let Some(v) = &u.first_name {
            errors.text("first_name", v, 1, 100, false);
        }
        if let Some(v) = &u.last_name {
            errors.text("last_name", v, 1, 100, false);
        }
        if let Some(v) = &u.email {
            errors.email("email", v);
        }
        if let Some(groups) = &u.groups {
            self.check_groups(tx, &mut errors, groups).await?;
        }
        apply_preferences(&mut agent.preferences, &u.preferences, &mut errors);
        errors.into_result()?;
        set(
            &mut agent.first_name,
            &u.first_name.as_ref().map(|s| s.trim().to_owned()),
        );
        set(
            &mut agent.last_name,
            &u.last_name.as_ref().map(|s| s.trim().to_owned()),
        );
        set(
            &mut agent.email,
            &u.email.as_ref().map(|s| s.trim().to_owned()),
        );
        set(&mut agent.validity, &u.validity);
        if let Some(groups) = &u.groups {
            agent.groups = groups
                .iter()
                .filter(|(_, p)| !p.is_empty())
                .map(|(g, p)| (*g, *p))
                .collect();
        }
        set(&mut agent.password_hash, &u.password_hash);
        set(&mut agent.must_change_password, &u.must_change_password);
        set(&mut agent.totp_secret, &u.totp_secret);
        set(&mut agent.failed_logins, &u.failed_logins);
        let agent = tx.update_agent(&agent).await?;
        self.feed(tx, &ctx, EntityKind::Agent, agent.id.0, ChangeOp::Updated)
            .await?;
        Ok(agent)
    }

    /// Creates a customer company (agents).
    pub async fn create_customer(
        &self,
        actor: Principal,
        new: NewCustomer,
    ) -> Result<Customer, DeskError> {
        write_tx!(self, |tx| self.create_customer_tx(&mut tx, actor, &new))
    }

    async fn create_customer_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewCustomer,
    ) -> Result<Customer, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_agent(&ctx, "create", format!("customer {}", new.customer_id))?;
        let mut errors = ValidationErrors::new();
        check_customer_id(&mut errors, "customer_id", &new.customer_id);
        errors.text("name", &new.name, 1, 200, false);
        for (field, value) in [
            ("street", &new.street),
            ("zip", &new.zip),
            ("city", &new.city),
            ("country", &new.country),
            ("url", &new.url),
        ] {
            errors.text(field, value, 0, 200, false);
        }
        errors.text("comment", &new.comment, 0, 250, true);
        errors.into_result()?;
        let customer = tx
            .insert_customer(&Customer {
                id: CustomerId(0),
                customer_id: new.customer_id.clone(),
                name: new.name.trim().into(),
                street: new.street.clone(),
                zip: new.zip.clone(),
                city: new.city.clone(),
                country: new.country.clone(),
                url: new.url.clone(),
                comment: new.comment.clone(),
                validity: Validity::Valid,
                created_at: ctx.now,
                version: 0,
            })
            .await?;
        self.feed(
            tx,
            &ctx,
            EntityKind::Customer,
            customer.id.0,
            ChangeOp::Created,
        )
        .await?;
        Ok(customer)
    }

    /// Changes a customer company (agents).
    pub async fn update_customer(
        &self,
        actor: Principal,
        id: CustomerId,
        update: CustomerUpdate,
    ) -> Result<Customer, DeskError> {
        write_tx!(self, |tx| self
            .update_customer_tx(&mut tx, actor, id, &update))
    }

    async fn update_customer_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: CustomerId,
        u: &CustomerUpdate,
    ) -> Result<Customer, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_agent(&ctx, "change", format!("customer {id}"))?;
        let mut customer = tx
            .customer(id)
            .await?
            .ok_or_else(|| DeskError::not_found("customer", id))?;
        check_expected_version(
            || format!("customer {}", customer.customer_id),
            u.expected_version,
            customer.version,
        )?;
        let mut errors = ValidationErrors::new();
        if let Some(name) = &u.name {
            errors.text("name", name, 1, 200, false);
        }
        for (field, value) in [
            ("street", &u.street),
            ("zip", &u.zip),
            ("city", &u.city),
            ("country", &u.country),
            ("url", &u.url),
        ] {
            if let Some(value) = value {
                errors.text(field, value, 0, 200, false);
            }
        }
        if let Some(comment) = &u.comment {
            errors.text("comment", comment, 0, 250, true);
        }
        errors.into_result()?;
        set(
            &mut customer.name,
            &u.name.as_ref().map(|s| s.trim().to_owned()),
        );
        set(&mut customer.street, &u.street);
        set(&mut customer.zip, &u.zip);
        set(&mut customer.city, &u.city);
        set(&mut customer.country, &u.country);
        set(&mut customer.url, &u.url);
        set(&mut customer.comment, &u.comment);
        set(&mut customer.validity, &u.validity);
        let customer = tx.update_customer(&customer).await?;
        self.feed(
            tx,
            &ctx,
            EntityKind::Customer,
            customer.id.0,
            ChangeOp::Updated,
        )
        .await?;
        Ok(customer)
    }

    /// Creates a customer user (agents). The company must exist.
    pub async fn create_customer_user(
        &self,
        actor: Principal,
        new: NewCustomerUser,
    ) -> Result<CustomerUser, DeskError> {
        write_tx!(self, |tx| self
            .create_customer_user_tx(&mut tx, actor, &new))
    }

    async fn create_customer_user_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        new: &NewCustomerUser,
    ) -> Result<CustomerUser, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_agent(&ctx, "create", format!("customer user {}", new.login))?;
        let mut errors = ValidationErrors::new();
        check_login(&mut errors, "login", &new.login);
        errors.text("first_name", &new.first_name, 1, 100, false);
        errors.text("last_name", &new.last_name, 1, 100, false);
        errors.email("email", &new.email);
        check_customer_id(&mut errors, "customer_id", &new.customer_id);
        for (i, id) in new.extra_customer_ids.iter().enumerate() {
            check_customer_id(&mut errors, &format!("extra_customer_ids[{i}]"), id);
        }
        for (field, value) in [
            ("title", &new.title),
            ("phone", &new.phone),
            ("mobile", &new.mobile),
            ("street", &new.street),
            ("zip", &new.zip),
            ("city", &new.city),
            ("country", &new.country),
        ] {
            errors.text(field, value, 0, 200, false);
        }
        errors.text("comment", &new.comment, 0, 250, true);
        if errors.is_empty()
            && tx
                .customer_by_customer_id(&new.customer_id)
                .await?
                .is_none()
        {
            errors.add(
                "customer_id",
                format!(
                    "customer {} does not exist; create the customer first",
                    new.customer_id
                ),
            );
        }
        errors.into_result()?;
        let user = tx
            .insert_customer_user(&CustomerUser {
                id: CustomerUserId(0),
                login: new.login.clone(),
                title: new.title.clone(),
                first_name: new.first_name.trim().into(),
                last_name: new.last_name.trim().into(),
                email: new.email.trim().into(),
                customer_id: new.customer_id.clone(),
                extra_customer_ids: new.extra_customer_ids.clone(),
                phone: new.phone.clone(),
                mobile: new.mobile.clone(),
                street: new.street.clone(),
                zip: new.zip.clone(),
                city: new.city.clone(),
                country: new.country.clone(),
                comment: new.comment.clone(),
                validity: Validity::Valid,
                password_hash: new.password_hash.clone(),
                must_change_password: new.must_change_password,
                failed_logins: 0,
                totp_secret: None,
                groups: self
                    .config
                    .customer_default_groups
                    .iter()
                    .copied()
                    .collect(),
                preferences: BTreeMap::new(),
                created_at: ctx.now,
                version: 0,
            })
            .await?;
        self.feed(
            tx,
            &ctx,
            EntityKind::CustomerUser,
            user.id.0,
            ChangeOp::Created,
        )
        .await?;
        Ok(user)
    }

    /// Changes a customer user. Agents may change everything; customer users may change their own
    /// names, contact data, password, two-factor secret and preferences.
    pub async fn update_customer_user(
        &self,
        actor: Principal,
        id: CustomerUserId,
        update: CustomerUserUpdate,
    ) -> Result<CustomerUser, DeskError> {
        write_tx!(self, |tx| self
            .update_customer_user_tx(&mut tx, actor, id, &update))
    }

    async fn update_customer_user_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        id: CustomerUserId,
        u: &CustomerUserUpdate,
    ) -> Result<CustomerUser, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let is_self = matches!(&ctx.actor, Actor::Customer(c) if c.id == id);
        let agent_only = u.customer_id.is_some()
            || u.extra_customer_ids.is_some()
            || u.validity.is_some()
            || u.failed_logins.is_some()
            || u.groups.is_some();
        if !is_self || agent_only {
            Self::require_agent(&ctx, "change", format!("customer user {id}"))?;
        }
        let mut user = tx
            .customer_user(id)
            .await?
            .ok_or_else(|| DeskError::not_found("customer user", id))?;
        check_expected_version(
            || format!("customer user {}", user.login),
            u.expected_version,
            user.version,
        )?;
        let mut errors = ValidationErrors::new();
        if let Some(v) = &u.first_name {
            errors.text("first_name", v, 1, 100, false);
        }
        if let Some(v) = &u.last_name {
            errors.text("last_name", v, 1, 100, false);
        }
        if let Some(v) = &u.email {
            errors.email("email", v);
        }
        for (field, value) in [
            ("title", &u.title),
            ("phone", &u.phone),
            ("mobile", &u.mobile),
            ("street", &u.street),
            ("zip", &u.zip),
            ("city", &u.city),
            ("country", &u.country),
        ] {
            if let Some(value) = value {
                errors.text(field, value, 0, 200, false);
            }
        }
        if let Some(comment) = &u.comment {
            errors.text("comment", comment, 0, 250, true);
        }
        if let Some(id) = &u.customer_id {
            check_customer_id(&mut errors, "customer_id", id);
            if errors.is_empty() && tx.customer_by_customer_id(id).await?.is_none() {
                errors.add("customer_id", format!("customer {id} does not exist"));
            }
        }
        if let Some(ids) = &u.extra_customer_ids {
            for (i, id) in ids.iter().enumerate() {
                check_customer_id(&mut errors, &format!("extra_customer_ids[{i}]"), id);
            }
        }
        if let Some(groups) = &u.groups {
            self.check_groups(tx, &mut errors, groups).await?;
        }
        apply_preferences(&mut user.preferences, &u.preferences, &mut errors);
        errors.into_result()?;
        set(&mut user.title, &u.title);
        set(
            &mut user.first_name,
            &u.first_name.as_ref().map(|s| s.trim().to_owned()),
        );
        set(
            &mut user.last_name,
            &u.last_name.as_ref().map(|s| s.trim().to_owned()),
        );
        set(
            &mut user.email,
            &u.email.as_ref().map(|s| s.trim().to_owned()),
        );
        set(&mut user.customer_id, &u.customer_id);
        set(&mut user.extra_customer_ids, &u.extra_customer_ids);
        set(&mut user.phone, &u.phone);
        set(&mut user.mobile, &u.mobile);
        set(&mut user.street, &u.street);
        set(&mut user.zip, &u.zip);
        set(&mut user.city, &u.city);
        set(&mut user.country, &u.country);
        set(&mut user.comment, &u.comment);
        set(&mut user.validity, &u.validity);
        set(&mut user.password_hash, &u.password_hash);
        set(&mut user.must_change_password, &u.must_change_password);
        set(&mut user.totp_secret, &u.totp_secret);
        set(&mut user.failed_logins, &u.failed_logins);
        if let Some(groups) = &u.groups {
            user.groups = groups
                .iter()
                .filter(|(_, p)| !p.is_empty())
                .map(|(g, p)| (*g, *p))
                .collect();
        }
        let user = tx.update_customer_user(&user).await?;
        self.feed(
            tx,
            &ctx,
            EntityKind::CustomerUser,
            user.id.0,
            ChangeOp::Updated,
        )
        .await?;
        Ok(user)
    }

    /// Adds a ticket state (admins). Its type is fixed for ever; states are never deleted.
    pub async fn create_state(
        &self,
        actor: Principal,
        name: String,
        state_type: crate::model::StateType,
    ) -> Result<State, DeskError> {
        let result = write_tx!(self, |tx| self
            .create_state_tx(&mut tx, actor, &name, state_type));
        self.forget_states();
        result
    }

    async fn create_state_tx(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        name: &str,
        state_type: crate::model::StateType,
    ) -> Result<State, DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        Self::require_admin(&ctx, "create", format!("state {name}"))?;
        let mut errors = ValidationErrors::new();
        errors.text("name", name, 1, 200, false);
        errors.into_result()?;
        let state = tx
            .insert_state(&State {
                id: StateId(0),
                name: name.trim().into(),
                state_type,
                valid: true,
            })
            .await?;
        self.feed(tx, &ctx, EntityKind::State, state.id.0, ChangeOp::Created)
            .await?;
        Ok(state)
    }

    /// The groups (any agent).
    pub async fn groups(&self, actor: Principal) -> Result<Vec<Group>, DeskError> {
        read_tx!(self, |tx| async {
            let ctx = self.ctx(&mut tx, actor).await?;
            Self::require_agent(&ctx, "list", "groups".into())?;
            Ok(tx.groups().await?)
        })
    }
}

fn validate_queue_name(errors: &mut ValidationErrors, name: &str) {
    errors.text("name", name, 1, 200, false);
    if name.split("::").any(|part| part.trim().is_empty()) {
        errors.add("name", "must not have empty parts around ::");
    }
}

fn queue_from(new: &NewQueue) -> Queue {
    Queue {
        id: QueueId(0),
        name: new.name.trim().into(),
        group_id: new.group,
        comment: new.comment.clone(),
        validity: Validity::Valid,
        unlock_timeout_minutes: new.unlock_timeout_minutes,
        first_response_minutes: new.first_response_minutes,
        update_minutes: new.update_minutes,
        solution_minutes: new.solution_minutes,
        follow_up_possible: new.follow_up_possible,
        version: 0,
    }
}
