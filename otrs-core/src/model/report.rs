//! Reports: statistics run together on a schedule and mailed as one PDF (the manual's
//! "Statistics and Reports", "Reports").
//!
//! A report names one or more statistics, the texts around their tables (headline, title,
//! preamble, epilogue), an e-mail (subject, body, recipients) and a [`ReportSchedule`]: none, a
//! basic choice (daily, weekly or monthly at a time of day) or a custom cron expression. Times of
//! a schedule are wall-clock times in the report's time zone; the next due time is computed with
//! the `croner` crate, which skips times that a DST change leaves out and runs a repeated hour
//! once.

use std::str::FromStr;

use chrono::{DateTime, Utc, Weekday};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

use crate::error::ValidationErrors;
use crate::ids::{AgentId, ReportId};
use crate::model::Validity;
use crate::stats::StatTable;

/// The languages a report can be generated in (only English so far).
pub const REPORT_LANGUAGES: [&str; 1] = ["en"];

/// Longest name, in characters.
pub const MAX_REPORT_NAME: usize = 200;
/// Longest description, preamble, epilogue or e-mail body, in characters.
pub const MAX_REPORT_TEXT: usize = 10_000;
/// Longest headline, title, caption or subject, in characters.
pub const MAX_REPORT_LINE: usize = 250;
/// Most statistics in one report.
pub const MAX_REPORT_STATS: usize = 50;
/// Most e-mail recipients of one report.
pub const MAX_REPORT_RECIPIENTS: usize = 50;

/// When a report is generated and mailed automatically.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ReportSchedule {
    /// Never: only "Run now".
    #[default]
    None,
    /// Every day at a time.
    Daily {
        /// Hour (0–23).
        hour: u32,
        /// Minute (0–59).
        minute: u32,
    },
    /// Every week on a weekday at a time.
    Weekly {
        /// The weekday.
        weekday: Weekday,
        /// Hour (0–23).
        hour: u32,
        /// Minute (0–59).
        minute: u32,
    },
    /// Every month on a day at a time.
    Monthly {
        /// Day of the month (1–28, so that every month has it).
        day: u32,
        /// Hour (0–23).
        hour: u32,
        /// Minute (0–59).
        minute: u32,
    },
    /// A cron expression of five fields (minute hour day-of-month month day-of-week).
    Cron(String),
}

/// The stored and CLI spelling of a weekday (`mon` … `sun`).
pub fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

/// Parses `mon` … `sun` or a full English name (any case).
pub fn weekday_from_name(name: &str) -> Option<Weekday> {
    let name = name.trim().to_ascii_lowercase();
    [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ]
    .into_iter()
    .find(|d| {
        let short = weekday_name(*d);
        name == short || (name.len() > 3 && name.starts_with(short) && full_name(*d) == name)
    })
}

fn full_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// Parses `HH:MM` (24-hour clock).
pub fn parse_time_of_day(text: &str) -> Option<(u32, u32)> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60 && text.trim().len() <= 5).then_some((h, m))
}

/// The five-field parser every schedule goes through (no seconds, no year: a report runs at
/// most once a minute).
fn cron_parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
}

impl ReportSchedule {
    /// `none`, `daily`, `weekly`, `monthly` or `cron`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            ReportSchedule::None => "none",
            ReportSchedule::Daily { .. } => "daily",
            ReportSchedule::Weekly { .. } => "weekly",
            ReportSchedule::Monthly { .. } => "monthly",
            ReportSchedule::Cron(_) => "cron",
        }
    }

    /// The stored text: `none`, `daily 08:00`, `weekly mon 08:00`, `monthly 1 08:00` or
    /// `cron 0 8 * * 1-5`. [`ReportSchedule::from_text`] reads it back.
    pub fn to_text(&self) -> String {
        match self {
            ReportSchedule::None => "none".into(),
            ReportSchedule::Daily { hour, minute } => format!("daily {hour:02}:{minute:02}"),
            ReportSchedule::Weekly {
                weekday,
                hour,
                minute,
            } => format!("weekly {} {hour:02}:{minute:02}", weekday_name(*weekday)),
            ReportSchedule::Monthly { day, hour, minute } => {
                format!("monthly {day} {hour:02}:{minute:02}")
            }
            ReportSchedule::Cron(expression) => format!("cron {}", expression.trim()),
        }
    }

    /// Reads text written by [`ReportSchedule::to_text`]; the message says what is wrong. The
    /// values are not range-checked here (see [`ReportSchedule::validate`]).
    pub fn from_text(text: &str) -> Result<ReportSchedule, String> {
        let text = text.trim();
        let (kind, rest) = text.split_once(' ').unwrap_or((text, ""));
        let rest = rest.trim();
        let time = |t: &str| {
            parse_time_of_day(t).ok_or_else(|| format!("{t:?} is not a time of day (HH:MM)"))
        };
        match kind {
            "none" if rest.is_empty() => Ok(ReportSchedule::None),
            "daily" => {
                let (hour, minute) = time(rest)?;
                Ok(ReportSchedule::Daily { hour, minute })
            }
            "weekly" => {
                let (day, at) = rest.split_once(' ').unwrap_or((rest, ""));
                let weekday = weekday_from_name(day)
                    .ok_or_else(|| format!("{day:?} is not a weekday (mon … sun)"))?;
                let (hour, minute) = time(at.trim())?;
                Ok(ReportSchedule::Weekly {
                    weekday,
                    hour,
                    minute,
                })
            }
            "monthly" => {
                let (day, at) = rest.split_once(' ').unwrap_or((rest, ""));
                let day = day
                    .parse()
                    .map_err(|_| format!("{day:?} is not a day of the month"))?;
                let (hour, minute) = time(at.trim())?;
                Ok(ReportSchedule::Monthly { day, hour, minute })
            }
            "cron" if !rest.is_empty() => Ok(ReportSchedule::Cron(rest.to_owned())),
            _ => Err(format!(
                "{text:?} is not a schedule (none, daily HH:MM, weekly DAY HH:MM, monthly N HH:MM \
                 or cron EXPRESSION)"
            )),
        }
    }

    /// The cron pattern the schedule runs on (`None` for no schedule).
    pub fn cron_pattern(&self) -> Option<String> {
        Some(match self {
            ReportSchedule::None => return None,
            ReportSchedule::Daily { hour, minute } => format!("{minute} {hour} * * *"),
            ReportSchedule::Weekly {
                weekday,
                hour,
                minute,
            } => format!("{minute} {hour} * * {}", weekday.num_days_from_sunday()),
            ReportSchedule::Monthly { day, hour, minute } => format!("{minute} {hour} {day} * *"),
            ReportSchedule::Cron(expression) => expression.trim().to_owned(),
        })
    }

    /// Checks the values, naming the field `schedule`.
    pub fn validate(&self, errors: &mut ValidationErrors) {
        let time_ok = |hour: u32, minute: u32| hour < 24 && minute < 60;
        match self {
            ReportSchedule::None => {}
            ReportSchedule::Daily { hour, minute }
            | ReportSchedule::Weekly { hour, minute, .. } => {
                if !time_ok(*hour, *minute) {
                    errors.add(
                        "schedule",
                        format!("{hour}:{minute:02} is not a time of day"),
                    );
                }
            }
            ReportSchedule::Monthly { day, hour, minute } => {
                if !(1..=28).contains(day) {
                    errors.add(
                        "schedule",
                        format!("day {day} must be 1 to 28 (every month has it)"),
                    );
                }
                if !time_ok(*hour, *minute) {
                    errors.add(
                        "schedule",
                        format!("{hour}:{minute:02} is not a time of day"),
                    );
                }
            }
            ReportSchedule::Cron(expression) => {
                if expression.chars().count() > 200 {
                    errors.add(
                        "schedule",
                        "the cron expression is longer than 200 characters",
                    );
                } else if let Err(e) = cron_parser().parse(expression) {
                    errors.add(
                        "schedule",
                        format!("{expression:?} is not a cron expression: {e}"),
                    );
                } else if self.next_after(DateTime::UNIX_EPOCH, Tz::UTC).is_none() {
                    // Without a year field, a pattern that matches once matches every year.
                    errors.add("schedule", format!("{expression:?} never matches a date"));
                }
            }
        }
    }

    /// The first time strictly after `after` that the schedule matches, reading its times of
    /// day in `tz`; `None` for no schedule (or a pattern that never matches).
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let pattern = self.cron_pattern()?;
        let cron: Cron = cron_parser().parse(&pattern).ok()?;
        cron.find_next_occurrence(&after.with_timezone(&tz), false)
            .ok()
            .map(|at| at.with_timezone(&Utc))
    }
}

impl FromStr for ReportSchedule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReportSchedule::from_text(s)
    }
}

/// A report's settings, as given to create or update one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportSettings {
    /// Name (unique).
    pub name: String,
    /// Description, shown in the report list.
    pub description: String,
    /// Only valid reports run on their schedule.
    pub validity: Validity,
    /// When it is generated and mailed automatically.
    pub schedule: ReportSchedule,
    /// The zone the schedule's times and the statistics' dates are read in.
    pub time_zone: Tz,
    /// The generation language (one of [`REPORT_LANGUAGES`]).
    pub language: String,
    /// Subject of the e-mail.
    pub email_subject: String,
    /// Body of the e-mail.
    pub email_body: String,
    /// Recipients of the e-mail.
    pub recipients: Vec<String>,
    /// Headline of the PDF.
    pub headline: String,
    /// Title of the PDF.
    pub title: String,
    /// Caption of the preamble.
    pub preamble_caption: String,
    /// Preamble text.
    pub preamble: String,
    /// Caption of the epilogue.
    pub epilogue_caption: String,
    /// Epilogue text.
    pub epilogue: String,
    /// The statistics, by number, in the order they appear.
    pub stat_numbers: Vec<u32>,
}

impl Default for ReportSettings {
    fn default() -> Self {
        ReportSettings {
            name: String::new(),
            description: String::new(),
            validity: Validity::Valid,
            schedule: ReportSchedule::None,
            time_zone: Tz::UTC,
            language: "en".into(),
            email_subject: String::new(),
            email_body: String::new(),
            recipients: Vec::new(),
            headline: String::new(),
            title: String::new(),
            preamble_caption: String::new(),
            preamble: String::new(),
            epilogue_caption: String::new(),
            epilogue: String::new(),
            stat_numbers: Vec::new(),
        }
    }
}

impl ReportSettings {
    /// Checks the settings on their own (the desk checks the statistics exist). Field names as
    /// in the API: `name`, `schedule`, `recipients[1]`, `stat_numbers`, ….
    pub fn validate(&self) -> ValidationErrors {
        let mut errors = ValidationErrors::new();
        errors.text("name", &self.name, 1, MAX_REPORT_NAME, false);
        errors.text("description", &self.description, 1, MAX_REPORT_TEXT, true);
        self.schedule.validate(&mut errors);
        if !REPORT_LANGUAGES.contains(&self.language.as_str()) {
            errors.add(
                "language",
                format!(
                    "{:?} is not available (available: {})",
                    self.language,
                    REPORT_LANGUAGES.join(", ")
                ),
            );
        }
        errors.text(
            "email_subject",
            &self.email_subject,
            0,
            MAX_REPORT_LINE,
            false,
        );
        errors.text("email_body", &self.email_body, 0, MAX_REPORT_TEXT, true);
        if self.recipients.len() > MAX_REPORT_RECIPIENTS {
            errors.add(
                "recipients",
                format!("may hold at most {MAX_REPORT_RECIPIENTS} addresses"),
            );
        }
        for (i, address) in self.recipients.iter().enumerate() {
            errors.email(&format!("recipients[{i}]"), address);
        }
        if self.schedule != ReportSchedule::None && self.recipients.is_empty() {
            errors.add(
                "recipients",
                "needs at least one address when the report has a schedule",
            );
        }
        for (field, value) in [
            ("headline", &self.headline),
            ("title", &self.title),
            ("preamble_caption", &self.preamble_caption),
            ("epilogue_caption", &self.epilogue_caption),
        ] {
            errors.text(field, value, 0, MAX_REPORT_LINE, false);
        }
        errors.text("preamble", &self.preamble, 0, MAX_REPORT_TEXT, true);
        errors.text("epilogue", &self.epilogue, 0, MAX_REPORT_TEXT, true);
        if self.stat_numbers.is_empty() {
            errors.add("stat_numbers", "needs at least one statistic");
        } else if self.stat_numbers.len() > MAX_REPORT_STATS {
            errors.add(
                "stat_numbers",
                format!("may hold at most {MAX_REPORT_STATS} statistics"),
            );
        }
        let mut seen = std::collections::BTreeSet::new();
        for n in &self.stat_numbers {
            if !seen.insert(*n) {
                errors.add("stat_numbers", format!("statistic {n} is named twice"));
            }
        }
        errors
    }
}

/// A stored report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Identity (assigned by the store).
    pub id: ReportId,
    /// The settings.
    pub settings: ReportSettings,
    /// Who created it.
    pub created_by: AgentId,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Optimistic-concurrency version.
    pub version: u64,
}

impl Report {
    /// When it is next due after `after`: `None` without a schedule or when it is not valid.
    pub fn next_due(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if !self.settings.validity.is_valid() {
            return None;
        }
        self.settings
            .schedule
            .next_after(after, self.settings.time_zone)
    }
}

/// What running a report produced: the report and one table per statistic, in its order. The
/// adapters lay it out (otrs-http renders the PDF).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOutput {
    /// The report as it was run.
    pub report: Report,
    /// When it ran.
    pub generated_at: DateTime<Utc>,
    /// One table per statistic.
    pub tables: Vec<StatTable>,
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn schedules_round_trip_through_their_text() {
        for schedule in [
            ReportSchedule::None,
            ReportSchedule::Daily { hour: 8, minute: 5 },
            ReportSchedule::Weekly {
                weekday: Weekday::Fri,
                hour: 17,
                minute: 30,
            },
            ReportSchedule::Monthly {
                day: 1,
                hour: 6,
                minute: 0,
            },
            ReportSchedule::Cron("0 8 * * 1-5".into()),
        ] {
            assert_eq!(
                ReportSchedule::from_text(&schedule.to_text()),
                Ok(schedule.clone())
            );
        }
        for bad in [
            "",
            "hourly",
            "daily 25",
            "weekly someday 08:00",
            "cron",
            "none x",
        ] {
            assert!(ReportSchedule::from_text(bad).is_err(), "{bad:?}");
        }
        assert_eq!(weekday_from_name("Monday"), Some(Weekday::Mon));
        assert_eq!(weekday_from_name("mo"), None);
    }

    #[test]
    fn basic_schedules_run_at_their_local_time() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let daily = ReportSchedule::Daily { hour: 8, minute: 0 };
        // 08:00 in Berlin is 07:00 UTC in winter and 06:00 UTC in summer.
        assert_eq!(
            daily.next_after(at("2026-03-02T07:00:00Z"), berlin),
            Some(at("2026-03-03T07:00:00Z"))
        );
        assert_eq!(
            daily.next_after(at("2026-03-28T12:00:00Z"), berlin),
            Some(at("2026-03-29T06:00:00Z"))
        );
        let weekly = ReportSchedule::Weekly {
            weekday: Weekday::Mon,
            hour: 9,
            minute: 30,
        };
        // 2026-03-04 is a Wednesday.
        assert_eq!(
            weekly.next_after(at("2026-03-04T00:00:00Z"), Tz::UTC),
            Some(at("2026-03-09T09:30:00Z"))
        );
        let monthly = ReportSchedule::Monthly {
            day: 1,
            hour: 0,
            minute: 0,
        };
        assert_eq!(
            monthly.next_after(at("2026-12-15T00:00:00Z"), Tz::UTC),
            Some(at("2027-01-01T00:00:00Z"))
        );
        assert_eq!(
            ReportSchedule::None.next_after(at("2026-01-01T00:00:00Z"), Tz::UTC),
            None
        );
    }

    #[test]
    fn a_time_that_dst_skips_runs_after_the_change() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // 02:30 does not exist in Berlin on 2026-03-29 (clocks jump from 02:00 to 03:00).
        let daily = ReportSchedule::Daily {
            hour: 2,
            minute: 30,
        };
        let next = daily
            .next_after(at("2026-03-28T12:00:00Z"), berlin)
            .unwrap();
        assert!(next > at("2026-03-29T00:00:00Z"), "{next}");
        assert!(next < at("2026-03-30T12:00:00Z"), "{next}");
        let local = next.with_timezone(&berlin);
        assert_eq!(local, berlin.from_utc_datetime(&next.naive_utc()));
    }

    #[test]
    fn cron_schedules_are_checked() {
        let mut errors = ValidationErrors::new();
        ReportSchedule::Cron("0 8 * * 1-5".into()).validate(&mut errors);
        assert!(errors.is_empty(), "{errors}");
        for bad in [
            "61 * * * *",
            "* * *",
            "0 0 0 * * * *",
            "0 8 30 2 *",
            "every day",
        ] {
            let mut errors = ValidationErrors::new();
            ReportSchedule::Cron(bad.into()).validate(&mut errors);
            assert_eq!(errors.0.len(), 1, "{bad:?}: {errors}");
            assert_eq!(errors.0[0].field, "schedule");
        }
        let mut errors = ValidationErrors::new();
        ReportSchedule::Monthly {
            day: 31,
            hour: 8,
            minute: 0,
        }
        .validate(&mut errors);
        assert_eq!(errors.0.len(), 1);
    }

    #[test]
    fn settings_name_every_bad_field() {
        let settings = ReportSettings {
            name: String::new(),
            description: "d".into(),
            language: "de".into(),
            recipients: vec!["not an address".into()],
            schedule: ReportSchedule::Daily { hour: 8, minute: 0 },
            stat_numbers: vec![10001, 10001],
            ..ReportSettings::default()
        };
        let errors = settings.validate();
        let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            ["name", "language", "recipients[0]", "stat_numbers"]
        );
        let ok = ReportSettings {
            name: "Daily".into(),
            description: "For the management.".into(),
            stat_numbers: vec![10001],
            ..ReportSettings::default()
        };
        assert!(ok.validate().is_empty());
        let scheduled_without_recipients = ReportSettings {
            schedule: ReportSchedule::Daily { hour: 8, minute: 0 },
            ..ok
        };
        assert_eq!(
            scheduled_without_recipients.validate().0[0].field,
            "recipients"
        );
    }
}
