//! The detail view's article actions over every store: a split copies the article's attachment
//! bytes into the new ticket and links the two in one transaction; a redirect queues the e-mail
//! with its attachment and, with the sender informed, a second message and article.

use std::sync::Arc;

use otrs_core::Principal;
use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket};
use otrs_core::model::{HistoryType, NewAttachment, ObjectRef};
use otrs_core::store::Store;

use super::fixture;
use crate::support::for_each_store;

async fn split_and_redirect<S: Store>(store: S) {
    let f = fixture(store, Default::default()).await;
    let sys = Principal::SYSTEM;
    let mut first = ArticleInput::new(ArticleKind::EmailInbound, "Scanner", "The scanner jams.");
    first.from = Some("Lacey <lacey@example.org>".into());
    first.attachments.push(NewAttachment {
        filename: "jam.txt".into(),
        content_type: "text/plain".into(),
        content: Arc::from(&b"page 3"[..]),
        content_id: None,
        inline: false,
    });
    let ticket = f
        .desk
        .create_ticket(f.alice, NewTicket::new("Scanner", f.support, first))
        .await
        .unwrap();
    let article = f.desk.articles(sys, ticket.id).await.unwrap()[0].clone();

    // A refused split leaves no ticket behind.
    let bad = NewTicket::new(
        "",
        f.support,
        ArticleInput::new(ArticleKind::PhoneInbound, "", "x"),
    );
    assert!(
        f.desk
            .split_article(f.alice, article.id, bad, true)
            .await
            .is_err()
    );
    assert!(
        f.desk
            .links(sys, ObjectRef::Ticket(ticket.id))
            .await
            .unwrap()
            .is_empty()
    );
    let new = NewTicket::new(
        "Scanner part 2",
        f.postmaster,
        ArticleInput::new(ArticleKind::PhoneInbound, "Scanner", article.body.clone()),
    );
    let (created, link) = f
        .desk
        .split_article(f.alice, article.id, new, true)
        .await
        .unwrap();
    assert_eq!(link.target, ObjectRef::Ticket(created.id));
    let copied = &f.desk.articles(sys, created.id).await.unwrap()[0];
    assert_eq!(copied.attachments.len(), 1);
    let bytes = f
        .desk
        .attachment(sys, copied.attachments[0].id)
        .await
        .unwrap();
    assert_eq!(&bytes.content[..], b"page 3");

    let done = f
        .desk
        .redirect_article(f.alice, article.id, "scanners@example.net", true)
        .await
        .unwrap();
    assert_eq!(done.message.attachments.len(), 1);
    assert_eq!(&done.message.attachments[0].content[..], b"page 3");
    assert!(done.notice.is_some());
    let history = f.desk.history(sys, ticket.id).await.unwrap();
    assert!(
        history
            .iter()
            .any(|h| h.entry.history_type == HistoryType::Bounce)
    );
}

for_each_store!(split_and_redirect);
