//! The public listing index (`article_feeds`). A published article has one
//! row in the feed `all`, one in its section's feed and one in each of its
//! tags' and authors' feeds, keyed by publish time. Every public list is a
//! keyset range scan of that key, however deep the page and however large
//! the table, and a scheduled story stays out until `listed_at <= now`.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Text, Timestamp};

use crate::db::DbConnection;
use crate::models::sql::{Bind, Sql};
use crate::schema::article_feeds;

/// Which feed to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Feed {
    All,
    Section(String),
    Tag(String),
    Author(String),
    /// The stories in one language (a lower-case BCP 47 tag).
    Language(String),
}

impl Feed {
    /// The feed of the section (`s:`), tag (`t:`) or author (`a:`) with
    /// this id.
    pub fn keyed(prefix: &str, id: String) -> Feed {
        match prefix {
            "s:" => Feed::Section(id),
            "t:" => Feed::Tag(id),
            "a:" => Feed::Author(id),
            _ => Feed::All,
        }
    }

    pub fn key(&self) -> String {
        match self {
            Feed::All => "all".into(),
            Feed::Section(id) => format!("s:{id}"),
            Feed::Tag(id) => format!("t:{id}"),
            Feed::Author(id) => format!("a:{id}"),
            Feed::Language(tag) => format!("l:{}", tag.to_ascii_lowercase()),
        }
    }
}

/// A position in a feed: the publish time and id of one article.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Position {
    #[diesel(sql_type = Timestamp)]
    pub listed_at: NaiveDateTime,
    #[diesel(sql_type = Text)]
    pub article_id: String,
}

/// One page of a feed, newest first.
#[derive(Debug, Clone)]
pub struct PageQuery {
    /// The feed that drives the scan (the most selective filter).
    pub feed: Feed,
    /// Further feeds each article must also be in (the other filters).
    pub also_in: Vec<Feed>,
    /// Only articles strictly older than this position (the cursor).
    pub older_than: Option<Position>,
    /// Only articles published at or after this time.
    pub since: Option<NaiveDateTime>,
    /// Only articles published strictly before this time.
    pub until: Option<NaiveDateTime>,
    /// An article to leave out.
    pub exclude: Option<String>,
    pub limit: i64,
    /// Publish times after this are scheduled, not yet visible.
    pub now: NaiveDateTime,
}

/// One page of a feed, newest first.
pub fn page(conn: &mut DbConnection, q: &PageQuery) -> QueryResult<Vec<Position>> {
    let mut sql = Sql::new(
        conn.backend(),
        "SELECT f.listed_at, f.article_id FROM article_feeds f WHERE ",
    );
    // One upper bound, the tightest: SQLite's planner seeks on a single
    // bound per side, and picking `now` over a cursor's position would walk
    // every newer row first, making deep pages cost their depth.
    let mut upper = (q.now, "<=");
    if let Some(pos) = &q.older_than {
        if pos.listed_at <= upper.0 {
            upper = (pos.listed_at, "<=");
        }
    }
    if let Some(until) = q.until {
        if until <= upper.0 {
            upper = (until, "<");
        }
    }
    sql.push(
        &format!("f.feed = ? AND f.listed_at {} ?", upper.1),
        [Bind::Text(q.feed.key()), Bind::Time(upper.0)],
    );
    if let Some(since) = q.since {
        sql.push(" AND f.listed_at >= ?", [Bind::Time(since)]);
    }
    if let Some(pos) = &q.older_than {
        // Ties on the time are broken by id.
        sql.push(
            " AND (f.listed_at < ? OR f.article_id < ?)",
            [
                Bind::Time(pos.listed_at),
                Bind::Text(pos.article_id.clone()),
            ],
        );
    }
    if let Some(exclude) = &q.exclude {
        sql.push(" AND f.article_id <> ?", [Bind::Text(exclude.clone())]);
    }
    for other in &q.also_in {
        sql.push(
            " AND EXISTS (SELECT 1 FROM article_feeds o WHERE o.article_id = f.article_id AND o.feed = ?)",
            [Bind::Text(other.key())],
        );
    }
    sql.push(
        " ORDER BY f.listed_at DESC, f.article_id DESC LIMIT ?",
        [Bind::Int(q.limit)],
    );
    sql.load(conn)
}

/// The newest `per_feed` stories of each feed, leaving out `exclude`. Each
/// answer carries the index of its feed in `feeds`. One keyset seek per
/// feed, each the same statement: the connection prepares it once and
/// reuses it (a UNION of them all was parsed afresh every time, and cost
/// more than the seeks).
pub fn newest_in_each(
    conn: &mut DbConnection,
    feeds: &[Feed],
    exclude: &str,
    per_feed: i64,
    now: NaiveDateTime,
) -> QueryResult<Vec<FeedHit>> {
    let mut hits = Vec::new();
    for (feed_no, feed) in feeds.iter().enumerate() {
        let rows: Vec<(NaiveDateTime, String)> = article_feeds::table
            .filter(article_feeds::feed.eq(feed.key()))
            .filter(article_feeds::listed_at.le(now))
            .filter(article_feeds::article_id.ne(exclude))
            .order((
                article_feeds::listed_at.desc(),
                article_feeds::article_id.desc(),
            ))
            .limit(per_feed)
            .select((article_feeds::listed_at, article_feeds::article_id))
            .load(conn)?;
        hits.extend(rows.into_iter().map(|(listed_at, article_id)| FeedHit {
            feed_no: feed_no as i64,
            listed_at,
            article_id,
        }));
    }
    Ok(hits)
}

/// A story found in one of several feeds.
#[derive(Debug, Clone)]
pub struct FeedHit {
    pub feed_no: i64,
    pub listed_at: NaiveDateTime,
    pub article_id: String,
}

/// What a Previous / Next link shows.
#[derive(Debug, Clone, Queryable)]
pub struct Neighbour {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub published_at: Option<NaiveDateTime>,
    pub section_id: Option<String>,
    pub canonical_url: Option<String>,
}

/// The stories just older and just newer than `pos` in `feed`, visible at
/// `now`, with what their links show. Two index seeks, each one prepared
/// statement reused by the connection; each side seeks on one range (older
/// stories from min(now, pos) down, newer ones from pos up to now).
pub fn neighbours(
    conn: &mut DbConnection,
    feed: &Feed,
    pos: &Position,
    now: NaiveDateTime,
) -> QueryResult<(Option<Neighbour>, Option<Neighbour>)> {
    use crate::schema::articles;
    let link = (
        articles::id,
        articles::slug,
        articles::headline,
        articles::published_at,
        articles::section_id,
        articles::canonical_url,
    );
    let older = article_feeds::table
        .inner_join(articles::table.on(articles::id.eq(article_feeds::article_id)))
        .filter(article_feeds::feed.eq(feed.key()))
        .filter(article_feeds::listed_at.le(pos.listed_at.min(now)))
        .filter(
            article_feeds::listed_at
                .lt(pos.listed_at)
                .or(article_feeds::article_id.lt(&pos.article_id)),
        )
        .order((
            article_feeds::listed_at.desc(),
            article_feeds::article_id.desc(),
        ))
        .select(link)
        .first::<Neighbour>(conn)
        .optional()?;
    let newer = article_feeds::table
        .inner_join(articles::table.on(articles::id.eq(article_feeds::article_id)))
        .filter(article_feeds::feed.eq(feed.key()))
        .filter(article_feeds::listed_at.ge(pos.listed_at))
        .filter(article_feeds::listed_at.le(now))
        .filter(
            article_feeds::listed_at
                .gt(pos.listed_at)
                .or(article_feeds::article_id.gt(&pos.article_id)),
        )
        .order((
            article_feeds::listed_at.asc(),
            article_feeds::article_id.asc(),
        ))
        .select(link)
        .first::<Neighbour>(conn)
        .optional()?;
    Ok((older, newer))
}

/// The feeds a published article belongs to.
pub fn feeds_of(
    section_id: Option<&str>,
    tag_ids: &[String],
    author_ids: &[String],
    language: Option<&str>,
) -> Vec<Feed> {
    let mut feeds = vec![Feed::All];
    feeds.extend(language.map(|l| Feed::Language(l.to_string())));
    feeds.extend(section_id.map(|s| Feed::Section(s.to_string())));
    feeds.extend(tag_ids.iter().cloned().map(Feed::Tag));
    feeds.extend(author_ids.iter().cloned().map(Feed::Author));
    feeds
}

/// Rewrites an article's rows: none unless it is published, else one per
/// feed at its publish time. Call it inside the transaction that changes the
/// article, its section, tags or authors.
pub fn refresh(
    conn: &mut DbConnection,
    article_id: &str,
    listed_at: Option<NaiveDateTime>,
    feeds: &[Feed],
) -> QueryResult<()> {
    diesel::delete(article_feeds::table.filter(article_feeds::article_id.eq(article_id)))
        .execute(conn)?;
    let Some(listed_at) = listed_at else {
        return Ok(());
    };
    // Row by row: diesel's multi-backend connection has no batch insert.
    for feed in feeds {
        diesel::insert_into(article_feeds::table)
            .values((
                article_feeds::feed.eq(feed.key()),
                article_feeds::listed_at.eq(listed_at),
                article_feeds::article_id.eq(article_id),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A story scheduled to go live, with every feed it will enter then.
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub article_id: String,
    pub at: NaiveDateTime,
    pub feeds: Vec<String>,
}

/// The `limit` stories due soonest after `now`, with their feeds: one seek
/// at the start of the future part of the `all` feed (every listed story
/// is in it), then one lookup of those stories' feed rows.
pub fn scheduled(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<Scheduled>> {
    let due: Vec<(NaiveDateTime, String)> = article_feeds::table
        .filter(article_feeds::feed.eq(Feed::All.key()))
        .filter(article_feeds::listed_at.gt(now))
        .order((
            article_feeds::listed_at.asc(),
            article_feeds::article_id.asc(),
        ))
        .limit(limit)
        .select((article_feeds::listed_at, article_feeds::article_id))
        .load(conn)?;
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<&String> = due.iter().map(|(_, id)| id).collect();
    let rows: Vec<(String, String)> = article_feeds::table
        .filter(article_feeds::article_id.eq_any(&ids))
        .select((article_feeds::article_id, article_feeds::feed))
        .load(conn)?;
    let mut feeds: std::collections::HashMap<String, Vec<String>> =
        std::collections::HashMap::new();
    for (id, feed) in rows {
        feeds.entry(id).or_default().push(feed);
    }
    Ok(due
        .into_iter()
        .map(|(at, article_id)| Scheduled {
            feeds: feeds.remove(&article_id).unwrap_or_default(),
            article_id,
            at,
        })
        .collect())
}
