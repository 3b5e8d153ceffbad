//! HTTP handlers, one file per resource. Handlers parse and check their
//! inputs, call the models and views inside `AppState::db`, and shape the
//! answer; they hold no queries of their own.

pub mod articles;
pub mod authors;
pub mod health;
pub mod latest;
pub mod sections;
pub mod tags;

use chrono::{DateTime, NaiveDateTime};
use serde::Serialize;
use utoipa::{ToResponse, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::DbConnection;
use crate::error::{ApiError, Problem};
use crate::models::feed::Feed;
use crate::models::{author, section, tag};
use crate::views::ArticleSummary;

/// Registers the versioned API (mounted under `/v1`).
pub fn configure_v1(cfg: &mut ServiceConfig) {
    cfg.service(articles::list_articles)
        .service(articles::get_article)
        .service(latest::list_latest)
        .service(sections::list_sections)
        .service(sections::get_section)
        .service(sections::list_section_latest)
        .service(tags::list_tags)
        .service(tags::get_tag)
        .service(tags::list_tag_latest)
        .service(authors::list_authors)
        .service(authors::get_author)
        .service(authors::list_author_latest);
}

/// Registers the unversioned operational routes.
pub fn configure_ops(cfg: &mut ServiceConfig) {
    cfg.service(health::healthz).service(health::readyz);
}

/// A page of stories. Pass `next_cursor` back as `cursor` for the next page;
/// it is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct ArticlePage {
    pub data: Vec<ArticleSummary>,
    #[schema(example = "0005b81f7e1a76000b6f3e8a6a0c4a599d4e0f0c1f1e2d3c")]
    pub next_cursor: Option<String>,
}

/// A "Latest from …" block: its heading and its stories, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LatestBlock {
    #[schema(example = "Latest from Top News")]
    pub title: String,
    pub data: Vec<ArticleSummary>,
}

/// The parameters are invalid: a limit out of range, a malformed cursor or
/// date, a value of the wrong type.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// Nothing public has that slug or id.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

/// The database is unreachable; retry after the `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying")))]
pub struct Unavailable(#[allow(dead_code)] Problem);

/// The client's copy (named in `If-None-Match`) is still current.
#[derive(ToResponse)]
#[response(headers(("ETag" = String), ("Cache-Control" = String)))]
pub struct NotModified;

/// `limit`, checked against its range.
pub fn limit(value: Option<i64>, default: i64, max: i64) -> Result<i64, ApiError> {
    match value {
        None => Ok(default),
        Some(n) if (1..=max).contains(&n) => Ok(n),
        Some(_) => Err(ApiError::invalid(
            "limit",
            format!("must be between 1 and {max}"),
        )),
    }
}

/// An RFC 3339 date-time parameter, as UTC.
pub fn timestamp(field: &str, value: Option<&str>) -> Result<Option<NaiveDateTime>, ApiError> {
    value
        .map(|raw| {
            DateTime::parse_from_rfc3339(raw.trim())
                .map(|t| {
                    // Outside years 1-9999 both databases would disagree;
                    // such a bound means "since ever" or "until ever".
                    let (first, last) = crate::cursor::bounds();
                    crate::models::truncate_micros(t.naive_utc()).clamp(first, last)
                })
                .map_err(|_| {
                    ApiError::invalid(
                        field,
                        "must be an RFC 3339 date-time such as 2021-01-05T00:00:00Z",
                    )
                })
        })
        .transpose()
}

/// A feed named by a kind and a slug, before it is looked up.
#[derive(Debug, Clone)]
pub enum FeedRef {
    All,
    Section(String),
    Tag(String),
    Author(String),
}

/// Looks a feed's slug up: the feed and the name to title it with, or 404.
pub fn resolve_feed(conn: &mut DbConnection, feed: &FeedRef) -> Result<(Feed, String), ApiError> {
    let missing =
        |kind: &str, slug: &str| ApiError::NotFound(format!("No {kind} has the slug '{slug}'."));
    match feed {
        FeedRef::All => Ok((Feed::All, "the newsroom".into())),
        FeedRef::Section(slug) => section::find_by_slug(conn, slug)?
            .map(|s| (Feed::Section(s.id), s.name))
            .ok_or_else(|| missing("section", slug)),
        FeedRef::Tag(slug) => tag::find_by_slug(conn, slug)?
            .map(|t| (Feed::Tag(t.id), t.name))
            .ok_or_else(|| missing("tag", slug)),
        FeedRef::Author(slug) => author::find_by_slug(conn, slug)?
            .map(|a| (Feed::Author(a.id), a.name))
            .ok_or_else(|| missing("author", slug)),
    }
}

/// Paging for lists ordered by slug (tags, authors).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlugPageParams {
    /// Items per page, 1 to 100 (default 50).
    #[param(minimum = 1, maximum = 100, example = 50)]
    pub limit: Option<i64>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^(2d|3[0-9]|6[1-9a-f]|7[0-9a]){1,200}$")]
    pub cursor: Option<String>,
}
