//! `otrs appointment …` and `otrs calendar …`.

use std::io::{BufRead, Write};
use std::path::Path;

use chrono::{DateTime, Utc};
use otrs_core::calendar::Series;
use serde_json::Value;

use otrs_core::calendar::recurrence::parse_wall;
use otrs_core::desk::{AppointmentInput, CalendarUpdate, EditScope, NewCalendar};
use otrs_core::ids::{AppointmentId, CalendarId, GroupId};
use otrs_core::model::Validity;
use otrs_http::shapes;

use crate::app::App;
use crate::cli::{AppointmentCommand, CalendarCommand};
use crate::error::CliError;
use crate::output::{Output, fields};

async fn group_id(app: &App, name: &str) -> Result<GroupId, CliError> {
    app.desk
        .groups(app.actor)
        .await?
        .iter()
        .find(|g| g.name == name)
        .map(|g| g.id)
        .ok_or_else(|| CliError::Usage(format!("there is no group {name:?}")))
}

fn calendar_text(c: &otrs_core::model::Calendar) -> String {
    fields(&[
        ("id", c.id.to_string()),
        ("name", c.name.clone()),
        ("color", c.color.clone()),
        ("validity", c.validity.name().to_owned()),
        ("feed", format!("/calendars/feed/{}.ics", c.feed_token)),
    ])
}

/// `otrs calendar …`.
pub async fn calendar(app: &App, out: Output, command: &CalendarCommand) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        CalendarCommand::List => {
            let calendars = desk.calendars(app.actor).await?;
            let dtos: Vec<_> = calendars.iter().map(shapes::calendar).collect();
            out.list(
                &dtos,
                &calendars,
                calendars.len() as u64,
                &["id", "name", "color", "group", "validity"],
                |c| {
                    vec![
                        c.id.to_string(),
                        c.name.clone(),
                        c.color.clone(),
                        c.group_id.to_string(),
                        c.validity.name().to_owned(),
                    ]
                },
            )
        }
        CalendarCommand::Create { name, color, group } => {
            let group_id = group_id(app, group).await?;
            let created = desk
                .create_calendar(
                    app.actor,
                    NewCalendar {
                        name: name.clone(),
                        color: color.clone(),
                        group_id,
                        feed_token: otrs_http::crypto::random_hex(24),
                    },
                )
                .await?;
            out.show(&shapes::calendar(&created), || calendar_text(&created))
        }
        CalendarCommand::Update {
            id,
            name,
            color,
            group,
            validity,
        } => {
            let group_id = match group {
                Some(g) => Some(group_id(app, g).await?),
                None => None,
            };
            let validity = validity
                .as_deref()
                .map(|v| {
                    Validity::from_name(v).ok_or_else(|| {
                        CliError::Usage(format!("--validity {v:?}: valid or invalid"))
                    })
                })
                .transpose()?;
            let updated = desk
                .update_calendar(
                    app.actor,
                    CalendarId(*id),
                    CalendarUpdate {
                        name: name.clone(),
                        color: color.clone(),
                        group_id,
                        validity,
                    },
                    None,
                )
                .await?;
            out.show(&shapes::calendar(&updated), || calendar_text(&updated))
        }
        CalendarCommand::Delete { id } => {
            desk.delete_calendar(app.actor, CalendarId(*id)).await?;
            out.show(&serde_json::json!({ "deleted": id }), || {
                format!("calendar {id} deleted")
            })
        }
        CalendarCommand::RotateToken { id } => {
            let rotated = desk
                .rotate_calendar_token(
                    app.actor,
                    CalendarId(*id),
                    otrs_http::crypto::random_hex(24),
                )
                .await?;
            out.show(&shapes::calendar(&rotated), || calendar_text(&rotated))
        }
    }
}

fn local(text: &str, flag: &str) -> Result<chrono::NaiveDateTime, CliError> {
    parse_wall(text).ok_or_else(|| {
        CliError::Usage(format!(
            "{flag} {text:?}: expected YYYY-MM-DDTHH:MM[:SS] or YYYY-MM-DD"
        ))
    })
}

/// `otrs appointment list|create|delete` (`expand` needs no database; see [`expand`]).
pub async fn appointment(
    app: &App,
    out: Output,
    command: &AppointmentCommand,
) -> Result<(), CliError> {
    let desk = &app.desk;
    match command {
        AppointmentCommand::List { from, to, calendar } => {
            let found = desk
                .occurrences(app.actor, *from, *to, calendar.map(CalendarId))
                .await?;
            let dtos: Vec<_> = found.iter().map(shapes::occurrence).collect();
            out.list(
                &dtos,
                &dtos,
                dtos.len() as u64,
                &["appointment", "start", "end", "title", "calendar"],
                |o| {
                    vec![
                        o.appointment_id.to_string(),
                        o.local_start.clone(),
                        o.end.format("%Y-%m-%d %H:%M UTC").to_string(),
                        o.title.clone(),
                        o.calendar_id.to_string(),
                    ]
                },
            )
        }
        AppointmentCommand::Create {
            calendar,
            title,
            start,
            end,
            time_zone,
            all_day,
            rrule,
            location,
            description,
            notify_minutes_before,
        } => {
            let created = desk
                .create_appointment(
                    app.actor,
                    AppointmentInput {
                        calendar_id: CalendarId(*calendar),
                        title: title.clone(),
                        description: description.clone(),
                        location: location.clone(),
                        all_day: *all_day,
                        start: local(start, "--start")?,
                        end: local(end, "--end")?,
                        time_zone: time_zone.clone(),
                        rrule: rrule.clone(),
                        notify_minutes_before: *notify_minutes_before,
                    },
                )
                .await?;
            let dto = shapes::appointment(&created);
            out.show(&dto, || {
                fields(&[
                    ("id", dto.id.to_string()),
                    ("title", dto.title.clone()),
                    ("start", format!("{} {}", dto.start, dto.time_zone)),
                    ("end", format!("{} {}", dto.end, dto.time_zone)),
                    (
                        "repeat",
                        dto.rrule.clone().unwrap_or_else(|| "never".into()),
                    ),
                ])
            })
        }
        AppointmentCommand::Delete { id, occurrence } => {
            let scope = occurrence.map_or(EditScope::All, EditScope::Occurrence);
            desk.delete_appointment(app.actor, AppointmentId(*id), scope)
                .await?;
            out.show(
                &serde_json::json!({ "deleted": id, "occurrence": occurrence }),
                || match occurrence {
                    Some(at) => format!("occurrence {at} of appointment {id} deleted"),
                    None => format!("appointment {id} deleted"),
                },
            )
        }
        AppointmentCommand::Expand { cases } => expand(cases),
    }
}

/// `otrs appointment expand --cases FILE`: one line per case, written like the corpus'
/// `expected.jsonl` (Python's `json.dumps` layout), which `check.py` in the corpus compares.
pub fn expand(cases: &Path) -> Result<(), CliError> {
    let reader: Box<dyn BufRead> = if cases.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        let file = std::fs::File::open(cases)
            .map_err(|e| CliError::io(format!("cannot open {}", cases.display()), e))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (number, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| CliError::io(format!("reading {}", cases.display()), e))?;
        if line.trim().is_empty() {
            continue;
        }
        let result = expand_case(&line, number + 1);
        writeln!(out, "{result}").map_err(|e| CliError::io("writing to standard output", e))?;
    }
    out.flush()
        .map_err(|e| CliError::io("writing to standard output", e))
}

/// One case line expanded: `{"id": …, "occurrences": […]}`, or `{"id": …, "error": "…"}`.
fn expand_case(line: &str, number: usize) -> String {
    let case: Value = match serde_json::from_str(line) {
        Ok(case @ Value::Object(_)) => case,
        Ok(_) => return error_line(&Value::Null, &format!("line {number}: not a JSON object")),
        Err(e) => return error_line(&Value::Null, &format!("line {number}: {e}")),
    };
    let id = case.get("id").cloned().unwrap_or(Value::Null);
    let occurrences = match occurrences(&case) {
        Ok(list) => list,
        Err(message) => return error_line(&id, &message),
    };
    let mut text = format!("{{\"id\": {}, \"occurrences\": [", py_json(&id));
    for (i, (start, local)) in occurrences.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!(
            "{{\"start\": {}, \"local\": {}}}",
            py_str(start),
            py_str(local)
        ));
    }
    text.push_str("]}");
    text
}

fn error_line(id: &Value, message: &str) -> String {
    format!(
        "{{\"id\": {}, \"error\": {}}}",
        py_json(id),
        py_str(message)
    )
}

/// The occurrences of one case as (`start`, `local`) texts, or a message naming the bad field.
fn occurrences(case: &Value) -> Result<Vec<(String, String)>, String> {
    let text = |key: &str| -> Result<&str, String> {
        case.get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("{key}: missing or not a string"))
    };
    let all_day = match case.get("all_day") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("all_day: not true or false".into()),
    };
    let rrule = match case.get("rrule") {
        None | Some(Value::Null) => None,
        Some(Value::String(rule)) => Some(rule.as_str()),
        Some(_) => return Err("rrule: not a string or null".into()),
    };
    let exdates: Vec<&str> = match case.get("exdates") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| "exdates: not a list of strings".to_owned())
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err("exdates: not a list".into()),
    };
    let window = case.get("window").ok_or("window: missing")?;
    let bound = |key: &str| -> Result<DateTime<Utc>, String> {
        let value = window
            .get(key)
            .and_then(Value::as_str)
            .ok_or_else(|| format!("window.{key}: missing or not a string"))?;
        DateTime::parse_from_rfc3339(value)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("window.{key}: {value:?} is not an RFC 3339 time ({e})"))
    };
    let (from, to) = (bound("from")?, bound("to")?);
    let series = Series::from_text(text("tz")?, text("dtstart")?, all_day, rrule, &exdates)
        .map_err(|e| e.to_string())?;
    let list = series.occurrences(from, to).map_err(|e| e.to_string())?;
    Ok(list
        .iter()
        .map(|o| (o.start_text(), o.local_text()))
        .collect())
}

/// A JSON value in Python's `json.dumps` layout: `", "` and `": "` separators, non-ASCII
/// characters escaped.
fn py_json(value: &Value) -> String {
    match value {
        Value::String(s) => py_str(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(py_json).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", py_str(k), py_json(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A JSON string with every non-ASCII character as `\uXXXX` (UTF-16 units), like Python's
/// default `ensure_ascii`.
fn py_str(text: &str) -> String {
    let escaped = Value::String(text.to_owned()).to_string();
    let mut out = String::with_capacity(escaped.len());
    for c in escaped.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_layout_and_ascii_escapes() {
        assert_eq!(py_str("a\"é😀"), "\"a\\\"\\u00e9\\ud83d\\ude00\"");
        assert_eq!(
            py_json(&serde_json::json!([1, {"a": null}])),
            "[1, {\"a\": null}]"
        );
    }

    #[test]
    fn bad_cases_become_error_lines_naming_the_field() {
        assert_eq!(
            expand_case("not json", 3),
            "{\"id\": null, \"error\": \"line 3: expected ident at line 1 column 2\"}"
        );
        let line = r#"{"id": "X1", "tz": "Mars/Olympus", "dtstart": "2020-01-01T10:00:00", "rrule": null, "window": {"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}}"#;
        assert!(expand_case(line, 1).contains("\"error\": \"tz: unknown time zone"));
        let line = r#"{"id": "X2", "tz": "UTC", "dtstart": "2020-01-01T10:00:00", "rrule": "FREQ=SOMETIMES", "window": {"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}}"#;
        assert!(expand_case(line, 1).starts_with("{\"id\": \"X2\", \"error\": \"rrule: "));
        let line = r#"{"id": "X3", "tz": "UTC", "dtstart": "2020-01-01T10:00:00", "rrule": null, "window": {"from": "yesterday", "to": "2020-02-01T00:00:00Z"}}"#;
        assert!(expand_case(line, 1).contains("window.from"));
    }

    #[test]
    fn a_case_expands_in_the_layout_of_expected_jsonl() {
        let line = r#"{"id": "X4", "tz": "Europe/Budapest", "dtstart": "2020-05-04T08:00:00", "all_day": false, "rrule": "FREQ=DAILY;COUNT=2", "exdates": [], "window": {"from": "2020-05-01T00:00:00Z", "to": "2020-06-01T00:00:00Z"}, "disputed": true}"#;
        assert_eq!(
            expand_case(line, 1),
            "{\"id\": \"X4\", \"occurrences\": [{\"start\": \"2020-05-04T06:00:00Z\", \"local\": \"2020-05-04T08:00:00+02:00\"}, {\"start\": \"2020-05-05T06:00:00Z\", \"local\": \"2020-05-05T08:00:00+02:00\"}]}"
        );
    }
}
