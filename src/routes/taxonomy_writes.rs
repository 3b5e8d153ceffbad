//! Sections, tags and authors, written by editors. Deleting one that
//! articles still use is refused with 409: nothing cascades.

use actix_web::http::header;
use actix_web::{delete, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{AuthUser, Role};
use crate::content;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::author::{self, Author, AuthorChanges};
use crate::models::section::{self, Section, SectionChanges};
use crate::models::tag::{self, Tag, TagChanges};
use crate::models::{new_id, now};
use crate::routes::extract::IdempotencyKey;
use crate::routes::idempotency::{Created, Once};
use crate::routes::json_body;
use crate::state::AppState;
use crate::validation::{nullable, FieldErrors};
use crate::views::{AuthorView, SectionView, TagView};

/// A section to create or change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionInput {
    /// Generated from the name when omitted.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "world",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// Required to create.
    #[schema(example = "World", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Navigation order, lowest first.
    pub position: Option<i32>,
    /// Public even before a public story is in it (default true).
    pub listed: Option<bool>,
}

/// A tag to create or change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    /// Generated from the name when omitted.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "climate",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// Required to create.
    #[schema(example = "Climate", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Public even before a public story carries it (default true for tags
    /// made here; tags a story names into being start unlisted).
    pub listed: Option<bool>,
}

/// An author profile to create or change. `email` is private: it is stored
/// and never shown.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorInput {
    /// Generated from the name when omitted.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "jane-doe",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// Required to create.
    #[schema(example = "Jane Doe", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 5000)]
    pub bio: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2000)]
    pub avatar_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2000)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// Public even before a public story carries their byline (default true).
    pub listed: Option<bool>,
}

/// Checks name and slug; answers (slug, name) for a create, or the changed
/// ones for an update.
fn name_and_slug(
    p: &mut FieldErrors,
    name: Option<&str>,
    slug: Option<&str>,
    creating: bool,
) -> (Option<String>, Option<String>) {
    let name = match name {
        Some(n) => Some(p.text("name", n, 200, true)),
        None if creating => {
            p.add("name", "is required");
            None
        }
        None => None,
    };
    let slug = match slug {
        Some(s) => Some(p.slug("slug", s)),
        None if creating => name.as_deref().map(|n| content::slugify(n, 100)),
        None => None,
    };
    if creating && slug.as_deref() == Some("") {
        p.add("slug", "cannot be derived from that name; give one");
    }
    (slug, name)
}

fn changed<T: Serialize>(body: &T) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

fn missing(kind: &str, slug: &str) -> ApiError {
    ApiError::NotFound(format!("No {kind} has the slug '{slug}'."))
}

/// Create a section (editors).
#[utoipa::path(
    tag = "sections",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = crate::routes::NewSectionInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes retries safe: 1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Created", body = SectionView, headers(("Location" = String))),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 409, response = crate::routes::Conflict),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[post("/sections")]
pub async fn create_section(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    key: IdempotencyKey,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let raw = body.into_inner();
    let input: SectionInput = json_body(raw.clone())?;
    let mut p = FieldErrors::default();
    let (slug, name) = name_and_slug(&mut p, input.name.as_deref(), input.slug.as_deref(), true);
    let description = p.text(
        "description",
        input.description.as_deref().unwrap_or(""),
        2000,
        false,
    );
    p.finish()?;
    let stamp = now();
    let row = Section {
        id: new_id(),
        slug: slug.unwrap_or_default(),
        name: name.unwrap_or_default(),
        description,
        position: input.position.unwrap_or(0),
        listed: input.listed.unwrap_or(true),
        created_at: stamp,
        updated_at: stamp,
    };
    Once::new(&req, key, &caller.principal, &raw)
        .create(&state, move |conn| {
            section::insert(conn, &row)?;
            let location = format!("/v1/sections/{}", row.slug);
            Created::json(&SectionView::from(row), location, None)
        })
        .await
}

/// Change a section (editors).
#[utoipa::path(
    tag = "sections",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = SectionInput,
    params(("section" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The section's slug")),
    responses(
        (status = 200, description = "Changed", body = SectionView),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 409, response = crate::routes::Conflict),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[patch("/sections/{section}")]
pub async fn update_section(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let input: SectionInput = json_body(body.into_inner())?;
    let mut p = FieldErrors::default();
    let (slug, name) = name_and_slug(&mut p, input.name.as_deref(), input.slug.as_deref(), false);
    let description = input
        .description
        .as_deref()
        .map(|d| p.text("description", d, 2000, false));
    p.finish()?;
    let key = path.into_inner();
    let row = state
        .write(move |conn| {
            let found =
                section::find_by_slug(conn, &key)?.ok_or_else(|| missing("section", &key))?;
            let changes = SectionChanges {
                slug,
                name,
                description,
                position: input.position,
                listed: input.listed,
                updated_at: Some(now()),
            };
            section::update(conn, &found.id, &changes)?;
            let slug = changes.slug.unwrap_or(found.slug);
            section::find_by_slug(conn, &slug)?.ok_or_else(|| missing("section", &slug))
        })
        .await?;
    Ok(changed(&SectionView::from(row)))
}

/// Delete a section (editors); refused with 409 while articles use it.
#[utoipa::path(
    tag = "sections",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    params(("section" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The section's slug")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 409, response = crate::routes::Conflict),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[delete("/sections/{section}")]
pub async fn delete_section(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    delete_by_slug(
        &state,
        "section",
        path.into_inner(),
        |c, s| Ok(section::find_by_slug(c, s)?.map(|x| x.id)),
        section::delete,
    )
    .await
}

type FindId = fn(&mut DbConnection, &str) -> diesel::QueryResult<Option<String>>;
type DeleteById = fn(&mut DbConnection, &str) -> diesel::QueryResult<usize>;

/// Deletes the `kind` with this slug: 404 when there is none, 409 while
/// articles still use it.
async fn delete_by_slug(
    state: &AppState,
    kind: &'static str,
    slug: String,
    find: FindId,
    delete: DeleteById,
) -> Result<HttpResponse, ApiError> {
    state
        .write(move |conn| {
            let id = find(conn, &slug)?.ok_or_else(|| missing(kind, &slug))?;
            delete(conn, &id).map_err(in_use(kind))?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A refused delete reads as "still in use".
fn in_use(kind: &'static str) -> impl Fn(diesel::result::Error) -> ApiError {
    move |e| match ApiError::from(e) {
        ApiError::Conflict(_) => ApiError::Conflict(format!(
            "This {kind} is still used by articles; move them first."
        )),
        other => other,
    }
}

/// Create a tag (editors).
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = crate::routes::NewTagInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes retries safe: 1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Created", body = TagView, headers(("Location" = String))),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 409, response = crate::routes::Conflict),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[post("/tags")]
pub async fn create_tag(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    key: IdempotencyKey,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let raw = body.into_inner();
    let input: TagInput = json_body(raw.clone())?;
    let mut p = FieldErrors::default();
    let (slug, name) = name_and_slug(&mut p, input.name.as_deref(), input.slug.as_deref(), true);
    let description = p.text(
        "description",
        input.description.as_deref().unwrap_or(""),
        2000,
        false,
    );
    p.finish()?;
    let stamp = now();
    let row = Tag {
        id: new_id(),
        slug: slug.unwrap_or_default(),
        name: name.unwrap_or_default(),
        description,
        listed: input.listed.unwrap_or(true),
        created_at: stamp,
        updated_at: stamp,
    };
    Once::new(&req, key, &caller.principal, &raw)
        .create(&state, move |conn| {
            tag::insert(conn, &row)?;
            let location = format!("/v1/tags/{}", row.slug);
            Created::json(&TagView::from(row), location, None)
        })
        .await
}

/// Change a tag (editors).
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = TagInput,
    params(("tag" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The tag's slug")),
    responses(
        (status = 200, description = "Changed", body = TagView),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 409, response = crate::routes::Conflict),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[patch("/tags/{tag}")]
pub async fn update_tag(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let input: TagInput = json_body(body.into_inner())?;
    let mut p = FieldErrors::default();
    let (slug, name) = name_and_slug(&mut p, input.name.as_deref(), input.slug.as_deref(), false);
    let description = input
        .description
        .as_deref()
        .map(|d| p.text("description", d, 2000, false));
    p.finish()?;
    let key = path.into_inner();
    let row = state
        .write(move |conn| {
            let found = tag::find_by_slug(conn, &key)?.ok_or_else(|| missing("tag", &key))?;
            let changes = TagChanges {
                slug,
                name,
                description,
                listed: input.listed,
                updated_at: Some(now()),
            };
            tag::update(conn, &found.id, &changes)?;
            let slug = changes.slug.unwrap_or(found.slug);
            tag::find_by_slug(conn, &slug)?.ok_or_else(|| missing("tag", &slug))
        })
        .await?;
    Ok(changed(&TagView::from(row)))
}

/// Delete a tag (editors); refused with 409 while articles carry it.
#[utoipa::path(
    tag = "tags",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    params(("tag" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The tag's slug")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 409, response = crate::routes::Conflict),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[delete("/tags/{tag}")]
pub async fn delete_tag(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    delete_by_slug(
        &state,
        "tag",
        path.into_inner(),
        |c, s| Ok(tag::find_by_slug(c, s)?.map(|x| x.id)),
        tag::delete,
    )
    .await
}

fn optional_url(
    p: &mut FieldErrors,
    field: &str,
    value: &Option<Option<String>>,
) -> Option<Option<String>> {
    value
        .as_ref()
        .map(|v| v.as_deref().map(|u| p.url(field, u)))
}

fn optional_email(p: &mut FieldErrors, value: &Option<Option<String>>) -> Option<Option<String>> {
    value
        .as_ref()
        .map(|v| v.as_deref().map(|e| p.email("email", e)))
}

/// Create an author profile (editors).
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = crate::routes::NewAuthorInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes retries safe: 1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Created", body = AuthorView, headers(("Location" = String))),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 409, response = crate::routes::Conflict),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[post("/authors")]
pub async fn create_author(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    key: IdempotencyKey,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let raw = body.into_inner();
    let input: AuthorInput = json_body(raw.clone())?;
    let mut p = FieldErrors::default();
    let (slug, name) = name_and_slug(&mut p, input.name.as_deref(), input.slug.as_deref(), true);
    let bio = p.text("bio", input.bio.as_deref().unwrap_or(""), 5000, false);
    let avatar_url = optional_url(&mut p, "avatar_url", &input.avatar_url).flatten();
    let website = optional_url(&mut p, "website", &input.website).flatten();
    let email = optional_email(&mut p, &input.email).flatten();
    p.finish()?;
    let stamp = now();
    let row = Author {
        id: new_id(),
        slug: slug.unwrap_or_default(),
        name: name.unwrap_or_default(),
        bio,
        avatar_url,
        website,
        email,
        listed: input.listed.unwrap_or(true),
        created_at: stamp,
        updated_at: stamp,
    };
    Once::new(&req, key, &caller.principal, &raw)
        .create(&state, move |conn| {
            author::insert(conn, &row)?;
            let location = format!("/v1/authors/{}", row.slug);
            Created::json(&AuthorView::from(row), location, None)
        })
        .await
}

/// Change an author profile (editors).
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = AuthorInput,
    params(("author" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The author's slug")),
    responses(
        (status = 200, description = "Changed", body = AuthorView),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 409, response = crate::routes::Conflict),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[patch("/authors/{author}")]
pub async fn update_author(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let input: AuthorInput = json_body(body.into_inner())?;
    let mut p = FieldErrors::default();
    let (slug, name) = name_and_slug(&mut p, input.name.as_deref(), input.slug.as_deref(), false);
    let bio = input.bio.as_deref().map(|b| p.text("bio", b, 5000, false));
    let avatar_url = optional_url(&mut p, "avatar_url", &input.avatar_url);
    let website = optional_url(&mut p, "website", &input.website);
    let email = optional_email(&mut p, &input.email);
    p.finish()?;
    let key = path.into_inner();
    let row = state
        .write(move |conn| {
            let found = author::find_by_slug(conn, &key)?.ok_or_else(|| missing("author", &key))?;
            let changes = AuthorChanges {
                slug,
                name,
                bio,
                avatar_url,
                website,
                email,
                listed: input.listed,
                updated_at: Some(now()),
            };
            author::update(conn, &found.id, &changes)?;
            let slug = changes.slug.unwrap_or(found.slug);
            author::find_by_slug(conn, &slug)?.ok_or_else(|| missing("author", &slug))
        })
        .await?;
    Ok(changed(&AuthorView::from(row)))
}

/// Delete an author profile (editors); refused with 409 while articles name it.
#[utoipa::path(
    tag = "authors",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    params(("author" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The author's slug")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 409, response = crate::routes::Conflict),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[delete("/authors/{author}")]
pub async fn delete_author(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    delete_by_slug(
        &state,
        "author",
        path.into_inner(),
        |c, s| Ok(author::find_by_slug(c, s)?.map(|x| x.id)),
        author::delete,
    )
    .await
}
