//! The worker's heartbeat: a job that runs longer than its lease keeps renewing it, so that no
//! other worker claims it while it still runs; a worker that dies stops renewing, and its lease
//! runs out as before.

use chrono::Duration;

use crate::desk::{Desk, write_tx};
use crate::error::DeskError;
use crate::model::Job;
use crate::store::{Store, StoreTx};

impl<S: Store> Desk<S> {
    /// Extends the lease of a job `worker` is running to `lease` from now. False when the
    /// worker no longer holds the job (cancelled, or its lease ran out and another worker
    /// claimed it): the worker should then expect its outcome to be ignored.
    pub async fn renew_job_lease(
        &self,
        worker: &str,
        job: &Job,
        lease: Duration,
    ) -> Result<bool, DeskError> {
        write_tx!(self, |tx| async {
            let until = self.now() + lease;
            Ok::<_, DeskError>(tx.renew_job_lease(job.id, worker, until).await?.is_some())
        })
    }
}
