//! Stories as IPTC ninjs 3.1: `GET /v1/articles/{article}/ninjs`, or the
//! story's own address with `Accept: application/vnd.iptc.ninjs+json`.
//! Reading them in is the external-id upsert's (see `write`).

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};

use crate::auth::{AuthUser, MaybeAuthUser};
use crate::editorial::{self, Current};
use crate::error::ApiError;
use crate::events::keys::Keys;
use crate::formats::ninjs::{self, PubStatus, Story};
use crate::freshness;
use crate::models::{self, article};
use crate::state::AppState;
use crate::views::{self, ArticleDetail, ArticleStatus, Locate};

use super::read::{load_public_story, PublicStory};
use super::ArticlePath;

/// Whether the request asks for ninjs (its `Accept` names the type).
pub fn wants_ninjs(req: &HttpRequest) -> bool {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.to_ascii_lowercase().contains(ninjs::MEDIA_TYPE))
}

/// The ninjs publication status a story's state maps to.
fn pub_status(status: ArticleStatus) -> PubStatus {
    match status {
        ArticleStatus::Published | ArticleStatus::Scheduled | ArticleStatus::Embargoed => {
            PubStatus::Usable
        }
        ArticleStatus::Withdrawn => PubStatus::Canceled,
        ArticleStatus::Draft | ArticleStatus::Archived => PubStatus::Withheld,
    }
}

fn export(
    detail: &ArticleDetail,
    created_at: chrono::NaiveDateTime,
    status: ArticleStatus,
    state: &AppState,
) -> Vec<u8> {
    let created_at = views::timestamp(created_at);
    let story = Story {
        detail,
        created_at: &created_at,
        language: &detail.language,
        embargoed_until: detail.embargoed_until.as_deref(),
        pub_status: pub_status(status),
    };
    serde_json::to_vec(&ninjs::export(&story, &state.config.site)).unwrap_or_default()
}

/// Get one story as IPTC ninjs 3.1.
///
/// The wire format news agencies exchange: headline, standfirst
/// (`descriptions`), sanitized HTML body, byline and authors, tags and
/// section as `subjects`, language, image, `pubStatus`, `embargoed` and the
/// credit as `copyrightNotice`/`usageTerms`. The public reads published
/// stories (cached and validated like the story itself; 410 for a
/// withdrawn one). A partner's token also reads stories under embargo
/// (`embargoed` set); a newsroom token, the states it may preview, never
/// cached. The same answer comes from the story's own address with
/// `Accept: application/vnd.iptc.ninjs+json`.
#[utoipa::path(
    tag = "articles",
    params(ArticlePath),
    responses(
        (status = 200, description = "The story as a ninjs 3.1 item",
            content_type = "application/vnd.iptc.ninjs+json", body = serde_json::Value),
        crate::routes::responses::StoryPreviewErrors,
    )
)]
#[get("/articles/{article}/ninjs")]
pub async fn get_article_ninjs(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeAuthUser,
    path: web::Path<ArticlePath>,
) -> Result<HttpResponse, ApiError> {
    answer(&state, &req, caller.0, String::from(path.into_inner())).await
}

/// The ninjs answer for `key`, as `caller` may read it.
pub async fn answer(
    state: &AppState,
    req: &HttpRequest,
    caller: Option<AuthUser>,
    key: String,
) -> Result<HttpResponse, ApiError> {
    if let Some(caller) = caller {
        let now = models::now();
        let lookup = key.clone();
        let found = state
            .read(move |conn| {
                let Some(found) = article::find_any(conn, &lookup)? else {
                    return Ok(None);
                };
                let current = Current::load(conn, found)?;
                let readable = if caller.is_partner() {
                    current.article.under_embargo(now)
                } else {
                    editorial::policy::may_preview(&caller, &current)
                };
                if !readable {
                    return Ok(None);
                }
                let a = current.article;
                let (created_at, status) = (a.created_at, editorial::shown_status(&a, now));
                Ok(Some((views::detail(conn, a, now)?, created_at, status)))
            })
            .await?;
        if let Some((mut detail, created_at, status)) = found {
            detail.locate(&state.config.site);
            return Ok(HttpResponse::Ok()
                .insert_header((header::CACHE_CONTROL, "private, no-store"))
                .insert_header((header::VARY, "Authorization, Accept"))
                .content_type(ninjs::MEDIA_TYPE)
                .body(export(&detail, created_at, status, state)));
        }
    }
    let PublicStory {
        detail,
        max_age,
        created_at,
    } = load_public_story(state, key).await?;
    let bytes = export(&detail, created_at, ArticleStatus::Published, state);
    let mut response = freshness::public(
        req,
        bytes,
        ninjs::MEDIA_TYPE,
        max_age,
        Keys::new().detail(&detail),
    );
    response
        .headers_mut()
        .append(header::VARY, header::HeaderValue::from_static("Accept"));
    Ok(response)
}
