//! The agent web interface over HTTP: sessions and CSRF, security headers, escaping, the
//! dashboard and its widgets, ticket lists (sort, filters, presets, load more, unread, live
//! updates), bulk actions, export and the organizer, with the permission boundaries.

use std::time::Duration;

use axum::body::Body;
use axum::http::{Method, Request, header};
use http_body_util::BodyExt;
use otrs_core::Principal;
use otrs_core::desk::{ArticleInput, NewTicket, TicketUpdate};
use otrs_core::ids::{AgentId, TicketId};
use otrs_core::model::{LockState, Priority};
use tower::ServiceExt;

use crate::support::{Caller, Resp, World};

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

async fn post(w: &World, path: &str, caller: &Caller, pairs: &[(&str, &str)]) -> Resp {
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = &caller.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    w.send(builder.body(Body::from(encode(pairs))).unwrap())
        .await
}

/// A form post carrying the caller's CSRF token.
pub(crate) async fn submit(w: &World, path: &str, caller: &Caller, pairs: &[(&str, &str)]) -> Resp {
    let csrf = caller.csrf.clone().unwrap();
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(pairs);
    post(w, path, caller, &all).await
}

pub(crate) async fn page(w: &World, path: &str, caller: &Caller) -> Resp {
    let mut builder = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = &caller.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    w.send(builder.body(Body::empty()).unwrap()).await
}

pub(crate) async fn agent(w: &World, id: AgentId) -> Caller {
    w.session(Principal::Agent(id)).await
}

async fn ticket(w: &World, title: &str, queue: otrs_core::ids::QueueId) -> TicketId {
    let mut n = NewTicket::new(title, queue, ArticleInput::note("Body text."));
    n.owner = Some(AgentId::SYSTEM);
    w.desk.create_ticket(Principal::SYSTEM, n).await.unwrap().id
}

#[tokio::test]
async fn every_route_needs_an_agent_session() {
    let w = World::new().await;
    let anon = Caller::anonymous();
    for path in [
        "/agent",
        "/agent/tickets/list/1",
        "/agent/tickets/1",
        "/agent/organizer",
        "/agent/tickets/list/1/events",
    ] {
        let r = page(&w, path, &anon).await;
        assert_eq!(r.status, 303, "{path}");
        assert_eq!(r.header("location"), "/agent/login", "{path}");
    }
    let r = post(&w, "/agent/organizer", &anon, &[("action", "reset")]).await;
    assert_eq!(r.status, 401);
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    assert_eq!(page(&w, "/agent", &lacey).await.status, 303);
}

#[tokio::test]
async fn pages_carry_a_strict_policy_and_cacheable_assets() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let r = page(&w, "/agent", &alice).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let csp = r.header("content-security-policy");
    assert!(
        csp.contains("script-src 'self'") && !csp.contains("unsafe"),
        "{csp}"
    );
    assert_eq!(r.header("x-frame-options"), "DENY");
    assert_eq!(r.header("cache-control"), "no-store");
    let html = r.text();
    assert!(!html.contains("<script>"), "no inline script");
    assert!(!html.contains("style="), "no inline style");
    let js = html
        .split("src=\"")
        .find_map(|s| s.split('"').next().filter(|p| p.ends_with(".js")))
        .unwrap()
        .to_owned();
    let r = page(&w, &js, &Caller::anonymous()).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(r.header("content-type").starts_with("text/javascript"));
    assert!(r.text().contains("EventSource"));
    assert_eq!(
        page(&w, "/agent/assets/nothing.js", &alice).await.status,
        404
    );
    // The frame: main menu, bell with "Show All", search, "+" menu, organizer lists.
    for needle in [
        "aria-label=\"Main menu\"",
        "Show All",
        "action=\"/agent/search\"",
        "aria-label=\"Create\"",
        "href=\"/agent/tickets/list/1\"",
        "data-preview=\"/agent/tickets/list/1/preview\"",
        "Customize Organizer",
    ] {
        assert!(html.contains(needle), "{needle} missing");
    }
}

#[tokio::test]
async fn state_changing_forms_need_the_csrf_token_and_change_nothing_without_it() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let before = w.desk.agent(Principal::SYSTEM, w.alice).await.unwrap();
    for token in [None, Some("wrong")] {
        let mut pairs = vec![("kind", "ticket_list")];
        if let Some(t) = token {
            pairs.push(("csrf_token", t));
        }
        let r = post(&w, "/agent/dashboard/widgets", &alice, &pairs).await;
        assert_eq!(r.status, 403, "{}", r.text());
        let r = post(&w, "/agent/organizer", &alice, &[("action", "reset")]).await;
        assert_eq!(r.status, 403);
    }
    let after = w.desk.agent(Principal::SYSTEM, w.alice).await.unwrap();
    assert_eq!(before.version, after.version);
    assert_eq!(before.preferences, after.preferences);
    // The header works as well as the field.
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/agent/dashboard/widgets")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, alice.cookie.clone().unwrap())
        .header("x-csrf-token", alice.csrf.clone().unwrap());
    req = req.header("accept", "text/html");
    let r = w
        .send(req.body(Body::from("kind=reminders")).unwrap())
        .await;
    assert_eq!(r.status, 303);
}

#[tokio::test]
async fn hostile_titles_are_escaped_everywhere() {
    let w = World::new().await;
    let evil = "<script>alert('x')</script><img src=x onerror=alert(1)>";
    let id = ticket(&w, evil, w.support).await;
    let alice = agent(&w, w.alice).await;
    for path in [
        "/agent/tickets/list/4".to_owned(),
        format!("/agent/tickets/{}", id.0),
        "/agent/tickets/list/4/preview".to_owned(),
        format!("/agent/tickets/list/4?title={}", "%3Cscript%3E"),
        format!("/agent/tickets/bulk?ids={}&confirm=1", id.0),
    ] {
        let r = page(&w, &path, &alice).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let html = r.text();
        assert!(!html.contains("<script>alert"), "{path}");
        assert!(!html.contains("<img src=x"), "{path}");
    }
    let html = page(&w, "/agent/tickets/list/4", &alice).await.text();
    assert!(
        html.contains("&lt;script&gt;alert('x')&lt;/script&gt;"),
        "{html}"
    );
}

#[tokio::test]
async fn the_dashboard_counts_queues_and_lists_reminders() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let pending = w.state_named("pending reminder").await;
    let until = w.desk.now() + chrono::Duration::hours(26);
    w.desk
        .update_ticket(
            Principal::SYSTEM,
            w.ticket2,
            TicketUpdate {
                state: Some(pending.id),
                pending_until: Some(until),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    // Alice's zone decides how "pending till" reads.
    let mut prefs = std::collections::BTreeMap::new();
    prefs.insert("time_zone".to_owned(), "Europe/Berlin".to_owned());
    w.desk
        .update_agent(
            Principal::SYSTEM,
            w.alice,
            otrs_core::desk::AgentUpdate {
                preferences: prefs,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    // Support gets escalation targets: its open tickets get deadlines.
    w.desk
        .update_queue(
            Principal::SYSTEM,
            w.support,
            otrs_core::desk::QueueUpdate {
                first_response_minutes: Some(60),
                solution_minutes: Some(24 * 60),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    w.clock.advance(chrono::Duration::minutes(90));
    let escalating = w
        .desk
        .escalating_tickets(Principal::Agent(w.alice), None, None, 10)
        .await
        .unwrap();
    assert!(!escalating.is_empty());
    let html = page(&w, "/agent", &alice).await.text();
    assert!(html.contains("Queue Metric"));
    // Support: two new tickets and one pending reminder, three in all.
    let support_row = html.split("<th scope=\"row\">Support</th>").nth(1).unwrap();
    let support_row = support_row.split("</tr>").next().unwrap();
    assert!(
        support_row.contains(">2<") && support_row.contains(">1<") && support_row.contains(">3<"),
        "{support_row}"
    );
    let n = escalating.len();
    let title = format!("Escalations ({n} Ticket{})", if n == 1 { "" } else { "s" });
    assert!(html.contains(&title), "{title} not in page");
    let first = &escalating[0];
    let (kind, at) = first.escalation.earliest().unwrap();
    let row = html
        .split(&format!("<tr data-id=\"{}\"", first.ticket.id.0))
        .find(|part| part.contains(kind.label()))
        .expect("the earliest ticket's row names its deadline")
        .split("</tr>")
        .next()
        .unwrap()
        .to_owned();
    assert!(row.contains(&first.ticket.number), "{row}");
    if at <= w.desk.now() {
        assert!(row.contains("escalated ") && row.contains(" ago"), "{row}");
        assert!(html.contains(&format!(
            "<tr data-id=\"{}\" class=\"escalated\"",
            first.ticket.id.0
        )));
    } else {
        assert!(row.contains(">in "), "{row}");
    }
    assert!(html.contains("Reminders (1 Ticket)"), "{html}");
    let local = until
        .with_timezone(&chrono_tz::Europe::Berlin)
        .format("%Y-%m-%d %H:%M CET")
        .to_string();
    assert!(html.contains(&local), "{local} not in page");
    // Erin cannot read Support: no row for it.
    let erin = agent(&w, w.erin).await;
    let html = page(&w, "/agent", &erin).await.text();
    assert!(!html.contains(">Support<"));
    assert!(html.contains("Reminders (0 Tickets)"));
    assert!(html.contains("Escalations (0 Tickets)"));
}

#[tokio::test]
async fn widgets_are_added_configured_moved_renamed_and_removed() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let r = submit(
        &w,
        "/agent/dashboard/widgets",
        &alice,
        &[("kind", "ticket_list")],
    )
    .await;
    assert_eq!(r.status, 303);
    let html = page(&w, "/agent", &alice).await.text();
    assert!(html.contains("id=\"widget-4\""));
    // Configure: title, columns, sort, filter, number of results.
    let r = submit(
        &w,
        "/agent/dashboard/widgets/4",
        &alice,
        &[
            ("action", "save"),
            ("name", "Printers <b>"),
            ("columns_present", "1"),
            ("columns", "title"),
            ("columns", "number"),
            ("sort", "-priority"),
            ("per_page", "5"),
            ("f_title", "printer"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let html = page(&w, "/agent", &alice).await.text();
    let widget = html.split("id=\"widget-4\"").nth(1).unwrap();
    assert!(widget.contains("Printers &lt;b&gt; (1 Ticket)"), "{widget}");
    assert!(widget.contains("Printer offline") && !widget.contains("VPN down"));
    let head = widget.split("</thead>").next().unwrap();
    assert!(head.find("Title").unwrap() < head.find("Number").unwrap());
    // Bad settings are refused with the reason and change nothing.
    let r = submit(
        &w,
        "/agent/dashboard/widgets/4",
        &alice,
        &[("action", "save"), ("per_page", "1000")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("per_page"));
    // Move it to the top, then remove it.
    for _ in 0..3 {
        submit(
            &w,
            "/agent/dashboard/widgets/4",
            &alice,
            &[("action", "up")],
        )
        .await;
    }
    let html = page(&w, "/agent", &alice).await.text();
    assert!(html.find("widget-4").unwrap() < html.find("widget-1").unwrap());
    submit(&w, "/agent/dashboard/widgets", &alice, &[("layout", "3")]).await;
    assert!(
        page(&w, "/agent", &alice)
            .await
            .text()
            .contains("grid cols-3")
    );
    submit(
        &w,
        "/agent/dashboard/widgets/4",
        &alice,
        &[("action", "remove")],
    )
    .await;
    assert!(!page(&w, "/agent", &alice).await.text().contains("widget-4"));
    let r = submit(&w, "/agent/dashboard/widgets", &alice, &[("kind", "bogus")]).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn lists_sort_filter_and_show_query_errors_inline() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    w.desk
        .update_ticket(
            Principal::SYSTEM,
            w.ticket3,
            TicketUpdate {
                priority: Priority::new(5),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    let html = page(&w, "/agent/tickets/list/4?sort=-priority", &alice)
        .await
        .text();
    assert!(
        html.contains("(<span id=\"total-count\">3</span> total)"),
        "{html}"
    );
    assert!(html.find("Mail slow").unwrap() < html.find("VPN down").unwrap());
    assert!(html.contains("aria-sort=\"descending\""));
    // The header link flips the order.
    assert!(html.contains("sort=priority"));
    let html = page(&w, "/agent/tickets/list/4?sort=priority", &alice)
        .await
        .text();
    assert!(html.find("Mail slow").unwrap() > html.find("VPN down").unwrap());
    // Structured filter.
    let html = page(&w, "/agent/tickets/list/4?title=vpn", &alice)
        .await
        .text();
    assert!(html.contains("VPN down") && !html.contains("Mail slow"));
    // Query language, and its error shown at the field.
    w.reindex().await;
    let html = page(&w, "/agent/tickets/list/4?q=title%3Aprinter", &alice)
        .await
        .text();
    assert!(
        html.contains("Printer offline") && !html.contains("VPN down"),
        "{html}"
    );
    let r = page(&w, "/agent/tickets/list/4?q=title%3A%28printer", &alice).await;
    assert_eq!(r.status, 400);
    let html = r.text();
    assert!(html.contains("id=\"f-q-error\""), "{html}");
    assert!(html.contains("column"));
    // An unknown queue names the field.
    let r = page(&w, "/agent/tickets/list/4?queue=Nowhere", &alice).await;
    assert!(r.text().contains("Nowhere"));
    // Unread tickets are bold until the agent opens them.
    let html = page(&w, "/agent/tickets/list/4", &alice).await.text();
    let row = format!("data-id=\"{}\"", w.ticket2.0);
    let tr = html
        .split(&row)
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    assert!(tr.contains("unread"), "{tr}");
    assert_eq!(
        page(&w, &format!("/agent/tickets/{}", w.ticket2.0), &alice)
            .await
            .status,
        200
    );
    let html = page(&w, "/agent/tickets/list/4", &alice).await.text();
    let tr = html
        .split(&row)
        .nth(1)
        .unwrap()
        .split('>')
        .next()
        .unwrap()
        .to_owned();
    assert!(!tr.contains("unread"), "{tr}");
}

#[tokio::test]
async fn load_more_pages_through_the_list() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let r = submit(&w, "/agent/organizer/4", &alice, &[("per_page", "2")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let html = page(&w, "/agent/tickets/list/4", &alice).await.text();
    assert!(
        html.contains("Showing <span id=\"shown-count\">2</span> of 3."),
        "{html}"
    );
    assert!(html.contains("class=\"load-more\""));
    let r = page(&w, "/agent/tickets/list/4/rows?page=2", &alice).await;
    assert_eq!(r.header("x-has-more"), "0");
    assert_eq!(r.text().matches("<tr ").count(), 1);
    let r = page(&w, "/agent/tickets/list/4/rows?page=1", &alice).await;
    assert_eq!(r.header("x-has-more"), "1");
    // Without script: pages=2 shows everything.
    let html = page(&w, "/agent/tickets/list/4?pages=2", &alice)
        .await
        .text();
    assert!(html.contains("Showing <span id=\"shown-count\">3</span> of 3."));
    assert!(!html.contains("class=\"load-more\""));
}

#[tokio::test]
async fn presets_are_per_agent() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let admin = agent(&w, w.admin).await;
    let r = submit(
        &w,
        "/agent/tickets/presets",
        &alice,
        &[
            ("action", "save"),
            ("list", "4"),
            ("name", "Alice VPN"),
            ("title", "vpn"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.header("location"),
        "/agent/tickets/list/4?preset=Alice+VPN"
    );
    let html = page(&w, "/agent/tickets/list/4?preset=Alice+VPN", &alice)
        .await
        .text();
    assert!(html.contains("VPN down") && !html.contains("Mail slow"));
    assert!(html.contains("<option value=\"Alice VPN\" selected>"));
    // Admin sees neither the preset nor its effect.
    let html = page(&w, "/agent/tickets/list/4", &admin).await.text();
    assert!(!html.contains("Alice VPN"));
    let html = page(&w, "/agent/tickets/list/4?preset=Alice+VPN", &admin)
        .await
        .text();
    assert!(html.contains("no preset named"), "{html}");
    assert!(html.contains("Mail slow"));
    // Deleting.
    submit(
        &w,
        "/agent/tickets/presets",
        &alice,
        &[("action", "delete"), ("list", "4"), ("name", "Alice VPN")],
    )
    .await;
    assert!(
        !page(&w, "/agent/tickets/list/4", &alice)
            .await
            .text()
            .contains("Alice VPN")
    );
}

#[tokio::test]
async fn agents_never_see_tickets_of_queues_they_cannot_read() {
    let w = World::new().await;
    let erin = agent(&w, w.erin).await;
    let misc = w
        .desk
        .queue_by_name(Principal::SYSTEM, "Misc")
        .await
        .unwrap()
        .id;
    let mine = ticket(&w, "Erin's own", misc).await;
    for path in [
        "/agent/tickets/list/4",
        "/agent/tickets/list/4/rows?page=1",
        "/agent/tickets/list/4/preview",
    ] {
        let html = page(&w, path, &erin).await.text();
        assert!(
            html.contains("Erin&#39;s own") || html.contains("Erin's own"),
            "{path}: {html}"
        );
        for hidden in ["Printer offline", "VPN down", "Mail slow"] {
            assert!(!html.contains(hidden), "{path} shows {hidden}");
        }
    }
    let r = page(&w, &format!("/agent/tickets/{}", w.ticket.0), &erin).await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    assert!(!r.text().contains("Printer offline"));
    // Export drops the rows she may not read.
    let r = submit(
        &w,
        "/agent/tickets/export",
        &erin,
        &[
            ("ids", &w.ticket.0.to_string()),
            ("ids", &mine.0.to_string()),
            ("columns", "title"),
            ("format", "csv"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    let text = r.text();
    assert!(
        text.contains("Erin's own") && !text.contains("Printer"),
        "{text}"
    );
    // Bulk actions skip them.
    let r = submit(
        &w,
        "/agent/tickets/bulk",
        &erin,
        &[
            ("ids", &w.ticket.0.to_string()),
            ("priority", "5"),
            ("unlock", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("Skipped"));
    let t = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap();
    assert_eq!(t.priority, Priority::default());
    // The event stream of her list never reports their changes.
    let mut events = open_events(&w, &erin, "/agent/tickets/list/4/events").await;
    set_priority(&w, w.ticket, 1).await;
    assert!(
        next_update(&mut events, Duration::from_millis(2500))
            .await
            .is_none()
    );
    set_priority(&w, mine, 1).await;
    assert!(
        next_update(&mut events, Duration::from_secs(5))
            .await
            .is_some()
    );
}

async fn set_priority(w: &World, id: TicketId, level: u8) {
    w.desk
        .update_ticket(
            Principal::SYSTEM,
            id,
            TicketUpdate {
                priority: Priority::new(level),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
}

async fn open_events(w: &World, caller: &Caller, path: &str) -> Body {
    let req = Request::builder()
        .uri(path)
        .header(header::COOKIE, caller.cookie.clone().unwrap())
        .body(Body::empty())
        .unwrap();
    let response = w.app.clone().oneshot(req).await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    response.into_body()
}

/// The data of the next `update` event, if one comes within `wait`.
async fn next_update(body: &mut Body, wait: Duration) -> Option<String> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let frame = tokio::time::timeout_at(deadline, body.frame())
            .await
            .ok()??
            .ok()?;
        if let Ok(data) = frame.into_data() {
            let text = String::from_utf8_lossy(&data).into_owned();
            if text.contains("event: update") {
                return Some(text);
            }
        }
    }
}

#[tokio::test]
async fn live_updates_report_changes_to_the_shown_rows() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let mut events = open_events(&w, &alice, "/agent/tickets/list/1/events").await;
    // Nothing changed: no event.
    assert!(
        next_update(&mut events, Duration::from_millis(1500))
            .await
            .is_none()
    );
    set_priority(&w, w.ticket3, 4).await;
    let data = next_update(&mut events, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(data.contains("\"total\":3"), "{data}");
    // A ticket that leaves the list (closed) is reported too, with the new total.
    let closed = w
        .desk
        .states(Principal::SYSTEM)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.name == "closed successful")
        .unwrap();
    w.desk
        .update_ticket(
            Principal::SYSTEM,
            w.ticket3,
            TicketUpdate {
                state: Some(closed.id),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    let data = next_update(&mut events, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(data.contains("\"total\":2"), "{data}");
    // Pulse mode refetches the shown rows.
    let r = page(&w, "/agent/tickets/list/1/rows?upto=25", &alice).await;
    assert_eq!(r.text().matches("<tr ").count(), 2);
}

#[tokio::test]
async fn bulk_locks_and_continues_and_reports_each_ticket() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    // Admin holds a lock on ticket3: Alice cannot lock it.
    w.desk
        .lock_ticket(Principal::Agent(w.admin), w.ticket3)
        .await
        .unwrap();
    let ids = format!(
        "/agent/tickets/bulk?ids={}&ids={}&ids={}",
        w.ticket.0, w.ticket2.0, w.ticket3.0
    );
    let html = page(&w, &ids, &alice).await.text();
    assert!(html.contains("Lock and Continue"));
    assert!(html.contains("2 tickets will be locked to you"), "{html}");
    assert!(
        html.contains("cannot be locked") && html.contains("locked by admin"),
        "{html}"
    );
    let html = page(&w, &format!("{ids}&confirm=1"), &alice).await.text();
    assert!(html.contains("Execute Bulk Action") && html.contains("Unlock after bulk execute"));
    let r = submit(
        &w,
        "/agent/tickets/bulk",
        &alice,
        &[
            ("ids", &w.ticket.0.to_string()),
            ("ids", &w.ticket2.0.to_string()),
            ("ids", &w.ticket3.0.to_string()),
            ("priority", "4"),
            ("note_subject", "Bulk note"),
            ("note_body", "Checked."),
            ("note_time_units", "1.5"),
            ("merge", "none"),
            ("link", "none"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(html.contains("2 of 3 tickets done."), "{html}");
    assert!(html.contains("Skipped"));
    for (id, changed) in [(w.ticket, true), (w.ticket2, true), (w.ticket3, false)] {
        let t = w.desk.ticket(Principal::SYSTEM, id).await.unwrap();
        assert_eq!(t.priority == Priority::new(4).unwrap(), changed, "{id:?}");
        if changed {
            // No "unlock" field: the locks stay with Alice.
            assert_eq!(t.lock, LockState::Locked);
            assert_eq!(t.owner_id, w.alice);
        }
    }
    // With "unlock after bulk execute" and a merge to the oldest.
    let r = submit(
        &w,
        "/agent/tickets/bulk",
        &alice,
        &[
            ("ids", &w.ticket.0.to_string()),
            ("ids", &w.ticket2.0.to_string()),
            ("merge", "oldest"),
            ("unlock", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap();
    assert_eq!(t.lock, LockState::Unlocked);
    let t2 = w.desk.ticket(Principal::SYSTEM, w.ticket2).await.unwrap();
    let merged = w
        .desk
        .states(Principal::SYSTEM)
        .await
        .unwrap()
        .into_iter()
        .find(|s| s.id == t2.state_id)
        .unwrap();
    assert_eq!(merged.name, "merged");
    // Invalid input refuses the whole action and keeps what was typed.
    let before = w.fingerprint().await;
    let r = submit(
        &w,
        "/agent/tickets/bulk",
        &alice,
        &[
            ("ids", &w.ticket.0.to_string()),
            ("note_subject", "kept"),
            ("note_time_units", "-3"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("note_time_units") && r.text().contains("value=\"kept\""));
    assert_eq!(before, w.fingerprint().await);
}

#[tokio::test]
async fn export_streams_csv_and_xlsx_with_chosen_columns() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let evil = ticket(&w, "=HYPERLINK(\"http://x\")", w.support).await;
    let dialog = page(
        &w,
        &format!("/agent/tickets/export?ids={}&ids={}", evil.0, w.ticket.0),
        &alice,
    )
    .await
    .text();
    assert!(dialog.contains("Download File") && dialog.contains("name=\"format\""));
    let r = submit(
        &w,
        "/agent/tickets/export",
        &alice,
        &[
            ("ids", &evil.0.to_string()),
            ("ids", &w.ticket.0.to_string()),
            ("columns", "title"),
            ("columns", "number"),
            ("columns", "created"),
            ("format", "csv"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "text/csv; charset=utf-8");
    assert!(
        r.header("content-disposition")
            .starts_with("attachment; filename=\"tickets-")
    );
    let text = r.text();
    assert!(text.starts_with('\u{feff}'));
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
    assert_eq!(lines[0], "Title,Number,Created");
    assert!(
        lines[1].starts_with("\"'=HYPERLINK(\"\"http://x\"\")\","),
        "{}",
        lines[1]
    );
    assert!(lines[2].starts_with("Printer offline,"));
    assert!(
        lines[2].ends_with("2026-03-02T09:00:00+00:00"),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 4);
    let r = submit(
        &w,
        "/agent/tickets/export",
        &alice,
        &[
            ("ids", &w.ticket.0.to_string()),
            ("columns", "title"),
            ("format", "xlsx"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").contains("spreadsheetml"));
    assert_eq!(&r.body[..2], b"PK");
    // No columns, an unknown format: the dialog again, with the reason.
    let r = submit(
        &w,
        "/agent/tickets/export",
        &alice,
        &[("ids", "1"), ("format", "csv")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("choose at least one column"));
    let r = submit(
        &w,
        "/agent/tickets/export",
        &alice,
        &[("ids", "1"), ("columns", "title"), ("format", "pdf")],
    )
    .await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn the_organizer_adds_clones_moves_deletes_and_resets() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let r = submit(
        &w,
        "/agent/organizer",
        &alice,
        &[("action", "add"), ("name", "Escalated <x>")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), "/agent/organizer/5");
    let html = page(&w, "/agent/organizer", &alice).await.text();
    assert!(html.contains("Escalated &lt;x&gt;"));
    submit(
        &w,
        "/agent/organizer",
        &alice,
        &[("action", "clone"), ("id", "1")],
    )
    .await;
    let html = page(&w, "/agent/organizer", &alice).await.text();
    assert!(html.contains("Open Tickets (copy)"));
    submit(
        &w,
        "/agent/organizer",
        &alice,
        &[("action", "up"), ("id", "5")],
    )
    .await;
    let html = page(&w, "/agent", &alice).await.text();
    let sidebar = html.split("aria-label=\"Organizer\"").nth(1).unwrap();
    assert!(sidebar.find("Escalated").unwrap() < sidebar.find("All Tickets").unwrap());
    submit(
        &w,
        "/agent/organizer",
        &alice,
        &[("action", "delete"), ("id", "2")],
    )
    .await;
    assert!(
        !page(&w, "/agent/organizer", &alice)
            .await
            .text()
            .contains("My Locked Tickets")
    );
    assert_eq!(page(&w, "/agent/tickets/list/2", &alice).await.status, 404);
    submit(&w, "/agent/organizer", &alice, &[("action", "reset")]).await;
    let html = page(&w, "/agent/organizer", &alice).await.text();
    assert!(html.contains("My Locked Tickets") && !html.contains("Escalated"));
    let r = submit(
        &w,
        "/agent/organizer",
        &alice,
        &[("action", "delete"), ("id", "99")],
    )
    .await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn the_ticket_view_has_actions_scroll_to_and_layouts() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let html = page(
        &w,
        &format!("/agent/tickets/{}?layout=3", w.ticket.0),
        &alice,
    )
    .await
    .text();
    for needle in [
        "Actions",
        "Scroll To",
        "href=\"#communication\"",
        "grid cols-3",
        "The printer on floor 2 does not answer.",
        "error &lt;log&gt;.txt",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    // The chosen layout is kept for the next ticket.
    let html = page(&w, &format!("/agent/tickets/{}", w.ticket2.0), &alice)
        .await
        .text();
    assert!(html.contains("grid cols-3"));
    assert_eq!(page(&w, "/agent/tickets/999999", &alice).await.status, 404);
    assert_eq!(page(&w, "/agent/tickets/abc", &alice).await.status, 404);
}

#[tokio::test]
async fn the_header_search_groups_results_by_type() {
    let w = World::new().await;
    w.reindex().await;
    let alice = agent(&w, w.alice).await;
    let html = page(&w, "/agent/search?q=printer", &alice).await.text();
    assert!(
        html.contains("Tickets (1)") && html.contains("Printer offline"),
        "{html}"
    );
    assert!(html.contains("Customers (0)") && html.contains("Queues (0)"));
    assert!(html.contains("Knowledge Base Articles (0)"), "{html}");
    // Knowledge-base articles match every word, in the categories the agent may read.
    let printer_faq = w
        .desk
        .create_kb_article(
            otrs_core::Principal::SYSTEM,
            otrs_core::desk::KbArticleInput {
                keywords: "printer toner".into(),
                ..otrs_core::desk::KbArticleInput::new(
                    w.desk
                        .kb_categories(otrs_core::Principal::SYSTEM)
                        .await
                        .unwrap()[0]
                        .category
                        .id,
                    "Replacing the <toner>",
                )
            },
        )
        .await
        .unwrap();
    let html = page(
        &w,
        "/agent/search?q=printer+toner&types=kb-articles",
        &alice,
    )
    .await
    .text();
    assert!(
        html.contains("Knowledge Base Articles (1)")
            && html.contains(&format!("href=\"/agent/kb/{}\"", printer_faq.id))
            && html.contains("Replacing the &lt;toner&gt;")
            && !html.contains("Tickets ("),
        "{html}"
    );
    let html = page(
        &w,
        "/agent/search?q=printer+laser&types=kb-articles",
        &alice,
    )
    .await
    .text();
    assert!(html.contains("Knowledge Base Articles (0)"), "{html}");
    let html = page(&w, "/agent/search?q=support", &alice).await.text();
    assert!(
        html.contains("Queues (1)") && html.contains("Customers (1)"),
        "{html}"
    );
    // Narrowed to agents.
    let html = page(&w, "/agent/search?q=erin&types=agents", &alice)
        .await
        .text();
    assert!(
        html.contains("Agents (1)") && !html.contains("Tickets ("),
        "{html}"
    );
    // A query that does not parse: the error at the field, the other groups still there.
    let r = page(
        &w,
        "/agent/search?q=title%3A%28&types=tickets&types=queues",
        &alice,
    )
    .await;
    assert_eq!(r.status, 400);
    let html = r.text();
    assert!(
        html.contains("id=\"search-q-error\"") && html.contains("Queues (0)"),
        "{html}"
    );
    // Erin sees no Support ticket.
    let erin = agent(&w, w.erin).await;
    let html = page(&w, "/agent/search?q=printer", &erin).await.text();
    assert!(html.contains("Tickets (0)") && !html.contains("Printer offline"));
}

#[tokio::test]
async fn personalization_saves_each_section_and_changes_how_times_read() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let html = page(&w, "/agent/preferences", &alice).await.text();
    for needle in [
        "User Profile",
        "Security",
        "Notification Settings",
        "My Queues",
        "Chat Availability",
        "Ticket lock timeout notification",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    let r = submit(
        &w,
        "/agent/preferences",
        &alice,
        &[
            ("section", "profile"),
            ("time_zone", "America/New_York"),
            ("datetime_format", "us"),
            ("ooo_from", "2026-04-01"),
            ("ooo_to", "2026-04-10"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let stored = w
        .desk
        .agent(Principal::SYSTEM, w.alice)
        .await
        .unwrap()
        .preferences;
    assert_eq!(stored["time_zone"], "America/New_York");
    assert_eq!(stored["out_of_office"], "2026-04-01/2026-04-10");
    // The ticket created at 09:00 UTC reads as 04:00 AM in New York.
    let html = page(&w, &format!("/agent/tickets/{}", w.ticket.0), &alice)
        .await
        .text();
    assert!(html.contains("03/02/2026 04:00 AM EST"), "{html}");
    let support = w.support.0.to_string();
    let r = submit(
        &w,
        "/agent/preferences",
        &alice,
        &[
            ("section", "notifications"),
            ("my_queues", &support),
            ("web_ticket_create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303);
    let stored = w
        .desk
        .agent(Principal::SYSTEM, w.alice)
        .await
        .unwrap()
        .preferences;
    assert_eq!(stored["notify.my_queues"], support);
    assert_eq!(stored["notify.event.ticket_create"], "web");
    // Erin may not pick a queue she cannot read; nothing of the form is kept.
    let erin = agent(&w, w.erin).await;
    let before = w.desk.agent(Principal::SYSTEM, w.erin).await.unwrap();
    let r = submit(
        &w,
        "/agent/preferences",
        &erin,
        &[
            ("section", "notifications"),
            ("my_queues", &support),
            ("web_ticket_create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("you may not read queue"));
    assert_eq!(
        before.version,
        w.desk
            .agent(Principal::SYSTEM, w.erin)
            .await
            .unwrap()
            .version
    );
    let r = submit(
        &w,
        "/agent/preferences",
        &alice,
        &[
            ("section", "profile"),
            ("time_zone", "Nowhere/Land"),
            ("datetime_format", "iso"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("unknown time zone"));
}

/// A `multipart/form-data` post: text fields, then files as (field, file name, bytes).
async fn upload(
    w: &World,
    path: &str,
    caller: &Caller,
    fields: &[(&str, &str)],
    files: &[(&str, &str, &[u8])],
) -> Resp {
    let boundary = "otrs-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (name, file_name, bytes) in files {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let mut builder = Request::builder().method(Method::POST).uri(path).header(
        header::CONTENT_TYPE,
        format!("multipart/form-data; boundary={boundary}"),
    );
    if let Some(cookie) = &caller.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    w.send(builder.body(Body::from(body)).unwrap()).await
}

#[tokio::test]
async fn avatars_are_uploaded_served_by_their_bytes_and_removed() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let csrf = alice.csrf.clone().unwrap();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR fake but typed";
    let stored = |w: &World| {
        let desk = w.desk.clone();
        let id = w.alice;
        async move {
            desk.agent(Principal::SYSTEM, id)
                .await
                .unwrap()
                .preferences
                .get("avatar")
                .cloned()
                .unwrap_or_default()
        }
    };

    // Without the CSRF part the upload is refused and nothing changes.
    let r = upload(
        &w,
        "/agent/preferences/avatar",
        &alice,
        &[],
        &[("avatar", "me.png", png)],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(stored(&w).await, "");

    // SVG (script inside) and text are refused by their bytes, whatever the name says.
    let svg: &[u8] = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>";
    let r = upload(
        &w,
        "/agent/preferences/avatar",
        &alice,
        &[("csrf_token", &csrf)],
        &[("avatar", "me.png", svg)],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("not a PNG, JPEG, GIF or WebP picture"),
        "{}",
        r.text()
    );
    assert_eq!(stored(&w).await, "");

    // A picture is kept, shown in the header and served with its sniffed type.
    let r = upload(
        &w,
        "/agent/preferences/avatar",
        &alice,
        &[("csrf_token", &csrf)],
        &[("avatar", "C:\\me.bin", png)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(stored(&w).await.starts_with("image/png;"));
    let html = page(&w, "/agent", &alice).await.text();
    let src = html
        .split("img class=\"avatar\" src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the header shows the picture")
        .replace("&amp;", "&");
    assert!(
        src.starts_with(&format!("/agent/avatars/{}?v=", w.alice.0)),
        "{src}"
    );
    let r = page(&w, &src, &alice).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "image/png");
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    assert_eq!(&r.body[..], png);
    // Other agents see it too; anonymous callers do not.
    let erin = agent(&w, w.erin).await;
    assert_eq!(page(&w, &src, &erin).await.status, 200);
    assert_ne!(page(&w, &src, &Caller::anonymous()).await.status, 200);

    // Too large: refused, the old picture stays.
    let big = [png, &vec![0u8; 64 * 1024][..]].concat();
    let r = upload(
        &w,
        "/agent/preferences/avatar",
        &alice,
        &[("csrf_token", &csrf)],
        &[("avatar", "big.png", &big)],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("at most 48 KiB"), "{}", r.text());
    assert!(stored(&w).await.starts_with("image/png;"));

    // Removed: the initials are back.
    let r = upload(
        &w,
        "/agent/preferences/avatar",
        &alice,
        &[("csrf_token", &csrf), ("remove", "1")],
        &[],
    )
    .await;
    assert_eq!(r.status, 303);
    assert_eq!(stored(&w).await, "");
    assert!(
        !page(&w, "/agent", &alice)
            .await
            .text()
            .contains("img class=\"avatar\"")
    );
    assert_eq!(page(&w, &src, &alice).await.status, 404);
}

#[tokio::test]
async fn the_bell_shows_the_latest_five_and_show_all_marks_them_seen() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    for i in 0..7 {
        w.desk
            .notify_agent(
                Principal::SYSTEM,
                w.alice,
                otrs_core::model::NewAgentNotification {
                    title: format!("Reminder {i} <b>"),
                    body: "Team meeting".into(),
                    link: Some("/agent/tickets/1".into()),
                    dedup_key: None,
                },
            )
            .await
            .unwrap();
        w.clock.advance(chrono::Duration::seconds(1));
    }
    let html = page(&w, "/agent", &alice).await.text();
    let bell = html.split("Notifications, 7 unseen").nth(1).unwrap();
    let bell = bell.split("Show All").next().unwrap();
    assert!(bell.contains("<span class=\"badge\">7</span>"), "{bell}");
    assert!(bell.contains("Reminder 6 &lt;b&gt;") && bell.contains("Reminder 2 &lt;b&gt;"));
    assert!(
        !bell.contains("Reminder 1 "),
        "only the latest five: {bell}"
    );
    // Another agent's bell stays empty.
    let erin = agent(&w, w.erin).await;
    assert!(
        page(&w, "/agent", &erin)
            .await
            .text()
            .contains("Notifications, 0 unseen")
    );
    let all = page(&w, "/agent/notifications", &alice).await.text();
    assert!(all.contains("Reminder 0 &lt;b&gt;") && all.contains("Mark all as seen"));
    let r = submit(&w, "/agent/notifications", &alice, &[]).await;
    assert_eq!(r.status, 303);
    let html = page(&w, "/agent", &alice).await.text();
    assert!(html.contains("Notifications, 0 unseen"));
    assert!(
        !page(&w, "/agent/notifications", &alice)
            .await
            .text()
            .contains("Mark all as seen")
    );
}

#[tokio::test]
async fn selected_tickets_are_watched_and_unwatched() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let html = page(
        &w,
        &format!(
            "/agent/tickets/watch?ids={}&ids={}",
            w.ticket.0, w.ticket2.0
        ),
        &alice,
    )
    .await
    .text();
    assert!(html.contains("2 selected tickets"));
    let (a, b) = (w.ticket.0.to_string(), w.ticket2.0.to_string());
    let r = submit(
        &w,
        "/agent/tickets/watch",
        &alice,
        &[("ids", &a), ("ids", &b), ("action", "watch")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("2 of 2 tickets watched."));
    for id in [w.ticket, w.ticket2] {
        let watchers = w.desk.watchers(Principal::SYSTEM, id).await.unwrap();
        assert!(
            watchers.iter().any(|x| x.agent_id == w.alice),
            "{watchers:?}"
        );
    }
    submit(
        &w,
        "/agent/tickets/watch",
        &alice,
        &[("ids", &a), ("action", "unwatch")],
    )
    .await;
    let watchers = w.desk.watchers(Principal::SYSTEM, w.ticket).await.unwrap();
    assert!(watchers.iter().all(|x| x.agent_id != w.alice));
    // Erin may not read Support: her watch is refused and reported.
    let erin = agent(&w, w.erin).await;
    let r = submit(
        &w,
        "/agent/tickets/watch",
        &erin,
        &[("ids", &a), ("action", "watch")],
    )
    .await;
    assert!(r.text().contains("0 of 1 tickets watched."));
    let watchers = w.desk.watchers(Principal::SYSTEM, w.ticket).await.unwrap();
    assert!(watchers.iter().all(|x| x.agent_id != w.erin));
}

#[tokio::test]
async fn bulk_link_and_merge_targets_are_found_by_number_or_title() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let a = w.ticket.0.to_string();
    // A title with a wildcard that one ticket matches: link to it as parent.
    let r = submit(
        &w,
        "/agent/tickets/bulk",
        &alice,
        &[
            ("ids", &a),
            ("link", "parent"),
            ("link_parent", "VPN*"),
            ("unlock", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let links = w
        .desk
        .links(
            Principal::SYSTEM,
            otrs_core::model::ObjectRef::Ticket(w.ticket),
        )
        .await
        .unwrap();
    assert!(
        links.iter().any(
            |l| l.source == otrs_core::model::ObjectRef::Ticket(w.ticket2)
                || l.target == otrs_core::model::ObjectRef::Ticket(w.ticket2)
        ),
        "{links:?}"
    );
    // Ambiguous or unknown: refused at the field, nothing changes.
    let before = w.fingerprint().await;
    for (text, says) in [
        ("*", "enter a ticket number or title"),
        ("*o*", "tickets match"),
        ("nothing like it", "no ticket matches"),
    ] {
        let r = submit(
            &w,
            "/agent/tickets/bulk",
            &alice,
            &[("ids", &a), ("merge", "into"), ("merge_into", text)],
        )
        .await;
        assert_eq!(r.status, 422, "{text}");
        assert!(r.text().contains(says), "{text}: {}", r.text());
    }
    assert_eq!(before, w.fingerprint().await);
    // A number still works.
    let t3 = w.desk.ticket(Principal::SYSTEM, w.ticket3).await.unwrap();
    let r = submit(
        &w,
        "/agent/tickets/bulk",
        &alice,
        &[
            ("ids", &a),
            ("merge", "into"),
            ("merge_into", &t3.number),
            ("unlock", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let t = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap();
    let states = w.desk.states(Principal::SYSTEM).await.unwrap();
    assert_eq!(
        states.iter().find(|s| s.id == t.state_id).unwrap().name,
        "merged"
    );
}

// --- create ticket screens and ticket actions (detail) ---

#[tokio::test]
async fn phone_tickets_are_created_with_a_looked_up_customer() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let html = page(&w, "/agent", &alice).await.text();
    assert!(html.contains("/agent/tickets/new/phone") && html.contains("/agent/tickets/new/email"));
    // The "+" menu also leads to a new appointment.
    assert!(html.contains("href=\"/agent/calendar/appointments/new\""));
    let editor = page(&w, "/agent/calendar/appointments/new", &alice).await;
    assert_eq!(editor.status, 200);
    let html = page(&w, "/agent/tickets/new/phone", &alice).await.text();
    for section in [
        "Customer",
        "Assignment",
        "Service Level Management",
        "Communication",
    ] {
        assert!(html.contains(section), "{section}");
    }
    assert!(
        html.contains(r#"<option value="3" selected>3 normal</option>"#),
        "{html}"
    );
    // A wildcard search lists the matches; picking one fills the Customer ID.
    let r = submit(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[("customer_user", "lac*"), ("lookup", "1")],
    )
    .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains(r#"name="customer_id" value="SSI""#), "{html}");
    let support = w.support.0.to_string();
    // Missing queue and subject: errors at the fields, values kept, nothing created.
    let before = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap().id;
    let r = submit(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[
            ("customer_user", "lacey"),
            ("body", "<b>kept</b>"),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains(r#"id="err-queue""#), "{html}");
    assert!(html.contains("&lt;b&gt;kept&lt;/b&gt;") && !html.contains("<b>kept</b>"));
    let r = submit(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[
            ("customer_user", "lacey"),
            ("queue", &support),
            ("subject", ""),
            ("body", "x"),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains(r#"id="err-subject""#), "{}", r.text());
    let r = submit(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[
            ("customer_user", "lac*"),
            ("queue", &support),
            ("priority", "4"),
            ("subject", "Keyboard broken"),
            ("body", "Lacey called."),
            ("time_units", "1,5"),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location");
    let id: u64 = location
        .strip_prefix("/agent/tickets/")
        .unwrap()
        .parse()
        .unwrap();
    assert!(id > before.0);
    let t = w
        .desk
        .ticket(Principal::SYSTEM, TicketId(id))
        .await
        .unwrap();
    assert_eq!(t.title, "Keyboard broken");
    assert_eq!(t.customer_user_id, Some(w.lacey));
    assert_eq!(t.customer_id.as_deref(), Some("SSI"));
    assert_eq!(t.priority, Priority::new(4).unwrap());
    assert_eq!(t.owner_id, w.alice);
    let articles = w.desk.articles(Principal::SYSTEM, t.id).await.unwrap();
    assert_eq!(articles[0].channel.name(), "phone");
    assert!(
        articles[0].from.contains("lacey@example.org"),
        "{}",
        articles[0].from
    );
    let html = page(&w, &location, &alice).await.text();
    assert!(html.contains("Keyboard broken") && html.contains("Lacey called."));
    // The widget setting: the next screen is another create screen.
    let r = submit(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[
            ("queue", &support),
            ("subject", "Second"),
            ("body", "x"),
            ("next", "create"),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(
        r.header("location")
            .starts_with("/agent/tickets/new/phone?created=")
    );
    let html = page(&w, "/agent/tickets/new/phone", &alice).await.text();
    assert!(
        html.contains(r#"name="next" value="create" checked"#),
        "{html}"
    );
}

#[tokio::test]
async fn create_links_of_the_customer_widget_prefill_the_customer() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    // The detail view's Customer Information widget links here; the link is percent-encoded.
    let detail = page(&w, &format!("/agent/tickets/{}", w.ticket.0), &alice)
        .await
        .text();
    assert!(
        detail.contains("/agent/tickets/new/email?customer_user=lacey"),
        "{detail}"
    );
    for kind in ["phone", "email"] {
        let r = page(
            &w,
            &format!("/agent/tickets/new/{kind}?customer_user=lacey"),
            &alice,
        )
        .await;
        assert_eq!(r.status, 200);
        let html = r.text();
        assert!(
            html.contains(r#"name="customer_user" value="lacey""#),
            "{html}"
        );
        assert!(html.contains(r#"name="customer_id" value="SSI""#), "{html}");
        // The customer widgets follow the customer user.
        let side = html.split("id=\"customer-widgets\"").nth(1).unwrap();
        assert!(side.contains("lacey@example.org"), "{side}");
        assert!(side.contains("Super Support Inc."), "{side}");
        assert!(side.contains("Printer offline"), "{side}");
        assert!(!html.contains("id=\"err-customer_user\""), "{html}");
    }
    // An unknown login is a field error with the login kept, not a failure.
    let r = page(
        &w,
        "/agent/tickets/new/phone?customer_user=nob%3Cody%3E",
        &alice,
    )
    .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("id=\"err-customer_user\""), "{html}");
    assert!(html.contains(r#"value="nob&lt;ody&gt;""#), "{html}");
    assert!(html.contains(r#"name="customer_id" value="""#), "{html}");
    assert!(html.contains("Choose a customer user"), "{html}");
}

#[tokio::test]
async fn email_tickets_queue_their_mail_and_refusals_change_nothing() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let support = w.support.0.to_string();
    let r = submit(
        &w,
        "/agent/tickets/new/email",
        &alice,
        &[
            ("customer_user", "lacey"),
            ("queue", &support),
            ("cc", "boss@example.org"),
            ("subject", "Your keyboard"),
            ("body", "A new one is on its way."),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    w.desk.deliver_outbox(w.state.mailer(), 10).await.unwrap();
    let mail = w.smtp.wait_for("Your keyboard").await;
    assert!(
        mail.contains("lacey@example.org") && mail.contains("boss@example.org"),
        "{mail}"
    );
    // Without the CSRF token, nothing is created.
    let count = |w: &World| {
        let desk = w.desk.clone();
        async move {
            desk.list_tickets(
                Principal::SYSTEM,
                Default::default(),
                Default::default(),
                otrs_core::store::PageRequest::page(1, 500),
            )
            .await
            .unwrap()
            .total
        }
    };
    let n = count(&w).await;
    let r = post(
        &w,
        "/agent/tickets/new/email",
        &alice,
        &[
            ("queue", &support),
            ("subject", "No token"),
            ("body", "x"),
            ("to", "a@b.example"),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 403);
    // Erin may not create in Support: a clear refusal, no ticket.
    let erin = agent(&w, w.erin).await;
    let r = submit(
        &w,
        "/agent/tickets/new/email",
        &erin,
        &[
            ("queue", &support),
            ("subject", "Refused"),
            ("body", "x"),
            ("to", "a@b.example"),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(
        r.text().contains("may not create tickets in"),
        "{}",
        r.text()
    );
    assert_eq!(count(&w).await, n);
}

#[tokio::test]
async fn ticket_actions_run_one_command_each_and_refuse_without_rights() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let base = format!("/agent/tickets/{}", w.ticket.0);
    let html = page(&w, &base, &alice).await.text();
    for name in ["note", "lock", "close", "priority", "owner", "move"] {
        assert!(html.contains(&format!("{base}/actions/{name}")), "{name}");
    }
    // The menu offers only what the desk allows now: the ticket is not locked.
    assert!(!html.contains(&format!("{base}/actions/unlock")));
    let html = page(&w, &format!("{base}/actions/note"), &alice)
        .await
        .text();
    assert!(html.contains("action-panel") && html.contains(r#"name="csrf_token""#));
    // Without the token nothing is added.
    let before = w
        .desk
        .articles(Principal::SYSTEM, w.ticket)
        .await
        .unwrap()
        .len();
    let r = post(
        &w,
        &format!("{base}/actions/note"),
        &alice,
        &[("body", "no token")],
    )
    .await;
    assert_eq!(r.status, 403);
    // An empty note: the desk's error in the panel, nothing added.
    let r = submit(&w, &format!("{base}/actions/note"), &alice, &[("body", "")]).await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("body"), "{}", r.text());
    let r = submit(
        &w,
        &format!("{base}/actions/note"),
        &alice,
        &[
            ("subject", "Checked"),
            ("body", "<script>x</script> cable replaced"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.header("location"), base);
    assert_eq!(
        w.desk
            .articles(Principal::SYSTEM, w.ticket)
            .await
            .unwrap()
            .len(),
        before + 1
    );
    let html = page(&w, &base, &alice).await.text();
    assert!(html.contains("&lt;script&gt;x&lt;/script&gt; cable replaced"));
    assert!(!html.contains("<script>x</script>"));
    // Priority, lock, owner, move, close.
    let r = submit(
        &w,
        &format!("{base}/actions/priority"),
        &alice,
        &[("priority", "5")],
    )
    .await;
    assert_eq!(r.status, 303);
    let r = submit(
        &w,
        &format!("{base}/actions/priority"),
        &alice,
        &[("priority", "9")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("must be 1 to 5") && r.text().contains("action-panel"));
    let misc = w
        .desk
        .queue_by_name(Principal::SYSTEM, "Misc")
        .await
        .unwrap()
        .id;
    for (name, pairs) in [
        ("lock", vec![]),
        ("unlock", vec![]),
        ("lock", vec![]),
        ("close", vec![]),
        ("move", vec![("queue", misc.0.to_string())]),
        ("owner", vec![("owner", w.admin.0.to_string())]),
    ] {
        let pairs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = submit(&w, &format!("{base}/actions/{name}"), &alice, &pairs).await;
        assert_eq!(r.status, 303, "{name}: {}", r.text());
    }
    let closed = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap();
    assert_eq!(closed.priority, Priority::new(5).unwrap());
    assert_eq!(closed.owner_id, w.admin);
    // Closing unlocks (the lock taken before it was held until then).
    assert_eq!(closed.lock, LockState::Unlocked);
    assert_eq!(closed.queue_id, misc);
    assert_eq!(
        closed.state_id,
        otrs_core::model::default_states::CLOSED_SUCCESSFUL
    );
    let html = page(&w, &base, &alice).await.text();
    assert!(html.contains("5 very high") && html.contains("Misc"));
    // Dave has no group: a refusal page, never a 500, and nothing changes.
    let dave = agent(&w, w.dave).await;
    let r = submit(
        &w,
        &format!("{base}/actions/move"),
        &dave,
        &[("queue", &w.support.0.to_string())],
    )
    .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    let r = submit(
        &w,
        &format!("{base}/actions/note"),
        &dave,
        &[("body", "sneaky")],
    )
    .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    let after = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap();
    assert_eq!(after.queue_id, misc);
    assert_eq!(after.version, closed.version);
}
