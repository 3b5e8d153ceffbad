//! One binary, two backends: the connection type, the pool and the embedded
//! migrations. The backend is chosen from the URL scheme at start.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::DatabaseUrl;

mod meter;
pub use meter::WorkMeter;

/// Whether the database answered when it was last asked (by the
/// background poll, or by a request when polling is per request). While it
/// does not, requests wait only briefly for a connection and answer 503.
#[derive(Debug, Default)]
pub struct DbHealth {
    down: AtomicBool,
}

impl DbHealth {
    /// Records whether the database just answered.
    pub fn record(&self, answered: bool) {
        let was_down = self.down.swap(!answered, Ordering::SeqCst);
        match (was_down, answered) {
            (false, false) => tracing::warn!("the database does not answer"),
            (true, true) => tracing::info!("the database answers again"),
            _ => {}
        }
    }

    pub fn answered(&self) -> bool {
        !self.down.load(Ordering::SeqCst)
    }
}

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

impl DbConnection {
    pub fn backend(&self) -> Backend {
        match self {
            DbConnection::Postgres(_) => Backend::Postgres,
            DbConnection::Sqlite(_) => Backend::Sqlite,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConnection = r2d2::PooledConnection<Manager>;

const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

// busy_timeout must come before journal_mode: switching to WAL takes a lock,
// and without the timeout a second connection opening at the same moment
// fails at once with "database is locked".
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; \
     PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; \
     PRAGMA foreign_keys = ON;";

/// How long one PostgreSQL statement may run before the server cancels
/// it (a 503 for its request).
pub const STATEMENT_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens connections for the backend the URL names. diesel's own
/// MultiConnection `establish` hides the real connection error, so this
/// manager picks the variant itself and keeps the cause.
#[derive(Debug)]
pub struct Manager {
    target: String,
    backend: Backend,
    /// How long a PostgreSQL statement waits for a lock held by another
    /// transaction: a stuck writer costs other writers a 503, never a
    /// stalled service.
    lock_timeout: Duration,
    /// Counts each SQLite statement's work (the tests' growth guard).
    meter: Option<WorkMeter>,
}

impl Manager {
    pub fn new(url: &DatabaseUrl) -> anyhow::Result<Self> {
        if url.is_postgres() {
            return Ok(Manager {
                target: url.expose().to_string(),
                backend: Backend::Postgres,
                lock_timeout: DEFAULT_LOCK_TIMEOUT,
                meter: None,
            });
        }
        let path = url
            .sqlite_path()
            .context("DATABASE_URL is neither a postgres:// URL nor a SQLite path")?;
        let as_text = path.to_string_lossy().to_string();
        if as_text.is_empty() || as_text == ":memory:" {
            anyhow::bail!(
                "DATABASE_URL must name a SQLite file; an in-memory database would differ per connection"
            );
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the database folder {}", dir.display()))?;
        }
        Ok(Manager {
            target: as_text,
            backend: Backend::Sqlite,
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
            meter: None,
        })
    }

    /// The same manager with another lock timeout.
    pub fn with_lock_timeout(mut self, timeout: Duration) -> Self {
        self.lock_timeout = timeout;
        self
    }

    /// The same manager, counting every SQLite statement's work in `meter`.
    pub fn with_meter(mut self, meter: Option<WorkMeter>) -> Self {
        self.meter = meter;
        self
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }
}

impl ManageConnection for Manager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match self.backend {
            Backend::Postgres => {
                let mut conn = diesel::PgConnection::establish(&self.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(&format!(
                    "SET lock_timeout = {}; SET statement_timeout = {};",
                    self.lock_timeout.as_millis().max(1),
                    STATEMENT_TIMEOUT.as_millis()
                ))
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Postgres(conn))
            }
            Backend::Sqlite => {
                let mut conn = diesel::SqliteConnection::establish(&self.target)
                    .map_err(r2d2::Error::ConnectionError)?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(r2d2::Error::QueryError)?;
                if let Some(meter) = &self.meter {
                    meter.attach(&mut conn);
                }
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        conn.is_broken()
    }
}

/// r2d2 logs every failed connection attempt as an error; during a
/// database outage that is a flood. They are warnings here: the outage
/// itself is reported by the requests answering 503 and by `/readyz`.
#[derive(Debug)]
struct WarnOnError;

impl r2d2::HandleError<r2d2::Error> for WarnOnError {
    fn handle_error(&self, error: r2d2::Error) {
        tracing::warn!(%error, "a database connection failed");
    }
}

/// One connection outside the pool: for migrations, which must not leave
/// their settings on a pooled connection, and for the background thread,
/// which must not wait for the pool.
pub fn connect(url: &DatabaseUrl) -> anyhow::Result<DbConnection> {
    Manager::new(url)?
        .connect()
        .with_context(|| format!("connecting to {url}"))
}

/// Builds the pool after one direct connection, so a wrong URL or a server
/// that is down is reported at start with its real cause.
/// With a `meter`, every pooled SQLite connection counts its work in it.
pub fn build_pool(
    url: &DatabaseUrl,
    size: u32,
    timeout: Duration,
    meter: Option<WorkMeter>,
) -> anyhow::Result<Pool> {
    let manager = Manager::new(url)?
        .with_lock_timeout(timeout)
        .with_meter(meter);
    let backend = manager.backend();
    manager
        .connect()
        .with_context(|| format!("connecting to {url}"))?;
    r2d2::Pool::builder()
        .max_size(size)
        .min_idle(Some(size.min(2)))
        .connection_timeout(timeout)
        // A SQLite file cannot drop its connection; a server can.
        .test_on_check_out(backend == Backend::Postgres)
        .error_handler(Box::new(WarnOnError))
        .build(manager)
        .with_context(|| format!("opening the connection pool for {url}"))
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

// Any fixed number: replicas starting together take turns at migrating.
const MIGRATION_LOCK: i64 = 0x6279_6c69_6e65;

/// Applies pending migrations; answers the versions it applied.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("migrating SQLite: {e}"))?
            .iter()
            .map(|v| v.to_string())
            .collect(),
        DbConnection::Postgres(c) => {
            // A replica may wait its turn, and a migration may take long:
            // neither is held to the request timeouts.
            c.batch_execute("SET lock_timeout = 0; SET statement_timeout = 0;")?;
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let result = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|vs| vs.iter().map(|v| v.to_string()).collect::<Vec<_>>())
                .map_err(|e| anyhow::anyhow!("migrating PostgreSQL: {e}"));
            c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
            result?
        }
    };
    Ok(applied)
}

/// Runs `f` in a transaction that takes the write lock up front. On SQLite a
/// plain (deferred) transaction that reads first and writes later fails with
/// SQLITE_BUSY when another writer got in between, and busy_timeout cannot
/// help it; `BEGIN IMMEDIATE` waits for the lock instead.
pub fn write_transaction<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(_) => conn.transaction(f),
        DbConnection::Sqlite(_) => transaction_from(conn, "BEGIN IMMEDIATE", f),
    }
}

/// Runs the reads of one answer on one snapshot, so a page never mixes a
/// story from before a write with its neighbours from after it.
///
/// On SQLite this is also the cheaper way: a deferred transaction takes the
/// WAL read lock once, where each statement on its own would take and drop
/// it. On PostgreSQL, REPEATABLE READ gives the single snapshot; READ ONLY
/// makes a stray write fail instead of slipping through.
pub fn read_snapshot<T, E, F>(conn: &mut DbConnection, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    let begin = match conn {
        DbConnection::Postgres(_) => "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
        DbConnection::Sqlite(_) => "BEGIN DEFERRED",
    };
    transaction_from(conn, begin, f)
}

/// diesel's transaction manager, opened with the given BEGIN statement.
fn transaction_from<T, E, F>(conn: &mut DbConnection, begin: &str, f: F) -> Result<T, E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    match conn {
        DbConnection::Postgres(inner) => {
            AnsiTransactionManager::begin_transaction_sql(inner, begin)?
        }
        DbConnection::Sqlite(inner) => AnsiTransactionManager::begin_transaction_sql(inner, begin)?,
    }
    match f(conn) {
        Ok(value) => {
            <DbConnection as Connection>::TransactionManager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            <DbConnection as Connection>::TransactionManager::rollback_transaction(conn)?;
            Err(err)
        }
    }
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    /// The bundled SQLite is built the way .cargo/config.toml says: a build
    /// that skipped it would be several times slower on the story page.
    #[test]
    fn bundled_sqlite_has_the_configured_build_options() {
        let mut conn = diesel::SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"), "{options:?}");
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
    }
}
