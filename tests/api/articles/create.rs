//! POST /v1/articles: what a new story's body must hold, and what a
//! refused write leaves behind (nothing).

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{slugs, story_json, TestApp};

async fn an_invalid_body_names_every_failing_field(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let reply = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({
                "slug": "Not A Slug",
                "body": "x",
                "section": "nowhere",
                "authors": ["nobody"],
                "canonical_url": "javascript:alert(1)",
                "featured_image": {"url": "ftp://x"},
                "status": "scheduled",
                "published_at": "2020-01-01T00:00:00Z",
                "also_read": ["missing-story"],
            }),
        )
        .await;
    let problem = reply.problem(422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for expected in [
        "headline",
        "slug",
        "section",
        "authors",
        "canonical_url",
        "featured_image.url",
        "published_at",
        "also_read",
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} missing from {fields:?}"
        );
    }
}

async fn a_wrongly_typed_field_is_named(app: TestApp) {
    let editor = app.token("editor").await;
    let wrong_type = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": 42, "body": "x"}),
        )
        .await
        .problem(422);
    assert_eq!(wrong_type["errors"][0]["field"], "headline");
}

async fn an_unknown_field_is_named(app: TestApp) {
    let editor = app.token("editor").await;
    let unknown = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "h", "body": "x", "colour": "red"}),
        )
        .await
        .problem(422);
    assert!(unknown["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("colour"));
}

async fn an_unknown_status_is_named(app: TestApp) {
    let editor = app.token("editor").await;
    let bad_status = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "h", "body": "x", "status": "live"}),
        )
        .await
        .problem(422);
    assert_eq!(bad_status["errors"][0]["field"], "status");
}

async fn a_body_that_is_not_json_is_400(app: TestApp) {
    let editor = app.token("editor").await;
    let auth = format!("Bearer {editor}");
    app.send(
        "POST",
        "/v1/articles",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        Some(b"{oops".to_vec()),
    )
    .await
    .problem(400);
}

async fn a_body_not_declared_as_json_is_415(app: TestApp) {
    let editor = app.token("editor").await;
    let auth = format!("Bearer {editor}");
    app.send(
        "POST",
        "/v1/articles",
        &[("Content-Type", "text/plain"), ("Authorization", &auth)],
        Some(b"{}".to_vec()),
    )
    .await
    .problem(415);
}

async fn a_taken_slug_is_409(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let taken = app
        .json("POST", "/v1/articles", Some(&editor), &story_json("Taken"))
        .await;
    assert_eq!(taken.status, 201, "{}", taken.text());
    let mut dup = story_json("Another");
    dup["slug"] = json!("taken");
    app.json("POST", "/v1/articles", Some(&editor), &dup)
        .await
        .problem(409);
}

/// Every kind of refused write (invalid, not JSON, conflicting, failed
/// precondition) leaves no article behind: only the two stories written
/// on purpose are there afterwards.
async fn failed_writes_leave_no_article_behind(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let auth = format!("Bearer {editor}");
    let written = app
        .json("POST", "/v1/articles", Some(&editor), &story_json("Taken"))
        .await;
    assert_eq!(written.status, 201, "{}", written.text());
    let written = app
        .json(
            "PUT",
            "/v1/articles/external/e-1",
            Some(&editor),
            &story_json("External"),
        )
        .await;
    assert_eq!(written.status, 201, "{}", written.text());
    let mut taken_slug = story_json("Another");
    taken_slug["slug"] = json!("taken");
    let mut taken_external = story_json("Another external");
    taken_external["external_id"] = json!("e-1");
    let invalid = json!({
        "slug": "Not A Slug",
        "body": "x",
        "section": "nowhere",
        "authors": ["nobody"],
        "canonical_url": "javascript:alert(1)",
        "featured_image": {"url": "ftp://x"},
        "status": "scheduled",
        "published_at": "2020-01-01T00:00:00Z",
        "also_read": ["missing-story"],
    });
    for (method, path, body, if_match, status) in [
        ("POST", "/v1/articles", invalid, None, 422),
        (
            "POST",
            "/v1/articles",
            json!({"headline": 42, "body": "x"}),
            None,
            422,
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "x", "colour": "red"}),
            None,
            422,
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "x", "status": "live"}),
            None,
            422,
        ),
        ("POST", "/v1/articles", taken_slug, None, 409),
        ("POST", "/v1/articles", taken_external.clone(), None, 409),
        (
            "PUT",
            "/v1/articles/external/e-2",
            taken_external,
            None,
            422,
        ),
        (
            "PATCH",
            "/v1/articles/taken",
            json!({"slug": "Bad Slug"}),
            Some("\"v99\""),
            422,
        ),
        (
            "PUT",
            "/v1/articles/external/e-9",
            json!({"headline": "h"}),
            Some("\"v1\""),
            422,
        ),
        (
            "PUT",
            "/v1/articles/external/e-9",
            story_json("Precondition"),
            Some("\"v1\""),
            412,
        ),
    ] {
        let extra: Vec<(&str, &str)> = if_match.map(|m| ("If-Match", m)).into_iter().collect();
        app.json_with(method, path, Some(&editor), &body, &extra)
            .await
            .problem(status);
    }
    app.send(
        "POST",
        "/v1/articles",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        Some(b"{oops".to_vec()),
    )
    .await
    .problem(400);
    app.send(
        "POST",
        "/v1/articles",
        &[("Content-Type", "text/plain"), ("Authorization", &auth)],
        Some(b"{}".to_vec()),
    )
    .await
    .problem(415);
    let drafts = app
        .authed("GET", "/v1/articles?status=draft&limit=100", &editor)
        .await
        .json();
    assert_eq!(slugs(&drafts).len(), 2, "{drafts}");
}

backend_tests!(
    an_invalid_body_names_every_failing_field,
    a_wrongly_typed_field_is_named,
    an_unknown_field_is_named,
    an_unknown_status_is_named,
    a_body_that_is_not_json_is_400,
    a_body_not_declared_as_json_is_415,
    a_taken_slug_is_409,
    failed_writes_leave_no_article_behind,
);
