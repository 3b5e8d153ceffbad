use std::sync::Arc;
use std::time::Duration;

use actix_web::web;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::db::{DbConnection, DbHealth, Pool};
use crate::error::ApiError;
use crate::ratelimit::RateLimiter;
use crate::response_cache::ResponseCache;
use secrecy::ExposeSecret;

/// How long a request waits for a connection while the last poll of the
/// database failed.
const OUTAGE_WAIT: Duration = Duration::from_millis(250);

/// How many change-feed requests one process holds waiting at once.
const MAX_LONG_POLLS: usize = 1024;

/// What every handler shares: the pool, the configuration, the token keys
/// and the rate limits.
#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub config: Arc<Config>,
    pub tokens: Arc<TokenKeys>,
    /// Token requests per client address.
    pub auth_by_address: Arc<RateLimiter>,
    /// Failed sign-ins per account and client address together: a stranger
    /// guessing elsewhere never locks the real client out.
    pub auth_failures: Arc<RateLimiter>,
    /// Failed sign-ins per account from anywhere: past its limit, attempts
    /// on that account are slowed, never refused.
    pub auth_account_failures: Arc<RateLimiter>,
    /// Public answers, kept until a write or a clock change retires them.
    pub cache: Arc<ResponseCache>,
    /// Whether the database answered the last poll.
    pub health: Arc<DbHealth>,
    /// One permit per pooled connection.
    db_slots: Arc<tokio::sync::Semaphore>,
    /// Writes may hold at most half the pool, so reads (and `/readyz`)
    /// always find a connection while writers wait on each other's locks.
    write_slots: Arc<tokio::sync::Semaphore>,
    /// Change-feed requests waiting for the next event at once.
    pub long_polls: Arc<tokio::sync::Semaphore>,
    /// Bodies rendered at once: one per core, so a burst of large bodies
    /// queues instead of taking every thread.
    render_slots: Arc<tokio::sync::Semaphore>,
    /// PostgreSQL search: the text-search configurations of the languages
    /// the public reads, looked up at most every few seconds.
    pub search_configs: Arc<crate::search::ConfigCache>,
}

impl AppState {
    pub fn new(pool: Pool, config: Config) -> Self {
        let tokens = TokenKeys::new(
            config.jwt_secret.expose_secret().as_bytes(),
            config.access_token_ttl,
        );
        let minute = Duration::from_secs(60);
        AppState {
            pool,
            auth_by_address: Arc::new(RateLimiter::new(config.auth_rate_per_address, minute)),
            auth_failures: Arc::new(RateLimiter::new(config.auth_rate_per_account, minute)),
            auth_account_failures: Arc::new(RateLimiter::new(
                config.auth_rate_per_account.saturating_mul(5),
                minute,
            )),
            cache: Arc::new(ResponseCache::new(
                config.response_cache_bytes,
                config.cache_sync,
            )),
            health: Arc::new(DbHealth::default()),
            db_slots: Arc::new(tokio::sync::Semaphore::new(config.db_pool_size as usize)),
            write_slots: Arc::new(tokio::sync::Semaphore::new(
                (config.db_pool_size as usize / 2).max(1),
            )),
            long_polls: Arc::new(tokio::sync::Semaphore::new(MAX_LONG_POLLS)),
            render_slots: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
            search_configs: Arc::new(crate::search::ConfigCache::default()),
            config: Arc::new(config),
            tokens: Arc::new(tokens),
        }
    }
}

impl AppState {
    /// Runs database work on the blocking thread pool, never on the async
    /// workers: diesel and r2d2 block, `pool.get()` included.
    pub async fn db<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        // While the database is known to be down, answer 503 at once rather
        // than hold every request for the full pool timeout.
        let wait = if self.health.answered() {
            self.config.db_timeout
        } else {
            OUTAGE_WAIT.min(self.config.db_timeout)
        };
        // Only as many jobs as connections go to the blocking pool at once:
        // the rest wait here, on the async side, instead of each parking a
        // thread (and its memory) on the pool's lock.
        let started = std::time::Instant::now();
        let _permit = wait_for(&self.db_slots, wait).await?;
        let wait = wait.saturating_sub(started.elapsed());
        web::block(move || {
            let mut conn = pool.get_timeout(wait)?;
            work(&mut conn)
        })
        .await?
    }

    /// Runs `work` in a write transaction that appends its events to the
    /// log (`events::transaction`). Before the caller gets the answer, the
    /// response cache drops what those events invalidate (everything, if
    /// content changed without events) and the change feed's long polls
    /// wake. A write that changed nothing keeps the cache whole.
    pub async fn write<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = wait_for(&self.write_slots, self.config.db_timeout).await?;
        let (value, done) = self
            .db(move |conn| crate::events::transaction(conn, work))
            .await?;
        self.cache.committed(&done);
        Ok(value)
    }

    /// A turn at rendering a body.
    pub async fn render_slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        wait_for(&self.render_slots, self.config.db_timeout).await
    }

    /// [`AppState::db`] for answers built from several reads: they all see
    /// one snapshot of the database.
    pub async fn read<T, F>(&self, work: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        self.db(move |conn| crate::db::read_snapshot(conn, work))
            .await
    }
}

/// A permit from `slots`, or 503 after `wait`.
async fn wait_for(
    slots: &tokio::sync::Semaphore,
    wait: Duration,
) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
    actix_web::rt::time::timeout(wait, slots.acquire())
        .await
        .ok()
        .and_then(Result::ok)
        .ok_or_else(|| ApiError::Unavailable("The server is busy; try again shortly.".into()))
}
