//! HTTP handlers, one file per resource. Handlers parse and check their
//! inputs, call the models and views inside `AppState::db`, and shape the
//! answer; they hold no queries of their own.

pub mod article_writes;
pub mod articles;
pub mod auth;
pub mod authors;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod latest;
pub mod people;
pub mod sections;
pub mod tags;
pub mod taxonomy_writes;

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
    cfg.service(auth::issue_token)
        .service(auth::revoke_token)
        .service(articles::list_articles)
        .service(article_writes::create_article)
        .service(article_writes::upsert_article_by_external_id)
        .service(article_writes::list_article_revisions)
        .service(articles::get_article)
        .service(article_writes::update_article)
        .service(article_writes::delete_article)
        .service(latest::list_latest)
        .service(sections::list_sections)
        .service(taxonomy_writes::create_section)
        .service(taxonomy_writes::update_section)
        .service(taxonomy_writes::delete_section)
        .service(taxonomy_writes::create_tag)
        .service(taxonomy_writes::update_tag)
        .service(taxonomy_writes::delete_tag)
        .service(taxonomy_writes::create_author)
        .service(taxonomy_writes::update_author)
        .service(taxonomy_writes::delete_author)
        .service(sections::get_section)
        .service(sections::list_section_latest)
        .service(tags::list_tags)
        .service(tags::get_tag)
        .service(tags::list_tag_latest)
        .service(authors::list_authors)
        .service(authors::get_author)
        .service(authors::list_author_latest)
        .service(people::list_users)
        .service(people::create_user)
        .service(people::update_user)
        .service(people::list_integrations)
        .service(people::create_integration)
        .service(people::revoke_integration);
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

/// No valid access token: it is missing, malformed, expired, tampered
/// with, signed with another algorithm, or its access has been revoked.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("WWW-Authenticate" = String)))]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// The caller's role does not allow this.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// The change conflicts with existing state: a slug or external id already
/// taken, or something still in use.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(#[allow(dead_code)] Problem);

/// `If-Match` names a version that is no longer current.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

/// The body is larger than the configured limit (default 2 MiB).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

/// The body is not in a media type this operation reads.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

/// The body is well-formed but invalid; `errors` lists every failing field.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(#[allow(dead_code)] Problem);

/// Too many requests; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u32)))]
pub struct TooManyRequests(#[allow(dead_code)] Problem);

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

/// A slug (or id) parameter: lower-case letters, digits and hyphens, as the
/// spec's pattern says.
pub fn slug_param(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v)
            if v.is_empty()
                || v.len() > 200
                || !v
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-')) =>
        {
            Err(ApiError::invalid(
                field,
                "must be a slug: lower-case letters, digits and hyphens",
            ))
        }
        other => Ok(other),
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

/// Looks a public feed's slug up: the feed and the name to title it with,
/// or 404 (also for a section, tag or author the public cannot see yet).
pub fn resolve_feed(
    conn: &mut DbConnection,
    feed: &FeedRef,
    now: NaiveDateTime,
) -> Result<(Feed, String), ApiError> {
    let missing =
        |kind: &str, slug: &str| ApiError::NotFound(format!("No {kind} has the slug '{slug}'."));
    match feed {
        FeedRef::All => Ok((Feed::All, "the newsroom".into())),
        FeedRef::Section(slug) => section::find_public_by_slug(conn, slug, now)?
            .map(|s| (Feed::Section(s.id), s.name))
            .ok_or_else(|| missing("section", slug)),
        FeedRef::Tag(slug) => tag::find_public_by_slug(conn, slug, now)?
            .map(|t| (Feed::Tag(t.id), t.name))
            .ok_or_else(|| missing("tag", slug)),
        FeedRef::Author(slug) => author::find_public_by_slug(conn, slug, now)?
            .map(|a| (Feed::Author(a.id), a.name))
            .ok_or_else(|| missing("author", slug)),
    }
}

/// Which of these section, tag or author ids the public may see now.
pub type PublicIds =
    fn(&mut DbConnection, &[String], NaiveDateTime) -> diesel::QueryResult<Vec<String>>;

/// When a section, tag or author (feed `prefix`) that the public cannot
/// see yet becomes public, because a scheduled story carrying it goes live:
/// the moment a list of them changes by itself.
pub fn next_unveiling(
    conn: &mut DbConnection,
    cache: &crate::cache::ResponseCache,
    now: NaiveDateTime,
    prefix: &str,
    public_ids: PublicIds,
) -> diesel::QueryResult<Option<NaiveDateTime>> {
    let schedule = cache.schedule_in(conn, now)?;
    let pending = schedule.entries(prefix);
    let ids: Vec<String> = pending.iter().map(|(id, _)| id.clone()).collect();
    let public = public_ids(conn, &ids, now)?;
    let next = pending
        .into_iter()
        .filter(|(id, _)| !public.contains(id))
        .map(|(_, at)| at)
        .min();
    Ok(next.or_else(|| {
        schedule
            .truncated()
            .then(|| schedule.next(|_| false))
            .flatten()
    }))
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

/// A JSON write body, read into `T`. A member of the wrong type or an
/// unknown member answers 422 naming it.
pub fn json_body<T: serde::de::DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "body".to_string()
        } else {
            path
        };
        ApiError::Validation(vec![crate::error::FieldError {
            field,
            message: e.into_inner().to_string(),
        }])
    })
}

/// Declares a create-body schema: the patch body `$base` with `$field`s
/// required. PATCH takes `$base` (every member optional); POST and PUT take
/// this, so the spec says exactly what a create needs.
macro_rules! creating {
    ($name:ident, $base:ty, $doc:literal, [$($field:literal),+]) => {
        #[doc = $doc]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                use utoipa::openapi::schema::{AllOfBuilder, ObjectBuilder};
                AllOfBuilder::new()
                    .item(utoipa::openapi::Ref::from_schema_name(<$base as utoipa::ToSchema>::name()))
                    .item(ObjectBuilder::new()$(.required($field))+)
                    .description(Some($doc))
                    .into()
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(
                schemas: &mut Vec<(String, utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>)>,
            ) {
                schemas.push((
                    <$base as utoipa::ToSchema>::name().into_owned(),
                    <$base as utoipa::PartialSchema>::schema(),
                ));
                <$base as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

creating!(
    NewArticleInput,
    crate::editorial::ArticleInput,
    "A whole article: an ArticleInput with `headline` and `body`.",
    ["headline", "body"]
);
creating!(
    NewSectionInput,
    taxonomy_writes::SectionInput,
    "A new section: a SectionInput with `name`.",
    ["name"]
);
creating!(
    NewTagInput,
    taxonomy_writes::TagInput,
    "A new tag: a TagInput with `name`.",
    ["name"]
);
creating!(
    NewAuthorInput,
    taxonomy_writes::AuthorInput,
    "A new author profile: an AuthorInput with `name`.",
    ["name"]
);
