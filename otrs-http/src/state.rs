//! The server's shared state: the desk, the settings, the search index, the mailer and a cache
//! of display names.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use otrs_core::ids::{AgentId, CustomerUserId, QueueId, StateId};
use otrs_core::model::StateType;
use otrs_core::store::Store;
use otrs_core::{Desk, Principal};
use parking_lot::RwLock;
use tokio::sync::Notify;

use crate::config::HttpConfig;
use crate::mail::SmtpMailer;
use crate::search::SearchIndex;

/// Everything a handler needs; cheap to clone.
pub struct AppState<S: Store> {
    inner: Arc<Inner<S>>,
}

impl<S: Store> std::fmt::Debug for AppState<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.inner.config)
            .field("search", &self.inner.search)
            .finish_non_exhaustive()
    }
}

impl<S: Store> Clone for AppState<S> {
    fn clone(&self) -> Self {
        AppState {
            inner: self.inner.clone(),
        }
    }
}

struct Inner<S: Store> {
    desk: Arc<Desk<S>>,
    config: Arc<HttpConfig>,
    search: Arc<dyn SearchIndex>,
    mailer: Arc<SmtpMailer>,
    names: NameCache,
    outbox_wake: Notify,
    dummy_hash: OnceLock<String>,
    // --- scheduler ---
    jobs: Arc<crate::jobs::Registry<S>>,
    jobs_wake: Notify,
}

impl<S: Store> AppState<S> {
    /// State over a desk with the given settings and search index; e-mail goes to the SMTP
    /// relay of the settings. Use [`crate::search::NoSearchIndex`] when there is no index
    /// (searches then answer 503).
    pub fn new(
        desk: Arc<Desk<S>>,
        config: HttpConfig,
        search: Arc<dyn SearchIndex>,
    ) -> AppState<S> {
        let mailer = Arc::new(SmtpMailer::new(&config));
        let jobs = Arc::new(crate::jobs::registry(&config.jobs));
        AppState {
            inner: Arc::new(Inner {
                desk,
                config: Arc::new(config),
                search,
                mailer,
                names: NameCache::default(),
                outbox_wake: Notify::new(),
                dummy_hash: OnceLock::new(),
                jobs,
                jobs_wake: Notify::new(),
            }),
        }
    }

    /// The desk.
    pub fn desk(&self) -> &Desk<S> {
        &self.inner.desk
    }

    /// The settings.
    pub fn config(&self) -> &HttpConfig {
        &self.inner.config
    }

    /// The search index.
    pub fn search(&self) -> &dyn SearchIndex {
        &*self.inner.search
    }

    /// The mailer.
    pub fn mailer(&self) -> &SmtpMailer {
        &self.inner.mailer
    }

    /// Wakes the outbox worker (after a command queued e-mail).
    pub fn wake_outbox(&self) {
        self.inner.outbox_wake.notify_one();
    }

    pub(crate) fn outbox_wake(&self) -> &Notify {
        &self.inner.outbox_wake
    }

    /// The job handlers by kind.
    pub fn jobs(&self) -> &crate::jobs::Registry<S> {
        &self.inner.jobs
    }

    /// Wakes the job worker (after a job was scheduled through this server).
    pub fn wake_jobs(&self) {
        self.inner.jobs_wake.notify_one();
    }

    pub(crate) fn jobs_wake(&self) -> &Notify {
        &self.inner.jobs_wake
    }

    /// A password hash to verify against when a login is unknown, so that unknown logins cost
    /// as much time as wrong passwords.
    pub(crate) fn dummy_hash(&self) -> String {
        self.inner
            .dummy_hash
            .get_or_init(|| {
                crate::crypto::hash_password("dummy password", self.config().password_hashing)
            })
            .clone()
    }

    /// Display names of queues, states and agents (refreshed every few seconds and after
    /// changes made through this server).
    pub(crate) async fn names(&self) -> Arc<Names> {
        if let Some(names) = self.inner.names.fresh() {
            return names;
        }
        let desk = self.desk();
        let system = Principal::SYSTEM;
        let queues = desk.queues(system).await.unwrap_or_default();
        let states = desk.states(system).await.unwrap_or_default();
        let agents = desk.agents(system).await.unwrap_or_default();
        let names = Arc::new(Names {
            queues: queues.into_iter().map(|q| (q.id, q.name)).collect(),
            states: states
                .into_iter()
                .map(|s| (s.id, (s.name, s.state_type)))
                .collect(),
            agents: agents.into_iter().map(|a| (a.id, a.login)).collect(),
            customer_users: RwLock::new(HashMap::new()),
        });
        self.inner.names.store(names.clone());
        names
    }

    /// Forgets cached names (after a change to queues, states, agents or customer users).
    pub(crate) fn names_changed(&self) {
        self.inner.names.clear();
    }

    /// The login of a customer user, cached with the other names.
    pub(crate) async fn customer_user_login(&self, names: &Names, id: CustomerUserId) -> String {
        if let Some(login) = names.customer_users.read().get(&id) {
            return login.clone();
        }
        let login = self
            .desk()
            .customer_user(Principal::SYSTEM, id)
            .await
            .map(|u| u.login)
            .unwrap_or_default();
        names.customer_users.write().insert(id, login.clone());
        login
    }
}

/// Display names, by id.
#[derive(Debug, Default)]
pub(crate) struct Names {
    pub(crate) queues: HashMap<QueueId, String>,
    pub(crate) states: HashMap<StateId, (String, StateType)>,
    pub(crate) agents: HashMap<AgentId, String>,
    customer_users: RwLock<HashMap<CustomerUserId, String>>,
}

impl Names {
    pub(crate) fn queue(&self, id: QueueId) -> String {
        self.queues.get(&id).cloned().unwrap_or_default()
    }

    pub(crate) fn state(&self, id: StateId) -> (String, StateType) {
        self.states
            .get(&id)
            .cloned()
            .unwrap_or((String::new(), StateType::Open))
    }

    pub(crate) fn agent(&self, id: AgentId) -> String {
        self.agents.get(&id).cloned().unwrap_or_default()
    }

    /// True if every id is known (a miss means the cache is older than the object).
    pub(crate) fn knows(&self, queue: QueueId, state: StateId, agents: &[AgentId]) -> bool {
        self.queues.contains_key(&queue)
            && self.states.contains_key(&state)
            && agents.iter().all(|a| self.agents.contains_key(a))
    }
}

const NAMES_TTL: Duration = Duration::from_secs(5);

#[derive(Debug, Default)]
struct NameCache {
    slot: RwLock<Option<(Instant, Arc<Names>)>>,
}

impl NameCache {
    fn fresh(&self) -> Option<Arc<Names>> {
        let slot = self.slot.read();
        slot.as_ref()
            .filter(|(at, _)| at.elapsed() < NAMES_TTL)
            .map(|(_, names)| names.clone())
    }

    fn store(&self, names: Arc<Names>) {
        *self.slot.write() = Some((Instant::now(), names));
    }

    fn clear(&self) {
        *self.slot.write() = None;
    }
}
