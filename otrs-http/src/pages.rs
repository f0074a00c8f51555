//! Server-rendered sign-in pages for the agent interface (`/agent/login`) and the external
//! interface (`/external/login`): password, second factor, first-sign-in password change,
//! two-factor setup, forgotten password and reset. No JavaScript; every value is escaped by
//! maud; every form after the password carries the session's CSRF token.

use axum::Router;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{DOCTYPE, Markup, PreEscaped, html};
use otrs_core::desk::{AccountKind, SecondFactor, SessionInfo};
use otrs_core::store::Store;
use serde::Deserialize;

use crate::api::auth::RemoteAddr;
use crate::auth::{Stage, check_csrf, session_of};
use crate::error::ApiError;
use crate::extract::Form;
use crate::i18n::{Language, translate_dyn};
use crate::signin;
use crate::state::AppState;
use crate::{n_, tr};

pub(crate) fn routes<S: Store>() -> Router<AppState<S>> {
    // The agent interface's home (`/agent`) is the dashboard of `crate::ui`.
    let mut router = Router::new().route("/external", get(home::<S>));
    for base in ["/agent", "/external"] {
        router = router
            .route(
                &format!("{base}/login"),
                get(login_page::<S>).post(login::<S>),
            )
            .route(
                &format!("{base}/login/second-factor"),
                get(second_factor_page::<S>).post(second_factor::<S>),
            )
            .route(
                &format!("{base}/login/change-password"),
                get(change_password_page::<S>).post(change_password::<S>),
            )
            .route(
                &format!("{base}/login/two-factor"),
                get(two_factor_page::<S>),
            )
            .route(
                &format!("{base}/login/two-factor/totp"),
                post(totp_confirm::<S>),
            )
            .route(
                &format!("{base}/login/two-factor/email"),
                post(email_send::<S>),
            )
            .route(
                &format!("{base}/login/two-factor/email/confirm"),
                post(email_confirm::<S>),
            )
            .route(
                &format!("{base}/login/forgot-password"),
                get(forgot_page::<S>).post(forgot::<S>),
            )
            .route(
                &format!("{base}/login/reset-password"),
                get(reset_page::<S>).post(reset::<S>),
            )
            .route(&format!("{base}/logout"), post(logout::<S>));
    }
    router.layer(axum::middleware::from_fn(same_origin))
}

/// Refuses form posts from other sites: a browser's `Origin` must name this host. (The forms
/// before sign-in have no session, hence no CSRF token; this also stops login CSRF.)
pub(crate) async fn same_origin(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    if request.method() != axum::http::Method::GET
        && request.method() != axum::http::Method::HEAD
        && let Some(origin) = request.headers().get(header::ORIGIN)
    {
        let origin = origin.to_str().unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        if origin == "null" || origin_host != host {
            return ApiError::new("csrf", "form posts must come from this site").into_response();
        }
    }
    next.run(request).await
}

/// Which interface a page belongs to, from its path, and the language of the page: the
/// browser's (`Accept-Language`) until the account is known, then the account's preference
/// (see [`page_session`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Portal {
    kind: AccountKind,
    base: &'static str,
    lang: Language,
}

impl<S: Send + Sync> FromRequestParts<S> for Portal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let lang = Language::negotiate(
            parts
                .headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok()),
        );
        Ok(if parts.uri.path().starts_with("/external") {
            Portal {
                kind: AccountKind::Customer,
                base: "/external",
                lang,
            }
        } else {
            Portal {
                kind: AccountKind::Agent,
                base: "/agent",
                lang,
            }
        })
    }
}

impl Portal {
    fn title(self) -> std::borrow::Cow<'static, str> {
        match self.kind {
            AccountKind::Agent => tr!(@lang self.lang, "Agent interface"),
            AccountKind::Customer => tr!(@lang self.lang, "External interface"),
        }
    }
}

/// An HTML page with the security headers every page gets.
struct Page {
    status: StatusCode,
    markup: Markup,
    cookie: Option<HeaderValue>,
}

impl IntoResponse for Page {
    fn into_response(self) -> Response {
        let mut response = (self.status, self.markup.into_string()).into_response();
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            ),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
        if let Some(cookie) = self.cookie {
            h.insert(header::SET_COOKIE, cookie);
        }
        response
    }
}

fn page<S: Store>(
    state: &AppState<S>,
    portal: Portal,
    heading: &str,
    status: StatusCode,
    body: Markup,
) -> Page {
    let product = &state.config().product_name;
    Page {
        status,
        cookie: None,
        markup: html! {
            (DOCTYPE)
            html lang=(portal.lang.code()) {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (heading) " – " (product) }
                    style { (PreEscaped(STYLE)) }
                }
                body {
                    main {
                        p.product { (product) " · " (portal.title()) }
                        h1 { (heading) }
                        (body)
                    }
                }
            }
        },
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f6f8;margin:0}\
main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 4px #0002}\
label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.5rem;box-sizing:border-box}\
button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a00}.note{color:#555}.product{color:#0a6;font-weight:600}\
svg{width:200px;height:200px}";

fn error_box(message: Option<&str>) -> Markup {
    html! {
        @if let Some(message) = message {
            p.error role="alert" { (message) }
        }
    }
}

fn csrf_field(info: &SessionInfo) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(info.session.csrf_token); }
}

/// Where an agent session that has not finished signing in goes next.
pub(crate) fn agent_next_step(stage: Stage) -> String {
    next_step(
        Portal {
            kind: AccountKind::Agent,
            base: "/agent",
            lang: Language::default(),
        },
        stage,
    )
}

/// Where a session goes next.
fn next_step(portal: Portal, stage: Stage) -> String {
    match stage {
        Stage::SecondFactor => format!("{}/login/second-factor", portal.base),
        Stage::ChangePassword => format!("{}/login/change-password", portal.base),
        Stage::SetUpTwoFactor => format!("{}/login/two-factor", portal.base),
        Stage::Complete => portal.base.to_owned(),
    }
}

/// The page's session, if it is one of this interface's accounts; from here on the page is in
/// the account's language when it chose one.
async fn page_session<S: Store>(
    state: &AppState<S>,
    portal: &mut Portal,
    headers: &HeaderMap,
) -> Option<(String, SessionInfo, Stage)> {
    let (digest, info) = session_of(headers, state).await.ok()?;
    if AccountKind::of(info.session.principal) != portal.kind {
        return None;
    }
    if let Some(lang) = signin::account_language(state, info.session.principal).await {
        portal.lang = lang;
    }
    let stage = Stage::of(&info, state.config().require_two_factor);
    Some((digest, info, stage))
}

fn to_login(portal: Portal) -> Response {
    Redirect::to(&format!("{}/login", portal.base)).into_response()
}

/// The text of an error for a page (field problems listed), in English.
pub(crate) fn message_of(error: &ApiError) -> String {
    message_in(Language::English, error)
}

/// The form fields a page's problem may name, marked so that [`message_in`] translates them.
const FIELD_NAMES: [&str; 20] = [
    n_!("name"),
    n_!("columns"),
    n_!("per page"),
    n_!("language"),
    n_!("time zone"),
    n_!("ooo from"),
    n_!("ooo to"),
    n_!("my queues"),
    n_!("avatar"),
    n_!("ids"),
    n_!("pending until"),
    n_!("link parent"),
    n_!("merge into"),
    n_!("email time units"),
    n_!("note time units"),
    n_!("code"),
    n_!("new password"),
    n_!("current password"),
    n_!("login"),
    n_!("preset"),
];

/// The texts of the desk's problems the sign-in pages show most, marked for translation (the
/// desk writes them in English; the forms of this crate mark theirs where they make them). Only a
/// mark: [`message_in`] looks every problem text up.
#[allow(dead_code)]
const PROBLEM_TEXTS: [&str; 2] = [
    n_!("is wrong or has expired"),
    n_!("must not contain control characters"),
];

/// The text of an error for a page in `lang`: field names and problem texts that the catalogue
/// knows are translated, any other text (a value, a rule with numbers) stays as the desk wrote it.
pub(crate) fn message_in(lang: Language, error: &ApiError) -> String {
    let problem = error.problem();
    if lang != Language::English
        && error.code() == "not-authenticated"
        && problem.detail.starts_with("sign-in failed")
    {
        return tr!(@lang lang, "Sign-in failed: wrong username or password, or the account is locked.").into_owned();
    }
    let known = |text: &str| translate_dyn(lang, text).into_owned();
    let field = |name: &str| {
        let words = name.replace('_', " ");
        if FIELD_NAMES.contains(&words.as_str()) {
            known(&words)
        } else {
            words
        }
    };
    if problem.errors.is_empty() {
        known(&problem.detail)
    } else {
        problem
            .errors
            .iter()
            .map(|e| format!("{}: {}", field(&e.field), known(&e.message)))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

// --- home and password ---------------------------------------------------------------------------

async fn home<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
) -> Response {
    let Some((_, info, stage)) = page_session(&state, &mut portal, &headers).await else {
        return to_login(portal);
    };
    if stage != Stage::Complete {
        return Redirect::to(&next_step(portal, stage)).into_response();
    }
    page(
        &state,
        portal,
        &tr!(@lang portal.lang, "Signed in"),
        StatusCode::OK,
        html! {
            p { (tr!(@lang portal.lang, "You are signed in as %{name} (%{login}).", name = info.name, login = info.login)) }
            // --- kb-external
            p { a href="/external/kb" { (tr!(@lang portal.lang, "Knowledge Base")) } }
            form method="post" action={ (portal.base) "/logout" } {
                (csrf_field(&info))
                button type="submit" { (tr!(@lang portal.lang, "Sign out")) }
            }
        },
    )
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

fn login_form<S: Store>(
    state: &AppState<S>,
    portal: Portal,
    login: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Page {
    page(
        state,
        portal,
        &tr!(@lang portal.lang, "Sign in"),
        status,
        html! {
            (error_box(error))
            form method="post" action={ (portal.base) "/login" } {
                label for="login" { (tr!(@lang portal.lang, "Username")) }
                input #login name="login" type="text" autocomplete="username" required value=(login);
                label for="password" { (tr!(@lang portal.lang, "Password")) }
                input #password name="password" type="password" autocomplete="current-password" required;
                button type="submit" { (tr!(@lang portal.lang, "Sign in")) }
            }
            p { a href={ (portal.base) "/login/forgot-password" } { (tr!(@lang portal.lang, "Forgot your password?")) } }
            // --- kb-external: visitors may read the public knowledge base without signing in.
            @if portal.kind == AccountKind::Customer {
                p { a href="/external/kb" { (tr!(@lang portal.lang, "Browse the knowledge base")) } }
            }
        },
    )
}

async fn login_page<S: Store>(State(state): State<AppState<S>>, portal: Portal) -> Page {
    login_form(&state, portal, "", None, StatusCode::OK)
}

async fn login<S: Store>(
    State(state): State<AppState<S>>,
    portal: Portal,
    RemoteAddr(remote): RemoteAddr,
    Form(form): Form<LoginForm>,
) -> Response {
    match signin::password(
        &state,
        portal.kind,
        &form.login,
        &form.password,
        remote,
        portal.lang,
    )
    .await
    {
        Ok(new) => {
            let stage = if new.record.awaiting_second_factor {
                Stage::SecondFactor
            } else if new.sign_in.must_change_password {
                Stage::ChangePassword
            } else if state.config().require_two_factor
                && new.sign_in.second_factor == SecondFactor::None
            {
                Stage::SetUpTwoFactor
            } else {
                Stage::Complete
            };
            let mut response = Redirect::to(&next_step(portal, stage)).into_response();
            response.headers_mut().insert(
                header::SET_COOKIE,
                signin::session_cookie(&state, &new.secret),
            );
            response
        }
        Err(error) => login_form(
            &state,
            portal,
            &form.login,
            Some(&message_in(portal.lang, &error)),
            error.status(),
        )
        .into_response(),
    }
}

async fn logout<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    if let Some((digest, info, _)) = page_session(&state, &mut portal, &headers).await
        && check_csrf(&axum::http::Method::POST, form.csrf_token.as_deref(), &info).is_ok()
    {
        let _ = state.desk().end_session(&digest).await;
    }
    let mut response = to_login(portal);
    response
        .headers_mut()
        .insert(header::SET_COOKIE, signin::clear_cookie());
    response
}

#[derive(Debug, Default, Deserialize)]
struct CsrfForm {
    #[serde(default)]
    csrf_token: Option<String>,
}

// --- second factor -------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct CodeForm {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    code: String,
    #[serde(default)]
    resend: Option<String>,
}

async fn second_factor_form<S: Store>(
    state: &AppState<S>,
    portal: Portal,
    info: &SessionInfo,
    error: Option<&str>,
    status: StatusCode,
) -> Page {
    let factor = state
        .desk()
        .second_factor(info.session.principal)
        .await
        .unwrap_or(SecondFactor::None);
    let email = matches!(factor, SecondFactor::Email { .. });
    page(
        state,
        portal,
        &tr!(@lang portal.lang, "Two-factor authentication"),
        status,
        html! {
            (error_box(error))
            @if email {
                p.note { (tr!(@lang portal.lang, "A message with the verification code has been sent to your e-mail address.")) }
            } @else {
                p.note { (tr!(@lang portal.lang, "Enter the 6-digit code that your authenticator app shows.")) }
            }
            form method="post" action={ (portal.base) "/login/second-factor" } {
                (csrf_field(info))
                label for="code" { (tr!(@lang portal.lang, "Code")) }
                input #code name="code" inputmode="numeric" autocomplete="one-time-code" required;
                button type="submit" { (tr!(@lang portal.lang, "Verify")) }
            }
            @if email {
                form method="post" action={ (portal.base) "/login/second-factor" } {
                    (csrf_field(info))
                    input type="hidden" name="resend" value="1";
                    button type="submit" { (tr!(@lang portal.lang, "Resend the code")) }
                }
            }
        },
    )
}

async fn second_factor_page<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
) -> Response {
    match page_session(&state, &mut portal, &headers).await {
        Some((_, info, Stage::SecondFactor)) => {
            second_factor_form(&state, portal, &info, None, StatusCode::OK)
                .await
                .into_response()
        }
        Some((_, _, stage)) => Redirect::to(&next_step(portal, stage)).into_response(),
        None => to_login(portal),
    }
}

async fn second_factor<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let Some((digest, info, stage)) = page_session(&state, &mut portal, &headers).await else {
        return to_login(portal);
    };
    if let Err(e) = check_csrf(&axum::http::Method::POST, form.csrf_token.as_deref(), &info) {
        return e.into_response();
    }
    if stage != Stage::SecondFactor {
        return Redirect::to(&next_step(portal, stage)).into_response();
    }
    if form.resend.is_some() {
        if let Ok(SecondFactor::Email { address }) =
            state.desk().second_factor(info.session.principal).await
        {
            let result =
                signin::send_email_code(&state, info.session.principal, &address, portal.lang)
                    .await;
            let error = result.err().map(|e| message_in(portal.lang, &e));
            return second_factor_form(&state, portal, &info, error.as_deref(), StatusCode::OK)
                .await
                .into_response();
        }
        return Redirect::to(&next_step(portal, stage)).into_response();
    }
    match signin::second_factor(&state, &digest, &info, &form.code).await {
        Ok(()) => match page_session(&state, &mut portal, &headers).await {
            Some((_, _, stage)) => Redirect::to(&next_step(portal, stage)).into_response(),
            None => to_login(portal),
        },
        Err(error) => second_factor_form(
            &state,
            portal,
            &info,
            Some(&message_in(portal.lang, &error)),
            error.status(),
        )
        .await
        .into_response(),
    }
}

// --- password change -----------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct PasswordForm {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    current_password: Option<String>,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

fn requirements<S: Store>(state: &AppState<S>, portal: Portal) -> Markup {
    let policy = portal.kind.policy(&state.config().auth);
    let lang = portal.lang;
    let mut items = vec![tr!(@lang lang, "%{count} characters", count = policy.min_length)];
    for (count, text) in [
        (
            policy.min_uppercase,
            tr!(@lang lang, "%{count} uppercase", count = policy.min_uppercase),
        ),
        (
            policy.min_lowercase,
            tr!(@lang lang, "%{count} lowercase", count = policy.min_lowercase),
        ),
        (
            policy.min_digits,
            if policy.min_digits == 1 {
                tr!(@lang lang, "1 digit").into_owned()
            } else {
                tr!(@lang lang, "%{count} digits", count = policy.min_digits)
            },
        ),
    ] {
        if count > 0 {
            items.push(text);
        }
    }
    html! {
        p.note { (tr!(@lang lang, "The password must contain at least:")) }
        ul { @for r in &items { li { (r) } } }
    }
}

fn change_password_form<S: Store>(
    state: &AppState<S>,
    portal: Portal,
    info: &SessionInfo,
    error: Option<&str>,
    status: StatusCode,
) -> Page {
    page(
        state,
        portal,
        &tr!(@lang portal.lang, "Change password"),
        status,
        html! {
            (error_box(error))
            @if info.must_change_password {
                p.note { (tr!(@lang portal.lang, "Please secure your account and change your password.")) }
            }
            form method="post" action={ (portal.base) "/login/change-password" } {
                (csrf_field(info))
                @if !info.must_change_password {
                    label for="current" { (tr!(@lang portal.lang, "Current password")) }
                    input #current name="current_password" type="password" autocomplete="current-password" required;
                }
                label for="new" { (tr!(@lang portal.lang, "Enter your new password")) }
                input #new name="new_password" type="password" autocomplete="new-password" required;
                (requirements(state, portal))
                label for="repeat" { (tr!(@lang portal.lang, "Re-enter your new password")) }
                input #repeat name="repeat_password" type="password" autocomplete="new-password" required;
                button type="submit" { (tr!(@lang portal.lang, "Change")) }
            }
        },
    )
}

async fn change_password_page<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
) -> Response {
    match page_session(&state, &mut portal, &headers).await {
        Some((_, _, Stage::SecondFactor)) => {
            Redirect::to(&next_step(portal, Stage::SecondFactor)).into_response()
        }
        Some((_, info, _)) => {
            change_password_form(&state, portal, &info, None, StatusCode::OK).into_response()
        }
        None => to_login(portal),
    }
}

async fn change_password<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
    Form(form): Form<PasswordForm>,
) -> Response {
    let Some((_, info, stage)) = page_session(&state, &mut portal, &headers).await else {
        return to_login(portal);
    };
    if let Err(e) = check_csrf(&axum::http::Method::POST, form.csrf_token.as_deref(), &info) {
        return e.into_response();
    }
    if stage == Stage::SecondFactor {
        return Redirect::to(&next_step(portal, stage)).into_response();
    }
    if form.new_password != form.repeat_password {
        return change_password_form(
            &state,
            portal,
            &info,
            Some(&tr!(@lang portal.lang, "The two new passwords differ.")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .into_response();
    }
    match signin::change_password(&state, &info, form.current_password, &form.new_password).await {
        Ok(()) => match page_session(&state, &mut portal, &headers).await {
            Some((_, _, stage)) => Redirect::to(&next_step(portal, stage)).into_response(),
            None => to_login(portal),
        },
        Err(error) => change_password_form(
            &state,
            portal,
            &info,
            Some(&message_in(portal.lang, &error)),
            error.status(),
        )
        .into_response(),
    }
}

// --- two-factor setup ----------------------------------------------------------------------------

fn two_factor_form<S: Store>(
    state: &AppState<S>,
    portal: Portal,
    info: &SessionInfo,
    error: Option<&str>,
    email_sent: bool,
    status: StatusCode,
) -> Page {
    let (secret, uri, svg) = signin::totp_setup(state, &info.login);
    page(
        state,
        portal,
        &tr!(@lang portal.lang, "Two-factor setup"),
        status,
        html! {
            (error_box(error))
            p.note { (tr!(@lang portal.lang, "Protect your account with two-factor authentication.")) }
            h2 { (tr!(@lang portal.lang, "Authenticator app")) }
            p.note { (tr!(@lang portal.lang, "Scan the code with your authenticator app (or enter the key by hand), then enter the 6-digit code it shows.")) }
            div.qr { (PreEscaped(svg)) }
            p { (tr!(@lang portal.lang, "Key:")) " " code { (secret) } }
            p.note { small { (uri) } }
            form method="post" action={ (portal.base) "/login/two-factor/totp" } {
                (csrf_field(info))
                input type="hidden" name="secret" value=(secret);
                label for="totp-code" { (tr!(@lang portal.lang, "Code")) }
                input #totp-code name="code" inputmode="numeric" autocomplete="one-time-code" required;
                button type="submit" { (tr!(@lang portal.lang, "Verify")) }
            }
            h2 { (tr!(@lang portal.lang, "E-mail")) }
            @if email_sent {
                p.note { (tr!(@lang portal.lang, "A message with the verification code has been sent to your e-mail address.")) }
                form method="post" action={ (portal.base) "/login/two-factor/email/confirm" } {
                    (csrf_field(info))
                    label for="email-code" { (tr!(@lang portal.lang, "Code")) }
                    input #email-code name="code" inputmode="numeric" autocomplete="one-time-code" required;
                    button type="submit" { (tr!(@lang portal.lang, "Verify")) }
                }
            } @else {
                form method="post" action={ (portal.base) "/login/two-factor/email" } {
                    (csrf_field(info))
                    button type="submit" { (tr!(@lang portal.lang, "Send me a code")) }
                }
            }
        },
    )
}

async fn two_factor_page<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
) -> Response {
    match page_session(&state, &mut portal, &headers).await {
        Some((_, info, Stage::SetUpTwoFactor | Stage::Complete)) => {
            two_factor_form(&state, portal, &info, None, false, StatusCode::OK).into_response()
        }
        Some((_, _, stage)) => Redirect::to(&next_step(portal, stage)).into_response(),
        None => to_login(portal),
    }
}

#[derive(Debug, Default, Deserialize)]
struct TotpForm {
    #[serde(default)]
    csrf_token: Option<String>,
    #[serde(default)]
    secret: String,
    #[serde(default)]
    code: String,
}

async fn setup_session<S: Store>(
    state: &AppState<S>,
    portal: &mut Portal,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<SessionInfo, Response> {
    let Some((_, info, stage)) = page_session(state, portal, headers).await else {
        return Err(to_login(*portal));
    };
    check_csrf(&axum::http::Method::POST, csrf, &info).map_err(IntoResponse::into_response)?;
    if !matches!(stage, Stage::SetUpTwoFactor | Stage::Complete) {
        return Err(Redirect::to(&next_step(*portal, stage)).into_response());
    }
    Ok(info)
}

async fn after_setup<S: Store>(
    state: &AppState<S>,
    mut portal: Portal,
    headers: &HeaderMap,
) -> Response {
    match page_session(state, &mut portal, headers).await {
        Some((_, _, stage)) => Redirect::to(&next_step(portal, stage)).into_response(),
        None => to_login(portal),
    }
}

async fn totp_confirm<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
    Form(form): Form<TotpForm>,
) -> Response {
    let info = match setup_session(&state, &mut portal, &headers, form.csrf_token.as_deref()).await
    {
        Ok(info) => info,
        Err(response) => return response,
    };
    match signin::totp_confirm(&state, info.session.principal, &form.secret, &form.code).await {
        Ok(()) => after_setup(&state, portal, &headers).await,
        Err(error) => two_factor_form(
            &state,
            portal,
            &info,
            Some(&message_in(portal.lang, &error)),
            false,
            error.status(),
        )
        .into_response(),
    }
}

async fn email_send<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> Response {
    let info = match setup_session(&state, &mut portal, &headers, form.csrf_token.as_deref()).await
    {
        Ok(info) => info,
        Err(response) => return response,
    };
    match signin::email_setup(&state, info.session.principal, portal.lang).await {
        Ok(()) => {
            two_factor_form(&state, portal, &info, None, true, StatusCode::OK).into_response()
        }
        Err(error) => two_factor_form(
            &state,
            portal,
            &info,
            Some(&message_in(portal.lang, &error)),
            false,
            error.status(),
        )
        .into_response(),
    }
}

async fn email_confirm<S: Store>(
    State(state): State<AppState<S>>,
    mut portal: Portal,
    headers: HeaderMap,
    Form(form): Form<CodeForm>,
) -> Response {
    let info = match setup_session(&state, &mut portal, &headers, form.csrf_token.as_deref()).await
    {
        Ok(info) => info,
        Err(response) => return response,
    };
    match signin::email_confirm(&state, info.session.principal, &form.code).await {
        Ok(()) => after_setup(&state, portal, &headers).await,
        Err(error) => two_factor_form(
            &state,
            portal,
            &info,
            Some(&message_in(portal.lang, &error)),
            true,
            error.status(),
        )
        .into_response(),
    }
}

// --- forgotten password --------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
struct ForgotForm {
    #[serde(default)]
    login: String,
}

async fn forgot_page<S: Store>(State(state): State<AppState<S>>, portal: Portal) -> Page {
    page(
        &state,
        portal,
        &tr!(@lang portal.lang, "Request new password"),
        StatusCode::OK,
        html! {
            p.note { (tr!(@lang portal.lang, "Enter your username; a message with instructions will be sent to your e-mail address.")) }
            form method="post" action={ (portal.base) "/login/forgot-password" } {
                label for="login" { (tr!(@lang portal.lang, "Username")) }
                input #login name="login" type="text" autocomplete="username" required;
                button type="submit" { (tr!(@lang portal.lang, "Request new password")) }
            }
            p { a href={ (portal.base) "/login" } { (tr!(@lang portal.lang, "Back to sign-in")) } }
        },
    )
}

async fn forgot<S: Store>(
    State(state): State<AppState<S>>,
    portal: Portal,
    Form(form): Form<ForgotForm>,
) -> Response {
    if let Err(error) = signin::forgot_password(&state, portal.kind, &form.login, portal.lang).await
    {
        tracing::warn!(error = %message_of(&error), "password reset request failed");
    }
    page(
        &state,
        portal,
        &tr!(@lang portal.lang, "Request new password"),
        StatusCode::OK,
        html! {
            p { (tr!(@lang portal.lang, "If an account %{login} exists, a message with instructions is on its way.", login = form.login)) }
            p { a href={ (portal.base) "/login" } { (tr!(@lang portal.lang, "Back to sign-in")) } }
        },
    )
    .into_response()
}

#[derive(Debug, Default, Deserialize)]
struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Default, Deserialize)]
struct ResetForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    repeat_password: String,
}

fn reset_form<S: Store>(
    state: &AppState<S>,
    portal: Portal,
    token: &str,
    error: Option<&str>,
    status: StatusCode,
) -> Page {
    page(
        state,
        portal,
        &tr!(@lang portal.lang, "Choose a new password"),
        status,
        html! {
            (error_box(error))
            form method="post" action={ (portal.base) "/login/reset-password" } {
                input type="hidden" name="token" value=(token);
                label for="new" { (tr!(@lang portal.lang, "Enter your new password")) }
                input #new name="new_password" type="password" autocomplete="new-password" required;
                (requirements(state, portal))
                label for="repeat" { (tr!(@lang portal.lang, "Re-enter your new password")) }
                input #repeat name="repeat_password" type="password" autocomplete="new-password" required;
                button type="submit" { (tr!(@lang portal.lang, "Change")) }
            }
        },
    )
}

async fn reset_page<S: Store>(
    State(state): State<AppState<S>>,
    portal: Portal,
    RawQuery(query): RawQuery,
) -> Page {
    let token = query
        .and_then(|q| serde_urlencoded::from_str::<TokenQuery>(&q).ok())
        .map(|q| q.token)
        .unwrap_or_default();
    reset_form(&state, portal, &token, None, StatusCode::OK)
}

async fn reset<S: Store>(
    State(state): State<AppState<S>>,
    portal: Portal,
    Form(form): Form<ResetForm>,
) -> Response {
    if form.new_password != form.repeat_password {
        return reset_form(
            &state,
            portal,
            &form.token,
            Some(&tr!(@lang portal.lang, "The two new passwords differ.")),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .into_response();
    }
    match signin::reset_password(&state, &form.token, &form.new_password).await {
        Ok(_) => page(
            &state,
            portal,
            &tr!(@lang portal.lang, "Password changed"),
            StatusCode::OK,
            html! {
                p { (tr!(@lang portal.lang, "Your password has been changed.")) }
                p { a href={ (portal.base) "/login" } { (tr!(@lang portal.lang, "Sign in")) } }
            },
        )
        .into_response(),
        Err(error) => reset_form(
            &state,
            portal,
            &form.token,
            Some(&message_in(portal.lang, &error)),
            error.status(),
        )
        .into_response(),
    }
}
