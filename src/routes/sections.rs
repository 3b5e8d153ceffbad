//! `/v1/sections`: the publication's sections, in navigation order, and
//! the editors' writes.

use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::events::Keys;
use crate::freshness;
use crate::models::section;
use crate::routes::extract::path_param;
use crate::routes::taxonomy::{next_unveiling, slug_routes};
use crate::routes::NewSectionInput;
use crate::state::AppState;
use crate::taxonomy::{Kind, SectionInput, Sections};
use crate::views::{Locate, SectionView};

path_param!(SectionPath, section, "The section's slug", "top-news");

/// Every public section, in navigation order.
#[derive(Debug, Serialize, ToSchema)]
pub struct SectionList {
    pub data: Vec<SectionView>,
}

/// List the sections, in navigation order.
#[utoipa::path(
    tag = "sections",
    responses(
        (status = 200, description = "The sections", body = SectionList),
        crate::routes::responses::ListErrors,
    )
)]
#[get("/sections")]
pub async fn list_sections(
    state: web::Data<AppState>,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let now = crate::models::now();
    let cache = state.cache.clone();
    let (mut data, next_change): (Vec<SectionView>, _) = state
        .read(move |conn| {
            let data = section::list_public(conn, now)?
                .into_iter()
                .map(SectionView::from)
                .collect();
            Ok((data, next_unveiling::<Sections>(conn, &cache, now)?))
        })
        .await?;
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    let keys = Keys::from_iter([Sections::PLURAL.to_string()]);
    data.locate(&state.config.site);
    freshness::json(&req, &SectionList { data }, max_age, &keys)
}

slug_routes! {
    kind: Sections,
    tag: "sections",
    path: SectionPath,
    list: list_sections,
    view: SectionView,
    input: SectionInput,
    new_input: NewSectionInput,
    collection: "/sections",
    item: "/sections/{section}",
    latest: "/sections/{section}/latest",
    feed: "/sections/{section}/feeds/{format}",
    get: get_section = "Get one section.",
    block: list_section_latest = "The latest stories in a section: the \"Latest from Top News\" block.",
    feed_fn: section_feed = "A section's feed.",
    create: create_section = "Create a section (editors).",
    update: update_section = "Change a section (editors).",
    delete: delete_section = "Delete a section (editors); refused with 409 while articles use it.",
}
