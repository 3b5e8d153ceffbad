//! The events an article write makes: what the newsroom sees, what the
//! public sees, and the keys the change invalidates.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use crate::db::DbConnection;
use crate::editorial::Current;
use crate::models::article::{self, Article};
use crate::schema::{articles, authors, sections, tags};
use crate::views::{self, timestamp};

use super::keys::{Keys, LATEST, LIST_ARTICLES};
use super::{append, NewEvent};

/// One side of a change: the row and its links.
pub struct Side<'a> {
    pub article: &'a Article,
    pub author_ids: &'a [String],
    pub tag_ids: &'a [String],
}

impl<'a> From<&'a Current> for Side<'a> {
    fn from(c: &'a Current) -> Self {
        Side {
            article: &c.article,
            author_ids: &c.author_ids,
            tag_ids: &c.tag_ids,
        }
    }
}

/// Appends the event for a stored article write. `before` is the article
/// as it stood under the write's lock (None: new), `after` as stored;
/// `after.article.announced` must already say whether it is public now.
pub fn article_changed(
    conn: &mut DbConnection,
    before: Option<Side<'_>>,
    after: Side<'_>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let a = after.article;
    let was_public = before.as_ref().is_some_and(|b| b.article.announced);
    let is_public = a.announced;
    let scheduled = a.status == article::STATUS_PUBLISHED && !is_public;
    let event_type = match (&before, a.status.as_str()) {
        (_, article::STATUS_PUBLISHED) if is_public && !was_public => "article.published",
        (_, article::STATUS_PUBLISHED) if scheduled => match &before {
            Some(b) if b.article.status == a.status && b.article.published_at == a.published_at => {
                "article.updated"
            }
            _ => "article.scheduled",
        },
        (None, _) => "article.created",
        (Some(b), article::STATUS_ARCHIVED) if b.article.status != a.status => "article.archived",
        (Some(b), article::STATUS_DRAFT) if b.article.status == article::STATUS_PUBLISHED => {
            "article.unpublished"
        }
        _ => "article.updated",
    };
    let (public_type, public_data) = match (was_public, is_public) {
        (_, true) => {
            let detail = views::detail(conn, a.clone(), now)?;
            let kind = if was_public {
                "article.updated"
            } else {
                "article.published"
            };
            (
                Some(kind),
                Some(serde_json::to_value(detail).unwrap_or_default()),
            )
        }
        (true, false) => (
            Some("article.unpublished"),
            Some(tombstone(before.as_ref().map_or(a, |b| b.article))),
        ),
        (false, false) => (None, None),
    };
    let mut keys = Keys::new();
    keys.article(&a.id);
    // Lists, blocks and pages change when a story enters, leaves or moves
    // in them; so does their lifetime when a scheduled story does (it is
    // cut short before the story goes live), so scheduled stories count.
    let is_listed = a.listed_at().is_some();
    let moved = match &before {
        Some(b) => {
            let was_listed = b.article.listed_at().is_some();
            was_public != is_public
                || was_listed != is_listed
                || (is_listed
                    && (b.article.published_at != a.published_at
                        || b.article.section_id != a.section_id
                        || !same_set(b.tag_ids, after.tag_ids)
                        || !same_set(b.author_ids, after.author_ids)))
        }
        None => is_listed,
    };
    if moved {
        keys.extend(membership_keys(conn, before.as_ref())?);
        keys.extend(membership_keys(conn, Some(&after))?);
    }
    append(
        conn,
        NewEvent {
            event_type: event_type.into(),
            public_type: public_type.map(String::from),
            resource: "article",
            resource_id: a.id.clone(),
            slug: a.slug.clone(),
            keys,
            data: newsroom_data(a, now),
            public_data,
            owner: a.created_by.clone(),
            author_ids: after.author_ids.to_vec(),
            at: now,
        },
    )
}

/// Appends the event for a deleted article (called before it goes).
pub fn article_deleted(
    conn: &mut DbConnection,
    before: &Current,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let a = &before.article;
    let mut keys = Keys::new();
    keys.article(&a.id);
    if a.listed_at().is_some() {
        keys.extend(membership_keys(conn, Some(&Side::from(before)))?);
    }
    append(
        conn,
        NewEvent {
            event_type: "article.deleted".into(),
            public_type: a.announced.then(|| "article.unpublished".into()),
            resource: "article",
            resource_id: a.id.clone(),
            slug: a.slug.clone(),
            keys,
            data: json!({"id": a.id, "slug": a.slug}),
            public_data: a.announced.then(|| tombstone(a)),
            owner: a.created_by.clone(),
            author_ids: before.author_ids.clone(),
            at: now,
        },
    )
}

/// Announces the scheduled stories whose time has come: for each, one
/// conditional UPDATE and its `article.published` event, in a transaction
/// of their own. Whichever replica gets there first announces a story;
/// the others' UPDATEs change nothing, so there is exactly one event, and
/// a replica that starts after downtime catches up here.
pub fn announce_due(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<super::Committed>> {
    let due: Vec<String> = articles::table
        .filter(articles::announced.eq(false))
        .filter(articles::status.eq(article::STATUS_PUBLISHED))
        .filter(articles::published_at.le(now))
        .order(articles::published_at)
        .limit(limit)
        .select(articles::id)
        .load(conn)?;
    let mut done = Vec::new();
    for id in due {
        let (_, committed) = super::transaction(conn, |conn| {
            let claimed = diesel::update(
                articles::table
                    .filter(articles::id.eq(&id))
                    .filter(articles::announced.eq(false))
                    .filter(articles::status.eq(article::STATUS_PUBLISHED))
                    .filter(articles::published_at.le(now)),
            )
            .set(articles::announced.eq(true))
            .execute(conn)?;
            if claimed == 0 {
                return Ok(());
            }
            let Some(found) = article::find_any(conn, &id)? else {
                return Ok(());
            };
            let mut before = found.clone();
            before.announced = false;
            let author_ids = article::author_ids(conn, &id)?;
            let tag_ids = article::tag_ids(conn, &id)?;
            let side = |a| Side {
                article: a,
                author_ids: &author_ids,
                tag_ids: &tag_ids,
            };
            article_changed(conn, Some(side(&before)), side(&found), now).map(drop)
        })?;
        done.push(committed);
    }
    Ok(done)
}

fn same_set(a: &[String], b: &[String]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

fn tombstone(a: &Article) -> serde_json::Value {
    json!({"id": a.id, "slug": a.slug})
}

fn newsroom_data(a: &Article, now: NaiveDateTime) -> serde_json::Value {
    json!({
        "id": a.id,
        "slug": a.slug,
        "headline": a.headline,
        "status": crate::editorial::shown_status(a, now),
        "version": a.version,
        "published_at": a.published_at.map(timestamp),
    })
}

/// The keys of the lists a public story is in: the site-wide ones and
/// its section's, tags' and authors'.
fn membership_keys(conn: &mut DbConnection, side: Option<&Side<'_>>) -> QueryResult<Keys> {
    let mut keys = Keys::new();
    let Some(side) = side else { return Ok(keys) };
    for k in [LIST_ARTICLES, LATEST, "sections", "tags", "authors"] {
        keys.add(k);
    }
    if let Some(id) = &side.article.section_id {
        let slugs: Vec<String> = sections::table
            .filter(sections::id.eq(id))
            .select(sections::slug)
            .load(conn)?;
        for s in slugs {
            keys.entry("section", &s);
        }
    }
    let tag_slugs: Vec<String> = tags::table
        .filter(tags::id.eq_any(side.tag_ids))
        .select(tags::slug)
        .load(conn)?;
    for s in tag_slugs {
        keys.entry("tag", &s);
    }
    let author_slugs: Vec<String> = authors::table
        .filter(authors::id.eq_any(side.author_ids))
        .select(authors::slug)
        .load(conn)?;
    for s in author_slugs {
        keys.entry("author", &s);
    }
    Ok(keys)
}
