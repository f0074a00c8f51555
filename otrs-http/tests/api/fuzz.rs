//! Random bodies, parameters and path segments for every documented route: never a 5xx.

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};

use crate::support::World;

const FIELDS: &[&str] = &[
    "title",
    "queue",
    "article",
    "body",
    "kind",
    "state",
    "priority",
    "owner",
    "responsible",
    "customer_user",
    "customer_id",
    "pending_until",
    "attachments",
    "filename",
    "content_type",
    "content_base64",
    "units",
    "time_units",
    "into",
    "target",
    "type",
    "name",
    "group",
    "groups",
    "login",
    "password",
    "code",
    "secret",
    "new_password",
    "current_password",
    "token",
    "tickets",
    "update",
    "note",
    "email",
    "link",
    "merge",
    "important",
    "articles",
    "form",
    "fields",
    "validity",
    "first_name",
    "last_name",
    "expires_at",
    "agent",
    "lock",
    "to",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (0u64..20).prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,40}".prop_map(Value::String),
        prop::sample::select(vec![
            "Support",
            "open",
            "alice",
            "lacey",
            "4 high",
            "note",
            "portal",
            "email-outbound",
            "2030-01-01T00:00:00Z",
            "ParentChild",
            "together",
            "oldest",
            "rw",
            "aGVsbG8=",
            "",
            "Initial-Passw0rd-XY",
        ])
        .prop_map(|s| Value::String(s.to_owned())),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(FIELDS.to_vec()), inner), 0..6).prop_map(
                |pairs| {
                    let mut map = Map::new();
                    for (k, v) in pairs {
                        map.insert(k.to_owned(), v);
                    }
                    Value::Object(map)
                }
            ),
        ]
    })
}

const PARAMS: &[&str] = &[
    "q",
    "page",
    "per_page",
    "sort",
    "cursor",
    "state",
    "state_type",
    "queue",
    "priority",
    "owner",
    "responsible",
    "lock",
    "watched",
    "created_after",
    "changed_before",
    "types",
    "search",
    "validity",
    "after",
    "limit",
    "agent",
    "number",
    "title",
    "customer_id",
    "customer_user",
    "junk",
];

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop::sample::select(PARAMS.to_vec()),
            "[a-zA-Z0-9,:.+*~()\\-]{0,16}|%[0-9A-F]{2}|-?[0-9]{1,20}",
        ),
        0..4,
    )
    .prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u64..12).prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        "[a-zA-Z0-9_.~-]{1,12}",
        Just("%FF%FE".to_owned()),
        Just("-1".to_owned()),
    ]
}

#[derive(Debug, Clone)]
enum Payload {
    Json(Value),
    Raw(Vec<u8>),
    None,
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        8 => json_value().prop_map(Payload::Json),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(Payload::Raw),
        1 => Just(Payload::None),
    ]
}

#[test]
fn random_requests_to_every_route_never_yield_a_server_error() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let world = runtime.block_on(World::new());
    let doc: Value = serde_json::to_value(otrs_http::openapi::document()).unwrap();
    let mut routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                routes.push((
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    path.clone(),
                ));
            }
        }
    }
    let mut runner = TestRunner::new(Config {
        cases: 600,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        0..routes.len(),
        0..4usize,
        payload(),
        query(),
        segment(),
        segment(),
    );
    runner
        .run(&strategy, |(route, who, payload, query, seg1, seg2)| {
            let (method, template) = &routes[route];
            let mut path = template.clone();
            for (i, name) in [
                "{id}",
                "{link_id}",
                "{article_id}",
                "{attachment_id}",
                "{draft_id}",
            ]
            .iter()
            .enumerate()
            {
                path = path.replace(name, if i == 0 { &seg1 } else { &seg2 });
            }
            let uri = if query.is_empty() {
                path
            } else {
                format!("{path}?{query}")
            };
            let response = runtime.block_on(async {
                let caller = match who {
                    0 => crate::support::Caller::anonymous(),
                    1 => world.session(Principal::Customer(world.lacey)).await,
                    2 => world.session(Principal::Agent(world.dave)).await,
                    _ => world.session(Principal::Agent(world.admin)).await,
                };
                let mut request: Request<Body> = match &payload {
                    Payload::Json(v) => World::request(method.clone(), &uri, &caller, Some(v)),
                    _ => World::request(method.clone(), &uri, &caller, None),
                };
                if let Payload::Raw(bytes) = &payload {
                    *request.body_mut() = Body::from(bytes.clone());
                    request
                        .headers_mut()
                        .insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
                }
                world.send(request).await
            });
            prop_assert!(
                response.status.as_u16() < 500,
                "{} {} with {:?} → {} {}",
                method,
                uri,
                payload,
                response.status,
                response.text()
            );
            if !response.status.is_success() && response.status.as_u16() != 304 {
                prop_assert_eq!(response.header("content-type"), "application/problem+json");
            }
            Ok(())
        })
        .unwrap();
}
