//! Who may write which story: contributors draft, authors publish their
//! own, editors anyone's; someone else's story is not there to touch.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{unsigned_story_json, TestApp};

/// A contributor's draft `contributed`; answers the contributor's token.
async fn contributed(app: &TestApp) -> String {
    app.taxonomy();
    let contributor = app.token("contributor").await;
    let draft = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &unsigned_story_json("Contributed"),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    contributor
}

/// A story created as published.
fn published_story() -> Value {
    let mut publish = unsigned_story_json("Contributed and published");
    publish["status"] = json!("published");
    publish
}

/// An editor publishes the contributor's draft; answers the editor's token.
async fn editor_publishes_contributed(app: &TestApp) -> String {
    let editor = app.token("editor").await;
    let published = app
        .json(
            "PATCH",
            "/v1/articles/contributed",
            Some(&editor),
            &json!({"status": "published"}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    editor
}

async fn a_contributor_may_draft(app: TestApp) {
    contributed(&app).await;
}

async fn a_contributor_cannot_create_a_published_story(app: TestApp) {
    app.taxonomy();
    let contributor = app.token("contributor").await;
    app.json(
        "POST",
        "/v1/articles",
        Some(&contributor),
        &published_story(),
    )
    .await
    .problem(403);
}

async fn a_contributor_cannot_publish_their_draft(app: TestApp) {
    let contributor = contributed(&app).await;
    app.json(
        "PATCH",
        "/v1/articles/contributed",
        Some(&contributor),
        &json!({"status": "published"}),
    )
    .await
    .problem(403);
}

async fn a_contributor_may_edit_their_draft(app: TestApp) {
    let contributor = contributed(&app).await;
    let edit = app
        .json(
            "PATCH",
            "/v1/articles/contributed",
            Some(&contributor),
            &json!({"standfirst": "Better"}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
}

async fn an_author_may_publish_their_own_story(app: TestApp) {
    app.taxonomy();
    let author = app.token("author").await;
    let own = app
        .json("POST", "/v1/articles", Some(&author), &published_story())
        .await;
    assert_eq!(own.status, 201, "{}", own.text());
    assert_eq!(own.json()["status"], "published");
}

/// For another author a story is not there (404, as in a preview), which
/// tells nothing.
async fn another_authors_story_is_not_there_for_an_author(app: TestApp) {
    app.taxonomy();
    let author = app.token("author").await;
    let other_author = app.token("author").await;
    let own = app
        .json("POST", "/v1/articles", Some(&author), &published_story())
        .await;
    assert_eq!(own.status, 201, "{}", own.text());
    app.json(
        "PATCH",
        "/v1/articles/contributed-and-published",
        Some(&other_author),
        &json!({"headline": "Mine now"}),
    )
    .await
    .problem(404);
    app.authed(
        "DELETE",
        "/v1/articles/contributed-and-published",
        &other_author,
    )
    .await
    .problem(404);
}

/// A contributor's draft is not there to change or delete for an author,
/// whether or not the author has a profile of their own.
async fn a_contributors_draft_is_not_there_for_an_author(app: TestApp) {
    contributed(&app).await;
    let author = app.token("author").await;
    let (email, password) = app.person("author", Some("ann"));
    let linked = app.token_of(&email, &password).await;
    for token in [&author, &linked] {
        app.json(
            "PATCH",
            "/v1/articles/contributed",
            Some(token),
            &json!({"headline": "Mine now"}),
        )
        .await
        .problem(404);
        app.authed("DELETE", "/v1/articles/contributed", token)
            .await
            .problem(404);
    }
}

async fn an_editor_may_publish_a_contributors_draft(app: TestApp) {
    contributed(&app).await;
    editor_publishes_contributed(&app).await;
}

/// Once an editor publishes the contributor's draft, the contributor may
/// no longer change it.
async fn a_contributor_cannot_change_their_story_once_published(app: TestApp) {
    let contributor = contributed(&app).await;
    editor_publishes_contributed(&app).await;
    app.json(
        "PATCH",
        "/v1/articles/contributed",
        Some(&contributor),
        &json!({"headline": "Again"}),
    )
    .await
    .problem(403);
}

async fn a_contributor_cannot_delete_their_story_once_published(app: TestApp) {
    let contributor = contributed(&app).await;
    editor_publishes_contributed(&app).await;
    app.authed("DELETE", "/v1/articles/contributed", &contributor)
        .await
        .problem(403);
}

backend_tests!(
    a_contributor_may_draft,
    a_contributor_cannot_create_a_published_story,
    a_contributor_cannot_publish_their_draft,
    a_contributor_may_edit_their_draft,
    an_author_may_publish_their_own_story,
    another_authors_story_is_not_there_for_an_author,
    a_contributors_draft_is_not_there_for_an_author,
    an_editor_may_publish_a_contributors_draft,
    a_contributor_cannot_change_their_story_once_published,
    a_contributor_cannot_delete_their_story_once_published,
);
