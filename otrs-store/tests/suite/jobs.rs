//! The scheduler's part of the port: jobs with leases, agent notifications, and the outbox's
//! Message-IDs and attachments.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use otrs_core::ids::{AgentId, JobId, NotificationId};
use otrs_core::model::{
    AgentNotification, Job, JobFilter, JobState, OutgoingAttachment, OutgoingMessage,
};
use otrs_core::store::{PageRequest, Store, StoreError, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

fn job(kind: &str, run_at: DateTime<Utc>, key: Option<&str>) -> Job {
    Job {
        id: JobId(0),
        kind: kind.into(),
        payload: r#"{"to":"lacey@example.org"}"#.into(),
        unique_key: key.map(str::to_owned),
        state: JobState::Pending,
        run_at,
        attempts: 0,
        max_attempts: 3,
        last_error: None,
        lease_owner: None,
        lease_until: None,
        created_at: seed::at(0),
        finished_at: None,
    }
}

pub async fn jobs_are_claimed_with_leases_and_finished_once<S: Store>(store: S) {
    seed::world(&store).await;
    let (early, late, future) = rw!(store, |tx| (
        tx.upsert_job(&job("a", seed::at(10), None)).await.unwrap(),
        tx.upsert_job(&job("b", seed::at(20), None)).await.unwrap(),
        tx.upsert_job(&job("c", seed::at(1000), None))
            .await
            .unwrap(),
    ));
    assert_eq!(early.state, JobState::Pending);
    assert_eq!(early.payload, r#"{"to":"lacey@example.org"}"#);
    let now = seed::at(30);
    let lease = now + Duration::seconds(60);
    let claimed = rw!(store, |tx| tx
        .claim_jobs("w1", now, lease, 10)
        .await
        .unwrap());
    assert_eq!(
        claimed.iter().map(|j| j.id).collect::<Vec<_>>(),
        [early.id, late.id],
        "due jobs, earliest first; the future one waits"
    );
    assert!(claimed.iter().all(|j| j.state == JobState::Running
        && j.attempts == 1
        && j.lease_owner.as_deref() == Some("w1")
        && j.lease_until == Some(lease)));
    // While the lease holds, nobody else gets them.
    let none = rw!(store, |tx| tx
        .claim_jobs("w2", lease, lease + Duration::seconds(60), 10)
        .await
        .unwrap());
    assert!(none.is_empty(), "claimed while the lease held: {none:?}");
    // w1 finishes the first; a stranger cannot finish or fail the second.
    let done = rw!(store, |tx| tx
        .finish_job(early.id, "w1", seed::at(40))
        .await
        .unwrap());
    let done = done.expect("w1 holds it");
    assert_eq!(
        (done.state, done.finished_at),
        (JobState::Done, Some(seed::at(40)))
    );
    assert_eq!(done.lease_owner, None);
    assert_eq!(
        rw!(store, |tx| tx
            .finish_job(early.id, "w1", seed::at(41))
            .await
            .unwrap()),
        None
    );
    assert_eq!(
        rw!(store, |tx| tx
            .finish_job(late.id, "w2", seed::at(41))
            .await
            .unwrap()),
        None
    );
    assert_eq!(
        rw!(store, |tx| tx
            .fail_job(late.id, "w2", "x", None, seed::at(41))
            .await
            .unwrap()),
        None
    );
    // w1 dies; after its lease, w2 takes the job over with a second attempt.
    let after = lease + Duration::microseconds(1);
    let taken = rw!(store, |tx| tx
        .claim_jobs("w2", after, after + Duration::seconds(60), 10)
        .await
        .unwrap());
    assert_eq!(
        taken.iter().map(|j| (j.id, j.attempts)).collect::<Vec<_>>(),
        [(late.id, 2)]
    );
    assert_eq!(
        rw!(store, |tx| tx
            .finish_job(late.id, "w1", after)
            .await
            .unwrap()),
        None
    );
    // A failure with a retry makes it pending again, due then.
    let retry_at = after + Duration::seconds(30);
    let retried = rw!(store, |tx| tx
        .fail_job(late.id, "w2", "relay busy", Some(retry_at), after)
        .await
        .unwrap()
        .unwrap());
    assert_eq!(
        (retried.state, retried.run_at, retried.last_error.as_deref()),
        (JobState::Pending, retry_at, Some("relay busy"))
    );
    assert_eq!(retried.lease_owner, None);
    let again = rw!(store, |tx| tx
        .claim_jobs("w3", retry_at, retry_at + Duration::seconds(60), 10)
        .await
        .unwrap());
    assert_eq!(again.len(), 1);
    let failed = rw!(store, |tx| tx
        .fail_job(late.id, "w3", "550 no such user", None, retry_at)
        .await
        .unwrap()
        .unwrap());
    assert_eq!((failed.state, failed.attempts), (JobState::Failed, 3));
    assert_eq!(failed.finished_at, Some(retry_at));
    // Lists: by state, by kind; the future job is still pending.
    let pending = ro!(store, |tx| tx
        .list_jobs(
            &JobFilter {
                states: Some(vec![JobState::Pending]),
                ..JobFilter::default()
            },
            PageRequest::first(10)
        )
        .await
        .unwrap());
    assert_eq!(pending.total, 1);
    assert_eq!(pending.items[0].id, future.id);
    let all = ro!(store, |tx| tx
        .list_jobs(&JobFilter::default(), PageRequest::first(2))
        .await
        .unwrap());
    assert_eq!((all.total, all.items.len()), (3, 2));
    let by_kind = ro!(store, |tx| tx
        .list_jobs(
            &JobFilter {
                kind: Some("b".into()),
                ..JobFilter::default()
            },
            PageRequest::first(10)
        )
        .await
        .unwrap());
    assert_eq!(by_kind.items.len(), 1);
    assert_eq!(by_kind.items[0], failed);
    assert_eq!(
        ro!(store, |tx| tx.job(failed.id).await.unwrap()),
        Some(failed)
    );
    assert_eq!(ro!(store, |tx| tx.job(JobId(999)).await.unwrap()), None);
    // Purging removes finished jobs older than the cut only.
    let purged = rw!(store, |tx| tx.purge_jobs(seed::at(41)).await.unwrap());
    assert_eq!(purged, 1);
    assert!(ro!(store, |tx| tx.job(early.id).await.unwrap()).is_none());
    assert!(ro!(store, |tx| tx.job(late.id).await.unwrap()).is_some());
}

pub async fn keyed_jobs_replace_the_pending_one_and_cancel_by_key<S: Store>(store: S) {
    seed::world(&store).await;
    let first = rw!(store, |tx| tx
        .upsert_job(&job("remind", seed::at(100), Some("appt:1")))
        .await
        .unwrap());
    let replaced = rw!(store, |tx| tx
        .upsert_job(&Job {
            payload: "{}".into(),
            max_attempts: 7,
            ..job("remind", seed::at(50), Some("appt:1"))
        })
        .await
        .unwrap());
    assert_eq!(replaced.id, first.id);
    assert_eq!(
        (
            replaced.payload.as_str(),
            replaced.run_at,
            replaced.max_attempts
        ),
        ("{}", seed::at(50), 7)
    );
    // Running, the key may be scheduled again as a new pending job.
    let claimed = rw!(store, |tx| tx
        .claim_jobs("w1", seed::at(60), seed::at(120), 10)
        .await
        .unwrap());
    assert_eq!(claimed.len(), 1);
    let newer = rw!(store, |tx| tx
        .upsert_job(&job("remind", seed::at(200), Some("appt:1")))
        .await
        .unwrap());
    assert_ne!(newer.id, first.id);
    // The running one's retry is superseded by the newer pending job.
    let superseded = rw!(store, |tx| tx
        .fail_job(first.id, "w1", "busy", Some(seed::at(70)), seed::at(61))
        .await
        .unwrap()
        .unwrap());
    assert_eq!(superseded.state, JobState::Cancelled);
    let other = rw!(store, |tx| tx
        .upsert_job(&job("remind", seed::at(200), Some("appt:2")))
        .await
        .unwrap());
    let cancelled = rw!(store, |tx| tx
        .cancel_jobs_by_key("appt:1", seed::at(62))
        .await
        .unwrap());
    assert_eq!(cancelled, 1);
    let newer = ro!(store, |tx| tx.job(newer.id).await.unwrap().unwrap());
    assert_eq!(
        (newer.state, newer.finished_at),
        (JobState::Cancelled, Some(seed::at(62)))
    );
    assert_eq!(
        ro!(store, |tx| tx.job(other.id).await.unwrap().unwrap()).state,
        JobState::Pending
    );
    // Cancelling one job: pending → cancelled; final → None; missing → NotFound.
    let one = rw!(store, |tx| tx
        .cancel_job(other.id, seed::at(63))
        .await
        .unwrap());
    assert_eq!(one.map(|j| j.state), Some(JobState::Cancelled));
    assert_eq!(
        rw!(store, |tx| tx
            .cancel_job(other.id, seed::at(64))
            .await
            .unwrap()),
        None
    );
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.cancel_job(JobId(999), seed::at(64)).await,
        Err(StoreError::NotFound { what: "job", .. })
    ));
    // The refused write left the transaction usable.
    tx.upsert_job(&job("x", seed::at(1), None)).await.unwrap();
    tx.rollback().await.unwrap();
    // A dropped transaction leaves no job.
    let total = ro!(store, |tx| tx
        .list_jobs(&JobFilter::default(), PageRequest::first(10))
        .await
        .unwrap()
        .total);
    assert_eq!(total, 3);
}

fn notification(agent: AgentId, title: &str, at: i64, key: Option<&str>) -> AgentNotification {
    AgentNotification {
        id: NotificationId(0),
        agent_id: agent,
        title: title.into(),
        body: "Starts at 10:00 (Europe/Berlin).".into(),
        link: Some("/agent/calendar".into()),
        dedup_key: key.map(str::to_owned),
        created_at: seed::at(at),
        seen_at: None,
    }
}

pub async fn notifications_are_per_agent_deduplicated_and_marked_seen<S: Store>(store: S) {
    let w = seed::world(&store).await;
    let (one, two, three, bobs) = rw!(store, |tx| (
        tx.insert_agent_notification(&notification(w.alice, "one", 1, None))
            .await
            .unwrap(),
        tx.insert_agent_notification(&notification(w.alice, "two", 2, Some("k")))
            .await
            .unwrap(),
        tx.insert_agent_notification(&notification(w.alice, "three", 3, None))
            .await
            .unwrap(),
        tx.insert_agent_notification(&notification(w.bob, "bob", 4, Some("k")))
            .await
            .unwrap(),
    ));
    assert_eq!(one.title, "one");
    let again = rw!(store, |tx| tx
        .insert_agent_notification(&notification(w.alice, "two again", 5, Some("k")))
        .await
        .unwrap());
    assert_eq!(again, two, "the same key is stored once per agent");
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.insert_agent_notification(&notification(AgentId(999), "x", 1, None))
            .await,
        Err(StoreError::NotFound { what: "agent", .. })
    ));
    tx.rollback().await.unwrap();
    let latest = ro!(store, |tx| tx
        .agent_notifications(w.alice, 2)
        .await
        .unwrap());
    assert_eq!(latest, [three.clone(), two.clone()]);
    assert_eq!(
        ro!(store, |tx| tx
            .unseen_notification_count(w.alice)
            .await
            .unwrap()),
        3
    );
    let marked = rw!(store, |tx| tx
        .mark_notifications_seen(
            w.alice,
            Some(&[one.id, bobs.id, NotificationId(999)]),
            seed::at(9)
        )
        .await
        .unwrap());
    assert_eq!(marked, 1, "only alice's own");
    assert_eq!(
        ro!(store, |tx| tx
            .unseen_notification_count(w.bob)
            .await
            .unwrap()),
        1
    );
    assert_eq!(
        rw!(store, |tx| tx
            .mark_notifications_seen(w.alice, Some(&[]), seed::at(9))
            .await
            .unwrap()),
        0
    );
    assert_eq!(
        rw!(store, |tx| tx
            .mark_notifications_seen(w.alice, None, seed::at(10))
            .await
            .unwrap()),
        2
    );
    let all = ro!(store, |tx| tx
        .agent_notifications(w.alice, 10)
        .await
        .unwrap());
    assert_eq!(
        all.iter().map(|n| n.seen_at).collect::<Vec<_>>(),
        [Some(seed::at(10)), Some(seed::at(10)), Some(seed::at(9))]
    );
    assert_eq!(
        ro!(store, |tx| tx
            .unseen_notification_count(w.alice)
            .await
            .unwrap()),
        0
    );
}

fn mail(message_id: Option<&str>, files: &[(&str, &[u8])]) -> OutgoingMessage {
    let mut m = OutgoingMessage::pending(
        "OTRS <otrs@example.com>",
        "boss@example.org",
        "Monthly report",
        "Attached.",
        seed::at(1),
    );
    m.message_id = message_id.map(str::to_owned);
    m.attachments = files
        .iter()
        .map(|(name, bytes)| OutgoingAttachment {
            filename: (*name).into(),
            content_type: "application/pdf".into(),
            content: Arc::from(*bytes),
        })
        .collect();
    m
}

pub async fn outbox_keeps_message_ids_unique_and_attachments_byte_for_byte<S: Store>(store: S) {
    seed::world(&store).await;
    let binary: Vec<u8> = (0..=255u8).chain([0, 0, 255]).collect();
    let report = rw!(store, |tx| tx
        .enqueue_message(&mail(
            Some("<report.1@example.com>"),
            &[("a.pdf", b"%PDF-1.7"), ("b.bin", &binary)]
        ))
        .await
        .unwrap());
    let plain = rw!(store, |tx| tx
        .enqueue_message(&mail(None, &[]))
        .await
        .unwrap());
    let plain2 = rw!(store, |tx| tx
        .enqueue_message(&mail(None, &[]))
        .await
        .unwrap());
    assert_ne!(
        plain.id, plain2.id,
        "messages without a Message-ID are not deduplicated"
    );
    let mut tx = store.begin().await.unwrap();
    assert!(matches!(
        tx.enqueue_message(&mail(Some("<report.1@example.com>"), &[]))
            .await,
        Err(StoreError::Duplicate {
            what: "message id",
            ..
        })
    ));
    // Still usable after the refused insert.
    tx.enqueue_message(&mail(Some("<report.2@example.com>"), &[]))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    let found = ro!(store, |tx| tx
        .message_by_message_id("<report.1@example.com>")
        .await
        .unwrap());
    assert_eq!(found.as_ref(), Some(&report));
    let found = found.unwrap();
    assert_eq!(found.attachments.len(), 2);
    assert_eq!(&*found.attachments[1].content, binary.as_slice());
    assert_eq!(
        ro!(store, |tx| tx
            .message_by_message_id("<report.2@example.com>")
            .await
            .unwrap()),
        None
    );
    let pending = ro!(store, |tx| tx.pending_messages(10).await.unwrap());
    assert_eq!(pending, [report.clone(), plain, plain2]);
    assert_eq!(
        ro!(store, |tx| tx.message(report.id).await.unwrap()),
        Some(report)
    );
}

/// Several workers claim from one store at once: every job is handed out exactly once while
/// the leases hold.
pub async fn concurrent_claimers_never_share_a_job<S: Store + Clone>(store: S) {
    seed::world(&store).await;
    let jobs = 40;
    rw!(store, |tx| {
        for i in 0..jobs {
            tx.upsert_job(&job("n", seed::at(i), None)).await.unwrap();
        }
    });
    let now = seed::at(1000);
    let mut workers = Vec::new();
    for w in 0..4 {
        let store = store.clone();
        workers.push(tokio::spawn(async move {
            let owner = format!("w{w}");
            let mut mine = Vec::new();
            loop {
                let mut tx = store.begin().await.unwrap();
                let claimed = match tx
                    .claim_jobs(&owner, now, now + Duration::minutes(5), 3)
                    .await
                {
                    Ok(claimed) => claimed,
                    Err(StoreError::Conflict { .. }) => {
                        tx.rollback().await.unwrap();
                        continue;
                    }
                    Err(other) => panic!("{other:?}"),
                };
                match tx.commit().await {
                    Ok(()) => {}
                    Err(StoreError::Conflict { .. }) => continue,
                    Err(other) => panic!("{other:?}"),
                }
                if claimed.is_empty() {
                    break;
                }
                mine.extend(claimed.into_iter().map(|j| j.id));
                tokio::task::yield_now().await;
            }
            mine
        }));
    }
    let mut seen = BTreeSet::new();
    let mut total = 0;
    for worker in workers {
        for id in worker.await.unwrap() {
            total += 1;
            assert!(seen.insert(id), "job {id} was claimed twice");
        }
    }
    assert_eq!(total, jobs);
    let running = ro!(store, |tx| tx
        .list_jobs(
            &JobFilter {
                states: Some(vec![JobState::Running]),
                ..JobFilter::default()
            },
            PageRequest::first(100)
        )
        .await
        .unwrap());
    assert_eq!(running.total, jobs as u64);
}
