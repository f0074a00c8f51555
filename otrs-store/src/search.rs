//! The ticket search index: one Tantivy document per ticket, kept in step with the database by
//! reading the change feed.
//!
//! Every command writes its change-feed entries in the same transaction as its changes, so the
//! feed is the truth: [`TicketIndex::catch_up`] reads the entries after the index's position,
//! re-indexes the tickets they name, commits the index, and only then records the new position
//! (in a file beside the index). A crash between the index commit and the position write only
//! makes the next catch-up index the same tickets again. Each `otrs serve` instance keeps its own
//! index and position, so several instances on one PostgreSQL database each see every write.
//!
//! A document holds the ticket's number, title, every article's subject and body, queue, state,
//! priority, customer, owner and creation date, in the field layout of
//! [`otrs_query::Schema::tickets`].

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use otrs_core::ids::{AgentId, QueueId, StateId, TicketId};
use otrs_core::model::{Agent, ChangeOp, EntityKind, Queue, State, Ticket};
use otrs_core::store::{
    PageRequest, Store, StoreError, StoreTx, TicketAccess, TicketFilter, TicketQuery, TicketSort,
    TicketSortKey,
};
use otrs_query::index::{IndexConfig, IndexEvaluator, SearchOptions};
use otrs_query::{Document, IndexError, QueryError, Schema};

/// Feed entries read per round of [`TicketIndex::catch_up`].
const FEED_BATCH: u32 = 1000;
/// Tickets read per page while rebuilding.
const REBUILD_PAGE: u32 = 500;

/// What went wrong with the index.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The query does not parse (the error carries the position).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Tantivy failed.
    #[error("search index failed: {0}")]
    Index(String),
    /// The database failed while the index was read from it.
    #[error("reading tickets for the index failed: {0}")]
    Store(#[from] StoreError),
    /// The position file could not be read or written.
    #[error("search index position file {path}: {source}")]
    Position {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

impl From<IndexError> for SearchError {
    fn from(error: IndexError) -> Self {
        match error {
            IndexError::Query(query) => SearchError::Query(query),
            other => SearchError::Index(other.to_string()),
        }
    }
}

/// The ranked hits of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketHits {
    /// Matching tickets, best first.
    pub tickets: Vec<TicketId>,
    /// How many tickets match in all.
    pub total: u64,
}

/// A ticket search index and its position in the change feed.
#[derive(Debug, Clone)]
pub struct TicketIndex {
    inner: Arc<RwLock<Inner>>,
    position_file: Option<PathBuf>,
}

#[derive(Debug)]
struct Inner {
    evaluator: IndexEvaluator,
    position: u64,
}

/// Names used in documents, loaded once per round.
struct Names {
    queues: BTreeMap<QueueId, Queue>,
    states: BTreeMap<StateId, State>,
    agents: BTreeMap<AgentId, Agent>,
}

impl TicketIndex {
    /// Opens (or creates) the index in `dir`, with its feed position.
    pub fn open(dir: &Path) -> Result<TicketIndex, SearchError> {
        std::fs::create_dir_all(dir).map_err(|source| SearchError::Position {
            path: dir.to_owned(),
            source,
        })?;
        let evaluator =
            IndexEvaluator::open_or_create(dir, Schema::tickets(), IndexConfig::default())?;
        let position_file = dir.join("feed-position");
        let position = match std::fs::read_to_string(&position_file) {
            Ok(text) => text.trim().parse().unwrap_or(0),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(source) => {
                return Err(SearchError::Position {
                    path: position_file,
                    source,
                });
            }
        };
        // An index without a recorded position is rebuilt from the start of the feed.
        Ok(TicketIndex {
            inner: Arc::new(RwLock::new(Inner {
                evaluator,
                position,
            })),
            position_file: Some(position_file),
        })
    }

    /// An index in memory (tests, the embedded demo).
    pub fn in_memory() -> Result<TicketIndex, SearchError> {
        let evaluator = IndexEvaluator::in_ram(Schema::tickets())?;
        Ok(TicketIndex {
            inner: Arc::new(RwLock::new(Inner {
                evaluator,
                position: 0,
            })),
            position_file: None,
        })
    }

    /// The last change-feed entry reflected in the index.
    pub fn position(&self) -> u64 {
        self.read().position
    }

    /// Documents in the index.
    pub fn len(&self) -> u64 {
        self.read().evaluator.num_docs()
    }

    /// True if the index holds no document.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Every ticket matching `query`, best first (up to `limit` ids), with the total count.
    pub fn search(&self, query: &str, limit: usize) -> Result<TicketHits, SearchError> {
        let result = self
            .read()
            .evaluator
            .search(query, &SearchOptions::top(limit))?;
        let tickets = result
            .hits
            .iter()
            .filter_map(|h| h.id.parse().ok().map(TicketId))
            .collect();
        Ok(TicketHits {
            tickets,
            total: result.total,
        })
    }

    /// Reads the change feed after the index's position and re-indexes the tickets it names.
    /// Returns the number of tickets indexed.
    pub async fn catch_up<S: Store>(&self, store: &S) -> Result<usize, SearchError> {
        let mut indexed = 0;
        loop {
            let start = self.position();
            let mut tx = store.begin_read().await?;
            let changes = tx.changes_since(start, FEED_BATCH).await?;
            let Some(last) = changes.last().map(|c| c.seq) else {
                tx.rollback().await?;
                return Ok(indexed);
            };
            let mut tickets: BTreeSet<TicketId> = BTreeSet::new();
            let mut deleted: BTreeSet<TicketId> = BTreeSet::new();
            let mut renamed = TicketFilter::default();
            for change in &changes {
                match (change.entity, change.op) {
                    (EntityKind::Ticket, ChangeOp::Deleted) => {
                        deleted.insert(TicketId(change.entity_id));
                    }
                    (EntityKind::Ticket, _) => {
                        tickets.insert(TicketId(change.entity_id));
                    }
                    // A renamed queue, state, agent or customer user changes the documents of
                    // their tickets.
                    (EntityKind::Queue, ChangeOp::Updated) => {
                        renamed
                            .queue_ids
                            .get_or_insert_with(Vec::new)
                            .push(QueueId(change.entity_id));
                    }
                    (EntityKind::State, ChangeOp::Updated) => {
                        renamed
                            .state_ids
                            .get_or_insert_with(Vec::new)
                            .push(StateId(change.entity_id));
                    }
                    (EntityKind::Agent, ChangeOp::Updated) => {
                        renamed
                            .owner_ids
                            .get_or_insert_with(Vec::new)
                            .push(AgentId(change.entity_id));
                    }
                    (EntityKind::CustomerUser, ChangeOp::Updated) => {
                        renamed
                            .customer_user_ids
                            .get_or_insert_with(Vec::new)
                            .push(otrs_core::ids::CustomerUserId(change.entity_id));
                    }
                    _ => {}
                }
            }
            for filter in split_filter(renamed) {
                tickets.extend(all_ticket_ids(&mut tx, filter).await?);
            }
            let names = load_names(&mut tx).await?;
            let mut documents = Vec::with_capacity(tickets.len());
            for id in &tickets {
                match tx.ticket(*id).await? {
                    Some(ticket) => documents.push(document(&mut tx, &names, &ticket).await?),
                    None => {
                        deleted.insert(*id);
                    }
                }
            }
            tx.rollback().await?;
            indexed += documents.len();
            self.apply(&documents, &deleted, last)?;
        }
    }

    fn apply(
        &self,
        documents: &[Document],
        deleted: &BTreeSet<TicketId>,
        position: u64,
    ) -> Result<(), SearchError> {
        let mut inner = self.write();
        for id in deleted {
            inner.evaluator.delete(&id.to_string());
        }
        for doc in documents {
            inner.evaluator.upsert(doc)?;
        }
        inner.evaluator.commit()?;
        inner.position = position;
        drop(inner);
        self.save_position(position)
    }

    fn save_position(&self, position: u64) -> Result<(), SearchError> {
        let Some(path) = &self.position_file else {
            return Ok(());
        };
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, position.to_string())
            .and_then(|()| std::fs::rename(&tmp, path))
            .map_err(|source| SearchError::Position {
                path: path.clone(),
                source,
            })
    }

    /// Rebuilds the index from the database: every ticket, then the feed position at the start
    /// of the rebuild (changes made meanwhile are picked up by the next catch-up). `progress`
    /// gets (tickets done, tickets in all).
    pub async fn rebuild<S: Store>(
        &self,
        store: &S,
        mut progress: impl FnMut(u64, u64),
    ) -> Result<u64, SearchError> {
        let mut tx = store.begin_read().await?;
        let mut position = 0;
        loop {
            let changes = tx.changes_since(position, 10_000).await?;
            match changes.last() {
                Some(last) => position = last.seq,
                None => break,
            }
        }
        let names = load_names(&mut tx).await?;
        {
            let mut inner = self.write();
            inner.evaluator.delete_all()?;
        }
        let sort = TicketSort {
            key: TicketSortKey::Id,
            descending: false,
        };
        let mut page = PageRequest::first(REBUILD_PAGE);
        let mut done = 0;
        loop {
            let query = TicketQuery {
                access: TicketAccess::Unrestricted,
                filter: TicketFilter::default(),
                sort,
                page,
            };
            let result = tx.list_tickets(&query).await?;
            let mut documents = Vec::with_capacity(result.tickets.len());
            for ticket in &result.tickets {
                documents.push(document(&mut tx, &names, ticket).await?);
            }
            {
                let mut inner = self.write();
                for doc in &documents {
                    inner.evaluator.add(doc)?;
                }
            }
            done += documents.len() as u64;
            progress(done, result.total);
            match result.next_cursor {
                Some(cursor) => {
                    page = PageRequest::After {
                        cursor,
                        limit: REBUILD_PAGE,
                    }
                }
                None => break,
            }
        }
        tx.rollback().await?;
        self.apply(&[], &BTreeSet::new(), position)?;
        Ok(done)
    }

    /// Keeps the index in step until `stop` resolves: catches up every `interval` (a committed
    /// write is searchable within about one interval plus the indexing time).
    pub async fn follow<S: Store>(
        &self,
        store: S,
        interval: Duration,
        stop: impl std::future::Future<Output = ()>,
    ) {
        tokio::pin!(stop);
        loop {
            if let Err(error) = self.catch_up(&store).await {
                tracing::warn!(%error, "search index catch-up failed; retrying");
            }
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(interval) => {}
            }
        }
    }
}

/// Splits a filter of several renamed kinds into one filter per kind (a ticket matches any).
fn split_filter(filter: TicketFilter) -> Vec<TicketFilter> {
    let mut out = Vec::new();
    if let Some(q) = filter.queue_ids {
        out.push(TicketFilter {
            queue_ids: Some(q),
            ..Default::default()
        });
    }
    if let Some(s) = filter.state_ids {
        out.push(TicketFilter {
            state_ids: Some(s),
            ..Default::default()
        });
    }
    if let Some(o) = filter.owner_ids {
        out.push(TicketFilter {
            owner_ids: Some(o),
            ..Default::default()
        });
    }
    if let Some(c) = filter.customer_user_ids {
        out.push(TicketFilter {
            customer_user_ids: Some(c),
            ..Default::default()
        });
    }
    out
}

async fn all_ticket_ids<T: StoreTx>(
    tx: &mut T,
    filter: TicketFilter,
) -> Result<Vec<TicketId>, SearchError> {
    let sort = TicketSort {
        key: TicketSortKey::Id,
        descending: false,
    };
    let mut page = PageRequest::first(REBUILD_PAGE);
    let mut ids = Vec::new();
    loop {
        let query = TicketQuery {
            access: TicketAccess::Unrestricted,
            filter: filter.clone(),
            sort,
            page,
        };
        let result = tx.list_tickets(&query).await?;
        ids.extend(result.tickets.iter().map(|t| t.id));
        match result.next_cursor {
            Some(cursor) => {
                page = PageRequest::After {
                    cursor,
                    limit: REBUILD_PAGE,
                }
            }
            None => return Ok(ids),
        }
    }
}

async fn load_names<T: StoreTx>(tx: &mut T) -> Result<Names, SearchError> {
    Ok(Names {
        queues: tx.queues().await?.into_iter().map(|q| (q.id, q)).collect(),
        states: tx.states().await?.into_iter().map(|s| (s.id, s)).collect(),
        agents: tx.agents().await?.into_iter().map(|a| (a.id, a)).collect(),
    })
}

async fn document<T: StoreTx>(
    tx: &mut T,
    names: &Names,
    ticket: &Ticket,
) -> Result<Document, SearchError> {
    let articles = tx.articles(ticket.id).await?;
    let body: Vec<String> = articles
        .iter()
        .map(|a| format!("{}\n{}", a.subject, a.body))
        .collect();
    let mut customer = ticket.customer_id.clone().unwrap_or_default();
    if let Some(user) = ticket.customer_user_id
        && let Some(user) = tx.customer_user(user).await?
    {
        customer = format!(
            "{} {} <{}> {}",
            user.login,
            user.full_name(),
            user.email,
            customer
        );
    }
    let owner = names
        .agents
        .get(&ticket.owner_id)
        .map(|a| format!("{} {}", a.login, a.full_name()))
        .unwrap_or_default();
    Ok(Document::new(ticket.id.to_string())
        .text("number", ticket.number.clone())
        .text("title", ticket.title.clone())
        .texts("body", body)
        .text(
            "queue",
            names
                .queues
                .get(&ticket.queue_id)
                .map(|q| q.name.clone())
                .unwrap_or_default(),
        )
        .text(
            "state",
            names
                .states
                .get(&ticket.state_id)
                .map(|s| s.name.clone())
                .unwrap_or_default(),
        )
        .text("customer", customer)
        .text("owner", owner)
        .int("priority", i64::from(ticket.priority.level()))
        .text("created", ticket.created_at.format("%Y-%m-%d").to_string()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use otrs_core::clock::ManualClock;
    use otrs_core::desk::{ArticleInput, NewTicket, TicketUpdate};
    use otrs_core::model::default_states;
    use otrs_core::store::MemoryStore;
    use otrs_core::{Desk, DeskConfig, Principal, block_on};

    use super::*;

    fn desk() -> Desk<MemoryStore> {
        let clock = Arc::new(ManualClock::new(
            chrono::DateTime::UNIX_EPOCH + chrono::Duration::days(20_000),
        ));
        let desk = Desk::new(MemoryStore::new(), clock, DeskConfig::default());
        block_on(desk.initialize()).unwrap();
        desk
    }

    #[test]
    fn the_index_follows_creates_changes_and_renames() {
        let desk = desk();
        let sys = Principal::SYSTEM;
        let index = TicketIndex::in_memory().unwrap();
        let q = block_on(desk.queue_by_name(sys, "Misc")).unwrap();
        let printer = block_on(desk.create_ticket(
            sys,
            NewTicket::new("Printer offline", q.id, ArticleInput::note("Toner empty")),
        ))
        .unwrap();
        let vpn = block_on(desk.create_ticket(
            sys,
            NewTicket::new("VPN down", q.id, ArticleInput::note("tunnel fails")),
        ))
        .unwrap();
        assert_eq!(block_on(index.catch_up(desk.store())).unwrap(), 2);
        assert_eq!(index.search("toner", 10).unwrap().tickets, [printer.id]);
        assert_eq!(index.search("queue:misc", 10).unwrap().total, 2);
        block_on(desk.add_article(sys, vpn.id, ArticleInput::note("router replaced"))).unwrap();
        block_on(desk.update_ticket(
            sys,
            vpn.id,
            TicketUpdate {
                state: Some(default_states::CLOSED_SUCCESSFUL),
                ..Default::default()
            },
        ))
        .unwrap();
        block_on(index.catch_up(desk.store())).unwrap();
        assert_eq!(
            index.search("router AND state:closed", 10).unwrap().tickets,
            [vpn.id]
        );
        // Renaming the queue re-indexes its tickets.
        let update = otrs_core::desk::QueueUpdate {
            name: Some("Hardware".into()),
            ..Default::default()
        };
        block_on(desk.update_queue(sys, q.id, update)).unwrap();
        block_on(index.catch_up(desk.store())).unwrap();
        assert_eq!(index.search("queue:hardware", 10).unwrap().total, 2);
        assert_eq!(index.search("queue:misc", 10).unwrap().total, 0);
        assert!(matches!(
            index.search("title:(", 10),
            Err(SearchError::Query(_))
        ));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_committed_write_is_searchable_within_one_second() {
        let store = crate::SqliteStore::open_in_memory().await.unwrap();
        let clock = Arc::new(otrs_core::clock::SystemClock);
        let desk = Desk::new(store.clone(), clock, DeskConfig::default());
        desk.initialize().await.unwrap();
        let index = TicketIndex::in_memory().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let follower = {
            let index = index.clone();
            let store = store.clone();
            tokio::spawn(async move {
                index
                    .follow(store, Duration::from_millis(250), async move {
                        let _ = stop_rx.await;
                    })
                    .await;
            })
        };
        let queue = desk.queue_by_name(Principal::SYSTEM, "Misc").await.unwrap();
        for i in 0..5 {
            let new = NewTicket::new(
                format!("kettle {i}"),
                queue.id,
                ArticleInput::note("descaling needed"),
            );
            let ticket = desk.create_ticket(Principal::SYSTEM, new).await.unwrap();
            let committed = std::time::Instant::now();
            loop {
                if index
                    .search(&format!("number:{}", ticket.number), 1)
                    .unwrap()
                    .total
                    == 1
                {
                    break;
                }
                assert!(
                    committed.elapsed() < Duration::from_secs(1),
                    "ticket {i} not searchable after one second"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let _ = stop_tx.send(());
        follower.await.unwrap();
    }

    #[test]
    fn a_reopened_index_resumes_at_its_position_and_rebuild_matches() {
        let dir = tempfile::tempdir().unwrap();
        let desk = desk();
        let sys = Principal::SYSTEM;
        let q = block_on(desk.queue_by_name(sys, "Raw")).unwrap();
        for i in 0..3 {
            block_on(desk.create_ticket(
                sys,
                NewTicket::new(format!("ticket {i}"), q.id, ArticleInput::note("x")),
            ))
            .unwrap();
        }
        {
            let index = TicketIndex::open(dir.path()).unwrap();
            block_on(index.catch_up(desk.store())).unwrap();
            assert_eq!(index.len(), 3);
        }
        block_on(desk.create_ticket(sys, NewTicket::new("later", q.id, ArticleInput::note("y"))))
            .unwrap();
        let index = TicketIndex::open(dir.path()).unwrap();
        let before = index.position();
        assert!(before > 0);
        assert_eq!(
            block_on(index.catch_up(desk.store())).unwrap(),
            1,
            "only the new ticket is indexed"
        );
        assert_eq!(index.len(), 4);
        let mut seen = (0, 0);
        assert_eq!(
            block_on(index.rebuild(desk.store(), |d, t| seen = (d, t))).unwrap(),
            4
        );
        assert_eq!(seen, (4, 4));
        assert_eq!(index.len(), 4);
        assert_eq!(block_on(index.catch_up(desk.store())).unwrap(), 0);
    }
}
