//! What replicas share beyond content: the content generation they poll,
//! and the claims that make periodic upkeep run once across all of them.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{content_state, maintenance_jobs};

/// A number that changes, in the same transaction, with every write to
/// content tables (database triggers keep it, so writes from any process or
/// tool count).
pub fn content_generation(conn: &mut DbConnection) -> QueryResult<i64> {
    content_state::table
        .select(content_state::generation)
        .first(conn)
}

/// Claims this job's run if its last one is at least `interval` old.
/// One conditional UPDATE: when replicas race, exactly one sees its row
/// change (PostgreSQL re-checks the condition after the winner commits;
/// SQLite has one writer).
pub fn claim(
    conn: &mut DbConnection,
    job: &str,
    now: NaiveDateTime,
    interval: chrono::Duration,
) -> QueryResult<bool> {
    let known: bool = diesel::select(diesel::dsl::exists(
        maintenance_jobs::table.filter(maintenance_jobs::job.eq(job)),
    ))
    .get_result(conn)?;
    if !known {
        // A job new to this database: its row is made, once, by whichever
        // replica comes first; the others' inserts collide and are fine.
        let never = chrono::DateTime::UNIX_EPOCH.naive_utc();
        let _ = conn.transaction(|c| {
            diesel::insert_into(maintenance_jobs::table)
                .values((
                    maintenance_jobs::job.eq(job),
                    maintenance_jobs::last_run_at.eq(never),
                    maintenance_jobs::runs.eq(0i64),
                ))
                .execute(c)
        });
    }
    let changed = diesel::update(
        maintenance_jobs::table
            .filter(maintenance_jobs::job.eq(job))
            .filter(maintenance_jobs::last_run_at.le(now - interval)),
    )
    .set((
        maintenance_jobs::last_run_at.eq(now),
        maintenance_jobs::runs.eq(maintenance_jobs::runs + 1),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

/// How many times a job has run, across all replicas.
pub fn runs(conn: &mut DbConnection, job: &str) -> QueryResult<i64> {
    maintenance_jobs::table
        .filter(maintenance_jobs::job.eq(job))
        .select(maintenance_jobs::runs)
        .first(conn)
}
