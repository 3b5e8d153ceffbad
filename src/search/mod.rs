//! Full-text search over stories: the index, kept in each write's own
//! transaction, and the ranked, filtered, paged lookup.
//!
//! Both backends index the same plain text (`article_search`): SQLite
//! through an FTS5 table the migration's triggers keep in step, PostgreSQL
//! through a weighted `tsvector` column behind a GIN index. The headline
//! weighs most, then the standfirst, then the body.

mod find;
pub mod query;

pub use find::*;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::{Backend, DbConnection};
use crate::models::article::Article;
use crate::models::sql::{Bind, Sql};
use crate::schema::article_search;

/// PostgreSQL's text-search configuration for a language it has no
/// stemmer for.
pub const DEFAULT_PG_CONFIG: &str = "simple";

/// The PostgreSQL text-search configuration that stems a language: one of
/// the Snowball stemmers every supported PostgreSQL (13 and later) ships,
/// by the tag's primary language subtag; `simple` (no stemming, no stop
/// words) for any other language.
pub fn pg_config(language: &str) -> &'static str {
    let primary = language
        .split('-')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match primary.as_str() {
        "ar" => "arabic",
        "da" => "danish",
        "de" => "german",
        "el" => "greek",
        "en" => "english",
        "es" => "spanish",
        "fi" => "finnish",
        "fr" => "french",
        "ga" => "irish",
        "hu" => "hungarian",
        "id" => "indonesian",
        "it" => "italian",
        "lt" => "lithuanian",
        "ne" => "nepali",
        "nl" => "dutch",
        "no" | "nb" | "nn" => "norwegian",
        "pt" => "portuguese",
        "ro" => "romanian",
        "ru" => "russian",
        "sv" => "swedish",
        "ta" => "tamil",
        "tr" => "turkish",
        _ => DEFAULT_PG_CONFIG,
    }
}

#[derive(QueryableByName)]
struct Language {
    #[diesel(sql_type = diesel::sql_types::Text)]
    language: String,
}

/// The languages the public can read stories in at `now`: one seek in the
/// language index per language in use (a loose index scan, bounded), and
/// one in the listing index to keep those with a public story.
pub fn public_languages(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    let mut sql = Sql::new(conn.backend(), "");
    sql.push(
        "WITH RECURSIVE l(language, n) AS (\
         SELECT (SELECT min(language) FROM articles), 1 \
         UNION ALL \
         SELECT (SELECT min(a.language) FROM articles a WHERE a.language > l.language), l.n + 1 \
         FROM l WHERE l.language IS NOT NULL AND l.n < 200) \
         SELECT l.language AS language FROM l WHERE l.language IS NOT NULL \
         AND EXISTS (SELECT 1 FROM article_feeds f \
         WHERE f.feed = 'l:' || lower(l.language) AND f.listed_at <= ?)",
        [Bind::Time(now)],
    );
    Ok(sql
        .load::<Language>(conn)?
        .into_iter()
        .map(|l| l.language)
        .collect())
}

/// How long the configurations of the languages in use are reused: a
/// story in a language nothing public was in before is searched with its
/// own stemmer within this long.
const CONFIGS_FRESH: std::time::Duration = std::time::Duration::from_secs(5);

/// The last `configs` answer for a search without a language filter: the
/// lookup costs about as much as a fifth of a search.
#[derive(Debug, Default)]
pub struct ConfigCache(std::sync::Mutex<Option<(std::time::Instant, Vec<String>)>>);

impl ConfigCache {
    /// `configs(conn, language, site_language, now)`, reusing a recent
    /// answer when there is no language filter.
    pub fn get(
        &self,
        conn: &mut DbConnection,
        language: Option<&str>,
        site_language: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<String>> {
        if language.is_some() || conn.backend() != Backend::Postgres {
            return configs(conn, language, site_language, now);
        }
        if let Ok(held) = self.0.lock() {
            if let Some((at, configs)) = held.as_ref() {
                if at.elapsed() < CONFIGS_FRESH {
                    return Ok(configs.clone());
                }
            }
        }
        let fresh = configs(conn, None, site_language, now)?;
        if let Ok(mut held) = self.0.lock() {
            *held = Some((std::time::Instant::now(), fresh.clone()));
        }
        Ok(fresh)
    }
}

/// The configurations a PostgreSQL search reads its query with: the
/// filter's language's alone, or else those of the site's language and of
/// every language the public can read a story in. Empty on SQLite (FTS5
/// folds diacritics and stems English alike for every language).
pub fn configs(
    conn: &mut DbConnection,
    language: Option<&str>,
    site_language: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<String>> {
    if conn.backend() != Backend::Postgres {
        return Ok(Vec::new());
    }
    let languages = match language {
        Some(l) => vec![l.to_string()],
        None => {
            let mut all = public_languages(conn, now)?;
            all.push(site_language.to_string());
            all
        }
    };
    let mut configs: Vec<String> = languages.iter().map(|l| pg_config(l).to_string()).collect();
    configs.sort();
    configs.dedup();
    Ok(configs)
}

/// The most characters of a body the index holds: enough for any story,
/// and under PostgreSQL's 1 MB bound on a `tsvector`.
pub const INDEXED_BODY_CHARS: usize = 100_000;

/// Where a snippet's highlight starts and ends, before it is made HTML:
/// private-use characters, taken out of indexed text so no story can
/// forge one.
pub const MARK_START: char = '\u{E000}';
pub const MARK_END: char = '\u{E001}';

/// Text as the index holds it: bounded, without the highlight markers,
/// and with angle brackets swapped for look-alikes as in excerpts (so
/// text about a `<script>` tag stays text in every backend's snippets).
fn indexable(text: &str, max: usize) -> String {
    let bounded: String = text
        .chars()
        .take(max)
        .map(|c| match c {
            MARK_START | MARK_END => ' ',
            c => c,
        })
        .collect();
    crate::content::plain(&bounded)
}

/// One article's row in the index.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = article_search)]
pub struct Document {
    pub article_id: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
}

impl Document {
    /// The row for `article`, whose body's plain text is `body_text`.
    pub fn of(article: &Article, body_text: &str) -> Document {
        Document {
            article_id: article.id.clone(),
            headline: indexable(&article.headline, usize::MAX),
            standfirst: indexable(&article.standfirst, usize::MAX),
            body: indexable(body_text, INDEXED_BODY_CHARS),
        }
    }
}

/// Rewrites an article's row in the index. `body_text` is its body's plain
/// text when the write rendered it; None keeps the text indexed before (or,
/// for an article never indexed, reads it from the stored HTML). Call it
/// inside the transaction that writes the article.
pub fn index(
    conn: &mut DbConnection,
    article: &Article,
    body_text: Option<&str>,
) -> QueryResult<()> {
    let row = article_search::table.filter(article_search::article_id.eq(&article.id));
    let updated = match body_text {
        Some(text) => diesel::update(row)
            .set(&Document::of(article, text))
            .execute(conn)?,
        None => diesel::update(row)
            .set((
                article_search::headline.eq(indexable(&article.headline, usize::MAX)),
                article_search::standfirst.eq(indexable(&article.standfirst, usize::MAX)),
            ))
            .execute(conn)?,
    };
    if updated == 0 {
        let text = match body_text {
            Some(text) => text.to_string(),
            None => crate::content::plain_text(&article.body_html),
        };
        diesel::insert_into(article_search::table)
            .values(&Document::of(article, &text))
            .execute(conn)?;
    }
    if conn.backend() == Backend::Postgres {
        // The story's language decides how its words are stemmed.
        let config = pg_config(article.language.as_deref().unwrap_or_default());
        let mut sql = Sql::new(Backend::Postgres, "");
        sql.push(
            "UPDATE article_search SET config = ?::regconfig \
             WHERE article_id = ? AND config <> ?::regconfig",
            [
                Bind::Text(config.into()),
                Bind::Text(article.id.clone()),
                Bind::Text(config.into()),
            ],
        );
        sql.execute(conn)?;
    }
    refresh_public(conn, std::slice::from_ref(&article.id))
}

/// Brings the public index in step for these articles (SQLite only): their
/// rows there are replaced by the text of those the event log has
/// announced public. SQLite's bm25 weighs words by how many indexed rows
/// hold them, so public searches rank against public rows alone; a
/// PostgreSQL rank uses no such statistics and needs no second index. Call
/// it in the transaction that changes the article or announces it.
pub fn refresh_public(conn: &mut DbConnection, ids: &[String]) -> QueryResult<()> {
    if !matches!(conn, DbConnection::Sqlite(_)) {
        return Ok(());
    }
    for chunk in ids.chunks(500) {
        let mut gone = Sql::new(
            Backend::Sqlite,
            "DELETE FROM article_search_public WHERE rowid IN \
             (SELECT doc FROM article_search WHERE article_id IN (",
        );
        gone.push_list(chunk).push("))", []);
        gone.execute(conn)?;
        let mut public = Sql::new(
            Backend::Sqlite,
            "INSERT INTO article_search_public (rowid, headline, standfirst, body) \
             SELECT s.doc, s.headline, s.standfirst, s.body FROM article_search s \
             JOIN articles a ON a.id = s.article_id \
             WHERE a.announced AND s.article_id IN (",
        );
        public.push_list(chunk).push(")", []);
        public.execute(conn)?;
    }
    Ok(())
}

/// Inserts many articles' rows (bulk loading and backfilling), in
/// statements under both backends' limits on bound values. A row another
/// process inserted first is left as it is.
pub fn insert_many(conn: &mut DbConnection, docs: &[Document]) -> QueryResult<()> {
    for chunk in docs.chunks(5_000) {
        match conn {
            DbConnection::Postgres(c) => diesel::insert_into(article_search::table)
                .values(chunk)
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConnection::Sqlite(c) => diesel::insert_or_ignore_into(article_search::table)
                .values(chunk)
                .execute(c)?,
        };
    }
    let ids: Vec<String> = docs.iter().map(|d| d.article_id.clone()).collect();
    refresh_public(conn, &ids)
}

/// Indexes the articles that have no row yet (stored before the index
/// existed), a batch per transaction. Answers how many it indexed.
pub fn backfill(conn: &mut DbConnection) -> anyhow::Result<usize> {
    use crate::schema::articles;
    let mut done = 0;
    loop {
        let missing: Vec<Article> = articles::table
            .filter(diesel::dsl::not(diesel::dsl::exists(
                article_search::table.filter(article_search::article_id.eq(articles::id)),
            )))
            .select(Article::as_select())
            .limit(500)
            .load(conn)?;
        if missing.is_empty() {
            return Ok(done);
        }
        let docs: Vec<Document> = missing
            .iter()
            .map(|a| Document::of(a, &crate::content::plain_text(&a.body_html)))
            .collect();
        crate::db::write_transaction(conn, |c| insert_many(c, &docs))?;
        done += docs.len();
    }
}
