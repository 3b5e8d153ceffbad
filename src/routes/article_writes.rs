//! The newsroom's article writes. Every one needs a bearer token; what it
//! may do follows the caller's role (see `editorial::policy`).

use actix_web::http::header::{self, EntityTag};
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use crate::auth::AuthUser;
use crate::editorial::write::{self, Expect, Target};
use crate::editorial::{editorial_view, policy, ArticleInput, Current, EditorialArticle};
use crate::error::ApiError;
use crate::models::{article, revision};
use crate::routes::extract::{IdempotencyKey, Precondition};
use crate::routes::idempotency::{respond, Created, Once};
use crate::routes::json_body;
use crate::state::AppState;

/// An article answer for the newsroom: never cached, with its version as
/// a strong ETag for If-Match.
fn editorial_response(status: u16, view: &EditorialArticle) -> Result<HttpResponse, ApiError> {
    let body = serde_json::to_string(view).map_err(|e| ApiError::Internal(e.into()))?;
    Ok(respond(
        status,
        body,
        Some(&location(&view.slug)),
        Some(&version_tag(view.version)),
    ))
}

fn location(slug: &str) -> String {
    format!("/v1/articles/{slug}")
}

fn version_tag(version: i32) -> String {
    EntityTag::new_strong(format!("v{version}")).to_string()
}

/// Create an article.
///
/// Needs a token; contributors may create drafts only. Send an
/// `Idempotency-Key` to make retries safe: the same key with the same body
/// answers the first response again without a second article; the same key
/// with another body answers 422.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("contributor"))),
    request_body = crate::routes::NewArticleInput,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes retries safe: 1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Created", body = EditorialArticle,
            headers(("Location" = String), ("ETag" = String))),
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
#[post("/articles")]
pub async fn create_article(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    key: IdempotencyKey,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let raw = body.into_inner();
    let input: ArticleInput = json_body(raw.clone())?;
    let once = Once::new(&req, key, &caller.principal, &raw);
    if let Some(reply) = once.replayed(&state).await? {
        return Ok(reply);
    }
    let prepared = write::prepare(&state, &caller, None, &input).await?;
    once.create(&state, move |conn| {
        // A new article has nothing to move under it, so this always stores.
        let written = write::persist(conn, &caller, None, prepared, &Expect::Unconditional)?
            .ok_or_else(|| ApiError::Conflict("The article could not be created; retry.".into()))?;
        let view = editorial_view(conn, written.article)?;
        Created::json(&view, location(&view.slug), Some(version_tag(view.version)))
    })
    .await
}

/// Update an article: change status (publish, schedule, unpublish,
/// archive) or any field.
///
/// Send `If-Match: "v<version>"` (the ETag of the article's last answer) to
/// change it only if nobody else has since; a stale version answers 412.
/// Without If-Match the last write wins. A body that changes nothing keeps
/// the version and records no revision.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("contributor"))),
    request_body = ArticleInput,
    params(
        ("article" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The story's slug or id"),
        ("If-Match" = Option<String>, Header, description = "The version to change, as its ETag"),
    ),
    responses(
        (status = 200, description = "The article as changed", body = EditorialArticle, headers(("ETag" = String))),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 409, response = crate::routes::Conflict),
        (status = 412, response = crate::routes::PreconditionFailed),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[patch("/articles/{article}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let input: ArticleInput = json_body(body.into_inner())?;
    let target = Target::Existing(path.into_inner());
    let (_, view) = write::save(&state, &caller, target, &input, &precondition.0).await?;
    editorial_response(200, &view)
}

/// Delete an article.
///
/// Honours `If-Match` like PATCH. Editors may delete any article, authors
/// their own, contributors their own drafts. Its revisions go with it.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("contributor"))),
    params(
        ("article" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The story's slug or id"),
        ("If-Match" = Option<String>, Header, description = "The version to delete, as its ETag"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 412, response = crate::routes::PreconditionFailed),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[delete("/articles/{article}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    write::delete(&state, caller, path.into_inner(), precondition.0).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Create or update the article with this external id (for newsroom tools).
///
/// The body is the whole article. Sending the same body again changes
/// nothing: same version, same `updated_at`, no new revision. Answers 201
/// when it created the article, 200 otherwise. Honours `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("contributor"))),
    request_body = crate::routes::NewArticleInput,
    params(
        ("external_id" = String, Path, description = "The story's id in the sending system"),
        ("If-Match" = Option<String>, Header, description = "The version to change, as its ETag"),
    ),
    responses(
        (status = 200, description = "Updated, or already so", body = EditorialArticle, headers(("ETag" = String))),
        (status = 201, description = "Created", body = EditorialArticle, headers(("ETag" = String), ("Location" = String))),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 409, response = crate::routes::Conflict),
        (status = 412, response = crate::routes::PreconditionFailed),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[put("/articles/external/{external_id}")]
pub async fn upsert_article_by_external_id(
    state: web::Data<AppState>,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let external_id = path.into_inner();
    if external_id.is_empty()
        || external_id.chars().count() > crate::editorial::MAX_EXTERNAL_ID
        || external_id.trim() != external_id
        || external_id.chars().any(char::is_control)
    {
        return Err(ApiError::invalid(
            "external_id",
            "must be 1 to 200 characters, without surrounding spaces",
        ));
    }
    let mut input: ArticleInput = json_body(body.into_inner())?;
    match &input.external_id {
        Some(Some(given)) if *given != external_id => {
            return Err(ApiError::Validation(vec![crate::error::FieldError {
                field: "external_id".into(),
                message: "must match the external id in the path".into(),
            }]))
        }
        _ => input.external_id = Some(Some(external_id.clone())),
    }
    // External ids belong to their sender: this names the caller's own.
    let target = Target::External {
        owner: caller.principal.clone(),
        id: external_id,
    };
    let (created, view) = write::save(&state, &caller, target, &input, &precondition.0).await?;
    editorial_response(if created { 201 } else { 200 }, &view)
}

/// One change to an article.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    /// The version this change produced.
    pub version: i32,
    /// `user:<id>` or `integration:<id>`.
    pub actor: String,
    pub actor_name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Each changed field: `{"from": …, "to": …}` (sections, tags, authors
    /// and also_read by id).
    #[schema(value_type = Object)]
    pub changes: serde_json::Value,
}

/// An article's history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub data: Vec<RevisionView>,
}

/// List an article's revisions (newest first).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("contributor"))),
    params(("article" = String, Path, pattern = "^[a-z0-9-]{1,200}$", description = "The story's slug or id")),
    responses(
        (status = 200, description = "Its revisions", body = RevisionList),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/articles/{article}/revisions")]
pub async fn list_article_revisions(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let key = path.into_inner();
    let data = state
        .read(move |conn| {
            let missing = || ApiError::NotFound(format!("No article has the slug or id '{key}'."));
            let found = article::find_any(conn, &key)?.ok_or_else(missing)?;
            // Someone else's story is as invisible here as in a preview.
            if !policy::may_preview(&caller, &Current::load(conn, found.clone())?) {
                return Err(missing());
            }
            Ok(revision::of_article(conn, &found.id)?
                .into_iter()
                .map(|r| RevisionView {
                    version: r.version,
                    actor: r.actor,
                    actor_name: r.actor_name,
                    created_at: crate::views::timestamp(r.created_at),
                    changes: serde_json::from_str(&r.changes).unwrap_or(serde_json::Value::Null),
                })
                .collect())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RevisionList { data }))
}
