//! The knowledge base of the external interface (`/external/kb`): what visitors and signed-in
//! customer users see (states, groups, validity, the internal comment), the vote (sign-in and
//! CSRF), files of articles one may not see, escaping, the related-articles endpoint, and the
//! pages in German. Every test checks the page and what the store holds.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, header};
use otrs_core::Principal;
use otrs_core::desk::{
    CustomerUserUpdate, KbArticleInput, KbCategoryUpdate, NewGroup, NewKbCategory,
};
use otrs_core::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId};
use otrs_core::model::{KbContentType, KbRating, KbState, NewAttachment, PermissionSet, Validity};
use otrs_http::i18n::{LANGUAGE_PREFERENCE, Language, untranslated_texts};

use crate::calendar_ui::submit;
use crate::support::{Caller, Resp, World};

/// A title with markup: it must reach every page as text.
pub(crate) const EVIL_TITLE: &str = "VPN <script>alert(1)</script> setup & <b>tips</b>";
/// The internal comment of the external article: never on an external page.
const COMMENT: &str = "INTERNAL-COMMENT-do-not-show";
/// The external article's solution.
pub(crate) const DRIVER_SOLUTION: &str = "Install driver 4.2 from the portal.";

/// The fixture desk with a knowledge base: lacey (customer) holds `ro` on the group
/// `kb-customers`; the categories Networking and its child Printers belong to that group, Secret to
/// `support` (lacey has no right there: she reads its public articles, not its external ones),
/// Retired is invalid.
pub(crate) struct Kb {
    pub w: World,
    pub general: KbCategoryId,
    pub printers: KbCategoryId,
    pub secret: KbCategoryId,
    pub retired: KbCategoryId,
    /// Public, HTML, in Networking, with a file; the title is [`EVIL_TITLE`].
    pub public: KbArticleId,
    pub public_file: KbAttachmentId,
    /// External, plain text, in Printers, with the internal comment and a file.
    pub external: KbArticleId,
    pub external_file: KbAttachmentId,
    /// Internal, in Networking, with a file.
    pub internal: KbArticleId,
    pub internal_file: KbAttachmentId,
    /// Public but invalid, in Networking.
    pub invalid: KbArticleId,
    /// External, in Secret.
    pub secret_external: KbArticleId,
    /// Public, in Secret (everybody reads it; the group only guards external articles).
    pub secret_public: KbArticleId,
    /// Public, in Retired.
    pub retired_public: KbArticleId,
}

fn file(name: &str, bytes: &'static [u8]) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: "text/plain".into(),
        content: Arc::from(bytes),
        content_id: None,
        inline: false,
    }
}

impl Kb {
    pub(crate) async fn new() -> Kb {
        Kb::on(World::new().await).await
    }

    /// The knowledge base of the fixtures on a world of one's own (other settings).
    pub(crate) async fn on(w: World) -> Kb {
        let admin = Principal::Agent(w.admin);
        let sys = Principal::SYSTEM;
        let group = w
            .desk
            .create_group(
                sys,
                NewGroup {
                    name: "kb-customers".into(),
                    comment: String::new(),
                },
            )
            .await
            .unwrap()
            .id;
        w.desk
            .update_customer_user(
                sys,
                w.lacey,
                CustomerUserUpdate {
                    groups: Some(BTreeMap::from([(group, PermissionSet::RO)])),
                    ..CustomerUserUpdate::default()
                },
            )
            .await
            .unwrap();
        let category = |name: &str, parent: Option<KbCategoryId>, group: GroupId| NewKbCategory {
            parent_id: parent,
            name: name.into(),
            comment: String::new(),
            group_ids: [group].into(),
        };
        let mk = |new: NewKbCategory| {
            let desk = w.desk.clone();
            async move { desk.create_kb_category(admin, new).await.unwrap().id }
        };
        let general = mk(category("Networking", None, group)).await;
        let printers = mk(category("Printers & <Scanners>", Some(general), group)).await;
        let secret = mk(category("Secret", None, w.support_group)).await;
        let retired = mk(category("Retired", None, group)).await;
        w.desk
            .update_kb_category(
                admin,
                retired,
                KbCategoryUpdate {
                    validity: Some(Validity::Invalid),
                    ..KbCategoryUpdate::default()
                },
                None,
            )
            .await
            .unwrap();
        let article = |category: KbCategoryId, title: &str, state: KbState, keywords: &str| {
            let mut input = KbArticleInput::new(category, title);
            input.state = state;
            input.keywords = keywords.into();
            input.solution = "<p>Follow <em>these</em> steps.</p>".into();
            input
        };
        let create = |input: KbArticleInput| {
            let desk = w.desk.clone();
            async move { desk.create_kb_article(admin, input).await.unwrap() }
        };
        let mut public = article(general, EVIL_TITLE, KbState::Public, "vpn network");
        public.symptom =
            "<p onclick=\"x()\">The VPN <b>drops</b><script>alert(2)</script></p>".into();
        public.problem = "<p> </p>".into();
        public
            .attachments
            .push(file("vpn <guide>.txt", b"vpn steps"));
        let public = create(public).await;
        let mut external = article(
            printers,
            "Printer driver",
            KbState::External,
            "printer driver",
        );
        external.content_type = KbContentType::Plain;
        external.symptom = "The printer prints blank pages since the last update.".into();
        external.problem = "The update replaced the printer driver with a generic one.".into();
        external.solution =
            format!("{DRIVER_SOLUTION}\nRestart, then press <Ctrl+P> to print a test page.");
        external.comment = COMMENT.into();
        external
            .attachments
            .push(file("driver.txt", b"driver bytes"));
        let external = create(external).await;
        let mut internal = article(general, "Internal escalation", KbState::Internal, "vpn");
        internal
            .attachments
            .push(file("internal.txt", b"internal bytes"));
        let internal = create(internal).await;
        let mut invalid = article(general, "Old VPN client", KbState::Public, "vpn");
        invalid.validity = Validity::Invalid;
        let invalid = create(invalid).await;
        let secret_external = create(article(
            secret,
            "Secret external",
            KbState::External,
            "printer",
        ))
        .await;
        let secret_public =
            create(article(secret, "Secret public", KbState::Public, "printer")).await;
        let retired_public =
            create(article(retired, "Retired public", KbState::Public, "vpn")).await;
        Kb {
            general,
            printers,
            secret,
            retired,
            public_file: public.attachments[0].id,
            public: public.id,
            external_file: external.attachments[0].id,
            external: external.id,
            internal_file: internal.attachments[0].id,
            internal: internal.id,
            invalid: invalid.id,
            secret_external: secret_external.id,
            secret_public: secret_public.id,
            retired_public: retired_public.id,
            w,
        }
    }

    /// An article's number (`FAQ#`).
    pub(crate) fn number(&self, id: KbArticleId) -> String {
        otrs_core::model::kb_article_number(self.w.desk.config().system_id, id)
    }

    /// An article's page.
    pub(crate) fn page(&self, id: KbArticleId) -> String {
        format!("/external/kb/{}", self.number(id))
    }

    /// The votes of an article, as the store holds them (read by the admin).
    pub(crate) async fn rating(&self, id: KbArticleId) -> KbRating {
        self.w
            .desk
            .kb_article(Principal::Agent(self.w.admin), id)
            .await
            .unwrap()
            .rating
    }

    /// What the store holds after lacey voted: the article's rating and lacey's own answer.
    pub(crate) async fn lacey_voted(&self, id: KbArticleId) -> (KbRating, Option<bool>) {
        let mine = self
            .w
            .desk
            .kb_article(Principal::Customer(self.w.lacey), id)
            .await
            .unwrap()
            .my_vote;
        (self.rating(id).await, mine)
    }

    pub(crate) async fn lacey(&self) -> Caller {
        self.w.session(Principal::Customer(self.w.lacey)).await
    }
}

async fn get_ok(w: &World, path: &str, caller: &Caller) -> String {
    let r = w.get(path, caller).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    assert_eq!(r.header("content-type"), "text/html; charset=utf-8");
    assert!(
        r.header("content-security-policy")
            .contains("script-src 'self'"),
        "{path} has the interface's CSP"
    );
    r.text()
}

fn assert_hidden(html: &str, texts: &[&str]) {
    for text in texts {
        assert!(!html.contains(text), "{text:?} must not show:\n{html}");
    }
}

fn assert_shown(html: &str, texts: &[&str]) {
    for text in texts {
        assert!(html.contains(text), "{text:?} is missing:\n{html}");
    }
}

fn related_numbers(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["articles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["number"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_visitor_reads_public_articles_only() {
    let kb = Kb::new().await;
    let w = &kb.w;
    let anon = Caller::anonymous();

    // The categories that hold something public: not Printers (external only), not Misc
    // (empty), not Retired (invalid).
    let home = get_ok(w, "/external/kb", &anon).await;
    assert_shown(
        &home,
        &[
            "Networking",
            "Secret",
            "href=\"/external/login\"",
            "name=\"q\"",
        ],
    );
    assert_hidden(
        &home,
        &[
            "Printers",
            "Misc",
            "Retired",
            "csrf_token",
            "/external/logout",
        ],
    );

    let all = get_ok(w, "/external/kb/search?q=", &anon).await;
    assert_shown(&all, &[&kb.page(kb.public), &kb.page(kb.secret_public)]);
    for hidden in [
        kb.external,
        kb.internal,
        kb.invalid,
        kb.secret_external,
        kb.retired_public,
    ] {
        assert_hidden(&all, &[&format!("\"{}\"", kb.page(hidden))]);
    }
    assert_hidden(
        &all,
        &[
            "Printer driver",
            "Internal escalation",
            "Old VPN client",
            "Retired public",
        ],
    );

    // The public article: the filled fields only, its HTML cleaned, the file, no vote form.
    let page = get_ok(w, &kb.page(kb.public), &anon).await;
    assert_shown(
        &page,
        &[
            "<h2>Symptom</h2>",
            "<p>The VPN <b>drops</b></p>",
            "<h2>Solution</h2>",
            "Sign in to rate this article.",
            "No votes yet.",
            &format!("{}/attachments/{}", kb.page(kb.public), kb.public_file),
        ],
    );
    assert_hidden(
        &page,
        &["<h2>Problem</h2>", "alert(2)", "onclick", "ext-vote"],
    );

    // Articles for customers, agents only, invalid ones and those of invalid categories: a
    // "not found" page offering the sign-in, never their content; the store still has them.
    for id in [kb.external, kb.internal, kb.invalid, kb.retired_public] {
        let r = w.get(&kb.page(id), &anon).await;
        assert_eq!(r.status, 404, "{}", kb.page(id));
        assert_shown(&r.text(), &["href=\"/external/login\""]);
        assert_hidden(
            &r.text(),
            &[
                "Printer driver",
                DRIVER_SOLUTION,
                "Internal escalation",
                "Old VPN",
                "Retired",
            ],
        );
        let stored = w
            .desk
            .kb_article(Principal::Agent(w.admin), id)
            .await
            .unwrap();
        assert_eq!(stored.article.id, id);
    }
    for (path, status) in [
        ("/external/kb/categories/999".to_owned(), 404),
        (format!("/external/kb/categories/{}", kb.retired), 404),
        (format!("/external/kb/categories/{}", kb.printers), 404),
        ("/external/kb/not-a-number".to_owned(), 404),
        ("/external/kb/search?offset=x".to_owned(), 422),
    ] {
        assert_eq!(w.get(&path, &anon).await.status, status, "{path}");
    }

    // Files: the public one downloads; a file of an article the visitor may not see is 404.
    let r = w
        .get(
            &format!("{}/attachments/{}", kb.page(kb.public), kb.public_file),
            &anon,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"vpn steps");
    assert!(r.header("content-disposition").starts_with("attachment;"));
    for (article, file) in [
        (kb.external, kb.external_file),
        (kb.internal, kb.internal_file),
        // A visible article with another article's file.
        (kb.public, kb.external_file),
    ] {
        let path = format!("{}/attachments/{}", kb.page(article), file.0);
        let r = w.get(&path, &anon).await;
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.text().contains("driver bytes") && !r.text().contains("internal bytes"));
    }

    // Related articles for a visitor: public ones only (the internal and the invalid article
    // have the keyword too).
    let r = w
        .get("/external/kb/related?text=my%20VPN%20fails", &anon)
        .await;
    assert_eq!(related_numbers(&r), [kb.number(kb.public)]);
    assert_eq!(r.json()["articles"][0]["title"], EVIL_TITLE);
    assert_eq!(r.json()["articles"][0]["url"], kb.page(kb.public).as_str());
}

#[tokio::test]
async fn a_customer_sees_external_and_public_articles_of_their_groups() {
    let kb = Kb::new().await;
    let w = &kb.w;
    let lacey = kb.lacey().await;

    let home = get_ok(w, "/external/kb", &lacey).await;
    assert_shown(
        &home,
        &[
            "Networking",
            "Printers &amp; &lt;Scanners&gt;",
            "Secret",
            "Lacey Customer",
            "action=\"/external/logout\"",
            "1 article",
        ],
    );
    assert_hidden(&home, &["Retired", "Misc", "href=\"/external/login\""]);

    let all = get_ok(w, "/external/kb/search", &lacey).await;
    assert_shown(
        &all,
        &[
            &kb.page(kb.public),
            &kb.page(kb.external),
            &kb.page(kb.secret_public),
            "Printer driver",
        ],
    );
    assert_hidden(
        &all,
        &[
            "Internal escalation",
            "Old VPN client",
            "Secret external",
            "Retired public",
        ],
    );
    let found = get_ok(w, "/external/kb/search?q=driver+4.2", &lacey).await;
    assert_shown(&found, &[&kb.page(kb.external)]);
    assert_hidden(&found, &[&format!("\"{}\"", kb.page(kb.public))]);

    // The external article, as text, without the internal comment that the store holds.
    let page = get_ok(w, &kb.page(kb.external), &lacey).await;
    assert_shown(
        &page,
        &[
            DRIVER_SOLUTION,
            "press &lt;Ctrl+P&gt; to print",
            "<h2>Symptom</h2>",
            "<h2>Problem</h2>",
            "Was this article helpful?",
            "name=\"csrf_token\"",
        ],
    );
    assert_hidden(&page, &[COMMENT, "<Ctrl+P>"]);
    let stored = w
        .desk
        .kb_article(Principal::Agent(w.admin), kb.external)
        .await
        .unwrap();
    assert_eq!(stored.article.comment, COMMENT);

    // The category pages: Networking lists its article and the subcategory; Secret (no group)
    // its public article only; Retired (invalid) is not found.
    let general = get_ok(
        w,
        &format!("/external/kb/categories/{}", kb.general),
        &lacey,
    )
    .await;
    assert_shown(
        &general,
        &[
            &kb.page(kb.public),
            &format!("/external/kb/categories/{}", kb.printers),
        ],
    );
    assert_hidden(&general, &["Internal escalation", "Old VPN client"]);
    let secret = get_ok(w, &format!("/external/kb/categories/{}", kb.secret), &lacey).await;
    assert_shown(&secret, &[&kb.page(kb.secret_public), "1 article"]);
    assert_hidden(&secret, &["Secret external", &kb.page(kb.secret_external)]);
    let r = w
        .get(&format!("/external/kb/categories/{}", kb.retired), &lacey)
        .await;
    assert_eq!(r.status, 404);
    for id in [
        kb.internal,
        kb.invalid,
        kb.secret_external,
        kb.retired_public,
    ] {
        let r = w.get(&kb.page(id), &lacey).await;
        assert_eq!(r.status, 404, "{}", kb.page(id));
        assert_hidden(
            &r.text(),
            &["Internal escalation", "Secret external", "Retired"],
        );
    }

    // Files: the external article's downloads; those of hidden articles are 404.
    let r = w
        .get(
            &format!("{}/attachments/{}", kb.page(kb.external), kb.external_file),
            &lacey,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"driver bytes");
    let r = w
        .get(
            &format!("{}/attachments/{}", kb.page(kb.internal), kb.internal_file),
            &lacey,
        )
        .await;
    assert_eq!(r.status, 404);

    // Related articles: external ones too (most matching keywords first), never the external
    // one of Secret.
    let r = w
        .get(
            "/external/kb/related?text=The%20printer%20driver%20crashed&limit=3",
            &lacey,
        )
        .await;
    assert_eq!(
        related_numbers(&r),
        [kb.number(kb.external), kb.number(kb.secret_public)]
    );

    // The sign-in pages lead to the knowledge base.
    let home = w.get("/external", &lacey).await.text();
    assert!(home.contains("href=\"/external/kb\""), "{home}");
    let login = w.get("/external/login", &Caller::anonymous()).await.text();
    assert!(login.contains("href=\"/external/kb\""));
    let agent_login = w.get("/agent/login", &Caller::anonymous()).await.text();
    assert!(!agent_login.contains("/external/kb"));
}

#[tokio::test]
async fn voting_needs_a_signed_in_customer_and_the_csrf_token() {
    let kb = Kb::new().await;
    let w = &kb.w;
    let lacey = kb.lacey().await;
    let csrf = lacey.csrf.clone().unwrap();
    let vote = format!("{}/vote", kb.page(kb.public));
    let none = KbRating::default();

    let r = w
        .call(Method::POST, &vote, &Caller::anonymous(), None)
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(kb.rating(kb.public).await, none);
    let tokenless = Caller {
        csrf: None,
        ..lacey.clone()
    };
    let r = w.call(Method::POST, &vote, &tokenless, None).await;
    assert_eq!(r.status, 403, "no token");
    let forged = Caller {
        csrf: Some("wrong".into()),
        ..lacey.clone()
    };
    let r = submit(w, &vote, &forged, &[("helpful", "yes")]).await;
    assert_eq!(r.status, 403, "a wrong token");
    assert_eq!(kb.rating(kb.public).await, none);
    let r = submit(w, &vote, &lacey, &[("helpful", "maybe")]).await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("helpful"), "the field is named");
    assert_eq!(kb.rating(kb.public).await, none);
    // A post from another site.
    let request = Request::builder()
        .method(Method::POST)
        .uri(&vote)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, lacey.cookie.clone().unwrap())
        .header(header::HOST, "desk.example.com")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(format!("csrf_token={csrf}&helpful=yes")))
        .unwrap();
    assert_eq!(w.send(request).await.status, 403);
    assert_eq!(kb.rating(kb.public).await, none);

    // Yes: back to the article, which shows the vote and the result.
    let r = submit(w, &vote, &lacey, &[("helpful", "yes")]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(
        r.header("location"),
        format!("{}?voted=1#rating", kb.page(kb.public))
    );
    assert_eq!(
        kb.rating(kb.public).await,
        KbRating {
            helpful: 1,
            votes: 1
        }
    );
    let page = get_ok(w, &format!("{}?voted=1", kb.page(kb.public)), &lacey).await;
    assert_shown(
        &page,
        &[
            "Thank you for your vote.",
            "100 % found this article helpful (1 vote).",
            "Your answer: Yes",
            "value=\"yes\" aria-describedby=\"kb-helpful\" aria-pressed=\"true\"",
        ],
    );
    // A second vote replaces the first.
    let r = submit(w, &vote, &lacey, &[("helpful", "no")]).await;
    assert_eq!(r.status, 303);
    let no = KbRating {
        helpful: 0,
        votes: 1,
    };
    assert_eq!(kb.lacey_voted(kb.public).await, (no, Some(false)));

    // Articles the customer may not see cannot be rated.
    for id in [kb.internal, kb.secret_external] {
        let r = submit(
            w,
            &format!("{}/vote", kb.page(id)),
            &lacey,
            &[("helpful", "yes")],
        )
        .await;
        assert_eq!(r.status, 404);
        assert_eq!(kb.rating(id).await, none);
    }
}

#[tokio::test]
async fn markup_in_titles_and_names_is_shown_as_text() {
    let kb = Kb::new().await;
    let w = &kb.w;
    let lacey = kb.lacey().await;
    let escaped = "VPN &lt;script&gt;alert(1)&lt;/script&gt; setup &amp; &lt;b&gt;tips&lt;/b&gt;";
    for path in [
        kb.page(kb.public),
        "/external/kb/search?q=vpn".to_owned(),
        format!("/external/kb/categories/{}", kb.general),
    ] {
        for caller in [&Caller::anonymous(), &lacey] {
            let html = get_ok(w, &path, caller).await;
            assert_shown(&html, &[escaped]);
            assert_hidden(&html, &["<script>alert(1)", "<b>tips"]);
        }
    }
    // A search text with markup comes back as text.
    let html = get_ok(w, "/external/kb/search?q=%22%3E%3Cscript%3Ex", &lacey).await;
    assert_hidden(&html, &["\"><script>x"]);
    // What the store holds is the title as written.
    let stored = w
        .desk
        .kb_article(Principal::Agent(w.admin), kb.public)
        .await
        .unwrap();
    assert_eq!(stored.article.title, EVIL_TITLE);
}

#[tokio::test]
async fn the_related_articles_endpoint_names_bad_fields() {
    let kb = Kb::new().await;
    let w = &kb.w;
    let lacey = kb.lacey().await;
    for (query, field) in [
        ("text=vpn&limit=0", "limit"),
        ("text=vpn&limit=21", "limit"),
        ("text=vpn&limit=x", "limit"),
    ] {
        let r = w
            .get(&format!("/external/kb/related?{query}"), &lacey)
            .await;
        let problem = r.problem("validation");
        assert_eq!(problem["errors"][0]["field"], field, "{query}");
    }
    let long = "a".repeat(20_001);
    let r = w
        .get(&format!("/external/kb/related?text={long}"), &lacey)
        .await;
    assert_eq!(r.problem("validation")["errors"][0]["field"], "text");
    let r = w
        .get("/external/kb/related?text=vpn&secret=1", &lacey)
        .await;
    assert!(
        r.status.is_client_error(),
        "an unknown parameter is refused"
    );
    // No keywords in the text: nothing.
    let r = w.get("/external/kb/related?text=hello", &lacey).await;
    assert!(related_numbers(&r).is_empty());
    // The store is as it was: no votes, the same articles.
    assert_eq!(kb.rating(kb.public).await, KbRating::default());
}

/// Sets a customer user's language preference.
async fn speak(w: &World, code: &str) {
    w.desk
        .update_customer_user(
            Principal::SYSTEM,
            w.lacey,
            CustomerUserUpdate {
                preferences: BTreeMap::from([(LANGUAGE_PREFERENCE.to_owned(), code.to_owned())]),
                ..CustomerUserUpdate::default()
            },
        )
        .await
        .unwrap();
}

fn assert_german(path: &str, html: &str) {
    assert!(html.contains("<html lang=\"de\""), "{path} is not German");
    let left = untranslated_texts(html, Language::German);
    assert!(left.is_empty(), "{path} has English texts: {left:?}");
    assert!(html.contains("Wissensdatenbank"), "{path}");
}

#[tokio::test]
async fn the_pages_follow_the_customers_language_and_the_browsers() {
    let kb = Kb::new().await;
    let w = &kb.w;
    speak(w, "de").await;
    let lacey = kb.lacey().await;
    submit(
        w,
        &format!("{}/vote", kb.page(kb.external)),
        &lacey,
        &[("helpful", "yes")],
    )
    .await;
    assert_eq!(kb.rating(kb.external).await.votes, 1);
    for path in [
        "/external/kb".to_owned(),
        "/external/kb/search?q=drucker".to_owned(),
        "/external/kb/search".to_owned(),
        format!("/external/kb/categories/{}", kb.general),
        format!("{}?voted=1", kb.page(kb.external)),
        kb.page(kb.public),
    ] {
        let html = get_ok(w, &path, &lacey).await;
        assert_german(&path, &html);
    }
    let page = get_ok(w, &format!("{}?voted=1", kb.page(kb.external)), &lacey).await;
    assert_shown(
        &page,
        &[
            "War dieser Artikel hilfreich?",
            "Danke für Ihre Bewertung.",
            "Abmelden",
        ],
    );
    let r = w.get(&kb.page(kb.internal), &lacey).await;
    assert_eq!(r.status, 404);
    assert_german("404", &r.text());

    // A visitor whose browser asks for German; the pages a visitor sees besides.
    let german_browser = |path: &str| {
        Request::builder()
            .uri(path)
            .header(header::ACCEPT_LANGUAGE, "de-DE,de;q=0.9,en;q=0.5")
            .body(Body::empty())
            .unwrap()
    };
    for path in [
        "/external/kb".to_owned(),
        kb.page(kb.public),
        "/external/login".to_owned(),
    ] {
        let r = w.send(german_browser(&path)).await;
        assert_eq!(r.status, 200, "{path}");
        assert_german(&path, &r.text());
    }
    let r = w.send(german_browser(&kb.page(kb.external))).await;
    assert_eq!(r.status, 404);
    assert_german("404 for a visitor", &r.text());
    // The English browser of the same visitor.
    let html = get_ok(w, "/external/kb", &Caller::anonymous()).await;
    assert!(html.contains("<html lang=\"en\"") && html.contains("Knowledge Base"));
}

#[tokio::test]
async fn unapproved_articles_stay_hidden_until_approved() {
    let w = World::with_configs(|desk| desk.kb_approval_required = true, |_| {}).await;
    let kb = Kb::on(w).await;
    let w = &kb.w;
    let lacey = kb.lacey().await;
    let stored = |id| async move {
        w.desk
            .kb_article(Principal::Agent(w.admin), id)
            .await
            .unwrap()
            .article
            .approved
    };
    assert!(!stored(kb.public).await, "new articles wait for approval");
    for caller in [&Caller::anonymous(), &lacey] {
        let home = get_ok(w, "/external/kb", caller).await;
        assert_shown(&home, &["There are no categories to show."]);
        assert_eq!(w.get(&kb.page(kb.public), caller).await.status, 404);
        let r = w.get("/external/kb/related?text=vpn", caller).await;
        assert!(related_numbers(&r).is_empty());
    }
    w.desk
        .set_kb_approval(Principal::Agent(w.admin), kb.public, true, None)
        .await
        .unwrap();
    assert!(stored(kb.public).await);
    for caller in [&Caller::anonymous(), &lacey] {
        let page = get_ok(w, &kb.page(kb.public), caller).await;
        assert_shown(&page, &["<h2>Symptom</h2>"]);
        let home = get_ok(w, "/external/kb", caller).await;
        assert_shown(&home, &["Networking", "1 article"]);
        assert_hidden(&home, &["Secret", "Printers"]);
    }
    // The external article still waits.
    assert_eq!(w.get(&kb.page(kb.external), &lacey).await.status, 404);
}
