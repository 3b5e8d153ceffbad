use crate::backend_tests;
use crate::helpers::TestApp;

async fn unknown_paths_are_404_problems(app: TestApp) {
    let problem = app.get("/v2/nothing").await.problem(404);
    assert_eq!(problem["code"], "not_found");
    app.get("/v1/articles/x/y/z").await.problem(404);
}

async fn wrong_methods_are_405_with_allow(app: TestApp) {
    for (method, path) in [
        ("POST", "/v1/sections"),
        ("DELETE", "/v1/articles/anything"),
        ("PUT", "/v1/latest"),
        ("PATCH", "/healthz"),
    ] {
        let reply = app.request(method, path, &[]).await;
        let problem = reply.problem(405);
        assert_eq!(problem["code"], "method_not_allowed");
        assert_eq!(
            reply.header("allow").as_deref(),
            Some("GET"),
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
    ] {
        let reply = app.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
        let text = reply.text().to_lowercase();
        for leak in ["diesel", "sqlite", "postgres", "panicked", "stack"] {
            assert!(!text.contains(leak), "{path} leaks {leak}: {text}");
        }
    }
    // The table is still there.
    app.get_ok("/v1/articles").await;
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
);
