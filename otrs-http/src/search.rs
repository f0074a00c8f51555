//! The search port of the server and its implementation over `otrs-query`'s Tantivy index.
//!
//! The server only asks an index for ticket ids; the desk then keeps the ones the caller may
//! read. Feeding the index from the store's change feed is the indexer's job, not the server's.

use std::fmt::Debug;

use otrs_core::ids::TicketId;
use otrs_core::model::{Article, Ticket};
use otrs_query::index::{IndexEvaluator, SearchOptions};
use otrs_query::{Document, IndexError, Schema};
use parking_lot::RwLock;

/// What a search found: ticket ids, best first, and how many matched in all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchHits {
    /// Up to the limit, best first.
    pub ids: Vec<TicketId>,
    /// Every match (may exceed `ids.len()`).
    pub total: u64,
}

/// Why a search failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SearchError {
    /// The query does not parse; the offset is in bytes, the column in characters (1-based).
    #[error("{message}")]
    Syntax {
        /// For a person.
        message: String,
        /// Byte offset in the query.
        offset: usize,
        /// 1-based column.
        column: usize,
    },
    /// The index failed or there is none.
    #[error("search index unavailable: {0}")]
    Unavailable(String),
}

/// A full-text index of tickets.
pub trait SearchIndex: Send + Sync + Debug + 'static {
    /// Runs `query` (the Lucene-style query language) and returns up to `limit` ticket ids.
    fn search(&self, query: &str, limit: usize) -> Result<SearchHits, SearchError>;
}

/// No index: every search answers "unavailable".
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSearchIndex;

impl SearchIndex for NoSearchIndex {
    fn search(&self, _query: &str, _limit: usize) -> Result<SearchHits, SearchError> {
        Err(SearchError::Unavailable(
            "no search index is configured".into(),
        ))
    }
}

/// `otrs-query`'s Tantivy index with the ticket schema.
#[derive(Debug)]
pub struct TicketIndex {
    index: RwLock<IndexEvaluator>,
}

/// The names a ticket document needs besides the ticket itself.
#[derive(Debug, Clone, Copy, Default)]
pub struct TicketNames<'a> {
    /// Queue name.
    pub queue: &'a str,
    /// State name.
    pub state: &'a str,
    /// Owner login.
    pub owner: &'a str,
    /// CustomerID or customer user login.
    pub customer: &'a str,
}

impl TicketIndex {
    /// An empty index in memory.
    pub fn in_ram() -> Result<TicketIndex, IndexError> {
        Ok(TicketIndex {
            index: RwLock::new(IndexEvaluator::in_ram(Schema::tickets())?),
        })
    }

    /// Wraps an opened index (it must use [`Schema::tickets`]).
    pub fn from_evaluator(index: IndexEvaluator) -> TicketIndex {
        TicketIndex {
            index: RwLock::new(index),
        }
    }

    /// The document of a ticket: number, title, every article body, queue, state, customer,
    /// owner, priority and creation date.
    pub fn document(ticket: &Ticket, articles: &[Article], names: TicketNames<'_>) -> Document {
        Document::new(ticket.id.0.to_string())
            .text("number", ticket.number.clone())
            .text("title", ticket.title.clone())
            .texts("body", articles.iter().map(|a| a.body.clone()).collect())
            .text("queue", names.queue)
            .text("state", names.state)
            .text("owner", names.owner)
            .text("customer", names.customer)
            .int("priority", i64::from(ticket.priority.level()))
            .text("created", ticket.created_at.format("%Y-%m-%d").to_string())
    }

    /// Adds or replaces a ticket (visible after [`TicketIndex::commit`]).
    pub fn upsert(&self, document: &Document) -> Result<(), IndexError> {
        self.index.write().upsert(document)
    }

    /// Removes a ticket (visible after [`TicketIndex::commit`]).
    pub fn delete(&self, id: TicketId) {
        self.index.write().delete(&id.0.to_string());
    }

    /// Makes every change visible.
    pub fn commit(&self) -> Result<(), IndexError> {
        self.index.write().commit()
    }
}

impl SearchIndex for TicketIndex {
    fn search(&self, query: &str, limit: usize) -> Result<SearchHits, SearchError> {
        let result = self
            .index
            .read()
            .search(query, &SearchOptions::top(limit))
            .map_err(|error| match error {
                IndexError::Query(q) => SearchError::Syntax {
                    message: q.message,
                    offset: q.offset,
                    column: q.column,
                },
                other => SearchError::Unavailable(other.to_string()),
            })?;
        Ok(SearchHits {
            ids: result
                .hits
                .iter()
                .filter_map(|h| h.id.parse().ok().map(TicketId))
                .collect(),
            total: result.total,
        })
    }
}
