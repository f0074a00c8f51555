//! The create-ticket screens for phone and e-mail tickets: one Properties widget with the
//! sections Customer, Assignment, Service Level Management and Communication.
//!
//! The customer-user field is resolved on the server: a login, or a pattern with `*` wildcards
//! that must match exactly one customer user ("Search" lists the matches to pick from, and
//! fills the Customer ID). Every rule is the desk's: its field errors are shown next to the
//! fields, with the values kept.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use otrs_core::desk::{ArticleInput, ArticleKind, NewTicket};
use otrs_core::error::DeskError;
use otrs_core::ids::{AgentId, QueueId, StateId};
use otrs_core::model::{
    CustomerUser, Priority, StateType, TextKind, TimeUnits, Validity, default_states,
};
use otrs_core::store::{CustomerUserFilter, PageRequest, Store};

use crate::error::ApiError;
use crate::i18n::{Language, translate_dyn};
use crate::state::AppState;
use crate::ui::compose::{self, ComposeForm};
use crate::ui::fields::{Fields, QueryFields};
use crate::ui::frame::{Crumbs, DetailWidget, agent_page_with, grid};
use crate::ui::names;
use crate::ui::{UiCtx, message_in, message_of, see_other};
use crate::{n_, tr};

/// The preference choosing the screen after a ticket was created: `create` for another create
/// screen, anything else (or nothing) for the new ticket.
pub const NEXT_PREFERENCE: &str = "ui.create_next";

/// How many customer users a search lists.
const MATCHES_SHOWN: u32 = 20;

/// Phone or e-mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Phone,
    Email,
}

impl Kind {
    fn of(path: &str) -> Option<Kind> {
        match path {
            "phone" => Some(Kind::Phone),
            "email" => Some(Kind::Email),
            _ => None,
        }
    }

    fn path(self) -> &'static str {
        match self {
            Kind::Phone => "/agent/tickets/new/phone",
            Kind::Email => "/agent/tickets/new/email",
        }
    }

    /// The screen's title, marked with `n_!`.
    fn title(self) -> &'static str {
        match self {
            Kind::Phone => n_!("New Phone Ticket"),
            Kind::Email => n_!("New E-Mail Ticket"),
        }
    }

    fn article(self) -> ArticleKind {
        match self {
            Kind::Phone => ArticleKind::PhoneInbound,
            Kind::Email => ArticleKind::EmailOutbound,
        }
    }
}

/// Field errors by form field, and an error that belongs to no field.
#[derive(Debug, Default)]
pub(crate) struct Errors {
    /// Message by form field.
    pub(crate) fields: BTreeMap<String, String>,
    /// A message that belongs to no field.
    pub(crate) general: Option<String>,
}

impl Errors {
    /// Puts an adapter error at the form fields it names (`article.` prefixes dropped), or
    /// above the form.
    pub(crate) fn add_api(&mut self, error: &ApiError) {
        let problem = error.problem();
        if problem.errors.is_empty() {
            self.general = Some(problem.detail);
            return;
        }
        for e in problem.errors {
            let name = e.field.strip_prefix("article.").unwrap_or(&e.field);
            self.field(name, e.message);
        }
    }

    pub(crate) fn field(&mut self, name: &str, message: impl Into<String>) {
        self.fields
            .entry(name.to_owned())
            .or_insert_with(|| message.into());
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.fields.is_empty() && self.general.is_none()
    }

    /// Puts a desk error at the form fields it names.
    fn add_desk(&mut self, lang: Language, error: DeskError) {
        match error {
            DeskError::Invalid(list) => {
                for e in list.0 {
                    let name = e.field.strip_prefix("article.").unwrap_or(&e.field);
                    let name = if name == "title" { "subject" } else { name };
                    self.field(name, e.message);
                }
            }
            other => self.general = Some(message_in(lang, &ApiError::from(other))),
        }
    }

    /// The error of a field in `lang` (a text the catalogue knows is translated; one made with
    /// values was translated when it was made).
    pub(crate) fn at_in(&self, lang: Language, name: &str) -> Markup {
        html! {
            @if let Some(m) = self.fields.get(name) {
                span.field-error id={ "err-" (name) } role="alert" { (translate_dyn(lang, m)) }
            }
        }
    }
}

pub(crate) async fn page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(kind): Path<String>,
    QueryFields(query): QueryFields,
) -> Response {
    let Some(kind) = Kind::of(&kind) else {
        let e = ApiError::new("not-found", format!("no such create screen: {kind}"));
        return crate::ui::ticket::problem_page(&state, &ctx, "New ticket", &e).await;
    };
    let mut form = Fields::default();
    form.0.push(("priority".into(), "3".into()));
    if let Ok(Some(id)) = query.number::<u64>("created") {
        form.0.push(("created".into(), id.to_string()));
    }
    // `?customer_user=LOGIN` (the Customer Information widget's create links) pre-fills the
    // customer when the desk lets the agent see that customer user.
    let mut errors = Errors::default();
    let customer = match query.text("customer_user").as_str() {
        "" => None,
        login => {
            let found = state
                .desk()
                .customer_user_by_login(ctx.principal(), login)
                .await;
            match found {
                Ok(user) => {
                    form.0.push(("customer_user".into(), user.login.clone()));
                    form.0
                        .push(("customer_id".into(), user.customer_id.clone()));
                    Some(user)
                }
                Err(e) => {
                    form.0.push(("customer_user".into(), login.to_owned()));
                    errors.field("customer_user", message_in(ctx.lang, &ApiError::from(e)));
                    None
                }
            }
        }
    };
    render(
        &state,
        &ctx,
        kind,
        &form,
        &errors,
        &[],
        customer.as_ref(),
        StatusCode::OK,
    )
    .await
}

pub(crate) async fn create<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(kind): Path<String>,
    ComposeForm(mut upload): ComposeForm,
) -> Response {
    let Some(kind) = Kind::of(&kind) else {
        let e = ApiError::new("not-found", format!("no such create screen: {kind}"));
        return crate::ui::ticket::problem_page(&state, &ctx, "New ticket", &e).await;
    };
    // The files stay with the form whatever happens next; the new ticket takes them.
    compose::keep_uploads(&state, &ctx, &mut upload).await;
    let actor = ctx.principal();
    let mut form = upload.fields.without(&["csrf_token"]);
    let mut errors = Errors::default();
    if let Some(m) = &upload.files_error {
        errors.field("attachments", m.clone());
    }
    // "Insert" adds the chosen text template to the text; nothing is created.
    if form.has("insert_template") {
        let chosen = form.number::<u64>("template").ok().flatten();
        let templates = state
            .desk()
            .standard_texts(actor, TextKind::Template, None)
            .await
            .unwrap_or_default();
        let mut kept = form.without(&["insert_template", "body", "body_html"]);
        match templates.iter().find(|t| Some(t.id.0) == chosen) {
            Some(t) => {
                let body = form.text("body");
                let joined = if body.is_empty() {
                    compose::standard_text_body(t)
                } else {
                    format!("{body}\n{}", compose::standard_text_body(t))
                };
                kept.0.push(("body".into(), joined));
            }
            None => {
                kept.0.push(("body".into(), form.text("body")));
                errors.field("template", n_!("choose a text template"));
            }
        }
        let customer = resolve_customer(&state, &ctx, &kept.text("customer_user"))
            .await
            .ok()
            .and_then(|(one, _)| one);
        return render(
            &state,
            &ctx,
            kind,
            &kept,
            &errors,
            &[],
            customer.as_ref(),
            StatusCode::OK,
        )
        .await;
    }
    // Back from the address book: the chosen addresses are added, nothing is created.
    if form.has("back") {
        let form = compose::apply_address_book(&form);
        let customer = resolve_customer(&state, &ctx, &form.text("customer_user"))
            .await
            .ok()
            .and_then(|(one, _)| one);
        return render(
            &state,
            &ctx,
            kind,
            &form,
            &errors,
            &[],
            customer.as_ref(),
            StatusCode::OK,
        )
        .await;
    }
    // "Search" lists the matching customer users; picking one fills both customer fields.
    if let Some(login) = form.get("pick").map(str::to_owned) {
        let mut kept = form.without(&["pick", "customer_user", "customer_id"]);
        match state.desk().customer_user_by_login(actor, &login).await {
            Ok(user) => {
                kept.0.push(("customer_user".into(), user.login.clone()));
                kept.0
                    .push(("customer_id".into(), user.customer_id.clone()));
            }
            Err(e) => errors.field("customer_user", message_in(ctx.lang, &ApiError::from(e))),
        }
        let user = state
            .desk()
            .customer_user_by_login(actor, &login)
            .await
            .ok();
        return render(
            &state,
            &ctx,
            kind,
            &kept,
            &errors,
            &[],
            user.as_ref(),
            StatusCode::OK,
        )
        .await;
    }
    let pattern = form.text("customer_user");
    let (customer, matches) = match resolve_customer(&state, &ctx, &pattern).await {
        Ok(found) => found,
        Err(message) => {
            errors.field("customer_user", message);
            (None, Vec::new())
        }
    };
    if form.has("lookup") {
        if matches.is_empty() && errors.is_empty() {
            errors.field(
                "customer_user",
                n_!("enter a login, a name or a pattern with *"),
            );
        }
        if let Some(user) = &customer
            && !form.has("customer_id")
        {
            form = form.without(&["customer_id"]);
            form.0
                .push(("customer_id".into(), user.customer_id.clone()));
        }
        return render(
            &state,
            &ctx,
            kind,
            &form,
            &errors,
            &matches,
            customer.as_ref(),
            StatusCode::OK,
        )
        .await;
    }
    if customer.is_none() && !pattern.is_empty() && errors.is_empty() {
        errors.field(
            "customer_user",
            tr!(
                ctx,
                "%{count} customer users match; choose one",
                count = matches.len()
            ),
        );
    }
    let mut new = match build(&ctx, kind, &form, customer.as_ref(), &mut errors) {
        Some(new) if errors.is_empty() => new,
        _ => {
            return render(
                &state,
                &ctx,
                kind,
                &form,
                &errors,
                &matches,
                customer.as_ref(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    // E-mail ends with the queue's signature.
    if kind == Kind::Email
        && let Some(signature) = state
            .desk()
            .standard_texts(actor, TextKind::Signature, Some(new.queue))
            .await
            .unwrap_or_default()
            .into_iter()
            .next()
    {
        new.article.body = format!(
            "{}\n\n{}",
            new.article.body,
            compose::standard_text_body(&signature)
        );
    }
    let next_create = form.get("next") == Some("create");
    let wanted = if next_create { "create" } else { "ticket" };
    if ctx
        .agent
        .preferences
        .get(NEXT_PREFERENCE)
        .map(String::as_str)
        != Some(wanted)
        && let Err(e) =
            crate::ui::prefs::save_text(&state, &ctx.agent, NEXT_PREFERENCE, wanted).await
    {
        tracing::warn!(error = %message_of(&e), "could not keep the create screen setting");
    }
    match state.desk().create_ticket(actor, new).await {
        Ok(ticket) if next_create => see_other(&format!("{}?created={}", kind.path(), ticket.id.0)),
        Ok(ticket) => see_other(&format!("/agent/tickets/{}", ticket.id.0)),
        Err(e) => {
            let status = ApiError::new(e.code(), "").status();
            errors.add_desk(ctx.lang, e);
            render(
                &state,
                &ctx,
                kind,
                &form,
                &errors,
                &matches,
                customer.as_ref(),
                status,
            )
            .await
        }
    }
}

/// The customer user a field names: an exact login, or the one match of a search (`*` is a
/// wildcard). Also returns the matches to list.
pub(crate) async fn resolve_customer<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    pattern: &str,
) -> Result<(Option<CustomerUser>, Vec<CustomerUser>), String> {
    if pattern.is_empty() {
        return Ok((None, Vec::new()));
    }
    let actor = ctx.principal();
    if !pattern.contains('*')
        && let Ok(user) = state.desk().customer_user_by_login(actor, pattern).await
    {
        return Ok((Some(user.clone()), vec![user]));
    }
    let filter = CustomerUserFilter {
        search: Some(pattern.to_owned()),
        customer_id: None,
        validity: Some(Validity::Valid),
    };
    let page = state
        .desk()
        .customer_users(actor, filter, PageRequest::page(1, MATCHES_SHOWN))
        .await
        .map_err(|e| message_in(ctx.lang, &ApiError::from(e)))?;
    if page.items.is_empty() {
        return Err(tr!(
            ctx,
            "no customer user matches %{pattern}",
            pattern = format!("{pattern:?}")
        ));
    }
    let one = (page.total == 1).then(|| page.items[0].clone());
    Ok((one, page.items))
}

/// The desk command from the form, or field errors for what cannot even be parsed.
fn build(
    ctx: &UiCtx,
    kind: Kind,
    form: &Fields,
    customer: Option<&CustomerUser>,
    errors: &mut Errors,
) -> Option<NewTicket> {
    let mut number = |key: &str| match form.number::<u64>(key) {
        Ok(n) => n,
        Err(_) => {
            errors.field(key, n_!("is not one of the offered choices"));
            None
        }
    };
    let queue = number("queue");
    let owner = number("owner");
    let responsible = number("responsible");
    let state = number("state");
    let priority = match form.text("priority").as_str() {
        "" => None,
        text => match Priority::parse(text) {
            Some(p) => Some(p),
            None => {
                errors.field("priority", n_!("must be 1 to 5"));
                None
            }
        },
    };
    let time_units = match form.text("time_units").as_str() {
        "" => None,
        text => match TimeUnits::parse(text) {
            Some(t) => Some(t),
            None => {
                errors.field("time_units", n_!("must be a number such as 15 or 1,5"));
                None
            }
        },
    };
    if queue.is_none() {
        errors.field("queue", n_!("is required"));
    }
    let pending_until = match form.text("pending_until").as_str() {
        "" => None,
        text => match crate::ui::actions::local_time(ctx, text) {
            Ok(at) => Some(at),
            Err(m) => {
                errors.field("pending_until", m);
                None
            }
        },
    };
    let subject = form.text("subject");
    // The rich-text editor sends its HTML beside the plain text: the article keeps the plain
    // text as its body and the cleaned HTML as an inline part, as e-mail does.
    let html = compose::sanitize_html(form.get("body_html").unwrap_or_default());
    let body = if html.trim().is_empty() {
        form.text("body")
    } else {
        compose::plain_text(&html)
    };
    let mut article = ArticleInput::new(kind.article(), subject.clone(), body);
    article.time_units = time_units;
    article.form_uploads = compose::kept_uploads_key(form);
    if !html.trim().is_empty() {
        article.attachments.insert(
            0,
            otrs_core::model::NewAttachment {
                filename: "file-2.html".into(),
                content_type: "text/html; charset=utf-8".into(),
                content: std::sync::Arc::from(html.as_bytes()),
                content_id: None,
                inline: true,
            },
        );
    }
    let optional = |key: &str| Some(form.text(key)).filter(|v| !v.is_empty());
    match kind {
        Kind::Phone => {
            article.from = optional("from").or_else(|| {
                customer.map(|c| format!("{} {} <{}>", c.first_name, c.last_name, c.email))
            });
        }
        Kind::Email => {
            article.to = optional("to").or_else(|| customer.map(|c| c.email.clone()));
            article.cc = optional("cc");
            article.bcc = optional("bcc");
        }
    }
    let mut new = NewTicket::new(subject, QueueId(queue?), article);
    new.owner = owner.map(AgentId);
    new.responsible = responsible.map(AgentId);
    new.state = state.map(StateId);
    new.priority = priority;
    new.customer_user = customer.map(|c| c.id);
    new.customer_id = optional("customer_id");
    new.pending_until = pending_until;
    Some(new)
}

#[allow(clippy::too_many_arguments)]
async fn render<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    kind: Kind,
    form: &Fields,
    errors: &Errors,
    matches: &[CustomerUser],
    customer: Option<&CustomerUser>,
    status: StatusCode,
) -> Response {
    let actor = ctx.principal();
    let queues = state.desk().queues(actor).await.unwrap_or_default();
    let agents = state.desk().agents(actor).await.unwrap_or_default();
    let chosen_queue = form.number::<u64>("queue").ok().flatten().map(QueueId);
    let templates = state
        .desk()
        .standard_texts(actor, TextKind::Template, chosen_queue)
        .await
        .unwrap_or_default();
    let signature = match (kind, chosen_queue) {
        (Kind::Email, Some(q)) => state
            .desk()
            .standard_texts(actor, TextKind::Signature, Some(q))
            .await
            .unwrap_or_default()
            .into_iter()
            .next(),
        _ => None,
    };
    let states: Vec<_> = state
        .desk()
        .states(actor)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|s| {
            s.valid
                && !matches!(
                    s.state_type,
                    StateType::Merged | StateType::Removed | StateType::New
                )
        })
        .collect();
    let value = |k: &str| form.get(k).unwrap_or_default().to_owned();
    let chosen = |k: &str, v: String| form.get(k) == Some(v.as_str());
    let default_state = default_states::OPEN.0.to_string();
    let state_value = form
        .get("state")
        .map(str::to_owned)
        .unwrap_or(default_state);
    let next_create = form.get("next").map(|v| v == "create").unwrap_or_else(|| {
        ctx.agent
            .preferences
            .get(NEXT_PREFERENCE)
            .map(String::as_str)
            == Some("create")
    });
    let me = ctx.agent.id.0.to_string();
    let owner_value = form.get("owner").map(str::to_owned).unwrap_or(me);
    let invalid = |k: &str| errors.fields.contains_key(k);
    let described = |k: &str| errors.fields.contains_key(k).then(|| format!("err-{k}"));
    let attachments = compose::attachments_field(
        state,
        ctx,
        form,
        errors.fields.get("attachments").map(String::as_str),
    )
    .await;
    let body = html! {
        form.create method="post" action=(kind.path()) enctype="multipart/form-data" novalidate {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            @if let Some(m) = &errors.general { p.error role="alert" { (translate_dyn(ctx.lang, m)) } }
            @if let Some(id) = form.get("created") {
                p.notice role="status" { (tr!(ctx, "Ticket created:")) " " a href={ "/agent/tickets/" (id) } { (tr!(ctx, "open it")) } }
            }
            fieldset {
                legend { (tr!(ctx, "Customer")) }
                div.form-grid {
                    div {
                        label for="customer_user" { (tr!(ctx, "Customer user")) }
                        input #customer_user name="customer_user" value=(value("customer_user"))
                            placeholder=(tr!(ctx, "login, name or pattern with *; ** lists all")) aria-invalid=[invalid("customer_user").then_some("true")]
                            aria-describedby=[described("customer_user")] list="customer-suggestions" autocomplete="off"
                            data-suggest="/agent/customer-users/suggest" data-info="/agent/customer-users/info";
                        datalist #customer-suggestions {}
                        button type="submit" name="lookup" value="1" formnovalidate { (tr!(ctx, "Search")) }
                        (errors.at_in(ctx.lang, "customer_user"))
                    }
                    div {
                        label for="customer_id" { (tr!(ctx, "Customer ID")) }
                        input #customer_id name="customer_id" value=(value("customer_id"))
                            aria-invalid=[invalid("customer_id").then_some("true")];
                        (errors.at_in(ctx.lang, "customer_id"))
                    }
                }
                @if matches.len() > 1 || (form.has("lookup") && !matches.is_empty()) {
                    ul.plain.matches aria-label=(tr!(ctx, "Matching customer users")) {
                        @for u in matches {
                            li {
                                button.link type="submit" name="pick" value=(u.login) {
                                    (u.first_name) " " (u.last_name) " <" (u.email) "> · " (u.customer_id)
                                }
                            }
                        }
                    }
                }
            }
            fieldset {
                legend { (tr!(ctx, "Assignment")) }
                div.form-grid {
                    div {
                        label for="queue" { (tr!(ctx, "Queue (required)")) }
                        select #queue name="queue" required aria-invalid=[invalid("queue").then_some("true")] {
                            option value="" { "–" }
                            @for q in queues.iter().filter(|q| q.validity.is_valid()) {
                                option value=(q.id.0) selected[chosen("queue", q.id.0.to_string())] { (q.name) }
                            }
                        }
                        (errors.at_in(ctx.lang, "queue"))
                    }
                    div {
                        label for="owner" { (tr!(ctx, "Owner")) }
                        select #owner name="owner" {
                            @for a in agents.iter().filter(|a| a.validity.is_valid() && a.id != AgentId::SYSTEM) {
                                option value=(a.id.0) selected[owner_value == a.id.0.to_string()] { (a.first_name) " " (a.last_name) " (" (a.login) ")" }
                            }
                        }
                        (errors.at_in(ctx.lang, "owner"))
                    }
                    div {
                        label for="responsible" { (tr!(ctx, "Responsible")) }
                        select #responsible name="responsible" {
                            option value="" { "–" }
                            @for a in agents.iter().filter(|a| a.validity.is_valid() && a.id != AgentId::SYSTEM) {
                                option value=(a.id.0) selected[chosen("responsible", a.id.0.to_string())] { (a.first_name) " " (a.last_name) " (" (a.login) ")" }
                            }
                        }
                        (errors.at_in(ctx.lang, "responsible"))
                    }
                }
            }
            fieldset {
                legend { (tr!(ctx, "Service Level Management")) }
                div.form-grid {
                    div {
                        label for="priority" { (tr!(ctx, "Priority")) }
                        select #priority name="priority" {
                            @for p in Priority::ALL {
                                option value=(p.level()) selected[chosen("priority", p.level().to_string())] { (names::shown(ctx.lang, p.name())) }
                            }
                        }
                        (errors.at_in(ctx.lang, "priority"))
                    }
                    div {
                        label for="state" { (tr!(ctx, "State")) }
                        select #state name="state" {
                            @for s in &states {
                                option value=(s.id.0) selected[state_value == s.id.0.to_string()] { (names::shown(ctx.lang, &s.name)) }
                            }
                        }
                        (errors.at_in(ctx.lang, "state"))
                    }
                    div {
                        label for="pending_until" { (tr!(ctx, "Pending till (%{zone}; for pending states)", zone = ctx.tz.name())) }
                        input #pending_until type="datetime-local" name="pending_until" value=(value("pending_until"))
                            aria-invalid=[invalid("pending_until").then_some("true")] aria-describedby=[described("pending_until")];
                        (errors.at_in(ctx.lang, "pending_until"))
                    }
                }
            }
            fieldset {
                legend { (tr!(ctx, "Communication")) }
                div.stack {
                    @match kind {
                        Kind::Phone => {
                            label for="from" { (tr!(ctx, "From")) }
                            input #from name="from" value=(value("from")) placeholder=(tr!(ctx, "the customer user when empty"));
                            (errors.at_in(ctx.lang, "from"))
                        }
                        Kind::Email => {
                            label for="to" { (tr!(ctx, "To")) }
                            input #to name="to" value=(value("to")) placeholder=(tr!(ctx, "the customer user when empty"))
                                aria-invalid=[invalid("to").then_some("true")];
                            (errors.at_in(ctx.lang, "to"))
                            label for="cc" { "Cc" }
                            input #cc name="cc" value=(value("cc"));
                            (errors.at_in(ctx.lang, "cc"))
                            label for="bcc" { "Bcc" }
                            input #bcc name="bcc" value=(value("bcc"));
                            (errors.at_in(ctx.lang, "bcc"))
                            div {
                                button type="submit" name="address_book" value="1" formaction="/agent/address-book" formnovalidate { (tr!(ctx, "Address book…")) }
                            }
                        }
                    }
                    @if !templates.is_empty() {
                        label for="template" { (tr!(ctx, "Text template")) }
                        div {
                            select #template name="template" aria-invalid=[invalid("template").then_some("true")] {
                                option value="" { "–" }
                                @for t in &templates {
                                    option value=(t.id.0) selected[chosen("template", t.id.0.to_string())] { (t.name) }
                                }
                            }
                            " " button type="submit" name="insert_template" value="1" formnovalidate { (tr!(ctx, "Insert")) }
                            (errors.at_in(ctx.lang, "template"))
                        }
                    }
                    label for="subject" { (tr!(ctx, "Subject")) }
                    input #subject name="subject" value=(value("subject")) required
                        aria-invalid=[invalid("subject").then_some("true")];
                    (errors.at_in(ctx.lang, "subject"))
                    label for="body" { (tr!(ctx, "Text")) }
                    div.rich-text data-rich-text="body" {
                        textarea #body name="body" rows="10" aria-invalid=[invalid("body").then_some("true")] { (value("body")) }
                        input type="hidden" name="body_html" value=(value("body_html"));
                    }
                    (errors.at_in(ctx.lang, "body"))
                    (attachments)
                    @if let Some(sig) = &signature {
                        p.muted { (tr!(ctx, "Signature (%{name}), added when the e-mail is sent:", name = sig.name)) }
                        pre.signature { (compose::standard_text_body(sig)) }
                    }
                    label for="time_units" { (tr!(ctx, "Time units")) }
                    input #time_units name="time_units" value=(value("time_units")) inputmode="decimal";
                    (errors.at_in(ctx.lang, "time_units"))
                }
            }
            div.actions {
                label {
                    input type="checkbox" name="next" value="create" checked[next_create];
                    " " (tr!(ctx, "Open another create screen afterwards"))
                }
                button.primary type="submit" name="create" value="1" { (tr!(ctx, "Create")) }
            }
        }
    };
    let widgets = [DetailWidget {
        id: "properties".into(),
        title: tr!(ctx, "Properties").into_owned(),
        tools: None,
        body,
    }];
    let side = compose::customer_widgets(state, ctx, customer).await;
    let page = html! {
        div.grid.create-grid {
            div.column { (grid(1, &widgets)) }
            div.column.customer-side { (side) }
        }
    };
    let title = translate_dyn(ctx.lang, kind.title());
    let crumbs = Crumbs::path(&[(&*tr!(ctx, "Dashboard"), Some("/agent")), (&*title, None)]);
    agent_page_with(state, ctx, status, &title, crumbs, page).await
}
