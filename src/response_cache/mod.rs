//! byline's own cache of public answers, in front of the handlers.
//!
//! What it stores: the bytes and headers of a `200` answer to an anonymous
//! GET under `/v1/` that says `Cache-Control: public, max-age=N` (N > 0),
//! for at most N seconds. The handlers already cut N short before a
//! scheduled story goes live (`freshness::max_age`), so an entry never
//! outlives a change the clock makes. A hit adds `Age`, as any HTTP cache
//! would, so clients and CDNs count the time it spent here.
//!
//! What invalidates it: every answer carries its surrogate keys (the
//! `Surrogate-Key` header its handler set; an answer without one is not
//! kept), and every change to content appends events that name the keys
//! they invalidate (`events`). An entry is dropped when one of its keys is
//! named after its answer was computed:
//! - by a write through this process, before the writer gets its answer
//!   (`AppState::write`);
//! - by any other process's write, which this one learns of by following
//!   the event log (`follow`): PostgreSQL wakes it with `NOTIFY`, and it
//!   also looks every `BYLINE_CACHE_SYNC_MS` (or on every request when
//!   that is 0), so another replica's write is served stale for at most
//!   that long;
//! - all at once, when content changed with no event for it (plain SQL, a
//!   bulk load), or when a look at the log fails: a process that cannot
//!   ask the database cannot keep the promise, so it stops answering from
//!   the cache until it can.

mod follow;
mod schedule;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, EntityTag, HeaderName, HeaderValue, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use quick_cache::sync::Cache;

use crate::events::keys::{Keys, SURROGATE_KEY};
use crate::freshness::Schedule;
use crate::state::AppState;

use follow::Marks;

struct Entry {
    /// The invalidation tick from before the answer was computed.
    epoch: u64,
    keys: Vec<String>,
    stored: Instant,
    expires: Instant,
    etag: EntityTag,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

#[derive(Clone)]
struct ByteSize;

impl quick_cache::Weighter<String, Arc<Entry>> for ByteSize {
    fn weight(&self, key: &String, entry: &Arc<Entry>) -> u64 {
        // The bytes plus a rough allowance for the headers and bookkeeping.
        (key.len() + entry.body.len() + 256) as u64
    }
}

pub struct ResponseCache {
    entries: Option<Cache<String, Arc<Entry>, ByteSize>>,
    marks: Marks,
    /// Ask the database on every request (BYLINE_CACHE_SYNC_MS=0).
    check_every_request: bool,
    /// The stories due to go live, as of a tick.
    schedule: Mutex<Option<(u64, Arc<Schedule>)>>,
    /// When each kind's next hidden entry unveils, as of a tick.
    unveilings: schedule::Unveilings,
    /// Woken whenever new events are known: by this process's writes and
    /// by following the log (the change feed's long polls wait on it).
    pub news: tokio::sync::Notify,
}

impl ResponseCache {
    pub fn new(capacity_bytes: u64, sync: Duration) -> Self {
        let entries = (capacity_bytes > 0).then(|| {
            // quick_cache sizes its table from an item estimate; answers
            // here are a few KiB each.
            let estimated = (capacity_bytes / 4096).max(16) as usize;
            Cache::with_weighter(estimated, capacity_bytes, ByteSize)
        });
        ResponseCache {
            entries,
            marks: Marks::new(),
            check_every_request: sync.is_zero(),
            schedule: Mutex::new(None),
            unveilings: Default::default(),
            news: tokio::sync::Notify::new(),
        }
    }

    /// Nothing cached before now may be served.
    pub fn invalidate(&self) {
        self.marks.forget_all();
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// What a write through this process did, after it committed: its
    /// events' keys are dropped (everything, when it changed content
    /// without events), and long polls wake.
    pub fn committed(&self, done: &crate::events::Committed) {
        if !done.seqs.is_empty() {
            self.marks.forget(&done.keys);
            self.marks.applied(&done.seqs, done.last_public);
            self.news.notify_waiters();
        } else if done.changed {
            self.invalidate();
        }
    }

    /// Follows the event log from where this process last looked (see
    /// `follow`); a failed look turns the cache off until one succeeds.
    /// Answers whether the database answered.
    pub fn follow(&self, conn: &mut crate::db::DbConnection) -> bool {
        match self.marks.follow(conn) {
            Ok(news) => {
                if news {
                    self.news.notify_waiters();
                }
                true
            }
            Err(e) => {
                tracing::debug!(error = %e, "following the event log failed");
                self.unreachable();
                false
            }
        }
    }

    /// Whether an event newer than `after` may exist (for the public: one
    /// the public sees). False only when this process knows there is none.
    pub fn news_after(&self, after: i64, public: bool) -> bool {
        let newest = if public {
            &self.marks.newest_public
        } else {
            &self.marks.newest
        };
        newest.load(Ordering::SeqCst) > after
    }

    /// The database could not be asked: until it can, the cache cannot
    /// know what changed, so it answers nothing.
    pub fn unreachable(&self) {
        self.marks.lost();
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// The tick to store and look up under, or None when the cache must
    /// not be used now.
    fn usable_epoch(&self) -> Option<u64> {
        (self.entries.is_some() && self.marks.synced.load(Ordering::SeqCst))
            .then(|| self.marks.now())
    }

    fn lookup(&self, key: &str) -> Option<Arc<Entry>> {
        let entry = self.entries.as_ref()?.get(key)?;
        (entry.expires > Instant::now() && self.marks.good(entry.epoch, &entry.keys))
            .then_some(entry)
    }

    fn store(&self, key: String, entry: Entry) {
        if let Some(entries) = &self.entries {
            // Stored only if nothing it carries changed meanwhile; a stale
            // entry would be refused at lookup anyway, this just saves room.
            if self.marks.good(entry.epoch, &entry.keys) {
                entries.insert(key, Arc::new(entry));
            }
        }
    }
}

/// The seconds of `public, max-age=N`, when the answer may be shared.
fn shared_lifetime(headers: &header::HeaderMap) -> Option<u64> {
    let value = headers.get(header::CACHE_CONTROL)?.to_str().ok()?;
    let mut public = false;
    let mut max_age = None;
    for directive in value.split(',').map(str::trim) {
        if directive.eq_ignore_ascii_case("public") {
            public = true;
        } else if let Some(n) = directive.strip_prefix("max-age=") {
            max_age = n.parse::<u64>().ok();
        } else if directive.eq_ignore_ascii_case("private")
            || directive.eq_ignore_ascii_case("no-store")
        {
            return None;
        }
    }
    max_age.filter(|&n| public && n > 0)
}

fn respond(entry: &Entry, req: &ServiceRequest) -> HttpResponse {
    let last_modified = entry
        .headers
        .iter()
        .find(|(name, _)| name == header::LAST_MODIFIED)
        .and_then(|(_, value)| value.to_str().ok())
        .and_then(|v| v.parse::<header::HttpDate>().ok())
        .map(std::time::SystemTime::from);
    let not_modified = crate::freshness::is_current(
        req.get_header::<IfNoneMatch>(),
        req.get_header::<header::IfModifiedSince>(),
        &entry.etag,
        last_modified,
    );
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    // Appended, not inserted: a header the answer sent twice (`Vary`) comes
    // back twice.
    for (name, value) in &entry.headers {
        if !(not_modified && name == header::CONTENT_TYPE) {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    builder.insert_header((header::AGE, entry.stored.elapsed().as_secs()));
    if not_modified {
        builder.finish()
    } else {
        builder.body(entry.body.clone())
    }
}

/// The key an answer is kept under: the path as the router reads it and
/// the query's pairs in one order, so that spellings of one request
/// (`?a=1&b=2`, `?b=2&a=1&`, `%61`) share one entry.
fn cache_key(path: &str, query: &str) -> String {
    let mut pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(name, _)| !name.is_empty())
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    pairs.sort();
    let canonical = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{path}?{canonical}")
}

/// The middleware: answers from the cache when it can, fills it from 200s,
/// and moves the epoch after every successful write.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let cache = &state.cache;
    let api = req.path().starts_with("/v1/") || req.path() == "/sitemap.xml";
    // Writes invalidate through `AppState::write`, and only when they
    // changed content; here only anonymous GETs are answered or stored.
    // A story asked for as ninjs is answered at the JSON's address: it is
    // never stored under it.
    let negotiated = req
        .headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains("ninjs"));
    if req.method() != Method::GET
        || !api
        || negotiated
        || req.headers().contains_key(header::AUTHORIZATION)
    {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if cache.check_every_request && cache.entries.is_some() {
        let follower = state.cache.clone();
        let answered = state
            .db(move |conn| Ok(follower.follow(conn)))
            .await
            .unwrap_or_else(|_| {
                state.cache.unreachable();
                false
            });
        state.health.record(answered);
    }
    let Some(epoch) = cache.usable_epoch() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = cache_key(req.match_info().as_str(), req.query_string());
    if let Some(entry) = cache.lookup(&key) {
        let response = respond(&entry, &req);
        return Ok(req.into_response(response));
    }

    let response = next.call(req).await?;
    keep(cache, key, epoch, response).await
}

/// Keeps a fresh answer when it may be shared, and passes it on.
async fn keep<B: MessageBody + 'static>(
    cache: &ResponseCache,
    key: String,
    epoch: u64,
    response: ServiceResponse<B>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let lifetime = match shared_lifetime(response.headers()) {
        Some(secs) if response.status() == StatusCode::OK => secs,
        _ => return Ok(response.map_into_boxed_body()),
    };
    // An answer that does not say what it depends on cannot be dropped
    // when that changes, so it is not kept.
    let Some(keys) = response.headers().get(SURROGATE_KEY).map(Keys::parse) else {
        return Ok(response.map_into_boxed_body());
    };
    let Some(etag) = response
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<EntityTag>().ok())
    else {
        return Ok(response.map_into_boxed_body());
    };
    let (req, response) = response.into_parts();
    let (response, body) = response.into_parts();
    let bytes = match body::to_bytes(body).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let e: Box<dyn std::error::Error> = e.into();
            return Err(actix_web::error::ErrorInternalServerError(e.to_string()));
        }
    };
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.clone(), v.clone()))
        .collect();
    let now = Instant::now();
    cache.store(
        key,
        Entry {
            epoch,
            keys: keys.into_vec(),
            stored: now,
            expires: now + Duration::from_secs(lifetime),
            etag,
            headers,
            body: bytes.clone(),
        },
    );
    Ok(ServiceResponse::new(
        req,
        response.set_body(BoxBody::new(bytes)),
    ))
}

#[cfg(test)]
mod tests {
    use super::cache_key;

    #[test]
    fn spellings_of_one_request_share_a_key() {
        let key = cache_key("/v1/articles", "tag=a&limit=5");
        assert_eq!(cache_key("/v1/articles", "limit=5&tag=a"), key);
        assert_eq!(cache_key("/v1/articles", "&limit=5&&tag=a&"), key);
        assert_eq!(cache_key("/v1/articles", "limit=%35&tag=%61"), key);
        assert_ne!(cache_key("/v1/articles", "limit=6&tag=a"), key);
    }
}
