use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::integrations;

/// A newsroom tool's credentials. The secret is kept only as a hash.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = integrations)]
pub struct Integration {
    pub id: String,
    pub name: String,
    pub role: String,
    pub client_id: String,
    pub secret_hash: String,
    /// The author profile it writes as, if any.
    pub author_id: Option<String>,
    pub revoked_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, integration: &Integration) -> QueryResult<()> {
    diesel::insert_into(integrations::table)
        .values(integration)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Integration>> {
    if !crate::models::storable(id) {
        return Ok(None);
    }
    integrations::table
        .find(id)
        .select(Integration::as_select())
        .first(conn)
        .optional()
}

pub fn find_by_client_id(
    conn: &mut DbConnection,
    client_id: &str,
) -> QueryResult<Option<Integration>> {
    if !crate::models::storable(client_id) {
        return Ok(None);
    }
    integrations::table
        .filter(integrations::client_id.eq(client_id))
        .select(Integration::as_select())
        .first(conn)
        .optional()
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Integration>> {
    integrations::table
        .order(integrations::created_at.asc())
        .select(Integration::as_select())
        .load(conn)
}

/// Revokes it from now on; answers whether it was active.
pub fn revoke(conn: &mut DbConnection, id: &str, at: NaiveDateTime) -> QueryResult<bool> {
    diesel::update(
        integrations::table
            .find(id)
            .filter(integrations::revoked_at.is_null()),
    )
    .set(integrations::revoked_at.eq(Some(at)))
    .execute(conn)
    .map(|n| n > 0)
}
