//! The rules of an article write, as a pure function: the body, the
//! article as stored (if any) and what the body's slugs name go in; a
//! `Draft` of the article after the write, or every failing field, comes
//! out. No database, no clock: unit tests call it directly.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};

use crate::content::{self, BodyFormat};
use crate::error::ApiError;
use crate::models::article::{Article, STATUS_ARCHIVED, STATUS_DRAFT, STATUS_PUBLISHED};
use crate::models::truncate_micros;
use crate::validation::FieldErrors;

use super::draft::{stored_status, Current, Draft, Image, Names, TagChoice};
use super::input::{
    ArticleInput, FormatInput, ImageInput, StatusInput, MAX_ALSO_READ, MAX_AUTHORS, MAX_CREDIT,
    MAX_EXTERNAL_ID, MAX_HEADLINE, MAX_IMAGE_TEXT, MAX_STANDFIRST, MAX_TAGS, MAX_TAG_NAME,
};

#[cfg(test)]
mod tests;

/// The one merge rule of a write: a member the body sends replaces the
/// stored value; one it leaves out keeps it.
fn overlay<T>(slot: &mut T, given: Option<T>) {
    if let Some(value) = given {
        *slot = value;
    }
}

fn parse_time(e: &mut FieldErrors, field: &str, raw: &str) -> Option<NaiveDateTime> {
    let (first, last) = crate::cursor::bounds();
    match DateTime::parse_from_rfc3339(raw.trim()) {
        Ok(t) => {
            let t = truncate_micros(t.naive_utc());
            if t < first || t > last {
                e.add(field, "must fall in the years 1 to 9999");
                None
            } else {
                Some(t)
            }
        }
        Err(_) => {
            e.add(
                field,
                "must be an RFC 3339 date-time such as 2021-01-05T09:30:00Z",
            );
            None
        }
    }
}

/// A list of slugs, each looked up in `found`, in order and without
/// repeats; every one missing is a failing field.
fn ids_of(
    e: &mut FieldErrors,
    field: &str,
    keys: &[String],
    max: usize,
    what: &str,
    found: &HashMap<String, String>,
) -> Vec<String> {
    if keys.len() > max {
        e.add(field, format!("must name at most {max} {what}s"));
    }
    let mut ids: Vec<String> = Vec::new();
    for key in keys {
        let key = key.trim();
        match found.get(key) {
            Some(id) if !ids.contains(id) => ids.push(id.clone()),
            Some(_) => {}
            None => e.add(field, format!("no {what} has the slug '{key}'")),
        }
    }
    ids
}

fn tag_choices(
    e: &mut FieldErrors,
    names: &[String],
    found: &HashMap<String, String>,
) -> Vec<TagChoice> {
    if names.len() > MAX_TAGS {
        e.add("tags", format!("must name at most {MAX_TAGS} tags"));
    }
    let mut choices: Vec<TagChoice> = Vec::new();
    for name in names {
        let name = name.trim();
        let slug = tag_slug(name);
        if name.chars().any(char::is_control)
            || name.chars().count() > MAX_TAG_NAME
            || slug.is_empty()
        {
            let shown: String = name.chars().filter(|c| !c.is_control()).take(60).collect();
            e.add("tags", format!("'{shown}' is not a usable tag name"));
            continue;
        }
        let choice = match found.get(&slug) {
            Some(id) => TagChoice::Existing(id.clone()),
            None => TagChoice::New {
                slug,
                name: name.to_string(),
            },
        };
        let repeat = choices.iter().any(|c| match (c, &choice) {
            (TagChoice::Existing(a), TagChoice::Existing(b)) => a == b,
            (TagChoice::New { slug: a, .. }, TagChoice::New { slug: b, .. }) => a == b,
            _ => false,
        });
        if !repeat {
            choices.push(choice);
        }
    }
    choices
}

/// The slug a tag name is stored under.
pub fn tag_slug(name: &str) -> String {
    content::slugify(name.trim(), 80)
}

fn image(e: &mut FieldErrors, i: &ImageInput) -> Image {
    Image {
        url: e.url("featured_image.url", &i.url),
        alt: e.optional_text("featured_image.alt", i.alt.as_deref(), MAX_IMAGE_TEXT),
        caption: e.optional_text(
            "featured_image.caption",
            i.caption.as_deref(),
            MAX_IMAGE_TEXT,
        ),
        credit: e.optional_text("featured_image.credit", i.credit.as_deref(), MAX_CREDIT),
    }
}

fn body(e: &mut FieldErrors, raw: &str) -> String {
    if raw.contains('\0') {
        e.add("body", "must not contain NUL characters");
    } else if raw.trim().is_empty() {
        e.add("body", "must not be blank");
    }
    raw.to_string()
}

/// The status and publish time a write leaves, by the lifecycle's rules.
fn status_and_time(
    requested: Option<StatusInput>,
    time: Option<Option<NaiveDateTime>>,
    old: Option<&Article>,
    now: NaiveDateTime,
    e: &mut FieldErrors,
) -> (&'static str, Option<NaiveDateTime>) {
    let old_time = old.and_then(|a| a.published_at);
    let time_or_old = time.unwrap_or(old_time);
    match requested {
        Some(StatusInput::Draft) => (STATUS_DRAFT, time_or_old),
        Some(StatusInput::Archived) => (STATUS_ARCHIVED, time_or_old),
        Some(StatusInput::Published) => (STATUS_PUBLISHED, time_or_old.or(Some(now))),
        Some(StatusInput::Scheduled) => {
            if time_or_old.is_none_or(|t| t <= now) {
                e.add(
                    "published_at",
                    "a scheduled story needs a publish time in the future",
                );
            }
            (STATUS_PUBLISHED, time_or_old)
        }
        None => match old {
            Some(a) => {
                let status = stored_status(&a.status);
                if status == STATUS_PUBLISHED && time_or_old.is_none() {
                    e.add("published_at", "a published story needs a publish time");
                }
                (status, time_or_old)
            }
            None => (STATUS_DRAFT, time.flatten()),
        },
    }
}

/// Checks a write body against the article as stored (None to create)
/// and answers the article as the write leaves it, or every failing field.
/// `read_errors` are the members the body's reading already refused
/// (unknown ones, wrong types): they are answered with the rest.
pub fn validate(
    input: &ArticleInput,
    current: Option<&Current>,
    names: &Names,
    now: NaiveDateTime,
    read_errors: FieldErrors,
) -> Result<Draft, ApiError> {
    let mut e = read_errors;
    if current.is_none() {
        if input.headline.is_none() {
            e.add("headline", "is required");
        }
        if input.body.is_none() {
            e.add("body", "is required");
        }
    }
    let mut d = current.map(Draft::of).unwrap_or_default();
    overlay_text(&mut d, input, &mut e);
    overlay_links(
        &mut d,
        input,
        names,
        current.map(|c| c.article.id.as_str()),
        &mut e,
    );
    let time = input.published_at.as_ref().map(|t| {
        t.as_deref()
            .and_then(|raw| parse_time(&mut e, "published_at", raw))
    });
    let (status, published_at) =
        status_and_time(input.status, time, current.map(|c| &c.article), now, &mut e);
    d.status = status;
    d.published_at = published_at;
    overlay_lifecycle(&mut d, input, names, current, now, &mut e);
    e.finish()?;
    Ok(d)
}

/// Language, embargo and translations. A published story goes public at
/// the later of its publish time and its embargo: its stored publish time
/// is never before the embargo, so every public read, list, feed, sitemap
/// and search keeps the embargo by reading the publish time alone.
fn overlay_lifecycle(
    d: &mut Draft,
    input: &ArticleInput,
    names: &Names,
    current: Option<&Current>,
    now: NaiveDateTime,
    e: &mut FieldErrors,
) {
    overlay(
        &mut d.language,
        input.language.as_ref().map(|l| match l {
            Some(tag) => e.language("language", tag),
            None => String::new(),
        }),
    );
    if d.language.is_empty() {
        d.language = names.site_language.clone();
    }
    let embargo = input.embargoed_until.as_ref().map(|t| {
        t.as_deref()
            .and_then(|raw| parse_time(e, "embargoed_until", raw))
    });
    overlay(&mut d.embargoed_until, embargo);
    // A publish time the embargo set follows the embargo when it moves or
    // is lifted before it ends, unless the write names a time itself.
    if let (Some(c), None, Some(_)) = (current, &input.published_at, &input.embargoed_until) {
        let old = &c.article;
        let derived = old.published_at.is_some()
            && old.published_at == old.embargoed_until
            && old.embargoed_until.is_some_and(|e| e > now);
        if derived {
            d.published_at = Some(d.embargoed_until.unwrap_or(now));
        }
    }
    if let (Some(until), Some(at)) = (d.embargoed_until, d.published_at) {
        d.published_at = Some(at.max(until));
    }
    match (&input.translation_of, &names.translation) {
        (None, _) => {}
        (Some(None), _) => d.translation_group = None,
        (Some(Some(_)), Some((id, _))) if current.is_some_and(|c| &c.article.id == id) => {
            e.add("translation_of", "names this story itself");
        }
        (Some(Some(_)), Some((id, group))) => {
            d.translation_group = Some(group.clone().unwrap_or_else(|| id.clone()));
        }
        (Some(Some(_)), None) => e.add("translation_of", "names no story you may link to"),
    }
}

/// The members that are the story's own words and metadata.
fn overlay_text(d: &mut Draft, input: &ArticleInput, e: &mut FieldErrors) {
    overlay(
        &mut d.headline,
        input
            .headline
            .as_deref()
            .map(|h| e.text("headline", h, MAX_HEADLINE, true)),
    );
    overlay(
        &mut d.slug,
        input.slug.as_deref().map(|s| e.slug("slug", s)),
    );
    overlay(
        &mut d.standfirst,
        input
            .standfirst
            .as_deref()
            .map(|s| e.text("standfirst", s, MAX_STANDFIRST, false)),
    );
    overlay(&mut d.body, input.body.as_deref().map(|b| body(e, b)));
    overlay(
        &mut d.body_format,
        input.body_format.map(|f| match f {
            FormatInput::Html => BodyFormat::Html,
            FormatInput::Markdown => BodyFormat::Markdown,
        }),
    );
    overlay(
        &mut d.credit,
        input
            .credit
            .as_ref()
            .map(|c| e.optional_text("credit", c.as_deref(), MAX_CREDIT)),
    );
    overlay(
        &mut d.canonical_url,
        input
            .canonical_url
            .as_ref()
            .map(|u| u.as_deref().map(|u| e.url("canonical_url", u))),
    );
    overlay(
        &mut d.image,
        input
            .featured_image
            .as_ref()
            .map(|i| i.as_ref().map(|i| image(e, i))),
    );
    overlay(
        &mut d.external_id,
        input
            .external_id
            .as_ref()
            .map(|x| e.optional_text("external_id", x.as_deref(), MAX_EXTERNAL_ID)),
    );
}

/// The members that name other things by slug: section, authors, tags and
/// the "Also read" stories (never the story itself).
fn overlay_links(
    d: &mut Draft,
    input: &ArticleInput,
    names: &Names,
    own_id: Option<&str>,
    e: &mut FieldErrors,
) {
    overlay(
        &mut d.section_id,
        input.section.as_ref().map(|s| {
            s.as_deref().map(str::trim).and_then(|slug| {
                let id = names.sections.get(slug).cloned();
                if id.is_none() {
                    e.add("section", format!("no section has the slug '{slug}'"));
                }
                id
            })
        }),
    );
    overlay(
        &mut d.author_ids,
        input
            .authors
            .as_deref()
            .map(|a| ids_of(e, "authors", a, MAX_AUTHORS, "author", &names.authors)),
    );
    overlay(
        &mut d.tags,
        input
            .tags
            .as_deref()
            .map(|t| tag_choices(e, t, &names.tags)),
    );
    overlay(
        &mut d.related_ids,
        input.also_read.as_deref().map(|keys| {
            let ids = ids_of(
                e,
                "also_read",
                keys,
                MAX_ALSO_READ,
                "article",
                &names.articles,
            );
            if own_id.is_some_and(|own| ids.iter().any(|id| id == own)) {
                e.add("also_read", "must not name the article itself");
            }
            ids
        }),
    );
}
