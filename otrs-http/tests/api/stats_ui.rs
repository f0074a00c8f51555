//! The statistics pages of the agent interface over HTTP: who sees the dashboard and its menu
//! entry, running on screen with the table and the SVG chart, run-time changes, downloads, the
//! preview, and the create form's field errors.

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;

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
    let mut builder = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    if let Some(cookie) = &caller.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    w.send(builder.body(Body::from(encode(&all))).unwrap())
        .await
}

async fn page(w: &World, path: &str, caller: &Caller) -> Resp {
    let mut builder = Request::builder().method(Method::GET).uri(path);
    if let Some(cookie) = &caller.cookie {
        builder = builder.header(header::COOKIE, cookie);
    }
    w.send(builder.body(Body::empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_is_for_the_stats_group_only() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;

    // The menu entry: only for agents in the stats group.
    assert!(
        page(&w, "/agent", &alice)
            .await
            .text()
            .contains("href=\"/agent/stats\"")
    );
    assert!(
        !page(&w, "/agent", &erin)
            .await
            .text()
            .contains("href=\"/agent/stats\"")
    );
    // The routes refuse others.
    let refused = page(&w, "/agent/stats", &erin).await;
    assert_eq!(refused.status, 403);
    assert_eq!(page(&w, "/agent/stats/10009/run", &erin).await.status, 403);
    assert_eq!(
        page(&w, "/agent/stats/10009/export", &erin).await.status,
        403
    );

    // alice (ro) sees the three widgets with run and export but no edit or delete.
    let html = page(&w, "/agent/stats", &alice).await;
    assert_eq!(html.status, 200);
    let text = html.text();
    assert!(text.contains("Report List"));
    assert!(text.contains("href=\"/agent/stats/reports\""));
    assert!(text.contains("Metrics (2 Statistics)"), "{text}");
    assert!(text.contains("Lists (8 Statistics)"));
    assert!(text.contains("Static (1 Statistic)"));
    assert!(text.contains("href=\"/agent/stats/10009/run\""));
    assert!(text.contains("href=\"/agent/stats/10009/export\""));
    assert!(!text.contains("/agent/stats/10009/delete"));
    assert!(!text.contains("Import"));
    // The admin (rw) also gets edit, delete with a confirmation, new and import.
    let text = page(&w, "/agent/stats", &admin).await.text();
    assert!(text.contains("action=\"/agent/stats/10009/delete\""));
    assert!(text.contains("data-confirm=\"Delete statistic 10009"));
    assert!(text.contains("href=\"/agent/stats/new?type=Matrix\""));
    assert!(text.contains("action=\"/agent/stats/import\" enctype=\"multipart/form-data\""));
    // ro agents cannot open the editor or delete.
    assert_eq!(page(&w, "/agent/stats/new", &alice).await.status, 403);
    let deleted = submit(&w, "/agent/stats/10009/delete", &alice, &[]).await;
    assert_eq!(deleted.status, 403);
    assert_eq!(w.desk.stats(Principal::SYSTEM).await.unwrap().len(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn running_on_screen_shows_the_table_and_the_chart() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    // The form: formats and the elements that allow changes, prefilled.
    let form = page(&w, "/agent/stats/10009/run", &alice).await.text();
    assert!(form.contains("Run Statistic"));
    assert!(form.contains("name=\"set.queue\""));
    assert!(form.contains("name=\"set.state\""));
    assert!(!form.contains("stats-chart"));

    let run = page(
        &w,
        "/agent/stats/10009/run?run=1&format=table&set.queue=Support&set.state=",
        &alice,
    )
    .await;
    assert_eq!(run.status, 200, "{}", run.text());
    let text = run.text();
    assert!(text.contains("<table class=\"list stats-table\""));
    assert!(text.contains("<td>Support</td>"));
    assert!(text.contains("<tfoot>"));
    assert!(text.contains("<svg"));
    assert!(text.contains("role=\"img\""));
    assert!(text.contains(
        "<title id=\"chart-title-10009\">Overview about all tickets in the system</title>"
    ));
    assert!(text.contains("<rect class=\"bar\""));
    // The changed value stays in the form.
    assert!(text.contains("value=\"Support\""));

    // A bad value is shown in place.
    let bad = page(
        &w,
        "/agent/stats/10009/run?run=1&format=table&set.queue=Nope",
        &alice,
    )
    .await;
    assert_eq!(bad.status, 422);
    assert!(bad.text().contains("no queue is named"));

    // Downloads in the other formats.
    let csv = page(&w, "/agent/stats/10009/run?run=1&format=csv", &alice).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(
        csv.header("content-disposition")
            .contains("statistic-10009.csv")
    );
    let xlsx = page(&w, "/agent/stats/10009/run?run=1&format=xlsx", &alice).await;
    assert!(xlsx.body.starts_with(b"PK"));
    // A list statistic has a table and no chart.
    let list = page(&w, "/agent/stats/10005/run?run=1&format=table", &alice).await;
    assert_eq!(list.status, 200);
    assert!(list.text().contains("No chart"));
    // Export downloads the XML.
    let xml = page(&w, "/agent/stats/10009/export", &alice).await;
    assert!(xml.text().starts_with("<?xml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_editor_previews_creates_with_field_errors_and_imports() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let form = page(&w, "/agent/stats/new?type=Matrix", &admin)
        .await
        .text();
    assert!(form.contains("data-stats-preview=\"/agent/stats/preview\""));
    assert!(form.contains("name=\"y2_element\""));
    assert!(form.contains("id=\"stats-preview\""));

    let fields = [
        ("type", "Matrix"),
        ("title", "Queues by priority"),
        ("description", "Two Y elements."),
        ("permission_groups", "stats"),
        ("formats", "table"),
        ("formats", "csv"),
        ("time_zone", "Europe/Berlin"),
        ("sum_row", "1"),
        ("sum_column", "1"),
        ("valid", "1"),
        ("x_element", "state"),
        ("x_values", ""),
        ("x_allow", "1"),
        ("y0_element", "queue"),
        ("y0_values", "Support,Misc"),
        ("y1_element", "priority"),
        ("y1_values", "3 normal,4 high"),
        ("y1_allow", "1"),
    ];
    // The script's preview route answers a fragment with the table and chart.
    let preview = submit(&w, "/agent/stats/preview", &admin, &fields).await;
    assert_eq!(preview.status, 200, "{}", preview.text());
    let text = preview.text();
    assert!(text.starts_with("<div class=\"stats-result\">"), "{text}");
    assert!(text.contains("<th scope=\"col\">Priority</th>"));
    assert!(text.contains("<svg"));
    // Without the script the Preview button renders the page with the same preview.
    let mut with_button = fields.to_vec();
    with_button.push(("preview", "1"));
    let page_preview = submit(&w, "/agent/stats/new", &admin, &with_button).await;
    assert_eq!(page_preview.status, 200);
    assert!(page_preview.text().contains("<td>Support</td>"));
    assert_eq!(w.desk.stats(Principal::SYSTEM).await.unwrap().len(), 11);

    // Field errors in place, nothing stored.
    let mut bad = fields.to_vec();
    bad[1] = ("title", " ");
    bad[15] = ("y1_element", "queue");
    bad.push(("f0_element", "created"));
    bad.push(("f0_values", "last:3:moon"));
    let answer = submit(&w, "/agent/stats/new", &admin, &bad).await;
    assert_eq!(answer.status, 422);
    let text = answer.text();
    assert!(text.contains("id=\"err-title\""), "{text}");
    assert!(text.contains("id=\"err-y1\""));
    assert!(text.contains("id=\"err-f0\""));
    assert!(text.contains("not a unit"));
    assert!(text.contains("value=\"Support,Misc\""));
    assert_eq!(w.desk.stats(Principal::SYSTEM).await.unwrap().len(), 11);

    // Saved: a new number, and the editor shows it again.
    let saved = submit(&w, "/agent/stats/new", &admin, &fields).await;
    assert_eq!(saved.status, 303, "{}", saved.text());
    assert_eq!(saved.header("location"), "/agent/stats/10012/edit?saved=1");
    let stat = w.desk.stat(Principal::SYSTEM, 10012).await.unwrap();
    assert_eq!(stat.settings.title, "Queues by priority");
    let edit = page(&w, "/agent/stats/10012/edit", &admin).await.text();
    assert!(edit.contains("value=\"3 normal,4 high\""));

    // Import the export: a new statistic opened for editing; delete it again.
    let xml = w.desk.export_stat(Principal::SYSTEM, 10012).await.unwrap();
    let boundary = "statsui-boundary";
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"10012.xml\"\r\n\
         Content-Type: application/xml\r\n\r\n{xml}\r\n--{boundary}--\r\n",
        admin.csrf.clone().unwrap()
    );
    let request = Request::builder()
        .method(Method::POST)
        .uri("/agent/stats/import")
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header(header::COOKIE, admin.cookie.clone().unwrap())
        .body(Body::from(body))
        .unwrap();
    let imported = w.send(request).await;
    assert_eq!(imported.status, 303);
    assert_eq!(
        imported.header("location"),
        "/agent/stats/10013/edit?imported=1"
    );
    let deleted = submit(&w, "/agent/stats/10013/delete", &admin, &[]).await;
    assert_eq!(deleted.status, 303);
    assert!(w.desk.stat(Principal::SYSTEM, 10013).await.is_err());
}
