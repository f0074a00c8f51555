//! Customer users reach their own tickets and their company's, nothing else.

use axum::http::Method;
use otrs_core::Principal;
use serde_json::json;

use crate::support::World;

#[tokio::test]
async fn a_customer_of_another_company_sees_nothing() {
    let w = World::new().await;
    let mallory = w.session(Principal::Customer(w.mallory)).await;
    let t = w.ticket.0;
    for path in [
        format!("/api/v1/tickets/{t}"),
        format!("/api/v1/tickets/{t}/articles"),
        format!("/api/v1/tickets/{t}/articles/{}", w.article.0),
        format!(
            "/api/v1/tickets/{t}/articles/{}/attachments/{}",
            w.article.0, w.attachment.0
        ),
        format!("/api/v1/tickets/{t}/links"),
        format!("/api/v1/customers/{}", w.ssi.0),
        format!("/api/v1/customer-users/{}", w.lacey.0),
    ] {
        let r = w.get(&path, &mallory).await;
        assert_eq!(r.status, 404, "{path}: {}", r.text());
        r.problem("not-found");
    }
    let before = w.fingerprint().await;
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t}/articles"),
            &mallory,
            Some(json!({"body": "hi"})),
        )
        .await;
    assert_eq!(r.status, 404);
    assert_eq!(w.fingerprint().await, before);
    let list = w.get("/api/v1/tickets", &mallory).await.json();
    assert_eq!(list["total"], 0);
    let found = w.get("/api/v1/search?q=printer", &mallory).await.json();
    assert_eq!(found["tickets"]["total"], 0);
    assert_eq!(
        w.get("/api/v1/tickets?q=printer", &mallory).await.json()["total"],
        0
    );
    let number = w
        .get(
            &format!("/api/v1/tickets/{t}"),
            &w.session(Principal::Customer(w.lacey)).await,
        )
        .await
        .json()["number"]
        .clone();
    let r = w
        .get(
            &format!("/api/v1/tickets?number={}", number.as_str().unwrap()),
            &mallory,
        )
        .await;
    assert_eq!(r.json()["total"], 0);

    // Lacey sees her ticket, its visible article and its attachment (never as a page).
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let r = w
        .get(
            &format!(
                "/api/v1/tickets/{t}/articles/{}/attachments/{}",
                w.article.0, w.attachment.0
            ),
            &lacey,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"paper jam");
    assert!(
        r.header("content-disposition")
            .starts_with("attachment; filename=\"error _log_.txt\"")
    );
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(w.get("/api/v1/tickets", &lacey).await.json()["total"], 1);

    // A ticket of her company (no customer user of hers) is hers to read too; mallory's is not.
    let alice = w.session(Principal::Agent(w.alice)).await;
    let r = w
        .call(Method::POST, "/api/v1/tickets", &alice,
            Some(json!({"title": "Company matter", "queue": "Support", "customer_id": "ssi", "article": {"kind": "phone-inbound", "body": "For the whole company."}})))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let company = r.json()["id"].as_u64().unwrap();
    assert_eq!(
        w.get(&format!("/api/v1/tickets/{company}"), &lacey)
            .await
            .status,
        200
    );
    assert_eq!(w.get("/api/v1/tickets", &lacey).await.json()["total"], 2);
    assert_eq!(
        w.get(&format!("/api/v1/tickets/{company}"), &mallory)
            .await
            .status,
        404
    );
}
