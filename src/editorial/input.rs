//! The article write body, and the article as the newsroom sees it.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::Site;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::article::{Article, STATUS_ARCHIVED, STATUS_PUBLISHED, STATUS_WITHDRAWN};
use crate::models::{author, now, section, tag};
use crate::validation::nullable;
use crate::views::{self, ArticleStatus, AuthorRef, FeaturedImage, Locate, SectionRef, TagRef};

use super::draft::Current;

/// The longest headline, in characters.
pub const MAX_HEADLINE: usize = 300;
pub const MAX_STANDFIRST: usize = 1000;
pub const MAX_CREDIT: usize = 200;
pub const MAX_IMAGE_TEXT: usize = 1000;
pub const MAX_EXTERNAL_ID: usize = 200;
pub const MAX_TAG_NAME: usize = 100;
pub const MAX_TAGS: usize = 30;
pub const MAX_AUTHORS: usize = 20;
pub const MAX_ALSO_READ: usize = 20;

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
    #[schema(example = "https://example.com/images/story.jpg", max_length = 2000)]
    pub url: String,
    #[schema(max_length = 1000)]
    pub alt: Option<String>,
    #[schema(max_length = 1000)]
    pub caption: Option<String>,
    #[schema(max_length = 200)]
    pub credit: Option<String>,
}

/// An article as a newsroom tool writes it, with the read side's names.
/// On PATCH every member is optional and `null` clears a nullable one.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ArticleInput {
    /// Required to create.
    #[schema(
        example = "Mexico offers Assange political asylum",
        min_length = 1,
        max_length = 300
    )]
    pub headline: Option<String>,
    /// Generated from the headline when omitted, and made unique.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "mexico-offers-assange-political-asylum",
        max_length = 120
    )]
    pub slug: Option<String>,
    #[schema(max_length = 1000)]
    pub standfirst: Option<String>,
    /// Required to create. HTML is sanitized; Markdown is rendered, then
    /// sanitized. At most 100 elements deep and 100,000 elements (counting
    /// the formatting elements an HTML parser reopens), within a bounded
    /// parse; past that the body is refused (422).
    #[schema(
        example = "<p>Mexican President Andres Manuel Lopez Obrador has offered…</p>",
        min_length = 1
    )]
    pub body: Option<String>,
    /// `html` (default) or `markdown`.
    pub body_format: Option<FormatInput>,
    /// The section's slug.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "top-news")]
    pub section: Option<Option<String>>,
    /// Tag slugs or names; tags not seen before are created from their
    /// names, unlisted: they become public with the first public story.
    #[schema(example = json!(["julian-assange", "Mexico"]), max_items = 30)]
    pub tags: Option<Vec<String>>,
    /// Author slugs, in byline order. Below the editor role a caller may
    /// add only their own linked profile.
    #[schema(example = json!(["news-desk"]), max_items = 20)]
    pub authors: Option<Vec<String>>,
    /// The source line, such as "Asian Lite News".
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub credit: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2000)]
    pub canonical_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<ImageInput>)]
    pub featured_image: Option<Option<ImageInput>>,
    /// "Also read": slugs of other articles, in order.
    #[schema(max_items = 20)]
    pub also_read: Option<Vec<String>>,
    /// Default `draft`. Publishing needs the author role (own stories) or editor.
    pub status: Option<StatusInput>,
    /// RFC 3339. Defaults to now when publishing.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub published_at: Option<Option<String>>,
    /// The story's id in the sending system. External ids belong to the
    /// caller that sets them: unique per caller, invisible to others'
    /// upserts.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub external_id: Option<Option<String>>,
    /// The story's language as a BCP 47 tag, such as `en-GB` or `fr`;
    /// the site's language when omitted or null.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "en-GB", max_length = 35)]
    pub language: Option<Option<String>>,
    /// RFC 3339. Until then only partners (and the newsroom) may read it;
    /// a published story goes public at the later of `published_at` and
    /// this time. Null lifts it.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub embargoed_until: Option<Option<String>>,
    /// The slug or id of a story this one translates: it joins that
    /// story's translations. Null leaves them.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, example = "mexico-offers-assange-political-asylum")]
    pub translation_of: Option<Option<String>>,
}

/// An article as the newsroom sees it: every field, any status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EditorialArticle {
    pub id: String,
    pub slug: String,
    /// Where readers will find it: its canonical URL, or the site's story
    /// address for it.
    pub url: String,
    pub headline: String,
    pub standfirst: String,
    /// The body as submitted.
    pub body: String,
    pub body_format: FormatInput,
    /// The body as stored and served: sanitized HTML.
    pub body_html: String,
    pub excerpt: String,
    pub status: ArticleStatus,
    #[schema(required, format = DateTime)]
    pub published_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(required)]
    pub section: Option<SectionRef>,
    pub authors: Vec<AuthorRef>,
    pub tags: Vec<TagRef>,
    #[schema(required)]
    pub credit: Option<String>,
    #[schema(required)]
    pub canonical_url: Option<String>,
    #[schema(required)]
    pub featured_image: Option<FeaturedImage>,
    /// Slugs of the picked "Also read" articles.
    pub also_read: Vec<String>,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    /// The sender's id for it (it belongs to the sender).
    #[schema(required)]
    pub external_id: Option<String>,
    /// Increases with every change; the ETag is `"v<version>"`.
    pub version: i32,
    /// Its BCP 47 language tag.
    #[schema(example = "en-GB")]
    pub language: String,
    /// Until then only partners and the newsroom may read it.
    #[schema(required, format = DateTime)]
    pub embargoed_until: Option<String>,
    /// The public stories that translate it.
    pub translations: Vec<views::TranslationLink>,
    /// Set while it is withdrawn.
    #[schema(required)]
    pub withdrawal: Option<WithdrawalView>,
}

/// Why and how a story was withdrawn, as the newsroom sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WithdrawalView {
    /// What readers are told: the detail of the 410 answer.
    #[schema(example = "This story has been withdrawn for legal reasons.")]
    pub notice: String,
    /// The newsroom's internal reason: never in any public answer.
    #[schema(example = "Injunction served 2021-01-06; see legal ticket 4411.")]
    pub reason: String,
    #[schema(format = DateTime)]
    pub withdrawn_at: String,
}

/// The status a person sees: a published story whose time is still to come
/// is scheduled.
pub fn shown_status(article: &Article, now: NaiveDateTime) -> ArticleStatus {
    if article.under_embargo(now) {
        return ArticleStatus::Embargoed;
    }
    status_of(&article.status, article.published_at, now)
}

/// The state a stored status and publish time show at `now`.
pub fn status_of(
    status: &str,
    published_at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> ArticleStatus {
    match status {
        STATUS_PUBLISHED if published_at.is_some_and(|t| t > now) => ArticleStatus::Scheduled,
        STATUS_PUBLISHED => ArticleStatus::Published,
        STATUS_ARCHIVED => ArticleStatus::Archived,
        STATUS_WITHDRAWN => ArticleStatus::Withdrawn,
        _ => ArticleStatus::Draft,
    }
}

/// The newsroom view of a stored article.
pub fn editorial_view(
    conn: &mut DbConnection,
    site: &Site,
    article: Article,
) -> Result<EditorialArticle, ApiError> {
    let current = Current::load(conn, article)?;
    let section = match &current.article.section_id {
        Some(id) => section::find_by_ids(conn, std::slice::from_ref(id))?
            .into_iter()
            .next()
            .map(|s| SectionRef {
                url: String::new(),
                slug: s.slug,
                name: s.name,
            }),
        None => None,
    };
    let authors = author::bylines_of(conn, std::slice::from_ref(&current.article.id))?
        .into_iter()
        .map(|(_, b)| AuthorRef {
            url: String::new(),
            slug: b.slug,
            name: b.name,
            avatar_url: b.avatar_url,
        })
        .collect();
    let tags = tag::of_article(conn, &current.article.id)?
        .into_iter()
        .map(|t| TagRef {
            url: String::new(),
            slug: t.slug,
            name: t.name,
        })
        .collect();
    let also_read = crate::models::article::slugs_of(conn, &current.related_ids)?;
    let withdrawal = crate::models::withdrawal::find(conn, &current.article.id)?
        .filter(|_| current.article.status == STATUS_WITHDRAWN)
        .map(|w| WithdrawalView {
            notice: w.notice,
            reason: w.reason,
            withdrawn_at: views::timestamp(w.withdrawn_at),
        });
    let mut translations = views::translations(conn, &current.article, now())?;
    translations.locate(site);
    let a = current.article;
    let mut section = section;
    let mut authors: Vec<AuthorRef> = authors;
    let mut tags: Vec<TagRef> = tags;
    section.locate(site);
    authors.locate(site);
    tags.locate(site);
    let url = site.story(
        &a.slug,
        &a.id,
        section.as_ref().map(|s| s.slug.as_str()),
        a.canonical_url.as_deref(),
    );
    Ok(EditorialArticle {
        url,
        status: shown_status(&a, now()),
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
        language: a.language.unwrap_or_default(),
        embargoed_until: a.embargoed_until.map(views::timestamp),
        translations,
        withdrawal,
    })
}
