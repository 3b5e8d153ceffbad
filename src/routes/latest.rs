//! `/v1/latest`: the newsroom's latest stories, and the "Latest from …"
//! block that sections, tags and authors serve the same way.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::events::keys::{Keys, LATEST};
use crate::freshness;
use crate::models::{self, article, feed};
use crate::routes::extract::Limit;
use crate::routes::{language_param, resolve_feed, slug_param, FeedRef};
use crate::state::AppState;
use crate::views::{self, ArticleSummary, Locate};

/// A "Latest from …" block: its heading and its stories, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestBlock {
    #[schema(example = "Latest from Top News")]
    pub title: String,
    pub data: Vec<ArticleSummary>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LatestParams {
    /// A story (slug or id) to leave out, such as the one the block sits under.
    #[param(
        pattern = "^[a-z0-9-]{1,200}$",
        example = "mexico-offers-assange-political-asylum"
    )]
    pub exclude: Option<String>,
    /// Only stories in this language (a BCP 47 tag such as `en-GB`).
    #[param(
        pattern = "^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$",
        max_length = 35,
        example = "en-GB"
    )]
    pub language: Option<String>,
}

/// Builds a "Latest from …" block for any feed. Its lifetime is cut short
/// only by a scheduled story due in that feed.
pub async fn latest_block(
    state: &AppState,
    req: &HttpRequest,
    feed: FeedRef,
    limit: Limit<5, 50>,
    params: LatestParams,
) -> Result<HttpResponse, ApiError> {
    let exclude = slug_param("exclude", params.exclude)?;
    let language = language_param(params.language.as_deref())?;
    let mut keys = Keys::new();
    keys.add(LATEST).add(feed.key());
    let now = models::now();
    let cache = state.cache.clone();
    let (block, next_change, excluded) = state
        .read(move |conn| {
            let (feed, name) = resolve_feed(conn, &feed, now)?;
            // Only a public story can be left out: a hidden one is in no
            // block anyway, and looking it up would tell that it exists.
            let exclude = match &exclude {
                Some(key) => article::find_public(conn, key, now)?.map(|a| a.id),
                None => None,
            };
            let query = feed::PageQuery {
                feed,
                also_in: language.into_iter().collect(),
                older_than: None,
                since: None,
                until: None,
                exclude,
                limit: limit.get(),
                now,
            };
            let (data, _) = views::feed_page(conn, &query)?;
            let key = query.feed.key();
            let language = query.also_in.first().map(feed::Feed::key);
            let next_change = cache.schedule_in(conn, now)?.next(|s| {
                s.feeds.contains(&key)
                    && language.as_ref().is_none_or(|l| s.feeds.contains(l))
                    && query.exclude.as_ref() != Some(&s.article_id)
            });
            let title = match query.feed {
                feed::Feed::All => "Latest news".to_string(),
                _ => format!("Latest from {name}"),
            };
            Ok((LatestBlock { title, data }, next_change, query.exclude))
        })
        .await?;
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    keys.summaries(&block.data);
    let mut block = block;
    block.data.locate(&state.config.site);
    // The story left out: renaming it changes what `exclude` matches.
    if let Some(id) = &excluded {
        keys.article(id);
    }
    freshness::json(req, &block, max_age, &keys)
}

/// The latest stories from the whole newsroom.
#[utoipa::path(
    tag = "latest",
    params(Limit<5, 50>, LatestParams),
    responses(
        (status = 200, description = "The block", body = LatestBlock),
        crate::routes::responses::ListErrors,
    )
)]
#[get("/latest")]
pub async fn list_latest(
    state: web::Data<AppState>,
    req: HttpRequest,
    limit: Limit<5, 50>,
    params: web::Query<LatestParams>,
) -> Result<HttpResponse, ApiError> {
    latest_block(&state, &req, FeedRef::All, limit, params.into_inner()).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_latest);
}
