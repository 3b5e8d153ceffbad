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
use crate::routes::{language_param, resolve_feed, slug_param, timestamp, FeedRef};
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
    let language = language_param(params.language.as_deref())?;
    if let Some(status) = params.status.filter(|s| *s != StatusFilter::Published) {
        let Some(caller) = caller.0 else {
            return Err(ApiError::Unauthorized(
                "Listing by status is for the newsroom: send an access token.".into(),
            ));
        };
        if !filters.is_empty() || since.is_some() || until.is_some() || language.is_some() {
            return Err(ApiError::invalid(
                "status",
                "lists by creation time and cannot yet be combined with section, tag, author or date filters",
            ));
        }
        return newsroom_listing(&state, caller, status, older_than, limit.get()).await;
    }
    let query = feed::PageQuery {
        feed: feed::Feed::All,
        also_in: language.into_iter().collect(),
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
    // A partner lists only what is under embargo, all of it; below the
    // editor role, the newsroom lists its own stories.
    if caller.is_partner() && status != StatusFilter::Embargoed {
        return Err(ApiError::Forbidden(
            "A partner lists embargoed stories only (status=embargoed).".into(),
        ));
    }
    let owner =
        (!caller.is_at_least(Role::Editor) && !caller.is_partner()).then(|| article::Owner {
            principal: caller.principal.clone(),
            author_id: caller.author_id.clone(),
        });
    let now = models::now();
    let (mut data, next) = state
        .read(move |conn| {
            let (stored, upcoming) = match status {
                StatusFilter::Draft => (article::STATUS_DRAFT, article::Upcoming::Any),
                StatusFilter::Archived => (article::STATUS_ARCHIVED, article::Upcoming::Any),
                StatusFilter::Withdrawn => (article::STATUS_WITHDRAWN, article::Upcoming::Any),
                StatusFilter::Embargoed => {
                    (article::STATUS_PUBLISHED, article::Upcoming::Embargoed)
                }
                _ => (article::STATUS_PUBLISHED, article::Upcoming::Scheduled),
            };
            let mut positions = article::page_by_status(
                conn,
                stored,
                upcoming,
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
            let mut feeds = Vec::with_capacity(filters.len() + 1);
            for filter in &filters {
                feeds.push(resolve_feed(conn, filter, now)?.0);
            }
            // The language, if any, last: a taxonomy feed is the narrower.
            feeds.append(&mut query.also_in);
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
        crate::routes::responses::StoryPreviewErrors,
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
    if super::ninjs::wants_ninjs(&req) {
        return super::ninjs::answer(&state, &req, caller.0, key).await;
    }
    match caller.0 {
        Some(caller) if caller.is_partner() => partner_story(&state, &req, key).await,
        Some(caller) => preview(&state, caller, key).await,
        None => public_story(&state, &req, key).await,
    }
}

/// A partner's read: a story under embargo, marked so (never cached), or
/// else what the public reads.
async fn partner_story(
    state: &AppState,
    req: &HttpRequest,
    key: String,
) -> Result<HttpResponse, ApiError> {
    let now = models::now();
    let lookup = key.clone();
    let embargoed: Option<ArticleDetail> = state
        .read(move |conn| {
            let Some(found) = article::find_any(conn, &lookup)? else {
                return Ok(None);
            };
            if !found.under_embargo(now) {
                return Ok(None);
            }
            let mut detail = views::detail(conn, found, now)?;
            detail.status = Some(views::ArticleStatus::Embargoed);
            Ok(Some(detail))
        })
        .await?;
    match embargoed {
        Some(mut detail) => {
            detail.locate(&state.config.site);
            Ok(freshness::private_json(&detail))
        }
        None => public_story(state, req, key).await,
    }
}

fn not_published(key: &str) -> ApiError {
    ApiError::NotFound(format!("No published article has the slug or id '{key}'."))
}

/// The public story `key` names; 410 with its public notice when it was
/// withdrawn, else 404.
pub(super) fn public_or_gone(
    conn: &mut crate::db::DbConnection,
    key: &str,
    now: chrono::NaiveDateTime,
) -> Result<article::Article, ApiError> {
    if let Some(found) = article::find_public(conn, key, now)? {
        return Ok(found);
    }
    match crate::models::withdrawal::notice_for(conn, key)? {
        Some(notice) => Err(ApiError::Gone(notice)),
        None => Err(not_published(key)),
    }
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
        crate::routes::responses::StoryReadErrors,
    )
)]
#[get("/articles/{article}/json-ld")]
pub async fn get_article_json_ld(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<ArticlePath>,
) -> Result<HttpResponse, ApiError> {
    let key = String::from(path.into_inner());
    let PublicStory {
        detail, max_age, ..
    } = load_public_story(&state, key).await?;
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
    let PublicStory {
        detail, max_age, ..
    } = load_public_story(state, key).await?;
    let mut response = freshness::json(req, &detail, max_age, Keys::new().detail(&detail))?;
    // The same address answers ninjs to a client that asks for it.
    response
        .headers_mut()
        .append(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}

/// A published story, how long its answer may be reused, and when it was
/// first stored.
pub(super) struct PublicStory {
    pub detail: ArticleDetail,
    pub max_age: u32,
    pub created_at: chrono::NaiveDateTime,
}

pub(super) async fn load_public_story(
    state: &AppState,
    key: String,
) -> Result<PublicStory, ApiError> {
    let now = models::now();
    let cache = state.cache.clone();
    let (mut detail, next_change, created_at) = state
        .read(move |conn| {
            let found = public_or_gone(conn, &key, now)?;
            let created_at = found.created_at;
            let (detail, draws) = views::detail_and_draws(conn, found, now)?;
            let next_change = cache.schedule_in(conn, now)?.next(|s| draws.touched_by(s));
            Ok((detail, next_change, created_at))
        })
        .await?;
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    detail.locate(&state.config.site);
    Ok(PublicStory {
        detail,
        max_age,
        created_at,
    })
}
