//! Bylines: below the editor role a story may carry only the caller's own
//! profile, and a linked profile is the byline by default.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{story_json, unsigned_story_json, TestApp};

/// An author linked to Bob's profile; answers their token.
async fn bob(app: &TestApp) -> String {
    app.taxonomy();
    let (email, password) = app.person("author", Some("bob"));
    app.token_of(&email, &password).await
}

async fn a_linked_authors_story_carries_their_profile(app: TestApp) {
    let token = bob(&app).await;
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&token),
            &unsigned_story_json("By Bob"),
        )
        .await
        .json();
    assert_eq!(created["authors"][0]["slug"], "bob");
}

/// Bob may edit a story that names him even if someone else created it.
async fn a_linked_author_may_edit_a_story_naming_them(app: TestApp) {
    let token = bob(&app).await;
    let editor = app.token("editor").await;
    let mut other = story_json("Edited for Bob");
    other["authors"] = json!(["bob"]);
    app.json("POST", "/v1/articles", Some(&editor), &other)
        .await;
    let edit = app
        .json(
            "PATCH",
            "/v1/articles/edited-for-bob",
            Some(&token),
            &json!({"standfirst": "Bob's words"}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
}

/// An author linked to Ann's profile; answers their token.
async fn ann(app: &TestApp) -> String {
    app.taxonomy();
    let (email, password) = app.person("author", Some("ann"));
    app.token_of(&email, &password).await
}

/// Ann's story `as-ann`, bylined to her.
async fn as_ann(app: &TestApp, author: &str) {
    let own = app
        .json(
            "POST",
            "/v1/articles",
            Some(author),
            &json!({"headline": "As Ann", "body": "<p>x</p>", "authors": ["ann"]}),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.text());
}

/// An editor adds Bob to the byline of `as-ann`.
async fn editor_adds_bob(app: &TestApp) {
    let editor = app.token("editor").await;
    let co = app
        .json(
            "PATCH",
            "/v1/articles/as-ann",
            Some(&editor),
            &json!({"authors": ["ann", "bob"]}),
        )
        .await;
    assert_eq!(co.status, 200, "editors byline anyone: {}", co.text());
}

async fn an_author_cannot_byline_someone_else(app: TestApp) {
    let author = ann(&app).await;
    let forged = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &json!({"headline": "As Bob", "body": "<p>x</p>", "authors": ["bob"], "status": "published"}),
        )
        .await;
    forged.problem(403);
}

async fn an_author_may_byline_their_own_profile(app: TestApp) {
    let author = ann(&app).await;
    as_ann(&app, &author).await;
}

async fn an_author_cannot_add_a_co_author(app: TestApp) {
    let author = ann(&app).await;
    as_ann(&app, &author).await;
    app.json(
        "PATCH",
        "/v1/articles/as-ann",
        Some(&author),
        &json!({"authors": ["ann", "bob"]}),
    )
    .await
    .problem(403);
}

async fn an_editor_may_byline_anyone(app: TestApp) {
    let author = ann(&app).await;
    as_ann(&app, &author).await;
    editor_adds_bob(&app).await;
}

/// The author may still edit the story an editor co-signed.
async fn an_author_may_edit_a_story_an_editor_co_signed(app: TestApp) {
    let author = ann(&app).await;
    as_ann(&app, &author).await;
    editor_adds_bob(&app).await;
    let edit = app
        .json(
            "PATCH",
            "/v1/articles/as-ann",
            Some(&author),
            &json!({"standfirst": "More"}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
}

/// The token of a tool with the author role, linked to Bob's profile.
async fn bobs_tool(app: &TestApp) -> String {
    app.taxonomy();
    let admin = app.token("admin").await;
    app.tool_token(
        &admin,
        &json!({"name": "Bob's tool", "role": "author", "author": "bob"}),
    )
    .await
}

async fn a_linked_tool_bylines_its_profile(app: TestApp) {
    let tool = bobs_tool(&app).await;
    let by_bob = app
        .json(
            "POST",
            "/v1/articles",
            Some(&tool),
            &json!({"headline": "By Bob", "body": "<p>x</p>"}),
        )
        .await;
    assert_eq!(by_bob.status, 201, "{}", by_bob.text());
    assert_eq!(by_bob.json()["authors"][0]["slug"], "bob");
}

async fn a_linked_tool_cannot_byline_another_profile(app: TestApp) {
    let tool = bobs_tool(&app).await;
    app.json(
        "POST",
        "/v1/articles",
        Some(&tool),
        &json!({"headline": "By Ann", "body": "<p>x</p>", "authors": ["ann"]}),
    )
    .await
    .problem(403);
}

backend_tests!(
    a_linked_authors_story_carries_their_profile,
    a_linked_author_may_edit_a_story_naming_them,
    an_author_cannot_byline_someone_else,
    an_author_may_byline_their_own_profile,
    an_author_cannot_add_a_co_author,
    an_editor_may_byline_anyone,
    an_author_may_edit_a_story_an_editor_co_signed,
    a_linked_tool_bylines_its_profile,
    a_linked_tool_cannot_byline_another_profile,
);
