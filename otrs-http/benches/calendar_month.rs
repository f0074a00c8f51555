//! Rendering the Calendar Overview's month grid with 1,000 appointments (target: under 20 ms),
//! beside a baseline in the same run: the same 1,000 titles rendered by maud as a bare list.
//!
//! The appointments are 900 single ones spread over March 2026 in three zones and 5 weekly
//! series of 20 occurrences (100 more in the month's grid); the measured step expands the rows
//! into the window's occurrences (`expand_rows`, as the desk does after reading them) and
//! renders the grid (`ViewData::render`), which places each occurrence on its days in the
//! agent's zone and writes its chip with tooltip and repeat information.
//!
//! Run with `cargo bench -p otrs-http --bench calendar_month`.

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{Criterion, criterion_group, criterion_main};
use otrs_core::desk::expand_rows;
use otrs_core::ids::{AppointmentId, CalendarId, GroupId};
use otrs_core::model::{Appointment, Calendar, Principal, Validity};
use otrs_http::i18n::Language;
use otrs_http::ui::calendar::{View, ViewData, utc_window};

fn rows() -> (Vec<Calendar>, Vec<Appointment>) {
    let now = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let calendars: Vec<Calendar> = (1..=4)
        .map(|i| Calendar {
            id: CalendarId(i),
            name: format!("Team {i}"),
            color: format!("#{:02X}6F8F", i * 40),
            group_id: GroupId::USERS,
            validity: Validity::Valid,
            feed_token: String::new(),
            created_at: now,
            changed_at: now,
            changed_by: Principal::SYSTEM,
            version: 1,
        })
        .collect();
    let zones: [Tz; 3] = [
        chrono_tz::UTC,
        chrono_tz::Europe::Budapest,
        chrono_tz::America::New_York,
    ];
    let day0 = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let mut out = Vec::new();
    for i in 0..905u64 {
        let series = i >= 900;
        let start = (day0 + Duration::days(i64::try_from(i % 31).unwrap()))
            .and_hms_opt(
                u32::try_from(7 + i % 10).unwrap(),
                u32::try_from(i % 4 * 15).unwrap(),
                0,
            )
            .unwrap();
        let tz = zones[usize::try_from(i % 3).unwrap()];
        let mut a = Appointment {
            id: AppointmentId(i + 1),
            calendar_id: CalendarId(i % 4 + 1),
            uid: format!("bench-{i}@otrs"),
            title: format!("Customer visit number {i} & follow-up"),
            description: String::new(),
            location: if i % 5 == 0 {
                "Room 4".into()
            } else {
                String::new()
            },
            all_day: i % 50 == 0,
            start,
            end: start + Duration::minutes(45),
            time_zone: tz,
            rrule: None,
            exdates: Vec::new(),
            parent_id: None,
            recurrence_id: None,
            notify_minutes_before: None,
            first_start_utc: now,
            last_end_utc: None,
            created_at: now,
            created_by: Principal::SYSTEM,
            changed_at: now,
            changed_by: Principal::SYSTEM,
            version: 1,
        };
        if a.all_day {
            a.start = start.date().and_hms_opt(0, 0, 0).unwrap();
            a.end = a.start + Duration::days(1);
        }
        if series {
            // Every weekday, 20 times: 20 occurrences each, all inside the grid.
            a.start = day0.and_hms_opt(9, 0, 0).unwrap();
            a.end = a.start + Duration::minutes(30);
            a.rrule = Some("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20".into());
        }
        out.push(a);
    }
    (calendars, out)
}

fn bench(c: &mut Criterion) {
    let (calendars, rows) = rows();
    let tz = chrono_tz::Europe::Berlin;
    let date = NaiveDate::from_ymd_opt(2026, 3, 15).unwrap();
    let (first, end) = View::Month.days(date);
    let (from, to) = utc_window(tz, first, end);
    let occurrences = expand_rows(rows.clone(), from, to).unwrap();
    assert_eq!(occurrences.len(), 1000, "1,000 appointments in the grid");
    let view = ViewData {
        view: View::Month,
        date,
        today: date,
        tz,
        calendars: &calendars,
        occurrences: &occurrences,
        lang: Language::English,
    };
    let html = view.render().into_string();
    assert!(html.matches("class=\"appt\"").count() >= 1000);

    let mut group = c.benchmark_group("calendar month view");
    group.sample_size(30);
    group.measurement_time(std::time::Duration::from_secs(3));
    group.bench_function("baseline: maud, 1,000 titles as a bare list", |b| {
        b.iter(|| {
            let markup = maud::html! {
                ul { @for o in &occurrences { li { (o.appointment.title) } } }
            };
            black_box(markup.into_string().len())
        });
    });
    group.bench_function("month grid: expand rows + render 1,000 appointments", |b| {
        b.iter(|| {
            let occurrences = expand_rows(rows.clone(), from, to).unwrap();
            let view = ViewData {
                view: View::Month,
                date,
                today: date,
                tz,
                calendars: &calendars,
                occurrences: &occurrences,
                lang: Language::English,
            };
            black_box(view.render().into_string().len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
