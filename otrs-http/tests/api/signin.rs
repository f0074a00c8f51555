//! Signing in: CSRF, session timeouts, lockout, password policy and the first-sign-in change,
//! TOTP, e-mailed codes and password resets (through a local SMTP sink), API tokens.

use axum::http::{Method, header};
use chrono::Duration;
use otrs_core::Principal;
use serde_json::{Value, json};

use crate::support::{Caller, PASSWORD, World, after};

/// Signs in over the API and returns the session caller and the answer.
async fn login(w: &World, kind: &str, login: &str, password: &str) -> (Caller, Value, u16) {
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/login",
            &Caller::anonymous(),
            Some(json!({"kind": kind, "login": login, "password": password})),
        )
        .await;
    let status = r.status.as_u16();
    if status != 200 {
        return (Caller::anonymous(), r.json(), status);
    }
    let cookie = r.header("set-cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = r.json();
    let caller = Caller {
        cookie: Some(cookie.split(';').next().unwrap().to_owned()),
        csrf: Some(session["csrf_token"].as_str().unwrap().to_owned()),
        bearer: None,
    };
    (caller, session, status)
}

#[tokio::test]
async fn cookie_sessions_need_the_csrf_token_to_change_anything() {
    let w = World::new().await;
    let (alice, session, _) = login(&w, "agent", "alice", PASSWORD).await;
    assert_eq!(session["stage"], "complete");
    let path = format!("/api/v1/tickets/{}", w.ticket.0);
    assert_eq!(
        w.get(
            &path,
            &Caller {
                csrf: None,
                ..alice.clone()
            }
        )
        .await
        .status,
        200
    );
    let before = w.fingerprint().await;
    let missing = w
        .call(
            Method::PATCH,
            &path,
            &Caller {
                csrf: None,
                ..alice.clone()
            },
            Some(json!({"title": "x"})),
        )
        .await;
    assert_eq!(missing.status, 403);
    missing.problem("csrf");
    let wrong = w
        .call(
            Method::PATCH,
            &path,
            &Caller {
                csrf: Some("nope".into()),
                ..alice.clone()
            },
            Some(json!({"title": "x"})),
        )
        .await;
    wrong.problem("csrf");
    assert_eq!(w.fingerprint().await, before);
    let right = w
        .call(Method::PATCH, &path, &alice, Some(json!({"title": "x"})))
        .await;
    assert_eq!(right.status, 200);
    // Bearer tokens need none.
    let token = Caller::bearer(&w.token_secret);
    let r = w
        .call(Method::PATCH, &path, &token, Some(json!({"title": "y"})))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Sign-out ends the session.
    let r = w
        .call(Method::POST, "/api/v1/auth/logout", &alice, None)
        .await;
    assert_eq!(r.status, 204);
    assert!(r.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(w.get(&path, &alice).await.status, 401);
}

#[tokio::test]
async fn sessions_end_after_idle_and_absolute_timeouts() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let path = format!("/api/v1/tickets/{}", w.ticket.0);
    // Busy: a request every hour keeps the session alive...
    for _ in 0..15 {
        w.clock.advance(Duration::hours(1));
        assert_eq!(w.get(&path, &alice).await.status, 200);
    }
    // ...until the absolute limit of 16 hours.
    w.clock.advance(Duration::hours(1) + Duration::seconds(1));
    let r = w.get(&path, &alice).await;
    assert_eq!(r.status, 401);
    r.problem("not-authenticated");
    // Idle for more than 2 hours ends a fresh session.
    let bob = w.session(Principal::Agent(w.alice)).await;
    w.clock.advance(Duration::minutes(119));
    assert_eq!(w.get(&path, &bob).await.status, 200);
    w.clock.advance(Duration::minutes(121));
    assert_eq!(w.get(&path, &bob).await.status, 401);
}

#[tokio::test]
async fn failed_sign_ins_lock_the_account_until_an_admin_clears_it() {
    let w = World::new().await;
    for _ in 0..5 {
        let (_, problem, status) = login(&w, "agent", "erin", "wrong password!").await;
        assert_eq!(status, 401);
        assert_eq!(problem["code"], "not-authenticated");
    }
    let (_, _, status) = login(&w, "agent", "erin", PASSWORD).await;
    assert_eq!(status, 401, "locked out even with the right password");
    let admin = w.session(Principal::Agent(w.admin)).await;
    let agent = w
        .get(&format!("/api/v1/agents/{}", w.erin.0), &admin)
        .await
        .json();
    assert_eq!(agent["validity"], "invalid-temporarily");
    assert_eq!(agent["failed_logins"], 5);
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/agents/{}/clear-lockout", w.erin.0),
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let (_, session, status) = login(&w, "agent", "erin", PASSWORD).await;
    assert_eq!(status, 200);
    assert_eq!(session["stage"], "complete");
    // Unknown logins fail the same way.
    let (_, problem, status) = login(&w, "agent", "nobody", PASSWORD).await;
    assert_eq!((status, problem["detail"].clone()), (401, agent_failure()));
}

fn agent_failure() -> Value {
    json!("sign-in failed: wrong login or password, or the account is locked")
}

#[tokio::test]
async fn password_policy_and_the_first_sign_in_change() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    // Agents need 12 characters.
    let r = w
        .call(Method::POST, "/api/v1/agents", &admin,
            Some(json!({"login": "frank", "first_name": "F", "last_name": "A", "email": "f@example.com", "password": "short"})))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.problem("validation")["errors"][0]["field"], "password");
    let r = w
        .call(Method::POST, "/api/v1/agents", &admin,
            Some(json!({"login": "frank", "first_name": "F", "last_name": "A", "email": "f@example.com", "password": "twelve chars!"})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["must_change_password"], true);
    // Customers need 2 upper, 2 lower, 1 digit.
    let r = w
        .call(Method::POST, "/api/v1/customer-users", &admin,
            Some(json!({"login": "nina", "first_name": "N", "last_name": "C", "email": "n@example.org", "customer_id": "SSI", "password": "abcdefgh1"})))
        .await;
    let messages: Vec<String> = r.problem("validation")["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(messages, ["must contain at least 2 uppercase letters"]);

    // First sign-in: everything but the password change is refused.
    let (frank, session, _) = login(&w, "agent", "frank", "twelve chars!").await;
    assert_eq!(session["stage"], "change-password");
    let r = w.get("/api/v1/tickets", &frank).await;
    assert_eq!(r.status, 403);
    r.problem("password-change-required");
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/password",
            &frank,
            Some(json!({"new_password": "too short"})),
        )
        .await;
    assert_eq!(
        r.problem("validation")["errors"][0]["field"],
        "new_password"
    );
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/password",
            &frank,
            Some(json!({"new_password": "a much better passphrase"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["stage"], "complete");
    assert_eq!(w.get("/api/v1/tickets", &frank).await.status, 200);
    // Later changes need the current password.
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/password",
            &frank,
            Some(json!({"current_password": "wrong", "new_password": "yet another passphrase"})),
        )
        .await;
    assert_eq!(
        r.problem("validation")["errors"][0]["field"],
        "current_password"
    );
    let (_, _, status) = login(&w, "agent", "frank", "a much better passphrase").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn totp_setup_and_sign_in_with_a_computed_code() {
    let w = World::new().await;
    let (alice, _, _) = login(&w, "agent", "alice", PASSWORD).await;
    let setup = w
        .call(Method::POST, "/api/v1/auth/two-factor/totp", &alice, None)
        .await
        .json();
    let secret = setup["secret"].as_str().unwrap().to_owned();
    assert!(
        setup["otpauth_uri"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(setup["qr_svg"].as_str().unwrap().contains("<svg"));
    let now = || u64::try_from(w.desk.now().timestamp()).unwrap();
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/two-factor/totp/confirm",
            &alice,
            Some(json!({"secret": secret, "code": "000000"})),
        )
        .await;
    assert_eq!(r.status, 422, "a wrong code keeps nothing");
    let code = otrs_http::crypto::totp_code(&secret, now()).unwrap();
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/two-factor/totp/confirm",
            &alice,
            Some(json!({"secret": secret, "code": code})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());

    let (alice, session, _) = login(&w, "agent", "alice", PASSWORD).await;
    assert_eq!(session["stage"], "second-factor");
    assert_eq!(session["second_factor"], "totp");
    let r = w.get("/api/v1/tickets", &alice).await;
    assert_eq!(r.status, 401);
    r.problem("second-factor-required");
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/second-factor",
            &alice,
            Some(json!({"code": "999999"})),
        )
        .await;
    assert_eq!(r.status, 422);
    w.clock.advance(Duration::seconds(30));
    let code = otrs_http::crypto::totp_code(&secret, now()).unwrap();
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/second-factor",
            &alice,
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["stage"], "complete");
    assert_eq!(w.get("/api/v1/tickets", &alice).await.status, 200);
}

#[tokio::test]
async fn required_two_factor_setup_comes_before_anything_else() {
    let w = World::with_config(|c| c.require_two_factor = true).await;
    let (lacey, session, _) = login(&w, "customer", "lacey", PASSWORD).await;
    assert_eq!(session["stage"], "set-up-two-factor");
    w.get("/api/v1/tickets", &lacey)
        .await
        .problem("two-factor-setup-required");
    // E-mail as the second factor: the code arrives at the sink.
    let r = w
        .call(Method::POST, "/api/v1/auth/two-factor/email", &lacey, None)
        .await;
    assert_eq!(r.status, 202, "{}", r.text());
    let mail = w.smtp.wait_for("lacey@example.org").await;
    let code = after(&mail, "sign-in code is ");
    assert_eq!(code.len(), 6, "{mail}");
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/two-factor/email/confirm",
            &lacey,
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["stage"], "complete");
    assert_eq!(w.get("/api/v1/tickets", &lacey).await.status, 200);
}

#[tokio::test]
async fn e_mailed_codes_and_password_resets_go_through_smtp() {
    let w = World::new().await;
    // Set up e-mail codes for alice.
    let (alice, _, _) = login(&w, "agent", "alice", PASSWORD).await;
    w.call(Method::POST, "/api/v1/auth/two-factor/email", &alice, None)
        .await;
    let code = after(
        &w.smtp.wait_for("alice@example.com").await,
        "sign-in code is ",
    );
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/two-factor/email/confirm",
            &alice,
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // Sign in again: a new code is mailed.
    let before = w.smtp.messages().len();
    let (alice, session, _) = login(&w, "agent", "alice", PASSWORD).await;
    assert_eq!(session["second_factor"], "email");
    let mail = loop {
        let messages = w.smtp.messages();
        if messages.len() > before {
            break messages[before].clone();
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    };
    let code = after(&mail, "sign-in code is ");
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/second-factor",
            &alice,
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    // A used code does not work twice.
    let (again, _, _) = login(&w, "agent", "alice", PASSWORD).await;
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/second-factor",
            &again,
            Some(json!({"code": code})),
        )
        .await;
    assert_eq!(r.status, 422);

    // Forgot password: the same answer for known and unknown logins; a token by mail.
    for login_name in ["nobody", "lacey"] {
        let r = w
            .call(
                Method::POST,
                "/api/v1/auth/password/forgot",
                &Caller::anonymous(),
                Some(json!({"kind": "customer", "login": login_name})),
            )
            .await;
        assert_eq!(r.status, 202);
    }
    let mail = w.smtp.wait_for("Reset your password").await;
    assert!(mail.contains("lacey@example.org"));
    let token = after(&mail, "reset-password?token=");
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/password/reset",
            &Caller::anonymous(),
            Some(json!({"token": token, "new_password": "weak"})),
        )
        .await;
    assert_eq!(
        r.problem("validation")["errors"][0]["field"],
        "new_password"
    );
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/password/reset",
            &Caller::anonymous(),
            Some(json!({"token": token, "new_password": "NewPassw0rdXY"})),
        )
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let (_, _, status) = login(&w, "customer", "lacey", "NewPassw0rdXY").await;
    assert_eq!(status, 200);
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/password/reset",
            &Caller::anonymous(),
            Some(json!({"token": token, "new_password": "NewPassw0rdZZ"})),
        )
        .await;
    assert_eq!(r.status, 422, "a reset token works once");
}

#[tokio::test]
async fn api_tokens_are_created_used_and_revoked_at_once() {
    let w = World::new().await;
    let (alice, _, _) = login(&w, "agent", "alice", PASSWORD).await;
    let r = w
        .call(
            Method::POST,
            "/api/v1/auth/tokens",
            &alice,
            Some(json!({"name": "backup script"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    let secret = created["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("otrs_") && secret.len() > 60);
    let token = Caller::bearer(&secret);
    assert_eq!(w.get("/api/v1/tickets", &token).await.status, 200);
    // The list never shows secrets.
    let list = w.get("/api/v1/auth/tokens", &alice).await.text();
    assert!(!list.contains(&secret));
    // Revoked: refused on the very next request.
    let r = w
        .call(
            Method::DELETE,
            &format!("/api/v1/auth/tokens/{}", created["id"]),
            &alice,
            None,
        )
        .await;
    assert_eq!(r.status, 204);
    let r = w.get("/api/v1/tickets", &token).await;
    assert_eq!(r.status, 401);
    r.problem("not-authenticated");
    // Garbage and malformed headers are 401 too.
    assert_eq!(
        w.get("/api/v1/tickets", &Caller::bearer("otrs_nope"))
            .await
            .status,
        401
    );
    let mut request = World::request(Method::GET, "/api/v1/tickets", &Caller::anonymous(), None);
    request
        .headers_mut()
        .insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
    assert_eq!(w.send(request).await.status, 401);
    // Customers cannot have tokens.
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    assert_eq!(
        w.call(
            Method::POST,
            "/api/v1/auth/tokens",
            &lacey,
            Some(json!({"name": "x"}))
        )
        .await
        .status,
        403
    );
}
