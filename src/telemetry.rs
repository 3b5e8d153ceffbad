use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::ResponseError;

use crate::error::ApiError;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use tracing_subscriber::EnvFilter;

/// Logs to stderr, filtered by RUST_LOG (default `info`).
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// One access-log line per request, under the target `byline::access` so it
/// can be filtered on its own (RUST_LOG=info,byline::access=warn).
pub async fn access_log(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.path().to_string();
    let response = next.call(req).await?;
    tracing::info!(
        target: "byline::access",
        %method,
        %path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
    );
    Ok(response)
}

/// Refuses a request whose path or query carries a NUL byte, raw or
/// percent-encoded: no slug, cursor or filter holds one, and PostgreSQL
/// rejects it inside text, which would otherwise surface as a 500.
pub async fn reject_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if has_nul(&req.uri().to_string()) {
        let response = ApiError::BadRequest("The request's path or query holds a NUL byte.".into())
            .error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn has_nul(uri: &str) -> bool {
    uri.contains('\0') || uri.to_ascii_lowercase().contains("%00")
}

/// Answers HEAD wherever GET is answered (RFC 9110): the request is routed
/// as a GET, and the HTTP layer, which saw the HEAD, sends no body.
pub async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}
