//! Every answer that shows a story, section, tag or author carries its
//! reader-facing `url`, from the site's templates or the story's
//! canonical URL: lists, pages, blocks, search, the change feed, and the
//! newsroom's answers too.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{story_json, TestApp};

/// Asserts every object in `value` with a `slug` has its address in
/// `url`, counting them in `checked`. An event's `resource` and a
/// tombstone (id and slug only, or a superseded event's stub) name a
/// thing without showing it, and are left out.
fn check_urls(value: &Value, path: &str, checked: &mut usize) {
    match value {
        Value::Object(map) => {
            let stub = map.contains_key("kind")
                || map.contains_key("superseded_by")
                || (map.len() == 2 && map.contains_key("id"));
            if let Some(slug) = map.get("slug").and_then(Value::as_str).filter(|_| !stub) {
                let url = map.get("url").and_then(Value::as_str).unwrap_or("");
                assert!(
                    url.starts_with("https://news.example.com/")
                        || url.starts_with("https://elsewhere.example.org/"),
                    "{path}: {slug} has url {url:?}"
                );
                assert!(
                    url.ends_with(slug) || url.starts_with("https://elsewhere"),
                    "{path}: {url} for {slug}"
                );
                *checked += 1;
            }
            for v in map.values() {
                check_urls(v, path, checked);
            }
        }
        Value::Array(items) => {
            for v in items {
                check_urls(v, path, checked);
            }
        }
        _ => {}
    }
}

async fn every_public_answer_names_its_reader_facing_address(app: TestApp) {
    app.load_demo();
    let slug = "mexico-offers-assange-political-asylum";
    let mut checked = 0;
    for path in [
        "/v1/articles".to_string(),
        format!("/v1/articles/{slug}"),
        "/v1/latest".into(),
        "/v1/sections".into(),
        "/v1/sections/top-news".into(),
        "/v1/sections/top-news/latest".into(),
        "/v1/tags".into(),
        "/v1/authors".into(),
        "/v1/search?q=assange".into(),
        "/v1/events?limit=100".into(),
    ] {
        let body = app.get_ok(&path).await;
        let before = checked;
        check_urls(&body, &path, &mut checked);
        assert!(checked > before, "{path} showed nothing with a slug");
    }
    let page = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(
        page["url"],
        "https://news.example.com/top-news/mexico-offers-assange-political-asylum"
    );
    assert_eq!(page["section"]["url"], "https://news.example.com/top-news");
    assert!(page["next"]["url"].as_str().is_some() || page["previous"]["url"].as_str().is_some());
    let tag = page["tags"][0]["slug"].as_str().unwrap();
    assert_eq!(
        page["tags"][0]["url"],
        format!("https://news.example.com/tag/{tag}")
    );
    let author = page["authors"][0]["slug"].as_str().unwrap();
    assert_eq!(
        page["authors"][0]["url"],
        format!("https://news.example.com/author/{author}")
    );
    let tag_page = app.get_ok(&format!("/v1/tags/{tag}")).await;
    assert_eq!(
        tag_page["url"],
        format!("https://news.example.com/tag/{tag}")
    );
}

async fn a_canonical_url_overrides_the_template_everywhere(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut body = story_json("Syndicated from a partner");
    body["status"] = json!("published");
    body["canonical_url"] = json!("https://elsewhere.example.org/original");
    let created = app.json("POST", "/v1/articles", Some(&editor), &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let created = created.json();
    // The newsroom's answer names it too.
    assert_eq!(created["url"], "https://elsewhere.example.org/original");
    assert_eq!(created["section"]["url"], "https://news.example.com/news");
    let slug = created["slug"].as_str().unwrap();
    let page = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(page["url"], "https://elsewhere.example.org/original");
    let list = app.get_ok("/v1/articles").await;
    assert_eq!(
        list["data"][0]["url"],
        "https://elsewhere.example.org/original"
    );
    let events = app.get_ok("/v1/events").await;
    let published = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["type"] == "article.published")
        .expect("a published event");
    assert_eq!(
        published["data"]["url"],
        "https://elsewhere.example.org/original"
    );
    let mut checked = 0;
    check_urls(&created, "POST /v1/articles", &mut checked);
    assert!(checked >= 3);
}

backend_tests!(
    config = crate::articles::jsonld::site;
    every_public_answer_names_its_reader_facing_address,
    a_canonical_url_overrides_the_template_everywhere,
);
