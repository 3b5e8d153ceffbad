//! Withdrawn (killed) stories: the public notice readers are given and the
//! newsroom's internal reason, kept apart from the article row so that no
//! public answer built from the row can carry the reason.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::DbConnection;
use crate::schema::{article_withdrawals, articles};

use super::article::STATUS_WITHDRAWN;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = article_withdrawals)]
pub struct Withdrawal {
    pub article_id: String,
    /// What readers are told (the 410 answer's detail).
    pub notice: String,
    /// The newsroom's own record of why: never shown to the public.
    pub reason: String,
    /// The stored status it goes back to when restored.
    pub previous_status: String,
    pub withdrawn_by: String,
    pub withdrawn_at: NaiveDateTime,
    /// Whether the public had seen it: a story killed before release stays
    /// a plain 404 to readers, telling nobody it ever existed.
    pub was_public: bool,
}

pub fn insert(conn: &mut DbConnection, row: &Withdrawal) -> QueryResult<()> {
    diesel::insert_into(article_withdrawals::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut DbConnection, article_id: &str) -> QueryResult<Option<Withdrawal>> {
    article_withdrawals::table
        .find(article_id)
        .select(Withdrawal::as_select())
        .first(conn)
        .optional()
}

pub fn delete(conn: &mut DbConnection, article_id: &str) -> QueryResult<usize> {
    diesel::delete(article_withdrawals::table.find(article_id)).execute(conn)
}

/// The public notice of the withdrawn story a slug or id names, if it is
/// one the public had seen: what a reader who follows an old link is told
/// (410).
pub fn notice_for(conn: &mut DbConnection, slug_or_id: &str) -> QueryResult<Option<String>> {
    if !crate::models::storable(slug_or_id) {
        return Ok(None);
    }
    articles::table
        .inner_join(article_withdrawals::table)
        .filter(
            articles::slug
                .eq(slug_or_id)
                .or(articles::id.eq(slug_or_id)),
        )
        .filter(articles::status.eq(STATUS_WITHDRAWN))
        .filter(article_withdrawals::was_public.eq(true))
        .select(article_withdrawals::notice)
        .first(conn)
        .optional()
}
