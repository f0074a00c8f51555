//! The ticket action panels and the create screens over HTTP: what each action page shows and
//! what the store holds afterwards (articles, history, links, watchers, pending time), refusals
//! by permission, stale forms, drafts, customer suggestions and widgets, the address book,
//! attachments and rich text.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use otrs_core::desk::{AgentUpdate, NewAgent, TicketAction, TicketUpdate};
use otrs_core::ids::{AgentId, TicketId};
use otrs_core::model::{
    Direction, HistoryType, LinkType, ObjectRef, PermissionSet, Priority, SenderType,
    default_states,
};
use serde_json::Value;

use crate::support::{Caller, Resp, World};

fn encode(pairs: &[(&str, &str)]) -> String {
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        out.append_pair(k, v);
    }
    out.finish()
}

/// A form post carrying the caller's CSRF token.
async fn submit(w: &World, path: &str, caller: &Caller, pairs: &[(&str, &str)]) -> Resp {
    let csrf = caller.csrf.clone().unwrap();
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(pairs);
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, caller.cookie.clone().unwrap())
        .body(Body::from(encode(&all)))
        .unwrap();
    w.send(request).await
}

/// A multipart post (text fields and files: name, filename, content type, bytes), with the
/// CSRF token as a field.
pub(crate) async fn submit_multipart(
    w: &World,
    path: &str,
    caller: &Caller,
    pairs: &[(&str, &str)],
    files: &[(&str, &str, &str, &[u8])],
) -> Resp {
    let boundary = "----otrs-test-boundary-7MA4YWxkTrZu0gW";
    let mut body: Vec<u8> = Vec::new();
    let csrf = caller.csrf.clone().unwrap();
    let mut all = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(pairs);
    for (k, v) in all {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, filename, content_type, bytes) in files {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: {content_type}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, caller.cookie.clone().unwrap())
        .body(Body::from(body))
        .unwrap();
    w.send(request).await
}

async fn page(w: &World, path: &str, caller: &Caller) -> Resp {
    let request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::COOKIE, caller.cookie.clone().unwrap())
        .body(Body::empty())
        .unwrap();
    w.send(request).await
}

fn action(id: TicketId, name: &str) -> String {
    format!("/agent/tickets/{}/actions/{name}", id.0)
}

async fn history_types(w: &World, id: TicketId) -> Vec<HistoryType> {
    w.desk
        .history(Principal::SYSTEM, id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.entry.history_type)
        .collect()
}

async fn set_zone(w: &World, agent: AgentId, zone: &str) {
    let mut prefs = BTreeMap::new();
    prefs.insert("time_zone".to_owned(), zone.to_owned());
    w.desk
        .update_agent(
            Principal::SYSTEM,
            agent,
            AgentUpdate {
                preferences: prefs,
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn phone_calls_and_email_write_articles_on_their_channels() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let t = w.ticket;
    let html = page(&w, &action(t, "phone-outbound"), &alice).await.text();
    assert!(html.contains("Phone Call Outbound") && html.contains("Save as draft"));
    let r = submit(
        &w,
        &action(t, "phone-outbound"),
        &alice,
        &[("subject", "Called back"), ("body", "Printer works again.")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = submit(
        &w,
        &action(t, "phone-inbound"),
        &alice,
        &[
            ("subject", "Lacey called"),
            ("body", "It jams again."),
            ("time_units", "2"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = submit(
        &w,
        &action(t, "email"),
        &alice,
        &[
            ("subject", "About your printer"),
            ("body", "A technician comes tomorrow."),
            ("cc", "boss@example.org"),
            ("bcc", "audit@example.org"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let articles = w.desk.articles(Principal::SYSTEM, t).await.unwrap();
    let by_subject = |s: &str| articles.iter().find(|a| a.subject == s).unwrap();
    let out = by_subject("Called back");
    assert_eq!(out.channel.name(), "phone");
    assert_eq!(out.sender_type, SenderType::Agent);
    assert_eq!(out.direction(), Direction::Outgoing);
    let inbound = by_subject("Lacey called");
    assert_eq!(inbound.channel.name(), "phone");
    assert_eq!(inbound.sender_type, SenderType::Customer);
    assert_eq!(inbound.direction(), Direction::Incoming);
    let mail = by_subject("About your printer");
    assert_eq!(mail.channel.name(), "email");
    assert!(
        mail.body.ends_with("-- \nYour support team"),
        "{}",
        mail.body
    );
    assert_eq!(mail.bcc, "audit@example.org");
    let types = history_types(&w, t).await;
    for wanted in [
        HistoryType::PhoneCallAgent,
        HistoryType::PhoneCallCustomer,
        HistoryType::SendAnswer,
        HistoryType::TimeAccounting,
    ] {
        assert!(types.contains(&wanted), "{wanted:?} in {types:?}");
    }
    // The e-mail leaves through the outbox and SMTP.
    w.desk.deliver_outbox(w.state.mailer(), 10).await.unwrap();
    let sent = w.smtp.wait_for("About your printer").await;
    assert!(
        sent.contains("lacey@example.org") && sent.contains("boss@example.org"),
        "{sent}"
    );
    // An empty call (no subject, no text) is refused at the field, nothing is added.
    let r = submit(
        &w,
        &action(t, "phone-outbound"),
        &alice,
        &[("subject", ""), ("body", "")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains(r#"id="err-body""#), "{}", r.text());
    assert_eq!(
        w.desk.articles(Principal::SYSTEM, t).await.unwrap().len(),
        articles.len()
    );
}

#[tokio::test]
async fn property_actions_change_the_ticket_and_write_history() {
    let w = World::new().await;
    set_zone(&w, w.alice, "Europe/Berlin").await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let t = w.ticket;
    let r = submit(
        &w,
        &action(t, "free-fields"),
        &alice,
        &[("title", "Printer offline on floor 2")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    // Pending till is typed in Alice's zone (Berlin, UTC+1 in March).
    let html = page(&w, &action(t, "pending"), &alice).await.text();
    assert!(html.contains("Europe/Berlin") && html.contains("pending reminder"));
    let r = submit(
        &w,
        &action(t, "pending"),
        &alice,
        &[
            ("state", &default_states::PENDING_REMINDER.0.to_string()),
            ("pending_until", "2026-03-05T10:00"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    // In the past: refused at the field.
    let r = submit(
        &w,
        &action(t, "pending"),
        &alice,
        &[
            ("state", &default_states::PENDING_REMINDER.0.to_string()),
            ("pending_until", "2020-01-01T10:00"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text().contains(r#"id="err-pending_until""#),
        "{}",
        r.text()
    );
    let r = submit(
        &w,
        &action(t, "responsible"),
        &alice,
        &[("responsible", &w.admin.0.to_string())],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = submit(
        &w,
        &action(t, "customer"),
        &alice,
        &[("customer_user", "mallory"), ("customer_id", "")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let stored = w.desk.ticket(Principal::SYSTEM, t).await.unwrap();
    assert_eq!(stored.title, "Printer offline on floor 2");
    assert_eq!(
        stored.pending_until.unwrap().to_rfc3339(),
        "2026-03-05T09:00:00+00:00"
    );
    assert_eq!(stored.state_id, default_states::PENDING_REMINDER);
    assert_eq!(stored.responsible_id, w.admin);
    assert_eq!(stored.customer_user_id, Some(w.mallory));
    assert_eq!(stored.customer_id.as_deref(), Some("OTHER"));
    let types = history_types(&w, t).await;
    for wanted in [
        HistoryType::TitleUpdate,
        HistoryType::SetPendingTime,
        HistoryType::ResponsibleUpdate,
        HistoryType::CustomerUpdate,
    ] {
        assert!(types.contains(&wanted), "{wanted:?} in {types:?}");
    }
    // An unknown customer user: the field says so.
    let r = submit(
        &w,
        &action(t, "customer"),
        &alice,
        &[("customer_user", "nobody-like-this")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains(r#"id="err-customer_user""#));
    // The history panel lists typed entries with times in Alice's zone.
    let html = page(&w, &action(t, "history"), &alice).await.text();
    assert!(html.contains("TitleUpdate") && html.contains("SetPendingTime"));
    assert!(html.contains("CET"), "times in Berlin: {html}");
}

#[tokio::test]
async fn a_stale_form_says_changed_by_someone_else_and_overwrites_nothing() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let t = w.ticket;
    let html = page(&w, &action(t, "priority"), &alice).await.text();
    let version = w.desk.ticket(Principal::SYSTEM, t).await.unwrap().version;
    assert!(html.contains(&format!(r#"name="version" value="{version}""#)));
    // Someone else changes the ticket meanwhile.
    w.desk
        .update_ticket(
            Principal::Agent(w.admin),
            t,
            TicketUpdate {
                priority: Some(Priority::new(2).unwrap()),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    let r = submit(
        &w,
        &action(t, "priority"),
        &alice,
        &[("priority", "5"), ("version", &version.to_string())],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    assert!(r.text().contains("changed by someone else"), "{}", r.text());
    assert!(r.text().contains("Reload"));
    let stored = w.desk.ticket(Principal::SYSTEM, t).await.unwrap();
    assert_eq!(stored.priority, Priority::new(2).unwrap());
    // The same for the title.
    let r = submit(
        &w,
        &action(t, "free-fields"),
        &alice,
        &[("title", "Mine"), ("version", &version.to_string())],
    )
    .await;
    assert_eq!(r.status, 412);
    assert_eq!(
        w.desk.ticket(Principal::SYSTEM, t).await.unwrap().title,
        "Printer offline"
    );
}

#[tokio::test]
async fn article_forms_and_merge_check_the_version_only_for_property_changes() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let t = w.ticket;
    let html = page(&w, &action(t, "note"), &alice).await.text();
    let opened = w.desk.ticket(Principal::SYSTEM, t).await.unwrap().version;
    assert!(html.contains(&format!(r#"name="version" value="{opened}""#)));
    assert!(html.contains(r#"name="next_state""#) && html.contains("– unchanged –"));
    // Someone else changes the ticket after the forms were opened.
    w.desk
        .update_ticket(
            Principal::Agent(w.admin),
            t,
            TicketUpdate {
                priority: Some(Priority::new(2).unwrap()),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    let articles = || async { w.desk.articles(Principal::SYSTEM, t).await.unwrap().len() };
    let before = articles().await;
    let stale = opened.to_string();
    let pending = default_states::PENDING_REMINDER.0.to_string();
    // A note with a next state from the stale form: refused, text kept, nothing written.
    let r = submit(
        &w,
        &action(t, "note"),
        &alice,
        &[
            ("version", &stale),
            ("subject", "Waiting"),
            ("body", "Typed <text> kept"),
            ("next_state", &pending),
            ("pending_until", "2026-03-10T09:00"),
        ],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    let html = r.text();
    assert!(html.contains("changed by someone else"), "{html}");
    assert!(html.contains("Typed &lt;text&gt; kept"), "{html}");
    assert!(html.contains(r#"value="2026-03-10T09:00""#), "{html}");
    assert_eq!(articles().await, before);
    let stored = w.desk.ticket(Principal::SYSTEM, t).await.unwrap();
    assert_eq!(stored.state_id, default_states::OPEN);
    // The same note without a next state does not conflict.
    let r = submit(
        &w,
        &action(t, "note"),
        &alice,
        &[
            ("version", &stale),
            ("subject", "Plain"),
            ("body", "Only a note"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(articles().await, before + 1);
    // With the current version the note and the pending state are written together.
    let current = w.desk.ticket(Principal::SYSTEM, t).await.unwrap().version;
    let r = submit(
        &w,
        &action(t, "phone-outbound"),
        &alice,
        &[
            ("version", &current.to_string()),
            ("subject", "Called"),
            ("body", "Will call back"),
            ("next_state", &pending),
            ("pending_until", "2026-03-10T09:00"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let stored = w.desk.ticket(Principal::SYSTEM, t).await.unwrap();
    assert_eq!(stored.state_id, default_states::PENDING_REMINDER);
    assert!(stored.pending_until.is_some());
    assert_eq!(articles().await, before + 2);
    // Links and watching are not property changes: a stale version does not matter.
    let r = submit(
        &w,
        &action(t, "link"),
        &alice,
        &[("version", &stale), ("target_id", &w.ticket2.0.to_string())],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let r = submit(&w, &action(t, "watch"), &alice, &[("version", &stale)]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    // A merge from a stale form is refused and merges nothing.
    let r = submit(
        &w,
        &action(t, "merge"),
        &alice,
        &[("version", &stale), ("target_id", &w.ticket3.0.to_string())],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    assert!(r.text().contains("changed by someone else"));
    let stored = w.desk.ticket(Principal::SYSTEM, t).await.unwrap();
    assert_eq!(stored.state_id, default_states::PENDING_REMINDER);
    let r = submit(
        &w,
        &action(t, "merge"),
        &alice,
        &[
            ("version", &stored.version.to_string()),
            ("target_id", &w.ticket3.0.to_string()),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        w.desk.ticket(Principal::SYSTEM, t).await.unwrap().state_id,
        default_states::MERGED
    );
}

#[tokio::test]
async fn merge_link_watch_and_appointment_run_from_their_panels() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let t = w.ticket;
    // Link: a search lists the matches; choosing one links.
    let r = submit(
        &w,
        &action(t, "link"),
        &alice,
        &[("target", "VPN*"), ("search", "1"), ("link_type", "parent")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("VPN down") && r.text().contains(r#"name="target_id""#));
    let r = submit(
        &w,
        &action(t, "link"),
        &alice,
        &[
            ("target_id", &w.ticket2.0.to_string()),
            ("link_type", "parent"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let links = w
        .desk
        .links(Principal::SYSTEM, ObjectRef::Ticket(t))
        .await
        .unwrap();
    assert!(links.iter().any(|l| l.source == ObjectRef::Ticket(t)
        && l.target == ObjectRef::Ticket(w.ticket2)
        && l.link_type == LinkType::ParentChild));
    // Watch and unwatch.
    assert_eq!(
        submit(&w, &action(t, "watch"), &alice, &[]).await.status,
        303
    );
    let watchers = w.desk.watchers(Principal::SYSTEM, t).await.unwrap();
    assert!(watchers.iter().any(|x| x.agent_id == w.alice));
    let offered = w
        .desk
        .ticket_actions(Principal::Agent(w.alice), t)
        .await
        .unwrap();
    assert!(offered.contains(&TicketAction::Unwatch) && !offered.contains(&TicketAction::Watch));
    assert_eq!(
        submit(&w, &action(t, "unwatch"), &alice, &[]).await.status,
        303
    );
    assert!(
        w.desk
            .watchers(Principal::SYSTEM, t)
            .await
            .unwrap()
            .iter()
            .all(|x| x.agent_id != w.alice)
    );
    // New appointment in the support calendar.
    let html = page(&w, &action(t, "appointment"), &alice).await.text();
    assert!(html.contains("Support rota"));
    let r = submit(
        &w,
        &action(t, "appointment"),
        &alice,
        &[
            ("calendar", &w.calendar.0.to_string()),
            ("title", "Replace the printer"),
            ("start", "2026-03-04T10:00"),
            ("end", "2026-03-04T11:00"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let appointments = w
        .desk
        .ticket_appointments(Principal::SYSTEM, t)
        .await
        .unwrap();
    assert!(
        appointments
            .iter()
            .any(|a| a.title == "Replace the printer"),
        "{appointments:?}"
    );
    let r = submit(
        &w,
        &action(t, "appointment"),
        &alice,
        &[
            ("calendar", &w.calendar.0.to_string()),
            ("title", "x"),
            ("start", "tomorrow"),
            ("end", "2026-03-04T11:00"),
        ],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains(r#"id="err-start""#));
    // Merge: the panel warns; the ticket is merged into the target, which is shown next.
    let html = page(&w, &action(t, "merge"), &alice).await.text();
    assert!(html.contains("cannot be undone"), "{html}");
    let target = w.desk.ticket(Principal::SYSTEM, w.ticket3).await.unwrap();
    let r = submit(
        &w,
        &action(t, "merge"),
        &alice,
        &[("target", &target.number)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.header("location"),
        format!("/agent/tickets/{}", w.ticket3.0)
    );
    let merged = w.desk.ticket(Principal::SYSTEM, t).await.unwrap();
    let states = w.desk.states(Principal::SYSTEM).await.unwrap();
    assert_eq!(
        states
            .iter()
            .find(|s| s.id == merged.state_id)
            .unwrap()
            .name,
        "merged"
    );
    assert!(history_types(&w, t).await.contains(&HistoryType::Merged));
    // A merged ticket offers only its history.
    assert_eq!(
        w.desk
            .ticket_actions(Principal::Agent(w.alice), t)
            .await
            .unwrap(),
        vec![TicketAction::History]
    );
}

#[tokio::test]
async fn actions_are_offered_by_permission_and_refused_otherwise() {
    let w = World::new().await;
    // Rosa may only read the support queue.
    let mut groups = BTreeMap::new();
    groups.insert(w.support_group, PermissionSet::RO);
    let rosa = w
        .desk
        .create_agent(
            Principal::SYSTEM,
            NewAgent {
                login: "rosa".into(),
                first_name: "Rosa".into(),
                last_name: "Reader".into(),
                email: "rosa@example.com".into(),
                password_hash: None,
                must_change_password: false,
                groups,
            },
        )
        .await
        .unwrap()
        .id;
    let offered = w
        .desk
        .ticket_actions(Principal::Agent(rosa), w.ticket)
        .await
        .unwrap();
    assert!(offered.contains(&TicketAction::History));
    assert!(offered.contains(&TicketAction::Watch));
    for refused in [
        TicketAction::Note,
        TicketAction::Priority,
        TicketAction::Merge,
        TicketAction::EmailOutbound,
    ] {
        assert!(!offered.contains(&refused), "{refused:?}");
    }
    let caller = w.session(Principal::Agent(rosa)).await;
    let html = page(&w, &action(w.ticket, "history"), &caller).await.text();
    assert!(html.contains("/actions/watch") && !html.contains("/actions/priority"));
    let before = w.fingerprint().await;
    let r = page(&w, &action(w.ticket, "priority"), &caller).await;
    assert_eq!(r.status, 403, "{}", r.text());
    let r = submit(
        &w,
        &action(w.ticket, "priority"),
        &caller,
        &[("priority", "5")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(r.text().contains("not available"), "{}", r.text());
    let r = submit(
        &w,
        &action(w.ticket, "note"),
        &caller,
        &[("body", "sneaky")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(before, w.fingerprint().await);
    // A ticket locked by the admin: Alice may neither lock nor unlock it, the admin may unlock.
    w.desk
        .lock_ticket(Principal::Agent(w.admin), w.ticket2)
        .await
        .unwrap();
    let alice_offers = w
        .desk
        .ticket_actions(Principal::Agent(w.alice), w.ticket2)
        .await
        .unwrap();
    assert!(
        !alice_offers.contains(&TicketAction::Lock)
            && !alice_offers.contains(&TicketAction::Unlock),
        "{alice_offers:?}"
    );
    let admin_offers = w
        .desk
        .ticket_actions(Principal::Agent(w.admin), w.ticket2)
        .await
        .unwrap();
    assert!(
        admin_offers.contains(&TicketAction::Unlock) && !admin_offers.contains(&TicketAction::Lock)
    );
    let alice = w.session(Principal::Agent(w.alice)).await;
    let r = submit(&w, &action(w.ticket2, "unlock"), &alice, &[]).await;
    assert_eq!(r.status, 403, "{}", r.text());
    // Dave reads nothing: no panel at all.
    let dave = w.session(Principal::Agent(w.dave)).await;
    let r = page(&w, &action(w.ticket, "history"), &dave).await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
}

#[tokio::test]
async fn drafts_are_saved_and_offered_when_the_action_opens_again() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let t = w.ticket2;
    let r = submit(
        &w,
        &action(t, "note"),
        &alice,
        &[
            ("subject", "Half written"),
            ("body", "Checked the <VPN> concentrator"),
            ("save_draft", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let drafts = w.desk.drafts(Principal::SYSTEM, t).await.unwrap();
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0].0.fields["subject"], "Half written");
    let html = page(&w, &action(t, "note"), &alice).await.text();
    assert!(html.contains("You have a draft saved"), "{html}");
    let html = page(&w, &format!("{}?draft=1", action(t, "note")), &alice)
        .await
        .text();
    assert!(
        html.contains("Checked the &lt;VPN&gt; concentrator"),
        "{html}"
    );
    assert!(html.contains("Draft loaded"));
    let r = submit(
        &w,
        &action(t, "note"),
        &alice,
        &[
            ("subject", "Half written"),
            ("body", "Checked the VPN concentrator: fine."),
        ],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(
        w.desk
            .drafts(Principal::SYSTEM, t)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        w.desk
            .articles(Principal::SYSTEM, t)
            .await
            .unwrap()
            .iter()
            .any(|a| a.subject == "Half written")
    );
}

#[tokio::test]
async fn customer_suggestions_widgets_and_the_address_book() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let r = page(&w, "/agent/customer-users/suggest?q=lac", &alice).await;
    assert_eq!(r.status, 200);
    let list: Value = r.json();
    assert_eq!(list[0]["login"], "lacey");
    assert_eq!(list[0]["customer_id"], "SSI");
    let all: Value = page(&w, "/agent/customer-users/suggest?q=**", &alice)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let none: Value = page(&w, "/agent/customer-users/suggest?q=l", &alice)
        .await
        .json();
    assert!(none.as_array().unwrap().is_empty());
    let wild: Value = page(&w, "/agent/customer-users/suggest?q=m*ry", &alice)
        .await
        .json();
    assert_eq!(wild[0]["login"], "mallory");
    // The widgets follow the chosen customer user.
    let html = page(&w, "/agent/customer-users/info?login=lacey", &alice)
        .await
        .text();
    for part in [
        "Customer Information",
        "Customer User History",
        "Customer History",
        "Super Support Inc.",
        "Printer offline",
    ] {
        assert!(html.contains(part), "{part}: {html}");
    }
    // The address book receives the whole form and sends it back with the chosen addresses.
    let support = w.support.0.to_string();
    let r = submit(
        &w,
        "/agent/address-book",
        &alice,
        &[
            ("queue", &support),
            ("subject", "Kept subject"),
            ("to", "first@example.org"),
            ("address_query", "lac"),
            ("address_book", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(html.contains("lacey@example.org") && !html.contains("mallory@example.org"));
    let r = submit(
        &w,
        "/agent/tickets/new/email",
        &alice,
        &[
            ("back", "1"),
            ("queue", &support),
            ("subject", "Kept subject"),
            ("to", "first@example.org"),
            ("add_cc", "lacey@example.org"),
        ],
    )
    .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains(r#"value="Kept subject""#), "{html}");
    assert!(
        html.contains(r#"name="cc" value="lacey@example.org""#),
        "{html}"
    );
    assert!(html.contains(r#"name="to" value="first@example.org""#));
}

#[tokio::test]
async fn email_tickets_carry_bcc_attachments_rich_text_and_a_pending_time() {
    let w = World::new().await;
    set_zone(&w, w.alice, "Europe/Berlin").await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let support = w.support.0.to_string();
    let pending = default_states::PENDING_REMINDER.0.to_string();
    let r = submit_multipart(
        &w,
        "/agent/tickets/new/email",
        &alice,
        &[
            ("customer_user", "lacey"),
            ("queue", &support),
            ("state", &pending),
            ("pending_until", "2026-03-06T08:30"),
            ("bcc", "audit@example.org"),
            ("subject", "Łódź keyboard"),
            ("body", "ignored when rich text is sent"),
            (
                "body_html",
                r#"<p>New <b>keyboard</b> for Łódź<script>alert(1)</script></p>"#,
            ),
            ("create", "1"),
        ],
        &[("attachments", "photo.png", "image/png", b"\x89PNG fake")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let id: u64 = r
        .header("location")
        .strip_prefix("/agent/tickets/")
        .unwrap()
        .parse()
        .unwrap();
    let t = w
        .desk
        .ticket(Principal::SYSTEM, TicketId(id))
        .await
        .unwrap();
    assert_eq!(t.state_id, default_states::PENDING_REMINDER);
    assert_eq!(
        t.pending_until.unwrap().to_rfc3339(),
        "2026-03-06T07:30:00+00:00"
    );
    let a = &w.desk.articles(Principal::SYSTEM, t.id).await.unwrap()[0];
    assert_eq!(a.bcc, "audit@example.org");
    // The plain text of the rich text, and the queue's signature.
    assert_eq!(a.body, "New keyboard for Łódź\n\n-- \nYour support team");
    let names: Vec<&str> = a.attachments.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["file-2.html", "photo.png"]);
    let html = w
        .desk
        .attachment(Principal::SYSTEM, a.attachments[0].id)
        .await
        .unwrap();
    let html = String::from_utf8(html.content.to_vec()).unwrap();
    assert_eq!(html, "<p>New <b>keyboard</b> for Łódź</p>");
    // Too large attachments: a clear error at the field, nothing created.
    let before = w.fingerprint().await;
    let big = vec![b'x'; (3 << 20) + 10];
    let r = submit_multipart(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[
            ("queue", &support),
            ("subject", "Too big"),
            ("body", "x"),
            ("create", "1"),
        ],
        &[("attachments", "big.bin", "application/octet-stream", &big)],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.status);
    assert!(r.text().contains(r#"id="err-attachments""#), "{}", r.text());
    assert!(r.text().contains("MiB"));
    assert_eq!(before, w.fingerprint().await);
}

/// The form key of a rendered form.
fn form_key(html: &str) -> String {
    crate::support::after(html, r#"name="form_key" value=""#)
}

#[tokio::test]
async fn uploaded_files_survive_a_form_shown_again_and_go_with_the_article() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let support = w.support.0.to_string();
    let bytes: &[u8] = b"\x00\x01 kept \xff bytes";
    // The subject is missing: the form comes back listing the file, under a key.
    let r = submit_multipart(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[
            ("queue", &support),
            ("body", "see the file"),
            ("create", "1"),
        ],
        &[(
            "attachments",
            "scan <1>.bin",
            "application/octet-stream",
            bytes,
        )],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let html = r.text();
    assert!(html.contains(r#"id="err-subject""#), "{html}");
    assert!(html.contains("scan &lt;1&gt;.bin"), "{html}");
    assert!(html.contains(r#"name="remove_upload""#), "{html}");
    let key = form_key(&html);
    assert_eq!(key.len(), 32, "{key}");
    // Another file on a second failed try joins the first; one can be removed.
    let r = submit_multipart(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[("form_key", &key), ("queue", &support), ("create", "1")],
        &[("attachments", "extra.txt", "text/plain", b"extra")],
    )
    .await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(
        html.contains("scan &lt;1&gt;.bin") && html.contains("extra.txt"),
        "{html}"
    );
    let extra_id = crate::support::after(&html, r#"name="remove_upload" value=""#);
    let kept = w
        .desk
        .form_uploads(Principal::Agent(w.alice), &key)
        .await
        .unwrap();
    let extra = kept.iter().find(|u| u.filename == "extra.txt").unwrap();
    assert_eq!(extra_id, kept[0].id.0.to_string());
    // Another agent cannot use the key.
    let bob = w.session(Principal::Agent(w.admin)).await;
    let r = submit_multipart(
        &w,
        "/agent/tickets/new/phone",
        &bob,
        &[("form_key", &key), ("create", "1")],
        &[],
    )
    .await;
    assert!(!r.text().contains("scan &lt;1&gt;.bin"), "{}", r.text());
    // Fixed, with the extra file ticked for removal: the ticket's article holds the first file.
    let r = submit_multipart(
        &w,
        "/agent/tickets/new/phone",
        &alice,
        &[
            ("form_key", &key),
            ("remove_upload", &extra.id.0.to_string()),
            ("queue", &support),
            ("subject", "Scanner"),
            ("body", "see the file"),
            ("create", "1"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let id: u64 = r
        .header("location")
        .strip_prefix("/agent/tickets/")
        .unwrap()
        .parse()
        .unwrap();
    let a = &w
        .desk
        .articles(Principal::SYSTEM, TicketId(id))
        .await
        .unwrap()[0];
    let names: Vec<&str> = a.attachments.iter().map(|f| f.filename.as_str()).collect();
    assert_eq!(names, ["scan <1>.bin"]);
    let content = w
        .desk
        .attachment(Principal::SYSTEM, a.attachments[0].id)
        .await
        .unwrap();
    assert_eq!(&content.content[..], bytes);
    assert!(
        w.desk
            .form_uploads(Principal::Agent(w.alice), &key)
            .await
            .unwrap()
            .is_empty()
    );
    // The address book keeps the files of the e-mail form it was opened from.
    let r = submit_multipart(
        &w,
        "/agent/address-book",
        &alice,
        &[("subject", "Via the book"), ("address_query", "lacey")],
        &[("attachments", "book.txt", "text/plain", b"from the book")],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let book_key = form_key(&r.text());
    let r = submit(
        &w,
        "/agent/tickets/new/email",
        &alice,
        &[
            ("form_key", &book_key),
            ("back", "1"),
            ("subject", "Via the book"),
            ("add_to", "lacey@example.org"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.text().contains("book.txt"), "{}", r.text());
    // The same on an article form of the ticket: a note refused for its time units keeps the
    // file; the note sent next holds it.
    let t = TicketId(id);
    let html = page(&w, &action(t, "note"), &alice).await.text();
    assert!(html.contains(r#"enctype="multipart/form-data""#), "{html}");
    let key = form_key(&html);
    let r = submit_multipart(
        &w,
        &action(t, "note"),
        &alice,
        &[
            ("form_key", &key),
            ("body", "log attached"),
            ("time_units", "lots"),
        ],
        &[("attachments", "log.txt", "text/plain", b"line 1")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("log.txt") && r.text().contains("log attached"));
    // A draft of the form keeps its files while they last.
    let r = submit_multipart(
        &w,
        &action(t, "note"),
        &alice,
        &[
            ("form_key", &key),
            ("body", "log attached"),
            ("save_draft", "1"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let html = page(&w, &format!("{}?draft=1", action(t, "note")), &alice)
        .await
        .text();
    assert_eq!(form_key(&html), key);
    assert!(html.contains("log.txt"), "{html}");
    let r = submit_multipart(
        &w,
        &action(t, "note"),
        &alice,
        &[
            ("form_key", &key),
            ("body", "log attached"),
            ("time_units", "5"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let articles = w.desk.articles(Principal::SYSTEM, t).await.unwrap();
    let note = articles.last().unwrap();
    assert_eq!(note.body, "log attached");
    assert_eq!(note.attachments.len(), 1);
    let content = w
        .desk
        .attachment(Principal::SYSTEM, note.attachments[0].id)
        .await
        .unwrap();
    assert_eq!(&content.content[..], b"line 1");
    // And on a reply: a missing To keeps the file; the e-mail sent next carries it.
    let first = articles[0].id.0;
    let reply = format!("/agent/tickets/{}/articles/{first}/reply", t.0);
    let html = page(&w, &reply, &alice).await.text();
    let key = form_key(&html);
    let r = submit_multipart(
        &w,
        &reply,
        &alice,
        &[("form_key", &key), ("to", ""), ("body", "answer")],
        &[("attachments", "answer.pdf", "application/pdf", b"%PDF-1.4")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains("answer.pdf"), "{}", r.text());
    let r = submit_multipart(
        &w,
        &reply,
        &alice,
        &[
            ("form_key", &key),
            ("to", "lacey@example.org"),
            ("body", "answer"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let sent = w.desk.articles(Principal::SYSTEM, t).await.unwrap();
    let sent = sent.last().unwrap();
    assert_eq!(sent.attachments[0].filename, "answer.pdf");
}

#[tokio::test]
async fn templates_and_signatures_are_managed_and_used_per_queue() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let r = w
        .call(
            Method::POST,
            "/api/v1/templates",
            &admin,
            Some(serde_json::json!({"name": "Apology", "text": "Sorry for the wait.", "queues": ["Support"]})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["queues"][0]["name"], "Support");
    let again = w
        .call(
            Method::POST,
            "/api/v1/templates",
            &admin,
            Some(serde_json::json!({"name": "Apology"})),
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.text());
    let unknown_queue = w
        .call(
            Method::POST,
            "/api/v1/signatures",
            &admin,
            Some(serde_json::json!({"name": "X", "queues": ["Nowhere"]})),
        )
        .await;
    assert_eq!(unknown_queue.status, 422, "{}", unknown_queue.text());
    let list = w
        .get("/api/v1/templates?queue=Support", &admin)
        .await
        .json();
    assert_eq!(list["total"], 2);
    let misc = w.get("/api/v1/templates?queue=Misc", &admin).await.json();
    assert_eq!(misc["total"], 0);
    // A template's id is not a signature's.
    let r = w
        .call(
            Method::DELETE,
            &format!("/api/v1/signatures/{}", w.template.0),
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, 404);
    // The create screen inserts the queue's template and shows its signature.
    let alice = w.session(Principal::Agent(w.alice)).await;
    let support = w.support.0.to_string();
    let r = submit(
        &w,
        "/agent/tickets/new/email",
        &alice,
        &[
            ("customer_user", "lacey"),
            ("queue", &support),
            ("subject", "Your order"),
            ("body", "Hello Lacey,"),
            ("template", &w.template.0.to_string()),
            ("insert_template", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("Hello Lacey,\nThank you for calling.</textarea>"),
        "{html}"
    );
    assert!(html.contains("Your support team") && html.contains("Apology"));
    let r = submit(
        &w,
        "/agent/tickets/new/email",
        &alice,
        &[
            ("customer_user", "lacey"),
            ("queue", &support),
            ("subject", "Your order"),
            ("body", "Hello Lacey,\nThank you for calling."),
            ("create", "1"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let id: u64 = r
        .header("location")
        .strip_prefix("/agent/tickets/")
        .unwrap()
        .parse()
        .unwrap();
    let article = &w
        .desk
        .articles(Principal::SYSTEM, TicketId(id))
        .await
        .unwrap()[0];
    assert!(
        article
            .body
            .ends_with("Thank you for calling.\n\n-- \nYour support team"),
        "{}",
        article.body
    );
}
