//! The search port of the server, implemented by the store's ticket index.
//!
//! The server only asks an index for ticket ids; the desk then keeps the ones the caller may
//! read. Feeding the index from the store's change feed is the indexer's job, not the server's.

use std::fmt::Debug;

use otrs_core::ids::TicketId;

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

/// The store's ticket index, which follows the change feed, as the server's search port.
impl SearchIndex for otrs_store::TicketIndex {
    fn search(&self, query: &str, limit: usize) -> Result<SearchHits, SearchError> {
        match otrs_store::TicketIndex::search(self, query, limit) {
            Ok(hits) => Ok(SearchHits {
                ids: hits.tickets,
                total: hits.total,
            }),
            Err(otrs_store::SearchError::Query(q)) => Err(SearchError::Syntax {
                message: q.message,
                offset: q.offset,
                column: q.column,
            }),
            Err(other) => Err(SearchError::Unavailable(other.to_string())),
        }
    }
}
