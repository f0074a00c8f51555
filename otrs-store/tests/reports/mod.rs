//! Reports on every store: the rows round-trip, the desk's rules and permissions hold and
//! refusals change nothing, every change keeps exactly one pending run of a scheduled report,
//! and a scheduled run queues its e-mail once per due time.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use otrs_core::clock::ManualClock;
use otrs_core::desk::{NewAgent, REPORT_JOB_KIND, report_job_key};
use otrs_core::ids::{GroupId, ReportId};
use otrs_core::model::{
    Job, JobFilter, JobState, PermissionSet, Report, ReportSchedule, ReportSettings, Validity,
};
use otrs_core::store::{PageRequest, Store, StoreError, StoreTx};
use otrs_core::{Desk, DeskConfig, DeskError, Principal};

use crate::support::for_each_store;

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

struct World<S: Store> {
    desk: Desk<S>,
    clock: Arc<ManualClock>,
    /// rw on stats.
    boss: Principal,
    /// ro on stats.
    viewer: Principal,
    /// No stats right.
    plain: Principal,
}

async fn world<S: Store>(store: S) -> World<S> {
    // A Monday, 06:00 UTC (07:00 in Berlin).
    let clock = Arc::new(ManualClock::new(utc(2026, 3, 2, 6, 0)));
    let desk = Desk::new(store, clock.clone(), DeskConfig::default());
    desk.initialize().await.unwrap();
    let mut ids = Vec::new();
    for (login, stats) in [
        ("boss", Some(PermissionSet::RW)),
        ("viewer", Some(PermissionSet::RO)),
        ("plain", None),
    ] {
        let mut groups: BTreeMap<GroupId, PermissionSet> =
            [(GroupId::USERS, PermissionSet::RW)].into_iter().collect();
        if let Some(p) = stats {
            groups.insert(GroupId::STATS, p);
        }
        let agent = desk
            .create_agent(
                Principal::SYSTEM,
                NewAgent {
                    login: login.into(),
                    first_name: login.into(),
                    last_name: "Agent".into(),
                    email: format!("{login}@example.com"),
                    password_hash: None,
                    must_change_password: false,
                    groups,
                },
            )
            .await
            .unwrap();
        ids.push(Principal::Agent(agent.id));
    }
    World {
        desk,
        clock,
        boss: ids[0],
        viewer: ids[1],
        plain: ids[2],
    }
}

fn settings(name: &str) -> ReportSettings {
    ReportSettings {
        name: name.into(),
        description: "Keys for the management — Überblick.".into(),
        validity: Validity::Valid,
        schedule: ReportSchedule::Daily { hour: 8, minute: 0 },
        time_zone: "Europe/Berlin".parse::<Tz>().unwrap(),
        language: "en".into(),
        email_subject: "Daily report".into(),
        email_body: "Attached.\nRegards".into(),
        recipients: vec!["boss@example.org".into(), "Ann <ann@example.org>".into()],
        headline: "Help desk".into(),
        title: "Daily figures".into(),
        preamble_caption: "Before".into(),
        preamble: "The numbers of yesterday.".into(),
        epilogue_caption: "After".into(),
        epilogue: "End.".into(),
        stat_numbers: vec![10009, 10002],
    }
}

async fn pending_runs<S: Store>(desk: &Desk<S>) -> Vec<Job> {
    let mut tx = desk.store().begin_read().await.unwrap();
    let jobs = tx
        .list_jobs(
            &JobFilter {
                states: Some(vec![JobState::Pending]),
                kind: Some(REPORT_JOB_KIND.into()),
                unique_key: None,
            },
            PageRequest::first(100),
        )
        .await
        .unwrap()
        .items;
    tx.rollback().await.unwrap();
    jobs
}

async fn stored_reports<S: Store>(desk: &Desk<S>) -> Vec<Report> {
    let mut tx = desk.store().begin_read().await.unwrap();
    let all = tx.reports().await.unwrap();
    tx.rollback().await.unwrap();
    all
}

fn fields(error: &DeskError) -> Vec<String> {
    match error {
        DeskError::Invalid(errors) => errors.0.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

async fn reports_round_trip_and_refusals_change_nothing<S: Store>(store: S) {
    let w = world(store).await;
    let created = w
        .desk
        .create_report(w.boss, settings("Daily report"))
        .await
        .unwrap();
    assert_eq!(created.version, 1);
    assert_eq!(created.settings, settings("Daily report"));
    let again = w.desk.report(w.viewer, created.id).await.unwrap();
    assert_eq!(again, created);
    // Every schedule form survives the store.
    for (i, schedule) in [
        ReportSchedule::None,
        ReportSchedule::Weekly {
            weekday: Weekday::Fri,
            hour: 17,
            minute: 30,
        },
        ReportSchedule::Monthly {
            day: 28,
            hour: 0,
            minute: 5,
        },
        ReportSchedule::Cron("0 8 * * 1-5".into()),
    ]
    .into_iter()
    .enumerate()
    {
        let mut s = settings(&format!("Report {i}"));
        s.schedule = schedule.clone();
        let r = w.desk.create_report(w.boss, s).await.unwrap();
        assert_eq!(
            w.desk.report(w.boss, r.id).await.unwrap().settings.schedule,
            schedule
        );
    }
    let names: Vec<String> = w
        .desk
        .reports(w.viewer)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.settings.name)
        .collect();
    assert_eq!(
        names,
        [
            "Daily report",
            "Report 0",
            "Report 1",
            "Report 2",
            "Report 3"
        ]
    );

    let before = stored_reports(&w.desk).await;
    let jobs_before = pending_runs(&w.desk).await;
    // Bad input names every field and stores nothing.
    let mut bad = settings("daily REPORT");
    bad.stat_numbers = vec![10002, 99999];
    bad.recipients = vec!["nobody".into()];
    bad.language = "de".into();
    bad.schedule = ReportSchedule::Cron("61 * * * *".into());
    let error = w.desk.create_report(w.boss, bad).await.unwrap_err();
    assert_eq!(
        fields(&error),
        [
            "schedule",
            "language",
            "recipients[0]",
            "stat_numbers",
            "name"
        ],
        "{error}"
    );
    // Permissions: ro may read, not write; no stats right sees nothing.
    for actor in [w.viewer, w.plain] {
        assert!(matches!(
            w.desk.create_report(actor, settings("Other")).await,
            Err(DeskError::PermissionDenied { .. })
        ));
        assert!(matches!(
            w.desk
                .update_report(actor, created.id, settings("Other"), None)
                .await,
            Err(DeskError::PermissionDenied { .. })
        ));
        assert!(matches!(
            w.desk.delete_report(actor, created.id).await,
            Err(DeskError::PermissionDenied { .. })
        ));
    }
    assert!(matches!(
        w.desk.reports(w.plain).await,
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        w.desk.run_report(w.plain, created.id).await,
        Err(DeskError::PermissionDenied { .. })
    ));
    // A stale version is refused.
    assert!(matches!(
        w.desk
            .update_report(w.boss, created.id, settings("Renamed"), Some(7))
            .await,
        Err(DeskError::VersionMismatch { .. })
    ));
    assert!(matches!(
        w.desk.report(w.boss, ReportId(999)).await,
        Err(DeskError::NotFound { .. })
    ));
    assert_eq!(stored_reports(&w.desk).await, before);
    assert_eq!(pending_runs(&w.desk).await, jobs_before);

    let updated = w
        .desk
        .update_report(w.boss, created.id, settings("Renamed"), Some(1))
        .await
        .unwrap();
    assert_eq!(updated.version, 2);
    assert_eq!(updated.settings.name, "Renamed");
    w.desk.delete_report(w.boss, created.id).await.unwrap();
    assert!(matches!(
        w.desk.report(w.boss, created.id).await,
        Err(DeskError::NotFound { .. })
    ));
}

async fn the_store_refuses_duplicates_and_stale_versions<S: Store>(store: S) {
    let w = world(store).await;
    let report = w
        .desk
        .create_report(w.boss, settings("Weekly"))
        .await
        .unwrap();
    let mut tx = w.desk.store().begin().await.unwrap();
    let twin = Report {
        id: ReportId(0),
        ..report.clone()
    };
    assert!(matches!(
        tx.insert_report(&twin).await,
        Err(StoreError::Duplicate { .. })
    ));
    let stale = Report {
        version: 9,
        ..report.clone()
    };
    assert!(matches!(
        tx.update_report(&stale).await,
        Err(StoreError::Conflict { .. })
    ));
    // The transaction is still usable after the refusals.
    let mut other = report.settings.clone();
    other.name = "Monthly".into();
    let second = tx
        .insert_report(&Report {
            id: ReportId(0),
            settings: other,
            ..report.clone()
        })
        .await
        .unwrap();
    let renamed_to_taken = Report {
        settings: ReportSettings {
            name: "Weekly".into(),
            ..second.settings.clone()
        },
        ..second.clone()
    };
    assert!(matches!(
        tx.update_report(&renamed_to_taken).await,
        Err(StoreError::Duplicate { .. })
    ));
    assert!(matches!(
        tx.delete_report(ReportId(999)).await,
        Err(StoreError::NotFound { .. })
    ));
    tx.commit().await.unwrap();
    assert_eq!(stored_reports(&w.desk).await.len(), 2);
}

async fn every_change_keeps_one_pending_run<S: Store>(store: S) {
    let w = world(store).await;
    let report = w
        .desk
        .create_report(w.boss, settings("Daily"))
        .await
        .unwrap();
    // 08:00 in Berlin is 07:00 UTC in March; it is 06:00 UTC now.
    let due = utc(2026, 3, 2, 7, 0);
    assert_eq!(w.desk.next_due(&report, w.desk.now()), Some(due));
    let jobs = pending_runs(&w.desk).await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].run_at, due);
    assert_eq!(
        jobs[0].unique_key.as_deref(),
        Some(report_job_key(report.id, due).as_str())
    );
    // Another schedule replaces the run.
    let mut weekly = settings("Daily");
    weekly.schedule = ReportSchedule::Cron("30 9 * * 5".into());
    let report = w
        .desk
        .update_report(w.boss, report.id, weekly.clone(), None)
        .await
        .unwrap();
    let jobs = pending_runs(&w.desk).await;
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    // Friday 2026-03-06, 09:30 in Berlin.
    assert_eq!(jobs[0].run_at, utc(2026, 3, 6, 8, 30));
    // Invalid: no run; valid again: the run is back.
    weekly.validity = Validity::InvalidTemporarily;
    let report = w
        .desk
        .update_report(w.boss, report.id, weekly.clone(), None)
        .await
        .unwrap();
    assert!(pending_runs(&w.desk).await.is_empty());
    assert_eq!(w.desk.next_due(&report, w.desk.now()), None);
    weekly.validity = Validity::Valid;
    w.desk
        .update_report(w.boss, report.id, weekly, None)
        .await
        .unwrap();
    assert_eq!(pending_runs(&w.desk).await.len(), 1);
    // Deleting cancels it.
    w.desk.delete_report(w.boss, report.id).await.unwrap();
    assert!(pending_runs(&w.desk).await.is_empty());
    // No schedule: no run.
    let mut manual = settings("Manual");
    manual.schedule = ReportSchedule::None;
    w.desk.create_report(w.boss, manual).await.unwrap();
    assert!(pending_runs(&w.desk).await.is_empty());
}

async fn a_scheduled_run_mails_once_and_schedules_the_next<S: Store>(store: S) {
    let w = world(store).await;
    let report = w
        .desk
        .create_report(w.boss, settings("Daily"))
        .await
        .unwrap();
    // Run now (by hand) gives one table per statistic, in the report's order.
    let output = w.desk.run_report(w.viewer, report.id).await.unwrap();
    let numbers: Vec<u32> = output.tables.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [10009, 10002]);

    let job = pending_runs(&w.desk).await.remove(0);
    w.clock.set(job.run_at);
    let run = w.desk.prepare_report_run(&job).await.unwrap().unwrap();
    assert_eq!(run.due, job.run_at);
    assert_eq!(run.message_id, "<report.1.20260302T070000Z@localhost>");
    assert_eq!(run.output.tables.len(), 2);
    let message = w
        .desk
        .deliver_report_run(&run, b"%PDF-1.7 fake".to_vec())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(message.message_id.as_deref(), Some(run.message_id.as_str()));
    assert_eq!(message.to, "boss@example.org, Ann <ann@example.org>");
    assert_eq!(message.subject, "Daily report");
    assert_eq!(message.attachments.len(), 1);
    assert_eq!(message.attachments[0].content_type, "application/pdf");
    assert_eq!(
        message.attachments[0].filename,
        "Daily_2026-03-02_08-00.pdf"
    );
    // A retry finds the mail queued and does nothing; delivering again queues nothing more.
    assert_eq!(w.desk.prepare_report_run(&job).await.unwrap(), None);
    w.desk
        .deliver_report_run(&run, b"%PDF-1.7 other".to_vec())
        .await
        .unwrap();
    let mut tx = w.desk.store().begin_read().await.unwrap();
    let queued = tx.pending_messages(10).await.unwrap();
    tx.rollback().await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(&*queued[0].attachments[0].content, b"%PDF-1.7 fake");
    // The next run is tomorrow at 08:00 Berlin time.
    let next = pending_runs(&w.desk).await;
    assert_eq!(next.len(), 1, "{next:?}");
    assert_eq!(next[0].run_at, utc(2026, 3, 3, 7, 0));
    // A job for a time the report no longer has does nothing.
    let mut stale = job.clone();
    stale.payload = stale.payload.replace("07:00:00Z", "07:05:00Z");
    assert_eq!(w.desk.prepare_report_run(&stale).await.unwrap(), None);
    // A job for a deleted report does nothing either, even when the report goes away while
    // its PDF is made.
    w.clock.set(next[0].run_at);
    let late = w.desk.prepare_report_run(&next[0]).await.unwrap().unwrap();
    w.desk.delete_report(w.boss, report.id).await.unwrap();
    assert_eq!(w.desk.prepare_report_run(&next[0]).await.unwrap(), None);
    assert_eq!(
        w.desk
            .deliver_report_run(&late, b"%PDF".to_vec())
            .await
            .unwrap(),
        None
    );
    assert!(pending_runs(&w.desk).await.is_empty());
    // A payload this version did not write fails for good.
    let mut foreign = job;
    foreign.payload = "{}".into();
    assert!(
        w.desk
            .prepare_report_run(&foreign)
            .await
            .unwrap_err()
            .permanent
    );
}

for_each_store!(
    reports_round_trip_and_refusals_change_nothing,
    the_store_refuses_duplicates_and_stale_versions,
    every_change_keeps_one_pending_run,
    a_scheduled_run_mails_once_and_schedules_the_next,
);
