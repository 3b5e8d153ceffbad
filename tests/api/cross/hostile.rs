//! Hostile bytes: invalid UTF-8 and NUL characters, deep JSON, oversized
//! headers and a 100 MB body. Each gets a 4xx, quickly, and the server
//! keeps serving.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{assert_still_serving, public_stories, TestApp};

const QUICK: Duration = Duration::from_secs(5);

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

/// The demo, and an editor's token; answers the token and the number of
/// public stories.
async fn demo_and_editor(app: &TestApp) -> (String, usize) {
    app.load_demo();
    let stories = public_stories(app).await;
    let editor = app.token("editor").await;
    (editor, stories)
}

/// Invalid UTF-8, raw and percent-encoded, in the path and the query; NUL
/// bytes likewise.
async fn malformed_request_lines_are_refused_quickly(app: TestApp) {
    let (_, stories) = demo_and_editor(&app).await;
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
        assert!(took < QUICK);
    }
    assert_still_serving(&app, stories).await;
}

/// Invalid UTF-8 and NUL in bodies.
async fn malformed_json_bodies_are_refused_as_problems(app: TestApp) {
    let (editor, stories) = demo_and_editor(&app).await;
    let bearer = format!("Bearer {editor}");
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
    assert_still_serving(&app, stories).await;
}

async fn a_malformed_sign_in_form_is_refused(app: TestApp) {
    let (_, stories) = demo_and_editor(&app).await;
    let form = app
        .form(
            "/v1/auth/token",
            b"grant_type=password&username=%ff&password=\xff".to_vec(),
        )
        .await;
    assert!(form.status.is_client_error(), "{}", form.text());
    assert_still_serving(&app, stories).await;
}

/// Nesting 100,000 deep (200 KB, under the body limit).
async fn json_nested_100000_deep_is_refused_quickly(app: TestApp) {
    let (editor, stories) = demo_and_editor(&app).await;
    let auth = format!("Bearer {editor}");
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
    assert!(started.elapsed() < QUICK);
    assert_still_serving(&app, stories).await;
}

async fn objects_nested_where_text_belongs_are_refused(app: TestApp) {
    let (editor, stories) = demo_and_editor(&app).await;
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
    assert_still_serving(&app, stories).await;
}

/// One 1 MiB header: actix-http accepts at most 128 KiB of headers.
async fn a_1_mib_header_is_refused_quickly(app: TestApp) {
    let (_, stories) = demo_and_editor(&app).await;
    let big = format!("X-Filler: {}", "a".repeat(1024 * 1024));
    let (status, took) = raw_request(&app, head(b"GET /v1/articles HTTP/1.1", &[big]), 0).await;
    assert!((400..500).contains(&status), "a 1 MiB header: {status}");
    assert!(took < QUICK);
    assert_still_serving(&app, stories).await;
}

/// 200 small headers: actix-http takes 96.
async fn two_hundred_headers_are_refused_quickly(app: TestApp) {
    let (_, stories) = demo_and_editor(&app).await;
    let many: Vec<String> = (0..200).map(|i| format!("X-Filler-{i}: {i}")).collect();
    let (status, took) = raw_request(&app, head(b"GET /v1/articles HTTP/1.1", &many), 0).await;
    assert!((400..500).contains(&status), "200 headers: {status}");
    assert!(took < QUICK);
    assert_still_serving(&app, stories).await;
}

/// A 100 MB body, declared and undeclared (chunked): refused at the limit,
/// not read to the end.
async fn a_100_mb_body_is_refused_at_the_limit(app: TestApp) {
    let (editor, stories) = demo_and_editor(&app).await;
    let auth = format!("Bearer {editor}");
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
        assert!(took < QUICK, "a {label} 100 MB body took {took:?}");
    }
    assert_still_serving(&app, stories).await;
}

const NUL: &str = "a\u{0}b";

/// Each write is refused with a 4xx, not a 500.
async fn assert_refused(app: &TestApp, token: &str, writes: Vec<(&str, &str, Value)>) {
    for (method, path, body) in writes {
        let reply = app.json(method, path, Some(token), &body).await;
        assert!(
            reply.status.is_client_error(),
            "{method} {path} {body}: {} {}",
            reply.status,
            reply.text()
        );
    }
}

async fn nul_characters_in_article_writes_are_refused_not_500(app: TestApp) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let nul = NUL;
    let writes = vec![
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "also_read": [nul]}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "section": nul}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "authors": [nul]}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "tags": [nul]}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": nul, "body": nul, "external_id": nul}),
        ),
        (
            "PUT",
            "/v1/articles/external/x",
            json!({"headline": "h", "body": "b", "also_read": [nul], "credit": nul}),
        ),
    ];
    assert_refused(&app, &admin, writes).await;
}

async fn nul_characters_in_taxonomy_and_people_writes_are_refused_not_500(app: TestApp) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let nul = NUL;
    let writes = vec![
        ("POST", "/v1/sections", json!({"name": nul})),
        ("POST", "/v1/authors", json!({"name": "n", "email": nul})),
        (
            "POST",
            "/v1/users",
            json!({"email": "a@b.example", "name": "n", "role": "editor", "password": "long enough password", "author": nul}),
        ),
        (
            "POST",
            "/v1/users",
            json!({"email": nul, "name": "n", "role": "editor", "password": "long enough password"}),
        ),
        (
            "POST",
            "/v1/integrations",
            json!({"name": nul, "role": "editor"}),
        ),
    ];
    assert_refused(&app, &admin, writes).await;
}

async fn nul_characters_in_sign_in_forms_are_refused_not_500(app: TestApp) {
    app.taxonomy();
    for form in [
        "grant_type=password&username=a%00@b.example&password=whatever-it-is",
        "grant_type=client_credentials&client_id=a%00b&client_secret=x",
        "grant_type=refresh_token&refresh_token=a%00b",
    ] {
        let reply = app.form("/v1/auth/token", form.as_bytes().to_vec()).await;
        assert!(reply.status.is_client_error(), "{form}: {}", reply.text());
    }
}

backend_tests!(
    malformed_request_lines_are_refused_quickly,
    malformed_json_bodies_are_refused_as_problems,
    a_malformed_sign_in_form_is_refused,
    json_nested_100000_deep_is_refused_quickly,
    objects_nested_where_text_belongs_are_refused,
    a_1_mib_header_is_refused_quickly,
    two_hundred_headers_are_refused_quickly,
    a_100_mb_body_is_refused_at_the_limit,
    nul_characters_in_article_writes_are_refused_not_500,
    nul_characters_in_taxonomy_and_people_writes_are_refused_not_500,
    nul_characters_in_sign_in_forms_are_refused_not_500,
);
