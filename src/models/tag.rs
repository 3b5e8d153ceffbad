use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::models::public_at;
use crate::schema::{article_tags, tags};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = tags)]
pub struct Tag {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    /// Public on purpose, whether or not a public story names it yet.
    pub listed: bool,
    /// Unlisted on purpose by an editor: below the editor role a story may
    /// not make it public by being published with it.
    pub held: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Public tags in slug order, `limit` of them after the slug `after`.
pub fn list_public(
    conn: &mut DbConnection,
    after: Option<&str>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<Tag>> {
    let mut query = tags::table
        .filter(public_at!(tags, "t:", now))
        .select(Tag::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(tags::slug.gt(after.to_string()));
    }
    query.order(tags::slug.asc()).limit(limit).load(conn)
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

/// The tags of these articles, each with its article's id, in editorial
/// order.
pub fn of_articles(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<(String, Tag)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    article_tags::table
        .inner_join(tags::table)
        .filter(article_tags::article_id.eq_any(ids))
        .order((article_tags::article_id, article_tags::position.asc()))
        .select((article_tags::article_id, Tag::as_select()))
        .load(conn)
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = tags)]
pub struct TagChanges {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub listed: Option<bool>,
    pub held: Option<bool>,
    pub updated_at: Option<NaiveDateTime>,
}

/// Forgets the tags that drafts named into being and that no story carries
/// any more: unlisted, unused, and older than an hour (a writer may be
/// about to use a newer one). Answers how many.
pub fn forget_unused(conn: &mut DbConnection) -> QueryResult<usize> {
    let settled = crate::models::now() - chrono::Duration::hours(1);
    let used = article_tags::table.filter(article_tags::tag_id.eq(tags::id));
    let unused = tags::table
        .filter(tags::listed.eq(false))
        .filter(tags::created_at.lt(settled))
        .filter(diesel::dsl::not(diesel::dsl::exists(used)));
    // Only when there is something to forget: the delete moves the content
    // generation (no public answer shows these tags, but a replica cannot
    // tell, and forgets its whole cache). Like every content write, it
    // locks the log first, so it queues in the writers' one lock order.
    if !diesel::select(diesel::dsl::exists(unused)).get_result::<bool>(conn)? {
        return Ok(0);
    }
    crate::events::transaction(conn, |conn| diesel::delete(unused).execute(conn)).map(|(n, _)| n)
}

crate::models::slug_named!(Tag, TagChanges, tags, "t:");
