//! Groups, queues, agents, customers, customer users and watchers.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::{AgentId, CustomerId, CustomerUserId, GroupId, QueueId, TicketId};

/// Validity of a configuration object or account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Validity {
    /// In use.
    #[default]
    Valid,
    /// Switched off; kept for history.
    Invalid,
    /// Switched off for now, e.g. after too many failed sign-ins.
    InvalidTemporarily,
}

impl Validity {
    /// "valid", "invalid" or "invalid-temporarily".
    pub const fn name(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Invalid => "invalid",
            Validity::InvalidTemporarily => "invalid-temporarily",
        }
    }

    /// Parses a name as written by [`Validity::name`].
    pub fn from_name(name: &str) -> Option<Validity> {
        match name {
            "valid" => Some(Validity::Valid),
            "invalid" => Some(Validity::Invalid),
            "invalid-temporarily" => Some(Validity::InvalidTemporarily),
            _ => None,
        }
    }

    /// True only for [`Validity::Valid`].
    pub const fn is_valid(self) -> bool {
        matches!(self, Validity::Valid)
    }
}

/// One permission an agent can hold on a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Read tickets in the group's queues.
    Ro,
    /// Move tickets into the group's queues.
    MoveInto,
    /// Create tickets in the group's queues.
    Create,
    /// Add notes.
    Note,
    /// Become or assign owner.
    Owner,
    /// Change priority.
    Priority,
    /// Full access; implies all others.
    Rw,
}

impl Permission {
    /// Every permission, in the manual's order.
    pub const ALL: [Permission; 7] = [
        Permission::Ro,
        Permission::MoveInto,
        Permission::Create,
        Permission::Note,
        Permission::Owner,
        Permission::Priority,
        Permission::Rw,
    ];

    /// The key as OTRS spells it (`ro`, `move_into`, …).
    pub const fn key(self) -> &'static str {
        match self {
            Permission::Ro => "ro",
            Permission::MoveInto => "move_into",
            Permission::Create => "create",
            Permission::Note => "note",
            Permission::Owner => "owner",
            Permission::Priority => "priority",
            Permission::Rw => "rw",
        }
    }

    /// Parses a key as written by [`Permission::key`].
    pub fn from_key(key: &str) -> Option<Permission> {
        Permission::ALL.into_iter().find(|p| p.key() == key)
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// A set of [`Permission`]s on one group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PermissionSet(u8);

impl PermissionSet {
    /// No permission.
    pub const EMPTY: PermissionSet = PermissionSet(0);
    /// Only `rw` (which implies everything).
    pub const RW: PermissionSet = PermissionSet(Permission::Rw.bit());
    /// Only `ro`.
    pub const RO: PermissionSet = PermissionSet(Permission::Ro.bit());

    /// A set of the given permissions.
    pub fn of(permissions: &[Permission]) -> PermissionSet {
        PermissionSet(permissions.iter().fold(0, |acc, p| acc | p.bit()))
    }

    /// Adds a permission.
    pub fn with(self, permission: Permission) -> PermissionSet {
        PermissionSet(self.0 | permission.bit())
    }

    /// Removes a permission.
    pub fn without(self, permission: Permission) -> PermissionSet {
        PermissionSet(self.0 & !permission.bit())
    }

    /// True if the set grants `permission`, directly or through `rw`.
    pub const fn grants(self, permission: Permission) -> bool {
        self.0 & (permission.bit() | Permission::Rw.bit()) != 0
    }

    /// True if no permission is in the set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions explicitly in the set.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.0 & p.bit() != 0)
    }

    /// The raw bits, for storage.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// From raw bits; unknown bits are dropped.
    pub const fn from_bits(bits: u8) -> PermissionSet {
        PermissionSet(bits & 0x7f)
    }
}

impl fmt::Display for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.iter().map(Permission::key).collect();
        f.write_str(&keys.join(","))
    }
}

/// A permission group. Every queue belongs to exactly one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Identity.
    pub id: GroupId,
    /// Unique name.
    pub name: String,
    /// Free comment.
    pub comment: String,
    /// Validity.
    pub validity: Validity,
    /// Version.
    pub version: u64,
}

/// A queue: where tickets live and which group guards them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queue {
    /// Identity.
    pub id: QueueId,
    /// Unique name; sub-queues use `Parent::Child`.
    pub name: String,
    /// The group whose permissions apply to the queue's tickets.
    pub group_id: GroupId,
    /// Free comment.
    pub comment: String,
    /// Validity.
    pub validity: Validity,
    /// Minutes of working time after which a locked, untouched ticket is unlocked; 0 = never.
    pub unlock_timeout_minutes: u32,
    /// Escalation target for the first response, in minutes; 0 = none.
    pub first_response_minutes: u32,
    /// Escalation target for updates, in minutes; 0 = none.
    pub update_minutes: u32,
    /// Escalation target for the solution, in minutes; 0 = none.
    pub solution_minutes: u32,
    /// Whether customers may follow up on closed tickets of this queue (reopening them).
    pub follow_up_possible: bool,
    /// Version.
    pub version: u64,
}

/// An agent: an internal user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Agent {
    /// Identity.
    pub id: AgentId,
    /// Unique sign-in name.
    pub login: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// Validity; `InvalidTemporarily` after too many failed sign-ins.
    pub validity: Validity,
    /// The password hash (PHC string); `None` means the agent cannot sign in with a password.
    pub password_hash: Option<String>,
    /// The initial password must be changed at the next sign-in.
    pub must_change_password: bool,
    /// Failed sign-ins since the last success.
    pub failed_logins: u32,
    /// Base32 TOTP secret once two-factor authentication is set up.
    pub totp_secret: Option<String>,
    /// Permissions per group.
    pub groups: BTreeMap<GroupId, PermissionSet>,
    /// Free-form preferences (language, time zone, notification choices, dashboard layout…).
    pub preferences: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}

impl Agent {
    /// "First Last".
    pub fn full_name(&self) -> String {
        full_name(&self.first_name, &self.last_name)
    }

    /// The permissions the agent holds on a group.
    pub fn permissions_on(&self, group: GroupId) -> PermissionSet {
        self.groups.get(&group).copied().unwrap_or_default()
    }

    /// True for the system user and for members of `admin` with `rw`.
    pub fn is_admin(&self) -> bool {
        self.id == AgentId::SYSTEM || self.permissions_on(GroupId::ADMIN).grants(Permission::Rw)
    }
}

/// A customer company, identified by its CustomerID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Customer {
    /// Identity.
    pub id: CustomerId,
    /// The CustomerID (unique, compared case-insensitively).
    pub customer_id: String,
    /// Company name.
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
    /// Free comment.
    pub comment: String,
    /// Validity.
    pub validity: Validity,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}

/// A customer user: an external contact of a customer company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerUser {
    /// Identity.
    pub id: CustomerUserId,
    /// Unique sign-in name.
    pub login: String,
    /// Title or salutation.
    pub title: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail address.
    pub email: String,
    /// The main CustomerID.
    pub customer_id: String,
    /// Further CustomerIDs whose tickets the user may see.
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
    /// Free comment.
    pub comment: String,
    /// Validity.
    pub validity: Validity,
    /// Password hash (PHC string).
    pub password_hash: Option<String>,
    /// The initial password must be changed at the next sign-in.
    pub must_change_password: bool,
    /// Failed sign-ins since the last success.
    pub failed_logins: u32,
    /// TOTP secret.
    pub totp_secret: Option<String>,
    /// Customer-side permissions per group: `create` (or `rw`) allows opening tickets in the
    /// group's queues from the external interface.
    pub groups: BTreeMap<GroupId, PermissionSet>,
    /// Free-form preferences.
    pub preferences: BTreeMap<String, String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}

impl CustomerUser {
    /// "First Last".
    pub fn full_name(&self) -> String {
        full_name(&self.first_name, &self.last_name)
    }

    /// The main CustomerID and the extra ones.
    pub fn customer_ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.customer_id.as_str())
            .chain(self.extra_customer_ids.iter().map(String::as_str))
    }

    /// True if the user belongs to the company (case-insensitive, as OTRS compares CustomerIDs).
    pub fn belongs_to(&self, customer_id: &str) -> bool {
        self.customer_ids()
            .any(|id| id.eq_ignore_ascii_case(customer_id))
    }
}

/// An agent watching a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watcher {
    /// The ticket.
    pub ticket_id: TicketId,
    /// The watching agent.
    pub agent_id: AgentId,
    /// Since when.
    pub since: DateTime<Utc>,
}

/// "First Last", trimmed, built without the formatting machinery (it is part of every article).
fn full_name(first: &str, last: &str) -> String {
    let mut name = String::with_capacity(first.len() + last.len() + 1);
    name.push_str(first);
    name.push(' ');
    name.push_str(last);
    let trimmed = name.trim();
    if trimmed.len() == name.len() {
        name
    } else {
        trimmed.to_owned()
    }
}
