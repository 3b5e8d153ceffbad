//! /v1/users: the newsroom's people, managed by admins.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{small_draft, TestApp};

/// People belong to admins.
async fn an_editor_cannot_list_people(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    app.authed("GET", "/v1/users", &editor).await.problem(403);
}

async fn disabling_a_person_ends_their_access_at_once(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let token = app.token_of(&email, &password).await;
    let admin = app.token("admin").await;
    let users = app.authed("GET", "/v1/users", &admin).await.json();
    let id = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/users/{id}"),
            Some(&admin),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    app.json("POST", "/v1/articles", Some(&token), &small_draft())
        .await
        .problem(401);
    app.sign_in(&email, &password).await.problem(400);
}

backend_tests!(
    an_editor_cannot_list_people,
    disabling_a_person_ends_their_access_at_once,
);
