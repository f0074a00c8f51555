//! Signing in: passwords, the failed-sign-in lockout, the second factor, password changes and
//! resets, sessions, API tokens and one-time tokens.
//!
//! The desk does no cryptography and reads no randomness: the adapter hashes and verifies
//! passwords, checks TOTP codes and makes secrets, and hands the desk closures and digests. The
//! rules (who may change whose password, when an account is locked, when a session has expired,
//! what a token may do) live here so that the server and the command line apply the same ones.
//! Slow work (password hashing) runs outside every transaction.

use std::future::Future;

use chrono::{DateTime, Duration, Utc};

use crate::desk::{Actor, Desk, read_tx, write_tx};
use crate::error::{DeskError, ValidationErrors};
use crate::ids::{AgentId, ApiTokenId};
use crate::model::{
    Agent, ApiToken, Change, ChangeOp, CustomerUser, EntityKind, OneTimeToken, OneTimeTokenPurpose,
    Principal, SessionRecord, Validity,
};
use crate::rules::password::{AuthPolicy, PasswordPolicy, is_totp_secret, reaches_lockout};
use crate::store::{Store, StoreTx};

/// The preference holding the chosen second factor (`totp` or `email`; absent = none).
pub const TWO_FACTOR_PREFERENCE: &str = "auth.two_factor";

/// The preference holding the last TOTP time step that signed in, so that a code is never
/// accepted twice (RFC 6238, section 5.2).
const TOTP_STEP_PREFERENCE: &str = "auth.totp_last_step";

/// The message of every failed sign-in, so that a caller cannot tell an unknown login from a
/// wrong password or a locked account.
const SIGN_IN_FAILED: &str = "sign-in failed: wrong login or password, or the account is locked";

/// Which kind of account signs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountKind {
    /// An agent (agent interface, API tokens).
    Agent,
    /// A customer user (external interface).
    Customer,
}

impl AccountKind {
    /// `agent` or `customer`.
    pub const fn name(self) -> &'static str {
        match self {
            AccountKind::Agent => "agent",
            AccountKind::Customer => "customer",
        }
    }

    /// Parses [`AccountKind::name`].
    pub fn from_name(name: &str) -> Option<AccountKind> {
        match name {
            "agent" => Some(AccountKind::Agent),
            "customer" => Some(AccountKind::Customer),
            _ => None,
        }
    }

    /// The kind of a principal.
    pub const fn of(principal: Principal) -> AccountKind {
        match principal {
            Principal::Agent(_) => AccountKind::Agent,
            Principal::Customer(_) => AccountKind::Customer,
        }
    }

    /// The password policy for this kind of account.
    pub const fn policy(self, policy: &AuthPolicy) -> &PasswordPolicy {
        match self {
            AccountKind::Agent => &policy.agent_passwords,
            AccountKind::Customer => &policy.customer_passwords,
        }
    }
}

/// The second factor an account has set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    /// None: the password alone signs in.
    None,
    /// A TOTP authenticator app with this Base32 secret.
    Totp {
        /// The secret.
        secret: String,
    },
    /// A code sent by e-mail to this address.
    Email {
        /// The account's address.
        address: String,
    },
}

impl SecondFactor {
    /// `none`, `totp` or `email`.
    pub const fn name(&self) -> &'static str {
        match self {
            SecondFactor::None => "none",
            SecondFactor::Totp { .. } => "totp",
            SecondFactor::Email { .. } => "email",
        }
    }
}

/// A password that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignIn {
    /// Who signed in.
    pub principal: Principal,
    /// The login.
    pub login: String,
    /// The full name.
    pub name: String,
    /// The e-mail address.
    pub email: String,
    /// The initial password must be changed before anything else.
    pub must_change_password: bool,
    /// The second factor still to give.
    pub second_factor: SecondFactor,
}

/// How long a session lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionTimeouts {
    /// Ends after this long without a request (default 2 hours).
    pub idle: Duration,
    /// Ends this long after sign-in, however busy (default 16 hours).
    pub absolute: Duration,
}

impl Default for SessionTimeouts {
    fn default() -> Self {
        SessionTimeouts {
            idle: Duration::hours(2),
            absolute: Duration::hours(16),
        }
    }
}

/// A live session with the facts about its account that decide what it may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The session.
    pub session: SessionRecord,
    /// The account's login.
    pub login: String,
    /// The account's full name.
    pub name: String,
    /// The initial password must be changed first.
    pub must_change_password: bool,
    /// The account has a second factor set up.
    pub has_second_factor: bool,
}

/// An account of either kind, as loaded inside a transaction.
// One per command, so the size difference of the variants does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
enum Account {
    Agent(Agent),
    Customer(CustomerUser),
}

impl Account {
    fn principal(&self) -> Principal {
        match self {
            Account::Agent(a) => Principal::Agent(a.id),
            Account::Customer(c) => Principal::Customer(c.id),
        }
    }

    fn login(&self) -> &str {
        match self {
            Account::Agent(a) => &a.login,
            Account::Customer(c) => &c.login,
        }
    }

    fn name(&self) -> String {
        match self {
            Account::Agent(a) => a.full_name(),
            Account::Customer(c) => c.full_name(),
        }
    }

    fn email(&self) -> &str {
        match self {
            Account::Agent(a) => &a.email,
            Account::Customer(c) => &c.email,
        }
    }

    fn validity(&self) -> Validity {
        match self {
            Account::Agent(a) => a.validity,
            Account::Customer(c) => c.validity,
        }
    }

    fn set_validity(&mut self, validity: Validity) {
        match self {
            Account::Agent(a) => a.validity = validity,
            Account::Customer(c) => c.validity = validity,
        }
    }

    fn password_hash(&self) -> Option<&str> {
        match self {
            Account::Agent(a) => a.password_hash.as_deref(),
            Account::Customer(c) => c.password_hash.as_deref(),
        }
    }

    fn set_password_hash(&mut self, hash: String, must_change: bool) {
        match self {
            Account::Agent(a) => {
                a.password_hash = Some(hash);
                a.must_change_password = must_change;
            }
            Account::Customer(c) => {
                c.password_hash = Some(hash);
                c.must_change_password = must_change;
            }
        }
    }

    fn must_change_password(&self) -> bool {
        match self {
            Account::Agent(a) => a.must_change_password,
            Account::Customer(c) => c.must_change_password,
        }
    }

    fn failed_logins(&self) -> u32 {
        match self {
            Account::Agent(a) => a.failed_logins,
            Account::Customer(c) => c.failed_logins,
        }
    }

    fn set_failed_logins(&mut self, failed: u32) {
        match self {
            Account::Agent(a) => a.failed_logins = failed,
            Account::Customer(c) => c.failed_logins = failed,
        }
    }

    fn second_factor(&self) -> SecondFactor {
        let (secret, preferences) = match self {
            Account::Agent(a) => (&a.totp_secret, &a.preferences),
            Account::Customer(c) => (&c.totp_secret, &c.preferences),
        };
        match (
            secret,
            preferences.get(TWO_FACTOR_PREFERENCE).map(String::as_str),
        ) {
            (Some(secret), _) => SecondFactor::Totp {
                secret: secret.clone(),
            },
            (None, Some("email")) => SecondFactor::Email {
                address: self.email().to_owned(),
            },
            _ => SecondFactor::None,
        }
    }

    fn set_second_factor(&mut self, totp_secret: Option<String>, method: Option<&str>) {
        let (secret, preferences) = match self {
            Account::Agent(a) => (&mut a.totp_secret, &mut a.preferences),
            Account::Customer(c) => (&mut c.totp_secret, &mut c.preferences),
        };
        *secret = totp_secret;
        match method {
            Some(m) => preferences.insert(TWO_FACTOR_PREFERENCE.to_owned(), m.to_owned()),
            None => preferences.remove(TWO_FACTOR_PREFERENCE),
        };
        preferences.remove(TOTP_STEP_PREFERENCE);
    }

    fn preferences_mut(&mut self) -> &mut std::collections::BTreeMap<String, String> {
        match self {
            Account::Agent(a) => &mut a.preferences,
            Account::Customer(c) => &mut c.preferences,
        }
    }

    /// Accepts a TOTP time step only if it is later than the last one used, and remembers it.
    fn use_totp_step(&mut self, step: u64) -> bool {
        let last = self
            .preferences_mut()
            .get(TOTP_STEP_PREFERENCE)
            .and_then(|v| v.parse::<u64>().ok());
        if last.is_some_and(|last| step <= last) {
            return false;
        }
        self.preferences_mut()
            .insert(TOTP_STEP_PREFERENCE.to_owned(), step.to_string());
        true
    }

    fn sign_in(&self) -> SignIn {
        SignIn {
            principal: self.principal(),
            login: self.login().to_owned(),
            name: self.name(),
            email: self.email().to_owned(),
            must_change_password: self.must_change_password(),
            second_factor: self.second_factor(),
        }
    }
}

fn not_authenticated() -> DeskError {
    DeskError::NotAuthenticated(SIGN_IN_FAILED.into())
}

impl<S: Store> Desk<S> {
    async fn account(
        &self,
        tx: &mut S::Tx,
        principal: Principal,
    ) -> Result<Option<Account>, DeskError> {
        Ok(match principal {
            Principal::Agent(id) => tx.agent(id).await?.map(Account::Agent),
            Principal::Customer(id) => tx.customer_user(id).await?.map(Account::Customer),
        })
    }

    async fn account_by_login(
        &self,
        tx: &mut S::Tx,
        kind: AccountKind,
        login: &str,
    ) -> Result<Option<Account>, DeskError> {
        Ok(match kind {
            AccountKind::Agent => tx.agent_by_login(login).await?.map(Account::Agent),
            AccountKind::Customer => tx
                .customer_user_by_login(login)
                .await?
                .map(Account::Customer),
        })
    }

    async fn save_account(&self, tx: &mut S::Tx, account: &Account) -> Result<(), DeskError> {
        let (entity, id) = match account {
            Account::Agent(a) => {
                tx.update_agent(a).await?;
                (EntityKind::Agent, a.id.0)
            }
            Account::Customer(c) => {
                tx.update_customer_user(c).await?;
                (EntityKind::CustomerUser, c.id.0)
            }
        };
        tx.append_change(&Change {
            seq: 0,
            entity,
            entity_id: id,
            op: ChangeOp::Updated,
            at: self.now(),
        })
        .await?;
        Ok(())
    }

    /// Loads the target account of an account command and checks that the actor may manage it:
    /// everyone their own account; admins every agent; agents every customer user.
    async fn managed_account(
        &self,
        tx: &mut S::Tx,
        actor: Principal,
        target: Principal,
        action: &'static str,
    ) -> Result<(Account, bool), DeskError> {
        let ctx = self.ctx(tx, actor).await?;
        let is_self = actor == target;
        let allowed = is_self
            || match (&ctx.actor, target) {
                (Actor::Agent(agent), Principal::Agent(_)) => agent.is_admin(),
                (Actor::Agent(_), Principal::Customer(_)) => true,
                (Actor::Customer(_), _) => false,
            };
        let account = self.account(tx, target).await?;
        match account {
            Some(account) if allowed => Ok((account, is_self)),
            // Customer users cannot learn whether other accounts exist.
            _ if matches!(ctx.actor, Actor::Customer(_)) => Err(DeskError::not_found(
                if matches!(target, Principal::Agent(_)) {
                    "agent"
                } else {
                    "customer user"
                },
                target_key(target),
            )),
            None => Err(DeskError::not_found(
                AccountKind::of(target).name(),
                target_key(target),
            )),
            Some(_) => Err(DeskError::PermissionDenied {
                actor: ctx.actor.describe(),
                action,
                object: target.to_string(),
                reason: "needs rw on the admin group".into(),
            }),
        }
    }

    /// Checks a password. `verify` gets the stored hash (`None` for an unknown login or an account
    /// without password, so that the caller can spend the same time on a dummy hash) and says
    /// whether the password matches it.
    ///
    /// A wrong password counts a failed sign-in; at `policy.max_failed_logins` failures in a row
    /// the account becomes invalid-temporarily and no password opens it until an admin clears
    /// the lockout ([`Desk::clear_lockout`]). A right password resets the count. Every failure
    /// reads the same, whatever its cause.
    pub async fn sign_in<F, Fut>(
        &self,
        kind: AccountKind,
        login: &str,
        policy: &AuthPolicy,
        verify: F,
    ) -> Result<SignIn, DeskError>
    where
        F: FnOnce(Option<String>) -> Fut,
        Fut: Future<Output = bool>,
    {
        let account = read_tx!(self, |tx| self.account_by_login(&mut tx, kind, login))?;
        let hash = account
            .as_ref()
            .and_then(|a| a.password_hash().map(str::to_owned));
        let matched = verify(hash.clone()).await && hash.is_some();
        let Some(account) = account else {
            return Err(not_authenticated());
        };
        let principal = account.principal();
        write_tx!(self, |tx| async {
            let Some(mut account) = self.account(&mut tx, principal).await? else {
                return Ok(Err(not_authenticated()));
            };
            if account.validity() != Validity::Valid {
                return Ok(Err(not_authenticated()));
            }
            // A password changed meanwhile makes the verified hash stale.
            let matched = matched && account.password_hash() == hash.as_deref();
            if matched {
                if account.failed_logins() != 0 {
                    account.set_failed_logins(0);
                    self.save_account(&mut tx, &account).await?;
                }
                return Ok(Ok(account.sign_in()));
            }
            self.count_failure(&mut tx, &mut account, policy).await?;
            Ok::<_, DeskError>(Err(not_authenticated()))
        })?
    }

    async fn count_failure(
        &self,
        tx: &mut S::Tx,
        account: &mut Account,
        policy: &AuthPolicy,
    ) -> Result<(), DeskError> {
        let failed = account.failed_logins().saturating_add(1);
        account.set_failed_logins(failed);
        if reaches_lockout(failed, policy.max_failed_logins)
            && account.principal() != Principal::SYSTEM
        {
            account.set_validity(Validity::InvalidTemporarily);
        }
        self.save_account(tx, account).await
    }

    /// The second factor of an account, for the sign-in step after the password.
    pub async fn second_factor(&self, principal: Principal) -> Result<SecondFactor, DeskError> {
        read_tx!(self, |tx| async {
            match self.account(&mut tx, principal).await? {
                Some(account) if account.validity().is_valid() => Ok(account.second_factor()),
                _ => Err(not_authenticated()),
            }
        })
    }

    /// Checks the second factor of a sign-in: a TOTP code (`totp_step` gets the secret and
    /// returns the time step the code belongs to, if it matches; a step is accepted once, and
    /// only after the last one used) or an e-mail code (the digest of the code the user typed, as
    /// issued with [`Desk::issue_one_time_token`]; it is used up). A wrong code counts as a failed
    /// sign-in, like a wrong password.
    pub async fn verify_second_factor(
        &self,
        principal: Principal,
        policy: &AuthPolicy,
        email_code_digest: Option<&str>,
        totp_step: impl Fn(&str) -> Option<u64>,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let Some(mut account) = self.account(&mut tx, principal).await? else {
                return Ok(Err(not_authenticated()));
            };
            if !account.validity().is_valid() {
                return Ok(Err(not_authenticated()));
            }
            let matched = match account.second_factor() {
                SecondFactor::None => true,
                SecondFactor::Totp { secret } => match totp_step(&secret) {
                    Some(step) => account.use_totp_step(step),
                    None => false,
                },
                SecondFactor::Email { .. } => match email_code_digest {
                    Some(digest) => self
                        .redeem_in(&mut tx, digest, OneTimeTokenPurpose::EmailCode, principal)
                        .await?
                        .is_some(),
                    None => false,
                },
            };
            if matched {
                // Saved whether or not the failure count changes: a TOTP step is used up.
                account.set_failed_logins(0);
                self.save_account(&mut tx, &account).await?;
                return Ok(Ok(()));
            }
            self.count_failure(&mut tx, &mut account, policy).await?;
            Ok::<_, DeskError>(Err(DeskError::invalid("code", "is wrong or has expired")))
        })?
    }

    /// Sets a password, after checking it against the policy for the target's kind.
    ///
    /// Everyone may change their own password; changing it needs the current one (`verify_current`
    /// gets the stored hash), except while the initial password must be changed. Admins may set
    /// agents' passwords and agents customer users' passwords; such a password is an initial one
    /// that must be changed at the next sign-in. `hash` turns the new password into the stored
    /// hash; it runs outside the transaction.
    pub async fn set_password<V, VF, H, HF>(
        &self,
        actor: Principal,
        target: Principal,
        new_password: &str,
        policy: &AuthPolicy,
        verify_current: V,
        hash: H,
    ) -> Result<(), DeskError>
    where
        V: FnOnce(Option<String>) -> VF,
        VF: Future<Output = bool>,
        H: FnOnce(String) -> HF,
        HF: Future<Output = String>,
    {
        let (account, is_self) = read_tx!(self, |tx| self.managed_account(
            &mut tx,
            actor,
            target,
            "set the password of"
        ))?;
        AccountKind::of(target)
            .policy(policy)
            .check("new_password", new_password)
            .into_result()?;
        if is_self && !account.must_change_password() {
            let current = account.password_hash().map(str::to_owned);
            if !verify_current(current).await {
                return Err(DeskError::invalid("current_password", "is wrong"));
            }
        }
        let hashed = hash(new_password.to_owned()).await;
        write_tx!(self, |tx| async {
            let (mut account, _) = self
                .managed_account(&mut tx, actor, target, "set the password of")
                .await?;
            account.set_password_hash(hashed.clone(), !is_self);
            self.save_account(&mut tx, &account).await
        })
    }

    /// Ends a lockout after failed sign-ins: the account becomes valid again (if the lockout made
    /// it invalid) and its failure count starts from 0. Admins for agents; agents for customer
    /// users.
    pub async fn clear_lockout(
        &self,
        actor: Principal,
        target: Principal,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let (mut account, is_self) = self
                .managed_account(&mut tx, actor, target, "clear the sign-in lockout of")
                .await?;
            if is_self {
                return Err(DeskError::NotAllowed {
                    object: target.to_string(),
                    reason: "a lockout is cleared by someone else".into(),
                });
            }
            if account.validity() == Validity::InvalidTemporarily {
                account.set_validity(Validity::Valid);
            }
            account.set_failed_logins(0);
            self.save_account(&mut tx, &account).await
        })
    }

    /// Sets up a TOTP authenticator app for the actor's own account. `code_step` gets the secret
    /// and returns the time step of the code the user read from the app, if it matches; only a
    /// verified secret is kept, and that code is used up.
    pub async fn enable_totp(
        &self,
        actor: Principal,
        secret: &str,
        code_step: impl FnOnce(&str) -> Option<u64>,
    ) -> Result<(), DeskError> {
        if !is_totp_secret(secret) {
            return Err(DeskError::invalid(
                "secret",
                "must be 16 to 128 Base32 characters (A-Z, 2-7)",
            ));
        }
        let Some(step) = code_step(secret) else {
            return Err(DeskError::invalid(
                "code",
                "does not match the secret (check the time on the device)",
            ));
        };
        write_tx!(self, |tx| async {
            let (mut account, _) = self
                .managed_account(
                    &mut tx,
                    actor,
                    actor,
                    "set up two-factor authentication for",
                )
                .await?;
            account.set_second_factor(Some(secret.to_owned()), Some("totp"));
            account
                .preferences_mut()
                .insert(TOTP_STEP_PREFERENCE.to_owned(), step.to_string());
            self.save_account(&mut tx, &account).await
        })
    }

    /// Makes e-mail codes the actor's second factor, once the actor typed the code sent to their
    /// address (`code_digest`, issued with [`Desk::issue_one_time_token`]).
    pub async fn enable_email_two_factor(
        &self,
        actor: Principal,
        code_digest: &str,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let (mut account, _) = self
                .managed_account(
                    &mut tx,
                    actor,
                    actor,
                    "set up two-factor authentication for",
                )
                .await?;
            if account.email().trim().is_empty() {
                return Err(DeskError::NotAllowed {
                    object: actor.to_string(),
                    reason: "the account has no e-mail address".into(),
                });
            }
            if self
                .redeem_in(&mut tx, code_digest, OneTimeTokenPurpose::EmailCode, actor)
                .await?
                .is_none()
            {
                return Err(DeskError::invalid("code", "is wrong or has expired"));
            }
            account.set_second_factor(None, Some("email"));
            self.save_account(&mut tx, &account).await
        })
    }

    /// Removes the second factor of an account (own account, admins for agents, agents for
    /// customer users).
    pub async fn reset_two_factor(
        &self,
        actor: Principal,
        target: Principal,
    ) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let (mut account, _) = self
                .managed_account(&mut tx, actor, target, "reset two-factor authentication of")
                .await?;
            account.set_second_factor(None, None);
            self.save_account(&mut tx, &account).await
        })
    }

    // --- one-time tokens ------------------------------------------------------------------------

    /// Stores a one-time token (an e-mail code or a password-reset token) by the digest of its
    /// secret. The principal must be a valid account.
    pub async fn issue_one_time_token(
        &self,
        principal: Principal,
        purpose: OneTimeTokenPurpose,
        digest: &str,
        ttl: Duration,
    ) -> Result<OneTimeToken, DeskError> {
        write_tx!(self, |tx| async {
            match self.account(&mut tx, principal).await? {
                Some(a) if a.validity().is_valid() => {}
                _ => return Err(not_authenticated()),
            }
            let now = self.now();
            let token = OneTimeToken {
                digest: digest.to_owned(),
                principal,
                purpose,
                created_at: now,
                expires_at: now + ttl,
                used_at: None,
            };
            tx.insert_one_time_token(&token).await?;
            Ok(token)
        })
    }

    /// Uses up a one-time token: `Some` if it exists, has the purpose and principal, is unused and
    /// has not expired.
    async fn redeem_in(
        &self,
        tx: &mut S::Tx,
        digest: &str,
        purpose: OneTimeTokenPurpose,
        principal: Principal,
    ) -> Result<Option<OneTimeToken>, DeskError> {
        let now = self.now();
        match tx.one_time_token(digest).await? {
            Some(token)
                if token.purpose == purpose
                    && token.principal == principal
                    && token.used_at.is_none()
                    && token.expires_at > now =>
            {
                let used = OneTimeToken {
                    used_at: Some(now),
                    ..token
                };
                tx.update_one_time_token(&used).await?;
                Ok(Some(used))
            }
            _ => Ok(None),
        }
    }

    /// Starts a password reset ("forgot password"): for a valid account with an e-mail address,
    /// stores the token digest and returns the account's sign-in facts, so that the caller can
    /// mail the secret. Returns `None` (and stores nothing) otherwise; the caller should answer
    /// the same either way.
    pub async fn request_password_reset(
        &self,
        kind: AccountKind,
        login: &str,
        digest: &str,
        ttl: Duration,
    ) -> Result<Option<SignIn>, DeskError> {
        write_tx!(self, |tx| async {
            let account = match self.account_by_login(&mut tx, kind, login).await? {
                Some(a) if a.validity().is_valid() && !a.email().trim().is_empty() => a,
                _ => return Ok(None),
            };
            let now = self.now();
            tx.insert_one_time_token(&OneTimeToken {
                digest: digest.to_owned(),
                principal: account.principal(),
                purpose: OneTimeTokenPurpose::PasswordReset,
                created_at: now,
                expires_at: now + ttl,
                used_at: None,
            })
            .await?;
            Ok::<_, DeskError>(Some(account.sign_in()))
        })
    }

    /// Finishes a password reset: the token (by digest) must be an unused, unexpired reset token;
    /// the new password must meet the policy. The token is used up and the password set (it
    /// need not be changed again). A lockout stays until an admin clears it.
    pub async fn reset_password<H, HF>(
        &self,
        digest: &str,
        new_password: &str,
        policy: &AuthPolicy,
        hash: H,
    ) -> Result<Principal, DeskError>
    where
        H: FnOnce(String) -> HF,
        HF: Future<Output = String>,
    {
        let invalid_token = || DeskError::invalid("token", "is unknown, used or expired");
        let now = self.now();
        let token = read_tx!(self, |tx| async {
            Ok::<_, DeskError>(tx.one_time_token(digest).await?)
        })?
        .filter(|t| {
            t.purpose == OneTimeTokenPurpose::PasswordReset
                && t.used_at.is_none()
                && t.expires_at > now
        })
        .ok_or_else(invalid_token)?;
        let principal = token.principal;
        AccountKind::of(principal)
            .policy(policy)
            .check("new_password", new_password)
            .into_result()?;
        let hashed = hash(new_password.to_owned()).await;
        write_tx!(self, |tx| async {
            if self
                .redeem_in(
                    &mut tx,
                    digest,
                    OneTimeTokenPurpose::PasswordReset,
                    principal,
                )
                .await?
                .is_none()
            {
                return Err(invalid_token());
            }
            let Some(mut account) = self.account(&mut tx, principal).await? else {
                return Err(invalid_token());
            };
            account.set_password_hash(hashed.clone(), false);
            self.save_account(&mut tx, &account).await?;
            Ok(principal)
        })
    }

    // --- sessions -------------------------------------------------------------------------------

    /// Stores a new session for a principal whose password matched.
    pub async fn create_session(&self, session: &SessionRecord) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            Ok::<_, DeskError>(tx.insert_session(session).await?)
        })
    }

    /// The live session with this key digest. A session idle for longer than `timeouts.idle` or
    /// older than `timeouts.absolute` is ended and refused, as is one whose account is no longer
    /// valid. The last-seen time is written at most every `touch_every`, so that reads stay reads.
    pub async fn authenticate_session(
        &self,
        key_digest: &str,
        timeouts: SessionTimeouts,
        touch_every: Duration,
    ) -> Result<SessionInfo, DeskError> {
        let now = self.now();
        let found = read_tx!(self, |tx| async {
            let Some(session) = tx.session(key_digest).await? else {
                return Ok(None);
            };
            let account = self.account(&mut tx, session.principal).await?;
            Ok::<_, DeskError>(Some((session, account)))
        })?;
        let Some((session, account)) = found else {
            return Err(DeskError::NotAuthenticated("no such session".into()));
        };
        let expired = now - session.last_seen_at > timeouts.idle
            || now - session.created_at > timeouts.absolute;
        let account = account.filter(|a| a.validity().is_valid());
        let Some(account) = account.filter(|_| !expired) else {
            self.end_session(key_digest).await?;
            return Err(DeskError::NotAuthenticated(
                "the session has expired; sign in again".into(),
            ));
        };
        let mut session = session;
        if now - session.last_seen_at >= touch_every {
            session.last_seen_at = now;
            let touched = session.clone();
            write_tx!(self, |tx| async {
                Ok::<_, DeskError>(tx.update_session(&touched).await?)
            })?;
        }
        Ok(SessionInfo {
            session,
            login: account.login().to_owned(),
            name: account.name(),
            must_change_password: account.must_change_password(),
            has_second_factor: account.second_factor() != SecondFactor::None,
        })
    }

    /// Marks the second factor of a session as given.
    pub async fn complete_second_factor(&self, key_digest: &str) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            let mut session = tx
                .session(key_digest)
                .await?
                .ok_or_else(|| DeskError::NotAuthenticated("no such session".into()))?;
            session.awaiting_second_factor = false;
            Ok::<_, DeskError>(tx.update_session(&session).await?)
        })
    }

    /// Ends a session (sign-out). Ending an unknown session changes nothing.
    pub async fn end_session(&self, key_digest: &str) -> Result<(), DeskError> {
        write_tx!(self, |tx| async {
            if tx.session(key_digest).await?.is_some() {
                tx.delete_session(key_digest).await?;
            }
            Ok::<_, DeskError>(())
        })
    }

    /// Ends every expired session; returns how many.
    pub async fn purge_sessions(&self, timeouts: SessionTimeouts) -> Result<u64, DeskError> {
        let now = self.now();
        write_tx!(self, |tx| async {
            Ok::<_, DeskError>(
                tx.purge_sessions(now - timeouts.idle, now - timeouts.absolute)
                    .await?,
            )
        })
    }

    // --- API tokens -----------------------------------------------------------------------------

    /// Creates an API token for an agent (their own, or any agent's for admins). The caller made
    /// the secret and passes its SHA-256 digest; the secret itself is never stored.
    pub async fn create_api_token(
        &self,
        actor: Principal,
        agent: AgentId,
        name: &str,
        digest: &str,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<ApiToken, DeskError> {
        let mut errors = ValidationErrors::new();
        errors.text("name", name, 1, 200, false);
        if expires_at.is_some_and(|t| t <= self.now()) {
            errors.add("expires_at", "must be in the future");
        }
        errors.into_result()?;
        write_tx!(self, |tx| async {
            let (account, _) = self
                .managed_account(
                    &mut tx,
                    actor,
                    Principal::Agent(agent),
                    "create API tokens for",
                )
                .await?;
            if !account.validity().is_valid() {
                return Err(DeskError::NotAllowed {
                    object: format!("agent {}", account.login()),
                    reason: format!("the account is {}", account.validity().name()),
                });
            }
            Ok(tx
                .insert_api_token(&ApiToken {
                    id: ApiTokenId(0),
                    agent_id: agent,
                    name: name.trim().to_owned(),
                    digest: digest.to_owned(),
                    created_at: self.now(),
                    last_used_at: None,
                    expires_at,
                    revoked_at: None,
                })
                .await?)
        })
    }

    /// The API tokens of an agent (their own, or any agent's for admins), revoked ones included.
    pub async fn api_tokens(
        &self,
        actor: Principal,
        agent: AgentId,
    ) -> Result<Vec<ApiToken>, DeskError> {
        read_tx!(self, |tx| async {
            self.managed_account(
                &mut tx,
                actor,
                Principal::Agent(agent),
                "list API tokens of",
            )
            .await?;
            Ok::<_, DeskError>(tx.api_tokens_of(agent).await?)
        })
    }

    /// Revokes an API token (the owner or an admin); it is refused from the next request on.
    /// Revoking a revoked token changes nothing.
    pub async fn revoke_api_token(
        &self,
        actor: Principal,
        id: ApiTokenId,
    ) -> Result<ApiToken, DeskError> {
        write_tx!(self, |tx| async {
            let token = tx
                .api_token(id)
                .await?
                .ok_or_else(|| DeskError::not_found("API token", id))?;
            match self
                .managed_account(&mut tx, actor, Principal::Agent(token.agent_id), "revoke")
                .await
            {
                Ok(_) => {}
                // Other people's tokens are not there for someone who may not manage them.
                Err(DeskError::PermissionDenied { .. }) => {
                    return Err(DeskError::not_found("API token", id));
                }
                Err(other) => return Err(other),
            }
            if token.revoked_at.is_some() {
                return Ok(token);
            }
            let revoked = ApiToken {
                revoked_at: Some(self.now()),
                ..token
            };
            tx.update_api_token(&revoked).await?;
            Ok(revoked)
        })
    }

    /// The agent behind an API token (by the digest of its secret). Unknown, revoked and expired
    /// tokens and tokens of agents who are not valid are refused. The last use is written at most
    /// every `touch_every`.
    pub async fn authenticate_api_token(
        &self,
        digest: &str,
        touch_every: Duration,
    ) -> Result<ApiToken, DeskError> {
        let now = self.now();
        let found = read_tx!(self, |tx| async {
            let Some(token) = tx.api_token_by_digest(digest).await? else {
                return Ok(None);
            };
            let agent = tx.agent(token.agent_id).await?;
            Ok::<_, DeskError>(Some((token, agent)))
        })?;
        let refused =
            || DeskError::NotAuthenticated("unknown, revoked or expired API token".into());
        let Some((token, agent)) = found else {
            return Err(refused());
        };
        if token.revoked_at.is_some()
            || token.expires_at.is_some_and(|t| t <= now)
            || !agent.is_some_and(|a| a.validity.is_valid())
        {
            return Err(refused());
        }
        if token.last_used_at.is_none_or(|t| now - t >= touch_every) {
            let id = token.id;
            write_tx!(self, |tx| async {
                // Re-read so that a revocation in between is not overwritten.
                if let Some(current) = tx.api_token(id).await? {
                    tx.update_api_token(&ApiToken {
                        last_used_at: Some(now),
                        ..current
                    })
                    .await?;
                }
                Ok::<_, DeskError>(())
            })?;
        }
        Ok(token)
    }
}

fn target_key(target: Principal) -> String {
    match target {
        Principal::Agent(id) => id.to_string(),
        Principal::Customer(id) => id.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use chrono::TimeZone;

    use super::*;
    use crate::block_on;
    use crate::clock::ManualClock;
    use crate::desk::{DeskConfig, NewAgent, NewCustomer, NewCustomerUser};
    use crate::store::MemoryStore;

    // A stand-in for a password hash: the adapters use argon2id.
    fn hash(password: &str) -> String {
        format!("plain:{password}")
    }

    fn verify(password: &str) -> impl FnOnce(Option<String>) -> std::future::Ready<bool> {
        let expected = hash(password);
        move |stored| std::future::ready(stored.as_deref() == Some(expected.as_str()))
    }

    fn hasher(password: String) -> std::future::Ready<String> {
        std::future::ready(hash(&password))
    }

    struct World {
        desk: Desk<MemoryStore>,
        clock: Arc<ManualClock>,
        alice: AgentId,
        bob: AgentId,
        lacey: Principal,
        policy: AuthPolicy,
    }

    fn world() -> World {
        let clock = Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0).unwrap(),
        ));
        let desk = Desk::new(MemoryStore::new(), clock.clone(), DeskConfig::default());
        block_on(desk.initialize()).unwrap();
        let sys = Principal::SYSTEM;
        let agent = |login: &str| NewAgent {
            login: login.into(),
            first_name: "A".into(),
            last_name: "B".into(),
            email: format!("{login}@example.com"),
            password_hash: Some(hash("twelve chars ok")),
            must_change_password: false,
            groups: BTreeMap::new(),
        };
        let alice = block_on(desk.create_agent(sys, agent("alice"))).unwrap().id;
        let bob = block_on(desk.create_agent(sys, agent("bob"))).unwrap().id;
        block_on(desk.create_customer(
            sys,
            NewCustomer {
                customer_id: "SSI".into(),
                name: "SSI".into(),
                ..Default::default()
            },
        ))
        .unwrap();
        let lacey = block_on(desk.create_customer_user(
            sys,
            NewCustomerUser {
                login: "lacey".into(),
                first_name: "L".into(),
                last_name: "G".into(),
                email: "lacey@example.org".into(),
                customer_id: "SSI".into(),
                password_hash: Some(hash("ABcd1234")),
                ..Default::default()
            },
        ))
        .unwrap()
        .id;
        World {
            desk,
            clock,
            alice,
            bob,
            lacey: Principal::Customer(lacey),
            policy: AuthPolicy::default(),
        }
    }

    fn sign_in(w: &World, login: &str, password: &str) -> Result<SignIn, DeskError> {
        block_on(
            w.desk
                .sign_in(AccountKind::Agent, login, &w.policy, verify(password)),
        )
    }

    #[test]
    fn failures_lock_the_account_until_cleared_and_success_resets_the_count() {
        let w = world();
        assert!(sign_in(&w, "alice", "wrong").is_err());
        assert!(sign_in(&w, "alice", "twelve chars ok").is_ok());
        let agent = block_on(w.desk.agent(Principal::SYSTEM, w.alice)).unwrap();
        assert_eq!(agent.failed_logins, 0, "a success resets the count");
        for _ in 0..5 {
            assert!(matches!(
                sign_in(&w, "alice", "wrong"),
                Err(DeskError::NotAuthenticated(_))
            ));
        }
        let agent = block_on(w.desk.agent(Principal::SYSTEM, w.alice)).unwrap();
        assert_eq!(agent.validity, Validity::InvalidTemporarily);
        assert!(sign_in(&w, "alice", "twelve chars ok").is_err());
        // Only someone else, with the right to manage the account, clears it.
        assert!(
            block_on(
                w.desk
                    .clear_lockout(Principal::Agent(w.bob), Principal::Agent(w.alice))
            )
            .is_err()
        );
        block_on(
            w.desk
                .clear_lockout(Principal::SYSTEM, Principal::Agent(w.alice)),
        )
        .unwrap();
        assert!(sign_in(&w, "alice", "twelve chars ok").is_ok());
        assert!(sign_in(&w, "nobody", "twelve chars ok").is_err());
    }

    #[test]
    fn password_changes_follow_the_policy_and_who_may_set_what() {
        let w = world();
        let alice = Principal::Agent(w.alice);
        let set = |actor, target, new: &str, current: &str| {
            block_on(
                w.desk
                    .set_password(actor, target, new, &w.policy, verify(current), hasher),
            )
        };
        assert!(matches!(
            set(alice, alice, "short", "twelve chars ok"),
            Err(DeskError::Invalid(_))
        ));
        assert!(matches!(
            set(alice, alice, "a new long password", "wrong"),
            Err(DeskError::Invalid(e)) if e.0[0].field == "current_password"
        ));
        set(alice, alice, "a new long password", "twelve chars ok").unwrap();
        assert!(sign_in(&w, "alice", "a new long password").is_ok());
        // Other agents may not; admins may, and then it must be changed.
        assert!(matches!(
            set(Principal::Agent(w.bob), alice, "bob chose this one", ""),
            Err(DeskError::PermissionDenied { .. })
        ));
        set(Principal::SYSTEM, alice, "admin chose this one", "").unwrap();
        let signed = sign_in(&w, "alice", "admin chose this one").unwrap();
        assert!(signed.must_change_password);
        // While it must be changed, the current password is not asked for.
        set(alice, alice, "alice chose this one", "not asked").unwrap();
        assert!(
            !sign_in(&w, "alice", "alice chose this one")
                .unwrap()
                .must_change_password
        );
        // Customer users: their own policy; they cannot reach agents.
        assert!(matches!(
            set(w.lacey, w.lacey, "abcdefghij1", "ABcd1234"),
            Err(DeskError::Invalid(_))
        ));
        assert!(matches!(
            set(w.lacey, alice, "Whatever12AB", ""),
            Err(DeskError::NotFound { .. })
        ));
    }

    #[test]
    fn reset_tokens_work_once_and_expire() {
        let w = world();
        let reset = |digest: &str, new: &str| {
            block_on(w.desk.reset_password(digest, new, &w.policy, hasher))
        };
        let found = block_on(w.desk.request_password_reset(
            AccountKind::Agent,
            "alice",
            "digest-1",
            Duration::hours(1),
        ))
        .unwrap();
        assert!(found.is_some());
        assert!(
            block_on(w.desk.request_password_reset(
                AccountKind::Agent,
                "nobody",
                "digest-x",
                Duration::hours(1)
            ))
            .unwrap()
            .is_none()
        );
        assert!(matches!(
            reset("digest-1", "short"),
            Err(DeskError::Invalid(_))
        ));
        reset("digest-1", "reset long password").unwrap();
        assert!(sign_in(&w, "alice", "reset long password").is_ok());
        assert!(reset("digest-1", "another long password").is_err());
        block_on(w.desk.request_password_reset(
            AccountKind::Agent,
            "alice",
            "digest-2",
            Duration::hours(1),
        ))
        .unwrap();
        w.clock.advance(Duration::hours(2));
        assert!(reset("digest-2", "another long password").is_err());
    }

    #[test]
    fn sessions_expire_when_idle_or_old() {
        let w = world();
        let now = w.desk.now();
        let session = |key: &str| SessionRecord {
            key_digest: key.into(),
            principal: Principal::Agent(w.alice),
            csrf_token: "csrf".into(),
            awaiting_second_factor: false,
            created_at: now,
            last_seen_at: now,
            remote_addr: String::new(),
        };
        let timeouts = SessionTimeouts::default();
        let auth = |key: &str| {
            block_on(
                w.desk
                    .authenticate_session(key, timeouts, Duration::seconds(60)),
            )
        };
        block_on(w.desk.create_session(&session("a"))).unwrap();
        block_on(w.desk.create_session(&session("b"))).unwrap();
        for _ in 0..15 {
            w.clock.advance(Duration::hours(1));
            assert!(auth("a").is_ok());
        }
        assert!(auth("b").is_err(), "idle for 15 hours");
        w.clock.advance(Duration::hours(1) + Duration::seconds(1));
        assert!(auth("a").is_err(), "older than 16 hours");
        assert!(auth("a").is_err(), "and gone");
    }

    #[test]
    fn api_tokens_are_refused_once_revoked_or_expired() {
        let w = world();
        let alice = Principal::Agent(w.alice);
        let touch = Duration::seconds(60);
        let token = block_on(
            w.desk
                .create_api_token(alice, w.alice, "script", "d1", None),
        )
        .unwrap();
        assert_eq!(
            block_on(w.desk.authenticate_api_token("d1", touch))
                .unwrap()
                .agent_id,
            w.alice
        );
        assert!(block_on(w.desk.create_api_token(alice, w.bob, "x", "d2", None)).is_err());
        assert!(matches!(
            block_on(w.desk.revoke_api_token(Principal::Agent(w.bob), token.id)),
            Err(DeskError::NotFound { .. })
        ));
        block_on(w.desk.revoke_api_token(alice, token.id)).unwrap();
        assert!(block_on(w.desk.authenticate_api_token("d1", touch)).is_err());
        let soon = w.desk.now() + Duration::minutes(5);
        block_on(
            w.desk
                .create_api_token(alice, w.alice, "short", "d3", Some(soon)),
        )
        .unwrap();
        assert!(block_on(w.desk.authenticate_api_token("d3", touch)).is_ok());
        w.clock.advance(Duration::minutes(6));
        assert!(block_on(w.desk.authenticate_api_token("d3", touch)).is_err());
    }

    #[test]
    fn a_totp_step_signs_in_once() {
        let w = world();
        let alice = Principal::Agent(w.alice);
        let secret = "JBSWY3DPEHPK3PXP";
        assert!(block_on(w.desk.enable_totp(alice, "bad", |_| Some(1))).is_err());
        assert!(block_on(w.desk.enable_totp(alice, secret, |_| None)).is_err());
        block_on(w.desk.enable_totp(alice, secret, |_| Some(100))).unwrap();
        let check =
            |step: u64| {
                block_on(w.desk.verify_second_factor(alice, &w.policy, None, |s| {
                    (s == secret).then_some(step)
                }))
            };
        assert!(check(100).is_err(), "the setup code is used up");
        assert!(check(101).is_ok());
        assert!(check(101).is_err(), "no replay");
        assert!(check(102).is_ok());
        block_on(w.desk.reset_two_factor(alice, alice)).unwrap();
        assert_eq!(
            block_on(w.desk.second_factor(alice)).unwrap(),
            SecondFactor::None
        );
    }
}
