use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::idempotency_keys;

/// The first answer to a caller's request under one Idempotency-Key.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct StoredResponse {
    pub principal: String,
    pub idem_key: String,
    /// A hash of the method, path and body the key was first used with.
    pub request_hash: String,
    pub status: i32,
    pub body: String,
    pub location: Option<String>,
    pub etag: Option<String>,
    pub created_at: NaiveDateTime,
}

/// How long a key is remembered; after that the same key starts afresh.
pub const RETENTION_HOURS: i64 = 24;

fn cutoff() -> NaiveDateTime {
    crate::models::now() - chrono::Duration::hours(RETENTION_HOURS)
}

pub fn find(
    conn: &mut DbConnection,
    principal: &str,
    key: &str,
) -> QueryResult<Option<StoredResponse>> {
    idempotency_keys::table
        .filter(idempotency_keys::principal.eq(principal))
        .filter(idempotency_keys::idem_key.eq(key))
        .filter(idempotency_keys::created_at.ge(cutoff()))
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()
}

/// Stores an answer. A caller's own expired key is cleared first, so an old
/// key can be used again; everyone else's wait for `forget_expired`.
pub fn insert(conn: &mut DbConnection, stored: &StoredResponse) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(&stored.principal))
            .filter(idempotency_keys::idem_key.eq(&stored.idem_key))
            .filter(idempotency_keys::created_at.lt(cutoff())),
    )
    .execute(conn)?;
    diesel::insert_into(idempotency_keys::table)
        .values(stored)
        .execute(conn)
        .map(drop)
}

/// Forgets every key past its retention (periodic upkeep); answers how many.
pub fn forget_expired(conn: &mut DbConnection) -> QueryResult<usize> {
    diesel::delete(idempotency_keys::table.filter(idempotency_keys::created_at.lt(cutoff())))
        .execute(conn)
}
