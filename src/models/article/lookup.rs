//! Finding articles by slug, id or external id, listing them for the
//! newsroom, and the slug searches a write needs.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::{by_key, Article, STATUS_PUBLISHED};
use crate::db::DbConnection;
use crate::models::feed::{self, Feed};
use crate::schema::{article_authors, articles};

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

/// A story's translation, as its link shows it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = articles)]
pub struct TranslationRow {
    pub id: String,
    pub slug: String,
    pub language: Option<String>,
    pub section_id: Option<String>,
    pub canonical_url: Option<String>,
}

/// The public stories of translation group `group` (its first story's id,
/// which the others carry) but `except`, by language.
///
/// Two indexed lookups, never one `translation_group = ? OR id = ?`: with
/// the status and time filters beside it, SQLite answered that OR from the
/// status index and walked every published story (210 ms a page at 100k).
pub fn translations(
    conn: &mut DbConnection,
    group: &str,
    except: &str,
    now: NaiveDateTime,
) -> QueryResult<Vec<TranslationRow>> {
    // A group holds a story per language; the status and time are checked
    // here, so SQLite has one index to choose for each lookup.
    const MOST: usize = 50;
    const GROUP_ROWS: i64 = 200;
    type Found = (TranslationRow, String, Option<NaiveDateTime>);
    let public = |row: &TranslationRow, status: &str, at: Option<NaiveDateTime>| {
        row.id != except && status == STATUS_PUBLISHED && at.is_some_and(|at| at <= now)
    };
    let mut rows: Vec<TranslationRow> = articles::table
        .filter(articles::translation_group.eq(group))
        .select((
            TranslationRow::as_select(),
            articles::status,
            articles::published_at,
        ))
        .order(articles::id.asc())
        .limit(GROUP_ROWS)
        .load::<Found>(conn)?
        .into_iter()
        .chain(
            articles::table
                .find(group)
                .select((
                    TranslationRow::as_select(),
                    articles::status,
                    articles::published_at,
                ))
                .first::<Found>(conn)
                .optional()?,
        )
        .filter(|(row, status, at)| public(row, status, *at))
        .map(|(row, _, _)| row)
        .collect();
    rows.sort_by(|a, b| (&a.language, &a.id).cmp(&(&b.language, &b.id)));
    rows.dedup_by(|a, b| a.id == b.id);
    rows.truncate(MOST);
    Ok(rows)
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

/// Which stories of a status a newsroom listing picks by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upcoming {
    Any,
    /// Those whose publish time is still to come.
    Scheduled,
    /// Those whose embargo is still to come.
    Embargoed,
}

/// Newsroom listings by status, newest created first: a page of
/// (created_at, id) positions.
pub fn page_by_status(
    conn: &mut DbConnection,
    status: &str,
    upcoming: Upcoming,
    owner: Option<&Owner>,
    older_than: Option<&feed::Position>,
    limit: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<feed::Position>> {
    let mut query = articles::table
        .filter(articles::status.eq(status))
        .select((articles::created_at, articles::id))
        .into_boxed();
    match upcoming {
        Upcoming::Any => {}
        Upcoming::Scheduled => query = query.filter(articles::published_at.gt(now)),
        Upcoming::Embargoed => query = query.filter(articles::embargoed_until.gt(now)),
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
