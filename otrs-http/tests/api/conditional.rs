//! 201 with Location on create, ETag on reads, If-Match on updates (412 when stale),
//! If-None-Match (304), ids and names side by side, names or ids accepted.

use axum::http::{Method, header};
use otrs_core::Principal;
use serde_json::json;

use crate::support::World;

#[tokio::test]
async fn create_answers_201_with_location_and_names() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({"title": "Screen flickers", "queue": "Support", "priority": "4 high", "owner": "alice",
                        "customer_user": "lacey", "article": {"kind": "phone-inbound", "body": "It flickers."}})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let location = r.header("location");
    let created = r.json();
    assert_eq!(location, format!("/api/v1/tickets/{}", created["id"]));
    assert_eq!(
        created["queue"],
        json!({"id": w.support.0, "name": "Support"})
    );
    assert_eq!(created["priority"], json!({"id": 4, "name": "4 high"}));
    assert_eq!(created["owner"]["name"], "alice");
    assert_eq!(created["customer_user"]["name"], "lacey");
    assert_eq!(created["state"]["name"], "open");
    let r = w.get(&location, &alice).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["number"], created["number"]);
    // The same ticket by number.
    let number = created["number"].as_str().unwrap();
    let r = w
        .get(&format!("/api/v1/tickets?number={number}"), &alice)
        .await;
    assert_eq!(r.json()["total"], 1);
    assert_eq!(r.json()["items"][0]["id"], created["id"]);
}

#[tokio::test]
async fn stale_if_match_is_refused_with_412() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let path = format!("/api/v1/tickets/{}", w.ticket.0);
    let r = w.get(&path, &alice).await;
    let etag = r.header("etag");
    assert!(etag.starts_with("\"v"), "{etag}");

    // Unchanged → 304.
    let mut request = World::request(Method::GET, &path, &alice, None);
    request
        .headers_mut()
        .insert(header::IF_NONE_MATCH, etag.parse().unwrap());
    assert_eq!(w.send(request).await.status, 304);

    let patch = |tag: &str, title: &str| {
        let mut request =
            World::request(Method::PATCH, &path, &alice, Some(&json!({"title": title})));
        request
            .headers_mut()
            .insert(header::IF_MATCH, tag.parse().unwrap());
        request
    };
    let r = w.send(patch(&etag, "First")).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let new_etag = r.header("etag");
    assert_ne!(new_etag, etag);
    let before = w.fingerprint().await;
    let r = w.send(patch(&etag, "Second")).await;
    assert_eq!(r.status, 412);
    r.problem("version-mismatch");
    assert_eq!(w.fingerprint().await, before);
    assert_eq!(w.get(&path, &alice).await.json()["title"], "First");

    // A merge from a stale copy is refused too, and merges nothing.
    let mut merge = World::request(
        Method::POST,
        &format!("{path}/merge"),
        &alice,
        Some(&json!({"into": w.ticket2.0})),
    );
    merge
        .headers_mut()
        .insert(header::IF_MATCH, etag.parse().unwrap());
    let r = w.send(merge).await;
    assert_eq!(r.status, 412, "{}", r.text());
    r.problem("version-mismatch");
    assert_eq!(w.fingerprint().await, before);

    // Queues, agents, customers and customer users too.
    let admin = w.session(Principal::Agent(w.admin)).await;
    for path in [
        format!("/api/v1/queues/{}", w.support.0),
        format!("/api/v1/agents/{}", w.erin.0),
        format!("/api/v1/customers/{}", w.ssi.0),
        format!("/api/v1/customer-users/{}", w.lacey.0),
    ] {
        let etag = w.get(&path, &admin).await.header("etag");
        assert!(!etag.is_empty(), "{path}");
        let stale = etag.replace("\"v", "\"v9");
        let mut request =
            World::request(Method::PATCH, &path, &admin, Some(&json!({"comment": "x"})));
        if path.contains("agents") || path.contains("customer-users") {
            request = World::request(
                Method::PATCH,
                &path,
                &admin,
                Some(&json!({"first_name": "X"})),
            );
        }
        request
            .headers_mut()
            .insert(header::IF_MATCH, stale.parse().unwrap());
        let r = w.send(request).await;
        assert_eq!(r.status, 412, "{path}: {}", r.text());
    }
}

#[tokio::test]
async fn lists_page_sort_and_filter_with_totals_and_cursors() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    for i in 0..5 {
        let r = w
            .call(Method::POST, "/api/v1/tickets", &alice,
                Some(json!({"title": format!("Bulk {i}"), "queue": w.support.0, "article": {"body": "b"}})))
            .await;
        assert_eq!(r.status, 201);
    }
    let r = w
        .get("/api/v1/tickets?per_page=2&page=2&sort=created", &alice)
        .await;
    let page = r.json();
    assert_eq!(page["total"], 8);
    assert_eq!(page["page"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    let r = w
        .get(
            "/api/v1/tickets?title=bulk&state=open&queue=Support",
            &alice,
        )
        .await;
    assert_eq!(r.json()["total"], 5);
    // Cursor mode walks everything once.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let r = w
            .get(
                &format!("/api/v1/tickets?per_page=3&sort=-changed&cursor={cursor}"),
                &alice,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        let page = r.json();
        for t in page["items"].as_array().unwrap() {
            seen.push(t["id"].as_u64().unwrap());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 8);
    // The query language filters too.
    let r = w.get("/api/v1/tickets?q=printer", &alice).await;
    assert_eq!(r.json()["total"], 1, "{}", r.text());
    let r = w
        .get("/api/v1/search?q=printer&types=tickets,customers", &alice)
        .await;
    assert_eq!(r.json()["tickets"]["total"], 1);
}
