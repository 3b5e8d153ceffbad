//! POST /v1/auth/token: the password, client credentials and refresh
//! grants, and the requests it refuses.

use base64::Engine;
use serde_json::json;

use super::DRAFT;
use crate::backend_tests;
use crate::helpers::{small_draft, TestApp};

async fn the_password_grant_gives_access_and_refresh_tokens(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let reply = app.sign_in(&email, &password).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["role"], "editor");
    assert!(body["refresh_token"].as_str().unwrap().len() >= 40);
}

/// The same grant as JSON, with the email in any case.
async fn the_password_grant_takes_json_and_an_email_in_any_case(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let reply = app
        .send(
            "POST",
            "/v1/auth/token",
            &[("Content-Type", "application/json")],
            Some(json!({"grant_type": "password", "email": email.to_uppercase(), "password": password}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let token = reply.json()["access_token"].as_str().unwrap().to_string();
    let created = app.json("POST", DRAFT, Some(&token), &small_draft()).await;
    assert_eq!(created.status, 201, "{}", created.text());
}

async fn wrong_password_and_unknown_email_look_the_same(app: TestApp) {
    let (email, _) = app.person("editor", None);
    let wrong = app
        .sign_in(&email, "not the password at all")
        .await
        .problem(400);
    let unknown = app
        .sign_in("nobody@newsroom.example", "not the password at all")
        .await
        .problem(400);
    assert_eq!(wrong["error"], "invalid_grant");
    assert_eq!(wrong["detail"], unknown["detail"]);
    assert_eq!(wrong["code"], unknown["code"]);
}

/// A newsroom tool's credentials, issued directly.
fn wire_credentials(app: &TestApp) -> byline::accounts::IntegrationCredentials {
    app.with_db(|conn| {
        byline::accounts::create_integration(
            conn,
            &byline::accounts::NewIntegration {
                name: "Wire".into(),
                role: Some(byline::auth::Role::Editor),
                author: None,
            },
            Default::default(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))
    })
}

async fn client_credentials_give_a_tool_no_refresh_token(app: TestApp) {
    let creds = wire_credentials(&app);
    let reply = app
        .client_token(&creds.client_id, &creds.client_secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(
        reply.json().get("refresh_token").is_none(),
        "tools get no refresh token"
    );
}

async fn client_credentials_may_come_by_http_basic(app: TestApp) {
    let creds = wire_credentials(&app);
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", creds.client_id, creds.client_secret));
    let reply = app
        .send(
            "POST",
            "/v1/auth/token",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &format!("Basic {basic}")),
            ],
            Some(b"grant_type=client_credentials".to_vec()),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
}

async fn a_wrong_client_secret_is_invalid_client(app: TestApp) {
    let creds = wire_credentials(&app);
    let problem = app
        .client_token(&creds.client_id, "wrong")
        .await
        .problem(401);
    assert_eq!(problem["error"], "invalid_client");
}

async fn refresh(app: &TestApp, token: &str) -> crate::helpers::Reply {
    app.form(
        "/v1/auth/token",
        format!("grant_type=refresh_token&refresh_token={token}").into_bytes(),
    )
    .await
}

/// An author signs in and uses the refresh token once; answers the first
/// refresh token, the second one and the access token that came with it.
async fn rotated(app: &TestApp) -> (String, String, String) {
    let (email, password) = app.person("author", None);
    let first = app.sign_in(&email, &password).await.json();
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let second = refresh(app, &r1).await;
    assert_eq!(second.status, 200, "{}", second.text());
    let second = second.json();
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    let access = second["access_token"].as_str().unwrap().to_string();
    (r1, r2, access)
}

async fn a_refresh_token_rotates(app: TestApp) {
    let (r1, r2, access) = rotated(&app).await;
    assert_ne!(r1, r2, "each use gives a new refresh token");
    assert_eq!(
        app.json("POST", DRAFT, Some(&access), &small_draft())
            .await
            .status,
        201
    );
}

/// Presenting a used refresh token again means it was stolen: the sign-in
/// ends.
async fn reusing_a_refresh_token_ends_the_sign_in(app: TestApp) {
    let (r1, r2, access) = rotated(&app).await;
    refresh(&app, &r1).await.problem(400);
    refresh(&app, &r2).await.problem(400);
    app.json("POST", DRAFT, Some(&access), &small_draft())
        .await
        .problem(401);
}

async fn token_endpoint_refuses_bad_requests(app: TestApp) {
    let form = |body: &str| Some(body.as_bytes().to_vec());
    let ct = [("Content-Type", "application/x-www-form-urlencoded")];
    let p = app
        .send("POST", "/v1/auth/token", &ct, form("grant_type=magic"))
        .await
        .problem(400);
    assert_eq!(p["error"], "unsupported_grant_type");
    let p = app
        .send(
            "POST",
            "/v1/auth/token",
            &ct,
            form("grant_type=password&username=a@b.c"),
        )
        .await
        .problem(400);
    assert_eq!(p["error"], "invalid_request");
    app.send(
        "POST",
        "/v1/auth/token",
        &[("Content-Type", "text/plain")],
        form("grant_type=password"),
    )
    .await
    .problem(415);
    app.send(
        "POST",
        "/v1/auth/token",
        &[("Content-Type", "application/json")],
        form("{not json"),
    )
    .await
    .problem(400);
}

backend_tests!(
    the_password_grant_gives_access_and_refresh_tokens,
    the_password_grant_takes_json_and_an_email_in_any_case,
    wrong_password_and_unknown_email_look_the_same,
    client_credentials_give_a_tool_no_refresh_token,
    client_credentials_may_come_by_http_basic,
    a_wrong_client_secret_is_invalid_client,
    a_refresh_token_rotates,
    reusing_a_refresh_token_ends_the_sign_in,
    token_endpoint_refuses_bad_requests,
);
