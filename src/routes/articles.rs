use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{MaybeAuthUser, Role};
use crate::caching;
use crate::cursor;
use crate::editorial;
use crate::error::ApiError;
use crate::models::{self, article, feed};
use crate::routes::{limit, resolve_feed, slug_param, timestamp, ArticlePage, FeedRef};
use crate::state::AppState;
use crate::views::{self, ArticleDetail};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListArticlesParams {
    /// Only stories in this section (its slug).
    #[param(pattern = "^[a-z0-9-]{1,200}$", example = "top-news")]
    pub section: Option<String>,
    /// Only stories with this tag (its slug).
    #[param(pattern = "^[a-z0-9-]{1,200}$", example = "julian-assange")]
    pub tag: Option<String>,
    /// Only stories by this author (their slug).
    #[param(pattern = "^[a-z0-9-]{1,200}$", example = "news-desk")]
    pub author: Option<String>,
    /// Stories per page, 1 to 100 (default 10).
    #[param(minimum = 1, maximum = 100, example = 10)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{48}$")]
    pub cursor: Option<String>,
    /// Only stories published at or after this time (RFC 3339).
    #[param(format = DateTime, example = "2021-01-01T00:00:00Z")]
    pub published_after: Option<String>,
    /// Only stories published before this time (RFC 3339).
    #[param(format = DateTime, example = "2021-02-01T00:00:00Z")]
    pub published_before: Option<String>,
    /// Newsroom only (needs a token): list stories in this state, newest
    /// created first; not combinable with the other filters. Without it,
    /// lists are public: published stories only.
    #[param(inline)]
    pub status: Option<StatusFilter>,
}

/// A newsroom listing's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    Draft,
    Scheduled,
    Published,
    Archived,
}

/// List published stories, newest first.
///
/// Filters combine: `?section=world&tag=china` lists stories in World tagged
/// China. Pagination is by keyset: follow `next_cursor` until it is null.
/// Every page costs the same, however deep.
#[utoipa::path(
    tag = "articles",
    params(ListArticlesParams),
    responses(
        (status = 200, description = "A page of stories", body = ArticlePage),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeAuthUser,
    params: web::Query<ListArticlesParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let limit = limit(params.limit, 10, 100)?;
    let older_than = params
        .cursor
        .as_deref()
        .map(cursor::decode_position)
        .transpose()?;
    let since = timestamp("published_after", params.published_after.as_deref())?;
    let until = timestamp("published_before", params.published_before.as_deref())?;
    // The most selective filter drives the scan; the others must also hold.
    let mut filters = Vec::new();
    filters.extend(slug_param("tag", params.tag)?.map(FeedRef::Tag));
    filters.extend(slug_param("author", params.author)?.map(FeedRef::Author));
    filters.extend(slug_param("section", params.section)?.map(FeedRef::Section));
    if let Some(status) = params.status.filter(|s| *s != StatusFilter::Published) {
        let Some(caller) = caller.0 else {
            return Err(ApiError::Unauthorized(
                "Listing by status is for the newsroom: send an access token.".into(),
            ));
        };
        // Below the editor role, a listing shows the caller's own stories.
        let owner = (!caller.is_at_least(Role::Editor)).then(|| article::Owner {
            principal: caller.principal.clone(),
            author_id: caller.author_id.clone(),
        });
        if !filters.is_empty() || since.is_some() || until.is_some() {
            return Err(ApiError::invalid(
                "status",
                "lists by creation time and cannot yet be combined with section, tag, author or date filters",
            ));
        }
        let now = models::now();
        let (data, next) = state
            .read(move |conn| {
                let (stored, scheduled) = match status {
                    StatusFilter::Draft => (article::STATUS_DRAFT, false),
                    StatusFilter::Archived => (article::STATUS_ARCHIVED, false),
                    _ => (article::STATUS_PUBLISHED, true),
                };
                let mut positions = article::page_by_status(
                    conn,
                    stored,
                    scheduled,
                    owner.as_ref(),
                    older_than.as_ref(),
                    limit + 1,
                    now,
                )?;
                let more = positions.len() as i64 > limit;
                positions.truncate(limit as usize);
                let next = if more {
                    positions.last().cloned()
                } else {
                    None
                };
                let ids: Vec<String> = positions.into_iter().map(|p| p.article_id).collect();
                Ok((views::summaries(conn, &ids)?, next))
            })
            .await?;
        let body = ArticlePage {
            data,
            next_cursor: next.as_ref().map(cursor::encode_position),
        };
        return Ok(caching::private_json(&body));
    }
    let now = models::now();
    let cache = state.cache.clone();
    let (page, next_change) = state
        .read(move |conn| {
            let mut feeds = Vec::with_capacity(filters.len());
            for filter in &filters {
                feeds.push(resolve_feed(conn, filter, now)?.0);
            }
            let mut feeds = feeds.into_iter();
            let query = feed::PageQuery {
                feed: feeds.next().unwrap_or(feed::Feed::All),
                also_in: feeds.collect(),
                older_than,
                since,
                until,
                exclude: None,
                limit,
                now,
            };
            let page = views::feed_page(conn, &query)?;
            // A new story enters only a first page (a cursor's pages hold
            // older ones), and only one it matches.
            let next_change = match query.older_than {
                Some(_) => None,
                None => {
                    let required: Vec<String> = std::iter::once(&query.feed)
                        .chain(&query.also_in)
                        .map(feed::Feed::key)
                        .collect();
                    cache.schedule_in(conn, now)?.next(|s| {
                        required.iter().all(|f| s.feeds.contains(f))
                            && query.until.is_none_or(|until| s.at < until)
                    })
                }
            };
            Ok((page, next_change))
        })
        .await?;
    let (data, next) = page;
    let body = ArticlePage {
        data,
        next_cursor: next.as_ref().map(cursor::encode_position),
    };
    caching::json(
        &req,
        &body,
        caching::max_age(state.config.cache_max_age, now, next_change),
    )
}

/// Get one published story, with everything its page shows.
///
/// `article` is the story's slug or id. The answer carries its body, section,
/// authors, tags, credit and image, its "Also read" stories and its Previous
/// and Next stories (in its section, or site-wide for a story without one).
#[utoipa::path(
    tag = "articles",
    params(("article" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The story's slug or id", example = "mexico-offers-assange-political-asylum")),
    responses(
        (status = 200, description = "The story (with a token: any status, as a preview)", body = ArticleDetail),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/articles/{article}")]
pub async fn get_article(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeAuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = path.into_inner();
    let now = models::now();
    if let Some(caller) = caller.0 {
        // A newsroom preview: any status, never cached, versioned. Below
        // the editor role only of the caller's own stories; anyone else's
        // reads as the public sees it.
        let detail = state
            .read(move |conn| {
                let missing = || {
                    ApiError::NotFound(format!("No published article has the slug or id '{key}'."))
                };
                let found = article::find_any(conn, &key)?.ok_or_else(missing)?;
                let current = editorial::Current::load(conn, found)?;
                if !editorial::policy::may_preview(&caller, &current) {
                    let public = current.article.visible_at(now).map(|_| current.article);
                    return Ok(views::detail(conn, public.ok_or_else(missing)?, now)?);
                }
                let found = current.article;
                let status = editorial::shown_status(&found, now).to_string();
                let version = found.version;
                let mut detail = views::detail(conn, found, now)?;
                detail.status = Some(status);
                detail.version = Some(version);
                Ok(detail)
            })
            .await?;
        let mut response = caching::private_json(&detail);
        if let Some(version) = detail.version {
            if let Ok(value) = header::HeaderValue::from_str(&format!("\"v{version}\"")) {
                response.headers_mut().insert(header::ETAG, value);
            }
        }
        return Ok(response);
    }
    let cache = state.cache.clone();
    let (detail, next_change) = state
        .read(move |conn| {
            let found = article::find_public(conn, &key, now)?.ok_or_else(|| {
                ApiError::NotFound(format!("No published article has the slug or id '{key}'."))
            })?;
            let (detail, draws) = views::detail_and_draws(conn, found, now)?;
            let next_change = cache.schedule_in(conn, now)?.next(|s| draws.touched_by(s));
            Ok((detail, next_change))
        })
        .await?;
    caching::json(
        &req,
        &detail,
        caching::max_age(state.config.cache_max_age, now, next_change),
    )
}
