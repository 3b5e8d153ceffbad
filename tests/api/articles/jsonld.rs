//! /v1/articles/{article}/json-ld: a story as schema.org NewsArticle
//! markup. Google's article properties are all there, the output expands
//! as JSON-LD in someone else's processor (PyLD), and no text can break out
//! of the `<script>` element a page puts it in.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{python, story_json, TestApp};

/// A site set up as a publication would: its address, name, logo and a
/// story URL template.
pub fn site(c: &mut byline::config::Config) {
    c.site.url = "https://news.example.com".into();
    c.site.name = "The Example Times".into();
    c.site.language = "en-GB".into();
    c.site.logo_url = Some("https://news.example.com/logo.png".into());
    c.site.story_url = "{site}/{section}/{slug}".into();
    c.api_url = Some("https://api.news.example.com".into());
}

async fn published(app: &TestApp, body: Value) -> Value {
    let editor = app.token("editor").await;
    let mut body = body;
    body["status"] = json!("published");
    let reply = app.json("POST", "/v1/articles", Some(&editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn json_ld(app: &TestApp, slug: &str) -> (Value, String) {
    let reply = app.get(&format!("/v1/articles/{slug}/json-ld")).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/ld+json")
    );
    assert!(reply.header("etag").is_some());
    assert!(reply.header("surrogate-key").unwrap().contains("article:"));
    (reply.json(), reply.text())
}

/// Dates as Google wants them: ISO 8601 with a time zone.
fn iso8601(value: &Value) -> bool {
    value
        .as_str()
        .is_some_and(|t| chrono::DateTime::parse_from_rfc3339(t).is_ok())
}

async fn a_story_has_every_property_google_looks_for(app: TestApp) {
    app.taxonomy();
    let mut body = story_json("Mexico offers Assange political asylum");
    body["featured_image"] =
        json!({"url": "https://img.example.com/assange.jpg", "alt": "Assange"});
    body["tags"] = json!(["alpha"]);
    let story = published(&app, body).await;
    let slug = story["slug"].as_str().unwrap();
    let (ld, _) = json_ld(&app, slug).await;

    assert_eq!(ld["@context"], "https://schema.org");
    assert_eq!(ld["@type"], "NewsArticle");
    assert_eq!(ld["headline"], "Mexico offers Assange political asylum");
    let page = format!("https://news.example.com/news/{slug}");
    assert_eq!(ld["mainEntityOfPage"]["@id"], page);
    assert_eq!(ld["@id"], format!("{page}#article"));
    assert_eq!(ld["url"], page);
    assert!(iso8601(&ld["datePublished"]), "{}", ld["datePublished"]);
    assert!(iso8601(&ld["dateModified"]));
    let author = &ld["author"][0];
    assert_eq!(author["@type"], "Person");
    assert_eq!(author["name"], "Ann");
    assert_eq!(author["url"], "https://news.example.com/author/ann");
    assert_eq!(ld["image"], json!(["https://img.example.com/assange.jpg"]));
    assert_eq!(ld["publisher"]["@type"], "Organization");
    assert_eq!(ld["publisher"]["name"], "The Example Times");
    assert_eq!(
        ld["publisher"]["logo"]["url"],
        "https://news.example.com/logo.png"
    );
    assert_eq!(ld["articleSection"], "News");
    assert_eq!(ld["keywords"], json!(["Alpha"]));
    assert_eq!(ld["wordCount"], 4);
    assert_eq!(ld["inLanguage"], "en-GB");
    assert_eq!(ld["isAccessibleForFree"], true);
    assert_eq!(ld["description"], "A standfirst");

    // Someone else's JSON-LD processor reads it as schema.org terms.
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/expand_jsonld.py"
    );
    let expanded = python(script, &ld.to_string());
    let node = &expanded[0];
    assert_eq!(node["@type"], json!(["https://schema.org/NewsArticle"]));
    assert_eq!(
        node["https://schema.org/headline"][0]["@value"],
        "Mexico offers Assange political asylum"
    );
    assert_eq!(
        node["https://schema.org/author"][0]["https://schema.org/url"][0]["@value"],
        "https://news.example.com/author/ann"
    );

    // A canonical URL wins over the template.
    let editor = app.token("editor").await;
    let changed = app
        .json(
            "PATCH",
            &format!("/v1/articles/{slug}"),
            Some(&editor),
            &json!({"canonical_url": "https://partner.example.org/original"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    let (ld, _) = json_ld(&app, slug).await;
    assert_eq!(
        ld["mainEntityOfPage"]["@id"],
        "https://partner.example.org/original"
    );
}

async fn no_text_can_break_out_of_the_script_element(app: TestApp) {
    app.taxonomy();
    let hostile = "Breaking </script><script>alert(1)</script> <!-- & \u{2028} \"quoted\" 🗞️";
    let mut body = story_json(hostile);
    body["standfirst"] = json!("</SCRIPT><img src=x onerror=alert(2)>");
    body["tags"] = json!(["alpha"]);
    let story = published(&app, body).await;
    let (ld, raw) = json_ld(&app, story["slug"].as_str().unwrap()).await;
    for bad in ['<', '>', '&', '\u{2028}'] {
        assert!(!raw.contains(bad), "{bad:?} in {raw}");
    }
    assert!(!raw.contains("</"));
    // The same text, read back.
    assert_eq!(ld["headline"], hostile);
    assert_eq!(ld["description"], "</SCRIPT><img src=x onerror=alert(2)>");
}

async fn only_public_stories_have_markup(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let reply = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("Still a draft"),
        )
        .await;
    assert_eq!(reply.status, 201);
    let slug = reply.json()["slug"].as_str().unwrap().to_string();
    app.get(&format!("/v1/articles/{slug}/json-ld"))
        .await
        .problem(404);
    app.get("/v1/articles/no-such-story/json-ld")
        .await
        .problem(404);
    // Conditional GET works as on the story.
    let story = published(&app, story_json("Out in the open")).await;
    let path = format!("/v1/articles/{}/json-ld", story["slug"].as_str().unwrap());
    let first = app.get(&path).await;
    let etag = first.header("etag").unwrap();
    let again = app.request("GET", &path, &[("If-None-Match", &etag)]).await;
    assert_eq!(again.status, 304);
    // Unpublished, it is gone at once.
    let unpublish = app
        .json(
            "PATCH",
            &format!("/v1/articles/{}", story["slug"].as_str().unwrap()),
            Some(&editor),
            &json!({"status": "draft"}),
        )
        .await;
    assert_eq!(unpublish.status, 200, "{}", unpublish.text());
    app.get(&path).await.problem(404);
}

backend_tests!(
    config = crate::articles::jsonld::site;
    a_story_has_every_property_google_looks_for,
    no_text_can_break_out_of_the_script_element,
    only_public_stories_have_markup,
);
