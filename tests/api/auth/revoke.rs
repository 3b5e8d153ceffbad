//! POST /v1/auth/revoke: signing out.

use super::DRAFT;
use crate::backend_tests;
use crate::helpers::{small_draft, TestApp};

async fn revoking_a_refresh_token_ends_the_sign_in(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let tokens = app.sign_in(&email, &password).await.json();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let reply = app
        .form("/v1/auth/revoke", format!("token={refresh}").into_bytes())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    app.json("POST", DRAFT, Some(&access), &small_draft())
        .await
        .problem(401);
    app.form(
        "/v1/auth/token",
        format!("grant_type=refresh_token&refresh_token={refresh}").into_bytes(),
    )
    .await
    .problem(400);
}

/// Revoking by refresh token, and an unknown one, both answer 200.
async fn revoke_answers_200_for_a_known_or_unknown_token(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let again = app.sign_in(&email, &password).await.json();
    let body = format!("token={}", again["refresh_token"].as_str().unwrap());
    let reply = app.form("/v1/auth/revoke", body.into_bytes()).await;
    assert_eq!(reply.status, 200);
    let reply = app.form("/v1/auth/revoke", b"token=unknown".to_vec()).await;
    assert_eq!(reply.status, 200);
}

/// Without a token there is nothing to revoke.
async fn revoke_without_a_token_is_invalid_request(app: TestApp) {
    let problem = app.form("/v1/auth/revoke", Vec::new()).await.problem(400);
    assert_eq!(problem["error"], "invalid_request");
}

backend_tests!(
    revoking_a_refresh_token_ends_the_sign_in,
    revoke_answers_200_for_a_known_or_unknown_token,
    revoke_without_a_token_is_invalid_request,
);
