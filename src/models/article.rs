use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::models::feed::{self, Feed};
use crate::schema::{article_authors, article_feeds, article_related, article_tags, articles};

pub const STATUS_DRAFT: &str = "draft";
pub const STATUS_PUBLISHED: &str = "published";
pub const STATUS_ARCHIVED: &str = "archived";

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
}

impl Article {
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
    pub image_url: Option<String>,
    pub image_alt: Option<String>,
    pub image_caption: Option<String>,
    pub image_credit: Option<String>,
    pub reading_time_minutes: i32,
}

type ByKey<'a> = diesel::dsl::Or<
    diesel::dsl::Eq<articles::slug, &'a str>,
    diesel::dsl::Eq<articles::id, &'a str>,
>;

/// The article a path names: by slug, or by id.
fn by_key(slug_or_id: &str) -> ByKey<'_> {
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

/// Inserts an article with its authors and tags (ids, in order) and its
/// feed rows. Run it in a transaction.
pub fn insert(
    conn: &mut DbConnection,
    article: &Article,
    author_ids: &[String],
    tag_ids: &[String],
) -> QueryResult<()> {
    diesel::insert_into(articles::table)
        .values(article)
        .execute(conn)?;
    insert_links(conn, article, author_ids, tag_ids)
}

/// A new article with its authors' and tags' ids, in order.
pub type NewArticle = (Article, Vec<String>, Vec<String>);

/// Inserts many new articles with their links and feed rows in a few
/// multi-row statements per table, instead of a dozen statements per
/// article: bulk loading (`byline seed-bench`). Each statement stays under
/// both backends' limits on bound values.
pub fn insert_many(conn: &mut DbConnection, batch: &[NewArticle]) -> QueryResult<()> {
    let mut authors = Vec::new();
    let mut tags = Vec::new();
    let mut feeds = Vec::new();
    for (article, author_ids, tag_ids) in batch {
        for (position, author_id) in author_ids.iter().enumerate() {
            authors.push((
                article_authors::article_id.eq(&article.id),
                article_authors::author_id.eq(author_id),
                article_authors::position.eq(position as i32),
            ));
        }
        for (position, tag_id) in tag_ids.iter().enumerate() {
            tags.push((
                article_tags::article_id.eq(&article.id),
                article_tags::tag_id.eq(tag_id),
                article_tags::position.eq(position as i32),
            ));
        }
        if let Some(listed_at) = article.listed_at() {
            for f in feed::feeds_of(article.section_id.as_deref(), tag_ids, author_ids) {
                feeds.push((
                    article_feeds::feed.eq(f.key()),
                    article_feeds::listed_at.eq(listed_at),
                    article_feeds::article_id.eq(&article.id),
                ));
            }
        }
    }
    let rows: Vec<&Article> = batch.iter().map(|(a, _, _)| a).collect();
    // SQLite takes at most 32,766 bound values per statement, PostgreSQL
    // 65,535; articles have 24 columns, the link tables 3.
    const BINDS: usize = 30_000;
    macro_rules! bulk {
        ($c:expr) => {{
            for chunk in rows.chunks(BINDS / 24) {
                let chunk: Vec<&Article> = chunk.to_vec();
                diesel::insert_into(articles::table)
                    .values(chunk)
                    .execute($c)?;
            }
            for chunk in authors.chunks(BINDS / 3) {
                diesel::insert_into(article_authors::table)
                    .values(chunk)
                    .execute($c)?;
            }
            for chunk in tags.chunks(BINDS / 3) {
                diesel::insert_into(article_tags::table)
                    .values(chunk)
                    .execute($c)?;
            }
            for chunk in feeds.chunks(BINDS / 3) {
                diesel::insert_into(article_feeds::table)
                    .values(chunk)
                    .execute($c)?;
            }
        }};
    }
    match conn {
        DbConnection::Postgres(c) => bulk!(c),
        DbConnection::Sqlite(c) => bulk!(c),
    }
    Ok(())
}

/// Replaces an article's editor-picked related articles (ids, in order).
pub fn set_related(
    conn: &mut DbConnection,
    article_id: &str,
    related_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(article_related::table.filter(article_related::article_id.eq(article_id)))
        .execute(conn)?;
    for (position, related_id) in related_ids.iter().enumerate() {
        diesel::insert_into(article_related::table)
            .values((
                article_related::article_id.eq(article_id),
                article_related::related_id.eq(related_id),
                article_related::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The feed an article's previous/next links walk: its section's, or the
/// whole site's for an article without a section.
pub fn neighbour_feed(article: &Article) -> Feed {
    match &article.section_id {
        Some(id) => Feed::Section(id.clone()),
        None => Feed::All,
    }
}

/// Which of these ids the public may see at `now`.
pub fn visible_ids(
    conn: &mut DbConnection,
    ids: &[String],
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::id.eq_any(ids))
        .filter(articles::status.eq(STATUS_PUBLISHED))
        .filter(articles::published_at.le(now))
        .select(articles::id)
        .load(conn)
}

/// Which of these ids the public may see at `now`, or `principal` created.
pub fn usable_by(
    conn: &mut DbConnection,
    ids: &[String],
    principal: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::id.eq_any(ids))
        .filter(
            articles::created_by.eq(principal).or(articles::status
                .eq(STATUS_PUBLISHED)
                .and(articles::published_at.le(now))),
        )
        .select(articles::id)
        .load(conn)
}

/// The id of the article with this slug or id, whatever its status.
pub fn id_for(conn: &mut DbConnection, slug_or_id: &str) -> QueryResult<Option<String>> {
    if !crate::models::storable(slug_or_id) {
        return Ok(None);
    }
    articles::table
        .filter(by_key(slug_or_id))
        .select(articles::id)
        .first(conn)
        .optional()
}

/// An article by slug or id, whatever its status.
pub fn find_any(conn: &mut DbConnection, slug_or_id: &str) -> QueryResult<Option<Article>> {
    if !crate::models::storable(slug_or_id) {
        return Ok(None);
    }
    articles::table
        .filter(by_key(slug_or_id))
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// The article `owner` sent with this external id.
pub fn find_by_external_id(
    conn: &mut DbConnection,
    owner: &str,
    external_id: &str,
) -> QueryResult<Option<Article>> {
    if !crate::models::storable(external_id) || !crate::models::storable(owner) {
        return Ok(None);
    }
    articles::table
        .filter(articles::external_owner.eq(owner))
        .filter(articles::external_id.eq(external_id))
        .select(Article::as_select())
        .first(conn)
        .optional()
}

/// Rewrites an article's row if its version is still `expected`; answers
/// whether it did. The caller has set `version` and `updated_at` already.
pub fn update_if_version(
    conn: &mut DbConnection,
    row: &Article,
    expected: i32,
) -> QueryResult<bool> {
    diesel::update(
        articles::table
            .filter(articles::id.eq(&row.id))
            .filter(articles::version.eq(expected)),
    )
    .set((
        articles::slug.eq(&row.slug),
        articles::headline.eq(&row.headline),
        articles::standfirst.eq(&row.standfirst),
        articles::body_html.eq(&row.body_html),
        articles::body_source.eq(&row.body_source),
        articles::body_format.eq(&row.body_format),
        articles::excerpt.eq(&row.excerpt),
        articles::status.eq(&row.status),
        articles::published_at.eq(row.published_at),
        articles::section_id.eq(&row.section_id),
        articles::credit.eq(&row.credit),
        articles::canonical_url.eq(&row.canonical_url),
        articles::image_url.eq(&row.image_url),
        articles::image_alt.eq(&row.image_alt),
        articles::image_caption.eq(&row.image_caption),
        articles::image_credit.eq(&row.image_credit),
        articles::word_count.eq(row.word_count),
        articles::reading_time_minutes.eq(row.reading_time_minutes),
        articles::external_id.eq(&row.external_id),
        articles::external_owner.eq(&row.external_owner),
        articles::version.eq(row.version),
        articles::updated_at.eq(row.updated_at),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

/// Replaces an article's authors and tags (ids, in order) and its feed rows.
pub fn set_links(
    conn: &mut DbConnection,
    article: &Article,
    author_ids: &[String],
    tag_ids: &[String],
) -> QueryResult<()> {
    diesel::delete(article_authors::table.filter(article_authors::article_id.eq(&article.id)))
        .execute(conn)?;
    diesel::delete(article_tags::table.filter(article_tags::article_id.eq(&article.id)))
        .execute(conn)?;
    insert_links(conn, article, author_ids, tag_ids)
}

fn insert_links(
    conn: &mut DbConnection,
    article: &Article,
    author_ids: &[String],
    tag_ids: &[String],
) -> QueryResult<()> {
    for (position, author_id) in author_ids.iter().enumerate() {
        diesel::insert_into(article_authors::table)
            .values((
                article_authors::article_id.eq(&article.id),
                article_authors::author_id.eq(author_id),
                article_authors::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    for (position, tag_id) in tag_ids.iter().enumerate() {
        diesel::insert_into(article_tags::table)
            .values((
                article_tags::article_id.eq(&article.id),
                article_tags::tag_id.eq(tag_id),
                article_tags::position.eq(position as i32),
            ))
            .execute(conn)?;
    }
    let feeds = feed::feeds_of(article.section_id.as_deref(), tag_ids, author_ids);
    feed::refresh(conn, &article.id, article.listed_at(), &feeds)
}

/// Deletes an article if its version is still `expected`; its links,
/// feed rows and revisions go with it.
pub fn delete_if_version(conn: &mut DbConnection, id: &str, expected: i32) -> QueryResult<bool> {
    diesel::delete(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::version.eq(expected)),
    )
    .execute(conn)
    .map(|n| n == 1)
}

/// Slugs of the articles with these ids, in the order given.
pub fn slugs_of(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let pairs: Vec<(String, String)> = articles::table
        .filter(articles::id.eq_any(ids))
        .select((articles::id, articles::slug))
        .load(conn)?;
    Ok(ids
        .iter()
        .filter_map(|id| pairs.iter().find(|(i, _)| i == id).map(|(_, s)| s.clone()))
        .collect())
}

/// Newsroom listings by status, newest created first: a page of
/// (created_at, id) positions. `scheduled` picks published stories whose
/// time is still to come.
pub fn page_by_status(
    conn: &mut DbConnection,
    status: &str,
    scheduled: bool,
    owner: Option<&Owner>,
    older_than: Option<&feed::Position>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<feed::Position>> {
    let mut query = articles::table
        .filter(articles::status.eq(status))
        .select((articles::created_at, articles::id))
        .into_boxed();
    if scheduled {
        query = query.filter(articles::published_at.gt(now));
    }
    if let Some(owner) = owner {
        let bylined = article_authors::table
            .filter(article_authors::article_id.eq(articles::id))
            .filter(article_authors::author_id.eq(owner.author_id.clone().unwrap_or_default()));
        query = query.filter(
            articles::created_by
                .eq(owner.principal.clone())
                .or(diesel::dsl::exists(bylined)),
        );
    }
    if let Some(pos) = older_than {
        query = query.filter(articles::created_at.le(pos.listed_at)).filter(
            articles::created_at
                .lt(pos.listed_at)
                .or(articles::id.lt(pos.article_id.clone())),
        );
    }
    let rows: Vec<(NaiveDateTime, String)> = query
        .order((articles::created_at.desc(), articles::id.desc()))
        .limit(limit)
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(listed_at, article_id)| feed::Position {
            listed_at,
            article_id,
        })
        .collect())
}

/// Whose stories a newsroom listing is limited to: the ones they created
/// or carry their author profile's byline.
#[derive(Debug, Clone)]
pub struct Owner {
    pub principal: String,
    pub author_id: Option<String>,
}

/// The slugs already taken among `base` and `base-<n>`: one query for the
/// search for a free one.
pub fn slugs_like(conn: &mut DbConnection, base: &str) -> QueryResult<Vec<String>> {
    // A range rather than LIKE, so both databases seek the slug index:
    // every `base-…` sorts between `base-` and `base.` ('.' follows '-').
    articles::table
        .filter(
            articles::slug.eq(base).or(articles::slug
                .ge(format!("{base}-"))
                .and(articles::slug.lt(format!("{base}.")))),
        )
        .select(articles::slug)
        .load(conn)
}

/// (id, slug) of the articles these keys (slugs or ids) name.
pub fn ids_and_slugs(
    conn: &mut DbConnection,
    keys: &[String],
) -> QueryResult<Vec<(String, String)>> {
    let keys: Vec<&String> = keys.iter().filter(|k| crate::models::storable(k)).collect();
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    articles::table
        .filter(articles::slug.eq_any(&keys).or(articles::id.eq_any(&keys)))
        .select((articles::id, articles::slug))
        .load(conn)
}

/// Takes the write lock on an article's row for the rest of the
/// transaction, so a read-modify-write cannot lose a concurrent change. On
/// PostgreSQL that is a row lock; a SQLite write transaction (BEGIN
/// IMMEDIATE) already holds the database's one write lock.
pub fn lock(conn: &mut DbConnection, slug_or_id: &str) -> QueryResult<()> {
    if !crate::models::storable(slug_or_id) {
        return Ok(());
    }
    match conn {
        DbConnection::Postgres(pg) => {
            // NO KEY UPDATE: it does not conflict with the key-share locks that
            // foreign-key checks take, so two stories linking each other in
            // "Also read" cannot deadlock.
            diesel::sql_query(
                "SELECT id FROM articles WHERE slug = $1 OR id = $1 FOR NO KEY UPDATE",
            )
            .bind::<diesel::sql_types::Text, _>(slug_or_id)
            .execute(pg)
            .map(drop)
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}

/// As [`lock`], by an owner's external id.
pub fn lock_external(conn: &mut DbConnection, owner: &str, external_id: &str) -> QueryResult<()> {
    if !crate::models::storable(external_id) || !crate::models::storable(owner) {
        return Ok(());
    }
    match conn {
        DbConnection::Postgres(pg) => {
            // The advisory lock also covers an id not stored yet, so two
            // identical first pushes create one article, not a conflict.
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1 || chr(10) || $2))")
                .bind::<diesel::sql_types::Text, _>(owner)
                .bind::<diesel::sql_types::Text, _>(external_id)
                .execute(pg)?;
            diesel::sql_query(
                "SELECT id FROM articles WHERE external_owner = $1 AND external_id = $2 FOR NO KEY UPDATE",
            )
            .bind::<diesel::sql_types::Text, _>(owner)
            .bind::<diesel::sql_types::Text, _>(external_id)
            .execute(pg)
            .map(drop)
        }
        DbConnection::Sqlite(_) => Ok(()),
    }
}
