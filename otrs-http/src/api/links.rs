//! Link handlers shared by the objects that can be linked from the API (tickets and
//! knowledge-base articles): naming the other end, adding from one end, removing from one end.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use otrs_core::Principal;
use otrs_core::ids::{KbArticleId, LinkId};
use otrs_core::model::{LinkType, ObjectRef};
use otrs_core::store::Store;

use crate::api::{Resolver, convert};
use crate::dto::Ref;
use crate::error::ApiError;
use crate::extract::Json;
use crate::state::AppState;

/// The object a link body names: a ticket or a knowledge-base article, by id or number.
pub(crate) async fn link_target<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    kind: Option<&str>,
    target: &Ref,
) -> Result<ObjectRef, ApiError> {
    match kind.unwrap_or("ticket") {
        "ticket" => {
            let r = Resolver { state, actor };
            Ok(ObjectRef::Ticket(r.ticket(target).await?))
        }
        "kb_article" => match target {
            Ref::Id(id) => Ok(ObjectRef::KbArticle(KbArticleId(*id))),
            Ref::Name(number) => Ok(ObjectRef::KbArticle(
                state
                    .desk()
                    .kb_article_by_number(actor, number)
                    .await?
                    .article
                    .id,
            )),
        },
        _ => Err(ApiError::invalid("kind", "must be ticket or kb_article")),
    }
}

/// Links `source` (the parent, for ParentChild) to the object a link body names; answers 201
/// with the link and its `Location` under `base` (the source's path).
pub(crate) async fn add_link<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    source: ObjectRef,
    base: &str,
    (kind, target, link_type): (Option<&str>, &Ref, Option<&str>),
) -> Result<Response, ApiError> {
    let link_type = match link_type {
        None => LinkType::Normal,
        Some(name) => LinkType::from_name(name)
            .ok_or_else(|| ApiError::invalid("type", "must be Normal or ParentChild"))?,
    };
    let target = link_target(state, actor, kind, target).await?;
    let link = state.desk().link(actor, source, target, link_type).await?;
    let mut response = (StatusCode::CREATED, Json(convert::link(&link))).into_response();
    if let Ok(value) = HeaderValue::from_str(&format!("{base}/links/{}", link.id.0)) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    Ok(response)
}

/// Removes a link of `object`; a link of another object is not found here.
pub(crate) async fn remove_link<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    object: ObjectRef,
    link: u64,
    described: &str,
) -> Result<StatusCode, ApiError> {
    let links = state.desk().links(actor, object).await?;
    if !links.iter().any(|l| l.id == LinkId(link)) {
        return Err(ApiError::new(
            "not-found",
            format!("{described} has no link {link}"),
        ));
    }
    state.desk().unlink(actor, LinkId(link)).await?;
    Ok(StatusCode::NO_CONTENT)
}
