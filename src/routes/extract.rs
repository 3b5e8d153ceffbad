//! Request headers as extractors: `If-Match` and `Idempotency-Key`.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, IfMatch};
use actix_web::{FromRequest, HttpMessage, HttpRequest};

use crate::editorial::Expect;
use crate::error::ApiError;

/// The versions `If-Match` accepts. It never refuses the request itself:
/// a malformed header is reported only once the body has been validated,
/// because preconditions decide only requests that would otherwise succeed.
pub struct Precondition(pub Expect);

impl FromRequest for Precondition {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Precondition(expect_of(req))))
    }
}

fn expect_of(req: &HttpRequest) -> Expect {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Expect::Unconditional;
    }
    match req.get_header::<IfMatch>() {
        None => Expect::Malformed,
        Some(IfMatch::Any) => Expect::Exists,
        // Strong comparison (RFC 9110): a weak tag never matches.
        Some(IfMatch::Items(tags)) => Expect::OneOf(
            tags.iter()
                .filter(|t| !t.weak)
                .filter_map(|t| t.tag().strip_prefix('v').and_then(|v| v.parse().ok()))
                .collect(),
        ),
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII
/// characters, else 400.
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(key_of(req).map(IdempotencyKey))
    }
}

fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim().to_string();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
        ));
    }
    Ok(Some(key))
}
