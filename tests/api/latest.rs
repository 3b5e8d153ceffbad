//! /v1/latest: the newest stories from the whole newsroom.

use crate::backend_tests;
use crate::helpers::{slugs, story, TestApp};

/// `one` and `three` in news, `two` in world, a day apart.
fn three_days(app: &TestApp) {
    app.taxonomy();
    app.insert(story("one", "2024-01-01T00:00:00Z"));
    let mut two = story("two", "2024-01-02T00:00:00Z");
    two.section = Some("world".into());
    app.insert(two);
    app.insert(story("three", "2024-01-03T00:00:00Z"));
}

async fn latest_from_the_whole_newsroom_newest_first(app: TestApp) {
    three_days(&app);
    let block = app.get_ok("/v1/latest").await;
    assert_eq!(block["title"], "Latest news");
    assert_eq!(slugs(&block), ["three", "two", "one"]);
}

async fn latest_excludes_a_story_by_slug_or_id(app: TestApp) {
    three_days(&app);
    let block = app.get_ok("/v1/latest?limit=2&exclude=three").await;
    assert_eq!(slugs(&block), ["two", "one"]);
    let id = app.get_ok("/v1/articles/two").await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let block = app.get_ok(&format!("/v1/latest?exclude={id}")).await;
    assert_eq!(slugs(&block), ["three", "one"], "exclude takes an id too");
}

async fn excluding_an_unknown_story_leaves_everything(app: TestApp) {
    three_days(&app);
    let block = app.get_ok("/v1/latest?exclude=not-a-story").await;
    assert_eq!(
        slugs(&block).len(),
        3,
        "excluding nothing leaves everything"
    );
}

async fn bad_latest_limits_are_400(app: TestApp) {
    three_days(&app);
    for bad in [
        "/v1/latest?limit=0",
        "/v1/latest?limit=51",
        "/v1/latest?limit=x",
    ] {
        app.get(bad).await.problem(400);
    }
}

async fn empty_newsroom_has_empty_blocks(app: TestApp) {
    app.taxonomy();
    let block = app.get_ok("/v1/latest").await;
    assert_eq!(block["data"].as_array().unwrap().len(), 0);
    let list = app.get_ok("/v1/articles").await;
    assert!(list["next_cursor"].is_null());
    assert_eq!(
        app.get_ok("/v1/sections/news/latest").await["data"],
        serde_json::json!([])
    );
}

backend_tests!(
    latest_from_the_whole_newsroom_newest_first,
    latest_excludes_a_story_by_slug_or_id,
    excluding_an_unknown_story_leaves_everything,
    bad_latest_limits_are_400,
    empty_newsroom_has_empty_blocks,
);
