//! The knowledge base: categories with their groups, articles with their files, votes, history,
//! and links to articles.

use std::sync::Arc;

use otrs_core::ids::{GroupId, KbArticleId, KbAttachmentId, KbCategoryId, KbHistoryId, LinkId};
use otrs_core::model::{
    KbAction, KbArticle, KbCategory, KbContentType, KbHistoryEntry, KbState, KbVote, Link,
    LinkType, NewAttachment, ObjectRef, Principal, Validity,
};
use otrs_core::store::{KbArticleFilter, Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

pub fn category_row(name: &str, parent: Option<KbCategoryId>, groups: &[GroupId]) -> KbCategory {
    KbCategory {
        id: KbCategoryId(0),
        parent_id: parent,
        name: name.into(),
        comment: "Für alle – ∑".into(),
        group_ids: groups.iter().copied().collect(),
        validity: Validity::Valid,
        created_at: seed::at(1),
        changed_at: seed::at(2),
        changed_by: Principal::SYSTEM,
        version: 0,
    }
}

pub fn article_row(category: KbCategoryId, title: &str, state: KbState) -> KbArticle {
    KbArticle {
        id: KbArticleId(0),
        category_id: category,
        title: title.into(),
        keywords: "vpn, Łódź printer".into(),
        language: "de".into(),
        state,
        validity: Validity::Valid,
        approved: true,
        content_type: KbContentType::Html,
        symptom: "<p>No connection</p>".into(),
        problem: "Token expired\nsecond line".into(),
        solution: "Renew it – ✓".into(),
        comment: "internal only".into(),
        attachments: Vec::new(),
        created_at: seed::at(3),
        created_by: Principal::SYSTEM,
        changed_at: seed::at(4),
        changed_by: Principal::SYSTEM,
        version: 0,
    }
}

fn file(name: &str, bytes: &[u8]) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: "application/octet-stream".into(),
        content: Arc::from(bytes),
        content_id: None,
        inline: false,
    }
}

pub async fn kb_categories_keep_groups_and_unique_sibling_names<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let groups = [GroupId::USERS, w.support_group];
    let (top, child) = rw!(store, |tx| {
        let top = tx
            .insert_kb_category(&category_row("Hardware", None, &groups))
            .await
            .unwrap();
        let child = tx
            .insert_kb_category(&category_row("Printers", Some(top.id), &[w.support_group]))
            .await
            .unwrap();
        (top, child)
    });
    assert_eq!((top.version, child.version), (1, 1));
    assert_eq!(
        ro!(store, |tx| tx.kb_categories().await.unwrap()),
        vec![top.clone(), child.clone()]
    );

    let mut tx = store.begin().await.unwrap();
    let sibling = tx
        .insert_kb_category(&category_row("Printers", Some(top.id), &groups))
        .await;
    assert!(
        matches!(
            sibling,
            Err(StoreError::Duplicate {
                what: "kb category name",
                ..
            })
        ),
        "{sibling:?}"
    );
    // The same name at another level of the tree is fine.
    let other_level = tx
        .insert_kb_category(&category_row("Printers", None, &groups))
        .await
        .unwrap();
    let orphan = tx
        .insert_kb_category(&category_row("Orphan", Some(KbCategoryId(9_999)), &groups))
        .await;
    assert!(
        matches!(orphan, Err(StoreError::NotFound { .. })),
        "{orphan:?}"
    );
    let unknown_group = tx
        .insert_kb_category(&category_row("Groupless", None, &[GroupId(9_999)]))
        .await;
    assert!(
        matches!(
            unknown_group,
            Err(StoreError::NotFound { what: "group", .. })
        ),
        "{unknown_group:?}"
    );
    let stale = tx
        .update_kb_category(&KbCategory {
            version: 7,
            ..top.clone()
        })
        .await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let moved = tx
        .update_kb_category(&KbCategory {
            parent_id: Some(other_level.id),
            group_ids: [GroupId::USERS].into(),
            name: "Printers & Scanners".into(),
            ..child.clone()
        })
        .await
        .unwrap();
    assert_eq!(moved.version, 2);
    let refused = tx.delete_kb_category(other_level.id).await;
    assert!(
        matches!(refused, Err(StoreError::Invalid { .. })),
        "{refused:?}"
    );
    tx.commit().await.unwrap();

    let stored = ro!(store, |tx| tx.kb_categories().await.unwrap());
    assert_eq!(stored.len(), 3);
    assert_eq!(stored.iter().find(|c| c.id == child.id), Some(&moved));
    rw!(store, |tx| {
        tx.delete_kb_category(child.id).await.unwrap();
        tx.delete_kb_category(other_level.id).await.unwrap();
    });
    assert_eq!(
        ro!(store, |tx| tx.kb_categories().await.unwrap()),
        vec![top]
    );
    let gone = rw!(store, |tx| tx.delete_kb_category(child.id).await);
    assert!(matches!(gone, Err(StoreError::NotFound { .. })), "{gone:?}");
}

pub async fn kb_articles_keep_their_files_and_pass_filters<S: Store>(store: S) {
    seed::world(&store).await;
    let misc = rw!(store, |tx| tx
        .insert_kb_category(&category_row("Misc", None, &[GroupId::USERS]))
        .await
        .unwrap());
    let other = rw!(store, |tx| tx
        .insert_kb_category(&category_row("Other", None, &[GroupId::USERS]))
        .await
        .unwrap());
    let bytes: Vec<u8> = (0..=255).collect();
    let public = rw!(store, |tx| tx
        .insert_kb_article(
            &article_row(misc.id, "VPN – how to", KbState::Public),
            &[file("a.bin", &bytes), file("b.txt", b"hello")],
        )
        .await
        .unwrap());
    assert_eq!(public.version, 1);
    assert_eq!(
        public
            .attachments
            .iter()
            .map(|a| (a.filename.as_str(), a.size))
            .collect::<Vec<_>>(),
        [("a.bin", 256), ("b.txt", 5)]
    );
    let internal = rw!(store, |tx| tx
        .insert_kb_article(
            &KbArticle {
                validity: Validity::Invalid,
                approved: false,
                content_type: KbContentType::Plain,
                ..article_row(other.id, "Internal", KbState::Internal)
            },
            &[],
        )
        .await
        .unwrap());
    assert_eq!(
        ro!(store, |tx| tx.kb_article(public.id).await.unwrap()),
        Some(public.clone())
    );
    let (content_meta, content) = ro!(store, |tx| tx
        .kb_attachment(public.id, public.attachments[0].id)
        .await
        .unwrap()
        .unwrap());
    assert_eq!(
        (content_meta, &content[..]),
        (public.attachments[0].clone(), &bytes[..])
    );
    // A file is found only through its own article.
    assert_eq!(
        ro!(store, |tx| tx
            .kb_attachment(internal.id, public.attachments[0].id)
            .await
            .unwrap()),
        None
    );

    let ids = |articles: Vec<KbArticle>| articles.iter().map(|a| a.id).collect::<Vec<_>>();
    let all = ro!(store, |tx| tx
        .kb_articles(&KbArticleFilter::default())
        .await
        .unwrap());
    assert_eq!(all, vec![public.clone(), internal.clone()]);
    for (filter, expected) in [
        (
            KbArticleFilter {
                category_ids: Some([other.id].into()),
                ..Default::default()
            },
            vec![internal.id],
        ),
        (
            KbArticleFilter {
                category_ids: Some([].into()),
                ..Default::default()
            },
            vec![],
        ),
        (
            KbArticleFilter {
                states: Some([KbState::External, KbState::Public].into()),
                ..Default::default()
            },
            vec![public.id],
        ),
        (
            KbArticleFilter {
                valid_only: true,
                ..Default::default()
            },
            vec![public.id],
        ),
        (
            KbArticleFilter {
                approved_only: true,
                category_ids: Some([misc.id, other.id].into()),
                ..Default::default()
            },
            vec![public.id],
        ),
    ] {
        assert_eq!(
            ids(ro!(store, |tx| tx.kb_articles(&filter).await.unwrap())),
            expected,
            "{filter:?}"
        );
    }

    // Updates keep the files; stale versions and unknown categories are refused.
    let mut tx = store.begin().await.unwrap();
    let updated = tx
        .update_kb_article(&KbArticle {
            title: "VPN – updated".into(),
            category_id: other.id,
            attachments: Vec::new(),
            ..public.clone()
        })
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.attachments, public.attachments);
    let stale = tx.update_kb_article(&public).await;
    assert!(
        matches!(stale, Err(StoreError::Conflict { .. })),
        "{stale:?}"
    );
    let nowhere = tx
        .update_kb_article(&KbArticle {
            category_id: KbCategoryId(9_999),
            ..updated.clone()
        })
        .await;
    assert!(
        matches!(nowhere, Err(StoreError::NotFound { .. })),
        "{nowhere:?}"
    );
    let added = tx
        .insert_kb_attachment(public.id, &file("c.txt", b"third"))
        .await
        .unwrap();
    tx.delete_kb_attachment(public.id, public.attachments[1].id)
        .await
        .unwrap();
    let wrong = tx
        .delete_kb_attachment(internal.id, public.attachments[0].id)
        .await;
    assert!(
        matches!(wrong, Err(StoreError::NotFound { .. })),
        "{wrong:?}"
    );
    let missing = tx
        .insert_kb_attachment(KbArticleId(9_999), &file("x", b"x"))
        .await;
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
    tx.commit().await.unwrap();
    let stored = ro!(store, |tx| tx.kb_article(public.id).await.unwrap().unwrap());
    assert_eq!(stored.title, "VPN – updated");
    assert_eq!(
        stored.attachments,
        vec![public.attachments[0].clone(), added.clone()]
    );
    assert!(stored.attachments[1].id > public.attachments[1].id);
    assert_ne!(added.id, KbAttachmentId(0));

    // The category cannot go while it holds articles; deleting an article takes its files.
    let refused = rw!(store, |tx| tx.delete_kb_category(other.id).await);
    assert!(
        matches!(refused, Err(StoreError::Invalid { .. })),
        "{refused:?}"
    );
    rw!(store, |tx| tx.delete_kb_article(public.id).await.unwrap());
    assert_eq!(
        ro!(store, |tx| tx.kb_article(public.id).await.unwrap()),
        None
    );
    assert_eq!(
        ro!(store, |tx| tx
            .kb_attachment(public.id, added.id)
            .await
            .unwrap()),
        None
    );
    let again = rw!(store, |tx| tx.delete_kb_article(public.id).await);
    assert!(
        matches!(again, Err(StoreError::NotFound { .. })),
        "{again:?}"
    );
    // Numbers are made from ids: the highest id, once deleted, is not handed out again.
    let newest = rw!(store, |tx| tx
        .insert_kb_article(&article_row(misc.id, "Newest", KbState::Public), &[])
        .await
        .unwrap());
    rw!(store, |tx| tx.delete_kb_article(newest.id).await.unwrap());
    let next = rw!(store, |tx| tx
        .insert_kb_article(&article_row(misc.id, "Next", KbState::Public), &[])
        .await
        .unwrap());
    assert!(next.id > newest.id, "{:?} after {:?}", next.id, newest.id);
}

pub async fn kb_votes_replace_and_history_is_ordered<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let misc = rw!(store, |tx| tx
        .insert_kb_category(&category_row("Misc", None, &[GroupId::USERS]))
        .await
        .unwrap());
    let article = rw!(store, |tx| tx
        .insert_kb_article(&article_row(misc.id, "Votes", KbState::External), &[])
        .await
        .unwrap());
    let vote = |voter, helpful, at| KbVote {
        article_id: article.id,
        voter,
        helpful,
        at: seed::at(at),
    };
    rw!(store, |tx| {
        tx.upsert_kb_vote(&vote(Principal::Customer(w.lacey), true, 20))
            .await
            .unwrap();
        tx.upsert_kb_vote(&vote(Principal::Agent(w.alice), false, 10))
            .await
            .unwrap();
        // A second vote of the same person replaces the first.
        tx.upsert_kb_vote(&vote(Principal::Customer(w.lacey), false, 30))
            .await
            .unwrap();
    });
    assert_eq!(
        ro!(store, |tx| tx.kb_votes(article.id).await.unwrap()),
        vec![
            vote(Principal::Agent(w.alice), false, 10),
            vote(Principal::Customer(w.lacey), false, 30)
        ]
    );
    let unknown = rw!(store, |tx| tx
        .upsert_kb_vote(&KbVote {
            article_id: KbArticleId(9_999),
            ..vote(Principal::Agent(w.bob), true, 1)
        })
        .await);
    assert!(
        matches!(unknown, Err(StoreError::NotFound { .. })),
        "{unknown:?}"
    );

    let row = |action, detail: &str, at| KbHistoryEntry {
        id: KbHistoryId(0),
        article_id: article.id,
        action,
        detail: detail.into(),
        by: Principal::Agent(w.alice),
        at: seed::at(at),
    };
    let (late, early, same_time) = rw!(store, |tx| (
        tx.append_kb_history(&row(KbAction::Updated, "title", 50))
            .await
            .unwrap(),
        tx.append_kb_history(&row(KbAction::Created, "Votes", 40))
            .await
            .unwrap(),
        tx.append_kb_history(&row(KbAction::LinkAdded, "ticket 1 (Normal)", 50))
            .await
            .unwrap(),
    ));
    assert_eq!(
        ro!(store, |tx| tx.kb_history(article.id).await.unwrap()),
        vec![early, late, same_time]
    );
    let nowhere = rw!(store, |tx| tx
        .append_kb_history(&KbHistoryEntry {
            article_id: KbArticleId(9_999),
            ..row(KbAction::Voted, "x", 1)
        })
        .await);
    assert!(
        matches!(nowhere, Err(StoreError::NotFound { .. })),
        "{nowhere:?}"
    );

    // Deleting the article takes its votes and history.
    rw!(store, |tx| tx.delete_kb_article(article.id).await.unwrap());
    assert!(ro!(store, |tx| tx.kb_votes(article.id).await.unwrap()).is_empty());
    assert!(ro!(store, |tx| tx.kb_history(article.id).await.unwrap()).is_empty());
}

pub async fn links_to_kb_articles_need_the_article<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let ticket = seed::insert_ticket(&store, &seed::ticket("2020032510000016", w.support)).await;
    let misc = rw!(store, |tx| tx
        .insert_kb_category(&category_row("Misc", None, &[GroupId::USERS]))
        .await
        .unwrap());
    let article = rw!(store, |tx| tx
        .insert_kb_article(&article_row(misc.id, "Linked", KbState::Internal), &[])
        .await
        .unwrap());
    let link = |target| Link {
        id: LinkId(0),
        source: ObjectRef::Ticket(ticket.id),
        target,
        link_type: LinkType::Normal,
        created_by: Principal::SYSTEM,
        created_at: seed::at(5),
    };
    let stored = rw!(store, |tx| tx
        .insert_link(&link(ObjectRef::KbArticle(article.id)))
        .await
        .unwrap());
    assert_eq!(
        ro!(store, |tx| tx
            .links_of(ObjectRef::KbArticle(article.id))
            .await
            .unwrap()),
        vec![stored]
    );
    let missing = rw!(store, |tx| tx
        .insert_link(&link(ObjectRef::KbArticle(KbArticleId(9_999))))
        .await);
    assert!(
        matches!(missing, Err(StoreError::NotFound { .. })),
        "{missing:?}"
    );
}
