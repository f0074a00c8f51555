//! Files kept for forms being filled in.

use std::sync::Arc;

use otrs_core::ids::{AgentId, FormUploadId};
use otrs_core::model::FormUpload;
use otrs_core::store::{Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

fn upload(key: &str, agent: AgentId, name: &str, bytes: &[u8], minute: i64) -> FormUpload {
    FormUpload {
        id: FormUploadId(0),
        form_key: key.into(),
        agent_id: agent,
        filename: name.into(),
        content_type: "application/octet-stream".into(),
        content: Arc::from(bytes),
        created_at: seed::at(minute),
    }
}

pub async fn form_uploads_are_kept_per_agent_and_form_byte_for_byte<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let bytes: Vec<u8> = (0..=255u8).chain([0, 0xff, b'\n']).collect();
    let first = rw!(store, |tx| tx
        .insert_form_upload(&upload("form-a", w.alice, "Łódź.bin", &bytes, 1))
        .await
        .unwrap());
    let second = rw!(store, |tx| tx
        .insert_form_upload(&upload("form-a", w.alice, "b.txt", b"b", 2))
        .await
        .unwrap());
    rw!(store, |tx| tx
        .insert_form_upload(&upload("form-a", w.bob, "bob.txt", b"x", 2))
        .await
        .unwrap());
    rw!(store, |tx| tx
        .insert_form_upload(&upload("form-b", w.alice, "other.txt", b"y", 3))
        .await
        .unwrap());
    let kept = ro!(store, |tx| tx
        .form_uploads("form-a", w.alice)
        .await
        .unwrap());
    assert_eq!(kept, vec![first.clone(), second.clone()]);
    assert_eq!(&kept[0].content[..], &bytes[..]);
    // An unknown agent is refused.
    let mut tx = store.begin().await.unwrap();
    let refused = tx
        .insert_form_upload(&upload("form-a", AgentId(9999), "x", b"x", 1))
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound { .. })),
        "{refused:?}"
    );
    tx.rollback().await.unwrap();
    // Deleting one, then everything older than minute 3.
    rw!(store, |tx| tx.delete_form_upload(first.id).await.unwrap());
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.delete_form_upload(first.id).await,
        Err(StoreError::NotFound { .. })
    ));
    tx.rollback().await.unwrap();
    let removed = rw!(store, |tx| tx
        .delete_form_uploads_before(seed::at(3))
        .await
        .unwrap());
    assert_eq!(removed, 2);
    assert!(
        ro!(store, |tx| tx
            .form_uploads("form-a", w.alice)
            .await
            .unwrap())
        .is_empty()
    );
    assert_eq!(
        ro!(store, |tx| tx
            .form_uploads("form-b", w.alice)
            .await
            .unwrap())
        .len(),
        1
    );
}
