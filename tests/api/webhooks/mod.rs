//! /v1/webhooks: subscriptions and their secrets (`subscriptions`), signed
//! deliveries, retries, ordering and the delivery log (`delivery`), and
//! what several replicas and a killed one do (`replicas`). The receivers
//! here are small HTTP servers in the test process; signatures are checked
//! with the Standard Webhooks library for Python.

mod delivery;
mod replicas;
mod subscriptions;

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use byline::config::Config;
use serde_json::{json, Value};

use crate::helpers::{Http, TestApp};

/// Webhooks for tests: private targets allowed (the receivers are on
/// 127.0.0.1), quick looks, and a retry schedule shrunk 200,000 times
/// (eight attempts within a second); a subscription failing for two
/// seconds is disabled.
pub fn quick(c: &mut Config) {
    c.webhook_allow_private = true;
    c.webhook_poll = Duration::from_millis(50);
    c.webhook_retry_unit = Duration::from_micros(5);
    c.webhook_timeout = Duration::from_secs(3);
    c.webhook_disable_after = Duration::from_secs(2);
}

/// One request a receiver got.
#[derive(Debug, Clone)]
pub struct Captured {
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// What the receiver answered.
    pub status: u16,
}

impl Captured {
    pub fn id(&self) -> &str {
        &self.headers["webhook-id"]
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// The headline of the story it is about, if it is one.
    pub fn headline(&self) -> String {
        self.json()["data"]["data"]["headline"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// How a receiver behaves.
#[derive(Default)]
pub struct Behaviour {
    /// Answer 500 to this many requests first.
    pub fail_first: AtomicUsize,
    /// Answer 500 to the first request of each webhook-id.
    pub fail_each_first: AtomicBool,
    /// Answer 500 to everything.
    pub always_fail: AtomicBool,
    /// Hold each answer this long (ms).
    pub delay_ms: AtomicU64,
    /// Answer success with a body of control bytes, NUL among them.
    pub binary_answer: AtomicBool,
}

/// A webhook receiver on 127.0.0.1 that records every request.
pub struct Receiver {
    pub url: String,
    pub seen: Arc<Mutex<Vec<Captured>>>,
    pub behaviour: Arc<Behaviour>,
}

struct Shared {
    seen: Arc<Mutex<Vec<Captured>>>,
    behaviour: Arc<Behaviour>,
}

async fn receive(req: HttpRequest, body: web::Bytes, shared: web::Data<Shared>) -> HttpResponse {
    let headers: BTreeMap<String, String> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                v.to_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let b = &shared.behaviour;
    let id = headers.get("webhook-id").cloned().unwrap_or_default();
    let fail = {
        let seen = shared.seen.lock().unwrap();
        b.always_fail.load(Ordering::SeqCst)
            || (b.fail_each_first.load(Ordering::SeqCst)
                && !seen
                    .iter()
                    .any(|c| c.headers.get("webhook-id") == Some(&id)))
            || b.fail_first
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok()
    };
    let status = if fail { 500 } else { 204 };
    shared.seen.lock().unwrap().push(Captured {
        headers,
        body: String::from_utf8_lossy(&body).to_string(),
        status,
    });
    let delay = b.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
    }
    if fail {
        HttpResponse::InternalServerError().body("the receiver is down for a test")
    } else if b.binary_answer.load(Ordering::SeqCst) {
        HttpResponse::Ok().body(&b"ok\0\x01\xff\x07 done"[..])
    } else {
        HttpResponse::NoContent().finish()
    }
}

impl Receiver {
    pub fn start() -> Receiver {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let behaviour = Arc::new(Behaviour::default());
        let shared = web::Data::new(Shared {
            seen: seen.clone(),
            behaviour: behaviour.clone(),
        });
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("a port for the receiver");
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks"),
            seen,
            behaviour,
        }
    }

    pub fn seen(&self) -> Vec<Captured> {
        self.seen.lock().unwrap().clone()
    }

    /// The requests it answered with success.
    pub fn accepted(&self) -> Vec<Captured> {
        self.seen().into_iter().filter(|c| c.status < 300).collect()
    }

    /// Waits until `ready` holds for what it has seen.
    pub async fn wait_until(
        &self,
        what: &str,
        limit: Duration,
        ready: impl Fn(&[Captured]) -> bool,
    ) -> Vec<Captured> {
        let seen = self.seen.clone();
        eventually(what, limit, || {
            let now = seen.lock().unwrap().clone();
            let done = ready(&now);
            async move { done.then_some(now) }
        })
        .await
    }
}

/// Polls `check` until it answers Some, or fails after `limit`.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(started.elapsed() < limit, "waited {limit:?} for {what}");
        actix_web::rt::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Subscribes `url`; answers the subscription as created (with its secret).
pub async fn subscribe(http: &Http, admin: &str, url: &str, extra: Value) -> Value {
    let mut body = json!({"url": url, "description": "A test receiver"});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let reply = http.json("POST", "/v1/webhooks", Some(admin), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    reply.json()
}

/// A subscription's delivery log (its newest 100).
pub async fn deliveries(http: &Http, admin: &str, webhook: &str) -> Vec<Value> {
    let path = format!("/v1/webhooks/{webhook}/deliveries?limit=100");
    let reply = http.authed("GET", &path, admin).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()["data"].as_array().unwrap().clone()
}

/// Checks deliveries with the Standard Webhooks library for Python: for
/// each, true or the library's complaint.
pub fn verify(secret: &str, deliveries: &[Captured]) -> Vec<Value> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/verify_webhooks.py"
    );
    let request = json!({
        "secret": secret,
        "deliveries": deliveries
            .iter()
            .map(|d| json!({"headers": d.headers, "body": d.body}))
            .collect::<Vec<_>>(),
    });
    let results = crate::helpers::python(script, &request.to_string());
    results.as_array().unwrap().clone()
}

/// Publishes a new story; answers it.
pub async fn publish(app: &TestApp, editor: &str, headline: &str) -> Value {
    let mut body = crate::helpers::story_json(headline);
    body["status"] = json!("published");
    // Tags that exist already: no tag events beside the story's own.
    body["tags"] = json!(["alpha"]);
    let reply = app.json("POST", "/v1/articles", Some(editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}
