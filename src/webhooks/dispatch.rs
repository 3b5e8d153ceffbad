//! The dispatcher: one thread per process, with a small async runtime of
//! its own, so deliveries never take the API's workers. Its loop queues
//! new events, claims due deliveries and hands each to a task that POSTs
//! it; the tasks send their outcomes back to the loop, which records them.
//! The loop owns the dispatcher's one database connection, outside the
//! pool.

use std::collections::HashMap;
use std::fmt::Display;
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use tokio::sync::mpsc;

use super::store::{self, Claimed, Outcome};
use super::{address, sign, Settings};
use crate::config::DatabaseUrl;
use crate::db::{self, DbConnection};
use crate::models::now;
use crate::response_cache::ResponseCache;
use crate::schema::{webhook_deliveries, webhook_subscriptions};

/// Deliveries in flight at once, in all.
const MAX_IN_FLIGHT: usize = 64;
/// Deliveries in flight at once to one subscription: a slow receiver holds
/// these, and the others keep the rest (claims serve subscriptions
/// round-robin).
const PER_SUBSCRIPTION: usize = 4;
/// How many times an outcome the database refused is offered again before
/// the loop moves on (the delivery is then sent again once its lease
/// lapses).
const RECORD_TRIES: usize = 3;
/// The most deliveries one claim takes.
const CLAIM_BATCH: usize = 16;
/// The most of a receiver's answer kept in the delivery log.
const SNIPPET_BYTES: usize = 512;

/// Starts the dispatcher. It stops once `alive` is gone (the server was
/// dropped); `alive`'s change notifications wake it when this process
/// commits an event or learns of another's.
pub fn spawn(
    url: DatabaseUrl,
    alive: Weak<ResponseCache>,
    settings: Settings,
) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("byline-webhooks".into())
        .spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            match runtime {
                Ok(rt) => rt.block_on(run(url, alive, settings)),
                Err(e) => tracing::error!(error = %e, "webhooks: no runtime; nothing is delivered"),
            }
        })
        .map(drop)
}

/// The HTTP client every attempt uses: rustls (ring), no proxy, no
/// redirects, the attempt timeout, and the resolver that refuses private
/// addresses.
pub fn client(settings: &Settings) -> reqwest::Result<reqwest::Client> {
    // reqwest is built without a default crypto provider; the first call
    // installs ring (later calls find it installed).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .user_agent(concat!("byline-webhooks/", env!("CARGO_PKG_VERSION")))
        .dns_resolver(address::PublicResolver::shared(settings.allow_private))
        .build()
}

/// The loop's database connection, opened on first use and dropped on any
/// error, so the next use opens a fresh one.
struct Db {
    url: DatabaseUrl,
    conn: Option<DbConnection>,
}

impl Db {
    async fn run<T, E>(
        &mut self,
        what: &'static str,
        work: impl FnOnce(&mut DbConnection) -> Result<T, E> + Send + 'static,
    ) -> Option<T>
    where
        T: Send + 'static,
        E: Display + Send + 'static,
    {
        let url = self.url.clone();
        let conn = self.conn.take();
        let done = tokio::task::spawn_blocking(move || {
            let mut conn = match conn {
                Some(c) => c,
                None => match db::connect(&url) {
                    Ok(c) => c,
                    Err(e) => return (None, Err(e.to_string())),
                },
            };
            match work(&mut conn) {
                Ok(value) => (Some(conn), Ok(value)),
                Err(e) => (None, Err(e.to_string())),
            }
        })
        .await;
        let (conn, result) = done.unwrap_or_else(|e| (None, Err(e.to_string())));
        self.conn = conn;
        match result {
            Ok(value) => Some(value),
            Err(e) => {
                tracing::debug!(error = %e, what, "webhooks: database work failed");
                None
            }
        }
    }
}

async fn run(url: DatabaseUrl, alive: Weak<ResponseCache>, settings: Settings) {
    let client = match client(&settings) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhooks: no HTTP client; nothing is delivered");
            return;
        }
    };
    let mut db = Db { url, conn: None };
    let (outcomes, mut finished) = mpsc::unbounded_channel::<(Claimed, Outcome)>();
    let mut in_flight: HashMap<String, usize> = HashMap::new();
    loop {
        let Some(cache) = alive.upgrade() else { return };
        // Listen before looking, so an event committed meanwhile still wakes
        // the loop.
        let news = cache.news.notified();
        tokio::pin!(news);
        news.as_mut().enable();

        // Outcomes first: they free slots and unblock a resource's next
        // delivery.
        while let Ok((claimed, outcome)) = finished.try_recv() {
            finish(&mut db, &mut in_flight, claimed, outcome, settings).await;
        }
        db.run("fan-out", |c| store::fan_out(c, now())).await;
        let total: usize = in_flight.values().sum();
        let free = MAX_IN_FLIGHT.saturating_sub(total).min(CLAIM_BATCH);
        let mut claimed_all = false;
        if free > 0 && db.run("due", due).await.unwrap_or(false) {
            let out = in_flight.clone();
            let lease = chrono::Duration::from_std(settings.lease()).unwrap_or_default();
            let claimed = db
                .run("claim", move |c| {
                    let at = now();
                    store::claim(c, at, at + lease, &out, PER_SUBSCRIPTION, free as i64)
                })
                .await
                .unwrap_or_default();
            claimed_all = claimed.len() == free;
            for delivery in claimed {
                *in_flight
                    .entry(delivery.subscription_id.clone())
                    .or_default() += 1;
                let (client, outcomes) = (client.clone(), outcomes.clone());
                tokio::spawn(async move {
                    let outcome = attempt(&client, &delivery, settings).await;
                    let _ = outcomes.send((delivery, outcome));
                });
            }
        }
        if claimed_all && MAX_IN_FLIGHT > in_flight.values().sum::<usize>() {
            // More may be due: look again at once.
            continue;
        }
        tokio::select! {
            _ = &mut news => {}
            Some((claimed, outcome)) = finished.recv() => {
                finish(&mut db, &mut in_flight, claimed, outcome, settings).await;
            }
            _ = tokio::time::sleep(settings.poll) => {}
        }
    }
}

/// Whether any delivery may be due: a cheap read before the claim's write
/// transaction.
fn due(conn: &mut DbConnection) -> QueryResult<bool> {
    let at = now();
    diesel::select(diesel::dsl::exists(
        webhook_deliveries::table
            .inner_join(webhook_subscriptions::table)
            .filter(webhook_deliveries::status.eq(store::PENDING))
            .filter(webhook_deliveries::next_attempt_at.le(at))
            .filter(webhook_subscriptions::active.eq(true)),
    ))
    .get_result(conn)
}

/// Records an outcome, trying for a while when the database is away: an
/// attempt left unrecorded is sent again once its lease lapses, so nothing
/// is lost either way.
async fn finish(
    db: &mut Db,
    in_flight: &mut HashMap<String, usize>,
    claimed: Claimed,
    outcome: Outcome,
    settings: Settings,
) {
    if let Some(n) = in_flight.get_mut(&claimed.subscription_id) {
        *n = n.saturating_sub(1);
        if *n == 0 {
            in_flight.remove(&claimed.subscription_id);
        }
    }
    let claimed = Arc::new(claimed);
    let outcome = Arc::new(outcome);
    for _ in 0..RECORD_TRIES {
        let (c, o) = (claimed.clone(), outcome.clone());
        let policy = settings.policy();
        if db
            .run("record", move |conn| {
                store::record(conn, &c, &o, &policy, now())
            })
            .await
            .is_some()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tracing::warn!(
        delivery = claimed.id,
        "webhooks: an attempt could not be recorded; it will be sent again"
    );
}

/// One POST of a claimed delivery, signed now.
pub async fn attempt(client: &reqwest::Client, d: &Claimed, settings: Settings) -> Outcome {
    let attempted_at = now();
    let started = Instant::now();
    let failed = |error: String| Outcome {
        attempted_at,
        latency_ms: started.elapsed().as_millis() as i64,
        status_code: None,
        error: Some(error),
        response: None,
    };
    let Ok(url) = url::Url::parse(&d.url) else {
        return failed("the subscription's URL does not parse".into());
    };
    if !settings.allow_private && address::literal(&url).is_some_and(address::is_private) {
        return failed("refused: the URL names a private address".into());
    }
    let timestamp = chrono::Utc::now().timestamp();
    let secrets: Vec<&str> = d.secrets.iter().map(String::as_str).collect();
    let signature = sign::header(&secrets, &d.message_id, timestamp, d.payload.as_bytes());
    let sent = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(d.payload.clone())
        .send()
        .await;
    let mut response = match sent {
        Ok(r) => r,
        Err(e) => return failed(describe(&e, settings)),
    };
    let status = response.status().as_u16();
    let mut snippet = Vec::new();
    let mut error = None;
    while snippet.len() < SNIPPET_BYTES {
        match response.chunk().await {
            Ok(Some(bytes)) => snippet.extend_from_slice(&bytes),
            Ok(None) => break,
            Err(e) => {
                error = Some(describe(&e, settings));
                break;
            }
        }
    }
    snippet.truncate(SNIPPET_BYTES);
    Outcome {
        attempted_at,
        latency_ms: started.elapsed().as_millis() as i64,
        status_code: Some(i32::from(status)),
        error,
        response: (!snippet.is_empty()).then(|| String::from_utf8_lossy(&snippet).into_owned()),
    }
}

/// A failed attempt in a line for the delivery log.
fn describe(e: &reqwest::Error, settings: Settings) -> String {
    if e.is_timeout() {
        return format!("timed out after {} ms", settings.timeout.as_millis());
    }
    let mut text = if e.is_connect() {
        "could not connect".to_string()
    } else {
        "the request failed".to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(300).collect()
}
