//! Standard texts: text templates and signatures with their queues.

use otrs_core::ids::{QueueId, TextId};
use otrs_core::model::{StandardText, TextKind};
use otrs_core::store::{Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

fn text_row(kind: TextKind, name: &str, queues: Vec<QueueId>) -> StandardText {
    StandardText {
        id: TextId(0),
        kind,
        name: name.into(),
        text: "Dear customer,\n\nŁódź – thank you.".into(),
        content_type: "text/plain".into(),
        validity: otrs_core::model::Validity::Valid,
        queues,
        created_at: seed::at(5),
        version: 0,
    }
}

pub async fn standard_texts_are_unique_per_kind_and_keep_their_queues<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let greeting = rw!(store, |tx| tx
        .insert_standard_text(&text_row(
            TextKind::Template,
            "Greeting",
            vec![w.support, w.misc, w.support],
        ))
        .await
        .unwrap());
    assert_eq!(greeting.version, 1);
    let mut queues = vec![w.support, w.misc];
    queues.sort();
    assert_eq!(greeting.queues, queues);
    // The same name as a signature is another text.
    let signature = rw!(store, |tx| tx
        .insert_standard_text(&text_row(TextKind::Signature, "Greeting", vec![w.support]))
        .await
        .unwrap());
    assert_ne!(signature.id, greeting.id);
    assert_eq!(
        ro!(store, |tx| tx
            .standard_texts(TextKind::Template)
            .await
            .unwrap()),
        vec![greeting.clone()]
    );
    assert_eq!(
        ro!(store, |tx| tx
            .standard_texts(TextKind::Signature)
            .await
            .unwrap()),
        vec![signature.clone()]
    );
    let mut tx = store.begin().await.unwrap();
    let again = tx
        .insert_standard_text(&text_row(TextKind::Template, "Greeting", vec![]))
        .await;
    assert!(
        matches!(
            again,
            Err(StoreError::Duplicate {
                what: "standard text name",
                ..
            })
        ),
        "{again:?}"
    );
    let no_queue = tx
        .insert_standard_text(&text_row(TextKind::Template, "Other", vec![QueueId(999)]))
        .await;
    assert!(
        matches!(no_queue, Err(StoreError::NotFound { what: "queue", .. })),
        "{no_queue:?}"
    );
    // The transaction is still usable after the refusals.
    tx.delete_standard_text(greeting.id).await.unwrap();
    let gone = tx.delete_standard_text(greeting.id).await;
    assert!(matches!(gone, Err(StoreError::NotFound { .. })), "{gone:?}");
    tx.commit().await.unwrap();
    assert!(
        ro!(store, |tx| tx
            .standard_texts(TextKind::Template)
            .await
            .unwrap())
        .is_empty()
    );
}

pub async fn standard_texts_update_in_place_with_versions<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let first = rw!(store, |tx| tx
        .insert_standard_text(&text_row(TextKind::Template, "First", vec![w.support]))
        .await
        .unwrap());
    rw!(store, |tx| tx
        .insert_standard_text(&text_row(TextKind::Template, "Second", vec![]))
        .await
        .unwrap());
    let changed = StandardText {
        name: "Renamed".into(),
        text: "<p>Hi</p>".into(),
        content_type: "text/html".into(),
        validity: otrs_core::model::Validity::Invalid,
        queues: vec![w.misc, w.postmaster, w.misc],
        ..first.clone()
    };
    let updated = rw!(store, |tx| tx.update_standard_text(&changed).await.unwrap());
    assert_eq!(updated.version, first.version + 1);
    let mut queues = vec![w.misc, w.postmaster];
    queues.sort();
    assert_eq!(updated.queues, queues);
    let listed = ro!(store, |tx| tx
        .standard_texts(TextKind::Template)
        .await
        .unwrap());
    assert_eq!(listed.iter().find(|t| t.id == first.id), Some(&updated));
    // A stale version, a taken name and a missing queue are refused and change nothing.
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.update_standard_text(&changed).await,
        Err(StoreError::Conflict { .. })
    ));
    let taken = StandardText {
        name: "Second".into(),
        ..updated.clone()
    };
    assert!(matches!(
        tx.update_standard_text(&taken).await,
        Err(StoreError::Duplicate { .. })
    ));
    let nowhere = StandardText {
        queues: vec![QueueId(9999)],
        ..updated.clone()
    };
    assert!(matches!(
        tx.update_standard_text(&nowhere).await,
        Err(StoreError::NotFound { .. })
    ));
    tx.rollback().await.unwrap();
    let listed = ro!(store, |tx| tx
        .standard_texts(TextKind::Template)
        .await
        .unwrap());
    assert_eq!(listed.iter().find(|t| t.id == first.id), Some(&updated));
}
