use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::caching;
use crate::error::ApiError;
use crate::models::{self, article, feed};
use crate::routes::{limit, resolve_feed, slug_param, FeedRef, LatestBlock};
use crate::state::AppState;
use crate::views;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LatestParams {
    /// Stories in the block, 1 to 50 (default 5).
    #[param(minimum = 1, maximum = 50, example = 4)]
    pub limit: Option<i64>,
    /// A story (slug or id) to leave out, such as the one the block sits under.
    #[param(
        pattern = "^[a-z0-9-]{1,200}$",
        example = "mexico-offers-assange-political-asylum"
    )]
    pub exclude: Option<String>,
}

/// Builds a "Latest from …" block for any feed.
pub async fn latest_block(
    state: &AppState,
    req: &HttpRequest,
    feed: FeedRef,
    params: LatestParams,
) -> Result<HttpResponse, ApiError> {
    let limit = limit(params.limit, 5, 50)?;
    let exclude = slug_param("exclude", params.exclude)?;
    let now = models::now();
    let cache = state.cache.clone();
    let (block, next_change) = state
        .read(move |conn| {
            let (feed, name) = resolve_feed(conn, &feed, now)?;
            let exclude = match &exclude {
                Some(key) => article::id_for(conn, key)?,
                None => None,
            };
            let query = feed::PageQuery {
                feed,
                also_in: Vec::new(),
                older_than: None,
                since: None,
                until: None,
                exclude,
                limit,
                now,
            };
            let (data, _) = views::feed_page(conn, &query)?;
            // Only a story due in this block's feed shortens its lifetime.
            let key = query.feed.key();
            let next_change = cache
                .schedule_in(conn, now)?
                .next(|s| s.feeds.contains(&key) && query.exclude.as_ref() != Some(&s.article_id));
            let title = match query.feed {
                feed::Feed::All => "Latest news".to_string(),
                _ => format!("Latest from {name}"),
            };
            Ok((LatestBlock { title, data }, next_change))
        })
        .await?;
    caching::json(
        req,
        &block,
        caching::max_age(state.config.cache_max_age, now, next_change),
    )
}

/// The latest stories from the whole newsroom.
#[utoipa::path(
    tag = "latest",
    params(LatestParams),
    responses(
        (status = 200, description = "The block", body = LatestBlock),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/latest")]
pub async fn list_latest(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<LatestParams>,
) -> Result<HttpResponse, ApiError> {
    latest_block(&state, &req, FeedRef::All, params.into_inner()).await
}
