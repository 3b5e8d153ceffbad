//! SQL injection in every parameter the spec documents and in bodies, and
//! path traversal: each gets a 4xx or an inert answer, quickly, and the
//! server keeps serving.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{assert_still_serving, public_stories, urlencode, TestApp};

const INJECTIONS: &[&str] = &[
    "' OR '1'='1",
    "1' OR 1=1 --",
    "\"; DROP TABLE articles; --",
    "x' UNION SELECT password_hash, email FROM users --",
    "%' AND 1=0 UNION ALL SELECT NULL --",
    "'; SELECT pg_sleep(5); --",
    "1); DELETE FROM articles WHERE (1=1",
    "\\'; ATTACH DATABASE '/tmp/x.db' AS x; --",
];

/// The parameters of every GET the spec documents: (path template, name,
/// `path` or `query`).
fn documented_get_parameters() -> Vec<(String, String, String)> {
    let spec = serde_json::to_value(byline::startup::api_spec()).unwrap();
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for param in item["get"]["parameters"].as_array().into_iter().flatten() {
            found.push((
                path.clone(),
                param["name"].as_str().unwrap().to_string(),
                param["in"].as_str().unwrap().to_string(),
            ));
        }
    }
    found
}

/// A URL for `template` with `value` in parameter `name` and a plain word in
/// every other path parameter.
fn url_with(template: &str, name: &str, place: &str, value: &str) -> String {
    let mut path = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').unwrap() + open;
        path.push_str(&rest[..open]);
        let param = &rest[open + 1..close];
        if place == "path" && param == name {
            path.push_str(&urlencode(value));
        } else {
            path.push_str("plain");
        }
        rest = &rest[close + 1..];
    }
    path.push_str(rest);
    if place == "query" {
        path.push_str(&format!("?{name}={}", urlencode(value)));
    }
    path
}

async fn sql_injection_in_every_get_parameter_is_inert(app: TestApp) {
    app.load_demo();
    let stories = public_stories(&app).await;
    let params = documented_get_parameters();
    assert!(
        params.len() >= 15,
        "the spec documents parameters: {params:?}"
    );
    let mut tried = 0;
    for (template, name, place) in &params {
        for payload in INJECTIONS {
            let url = url_with(template, name, place, payload);
            let started = Instant::now();
            let reply = app.get(&url).await;
            assert!(
                reply.status.is_client_error() || reply.status == 200,
                "GET {url}: {} {}",
                reply.status,
                reply.text()
            );
            if reply.status.is_client_error() {
                reply.problem(reply.status.as_u16());
            }
            // Errors may quote the bad value back; they never show a
            // password hash or the database's own words.
            let text = reply.text().to_lowercase();
            assert!(
                !text.contains("$argon2")
                    && !text.contains("syntax error")
                    && !text.contains("sqlite"),
                "GET {url} leaked: {text}"
            );
            assert!(
                started.elapsed() < Duration::from_secs(3),
                "GET {url} was slow"
            );
            tried += 1;
        }
    }
    eprintln!(
        "{tried} injected GETs over {} documented parameters",
        params.len()
    );
    assert_still_serving(&app, stories).await;
}

/// In bodies: stored verbatim as text, never run.
async fn sql_injection_in_a_body_is_stored_as_text(app: TestApp) {
    app.load_demo();
    let stories = public_stories(&app).await;
    let editor = app.token("editor").await;
    for payload in INJECTIONS {
        let reply = app
            .json(
                "POST",
                "/v1/articles",
                Some(&editor),
                &json!({"headline": payload, "body": payload, "status": "draft", "tags": [payload]}),
            )
            .await;
        assert_eq!(reply.status, 201, "{}", reply.text());
        assert_eq!(reply.json()["headline"], *payload);
    }
    assert_still_serving(&app, stories).await;
}

async fn sql_injection_in_a_lookup_is_422(app: TestApp) {
    app.load_demo();
    let stories = public_stories(&app).await;
    let editor = app.token("editor").await;
    for payload in INJECTIONS {
        let lookup = app
            .json(
                "POST",
                "/v1/articles",
                Some(&editor),
                &json!({"headline": "x", "body": "y", "section": payload}),
            )
            .await;
        lookup.problem(422);
    }
    assert_still_serving(&app, stories).await;
}

async fn sql_injection_in_a_sign_in_is_refused(app: TestApp) {
    app.load_demo();
    let stories = public_stories(&app).await;
    for payload in INJECTIONS {
        let sign_in = app
            .form(
                "/v1/auth/token",
                format!(
                    "grant_type=password&username={}&password={}",
                    urlencode(payload),
                    urlencode(payload)
                ),
            )
            .await;
        assert!(
            sign_in.status == 400 || sign_in.status == 401,
            "{}",
            sign_in.text()
        );
    }
    assert_still_serving(&app, stories).await;
}

async fn path_traversal_finds_nothing(app: TestApp) {
    app.load_demo();
    let stories = public_stories(&app).await;
    for path in [
        "/v1/articles/..%2F..%2F..%2Fetc%2Fpasswd",
        "/v1/articles/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/v1/articles/..%252F..%252Fetc%252Fpasswd",
        "/v1/sections/..%5C..%5Cwindows%5Cwin.ini",
        "/v1/authors/....//....//etc/passwd",
        "/v1/articles/../../../../etc/passwd",
        "/docs/..%2F..%2F..%2Fetc%2Fpasswd",
        "/docs/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/openapi.json/../../etc/passwd",
    ] {
        let reply = app.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        assert!(!reply.text().contains("root:"), "{path} served a file");
    }
    assert_still_serving(&app, stories).await;
}

backend_tests!(
    sql_injection_in_every_get_parameter_is_inert,
    sql_injection_in_a_body_is_stored_as_text,
    sql_injection_in_a_lookup_is_422,
    sql_injection_in_a_sign_in_is_refused,
    path_traversal_finds_nothing,
);
