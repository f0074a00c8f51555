//! The knowledge base in headless Chromium (the harness of [`crate::harness`]): an agent writes
//! an article with a file, opens it, rates it, changes a property with the pen, links it to a ticket, sees it in the ticket's
//! Linked Knowledge Base Articles widget and unlinks it there. Each step checks what the page
//! shows and what the store holds, and saves a screenshot. Skips loudly without chromedriver
//! and chromium.

use fantoccini::{Client, Locator};
use otrs_core::Principal;
use otrs_core::ids::KbArticleId;
use otrs_core::model::{KbState, ObjectRef};

use crate::browser_actions::{click, fill, wait_path};
use crate::harness::{browser, serve, shot, start_driver, tempfile_dir, tools, wait_source};
use crate::kb_ui::{article, kb};
use crate::support::{PASSWORD, World};

async fn choose(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_writes_rates_and_links_a_knowledge_base_article_in_chromium() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let w = World::new().await;
    let kb = kb(&w).await;
    article(&w, w.alice, kb.software, "Access VPN from home", |a| {
        a.state = KbState::Public;
    })
    .await;
    let sys = Principal::SYSTEM;
    let base = serve(w.state.clone()).await;
    let scratch = tempfile_dir();
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &scratch).await;
    c.goto(&format!("{base}/agent/login")).await.unwrap();
    fill(&c, "#login", "alice").await;
    fill(&c, "#password", PASSWORD).await;
    click(&c, "button[type=submit]").await;
    wait_path(&c, |p| p == "/agent").await;

    // --- the list, reached from the organizer ---
    click(&c, "nav.organizer a[href='/agent/kb']").await;
    wait_path(&c, |p| p == "/agent/kb").await;
    let html = wait_source(&c, 5, |h| h.contains("Access VPN from home")).await;
    assert!(html.contains("Printer shows error 42"));
    shot(&c, "kb-list.png").await;

    // --- create an article with a file ---
    c.goto(&format!("{base}/agent/kb/new")).await.unwrap();
    fill(&c, "#title", "Paper jams in tray 2").await;
    fill(&c, "#keywords", "printer paper tray").await;
    choose(&c, "#category", &kb.software.0.to_string()).await;
    choose(&c, "#state", "external").await;
    fill(&c, "#symptom", "The printer stops with a paper jam.").await;
    fill(&c, "#solution", "Fan the paper before loading tray 2.").await;
    let file = scratch.join("tray.txt");
    std::fs::write(&file, "tray 2 guide").unwrap();
    c.find(Locator::Id("attachments"))
        .await
        .unwrap()
        .send_keys(file.to_str().unwrap())
        .await
        .unwrap();
    shot(&c, "kb-create.png").await;
    click(&c, "form.stack button.primary[type=submit]").await;
    let path = wait_path(&c, |p| {
        p.strip_prefix("/agent/kb/")
            .is_some_and(|rest| rest.bytes().all(|b| b.is_ascii_digit()))
    })
    .await;
    let id = KbArticleId(path.trim_start_matches("/agent/kb/").parse().unwrap());
    let stored = w.desk.kb_article(sys, id).await.unwrap();
    assert_eq!(stored.article.title, "Paper jams in tray 2");
    assert_eq!(stored.article.state, KbState::External);
    assert_eq!(stored.article.attachments.len(), 1);
    assert_eq!(stored.article.attachments[0].filename, "tray.txt");
    let (_, bytes) = w
        .desk
        .kb_attachment(sys, id, stored.article.attachments[0].id)
        .await
        .unwrap();
    assert_eq!(&bytes[..], b"tray 2 guide");
    let html = wait_source(&c, 5, |h| h.contains("Fan the paper")).await;
    assert!(html.contains("tray.txt"));
    assert!(html.contains("No votes yet."));

    // --- rate it ---
    click(&c, "form.kb-vote button[value=yes]").await;
    let html = wait_source(&c, 5, |h| h.contains("100 % found it helpful")).await;
    assert!(html.contains("Your vote: yes"), "{html}");
    let rating = w.desk.kb_article(sys, id).await.unwrap().rating;
    assert_eq!((rating.helpful, rating.votes), (1, 1));
    c.execute(
        "document.querySelector('#rating').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "kb-article.png").await;

    // --- change a property in place with the pen ---
    c.execute(
        "document.querySelector('#card-keywords').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await
    .unwrap();
    click(&c, "#card-keywords a.pen").await;
    let keywords = c.find(Locator::Id("edit-keywords")).await.unwrap();
    assert!(
        keywords.is_displayed().await.unwrap(),
        "the pen opens the form in place"
    );
    keywords.clear().await.unwrap();
    keywords.send_keys("printer paper jam").await.unwrap();
    click(&c, "#inline-keywords button.primary").await;
    wait_source(&c, 5, |h| h.contains(">printer paper jam<")).await;
    assert_eq!(
        w.desk.kb_article(sys, id).await.unwrap().article.keywords,
        "printer paper jam"
    );

    // --- link it to the fixture ticket by its number ---
    let ticket = w.desk.ticket(sys, w.ticket).await.unwrap();
    c.goto(&format!("{base}/agent/kb/{}/link", id.0))
        .await
        .unwrap();
    fill(&c, "#target", &ticket.number).await;
    click(&c, "form.stack button.primary[type=submit]").await;
    wait_path(&c, |p| p == path).await;
    let html = wait_source(&c, 5, |h| h.contains("Linked Tickets (1 Ticket)")).await;
    assert!(html.contains(&ticket.number));
    let links = w.desk.links(sys, ObjectRef::KbArticle(id)).await.unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].other_end(ObjectRef::KbArticle(id)),
        ObjectRef::Ticket(w.ticket)
    );

    // --- the ticket shows the article; unlink it there ---
    click(&c, "#linked-tickets a[href^='/agent/tickets/']").await;
    let ticket_path = format!("/agent/tickets/{}", w.ticket.0);
    wait_path(&c, |p| p == ticket_path).await;
    let html = wait_source(&c, 5, |h| {
        h.contains("Linked Knowledge Base Articles (1 Article)")
    })
    .await;
    assert!(html.contains("Paper jams in tray 2"));
    c.execute(
        "document.querySelector('#linked-kb-articles').scrollIntoView({block: 'center'})",
        vec![],
    )
    .await
    .unwrap();
    shot(&c, "ticket-linked-kb.png").await;
    click(&c, "#linked-kb-articles form button[type=submit]").await;
    let html = wait_source(&c, 5, |h| !h.contains("id=\"linked-kb-articles\"")).await;
    assert!(!html.contains("Linked Knowledge Base Articles"));
    assert!(
        w.desk
            .links(sys, ObjectRef::KbArticle(id))
            .await
            .unwrap()
            .is_empty()
    );
    c.close().await.unwrap();
}
