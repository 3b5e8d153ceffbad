//! Bodies that once made the sanitizer or renderer work for minutes: they
//! are refused quickly, cost the server little, and hold up no one else.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::cross::process::Server;
use crate::helpers::{post_oversized, story, Backend, TestApp};

/// A body just under the default 2 MiB limit once wrapped in JSON.
const HEAVY: usize = 1_900_000;

fn repeat_to(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len())
}

fn draft(headline: &str, body: String, format: &str) -> Value {
    json!({"headline": headline, "body": body, "body_format": format})
}

/// Bodies that made the old sanitizer or renderer work for minutes.
fn pathological() -> Vec<(&'static str, &'static str, String)> {
    let distinct_b: String = (0..HEAVY / 14).map(|i| format!("<b id={i}>")).collect();
    vec![
        ("nested divs", "html", repeat_to("<div>", HEAVY)),
        ("unclosed distinct b", "html", distinct_b),
        ("nested list items", "html", repeat_to("<ul><li>", HEAVY)),
        (
            "span in div",
            "html",
            repeat_to("<span><div></span>", HEAVY),
        ),
        ("markdown quotes", "markdown", repeat_to("> ", HEAVY)),
        (
            "markdown ordered lists",
            "markdown",
            repeat_to("1. ", HEAVY),
        ),
        // JSON spends two bytes on each line break.
        (
            "markdown html blocks",
            "markdown",
            repeat_to("<div>\n", HEAVY * 6 / 7),
        ),
        ("markdown wide table", "markdown", {
            let mut s = "|a".repeat(5000);
            s.push('\n');
            s.push_str(&"|-".repeat(5000));
            s.push('\n');
            s.push_str(&"|x\n".repeat((HEAVY * 3 / 4 - s.len()) / 3));
            s
        }),
    ]
}

/// Every pathological shape is answered quickly: refused with 422 naming
/// the body, with the limit it passed.
async fn pathological_bodies_are_refused_quickly(app: TestApp) {
    let contributor = app.token("contributor").await;
    for (name, format, body) in pathological() {
        let started = Instant::now();
        let reply = app
            .json(
                "POST",
                "/v1/articles",
                Some(&contributor),
                &draft(name, body, format),
            )
            .await;
        let took = started.elapsed();
        let problem = reply.problem(422);
        assert_eq!(problem["errors"][0]["field"], "body", "{name}");
        let why = problem["errors"][0]["message"].as_str().unwrap();
        assert!(
            why.contains("100") || why.contains("100000"),
            "{name}: the limit is named: {why}"
        );
        // Loose on purpose: a shared machine; the old code took minutes.
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
    }
}

/// Large, ordinary bodies are still accepted.
async fn a_large_ordinary_body_is_accepted(app: TestApp) {
    let contributor = app.token("contributor").await;
    let ordinary = repeat_to("<p>Some words in a paragraph of a long story.</p>", HEAVY);
    let stored = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &draft("Long", ordinary, "html"),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.text());
}

/// A replica that polls the database every 100 ms, with a published story;
/// answers it with an editor's and a contributor's tokens.
async fn busy_newsroom(app: &TestApp) -> (TestApp, String, String) {
    app.taxonomy();
    app.insert(story("steady", "2026-01-02T10:00:00Z"));
    let app = app.replica(|c| c.cache_sync = Duration::from_millis(100));
    let editor = app.token("editor").await;
    let contributor = app.token("contributor").await;
    (app, editor, contributor)
}

/// While bodies that once held the write lock for minutes are sent, other
/// writers and readers are served as usual.
async fn writers_and_readers_go_on_during_heavy_bodies(app: TestApp) {
    let (app, editor, contributor) = busy_newsroom(&app).await;
    app.get("/v1/sections").await;
    let heavy = (0..4).map(|i| {
        let body = draft(&format!("Heavy {i}"), repeat_to("<div>", HEAVY), "html");
        let (app, token) = (&app, contributor.clone());
        async move { app.json("POST", "/v1/articles", Some(&token), &body).await }
    });
    let light = (0..12).map(|i| {
        let (app, token) = (&app, editor.clone());
        async move {
            let started = Instant::now();
            let reply = app
                .json(
                    "POST",
                    "/v1/articles",
                    Some(&token),
                    &json!({"headline": format!("Light {i}"), "body": "<p>x</p>"}),
                )
                .await;
            (reply.status.as_u16(), started.elapsed())
        }
    });
    let reads = (0..24).map(|_| {
        let app = &app;
        async move {
            let reply = app.get("/v1/sections").await;
            (reply.status.as_u16(), reply.header("age").is_some())
        }
    });
    let (heavy, (light, reads)) = futures_util::future::join(
        join_all(heavy),
        futures_util::future::join(join_all(light), join_all(reads)),
    )
    .await;
    for reply in heavy {
        reply.problem(422);
    }
    for (status, took) in light {
        assert_eq!(status, 201);
        assert!(
            took < Duration::from_secs(5),
            "a light write waited {took:?}"
        );
    }
    assert!(reads.iter().all(|(status, _)| *status == 200), "{reads:?}");
}

/// Heavy bodies alone (refused, so nothing changes) leave the cache
/// serving every read.
async fn refused_heavy_bodies_leave_the_cache_serving(app: TestApp) {
    let (app, _, contributor) = busy_newsroom(&app).await;
    // Let the replica's first poll of the database pass before caching.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    app.get("/v1/sections").await;
    let heavy = (0..4).map(|i| {
        let body = draft(&format!("Heavy {i}"), repeat_to("<ul><li>", HEAVY), "html");
        let (app, token) = (&app, contributor.clone());
        async move { app.json("POST", "/v1/articles", Some(&token), &body).await }
    });
    let reads = (0..24).map(|_| {
        let app = &app;
        async move { app.get("/v1/sections").await.header("age").is_some() }
    });
    let (_, hits) = futures_util::future::join(join_all(heavy), join_all(reads)).await;
    assert!(
        hits.iter().all(|hit| *hit),
        "every read was a cache hit: {hits:?}"
    );
}

backend_tests!(
    pathological_bodies_are_refused_quickly,
    a_large_ordinary_body_is_accepted,
    writers_and_readers_go_on_during_heavy_bodies,
    refused_heavy_bodies_leave_the_cache_serving,
);

/// The server's CPU time so far, from /proc (user plus system).
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    let after_name = stat.rsplit_once(')').expect("a stat line").1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// The server's resident memory, from /proc.
fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        * 1024
}

/// Measured on the binary as operators run it: each pathological body costs
/// the server little CPU.
async fn pathological_bodies_cost_little_cpu(backend: Backend) {
    let Some((url, _db)) = crate::helpers::fresh_database(backend) else {
        return crate::helpers::no_postgres();
    };
    let server = Server::start(&url).await;
    let pid = server.child.id();
    let token = server.tool_token().await;
    for (name, format, body) in pathological() {
        let before = cpu_of(pid);
        let reply = server
            .http
            .json(
                "POST",
                "/v1/articles",
                Some(&token),
                &draft(name, body, format),
            )
            .await;
        let spent = cpu_of(pid) - before;
        assert_eq!(reply.status, 422, "{name}: {}", reply.text());
        // The goal is far below a second; this bound is for a noisy machine
        // and a test build.
        assert!(spent < Duration::from_secs(3), "{name}: {spent:?} of CPU");
    }
}

/// Measured on the binary as operators run it: sign-ins with huge
/// usernames cost no memory.
async fn huge_sign_ins_cost_no_memory(backend: Backend) {
    let Some((url, _db)) = crate::helpers::fresh_database(backend) else {
        return crate::helpers::no_postgres();
    };
    let server = Server::start(&url).await;
    let pid = server.child.id();
    let rss_before = rss_of(pid);
    let address = server.http.address.clone();
    let statuses = actix_web::web::block(move || {
        (0..90)
            .map(|i| {
                let body = format!(
                    "grant_type=password&username={i}{}&password=x",
                    "u".repeat(2_000_000)
                );
                post_oversized(&address, "/v1/auth/token", body.into_bytes())
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(statuses.iter().all(|s| *s == 413), "{statuses:?}");
    let grown = rss_of(pid).saturating_sub(rss_before);
    assert!(grown < 32 * 1024 * 1024, "RSS grew by {} MiB", grown >> 20);
}

#[actix_web::test]
async fn sqlite_pathological_bodies_cost_little_cpu() {
    pathological_bodies_cost_little_cpu(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_pathological_bodies_cost_little_cpu() {
    pathological_bodies_cost_little_cpu(Backend::Postgres).await;
}

#[actix_web::test]
async fn sqlite_huge_sign_ins_cost_no_memory() {
    huge_sign_ins_cost_no_memory(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_huge_sign_ins_cost_no_memory() {
    huge_sign_ins_cost_no_memory(Backend::Postgres).await;
}
