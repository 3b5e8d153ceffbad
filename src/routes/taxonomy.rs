//! The handlers sections, tags and authors share, written once over
//! `taxonomy::Kind`, and `slug_routes!`, which declares each resource's
//! documented routes over them.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;
use serde_json::Value;

use crate::auth::{AuthUser, Role};
use crate::cursor;
use crate::error::ApiError;
use crate::events::{self, taxonomy::Action, Keys};
use crate::freshness;
use crate::models::now;
use crate::routes::extract::{IdempotencyKey, Limit};
use crate::routes::idempotency::{Created, Once};
use crate::routes::json_body;
use crate::state::AppState;
use crate::taxonomy::{named, renamed, Kind, Paged};
use crate::validation::FieldErrors;
use crate::views::Locate;

fn missing<K: Kind>(slug: &str) -> ApiError {
    ApiError::NotFound(format!("No {} has the slug '{slug}'.", K::NAME))
}

/// One public entry.
pub async fn get<K: Kind>(
    state: &AppState,
    req: &HttpRequest,
    slug: String,
) -> Result<HttpResponse, ApiError> {
    let now = now();
    let found = state
        .db(move |conn| K::find_public(conn, &slug, now)?.ok_or_else(|| missing::<K>(&slug)))
        .await?;
    let mut keys = Keys::new();
    keys.entry(K::NAME, K::slug(&found));
    let mut view = K::View::from(found);
    view.locate(&state.config.site);
    freshness::json(req, &view, state.config.cache_max_age, &keys)
}

/// When an entry the public cannot see yet becomes public, because a
/// scheduled story carrying it goes live: the moment a list of them
/// changes by itself.
pub fn next_unveiling<K: Kind>(
    conn: &mut crate::db::DbConnection,
    cache: &crate::response_cache::ResponseCache,
    now: chrono::NaiveDateTime,
) -> diesel::QueryResult<Option<chrono::NaiveDateTime>> {
    let schedule = cache.schedule_in(conn, now)?;
    // Which of the scheduled stories' entries are hidden is asked once per
    // change, not per request: the schedule holds up to 1,000 stories.
    cache.unveiling(K::NAME, now, schedule.first(), || {
        let pending = schedule.entries(K::FEED);
        let ids: Vec<String> = pending.iter().map(|(id, _)| id.clone()).collect();
        let public = K::public_ids(conn, &ids, now)?;
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
    })
}

/// The cursor of a list in slug order.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SlugCursor {
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^(2d|3[0-9]|6[1-9a-f]|7[0-9a]){1,200}$")]
    pub cursor: Option<String>,
}

/// A page of public entries in slug order, shaped by `page`.
pub async fn page<K: Paged, P: Serialize>(
    state: &AppState,
    req: &HttpRequest,
    limit: Limit<50, 100>,
    params: SlugCursor,
    page: impl FnOnce(Vec<K::View>, Option<String>) -> P,
) -> Result<HttpResponse, ApiError> {
    let limit = limit.get();
    let after = params
        .cursor
        .as_deref()
        .map(cursor::decode_slug)
        .transpose()?;
    let now = now();
    let cache = state.cache.clone();
    let (mut rows, next_change) = state
        .read(move |conn| {
            let rows = K::page(conn, after.as_deref(), limit + 1, now)?;
            Ok((rows, next_unveiling::<K>(conn, &cache, now)?))
        })
        .await?;
    let next_cursor = (rows.len() as i64 > limit).then(|| {
        rows.truncate(limit as usize);
        cursor::encode_slug(K::slug(&rows[rows.len() - 1]))
    });
    let mut views: Vec<K::View> = rows.into_iter().map(K::View::from).collect();
    views.locate(&state.config.site);
    let body = page(views, next_cursor);
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    freshness::json(
        req,
        &body,
        max_age,
        &Keys::from_iter([K::PLURAL.to_string()]),
    )
}

fn no_store<T: Serialize>(status: actix_web::http::StatusCode, body: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// Creates an entry (editors).
pub async fn create<K: Kind>(
    state: &AppState,
    req: &HttpRequest,
    caller: AuthUser,
    key: IdempotencyKey,
    raw: Value,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let (input, mut e) = json_body::<K::Input>(raw.clone())?;
    let naming = K::naming(&input);
    let row = K::new_row(&input, named(naming, &mut e, now()), &mut e);
    e.finish()?;
    let site = state.config.site.clone();
    Once::new(req, key, &caller.principal, &raw)
        .create(state, move |conn| {
            K::insert(conn, &row)?;
            events::taxonomy::changed::<K>(conn, &site, Action::Created, None, Some(&row), now())?;
            let location = format!("/v1/{}/{}", K::PLURAL, K::slug(&row));
            let mut view = K::View::from(row);
            view.locate(&site);
            Created::json(&view, location, None)
        })
        .await
}

/// Changes an entry (editors).
pub async fn update<K: Kind>(
    state: &AppState,
    caller: AuthUser,
    slug: String,
    raw: Value,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let (input, mut e): (K::Input, FieldErrors) = json_body(raw)?;
    let renamed = renamed(K::naming(&input), &mut e, now());
    let new_slug = renamed.slug.clone();
    let changes = K::changes(&input, renamed, &mut e);
    e.finish()?;
    let site = state.config.site.clone();
    let row = state
        .write(move |conn| {
            let found = K::find_by_slug(conn, &slug)?.ok_or_else(|| missing::<K>(&slug))?;
            let was_public = K::find_public(conn, &slug, now())?.is_some();
            K::update(conn, K::id(&found), &changes)?;
            let slug = new_slug.unwrap_or_else(|| K::slug(&found).to_string());
            let row = K::find_by_slug(conn, &slug)?.ok_or_else(|| missing::<K>(&slug))?;
            let before = Some((&found, was_public));
            events::taxonomy::changed::<K>(
                conn,
                &site,
                Action::Updated,
                before,
                Some(&row),
                now(),
            )?;
            Ok(row)
        })
        .await?;
    let mut view = K::View::from(row);
    view.locate(&state.config.site);
    Ok(no_store(actix_web::http::StatusCode::OK, &view))
}

/// Deletes an entry (editors): 404 when there is none, 409 while articles
/// still refer to it. Nothing cascades.
pub async fn delete<K: Kind>(
    state: &AppState,
    caller: AuthUser,
    slug: String,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Editor)?;
    let site = state.config.site.clone();
    state
        .write(move |conn| {
            let found = K::find_by_slug(conn, &slug)?.ok_or_else(|| missing::<K>(&slug))?;
            let was_public = K::find_public(conn, &slug, now())?.is_some();
            K::delete(conn, K::id(&found)).map_err(|e| match ApiError::from(e) {
                ApiError::Conflict(_) => ApiError::Conflict(format!(
                    "This {} is still used by articles; move them first.",
                    K::NAME
                )),
                other => other,
            })?;
            let before = Some((&found, was_public));
            events::taxonomy::changed::<K>(conn, &site, Action::Deleted, before, None, now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Declares a slug-named resource's documented routes over the shared
/// handlers: one entry, its "latest" block, and its writes. (Its list
/// differs per kind, so each resource module writes its own.)
macro_rules! slug_routes {
    (
        kind: $kind:ty,
        tag: $tag:tt,
        path: $path:ty,
        list: $list:ident,
        view: $view:ty,
        input: $input:ty,
        new_input: $new_input:ty,
        collection: $collection:tt,
        item: $item:tt,
        latest: $latest:tt,
        feed: $feed:tt,
        get: $get:ident = $get_doc:tt,
        block: $block:ident = $block_doc:tt,
        feed_fn: $feed_fn:ident = $feed_doc:tt,
        create: $create:ident = $create_doc:tt,
        update: $update:ident = $update_doc:tt,
        delete: $delete:ident = $delete_doc:tt,
    ) => {
        #[doc = $get_doc]
        #[utoipa::path(
            tag = $tag,
            params($path),
            responses(
                (status = 200, description = "The entry", body = $view),
                crate::routes::responses::ItemReadErrors,
            )
        )]
        #[get($item)]
        pub async fn $get(
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<$path>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::routes::taxonomy::get::<$kind>(&state, &req, String::from(path.into_inner())).await
        }

        #[doc = $block_doc]
        #[utoipa::path(
            tag = "latest",
            params(
                $path,
                crate::routes::extract::Limit<5, 50>,
                crate::routes::latest::LatestParams,
            ),
            responses(
                (status = 200, description = "The block", body = crate::routes::latest::LatestBlock),
                crate::routes::responses::ItemReadErrors,
            )
        )]
        #[get($latest)]
        pub async fn $block(
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<$path>,
            limit: crate::routes::extract::Limit<5, 50>,
            params: actix_web::web::Query<crate::routes::latest::LatestParams>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            let feed = crate::routes::FeedRef::of::<$kind>(String::from(path.into_inner()));
            crate::routes::latest::latest_block(&state, &req, feed, limit, params.into_inner()).await
        }

        #[doc = $feed_doc]
        ///
        /// RSS 2.0, Atom 1.0 or JSON Feed 1.1 (`format`) of the newest
        /// public stories, as the site's feed (`/v1/feeds/{format}`) has them.
        #[utoipa::path(
            tag = "feeds",
            params(
                $path,
                crate::routes::feeds::FormatPath,
                crate::routes::feeds::FeedParams,
            ),
            responses(
                (status = 200, description = "The feed",
                    content(
                        (String = "application/rss+xml"),
                        (String = "application/atom+xml"),
                        (serde_json::Value = "application/feed+json"),
                    ),
                    headers(("Last-Modified" = String), ("ETag" = String))),
                crate::routes::responses::ItemReadErrors,
            )
        )]
        #[get($feed)]
        pub async fn $feed_fn(
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            path: actix_web::web::Path<$path>,
            format: actix_web::web::Path<crate::routes::feeds::FormatPath>,
            params: actix_web::web::Query<crate::routes::feeds::FeedParams>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            let feed = crate::routes::FeedRef::of::<$kind>(String::from(path.into_inner()));
            let format = format.into_inner().format;
            crate::routes::feeds::serve(&state, &req, feed, &format, params.into_inner()).await
        }

        #[doc = $create_doc]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            extensions(("x-required-role" = json!("editor"))),
            request_body = $new_input,
            params(crate::routes::extract::IdempotencyKey),
            responses(
                (status = 201, description = "Created", body = $view, headers(("Location" = String))),
                crate::routes::responses::CreateErrors,
            )
        )]
        #[post($collection)]
        pub async fn $create(
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            caller: crate::auth::AuthUser,
            key: crate::routes::extract::IdempotencyKey,
            body: actix_web::web::Json<serde_json::Value>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::routes::taxonomy::create::<$kind>(&state, &req, caller, key, body.into_inner()).await
        }

        #[doc = $update_doc]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            extensions(("x-required-role" = json!("editor"))),
            request_body = $input,
            params($path),
            responses(
                (status = 200, description = "Changed", body = $view),
                crate::routes::responses::ChangeErrors,
            )
        )]
        #[patch($item)]
        pub async fn $update(
            state: actix_web::web::Data<crate::state::AppState>,
            caller: crate::auth::AuthUser,
            path: actix_web::web::Path<$path>,
            body: actix_web::web::Json<serde_json::Value>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::routes::taxonomy::update::<$kind>(&state, caller, String::from(path.into_inner()), body.into_inner()).await
        }

        #[doc = $delete_doc]
        #[utoipa::path(
            tag = $tag,
            security(("bearer" = [])),
            extensions(("x-required-role" = json!("editor"))),
            params($path),
            responses(
                (status = 204, description = "Deleted"),
                crate::routes::responses::DeleteErrors,
            )
        )]
        #[delete($item)]
        pub async fn $delete(
            state: actix_web::web::Data<crate::state::AppState>,
            caller: crate::auth::AuthUser,
            path: actix_web::web::Path<$path>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::routes::taxonomy::delete::<$kind>(&state, caller, String::from(path.into_inner())).await
        }

        /// Registers the resource's routes.
        pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
            cfg.service($list)
                .service($create)
                .service($get)
                .service($update)
                .service($delete)
                .service($block)
                .service($feed_fn);
        }
    };
}
pub(crate) use slug_routes;

/// Declares a slug-named resource's list, a page at a time in slug order.
macro_rules! paged_list {
    (
        kind: $kind:ty,
        tag: $tag:tt,
        view: $view:ty,
        collection: $collection:tt,
        page: $page:ident = $page_doc:tt,
        list: $list:ident = $list_doc:tt,
    ) => {
        #[doc = $page_doc]
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $page {
            pub data: Vec<$view>,
            #[schema(required)]
            pub next_cursor: Option<String>,
        }

        #[doc = $list_doc]
        #[utoipa::path(
                                    tag = $tag,
                                    params(
                                        crate::routes::extract::Limit<50, 100>,
                                        crate::routes::taxonomy::SlugCursor,
                                    ),
                                    responses(
                                        (status = 200, description = "A page", body = $page),
                                        crate::routes::responses::ListErrors,
                                    )
                                )]
        #[get($collection)]
        pub async fn $list(
            state: actix_web::web::Data<crate::state::AppState>,
            req: actix_web::HttpRequest,
            limit: crate::routes::extract::Limit<50, 100>,
            params: actix_web::web::Query<crate::routes::taxonomy::SlugCursor>,
        ) -> Result<actix_web::HttpResponse, crate::error::ApiError> {
            crate::routes::taxonomy::page::<$kind, _>(
                &state,
                &req,
                limit,
                params.into_inner(),
                |data, next_cursor| $page { data, next_cursor },
            )
            .await
        }
    };
}
pub(crate) use paged_list;
