//! Durability: a child process writes tickets with articles and attachments through the desk and
//! prints a line for every acknowledged (committed) one; it is killed with SIGKILL at a random
//! moment, 50 times per backend. After every kill the store opens cleanly and every acknowledged
//! ticket and article is there, with byte-identical attachments.
//!
//! The child also keeps a search index in step with the change feed, as `otrs serve` does, so
//! kills land between commits and indexing too; after every restart the index catches up and then
//! holds exactly one document per ticket in the database.
//!
//! The child is this test binary again, running only [`child_process`] with the store named in
//! its environment; in a normal test run that test does nothing.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use otrs_core::clock::SystemClock;
use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket};
use otrs_core::ids::{ArticleId, TicketId};
use otrs_core::model::NewAttachment;
use otrs_core::store::{PageRequest, Store, StoreTx, TicketQuery};
use otrs_core::{Desk, DeskConfig, Principal};
use otrs_store::{
    AnyStore, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Synchronous, TicketIndex,
};
use rand::Rng;

use crate::support;

const TARGET: &str = "OTRS_STORE_DURABILITY_TARGET";
const SEED_BASE: &str = "OTRS_STORE_DURABILITY_SEED";
const INDEX_DIR: &str = "OTRS_STORE_DURABILITY_INDEX";
const ROUNDS: usize = 50;

/// The attachments of the ticket written with `seed`: a small and a larger file whose bytes
/// follow from the seed.
fn attachments(seed: u64) -> Vec<NewAttachment> {
    let make = |len: usize, salt: u64| -> Arc<[u8]> {
        let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ salt;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect::<Vec<u8>>()
            .into()
    };
    vec![
        NewAttachment {
            filename: format!("note-{seed}.txt"),
            content_type: "text/plain".into(),
            content: make(1 + (seed % 3000) as usize, 1),
            content_id: None,
            inline: false,
        },
        NewAttachment {
            filename: format!("scan-{seed}.bin"),
            content_type: "application/octet-stream".into(),
            content: make(40_000 + (seed % 9000) as usize, 2),
            content_id: None,
            inline: false,
        },
    ]
}

async fn open(target: &str, url: Option<&str>) -> AnyStore {
    if let Some(path) = target.strip_prefix("sqlite:") {
        let options = SqliteOptions {
            synchronous: Synchronous::Full,
            ..SqliteOptions::default()
        };
        AnyStore::from(SqliteStore::open(path.as_ref(), options).await.unwrap())
    } else if let Some(schema) = target.strip_prefix("postgres:") {
        let options = PostgresOptions {
            schema: Some(schema.to_owned()),
            max_connections: 2,
            ..PostgresOptions::default()
        };
        AnyStore::from(
            PostgresStore::connect(url.expect("OTRS_TEST_POSTGRES_URL"), options)
                .await
                .unwrap(),
        )
    } else {
        panic!("unknown target {target}")
    }
}

/// The child: writes tickets until it is killed, printing `ACK ticket number article seed` for
/// each committed one.
#[test]
fn child_process() {
    let Ok(target) = std::env::var(TARGET) else {
        return;
    };
    let seed_base: u64 = std::env::var(SEED_BASE).unwrap().parse().unwrap();
    let index_dir = std::env::var(INDEX_DIR).unwrap();
    let url = std::env::var("OTRS_TEST_POSTGRES_URL").ok();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async move {
        let store = open(&target, url.as_deref()).await;
        let index = TicketIndex::open(index_dir.as_ref()).unwrap();
        let follower = store.clone();
        tokio::spawn(async move {
            index
                .follow(follower, Duration::from_millis(20), std::future::pending())
                .await;
        });
        let desk = Desk::new(store, Arc::new(SystemClock), DeskConfig::default());
        let queue = desk
            .queue_by_name(Principal::SYSTEM, "Postmaster")
            .await
            .unwrap()
            .id;
        for seed in seed_base.. {
            let ticket = desk
                .create_ticket(
                    Principal::SYSTEM,
                    NewTicket::new(
                        format!("durable {seed}"),
                        queue,
                        ArticleInput {
                            attachments: attachments(seed),
                            ..ArticleInput::new(
                                ArticleKind::PhoneInbound,
                                format!("call {seed}"),
                                "Please keep this.",
                            )
                        },
                    ),
                )
                .await
                .unwrap();
            let article = desk.articles(Principal::SYSTEM, ticket.id).await.unwrap()[0].id;
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            writeln!(
                out,
                "ACK {} {} {} {seed}",
                ticket.id, ticket.number, article.0
            )
            .unwrap();
            out.flush().unwrap();
        }
    });
}

#[derive(Debug, Clone)]
struct Ack {
    ticket: TicketId,
    number: String,
    article: ArticleId,
    seed: u64,
}

fn parse(line: &str) -> Option<Ack> {
    let mut parts = line.strip_prefix("ACK ")?.split(' ');
    let ack = Ack {
        ticket: TicketId(parts.next()?.parse().ok()?),
        number: parts.next()?.to_owned(),
        article: ArticleId(parts.next()?.parse().ok()?),
        seed: parts.next()?.parse().ok()?,
    };
    parts.next().is_none().then_some(ack)
}

/// Starts a child, lets it write for a random while, kills it with SIGKILL, and returns what it
/// acknowledged.
fn run_child(target: &str, index_dir: &std::path::Path, seed_base: u64) -> Vec<Ack> {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "durability::child_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(TARGET, target)
        .env(SEED_BASE, seed_base.to_string())
        .env(INDEX_DIR, index_dir)
        .env_remove("RUST_BACKTRACE")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the child");
    let stdout = child.stdout.take().unwrap();
    let acks = Arc::new(Mutex::new(Vec::new()));
    let (first_tx, first_rx) = mpsc::channel::<()>();
    let reader = {
        let acks = Arc::clone(&acks);
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(ack) = parse(&line) {
                    let mut acks = acks.lock().unwrap();
                    acks.push(ack);
                    if acks.len() == 1 {
                        let _ = first_tx.send(());
                    }
                }
            }
        })
    };
    let mut rng = rand::rng();
    // Mostly kill while the child is writing; now and then at any moment (even during start-up).
    if rng.random_bool(0.85) {
        let _ = first_rx.recv_timeout(Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(rng.random_range(0..=150)));
    } else {
        std::thread::sleep(Duration::from_millis(rng.random_range(0..=250)));
    }
    child.kill().expect("SIGKILL the child");
    child.wait().unwrap();
    reader.join().unwrap();
    Arc::try_unwrap(acks).unwrap().into_inner().unwrap()
}

/// Checks that every acknowledged ticket is there; the full contents for `deep`.
async fn verify(store: &AnyStore, all: &[Ack], deep: &[Ack]) {
    let mut tx = store.begin_read().await.unwrap();
    for ack in all {
        let ticket = tx
            .ticket(ack.ticket)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("acknowledged ticket {ack:?} is missing"));
        assert_eq!(ticket.number, ack.number);
    }
    for ack in deep {
        let articles = tx.articles(ack.ticket).await.unwrap();
        let article = articles
            .iter()
            .find(|a| a.id == ack.article)
            .unwrap_or_else(|| panic!("acknowledged article {ack:?} is missing"));
        assert_eq!(article.subject, format!("call {}", ack.seed));
        let expected = attachments(ack.seed);
        assert_eq!(article.attachments.len(), expected.len());
        for (meta, new) in article.attachments.iter().zip(&expected) {
            let content = tx.attachment(meta.id).await.unwrap().unwrap();
            assert_eq!(meta.filename, new.filename);
            assert!(
                content.content == new.content,
                "attachment {} differs",
                meta.filename
            );
        }
        let history = tx.history(ack.ticket).await.unwrap();
        assert!(!history.is_empty());
    }
    tx.rollback().await.unwrap();
}

/// After a restart the index catches up with the database and holds one document per ticket.
async fn verify_index(store: &AnyStore, index_dir: &std::path::Path) {
    let index = TicketIndex::open(index_dir).unwrap();
    index.catch_up(store).await.unwrap();
    let mut tx = store.begin_read().await.unwrap();
    let query = TicketQuery {
        access: Default::default(),
        filter: Default::default(),
        sort: Default::default(),
        page: PageRequest::first(1),
    };
    let tickets = tx.list_tickets(&query).await.unwrap().total;
    tx.rollback().await.unwrap();
    assert_eq!(
        index.len(),
        tickets,
        "the index holds one document per ticket once caught up"
    );
}

async fn kill_and_restart(target: String, url: Option<String>) {
    let index_dir = tempfile::tempdir().unwrap();
    // Initial data, written once.
    let store = open(&target, url.as_deref()).await;
    Desk::new(store.clone(), Arc::new(SystemClock), DeskConfig::default())
        .initialize()
        .await
        .unwrap();
    close(store).await;

    let started = Instant::now();
    let mut acked: Vec<Ack> = Vec::new();
    for round in 0..ROUNDS {
        let acks = run_child(&target, index_dir.path(), (round as u64 + 1) * 1_000_000);
        // Restart: the store opens (migrations run again) and is consistent.
        let store = open(&target, url.as_deref()).await;
        if let AnyStore::Sqlite(sqlite) = &store {
            sqlite.check_integrity().await.unwrap();
        }
        acked.extend(acks.iter().cloned());
        verify(&store, &acked, &acks).await;
        verify_index(&store, index_dir.path()).await;
        close(store).await;
    }
    let store = open(&target, url.as_deref()).await;
    verify(&store, &acked, &acked).await;
    close(store).await;
    assert!(
        acked.len() >= ROUNDS,
        "the children acknowledged only {} tickets in {ROUNDS} rounds",
        acked.len()
    );
    eprintln!(
        "durability {}: {ROUNDS} kills, {} acknowledged tickets verified, {:.1} s",
        target.split(':').next().unwrap_or_default(),
        acked.len(),
        started.elapsed().as_secs_f64()
    );
}

async fn close(store: AnyStore) {
    match store {
        AnyStore::Sqlite(s) => s.close().await,
        AnyStore::Postgres(s) => s.close().await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_survives_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("durable.db");
    kill_and_restart(format!("sqlite:{}", path.display()), None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_survives_sigkill() {
    let Some(url) = support::postgres_url() else {
        return;
    };
    let db = support::postgres().await.unwrap();
    let schema = db.schema.clone();
    kill_and_restart(format!("postgres:{schema}"), Some(url)).await;
    drop(db);
}
