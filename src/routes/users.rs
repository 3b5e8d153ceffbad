//! `/v1/users`: the newsroom's people, managed by admins.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::accounts::{self, NewUser, UserChangesInput, UserView};
use crate::auth::{AuthUser, Role};
use crate::error::ApiError;
use crate::models::user;
use crate::routes::extract::IdempotencyKey;
use crate::routes::idempotency::{Created, Once};
use crate::routes::json_body;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub data: Vec<UserView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// The person's id.
    #[param(pattern = "^[0-9a-f-]{1,64}$")]
    pub user: String,
}

/// An admin's answer: never stored by any cache.
pub fn no_store<T: Serialize>(status: StatusCode, body: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// List the people (admins).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "Everyone", body = UserList),
        crate::routes::responses::AdminReadErrors,
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let data = state
        .read(|conn| {
            user::list(conn)?
                .into_iter()
                .map(|u| accounts::user_view(conn, u))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(no_store(StatusCode::OK, &UserList { data }))
}

/// Add a person (admins).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    request_body = NewUser,
    params(IdempotencyKey),
    responses(
        (status = 201, description = "Added", body = UserView),
        crate::routes::responses::CreateErrors,
    )
)]
#[post("/users")]
pub async fn create_user(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: AuthUser,
    key: IdempotencyKey,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let raw = body.into_inner();
    let (input, read_errors) = json_body::<NewUser>(raw.clone())?;
    Once::new(&req, key, &caller.principal, &raw)
        .create(&state, move |conn| {
            let created = accounts::create_user(conn, &input, read_errors)?;
            let view = accounts::user_view(conn, created)?;
            let location = format!("/v1/users/{}", view.id);
            Created::json(&view, location, None)
        })
        .await
}

/// Change a person: name, role, password, author profile, or disable them
/// (admins).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    request_body = UserChangesInput,
    params(UserPath),
    responses(
        (status = 200, description = "Changed", body = UserView),
        crate::routes::responses::AccountChangeErrors,
    )
)]
#[patch("/users/{user}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<UserPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let (input, read_errors) = json_body::<UserChangesInput>(body.into_inner())?;
    let id = path.into_inner().user;
    let view = state
        .db(move |conn| {
            let changed = accounts::update_user(conn, &id, &input, read_errors)?;
            accounts::user_view(conn, changed)
        })
        .await?;
    Ok(no_store(StatusCode::OK, &view))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_users)
        .service(create_user)
        .service(update_user);
}
