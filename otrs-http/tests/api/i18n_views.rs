//! The agent's language on the calendar, statistics, report and ticket detail pages: an agent
//! whose language preference is German sees every text of them in German (no English catalogue
//! text left on the page), month and weekday names included, and a German ticket print; an
//! English agent keeps the English names.

use std::collections::BTreeMap;

use otrs_core::Principal;
use otrs_core::desk::{AgentUpdate, AppointmentInput};
use otrs_core::ids::{AgentId, AppointmentId};
use otrs_http::i18n::{LANGUAGE_PREFERENCE, Language, untranslated_texts};

use crate::calendar_ui::submit;
use crate::support::{Caller, World};
use crate::ui_detail::{font_or_skip, pdf_text};

/// Sets an agent's language preference.
pub(crate) async fn speak(w: &World, agent: AgentId, code: &str) {
    let update = AgentUpdate {
        preferences: BTreeMap::from([(LANGUAGE_PREFERENCE.to_owned(), code.to_owned())]),
        ..AgentUpdate::default()
    };
    w.desk
        .update_agent(Principal::SYSTEM, agent, update)
        .await
        .unwrap();
}

/// A weekly appointment on Mondays in December 2026 (a series, so that the pages show its
/// repeat rule), linked to the fixture ticket.
async fn december_series(w: &World) -> AppointmentId {
    let at = |d: u32, h: u32| {
        chrono::NaiveDate::from_ymd_opt(2026, 12, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    let series = w
        .desk
        .create_appointment(
            Principal::Agent(w.admin),
            AppointmentInput {
                calendar_id: w.calendar,
                title: "Rota handover".into(),
                description: "Weekly handover".into(),
                location: "Room 2".into(),
                all_day: false,
                start: at(7, 10),
                end: at(7, 11),
                time_zone: "Europe/Berlin".into(),
                rrule: Some("FREQ=WEEKLY;BYDAY=MO;COUNT=4".into()),
                notify_minutes_before: Some(15),
            },
        )
        .await
        .unwrap();
    w.desk
        .link_appointment_ticket(Principal::Agent(w.admin), series.id, w.ticket)
        .await
        .unwrap();
    series.id
}

/// The page's main area (the frame around it is translated by its own module) as HTML, after
/// asserting the answer is a 200 page.
pub(crate) async fn main_area(w: &World, path: &str, caller: &Caller) -> String {
    let r = w.get(path, caller).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text());
    let html = r.text();
    assert!(html.contains("<html lang=\"de\""), "{path} is not German");
    let start = html.find("<main").expect("a main element");
    let end = html.rfind("</main>").expect("the end of main");
    html[start..end].to_owned()
}

/// Asserts no English catalogue text is left in the page's main area, and that each of `words`
/// is there; returns the area.
pub(crate) async fn german(w: &World, path: &str, caller: &Caller, words: &[&str]) -> String {
    german_besides(w, path, caller, words, &[]).await
}

/// [`german`], leaving out of the check the parts of the page (from a start marker to an end
/// marker) that other modules render and translate: the breadcrumb bar (`ui/frame.rs`) and the
/// article view (`ui/articles.rs`). The words are looked for in the whole area.
pub(crate) async fn german_besides(
    w: &World,
    path: &str,
    caller: &Caller,
    words: &[&str],
    others: &[(&str, &str)],
) -> String {
    let html = main_area(w, path, caller).await;
    let mut own = html.clone();
    for (start, end) in others {
        while let Some(at) = own.find(start) {
            let stop = own[at..]
                .find(end)
                .map_or(own.len(), |e| at + e + end.len());
            own.replace_range(at..stop, "");
        }
    }
    let left = untranslated_texts(&own, Language::German);
    assert!(left.is_empty(), "{path} still shows English: {left:?}");
    for word in words {
        assert!(html.contains(word), "{path} lacks {word:?}");
    }
    html
}

/// The parts of the ticket detail view other modules render.
const DETAIL_OTHERS: [(&str, &str); 2] = [
    ("<div class=\"crumbs\">", "<div class=\"ticket-detail\">"),
    ("<article", "</article>"),
];

#[tokio::test]
async fn the_calendar_speaks_german_with_german_month_and_weekday_names() {
    let w = World::new().await;
    let series = december_series(&w).await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;

    let month = german(
        &w,
        "/agent/calendar?view=month&date=2026-12-07",
        &admin,
        &[
            "Dezember 2026",
            "Montag",
            "Sonntag",
            "Kalenderübersicht",
            "Monatsraster",
            "Termin hinzufügen",
            "Kalender filtern",
            // The question the script shows when a series is dragged, and its failure note.
            "Möchten Sie nur dieses Vorkommen oder alle Vorkommen verschieben?",
            "data-move-failed=\"Der Termin wurde nicht verschoben:\"",
        ],
    )
    .await;
    assert!(!month.contains("December"), "no English month name");
    // The tooltip of a series names its rule in German.
    assert!(
        month.contains("jede Woche am Montag; 4-mal"),
        "the series' rule in German"
    );
    german(
        &w,
        "/agent/calendar?view=week&date=2026-12-07",
        &admin,
        &[
            "7. Dezember – 13. Dezember 2026, KW 50",
            "Ganztägig",
            "Dienstag",
        ],
    )
    .await;
    german(
        &w,
        "/agent/calendar?view=day&date=2026-12-07",
        &admin,
        &["Montag, 7. Dezember 2026", "Zeitleiste Tag"],
    )
    .await;
    german(
        &w,
        "/agent/calendar?view=agenda&date=2026-12-07",
        &admin,
        &["Wochenagenda", "7. Dezember 2026", "Rota handover"],
    )
    .await;
    german(
        &w,
        "/agent/calendar?view=agenda&date=2026-11-02",
        &admin,
        &["Keine Termine in dieser Woche."],
    )
    .await;

    // The editor: a new appointment, the series, and the question for one occurrence.
    german(
        &w,
        "/agent/calendar/appointments/new?date=2026-12-07",
        &admin,
        &[
            "Termin hinzufügen",
            "Grundlegende Informationen",
            "Wiederholung",
            "15 Minuten vorher",
            "Dezember",
            "Mittwoch",
        ],
    )
    .await;
    let editor = german(
        &w,
        &format!("/agent/calendar/appointments/{series}"),
        &admin,
        &[
            "Termin bearbeiten: Rota handover",
            "Wöchentlich: am",
            "Verknüpfte Tickets",
            "Kopieren",
            "Löschen",
        ],
    )
    .await;
    assert!(editor.contains("Printer offline"), "the linked ticket");
    german(
        &w,
        &format!("/agent/calendar/appointments/{series}?occurrence=20261214T090000Z"),
        &admin,
        &[
            "Dies ist ein wiederkehrender Termin",
            "Nur dieses Vorkommen",
            "jede Woche am Montag",
        ],
    )
    .await;
    german(
        &w,
        &format!("/agent/calendar/appointments/{series}/delete"),
        &admin,
        &["Den wiederkehrenden Termin „Rota handover“ mit allen Vorkommen löschen?"],
    )
    .await;

    // A field error of the editor is German too, and nothing is stored.
    let before = w.fingerprint().await;
    let r = submit(
        &w,
        "/agent/calendar/appointments/new",
        &admin,
        &[
            ("calendar", &w.calendar.to_string()),
            ("title", "x"),
            ("start", "soon"),
            ("end", "2026-12-07T11:00"),
            ("time_zone", "Europe/Berlin"),
        ],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text()
            .contains("ist kein Datum mit Uhrzeit (JJJJ-MM-TTTHH:MM)"),
        "{}",
        r.text()
    );
    assert_eq!(w.fingerprint().await, before);
}

#[tokio::test]
async fn the_appointment_widgets_speak_german() {
    let w = World::new().await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    for kind in [
        "appointments_today",
        "appointments_this_week",
        "appointments_this_month",
    ] {
        let r = submit(&w, "/agent/dashboard/widgets", &admin, &[("kind", kind)]).await;
        assert_eq!(r.status, 303, "{kind}");
    }
    let html = w.get("/agent", &admin).await.text();
    // The bodies of the calendar widgets (4, 5 and 6; the dashboard draws their frames).
    let body = |n: u32| {
        let section = html
            .split(&format!("id=\"widget-{n}\""))
            .nth(1)
            .unwrap()
            .split("<section")
            .next()
            .unwrap();
        section
            .split_once("<div class=\"body\">")
            .map_or(section, |(_, b)| b)
            .to_owned()
    };
    for n in 4..=6 {
        let b = body(n);
        let left = untranslated_texts(&b, Language::German);
        assert!(left.is_empty(), "widget {n} still shows English: {left:?}");
        assert!(
            b.contains("Kalenderübersicht") && b.contains("Termin hinzufügen"),
            "{b}"
        );
    }
    // Monday 2 March 2026: nothing today; "Printer maintenance" is on Tuesday.
    assert!(body(4).contains("Keine Termine."));
    let week = body(5);
    assert!(
        week.contains("Dienstag") && week.contains("Printer maintenance"),
        "{week}"
    );
}

#[tokio::test]
async fn an_english_agent_keeps_english_month_and_weekday_names() {
    let w = World::new().await;
    december_series(&w).await;
    let alice = w.session(Principal::Agent(w.alice)).await;
    let r = w
        .get("/agent/calendar?view=month&date=2026-12-07", &alice)
        .await;
    assert_eq!(r.status, 200);
    let html = r.text();
    assert!(html.contains("<html lang=\"en\""));
    for word in [
        "December 2026",
        "Monday",
        "Sunday",
        "Calendar Overview",
        "every week on Monday; 4 times",
    ] {
        assert!(html.contains(word), "{word:?}");
    }
    assert!(!html.contains("Dezember") && !html.contains("Montag"));
    let day = w
        .get("/agent/calendar?view=day&date=2026-12-07", &alice)
        .await;
    assert!(day.text().contains("Monday, 7 December 2026"));
}

#[tokio::test]
async fn statistics_and_reports_speak_german() {
    let w = World::new().await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    german(
        &w,
        "/agent/stats",
        &admin,
        &[
            "Statistik",
            "Kennzahlen",
            "Listen",
            "Statisch",
            "Berichtsliste (1)",
            "Importieren",
            "Ausführen",
        ],
    )
    .await;
    // Every preinstalled statistic's run form, and one run on screen with its chart.
    let numbers: Vec<u32> = w
        .desk
        .stats(Principal::Agent(w.admin))
        .await
        .unwrap()
        .iter()
        .map(|s| s.number)
        .collect();
    assert!(!numbers.is_empty());
    for n in &numbers {
        german(
            &w,
            &format!("/agent/stats/{n}/run"),
            &admin,
            &["Ausgabe", "Statistik ausführen"],
        )
        .await;
        german(
            &w,
            &format!("/agent/stats/{n}/run?run=1&format=table"),
            &admin,
            &["Ergebnis"],
        )
        .await;
    }
    german(
        &w,
        "/agent/stats/10002/run?run=1&format=table",
        &admin,
        &["Balkendiagramm von", "Summe"],
    )
    .await;
    german(
        &w,
        "/agent/stats/10002/edit",
        &admin,
        &[
            "Allgemein",
            "X-Achse",
            "Y-Achse",
            "Summenzeile erzeugen",
            "Vorschau",
        ],
    )
    .await;
    german(
        &w,
        "/agent/stats/new?type=List",
        &admin,
        &[
            "Neue Statistik",
            "Spalten und Reihenfolge",
            "Sortieren nach",
            "Zeit bis zur ersten Reaktion",
        ],
    )
    .await;
    german(
        &w,
        "/agent/stats/reports",
        &admin,
        &[
            "Berichte",
            "Nächste Ausführung",
            "Zeitplan",
            "Kein Zeitplan",
            "gültig",
            "Neuer Bericht",
        ],
    )
    .await;
    german(
        &w,
        &format!("/agent/stats/reports/{}", w.report),
        &admin,
        &[
            "Allgemeine Einstellungen",
            "Einfacher Zeitplan",
            "Montag",
            "Ausgabeeinstellungen",
        ],
    )
    .await;
    german(
        &w,
        "/agent/stats/reports/new",
        &admin,
        &["Neuer Bericht", "Bericht anlegen"],
    )
    .await;
}

#[tokio::test]
async fn the_ticket_detail_view_speaks_german() {
    let w = World::new().await;
    december_series(&w).await;
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let base = format!("/agent/tickets/{}", w.ticket.0);
    let compact = german_besides(
        &w,
        &base,
        &admin,
        &[
            "Kommunikation (Kompakt)",
            "Eigenschaften",
            "Besitzer",
            "Verantwortlicher",
            "Kundeninformationen",
            "Verknüpfte Tickets (1 Ticket)",
            "Verknüpfte Termine (1 Termin)",
            "Anlagen",
            "Historie",
            "Drucken",
            "</strong> offen",
        ],
        &DETAIL_OTHERS,
    )
    .await;
    // Data stays as it is.
    assert!(compact.contains("Printer offline") && compact.contains("Mail slow"));
    german_besides(
        &w,
        &format!("{base}?view=stream&expand=all"),
        &admin,
        &["Kommunikation (Verlauf)", "Alle einklappen", "eingehend"],
        &DETAIL_OTHERS,
    )
    .await;
    german(
        &w,
        &format!("{base}/edit/state"),
        &admin,
        &["Status bearbeiten", "Speichern", "Abbrechen"],
    )
    .await;
    german(
        &w,
        "/agent/tickets/screen",
        &admin,
        &[
            "Ticket-Detailansicht",
            "Widgets (Position und Sichtbarkeit)",
            "Auf Standardwerte zurücksetzen",
        ],
    )
    .await;
    // An inline edit's own field error is German, and nothing changes.
    let before = w.fingerprint().await;
    let r = submit(
        &w,
        &format!("{base}/edit/priority"),
        &admin,
        &[("priority", "3")],
    )
    .await;
    assert_eq!(r.status, 422, "{}", r.text());
    assert!(
        r.text().contains("fehlt; laden Sie das Ticket neu"),
        "{}",
        r.text()
    );
    assert_eq!(w.fingerprint().await, before);
}

#[tokio::test]
async fn a_german_agent_prints_german_labels_with_the_ticket_as_it_is() {
    let w = World::new().await;
    if !font_or_skip() {
        return;
    }
    speak(&w, w.admin, "de").await;
    let admin = w.session(Principal::Agent(w.admin)).await;
    let number = w
        .desk
        .ticket(Principal::SYSTEM, w.ticket)
        .await
        .unwrap()
        .number;
    let r = w
        .get(&format!("/agent/tickets/{}/print", w.ticket.0), &admin)
        .await;
    assert_eq!(r.status, 200);
    let text = pdf_text(&r.body);
    for word in [
        format!("Ticket#{number}"),
        "Printer offline".to_owned(),
        "Besitzer:".to_owned(),
        "Priorität:".to_owned(),
        "Gedruckt von Admin Agent".to_owned(),
        "Artikel #1".to_owned(),
        "Betreff: Printer offline".to_owned(),
    ] {
        assert!(text.contains(&word), "{word:?} not in {text}");
    }
    assert!(!text.contains("Printed by") && !text.contains("Owner:"));
    // The English agent's print keeps English labels.
    let alice = w.session(Principal::Agent(w.alice)).await;
    let r = w
        .get(&format!("/agent/tickets/{}/print", w.ticket.0), &alice)
        .await;
    let text = pdf_text(&r.body);
    assert!(
        text.contains("Owner:") && text.contains("Printed by Alice Agent"),
        "{text}"
    );
}
