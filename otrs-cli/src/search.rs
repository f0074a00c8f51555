//! The server's search port over the store's ticket index.

use otrs_http::search::{SearchError, SearchHits, SearchIndex};
use otrs_store::TicketIndex;

/// [`TicketIndex`] as the server's [`SearchIndex`].
#[derive(Debug, Clone)]
pub struct IndexSearch(pub TicketIndex);

impl SearchIndex for IndexSearch {
    fn search(&self, query: &str, limit: usize) -> Result<SearchHits, SearchError> {
        match self.0.search(query, limit) {
            Ok(hits) => Ok(SearchHits {
                ids: hits.tickets,
                total: hits.total,
            }),
            Err(otrs_store::SearchError::Query(e)) => Err(SearchError::Syntax {
                message: e.to_string(),
                offset: e.offset,
                column: e.column,
            }),
            Err(other) => Err(SearchError::Unavailable(other.to_string())),
        }
    }
}
