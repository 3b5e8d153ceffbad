//! The three grants, and the sign-in limits they run under.

use actix_web::HttpRequest;
use chrono::Duration as ChronoDuration;

use crate::auth::{self, Role};
use crate::config::random_token;
use crate::db::{self, DbConnection};
use crate::error::ApiError;
use crate::models::refresh_token::{self, RefreshToken};
use crate::models::{self, integration, user};
use crate::state::AppState;

use super::body::oauth;

pub(super) fn client_address(state: &AppState, req: &HttpRequest) -> String {
    crate::middleware::client_key(
        req.peer_addr(),
        req.headers(),
        &state.config.trusted_proxies,
    )
}

pub(super) fn limited(result: Result<(), u64>) -> Result<(), ApiError> {
    result.map_err(|retry_after| ApiError::TooManyRequests {
        detail: "Too many token requests; wait before trying again.".into(),
        retry_after,
    })
}

/// How long a sign-in waits once its account has failed many times from
/// anywhere: guessing slows down, the real client still gets in.
pub(super) const SLOW_DOWN: std::time::Duration = std::time::Duration::from_secs(1);

/// Runs a grant for `account` from `address` under the sign-in limits. An
/// attempt counts against (account, address) before the secret is looked
/// at, so concurrent guesses cannot slip past the limit; a success clears
/// the count. An account that fails often from many addresses makes every
/// attempt on it wait.
pub(super) async fn limited_grant<F>(
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
pub(super) fn new_refresh_token(
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
pub(super) struct Granted {
    pub(super) sub: String,
    pub(super) role: Role,
    pub(super) sid: Option<String>,
    pub(super) refresh_token: Option<String>,
}

pub(super) fn password_grant(
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

pub(super) fn client_grant(
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

pub(super) fn refresh_grant(
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
