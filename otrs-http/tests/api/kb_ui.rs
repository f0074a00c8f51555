//! The knowledge base in the agent interface over HTTP: the list (filters, sort, pages,
//! export), the create and edit screens (field errors, kept files, stale versions), the detail
//! view (widgets, escaping), voting, linking to tickets and articles (also from the ticket's
//! Link action and widget), unlinking, delete, history, approval and print; the permission
//! boundaries and the CSRF check of each; and the pages in German.

use std::collections::BTreeSet;
use std::sync::Arc;

use otrs_core::Principal;
use otrs_core::desk::{KbArticleInput, KbQuery, NewKbCategory};
use otrs_core::ids::{AgentId, GroupId, KbArticleId, KbCategoryId};
use otrs_core::model::{KbContentType, KbState, LinkType, NewAttachment, ObjectRef};

use crate::actions::submit_multipart;
use crate::i18n_views::{german, german_besides, speak};
use crate::support::{Caller, World};
use crate::ui_detail::{font_or_skip, page, pdf_text, submit};

/// The knowledge base of a test: a category of the support group (alice writes in it), one of
/// the admin group only, and an article in each.
pub(crate) struct Kb {
    pub(crate) software: KbCategoryId,
    pub(crate) secret: KbCategoryId,
    pub(crate) printer: KbArticleId,
    pub(crate) hidden: KbArticleId,
}

pub(crate) async fn category(w: &World, name: &str, group: GroupId) -> KbCategoryId {
    w.desk
        .create_kb_category(
            Principal::Agent(w.admin),
            NewKbCategory {
                parent_id: None,
                name: name.into(),
                comment: String::new(),
                group_ids: BTreeSet::from([group]),
            },
        )
        .await
        .unwrap()
        .id
}

pub(crate) async fn article(
    w: &World,
    by: AgentId,
    category: KbCategoryId,
    title: &str,
    edit: impl FnOnce(&mut KbArticleInput),
) -> KbArticleId {
    let mut input = KbArticleInput::new(category, title);
    edit(&mut input);
    w.desk
        .create_kb_article(Principal::Agent(by), input)
        .await
        .unwrap()
        .id
}

pub(crate) async fn kb(w: &World) -> Kb {
    let software = category(w, "Software", w.support_group).await;
    let secret = category(w, "Secret", GroupId::ADMIN).await;
    let printer = article(w, w.alice, software, "Printer shows error 42", |a| {
        a.keywords = "printer toner".into();
        a.content_type = KbContentType::Plain;
        a.symptom = "The printer blinks red.".into();
        a.problem = "The toner is empty.".into();
        a.solution = "Replace the toner.".into();
        a.comment = "Ask Bob for spare toner.".into();
    })
    .await;
    let hidden = article(w, w.admin, secret, "Admin passwords", |_| {}).await;
    Kb {
        software,
        secret,
        printer,
        hidden,
    }
}

fn number(w: &World, id: KbArticleId) -> String {
    otrs_core::model::kb_article_number(w.desk.config().system_id, id)
}

/// An agent who reads the support group's articles (rita: `ro` on support) but may not write
/// them.
async fn reader(w: &World) -> Caller {
    crate::ui_detail::reader(w).await.1
}

/// The value of the first `name="…" value="…"` input in a page.
fn input_value(html: &str, name: &str) -> String {
    let at = html
        .find(&format!("name=\"{name}\" value=\""))
        .unwrap_or_else(|| panic!("no {name} input"));
    let rest = &html[at + name.len() + 15..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn stored(w: &World, id: KbArticleId) -> otrs_core::desk::KbArticleView {
    w.desk.kb_article(Principal::SYSTEM, id).await.unwrap()
}

#[tokio::test]
async fn the_list_filters_sorts_pages_and_exports() {
    let w = World::new().await;
    let kb = kb(&w).await;
    article(&w, w.alice, kb.software, "Access VPN from home", |a| {
        a.state = KbState::Public;
    })
    .await;
    let alice = w.session(Principal::Agent(w.alice)).await;

    let html = page(&w, "/agent/kb", &alice).await.text();
    assert!(html.contains("Printer shows error 42"), "{html}");
    assert!(html.contains("Access VPN from home"));
    assert!(html.contains(&number(&w, kb.printer)));
    // The admin's category and article are not alice's to see, not even as a filter.
    assert!(!html.contains("Admin passwords"));
    assert!(!html.contains("Secret"));
    assert!(html.contains("id=\"total-count\">2<"));

    // Text and state filters.
    let html = page(&w, "/agent/kb?q=toner", &alice).await.text();
    assert!(html.contains("Printer shows error 42"));
    assert!(!html.contains("Access VPN from home"));
    let html = page(&w, "/agent/kb?state=public", &alice).await.text();
    assert!(!html.contains("Printer shows error 42"));
    assert!(html.contains("Access VPN from home"));
    let html = page(&w, &format!("/agent/kb?category={}", kb.software.0), &alice)
        .await
        .text();
    assert!(html.contains("Printer shows error 42"));

    // Sort by title both ways.
    let html = page(&w, "/agent/kb?sort=title", &alice).await.text();
    assert!(html.find("Access VPN").unwrap() < html.find("Printer shows").unwrap());
    assert!(html.contains("aria-sort=\"ascending\""));
    let html = page(&w, "/agent/kb?sort=-title", &alice).await.text();
    assert!(html.find("Access VPN").unwrap() > html.find("Printer shows").unwrap());
    // An unknown column is a clear error, not a crash.
    assert_eq!(page(&w, "/agent/kb?sort=colour", &alice).await.status, 422);

    // Pages of 25.
    for n in 0..25 {
        article(
            &w,
            w.alice,
            kb.software,
            &format!("Bulk article {n:02}"),
            |_| {},
        )
        .await;
    }
    let first = page(&w, "/agent/kb?sort=title", &alice).await.text();
    assert!(first.contains("Page 1 of 2"));
    assert!(first.contains("rel=\"next\""));
    let second = page(&w, "/agent/kb?sort=title&page=2", &alice).await.text();
    assert!(second.contains("Printer shows error 42"));
    assert!(!second.contains("Access VPN"));

    // CSV with every match (not only the page), formulas neutralised; Excel as a workbook.
    let csv = page(&w, "/agent/kb/export?format=csv&q=toner", &alice).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    let text = csv.text();
    assert!(text.contains("FAQ#,Title,Category,Language,State,Validity,Changed"));
    assert!(text.contains("Printer shows error 42,Software,en,internal (agent),valid"));
    assert_eq!(text.lines().count(), 2);
    let all = page(&w, "/agent/kb/export?format=csv", &alice).await.text();
    assert_eq!(all.lines().count(), 28);
    // A title a spreadsheet would run as a formula is written as text.
    article(&w, w.alice, kb.software, "=HYPERLINK(\"x\")", |_| {}).await;
    let formula = page(&w, "/agent/kb/export?format=csv&q=hyperlink", &alice)
        .await
        .text();
    assert!(
        formula.contains(",\"'=HYPERLINK(\"\"x\"\")\","),
        "{formula}"
    );
    assert!(!all.contains("Admin passwords"));
    let xlsx = page(&w, "/agent/kb/export?format=xlsx", &alice).await;
    assert_eq!(xlsx.status, 200);
    assert_eq!(&xlsx.body[..2], b"PK");
}

#[tokio::test]
async fn creating_keeps_the_values_and_files_on_error_and_saves_nothing_until_valid() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let count = || async {
        w.desk
            .search_kb(Principal::Agent(w.admin), KbQuery::default())
            .await
            .unwrap()
            .total
    };
    let before = count().await;

    let form = page(&w, "/agent/kb/new", &alice).await;
    assert_eq!(form.status, 200);
    let html = form.text();
    for needle in [
        "name=\"title\"",
        "name=\"keywords\"",
        "name=\"category\"",
        "name=\"state\"",
        "name=\"validity\"",
        "name=\"language\"",
        "name=\"attachments\"",
        "name=\"symptom\"",
        "name=\"problem\"",
        "name=\"solution\"",
        "name=\"comment\"",
        "Software",
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    // Alice may not write in the admin's category: it is not offered.
    assert!(!html.contains("Secret"));

    let software = kb.software.0.to_string();
    let r = submit_multipart(
        &w,
        "/agent/kb/new",
        &alice,
        &[
            ("title", ""),
            ("keywords", "wifi roaming"),
            ("category", &software),
            ("state", "external"),
            ("validity", "valid"),
            ("language", "en"),
            ("solution", "Restart the <b>router</b>."),
        ],
        &[(
            "attachments",
            "router.png",
            "image/png",
            b"\x89PNG\r\n\x1a\nrouter",
        )],
    )
    .await;
    assert_eq!(r.status, 422);
    let html = r.text();
    assert!(html.contains("id=\"err-title\""), "{html}");
    assert!(html.contains("value=\"wifi roaming\""));
    assert!(html.contains("Restart the &lt;b&gt;router&lt;/b&gt;."));
    assert!(html.contains("data-kept-file=\"router.png\""));
    assert_eq!(count().await, before, "nothing is saved on error");

    // A category the agent may not write in is refused by the desk with nothing saved.
    let secret = kb.secret.0.to_string();
    let refused = submit_multipart(
        &w,
        "/agent/kb/new",
        &alice,
        &[
            ("title", "Sneaky"),
            ("category", &secret),
            ("state", "internal"),
            ("validity", "valid"),
            ("language", "en"),
        ],
        &[],
    )
    .await;
    assert!(
        matches!(refused.status.as_u16(), 403 | 422),
        "{}",
        refused.status
    );
    assert_eq!(count().await, before);

    // Sent again with a title (and the form's key): saved, with the kept file.
    let key = input_value(&html, "form_key");
    let r = submit_multipart(
        &w,
        "/agent/kb/new",
        &alice,
        &[
            ("form_key", &key),
            ("title", "Wi-Fi drops when roaming"),
            ("keywords", "wifi roaming"),
            ("category", &software),
            ("state", "external"),
            ("validity", "valid"),
            ("language", "en"),
            ("solution", "Restart the router."),
            ("comment", "Happens on floor 3."),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let location = r.header("location");
    let id: u64 = location
        .strip_prefix("/agent/kb/")
        .unwrap()
        .parse()
        .unwrap();
    let view = stored(&w, KbArticleId(id)).await;
    let a = &view.article;
    assert_eq!(a.title, "Wi-Fi drops when roaming");
    assert_eq!(a.state, KbState::External);
    assert_eq!(a.category_id, kb.software);
    assert_eq!(a.keywords, "wifi roaming");
    assert_eq!(a.comment, "Happens on floor 3.");
    assert_eq!(a.content_type, KbContentType::Plain);
    assert_eq!(a.attachments.len(), 1);
    assert_eq!(a.attachments[0].filename, "router.png");
    assert_eq!(count().await, before + 1);
    // The form no longer keeps the file.
    assert!(
        w.desk
            .form_uploads(Principal::Agent(w.alice), &key)
            .await
            .unwrap()
            .is_empty()
    );

    // Dave holds no group: no category to write in.
    let dave = w.session(Principal::Agent(w.dave)).await;
    assert_eq!(page(&w, "/agent/kb/new", &dave).await.status, 403);
}

#[tokio::test]
async fn the_detail_view_shows_the_widgets_cleans_html_and_escapes_titles() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let evil = article(
        &w,
        w.alice,
        kb.software,
        "<script>alert(1)</script> title",
        |a| {
            a.content_type = KbContentType::Html;
            a.symptom = "<p onclick=\"x()\">Hot <b>fan</b><script>alert(2)</script></p>".into();
            a.attachments.push(NewAttachment {
                filename: "fan.png".into(),
                content_type: "image/png".into(),
                content: Arc::from(&b"\x89PNG\r\n\x1a\nfan"[..]),
                content_id: None,
                inline: false,
            });
        },
    )
    .await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let html = page(&w, &format!("/agent/kb/{}", evil.0), &alice)
        .await
        .text();
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; title"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains("<p>Hot <b>fan</b></p>"));
    assert!(!html.contains("onclick"));
    let file = stored(&w, evil).await.article.attachments[0].id;
    assert!(html.contains(&format!(
        "/agent/kb/{}/attachments/{}?inline=1",
        evil.0, file.0
    )));
    let download = page(
        &w,
        &format!("/agent/kb/{}/attachments/{}", evil.0, file.0),
        &alice,
    )
    .await;
    assert_eq!(download.status, 200);
    assert_eq!(download.header("content-type"), "image/png");
    assert!(
        download
            .header("content-disposition")
            .starts_with("attachment")
    );

    let html = page(&w, &format!("/agent/kb/{}", kb.printer.0), &alice)
        .await
        .text();
    for needle in [
        "id=\"symptom\"",
        "The printer blinks red.",
        "id=\"problem\"",
        "id=\"solution\"",
        "Replace the toner.",
        "id=\"properties\"",
        "id=\"card-state\"",
        "data-inline=\"inline-state\"",
        "internal (agent)",
        "id=\"rating\"",
        "Was this article helpful?",
        "No votes yet.",
        "id=\"comment\"",
        "Ask Bob for spare toner.",
        "id=\"people\"",
        "Created by",
        // Actions alice may run.
        &format!("/agent/kb/{}/edit\"", kb.printer.0),
        &format!("/agent/kb/{}/link\"", kb.printer.0),
        &format!("/agent/kb/{}/delete\"", kb.printer.0),
        &format!("/agent/kb/{}/history\"", kb.printer.0),
        &format!("/agent/kb/{}/print\"", kb.printer.0),
    ] {
        assert!(html.contains(needle), "{needle}");
    }
    // No links yet: no link widgets.
    assert!(!html.contains("id=\"linked-tickets\""));
    assert!(!html.contains("id=\"linked-kb-articles\""));

    // A reader sees the article without the actions that change it, and the routes refuse.
    let rita = reader(&w).await;
    let html = page(&w, &format!("/agent/kb/{}", kb.printer.0), &rita)
        .await
        .text();
    assert!(html.contains("Printer shows error 42"));
    assert!(!html.contains(&format!("/agent/kb/{}/edit", kb.printer.0)));
    assert!(!html.contains(&format!("/agent/kb/{}/delete\"", kb.printer.0)));
    assert!(html.contains(&format!("/agent/kb/{}/history\"", kb.printer.0)));
    let before = stored(&w, kb.printer).await.article;
    for path in ["edit", "edit/title", "link", "delete"] {
        let r = page(&w, &format!("/agent/kb/{}/{path}", kb.printer.0), &rita).await;
        assert_eq!(r.status, 403, "{path}");
    }
    let r = submit_multipart(
        &w,
        &format!("/agent/kb/{}/edit", kb.printer.0),
        &rita,
        &[
            ("version", &before.version.to_string()),
            ("title", "Hijacked"),
            ("category", &kb.software.0.to_string()),
            ("state", "public"),
            ("validity", "valid"),
            ("language", "en"),
        ],
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = submit(
        &w,
        &format!("/agent/kb/{}/edit/title", kb.printer.0),
        &rita,
        &[
            ("version", &before.version.to_string()),
            ("title", "Hijacked"),
        ],
    )
    .await;
    assert_eq!(r.status, 403);
    let r = submit(
        &w,
        &format!("/agent/kb/{}/delete", kb.printer.0),
        &rita,
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        stored(&w, kb.printer).await.article,
        before,
        "nothing changed"
    );

    // Agents outside the category's groups do not find the article at all.
    let erin = w.session(Principal::Agent(w.erin)).await;
    for path in ["", "/history", "/print", "/edit"] {
        let r = page(&w, &format!("/agent/kb/{}{path}", kb.printer.0), &erin).await;
        assert_eq!(r.status, 404, "{path}");
    }
    let r = submit(
        &w,
        &format!("/agent/kb/{}/vote", kb.printer.0),
        &erin,
        &[("helpful", "yes")],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(stored(&w, kb.printer).await.rating.votes, 0);
    let r = page(&w, &format!("/agent/kb/{}", kb.hidden.0), &alice).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn edits_save_and_stale_versions_are_refused_with_the_typed_values_kept() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let path = format!("/agent/kb/{}/edit", kb.printer.0);
    let html = page(&w, &path, &alice).await.text();
    assert!(html.contains("value=\"Printer shows error 42\""));
    let version = input_value(&html, "version");

    // Someone else changes the article meanwhile.
    w.desk
        .update_kb_article(
            Principal::Agent(w.admin),
            kb.printer,
            otrs_core::desk::KbArticleUpdate {
                keywords: Some("printer toner red".into()),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let software = kb.software.0.to_string();
    let fields = |version: &str, title: &str| {
        vec![
            ("version".to_owned(), version.to_owned()),
            ("title".to_owned(), title.to_owned()),
            ("category".to_owned(), software.clone()),
            ("state".to_owned(), "public".to_owned()),
            ("validity".to_owned(), "valid".to_owned()),
            ("language".to_owned(), "en".to_owned()),
            (
                "solution".to_owned(),
                "Replace the toner cartridge.".to_owned(),
            ),
        ]
    };
    let stale = fields(&version, "Printer error 42 (red light)");
    let pairs: Vec<(&str, &str)> = stale
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = submit_multipart(&w, &path, &alice, &pairs, &[]).await;
    assert_eq!(r.status, 412);
    let html = r.text();
    assert!(html.contains("changed by someone else"), "{html}");
    assert!(html.contains("value=\"Printer error 42 (red light)\""));
    let now = stored(&w, kb.printer).await.article;
    assert_eq!(now.title, "Printer shows error 42");
    assert_eq!(now.state, KbState::Internal);

    // With the current version the change is saved, a file added and the history names it.
    let current = fields(&now.version.to_string(), "Printer error 42 (red light)");
    let pairs: Vec<(&str, &str)> = current
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = submit_multipart(
        &w,
        &path,
        &alice,
        &pairs,
        &[("attachments", "manual.txt", "text/plain", b"Open the lid.")],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let saved = stored(&w, kb.printer).await.article;
    assert_eq!(saved.title, "Printer error 42 (red light)");
    assert_eq!(saved.state, KbState::Public);
    assert_eq!(saved.solution, "Replace the toner cartridge.");
    assert_eq!(saved.attachments.len(), 1);

    // Removing the file from the edit screen.
    let html = page(&w, &path, &alice).await.text();
    let version = input_value(&html, "version");
    let mut remove = fields(&version, "Printer error 42 (red light)");
    remove.push((
        "remove_attachment".into(),
        saved.attachments[0].id.0.to_string(),
    ));
    let pairs: Vec<(&str, &str)> = remove
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = submit_multipart(&w, &path, &alice, &pairs, &[]).await;
    assert_eq!(r.status, 303);
    assert!(stored(&w, kb.printer).await.article.attachments.is_empty());

    // Inline edit of one property, and a stale one.
    let version = stored(&w, kb.printer).await.article.version.to_string();
    let inline = format!("/agent/kb/{}/edit/validity", kb.printer.0);
    let r = submit(
        &w,
        &inline,
        &alice,
        &[("version", "1"), ("validity", "invalid")],
    )
    .await;
    assert_eq!(r.status, 412);
    assert!(r.text().contains("changed by someone else"));
    assert!(stored(&w, kb.printer).await.article.validity.is_valid());
    let r = submit(
        &w,
        &inline,
        &alice,
        &[("version", &version), ("validity", "invalid")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(!stored(&w, kb.printer).await.article.validity.is_valid());
    // A bad choice names the field and changes nothing.
    let version = stored(&w, kb.printer).await.article.version.to_string();
    let state = format!("/agent/kb/{}/edit/state", kb.printer.0);
    let r = submit(
        &w,
        &state,
        &alice,
        &[("version", &version), ("state", "secret")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("id=\"err-state\""));
    assert_eq!(stored(&w, kb.printer).await.article.state, KbState::Public);
}

#[tokio::test]
async fn votes_links_and_unlinks_show_on_both_sides() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let detail = format!("/agent/kb/{}", kb.printer.0);

    // Rating.
    let r = submit(&w, &format!("{detail}/vote"), &alice, &[("helpful", "yes")]).await;
    assert_eq!(r.status, 303);
    let view = w
        .desk
        .kb_article(Principal::Agent(w.alice), kb.printer)
        .await
        .unwrap();
    assert_eq!((view.rating.helpful, view.rating.votes), (1, 1));
    assert_eq!(view.my_vote, Some(true));
    let html = page(&w, &detail, &alice).await.text();
    assert!(
        html.contains("100 % found it helpful (1 of 1 votes)."),
        "{html}"
    );
    assert!(html.contains("Your vote: yes"));
    let r = submit(
        &w,
        &format!("{detail}/vote"),
        &alice,
        &[("helpful", "maybe")],
    )
    .await;
    assert_eq!(r.status, 422);

    // Link to the fixture ticket by its number.
    let ticket = w.desk.ticket(Principal::SYSTEM, w.ticket).await.unwrap();
    let r = submit(
        &w,
        &format!("{detail}/link"),
        &alice,
        &[("target", &ticket.number)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let links = w
        .desk
        .links(Principal::SYSTEM, ObjectRef::KbArticle(kb.printer))
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert_eq!(
        links[0].other_end(ObjectRef::KbArticle(kb.printer)),
        ObjectRef::Ticket(w.ticket)
    );
    let html = page(&w, &detail, &alice).await.text();
    assert!(html.contains("Linked Tickets (1 Ticket)"));
    assert!(html.contains(&ticket.number));
    // The ticket shows the article in its own widget.
    let tpage = page(&w, &format!("/agent/tickets/{}", w.ticket.0), &alice)
        .await
        .text();
    assert!(tpage.contains("id=\"linked-kb-articles\""));
    assert!(tpage.contains("Linked Knowledge Base Articles (1 Article)"));
    assert!(tpage.contains(&number(&w, kb.printer)));
    assert!(tpage.contains(&format!(
        "/agent/tickets/{}/links/{}/unlink",
        w.ticket.0, links[0].id.0
    )));

    // Link to another article through a search.
    let other = article(&w, w.alice, kb.software, "Toner order form", |_| {}).await;
    let r = submit(
        &w,
        &format!("{detail}/link"),
        &alice,
        &[("kb_target", "order form"), ("search", "1")],
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        r.text()
            .contains(&format!("name=\"kb_target_id\" value=\"{}\"", other.0))
    );
    let r = submit(
        &w,
        &format!("{detail}/link"),
        &alice,
        &[("kb_target_id", &other.0.to_string())],
    )
    .await;
    assert_eq!(r.status, 303);
    let html = page(&w, &detail, &alice).await.text();
    assert!(html.contains("Linked Knowledge Base Articles (1 Article)"));
    assert!(html.contains("Toner order form"));
    // Linking twice is refused with the reason.
    let r = submit(
        &w,
        &format!("{detail}/link"),
        &alice,
        &[("kb_target", &number(&w, other))],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("already linked"));
    // A target that does not exist names the field.
    let r = submit(
        &w,
        &format!("{detail}/link"),
        &alice,
        &[("target", "999999")],
    )
    .await;
    assert_eq!(r.status, 422);
    assert!(r.text().contains("id=\"err-target\""));

    // Unlink the ticket from the article.
    let ticket_link = links[0].id;
    let r = submit(
        &w,
        &format!("{detail}/links/{}/unlink", ticket_link.0),
        &alice,
        &[],
    )
    .await;
    assert_eq!(r.status, 303);
    let links = w
        .desk
        .links(Principal::SYSTEM, ObjectRef::KbArticle(kb.printer))
        .await
        .unwrap();
    assert_eq!(links.len(), 1);
    assert!(
        !page(&w, &detail, &alice)
            .await
            .text()
            .contains("Linked Tickets")
    );
    // A link of some other object cannot be removed through this article.
    let r = submit(
        &w,
        &format!("{detail}/links/{}/unlink", w.link.0),
        &alice,
        &[],
    )
    .await;
    assert_eq!(r.status, 404);
    assert_eq!(
        w.desk
            .links(Principal::SYSTEM, ObjectRef::Ticket(w.ticket))
            .await
            .unwrap()
            .len(),
        1
    );

    // The ticket's Link action links an article by its number, and its widget unlinks it.
    let action = format!("/agent/tickets/{}/actions/link", w.ticket.0);
    let form = page(&w, &action, &alice).await.text();
    assert!(form.contains("name=\"kb_target\""));
    let r = submit(
        &w,
        &action,
        &alice,
        &[("kb_target", &number(&w, kb.printer))],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let ticket_links = w
        .desk
        .links(Principal::SYSTEM, ObjectRef::Ticket(w.ticket))
        .await
        .unwrap();
    let kb_link = ticket_links
        .iter()
        .find(|l| l.other_end(ObjectRef::Ticket(w.ticket)) == ObjectRef::KbArticle(kb.printer))
        .expect("the article is linked");
    assert_eq!(kb_link.link_type, LinkType::Normal);
    let r = submit(
        &w,
        &format!(
            "/agent/tickets/{}/links/{}/unlink",
            w.ticket.0, kb_link.id.0
        ),
        &alice,
        &[],
    )
    .await;
    assert_eq!(r.status, 303);
    let tpage = page(&w, &format!("/agent/tickets/{}", w.ticket.0), &alice)
        .await
        .text();
    assert!(!tpage.contains("id=\"linked-kb-articles\""));
    // The widget takes part in the ticket view's screen configuration.
    let screen = page(&w, "/agent/tickets/screen", &alice).await.text();
    assert!(screen.contains("name=\"pos_linked-kb-articles\""));

    // History names what happened.
    let html = page(&w, &format!("{detail}/history"), &alice).await.text();
    for needle in ["Created", "Rated", "Link added", "Link removed"] {
        assert!(html.contains(needle), "{needle}");
    }
}

#[tokio::test]
async fn an_article_writer_who_only_reads_the_ticket_unlinks_from_the_article_side() {
    let w = World::new().await;
    let sys = Principal::SYSTEM;
    let writers = w
        .desk
        .create_group(
            sys,
            otrs_core::desk::NewGroup {
                name: "kb-writers".into(),
                comment: String::new(),
            },
        )
        .await
        .unwrap()
        .id;
    let manuals = category(&w, "Manuals", writers).await;
    let kim = w
        .desk
        .create_agent(
            sys,
            otrs_core::desk::NewAgent {
                login: "kim".into(),
                first_name: "Kim".into(),
                last_name: "Writer".into(),
                email: "kim@example.com".into(),
                password_hash: None,
                must_change_password: false,
                groups: std::collections::BTreeMap::from([
                    (GroupId::USERS, otrs_core::model::PermissionSet::RW),
                    (writers, otrs_core::model::PermissionSet::RW),
                    (w.support_group, otrs_core::model::PermissionSet::RO),
                ]),
            },
        )
        .await
        .unwrap()
        .id;
    let manual = article(&w, kim, manuals, "Printer manual", |_| {}).await;
    let kim_caller = w.session(Principal::Agent(kim)).await;
    let ticket = w.desk.ticket(sys, w.ticket).await.unwrap();
    let detail = format!("/agent/kb/{}", manual.0);
    let r = submit(
        &w,
        &format!("{detail}/link"),
        &kim_caller,
        &[("target", &ticket.number)],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let link = w
        .desk
        .links(sys, ObjectRef::KbArticle(manual))
        .await
        .unwrap()[0]
        .id;
    // The ticket shows the article to kim, but kim may not change the ticket: no unlink there,
    // and the ticket's unlink route refuses.
    let tpage = page(&w, &format!("/agent/tickets/{}", w.ticket.0), &kim_caller)
        .await
        .text();
    assert!(tpage.contains("Linked Knowledge Base Articles (1 Article)"));
    assert!(!tpage.contains(&format!("/links/{}/unlink", link.0)));
    let r = submit(
        &w,
        &format!("/agent/tickets/{}/links/{}/unlink", w.ticket.0, link.0),
        &kim_caller,
        &[],
    )
    .await;
    assert_eq!(r.status, 403);
    assert_eq!(
        w.desk
            .links(sys, ObjectRef::KbArticle(manual))
            .await
            .unwrap()
            .len(),
        1
    );
    // From the article, which kim writes, the link goes.
    let html = page(&w, &detail, &kim_caller).await.text();
    assert!(html.contains(&format!("{detail}/links/{}/unlink", link.0)));
    let r = submit(
        &w,
        &format!("{detail}/links/{}/unlink", link.0),
        &kim_caller,
        &[],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        w.desk
            .links(sys, ObjectRef::KbArticle(manual))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn posts_need_the_csrf_token() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let mut alice = w.session(Principal::Agent(w.alice)).await;
    alice.csrf = Some("wrong-token".into());
    let detail = format!("/agent/kb/{}", kb.printer.0);
    let before = stored(&w, kb.printer).await;
    for (path, pairs) in [
        (format!("{detail}/vote"), vec![("helpful", "yes")]),
        (format!("{detail}/delete"), vec![]),
        (
            format!("{detail}/edit/title"),
            vec![("version", "0"), ("title", "X")],
        ),
        (format!("{detail}/link"), vec![("kb_target", "1")]),
    ] {
        let r = submit(&w, &path, &alice, &pairs).await;
        assert_eq!(r.status, 403, "{path}");
    }
    let r = submit_multipart(&w, "/agent/kb/new", &alice, &[("title", "X")], &[]).await;
    assert_eq!(r.status, 403);
    assert_eq!(stored(&w, kb.printer).await, before);
}

#[tokio::test]
async fn delete_asks_first_and_removes_the_article_with_its_links() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    w.desk
        .link(
            Principal::Agent(w.alice),
            ObjectRef::KbArticle(kb.printer),
            ObjectRef::Ticket(w.ticket),
            LinkType::Normal,
        )
        .await
        .unwrap();
    let detail = format!("/agent/kb/{}", kb.printer.0);
    let html = page(&w, &format!("{detail}/delete"), &alice).await.text();
    assert!(html.contains("Do you really want to delete"));
    let version = w
        .desk
        .kb_article(Principal::SYSTEM, kb.printer)
        .await
        .unwrap()
        .article
        .version;
    assert!(
        html.contains(&format!("name=\"version\" value=\"{version}\"")),
        "{html}"
    );
    // Confirmed for a version someone has since changed: refused, nothing deleted.
    let stale = (version + 1).to_string();
    let r = submit(
        &w,
        &format!("{detail}/delete"),
        &alice,
        &[("version", &stale)],
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    assert!(r.text().contains("changed by someone else"), "{}", r.text());
    assert!(
        w.desk
            .kb_article(Principal::SYSTEM, kb.printer)
            .await
            .is_ok()
    );
    let current = version.to_string();
    let r = submit(
        &w,
        &format!("{detail}/delete"),
        &alice,
        &[("version", &current)],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(r.header("location").starts_with("/agent/kb?deleted="));
    assert!(
        w.desk
            .kb_article(Principal::SYSTEM, kb.printer)
            .await
            .is_err()
    );
    assert!(
        w.desk
            .links(Principal::SYSTEM, ObjectRef::Ticket(w.ticket))
            .await
            .unwrap()
            .iter()
            .all(|l| l.other_end(ObjectRef::Ticket(w.ticket)) != ObjectRef::KbArticle(kb.printer))
    );
    let list = page(&w, r.header("location").as_str(), &alice).await.text();
    assert!(list.contains("was deleted"));
    assert_eq!(page(&w, &detail, &alice).await.status, 404);
}

#[tokio::test]
async fn approval_is_offered_only_when_required() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let html = page(&w, &format!("/agent/kb/{}", kb.printer.0), &alice)
        .await
        .text();
    assert!(!html.contains("/approve\""));
    // Without the requirement an approval changes nothing visible but still works for rw agents.
    let r = submit(
        &w,
        &format!("/agent/kb/{}/approve", kb.printer.0),
        &alice,
        &[("approved", "0")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(!stored(&w, kb.printer).await.article.approved);
    let rita = reader(&w).await;
    let r = submit(
        &w,
        &format!("/agent/kb/{}/approve", kb.printer.0),
        &rita,
        &[("approved", "1")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(!stored(&w, kb.printer).await.article.approved);
}

#[tokio::test]
async fn when_approval_is_required_new_articles_wait_for_it() {
    let w = World::with_configs(|desk| desk.kb_approval_required = true, |_| {}).await;
    let kb = kb(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let detail = format!("/agent/kb/{}", kb.printer.0);
    assert!(!stored(&w, kb.printer).await.article.approved);
    let html = page(&w, &detail, &alice).await.text();
    assert!(html.contains("This article is not approved yet"));
    assert!(html.contains(&format!("{detail}/approve\"")));
    assert!(html.contains("id=\"card-approved\"") || html.contains("Approved"));
    // A reader is offered no approval and is refused it.
    let rita = reader(&w).await;
    assert!(!page(&w, &detail, &rita).await.text().contains("/approve\""));
    assert_eq!(
        page(&w, &format!("{detail}/approve"), &rita).await.status,
        403
    );
    let r = submit(
        &w,
        &format!("{detail}/approve"),
        &rita,
        &[("approved", "1")],
    )
    .await;
    assert_eq!(r.status, 403);
    assert!(!stored(&w, kb.printer).await.article.approved);
    // Alice approves it.
    let form = page(&w, &format!("{detail}/approve"), &alice).await.text();
    assert!(form.contains("name=\"approved\" value=\"1\""));
    let r = submit(
        &w,
        &format!("{detail}/approve"),
        &alice,
        &[("approved", "1")],
    )
    .await;
    assert_eq!(r.status, 303);
    assert!(stored(&w, kb.printer).await.article.approved);
    let html = page(&w, &detail, &alice).await.text();
    assert!(!html.contains("This article is not approved yet"));
    let history = page(&w, &format!("{detail}/history"), &alice).await.text();
    assert!(history.contains("Approval changed"));
}

#[tokio::test]
async fn print_makes_a_pdf_of_the_article() {
    if !font_or_skip() {
        return;
    }
    let w = World::new().await;
    let kb = kb(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let r = page(&w, &format!("/agent/kb/{}/print", kb.printer.0), &alice).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), "application/pdf");
    let text = pdf_text(&r.body);
    for needle in [
        "Printer shows error 42",
        "The printer blinks red.",
        "Replace the toner.",
        "Software",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

#[tokio::test]
async fn the_knowledge_base_pages_speak_german() {
    let w = World::new().await;
    let kb = kb(&w).await;
    let other = article(&w, w.alice, kb.software, "Toner order form", |_| {}).await;
    for (a, b) in [
        (
            ObjectRef::KbArticle(kb.printer),
            ObjectRef::Ticket(w.ticket),
        ),
        (
            ObjectRef::KbArticle(kb.printer),
            ObjectRef::KbArticle(other),
        ),
    ] {
        w.desk
            .link(Principal::Agent(w.alice), a, b, LinkType::Normal)
            .await
            .unwrap();
    }
    w.desk
        .vote_kb_article(Principal::Agent(w.alice), kb.printer, true)
        .await
        .unwrap();
    speak(&w, w.alice, "de").await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let id = kb.printer.0;
    german(
        &w,
        "/agent/kb",
        &alice,
        &["Wissensdatenbank", "Kategorien", "Kategorie", "Alle Status"],
    )
    .await;
    german(
        &w,
        "/agent/kb/new",
        &alice,
        &["Neuer Wissensdatenbank-Artikel", "Lösung (öffentlich)"],
    )
    .await;
    german(
        &w,
        &format!("/agent/kb/{id}"),
        &alice,
        &[
            "War dieser Artikel hilfreich?",
            "Verknüpfte Wissensdatenbank-Artikel (1 Artikel)",
            "Kommentar (intern)",
            "Erstellt von",
        ],
    )
    .await;
    german(
        &w,
        &format!("/agent/kb/{id}/edit"),
        &alice,
        &["Wissensdatenbank-Artikel bearbeiten"],
    )
    .await;
    german(
        &w,
        &format!("/agent/kb/{id}/edit/state"),
        &alice,
        &["intern (Agent)"],
    )
    .await;
    german(
        &w,
        &format!("/agent/kb/{id}/link"),
        &alice,
        &["Mit einem Ticket verknüpfen"],
    )
    .await;
    german(
        &w,
        &format!("/agent/kb/{id}/approve"),
        &alice,
        &["Freigabe", "Freigabe zurückziehen"],
    )
    .await;
    german(
        &w,
        &format!("/agent/kb/{id}/delete"),
        &alice,
        &["wirklich löschen"],
    )
    .await;
    german(
        &w,
        &format!("/agent/kb/{id}/history"),
        &alice,
        &["Bewertet", "Verknüpfung hinzugefügt"],
    )
    .await;
    // The ticket's Link action with its article part.
    german(
        &w,
        &format!("/agent/tickets/{}/actions/link", w.ticket.0),
        &alice,
        &["oder einen Wissensdatenbank-Artikel verknüpfen"],
    )
    .await;
    // The ticket's widget (the rest of the ticket page is checked by its own module).
    german_besides(
        &w,
        &format!("/agent/tickets/{}", w.ticket.0),
        &alice,
        &["Verknüpfte Wissensdatenbank-Artikel (1 Artikel)"],
        &[
            ("<div class=\"crumbs\">", "<div class=\"ticket-detail\">"),
            ("<article", "</article>"),
        ],
    )
    .await;
}
