//! IPTC ninjs 3.1: every story exports as an item valid against the
//! official schema (read from ../shared/ninjs, never copied here), and
//! PUT /v1/articles/external/{id} takes ninjs items: the IPTC's own
//! examples import, exports round-trip, and bad items are 422 naming the
//! ninjs path.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{slugs, story_json, TestApp};

const MEDIA_TYPE: &str = "application/vnd.iptc.ninjs+json";
/// The IPTC's schema and examples: `BYLINE_NINJS_DIR` (scripts/test finds
/// them), else ../shared/ninjs beside the checkout.
fn shared() -> String {
    std::env::var("BYLINE_NINJS_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/ninjs").to_string())
}

/// The schema's one outside reference is GeoJSON (for `places`): nothing
/// is fetched, that one address answers an empty schema.
struct Offline;

impl jsonschema::Retrieve for Offline {
    fn retrieve(
        &self,
        uri: &jsonschema::Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        if uri.as_str().starts_with("https://geojson.org/") {
            Ok(json!({}))
        } else {
            Err(format!("{uri} is not available offline").into())
        }
    }
}

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(format!("{}/ninjs-schema_3.1.json", shared()))
        .expect("the ninjs 3.1 schema in ../shared/ninjs");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Offline)
        .build(&schema)
        .expect("the schema compiles");
    // It does check: a member ninjs 3.1 does not have is refused.
    assert!(!validator.is_valid(&json!({"uri": "urn:x:1", "embargoed": "2020-01-01T00:00:00Z"})));
    validator
}

fn assert_valid(validator: &jsonschema::Validator, item: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(item)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} is not valid ninjs 3.1: {errors:#?}\n{item:#}"
    );
}

async fn ninjs_of(app: &TestApp, slug: &str, token: Option<&str>) -> Value {
    let path = format!("/v1/articles/{slug}/ninjs");
    let reply = match token {
        Some(t) => app.authed("GET", &path, t).await,
        None => app.get(&path).await,
    };
    assert_eq!(reply.status, 200, "{path}: {}", reply.text());
    assert_eq!(reply.header("content-type").as_deref(), Some(MEDIA_TYPE));
    reply.json()
}

async fn put_ninjs(
    app: &TestApp,
    token: &str,
    id: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) -> crate::helpers::Reply {
    let auth = format!("Bearer {token}");
    let mut headers = vec![
        ("authorization", auth.as_str()),
        ("content-type", MEDIA_TYPE),
    ];
    headers.extend_from_slice(extra);
    app.send(
        "PUT",
        &format!("/v1/articles/external/{id}"),
        &headers,
        Some(body.to_vec()),
    )
    .await
}

/// A story with every member a ninjs export can carry.
async fn everything_story(app: &TestApp, editor: &str) -> Value {
    let mut body = story_json("Everything & more: a <full> story");
    body["status"] = json!("published");
    body["published_at"] = json!("2024-03-01T08:00:00Z");
    body["embargoed_until"] = json!("2024-03-01T07:00:00Z");
    body["language"] = json!("en-GB");
    body["featured_image"] = json!({
        "url": "https://images.example.com/full.jpg",
        "alt": "A full picture",
        "caption": "The caption",
        "credit": "Photo Agency"
    });
    body["canonical_url"] = json!("https://elsewhere.example.com/full");
    // The demo's section and byline.
    body["section"] = json!("top-news");
    body["authors"] = json!(["news-desk"]);
    let reply = app.json("POST", "/v1/articles", Some(editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn every_export_is_valid_ninjs(app: TestApp) {
    app.load_demo();
    app.with_db(|conn| byline::seed::bench::seed_bench(conn, 40, 9, false));
    let editor = app.token("editor").await;
    let full = everything_story(&app, &editor).await;
    let validator = validator();

    let mut all = Vec::new();
    let mut path = "/v1/articles?limit=100".to_string();
    loop {
        let page = app.get_ok(&path).await;
        all.extend(slugs(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/articles?limit=100&cursor={cursor}"),
            None => break,
        }
    }
    assert!(all.len() > 40, "the demo and bench stories: {}", all.len());
    for slug in &all {
        let item = ninjs_of(&app, slug, None).await;
        assert_valid(&validator, &item, slug);
        assert_eq!(item["type"], "text");
        assert_eq!(item["pubStatus"], "usable");
        assert!(item["headlines"][0]["value"].is_string(), "{slug}");
    }

    let item = ninjs_of(&app, full["slug"].as_str().unwrap(), None).await;
    assert_valid(&validator, &item, "the story with every member");
    assert_eq!(
        item["headlines"][0]["value"],
        "Everything & more: a <full> story"
    );
    assert_eq!(item["language"], "en-GB");
    assert_eq!(item["embargoedUntil"], "2024-03-01T07:00:00Z");
    assert_eq!(item["copyrightNotice"], "© Wire Agency");
    assert_eq!(item["bodies"][0]["contentType"], "text/html");
    assert!(item["bodies"][0]["value"]
        .as_str()
        .unwrap()
        .contains("One two three four."));
    let text = item.to_string();
    for expected in [
        "https://images.example.com/full.jpg",
        "The caption",
        "alpha",
        "News",
    ] {
        assert!(text.contains(expected), "{expected} missing: {item:#}");
    }
    // The story's own address answers ninjs to a client that asks for it.
    let negotiated = app
        .request(
            "GET",
            &format!("/v1/articles/{}", full["slug"].as_str().unwrap()),
            &[("accept", MEDIA_TYPE)],
        )
        .await;
    assert_eq!(
        negotiated.header("content-type").as_deref(),
        Some(MEDIA_TYPE)
    );
    assert_eq!(negotiated.json(), item);
    assert!(negotiated.header("vary").unwrap().contains("Accept"));
    let plain = app
        .get_ok(&format!("/v1/articles/{}", full["slug"].as_str().unwrap()))
        .await;
    assert_eq!(
        plain["headline"], item["headlines"][0]["value"],
        "JSON stays JSON"
    );

    // The newsroom's drafts export as withheld, a partner's embargoed read
    // as usable with its embargo.
    let draft = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &crate::helpers::small_draft(),
        )
        .await
        .json();
    let item = ninjs_of(&app, draft["slug"].as_str().unwrap(), Some(&editor)).await;
    assert_valid(&validator, &item, "a draft");
    assert_eq!(item["pubStatus"], "withheld");
    app.get(&format!(
        "/v1/articles/{}/ninjs",
        draft["slug"].as_str().unwrap()
    ))
    .await
    .problem(404);
}

async fn the_shared_examples_import_and_round_trip(app: TestApp) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let wire = app
        .tool_token(&admin, &json!({"name": "Wire", "role": "editor"}))
        .await;
    let validator = validator();
    let mut files: Vec<_> = std::fs::read_dir(format!("{}/examples", shared()))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4);
    for (n, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file).unwrap();
        let example: Value = serde_json::from_slice(&bytes).unwrap();
        let reply = put_ninjs(&app, &wire, &format!("example-{n}"), &bytes, &[]).await;
        assert_eq!(reply.status, 201, "{}: {}", file.display(), reply.text());
        let stored = reply.json();
        assert_eq!(
            stored["headline"],
            example["headlines"][0]["value"],
            "{}",
            file.display()
        );
        assert!(!stored["body_html"].as_str().unwrap().is_empty());
        assert_eq!(stored["status"], "draft", "no pubStatus: not published");
        // The same item again changes nothing.
        let again = put_ninjs(&app, &wire, &format!("example-{n}"), &bytes, &[]).await;
        assert_eq!(again.status, 200, "{}", again.text());
        assert_eq!(again.json()["version"], stored["version"]);
        let exported = ninjs_of(&app, stored["slug"].as_str().unwrap(), Some(&wire)).await;
        assert_valid(&validator, &exported, &file.display().to_string());
        assert_eq!(
            exported["headlines"][0]["value"],
            example["headlines"][0]["value"]
        );
    }
    // A text/plain body becomes escaped paragraphs; 005's language is kept.
    let complex = put_ninjs(
        &app,
        &wire,
        "example-2",
        &std::fs::read(&files[2]).unwrap(),
        &[],
    )
    .await
    .json();
    assert_eq!(complex["language"], "en");

    // Round trip: a published story exported and sent back in under a new
    // external id comes out the same.
    let mut body = story_json("Round & trip <story>");
    body["status"] = json!("published");
    body["language"] = json!("fr");
    body["embargoed_until"] = json!("2024-01-01T00:00:00Z");
    body["featured_image"] = json!({"url": "https://img.example.com/a.jpg", "caption": "Cap"});
    let original = app
        .json("POST", "/v1/articles", Some(&wire), &body)
        .await
        .json();
    let exported = ninjs_of(&app, original["slug"].as_str().unwrap(), None).await;
    let sent = serde_json::to_vec(&exported).unwrap();
    let copy = put_ninjs(&app, &wire, "round-trip", &sent, &[]).await;
    assert_eq!(copy.status, 201, "{}", copy.text());
    let copy = copy.json();
    for field in [
        "headline",
        "standfirst",
        "body_html",
        "language",
        "credit",
        "embargoed_until",
        "section",
        "tags",
        "status",
    ] {
        assert_eq!(copy[field], original[field], "{field}");
    }
    assert_eq!(
        copy["featured_image"]["url"],
        original["featured_image"]["url"]
    );
    assert_eq!(
        copy["featured_image"]["caption"],
        original["featured_image"]["caption"]
    );
    let reexported = ninjs_of(&app, copy["slug"].as_str().unwrap(), None).await;
    assert_eq!(reexported["headlines"], exported["headlines"]);
    assert_eq!(reexported["bodies"], exported["bodies"]);
    assert_eq!(reexported["subjects"], exported["subjects"]);
    // If-Match behaves as with JSON: a stale version is 412 and changes nothing.
    let stale = put_ninjs(&app, &wire, "round-trip", &sent, &[("if-match", "\"v42\"")]).await;
    stale.problem(412);
    let current = format!("\"v{}\"", copy["version"]);
    let fresh = put_ninjs(
        &app,
        &wire,
        "round-trip",
        &sent,
        &[("if-match", current.as_str())],
    )
    .await;
    assert_eq!(fresh.status, 200, "{}", fresh.text());
}

async fn ninjs_pub_status_maps_and_bad_items_are_422(app: TestApp) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let wire = app
        .tool_token(&admin, &json!({"name": "Wire", "role": "editor"}))
        .await;
    let item = |status: &str| {
        serde_json::to_vec(&json!({
            "uri": "urn:example:1",
            "type": "text",
            "pubStatus": status,
            "headlines": [{"role": "main", "value": "Agency story"}],
            "bodies": [{"role": "main", "contentType": "text/plain", "value": "First line.\n\nSecond <para> & more."}],
            "subjects": [{"name": "Courts"}]
        }))
        .unwrap()
    };
    let usable = put_ninjs(&app, &wire, "agency-1", &item("usable"), &[]).await;
    assert_eq!(usable.status, 201, "{}", usable.text());
    let usable = usable.json();
    assert_eq!(usable["status"], "published");
    assert_eq!(
        usable["body_html"],
        "<p>First line.</p>\n<p>Second &lt;para&gt; &amp; more.</p>"
    );
    assert_eq!(usable["tags"][0]["name"], "Courts");
    let slug = usable["slug"].as_str().unwrap().to_string();
    app.get_ok(&format!("/v1/articles/{slug}")).await;
    let withheld = put_ninjs(&app, &wire, "agency-1", &item("withheld"), &[])
        .await
        .json();
    assert_eq!(withheld["status"], "draft");
    app.get(&format!("/v1/articles/{slug}")).await.problem(404);
    put_ninjs(&app, &wire, "agency-1", &item("usable"), &[]).await;
    let canceled = put_ninjs(&app, &wire, "agency-1", &item("canceled"), &[]).await;
    assert_eq!(canceled.status, 200, "{}", canceled.text());
    assert_eq!(canceled.json()["status"], "withdrawn");
    app.get(&format!("/v1/articles/{slug}")).await.problem(410);
    // Canceled again: still withdrawn, no error.
    let again = put_ninjs(&app, &wire, "agency-1", &item("canceled"), &[]).await;
    assert_eq!(again.status, 200, "{}", again.text());

    for (body, field) in [
        (
            json!({"type": "text", "bodies": [{"contentType": "text/plain", "value": "x"}]}),
            "/headlines",
        ),
        (json!({"headlines": "x", "bodies": []}), "/headlines"),
        (json!({"headlines": [{"value": "A headline"}]}), "/bodies"),
        (
            json!({"headlines": [{"value": 5}], "bodies": []}),
            "/headlines/0/value",
        ),
        (json!([1, 2]), "/"),
    ] {
        let reply = put_ninjs(
            &app,
            &wire,
            "agency-bad",
            &serde_json::to_vec(&body).unwrap(),
            &[],
        )
        .await;
        let problem = reply.problem(422);
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {problem}");
    }
    let reply = put_ninjs(&app, &wire, "agency-bad", b"this is not json", &[]).await;
    assert_eq!(reply.problem(422)["errors"][0]["field"], "/");
    let huge = serde_json::to_vec(&json!({
        "headlines": [{"value": "Big"}],
        "bodies": [{"contentType": "text/plain", "value": "x".repeat(3 * 1024 * 1024)}]
    }))
    .unwrap();
    let (server, auth) = (app.address.clone(), format!("Bearer {wire}"));
    let status = actix_web::web::block(move || {
        crate::helpers::send_oversized(
            &server,
            "PUT",
            "/v1/articles/external/agency-big",
            &[
                ("Authorization", auth.as_str()),
                ("Content-Type", MEDIA_TYPE),
            ],
            huge,
        )
    })
    .await
    .unwrap();
    assert_eq!(status, 413);
    // A contributor's tool may not withdraw.
    let contributor = app
        .tool_token(&admin, &json!({"name": "Stringer", "role": "contributor"}))
        .await;
    put_ninjs(&app, &contributor, "stringer-1", &item("canceled"), &[])
        .await
        .problem(403);
}

backend_tests!(
    every_export_is_valid_ninjs,
    the_shared_examples_import_and_round_trip,
    ninjs_pub_status_maps_and_bad_items_are_422,
);
