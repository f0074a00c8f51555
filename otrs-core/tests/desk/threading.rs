//! E-mail threading and sources: replies carry In-Reply-To and References derived from the
//! article they answer, every e-mail the desk sends carries its article's Message-ID, and the
//! source of an e-mail article is the one it was received with or the one handed to the relay.

use std::sync::Arc;
use std::sync::Mutex;

use otrs_core::desk::{
    ArticleInput, ArticleKind, ArticleSource, MessageSender, SendError, is_message_id,
};
use otrs_core::ids::{ArticleId, TicketId};
use otrs_core::model::{MessageStatus, OutgoingMessage};
use otrs_core::store::{Store, StoreTx};
use otrs_core::{DeskError, Principal, block_on};

use crate::common::World;

/// A relay that accepts everything and answers with a source of its own making.
#[derive(Default)]
struct Relay {
    sent: Mutex<Vec<OutgoingMessage>>,
}

fn relay_source(m: &OutgoingMessage) -> Vec<u8> {
    format!(
        "Message-ID: {}\r\nIn-Reply-To: {}\r\nReferences: {}\r\n\r\n{}",
        m.message_id.as_deref().unwrap_or(""),
        m.in_reply_to.as_deref().unwrap_or(""),
        m.references.as_deref().unwrap_or(""),
        m.body
    )
    .into_bytes()
}

impl MessageSender for Relay {
    fn send(
        &self,
        message: &OutgoingMessage,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, SendError>> + Send {
        self.sent.lock().unwrap().push(message.clone());
        std::future::ready(Ok(relay_source(message)))
    }
}

fn received(w: &World, ticket: TicketId, message_id: &str, references: Option<&str>) -> ArticleId {
    let mut input = ArticleInput::new(ArticleKind::EmailInbound, "Printer", "It is broken.");
    input.from = Some("Lacey <lacey@example.org>".into());
    input.message_id = Some(message_id.into());
    input.references = references.map(str::to_owned);
    block_on(w.desk.add_article(Principal::SYSTEM, ticket, input))
        .unwrap()
        .id
}

fn reply_to(parent: ArticleId, body: &str) -> ArticleInput {
    let mut input = ArticleInput::new(ArticleKind::EmailOutbound, "Re: Printer", body);
    input.reply_to = Some(parent);
    input
}

fn message_of(w: &World, article: ArticleId) -> OutgoingMessage {
    let mut tx = block_on(w.desk.store().begin_read()).unwrap();
    let message = block_on(tx.message_of_article(article)).unwrap().unwrap();
    block_on(tx.rollback()).unwrap();
    message
}

#[test]
fn a_reply_of_a_reply_grows_the_chain_and_answers_its_direct_parent() {
    let w = World::new();
    let t = w.ticket("threads");
    let first = received(&w, t.id, "<root@customer.example>", None);
    let reply = block_on(w.desk.add_article(w.alice, t.id, reply_to(first, "On it."))).unwrap();
    assert_eq!(
        reply.in_reply_to.as_deref(),
        Some("<root@customer.example>")
    );
    assert_eq!(reply.references.as_deref(), Some("<root@customer.example>"));
    // The desk made up a Message-ID for the reply, and the outbox sends exactly that one.
    let reply_id = reply
        .message_id
        .clone()
        .expect("every sent e-mail has a Message-ID");
    assert!(is_message_id(&reply_id), "{reply_id}");
    let queued = message_of(&w, reply.id);
    assert_eq!(queued.message_id.as_ref(), Some(&reply_id));
    assert_eq!(queued.in_reply_to, reply.in_reply_to);
    assert_eq!(queued.references, reply.references);
    assert_eq!(queued.article_id, Some(reply.id));
    // The customer answers the reply; the agent answers that.
    let answer = received(
        &w,
        t.id,
        "<second@customer.example>",
        Some(&format!("<root@customer.example> {reply_id}")),
    );
    let again = block_on(
        w.desk
            .add_article(w.alice, t.id, reply_to(answer, "Fixed.")),
    )
    .unwrap();
    assert_eq!(
        again.in_reply_to.as_deref(),
        Some("<second@customer.example>")
    );
    assert_eq!(
        again.references.as_deref(),
        Some(format!("<root@customer.example> {reply_id} <second@customer.example>").as_str())
    );
    // Answering the desk's own reply names the reply's Message-ID.
    let followup = block_on(
        w.desk
            .add_article(w.alice, t.id, reply_to(reply.id, "Also.")),
    )
    .unwrap();
    assert_eq!(followup.in_reply_to.as_ref(), Some(&reply_id));
    assert_eq!(
        followup.references.as_deref(),
        Some(format!("<root@customer.example> {reply_id}").as_str())
    );
    assert_ne!(
        followup.message_id, reply.message_id,
        "each e-mail has its own"
    );
    // Notes answering an article are threaded the same way (Reply To Note), and send nothing.
    let mut note = ArticleInput::new(ArticleKind::Note, "Re: Printer", "internal");
    note.reply_to = Some(answer);
    let note = block_on(w.desk.add_article(w.alice, t.id, note)).unwrap();
    assert_eq!(
        note.in_reply_to.as_deref(),
        Some("<second@customer.example>")
    );
    let mut tx = block_on(w.desk.store().begin_read()).unwrap();
    assert!(block_on(tx.message_of_article(note.id)).unwrap().is_none());
}

#[test]
fn a_reply_must_answer_a_readable_article_of_the_same_ticket() {
    let w = World::new();
    let t = w.ticket("one");
    let other = w.ticket("two");
    let elsewhere = received(&w, other.id, "<elsewhere@customer.example>", None);
    let before = w.get(t.id).version;
    let refused = block_on(w.desk.add_article(w.alice, t.id, reply_to(elsewhere, "x")));
    let Err(DeskError::Invalid(errors)) = refused else {
        panic!("{refused:?}");
    };
    assert_eq!(errors.0[0].field, "reply_to", "{errors:?}");
    assert_eq!(w.get(t.id).version, before, "nothing changed");
    // Given headers and a parent at once is ambiguous.
    let first = received(&w, t.id, "<root@customer.example>", None);
    let mut both = reply_to(first, "x");
    both.in_reply_to = Some("<other@example.org>".into());
    assert!(matches!(
        block_on(w.desk.add_article(w.alice, t.id, both)),
        Err(DeskError::Invalid(_))
    ));
    // Customer users cannot answer (or learn about) an internal note.
    let note = block_on(
        w.desk
            .add_article(w.alice, t.id, ArticleInput::note("secret")),
    )
    .unwrap()
    .id;
    let mut portal = ArticleInput::new(ArticleKind::Portal, "Re", "thanks");
    portal.reply_to = Some(note);
    assert!(matches!(
        block_on(w.desk.add_article(w.lacey, t.id, portal)),
        Err(DeskError::Invalid(_))
    ));
}

#[test]
fn an_outgoing_email_article_shows_its_queued_message_then_the_sent_bytes() {
    let w = World::new();
    let t = w.ticket("sources");
    let first = received(&w, t.id, "<root@customer.example>", None);
    let reply = block_on(w.desk.add_article(w.alice, t.id, reply_to(first, "On it."))).unwrap();
    let ArticleSource::Unsent(queued) = block_on(w.desk.article_source(w.alice, reply.id)).unwrap()
    else {
        panic!("a queued e-mail has no source yet");
    };
    assert_eq!(queued.status, MessageStatus::Pending);
    let relay = Relay::default();
    assert_eq!(block_on(w.desk.deliver_outbox(&relay, 10)).unwrap().sent, 1);
    let sent = relay.sent.lock().unwrap()[0].clone();
    match block_on(w.desk.article_source(w.alice, reply.id)).unwrap() {
        ArticleSource::Sent { message, source } => {
            assert_eq!(&*source, relay_source(&sent).as_slice());
            assert_eq!(message.status, MessageStatus::Sent);
            assert_eq!(message.message_id, reply.message_id);
        }
        other => panic!("{other:?}"),
    }
    // Readers of the ticket may see it; others may not.
    assert!(block_on(w.desk.article_source(w.carol, reply.id)).is_ok());
    assert!(block_on(w.desk.article_source(w.dave, reply.id)).is_err());
    // A received e-mail without a kept source, and a phone call.
    assert_eq!(
        block_on(w.desk.article_source(w.alice, first)).unwrap(),
        ArticleSource::NotKept
    );
    let phone = block_on(w.desk.articles(w.alice, t.id)).unwrap()[0].id;
    assert!(matches!(
        block_on(w.desk.article_source(w.alice, phone)),
        Err(DeskError::NotAllowed { .. })
    ));
}

#[test]
fn a_received_email_keeps_its_source_byte_for_byte() {
    let w = World::new();
    let t = w.ticket("raw");
    // Not UTF-8, bare LFs, a NUL: kept as given.
    let raw: Arc<[u8]> = b"From: Lacey <lacey@example.org>\nSubject: \xe9t\xe9\r\n\r\nbody\x00\n"
        .as_slice()
        .into();
    let mut input = ArticleInput::new(ArticleKind::EmailInbound, "été", "body");
    input.raw_source = Some(raw.clone());
    let article = block_on(w.desk.add_article(Principal::SYSTEM, t.id, input)).unwrap();
    assert_eq!(
        block_on(w.desk.article_source(w.alice, article.id)).unwrap(),
        ArticleSource::Received(raw.clone())
    );
    // Customer users read the sources of the articles they see, never of internal ones.
    assert_eq!(
        block_on(w.desk.article_source(w.lacey, article.id)).unwrap(),
        ArticleSource::Received(raw.clone())
    );
    assert!(block_on(w.desk.article_source(w.mallory, article.id)).is_err());
    let mut internal = ArticleInput::new(ArticleKind::EmailInbound, "fwd", "internal copy");
    internal.raw_source = Some(raw.clone());
    internal.visible_for_customer = Some(false);
    let internal = block_on(w.desk.add_article(w.alice, t.id, internal)).unwrap();
    assert!(matches!(
        block_on(w.desk.article_source(w.lacey, internal.id)),
        Err(DeskError::NotFound { .. })
    ));
}

#[test]
fn a_raw_source_is_refused_when_empty_too_large_or_not_received_mail() {
    let w = World::new();
    let t = w.ticket("limits");
    let limit = w.desk.config().max_source_bytes as usize;
    let before = w.get(t.id).version;
    let articles = block_on(w.desk.articles(w.alice, t.id)).unwrap().len();
    for (kind, size) in [
        (ArticleKind::EmailInbound, 0),
        (ArticleKind::EmailInbound, limit + 1),
        (ArticleKind::EmailOutbound, 10),
        (ArticleKind::PhoneInbound, 10),
    ] {
        let mut input = ArticleInput::new(kind, "s", "b");
        input.raw_source = Some(vec![b'x'; size].into());
        let result = block_on(w.desk.add_article(w.alice, t.id, input));
        let Err(DeskError::Invalid(errors)) = result else {
            panic!("{kind:?} {size}: {result:?}");
        };
        assert!(
            errors.0.iter().any(|e| e.field == "raw_source"),
            "{errors:?}"
        );
    }
    assert_eq!(w.get(t.id).version, before);
    assert_eq!(
        block_on(w.desk.articles(w.alice, t.id)).unwrap().len(),
        articles,
        "nothing was added"
    );
    let mut exact = ArticleInput::new(ArticleKind::EmailInbound, "s", "b");
    exact.raw_source = Some(vec![b'x'; limit].into());
    assert!(block_on(w.desk.add_article(w.alice, t.id, exact)).is_ok());
}
