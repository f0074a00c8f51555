//! The interface's languages over HTTP: an agent who chose German sees the frame, dashboard,
//! lists, bulk and export dialogs, organizer, notifications, search and Personalization in
//! German (no English catalogue text left), an English agent sees them in English, the
//! sign-in page follows the browser's Accept-Language, and an unknown language is refused.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use otrs_core::desk::{AgentUpdate, TicketUpdate};
use otrs_core::ids::AgentId;
use otrs_core::model::StateType;
use otrs_http::i18n::{Language, untranslated_texts};

use crate::support::World;
use crate::ui::{agent, page, submit};

async fn set_language(w: &World, id: AgentId, code: &str) {
    let mut preferences = BTreeMap::new();
    preferences.insert("language".to_owned(), code.to_owned());
    w.desk
        .update_agent(
            Principal::SYSTEM,
            id,
            AgentUpdate {
                preferences,
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

/// The pages of this part of the interface, each with a word it must show in German and in
/// English.
fn pages(w: &World) -> Vec<(String, &'static str, &'static str)> {
    let id = w.ticket.0;
    vec![
        ("/agent".into(), "Eskalationen", "Escalations"),
        (
            "/agent/tickets/list/4".into(),
            "Alle Tickets",
            "All Tickets",
        ),
        (
            format!("/agent/tickets/bulk?ids={id}"),
            "Sperren und fortfahren",
            "Lock and Continue",
        ),
        (
            format!("/agent/tickets/bulk?ids={id}&confirm=1"),
            "Eigenschaften ändern",
            "Change Properties",
        ),
        (
            format!("/agent/tickets/export?ids={id}"),
            "Datei herunterladen",
            "Download File",
        ),
        ("/agent/organizer".into(), "Liste hinzufügen", "Add a list"),
        (
            "/agent/notifications".into(),
            "Sie haben keine Benachrichtigungen.",
            "You have no notifications.",
        ),
        (
            "/agent/search?q=printer".into(),
            "Objekttypen",
            "Object types",
        ),
        ("/agent/preferences".into(), "Sprache", "Language"),
        (
            "/agent/dashboard/widgets/1".into(),
            "Widget-Einstellungen",
            "Widget settings",
        ),
        ("/agent/organizer/1".into(), "Sortieren nach", "Sort by"),
        (
            format!("/agent/tickets/watch?ids={id}"),
            "Nicht mehr beobachten",
            "Stop watching",
        ),
    ]
}

#[tokio::test]
async fn a_german_agent_sees_the_frame_and_lists_in_german() {
    let w = World::new().await;
    w.reindex().await;
    set_language(&w, w.alice, "de").await;
    // An administrator's own state has no translation: it shows as stored.
    let waiting = w
        .desk
        .create_state(
            Principal::SYSTEM,
            "waiting for parts".into(),
            StateType::Open,
        )
        .await
        .unwrap();
    w.desk
        .update_ticket(
            Principal::SYSTEM,
            w.ticket2,
            TicketUpdate {
                state: Some(waiting.id),
                ..TicketUpdate::default()
            },
        )
        .await
        .unwrap();
    let alice = agent(&w, w.alice).await;
    for (path, german, english) in pages(&w) {
        let r = page(&w, &path, &alice).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let html = r.text();
        assert!(html.contains("<html lang=\"de\">"), "{path}");
        let left = untranslated_texts(&html, Language::German);
        assert!(left.is_empty(), "{path} still shows English: {left:?}");
        assert!(html.contains(german), "{path} lacks {german:?}");
        assert!(!html.contains(english), "{path} still has {english:?}");
        // The frame: main menu, organizer and sign-out in German.
        for word in [
            "Persönliche Einstellungen",
            "Organizer anpassen",
            "Abmelden",
        ] {
            assert!(html.contains(word), "{path} lacks {word:?}");
        }
    }
    // The list: headings, built-in state and priority names translated, the admin's state not.
    let ticket = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap();
    let states = w.desk.states(Principal::SYSTEM).await.unwrap();
    let state = &states
        .iter()
        .find(|s| s.id == ticket.state_id)
        .unwrap()
        .name;
    let html = page(&w, "/agent/tickets/list/4", &alice).await.text();
    for needle in [
        "Priorität",
        "Besitzer",
        "Angezeigt:",
        "3 normal",
        "waiting for parts",
        &format!(
            ">{}<",
            otrs_http::i18n::translate_dyn(Language::German, state)
        ),
    ] {
        assert!(html.contains(needle), "the list lacks {needle:?}: {html}");
    }
    // The page script gets its texts in German.
    assert!(html.contains("Puls: an"), "the script's table of texts");
    // The organizer's hover preview (a fragment of the list).
    let html = page(&w, "/agent/tickets/list/4/preview", &alice)
        .await
        .text();
    assert!(
        html.contains("Alle Tickets") && html.contains("insgesamt"),
        "{html}"
    );
    assert!(untranslated_texts(&html, Language::German).is_empty());
    // The bulk form offers the built-in states translated.
    let html = page(
        &w,
        &format!("/agent/tickets/bulk?ids={}&confirm=1", w.ticket.0),
        &alice,
    )
    .await
    .text();
    assert!(html.contains("erfolgreich geschlossen") && html.contains("5 sehr hoch"));
}

#[tokio::test]
async fn an_english_agent_sees_the_same_pages_in_english() {
    let w = World::new().await;
    w.reindex().await;
    let alice = agent(&w, w.alice).await;
    for (path, german, english) in pages(&w) {
        let r = page(&w, &path, &alice).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let html = r.text();
        assert!(html.contains("<html lang=\"en\">"), "{path}");
        assert!(html.contains(english), "{path} lacks {english:?}");
        assert!(!html.contains(german), "{path} has German {german:?}");
        assert!(html.contains("Personalization") && html.contains("Sign out"));
        assert!(
            html.contains("data-texts=\"{}\""),
            "{path}: no table in English"
        );
    }
    // The preference wins over the browser: an English choice with a German browser.
    set_language(&w, w.alice, "en").await;
    let mut request = Request::builder().method(Method::GET).uri("/agent");
    request = request
        .header(header::COOKIE, alice.cookie.clone().unwrap())
        .header(header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9");
    let html = w.send(request.body(Body::empty()).unwrap()).await.text();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Escalations"));
}

async fn sign_in_page(w: &World, path: &str, accept_language: &str) -> String {
    page_as(w, path, None, accept_language).await
}

/// A page with the browser's `Accept-Language` (and a session cookie, when given).
async fn page_as(w: &World, path: &str, cookie: Option<&str>, accept_language: &str) -> String {
    let mut request = Request::builder()
        .method(Method::GET)
        .uri(path)
        .header(header::ACCEPT_LANGUAGE, accept_language);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, cookie);
    }
    let r = w.send(request.body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, 200, "{path}");
    r.text()
}

#[tokio::test]
async fn the_sign_in_pages_follow_the_browser() {
    let w = World::new().await;
    for path in [
        "/agent/login",
        "/external/login",
        "/agent/login/forgot-password",
    ] {
        let html = sign_in_page(&w, path, "de-DE,de;q=0.9").await;
        assert!(html.contains("<html lang=\"de\">"), "{path}");
        assert!(
            untranslated_texts(&html, Language::German).is_empty(),
            "{path}: {:?}",
            untranslated_texts(&html, Language::German)
        );
        assert!(html.contains("Benutzername"), "{path}");
        let html = sign_in_page(&w, path, "en-GB,en;q=0.9").await;
        assert!(html.contains("<html lang=\"en\">") && html.contains("Username"));
    }
    let html = sign_in_page(&w, "/agent/login", "de-DE,de;q=0.9").await;
    assert!(html.contains("Anmelden") && html.contains("Passwort vergessen?"));
    assert!(html.contains("Agenten-Oberfläche"));
    // A failed sign-in says so in the browser's language.
    let request = Request::builder()
        .method(Method::POST)
        .uri("/agent/login")
        .header(header::ACCEPT_LANGUAGE, "de")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("login=alice&password=wrong"))
        .unwrap();
    let r = w.send(request).await;
    assert_eq!(r.status, 401, "{}", r.text());
    assert!(
        r.text().contains("Anmeldung fehlgeschlagen"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn once_signed_in_the_account_language_rules_the_sign_in_pages() {
    let w = World::new().await;
    set_language(&w, w.alice, "de").await;
    let alice = agent(&w, w.alice).await;
    let cookie = alice.cookie.as_deref();
    // The browser asks for English; Alice chose German.
    for (path, german) in [
        ("/agent/login/change-password", "Aktuelles Passwort"),
        ("/agent/login/two-factor", "Authenticator-App"),
    ] {
        let html = page_as(&w, path, cookie, "en-US,en;q=0.9").await;
        assert!(html.contains("<html lang=\"de\">"), "{path}");
        assert!(html.contains(german), "{path}: {html}");
        assert!(html.contains(" Zeichen<") || path.ends_with("two-factor"));
        let left = untranslated_texts(&html, Language::German);
        assert!(left.is_empty(), "{path}: {left:?}");
    }
    // A customer user without a choice: the external home follows the browser.
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let html = page_as(&w, "/external", lacey.cookie.as_deref(), "de").await;
    assert!(
        html.contains("<html lang=\"de\">") && html.contains("Sie sind als"),
        "{html}"
    );
    assert!(html.contains("Externe Oberfläche") && html.contains("Abmelden"));
    let html = page_as(&w, "/external", lacey.cookie.as_deref(), "en").await;
    assert!(html.contains("You are signed in as"));
}

#[tokio::test]
async fn an_unknown_language_is_refused_and_nothing_changes() {
    let w = World::new().await;
    let alice = agent(&w, w.alice).await;
    let before = w.desk.agent(Principal::SYSTEM, w.alice).await.unwrap();
    let r = submit(
        &w,
        "/agent/preferences",
        &alice,
        &[
            ("section", "profile"),
            ("language", "xx"),
            ("time_zone", "Europe/Berlin"),
            ("datetime_format", "eu"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("language: unknown language"),
        "{}",
        r.text()
    );
    // A German agent reads the form's problems in German.
    set_language(&w, w.dave, "de").await;
    let dave = agent(&w, w.dave).await;
    let r = submit(
        &w,
        "/agent/preferences",
        &dave,
        &[
            ("section", "profile"),
            ("time_zone", "Europe/Berlin"),
            ("datetime_format", "eu"),
            ("ooo_from", "2026-04-10"),
            ("ooo_to", ""),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text()
            .contains("abwesend bis: geben Sie beide Daten an oder keines"),
        "{}",
        r.text()
    );
    let after = w.desk.agent(Principal::SYSTEM, w.alice).await.unwrap();
    assert_eq!(before.version, after.version);
    assert_eq!(before.preferences, after.preferences);
    // A known one is kept, and the next page is in it.
    let r = submit(
        &w,
        "/agent/preferences",
        &alice,
        &[
            ("section", "profile"),
            ("language", "de"),
            ("time_zone", "Europe/Berlin"),
            ("datetime_format", "eu"),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let stored = w.desk.agent(Principal::SYSTEM, w.alice).await.unwrap();
    assert_eq!(stored.preferences["language"], "de");
    let html = page(&w, "/agent/preferences", &alice).await.text();
    assert!(html.contains("Ihre Einstellungen") || html.contains("Sprache"));
    assert!(
        html.contains("<option value=\"de\" lang=\"de\" selected>Deutsch</option>"),
        "{html}"
    );
}
