//! The newsroom's article writes. Every one needs a bearer token; what it
//! may do follows the caller's role (see `editorial::policy`).

use std::collections::BTreeMap;

use actix_web::http::header::{self, EntityTag};
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::auth::{AuthUser, Role};
use crate::editorial::write::{self, Expect, Target, WithdrawalInput};
use crate::editorial::{editorial_view, policy, ArticleInput, Current, EditorialArticle};
use crate::error::ApiError;
use crate::models::{article, revision};
use crate::routes::extract::{IdempotencyKey, Limit, Precondition};
use crate::routes::idempotency::{respond, Created, Once};
use crate::routes::json_body;
use crate::state::AppState;
use crate::validation::FieldErrors;

use super::ArticlePath;

/// An article answer for the newsroom: never cached, with its version as
/// a strong ETag for If-Match.
pub(super) fn editorial_response(
    status: u16,
    view: &EditorialArticle,
) -> Result<HttpResponse, ApiError> {
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
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Created", body = EditorialArticle,
            headers(("Location" = String), ("ETag" = String))),
        crate::routes::responses::CreateErrors,
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
    let (input, read_errors) = json_body::<ArticleInput>(raw.clone())?;
    let once = Once::new(&req, key, &caller.principal, &raw);
    if let Some(reply) = once.replayed(&state).await? {
        return Ok(reply);
    }
    let prepared = write::prepare(&state, &caller, None, &input, read_errors).await?;
    let site = state.config.site.clone();
    once.create(&state, move |conn| {
        // A new article has nothing to move under it, so this always stores.
        let written = write::persist(conn, &caller, None, prepared, &Expect::Unconditional)?
            .ok_or_else(|| ApiError::Conflict("The article could not be created; retry.".into()))?;
        let view = editorial_view(conn, &site, written.article)?;
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
    params(ArticlePath, Precondition),
    responses(
        (status = 200, description = "The article as changed", body = EditorialArticle, headers(("ETag" = String))),
        crate::routes::responses::ConditionalChangeErrors,
    )
)]
#[patch("/articles/{article}")]
pub async fn update_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<ArticlePath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let (input, read_errors) = json_body::<ArticleInput>(body.into_inner())?;
    let target = Target::Existing(String::from(path.into_inner()));
    let (_, view) = write::save(
        &state,
        &caller,
        target,
        &input,
        read_errors,
        &precondition.0,
    )
    .await?;
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
    params(ArticlePath, Precondition),
    responses(
        (status = 204, description = "Deleted"),
        crate::routes::responses::ConditionalDeleteErrors,
    )
)]
#[delete("/articles/{article}")]
pub async fn delete_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<ArticlePath>,
) -> Result<HttpResponse, ApiError> {
    write::delete(
        &state,
        caller,
        String::from(path.into_inner()),
        precondition.0,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The sender's id of a story.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ExternalPath {
    /// The story's id in the sending system: 1 to 200 characters, without
    /// surrounding spaces. It belongs to the caller.
    #[param(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\s\\x00-\\x1f\\x7f-\\x9f](?:[^\\x00-\\x1f\\x7f-\\x9f]*[^\\s\\x00-\\x1f\\x7f-\\x9f])?$",
        example = "wire-2021-0412-assange"
    )]
    pub external_id: String,
}

/// Create or update the article with this external id (for newsroom tools).
///
/// The body is the whole article. Sending the same body again changes
/// nothing: same version, same `updated_at`, no new revision. Answers 201
/// when it created the article, 200 otherwise. Honours `If-Match`.
/// External ids belong to their sender: this names the caller's own.
///
/// Wire tools may send an IPTC ninjs 3.1 item instead, as
/// `Content-Type: application/vnd.iptc.ninjs+json`: the main headline,
/// the summary description (standfirst), the HTML body (a `text/plain`
/// one becomes paragraphs; sanitized like any other), `subjects` as tags
/// (the one byline exported as the section, as the section), `language`,
/// `embargoed`, `copyrightNotice` as the credit and the picture as the
/// featured image. `pubStatus` `usable` publishes, `withheld` unpublishes
/// and `canceled` withdraws (editors). An item that is not ninjs, or lacks
/// a headline or body, is 422 naming the ninjs path (`/headlines`).
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("contributor"))),
    request_body(content(
        (crate::routes::NewArticleInput = "application/json"),
        (serde_json::Value = "application/vnd.iptc.ninjs+json")
    )),
    params(ExternalPath, Precondition),
    responses(
        (status = 200, description = "Updated, or already so", body = EditorialArticle, headers(("ETag" = String))),
        (status = 201, description = "Created", body = EditorialArticle, headers(("ETag" = String), ("Location" = String))),
        crate::routes::responses::UpsertErrors,
    )
)]
#[put("/articles/external/{external_id}")]
pub async fn upsert_article_by_external_id(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<ExternalPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    let external_id = path.into_inner().external_id;
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
    // A ninjs item maps onto the same write; `canceled` withdraws it.
    let (mut input, mut read_errors, withdraw) = if crate::formats::ninjs::is_ninjs(&req) {
        let bytes =
            serde_json::to_vec(&body.into_inner()).map_err(|e| ApiError::Internal(e.into()))?;
        let imported = crate::formats::ninjs::import(&bytes)?;
        (imported.input, FieldErrors::default(), imported.withdraw)
    } else {
        let (input, errors) = json_body::<ArticleInput>(body.into_inner())?;
        (input, errors, false)
    };
    if withdraw {
        caller.require(Role::Editor)?;
    }
    match &input.external_id {
        Some(Some(given)) if *given != external_id => {
            read_errors.add("external_id", "must match the external id in the path");
        }
        _ => input.external_id = Some(Some(external_id.clone())),
    }
    let mut expect = precondition.0;
    if withdraw {
        // Withdrawn first, then rewritten: the canceled item's text never
        // goes public on the story's way out.
        let (owner, id) = (caller.principal.clone(), external_id.clone());
        let found = state
            .read(move |conn| Ok(article::find_by_external_id(conn, &owner, &id)?))
            .await?;
        if let Some(found) = found.filter(|a| a.status == article::STATUS_PUBLISHED) {
            let notice = WithdrawalInput {
                notice: "This story has been withdrawn by its sender.".into(),
                reason: "The sender's ninjs item has pubStatus canceled.".into(),
            };
            let withdrawn =
                write::withdraw(&state, caller.clone(), found.id, notice, expect.clone()).await?;
            if expect != Expect::Unconditional {
                expect = Expect::OneOf(vec![withdrawn.version]);
            }
        }
    }
    let target = Target::External {
        owner: caller.principal.clone(),
        id: external_id,
    };
    let (created, view) =
        write::save(&state, &caller, target, &input, read_errors, &expect).await?;
    editorial_response(if created { 201 } else { 200 }, &view)
}

/// One field's change.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    /// The value before (null when the field was empty or new).
    #[schema(required)]
    pub from: serde_json::Value,
    /// The value after.
    #[schema(required)]
    pub to: serde_json::Value,
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
    /// Each changed field, by its write-body name (sections, tags, authors
    /// and also_read by id).
    pub changes: BTreeMap<String, FieldChange>,
}

/// An article's history, newest first. Pass `next_cursor` back as
/// `cursor` for older revisions; it is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionList {
    pub data: Vec<RevisionView>,
    #[schema(required, pattern = "^[0-9]{1,9}$")]
    pub next_cursor: Option<String>,
}

/// Paging through revisions.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RevisionCursor {
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9]{1,9}$")]
    pub cursor: Option<String>,
}

/// List an article's revisions (newest first).
///
/// Of the caller's own stories, or of any story for editors.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("contributor"))),
    params(ArticlePath, Limit<50, 100>, RevisionCursor),
    responses(
        (status = 200, description = "Its revisions", body = RevisionList),
        crate::routes::responses::NewsroomReadErrors,
    )
)]
#[get("/articles/{article}/revisions")]
pub async fn list_article_revisions(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<ArticlePath>,
    limit: Limit<50, 100>,
    params: web::Query<RevisionCursor>,
) -> Result<HttpResponse, ApiError> {
    let key = String::from(path.into_inner());
    let before = match params.into_inner().cursor {
        None => None,
        Some(raw) => Some(raw.parse::<i32>().map_err(|_| {
            ApiError::invalid(
                "cursor",
                "is not a cursor this API issued; pass back `next_cursor` unchanged",
            )
        })?),
    };
    let limit = limit.get();
    let mut data: Vec<RevisionView> = state
        .read(move |conn| {
            let missing = || ApiError::NotFound(format!("No article has the slug or id '{key}'."));
            let found = article::find_any(conn, &key)?.ok_or_else(missing)?;
            // Someone else's story is as invisible here as in a preview.
            if !policy::may_preview(&caller, &Current::load(conn, found.clone())?) {
                return Err(missing());
            }
            Ok(revision::of_article(conn, &found.id, before, limit + 1)?
                .into_iter()
                .map(|r| RevisionView {
                    version: r.version,
                    actor: r.actor,
                    actor_name: r.actor_name,
                    created_at: crate::views::timestamp(r.created_at),
                    changes: serde_json::from_str(&r.changes).unwrap_or_default(),
                })
                .collect())
        })
        .await?;
    let next_cursor = (data.len() as i64 > limit).then(|| {
        data.truncate(limit as usize);
        data[data.len() - 1].version.to_string()
    });
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(RevisionList { data, next_cursor }))
}
