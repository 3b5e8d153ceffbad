//! Corrections to published stories: appended, never edited.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::corrections;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = corrections)]
pub struct Correction {
    pub id: String,
    pub article_id: String,
    pub text: String,
    pub amends: Option<String>,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, correction: &Correction) -> QueryResult<()> {
    diesel::insert_into(corrections::table)
        .values(correction)
        .execute(conn)
        .map(drop)
}

/// A story's corrections, oldest first.
pub fn of_article(conn: &mut DbConnection, article_id: &str) -> QueryResult<Vec<Correction>> {
    corrections::table
        .filter(corrections::article_id.eq(article_id))
        .order((corrections::created_at.asc(), corrections::id.asc()))
        .select(Correction::as_select())
        .load(conn)
}

/// One correction of a story.
pub fn find(
    conn: &mut DbConnection,
    article_id: &str,
    id: &str,
) -> QueryResult<Option<Correction>> {
    if !crate::models::storable(id) {
        return Ok(None);
    }
    corrections::table
        .filter(corrections::article_id.eq(article_id))
        .filter(corrections::id.eq(id))
        .select(Correction::as_select())
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(corrections::table.find(id)).execute(conn)
}
