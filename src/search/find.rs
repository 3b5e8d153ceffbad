//! The lookup: matching rows ranked by relevance, filtered like the lists,
//! limited to what the caller may see, paged by (score, id); and the
//! highlighted snippets of one page's hits.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{Double, Text};

use super::query::Query;
use super::{MARK_END, MARK_START};
use crate::db::{Backend, DbConnection};
use crate::models::article::{Owner, STATUS_PUBLISHED};
use crate::models::sql::{Bind, Sql};

/// Who is searching, and so which stories they may find.
#[derive(Debug, Clone)]
pub enum Audience {
    /// Public stories only.
    Public,
    /// Public stories and, in any state, the ones the owner created or
    /// carries the byline of.
    Own(Owner),
    /// Every story in every state (editors and admins).
    Everything,
}

/// Where a page of hits ends: the next page holds lower scores, or the same
/// score with lower ids.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = Text)]
    pub article_id: String,
    #[diesel(sql_type = Double)]
    pub score: f64,
}

/// A search to run. Filters hold ids (the caller looked the slugs up).
#[derive(Debug, Clone)]
pub struct Search {
    pub query: Query,
    pub audience: Audience,
    pub section_id: Option<String>,
    pub tag_id: Option<String>,
    pub author_id: Option<String>,
    /// Only stories in this language (a BCP 47 tag).
    pub language: Option<String>,
    /// PostgreSQL: the text-search configurations to read the query with
    /// (see `configs`); empty means the default.
    pub configs: Vec<String>,
    pub since: Option<NaiveDateTime>,
    pub until: Option<NaiveDateTime>,
    pub after: Option<Hit>,
    pub limit: i64,
    /// The most matches to rank: the most recently written ones. Ranking
    /// costs time for every match it scores, and a query of common words
    /// can match nearly every story; this bound keeps any query's cost
    /// flat. A query matching more stories reaches further back with more
    /// words, a filter or `published_before`.
    pub ranked: i64,
    pub now: NaiveDateTime,
}

/// Appends the PostgreSQL query for `query`: read with each of `configs`
/// (the text-search configurations of the stories' languages), any of
/// them matching.
fn tsquery(sql: &mut Sql, configs: &[String], query: &Query) {
    // Each configuration is written as a literal, as the planner needs it:
    // a bound one is cast at run time, so the planner cannot fold the
    // tsquery and estimate the matches (a worse plan, measured at 1.6x the
    // latency at 100k stories). Only `pg_config`'s own names, lower-case
    // letters, ever reach here; anything else is left out.
    let mut names: Vec<&str> = configs
        .iter()
        .map(String::as_str)
        .filter(|c| !c.is_empty() && c.bytes().all(|b| b.is_ascii_lowercase()))
        .collect();
    if names.is_empty() {
        names.push(super::DEFAULT_PG_CONFIG);
    }
    sql.push("(", []);
    for (n, config) in names.iter().enumerate() {
        if n > 0 {
            sql.push(" || ", []);
        }
        sql.push(
            &format!("websearch_to_tsquery('{config}', ?)"),
            [Bind::Text(query.websearch())],
        );
    }
    sql.push(")", []);
}

/// The SQLite full-text table a search ranks against: the public stories'
/// own for the public (see `refresh_public`), every row for the newsroom.
fn fts_table(audience: &Audience) -> &'static str {
    match audience {
        Audience::Public => "article_search_public",
        _ => "article_search_fts",
    }
}

/// How many of the newest raw matches the filters may look through, per
/// match ranked: a filter that few matches pass (a rare tag, an old date,
/// a newsroom search among drafts) costs no more than this.
const SCAN_PER_RANKED: i64 = 10;

/// The candidates: the newest matches the caller may see that pass the
/// filters, as `(doc, id)`, at most `s.ranked`, found among the newest
/// `s.ranked * SCAN_PER_RANKED` matches. On SQLite, CROSS JOIN fixes the
/// join order: the full-text index drives, newest row first, so the scan
/// stops at the bound. On PostgreSQL the query is inline, not in a CTE:
/// the planner then estimates how many rows match, and for a common word
/// walks the newest rows first instead of visiting every match; a query
/// left with no word to look up (stop words and exclusions only) finds
/// nothing, as on SQLite.
fn candidates(sql: &mut Sql, s: &Search) {
    let scan = s.ranked.saturating_mul(SCAN_PER_RANKED);
    match sql.backend() {
        Backend::Sqlite => {
            let fts = fts_table(&s.audience);
            sql.push(
                &format!(
                    "WITH candidates AS MATERIALIZED (\
                     SELECT f.rowid AS doc, s.article_id AS id FROM {fts} f \
                     CROSS JOIN article_search s ON s.doc = f.rowid \
                     CROSS JOIN articles a ON a.id = s.article_id \
                     WHERE {fts} MATCH ? AND f.rowid >= (SELECT coalesce(min(doc), 0) FROM \
                     (SELECT rowid AS doc FROM {fts} WHERE {fts} MATCH ? \
                     ORDER BY rowid DESC LIMIT ?))"
                ),
                [
                    Bind::Text(s.query.fts5()),
                    Bind::Text(s.query.fts5()),
                    Bind::Int(scan),
                ],
            )
        }
        // The newest matches as a subquery PostgreSQL reads lazily: the
        // join stops pulling once enough pass.
        Backend::Postgres => {
            sql.push(
                "WITH candidates AS MATERIALIZED (\
                 SELECT n.doc AS doc, n.article_id AS id FROM \
                 (SELECT doc, article_id FROM article_search WHERE document @@ ",
                [],
            );
            tsquery(sql, &s.configs, &s.query);
            sql.push(" AND querytree(", []);
            tsquery(sql, &s.configs, &s.query);
            sql.push(
                ") <> 'T' ORDER BY doc DESC LIMIT ?) n \
                 JOIN articles a ON a.id = n.article_id WHERE TRUE",
                [Bind::Int(scan)],
            )
        }
    };
    visible(sql, &s.audience, s.now);
    if let Some(id) = &s.section_id {
        sql.push(" AND a.section_id = ?", [Bind::Text(id.clone())]);
    }
    if let Some(id) = &s.tag_id {
        sql.push(
            " AND EXISTS (SELECT 1 FROM article_tags t WHERE t.article_id = a.id AND t.tag_id = ?)",
            [Bind::Text(id.clone())],
        );
    }
    if let Some(id) = &s.author_id {
        sql.push(
            " AND EXISTS (SELECT 1 FROM article_authors b WHERE b.article_id = a.id AND b.author_id = ?)",
            [Bind::Text(id.clone())],
        );
    }
    if let Some(language) = &s.language {
        sql.push(
            " AND lower(a.language) = ?",
            [Bind::Text(language.to_ascii_lowercase())],
        );
    }
    if let Some(since) = s.since {
        sql.push(" AND a.published_at >= ?", [Bind::Time(since)]);
    }
    if let Some(until) = s.until {
        sql.push(" AND a.published_at < ?", [Bind::Time(until)]);
    }
    let order = match sql.backend() {
        Backend::Sqlite => "f.rowid",
        Backend::Postgres => "n.doc",
    };
    sql.push(
        &format!(" ORDER BY {order} DESC LIMIT ?) "),
        [Bind::Int(s.ranked)],
    );
}

/// The candidates with their scores. SQLite's bm25 is lower for better
/// matches and must be computed in a full-text query, so the candidates
/// are matched again, only in their range of rows; its weights follow the
/// columns (headline, standfirst, body). PostgreSQL's weights are for D,
/// C, B, A: body (C), standfirst (B), headline (A); normalization 1
/// divides by the log of the length, so a long body that repeats a word
/// does not outrank a headline.
fn scored(sql: &mut Sql, s: &Search) {
    match sql.backend() {
        Backend::Sqlite => {
            let fts = fts_table(&s.audience);
            sql.push(
                &format!(
                    "SELECT c.id AS id, -bm25({fts}, 10.0, 4.0, 1.0) AS score \
                     FROM {fts} CROSS JOIN candidates c ON c.doc = {fts}.rowid \
                     WHERE {fts} MATCH ? AND {fts}.rowid >= (SELECT min(doc) FROM candidates)"
                ),
                [Bind::Text(s.query.fts5())],
            )
        }
        Backend::Postgres => {
            sql.push(
                "SELECT c.id AS id, ts_rank_cd('{0.1, 0.2, 0.4, 1.0}'::float4[], s.document, ",
                [],
            );
            tsquery(sql, &s.configs, &s.query);
            sql.push(
                ", 1)::float8 AS score FROM candidates c JOIN article_search s ON s.doc = c.doc",
                [],
            )
        }
    };
}

fn visible(sql: &mut Sql, audience: &Audience, now: NaiveDateTime) {
    let public = [Bind::Text(STATUS_PUBLISHED.into()), Bind::Time(now)];
    match audience {
        Audience::Public => {
            sql.push(" AND a.status = ? AND a.published_at <= ?", public);
        }
        Audience::Own(owner) => {
            sql.push(
                " AND ((a.status = ? AND a.published_at <= ?) OR a.created_by = ?",
                public
                    .into_iter()
                    .chain([Bind::Text(owner.principal.clone())]),
            );
            if let Some(author) = &owner.author_id {
                sql.push(
                    " OR EXISTS (SELECT 1 FROM article_authors o \
                     WHERE o.article_id = a.id AND o.author_id = ?)",
                    [Bind::Text(author.clone())],
                );
            }
            sql.push(")", []);
        }
        Audience::Everything => {}
    }
}

/// One page of hits, best first.
pub fn find(conn: &mut DbConnection, s: &Search) -> QueryResult<Vec<Hit>> {
    if s.query.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(conn.backend(), "");
    candidates(&mut sql, s);
    sql.push("SELECT id AS article_id, score FROM (", []);
    scored(&mut sql, s);
    sql.push(") hits", []);
    if let Some(after) = &s.after {
        sql.push(
            " WHERE (score < ? OR (score = ? AND id < ?))",
            [
                Bind::Float(after.score),
                Bind::Float(after.score),
                Bind::Text(after.article_id.clone()),
            ],
        );
    }
    sql.push(
        " ORDER BY score DESC, id DESC LIMIT ?",
        [Bind::Int(s.limit)],
    );
    sql.load(conn)
}

#[derive(QueryableByName)]
struct Snippet {
    #[diesel(sql_type = Text)]
    article_id: String,
    #[diesel(sql_type = Text)]
    snippet: String,
}

/// The passage of each story's body that best matches, as HTML safe to
/// insert into a page: the matched words in `<mark>`, everything else
/// escaped. A body without a match gives its opening words.
pub fn snippets(
    conn: &mut DbConnection,
    query: &Query,
    configs: &[String],
    ids: &[String],
) -> QueryResult<HashMap<String, String>> {
    if ids.is_empty() || query.is_empty() {
        return Ok(HashMap::new());
    }
    let marks = || [Bind::Text(MARK_START.into()), Bind::Text(MARK_END.into())];
    let mut sql = Sql::new(conn.backend(), "");
    match sql.backend() {
        Backend::Sqlite => sql.push(
            "SELECT s.article_id AS article_id, \
             snippet(article_search_fts, 2, ?, ?, '…', 24) AS snippet \
             FROM article_search_fts \
             CROSS JOIN article_search s ON s.doc = article_search_fts.rowid \
             WHERE article_search_fts MATCH ? AND article_search_fts.rowid IN \
             (SELECT doc FROM article_search WHERE article_id IN (",
            marks().into_iter().chain([Bind::Text(query.fts5())]),
        ),
        Backend::Postgres => {
            sql.push(
                "SELECT s.article_id AS article_id, ts_headline(s.config, s.body, q.query, \
                 'MaxWords=30, MinWords=12, ShortWord=3, MaxFragments=2, FragmentDelimiter=\" … \", \
                 StartSel=' || ? || ', StopSel=' || ? || '') AS snippet \
                 FROM article_search s CROSS JOIN (SELECT ",
                marks(),
            );
            tsquery(&mut sql, configs, query);
            sql.push(" AS query) q WHERE s.article_id IN (", [])
        }
    };
    sql.push_list(ids);
    // The page's rows by id: SQLite looks each one up in the full-text
    // index rather than visiting every match.
    sql.push(
        match sql.backend() {
            Backend::Sqlite => "))",
            Backend::Postgres => ")",
        },
        [],
    );
    let rows: Vec<Snippet> = sql.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.article_id, highlight_html(&r.snippet)))
        .collect())
}

/// Escapes text for HTML and turns the highlight markers into `<mark>`
/// elements, always balanced.
pub fn highlight_html(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len() + 32);
    let mut open = false;
    for c in raw.chars() {
        match c {
            MARK_START if !open => {
                out.push_str("<mark>");
                open = true;
            }
            MARK_END if open => {
                out.push_str("</mark>");
                open = false;
            }
            MARK_START | MARK_END => {}
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    if open {
        out.push_str("</mark>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_are_the_only_markup() {
        let raw =
            format!("a <script>x</script> & {MARK_START}b\"'{MARK_END} {MARK_END}c{MARK_START}d");
        assert_eq!(
            highlight_html(&raw),
            "a &lt;script&gt;x&lt;/script&gt; &amp; <mark>b&quot;&#39;</mark> c<mark>d</mark>"
        );
    }
}
