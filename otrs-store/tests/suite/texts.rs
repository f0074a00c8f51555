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
