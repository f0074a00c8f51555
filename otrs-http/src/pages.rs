//! Server-rendered sign-in pages (placeholder until written).

use axum::Router;
use otrs_core::store::Store;

use crate::state::AppState;

pub(crate) fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
}
