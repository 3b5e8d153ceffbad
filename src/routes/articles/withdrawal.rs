//! `/v1/articles/{article}/withdrawal`: withdrawing (killing) a story
//! (editors) and restoring it (admins).

use actix_web::{delete, post, web, HttpResponse};

use crate::auth::{AuthUser, Role};
use crate::editorial::write::{self, WithdrawalInput};
use crate::editorial::EditorialArticle;
use crate::error::ApiError;
use crate::routes::extract::Precondition;
use crate::routes::json_body;
use crate::state::AppState;

use super::write::editorial_response;
use super::ArticlePath;

/// Withdraw a story (editors).
///
/// For a story that must come down (a legal order, a grave error): from
/// now on its slug and id answer 410 Gone with the public `notice` as the
/// problem's detail, and it leaves every list, block, "Also read",
/// Previous/Next, search, feed and sitemap at once. The change feed and
/// webhooks carry an `article.withdrawn` tombstone with the surrogate keys
/// to purge. The `reason` is the newsroom's record, shown only in its own
/// answers. This differs from unpublishing (back to draft, 404) and
/// archiving (quietly off the public, 404). Only a published or scheduled
/// story can be withdrawn (409 otherwise, and for a second withdrawal).
/// Honours `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("editor"))),
    request_body = WithdrawalInput,
    params(ArticlePath, Precondition),
    responses(
        (status = 200, description = "The story, withdrawn", body = EditorialArticle, headers(("ETag" = String))),
        crate::routes::responses::ConditionalChangeErrors,
    )
)]
#[post("/articles/{article}/withdrawal")]
pub async fn withdraw_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<ArticlePath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let (input, errors) = json_body::<WithdrawalInput>(body.into_inner())?;
    errors.finish()?;
    let key = String::from(path.into_inner());
    let view = write::withdraw(&state, caller, key, input, precondition.0).await?;
    editorial_response(200, &view)
}

/// Restore a withdrawn story (admins).
///
/// Puts it back in the state it was withdrawn from: a published story is
/// public again at once (an `article.published` event), a scheduled one
/// when its time comes. The withdrawal's notice and reason stay in the
/// revisions. 409 when the story is not withdrawn. Honours `If-Match`.
#[utoipa::path(
    tag = "articles",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(ArticlePath, Precondition),
    responses(
        (status = 200, description = "The story, restored", body = EditorialArticle, headers(("ETag" = String))),
        crate::routes::responses::ConditionalChangeErrors,
    )
)]
#[delete("/articles/{article}/withdrawal")]
pub async fn restore_article(
    state: web::Data<AppState>,
    caller: AuthUser,
    precondition: Precondition,
    path: web::Path<ArticlePath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let key = String::from(path.into_inner());
    let view = write::restore(&state, caller, key, precondition.0).await?;
    editorial_response(200, &view)
}
