//! Links of knowledge-base articles: the detail view's Linked Tickets and Linked Knowledge
//! Base Articles widgets (only when there are links), unlinking, the Link dialog (a ticket by
//! number or title, another article by FAQ# or words), and the ticket side: the ticket view's
//! Linked Knowledge Base Articles widget and the article part of the ticket's Link action.
//!
//! The desk decides who may link and unlink (`rw` on one end, `ro` on the other); the pages only
//! offer the buttons to agents who may change the article (or the ticket).

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use otrs_core::DeskError;
use otrs_core::desk::{KbArticleView, KbListItem, KbQuery};
use otrs_core::ids::{KbArticleId, LinkId, TicketId};
use otrs_core::model::{Link, LinkType, ObjectRef, Ticket};
use otrs_core::store::Store;

use crate::error::ApiError;
use crate::state::AppState;
use crate::ui::create::Errors;
use crate::ui::fields::{Fields, FormFields};
use crate::ui::frame::{DetailWidget, agent_page_with};
use crate::ui::kb::{add_error, article_id, state_label};
use crate::ui::kb_detail::{base, load_writable, sub_crumbs, widget};
use crate::ui::ticket::problem_page;
use crate::ui::{UiCtx, names, see_other};
use crate::{n_, tr};

/// How many matches a link search lists.
const TARGETS_SHOWN: u32 = 10;

/// "Normal", "Parent" or "Child": how the other end is linked, seen from `me`.
fn linked_as(ctx: &UiCtx, link: &Link, me: ObjectRef) -> String {
    match link.link_type {
        LinkType::Normal => tr!(ctx, "Normal").into_owned(),
        _ if link.source == me => tr!(ctx, "Child").into_owned(),
        _ => tr!(ctx, "Parent").into_owned(),
    }
}

fn kb_unlink_button(ctx: &UiCtx, view: &KbArticleView, link: LinkId, what: &str) -> Markup {
    html! {
        form.inline method="post" action={ (base(view)) "/links/" (link.0) "/unlink" } {
            input type="hidden" name="csrf_token" value=(ctx.csrf);
            button.link type="submit" aria-label=(tr!(ctx, "Unlink %{what}", what = what)) title=(tr!(ctx, "Unlink")) { "✕" }
        }
    }
}

/// The detail view's Linked Tickets widget (none without linked tickets).
pub(crate) async fn linked_tickets<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    view: &KbArticleView,
    links: &[Link],
) -> Option<DetailWidget> {
    let me = ObjectRef::KbArticle(view.article.id);
    let mut rows: Vec<(&Link, Ticket)> = Vec::new();
    for l in links {
        if let ObjectRef::Ticket(t) = l.other_end(me)
            && let Ok(ticket) = state.desk().ticket(ctx.principal(), t).await
        {
            rows.push((l, ticket));
        }
    }
    if rows.is_empty() {
        return None;
    }
    let tickets: Vec<Ticket> = rows.iter().map(|(_, t)| t.clone()).collect();
    let dtos = crate::api::convert::tickets(state, &tickets).await;
    let body = html! {
        table.list.linked {
            thead { tr {
                th { (tr!(ctx, "Number")) } th { (tr!(ctx, "Title")) } th { (tr!(ctx, "Priority")) } th.optional { (tr!(ctx, "Created")) }
                th { (tr!(ctx, "State")) } th.optional { (tr!(ctx, "Queue")) } th { (tr!(ctx, "Linked As")) } @if view.may_edit { th { (tr!(ctx, "Unlink")) } }
            } }
            tbody {
                @for ((l, t), d) in rows.iter().zip(&dtos) {
                    tr {
                        td { a href={ "/agent/tickets/" (t.id.0) } { (t.number) } }
                        td { (t.title) }
                        td { (names::shown(ctx.lang, &d.priority.name)) }
                        td.optional { (ctx.time(t.created_at)) }
                        td { (names::shown(ctx.lang, &d.state.name)) }
                        td.optional { (d.queue.name) }
                        td { (linked_as(ctx, l, me)) }
                        @if view.may_edit { td { (kb_unlink_button(ctx, view, l.id, &tr!(ctx, "ticket %{number}", number = t.number))) } }
                    }
                }
            }
        }
    };
    let title = if rows.len() == 1 {
        tr!(ctx, "Linked Tickets (%{count} Ticket)", count = 1)
    } else {
        tr!(ctx, "Linked Tickets (%{count} Tickets)", count = rows.len())
    };
    Some(widget("linked-tickets", &title, body))
}

/// The knowledge-base articles at the other end of `links` that the agent sees.
async fn linked_views<'l, S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    me: ObjectRef,
    links: &'l [Link],
) -> Vec<(&'l Link, KbArticleView)> {
    let mut rows = Vec::new();
    for l in links {
        if let ObjectRef::KbArticle(id) = l.other_end(me)
            && let Ok(v) = state.desk().kb_article(ctx.principal(), id).await
        {
            rows.push((l, v));
        }
    }
    rows
}

/// Makes the ✕ button that removes one link of a table.
type UnlinkButton<'a> = dyn Fn(&Link, &KbArticleView) -> Markup + 'a;

/// The table of linked articles: FAQ#, Title, State, Created, Linked As and, with `unlink`,
/// the button that removes each link.
fn articles_table(
    ctx: &UiCtx,
    me: ObjectRef,
    rows: &[(&Link, KbArticleView)],
    unlink: Option<&UnlinkButton>,
) -> Markup {
    html! {
        table.list.linked.linked-kb {
            thead { tr {
                th { "FAQ#" } th { (tr!(ctx, "Title")) } th { (tr!(ctx, "State")) } th.optional { (tr!(ctx, "Created")) }
                th { (tr!(ctx, "Linked As")) } @if unlink.is_some() { th { (tr!(ctx, "Unlink")) } }
            } }
            tbody {
                @for (l, v) in rows {
                    tr {
                        td { a href={ "/agent/kb/" (v.article.id.0) } { (v.number) } }
                        td { a href={ "/agent/kb/" (v.article.id.0) } { (v.article.title) } }
                        td { (state_label(ctx.lang, v.article.state)) }
                        td.optional { (ctx.time(v.article.created_at)) }
                        td { (linked_as(ctx, l, me)) }
                        @if let Some(button) = unlink { td { (button(l, v)) } }
                    }
                }
            }
        }
    }
}

fn articles_title(ctx: &UiCtx, count: usize) -> String {
    if count == 1 {
        tr!(
            ctx,
            "Linked Knowledge Base Articles (%{count} Article)",
            count = 1
        )
    } else {
        tr!(
            ctx,
            "Linked Knowledge Base Articles (%{count} Articles)",
            count = count
        )
    }
}

/// The detail view's Linked Knowledge Base Articles widget (none without linked articles).
pub(crate) async fn linked_articles<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    view: &KbArticleView,
    links: &[Link],
) -> Option<DetailWidget> {
    let me = ObjectRef::KbArticle(view.article.id);
    let rows = linked_views(state, ctx, me, links).await;
    if rows.is_empty() {
        return None;
    }
    let button: &UnlinkButton = &|l, v| {
        kb_unlink_button(
            ctx,
            view,
            l.id,
            &tr!(ctx, "article %{number}", number = v.number),
        )
    };
    let body = articles_table(ctx, me, &rows, view.may_edit.then_some(button));
    Some(widget(
        "linked-kb-articles",
        &articles_title(ctx, rows.len()),
        body,
    ))
}

/// The ticket detail view's "Linked Knowledge Base Articles" widget: (title, body), only when
/// the ticket has at least one linked article the agent sees. `may_unlink` adds the buttons
/// (they post to the ticket's unlink route).
pub(crate) async fn ticket_widget<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    ticket: TicketId,
    may_unlink: bool,
) -> Option<(String, Markup)> {
    let me = ObjectRef::Ticket(ticket);
    let links = state
        .desk()
        .links(ctx.principal(), me)
        .await
        .unwrap_or_default();
    let rows = linked_views(state, ctx, me, &links).await;
    if rows.is_empty() {
        return None;
    }
    let button: &UnlinkButton = &|l, v| {
        crate::ui::ticket::unlink_button(
            ctx,
            ticket,
            l.id,
            &tr!(ctx, "article %{number}", number = v.number),
        )
    };
    let body = articles_table(ctx, me, &rows, may_unlink.then_some(button));
    Some((articles_title(ctx, rows.len()), body))
}

/// Removes a link of the article.
pub(crate) async fn unlink<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path((id, link)): Path<(String, u64)>,
) -> Response {
    let result = async {
        let kb = article_id(&id)?;
        let desk = state.desk();
        let links = desk
            .links(ctx.principal(), ObjectRef::KbArticle(kb))
            .await?;
        // The link must be one of this article's.
        let Some(found) = links.iter().find(|l| l.id == LinkId(link)) else {
            return Err(ApiError::from(DeskError::not_found("link", link)));
        };
        // `rw` on the article (or on the other end) and `ro` on the other end suffice.
        desk.unlink(ctx.principal(), found.id).await?;
        Ok(kb)
    }
    .await;
    match result {
        Ok(kb) => see_other(&format!("/agent/kb/{}", kb.0)),
        Err(e) => problem_page(&state, &ctx, n_!("Unlink"), &e).await,
    }
}

/// True if a Link form names a knowledge-base article (and no ticket).
pub(crate) fn wants_article(form: &Fields) -> bool {
    (!form.text("kb_target").is_empty() || form.has("kb_target_id"))
        && form.text("target").is_empty()
        && !form.has("target_id")
}

/// Articles a link target names: an FAQ number, or words of the text; `except` left out.
pub(crate) async fn find_articles<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    text: &str,
    except: Option<KbArticleId>,
) -> Vec<KbListItem> {
    let text = text.trim().trim_start_matches("FAQ#").trim();
    if text.is_empty() {
        return Vec::new();
    }
    let desk = state.desk();
    if text.bytes().all(|b| b.is_ascii_digit())
        && let Ok(v) = desk.kb_article_by_number(ctx.principal(), text).await
    {
        return if Some(v.article.id) == except {
            Vec::new()
        } else {
            vec![KbListItem {
                number: v.number,
                category_path: v.category_path,
                article: v.article,
            }]
        };
    }
    let query = KbQuery {
        text: Some(text.to_owned()),
        limit: TARGETS_SHOWN + 1,
        ..KbQuery::default()
    };
    desk.search_kb(ctx.principal(), query)
        .await
        .map(|p| p.items)
        .unwrap_or_default()
        .into_iter()
        .filter(|i| Some(i.article.id) != except)
        .take(TARGETS_SHOWN as usize)
        .collect()
}

/// The article a Link form names: a chosen `kb_target_id`, or the one article `kb_target`
/// names. `Ok(None)` means "show the matches" (the errors say why).
pub(crate) async fn article_target<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    form: &Fields,
    errors: &mut Errors,
    except: Option<KbArticleId>,
) -> Result<Option<KbArticleId>, ApiError> {
    if let Some(id) = form.number::<u64>("kb_target_id")? {
        return Ok(Some(KbArticleId(id)));
    }
    let text = form.text("kb_target");
    if text.is_empty() {
        errors.field(
            "kb_target",
            n_!("enter an FAQ number or words of the title"),
        );
        return Ok(None);
    }
    let found = find_articles(state, ctx, &text, except).await;
    match found.as_slice() {
        [one] if !form.has("search") => Ok(Some(one.article.id)),
        [] => {
            errors.field(
                "kb_target",
                tr!(
                    ctx,
                    "no knowledge base article matches %{text}",
                    text = format!("{text:?}")
                ),
            );
            Ok(None)
        }
        [_] => Ok(None),
        many => {
            if !form.has("search") {
                errors.field(
                    "kb_target",
                    tr!(
                        ctx,
                        "%{count} knowledge base articles match %{text}; choose one",
                        count = many.len(),
                        text = format!("{text:?}")
                    ),
                );
            }
            Ok(None)
        }
    }
}

/// The article part of a Link form: the FAQ number or words, a search button and the matches.
pub(crate) async fn article_target_field<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    form: &Fields,
    errors: &Errors,
    except: Option<KbArticleId>,
) -> Markup {
    let text = form.text("kb_target");
    let matches = if text.is_empty() {
        Vec::new()
    } else {
        find_articles(state, ctx, &text, except).await
    };
    let invalid = errors.fields.contains_key("kb_target");
    html! {
        label for="kb_target" { (tr!(ctx, "Knowledge base article (FAQ# or words of the title)")) }
        input #kb_target type="text" name="kb_target" value=(text)
            aria-invalid=[invalid.then_some("true")] aria-describedby=[invalid.then_some("err-kb_target")];
        " " button type="submit" name="search" value="1" formnovalidate { (tr!(ctx, "Search")) }
        (errors.at_in(ctx.lang, "kb_target"))
        @if !matches.is_empty() {
            ul.plain.matches aria-label=(tr!(ctx, "Matching knowledge base articles")) {
                @for m in &matches {
                    li { label { input type="radio" name="kb_target_id" value=(m.article.id.0); " FAQ#" (m.number) " — " (m.article.title) } }
                }
            }
        }
    }
}

/// The Link dialog.
pub(crate) async fn link_page<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
) -> Response {
    link_panel(
        &state,
        &ctx,
        &id,
        &Fields::default(),
        &Errors::default(),
        StatusCode::OK,
    )
    .await
}

/// Links the article to a ticket or to another article (a search shows the matches first).
pub(crate) async fn link_run<S: Store>(
    State(state): State<AppState<S>>,
    Extension(ctx): Extension<Arc<UiCtx>>,
    Path(id): Path<String>,
    FormFields(form): FormFields,
) -> Response {
    let view = match load_writable(&state, &ctx, &id, n_!("Link")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let me = view.article.id;
    let mut errors = Errors::default();
    let target = if wants_article(&form) {
        article_target(&state, &ctx, &form, &mut errors, Some(me))
            .await
            .map(|t| t.map(ObjectRef::KbArticle))
    } else {
        crate::ui::actions::target_of(&state, &ctx, TicketId(0), &form, &mut errors)
            .await
            .map(|t| t.map(ObjectRef::Ticket))
    };
    let target = match target {
        Ok(Some(t)) => t,
        Ok(None) => {
            let status = if form.has("search") {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            return link_panel(&state, &ctx, &id, &form, &errors, status).await;
        }
        Err(e) => {
            add_error(&ctx, &mut errors, &e);
            return link_panel(&state, &ctx, &id, &form, &errors, e.status()).await;
        }
    };
    match state
        .desk()
        .link(
            ctx.principal(),
            ObjectRef::KbArticle(me),
            target,
            LinkType::Normal,
        )
        .await
    {
        Ok(_) => see_other(&format!("/agent/kb/{}", me.0)),
        Err(e) => {
            let e = ApiError::from(e);
            add_error(&ctx, &mut errors, &e);
            link_panel(&state, &ctx, &id, &form, &errors, e.status()).await
        }
    }
}

async fn link_panel<S: Store>(
    state: &AppState<S>,
    ctx: &UiCtx,
    id: &str,
    form: &Fields,
    errors: &Errors,
    status: StatusCode,
) -> Response {
    let view = match load_writable(state, ctx, id, n_!("Link")).await {
        Ok(v) => v,
        Err(r) => return r,
    };
    let text = form.text("target");
    let tickets = if text.is_empty() {
        Vec::new()
    } else {
        crate::ui::actions::find_targets(state, ctx, TicketId(0), &text).await
    };
    let kb_field = article_target_field(state, ctx, form, errors, Some(view.article.id)).await;
    let heading = tr!(ctx, "Link");
    let base = base(&view);
    let ticket_invalid = errors.fields.contains_key("target");
    let body = html! {
        section.widget.action-panel aria-label=(heading) {
            header { h2 { (heading) } }
            div.body {
                @if let Some(m) = &errors.general { p.error role="alert" { (m) } }
                form.stack method="post" action={ (base) "/link" } {
                    input type="hidden" name="csrf_token" value=(ctx.csrf);
                    fieldset {
                        legend { (tr!(ctx, "Link to a ticket")) }
                        label for="target" { (tr!(ctx, "Target ticket (number or title, * as wildcard)")) }
                        input #target type="text" name="target" value=(text)
                            aria-invalid=[ticket_invalid.then_some("true")] aria-describedby=[ticket_invalid.then_some("err-target")];
                        " " button type="submit" name="search" value="1" formnovalidate { (tr!(ctx, "Search")) }
                        (errors.at_in(ctx.lang, "target"))
                        @if !tickets.is_empty() {
                            ul.plain.matches aria-label=(tr!(ctx, "Matching tickets")) {
                                @for t in &tickets {
                                    li { label { input type="radio" name="target_id" value=(t.id.0); " Ticket#" (t.number) " — " (t.title) } }
                                }
                            }
                        }
                    }
                    fieldset {
                        legend { (tr!(ctx, "or to another knowledge base article")) }
                        (kb_field)
                    }
                    div { button.primary type="submit" { (tr!(ctx, "Link")) } " " a.button href=(base) { (tr!(ctx, "Cancel")) } }
                }
            }
        }
    };
    let crumbs = sub_crumbs(ctx, &view, &heading);
    let title = format!("{heading} — FAQ#{}", view.number);
    agent_page_with(state, ctx, status, &title, crumbs, body).await
}
