//! The Calendar Overview in headless Chromium: Alice adds a weekly repeating appointment
//! through the editor, edits one occurrence ("Just This Occurrence", which the series then
//! skips while the changed occurrence shows), and then all occurrences. Each step checks what
//! the page shows and what the desk's occurrences hold, and saves a screenshot
//! (`calendar-*.png`; `calendar.png` is the one in docs/screenshots).
//!
//! Without `chromedriver` and `chromium` the test prints a loud skip line (and fails under
//! `OTRS_TEST_REQUIRE_ALL=1`).

use chrono::{DateTime, Utc};
use fantoccini::{Client, Locator};
use otrs_core::Principal;
use otrs_core::desk::AppointmentOccurrence;

use crate::harness::{
    browser, serve, shot, sign_in, start_driver, tempfile_dir, tools, wait_source, wait_url,
};
use crate::support::{PASSWORD, World};

fn utc(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

/// The occurrences of March and April 2026 as "start-in-UTC title" lines.
async fn stored(w: &World) -> Vec<String> {
    let found: Vec<AppointmentOccurrence> = w
        .desk
        .occurrences(
            Principal::Agent(w.alice),
            utc("2026-03-01T00:00:00Z"),
            utc("2026-05-01T00:00:00Z"),
            Some(w.calendar),
        )
        .await
        .unwrap();
    found
        .iter()
        .filter(|o| o.appointment.title != "Printer maintenance")
        .map(|o| {
            format!(
                "{} {}",
                o.start.format("%Y-%m-%dT%H:%M"),
                o.appointment.title
            )
        })
        .collect()
}

async fn set_value(c: &Client, id: &str, value: &str) {
    c.execute(
        "var e = document.getElementById(arguments[0]); e.value = arguments[1]; e.dispatchEvent(new Event('change', {bubbles: true}));",
        vec![id.into(), value.into()],
    )
    .await
    .unwrap();
}

async fn fill(c: &Client, id: &str, text: &str) {
    let field = c.find(Locator::Id(id)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn select(c: &Client, id: &str, value: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn main_text(c: &Client) -> String {
    c.find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The text of the appointment chips of one day (`td[data-date]` of a grid or timeline), as
/// in the document (a narrow column clips what it shows).
async fn chips_on(c: &Client, date: &str) -> Vec<String> {
    let mut out = Vec::new();
    for td in c
        .find_all(Locator::Css(&format!("td[data-date=\"{date}\"] a.appt")))
        .await
        .unwrap()
    {
        out.push(td.prop("textContent").await.unwrap().unwrap_or_default());
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_adds_a_weekly_series_then_edits_one_occurrence_and_then_all() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let w = World::new().await;
    let base = serve(w.state.clone()).await;
    let downloads = tempfile_dir();
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &downloads).await;
    sign_in(&c, &base, "alice", PASSWORD).await;

    // --- the main menu leads to the overview ---
    c.find(Locator::Css("details.menu summary[aria-label='Main menu']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.find(Locator::LinkText("Calendar"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "/agent/calendar").await;
    let text = main_text(&c).await;
    assert!(text.contains("March 2026"), "{text}");
    assert!(text.contains("Support rota"), "the sidebar: {text}");
    assert!(text.contains("Printer maintenance"), "{text}");

    // --- add a weekly series through the editor ---
    c.find(Locator::LinkText("+ Add Appointment"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "/agent/calendar/appointments/new").await;
    select(&c, "calendar", &w.calendar.0.to_string()).await;
    fill(&c, "title", "Team standup").await;
    fill(&c, "location", "Room 4, Budapest").await;
    set_value(&c, "start", "2026-03-03T09:00").await;
    set_value(&c, "end", "2026-03-03T09:30").await;
    select(&c, "time_zone", "Europe/Budapest").await;
    select(&c, "repeat", "weekly").await;
    select(&c, "limit", "count").await;
    fill(&c, "count", "6").await;
    select(&c, "notify", "15").await;
    shot(&c, "calendar-add.png").await;
    c.find(Locator::Css("form.appointment button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "done=saved").await;
    let html = wait_source(&c, 5, |h| h.contains("Team standup")).await;
    assert!(html.contains("The appointment was saved."), "{html}");
    // Budapest 09:00 is 08:00 UTC in winter and 07:00 UTC from 29 March (the agent's zone is
    // UTC): the wall-clock time is kept across the DST change.
    let series = [
        "2026-03-03T08:00 Team standup",
        "2026-03-10T08:00 Team standup",
        "2026-03-17T08:00 Team standup",
        "2026-03-24T08:00 Team standup",
        "2026-03-31T07:00 Team standup",
        "2026-04-07T07:00 Team standup",
    ];
    assert_eq!(stored(&w).await, series);
    let chips = chips_on(&c, "2026-03-03").await;
    assert!(
        chips
            .iter()
            .any(|t| t.contains("08:00") && t.contains("Team standup") && t.contains('∞')),
        "the first occurrence carries the parent symbol: {chips:?}"
    );
    let tip = c
        .find(Locator::Css(
            "td[data-date=\"2026-03-03\"] a.appt[title*='Team standup']",
        ))
        .await
        .unwrap()
        .attr("title")
        .await
        .unwrap()
        .unwrap();
    assert!(tip.contains("repeats every week; 6 times"), "{tip}");
    assert!(tip.contains("Location: Room 4, Budapest"), "{tip}");

    c.goto(&format!("{base}/agent/calendar?view=month&date=2026-03-01"))
        .await
        .unwrap();
    let html = wait_source(&c, 5, |h| h.contains("Team standup")).await;
    assert_eq!(
        html.matches(">Team standup<").count(),
        5,
        "five in the March grid"
    );
    assert!(
        chips_on(&c, "2026-03-10").await[0].contains('⛓'),
        "a child carries the chain"
    );
    shot(&c, "calendar.png").await;

    // --- edit just one occurrence ---
    c.goto(&format!("{base}/agent/calendar?view=week&date=2026-03-10"))
        .await
        .unwrap();
    c.find(Locator::Css("td[data-date=\"2026-03-10\"] a.appt"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "occurrence=20260310T080000Z").await;
    let text = main_text(&c).await;
    assert!(
        text.contains("Would you like to edit just this occurrence or all occurrences?"),
        "{text}"
    );
    shot(&c, "calendar-scope.png").await;
    c.find(Locator::Id("just-this"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "scope=occurrence").await;
    let start = c
        .find(Locator::Id("start"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(start, "2026-03-10T09:00", "the occurrence's own start");
    assert!(
        c.find(Locator::Id("repeat")).await.is_err(),
        "no repeat settings for one occurrence"
    );
    fill(&c, "title", "Standup moved").await;
    set_value(&c, "start", "2026-03-10T11:00").await;
    set_value(&c, "end", "2026-03-10T11:30").await;
    c.find(Locator::Css("form.appointment button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "done=saved").await;
    wait_source(&c, 5, |h| h.contains("Standup moved")).await;
    let chips = chips_on(&c, "2026-03-10").await;
    assert_eq!(
        chips.len(),
        1,
        "the series skips the changed occurrence: {chips:?}"
    );
    assert!(
        chips[0].contains("10:00") && chips[0].contains("Standup moved") && chips[0].contains('⛓'),
        "{chips:?}"
    );
    let mut expected: Vec<String> = series.iter().map(|s| (*s).to_owned()).collect();
    expected[1] = "2026-03-10T10:00 Standup moved".into();
    assert_eq!(stored(&w).await, expected);
    shot(&c, "calendar-occurrence.png").await;

    // --- edit all occurrences ---
    c.goto(&format!("{base}/agent/calendar?view=week&date=2026-03-17"))
        .await
        .unwrap();
    c.find(Locator::Css("td[data-date=\"2026-03-17\"] a.appt"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "occurrence=20260317T080000Z").await;
    c.find(Locator::Id("all-occurrences"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "scope=all").await;
    let start = c
        .find(Locator::Id("start"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(start, "2026-03-03T09:00", "the series' first start");
    let count = c
        .find(Locator::Id("count"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(count, "6");
    fill(&c, "title", "Weekly sync").await;
    fill(&c, "location", "Room 5").await;
    c.find(Locator::Css("form.appointment button.primary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "done=saved").await;
    // Every occurrence of the series changed; the changed occurrence keeps its own changes.
    let mut expected: Vec<String> = series
        .iter()
        .map(|s| s.replace("Team standup", "Weekly sync"))
        .collect();
    expected[1] = "2026-03-10T10:00 Standup moved".into();
    assert_eq!(stored(&w).await, expected);
    let series_row = w
        .desk
        .occurrences(
            Principal::Agent(w.alice),
            utc("2026-03-17T00:00:00Z"),
            utc("2026-03-18T00:00:00Z"),
            Some(w.calendar),
        )
        .await
        .unwrap()
        .remove(0)
        .appointment;
    assert_eq!(series_row.location, "Room 5");
    assert_eq!(series_row.rrule.as_deref(), Some("FREQ=WEEKLY;COUNT=6"));
    c.goto(&format!("{base}/agent/calendar?view=month&date=2026-03-01"))
        .await
        .unwrap();
    let html = wait_source(&c, 5, |h| h.contains("Weekly sync")).await;
    assert_eq!(html.matches(">Weekly sync<").count(), 4);
    assert!(!html.contains("Team standup"));
    assert!(chips_on(&c, "2026-03-10").await[0].contains("Standup moved"));
    shot(&c, "calendar-all.png").await;

    // --- the script: drag an occurrence to another day and hour (just this occurrence) ---
    c.goto(&format!("{base}/agent/calendar?view=week&date=2026-03-23"))
        .await
        .unwrap();
    wait_source(&c, 5, |h| h.contains("Weekly sync")).await;
    c.execute(
        r#"
        var chip = document.querySelector('td[data-date="2026-03-24"] a.appt');
        var slot = document.querySelector('td.slot[data-date="2026-03-26"][data-hour="13"]');
        var dt = new DataTransfer();
        chip.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
        slot.dispatchEvent(new DragEvent('dragenter', {bubbles: true, dataTransfer: dt}));
        slot.dispatchEvent(new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt}));
        slot.dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
        "#,
        vec![],
    )
    .await
    .unwrap();
    let choice = c
        .wait()
        .for_element(Locator::Css("dialog.cal-dialog button[value=occurrence]"))
        .await
        .unwrap();
    shot(&c, "calendar-move.png").await;
    choice.click().await.unwrap();
    let html = wait_source(&c, 8, |h| {
        h.contains("data-occurrence=\"20260326T130000Z\"")
    })
    .await;
    assert!(
        html.contains("data-occurrence=\"20260326T130000Z\""),
        "moved on the page"
    );
    let now = stored(&w).await;
    assert!(
        now.contains(&"2026-03-26T13:00 Weekly sync".to_owned()),
        "{now:?}"
    );
    assert!(!now.iter().any(|s| s.starts_with("2026-03-24")), "{now:?}");
    assert_eq!(now.len(), 6);

    // --- the script: drag over 14:00–15:59 of a day to add an appointment there ---
    c.execute(
        r#"
        var from = document.querySelector('td.slot[data-date="2026-03-25"][data-hour="14"]');
        var to = document.querySelector('td.slot[data-date="2026-03-25"][data-hour="15"]');
        from.dispatchEvent(new MouseEvent('mousedown', {bubbles: true, cancelable: true, button: 0}));
        to.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
        to.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
        "#,
        vec![],
    )
    .await
    .unwrap();
    wait_url(&c, "/agent/calendar/appointments/new").await;
    for (id, value) in [("start", "2026-03-25T14:00"), ("end", "2026-03-25T16:00")] {
        let got = c
            .find(Locator::Id(id))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got, value, "{id}");
    }
    c.close().await.unwrap();
}
