//! One error type for every response that is not a success: RFC 9457 problem details.
//!
//! [`ApiError`] maps each [`DeskError::code`] to a status and a stable problem `type` in one
//! table ([`PROBLEMS`]); the HTTP layer's own failures (malformed bodies and parameters, missing
//! sign-in, CSRF, unknown routes) use the same shape. Internal failures answer with a generic
//! message; their full cause chain goes only to the log.

use std::fmt::Write as _;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use otrs_core::DeskError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of problem responses.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The prefix of every problem `type`.
pub const PROBLEM_TYPE_PREFIX: &str = "urn:otrs:problem:";

/// Every problem code with its status and title. Desk errors use their [`DeskError::code`];
/// the rest are the HTTP layer's own.
pub const PROBLEMS: &[(&str, StatusCode, &str)] = &[
    ("not-found", StatusCode::NOT_FOUND, "Not found"),
    (
        "permission-denied",
        StatusCode::FORBIDDEN,
        "Permission denied",
    ),
    (
        "not-authenticated",
        StatusCode::UNAUTHORIZED,
        "Not signed in",
    ),
    ("ticket-locked", StatusCode::CONFLICT, "Ticket locked"),
    ("ticket-merged", StatusCode::CONFLICT, "Ticket merged"),
    ("merge-into-self", StatusCode::CONFLICT, "Merge refused"),
    ("merge-into-merged", StatusCode::CONFLICT, "Merge refused"),
    (
        "merge-into-own-chain",
        StatusCode::CONFLICT,
        "Merge refused",
    ),
    (
        "link-refused",
        StatusCode::UNPROCESSABLE_ENTITY,
        "Link refused",
    ),
    (
        "validation",
        StatusCode::UNPROCESSABLE_ENTITY,
        "Invalid input",
    ),
    ("not-allowed", StatusCode::CONFLICT, "Not allowed now"),
    (
        "version-mismatch",
        StatusCode::PRECONDITION_FAILED,
        "Stale version",
    ),
    ("duplicate", StatusCode::CONFLICT, "Already exists"),
    (
        "conflict",
        StatusCode::SERVICE_UNAVAILABLE,
        "Busy, try again",
    ),
    (
        "internal",
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal error",
    ),
    // The HTTP layer's own.
    ("bad-request", StatusCode::BAD_REQUEST, "Malformed request"),
    (
        "query-syntax",
        StatusCode::BAD_REQUEST,
        "Search query not understood",
    ),
    (
        "payload-too-large",
        StatusCode::PAYLOAD_TOO_LARGE,
        "Request too large",
    ),
    (
        "unsupported-media-type",
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type",
    ),
    ("no-such-route", StatusCode::NOT_FOUND, "No such route"),
    (
        "method-not-allowed",
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
    ),
    ("csrf", StatusCode::FORBIDDEN, "Missing or wrong CSRF token"),
    (
        "second-factor-required",
        StatusCode::UNAUTHORIZED,
        "Second factor required",
    ),
    (
        "password-change-required",
        StatusCode::FORBIDDEN,
        "Password change required",
    ),
    (
        "two-factor-setup-required",
        StatusCode::FORBIDDEN,
        "Two-factor setup required",
    ),
    (
        "search-unavailable",
        StatusCode::SERVICE_UNAVAILABLE,
        "Search unavailable",
    ),
    (
        "mail-unavailable",
        StatusCode::SERVICE_UNAVAILABLE,
        "E-mail unavailable",
    ),
    (
        "pdf-unavailable",
        StatusCode::SERVICE_UNAVAILABLE,
        "PDF output unavailable",
    ),
];

fn lookup(code: &str) -> (StatusCode, &'static str) {
    PROBLEMS.iter().find(|(c, _, _)| *c == code).map_or(
        (StatusCode::INTERNAL_SERVER_ERROR, "Internal error"),
        |(_, s, t)| (*s, *t),
    )
}

/// One field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldProblem {
    /// The field, as named in the request (`title`, `article.body`, `page`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A stable URI per kind of error: `urn:otrs:problem:<code>`.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The machine-readable code (the last part of `type`).
    pub code: String,
    /// Short summary of the kind of error.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this case.
    pub detail: String,
    /// Field-level messages of a validation error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldProblem>,
    /// Byte offset of a search-query error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    /// Column (1-based, in characters) of a search-query error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<usize>,
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    code: &'static str,
    detail: String,
    errors: Vec<FieldProblem>,
    offset: Option<usize>,
    column: Option<usize>,
    retry_after: Option<u32>,
    allow: Option<&'static str>,
}

impl ApiError {
    /// An error of a known code with a message for the caller.
    pub fn new(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            code,
            detail: detail.into(),
            errors: Vec::new(),
            offset: None,
            column: None,
            retry_after: None,
            allow: None,
        }
    }

    /// A 400 for a malformed request.
    pub fn bad_request(detail: impl Into<String>) -> ApiError {
        ApiError::new("bad-request", detail)
    }

    /// A 422 with one field error.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        let field = field.into();
        let message = message.into();
        ApiError {
            errors: vec![FieldProblem {
                field: field.clone(),
                message: message.clone(),
            }],
            ..ApiError::new("validation", format!("invalid input: {field} {message}"))
        }
    }

    /// A 422 with several field errors.
    pub fn invalid_fields(errors: Vec<FieldProblem>) -> ApiError {
        let detail = errors
            .iter()
            .map(|e| format!("{} {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        ApiError {
            errors,
            ..ApiError::new("validation", format!("invalid input: {detail}"))
        }
    }

    /// A 401.
    pub fn unauthenticated(detail: impl Into<String>) -> ApiError {
        ApiError::new("not-authenticated", detail)
    }

    /// A 400 for a search query that does not parse.
    pub fn query_syntax(message: String, offset: usize, column: usize) -> ApiError {
        ApiError {
            offset: Some(offset),
            column: Some(column),
            errors: vec![FieldProblem {
                field: "q".into(),
                message: message.clone(),
            }],
            ..ApiError::new("query-syntax", message)
        }
    }

    /// A 405 naming the allowed methods.
    pub fn method_not_allowed(allow: &'static str) -> ApiError {
        ApiError {
            allow: Some(allow),
            ..ApiError::new("method-not-allowed", "this route does not take that method")
        }
    }

    /// Renames a field in the field errors (a core name that the API spells differently).
    pub(crate) fn rename_field(&mut self, from: &str, to: &str) {
        for e in &mut self.errors {
            if e.field == from {
                e.field = to.to_owned();
            }
        }
    }

    /// The problem code.
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The status.
    pub fn status(&self) -> StatusCode {
        lookup(self.code).0
    }

    /// The problem document.
    pub fn problem(&self) -> Problem {
        let (status, title) = lookup(self.code);
        Problem {
            problem_type: format!("{PROBLEM_TYPE_PREFIX}{}", self.code),
            code: self.code.to_owned(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
            offset: self.offset,
            column: self.column,
        }
    }
}

/// The whole cause chain of an error, for the log.
pub fn cause_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(out, ": {cause}");
        source = cause.source();
    }
    out
}

impl From<DeskError> for ApiError {
    fn from(error: DeskError) -> ApiError {
        let code = error.code();
        match error {
            DeskError::Invalid(errors) => ApiError::invalid_fields(
                errors
                    .0
                    .into_iter()
                    .map(|e| FieldProblem {
                        field: e.field,
                        message: e.message,
                    })
                    .collect(),
            ),
            DeskError::Store(_) => {
                tracing::error!(error = %cause_chain(&error), "desk command failed");
                ApiError::new("internal", "the server failed; the error has been logged")
            }
            DeskError::Conflict { .. } => ApiError {
                retry_after: Some(1),
                ..ApiError::new(code, error.to_string())
            },
            other => ApiError::new(code, other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let problem = self.problem();
        let status = self.status();
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        if let Some(seconds) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        if let Some(allow) = self.allow {
            headers.insert(header::ALLOW, HeaderValue::from_static(allow));
        }
        if status == StatusCode::UNAUTHORIZED {
            headers.insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"otrs\""),
            );
        }
        response
    }
}

/// Logs an internal error with its cause chain and returns the generic 500.
pub fn internal(context: &str, error: &dyn std::error::Error) -> ApiError {
    tracing::error!(error = %cause_chain(error), "{context}");
    ApiError::new("internal", "the server failed; the error has been logged")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_desk_code_has_a_row() {
        for code in [
            "not-found",
            "permission-denied",
            "not-authenticated",
            "ticket-locked",
            "ticket-merged",
            "merge-into-self",
            "merge-into-merged",
            "merge-into-own-chain",
            "link-refused",
            "validation",
            "not-allowed",
            "version-mismatch",
            "duplicate",
            "conflict",
            "internal",
        ] {
            assert!(PROBLEMS.iter().any(|(c, _, _)| *c == code), "{code}");
        }
    }

    #[test]
    fn conflicts_ask_to_retry() {
        let error = ApiError::from(DeskError::Conflict { what: "x".into() });
        let response = error.into_response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    }
}
