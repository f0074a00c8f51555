//! The OpenAPI document and the router agree: every route is documented, every documented
//! route exists.

use axum::http::Method;
use serde_json::Value;

use crate::support::{Caller, World};

fn documented() -> Vec<(String, String)> {
    let doc: Value = serde_json::to_value(otrs_http::openapi::document()).unwrap();
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                out.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_route_is_documented_and_every_documented_route_is_routed() {
    let mut routed: Vec<(String, String)> = otrs_http::api_routes()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    routed.sort();
    let documented = documented();
    let undocumented: Vec<_> = routed.iter().filter(|r| !documented.contains(r)).collect();
    let unrouted: Vec<_> = documented.iter().filter(|r| !routed.contains(r)).collect();
    assert!(
        undocumented.is_empty(),
        "routes missing from the document: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "documented routes without a handler: {unrouted:?}"
    );
}

#[tokio::test]
async fn the_document_is_openapi_3_1_and_served() {
    let w = World::new().await;
    let r = w.get("/api/v1/openapi.json", &Caller::anonymous()).await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    assert!(doc["components"]["schemas"]["TicketDto"].is_object());
    assert!(doc["components"]["schemas"]["Problem"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn every_documented_route_answers_from_a_handler() {
    let w = World::new().await;
    for (method, path) in documented() {
        let concrete = path
            .replace("{id}", "1")
            .replace("{link_id}", "1")
            .replace("{article_id}", "1")
            .replace("{attachment_id}", "1")
            .replace("{draft_id}", "1");
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let r = w
            .call(method.clone(), &concrete, &Caller::anonymous(), None)
            .await;
        let code = if r.status.is_success() {
            String::new()
        } else {
            r.json()["code"].as_str().unwrap_or("").to_owned()
        };
        assert!(
            code != "no-such-route" && code != "method-not-allowed",
            "{method} {path} is documented but not routed"
        );
    }
    let r = w.get("/api/v1/nope", &Caller::anonymous()).await;
    r.problem("no-such-route");
    let r = w
        .call(Method::PUT, "/api/v1/tickets", &Caller::anonymous(), None)
        .await;
    assert_eq!(r.status, 405);
    r.problem("method-not-allowed");
}
