//! The create screen and the ticket actions in headless Chromium (the harness of
//! [`crate::harness`]): a phone ticket for Lacey Green chosen through the type-ahead, with an
//! attachment kept across a first try without a subject, and rich text; a note; a lock; a link between two tickets; a merge from the
//! Merge action. Each step checks what the page shows and what the store holds, and saves a
//! screenshot. Skips loudly without chromedriver and chromium.

use std::time::Duration;

use fantoccini::{Client, Locator};
use otrs_core::Principal;
use otrs_core::desk::NewCustomerUser;
use otrs_core::ids::TicketId;
use otrs_core::model::{LockState, ObjectRef, default_states};

use crate::harness::{
    browser, serve, shot, start_driver, tempfile_dir, text_of, tools, wait_source,
};
use crate::support::{PASSWORD, World};

pub(crate) async fn fill(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .send_keys(text)
        .await
        .unwrap();
}

pub(crate) async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// Waits up to five seconds for an element.
async fn wait_for(c: &Client, css: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while c.find(Locator::Css(css)).await.is_err() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {css} in {}",
            c.source().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits up to five seconds until the address's path passes `check`; returns the path.
pub(crate) async fn wait_path(c: &Client, check: impl Fn(&str) -> bool) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let url = c.current_url().await.unwrap();
        if check(url.path()) {
            return url.path().to_owned();
        }
        assert!(tokio::time::Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the ticket page itself (not one of its action panels).
async fn wait_ticket_page(c: &Client, id: TicketId) {
    let want = format!("/agent/tickets/{}", id.0);
    wait_path(c, |p| p == want).await;
}

fn ticket_id_of(path: &str) -> TicketId {
    TicketId(
        path.trim_start_matches("/agent/tickets/")
            .parse()
            .unwrap_or_else(|_| panic!("not a ticket page: {path}")),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_creates_a_ticket_and_works_it_through_the_actions_in_chromium() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let w = World::new().await;
    let sys = Principal::SYSTEM;
    let lacey_green = w
        .desk
        .create_customer_user(
            sys,
            NewCustomerUser {
                login: "lgreen".into(),
                first_name: "Lacey".into(),
                last_name: "Green".into(),
                email: "lacey.green@example.org".into(),
                customer_id: "SSI".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let base = serve(w.state.clone()).await;
    let scratch = tempfile_dir();
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &scratch).await;
    // Alice signs in with her password (no second factor is set up for her).
    c.goto(&format!("{base}/agent/login")).await.unwrap();
    fill(&c, "#login", "alice").await;
    fill(&c, "#password", PASSWORD).await;
    click(&c, "button[type=submit]").await;
    wait_path(&c, |p| p == "/agent").await;

    // --- create a phone ticket for Lacey Green, chosen through the type-ahead ---
    c.goto(&format!("{base}/agent/tickets/new/phone"))
        .await
        .unwrap();
    fill(&c, "#customer_user", "Lacey G").await;
    wait_for(&c, "ul.suggestions button[data-login=lgreen]").await;
    click(&c, "ul.suggestions button[data-login=lgreen]").await;
    wait_source(&c, 5, |h| h.contains("lacey.green@example.org")).await;
    let customer_id = c
        .find(Locator::Id("customer_id"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(customer_id.as_deref(), Some("SSI"));
    let widgets = text_of(&c, "#customer-widgets").await;
    assert!(
        widgets.contains("Customer Information") && widgets.contains("Lacey Green"),
        "{widgets}"
    );
    c.find(Locator::Id("queue"))
        .await
        .unwrap()
        .select_by_value(&w.support.0.to_string())
        .await
        .unwrap();
    click(&c, "button.rte-toggle").await;
    fill(&c, ".rte", "The keyboard types Łódź wrongly.").await;
    click(&c, ".rte-bar button[title=Bold]").await;
    fill(&c, ".rte", " Urgent").await;
    let photo = scratch.join("keyboard.txt");
    std::fs::write(&photo, "key map dump").unwrap();
    c.find(Locator::Id("attachments"))
        .await
        .unwrap()
        .send_keys(photo.to_str().unwrap())
        .await
        .unwrap();
    wait_source(&c, 5, |h| h.contains("keyboard.txt")).await;
    // Sent without a subject: the form comes back with the error, still holding the file.
    click(&c, "button[name=create]").await;
    wait_for(&c, "#err-subject").await;
    let kept = text_of(&c, "ul.kept-files").await;
    assert!(kept.contains("keyboard.txt"), "{kept}");
    c.execute(
        "document.querySelector('ul.kept-files').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "create-ticket-kept-file.png").await;
    let key = c
        .find(Locator::Css("input[name=form_key]"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    let waiting = w
        .desk
        .form_uploads(Principal::Agent(w.alice), &key)
        .await
        .unwrap();
    assert_eq!(waiting.len(), 1, "{waiting:?}");
    fill(&c, "#subject", "Łódź keyboard").await;
    c.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    shot(&c, "create-ticket.png").await;
    click(&c, "button[name=create]").await;
    let path = wait_path(&c, |p| {
        p.strip_prefix("/agent/tickets/")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()))
    })
    .await;
    let created = ticket_id_of(&path);
    let html = wait_source(&c, 5, |h| h.contains("Łódź keyboard")).await;
    assert!(html.contains("Łódź keyboard"));
    let t = w.desk.ticket(sys, created).await.unwrap();
    assert_eq!(t.title, "Łódź keyboard");
    assert_eq!(t.customer_user_id, Some(lacey_green));
    assert_eq!(t.customer_id.as_deref(), Some("SSI"));
    let first = &w.desk.articles(sys, created).await.unwrap()[0];
    assert_eq!(first.channel.name(), "phone");
    assert!(
        first.body.contains("The keyboard types Łódź wrongly."),
        "{}",
        first.body
    );
    let files: Vec<&str> = first
        .attachments
        .iter()
        .map(|a| a.filename.as_str())
        .collect();
    assert!(files.contains(&"keyboard.txt"), "{files:?}");
    assert!(files.contains(&"file-2.html"), "{files:?}");
    let kept_file = first
        .attachments
        .iter()
        .find(|a| a.filename == "keyboard.txt")
        .unwrap();
    let content = w.desk.attachment(sys, kept_file.id).await.unwrap();
    assert_eq!(&content.content[..], b"key map dump");
    assert!(
        w.desk
            .form_uploads(Principal::Agent(w.alice), &key)
            .await
            .unwrap()
            .is_empty()
    );
    shot(&c, "created-ticket.png").await;

    // --- a note ---
    c.goto(&format!("{base}/agent/tickets/{}/actions/note", created.0))
        .await
        .unwrap();
    fill(&c, "#subject", "Spare keyboard").await;
    fill(&c, "#body", "A spare is in the cupboard.").await;
    shot(&c, "action-note.png").await;
    click(&c, "button[name=submit]").await;
    wait_ticket_page(&c, created).await;
    let html = wait_source(&c, 5, |h| h.contains("A spare is in the cupboard.")).await;
    assert!(html.contains("A spare is in the cupboard."));
    let articles = w.desk.articles(sys, created).await.unwrap();
    let note = articles
        .iter()
        .find(|a| a.subject == "Spare keyboard")
        .unwrap();
    assert_eq!(note.channel.name(), "note");

    // --- lock ---
    c.goto(&format!("{base}/agent/tickets/{}/actions/lock", created.0))
        .await
        .unwrap();
    click(&c, "button[name=submit]").await;
    wait_ticket_page(&c, created).await;
    let locked = w.desk.ticket(sys, created).await.unwrap();
    assert_eq!(locked.lock, LockState::Locked);
    assert_eq!(locked.owner_id, w.alice);
    // Lock is no longer offered; Unlock is.
    c.goto(&format!(
        "{base}/agent/tickets/{}/actions/history",
        created.0
    ))
    .await
    .unwrap();
    let menu = text_of(&c, "nav[aria-label='Other actions']").await;
    assert!(
        menu.contains("Unlock") && !menu.lines().any(|l| l == "Lock"),
        "{menu}"
    );
    let history = text_of(&c, ".action-panel").await;
    assert!(
        history.contains("Lock") && history.contains("AddNote"),
        "{history}"
    );
    shot(&c, "action-history.png").await;

    // --- link the new ticket to "VPN down", found by title ---
    c.goto(&format!("{base}/agent/tickets/{}/actions/link", created.0))
        .await
        .unwrap();
    fill(&c, "#target", "VPN*").await;
    click(&c, "button[name=search]").await;
    wait_for(
        &c,
        &format!("input[name=target_id][value='{}']", w.ticket2.0),
    )
    .await;
    click(
        &c,
        &format!("input[name=target_id][value='{}']", w.ticket2.0),
    )
    .await;
    shot(&c, "action-link.png").await;
    click(&c, "button[name=submit]").await;
    wait_ticket_page(&c, created).await;
    let html = wait_source(&c, 5, |h| {
        h.contains(&format!("/agent/tickets/{}\"", w.ticket2.0))
    })
    .await;
    assert!(
        html.contains(&format!("href=\"/agent/tickets/{}\"", w.ticket2.0)),
        "the linked ticket is shown"
    );
    let links = w.desk.links(sys, ObjectRef::Ticket(created)).await.unwrap();
    assert!(
        links
            .iter()
            .any(|l| l.target == ObjectRef::Ticket(w.ticket2)
                || l.source == ObjectRef::Ticket(w.ticket2)),
        "{links:?}"
    );
    shot(&c, "linked-tickets.png").await;

    // --- merge "Mail slow" into "VPN down" from its Merge action ---
    let target = w.desk.ticket(sys, w.ticket2).await.unwrap();
    c.goto(&format!(
        "{base}/agent/tickets/{}/actions/merge",
        w.ticket3.0
    ))
    .await
    .unwrap();
    let warning = text_of(&c, ".action-panel .warning").await;
    assert!(warning.contains("cannot be undone"), "{warning}");
    fill(&c, "#target", &target.number).await;
    shot(&c, "action-merge.png").await;
    click(&c, "button[name=submit]").await;
    wait_ticket_page(&c, w.ticket2).await;
    let html = wait_source(&c, 5, |h| h.contains("VPN down")).await;
    assert!(html.contains("VPN down"));
    let merged = w.desk.ticket(sys, w.ticket3).await.unwrap();
    assert_eq!(merged.state_id, default_states::MERGED);
    let moved = w.desk.articles(sys, w.ticket2).await.unwrap();
    assert!(moved.len() >= 2, "the merged ticket's articles moved");
    shot(&c, "merged-ticket.png").await;
    c.close().await.unwrap();
}
