//! What the sitemaps list: public stories by month of publication, found
//! by keyset seeks on the public listing index (`article_feeds`, feed
//! `all`), and the newest ones for Google News.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::models::feed::Feed;
use crate::schema::{article_feeds, articles, listing_months};

/// The first instant of the month `t` falls in, and of the next one.
pub fn month_of(t: NaiveDateTime) -> (NaiveDateTime, NaiveDateTime) {
    let start = NaiveDate::from_ymd_opt(t.year(), t.month(), 1).unwrap_or(t.date());
    let next = start
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(NaiveDate::MAX);
    (
        start.and_time(Default::default()),
        next.and_time(Default::default()),
    )
}

/// A month with public stories, and how many.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Month {
    pub start: NaiveDateTime,
    pub stories: i64,
}

/// Every month holding public stories at `now`, oldest first: one row a
/// month from the counts the triggers keep (`listing_months`). The current
/// month's count also holds the stories scheduled later in it; it is
/// listed once one of its stories is public (one index probe), and its
/// count is an upper bound (its last page may list fewer than the rest).
pub fn months(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<Month>> {
    let (current, _) = month_of(now);
    let key = current.format("%Y-%m").to_string();
    let counted: Vec<(String, i64)> = listing_months::table
        .filter(listing_months::month.le(&key))
        .filter(listing_months::stories.gt(0))
        .order(listing_months::month.asc())
        .select((listing_months::month, listing_months::stories))
        .load(conn)?;
    let current_public = article_feeds::table
        .filter(article_feeds::feed.eq(Feed::All.key()))
        .filter(article_feeds::listed_at.ge(current))
        .filter(article_feeds::listed_at.le(now))
        .select(article_feeds::listed_at)
        .first::<NaiveDateTime>(conn)
        .optional()?
        .is_some();
    Ok(counted
        .into_iter()
        .filter(|(month, _)| *month != key || current_public)
        .filter_map(|(month, stories)| {
            let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").ok()?;
            Some(Month {
                start: start.and_time(Default::default()),
                stories,
            })
        })
        .collect())
}

/// A story as a sitemap lists it.
#[derive(Debug, Clone, Queryable)]
pub struct StoryLoc {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub section_id: Option<String>,
    pub canonical_url: Option<String>,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub language: Option<String>,
}

/// Public stories listed in `[from, until)` at `now`, oldest first, `limit`
/// of them after the first `offset` (or newest first with `newest`).
pub fn stories(
    conn: &mut DbConnection,
    from: NaiveDateTime,
    until: NaiveDateTime,
    now: NaiveDateTime,
    offset: i64,
    limit: i64,
    newest: bool,
) -> QueryResult<Vec<StoryLoc>> {
    let query = article_feeds::table
        .inner_join(articles::table.on(articles::id.eq(article_feeds::article_id)))
        .filter(article_feeds::feed.eq(Feed::All.key()))
        .filter(article_feeds::listed_at.ge(from))
        .filter(article_feeds::listed_at.lt(until))
        .filter(article_feeds::listed_at.le(now))
        .select((
            articles::id,
            articles::slug,
            articles::headline,
            articles::section_id,
            articles::canonical_url,
            article_feeds::listed_at,
            articles::updated_at,
            articles::language,
        ))
        .offset(offset)
        .limit(limit);
    if newest {
        query
            .order((
                article_feeds::listed_at.desc(),
                article_feeds::article_id.desc(),
            ))
            .load(conn)
    } else {
        query
            .order((
                article_feeds::listed_at.asc(),
                article_feeds::article_id.asc(),
            ))
            .load(conn)
    }
}
