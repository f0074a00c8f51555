//! The agent interface in a real headless Chromium (Debian's `chromium` and `chromium-driver`)
//! through WebDriver: sign-in with TOTP, the dashboard, sorting, filtering and a preset, pulse
//! mode picking up a change made through the API, a bulk action that locks and continues,
//! changes priority and merges, a CSV export download, and the phone-width layout. Each step
//! checks what the page shows and what the store holds, and saves a screenshot.
//!
//! Without `chromedriver` and `chromium` the test prints a loud skip line (and fails under
//! `OTRS_TEST_REQUIRE_ALL=1`).

use std::time::Duration;

use fantoccini::Locator;
use otrs_core::Principal;
use otrs_core::model::Priority;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::harness::{
    browser, serve, shot, sign_in, start_driver, tempfile_dir, text_of, tools, wait_source,
    wait_url,
};
use crate::support::{PASSWORD, World};

/// A PATCH through the JSON API over TCP with Alice's token.
async fn api_patch(base: &str, token: &str, path: &str, body: &serde_json::Value) -> String {
    let body = body.to_string();
    let mut s = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    let req = format!(
        "PATCH {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_works_through_the_interface_in_chromium() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let w = World::new().await;
    // Alice signs in with a TOTP second factor.
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    let now = u64::try_from(w.desk.now().timestamp()).unwrap();
    w.desk
        .enable_totp(Principal::Agent(w.alice), secret, |s| {
            otrs_http::crypto::totp_step(s, &otrs_http::crypto::totp_code(s, now).unwrap(), now)
        })
        .await
        .unwrap();
    w.clock.advance(chrono::Duration::seconds(60));
    let base = serve(w.state.clone()).await;
    let downloads = tempfile_dir();
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &downloads).await;

    // --- sign in with TOTP ---
    c.goto(&format!("{base}/agent")).await.unwrap();
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .ends_with("/agent/login")
    );
    c.find(Locator::Id("login"))
        .await
        .unwrap()
        .send_keys("alice")
        .await
        .unwrap();
    c.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "second-factor").await;
    let url = c.current_url().await.unwrap();
    assert!(
        url.path().ends_with("/login/second-factor"),
        "{url}: {}",
        c.source().await.unwrap()
    );
    let now = u64::try_from(w.desk.now().timestamp()).unwrap();
    let code = otrs_http::crypto::totp_code(secret, now).unwrap();
    c.find(Locator::Id("code"))
        .await
        .unwrap()
        .send_keys(&code)
        .await
        .unwrap();
    c.find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // --- dashboard ---
    wait_source(&c, 5, |h| h.contains("Queue Metric")).await;
    assert_eq!(c.current_url().await.unwrap().path(), "/agent");
    let metric = text_of(&c, "#widget-1").await;
    assert!(
        metric.contains("Queue Metric") && metric.contains("Support"),
        "{metric}"
    );
    assert!(text_of(&c, "#widget-2").await.contains("Escalations ("));
    shot(&c, "dashboard.png").await;

    // --- a list: sort by a header click, filter, save a preset ---
    w.desk
        .update_ticket(
            Principal::SYSTEM,
            w.ticket3,
            otrs_core::desk::TicketUpdate {
                priority: Priority::new(5),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    c.goto(&format!("{base}/agent/tickets/list/4"))
        .await
        .unwrap();
    c.find(Locator::LinkText("Priority"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "sort=priority").await;
    c.find(Locator::LinkText("Priority ▲"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "sort=-priority").await;
    let first = text_of(&c, "table.list tbody tr:first-child").await;
    assert!(
        first.contains("Mail slow"),
        "highest priority first: {first}"
    );
    c.find(Locator::Css("details.filters summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Id("f-title"))
        .await
        .unwrap()
        .send_keys("vpn")
        .await
        .unwrap();
    c.find(Locator::Css("details.filters form button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "title=vpn").await;
    let rows = c
        .find_all(Locator::Css("table.list tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert!(rows[0].text().await.unwrap().contains("VPN down"));
    c.find(Locator::Id("preset-name"))
        .await
        .unwrap()
        .send_keys("VPN only")
        .await
        .unwrap();
    c.find(Locator::Css("button[name=action][value=save]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "preset=VPN+only").await;
    let stored = w.desk.agent(Principal::SYSTEM, w.alice).await.unwrap();
    assert!(stored.preferences["ui.presets"].contains("VPN only"));
    shot(&c, "ticket-list.png").await;

    // --- pulse mode: a change through the API shows up in place ---
    c.goto(&format!("{base}/agent/tickets/list/4"))
        .await
        .unwrap();
    let toggle = c
        .wait()
        .for_element(Locator::Id("pulse-toggle"))
        .await
        .unwrap();
    toggle.click().await.unwrap();
    assert_eq!(
        toggle.attr("aria-pressed").await.unwrap().as_deref(),
        Some("true")
    );
    // Give the event stream time to connect and take its first look.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let answer = api_patch(
        &base,
        &w.token_secret,
        &format!("/api/v1/tickets/{}", w.ticket2.0),
        &json!({ "title": "VPN down again" }),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let html = wait_source(&c, 8, |h| h.contains("VPN down again")).await;
    if !html.contains("VPN down again") {
        let state = c
            .execute(
                "return [localStorage.getItem('otrs.pulse'), document.getElementById('new-data').hidden, document.querySelectorAll('tr[data-id]').length, performance.getEntriesByType('resource').map(function(e){return e.name + ' ' + e.responseStatus;})]",
                vec![],
            )
            .await
            .unwrap();
        panic!("pulse mode did not update the row: {state}");
    }
    let row = c
        .find(Locator::Css(&format!("tr[data-id=\"{}\"]", w.ticket2.0)))
        .await
        .unwrap();
    assert!(
        row.attr("class")
            .await
            .unwrap()
            .unwrap_or_default()
            .contains("flash")
    );
    shot(&c, "pulse.png").await;

    // A row that no longer matches turns red and leaves (Open Tickets, a ticket closed).
    c.goto(&format!("{base}/agent/tickets/list/1"))
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Id("pulse-toggle"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let answer = api_patch(
        &base,
        &w.token_secret,
        &format!("/api/v1/tickets/{}", w.ticket.0),
        &json!({ "state": "closed successful" }),
    )
    .await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let row = format!("tr[data-id=\"{}\"]", w.ticket.0);
    let html = wait_source(&c, 8, |h| h.contains("leaving\"")).await;
    assert!(
        html.contains("leaving\""),
        "the closed ticket's row did not turn red"
    );
    shot(&c, "pulse-leaving.png").await;
    let gone = wait_source(&c, 8, |h| {
        !h.contains(&format!("data-id=\"{}\"", w.ticket.0))
    })
    .await;
    assert!(
        !gone.contains(&format!("data-id=\"{}\"", w.ticket.0)),
        "the row stayed"
    );
    assert!(c.find(Locator::Css(&row)).await.is_err());
    assert_eq!(text_of(&c, "#total-count").await, "2");

    // Default mode: a notice instead.
    c.find(Locator::Id("pulse-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    c.refresh().await.unwrap();
    c.wait()
        .for_element(Locator::Id("pulse-toggle"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    api_patch(
        &base,
        &w.token_secret,
        &format!("/api/v1/tickets/{}", w.ticket3.0),
        &json!({ "title": "Mail slow today" }),
    )
    .await;
    let notice = c.find(Locator::Id("new-data")).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
    while notice.attr("hidden").await.unwrap().is_some() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    assert!(
        notice.attr("hidden").await.unwrap().is_none(),
        "no new-data notice"
    );
    assert!(
        !c.source().await.unwrap().contains("Mail slow today"),
        "default mode changed rows"
    );

    // The organizer's hover preview.
    c.execute(
        "document.querySelector('.organizer a[data-preview]').dispatchEvent(new MouseEvent('mouseenter'))",
        vec![],
    )
    .await
    .unwrap();
    let html = wait_source(&c, 5, |h| {
        h.contains("class=\"preview\"") && h.contains("total)")
    })
    .await;
    assert!(html.contains("class=\"preview\""), "no preview");
    shot(&c, "organizer-preview.png").await;

    // --- bulk: lock and continue, change priority, merge to the oldest ---
    c.goto(&format!("{base}/agent/tickets/list/4?sort=created"))
        .await
        .unwrap();
    for id in [w.ticket2, w.ticket3] {
        c.find(Locator::Css(&format!(
            "input[name=ids][value=\"{}\"]",
            id.0
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    }
    assert_eq!(text_of(&c, "#selected-count").await, "2 selected");
    c.find(Locator::Css("button[formaction=\"/agent/tickets/bulk\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "/agent/tickets/bulk").await;
    let confirm = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        confirm.contains("By clicking Lock and Continue, 2 tickets will be locked to you."),
        "{confirm}"
    );
    shot(&c, "bulk-lock.png").await;
    c.find(Locator::Css("button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "confirm=1").await;
    c.find(Locator::Css("#b-priority option[value=\"4\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("input[name=merge][value=oldest]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_source(&c, 5, |h| h.contains("tickets done.")).await;
    let report = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(report.contains("2 of 2 tickets done."), "{report}");
    shot(&c, "bulk-report.png").await;
    let t2 = w.desk.ticket(Principal::SYSTEM, w.ticket2).await.unwrap();
    let t3 = w.desk.ticket(Principal::SYSTEM, w.ticket3).await.unwrap();
    assert_eq!(t2.priority, Priority::new(4).unwrap());
    let states = w.desk.states(Principal::SYSTEM).await.unwrap();
    let name = |id| states.iter().find(|s| s.id == id).unwrap().name.clone();
    assert_eq!(
        name(t3.state_id),
        "merged",
        "the younger ticket was merged into the older"
    );
    assert_eq!(
        t2.lock,
        otrs_core::model::LockState::Unlocked,
        "unlocked after bulk execute"
    );

    // --- export the selected rows to CSV ---
    c.goto(&format!("{base}/agent/tickets/list/4"))
        .await
        .unwrap();
    c.find(Locator::Css(&format!(
        "input[name=ids][value=\"{}\"]",
        w.ticket.0
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.find(Locator::Css("button[formaction=\"/agent/tickets/export\"]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "/agent/tickets/export").await;
    shot(&c, "export.png").await;
    c.find(Locator::Css("input[name=format][value=csv]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::Css("form.stack button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut csv = None;
    for _ in 0..100 {
        if let Some(entry) = std::fs::read_dir(&downloads)
            .unwrap()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".csv"))
        {
            csv = Some(std::fs::read_to_string(entry.path()).unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let csv = csv.expect("a downloaded CSV file");
    assert!(csv.starts_with('\u{feff}'));
    assert!(
        csv.contains("Printer offline") && !csv.contains("VPN"),
        "{csv}"
    );

    // --- create a phone ticket for Lacey, then add a note from the Actions menu ---
    c.goto(&format!("{base}/agent/tickets/new/phone"))
        .await
        .unwrap();
    for (css, text) in [
        ("#customer_user", "lacey"),
        ("#subject", "Łódź keyboard"),
        ("#body", "Lacey called about her keyboard."),
    ] {
        c.find(Locator::Css(css))
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    c.find(Locator::Css("#queue"))
        .await
        .unwrap()
        .select_by_value(&w.support.0.to_string())
        .await
        .unwrap();
    c.find(Locator::Css("form.create button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let html = wait_source(&c, 10, |s| s.contains("Lacey called about her keyboard.")).await;
    assert!(html.contains("Łódź keyboard"));
    let url = c.current_url().await.unwrap();
    let id: u64 = url.path().rsplit('/').next().unwrap().parse().unwrap();
    let created = w
        .desk
        .ticket(Principal::SYSTEM, otrs_core::ids::TicketId(id))
        .await
        .unwrap();
    assert_eq!(created.customer_user_id, Some(w.lacey));
    c.goto(&format!("{base}/agent/tickets/{id}/actions/note"))
        .await
        .unwrap();
    c.find(Locator::Css("#body"))
        .await
        .unwrap()
        .send_keys("Sent a replacement.")
        .await
        .unwrap();
    c.find(Locator::Css(".action-panel button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_source(&c, 10, |s| s.contains("Sent a replacement.")).await;
    shot(&c, "ticket-with-note.png").await;
    let articles = w
        .desk
        .articles(Principal::SYSTEM, created.id)
        .await
        .unwrap();
    assert_eq!(articles.len(), 2);
    assert_eq!(articles[1].body, "Sent a replacement.");

    // --- phone width: one column, organizer hidden, widgets in their configured order ---
    c.goto(&format!("{base}/agent")).await.unwrap();
    c.find(Locator::Css("button[name='layout'][value='2']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_source(&c, 10, |s| s.contains("class=\"grid cols-2\"")).await;
    // The widgets' configured places (their at-N classes) in page order, and as seen top to
    // bottom with the number of distinct columns.
    const PAGE_ORDER: &str = "return [...document.querySelectorAll('.grid > .column > .widget')]
        .map(w => +[...w.classList].find(c => c.startsWith('at-')).slice(3));";
    const SCREEN_ORDER: &str = "const ws = [...document.querySelectorAll('.grid > .column > .widget')]
        .map(w => { const r = w.getBoundingClientRect();
            return [r.top, r.left, +[...w.classList].find(c => c.startsWith('at-')).slice(3)]; });
        return [ws.sort((a, b) => a[0] - b[0] || a[1] - b[1]).map(w => w[2]), new Set(ws.map(w => w[1])).size];";
    let page: Vec<u64> =
        serde_json::from_value(c.execute(PAGE_ORDER, vec![]).await.unwrap()).unwrap();
    let configured: Vec<u64> = (1..=page.len() as u64).collect();
    assert!(
        page.len() >= 3,
        "the dashboard shows at least three widgets: {page:?}"
    );
    assert_ne!(
        page, configured,
        "two columns hold the widgets round robin, so the page order differs"
    );
    let (_, wide_columns): (Vec<u64>, usize) =
        serde_json::from_value(c.execute(SCREEN_ORDER, vec![]).await.unwrap()).unwrap();
    assert_eq!(wide_columns, 2, "two columns side by side on a wide screen");
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&format!("{base}/agent")).await.unwrap();
    let (narrow, narrow_columns): (Vec<u64>, usize) =
        serde_json::from_value(c.execute(SCREEN_ORDER, vec![]).await.unwrap()).unwrap();
    assert_eq!(narrow_columns, 1, "one column on a phone");
    assert_eq!(
        narrow, configured,
        "the phone shows the widgets in their configured order"
    );
    let display = c
        .execute(
            "return getComputedStyle(document.querySelector('.organizer')).display",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(display, json!("none"));
    let columns = c
        .execute("return getComputedStyle(document.querySelector('.grid')).gridTemplateColumns.split(' ').length", vec![])
        .await
        .unwrap();
    assert_eq!(columns, json!(1));
    shot(&c, "phone.png").await;
    c.close().await.unwrap();
}

// --- statsui
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistics_dashboard_runs_10009_on_screen_in_chromium() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let w = World::new().await;
    let base = serve(w.state.clone()).await;
    let downloads = tempfile_dir();
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &downloads).await;
    c.set_window_size(1280, 1100).await.unwrap();

    // alice (ro on stats) signs in; the main menu leads to the statistics.
    sign_in(&c, &base, "alice", PASSWORD).await;
    wait_source(&c, 5, |h| h.contains("href=\"/agent/stats\"")).await;
    c.goto(&format!("{base}/agent/stats")).await.unwrap();
    let metrics = text_of(&c, "#widget-matrix").await;
    assert!(metrics.contains("Metrics (2 Statistics)"), "{metrics}");
    assert!(text_of(&c, "#report-list").await.contains("Report List"));

    // Run 10009 on screen.
    c.find(Locator::Css("a[href='/agent/stats/10009/run']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_source(&c, 5, |h| h.contains("Run Statistic")).await;
    c.find(Locator::Css("form.stats-run button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_source(&c, 5, |h| h.contains("stats-chart")).await;
    let table = text_of(&c, "table.stats-table").await;
    assert!(
        table.contains("Support") && table.contains("Sum"),
        "{table}"
    );
    let bars = c
        .execute(
            "return document.querySelectorAll('.stats-chart svg rect.bar').length",
            vec![],
        )
        .await
        .unwrap();
    assert!(bars.as_u64().unwrap() > 0, "{bars}");
    let shown = c
        .execute(
            "var r = document.querySelector('.stats-chart svg').getBoundingClientRect(); return r.width > 300 && r.height > 100",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, json!(true));
    c.execute(
        "document.getElementById('stats-result').scrollIntoView()",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "stats.png").await;
    c.close().await.unwrap();
}

// --- statsui: the editor's live preview (the app script posts the form and swaps the table in).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_statistic_editor_previews_live_in_chromium() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let w = World::new().await;
    let base = serve(w.state.clone()).await;
    let downloads = tempfile_dir();
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &downloads).await;
    c.set_window_size(1280, 1400).await.unwrap();
    sign_in(&c, &base, "admin", PASSWORD).await;
    wait_source(&c, 5, |h| h.contains("href=\"/agent/stats\"")).await;
    c.goto(&format!("{base}/agent/stats/new?type=Matrix"))
        .await
        .unwrap();
    // The script previews the defaults (state × queue) without a click.
    wait_source(&c, 5, |h| h.contains("stats-table")).await;
    // A second Y element: the preview follows.
    c.find(Locator::Css("select#y1_element option[value='priority']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let html = wait_source(&c, 5, |h| h.contains("<th scope=\"col\">Priority</th>")).await;
    let preview = c
        .execute(
            "return document.getElementById('stats-preview').innerHTML",
            vec![],
        )
        .await
        .unwrap();
    assert!(html.contains("stats-chart"), "{preview}");
    shot(&c, "stats-editor.png").await;
    c.close().await.unwrap();
}
