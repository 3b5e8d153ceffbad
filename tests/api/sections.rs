//! /v1/sections: the navigation, one section and its latest block, and the
//! editors who manage them.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{slugs, story_json, TestApp};

async fn sections_list_in_navigation_order(app: TestApp) {
    app.load_demo();
    let list = app.get_ok("/v1/sections").await;
    let got = slugs(&list);
    assert_eq!(got[0], "top-news");
    assert_eq!(got.len(), 6);
    let positions: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] <= w[1]));
}

async fn one_section_by_slug(app: TestApp) {
    app.load_demo();
    let section = app.get_ok("/v1/sections/top-news").await;
    assert_eq!(section["name"], "Top News");
    assert_eq!(section["slug"], "top-news");
    assert!(section["description"].is_string());
    assert!(section.get("id").is_none(), "internal ids stay internal");
    app.get("/v1/sections/no-such-section").await.problem(404);
}

async fn a_sections_latest_block_lists_its_newest_stories(app: TestApp) {
    app.load_demo();
    let block = app.get_ok("/v1/sections/top-news/latest?limit=4").await;
    assert_eq!(block["title"], "Latest from Top News");
    assert_eq!(
        slugs(&block),
        [
            "palestinians-seek-help-to-end-israeli-siege",
            "gop-targets-chinese-student-visas-in-new-bill",
            "pak-iran-crack-down-on-afghan-refugees",
            "congo-and-m23-rebel-group-to-hold-peace-talks",
        ]
    );
}

async fn a_sections_latest_block_has_five_stories_by_default(app: TestApp) {
    app.load_demo();
    let default = app.get_ok("/v1/sections/top-news/latest").await;
    assert_eq!(
        slugs(&default).len(),
        5,
        "the default block has five stories"
    );
}

async fn a_sections_latest_block_leaves_out_the_excluded_story(app: TestApp) {
    app.load_demo();
    let excluded = app
        .get_ok("/v1/sections/top-news/latest?limit=4&exclude=palestinians-seek-help-to-end-israeli-siege")
        .await;
    assert_eq!(
        slugs(&excluded)[0],
        "gop-targets-chinese-student-visas-in-new-bill"
    );
    assert_eq!(slugs(&excluded).len(), 4);
}

async fn a_sections_latest_block_refuses_an_unknown_section_or_limit(app: TestApp) {
    app.load_demo();
    app.get("/v1/sections/nope/latest").await.problem(404);
    app.get("/v1/sections/top-news/latest?limit=51")
        .await
        .problem(400);
    app.get("/v1/sections/top-news/latest?limit=0")
        .await
        .problem(400);
}

/// An editor creates `Culture & Arts`; answers the editor's token and the
/// write's answer.
async fn culture(app: &TestApp) -> (String, crate::helpers::Reply) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let section = app
        .json(
            "POST",
            "/v1/sections",
            Some(&editor),
            &json!({"name": "Culture & Arts", "position": 9}),
        )
        .await;
    (editor, section)
}

async fn an_editor_creates_a_section_with_a_slug_from_its_name(app: TestApp) {
    let (_, section) = culture(&app).await;
    assert_eq!(section.status, 201, "{}", section.text());
    assert_eq!(section.json()["slug"], "culture-arts");
    assert_eq!(
        section.header("location").as_deref(),
        Some("/v1/sections/culture-arts")
    );
}

async fn an_editor_renames_a_section(app: TestApp) {
    let (editor, _) = culture(&app).await;
    let renamed = app
        .json(
            "PATCH",
            "/v1/sections/culture-arts",
            Some(&editor),
            &json!({"name": "Culture"}),
        )
        .await;
    assert_eq!(renamed.json()["name"], "Culture");
}

async fn a_taken_section_slug_is_409(app: TestApp) {
    let (editor, _) = culture(&app).await;
    app.json(
        "POST",
        "/v1/sections",
        Some(&editor),
        &json!({"name": "Again", "slug": "culture-arts"}),
    )
    .await
    .problem(409);
}

async fn a_section_in_use_is_kept(app: TestApp) {
    let (editor, _) = culture(&app).await;
    let mut body = story_json("In culture");
    body["section"] = json!("culture-arts");
    app.json("POST", "/v1/articles", Some(&editor), &body).await;
    let refused = app
        .authed("DELETE", "/v1/sections/culture-arts", &editor)
        .await
        .problem(409);
    assert!(refused["detail"].as_str().unwrap().contains("still used"));
}

async fn an_unused_section_is_deleted(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let in_use = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("In news"),
        )
        .await;
    assert_eq!(in_use.status, 201, "{}", in_use.text());
    assert_eq!(
        app.authed("DELETE", "/v1/sections/world", &editor)
            .await
            .status,
        204
    );
    app.get("/v1/sections/world").await.problem(404);
}

/// Taxonomy belongs to editors and admins.
async fn an_author_cannot_create_a_section(app: TestApp) {
    app.taxonomy();
    let author = app.token("author").await;
    app.json(
        "POST",
        "/v1/sections",
        Some(&author),
        &json!({"name": "Culture"}),
    )
    .await
    .problem(403);
}

backend_tests!(
    sections_list_in_navigation_order,
    one_section_by_slug,
    a_sections_latest_block_lists_its_newest_stories,
    a_sections_latest_block_has_five_stories_by_default,
    a_sections_latest_block_leaves_out_the_excluded_story,
    a_sections_latest_block_refuses_an_unknown_section_or_limit,
    an_editor_creates_a_section_with_a_slug_from_its_name,
    an_editor_renames_a_section,
    a_taken_section_slug_is_409,
    a_section_in_use_is_kept,
    an_unused_section_is_deleted,
    an_author_cannot_create_a_section,
);
