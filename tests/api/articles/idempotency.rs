//! Idempotency-Key: a retried create makes one story, and a key is its
//! caller's own.

use futures_util::future::join_all;

use crate::backend_tests;
use crate::helpers::{slugs, story_json, Reply, TestApp};

const KEY: [(&str, &str); 1] = [("Idempotency-Key", "push-42")];

/// An editor creates `retried` under the key; answers the token and the
/// first answer.
async fn first_push(app: &TestApp) -> (String, Reply) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let first = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("Retried"),
            &KEY,
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    (editor, first)
}

async fn a_retry_under_the_same_key_replays_the_first_answer(app: TestApp) {
    let (editor, first) = first_push(&app).await;
    let retry = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("Retried"),
            &KEY,
        )
        .await;
    assert_eq!(retry.status, 201);
    assert_eq!(
        retry.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(retry.header("location"), first.header("location"));
}

async fn the_same_key_with_another_body_is_422(app: TestApp) {
    let (editor, _) = first_push(&app).await;
    let other = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("Something else"),
            &KEY,
        )
        .await;
    other.problem(422);
}

async fn many_retries_at_once_make_one_article(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let burst = (0..6).map(|_| {
        let editor = editor.clone();
        let app = &app;
        async move {
            let reply = app
                .json_with(
                    "POST",
                    "/v1/articles",
                    Some(&editor),
                    &story_json("Burst"),
                    &[("Idempotency-Key", "burst-1")],
                )
                .await;
            (
                reply.status.as_u16(),
                reply.json()["id"].as_str().map(str::to_string),
            )
        }
    });
    let results = join_all(burst).await;
    assert!(results.iter().all(|(s, _)| *s == 201), "{results:?}");
    let ids: std::collections::HashSet<_> = results.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(ids.len(), 1, "one article: {results:?}");
    let drafts = app
        .authed("GET", "/v1/articles?status=draft&limit=100", &editor)
        .await
        .json();
    let burst_count = slugs(&drafts)
        .iter()
        .filter(|s| s.starts_with("burst"))
        .count();
    assert_eq!(burst_count, 1);
}

/// Keys belong to their caller: another caller's same key is a new request.
async fn another_callers_same_key_is_a_new_request(app: TestApp) {
    let (_, first) = first_push(&app).await;
    let other_editor = app.token("editor").await;
    let theirs = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&other_editor),
            &story_json("Retried"),
            &KEY,
        )
        .await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    assert_eq!(theirs.json()["slug"], "retried-2", "slugs are made unique");
}

backend_tests!(
    a_retry_under_the_same_key_replays_the_first_answer,
    the_same_key_with_another_body_is_422,
    many_retries_at_once_make_one_article,
    another_callers_same_key_is_a_new_request,
);
