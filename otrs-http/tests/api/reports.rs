//! Reports over HTTP: the API (CRUD with versions, field errors, Run now as a PDF), scheduled
//! runs through the job worker (one e-mail with the PDF and a stable Message-ID per due time,
//! the next run per cron), and the agent pages (create, Run now, refusal outside `stats`).

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use otrs_core::desk::{JobRunner as _, REPORT_JOB_KIND, RetryPolicy};
use otrs_core::model::{JobFilter, JobState};
use otrs_core::store::{PageRequest, Store, StoreTx};
use otrs_http::jobs::Runner;
use serde_json::json;

use crate::support::{Caller, Resp, World};

/// The pages of a PDF (the document must parse).
fn pdf_pages(bytes: &[u8]) -> usize {
    lopdf::Document::load_mem(bytes)
        .expect("a readable PDF")
        .get_pages()
        .len()
}

#[tokio::test]
async fn reports_are_created_changed_run_and_deleted_over_the_api() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;

    // Bad input names each field and stores nothing.
    let before = w.fingerprint().await;
    let bad = w
        .call(
            Method::POST,
            "/api/v1/reports",
            &admin,
            Some(json!({"name": "", "description": "d", "schedule": "hourly",
                "time_zone": "Mars/Olympus", "stat_numbers": [10002]})),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let problem = bad.problem("validation");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["schedule", "time_zone"]);
    let bad = w
        .call(
            Method::POST,
            "/api/v1/reports",
            &admin,
            Some(
                json!({"name": "Weekly", "description": "d", "schedule": "weekly mon 08:00",
                "recipients": ["not-an-address"], "stat_numbers": [10002, 4242]}),
            ),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let text = bad.text();
    assert!(
        text.contains("recipients[0]") && text.contains("statistic 4242"),
        "{text}"
    );
    assert_eq!(w.fingerprint().await, before);

    // A stats user (ro) may not create.
    let body = json!({"name": "Weekly", "description": "For the team.",
        "schedule": "cron 0 8 * * 1", "time_zone": "Europe/Berlin",
        "recipients": ["boss@example.org"], "stat_numbers": [10009, 10002],
        "title": "Weekly figures", "preamble": "Größen — Обзор"});
    let refused = w
        .call(Method::POST, "/api/v1/reports", &alice, Some(body.clone()))
        .await;
    assert_eq!(refused.status, 403);

    let created = w
        .call(Method::POST, "/api/v1/reports", &admin, Some(body))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let report = created.json();
    let id = report["id"].as_u64().unwrap();
    assert_eq!(created.header("location"), format!("/api/v1/reports/{id}"));
    assert_eq!(report["schedule"], "cron 0 8 * * 1");
    // Monday 2026-03-02 09:00 UTC is 10:00 in Berlin: the next Monday 08:00 is a week later.
    assert_eq!(report["next_run"], "2026-03-09T07:00:00Z");
    assert_eq!(report["stat_numbers"], json!([10009, 10002]));

    let list = w.get("/api/v1/reports", &alice).await;
    assert_eq!(list.status, 200);
    let list = list.json();
    let names: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Daily figures", "Weekly"]);

    let one = w.get(&format!("/api/v1/reports/{id}"), &alice).await;
    assert_eq!(one.header("etag"), "\"v1\"");
    // PATCH with a stale version is refused; with the current one it changes only the field.
    let mut stale = World::request(
        Method::PATCH,
        &format!("/api/v1/reports/{id}"),
        &admin,
        Some(&json!({"title": "Changed"})),
    );
    stale
        .headers_mut()
        .insert(header::IF_MATCH, "\"v7\"".parse().unwrap());
    assert_eq!(w.send(stale).await.status, 412);
    let patched = w
        .call(
            Method::PATCH,
            &format!("/api/v1/reports/{id}"),
            &admin,
            Some(json!({"title": "Changed", "schedule": "none"})),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["title"], "Changed");
    assert_eq!(patched.json()["preamble"], "Größen — Обзор");
    assert_eq!(patched.json()["next_run"], serde_json::Value::Null);
    // PUT replaces everything: what is left out takes its default.
    let put = w
        .call(
            Method::PUT,
            &format!("/api/v1/reports/{id}"),
            &admin,
            Some(json!({"name": "Weekly", "description": "Short.", "stat_numbers": [10002]})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(put.json()["preamble"], "");
    assert_eq!(put.json()["version"], 3);

    // Run now answers the PDF, for stats users too.
    let run = w
        .call(
            Method::POST,
            &format!("/api/v1/reports/{id}/run"),
            &alice,
            None,
        )
        .await;
    assert_eq!(run.status, 200, "{}", run.text());
    assert_eq!(run.header("content-type"), "application/pdf");
    assert!(run.header("content-disposition").contains("Weekly_"));
    assert!(run.body.starts_with(b"%PDF"));
    assert!(pdf_pages(&run.body) >= 1);

    let deleted = w
        .call(
            Method::DELETE,
            &format!("/api/v1/reports/{id}"),
            &admin,
            None,
        )
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(
        w.get(&format!("/api/v1/reports/{id}"), &admin).await.status,
        404
    );
}

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

async fn report_jobs(w: &World, states: Vec<JobState>) -> Vec<otrs_core::model::Job> {
    let mut tx = w.desk.store().begin_read().await.unwrap();
    let jobs = tx
        .list_jobs(
            &JobFilter {
                states: Some(states),
                kind: Some(REPORT_JOB_KIND.into()),
                unique_key: None,
            },
            PageRequest::first(100),
        )
        .await
        .unwrap()
        .items;
    drop(tx);
    jobs
}

#[tokio::test]
async fn a_due_report_is_mailed_once_with_its_pdf_and_the_next_run_follows_the_cron() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    // Weekdays at 10:00 UTC; it is Monday 2026-03-02 09:00 UTC.
    let created = w
        .call(
            Method::POST,
            "/api/v1/reports",
            &admin,
            Some(json!({"name": "Morning", "description": "Weekday figures.",
                "schedule": "cron 0 10 * * 1-5", "time_zone": "UTC",
                "email_subject": "Morning report", "email_body": "Attached.",
                "recipients": ["boss@example.org"], "stat_numbers": [10009]})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_u64().unwrap();
    // Not due yet.
    assert_eq!(run_due(&w).await.done, 0);
    w.clock.advance(chrono::Duration::hours(1));
    let report = run_due(&w).await;
    assert_eq!((report.done, report.failed), (1, 0), "{report:?}");

    let message_id = format!("<report.{id}.20260302T100000Z@localhost>");
    let mut tx = w.desk.store().begin_read().await.unwrap();
    let queued = tx.pending_messages(10).await.unwrap();
    drop(tx);
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].message_id.as_deref(), Some(message_id.as_str()));
    assert_eq!(queued[0].to, "boss@example.org");
    assert_eq!(queued[0].attachments.len(), 1);
    assert_eq!(queued[0].attachments[0].content_type, "application/pdf");
    assert!(queued[0].attachments[0].content.starts_with(b"%PDF"));

    // Running the same job again (a retry after a lost lease) sends nothing more.
    let done = report_jobs(&w, vec![JobState::Done]).await;
    assert_eq!(done.len(), 1);
    assert_eq!(
        done[0].unique_key.as_deref(),
        Some(format!("report:{id}:2026-03-02T10:00:00Z").as_str())
    );
    Runner::new(w.state.clone()).run(&done[0]).await.unwrap();
    let mut tx = w.desk.store().begin_read().await.unwrap();
    assert_eq!(tx.pending_messages(10).await.unwrap().len(), 1);
    drop(tx);

    // The next run is Tuesday 10:00, per the cron expression.
    let pending = report_jobs(&w, vec![JobState::Pending]).await;
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(pending[0].run_at.to_rfc3339(), "2026-03-03T10:00:00+00:00");
    assert_eq!(run_due(&w).await.done, 0);

    // The relay gets it with the Message-ID and the PDF.
    let delivered = w.desk.deliver_outbox(w.state.mailer(), 10).await.unwrap();
    assert_eq!(delivered.sent, 1);
    let sent = w.smtp.wait_for("Morning report").await;
    assert!(
        sent.contains(&format!("Message-ID: {message_id}")),
        "{sent}"
    );
    assert!(sent.contains("application/pdf"), "{sent}");
    assert!(sent.contains("Morning_2026-03-02_10-00.pdf"), "{sent}");
}

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

#[tokio::test]
async fn the_report_pages_create_run_and_refuse_agents_outside_stats() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let dave = w.session(Principal::Agent(w.dave)).await;

    let list = w.get("/agent/stats/reports", &admin).await;
    assert_eq!(list.status, 200);
    let html = list.text();
    assert!(
        html.contains("Daily figures") && html.contains("New report"),
        "{html}"
    );

    // Field errors appear at their fields, and nothing is stored.
    let bad = submit(
        &w,
        "/agent/stats/reports/new",
        &admin,
        &[
            ("name", "Monthly <b>"),
            ("description", ""),
            ("schedule", "basic"),
            ("frequency", "monthly"),
            ("day", "31"),
            ("time", "25:00"),
            ("time_zone", "UTC"),
            ("recipients", "nobody"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.text());
    let html = bad.text();
    assert!(html.contains("id=\"err-time\""), "{html}");
    assert!(
        html.contains("Monthly &lt;b&gt;"),
        "the value is kept, escaped"
    );
    assert!(!html.contains("Monthly <b>"));
    let bad = submit(
        &w,
        "/agent/stats/reports/new",
        &admin,
        &[
            ("name", "Monthly"),
            ("description", ""),
            ("schedule", "basic"),
            ("frequency", "monthly"),
            ("day", "31"),
            ("time", "07:30"),
            ("time_zone", "UTC"),
            ("recipients", "nobody"),
        ],
    )
    .await;
    assert_eq!(bad.status, 422);
    let html = bad.text();
    for field in ["description", "schedule", "recipients", "stat_numbers"] {
        assert!(
            html.contains(&format!("id=\"err-{field}\"")),
            "{field}: {html}"
        );
    }
    assert_eq!(w.desk.reports(Principal::SYSTEM).await.unwrap().len(), 1);

    let created = submit(
        &w,
        "/agent/stats/reports/new",
        &admin,
        &[
            ("name", "Monthly"),
            ("description", "Once a month."),
            ("validity", "valid"),
            ("schedule", "basic"),
            ("frequency", "monthly"),
            ("day", "1"),
            ("time", "07:30"),
            ("time_zone", "Europe/Berlin"),
            ("language", "en"),
            ("recipients", "boss@example.org, ann@example.org"),
            ("title", "Monthly figures"),
            ("stat", "10009"),
            ("stat", "10002"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", created.text());
    assert_eq!(created.header("location"), "/agent/stats/reports");
    let reports = w.desk.reports(Principal::SYSTEM).await.unwrap();
    let monthly = reports
        .iter()
        .find(|r| r.settings.name == "Monthly")
        .unwrap();
    assert_eq!(monthly.settings.stat_numbers, [10009, 10002]);
    assert_eq!(
        monthly.settings.recipients,
        ["boss@example.org", "ann@example.org"]
    );
    let html = w.get("/agent/stats/reports", &alice).await.text();
    assert!(html.contains("Monthly on day 1 at 07:30"), "{html}");
    assert!(
        !html.contains("New report"),
        "ro users get no create button"
    );

    // Run now downloads the PDF (a stats user may).
    let run = submit(
        &w,
        &format!("/agent/stats/reports/{}/run", monthly.id),
        &alice,
        &[],
    )
    .await;
    assert_eq!(run.status, 200, "{}", run.text());
    assert_eq!(run.header("content-type"), "application/pdf");
    assert!(run.body.starts_with(b"%PDF"));

    // The edit form is filled in; deleting asks first.
    let edit = w
        .get(&format!("/agent/stats/reports/{}", monthly.id), &admin)
        .await;
    assert!(edit.text().contains("value=\"Monthly figures\""));
    let confirm = w
        .get(
            &format!("/agent/stats/reports/{}/delete", monthly.id),
            &admin,
        )
        .await;
    assert!(confirm.text().contains("Do you really want to delete"));

    // Agents outside the stats group are refused everywhere, and change nothing.
    for path in [
        "/agent/stats/reports".to_owned(),
        "/agent/stats/reports/new".to_owned(),
        format!("/agent/stats/reports/{}", monthly.id),
    ] {
        let r = w.get(&path, &dave).await;
        assert_eq!(r.status, 403, "{path}");
        assert!(!r.text().contains("Monthly"), "{path}");
    }
    for path in ["run", "delete"] {
        let r = submit(
            &w,
            &format!("/agent/stats/reports/{}/{path}", monthly.id),
            &dave,
            &[],
        )
        .await;
        assert_eq!(r.status, 403, "{path}");
    }
    // A stats user (ro) cannot delete either.
    let r = submit(
        &w,
        &format!("/agent/stats/reports/{}/delete", monthly.id),
        &alice,
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(w.desk.reports(Principal::SYSTEM).await.unwrap().len(), 2);

    let deleted = submit(
        &w,
        &format!("/agent/stats/reports/{}/delete", monthly.id),
        &admin,
        &[],
    )
    .await;
    assert_eq!(deleted.status, 303);
    assert_eq!(w.desk.reports(Principal::SYSTEM).await.unwrap().len(), 1);
}
