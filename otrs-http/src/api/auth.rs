//! Signing in over the API: password, second factor, password changes and resets, two-factor
//! setup, sign-out, and API tokens.

use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use otrs_core::desk::{SecondFactor, SessionInfo};
use otrs_core::ids::{AgentId, ApiTokenId};
use otrs_core::store::Store;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::{Api, Resolver, convert, kind_of};
use crate::auth::{AgentAuth, AnyAuth, SessionAuth, Stage};
use crate::crypto::{digest, new_api_token};
use crate::dto::*;
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path, Query};
use crate::i18n::Language;
use crate::signin;
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.post("/api/v1/auth/login", login::<S>)
        .get("/api/v1/auth/session", session::<S>)
        .post("/api/v1/auth/logout", logout::<S>)
        .post("/api/v1/auth/second-factor", second_factor::<S>)
        .post("/api/v1/auth/second-factor/resend", resend_code::<S>)
        .post("/api/v1/auth/password", change_password::<S>)
        .post("/api/v1/auth/password/forgot", forgot_password::<S>)
        .post("/api/v1/auth/password/reset", reset_password::<S>)
        .post("/api/v1/auth/two-factor/totp", totp_setup::<S>)
        .post("/api/v1/auth/two-factor/totp/confirm", totp_confirm::<S>)
        .post("/api/v1/auth/two-factor/email", email_setup::<S>)
        .post("/api/v1/auth/two-factor/email/confirm", email_confirm::<S>)
        .delete("/api/v1/auth/two-factor", reset_two_factor::<S>)
        .get("/api/v1/auth/tokens", list_tokens::<S>)
        .post("/api/v1/auth/tokens", create_token::<S>)
        .delete("/api/v1/auth/tokens/{id}", revoke_token::<S>)
}

/// The peer address, when the server knows it.
#[derive(Debug, Clone)]
pub(crate) struct RemoteAddr(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for RemoteAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(RemoteAddr(
            parts
                .extensions
                .get::<ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip().to_string())
                .unwrap_or_default(),
        ))
    }
}

pub(crate) fn session_dto<S: Store>(
    state: &AppState<S>,
    info: &SessionInfo,
    second_factor: Option<&SecondFactor>,
) -> SessionDto {
    let stage = Stage::of(info, state.config().require_two_factor);
    SessionDto {
        principal: convert::principal(info.session.principal),
        login: info.login.clone(),
        name: info.name.clone(),
        stage: stage.name().to_owned(),
        second_factor: second_factor
            .filter(|_| stage == Stage::SecondFactor)
            .map(|f| f.name().to_owned()),
        csrf_token: info.session.csrf_token.clone(),
        expires_at: signin::expires_at(state, &info.session),
    }
}

async fn current<S: Store>(
    state: &AppState<S>,
    session_digest: &str,
) -> Result<SessionDto, ApiError> {
    let info = state
        .desk()
        .authenticate_session(
            session_digest,
            state.config().sessions,
            crate::auth::touch_every(),
        )
        .await?;
    let factor = if info.session.awaiting_second_factor {
        Some(state.desk().second_factor(info.session.principal).await?)
    } else {
        None
    };
    Ok(session_dto(state, &info, factor.as_ref()))
}

/// Signs in with login and password. Sets the session cookie; the answer tells the next step
/// (`stage`) and the CSRF token to send with every request that changes something.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = SessionDto, headers(("Set-Cookie" = String))),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn login<S: Store>(
    State(state): State<AppState<S>>,
    RemoteAddr(remote): RemoteAddr,
    Json(body): Json<LoginBody>,
) -> Result<Response, ApiError> {
    let kind = kind_of(body.kind.as_deref())?;
    let new = signin::password(
        &state,
        kind,
        &body.login,
        &body.password,
        remote,
        Language::English,
    )
    .await?;
    let dto = current(&state, &new.record.key_digest).await?;
    let mut response = Json(dto).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        signin::session_cookie(&state, &new.secret),
    );
    Ok(response)
}

/// The caller's session and its sign-in stage.
#[utoipa::path(get, path = "/api/v1/auth/session", tag = "auth",
    responses((status = 200, body = SessionDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn session<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
) -> Result<Json<SessionDto>, ApiError> {
    Ok(Json(current(&state, &auth.digest).await?))
}

/// Signs out: ends the session and removes the cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn logout<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
) -> Result<Response, ApiError> {
    state.desk().end_session(&auth.digest).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, signin::clear_cookie());
    Ok(response)
}

/// Gives the second factor: the authenticator app's code or the e-mailed code.
#[utoipa::path(post, path = "/api/v1/auth/second-factor", tag = "auth", request_body = CodeBody,
    responses((status = 200, body = SessionDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn second_factor<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
    Json(body): Json<CodeBody>,
) -> Result<Json<SessionDto>, ApiError> {
    signin::second_factor(&state, &auth.digest, &auth.info, &body.code).await?;
    Ok(Json(current(&state, &auth.digest).await?))
}

/// Mails a new sign-in code (e-mail second factor only).
#[utoipa::path(post, path = "/api/v1/auth/second-factor/resend", tag = "auth",
    responses((status = 202, body = Done), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn resend_code<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
) -> Result<Response, ApiError> {
    if auth.stage != Stage::SecondFactor {
        return Err(ApiError::new(
            "not-allowed",
            "this session is not waiting for a second factor",
        ));
    }
    let principal = auth.info.session.principal;
    match state.desk().second_factor(principal).await? {
        SecondFactor::Email { address } => {
            // The API has no page language: the mail goes in the account's language, else English.
            signin::send_email_code(&state, principal, &address, Language::English).await?;
            Ok((
                StatusCode::ACCEPTED,
                Json(Done {
                    message: "a new code was sent".into(),
                }),
            )
                .into_response())
        }
        _ => Err(ApiError::new(
            "not-allowed",
            "the account's second factor is not e-mail",
        )),
    }
}

/// Changes the caller's password (the current one is needed unless the initial password must be
/// changed).
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "auth", request_body = PasswordChangeBody,
    responses((status = 200, body = SessionDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn change_password<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
    Json(body): Json<PasswordChangeBody>,
) -> Result<Json<SessionDto>, ApiError> {
    if auth.stage == Stage::SecondFactor {
        return Err(ApiError::new(
            "second-factor-required",
            "give the second factor first",
        ));
    }
    signin::change_password(
        &state,
        &auth.info,
        body.current_password,
        &body.new_password,
    )
    .await?;
    Ok(Json(current(&state, &auth.digest).await?))
}

/// Mails a password-reset token to the account's address, if the account exists. Always 202.
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "auth", request_body = ForgotBody,
    responses((status = 202, body = Done), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn forgot_password<S: Store>(
    State(state): State<AppState<S>>,
    Json(body): Json<ForgotBody>,
) -> Result<Response, ApiError> {
    let kind = kind_of(body.kind.as_deref())?;
    signin::forgot_password(&state, kind, &body.login, Language::English).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Done {
            message: "if the account exists, a message with instructions is on its way".into(),
        }),
    )
        .into_response())
}

/// Sets a new password with the e-mailed token.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "auth", request_body = ResetBody,
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn reset_password<S: Store>(
    State(state): State<AppState<S>>,
    Json(body): Json<ResetBody>,
) -> Result<StatusCode, ApiError> {
    signin::reset_password(&state, &body.token, &body.new_password).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn setup_allowed(auth: &SessionAuth) -> Result<(), ApiError> {
    match auth.stage {
        Stage::SetUpTwoFactor | Stage::Complete => Ok(()),
        Stage::SecondFactor => Err(ApiError::new(
            "second-factor-required",
            "give the second factor first",
        )),
        Stage::ChangePassword => Err(ApiError::new(
            "password-change-required",
            "change the initial password first",
        )),
    }
}

/// Starts setting up an authenticator app: a new secret with its QR code. Nothing changes until
/// a code is confirmed.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/totp", tag = "auth",
    responses((status = 200, body = TotpSetupDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn totp_setup<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
) -> Result<Json<TotpSetupDto>, ApiError> {
    setup_allowed(&auth)?;
    let (secret, otpauth_uri, qr_svg) = signin::totp_setup(&state, &auth.info.login);
    Ok(Json(TotpSetupDto {
        secret,
        otpauth_uri,
        qr_svg,
    }))
}

/// Confirms an authenticator app with a code it shows; from then on it is the second factor.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/totp/confirm", tag = "auth", request_body = TotpConfirmBody,
    responses((status = 200, body = SessionDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn totp_confirm<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
    Json(body): Json<TotpConfirmBody>,
) -> Result<Json<SessionDto>, ApiError> {
    setup_allowed(&auth)?;
    signin::totp_confirm(
        &state,
        auth.info.session.principal,
        &body.secret,
        &body.code,
    )
    .await?;
    Ok(Json(current(&state, &auth.digest).await?))
}

/// Starts setting up e-mail codes: mails a code to the account's address.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/email", tag = "auth",
    responses((status = 202, body = Done), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn email_setup<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
) -> Result<Response, ApiError> {
    setup_allowed(&auth)?;
    signin::email_setup(&state, auth.info.session.principal, Language::English).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Done {
            message: "a code was sent to the account's e-mail address".into(),
        }),
    )
        .into_response())
}

/// Confirms e-mail codes with the mailed code; from then on they are the second factor.
#[utoipa::path(post, path = "/api/v1/auth/two-factor/email/confirm", tag = "auth", request_body = CodeBody,
    responses((status = 200, body = SessionDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn email_confirm<S: Store>(
    State(state): State<AppState<S>>,
    auth: SessionAuth,
    Json(body): Json<CodeBody>,
) -> Result<Json<SessionDto>, ApiError> {
    setup_allowed(&auth)?;
    signin::email_confirm(&state, auth.info.session.principal, &body.code).await?;
    Ok(Json(current(&state, &auth.digest).await?))
}

/// Removes the caller's second factor.
#[utoipa::path(delete, path = "/api/v1/auth/two-factor", tag = "auth",
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn reset_two_factor<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .reset_two_factor(auth.principal, auth.principal)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Whose tokens.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TokenParams {
    /// The agent (id or login; admins only; default: the caller).
    pub agent: Option<String>,
}

async fn agent_of<S: Store>(
    state: &AppState<S>,
    auth: &AgentAuth,
    agent: Option<Ref>,
) -> Result<AgentId, ApiError> {
    match agent {
        None => Ok(auth.agent),
        Some(r) => {
            Resolver {
                state,
                actor: auth.auth.principal,
            }
            .agent(&r, "agent")
            .await
        }
    }
}

/// The caller's API tokens (or another agent's, for admins), revoked ones included.
#[utoipa::path(get, path = "/api/v1/auth/tokens", tag = "auth", params(TokenParams),
    responses((status = 200, body = TokenList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_tokens<S: Store>(
    State(state): State<AppState<S>>,
    auth: AgentAuth,
    Query(p): Query<TokenParams>,
) -> Result<Json<TokenList>, ApiError> {
    let agent = agent_of(
        &state,
        &auth,
        p.agent.map(|a| match a.parse() {
            Ok(id) => Ref::Id(id),
            Err(_) => Ref::Name(a),
        }),
    )
    .await?;
    let tokens = state.desk().api_tokens(auth.auth.principal, agent).await?;
    let names = state.names().await;
    Ok(Json(TokenList {
        total: tokens.len() as u64,
        items: tokens
            .iter()
            .map(|t| convert::token(t, names.agent(t.agent_id)))
            .collect(),
    }))
}

/// Creates an API token; the answer holds its secret, shown this once.
#[utoipa::path(post, path = "/api/v1/auth/tokens", tag = "auth", request_body = NewTokenBody,
    responses((status = 201, body = CreatedTokenDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_token<S: Store>(
    State(state): State<AppState<S>>,
    auth: AgentAuth,
    Json(body): Json<NewTokenBody>,
) -> Result<Response, ApiError> {
    let agent = agent_of(&state, &auth, body.agent).await?;
    let secret = new_api_token();
    let token = state
        .desk()
        .create_api_token(
            auth.auth.principal,
            agent,
            &body.name,
            &digest(&secret),
            body.expires_at,
        )
        .await?;
    let names = state.names().await;
    let dto = CreatedTokenDto {
        token: convert::token(&token, names.agent(token.agent_id)),
        secret,
    };
    let mut response = (StatusCode::CREATED, Json(dto)).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("/api/v1/auth/tokens/{}", token.id.0)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Revokes an API token (its owner or an admin); it is refused from the next request on.
#[utoipa::path(delete, path = "/api/v1/auth/tokens/{id}", tag = "auth",
    params(("id" = u64, Path, description = "Token id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn revoke_token<S: Store>(
    State(state): State<AppState<S>>,
    auth: AgentAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .revoke_api_token(auth.auth.principal, ApiTokenId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
