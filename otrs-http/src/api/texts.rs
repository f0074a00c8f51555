//! Text templates and signatures: `/api/v1/templates` and `/api/v1/signatures`. Agents list
//! them (optionally those of one queue); admins create and delete them. The desk checks every
//! permission; these handlers only translate.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use otrs_core::Principal;
use otrs_core::desk::NewStandardText;
use otrs_core::ids::TextId;
use otrs_core::model::{StandardText, TextKind};
use otrs_core::store::Store;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::api::people::with_version;
use crate::api::{Api, Resolver};
use crate::auth::AnyAuth;
use crate::dto::{Named, Ref};
use crate::error::{ApiError, Problem};
use crate::extract::{Json, Path, Query};
use crate::state::AppState;

pub(crate) fn routes<S: Store>(api: Api<S>) -> Api<S> {
    api.get("/api/v1/templates", list_templates::<S>)
        .post("/api/v1/templates", create_template::<S>)
        .delete("/api/v1/templates/{id}", delete_template::<S>)
        .get("/api/v1/signatures", list_signatures::<S>)
        .post("/api/v1/signatures", create_signature::<S>)
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
    /// The queues it is offered in.
    pub queues: Vec<Named>,
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

/// Filters of a text list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TextQuery {
    /// Only the texts of this queue (id or name).
    pub queue: Option<String>,
}

async fn dto<S: Store>(state: &AppState<S>, actor: Principal, t: &StandardText) -> StandardTextDto {
    let queues = state.desk().queues(actor).await.unwrap_or_default();
    StandardTextDto {
        id: t.id.0,
        kind: t.kind.name().to_owned(),
        name: t.name.clone(),
        text: t.text.clone(),
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
    let texts = state
        .desk()
        .standard_texts(auth.principal, kind, queue)
        .await?;
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
    let resolver = Resolver {
        state,
        actor: auth.principal,
    };
    let mut queues = Vec::new();
    for q in &body.queues {
        queues.push(resolver.queue(q, "queues").await?);
    }
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
