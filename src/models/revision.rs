use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::revisions;

/// One change to an article: who, when, and each changed field's old and
/// new value (JSON text).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = revisions)]
pub struct Revision {
    pub id: String,
    pub article_id: String,
    pub version: i32,
    pub actor: String,
    pub actor_name: String,
    pub changes: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConnection, revision: &Revision) -> QueryResult<()> {
    diesel::insert_into(revisions::table)
        .values(revision)
        .execute(conn)
        .map(drop)
}

/// An article's revisions, newest first: `limit` of them older than the
/// version `before`.
pub fn of_article(
    conn: &mut DbConnection,
    article_id: &str,
    before: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<Revision>> {
    let mut query = revisions::table
        .filter(revisions::article_id.eq(article_id))
        .select(Revision::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(revisions::version.lt(before));
    }
    query
        .order(revisions::version.desc())
        .limit(limit)
        .load(conn)
}
