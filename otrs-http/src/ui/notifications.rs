//! The notifications bell: the agent's latest web-view notifications.
//!
//! Web-view notifications are written by the desk's scheduler (appointment reminders, later
//! ticket notifications). Until the desk offers them, [`load`] answers an empty bell; it is the
//! one place that changes when they arrive.

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::html;
use otrs_core::store::Store;
use std::sync::Arc;

use crate::state::AppState;
use crate::ui::UiCtx;
use crate::ui::frame::{Crumbs, agent_page};

/// How many notifications the bell shows.
pub const BELL_SIZE: u32 = 5;

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Title.
    pub title: String,
    /// Where it leads (a path of this site).
    pub link: Option<String>,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Not seen yet.
    pub unseen: bool,
}

/// The latest notifications, newest first, and how many are unseen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Bell {
    /// Newest first.
    pub latest: Vec<Notification>,
    /// Unseen in all.
    pub unseen: u64,
}

/// The agent's latest `limit` web-view notifications.
pub async fn load<S: Store>(_state: &AppState<S>, _ctx: &UiCtx, _limit: u32) -> Bell {
    Bell::default()
}

/// "Show All": every notification of the agent.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    let bell = load(&state, &ctx, 200).await;
    let body = html! {
        div.widget { div.body {
            @if bell.latest.is_empty() {
                p.muted { "You have no notifications." }
            } @else {
                ul.plain { @for n in &bell.latest {
                    li {
                        span.grow { @match &n.link { Some(l) => a href=(l) { (n.title) }, None => (n.title) } }
                        span.muted { (ctx.time(n.at)) }
                    }
                } }
            }
        } }
    };
    agent_page(
        &state,
        &ctx,
        "Notifications",
        Crumbs::path(&[("Notifications", None)]),
        body,
    )
    .await
}
