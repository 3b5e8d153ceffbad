//! Tables and their queries. Each function takes a connection and returns a
//! diesel `QueryResult`; handlers never build queries themselves.

pub mod article;
pub mod author;
pub mod feed;
pub mod idempotency;
pub mod integration;
pub mod maintenance;
pub mod refresh_token;
pub mod revision;
pub mod section;
pub mod tag;
pub mod user;

use chrono::{NaiveDateTime, Timelike, Utc};

/// A new random id (UUID v4, stored as text on both backends).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The current UTC time at microsecond precision, the finest both backends
/// keep, so a value reads back exactly as it was written.
pub fn now() -> NaiveDateTime {
    truncate_micros(Utc::now().naive_utc())
}

pub fn truncate_micros(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(nanos).unwrap_or(t)
}

/// Whether text can be stored at all: PostgreSQL refuses NUL characters in
/// text, so no stored slug, email or id has one, and a lookup of such a
/// value finds nothing rather than failing.
pub fn storable(text: &str) -> bool {
    !text.contains('\0')
}
