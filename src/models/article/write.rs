//! Storing articles and their links, each write guarded by the version it
//! expects.

use diesel::prelude::*;

use super::Article;
use crate::db::DbConnection;
use crate::models::feed::{self};
use crate::schema::{article_authors, article_feeds, article_related, article_tags, articles};

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
            for f in feed::feeds_of(
                article.section_id.as_deref(),
                tag_ids,
                author_ids,
                article.language.as_deref(),
            ) {
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
        articles::announced.eq(row.announced),
        articles::language.eq(&row.language),
        articles::embargoed_until.eq(row.embargoed_until),
        articles::translation_group.eq(&row.translation_group),
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
    let feeds = feed::feeds_of(
        article.section_id.as_deref(),
        tag_ids,
        author_ids,
        article.language.as_deref(),
    );
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

/// Gives the stories stored before languages the site's, with the rows of
/// its language's listing feed and (PostgreSQL) its search configuration;
/// answers how many. One cheap check when there are none; replicas that
/// start together both get through (the rows are inserted only once).
pub fn backfill_languages(conn: &mut DbConnection, language: &str) -> QueryResult<usize> {
    let pending = articles::table.filter(articles::language.is_null());
    let any: bool =
        diesel::select(diesel::dsl::exists(pending.select(articles::id))).get_result(conn)?;
    if !any {
        return Ok(0);
    }
    conn.transaction(|conn| {
        use crate::models::sql::{Bind, Sql};
        let mut sql = Sql::new(conn.backend(), "");
        sql.push(
            "INSERT INTO article_feeds (feed, listed_at, article_id) \
             SELECT ?, f.listed_at, f.article_id FROM article_feeds f \
             JOIN articles a ON a.id = f.article_id \
             WHERE f.feed = 'all' AND a.language IS NULL \
             ON CONFLICT DO NOTHING",
            [Bind::Text(feed::Feed::Language(language.to_string()).key())],
        );
        sql.execute(conn)?;
        if conn.backend() == crate::db::Backend::Postgres {
            let mut sql = Sql::new(conn.backend(), "");
            sql.push(
                "UPDATE article_search SET config = ?::regconfig WHERE config <> ?::regconfig \
                 AND article_id IN (SELECT id FROM articles WHERE language IS NULL)",
                [
                    Bind::Text(crate::search::pg_config(language).into()),
                    Bind::Text(crate::search::pg_config(language).into()),
                ],
            );
            sql.execute(conn)?;
        }
        diesel::update(articles::table.filter(articles::language.is_null()))
            .set(articles::language.eq(language))
            .execute(conn)
    })
}
