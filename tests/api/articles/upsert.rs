//! PUT /v1/articles/external/{external_id}: a newsroom tool pushes a story
//! under its own id, then publishes, updates, withdraws and deletes it.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{slugs, story_json, Reply, TestApp};

const WIRE: &str = "/v1/articles/external/wire-123";

/// The taxonomy, and the token of a tool called Wire with the editor role.
async fn wire_tool(app: &TestApp) -> String {
    app.taxonomy();
    let admin = app.token("admin").await;
    app.tool_token(&admin, &json!({"name": "Wire", "role": "editor"}))
        .await
}

async fn push(app: &TestApp, tool: &str, body: &serde_json::Value) -> Reply {
    app.json("PUT", WIRE, Some(tool), body).await
}

/// The tool changes the story's status, without a precondition.
async fn set_status(app: &TestApp, tool: &str, status: &str) -> Reply {
    app.json(
        "PATCH",
        "/v1/articles/wire-story",
        Some(tool),
        &json!({ "status": status }),
    )
    .await
}

/// The tool publishes version 1 of its story, with If-Match.
async fn publish_v1(app: &TestApp, tool: &str) -> Reply {
    app.json_with(
        "PATCH",
        "/v1/articles/wire-story",
        Some(tool),
        &json!({"status": "published"}),
        &[("If-Match", "\"v1\"")],
    )
    .await
}

/// The story pushed again, changed and published.
fn changed() -> serde_json::Value {
    let mut changed = story_json("Wire story, updated");
    changed["status"] = json!("published");
    changed
}

async fn a_first_push_creates_a_hidden_draft_with_its_new_tags(app: TestApp) {
    let tool = wire_tool(&app).await;
    let first = push(&app, &tool, &story_json("Wire story")).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first_body = first.json();
    assert_eq!(first_body["status"], "draft");
    assert_eq!(first_body["slug"], "wire-story");
    assert_eq!(first_body["external_id"], "wire-123");
    assert_eq!(first.header("etag").as_deref(), Some("\"v1\""));
    assert_eq!(
        first_body["tags"][1]["slug"], "brand-new-tag",
        "unknown tags are created from their names"
    );
    // Not public yet.
    app.get("/v1/articles/wire-story").await.problem(404);
}

async fn the_same_push_again_changes_nothing(app: TestApp) {
    let tool = wire_tool(&app).await;
    let first_body = push(&app, &tool, &story_json("Wire story")).await.json();
    let again = push(&app, &tool, &story_json("Wire story")).await;
    assert_eq!(again.status, 200, "{}", again.text());
    let again_body = again.json();
    assert_eq!(again_body["version"], 1);
    assert_eq!(again_body["updated_at"], first_body["updated_at"]);
    let revisions = app
        .authed("GET", "/v1/articles/wire-story/revisions", &tool)
        .await
        .json();
    assert_eq!(revisions["data"].as_array().unwrap().len(), 1);
}

async fn publishing_a_pushed_story_with_if_match_makes_it_public(app: TestApp) {
    let tool = wire_tool(&app).await;
    push(&app, &tool, &story_json("Wire story")).await;
    let published = publish_v1(&app, &tool).await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(published.json()["status"], "published");
    let public = app.get_ok("/v1/articles/wire-story").await;
    assert_eq!(public["headline"], "Wire story");
    assert_eq!(public["credit"], "Wire Agency");
    assert!(
        public.get("version").is_none(),
        "public answers carry no newsroom fields"
    );
}

async fn a_published_push_lists_its_story_under_its_new_tag(app: TestApp) {
    let tool = wire_tool(&app).await;
    push(&app, &tool, &story_json("Wire story")).await;
    assert_eq!(publish_v1(&app, &tool).await.status, 200);
    assert_eq!(
        slugs(&app.get_ok("/v1/tags/brand-new-tag/latest").await),
        ["wire-story"]
    );
}

async fn a_push_updates_the_published_story(app: TestApp) {
    let tool = wire_tool(&app).await;
    push(&app, &tool, &story_json("Wire story")).await;
    assert_eq!(publish_v1(&app, &tool).await.status, 200);
    let updated = push(&app, &tool, &changed()).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["version"], 3);
    assert_eq!(
        app.get_ok("/v1/articles/wire-story").await["headline"],
        "Wire story, updated"
    );
}

async fn unpublishing_withdraws_a_story_from_every_public_answer(app: TestApp) {
    let tool = wire_tool(&app).await;
    push(&app, &tool, &story_json("Wire story")).await;
    assert_eq!(publish_v1(&app, &tool).await.status, 200);
    app.get_ok("/v1/articles/wire-story").await;
    let unpublished = set_status(&app, &tool, "draft").await;
    assert_eq!(unpublished.status, 200);
    app.get("/v1/articles/wire-story").await.problem(404);
    assert!(!app.get("/v1/articles").await.text().contains("wire-story"));
}

/// Pushed, pushed again unchanged, published, updated, withdrawn and
/// archived: five versions, newest first, each with who made it.
async fn revisions_record_every_step_and_who_took_it(app: TestApp) {
    let tool = wire_tool(&app).await;
    assert_eq!(
        push(&app, &tool, &story_json("Wire story")).await.status,
        201
    );
    assert_eq!(
        push(&app, &tool, &story_json("Wire story")).await.status,
        200
    );
    assert_eq!(publish_v1(&app, &tool).await.status, 200);
    assert_eq!(push(&app, &tool, &changed()).await.status, 200);
    assert_eq!(set_status(&app, &tool, "draft").await.status, 200);
    assert_eq!(set_status(&app, &tool, "archived").await.status, 200);
    let history = app
        .authed("GET", "/v1/articles/wire-story/revisions", &tool)
        .await
        .json();
    let versions: Vec<i64> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [5, 4, 3, 2, 1]);
    assert_eq!(history["data"][0]["changes"]["status"]["to"], "archived");
    assert_eq!(history["data"][0]["actor_name"], "Wire");
}

async fn a_tool_deletes_its_archived_story(app: TestApp) {
    let tool = wire_tool(&app).await;
    push(&app, &tool, &story_json("Wire story")).await;
    assert_eq!(set_status(&app, &tool, "archived").await.status, 200);
    let deleted = app.authed("DELETE", "/v1/articles/wire-story", &tool).await;
    assert_eq!(deleted.status, 204);
    app.authed("GET", "/v1/articles/wire-story", &tool)
        .await
        .problem(404);
}

async fn two_identical_first_pushes_make_one_story(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    for round in 0..3 {
        let path = format!("/v1/articles/external/wire-{round}");
        let body = story_json(&format!("Wire {round}"));
        let (x, y) = futures_util::future::join(
            app.json("PUT", &path, Some(&editor), &body),
            app.json("PUT", &path, Some(&editor), &body),
        )
        .await;
        let mut statuses = [x.status.as_u16(), y.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 201], "{} {}", x.text(), y.text());
        assert_eq!(x.json()["id"], y.json()["id"]);
    }
}

async fn a_padded_external_id_is_400(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    app.json(
        "PUT",
        "/v1/articles/external/%20padded",
        Some(&editor),
        &story_json("Padded"),
    )
    .await
    .problem(400);
}

/// The upsert validates its body before any precondition, whatever form
/// If-Match takes.
async fn an_invalid_upsert_is_422_whatever_if_match_says(app: TestApp) {
    let editor = app.token("editor").await;
    let body = json!({"headline": "0", "body": ""});
    app.json("PUT", "/v1/articles/external/0", Some(&editor), &body)
        .await
        .problem(422);
    for if_match in ["\"v1\"", "*", "W/\"v1\"", "", "not a tag"] {
        let reply = app
            .json_with(
                "PUT",
                "/v1/articles/external/0",
                Some(&editor),
                &body,
                &[("If-Match", if_match)],
            )
            .await;
        assert_eq!(
            reply.problem(422)["errors"][0]["field"],
            "body",
            "If-Match {if_match:?}"
        );
    }
    app.json_with(
        "PUT",
        "/v1/articles/external/e-9",
        Some(&editor),
        &json!({"headline": "h"}),
        &[("If-Match", "\"v1\"")],
    )
    .await
    .problem(422);
}

/// With a valid body the header decides: an If-Match of any form for a
/// story that does not exist yet cannot hold.
async fn an_upsert_with_if_match_for_a_missing_story_is_412(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let valid = json!({"headline": "0", "body": "<p>x</p>"});
    app.json_with(
        "PUT",
        "/v1/articles/external/0",
        Some(&editor),
        &valid,
        &[("If-Match", "not a tag")],
    )
    .await
    .problem(412);
    app.json_with(
        "PUT",
        "/v1/articles/external/0",
        Some(&editor),
        &valid,
        &[("If-Match", "*")],
    )
    .await
    .problem(412);
    app.json_with(
        "PUT",
        "/v1/articles/external/e-9",
        Some(&editor),
        &story_json("Precondition"),
        &[("If-Match", "\"v1\"")],
    )
    .await
    .problem(412);
    app.json_with(
        "PUT",
        "/v1/articles/external/brand-new",
        Some(&editor),
        &story_json("New"),
        &[("If-Match", "*")],
    )
    .await
    .problem(412);
}

/// The upsert refuses what the spec refuses.
async fn an_upsert_with_an_overlong_headline_is_422(app: TestApp) {
    let editor = app.token("editor").await;
    let long = json!({"headline": "h".repeat(301), "body": "<p>x</p>"});
    app.json("PUT", "/v1/articles/external/1", Some(&editor), &long)
        .await
        .problem(422);
}

backend_tests!(
    a_first_push_creates_a_hidden_draft_with_its_new_tags,
    the_same_push_again_changes_nothing,
    publishing_a_pushed_story_with_if_match_makes_it_public,
    a_published_push_lists_its_story_under_its_new_tag,
    a_push_updates_the_published_story,
    unpublishing_withdraws_a_story_from_every_public_answer,
    revisions_record_every_step_and_who_took_it,
    a_tool_deletes_its_archived_story,
    two_identical_first_pushes_make_one_story,
    a_padded_external_id_is_400,
    an_invalid_upsert_is_422_whatever_if_match_says,
    an_upsert_with_if_match_for_a_missing_story_is_412,
    an_upsert_with_an_overlong_headline_is_422,
);
