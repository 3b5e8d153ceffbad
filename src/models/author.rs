use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::models::public_at;
use crate::schema::{article_authors, authors};

/// An author profile. `email` is private: no public representation carries it.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = authors)]
pub struct Author {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    /// Public on purpose, whether or not a public story names it yet.
    pub listed: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// What a byline shows of an author.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = authors)]
pub struct Byline {
    pub slug: String,
    pub name: String,
    pub avatar_url: Option<String>,
}

/// Public authors in slug order, `limit` of them after the slug `after`.
pub fn list_public(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Author>> {
    let mut query = authors::table
        .filter(public_at!(authors, "a:", now))
        .select(Author::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(authors::slug.gt(after.to_string()));
    }
    query.order(authors::slug.asc()).limit(limit).load(conn)
}

/// The bylines of several articles at once, as (article id, byline) pairs in
/// each article's author order: one query for a whole page.
pub fn bylines_of(
    conn: &mut DbConnection,
    article_ids: &[String],
) -> QueryResult<Vec<(String, Byline)>> {
    if article_ids.is_empty() {
        return Ok(Vec::new());
    }
    article_authors::table
        .inner_join(authors::table)
        .filter(article_authors::article_id.eq_any(article_ids))
        .order((article_authors::article_id, article_authors::position.asc()))
        .select((article_authors::article_id, Byline::as_select()))
        .load(conn)
}

pub fn slug_of(conn: &mut DbConnection, id: &str) -> QueryResult<Option<String>> {
    if !crate::models::storable(id) {
        return Ok(None);
    }
    authors::table
        .find(id)
        .select(authors::slug)
        .first(conn)
        .optional()
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = authors)]
pub struct AuthorChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub bio: Option<String>,
    pub avatar_url: Option<Option<String>>,
    pub website: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub listed: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

crate::models::slug_named!(Author, AuthorChanges, authors, "a:");
