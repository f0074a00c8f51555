//! Text templates and signatures are changed in place: `PUT`/`PATCH` on the API and the admin
//! page of the agent interface, both for admins only (others get 403 and nothing changes).

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use otrs_core::model::{StandardText, TextKind, Validity};
use serde_json::json;

use crate::support::{Caller, Resp, World};

async fn stored(w: &World, kind: TextKind) -> Vec<StandardText> {
    w.desk
        .all_standard_texts(Principal::Agent(w.admin), kind)
        .await
        .unwrap()
}

async fn form(w: &World, path: &str, caller: &Caller, pairs: &[(&str, &str)]) -> Resp {
    let mut out = form_urlencoded::Serializer::new(String::new());
    out.append_pair("csrf_token", caller.csrf.as_deref().unwrap());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, caller.cookie.clone().unwrap())
        .body(Body::from(out.finish()))
        .unwrap();
    w.send(request).await
}

#[tokio::test]
async fn the_api_replaces_and_patches_texts_for_admins_only() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let id = w.template.0;
    let before = stored(&w, TextKind::Template).await;
    // A non-admin is refused, and nothing changes.
    for method in [Method::PUT, Method::PATCH] {
        let r = w
            .call(
                method,
                &format!("/api/v1/templates/{id}"),
                &alice,
                Some(json!({"name": "Mine"})),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text());
    }
    assert_eq!(stored(&w, TextKind::Template).await, before);
    // PATCH changes what it names; the ETag follows the version.
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/templates/{id}"),
            &admin,
            Some(json!({"text": "<p>Thanks!</p>", "content_type": "text/html", "validity": "invalid"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert_eq!(body["name"], "Greeting");
    assert_eq!(body["content_type"], "text/html");
    assert_eq!(body["validity"], "invalid");
    assert_eq!(body["queues"][0]["name"], "Support");
    assert_eq!(r.header("etag"), format!("\"v{}\"", body["version"]));
    // Invalid ones are offered to nobody, listed for admins on request.
    let list = w.get("/api/v1/templates", &alice).await.json();
    assert_eq!(list["total"], 0);
    let list = w
        .get("/api/v1/templates?include_invalid=true", &admin)
        .await
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(
        w.get("/api/v1/templates?include_invalid=true", &alice)
            .await
            .status,
        403
    );
    // A stale If-Match is refused.
    let mut stale = World::request(
        Method::PUT,
        &format!("/api/v1/templates/{id}"),
        &admin,
        Some(&json!({"name": "Stale"})),
    );
    stale
        .headers_mut()
        .insert(header::IF_MATCH, "\"v1\"".parse().unwrap());
    assert_eq!(w.send(stale).await.status, 412);
    // PUT sets every field (defaults for those left out): renamed, no queues, valid, plain.
    let r = w
        .call(
            Method::PUT,
            &format!("/api/v1/templates/{id}"),
            &admin,
            Some(json!({"name": "Welcome", "text": "Hello."})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = stored(&w, TextKind::Template).await.remove(0);
    assert_eq!(
        (t.name.as_str(), t.text.as_str(), t.content_type.as_str()),
        ("Welcome", "Hello.", "text/plain")
    );
    assert_eq!(t.validity, Validity::Valid);
    assert!(t.queues.is_empty());
    // Bad input names the field; the wrong kind is not found.
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/templates/{id}"),
            &admin,
            Some(json!({"validity": "maybe"})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("validity"));
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/templates/{id}"),
            &admin,
            Some(json!({"content_type": "image/png", "queues": ["Nowhere"]})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/signatures/{id}"),
            &admin,
            Some(json!({"name": "x"})),
        )
        .await;
    assert_eq!(r.status, 404, "{}", r.text());
    assert_eq!(stored(&w, TextKind::Template).await, vec![t]);
}

#[tokio::test]
async fn the_admin_page_lists_creates_edits_and_deletes_for_admins_only() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    // The main menu links the page for admins only.
    assert!(
        w.get("/agent", &admin)
            .await
            .text()
            .contains("/agent/admin/texts/templates")
    );
    assert!(
        !w.get("/agent", &alice)
            .await
            .text()
            .contains("/agent/admin/texts/templates")
    );
    let html = w.get("/agent/admin/texts/templates", &admin).await.text();
    assert!(
        html.contains("Greeting") && html.contains("Add template"),
        "{html}"
    );
    // Others are refused everywhere, and nothing changes.
    let id = w.template.0;
    let before = stored(&w, TextKind::Template).await;
    for path in [
        "/agent/admin/texts/templates".to_owned(),
        "/agent/admin/texts/templates/new".to_owned(),
        format!("/agent/admin/texts/templates/{id}"),
    ] {
        assert_eq!(w.get(&path, &alice).await.status, 403, "{path}");
    }
    let support = w.support.0.to_string();
    for (path, pairs) in [
        (
            "/agent/admin/texts/templates/new".to_owned(),
            vec![("name", "Mine"), ("text", "x")],
        ),
        (
            format!("/agent/admin/texts/templates/{id}"),
            vec![
                ("name", "Mine"),
                ("text", "x"),
                ("content_type", "text/plain"),
                ("validity", "valid"),
            ],
        ),
        (format!("/agent/admin/texts/templates/{id}/delete"), vec![]),
    ] {
        assert_eq!(form(&w, &path, &alice, &pairs).await.status, 403, "{path}");
    }
    assert_eq!(stored(&w, TextKind::Template).await, before);
    // Create: a taken name is an error at the field with the values kept.
    let r = form(
        &w,
        "/agent/admin/texts/templates/new",
        &admin,
        &[
            ("name", "Greeting"),
            ("text", "Kept <text>"),
            ("queues", &support),
        ],
    )
    .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let html = r.text();
    assert!(html.contains(r#"id="err-name""#), "{html}");
    assert!(html.contains("Kept &lt;text&gt;"), "{html}");
    let r = form(
        &w,
        "/agent/admin/texts/templates/new",
        &admin,
        &[
            ("name", "Apology"),
            ("text", "Sorry."),
            ("queues", &support),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let apology = stored(&w, TextKind::Template)
        .await
        .into_iter()
        .find(|t| t.name == "Apology")
        .unwrap();
    assert_eq!(apology.queues, vec![w.support]);
    // Edit: the form shows the values; an empty name is an error in place; then it saves.
    let edit = format!("/agent/admin/texts/templates/{}", apology.id.0);
    let html = w.get(&edit, &admin).await.text();
    assert!(html.contains(r#"value="Apology""#), "{html}");
    let version = apology.version.to_string();
    let r = form(
        &w,
        &edit,
        &admin,
        &[
            ("version", &version),
            ("name", ""),
            ("text", "Still here"),
            ("content_type", "text/plain"),
            ("validity", "valid"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains(r#"id="err-name""#), "{}", r.text());
    assert!(r.text().contains("Still here"));
    let r = form(
        &w,
        &edit,
        &admin,
        &[
            ("version", &version),
            ("name", "Apology 2"),
            ("text", "<b>Sorry</b>"),
            ("content_type", "text/html"),
            ("validity", "invalid"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let changed = stored(&w, TextKind::Template)
        .await
        .into_iter()
        .find(|t| t.id == apology.id)
        .unwrap();
    assert_eq!(changed.name, "Apology 2");
    assert_eq!(changed.content_type, "text/html");
    assert_eq!(changed.validity, Validity::Invalid);
    assert!(changed.queues.is_empty());
    // The same stale form again is refused.
    let r = form(
        &w,
        &edit,
        &admin,
        &[
            ("version", &version),
            ("name", "Late"),
            ("text", ""),
            ("content_type", "text/plain"),
            ("validity", "valid"),
        ],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    assert!(r.text().contains("changed by someone else"));
    // Delete.
    let r = form(&w, &format!("{edit}/delete"), &admin, &[]).await;
    assert_eq!(r.status, 303);
    assert!(
        stored(&w, TextKind::Template)
            .await
            .iter()
            .all(|t| t.id != apology.id)
    );
    // Signatures have their own list.
    let html = w.get("/agent/admin/texts/signatures", &admin).await.text();
    assert!(html.contains("Support team"), "{html}");
}
