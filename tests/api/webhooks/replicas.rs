//! Several byline processes on one database: each delivery is attempted
//! once, whichever replica claims it; and a process killed mid-delivery
//! loses nothing once a replica (or the restarted process) takes over.

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;

use super::{deliveries, eventually, quick, subscribe, Receiver};
use crate::backend_tests;
use crate::cross::process::{self, Server};
use crate::helpers::{fresh_database, Backend, TestApp};

const WAIT: Duration = Duration::from_secs(60);

fn story(headline: &str) -> serde_json::Value {
    json!({
        "headline": headline,
        "standfirst": "Filed for a webhook test",
        "body": "<p>One paragraph.</p>",
        "status": "published",
    })
}

async fn two_replicas_never_send_the_same_attempt_twice(app: TestApp) {
    let replica = app.replica(quick);
    let receiver = Receiver::start();
    // Each answer takes a while, so both replicas have work in flight at
    // once.
    receiver.behaviour.delay_ms.store(100, Ordering::SeqCst);
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, &receiver.url, json!({})).await;
    let id = created["webhook"]["id"].as_str().unwrap().to_string();
    // Writes go to both replicas; either may queue and claim.
    for n in 0..30 {
        let server = if n % 2 == 0 { &*app } else { &*replica };
        let reply = server
            .json(
                "POST",
                "/v1/articles",
                Some(&editor),
                &story(&format!("Story {n}")),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    receiver
        .wait_until("thirty deliveries", WAIT, |s| s.len() >= 30)
        .await;
    // Both replicas look a few more times: nothing more arrives.
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    let seen = receiver.seen();
    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    for c in &seen {
        *per_id.entry(c.id().to_string()).or_default() += 1;
    }
    assert_eq!(per_id.len(), 30, "thirty events");
    assert!(
        per_id.values().all(|n| *n == 1),
        "an event was sent twice: {per_id:?}"
    );
    let log = eventually("the log to show thirty delivered", WAIT, || {
        let (app, admin, id) = (&app, &admin, id.clone());
        async move {
            let log = deliveries(app, admin, &id).await;
            (log.len() == 30 && log.iter().all(|d| d["status"] == "delivered")).then_some(log)
        }
    })
    .await;
    assert!(log
        .iter()
        .all(|d| d["log"].as_array().unwrap().len() == 1 && d["attempts"] == 1));
}

backend_tests!(config = crate::webhooks::quick; two_replicas_never_send_the_same_attempt_twice);

/// kill -9 while deliveries are in flight; after a restart every event
/// reaches the receiver, and the log shows each delivered.
async fn a_killed_dispatcher_loses_no_event(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else {
        return crate::helpers::no_postgres();
    };
    process::run(&url, &["migrate"]);
    let settings = [
        ("BYLINE_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("BYLINE_WEBHOOK_TIMEOUT_MS", "1000"),
        ("BYLINE_WEBHOOK_POLL_MS", "100"),
        ("BYLINE_WEBHOOK_RETRY_UNIT_MS", "1"),
    ];
    let mut server = Server::start_with(&url, &settings).await;
    let token = server.tool_token_as("admin").await;
    let receiver = Receiver::start();
    // Slow answers: the kill lands while attempts are in flight.
    receiver.behaviour.delay_ms.store(400, Ordering::SeqCst);
    let created = subscribe(&server.http, &token, &receiver.url, json!({})).await;
    let id = created["webhook"]["id"].as_str().unwrap().to_string();
    for n in 0..20 {
        let reply = server
            .http
            .json(
                "POST",
                "/v1/articles",
                Some(&token),
                &story(&format!("Story {n}")),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
    }
    receiver
        .wait_until("the first attempts", WAIT, |s| !s.is_empty())
        .await;
    server.signal("KILL");
    assert_eq!(server.wait_for_exit(Duration::from_secs(10)), None);
    let before = receiver.seen().len();
    assert!(before < 20, "the kill came after every delivery ({before})");

    let restarted = Server::start_with(&url, &settings).await;
    receiver.behaviour.delay_ms.store(0, Ordering::SeqCst);
    let seen = receiver
        .wait_until("all twenty events", WAIT, |s| {
            let ids: std::collections::BTreeSet<&str> = s
                .iter()
                .filter(|c| c.status < 300)
                .map(|c| c.id())
                .collect();
            ids.len() == 20
        })
        .await;
    eprintln!(
        "kill -9 ({backend:?}): {before} attempts before the kill, {} in all for 20 events",
        seen.len()
    );
    let log = eventually("the log to show twenty delivered", WAIT, || {
        let (http, token, id) = (&restarted.http, &token, id.clone());
        async move {
            let log = deliveries(http, token, &id).await;
            (log.len() == 20 && log.iter().all(|d| d["status"] == "delivered")).then_some(log)
        }
    })
    .await;
    assert_eq!(log.len(), 20);
}

#[actix_web::test]
async fn sqlite_a_killed_dispatcher_loses_no_event() {
    a_killed_dispatcher_loses_no_event(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_a_killed_dispatcher_loses_no_event() {
    a_killed_dispatcher_loses_no_event(Backend::Postgres).await;
}
