//! Conditional and concurrent writes: If-Match decides between writers on
//! one version; without it, and across stories, every writer lands.

use futures_util::future::join_all;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{story_json, TestApp};

/// An editor's story `contested`, at version 1 (its ETag says so), then
/// changed `changes` times without a precondition; answers the token.
async fn contested(app: &TestApp, changes: usize) -> String {
    app.taxonomy();
    let editor = app.token("editor").await;
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("Contested"),
        )
        .await;
    assert_eq!(created.header("etag").as_deref(), Some("\"v1\""));
    for i in 0..changes {
        let changed = app
            .json(
                "PATCH",
                "/v1/articles/contested",
                Some(&editor),
                &json!({"standfirst": format!("Change {i}")}),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.text());
    }
    editor
}

async fn only_one_of_concurrent_writes_on_one_version_wins(app: TestApp) {
    let editor = contested(&app, 0).await;
    let attempts = (0..6).map(|i| {
        let editor = editor.clone();
        let app = &app;
        async move {
            app.json_with(
                "PATCH",
                "/v1/articles/contested",
                Some(&editor),
                &json!({"standfirst": format!("Take {i}")}),
                &[("If-Match", "\"v1\"")],
            )
            .await
            .status
            .as_u16()
        }
    });
    let statuses = join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        5,
        "{statuses:?}"
    );
}

async fn a_stale_if_match_is_412_naming_the_current_version(app: TestApp) {
    let editor = contested(&app, 1).await;
    let stale = app
        .json_with(
            "PATCH",
            "/v1/articles/contested",
            Some(&editor),
            &json!({"headline": "Late"}),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    let problem = stale.problem(412);
    assert!(problem["detail"].as_str().unwrap().contains("version 2"));
}

async fn a_weak_if_match_never_matches(app: TestApp) {
    let editor = contested(&app, 1).await;
    app.json_with(
        "PATCH",
        "/v1/articles/contested",
        Some(&editor),
        &json!({"headline": "Weak"}),
        &[("If-Match", "W/\"v2\"")],
    )
    .await
    .problem(412);
}

async fn a_current_if_match_writes_and_moves_the_etag(app: TestApp) {
    let editor = contested(&app, 1).await;
    let fresh = app
        .json_with(
            "PATCH",
            "/v1/articles/contested",
            Some(&editor),
            &json!({"headline": "On time"}),
            &[("If-Match", "\"v2\"")],
        )
        .await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.header("etag").as_deref(), Some("\"v3\""));
}

async fn a_delete_with_a_stale_if_match_is_412(app: TestApp) {
    let editor = contested(&app, 2).await;
    app.send(
        "DELETE",
        "/v1/articles/contested",
        &[
            ("Authorization", &format!("Bearer {editor}")),
            ("If-Match", "\"v2\""),
        ],
        None,
    )
    .await
    .problem(412);
}

/// Without If-Match, concurrent writes all land: last write wins.
async fn without_if_match_concurrent_writes_all_land(app: TestApp) {
    let editor = contested(&app, 2).await;
    let attempts = (0..4).map(|i| {
        let editor = editor.clone();
        let app = &app;
        async move {
            app.json(
                "PATCH",
                "/v1/articles/contested",
                Some(&editor),
                &json!({"standfirst": format!("Free {i}")}),
            )
            .await
            .status
            .as_u16()
        }
    });
    assert!(join_all(attempts).await.iter().all(|s| *s == 200));
    let preview = app
        .authed("GET", "/v1/articles/contested", &editor)
        .await
        .json();
    assert_eq!(preview["version"], 7);
}

/// An invalid body is 422 whatever If-Match says; preconditions only
/// decide requests that would otherwise succeed.
async fn an_invalid_patch_is_422_whatever_if_match_says(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let taken = app
        .json("POST", "/v1/articles", Some(&editor), &story_json("Taken"))
        .await;
    assert_eq!(taken.status, 201, "{}", taken.text());
    app.json_with(
        "PATCH",
        "/v1/articles/taken",
        Some(&editor),
        &json!({"slug": "Bad Slug"}),
        &[("If-Match", "\"v99\"")],
    )
    .await
    .problem(422);
}

/// Stories `a` and `b`, by an editor; answers the token.
async fn a_and_b(app: &TestApp) -> String {
    app.taxonomy();
    let editor = app.token("editor").await;
    for slug in ["a", "b"] {
        let mut body = story_json(slug);
        body["slug"] = json!(slug);
        assert_eq!(
            app.json("POST", "/v1/articles", Some(&editor), &body)
                .await
                .status,
            201
        );
    }
    editor
}

async fn two_stories_linking_each_other_at_once_both_land(app: TestApp) {
    let editor = a_and_b(&app).await;
    for round in 0..3 {
        let (x, y) = futures_util::future::join(
            app.json(
                "PATCH",
                "/v1/articles/a",
                Some(&editor),
                &json!({"also_read": ["b"], "standfirst": format!("a{round}")}),
            ),
            app.json(
                "PATCH",
                "/v1/articles/b",
                Some(&editor),
                &json!({"also_read": ["a"], "standfirst": format!("b{round}")}),
            ),
        )
        .await;
        assert_eq!(
            (x.status.as_u16(), y.status.as_u16()),
            (200, 200),
            "{} {}",
            x.text(),
            y.text()
        );
    }
}

async fn the_same_new_tags_named_at_once_in_opposite_orders_both_land(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    for round in 0..3 {
        let one = json!({"headline": format!("One {round}"), "body": "x", "tags": [format!("Fresh {round}"), format!("Other {round}")]});
        let two = json!({"headline": format!("Two {round}"), "body": "x", "tags": [format!("Other {round}"), format!("Fresh {round}")]});
        let (x, y) = futures_util::future::join(
            app.json("POST", "/v1/articles", Some(&editor), &one),
            app.json("POST", "/v1/articles", Some(&editor), &two),
        )
        .await;
        assert_eq!(
            (x.status.as_u16(), y.status.as_u16()),
            (201, 201),
            "{} {}",
            x.text(),
            y.text()
        );
        assert_eq!(
            x.json()["tags"],
            y.json()["tags"]
                .as_array()
                .map(|t| json!([t[1], t[0]]))
                .unwrap()
        );
    }
}

backend_tests!(
    only_one_of_concurrent_writes_on_one_version_wins,
    a_stale_if_match_is_412_naming_the_current_version,
    a_weak_if_match_never_matches,
    a_current_if_match_writes_and_moves_the_etag,
    a_delete_with_a_stale_if_match_is_412,
    without_if_match_concurrent_writes_all_land,
    an_invalid_patch_is_422_whatever_if_match_says,
    two_stories_linking_each_other_at_once_both_land,
    the_same_new_tags_named_at_once_in_opposite_orders_both_land,
);
