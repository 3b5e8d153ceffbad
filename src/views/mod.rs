//! The public representations of content, and the loaders that assemble them
//! from the models with a fixed number of queries per response (no N+1).

mod load;
pub use load::*;

use chrono::{NaiveDateTime, SecondsFormat};
use serde::Serialize;
use utoipa::ToSchema;

use crate::config::Site;
use crate::models::author::Author;
use crate::models::section::Section;
use crate::models::tag::Tag;

/// How many "Also read" stories to derive when none are picked.
pub const ALSO_READ_FALLBACK: usize = 3;

/// A UTC time as RFC 3339 with a `Z`, to the second.
pub fn timestamp(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where a story stands in its life: a draft; scheduled (published with a
/// time still to come); embargoed (scheduled, and partners may read it
/// until its embargo ends); published; archived (taken off the public
/// quietly: 404); or withdrawn (killed: 410 with a public notice).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Embargoed,
    Published,
    Archived,
    Withdrawn,
}

/// A section, as articles name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionRef {
    #[schema(example = "top-news")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/top-news")]
    pub url: String,
    #[schema(example = "Top News")]
    pub name: String,
}

/// A tag, as articles name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagRef {
    #[schema(example = "julian-assange")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/tag/julian-assange")]
    pub url: String,
    #[schema(example = "Julian Assange")]
    pub name: String,
}

/// An author, as a byline shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorRef {
    #[schema(example = "news-desk")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/author/news-desk")]
    pub url: String,
    #[schema(example = "News Desk")]
    pub name: String,
    #[schema(required, example = "https://example.com/avatars/news-desk.png")]
    pub avatar_url: Option<String>,
}

/// The picture at the top of a story.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeaturedImage {
    #[schema(example = "https://example.com/images/assange.jpg")]
    pub url: String,
    #[schema(required, example = "Julian Assange")]
    pub alt: Option<String>,
    #[schema(required)]
    pub caption: Option<String>,
    #[schema(required, example = "Asian Lite News")]
    pub credit: Option<String>,
}

/// A story in a list: everything a card or a "latest" block shows, no body.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleSummary {
    #[schema(example = "0b6f3e8a-6a0c-4a59-9d4e-0f0c1f1e2d3c")]
    pub id: String,
    #[schema(example = "mexico-offers-assange-political-asylum")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/top-news/mexico-offers-assange-political-asylum")]
    pub url: String,
    /// Its canonical URL, which overrides the template in `url`.
    #[serde(skip)]
    pub canonical_url: Option<String>,
    #[schema(example = "Mexico offers Assange political asylum")]
    pub headline: String,
    /// The dek: one or two sentences under the headline.
    pub standfirst: String,
    /// The opening of the body as plain text.
    pub excerpt: String,
    /// Always set on public answers; null only for an undated draft in a
    /// newsroom listing.
    #[schema(required, format = DateTime, example = "2021-01-05T09:30:00Z")]
    pub published_at: Option<String>,
    #[schema(required)]
    pub section: Option<SectionRef>,
    pub authors: Vec<AuthorRef>,
    #[schema(required)]
    pub featured_image: Option<FeaturedImage>,
    #[schema(example = 2)]
    pub reading_time_minutes: i32,
    /// Its BCP 47 language tag.
    #[schema(example = "en-GB")]
    pub language: String,
}

/// A neighbouring story, for Previous Story / Next Story links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleLink {
    pub id: String,
    #[schema(example = "germany-surpasses-2020-climate-target")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/top-news/germany-surpasses-2020-climate-target")]
    pub url: String,
    /// Its canonical URL, which overrides the template in `url`.
    #[serde(skip)]
    pub canonical_url: Option<String>,
    /// Its section's slug, for `url`.
    #[serde(skip)]
    pub section_slug: Option<String>,
    #[schema(example = "Germany surpasses 2020 climate target")]
    pub headline: String,
    #[schema(format = DateTime, example = "2021-01-05T07:00:00Z")]
    pub published_at: String,
}

/// Another language's version of a story.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TranslationLink {
    /// Its BCP 47 language tag.
    #[schema(example = "fr")]
    pub language: String,
    #[schema(example = "le-mexique-offre-l-asile-a-assange")]
    pub slug: String,
    /// The reader-facing address of that version.
    pub url: String,
    #[serde(skip)]
    pub id: String,
    #[serde(skip)]
    pub canonical_url: Option<String>,
    #[serde(skip)]
    pub section_slug: Option<String>,
}

/// A correction to a published story, as the public reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CorrectionView {
    #[schema(example = "0c1d7a64-9a0e-4c7e-9c52-3f6f1b0e9a11")]
    pub id: String,
    /// What was wrong and what is right, in the newsroom's words.
    #[schema(example = "An earlier version of this story gave the wrong date for the hearing.")]
    pub text: String,
    #[schema(format = DateTime, example = "2021-01-05T12:00:00Z")]
    pub corrected_at: String,
    /// The earlier correction this one amends, if any.
    #[schema(required)]
    pub amends: Option<String>,
}

impl From<crate::models::correction::Correction> for CorrectionView {
    fn from(c: crate::models::correction::Correction) -> Self {
        CorrectionView {
            id: c.id,
            text: c.text,
            corrected_at: timestamp(c.created_at),
            amends: c.amends,
        }
    }
}

/// A whole story, as a story page renders it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleDetail {
    pub id: String,
    #[schema(example = "mexico-offers-assange-political-asylum")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/top-news/mexico-offers-assange-political-asylum")]
    pub url: String,
    #[schema(example = "Mexico offers Assange political asylum")]
    pub headline: String,
    /// The dek: one or two sentences under the headline.
    pub standfirst: String,
    /// The body as sanitized HTML, safe to insert into a page.
    #[schema(
        example = "<p>Mexican President Andres Manuel Lopez Obrador has offered political asylum…</p>"
    )]
    pub body_html: String,
    /// The opening of the body as plain text.
    pub excerpt: String,
    /// Always set on public answers; null only in a preview of an undated draft.
    #[schema(required, format = DateTime, example = "2021-01-05T09:30:00Z")]
    pub published_at: Option<String>,
    #[schema(format = DateTime, example = "2021-01-05T09:30:00Z")]
    pub updated_at: String,
    #[schema(required)]
    pub section: Option<SectionRef>,
    pub authors: Vec<AuthorRef>,
    pub tags: Vec<TagRef>,
    /// The source line, such as "Asian Lite News" or "Xinhua".
    #[schema(required, example = "Asian Lite News")]
    pub credit: Option<String>,
    #[schema(required)]
    pub canonical_url: Option<String>,
    #[schema(required)]
    pub featured_image: Option<FeaturedImage>,
    #[schema(example = 341)]
    pub word_count: i32,
    #[schema(example = 2)]
    pub reading_time_minutes: i32,
    /// Corrections published with it, oldest first. None is ever edited or
    /// silently removed.
    pub corrections: Vec<CorrectionView>,
    /// When it was last corrected; null if never.
    #[schema(required, format = DateTime, example = "2021-01-05T12:00:00Z")]
    pub corrected_at: Option<String>,
    /// Its BCP 47 language tag (the site's unless the newsroom set one).
    #[schema(example = "en-GB")]
    pub language: String,
    /// Set when partners could read it before the public: the time its
    /// embargo ended (public answers), or ends (a partner's or the
    /// newsroom's answer, with `status` embargoed).
    #[schema(required, format = DateTime)]
    pub embargoed_until: Option<String>,
    /// The same story in other languages (those the caller may read).
    pub translations: Vec<TranslationLink>,
    /// "Also read": the editors' picks, or else the newest stories sharing
    /// its tags, then its section.
    pub also_read: Vec<ArticleSummary>,
    /// The story published just before it in its section (null at the start).
    #[schema(required)]
    pub previous: Option<ArticleLink>,
    /// The story published just after it in its section (null at the end).
    #[schema(required)]
    pub next: Option<ArticleLink>,
    /// Only in a preview (with a token): the story's state.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub status: Option<ArticleStatus>,
    /// Only in a preview (with a token): the version PATCH's If-Match names.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub version: Option<i32>,
}

/// A section of the publication.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionView {
    #[schema(example = "top-news")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/top-news")]
    pub url: String,
    #[schema(example = "Top News")]
    pub name: String,
    pub description: String,
    /// Its place in the site's navigation, lowest first.
    #[schema(example = 1)]
    pub position: i32,
}

impl From<Section> for SectionView {
    fn from(s: Section) -> Self {
        SectionView {
            url: String::new(),
            slug: s.slug,
            name: s.name,
            description: s.description,
            position: s.position,
        }
    }
}

/// A tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagView {
    #[schema(example = "julian-assange")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/tag/julian-assange")]
    pub url: String,
    #[schema(example = "Julian Assange")]
    pub name: String,
    pub description: String,
}

impl From<Tag> for TagView {
    fn from(t: Tag) -> Self {
        TagView {
            url: String::new(),
            slug: t.slug,
            name: t.name,
            description: t.description,
        }
    }
}

/// An author's public profile. Their email address is never shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorView {
    #[schema(example = "news-desk")]
    pub slug: String,
    /// The reader-facing address: the frontend's page for it, from the
    /// site's URL templates (a story's `canonical_url` overrides them).
    #[schema(example = "https://www.example.com/author/news-desk")]
    pub url: String,
    #[schema(example = "News Desk")]
    pub name: String,
    pub bio: String,
    #[schema(required)]
    pub avatar_url: Option<String>,
    #[schema(required)]
    pub website: Option<String>,
}

impl From<Author> for AuthorView {
    fn from(a: Author) -> Self {
        AuthorView {
            url: String::new(),
            slug: a.slug,
            name: a.name,
            bio: a.bio,
            avatar_url: a.avatar_url,
            website: a.website,
        }
    }
}

/// Fills in the reader-facing `url` of a view and of every view inside it.
/// The loaders leave `url` empty (they know no site); every handler that
/// answers with a view locates it first.
pub trait Locate {
    fn locate(&mut self, site: &Site);
}

impl<T: Locate> Locate for Vec<T> {
    fn locate(&mut self, site: &Site) {
        for item in self {
            item.locate(site);
        }
    }
}

impl<T: Locate> Locate for Option<T> {
    fn locate(&mut self, site: &Site) {
        if let Some(item) = self {
            item.locate(site);
        }
    }
}

macro_rules! locate_by_slug {
    ($($view:ty => $page:ident),* $(,)?) => {
        $(impl Locate for $view {
            fn locate(&mut self, site: &Site) {
                self.url = site.$page(&self.slug);
            }
        })*
    };
}

locate_by_slug!(
    SectionRef => section,
    TagRef => tag,
    AuthorRef => author,
    SectionView => section,
    TagView => tag,
    AuthorView => author,
);

impl Locate for ArticleSummary {
    fn locate(&mut self, site: &Site) {
        self.section.locate(site);
        self.authors.locate(site);
        let section = self.section.as_ref().map(|s| s.slug.as_str());
        self.url = site.story(&self.slug, &self.id, section, self.canonical_url.as_deref());
    }
}

impl Locate for TranslationLink {
    fn locate(&mut self, site: &Site) {
        self.url = site.story(
            &self.slug,
            &self.id,
            self.section_slug.as_deref(),
            self.canonical_url.as_deref(),
        );
    }
}

impl Locate for ArticleLink {
    fn locate(&mut self, site: &Site) {
        self.url = site.story(
            &self.slug,
            &self.id,
            self.section_slug.as_deref(),
            self.canonical_url.as_deref(),
        );
    }
}

impl Locate for ArticleDetail {
    fn locate(&mut self, site: &Site) {
        self.section.locate(site);
        self.authors.locate(site);
        self.tags.locate(site);
        self.also_read.locate(site);
        self.previous.locate(site);
        self.next.locate(site);
        self.translations.locate(site);
        let section = self.section.as_ref().map(|s| s.slug.as_str());
        self.url = site.story(&self.slug, &self.id, section, self.canonical_url.as_deref());
    }
}
