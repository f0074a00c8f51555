//! The API's JSON shapes for other front ends: the CLI's `--json` prints exactly what the API
//! answers by turning core values into these DTOs.

use otrs_core::Principal;
use otrs_core::model::{
    Agent, ApiToken, Article, Change, Customer, CustomerUser, Group, HistoryEntry, Link, Queue,
    State, Ticket, TimeAccountingEntry,
};
use otrs_core::store::Store;

use crate::api::convert;
use crate::dto::{
    AgentDto, ArticleDto, ChangeDto, CustomerDto, CustomerUserDto, GroupDto, HistoryDto, LinkDto,
    QueueDto, StateDto, TicketDto, TimeEntryDto, TokenDto,
};
use crate::state::AppState;

/// A ticket with the names of its queue, state, owner, responsible and customer user.
pub async fn ticket<S: Store>(state: &AppState<S>, ticket: &Ticket) -> TicketDto {
    let names = convert::names_for(state, &[ticket]).await;
    convert::ticket(state, &names, ticket).await
}

/// Several tickets.
pub async fn tickets<S: Store>(state: &AppState<S>, tickets: &[Ticket]) -> Vec<TicketDto> {
    convert::tickets(state, tickets).await
}

/// History rows with the names of queue, state and owner at the time.
pub async fn history<S: Store>(state: &AppState<S>, rows: &[HistoryEntry]) -> Vec<HistoryDto> {
    let names = state.names().await;
    rows.iter()
        .map(|row| convert::history(&names, row))
        .collect()
}

/// A link.
pub fn link(link: &Link) -> LinkDto {
    convert::link(link)
}

/// A time-accounting row.
pub fn time_entry(entry: &TimeAccountingEntry) -> TimeEntryDto {
    convert::time_entry(entry)
}

/// An article (Bcc left out for customer users).
pub fn article(article: &Article, for_customer: bool) -> ArticleDto {
    convert::article(article, for_customer)
}

async fn group_names<S: Store>(state: &AppState<S>) -> std::collections::BTreeMap<u64, String> {
    state
        .desk()
        .groups(Principal::SYSTEM)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|g| (g.id.0, g.name))
        .collect()
}

/// A queue with its group's name.
pub async fn queue<S: Store>(state: &AppState<S>, queue: &Queue) -> QueueDto {
    let groups = group_names(state).await;
    convert::queue(
        queue,
        groups.get(&queue.group_id.0).cloned().unwrap_or_default(),
    )
}

/// An agent with group names (sign-in settings left out).
pub async fn agent<S: Store>(state: &AppState<S>, agent: &Agent) -> AgentDto {
    convert::agent(agent, &group_names(state).await)
}

/// A group.
pub fn group(group: &Group) -> GroupDto {
    convert::group(group)
}

/// A state.
pub fn state(state: &State) -> StateDto {
    convert::state(state)
}

/// A customer company.
pub fn customer(customer: &Customer) -> CustomerDto {
    convert::customer(customer)
}

/// A customer user.
pub fn customer_user(user: &CustomerUser) -> CustomerUserDto {
    convert::customer_user(user)
}

/// A change-feed entry.
pub fn change(change: &Change) -> ChangeDto {
    convert::change(change)
}

/// An API token (never its secret), with its owner's login.
pub fn token(token: &ApiToken, login: String) -> TokenDto {
    convert::token(token, login)
}

// --- scheduler ---
pub use crate::api::jobs::{JobDto, job_dto as job};
// --- calendar ---

pub use crate::api::calendar::{AppointmentDto, CalendarDto, OccurrenceDto};

/// A calendar.
pub fn calendar(calendar: &otrs_core::model::Calendar) -> CalendarDto {
    crate::api::calendar::calendar_dto(calendar)
}

/// An appointment row.
pub fn appointment(appointment: &otrs_core::model::Appointment) -> AppointmentDto {
    crate::api::calendar::appointment_dto(appointment)
}

/// One occurrence in a window.
pub fn occurrence(occurrence: &otrs_core::desk::AppointmentOccurrence) -> OccurrenceDto {
    crate::api::calendar::occurrence_dto(occurrence)
}
// --- kb

pub use crate::api::kb::{
    KbArticleDto, KbArticleSummaryDto, KbCategoryDto, KbHistoryDto, KbRatingDto,
};

/// A knowledge-base category; `groups` (all group names, by id) adds the fields only agents
/// see.
pub fn kb_category(
    node: &otrs_core::desk::KbCategoryNode,
    groups: Option<&[crate::dto::Named]>,
) -> KbCategoryDto {
    crate::api::kb::category_dto(node, groups)
}

/// A knowledge-base article as its reader sees it; `agent` adds the fields only agents see.
pub fn kb_article(view: &otrs_core::desk::KbArticleView, agent: bool) -> KbArticleDto {
    crate::api::kb::article_dto(view, agent)
}

/// A knowledge-base search result.
pub fn kb_article_summary(item: &otrs_core::desk::KbListItem) -> KbArticleSummaryDto {
    crate::api::kb::summary_dto(item)
}

/// A row of a knowledge-base article's history.
pub fn kb_history(entry: &otrs_core::model::KbHistoryEntry) -> KbHistoryDto {
    crate::api::kb::history_dto(entry)
}

/// Counted votes.
pub fn kb_rating(rating: otrs_core::model::KbRating) -> KbRatingDto {
    crate::api::kb::rating_dto(rating)
}
