use actix_web::http::header;
use actix_web::{post, web, HttpRequest, HttpResponse};
use base64::Engine;
use chrono::Duration as ChronoDuration;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Role};
use crate::config::random_token;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::models::refresh_token::{self, RefreshToken};
use crate::models::{self, integration, user};
use crate::state::AppState;

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

fn oauth(status: u16, error: &'static str, detail: &str) -> ApiError {
    ApiError::OAuth {
        status,
        error,
        detail: detail.into(),
    }
}

/// Reads a form-encoded or JSON body.
fn parse_body<T: serde::de::DeserializeOwned + Default>(
    req: &HttpRequest,
    body: &[u8],
) -> Result<T, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let parsed = match content_type.as_str() {
        "application/x-www-form-urlencoded" => {
            serde_urlencoded::from_bytes(body).map_err(|e| e.to_string())
        }
        // A JSON `null` is an empty request.
        "application/json" => serde_json::from_slice::<Option<T>>(body)
            .map(Option::unwrap_or_default)
            .map_err(|e| e.to_string()),
        "" if body.is_empty() => Ok(T::default()),
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "Send application/x-www-form-urlencoded or application/json.".into(),
            ))
        }
    };
    parsed.map_err(|e| {
        oauth(
            400,
            "invalid_request",
            &format!("The request body is malformed: {e}."),
        )
    })
}

/// client_id and client_secret from an HTTP Basic Authorization header.
fn basic_credentials(req: &HttpRequest) -> Option<(String, String)> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (id, secret) = text.split_once(':')?;
    Some((id.to_string(), secret.to_string()))
}

fn client_address(state: &AppState, req: &HttpRequest) -> String {
    crate::middleware::client_key(
        req.peer_addr(),
        req.headers(),
        &state.config.trusted_proxies,
    )
}

fn limited(result: Result<(), u64>) -> Result<(), ApiError> {
    result.map_err(|retry_after| ApiError::TooManyRequests {
        detail: "Too many token requests; wait before trying again.".into(),
        retry_after,
    })
}

/// The largest token or revoke request body: credentials are short.
pub const MAX_TOKEN_BODY: usize = 16 * 1024;
/// The longest credential member accepted, in characters; longer ones are
/// refused before any lookup, hash or count.
const MAX_USERNAME: usize = crate::validation::MAX_EMAIL;
const MAX_PASSWORD: usize = 1024;
const MAX_CLIENT_ID: usize = 100;
const MAX_TOKEN: usize = 512;

async fn read_body(payload: web::Payload) -> Result<web::Bytes, ApiError> {
    match payload.to_bytes_limited(MAX_TOKEN_BODY).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(e)) => Err(match e.as_error::<actix_web::error::PayloadError>() {
            Some(actix_web::error::PayloadError::Io(io))
                if io.kind() == std::io::ErrorKind::TimedOut =>
            {
                ApiError::RequestTimeout("The body arrived too slowly.".into())
            }
            _ => ApiError::BadRequest(format!("The body could not be read: {e}.")),
        }),
        Err(_) => Err(ApiError::PayloadTooLarge(format!(
            "A token request is at most {MAX_TOKEN_BODY} bytes."
        ))),
    }
}

/// A credential member, refused (400) when longer than `max` characters.
fn bounded(field: &str, value: String, max: usize) -> Result<String, ApiError> {
    if value.chars().count() > max {
        return Err(oauth(
            400,
            "invalid_request",
            &format!("`{field}` is longer than {max} characters."),
        ));
    }
    Ok(value)
}

/// How long a sign-in waits once its account has failed many times from
/// anywhere: guessing slows down, the real client still gets in.
const SLOW_DOWN: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs a grant for `account` from `address` under the sign-in limits. An
/// attempt counts against (account, address) before the secret is looked
/// at, so concurrent guesses cannot slip past the limit; a success clears
/// the count. An account that fails often from many addresses makes every
/// attempt on it wait.
async fn limited_grant<F>(
    state: &AppState,
    account: String,
    address: &str,
    grant: F,
) -> Result<Granted, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<Granted, ApiError> + Send + 'static,
{
    let key = format!("{account}\n{address}");
    limited(state.auth_failures.hit(&key))?;
    if state.auth_account_failures.allows(&account).is_err() {
        actix_web::rt::time::sleep(SLOW_DOWN).await;
    }
    let result = state.db(grant).await;
    match &result {
        Ok(_) => state.auth_failures.forget(&key),
        Err(ApiError::OAuth { error, .. })
            if *error == "invalid_grant" || *error == "invalid_client" =>
        {
            let _ = state.auth_account_failures.hit(&account);
        }
        Err(_) => {}
    }
    result
}

/// A new refresh token in `family`, stored as its hash.
fn new_refresh_token(
    conn: &mut DbConnection,
    user_id: &str,
    family_id: &str,
    ttl: std::time::Duration,
) -> Result<String, ApiError> {
    let token = random_token(32);
    let now = models::now();
    refresh_token::insert(
        conn,
        &RefreshToken {
            id: models::new_id(),
            user_id: user_id.into(),
            family_id: family_id.into(),
            token_hash: auth::token_hash(&token),
            expires_at: now + ChronoDuration::seconds(ttl.as_secs() as i64),
            used_at: None,
            revoked_at: None,
            created_at: now,
        },
    )?;
    Ok(token)
}

/// What a grant proved: who, their role, and for people a refresh token.
struct Granted {
    sub: String,
    role: Role,
    sid: Option<String>,
    refresh_token: Option<String>,
}

fn password_grant(
    conn: &mut DbConnection,
    email: &str,
    password: &str,
    refresh_ttl: std::time::Duration,
) -> Result<Granted, ApiError> {
    let found = user::find_by_email(conn, email)?;
    // The hash is checked even for an unknown email (against a fixed one),
    // so a wrong email and a wrong password look and take the same.
    let matched = auth::verify_secret(password, found.as_ref().map(|u| u.password_hash.as_str()));
    let wrong = || oauth(400, "invalid_grant", "The email or password is wrong.");
    let found = found.filter(|u| matched && !u.disabled).ok_or_else(wrong)?;
    let role = Role::parse(&found.role).ok_or_else(wrong)?;
    let family = models::new_id();
    let refresh = db::write_transaction(conn, |conn| {
        new_refresh_token(conn, &found.id, &family, refresh_ttl)
    })?;
    Ok(Granted {
        sub: format!("user:{}", found.id),
        role,
        sid: Some(family),
        refresh_token: Some(refresh),
    })
}

fn client_grant(
    conn: &mut DbConnection,
    client_id: &str,
    secret: &str,
) -> Result<Granted, ApiError> {
    let found = integration::find_by_client_id(conn, client_id)?;
    let matched = auth::verify_secret(secret, found.as_ref().map(|i| i.secret_hash.as_str()));
    let wrong = || oauth(401, "invalid_client", "The client id or secret is wrong.");
    let found = found
        .filter(|i| matched && i.revoked_at.is_none())
        .ok_or_else(wrong)?;
    let role = Role::parse(&found.role).ok_or_else(wrong)?;
    Ok(Granted {
        sub: format!("integration:{}", found.id),
        role,
        sid: None,
        refresh_token: None,
    })
}

fn refresh_grant(
    conn: &mut DbConnection,
    presented: &str,
    refresh_ttl: std::time::Duration,
) -> Result<Granted, ApiError> {
    let invalid = || {
        oauth(
            400,
            "invalid_grant",
            "The refresh token is invalid, expired or revoked.",
        )
    };
    let now = models::now();
    let outcome = db::write_transaction(
        conn,
        |conn| -> Result<Result<Granted, ApiError>, ApiError> {
            let Some(token) = refresh_token::find_by_hash(conn, &auth::token_hash(presented))?
            else {
                return Ok(Err(invalid()));
            };
            if token.revoked_at.is_some() || token.expires_at <= now {
                return Ok(Err(invalid()));
            }
            // A second use means the token was copied: end the whole sign-in.
            if token.used_at.is_some() || !refresh_token::mark_used(conn, &token.id, now)? {
                refresh_token::revoke_family(conn, &token.family_id, now)?;
                tracing::warn!(family = %token.family_id, "refresh token reused; sign-in revoked");
                return Ok(Err(invalid()));
            }
            let Some(person) = user::find(conn, &token.user_id)?.filter(|u| !u.disabled) else {
                return Ok(Err(invalid()));
            };
            let role = Role::parse(&person.role).ok_or_else(invalid)?;
            let next = new_refresh_token(conn, &person.id, &token.family_id, refresh_ttl)?;
            Ok(Ok(Granted {
                sub: format!("user:{}", person.id),
                role,
                sid: Some(token.family_id.clone()),
                refresh_token: Some(next),
            }))
        },
    )?;
    outcome
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
