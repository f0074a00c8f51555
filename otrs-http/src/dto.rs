//! The API's request and response shapes. Core types are not serde; these are the wire
//! contract, documented in the OpenAPI document.
//!
//! Responses carry ids and readable names side by side (`"queue": {"id": 3, "name":
//! "Postmaster"}`); requests accept either an id or a name wherever they refer to an object.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

/// A reference to an object in a request: its numeric id or its name (login, number).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Ref {
    /// The id.
    Id(u64),
    /// The name (queue name, state name, agent login, customer-user login, ticket number).
    Name(String),
}

/// `Some(None)` for an explicit `null`, `None` for an absent field.
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Time units as a number (`1.5`) or OTRS-style text (`"1,5"`).
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Units {
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
}

/// An object's id with its readable name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Named {
    /// Id.
    pub id: u64,
    /// Name (queue or state name, agent or customer-user login, priority name).
    pub name: String,
}

/// A state with its type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StateRef {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// State type (`new`, `open`, `closed`, `pending reminder`, `pending auto`, `removed`, `merged`).
    #[serde(rename = "type")]
    pub state_type: String,
}

/// Who did something.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PrincipalDto {
    /// `agent` or `customer`.
    pub kind: String,
    /// Agent or customer-user id.
    pub id: u64,
}

/// A ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketDto {
    /// Id.
    pub id: u64,
    /// Ticket number.
    pub number: String,
    /// Title.
    pub title: String,
    /// Queue.
    pub queue: Named,
    /// State.
    pub state: StateRef,
    /// Priority (id 1–5).
    pub priority: Named,
    /// `unlock`, `lock` or `tmp_lock`.
    pub lock: String,
    /// Owner.
    pub owner: Named,
    /// Responsible agent.
    pub responsible: Named,
    /// CustomerID.
    pub customer_id: Option<String>,
    /// Customer user.
    pub customer_user: Option<Named>,
    /// Pending time.
    pub pending_until: Option<DateTime<Utc>>,
    /// Accounted time.
    pub accounted_time: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: PrincipalDto,
    /// Last change.
    pub changed_at: DateTime<Utc>,
    /// Last changer.
    pub changed_by: PrincipalDto,
    /// Version (also the ETag).
    pub version: u64,
}

/// A page of tickets.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TicketList {
    /// The rows.
    pub items: Vec<TicketDto>,
    /// Matches in all.
    pub total: u64,
    /// The page (1-based; absent in cursor mode).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
    /// Rows per page.
    pub per_page: u32,
    /// In cursor mode: the cursor of the next page, absent on the last one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// An attachment to upload with an article.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AttachmentUpload {
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// The bytes, base64 (standard alphabet, padded).
    pub content_base64: String,
    /// Shown inline.
    #[serde(default)]
    pub inline: bool,
    /// Content-ID of an inline image.
    #[serde(default)]
    pub content_id: Option<String>,
}

/// A new article.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleBody {
    /// `note`, `phone-inbound`, `phone-outbound`, `email-outbound`, `email-inbound`, `portal`,
    /// `chat`, `sms` (customer users: `portal`, the default for them; agents: `note`).
    #[serde(default)]
    pub kind: Option<String>,
    /// Subject (defaults to the ticket title).
    #[serde(default)]
    pub subject: String,
    /// Body.
    #[serde(default)]
    pub body: String,
    /// `text/plain` or `text/html`.
    #[serde(default)]
    pub content_type: Option<String>,
    /// From.
    #[serde(default)]
    pub from: Option<String>,
    /// To.
    #[serde(default)]
    pub to: Option<String>,
    /// Cc.
    #[serde(default)]
    pub cc: Option<String>,
    /// Bcc.
    #[serde(default)]
    pub bcc: Option<String>,
    /// Visible in the external interface.
    #[serde(default)]
    pub visible_for_customer: Option<bool>,
    /// Important mark.
    #[serde(default)]
    pub important: bool,
    /// Attachments.
    #[serde(default)]
    pub attachments: Vec<AttachmentUpload>,
    /// Time to account.
    #[serde(default)]
    pub time_units: Option<Units>,
    /// Message-ID.
    #[serde(default)]
    pub message_id: Option<String>,
    /// In-Reply-To.
    #[serde(default)]
    pub in_reply_to: Option<String>,
    /// References.
    #[serde(default)]
    pub references: Option<String>,
    /// The article of this ticket that this one answers: In-Reply-To and References are then
    /// derived from its headers (RFC 5322 §3.6.4), so they must not be sent as well.
    #[serde(default)]
    pub reply_to_article_id: Option<u64>,
    /// The e-mail as received (RFC 5322 bytes), base64-encoded; only for `email-inbound`, at
    /// most 16 MiB by default. Kept exactly as given and offered as the article's source; its
    /// headers are not read, the other fields describe the article.
    #[serde(default)]
    pub raw_source_base64: Option<String>,
    /// The ticket's next state (id or name), changed with the article in one step (adding an
    /// article to a ticket only; a new ticket takes its own `state`). This is a property change:
    /// it honours `If-Match`, the article alone does not.
    #[serde(default)]
    pub state: Option<Ref>,
    /// Pending time (RFC 3339) for the next state, needed with a pending state (adding an
    /// article to a ticket only; a new ticket takes its own `pending_until`).
    #[serde(default)]
    pub pending_until: Option<DateTime<Utc>>,
}

/// A ticket to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTicketBody {
    /// Title.
    pub title: String,
    /// Queue (id or name).
    pub queue: Ref,
    /// State (id or name).
    #[serde(default)]
    pub state: Option<Ref>,
    /// Priority (1–5 or name).
    #[serde(default)]
    pub priority: Option<Ref>,
    /// Owner (id or login).
    #[serde(default)]
    pub owner: Option<Ref>,
    /// Responsible (id or login).
    #[serde(default)]
    pub responsible: Option<Ref>,
    /// Lock to the owner.
    #[serde(default)]
    pub lock: bool,
    /// Customer user (id or login).
    #[serde(default)]
    pub customer_user: Option<Ref>,
    /// CustomerID.
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Pending time.
    #[serde(default)]
    pub pending_until: Option<DateTime<Utc>>,
    /// The first article.
    pub article: ArticleBody,
}

/// Property changes; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TicketPatch {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// Queue (a move).
    #[serde(default)]
    pub queue: Option<Ref>,
    /// Owner.
    #[serde(default)]
    pub owner: Option<Ref>,
    /// Responsible.
    #[serde(default)]
    pub responsible: Option<Ref>,
    /// Priority.
    #[serde(default)]
    pub priority: Option<Ref>,
    /// State.
    #[serde(default)]
    pub state: Option<Ref>,
    /// Pending time.
    #[serde(default)]
    pub pending_until: Option<DateTime<Utc>>,
    /// Customer user; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Ref>)]
    pub customer_user: Option<Option<Ref>>,
    /// CustomerID; `null` clears it.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub customer_id: Option<Option<String>>,
}

/// A merge.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The target ticket (id or number).
    pub into: Ref,
}

/// A link from the ticket in the path (the parent, for ParentChild) to another ticket or a
/// knowledge-base article.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// The other object: a ticket (id or number) or, with `kind: "kb_article"`, a
    /// knowledge-base article (id or `FAQ#` number).
    pub target: Ref,
    /// The other object's kind: `ticket` (default) or `kb_article`.
    #[serde(default)]
    pub kind: Option<String>,
    /// `Normal` (default) or `ParentChild`.
    #[serde(default, rename = "type")]
    pub link_type: Option<String>,
}

/// One end of a link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ObjectRefDto {
    /// `ticket`, `kb_article`, `appointment`.
    pub kind: String,
    /// Id.
    pub id: u64,
}

/// A link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkDto {
    /// Id.
    pub id: u64,
    /// Source (parent).
    pub source: ObjectRefDto,
    /// Target (child).
    pub target: ObjectRefDto,
    /// `Normal` or `ParentChild`.
    #[serde(rename = "type")]
    pub link_type: String,
    /// Creator.
    pub created_by: PrincipalDto,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A watcher.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WatcherDto {
    /// The agent.
    pub agent: Named,
    /// Since.
    pub since: DateTime<Utc>,
}

/// A history row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryDto {
    /// Id.
    pub id: u64,
    /// The OTRS history type name (`NewTicket`, `StateUpdate`, …).
    #[serde(rename = "type")]
    pub history_type: String,
    /// Parameters.
    pub params: Vec<String>,
    /// The article it is about.
    pub article_id: Option<u64>,
    /// Who.
    pub created_by: PrincipalDto,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Queue at the time.
    pub queue: Named,
    /// State at the time.
    pub state: Named,
    /// Priority at the time.
    pub priority: Named,
    /// Owner at the time.
    pub owner: Named,
}

/// An attachment's facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentDto {
    /// Id.
    pub id: u64,
    /// File name.
    pub filename: String,
    /// MIME type.
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// Inline part.
    pub inline: bool,
    /// Content-ID.
    pub content_id: Option<String>,
    /// Where to download it.
    pub url: String,
}

/// An article.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleDto {
    /// Id.
    pub id: u64,
    /// Ticket id.
    pub ticket_id: u64,
    /// `email`, `phone`, `note`, `chat`, `sms`.
    pub channel: String,
    /// `agent`, `system`, `customer`.
    pub sender_type: String,
    /// `incoming`, `outgoing`, `internal`.
    pub direction: String,
    /// Visible in the external interface.
    pub visible_for_customer: bool,
    /// Important mark.
    pub important: bool,
    /// From.
    pub from: String,
    /// To.
    pub to: String,
    /// Cc.
    pub cc: String,
    /// Bcc (agents only; empty for customer users).
    pub bcc: String,
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Content type of the body.
    pub content_type: String,
    /// Message-ID.
    pub message_id: Option<String>,
    /// In-Reply-To.
    pub in_reply_to: Option<String>,
    /// References.
    pub references: Option<String>,
    /// Attachments.
    pub attachments: Vec<AttachmentDto>,
    /// Accounted time.
    pub time_units: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Creator.
    pub created_by: PrincipalDto,
}

/// Changes to an article.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticlePatch {
    /// The important mark.
    pub important: bool,
}

/// Articles to mark as seen (all when empty or absent).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeenBody {
    /// Article ids.
    #[serde(default)]
    pub articles: Vec<u64>,
}

/// Time to account without an article.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TimeBody {
    /// Units (`15`, `1.5`, `"1,5"`).
    pub units: Units,
}

/// A time-accounting row.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeEntryDto {
    /// The article, if any.
    pub article_id: Option<u64>,
    /// Units.
    pub units: String,
    /// Who.
    pub created_by: PrincipalDto,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// A draft to save.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    /// The form (`note`, `reply`, …).
    pub form: String,
    /// Name, unique per ticket and form.
    pub name: String,
    /// Fields.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// A draft.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftDto {
    /// Id.
    pub id: u64,
    /// Ticket id.
    pub ticket_id: u64,
    /// Form.
    pub form: String,
    /// Name.
    pub name: String,
    /// Fields.
    pub fields: BTreeMap<String, String>,
    /// The ticket changed since the draft was saved.
    pub ticket_changed: bool,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Changed.
    pub changed_at: DateTime<Utc>,
}

/// A note for every ticket of a bulk action.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkNoteBody {
    /// Subject.
    #[serde(default)]
    pub subject: String,
    /// Body.
    pub body: String,
    /// Visible for the customer.
    #[serde(default)]
    pub visible_for_customer: bool,
    /// Time per ticket.
    #[serde(default)]
    pub time_units: Option<Units>,
}

/// An e-mail to every ticket's customer user.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkEmailBody {
    /// Subject.
    pub subject: String,
    /// Body.
    pub body: String,
    /// Time per ticket.
    #[serde(default)]
    pub time_units: Option<Units>,
}

/// A bulk action.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkBody {
    /// Ticket ids.
    pub tickets: Vec<u64>,
    /// Property changes for every ticket.
    #[serde(default)]
    pub update: Option<TicketPatch>,
    /// A note for every ticket.
    #[serde(default)]
    pub note: Option<BulkNoteBody>,
    /// An e-mail for every ticket.
    #[serde(default)]
    pub email: Option<BulkEmailBody>,
    /// `together` links all tickets; a ticket id or number makes them children of it.
    #[serde(default)]
    pub link: Option<Ref>,
    /// `oldest` merges into the oldest; a ticket id or number merges into it.
    #[serde(default)]
    pub merge: Option<Ref>,
    /// Keep the tickets locked afterwards.
    #[serde(default)]
    pub keep_locked: bool,
}

/// One ticket of a bulk report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkOutcomeDto {
    /// Ticket id.
    pub ticket: u64,
    /// Number.
    pub number: Option<String>,
    /// `done`, `skipped` or `failed`.
    pub outcome: String,
    /// Why it was skipped or failed.
    pub error: Option<String>,
    /// Tickets linked to.
    pub linked_to: Vec<u64>,
    /// Merged into.
    pub merged_into: Option<u64>,
    /// Link and merge failures.
    pub errors: Vec<String>,
}

/// A bulk report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BulkReportDto {
    /// Per ticket, in the order given.
    pub outcomes: Vec<BulkOutcomeDto>,
}

/// A queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueDto {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Group.
    pub group: Named,
    /// Comment.
    pub comment: String,
    /// `valid`, `invalid`, `invalid-temporarily`.
    pub validity: String,
    /// Unlock timeout, minutes.
    pub unlock_timeout_minutes: u32,
    /// First response target, minutes.
    pub first_response_minutes: u32,
    /// Update target, minutes.
    pub update_minutes: u32,
    /// Solution target, minutes.
    pub solution_minutes: u32,
    /// Follow-ups reopen closed tickets.
    pub follow_up_possible: bool,
    /// Version.
    pub version: u64,
}

/// A queue to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQueueBody {
    /// Name.
    pub name: String,
    /// Group (id or name).
    pub group: Ref,
    /// Comment.
    #[serde(default)]
    pub comment: String,
    /// Unlock timeout.
    #[serde(default)]
    pub unlock_timeout_minutes: u32,
    /// First response target.
    #[serde(default)]
    pub first_response_minutes: u32,
    /// Update target.
    #[serde(default)]
    pub update_minutes: u32,
    /// Solution target.
    #[serde(default)]
    pub solution_minutes: u32,
    /// Follow-ups reopen closed tickets (default true).
    #[serde(default)]
    pub follow_up_possible: Option<bool>,
}

/// Changes to a queue.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QueuePatch {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Group.
    #[serde(default)]
    pub group: Option<Ref>,
    /// Comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Validity.
    #[serde(default)]
    pub validity: Option<String>,
    /// Unlock timeout.
    #[serde(default)]
    pub unlock_timeout_minutes: Option<u32>,
    /// First response target.
    #[serde(default)]
    pub first_response_minutes: Option<u32>,
    /// Update target.
    #[serde(default)]
    pub update_minutes: Option<u32>,
    /// Solution target.
    #[serde(default)]
    pub solution_minutes: Option<u32>,
    /// Follow-ups.
    #[serde(default)]
    pub follow_up_possible: Option<bool>,
}

/// A group.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupDto {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Comment.
    pub comment: String,
    /// Validity.
    pub validity: String,
    /// Version.
    pub version: u64,
}

/// A group to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewGroupBody {
    /// Name.
    pub name: String,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// Changes to a group.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupPatch {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Validity.
    #[serde(default)]
    pub validity: Option<String>,
}

/// A ticket state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StateDto {
    /// Id.
    pub id: u64,
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub state_type: String,
    /// Selectable.
    pub valid: bool,
}

/// A state to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStateBody {
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub state_type: String,
}

/// An agent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentDto {
    /// Id.
    pub id: u64,
    /// Login.
    pub login: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail.
    pub email: String,
    /// Validity.
    pub validity: String,
    /// Permissions by group name.
    pub groups: BTreeMap<String, Vec<String>>,
    /// The initial password must be changed.
    pub must_change_password: bool,
    /// `none`, `totp` or `email`.
    pub two_factor: String,
    /// Failed sign-ins in a row.
    pub failed_logins: u32,
    /// Preferences (sign-in settings left out).
    pub preferences: BTreeMap<String, String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}

/// An agent to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgentBody {
    /// Login.
    pub login: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail.
    pub email: String,
    /// Initial password (must be changed at first sign-in).
    #[serde(default)]
    pub password: Option<String>,
    /// Permissions by group (name or id) → keys (`ro`, `move_into`, `create`, `note`, `owner`, `priority`, `rw`).
    #[serde(default)]
    pub groups: BTreeMap<String, Vec<String>>,
}

/// Changes to an agent.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AgentPatch {
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Validity (admins).
    #[serde(default)]
    pub validity: Option<String>,
    /// Replace the permissions (admins).
    #[serde(default)]
    pub groups: Option<BTreeMap<String, Vec<String>>>,
    /// A new initial password (admins; must be changed at next sign-in).
    #[serde(default)]
    pub password: Option<String>,
    /// Preferences to set (empty value removes).
    #[serde(default)]
    pub preferences: BTreeMap<String, String>,
}

/// A customer company.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerDto {
    /// Id.
    pub id: u64,
    /// CustomerID.
    pub customer_id: String,
    /// Name.
    pub name: String,
    /// Street.
    pub street: String,
    /// Postal code.
    pub zip: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Web site.
    pub url: String,
    /// Comment.
    pub comment: String,
    /// Validity.
    pub validity: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}

/// A customer company to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomerBody {
    /// CustomerID.
    pub customer_id: String,
    /// Name.
    pub name: String,
    /// Street.
    #[serde(default)]
    pub street: String,
    /// Postal code.
    #[serde(default)]
    pub zip: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// Country.
    #[serde(default)]
    pub country: String,
    /// Web site.
    #[serde(default)]
    pub url: String,
    /// Comment.
    #[serde(default)]
    pub comment: String,
}

/// Changes to a customer company.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Street.
    #[serde(default)]
    pub street: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub zip: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
    /// Web site.
    #[serde(default)]
    pub url: Option<String>,
    /// Comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Validity.
    #[serde(default)]
    pub validity: Option<String>,
}

/// A customer user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerUserDto {
    /// Id.
    pub id: u64,
    /// Login.
    pub login: String,
    /// Title.
    pub title: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail.
    pub email: String,
    /// Main CustomerID.
    pub customer_id: String,
    /// Further CustomerIDs.
    pub extra_customer_ids: Vec<String>,
    /// Phone.
    pub phone: String,
    /// Mobile.
    pub mobile: String,
    /// Street.
    pub street: String,
    /// Postal code.
    pub zip: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Comment.
    pub comment: String,
    /// Validity.
    pub validity: String,
    /// The initial password must be changed.
    pub must_change_password: bool,
    /// `none`, `totp` or `email`.
    pub two_factor: String,
    /// Failed sign-ins.
    pub failed_logins: u32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Version.
    pub version: u64,
}

/// A customer user to create.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomerUserBody {
    /// Login.
    pub login: String,
    /// Title.
    #[serde(default)]
    pub title: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// E-mail.
    pub email: String,
    /// Main CustomerID.
    pub customer_id: String,
    /// Further CustomerIDs.
    #[serde(default)]
    pub extra_customer_ids: Vec<String>,
    /// Phone.
    #[serde(default)]
    pub phone: String,
    /// Mobile.
    #[serde(default)]
    pub mobile: String,
    /// Street.
    #[serde(default)]
    pub street: String,
    /// Postal code.
    #[serde(default)]
    pub zip: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// Country.
    #[serde(default)]
    pub country: String,
    /// Comment.
    #[serde(default)]
    pub comment: String,
    /// Initial password (must be changed at first sign-in).
    #[serde(default)]
    pub password: Option<String>,
}

/// Changes to a customer user.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerUserPatch {
    /// Title.
    #[serde(default)]
    pub title: Option<String>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Main CustomerID (agents).
    #[serde(default)]
    pub customer_id: Option<String>,
    /// Further CustomerIDs (agents).
    #[serde(default)]
    pub extra_customer_ids: Option<Vec<String>>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Mobile.
    #[serde(default)]
    pub mobile: Option<String>,
    /// Street.
    #[serde(default)]
    pub street: Option<String>,
    /// Postal code.
    #[serde(default)]
    pub zip: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Country.
    #[serde(default)]
    pub country: Option<String>,
    /// Comment.
    #[serde(default)]
    pub comment: Option<String>,
    /// Validity (agents).
    #[serde(default)]
    pub validity: Option<String>,
    /// A new initial password (agents; must be changed at next sign-in).
    #[serde(default)]
    pub password: Option<String>,
}

/// A page of queues.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueList {
    /// Rows.
    pub items: Vec<QueueDto>,
    /// Matches.
    pub total: u64,
}

/// A page of groups.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GroupList {
    /// Rows.
    pub items: Vec<GroupDto>,
    /// Matches.
    pub total: u64,
}

/// The states.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StateList {
    /// Rows.
    pub items: Vec<StateDto>,
    /// Matches.
    pub total: u64,
}

/// A page of agents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AgentList {
    /// Rows.
    pub items: Vec<AgentDto>,
    /// Matches.
    pub total: u64,
}

/// A page of customer companies.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerList {
    /// Rows.
    pub items: Vec<CustomerDto>,
    /// Matches.
    pub total: u64,
}

/// A page of customer users.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerUserList {
    /// Rows.
    pub items: Vec<CustomerUserDto>,
    /// Matches.
    pub total: u64,
}

/// Rows of a per-ticket list (articles, links, history, …).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleList {
    /// Rows.
    pub items: Vec<ArticleDto>,
    /// Rows in all.
    pub total: u64,
}

/// Links of a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LinkList {
    /// Rows.
    pub items: Vec<LinkDto>,
    /// Rows in all.
    pub total: u64,
}

/// History of a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryList {
    /// Rows.
    pub items: Vec<HistoryDto>,
    /// Rows in all.
    pub total: u64,
}

/// Watchers of a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WatcherList {
    /// Rows.
    pub items: Vec<WatcherDto>,
    /// Rows in all.
    pub total: u64,
}

/// Time rows of a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TimeList {
    /// Rows.
    pub items: Vec<TimeEntryDto>,
    /// Rows in all.
    pub total: u64,
}

/// Drafts of a ticket.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DraftList {
    /// Rows.
    pub items: Vec<DraftDto>,
    /// Rows in all.
    pub total: u64,
}

/// Search results by object type.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SearchResults {
    /// Tickets (by the query language).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tickets: Option<TicketList>,
    /// Customer companies (CustomerID or name contains the text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customers: Option<CustomerList>,
    /// Customer users (login, name or e-mail contains the text).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_users: Option<CustomerUserList>,
    /// Agents (agents only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agents: Option<AgentList>,
    /// Queues.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queues: Option<QueueList>,
}

/// A change-feed entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeDto {
    /// Position.
    pub seq: u64,
    /// Object kind.
    pub entity: String,
    /// Object id.
    pub entity_id: u64,
    /// `created`, `updated`, `deleted`.
    pub op: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// Change-feed entries.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeList {
    /// Rows.
    pub items: Vec<ChangeDto>,
    /// Rows returned.
    pub total: u64,
}

/// Tickets per queue and state.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueStateCountDto {
    /// Queue.
    pub queue: Named,
    /// State.
    pub state: Named,
    /// Tickets.
    pub count: u64,
}

/// The queue metric.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QueueStateCountList {
    /// Rows.
    pub items: Vec<QueueStateCountDto>,
    /// Rows in all.
    pub total: u64,
}

// --- sign-in ---------------------------------------------------------------------------------

/// A sign-in with login and password.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// `agent` (default) or `customer`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Login.
    pub login: String,
    /// Password.
    pub password: String,
}

/// The caller's session.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionDto {
    /// Who.
    pub principal: PrincipalDto,
    /// Login.
    pub login: String,
    /// Full name.
    pub name: String,
    /// `second-factor`, `change-password`, `set-up-two-factor` or `complete`.
    pub stage: String,
    /// The second factor expected in the `second-factor` stage: `totp` or `email`.
    pub second_factor: Option<String>,
    /// Send this in `X-CSRF-Token` with every request that changes something.
    pub csrf_token: String,
    /// When the session ends at the latest.
    pub expires_at: DateTime<Utc>,
}

/// A code from an authenticator app or an e-mail.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    /// Six digits.
    pub code: String,
}

/// A password change.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeBody {
    /// The current password (not needed while the initial password must be changed).
    #[serde(default)]
    pub current_password: Option<String>,
    /// The new password.
    pub new_password: String,
}

/// A "forgot password" request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ForgotBody {
    /// `agent` (default) or `customer`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Login.
    pub login: String,
}

/// A password reset with the e-mailed token.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetBody {
    /// The token from the e-mail.
    pub token: String,
    /// The new password.
    pub new_password: String,
}

/// A TOTP secret to confirm.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TotpSetupDto {
    /// The Base32 secret (enter it in the app, or scan the QR code).
    pub secret: String,
    /// The `otpauth://` URI.
    pub otpauth_uri: String,
    /// The QR code of the URI, as SVG.
    pub qr_svg: String,
}

/// A TOTP confirmation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmBody {
    /// The secret from the setup response.
    pub secret: String,
    /// The code the app shows now.
    pub code: String,
}

/// A new API token.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTokenBody {
    /// A label.
    pub name: String,
    /// Expiry.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// The agent (id or login; admins only; default: the caller).
    #[serde(default)]
    pub agent: Option<Ref>,
}

/// An API token (never its secret).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenDto {
    /// Id.
    pub id: u64,
    /// Owner.
    pub agent: Named,
    /// Label.
    pub name: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// Expiry.
    pub expires_at: Option<DateTime<Utc>>,
    /// Revocation.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token just created, with its secret (shown once).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CreatedTokenDto {
    /// The token.
    #[serde(flatten)]
    pub token: TokenDto,
    /// The secret: send it as `Authorization: Bearer <secret>`.
    pub secret: String,
}

/// API tokens.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenList {
    /// Rows.
    pub items: Vec<TokenDto>,
    /// Rows in all.
    pub total: u64,
}

/// A plain acknowledgement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Done {
    /// What happened.
    pub message: String,
}
