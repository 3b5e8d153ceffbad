use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caching;
use crate::cursor;
use crate::error::ApiError;
use crate::models::tag;
use crate::routes::latest::{latest_block, LatestParams};
use crate::routes::{limit, next_unveiling, FeedRef, LatestBlock, SlugPageParams};
use crate::state::AppState;
use crate::views::TagView;

/// A page of tags in slug order. Pass `next_cursor` back as `cursor` for the
/// next page; it is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagPage {
    pub data: Vec<TagView>,
    pub next_cursor: Option<String>,
}

/// List tags in slug order.
#[utoipa::path(
    tag = "tags",
    params(SlugPageParams),
    responses(
        (status = 200, description = "A page of tags", body = TagPage),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/tags")]
pub async fn list_tags(
    state: web::Data<AppState>,
    req: HttpRequest,
    params: web::Query<SlugPageParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = limit(params.limit, 50, 100)?;
    let after = params
        .cursor
        .as_deref()
        .map(cursor::decode_slug)
        .transpose()?;
    let now = crate::models::now();
    let cache = state.cache.clone();
    let (mut rows, next_change) = state
        .read(move |conn| {
            let rows = tag::list_public(conn, after.as_deref(), limit + 1, now)?;
            let next = next_unveiling(conn, &cache, now, "t:", tag::public_ids)?;
            Ok((rows, next))
        })
        .await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        cursor::encode_slug(&rows[rows.len() - 1].slug)
    });
    let body = TagPage {
        data: rows.into_iter().map(TagView::from).collect(),
        next_cursor,
    };
    caching::json(
        &req,
        &body,
        caching::max_age(state.config.cache_max_age, now, next_change),
    )
}

/// Get one tag.
#[utoipa::path(
    tag = "tags",
    params(("tag" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The tag's slug", example = "julian-assange")),
    responses(
        (status = 200, description = "The tag", body = TagView),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/tags/{tag}")]
pub async fn get_tag(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let now = crate::models::now();
    let found = state
        .db(move |conn| {
            tag::find_public_by_slug(conn, &slug, now)?
                .ok_or_else(|| ApiError::NotFound(format!("No tag has the slug '{slug}'.")))
        })
        .await?;
    caching::json(&req, &TagView::from(found), state.config.cache_max_age)
}

/// The latest stories with a tag.
#[utoipa::path(
    tag = "latest",
    params(
        ("tag" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The tag's slug", example = "julian-assange"),
        LatestParams,
    ),
    responses(
        (status = 200, description = "The block", body = LatestBlock),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/tags/{tag}/latest")]
pub async fn list_tag_latest(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<LatestParams>,
) -> Result<HttpResponse, ApiError> {
    latest_block(
        &state,
        &req,
        FeedRef::Tag(path.into_inner()),
        params.into_inner(),
    )
    .await
}
