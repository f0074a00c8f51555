//! Throughput and latency of the SQL stores, each figure beside a baseline measured in the same
//! run: a bare sqlx loop writing the same rows, or the bare query the store's answer is built on.
//!
//! ```text
//! cargo bench -p otrs-store --bench store                 # everything
//! cargo bench -p otrs-store --bench store -- create       # one section: create, import, list
//! OTRS_BENCH_TICKETS=200000 cargo bench … -- list         # a smaller list table
//! ```
//!
//! PostgreSQL runs when `OTRS_TEST_POSTGRES_URL` is set (in a schema of its own, dropped after).
//! Results go to stdout as Markdown tables, for docs/PERFORMANCE.md.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use otrs_core::clock::ManualClock;
use otrs_core::desk::{ArticleInput, ArticleKind, NewAgent, NewCustomerUser, NewTicket};
use otrs_core::ids::{AgentId, GroupId, QueueId, TicketId};
use otrs_core::model::{
    Channel, HistoryType, LockState, NewArticle, NewHistoryEntry, PermissionSet, Principal,
    Priority, SenderType, StateType, Ticket, TimeUnits, default_states,
};
use otrs_core::store::{
    PageRequest, Store, StoreTx, TicketAccess, TicketFilter, TicketQuery, TicketSort, TicketSortKey,
};
use otrs_core::{Desk, DeskConfig};
use otrs_store::{
    AnyStore, PostgresOptions, PostgresStore, SqliteOptions, SqliteStore, Synchronous,
};
use sqlx::Connection;

const CREATE_TICKETS: usize = 2000;
const IMPORT_TICKETS: usize = 100_000;
const IMPORT_BATCH: usize = 1000;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 25, 9, 0, 0).unwrap()
}

// --- stores ---------------------------------------------------------------------------------

struct Backend {
    name: &'static str,
    store: AnyStore,
    _dir: Option<tempfile::TempDir>,
    schema: Option<(String, String)>,
}

async fn sqlite(synchronous: Synchronous, name: &'static str) -> Backend {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(
        &dir.path().join("bench.db"),
        SqliteOptions {
            synchronous,
            ..SqliteOptions::default()
        },
    )
    .await
    .unwrap();
    Backend {
        name,
        store: store.into(),
        _dir: Some(dir),
        schema: None,
    }
}

async fn postgres() -> Option<Backend> {
    let url = std::env::var("OTRS_TEST_POSTGRES_URL").ok()?;
    let schema = format!("bench_{:08x}", rand::random::<u32>());
    let store = PostgresStore::connect(
        &url,
        PostgresOptions {
            schema: Some(schema.clone()),
            max_connections: 12,
            ..PostgresOptions::default()
        },
    )
    .await
    .unwrap();
    Some(Backend {
        name: "PostgreSQL",
        store: store.into(),
        _dir: None,
        schema: Some((url, schema)),
    })
}

async fn drop_backend(backend: Backend) {
    match &backend.store {
        AnyStore::Sqlite(s) => s.close().await,
        AnyStore::Postgres(s) => s.close().await,
    }
    if let Some((url, schema)) = backend.schema {
        let mut conn = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA \"{schema}\" CASCADE"
        )))
        .execute(&mut conn)
        .await
        .unwrap();
    }
}

async fn backends() -> Vec<Backend> {
    let mut all = vec![
        sqlite(Synchronous::Full, "SQLite FULL").await,
        sqlite(Synchronous::Normal, "SQLite NORMAL").await,
    ];
    match postgres().await {
        Some(pg) => all.push(pg),
        None => eprintln!("OTRS_TEST_POSTGRES_URL is not set: PostgreSQL is not measured"),
    }
    all
}

// --- create: the desk against a bare loop of the same rows ----------------------------------

struct DeskWorld {
    desk: Arc<Desk<AnyStore>>,
    agents: Vec<Principal>,
    customer: otrs_core::ids::CustomerUserId,
    queue: QueueId,
}

async fn desk_world(store: AnyStore) -> DeskWorld {
    let desk = Desk::new(
        store,
        Arc::new(ManualClock::new(start())),
        DeskConfig::default(),
    );
    desk.initialize().await.unwrap();
    let sys = Principal::SYSTEM;
    let mut agents = Vec::new();
    for i in 0..8 {
        let agent = desk
            .create_agent(
                sys,
                NewAgent {
                    login: format!("agent{i}"),
                    first_name: "Bench".into(),
                    last_name: format!("Agent {i}"),
                    email: format!("agent{i}@example.com"),
                    password_hash: None,
                    must_change_password: false,
                    groups: [(GroupId::USERS, PermissionSet::RW)].into_iter().collect(),
                },
            )
            .await
            .unwrap();
        agents.push(Principal::Agent(agent.id));
    }
    desk.create_customer(
        sys,
        otrs_core::desk::NewCustomer {
            customer_id: "SSI".into(),
            name: "Super Support Inc.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let customer = desk
        .create_customer_user(
            sys,
            NewCustomerUser {
                login: "lacey".into(),
                first_name: "Lacey".into(),
                last_name: "Customer".into(),
                email: "lacey@example.org".into(),
                customer_id: "SSI".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id;
    let queue = desk.queue_by_name(sys, "Postmaster").await.unwrap().id;
    DeskWorld {
        desk: Arc::new(desk),
        agents,
        customer,
        queue,
    }
}

/// Creates `CREATE_TICKETS` tickets through the desk with `writers` tasks; tickets per second.
async fn desk_create(world: &DeskWorld, writers: usize) -> f64 {
    let per_writer = CREATE_TICKETS / writers;
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let desk = Arc::clone(&world.desk);
            let agent = world.agents[w];
            let (queue, customer) = (world.queue, world.customer);
            tokio::spawn(async move {
                for i in 0..per_writer {
                    desk.create_ticket(
                        agent,
                        NewTicket {
                            customer_user: Some(customer),
                            ..NewTicket::new(
                                format!("Printer {w}-{i} is offline"),
                                queue,
                                ArticleInput::new(
                                    ArticleKind::EmailOutbound,
                                    "Printer",
                                    "We are looking into it.",
                                ),
                            )
                        },
                    )
                    .await
                    .unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (per_writer * writers) as f64 / started.elapsed().as_secs_f64()
}

/// The daily counter's increment, as the stores do it (SQLite: in the creating transaction;
/// PostgreSQL: in autocommit on a pool of its own with `synchronous_commit` off).
const COUNTER_INCREMENT: &str = "INSERT INTO ticket_counters (day, counter) VALUES ($1, 1) \
     ON CONFLICT (day) DO UPDATE SET counter = ticket_counters.counter + 1 RETURNING counter";

fn counter_day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 25).unwrap()
}

/// The rows one desk command writes for a new e-mail ticket, in one transaction, with bare sqlx,
/// given the day's counter.
macro_rules! raw_create_one {
    ($tx:expr, $time:expr, $n:expr, $counter:expr, $agent:expr, $queue:expr, $customer:expr) => {{
        let tx = $tx;
        let now = $time;
        let counter: i64 = $counter;
        let number = format!("raw{}-{counter}", $n);
        let ticket: i64 = sqlx::query_scalar(
            "INSERT INTO tickets (number, title, queue_id, state_id, priority, lock, owner_id, \
             responsible_id, customer_id, customer_user_id, pending_until, created_at, \
             created_by_kind, created_by_id, changed_at, changed_by_kind, changed_by_id, \
             accounted_time, locked_at, version) VALUES ($1, $2, $3, 4, 3, 'unlock', $4, 1, 'SSI', \
             $5, NULL, $6, 'agent', $4, $6, 'agent', $4, 0, NULL, 1) RETURNING id",
        )
        .bind(number)
        .bind("Printer is offline")
        .bind($queue)
        .bind($agent)
        .bind($customer)
        .bind(now)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let article: i64 = sqlx::query_scalar(
            "INSERT INTO articles (ticket_id, channel, sender_type, visible_for_customer, important, \
             from_address, to_address, cc_address, bcc_address, subject, body, content_type, \
             message_id, in_reply_to, reference_ids, time_units, created_at, created_by_kind, \
             created_by_id, version) VALUES ($1, 'email', 'agent', $2, $3, 'Agent <agent@example.com>', \
             'Lacey <lacey@example.org>', '', '', 'Printer', 'We are looking into it.', 'text/plain', \
             NULL, NULL, NULL, 0, $4, 'agent', $5, 1) RETURNING id",
        )
        .bind(ticket)
        .bind(true)
        .bind(false)
        .bind(now)
        .bind($agent)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO history (ticket_id, article_id, history_type, params, created_at, \
             created_by_kind, created_by_id, queue_id, state_id, priority, owner_id) VALUES \
             ($1, NULL, 1, '[\"n\",\"Postmaster\",\"3 normal\",\"open\",\"1\"]', $3, 'agent', $4, $5, 4, 3, $4), \
             ($1, NULL, 21, '[\"CustomerID=SSI\",\"CustomerUser=lacey\"]', $3, 'agent', $4, $5, 4, 3, $4), \
             ($1, NULL, 23, '[\"agent\",\"2\"]', $3, 'agent', $4, $5, 4, 3, $4), \
             ($1, $2, 11, '[\"Printer\"]', $3, 'agent', $4, $5, 4, 3, $4)",
        )
        .bind(ticket)
        .bind(article)
        .bind(now)
        .bind($agent)
        .bind($queue)
        .execute(&mut *tx)
        .await
        .unwrap();
        sqlx::query("INSERT INTO article_seen (agent_id, article_id, seen_at) VALUES ($1, $2, $3)")
            .bind($agent)
            .bind(article)
            .bind(now)
            .execute(&mut *tx)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO outbox (ticket_id, from_address, to_address, cc_address, bcc_address, \
             subject, body, status, attempts, last_error, created_at) VALUES ($1, 'Agent \
             <agent@example.com>', 'Lacey <lacey@example.org>', '', '', '[Ticket#1] Printer', \
             'We are looking into it.', 'pending', 0, NULL, $2)",
        )
        .bind(ticket)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
        let seq: i64 =
            sqlx::query_scalar("UPDATE feed_counter SET seq = seq + 1 WHERE id = 1 RETURNING seq")
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        sqlx::query(
            "INSERT INTO changes (seq, entity, entity_id, op, at) VALUES ($1, 'ticket', $2, 'created', $3)",
        )
        .bind(seq)
        .bind(ticket)
        .bind(now)
        .execute(&mut *tx)
        .await
        .unwrap();
    }};
}

/// The same rows with bare sqlx, `writers` tasks; tickets per second.
async fn raw_create(world: &DeskWorld, writers: usize) -> f64 {
    let per_writer = CREATE_TICKETS / writers;
    let queue = world.queue.0 as i64;
    let customer = world.customer.0 as i64;
    // SQLite writers take turns on the store's one write connection, as the store's own do.
    let counter_pool = match world.desk.store() {
        AnyStore::Postgres(s) => Some(s.counter_pool().clone()),
        AnyStore::Sqlite(_) => None,
    };
    let started = Instant::now();
    let tasks: Vec<_> = (0..writers)
        .map(|w| {
            let counter_pool = counter_pool.clone();
            let store = world.desk.store().clone();
            let agent = world.agents[w].agent().unwrap().0 as i64;
            tokio::spawn(async move {
                for i in 0..per_writer {
                    let n = w * 1_000_000 + i;
                    match &store {
                        AnyStore::Sqlite(s) => {
                            let mut tx =
                                s.write_pool().begin_with("BEGIN IMMEDIATE").await.unwrap();
                            let counter = sqlx::query_scalar(COUNTER_INCREMENT)
                                .bind(counter_day())
                                .fetch_one(&mut *tx)
                                .await
                                .unwrap();
                            raw_create_one!(
                                &mut *tx,
                                start().timestamp_micros(),
                                n,
                                counter,
                                agent,
                                queue,
                                customer
                            );
                            tx.commit().await.unwrap();
                        }
                        AnyStore::Postgres(s) => {
                            let counter = sqlx::query_scalar(COUNTER_INCREMENT)
                                .bind(counter_day())
                                .fetch_one(counter_pool.as_ref().unwrap())
                                .await
                                .unwrap();
                            let mut tx = s.pool().begin().await.unwrap();
                            raw_create_one!(&mut *tx, start(), n, counter, agent, queue, customer);
                            tx.commit().await.unwrap();
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    (per_writer * writers) as f64 / started.elapsed().as_secs_f64()
}

async fn bench_create() {
    println!("\n### Ticket + article creation ({CREATE_TICKETS} e-mail tickets per figure)\n");
    println!("| store | writers | raw sqlx loop | through the desk | desk / raw |");
    println!("|---|---:|---:|---:|---:|");
    for backend in backends().await {
        let world = desk_world(backend.store.clone()).await;
        for writers in [1, 8] {
            let raw = raw_create(&world, writers).await;
            let desk = desk_create(&world, writers).await;
            println!(
                "| {} | {writers} | {raw:.0}/s | {desk:.0}/s | {:.0}% |",
                backend.name,
                100.0 * desk / raw
            );
        }
        drop_backend(backend).await;
    }
}

// --- import: 100,000 tickets in batched transactions -----------------------------------------

fn import_ticket(i: usize, queue: QueueId) -> Ticket {
    Ticket {
        id: TicketId(0),
        number: format!("imp{i:09}"),
        title: format!("Imported ticket {i}"),
        queue_id: queue,
        state_id: if i.is_multiple_of(4) {
            default_states::OPEN
        } else {
            default_states::CLOSED_SUCCESSFUL
        },
        priority: Priority::NORMAL,
        lock: LockState::Unlocked,
        owner_id: AgentId::SYSTEM,
        responsible_id: AgentId::SYSTEM,
        customer_id: Some("SSI".into()),
        customer_user_id: None,
        pending_until: None,
        created_at: start(),
        created_by: Principal::SYSTEM,
        changed_at: start(),
        changed_by: Principal::SYSTEM,
        accounted_time: TimeUnits::ZERO,
        locked_at: None,
        version: 0,
    }
}

async fn port_import(store: &AnyStore, queue: QueueId) -> f64 {
    let started = Instant::now();
    for batch in 0..IMPORT_TICKETS / IMPORT_BATCH {
        let mut tx = store.begin().await.unwrap();
        for i in batch * IMPORT_BATCH..(batch + 1) * IMPORT_BATCH {
            let ticket = tx.insert_ticket(&import_ticket(i, queue)).await.unwrap();
            let article = tx
                .insert_article(&NewArticle {
                    ticket_id: ticket.id,
                    channel: Channel::Email,
                    sender_type: SenderType::Customer,
                    visible_for_customer: true,
                    important: false,
                    from: "Lacey <lacey@example.org>".into(),
                    to: "support@example.com".into(),
                    cc: String::new(),
                    bcc: String::new(),
                    subject: ticket.title.clone(),
                    body: "Imported body".into(),
                    content_type: "text/plain".into(),
                    message_id: None,
                    in_reply_to: None,
                    references: None,
                    attachments: Vec::new(),
                    time_units: TimeUnits::ZERO,
                    created_at: start(),
                    created_by: Principal::SYSTEM,
                })
                .await
                .unwrap();
            tx.append_history(&[NewHistoryEntry {
                ticket_id: ticket.id,
                article_id: Some(article.id),
                history_type: HistoryType::NewTicket,
                params: vec![ticket.number.clone()],
                created_by: Principal::SYSTEM,
                created_at: start(),
                queue_id: queue,
                state_id: ticket.state_id,
                priority: Priority::NORMAL,
                owner_id: AgentId::SYSTEM,
            }])
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    IMPORT_TICKETS as f64 / started.elapsed().as_secs_f64()
}

macro_rules! raw_import_one {
    ($tx:expr, $time:expr, $i:expr, $queue:expr) => {{
        let tx = $tx;
        let i: usize = $i;
        let ticket: i64 = sqlx::query_scalar(
            "INSERT INTO tickets (number, title, queue_id, state_id, priority, lock, owner_id, \
             responsible_id, customer_id, customer_user_id, pending_until, created_at, \
             created_by_kind, created_by_id, changed_at, changed_by_kind, changed_by_id, \
             accounted_time, locked_at, version) VALUES ($1, $2, $3, $4, 3, 'unlock', 1, 1, 'SSI', \
             NULL, NULL, $5, 'agent', 1, $5, 'agent', 1, 0, NULL, 1) RETURNING id",
        )
        .bind(format!("raw{i:09}"))
        .bind(format!("Imported ticket {i}"))
        .bind($queue)
        .bind(if i.is_multiple_of(4) { 4i64 } else { 2 })
        .bind($time)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        let article: i64 = sqlx::query_scalar(
            "INSERT INTO articles (ticket_id, channel, sender_type, visible_for_customer, important, \
             from_address, to_address, cc_address, bcc_address, subject, body, content_type, \
             message_id, in_reply_to, reference_ids, time_units, created_at, created_by_kind, \
             created_by_id, version) VALUES ($1, 'email', 'customer', $2, $3, 'Lacey <lacey@example.org>', \
             'support@example.com', '', '', $4, 'Imported body', 'text/plain', NULL, NULL, NULL, 0, $5, \
             'agent', 1, 1) RETURNING id",
        )
        .bind(ticket)
        .bind(true)
        .bind(false)
        .bind(format!("Imported ticket {i}"))
        .bind($time)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO history (ticket_id, article_id, history_type, params, created_at, \
             created_by_kind, created_by_id, queue_id, state_id, priority, owner_id) VALUES \
             ($1, $2, 1, $3, $4, 'agent', 1, $5, 4, 3, 1)",
        )
        .bind(ticket)
        .bind(article)
        .bind(format!("[\"raw{i:09}\"]"))
        .bind($time)
        .bind($queue)
        .execute(&mut *tx)
        .await
        .unwrap();
    }};
}

async fn raw_import(store: &AnyStore, queue: QueueId) -> f64 {
    let queue = queue.0 as i64;
    let started = Instant::now();
    for batch in 0..IMPORT_TICKETS / IMPORT_BATCH {
        let range = batch * IMPORT_BATCH..(batch + 1) * IMPORT_BATCH;
        match store {
            AnyStore::Sqlite(s) => {
                let mut tx = s.write_pool().begin_with("BEGIN IMMEDIATE").await.unwrap();
                for i in range {
                    raw_import_one!(&mut *tx, start().timestamp_micros(), i, queue);
                }
                tx.commit().await.unwrap();
            }
            AnyStore::Postgres(s) => {
                let mut tx = s.pool().begin().await.unwrap();
                for i in range {
                    raw_import_one!(&mut *tx, start(), i, queue);
                }
                tx.commit().await.unwrap();
            }
        }
    }
    IMPORT_TICKETS as f64 / started.elapsed().as_secs_f64()
}

async fn bench_import() {
    println!(
        "\n### Bulk import ({IMPORT_TICKETS} tickets, each with an article and a history row, \
         {IMPORT_BATCH} per transaction)\n"
    );
    println!("| store | raw sqlx loop | through the storage port | port / raw |");
    println!("|---|---:|---:|---:|");
    for backend in backends().await {
        let world = desk_world(backend.store.clone()).await;
        let raw = raw_import(&backend.store, world.queue).await;
        let port = port_import(&backend.store, world.queue).await;
        println!(
            "| {} | {raw:.0}/s | {port:.0}/s | {:.0}% |",
            backend.name,
            100.0 * port / raw
        );
        drop_backend(backend).await;
    }
}

// --- list and dashboard at a million tickets -------------------------------------------------

const QUEUES: i64 = 13;

/// Fills `tickets` rows with one statement per 100,000: 13 queues (about 77,000 tickets each),
/// 70% closed, 15% open, 10% new, 5% pending; change times spread over a year; one ticket in 50
/// owned by one of 8 agents, the rest by nobody.
async fn generate(store: &AnyStore, tickets: i64) {
    let mut tx = store.begin().await.unwrap();
    for q in 1..=QUEUES {
        if tx.queue(QueueId(q as u64)).await.unwrap().is_none() {
            tx.insert_queue(&otrs_core::model::Queue {
                id: QueueId(0),
                name: format!("Queue {q}"),
                group_id: GroupId::USERS,
                comment: String::new(),
                validity: otrs_core::model::Validity::Valid,
                unlock_timeout_minutes: 0,
                first_response_minutes: 0,
                update_minutes: 0,
                solution_minutes: 0,
                follow_up_possible: true,
                version: 0,
            })
            .await
            .unwrap();
        }
    }
    tx.commit().await.unwrap();
    let base = start().timestamp_micros();
    // state by i % 20: 0-1 new, 2-4 open, 5 pending reminder, 6-19 closed successful.
    let chunk = 100_000;
    let mut from = 0;
    while from < tickets {
        let to = (from + chunk).min(tickets);
        match store {
            AnyStore::Sqlite(s) => {
                sqlx::query(
                    "WITH RECURSIVE n(i) AS (SELECT $1 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $2) \
                     INSERT INTO tickets (number, title, queue_id, state_id, priority, lock, owner_id, \
                     responsible_id, customer_id, customer_user_id, pending_until, created_at, \
                     created_by_kind, created_by_id, changed_at, changed_by_kind, changed_by_id, \
                     accounted_time, locked_at, version) \
                     SELECT 'gen' || i, 'Generated ticket ' || i, 1 + (i * 7) % 13, \
                     CASE WHEN i % 20 < 2 THEN 1 WHEN i % 20 < 5 THEN 4 WHEN i % 20 = 5 THEN 6 ELSE 2 END, \
                     1 + i % 5, 'unlock', CASE WHEN i % 50 = 0 THEN 2 + (i / 50) % 8 ELSE 1 END, 1, \
                     'C' || (i % 5000), NULL, \
                     CASE WHEN i % 20 = 5 THEN $3 + 86400000000 ELSE NULL END, \
                     $3 - i * 31000000, 'agent', 1, $3 - ((i * 7919) % 31536000) * 1000000, 'agent', 1, 0, NULL, 1 \
                     FROM n",
                )
                .bind(from)
                .bind(to)
                .bind(base)
                .execute(s.write_pool())
                .await
                .unwrap();
            }
            AnyStore::Postgres(s) => {
                sqlx::query(
                    "INSERT INTO tickets (number, title, queue_id, state_id, priority, lock, owner_id, \
                     responsible_id, customer_id, customer_user_id, pending_until, created_at, \
                     created_by_kind, created_by_id, changed_at, changed_by_kind, changed_by_id, \
                     accounted_time, locked_at, version) \
                     SELECT 'gen' || i, 'Generated ticket ' || i, 1 + (i * 7) % 13, \
                     CASE WHEN i % 20 < 2 THEN 1 WHEN i % 20 < 5 THEN 4 WHEN i % 20 = 5 THEN 6 ELSE 2 END, \
                     1 + i % 5, 'unlock', CASE WHEN i % 50 = 0 THEN 2 + (i / 50) % 8 ELSE 1 END, 1, \
                     'C' || (i % 5000), NULL, \
                     CASE WHEN i % 20 = 5 THEN $3 + interval '1 day' ELSE NULL END, \
                     $3 - i * interval '31 seconds', 'agent', 1, \
                     $3 - ((i * 7919) % 31536000) * interval '1 second', 'agent', 1, 0, NULL, 1 \
                     FROM generate_series($1::bigint, $2::bigint - 1) AS i",
                )
                .bind(from)
                .bind(to)
                .bind(start())
                .execute(s.pool())
                .await
                .unwrap();
            }
        }
        from = to;
    }
    match store {
        AnyStore::Sqlite(s) => {
            sqlx::query("ANALYZE")
                .execute(s.write_pool())
                .await
                .unwrap();
        }
        AnyStore::Postgres(s) => {
            sqlx::query("ANALYZE").execute(s.pool()).await.unwrap();
        }
    }
}

fn percentile(samples: &mut [Duration], p: f64) -> f64 {
    samples.sort();
    let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[index].as_secs_f64() * 1000.0
}

async fn time_list(store: &AnyStore, query: &TicketQuery, runs: usize) -> (f64, f64, u64) {
    let mut samples = Vec::with_capacity(runs);
    let mut total = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let mut tx = store.begin_read().await.unwrap();
        let page = tx.list_tickets(query).await.unwrap();
        tx.rollback().await.unwrap();
        samples.push(started.elapsed());
        total = page.total;
        assert!(page.tickets.len() <= 25);
    }
    (
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.9),
        total,
    )
}

/// A bare sqlx query, timed like the store's.
async fn time_raw(store: &AnyStore, sql: &'static str, runs: usize) -> f64 {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        match store {
            AnyStore::Sqlite(s) => {
                let mut tx = s.pool().begin().await.unwrap();
                sqlx::query(sql).fetch_all(&mut *tx).await.unwrap();
                tx.rollback().await.unwrap();
            }
            AnyStore::Postgres(s) => {
                let mut tx = s.pool().begin().await.unwrap();
                sqlx::query(sql).fetch_all(&mut *tx).await.unwrap();
                tx.rollback().await.unwrap();
            }
        }
        samples.push(started.elapsed());
    }
    percentile(&mut samples, 0.5)
}

async fn bench_list() {
    let tickets: i64 = std::env::var("OTRS_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!(
        "\n### Ticket list and dashboard at {tickets} tickets (13 queues, p50 / p90 of 200 runs)\n"
    );
    println!("| store | what | store p50 | store p90 | baseline | baseline p50 |");
    println!("|---|---|---:|---:|---|---:|");
    let mut all = backends().await;
    all.retain(|b| b.name != "SQLite NORMAL");
    for backend in all {
        let world = desk_world(backend.store.clone()).await;
        let started = Instant::now();
        generate(&backend.store, tickets).await;
        eprintln!(
            "{}: {tickets} tickets generated in {:.0} s",
            backend.name,
            started.elapsed().as_secs_f64()
        );
        let queue = QueueId(5);
        let filter = TicketFilter {
            queue_ids: Some(vec![queue]),
            state_types: Some(vec![
                StateType::New,
                StateType::Open,
                StateType::PendingReminder,
            ]),
            ..TicketFilter::default()
        };
        let sort = TicketSort {
            key: TicketSortKey::Changed,
            descending: true,
        };
        let mut query = TicketQuery {
            access: TicketAccess::Unrestricted,
            filter: filter.clone(),
            sort,
            page: PageRequest::first(25),
        };
        let runs = 200;
        let (p50, p90, total) = time_list(&backend.store, &query, runs).await;
        let bare = time_raw(
            &backend.store,
            "SELECT * FROM tickets t WHERE t.queue_id = 5 AND t.state_id IN (1, 4, 6) \
             ORDER BY t.changed_at DESC, t.id DESC LIMIT 26",
            runs,
        )
        .await;
        let count = time_raw(
            &backend.store,
            "SELECT count(*) FROM tickets WHERE queue_id = 5",
            runs,
        )
        .await;
        let name = backend.name;
        println!(
            "| {name} | first page, queue + state types, -changed, total {total} (from counts) | {p50:.2} ms | {p90:.2} ms | bare indexed query | {bare:.2} ms |"
        );
        println!("| {name} | | | | exact COUNT of the queue | {count:.2} ms |");
        // An agent who reads the queue (the access check folds into the queue filter).
        query.access = TicketAccess::Agent {
            agent: world.agents[0].agent().unwrap(),
            readable_queues: (1..=QUEUES as u64).map(QueueId).collect(),
        };
        let (p50, p90, _) = time_list(&backend.store, &query, runs).await;
        println!(
            "| {name} | the same page for an agent who reads every queue | {p50:.2} ms | {p90:.2} ms | | |"
        );
        query.access = TicketAccess::Agent {
            agent: world.agents[0].agent().unwrap(),
            readable_queues: vec![queue],
        };
        query.filter.queue_ids = None;
        let (p50, p90, total) = time_list(&backend.store, &query, runs).await;
        println!(
            "| {name} | all readable tickets of an agent who reads one queue and owns tickets elsewhere (total {total}) | {p50:.2} ms | {p90:.2} ms | | |"
        );
        // Deep keyset pages: walk 200 pages in, then time the following ones.
        query.access = TicketAccess::Unrestricted;
        query.filter = filter.clone();
        let mut cursor = None;
        let mut tx = backend.store.begin_read().await.unwrap();
        for _ in 0..200 {
            query.page = match cursor.take() {
                Some(cursor) => PageRequest::After { cursor, limit: 25 },
                None => PageRequest::first(25),
            };
            cursor = tx.list_tickets(&query).await.unwrap().next_cursor;
        }
        tx.rollback().await.unwrap();
        if let Some(cursor) = cursor {
            query.page = PageRequest::After { cursor, limit: 25 };
            let (p50, p90, _) = time_list(&backend.store, &query, runs).await;
            println!("| {name} | page 201 by keyset cursor | {p50:.2} ms | {p90:.2} ms | | |");
        }
        // Dashboard: queue × state counts.
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            let started = Instant::now();
            let mut tx = backend.store.begin_read().await.unwrap();
            let counts = tx.queue_state_counts().await.unwrap();
            tx.rollback().await.unwrap();
            samples.push(started.elapsed());
            assert!(counts.iter().map(|c| c.count).sum::<u64>() >= tickets as u64);
        }
        let p50 = percentile(&mut samples, 0.5);
        let p90 = percentile(&mut samples, 0.9);
        let scan = time_raw(
            &backend.store,
            "SELECT queue_id, state_id, count(*) FROM tickets GROUP BY queue_id, state_id",
            5,
        )
        .await;
        println!(
            "| {name} | dashboard queue × state counts (maintained) | {p50:.2} ms | {p90:.2} ms | GROUP BY over all tickets | {scan:.0} ms |"
        );
        drop_backend(backend).await;
    }
}

// --- statistics at a million tickets ---------------------------------------------------------

/// Times `Desk::run_stat` (engine, catalogue reads, the aggregating SQL) for matrix statistics
/// over the generated tickets, beside a bare `GROUP BY` count in the same run.
async fn bench_stats() {
    use otrs_core::stats::{
        Element, ElementValue, Period, RunOptions, Scale, StatFormat, StatKind, StatSettings,
        TimeSelection,
    };
    let tickets: i64 = std::env::var("OTRS_BENCH_TICKETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    println!("\n### Matrix statistics at {tickets} tickets (13 queues; p50 / max of 5 runs)\n");
    println!("| store | statistic | p50 | max | baseline | baseline p50 |");
    println!("|---|---|---:|---:|---|---:|");
    let mut all = backends().await;
    all.retain(|b| b.name != "SQLite NORMAL");
    for backend in all {
        let world = desk_world(backend.store.clone()).await;
        let started = Instant::now();
        generate(&backend.store, tickets).await;
        eprintln!(
            "{}: {tickets} tickets generated in {:.0} s",
            backend.name,
            started.elapsed().as_secs_f64()
        );
        let last_year = TimeSelection {
            period: Period::Relative {
                past: 12,
                upcoming: 0,
                unit: Scale::Month,
            },
            scale: Scale::Month,
        };
        let matrix = |x: ElementValue, y: ElementValue, filters: Vec<Element>| StatSettings {
            title: "Bench".into(),
            description: "Bench.".into(),
            kind: StatKind::Matrix {
                x: Element::fixed(x),
                y: vec![Element::fixed(y)],
                filters,
            },
            permission_groups: vec![GroupId::STATS],
            formats: vec![StatFormat::Csv],
            time_zone: chrono_tz::Europe::Berlin,
            sum_row: true,
            sum_column: true,
            valid: true,
        };
        let cases = [
            (
                "queue × state, created in the last 12 months",
                matrix(
                    ElementValue::State(Vec::new()),
                    ElementValue::Queue(Vec::new()),
                    vec![Element::fixed(ElementValue::CreateTime(last_year))],
                ),
            ),
            (
                "queue × creation month (last 12 months, Europe/Berlin)",
                matrix(
                    ElementValue::CreateTime(last_year),
                    ElementValue::Queue(Vec::new()),
                    Vec::new(),
                ),
            ),
        ];
        let name = backend.name;
        let bare = time_raw(
            &backend.store,
            "SELECT queue_id, state_id, count(*) FROM tickets GROUP BY queue_id, state_id",
            5,
        )
        .await;
        for (what, settings) in cases {
            let stat = world
                .desk
                .create_stat(Principal::SYSTEM, settings)
                .await
                .unwrap();
            let mut samples = Vec::new();
            let mut total = 0;
            for _ in 0..5 {
                let started = Instant::now();
                let table = world
                    .desk
                    .run_stat(
                        Principal::SYSTEM,
                        stat.number,
                        StatFormat::Csv,
                        RunOptions::default(),
                    )
                    .await
                    .unwrap();
                samples.push(started.elapsed());
                total = match table.rows.last().and_then(|r| r.last()) {
                    Some(otrs_core::stats::StatCell::Count(n)) => *n,
                    _ => 0,
                };
            }
            let p50 = percentile(&mut samples, 0.5);
            let max = percentile(&mut samples, 1.0);
            println!(
                "| {name} | {what} ({total} tickets counted) | {p50:.0} ms | {max:.0} ms | bare `SELECT queue_id, state_id, count(*) … GROUP BY` over all tickets | {bare:.0} ms |"
            );
        }
        drop_backend(backend).await;
    }
}

fn main() {
    let sections: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| sections.is_empty() || sections.iter().any(|s| s == name);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        if wanted("create") {
            bench_create().await;
        }
        if wanted("import") {
            bench_import().await;
        }
        if wanted("list") {
            bench_list().await;
        }
        if wanted("stats") {
            bench_stats().await;
        }
    });
}
