//! The committed spec is the generated spec, documents every operation the
//! same way, and the server serves it.

use crate::backend_tests;
use crate::helpers::TestApp;

const COMMITTED: &str = include_str!("../../openapi/openapi.json");
const REGENERATE: &str = "cargo run --quiet -- openapi > openapi/openapi.json";

fn spec() -> serde_json::Value {
    serde_json::from_str(COMMITTED).unwrap()
}

/// Calls `check(method, path, operation)` for every operation in the spec.
fn each_operation(mut check: impl FnMut(&str, &str, &serde_json::Value)) {
    let spec = spec();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            check(method, path, op);
        }
    }
}

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
fn every_resource_path_is_in_the_spec() {
    let spec = spec();
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
}

#[test]
fn every_operation_has_an_id_a_summary_and_a_success() {
    each_operation(|method, path, op| {
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
    });
}

#[test]
fn errors_use_the_shared_problem_responses() {
    each_operation(|method, path, op| {
        for (status, response) in op["responses"].as_object().unwrap() {
            if status.starts_with('4') || status.starts_with('5') {
                let reference = response["$ref"].as_str().unwrap_or_default();
                assert!(
                    reference.starts_with("#/components/responses/"),
                    "{method} {path} {status}: errors use the shared problem responses"
                );
            }
        }
    });
    assert!(spec()["components"]["schemas"]["Problem"].is_object());
}

#[test]
fn every_write_names_its_security_and_documents_401() {
    each_operation(|method, path, op| {
        let writes = ["post", "put", "patch", "delete"];
        if writes.contains(&method) && !path.starts_with("/v1/auth/") {
            assert!(
                op["security"].is_array(),
                "{method} {path} names no security scheme"
            );
            assert!(
                op["responses"].as_object().unwrap().contains_key("401"),
                "{method} {path} documents no 401"
            );
        }
    });
    assert_eq!(
        spec()["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[test]
fn every_reference_resolves() {
    let spec = spec();
    for piece in COMMITTED.split("\"$ref\": \"#/components/").skip(1) {
        let target = piece.split('"').next().unwrap();
        let (kind, name) = target.split_once('/').unwrap();
        assert!(
            spec["components"][kind][name].is_object(),
            "#/components/{target} is referenced but not defined"
        );
    }
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
