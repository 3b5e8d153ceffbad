//! One error type for every handler. Each variant maps to one HTTP status and
//! is written as `application/problem+json` (RFC 9457). Internal causes go to
//! the log, never to the client.

use actix_web::http::{header, StatusCode};
use actix_web::{HttpResponse, ResponseError};
use serde::Serialize;
use utoipa::ToSchema;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// One field that failed validation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FieldError {
    /// The request field (query parameter, path segment or body member).
    #[schema(example = "limit")]
    pub field: String,
    /// What is wrong with it.
    #[schema(example = "must be between 1 and 100")]
    pub message: String,
}

/// An error, as RFC 9457 "problem details".
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "type": "about:blank",
    "title": "Not Found",
    "status": 404,
    "detail": "No published article has the slug or id 'no-such-story'.",
    "code": "not_found"
}))]
pub struct Problem {
    /// Always `about:blank`: the status and `code` say what went wrong.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    pub type_: String,
    /// The HTTP status phrase.
    #[schema(example = "Bad Request")]
    pub title: String,
    /// The HTTP status code.
    #[schema(example = 400)]
    pub status: u16,
    /// What went wrong with this request, for a person to read.
    #[schema(example = "The parameter 'limit' must be between 1 and 100.")]
    pub detail: String,
    /// A stable, machine-readable error code.
    #[schema(example = "invalid_parameter")]
    pub code: String,
    /// The fields that failed, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub errors: Option<Vec<FieldError>>,
    /// The OAuth 2.0 error code, on answers from the token endpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, example = "invalid_grant")]
    pub error: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("invalid parameter {field}: {message}")]
    InvalidParameter { field: String, message: String },
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("gone: {0}")]
    Gone(String),
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    /// An OAuth 2.0 token-endpoint error (RFC 6749 §5.2): `error` is one of
    /// its codes, repeated as the problem's `code` and `error` members.
    #[error("oauth {error}: {detail}")]
    OAuth {
        status: u16,
        error: &'static str,
        detail: String,
    },
    #[error("too many requests: {detail}")]
    TooManyRequests { detail: String, retry_after: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::InvalidParameter {
            field: field.into(),
            message: message.into(),
        }
    }

    fn code(&self) -> &'static str {
        match self {
            ApiError::BadRequest(_) => "bad_request",
            ApiError::InvalidParameter { .. } => "invalid_parameter",
            ApiError::Unauthorized(_) => "unauthorized",
            ApiError::Forbidden(_) => "forbidden",
            ApiError::NotFound(_) => "not_found",
            ApiError::MethodNotAllowed => "method_not_allowed",
            ApiError::Conflict(_) => "conflict",
            ApiError::Gone(_) => "gone",
            ApiError::PreconditionFailed(_) => "precondition_failed",
            ApiError::RequestTimeout(_) => "request_timeout",
            ApiError::PayloadTooLarge(_) => "payload_too_large",
            ApiError::UnsupportedMediaType(_) => "unsupported_media_type",
            ApiError::Validation(_) => "validation_failed",
            ApiError::TooManyRequests { .. } => "rate_limited",
            ApiError::OAuth { error, .. } => error,
            ApiError::Unavailable(_) => "unavailable",
            ApiError::Internal(_) => "internal_error",
        }
    }

    fn detail(&self) -> String {
        match self {
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::TooManyRequests { detail: d, .. }
            | ApiError::OAuth { detail: d, .. }
            | ApiError::NotFound(d)
            | ApiError::Conflict(d)
            | ApiError::Gone(d)
            | ApiError::PreconditionFailed(d)
            | ApiError::RequestTimeout(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::UnsupportedMediaType(d)
            | ApiError::Unavailable(d) => d.clone(),
            ApiError::InvalidParameter { field, message } => {
                format!("The parameter '{field}' {message}.")
            }
            ApiError::MethodNotAllowed => "This resource does not support that HTTP method.".into(),
            ApiError::Validation(errors) => format!(
                "{} field(s) failed validation: {}.",
                errors.len(),
                errors
                    .iter()
                    .map(|e| e.field.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            ApiError::Internal(_) => {
                "The server failed to answer this request. It has been logged.".into()
            }
        }
    }

    pub fn problem(&self) -> Problem {
        let status = self.status_code();
        Problem {
            type_: "about:blank".into(),
            title: status.canonical_reason().unwrap_or("Error").into(),
            status: status.as_u16(),
            detail: self.detail(),
            code: self.code().into(),
            errors: match self {
                ApiError::Validation(errors) => Some(errors.clone()),
                ApiError::InvalidParameter { field, message } => Some(vec![FieldError {
                    field: field.clone(),
                    message: message.clone(),
                }]),
                _ => None,
            },
            error: match self {
                ApiError::OAuth { error, .. } => Some(error.to_string()),
                _ => None,
            },
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) | ApiError::InvalidParameter { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::OAuth { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_REQUEST)
            }
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            ApiError::Internal(cause) => {
                tracing::error!(error = %format!("{cause:#}"), "internal error")
            }
            ApiError::Unavailable(detail) => tracing::warn!(%detail, "service unavailable"),
            _ => {}
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((header::CONTENT_TYPE, PROBLEM_JSON));
        response.insert_header((header::CACHE_CONTROL, "no-store"));
        match self {
            ApiError::Unavailable(_) => {
                response.insert_header((header::RETRY_AFTER, "5"));
            }
            ApiError::TooManyRequests { retry_after, .. } => {
                response.insert_header((header::RETRY_AFTER, retry_after.to_string()));
            }
            ApiError::Unauthorized(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    "Bearer realm=\"byline\", error=\"invalid_token\"",
                ));
            }
            _ => {}
        }
        if let ApiError::RequestTimeout(_) = self {
            // A client this slow gets no second request on this connection.
            response.insert_header((header::CONNECTION, "close"));
        }
        if let ApiError::MethodNotAllowed = self {
            response.insert_header((header::ALLOW, "GET, HEAD, OPTIONS"));
        }
        response.body(serde_json::to_vec(&self.problem()).unwrap_or_default())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => ApiError::NotFound("The resource does not exist.".into()),
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                ApiError::Conflict(unique_violation_detail(info.constraint_name(), info.message()))
            }
            // SQLite reports an ON DELETE RESTRICT refusal with its generic
            // constraint code; its message is the stable part.
            Error::DatabaseError(DatabaseErrorKind::Unknown, info)
                if info.message().contains("FOREIGN KEY constraint failed") =>
            {
                ApiError::Conflict(
                    "The change removes something still in use, or refers to something missing.".into(),
                )
            }
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => ApiError::Conflict(
                "The change refers to something that does not exist, or removes something still in use."
                    .into(),
            ),
            // Two writers crossed (PostgreSQL's deadlock or serialization
            // failure, or SQLite's write lock held past busy_timeout): the
            // transaction rolled back whole, so a retry is safe.
            Error::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
                ApiError::Unavailable("The write met a concurrent one and was not applied; retry it.".into())
            }
            // A lock waited for past its timeout, or a statement cancelled
            // at its time limit (PostgreSQL), rolled back whole as well.
            Error::DatabaseError(_, info)
                if info.message().contains("deadlock detected")
                    || info.message().contains("database is locked")
                    || info.message().contains("canceling statement due to") =>
            {
                ApiError::Unavailable("The write met a concurrent one and was not applied; retry it.".into())
            }
            // The server went away under a query: its shutdown, a crash, or
            // a cut network. Nothing was committed by the failed statement.
            Error::DatabaseError(DatabaseErrorKind::ClosedConnection, _) => {
                ApiError::Unavailable("The database connection was lost; try again.".into())
            }
            Error::DatabaseError(_, info) if connection_lost(info.message()) => {
                ApiError::Unavailable("The database connection was lost; try again.".into())
            }
            other => ApiError::Internal(anyhow::Error::new(other).context("database query")),
        }
    }
}

/// PostgreSQL's and libpq's words for a server that stopped answering
/// (SQLSTATE 57P01-57P03 and the client's own connection errors).
fn connection_lost(message: &str) -> bool {
    [
        "terminating connection",
        "the database system is shutting down",
        "the database system is starting up",
        "server closed the connection",
        "no connection to the server",
        "connection to server",
        "could not receive data from server",
        "could not send data to server",
    ]
    .iter()
    .any(|m| message.contains(m))
}

/// Names the field a unique constraint guards, from its name
/// (`articles_slug_key`) on PostgreSQL or its message
/// (`UNIQUE constraint failed: articles.slug`) on SQLite.
fn unique_violation_detail(constraint: Option<&str>, message: &str) -> String {
    let field = constraint
        .and_then(|c| c.strip_suffix("_key"))
        .and_then(|c| c.split_once('_').map(|(_, f)| f.to_string()))
        .or_else(|| message.rsplit_once('.').map(|(_, f)| f.trim().to_string()));
    match field {
        Some(f) => format!("Another record already has this {f}."),
        None => "Another record already has one of these values.".into(),
    }
}

impl From<r2d2_error::PoolError> for ApiError {
    fn from(err: r2d2_error::PoolError) -> Self {
        tracing::warn!(error = %err, "no database connection");
        ApiError::Unavailable("The database is unreachable; try again shortly.".into())
    }
}

impl From<actix_web::error::PayloadError> for ApiError {
    fn from(err: actix_web::error::PayloadError) -> Self {
        match err {
            actix_web::error::PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                ApiError::RequestTimeout(format!("The body {e}; send it without pauses."))
            }
            other => ApiError::BadRequest(format!("The body could not be read: {other}.")),
        }
    }
}

impl From<actix_web::error::BlockingError> for ApiError {
    fn from(err: actix_web::error::BlockingError) -> Self {
        ApiError::Internal(anyhow::anyhow!("blocking task failed: {err}"))
    }
}

mod r2d2_error {
    pub use diesel::r2d2::PoolError;
}
