//! Reading stories: the public list and story page, and with a token the
//! newsroom's listings by status and previews.

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::auth::{AuthUser, MaybeAuthUser, Role};
use crate::cursor;
use crate::editorial::{self, Current};
use crate::error::ApiError;
use crate::events::keys::{Keys, LIST_ARTICLES};
use crate::freshness;
use crate::models::feed::{self, Position};
use crate::models::{self, article};
use crate::routes::extract::Limit;
use crate::routes::{resolve_feed, slug_param, timestamp, FeedRef};
use crate::state::AppState;
use crate::taxonomy::{Authors, Sections, Tags};
use crate::views::{self, ArticleDetail, ArticleSummary, Locate};

use super::{ArticlePage, ArticlePath, ListArticlesParams, StatusFilter};

/// List published stories, newest first.
///
/// Filters combine: `?section=world&tag=china` lists stories in World tagged
/// China. Pagination is by keyset: follow `next_cursor` until it is null.
/// Every page costs the same, however deep. With a token and `status`, the
/// newsroom's own listing (below the editor role, the caller's own stories).
#[utoipa::path(
    tag = "articles",
    params(Limit<10, 100>, ListArticlesParams),
    responses(
        (status = 200, description = "A page of stories", body = ArticlePage),
        crate::routes::responses::PreviewErrors,
    )
)]
#[get("/articles")]
pub async fn list_articles(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeAuthUser,
    limit: Limit<10, 100>,
    params: web::Query<ListArticlesParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let older_than = params
        .cursor
        .as_deref()
        .map(cursor::decode_position)
        .transpose()?;
    let since = timestamp("published_after", params.published_after.as_deref())?;
    let until = timestamp("published_before", params.published_before.as_deref())?;
    // The most selective filter drives the scan; the others must also hold.
    let mut filters = Vec::new();
    filters.extend(slug_param("tag", params.tag)?.map(FeedRef::of::<Tags>));
    filters.extend(slug_param("author", params.author)?.map(FeedRef::of::<Authors>));
    filters.extend(slug_param("section", params.section)?.map(FeedRef::of::<Sections>));
    if let Some(status) = params.status.filter(|s| *s != StatusFilter::Published) {
        let Some(caller) = caller.0 else {
            return Err(ApiError::Unauthorized(
                "Listing by status is for the newsroom: send an access token.".into(),
            ));
        };
        if !filters.is_empty() || since.is_some() || until.is_some() {
            return Err(ApiError::invalid(
                "status",
                "lists by creation time and cannot yet be combined with section, tag, author or date filters",
            ));
        }
        return newsroom_listing(&state, caller, status, older_than, limit.get()).await;
    }
    let query = feed::PageQuery {
        feed: feed::Feed::All,
        also_in: Vec::new(),
        older_than,
        since,
        until,
        exclude: None,
        limit: limit.get(),
        now: models::now(),
    };
    public_listing(&state, &req, filters, query).await
}

/// One page of stories in a state, newest created first.
async fn newsroom_listing(
    state: &AppState,
    caller: AuthUser,
    status: StatusFilter,
    older_than: Option<Position>,
    limit: i64,
) -> Result<HttpResponse, ApiError> {
    // Below the editor role, a listing shows the caller's own stories.
    let owner = (!caller.is_at_least(Role::Editor)).then(|| article::Owner {
        principal: caller.principal.clone(),
        author_id: caller.author_id.clone(),
    });
    let now = models::now();
    let (mut data, next) = state
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
    data.locate(&state.config.site);
    let body = ArticlePage {
        data,
        next_cursor: next.as_ref().map(cursor::encode_position),
    };
    Ok(freshness::private_json(&body))
}

/// One page of the public list, its lifetime cut short only by a scheduled
/// story that will enter it.
async fn public_listing(
    state: &AppState,
    req: &HttpRequest,
    filters: Vec<FeedRef>,
    mut query: feed::PageQuery,
) -> Result<HttpResponse, ApiError> {
    let now = query.now;
    let cache = state.cache.clone();
    let mut keys = Keys::new();
    if filters.is_empty() {
        keys.add(LIST_ARTICLES);
    }
    for filter in &filters {
        keys.add(filter.key());
    }
    let ((mut data, next), next_change): ((Vec<ArticleSummary>, Option<Position>), _) = state
        .read(move |conn| {
            let mut feeds = Vec::with_capacity(filters.len());
            for filter in &filters {
                feeds.push(resolve_feed(conn, filter, now)?.0);
            }
            let mut feeds = feeds.into_iter();
            query.feed = feeds.next().unwrap_or(feed::Feed::All);
            query.also_in = feeds.collect();
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
    keys.summaries(&data);
    data.locate(&state.config.site);
    let body = ArticlePage {
        data,
        next_cursor: next.as_ref().map(cursor::encode_position),
    };
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    freshness::json(req, &body, max_age, &keys)
}

/// Get one published story, with everything its page shows.
///
/// `article` is the story's slug or id. The answer carries its body, section,
/// authors, tags, credit and image, its "Also read" stories and its Previous
/// and Next stories (in its section, or site-wide for a story without one).
/// With a token, a preview of any state of the caller's own story (any
/// story, for editors), never cached, with its `status` and `version`.
#[utoipa::path(
    tag = "articles",
    params(ArticlePath),
    responses(
        (status = 200, description = "The story (with a token: a preview)", body = ArticleDetail),
        crate::routes::responses::PreviewErrors,
    )
)]
#[get("/articles/{article}")]
pub async fn get_article(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeAuthUser,
    path: web::Path<ArticlePath>,
) -> Result<HttpResponse, ApiError> {
    let key = String::from(path.into_inner());
    match caller.0 {
        Some(caller) => preview(&state, caller, key).await,
        None => public_story(&state, &req, key).await,
    }
}

fn not_published(key: &str) -> ApiError {
    ApiError::NotFound(format!("No published article has the slug or id '{key}'."))
}

/// A newsroom preview: any state, never cached, versioned. Below the
/// editor role only of the caller's own stories; anyone else's reads as
/// the public sees it.
async fn preview(
    state: &AppState,
    caller: AuthUser,
    key: String,
) -> Result<HttpResponse, ApiError> {
    let now = models::now();
    let mut detail: ArticleDetail = state
        .read(move |conn| {
            let found = article::find_any(conn, &key)?.ok_or_else(|| not_published(&key))?;
            let current = Current::load(conn, found)?;
            if !editorial::policy::may_preview(&caller, &current) {
                let public = current.article.visible_at(now).map(|_| current.article);
                return Ok(views::detail(
                    conn,
                    public.ok_or_else(|| not_published(&key))?,
                    now,
                )?);
            }
            let found = current.article;
            let status = editorial::shown_status(&found, now);
            let version = found.version;
            let mut detail = views::detail(conn, found, now)?;
            detail.status = Some(status);
            detail.version = Some(version);
            Ok(detail)
        })
        .await?;
    detail.locate(&state.config.site);
    let mut response = freshness::private_json(&detail);
    if let Some(version) = detail.version {
        if let Ok(value) = header::HeaderValue::from_str(&format!("\"v{version}\"")) {
            response.headers_mut().insert(header::ETAG, value);
        }
    }
    Ok(response)
}

/// Get one published story as schema.org `NewsArticle` JSON-LD.
///
/// The markup a story page puts in its head: headline, dates, authors
/// (with their pages), image, publisher (with its logo), the page's
/// address, section, keywords, word count, language. Addresses follow
/// the site settings (`BYLINE_SITE_URL`, `BYLINE_STORY_URL`, …) or the
/// story's `canonical_url`. It is safe to paste as it is into the page's
/// script element of type `application/ld+json`: `<`, `>` and `&` are
/// escaped, so no text can close the element. Cached and validated like
/// the story itself.
#[utoipa::path(
    tag = "articles",
    params(ArticlePath),
    responses(
        (status = 200, description = "The story's NewsArticle markup",
            content_type = "application/ld+json", body = serde_json::Value),
        crate::routes::responses::ItemReadErrors,
    )
)]
#[get("/articles/{article}/json-ld")]
pub async fn get_article_json_ld(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ArticlePath>,
) -> Result<HttpResponse, ApiError> {
    let key = String::from(path.into_inner());
    let (detail, max_age) = load_public_story(&state, key).await?;
    let ld = crate::formats::jsonld::news_article(&detail, &state.config.site);
    Ok(freshness::public(
        &req,
        crate::formats::jsonld::script_safe(&ld),
        crate::formats::jsonld::MEDIA_TYPE,
        max_age,
        Keys::new().detail(&detail),
    ))
}

/// The public story page, its lifetime cut short only by a scheduled story
/// that will change it.
async fn public_story(
    state: &AppState,
    req: &HttpRequest,
    key: String,
) -> Result<HttpResponse, ApiError> {
    let (detail, max_age) = load_public_story(state, key).await?;
    freshness::json(req, &detail, max_age, Keys::new().detail(&detail))
}

/// A published story and how long its answer may be reused.
async fn load_public_story(
    state: &AppState,
    key: String,
) -> Result<(ArticleDetail, u32), ApiError> {
    let now = models::now();
    let cache = state.cache.clone();
    let (mut detail, next_change) = state
        .read(move |conn| {
            let found =
                article::find_public(conn, &key, now)?.ok_or_else(|| not_published(&key))?;
            let (detail, draws) = views::detail_and_draws(conn, found, now)?;
            let next_change = cache.schedule_in(conn, now)?.next(|s| draws.touched_by(s));
            Ok((detail, next_change))
        })
        .await?;
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    detail.locate(&state.config.site);
    Ok((detail, max_age))
}
