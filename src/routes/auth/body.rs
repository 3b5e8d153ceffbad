//! Reading a token request: form or JSON body, HTTP Basic credentials,
//! and the size limits checked before any lookup.

use actix_web::http::header;
use actix_web::{web, HttpRequest};
use base64::Engine;

use crate::error::ApiError;

pub(super) fn oauth(status: u16, error: &'static str, detail: &str) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        detail: detail.into(),
    }
}

/// Reads a form-encoded or JSON body.
pub(super) fn parse_body<T: serde::de::DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let parsed = match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes(body).map_err(|e| e.to_string())
        }
        // A JSON `null` is an empty request.
        "application/json" => serde_json::from_slice::<Option<T>>(body)
            .map(Option::unwrap_or_default)
            .map_err(|e| e.to_string()),
        "" if body.is_empty() => Ok(T::default()),
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "Send application/x-www-form-urlencoded or application/json.".into(),
            ))
        }
    };
    parsed.map_err(|e| {
        oauth(
            400,
            "invalid_request",
            &format!("The request body is malformed: {e}."),
        )
    })
}

/// client_id and client_secret from an HTTP Basic Authorization header.
pub(super) fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

/// The largest token or revoke request body: credentials are short.
pub const MAX_TOKEN_BODY: usize = 16 * 1024;
/// The longest credential member accepted, in characters; longer ones are
/// refused before any lookup, hash or count.
pub(super) const MAX_USERNAME: usize = crate::validation::MAX_EMAIL;
pub(super) const MAX_PASSWORD: usize = 1024;
pub(super) const MAX_CLIENT_ID: usize = 100;
pub(super) const MAX_TOKEN: usize = 512;

pub(super) async fn read_body(payload: web::Payload) -> Result<web::Bytes, ApiError> {
    match payload.to_bytes_limited(MAX_TOKEN_BODY).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(match e.as_error::<actix_web::error::PayloadError>() {
            Some(actix_web::error::PayloadError::Io(io))
                if io.kind() == std::io::ErrorKind::TimedOut =>
            {
                ApiError::RequestTimeout("The body arrived too slowly.".into())
            }
            _ => ApiError::BadRequest(format!("The body could not be read: {e}.")),
        }),
        Err(_) => Err(ApiError::PayloadTooLarge(format!(
            "A token request is at most {MAX_TOKEN_BODY} bytes."
        ))),
    }
}

/// A credential member, refused (400) when longer than `max` characters.
pub(super) fn bounded(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    if value.chars().count() > max {
        return Err(oauth(
            400,
            "invalid_request",
            &format!("`{field}` is longer than {max} characters."),
        ));
    }
    Ok(value)
}
