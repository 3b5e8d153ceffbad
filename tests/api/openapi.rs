//! The committed spec is the generated spec, and the server serves it.

use crate::backend_tests;
use crate::helpers::TestApp;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");
const REGENERATE: &str = "cargo run --quiet -- openapi > openapi/openapi.json";

#[test]
fn committed_spec_matches_the_code() {
    let generated = byline::startup::api_spec()
        .to_pretty_json()
        .expect("the spec serializes");
    assert!(
        generated.trim() == COMMITTED.trim(),
        "openapi/openapi.json is stale. Regenerate it with:\n    {REGENERATE}"
    );
}

#[test]
fn every_operation_is_documented() {
    let spec: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    let paths = spec["paths"].as_object().unwrap();
    for expected in [
        "/v1/articles",
        "/v1/articles/{article}",
        "/v1/latest",
        "/v1/sections",
        "/v1/sections/{section}",
        "/v1/sections/{section}/latest",
        "/v1/tags",
        "/v1/tags/{tag}",
        "/v1/tags/{tag}/latest",
        "/v1/authors",
        "/v1/authors/{author}",
        "/v1/authors/{author}/latest",
        "/healthz",
        "/readyz",
        "/v1/auth/token",
        "/v1/auth/revoke",
        "/v1/articles/external/{external_id}",
        "/v1/articles/{article}/revisions",
    ] {
        assert!(
            paths.contains_key(expected),
            "{expected} is not in the spec"
        );
    }
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path} has no operationId");
            assert!(
                op["summary"].as_str().is_some(),
                "{method} {path} has no summary"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{method} {path} documents no success"
            );
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    let reference = response["$ref"].as_str().unwrap_or_default();
                    assert!(
                        reference.starts_with("#/components/responses/"),
                        "{method} {path} {status}: errors use the shared problem responses"
                    );
                }
            }
            let writes = ["post", "put", "patch", "delete"];
            if writes.contains(&method.as_str()) && !path.starts_with("/v1/auth/") {
                assert!(
                    op["security"].is_array(),
                    "{method} {path} names no security scheme"
                );
                assert!(
                    responses.contains_key("401"),
                    "{method} {path} documents no 401"
                );
            }
        }
    }
    assert!(spec["components"]["schemas"]["Problem"].is_object());
    // Every reference resolves.
    for piece in COMMITTED.split("\"$ref\": \"#/components/").skip(1) {
        let target = piece.split('"').next().unwrap();
        let (kind, name) = target.split_once('/').unwrap();
        assert!(
            spec["components"][kind][name].is_object(),
            "#/components/{target} is referenced but not defined"
        );
    }
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

async fn served_spec_and_offline_docs(app: TestApp) {
    let served = app.get_ok("/openapi.json").await;
    let committed: serde_json::Value = serde_json::from_str(COMMITTED).unwrap();
    assert_eq!(served, committed);
    let docs = app.get("/docs/").await;
    assert_eq!(docs.status, 200);
    let html = docs.text();
    assert!(html.contains("swagger"), "{html}");
    // Everything the page loads comes from this server.
    for attr in ["src=\"http", "href=\"http", "src='http", "href='http"] {
        assert!(
            !html.contains(attr),
            "the docs page loads from elsewhere: {html}"
        );
    }
    let bare = app.get("/docs").await;
    assert!(
        bare.status.is_redirection(),
        "/docs → /docs/: {}",
        bare.status
    );
}

backend_tests!(served_spec_and_offline_docs);
