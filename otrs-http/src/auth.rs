//! Who is calling: API tokens (`Authorization: Bearer …`) and browser sessions (a cookie), as
//! extractors. Every API route takes one of them; handlers never decide permissions themselves
//! but pass the principal to the desk, which does.
//!
//! A session may be part-way through signing in (second factor, forced password change, forced
//! two-factor setup); only [`SessionAuth`] accepts such sessions, for the sign-in steps. Requests
//! that change state with a session cookie need the session's CSRF token in `X-CSRF-Token`
//! (forms: the `csrf_token` field); requests with a bearer token need none.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use chrono::Duration;
use otrs_core::Principal;
use otrs_core::desk::SessionInfo;
use otrs_core::ids::{AgentId, ApiTokenId, CustomerUserId};
use otrs_core::store::Store;

use crate::crypto::{constant_time_eq, digest};
use crate::error::ApiError;
use crate::state::AppState;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "otrs_session";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Last-seen times are written at most this often, so that reads stay reads.
pub(crate) fn touch_every() -> Duration {
    Duration::seconds(60)
}

/// Where a session is in signing in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The password matched; the second factor is missing.
    SecondFactor,
    /// The initial password must be changed.
    ChangePassword,
    /// A second factor must be set up (when the settings require one).
    SetUpTwoFactor,
    /// Signed in.
    Complete,
}

impl Stage {
    /// The name used in responses.
    pub const fn name(self) -> &'static str {
        match self {
            Stage::SecondFactor => "second-factor",
            Stage::ChangePassword => "change-password",
            Stage::SetUpTwoFactor => "set-up-two-factor",
            Stage::Complete => "complete",
        }
    }

    /// The stage of a session.
    pub fn of(info: &SessionInfo, require_two_factor: bool) -> Stage {
        if info.session.awaiting_second_factor {
            Stage::SecondFactor
        } else if info.must_change_password {
            Stage::ChangePassword
        } else if require_two_factor && !info.has_second_factor {
            Stage::SetUpTwoFactor
        } else {
            Stage::Complete
        }
    }

    fn refusal(self) -> ApiError {
        match self {
            Stage::SecondFactor => ApiError::new(
                "second-factor-required",
                "give the second factor first (POST /api/v1/auth/second-factor)",
            ),
            Stage::ChangePassword => ApiError::new(
                "password-change-required",
                "change the initial password first (POST /api/v1/auth/password)",
            ),
            Stage::SetUpTwoFactor => ApiError::new(
                "two-factor-setup-required",
                "set up two-factor authentication first (/api/v1/auth/two-factor/...)",
            ),
            Stage::Complete => ApiError::unauthenticated("not signed in"),
        }
    }
}

/// How the caller proved who they are.
#[derive(Debug, Clone)]
pub enum Credential {
    /// An API token.
    ApiToken(ApiTokenId),
    /// A browser session (by the digest of its cookie).
    Session {
        /// The key digest.
        digest: String,
        /// The session and its account's facts.
        info: Box<SessionInfo>,
    },
}

/// Any signed-in caller: an agent or a customer user.
#[derive(Debug, Clone)]
pub struct AnyAuth {
    /// Who.
    pub principal: Principal,
    /// How.
    pub credential: Credential,
}

/// A signed-in agent.
#[derive(Debug, Clone)]
pub struct AgentAuth {
    /// The agent.
    pub agent: AgentId,
    /// The rest.
    pub auth: AnyAuth,
}

/// A signed-in customer user.
#[derive(Debug, Clone)]
pub struct CustomerAuth {
    /// The customer user.
    pub user: CustomerUserId,
    /// The rest.
    pub auth: AnyAuth,
}

/// A browser session at any sign-in stage (for the sign-in steps themselves).
#[derive(Debug, Clone)]
pub struct SessionAuth {
    /// The key digest.
    pub digest: String,
    /// The session.
    pub info: SessionInfo,
    /// Its stage.
    pub stage: Stage,
}

/// The value of a cookie.
pub(crate) fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The live session of a request's cookie, at any stage.
pub(crate) async fn session_of<S: Store>(
    headers: &HeaderMap,
    state: &AppState<S>,
) -> Result<(String, SessionInfo), ApiError> {
    let Some(secret) = cookie(headers, SESSION_COOKIE).filter(|s| !s.is_empty()) else {
        return Err(ApiError::unauthenticated(
            "sign in first (session cookie or Authorization: Bearer token)",
        ));
    };
    let key = digest(secret);
    let info = state
        .desk()
        .authenticate_session(&key, state.config().sessions, touch_every())
        .await?;
    Ok((key, info))
}

/// Refuses a state-changing request whose CSRF token is missing or wrong.
pub(crate) fn check_csrf(
    method: &Method,
    presented: Option<&str>,
    info: &SessionInfo,
) -> Result<(), ApiError> {
    if is_safe(method) {
        return Ok(());
    }
    match presented {
        Some(token) if constant_time_eq(token, &info.session.csrf_token) => Ok(()),
        Some(_) => Err(ApiError::new(
            "csrf",
            "the CSRF token does not match the session",
        )),
        None => Err(ApiError::new(
            "csrf",
            "requests that change something need the session's CSRF token in X-CSRF-Token",
        )),
    }
}

async fn authenticate<S: Store>(parts: &Parts, state: &AppState<S>) -> Result<AnyAuth, ApiError> {
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                ApiError::unauthenticated("the Authorization header must be \"Bearer <token>\"")
            })?;
        let token = state
            .desk()
            .authenticate_api_token(&digest(token), touch_every())
            .await?;
        return Ok(AnyAuth {
            principal: Principal::Agent(token.agent_id),
            credential: Credential::ApiToken(token.id),
        });
    }
    let (key, info) = session_of(&parts.headers, state).await?;
    let stage = Stage::of(&info, state.config().require_two_factor);
    if stage != Stage::Complete {
        return Err(stage.refusal());
    }
    let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    check_csrf(&parts.method, presented, &info)?;
    Ok(AnyAuth {
        principal: info.session.principal,
        credential: Credential::Session {
            digest: key,
            info: Box::new(info),
        },
    })
}

impl<S: Store> FromRequestParts<AppState<S>> for AnyAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        authenticate(parts, state).await
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for AgentAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let auth = authenticate(parts, state).await?;
        match auth.principal {
            Principal::Agent(agent) => Ok(AgentAuth { agent, auth }),
            Principal::Customer(_) => Err(ApiError::new(
                "permission-denied",
                "only agents may do this",
            )),
        }
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for CustomerAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let auth = authenticate(parts, state).await?;
        match auth.principal {
            Principal::Customer(user) => Ok(CustomerAuth { user, auth }),
            Principal::Agent(_) => Err(ApiError::new(
                "permission-denied",
                "only customer users may do this",
            )),
        }
    }
}

impl<S: Store> FromRequestParts<AppState<S>> for SessionAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState<S>) -> Result<Self, ApiError> {
        let (digest, info) = session_of(&parts.headers, state).await?;
        let presented = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        check_csrf(&parts.method, presented, &info)?;
        let stage = Stage::of(&info, state.config().require_two_factor);
        Ok(SessionAuth {
            digest,
            info,
            stage,
        })
    }
}
