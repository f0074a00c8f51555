//! The sign-in steps shared by the JSON API and the sign-in pages: each step calls the desk's
//! rules and does the cryptography and the mailing around them.

use axum::http::HeaderValue;
use otrs_core::Principal;
use otrs_core::desk::{AccountKind, SecondFactor, SessionInfo, SignIn};
use otrs_core::model::{OneTimeTokenPurpose, SessionRecord};
use otrs_core::store::Store;

use crate::auth::SESSION_COOKIE;
use crate::crypto::{
    digest, email_code_digest, hash_password_async, new_email_code, new_totp_secret, otpauth_uri,
    qr_svg, random_hex, totp_step, verify_password_async,
};
use crate::error::ApiError;
use crate::i18n::{LANGUAGE_PREFERENCE, Language};
use crate::state::AppState;
use crate::tr;

/// A new session: the cookie secret and what was stored.
#[derive(Debug)]
pub(crate) struct NewSession {
    pub(crate) secret: String,
    pub(crate) record: SessionRecord,
    pub(crate) sign_in: SignIn,
}

/// The `Set-Cookie` value carrying a session secret.
pub(crate) fn session_cookie<S: Store>(state: &AppState<S>, secret: &str) -> HeaderValue {
    let secure = if state.config().secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or(HeaderValue::from_static("otrs_session=; Path=/"))
}

/// The `Set-Cookie` value that removes the session cookie.
pub(crate) fn clear_cookie() -> HeaderValue {
    HeaderValue::from_static("otrs_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax")
}

fn unix_now<S: Store>(state: &AppState<S>) -> u64 {
    u64::try_from(state.desk().now().timestamp()).unwrap_or(0)
}

/// Checks login and password; on success stores a session (awaiting the second factor when the
/// account has one; an e-mail code is sent at once, in the account's language, else `lang`).
pub(crate) async fn password<S: Store>(
    state: &AppState<S>,
    kind: AccountKind,
    login: &str,
    password: &str,
    remote_addr: String,
    lang: Language,
) -> Result<NewSession, ApiError> {
    let dummy = state.dummy_hash();
    let password = password.to_owned();
    let sign_in = state
        .desk()
        .sign_in(kind, login.trim(), &state.config().auth, |hash| {
            verify_password_async(password, hash, dummy)
        })
        .await?;
    let secret = random_hex(32);
    let now = state.desk().now();
    let record = SessionRecord {
        key_digest: digest(&secret),
        principal: sign_in.principal,
        csrf_token: random_hex(16),
        awaiting_second_factor: sign_in.second_factor != SecondFactor::None,
        created_at: now,
        last_seen_at: now,
        remote_addr,
    };
    state.desk().create_session(&record).await?;
    if let SecondFactor::Email { address } = &sign_in.second_factor {
        send_email_code(state, sign_in.principal, address, lang).await?;
    }
    Ok(NewSession {
        secret,
        record,
        sign_in,
    })
}

/// Mails a fresh sign-in code to the account, in the account's language (else `lang`).
pub(crate) async fn send_email_code<S: Store>(
    state: &AppState<S>,
    principal: Principal,
    address: &str,
    lang: Language,
) -> Result<(), ApiError> {
    let lang = account_language(state, principal).await.unwrap_or(lang);
    let code = new_email_code();
    state
        .desk()
        .issue_one_time_token(
            principal,
            OneTimeTokenPurpose::EmailCode,
            &email_code_digest(principal, &code),
            state.config().email_code_ttl,
        )
        .await?;
    let minutes = state.config().email_code_ttl.num_minutes();
    let body = tr!(@lang lang,
        "Your %{product} sign-in code is %{code}.\n\nIt is valid for %{minutes} minutes. If you did not try to sign in, change your password.\n",
        product = state.config().product_name,
        code = code,
        minutes = minutes
    );
    state
        .mailer()
        .send_notice(address, &tr!(@lang lang, "Your sign-in code"), &body)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "could not send a sign-in code");
            ApiError::new(
                "mail-unavailable",
                crate::n_!("the sign-in code could not be sent; try again later"),
            )
        })
}

/// Checks the second factor of a session waiting for it.
pub(crate) async fn second_factor<S: Store>(
    state: &AppState<S>,
    session_digest: &str,
    info: &SessionInfo,
    code: &str,
) -> Result<(), ApiError> {
    if !info.session.awaiting_second_factor {
        return Err(ApiError::new(
            "not-allowed",
            crate::n_!("this session is not waiting for a second factor"),
        ));
    }
    let principal = info.session.principal;
    let now = unix_now(state);
    let email_digest = email_code_digest(principal, code);
    state
        .desk()
        .verify_second_factor(
            principal,
            &state.config().auth,
            Some(&email_digest),
            |secret| totp_step(secret, code, now),
        )
        .await?;
    state.desk().complete_second_factor(session_digest).await?;
    Ok(())
}

/// Changes the session's own password.
pub(crate) async fn change_password<S: Store>(
    state: &AppState<S>,
    info: &SessionInfo,
    current: Option<String>,
    new: &str,
) -> Result<(), ApiError> {
    let principal = info.session.principal;
    let cost = state.config().password_hashing;
    let dummy = state.dummy_hash();
    state
        .desk()
        .set_password(
            principal,
            principal,
            new,
            &state.config().auth,
            |hash| verify_password_async(current.unwrap_or_default(), hash, dummy),
            |password| hash_password_async(password, cost),
        )
        .await?;
    Ok(())
}

/// Starts a password reset; mails a link when the account exists (answering the same either way,
/// and in the background so that the answer's timing tells nothing either).
/// Mails a password-reset link to the account of `login`, if there is one, in the account's
/// language (else `lang`).
pub(crate) async fn forgot_password<S: Store>(
    state: &AppState<S>,
    kind: AccountKind,
    login: &str,
    lang: Language,
) -> Result<(), ApiError> {
    let token = random_hex(32);
    let found = state
        .desk()
        .request_password_reset(
            kind,
            login.trim(),
            &digest(&token),
            state.config().reset_token_ttl,
        )
        .await?;
    if let Some(account) = found {
        let state = state.clone();
        let page = match kind {
            AccountKind::Agent => "agent",
            AccountKind::Customer => "external",
        };
        tokio::spawn(async move {
            let config = state.config();
            let link = format!(
                "{}/{page}/login/reset-password?token={token}",
                config.base_url.trim_end_matches('/')
            );
            let lang = account_language(&state, account.principal)
                .await
                .unwrap_or(lang);
            let body = tr!(@lang lang,
                "Someone asked to reset the %{product} password of %{login}.\n\nTo choose a new password, open\n%{link}\nwithin %{minutes} minutes, or use this token with POST /api/v1/auth/password/reset:\n%{token}\n\nIf it was not you, ignore this message.\n",
                product = config.product_name,
                login = account.login,
                link = link,
                minutes = config.reset_token_ttl.num_minutes(),
                token = token
            );
            if let Err(error) = state
                .mailer()
                .send_notice(
                    &account.email,
                    &tr!(@lang lang, "Reset your password"),
                    &body,
                )
                .await
            {
                tracing::error!(error = %error, "could not send a password-reset message");
            }
        });
    }
    Ok(())
}

/// Finishes a password reset.
pub(crate) async fn reset_password<S: Store>(
    state: &AppState<S>,
    token: &str,
    new: &str,
) -> Result<Principal, ApiError> {
    let cost = state.config().password_hashing;
    Ok(state
        .desk()
        .reset_password(
            &digest(token.trim()),
            new,
            &state.config().auth,
            |password| hash_password_async(password, cost),
        )
        .await?)
}

/// A fresh TOTP secret with its URI and QR code (nothing is stored until it is confirmed).
pub(crate) fn totp_setup<S: Store>(state: &AppState<S>, login: &str) -> (String, String, String) {
    let secret = new_totp_secret();
    let uri = otpauth_uri(&state.config().product_name, login, &secret);
    let svg = qr_svg(&uri);
    (secret, uri, svg)
}

/// Keeps a TOTP secret once a code from the app matches it.
pub(crate) async fn totp_confirm<S: Store>(
    state: &AppState<S>,
    principal: Principal,
    secret: &str,
    code: &str,
) -> Result<(), ApiError> {
    let now = unix_now(state);
    state
        .desk()
        .enable_totp(principal, secret.trim(), |s| totp_step(s, code, now))
        .await?;
    Ok(())
}

/// Mails a code to set up e-mail as the second factor.
pub(crate) async fn email_setup<S: Store>(
    state: &AppState<S>,
    principal: Principal,
    lang: Language,
) -> Result<(), ApiError> {
    let address = match principal {
        Principal::Agent(id) => state.desk().agent(principal, id).await?.email,
        Principal::Customer(id) => state.desk().customer_user(principal, id).await?.email,
    };
    if address.trim().is_empty() {
        return Err(ApiError::new(
            "not-allowed",
            crate::n_!("the account has no e-mail address"),
        ));
    }
    send_email_code(state, principal, &address, lang).await
}

/// Makes e-mail the second factor once the mailed code comes back.
pub(crate) async fn email_confirm<S: Store>(
    state: &AppState<S>,
    principal: Principal,
    code: &str,
) -> Result<(), ApiError> {
    state
        .desk()
        .enable_email_two_factor(principal, &email_code_digest(principal, code))
        .await?;
    Ok(())
}

/// The absolute end of a session.
pub(crate) fn expires_at<S: Store>(
    state: &AppState<S>,
    record: &SessionRecord,
) -> chrono::DateTime<chrono::Utc> {
    record.created_at + state.config().sessions.absolute
}

/// The language an account chose in its preferences, if any.
pub(crate) async fn account_language<S: Store>(
    state: &AppState<S>,
    principal: Principal,
) -> Option<Language> {
    let preferences = match principal {
        Principal::Agent(id) => state.desk().agent(principal, id).await.ok()?.preferences,
        Principal::Customer(id) => {
            state
                .desk()
                .customer_user(principal, id)
                .await
                .ok()?
                .preferences
        }
    };
    preferences
        .get(LANGUAGE_PREFERENCE)
        .and_then(|code| Language::from_code(code))
}
