//! Loaders: assemble the views from the models in a fixed number of queries per answer.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use diesel::QueryResult;

use super::*;
use crate::db::DbConnection;
use crate::models::article::{self, Article, SummaryRow};
use crate::models::author::{self, Byline};
use crate::models::correction;
use crate::models::feed::{self, Feed, PageQuery, Position};
use crate::models::section;
use crate::models::tag;

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
                    url: String::new(),
                    slug: s.slug,
                    name: s.name,
                },
            )
        })
        .collect())
}

fn author_ref(b: Byline) -> AuthorRef {
    AuthorRef {
        url: String::new(),
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
            url: String::new(),
            canonical_url: r.canonical_url,
            slug: r.slug,
            headline: r.headline,
            standfirst: r.standfirst,
            excerpt: r.excerpt,
            reading_time_minutes: r.reading_time_minutes,
            language: r.language.unwrap_or_default(),
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

/// A story as a feed shows it: its card, its whole body, its tags, and
/// when it was published and last changed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub summary: ArticleSummary,
    pub body_html: String,
    pub tags: Vec<TagRef>,
    pub canonical_url: Option<String>,
    pub credit: Option<String>,
    pub published_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Feed items for these (visible) articles, in the order given: five
/// queries, whatever the number of ids.
pub fn feed_items(conn: &mut DbConnection, ids: &[String]) -> QueryResult<Vec<FeedItem>> {
    let cards = summaries(conn, ids)?;
    let mut rows: HashMap<String, Article> = article::find_many(conn, ids)?
        .into_iter()
        .map(|a| (a.id.clone(), a))
        .collect();
    let mut tags: HashMap<String, Vec<TagRef>> = HashMap::new();
    for (article_id, t) in tag::of_articles(conn, ids)? {
        tags.entry(article_id).or_default().push(TagRef {
            url: String::new(),
            slug: t.slug,
            name: t.name,
        });
    }
    Ok(cards
        .into_iter()
        .filter_map(|summary| {
            let row = rows.remove(&summary.id)?;
            Some(FeedItem {
                body_html: row.body_html,
                tags: tags.remove(&summary.id).unwrap_or_default(),
                canonical_url: row.canonical_url,
                credit: row.credit,
                published_at: row.published_at.unwrap_or(row.created_at),
                updated_at: row
                    .updated_at
                    .max(row.published_at.unwrap_or(row.updated_at)),
                summary,
            })
        })
        .collect())
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

fn link(row: feed::Neighbour, sections: &HashMap<String, SectionRef>) -> ArticleLink {
    ArticleLink {
        url: String::new(),
        section_slug: row
            .section_id
            .as_ref()
            .and_then(|id| sections.get(id))
            .map(|s| s.slug.clone()),
        canonical_url: row.canonical_url,
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

/// The other public stories in the article's translation group.
pub fn translations(
    conn: &mut DbConnection,
    article: &Article,
    now: NaiveDateTime,
) -> QueryResult<Vec<TranslationLink>> {
    let group = article
        .translation_group
        .clone()
        .unwrap_or_else(|| article.id.clone());
    let rows = article::translations(conn, &group, &article.id, now)?;
    let section_ids: Vec<String> = rows.iter().filter_map(|r| r.section_id.clone()).collect();
    let sections = section_refs(conn, &section_ids)?;
    Ok(rows
        .into_iter()
        .map(|r| TranslationLink {
            section_slug: r
                .section_id
                .as_ref()
                .and_then(|id| sections.get(id))
                .map(|s| s.slug.clone()),
            language: r.language.unwrap_or_default(),
            slug: r.slug,
            url: String::new(),
            id: r.id,
            canonical_url: r.canonical_url,
        })
        .collect())
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
            url: String::new(),
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
            let ids: Vec<String> = older
                .iter()
                .chain(newer.iter())
                .filter_map(|n| n.section_id.clone())
                .collect();
            let sections = section_refs(conn, &ids)?;
            (
                older.map(|n| link(n, &sections)),
                newer.map(|n| link(n, &sections)),
            )
        }
        None => (None, None),
    };
    let corrections: Vec<CorrectionView> = correction::of_article(conn, &article.id)?
        .into_iter()
        .map(CorrectionView::from)
        .collect();
    let translations = translations(conn, &article, now)?;
    let detail = ArticleDetail {
        language: article.language.clone().unwrap_or_default(),
        embargoed_until: article.embargoed_until.map(timestamp),
        translations,
        corrected_at: corrections.last().map(|c| c.corrected_at.clone()),
        corrections,
        published_at: article.published_at.map(timestamp),
        updated_at: timestamp(article.updated_at),
        featured_image: featured_image(
            article.image_url,
            article.image_alt,
            article.image_caption,
            article.image_credit,
        ),
        id: article.id,
        url: String::new(),
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
