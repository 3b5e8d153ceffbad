//! The second step of a write, inside its transaction: check that nothing
//! moved, choose the slug, create new tags, store the row and its links,
//! and record the revision.

use chrono::NaiveDateTime;
use diesel::Connection;

use crate::auth::AuthUser;
use crate::content::{self, PreparedBody};
use crate::db::DbConnection;
use crate::editorial::draft::{Draft, TagChoice};
use crate::editorial::revision;
use crate::error::ApiError;
use crate::events;
use crate::models::article::{self, Article};
use crate::models::new_id;
use crate::models::tag::{self, Tag};

use super::{Expect, Prepared, Target, Written};

/// The slug to store: the draft's, unless another article has it (409),
/// or one derived from the headline that nobody has (one query).
fn choose_slug(
    conn: &mut DbConnection,
    draft: &Draft,
    own: Option<&Article>,
) -> Result<String, ApiError> {
    let own_slug = own.map(|a| a.slug.as_str());
    if !draft.slug.is_empty() {
        if own_slug != Some(draft.slug.as_str()) && article::id_for(conn, &draft.slug)?.is_some() {
            return Err(ApiError::Conflict(format!(
                "Another article already has the slug '{}'.",
                draft.slug
            )));
        }
        return Ok(draft.slug.clone());
    }
    let derived = content::slugify(&draft.headline, 100);
    let base = if derived.is_empty() {
        "story".to_string()
    } else {
        derived
    };
    let taken = article::slugs_like(conn, &base)?;
    let free = (1..1000)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|c| own_slug == Some(c.as_str()) || !taken.contains(c));
    Ok(free.unwrap_or_else(|| format!("{base}-{}", &new_id()[..8])))
}

/// Creates the draft's new tags (unlisted: a tag a write names into being
/// becomes public with the first public story that carries it) and
/// answers every tag's id, in order.
fn store_tags(
    conn: &mut DbConnection,
    draft: &mut Draft,
    at: NaiveDateTime,
) -> Result<Vec<String>, ApiError> {
    // New tags go in slug order, so two writers naming the same new tags
    // in different orders take their locks in one order and cannot deadlock.
    let mut new: Vec<usize> = (0..draft.tags.len())
        .filter(|&i| matches!(draft.tags[i], TagChoice::New { .. }))
        .collect();
    new.sort_by_key(|&i| match &draft.tags[i] {
        TagChoice::New { slug, .. } => slug.clone(),
        TagChoice::Existing(_) => String::new(),
    });
    for i in new {
        let TagChoice::New { slug, name } = &draft.tags[i] else {
            continue;
        };
        let row = Tag {
            id: new_id(),
            slug: slug.clone(),
            name: name.clone(),
            description: String::new(),
            listed: false,
            held: false,
            created_at: at,
            updated_at: at,
        };
        // In a savepoint: when another writer created the same tag since
        // the names were looked up, this write uses theirs.
        let id = match conn.transaction(|c| tag::insert(c, &row)) {
            Ok(()) => row.id,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                tag::find_by_slug(conn, &row.slug)?
                    .ok_or_else(|| ApiError::Conflict("A tag changed meanwhile; retry.".into()))?
                    .id
            }
            Err(other) => return Err(other.into()),
        };
        draft.tags[i] = TagChoice::Existing(id);
    }
    Ok(draft
        .tags
        .iter()
        .filter_map(|t| match t {
            TagChoice::Existing(id) => Some(id.clone()),
            TagChoice::New { .. } => None,
        })
        .collect())
}

/// The stored row for a draft, over the article it replaces (None for a
/// new one, stamped `at`): the one place an article row is made.
pub fn article_row(
    draft: &Draft,
    slug: String,
    base: Option<&Article>,
    body: Option<PreparedBody>,
    owner: &str,
    at: NaiveDateTime,
) -> Article {
    let mut a = match base {
        Some(a) => a.clone(),
        None => Article {
            id: new_id(),
            slug: String::new(),
            headline: String::new(),
            standfirst: String::new(),
            body_html: String::new(),
            body_source: String::new(),
            body_format: String::new(),
            excerpt: String::new(),
            status: String::new(),
            published_at: None,
            section_id: None,
            credit: None,
            canonical_url: None,
            image_url: None,
            image_alt: None,
            image_caption: None,
            image_credit: None,
            word_count: 0,
            reading_time_minutes: 0,
            external_id: None,
            external_owner: String::new(),
            version: 1,
            created_at: at,
            updated_at: at,
            created_by: Some(owner.to_string()),
            announced: false,
            language: None,
            embargoed_until: None,
            translation_group: None,
        },
    };
    if let Some(body) = body {
        a.body_html = body.html;
        a.excerpt = body.excerpt;
        a.word_count = body.word_count as i32;
        a.reading_time_minutes = body.reading_time_minutes as i32;
    }
    if a.external_id != draft.external_id {
        a.external_owner = if draft.external_id.is_some() {
            owner.to_string()
        } else {
            String::new()
        };
    }
    a.slug = slug;
    a.headline = draft.headline.clone();
    a.standfirst = draft.standfirst.clone();
    a.body_source = draft.body.clone();
    a.body_format = draft.body_format.as_str().into();
    a.status = draft.status.into();
    a.published_at = draft.published_at;
    a.section_id = draft.section_id.clone();
    a.credit = draft.credit.clone();
    a.canonical_url = draft.canonical_url.clone();
    a.image_url = draft.image.as_ref().map(|i| i.url.clone());
    a.image_alt = draft.image.as_ref().and_then(|i| i.alt.clone());
    a.image_caption = draft.image.as_ref().and_then(|i| i.caption.clone());
    a.image_credit = draft.image.as_ref().and_then(|i| i.credit.clone());
    a.external_id = draft.external_id.clone();
    a.language = Some(draft.language.clone()).filter(|l| !l.is_empty());
    a.embargoed_until = draft.embargoed_until;
    a.translation_group = draft.translation_group.clone();
    a
}

/// 409 when the sender already has another article under the draft's
/// external id (an id keeps the owner it was first sent by).
fn check_external_id(
    conn: &mut DbConnection,
    caller: &AuthUser,
    draft: &Draft,
    old: Option<&Article>,
) -> Result<(), ApiError> {
    let Some(ext) = &draft.external_id else {
        return Ok(());
    };
    let owner = match old {
        Some(a) if a.external_id.as_ref() == Some(ext) => a.external_owner.clone(),
        _ => caller.principal.clone(),
    };
    match article::find_by_external_id(conn, &owner, ext)? {
        Some(other) if Some(&other.id) != old.map(|a| &a.id) => Err(ApiError::Conflict(format!(
            "You already sent another article with the external_id '{ext}'."
        ))),
        _ => Ok(()),
    }
}

/// The second step, inside the write transaction. None when the article
/// moved since `prepare` read it: the write must start over.
pub fn persist(
    conn: &mut DbConnection,
    caller: &AuthUser,
    target: Option<&Target>,
    prepared: Prepared,
    expect: &Expect,
) -> Result<Option<Written>, ApiError> {
    match target {
        Some(Target::Existing(key)) => article::lock(conn, key)?,
        Some(Target::External { owner, id }) => article::lock_external(conn, owner, id)?,
        None => {}
    }
    let seen = prepared
        .current
        .as_ref()
        .map(|c| (c.article.id.clone(), c.article.version));
    let now_current = match target {
        None => None,
        Some(Target::Existing(key)) => article::find_any(conn, key)?,
        Some(Target::External { owner, id }) => article::find_by_external_id(conn, owner, id)?,
    };
    if now_current.as_ref().map(|a| (a.id.clone(), a.version)) != seen {
        return Ok(None);
    }
    expect.check(seen.as_ref().map(|(_, v)| *v))?;
    let Prepared {
        mut current,
        mut draft,
        body,
        at,
        site,
    } = prepared;
    // Announcing a scheduled story does not change its version: whether
    // the public has been told of it is read under the lock.
    if let (Some(c), Some(now)) = (current.as_mut(), &now_current) {
        c.article.announced = now.announced;
    }
    let old = current.as_ref().map(|c| &c.article);
    let slug = choose_slug(conn, &draft, old)?;
    check_external_id(conn, caller, &draft, old)?;
    let tag_ids = store_tags(conn, &mut draft, at)?;
    draft.slug = slug.clone();
    let before = current.as_ref().map(Draft::of);
    let diff = revision::changes(before.as_ref(), &draft);
    if let (Some(c), true) = (&current, diff.is_empty()) {
        return Ok(Some(Written {
            article: c.article.clone(),
            changed: false,
            created: false,
        }));
    }
    let body_text = body.as_ref().map(|b| b.text.clone());
    let mut row = article_row(&draft, slug, old, body, &caller.principal, at);
    let now = crate::models::now();
    row.announced = row.visible_at(now).is_some();
    match old {
        None => article::insert(conn, &row, &draft.author_ids, &tag_ids)?,
        Some(before) => {
            row.version = before.version + 1;
            row.updated_at = at.max(before.updated_at);
            if !article::update_if_version(conn, &row, before.version)? {
                return Ok(None);
            }
            article::set_links(conn, &row, &draft.author_ids, &tag_ids)?;
        }
    }
    article::set_related(conn, &row.id, &draft.related_ids)?;
    crate::search::index(conn, &row, body_text.as_deref())?;
    revision::record(conn, caller, &row, diff)?;
    let after = events::Side {
        article: &row,
        author_ids: &draft.author_ids,
        tag_ids: &tag_ids,
    };
    events::article_changed(
        conn,
        &site,
        current.as_ref().map(events::Side::from),
        after,
        now,
    )?;
    Ok(Some(Written {
        created: old.is_none(),
        article: row,
        changed: true,
    }))
}
