//! `/v1/auth`: the OAuth 2.0 token and revocation endpoints.

mod body;
mod grants;

use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Role};
use crate::error::ApiError;
use crate::models::refresh_token::{self};
use crate::models::{self};
use crate::state::AppState;

use body::{
    basic_credentials, bounded, oauth, parse_body, read_body, MAX_CLIENT_ID, MAX_PASSWORD,
    MAX_TOKEN, MAX_USERNAME,
};
use grants::{client_address, client_grant, limited, limited_grant, password_grant, refresh_grant};

/// How a token request proves who it is.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrantType {
    /// People: email and password.
    Password,
    /// Newsroom tools: client id and secret.
    ClientCredentials,
    /// A refresh token from an earlier answer.
    RefreshToken,
}

/// A token request (RFC 6749), form-encoded (JSON is accepted too).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct TokenRequest {
    /// `password` (people), `client_credentials` (newsroom tools) or
    /// `refresh_token`. Any other answers `unsupported_grant_type`.
    #[schema(value_type = GrantType, example = "client_credentials")]
    pub grant_type: String,
    /// For `password`: the person's email (OAuth calls it username).
    #[schema(nullable = false, max_length = 254)]
    pub username: Option<String>,
    /// For `password`: the same as `username`.
    #[schema(nullable = false, max_length = 254)]
    pub email: Option<String>,
    /// For `password`.
    #[schema(nullable = false, max_length = 1024)]
    pub password: Option<String>,
    /// For `client_credentials` (or in an HTTP Basic Authorization header).
    #[schema(nullable = false, max_length = 100)]
    pub client_id: Option<String>,
    /// For `client_credentials` (or in an HTTP Basic Authorization header).
    #[schema(nullable = false, max_length = 512)]
    pub client_secret: Option<String>,
    /// For `refresh_token`.
    #[schema(nullable = false, max_length = 512)]
    pub refresh_token: Option<String>,
    /// Accepted and ignored: access follows the account's role.
    #[schema(nullable = false)]
    pub scope: Option<String>,
}

/// Tokens for the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// A JWT for `Authorization: Bearer …`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// For people: exchange it for new tokens before it expires. It works
    /// once; each use returns a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub refresh_token: Option<String>,
    /// The caller's role.
    pub role: Role,
}

/// A token to revoke (RFC 7009), form-encoded (JSON is accepted too).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The refresh token of the sign-in to end.
    #[schema(min_length = 1, max_length = 512)]
    pub token: String,
    /// Accepted and ignored.
    #[schema(nullable = false)]
    pub token_type_hint: Option<String>,
    /// Accepted and ignored (RFC 7009 lets clients authenticate here).
    #[schema(nullable = false)]
    pub client_id: Option<String>,
    /// Accepted and ignored.
    #[schema(nullable = false)]
    pub client_secret: Option<String>,
}

/// Get an access token.
///
/// The OAuth 2.0 token endpoint. People use `grant_type=password` (email
/// and password) and get a refresh token too; newsroom tools use
/// `grant_type=client_credentials` (client id and secret, in the body or as
/// HTTP Basic). `grant_type=refresh_token` exchanges a refresh token for new
/// tokens; each refresh token works once, and reusing one signs its
/// sign-in out. Requests are limited per client address, and failed ones
/// per account and address together, so nobody can lock another client out.
/// Bodies are at most 16 KiB; usernames at most 254 characters.
#[utoipa::path(
    tag = "auth",
    request_body(
        content = TokenRequest,
        content_type = "application/x-www-form-urlencoded",
        description = "An RFC 6749 token request; the same members as JSON are accepted too"
    ),
    responses(
        (status = 200, description = "Tokens", body = TokenResponse),
        crate::routes::responses::TokenErrors,
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let address = client_address(&state, &req);
    limited(state.auth_by_address.hit(&address))?;
    let body = read_body(payload).await?;
    let form: TokenRequest = parse_body(&req, &body)?;
    let refresh_ttl = state.config.refresh_token_ttl;
    let missing = |what: &str| oauth(400, "invalid_request", &format!("This grant needs {what}."));
    let granted = match form.grant_type.as_str() {
        "password" => {
            let email = form
                .username
                .or(form.email)
                .ok_or_else(|| missing("`username` (the email)"))?;
            let email = bounded("username", email, MAX_USERNAME)?;
            let password = form.password.ok_or_else(|| missing("`password`"))?;
            let password = bounded("password", password, MAX_PASSWORD)?;
            let account = format!("user:{}", email.trim().to_lowercase());
            limited_grant(&state, account, &address, move |conn| {
                password_grant(conn, &email, &password, refresh_ttl)
            })
            .await?
        }
        "client_credentials" => {
            let (id, secret) = match (form.client_id, form.client_secret) {
                (Some(id), Some(secret)) => (id, secret),
                _ => basic_credentials(&req)
                    .ok_or_else(|| missing("`client_id` and `client_secret`"))?,
            };
            let id = bounded("client_id", id, MAX_CLIENT_ID)?;
            let secret = bounded("client_secret", secret, MAX_TOKEN)?;
            let account = format!("client:{id}");
            limited_grant(&state, account, &address, move |conn| {
                client_grant(conn, &id, &secret)
            })
            .await?
        }
        "refresh_token" => {
            let presented = form
                .refresh_token
                .ok_or_else(|| missing("`refresh_token`"))?;
            let presented = bounded("refresh_token", presented, MAX_TOKEN)?;
            state
                .db(move |conn| refresh_grant(conn, &presented, refresh_ttl))
                .await?
        }
        _ => {
            return Err(oauth(
                400,
                "unsupported_grant_type",
                "grant_type must be password, client_credentials or refresh_token.",
            ))
        }
    };
    let access_token = state
        .tokens
        .issue(&granted.sub, granted.role, granted.sid)?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token,
            token_type: "Bearer",
            expires_in: state.tokens.ttl().as_secs(),
            refresh_token: granted.refresh_token,
            role: granted.role,
        }))
}

/// Sign out: revoke a refresh token's sign-in.
///
/// Revokes the sign-in (every refresh token rotated from it, and the access
/// tokens issued under it) that the given refresh token belongs to. Answers
/// 200 whether or not the token was known (RFC 7009).
#[utoipa::path(
    tag = "auth",
    request_body(
        content = RevokeRequest,
        content_type = "application/x-www-form-urlencoded",
        description = "An RFC 7009 revocation request; the same members as JSON are accepted too"
    ),
    responses(
        (status = 200, description = "Revoked, or nothing to revoke"),
        crate::routes::responses::SignOutErrors,
    )
)]
#[post("/auth/revoke")]
pub async fn revoke_token(
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let body = read_body(payload).await?;
    let form: RevokeRequest = parse_body(&req, &body)?;
    if form.token.is_empty() || form.token.chars().count() > MAX_TOKEN {
        return Err(oauth(
            400,
            "invalid_request",
            "Send the refresh token to revoke as `token`.",
        ));
    }
    let presented = form.token;
    state
        .db(move |conn| {
            if let Some(token) = refresh_token::find_by_hash(conn, &auth::token_hash(&presented))? {
                refresh_token::revoke_family(conn, &token.family_id, models::now())?;
            }
            Ok(())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

pub fn configure(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(issue_token).service(revoke_token);
}
