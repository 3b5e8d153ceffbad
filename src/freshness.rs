//! HTTP caching for public answers: a weak ETag over the exact bytes sent,
//! `If-None-Match` answered with 304, and a `Cache-Control` lifetime that
//! never outlives the next scheduled story due to appear in the answer.

use actix_web::http::header::{self, EntityTag, IfNoneMatch};
use actix_web::{HttpMessage, HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::events::Keys;
use crate::models::feed::Scheduled;

/// How many scheduled stories a schedule holds; past that, any answer not
/// touched by them is assumed to change when the last one goes live.
pub const SCHEDULE_LIMIT: i64 = 1000;

/// The stories due to go live, soonest first: what tells each answer how
/// long it stays true. An answer's lifetime is cut short only by a story
/// that will appear in it, so a scheduled story in one section tells
/// nothing to readers of another.
#[derive(Debug, Clone, Default)]
pub struct Schedule {
    stories: Vec<Scheduled>,
    /// Whether there may be stories after the last one held.
    truncated: bool,
}

impl Schedule {
    pub fn new(stories: Vec<Scheduled>) -> Self {
        Schedule {
            truncated: stories.len() as i64 >= SCHEDULE_LIMIT,
            stories,
        }
    }

    /// When the first story goes live, if any: the moment to look again.
    pub fn first(&self) -> Option<NaiveDateTime> {
        self.stories.first().map(|s| s.at)
    }

    /// When the first story for which `affects` holds goes live.
    pub fn next(&self, affects: impl Fn(&Scheduled) -> bool) -> Option<NaiveDateTime> {
        match self.stories.iter().find(|s| affects(s)) {
            Some(s) => Some(s.at),
            None if self.truncated => self.stories.last().map(|s| s.at),
            None => None,
        }
    }

    /// When the first story that enters any of these feeds goes live.
    pub fn next_in_any(&self, feeds: &[String]) -> Option<NaiveDateTime> {
        self.next(|s| s.feeds.iter().any(|f| feeds.contains(f)))
    }

    /// Each id whose feed (`prefix` + id) a scheduled story enters, with
    /// the soonest time one does.
    pub fn entries(&self, prefix: &str) -> Vec<(String, NaiveDateTime)> {
        let mut soonest: std::collections::HashMap<&str, NaiveDateTime> =
            std::collections::HashMap::new();
        // Stories come soonest first: the first time seen for an id is its
        // soonest.
        for story in &self.stories {
            for id in story.feeds.iter().filter_map(|f| f.strip_prefix(prefix)) {
                soonest.entry(id).or_insert(story.at);
            }
        }
        soonest
            .into_iter()
            .map(|(id, at)| (id.to_string(), at))
            .collect()
    }

    /// Whether the list may hold more than it shows.
    pub fn truncated(&self) -> bool {
        self.truncated
    }
}

/// The granularity of a shortened lifetime, in seconds. Rounding down keeps
/// the promise (never past the change) without telling the world to the
/// second when an embargoed story will go live.
const LIFETIME_STEP: i64 = 10;

/// How long an answer may be reused, in seconds: the configured maximum,
/// cut short when a scheduled story will change it sooner.
pub fn max_age(configured: u32, now: NaiveDateTime, next_change: Option<NaiveDateTime>) -> u32 {
    match next_change {
        Some(at) if at > now => {
            let secs = (at - now).num_seconds().max(0);
            let stepped = secs / LIFETIME_STEP * LIFETIME_STEP;
            configured.min(u32::try_from(stepped).unwrap_or(u32::MAX))
        }
        _ => configured,
    }
}

fn etag_of(bytes: &[u8]) -> EntityTag {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..16].iter().map(|b| format!("{b:02x}")).collect();
    // Weak: the compression middleware may re-encode the bytes.
    EntityTag::new_weak(hex)
}

/// A JSON answer with validators and the surrogate keys it depends on; a
/// 304 when the client already has it.
pub fn json<T: Serialize>(
    req: &HttpRequest,
    body: &T,
    max_age: u32,
    keys: &Keys,
) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(public(req, bytes, "application/json", max_age, keys))
}

/// Whether the client's copy is current: `If-None-Match` decides when it
/// is sent; otherwise `If-Modified-Since` against `last_modified` (to the
/// second, as HTTP dates go), when the answer has one.
pub fn is_current(
    if_none_match: Option<IfNoneMatch>,
    if_modified_since: Option<header::IfModifiedSince>,
    etag: &EntityTag,
    last_modified: Option<std::time::SystemTime>,
) -> bool {
    match if_none_match {
        Some(IfNoneMatch::Any) => true,
        Some(IfNoneMatch::Items(tags)) => tags.iter().any(|t| t.weak_eq(etag)),
        None => match (if_modified_since, last_modified) {
            (Some(header::IfModifiedSince(since)), Some(modified)) => {
                let modified = header::HttpDate::from(modified);
                std::time::SystemTime::from(since) >= std::time::SystemTime::from(modified)
            }
            _ => false,
        },
    }
}

/// A public answer of these bytes and media type: `ETag`, `Cache-Control`,
/// the surrogate keys, and 304 when `If-None-Match` names the ETag.
pub fn public(
    req: &HttpRequest,
    bytes: Vec<u8>,
    content_type: &str,
    max_age: u32,
    keys: &Keys,
) -> HttpResponse {
    answer(req, bytes, content_type, max_age, keys, None)
}

/// [`public`] with a `Last-Modified` date, which `If-Modified-Since` is
/// also answered against (feed readers send it).
pub fn public_since(
    req: &HttpRequest,
    bytes: Vec<u8>,
    content_type: &str,
    max_age: u32,
    keys: &Keys,
    last_modified: NaiveDateTime,
) -> HttpResponse {
    answer(req, bytes, content_type, max_age, keys, Some(last_modified))
}

fn answer(
    req: &HttpRequest,
    bytes: Vec<u8>,
    content_type: &str,
    max_age: u32,
    keys: &Keys,
    last_modified: Option<NaiveDateTime>,
) -> HttpResponse {
    let etag = etag_of(&bytes);
    let cache_control = format!("public, max-age={max_age}");
    let modified = last_modified.map(|t| std::time::SystemTime::from(t.and_utc()));
    let fresh = is_current(
        req.get_header::<IfNoneMatch>(),
        req.get_header::<header::IfModifiedSince>(),
        &etag,
        modified,
    );
    let mut response = if fresh {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    // The answer differs with a token (a newsroom preview), so caches must
    // keep the two apart.
    response
        .insert_header(header::ETag(etag))
        .insert_header((header::CACHE_CONTROL, cache_control))
        .insert_header((header::VARY, "Authorization"));
    if let Some(modified) = modified {
        response.insert_header(header::LastModified(modified.into()));
    }
    for pair in keys.headers() {
        response.insert_header(pair);
    }
    if fresh {
        response.finish()
    } else {
        response.content_type(content_type.to_string()).body(bytes)
    }
}

/// A JSON answer for an authenticated caller: never stored by any cache.
pub fn private_json<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::VARY, "Authorization"))
        .json(body)
}
