//! What every answer shares: problem+json errors for unknown paths, wrong
//! methods and bad input (never leaking internals), HEAD wherever GET
//! works, and CORS headers even on refusals.

use crate::backend_tests;
use crate::helpers::TestApp;

async fn unknown_paths_are_404_problems(app: TestApp) {
    let problem = app.get("/v2/nothing").await.problem(404);
    assert_eq!(problem["code"], "not_found");
    app.get("/v1/articles/x/y/z").await.problem(404);
}

async fn wrong_methods_are_405_with_allow(app: TestApp) {
    for (method, path, allow) in [
        ("DELETE", "/v1/latest", "GET, HEAD"),
        ("PUT", "/v1/articles", "GET, HEAD, POST"),
        ("POST", "/v1/articles/anything", "GET, HEAD, PATCH, DELETE"),
        ("PATCH", "/healthz", "GET, HEAD"),
    ] {
        let reply = app.request(method, path, &[]).await;
        let problem = reply.problem(405);
        assert_eq!(problem["code"], "method_not_allowed");
        assert_eq!(
            reply.header("allow").as_deref(),
            Some(allow),
            "{method} {path}"
        );
    }
}

async fn errors_never_leak_internals(app: TestApp) {
    for path in [
        "/v1/articles?cursor=%00%01",
        "/v1/articles/%00",
        "/v1/articles?limit=1e3",
        "/v1/articles?section=%27;DROP%20TABLE%20articles;--",
        "/v1/tags?cursor=00",
        "/v1/authors?cursor=6100",
        "/v1/articles?published_before=9999-12-31T23:00:00-05:00&cursor=ffffffffffffffff0b6f3e8a6a0c4a599d4e0f0c1f1e2d3c",
    ] {
        let reply = app.get(path).await;
        assert!(reply.status.as_u16() < 500, "{path}: {}", reply.status);
        let text = reply.text().to_lowercase();
        for leak in ["diesel", "sqlite", "postgres", "panicked", "stack"] {
            assert!(!text.contains(leak), "{path} leaks {leak}: {text}");
        }
    }
    // The table is still there.
    app.get_ok("/v1/articles").await;
}

async fn head_is_answered_wherever_get_is(app: TestApp) {
    app.taxonomy();
    for path in ["/v1/sections", "/v1/articles", "/healthz"] {
        let get = app.get(path).await;
        let head = app.request("HEAD", path, &[]).await;
        assert_eq!(head.status, 200, "HEAD {path}");
        assert!(head.body.is_empty(), "HEAD {path} sent a body");
        assert_eq!(head.header("etag"), get.header("etag"), "HEAD {path}");
    }
    assert_eq!(
        app.request("HEAD", "/v1/sections/nope", &[]).await.status,
        404
    );
}

async fn refusals_carry_cors_headers(app: TestApp) {
    let reply = app
        .request(
            "GET",
            "/v1/articles/%00",
            &[("Origin", "https://frontend.example")],
        )
        .await;
    reply.problem(400);
    assert!(
        reply.header("access-control-allow-origin").is_some(),
        "a browser must be able to read the problem"
    );
    assert_eq!(
        reply.header("x-content-type-options").as_deref(),
        Some("nosniff")
    );
}

async fn cors_allows_browsers_to_read(app: TestApp) {
    let reply = app
        .request(
            "GET",
            "/v1/sections",
            &[("Origin", "https://frontend.example")],
        )
        .await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.header("access-control-allow-origin").as_deref(),
        Some("https://frontend.example")
    );
    assert!(reply
        .header("access-control-expose-headers")
        .unwrap()
        .contains("etag"));
}

backend_tests!(
    unknown_paths_are_404_problems,
    wrong_methods_are_405_with_allow,
    errors_never_leak_internals,
    cors_allows_browsers_to_read,
    head_is_answered_wherever_get_is,
    refusals_carry_cors_headers,
);
