//! Load benchmark: ticket create and ticket get through the HTTP server over SQLite, with a
//! real load generator (wrk) on 127.0.0.1, and two baselines measured in the same run: a bare
//! axum hello-world and the raw create loop of the desk over the same store (no HTTP).
//!
//! Run with `otrs-http/benches/load.sh` (release build, wrk from Debian). Prints a Markdown table
//! of the median of `OTRS_BENCH_RUNS` runs (default 3) of `OTRS_BENCH_SECONDS` seconds each
//! (default 10).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use otrs_core::clock::SystemClock;
use otrs_core::desk::{ArticleInput, NewAgent, NewGroup, NewQueue, NewTicket};
use otrs_core::ids::GroupId;
use otrs_core::model::PermissionSet;
use otrs_core::{Desk, DeskConfig, Principal};
use otrs_http::crypto::digest;
use otrs_http::search::NoSearchIndex;
use otrs_http::{AppState, HttpConfig};
use otrs_store::{SqliteOptions, SqliteStore, Synchronous};

struct Wrk {
    requests_per_second: f64,
    median_latency: String,
    non_2xx: u64,
}

fn wrk(args: &[&str]) -> Wrk {
    let output = Command::new("wrk")
        .args(args)
        .output()
        .expect("wrk is installed (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let rps = text
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("no Requests/sec in wrk output:\n{text}"));
    let median = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("50%"))
        .map(|v| v.trim().to_owned())
        .unwrap_or_default();
    let non_2xx = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("Non-2xx or 3xx responses:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    Wrk {
        requests_per_second: rps,
        median_latency: median,
        non_2xx,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn open_desk(path: &Path) -> Arc<Desk<SqliteStore>> {
    let mut options = SqliteOptions {
        synchronous: Synchronous::Full,
        ..SqliteOptions::default()
    };
    if let Some(n) = std::env::var("OTRS_BENCH_SQLITE_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.max_connections = n;
    }
    let store = SqliteStore::open(path, options).await.unwrap();
    let desk = Arc::new(Desk::new(
        store,
        Arc::new(SystemClock),
        DeskConfig::default(),
    ));
    desk.initialize().await.unwrap();
    desk
}

async fn spawn_hello() -> std::net::SocketAddr {
    let hello = Router::new().route("/", get(|| async { "Hello, world!" }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, hello).await });
    addr
}

fn main() {
    let seconds: u64 = std::env::var("OTRS_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let runs: usize = std::env::var("OTRS_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let connections = std::env::var("OTRS_BENCH_CONNECTIONS").unwrap_or_else(|_| "32".into());
    let duration = format!("{seconds}s");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = std::env::temp_dir().join(format!("otrs-http-load-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("desk.db");
    let desk = runtime.block_on(open_desk(&db));

    // Fixtures: a group, a queue, an agent with a token, one ticket to read.
    let (queue, token, ticket) = runtime.block_on(async {
        let sys = Principal::SYSTEM;
        let group = desk
            .create_group(
                sys,
                NewGroup {
                    name: "bench".into(),
                    comment: String::new(),
                },
            )
            .await
            .unwrap();
        let queue = desk
            .create_queue(sys, NewQueue::new("Bench", group.id))
            .await
            .unwrap();
        let agent = desk
            .create_agent(
                sys,
                NewAgent {
                    login: "loader".into(),
                    first_name: "Load".into(),
                    last_name: "Test".into(),
                    email: "loader@example.com".into(),
                    password_hash: None,
                    must_change_password: false,
                    groups: [
                        (GroupId::USERS, PermissionSet::RW),
                        (group.id, PermissionSet::RW),
                    ]
                    .into_iter()
                    .collect(),
                },
            )
            .await
            .unwrap();
        let token = "otrs_load_test_token".to_owned();
        desk.create_api_token(sys, agent.id, "load", &digest(&token), None)
            .await
            .unwrap();
        let ticket = desk
            .create_ticket(
                Principal::Agent(agent.id),
                NewTicket::new(
                    "Read me",
                    queue.id,
                    ArticleInput::note("Body of the ticket."),
                ),
            )
            .await
            .unwrap();
        (queue, token, ticket)
    });

    // Baseline 1: the raw create loop over the same store (one writer, as SQLite serialises them).
    let raw = {
        let mut rates = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            let mut n = 0u64;
            runtime.block_on(async {
                while started.elapsed() < Duration::from_secs(seconds) {
                    desk.create_ticket(
                        Principal::SYSTEM,
                        NewTicket::new(
                            "Raw",
                            queue.id,
                            ArticleInput::note("Created by the raw loop."),
                        ),
                    )
                    .await
                    .unwrap();
                    n += 1;
                }
            });
            rates.push(n as f64 / started.elapsed().as_secs_f64());
        }
        median(rates)
    };

    // Baseline 2: the raw read path of a GET over the same store (token check, then the ticket),
    // on as many concurrent tasks as wrk has connections.
    let tasks_n: usize = connections.parse().unwrap_or(32);
    let raw_get = {
        let mut rates = Vec::new();
        for _ in 0..runs {
            let started = Instant::now();
            let count = runtime.block_on(async {
                let mut tasks = Vec::new();
                for _ in 0..tasks_n {
                    let desk = desk.clone();
                    let token = digest(&token);
                    tasks.push(tokio::spawn(async move {
                        let mut n = 0u64;
                        while started.elapsed() < Duration::from_secs(seconds) {
                            let t = desk
                                .authenticate_api_token(&token, chrono::Duration::seconds(60))
                                .await
                                .unwrap();
                            desk.ticket(Principal::Agent(t.agent_id), ticket.id)
                                .await
                                .unwrap();
                            n += 1;
                        }
                        n
                    }));
                }
                let mut total = 0;
                for t in tasks {
                    total += t.await.unwrap();
                }
                total
            });
            rates.push(count as f64 / started.elapsed().as_secs_f64());
        }
        median(rates)
    };

    // The servers: otrs-http over the store, and a bare axum hello-world.
    let otrs_addr = runtime.block_on(async {
        let state = AppState::new(desk.clone(), HttpConfig::default(), Arc::new(NoSearchIndex));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let otrs_addr = listener.local_addr().unwrap();
        tokio::spawn(otrs_http::serve(listener, state, std::future::pending()));
        (otrs_addr, spawn_hello().await)
    });
    // The same server over the in-memory store, to show the HTTP layer's own cost.
    let (memory_addr, memory_ticket) = runtime.block_on(async {
        let desk = Arc::new(Desk::new(
            otrs_core::store::MemoryStore::new(),
            Arc::new(SystemClock),
            DeskConfig::default(),
        ));
        desk.initialize().await.unwrap();
        let sys = Principal::SYSTEM;
        let agent = desk
            .create_agent(
                sys,
                NewAgent {
                    login: "loader".into(),
                    first_name: "Load".into(),
                    last_name: "Test".into(),
                    email: "loader@example.com".into(),
                    password_hash: None,
                    must_change_password: false,
                    groups: [(GroupId::USERS, PermissionSet::RW)].into_iter().collect(),
                },
            )
            .await
            .unwrap();
        desk.create_api_token(sys, agent.id, "load", &digest(&token), None)
            .await
            .unwrap();
        let postmaster = desk.queue_by_name(sys, "Postmaster").await.unwrap();
        let ticket = desk
            .create_ticket(
                Principal::Agent(agent.id),
                NewTicket::new("Read me", postmaster.id, ArticleInput::note("Body.")),
            )
            .await
            .unwrap();
        let state = AppState::new(desk, HttpConfig::default(), Arc::new(NoSearchIndex));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(otrs_http::serve(listener, state, std::future::pending()));
        (addr, ticket.id)
    });
    let (otrs_addr, hello_addr) = (otrs_addr.0, otrs_addr.1);
    let script = dir.join("create.lua");
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"POST\"\nwrk.body = '{{\"title\":\"Load test\",\"queue\":\"Bench\",\"article\":{{\"body\":\"Created by wrk.\"}}}}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"
        ),
    )
    .unwrap();
    let auth = format!("Authorization: Bearer {token}");
    let hello_url = format!("http://{hello_addr}/");
    let get_url = format!("http://{otrs_addr}/api/v1/tickets/{}", ticket.id.0);
    let create_url = format!("http://{otrs_addr}/api/v1/tickets");
    let memory_url = format!("http://{memory_addr}/api/v1/tickets/{}", memory_ticket.0);
    let script = script.to_string_lossy().into_owned();

    let scenario = |args: Vec<&str>| {
        let mut rates = Vec::new();
        let mut latencies = Vec::new();
        let mut errors = 0;
        for _ in 0..runs {
            let result = wrk(&args);
            rates.push(result.requests_per_second);
            latencies.push(result.median_latency);
            errors += result.non_2xx;
        }
        let rate = median(rates.clone());
        let index = rates.iter().position(|r| *r == rate).unwrap_or(0);
        (rate, latencies[index].clone(), errors)
    };
    let common = [
        "-t2",
        "-c",
        connections.as_str(),
        "-d",
        duration.as_str(),
        "--latency",
    ];
    let hello = scenario([&common[..], &[hello_url.as_str()]].concat());
    let gets = scenario([&common[..], &["-H", auth.as_str(), get_url.as_str()]].concat());
    let memory_gets = scenario([&common[..], &["-H", auth.as_str(), memory_url.as_str()]].concat());
    let creates = scenario([&common[..], &["-s", script.as_str(), create_url.as_str()]].concat());

    println!("| scenario | requests/s (median of {runs}) | median latency | non-2xx |");
    println!("|---|---:|---:|---:|");
    println!(
        "| bare axum hello-world (baseline) | {:.0} | {} | {} |",
        hello.0, hello.1, hello.2
    );
    println!("| raw desk create loop over SQLite, no HTTP (baseline) | {raw:.0} | – | – |");
    println!(
        "| raw desk read path of a GET (token check + ticket), no HTTP, one task per connection (baseline) | {raw_get:.0} | – | – |"
    );
    println!(
        "| GET /api/v1/tickets/{{id}} (Bearer token) | {:.0} | {} | {} |",
        gets.0, gets.1, gets.2
    );
    println!(
        "| GET /api/v1/tickets/{{id}} over the in-memory store (HTTP layer's own cost) | {:.0} | {} | {} |",
        memory_gets.0, memory_gets.1, memory_gets.2
    );
    println!(
        "| POST /api/v1/tickets (Bearer token) | {:.0} | {} | {} |",
        creates.0, creates.1, creates.2
    );
    println!();
    println!(
        "gets / hello-world = {:.0}%; creates / raw loop = {:.0}%",
        100.0 * gets.0 / hello.0,
        100.0 * creates.0 / raw
    );
    let _ = std::fs::remove_dir_all(&dir);
}
