//! Text templates and signatures: `/api/v1/templates` and `/api/v1/signatures`. Agents list
//! the valid ones (optionally those of one queue); admins list all of them, create, replace
//! (`PUT`), change (`PATCH`, with `If-Match`) and delete them. The desk checks every
//! permission; these handlers only translate.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use otrs_core::Principal;
use otrs_core::desk::{NewStandardText, StandardTextUpdate};
use otrs_core::ids::{QueueId, TextId};
use otrs_core::model::{StandardText, TextKind, Validity};
use otrs_core::store::Store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::people::with_version;
use crate::api::{Api, Resolver, if_match};
use crate::auth::AnyAuth;
use crate::dto::{Named, Ref};
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/templates", list_templates::<S>)
        .post("/api/v1/templates", create_template::<S>)
        .put("/api/v1/templates/{id}", replace_template::<S>)
        .patch("/api/v1/templates/{id}", update_template::<S>)
        .delete("/api/v1/templates/{id}", delete_template::<S>)
        .get("/api/v1/signatures", list_signatures::<S>)
        .post("/api/v1/signatures", create_signature::<S>)
        .put("/api/v1/signatures/{id}", replace_signature::<S>)
        .patch("/api/v1/signatures/{id}", update_signature::<S>)
        .delete("/api/v1/signatures/{id}", delete_signature::<S>)
}

/// A text template or signature.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardTextDto {
    /// Id.
    pub id: u64,
    /// `template` or `signature`.
    pub kind: String,
    /// Name (unique per kind).
    pub name: String,
    /// The text.
    pub text: String,
    /// `text/plain` or `text/html`.
    pub content_type: String,
    /// `valid`, `invalid` or `invalid-temporarily`; only valid texts are offered to agents.
    pub validity: String,
    /// The queues it is offered in.
    pub queues: Vec<Named>,
    /// Version (the ETag is `"v{version}"`).
    pub version: u64,
}

/// A list of texts.
#[derive(Debug, Serialize, ToSchema)]
pub struct StandardTextList {
    /// The texts, by name.
    pub items: Vec<StandardTextDto>,
    /// How many.
    pub total: u64,
}

/// A text to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStandardTextBody {
    /// Name (1 to 200 characters, unique per kind).
    pub name: String,
    /// The text.
    #[serde(default)]
    pub text: String,
    /// The queues (ids or names).
    #[serde(default)]
    pub queues: Vec<Ref>,
}

/// A whole text, replacing the stored one (`PUT`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardTextBody {
    /// Name (1 to 200 characters, unique per kind).
    pub name: String,
    /// The text.
    #[serde(default)]
    pub text: String,
    /// `text/plain` (default) or `text/html`.
    pub content_type: Option<String>,
    /// `valid` (default), `invalid` or `invalid-temporarily`.
    pub validity: Option<String>,
    /// The queues (ids or names); none when left out.
    #[serde(default)]
    pub queues: Vec<Ref>,
}

/// Changes to a text (`PATCH`); what is left out stays.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardTextPatch {
    /// New name.
    pub name: Option<String>,
    /// New text.
    pub text: Option<String>,
    /// New content type: `text/plain` or `text/html`.
    pub content_type: Option<String>,
    /// New validity: `valid`, `invalid` or `invalid-temporarily`.
    pub validity: Option<String>,
    /// New queue assignments (ids or names), replacing the old ones.
    pub queues: Option<Vec<Ref>>,
}

/// Filters of a text list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TextQuery {
    /// Only the texts of this queue (id or name).
    pub queue: Option<String>,
    /// Invalid texts too (admins).
    pub include_invalid: Option<bool>,
}

async fn dto<S: Store>(state: &AppState<S>, actor: Principal, t: &StandardText) -> StandardTextDto {
    let queues = state.desk().queues(actor).await.unwrap_or_default();
    StandardTextDto {
        id: t.id.0,
        kind: t.kind.name().to_owned(),
        name: t.name.clone(),
        text: t.text.clone(),
        content_type: t.content_type.clone(),
        validity: t.validity.name().to_owned(),
        version: t.version,
        queues: t
            .queues
            .iter()
            .map(|q| Named {
                id: q.0,
                name: queues
                    .iter()
                    .find(|x| x.id == *q)
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

async fn list<S: Store>(
    state: &AppState<S>,
    auth: &AnyAuth,
    kind: TextKind,
    query: TextQuery,
) -> Result<Json<StandardTextList>, ApiError> {
    let resolver = Resolver {
        state,
        actor: auth.principal,
    };
    let queue = match query.queue.filter(|q| !q.is_empty()) {
        None => None,
        Some(q) => {
            let r = q.parse::<u64>().map(Ref::Id).unwrap_or(Ref::Name(q));
            Some(resolver.queue(&r, "queue").await?)
        }
    };
    let texts = if query.include_invalid == Some(true) {
        let mut all = state
            .desk()
            .all_standard_texts(auth.principal, kind)
            .await?;
        if let Some(q) = queue {
            all.retain(|t| t.queues.contains(&q));
        }
        all
    } else {
        state
            .desk()
            .standard_texts(auth.principal, kind, queue)
            .await?
    };
    let mut items = Vec::new();
    for t in &texts {
        items.push(dto(state, auth.principal, t).await);
    }
    Ok(Json(StandardTextList {
        total: items.len() as u64,
        items,
    }))
}

async fn create<S: Store>(
    state: &AppState<S>,
    auth: &AnyAuth,
    kind: TextKind,
    body: NewStandardTextBody,
) -> Result<Response, ApiError> {
    let queues = queue_refs(state, auth.principal, &body.queues).await?;
    let text = state
        .desk()
        .create_standard_text(
            auth.principal,
            NewStandardText {
                kind,
                name: body.name,
                text: body.text,
                queues,
            },
        )
        .await?;
    let location = format!("/api/v1/{}s/{}", kind.name(), text.id.0);
    Ok(with_version(
        dto(state, auth.principal, &text).await,
        text.version,
        Some(location),
    ))
}

/// The text templates (agents); `queue` narrows them to one queue's.
#[utoipa::path(get, path = "/api/v1/templates", tag = "texts", params(TextQuery),
    responses((status = 200, body = StandardTextList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_templates<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(query): Query<TextQuery>,
) -> Result<Json<StandardTextList>, ApiError> {
    list(&state, &auth, TextKind::Template, query).await
}

/// Creates a text template assigned to queues (admins).
#[utoipa::path(post, path = "/api/v1/templates", tag = "texts", request_body = NewStandardTextBody,
    responses((status = 201, body = StandardTextDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_template<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewStandardTextBody>,
) -> Result<Response, ApiError> {
    create(&state, &auth, TextKind::Template, body).await
}

/// Deletes a text template (admins).
#[utoipa::path(delete, path = "/api/v1/templates/{id}", tag = "texts",
    params(("id" = u64, Path, description = "Template id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_template<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    remove(&state, &auth, TextKind::Template, id).await
}

/// The signatures (agents); `queue` narrows them to one queue's.
#[utoipa::path(get, path = "/api/v1/signatures", tag = "texts", params(TextQuery),
    responses((status = 200, body = StandardTextList), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn list_signatures<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Query(query): Query<TextQuery>,
) -> Result<Json<StandardTextList>, ApiError> {
    list(&state, &auth, TextKind::Signature, query).await
}

/// Creates a signature assigned to queues (admins).
#[utoipa::path(post, path = "/api/v1/signatures", tag = "texts", request_body = NewStandardTextBody,
    responses((status = 201, body = StandardTextDto), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn create_signature<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Json(body): Json<NewStandardTextBody>,
) -> Result<Response, ApiError> {
    create(&state, &auth, TextKind::Signature, body).await
}

/// Deletes a signature (admins).
#[utoipa::path(delete, path = "/api/v1/signatures/{id}", tag = "texts",
    params(("id" = u64, Path, description = "Signature id")),
    responses((status = 204), (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn delete_signature<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
) -> Result<StatusCode, ApiError> {
    remove(&state, &auth, TextKind::Signature, id).await
}

async fn remove<S: Store>(
    state: &AppState<S>,
    auth: &AnyAuth,
    kind: TextKind,
    id: u64,
) -> Result<StatusCode, ApiError> {
    state
        .desk()
        .delete_standard_text(auth.principal, kind, TextId(id))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn queue_refs<S: Store>(
    state: &AppState<S>,
    actor: Principal,
    refs: &[Ref],
) -> Result<Vec<QueueId>, ApiError> {
    let resolver = Resolver { state, actor };
    let mut queues = Vec::new();
    for q in refs {
        queues.push(resolver.queue(q, "queues").await?);
    }
    Ok(queues)
}

fn validity_of(text: &str) -> Result<Validity, ApiError> {
    Validity::from_name(text).ok_or_else(|| {
        ApiError::invalid(
            "validity",
            format!("{text:?} is not valid, invalid or invalid-temporarily"),
        )
    })
}

async fn change<S: Store>(
    state: &AppState<S>,
    auth: &AnyAuth,
    kind: TextKind,
    id: u64,
    headers: &HeaderMap,
    body: StandardTextPatch,
) -> Result<Response, ApiError> {
    let update = StandardTextUpdate {
        name: body.name,
        text: body.text,
        content_type: body.content_type,
        validity: body.validity.as_deref().map(validity_of).transpose()?,
        queues: match &body.queues {
            Some(refs) => Some(queue_refs(state, auth.principal, refs).await?),
            None => None,
        },
        expected_version: if_match(headers)?,
    };
    let text = state
        .desk()
        .update_standard_text(auth.principal, kind, TextId(id), update)
        .await?;
    Ok(with_version(
        dto(state, auth.principal, &text).await,
        text.version,
        None,
    ))
}

/// A `PUT` body as a patch that sets every field.
fn whole(body: StandardTextBody) -> StandardTextPatch {
    StandardTextPatch {
        name: Some(body.name),
        text: Some(body.text),
        content_type: Some(
            body.content_type
                .unwrap_or_else(|| otrs_core::model::TEXT_CONTENT_TYPES[0].to_owned()),
        ),
        validity: Some(
            body.validity
                .unwrap_or_else(|| Validity::Valid.name().to_owned()),
        ),
        queues: Some(body.queues),
    }
}

/// Replaces a text template (admins): every field is set, defaults for those left out. Send
/// `If-Match` to refuse the change when the template changed since.
#[utoipa::path(put, path = "/api/v1/templates/{id}", tag = "texts", request_body = StandardTextBody,
    params(("id" = u64, Path, description = "Template id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = StandardTextDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn replace_template<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<StandardTextBody>,
) -> Result<Response, ApiError> {
    change(&state, &auth, TextKind::Template, id, &headers, whole(body)).await
}

/// Changes a text template (admins): name, text, content type, validity, queues. Send
/// `If-Match` to refuse the change when the template changed since.
#[utoipa::path(patch, path = "/api/v1/templates/{id}", tag = "texts", request_body = StandardTextPatch,
    params(("id" = u64, Path, description = "Template id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = StandardTextDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_template<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<StandardTextPatch>,
) -> Result<Response, ApiError> {
    change(&state, &auth, TextKind::Template, id, &headers, body).await
}

/// Replaces a signature (admins): every field is set, defaults for those left out. Send
/// `If-Match` to refuse the change when the signature changed since.
#[utoipa::path(put, path = "/api/v1/signatures/{id}", tag = "texts", request_body = StandardTextBody,
    params(("id" = u64, Path, description = "Signature id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = StandardTextDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn replace_signature<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<StandardTextBody>,
) -> Result<Response, ApiError> {
    change(
        &state,
        &auth,
        TextKind::Signature,
        id,
        &headers,
        whole(body),
    )
    .await
}

/// Changes a signature (admins): name, text, content type, validity, queues. Send `If-Match`
/// to refuse the change when the signature changed since.
#[utoipa::path(patch, path = "/api/v1/signatures/{id}", tag = "texts", request_body = StandardTextPatch,
    params(("id" = u64, Path, description = "Signature id"), ("If-Match" = Option<String>, Header, description = "ETag of the version the change is based on")),
    responses((status = 200, body = StandardTextDto, headers(("ETag" = String))),
        (status = 412, body = Problem, content_type = "application/problem+json"),
        (status = "4XX", body = Problem, content_type = "application/problem+json")))]
pub(crate) async fn update_signature<S: Store>(
    State(state): State<AppState<S>>,
    auth: AnyAuth,
    Path(id): Path<u64>,
    headers: HeaderMap,
    Json(body): Json<StandardTextPatch>,
) -> Result<Response, ApiError> {
    change(&state, &auth, TextKind::Signature, id, &headers, body).await
}
