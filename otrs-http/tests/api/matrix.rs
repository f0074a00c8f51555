//! Every route of the OpenAPI document, for every role: anonymous, customer user, agent without
//! the group right, agent with it, admin. A route without a case fails the test; a refused call
//! must answer 401, 403 or 404 and change nothing.

use axum::http::Method;
use otrs_core::Principal;
use serde_json::{Value, json};

use crate::support::{Caller, PASSWORD, World};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Anonymous,
    Customer,
    AgentWithoutRight,
    AgentWithRight,
    Admin,
}

const ROLES: [Role; 5] = [
    Role::Anonymous,
    Role::Customer,
    Role::AgentWithoutRight,
    Role::AgentWithRight,
    Role::Admin,
];

/// What a role's call must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// 401, 403 or 404, and nothing changed.
    Denied,
    /// A 2xx.
    Ok,
    /// A 2xx that changed nothing (lists filtered to nothing, bulk actions that skip every ticket).
    OkUnchanged,
    /// Exactly this status.
    Status(u16),
}

use Expect::{Denied as D, Ok as O, OkUnchanged as U, Status as S};

struct Case {
    method: Method,
    path: &'static str,
    body: fn(&World) -> Option<Value>,
    expect: [Expect; 5],
}

fn none(_: &World) -> Option<Value> {
    None
}

fn totp_confirm(w: &World) -> Option<Value> {
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let now = u64::try_from(w.desk.now().timestamp()).unwrap();
    let code = otrs_http::crypto::totp_code(secret, now).unwrap();
    Some(json!({"secret": secret, "code": code}))
}

fn cases() -> Vec<Case> {
    macro_rules! case {
        ($m:ident $p:literal, $body:expr, [$($e:expr),*]) => {
            Case { method: Method::$m, path: $p, body: $body, expect: [$($e),*] }
        };
    }
    vec![
        case!(GET "/api/v1/tickets", none, [D, O, U, O, O]),
        case!(POST "/api/v1/tickets", |_| Some(json!({"title": "New", "queue": "Support", "article": {"body": "Hello"}})), [D, D, D, O, O]),
        case!(POST "/api/v1/tickets/bulk", |w| Some(json!({"tickets": [w.ticket.0], "update": {"priority": 4}})), [D, D, U, O, O]),
        case!(GET "/api/v1/tickets/{id}", none, [D, O, D, O, O]),
        case!(PATCH "/api/v1/tickets/{id}", |_| Some(json!({"title": "Renamed"})), [D, D, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/lock", none, [D, D, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/unlock", none, [D, D, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/merge", |w| Some(json!({"into": w.ticket2.0})), [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/links", none, [D, O, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/links", |w| Some(json!({"target": w.ticket2.0})), [D, D, D, O, O]),
        case!(DELETE "/api/v1/tickets/{id}/links/{link_id}", none, [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/watchers", none, [D, D, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/watch", none, [D, D, D, O, O]),
        case!(DELETE "/api/v1/tickets/{id}/watch", none, [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/history", none, [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/articles", none, [D, O, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/articles", |_| Some(json!({"body": "More"})), [D, O, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/articles/{article_id}", none, [D, O, D, O, O]),
        case!(PATCH "/api/v1/tickets/{id}/articles/{article_id}", |_| Some(json!({"important": true})), [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/articles/{article_id}/attachments/{attachment_id}", none, [D, O, D, O, O]),
        // The fixture article is a phone call, which has no source (tests/api/mail_sources.rs
        // downloads real ones); readers learn that, others learn nothing.
        case!(GET "/api/v1/tickets/{id}/articles/{article_id}/source", none, [D, S(409), D, S(409), S(409)]),
        case!(POST "/api/v1/tickets/{id}/seen", |_| Some(json!({})), [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/time-accounting", none, [D, D, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/time-accounting", |_| Some(json!({"units": 5})), [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/drafts", none, [D, D, D, O, O]),
        case!(PUT "/api/v1/tickets/{id}/drafts", |_| Some(json!({"form": "note", "name": "second"})), [D, D, D, O, O]),
        case!(DELETE "/api/v1/tickets/{id}/drafts/{draft_id}", none, [D, D, D, O, O]),
        case!(GET "/api/v1/queues", none, [D, O, O, O, O]),
        case!(POST "/api/v1/queues", |_| Some(json!({"name": "Billing", "group": "users"})), [D, D, D, D, O]),
        case!(GET "/api/v1/queues/{queue_id}", none, [D, D, O, O, O]),
        case!(PATCH "/api/v1/queues/{queue_id}", |_| Some(json!({"comment": "changed"})), [D, D, D, D, O]),
        case!(GET "/api/v1/queue-metrics", none, [D, D, O, O, O]),
        case!(GET "/api/v1/groups", none, [D, D, O, O, O]),
        case!(POST "/api/v1/groups", |_| Some(json!({"name": "billing"})), [D, D, D, D, O]),
        case!(GET "/api/v1/groups/{group_id}", none, [D, D, O, O, O]),
        case!(PATCH "/api/v1/groups/{group_id}", |_| Some(json!({"comment": "changed"})), [D, D, D, D, O]),
        case!(GET "/api/v1/states", none, [D, O, O, O, O]),
        case!(POST "/api/v1/states", |_| Some(json!({"name": "waiting", "type": "open"})), [D, D, D, D, O]),
        case!(GET "/api/v1/agents", none, [D, D, O, O, O]),
        case!(POST "/api/v1/agents", |_| Some(json!({"login": "frank", "first_name": "Frank", "last_name": "Agent", "email": "frank@example.com"})), [D, D, D, D, O]),
        case!(GET "/api/v1/agents/{agent_id}", none, [D, D, O, O, O]),
        case!(PATCH "/api/v1/agents/{agent_id}", |_| Some(json!({"first_name": "Erina"})), [D, D, D, D, O]),
        case!(POST "/api/v1/agents/{agent_id}/clear-lockout", none, [D, D, D, D, O]),
        case!(DELETE "/api/v1/agents/{agent_id}/two-factor", none, [D, D, D, D, O]),
        case!(GET "/api/v1/customers", none, [D, O, O, O, O]),
        case!(POST "/api/v1/customers", |_| Some(json!({"customer_id": "NEW", "name": "New Corp."})), [D, D, O, O, O]),
        case!(GET "/api/v1/customers/{customer_id}", none, [D, O, O, O, O]),
        case!(PATCH "/api/v1/customers/{customer_id}", |_| Some(json!({"city": "Berlin"})), [D, D, O, O, O]),
        case!(GET "/api/v1/customer-users", none, [D, O, O, O, O]),
        case!(POST "/api/v1/customer-users", |_| Some(json!({"login": "nina", "first_name": "Nina", "last_name": "Customer", "email": "nina@example.org", "customer_id": "SSI"})), [D, D, O, O, O]),
        case!(GET "/api/v1/customer-users/{customer_user_id}", none, [D, D, O, O, O]),
        case!(PATCH "/api/v1/customer-users/{customer_user_id}", |_| Some(json!({"phone": "+49 30 1234"})), [D, D, O, O, O]),
        case!(POST "/api/v1/customer-users/{customer_user_id}/clear-lockout", none, [D, D, O, O, O]),
        case!(DELETE "/api/v1/customer-users/{customer_user_id}/two-factor", none, [D, D, O, O, O]),
        case!(GET "/api/v1/changes", none, [D, D, D, D, O]),
        case!(GET "/api/v1/search", none, [D, O, O, O, O]),
        case!(POST "/api/v1/auth/login", |_| Some(json!({"login": "alice", "password": PASSWORD})), [O, O, O, O, O]),
        case!(GET "/api/v1/auth/session", none, [D, O, O, O, O]),
        case!(POST "/api/v1/auth/logout", none, [D, O, O, O, O]),
        case!(POST "/api/v1/auth/second-factor", |_| Some(json!({"code": "123456"})), [D, S(409), S(409), S(409), S(409)]),
        case!(POST "/api/v1/auth/second-factor/resend", none, [D, S(409), S(409), S(409), S(409)]),
        case!(POST "/api/v1/auth/password", |_| Some(json!({"current_password": PASSWORD, "new_password": "Another-Passw0rd-ZZ"})), [D, O, O, O, O]),
        case!(POST "/api/v1/auth/password/forgot", |_| Some(json!({"login": "alice"})), [S(202), S(202), S(202), S(202), S(202)]),
        case!(POST "/api/v1/auth/password/reset", |_| Some(json!({"token": "bogus", "new_password": "Another-Passw0rd-ZZ"})), [S(422), S(422), S(422), S(422), S(422)]),
        case!(POST "/api/v1/auth/two-factor/totp", none, [D, O, O, O, O]),
        case!(POST "/api/v1/auth/two-factor/totp/confirm", totp_confirm, [D, O, O, O, O]),
        case!(POST "/api/v1/auth/two-factor/email", none, [D, O, O, O, O]),
        case!(POST "/api/v1/auth/two-factor/email/confirm", |_| Some(json!({"code": "000000"})), [D, S(422), S(422), S(422), S(422)]),
        case!(DELETE "/api/v1/auth/two-factor", none, [D, O, O, O, O]),
        case!(GET "/api/v1/auth/tokens", none, [D, D, O, O, O]),
        case!(POST "/api/v1/auth/tokens", |_| Some(json!({"name": "script"})), [D, D, O, O, O]),
        case!(DELETE "/api/v1/auth/tokens/{id}", none, [D, D, D, O, O]),
        // --- calendars and appointments (the calendar is the support group's) ---
        case!(GET "/api/v1/calendars", none, [D, U, U, O, O]),
        case!(POST "/api/v1/calendars", |w| Some(json!({"name": "On call", "color": "#112233", "group_id": w.support_group.0})), [D, D, D, D, O]),
        case!(GET "/api/v1/calendars/{id}", none, [D, D, D, O, O]),
        case!(PATCH "/api/v1/calendars/{id}", |_| Some(json!({"name": "Support shifts"})), [D, D, D, D, O]),
        // A calendar that still holds appointments is not deleted (409) even by an admin.
        case!(DELETE "/api/v1/calendars/{id}", none, [D, D, D, D, S(409)]),
        case!(POST "/api/v1/calendars/{id}/rotate-token", none, [D, D, D, O, O]),
        case!(GET "/api/v1/appointments", none, [D, U, U, O, O]),
        case!(POST "/api/v1/appointments", |w| Some(appointment_body(w)), [D, D, D, O, O]),
        case!(GET "/api/v1/appointments/{id}", none, [D, D, D, O, O]),
        case!(PATCH "/api/v1/appointments/{id}", |_| Some(json!({"title": "Toner change"})), [D, D, D, O, O]),
        case!(DELETE "/api/v1/appointments/{id}", none, [D, D, D, O, O]),
        case!(POST "/api/v1/appointments/{id}/copy", none, [D, D, D, O, O]),
        case!(GET "/api/v1/appointments/{id}/history", none, [D, D, D, O, O]),
        case!(GET "/api/v1/tickets/{id}/appointments", none, [D, D, D, O, O]),
        case!(POST "/api/v1/tickets/{id}/appointments", |w| Some(appointment_body(w)), [D, D, D, O, O]),
        // --- background jobs (admins) and the caller's own notifications ---
        case!(GET "/api/v1/jobs", none, [D, D, D, D, O]),
        case!(POST "/api/v1/jobs", |w| Some(json!({"kind": "notify.agent", "payload": {"agent_id": w.alice.0, "title": "Hi"}})), [D, D, D, D, O]),
        case!(GET "/api/v1/jobs/{id}", none, [D, D, D, D, O]),
        case!(DELETE "/api/v1/jobs/{id}", none, [D, D, D, D, O]),
        case!(GET "/api/v1/notifications", none, [D, D, U, U, U]),
        case!(POST "/api/v1/notifications/seen", |_| Some(json!({})), [D, D, U, U, U]),
        // --- reports (alice has ro on stats, the admin rw) ---
        case!(GET "/api/v1/reports", none, [D, D, D, O, O]),
        case!(POST "/api/v1/reports", |_| Some(json!({"name": "Weekly", "description": "For the team.", "stat_numbers": [10002]})), [D, D, D, D, O]),
        case!(GET "/api/v1/reports/{id}", none, [D, D, D, O, O]),
        case!(PUT "/api/v1/reports/{id}", |_| Some(json!({"name": "Renamed", "description": "New.", "stat_numbers": [10002]})), [D, D, D, D, O]),
        case!(PATCH "/api/v1/reports/{id}", |_| Some(json!({"title": "Figures"})), [D, D, D, D, O]),
        case!(DELETE "/api/v1/reports/{id}", none, [D, D, D, D, O]),
        case!(POST "/api/v1/reports/{id}/run", none, [D, D, D, O, O]),
        // --- statsui: statistics (agents in the stats group; alice has ro, admin rw)
        case!(GET "/api/v1/stats", none, [D, D, D, U, U]),
        case!(POST "/api/v1/stats", |_| Some(stat_body("Per queue")), [D, D, D, D, O]),
        case!(POST "/api/v1/stats/import", |_| Some(json!({"xml": stat_xml()})), [D, D, D, D, O]),
        case!(POST "/api/v1/stats/preview", |_| Some(stat_body("Preview")), [D, D, D, D, U]),
        case!(GET "/api/v1/stats/{number}", none, [D, D, D, U, U]),
        case!(PUT "/api/v1/stats/{number}", |_| Some(stat_body("Renamed")), [D, D, D, D, O]),
        case!(DELETE "/api/v1/stats/{number}", none, [D, D, D, D, O]),
        case!(POST "/api/v1/stats/{number}/run", |_| Some(json!({"overrides": {"queue": "Support"}})), [D, D, D, U, U]),
        case!(GET "/api/v1/stats/{number}/export", none, [D, D, D, U, U]),
        // --- actions: text templates and signatures (agents read, admins write) ---
        case!(GET "/api/v1/templates", none, [D, D, O, O, O]),
        case!(POST "/api/v1/templates", |_| Some(json!({"name": "Apology", "text": "Sorry.", "queues": ["Support"]})), [D, D, D, D, O]),
        case!(PUT "/api/v1/templates/{id}", |_| Some(json!({"name": "Welcome", "text": "Hi."})), [D, D, D, D, O]),
        case!(PATCH "/api/v1/templates/{id}", |_| Some(json!({"validity": "invalid"})), [D, D, D, D, O]),
        case!(DELETE "/api/v1/templates/{id}", none, [D, D, D, D, O]),
        case!(GET "/api/v1/signatures", none, [D, D, O, O, O]),
        case!(POST "/api/v1/signatures", |_| Some(json!({"name": "Night shift", "text": "-- Nights", "queues": ["Support"]})), [D, D, D, D, O]),
        case!(PUT "/api/v1/signatures/{id}", |_| Some(json!({"name": "Team", "text": "-- Team"})), [D, D, D, D, O]),
        case!(PATCH "/api/v1/signatures/{id}", |_| Some(json!({"content_type": "text/html"})), [D, D, D, D, O]),
        case!(DELETE "/api/v1/signatures/{id}", none, [D, D, D, D, O]),
        // --- kb: {id} is the Misc category or its external article (group users); dave holds
        // no group, alice rw on users, lacey (customer) ro through her default groups.
        case!(GET "/api/v1/kb/categories", none, [D, O, U, O, O]),
        case!(POST "/api/v1/kb/categories", |_| Some(json!({"name": "Network", "groups": ["users"]})), [D, D, D, D, O]),
        case!(GET "/api/v1/kb/categories/{id}", none, [D, O, D, O, O]),
        case!(PATCH "/api/v1/kb/categories/{id}", |_| Some(json!({"comment": "changed"})), [D, D, D, D, O]),
        // Misc still holds articles: refused (409) even for an admin.
        case!(DELETE "/api/v1/kb/categories/{id}", none, [D, D, D, D, S(409)]),
        case!(GET "/api/v1/kb/articles", none, [D, O, U, O, O]),
        // A category the agent cannot see reads as an unknown one (422).
        case!(POST "/api/v1/kb/articles", |_| Some(json!({"category_id": 1, "title": "New"})), [D, D, S(422), O, O]),
        case!(GET "/api/v1/kb/articles/by-number/{number}", none, [D, O, D, O, O]),
        case!(GET "/api/v1/kb/articles/{id}", none, [D, O, D, O, O]),
        case!(PATCH "/api/v1/kb/articles/{id}", |_| Some(json!({"title": "Renamed"})), [D, D, D, O, O]),
        case!(DELETE "/api/v1/kb/articles/{id}", none, [D, D, D, O, O]),
        case!(POST "/api/v1/kb/articles/{id}/approval", |_| Some(json!({"approved": false})), [D, D, D, O, O]),
        case!(POST "/api/v1/kb/articles/{id}/attachments", |_| Some(json!({"attachments": [{"filename": "a.txt", "content_type": "text/plain", "content_base64": "YQ=="}]})), [D, D, D, O, O]),
        case!(GET "/api/v1/kb/articles/{id}/attachments/{attachment_id}", none, [D, O, D, O, O]),
        case!(DELETE "/api/v1/kb/articles/{id}/attachments/{attachment_id}", none, [D, D, D, O, O]),
        case!(POST "/api/v1/kb/articles/{id}/vote", |_| Some(json!({"helpful": true})), [D, O, D, O, O]),
        case!(GET "/api/v1/kb/articles/{id}/history", none, [D, D, D, O, O]),
        case!(GET "/api/v1/kb/articles/{id}/links", none, [D, D, D, O, O]),
        case!(POST "/api/v1/kb/articles/{id}/links", |w| Some(json!({"target": w.ticket2.0})), [D, D, D, O, O]),
        case!(DELETE "/api/v1/kb/articles/{id}/links/{link_id}", none, [D, D, D, O, O]),
        case!(GET "/api/v1/kb/related", none, [D, O, U, O, O]),
        // Public: readable without sign-in ({id} is a public article).
        case!(GET "/api/v1/public/kb/categories", none, [O, O, O, O, O]),
        case!(GET "/api/v1/public/kb/articles", none, [O, O, O, O, O]),
        case!(GET "/api/v1/public/kb/articles/{id}", none, [O, O, O, O, O]),
        case!(GET "/api/v1/public/kb/articles/{id}/attachments/{attachment_id}", none, [O, O, O, O, O]),
    ]
}

/// The path of a knowledge-base case with the fixtures' ids.
fn kb_path(kb: &crate::kb_api::Kb, template: &str) -> String {
    let public = template.starts_with("/api/v1/public/");
    let (article, file) = if public {
        (kb.public, kb.public_file)
    } else {
        (kb.external, kb.external_file)
    };
    let id = if template.starts_with("/api/v1/kb/categories") {
        kb.misc.0
    } else {
        article.0
    };
    let path = template
        .replace("{id}", &id.to_string())
        .replace("{attachment_id}", &file.0.to_string())
        .replace("{link_id}", &kb.external_link.0.to_string())
        .replace("{number}", &format!("1000{}", kb.external.0));
    if template == "/api/v1/kb/related" {
        format!("{path}?text=vpn")
    } else {
        path
    }
}

/// A matrix definition for the statistics routes.
fn stat_body(title: &str) -> Value {
    json!({"title": title, "description": "By queue.", "type": "Matrix", "permission_groups": ["stats"], "formats": ["csv"],
        "x": {"element": "state"}, "y": [{"element": "queue", "allow_changes": true}]})
}

/// An exported pre-installed statistic.
fn stat_xml() -> String {
    otrs_core::stats::xml::to_xml(&otrs_core::stats::preinstalled::preinstalled()[1].1)
}

fn appointment_body(w: &World) -> Value {
    json!({"calendar_id": w.calendar.0, "title": "Visit", "start": "2026-03-10T10:00",
        "end": "2026-03-10T11:00", "time_zone": "Europe/Berlin"})
}

/// The path of a case with the world's ids. `{id}` is the ticket, except under
/// `/auth/tokens`, where it is alice's token.
fn path(w: &World, job: u64, kb: &crate::kb_api::Kb, template: &str) -> String {
    if template.starts_with("/api/v1/kb/") || template.starts_with("/api/v1/public/kb/") {
        return kb_path(kb, template);
    }
    let id = if template.starts_with("/api/v1/auth/tokens") {
        w.token.0
    } else if template.starts_with("/api/v1/calendars") {
        w.calendar.0
    } else if template.starts_with("/api/v1/appointments") {
        w.appointment.0
    } else if template.starts_with("/api/v1/jobs") {
        job
    } else if template.starts_with("/api/v1/reports") {
        // --- reports
        w.report.0
    } else if template.starts_with("/api/v1/templates") {
        w.template.0
    } else if template.starts_with("/api/v1/signatures") {
        w.signature.0
    } else {
        w.ticket.0
    };
    let path = template
        .replace("{id}", &id.to_string())
        .replace("{link_id}", &w.link.0.to_string())
        .replace("{article_id}", &w.article.0.to_string())
        .replace("{attachment_id}", &w.attachment.0.to_string())
        .replace("{draft_id}", &w.draft.0.to_string())
        .replace("{queue_id}", &w.support.0.to_string())
        .replace("{group_id}", &w.support_group.0.to_string())
        .replace("{agent_id}", &w.erin.0.to_string())
        .replace("{customer_id}", &w.ssi.0.to_string())
        .replace("{customer_user_id}", &w.mallory.0.to_string())
        .replace("{number}", "10009");
    match template {
        "/api/v1/search" => format!("{path}?q=printer"),
        "/api/v1/appointments" => {
            format!("{path}?from=2026-03-01T00:00:00Z&to=2026-04-01T00:00:00Z")
        }
        _ => path,
    }
}

/// The documented path with `{id}` placeholders in the document's spelling.
fn documented(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..]
            .find('}')
            .map_or(rest.len(), |e| start + e + 1);
        let name = &rest[start..end];
        out.push_str(match name {
            "{queue_id}" | "{group_id}" | "{agent_id}" | "{customer_id}" | "{customer_user_id}" => {
                "{id}"
            }
            other => other,
        });
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// A pending job (due in a year), for the job routes.
async fn pending_job(w: &World) -> u64 {
    let payload = json!({"agent_id": w.alice.0, "title": "Later"}).to_string();
    w.desk
        .schedule_job(
            Principal::Agent(w.admin),
            otrs_core::model::NewJob::new(
                "notify.agent",
                payload,
                w.desk.now() + chrono::Duration::days(365),
            ),
        )
        .await
        .unwrap()
        .id
        .0
}

async fn caller(w: &World, role: Role) -> Caller {
    match role {
        Role::Anonymous => Caller::anonymous(),
        Role::Customer => w.session(Principal::Customer(w.lacey)).await,
        Role::AgentWithoutRight => w.session(Principal::Agent(w.dave)).await,
        Role::AgentWithRight => w.session(Principal::Agent(w.alice)).await,
        Role::Admin => w.session(Principal::Agent(w.admin)).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_has_a_case_for_every_role_and_refusals_change_nothing() {
    let doc: Value = serde_json::to_value(otrs_http::openapi::document()).unwrap();
    let mut documented_routes = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                documented_routes.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    let cases = cases();
    let mut missing = Vec::new();
    for (method, path) in &documented_routes {
        if !cases
            .iter()
            .any(|c| c.method.as_str() == method && documented(c.path) == *path)
        {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(missing.is_empty(), "routes without a case: {missing:#?}");
    assert_eq!(
        cases.len(),
        documented_routes.len(),
        "a case for an undocumented route"
    );

    let mut failures = Vec::new();
    for case in &cases {
        for (i, role) in ROLES.iter().enumerate() {
            let world = World::new().await;
            let job = pending_job(&world).await;
            let kb = crate::kb_api::fixtures(&world).await;
            let who = caller(&world, *role).await;
            let before = (
                world.fingerprint().await,
                crate::kb_api::fingerprint(&world).await,
            );
            let body = (case.body)(&world);
            let response = world
                .call(
                    case.method.clone(),
                    &path(&world, job, &kb, case.path),
                    &who,
                    body,
                )
                .await;
            let after = (
                world.fingerprint().await,
                crate::kb_api::fingerprint(&world).await,
            );
            let status = response.status.as_u16();
            let ok = match case.expect[i] {
                Expect::Denied => matches!(status, 401 | 403 | 404) && before == after,
                Expect::Ok => (200..300).contains(&status),
                Expect::OkUnchanged => (200..300).contains(&status) && before == after,
                Expect::Status(s) => status == s,
            };
            if !ok {
                failures.push(format!(
                    "{} {} as {role:?}: expected {:?}, got {status} (changed: {}) {}",
                    case.method,
                    case.path,
                    case.expect[i],
                    before != after,
                    response.text().chars().take(300).collect::<String>()
                ));
            }
            if status >= 400 {
                // Every refusal is a problem document.
                assert_eq!(
                    response.header("content-type"),
                    "application/problem+json",
                    "{} {} as {role:?}",
                    case.method,
                    case.path
                );
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
