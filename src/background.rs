//! The one background thread of each byline process: it polls the content
//! generation for the response cache, and claims periodic upkeep, which the
//! database hands to one replica per interval.

use std::sync::Weak;
use std::thread;
use std::time::{Duration, Instant};

use crate::config::DatabaseUrl;
use crate::db::{self, DbConnection, DbHealth};
use crate::models::{self, idempotency, maintenance, tag};
use crate::response_cache::ResponseCache;

/// Upkeep: forgetting Idempotency-Keys past their retention.
pub const FORGET_IDEMPOTENCY_KEYS: &str = "forget-idempotency-keys";
/// Upkeep: forgetting tags that drafts named into being and no story
/// carries any more (unlisted, unused, older than an hour), so junk tags
/// cannot pile up.
pub const FORGET_UNUSED_TAGS: &str = "forget-unused-tags";

type Job = fn(&mut DbConnection) -> diesel::QueryResult<usize>;

/// The periodic jobs, each run once per interval across all replicas.
const JOBS: [(&str, Job); 2] = [
    (FORGET_IDEMPOTENCY_KEYS, idempotency::forget_expired),
    (FORGET_UNUSED_TAGS, tag::forget_unused),
];

/// Starts the thread. It stops by itself once the cache it serves is gone
/// (the server was dropped). Each poll also tells `health` whether the
/// database answered.
///
/// The thread keeps a connection of its own, outside the pool: when
/// writers or slow readers hold every pooled connection, the cache still
/// learns of changes and keeps serving, and only a database that does not
/// answer at all turns it off.
pub fn spawn(
    url: DatabaseUrl,
    cache: Weak<ResponseCache>,
    health: Weak<DbHealth>,
    sync: Duration,
    maintenance_interval: Duration,
) -> std::io::Result<()> {
    // With BYLINE_CACHE_SYNC_MS=0 requests ask the database themselves, and
    // the thread only needs to wake for upkeep.
    let tick = if sync.is_zero() {
        Duration::from_secs(1).min(maintenance_interval)
    } else {
        sync
    };
    thread::Builder::new()
        .name("byline-background".into())
        .spawn(move || run(url, cache, health, tick, maintenance_interval))
        .map(drop)
}

fn run(
    url: DatabaseUrl,
    cache: Weak<ResponseCache>,
    health: Weak<DbHealth>,
    tick: Duration,
    maintenance_interval: Duration,
) {
    let mut conn = None;
    let mut next_upkeep = Instant::now();
    loop {
        let (Some(cache), Some(health)) = (cache.upgrade(), health.upgrade()) else {
            return;
        };
        let generation = with_connection(&mut conn, &url, maintenance::content_generation);
        health.record(generation.is_some());
        cache.observe(generation);
        drop((cache, health));
        if Instant::now() >= next_upkeep {
            with_connection(&mut conn, &url, |c| {
                upkeep(c, maintenance_interval);
                Ok(())
            });
            next_upkeep = Instant::now() + maintenance_interval;
        }
        thread::sleep(tick);
    }
}

/// Runs `work` on the thread's connection, opening it first if needed.
/// A failure drops the connection, so the next call opens a fresh one.
fn with_connection<T>(
    slot: &mut Option<DbConnection>,
    url: &DatabaseUrl,
    work: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> Option<T> {
    if slot.is_none() {
        *slot = db::connect(url).ok();
    }
    match work(slot.as_mut()?) {
        Ok(value) => Some(value),
        Err(_) => {
            *slot = None;
            None
        }
    }
}

/// Runs each due job if this replica wins its claim. Every replica tries
/// once per interval, so a job runs once per interval while any replica is
/// up (at worst two intervals apart when the last winner stops), and never
/// twice in one interval.
fn upkeep(conn: &mut DbConnection, interval: Duration) {
    let Ok(interval) = chrono::Duration::from_std(interval) else {
        return;
    };
    for (job, run) in JOBS {
        match maintenance::claim(conn, job, models::now(), interval) {
            Ok(true) => match run(conn) {
                Ok(n) => tracing::info!(job, done = n, "upkeep ran"),
                Err(e) => tracing::warn!(job, error = %e, "upkeep failed"),
            },
            Ok(false) => {}
            Err(e) => tracing::debug!(job, error = %e, "upkeep could not claim its job"),
        }
    }
}
