//! The worker's heartbeat in the port: a running job's lease is renewed only by its holder.

use chrono::Duration;
use otrs_core::ids::JobId;
use otrs_core::model::{Job, JobState};
use otrs_core::store::{Store, StoreTx};

use crate::support::seed;
use crate::{ro, rw};

pub async fn leases_are_renewed_only_by_their_holder<S: Store>(store: S) {
    seed::world(&store).await;
    let pending = Job {
        id: JobId(0),
        kind: "test.effect".into(),
        payload: "{}".into(),
        unique_key: None,
        state: JobState::Pending,
        run_at: seed::at(10),
        attempts: 0,
        max_attempts: 3,
        last_error: None,
        lease_owner: None,
        lease_until: None,
        created_at: seed::at(0),
        finished_at: None,
    };
    let job = rw!(store, |tx| tx.upsert_job(&pending).await.unwrap());
    // A pending job has no lease to renew.
    let none = rw!(store, |tx| tx
        .renew_job_lease(job.id, "w1", seed::at(100))
        .await
        .unwrap());
    assert_eq!(none, None);
    let now = seed::at(20);
    rw!(store, |tx| tx
        .claim_jobs("w1", now, now + Duration::seconds(5), 1)
        .await
        .unwrap());
    let renewed = rw!(store, |tx| tx
        .renew_job_lease(job.id, "w1", now + Duration::seconds(60))
        .await
        .unwrap())
    .expect("the holder renews");
    assert_eq!(renewed.lease_until, Some(now + Duration::seconds(60)));
    assert_eq!(renewed.attempts, 1, "renewing is not another attempt");
    assert_eq!(renewed.state, JobState::Running);
    let stranger = rw!(store, |tx| tx
        .renew_job_lease(job.id, "w2", now + Duration::seconds(600))
        .await
        .unwrap());
    assert_eq!(stranger, None);
    // A renewed lease keeps other claimers away past the old end.
    let later = now + Duration::seconds(30);
    let taken = rw!(store, |tx| tx
        .claim_jobs("w2", later, later + Duration::seconds(5), 1)
        .await
        .unwrap());
    assert!(taken.is_empty(), "{taken:?}");
    let stored = ro!(store, |tx| tx.job(job.id).await.unwrap().unwrap());
    assert_eq!(stored.lease_owner.as_deref(), Some("w1"));
    assert_eq!(stored.lease_until, Some(now + Duration::seconds(60)));
}
