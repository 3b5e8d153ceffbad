//! Sitemaps: `/sitemap.xml` indexes the story sitemaps (one per month,
//! split every 50,000 stories), the section, tag and author sitemaps, and
//! the Google News sitemap (the last 48 hours, at most 1,000 stories). Only
//! public stories appear: a scheduled one when its time comes, and an
//! unpublished one never again. Cached, and purged, like the lists.

use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::config::Config;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::events::keys::{Keys, LIST_ARTICLES, SITEMAPS};
use crate::formats::sitemaps::{self, NewsUrl, Publication, Url, MAX_NEWS, MAX_URLS};
use crate::freshness;
use crate::models::sitemap::{self, StoryLoc};
use crate::models::{self, author, section, tag};
use crate::state::AppState;

const XML: &str = "application/xml";
/// How far back the Google News sitemap reaches.
const NEWS_WINDOW_HOURS: i64 = 48;

/// Where the sitemap files are served: the API's public address
/// (`BYLINE_API_URL`) when set, else the site's, whose frontend then
/// passes `/sitemap.xml` and `/v1/sitemaps/` through to byline.
fn base(config: &Config) -> String {
    config
        .api_url
        .as_deref()
        .unwrap_or(&config.site.url)
        .trim_end_matches('/')
        .to_string()
}

/// Files needed for `n` URLs.
fn files(n: i64) -> i64 {
    (n + MAX_URLS as i64 - 1) / MAX_URLS as i64
}

/// Section ids to slugs, for story addresses.
fn section_slugs(conn: &mut DbConnection) -> diesel::QueryResult<HashMap<String, String>> {
    use crate::schema::sections;
    use diesel::prelude::*;
    Ok(sections::table
        .select((sections::id, sections::slug))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// Whether a story's page is on this site: a syndicated copy whose
/// canonical URL is elsewhere is not listed (search engines refuse
/// sitemap entries on another host).
fn on_site(config: &Config, s: &StoryLoc) -> bool {
    let host = |u: &str| {
        url::Url::parse(u)
            .ok()
            .and_then(|u| u.host_str().map(str::to_string))
    };
    match s.canonical_url.as_deref().filter(|c| !c.is_empty()) {
        Some(canonical) => host(canonical).is_some() && host(canonical) == host(&config.site.url),
        None => true,
    }
}

fn story_url(config: &Config, sections: &HashMap<String, String>, s: &StoryLoc) -> String {
    let section = s.section_id.as_ref().and_then(|id| sections.get(id));
    config.site.story(
        &s.slug,
        &s.id,
        section.map(String::as_str),
        s.canonical_url.as_deref(),
    )
}

/// The answer: cached like the lists, purged by any public story change
/// (`list:articles`) and by renames (`sections`, `tags`, `authors`).
fn answer(
    state: &AppState,
    req: &HttpRequest,
    body: Vec<u8>,
    keys: &[&str],
    now: NaiveDateTime,
    next_change: Option<NaiveDateTime>,
) -> HttpResponse {
    let mut set = Keys::new();
    for key in keys {
        set.add(*key);
    }
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    freshness::public(req, body, XML, max_age, &set)
}

/// The sitemap index.
///
/// Lists every sitemap: one per month of public stories (a month over
/// 50,000 stories is split into several), the section, tag and author
/// sitemaps, and the Google News sitemap. Their addresses start with
/// `BYLINE_API_URL` when set, else with the site's address.
#[utoipa::path(
    tag = "sitemaps",
    responses(
        (status = 200, description = "A sitemap index", content((String = "application/xml"))),
        crate::routes::responses::ListErrors,
    )
)]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let now = models::now();
    let cache = state.cache.clone();
    let (months, counts, next_change) = state
        .read(move |conn| {
            let months = sitemap::months(conn, now)?;
            let counts = [
                ("sections", section::count_public(conn, now)?),
                ("tags", tag::count_public(conn, now)?),
                ("authors", author::count_public(conn, now)?),
            ];
            Ok((months, counts, cache.schedule_in(conn, now)?.first()))
        })
        .await?;
    let base = base(&state.config);
    let mut entries = vec![Url {
        loc: format!("{base}/v1/sitemaps/news"),
        lastmod: None,
    }];
    for month in months.iter().rev() {
        for page in 1..=files(month.stories) {
            entries.push(Url {
                loc: format!(
                    "{base}/v1/sitemaps/stories/{}/{page}",
                    month.start.format("%Y-%m")
                ),
                lastmod: None,
            });
        }
    }
    for (kind, count) in counts {
        for page in 1..=files(count) {
            entries.push(Url {
                loc: format!("{base}/v1/sitemaps/{kind}/{page}"),
                lastmod: None,
            });
        }
    }
    let body = sitemaps::index(&entries);
    let keys = [LIST_ARTICLES, SITEMAPS, "sections", "tags", "authors"];
    Ok(answer(&state, &req, body, &keys, now, next_change))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct MonthPath {
    /// The month the stories were published in.
    #[param(pattern = "^[0-9]{4}-(0[1-9]|1[0-2])$", example = "2021-01")]
    pub month: String,
    /// Which 50,000 of the month's stories, from 1.
    #[param(minimum = 1, example = 1)]
    pub page: u32,
}

/// A month's stories.
///
/// The public stories published in one month, oldest first, with each
/// page's reader-facing address and `lastmod` (its last change). At most
/// 50,000 per file: `page` 2 holds the next 50,000, and so on, as the index
/// lists them.
#[utoipa::path(
    tag = "sitemaps",
    params(MonthPath),
    responses(
        (status = 200, description = "A sitemap", content((String = "application/xml"))),
        crate::routes::responses::ItemReadErrors,
    )
)]
#[get("/sitemaps/stories/{month}/{page}")]
pub async fn story_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<MonthPath>,
) -> Result<HttpResponse, ApiError> {
    let MonthPath { month, page } = path.into_inner();
    let start = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| month.len() == 7)
        .ok_or_else(|| ApiError::NotFound(format!("There is no sitemap for '{month}'.")))?
        .and_time(Default::default());
    let (_, next) = sitemap::month_of(start);
    let now = models::now();
    let offset = (i64::from(page.max(1)) - 1) * MAX_URLS as i64;
    let cache = state.cache.clone();
    let (stories, sections, next_change) = state
        .read(move |conn| {
            let stories = sitemap::stories(conn, start, next, now, offset, MAX_URLS as i64, false)?;
            let due = cache
                .schedule_in(conn, now)?
                .next(|s| s.at >= start && s.at < next);
            Ok((stories, section_slugs(conn)?, due))
        })
        .await?;
    if stories.is_empty() || page == 0 {
        return Err(ApiError::NotFound(format!(
            "There is no sitemap page {page} for {month}."
        )));
    }
    let urls: Vec<Url> = stories
        .iter()
        .filter(|s| on_site(&state.config, s))
        .map(|s| Url {
            loc: story_url(&state.config, &sections, s),
            lastmod: Some(s.updated_at.max(s.published_at)),
        })
        .collect();
    let body = sitemaps::urlset(&urls);
    Ok(answer(
        &state,
        &req,
        body,
        &[LIST_ARTICLES, SITEMAPS, "sections"],
        now,
        next_change,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct KindPath {
    /// `sections`, `tags` or `authors`.
    #[param(pattern = "^(sections|tags|authors)$", example = "sections")]
    pub kind: String,
    /// Which 50,000 of them, from 1, in slug order.
    #[param(minimum = 1, example = 1)]
    pub page: u32,
}

/// The section, tag or author pages.
///
/// The reader-facing pages of the public sections, tags or authors (those
/// an editor listed, and those a public story names), in slug order,
/// 50,000 per file.
#[utoipa::path(
    tag = "sitemaps",
    params(KindPath),
    responses(
        (status = 200, description = "A sitemap", content((String = "application/xml"))),
        crate::routes::responses::ItemReadErrors,
    )
)]
#[get("/sitemaps/{kind}/{page}")]
pub async fn taxonomy_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<KindPath>,
) -> Result<HttpResponse, ApiError> {
    let KindPath { kind, page } = path.into_inner();
    type Slugs = fn(&mut DbConnection, NaiveDateTime, i64, i64) -> diesel::QueryResult<Vec<String>>;
    let (slugs, key): (Slugs, &'static str) = match kind.as_str() {
        "sections" => (section::public_slugs, "sections"),
        "tags" => (tag::public_slugs, "tags"),
        "authors" => (author::public_slugs, "authors"),
        _ => {
            return Err(ApiError::NotFound(
                "There is no such sitemap; use sections, tags or authors.".into(),
            ))
        }
    };
    let now = models::now();
    let offset = (i64::from(page.max(1)) - 1) * MAX_URLS as i64;
    let cache = state.cache.clone();
    let (found, next_change) = state
        .read(move |conn| {
            let found = slugs(conn, now, offset, MAX_URLS as i64)?;
            Ok((found, cache.schedule_in(conn, now)?.first()))
        })
        .await?;
    if found.is_empty() || page == 0 {
        return Err(ApiError::NotFound(format!(
            "There is no {kind} sitemap page {page}."
        )));
    }
    let site = &state.config.site;
    let urls: Vec<Url> = found
        .iter()
        .map(|slug| Url {
            loc: match key {
                "sections" => site.section(slug),
                "tags" => site.tag(slug),
                _ => site.author(slug),
            },
            lastmod: None,
        })
        .collect();
    let body = sitemaps::urlset(&urls);
    Ok(answer(
        &state,
        &req,
        body,
        &[LIST_ARTICLES, SITEMAPS, key],
        now,
        next_change,
    ))
}

/// The Google News sitemap.
///
/// The public stories published in the last 48 hours, newest first, at
/// most 1,000, each with `news:publication` (`BYLINE_SITE_NAME` and the
/// language of `BYLINE_SITE_LANGUAGE`), `news:publication_date` and
/// `news:title`.
#[utoipa::path(
    tag = "sitemaps",
    responses(
        (status = 200, description = "A Google News sitemap", content((String = "application/xml"))),
        crate::routes::responses::ListErrors,
    )
)]
#[get("/sitemaps/news")]
pub async fn news_sitemap(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let now = models::now();
    let since = now - Duration::hours(NEWS_WINDOW_HOURS);
    let cache = state.cache.clone();
    let (stories, sections, due) = state
        .read(move |conn| {
            let until = now + Duration::seconds(1);
            let stories = sitemap::stories(conn, since, until, now, 0, MAX_NEWS as i64, true)?;
            Ok((
                stories,
                section_slugs(conn)?,
                cache.schedule_in(conn, now)?.first(),
            ))
        })
        .await?;
    // The answer also changes when its oldest story leaves the window.
    let leaves = stories
        .last()
        .map(|s| s.published_at + Duration::hours(NEWS_WINDOW_HOURS));
    let next_change = match (due, leaves) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let site = &state.config.site;
    let publication = Publication {
        name: &site.name,
        language: sitemaps::news_language(&site.language),
    };
    let urls: Vec<NewsUrl> = stories
        .iter()
        .filter(|s| on_site(&state.config, s))
        .map(|s| NewsUrl {
            loc: story_url(&state.config, &sections, s),
            title: s.headline.clone(),
            published: s.published_at,
            language: s.language.as_deref().map(sitemaps::news_language),
        })
        .collect();
    let body = sitemaps::news(&publication, &urls);
    Ok(answer(
        &state,
        &req,
        body,
        &[LIST_ARTICLES, SITEMAPS, "sections"],
        now,
        next_change,
    ))
}

/// Registers the versioned sitemaps (the index is an operational route).
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(news_sitemap)
        .service(story_sitemap)
        .service(taxonomy_sitemap);
}
