//! Statistics on every store: the pre-installed statistics against hand-computed answers on a
//! fixed data set whose tickets change state across several months, and every pair of axes
//! against a brute-force count over the same tickets (so memory = SQLite = PostgreSQL).

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use otrs_core::clock::ManualClock;
use otrs_core::desk::{
    ArticleInput, ArticleKind, NewAgent, NewCustomer, NewCustomerUser, NewTicket, TicketUpdate,
};
use otrs_core::ids::{GroupId, QueueId, StateId, TicketId};
use otrs_core::model::{
    HistoryType, LockState, PermissionSet, Priority, StateType, Ticket, TimeUnits, default_states,
};
use otrs_core::stats::query::{StatFilter, StatGroup, StatKey, TimeRange};
use otrs_core::stats::{
    Element, ElementKind, ElementTarget, ElementValue, Period, RunOptions, Scale, StatCell,
    StatFormat, StatKind, StatSettings, StatTable, TimeSelection,
};
use otrs_core::store::{Store, StoreTx};
use otrs_core::{Desk, DeskConfig, DeskError, Principal};
use rand::{Rng, SeedableRng};

use crate::support::for_each_store;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

struct World<S: Store> {
    desk: Desk<S>,
    clock: Arc<ManualClock>,
    /// rw on stats: a stats admin.
    boss: Principal,
    /// ro on stats and users.
    viewer: Principal,
    /// users only.
    plain: Principal,
    postmaster: QueueId,
    misc: QueueId,
}

async fn world<S: Store>(store: S) -> World<S> {
    let clock = Arc::new(ManualClock::new(utc(2026, 1, 1, 8, 0)));
    let desk = Desk::new(store, clock.clone(), DeskConfig::default());
    desk.initialize().await.unwrap();
    let sys = Principal::SYSTEM;
    let mk = |login: &str, groups: Vec<(GroupId, PermissionSet)>| NewAgent {
        login: login.into(),
        first_name: login.into(),
        last_name: "Agent".into(),
        email: format!("{login}@example.com"),
        password_hash: None,
        must_change_password: false,
        groups: groups.into_iter().collect::<BTreeMap<_, _>>(),
    };
    let boss = desk
        .create_agent(
            sys,
            mk(
                "boss",
                vec![
                    (GroupId::USERS, PermissionSet::RW),
                    (GroupId::STATS, PermissionSet::RW),
                ],
            ),
        )
        .await
        .unwrap()
        .id;
    let viewer = desk
        .create_agent(
            sys,
            mk(
                "viewer",
                vec![
                    (GroupId::USERS, PermissionSet::RW),
                    (GroupId::STATS, PermissionSet::RO),
                ],
            ),
        )
        .await
        .unwrap()
        .id;
    let plain = desk
        .create_agent(sys, mk("plain", vec![(GroupId::USERS, PermissionSet::RW)]))
        .await
        .unwrap()
        .id;
    desk.create_customer(
        sys,
        NewCustomer {
            customer_id: "SSI".into(),
            name: "Super Support Inc.".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    desk.create_customer_user(
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
    .unwrap();
    let postmaster = desk.queue_by_name(sys, "Postmaster").await.unwrap().id;
    let misc = desk.queue_by_name(sys, "Misc").await.unwrap().id;
    World {
        desk,
        clock,
        boss: Principal::Agent(boss),
        viewer: Principal::Agent(viewer),
        plain: Principal::Agent(plain),
        postmaster,
        misc,
    }
}

impl<S: Store> World<S> {
    async fn ticket(
        &self,
        at: DateTime<Utc>,
        title: &str,
        queue: QueueId,
        priority: Priority,
        customer: bool,
    ) -> Ticket {
        self.clock.set(at);
        let mut new = NewTicket::new(
            title,
            queue,
            ArticleInput::new(ArticleKind::PhoneInbound, title, "Called."),
        );
        new.priority = Some(priority);
        if customer {
            let lacey = self
                .desk
                .customer_user_by_login(Principal::SYSTEM, "lacey")
                .await
                .unwrap();
            new.customer_user = Some(lacey.id);
        }
        self.desk
            .create_ticket(Principal::SYSTEM, new)
            .await
            .unwrap()
    }

    async fn set_state(&self, at: DateTime<Utc>, ticket: TicketId, state: StateId) {
        self.clock.set(at);
        let update = TicketUpdate {
            state: Some(state),
            ..TicketUpdate::default()
        };
        self.desk
            .update_ticket(Principal::SYSTEM, ticket, update)
            .await
            .unwrap();
    }

    async fn run(&self, number: u32, options: RunOptions) -> StatTable {
        self.desk
            .run_stat(self.viewer, number, StatFormat::Table, options)
            .await
            .unwrap()
    }
}

fn texts(table: &StatTable) -> Vec<Vec<String>> {
    table
        .rows
        .iter()
        .map(|r| r.iter().map(StatCell::to_text).collect())
        .collect()
}

fn column(table: &StatTable, header: &str) -> Vec<String> {
    let i = table.headers.iter().position(|h| h == header).unwrap();
    table.rows.iter().map(|r| r[i].to_text()).collect()
}

/// Five tickets from January to March 2026; "now" is 2026-03-15 12:00 UTC.
///
/// | ticket | created (UTC)      | queue      | history                                   | now          |
/// |--------|--------------------|------------|-------------------------------------------|--------------|
/// | T1     | 2026-01-10 10:00   | Postmaster | closed successful 02-20                    | closed succ. |
/// | T2     | 2026-01-15 09:00   | Misc       | closed unsuccessful 03-02                  | closed uns.  |
/// | T3     | 2026-02-03 08:00   | Postmaster | (none)                                     | open         |
/// | T4     | 2026-02-28 23:30   | Misc       | closed successful 03-10                    | closed succ. |
/// | T5     | 2026-03-05 10:00   | Postmaster | closed successful 03-06, open 03-07        | open         |
///
/// Phone tickets start open (the changes of T1 and T3 to open change nothing). T4 is created in
/// February in UTC but on 1 March in Berlin. T1 has 30 units of time, T2 90.
async fn fixed<S: Store>(w: &World<S>) -> Vec<Ticket> {
    use default_states::*;
    let t1 = w
        .ticket(
            utc(2026, 1, 10, 10, 0),
            "T1",
            w.postmaster,
            Priority::NORMAL,
            true,
        )
        .await;
    let t2 = w
        .ticket(utc(2026, 1, 15, 9, 0), "T2", w.misc, Priority::HIGH, false)
        .await;
    let t3 = w
        .ticket(
            utc(2026, 2, 3, 8, 0),
            "T3",
            w.postmaster,
            Priority::LOW,
            true,
        )
        .await;
    let t4 = w
        .ticket(
            utc(2026, 2, 28, 23, 30),
            "T4",
            w.misc,
            Priority::NORMAL,
            false,
        )
        .await;
    let t5 = w
        .ticket(
            utc(2026, 3, 5, 10, 0),
            "T5",
            w.postmaster,
            Priority::NORMAL,
            false,
        )
        .await;
    w.set_state(utc(2026, 2, 3, 12, 0), t3.id, OPEN).await;
    w.set_state(utc(2026, 2, 5, 9, 0), t1.id, OPEN).await;
    w.set_state(utc(2026, 2, 20, 16, 0), t1.id, CLOSED_SUCCESSFUL)
        .await;
    w.set_state(utc(2026, 3, 2, 11, 0), t2.id, CLOSED_UNSUCCESSFUL)
        .await;
    w.set_state(utc(2026, 3, 6, 10, 0), t5.id, CLOSED_SUCCESSFUL)
        .await;
    w.set_state(utc(2026, 3, 7, 10, 0), t5.id, OPEN).await;
    w.set_state(utc(2026, 3, 10, 10, 0), t4.id, CLOSED_SUCCESSFUL)
        .await;
    w.clock.set(utc(2026, 3, 14, 9, 0));
    w.desk
        .account_time(Principal::SYSTEM, t1.id, TimeUnits::from_units(30))
        .await
        .unwrap();
    w.desk
        .account_time(Principal::SYSTEM, t2.id, TimeUnits::from_units(90))
        .await
        .unwrap();
    w.clock.set(utc(2026, 3, 15, 12, 0));
    vec![t1, t2, t3, t4, t5]
}

async fn preinstalled_statistics_answer_the_fixed_data_set<S: Store>(store: S) {
    let w = world(store).await;
    let t = fixed(&w).await;
    let numbers =
        |rows: &[Vec<String>]| -> Vec<String> { rows.iter().map(|r| r[0].clone()).collect() };
    let n = |i: usize| t[i].number.clone();

    // 10009: every ticket by queue (rows, by name) and state (columns), with both sums.
    let overview = w.run(10009, RunOptions::default()).await;
    assert_eq!(
        overview.headers,
        [
            "Queue",
            "new",
            "closed successful",
            "closed unsuccessful",
            "open",
            "removed",
            "pending reminder",
            "pending auto close+",
            "pending auto close-",
            "merged",
            "Sum"
        ]
    );
    assert_eq!(
        texts(&overview),
        [
            ["Junk", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
            ["Misc", "0", "1", "1", "0", "0", "0", "0", "0", "0", "2"],
            [
                "Postmaster",
                "0",
                "1",
                "0",
                "2",
                "0",
                "0",
                "0",
                "0",
                "0",
                "3"
            ],
            ["Raw", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0"],
            ["Sum", "0", "2", "1", "2", "0", "0", "0", "0", "0", "5"],
        ]
    );

    // 10001: closed last month (February): only T1 (T5 was closed in March and reopened).
    let closed = w.run(10001, RunOptions::default()).await;
    assert_eq!(numbers(&texts(&closed)), [n(0)]);
    assert_eq!(column(&closed, "Close time"), ["2026-02-20 16:00:00 UTC"]);
    // The close-time filter allows changes: this month gives T2 then T4, by close time.
    let this_month = TimeSelection {
        period: Period::Relative {
            past: 0,
            upcoming: 1,
            unit: Scale::Month,
        },
        scale: Scale::Day,
    };
    let options = RunOptions {
        overrides: vec![(
            ElementTarget::Filter(ElementKind::CloseTime),
            ElementValue::CloseTime(this_month),
        )],
        month: None,
    };
    assert_eq!(numbers(&texts(&w.run(10001, options).await)), [n(1), n(3)]);

    // 10005: created last month: T3 and T4 (in UTC).
    assert_eq!(
        numbers(&texts(&w.run(10005, RunOptions::default()).await)),
        [n(2), n(3)]
    );

    // 10002: new tickets per day of February by queue.
    let new = w.run(10002, RunOptions::default()).await;
    assert_eq!(new.headers.len(), 1 + 28 + 1);
    assert_eq!(new.headers[1], "2026-02-01");
    let row = |label: &str| texts(&new).into_iter().find(|r| r[0] == label).unwrap();
    let mut misc = vec!["0".to_owned(); 28];
    misc[27] = "1".into();
    let mut postmaster = vec!["0".to_owned(); 28];
    postmaster[2] = "1".into();
    assert_eq!(row("Misc")[1..29], misc[..]);
    assert_eq!(row("Postmaster")[1..29], postmaster[..]);
    assert_eq!(row("Sum")[29], "2");

    // 10006: most accounted time first, then the rest by id.
    let busy = w.run(10006, RunOptions::default()).await;
    assert_eq!(numbers(&texts(&busy)), [n(1), n(0), n(2), n(3), n(4)]);
    assert_eq!(column(&busy, "Accounted time")[..2], ["90", "30"]);

    // 10003, 10007, 10010: the open tickets (T3, T5); deadline columns empty, and said so.
    for number in [10003, 10007, 10010] {
        let table = w.run(number, RunOptions::default()).await;
        assert_eq!(numbers(&texts(&table)), [n(2), n(4)], "statistic {number}");
        assert!(
            table
                .rows
                .iter()
                .all(|r| r.last() == Some(&StatCell::Empty))
        );
        assert!(
            table
                .notes
                .iter()
                .any(|note| note.contains("escalation rules")),
            "{:?}",
            table.notes
        );
    }
    // 10004, 10008: the closed tickets (T1, T2, T4).
    for number in [10004, 10008] {
        let table = w.run(number, RunOptions::default()).await;
        let mut got = numbers(&texts(&table));
        got.sort();
        assert_eq!(got, [n(0), n(1), n(3)], "statistic {number}");
    }

    // 10011: state changes in February, per day.
    let changes = w
        .run(
            10011,
            RunOptions {
                overrides: Vec::new(),
                month: Some((2026, 2)),
            },
        )
        .await;
    assert_eq!(changes.headers.len(), 1 + 28 + 1);
    let day = |state: &str, d: usize| {
        texts(&changes).into_iter().find(|r| r[0] == state).unwrap()[d].clone()
    };
    // Phone tickets start open, so T3 and T4 enter "open" when created; T3's and T1's later
    // changes to open change nothing and leave no history.
    assert_eq!(day("new", 29), "0");
    assert_eq!(
        (day("open", 3), day("open", 28), day("open", 29)),
        ("1".into(), "1".into(), "2".into())
    );
    assert_eq!(
        (day("closed successful", 20), day("closed successful", 29)),
        ("1".into(), "1".into())
    );
    // March: T5 new, T2 closed unsuccessful, T5 closed then open, T4 closed.
    let march = w
        .run(
            10011,
            RunOptions {
                overrides: Vec::new(),
                month: Some((2026, 3)),
            },
        )
        .await;
    let sum_row = texts(&march).pop().unwrap();
    assert_eq!(sum_row.last().unwrap(), "5");

    // The same months in Berlin: T4 (23:30 UTC on 28 Feb) is created on 1 March.
    let by_month = StatSettings {
        title: "Created per month".into(),
        description: "In Berlin.".into(),
        kind: StatKind::Matrix {
            x: Element::fixed(ElementValue::CreateTime(TimeSelection {
                period: Period::Relative {
                    past: 0,
                    upcoming: 1,
                    unit: Scale::Year,
                },
                scale: Scale::Month,
            })),
            y: vec![Element::fixed(ElementValue::StateType(vec![
                StateType::Open,
                StateType::Closed,
            ]))],
            filters: Vec::new(),
        },
        permission_groups: vec![GroupId::STATS],
        formats: vec![StatFormat::Csv],
        time_zone: chrono_tz::Europe::Berlin,
        sum_row: true,
        sum_column: false,
        valid: true,
    };
    let created = w.desk.create_stat(w.boss, by_month.clone()).await.unwrap();
    assert_eq!(created.number, 10012);
    let table = w.run(10012, RunOptions::default()).await;
    assert_eq!(
        table.headers[..4],
        ["State type", "2026-01", "2026-02", "2026-03"]
    );
    assert_eq!(texts(&table)[0][..4], ["open", "0", "1", "1"]);
    assert_eq!(texts(&table)[1][..4], ["closed", "2", "0", "1"]);
    assert_eq!(texts(&table)[2][..4], ["Sum", "2", "1", "2"]);
    let utc_stat = StatSettings {
        time_zone: chrono_tz::Tz::UTC,
        ..by_month
    };
    let table = w.desk.preview_stat(w.boss, utc_stat).await.unwrap();
    assert_eq!(texts(&table)[2][..4], ["Sum", "2", "2", "1"]);
}

async fn permissions_and_overrides_are_enforced<S: Store>(store: S) {
    let w = world(store).await;
    fixed(&w).await;
    // Only stats users see statistics; only stats admins change them.
    assert_eq!(w.desk.stats(w.viewer).await.unwrap().len(), 11);
    assert!(matches!(
        w.desk.stats(w.plain).await,
        Err(DeskError::PermissionDenied { .. })
    ));
    let settings = w.desk.stat(w.viewer, 10009).await.unwrap().settings;
    assert!(matches!(
        w.desk.create_stat(w.viewer, settings.clone()).await,
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        w.desk.delete_stat(w.viewer, 10009).await,
        Err(DeskError::PermissionDenied { .. })
    ));
    // A statistic limited to the admin group is invisible to a viewer outside it.
    let hidden = StatSettings {
        permission_groups: vec![GroupId::ADMIN],
        ..settings.clone()
    };
    let hidden = w.desk.create_stat(w.boss, hidden).await.unwrap();
    assert!(matches!(
        w.desk.stat(w.viewer, hidden.number).await,
        Err(DeskError::NotFound { .. })
    ));
    assert_eq!(w.desk.stats(w.viewer).await.unwrap().len(), 11);
    // Overrides only where allowed, only of the same kind.
    let fixed_axes = StatSettings {
        kind: StatKind::Matrix {
            x: Element::fixed(ElementValue::State(Vec::new())),
            y: vec![Element::changeable(ElementValue::Queue(Vec::new()))],
            filters: Vec::new(),
        },
        ..settings.clone()
    };
    let stat = w.desk.create_stat(w.boss, fixed_axes).await.unwrap();
    let run = |target, value| {
        w.desk.run_stat(
            w.viewer,
            stat.number,
            StatFormat::Table,
            RunOptions {
                overrides: vec![(target, value)],
                month: None,
            },
        )
    };
    let refused = run(
        ElementTarget::X,
        ElementValue::State(vec![default_states::OPEN]),
    )
    .await;
    assert!(
        matches!(&refused, Err(DeskError::NotAllowed { reason, .. }) if reason.contains("X axis")),
        "{refused:?}"
    );
    let wrong = run(
        ElementTarget::Y(ElementKind::Queue),
        ElementValue::Priority(vec![Priority::LOW]),
    )
    .await;
    assert!(matches!(wrong, Err(DeskError::Invalid(_))));
    let ok = run(
        ElementTarget::Y(ElementKind::Queue),
        ElementValue::Queue(vec![w.misc]),
    )
    .await
    .unwrap();
    assert_eq!(
        texts(&ok).iter().map(|r| r[0].clone()).collect::<Vec<_>>(),
        ["Misc", "Sum"]
    );
    // Bad settings: a clear error naming the field, nothing stored.
    let bad = StatSettings {
        title: " ".into(),
        permission_groups: vec![GroupId(999)],
        ..settings.clone()
    };
    let Err(DeskError::Invalid(errors)) = w.desk.create_stat(w.boss, bad).await else {
        panic!("accepted")
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["title", "permission_groups"]);
    // Formats: a statistic without Excel cannot be run as Excel; invalid ones not at all.
    let csv_only = StatSettings {
        formats: vec![StatFormat::Csv],
        valid: false,
        ..settings.clone()
    };
    let csv_only = w.desk.create_stat(w.boss, csv_only).await.unwrap();
    assert!(matches!(
        w.desk
            .run_stat(
                w.viewer,
                csv_only.number,
                StatFormat::Csv,
                RunOptions::default()
            )
            .await,
        Err(DeskError::NotAllowed { .. })
    ));
    let valid = StatSettings {
        valid: true,
        ..csv_only.settings.clone()
    };
    w.desk
        .update_stat(w.boss, csv_only.number, valid, Some(csv_only.version))
        .await
        .unwrap();
    assert!(matches!(
        w.desk
            .run_stat(
                w.viewer,
                csv_only.number,
                StatFormat::Excel,
                RunOptions::default()
            )
            .await,
        Err(DeskError::NotAllowed { .. })
    ));
    w.desk
        .run_stat(
            w.viewer,
            csv_only.number,
            StatFormat::Csv,
            RunOptions::default(),
        )
        .await
        .unwrap();
    // Export and import give an equal statistic under a new number; delete removes it.
    let xml = w.desk.export_stat(w.viewer, 10002).await.unwrap();
    let imported = w.desk.import_stat(w.boss, &xml).await.unwrap();
    assert_eq!(
        imported.settings,
        w.desk.stat(w.viewer, 10002).await.unwrap().settings
    );
    w.desk.delete_stat(w.boss, imported.number).await.unwrap();
    assert!(matches!(
        w.desk.stat(w.boss, imported.number).await,
        Err(DeskError::NotFound { .. })
    ));
    assert!(matches!(
        w.desk.import_stat(w.boss, "<otrs-stat/>").await,
        Err(DeskError::Invalid(_))
    ));
}

/// What a ticket looks like to the brute-force count.
struct Facts {
    ticket: Ticket,
    closed_at: Option<DateTime<Utc>>,
}

fn brute_key(group: &StatGroup, f: &Facts) -> Option<StatKey> {
    let t = &f.ticket;
    let int = |v: u64| Some(StatKey::Int(v as i64));
    let bucket = |bounds: &[DateTime<Utc>], at: Option<DateTime<Utc>>| {
        let at = at?;
        (0..bounds.len().saturating_sub(1))
            .find(|i| bounds[*i] <= at && at < bounds[i + 1])
            .map(|i| StatKey::Int(i as i64))
    };
    match group {
        StatGroup::Queue => int(t.queue_id.0),
        StatGroup::State => int(t.state_id.0),
        StatGroup::Priority => int(u64::from(t.priority.level())),
        StatGroup::Owner => int(t.owner_id.0),
        StatGroup::Responsible => int(t.responsible_id.0),
        StatGroup::Customer => Some(t.customer_id.clone().map_or(StatKey::Null, StatKey::Text)),
        StatGroup::CustomerUser => Some(
            t.customer_user_id
                .map_or(StatKey::Null, |c| StatKey::Int(c.0 as i64)),
        ),
        StatGroup::Lock => Some(StatKey::Text(t.lock.name().into())),
        StatGroup::Created(b) => bucket(b, Some(t.created_at)),
        StatGroup::Changed(b) => bucket(b, Some(t.changed_at)),
        StatGroup::Closed(b) => bucket(b, f.closed_at),
    }
}

fn brute_match(filter: &StatFilter, f: &Facts) -> bool {
    let t = &f.ticket;
    let inside = |r: &Option<TimeRange>, at: Option<DateTime<Utc>>| {
        r.is_none_or(|r| at.is_some_and(|at| r.from <= at && at < r.to))
    };
    filter
        .queues
        .as_ref()
        .is_none_or(|v| v.contains(&t.queue_id))
        && filter
            .states
            .as_ref()
            .is_none_or(|v| v.contains(&t.state_id))
        && filter
            .priorities
            .as_ref()
            .is_none_or(|v| v.contains(&t.priority))
        && filter
            .customers
            .as_ref()
            .is_none_or(|v| t.customer_id.as_ref().is_some_and(|c| v.contains(c)))
        && filter.locks.as_ref().is_none_or(|v| v.contains(&t.lock))
        && inside(&filter.created, Some(t.created_at))
        && inside(&filter.changed, Some(t.changed_at))
        && inside(&filter.closed, f.closed_at)
}

async fn matrices_equal_a_brute_force_count<S: Store>(store: S) {
    use default_states::*;
    let w = world(store).await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_260_315);
    let start = utc(2025, 1, 1, 0, 0).timestamp();
    let span = utc(2026, 3, 1, 0, 0).timestamp() - start;
    let queues = [w.postmaster, w.misc];
    let states = [
        OPEN,
        CLOSED_SUCCESSFUL,
        CLOSED_UNSUCCESSFUL,
        PENDING_REMINDER,
        NEW,
    ];
    let mut ids = Vec::new();
    for i in 0..40 {
        let at = DateTime::from_timestamp(start + rng.random_range(0..span), 0).unwrap();
        let priority = Priority::new(rng.random_range(1..=5)).unwrap();
        let t = w
            .ticket(
                at,
                &format!("R{i}"),
                queues[rng.random_range(0..2)],
                priority,
                rng.random_bool(0.5),
            )
            .await;
        let mut when = at;
        for _ in 0..rng.random_range(0..4) {
            when += chrono::Duration::hours(rng.random_range(1..24 * 60));
            let state = states[rng.random_range(0..states.len())];
            w.clock.set(when);
            let update = TicketUpdate {
                state: Some(state),
                pending_until: (state == PENDING_REMINDER)
                    .then(|| when + chrono::Duration::days(3)),
                ..TicketUpdate::default()
            };
            // A change to the same state is refused as empty; that is fine here.
            let _ = w.desk.update_ticket(Principal::SYSTEM, t.id, update).await;
        }
        ids.push(t.id);
    }
    // The facts, read directly from the store.
    let closed_states: Vec<StateId> = vec![CLOSED_SUCCESSFUL, CLOSED_UNSUCCESSFUL];
    let mut tx = w.desk.store().begin_read().await.unwrap();
    let mut facts = Vec::new();
    for id in &ids {
        let ticket = tx.ticket(*id).await.unwrap().unwrap();
        let closed_at = if closed_states.contains(&ticket.state_id) {
            tx.history(*id)
                .await
                .unwrap()
                .iter()
                .filter(|h| {
                    matches!(
                        h.entry.history_type,
                        HistoryType::NewTicket | HistoryType::StateUpdate
                    ) && closed_states.contains(&h.entry.state_id)
                })
                .map(|h| h.entry.created_at)
                .max()
        } else {
            None
        };
        facts.push(Facts { ticket, closed_at });
    }
    let months: Vec<DateTime<Utc>> = (0..=15)
        .map(|m: u32| utc(2025 + (m / 12) as i32, m % 12 + 1, 1, 0, 0))
        .collect();
    let groups = [
        StatGroup::Queue,
        StatGroup::State,
        StatGroup::Priority,
        StatGroup::Owner,
        StatGroup::Responsible,
        StatGroup::Customer,
        StatGroup::CustomerUser,
        StatGroup::Lock,
        StatGroup::Created(months.clone()),
        StatGroup::Changed(months.clone()),
        StatGroup::Closed(months.clone()),
    ];
    let filters = [
        StatFilter {
            closed_states: closed_states.clone(),
            ..StatFilter::default()
        },
        StatFilter {
            closed_states: closed_states.clone(),
            queues: Some(vec![w.misc]),
            priorities: Some(vec![Priority::LOW, Priority::HIGH, Priority::VERY_HIGH]),
            ..StatFilter::default()
        },
        StatFilter {
            closed_states: closed_states.clone(),
            states: Some(closed_states.clone()),
            created: Some(TimeRange {
                from: utc(2025, 4, 1, 0, 0),
                to: utc(2025, 12, 1, 0, 0),
            }),
            customers: Some(vec!["SSI".into()]),
            ..StatFilter::default()
        },
        StatFilter {
            closed_states: closed_states.clone(),
            closed: Some(TimeRange {
                from: utc(2025, 6, 1, 0, 0),
                to: utc(2026, 6, 1, 0, 0),
            }),
            locks: Some(vec![LockState::Unlocked]),
            states: Some(Vec::new()),
            ..StatFilter::default()
        },
    ];
    let mut nonzero = 0;
    for filter in &filters {
        for x in &groups {
            for y in &groups {
                let mut expected: BTreeMap<(StatKey, StatKey), u64> = BTreeMap::new();
                for f in facts.iter().filter(|f| brute_match(filter, f)) {
                    if let (Some(kx), Some(ky)) = (brute_key(x, f), brute_key(y, f)) {
                        *expected.entry((kx, ky)).or_default() += 1;
                    }
                }
                let got: BTreeMap<(StatKey, StatKey), u64> = tx
                    .stat_counts(filter, x, y)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|c| ((c.x, c.y), c.count))
                    .collect();
                assert_eq!(got, expected, "x {x:?}, y {y:?}, filter {filter:?}");
                nonzero += usize::from(!expected.is_empty());
            }
        }
    }
    // --- statsui: several groupings at once (a matrix with two Y elements) equal the brute
    // force too.
    let y_groups = [
        StatGroup::Queue,
        StatGroup::Priority,
        StatGroup::Customer,
        StatGroup::Created(months.clone()),
    ];
    let mut triples = 0;
    for filter in &filters {
        for x in &groups {
            for y1 in &y_groups {
                for y2 in &y_groups {
                    let mut expected: BTreeMap<Vec<StatKey>, u64> = BTreeMap::new();
                    for f in facts.iter().filter(|f| brute_match(filter, f)) {
                        let keys: Option<Vec<StatKey>> =
                            [x, y1, y2].iter().map(|g| brute_key(g, f)).collect();
                        if let Some(keys) = keys {
                            *expected.entry(keys).or_default() += 1;
                        }
                    }
                    let got: BTreeMap<Vec<StatKey>, u64> = tx
                        .stat_counts_by(filter, &[x.clone(), y1.clone(), y2.clone()])
                        .await
                        .unwrap()
                        .into_iter()
                        .map(|c| (c.keys, c.count))
                        .collect();
                    assert_eq!(
                        got, expected,
                        "x {x:?}, y {y1:?} × {y2:?}, filter {filter:?}"
                    );
                    triples += usize::from(!expected.is_empty());
                }
            }
        }
    }
    assert!(
        triples > 200,
        "the triples are exercised ({triples} non-empty)"
    );
    assert!(
        nonzero > 200,
        "the data set exercises the counts ({nonzero} non-empty)"
    );
    drop(tx);
    // Through the desk: sums equal the sums of their cells.
    let settings = StatSettings {
        title: "By month and priority".into(),
        description: "Sums.".into(),
        kind: StatKind::Matrix {
            x: Element::fixed(ElementValue::CreateTime(TimeSelection {
                period: Period::Absolute {
                    from: months[0],
                    to: months[15],
                },
                scale: Scale::Month,
            })),
            y: vec![Element::fixed(ElementValue::Priority(Vec::new()))],
            filters: Vec::new(),
        },
        permission_groups: vec![GroupId::STATS],
        formats: vec![StatFormat::Csv],
        time_zone: chrono_tz::Tz::UTC,
        sum_row: true,
        sum_column: true,
        valid: true,
    };
    let table = w.desk.preview_stat(w.boss, settings.clone()).await.unwrap();
    let cells: Vec<Vec<u64>> = table
        .rows
        .iter()
        .map(|r| {
            r[1..]
                .iter()
                .map(|c| match c {
                    StatCell::Count(n) => *n,
                    other => panic!("{other:?}"),
                })
                .collect()
        })
        .collect();
    let (body, sum_row) = cells.split_at(cells.len() - 1);
    for row in body {
        assert_eq!(row[..row.len() - 1].iter().sum::<u64>(), row[row.len() - 1]);
    }
    for c in 0..sum_row[0].len() {
        assert_eq!(body.iter().map(|r| r[c]).sum::<u64>(), sum_row[0][c]);
    }
    assert_eq!(sum_row[0][sum_row[0].len() - 1], 40);

    // --- statsui: two Y elements (priority × queue): one row per combination, and the sums
    // still add up to every ticket.
    let settings = StatSettings {
        kind: StatKind::Matrix {
            x: Element::fixed(ElementValue::CreateTime(TimeSelection {
                period: Period::Absolute {
                    from: months[0],
                    to: months[15],
                },
                scale: Scale::Month,
            })),
            y: vec![
                Element::fixed(ElementValue::Priority(Vec::new())),
                Element::fixed(ElementValue::Queue(vec![w.postmaster, w.misc])),
            ],
            filters: Vec::new(),
        },
        ..settings
    };
    let table = w.desk.preview_stat(w.boss, settings).await.unwrap();
    assert_eq!(table.headers[..2], ["Priority", "Queue"]);
    assert_eq!(table.rows.len(), 5 * 2 + 1);
    let cells: Vec<Vec<u64>> = table
        .rows
        .iter()
        .map(|r| {
            r[2..]
                .iter()
                .map(|c| match c {
                    StatCell::Count(n) => *n,
                    other => panic!("{other:?}"),
                })
                .collect()
        })
        .collect();
    let (body, sum_row) = cells.split_at(cells.len() - 1);
    for row in body {
        assert_eq!(row[..row.len() - 1].iter().sum::<u64>(), row[row.len() - 1]);
    }
    for c in 0..sum_row[0].len() {
        assert_eq!(body.iter().map(|r| r[c]).sum::<u64>(), sum_row[0][c]);
    }
    assert_eq!(sum_row[0][sum_row[0].len() - 1], 40);
    // Each row equals the brute-force count of its priority and queue.
    for (i, row) in body.iter().enumerate() {
        let priority = Priority::new(u8::try_from(i / 2 + 1).unwrap()).unwrap();
        let queue = [w.postmaster, w.misc][i % 2];
        let expected = facts
            .iter()
            .filter(|f| f.ticket.priority == priority && f.ticket.queue_id == queue)
            .count() as u64;
        assert_eq!(row[row.len() - 1], expected, "row {i}");
    }
}

/// A matrix with two Y elements on the fixed data set, by hand.
async fn several_y_elements_make_a_row_per_combination<S: Store>(store: S) {
    let w = world(store).await;
    fixed(&w).await;
    let settings = StatSettings {
        title: "By queue and priority".into(),
        description: "Two Y elements.".into(),
        kind: StatKind::Matrix {
            x: Element::fixed(ElementValue::StateType(vec![
                StateType::Open,
                StateType::Closed,
            ])),
            y: vec![
                Element::fixed(ElementValue::Queue(vec![w.postmaster, w.misc])),
                Element::changeable(ElementValue::Priority(vec![
                    Priority::LOW,
                    Priority::NORMAL,
                    Priority::HIGH,
                ])),
            ],
            filters: Vec::new(),
        },
        permission_groups: vec![GroupId::STATS],
        formats: vec![StatFormat::Csv],
        time_zone: chrono_tz::Tz::UTC,
        sum_row: true,
        sum_column: true,
        valid: true,
    };
    let stat = w.desk.create_stat(w.boss, settings.clone()).await.unwrap();
    let table = w.run(stat.number, RunOptions::default()).await;
    assert_eq!(
        table.headers,
        ["Queue", "Priority", "open", "closed", "Sum"]
    );
    // T1 Postmaster normal closed, T2 Misc high closed, T3 Postmaster low open, T4 Misc normal
    // closed, T5 Postmaster normal open.
    assert_eq!(
        texts(&table),
        [
            ["Postmaster", "2 low", "1", "0", "1"],
            ["Postmaster", "3 normal", "1", "1", "2"],
            ["Postmaster", "4 high", "0", "0", "0"],
            ["Misc", "2 low", "0", "0", "0"],
            ["Misc", "3 normal", "0", "1", "1"],
            ["Misc", "4 high", "0", "1", "1"],
            ["Sum", "", "2", "3", "5"],
        ]
    );
    // The priority element allows changes; the queue element does not.
    let changed = w
        .run(
            stat.number,
            RunOptions {
                overrides: vec![(
                    ElementTarget::Y(ElementKind::Priority),
                    ElementValue::Priority(vec![Priority::NORMAL]),
                )],
                month: None,
            },
        )
        .await;
    assert_eq!(
        texts(&changed),
        [
            ["Postmaster", "3 normal", "1", "1", "2"],
            ["Misc", "3 normal", "0", "1", "1"],
            ["Sum", "", "1", "2", "3"],
        ]
    );
    let refused = w
        .desk
        .run_stat(
            w.viewer,
            stat.number,
            StatFormat::Table,
            RunOptions {
                overrides: vec![(
                    ElementTarget::Y(ElementKind::Queue),
                    ElementValue::Queue(vec![w.misc]),
                )],
                month: None,
            },
        )
        .await;
    assert!(
        matches!(&refused, Err(DeskError::NotAllowed { reason, .. }) if reason.contains("queue element of the Y axis")),
        "{refused:?}"
    );
    // The same through the text form, as the CLI's --set gives it.
    let options = w
        .desk
        .stat_run_options(
            w.viewer,
            stat.number,
            "set",
            &["priority=normal".to_owned()],
            None,
        )
        .await
        .unwrap();
    assert_eq!(w.run(stat.number, options).await, changed);
    let refused = w
        .desk
        .stat_run_options(
            w.viewer,
            stat.number,
            "set",
            &["queue=Misc".to_owned()],
            None,
        )
        .await;
    assert!(
        matches!(&refused, Err(DeskError::NotAllowed { reason, .. }) if reason.contains("does not allow changes")),
        "{refused:?}"
    );
    // Export and import keep both Y elements, in order.
    let xml = w.desk.export_stat(w.viewer, stat.number).await.unwrap();
    assert_eq!(xml.matches("role=\"y\"").count(), 2);
    assert_eq!(
        w.desk.import_stat(w.boss, &xml).await.unwrap().settings,
        settings
    );
    // An element used twice, and too many Y elements, are field errors; nothing is stored.
    let before = w.desk.stats(w.boss).await.unwrap().len();
    let twice = StatSettings {
        kind: StatKind::Matrix {
            x: Element::fixed(ElementValue::Queue(Vec::new())),
            y: vec![Element::fixed(ElementValue::Queue(Vec::new()))],
            filters: vec![Element::fixed(ElementValue::Queue(vec![w.misc]))],
        },
        ..settings.clone()
    };
    let err = w.desk.create_stat(w.boss, twice).await.unwrap_err();
    let DeskError::Invalid(errors) = err else {
        panic!("{err:?}")
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"y[0]") && fields.contains(&"filters[0]"),
        "{fields:?}"
    );
    let many = StatSettings {
        kind: StatKind::Matrix {
            x: Element::fixed(ElementValue::Queue(Vec::new())),
            y: vec![
                Element::fixed(ElementValue::State(Vec::new())),
                Element::fixed(ElementValue::Priority(Vec::new())),
                Element::fixed(ElementValue::Lock(Vec::new())),
                Element::fixed(ElementValue::Owner(Vec::new())),
            ],
            filters: Vec::new(),
        },
        ..settings
    };
    assert!(matches!(
        w.desk.create_stat(w.boss, many).await,
        Err(DeskError::Invalid(_))
    ));
    assert_eq!(w.desk.stats(w.boss).await.unwrap().len(), before);
}

for_each_store!(
    preinstalled_statistics_answer_the_fixed_data_set,
    permissions_and_overrides_are_enforced,
    matrices_equal_a_brute_force_count,
    several_y_elements_make_a_row_per_combination,
);
