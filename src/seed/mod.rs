//! Demo content: the Asian Lite News story page (`shared/seed`) and enough
//! around it that every endpoint shows real data.

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;

use crate::content::{self, BodyFormat};
use crate::db::{self, DbConnection};
use crate::models::article::{self, Article, STATUS_ARCHIVED, STATUS_DRAFT, STATUS_PUBLISHED};
use crate::models::author::{self, Author};
use crate::models::section::{self, Section};
use crate::models::tag::{self, Tag};
use crate::models::{new_id, now, truncate_micros};

pub mod bench;

const DEMO: &str = include_str!("demo.json");

#[derive(Deserialize)]
struct Demo {
    sections: Vec<SectionSpec>,
    tags: Vec<TagSpec>,
    authors: Vec<AuthorSpec>,
    articles: Vec<ArticleSpec>,
}

/// A section to create.
#[derive(Debug, Clone, Deserialize)]
pub struct SectionSpec {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i32,
}

/// A tag to create.
#[derive(Debug, Clone, Deserialize)]
pub struct TagSpec {
    pub slug: String,
    pub name: String,
    pub description: String,
}

/// An author to create.
#[derive(Debug, Clone, Deserialize)]
pub struct AuthorSpec {
    pub slug: String,
    pub name: String,
    pub bio: String,
    pub avatar_url: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImageSpec {
    pub url: String,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
}

/// An article to create, naming its section, tags, authors and "Also read"
/// stories by slug.
#[derive(Debug, Clone, Deserialize)]
pub struct ArticleSpec {
    pub slug: String,
    pub headline: String,
    pub standfirst: String,
    pub body: String,
    pub body_format: String,
    pub section: Option<String>,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    pub credit: Option<String>,
    pub canonical_url: Option<String>,
    pub featured_image: Option<ImageSpec>,
    /// draft, published, scheduled (published with a future time) or archived.
    pub status: String,
    /// RFC 3339.
    pub published_at: Option<String>,
    pub also_read: Vec<String>,
}

/// Whether the database has no articles yet.
pub fn is_empty(conn: &mut DbConnection) -> anyhow::Result<bool> {
    Ok(!article::exists_any(conn)?)
}

fn parse_time(raw: &str) -> anyhow::Result<NaiveDateTime> {
    Ok(truncate_micros(
        DateTime::parse_from_rfc3339(raw)
            .with_context(|| format!("date {raw:?}"))?
            .naive_utc(),
    ))
}

pub fn insert_section(conn: &mut DbConnection, spec: &SectionSpec) -> anyhow::Result<Section> {
    let stamp = now();
    let row = Section {
        id: new_id(),
        slug: spec.slug.clone(),
        name: spec.name.clone(),
        description: spec.description.clone(),
        position: spec.position,
        listed: true,
        created_at: stamp,
        updated_at: stamp,
    };
    section::insert(conn, &row)?;
    Ok(row)
}

pub fn insert_tag(conn: &mut DbConnection, spec: &TagSpec) -> anyhow::Result<Tag> {
    let stamp = now();
    let row = Tag {
        id: new_id(),
        slug: spec.slug.clone(),
        name: spec.name.clone(),
        description: spec.description.clone(),
        listed: true,
        created_at: stamp,
        updated_at: stamp,
    };
    tag::insert(conn, &row)?;
    Ok(row)
}

pub fn insert_author(conn: &mut DbConnection, spec: &AuthorSpec) -> anyhow::Result<Author> {
    let stamp = now();
    let row = Author {
        id: new_id(),
        slug: spec.slug.clone(),
        name: spec.name.clone(),
        bio: spec.bio.clone(),
        avatar_url: spec.avatar_url.clone(),
        website: spec.website.clone(),
        email: spec.email.clone(),
        listed: true,
        created_at: stamp,
        updated_at: stamp,
    };
    author::insert(conn, &row)?;
    Ok(row)
}

fn article_id(conn: &mut DbConnection, slug: &str) -> anyhow::Result<String> {
    article::id_for(conn, slug)?.with_context(|| format!("no article has the slug '{slug}'"))
}

/// Inserts an article, resolving the slugs it names (which must exist; its
/// "Also read" stories too, or see [`set_also_read`]).
pub fn insert_article(conn: &mut DbConnection, spec: &ArticleSpec) -> anyhow::Result<Article> {
    let format = BodyFormat::parse(&spec.body_format)
        .with_context(|| format!("body_format {:?}", spec.body_format))?;
    let body = content::prepare_body(&spec.body, format, &content::Budget::standalone())
        .map_err(|r| anyhow::anyhow!("the body of {}: {r:?}", spec.slug))?;
    let published_at = spec.published_at.as_deref().map(parse_time).transpose()?;
    // "scheduled" is a published story whose time has not come.
    let status = match spec.status.as_str() {
        "published" | "scheduled" => STATUS_PUBLISHED,
        "draft" => STATUS_DRAFT,
        "archived" => STATUS_ARCHIVED,
        other => bail!("status {other:?}"),
    };
    let section_id = match &spec.section {
        Some(slug) => Some(
            section::find_by_slug(conn, slug)?
                .with_context(|| format!("no section has the slug '{slug}'"))?
                .id,
        ),
        None => None,
    };
    let mut authors = Vec::new();
    for slug in &spec.authors {
        let found = author::find_by_slug(conn, slug)?
            .with_context(|| format!("no author has the slug '{slug}'"))?;
        authors.push(found.id);
    }
    let mut tags = Vec::new();
    for slug in &spec.tags {
        let found = tag::find_by_slug(conn, slug)?
            .with_context(|| format!("no tag has the slug '{slug}'"))?;
        tags.push(found.id);
    }
    let stamp = now();
    let image = spec.featured_image.as_ref();
    let row = Article {
        id: new_id(),
        slug: spec.slug.clone(),
        headline: spec.headline.clone(),
        standfirst: spec.standfirst.clone(),
        body_html: body.html,
        body_source: spec.body.clone(),
        body_format: format.as_str().into(),
        excerpt: body.excerpt,
        status: status.into(),
        published_at,
        section_id,
        credit: spec.credit.clone(),
        canonical_url: spec.canonical_url.clone(),
        image_url: image.map(|i| i.url.clone()),
        image_alt: image.and_then(|i| i.alt.clone()),
        image_caption: image.and_then(|i| i.caption.clone()),
        image_credit: image.and_then(|i| i.credit.clone()),
        word_count: body.word_count as i32,
        reading_time_minutes: body.reading_time_minutes as i32,
        external_id: None,
        external_owner: String::new(),
        version: 1,
        // Demo and imported stories were written when they were published.
        created_at: published_at.unwrap_or(stamp).min(stamp),
        updated_at: published_at.unwrap_or(stamp).min(stamp),
        created_by: None,
    };
    article::insert(conn, &row, &authors, &tags)?;
    if !spec.also_read.is_empty() {
        set_also_read(conn, &row.slug, &spec.also_read)?;
    }
    Ok(row)
}

/// Sets an article's editor-picked "Also read" stories, by slug.
pub fn set_also_read(
    conn: &mut DbConnection,
    slug: &str,
    also_read: &[String],
) -> anyhow::Result<()> {
    let id = article_id(conn, slug)?;
    let related = also_read
        .iter()
        .map(|s| article_id(conn, s))
        .collect::<anyhow::Result<Vec<_>>>()?;
    article::set_related(conn, &id, &related)?;
    Ok(())
}

/// Loads the demo content in one transaction; answers the number of stories.
/// Refuses when any demo slug is already taken, so it never half-loads.
pub fn load_demo(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let demo: Demo = serde_json::from_str(DEMO).context("parsing the demo content")?;
    db::write_transaction(conn, |conn| {
        for spec in &demo.sections {
            insert_section(conn, spec)?;
        }
        for spec in &demo.tags {
            insert_tag(conn, spec)?;
        }
        for spec in &demo.authors {
            insert_author(conn, spec)?;
        }
        // "Also read" links point both ways, so they go in once all exist.
        for spec in &demo.articles {
            insert_article(
                conn,
                &ArticleSpec {
                    also_read: Vec::new(),
                    ..spec.clone()
                },
            )?;
        }
        for spec in &demo.articles {
            set_also_read(conn, &spec.slug, &spec.also_read)?;
        }
        Ok(demo.articles.len())
    })
}
