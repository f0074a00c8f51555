//! The scheduler: jobs, leases, retries, notifications, and e-mail once per Message-ID.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use otrs_core::block_on;
use otrs_core::desk::{ArticleInput, ArticleKind, JobError, JobOutcome, JobRunner, RetryPolicy};
use otrs_core::error::DeskError;
use otrs_core::ids::{JobId, NotificationId};
use otrs_core::model::{
    Job, JobFilter, JobState, NewAgentNotification, NewAttachment, NewJob, OutgoingMessage,
    Principal,
};
use otrs_core::store::{PageRequest, Store, StoreTx};
use proptest::prelude::*;

use crate::common::World;

const LEASE: i64 = 60;

fn lease() -> Duration {
    Duration::seconds(LEASE)
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        base: Duration::seconds(10),
        max_delay: Duration::seconds(300),
    }
}

/// Runs jobs by kind: `ok` succeeds, `flaky` fails transiently, `broken` fails permanently.
#[derive(Default)]
struct Runner {
    runs: Mutex<Vec<JobId>>,
}

impl JobRunner for Runner {
    fn run(&self, job: &Job) -> impl Future<Output = Result<(), JobError>> + Send {
        self.runs.lock().unwrap().push(job.id);
        std::future::ready(match job.kind.as_str() {
            "ok" => Ok(()),
            "flaky" => Err(JobError::transient("relay busy")),
            _ => Err(JobError::permanent("bad payload")),
        })
    }
}

impl Runner {
    fn runs(&self) -> Vec<JobId> {
        self.runs.lock().unwrap().clone()
    }
}

fn job(kind: &str, at: DateTime<Utc>) -> NewJob {
    NewJob::new(kind, r#"{"n":1}"#, at)
}

fn stored(w: &World, id: JobId) -> Job {
    block_on(w.desk.job(w.admin, id)).unwrap()
}

#[test]
fn only_admins_schedule_list_and_cancel_jobs() {
    let w = World::new();
    let now = w.desk.now();
    for who in [w.alice, w.lacey] {
        assert!(matches!(
            block_on(w.desk.schedule_job(who, job("ok", now))),
            Err(DeskError::PermissionDenied { .. })
        ));
        assert!(matches!(
            block_on(
                w.desk
                    .jobs(who, JobFilter::default(), PageRequest::first(10))
            ),
            Err(DeskError::PermissionDenied { .. })
        ));
    }
    let scheduled = block_on(w.desk.schedule_job(w.admin, job("ok", now))).unwrap();
    assert_eq!(scheduled.state, JobState::Pending);
    assert_eq!(scheduled.payload, r#"{"n":1}"#);
    assert!(matches!(
        block_on(w.desk.cancel_job(w.bob, scheduled.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        block_on(w.desk.job(w.bob, scheduled.id)),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert_eq!(stored(&w, scheduled.id).state, JobState::Pending);
    let page = block_on(
        w.desk
            .jobs(w.admin, JobFilter::default(), PageRequest::first(10)),
    )
    .unwrap();
    assert_eq!(page.total, 1);
}

#[test]
fn bad_jobs_are_refused_and_nothing_is_stored() {
    let w = World::new();
    let now = w.desk.now();
    let mut bad = job("ok", now);
    bad.payload = "not json".into();
    let Err(DeskError::Invalid(errors)) = block_on(w.desk.schedule_job(w.admin, bad)) else {
        panic!("accepted a payload that is not JSON");
    };
    assert_eq!(errors.0[0].field, "payload");
    let page = block_on(
        w.desk
            .jobs(w.admin, JobFilter::default(), PageRequest::first(10)),
    )
    .unwrap();
    assert_eq!(page.total, 0);
}

#[test]
fn due_jobs_run_in_order_and_future_ones_wait() {
    let w = World::new();
    let now = w.desk.now();
    let later = block_on(
        w.desk
            .schedule_job(w.admin, job("ok", now + Duration::hours(1))),
    )
    .unwrap();
    let second = block_on(
        w.desk
            .schedule_job(w.admin, job("ok", now - Duration::seconds(1))),
    )
    .unwrap();
    let first = block_on(
        w.desk
            .schedule_job(w.admin, job("ok", now - Duration::minutes(5))),
    )
    .unwrap();
    let runner = Runner::default();
    let report = block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    assert_eq!(report.done, 2);
    assert_eq!(runner.runs(), [first.id, second.id]);
    let done = stored(&w, first.id);
    assert_eq!(done.state, JobState::Done);
    assert_eq!(done.attempts, 1);
    assert_eq!(done.finished_at, Some(now));
    assert_eq!(done.lease_owner, None);
    assert_eq!(stored(&w, later.id).state, JobState::Pending);
    w.clock.advance(Duration::hours(1));
    let report = block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    assert_eq!(report.done, 1);
    assert_eq!(runner.runs().len(), 3, "nothing ran twice");
}

#[test]
fn failures_back_off_exponentially_then_fail() {
    let w = World::new();
    let now = w.desk.now();
    let mut flaky = job("flaky", now);
    flaky.max_attempts = 3;
    let flaky = block_on(w.desk.schedule_job(w.admin, flaky)).unwrap();
    let runner = Runner::default();
    let report = block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    assert_eq!(report.retried, 1);
    let after_one = stored(&w, flaky.id);
    assert_eq!(after_one.state, JobState::Pending);
    assert_eq!(after_one.run_at, now + Duration::seconds(10));
    assert_eq!(after_one.last_error.as_deref(), Some("relay busy"));
    // Not due yet.
    w.clock.advance(Duration::seconds(9));
    block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    assert_eq!(runner.runs().len(), 1);
    w.clock.advance(Duration::seconds(1));
    block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    let after_two = stored(&w, flaky.id);
    assert_eq!(after_two.run_at, w.desk.now() + Duration::seconds(20));
    w.clock.advance(Duration::seconds(20));
    let report = block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    assert_eq!(report.failed, 1);
    let failed = stored(&w, flaky.id);
    assert_eq!(failed.state, JobState::Failed);
    assert_eq!(failed.attempts, 3);
    assert!(failed.finished_at.is_some());
    w.clock.advance(Duration::days(1));
    block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    assert_eq!(runner.runs().len(), 3, "a failed job never runs again");

    let broken = block_on(w.desk.schedule_job(w.admin, job("broken", w.desk.now()))).unwrap();
    let report = block_on(w.desk.run_due_jobs("w1", lease(), &policy(), 10, &runner)).unwrap();
    assert_eq!(report.failed, 1);
    let broken = stored(&w, broken.id);
    assert_eq!((broken.state, broken.attempts), (JobState::Failed, 1));
}

#[test]
fn a_lease_keeps_other_workers_away_until_it_runs_out() {
    let w = World::new();
    let now = w.desk.now();
    let scheduled = block_on(w.desk.schedule_job(w.admin, job("ok", now))).unwrap();
    let held = block_on(w.desk.claim_job("w1", lease())).unwrap().unwrap();
    assert_eq!(held.id, scheduled.id);
    assert_eq!(held.lease_owner.as_deref(), Some("w1"));
    assert_eq!(held.lease_until, Some(now + lease()));
    w.clock.advance(lease());
    assert_eq!(
        block_on(w.desk.claim_job("w2", lease())).unwrap(),
        None,
        "the lease still holds at its last instant"
    );
    w.clock.advance(Duration::seconds(1));
    // w1 died: its lease ran out, and w2 takes the job over.
    let taken = block_on(w.desk.claim_job("w2", lease())).unwrap().unwrap();
    assert_eq!((taken.id, taken.attempts), (held.id, 2));
    assert_eq!(
        block_on(w.desk.complete_job("w1", &held)).unwrap(),
        JobOutcome::LeaseLost
    );
    assert_eq!(
        block_on(w.desk.complete_job("w2", &taken)).unwrap(),
        JobOutcome::Done
    );
    assert_eq!(stored(&w, held.id).state, JobState::Done);
}

#[test]
fn a_job_whose_workers_keep_dying_fails_after_its_attempts() {
    let w = World::new();
    let now = w.desk.now();
    let mut new = job("ok", now);
    new.max_attempts = 2;
    let scheduled = block_on(w.desk.schedule_job(w.admin, new)).unwrap();
    for worker in ["w1", "w2"] {
        assert!(
            block_on(w.desk.claim_job(worker, lease()))
                .unwrap()
                .is_some()
        );
        w.clock.advance(lease() + Duration::seconds(1));
    }
    assert_eq!(block_on(w.desk.claim_job("w3", lease())).unwrap(), None);
    let failed = stored(&w, scheduled.id);
    assert_eq!(failed.state, JobState::Failed);
    assert!(
        failed
            .last_error
            .unwrap()
            .contains("gave up after 2 attempts")
    );
}

#[test]
fn a_unique_key_replaces_the_pending_job() {
    let w = World::new();
    let now = w.desk.now();
    let first = block_on(w.desk.schedule_job(
        w.admin,
        job("ok", now + Duration::hours(2)).with_key("reminder:7"),
    ))
    .unwrap();
    let mut again = job("ok", now + Duration::hours(1)).with_key("reminder:7");
    again.payload = r#"{"n":2}"#.into();
    let second = block_on(w.desk.schedule_job(w.admin, again)).unwrap();
    assert_eq!(second.id, first.id, "replaced, not added");
    assert_eq!(second.payload, r#"{"n":2}"#);
    assert_eq!(second.run_at, now + Duration::hours(1));
    let other = block_on(
        w.desk
            .schedule_job(w.admin, job("ok", now).with_key("reminder:8")),
    )
    .unwrap();
    assert_ne!(other.id, first.id);
    let keyed = JobFilter {
        unique_key: Some("reminder:7".into()),
        ..JobFilter::default()
    };
    assert_eq!(
        block_on(w.desk.jobs(w.admin, keyed, PageRequest::first(10)))
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        block_on(w.desk.cancel_jobs(w.admin, "reminder:7")).unwrap(),
        1
    );
    assert_eq!(stored(&w, first.id).state, JobState::Cancelled);
    assert_eq!(stored(&w, other.id).state, JobState::Pending);
}

#[test]
fn a_retry_superseded_by_a_newer_job_with_its_key_is_cancelled() {
    let w = World::new();
    let now = w.desk.now();
    let old = block_on(
        w.desk
            .schedule_job(w.admin, job("flaky", now).with_key("k")),
    )
    .unwrap();
    let running = block_on(w.desk.claim_job("w1", lease())).unwrap().unwrap();
    // While it runs, the key is scheduled again: a new pending job (the running one is left alone).
    let newer = block_on(w.desk.schedule_job(w.admin, job("ok", now).with_key("k"))).unwrap();
    assert_ne!(newer.id, old.id);
    let outcome =
        block_on(
            w.desk
                .record_failure("w1", &running, &JobError::transient("x"), &policy()),
        )
        .unwrap();
    assert_eq!(outcome, JobOutcome::Superseded);
    assert_eq!(stored(&w, old.id).state, JobState::Cancelled);
    assert_eq!(stored(&w, newer.id).state, JobState::Pending);
}

#[test]
fn cancelling_stops_pending_and_running_jobs_only() {
    let w = World::new();
    let now = w.desk.now();
    let pending = block_on(
        w.desk
            .schedule_job(w.admin, job("ok", now + Duration::hours(1))),
    )
    .unwrap();
    let cancelled = block_on(w.desk.cancel_job(w.admin, pending.id)).unwrap();
    assert_eq!(cancelled.state, JobState::Cancelled);
    assert!(matches!(
        block_on(w.desk.cancel_job(w.admin, pending.id)),
        Err(DeskError::NotAllowed { .. })
    ));
    assert!(matches!(
        block_on(w.desk.cancel_job(w.admin, JobId(999))),
        Err(DeskError::NotFound { .. })
    ));
    let running = block_on(w.desk.schedule_job(w.admin, job("ok", now))).unwrap();
    let held = block_on(w.desk.claim_job("w1", lease())).unwrap().unwrap();
    assert_eq!(held.id, running.id);
    block_on(w.desk.cancel_job(w.admin, running.id)).unwrap();
    assert_eq!(
        block_on(w.desk.complete_job("w1", &held)).unwrap(),
        JobOutcome::LeaseLost
    );
    assert_eq!(stored(&w, running.id).state, JobState::Cancelled);
}

#[test]
fn a_released_job_is_due_again_at_once() {
    let w = World::new();
    let now = w.desk.now();
    block_on(w.desk.schedule_job(w.admin, job("ok", now))).unwrap();
    let held = block_on(w.desk.claim_job("w1", lease())).unwrap().unwrap();
    assert!(
        matches!(block_on(w.desk.release_job("w1", &held)).unwrap(), JobOutcome::Retry(at) if at == now)
    );
    let again = block_on(w.desk.claim_job("w2", lease())).unwrap().unwrap();
    assert_eq!((again.id, again.attempts), (held.id, 2));
}

#[test]
fn jobs_scheduled_inside_a_command_roll_back_with_it() {
    let w = World::new();
    let now = w.desk.now();
    {
        let mut tx = block_on(w.desk.store().begin()).unwrap();
        block_on(w.desk.schedule_job_tx(&mut tx, &job("ok", now))).unwrap();
        block_on(tx.rollback()).unwrap();
    }
    let page = block_on(
        w.desk
            .jobs(w.admin, JobFilter::default(), PageRequest::first(10)),
    )
    .unwrap();
    assert_eq!(page.total, 0);
    let mut tx = block_on(w.desk.store().begin()).unwrap();
    block_on(w.desk.schedule_job_tx(&mut tx, &job("ok", now))).unwrap();
    block_on(tx.commit()).unwrap();
    let page = block_on(
        w.desk
            .jobs(w.admin, JobFilter::default(), PageRequest::first(10)),
    )
    .unwrap();
    assert_eq!(page.total, 1);
}

#[test]
fn finished_jobs_are_purged_after_the_retention() {
    let w = World::new();
    let now = w.desk.now();
    let done = block_on(w.desk.schedule_job(w.admin, job("ok", now))).unwrap();
    let waiting = block_on(
        w.desk
            .schedule_job(w.admin, job("ok", now + Duration::days(30))),
    )
    .unwrap();
    block_on(
        w.desk
            .run_due_jobs("w1", lease(), &policy(), 10, &Runner::default()),
    )
    .unwrap();
    w.clock.advance(Duration::days(8));
    assert!(matches!(
        block_on(w.desk.purge_jobs(w.alice, Duration::days(7))),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert_eq!(
        block_on(w.desk.purge_jobs(Principal::SYSTEM, Duration::days(7))).unwrap(),
        1
    );
    assert!(matches!(
        block_on(w.desk.job(w.admin, done.id)),
        Err(DeskError::NotFound { .. })
    ));
    assert_eq!(stored(&w, waiting.id).state, JobState::Pending);
}

fn note(title: &str) -> NewAgentNotification {
    NewAgentNotification {
        title: title.into(),
        body: "Starts in 15 minutes.".into(),
        link: Some("/agent/calendar".into()),
        dedup_key: None,
    }
}

#[test]
fn agents_see_only_their_own_notifications_newest_first() {
    let w = World::new();
    let alice = World::agent_id(w.alice);
    let bob = World::agent_id(w.bob);
    for title in ["one", "two", "three"] {
        block_on(w.desk.notify_agent(Principal::SYSTEM, alice, note(title))).unwrap();
        w.clock.advance(Duration::minutes(1));
    }
    let bobs = block_on(w.desk.notify_agent(Principal::SYSTEM, bob, note("for bob"))).unwrap();
    assert!(matches!(
        block_on(w.desk.notify_agent(w.alice, bob, note("spoof"))),
        Err(DeskError::PermissionDenied { .. })
    ));
    let list = block_on(w.desk.agent_notifications(w.alice, 2)).unwrap();
    let titles: Vec<&str> = list.items.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["three", "two"]);
    assert_eq!(list.unseen, 3);
    // Marking bob's notification through alice changes nothing of bob's.
    let marked = block_on(
        w.desk
            .mark_notifications_seen(w.alice, Some(vec![list.items[0].id, bobs.id])),
    )
    .unwrap();
    assert_eq!(marked, 1);
    assert_eq!(
        block_on(w.desk.agent_notifications(w.alice, 10))
            .unwrap()
            .unseen,
        2
    );
    assert_eq!(
        block_on(w.desk.agent_notifications(w.bob, 10))
            .unwrap()
            .unseen,
        1
    );
    assert_eq!(
        block_on(w.desk.mark_notifications_seen(w.alice, None)).unwrap(),
        2
    );
    let all = block_on(w.desk.agent_notifications(w.alice, 10)).unwrap();
    assert_eq!(all.unseen, 0);
    assert!(all.items.iter().all(|n| n.seen_at.is_some()));
    assert!(matches!(
        block_on(w.desk.agent_notifications(w.lacey, 10)),
        Err(DeskError::PermissionDenied { .. })
    ));
    assert!(matches!(
        block_on(w.desk.agent_notifications(w.alice, 0)),
        Err(DeskError::Invalid(_))
    ));
    assert!(matches!(
        block_on(
            w.desk
                .mark_notifications_seen(w.alice, Some(vec![NotificationId(424242)]))
        ),
        Ok(0)
    ));
}

#[test]
fn a_dedup_key_notifies_once() {
    let w = World::new();
    let alice = World::agent_id(w.alice);
    let keyed = NewAgentNotification {
        dedup_key: Some("appointment:1:reminder".into()),
        ..note("Meeting")
    };
    let first = block_on(w.desk.notify_agent(Principal::SYSTEM, alice, keyed.clone())).unwrap();
    let again = block_on(w.desk.notify_agent(Principal::SYSTEM, alice, keyed.clone())).unwrap();
    assert_eq!(first.id, again.id);
    // The same key for another agent is another notification.
    let bobs = block_on(
        w.desk
            .notify_agent(Principal::SYSTEM, World::agent_id(w.bob), keyed),
    )
    .unwrap();
    assert_ne!(bobs.id, first.id);
    assert_eq!(
        block_on(w.desk.agent_notifications(w.alice, 10))
            .unwrap()
            .items
            .len(),
        1
    );
}

fn mail(message_id: Option<&str>) -> OutgoingMessage {
    let mut mail = OutgoingMessage::pending(
        "",
        "boss@example.org",
        "Report",
        "Attached.",
        DateTime::UNIX_EPOCH,
    );
    mail.message_id = message_id.map(str::to_owned);
    mail.attachments = vec![otrs_core::model::OutgoingAttachment {
        filename: "report.pdf".into(),
        content_type: "application/pdf".into(),
        content: b"%PDF-1.7".as_slice().into(),
    }];
    mail
}

#[test]
fn a_message_id_is_queued_once() {
    let w = World::new();
    let first = block_on(w.desk.queue_message(
        Principal::SYSTEM,
        mail(Some("<report.1@example.org>")),
        "x",
    ))
    .unwrap();
    let again = block_on(w.desk.queue_message(
        Principal::SYSTEM,
        mail(Some("<report.1@example.org>")),
        "x",
    ))
    .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(first.from, w.desk.config().system_address);
    assert_eq!(first.attachments.len(), 1);
    let generated = block_on(
        w.desk
            .queue_message(Principal::SYSTEM, mail(None), "report.2"),
    )
    .unwrap();
    assert_eq!(
        generated.message_id.as_deref(),
        Some("<report.2@localhost>")
    );
    let mut tx = block_on(w.desk.store().begin_read()).unwrap();
    let pending = block_on(tx.pending_messages(10)).unwrap();
    assert_eq!(pending.len(), 2);
    drop(tx);
    assert!(matches!(
        block_on(w.desk.queue_message(w.alice, mail(None), "x")),
        Err(DeskError::PermissionDenied { .. })
    ));
    let mut bad = mail(Some("no brackets"));
    bad.to = "not an address".into();
    let Err(DeskError::Invalid(errors)) =
        block_on(w.desk.queue_message(Principal::SYSTEM, bad, "x"))
    else {
        panic!("accepted a bad message");
    };
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["message_id", "to"]);
}

#[test]
fn article_email_carries_a_stable_message_id_and_its_attachments() {
    let w = World::new();
    let t = w.ticket("with file");
    let mut reply = ArticleInput::new(ArticleKind::EmailOutbound, "Re: file", "See attached");
    reply.attachments = vec![NewAttachment {
        filename: "log.txt".into(),
        content_type: "text/plain".into(),
        content: b"line".as_slice().into(),
        content_id: None,
        inline: false,
    }];
    let article = block_on(w.desk.add_article(w.alice, t.id, reply)).unwrap();
    let mut tx = block_on(w.desk.store().begin_read()).unwrap();
    let queued = block_on(tx.pending_messages(10)).unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].message_id.as_deref(),
        Some(format!("<ticket.{}.article.{}@localhost>", t.number, article.id).as_str())
    );
    assert_eq!(queued[0].attachments[0].filename, "log.txt");
    assert_eq!(&*queued[0].attachments[0].content, b"line");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn retry_delays_are_monotonic_and_bounded(base in 0i64..10_000, cap in 0i64..1_000_000, attempts in 1u32..200) {
        let policy = RetryPolicy { base: Duration::seconds(base), max_delay: Duration::seconds(cap) };
        let mut previous = Duration::zero();
        for attempt in 1..=attempts {
            let delay = policy.delay(attempt);
            prop_assert!(delay >= previous, "attempt {attempt}: {delay} < {previous}");
            prop_assert!(delay <= Duration::seconds(cap));
            prop_assert!(delay >= Duration::zero());
            previous = delay;
        }
        prop_assert_eq!(policy.delay(1), Duration::seconds(base.min(cap)));
    }

    /// Random claims, completions, clock steps and schedules by three workers: a claimed job is
    /// never handed to a second worker while the first one's lease holds, and every job is done
    /// in the end.
    #[test]
    fn a_job_is_never_claimed_twice_while_its_lease_holds(
        steps in proptest::collection::vec((0u8..4, 0usize..3, 0i64..90), 1..60),
    ) {
        let w = World::new();
        let workers = ["w1", "w2", "w3"];
        let mut held: HashMap<JobId, (usize, DateTime<Utc>, Job)> = HashMap::new();
        let mut scheduled = Vec::new();
        for (op, worker, amount) in steps {
            let now = w.desk.now();
            match op {
                0 => {
                    let mut new = job("ok", now + Duration::seconds(amount % 10));
                    new.max_attempts = 100;
                    scheduled.push(block_on(w.desk.schedule_job(w.admin, new)).unwrap().id);
                }
                1 => {
                    if let Some(claimed) = block_on(w.desk.claim_job(workers[worker], lease())).unwrap() {
                        if let Some((other, until, _)) = held.get(&claimed.id) {
                            prop_assert!(*until < now, "job {} taken from {} while its lease held", claimed.id, workers[*other]);
                        }
                        held.insert(claimed.id, (worker, now + lease(), claimed));
                    }
                }
                2 => {
                    let mine: Vec<Job> = held.values().filter(|(o, _, _)| *o == worker).map(|(_, _, j)| j.clone()).collect();
                    for j in mine {
                        let outcome = block_on(w.desk.complete_job(workers[worker], &j)).unwrap();
                        let (_, until, _) = held[&j.id];
                        if until >= now {
                            prop_assert_eq!(outcome, JobOutcome::Done);
                        }
                        held.remove(&j.id);
                    }
                }
                _ => w.clock.advance(Duration::seconds(amount)),
            }
        }
        // Everything still open finishes once the clock moves past every lease.
        w.clock.advance(Duration::hours(1));
        block_on(w.desk.run_due_jobs("final", lease(), &policy(), 1000, &Runner::default())).unwrap();
        for id in scheduled {
            let j = stored(&w, id);
            prop_assert!(j.state == JobState::Done, "job {} is {:?}", id, j.state);
        }
    }
}
