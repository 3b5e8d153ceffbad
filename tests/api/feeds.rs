//! /v1/feeds/{format} and each section's, tag's and author's feed: RSS 2.0,
//! Atom 1.0 and JSON Feed 1.1. Every feed parses in feedparser without a
//! single complaint (`bozo == 0`), hostile text included; JSON Feed has the
//! 1.1 spec's required members; conditional requests get 304; only public
//! stories appear.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{from_now, python, story, story_json, TestApp};

/// Text that breaks feeds written by string concatenation.
const HOSTILE: &str = "Fish & Chips <b>bold</b> \"quoted\" 'single' 🐟 ]]> <![CDATA[ x";

fn parse(feed: &str) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/parse_feed.py");
    python(script, feed)
}

async fn publish(app: &TestApp, editor: &str, body: Value) -> Value {
    let mut body = body;
    body["status"] = json!("published");
    let reply = app.json("POST", "/v1/articles", Some(editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn get_feed(app: &TestApp, path: &str, media_type: &str) -> String {
    let reply = app.get(path).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some(media_type),
        "{path}"
    );
    assert!(reply.header("last-modified").is_some(), "{path}");
    assert!(reply.header("etag").is_some(), "{path}");
    reply.text()
}

async fn every_feed_parses_without_a_complaint(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut hostile = story_json(HOSTILE);
    hostile["body"] =
        json!("<p>Inside: ]]&gt; and &lt;![CDATA[ and </p><p>&amp; more &amp;amp; 🐟</p>");
    hostile["standfirst"] = json!("A <standfirst> & \"more\" ]]>");
    hostile["tags"] = json!(["alpha"]);
    hostile["featured_image"] = json!({"url": "https://img.example.com/fish.png?size=large&v=2"});
    let first = publish(&app, &editor, hostile).await;
    let mut plain = story_json("A plain second story");
    plain["tags"] = json!(["alpha"]);
    publish(&app, &editor, plain).await;
    let slug = first["slug"].as_str().unwrap();
    let id = first["id"].as_str().unwrap();
    let page = format!("https://news.example.com/news/{slug}");

    for base in [
        "/v1/feeds",
        "/v1/sections/news/feeds",
        "/v1/tags/alpha/feeds",
        "/v1/authors/ann/feeds",
    ] {
        for (format, media, version) in [
            ("rss", "application/rss+xml", "rss20"),
            ("atom", "application/atom+xml", "atom10"),
        ] {
            for full in [false, true] {
                let path = format!("{base}/{format}?full={full}");
                let text = get_feed(&app, &path, media).await;
                // Text that looks like markup never becomes markup: RSS
                // readers take a description as HTML, so it is escaped.
                assert!(!text.contains("<standfirst>"), "{path}: {text}");
                let parsed = parse(&text);
                assert_eq!(
                    parsed["bozo"], 0,
                    "{path}: {}\n{text}",
                    parsed["bozo_exception"]
                );
                assert_eq!(parsed["version"], version, "{path}");
                let entries = parsed["entries"].as_array().unwrap();
                assert_eq!(entries.len(), 2, "{path}");
                // Newest first: the plain story, then the hostile one.
                let e = &entries[1];
                if format == "atom" {
                    // Atom says its titles are text: they read back exactly.
                    assert_eq!(e["title"], HOSTILE, "{path}");
                } else {
                    // RSS titles are plain text by the spec, but readers
                    // (feedparser among them) may treat them as HTML and
                    // tidy markup; the words and the emoji arrive.
                    let title = e["title"].as_str().unwrap();
                    assert!(
                        title.starts_with("Fish & Chips") && title.contains('🐟'),
                        "{path}: {title}"
                    );
                }
                assert_eq!(e["link"], page, "{path}");
                assert_eq!(e["id"], format!("urn:uuid:{id}"), "{path}");
                assert_eq!(e["authors"], json!(["Ann"]), "{path}");
                assert!(e["tags"].as_array().unwrap().len() >= 2, "{path}: {e}");
                assert!(
                    e["published"].is_string() && e["updated"].is_string(),
                    "{path}: {e}"
                );
                assert_eq!(
                    e["enclosures"],
                    json!(["https://img.example.com/fish.png?size=large&v=2"]),
                    "{path}"
                );
                let content = e["content"].as_array().unwrap();
                if full {
                    assert!(
                        content
                            .iter()
                            .any(|c| c.as_str().unwrap().contains("]]&gt;")
                                || c.as_str().unwrap().contains("]]>")),
                        "{path}: {content:?}"
                    );
                } else {
                    assert!(
                        content
                            .iter()
                            .all(|c| !c.as_str().unwrap().contains("Inside")),
                        "{path}: the body only with full=true"
                    );
                }
            }
        }
        // JSON Feed 1.1: its required members, and the same stories.
        for full in [false, true] {
            let path = format!("{base}/json?full={full}");
            let text = get_feed(&app, &path, "application/feed+json").await;
            let feed: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
            assert!(feed["title"].as_str().is_some_and(|t| !t.is_empty()));
            let items = feed["items"].as_array().unwrap();
            assert_eq!(items.len(), 2);
            for item in items {
                assert!(item["id"].as_str().is_some_and(|i| !i.is_empty()));
                let html = item["content_html"].as_str();
                let text = item["content_text"].as_str();
                assert!(html.is_some() != text.is_some(), "one of the two: {item}");
                assert_eq!(html.is_some(), full);
            }
            assert_eq!(items[1]["title"], HOSTILE);
            assert_eq!(items[1]["url"], page);
            assert_eq!(
                items[1]["authors"][0]["url"],
                "https://news.example.com/author/ann"
            );
        }
    }
}

async fn feed_readers_get_304_while_nothing_changed(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let story = publish(&app, &editor, story_json("Polled every minute")).await;
    let path = "/v1/feeds/rss";
    // Twice: once built, once from byline's own cache.
    for _ in 0..2 {
        let first = app.get(path).await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").unwrap();
        let modified = first.header("last-modified").unwrap();
        let by_etag = app.request("GET", path, &[("If-None-Match", &etag)]).await;
        assert_eq!(by_etag.status, 304);
        let by_date = app
            .request("GET", path, &[("If-Modified-Since", &modified)])
            .await;
        assert_eq!(by_date.status, 304, "If-Modified-Since {modified}");
        let older = "Mon, 01 Jan 2001 00:00:00 GMT";
        let stale = app
            .request("GET", path, &[("If-Modified-Since", older)])
            .await;
        assert_eq!(stale.status, 200);
    }
    let before = app.get(path).await.header("last-modified").unwrap();
    // An edit a second later moves Last-Modified: the old date gets 200.
    actix_web::rt::time::sleep(std::time::Duration::from_millis(1100)).await;
    let slug = story["slug"].as_str().unwrap();
    let edit = app
        .json(
            "PATCH",
            &format!("/v1/articles/{slug}"),
            Some(&editor),
            &json!({"headline": "Polled every minute, edited"}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    let after = app
        .request("GET", path, &[("If-Modified-Since", &before)])
        .await;
    assert_eq!(after.status, 200);
    assert_ne!(after.header("last-modified").unwrap(), before);
    assert!(after.text().contains("Polled every minute, edited"));
}

async fn feeds_hold_public_stories_only(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    publish(&app, &editor, story_json("Out in public")).await;
    let draft = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("A private draft"),
        )
        .await;
    assert_eq!(draft.status, 201);
    let mut scheduled = story_json("Not yet time");
    scheduled["status"] = json!("published");
    scheduled["published_at"] = json!(from_now(3600));
    let reply = app
        .json("POST", "/v1/articles", Some(&editor), &scheduled)
        .await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    let gone = publish(&app, &editor, story_json("Archived later")).await;
    let archive = app
        .json(
            "PATCH",
            &format!("/v1/articles/{}", gone["slug"].as_str().unwrap()),
            Some(&editor),
            &json!({"status": "archived"}),
        )
        .await;
    assert_eq!(archive.status, 200);
    for path in [
        "/v1/feeds/atom?full=true",
        "/v1/sections/news/feeds/atom?full=true",
    ] {
        let parsed = parse(&get_feed(&app, path, "application/atom+xml").await);
        let titles: Vec<&str> = parsed["entries"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Out in public"], "{path}");
    }
    // Unknown formats and slugs are 404; a bad `full` is 400.
    app.get("/v1/feeds/rdf").await.problem(404);
    app.get("/v1/sections/no-such-section/feeds/rss")
        .await
        .problem(404);
    app.get("/v1/tags/no-such-tag/feeds/json")
        .await
        .problem(404);
    app.get("/v1/feeds/rss?full=maybe").await.problem(400);
}

async fn a_feed_holds_the_newest_twenty(app: TestApp) {
    app.taxonomy();
    for n in 0..25 {
        app.insert(story(
            &format!("story-{n:02}"),
            &format!("2021-01-{:02}T09:00:00Z", n + 1),
        ));
    }
    let feed: Value =
        serde_json::from_str(&get_feed(&app, "/v1/feeds/json", "application/feed+json").await)
            .unwrap();
    let titles: Vec<&str> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 20);
    assert_eq!(titles[0], "Headline of story-24");
    assert_eq!(titles[19], "Headline of story-05");
}

/// A feed's self link comes from BYLINE_API_URL, never from the Host a
/// request claims: the answer is cached and served to everyone.
async fn a_feed_never_names_the_host_a_request_claims(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    publish(&app, &editor, story_json("Hosted here")).await;
    let request = b"GET /v1/feeds/atom HTTP/1.1\r\nHost: evil.example\r\n\
X-Forwarded-Host: evil2.example\r\nForwarded: host=evil3.example;proto=https\r\n\
Connection: close\r\n\r\n";
    let address = app.address.clone();
    let poisoned = actix_web::rt::task::spawn_blocking(move || {
        crate::helpers::raw_from([127, 0, 0, 1], &address, request)
    })
    .await
    .unwrap();
    assert_eq!(poisoned.status, 200, "{}", poisoned.head);
    for feed in [poisoned.body, app.get("/v1/feeds/atom").await.text()] {
        assert!(!feed.contains("evil"), "{feed}");
        assert!(
            feed.contains("href=\"https://api.news.example.com/v1/feeds/atom\""),
            "{feed}"
        );
    }
}

backend_tests!(
    config = crate::articles::jsonld::site;
    a_feed_never_names_the_host_a_request_claims,
    every_feed_parses_without_a_complaint,
    feed_readers_get_304_while_nothing_changed,
    feeds_hold_public_stories_only,
    a_feed_holds_the_newest_twenty,
);
