//! byline's response cache, and what keeps it honest: writes through this
//! process, writes through another replica (or any other process), and
//! periodic upkeep that runs once across replicas. What must not empty it
//! (a write that changes nothing) or crowd it out (made-up parameters).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{story, TestApp};

const STORY: &str = "/v1/articles/cached-story";

async fn published(app: &TestApp) {
    app.taxonomy();
    app.insert(story("cached-story", "2026-01-02T10:00:00Z"));
}

/// The story, asked for twice: the second answer is a hit.
async fn warmed(app: &TestApp) -> crate::helpers::Reply {
    let first = app.get(STORY).await;
    assert_eq!(first.status, 200);
    let second = app.get(STORY).await;
    assert_eq!(second.header("age").as_deref(), Some("0"));
    first
}

async fn a_repeated_public_get_is_served_from_the_cache(app: TestApp) {
    published(&app).await;
    let first = app.get(STORY).await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("age"), None, "the first answer is computed");
    let second = app.get(STORY).await;
    assert_eq!(second.status, 200);
    assert_eq!(
        second.header("age").as_deref(),
        Some("0"),
        "a hit carries Age"
    );
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("etag"), first.header("etag"));
    assert_eq!(
        second.header("cache-control"),
        first.header("cache-control")
    );
    assert_eq!(second.header("vary"), first.header("vary"));
    assert_eq!(
        second.header("content-type").as_deref(),
        Some("application/json")
    );
}

/// A hit still answers conditional requests.
async fn a_cache_hit_still_answers_conditional_requests(app: TestApp) {
    published(&app).await;
    let first = warmed(&app).await;
    let etag = first.header("etag").unwrap();
    let revalidated = app.request("GET", STORY, &[("If-None-Match", &etag)]).await;
    assert_eq!(revalidated.status, 304);
    assert!(revalidated.body.is_empty());
    assert_eq!(revalidated.header("etag").as_deref(), Some(etag.as_str()));
}

/// HEAD is answered from the same entry, without a body.
async fn head_is_answered_from_the_cached_entry(app: TestApp) {
    published(&app).await;
    warmed(&app).await;
    let head = app.request("HEAD", STORY, &[]).await;
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

/// Previews (any Authorization) and errors never come from the cache.
async fn previews_and_errors_never_come_from_the_cache(app: TestApp) {
    published(&app).await;
    warmed(&app).await;
    let editor = app.token("editor").await;
    for _ in 0..2 {
        let preview = app.authed("GET", STORY, &editor).await;
        assert_eq!(preview.status, 200);
        assert_eq!(preview.header("age"), None);
        assert_eq!(
            preview.header("cache-control").as_deref(),
            Some("private, no-store")
        );
        let missing = app.get("/v1/articles/not-there").await;
        missing.problem(404);
        assert_eq!(missing.header("age"), None);
    }
}

/// Writes through this process retire cached answers before the writer
/// hears back, even when the database is polled only rarely.
async fn a_write_through_this_process_is_seen_at_once(app: TestApp) {
    let app = app.replica(|c| c.cache_sync = Duration::from_secs(3600));
    published(&app).await;
    let editor = app.token("editor").await;
    for round in 0..3 {
        // Warm the entry, then change the story.
        app.get(STORY).await;
        let hit = app.get(STORY).await;
        assert_eq!(hit.header("age").as_deref(), Some("0"));
        let headline = format!("Rewritten {round}");
        let written = app
            .json(
                "PATCH",
                STORY,
                Some(&editor),
                &json!({"headline": headline}),
            )
            .await;
        assert_eq!(written.status, 200, "{}", written.text());
        let after = app.get_ok(STORY).await;
        assert_eq!(after["headline"], headline.as_str());
        let list = app.get_ok("/v1/articles").await;
        assert_eq!(list["data"][0]["headline"], headline.as_str());
    }
}

/// A failed write changes nothing, and the cache keeps serving.
async fn a_failed_write_keeps_the_cache(app: TestApp) {
    let app = app.replica(|c| c.cache_sync = Duration::from_secs(3600));
    published(&app).await;
    let editor = app.token("editor").await;
    warmed(&app).await;
    let refused = app
        .json("PATCH", STORY, Some(&editor), &json!({"headline": ""}))
        .await;
    refused.problem(422);
    assert_eq!(app.get(STORY).await.header("age").as_deref(), Some("0"));
}

/// A write that changes nothing keeps the cache.
async fn a_no_op_write_keeps_the_cache(app: TestApp) {
    app.taxonomy();
    app.insert(story("kept", "2026-01-02T10:00:00Z"));
    let contributor = app.token("contributor").await;
    let own = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &json!({"headline": "Mine", "body": "<p>x</p>"}),
        )
        .await;
    assert_eq!(own.status, 201);
    app.get("/v1/articles/kept").await;
    assert!(app.get("/v1/articles/kept").await.header("age").is_some());
    let noop = app
        .json(
            "PATCH",
            "/v1/articles/mine",
            Some(&contributor),
            &json!({"headline": "Mine"}),
        )
        .await;
    assert_eq!(noop.status, 200);
    assert_eq!(noop.json()["version"], 1);
    assert!(
        app.get("/v1/articles/kept").await.header("age").is_some(),
        "a no-op write left the cache alone"
    );
}

/// Parameters an operation does not take are refused instead of cached
/// under keys of their own.
async fn undocumented_parameters_are_refused_not_cached(app: TestApp) {
    app.taxonomy();
    app.insert(story("kept", "2026-01-02T10:00:00Z"));
    for path in [
        "/v1/sections?x=1",
        "/v1/articles?limit=5&cachebuster=123",
        "/v1/articles/kept?v=2",
        "/v1/tags/alpha?_=1",
        "/v1/latest?limit=3&limit2=4",
        "/v1/t%61gs?cachebuster=1",
    ] {
        let problem = app.get(path).await.problem(400);
        assert_eq!(problem["code"], "invalid_parameter", "{path}");
    }
    // Documented parameters still work.
    app.get_ok("/v1/articles?limit=5&section=news").await;
}

/// Another replica's write (here: a second server on the same database)
/// reaches this one's readers within the sync interval, not the minute the
/// cached answer would otherwise live.
async fn a_write_through_another_replica_is_seen_within_the_bound(app: TestApp) {
    let sync = Duration::from_millis(300);
    let reader = app.replica(|c| c.cache_sync = sync);
    let writer = app.replica(|c| c.cache_sync = sync);
    published(&app).await;
    let editor = writer.token("editor").await;
    // Let the reader's first poll see the fixtures, then cache the story.
    actix_web::rt::time::sleep(sync * 2).await;
    reader.get(STORY).await;
    assert_eq!(reader.get(STORY).await.header("age").as_deref(), Some("0"));

    let mut worst = Duration::ZERO;
    for round in 0..3 {
        let headline = format!("Seen everywhere {round}");
        let written = writer
            .json(
                "PATCH",
                STORY,
                Some(&editor),
                &json!({"headline": headline}),
            )
            .await;
        assert_eq!(written.status, 200, "{}", written.text());
        let acknowledged = Instant::now();
        loop {
            let seen = reader.get_ok(STORY).await;
            if seen["headline"] == headline.as_str() {
                break;
            }
            assert!(
                acknowledged.elapsed() < sync + Duration::from_secs(2),
                "the reader still served the old story after {:?}",
                acknowledged.elapsed()
            );
            actix_web::rt::time::sleep(Duration::from_millis(20)).await;
        }
        worst = worst.max(acknowledged.elapsed());
        // Cache the new version on the reader before the next round.
        reader.get(STORY).await;
    }
    eprintln!("worst time for another replica's write to be seen: {worst:?} (sync {sync:?})");
}

/// Upkeep runs once per interval across all replicas, not once per replica.
async fn upkeep_runs_once_across_replicas(app: TestApp) {
    use byline::background::FORGET_IDEMPOTENCY_KEYS;
    use byline::models::{idempotency, maintenance};

    // An Idempotency-Key well past its retention.
    let old = byline::models::now() - chrono::Duration::days(3);
    app.with_db(|conn| {
        idempotency::insert(
            conn,
            &idempotency::StoredResponse {
                principal: "user:nobody".into(),
                idem_key: "long-ago".into(),
                request_hash: "x".into(),
                status: 201,
                body: "{}".into(),
                location: None,
                etag: None,
                created_at: old,
            },
        )?;
        Ok(())
    });
    let runs_before = app.with_db(|c| Ok(maintenance::runs(c, FORGET_IDEMPOTENCY_KEYS)?));
    let interval = Duration::from_secs(1);
    let started = Instant::now();
    let replicas: Vec<TestApp> = (0..3)
        .map(|_| app.replica(|c| c.maintenance_interval = interval))
        .collect();
    actix_web::rt::time::sleep(Duration::from_millis(3500)).await;
    let elapsed = started.elapsed();
    let runs = app.with_db(|c| Ok(maintenance::runs(c, FORGET_IDEMPOTENCY_KEYS)?)) - runs_before;
    // Successful runs are at least an interval apart, whoever runs them;
    // three replicas each running it would give about three times as many.
    let most = elapsed.as_secs_f64() / interval.as_secs_f64() + 1.0;
    assert!(runs >= 2, "upkeep ran {runs} times in {elapsed:?}");
    assert!(
        (runs as f64) <= most,
        "upkeep ran {runs} times in {elapsed:?} with {} replicas",
        replicas.len()
    );
    let left = app.with_db(|c| Ok(idempotency::find(c, "user:nobody", "long-ago")?.is_some()));
    assert!(!left);
    let rows = app.with_db(|c| {
        use byline::schema::idempotency_keys::dsl::*;
        use diesel::prelude::*;
        Ok(idempotency_keys.count().get_result::<i64>(c)?)
    });
    assert_eq!(rows, 0, "the expired key was forgotten");
}

backend_tests!(
    a_repeated_public_get_is_served_from_the_cache,
    a_cache_hit_still_answers_conditional_requests,
    head_is_answered_from_the_cached_entry,
    previews_and_errors_never_come_from_the_cache,
    a_write_through_this_process_is_seen_at_once,
    a_failed_write_keeps_the_cache,
    a_no_op_write_keeps_the_cache,
    undocumented_parameters_are_refused_not_cached,
    a_write_through_another_replica_is_seen_within_the_bound,
    upkeep_runs_once_across_replicas,
);
