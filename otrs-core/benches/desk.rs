//! The in-memory desk over 100,000 tickets: create, lock, merge and a bulk property change on
//! 1,000 tickets, beside raw inserts into the same persistent map the memory store uses.
//!
//! Run with `cargo bench -p otrs-core --bench desk`.

#![allow(clippy::unwrap_used)]

// The allocator is the embedding program's choice; glibc's spends a third of a create in
// consolidating free lists, so the figures in docs/PERFORMANCE.md name the allocator (remove
// these two lines to measure glibc's).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use otrs_core::clock::ManualClock;
use otrs_core::desk::{ArticleInput, BulkAction, NewAgent, NewTicket, TicketUpdate};
use otrs_core::ids::{GroupId, QueueId, TicketId};
use otrs_core::model::{PermissionSet, Priority, Ticket};
use otrs_core::store::MemoryStore;
use otrs_core::{Desk, DeskConfig, Principal, block_on};

const TICKETS: usize = 100_000;
const BULK: usize = 1_000;

struct Bench {
    desk: Desk<MemoryStore>,
    agent: Principal,
    queue: QueueId,
    tickets: Vec<TicketId>,
}

fn setup() -> Bench {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2024, 5, 1, 8, 0, 0).unwrap(),
    ));
    let desk = Desk::new(MemoryStore::new(), clock, DeskConfig::default());
    block_on(desk.initialize()).unwrap();
    let agent = block_on(desk.create_agent(
        Principal::SYSTEM,
        NewAgent {
            login: "bench".into(),
            first_name: "Bench".into(),
            last_name: "Agent".into(),
            email: "bench@example.com".into(),
            password_hash: None,
            must_change_password: false,
            groups: BTreeMap::from([(GroupId::USERS, PermissionSet::RW)]),
        },
    ))
    .unwrap();
    let agent = Principal::Agent(agent.id);
    let queue = block_on(desk.queue_by_name(agent, "Postmaster"))
        .unwrap()
        .id;
    let tickets = (0..TICKETS)
        .map(|i| {
            block_on(desk.create_ticket(agent, new_ticket(queue, i)))
                .unwrap()
                .id
        })
        .collect();
    Bench {
        desk,
        agent,
        queue,
        tickets,
    }
}

fn new_ticket(queue: QueueId, i: usize) -> NewTicket {
    NewTicket::new(
        format!("Printer {i} is offline"),
        queue,
        ArticleInput::note("The printer on floor 2 does not answer."),
    )
}

fn benches(c: &mut Criterion) {
    let bench = setup();
    let desk = &bench.desk;
    let mut group = c.benchmark_group("desk_100k");
    group
        .sample_size(20)
        .measurement_time(std::time::Duration::from_secs(4));

    // Baseline: inserting one ticket row into the same kind of map the memory store keeps.
    let sample: Ticket = block_on(desk.ticket(bench.agent, bench.tickets[0])).unwrap();
    let mut map: BTreeMap<TicketId, Ticket> = (0..TICKETS as u64)
        .map(|i| {
            (
                TicketId(i),
                Ticket {
                    id: TicketId(i),
                    ..sample.clone()
                },
            )
        })
        .collect();
    let mut next = TICKETS as u64;
    group.bench_function("baseline_btreemap_insert_ticket_row", |b| {
        b.iter(|| {
            next += 1;
            map.insert(
                TicketId(next),
                Ticket {
                    id: TicketId(next),
                    ..sample.clone()
                },
            );
        })
    });

    let mut i = TICKETS;
    group.bench_function("create_ticket_with_note", |b| {
        b.iter(|| {
            i += 1;
            black_box(
                block_on(desk.create_ticket(bench.agent, new_ticket(bench.queue, i))).unwrap(),
            );
        })
    });

    let target = bench.tickets[1];
    let mut locked = false;
    group.bench_function("lock_or_unlock_alternating", |b| {
        b.iter(|| {
            if locked {
                block_on(desk.unlock_ticket(bench.agent, target)).unwrap();
            } else {
                block_on(desk.lock_ticket(bench.agent, target)).unwrap();
            }
            locked = !locked;
        })
    });

    group.bench_function("merge_two_fresh_tickets", |b| {
        b.iter_batched(
            || {
                i += 2;
                let a = block_on(desk.create_ticket(bench.agent, new_ticket(bench.queue, i)))
                    .unwrap()
                    .id;
                let t = block_on(desk.create_ticket(bench.agent, new_ticket(bench.queue, i + 1)))
                    .unwrap()
                    .id;
                (a, t)
            },
            |(a, t)| black_box(block_on(desk.merge_tickets(bench.agent, a, t)).unwrap()),
            BatchSize::SmallInput,
        )
    });

    let selection: Vec<TicketId> = bench.tickets[1000..1000 + BULK].to_vec();
    let mut high = false;
    group.sample_size(10);
    group.bench_function("bulk_priority_change_1000_tickets", |b| {
        b.iter(|| {
            high = !high;
            let priority = if high { Priority::HIGH } else { Priority::LOW };
            let action = BulkAction {
                tickets: selection.clone(),
                update: TicketUpdate {
                    priority: Some(priority),
                    ..Default::default()
                },
                ..Default::default()
            };
            let report = block_on(desk.bulk(bench.agent, action)).unwrap();
            assert_eq!(report.done().count(), BULK);
        })
    });
    group.finish();
}

criterion_group!(desk_benches, benches);
criterion_main!(desk_benches);
