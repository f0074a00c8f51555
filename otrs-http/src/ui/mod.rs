//! The agent web interface under `/agent` (besides the sign-in pages): the page frame, the
//! personal dashboard, ticket lists with bulk actions, export and live updates, the ticket
//! detail view and the organizer.
//!
//! Every page is rendered on the server with maud (which escapes every value); the small
//! script and style sheet under `otrs-http/assets/` only enhance it (menus, load more, live
//! updates), so the pages work without them. Every route needs a completed agent session
//! (others are sent to the sign-in page), every request that is not a GET must carry the
//! session's CSRF token (form field `csrf_token` or header `X-CSRF-Token`), and every answer
//! carries a strict Content-Security-Policy.

pub mod frame;
pub mod notifications;

mod actions;
mod assets;
mod avatar;
mod bulk;
mod columns;
mod create;
mod dashboard;
mod export;
mod fields;
mod lists;
mod names;
mod organizer;
mod preferences;
mod prefs;
mod search;
mod ticket;
pub mod upload;
mod watch;
// --- reports
pub(crate) mod reports;
// --- statsui
pub mod stats;
mod stats_chart;
// --- calui
pub mod calendar;
// --- detail
mod articles;
mod print;
// --- actions
mod compose;
// --- forms
mod texts_admin;
// --- kb: the knowledge base
mod kb;
mod kb_detail;
mod kb_links;
// --- kb-admin: the knowledge base's categories (admins)
mod kb_admin;

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use otrs_core::Principal;
use otrs_core::desk::AccountKind;
use otrs_core::model::Agent;
use otrs_core::store::Store;

use crate::auth::{CSRF_HEADER, Stage, check_csrf, session_of};
use crate::i18n::{LANGUAGE_PREFERENCE, Language};
use crate::state::AppState;

pub use fields::Fields;
// --- kb-external: what the external interface (`crate::external`) shares with these pages.
pub(crate) use assets::css_url;
pub(crate) use compose::{plain_text, sanitize_html};
pub(crate) use ticket::disposition;

/// The preference holding the agent's time zone (an IANA name such as `Europe/Berlin`).
pub const TIME_ZONE_PREFERENCE: &str = "time_zone";

/// Who is looking at a page: the signed-in agent, the session's CSRF token and the agent's
/// time zone. Handlers take it as `Extension<Arc<UiCtx>>`.
#[derive(Debug, Clone)]
pub struct UiCtx {
    /// The agent (with the preferences as they were when the request started).
    pub agent: Agent,
    /// The session's CSRF token, for forms.
    pub csrf: String,
    /// The agent's time zone (the desk's when the agent has none).
    pub tz: Tz,
    /// The request path (to mark the current organizer item).
    pub path: String,
    /// The language of the pages (the agent's preference, else the browser's).
    pub lang: Language,
}

impl UiCtx {
    /// The agent as the desk's actor.
    pub fn principal(&self) -> Principal {
        Principal::Agent(self.agent.id)
    }

    /// A time in the agent's zone and chosen format, with the zone's abbreviation.
    pub fn time(&self, at: DateTime<Utc>) -> String {
        let format = preferences::format_of(
            self.agent
                .preferences
                .get(preferences::DATETIME_FORMAT_PREFERENCE)
                .map(String::as_str),
        );
        at.with_timezone(&self.tz).format(format).to_string()
    }
}

/// The UI's routes (merged into the application by [`crate::router`]).
pub(crate) fn routes<S: Store>(state: AppState<S>) -> Router<AppState<S>> {
    let guarded = Router::new()
        .route("/agent", get(dashboard::page::<S>))
        .route("/agent/dashboard/widgets", post(dashboard::add::<S>))
        .route(
            "/agent/dashboard/widgets/{id}",
            get(dashboard::edit_page::<S>).post(dashboard::change::<S>),
        )
        .route("/agent/tickets/{id}", get(ticket::page::<S>))
        .route("/agent/tickets/list/{id}", get(lists::page::<S>))
        .route("/agent/tickets/list/{id}/rows", get(lists::rows::<S>))
        .route("/agent/tickets/list/{id}/events", get(lists::events::<S>))
        .route("/agent/tickets/list/{id}/preview", get(lists::preview::<S>))
        .route("/agent/tickets/presets", post(lists::save_preset::<S>))
        .route(
            "/agent/tickets/bulk",
            get(bulk::page::<S>).post(bulk::execute::<S>),
        )
        .route(
            "/agent/tickets/watch",
            get(watch::page::<S>).post(watch::execute::<S>),
        )
        .route(
            "/agent/tickets/export",
            get(export::page::<S>).post(export::download::<S>),
        )
        .route(
            "/agent/organizer",
            get(organizer::page::<S>).post(organizer::change::<S>),
        )
        .route(
            "/agent/organizer/{id}",
            get(organizer::edit_page::<S>).post(organizer::save::<S>),
        )
        .route(
            "/agent/notifications",
            get(notifications::page::<S>).post(notifications::mark_seen::<S>),
        )
        .route("/agent/search", get(search::page::<S>))
        .route(
            "/agent/preferences",
            get(preferences::page::<S>).post(preferences::save::<S>),
        )
        .route("/agent/preferences/avatar", post(avatar::save::<S>))
        .route("/agent/avatars/{id}", get(avatar::serve::<S>))
        // create ticket screens and ticket actions (detail)
        .route(
            "/agent/tickets/new/{kind}",
            get(create::page::<S>).post(create::create::<S>),
        )
        .route(
            "/agent/tickets/{id}/actions/{name}",
            get(actions::page::<S>).post(actions::run::<S>),
        )
        // --- reports
        .route("/agent/stats/reports", get(reports::list::<S>))
        .route(
            "/agent/stats/reports/new",
            get(reports::new_page::<S>).post(reports::create::<S>),
        )
        .route(
            "/agent/stats/reports/{id}",
            get(reports::edit_page::<S>).post(reports::save::<S>),
        )
        .route("/agent/stats/reports/{id}/run", post(reports::run::<S>))
        .route(
            "/agent/stats/reports/{id}/delete",
            get(reports::delete_page::<S>).post(reports::delete::<S>),
        )
        // --- statsui
        .route("/agent/stats", get(stats::dashboard::<S>))
        .route(
            "/agent/stats/new",
            get(stats::new_page::<S>).post(stats::create::<S>),
        )
        .route("/agent/stats/import", post(stats::import::<S>))
        .route("/agent/stats/preview", post(stats::preview::<S>))
        .route("/agent/stats/{number}/run", get(stats::run_page::<S>))
        .route(
            "/agent/stats/{number}/edit",
            get(stats::edit_page::<S>).post(stats::update::<S>),
        )
        .route("/agent/stats/{number}/export", get(stats::export::<S>))
        .route("/agent/stats/{number}/delete", post(stats::delete::<S>))
        // --- calui
        .route("/agent/calendar", get(calendar::overview::<S>))
        .route(
            "/agent/calendar/visibility",
            post(calendar::visibility::<S>),
        )
        .route(
            "/agent/calendar/appointments/new",
            get(calendar::new_page::<S>).post(calendar::create::<S>),
        )
        .route(
            "/agent/calendar/appointments/{id}",
            get(calendar::edit_page::<S>).post(calendar::save::<S>),
        )
        .route(
            "/agent/calendar/appointments/{id}/delete",
            get(calendar::delete_page::<S>).post(calendar::delete::<S>),
        )
        .route(
            "/agent/calendar/appointments/{id}/move",
            post(calendar::move_appointment::<S>),
        )
        // --- detail: the ticket detail view's widgets, article actions and print
        .route(
            "/agent/tickets/screen",
            get(ticket::screen_page::<S>).post(ticket::screen_save::<S>),
        )
        .route(
            "/agent/tickets/{id}/edit/{field}",
            get(ticket::edit_page::<S>).post(ticket::edit_save::<S>),
        )
        .route(
            "/agent/tickets/{id}/links/{link}/unlink",
            post(ticket::unlink::<S>),
        )
        .route(
            "/agent/tickets/{id}/attachments/{attachment}",
            get(ticket::attachment::<S>),
        )
        .route(
            "/agent/tickets/{id}/drafts/{draft}/delete",
            post(ticket::delete_draft::<S>),
        )
        .route("/agent/tickets/{id}/print", get(print::ticket::<S>))
        .route(
            "/agent/tickets/{id}/articles/{article}/source.eml",
            get(articles::source_download::<S>),
        )
        .route(
            "/agent/tickets/{id}/articles/{article}/{action}",
            get(articles::page::<S>).post(articles::run::<S>),
        )
        // --- actions
        .route("/agent/customer-users/suggest", get(compose::suggest::<S>))
        .route("/agent/customer-users/info", get(compose::info::<S>))
        .route("/agent/address-book", post(compose::address_book::<S>))
        // --- forms
        .route("/agent/admin/texts/{kind}", get(texts_admin::list::<S>))
        .route(
            "/agent/admin/texts/{kind}/new",
            get(texts_admin::new_page::<S>).post(texts_admin::create::<S>),
        )
        .route(
            "/agent/admin/texts/{kind}/{id}",
            get(texts_admin::edit_page::<S>).post(texts_admin::save::<S>),
        )
        .route(
            "/agent/admin/texts/{kind}/{id}/delete",
            post(texts_admin::delete::<S>),
        )
        // --- kb: the knowledge base's list, forms, detail view and actions
        .route("/agent/kb", get(kb::list::<S>))
        .route("/agent/kb/export", get(kb::export::<S>))
        .route(
            "/agent/kb/new",
            get(kb::new_page::<S>).post(kb::create::<S>),
        )
        .route("/agent/kb/{id}", get(kb_detail::page::<S>))
        .route(
            "/agent/kb/{id}/edit",
            get(kb::edit_page::<S>).post(kb::save::<S>),
        )
        .route(
            "/agent/kb/{id}/edit/{field}",
            get(kb_detail::inline_page::<S>).post(kb_detail::inline_save::<S>),
        )
        .route("/agent/kb/{id}/vote", post(kb_detail::vote::<S>))
        .route(
            "/agent/kb/{id}/link",
            get(kb_links::link_page::<S>).post(kb_links::link_run::<S>),
        )
        .route(
            "/agent/kb/{id}/links/{link}/unlink",
            post(kb_links::unlink::<S>),
        )
        .route(
            "/agent/kb/{id}/delete",
            get(kb_detail::delete_page::<S>).post(kb_detail::delete::<S>),
        )
        .route(
            "/agent/kb/{id}/approve",
            get(kb_detail::approve_page::<S>).post(kb_detail::approve::<S>),
        )
        .route("/agent/kb/{id}/history", get(kb_detail::history::<S>))
        .route("/agent/kb/{id}/print", get(kb_detail::print::<S>))
        .route(
            "/agent/kb/{id}/attachments/{attachment}",
            get(kb_detail::attachment::<S>),
        )
        // --- kb-admin: the knowledge base's categories (admins)
        .route("/agent/admin/kb-categories", get(kb_admin::list::<S>))
        .route(
            "/agent/admin/kb-categories/new",
            get(kb_admin::new_page::<S>).post(kb_admin::create::<S>),
        )
        .route(
            "/agent/admin/kb-categories/{id}",
            get(kb_admin::edit_page::<S>).post(kb_admin::save::<S>),
        )
        .route(
            "/agent/admin/kb-categories/{id}/delete",
            get(kb_admin::delete_page::<S>).post(kb_admin::delete::<S>),
        )
        .layer(axum::middleware::from_fn_with_state(state, guard::<S>));
    Router::new()
        .route("/agent/assets/{file}", get(assets::serve))
        .merge(guarded)
}

/// The Content-Security-Policy of every UI page: only this site's own script and styles.
pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the security headers every UI answer gets.
pub(crate) fn secure(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// The most a UI form body may hold (bulk actions over many tickets included).
const MAX_FORM_BYTES: usize = 4 << 20;

/// Requires a completed agent session on every guarded route, checks the CSRF token of every
/// request that is not a GET, and puts the [`UiCtx`] into the request.
async fn guard<S: Store>(
    State(state): State<AppState<S>>,
    request: Request,
    next: Next,
) -> Response {
    let safe = matches!(*request.method(), Method::GET | Method::HEAD);
    // Before the agent is known, the browser's language.
    let browser_lang = Language::negotiate(
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let Ok((_, info)) = session_of(request.headers(), &state).await else {
        return secure(to_login(browser_lang, safe));
    };
    let Principal::Agent(agent_id) = info.session.principal else {
        return secure(to_login(browser_lang, safe));
    };
    if AccountKind::of(info.session.principal) != AccountKind::Agent {
        return secure(to_login(browser_lang, safe));
    }
    let stage = Stage::of(&info, state.config().require_two_factor);
    if stage != Stage::Complete {
        return secure(Redirect::to(&crate::pages::agent_next_step(stage)).into_response());
    }
    let (parts, body) = request.into_parts();
    let mut request = if safe {
        Request::from_parts(parts, body)
    } else {
        let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
            Ok(bytes) => bytes,
            Err(_) => {
                return secure(upload::too_large(browser_lang).into_response());
            }
        };
        let header_token = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let multipart = upload::boundary_of(
            parts
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
        );
        let body_token = match multipart {
            // A file upload carries the token as one of its parts.
            Some(boundary) => upload::Upload::parse(bytes.clone(), boundary)
                .await
                .ok()
                .and_then(|u| u.fields.get("csrf_token").map(str::to_owned)),
            None => Fields::parse(&bytes).get("csrf_token").map(str::to_owned),
        };
        let token = header_token.or(body_token);
        if let Err(error) = check_csrf(&parts.method, token.as_deref(), &info) {
            return secure(error_page(
                browser_lang,
                StatusCode::FORBIDDEN,
                &error.problem().detail,
            ));
        }
        Request::from_parts(parts, Body::from(bytes))
    };
    let agent = match state.desk().agent(info.session.principal, agent_id).await {
        Ok(agent) => agent,
        Err(_) => return secure(to_login(browser_lang, safe)),
    };
    let tz = agent
        .preferences
        .get(TIME_ZONE_PREFERENCE)
        .and_then(|name| name.parse::<Tz>().ok())
        .unwrap_or(state.desk().config().time_zone);
    let lang = Language::choose(
        agent
            .preferences
            .get(LANGUAGE_PREFERENCE)
            .map(String::as_str),
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let ctx = UiCtx {
        agent,
        csrf: info.session.csrf_token.clone(),
        tz,
        path: request.uri().path().to_owned(),
        lang,
    };
    request.extensions_mut().insert(Arc::new(ctx));
    secure(next.run(request).await)
}

fn to_login(lang: Language, safe: bool) -> Response {
    if safe {
        Redirect::to("/agent/login").into_response()
    } else {
        error_page(
            lang,
            StatusCode::UNAUTHORIZED,
            &crate::tr!(@lang lang, "Sign in first."),
        )
    }
}

/// A bare error page (for answers outside the frame).
pub(crate) fn error_page(lang: Language, status: StatusCode, message: &str) -> Response {
    use crate::tr;
    let markup = maud::html! {
        (maud::DOCTYPE)
        html lang=(lang.code()) {
            head { meta charset="utf-8"; title { (tr!(@lang lang, "Error")) } link rel="stylesheet" href=(assets::css_url()); }
            body.bare { main { h1 { (tr!(@lang lang, "Something went wrong")) } p.error role="alert" { (message) } p { a href="/agent" { (tr!(@lang lang, "Back to the dashboard")) } } } }
        }
    };
    html_response(status, markup)
}

/// An HTML answer.
pub(crate) fn html_response(status: StatusCode, markup: maud::Markup) -> Response {
    let mut response = (status, markup.into_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// A redirect after a form post (303, so the browser follows with a GET).
pub(crate) fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// The text of an error for a page (field problems listed).
pub(crate) use crate::pages::{message_in, message_of};
