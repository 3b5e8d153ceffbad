//! Writing articles: validating a write body, resolving what it names,
//! checking the caller's role, and storing the result with its derived
//! fields, feed rows and a revision, in one transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};
use utoipa::ToSchema;

use crate::auth::{AuthUser, Role};
use crate::content::{self, BodyFormat};
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::models::article::{self, Article, STATUS_ARCHIVED, STATUS_DRAFT, STATUS_PUBLISHED};
use crate::models::revision::{self, Revision};
use crate::models::tag::{self, Tag};
use crate::models::{author, new_id, now, section, truncate_micros};
use crate::views::{self, AuthorRef, FeaturedImage, SectionRef, TagRef};
use diesel::Connection;

/// A slug: lower-case letters, digits and single hyphens.
pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";
const MAX_SLUG: usize = 120;

/// Distinguishes an absent member (leave it) from `null` (clear it).
fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusInput {
    /// Not public.
    Draft,
    /// Public from `published_at` (now when omitted).
    Published,
    /// Public from `published_at`, which must be in the future.
    Scheduled,
    /// Withdrawn from every public answer.
    Archived,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FormatInput {
    Html,
    Markdown,
}

/// The picture at the top of a story.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageInput {
    #[schema(example = "https://example.com/images/story.jpg")]
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// An article as a newsroom tool writes it, with the read side's names.
/// On PATCH every member is optional and `null` clears a nullable one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Required to create.
    #[schema(example = "Mexico offers Assange political asylum")]
    pub headline: Option<String>,
    /// Generated from the headline when omitted, and made unique.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "mexico-offers-assange-political-asylum"
    )]
    pub slug: Option<String>,
    pub standfirst: Option<String>,
    /// Required to create. HTML is sanitized; Markdown is rendered, then sanitized.
    #[schema(example = "<p>Mexican President Andres Manuel Lopez Obrador has offered…</p>")]
    pub body: Option<String>,
    /// `html` (default) or `markdown`.
    pub body_format: Option<FormatInput>,
    /// The section's slug.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "top-news")]
    pub section: Option<Option<String>>,
    /// Tag slugs or names; tags not seen before are created from their names.
    #[schema(example = json!(["julian-assange", "Mexico"]))]
    pub tags: Option<Vec<String>>,
    /// Author slugs, in byline order.
    #[schema(example = json!(["news-desk"]))]
    pub authors: Option<Vec<String>>,
    /// The source line, such as "Asian Lite News".
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub credit: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = "uri")]
    pub canonical_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ImageInput>)]
    pub featured_image: Option<Option<ImageInput>>,
    /// "Also read": slugs of other articles, in order.
    pub also_read: Option<Vec<String>>,
    /// Default `draft`. Publishing needs the author role (own stories) or editor.
    pub status: Option<StatusInput>,
    /// RFC 3339. Defaults to now when publishing.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Option<String>>,
    /// The story's id in the sending system; unique.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub external_id: Option<Option<String>>,
}

/// An article as the newsroom sees it: every field, any status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EditorialArticle {
    pub id: String,
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    /// The body as submitted.
    pub body: String,
    pub body_format: FormatInput,
    /// The body as stored and served: sanitized HTML.
    pub body_html: String,
    pub excerpt: String,
    /// draft, scheduled (published, time still to come), published or archived.
    pub status: String,
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    pub section: Option<SectionRef>,
    pub authors: Vec<AuthorRef>,
    pub tags: Vec<TagRef>,
    pub credit: Option<String>,
    pub canonical_url: Option<String>,
    pub featured_image: Option<FeaturedImage>,
    /// Slugs of the picked "Also read" articles.
    pub also_read: Vec<String>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub external_id: Option<String>,
    /// Increases with every change; the ETag is `"v<version>"`.
    pub version: i32,
}

/// An article's state as stored, with its links: what a write changes.
#[derive(Debug, Clone)]
struct State {
    article: Article,
    author_ids: Vec<String>,
    tag_ids: Vec<String>,
    related_ids: Vec<String>,
}

fn load_state(conn: &mut DbConnection, article: Article) -> Result<State, ApiError> {
    Ok(State {
        author_ids: article::author_ids(conn, &article.id)?,
        tag_ids: article::tag_ids(conn, &article.id)?,
        related_ids: article::related_ids(conn, &article.id)?,
        article,
    })
}

/// The status a person sees: a published story whose time is still to come
/// is "scheduled".
pub fn shown_status(article: &Article, now: NaiveDateTime) -> &'static str {
    match article.status.as_str() {
        STATUS_PUBLISHED if article.published_at.is_some_and(|t| t > now) => "scheduled",
        STATUS_PUBLISHED => "published",
        STATUS_ARCHIVED => "archived",
        _ => "draft",
    }
}

/// The newsroom view of a stored article.
pub fn editorial_view(
    conn: &mut DbConnection,
    article: Article,
) -> Result<EditorialArticle, ApiError> {
    let state = load_state(conn, article)?;
    let section = match &state.article.section_id {
        Some(id) => section::find_by_ids(conn, std::slice::from_ref(id))?
            .into_iter()
            .next()
            .map(|s| SectionRef {
                slug: s.slug,
                name: s.name,
            }),
        None => None,
    };
    let authors = author::bylines_of(conn, std::slice::from_ref(&state.article.id))?
        .into_iter()
        .map(|(_, b)| AuthorRef {
            slug: b.slug,
            name: b.name,
            avatar_url: b.avatar_url,
        })
        .collect();
    let tags = tag::of_article(conn, &state.article.id)?
        .into_iter()
        .map(|t| TagRef {
            slug: t.slug,
            name: t.name,
        })
        .collect();
    let also_read = article::slugs_of(conn, &state.related_ids)?;
    let a = state.article;
    Ok(EditorialArticle {
        status: shown_status(&a, now()).into(),
        published_at: a.published_at.map(views::timestamp),
        created_at: views::timestamp(a.created_at),
        updated_at: views::timestamp(a.updated_at),
        body_format: if a.body_format == "markdown" {
            FormatInput::Markdown
        } else {
            FormatInput::Html
        },
        featured_image: a.image_url.map(|url| FeaturedImage {
            url,
            alt: a.image_alt,
            caption: a.image_caption,
            credit: a.image_credit,
        }),
        id: a.id,
        slug: a.slug,
        headline: a.headline,
        standfirst: a.standfirst,
        body: a.body_source,
        body_html: a.body_html,
        excerpt: a.excerpt,
        section,
        authors,
        tags,
        credit: a.credit,
        canonical_url: a.canonical_url,
        also_read,
        word_count: a.word_count,
        reading_time_minutes: a.reading_time_minutes,
        external_id: a.external_id,
        version: a.version,
    })
}

/// Collects every failing field of a write body.
#[derive(Default)]
pub(crate) struct Problems(Vec<FieldError>);

impl Problems {
    pub(crate) fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Checks a text member: no NUL, within `max` characters, and (when
    /// `required`) not blank. Answers it trimmed.
    pub(crate) fn text(&mut self, field: &str, value: &str, max: usize, required: bool) -> String {
        let trimmed = value.trim();
        if trimmed.contains('\0') {
            self.add(field, "must not contain NUL characters");
        } else if required && trimmed.is_empty() {
            self.add(field, "must not be blank");
        } else if trimmed.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        trimmed.to_string()
    }

    pub(crate) fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        value
            .map(|v| self.text(field, v, max, false))
            .filter(|v| !v.is_empty())
    }

    pub(crate) fn url(&mut self, field: &str, value: &str) -> String {
        let value = value.trim();
        match url::Url::parse(value) {
            // The parser forgives control characters; a stored URL may not
            // hold any (PostgreSQL refuses NUL, and clients would choke).
            Ok(u)
                if (u.scheme() == "http" || u.scheme() == "https")
                    && value.len() <= 2000
                    && !value.chars().any(char::is_control) => {}
            _ => self.add(
                field,
                "must be an http or https URL of at most 2000 characters",
            ),
        }
        value.to_string()
    }

    pub(crate) fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

pub(crate) fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
}

/// A slug from `base` that no other article has.
fn unique_slug(
    conn: &mut DbConnection,
    base: &str,
    own_id: Option<&str>,
) -> Result<String, ApiError> {
    let base = if base.is_empty() {
        "story".to_string()
    } else {
        base.to_string()
    };
    for n in 1..1000 {
        let candidate = if n == 1 {
            base.clone()
        } else {
            format!("{base}-{n}")
        };
        match article::id_for(conn, &candidate)? {
            None => return Ok(candidate),
            Some(id) if Some(id.as_str()) == own_id => return Ok(candidate),
            Some(_) => {}
        }
    }
    Ok(format!("{base}-{}", &new_id()[..8]))
}

fn parse_time(problems: &mut Problems, field: &str, raw: &str) -> Option<NaiveDateTime> {
    let (first, last) = crate::cursor::bounds();
    match DateTime::parse_from_rfc3339(raw.trim()) {
        Ok(t) => {
            let t = truncate_micros(t.naive_utc());
            if t < first || t > last {
                problems.add(field, "must fall in the years 1 to 9999");
                None
            } else {
                Some(t)
            }
        }
        Err(_) => {
            problems.add(
                field,
                "must be an RFC 3339 date-time such as 2021-01-05T09:30:00Z",
            );
            None
        }
    }
}

/// Applies a write body to the current state (None to create) and answers
/// the new state, checking every field. Resolves slugs; creates tags named
/// for the first time.
fn apply(
    conn: &mut DbConnection,
    current: Option<&State>,
    input: &ArticleInput,
    at: NaiveDateTime,
) -> Result<State, ApiError> {
    let mut p = Problems::default();
    let old = current.map(|s| &s.article);

    let headline = match (&input.headline, old) {
        (Some(h), _) => p.text("headline", h, 300, true),
        (None, Some(a)) => a.headline.clone(),
        (None, None) => {
            p.add("headline", "is required");
            String::new()
        }
    };
    let standfirst = match (&input.standfirst, old) {
        (Some(s), _) => p.text("standfirst", s, 1000, false),
        (None, Some(a)) => a.standfirst.clone(),
        (None, None) => String::new(),
    };
    let (body_source, body_changed) = match (&input.body, old) {
        (Some(b), _) => {
            if b.contains('\0') {
                p.add("body", "must not contain NUL characters");
            }
            (b.clone(), true)
        }
        (None, Some(a)) => (a.body_source.clone(), false),
        (None, None) => {
            p.add("body", "is required");
            (String::new(), false)
        }
    };
    let format = match (input.body_format, old) {
        (Some(FormatInput::Markdown), _) => BodyFormat::Markdown,
        (Some(FormatInput::Html), _) => BodyFormat::Html,
        (None, Some(a)) => BodyFormat::parse(&a.body_format).unwrap_or(BodyFormat::Html),
        (None, None) => BodyFormat::Html,
    };
    let slug = match &input.slug {
        Some(s) => {
            let s = s.trim().to_string();
            if !valid_slug(&s) {
                p.add("slug", format!("must be lower-case letters, digits and single hyphens, at most {MAX_SLUG} characters"));
            }
            s
        }
        None => match old {
            Some(a) => a.slug.clone(),
            None => String::new(), // generated below, once the headline is known good
        },
    };
    let section_id = match (&input.section, old) {
        (Some(Some(slug)), _) => match section::find_by_slug(conn, slug.trim())? {
            Some(s) => Some(s.id),
            None => {
                p.add(
                    "section",
                    format!("no section has the slug '{}'", slug.trim()),
                );
                None
            }
        },
        (Some(None), _) => None,
        (None, Some(a)) => a.section_id.clone(),
        (None, None) => None,
    };
    let author_ids = match (&input.authors, current) {
        (Some(slugs), _) => {
            if slugs.len() > 20 {
                p.add("authors", "must name at most 20 authors");
            }
            let mut ids = Vec::new();
            for slug in slugs {
                match author::find_by_slug(conn, slug.trim())? {
                    Some(a) if !ids.contains(&a.id) => ids.push(a.id),
                    Some(_) => {}
                    None => p.add(
                        "authors",
                        format!("no author has the slug '{}'", slug.trim()),
                    ),
                }
            }
            ids
        }
        (None, Some(s)) => s.author_ids.clone(),
        (None, None) => Vec::new(),
    };
    let mut new_tags: Vec<Tag> = Vec::new();
    let tag_ids = match (&input.tags, current) {
        (Some(names), _) => {
            if names.len() > 30 {
                p.add("tags", "must name at most 30 tags");
            }
            let mut ids = Vec::new();
            for name in names {
                let name = name.trim();
                let slug = content::slugify(name, 80);
                if name.contains('\0') || name.chars().count() > 100 || slug.is_empty() {
                    p.add(
                        "tags",
                        format!("'{}' is not a usable tag name", name.replace('\0', "")),
                    );
                    continue;
                }
                let id = match tag::find_by_slug(conn, &slug)? {
                    Some(t) => t.id,
                    None => match new_tags.iter().find(|t| t.slug == slug) {
                        Some(t) => t.id.clone(),
                        None => {
                            let created = Tag {
                                id: new_id(),
                                slug,
                                name: name.to_string(),
                                description: String::new(),
                                created_at: at,
                                updated_at: at,
                            };
                            let id = created.id.clone();
                            new_tags.push(created);
                            id
                        }
                    },
                };
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            ids
        }
        (None, Some(s)) => s.tag_ids.clone(),
        (None, None) => Vec::new(),
    };
    let credit = match (&input.credit, old) {
        (Some(c), _) => p.optional_text("credit", c.as_deref(), 200),
        (None, Some(a)) => a.credit.clone(),
        (None, None) => None,
    };
    let canonical_url = match (&input.canonical_url, old) {
        (Some(Some(u)), _) => Some(p.url("canonical_url", u)),
        (Some(None), _) => None,
        (None, Some(a)) => a.canonical_url.clone(),
        (None, None) => None,
    };
    let image = match (&input.featured_image, old) {
        (Some(Some(i)), _) => Some(ImageInput {
            url: p.url("featured_image.url", &i.url),
            alt: p.optional_text("featured_image.alt", i.alt.as_deref(), 1000),
            caption: p.optional_text("featured_image.caption", i.caption.as_deref(), 1000),
            credit: p.optional_text("featured_image.credit", i.credit.as_deref(), 200),
        }),
        (Some(None), _) => None,
        (None, Some(a)) => a.image_url.clone().map(|url| ImageInput {
            url,
            alt: a.image_alt.clone(),
            caption: a.image_caption.clone(),
            credit: a.image_credit.clone(),
        }),
        (None, None) => None,
    };
    let own_id = old.map(|a| a.id.clone());
    let related_ids = match (&input.also_read, current) {
        (Some(slugs), _) => {
            if slugs.len() > 20 {
                p.add("also_read", "must name at most 20 articles");
            }
            let mut ids = Vec::new();
            for slug in slugs {
                match article::id_for(conn, slug.trim())? {
                    Some(id) if Some(&id) == own_id.as_ref() => {
                        p.add("also_read", "must not name the article itself")
                    }
                    Some(id) if !ids.contains(&id) => ids.push(id),
                    Some(_) => {}
                    None => p.add(
                        "also_read",
                        format!("no article has the slug '{}'", slug.trim()),
                    ),
                }
            }
            ids
        }
        (None, Some(s)) => s.related_ids.clone(),
        (None, None) => Vec::new(),
    };
    let external_id = match (&input.external_id, old) {
        (Some(e), _) => p.optional_text("external_id", e.as_deref(), 200),
        (None, Some(a)) => a.external_id.clone(),
        (None, None) => None,
    };
    let requested_time = match &input.published_at {
        Some(Some(raw)) => Some(parse_time(&mut p, "published_at", raw)),
        Some(None) => Some(None),
        None => None,
    };
    let old_time = old.and_then(|a| a.published_at);
    let (status, published_at) = match input.status {
        Some(StatusInput::Draft) => (STATUS_DRAFT, requested_time.unwrap_or(old_time)),
        Some(StatusInput::Archived) => (STATUS_ARCHIVED, requested_time.unwrap_or(old_time)),
        Some(StatusInput::Published) => (
            STATUS_PUBLISHED,
            requested_time.unwrap_or(old_time).or(Some(at)),
        ),
        Some(StatusInput::Scheduled) => {
            let t = requested_time.unwrap_or(old_time);
            if t.is_none_or(|t| t <= at) {
                p.add(
                    "published_at",
                    "a scheduled story needs a publish time in the future",
                );
            }
            (STATUS_PUBLISHED, t)
        }
        None => match old {
            Some(a) => {
                let t = requested_time.unwrap_or(old_time);
                if a.status == STATUS_PUBLISHED && t.is_none() {
                    p.add("published_at", "a published story needs a publish time");
                }
                (
                    match a.status.as_str() {
                        STATUS_PUBLISHED => STATUS_PUBLISHED,
                        STATUS_ARCHIVED => STATUS_ARCHIVED,
                        _ => STATUS_DRAFT,
                    },
                    t,
                )
            }
            None => (STATUS_DRAFT, requested_time.unwrap_or(None)),
        },
    };
    p.finish()?;

    let slug = if slug.is_empty() {
        unique_slug(conn, &content::slugify(&headline, 100), own_id.as_deref())?
    } else {
        if let Some(other) = article::id_for(conn, &slug)? {
            if Some(&other) != own_id.as_ref() {
                return Err(ApiError::Conflict(format!(
                    "Another article already has the slug '{slug}'."
                )));
            }
        }
        slug
    };
    if let Some(ext) = &external_id {
        if let Some(other) = article::find_by_external_id(conn, ext)? {
            if Some(&other.id) != own_id.as_ref() {
                return Err(ApiError::Conflict(format!(
                    "Another article already has the external_id '{ext}'."
                )));
            }
        }
    }
    // In slug order, each in a savepoint: two writers naming the same new
    // tag at once both end up using the one that lands first.
    new_tags.sort_by(|a, b| a.slug.cmp(&b.slug));
    let mut tag_ids = tag_ids;
    for t in &new_tags {
        if let Err(e) = conn.transaction(|c| tag::insert(c, t)) {
            let existing = match e {
                diesel::result::Error::DatabaseError(
                    diesel::result::DatabaseErrorKind::UniqueViolation,
                    _,
                ) => tag::find_by_slug(conn, &t.slug)?,
                other => return Err(other.into()),
            };
            let existing = existing
                .ok_or_else(|| ApiError::Conflict("A tag changed meanwhile; retry.".into()))?;
            for id in tag_ids.iter_mut().filter(|id| **id == t.id) {
                *id = existing.id.clone();
            }
        }
    }
    let derived = if body_changed || input.body_format.is_some() || old.is_none() {
        let body = content::prepare_body(&body_source, format);
        Some(body)
    } else {
        None
    };
    let mut article = match old {
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
            version: 1,
            created_at: at,
            updated_at: at,
            created_by: None,
        },
    };
    if let Some(body) = derived {
        article.body_html = body.html;
        article.excerpt = body.excerpt;
        article.word_count = body.word_count as i32;
        article.reading_time_minutes = body.reading_time_minutes as i32;
    }
    article.slug = slug;
    article.headline = headline;
    article.standfirst = standfirst;
    article.body_source = body_source;
    article.body_format = format.as_str().into();
    article.status = status.into();
    article.published_at = published_at;
    article.section_id = section_id;
    article.credit = credit;
    article.canonical_url = canonical_url;
    article.image_url = image.as_ref().map(|i| i.url.clone());
    article.image_alt = image.as_ref().and_then(|i| i.alt.clone());
    article.image_caption = image.as_ref().and_then(|i| i.caption.clone());
    article.image_credit = image.as_ref().and_then(|i| i.credit.clone());
    article.external_id = external_id;
    Ok(State {
        article,
        author_ids,
        tag_ids,
        related_ids,
    })
}

/// What a revision records of a state: the write body's names and values.
fn snapshot(s: &State) -> BTreeMap<&'static str, Value> {
    let a = &s.article;
    BTreeMap::from([
        ("headline", json!(a.headline)),
        ("slug", json!(a.slug)),
        ("standfirst", json!(a.standfirst)),
        ("body", json!(a.body_source)),
        ("body_format", json!(a.body_format)),
        ("section", json!(a.section_id)),
        ("tags", json!(s.tag_ids)),
        ("authors", json!(s.author_ids)),
        ("credit", json!(a.credit)),
        ("canonical_url", json!(a.canonical_url)),
        (
            "featured_image",
            json!([a.image_url, a.image_alt, a.image_caption, a.image_credit]),
        ),
        ("also_read", json!(s.related_ids)),
        ("status", json!(a.status)),
        ("published_at", json!(a.published_at.map(views::timestamp))),
        ("external_id", json!(a.external_id)),
    ])
}

/// The fields that differ, as {field: {"from": …, "to": …}}.
fn changes(before: Option<&State>, after: &State) -> serde_json::Map<String, Value> {
    let new = snapshot(after);
    let old = before.map(snapshot).unwrap_or_default();
    new.into_iter()
        .filter(|(k, v)| old.get(k) != Some(v))
        .map(|(k, v)| {
            (
                k.to_string(),
                json!({"from": old.get(k).cloned().unwrap_or(Value::Null), "to": v}),
            )
        })
        .collect()
}

/// Whether `caller` may make this change. Editors and admins may do
/// anything; authors work on their own stories and may publish them;
/// contributors work on their own drafts only.
fn authorize(
    caller: &AuthUser,
    before: Option<&State>,
    after: Option<&State>,
) -> Result<(), ApiError> {
    if caller.is_at_least(Role::Editor) {
        return Ok(());
    }
    if let Some(b) = before {
        let own = b.article.created_by.as_deref() == Some(caller.principal.as_str())
            || caller
                .author_id
                .as_ref()
                .is_some_and(|id| b.author_ids.contains(id));
        if !own {
            return Err(ApiError::Forbidden(
                "Only an editor may change another person's story.".into(),
            ));
        }
        if caller.role == Role::Contributor && b.article.status != STATUS_DRAFT {
            return Err(ApiError::Forbidden(
                "A contributor may change only drafts; this story has left that state.".into(),
            ));
        }
    }
    if let Some(a) = after {
        if caller.role == Role::Contributor && a.article.status != STATUS_DRAFT {
            return Err(ApiError::Forbidden(
                "A contributor may not publish, schedule or archive; an editor or author must."
                    .into(),
            ));
        }
    }
    Ok(())
}

/// The outcome of a write.
pub struct Written {
    pub article: Article,
    /// False when the body changed nothing (no new version, no revision).
    pub changed: bool,
    pub created: bool,
}

fn record_revision(
    conn: &mut DbConnection,
    caller: &AuthUser,
    article: &Article,
    changes: serde_json::Map<String, Value>,
) -> Result<(), ApiError> {
    revision::insert(
        conn,
        &Revision {
            id: new_id(),
            article_id: article.id.clone(),
            version: article.version,
            actor: caller.principal.clone(),
            actor_name: caller.name.clone(),
            changes: Value::Object(changes).to_string(),
            created_at: article.updated_at,
        },
    )?;
    Ok(())
}

/// Creates an article. Run inside a write transaction.
pub fn create(
    conn: &mut DbConnection,
    caller: &AuthUser,
    input: &ArticleInput,
) -> Result<Written, ApiError> {
    let at = now();
    let mut state = apply(conn, None, input, at)?;
    // A person linked to an author profile is its byline unless told otherwise.
    if input.authors.is_none() {
        if let Some(id) = &caller.author_id {
            state.author_ids = vec![id.clone()];
        }
    }
    authorize(caller, None, Some(&state))?;
    state.article.created_by = Some(caller.principal.clone());
    article::insert(conn, &state.article, &state.author_ids, &state.tag_ids)?;
    article::set_related(conn, &state.article.id, &state.related_ids)?;
    record_revision(conn, caller, &state.article, changes(None, &state))?;
    Ok(Written {
        article: state.article,
        changed: true,
        created: true,
    })
}

/// Which versions a write accepts: from If-Match, or any (last write wins).
#[derive(Debug, Clone)]
pub enum Expect {
    Any,
    OneOf(Vec<i32>),
}

fn check_expect(expect: &Expect, current: i32) -> Result<(), ApiError> {
    match expect {
        Expect::Any => Ok(()),
        Expect::OneOf(versions) if versions.contains(&current) => Ok(()),
        Expect::OneOf(_) => Err(ApiError::PreconditionFailed(format!(
            "The article has changed (it is at version {current}); fetch it again and reapply your change."
        ))),
    }
}

/// Applies a change to an existing article. Run inside a write transaction.
pub fn update(
    conn: &mut DbConnection,
    caller: &AuthUser,
    existing: Article,
    input: &ArticleInput,
    expect: &Expect,
) -> Result<Written, ApiError> {
    let at = now();
    let before = load_state(conn, existing)?;
    // Who may touch it comes first; then the body is checked, and only a
    // request that would otherwise succeed is decided by If-Match (RFC 9110
    // §13.2.1); then whether the new state is theirs to set.
    authorize(caller, Some(&before), None)?;
    let mut after = apply(conn, Some(&before), input, at)?;
    check_expect(expect, before.article.version)?;
    authorize(caller, Some(&before), Some(&after))?;
    let diff = changes(Some(&before), &after);
    if diff.is_empty() {
        return Ok(Written {
            article: before.article,
            changed: false,
            created: false,
        });
    }
    after.article.version = before.article.version + 1;
    after.article.updated_at = at.max(before.article.updated_at);
    if !article::update_if_version(conn, &after.article, before.article.version)? {
        return Err(ApiError::PreconditionFailed(
            "The article changed while this write was applied; fetch it again.".into(),
        ));
    }
    article::set_links(conn, &after.article, &after.author_ids, &after.tag_ids)?;
    article::set_related(conn, &after.article.id, &after.related_ids)?;
    record_revision(conn, caller, &after.article, diff)?;
    Ok(Written {
        article: after.article,
        changed: true,
        created: false,
    })
}

/// Deletes an article. Run inside a write transaction.
pub fn delete(
    conn: &mut DbConnection,
    caller: &AuthUser,
    existing: Article,
    expect: &Expect,
) -> Result<(), ApiError> {
    check_expect(expect, existing.version)?;
    let before = load_state(conn, existing)?;
    authorize(caller, Some(&before), None)?;
    if caller.role < Role::Author && before.article.status != STATUS_DRAFT {
        return Err(ApiError::Forbidden(
            "A contributor may delete only drafts.".into(),
        ));
    }
    if !article::delete_if_version(conn, &before.article.id, before.article.version)? {
        return Err(ApiError::PreconditionFailed(
            "The article changed while it was being deleted; fetch it again.".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_checked() {
        assert!(valid_slug("a-b-1"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a_b"] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }
}
