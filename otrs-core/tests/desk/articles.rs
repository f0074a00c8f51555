use std::collections::BTreeMap;

use chrono::Duration;
use otrs_core::desk::{
    ArticleInput, ArticleKind, DraftInput, MessageSender, SendError, TicketUpdate,
};
use otrs_core::model::{
    Direction, MessageStatus, NewAttachment, OutgoingMessage, TimeUnits, default_states,
};
use otrs_core::store::{Store, StoreTx};
use otrs_core::{DeskError, Principal, block_on};

use crate::common::World;

#[test]
fn notes_are_internal_unless_made_visible_and_customers_only_see_visible_ones() {
    let w = World::new();
    let t = w.ticket("notes");
    let internal = block_on(
        w.desk
            .add_article(w.alice, t.id, ArticleInput::note("secret")),
    )
    .unwrap();
    assert_eq!(internal.direction(), Direction::Internal);
    assert_eq!(
        internal.subject, "notes",
        "an empty subject takes the title"
    );
    let visible = ArticleInput {
        visible_for_customer: Some(true),
        ..ArticleInput::note("we are on it")
    };
    let external = block_on(w.desk.add_article(w.alice, t.id, visible)).unwrap();
    assert_eq!(external.direction(), Direction::Outgoing);
    let seen_by_customer: Vec<String> = block_on(w.desk.articles(w.lacey, t.id))
        .unwrap()
        .into_iter()
        .map(|a| a.body)
        .collect();
    assert_eq!(seen_by_customer, ["Customer called.", "we are on it"]);
    assert_eq!(block_on(w.desk.articles(w.alice, t.id)).unwrap().len(), 3);
    assert!(
        w.history_types(t.id)
            .ends_with(&["AddNote".into(), "AddNote".into()])
    );
}

#[test]
fn readers_cannot_write_and_customers_cannot_write_notes() {
    let w = World::new();
    let t = w.ticket("rights");
    assert!(matches!(
        block_on(w.desk.add_article(w.carol, t.id, ArticleInput::note("x"))),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        block_on(w.desk.add_article(w.dave, t.id, ArticleInput::note("x"))),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        block_on(w.desk.add_article(w.lacey, t.id, ArticleInput::note("x"))),
        Err(DeskError::Invalid(_))
    ));
    assert!(matches!(
        block_on(w.desk.add_article(
            w.mallory,
            t.id,
            ArticleInput::new(ArticleKind::Portal, "x", "y")
        )),
        Err(DeskError::NotFound { .. })
    ));
}

struct Sink {
    sent: std::sync::Mutex<Vec<OutgoingMessage>>,
    fail: bool,
}

impl MessageSender for Sink {
    fn send(
        &self,
        message: &OutgoingMessage,
    ) -> impl std::future::Future<Output = Result<Vec<u8>, SendError>> + Send {
        let result = if self.fail {
            Err(SendError {
                message: "relay refused".into(),
                permanent: false,
            })
        } else {
            self.sent.lock().unwrap().push(message.clone());
            Ok(sink_source(message))
        };
        std::future::ready(result)
    }
}

/// What the test sink says it handed over: enough to tell messages apart.
fn sink_source(message: &OutgoingMessage) -> Vec<u8> {
    format!(
        "Message-ID: {}\r\nSubject: {}\r\n\r\n{}",
        message.message_id.as_deref().unwrap_or(""),
        message.subject,
        message.body
    )
    .into_bytes()
}

#[test]
fn outgoing_email_goes_through_the_outbox_once() {
    let w = World::new();
    let t = w.ticket("mail");
    let reply = ArticleInput::new(ArticleKind::EmailOutbound, "Re: mail", "Hello Lacey");
    let article = block_on(w.desk.add_article(w.alice, t.id, reply)).unwrap();
    assert_eq!(article.to, "Lacey Customer <lacey@example.org>");
    assert!(w.history_types(t.id).ends_with(&["SendAnswer".into()]));
    let failing = Sink {
        sent: Default::default(),
        fail: true,
    };
    for _ in 0..4 {
        let report = block_on(w.desk.deliver_outbox(&failing, 10)).unwrap();
        assert_eq!(report.deferred, 1);
    }
    let sink = Sink {
        sent: Default::default(),
        fail: false,
    };
    let report = block_on(w.desk.deliver_outbox(&sink, 10)).unwrap();
    assert_eq!(report.sent, 1);
    let sent = sink.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].subject, format!("[Ticket#{}] Re: mail", t.number));
    assert_eq!(
        block_on(w.desk.deliver_outbox(&sink, 10)).unwrap().sent,
        0,
        "nothing is sent twice"
    );
    let mut tx = block_on(w.desk.store().begin_read()).unwrap();
    let stored = block_on(tx.message(sent[0].id)).unwrap().unwrap();
    assert_eq!(stored.status, MessageStatus::Sent);
    assert_eq!(stored.attempts, 5);
    assert_eq!(
        stored.source.as_deref(),
        Some(sink_source(&sent[0]).as_slice()),
        "the outbox keeps the bytes handed to the relay"
    );
    assert_eq!(stored.article_id, Some(article.id));
}

#[test]
fn failed_commands_queue_no_mail() {
    let w = World::new();
    let t = w.ticket("nomail");
    let mut reply = ArticleInput::new(ArticleKind::EmailOutbound, "s", "b");
    reply.attachments.push(NewAttachment {
        filename: "".into(),
        content_type: "text/plain".into(),
        content: vec![1].into(),
        content_id: None,
        inline: false,
    });
    assert!(block_on(w.desk.add_article(w.alice, t.id, reply)).is_err());
    let sink = Sink {
        sent: Default::default(),
        fail: false,
    };
    assert_eq!(block_on(w.desk.deliver_outbox(&sink, 10)).unwrap().sent, 0);
}

#[test]
fn a_ticket_is_unread_while_an_article_is_unseen() {
    let w = World::new();
    let t = w.ticket("unread");
    assert!(
        block_on(w.desk.unread_tickets(w.alice, &[t.id]))
            .unwrap()
            .is_empty(),
        "the author has seen their article"
    );
    assert_eq!(
        block_on(w.desk.unread_tickets(w.bob, &[t.id])).unwrap(),
        [t.id]
    );
    block_on(w.desk.mark_seen(w.bob, t.id, vec![])).unwrap();
    assert!(
        block_on(w.desk.unread_tickets(w.bob, &[t.id]))
            .unwrap()
            .is_empty()
    );
    block_on(w.desk.add_article(w.alice, t.id, ArticleInput::note("new"))).unwrap();
    assert_eq!(
        block_on(w.desk.unread_tickets(w.bob, &[t.id])).unwrap(),
        [t.id]
    );
    assert_eq!(
        block_on(w.desk.unseen_articles(w.bob, t.id)).unwrap().len(),
        1
    );
}

#[test]
fn important_flag_is_global() {
    let w = World::new();
    let t = w.ticket("important");
    let a = block_on(w.desk.articles(w.alice, t.id)).unwrap().remove(0);
    block_on(w.desk.set_article_important(w.bob, a.id, true)).unwrap();
    assert!(block_on(w.desk.articles(w.alice, t.id)).unwrap()[0].important);
    assert!(block_on(w.desk.set_article_important(w.carol, a.id, false)).is_err());
}

#[test]
fn time_accounting_adds_up_and_accepts_otrs_input() {
    let w = World::new();
    let t = w.ticket("time");
    let note = ArticleInput {
        time_units: TimeUnits::parse("1,5"),
        ..ArticleInput::note("worked")
    };
    block_on(w.desk.add_article(w.alice, t.id, note)).unwrap();
    let t2 = block_on(w.desk.account_time(w.alice, t.id, TimeUnits::from_units(2))).unwrap();
    assert_eq!(t2.accounted_time, TimeUnits::from_hundredths(350));
    let rows = block_on(w.desk.time_accounting(w.alice, t.id)).unwrap();
    assert_eq!(rows.len(), 2);
    let history = block_on(w.desk.history(w.alice, t.id)).unwrap();
    let last = history.last().unwrap();
    assert_eq!(last.entry.history_type.name(), "TimeAccounting");
    assert_eq!(last.entry.params, ["2", "3.5"]);
    assert!(block_on(w.desk.account_time(w.alice, t.id, TimeUnits::ZERO)).is_err());
}

#[test]
fn customer_follow_ups_reopen_closed_tickets() {
    let w = World::new();
    let t = w.ticket("follow up");
    block_on(w.desk.update_ticket(
        w.alice,
        t.id,
        TicketUpdate {
            state: Some(default_states::CLOSED_SUCCESSFUL),
            ..Default::default()
        },
    ))
    .unwrap();
    let reply = ArticleInput::new(ArticleKind::Portal, "Re", "still broken");
    block_on(w.desk.add_article(w.robert, t.id, reply)).unwrap();
    let t2 = w.get(t.id);
    assert_eq!(
        t2.state_id,
        default_states::OPEN,
        "a company colleague's follow-up reopens"
    );
    assert!(
        w.history_types(t.id)
            .ends_with(&["StateUpdate".into(), "FollowUp".into()])
    );
    // A queue without follow-ups refuses.
    let junk = block_on(w.desk.queue_by_name(Principal::SYSTEM, "Junk")).unwrap();
    let update = otrs_core::desk::QueueUpdate {
        follow_up_possible: Some(false),
        ..Default::default()
    };
    block_on(w.desk.update_queue(w.admin, junk.id, update)).unwrap();
    let j = w.ticket_in(w.alice, junk.id, "junk");
    block_on(w.desk.update_ticket(
        w.alice,
        j.id,
        TicketUpdate {
            state: Some(default_states::CLOSED_UNSUCCESSFUL),
            ..Default::default()
        },
    ))
    .unwrap();
    let err = block_on(w.desk.add_article(
        w.lacey,
        j.id,
        ArticleInput::new(ArticleKind::Portal, "Re", "again"),
    ))
    .unwrap_err();
    assert!(matches!(err, DeskError::NotAllowed { .. }), "{err}");
}

#[test]
fn drafts_are_named_per_form_expire_and_notice_ticket_changes() {
    let w = World::new();
    let t = w.ticket("drafts");
    let fields: BTreeMap<String, String> = [("body".to_owned(), "half a reply".to_owned())].into();
    let d = block_on(w.desk.save_draft(
        w.alice,
        t.id,
        DraftInput {
            form: "reply".into(),
            name: "first".into(),
            fields: fields.clone(),
        },
    ))
    .unwrap();
    let again = block_on(w.desk.save_draft(
        w.bob,
        t.id,
        DraftInput {
            form: "reply".into(),
            name: "first".into(),
            fields,
        },
    ))
    .unwrap();
    assert_eq!(again.id, d.id, "same form and name replaces the draft");
    assert_eq!(again.version, 2);
    let drafts = block_on(w.desk.drafts(w.alice, t.id)).unwrap();
    assert_eq!(drafts.len(), 1);
    assert!(!drafts[0].1, "ticket unchanged since");
    block_on(
        w.desk
            .add_article(w.alice, t.id, ArticleInput::note("meanwhile")),
    )
    .unwrap();
    assert!(
        block_on(w.desk.drafts(w.alice, t.id)).unwrap()[0].1,
        "ticket changed since"
    );
    w.clock.advance(Duration::days(8));
    assert!(
        block_on(w.desk.drafts(w.alice, t.id)).unwrap().is_empty(),
        "drafts expire after 7 days"
    );
    assert!(block_on(w.desk.drafts(w.lacey, t.id)).is_err());
    block_on(w.desk.delete_draft(w.alice, d.id)).unwrap();
    assert!(matches!(
        block_on(w.desk.delete_draft(w.alice, d.id)),
        Err(DeskError::NotFound { .. })
    ));
}

#[test]
fn attachments_are_stored_byte_exact_and_guarded() {
    let w = World::new();
    let t = w.ticket("files");
    let bytes: Vec<u8> = (0..=255u8).collect();
    let note = ArticleInput {
        visible_for_customer: Some(false),
        attachments: vec![NewAttachment {
            filename: "all-bytes.bin".into(),
            content_type: "application/octet-stream".into(),
            content: bytes.clone().into(),
            content_id: None,
            inline: false,
        }],
        ..ArticleInput::note("see file")
    };
    let article = block_on(w.desk.add_article(w.alice, t.id, note)).unwrap();
    let meta = &article.attachments[0];
    assert_eq!(meta.size, 256);
    let content = block_on(w.desk.attachment(w.bob, meta.id)).unwrap();
    assert_eq!(&*content.content, &bytes[..]);
    assert!(
        matches!(
            block_on(w.desk.attachment(w.lacey, meta.id)),
            Err(DeskError::NotFound { .. })
        ),
        "internal article"
    );
    assert!(matches!(
        block_on(w.desk.attachment(w.dave, meta.id)),
        Err(DeskError::NotFound { .. })
    ));
    let _ = Principal::SYSTEM;
}

#[test]
fn an_article_with_a_next_state_checks_the_version_and_an_article_alone_does_not() {
    let w = World::new();
    let t = w.ticket("next state");
    let opened_at = t.version;
    block_on(w.desk.update_ticket(
        w.bob,
        t.id,
        TicketUpdate {
            title: Some("changed meanwhile".into()),
            ..Default::default()
        },
    ))
    .unwrap();
    let articles = |w: &World| block_on(w.desk.articles(w.alice, t.id)).unwrap().len();
    let before = articles(&w);
    let pending = TicketUpdate {
        state: Some(default_states::PENDING_REMINDER),
        pending_until: Some(crate::common::start() + Duration::days(2)),
        expected_version: Some(opened_at),
        ..Default::default()
    };
    // The state change from the stale form is refused, and the article is not added either.
    let err = block_on(w.desk.add_article_and_update(
        w.alice,
        t.id,
        ArticleInput::note("called back"),
        pending.clone(),
    ))
    .unwrap_err();
    assert!(
        matches!(err, DeskError::VersionMismatch { expected, .. } if expected == opened_at),
        "{err:?}"
    );
    assert_eq!(articles(&w), before);
    assert_eq!(w.get(t.id).state_id, default_states::OPEN);
    // Without a property change the same stale version does not matter.
    let (added, after) = block_on(w.desk.add_article_and_update(
        w.alice,
        t.id,
        ArticleInput::note("just a note"),
        TicketUpdate {
            expected_version: Some(opened_at),
            ..Default::default()
        },
    ))
    .unwrap();
    assert_eq!(added.body, "just a note");
    assert_eq!(after.state_id, default_states::OPEN);
    // With the current version both happen in one command.
    let (added, after) = block_on(w.desk.add_article_and_update(
        w.alice,
        t.id,
        ArticleInput::note("waiting for the customer"),
        TicketUpdate {
            expected_version: Some(after.version),
            ..pending
        },
    ))
    .unwrap();
    assert_eq!(after.state_id, default_states::PENDING_REMINDER);
    assert!(after.pending_until.is_some());
    assert_eq!(articles(&w), before + 2);
    assert_eq!(added.ticket_id, t.id);
    // Customer users cannot change properties this way.
    let err = block_on(w.desk.add_article_and_update(
        w.lacey,
        t.id,
        ArticleInput::new(ArticleKind::Portal, "s", "b"),
        TicketUpdate {
            state: Some(default_states::CLOSED_SUCCESSFUL),
            ..Default::default()
        },
    ))
    .unwrap_err();
    assert!(matches!(err, DeskError::PermissionDenied { .. }), "{err:?}");
}

fn file(name: &str, bytes: &[u8]) -> NewAttachment {
    NewAttachment {
        filename: name.into(),
        content_type: "application/octet-stream".into(),
        content: std::sync::Arc::from(bytes),
        content_id: None,
        inline: false,
    }
}

const FORM: &str = "form-key-0123456789abcdef";

#[test]
fn kept_form_uploads_are_the_agents_own_and_limited() {
    let w = World::new();
    let kept = block_on(w.desk.keep_form_uploads(
        w.alice,
        FORM,
        vec![file("a.txt", b"alpha"), file("b.bin", b"\x00\x01")],
    ))
    .unwrap();
    assert_eq!(kept.len(), 2);
    let more = block_on(
        w.desk
            .keep_form_uploads(w.alice, FORM, vec![file("c.txt", b"c")]),
    )
    .unwrap();
    assert_eq!(
        more.iter().map(|u| u.filename.as_str()).collect::<Vec<_>>(),
        ["a.txt", "b.bin", "c.txt"]
    );
    // Another agent neither sees nor removes them.
    assert!(
        block_on(w.desk.form_uploads(w.bob, FORM))
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        block_on(w.desk.discard_form_upload(w.bob, FORM, kept[0].id)),
        Err(DeskError::NotFound { .. })
    ));
    // Customer users keep nothing; keys must look random.
    assert!(matches!(
        block_on(
            w.desk
                .keep_form_uploads(w.lacey, FORM, vec![file("x", b"x")])
        ),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        block_on(
            w.desk
                .keep_form_uploads(w.alice, "short", vec![file("x", b"x")])
        ),
        Err(DeskError::Invalid(_))
    ));
    // Too much together: refused whole, what was kept stays.
    let big = vec![0u8; 2 * 1024 * 1024];
    let err = block_on(w.desk.keep_form_uploads(
        w.alice,
        FORM,
        vec![file("one.bin", &big), file("two.bin", &big)],
    ))
    .unwrap_err();
    let DeskError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    assert!(errors.0[0].message.contains("two.bin"), "{errors:?}");
    assert_eq!(
        block_on(w.desk.form_uploads(w.alice, FORM)).unwrap().len(),
        3
    );
    // A path in the name is refused.
    assert!(matches!(
        block_on(
            w.desk
                .keep_form_uploads(w.alice, FORM, vec![file("../etc/x", b"x")])
        ),
        Err(DeskError::Invalid(_))
    ));
    // The owner removes one.
    block_on(w.desk.discard_form_upload(w.alice, FORM, kept[1].id)).unwrap();
    assert_eq!(
        block_on(w.desk.form_uploads(w.alice, FORM)).unwrap().len(),
        2
    );
    // They expire.
    w.clock
        .advance(w.desk.config().form_upload_ttl + Duration::seconds(1));
    assert!(
        block_on(w.desk.form_uploads(w.alice, FORM))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_article_command_takes_the_kept_uploads_all_or_nothing() {
    let w = World::new();
    let t = w.ticket("with files");
    block_on(
        w.desk
            .keep_form_uploads(w.alice, FORM, vec![file("log.txt", b"kept bytes")]),
    )
    .unwrap();
    // A refused command leaves the files with the form.
    let mut bad = ArticleInput::new(ArticleKind::EmailOutbound, "s", "b");
    bad.to = Some("not an address".into());
    bad.form_uploads = Some(FORM.into());
    assert!(block_on(w.desk.add_article(w.alice, t.id, bad)).is_err());
    assert_eq!(
        block_on(w.desk.form_uploads(w.alice, FORM)).unwrap().len(),
        1
    );
    // Another agent naming the form gets none of them.
    let mut theirs = ArticleInput::note("bob's note");
    theirs.form_uploads = Some(FORM.into());
    let added = block_on(w.desk.add_article(w.bob, t.id, theirs)).unwrap();
    assert!(added.attachments.is_empty());
    // The owner's article holds them, and the form keeps nothing more.
    let mut note = ArticleInput::note("see the log");
    note.form_uploads = Some(FORM.into());
    let added = block_on(w.desk.add_article(w.alice, t.id, note)).unwrap();
    assert_eq!(added.attachments.len(), 1);
    assert_eq!(added.attachments[0].filename, "log.txt");
    let content = block_on(w.desk.attachment(w.alice, added.attachments[0].id)).unwrap();
    assert_eq!(&content.content[..], b"kept bytes");
    assert!(
        block_on(w.desk.form_uploads(w.alice, FORM))
            .unwrap()
            .is_empty()
    );
    // A new ticket takes them too.
    block_on(
        w.desk
            .keep_form_uploads(w.alice, FORM, vec![file("first.txt", b"1")]),
    )
    .unwrap();
    let mut first = ArticleInput::new(ArticleKind::PhoneInbound, "s", "b");
    first.form_uploads = Some(FORM.into());
    let created = block_on(w.desk.create_ticket(
        w.alice,
        otrs_core::desk::NewTicket::new("new", w.postmaster, first),
    ))
    .unwrap();
    let articles = block_on(w.desk.articles(w.alice, created.id)).unwrap();
    assert_eq!(articles[0].attachments[0].filename, "first.txt");
    assert!(
        block_on(w.desk.form_uploads(w.alice, FORM))
            .unwrap()
            .is_empty()
    );
}
