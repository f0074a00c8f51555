//! The external interface for customer users and visitors who are not signed in, besides the
//! sign-in pages of `crate::pages`: its page frame (a header with the primary navigation bar and
//! the account) and the knowledge base under `/external/kb` ([`kb`]).
//!
//! Pages are rendered on the server with maud (which escapes every value) and styled by the
//! agent interface's style sheet (its `external` section); they carry no script. Who looks at a
//! page is a [`Visitor`]: a customer user whose session finished signing in, or nobody. Sessions
//! are the ones the sign-in pages create (same cookie, same stages); a session that has not
//! finished signing in, or an agent's, counts as no session here. Every request that is not a
//! GET needs the session's CSRF token (form field `csrf_token`) and a same-site `Origin`.

mod kb;

use std::convert::Infallible;

use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, html};
use otrs_core::Principal;
use otrs_core::desk::{AccountKind, KbReader, SessionInfo};
use otrs_core::store::Store;

use crate::auth::{Stage, session_of};
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::{css_url, html_response, secure};
use crate::{n_, tr};

/// The routes of the external interface's pages (merged into the application by
/// [`crate::router`]; the sign-in pages are `crate::pages`).
pub(crate) fn routes<S: Store>() -> Router<AppState<S>> {
    Router::new()
        .route("/external/kb", get(kb::overview::<S>))
        .route("/external/kb/search", get(kb::search::<S>))
        .route("/external/kb/related", get(kb::related::<S>))
        .route("/external/kb/categories/{id}", get(kb::category::<S>))
        .route("/external/kb/{number}", get(kb::article::<S>))
        .route("/external/kb/{number}/vote", post(kb::vote::<S>))
        .route(
            "/external/kb/{number}/attachments/{id}",
            get(kb::attachment::<S>),
        )
        .layer(axum::middleware::from_fn(crate::pages::same_origin))
}

/// The primary navigation bar: (label, link); labels marked with `n_!`, shown translated.
const PRIMARY_NAV: [(&str, &str); 1] = [(n_!("Knowledge Base"), "/external/kb")];

/// A customer user whose session finished signing in.
#[derive(Debug, Clone)]
pub(crate) struct SignedIn {
    /// The customer user.
    pub principal: Principal,
    /// The session with the account's name and login (its CSRF token guards the forms).
    pub info: SessionInfo,
}

/// Who looks at an external page: a signed-in customer user or a visitor, and the page's
/// language (the customer's preference, else the browser's `Accept-Language`).
#[derive(Debug, Clone)]
pub(crate) struct Visitor {
    /// The signed-in customer user, if any.
    pub user: Option<SignedIn>,
    /// The language of the page.
    pub lang: Language,
    /// The request path (to mark the current navigation item).
    pub path: String,
}

impl Visitor {
    /// The reader the knowledge base shows its articles to.
    pub fn reader(&self) -> KbReader {
        match &self.user {
            Some(user) => KbReader::User(user.principal),
            None => KbReader::Public,
        }
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for Visitor {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState<S>,
    ) -> Result<Self, Infallible> {
        let mut lang = Language::negotiate(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        let user = match session_of(&parts.headers, state).await {
            Ok((_, info))
                if AccountKind::of(info.session.principal) == AccountKind::Customer
                    && Stage::of(&info, state.config().require_two_factor) == Stage::Complete =>
            {
                if let Some(chosen) =
                    crate::signin::account_language(state, info.session.principal).await
                {
                    lang = chosen;
                }
                Some(SignedIn {
                    principal: info.session.principal,
                    info,
                })
            }
            _ => None,
        };
        Ok(Visitor {
            user,
            lang,
            path: parts.uri.path().to_owned(),
        })
    }
}

/// A whole page of the external interface: the header with the primary navigation bar and the
/// account, the breadcrumb (`crumbs`: label and link, the last one the page itself), and `body`.
pub(crate) fn external_page<S: Store>(
    state: &AppState<S>,
    v: &Visitor,
    status: StatusCode,
    title: &str,
    crumbs: &[(String, Option<String>)],
    body: Markup,
) -> Response {
    let product = &state.config().product_name;
    let markup = html! {
        (DOCTYPE)
        html lang=(v.lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (product) }
                link rel="stylesheet" href=(css_url());
            }
            body.external {
                a.skip href="#main" { (tr!(v, "Skip to content")) }
                header.ext-top {
                    a.brand href="/external" { (product) }
                    nav.primary aria-label=(tr!(v, "Primary navigation")) {
                        @for (label, href) in PRIMARY_NAV {
                            a href=(href) aria-current=[v.path.starts_with(href).then_some("page")] {
                                (translate_dyn(v.lang, label))
                            }
                        }
                    }
                    div.account {
                        @match &v.user {
                            Some(user) => {
                                span.user title=(tr!(v, "Signed in as %{login}", login = user.info.login)) { (user.info.name) }
                                form method="post" action="/external/logout" {
                                    input type="hidden" name="csrf_token" value=(user.info.session.csrf_token);
                                    button.link type="submit" { (tr!(v, "Sign out")) }
                                }
                            }
                            None => a.button href="/external/login" { (tr!(v, "Sign in")) },
                        }
                    }
                }
                main #main {
                    @if crumbs.len() > 1 {
                        nav.ext-crumbs aria-label=(tr!(v, "Breadcrumb")) {
                            ol {
                                @for (label, href) in &crumbs[..crumbs.len() - 1] {
                                    li { @match href { Some(h) => a href=(h) { (label) }, None => (label) } }
                                }
                            }
                        }
                    }
                    (body)
                }
            }
        }
    };
    secure(html_response(status, markup))
}

/// A page of the external interface that only says what went wrong.
pub(crate) fn external_error<S: Store>(
    state: &AppState<S>,
    v: &Visitor,
    status: StatusCode,
    message: &str,
) -> Response {
    let title = tr!(v, "Something went wrong");
    external_page(
        state,
        v,
        status,
        &title,
        &[],
        html! {
            h1 { (title) }
            p.error role="alert" { (message) }
            p { a href="/external/kb" { (tr!(v, "Back to the knowledge base")) } }
        },
    )
}
