//! The article row and the public reads of it.

mod lookup;
mod write;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{article_authors, article_related, article_tags, articles};

pub use lookup::*;
pub use write::*;

pub const STATUS_DRAFT: &str = "draft";

pub const STATUS_PUBLISHED: &str = "published";

pub const STATUS_ARCHIVED: &str = "archived";

/// Withdrawn (killed): answered 410 Gone with a public notice, and out of
/// every public list, block, feed, sitemap and search until an admin
/// restores it. See `models::withdrawal`.
pub const STATUS_WITHDRAWN: &str = "withdrawn";

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = articles)]
pub struct Article {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body_html: String,
    /// The body as submitted, before rendering and sanitizing.
    pub body_source: String,
    pub body_format: String,
    pub excerpt: String,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub section_id: Option<String>,
    pub credit: Option<String>,
    pub canonical_url: Option<String>,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub image_credit: Option<String>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub external_id: Option<String>,
    /// Who the external id belongs to (`user:<id>` or `integration:<id>`):
    /// external ids are unique per sender, not across senders.
    pub external_owner: String,
    pub version: i32,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// `user:<id>` or `integration:<id>`; None for imported content.
    pub created_by: Option<String>,
    /// Whether the event log has announced it as public (see
    /// `events::announce_due`).
    pub announced: bool,
    /// Its BCP 47 language tag; None only on rows older than languages,
    /// until the startup fills in the site's.
    pub language: Option<String>,
    /// Until then only partners and the newsroom may read it.
    pub embargoed_until: Option<NaiveDateTime>,
    /// The id shared by the stories that translate each other.
    pub translation_group: Option<String>,
}

impl Article {
    /// Whether a partner may read it ahead of the public: published (or
    /// scheduled) with an embargo still to come.
    pub fn under_embargo(&self, now: NaiveDateTime) -> bool {
        self.status == STATUS_PUBLISHED && self.embargoed_until.is_some_and(|e| e > now)
    }

    /// Its publish time when the public may see it at `now`.
    pub fn visible_at(&self, now: NaiveDateTime) -> Option<NaiveDateTime> {
        self.published_at
            .filter(|at| self.status == STATUS_PUBLISHED && *at <= now)
    }

    /// The time it is listed at in the feeds: set for every published
    /// article, scheduled ones included (the feeds hide the future).
    pub fn listed_at(&self) -> Option<NaiveDateTime> {
        self.published_at
            .filter(|_| self.status == STATUS_PUBLISHED)
    }
}

/// The columns a list shows: everything but the body.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct SummaryRow {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub excerpt: String,
    pub published_at: Option<NaiveDateTime>,
    pub section_id: Option<String>,
    pub canonical_url: Option<String>,
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub image_credit: Option<String>,
    pub reading_time_minutes: i32,
    pub language: Option<String>,
}

pub(super) type ByKey<'a> = diesel::dsl::Or<
    diesel::dsl::Eq<articles::slug, &'a str>,
    diesel::dsl::Eq<articles::id, &'a str>,
>;

/// The article a path names: by slug, or by id.
pub(super) fn by_key(slug_or_id: &str) -> ByKey<'_> {
    articles::slug
        .eq(slug_or_id)
        .or(articles::id.eq(slug_or_id))
}

/// A published article by slug or id, if the public may see it at `now`.
pub fn find_public(
    conn: &mut DbConnection,
    slug_or_id: &str,
    now: NaiveDateTime,
) -> QueryResult<Option<Article>> {
    if !crate::models::storable(slug_or_id) {
        return Ok(None);
    }
    articles::table
        .filter(by_key(slug_or_id))
        .filter(articles::status.eq(STATUS_PUBLISHED))
        .filter(articles::published_at.le(now))
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// Summary rows for these ids, in no particular order.
pub fn summaries(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<SummaryRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::id.eq_any(ids))
        .select(SummaryRow::as_select())
        .load(conn)
}

/// (id, status, publish time) of these ids, in no particular order.
pub fn states(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<Vec<(String, String, Option<NaiveDateTime>)>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::id.eq_any(ids))
        .select((articles::id, articles::status, articles::published_at))
        .load(conn)
}

/// Whole rows for these ids, in no particular order.
pub fn find_many(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<Article>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::id.eq_any(ids))
        .select(Article::as_select())
        .load(conn)
}

/// The editor-picked related articles' ids, in order; visibility unchecked.
pub fn related_ids(conn: &mut DbConnection, article_id: &str) -> QueryResult<Vec<String>> {
    article_related::table
        .filter(article_related::article_id.eq(article_id))
        .order(article_related::position.asc())
        .select(article_related::related_id)
        .load(conn)
}

pub fn tag_ids(conn: &mut DbConnection, article_id: &str) -> QueryResult<Vec<String>> {
    article_tags::table
        .filter(article_tags::article_id.eq(article_id))
        .order(article_tags::position.asc())
        .select(article_tags::tag_id)
        .load(conn)
}

pub fn author_ids(conn: &mut DbConnection, article_id: &str) -> QueryResult<Vec<String>> {
    article_authors::table
        .filter(article_authors::article_id.eq(article_id))
        .order(article_authors::position.asc())
        .select(article_authors::author_id)
        .load(conn)
}

pub fn exists_any(conn: &mut DbConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(articles::table.select(articles::id))).get_result(conn)
}
