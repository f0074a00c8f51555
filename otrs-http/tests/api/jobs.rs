//! Background jobs over HTTP (admins only), the built-in kinds run by the worker, and agents'
//! web-view notifications (each agent sees only their own).

use std::time::Duration as StdDuration;

use axum::http::Method;
use base64::Engine as _;
use otrs_core::Principal;
use otrs_core::desk::RetryPolicy;
use otrs_core::ids::JobId;
use otrs_core::model::JobState;
use otrs_core::store::{Store, StoreTx};
use otrs_http::jobs::Runner;
use serde_json::{Value, json};

use crate::support::{Caller, World};

async fn run_due(w: &World) -> otrs_core::desk::JobRunReport {
    w.desk
        .run_due_jobs(
            "test-worker",
            chrono::Duration::minutes(5),
            &RetryPolicy::default(),
            100,
            &Runner::new(w.state.clone()),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn only_admins_see_schedule_and_cancel_jobs() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let body = json!({"kind": "notify.agent", "payload": {"agent_id": w.alice.0, "title": "Hi"}});
    for caller in [&alice, &lacey] {
        assert_eq!(w.get("/api/v1/jobs", caller).await.status, 403);
        let r = w
            .call(Method::POST, "/api/v1/jobs", caller, Some(body.clone()))
            .await;
        assert_eq!(r.status, 403, "{}", r.text());
    }
    assert_eq!(
        w.get("/api/v1/jobs", &Caller::anonymous()).await.status,
        401
    );
    let r = w
        .call(Method::POST, "/api/v1/jobs", &admin, Some(body.clone()))
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let job = r.json();
    assert_eq!(job["state"], "pending");
    assert_eq!(job["payload"]["title"], "Hi");
    assert_eq!(r.header("location"), format!("/api/v1/jobs/{}", job["id"]));
    let id = job["id"].as_u64().unwrap();
    for caller in [&alice, &lacey] {
        let r = w
            .call(Method::DELETE, &format!("/api/v1/jobs/{id}"), caller, None)
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(
            w.get(&format!("/api/v1/jobs/{id}"), caller).await.status,
            403
        );
    }
    let list = w.get("/api/v1/jobs?state=pending", &admin).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["total"], 1);
    assert_eq!(
        w.get("/api/v1/jobs?state=done,failed", &admin).await.json()["total"],
        0
    );
    let r = w
        .call(Method::DELETE, &format!("/api/v1/jobs/{id}"), &admin, None)
        .await;
    assert_eq!(
        (r.status.as_u16(), r.json()["state"].clone()),
        (200, json!("cancelled"))
    );
    let again = w
        .call(Method::DELETE, &format!("/api/v1/jobs/{id}"), &admin, None)
        .await;
    assert_eq!(again.status, 409);
    again.problem("not-allowed");
    assert_eq!(
        w.call(Method::DELETE, "/api/v1/jobs/9999", &admin, None)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn bad_job_requests_name_the_field_and_store_nothing() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let r = w
        .call(
            Method::POST,
            "/api/v1/jobs",
            &admin,
            Some(json!({"kind": "no.such", "payload": {}})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.problem("validation")["errors"][0]["field"], "kind");
    assert!(
        r.text().contains("mail.send"),
        "lists the known kinds: {}",
        r.text()
    );
    let r = w
        .call(
            Method::POST,
            "/api/v1/jobs",
            &admin,
            Some(json!({"kind": "mail.send", "payload": {}, "max_attempts": 0})),
        )
        .await;
    assert_eq!(
        r.problem("validation")["errors"][0]["field"],
        "max_attempts"
    );
    let r = w.get("/api/v1/jobs?state=sleeping", &admin).await;
    assert_eq!(r.problem("validation")["errors"][0]["field"], "state");
    // test.effect exists only when the configuration enables it.
    let r = w
        .call(
            Method::POST,
            "/api/v1/jobs",
            &admin,
            Some(json!({"kind": "test.effect", "payload": {}})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(w.get("/api/v1/jobs", &admin).await.json()["total"], 0);
}

#[tokio::test]
async fn agents_see_only_their_own_notifications() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    for (agent, title) in [
        (w.alice, "Meeting at 10:00"),
        (w.alice, "Call back"),
        (w.erin, "Erin's"),
    ] {
        let body = json!({"kind": "notify.agent",
            "payload": {"agent_id": agent.0, "title": title, "link": "/agent/calendar"}});
        assert_eq!(
            w.call(Method::POST, "/api/v1/jobs", &admin, Some(body))
                .await
                .status,
            201
        );
        w.clock.advance(chrono::Duration::seconds(1));
    }
    assert_eq!(run_due(&w).await.done, 3);
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let list = w.get("/api/v1/notifications", &alice).await.json();
    assert_eq!(list["unseen"], 2);
    let titles: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["Call back", "Meeting at 10:00"]);
    let erins = w.get("/api/v1/notifications?limit=10", &erin).await.json();
    assert_eq!(erins["items"].as_array().unwrap().len(), 1);
    assert_eq!(erins["items"][0]["title"], "Erin's");
    // Erin cannot mark Alice's notification seen.
    let alices_id = list["items"][0]["id"].clone();
    let r = w
        .call(
            Method::POST,
            "/api/v1/notifications/seen",
            &erin,
            Some(json!({"ids": [alices_id]})),
        )
        .await;
    assert_eq!(r.json(), json!({"marked": 0, "unseen": 1}));
    let r = w
        .call(
            Method::POST,
            "/api/v1/notifications/seen",
            &alice,
            Some(json!({"ids": [alices_id]})),
        )
        .await;
    assert_eq!(r.json(), json!({"marked": 1, "unseen": 1}));
    let r = w
        .call(
            Method::POST,
            "/api/v1/notifications/seen",
            &alice,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.json(), json!({"marked": 1, "unseen": 0}));
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    assert_eq!(w.get("/api/v1/notifications", &lacey).await.status, 403);
    assert_eq!(
        w.get("/api/v1/notifications?limit=0", &alice).await.status,
        422
    );
    assert_eq!(
        w.get("/api/v1/notifications", &Caller::anonymous())
            .await
            .status,
        401
    );
    // A session without its CSRF token cannot mark anything.
    let no_csrf = Caller {
        csrf: None,
        ..alice.clone()
    };
    let r = w
        .call(
            Method::POST,
            "/api/v1/notifications/seen",
            &no_csrf,
            Some(json!({})),
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn mail_jobs_queue_once_per_message_id_and_reach_smtp_with_their_attachment() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let pdf = b"%PDF-1.7 \x00\x01 report";
    let payload = json!({
        "to": "boss@example.org",
        "subject": "Monthly report",
        "body": "Attached.",
        "message_id": "<report.1.2026-11@example.com>",
        "attachments": [{"filename": "report.pdf", "content_type": "application/pdf",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(pdf)}]
    });
    // The same mail scheduled twice (as a retried report would) is queued once.
    for _ in 0..2 {
        let body = json!({"kind": "mail.send", "payload": payload});
        assert_eq!(
            w.call(Method::POST, "/api/v1/jobs", &admin, Some(body))
                .await
                .status,
            201
        );
    }
    assert_eq!(run_due(&w).await.done, 2);
    let mut tx = w.desk.store().begin_read().await.unwrap();
    let queued = tx.pending_messages(10).await.unwrap();
    drop(tx);
    assert_eq!(queued.len(), 1);
    assert_eq!(&*queued[0].attachments[0].content, pdf);
    let report = w.desk.deliver_outbox(w.state.mailer(), 10).await.unwrap();
    assert_eq!(report.sent, 1);
    let sent = w.smtp.wait_for("Monthly report").await;
    assert!(
        sent.contains("Message-ID: <report.1.2026-11@example.com>"),
        "{sent}"
    );
    assert!(sent.contains("report.pdf"), "{sent}");
    assert!(
        sent.contains(&base64::engine::general_purpose::STANDARD.encode(pdf)),
        "{sent}"
    );

    // Without a Message-ID, the job's id makes one: a job run twice still queues one message.
    let body =
        json!({"kind": "mail.send", "payload": {"to": "boss@example.org", "subject": "Once"}});
    let id = w
        .call(Method::POST, "/api/v1/jobs", &admin, Some(body))
        .await
        .json()["id"]
        .as_u64()
        .unwrap();
    let job = w.desk.job(Principal::SYSTEM, JobId(id)).await.unwrap();
    let runner = Runner::new(w.state.clone());
    use otrs_core::desk::JobRunner as _;
    runner.run(&job).await.unwrap();
    runner.run(&job).await.unwrap();
    let mut tx = w.desk.store().begin_read().await.unwrap();
    let once = tx.pending_messages(10).await.unwrap();
    assert_eq!(once.len(), 1);
    assert_eq!(
        once[0].message_id.as_deref(),
        Some(format!("<job.{id}@localhost>").as_str())
    );
}

#[tokio::test]
async fn a_bad_payload_fails_the_job_at_once_with_the_reason() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let body = json!({"kind": "notify.agent", "payload": {"agent": 2}});
    let id = w
        .call(Method::POST, "/api/v1/jobs", &admin, Some(body))
        .await
        .json()["id"]
        .clone();
    assert_eq!(run_due(&w).await.failed, 1);
    let job: Value = w.get(&format!("/api/v1/jobs/{id}"), &admin).await.json();
    assert_eq!(job["state"], "failed");
    assert_eq!(job["attempts"], 1);
    assert!(
        job["last_error"].as_str().unwrap().contains("does not fit"),
        "{job}"
    );
}

fn effect_world_config(c: &mut otrs_http::HttpConfig, grace_ms: u64) {
    c.jobs.test_kinds = true;
    c.jobs.poll_interval = StdDuration::from_millis(20);
    c.jobs.shutdown_grace = StdDuration::from_millis(grace_ms);
    c.jobs.worker_id = "w-test".into();
}

async fn effect_job(w: &World, path: &std::path::Path, sleep_ms: u64) -> JobId {
    let payload = json!({"path": path.to_str().unwrap(), "sleep_ms": sleep_ms}).to_string();
    w.desk
        .schedule_job(
            Principal::SYSTEM,
            otrs_core::model::NewJob::new("test.effect", payload, w.desk.now()),
        )
        .await
        .unwrap()
        .id
}

async fn wait_until_started(path: &std::path::Path) {
    for _ in 0..500 {
        if std::fs::read_to_string(path).is_ok_and(|t| t.contains("start")) {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(10)).await;
    }
    panic!("the job never started");
}

#[tokio::test]
async fn a_stopping_worker_finishes_its_job_within_the_grace() {
    let w = World::with_config(|c| effect_world_config(c, 5_000)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("effects");
    let id = effect_job(&w, &path, 300).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(otrs_http::jobs::run_worker(w.state.clone(), stop_rx));
    wait_until_started(&path).await;
    stop_tx.send(true).unwrap();
    tokio::time::timeout(StdDuration::from_secs(10), worker)
        .await
        .unwrap()
        .unwrap();
    let job = w.desk.job(Principal::SYSTEM, id).await.unwrap();
    assert_eq!(job.state, JobState::Done);
    let effects = std::fs::read_to_string(&path).unwrap();
    assert_eq!(effects, format!("start {id} w-test 1\nend {id} w-test 1\n"));
}

#[tokio::test]
async fn a_stopping_worker_gives_back_a_job_that_outlasts_the_grace() {
    let w = World::with_config(|c| effect_world_config(c, 50)).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("effects");
    let id = effect_job(&w, &path, 10_000).await;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let worker = tokio::spawn(otrs_http::jobs::run_worker(w.state.clone(), stop_rx));
    wait_until_started(&path).await;
    stop_tx.send(true).unwrap();
    tokio::time::timeout(StdDuration::from_secs(5), worker)
        .await
        .unwrap()
        .unwrap();
    let job = w.desk.job(Principal::SYSTEM, id).await.unwrap();
    assert_eq!(job.state, JobState::Pending, "released, due again at once");
    assert_eq!(job.run_at, w.desk.now());
    assert_eq!(job.lease_owner, None);
    assert!(job.last_error.unwrap().contains("stopped"));
}

#[tokio::test]
async fn the_worker_runs_appointment_reminders_into_the_agents_bell() {
    use otrs_core::clock::Clock;
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let calendar = w
        .call(
            Method::POST,
            "/api/v1/calendars",
            &admin,
            Some(json!({"name": "Team", "color": "#3a87ad", "group_id": 1})),
        )
        .await
        .json();
    let start = w.clock.now() + chrono::Duration::hours(1);
    let end = start + chrono::Duration::minutes(30);
    let created = w
        .call(
            Method::POST,
            "/api/v1/appointments",
            &alice,
            Some(json!({
                "calendar_id": calendar["id"], "title": "Vendor call",
                "start": start.format("%Y-%m-%dT%H:%M").to_string(),
                "end": end.format("%Y-%m-%dT%H:%M").to_string(),
                "time_zone": "UTC", "notify_minutes_before": 15
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    // Not due yet: nothing runs, the bell stays empty.
    assert_eq!(run_due(&w).await.done, 0);
    assert_eq!(
        w.get("/api/v1/notifications", &alice).await.json()["unseen"],
        0
    );
    w.clock.advance(chrono::Duration::minutes(46));
    let report = run_due(&w).await;
    assert_eq!((report.done, report.failed), (1, 0), "{report:?}");
    let bell = w.get("/api/v1/notifications", &alice).await.json();
    assert_eq!(bell["unseen"], 1, "{bell}");
    assert!(
        bell["items"][0]["title"]
            .as_str()
            .unwrap()
            .contains("Vendor call"),
        "{bell}"
    );
}
