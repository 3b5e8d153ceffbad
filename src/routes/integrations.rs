//! `/v1/integrations`: the newsroom's tools and their credentials, managed
//! by admins. Secrets are shown once, at creation, and never again.

use actix_web::http::StatusCode;
use actix_web::{delete, get, post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::accounts::{self, IntegrationCredentials, IntegrationView, NewIntegration};
use crate::auth::{AuthUser, Role};
use crate::error::ApiError;
use crate::models::{integration, now};
use crate::routes::json_body;
use crate::routes::users::no_store;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct IntegrationList {
    pub data: Vec<IntegrationView>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IntegrationPath {
    /// The integration's id.
    #[param(pattern = "^[0-9a-f-]{1,64}$")]
    pub integration: String,
}

/// List the newsroom tools (admins). Secrets are never shown.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "Every integration", body = IntegrationList),
        crate::routes::responses::AdminReadErrors,
    )
)]
#[get("/integrations")]
pub async fn list_integrations(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let data = state
        .read(|conn| {
            Ok(integration::list(conn)?
                .into_iter()
                .map(accounts::integration_view)
                .collect())
        })
        .await?;
    Ok(no_store(StatusCode::OK, &IntegrationList { data }))
}

/// Add a newsroom tool (admins). The answer holds its client secret; it is
/// shown this once.
///
/// It takes no Idempotency-Key: a stored answer would keep the secret.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    request_body = NewIntegration,
    responses(
        (status = 201, description = "Added; keep the secret", body = IntegrationCredentials),
        crate::routes::responses::FreshCreateErrors,
    )
)]
#[post("/integrations")]
pub async fn create_integration(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let (input, read_errors) = json_body::<NewIntegration>(body.into_inner())?;
    let created = state
        .db(move |conn| accounts::create_integration(conn, &input, read_errors))
        .await?;
    Ok(no_store(StatusCode::CREATED, &created))
}

/// Revoke a newsroom tool (admins): its tokens stop working at once.
#[utoipa::path(
    tag = "people",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(IntegrationPath),
    responses(
        (status = 204, description = "Revoked"),
        crate::routes::responses::RevokeErrors,
    )
)]
#[delete("/integrations/{integration}")]
pub async fn revoke_integration(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<IntegrationPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = path.into_inner().integration;
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

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_integrations)
        .service(create_integration)
        .service(revoke_integration);
}
