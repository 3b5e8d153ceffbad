//! The claims that make periodic upkeep run once across all replicas.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::maintenance_jobs;

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
