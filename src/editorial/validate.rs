//! The rules of an article write, as a pure function: the body, the
//! article as stored (if any) and what the body's slugs name go in; a
//! `Draft` of the article after the write, or every failing field, comes
//! out. No database, no clock: unit tests call it directly.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};

use crate::content::{self, BodyFormat};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::article::{self, Article, STATUS_ARCHIVED, STATUS_DRAFT, STATUS_PUBLISHED};
use crate::models::truncate_micros;
use crate::validation::FieldErrors;

use super::input::{
    ArticleInput, FormatInput, ImageInput, StatusInput, MAX_ALSO_READ, MAX_AUTHORS, MAX_CREDIT,
    MAX_EXTERNAL_ID, MAX_HEADLINE, MAX_IMAGE_TEXT, MAX_STANDFIRST, MAX_TAGS, MAX_TAG_NAME,
};

/// What a body's slugs name, looked up before validation (see `resolve`):
/// each maps a slug (or, for articles, a slug or id) to an id.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub sections: HashMap<String, String>,
    pub authors: HashMap<String, String>,
    pub tags: HashMap<String, String>,
    pub articles: HashMap<String, String>,
    /// Ids of the sections that are not public and of the tags an editor
    /// holds back, among those named, looked up for callers below the
    /// editor role: a story they publish may not make these public.
    pub withheld_sections: Vec<String>,
    pub withheld_tags: Vec<String>,
}

/// An article as stored, with its links: what a write starts from.
#[derive(Debug, Clone)]
pub struct Current {
    pub article: Article,
    pub author_ids: Vec<String>,
    pub tag_ids: Vec<String>,
    pub related_ids: Vec<String>,
}

impl Current {
    pub fn load(conn: &mut DbConnection, article: Article) -> Result<Current, ApiError> {
        Ok(Current {
            author_ids: article::author_ids(conn, &article.id)?,
            tag_ids: article::tag_ids(conn, &article.id)?,
            related_ids: article::related_ids(conn, &article.id)?,
            article,
        })
    }
}

/// A tag a write names: one that exists, or one to create from its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagChoice {
    Existing(String),
    New { slug: String, name: String },
}

/// The picture at the top of a story, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// An article as a write leaves it: every field the body can set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub headline: String,
    /// Empty when it is to be derived from the headline as it is stored.
    pub slug: String,
    pub standfirst: String,
    /// The body as submitted; it is rendered and sanitized apart.
    pub body: String,
    pub body_format: BodyFormat,
    pub section_id: Option<String>,
    pub author_ids: Vec<String>,
    pub tags: Vec<TagChoice>,
    pub credit: Option<String>,
    pub canonical_url: Option<String>,
    pub image: Option<Image>,
    pub related_ids: Vec<String>,
    pub external_id: Option<String>,
    /// One of the stored statuses: draft, published or archived.
    pub status: &'static str,
    pub published_at: Option<NaiveDateTime>,
}

impl Default for Draft {
    fn default() -> Self {
        Draft {
            headline: String::new(),
            slug: String::new(),
            standfirst: String::new(),
            body: String::new(),
            body_format: BodyFormat::Html,
            section_id: None,
            author_ids: Vec::new(),
            tags: Vec::new(),
            credit: None,
            canonical_url: None,
            image: None,
            related_ids: Vec::new(),
            external_id: None,
            status: STATUS_DRAFT,
            published_at: None,
        }
    }
}

fn stored_status(status: &str) -> &'static str {
    match status {
        STATUS_PUBLISHED => STATUS_PUBLISHED,
        STATUS_ARCHIVED => STATUS_ARCHIVED,
        _ => STATUS_DRAFT,
    }
}

impl Draft {
    /// The stored article, as a draft: the state a write is compared with.
    pub fn of(current: &Current) -> Draft {
        let a = &current.article;
        Draft {
            headline: a.headline.clone(),
            slug: a.slug.clone(),
            standfirst: a.standfirst.clone(),
            body: a.body_source.clone(),
            body_format: BodyFormat::parse(&a.body_format).unwrap_or(BodyFormat::Html),
            section_id: a.section_id.clone(),
            author_ids: current.author_ids.clone(),
            tags: current
                .tag_ids
                .iter()
                .cloned()
                .map(TagChoice::Existing)
                .collect(),
            credit: a.credit.clone(),
            canonical_url: a.canonical_url.clone(),
            image: a.image_url.clone().map(|url| Image {
                url,
                alt: a.image_alt.clone(),
                caption: a.image_caption.clone(),
                credit: a.image_credit.clone(),
            }),
            related_ids: current.related_ids.clone(),
            external_id: a.external_id.clone(),
            status: stored_status(&a.status),
            published_at: a.published_at,
        }
    }

    /// Whether the body must be rendered again to store this draft.
    pub fn needs_render(&self, before: Option<&Draft>) -> bool {
        before.is_none_or(|b| b.body != self.body || b.body_format != self.body_format)
    }
}

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
    let own_id = current.map(|c| c.article.id.as_str());
    let mut d = current.map(Draft::of).unwrap_or_default();
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
    overlay(&mut d.body, input.body.as_deref().map(|b| body(&mut e, b)));
    overlay(
        &mut d.body_format,
        input.body_format.map(|f| match f {
            FormatInput::Html => BodyFormat::Html,
            FormatInput::Markdown => BodyFormat::Markdown,
        }),
    );
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
            .map(|a| ids_of(&mut e, "authors", a, MAX_AUTHORS, "author", &names.authors)),
    );
    overlay(
        &mut d.tags,
        input
            .tags
            .as_deref()
            .map(|t| tag_choices(&mut e, t, &names.tags)),
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
            .map(|i| i.as_ref().map(|i| image(&mut e, i))),
    );
    overlay(
        &mut d.related_ids,
        input.also_read.as_deref().map(|keys| {
            let ids = ids_of(
                &mut e,
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
    overlay(
        &mut d.external_id,
        input
            .external_id
            .as_ref()
            .map(|x| e.optional_text("external_id", x.as_deref(), MAX_EXTERNAL_ID)),
    );
    let time = input.published_at.as_ref().map(|t| {
        t.as_deref()
            .and_then(|raw| parse_time(&mut e, "published_at", raw))
    });
    let (status, published_at) =
        status_and_time(input.status, time, current.map(|c| &c.article), now, &mut e);
    d.status = status;
    d.published_at = published_at;
    e.finish()?;
    Ok(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldError;

    fn now() -> NaiveDateTime {
        DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
            .unwrap()
            .naive_utc()
    }

    fn names() -> Names {
        let map = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        Names {
            sections: map(&[("news", "s1")]),
            authors: map(&[("ann", "a1"), ("bob", "a2")]),
            tags: map(&[("alpha", "t1")]),
            articles: map(&[("other", "x2"), ("x2", "x2"), ("self", "x1")]),
            withheld_sections: Vec::new(),
            withheld_tags: Vec::new(),
        }
    }

    fn stored() -> Current {
        let at = now() - chrono::Duration::days(1);
        Current {
            article: Article {
                id: "x1".into(),
                slug: "self".into(),
                headline: "Old headline".into(),
                standfirst: "Old standfirst".into(),
                body_html: "<p>Old</p>".into(),
                body_source: "<p>Old</p>".into(),
                body_format: "html".into(),
                excerpt: "Old".into(),
                status: STATUS_PUBLISHED.into(),
                published_at: Some(at),
                section_id: Some("s1".into()),
                credit: Some("Wire".into()),
                canonical_url: None,
                image_url: None,
                image_alt: None,
                image_caption: None,
                image_credit: None,
                word_count: 1,
                reading_time_minutes: 1,
                external_id: None,
                external_owner: String::new(),
                version: 3,
                created_at: at,
                updated_at: at,
                created_by: Some("user:1".into()),
            },
            author_ids: vec!["a1".into()],
            tag_ids: vec!["t1".into()],
            related_ids: vec![],
        }
    }

    fn input(json: serde_json::Value) -> ArticleInput {
        serde_json::from_value(json).unwrap()
    }

    fn failing(result: Result<Draft, ApiError>) -> Vec<String> {
        match result {
            Err(ApiError::Validation(errors)) => errors
                .into_iter()
                .map(|FieldError { field, .. }| field)
                .collect(),
            other => panic!("expected a validation failure, got {other:?}"),
        }
    }

    #[test]
    fn a_create_needs_headline_and_body() {
        let fields = failing(validate(
            &input(serde_json::json!({})),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        ));
        assert_eq!(fields, ["headline", "body"]);
        let fields = failing(validate(
            &input(serde_json::json!({"headline": " ", "body": ""})),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        ));
        assert_eq!(fields, ["headline", "body"]);
    }

    #[test]
    fn a_new_story_is_an_undated_draft() {
        let d = validate(
            &input(serde_json::json!({"headline": " Hi ", "body": "<p>x</p>"})),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        )
        .unwrap();
        assert_eq!(d.headline, "Hi");
        assert_eq!(d.status, STATUS_DRAFT);
        assert_eq!(d.published_at, None);
        assert_eq!(d.slug, "", "derived when stored");
        assert!(d.needs_render(None));
    }

    #[test]
    fn omitted_members_keep_and_null_clears() {
        let current = stored();
        let d = validate(
            &input(serde_json::json!({"headline": "New", "credit": null, "section": null})),
            Some(&current),
            &names(),
            now(),
            FieldErrors::default(),
        )
        .unwrap();
        assert_eq!(d.headline, "New");
        assert_eq!(d.standfirst, "Old standfirst");
        assert_eq!(d.credit, None);
        assert_eq!(d.section_id, None);
        assert_eq!(d.author_ids, ["a1"]);
        assert_eq!(d.status, STATUS_PUBLISHED);
        assert!(!d.needs_render(Some(&Draft::of(&current))));
    }

    #[test]
    fn an_empty_write_changes_nothing() {
        let current = stored();
        let d = validate(
            &input(serde_json::json!({})),
            Some(&current),
            &names(),
            now(),
            FieldErrors::default(),
        )
        .unwrap();
        assert_eq!(d, Draft::of(&current));
    }

    #[test]
    fn names_resolve_in_order_without_repeats_and_unknown_ones_fail() {
        let d = validate(
            &input(serde_json::json!({
                "headline": "h", "body": "b",
                "authors": ["bob", "ann", "bob"],
                "tags": ["Alpha", "New Thing", "new thing"],
                "also_read": ["other", "x2"],
            })),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        )
        .unwrap();
        assert_eq!(d.author_ids, ["a2", "a1"]);
        assert_eq!(
            d.tags,
            [
                TagChoice::Existing("t1".into()),
                TagChoice::New {
                    slug: "new-thing".into(),
                    name: "New Thing".into()
                }
            ]
        );
        assert_eq!(d.related_ids, ["x2"]);
        let fields = failing(validate(
            &input(serde_json::json!({
                "headline": "h", "body": "b", "section": "nope",
                "authors": ["nobody"], "also_read": ["missing"], "tags": ["\u{1}"],
            })),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        ));
        assert_eq!(fields, ["section", "authors", "tags", "also_read"]);
    }

    #[test]
    fn a_story_cannot_be_its_own_also_read() {
        let fields = failing(validate(
            &input(serde_json::json!({"also_read": ["self"]})),
            Some(&stored()),
            &names(),
            now(),
            FieldErrors::default(),
        ));
        assert_eq!(fields, ["also_read"]);
    }

    #[test]
    fn publishing_and_scheduling_follow_the_clock() {
        let publish = validate(
            &input(serde_json::json!({"headline": "h", "body": "b", "status": "published"})),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        )
        .unwrap();
        assert_eq!(publish.published_at, Some(now()), "now when omitted");
        let fields = failing(validate(
            &input(
                serde_json::json!({"headline": "h", "body": "b", "status": "scheduled",
                "published_at": "2020-01-01T00:00:00Z"}),
            ),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        ));
        assert_eq!(fields, ["published_at"]);
        let scheduled = validate(
            &input(
                serde_json::json!({"status": "scheduled", "published_at": "2027-01-01T00:00:00Z"}),
            ),
            Some(&stored()),
            &names(),
            now(),
            FieldErrors::default(),
        )
        .unwrap();
        assert_eq!(scheduled.status, STATUS_PUBLISHED);
        let fields = failing(validate(
            &input(serde_json::json!({"published_at": null})),
            Some(&stored()),
            &names(),
            now(),
            FieldErrors::default(),
        ));
        assert_eq!(fields, ["published_at"], "a published story keeps a time");
    }

    #[test]
    fn every_failing_field_is_named_at_once() {
        let fields = failing(validate(
            &input(serde_json::json!({
                "headline": "x".repeat(301), "slug": "Bad Slug", "body": "a\u{0}b",
                "canonical_url": "javascript:alert(1)",
                "featured_image": {"url": "ftp://x/y", "credit": "c".repeat(201)},
                "published_at": "yesterday",
            })),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        ));
        assert_eq!(
            fields,
            [
                "headline",
                "slug",
                "body",
                "canonical_url",
                "featured_image.url",
                "featured_image.credit",
                "published_at"
            ]
        );
    }

    #[test]
    fn urls_are_stored_in_normal_form() {
        let d = validate(
            &input(serde_json::json!({"headline": "h", "body": "b",
                "canonical_url": "https://Example.com/a b"})),
            None,
            &names(),
            now(),
            FieldErrors::default(),
        )
        .unwrap();
        assert_eq!(
            d.canonical_url.as_deref(),
            Some("https://example.com/a%20b")
        );
    }
}
