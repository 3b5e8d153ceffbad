//! `/v1/articles`: published stories for everyone, and the newsroom's
//! previews and writes. `read` answers GETs; `write` creates, changes,
//! upserts and deletes, and lists revisions.

pub mod corrections;
pub mod ninjs;
pub mod read;
pub mod withdrawal;
pub mod write;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::routes::extract::path_param;
use crate::views::ArticleSummary;

path_param!(
    ArticlePath,
    article,
    "The story's slug or id",
    "mexico-offers-assange-political-asylum"
);

/// A page of stories. Pass `next_cursor` back as `cursor` for the next page;
/// it is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticlePage {
    pub data: Vec<ArticleSummary>,
    #[schema(required, example = "0005b81f7e1a76000b6f3e8a6a0c4a599d4e0f0c1f1e2d3c")]
    pub next_cursor: Option<String>,
}

/// A newsroom listing's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum StatusFilter {
    Draft,
    /// Published with a time still to come (embargoed ones too).
    Scheduled,
    /// Under an embargo still to come: the one listing partners may read.
    Embargoed,
    Published,
    Archived,
    Withdrawn,
}

/// The filters of the story list (paging is `limit` and `cursor`).
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
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{48}$")]
    pub cursor: Option<String>,
    /// Only stories in this language (a BCP 47 tag such as `en-GB`).
    #[param(
        pattern = "^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$",
        max_length = 35,
        example = "en-GB"
    )]
    pub language: Option<String>,
    /// Only stories published at or after this time (RFC 3339).
    #[param(format = DateTime, example = "2021-01-01T00:00:00Z")]
    pub published_after: Option<String>,
    /// Only stories published before this time (RFC 3339).
    #[param(format = DateTime, example = "2021-02-01T00:00:00Z")]
    pub published_before: Option<String>,
    /// Newsroom only (needs a token): list stories in this state, newest
    /// created first; not combinable with the other filters. Without it,
    /// lists are public: published stories only.
    pub status: Option<StatusFilter>,
}

/// Registers the routes. The fixed `external` segment and the
/// `revisions` suffix go before the bare `{article}`.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(read::list_articles)
        .service(write::create_article)
        .service(write::upsert_article_by_external_id)
        .service(write::list_article_revisions)
        .service(corrections::correct_article)
        .service(corrections::delete_correction)
        .service(withdrawal::withdraw_article)
        .service(withdrawal::restore_article)
        .service(read::get_article_json_ld)
        .service(ninjs::get_article_ninjs)
        .service(read::get_article)
        .service(write::update_article)
        .service(write::delete_article);
}
