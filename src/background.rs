//! The one background thread of each byline process: it polls the content
//! generation for the response cache, and claims periodic upkeep, which the
//! database hands to one replica per interval.

use std::sync::{Arc, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crate::cache::ResponseCache;
use crate::db::Pool;
use crate::models::{self, idempotency, maintenance};

/// Upkeep: forgetting Idempotency-Keys past their retention.
pub const FORGET_IDEMPOTENCY_KEYS: &str = "forget-idempotency-keys";

/// Starts the thread. It stops by itself once the cache it serves is gone
/// (the server was dropped).
pub fn spawn(
    pool: Pool,
    cache: Weak<ResponseCache>,
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
        .spawn(move || run(pool, cache, tick, maintenance_interval))
        .map(drop)
}

fn run(pool: Pool, cache: Weak<ResponseCache>, tick: Duration, maintenance_interval: Duration) {
    let mut next_upkeep = Instant::now();
    loop {
        let Some(cache) = cache.upgrade() else { return };
        sync(&pool, &cache);
        drop(cache);
        if Instant::now() >= next_upkeep {
            upkeep(&pool, maintenance_interval);
            next_upkeep = Instant::now() + maintenance_interval;
        }
        thread::sleep(tick);
    }
}

/// How long a poll waits for a connection: short, so an outage is noticed
/// (and requests fail fast) within about a second.
const POLL_WAIT: Duration = Duration::from_secs(1);

fn sync(pool: &Pool, cache: &Arc<ResponseCache>) {
    let generation = pool
        .get_timeout(POLL_WAIT)
        .ok()
        .and_then(|mut conn| maintenance::content_generation(&mut conn).ok());
    cache.observe(generation);
}

/// Runs each due job if this replica wins its claim. Every replica tries
/// once per interval, so a job runs once per interval while any replica is
/// up (at worst two intervals apart when the last winner stops), and never
/// twice in one interval.
fn upkeep(pool: &Pool, interval: Duration) {
    let Ok(mut conn) = pool.get_timeout(POLL_WAIT) else {
        return;
    };
    let Ok(interval) = chrono::Duration::from_std(interval) else {
        return;
    };
    match maintenance::claim(&mut conn, FORGET_IDEMPOTENCY_KEYS, models::now(), interval) {
        Ok(true) => match idempotency::forget_expired(&mut conn) {
            Ok(n) => tracing::info!(job = FORGET_IDEMPOTENCY_KEYS, forgotten = n, "upkeep ran"),
            Err(e) => tracing::warn!(job = FORGET_IDEMPOTENCY_KEYS, error = %e, "upkeep failed"),
        },
        Ok(false) => {}
        Err(e) => tracing::debug!(error = %e, "upkeep could not claim its job"),
    }
}
