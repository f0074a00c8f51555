//! The language setting in a real headless Chromium: an agent signs in (the browser asks for
//! English), switches Language to Deutsch in Personalization, and sees the dashboard, the main
//! menu and the texts the page script writes itself in German; the store holds `language = de`.
//! A screenshot (`language-de.png`) is saved like the other browser tests' ones.
//!
//! Without `chromedriver` and `chromium` the test prints a loud skip line (and fails under
//! `OTRS_TEST_REQUIRE_ALL=1`), as the other browser tests do.

use fantoccini::Locator;
use otrs_core::Principal;

use crate::harness::{
    browser, serve, shot, sign_in, start_driver, tempfile_dir, text_of, tools, wait_source,
    wait_url,
};
use crate::support::{PASSWORD, World};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_switches_the_interface_to_german() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let w = World::new().await;
    let base = serve(w.state.clone()).await;
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &tempfile_dir()).await;

    sign_in(&c, &base, "alice", PASSWORD).await;
    let html = wait_source(&c, 5, |h| h.contains("Escalations")).await;
    assert!(
        html.contains("<html lang=\"en\""),
        "English before the switch: {}",
        &html[..html.len().min(400)]
    );

    // Personalization: Language → Deutsch, saved with the profile's Save button.
    c.goto(&format!("{base}/agent/preferences")).await.unwrap();
    c.find(Locator::Id("lang"))
        .await
        .unwrap()
        .select_by_value("de")
        .await
        .unwrap();
    c.execute(
        "document.getElementById('lang').form.querySelector('button[type=submit]').click()",
        vec![],
    )
    .await
    .unwrap();
    wait_url(&c, "saved").await;
    let html = wait_source(&c, 5, |h| {
        h.contains("Ihre Einstellungen wurden gespeichert.")
    })
    .await;
    assert!(html.contains("<html lang=\"de\""), "{html}");
    assert!(html.contains("Sprache") && html.contains("Zeitzone"));
    let stored = w
        .desk
        .agent(Principal::SYSTEM, w.alice)
        .await
        .unwrap()
        .preferences;
    assert_eq!(stored.get("language").map(String::as_str), Some("de"));

    // The dashboard and the main menu in German.
    c.goto(&format!("{base}/agent")).await.unwrap();
    let html = wait_source(&c, 5, |h| h.contains("Eskalationen")).await;
    assert!(
        html.contains("Eskalationen") && !html.contains("Escalations"),
        "{html}"
    );
    assert_eq!(text_of(&c, ".crumbs h1").await, "Übersicht");
    c.find(Locator::Css("header.topbar details.menu > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let menu = text_of(&c, "header.topbar nav.popup").await;
    for item in [
        "Übersicht",
        "Suche",
        "Persönliche Einstellungen",
        "Organizer anpassen",
        "Benachrichtigungen",
        "Abmelden",
    ] {
        assert!(menu.contains(item), "the main menu lacks {item:?}: {menu}");
    }
    shot(&c, "language-de.png").await;

    // What the script writes itself: the pulse switch and the selection count.
    c.goto(&format!("{base}/agent/tickets/list/4"))
        .await
        .unwrap();
    let html = wait_source(&c, 5, |h| h.contains("Puls: aus")).await;
    assert!(
        html.contains("Puls: aus"),
        "the script's pulse switch in German"
    );
    c.find(Locator::Css("tbody input[name=ids]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let html = wait_source(&c, 5, |h| h.contains("1 ausgewählt")).await;
    assert!(
        html.contains("1 ausgewählt"),
        "the selection count in German"
    );
    c.close().await.unwrap();
}
