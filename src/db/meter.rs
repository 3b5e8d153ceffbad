//! Counts the work SQLite statements do, statement by statement: the
//! virtual machine's steps, as SQLite's progress handler reports them. The
//! count depends on the data and the plan, never on the clock, so two runs
//! over the same data count the same. The growth guard in the tests
//! (tests/api/cross/growth.rs) reads it to prove that no public read does
//! more work as the archive grows. A pool has no meter unless one is given
//! (`startup::prepare_database`); PostgreSQL is measured from
//! outside, with `pg_stat_statements`.

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};

use diesel::sqlite::{ProgressDecision, SqliteConnection, SqliteTraceEvent, SqliteTraceFlags};

/// Work by statement text, summed over every connection it is attached to.
#[derive(Clone, Default)]
pub struct WorkMeter {
    totals: Arc<Mutex<BTreeMap<String, u64>>>,
}

impl std::fmt::Debug for WorkMeter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorkMeter").finish_non_exhaustive()
    }
}

/// The statement a connection is running and the steps it took so far.
#[derive(Default)]
struct Running {
    sql: Option<String>,
    steps: u64,
}

/// A lock that a panic elsewhere does not poison: a callback that panics
/// would abort the process.
fn hold<T>(lock: &Mutex<T>) -> MutexGuard<'_, T> {
    lock.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl WorkMeter {
    pub fn new() -> Self {
        Self::default()
    }

    /// The work counted since the last call, by statement, and starts again.
    pub fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *hold(&self.totals))
    }

    fn settle(&self, running: &mut Running) {
        if let Some(sql) = running.sql.take() {
            *hold(&self.totals).entry(sql).or_default() += std::mem::take(&mut running.steps);
        }
        running.steps = 0;
    }

    /// Counts this connection's statements from now on.
    pub fn attach(&self, conn: &mut SqliteConnection) {
        let running = Arc::new(Mutex::new(Running::default()));
        let (meter, traced) = (self.clone(), running.clone());
        conn.on_trace(
            SqliteTraceFlags::STMT | SqliteTraceFlags::PROFILE,
            move |event| match event {
                // A trigger's body reports itself as a `--` comment: its work
                // stays with the statement that fired it.
                SqliteTraceEvent::Statement { sql, .. } if !sql.starts_with("--") => {
                    let mut running = hold(&traced);
                    meter.settle(&mut running);
                    running.sql = Some(sql.to_string());
                }
                SqliteTraceEvent::Profile { .. } => meter.settle(&mut hold(&traced)),
                _ => {}
            },
        );
        conn.on_progress(NonZeroU32::MIN, move || {
            hold(&running).steps += 1;
            ProgressDecision::Continue
        });
    }
}
