//! The knowledge base over the API: categories, article search, reading by id and number,
//! writing with files, approval, votes, history, links, related articles, and the public
//! routes for readers who are not signed in. Every refusal is checked against the store:
//! nothing changes.

use axum::http::{Method, header};
use base64::Engine;
use otrs_core::Principal;
use otrs_core::desk::{KbArticleInput, KbQuery, NewKbCategory};
use otrs_core::ids::{KbArticleId, KbAttachmentId, KbCategoryId, LinkId};
use otrs_core::model::{KbState, LinkType, NewAttachment, ObjectRef};
use serde_json::{Value, json};

use crate::support::{Caller, Resp, World};

/// The knowledge-base fixtures of a world.
pub struct Kb {
    /// The initial `Misc` category (group `users`).
    pub misc: KbCategoryId,
    /// A category of the support group, and one below it.
    pub support: KbCategoryId,
    pub printers: KbCategoryId,
    /// An internal article in the support category, with an internal comment.
    pub internal: KbArticleId,
    /// An external article in Misc with a file and an internal comment, linked to the ticket.
    pub external: KbArticleId,
    pub external_file: KbAttachmentId,
    pub external_link: LinkId,
    /// A public article in Misc with a file.
    pub public: KbArticleId,
    pub public_file: KbAttachmentId,
    /// A public article in the support category (customers lack that group).
    pub support_public: KbArticleId,
}

fn file(name: &str, bytes: &[u8]) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: "text/plain".into(),
        content: std::sync::Arc::from(bytes),
        content_id: None,
        inline: false,
    }
}

/// Creates the knowledge-base fixtures (alice writes the articles).
pub async fn fixtures(w: &World) -> Kb {
    let admin = Principal::Agent(w.admin);
    let alice = Principal::Agent(w.alice);
    let misc = w
        .desk
        .kb_categories(admin)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.path == "Misc")
        .unwrap()
        .category
        .id;
    let category = |name: &str, parent| NewKbCategory {
        parent_id: parent,
        name: name.into(),
        comment: "For the support team.".into(),
        group_ids: [w.support_group].into(),
    };
    let support = w
        .desk
        .create_kb_category(admin, category("Support KB", None))
        .await
        .unwrap()
        .id;
    let printers = w
        .desk
        .create_kb_category(admin, category("Printers", Some(support)))
        .await
        .unwrap()
        .id;
    let article = |category, title: &str, state, keywords: &str, comment: &str| KbArticleInput {
        state,
        keywords: keywords.into(),
        symptom: format!("Symptom of {title}"),
        solution: format!("Solution of {title}"),
        comment: comment.into(),
        ..KbArticleInput::new(category, title)
    };
    let internal = w
        .desk
        .create_kb_article(
            alice,
            article(
                printers,
                "Printer reset for agents",
                KbState::Internal,
                "printer reset",
                "secret-internal-comment",
            ),
        )
        .await
        .unwrap()
        .id;
    let mut input = article(
        misc,
        "VPN client settings",
        KbState::External,
        "vpn client",
        "internal-note-vpn",
    );
    input
        .attachments
        .push(file("vpn.txt", b"gateway=vpn.example.com"));
    let external = w.desk.create_kb_article(alice, input).await.unwrap();
    let mut input = article(misc, "How to print", KbState::Public, "printer paper", "");
    input.attachments.push(file("guide.txt", b"Press print."));
    let public = w.desk.create_kb_article(alice, input).await.unwrap();
    let support_public = w
        .desk
        .create_kb_article(
            alice,
            article(
                support,
                "Support hours",
                KbState::Public,
                "hours",
                "ask-the-lead",
            ),
        )
        .await
        .unwrap()
        .id;
    let external_link = w
        .desk
        .link(
            alice,
            ObjectRef::KbArticle(external.id),
            ObjectRef::Ticket(w.ticket),
            LinkType::Normal,
        )
        .await
        .unwrap()
        .id;
    Kb {
        misc,
        support,
        printers,
        internal,
        external: external.id,
        external_file: external.attachments[0].id,
        external_link,
        public: public.id,
        public_file: public.attachments[0].id,
        support_public,
    }
}

/// Everything of the knowledge base that a change could touch, as the system sees it.
pub async fn fingerprint(w: &World) -> String {
    let sys = Principal::SYSTEM;
    let categories: Vec<(u64, u64)> = w
        .desk
        .kb_categories(sys)
        .await
        .unwrap()
        .iter()
        .map(|n| (n.category.id.0, n.category.version))
        .collect();
    let query = KbQuery {
        limit: 500,
        ..KbQuery::default()
    };
    let mut articles = Vec::new();
    for item in w.desk.search_kb(sys, query).await.unwrap().items {
        let id = item.article.id;
        let view = w.desk.kb_article(sys, id).await.unwrap();
        let history = w.desk.kb_history(sys, id).await.unwrap().len();
        let links = w
            .desk
            .links(sys, ObjectRef::KbArticle(id))
            .await
            .unwrap()
            .len();
        articles.push((
            id.0,
            item.article.version,
            item.article.approved,
            item.article.attachments.len(),
            view.rating.votes,
            history,
            links,
        ));
    }
    format!("kb categories={categories:?} articles={articles:?}")
}

async fn with_header(
    w: &World,
    method: Method,
    path: &str,
    caller: &Caller,
    body: Option<Value>,
    name: &str,
    value: &str,
) -> Resp {
    let mut request = World::request(method, path, caller, body.as_ref());
    request.headers_mut().insert(
        name.parse::<header::HeaderName>().unwrap(),
        value.parse().unwrap(),
    );
    w.send(request).await
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn titles(list: &Value) -> Vec<String> {
    let mut titles: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

#[tokio::test]
async fn categories_form_a_tree_for_each_reader_and_only_admins_change_them() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;

    let tree = w.get("/api/v1/kb/categories", &alice).await;
    assert_eq!(tree.status, 200, "{}", tree.text());
    let tree = tree.json();
    let paths: Vec<&str> = tree["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["Misc", "Support KB", "Support KB::Printers"]);
    assert_eq!(tree["items"][2]["depth"], 1);
    assert_eq!(tree["items"][2]["parent_id"], kb.support.0);
    assert_eq!(tree["items"][1]["groups"][0]["name"], "support");
    assert_eq!(tree["items"][0]["article_count"], 2);
    // A customer user sees the categories that hold something to read (Misc: external and
    // public articles of her group; Support KB: a public article), without groups and comments.
    let tree = w.get("/api/v1/kb/categories", &lacey).await.json();
    assert_eq!(tree["total"], 2);
    assert_eq!(tree["items"][0]["name"], "Misc");
    assert_eq!(tree["items"][0]["article_count"], 2, "external and public");
    assert_eq!(tree["items"][1]["path"], "Support KB");
    assert_eq!(tree["items"][1]["article_count"], 1, "public only");
    assert!(tree["items"][0].get("groups").is_none());
    assert!(tree["items"][0].get("comment").is_none());

    // Create (admins): 201, Location, ETag.
    let r = w
        .call(
            Method::POST,
            "/api/v1/kb/categories",
            &admin,
            Some(json!({"name": "Network", "parent_id": kb.support.0, "groups": ["support", "users"], "comment": "LAN"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    assert_eq!(created["path"], "Support KB::Network");
    assert_eq!(
        r.header("location"),
        format!("/api/v1/kb/categories/{}", created["id"])
    );
    assert_eq!(r.header("etag"), format!("\"v{}\"", created["version"]));
    let id = created["id"].as_u64().unwrap();
    let stored = w.desk.kb_categories(Principal::SYSTEM).await.unwrap();
    let network = stored.iter().find(|n| n.category.id.0 == id).unwrap();
    assert_eq!(network.category.group_ids.len(), 2);
    assert_eq!(network.category.comment, "LAN");

    // Bad input: 422 naming the field, nothing stored.
    let before = fingerprint(&w).await;
    for (body, field) in [
        (json!({"name": "", "groups": ["users"]}), "name"),
        (json!({"name": "A::B", "groups": ["users"]}), "name"),
        (json!({"name": "Empty"}), "groups"),
        (
            json!({"name": "Ghost", "groups": ["no-such-group"]}),
            "groups",
        ),
        (
            json!({"name": "Orphan", "groups": ["users"], "parent_id": 999}),
            "parent_id",
        ),
        (json!({"name": "Misc", "groups": ["users"]}), "name"),
        (json!({"name": 5, "groups": ["users"]}), "name"),
    ] {
        let r = w
            .call(
                Method::POST,
                "/api/v1/kb/categories",
                &admin,
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        let problem = r.problem("validation");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field),
            "{body}: {problem}"
        );
    }
    // Not an admin: 403; a customer: 403; nothing stored.
    for caller in [&alice, &lacey] {
        let r = w
            .call(
                Method::POST,
                "/api/v1/kb/categories",
                caller,
                Some(json!({"name": "Mine", "groups": ["users"]})),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.text());
    }
    assert_eq!(fingerprint(&w).await, before);

    // PATCH with If-Match: stale is 412, current changes it; moving below itself is refused.
    let path = format!("/api/v1/kb/categories/{id}");
    let etag = w.get(&path, &admin).await.header("etag");
    let r = with_header(
        &w,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({"name": "LAN"})),
        "if-match",
        "\"v999\"",
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    r.problem("version-mismatch");
    let r = w
        .call(Method::PATCH, &path, &admin, Some(json!({"parent_id": id})))
        .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert_eq!(r.json()["errors"][0]["field"], "parent_id");
    let r = w
        .call(
            Method::PATCH,
            &path,
            &admin,
            Some(json!({"validity": "sometimes"})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["field"], "validity");
    let r = w
        .call(Method::PATCH, &path, &alice, Some(json!({"name": "Mine"})))
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(fingerprint(&w).await, before);
    let r = with_header(
        &w,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({"name": "LAN", "parent_id": null})),
        "if-match",
        &etag,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["path"], "LAN");
    assert_ne!(r.header("etag"), etag);
    let stored = w.desk.kb_categories(Principal::SYSTEM).await.unwrap();
    let lan = stored.iter().find(|n| n.category.id.0 == id).unwrap();
    assert_eq!(
        (lan.category.name.as_str(), lan.category.parent_id),
        ("LAN", None)
    );

    // Delete: a category with articles or subcategories is refused; an empty one goes.
    let r = w
        .call(
            Method::DELETE,
            &format!("/api/v1/kb/categories/{}", kb.support.0),
            &admin,
            None,
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.text());
    let r = w.call(Method::DELETE, &path, &alice, None).await;
    assert_eq!(r.status, 403);
    let r = w.call(Method::DELETE, &path, &admin, None).await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(
        !w.desk
            .kb_categories(Principal::SYSTEM)
            .await
            .unwrap()
            .iter()
            .any(|n| n.category.id.0 == id)
    );
    let r = w.get(&path, &admin).await;
    assert_eq!(r.status, 404);
    // A category the reader may not see is not found.
    let r = w
        .get(&format!("/api/v1/kb/categories/{}", kb.printers.0), &lacey)
        .await;
    r.problem("not-found");
}

#[tokio::test]
async fn search_filters_sorts_and_pages_for_each_reader() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let dave = w.session(Principal::Agent(w.dave)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;

    let all = w.get("/api/v1/kb/articles", &alice).await;
    assert_eq!(all.status, 200, "{}", all.text());
    let all = all.json();
    assert_eq!(all["total"], 4);
    assert_eq!(
        (all["offset"].as_u64(), all["limit"].as_u64()),
        (Some(0), Some(50))
    );
    // erin holds only `users`: Misc's articles; dave holds nothing.
    assert_eq!(
        titles(&w.get("/api/v1/kb/articles", &erin).await.json()),
        ["How to print", "VPN client settings"]
    );
    assert_eq!(w.get("/api/v1/kb/articles", &dave).await.json()["total"], 0);
    // Customers: public articles, and external ones of their groups' categories.
    let seen = w.get("/api/v1/kb/articles", &lacey).await.json();
    assert_eq!(
        titles(&seen),
        ["How to print", "Support hours", "VPN client settings"]
    );
    // Customers never find an article by its internal comment.
    let r = w
        .get("/api/v1/kb/articles?text=internal-note-vpn", &lacey)
        .await
        .json();
    assert_eq!(r["total"], 0);
    let r = w
        .get("/api/v1/kb/articles?text=internal-note-vpn", &alice)
        .await
        .json();
    assert_eq!(titles(&r), ["VPN client settings"]);
    // A customer asking for internal articles gets none.
    let r = w
        .get("/api/v1/kb/articles?state=internal", &lacey)
        .await
        .json();
    assert_eq!(r["total"], 0);

    // Filters.
    let r = w
        .get("/api/v1/kb/articles?text=printer", &alice)
        .await
        .json();
    assert_eq!(titles(&r), ["How to print", "Printer reset for agents"]);
    let r = w
        .get(
            &format!("/api/v1/kb/articles?category={}", kb.support.0),
            &alice,
        )
        .await
        .json();
    assert_eq!(titles(&r), ["Printer reset for agents", "Support hours"]);
    let r = w
        .get(
            &format!(
                "/api/v1/kb/articles?category={}&include_subcategories=false",
                kb.support.0
            ),
            &alice,
        )
        .await
        .json();
    assert_eq!(titles(&r), ["Support hours"]);
    let r = w
        .get("/api/v1/kb/articles?state=public,external", &alice)
        .await
        .json();
    assert_eq!(r["total"], 3);
    let r = w
        .get("/api/v1/kb/articles?language=de", &alice)
        .await
        .json();
    assert_eq!(r["total"], 0);
    let r = w
        .get("/api/v1/kb/articles?validity=valid", &alice)
        .await
        .json();
    assert_eq!(r["total"], 4);
    // Sort and page.
    let r = w
        .get(
            "/api/v1/kb/articles?sort=title&order=asc&offset=1&limit=2",
            &alice,
        )
        .await
        .json();
    let page: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(page, ["Printer reset for agents", "Support hours"]);
    assert_eq!(
        (
            r["total"].as_u64(),
            r["offset"].as_u64(),
            r["limit"].as_u64()
        ),
        (Some(4), Some(1), Some(2))
    );
    let r = w
        .get("/api/v1/kb/articles?sort=number&order=desc", &alice)
        .await
        .json();
    assert_eq!(r["items"][0]["id"], kb.support_public.0);
    assert_eq!(
        r["items"][0]["number"],
        format!("1000{}", kb.support_public.0)
    );
    assert!(
        r["items"][0].get("comment").is_none(),
        "lists carry no texts"
    );

    // Bad parameters: 422 naming them.
    for (query, field) in [
        ("state=secret", "state"),
        ("validity=maybe", "validity"),
        ("sort=colour", "sort"),
        ("order=up", "order"),
        ("limit=0", "limit"),
        ("limit=501", "limit"),
        ("offset=-1", "offset"),
        ("category=abc", "category"),
        ("colour=red", "colour"),
    ] {
        let r = w.get(&format!("/api/v1/kb/articles?{query}"), &alice).await;
        assert_eq!(r.status, 422, "{query}: {}", r.text());
        let problem = r.problem("validation");
        assert!(
            problem["errors"][0]["field"]
                .as_str()
                .unwrap()
                .contains(field)
                || problem["detail"].as_str().unwrap().contains(field),
            "{query}: {problem}"
        );
    }
    // Without sign-in: 401.
    w.get("/api/v1/kb/articles", &Caller::anonymous())
        .await
        .problem("not-authenticated");
}

#[tokio::test]
async fn reading_by_id_and_number_hides_what_customers_may_not_see() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;

    let path = format!("/api/v1/kb/articles/{}", kb.external.0);
    let r = w.get(&path, &alice).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let a = r.json();
    assert_eq!(a["title"], "VPN client settings");
    assert_eq!(a["number"], format!("1000{}", kb.external.0));
    assert_eq!(a["state"], "external");
    assert_eq!(a["category"]["path"], "Misc");
    assert_eq!(a["comment"], "internal-note-vpn");
    assert_eq!(a["attachments"][0]["filename"], "vpn.txt");
    assert_eq!(a["created_by"]["kind"], "agent");
    assert_eq!(a["may_edit"], true);
    assert_eq!(a["rating"]["votes"], 0);
    assert!(a["rating"]["percent"].is_null());
    let etag = r.header("etag");
    assert_eq!(etag, format!("\"v{}\"", a["version"]));
    // If-None-Match: 304.
    let r = with_header(&w, Method::GET, &path, &alice, None, "if-none-match", &etag).await;
    assert_eq!(r.status, 304);

    // The customer reads it without the internal comment and without who wrote it.
    let r = w.get(&path, &lacey).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let text = r.text();
    assert!(!text.contains("internal-note-vpn"), "{text}");
    let a = r.json();
    assert!(a.get("comment").is_none());
    assert!(a.get("created_by").is_none() && a.get("changed_by").is_none());
    assert_eq!(a["may_edit"], false);
    // Public articles are read in any category; external ones only in the categories of the
    // customer's groups; internal ones never. Others are not found, by id or by number.
    let r = w
        .get(
            &format!("/api/v1/kb/articles/{}", kb.support_public.0),
            &lacey,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(!r.text().contains("ask-the-lead"));
    let foreign_external = w
        .desk
        .create_kb_article(
            Principal::Agent(w.alice),
            KbArticleInput {
                state: KbState::External,
                ..KbArticleInput::new(kb.support, "Support escalation paths")
            },
        )
        .await
        .unwrap()
        .id;
    for id in [kb.internal, foreign_external] {
        w.get(&format!("/api/v1/kb/articles/{}", id.0), &lacey)
            .await
            .problem("not-found");
        w.get(
            &format!("/api/v1/kb/articles/by-number/1000{}", id.0),
            &lacey,
        )
        .await
        .problem("not-found");
    }
    // erin (users only) does not see the support category's articles.
    w.get(&format!("/api/v1/kb/articles/{}", kb.internal.0), &erin)
        .await
        .problem("not-found");

    // By number.
    let r = w
        .get(
            &format!("/api/v1/kb/articles/by-number/1000{}", kb.public.0),
            &lacey,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["title"], "How to print");
    for number in ["1000", "20001", "abc", "1000999"] {
        w.get(&format!("/api/v1/kb/articles/by-number/{number}"), &alice)
            .await
            .problem("not-found");
    }
    w.get("/api/v1/kb/articles/999", &alice)
        .await
        .problem("not-found");
    w.get("/api/v1/kb/articles/x", &alice)
        .await
        .problem("not-found");
}

#[tokio::test]
async fn agents_write_articles_with_files_and_bad_input_changes_nothing() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let dave = w.session(Principal::Agent(w.dave)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;

    let body = json!({
        "category_id": kb.printers.0,
        "title": "Toner low",
        "keywords": "toner, printer",
        "state": "external",
        "content_type": "text/plain",
        "symptom": "Pale prints.",
        "solution": "Shake the toner.",
        "comment": "Order toner from the vendor.",
        "attachments": [{"filename": "toner.txt", "content_type": "text/plain", "content_base64": b64(b"toner")}]
    });
    let r = w
        .call(
            Method::POST,
            "/api/v1/kb/articles",
            &alice,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let created = r.json();
    let id = created["id"].as_u64().unwrap();
    assert_eq!(r.header("location"), format!("/api/v1/kb/articles/{id}"));
    assert_eq!(created["language"], "en", "the first configured language");
    assert_eq!(created["content_type"], "text/plain");
    assert_eq!(created["category"]["path"], "Support KB::Printers");
    assert_eq!(created["approved"], true);
    let stored = w
        .desk
        .kb_article(Principal::SYSTEM, KbArticleId(id))
        .await
        .unwrap();
    assert_eq!(stored.article.title, "Toner low");
    assert_eq!(stored.article.state, KbState::External);
    assert_eq!(stored.article.comment, "Order toner from the vendor.");
    assert_eq!(stored.article.attachments[0].filename, "toner.txt");
    let history = w
        .desk
        .kb_history(Principal::SYSTEM, KbArticleId(id))
        .await
        .unwrap();
    assert_eq!(history[0].action.name(), "Created");

    // Bad input: 422 naming the field; nothing stored.
    let before = fingerprint(&w).await;
    let with = |changes: Value| {
        let mut b = body.clone();
        for (k, v) in changes.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (bad, field) in [
        (with(json!({"title": ""})), "title"),
        (with(json!({"title": "x".repeat(201)})), "title"),
        (with(json!({"keywords": "k".repeat(401)})), "keywords"),
        (with(json!({"language": "xx"})), "language"),
        (with(json!({"state": "secret"})), "state"),
        (with(json!({"validity": "maybe"})), "validity"),
        (
            with(json!({"content_type": "text/markdown"})),
            "content_type",
        ),
        (with(json!({"category_id": 999})), "category_id"),
        (with(json!({"category_id": "Misc"})), "category_id"),
        (
            with(
                json!({"attachments": [{"filename": "a.txt", "content_type": "text/plain", "content_base64": "***"}]}),
            ),
            "attachments[0].content_base64",
        ),
        (with(json!({"colour": "red"})), "colour"),
    ] {
        let r = w
            .call(
                Method::POST,
                "/api/v1/kb/articles",
                &alice,
                Some(bad.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        let problem = r.problem("validation");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field)
                || problem["detail"].as_str().unwrap().contains(field),
            "{field}: {problem}"
        );
    }
    assert_eq!(fingerprint(&w).await, before);
    // Permission: erin and dave do not see the support category (422, as for an unknown
    // category), a customer may not write (403).
    for agent in [&erin, &dave] {
        let r = w
            .call(
                Method::POST,
                "/api/v1/kb/articles",
                agent,
                Some(body.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{}", r.text());
        assert_eq!(r.json()["errors"][0]["field"], "category_id");
    }
    let r = w
        .call(
            Method::POST,
            "/api/v1/kb/articles",
            &lacey,
            Some(body.clone()),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(fingerprint(&w).await, before);
    let r = w
        .call(
            Method::POST,
            "/api/v1/kb/articles",
            &erin,
            Some(with(json!({"category_id": kb.misc.0, "language": "de"}))),
        )
        .await;
    assert_eq!(r.status, 201, "erin writes in Misc: {}", r.text());
    let erin_article = r.json()["id"].as_u64().unwrap();
    assert_eq!(
        w.desk
            .kb_article(Principal::SYSTEM, KbArticleId(erin_article))
            .await
            .unwrap()
            .article
            .language,
        "de"
    );
}

#[tokio::test]
async fn patch_takes_if_match_and_refuses_stale_or_foreign_changes() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let path = format!("/api/v1/kb/articles/{}", kb.internal.0);
    let etag = w.get(&path, &alice).await.header("etag");
    let before = fingerprint(&w).await;

    let r = with_header(
        &w,
        Method::PATCH,
        &path,
        &alice,
        Some(json!({"title": "New"})),
        "if-match",
        "\"v41\"",
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    r.problem("version-mismatch");
    let r = with_header(
        &w,
        Method::PATCH,
        &path,
        &alice,
        Some(json!({"title": "New"})),
        "if-match",
        "garbage",
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    for (body, field) in [
        (json!({"title": ""}), "title"),
        (json!({"state": "hidden"}), "state"),
        (json!({"language": "klingon"}), "language"),
        (json!({"category_id": 999}), "category_id"),
        (json!({"number": "1"}), "number"),
    ] {
        let r = w
            .call(Method::PATCH, &path, &alice, Some(body.clone()))
            .await;
        assert_eq!(r.status, 422, "{body}: {}", r.text());
        let problem = r.problem("validation");
        assert!(
            problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["field"] == field)
                || problem["detail"].as_str().unwrap().contains(field),
            "{problem}"
        );
    }
    // erin and customers do not see it: 404; moving a Misc article into a category erin does
    // not hold is refused.
    let r = w
        .call(Method::PATCH, &path, &erin, Some(json!({"title": "Mine"})))
        .await;
    r.problem("not-found");
    let r = w
        .call(Method::PATCH, &path, &lacey, Some(json!({"title": "Mine"})))
        .await;
    assert_eq!(r.status, 403);
    let r = w
        .call(
            Method::PATCH,
            &format!("/api/v1/kb/articles/{}", kb.public.0),
            &erin,
            Some(json!({"category_id": kb.support.0})),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 422), "{}", r.text());
    assert_eq!(fingerprint(&w).await, before);

    let r = with_header(
        &w,
        Method::PATCH,
        &path,
        &alice,
        Some(
            json!({"title": "Printer reset (agents)", "state": "external", "comment": "new note"}),
        ),
        "if-match",
        &etag,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let a = r.json();
    assert_eq!(a["title"], "Printer reset (agents)");
    assert_eq!(a["state"], "external");
    assert_ne!(r.header("etag"), etag);
    let stored = w
        .desk
        .kb_article(Principal::SYSTEM, kb.internal)
        .await
        .unwrap()
        .article;
    assert_eq!(stored.title, "Printer reset (agents)");
    assert_eq!(stored.comment, "new note");
    let history = w
        .desk
        .kb_history(Principal::SYSTEM, kb.internal)
        .await
        .unwrap();
    assert!(
        history.last().unwrap().detail.contains("title"),
        "{history:?}"
    );
    // The old ETag is stale now.
    let r = with_header(
        &w,
        Method::PATCH,
        &path,
        &alice,
        Some(json!({"title": "Again"})),
        "if-match",
        &etag,
    )
    .await;
    assert_eq!(r.status, 412);
}

#[tokio::test]
async fn approval_files_votes_history_and_delete() {
    let w = World::with_configs(|desk| desk.kb_approval_required = true, |_| {}).await;
    let kb = fixtures(&w).await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let anon = Caller::anonymous();
    let path = format!("/api/v1/kb/articles/{}", kb.public.0);

    // With approval required, unapproved articles reach neither customers nor visitors.
    assert_eq!(w.get(&path, &alice).await.json()["approved"], false);
    w.get(&path, &lacey).await.problem("not-found");
    w.get(
        &format!("/api/v1/public/kb/articles/{}", kb.public.0),
        &anon,
    )
    .await
    .problem("not-found");
    // Approving needs rw on the users group and the category: erin has both for Misc; a
    // customer may not.
    let before = fingerprint(&w).await;
    let r = w
        .call(
            Method::POST,
            &format!("{path}/approval"),
            &lacey,
            Some(json!({"approved": true})),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = w
        .call(
            Method::POST,
            &format!("{path}/approval"),
            &alice,
            Some(json!({"approved": "yes"})),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["errors"][0]["field"], "approved");
    let r = with_header(
        &w,
        Method::POST,
        &format!("{path}/approval"),
        &erin,
        Some(json!({"approved": true})),
        "if-match",
        "\"v0\"",
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    assert_eq!(fingerprint(&w).await, before);
    let r = w
        .call(
            Method::POST,
            &format!("{path}/approval"),
            &erin,
            Some(json!({"approved": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["approved"], true);
    assert!(
        w.desk
            .kb_article(Principal::SYSTEM, kb.public)
            .await
            .unwrap()
            .article
            .approved
    );
    assert_eq!(w.get(&path, &lacey).await.status, 200);
    let r = w
        .get(
            &format!("/api/v1/public/kb/articles/{}", kb.public.0),
            &anon,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json().get("comment").is_none());

    // Files: add (If-Match), download, remove.
    let etag = w.get(&path, &alice).await.header("etag");
    let upload = json!({"attachments": [{"filename": "more.txt", "content_type": "text/plain", "content_base64": b64(b"more")}]});
    let r = with_header(
        &w,
        Method::POST,
        &format!("{path}/attachments"),
        &alice,
        Some(upload.clone()),
        "if-match",
        "\"v0\"",
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    let before = fingerprint(&w).await;
    for bad in [
        json!({"attachments": []}),
        json!({"attachments": [{"filename": "x", "content_type": "text/plain", "content_base64": "%%"}]}),
        json!({"files": []}),
    ] {
        let r = w
            .call(
                Method::POST,
                &format!("{path}/attachments"),
                &alice,
                Some(bad.clone()),
            )
            .await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text());
        r.problem("validation");
    }
    let r = w
        .call(
            Method::POST,
            &format!("{path}/attachments"),
            &lacey,
            Some(upload.clone()),
        )
        .await;
    assert_eq!(r.status, 403);
    assert_eq!(fingerprint(&w).await, before);
    let r = with_header(
        &w,
        Method::POST,
        &format!("{path}/attachments"),
        &alice,
        Some(upload),
        "if-match",
        &etag,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let files = r.json()["attachments"].clone();
    assert_eq!(files.as_array().unwrap().len(), 2);
    let added = files[1]["id"].as_u64().unwrap();
    let r = w.get(&format!("{path}/attachments/{added}"), &lacey).await;
    assert_eq!(r.status, 200);
    assert_eq!(&r.body[..], b"more");
    assert!(r.header("content-disposition").contains("more.txt"));
    assert_eq!(r.header("x-content-type-options"), "nosniff");
    let r = w
        .get(
            &format!(
                "/api/v1/public/kb/articles/{}/attachments/{}",
                kb.public.0, kb.public_file.0
            ),
            &anon,
        )
        .await;
    assert_eq!(&r.body[..], b"Press print.");
    // The customer cannot fetch a file of an article they may not read, nor one of another
    // article through this one.
    w.get(
        &format!(
            "/api/v1/kb/articles/{}/attachments/{}",
            kb.internal.0, kb.external_file.0
        ),
        &lacey,
    )
    .await
    .problem("not-found");
    w.get(
        &format!("{path}/attachments/{}", kb.external_file.0),
        &alice,
    )
    .await
    .problem("not-found");
    let r = w
        .call(
            Method::DELETE,
            &format!("{path}/attachments/{added}"),
            &lacey,
            None,
        )
        .await;
    assert_eq!(r.status, 403);
    let r = w
        .call(
            Method::DELETE,
            &format!("{path}/attachments/{added}"),
            &alice,
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["attachments"].as_array().unwrap().len(), 1);
    let stored = w
        .desk
        .kb_article(Principal::SYSTEM, kb.public)
        .await
        .unwrap()
        .article;
    assert_eq!(stored.attachments.len(), 1);
    w.call(
        Method::DELETE,
        &format!("{path}/attachments/{added}"),
        &alice,
        None,
    )
    .await
    .problem("not-found");

    // Votes: customers and agents, one each; a second vote replaces the first.
    let r = w
        .call(
            Method::POST,
            &format!("{path}/vote"),
            &lacey,
            Some(json!({"helpful": true})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json(), json!({"helpful": 1, "votes": 1, "percent": 100}));
    let r = w
        .call(
            Method::POST,
            &format!("{path}/vote"),
            &alice,
            Some(json!({"helpful": false})),
        )
        .await;
    assert_eq!(r.json()["percent"], 50);
    let r = w
        .call(
            Method::POST,
            &format!("{path}/vote"),
            &lacey,
            Some(json!({"helpful": false})),
        )
        .await;
    assert_eq!(r.json(), json!({"helpful": 0, "votes": 2, "percent": 0}));
    assert_eq!(w.get(&path, &lacey).await.json()["my_vote"], false);
    let view = w
        .desk
        .kb_article(Principal::SYSTEM, kb.public)
        .await
        .unwrap();
    assert_eq!((view.rating.helpful, view.rating.votes), (0, 2));
    let before = fingerprint(&w).await;
    let r = w
        .call(
            Method::POST,
            &format!("{path}/vote"),
            &lacey,
            Some(json!({"helpful": 1})),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/kb/articles/{}/vote", kb.internal.0),
            &lacey,
            Some(json!({"helpful": true})),
        )
        .await;
    r.problem("not-found");
    let r = w
        .call(
            Method::POST,
            &format!("{path}/vote"),
            &anon,
            Some(json!({"helpful": true})),
        )
        .await;
    assert_eq!(r.status, 401);
    assert_eq!(fingerprint(&w).await, before);

    // History: agents only.
    let r = w.get(&format!("{path}/history"), &alice).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let actions: Vec<String> = r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap().to_owned())
        .collect();
    for action in [
        "Created",
        "ApprovalChanged",
        "AttachmentAdded",
        "AttachmentRemoved",
        "Voted",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
    w.get(&format!("{path}/history"), &lacey)
        .await
        .problem("not-found");

    // Delete: customers and agents without rw are refused; then it is gone with its links.
    let external = format!("/api/v1/kb/articles/{}", kb.external.0);
    let before = fingerprint(&w).await;
    assert_eq!(
        w.call(Method::DELETE, &external, &lacey, None).await.status,
        403
    );
    let dave = w.session(Principal::Agent(w.dave)).await;
    w.call(Method::DELETE, &external, &dave, None)
        .await
        .problem("not-found");
    // A deletion based on a stale version is refused (412) and deletes nothing.
    let r = with_header(
        &w,
        Method::DELETE,
        &external,
        &admin,
        None,
        "if-match",
        "\"v0\"",
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    assert_eq!(fingerprint(&w).await, before);
    let current = w.get(&external, &admin).await;
    let etag = current.header("etag");
    let r = with_header(
        &w,
        Method::DELETE,
        &external,
        &admin,
        None,
        "if-match",
        &etag,
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.text());
    assert!(
        w.desk
            .kb_article(Principal::SYSTEM, kb.external)
            .await
            .is_err()
    );
    let links = w
        .desk
        .links(Principal::SYSTEM, ObjectRef::Ticket(w.ticket))
        .await
        .unwrap();
    assert!(!links.iter().any(|l| l.id == kb.external_link));
    w.get(&external, &admin).await.problem("not-found");
}

#[tokio::test]
async fn links_connect_articles_with_tickets_from_both_sides() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let erin = w.session(Principal::Agent(w.erin)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let path = format!("/api/v1/kb/articles/{}/links", kb.public.0);

    // From the article: a ticket by number, another article by its FAQ number.
    let number = w
        .desk
        .ticket(Principal::SYSTEM, w.ticket2)
        .await
        .unwrap()
        .number;
    let r = w
        .call(
            Method::POST,
            &path,
            &alice,
            Some(json!({"target": number, "kind": "ticket"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let link = r.json();
    assert_eq!(
        link["source"],
        json!({"kind": "kb_article", "id": kb.public.0})
    );
    assert_eq!(link["target"], json!({"kind": "ticket", "id": w.ticket2.0}));
    assert!(
        r.header("location")
            .ends_with(&format!("/links/{}", link["id"]))
    );
    let r = w
        .call(
            Method::POST,
            &path,
            &alice,
            Some(json!({"target": format!("1000{}", kb.internal.0), "kind": "kb_article", "type": "ParentChild"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let list = w.get(&path, &alice).await.json();
    assert_eq!(list["total"], 2);
    // erin does not see the internal article nor the support ticket: its links are hidden.
    assert_eq!(w.get(&path, &erin).await.json()["total"], 0);
    // The ticket's history and link list show the article.
    let ticket_links = w
        .get(&format!("/api/v1/tickets/{}/links", w.ticket2.0), &alice)
        .await
        .json();
    assert_eq!(ticket_links["items"][0]["source"]["kind"], "kb_article");
    let history = w.desk.history(Principal::SYSTEM, w.ticket2).await.unwrap();
    assert!(history.iter().any(|h| {
        h.entry
            .params
            .iter()
            .any(|p| p == &format!("FAQ#1000{}", kb.public.0))
    }));

    // From the ticket: `kind: kb_article`.
    let r = w
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{}/links", w.ticket3.0),
            &alice,
            Some(json!({"target": kb.external.0, "kind": "kb_article"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert_eq!(r.json()["target"]["kind"], "kb_article");

    // Refusals change nothing.
    let before = fingerprint(&w).await;
    for (body, status) in [
        (json!({"target": w.ticket2.0}), 422), // already linked
        (json!({"target": kb.public.0, "kind": "kb_article"}), 422), // itself
        (json!({"target": 1, "kind": "calendar"}), 422),
        (json!({"target": 1, "type": "Sideways"}), 422),
        (json!({"target": 999_999}), 404),
        (json!({"target": "1000999", "kind": "kb_article"}), 404),
    ] {
        let r = w
            .call(Method::POST, &path, &alice, Some(body.clone()))
            .await;
        assert_eq!(r.status, status, "{body}: {}", r.text());
    }
    let r = w
        .call(
            Method::POST,
            &path,
            &lacey,
            Some(json!({"target": w.ticket.0})),
        )
        .await;
    assert_eq!(r.status, 403);
    // erin may write the Misc article but not read the support ticket.
    let r = w
        .call(
            Method::POST,
            &path,
            &erin,
            Some(json!({"target": w.ticket.0})),
        )
        .await;
    assert!(matches!(r.status.as_u16(), 403 | 404), "{}", r.text());
    assert_eq!(fingerprint(&w).await, before);

    // Remove: a link of another object is not found here; a customer is refused.
    let first = list["items"][0]["id"].as_u64().unwrap();
    w.call(
        Method::DELETE,
        &format!("{path}/{}", kb.external_link.0),
        &alice,
        None,
    )
    .await
    .problem("not-found");
    assert_eq!(
        w.call(Method::DELETE, &format!("{path}/{first}"), &lacey, None)
            .await
            .status,
        403
    );
    assert_eq!(fingerprint(&w).await, before);
    let r = w
        .call(Method::DELETE, &format!("{path}/{first}"), &alice, None)
        .await;
    assert_eq!(r.status, 204, "{}", r.text());
    let left = w
        .desk
        .links(Principal::SYSTEM, ObjectRef::KbArticle(kb.public))
        .await
        .unwrap();
    assert_eq!(left.len(), 1);
    assert_ne!(left[0].id.0, first);
    // The external article's link to the fixture ticket is listed for agents, never for
    // customers (they get 403 on the links route).
    let r = w
        .get(
            &format!("/api/v1/kb/articles/{}/links", kb.external.0),
            &alice,
        )
        .await
        .json();
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["id"] == kb.external_link.0)
    );
    assert_eq!(
        w.get(
            &format!("/api/v1/kb/articles/{}/links", kb.external.0),
            &lacey
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn related_articles_match_keywords_for_the_reader() {
    let w = World::new().await;
    let _kb = fixtures(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let lacey = w.session(Principal::Customer(w.lacey)).await;
    let r = w
        .get(
            "/api/v1/kb/related?text=My%20printer%20needs%20a%20reset",
            &alice,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let list = r.json();
    assert_eq!(
        list["items"][0]["title"], "Printer reset for agents",
        "two keywords"
    );
    assert_eq!(list["total"], 2);
    let list = w
        .get(
            "/api/v1/kb/related?text=My%20printer%20needs%20a%20reset",
            &lacey,
        )
        .await
        .json();
    assert_eq!(titles(&list), ["How to print"]);
    let list = w
        .get("/api/v1/kb/related?text=printer&limit=1", &alice)
        .await
        .json();
    assert_eq!(list["total"], 1);
    for query in ["text=printer&limit=0", "text=printer&limit=51", "limit=3"] {
        let r = w.get(&format!("/api/v1/kb/related?{query}"), &alice).await;
        assert_eq!(r.status, 422, "{query}: {}", r.text());
        r.problem("validation");
    }
}

#[tokio::test]
async fn visitors_read_public_articles_only() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let anon = Caller::anonymous();
    let r = w.get("/api/v1/public/kb/categories", &anon).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let tree = r.json();
    let paths: Vec<&str> = tree["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"Misc"), "{paths:?}");
    assert!(tree["items"][0].get("groups").is_none());
    let list = w.get("/api/v1/public/kb/articles", &anon).await.json();
    assert_eq!(titles(&list), ["How to print", "Support hours"]);
    let list = w
        .get("/api/v1/public/kb/articles?state=internal,external", &anon)
        .await
        .json();
    assert_eq!(list["total"], 0);
    let r = w
        .get(
            &format!("/api/v1/public/kb/articles/{}", kb.support_public.0),
            &anon,
        )
        .await;
    assert_eq!(r.status, 200);
    assert!(!r.text().contains("ask-the-lead"), "no internal comment");
    for id in [kb.internal, kb.external] {
        w.get(&format!("/api/v1/public/kb/articles/{}", id.0), &anon)
            .await
            .problem("not-found");
    }
    w.get(
        &format!(
            "/api/v1/public/kb/articles/{}/attachments/{}",
            kb.external.0, kb.external_file.0
        ),
        &anon,
    )
    .await
    .problem("not-found");
    // An invalid public article disappears for visitors.
    let admin = Principal::Agent(w.admin);
    w.desk
        .update_kb_article(
            admin,
            kb.support_public,
            otrs_core::desk::KbArticleUpdate {
                validity: Some(otrs_core::model::Validity::Invalid),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    w.get(
        &format!("/api/v1/public/kb/articles/{}", kb.support_public.0),
        &anon,
    )
    .await
    .problem("not-found");
    let r = w.get("/api/v1/public/kb/articles?limit=0", &anon).await;
    assert_eq!(r.status, 422);
}
