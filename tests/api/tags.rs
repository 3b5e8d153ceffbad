//! /v1/tags: the tag list, one tag and its latest block, and the editors
//! who manage them.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{slugs, story_json, TestApp};

async fn tags_page_by_cursor_in_slug_order(app: TestApp) {
    app.load_demo();
    let all = slugs(&app.get_ok("/v1/tags?limit=100").await);
    assert_eq!(all.len(), 12);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "tags are in slug order");
    let mut walked = Vec::new();
    let mut path = "/v1/tags?limit=5".to_string();
    loop {
        let page = app.get_ok(&path).await;
        walked.extend(slugs(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/tags?limit=5&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(walked, all);
}

async fn bad_tag_list_parameters_are_400(app: TestApp) {
    app.load_demo();
    app.get("/v1/tags?limit=0").await.problem(400);
    app.get("/v1/tags?cursor=%%%").await.problem(400);
}

async fn one_tag_by_slug(app: TestApp) {
    app.load_demo();
    let tag = app.get_ok("/v1/tags/julian-assange").await;
    assert_eq!(tag["name"], "Julian Assange");
    app.get("/v1/tags/nope").await.problem(404);
}

async fn a_tags_latest_block_lists_its_stories(app: TestApp) {
    app.load_demo();
    let block = app.get_ok("/v1/tags/julian-assange/latest").await;
    assert_eq!(block["title"], "Latest from Julian Assange");
    assert_eq!(
        slugs(&block),
        [
            "mexico-offers-assange-political-asylum",
            "uk-court-denies-assanges-extradition-to-us"
        ]
    );
    app.get("/v1/tags/nope/latest").await.problem(404);
}

async fn a_tag_in_use_is_kept(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let in_use = app
        .json("POST", "/v1/articles", Some(&editor), &story_json("Tagged"))
        .await;
    assert_eq!(in_use.status, 201, "{}", in_use.text());
    app.authed("DELETE", "/v1/tags/alpha", &editor)
        .await
        .problem(409);
}

/// An editor creates `Elections 2026`; answers the editor's token and the
/// write's answer.
async fn elections(app: &TestApp) -> (String, crate::helpers::Reply) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let tag = app
        .json(
            "POST",
            "/v1/tags",
            Some(&editor),
            &json!({"name": "Elections 2026"}),
        )
        .await;
    (editor, tag)
}

async fn an_editor_creates_a_tag_with_a_slug_from_its_name(app: TestApp) {
    let (_, tag) = elections(&app).await;
    assert_eq!(tag.json()["slug"], "elections-2026");
}

async fn an_unused_tag_is_deleted(app: TestApp) {
    let (editor, _) = elections(&app).await;
    assert_eq!(
        app.authed("DELETE", "/v1/tags/elections-2026", &editor)
            .await
            .status,
        204
    );
}

backend_tests!(
    tags_page_by_cursor_in_slug_order,
    bad_tag_list_parameters_are_400,
    one_tag_by_slug,
    a_tags_latest_block_lists_its_stories,
    a_tag_in_use_is_kept,
    an_editor_creates_a_tag_with_a_slug_from_its_name,
    an_unused_tag_is_deleted,
);
