//! Demo content: the Asian Lite News story page (`shared/seed`) and enough
//! around it that every endpoint shows real data.

use std::collections::HashMap;

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

const DEMO: &str = include_str!("demo.json");

#[derive(Deserialize)]
struct Demo {
    sections: Vec<DemoSection>,
    tags: Vec<DemoTag>,
    authors: Vec<DemoAuthor>,
    articles: Vec<DemoArticle>,
}

#[derive(Deserialize)]
struct DemoSection {
    slug: String,
    name: String,
    description: String,
    position: i32,
}

#[derive(Deserialize)]
struct DemoTag {
    slug: String,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct DemoAuthor {
    slug: String,
    name: String,
    bio: String,
    avatar_url: Option<String>,
    website: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct DemoImage {
    url: String,
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
}

#[derive(Deserialize)]
struct DemoArticle {
    slug: String,
    headline: String,
    standfirst: String,
    body: String,
    body_format: String,
    section: String,
    tags: Vec<String>,
    authors: Vec<String>,
    credit: Option<String>,
    canonical_url: Option<String>,
    featured_image: Option<DemoImage>,
    status: String,
    published_at: Option<String>,
    also_read: Vec<String>,
}

/// Whether the database has no articles yet.
pub fn is_empty(conn: &mut DbConnection) -> anyhow::Result<bool> {
    Ok(!article::exists_any(conn)?)
}

fn lookup<'a>(ids: &'a HashMap<String, String>, kind: &str, slug: &str) -> anyhow::Result<&'a String> {
    ids.get(slug)
        .with_context(|| format!("demo content names an unknown {kind} '{slug}'"))
}

fn parse_time(raw: &str) -> anyhow::Result<NaiveDateTime> {
    Ok(truncate_micros(
        DateTime::parse_from_rfc3339(raw)
            .with_context(|| format!("demo date {raw:?}"))?
            .naive_utc(),
    ))
}

/// Loads the demo content in one transaction; answers the number of stories.
/// Refuses when any demo slug is already taken, so it never half-loads.
pub fn load_demo(conn: &mut DbConnection) -> anyhow::Result<usize> {
    let demo: Demo = serde_json::from_str(DEMO).context("parsing the demo content")?;
    db::write_transaction(conn, |conn| {
        let stamp = now();
        let mut section_ids = HashMap::new();
        for s in &demo.sections {
            let row = Section {
                id: new_id(),
                slug: s.slug.clone(),
                name: s.name.clone(),
                description: s.description.clone(),
                position: s.position,
                created_at: stamp,
                updated_at: stamp,
            };
            section::insert(conn, &row)?;
            section_ids.insert(row.slug, row.id);
        }
        let mut tag_ids = HashMap::new();
        for t in &demo.tags {
            let row = Tag {
                id: new_id(),
                slug: t.slug.clone(),
                name: t.name.clone(),
                description: t.description.clone(),
                created_at: stamp,
                updated_at: stamp,
            };
            tag::insert(conn, &row)?;
            tag_ids.insert(row.slug, row.id);
        }
        let mut author_ids = HashMap::new();
        for a in &demo.authors {
            let row = Author {
                id: new_id(),
                slug: a.slug.clone(),
                name: a.name.clone(),
                bio: a.bio.clone(),
                avatar_url: a.avatar_url.clone(),
                website: a.website.clone(),
                email: a.email.clone(),
                created_at: stamp,
                updated_at: stamp,
            };
            author::insert(conn, &row)?;
            author_ids.insert(row.slug, row.id);
        }
        let mut article_ids = HashMap::new();
        for a in &demo.articles {
            let format = BodyFormat::parse(&a.body_format)
                .with_context(|| format!("demo body_format {:?}", a.body_format))?;
            let body = content::prepare_body(&a.body, format);
            let published_at = a.published_at.as_deref().map(parse_time).transpose()?;
            // "scheduled" is a published story whose time has not come.
            let status = match a.status.as_str() {
                "published" | "scheduled" => STATUS_PUBLISHED,
                "draft" => STATUS_DRAFT,
                "archived" => STATUS_ARCHIVED,
                other => bail!("demo status {other:?}"),
            };
            let image = a.featured_image.as_ref();
            let row = Article {
                id: new_id(),
                slug: a.slug.clone(),
                headline: a.headline.clone(),
                standfirst: a.standfirst.clone(),
                body_html: body.html,
                body_source: a.body.clone(),
                body_format: format.as_str().into(),
                excerpt: body.excerpt,
                status: status.into(),
                published_at,
                section_id: Some(lookup(&section_ids, "section", &a.section)?.clone()),
                credit: a.credit.clone(),
                canonical_url: a.canonical_url.clone(),
                image_url: image.map(|i| i.url.clone()),
                image_alt: image.and_then(|i| i.alt.clone()),
                image_caption: image.and_then(|i| i.caption.clone()),
                image_credit: image.and_then(|i| i.credit.clone()),
                word_count: body.word_count as i32,
                reading_time_minutes: body.reading_time_minutes as i32,
                external_id: None,
                version: 1,
                created_at: published_at.unwrap_or(stamp).min(stamp),
                updated_at: published_at.unwrap_or(stamp).min(stamp),
            };
            let authors = a
                .authors
                .iter()
                .map(|s| lookup(&author_ids, "author", s).cloned())
                .collect::<anyhow::Result<Vec<_>>>()?;
            let tags = a
                .tags
                .iter()
                .map(|s| lookup(&tag_ids, "tag", s).cloned())
                .collect::<anyhow::Result<Vec<_>>>()?;
            article::insert(conn, &row, &authors, &tags)?;
            article_ids.insert(row.slug, row.id);
        }
        for a in &demo.articles {
            let related = a
                .also_read
                .iter()
                .map(|s| lookup(&article_ids, "article", s).cloned())
                .collect::<anyhow::Result<Vec<_>>>()?;
            article::set_related(conn, &article_ids[&a.slug], &related)?;
        }
        Ok(demo.articles.len())
    })
}
