//! An article as a write leaves it (`Draft`), what it starts from
//! (`Current`) and what its slugs name (`Names`).

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::content::BodyFormat;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::article::{
    self, Article, STATUS_ARCHIVED, STATUS_DRAFT, STATUS_PUBLISHED, STATUS_WITHDRAWN,
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
    /// The story `translation_of` names, as (id, translation group), when
    /// the caller may link to it.
    pub translation: Option<(String, Option<String>)>,
    /// The site's language: a story's when it names none.
    pub site_language: String,
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
    /// One of the stored statuses: draft, published, archived or
    /// withdrawn.
    pub status: &'static str,
    pub published_at: Option<NaiveDateTime>,
    /// A normalized BCP 47 tag.
    pub language: String,
    pub embargoed_until: Option<NaiveDateTime>,
    pub translation_group: Option<String>,
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
            language: String::new(),
            embargoed_until: None,
            translation_group: None,
        }
    }
}

pub(super) fn stored_status(status: &str) -> &'static str {
    match status {
        STATUS_PUBLISHED => STATUS_PUBLISHED,
        STATUS_ARCHIVED => STATUS_ARCHIVED,
        STATUS_WITHDRAWN => STATUS_WITHDRAWN,
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
            language: a.language.clone().unwrap_or_default(),
            embargoed_until: a.embargoed_until,
            translation_group: a.translation_group.clone(),
        }
    }

    /// Whether the body must be rendered again to store this draft.
    pub fn needs_render(&self, before: Option<&Draft>) -> bool {
        before.is_none_or(|b| b.body != self.body || b.body_format != self.body_format)
    }
}
