//! Who is calling: roles, access tokens (HS256 JWTs, algorithm pinned),
//! password and secret hashing (argon2id), and the `AuthUser` /
//! `MaybeAuthUser` extractors that every protected handler takes.

use std::future::Future;
use std::pin::Pin;
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::models::{integration, refresh_token, user};
use crate::state::AppState;

pub const ISSUER: &str = "byline";
pub const AUDIENCE: &str = "byline-api";

/// Newsroom roles, from least to most powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads embargoed stories before their embargo ends, and the public
    /// API; writes nothing. For integrations only (syndication partners).
    Partner,
    /// Creates and edits their own drafts; cannot publish.
    Contributor,
    /// Creates, edits and publishes their own stories.
    Author,
    /// Edits and publishes every story; manages sections, tags and authors.
    Editor,
    /// Everything, including people and integrations.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Partner => "partner",
            Role::Contributor => "contributor",
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        match value {
            "partner" => Some(Role::Partner),
            "contributor" => Some(Role::Contributor),
            "author" => Some(Role::Author),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// The claims of an access token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    /// `user:<id>` or `integration:<id>`.
    pub sub: String,
    pub role: Role,
    pub iat: i64,
    pub exp: i64,
    /// The sign-in a person's token belongs to (their refresh-token family).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
}

/// Signs and checks access tokens. Only HS256 is accepted: a token naming
/// any other algorithm, `none` included, is refused before its signature is
/// even looked at.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.set_required_spec_claims(&["exp", "iat", "iss", "aud", "sub"]);
        validation.leeway = 5;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A signed access token for `sub`.
    pub fn issue(&self, sub: &str, role: Role, sid: Option<String>) -> Result<String, ApiError> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            sub: sub.into(),
            role,
            iat: now,
            exp: now + self.ttl.as_secs() as i64,
            sid,
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| ApiError::Internal(anyhow::anyhow!("signing a token: {e}")))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                tracing::debug!(error = %e, "refused an access token");
                ApiError::Unauthorized("The access token is invalid or has expired.".into())
            })
    }
}

fn argon2() -> Argon2<'static> {
    Argon2::default()
}

/// An argon2id hash of a password or client secret, in PHC form.
pub fn hash_secret(secret: &str) -> anyhow::Result<String> {
    argon2()
        .hash_password(secret.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))
}

/// Whether `secret` matches `hash`. With no hash (an unknown account) it
/// checks against a fixed one, so both cases take the same time.
pub fn verify_secret(secret: &str, hash: Option<&str>) -> bool {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let dummy =
        DUMMY.get_or_init(|| hash_secret("no account has this password").unwrap_or_default());
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (dummy.as_str(), false),
    };
    let matched =
        PasswordVerifier::<str>::verify_password(&argon2(), secret.as_bytes(), hash).is_ok();
    matched && real
}

/// A SHA-256 hex digest, for looking up high-entropy tokens by hash.
pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The caller behind a valid access token, checked against the database on
/// every request: a disabled person, a revoked integration or a signed-out
/// session loses access at once, whatever the token's expiry says.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// `user:<id>` or `integration:<id>`: who revisions and keys belong to.
    pub principal: String,
    pub name: String,
    pub role: Role,
    /// The author profile a person writes as, if linked.
    pub author_id: Option<String>,
}

impl AuthUser {
    pub fn is_partner(&self) -> bool {
        self.role == Role::Partner
    }

    /// Refuses with 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "This needs the {} role or higher; you are {}.",
                role.as_str(),
                self.role.as_str()
            )))
        }
    }

    pub fn is_at_least(&self, role: Role) -> bool {
        self.role >= role
    }
}

fn bearer(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("The Authorization header is not readable.".into()))?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(Some(token.trim().to_string()))
        }
        _ => Err(ApiError::Unauthorized(
            "Send the access token as `Authorization: Bearer <token>`.".into(),
        )),
    }
}

async fn authenticate(req: HttpRequest) -> Result<Option<AuthUser>, ApiError> {
    let Some(token) = bearer(&req)? else {
        return Ok(None);
    };
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal(anyhow::anyhow!("no application state")))?
        .clone();
    let claims = state.tokens.verify(&token)?;
    let refused = || ApiError::Unauthorized("This access has been revoked.".into());
    state
        .db(move |conn| {
            if let Some(id) = claims.sub.strip_prefix("user:") {
                let found = user::find(conn, id)?.ok_or_else(refused)?;
                if found.disabled {
                    return Err(refused());
                }
                if let Some(sid) = &claims.sid {
                    if refresh_token::family_revoked(conn, sid)? {
                        return Err(refused());
                    }
                }
                let role = Role::parse(&found.role).ok_or_else(refused)?;
                Ok(Some(AuthUser {
                    principal: claims.sub.clone(),
                    name: found.name,
                    role,
                    author_id: found.author_id,
                }))
            } else if let Some(id) = claims.sub.strip_prefix("integration:") {
                let found = integration::find(conn, id)?.ok_or_else(refused)?;
                if found.revoked_at.is_some() {
                    return Err(refused());
                }
                let role = Role::parse(&found.role).ok_or_else(refused)?;
                Ok(Some(AuthUser {
                    principal: claims.sub.clone(),
                    name: found.name,
                    role,
                    author_id: found.author_id,
                }))
            } else {
                Err(refused())
            }
        })
        .await
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let caller = authenticate(req).await?.ok_or_else(|| {
                ApiError::Unauthorized(
                    "This needs an access token: `Authorization: Bearer <token>`.".into(),
                )
            })?;
            // A partner reads; it never reaches an endpoint of the newsroom.
            if caller.role == Role::Partner {
                return Err(ApiError::Forbidden(
                    "A partner token reads stories (embargoed ones included); it cannot use the newsroom's endpoints.".into(),
                ));
            }
            Ok(caller)
        })
    }
}

/// An optional caller: None without an Authorization header. A header that
/// is present but invalid is still refused (401), never silently ignored.
/// Unlike `AuthUser`, it lets a partner through: the reading endpoints
/// that take it decide what a partner sees.
#[derive(Debug, Clone)]
pub struct MaybeAuthUser(pub Option<AuthUser>);

impl FromRequest for MaybeAuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(MaybeAuthUser(authenticate(req).await?)) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60))
    }

    #[test]
    fn issued_tokens_verify() {
        let token = keys().issue("user:1", Role::Editor, None).unwrap();
        let claims = keys().verify(&token).unwrap();
        assert_eq!(claims.sub, "user:1");
        assert_eq!(claims.role, Role::Editor);
    }

    #[test]
    fn alg_none_and_other_keys_are_refused() {
        let token = keys().issue("user:1", Role::Admin, None).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let none_header = b64.encode(r#"{"alg":"none","typ":"JWT"}"#);
        assert!(keys()
            .verify(&format!("{none_header}.{}.", parts[1]))
            .is_err());
        let other = TokenKeys::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        assert!(other.verify(&token).is_err());
    }

    #[test]
    fn roles_order_by_power() {
        assert!(Role::Admin > Role::Editor);
        assert!(Role::Editor > Role::Author);
        assert!(Role::Author > Role::Contributor);
    }

    #[test]
    fn secrets_hash_and_verify() {
        let hash = hash_secret("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_secret("correct horse", Some(&hash)));
        assert!(!verify_secret("wrong", Some(&hash)));
        assert!(!verify_secret("no account has this password", None));
    }
}
