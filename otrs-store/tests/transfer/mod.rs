//! Export and import: every table of the schema is exported; export → import → export is
//! byte-identical on each backend and across them (SQLite → PostgreSQL and back); imports need an
//! empty database; progress is reported.

use std::collections::BTreeMap;

use otrs_core::DeskConfig;
use otrs_core::desk::{ArticleInput, ArticleKind, DraftInput, TicketUpdate};
use otrs_core::ids::ApiTokenId;
use otrs_core::model::{
    ApiToken, LinkType, ObjectRef, OneTimeToken, OneTimeTokenPurpose, Principal, SessionRecord,
    TimeUnits,
};
use otrs_core::store::{Store, StoreError, StoreTx};
use otrs_store::{AnyStore, Progress, transfer};

use crate::desk::{fixture, phone_ticket};
use crate::support::{self, seed};
use crate::{ro, rw};

/// A relay that accepts every message and reports bytes that are not UTF-8.
struct RawRelay;

impl otrs_core::desk::MessageSender for RawRelay {
    async fn send(
        &self,
        message: &otrs_core::model::OutgoingMessage,
    ) -> Result<Vec<u8>, otrs_core::desk::SendError> {
        let mut source = format!("Subject: {}\r\n\r\n", message.subject).into_bytes();
        source.extend_from_slice(&[0xff, 0x00, b'\r', b'\n']);
        Ok(source)
    }
}

/// Writes something into every table.
async fn fill_everything(store: AnyStore) {
    let f = fixture(store.clone(), DeskConfig::default()).await;
    let desk = &f.desk;
    // Postmaster with escalation targets, so that tickets have deadlines to carry over.
    desk.update_queue(
        otrs_core::Principal::SYSTEM,
        f.postmaster,
        otrs_core::desk::QueueUpdate {
            first_response_minutes: Some(90),
            update_minutes: Some(240),
            solution_minutes: Some(600),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let first = desk
        .create_ticket(
            f.alice,
            otrs_core::desk::NewTicket {
                article: ArticleInput {
                    attachments: vec![otrs_core::model::NewAttachment {
                        filename: "binary.bin".into(),
                        content_type: "application/octet-stream".into(),
                        content: (0..=255u8).cycle().take(5000).collect::<Vec<u8>>().into(),
                        content_id: Some("<cid@x>".into()),
                        inline: true,
                    }],
                    ..phone_ticket("Ärger mit dem «Drucker»", f.postmaster).article
                },
                pending_until: Some(seed::at(86_400)),
                state: Some(otrs_core::model::default_states::PENDING_REMINDER),
                ..phone_ticket("Ärger mit dem «Drucker»", f.postmaster)
            },
        )
        .await
        .unwrap();
    let second = desk
        .create_ticket(f.lacey, {
            otrs_core::desk::NewTicket::new(
                "Portal",
                f.postmaster,
                ArticleInput::new(ArticleKind::Portal, "Portal", "line one\nline \"two\"\t✓"),
            )
        })
        .await
        .unwrap();
    // A received e-mail with its source, answered: the outbox row names the article and the
    // thread, and keeps the bytes the relay was given.
    let received = desk
        .add_article(
            f.alice,
            first.id,
            ArticleInput {
                message_id: Some("<root@customer.example>".into()),
                raw_source: Some(b"Subject: \xe9\r\n\r\nbody\x00".as_slice().into()),
                ..ArticleInput::new(ArticleKind::EmailInbound, "Drucker", "body")
            },
        )
        .await
        .unwrap();
    desk.add_article(
        f.alice,
        first.id,
        ArticleInput {
            to: Some("lacey@example.org".into()),
            time_units: Some(TimeUnits::from_hundredths(125)),
            reply_to: Some(received.id),
            ..ArticleInput::new(ArticleKind::EmailOutbound, "Re", "reply")
        },
    )
    .await
    .unwrap();
    desk.deliver_outbox(&RawRelay, 10).await.unwrap();
    desk.watch_ticket(f.bob, first.id).await.unwrap();
    desk.mark_seen(f.bob, first.id, Vec::new()).await.unwrap();
    desk.link(
        f.alice,
        ObjectRef::Ticket(first.id),
        ObjectRef::Ticket(second.id),
        LinkType::ParentChild,
    )
    .await
    .unwrap();
    desk.save_draft(
        f.alice,
        first.id,
        DraftInput {
            form: "reply".into(),
            name: "later".into(),
            fields: BTreeMap::from([("Body".into(), "half a \"thought\"".into())]),
        },
    )
    .await
    .unwrap();
    desk.update_ticket(
        f.bob,
        second.id,
        TicketUpdate {
            queue: Some(f.support),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    // --- calendar ---
    let calendar = desk
        .create_calendar(
            Principal::SYSTEM,
            otrs_core::desk::NewCalendar {
                name: "Team «A»".into(),
                color: "#00aa00".into(),
                group_id: otrs_core::ids::GroupId::USERS,
                feed_token: "feed-token-0123456789abcdefghijklmnopqrstuvwxyz".into(),
            },
        )
        .await
        .unwrap();
    let wall = |t: &str| chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%dT%H:%M").unwrap();
    let (series, _) = desk
        .create_ticket_appointment(
            f.alice,
            first.id,
            otrs_core::desk::AppointmentInput {
                calendar_id: calendar.id,
                title: "Visit – «Drucker»".into(),
                description: "line one\nline two".into(),
                location: "Floor 2".into(),
                all_day: false,
                start: wall("2020-03-30T09:00"),
                end: wall("2020-03-30T10:00"),
                time_zone: "Europe/Budapest".into(),
                rrule: Some("FREQ=WEEKLY;COUNT=4".into()),
                notify_minutes_before: Some(30),
            },
        )
        .await
        .unwrap();
    desk.update_appointment(
        f.alice,
        series.id,
        otrs_core::desk::AppointmentUpdate {
            title: Some("Moved".into()),
            ..Default::default()
        },
        otrs_core::desk::EditScope::Occurrence("2020-04-06T07:00:00Z".parse().unwrap()),
        None,
    )
    .await
    .unwrap();
    // --- actions ---
    desk.create_standard_text(
        Principal::SYSTEM,
        otrs_core::desk::NewStandardText {
            kind: otrs_core::model::TextKind::Signature,
            name: "Team «Süd»".into(),
            text: "-- \nline one\nline two".into(),
            queues: vec![f.postmaster],
        },
    )
    .await
    .unwrap();
    // --- forms ---
    desk.keep_form_uploads(
        f.alice,
        "transfer-form-key-0001",
        vec![otrs_core::model::NewAttachment {
            filename: "kept «half».bin".into(),
            content_type: "application/octet-stream".into(),
            content: std::sync::Arc::from(&b"\x00\xffkept"[..]),
            content_id: None,
            inline: false,
        }],
    )
    .await
    .unwrap();
    // --- knowledge base ---
    let hardware = desk
        .create_kb_category(
            otrs_core::Principal::SYSTEM,
            otrs_core::desk::NewKbCategory {
                parent_id: None,
                name: "Hardware – «Drucker»".into(),
                comment: "top".into(),
                group_ids: [otrs_core::ids::GroupId::USERS].into(),
            },
        )
        .await
        .unwrap();
    let printers = desk
        .create_kb_category(
            otrs_core::Principal::SYSTEM,
            otrs_core::desk::NewKbCategory {
                parent_id: Some(hardware.id),
                name: "Printers".into(),
                comment: String::new(),
                group_ids: [otrs_core::ids::GroupId::USERS].into(),
            },
        )
        .await
        .unwrap();
    let kb_article = desk
        .create_kb_article(
            otrs_core::Principal::SYSTEM,
            otrs_core::desk::KbArticleInput {
                keywords: "printer, Łódź".into(),
                state: otrs_core::model::KbState::External,
                symptom: "<p>Paper jam</p>".into(),
                solution: "Open tray 2 – ✓".into(),
                comment: "internal".into(),
                attachments: vec![otrs_core::model::NewAttachment {
                    filename: "jam.bin".into(),
                    content_type: "application/octet-stream".into(),
                    content: std::sync::Arc::from(&b"\x00\x01jam\xff"[..]),
                    content_id: None,
                    inline: false,
                }],
                ..otrs_core::desk::KbArticleInput::new(printers.id, "Paper jam")
            },
        )
        .await
        .unwrap();
    desk.vote_kb_article(f.lacey, kb_article.id, true)
        .await
        .unwrap();
    desk.link(
        f.alice,
        ObjectRef::Ticket(first.id),
        ObjectRef::KbArticle(kb_article.id),
        LinkType::Normal,
    )
    .await
    .unwrap();
    let alice = f.alice.agent().unwrap();
    rw!(store, |tx| {
        let mut agent = tx.agent(alice).await.unwrap().unwrap();
        agent.preferences.insert("UserLanguage".into(), "de".into());
        tx.update_agent(&agent).await.unwrap();
        let mut user = tx.customer_user_by_login("lacey").await.unwrap().unwrap();
        user.extra_customer_ids = vec!["OTHER".into(), "third".into()];
        user.preferences
            .insert("UserTimeZone".into(), "Europe/Berlin".into());
        tx.update_customer_user(&user).await.unwrap();
        tx.insert_session(&SessionRecord {
            key_digest: "digest-1".into(),
            principal: f.alice,
            csrf_token: "csrf".into(),
            awaiting_second_factor: false,
            created_at: seed::at(1),
            last_seen_at: seed::at(2),
            remote_addr: "::1".into(),
        })
        .await
        .unwrap();
        tx.insert_api_token(&ApiToken {
            id: ApiTokenId(0),
            agent_id: alice,
            name: "ci".into(),
            digest: "token-digest".into(),
            created_at: seed::at(3),
            last_used_at: None,
            expires_at: Some(seed::at(4)),
            revoked_at: None,
        })
        .await
        .unwrap();
        tx.insert_one_time_token(&OneTimeToken {
            digest: "otp".into(),
            principal: Principal::Customer(user.id),
            purpose: OneTimeTokenPurpose::EmailCode,
            created_at: seed::at(5),
            expires_at: seed::at(6),
            used_at: None,
        })
        .await
        .unwrap();
    });
    // --- scheduler ---
    let admin = otrs_core::Principal::SYSTEM;
    let job = desk
        .schedule_job(
            admin,
            otrs_core::model::NewJob::new("notify.agent", r#"{"x":1}"#, desk.now()).with_key("k"),
        )
        .await
        .unwrap();
    desk.claim_job("w1", chrono::Duration::minutes(5))
        .await
        .unwrap();
    assert!(desk.job(admin, job.id).await.unwrap().lease_until.is_some());
    desk.notify_agent(
        admin,
        alice,
        otrs_core::model::NewAgentNotification {
            title: "Reminder".into(),
            body: "Soon.".into(),
            link: Some("/agent".into()),
            dedup_key: Some("d".into()),
        },
    )
    .await
    .unwrap();
    desk.queue_message(
        admin,
        {
            let mut m = otrs_core::model::OutgoingMessage::pending(
                "",
                "boss@example.org",
                "Report",
                "Attached.",
                seed::at(8),
            );
            m.attachments = vec![otrs_core::model::OutgoingAttachment {
                filename: "r.pdf".into(),
                content_type: "application/pdf".into(),
                content: b"%PDF\x00\xff".as_slice().into(),
            }];
            m
        },
        "report.1",
    )
    .await
    .unwrap();
    // --- reports ---
    desk.create_report(
        admin,
        otrs_core::model::ReportSettings {
            name: "Wöchentlich «Zahlen»".into(),
            description: "line one\nline \"two\"".into(),
            schedule: otrs_core::model::ReportSchedule::Cron("0 8 * * 1-5".into()),
            time_zone: "Europe/Berlin".parse().unwrap(),
            recipients: vec!["boss@example.org".into(), "Ann <ann@example.org>".into()],
            stat_numbers: vec![10009, 10002],
            ..Default::default()
        },
    )
    .await
    .unwrap();
}

async fn export(store: &AnyStore) -> (Vec<u8>, Vec<Progress>) {
    let mut out = Vec::new();
    let mut progress = Vec::new();
    let rows = store.export(&mut out, |p| progress.push(p)).await.unwrap();
    assert_eq!(rows, progress.last().unwrap().rows_done);
    (out, progress)
}

fn header_counts(export: &[u8]) -> BTreeMap<String, u64> {
    let first = export.split(|b| *b == b'\n').next().unwrap();
    let header: serde_json::Value = serde_json::from_slice(first).unwrap();
    header["tables"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
        .collect()
}

/// The tables the database itself lists.
async fn catalogue(store: &AnyStore) -> Vec<String> {
    let mut tables: Vec<String> = match store {
        AnyStore::Sqlite(s) => sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
        )
        .fetch_all(s.pool())
        .await
        .unwrap(),
        AnyStore::Postgres(s) => sqlx::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' \
             AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(s.pool())
        .await
        .unwrap(),
    };
    tables.sort();
    tables
}

/// Export, import into an empty database, export again: the same bytes.
async fn round_trip(source: AnyStore, target: AnyStore) {
    fill_everything(source.clone()).await;
    let (first, progress) = export(&source).await;
    let counts = header_counts(&first);
    // Every table of the schema is in the export, and every one holds rows.
    let tables: Vec<String> = counts.keys().cloned().collect();
    assert_eq!(tables, catalogue(&source).await, "tables of the export");
    assert_eq!(
        tables,
        catalogue(&target).await,
        "both backends have the same tables"
    );
    for (table, rows) in &counts {
        assert!(
            *rows > 0,
            "table {table} is empty, so its columns are not round-tripped"
        );
    }
    let total: u64 = counts.values().sum();
    assert!(
        progress
            .windows(2)
            .all(|w| w[0].rows_done <= w[1].rows_done)
    );
    assert!(progress.iter().all(|p| p.rows_total == total));
    assert_eq!(progress.last().unwrap().rows_done, total);
    for table in transfer::exported_tables() {
        assert!(counts.contains_key(table));
    }

    let mut import_progress = Vec::new();
    let summary = target
        .import(first.as_slice(), |p| import_progress.push(p))
        .await
        .unwrap();
    assert_eq!(summary.total(), total);
    assert_eq!(import_progress.last().unwrap().rows_done, total);
    let (second, _) = export(&target).await;
    if first != second {
        let a = String::from_utf8_lossy(&first);
        let b = String::from_utf8_lossy(&second);
        for (x, y) in a.lines().zip(b.lines()) {
            assert_eq!(x, y, "first differing line");
        }
        panic!("the exports differ in length");
    }

    // The imported desk goes on: new ids follow the imported ones.
    let before = ro!(target, |tx| tx.changes_since(0, 10_000).await.unwrap());
    let mut tx = target.begin().await.unwrap();
    let group = tx.insert_group(&seed::group("after import")).await.unwrap();
    let seq = tx
        .append_change(&otrs_core::model::Change {
            seq: 0,
            entity: otrs_core::model::EntityKind::Group,
            entity_id: group.id.0,
            op: otrs_core::model::ChangeOp::Created,
            at: seed::at(1),
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(seq, before.last().unwrap().seq + 1);
    let groups = ro!(target, |tx| tx.groups().await.unwrap());
    assert_eq!(groups.last().unwrap().id, group.id);
    assert!(groups.iter().filter(|g| g.id == group.id).count() == 1);

    // A second import into the now filled database is refused and changes nothing.
    let refused = target.import(first.as_slice(), |_| {}).await;
    assert!(
        matches!(
            &refused,
            Err(StoreError::Invalid {
                field: "import",
                ..
            })
        ),
        "{refused:?}"
    );
}

#[tokio::test]
async fn sqlite_round_trip_is_byte_identical() {
    let a = support::sqlite().await;
    let b = support::sqlite().await;
    round_trip(a.store.clone().into(), b.store.clone().into()).await;
}

#[tokio::test]
async fn postgres_round_trip_is_byte_identical() {
    let (Some(a), Some(b)) = (support::postgres().await, support::postgres().await) else {
        return;
    };
    round_trip(a.store.clone().into(), b.store.clone().into()).await;
}

#[tokio::test]
async fn sqlite_moves_to_postgres_and_back() {
    let Some(pg) = support::postgres().await else {
        return;
    };
    let lite = support::sqlite().await;
    round_trip(lite.store.clone().into(), pg.store.clone().into()).await;
    let back = support::sqlite().await;
    let (from_pg, _) = export(&pg.store.clone().into()).await;
    back.store.import(from_pg.as_slice(), |_| {}).await.unwrap();
    let (again, _) = export(&back.store.clone().into()).await;
    assert!(again == from_pg, "PostgreSQL → SQLite → export differs");
}

#[tokio::test]
async fn imports_refuse_foreign_input() {
    let db = support::sqlite().await;
    for (input, what) in [
        ("", "empty"),
        ("{\"something\":1}\n", "no header"),
        (
            "{\"otrs_export\":1,\"tables\":{}}\n{\"table\":\"nonsense\",\"row\":{}}\n",
            "unknown table",
        ),
        (
            "{\"otrs_export\":1,\"tables\":{}}\n{\"table\":\"groups\",\"row\":{\"id\":\"x\"}}\n",
            "wrong columns",
        ),
    ] {
        let result = db.store.import(input.as_bytes(), |_| {}).await;
        assert!(
            matches!(
                result,
                Err(StoreError::Invalid {
                    field: "import",
                    ..
                })
            ),
            "{what}: {result:?}"
        );
    }
    // Nothing was left behind by the refused imports.
    let (out, _) = export(&db.store.clone().into()).await;
    let counts = header_counts(&out);
    assert_eq!(counts["groups"], 0);
}
