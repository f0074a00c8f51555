//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTOs.

use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api::{auth, calendar, jobs, people, search, tickets};
// --- reports
use crate::api::reports;
// --- statsui
use crate::api::stats;
// --- actions
use crate::api::texts;
// --- kb
use crate::api::kb;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token (`otrs agent token create LOGIN`)"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "A session cookie from POST /api/v1/auth/login; requests that change something also need X-CSRF-Token",
            ))),
        );
    }
}

/// The API's OpenAPI document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "otrs-rs API",
        description = "The help desk over JSON. Errors are RFC 9457 problem documents (`application/problem+json`) with a stable `type` per error. Every object has a numeric `id`; responses carry ids and names side by side; requests accept either. Reads carry an `ETag`; updates take `If-Match` and answer 412 on a stale version.",
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    paths(
        tickets::list_tickets, tickets::create_ticket, tickets::bulk, tickets::get_ticket,
        tickets::update_ticket, tickets::lock_ticket, tickets::unlock_ticket, tickets::merge_ticket,
        tickets::list_links, tickets::add_link, tickets::delete_link, tickets::list_watchers,
        tickets::watch_ticket, tickets::unwatch_ticket, tickets::ticket_history,
        tickets::list_articles, tickets::add_article, tickets::get_article, tickets::update_article,
        tickets::download_attachment, tickets::download_source, tickets::mark_seen, tickets::list_time, tickets::account_time,
        tickets::list_drafts, tickets::save_draft, tickets::delete_draft,
        people::list_queues, people::create_queue, people::get_queue, people::update_queue,
        people::queue_metrics, people::list_groups, people::create_group, people::get_group,
        people::update_group, people::list_states, people::create_state, people::list_agents,
        people::create_agent, people::get_agent, people::update_agent, people::clear_agent_lockout,
        people::reset_agent_two_factor, people::list_customers, people::create_customer,
        people::get_customer, people::update_customer, people::list_customer_users,
        people::create_customer_user, people::get_customer_user, people::update_customer_user,
        people::clear_customer_lockout, people::reset_customer_two_factor, people::list_changes,
        search::search,
        auth::login, auth::session, auth::logout, auth::second_factor, auth::resend_code,
        auth::change_password, auth::forgot_password, auth::reset_password, auth::totp_setup,
        auth::totp_confirm, auth::email_setup, auth::email_confirm, auth::reset_two_factor,
        auth::list_tokens, auth::create_token, auth::revoke_token,
        // --- scheduler ---
        jobs::list_jobs, jobs::schedule_job, jobs::get_job, jobs::cancel_job,
        jobs::list_notifications, jobs::mark_seen,
        // --- calendar ---
        calendar::list_calendars, calendar::create_calendar, calendar::get_calendar,
        calendar::update_calendar, calendar::delete_calendar, calendar::rotate_calendar_token,
        calendar::list_occurrences, calendar::create_appointment, calendar::get_appointment,
        calendar::update_appointment, calendar::delete_appointment, calendar::copy_appointment,
        calendar::appointment_history, calendar::ticket_appointments,
        calendar::create_ticket_appointment,
        // --- reports ---
        reports::list_reports, reports::create_report, reports::get_report,
        reports::replace_report, reports::update_report, reports::delete_report,
        reports::run_report,
        // --- statsui
        stats::list_stats, stats::create_stat, stats::get_stat, stats::update_stat,
        stats::delete_stat, stats::run_stat, stats::export_stat, stats::import_stat,
        stats::preview_stat,
        // --- actions
        texts::list_templates, texts::create_template, texts::delete_template,
        texts::list_signatures, texts::create_signature, texts::delete_signature,
        texts::replace_template, texts::update_template,
        texts::replace_signature, texts::update_signature,
        // --- kb
        kb::list_kb_categories, kb::create_kb_category, kb::get_kb_category,
        kb::update_kb_category, kb::delete_kb_category, kb::search_kb_articles,
        kb::create_kb_article, kb::get_kb_article, kb::get_kb_article_by_number,
        kb::update_kb_article, kb::delete_kb_article, kb::approve_kb_article,
        kb::add_kb_attachments, kb::download_kb_attachment, kb::remove_kb_attachment,
        kb::vote_kb_article, kb::kb_article_history, kb::list_kb_links, kb::add_kb_link,
        kb::delete_kb_link, kb::related_kb_articles, kb::public_kb_categories,
        kb::public_kb_search, kb::public_kb_article, kb::public_kb_attachment,
    ),
    tags(
        (name = "tickets"), (name = "articles"), (name = "queues"), (name = "groups"),
        (name = "states"), (name = "agents"), (name = "customers"), (name = "customer-users"),
        (name = "search"), (name = "changes"), (name = "auth"), (name = "calendars"),
        (name = "appointments"), (name = "jobs"), (name = "notifications"),
        // --- reports ---
        (name = "reports"),
        // --- statsui
        (name = "stats"),
        // --- actions
        (name = "texts"),
        // --- kb
        (name = "knowledge-base"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The document as JSON.
pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
