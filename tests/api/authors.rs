//! /v1/authors: the people who write, never their email, and the editors
//! who manage their profiles.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{slugs, story_json, TestApp};

async fn authors_never_show_an_email(app: TestApp) {
    app.load_demo();
    let list = app.get("/v1/authors?limit=100").await;
    assert_eq!(list.status, 200);
    assert!(
        !list.text().contains('@'),
        "an email leaked: {}",
        list.text()
    );
    let all = slugs(&list.json());
    assert_eq!(all.len(), 5);
    let desk = app.get("/v1/authors/news-desk").await;
    assert!(!desk.text().contains('@'));
    let desk = desk.json();
    assert_eq!(desk["name"], "News Desk");
    assert!(desk.get("email").is_none());
    for item in list.json()["data"].as_array().unwrap() {
        assert!(item.get("email").is_none());
    }
    app.get("/v1/authors/nope").await.problem(404);
}

async fn authors_page_by_cursor(app: TestApp) {
    app.load_demo();
    let first = app.get_ok("/v1/authors?limit=2").await;
    assert_eq!(slugs(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_ok(&format!("/v1/authors?limit=2&cursor={cursor}"))
        .await;
    assert!(slugs(&second)[0] > slugs(&first)[1]);
}

async fn an_authors_latest_block_lists_their_stories_without_email(app: TestApp) {
    app.load_demo();
    let block = app.get_ok("/v1/authors/news-desk/latest?limit=2").await;
    assert_eq!(block["title"], "Latest from News Desk");
    assert_eq!(
        slugs(&block)[0],
        "palestinians-seek-help-to-end-israeli-siege"
    );
    assert!(!app
        .get("/v1/authors/news-desk/latest")
        .await
        .text()
        .contains('@'));
    app.get("/v1/authors/nope/latest").await.problem(404);
}

async fn an_author_in_use_is_kept(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let in_use = app
        .json("POST", "/v1/articles", Some(&editor), &story_json("By Ann"))
        .await;
    assert_eq!(in_use.status, 201, "{}", in_use.text());
    app.authed("DELETE", "/v1/authors/ann", &editor)
        .await
        .problem(409);
}

/// An author's email is stored, never shown.
async fn an_authors_email_is_stored_never_shown(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let author = app.json("POST", "/v1/authors", Some(&editor), &json!({"name": "Cara Lin", "email": "cara@newsroom.example", "website": "https://cara.example"})).await;
    assert_eq!(author.status, 201, "{}", author.text());
    assert!(!author.text().contains("cara@"));
    assert!(!app
        .get("/v1/authors/cara-lin")
        .await
        .text()
        .contains("cara@"));
}

async fn an_authors_website_must_be_a_web_address(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    app.json(
        "POST",
        "/v1/authors",
        Some(&editor),
        &json!({"name": "X", "website": "javascript:alert(1)"}),
    )
    .await
    .problem(422);
}

backend_tests!(
    authors_never_show_an_email,
    authors_page_by_cursor,
    an_authors_latest_block_lists_their_stories_without_email,
    an_author_in_use_is_kept,
    an_authors_email_is_stored_never_shown,
    an_authors_website_must_be_a_web_address,
);
