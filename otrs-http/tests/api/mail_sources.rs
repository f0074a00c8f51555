//! E-mail threading and sources over HTTP: replies go out with In-Reply-To and References,
//! Plain View shows the bytes the relay received (or, before that, the queued message, labelled
//! so), received e-mail keeps the source it was created with (`raw_source_base64`), and the
//! `.eml` download is for those who may read the article.

use axum::http::Method;
use base64::Engine as _;
use otrs_core::Principal;
use otrs_core::desk::{ArticleInput, ArticleKind};
use otrs_core::ids::ArticleId;
use otrs_core::model::Article;
use serde_json::{Value, json};

use crate::support::{Caller, Resp, World};
use crate::ui_detail::{base, deliver, page, submit};

const ROOT: &str = "<root.7@customer.example>";
const PARENT: &str = "<toner.7@customer.example>";

/// A received e-mail on the fixture ticket that answers an earlier one.
async fn received(w: &World) -> ArticleId {
    let mut input = ArticleInput::new(ArticleKind::EmailInbound, "Toner empty", "It is empty.");
    input.from = Some("Lacey Customer <lacey@example.org>".into());
    input.message_id = Some(PARENT.into());
    input.in_reply_to = Some(ROOT.into());
    input.references = Some(ROOT.into());
    w.desk
        .add_article(Principal::SYSTEM, w.ticket, input)
        .await
        .unwrap()
        .id
}

/// The text of `<pre class="plain-source">`, unescaped.
fn plain_source(html: &str) -> String {
    let start = html
        .find("<pre class=\"plain-source\">")
        .unwrap_or_else(|| panic!("no source in {html}"))
        + "<pre class=\"plain-source\">".len();
    let end = start + html[start..].find("</pre>").unwrap();
    html[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// SMTP ends DATA with `CRLF . CRLF`; the relay adds the CRLF when the message lacks it.
fn without_final_crlf(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\r\n").unwrap_or(bytes)
}

/// A header's value, unfolded (long headers continue on lines starting with white space).
fn header_line(source: &str, name: &str) -> String {
    let head = source.split("\r\n\r\n").next().unwrap();
    let mut lines = head.split("\r\n");
    let first = lines
        .by_ref()
        .find_map(|l| l.strip_prefix(name))
        .unwrap_or_else(|| panic!("no {name} in {source}"));
    let mut value = first.to_owned();
    for continued in lines.take_while(|l| l.starts_with([' ', '\t'])) {
        value.push_str(continued);
    }
    value.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Runs an article action of the agent UI and returns the article it added.
async fn act(
    w: &World,
    caller: &Caller,
    on: ArticleId,
    action: &str,
    pairs: &[(&str, &str)],
) -> Article {
    let path = format!("{}/articles/{}/{action}", base(w), on.0);
    let r = submit(w, &path, caller, pairs).await;
    assert_eq!(r.status, 303, "{}", r.text());
    let articles = w.desk.articles(Principal::SYSTEM, w.ticket).await.unwrap();
    articles.last().unwrap().clone()
}

#[tokio::test]
async fn replies_are_threaded_and_plain_view_shows_the_bytes_the_relay_received() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let parent = received(&w).await;
    let reply = act(
        &w,
        &alice,
        parent,
        "reply",
        &[
            ("to", "Lacey Customer <lacey@example.org>"),
            ("subject", "Re: Toner empty"),
            ("body", "New toner is on its way.\n.\nA line with a dot."),
        ],
    )
    .await;
    assert_eq!(reply.in_reply_to.as_deref(), Some(PARENT));
    let chain = format!("{ROOT} {PARENT}");
    assert_eq!(reply.references.as_deref(), Some(chain.as_str()));
    let reply_id = reply.message_id.clone().unwrap();
    let plain = format!("{}/articles/{}/plain", base(&w), reply.id.0);

    // Queued: the message as it will be built, labelled so, and nothing to download yet.
    let html = page(&w, &plain, &alice).await.text();
    assert!(html.contains("data-source=\"queued\""), "{html}");
    assert!(html.contains("Queued for delivery, not sent yet"), "{html}");
    assert!(html.contains("Shown as it will be built"), "{html}");
    assert!(!html.contains("source.eml"), "{html}");
    let preview = plain_source(&html);
    assert_eq!(header_line(&preview, "In-Reply-To: "), PARENT);
    assert_eq!(header_line(&preview, "References: "), chain);
    let eml = format!("{}/articles/{}/source.eml", base(&w), reply.id.0);
    assert_eq!(page(&w, &eml, &alice).await.status, 409);

    // Sent: the sink received the threading headers and the article's Message-ID ...
    deliver(&w).await;
    w.smtp.wait_for("New toner is on its way.").await;
    let received_bytes = w
        .smtp
        .raw_messages()
        .into_iter()
        .find(|m| m.windows(9).any(|x| x == b"New toner"))
        .unwrap();
    let text = String::from_utf8(received_bytes.clone()).unwrap();
    assert_eq!(header_line(&text, "Message-ID: "), reply_id);
    assert_eq!(header_line(&text, "In-Reply-To: "), PARENT);
    assert_eq!(header_line(&text, "References: "), chain);
    // ... and Plain View shows exactly those bytes, as does the download.
    let html = page(&w, &plain, &alice).await.text();
    assert!(html.contains("data-source=\"sent\""), "{html}");
    assert!(html.contains("The e-mail as sent"), "{html}");
    assert!(html.contains("source.eml"), "{html}");
    let shown = plain_source(&html);
    assert_eq!(
        without_final_crlf(shown.as_bytes()),
        without_final_crlf(&received_bytes)
    );
    let download = page(&w, &eml, &alice).await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), "message/rfc822");
    assert_eq!(
        download.header("content-disposition"),
        format!("attachment; filename=\"article-{}.eml\"", reply.id.0)
    );
    assert_eq!(download.body, shown.as_bytes());

    // The customer answers; the agent answers that: the chain grows by one each time.
    let mut answer = ArticleInput::new(ArticleKind::EmailInbound, "Re: Re: Toner", "Thanks!");
    answer.message_id = Some("<thanks.7@customer.example>".into());
    answer.in_reply_to = Some(reply_id.clone());
    answer.references = Some(format!("{chain} {reply_id}"));
    let answer = w
        .desk
        .add_article(Principal::SYSTEM, w.ticket, answer)
        .await
        .unwrap()
        .id;
    act(
        &w,
        &alice,
        answer,
        "reply",
        &[("to", "lacey@example.org"), ("body", "You are welcome.")],
    )
    .await;
    deliver(&w).await;
    w.smtp.wait_for("You are welcome.").await;
    let second = w
        .smtp
        .raw_messages()
        .into_iter()
        .map(|m| String::from_utf8(m).unwrap())
        .find(|m| m.contains("You are welcome."))
        .unwrap();
    assert_eq!(
        header_line(&second, "In-Reply-To: "),
        "<thanks.7@customer.example>"
    );
    assert_eq!(
        header_line(&second, "References: "),
        format!("{chain} {reply_id} <thanks.7@customer.example>")
    );
    // A forward starts a new thread.
    let forward = act(
        &w,
        &alice,
        parent,
        "forward",
        &[("to", "vendor@example.net"), ("body", "See below.")],
    )
    .await;
    assert_eq!((forward.in_reply_to, forward.references), (None, None));
    assert!(forward.message_id.is_some());
}

#[tokio::test]
async fn an_article_without_a_kept_source_is_labelled_reconstructed() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let parent = received(&w).await;
    let html = page(
        &w,
        &format!("{}/articles/{}/plain", base(&w), parent.0),
        &alice,
    )
    .await
    .text();
    assert!(html.contains("data-source=\"reconstructed\""), "{html}");
    assert!(
        html.contains("Reconstructed from the stored fields"),
        "{html}"
    );
    assert!(!html.contains("source.eml"), "{html}");
    assert_eq!(header_line(&plain_source(&html), "Message-ID: "), PARENT);
    let eml = format!("{}/articles/{}/source.eml", base(&w), parent.0);
    assert_eq!(page(&w, &eml, &alice).await.status, 404);
}

fn article_body(raw: &[u8]) -> Value {
    json!({
        "kind": "email-inbound",
        "subject": "Paper jam",
        "body": "The printer jams.",
        "from": "Lacey Customer <lacey@example.org>",
        "message_id": "<jam.1@customer.example>",
        "raw_source_base64": base64::engine::general_purpose::STANDARD.encode(raw),
    })
}

/// A received e-mail as bytes that are not all UTF-8, with bare line feeds and a NUL.
const RAW: &[u8] = b"From: Lacey Customer <lacey@example.org>\r\nSubject: =?iso-8859-1?q?Papierstau?=\r\nMessage-ID: <jam.1@customer.example>\r\n\r\nDer Drucker \xe4chzt.\n\x00\r\n";

fn source_path(w: &World, article: u64) -> String {
    format!("/api/v1/tickets/{}/articles/{article}/source", w.ticket.0)
}

#[tokio::test]
async fn a_raw_source_round_trips_through_the_api() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let created = w
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{}/articles", w.ticket.0),
            &alice,
            Some(article_body(RAW)),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_u64().unwrap();
    let r = w.get(&source_path(&w, id), &alice).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), "message/rfc822");
    assert_eq!(&r.body[..], RAW, "the bytes as given");
    // The UI serves the same bytes and says where they come from.
    let ui = page(
        &w,
        &format!("{}/articles/{id}/source.eml", base(&w)),
        &alice,
    )
    .await;
    assert_eq!(&ui.body[..], RAW);
    let html = page(&w, &format!("{}/articles/{id}/plain", base(&w)), &alice)
        .await
        .text();
    assert!(html.contains("data-source=\"received\""), "{html}");
    assert!(html.contains("The e-mail as received"), "{html}");
    // A new ticket's first article may bring its source too.
    let ticket = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({
                "title": "Paper jam",
                "queue": "Support",
                "customer_user": "lacey",
                "article": article_body(b"Subject: first\r\n\r\nhello"),
            })),
        )
        .await;
    assert_eq!(ticket.status, 201, "{}", ticket.text());
    let ticket_id = ticket.json()["id"].as_u64().unwrap();
    let articles = w
        .get(&format!("/api/v1/tickets/{ticket_id}/articles"), &alice)
        .await
        .json();
    let first = articles["items"][0]["id"]
        .as_u64()
        .unwrap_or_else(|| panic!("{articles}"));
    let r = w
        .get(
            &format!("/api/v1/tickets/{ticket_id}/articles/{first}/source"),
            &alice,
        )
        .await;
    assert_eq!(&r.body[..], b"Subject: first\r\n\r\nhello");
    // Answering through the API: the threading headers come from the article answered.
    let reply = w
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{}/articles", w.ticket.0),
            &alice,
            Some(json!({
                "kind": "email-outbound",
                "to": "lacey@example.org",
                "body": "Fixed.",
                "reply_to_article_id": id,
            })),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.json()["in_reply_to"], "<jam.1@customer.example>");
    assert_eq!(reply.json()["references"], "<jam.1@customer.example>");
}

fn field_error(r: &Resp, field: &str) -> String {
    let problem = r.problem("validation");
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .unwrap_or_else(|| panic!("no error for {field}: {problem}"))["message"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn bad_raw_sources_are_refused_by_field_and_change_nothing() {
    let w = World::with_configs(|desk| desk.max_source_bytes = 64, |_| {}).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let before = w.fingerprint().await;
    let articles = format!("/api/v1/tickets/{}/articles", w.ticket.0);
    let post = |body: Value| w.call(Method::POST, &articles, &alice, Some(body));
    let r = post(article_body(&[b'x'; 65])).await;
    assert_eq!(r.status, 422, "{}", r.text());
    let message = field_error(&r, "raw_source_base64");
    assert!(
        message.contains("65 bytes") && message.contains("64"),
        "{message}"
    );
    let mut not_base64 = article_body(b"x");
    not_base64["raw_source_base64"] = json!("*not base64*");
    let r = post(not_base64).await;
    assert!(field_error(&r, "raw_source_base64").contains("base64"));
    let mut sent = article_body(b"x");
    sent["kind"] = json!("email-outbound");
    sent["to"] = json!("lacey@example.org");
    let r = post(sent).await;
    assert!(field_error(&r, "raw_source_base64").contains("email-inbound"));
    let r = post(json!({
        "kind": "email-outbound",
        "to": "lacey@example.org",
        "body": "x",
        "reply_to_article_id": 999_999,
    }))
    .await;
    field_error(&r, "reply_to_article_id");
    let r = post(json!({
        "kind": "email-outbound",
        "to": "lacey@example.org",
        "body": "x",
        "reply_to_article_id": w.article.0,
        "in_reply_to": "<x@y>",
    }))
    .await;
    field_error(&r, "in_reply_to");
    // On a new ticket the field is named inside the article.
    let r = w
        .call(
            Method::POST,
            "/api/v1/tickets",
            &alice,
            Some(json!({
                "title": "Too big",
                "queue": "Support",
                "article": article_body(&[b'x'; 65]),
            })),
        )
        .await;
    field_error(&r, "article.raw_source_base64");
    assert_eq!(w.fingerprint().await, before, "nothing was written");
    // At the limit it is kept.
    assert_eq!(post(article_body(&[b'x'; 64])).await.status, 201);
}

#[tokio::test]
async fn only_readers_of_the_article_get_its_source() {
    let w = World::new().await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let articles = format!("/api/v1/tickets/{}/articles", w.ticket.0);
    let create = |visible: bool| {
        let mut body = article_body(RAW);
        body["visible_for_customer"] = json!(visible);
        w.call(Method::POST, &articles, &alice, Some(body))
    };
    let visible = create(true).await.json()["id"].as_u64().unwrap();
    let internal = create(false).await.json()["id"].as_u64().unwrap();
    let no_bytes = |r: &Resp| {
        assert!(
            !r.body.windows(12).any(|x| x == b"Der Drucker "),
            "{}",
            r.text()
        );
    };
    // Agents without ro on the queue: refused, in the API and in the UI.
    for agent in [w.dave, w.erin] {
        let caller = w.session(Principal::Agent(agent)).await;
        let r = w.get(&source_path(&w, visible), &caller).await;
        assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
        no_bytes(&r);
        let r = page(
            &w,
            &format!("{}/articles/{visible}/source.eml", base(&w)),
            &caller,
        )
        .await;
        assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
        no_bytes(&r);
    }
    // The ticket's customer user reads the visible article's source, never the internal one's.
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let r = w.get(&source_path(&w, visible), &lacey).await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(&r.body[..], RAW);
    let r = w.get(&source_path(&w, internal), &lacey).await;
    assert_eq!(r.status, 404);
    no_bytes(&r);
    // Another company's customer user sees nothing.
    let mallory = w.session(Principal::Customer(w.mallory)).await;
    let r = w.get(&source_path(&w, visible), &mallory).await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.status);
    no_bytes(&r);
    // Customer users have no agent interface at all.
    let r = page(
        &w,
        &format!("{}/articles/{visible}/source.eml", base(&w)),
        &lacey,
    )
    .await;
    assert_ne!(r.status, 200);
    no_bytes(&r);
    // A phone call has no source.
    let r = w.get(&source_path(&w, w.article.0), &alice).await;
    assert_eq!(r.status, 409);
}
