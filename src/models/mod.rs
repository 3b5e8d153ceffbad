//! Tables and their queries. Each function takes a connection and returns a
//! diesel `QueryResult`; handlers never build queries themselves.

pub mod article;
pub mod author;
pub mod correction;
pub mod feed;
pub mod idempotency;
pub mod integration;
pub mod maintenance;
pub mod refresh_token;
pub mod revision;
pub mod section;
pub mod sitemap;
pub mod sql;
pub mod tag;
pub mod user;
pub mod withdrawal;

use chrono::{NaiveDateTime, Timelike, Utc};

/// The filter that keeps a section, tag or author row public at `now`:
/// listed on purpose by an editor, or named by a story the public can see
/// (the story's row in that entry's feed is in the past).
macro_rules! public_at {
    ($table:ident, $prefix:literal, $now:expr) => {
        $table::listed.eq(true).or(diesel::dsl::exists(
            crate::schema::article_feeds::table
                .filter(crate::schema::article_feeds::feed.eq(diesel::dsl::sql::<
                    diesel::sql_types::Text,
                >(concat!(
                    "'",
                    $prefix,
                    "' || ",
                    stringify!($table),
                    ".id"
                ))))
                .filter(crate::schema::article_feeds::listed_at.le($now)),
        ))
    };
}
pub(crate) use public_at;

/// The queries sections, tags and authors share, written once: each is a
/// row named by a unique slug, public when listed or used by a public story
/// (see `public_at!`), and deleted only while no article refers to it.
macro_rules! slug_named {
    ($row:ident, $changes:ident, $table:ident, $prefix:literal) => {
        pub fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<$row>> {
            if !crate::models::storable(slug) {
                return Ok(None);
            }
            $table::table
                .filter($table::slug.eq(slug))
                .select($row::as_select())
                .first(conn)
                .optional()
        }

        /// The row the public may see at `now` under this slug.
        pub fn find_public_by_slug(
            conn: &mut DbConnection,
            slug: &str,
            now: NaiveDateTime,
        ) -> QueryResult<Option<$row>> {
            if !crate::models::storable(slug) {
                return Ok(None);
            }
            $table::table
                .filter($table::slug.eq(slug))
                .filter(crate::models::public_at!($table, $prefix, now))
                .select($row::as_select())
                .first(conn)
                .optional()
        }

        /// How many rows the public may see at `now`.
        pub fn count_public(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<i64> {
            $table::table
                .filter(crate::models::public_at!($table, $prefix, now))
                .count()
                .get_result(conn)
        }

        /// The slugs of the rows the public may see at `now`, in slug
        /// order, `limit` of them after the first `offset`.
        pub fn public_slugs(
            conn: &mut DbConnection,
            now: NaiveDateTime,
            offset: i64,
            limit: i64,
        ) -> QueryResult<Vec<String>> {
            $table::table
                .filter(crate::models::public_at!($table, $prefix, now))
                .order($table::slug.asc())
                .offset(offset)
                .limit(limit)
                .select($table::slug)
                .load(conn)
        }

        /// The rows with these slugs, in no particular order.
        pub fn find_by_slugs(conn: &mut DbConnection, slugs: &[String]) -> QueryResult<Vec<$row>> {
            let slugs: Vec<&String> = slugs
                .iter()
                .filter(|s| crate::models::storable(s))
                .collect();
            if slugs.is_empty() {
                return Ok(Vec::new());
            }
            $table::table
                .filter($table::slug.eq_any(slugs))
                .select($row::as_select())
                .load(conn)
        }

        /// Which of these ids the public may see at `now`.
        pub fn public_ids(
            conn: &mut DbConnection,
            ids: &[String],
            now: NaiveDateTime,
        ) -> QueryResult<Vec<String>> {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            $table::table
                .filter($table::id.eq_any(ids))
                .filter(crate::models::public_at!($table, $prefix, now))
                .select($table::id)
                .load(conn)
        }

        pub fn insert(conn: &mut DbConnection, row: &$row) -> QueryResult<()> {
            diesel::insert_into($table::table)
                .values(row)
                .execute(conn)
                .map(drop)
        }

        pub fn update(conn: &mut DbConnection, id: &str, changes: &$changes) -> QueryResult<usize> {
            diesel::update($table::table.find(id))
                .set(changes)
                .execute(conn)
        }

        /// Deletes it; refused by the database (a conflict) while articles
        /// refer to it.
        pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
            diesel::delete($table::table.find(id)).execute(conn)
        }
    };
}
pub(crate) use slug_named;

/// A new random id (UUID v4, stored as text on both backends).
pub fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The current UTC time at microsecond precision, the finest both backends
/// keep, so a value reads back exactly as it was written.
pub fn now() -> NaiveDateTime {
    truncate_micros(Utc::now().naive_utc())
}

pub fn truncate_micros(t: NaiveDateTime) -> NaiveDateTime {
    let nanos = t.nanosecond() / 1_000 * 1_000;
    t.with_nanosecond(nanos).unwrap_or(t)
}

/// Whether text can be stored at all: PostgreSQL refuses NUL characters in
/// text, so no stored slug, email or id has one, and a lookup of such a
/// value finds nothing rather than failing.
pub fn storable(text: &str) -> bool {
    !text.contains('\0')
}
