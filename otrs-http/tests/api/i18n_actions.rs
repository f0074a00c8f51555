//! The agent's language on the ticket action panels, the article actions, the create screens
//! (with their address book and customer widgets) and the templates and signatures admin page:
//! an agent whose language is German sees every text of them in German, field errors included,
//! while an English agent keeps the English texts.

use otrs_core::Principal;
use otrs_core::desk::TicketAction;
use otrs_http::i18n::{Language, untranslated_texts};

use crate::calendar_ui::submit;
use crate::i18n_views::{german, main_area, speak};
use crate::support::{Caller, World};
use crate::ui_detail::email_article;

/// The article actions (path names) of the agent interface.
const ARTICLE_ACTIONS: [&str; 11] = [
    "reply",
    "reply-all",
    "reply-note",
    "forward",
    "redirect",
    "important",
    "unimportant",
    "split",
    "print",
    "plain",
    "link",
];

/// Asserts a page that is not a 200 page (a refusal, a form shown again with errors) is German
/// throughout; returns it.
async fn german_answer(w: &World, path: &str, caller: &Caller, status: u16) -> String {
    let r = w.get(path, caller).await;
    assert_eq!(r.status.as_u16(), status, "{path}: {}", r.text());
    let html = r.text();
    let left = untranslated_texts(&html, Language::German);
    assert!(left.is_empty(), "{path} still shows English: {left:?}");
    html
}

/// Posts a form and asserts the answer has `status` and is German throughout; returns it.
async fn german_post(
    w: &World,
    path: &str,
    caller: &Caller,
    pairs: &[(&str, &str)],
    status: u16,
) -> String {
    let r = submit(w, path, caller, pairs).await;
    assert_eq!(r.status.as_u16(), status, "{path}: {}", r.text());
    let html = r.text();
    let left = untranslated_texts(&html, Language::German);
    assert!(left.is_empty(), "{path} still shows English: {left:?}");
    html
}

/// The actions the desk offers the admin on the fixture ticket now.
async fn offered(w: &World) -> Vec<TicketAction> {
    w.desk
        .ticket_actions(Principal::Agent(w.admin), w.ticket)
        .await
        .unwrap()
}

#[tokio::test]
async fn every_ticket_action_panel_speaks_german() {
    let w = World::new().await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let base = format!("/agent/tickets/{}", w.ticket.0);
    let mut shown = Vec::new();
    // Lock and Watch are offered on the unlocked ticket, Unlock and Unwatch once it is locked
    // and watched: every action gets its turn.
    for round in 0..2 {
        if round == 1 {
            w.desk
                .lock_ticket(Principal::Agent(w.admin), w.ticket)
                .await
                .unwrap();
            w.desk
                .watch_ticket(Principal::Agent(w.admin), w.ticket)
                .await
                .unwrap();
        }
        for action in offered(&w).await {
            if shown.contains(&action) {
                continue;
            }
            let path = format!("{base}/actions/{}", action.name());
            let html = german(
                &w,
                &path,
                &admin,
                &["Zurück zum Ticket", "Weitere Aktionen"],
            )
            .await;
            // Every panel has its German title and, except History, a Cancel link.
            assert!(!html.contains(">Cancel<"), "{path}");
            if action != TicketAction::History {
                assert!(html.contains("Abbrechen"), "{path}");
            }
            shown.push(action);
        }
    }
    for action in TicketAction::ALL {
        assert!(shown.contains(&action), "{action:?} was never offered");
    }
    // The words of some panels.
    for (action, words) in [
        (
            "note",
            &[
                "Notiz",
                "Betreff",
                "Zeiteinheiten",
                "Als Entwurf speichern",
                "Nächster Status",
            ][..],
        ),
        ("phone-inbound", &["Eingehender Anruf", "Von"][..]),
        ("email", &["Ausgehende E-Mail", "An"][..]),
        (
            "merge",
            &["Zusammenfassen", "kann nicht rückgängig gemacht werden"][..],
        ),
        ("link", &["Verknüpfungsart", "Übergeordnet zum Ziel"][..]),
        ("pending", &["Nächster Status", "Warten bis"][..]),
        ("priority", &["Priorität", "3 normal"][..]),
        ("owner", &["Neuer Besitzer"][..]),
        (
            "customer",
            &["Kundenbenutzer (Login oder ein Muster mit *)"][..],
        ),
        ("history", &["Historie", "Aktion", "Wann"][..]),
        ("appointment", &["Neuer Termin", "Kalender", "Beginn"][..]),
    ] {
        let Some(a) = TicketAction::from_name(action) else {
            panic!("no action {action}");
        };
        german(&w, &format!("{base}/actions/{}", a.name()), &admin, words).await;
    }
    // The ticket view's Actions menu and breadcrumb are German too.
    let detail = german(
        &w,
        &base,
        &admin,
        &["Aktionen", "Notiz", "Freigeben", "Artikel-Aktionen"],
    )
    .await;
    assert!(detail.contains("Zusammenfassen"));
}

#[tokio::test]
async fn an_action_panel_with_errors_and_a_refused_action_speak_german() {
    let w = World::new().await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let base = format!("/agent/tickets/{}", w.ticket.0);
    let before = w.fingerprint().await;
    // A merge target that matches nothing, and bad time units on a note: German field errors.
    let html = german_post(
        &w,
        &format!("{base}/actions/merge"),
        &admin,
        &[("target", "no-such-title")],
        422,
    )
    .await;
    assert!(html.contains("kein Ticket passt zu"), "{html}");
    let html = german_post(
        &w,
        &format!("{base}/actions/note"),
        &admin,
        &[("subject", "s"), ("body", "b"), ("time_units", "many")],
        422,
    )
    .await;
    assert!(
        html.contains("muss eine Zahl sein, z. B. 15 oder 1,5"),
        "{html}"
    );
    assert_eq!(w.fingerprint().await, before, "nothing was written");
    // Unlock is not offered on an unlocked ticket: the refusal is German.
    let html = german_answer(&w, &format!("{base}/actions/unlock"), &admin, 403).await;
    assert!(html.contains("Freigeben ist für"), "{html}");
}

#[tokio::test]
async fn every_article_action_page_speaks_german() {
    let w = World::new().await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let email = email_article(&w).await;
    let note = w
        .desk
        .add_article(
            Principal::Agent(w.admin),
            w.ticket,
            otrs_core::desk::ArticleInput::new(
                otrs_core::desk::ArticleKind::Note,
                "Inside",
                "A note.",
            ),
        )
        .await
        .unwrap()
        .id;
    let mut shown = Vec::new();
    for round in 0..2 {
        if round == 1 {
            w.desk
                .set_article_important(Principal::Agent(w.admin), email, true)
                .await
                .unwrap();
        }
        for action in ARTICLE_ACTIONS {
            if shown.contains(&action) {
                continue;
            }
            let article = if action == "reply-note" { note } else { email };
            let path = format!(
                "/agent/tickets/{}/articles/{}/{action}",
                w.ticket.0, article.0
            );
            let r = w.get(&path, &admin).await;
            if r.status == 409 {
                // Not applicable yet (Unmark before the mark): German all the same.
                let left = untranslated_texts(&r.text(), Language::German);
                assert!(left.is_empty(), "{path} still shows English: {left:?}");
                continue;
            }
            assert_eq!(r.status, 200, "{path}: {}", r.text());
            if action == "print" {
                let kind = r.headers.get("content-type").unwrap().to_str().unwrap();
                assert_eq!(kind, "application/pdf");
            } else {
                german(&w, &path, &admin, &["Übersicht"]).await;
            }
            shown.push(action);
        }
    }
    assert_eq!(shown.len(), ARTICLE_ACTIONS.len(), "{shown:?}");
    let at = |action: &str, article: otrs_core::ids::ArticleId| {
        format!(
            "/agent/tickets/{}/articles/{}/{action}",
            w.ticket.0, article.0
        )
    };
    for (action, article, words) in [
        (
            "reply",
            email,
            &[
                "Antworten",
                "Als Entwurf speichern",
                "Abbrechen",
                "schrieb Lacey Customer",
            ][..],
        ),
        ("reply-all", email, &["Allen antworten"][..]),
        ("reply-note", note, &["Auf Notiz antworten"][..]),
        (
            "forward",
            email,
            &["Weiterleiten", "Weiterzuleitende Anlagen", "toner.png"][..],
        ),
        (
            "redirect",
            email,
            &["Umleiten an", "Ursprünglichen Absender informieren"][..],
        ),
        (
            "unimportant",
            email,
            &["Die Wichtig-Markierung dieses Artikels entfernen?"][..],
        ),
        (
            "split",
            email,
            &[
                "Aufteilen",
                "Neues Ticket",
                "Telefon-Ticket",
                "Anlagen des Artikels übernehmen",
            ][..],
        ),
        ("plain", email, &["Quelltext", "Zurück zum Artikel"][..]),
        (
            "link",
            email,
            &[
                "Artikel-Link kopieren",
                "Link zu diesem Artikel (zum Kopieren)",
                "Kopieren",
            ][..],
        ),
    ] {
        german(&w, &at(action, article), &admin, words).await;
    }
    // The article view inside the ticket view.
    let detail = german(
        &w,
        &format!("/agent/tickets/{}?view=stream&expand=all", w.ticket.0),
        &admin,
        &["Artikel-Aktionen", "Wichtig", "Von"],
    )
    .await;
    assert!(detail.contains("Toner empty"), "data stays as it is");
    // A reply without a recipient: the field error is German and nothing is sent.
    let before = w.fingerprint().await;
    let html = german_post(
        &w,
        &at("reply", email),
        &admin,
        &[("to", ""), ("subject", "Re"), ("body", "x")],
        422,
    )
    .await;
    assert!(html.contains("ist erforderlich"), "{html}");
    assert_eq!(w.fingerprint().await, before);
}

#[tokio::test]
async fn the_create_screens_speak_german_with_their_errors() {
    let w = World::new().await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    german(
        &w,
        "/agent/tickets/new/phone",
        &admin,
        &[
            "Neues Telefon-Ticket",
            "Zuweisung",
            "Queue (erforderlich)",
            "Service-Level-Management",
            "3 normal",
            "offen",
            "Erstellen",
            "Wählen Sie einen Kundenbenutzer",
        ],
    )
    .await;
    german(
        &w,
        "/agent/tickets/new/email",
        &admin,
        &[
            "Neues E-Mail-Ticket",
            "Adressbuch…",
            "leer: der Kundenbenutzer",
            "Anlagen (zusammen höchstens",
        ],
    )
    .await;
    // The customer prefilled: the customer widgets are German.
    let login = w
        .desk
        .customer_user(Principal::SYSTEM, w.lacey)
        .await
        .unwrap()
        .login;
    german(
        &w,
        &format!("/agent/tickets/new/phone?customer_user={login}"),
        &admin,
        &[
            "Kundeninformationen",
            "Kundenbenutzer-Historie",
            "Kunden-Historie",
            "Firma",
        ],
    )
    .await;
    let fragment = w
        .get(&format!("/agent/customer-users/info?login={login}"), &admin)
        .await
        .text();
    assert!(
        untranslated_texts(&fragment, Language::German).is_empty(),
        "{fragment}"
    );
    assert!(fragment.contains("Kunden-Historie"), "{fragment}");
    // Shown again with field errors (no queue, a bad priority): German, and nothing created.
    let before = w.fingerprint().await;
    let html = german_post(
        &w,
        "/agent/tickets/new/phone",
        &admin,
        &[
            ("subject", "Help"),
            ("body", "text"),
            ("priority", "9"),
            ("create", "1"),
        ],
        422,
    )
    .await;
    assert!(html.contains("ist erforderlich"), "{html}");
    assert!(html.contains("muss zwischen 1 und 5 liegen"), "{html}");
    assert_eq!(w.fingerprint().await, before);
    // Inserting without a template chosen, and the address book.
    let html = german_post(
        &w,
        "/agent/tickets/new/email",
        &admin,
        &[("insert_template", "1")],
        200,
    )
    .await;
    assert!(html.contains("wählen Sie eine Textvorlage"), "{html}");
    let html = german_post(
        &w,
        "/agent/address-book",
        &admin,
        &[("subject", "Help"), ("address_query", "**")],
        200,
    )
    .await;
    assert!(html.contains("Gewählte Adressen hinzufügen"), "{html}");
}

#[tokio::test]
async fn the_templates_and_signatures_admin_page_speaks_german() {
    let w = World::new().await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let list = german(
        &w,
        "/agent/admin/texts/templates",
        &admin,
        &[
            "Textvorlagen",
            "Signaturen",
            "Vorlage hinzufügen",
            "Gültigkeit",
            "gültig",
        ],
    )
    .await;
    assert!(list.contains("Greeting"), "data stays as it is");
    german(
        &w,
        "/agent/admin/texts/signatures",
        &admin,
        &["Signatur hinzufügen", "Support team"],
    )
    .await;
    german(
        &w,
        "/agent/admin/texts/templates/new",
        &admin,
        &["Vorlage hinzufügen", "Speichern"],
    )
    .await;
    german(
        &w,
        &format!("/agent/admin/texts/templates/{}", w.template.0),
        &admin,
        &["Vorlage Greeting bearbeiten", "Inhaltstyp"],
    )
    .await;
    // The menu entry.
    let html = main_area(&w, "/agent/admin/texts/templates", &admin).await;
    assert!(!html.is_empty());
    let page = w.get("/agent", &admin).await.text();
    assert!(page.contains("Vorlagen &amp; Signaturen"), "{page}");
    // A new text without a name: a German field error, nothing written.
    let before = w.fingerprint().await;
    let html = german_post(
        &w,
        "/agent/admin/texts/templates/new",
        &admin,
        &[("name", ""), ("text", "x")],
        422,
    )
    .await;
    assert!(html.contains("Vorlage hinzufügen"), "{html}");
    assert!(html.contains(">ist erforderlich<"), "{html}");
    assert_eq!(w.fingerprint().await, before);
}

#[tokio::test]
async fn an_english_agent_keeps_the_english_texts() {
    let w = World::new().await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let email = email_article(&w).await;
    let base = format!("/agent/tickets/{}", w.ticket.0);
    for (path, words) in [
        (
            format!("{base}/actions/note"),
            &["Note", "Subject", "Save as draft", "Back to the ticket"][..],
        ),
        (
            format!("{base}/actions/merge"),
            &["Merging cannot be undone"][..],
        ),
        (
            format!("{base}/articles/{}/reply", email.0),
            &["Reply", "Cancel", "wrote:"][..],
        ),
        (
            format!("{base}/articles/{}/plain", email.0),
            &["Plain View", "Back to the article"][..],
        ),
        (
            "/agent/tickets/new/phone".to_owned(),
            &["New Phone Ticket", "Assignment", "Service Level Management"][..],
        ),
        (
            "/agent/admin/texts/templates".to_owned(),
            &["Text templates", "Add template"][..],
        ),
    ] {
        let r = w.get(&path, &admin).await;
        assert_eq!(r.status, 200, "{path}: {}", r.text());
        let html = r.text();
        assert!(html.contains("<html lang=\"en\""), "{path}");
        for word in words {
            assert!(html.contains(word), "{path} lacks {word:?}");
        }
    }
}
