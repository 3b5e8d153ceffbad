//! Demo content: the Asian Lite News story page (`shared/seed`) and enough
//! around it that every endpoint shows real data. Everything is made the
//! way the API makes it: sections, tags and authors by their kind's
//! constructor, stories through the article write path's checks.

use anyhow::{bail, Context};
use chrono::{DateTime, NaiveDateTime};
use serde::Deserialize;

use crate::auth::{AuthUser, Role};
use crate::config::Site;
use crate::db::DbConnection;
use crate::editorial::{write, ArticleInput, FormatInput, ImageInput, StatusInput};
use crate::error::ApiError;
use crate::models::article::{self, Article};
use crate::models::{now, truncate_micros};
use crate::taxonomy::{named, AuthorInput, Authors, Kind, SectionInput, Sections, TagInput, Tags};
use crate::validation::FieldErrors;

pub mod bench;
mod words;

const DEMO: &str = include_str!("demo.json");

#[derive(Deserialize)]
struct Demo {
    sections: Vec<SectionInput>,
    tags: Vec<TagInput>,
    authors: Vec<AuthorInput>,
    articles: Vec<ArticleSpec>,
}

/// An article to load, naming its section, tags, authors and "Also read"
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
    pub featured_image: Option<ImageInput>,
    /// draft, published, scheduled (published with a future time) or archived.
    pub status: String,
    /// RFC 3339.
    pub published_at: Option<String>,
    pub also_read: Vec<String>,
    /// BCP 47; the site's when absent.
    #[serde(default)]
    pub language: Option<String>,
    /// RFC 3339.
    #[serde(default)]
    pub embargoed_until: Option<String>,
    /// The slug of the story this one translates (inserted before it).
    #[serde(default)]
    pub translation_of: Option<String>,
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

/// A refusal as an error message, with each failing field.
fn described(what: &str, error: ApiError) -> anyhow::Error {
    let problem = error.problem();
    let fields: Vec<String> = problem
        .errors
        .unwrap_or_default()
        .into_iter()
        .map(|f| format!("{}: {}", f.field, f.message))
        .collect();
    anyhow::anyhow!("{what}: {} {}", problem.detail, fields.join("; "))
}

/// Who loads content: an admin that is nobody's author.
fn loader() -> AuthUser {
    AuthUser {
        principal: "system:seed".into(),
        name: "Content loader".into(),
        role: Role::Admin,
        author_id: None,
    }
}

/// Inserts a section, tag or author, made by its kind's constructor.
pub fn insert<K: Kind>(conn: &mut DbConnection, input: &K::Input) -> anyhow::Result<K::Row> {
    let mut e = FieldErrors::default();
    let row = K::new_row(input, named(K::naming(input), &mut e, now()), &mut e);
    e.finish().map_err(|err| described(K::NAME, err))?;
    K::insert(conn, &row)?;
    Ok(row)
}

/// Inserts an article through the write path's checks, stamped with its
/// publish time (as though written then), resolving the slugs it names
/// (its "Also read" stories must exist already; see [`set_also_read`]).
pub fn insert_article(
    conn: &mut DbConnection,
    site: &Site,
    spec: &ArticleSpec,
) -> anyhow::Result<Article> {
    let published_at = spec.published_at.as_deref().map(parse_time).transpose()?;
    // "scheduled" is a published story whose time has not come.
    let status = match spec.status.as_str() {
        "published" | "scheduled" => StatusInput::Published,
        "draft" => StatusInput::Draft,
        "archived" => StatusInput::Archived,
        other => bail!("status {other:?}"),
    };
    let input = ArticleInput {
        headline: Some(spec.headline.clone()),
        slug: Some(spec.slug.clone()),
        standfirst: Some(spec.standfirst.clone()),
        body: Some(spec.body.clone()),
        body_format: Some(match spec.body_format.as_str() {
            "markdown" => FormatInput::Markdown,
            _ => FormatInput::Html,
        }),
        section: Some(spec.section.clone()),
        tags: Some(spec.tags.clone()),
        authors: Some(spec.authors.clone()),
        credit: Some(spec.credit.clone()),
        canonical_url: Some(spec.canonical_url.clone()),
        featured_image: Some(spec.featured_image.clone()),
        also_read: None,
        status: Some(status),
        published_at: Some(spec.published_at.clone()),
        external_id: None,
        language: spec.language.clone().map(Some),
        embargoed_until: spec.embargoed_until.clone().map(Some),
        translation_of: spec.translation_of.clone().map(Some),
    };
    let stamp = published_at.unwrap_or_else(now).min(now());
    let written = write::create_now(conn, site, &loader(), &input, stamp)
        .map_err(|e| described(&spec.slug, e))?;
    if !spec.also_read.is_empty() {
        set_also_read(conn, &spec.slug, &spec.also_read)?;
    }
    Ok(written.article)
}

fn article_id(conn: &mut DbConnection, slug: &str) -> anyhow::Result<String> {
    article::id_for(conn, slug)?.with_context(|| format!("no article has the slug '{slug}'"))
}

/// Sets an article's editor-picked "Also read" stories, by slug.
pub fn set_also_read(
    conn: &mut DbConnection,
    slug: &str,
    also_read: &[String],
) -> anyhow::Result<()> {
    let id = article_id(conn, slug)?;
    let found: std::collections::HashMap<String, String> = article::ids_and_slugs(conn, also_read)?
        .into_iter()
        .map(|(id, slug)| (slug, id))
        .collect();
    let related = also_read
        .iter()
        .map(|s| {
            found
                .get(s)
                .cloned()
                .with_context(|| format!("no article has the slug '{s}'"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    article::set_related(conn, &id, &related)?;
    Ok(())
}

/// Loads the demo content in one transaction; answers the number of stories.
/// Refuses when any demo slug is already taken, so it never half-loads.
/// `site` names the stories' reader-facing addresses in their events.
pub fn load_demo(conn: &mut DbConnection, site: &Site) -> anyhow::Result<usize> {
    let demo: Demo = serde_json::from_str(DEMO).context("parsing the demo content")?;
    crate::events::transaction(conn, |conn| {
        for input in &demo.sections {
            insert::<Sections>(conn, input)?;
        }
        for input in &demo.tags {
            insert::<Tags>(conn, input)?;
        }
        for input in &demo.authors {
            insert::<Authors>(conn, input)?;
        }
        // "Also read" links point both ways, so they go in once all exist.
        for spec in &demo.articles {
            insert_article(
                conn,
                site,
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
    .map(|(stories, _)| stories)
}
