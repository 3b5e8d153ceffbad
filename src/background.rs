//! The one background thread of each byline process: it follows the event
//! log for the response cache and the change feed, announces scheduled
//! stories whose time has come, and claims periodic upkeep, which the
//! database hands to one replica per interval.

use std::sync::Weak;
use std::thread;
use std::time::{Duration, Instant};

use diesel::RunQueryDsl;

use crate::config::{DatabaseUrl, Site};
use crate::db::{self, DbConnection, DbHealth};
use crate::events;
use crate::models::{self, idempotency, maintenance, tag};
use crate::response_cache::ResponseCache;

/// Upkeep: forgetting Idempotency-Keys past their retention.
pub const FORGET_IDEMPOTENCY_KEYS: &str = "forget-idempotency-keys";
/// Upkeep: forgetting tags that drafts named into being and no story
/// carries any more (unlisted, unused, older than an hour), so junk tags
/// cannot pile up.
pub const FORGET_UNUSED_TAGS: &str = "forget-unused-tags";

/// Upkeep: forgetting events past their retention.
pub const FORGET_OLD_EVENTS: &str = "forget-old-events";

/// Upkeep: forgetting finished webhook deliveries (and their attempts)
/// past the event retention.
pub const FORGET_OLD_DELIVERIES: &str = "forget-old-deliveries";

/// A periodic job: answers how many things it did.
type Job = dyn Fn(&mut DbConnection) -> diesel::QueryResult<usize>;

/// How often the thread looks and works.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// How often to follow the event log (0: requests do it themselves).
    pub sync: Duration,
    /// How often upkeep runs, once across replicas.
    pub maintenance: Duration,
    /// How long events are kept.
    pub event_retention: Duration,
}

/// How many due stories one look announces.
const ANNOUNCE_BATCH: i64 = 100;
/// How often a PostgreSQL connection is checked for NOTIFY between looks.
const NOTIFY_POLL: Duration = Duration::from_millis(50);

/// Starts the thread. It stops by itself once the cache it serves is gone
/// (the server was dropped). Each look also tells `health` whether the
/// database answered.
///
/// The thread keeps a connection of its own, outside the pool: when
/// writers or slow readers hold every pooled connection, the cache still
/// learns of changes and keeps serving, and only a database that does not
/// answer at all turns it off. On PostgreSQL that connection LISTENs for
/// new events, so another replica's write reaches this one's cache within
/// about 50 ms; the timed look is the fallback and the bound.
pub fn spawn(
    url: DatabaseUrl,
    cache: Weak<ResponseCache>,
    health: Weak<DbHealth>,
    timing: Timing,
    site: Site,
) -> std::io::Result<()> {
    // With BYLINE_CACHE_SYNC_MS=0 requests follow the log themselves, and
    // the thread wakes each second for scheduled stories and upkeep.
    let tick = if timing.sync.is_zero() {
        Duration::from_secs(1).min(timing.maintenance)
    } else {
        timing.sync
    };
    thread::Builder::new()
        .name("byline-background".into())
        .spawn(move || run(url, cache, health, tick, timing, site))
        .map(drop)
}

fn run(
    url: DatabaseUrl,
    cache: Weak<ResponseCache>,
    health: Weak<DbHealth>,
    tick: Duration,
    timing: Timing,
    site: Site,
) {
    let mut conn = None;
    let mut next_upkeep = Instant::now();
    loop {
        let (Some(cache), Some(health)) = (cache.upgrade(), health.upgrade()) else {
            return;
        };
        let answered = with_connection(&mut conn, &url, |c| {
            if cache.follow(c) {
                Ok(())
            } else {
                Err(diesel::result::Error::BrokenTransactionManager)
            }
        });
        if answered.is_none() {
            cache.unreachable();
        }
        health.record(answered.is_some());
        // Scheduled stories whose time has come: announced once across
        // replicas, and dropped from this cache at once.
        let announced = with_connection(&mut conn, &url, |c| {
            events::announce_due(c, &site, models::now(), ANNOUNCE_BATCH)
        });
        for done in announced.unwrap_or_default() {
            cache.committed(&done);
        }
        drop((cache, health));
        if Instant::now() >= next_upkeep {
            with_connection(&mut conn, &url, |c| {
                upkeep(c, timing);
                Ok(())
            });
            next_upkeep = Instant::now() + timing.maintenance;
        }
        wait(&mut conn, tick);
    }
}

/// Sleeps for `tick`, or less when PostgreSQL notifies of a new event.
fn wait(conn: &mut Option<DbConnection>, tick: Duration) {
    let deadline = Instant::now() + tick;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        thread::sleep(left.min(NOTIFY_POLL));
        let (woken, broken) = match conn.as_mut() {
            Some(DbConnection::Postgres(pg)) => {
                let (mut woken, mut broken) = (false, false);
                for note in pg.notifications_iter() {
                    match note {
                        Ok(_) => woken = true,
                        Err(_) => {
                            broken = true;
                            break;
                        }
                    }
                }
                (woken, broken)
            }
            _ => (false, false),
        };
        if broken {
            *conn = None;
        }
        if woken || broken {
            return;
        }
    }
}

/// Runs `work` on the thread's connection, opening it first if needed (and
/// on PostgreSQL, listening for new events on it). A failure drops the
/// connection, so the next call opens a fresh one.
fn with_connection<T>(
    slot: &mut Option<DbConnection>,
    url: &DatabaseUrl,
    work: impl FnOnce(&mut DbConnection) -> diesel::QueryResult<T>,
) -> Option<T> {
    if slot.is_none() {
        *slot = db::connect(url).ok().and_then(|mut c| {
            if let DbConnection::Postgres(_) = c {
                diesel::sql_query("LISTEN byline_events")
                    .execute(&mut c)
                    .ok()?;
            }
            Some(c)
        });
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
fn upkeep(conn: &mut DbConnection, timing: Timing) {
    let Ok(interval) = chrono::Duration::from_std(timing.maintenance) else {
        return;
    };
    let retention =
        chrono::Duration::from_std(timing.event_retention).unwrap_or(chrono::Duration::MAX);
    let forget_events = move |c: &mut DbConnection| {
        let cutoff = models::now()
            .checked_sub_signed(retention)
            .unwrap_or(chrono::NaiveDateTime::MIN);
        events::forget_before(c, cutoff)
    };
    let forget_deliveries = move |c: &mut DbConnection| {
        let cutoff = models::now()
            .checked_sub_signed(retention)
            .unwrap_or(chrono::NaiveDateTime::MIN);
        crate::webhooks::store::forget_before(c, cutoff)
    };
    let jobs: [(&str, &Job); 4] = [
        (FORGET_IDEMPOTENCY_KEYS, &idempotency::forget_expired),
        (FORGET_UNUSED_TAGS, &tag::forget_unused),
        (FORGET_OLD_EVENTS, &forget_events),
        (FORGET_OLD_DELIVERIES, &forget_deliveries),
    ];
    for (job, run) in jobs {
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
