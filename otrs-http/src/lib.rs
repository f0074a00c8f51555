//! # otrs-http: the help desk over HTTP
//!
//! An axum server that exposes every [`otrs_core::Desk`] command and read model as JSON under
//! `/api/v1` (documented by an OpenAPI 3.1 document at `/api/v1/openapi.json`), signs agents
//! and customer users in (argon2id passwords, TOTP or e-mailed codes, sessions in the store,
//! API tokens), serves the sign-in pages at `/agent/login` and `/external/login`, and delivers
//! the outbox over SMTP.
//!
//! * [`router`] builds the whole application over an [`AppState`]; tests drive it with
//!   `tower::ServiceExt::oneshot`.
//! * [`serve`] runs it on a listener with the background workers (outbox delivery, session
//!   purge) until a shutdown future completes.
//! * [`HttpConfig`] holds the settings the binary reads from `otrs.toml`.
//!
//! ```no_run
//! use std::sync::Arc;
//! use otrs_core::{Desk, DeskConfig, clock::SystemClock, store::MemoryStore};
//! use otrs_http::{AppState, HttpConfig, search::NoSearchIndex};
//!
//! # async fn run() -> std::io::Result<()> {
//! let desk = Arc::new(Desk::new(MemoryStore::new(), Arc::new(SystemClock), DeskConfig::default()));
//! desk.initialize().await.expect("initial data");
//! let state = AppState::new(desk, HttpConfig::default(), Arc::new(NoSearchIndex));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! otrs_http::serve(listener, state, std::future::pending()).await
//! # }
//! ```

#![warn(missing_docs)]

mod api;
pub mod auth;
pub mod calendar_feed;
pub mod config;
pub mod crypto;
pub mod dto;
pub mod error;
pub mod extract;
// --- kb-external: the external interface's pages besides sign-in
mod external;
pub mod i18n;
pub mod jobs;
pub mod mail;
pub mod openapi;
mod pages;
pub mod search;
pub mod shapes;
mod signin;
pub mod state;
pub mod stats_dto;
pub mod stats_output;
pub mod ui;
// --- reports
pub mod reports;

use std::future::Future;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, Request, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use otrs_core::store::Store;
use tower_http::catch_panic::CatchPanicLayer;

// The interface's translation catalogues (otrs-http/locales/*.yml), compiled in; see `i18n`.
rust_i18n::i18n!("locales");

pub use config::{HashCost, HttpConfig, SmtpConfig, SmtpTls};
pub use error::ApiError;
pub use state::AppState;

/// Every API route as (method, path), in registration order; the OpenAPI document lists the same.
pub fn api_routes() -> Vec<(Method, &'static str)> {
    api::build::<otrs_core::store::MemoryStore>().routes
}

async fn openapi_json() -> Response {
    let doc = openapi::document();
    match doc.to_json() {
        Ok(json) => ([(header::CONTENT_TYPE, "application/json")], json).into_response(),
        Err(e) => error::internal("could not render the OpenAPI document", &e).into_response(),
    }
}

async fn fallback(request: Request<Body>) -> ApiError {
    ApiError::new(
        "no-such-route",
        format!("no route {} {}", request.method(), request.uri().path()),
    )
}

async fn method_not_allowed(response: Response) -> Response {
    if response.status() == StatusCode::METHOD_NOT_ALLOWED {
        let allow = response.headers().get(header::ALLOW).cloned();
        let mut problem =
            ApiError::new("method-not-allowed", "this route does not take that method")
                .into_response();
        if let Some(allow) = allow {
            problem.headers_mut().insert(header::ALLOW, allow);
        }
        return problem;
    }
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a handler panicked");
    ApiError::new("internal", "the server failed; the error has been logged").into_response()
}

/// The whole application: the API, its OpenAPI document and the sign-in pages.
pub fn router<S: Store>(state: AppState<S>) -> Router {
    let limit = state.config().max_body_bytes;
    let api = api::build::<S>();
    Router::new()
        .merge(api.router)
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(pages::routes::<S>())
        // --- kb-external: the external interface's knowledge base
        .merge(external::routes::<S>())
        // --- calendar: the public iCalendar feeds ---
        .merge(calendar_feed::routes::<S>())
        // --- agent web interface (ui) ---
        .merge(ui::routes::<S>(state.clone()))
        .fallback(fallback)
        .layer(axum::middleware::map_response(method_not_allowed))
        .layer(DefaultBodyLimit::max(limit))
        .layer(CatchPanicLayer::custom(panic_response))
        .with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, with the background workers:
/// the outbox is delivered every `outbox_interval` (and at once after commands that queue
/// e-mail), expired sessions are purged every ten minutes, and the job worker
/// ([`jobs::run_worker`]) runs due background jobs (unless `jobs.enabled` is off). After
/// `shutdown`, the job worker finishes or gives back its running job before this returns.
pub async fn serve<S: Store>(
    listener: tokio::net::TcpListener,
    state: AppState<S>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let jobs = state
        .config()
        .jobs
        .enabled
        .then(|| tokio::spawn(jobs::run_worker(state.clone(), stop_rx.clone())));
    let workers = tokio::spawn(background(state.clone(), stop_rx));
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await;
    let _ = stop_tx.send(true);
    let _ = workers.await;
    if let Some(jobs) = jobs {
        let _ = jobs.await;
    }
    result
}

/// The background workers of [`serve`], until `stop` turns true.
pub async fn background<S: Store>(
    state: AppState<S>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let interval = state.config().outbox_interval;
    let mut purge = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            _ = state.outbox_wake().notified() => {}
            _ = tokio::time::sleep(interval) => {}
            _ = purge.tick() => {
                if let Err(e) = state.desk().purge_sessions(state.config().sessions).await {
                    tracing::error!(error = %error::cause_chain(&e), "session purge failed");
                }
                continue;
            }
        }
        if state.mailer().is_configured() {
            match state
                .desk()
                .deliver_outbox(state.mailer(), state.config().outbox_batch)
                .await
            {
                Ok(report) if report.sent + report.failed + report.deferred > 0 => {
                    tracing::info!(?report, "outbox delivered");
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::error!(error = %error::cause_chain(&e), "outbox delivery failed")
                }
            }
        }
    }
}
