//! One typed configuration, read from the environment (and `.env`) at start.
//! Every key is listed with its default in `.env.example`.

mod database_url;
mod env;
mod secret;
mod site;

use std::time::Duration;

use anyhow::{bail, Context};
use secrecy::{ExposeSecret, SecretString};

pub use database_url::DatabaseUrl;
pub use secret::random_token;
pub use site::Site;

use env::{read, read_choice, read_duration, read_list, var, MILLISECOND, SECOND};
use secret::development_secret;

/// Where the service runs. Production refuses unsafe settings at start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

/// Whether `serve` loads the demo content into an empty database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DemoContent {
    /// Load it when the database has no content (the development default).
    Auto,
    /// Never load it (the production default).
    Never,
}

/// The shortest signing secret accepted, in bytes (HS256 wants 256 bits).
pub const MIN_SECRET_BYTES: usize = 32;

#[derive(Clone, Debug)]
pub struct Config {
    /// BYLINE_ENV: `development` (default) or `production`.
    pub environment: Environment,
    /// BYLINE_LISTEN: the address to bind, default `127.0.0.1:8080`.
    pub listen: String,
    /// DATABASE_URL: a SQLite path (default `./data/byline.db`) or a `postgres://` URL.
    pub database_url: DatabaseUrl,
    /// Whether DATABASE_URL was set explicitly (production requires it).
    pub database_url_explicit: bool,
    /// BYLINE_DB_POOL_SIZE: connections in the pool, default 4 on SQLite
    /// (one writer at a time; reads are CPU-bound) and 8 on PostgreSQL.
    pub db_pool_size: u32,
    /// BYLINE_DB_TIMEOUT_MS: how long a request waits for a connection, default 5000.
    pub db_timeout: Duration,
    /// BYLINE_DEMO_CONTENT: `auto` or `never`.
    pub demo_content: DemoContent,
    /// BYLINE_CORS_ORIGINS: comma-separated origins allowed to call the API
    /// from a browser, or `*` (the default) for any. The API uses bearer
    /// tokens, never cookies, so `*` exposes nothing a browser holds.
    pub cors_origins: Vec<String>,
    /// BYLINE_WORKERS: HTTP worker threads, default the number of cores.
    pub workers: usize,
    /// BYLINE_CACHE_MAX_AGE: seconds clients and CDNs may reuse a public answer, default 60.
    pub cache_max_age: u32,
    /// BYLINE_RESPONSE_CACHE_BYTES: memory for byline's own cache of public
    /// answers, default 8 MiB; 0 turns it off.
    pub response_cache_bytes: u64,
    /// BYLINE_CACHE_SYNC_MS: how often each process asks the database whether
    /// content changed (through another replica or a direct write), default
    /// 1000. This is the bound on how long another replica's write can stay
    /// unseen in the cache. 0 asks on every request instead.
    pub cache_sync: Duration,
    /// BYLINE_MAINTENANCE_SECS: how often periodic upkeep runs (once across
    /// all replicas), default 300.
    pub maintenance_interval: Duration,
    /// BYLINE_EVENT_RETENTION_SECS: how long the event log keeps events,
    /// default 30 days. A change-feed cursor older than that gets 410.
    pub event_retention: Duration,
    /// BYLINE_JWT_SECRET: the key access tokens are signed with (at least 32
    /// bytes). Required in production; in development a random one is kept
    /// in the data folder when unset.
    pub jwt_secret: SecretString,
    /// BYLINE_ACCESS_TOKEN_TTL: seconds an access token lives, default 900.
    pub access_token_ttl: Duration,
    /// BYLINE_REFRESH_TOKEN_TTL: seconds a refresh token lives, default 30 days.
    pub refresh_token_ttl: Duration,
    /// BYLINE_MAX_BODY_BYTES: the largest request body accepted, default 2 MiB.
    pub max_body_bytes: usize,
    /// BYLINE_AUTH_RATE_PER_ADDRESS: token requests per minute from one client address, default 30.
    pub auth_rate_per_address: u32,
    /// BYLINE_AUTH_RATE_PER_ACCOUNT: failed token requests per minute for
    /// one account from one client address, default 10.
    pub auth_rate_per_account: u32,
    /// BYLINE_BODY_IDLE_TIMEOUT_MS: the longest pause inside a request
    /// body, default 10000; past it the request answers 408.
    pub body_idle_timeout: Duration,
    /// BYLINE_BODY_TIMEOUT_MS: the longest a whole request body may take to
    /// arrive, default 60000.
    pub body_timeout: Duration,
    /// BYLINE_UPLOADS_PER_ADDRESS: request bodies one client address may
    /// send at once, default 16; more answer 429.
    pub uploads_per_address: usize,
    /// BYLINE_MAX_CONNECTIONS: open connections the server accepts at once,
    /// default 4096; more wait in the listen backlog.
    pub max_connections: usize,
    /// BYLINE_TRUSTED_PROXIES: comma-separated addresses of reverse proxies
    /// whose `X-Forwarded-For` names the client, for the per-address
    /// limits. Default none: the TCP peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// BYLINE_WEBHOOK_ALLOW_PRIVATE: `true` lets webhooks reach loopback,
    /// link-local and private addresses (tests, intranets); default `false`.
    pub webhook_allow_private: bool,
    /// BYLINE_WEBHOOK_TIMEOUT_MS: the longest one delivery attempt may
    /// take, default 10000.
    pub webhook_timeout: Duration,
    /// BYLINE_WEBHOOK_RETRY_UNIT_MS: the unit of the retry schedule (5, 300,
    /// 1800, 7200, 18000, 36000 and 36000 units between the eight
    /// attempts), default 1000: about 27 hours in all.
    pub webhook_retry_unit: Duration,
    /// BYLINE_WEBHOOK_DISABLE_AFTER_SECS: how long a subscription may fail
    /// without one success before it is disabled, default 5 days.
    pub webhook_disable_after: Duration,
    /// BYLINE_WEBHOOK_POLL_MS: how often each process looks for due
    /// deliveries and other replicas' events when nothing wakes it,
    /// default 1000.
    pub webhook_poll: Duration,
    /// The reader-facing site (BYLINE_SITE_*, BYLINE_*_URL): see `Site`.
    pub site: Site,
    /// BYLINE_FEED_ITEMS: how many stories each feed holds, 1 to 100,
    /// default 20.
    pub feed_items: i64,
    /// BYLINE_SEARCH_RANKED: the most matches one search ranks, the most
    /// recently written ones; 10 to 100,000, default 500. Ranking costs
    /// time for every match scored.
    pub search_ranked: i64,
    /// BYLINE_API_URL: where clients reach this API (such as
    /// `https://api.example.com`), for the self links of feeds; default
    /// none (feeds then name no self link).
    pub api_url: Option<String>,
}

impl Config {
    pub const DEFAULT_SQLITE_PATH: &'static str = "./data/byline.db";

    /// Every setting at its default: the one place defaults are written.
    fn defaults(
        environment: Environment,
        database_url: DatabaseUrl,
        jwt_secret: SecretString,
    ) -> Self {
        Config {
            environment,
            listen: "127.0.0.1:8080".into(),
            db_pool_size: if database_url.is_postgres() { 8 } else { 4 },
            database_url,
            database_url_explicit: false,
            db_timeout: Duration::from_secs(5),
            demo_content: match environment {
                Environment::Development => DemoContent::Auto,
                Environment::Production => DemoContent::Never,
            },
            cors_origins: vec!["*".into()],
            workers: std::thread::available_parallelism().map_or(2, |n| n.get()),
            cache_max_age: 60,
            response_cache_bytes: 8 * 1024 * 1024,
            cache_sync: Duration::from_secs(1),
            maintenance_interval: Duration::from_secs(300),
            event_retention: Duration::from_secs(30 * 24 * 3600),
            jwt_secret,
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            max_body_bytes: 2 * 1024 * 1024,
            auth_rate_per_address: 30,
            auth_rate_per_account: 10,
            body_idle_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            uploads_per_address: 16,
            max_connections: 4096,
            trusted_proxies: Vec::new(),
            webhook_allow_private: false,
            webhook_timeout: Duration::from_secs(10),
            webhook_retry_unit: Duration::from_secs(1),
            webhook_disable_after: Duration::from_secs(5 * 24 * 3600),
            webhook_poll: Duration::from_secs(1),
            site: Site::default(),
            feed_items: 20,
            search_ranked: 500,
            api_url: None,
        }
    }

    /// Reads the configuration from the process environment (after `.env`).
    pub fn from_env() -> anyhow::Result<Self> {
        let mut environment = Environment::Development;
        read_choice(
            &mut environment,
            "BYLINE_ENV",
            &[
                ("development", Environment::Development),
                ("dev", Environment::Development),
                ("production", Environment::Production),
                ("prod", Environment::Production),
            ],
        )?;
        let explicit_url = var("DATABASE_URL");
        let database_url_explicit = explicit_url.is_some();
        let database_url =
            DatabaseUrl::new(explicit_url.unwrap_or_else(|| Self::DEFAULT_SQLITE_PATH.into()));
        let jwt_secret = match var("BYLINE_JWT_SECRET") {
            Some(secret) => SecretString::from(secret),
            None if environment == Environment::Production => {
                bail!("refusing to start in production mode: BYLINE_JWT_SECRET is not set")
            }
            None => development_secret(&database_url)?,
        };
        let mut c = Self::defaults(environment, database_url, jwt_secret);
        c.database_url_explicit = database_url_explicit;
        c.read_env()?;
        c.validate()?;
        Ok(c)
    }

    /// Overrides defaults with whatever the environment sets.
    fn read_env(&mut self) -> anyhow::Result<()> {
        read(&mut self.listen, "BYLINE_LISTEN")?;
        read(&mut self.db_pool_size, "BYLINE_DB_POOL_SIZE")?;
        read_duration(&mut self.db_timeout, "BYLINE_DB_TIMEOUT_MS", MILLISECOND)?;
        read_choice(
            &mut self.demo_content,
            "BYLINE_DEMO_CONTENT",
            &[("auto", DemoContent::Auto), ("never", DemoContent::Never)],
        )?;
        read_list(&mut self.cors_origins, "BYLINE_CORS_ORIGINS")?;
        read(&mut self.workers, "BYLINE_WORKERS")?;
        read(&mut self.cache_max_age, "BYLINE_CACHE_MAX_AGE")?;
        read(
            &mut self.response_cache_bytes,
            "BYLINE_RESPONSE_CACHE_BYTES",
        )?;
        read_duration(&mut self.cache_sync, "BYLINE_CACHE_SYNC_MS", MILLISECOND)?;
        read_duration(
            &mut self.maintenance_interval,
            "BYLINE_MAINTENANCE_SECS",
            SECOND,
        )?;
        read_duration(
            &mut self.event_retention,
            "BYLINE_EVENT_RETENTION_SECS",
            SECOND,
        )?;
        read_duration(
            &mut self.access_token_ttl,
            "BYLINE_ACCESS_TOKEN_TTL",
            SECOND,
        )?;
        read_duration(
            &mut self.refresh_token_ttl,
            "BYLINE_REFRESH_TOKEN_TTL",
            SECOND,
        )?;
        read(&mut self.max_body_bytes, "BYLINE_MAX_BODY_BYTES")?;
        read(
            &mut self.auth_rate_per_address,
            "BYLINE_AUTH_RATE_PER_ADDRESS",
        )?;
        read(
            &mut self.auth_rate_per_account,
            "BYLINE_AUTH_RATE_PER_ACCOUNT",
        )?;
        read_duration(
            &mut self.body_idle_timeout,
            "BYLINE_BODY_IDLE_TIMEOUT_MS",
            MILLISECOND,
        )?;
        read_duration(
            &mut self.body_timeout,
            "BYLINE_BODY_TIMEOUT_MS",
            MILLISECOND,
        )?;
        read(&mut self.uploads_per_address, "BYLINE_UPLOADS_PER_ADDRESS")?;
        read(&mut self.max_connections, "BYLINE_MAX_CONNECTIONS")?;
        read_list(&mut self.trusted_proxies, "BYLINE_TRUSTED_PROXIES")?;
        read(
            &mut self.webhook_allow_private,
            "BYLINE_WEBHOOK_ALLOW_PRIVATE",
        )?;
        read_duration(
            &mut self.webhook_timeout,
            "BYLINE_WEBHOOK_TIMEOUT_MS",
            MILLISECOND,
        )?;
        read_duration(
            &mut self.webhook_retry_unit,
            "BYLINE_WEBHOOK_RETRY_UNIT_MS",
            MILLISECOND,
        )?;
        read_duration(
            &mut self.webhook_disable_after,
            "BYLINE_WEBHOOK_DISABLE_AFTER_SECS",
            SECOND,
        )?;
        read_duration(
            &mut self.webhook_poll,
            "BYLINE_WEBHOOK_POLL_MS",
            MILLISECOND,
        )?;
        self.site.read_env()?;
        read(&mut self.feed_items, "BYLINE_FEED_ITEMS")?;
        read(&mut self.search_ranked, "BYLINE_SEARCH_RANKED")?;
        if let Some(url) = var("BYLINE_API_URL") {
            self.api_url = Some(url.trim().to_string());
        }
        Ok(())
    }

    /// How webhooks are sent and retried.
    pub fn webhooks(&self) -> crate::webhooks::Settings {
        crate::webhooks::Settings {
            allow_private: self.webhook_allow_private,
            timeout: self.webhook_timeout,
            retry_unit: self.webhook_retry_unit,
            disable_after: self.webhook_disable_after,
            poll: self.webhook_poll,
        }
    }

    /// A configuration for tests and tools: development defaults, this
    /// database, and limits loose enough for a test suite's traffic.
    pub fn for_database(url: impl Into<String>) -> Self {
        let mut c = Self::defaults(
            Environment::Development,
            DatabaseUrl::new(url),
            SecretString::from(random_token(48)),
        );
        c.listen = "127.0.0.1:0".into();
        c.database_url_explicit = true;
        c.db_pool_size = 4;
        c.demo_content = DemoContent::Never;
        c.workers = 1;
        c.response_cache_bytes = 4 * 1024 * 1024;
        // Tests change content behind the server's back (fixtures), so
        // every cached answer is checked against the database.
        c.cache_sync = Duration::ZERO;
        c.auth_rate_per_address = 1000;
        c.auth_rate_per_account = 1000;
        c.uploads_per_address = 64;
        c
    }

    /// Checks the settings together; production refuses anything unsafe.
    pub fn validate(&self) -> anyhow::Result<()> {
        if self.db_pool_size == 0 {
            bail!("BYLINE_DB_POOL_SIZE must be at least 1");
        }
        if self.maintenance_interval.is_zero() {
            bail!("BYLINE_MAINTENANCE_SECS must be at least 1");
        }
        if self.workers == 0 {
            bail!("BYLINE_WORKERS must be at least 1");
        }
        self.listen
            .parse::<std::net::SocketAddr>()
            .with_context(|| {
                format!("BYLINE_LISTEN={:?} is not a host:port address", self.listen)
            })?;
        if self.jwt_secret.expose_secret().len() < MIN_SECRET_BYTES {
            bail!("BYLINE_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long");
        }
        if self.access_token_ttl.as_secs() == 0 || self.refresh_token_ttl.as_secs() == 0 {
            bail!("token lifetimes must be at least one second");
        }
        if self.max_body_bytes == 0 {
            bail!("BYLINE_MAX_BODY_BYTES must be at least 1");
        }
        if self.body_idle_timeout.is_zero() || self.body_timeout.is_zero() {
            bail!("BYLINE_BODY_IDLE_TIMEOUT_MS and BYLINE_BODY_TIMEOUT_MS must be at least 1");
        }
        if self.uploads_per_address == 0 || self.max_connections == 0 {
            bail!("BYLINE_UPLOADS_PER_ADDRESS and BYLINE_MAX_CONNECTIONS must be at least 1");
        }
        if self.webhook_timeout.is_zero()
            || self.webhook_timeout > Duration::from_secs(60)
            || self.webhook_poll.is_zero()
            || self.webhook_retry_unit.is_zero()
            || self.webhook_retry_unit > Duration::from_secs(60)
        {
            bail!("BYLINE_WEBHOOK_TIMEOUT_MS and BYLINE_WEBHOOK_RETRY_UNIT_MS must be 1 to 60000, and BYLINE_WEBHOOK_POLL_MS at least 1");
        }
        self.site.validate()?;
        if !(1..=100).contains(&self.feed_items) {
            bail!("BYLINE_FEED_ITEMS must be 1 to 100");
        }
        if !(10..=100_000).contains(&self.search_ranked) {
            bail!("BYLINE_SEARCH_RANKED must be 10 to 100000");
        }
        if let Some(url) = &self.api_url {
            let ok = url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
            if !ok {
                bail!("BYLINE_API_URL={url:?} must be an http(s) URL");
            }
        }
        if self.environment == Environment::Production {
            let mut problems = Vec::new();
            if !self.site.url_explicit {
                problems.push(
                    "BYLINE_SITE_URL must be set: story URLs, feeds, sitemaps and NewsArticle markup name the reader-facing site",
                );
            }
            if !self.database_url_explicit {
                problems.push("DATABASE_URL must be set explicitly");
            }
            if self.demo_content != DemoContent::Never {
                problems.push("BYLINE_DEMO_CONTENT must be `never`");
            }
            if !problems.is_empty() {
                bail!(
                    "refusing to start in production mode: {}",
                    problems.join("; ")
                );
            }
        }
        Ok(())
    }
}
