//! The sign-in pages: HTML escaping, the form flow with CSRF, security headers.

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use serde_json::json;

use crate::support::{Caller, PASSWORD, Resp, World};

fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            let v: String = v
                .bytes()
                .map(|b| {
                    if b.is_ascii_alphanumeric() {
                        char::from(b).to_string()
                    } else {
                        format!("%{b:02X}")
                    }
                })
                .collect();
            format!("{k}={v}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn form(w: &World, path: &str, cookie: Option<&str>, pairs: &[(&str, &str)]) -> Resp {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    w.send(builder.body(Body::from(encode(pairs))).unwrap())
        .await
}

async fn page(w: &World, path: &str, cookie: Option<&str>) -> Resp {
    let mut builder = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    w.send(builder.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn pages_escape_everything_users_typed_or_stored() {
    let w = World::new().await;
    for base in ["/agent", "/external"] {
        let r = page(&w, &format!("{base}/login"), None).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type"), "text/html; charset=utf-8");
        assert!(
            r.header("content-security-policy")
                .contains("default-src 'none'")
        );
        assert_eq!(r.header("x-frame-options"), "DENY");
        let evil = "<script>alert(1)</script>\"'";
        let r = form(
            &w,
            &format!("{base}/login"),
            None,
            &[("login", evil), ("password", "x")],
        )
        .await;
        assert_eq!(r.status, 401);
        let html = r.text();
        assert!(!html.contains("<script>alert(1)"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;"),
            "{html}"
        );
        let r = form(
            &w,
            &format!("{base}/login/forgot-password"),
            None,
            &[("login", evil)],
        )
        .await;
        assert!(!r.text().contains("<script>alert(1)"));
        let r = page(
            &w,
            &format!("{base}/login/reset-password?token=%22%3E%3Cscript%3E"),
            None,
        )
        .await;
        assert!(!r.text().contains("\"><script>"), "{}", r.text());
    }
    // Form posts from another site are refused (login CSRF).
    let request = Request::builder()
        .method(Method::POST)
        .uri("/agent/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::HOST, "desk.example.com")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(encode(&[
            ("login", "alice"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    let r = w.send(request).await;
    assert_eq!(r.status, 403);
    assert!(r.header("set-cookie").is_empty());
    // A stored name with markup is shown as text.
    let admin = w.session(Principal::Agent(w.admin)).await;
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/customer-users/{}", w.lacey.0),
            &admin,
            Some(json!({"first_name": "<b>Lacey</b>"})),
        )
        .await;
    assert_eq!(r.status, 200);
    let r = form(
        &w,
        "/external/login",
        None,
        &[("login", "lacey"), ("password", PASSWORD)],
    )
    .await;
    let cookie = r.header("set-cookie");
    let cookie = cookie.split(';').next().unwrap();
    let home = page(&w, "/external", Some(cookie)).await.text();
    assert!(home.contains("&lt;b&gt;Lacey&lt;/b&gt;"), "{home}");
    assert!(!home.contains("<b>Lacey"));
}

#[tokio::test]
async fn the_form_flow_signs_in_changes_the_initial_password_and_signs_out() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let r = w
        .call(Method::POST, "/api/v1/agents", &admin,
            Some(json!({"login": "gina", "first_name": "Gina", "last_name": "A", "email": "g@example.com", "password": "initial secret"})))
        .await;
    assert_eq!(r.status, 201);
    let r = form(
        &w,
        "/agent/login",
        None,
        &[("login", "gina"), ("password", "initial secret")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), "/agent/login/change-password");
    let cookie = r.header("set-cookie");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = page(&w, "/agent/login/change-password", Some(&cookie))
        .await
        .text();
    assert!(html.contains("12 characters"));
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    // Without the CSRF token nothing happens.
    let r = form(
        &w,
        "/agent/login/change-password",
        Some(&cookie),
        &[
            ("new_password", "a new long password"),
            ("repeat_password", "a new long password"),
        ],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = form(
        &w,
        "/agent/login/change-password",
        Some(&cookie),
        &[
            ("csrf_token", &csrf),
            ("new_password", "short"),
            ("repeat_password", "short"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("at least 12 characters"));
    let r = form(
        &w,
        "/agent/login/change-password",
        Some(&cookie),
        &[
            ("csrf_token", &csrf),
            ("new_password", "a new long password"),
            ("repeat_password", "a new long password"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), "/agent");
    let home = page(&w, "/agent", Some(&cookie)).await;
    assert!(home.text().contains("gina"));
    // A customer session is not an agent session.
    let r = form(
        &w,
        "/external/login",
        None,
        &[("login", "lacey"), ("password", PASSWORD)],
    )
    .await;
    let lacey = r.header("set-cookie").split(';').next().unwrap().to_owned();
    assert_eq!(page(&w, "/agent", Some(&lacey)).await.status, 303);
    // Signing out needs the token too.
    let r = form(
        &w,
        "/agent/logout",
        Some(&cookie),
        &[("csrf_token", "wrong")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(
        page(&w, "/agent", Some(&cookie))
            .await
            .text()
            .contains("gina")
    );
    form(&w, "/agent/logout", Some(&cookie), &[("csrf_token", &csrf)]).await;
    let api = Caller {
        cookie: Some(cookie.clone()),
        ..Caller::default()
    };
    assert_eq!(w.get("/api/v1/auth/session", &api).await.status, 401);
}

#[tokio::test]
async fn the_two_factor_page_shows_a_qr_code_and_takes_a_code() {
    let w = World::new().await;
    let r = form(
        &w,
        "/agent/login",
        None,
        &[("login", "alice"), ("password", PASSWORD)],
    )
    .await;
    let cookie = r.header("set-cookie").split(';').next().unwrap().to_owned();
    let html = page(&w, "/agent/login/two-factor", Some(&cookie))
        .await
        .text();
    assert!(html.contains("<svg"), "{html}");
    let field = |name: &str| {
        html.split(&format!("name=\"{name}\" value=\""))
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_owned()
    };
    let (csrf, secret) = (field("csrf_token"), field("secret"));
    let code =
        otrs_http::crypto::totp_code(&secret, u64::try_from(w.desk.now().timestamp()).unwrap())
            .unwrap();
    let r = form(
        &w,
        "/agent/login/two-factor/totp",
        Some(&cookie),
        &[("csrf_token", &csrf), ("secret", &secret), ("code", &code)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    // The next sign-in asks for the code.
    let r = form(
        &w,
        "/agent/login",
        None,
        &[("login", "alice"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(r.header("location"), "/agent/login/second-factor");
    let cookie = r.header("set-cookie").split(';').next().unwrap().to_owned();
    assert_eq!(
        page(&w, "/agent", Some(&cookie)).await.header("location"),
        "/agent/login/second-factor"
    );
    let html = page(&w, "/agent/login/second-factor", Some(&cookie))
        .await
        .text();
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let r = form(
        &w,
        "/agent/login/second-factor",
        Some(&cookie),
        &[("csrf_token", &csrf), ("code", &code)],
    )
    .await;
    // The code that confirmed the setup is used up.
    assert_eq!(r.status, 422);
    w.clock.advance(chrono::Duration::seconds(30));
    let now = u64::try_from(w.desk.now().timestamp()).unwrap();
    let code = otrs_http::crypto::totp_code(&secret, now).unwrap();
    let fields = [("csrf_token", csrf.as_str()), ("code", code.as_str())];
    let r = form(&w, "/agent/login/second-factor", Some(&cookie), &fields).await;
    assert_eq!(r.header("location"), "/agent");
    // And so is this one, for the next sign-in.
    let r = form(
        &w,
        "/agent/login",
        None,
        &[("login", "alice"), ("password", PASSWORD)],
    )
    .await;
    let cookie = r.header("set-cookie").split(';').next().unwrap().to_owned();
    let html = page(&w, "/agent/login/second-factor", Some(&cookie))
        .await
        .text();
    let csrf = html
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let fields = [("csrf_token", csrf.as_str()), ("code", code.as_str())];
    let r = form(&w, "/agent/login/second-factor", Some(&cookie), &fields).await;
    assert_eq!(r.status, 422);
}
