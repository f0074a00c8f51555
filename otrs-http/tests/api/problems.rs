//! Error shapes: RFC 9457 problem documents for every failure, field-level details for
//! validation errors, never a plain-text 4xx or a 500 for bad input.

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use serde_json::json;

use crate::support::World;

#[tokio::test]
async fn malformed_bodies_and_parameters_get_problem_documents() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;

    // Not JSON at all.
    let mut request = World::request(Method::POST, "/api/v1/tickets", &alice, None);
    *request.body_mut() = Body::from("{not json");
    request
        .headers_mut()
        .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
    let r = w.send(request).await;
    assert_eq!(r.status, 400);
    r.problem("bad-request");

    // No content type.
    let mut request = World::request(Method::POST, "/api/v1/tickets", &alice, None);
    *request.body_mut() = Body::from("{}");
    let r = w.send(request).await;
    assert_eq!(r.status, 415);
    r.problem("unsupported-media-type");

    // A value of the wrong type names its field.
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({"title": 5, "queue": 1, "article": {}})),
        )
        .await;
    assert_eq!(r.status, 422);
    let p = r.problem("validation");
    assert_eq!(p["errors"][0]["field"], "title", "{p}");

    // A missing field, an unknown field.
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({"title": "x", "queue": 1})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.problem("validation")["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("article")
    );
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/tickets/{}", w.ticket.0),
            &alice,
            Some(json!({"titel": "x"})),
        )
        .await;
    assert_eq!(r.status, 422);
    r.problem("validation");

    // Desk validation errors keep their fields.
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({"title": " ", "queue": "Support", "article": {"body": ""}})),
        )
        .await;
    assert_eq!(r.status, 422);
    let p = r.problem("validation");
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"title") && fields.contains(&"article.body"),
        "{p}"
    );

    // Names that do not exist are field errors too.
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({"title": "x", "queue": "Nope", "article": {"body": "b"}})),
        )
        .await;
    assert_eq!(r.problem("validation")["errors"][0]["field"], "queue");

    // Query strings.
    let r = w.get("/api/v1/tickets?per_page=abc", &alice).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.problem("validation")["errors"][0]["field"], "per_page");
    let r = w.get("/api/v1/tickets?per_page=101", &alice).await;
    assert_eq!(r.problem("validation")["errors"][0]["field"], "per_page");
    let r = w.get("/api/v1/tickets?colour=blue", &alice).await;
    assert_eq!(r.status, 422);
    let r = w.get("/api/v1/tickets?sort=-nonsense", &alice).await;
    assert_eq!(r.problem("validation")["errors"][0]["field"], "sort");
    let r = w.get("/api/v1/tickets?cursor=garbage", &alice).await;
    assert_eq!(r.problem("validation")["errors"][0]["field"], "cursor");

    // Path parameters that are not ids read as "not found".
    let r = w.get("/api/v1/tickets/abc", &alice).await;
    assert_eq!(r.status, 404);
    r.problem("not-found");
    let r = w.get("/api/v1/tickets/99999", &alice).await;
    r.problem("not-found");

    // A search query that does not parse says where.
    let r = w.get("/api/v1/tickets?q=title%3A(printer", &alice).await;
    assert_eq!(r.status, 400);
    let p = r.problem("query-syntax");
    assert!(p["offset"].is_u64() && p["column"].is_u64(), "{p}");
}

#[tokio::test]
async fn bodies_above_the_limit_are_refused() {
    let w = World::with_config(|c| c.max_body_bytes = 1024).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let big = "x".repeat(4096);
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({"title": "x", "queue": 1, "article": {"body": big}})),
        )
        .await;
    assert_eq!(r.status, 413);
    r.problem("payload-too-large");
    let request = Request::builder()
        .method(Method::GET)
        .uri("/api/v1/tickets")
        .body(Body::empty())
        .unwrap();
    let r = w.send(request).await;
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), "Bearer realm=\"otrs\"");
    r.problem("not-authenticated");
}

#[tokio::test]
async fn desk_errors_map_to_their_statuses() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let t = w.ticket.0;
    // Locked by another agent → 409 ticket-locked.
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t}/lock"),
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/tickets/{t}"),
            &alice,
            Some(json!({"priority": 5})),
        )
        .await;
    assert_eq!(r.status, 409);
    r.problem("ticket-locked");
    // Merge into itself → 409.
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{}/merge", w.ticket2.0),
            &alice,
            Some(json!({"into": w.ticket2.0})),
        )
        .await;
    assert_eq!(r.status, 409);
    r.problem("merge-into-self");
    // A self-link → 422 link-refused.
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{}/links", w.ticket2.0),
            &alice,
            Some(json!({"target": w.ticket2.0})),
        )
        .await;
    assert_eq!(r.status, 422);
    r.problem("link-refused");
    // A duplicate name → 409.
    let r = w
        .call(
            Method::POST,
            "/api/v1/customers",
            &alice,
            Some(json!({"customer_id": "SSI", "name": "again"})),
        )
        .await;
    assert_eq!(r.status, 409);
    r.problem("duplicate");
}
