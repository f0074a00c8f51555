//! An article and the ticket's next state in one request: the state change honours `If-Match`
//! and is all-or-nothing with the article; the article alone never conflicts.

use axum::http::{Method, header};
use otrs_core::Principal;
use serde_json::{Value, json};

use crate::support::{Caller, Resp, World};

async fn post_article(w: &World, caller: &Caller, if_match: Option<&str>, body: Value) -> Resp {
    let path = format!("/api/v1/tickets/{}/articles", w.ticket.0);
    let mut request = World::request(Method::POST, &path, caller, Some(&body));
    if let Some(tag) = if_match {
        request
            .headers_mut()
            .insert(header::IF_MATCH, tag.parse().unwrap());
    }
    w.send(request).await
}

async fn article_count(w: &World, caller: &Caller) -> u64 {
    let path = format!("/api/v1/tickets/{}/articles", w.ticket.0);
    w.get(&path, caller).await.json()["total"].as_u64().unwrap()
}

#[tokio::test]
async fn an_article_changes_the_state_and_pending_time_in_one_go() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let ticket_path = format!("/api/v1/tickets/{}", w.ticket.0);
    let etag = w.get(&ticket_path, &alice).await.header("etag");
    let articles = article_count(&w, &alice).await;

    let r = post_article(
        &w,
        &alice,
        Some(&etag),
        json!({"body": "Waiting for the customer.", "state": "pending reminder",
               "pending_until": "2026-03-05T09:00:00Z"}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["body"], "Waiting for the customer.");

    let ticket = w.get(&ticket_path, &alice).await;
    assert_ne!(ticket.header("etag"), etag);
    let ticket = ticket.json();
    assert_eq!(ticket["state"]["name"], "pending reminder", "{ticket}");
    assert_eq!(ticket["pending_until"], "2026-03-05T09:00:00Z", "{ticket}");
    assert_eq!(article_count(&w, &alice).await, articles + 1);
    let history = w.desk.history(Principal::SYSTEM, w.ticket).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.entry.history_type.name() == "StateUpdate"),
        "{history:?}"
    );

    // A state by id, without If-Match: the change is not conditional.
    let closed = w.state_named("closed successful").await;
    let r = post_article(
        &w,
        &alice,
        None,
        json!({"body": "Solved.", "state": closed.id.0}),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let ticket = w.get(&ticket_path, &alice).await.json();
    assert_eq!(ticket["state"]["name"], "closed successful", "{ticket}");
    assert_eq!(ticket["pending_until"], Value::Null, "{ticket}");
}

#[tokio::test]
async fn a_stale_if_match_refuses_the_state_change_and_adds_no_article() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let ticket_path = format!("/api/v1/tickets/{}", w.ticket.0);
    let stale = w.get(&ticket_path, &alice).await.header("etag");
    let r = w
        .call(
            Method::PATCH,
            &ticket_path,
            &alice,
            Some(json!({"title": "Changed meanwhile"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let articles = article_count(&w, &alice).await;
    let before = w.fingerprint().await;

    let r = post_article(
        &w,
        &alice,
        Some(&stale),
        json!({"body": "Closing.", "state": "closed successful"}),
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    r.problem("version-mismatch");
    assert_eq!(w.fingerprint().await, before);
    assert_eq!(article_count(&w, &alice).await, articles);
    assert_eq!(
        w.get(&ticket_path, &alice).await.json()["state"]["name"],
        "open"
    );

    // The article alone never conflicts: the same stale If-Match adds it.
    let r = post_article(&w, &alice, Some(&stale), json!({"body": "Just a note."})).await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(article_count(&w, &alice).await, articles + 1);
    assert_eq!(
        w.get(&ticket_path, &alice).await.json()["state"]["name"],
        "open"
    );
}

#[tokio::test]
async fn invalid_state_changes_are_field_errors_and_write_nothing() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let articles = article_count(&w, &alice).await;
    let before = w.fingerprint().await;
    for (body, field) in [
        (
            json!({"body": "b", "state": "pending reminder"}),
            "pending_until",
        ),
        (
            json!({"body": "b", "state": "pending reminder", "pending_until": "2026-03-05 09:00"}),
            "pending_until",
        ),
        (
            json!({"body": "b", "state": "pending reminder", "pending_until": "2026-03-01T09:00:00Z"}),
            "pending_until",
        ),
        (json!({"body": "b", "state": "no such state"}), "state"),
        (json!({"body": "b", "state": 9999}), "state"),
    ] {
        let r = post_article(&w, &alice, None, body.clone()).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        let problem = r.problem("validation");
        assert_eq!(problem["errors"][0]["field"], field, "{body}: {problem}");
        assert_eq!(w.fingerprint().await, before, "{body}");
        assert_eq!(article_count(&w, &alice).await, articles, "{body}");
    }

    // A new ticket takes its state from its own fields, never from its first article's.
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({"title": "t", "queue": "Support",
                        "article": {"body": "b", "state": "closed successful"}})),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(
        r.problem("validation")["errors"][0]["field"],
        "article.state"
    );
    assert_eq!(w.fingerprint().await, before);
}
