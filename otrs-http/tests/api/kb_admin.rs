//! The admin page of knowledge-base categories (`/agent/admin/kb-categories`): admins create,
//! edit, move and delete categories, with the store checked after each step; bad input is
//! shown at its field and changes nothing; others get 403 and never see the links; a stale form
//! saves nothing; and the pages speak German.

use otrs_core::Principal;
use otrs_core::desk::{KbCategoryNode, KbCategoryUpdate};
use otrs_core::ids::GroupId;
use otrs_core::model::Validity;
use otrs_http::i18n::{Language, untranslated_texts};

use crate::calendar_ui::submit;
use crate::i18n_views::{german, speak};
use crate::kb_api::{Kb, fixtures};
use crate::support::{Resp, World};

const LIST: &str = "/agent/admin/kb-categories";

/// Every category as the store holds it (in tree order).
async fn stored(w: &World) -> Vec<KbCategoryNode> {
    w.desk
        .kb_categories(Principal::Agent(w.admin))
        .await
        .unwrap()
}

/// The stored category at `path` (`Parent::Child`).
async fn at(w: &World, path: &str) -> Option<KbCategoryNode> {
    stored(w).await.into_iter().find(|n| n.path == path)
}

/// Posts the form as the admin.
async fn post(w: &World, path: &str, pairs: &[(&str, &str)]) -> Resp {
    let admin = w.session(Principal::Agent(w.admin)).await;
    submit(w, path, &admin, pairs).await
}

/// The edit form's fields for a category with a changed set of values.
fn edit_form<'a>(
    version: &'a str,
    parent: &'a str,
    name: &'a str,
    groups: &[&'a str],
    validity: &'a str,
) -> Vec<(&'a str, &'a str)> {
    let mut pairs = vec![
        ("version", version),
        ("parent", parent),
        ("name", name),
        ("comment", "Edited"),
        ("validity", validity),
    ];
    pairs.extend(groups.iter().map(|g| ("groups", *g)));
    pairs
}

#[tokio::test]
async fn admins_create_edit_move_and_delete_categories() {
    let w = World::new().await;
    let kb: Kb = fixtures(&w).await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    // The main menu and the knowledge-base list link the page.
    assert!(w.get("/agent", &admin).await.text().contains(LIST));
    let html = w.get("/agent/kb", &admin).await.text();
    assert!(
        html.contains(LIST) && html.contains("Manage categories"),
        "{html}"
    );
    // The tree: every category with its path, comment, group and own article count.
    let r = w.get(LIST, &admin).await;
    assert_eq!(r.status, 200, "{}", r.text());
    let html = r.text();
    for path in ["Misc", "Support KB", "Support KB::Printers"] {
        assert!(
            html.contains(&format!(r#"data-category="{path}""#)),
            "{path}: {html}"
        );
    }
    assert!(html.contains("For the support team.") && html.contains("Add category"));
    let printers = html
        .find(r#"data-category="Support KB::Printers""#)
        .unwrap();
    let row = &html[printers..printers + html[printers..].find("</tr>").unwrap()];
    assert!(row.contains("<td>1</td>") && row.contains("valid"), "{row}");

    // Create below Support KB.
    let support = kb.support.0.to_string();
    let group = w.support_group.0.to_string();
    let users = GroupId::USERS.0.to_string();
    let html = w.get(&format!("{LIST}/new"), &admin).await.text();
    assert!(html.contains(r#"name="groups""#) && html.contains(r#"name="parent""#));
    let r = post(
        &w,
        &format!("{LIST}/new"),
        &[
            ("parent", &support),
            ("name", " Toner "),
            ("comment", "Cartridges"),
            ("groups", &group),
        ],
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let toner = at(&w, "Support KB::Toner").await.expect("created");
    assert_eq!(toner.category.comment, "Cartridges");
    assert_eq!(toner.category.group_ids, [w.support_group].into());
    assert_eq!(toner.category.validity, Validity::Valid);
    assert!(w.get(LIST, &admin).await.text().contains("Toner"));

    // Edit: the form shows the values; renamed, both groups, invalid.
    let edit = format!("{LIST}/{}", toner.category.id.0);
    let html = w.get(&edit, &admin).await.text();
    assert!(html.contains(r#"value="Toner""#), "{html}");
    assert!(
        html.contains(&format!(
            r#"name="version" value="{}""#,
            toner.category.version
        )),
        "{html}"
    );
    // The category itself is not offered as its parent.
    assert!(!html.contains(&format!(r#"<option value="{}""#, toner.category.id.0)));
    let version = toner.category.version.to_string();
    let r = post(
        &w,
        &edit,
        &edit_form(
            &version,
            &support,
            "Toner supplies",
            &[&group, &users],
            "invalid",
        ),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let edited = at(&w, "Support KB::Toner supplies").await.expect("renamed");
    assert_eq!(edited.category.id, toner.category.id);
    assert_eq!(edited.category.comment, "Edited");
    assert_eq!(
        edited.category.group_ids,
        [GroupId::USERS, w.support_group].into()
    );
    assert_eq!(edited.category.validity, Validity::Invalid);
    assert!(edited.category.version > toner.category.version);

    // Move: below Misc, then to the top.
    let misc = kb.misc.0.to_string();
    let version = edited.category.version.to_string();
    let r = post(
        &w,
        &edit,
        &edit_form(&version, &misc, "Toner supplies", &[&group], "valid"),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let moved = at(&w, "Misc::Toner supplies").await.expect("moved");
    assert_eq!(moved.category.parent_id, Some(kb.misc));
    assert_eq!(moved.depth, 1);
    assert!(at(&w, "Support KB::Toner supplies").await.is_none());
    let version = moved.category.version.to_string();
    let r = post(
        &w,
        &edit,
        &edit_form(&version, "", "Toner supplies", &[&group], "valid"),
    )
    .await;
    assert_eq!(r.status, 303, "{}", r.text());
    let top = at(&w, "Toner supplies").await.expect("at the top");
    assert_eq!(top.category.parent_id, None);

    // Delete: a confirmation first; a category with articles or subcategories is refused.
    let html = w
        .get(&format!("{LIST}/{}/delete", kb.support.0), &admin)
        .await
        .text();
    assert!(html.contains("Do you really want to delete"), "{html}");
    let before = stored(&w).await;
    let r = post(&w, &format!("{LIST}/{}/delete", kb.support.0), &[]).await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert!(
        r.text()
            .contains("still holds articles or subcategories; move or delete them first"),
        "{}",
        r.text()
    );
    assert_eq!(stored(&w).await, before);
    let r = post(&w, &format!("{edit}/delete"), &[]).await;
    assert_eq!(r.status, 303, "{}", r.text());
    assert!(
        stored(&w)
            .await
            .iter()
            .all(|n| n.category.id != toner.category.id)
    );
    assert_eq!(stored(&w).await.len(), before.len() - 1);
    // A category that is gone is not found.
    assert_eq!(w.get(&edit, &admin).await.status, 404);
}

/// A bad form: its fields, the field the error is shown at and a text of the message.
type BadCase<'a> = (Vec<(&'a str, &'a str)>, &'a str, &'a str);

#[tokio::test]
async fn bad_input_is_shown_at_its_field_and_changes_nothing() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let group = w.support_group.0.to_string();
    let before = stored(&w).await;
    let new = format!("{LIST}/new");
    let cases: Vec<BadCase> = vec![
        (
            vec![("name", "  "), ("groups", &group)],
            "name",
            "is required",
        ),
        (
            vec![("name", "Printers::Laser"), ("groups", &group)],
            "name",
            "must not contain &quot;::&quot;",
        ),
        (
            vec![("name", "misc"), ("groups", &group)],
            "name",
            "already exists at this level of the tree",
        ),
        (
            vec![("name", "No group"), ("comment", "Kept <comment>")],
            "groups",
            "needs at least one group",
        ),
        (
            vec![("name", "Odd"), ("groups", "users")],
            "groups",
            "is not one of the offered choices",
        ),
    ];
    for (pairs, field, text) in &cases {
        let r = post(&w, &new, pairs).await;
        assert_eq!(r.status, 422, "{pairs:?}: {}", r.text());
        let html = r.text();
        assert!(html.contains(&format!(r#"id="err-{field}""#)), "{html}");
        assert!(html.contains(text), "{text}: {html}");
        assert_eq!(stored(&w).await, before, "{pairs:?}");
    }
    // The values typed are kept (escaped).
    let html = post(&w, &new, &cases[3].0).await.text();
    assert!(html.contains("Kept &lt;comment&gt;"), "{html}");
    // A parent below the category itself would make a cycle.
    let support = before.iter().find(|n| n.path == "Support KB").unwrap();
    let version = support.category.version.to_string();
    let printers = kb.printers.0.to_string();
    let r = post(
        &w,
        &format!("{LIST}/{}", kb.support.0),
        &edit_form(&version, &printers, "Support KB", &[&group], "valid"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let html = r.text();
    assert!(html.contains(r#"id="err-parent""#), "{html}");
    assert!(
        html.contains("cannot be placed below itself or its subcategories"),
        "{html}"
    );
    // The form does not offer the category's own subcategories as its parent.
    let admin = w.session(Principal::Agent(w.admin)).await;
    let form = w
        .get(&format!("{LIST}/{}", kb.support.0), &admin)
        .await
        .text();
    assert!(
        !form.contains(&format!(r#"<option value="{printers}""#)),
        "{form}"
    );
    assert!(
        form.contains(&format!(r#"<option value="{}""#, kb.misc.0)),
        "{form}"
    );
    // An edit with an empty name and no group names both fields.
    let r = post(
        &w,
        &format!("{LIST}/{}", kb.support.0),
        &edit_form(&version, "", "", &[], "valid"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    let html = r.text();
    assert!(html.contains(r#"id="err-name""#) && html.contains(r#"id="err-groups""#));
    // An unknown validity.
    let r = post(
        &w,
        &format!("{LIST}/{}", kb.support.0),
        &edit_form(&version, "", "Support KB", &[&group], "maybe"),
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(r.text().contains(r#"id="err-validity""#));
    assert_eq!(stored(&w).await, before);
}

#[tokio::test]
async fn others_get_403_see_no_link_and_change_nothing() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let before = (stored(&w).await, crate::kb_api::fingerprint(&w).await);
    let group = w.support_group.0.to_string();
    let misc = kb.misc.0;
    for agent in [w.alice, w.dave] {
        let caller = w.session(Principal::Agent(agent)).await;
        assert!(!w.get("/agent", &caller).await.text().contains(LIST));
        let html = w.get("/agent/kb", &caller).await.text();
        assert!(!html.contains(LIST) && !html.contains("Manage categories"));
        for path in [
            LIST.to_owned(),
            format!("{LIST}/new"),
            format!("{LIST}/{misc}"),
            format!("{LIST}/{misc}/delete"),
        ] {
            let r = w.get(&path, &caller).await;
            assert_eq!(r.status, 403, "{path}: {}", r.text());
            assert!(!r.text().contains("For the support team."));
        }
        for (path, pairs) in [
            (
                format!("{LIST}/new"),
                vec![("name", "Mine"), ("groups", group.as_str())],
            ),
            (
                format!("{LIST}/{misc}"),
                edit_form("1", "", "Mine", &[&group], "invalid"),
            ),
            (format!("{LIST}/{}/delete", kb.printers.0), vec![]),
        ] {
            let r = submit(&w, &path, &caller, &pairs).await;
            assert_eq!(r.status, 403, "{path}: {}", r.text());
        }
        // A post without the CSRF token is refused before anything else.
        let mut no_token = caller.clone();
        no_token.csrf = Some("wrong".into());
        let r = submit(&w, &format!("{LIST}/new"), &no_token, &[("name", "X")]).await;
        assert_eq!(r.status, 403);
    }
    assert_eq!(
        (stored(&w).await, crate::kb_api::fingerprint(&w).await),
        before
    );
}

#[tokio::test]
async fn a_stale_form_saves_nothing_and_says_so() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    let support = at(&w, "Support KB").await.unwrap();
    let version = support.category.version.to_string();
    // Someone else changes the category after the form was opened.
    w.desk
        .update_kb_category(
            Principal::Agent(w.admin),
            kb.support,
            KbCategoryUpdate {
                comment: Some("Changed elsewhere".into()),
                ..KbCategoryUpdate::default()
            },
            None,
        )
        .await
        .unwrap();
    let now = at(&w, "Support KB").await.unwrap();
    let group = w.support_group.0.to_string();
    let r = post(
        &w,
        &format!("{LIST}/{}", kb.support.0),
        &edit_form(&version, "", "Late name", &[&group], "invalid"),
    )
    .await;
    assert_eq!(r.status, 412, "{}", r.text());
    let html = r.text();
    assert!(html.contains("changed by someone else"), "{html}");
    // The form keeps what was typed.
    assert!(html.contains(r#"value="Late name""#), "{html}");
    assert_eq!(at(&w, "Support KB").await, Some(now.clone()));
    assert_eq!(now.category.comment, "Changed elsewhere");
    assert!(at(&w, "Late name").await.is_none());
}

#[tokio::test]
async fn the_category_pages_speak_german() {
    let w = World::new().await;
    let kb = fixtures(&w).await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    german(
        &w,
        LIST,
        &admin,
        &[
            "Wissensdatenbank-Kategorien",
            "Kategorie hinzufügen",
            "Gruppen",
            "gültig",
        ],
    )
    .await;
    german(
        &w,
        &format!("{LIST}/new"),
        &admin,
        &[
            "Übergeordnete Kategorie",
            "– oberste Ebene –",
            "Gruppen (mindestens eine)",
        ],
    )
    .await;
    german(
        &w,
        &format!("{LIST}/{}", kb.support.0),
        &admin,
        &["Kategorie Support KB bearbeiten", "Gültigkeit"],
    )
    .await;
    german(
        &w,
        &format!("{LIST}/{}/delete", kb.support.0),
        &admin,
        &["wirklich löschen"],
    )
    .await;
    let html = w.get("/agent/kb", &admin).await.text();
    assert!(html.contains("Kategorien verwalten"), "{html}");
    // The errors of a form and a refused delete, in German.
    let before = stored(&w).await;
    for (path, pairs, words) in [
        (
            format!("{LIST}/new"),
            vec![("name", "A::B")],
            vec!["darf kein", "braucht mindestens eine Gruppe"],
        ),
        (
            format!("{LIST}/{}/delete", kb.support.0),
            vec![],
            vec!["enthält noch Artikel oder Unterkategorien"],
        ),
    ] {
        let r = submit(&w, &path, &admin, &pairs).await;
        assert!(r.status == 422 || r.status == 409, "{path}: {}", r.text());
        let html = r.text();
        let start = html.find("<main").unwrap();
        let main = &html[start..html.rfind("</main>").unwrap()];
        let left = untranslated_texts(main, Language::German);
        assert!(left.is_empty(), "{path} still shows English: {left:?}");
        for word in words {
            assert!(main.contains(word), "{path} lacks {word:?}: {main}");
        }
    }
    assert_eq!(stored(&w).await, before);
}
