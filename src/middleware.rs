//! Request filters that apply to every route: refusals that need no
//! handler (NUL bytes, unknown parameters, slow or too many uploads), HEAD
//! as GET, and the `Vary` header every answer carries.

use std::collections::HashMap;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
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

/// The address a request comes from, for counting: the TCP peer, or,
/// when the peer is one of `trusted` proxies, the nearest address in
/// `X-Forwarded-For` that is not. An IPv6 address counts by its /64, the
/// block one client commonly holds.
pub fn client_key(
    peer: Option<std::net::SocketAddr>,
    headers: &header::HeaderMap,
    trusted: &[IpAddr],
) -> String {
    let peer = peer.map_or(IpAddr::from([0, 0, 0, 0]), |a| a.ip());
    let mut client = peer;
    if trusted.contains(&peer) {
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .filter_map(|a| a.trim().parse().ok())
            .collect();
        if let Some(first_untrusted) = forwarded.iter().rev().find(|a| !trusted.contains(a)) {
            client = *first_untrusted;
        }
    }
    match client {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// Limits on request bodies in flight.
pub struct Uploads {
    /// Longest pause between two pieces of a body.
    pub idle: Duration,
    /// Longest time a whole body may take.
    pub total: Duration,
    /// Bodies one client address may send at once.
    pub per_address: usize,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<IpAddr>,
    in_flight: Mutex<HashMap<String, usize>>,
}

impl Uploads {
    pub fn new(
        idle: Duration,
        total: Duration,
        per_address: usize,
        trusted_proxies: Vec<IpAddr>,
    ) -> Arc<Self> {
        Arc::new(Uploads {
            idle,
            total,
            per_address: per_address.max(1),
            trusted_proxies,
            in_flight: Mutex::new(HashMap::new()),
        })
    }

    fn enter(self: &Arc<Self>, address: String) -> Option<UploadSlot> {
        let mut in_flight = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        let count = in_flight.entry(address.clone()).or_insert(0);
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
    address: String,
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

/// The client connection's socket, remembered when it opens (see
/// `remember_socket`), so a request can end the reading of a body the HTTP
/// layer would otherwise wait for at the client's pace: it has a timer for
/// request heads, none for bodies.
#[derive(Clone, Copy)]
pub struct Socket(#[cfg_attr(not(unix), allow(dead_code))] i32);

/// `HttpServer::on_connect`: remembers each plain TCP connection's socket.
pub fn remember_socket(conn: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    #[cfg(unix)]
    if let Some(stream) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() {
        use std::os::fd::AsRawFd;
        data.insert(Socket(stream.as_raw_fd()));
    }
}

impl Socket {
    /// Stops reading from the client: the HTTP layer sees the end of its
    /// input, sends the answer it has and closes. Only called while the
    /// request, and so its connection, is alive.
    fn stop_reading(self) {
        #[cfg(all(target_os = "linux", target_env = "gnu"))]
        // SAFETY: shutdown on the descriptor of a connection still open (its
        // request is being served); it only ends the reading side.
        unsafe {
            libc::shutdown(self.0, libc::SHUT_RD);
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
    /// Set once the whole body has arrived.
    finished: Arc<AtomicBool>,
    socket: Option<Socket>,
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
            Poll::Ready(None) => {
                self.finished.store(true, Ordering::Relaxed);
                return Poll::Ready(None);
            }
            Poll::Ready(other) => return Poll::Ready(other),
            Poll::Pending => {}
        }
        if self.idle.as_mut().poll(cx).is_ready() || self.deadline.as_mut().poll(cx).is_ready() {
            if let Some(socket) = self.socket {
                socket.stop_reading();
            }
            return Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                "arrived too slowly",
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
/// handler answers 408). When an answer goes out before its request's body
/// was read whole (a refusal, or a GET that carried a body), the server
/// stops reading and closes the connection after the answer: the HTTP
/// layer would otherwise read the rest at whatever pace the client sends.
pub async fn limit_uploads(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let uploads = req.app_data::<web::Data<Arc<Uploads>>>().cloned();
    let (Some(uploads), true) = (uploads, has_body(&req)) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let socket = req.conn_data::<Socket>().copied();
    let address = client_key(req.peer_addr(), req.headers(), &uploads.trusted_proxies);
    let Some(slot) = uploads.enter(address) else {
        if let Some(socket) = socket {
            socket.stop_reading();
        }
        let response = ApiError::TooManyRequests {
            detail: "Too many request bodies from this address at once; finish one first.".into(),
            retry_after: 1,
        }
        .error_response();
        return Ok(req.into_response(response).map_into_right_body());
    };
    let now = actix_web::rt::time::Instant::now();
    let finished = Arc::new(AtomicBool::new(false));
    let body = TimedBody {
        inner: req.take_payload(),
        idle: Box::pin(actix_web::rt::time::sleep_until(now + uploads.idle)),
        deadline: Box::pin(actix_web::rt::time::sleep_until(now + uploads.total)),
        idle_for: uploads.idle,
        finished: finished.clone(),
        socket,
        _slot: slot,
    };
    req.set_payload(Payload::from(
        Box::pin(body) as actix_http::BoxedPayloadStream
    ));
    let mut res = next.call(req).await?;
    if !finished.load(Ordering::Relaxed) {
        if let Some(socket) = socket {
            socket.stop_reading();
        }
        res.response_mut()
            .head_mut()
            .set_connection_type(actix_http::ConnectionType::Close);
    }
    Ok(res.map_into_left_body())
}

#[cfg(test)]
mod tests {
    use super::client_key;
    use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            HeaderName::from_static("x-forwarded-for"),
            HeaderValue::from_str(value).unwrap(),
        );
        headers
    }

    #[test]
    fn clients_are_counted_by_address_and_v6_block() {
        let none = HeaderMap::new();
        let peer = |a: &str| Some(a.parse().unwrap());
        assert_eq!(client_key(peer("10.0.0.5:1"), &none, &[]), "10.0.0.5");
        assert_eq!(
            client_key(peer("[2001:db8:1:2:3:4:5:6]:1"), &none, &[]),
            "2001:db8:1:2::/64"
        );
        assert_eq!(
            client_key(peer("[::ffff:10.0.0.7]:1"), &none, &[]),
            "10.0.0.7"
        );
    }

    #[test]
    fn a_trusted_proxy_names_the_client_and_no_one_else_can() {
        let proxy = "10.0.0.1".parse().unwrap();
        let peer = Some("10.0.0.1:80".parse().unwrap());
        let spoofed = forwarded("6.6.6.6, 203.0.113.9");
        assert_eq!(client_key(peer, &spoofed, &[proxy]), "203.0.113.9");
        let untrusted_peer = Some("198.51.100.2:80".parse().unwrap());
        assert_eq!(
            client_key(untrusted_peer, &spoofed, &[proxy]),
            "198.51.100.2",
            "only a trusted peer's header counts"
        );
    }
}
