//! byline's own cache of public answers, in front of the handlers.
//!
//! What it stores: the bytes and headers of a `200` answer to an anonymous
//! GET under `/v1/` that says `Cache-Control: public, max-age=N` (N > 0),
//! for at most N seconds. The handlers already cut N short before a
//! scheduled story goes live (`freshness::max_age`), so an entry never
//! outlives a change the clock makes. A hit adds `Age`, as any HTTP cache
//! would, so clients and CDNs count the time it spent here.
//!
//! What invalidates it: every entry carries the cache's epoch from before
//! its answer was computed, and a hit must match the current epoch. The
//! epoch moves
//! - when a write through this process changed content (its transaction
//!   moved the content generation; see `AppState::write`), before the
//!   writer gets its answer. A write that changed nothing moves nothing;
//! - when the database's content generation moves: triggers bump it in the
//!   same transaction as every content write, from any process. Each process
//!   polls it every `BYLINE_CACHE_SYNC_MS` (or on every request when that is
//!   0), so another replica's write is served stale for at most that long;
//! - when that poll fails: a process that cannot ask the database cannot
//!   keep the promise, so it stops answering from the cache until it can.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::body::{self, BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, EntityTag, HeaderName, HeaderValue, IfNoneMatch};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use chrono::NaiveDateTime;
use quick_cache::sync::Cache;

use crate::freshness::Schedule;
use crate::models::maintenance;
use crate::state::AppState;

struct Entry {
    epoch: u64,
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
    epoch: AtomicU64,
    /// The content generation last read from the database.
    seen: AtomicI64,
    /// Whether that read is recent: false after a failed poll.
    synced: AtomicBool,
    /// Ask the database on every request (BYLINE_CACHE_SYNC_MS=0).
    check_every_request: bool,
    /// The stories due to go live, as of an epoch.
    schedule: Mutex<Option<(u64, Arc<Schedule>)>>,
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
            epoch: AtomicU64::new(0),
            seen: AtomicI64::new(i64::MIN),
            // Until a poll says otherwise: the pool was just opened.
            synced: AtomicBool::new(true),
            check_every_request: sync.is_zero(),
            schedule: Mutex::new(None),
        }
    }

    /// Something was written through this process: nothing cached before
    /// it may be served after it.
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::SeqCst);
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// Records a poll of the database's content generation (None: the poll
    /// failed).
    pub fn observe(&self, generation: Option<i64>) {
        match generation {
            Some(g) => {
                if self.seen.swap(g, Ordering::SeqCst) != g {
                    self.invalidate();
                }
                self.synced.store(true, Ordering::SeqCst);
            }
            None => {
                self.synced.store(false, Ordering::SeqCst);
                self.invalidate();
            }
        }
    }

    /// The epoch to store and look up under, or None when the cache must
    /// not be used now.
    fn usable_epoch(&self) -> Option<u64> {
        (self.entries.is_some() && self.synced.load(Ordering::SeqCst))
            .then(|| self.epoch.load(Ordering::SeqCst))
    }

    fn lookup(&self, key: &str, epoch: u64) -> Option<Arc<Entry>> {
        let entry = self.entries.as_ref()?.get(key)?;
        (entry.epoch == epoch && entry.expires > Instant::now()).then_some(entry)
    }

    fn store(&self, key: String, entry: Entry) {
        if let Some(entries) = &self.entries {
            // Stored only if no write moved the epoch meanwhile; a stale
            // entry would be refused at lookup anyway, this just saves room.
            if entry.epoch == self.epoch.load(Ordering::SeqCst) {
                entries.insert(key, Arc::new(entry));
            }
        }
    }

    /// [`ResponseCache::schedule`], loaded from this connection.
    pub fn schedule_in(
        &self,
        conn: &mut crate::db::DbConnection,
        now: NaiveDateTime,
    ) -> diesel::QueryResult<Arc<Schedule>> {
        self.schedule(now, || {
            crate::models::feed::scheduled(conn, now, crate::freshness::SCHEDULE_LIMIT)
                .map(Schedule::new)
        })
    }

    /// The stories due to go live, remembered until a write moves the
    /// epoch or the first of them goes live; `load` asks the database.
    pub fn schedule<E>(
        &self,
        now: NaiveDateTime,
        load: impl FnOnce() -> Result<Schedule, E>,
    ) -> Result<Arc<Schedule>, E> {
        let epoch = self.epoch.load(Ordering::SeqCst);
        if let Some((seen, schedule)) = &*self.schedule.lock().unwrap_or_else(|e| e.into_inner()) {
            if *seen == epoch && schedule.first().is_none_or(|t| t > now) {
                return Ok(schedule.clone());
            }
        }
        let schedule = Arc::new(load()?);
        *self.schedule.lock().unwrap_or_else(|e| e.into_inner()) = Some((epoch, schedule.clone()));
        Ok(schedule)
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
    let not_modified = match req.get_header::<IfNoneMatch>() {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(&entry.etag)),
        None => false,
    };
    let mut builder = if not_modified {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    for (name, value) in &entry.headers {
        if !(not_modified && name == header::CONTENT_TYPE) {
            builder.insert_header((name.clone(), value.clone()));
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
    let api = req.path().starts_with("/v1/");
    // Writes invalidate through `AppState::write`, and only when they
    // changed content; here only anonymous GETs are answered or stored.
    if req.method() != Method::GET || !api || req.headers().contains_key(header::AUTHORIZATION) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if cache.check_every_request && cache.entries.is_some() {
        let generation = state
            .db(|conn| Ok(maintenance::content_generation(conn)?))
            .await
            .ok();
        state.health.record(generation.is_some());
        cache.observe(generation);
    }
    let Some(epoch) = cache.usable_epoch() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let key = cache_key(req.match_info().as_str(), req.query_string());
    if let Some(entry) = cache.lookup(&key, epoch) {
        let response = respond(&entry, &req);
        return Ok(req.into_response(response));
    }

    let response = next.call(req).await?;
    let lifetime = match shared_lifetime(response.headers()) {
        Some(secs) if response.status() == StatusCode::OK => secs,
        _ => return Ok(response.map_into_boxed_body()),
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
