//! GET /v1/articles/{article}/revisions: a story's history, a page at a
//! time, for the newsroom only.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::TestApp;

/// An editor's story written once and changed four times (version 5);
/// answers the token.
async fn often_changed(app: &TestApp) -> String {
    let editor = app.token("editor").await;
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Often changed", "body": "<p>v0</p>"}),
        )
        .await;
    assert_eq!(created.status, 201);
    for i in 1..=4 {
        let changed = app
            .json(
                "PATCH",
                "/v1/articles/often-changed",
                Some(&editor),
                &json!({"body": format!("<p>v{i}</p>")}),
            )
            .await;
        assert_eq!(changed.status, 200);
    }
    editor
}

async fn revisions_come_newest_first_a_page_at_a_time(app: TestApp) {
    let editor = often_changed(&app).await;
    let first = app
        .authed(
            "GET",
            "/v1/articles/often-changed/revisions?limit=2",
            &editor,
        )
        .await
        .json();
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["data"][0]["version"], 5);
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .authed(
            "GET",
            &format!("/v1/articles/often-changed/revisions?limit=2&cursor={cursor}"),
            &editor,
        )
        .await
        .json();
    let versions: Vec<i64> = rest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2]);
}

/// A revision keeps a digest of each body rather than the text.
async fn a_body_change_is_kept_as_a_digest(app: TestApp) {
    let editor = often_changed(&app).await;
    let first = app
        .authed(
            "GET",
            "/v1/articles/often-changed/revisions?limit=2",
            &editor,
        )
        .await
        .json();
    let body_change = &first["data"][0]["changes"]["body"];
    assert_eq!(body_change["to"]["length"], 9, "{body_change}");
    assert!(body_change["to"]["sha256"]
        .as_str()
        .is_some_and(|h| h.len() == 64));
}

async fn a_bad_revisions_cursor_is_400(app: TestApp) {
    let editor = often_changed(&app).await;
    app.authed(
        "GET",
        "/v1/articles/often-changed/revisions?cursor=abc",
        &editor,
    )
    .await
    .problem(400);
}

async fn revisions_need_a_token(app: TestApp) {
    often_changed(&app).await;
    app.request("GET", "/v1/articles/often-changed/revisions", &[])
        .await
        .problem(401);
}

backend_tests!(
    revisions_come_newest_first_a_page_at_a_time,
    a_body_change_is_kept_as_a_digest,
    a_bad_revisions_cursor_is_400,
    revisions_need_a_token,
);
