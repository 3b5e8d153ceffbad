//! People and newsroom tools, managed by admins.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::accounts::{self, IntegrationCredentials, IntegrationView, UserView};
use crate::auth::{AuthUser, Role};
use crate::error::ApiError;
use crate::models::{integration, now, user};
use crate::routes::extract::IdempotencyKey;
use crate::routes::idempotency::{Created, Once};
use crate::routes::json_body;
use crate::state::AppState;
use crate::validation::nullable;

/// A person to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    #[schema(format = Email, example = "editor@newsroom.example")]
    pub email: String,
    pub name: String,
    pub role: Role,
    /// At least 10 characters.
    #[schema(format = Password, min_length = 10)]
    pub password: String,
    /// The author profile (slug) they write as.
    pub author: Option<String>,
}

/// Changes to a person; omitted members stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChangesInput {
    pub name: Option<String>,
    pub role: Option<Role>,
    #[schema(format = Password, min_length = 10)]
    pub password: Option<String>,
    /// An author slug, or null to unlink.
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub author: Option<Option<String>>,
    /// Disabling ends their access at once, tokens already issued included.
    pub disabled: Option<bool>,
}

/// A newsroom tool to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIntegration {
    #[schema(example = "Wire importer")]
    pub name: String,
    pub role: Role,
    /// The author profile (slug) it writes as: below the editor role, the
    /// only byline it may set.
    pub author: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UserList {
    pub data: Vec<UserView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    pub data: Vec<IntegrationView>,
}

fn private<T: Serialize>(status: actix_web::http::StatusCode, body: &T) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(body)
}

/// List the people (admins).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "Everyone", body = UserList),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let data = state
        .db(|conn| {
            user::list(conn)?
                .into_iter()
                .map(|u| accounts::user_view(conn, u))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    Ok(private(actix_web::http::StatusCode::OK, &UserList { data }))
}

/// Add a person (admins).
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    request_body = NewUser,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Makes retries safe: 1 to 255 visible ASCII characters")),
    responses(
        (status = 201, description = "Added", body = UserView),
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
    let input: NewUser = json_body(raw.clone())?;
    Once::new(&req, key, &caller.principal, &raw)
        .create(&state, move |conn| {
            let created = accounts::create_user(
                conn,
                &input.email,
                &input.name,
                input.role.as_str(),
                &input.password,
                input.author.as_deref(),
            )?;
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
    params(("user" = String, Path, description = "The person's id")),
    responses(
        (status = 200, description = "Changed", body = UserView),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[patch("/users/{user}")]
pub async fn update_user(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let input: UserChangesInput = json_body(body.into_inner())?;
    let id = path.into_inner();
    let view = state
        .db(move |conn| {
            let changed = accounts::update_user(
                conn,
                &id,
                input.name.as_deref(),
                input.role.map(Role::as_str),
                input.password.as_deref(),
                input.author.as_ref().map(|a| a.as_deref()),
                input.disabled,
            )?;
            accounts::user_view(conn, changed)
        })
        .await?;
    Ok(private(actix_web::http::StatusCode::OK, &view))
}

/// List the newsroom tools (admins). Secrets are never shown.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "Every integration", body = IntegrationList),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[get("/integrations")]
pub async fn list_integrations(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let data = state
        .db(|conn| {
            Ok(integration::list(conn)?
                .into_iter()
                .map(accounts::integration_view)
                .collect())
        })
        .await?;
    Ok(private(
        actix_web::http::StatusCode::OK,
        &IntegrationList { data },
    ))
}

/// Add a newsroom tool (admins). The answer holds its client secret; it is
/// shown this once.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    request_body = NewIntegration,
    responses(
        (status = 201, description = "Added; keep the secret", body = IntegrationCredentials),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 413, response = crate::routes::PayloadTooLarge),
        (status = 415, response = crate::routes::UnsupportedMediaType),
        (status = 422, response = crate::routes::Unprocessable),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[post("/integrations")]
pub async fn create_integration(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let input: NewIntegration = json_body(body.into_inner())?;
    let created = state
        .db(move |conn| {
            accounts::create_integration(
                conn,
                &input.name,
                input.role.as_str(),
                input.author.as_deref(),
            )
        })
        .await?;
    Ok(private(actix_web::http::StatusCode::CREATED, &created))
}

/// Revoke a newsroom tool (admins): its tokens stop working at once.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(("integration" = String, Path, description = "The integration's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 400, response = crate::routes::BadRequest),
        (status = 401, response = crate::routes::Unauthorized),
        (status = 403, response = crate::routes::Forbidden),
        (status = 404, response = crate::routes::NotFound),
        (status = 503, response = crate::routes::Unavailable),
    )
)]
#[delete("/integrations/{integration}")]
pub async fn revoke_integration(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = path.into_inner();
    state
        .db(move |conn| {
            integration::find(conn, &id)?
                .ok_or_else(|| ApiError::NotFound(format!("No integration has the id '{id}'.")))?;
            integration::revoke(conn, &id, now())?;
            Ok(())
        })
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
