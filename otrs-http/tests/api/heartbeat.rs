//! The worker's heartbeat: a job that runs four times longer than its lease is not claimed by
//! a second worker meanwhile (its worker keeps renewing the lease), and only the holder of a
//! lease can renew it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use otrs_core::clock::SystemClock;
use otrs_core::model::{JobState, NewJob};
use otrs_core::store::MemoryStore;
use otrs_core::{Desk, DeskConfig, Principal};
use otrs_http::search::NoSearchIndex;
use otrs_http::{AppState, HttpConfig};

fn server(desk: &Arc<Desk<MemoryStore>>, worker: &str) -> AppState<MemoryStore> {
    let mut config = HttpConfig::default();
    config.jobs.test_kinds = true;
    config.jobs.worker_id = worker.into();
    config.jobs.poll_interval = Duration::from_millis(20);
    config.jobs.lease = chrono::Duration::milliseconds(400);
    AppState::new(Arc::clone(desk), config, Arc::new(NoSearchIndex))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_job_keeps_its_lease_while_it_runs() {
    let desk = Arc::new(Desk::new(
        MemoryStore::new(),
        Arc::new(SystemClock),
        DeskConfig::default(),
    ));
    desk.initialize().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("effects");
    let payload = serde_json::json!({"path": path.to_str().unwrap(), "sleep_ms": 1600});
    let job = desk
        .schedule_job(
            Principal::SYSTEM,
            NewJob::new("test.effect", payload.to_string(), desk.now()),
        )
        .await
        .unwrap();
    let (a, b) = (server(&desk, "A"), server(&desk, "B"));
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let worker_a = tokio::spawn(otrs_http::jobs::run_worker(a, stop.clone()));
    let started = Instant::now();
    while !std::fs::read_to_string(&path).is_ok_and(|t| t.starts_with("start")) {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "A never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // B polls all through A's run, which lasts four leases.
    let worker_b = tokio::spawn(otrs_http::jobs::run_worker(b, stop));
    loop {
        let now = desk.job(Principal::SYSTEM, job.id).await.unwrap();
        if now.state == JobState::Done {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "not done: {now:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop_tx.send(true).unwrap();
    worker_a.await.unwrap();
    worker_b.await.unwrap();
    let effects = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = effects.lines().collect();
    assert_eq!(
        lines,
        [
            format!("start {} A 1", job.id),
            format!("end {} A 1", job.id)
        ],
        "B never claimed the job while A ran it"
    );
    let done = desk.job(Principal::SYSTEM, job.id).await.unwrap();
    assert_eq!(done.attempts, 1);
    assert_eq!(
        otrs_http::jobs::heartbeat_interval(chrono::Duration::seconds(300)),
        Duration::from_secs(100)
    );
}

#[tokio::test]
async fn only_the_holder_renews_a_lease() {
    let desk = Desk::new(
        MemoryStore::new(),
        Arc::new(SystemClock),
        DeskConfig::default(),
    );
    desk.initialize().await.unwrap();
    desk.schedule_job(
        Principal::SYSTEM,
        NewJob::new("test.effect", "{}", desk.now()),
    )
    .await
    .unwrap();
    let job = desk
        .claim_job("A", chrono::Duration::seconds(1))
        .await
        .unwrap()
        .unwrap();
    let lease = chrono::Duration::seconds(60);
    assert!(desk.renew_job_lease("A", &job, lease).await.unwrap());
    assert!(!desk.renew_job_lease("B", &job, lease).await.unwrap());
    let renewed = desk.job(Principal::SYSTEM, job.id).await.unwrap();
    assert!(renewed.lease_until.unwrap() > desk.now() + chrono::Duration::seconds(30));
    desk.complete_job("A", &job).await.unwrap();
    assert!(
        !desk.renew_job_lease("A", &job, lease).await.unwrap(),
        "a finished job has no lease"
    );
}
