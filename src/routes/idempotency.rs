//! `Idempotency-Key` for creating POSTs: the first answer to a caller's key
//! is stored in the same transaction as the write, and replayed to every
//! retry with the same body. A retry with another body is refused (422).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::models::idempotency::{self, StoredResponse};
use crate::models::now;
use crate::routes::extract::IdempotencyKey;
use crate::state::AppState;

/// A created resource's answer.
pub struct Created {
    pub body: String,
    pub location: String,
    pub etag: Option<String>,
}

impl Created {
    pub fn json<T: serde::Serialize>(
        body: &T,
        location: String,
        etag: Option<String>,
    ) -> Result<Self, ApiError> {
        Ok(Created {
            body: serde_json::to_string(body).map_err(|e| ApiError::Internal(e.into()))?,
            location,
            etag,
        })
    }
}

/// An uncached JSON answer with optional Location and ETag.
pub fn respond(
    status: u16,
    body: String,
    location: Option<&str>,
    etag: Option<&str>,
) -> HttpResponse {
    let status =
        actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::OK);
    let mut builder = HttpResponse::build(status);
    builder
        .content_type("application/json")
        .insert_header((header::CACHE_CONTROL, "no-store"));
    if let Some(location) = location {
        builder.insert_header((header::LOCATION, location.to_string()));
    }
    if let Some(etag) = etag {
        builder.insert_header((header::ETAG, etag.to_string()));
    }
    builder.body(body)
}

fn replay(stored: StoredResponse, request_hash: &str) -> Result<HttpResponse, ApiError> {
    if stored.request_hash != request_hash {
        return Err(ApiError::Validation(vec![FieldError {
            field: "Idempotency-Key".into(),
            message: "was already used with a different request".into(),
        }]));
    }
    let mut response = respond(
        stored.status as u16,
        stored.body,
        stored.location.as_deref(),
        stored.etag.as_deref(),
    );
    response.headers_mut().insert(
        header::HeaderName::from_static("idempotency-replayed"),
        header::HeaderValue::from_static("true"),
    );
    Ok(response)
}

/// A creating request that runs at most once per (caller, key): its first
/// answer is stored in the same transaction as what it made, and replayed
/// to every retry with the same body.
pub struct Once {
    principal: String,
    key: Option<String>,
    request_hash: String,
}

impl Once {
    pub fn new(req: &HttpRequest, key: IdempotencyKey, principal: &str, body: &Value) -> Once {
        let request_hash: String =
            Sha256::digest(format!("{} {} {body}", req.method(), req.path()).as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
        Once {
            principal: principal.to_string(),
            key: key.0,
            request_hash,
        }
    }

    /// The stored answer to replay, looked up before any other work, so a
    /// retry answers what the first request did even if the names it used
    /// have changed since.
    pub async fn replayed(&self, state: &AppState) -> Result<Option<HttpResponse>, ApiError> {
        let Some(key) = self.key.clone() else {
            return Ok(None);
        };
        let principal = self.principal.clone();
        let stored = state
            .db(move |conn| Ok(idempotency::find(conn, &principal, &key)?))
            .await?;
        stored.map(|s| replay(s, &self.request_hash)).transpose()
    }

    /// Runs `create` in a write transaction, unless a stored answer
    /// exists: answers 201 with what it made, or replays the first answer.
    pub async fn create<F>(self, state: &AppState, create: F) -> Result<HttpResponse, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<Created, ApiError> + Send + 'static,
    {
        if let Some(reply) = self.replayed(state).await? {
            return Ok(reply);
        }
        enum Outcome {
            Replay(StoredResponse),
            Fresh(Created),
        }
        let (k, hash, who) = (
            self.key.clone(),
            self.request_hash.clone(),
            self.principal.clone(),
        );
        let result = state
            .write(move |conn| {
                if let Some(key) = &k {
                    if let Some(stored) = idempotency::find(conn, &who, key)? {
                        return Ok(Outcome::Replay(stored));
                    }
                }
                let created = create(conn)?;
                if let Some(key) = &k {
                    idempotency::insert(
                        conn,
                        &StoredResponse {
                            principal: who.clone(),
                            idem_key: key.clone(),
                            request_hash: hash.clone(),
                            status: 201,
                            body: created.body.clone(),
                            location: Some(created.location.clone()),
                            etag: created.etag.clone(),
                            created_at: now(),
                        },
                    )?;
                }
                Ok(Outcome::Fresh(created))
            })
            .await;
        match result {
            Ok(Outcome::Fresh(c)) => Ok(respond(201, c.body, Some(&c.location), c.etag.as_deref())),
            Ok(Outcome::Replay(stored)) => replay(stored, &self.request_hash),
            // Two requests with one key at once: the loser's transaction
            // rolled back on the key's uniqueness, so it answers what the
            // winner stored.
            Err(ApiError::Conflict(detail)) => match self.replayed(state).await? {
                Some(reply) => Ok(reply),
                None => Err(ApiError::Conflict(detail)),
            },
            Err(other) => Err(other),
        }
    }
}
