//! Request filters that apply to every route: refusals that need no
//! handler (NUL bytes, unknown parameters, slow or too many uploads), HEAD
//! as GET, and the `Vary` header every answer carries.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, ResponseError};
use futures_core::Stream;

use crate::error::ApiError;

/// Refuses a request whose path or query carries a NUL byte, raw or
/// percent-encoded: no slug, cursor or filter holds one, and PostgreSQL
/// rejects it inside text, which would otherwise surface as a 500.
pub async fn reject_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let uri = req.uri().to_string();
    if uri.contains('\0') || uri.to_ascii_lowercase().contains("%00") {
        let response = ApiError::BadRequest("The request's path or query holds a NUL byte.".into())
            .error_response();
        return Ok(req.into_response(response).map_into_right_body());
    }
    Ok(next.call(req).await?.map_into_left_body())
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

/// Every answer may be compressed, so every answer varies on
/// `Accept-Encoding`. The compression layer adds that, but the CORS layer
/// outside it rewrites `Vary` from its first value only; this runs outside
/// both and puts back every name, once each.
pub async fn vary_on_encoding(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let headers = res.headers_mut();
    let mut names: Vec<String> = Vec::new();
    for value in headers.get_all(header::VARY) {
        for name in value.to_str().unwrap_or("").split(',') {
            let name = name.trim();
            if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(name)) {
                names.push(name.to_string());
            }
        }
    }
    if !names
        .iter()
        .any(|n| n.eq_ignore_ascii_case("accept-encoding"))
    {
        names.push("Accept-Encoding".into());
    }
    if let Ok(value) = HeaderValue::from_str(&names.join(", ")) {
        headers.insert(header::VARY, value);
    }
    Ok(res)
}

/// Limits on request bodies in flight.
pub struct Uploads {
    /// Longest pause between two pieces of a body.
    pub idle: Duration,
    /// Longest time a whole body may take.
    pub total: Duration,
    /// Bodies one client address may send at once.
    pub per_address: usize,
    in_flight: Mutex<HashMap<IpAddr, usize>>,
}

impl Uploads {
    pub fn new(idle: Duration, total: Duration, per_address: usize) -> Arc<Self> {
        Arc::new(Uploads {
            idle,
            total,
            per_address: per_address.max(1),
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    fn enter(self: &Arc<Self>, address: IpAddr) -> Option<UploadSlot> {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let count = in_flight.entry(address).or_insert(0);
        if *count >= self.per_address {
            return None;
        }
        *count += 1;
        Some(UploadSlot {
            uploads: self.clone(),
            address,
        })
    }
}

/// One body in flight; its address's count drops with it.
struct UploadSlot {
    uploads: Arc<Uploads>,
    address: IpAddr,
}

impl Drop for UploadSlot {
    fn drop(&mut self) {
        let mut in_flight = self
            .uploads
            .in_flight
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(count) = in_flight.get_mut(&self.address) {
            *count -= 1;
            if *count == 0 {
                in_flight.remove(&self.address);
            }
        }
    }
}

/// A request body that fails when it pauses too long or takes too long in
/// all, so a client trickling bytes cannot hold a connection (and a
/// handler) open.
struct TimedBody {
    inner: Payload,
    idle: Pin<Box<actix_web::rt::time::Sleep>>,
    deadline: Pin<Box<actix_web::rt::time::Sleep>>,
    idle_for: Duration,
    _slot: UploadSlot,
}

impl Stream for TimedBody {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                let next = actix_web::rt::time::Instant::now() + self.idle_for;
                self.idle.as_mut().reset(next);
                return Poll::Ready(Some(Ok(chunk)));
            }
            Poll::Ready(other) => return Poll::Ready(other),
            Poll::Pending => {}
        }
        if self.idle.as_mut().poll(cx).is_ready() || self.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "the request body arrived too slowly",
            )))));
        }
        Poll::Pending
    }
}

use std::future::Future;

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    headers.contains_key(header::TRANSFER_ENCODING)
        || headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .is_some_and(|n| n > 0)
}

/// Puts every request body under the `Uploads` limits: too many bodies in
/// flight from one address answer 429, and a body that stalls fails (its
/// handler answers 408).
pub async fn limit_uploads(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let uploads = req.app_data::<web::Data<Arc<Uploads>>>().cloned();
    if let (Some(uploads), true) = (uploads, has_body(&req)) {
        let address = req
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let Some(slot) = uploads.enter(address) else {
            let response = ApiError::TooManyRequests {
                detail: "Too many request bodies from this address at once; finish one first."
                    .into(),
                retry_after: 1,
            }
            .error_response();
            return Ok(req.into_response(response).map_into_right_body());
        };
        let now = actix_web::rt::time::Instant::now();
        let body = TimedBody {
            inner: req.take_payload(),
            idle: Box::pin(actix_web::rt::time::sleep_until(now + uploads.idle)),
            deadline: Box::pin(actix_web::rt::time::sleep_until(now + uploads.total)),
            idle_for: uploads.idle,
            _slot: slot,
        };
        req.set_payload(Payload::from(
            Box::pin(body) as actix_http::BoxedPayloadStream
        ));
    }
    Ok(next.call(req).await?.map_into_left_body())
}
