use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::caching;
use crate::error::ApiError;
use crate::models::section;
use crate::routes::latest::{latest_block, LatestParams};
use crate::routes::{next_unveiling, FeedRef, LatestBlock};
use crate::state::AppState;
use crate::views::SectionView;

/// Every section, in navigation order.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionList {
    pub data: Vec<SectionView>,
}

/// List the sections, in navigation order.
#[utoipa::path(
    tag = "sections",
    responses(
        (status = 200, description = "The sections", body = SectionList),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/sections")]
pub async fn list_sections(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let now = crate::models::now();
    let cache = state.cache.clone();
    let (data, next_change) = state
        .read(move |conn| {
            let data = section::list_public(conn, now)?
                .into_iter()
                .map(SectionView::from)
                .collect();
            let next = next_unveiling(conn, &cache, now, "s:", section::public_ids)?;
            Ok((data, next))
        })
        .await?;
    let max_age = caching::max_age(state.config.cache_max_age, now, next_change);
    caching::json(&req, &SectionList { data }, max_age)
}

/// Get one section.
#[utoipa::path(
    tag = "sections",
    params(("section" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The section's slug", example = "top-news")),
    responses(
        (status = 200, description = "The section", body = SectionView),
        (status = 304, response = crate::routes::NotModified),
        (status = 400, response = crate::routes::BadRequest),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/sections/{section}")]
pub async fn get_section(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = path.into_inner();
    let now = crate::models::now();
    let found = state
        .db(move |conn| {
            section::find_public_by_slug(conn, &slug, now)?
                .ok_or_else(|| ApiError::NotFound(format!("No section has the slug '{slug}'.")))
        })
        .await?;
    caching::json(&req, &SectionView::from(found), state.config.cache_max_age)
}

/// The latest stories in a section: the "Latest from Top News" block.
#[utoipa::path(
    tag = "latest",
    params(
        ("section" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The section's slug", example = "top-news"),
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
#[get("/sections/{section}/latest")]
pub async fn list_section_latest(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    params: web::Query<LatestParams>,
) -> Result<HttpResponse, ApiError> {
    latest_block(
        &state,
        &req,
        FeedRef::Section(path.into_inner()),
        params.into_inner(),
    )
    .await
}
