//! `/v1/articles/{article}/corrections`: corrections appended to published
//! stories (editors), deleted only by admins.

use actix_web::http::header::EntityTag;
use actix_web::{delete, post, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::{AuthUser, Role};
use crate::editorial::write::{self, CorrectionInput};
use crate::error::ApiError;
use crate::routes::extract::{IdempotencyKey, Precondition};
use crate::routes::idempotency::{Created, Once};
use crate::routes::json_body;
use crate::state::AppState;
use crate::views::CorrectionView;

use super::ArticlePath;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct CorrectionPath {
    /// The story's slug or id.
    #[param(
        pattern = "^[a-z0-9-]{1,200}$",
        example = "mexico-offers-assange-political-asylum"
    )]
    pub article: String,
    /// The correction's id.
    #[param(
        pattern = "^[a-z0-9-]{1,200}$",
        example = "0c1d7a64-9a0e-4c7e-9c52-3f6f1b0e9a11"
    )]
    pub correction: String,
}

/// Correct a published story (editors).
///
/// Appends a correction, shown on the story (`corrections`, oldest first,
/// and `corrected_at`); the story's `updated_at` and version move, feeds
/// show it as updated, and the change feed carries an `article.updated`.
/// `changes` may fix the story's fields in the same write, as PATCH takes
/// them (not its status or timing); the correction and the fix land
/// together or not at all. A correction is never edited: a later one can
/// `amends` an earlier one. Only a published story can be corrected (409
/// otherwise). Honours `If-Match`; the answer's ETag is the story's new
/// version. Send an `Idempotency-Key` to make retries safe.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = CorrectionInput,
    params(ArticlePath, Precondition, IdempotencyKey),
    responses(
        (status = 201, description = "The correction, now public", body = CorrectionView, headers(("ETag" = String), ("Location" = String))),
        crate::routes::responses::ConditionalChangeErrors,
    )
)]
#[post("/articles/{article}/corrections")]
pub async fn correct_article(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    precondition: Precondition,
    idempotency: IdempotencyKey,
    path: web::Path<ArticlePath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    // The role first: a body from someone who may not correct is not read.
    caller.require(Role::Editor)?;
    let raw = body.into_inner();
    let (input, errors) = json_body::<CorrectionInput>(raw.clone())?;
    errors.finish()?;
    let once = Once::new(&req, idempotency, &caller.principal, &raw);
    if let Some(reply) = once.replayed(&state).await? {
        return Ok(reply);
    }
    let key = String::from(path.into_inner());
    let prepared = write::prepare_correction(&state, &caller, &key, input).await?;
    let site = state.config.site.clone();
    let expect = precondition.0;
    once.create(&state, move |conn| {
        let (view, story) = write::store_correction(conn, &caller, &key, prepared, &expect, &site)?;
        Created::json(
            &view,
            format!("/v1/articles/{}", story.slug),
            Some(EntityTag::new_strong(format!("v{}", story.version)).to_string()),
        )
    })
    .await
}

/// Delete a correction (admins).
///
/// For the rare correction that must go (a legal reason, a mistake of its
/// own): the story's version moves and its revisions record who removed
/// which text. Anyone else gets 403.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(CorrectionPath),
    responses(
        (status = 204, description = "Deleted"),
        crate::routes::responses::ChangeErrors,
    )
)]
#[delete("/articles/{article}/corrections/{correction}")]
pub async fn delete_correction(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<CorrectionPath>,
) -> Result<HttpResponse, ApiError> {
    let CorrectionPath {
        article,
        correction,
    } = path.into_inner();
    write::remove_correction(&state, caller, article, correction).await?;
    Ok(HttpResponse::NoContent().finish())
}
