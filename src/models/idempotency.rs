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

pub fn find(
    conn: &mut DbConnection,
    principal: &str,
    key: &str,
) -> QueryResult<Option<StoredResponse>> {
    idempotency_keys::table
        .filter(idempotency_keys::principal.eq(principal))
        .filter(idempotency_keys::idem_key.eq(key))
        .select(StoredResponse::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, stored: &StoredResponse) -> QueryResult<()> {
    diesel::insert_into(idempotency_keys::table)
        .values(stored)
        .execute(conn)
        .map(drop)
}
