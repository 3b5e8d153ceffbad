//! /v1/auth: who gets a token (token.rs), how a sign-in ends (revoke.rs),
//! which bearer tokens are refused (bearer.rs), and how sign-in attempts
//! are limited (limits.rs).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use byline::auth::{Claims, Role};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret;

use crate::helpers::TestApp;

mod bearer;
mod limits;
mod revoke;
mod token;

/// Where the tests write: creating a draft needs any valid token.
const DRAFT: &str = "/v1/articles";

/// The claims a token carries, decoded without checking its signature.
fn claims_of(token: &str) -> serde_json::Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// The subject of a token.
fn subject_of(token: &str) -> String {
    claims_of(token)["sub"].as_str().unwrap().to_string()
}

fn claims_for(sub: &str, role: Role, exp_offset: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        iss: byline::auth::ISSUER.into(),
        aud: byline::auth::AUDIENCE.into(),
        sub: sub.into(),
        role,
        iat: now - 10,
        exp: now + exp_offset,
        sid: None,
    }
}

/// A token signed with the server's own secret.
fn sign(app: &TestApp, alg: Algorithm, claims: &Claims) -> String {
    let secret = app.config.jwt_secret.expose_secret().as_bytes().to_vec();
    encode(
        &Header::new(alg),
        claims,
        &EncodingKey::from_secret(&secret),
    )
    .unwrap()
}

/// `token` with its header replaced by one that names no algorithm.
fn alg_none(token: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    )
}

/// `token` with these claims (JSON text) and its original signature.
fn with_claims(token: &str, claims: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    format!(
        "{}.{}.{}",
        parts[0],
        URL_SAFE_NO_PAD.encode(claims),
        parts[2]
    )
}
