//! Links, watchers and drafts.

use std::collections::BTreeMap;

use otrs_core::ids::{AgentId, AppointmentId, DraftId, GroupId, LinkId, TicketId};
use otrs_core::model::{Draft, KbState, Link, LinkType, ObjectRef, Principal, Watcher};
use otrs_core::store::{Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

fn link(source: ObjectRef, target: ObjectRef, link_type: LinkType) -> Link {
    Link {
        id: LinkId(0),
        source,
        target,
        link_type,
        created_by: Principal::SYSTEM,
        created_at: seed::at(5),
    }
}

pub async fn links_are_unique_per_pair_and_type<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let [a, b, c] = [
        seed::insert_ticket(&store, &seed::ticket("L-1", w.postmaster))
            .await
            .id,
        seed::insert_ticket(&store, &seed::ticket("L-2", w.postmaster))
            .await
            .id,
        seed::insert_ticket(&store, &seed::ticket("L-3", w.postmaster))
            .await
            .id,
    ]
    .map(ObjectRef::Ticket);
    let kb = rw!(store, |tx| {
        let misc = tx
            .insert_kb_category(&super::kb::category_row("Misc", None, &[GroupId::USERS]))
            .await
            .unwrap();
        tx.insert_kb_article(
            &super::kb::article_row(misc.id, "Linked", KbState::Internal),
            &[],
        )
        .await
        .unwrap()
    });
    let kb = ObjectRef::KbArticle(kb.id);
    let (normal, parent, kb_link) = rw!(store, |tx| (
        tx.insert_link(&link(a, b, LinkType::Normal)).await.unwrap(),
        tx.insert_link(&link(a, c, LinkType::ParentChild))
            .await
            .unwrap(),
        tx.insert_link(&link(kb, a, LinkType::Normal))
            .await
            .unwrap(),
    ));
    assert_eq!(normal.created_at, seed::at(5));
    let mut tx = store.begin().await.unwrap();
    // Normal links have no direction; ParentChild links do.
    for (dup, what) in [
        (link(b, a, LinkType::Normal), "reverse normal"),
        (link(a, b, LinkType::Normal), "same normal"),
        (link(a, c, LinkType::ParentChild), "same parent-child"),
    ] {
        let result = tx.insert_link(&dup).await;
        assert!(
            matches!(result, Err(StoreError::Duplicate { what: "link", .. })),
            "{what}: {result:?}"
        );
    }
    let reverse_parent = tx
        .insert_link(&link(c, a, LinkType::ParentChild))
        .await
        .unwrap();
    let other_type = tx
        .insert_link(&link(b, a, LinkType::ParentChild))
        .await
        .unwrap();
    let missing = tx
        .insert_link(&link(a, ObjectRef::Ticket(TicketId(404)), LinkType::Normal))
        .await;
    assert!(
        matches!(&missing, Err(StoreError::NotFound { what: "ticket", key }) if key == "404"),
        "{missing:?}"
    );
    let missing = tx
        .insert_link(&link(
            ObjectRef::Appointment(AppointmentId(404)),
            c,
            LinkType::Normal,
        ))
        .await;
    assert!(
        matches!(&missing, Err(StoreError::NotFound { what: "appointment", key }) if key == "404"),
        "{missing:?}"
    );
    let calendar = tx
        .insert_calendar(&super::calendar::calendar_row("Links", w.support_group))
        .await
        .unwrap();
    let stored = tx
        .insert_appointment(&super::calendar::appointment_row(calendar.id))
        .await
        .unwrap();
    let appointment = tx
        .insert_link(&link(
            ObjectRef::Appointment(stored.id),
            c,
            LinkType::Normal,
        ))
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let of_a = ro!(store, |tx| tx.links_of(a).await.unwrap());
    let ids: Vec<LinkId> = of_a.iter().map(|l| l.id).collect();
    assert_eq!(
        ids,
        [
            normal.id,
            parent.id,
            kb_link.id,
            reverse_parent.id,
            other_type.id
        ]
    );
    assert_eq!(of_a[2], kb_link);
    assert_eq!(
        ro!(store, |tx| tx.link(appointment.id).await.unwrap()),
        Some(appointment.clone())
    );
    assert_eq!(
        ro!(store, |tx| tx.links_of(kb).await.unwrap()),
        std::slice::from_ref(&kb_link)
    );

    rw!(store, |tx| tx.delete_link(normal.id).await.unwrap());
    assert_eq!(ro!(store, |tx| tx.link(normal.id).await.unwrap()), None);
    let mut tx = store.begin().await.unwrap();
    let gone = tx.delete_link(normal.id).await;
    assert!(matches!(
        gone,
        Err(StoreError::NotFound { what: "link", .. })
    ));
    // With the old link deleted, the pair may be linked again, with a new id.
    let again = tx.insert_link(&link(b, a, LinkType::Normal)).await.unwrap();
    assert!(again.id > appointment.id);
    tx.commit().await.unwrap();
}

pub async fn watchers_are_replaced_and_removed_quietly<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let ticket = seed::insert_ticket(&store, &seed::ticket("W-1", w.postmaster))
        .await
        .id;
    let watcher = |agent: AgentId, at: i64| Watcher {
        ticket_id: ticket,
        agent_id: agent,
        since: seed::at(at),
    };
    rw!(store, |tx| {
        tx.upsert_watcher(&watcher(w.carol, 1)).await.unwrap();
        tx.upsert_watcher(&watcher(w.alice, 2)).await.unwrap();
        tx.upsert_watcher(&watcher(w.carol, 3)).await.unwrap();
        tx.delete_watcher(ticket, w.bob).await.unwrap();
    });
    let watchers = ro!(store, |tx| tx.watchers(ticket).await.unwrap());
    assert_eq!(watchers, [watcher(w.alice, 2), watcher(w.carol, 3)]);
    let mut tx = store.begin().await.unwrap();
    let no_ticket = tx
        .upsert_watcher(&Watcher {
            ticket_id: TicketId(404),
            ..watcher(w.bob, 1)
        })
        .await;
    assert!(matches!(
        no_ticket,
        Err(StoreError::NotFound { what: "ticket", .. })
    ));
    let no_agent = tx.upsert_watcher(&watcher(AgentId(404), 1)).await;
    assert!(
        matches!(&no_agent, Err(StoreError::NotFound { what: "agent", key }) if key == "404"),
        "{no_agent:?}"
    );
    tx.delete_watcher(ticket, w.alice).await.unwrap();
    tx.commit().await.unwrap();
    assert_eq!(
        ro!(store, |tx| tx.watchers(ticket).await.unwrap()),
        [watcher(w.carol, 3)]
    );
}

pub async fn drafts_are_named_per_ticket_and_form<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let ticket = seed::insert_ticket(&store, &seed::ticket("D-1", w.postmaster))
        .await
        .id;
    let other = seed::insert_ticket(&store, &seed::ticket("D-2", w.postmaster))
        .await
        .id;
    let draft = |ticket: TicketId, form: &str, name: &str| Draft {
        id: DraftId(0),
        ticket_id: ticket,
        form: form.into(),
        name: name.into(),
        fields: BTreeMap::from([
            ("Body".to_owned(), "Hello,\n\"quoted\" – ✓".to_owned()),
            ("Subject".to_owned(), "Re: printer".to_owned()),
        ]),
        ticket_version: 3,
        created_by: w.alice,
        created_at: seed::at(1),
        changed_at: seed::at(2),
        version: 0,
    };
    let (reply, note) = rw!(store, |tx| (
        tx.insert_draft(&draft(ticket, "reply", "mine"))
            .await
            .unwrap(),
        tx.insert_draft(&draft(ticket, "note", "mine"))
            .await
            .unwrap(),
    ));
    assert_eq!(reply.version, 1);
    let other_ticket = rw!(store, |tx| tx
        .insert_draft(&draft(other, "reply", "mine"))
        .await
        .unwrap());
    let mut tx = store.begin().await.unwrap();
    let dup = tx.insert_draft(&draft(ticket, "reply", "mine")).await;
    assert!(
        matches!(
            dup,
            Err(StoreError::Duplicate {
                what: "draft name",
                ..
            })
        ),
        "{dup:?}"
    );
    let no_ticket = tx.insert_draft(&draft(TicketId(404), "reply", "x")).await;
    assert!(matches!(
        no_ticket,
        Err(StoreError::NotFound { what: "ticket", .. })
    ));
    let mut fields = reply.fields.clone();
    fields.insert("Body".into(), "changed".into());
    let updated = tx
        .update_draft(&Draft {
            fields,
            changed_at: seed::at(9),
            ..reply.clone()
        })
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    let stale = tx.update_draft(&reply).await;
    assert!(matches!(stale, Err(StoreError::Conflict { .. })));
    let renamed_onto = tx
        .update_draft(&Draft {
            form: "note".into(),
            ..updated.clone()
        })
        .await;
    assert!(matches!(
        renamed_onto,
        Err(StoreError::Duplicate {
            what: "draft name",
            ..
        })
    ));
    tx.commit().await.unwrap();
    let drafts = ro!(store, |tx| tx.drafts(ticket).await.unwrap());
    assert_eq!(drafts, [updated.clone(), note.clone()]);
    assert_eq!(
        ro!(store, |tx| tx.draft(other_ticket.id).await.unwrap()),
        Some(other_ticket)
    );

    rw!(store, |tx| tx.delete_draft(note.id).await.unwrap());
    let mut tx = store.begin().await.unwrap();
    let gone = tx.delete_draft(note.id).await;
    assert!(matches!(
        gone,
        Err(StoreError::NotFound { what: "draft", .. })
    ));
    assert_eq!(tx.draft(note.id).await.unwrap(), None);
    tx.rollback().await.unwrap();
}
