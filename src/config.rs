//! One typed configuration, read from the environment (and `.env`) at start.
//! Every key is listed with its default in `.env.example`.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

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

/// A database URL. It may carry a password, so it never prints in full.
#[derive(Clone)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    /// The SQLite file this URL names: `sqlite://path`, `sqlite:path`,
    /// `file:path` or a plain path.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.is_postgres() {
            return None;
        }
        let raw = self.0.as_str();
        let path = raw
            .strip_prefix("sqlite://")
            .or_else(|| raw.strip_prefix("sqlite:"))
            .or_else(|| raw.strip_prefix("file:"))
            .unwrap_or(raw);
        Some(PathBuf::from(path))
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match url::Url::parse(&self.0) {
            Ok(mut url) if self.is_postgres() => {
                if url.password().is_some() {
                    let _ = url.set_password(Some("********"));
                }
                // Connection options (a password among them) may ride in the
                // query string; none of it is needed to say which database.
                url.set_query(None);
                write!(f, "{url}")
            }
            _ => match self.sqlite_path() {
                Some(path) => write!(f, "sqlite:{}", path.display()),
                None => f.write_str("(unparseable database URL)"),
            },
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

/// A secret value: it never prints.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
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
    /// BYLINE_JWT_SECRET: the key access tokens are signed with (at least 32
    /// bytes). Required in production; in development a random one is kept
    /// in the data folder when unset.
    pub jwt_secret: Secret,
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
}

fn var(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

fn parse_var<T: std::str::FromStr>(key: &str, default: T) -> anyhow::Result<T>
where
    T::Err: fmt::Display,
{
    match var(key) {
        None => Ok(default),
        Some(raw) => raw
            .trim()
            .parse()
            .map_err(|e| anyhow::anyhow!("{key}={raw:?} is not valid: {e}")),
    }
}

impl Config {
    pub const DEFAULT_SQLITE_PATH: &'static str = "./data/byline.db";

    /// Reads the configuration from the process environment (after `.env`).
    pub fn from_env() -> anyhow::Result<Self> {
        let environment = match var("BYLINE_ENV").as_deref().map(str::to_ascii_lowercase) {
            None => Environment::Development,
            Some(v) if v == "development" || v == "dev" => Environment::Development,
            Some(v) if v == "production" || v == "prod" => Environment::Production,
            Some(v) => bail!("BYLINE_ENV={v:?} must be `development` or `production`"),
        };
        let explicit_url = var("DATABASE_URL");
        let database_url_explicit = explicit_url.is_some();
        let database_url =
            DatabaseUrl::new(explicit_url.unwrap_or_else(|| Self::DEFAULT_SQLITE_PATH.into()));
        let demo_default = match environment {
            Environment::Development => DemoContent::Auto,
            Environment::Production => DemoContent::Never,
        };
        let demo_content = match var("BYLINE_DEMO_CONTENT")
            .as_deref()
            .map(str::to_ascii_lowercase)
        {
            None => demo_default,
            Some(v) if v == "auto" => DemoContent::Auto,
            Some(v) if v == "never" => DemoContent::Never,
            Some(v) => bail!("BYLINE_DEMO_CONTENT={v:?} must be `auto` or `never`"),
        };
        let cors_origins = var("BYLINE_CORS_ORIGINS")
            .unwrap_or_else(|| "*".into())
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        let workers_default = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let jwt_secret = match var("BYLINE_JWT_SECRET") {
            Some(secret) => Secret::new(secret),
            None if environment == Environment::Production => {
                bail!("refusing to start in production mode: BYLINE_JWT_SECRET is not set")
            }
            None => development_secret(&database_url)?,
        };
        let pool_default = if database_url.is_postgres() { 8 } else { 4 };
        let config = Config {
            jwt_secret,
            access_token_ttl: Duration::from_secs(parse_var("BYLINE_ACCESS_TOKEN_TTL", 900)?),
            refresh_token_ttl: Duration::from_secs(parse_var(
                "BYLINE_REFRESH_TOKEN_TTL",
                30 * 24 * 3600,
            )?),
            max_body_bytes: parse_var("BYLINE_MAX_BODY_BYTES", 2 * 1024 * 1024)?,
            auth_rate_per_address: parse_var("BYLINE_AUTH_RATE_PER_ADDRESS", 30)?,
            auth_rate_per_account: parse_var("BYLINE_AUTH_RATE_PER_ACCOUNT", 10)?,
            body_idle_timeout: Duration::from_millis(parse_var(
                "BYLINE_BODY_IDLE_TIMEOUT_MS",
                10_000,
            )?),
            body_timeout: Duration::from_millis(parse_var("BYLINE_BODY_TIMEOUT_MS", 60_000)?),
            uploads_per_address: parse_var("BYLINE_UPLOADS_PER_ADDRESS", 16)?,
            max_connections: parse_var("BYLINE_MAX_CONNECTIONS", 4096)?,
            trusted_proxies: var("BYLINE_TRUSTED_PROXIES")
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(|a| {
                    a.parse().map_err(|e| {
                        anyhow::anyhow!("BYLINE_TRUSTED_PROXIES: {a:?} is not an address: {e}")
                    })
                })
                .collect::<anyhow::Result<_>>()?,
            environment,
            listen: var("BYLINE_LISTEN").unwrap_or_else(|| "127.0.0.1:8080".into()),
            database_url,
            database_url_explicit,
            db_pool_size: parse_var("BYLINE_DB_POOL_SIZE", pool_default)?,
            db_timeout: Duration::from_millis(parse_var("BYLINE_DB_TIMEOUT_MS", 5000)?),
            demo_content,
            cors_origins,
            workers: parse_var("BYLINE_WORKERS", workers_default)?,
            cache_max_age: parse_var("BYLINE_CACHE_MAX_AGE", 60)?,
            response_cache_bytes: parse_var("BYLINE_RESPONSE_CACHE_BYTES", 8 * 1024 * 1024)?,
            cache_sync: Duration::from_millis(parse_var("BYLINE_CACHE_SYNC_MS", 1000)?),
            maintenance_interval: Duration::from_secs(parse_var("BYLINE_MAINTENANCE_SECS", 300)?),
        };
        config.validate()?;
        Ok(config)
    }

    /// A configuration for tests and tools: development defaults, this database.
    pub fn for_database(url: impl Into<String>) -> Self {
        Config {
            environment: Environment::Development,
            listen: "127.0.0.1:0".into(),
            database_url: DatabaseUrl::new(url),
            database_url_explicit: true,
            db_pool_size: 4,
            db_timeout: Duration::from_secs(5),
            demo_content: DemoContent::Never,
            cors_origins: vec!["*".into()],
            workers: 1,
            cache_max_age: 60,
            response_cache_bytes: 4 * 1024 * 1024,
            // Tests change content behind the server's back (fixtures), so
            // every cached answer is checked against the database.
            cache_sync: Duration::ZERO,
            maintenance_interval: Duration::from_secs(300),
            jwt_secret: Secret::new(random_token(48)),
            access_token_ttl: Duration::from_secs(900),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            max_body_bytes: 2 * 1024 * 1024,
            auth_rate_per_address: 1000,
            auth_rate_per_account: 1000,
            body_idle_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(60),
            uploads_per_address: 64,
            max_connections: 4096,
            trusted_proxies: Vec::new(),
        }
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
        if self.jwt_secret.expose().len() < MIN_SECRET_BYTES {
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
        if self.environment == Environment::Production {
            let mut problems = Vec::new();
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

/// `len` random bytes as URL-safe base64 text.
pub fn random_token(len: usize) -> String {
    use base64::Engine;
    let mut bytes = vec![0u8; len];
    getrandom::fill(&mut bytes).expect("the operating system's random source");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Development only: a signing secret generated once and kept beside the
/// database, so tokens survive restarts without anyone choosing a secret.
fn development_secret(database_url: &DatabaseUrl) -> anyhow::Result<Secret> {
    let dir = database_url
        .sqlite_path()
        .and_then(|p| p.parent().map(PathBuf::from))
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or_else(|| PathBuf::from("./data"));
    let path = dir.join("jwt-secret");
    if let Ok(existing) = std::fs::read_to_string(&path) {
        let existing = existing.trim().to_string();
        if existing.len() >= MIN_SECRET_BYTES {
            return Ok(Secret::new(existing));
        }
    }
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let secret = random_token(48);
    write_private(&path, &secret).with_context(|| format!("writing {}", path.display()))?;
    tracing::info!(path = %path.display(), "generated a development token-signing secret");
    Ok(Secret::new(secret))
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}
