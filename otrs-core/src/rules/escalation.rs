//! Escalation deadlines: when a ticket must have its first response, its next update and its
//! solution, counted in working time.
//!
//! The targets are the queue's, in minutes (0 = none). All additions happen in the working time
//! of a [`WorkingCalendar`] (by default Monday to Friday, 08:00 to 21:00, with the usual holidays
//! off), in its time zone, hour slot by hour slot, so that DST changes and holidays are counted
//! as a person at the desk would count them. Closed, merged and removed tickets never escalate.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;

use crate::model::{SenderType, StateType};

/// Working hours: which hours of which weekdays count, the days off, and the zone they are in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkingCalendar {
    /// The zone the hours are read in.
    pub time_zone: Tz,
    /// Per weekday (Monday first), bit `h` set when the hour `h:00–h+1:00` is working time.
    pub hours: [u32; 7],
    /// Days off every year, as (month, day).
    pub days_off: Vec<(u32, u32)>,
}

impl WorkingCalendar {
    /// The standard calendar: Monday to Friday 08:00–21:00, and 1 January, 1 May, 24–26 and
    /// 31 December off.
    pub fn standard(time_zone: Tz) -> WorkingCalendar {
        let day = (8..=20).fold(0u32, |bits, h| bits | 1 << h);
        WorkingCalendar {
            time_zone,
            hours: [day, day, day, day, day, 0, 0],
            days_off: vec![(1, 1), (5, 1), (12, 24), (12, 25), (12, 26), (12, 31)],
        }
    }

    /// A calendar where every hour counts (for tests and round-the-clock desks).
    pub fn always(time_zone: Tz) -> WorkingCalendar {
        WorkingCalendar {
            time_zone,
            hours: [u32::MAX >> 8; 7],
            days_off: Vec::new(),
        }
    }

    fn is_day_off(&self, date: NaiveDate) -> bool {
        self.days_off
            .iter()
            .any(|&(m, d)| date.month() == m && date.day() == d)
    }

    /// Whether the instant lies in working time, and when its hour slot ends.
    fn slot(&self, at: DateTime<Utc>) -> (bool, DateTime<Utc>) {
        let local = at.with_timezone(&self.time_zone);
        let into_hour = i64::from(local.minute()) * 60 + i64::from(local.second());
        let end = at - Duration::nanoseconds(i64::from(local.nanosecond() % 1_000_000_000))
            + Duration::seconds(3600 - into_hour);
        let weekday = local.weekday().num_days_from_monday() as usize;
        let working =
            self.hours[weekday] & (1 << local.hour()) != 0 && !self.is_day_off(local.date_naive());
        (working, end)
    }

    /// Whether the calendar has any working time at all.
    fn has_working_time(&self) -> bool {
        self.hours.iter().any(|&h| h & 0x00FF_FFFF != 0) && self.days_off.len() < 366
    }

    /// The instant `minutes` of working time after `start` (`None` for a calendar without
    /// working time).
    pub fn add(&self, start: DateTime<Utc>, minutes: u32) -> Option<DateTime<Utc>> {
        if !self.has_working_time() {
            return None;
        }
        let mut remaining = i64::from(minutes) * 60;
        let mut at = start;
        // Every working week has a working hour, so this ends; the bound only guards a
        // calendar whose days off swallow every working weekday.
        let limit = start + Duration::days(i64::from(minutes) / 60 + 800);
        loop {
            let (working, end) = self.slot(at);
            if working {
                let span = (end - at).num_seconds();
                if span >= remaining {
                    return Some(at + Duration::seconds(remaining));
                }
                remaining -= span;
            }
            at = end;
            if at > limit {
                return None;
            }
        }
    }

    /// The working seconds between two instants (0 when `to` is not after `from`).
    pub fn working_seconds(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> i64 {
        let mut total = 0;
        let mut at = from;
        while at < to {
            let (working, end) = self.slot(at);
            let end = end.min(to);
            if working {
                total += (end - at).num_seconds();
            }
            at = end;
        }
        total
    }
}

/// A queue's escalation targets, in minutes of working time (0 = none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EscalationTargets {
    /// Until the first answer visible to the customer.
    pub first_response_minutes: u32,
    /// Until the next answer after the customer's last message.
    pub update_minutes: u32,
    /// Until the ticket is closed.
    pub solution_minutes: u32,
}

impl EscalationTargets {
    /// True when no target is set.
    pub fn is_empty(&self) -> bool {
        self.first_response_minutes == 0 && self.update_minutes == 0 && self.solution_minutes == 0
    }
}

/// A ticket's escalation deadlines (`None` = no deadline).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Escalation {
    /// The first response is due.
    pub first_response: Option<DateTime<Utc>>,
    /// The next update is due.
    pub update: Option<DateTime<Utc>>,
    /// The solution is due.
    pub solution: Option<DateTime<Utc>>,
}

/// Which deadline an escalation time belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EscalationKind {
    /// First response.
    FirstResponse,
    /// Update.
    Update,
    /// Solution.
    Solution,
}

impl EscalationKind {
    /// The label shown to agents.
    pub const fn label(self) -> &'static str {
        match self {
            EscalationKind::FirstResponse => "First Response Time",
            EscalationKind::Update => "Update Time",
            EscalationKind::Solution => "Solution Time",
        }
    }
}

impl Escalation {
    /// True when the ticket has no deadline.
    pub fn is_none(&self) -> bool {
        self.first_response.is_none() && self.update.is_none() && self.solution.is_none()
    }

    /// The earliest deadline and which one it is.
    pub fn earliest(&self) -> Option<(EscalationKind, DateTime<Utc>)> {
        [
            (EscalationKind::FirstResponse, self.first_response),
            (EscalationKind::Update, self.update),
            (EscalationKind::Solution, self.solution),
        ]
        .into_iter()
        .filter_map(|(kind, at)| at.map(|at| (kind, at)))
        .min_by_key(|&(_, at)| at)
    }
}

/// What escalation needs to know of an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleFacts {
    /// Who wrote it.
    pub sender: SenderType,
    /// Whether the customer can see it.
    pub visible_for_customer: bool,
    /// When it was written.
    pub created_at: DateTime<Utc>,
}

/// What escalation needs to know of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts {
    /// When the ticket was created.
    pub created_at: DateTime<Utc>,
    /// The type of its state now.
    pub state_type: StateType,
    /// Whether it has ever been in a closed state (reopening does not restart the solution
    /// time).
    pub ever_closed: bool,
}

/// The deadlines of a ticket, given its articles (in any order).
pub fn deadlines(
    ticket: TicketFacts,
    articles: &[ArticleFacts],
    targets: EscalationTargets,
    calendar: &WorkingCalendar,
) -> Escalation {
    if matches!(
        ticket.state_type,
        StateType::Closed | StateType::Merged | StateType::Removed
    ) {
        return Escalation::default();
    }
    let answered = articles
        .iter()
        .any(|a| a.sender == SenderType::Agent && a.visible_for_customer);
    let first_response = (targets.first_response_minutes > 0 && !answered)
        .then(|| calendar.add(ticket.created_at, targets.first_response_minutes))
        .flatten();
    let pending = matches!(
        ticket.state_type,
        StateType::PendingReminder | StateType::PendingAuto
    );
    let update = (targets.update_minutes > 0 && !pending)
        .then(|| update_base(articles))
        .flatten()
        .and_then(|base| calendar.add(base, targets.update_minutes));
    let solution = (targets.solution_minutes > 0 && !ticket.ever_closed)
        .then(|| calendar.add(ticket.created_at, targets.solution_minutes))
        .flatten();
    Escalation {
        first_response,
        update,
        solution,
    }
}

/// Where the update time counts from: the newest agent answer, or, when the customer wrote
/// last, the first of the customer's unanswered messages.
fn update_base(articles: &[ArticleFacts]) -> Option<DateTime<Utc>> {
    let mut relevant: Vec<&ArticleFacts> = articles
        .iter()
        .filter(|a| a.visible_for_customer && a.sender != SenderType::System)
        .collect();
    relevant.sort_by_key(|a| a.created_at);
    let newest = relevant.last()?;
    if newest.sender == SenderType::Agent {
        return Some(newest.created_at);
    }
    relevant
        .iter()
        .rev()
        .take_while(|a| a.sender == SenderType::Customer)
        .last()
        .map(|a| a.created_at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn berlin() -> Tz {
        "Europe/Berlin".parse().unwrap()
    }

    fn at(tz: Tz, y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        tz.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn adds_within_a_day_and_across_nights_and_weekends() {
        let cal = WorkingCalendar::standard(berlin());
        let tz = berlin();
        // Wednesday 10:00 + 2 h = 12:00.
        assert_eq!(
            cal.add(at(tz, 2026, 3, 4, 10, 0), 120),
            Some(at(tz, 2026, 3, 4, 12, 0))
        );
        // Wednesday 20:30 + 60 min: 30 min today, 30 tomorrow from 08:00.
        assert_eq!(
            cal.add(at(tz, 2026, 3, 4, 20, 30), 60),
            Some(at(tz, 2026, 3, 5, 8, 30))
        );
        // Friday 20:00 + 2 h: 1 h Friday, then Monday 08:00–09:00.
        assert_eq!(
            cal.add(at(tz, 2026, 3, 6, 20, 0), 120),
            Some(at(tz, 2026, 3, 9, 9, 0))
        );
        // Saturday night counts from Monday 08:00.
        assert_eq!(
            cal.add(at(tz, 2026, 3, 7, 23, 15), 30),
            Some(at(tz, 2026, 3, 9, 8, 30))
        );
    }

    #[test]
    fn holidays_and_dst_changes_count_as_a_person_would() {
        let tz = berlin();
        let cal = WorkingCalendar::standard(tz);
        // Thursday 24 December 2026: 24, 25 Dec off, weekend, 28 Dec is Monday.
        assert_eq!(
            cal.add(at(tz, 2026, 12, 23, 20, 0), 90),
            Some(at(tz, 2026, 12, 28, 8, 30))
        );
        // Across the spring-forward night (29 March 2026) a working day is still 13 hours.
        let cal = WorkingCalendar::always(tz);
        let before = at(tz, 2026, 3, 29, 1, 0);
        assert_eq!(
            cal.add(before, 120),
            Some(before + Duration::hours(2)),
            "always-working time is plain elapsed time"
        );
        let cal = WorkingCalendar::standard(tz);
        assert_eq!(
            cal.working_seconds(at(tz, 2026, 3, 27, 0, 0), at(tz, 2026, 3, 31, 0, 0)),
            2 * 13 * 3600
        );
    }

    #[test]
    fn a_calendar_without_working_time_has_no_deadline() {
        let mut cal = WorkingCalendar::standard(Tz::UTC);
        cal.hours = [0; 7];
        assert_eq!(
            cal.add(Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(), 10),
            None
        );
    }

    fn article(sender: SenderType, visible: bool, minute: i64) -> ArticleFacts {
        ArticleFacts {
            sender,
            visible_for_customer: visible,
            created_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
                + Duration::minutes(minute),
        }
    }

    fn open(ever_closed: bool) -> TicketFacts {
        TicketFacts {
            created_at: Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap(),
            state_type: StateType::Open,
            ever_closed,
        }
    }

    const TARGETS: EscalationTargets = EscalationTargets {
        first_response_minutes: 60,
        update_minutes: 120,
        solution_minutes: 480,
    };

    #[test]
    fn the_first_visible_agent_answer_ends_the_first_response_time() {
        let cal = WorkingCalendar::always(Tz::UTC);
        let customer = [article(SenderType::Customer, true, 0)];
        let e = deadlines(open(false), &customer, TARGETS, &cal);
        assert_eq!(
            e.first_response,
            Some(open(false).created_at + Duration::hours(1))
        );
        // An internal note is no answer.
        let noted = [customer[0], article(SenderType::Agent, false, 10)];
        assert!(
            deadlines(open(false), &noted, TARGETS, &cal)
                .first_response
                .is_some()
        );
        let answered = [customer[0], article(SenderType::Agent, true, 10)];
        assert_eq!(
            deadlines(open(false), &answered, TARGETS, &cal).first_response,
            None
        );
    }

    #[test]
    fn the_update_time_counts_from_the_first_unanswered_customer_message() {
        let cal = WorkingCalendar::always(Tz::UTC);
        let arts = [
            article(SenderType::Customer, true, 0),
            article(SenderType::Agent, true, 10),
            article(SenderType::Customer, true, 20),
            article(SenderType::System, true, 25),
            article(SenderType::Customer, true, 30),
        ];
        let e = deadlines(open(false), &arts, TARGETS, &cal);
        assert_eq!(e.update, Some(arts[2].created_at + Duration::hours(2)));
        let answered = [arts[0], arts[1]];
        let e = deadlines(open(false), &answered, TARGETS, &cal);
        assert_eq!(e.update, Some(arts[1].created_at + Duration::hours(2)));
        assert_eq!(deadlines(open(false), &[], TARGETS, &cal).update, None);
        let pending = TicketFacts {
            state_type: StateType::PendingReminder,
            ..open(false)
        };
        assert_eq!(deadlines(pending, &arts, TARGETS, &cal).update, None);
    }

    #[test]
    fn closing_ends_everything_and_the_solution_time_never_restarts() {
        let cal = WorkingCalendar::always(Tz::UTC);
        let arts = [article(SenderType::Customer, true, 0)];
        for closed in [StateType::Closed, StateType::Merged, StateType::Removed] {
            let t = TicketFacts {
                state_type: closed,
                ..open(true)
            };
            assert!(deadlines(t, &arts, TARGETS, &cal).is_none());
        }
        let reopened = deadlines(open(true), &arts, TARGETS, &cal);
        assert_eq!(reopened.solution, None);
        assert!(reopened.first_response.is_some());
        let e = deadlines(open(false), &arts, TARGETS, &cal);
        assert_eq!(
            e.earliest().map(|(k, _)| k),
            Some(EscalationKind::FirstResponse)
        );
        assert!(deadlines(open(false), &arts, EscalationTargets::default(), &cal).is_none());
    }

    proptest! {
        /// Adding working minutes lands on an instant whose working distance from the start is
        /// exactly those minutes, and adding more never lands earlier.
        #[test]
        fn adding_and_measuring_agree(
            start in 1_700_000_000i64..1_900_000_000,
            minutes in 0u32..20_000,
            more in 0u32..2_000,
            zone in prop::sample::select(vec!["Europe/Berlin", "America/New_York", "Asia/Kolkata", "UTC"]),
        ) {
            let cal = WorkingCalendar::standard(zone.parse().unwrap());
            let start = DateTime::from_timestamp(start, 0).unwrap();
            let due = cal.add(start, minutes).unwrap();
            prop_assert_eq!(cal.working_seconds(start, due), i64::from(minutes) * 60);
            prop_assert!(cal.add(start, minutes + more).unwrap() >= due);
        }
    }
}
