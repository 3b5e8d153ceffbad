//! /v1/integrations: newsroom tools' credentials, managed by admins.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{small_draft, TestApp};

/// An admin adds the tool Wire; answers the admin's token, the credentials
/// and the tool's access token.
async fn wire(app: &TestApp) -> (String, Value, String) {
    let admin = app.token("admin").await;
    let created = app
        .json(
            "POST",
            "/v1/integrations",
            Some(&admin),
            &json!({"name": "Wire", "role": "editor"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let creds = created.json();
    let tool = app
        .client_token(
            creds["client_id"].as_str().unwrap(),
            creds["client_secret"].as_str().unwrap(),
        )
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    (admin, creds, tool)
}

/// Tools belong to admins.
async fn an_editor_cannot_add_an_integration(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    app.json(
        "POST",
        "/v1/integrations",
        Some(&editor),
        &json!({"name": "x", "role": "admin"}),
    )
    .await
    .problem(403);
}

async fn integration_secrets_are_never_listed(app: TestApp) {
    let (admin, creds, _) = wire(&app).await;
    let listed = app.authed("GET", "/v1/integrations", &admin).await;
    assert!(
        !listed
            .text()
            .contains(creds["client_secret"].as_str().unwrap()),
        "secrets are never listed"
    );
}

async fn deleting_an_integration_ends_its_access_at_once(app: TestApp) {
    let (admin, creds, tool) = wire(&app).await;
    let (id, secret) = (
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    );
    assert_eq!(
        app.json("POST", "/v1/articles", Some(&tool), &small_draft())
            .await
            .status,
        201
    );
    let reply = app
        .authed(
            "DELETE",
            &format!("/v1/integrations/{}", creds["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(reply.status, 204);
    app.json("POST", "/v1/articles", Some(&tool), &small_draft())
        .await
        .problem(401);
    app.client_token(id, secret).await.problem(401);
}

backend_tests!(
    an_editor_cannot_add_an_integration,
    integration_secrets_are_never_listed,
    deleting_an_integration_ends_its_access_at_once,
);
