use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caching;
use crate::cursor;
use crate::error::ApiError;
use crate::models::author;
use crate::routes::latest::{latest_block, LatestParams};
use crate::routes::{limit, next_unveiling, FeedRef, LatestBlock, SlugPageParams};
use crate::state::AppState;
use crate::views::AuthorView;

/// A page of authors in slug order. Pass `next_cursor` back as `cursor` for the
/// next page; it is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuthorPage {
    pub data: Vec<AuthorView>,
    pub next_cursor: Option<String>,
}

/// List authors in slug order.
#[utoipa::path(
    tag = "authors",
    params(SlugPageParams),
    responses(
        (status = 200, description = "A page of authors", body = AuthorPage),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/authors")]
pub async fn list_authors(
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
            let rows = author::list_public(conn, after.as_deref(), limit + 1, now)?;
            let next = next_unveiling(conn, &cache, now, "a:", author::public_ids)?;
            Ok((rows, next))
        })
        .await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        cursor::encode_slug(&rows[rows.len() - 1].slug)
    });
    let body = AuthorPage {
        data: rows.into_iter().map(AuthorView::from).collect(),
        next_cursor,
    };
    caching::json(
        &req,
        &body,
        caching::max_age(state.config.cache_max_age, now, next_change),
    )
}

/// Get one author's public profile.
#[utoipa::path(
    tag = "authors",
    params(("author" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The author's slug", example = "news-desk")),
    responses(
        (status = 200, description = "The author", body = AuthorView),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/authors/{author}")]
pub async fn get_author(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let now = crate::models::now();
    let found = state
        .db(move |conn| {
            author::find_public_by_slug(conn, &slug, now)?
                .ok_or_else(|| ApiError::NotFound(format!("No author has the slug '{slug}'.")))
        })
        .await?;
    caching::json(&req, &AuthorView::from(found), state.config.cache_max_age)
}

/// The latest stories by an author.
#[utoipa::path(
    tag = "latest",
    params(
        ("author" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The author's slug", example = "news-desk"),
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
#[get("/authors/{author}/latest")]
pub async fn list_author_latest(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<LatestParams>,
) -> Result<HttpResponse, ApiError> {
    latest_block(
        &state,
        &req,
        FeedRef::Author(path.into_inner()),
        params.into_inner(),
    )
    .await
}
