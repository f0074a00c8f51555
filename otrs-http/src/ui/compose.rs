//! Pieces of the create screens: customer-user suggestions (JSON for the type-ahead), the
//! customer widgets (an HTML fragment that follows the chosen customer), the address book,
//! multipart forms with attachments, and the rich-text body.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use otrs_core::model::{CustomerUser, NewAttachment, StateType, Ticket, Validity};
use otrs_core::store::{CustomerUserFilter, PageRequest, Store, TicketFilter, TicketSort};
use serde::Serialize;

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::UiCtx;
use crate::ui::fields::{Fields, QueryFields};
use crate::ui::frame::{Crumbs, agent_page};
use crate::ui::names;
use crate::{n_, tr};

/// How many customer users a suggestion list or the address book shows.
pub const SUGGESTIONS_SHOWN: u32 = 20;
/// How many tickets each customer history widget lists.
const HISTORY_SHOWN: u32 = 10;
/// The most all attachments of one form may hold together.
pub const MAX_UPLOAD_BYTES: usize = 3 << 20;

/// One customer-user suggestion.
#[derive(Debug, Serialize)]
pub struct Suggestion {
    /// Login (what the field takes).
    pub login: String,
    /// "First Last".
    pub name: String,
    /// E-mail address.
    pub email: String,
    /// Main CustomerID.
    pub customer_id: String,
    /// What the list shows.
    pub label: String,
}

/// The customer users a type-ahead text finds: `**` lists all, `*` is a wildcard, anything else
/// is searched in login, names and e-mail. Fewer than two characters find nothing.
pub(crate) async fn find_customer_users<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    text: &str,
) -> Result<Vec<CustomerUser>, ApiError> {
    let text = text.trim();
    let search = if text == "**" {
        None
    } else if text.chars().filter(|c| *c != '*').count() < 2 {
        return Ok(Vec::new());
    } else {
        Some(text.to_owned())
    };
    let filter = CustomerUserFilter {
        search,
        customer_id: None,
        validity: Some(Validity::Valid),
    };
    Ok(state
        .desk()
        .customer_users(
            ctx.principal(),
            filter,
            PageRequest::page(1, SUGGESTIONS_SHOWN),
        )
        .await?
        .items)
}

fn suggestion(u: &CustomerUser) -> Suggestion {
    let name = format!("{} {}", u.first_name, u.last_name);
    Suggestion {
        label: format!("{name} <{}> · {}", u.email, u.customer_id),
        login: u.login.clone(),
        name,
        email: u.email.clone(),
        customer_id: u.customer_id.clone(),
    }
}

/// `GET /agent/customer-users/suggest?q=…`: suggestions as JSON.
pub(crate) async fn suggest<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    match find_customer_users(&state, &ctx, &query.text("q")).await {
        Ok(users) => axum::Json(users.iter().map(suggestion).collect::<Vec<_>>()).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /agent/customer-users/info?login=…`: the three customer widgets as an HTML fragment.
pub(crate) async fn info<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    QueryFields(query): QueryFields,
) -> Response {
    let login = query.text("login");
    let user = if login.is_empty() {
        None
    } else {
        state
            .desk()
            .customer_user_by_login(ctx.principal(), &login)
            .await
            .ok()
    };
    crate::ui::html_response(
        StatusCode::OK,
        customer_widgets(&state, &ctx, user.as_ref()).await,
    )
}

async fn tickets_of<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    filter: TicketFilter,
) -> Vec<Ticket> {
    state
        .desk()
        .list_tickets(
            ctx.principal(),
            filter,
            TicketSort::parse("-created").unwrap_or_default(),
            PageRequest::page(1, HISTORY_SHOWN),
        )
        .await
        .map(|p| p.tickets)
        .unwrap_or_default()
}

/// Customer Information, Customer User History and Customer History for a customer user (or
/// a hint to choose one).
pub(crate) async fn customer_widgets<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    user: Option<&CustomerUser>,
) -> Markup {
    let Some(user) = user else {
        return html! {
            div #customer-widgets {
                section.widget aria-label=(tr!(ctx, "Customer Information")) {
                    header { h2 { (tr!(ctx, "Customer Information")) } }
                    div.body { p.muted { (tr!(ctx, "Choose a customer user to see their details and tickets.")) } }
                }
            }
        };
    };
    let actor = ctx.principal();
    let company = state
        .desk()
        .customer_by_customer_id(actor, &user.customer_id)
        .await
        .ok();
    let own = tickets_of(
        state,
        ctx,
        TicketFilter {
            customer_user_ids: Some(vec![user.id]),
            ..Default::default()
        },
    )
    .await;
    let company_tickets = tickets_of(
        state,
        ctx,
        TicketFilter {
            customer_ids: Some(vec![user.customer_id.clone()]),
            ..Default::default()
        },
    )
    .await;
    let states: BTreeMap<_, _> = state
        .desk()
        .states(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| (s.id, (s.name, s.state_type)))
        .collect();
    let list = |tickets: &[Ticket]| {
        html! {
            @if tickets.is_empty() { p.muted { (tr!(ctx, "No tickets.")) } }
            @else {
                ul.plain {
                    @for t in tickets {
                        @let (name, kind) = states.get(&t.state_id).cloned().unwrap_or((String::new(), StateType::Open));
                        li {
                            a href={ "/agent/tickets/" (t.id.0) } { "Ticket#" (t.number) } " " (t.title)
                            " " span.muted { (names::shown(ctx.lang, &name)) }
                            @if kind.is_viewable() { " " span.badge { (tr!(ctx, "open")) } }
                        }
                    }
                }
            }
        }
    };
    html! {
        div #customer-widgets {
            section.widget aria-label=(tr!(ctx, "Customer Information")) {
                header { h2 { (tr!(ctx, "Customer Information")) } }
                div.body { dl.props {
                    dt { (tr!(ctx, "Name")) } dd { (user.first_name) " " (user.last_name) }
                    dt { (tr!(ctx, "Login")) } dd { (user.login) }
                    dt { (tr!(ctx, "E-mail")) } dd { (user.email) }
                    dt { (tr!(ctx, "Customer ID")) } dd { (user.customer_id) }
                    @if let Some(c) = &company { dt { (tr!(ctx, "Company")) } dd { (c.name) } }
                    @if !user.phone.is_empty() { dt { (tr!(ctx, "Phone")) } dd { (user.phone) } }
                } }
            }
            section.widget aria-label=(tr!(ctx, "Customer User History")) {
                header { h2 { (tr!(ctx, "Customer User History")) } }
                div.body { (list(&own)) }
            }
            section.widget aria-label=(tr!(ctx, "Customer History")) {
                header { h2 { (tr!(ctx, "Customer History")) } }
                div.body { (list(&company_tickets)) }
            }
        }
    }
}

// --- address book -------------------------------------------------------------------------------

/// The address fields the address book fills: (field, label shown through `translate_dyn`).
const ADDRESS_FIELDS: [(&str, &str); 3] = [("to", n_!("To")), ("cc", "Cc"), ("bcc", "Bcc")];

/// `POST /agent/address-book`: the e-mail create form sent here by its "Address book" button.
/// Lists customer users matching `address_query`; each can be added to To, Cc or Bcc, which
/// sends the whole form back to the create screen. Works without script.
pub(crate) async fn address_book<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    ComposeForm(mut form): ComposeForm,
) -> Response {
    // The files chosen so far stay with the form while the address book is open.
    keep_uploads(&state, &ctx, &mut form).await;
    let fields = form
        .fields
        .without(&["csrf_token", "address_book", "create"]);
    let query = fields.text("address_query");
    let users = find_customer_users(&state, &ctx, if query.is_empty() { "**" } else { &query })
        .await
        .unwrap_or_default();
    let kept = fields.without(&["address_query"]);
    let title = tr!(ctx, "Address book");
    let body = html! {
        section.widget aria-label=(title) {
            h2 { (title) }
            @if let Some(m) = &form.files_error { p.error role="alert" { (translate_dyn(ctx.lang, m)) } }
            form method="post" action="/agent/address-book" {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                @for (k, v) in &kept.0 { input type="hidden" name=(k) value=(v); }
                label for="address_query" { (tr!(ctx, "Search (name, login or e-mail; * wildcard, ** lists all)")) }
                input #address_query type="search" name="address_query" value=(query);
                " " button type="submit" { (tr!(ctx, "Search")) }
            }
            form method="post" action="/agent/tickets/new/email" {
                input type="hidden" name="csrf_token" value=(ctx.csrf);
                input type="hidden" name="back" value="1";
                @for (k, v) in &kept.0 { input type="hidden" name=(k) value=(v); }
                @if users.is_empty() { p.muted { (tr!(ctx, "No customer user matches.")) } }
                table.list {
                    thead { tr { th { (tr!(ctx, "Name")) } th { (tr!(ctx, "E-mail")) } th { (tr!(ctx, "Customer ID")) } @for (_, l) in ADDRESS_FIELDS { th { (translate_dyn(ctx.lang, l)) } } } }
                    tbody {
                        @for u in &users {
                            tr {
                                td { (u.first_name) " " (u.last_name) }
                                td { (u.email) }
                                td { (u.customer_id) }
                                @for (k, l) in ADDRESS_FIELDS {
                                    td { label { input type="checkbox" name={ "add_" (k) } value=(u.email); span.sr-only { (translate_dyn(ctx.lang, l)) " " (u.email) } } }
                                }
                            }
                        }
                    }
                }
                button.primary type="submit" { (tr!(ctx, "Add the chosen addresses")) }
                " " button type="submit" name="add_none" value="1" { (tr!(ctx, "Back without adding")) }
            }
        }
    };
    let crumbs = Crumbs::path(&[
        (&*tr!(ctx, "Dashboard"), Some("/agent")),
        (
            &*tr!(ctx, "New E-Mail Ticket"),
            Some("/agent/tickets/new/email"),
        ),
        (&*title, None),
    ]);
    agent_page(&state, &ctx, &title, crumbs, body).await
}

/// Adds the addresses chosen in the address book (`add_to`, `add_cc`, `add_bcc`) to the fields.
pub(crate) fn apply_address_book(fields: &Fields) -> Fields {
    let mut out = fields.without(&[
        "add_to", "add_cc", "add_bcc", "add_none", "back", "to", "cc", "bcc",
    ]);
    for (k, _) in ADDRESS_FIELDS {
        let mut list: Vec<String> = fields
            .get(k)
            .map(|v| {
                v.split([',', ';'])
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if !fields.has("add_none") {
            for added in fields.all(&format!("add_{k}")) {
                if !list.iter().any(|a| a.eq_ignore_ascii_case(added)) {
                    list.push(added.to_owned());
                }
            }
        }
        out.0.push((k.to_owned(), list.join(", ")));
    }
    out
}

// --- multipart forms ----------------------------------------------------------------------------

/// A create form: its fields, and the files attached (URL-encoded or multipart).
#[derive(Debug, Default)]
pub struct Compose {
    /// The text fields.
    pub fields: Fields,
    /// The attached files, in order.
    pub files: Vec<NewAttachment>,
    /// Why the files were refused (too large), for the field.
    pub files_error: Option<String>,
}

/// Extracts a [`Compose`] from a URL-encoded or multipart body.
#[derive(Debug, Default)]
pub struct ComposeForm(pub Compose);

fn boundary_of(headers: &HeaderMap) -> Option<String> {
    crate::ui::upload::boundary_of(headers.get(header::CONTENT_TYPE)?.to_str().ok())
}

/// Reads a multipart body (through [`crate::ui::upload::Upload`]): text fields and files. Files
/// beyond [`MAX_UPLOAD_BYTES`] in all are dropped with a message in `lang`.
async fn read_multipart(
    lang: Language,
    boundary: String,
    bytes: Bytes,
) -> Result<Compose, ApiError> {
    let upload = crate::ui::upload::Upload::parse(bytes, boundary).await?;
    let mut out = Compose {
        fields: upload.fields,
        ..Compose::default()
    };
    let mut total = 0usize;
    for file in upload.files {
        total += file.bytes.len();
        if total > MAX_UPLOAD_BYTES {
            out.files_error = Some(tr!(
                @lang lang,
                "the attachments are larger than %{size} MiB together; %{file} was not attached",
                size = MAX_UPLOAD_BYTES >> 20,
                file = file.file_name
            ));
            continue;
        }
        out.files.push(NewAttachment {
            filename: file.file_name,
            content_type: file.content_type,
            content: Arc::from(file.bytes),
            content_id: None,
            inline: false,
        });
    }
    Ok(out)
}

impl<S: Send + Sync> FromRequest<S> for ComposeForm {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        let boundary = boundary_of(req.headers());
        // The agent's language, for the message about files that were too large.
        let lang = req
            .extensions()
            .get::<Arc<UiCtx>>()
            .map_or(Language::English, |ctx| ctx.lang);
        let bytes = axum::body::to_bytes(req.into_body(), super::MAX_FORM_BYTES)
            .await
            .map_err(|_| ApiError::new("payload-too-large", "the form is too large"))?;
        match boundary {
            Some(b) => Ok(ComposeForm(read_multipart(lang, b, bytes).await?)),
            None => Ok(ComposeForm(Compose {
                fields: Fields::parse(&bytes),
                ..Compose::default()
            })),
        }
    }
}

// --- kept uploads -------------------------------------------------------------------------------

/// The field carrying the key under which the desk keeps a form's uploaded files.
pub const FORM_KEY_FIELD: &str = "form_key";
/// The checkboxes naming kept files to remove.
const REMOVE_FIELD: &str = "remove_upload";

/// The form's key, when it carries a well-formed one.
fn form_key_of(fields: &Fields) -> Option<String> {
    fields
        .get(FORM_KEY_FIELD)
        .filter(|k| {
            (otrs_core::desk::MIN_FORM_KEY_CHARS..=otrs_core::desk::MAX_FORM_KEY_CHARS)
                .contains(&k.len())
                && k.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(str::to_owned)
}

/// Keeps a form's files across showings: gives the form a key (a new random one when it
/// carries none), removes the kept files ticked for removal and hands the files of this request
/// to the desk to keep. The files leave `compose` (the article command takes them from the desk
/// by the key); why some were refused goes to `compose.files_error`.
pub(crate) async fn keep_uploads<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    compose: &mut Compose,
) {
    let key = form_key_of(&compose.fields).unwrap_or_else(|| crate::crypto::random_hex(16));
    let actor = ctx.principal();
    for id in compose.fields.all(REMOVE_FIELD) {
        if let Ok(id) = id.parse::<u64>()
            && let Err(e) = state
                .desk()
                .discard_form_upload(actor, &key, otrs_core::ids::FormUploadId(id))
                .await
        {
            tracing::debug!(error = %e, "a kept file to remove was gone already");
        }
    }
    compose.fields = compose.fields.without(&[FORM_KEY_FIELD, REMOVE_FIELD]);
    compose
        .fields
        .0
        .push((FORM_KEY_FIELD.to_owned(), key.clone()));
    let files = std::mem::take(&mut compose.files);
    if files.is_empty() {
        return;
    }
    if let Err(e) = state.desk().keep_form_uploads(actor, &key, files).await {
        let message = match e {
            otrs_core::error::DeskError::Invalid(list) => list
                .0
                .into_iter()
                .map(|f| translate_dyn(ctx.lang, &f.message).into_owned())
                .collect::<Vec<_>>()
                .join("; "),
            other => crate::ui::message_in(ctx.lang, &ApiError::from(other)),
        };
        compose.files_error = Some(match compose.files_error.take() {
            Some(before) => format!("{before}; {message}"),
            None => message,
        });
    }
}

/// The form key the article command takes the kept files by.
pub(crate) fn kept_uploads_key(form: &Fields) -> Option<String> {
    form_key_of(form)
}

/// The attachments part of a multipart form: the form's key, the files kept for it (each with
/// a box to remove it), the file input and its error (`error_field` names the error's id).
pub(crate) async fn attachments_field<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    form: &Fields,
    error: Option<&str>,
) -> Markup {
    let key = form_key_of(form).unwrap_or_else(|| crate::crypto::random_hex(16));
    let kept = state
        .desk()
        .form_uploads(ctx.principal(), &key)
        .await
        .unwrap_or_default();
    let limit = state.desk().config().max_form_upload_bytes;
    html! {
        input type="hidden" name=(FORM_KEY_FIELD) value=(key);
        label for="attachments" { (tr!(ctx, "Attachments (at most %{size} MiB together)", size = limit >> 20)) }
        @if !kept.is_empty() {
            ul.plain.files.kept-files aria-label=(tr!(ctx, "Attached files")) {
                @for f in &kept {
                    li data-kept-file=(f.filename) {
                        (f.filename) " (" (tr!(ctx, "%{count} bytes", count = f.size())) ") "
                        label.check {
                            input type="checkbox" name=(REMOVE_FIELD) value=(f.id.0);
                            " " (tr!(ctx, "Remove")) span.sr-only { " " (f.filename) }
                        }
                    }
                }
            }
        }
        div.dropzone data-dropzone="attachments" {
            input #attachments type="file" name="attachments" multiple
                aria-invalid=[error.is_some().then_some("true")] aria-describedby=[error.is_some().then_some("err-attachments")];
            span.muted { " " (tr!(ctx, "or drop files here")) }
        }
        @if let Some(m) = error {
            span.field-error id="err-attachments" role="alert" { (translate_dyn(ctx.lang, m)) }

        }
    }
}

// --- rich text ----------------------------------------------------------------------------------

/// The HTML of the rich-text editor, cleaned: only basic formatting and links remain.
pub fn sanitize_html(html: &str) -> String {
    ammonia::Builder::default()
        .tags(
            [
                "b",
                "strong",
                "i",
                "em",
                "u",
                "p",
                "br",
                "div",
                "ul",
                "ol",
                "li",
                "a",
                "blockquote",
                "pre",
                "code",
            ]
            .into_iter()
            .collect(),
        )
        .clean(html)
        .to_string()
}

/// A standard text as plain text for an article body (an HTML text is cleaned and flattened).
pub(crate) fn standard_text_body(text: &otrs_core::model::StandardText) -> String {
    if text.content_type == "text/html" {
        plain_text(&sanitize_html(&text.text))
    } else {
        text.text.clone()
    }
}

/// The plain text of cleaned HTML: line breaks for blocks, tags dropped, entities decoded.
pub fn plain_text(html: &str) -> String {
    let mut marked = html.to_owned();
    for (from, to) in [
        ("<br>", "\n"),
        ("<br/>", "\n"),
        ("<br />", "\n"),
        ("</p>", "\n"),
        ("</div>", "\n"),
        ("</li>", "\n"),
        ("<li>", "- "),
    ] {
        marked = marked.replace(from, to);
    }
    let stripped = ammonia::Builder::empty().clean(&marked).to_string();
    let text = stripped
        .replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    text.trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rich_text_keeps_formatting_and_drops_script() {
        let clean = sanitize_html(
            r#"<p onclick="x()">Hi <b>there</b><script>alert(1)</script></p><img src=x onerror=y>"#,
        );
        assert_eq!(clean, "<p>Hi <b>there</b></p>");
        assert_eq!(plain_text(&clean), "Hi there");
        assert_eq!(
            plain_text("<ul><li>a &amp; b</li><li>c</li></ul>"),
            "- a & b\n- c"
        );
    }

    #[test]
    fn the_address_book_appends_without_duplicates() {
        let f = Fields::parse(b"to=a%40x.example&add_to=b%40x.example&add_to=A%40x.example&add_bcc=c%40x.example&subject=s");
        let out = apply_address_book(&f);
        assert_eq!(out.get("to"), Some("a@x.example, b@x.example"));
        assert_eq!(out.get("bcc"), Some("c@x.example"));
        assert_eq!(out.get("cc"), Some(""));
        assert_eq!(out.get("subject"), Some("s"));
    }
}
