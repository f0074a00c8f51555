//! The external knowledge base in a real headless Chromium: a visitor browses the categories and
//! opens a public article (an article for customers stays "not found"); then the customer lacey
//! signs in, searches, opens an external article and answers "Yes" to "Was this article
//! helpful?". Each step checks the page, the vote also the store. A screenshot of the article
//! (`kb-external-article.png`, the one in `docs/screenshots`), one at phone width
//! (`kb-external-phone.png`) and one of the visitor's categories (`kb-external-categories.png`)
//! are saved like the other browser tests' ones.
//!
//! Without `chromedriver` and `chromium` the test prints a loud skip line (and fails under
//! `OTRS_TEST_REQUIRE_ALL=1`), as the other browser tests do.

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use otrs_core::model::KbRating;

use crate::harness::{
    browser, serve, shot, start_driver, tempfile_dir, text_of, tools, wait_source, wait_url,
};
use crate::kb_external::{DRIVER_SOLUTION, EVIL_TITLE, Kb};
use crate::support::PASSWORD;

/// The element a selector finds (the test fails naming the selector otherwise).
async fn el(c: &Client, css: &str) -> Element {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_browses_and_a_customer_votes() {
    let Some((driver_bin, chromium)) = tools() else {
        return;
    };
    let kb = Kb::new().await;
    let w = &kb.w;
    let base = serve(w.state.clone()).await;
    let driver = start_driver(&driver_bin).await;
    let c = browser(&driver, &chromium, &tempfile_dir()).await;

    // A visitor: the categories, one category, its public article.
    c.goto(&format!("{base}/external/kb")).await.unwrap();
    wait_source(&c, 5, |h| h.contains("Networking")).await;
    assert_eq!(text_of(&c, "main h1").await, "Knowledge Base");
    shot(&c, "kb-external-categories.png").await;
    c.find(Locator::LinkText("Networking"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, &format!("/external/kb/categories/{}", kb.general)).await;
    let list = text_of(&c, "ul.ext-list").await;
    assert!(list.contains(EVIL_TITLE), "{list}");
    assert!(!list.contains("Internal escalation"));
    el(&c, &format!("ul.ext-list a[href='{}']", kb.page(kb.public)))
        .await
        .click()
        .await
        .unwrap();
    wait_url(&c, &kb.page(kb.public)).await;
    assert_eq!(
        text_of(&c, "main h1").await,
        EVIL_TITLE,
        "the title as text"
    );
    let rating = text_of(&c, "#rating").await;
    assert!(rating.contains("Sign in to rate this article."), "{rating}");
    assert!(c.find(Locator::Css("form.ext-vote")).await.is_err());
    // An article for customers is not shown to a visitor.
    c.goto(&format!("{base}{}", kb.page(kb.external)))
        .await
        .unwrap();
    let html = wait_source(&c, 5, |h| h.contains("Not found")).await;
    assert!(!html.contains(DRIVER_SOLUTION), "{html}");

    // The customer signs in from the header, and goes to the knowledge base from the home page.
    el(&c, "header .account a.button")
        .await
        .click()
        .await
        .unwrap();
    wait_url(&c, "/external/login").await;
    el(&c, "#login").await.send_keys("lacey").await.unwrap();
    el(&c, "#password").await.send_keys(PASSWORD).await.unwrap();
    el(&c, "button[type=submit]").await.click().await.unwrap();
    wait_source(&c, 10, |h| h.contains("Signed in")).await;
    c.find(Locator::LinkText("Knowledge Base"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_url(&c, "/external/kb").await;
    assert_eq!(text_of(&c, "header .user").await, "Lacey Customer");

    // Search, open the external article, vote Yes.
    el(&c, "#kb-q")
        .await
        .send_keys("printer driver")
        .await
        .unwrap();
    el(&c, "form.ext-search button[type=submit]")
        .await
        .click()
        .await
        .unwrap();
    wait_url(&c, "/external/kb/search?q=printer+driver").await;
    el(
        &c,
        &format!("ul.ext-list a[href='{}']", kb.page(kb.external)),
    )
    .await
    .click()
    .await
    .unwrap();
    wait_url(&c, &kb.page(kb.external)).await;
    assert_eq!(text_of(&c, "main h1").await, "Printer driver");
    let text = text_of(&c, "article.ext-article").await;
    assert!(text.contains(DRIVER_SOLUTION), "{text}");
    assert!(text.contains("Was this article helpful?"), "{text}");
    assert!(!text.contains("INTERNAL-COMMENT"), "{text}");
    el(&c, "form.ext-vote button[value=yes]")
        .await
        .click()
        .await
        .unwrap();
    wait_url(&c, "voted=1").await;
    let rating = text_of(&c, "#rating").await;
    assert!(rating.contains("Thank you for your vote."), "{rating}");
    assert!(
        rating.contains("100 % found this article helpful (1 vote)."),
        "{rating}"
    );
    let yes = KbRating {
        helpful: 1,
        votes: 1,
    };
    assert_eq!(kb.lacey_voted(kb.external).await, (yes, Some(true)));
    // Tall enough for the whole article, vote included.
    c.set_window_size(1280, 1050).await.unwrap();
    c.execute("window.scrollTo(0, 0)", vec![]).await.unwrap();
    shot(&c, "kb-external-article.png").await;

    // At phone width the header wraps and nothing is wider than the screen.
    c.set_window_size(390, 844).await.unwrap();
    let wide: bool = c
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1",
            vec![],
        )
        .await
        .unwrap()
        .as_bool()
        .unwrap();
    assert!(!wide, "the page scrolls sideways on a phone");
    shot(&c, "kb-external-phone.png").await;
    c.close().await.unwrap();
}
