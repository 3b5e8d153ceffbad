//! External ids: a tool's ids are its own, and one id names one story.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{story_json, TestApp};

/// What the first to send an id tried to plant in the story behind it.
fn planted() -> Value {
    json!({
        "headline": "Planted", "body": "<p>planted</p>", "credit": "Planted credit",
        "canonical_url": "https://attacker.example/", "standfirst": "Planted standfirst",
        "featured_image": {"url": "https://attacker.example/x.jpg"},
    })
}

/// A contributor sends `wire-0100` (by upsert) and `wire-0200` (in a new
/// story) before the tool does; answers the admin's and the squatter's
/// tokens and the slug of the squatter's upserted story.
async fn squatted(app: &TestApp) -> (String, String, String) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let squatter = app.token("contributor").await;
    let squat = app
        .json(
            "PUT",
            "/v1/articles/external/wire-0100",
            Some(&squatter),
            &planted(),
        )
        .await;
    assert_eq!(squat.status, 201, "{}", squat.text());
    let mut also = planted();
    also["headline"] = json!("Planted again");
    also["external_id"] = json!("wire-0200");
    let squat2 = app
        .json("POST", "/v1/articles", Some(&squatter), &also)
        .await;
    assert_eq!(squat2.status, 201, "{}", squat2.text());
    let slug = squat.json()["slug"].as_str().unwrap().to_string();
    (admin, squatter, slug)
}

/// A tool with this role pushes both squatted ids: each push makes the
/// tool's own story, with nothing of what was planted.
async fn push_as_tool(app: &TestApp, admin: &str, role: &str) {
    let tool = app
        .tool_token(
            admin,
            &json!({"name": format!("Wire {role}"), "role": role}),
        )
        .await;
    for id in ["wire-0100", "wire-0200"] {
        let push = app
            .json(
                "PUT",
                &format!("/v1/articles/external/{id}"),
                Some(&tool),
                &json!({"headline": format!("Real story {id} by {role}"), "body": "<p>real</p>", "status": "published"}),
            )
            .await;
        assert_eq!(push.status, 201, "{role} {id}: {}", push.text());
        let body = push.json();
        assert_eq!(body["status"], "published");
        assert_eq!(body["credit"], Value::Null);
        assert_eq!(body["canonical_url"], Value::Null);
        assert_eq!(body["standfirst"], "");
        assert_eq!(body["featured_image"], Value::Null);
        assert_eq!(body["external_id"], id);
    }
}

async fn a_squatted_id_neither_blocks_nor_plants_into_an_editor_tools_push(app: TestApp) {
    let (admin, _, _) = squatted(&app).await;
    push_as_tool(&app, &admin, "editor").await;
}

async fn a_squatted_id_neither_blocks_nor_plants_into_an_author_tools_push(app: TestApp) {
    let (admin, _, _) = squatted(&app).await;
    push_as_tool(&app, &admin, "author").await;
}

/// The squatter's own stories are untouched by the tools' pushes, and
/// still theirs.
async fn a_squatters_own_story_is_left_untouched(app: TestApp) {
    let (admin, squatter, slug) = squatted(&app).await;
    for role in ["editor", "author"] {
        push_as_tool(&app, &admin, role).await;
    }
    let mine = app
        .authed("GET", &format!("/v1/articles/{slug}"), &squatter)
        .await
        .json();
    assert_eq!(mine["headline"], "Planted");
    assert_eq!(mine["status"], "draft");
}

/// `e-1` is taken by an upsert; answers the editor's token.
async fn e1_taken(app: &TestApp) -> String {
    app.taxonomy();
    let editor = app.token("editor").await;
    let pushed = app
        .json(
            "PUT",
            "/v1/articles/external/e-1",
            Some(&editor),
            &story_json("External"),
        )
        .await;
    assert_eq!(pushed.status, 201, "{}", pushed.text());
    editor
}

async fn a_taken_external_id_is_409(app: TestApp) {
    let editor = e1_taken(&app).await;
    let mut dup = story_json("Another external");
    dup["external_id"] = json!("e-1");
    app.json("POST", "/v1/articles", Some(&editor), &dup)
        .await
        .problem(409);
}

async fn an_upsert_body_may_not_name_an_external_id(app: TestApp) {
    let editor = e1_taken(&app).await;
    let mut dup = story_json("Another external");
    dup["external_id"] = json!("e-1");
    app.json("PUT", "/v1/articles/external/e-2", Some(&editor), &dup)
        .await
        .problem(422);
}

backend_tests!(
    a_squatted_id_neither_blocks_nor_plants_into_an_editor_tools_push,
    a_squatted_id_neither_blocks_nor_plants_into_an_author_tools_push,
    a_squatters_own_story_is_left_untouched,
    a_taken_external_id_is_409,
    an_upsert_body_may_not_name_an_external_id,
);
