//! Personalization: the agent's own settings — user profile (avatar, time zone, date-time
//! format, out-of-office period), security (password, two-factor), notification settings (my queues and
//! the method per notification event) and chat availability. Everything is kept in the agent's
//! preferences; one form is saved in one desk command (all or nothing).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use chrono_tz::Tz;
use maud::html;
use otrs_core::desk::AgentUpdate;
use otrs_core::model::Permission;
use otrs_core::rules::permission::agent_may_use_queue;
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::i18n::{LANGUAGE_PREFERENCE, Language, translate_dyn};
use crate::state::AppState;
use crate::ui::avatar;
use crate::ui::fields::{Fields, FormFields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page_with};
use crate::ui::{TIME_ZONE_PREFERENCE, UiCtx, message_in, see_other};
use crate::{n_, tr};

/// Preference: how times are written (`iso`, `eu` or `us`).
pub const DATETIME_FORMAT_PREFERENCE: &str = "datetime_format";
/// Preference: the out-of-office period, `YYYY-MM-DD/YYYY-MM-DD`.
pub const OUT_OF_OFFICE_PREFERENCE: &str = "out_of_office";
/// Preference: the agent's queues, comma-separated ids.
pub const MY_QUEUES_PREFERENCE: &str = "notify.my_queues";
/// Preference prefix: the methods of a notification event (`notify.event.<event>` =
/// `email,web`; absent means both, empty text means none).
pub const EVENT_PREFIX: &str = "notify.event.";
/// Preference: chat availability (`unavailable`, `internal` or `external`).
pub const CHAT_PREFERENCE: &str = "chat.availability";

/// The notification events an agent chooses methods for: (key, label marked for
/// `translate_dyn`).
pub const EVENTS: [(&str, &str); 6] = [
    ("ticket_create", n_!("Ticket create notification")),
    (
        "ticket_follow_up_locked",
        n_!("Ticket follow-up notification (locked)"),
    ),
    (
        "ticket_follow_up_unlocked",
        n_!("Ticket follow-up notification (unlocked)"),
    ),
    (
        "ticket_lock_timeout",
        n_!("Ticket lock timeout notification"),
    ),
    (
        "ticket_queue_update",
        n_!("Ticket queue update notification"),
    ),
    (
        "appointment_reminder",
        n_!("Appointment reminder notification"),
    ),
];

/// The date-time formats: (key, label, chrono format).
pub const FORMATS: [(&str, &str, &str); 3] = [
    ("iso", "2026-03-02 14:30 CET", "%Y-%m-%d %H:%M %Z"),
    ("eu", "02.03.2026 14:30 CET", "%d.%m.%Y %H:%M %Z"),
    ("us", "03/02/2026 02:30 PM CET", "%m/%d/%Y %I:%M %p %Z"),
];

/// The chrono format of a format key (ISO for unknown ones).
pub fn format_of(key: Option<&str>) -> &'static str {
    FORMATS
        .iter()
        .find(|(k, _, _)| Some(*k) == key)
        .map_or(FORMATS[0].2, |(_, _, f)| f)
}

/// The methods chosen for an event: (email, web view).
pub fn methods(prefs: &BTreeMap<String, String>, event: &str) -> (bool, bool) {
    match prefs.get(&format!("{EVENT_PREFIX}{event}")) {
        None => (true, true),
        Some(v) => (
            v.split(',').any(|m| m == "email"),
            v.split(',').any(|m| m == "web"),
        ),
    }
}

/// The queues the agent may read.
async fn readable_queues<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
) -> Vec<otrs_core::model::Queue> {
    state
        .desk()
        .queues(ctx.principal())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|q| agent_may_use_queue(&ctx.agent, q, Permission::Ro))
        .collect()
}

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let saved = query.get("saved").is_some();
    render(&state, &ctx, None, saved, StatusCode::OK).await
}

/// The page again with an error at the top (for forms posted elsewhere, e.g. the avatar).
pub(crate) async fn render_error<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    error: &ApiError,
) -> Response {
    render(state, ctx, Some(error), false, error.status()).await
}

async fn render<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    error: Option<&ApiError>,
    saved: bool,
    status: StatusCode,
) -> Response {
    let p = &ctx.agent.preferences;
    let queues = readable_queues(state, ctx).await;
    let mine: Vec<&str> = p
        .get(MY_QUEUES_PREFERENCE)
        .map(|v| v.split(',').collect())
        .unwrap_or_default();
    let (ooo_from, ooo_to) = p
        .get(OUT_OF_OFFICE_PREFERENCE)
        .and_then(|v| v.split_once('/'))
        .unwrap_or(("", ""));
    let format = p.get(DATETIME_FORMAT_PREFERENCE).map(String::as_str);
    let language = p
        .get(LANGUAGE_PREFERENCE)
        .and_then(|code| Language::from_code(code));
    let chat = p.get(CHAT_PREFERENCE).map_or("unavailable", String::as_str);
    let csrf = html! { input type="hidden" name="csrf_token" value=(ctx.csrf); };
    let body = html! {
        @if let Some(e) = error { p.error role="alert" { (message_in(ctx.lang, e)) } }
        @if saved { p.ok role="status" { (tr!(ctx, "Your settings have been saved.")) } }
        div.grid.cols-2 {
            div.column {
                section.widget #profile aria-labelledby="profile-title" {
                    header { h2 #profile-title { (tr!(ctx, "User Profile")) } }
                    div.body {
                        p { (avatar::badge(&ctx.agent, &tr!(ctx, "Your avatar"))) " " strong { (ctx.agent.full_name()) } " (" (ctx.agent.login) ") · " (ctx.agent.email) }
                        form.stack #avatar-form method="post" action="/agent/preferences/avatar" enctype="multipart/form-data" {
                            (csrf)
                            div { label for="avatar" { (tr!(ctx, "Avatar")) }
                                input #avatar type="file" name="avatar" accept="image/png,image/jpeg,image/gif,image/webp" aria-describedby="avatar-note";
                                p.note #avatar-note { (tr!(ctx, "A PNG, JPEG, GIF or WebP picture of at most %{size} KiB; without one, your initials are shown.", size = avatar::MAX_AVATAR_BYTES / 1024)) } }
                            div.actions {
                                button.primary type="submit" { (tr!(ctx, "Upload")) }
                                @if avatar::url_of(&ctx.agent).is_some() { " " button type="submit" name="remove" value="1" { (tr!(ctx, "Remove avatar")) } }
                            }
                        }
                        form.stack method="post" action="/agent/preferences" {
                            (csrf)
                            input type="hidden" name="section" value="profile";
                            div { label for="lang" { (tr!(ctx, "Language")) }
                                select #lang name="language" {
                                    option value="" selected[language.is_none()] { (tr!(ctx, "As the browser asks")) }
                                    @for l in Language::ALL {
                                        option value=(l.code()) lang=(l.code()) selected[language == Some(l)] { (l.native_name()) }
                                    }
                                } }
                            div { label for="tz" { (tr!(ctx, "Time zone")) }
                                select #tz name="time_zone" {
                                    @for tz in chrono_tz::TZ_VARIANTS {
                                        option value=(tz.name()) selected[tz == ctx.tz] { (tz.name()) }
                                    }
                                } }
                            div { label for="fmt" { (tr!(ctx, "Date and time format")) }
                                select #fmt name="datetime_format" {
                                    @for (key, label, _) in FORMATS { option value=(key) selected[format == Some(key)] { (label) } }
                                } }
                            fieldset {
                                legend { (tr!(ctx, "Out of office")) }
                                div.form-grid {
                                    div { label for="ooo-from" { (tr!(ctx, "From")) } input #ooo-from type="date" name="ooo_from" value=(ooo_from); }
                                    div { label for="ooo-to" { (tr!(ctx, "Until")) } input #ooo-to type="date" name="ooo_to" value=(ooo_to); }
                                }
                                p.note { (tr!(ctx, "Leave both empty when you are in.")) }
                            }
                            div { button.primary type="submit" { (tr!(ctx, "Save")) } }
                        }
                    }
                }
                section.widget #security aria-labelledby="security-title" {
                    header { h2 #security-title { (tr!(ctx, "Security")) } }
                    div.body {
                        ul.plain {
                            li { a href="/agent/login/change-password" { (tr!(ctx, "Change password")) } }
                            li { a href="/agent/login/two-factor" { (tr!(ctx, "Set up two-factor authentication")) } }
                        }
                    }
                }
            }
            div.column {
                section.widget #notifications aria-labelledby="notifications-title" {
                    header { h2 #notifications-title { (tr!(ctx, "Notification Settings")) } }
                    div.body {
                        form.stack method="post" action="/agent/preferences" {
                            (csrf)
                            input type="hidden" name="section" value="notifications";
                            fieldset {
                                legend { (tr!(ctx, "My Queues")) }
                                @if queues.is_empty() { p.muted { (tr!(ctx, "You may read no queue.")) } }
                                @for q in &queues {
                                    label { input type="checkbox" name="my_queues" value=(q.id.0) checked[mine.contains(&q.id.0.to_string().as_str())]; " " (q.name) } br;
                                }
                            }
                            table.list {
                                thead { tr { th scope="col" { (tr!(ctx, "Notification")) } th scope="col" { (tr!(ctx, "Email")) } th scope="col" { (tr!(ctx, "Web View")) } } }
                                tbody {
                                    @for (key, label) in EVENTS {
                                        @let (email, web) = methods(p, key);
                                        @let label = translate_dyn(ctx.lang, label);
                                        tr {
                                            th scope="row" { (label) }
                                            td { input type="checkbox" name={ "email_" (key) } value="1" checked[email] aria-label=(tr!(ctx, "%{notification} by email", notification = label)); }
                                            td { input type="checkbox" name={ "web_" (key) } value="1" checked[web] aria-label=(tr!(ctx, "%{notification} in the web view", notification = label)); }
                                        }
                                    }
                                }
                            }
                            div { button.primary type="submit" { (tr!(ctx, "Save")) } }
                        }
                    }
                }
                section.widget #chat aria-labelledby="chat-title" {
                    header { h2 #chat-title { (tr!(ctx, "Chat Availability")) } }
                    div.body {
                        form.stack method="post" action="/agent/preferences" {
                            (csrf)
                            input type="hidden" name="section" value="chat";
                            label for="chat-sel" { (tr!(ctx, "Availability")) }
                            select #chat-sel name="availability" {
                                @for (key, label) in [("unavailable", n_!("Not available")), ("internal", n_!("Internal")), ("external", n_!("Internal & external"))] {
                                    option value=(key) selected[chat == key] { (translate_dyn(ctx.lang, label)) }
                                }
                            }
                            div { button.primary type="submit" { (tr!(ctx, "Save")) } }
                        }
                    }
                }
            }
        }
    };
    let title = tr!(ctx, "Personalization");
    let crumbs = Crumbs::path(&[(&tr!(ctx, "Dashboard"), Some("/agent")), (&title, None)]);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}

fn date(fields: &Fields, key: &str) -> Result<Option<NaiveDate>, ApiError> {
    match fields.text(key) {
        t if t.is_empty() => Ok(None),
        t => NaiveDate::parse_from_str(&t, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| ApiError::invalid(key, format!("{t:?} is not a date (YYYY-MM-DD)"))),
    }
}

/// The preferences one section of the form sets, validated.
fn changes(
    f: &Fields,
    readable: &[u64],
    lang: Language,
) -> Result<BTreeMap<String, String>, ApiError> {
    let mut out = BTreeMap::new();
    match f.get("section").unwrap_or("") {
        "profile" => {
            // Absent: unchanged; empty: follow the browser (an empty value removes the key).
            if let Some(code) = f.get("language") {
                let code = code.trim();
                if !code.is_empty() && Language::from_code(code).is_none() {
                    return Err(ApiError::invalid(
                        "language",
                        tr!(@lang lang, "unknown language %{code}", code = format!("{code:?}")),
                    ));
                }
                let code = Language::from_code(code).map_or("", Language::code);
                out.insert(LANGUAGE_PREFERENCE.to_owned(), code.to_owned());
            }
            let tz = f.text("time_zone");
            if tz.parse::<Tz>().is_err() {
                return Err(ApiError::invalid(
                    "time_zone",
                    tr!(@lang lang, "unknown time zone %{zone}", zone = format!("{tz:?}")),
                ));
            }
            out.insert(TIME_ZONE_PREFERENCE.to_owned(), tz);
            let fmt = f.text("datetime_format");
            if !FORMATS.iter().any(|(k, _, _)| *k == fmt) {
                return Err(ApiError::invalid(
                    "datetime_format",
                    "must be iso, eu or us",
                ));
            }
            out.insert(DATETIME_FORMAT_PREFERENCE.to_owned(), fmt);
            let ooo = match (date(f, "ooo_from")?, date(f, "ooo_to")?) {
                (None, None) => String::new(),
                (Some(a), Some(b)) if a <= b => format!("{a}/{b}"),
                (Some(_), Some(_)) => {
                    return Err(ApiError::invalid(
                        "ooo_to",
                        crate::n_!("must not be before the start"),
                    ));
                }
                _ => {
                    return Err(ApiError::invalid(
                        "ooo_to",
                        crate::n_!("give both dates or neither"),
                    ));
                }
            };
            out.insert(OUT_OF_OFFICE_PREFERENCE.to_owned(), ooo);
        }
        "notifications" => {
            let mut mine = Vec::new();
            for v in f.all("my_queues") {
                let id: u64 = v
                    .parse()
                    .map_err(|_| ApiError::invalid("my_queues", format!("{v:?} is not a queue")))?;
                if !readable.contains(&id) {
                    return Err(ApiError::invalid(
                        "my_queues",
                        tr!(@lang lang, "you may not read queue %{id}", id = id),
                    ));
                }
                mine.push(id.to_string());
            }
            out.insert(MY_QUEUES_PREFERENCE.to_owned(), mine.join(","));
            for (key, _) in EVENTS {
                let mut m = Vec::new();
                if f.has(&format!("email_{key}")) {
                    m.push("email");
                }
                if f.has(&format!("web_{key}")) {
                    m.push("web");
                }
                // An empty value would remove the key (meaning both); "none" keeps the choice.
                let v = if m.is_empty() {
                    "none".to_owned()
                } else {
                    m.join(",")
                };
                out.insert(format!("{EVENT_PREFIX}{key}"), v);
            }
        }
        "chat" => {
            let v = f.text("availability");
            if !["unavailable", "internal", "external"].contains(&v.as_str()) {
                return Err(ApiError::invalid(
                    "availability",
                    "must be unavailable, internal or external",
                ));
            }
            out.insert(CHAT_PREFERENCE.to_owned(), v);
        }
        other => {
            return Err(ApiError::invalid(
                "section",
                format!("unknown section {other:?}"),
            ));
        }
    }
    Ok(out)
}

/// Saves one section.
pub(crate) async fn save<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    FormFields(form): FormFields,
) -> Response {
    let readable: Vec<u64> = readable_queues(&state, &ctx)
        .await
        .into_iter()
        .map(|q| q.id.0)
        .collect();
    let result = match changes(&form, &readable, ctx.lang) {
        Ok(preferences) => state
            .desk()
            .update_agent(
                ctx.principal(),
                ctx.agent.id,
                AgentUpdate {
                    preferences,
                    ..AgentUpdate::default()
                },
            )
            .await
            .map(|_| ())
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => see_other("/agent/preferences?saved=1"),
        Err(e) => render(&state, &ctx, Some(&e), false, e.status()).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_validate_everything_before_changing_anything() {
        let bad = [
            "section=profile&time_zone=Mars/Base&datetime_format=iso",
            "section=profile&time_zone=UTC&datetime_format=klingon",
            "section=profile&time_zone=UTC&datetime_format=iso&ooo_from=2026-03-05&ooo_to=2026-03-01",
            "section=profile&time_zone=UTC&datetime_format=iso&ooo_from=2026-03-05",
            "section=notifications&my_queues=99",
            "section=chat&availability=always",
            "section=bogus",
        ];
        for b in bad {
            assert!(
                changes(&Fields::parse(b.as_bytes()), &[1, 2], Language::English).is_err(),
                "{b}"
            );
        }
        let ok = changes(
            &Fields::parse(b"section=notifications&my_queues=2&email_ticket_create=1&web_ticket_create=1&web_ticket_lock_timeout=1"),
            &[1, 2],
            Language::English,
        )
        .unwrap();
        assert_eq!(ok[MY_QUEUES_PREFERENCE], "2");
        assert_eq!(ok["notify.event.ticket_create"], "email,web");
        assert_eq!(ok["notify.event.ticket_lock_timeout"], "web");
        assert_eq!(ok["notify.event.ticket_queue_update"], "none");
        assert_eq!(methods(&ok, "ticket_queue_update"), (false, false));
        assert_eq!(methods(&BTreeMap::new(), "ticket_create"), (true, true));
    }
}
