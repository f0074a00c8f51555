//! Two real `otrs serve` processes on one PostgreSQL database (a schema of this test's own,
//! named through the URL's `search_path`), with many due appointment reminders. Every job is
//! slowed down by the test-only `jobs.test_job_delay_ms` (honoured only with
//! `jobs.test_kinds = true`), so the test can SIGKILL server A while it holds a reminder whose
//! notification it has already written but whose completion it has not recorded — the hardest
//! moment for "exactly once". After A's lease has run out, server B finishes that job: every
//! reminder is done, and every appointment's creator has exactly one notification per
//! reminder (counted by their stable dedup keys), none lost and none twice.
//!
//! Without `OTRS_TEST_POSTGRES_URL` the test prints a loud skip line (and fails under
//! `OTRS_TEST_REQUIRE_ALL=1`).

use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Child, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use otrs_core::clock::SystemClock;
use otrs_core::desk::{AppointmentInput, NewAgent, NewCalendar, REMINDER_JOB_KIND, reminder_key};
use otrs_core::ids::GroupId;
use otrs_core::model::{JobFilter, JobState, PermissionSet};
use otrs_core::store::PageRequest;
use otrs_core::{Desk, DeskConfig, Principal};
use otrs_store::{PostgresOptions, PostgresStore};

/// Kills the server (SIGKILL) when the test ends, however it ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Drops the test's schema when the test ends.
struct Schema {
    url: String,
    name: String,
}

impl Drop for Schema {
    fn drop(&mut self) {
        let (url, name) = (self.url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                use sqlx::Connection;
                if let Ok(mut conn) = sqlx::PgConnection::connect(&url).await {
                    let drop = format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(drop))
                        .execute(&mut conn)
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

async fn open(schema: &Schema) -> Desk<PostgresStore> {
    let store = PostgresStore::connect(
        &schema.url,
        PostgresOptions {
            schema: Some(schema.name.clone()),
            max_connections: 2,
            notify_channel: format!("otrs_changes_{}", schema.name),
            ..PostgresOptions::default()
        },
    )
    .await
    .unwrap();
    let desk = Desk::new(store, Arc::new(SystemClock), DeskConfig::default());
    desk.initialize().await.unwrap();
    desk
}

fn start_server(dir: &std::path::Path, name: &str, url: &str) -> Server {
    let data = dir.join(name);
    std::fs::create_dir_all(&data).unwrap();
    let config = data.join("otrs.toml");
    let mut file = std::fs::File::create(&config).unwrap();
    write!(
        file,
        "database_url = \"{url}\"\n\n[jobs]\nworker_id = \"{name}\"\npoll_interval_ms = 50\nlease_seconds = 2\ntest_kinds = true\ntest_job_delay_ms = 1200\n"
    )
    .unwrap();
    let log = std::fs::File::create(data.join("server.log")).unwrap();
    let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("otrs"));
    for (key, _) in std::env::vars() {
        if key.starts_with("OTRS_") {
            command.env_remove(key);
        }
    }
    let child = command
        .arg("--data-dir")
        .arg(&data)
        .arg("--config")
        .arg(&config)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("OTRS_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    Server(child)
}

async fn reminder_jobs(desk: &Desk<PostgresStore>, state: JobState) -> Vec<otrs_core::model::Job> {
    desk.jobs(
        Principal::SYSTEM,
        JobFilter {
            states: Some(vec![state]),
            kind: Some(REMINDER_JOB_KIND.into()),
            ..JobFilter::default()
        },
        PageRequest::first(500),
    )
    .await
    .unwrap()
    .items
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_postgres_remind_exactly_once_when_one_is_killed_mid_job() {
    let url = match std::env::var("OTRS_TEST_POSTGRES_URL") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => {
            crate::support::skip(
                "otrs serve SIGKILL test on PostgreSQL (set OTRS_TEST_POSTGRES_URL)",
            );
            return;
        }
    };
    // A random name (the hasher's keys are random per process and instance).
    let random = {
        use std::hash::{BuildHasher, Hasher};
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    let schema = Schema {
        url: url.clone(),
        name: format!("t_kill_{random:016x}"),
    };
    let desk = open(&schema).await;
    let planner = desk
        .create_agent(
            Principal::SYSTEM,
            NewAgent {
                login: "planner".into(),
                first_name: "Pat".into(),
                last_name: "Planner".into(),
                email: "planner@example.com".into(),
                password_hash: None,
                must_change_password: false,
                groups: [(GroupId::USERS, PermissionSet::RW)].into(),
            },
        )
        .await
        .unwrap()
        .id;
    let calendar = desk
        .create_calendar(
            Principal::SYSTEM,
            NewCalendar {
                name: "Rota".into(),
                color: "#3A87AD".into(),
                group_id: GroupId::USERS,
                feed_token: "feed_token_of_the_kill_test_rota_0123456789".into(),
            },
        )
        .await
        .unwrap()
        .id;
    // Reminders one minute before start, due a few seconds from now (the servers start first).
    let count = 24;
    let first_due = desk.now() + chrono::Duration::seconds(4);
    let mut appointments = Vec::new();
    for i in 0..count {
        let start =
            (first_due + chrono::Duration::minutes(1) + chrono::Duration::milliseconds(100 * i))
                .naive_utc();
        let start = start
            - chrono::Duration::nanoseconds(i64::from(start.and_utc().timestamp_subsec_nanos()));
        let a = desk
            .create_appointment(
                Principal::Agent(planner),
                AppointmentInput {
                    calendar_id: calendar,
                    title: format!("Visit {i}"),
                    description: String::new(),
                    location: String::new(),
                    all_day: false,
                    start,
                    end: start + chrono::Duration::minutes(30),
                    time_zone: "UTC".into(),
                    rrule: None,
                    notify_minutes_before: Some(1),
                },
            )
            .await
            .unwrap();
        appointments.push(a.id);
    }
    assert_eq!(
        reminder_jobs(&desk, JobState::Pending).await.len(),
        usize::try_from(count).unwrap()
    );

    let dir = tempfile::tempdir().unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let server_url = format!("{url}{separator}options=-c%20search_path%3D{}", schema.name);
    let mut a = start_server(dir.path(), "A", &server_url);
    let b = start_server(dir.path(), "B", &server_url);

    // Wait for A to hold a reminder whose notification is already written (it is in the
    // second half of the job's delay, before recording the job done): kill it there. Should
    // that moment not come, any reminder A holds will do (the kill is still mid-job).
    let started = Instant::now();
    let (killed, after_effect) = loop {
        let running = reminder_jobs(&desk, JobState::Running).await;
        let held: Vec<_> = running
            .iter()
            .filter(|j| j.lease_owner.as_deref() == Some("A"))
            .collect();
        let notified = desk
            .agent_notifications(Principal::Agent(planner), 200)
            .await
            .unwrap()
            .items;
        let done_effect = held.iter().find(|j| {
            notified.iter().any(|n| {
                n.dedup_key.as_deref().is_some_and(|k| {
                    j.unique_key.as_deref()
                        == Some(
                            reminder_key(otrs_core::ids::AppointmentId(
                                k.split(':').nth(1).unwrap().parse().unwrap(),
                            ))
                            .as_str(),
                        )
                })
            })
        });
        if let Some(job) = done_effect {
            break ((*job).clone(), true);
        }
        if started.elapsed() > Duration::from_secs(40)
            && let Some(job) = held.first()
        {
            break ((*job).clone(), false);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "server A never ran a reminder: {}",
            std::fs::read_to_string(dir.path().join("A/server.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(15)).await;
    };
    a.0.kill().unwrap(); // SIGKILL: no shutdown, no release, no heartbeat any more
    a.0.wait().unwrap();
    let killed_at = Instant::now();
    eprintln!(
        "killed server A holding job {} ({}, its notification {})",
        killed.id,
        killed.unique_key.as_deref().unwrap_or(""),
        if after_effect {
            "already written"
        } else {
            "not yet written"
        }
    );

    // B finishes everything, the killed job once A's lease (2 s, no longer renewed) ran out.
    loop {
        let done = reminder_jobs(&desk, JobState::Done).await;
        if done.len() == appointments.len() {
            break;
        }
        assert!(
            killed_at.elapsed() < Duration::from_secs(60),
            "only {} of {} reminders done; B's log:\n{}",
            done.len(),
            appointments.len(),
            std::fs::read_to_string(dir.path().join("B/server.log")).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(b);
    let taken_over = desk.job(Principal::SYSTEM, killed.id).await.unwrap();
    assert_eq!(taken_over.state, JobState::Done);
    assert_eq!(
        taken_over.attempts, 2,
        "A's attempt, then B's: {taken_over:?}"
    );
    assert!(
        taken_over.finished_at.unwrap() >= killed.lease_until.unwrap(),
        "B took it over only after A's lease ran out"
    );
    // Exactly one notification per reminder, by stable dedup key.
    let notifications = desk
        .agent_notifications(Principal::Agent(planner), 200)
        .await
        .unwrap()
        .items;
    let mut per_appointment: BTreeMap<u64, usize> = BTreeMap::new();
    for n in &notifications {
        let key = n.dedup_key.as_deref().unwrap();
        let id: u64 = key.split(':').nth(1).unwrap().parse().unwrap();
        *per_appointment.entry(id).or_default() += 1;
    }
    let expected: BTreeMap<u64, usize> = appointments.iter().map(|id| (id.0, 1)).collect();
    assert_eq!(per_appointment, expected, "one notification per reminder");
    assert!(reminder_jobs(&desk, JobState::Pending).await.is_empty());
    assert!(reminder_jobs(&desk, JobState::Running).await.is_empty());
    assert!(reminder_jobs(&desk, JobState::Failed).await.is_empty());
}
