use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{article_tags, tags};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Tags in slug order, `limit` of them after the slug `after`.
pub fn list(conn: &mut DbConnection, after: Option<&str>, limit: i64) -> QueryResult<Vec<Tag>> {
    let mut query = tags::table.select(Tag::as_select()).into_boxed();
    if let Some(after) = after {
        query = query.filter(tags::slug.gt(after.to_string()));
    }
    query.order(tags::slug.asc()).limit(limit).load(conn)
}

pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Tag>> {
    if !crate::models::storable(slug) {
        return Ok(None);
    }
    tags::table
        .filter(tags::slug.eq(slug))
        .select(Tag::as_select())
        .first(conn)
        .optional()
}

/// The tags of an article, in their editorial order.
pub fn of_article(conn: &mut DbConnection, article_id: &str) -> QueryResult<Vec<Tag>> {
    article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq(article_id))
        .order(article_tags::position.asc())
        .select(Tag::as_select())
        .load(conn)
}

pub fn insert(conn: &mut DbConnection, tag: &Tag) -> QueryResult<()> {
    diesel::insert_into(tags::table)
        .values(tag)
        .execute(conn)
        .map(drop)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub updated_at: Option<NaiveDateTime>,
}

pub fn update(conn: &mut DbConnection, id: &str, changes: &TagChanges) -> QueryResult<usize> {
    diesel::update(tags::table.find(id))
        .set(changes)
        .execute(conn)
}

/// Deletes it; refused by the database (a conflict) while articles use it.
pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    diesel::delete(tags::table.find(id)).execute(conn)
}
