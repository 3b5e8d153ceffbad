//! Scheduled stories: written ahead, hidden until their time, seen by the
//! newsroom meanwhile, and brought forward at will.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{slugs, story_json, TestApp};

/// An editor schedules `embargoed` two hours ahead; answers the editor's
/// token and the write's answer.
async fn embargoed(app: &TestApp) -> (String, crate::helpers::Reply) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut body = story_json("Embargoed");
    body["status"] = json!("scheduled");
    body["published_at"] = json!(at);
    let created = app.json("POST", "/v1/articles", Some(&editor), &body).await;
    (editor, created)
}

async fn a_scheduled_story_is_hidden_until_its_time(app: TestApp) {
    let (_, created) = embargoed(&app).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["status"], "scheduled");
    app.get("/v1/articles/embargoed").await.problem(404);
}

async fn a_scheduled_story_is_previewed_privately(app: TestApp) {
    let (editor, _) = embargoed(&app).await;
    let preview = app.authed("GET", "/v1/articles/embargoed", &editor).await;
    assert_eq!(preview.status, 200);
    assert_eq!(preview.json()["status"], "scheduled");
    assert_eq!(
        preview.header("cache-control").as_deref(),
        Some("private, no-store")
    );
}

async fn the_newsroom_lists_scheduled_stories(app: TestApp) {
    let (editor, _) = embargoed(&app).await;
    let scheduled = app
        .authed("GET", "/v1/articles?status=scheduled", &editor)
        .await
        .json();
    assert_eq!(slugs(&scheduled), ["embargoed"]);
}

async fn bringing_a_scheduled_story_forward_publishes_it(app: TestApp) {
    let (editor, _) = embargoed(&app).await;
    let now = app
        .json(
            "PATCH",
            "/v1/articles/embargoed",
            Some(&editor),
            &json!({"status": "published", "published_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(now.status, 200);
    app.get_ok("/v1/articles/embargoed").await;
}

backend_tests!(
    a_scheduled_story_is_hidden_until_its_time,
    a_scheduled_story_is_previewed_privately,
    the_newsroom_lists_scheduled_stories,
    bringing_a_scheduled_story_forward_publishes_it,
);
