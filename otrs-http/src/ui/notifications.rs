//! The notifications bell: the agent's latest web-view notifications (appointment reminders now,
//! ticket notifications later), written by the desk's jobs, and the "Show All" page where they
//! are marked seen.

use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use chrono::{DateTime, Utc};
use maud::html;
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::state::AppState;
use crate::tr;
use crate::ui::frame::{Crumbs, agent_page};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, see_other};

/// How many notifications the bell shows.
pub const BELL_SIZE: u32 = 5;

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// Title.
    pub title: String,
    /// Details.
    pub body: String,
    /// Where it leads (a path of this site or an http(s) URL).
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

/// The agent's latest `limit` web-view notifications (an empty bell, logged, if they cannot be
/// read: the page itself still works).
pub async fn load<S: Store>(state: &AppState<S>, ctx: &UiCtx, limit: u32) -> Bell {
    match state
        .desk()
        .agent_notifications(ctx.principal(), limit)
        .await
    {
        Ok(found) => Bell {
            latest: found
                .items
                .into_iter()
                .map(|n| Notification {
                    title: n.title,
                    body: n.body,
                    link: n.link,
                    at: n.created_at,
                    unseen: n.seen_at.is_none(),
                })
                .collect(),
            unseen: found.unseen,
        },
        Err(e) => {
            tracing::warn!(error = %e, "could not read the agent's notifications");
            Bell::default()
        }
    }
}

/// "Show All": the agent's notifications, newest first.
pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    let bell = load(&state, &ctx, otrs_core::desk::MAX_NOTIFICATION_LIMIT).await;
    let left = html! {
        @if bell.unseen > 0 {
            form method="post" action="/agent/notifications" {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                button type="submit" { (tr!(ctx, "Mark all as seen")) }
            }
        }
    };
    let body = html! {
        div.widget { div.body {
            @if bell.latest.is_empty() {
                p.muted { (tr!(ctx, "You have no notifications.")) }
            } @else {
                ul.plain { @for n in &bell.latest {
                    li {
                        span.grow {
                            @let title = html! { @if n.unseen { strong { (n.title) } } @else { (n.title) } };
                            @match &n.link { Some(l) => a href=(l) { (title) }, None => (title) }
                            @if !n.body.is_empty() { br; span.muted { (n.body) } }
                        }
                        span.muted { (ctx.time(n.at)) }
                    }
                } }
            }
        } }
    };
    let crumbs = Crumbs {
        path: vec![
            (tr!(ctx, "Dashboard").into(), Some("/agent".into())),
            (tr!(ctx, "Notifications").into(), None),
        ],
        total: Some(bell.latest.len() as u64),
        left: Some(left),
        ..Crumbs::default()
    };
    agent_page(&state, &ctx, &tr!(ctx, "Notifications"), crumbs, body).await
}

/// Marks all of the agent's notifications seen.
pub(crate) async fn mark_seen<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
) -> Response {
    match state
        .desk()
        .mark_notifications_seen(ctx.principal(), None)
        .await
    {
        Ok(_) => see_other("/agent/notifications"),
        Err(e) => problem_page(&state, &ctx, &tr!(ctx, "Notifications"), &ApiError::from(e)).await,
    }
}
