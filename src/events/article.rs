//! The events an article write makes: what the newsroom sees, what the
//! public sees, and the keys the change invalidates.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde_json::json;

use crate::config::Site;
use crate::db::DbConnection;
use crate::editorial::Current;
use crate::models::article::{self, Article};
use crate::schema::{article_related, articles, authors, events, sections, tags};
use crate::views::{self, timestamp, Locate};

use super::keys::{Keys, LATEST, LIST_ARTICLES, SEARCH, SITEMAPS};
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
///
/// Whether the public was told of the story (`announced`) decides between
/// `article.published` and `article.updated`; whether it could see it
/// (told, or due by the clock and not yet told) decides whether leaving
/// the public is an `article.unpublished` tombstone.
pub fn article_changed(
    conn: &mut DbConnection,
    site: &Site,
    before: Option<Side<'_>>,
    after: Side<'_>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let a = after.article;
    let was_told = before.as_ref().is_some_and(|b| b.article.announced);
    let was_visible = before
        .as_ref()
        .is_some_and(|b| b.article.announced || b.article.visible_at(now).is_some());
    let is_public = a.announced;
    let event_type = newsroom_type(before.as_ref().map(|b| b.article), a, was_told);
    let (public_type, public_data) = if is_public {
        let mut detail = views::detail(conn, a.clone(), now)?;
        detail.locate(site);
        let kind = if was_told {
            "article.updated"
        } else {
            "article.published"
        };
        (
            Some(kind),
            Some(serde_json::to_value(detail).unwrap_or_default()),
        )
    } else if was_visible {
        let b = before.as_ref().map_or(a, |b| b.article);
        // A withdrawal says so: mirrors and caches purge it as a kill.
        let kind = if a.status == article::STATUS_WITHDRAWN {
            "article.withdrawn"
        } else {
            "article.unpublished"
        };
        (Some(kind), Some(tombstone(b)))
    } else {
        (None, None)
    };
    let mut keys = Keys::new();
    keys.article(&a.id);
    if was_visible || is_public {
        keys.add(SEARCH).add(SITEMAPS);
    }
    let mut public_keys = keys.clone();
    if moved(before.as_ref(), &after, was_told, was_visible) {
        let old = membership_keys(conn, before.as_ref())?;
        let new = membership_keys(conn, Some(&after))?;
        if was_visible {
            public_keys.extend(old.clone());
        }
        if is_public {
            public_keys.extend(new.clone());
        }
        keys.extend(old).extend(new);
        if was_visible != is_public || was_told != is_public {
            // Pages that pick it as "Also read" show it, or stop showing it.
            let (all, public) = picked_by(conn, &a.id)?;
            keys.extend(all);
            public_keys.extend(public);
        }
    }
    if (was_visible || is_public) && links_moved(before.as_ref().map(|b| b.article), a, was_visible)
    {
        let (all, public) = translations_of(conn, before.as_ref().map(|b| b.article), a)?;
        keys.extend(all);
        public_keys.extend(public);
    }
    let seq = append(
        conn,
        NewEvent {
            event_type: event_type.into(),
            public_type: public_type.map(String::from),
            resource: "article",
            resource_id: a.id.clone(),
            slug: a.slug.clone(),
            keys,
            public_keys,
            data: newsroom_data(a, now),
            public_data,
            owner: a.created_by.clone(),
            author_ids: after.author_ids.to_vec(),
            at: now,
        },
    )?;
    if public_type.is_some() {
        supersede(conn, &a.id, seq)?;
    }
    Ok(seq)
}

/// The newsroom's name for a change from `before` to `a`.
fn newsroom_type(before: Option<&Article>, a: &Article, was_told: bool) -> &'static str {
    let scheduled = a.status == article::STATUS_PUBLISHED && !a.announced;
    match (before, a.status.as_str()) {
        (Some(b), article::STATUS_WITHDRAWN) if b.status != a.status => "article.withdrawn",
        (Some(b), _) if b.status == article::STATUS_WITHDRAWN && a.status != b.status => {
            "article.restored"
        }
        (_, article::STATUS_PUBLISHED) if a.announced && !was_told => "article.published",
        (Some(b), article::STATUS_PUBLISHED)
            if scheduled && b.status == a.status && b.published_at == a.published_at =>
        {
            "article.updated"
        }
        (_, article::STATUS_PUBLISHED) if scheduled => "article.scheduled",
        (None, _) => "article.created",
        (Some(b), article::STATUS_ARCHIVED) if b.status != a.status => "article.archived",
        (Some(b), article::STATUS_DRAFT) if b.status == article::STATUS_PUBLISHED => {
            "article.unpublished"
        }
        _ => "article.updated",
    }
}

/// Whether the change moves the story in or out of lists, blocks and
/// pages, or moves it within them. Scheduled stories count: the lifetime
/// of an answer they will enter is cut short before they go live.
fn moved(before: Option<&Side<'_>>, after: &Side<'_>, was_told: bool, was_visible: bool) -> bool {
    let a = after.article;
    let is_listed = a.listed_at().is_some();
    let Some(b) = before else { return is_listed };
    was_told != a.announced
        || was_visible != a.announced
        || b.article.listed_at().is_some() != is_listed
        || (is_listed
            && (b.article.published_at != a.published_at
                || b.article.section_id != a.section_id
                || b.article.language != a.language
                || !same_set(b.tag_ids, after.tag_ids)
                || !same_set(b.author_ids, after.author_ids)))
}

/// Whether the link other versions show of the story (`translations`)
/// appears, goes, or changes.
fn links_moved(before: Option<&Article>, a: &Article, was_visible: bool) -> bool {
    let Some(b) = before else { return true };
    was_visible != a.announced
        || b.slug != a.slug
        || b.language != a.language
        || b.translation_group != a.translation_group
        || b.section_id != a.section_id
        || b.canonical_url != a.canonical_url
}

/// The keys of the other stories in the story's translation groups, before
/// and after (all of them, and those the public can see): their answers
/// list it.
fn translations_of(
    conn: &mut DbConnection,
    before: Option<&Article>,
    a: &Article,
) -> QueryResult<(Keys, Keys)> {
    let group = |x: &Article| x.translation_group.clone().unwrap_or_else(|| x.id.clone());
    let mut groups = vec![group(a)];
    groups.extend(before.map(group).filter(|g| *g != groups[0]));
    let members: Vec<(String, bool)> = articles::table
        .filter(
            articles::id
                .eq_any(&groups)
                .or(articles::translation_group.eq_any(&groups)),
        )
        .filter(articles::id.ne(&a.id))
        .select((articles::id, articles::announced))
        .limit(100)
        .load(conn)?;
    let (mut all, mut public) = (Keys::new(), Keys::new());
    for (id, told) in members {
        all.article(&id);
        if told {
            public.article(&id);
        }
    }
    Ok((all, public))
}

/// The keys of the stories whose "Also read" picks this one (all of them,
/// and those the public can see).
fn picked_by(conn: &mut DbConnection, id: &str) -> QueryResult<(Keys, Keys)> {
    let pickers: Vec<(String, bool)> = article_related::table
        .inner_join(articles::table.on(articles::id.eq(article_related::article_id)))
        .filter(article_related::related_id.eq(id))
        .select((articles::id, articles::announced))
        .load(conn)?;
    let (mut all, mut public) = (Keys::new(), Keys::new());
    for (picker, told) in pickers {
        all.article(&picker);
        if told {
            public.article(&picker);
        }
    }
    Ok((all, public))
}

/// Earlier public events about the story keep only its id, slug and the
/// event that superseded them: the log never serves a version the story
/// has left (a pulled story's text, a corrected passage) to the public.
fn supersede(conn: &mut DbConnection, id: &str, by: i64) -> QueryResult<()> {
    let earlier: Vec<(i64, Option<String>)> = events::table
        .filter(events::resource_id.eq(id))
        .filter(events::seq.lt(by))
        .filter(events::superseded.eq(false))
        .filter(events::public_data.is_not_null())
        .select((events::seq, events::public_data))
        .load(conn)?;
    for (seq, data) in earlier {
        let slug = data
            .and_then(|d| serde_json::from_str::<serde_json::Value>(&d).ok())
            .and_then(|d| d["slug"].as_str().map(String::from))
            .unwrap_or_default();
        let stub = json!({"id": id, "slug": slug, "superseded_by": by});
        diesel::update(events::table.filter(events::seq.eq(seq)))
            .set((
                events::public_data.eq(stub.to_string()),
                events::superseded.eq(true),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Appends the event for a deleted article (called before it goes).
pub fn article_deleted(
    conn: &mut DbConnection,
    before: &Current,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let a = &before.article;
    let visible = a.announced || a.visible_at(now).is_some();
    let mut keys = Keys::new();
    keys.article(&a.id);
    if visible {
        keys.add(SEARCH).add(SITEMAPS);
    }
    if a.listed_at().is_some() {
        keys.extend(membership_keys(conn, Some(&Side::from(before)))?);
    }
    let mut public_keys = if visible { keys.clone() } else { Keys::new() };
    if visible {
        let (all, public) = picked_by(conn, &a.id)?;
        keys.extend(all);
        public_keys.extend(public);
    }
    let seq = append(
        conn,
        NewEvent {
            event_type: "article.deleted".into(),
            public_type: visible.then(|| "article.unpublished".into()),
            resource: "article",
            resource_id: a.id.clone(),
            slug: a.slug.clone(),
            public_keys,
            keys,
            data: json!({"id": a.id, "slug": a.slug}),
            public_data: visible.then(|| tombstone(a)),
            owner: a.created_by.clone(),
            author_ids: before.author_ids.clone(),
            at: now,
        },
    )?;
    if visible {
        supersede(conn, &a.id, seq)?;
    }
    Ok(seq)
}

/// Announces the scheduled stories whose time has come: for each, one
/// conditional UPDATE and its `article.published` event, in a transaction
/// of their own. Whichever replica gets there first announces a story;
/// the others' UPDATEs change nothing, so there is exactly one event, and
/// a replica that starts after downtime catches up here.
pub fn announce_due(
    conn: &mut DbConnection,
    site: &Site,
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
            crate::search::refresh_public(conn, std::slice::from_ref(&id))?;
            article_changed(conn, site, Some(side(&before)), side(&found), now).map(drop)
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
    let section_ids: Vec<&String> = side.article.section_id.iter().collect();
    let named: [(&str, Vec<String>); 3] = [
        (
            "section",
            sections::table
                .filter(sections::id.eq_any(section_ids))
                .select(sections::slug)
                .load(conn)?,
        ),
        (
            "tag",
            tags::table
                .filter(tags::id.eq_any(side.tag_ids))
                .select(tags::slug)
                .load(conn)?,
        ),
        (
            "author",
            authors::table
                .filter(authors::id.eq_any(side.author_ids))
                .select(authors::slug)
                .load(conn)?,
        ),
    ];
    for (kind, slugs) in named {
        for slug in slugs {
            keys.entry(kind, &slug);
        }
    }
    Ok(keys)
}
