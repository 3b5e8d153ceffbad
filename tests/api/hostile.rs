//! Hostile input: SQL injection in every parameter the spec documents, path
//! traversal, invalid UTF-8 and NUL bytes, deep JSON, oversized headers and
//! a 100 MB body. Each gets a 4xx, quickly, and the server keeps serving.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{urlencode, TestApp};

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

/// How many stories the public list holds (the demo has fewer than 50).
async fn public_stories(app: &TestApp) -> usize {
    let list = app.get_ok("/v1/articles?limit=50").await;
    list["data"].as_array().unwrap().len()
}

async fn assert_still_serving(app: &TestApp, stories: usize) {
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(
        public_stories(app).await,
        stories,
        "every story is still there"
    );
}

async fn sql_injection_in_every_parameter_is_inert(app: TestApp) {
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
    // In bodies: stored verbatim as text, never run.
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
        let lookup = app
            .json(
                "POST",
                "/v1/articles",
                Some(&editor),
                &json!({"headline": "x", "body": "y", "section": payload}),
            )
            .await;
        lookup.problem(422);
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
    eprintln!(
        "{tried} injected GETs over {} documented parameters",
        params.len()
    );
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

/// Sends raw bytes (whatever a client library would refuse to send) and
/// answers the status code and how long the answer took. With `body_bytes`
/// it keeps sending that many more bytes, stopping early when the server
/// answers or closes.
fn raw(address: &str, head: Vec<u8>, body_bytes: usize) -> (u16, Duration) {
    let host = address.trim_start_matches("http://").to_string();
    let mut stream = std::net::TcpStream::connect(&host).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream
        .set_write_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let started = Instant::now();
    stream.write_all(&head).unwrap();
    if body_bytes > 0 {
        let writer = stream.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut writer = writer;
            let chunk = vec![b'a'; 1 << 20];
            let mut sent = 0;
            while sent < body_bytes {
                if writer.write_all(&chunk).is_err() {
                    break;
                }
                sent += chunk.len();
            }
        });
    }
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let elapsed = started.elapsed();
    let line = String::from_utf8_lossy(&answer).to_string();
    let status = line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {line:?}"));
    (status, elapsed)
}

async fn raw_request(app: &TestApp, head: Vec<u8>, body_bytes: usize) -> (u16, Duration) {
    let address = app.address.clone();
    actix_web::web::block(move || raw(&address, head, body_bytes))
        .await
        .unwrap()
}

fn head(request_line: &[u8], headers: &[String]) -> Vec<u8> {
    let mut out = request_line.to_vec();
    out.extend_from_slice(b"\r\nHost: localhost\r\n");
    for h in headers {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

async fn malformed_bytes_are_refused(app: TestApp) {
    app.load_demo();
    let stories = public_stories(&app).await;
    let editor = app.token("editor").await;
    let bearer = format!("Bearer {editor}");
    let quick = Duration::from_secs(5);
    // Invalid UTF-8, raw and percent-encoded, in the path and the query;
    // NUL bytes likewise.
    for line in [
        &b"GET /v1/articles/\xff\xfe HTTP/1.1"[..],
        b"GET /v1/articles/%ff%fe HTTP/1.1",
        b"GET /v1/articles?section=%ff HTTP/1.1",
        b"GET /v1/articles?cursor=%c3%28 HTTP/1.1",
        b"GET /v1/tags/%00 HTTP/1.1",
        b"GET /v1/articles?tag=a%00b HTTP/1.1",
        b"GET /v1/articles/\x00 HTTP/1.1",
    ] {
        let (status, took) = raw_request(&app, head(line, &[]), 0).await;
        assert!(
            (400..500).contains(&status),
            "{}: {status}",
            String::from_utf8_lossy(line)
        );
        assert!(took < quick);
    }
    // Invalid UTF-8 and NUL in bodies.
    for body in [
        &b"{\"headline\": \"\xff\xfe\", \"body\": \"x\"}"[..],
        b"{\"headline\": \"a\\u0000b\", \"body\": \"x\"}",
    ] {
        let reply = app
            .send(
                "POST",
                "/v1/articles",
                &[
                    ("Content-Type", "application/json"),
                    ("Authorization", &bearer),
                ],
                Some(body.to_vec()),
            )
            .await;
        assert!(reply.status.is_client_error(), "{}", reply.text());
        reply.problem(reply.status.as_u16());
    }
    let form = app
        .form(
            "/v1/auth/token",
            b"grant_type=password&username=%ff&password=\xff".to_vec(),
        )
        .await;
    assert!(form.status.is_client_error(), "{}", form.text());
    assert_still_serving(&app, stories).await;
}

async fn deep_json_and_oversized_requests_are_refused(app: TestApp) {
    app.load_demo();
    let stories = public_stories(&app).await;
    let editor = app.token("editor").await;
    let auth = format!("Bearer {editor}");
    let quick = Duration::from_secs(5);

    // Nesting 100,000 deep (200 KB, under the body limit).
    let depth = 100_000;
    let deep: String = format!(
        "{{\"headline\": {}{}, \"body\": \"x\"}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let started = Instant::now();
    let reply = app
        .send(
            "POST",
            "/v1/articles",
            &[
                ("Content-Type", "application/json"),
                ("Authorization", &auth),
            ],
            Some(deep.into_bytes()),
        )
        .await;
    reply.problem(400);
    assert!(started.elapsed() < quick);
    let nested: Value = (0..64).fold(json!("leaf"), |v, _| json!({"a": v}));
    let reply = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": nested, "body": "x"}),
        )
        .await;
    assert!(reply.status.is_client_error(), "{}", reply.text());

    // One 1 MiB header (actix-http accepts at most 128 KiB of headers),
    // and 200 small ones (it takes 96).
    let big = format!("X-Filler: {}", "a".repeat(1024 * 1024));
    let (status, took) = raw_request(&app, head(b"GET /v1/articles HTTP/1.1", &[big]), 0).await;
    assert!((400..500).contains(&status), "a 1 MiB header: {status}");
    assert!(took < quick);
    let many: Vec<String> = (0..200).map(|i| format!("X-Filler-{i}: {i}")).collect();
    let (status, took) = raw_request(&app, head(b"GET /v1/articles HTTP/1.1", &many), 0).await;
    assert!((400..500).contains(&status), "200 headers: {status}");
    assert!(took < quick);

    // A 100 MB body, declared and undeclared (chunked): refused at the
    // limit, not read to the end.
    let hundred_mb = 100 * 1024 * 1024;
    for (label, framing) in [
        ("declared", format!("Content-Length: {hundred_mb}")),
        ("chunked", "Transfer-Encoding: chunked".to_string()),
    ] {
        let headers = vec![
            format!("Authorization: {auth}"),
            "Content-Type: application/json".to_string(),
            framing,
        ];
        let mut request = head(b"POST /v1/articles HTTP/1.1", &headers);
        if label == "chunked" {
            // One chunk announcing 100 MB; its bytes follow.
            request.extend_from_slice(format!("{hundred_mb:x}\r\n").as_bytes());
        }
        let (status, took) = raw_request(&app, request, hundred_mb).await;
        assert_eq!(status, 413, "a {label} 100 MB body");
        assert!(took < quick, "a {label} 100 MB body took {took:?}");
    }
    assert_still_serving(&app, stories).await;
}

backend_tests!(
    sql_injection_in_every_parameter_is_inert,
    path_traversal_finds_nothing,
    malformed_bytes_are_refused,
    deep_json_and_oversized_requests_are_refused,
);
