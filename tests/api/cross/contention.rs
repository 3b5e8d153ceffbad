//! A writer stuck holding the database's write lock costs other writers a
//! 503 with Retry-After after the lock timeout; reads (cached or not) and
//! readiness keep answering, even with every pooled connection taken.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{story, Reply, TestApp};

/// A replica that polls the database every 100 ms and waits at most a
/// second for it, with the story `held` cached; answers it with an
/// editor's token.
async fn held(app: &TestApp) -> (TestApp, String) {
    app.taxonomy();
    app.insert(story("held", "2026-01-02T10:00:00Z"));
    let app = app.replica(|c| {
        c.cache_sync = Duration::from_millis(100);
        c.db_timeout = Duration::from_secs(1);
    });
    let editor = app.token("editor").await;
    app.get("/v1/articles/held").await;
    (app, editor)
}

/// Another session holds the write lock, as a stuck writer would, until
/// the connection is dropped.
fn hold_write_lock(app: &TestApp) -> byline::db::DbConnection {
    use diesel::connection::SimpleConnection;
    let mut conn = byline::db::connect(&app.config.database_url).unwrap();
    let lock = match conn {
        byline::db::DbConnection::Sqlite(_) => {
            "BEGIN IMMEDIATE; UPDATE content_state SET generation = generation WHERE id = 1;"
        }
        byline::db::DbConnection::Postgres(_) => {
            "BEGIN; UPDATE content_state SET generation = generation WHERE id = 1;"
        }
    };
    conn.batch_execute(lock).unwrap();
    conn
}

async fn change_headline(app: &TestApp, editor: &str) -> Reply {
    app.json(
        "PATCH",
        "/v1/articles/held",
        Some(editor),
        &json!({"headline": "Changed"}),
    )
    .await
}

async fn a_stuck_writer_costs_other_writers_a_503_with_retry_after(app: TestApp) {
    let (app, editor) = held(&app).await;
    let _blocker = hold_write_lock(&app);
    let started = Instant::now();
    let refused = change_headline(&app, &editor).await;
    refused.problem(503);
    assert!(refused.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
}

async fn cached_reads_go_on_while_a_writer_is_stuck(app: TestApp) {
    let (app, editor) = held(&app).await;
    let _blocker = hold_write_lock(&app);
    change_headline(&app, &editor).await.problem(503);
    let cached = app.get("/v1/articles/held").await;
    assert_eq!(cached.status, 200);
    assert!(
        cached.header("age").is_some(),
        "still served from the cache"
    );
}

async fn readiness_holds_while_a_writer_is_stuck(app: TestApp) {
    let (app, editor) = held(&app).await;
    let _blocker = hold_write_lock(&app);
    change_headline(&app, &editor).await.problem(503);
    assert_eq!(app.get("/readyz").await.status, 200);
}

/// Every pooled connection taken: the cache still answers, because the
/// background thread watches the database on a connection of its own.
async fn the_cache_answers_with_every_pooled_connection_taken(app: TestApp) {
    let (app, editor) = held(&app).await;
    let _blocker = hold_write_lock(&app);
    change_headline(&app, &editor).await.problem(503);
    let _taken: Vec<_> = (0..app.config.db_pool_size)
        .map(|_| app.pool.get().unwrap())
        .collect();
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    let cached = app.get("/v1/articles/held").await;
    assert_eq!(cached.status, 200);
    assert!(cached.header("age").is_some());
}

async fn writes_resume_once_the_stuck_writer_lets_go(app: TestApp) {
    let (app, editor) = held(&app).await;
    let blocker = hold_write_lock(&app);
    change_headline(&app, &editor).await.problem(503);
    drop(blocker);
    let written = change_headline(&app, &editor).await;
    assert_eq!(written.status, 200, "{}", written.text());
}

backend_tests!(
    a_stuck_writer_costs_other_writers_a_503_with_retry_after,
    cached_reads_go_on_while_a_writer_is_stuck,
    readiness_holds_while_a_writer_is_stuck,
    the_cache_answers_with_every_pooled_connection_taken,
    writes_resume_once_the_stuck_writer_lets_go,
);
