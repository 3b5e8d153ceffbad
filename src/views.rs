//! The public representations of content, and the loaders that assemble them
//! from the models with a fixed number of queries per response (no N+1).

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDateTime, SecondsFormat};
use diesel::QueryResult;
use serde::Serialize;
use utoipa::ToSchema;

use crate::db::DbConnection;
use crate::models::article::{self, Article, SummaryRow};
use crate::models::author::{self, Author, Byline};
use crate::models::feed::{self, Feed, PageQuery, Position};
use crate::models::section::{self, Section};
use crate::models::tag::{self, Tag};

/// How many "Also read" stories to derive when none are picked.
pub const ALSO_READ_FALLBACK: usize = 3;

/// A UTC time as RFC 3339 with a `Z`, to the second.
pub fn timestamp(t: NaiveDateTime) -> String {
    t.and_utc().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Where a story stands in its life: a draft, scheduled (published with a
/// time still to come), published, or archived (withdrawn from the public).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Archived,
}

/// A section, as articles name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectionRef {
    #[schema(example = "top-news")]
    pub slug: String,
    #[schema(example = "Top News")]
    pub name: String,
}

/// A tag, as articles name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagRef {
    #[schema(example = "julian-assange")]
    pub slug: String,
    #[schema(example = "Julian Assange")]
    pub name: String,
}

/// An author, as a byline shows them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuthorRef {
    #[schema(example = "news-desk")]
    pub slug: String,
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
}

/// A neighbouring story, for Previous Story / Next Story links.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleLink {
    pub id: String,
    #[schema(example = "germany-surpasses-2020-climate-target")]
    pub slug: String,
    #[schema(example = "Germany surpasses 2020 climate target")]
    pub headline: String,
    #[schema(format = DateTime, example = "2021-01-05T07:00:00Z")]
    pub published_at: String,
}

/// A whole story, as a story page renders it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ArticleDetail {
    pub id: String,
    #[schema(example = "mexico-offers-assange-political-asylum")]
    pub slug: String,
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
    #[schema(example = "Julian Assange")]
    pub name: String,
    pub description: String,
}

impl From<Tag> for TagView {
    fn from(t: Tag) -> Self {
        TagView {
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
            slug: a.slug,
            name: a.name,
            bio: a.bio,
            avatar_url: a.avatar_url,
            website: a.website,
        }
    }
}

fn featured_image(
    url: Option<String>,
    alt: Option<String>,
    caption: Option<String>,
    credit: Option<String>,
) -> Option<FeaturedImage> {
    url.map(|url| FeaturedImage {
        url,
        alt,
        caption,
        credit,
    })
}

fn section_refs(
    conn: &mut DbConnection,
    ids: &[String],
) -> QueryResult<HashMap<String, SectionRef>> {
    Ok(section::find_by_ids(conn, ids)?
        .into_iter()
        .map(|s| {
            (
                s.id,
                SectionRef {
                    slug: s.slug,
                    name: s.name,
                },
            )
        })
        .collect())
}

fn author_ref(b: Byline) -> AuthorRef {
    AuthorRef {
        slug: b.slug,
        name: b.name,
        avatar_url: b.avatar_url,
    }
}

/// Summaries of these articles, in the order given. Three queries, whatever
/// the number of ids.
pub fn summaries(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<ArticleSummary>> {
    let rows = article::summaries(conn, ids)?;
    let section_ids: Vec<String> = rows
        .iter()
        .filter_map(|r| r.section_id.clone())
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let sections = section_refs(conn, &section_ids)?;
    let mut bylines: HashMap<String, Vec<AuthorRef>> = HashMap::new();
    for (article_id, byline) in author::bylines_of(conn, ids)? {
        bylines
            .entry(article_id)
            .or_default()
            .push(author_ref(byline));
    }
    let mut by_id: HashMap<String, SummaryRow> =
        rows.into_iter().map(|r| (r.id.clone(), r)).collect();
    Ok(ids
        .iter()
        .filter_map(|id| by_id.remove(id))
        .map(|r| ArticleSummary {
            authors: bylines.remove(&r.id).unwrap_or_default(),
            section: r.section_id.as_ref().and_then(|s| sections.get(s).cloned()),
            featured_image: featured_image(
                r.image_url,
                r.image_alt,
                r.image_caption,
                r.image_credit,
            ),
            published_at: r.published_at.map(timestamp),
            id: r.id,
            slug: r.slug,
            headline: r.headline,
            standfirst: r.standfirst,
            excerpt: r.excerpt,
            reading_time_minutes: r.reading_time_minutes,
        })
        .collect())
}

/// A page of a feed: its summaries and the position of the last one when
/// there are more.
pub fn feed_page(
    conn: &mut DbConnection,
    query: &PageQuery,
) -> QueryResult<(Vec<ArticleSummary>, Option<Position>)> {
    let mut probe = query.clone();
    probe.limit = query.limit + 1;
    let mut positions = feed::page(conn, &probe)?;
    let more = positions.len() as i64 > query.limit;
    positions.truncate(query.limit as usize);
    let next = if more {
        positions.last().cloned()
    } else {
        None
    };
    let ids: Vec<String> = positions.into_iter().map(|p| p.article_id).collect();
    Ok((summaries(conn, &ids)?, next))
}

/// The ids of "Also read": the editors' visible picks, or else the newest
/// stories sharing a tag, then the section's. The fallback is one statement
/// whatever the number of tags. Answers the editors' picks too.
fn also_read_ids(
    conn: &mut DbConnection,
    article: &Article,
    tag_ids: &[String],
    now: NaiveDateTime,
) -> QueryResult<(Vec<String>, Vec<String>)> {
    let picked = article::related_ids(conn, &article.id)?;
    if !picked.is_empty() {
        let visible = article::visible_ids(conn, &picked, now)?;
        let visible: Vec<String> = picked
            .iter()
            .filter(|id| visible.contains(id))
            .cloned()
            .collect();
        if !visible.is_empty() {
            return Ok((visible, picked));
        }
    }
    // Tag feeds first, the section's last: the section only fills in.
    let mut feeds: Vec<Feed> = tag_ids.iter().cloned().map(Feed::Tag).collect();
    let section_no = feeds.len() as i64;
    feeds.extend(article.section_id.clone().map(Feed::Section));
    let mut hits = feed::newest_in_each(conn, &feeds, &article.id, ALSO_READ_FALLBACK as i64, now)?;
    hits.sort_by(|a, b| {
        let rank = |h: &feed::FeedHit| h.feed_no == section_no;
        (rank(a), &b.listed_at, &b.article_id).cmp(&(rank(b), &a.listed_at, &a.article_id))
    });
    let mut chosen: Vec<String> = Vec::new();
    for hit in hits {
        if chosen.len() < ALSO_READ_FALLBACK && !chosen.contains(&hit.article_id) {
            chosen.push(hit.article_id);
        }
    }
    Ok((chosen, picked))
}

fn link(row: feed::Neighbour) -> ArticleLink {
    ArticleLink {
        id: row.id,
        slug: row.slug,
        headline: row.headline,
        published_at: row.published_at.map(timestamp).unwrap_or_default(),
    }
}

/// What a story page draws on besides the story itself: the feeds its
/// Previous / Next and "Also read" come from, and the stories it picks.
#[derive(Debug, Clone, Default)]
pub struct Draws {
    pub feeds: Vec<String>,
    pub picks: Vec<String>,
}

impl Draws {
    /// Whether a story going live would change the page.
    pub fn touched_by(&self, story: &feed::Scheduled) -> bool {
        self.picks.contains(&story.article_id) || story.feeds.iter().any(|f| self.feeds.contains(f))
    }
}

/// The whole story of a visible article.
pub fn detail(
    conn: &mut DbConnection,
    article: Article,
    now: NaiveDateTime,
) -> QueryResult<ArticleDetail> {
    detail_and_draws(conn, article, now).map(|(detail, _)| detail)
}

/// The whole story, and what it draws on.
pub fn detail_and_draws(
    conn: &mut DbConnection,
    article: Article,
    now: NaiveDateTime,
) -> QueryResult<(ArticleDetail, Draws)> {
    let section = match &article.section_id {
        Some(id) => section_refs(conn, std::slice::from_ref(id))?.remove(id),
        None => None,
    };
    let authors = author::bylines_of(conn, std::slice::from_ref(&article.id))?
        .into_iter()
        .map(|(_, b)| author_ref(b))
        .collect();
    let tags = tag::of_article(conn, &article.id)?;
    let tag_ids: Vec<String> = tags.iter().map(|t| t.id.clone()).collect();
    let tags = tags
        .into_iter()
        .map(|t| TagRef {
            slug: t.slug,
            name: t.name,
        })
        .collect();
    let (also_read_ids, picks) = also_read_ids(conn, &article, &tag_ids, now)?;
    let mut draws = Draws {
        feeds: tag_ids
            .iter()
            .cloned()
            .map(|id| Feed::Tag(id).key())
            .collect(),
        picks,
    };
    draws.feeds.push(article::neighbour_feed(&article).key());
    let also_read = summaries(conn, &also_read_ids)?;
    let (previous, next) = match article.visible_at(now) {
        Some(listed_at) => {
            let feed = article::neighbour_feed(&article);
            let here = Position {
                listed_at,
                article_id: article.id.clone(),
            };
            let (older, newer) = feed::neighbours(conn, &feed, &here, now)?;
            (older.map(link), newer.map(link))
        }
        None => (None, None),
    };
    let detail = ArticleDetail {
        published_at: article.published_at.map(timestamp),
        updated_at: timestamp(article.updated_at),
        featured_image: featured_image(
            article.image_url,
            article.image_alt,
            article.image_caption,
            article.image_credit,
        ),
        id: article.id,
        slug: article.slug,
        headline: article.headline,
        standfirst: article.standfirst,
        body_html: article.body_html,
        excerpt: article.excerpt,
        section,
        authors,
        tags,
        credit: article.credit,
        canonical_url: article.canonical_url,
        word_count: article.word_count,
        reading_time_minutes: article.reading_time_minutes,
        also_read,
        previous,
        next,
        status: None,
        version: None,
    };
    Ok((detail, draws))
}
