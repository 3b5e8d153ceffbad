//! /sitemap.xml and /v1/sitemaps/…: the index, a sitemap per month split at
//! 50,000 stories, the section, tag and author sitemaps, and Google News
//! (48 hours, at most 1,000). Every file is parsed with lxml's strict
//! parser and checked against the protocol's shape and limits; only public
//! stories ever appear.

use chrono::{Duration, NaiveDateTime, Utc};
use serde_json::{json, Value};

use byline::models::article::{self, Article};

use crate::backend_tests;
use crate::helpers::{python, story, story_json, TestApp};

/// Parses a sitemap answer and asserts it has no problems.
async fn sitemap(app: &TestApp, path: &str) -> Value {
    let reply = app.get(path).await;
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
    assert_eq!(
        reply.header("content-type").as_deref(),
        Some("application/xml"),
        "{path}"
    );
    assert!(reply.header("etag").is_some(), "{path}");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/parse_sitemap.py"
    );
    let parsed = python(script, &reply.text());
    assert_eq!(parsed["problems"], json!([]), "{path}");
    parsed
}

fn locs(parsed: &Value) -> Vec<String> {
    parsed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["loc"].as_str().unwrap().to_string())
        .collect()
}

/// The API path of a sitemap the index lists.
fn path_of(loc: &str) -> String {
    let at = loc.find("/v1/").expect("a /v1/ address");
    loc[at..].to_string()
}

fn now() -> NaiveDateTime {
    byline::models::now()
}

/// `n` public stories with no section, published at `at(i)`, loaded in
/// bulk.
fn bulk(app: &TestApp, prefix: &str, n: usize, at: impl Fn(usize) -> NaiveDateTime) {
    let rows: Vec<article::NewArticle> = (0..n)
        .map(|i| {
            let t = at(i);
            let article = Article {
                id: uuid::Uuid::new_v4().to_string(),
                slug: format!("{prefix}-{i}"),
                headline: format!("Bulk story {i}"),
                standfirst: String::new(),
                body_html: "<p>Words.</p>".into(),
                body_source: "<p>Words.</p>".into(),
                body_format: "html".into(),
                excerpt: "Words.".into(),
                status: "published".into(),
                published_at: Some(t),
                section_id: None,
                credit: None,
                canonical_url: None,
                image_url: None,
                image_alt: None,
                image_caption: None,
                image_credit: None,
                word_count: 1,
                reading_time_minutes: 1,
                external_id: None,
                external_owner: String::new(),
                version: 1,
                created_at: t,
                updated_at: t,
                created_by: None,
                announced: true,
                language: Some("en".into()),
                embargoed_until: None,
                translation_group: None,
            };
            (article, Vec::new(), Vec::new())
        })
        .collect();
    app.with_db(|conn| {
        for chunk in rows.chunks(10_000) {
            byline::db::write_transaction(conn, |c| article::insert_many(c, chunk))?;
        }
        Ok(())
    });
}

async fn the_index_lists_every_sitemap_and_each_one_parses(app: TestApp) {
    app.load_demo();
    let index = sitemap(&app, "/sitemap.xml").await;
    assert_eq!(index["root"], "sitemapindex");
    let listed = locs(&index);
    for loc in &listed {
        assert!(
            loc.starts_with("https://api.news.example.com/v1/sitemaps/"),
            "{loc}"
        );
    }
    // The demo's public stories fall in these months; the scheduled one
    // (2099) and the draft are in none.
    for month in ["2021-01", "2025-03", "2024-11"] {
        let loc = format!("https://api.news.example.com/v1/sitemaps/stories/{month}/1");
        assert!(listed.contains(&loc), "{loc} in {listed:?}");
    }
    assert!(!listed.iter().any(|l| l.contains("2099")), "{listed:?}");
    for kind in ["news", "sections/1", "tags/1", "authors/1"] {
        let loc = format!("https://api.news.example.com/v1/sitemaps/{kind}");
        assert!(listed.contains(&loc), "{loc} in {listed:?}");
    }
    let mut stories = Vec::new();
    for loc in &listed {
        let parsed = sitemap(&app, &path_of(loc)).await;
        assert_eq!(parsed["root"], "urlset", "{loc}");
        if loc.contains("/stories/") {
            for entry in parsed["entries"].as_array().unwrap() {
                assert!(entry["lastmod"].is_string(), "{loc}: {entry}");
            }
            stories.extend(locs(&parsed));
        }
    }
    // Every public story once, at its reader-facing address; nothing else.
    let public = app.get_ok("/v1/articles?limit=100").await;
    assert_eq!(stories.len(), public["data"].as_array().unwrap().len());
    assert!(
        stories.contains(
            &"https://news.example.com/top-news/mexico-offers-assange-political-asylum".to_string()
        ),
        "{stories:?}"
    );
    for hidden in [
        "cross-border-rail",
        "small-manufacturers",
        "winter-ferry-subsidy",
    ] {
        assert!(!stories.iter().any(|s| s.contains(hidden)), "{hidden}");
    }
    let sections = locs(&sitemap(&app, "/v1/sitemaps/sections/1").await);
    assert!(
        sections.contains(&"https://news.example.com/top-news".to_string()),
        "{sections:?}"
    );
}

async fn a_month_over_50000_stories_splits(app: TestApp) {
    let start = NaiveDateTime::parse_from_str("2020-03-01 00:00:00", "%Y-%m-%d %H:%M:%S").unwrap();
    bulk(&app, "march", 50_001, |i| {
        start + Duration::seconds(i as i64 * 30)
    });
    bulk(&app, "april", 3, |i| {
        start + Duration::days(31) + Duration::hours(i as i64)
    });
    let listed = locs(&sitemap(&app, "/sitemap.xml").await);
    let march: Vec<&String> = listed
        .iter()
        .filter(|l| l.contains("/stories/2020-03/"))
        .collect();
    assert_eq!(march.len(), 2, "{listed:?}");
    let first = sitemap(&app, "/v1/sitemaps/stories/2020-03/1").await;
    let second = sitemap(&app, "/v1/sitemaps/stories/2020-03/2").await;
    assert_eq!(first["entries"].as_array().unwrap().len(), 50_000);
    assert_eq!(second["entries"].as_array().unwrap().len(), 1);
    // Oldest first, so the split is stable as stories are added.
    assert!(locs(&first)[0].ends_with("/march-0"), "{}", locs(&first)[0]);
    assert!(locs(&second)[0].ends_with("/march-50000"));
    assert_eq!(
        locs(&sitemap(&app, "/v1/sitemaps/stories/2020-04/1").await).len(),
        3
    );
    app.get("/v1/sitemaps/stories/2020-03/3").await.problem(404);
}

async fn google_news_holds_the_last_48_hours_only(app: TestApp) {
    app.taxonomy();
    let t = now();
    for (slug, hours_ago) in [
        ("fresh", 1),
        ("day-old", 30),
        ("nearly-gone", 47),
        ("too-old", 49),
    ] {
        let at = (t - Duration::hours(hours_ago)).and_utc().to_rfc3339();
        let mut s = story(slug, &at);
        s.headline = format!("Fish & <Chips> \"{slug}\"");
        app.insert(s);
    }
    let editor = app.token("editor").await;
    let mut later = story_json("Scheduled for later");
    later["status"] = json!("published");
    later["published_at"] = json!((Utc::now() + Duration::hours(2)).to_rfc3339());
    assert_eq!(
        app.json("POST", "/v1/articles", Some(&editor), &later)
            .await
            .status,
        201
    );
    assert_eq!(
        app.json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("A draft")
        )
        .await
        .status,
        201
    );
    let news = sitemap(&app, "/v1/sitemaps/news").await;
    let found = locs(&news);
    assert_eq!(
        found,
        vec![
            "https://news.example.com/news/fresh",
            "https://news.example.com/news/day-old",
            "https://news.example.com/news/nearly-gone",
        ]
    );
    let first = &news["entries"][0]["news"];
    assert_eq!(first["name"], "The Example Times");
    assert_eq!(first["language"], "en");
    assert_eq!(first["title"], "Fish & <Chips> \"fresh\"");
    assert!(first["publication_date"].as_str().unwrap().ends_with('Z'));
}

async fn syndicated_copies_are_left_out(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    for (headline, canonical) in [
        ("Our own story", None),
        (
            "A partner's story",
            Some("https://partner.example.org/story"),
        ),
        (
            "Our canonical story",
            Some("https://news.example.com/special/our-canonical"),
        ),
    ] {
        let mut body = story_json(headline);
        body["status"] = json!("published");
        if let Some(c) = canonical {
            body["canonical_url"] = json!(c);
        }
        assert_eq!(
            app.json("POST", "/v1/articles", Some(&editor), &body)
                .await
                .status,
            201
        );
    }
    let month = Utc::now().format("%Y-%m").to_string();
    for path in [
        format!("/v1/sitemaps/stories/{month}/1"),
        "/v1/sitemaps/news".to_string(),
    ] {
        let mut found = locs(&sitemap(&app, &path).await);
        found.sort();
        assert_eq!(
            found,
            vec![
                "https://news.example.com/news/our-own-story",
                "https://news.example.com/special/our-canonical",
            ],
            "{path}"
        );
    }
}

async fn google_news_holds_at_most_1000(app: TestApp) {
    let t = now();
    bulk(&app, "wire", 1_005, |i| {
        t - Duration::seconds(60 + i as i64)
    });
    let news = sitemap(&app, "/v1/sitemaps/news").await;
    let found = locs(&news);
    assert_eq!(found.len(), 1_000);
    assert!(found[0].ends_with("/wire-0"), "newest first: {}", found[0]);
}

async fn stories_come_and_go_with_their_visibility(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut due = story_json("Due in a moment");
    due["status"] = json!("published");
    due["published_at"] = json!((Utc::now() + Duration::seconds(2)).to_rfc3339());
    assert_eq!(
        app.json("POST", "/v1/articles", Some(&editor), &due)
            .await
            .status,
        201
    );
    let mut shown = story_json("Shown then unpublished");
    shown["status"] = json!("published");
    let created = app
        .json("POST", "/v1/articles", Some(&editor), &shown)
        .await
        .json();
    let month = Utc::now().format("%Y-%m").to_string();
    let path = format!("/v1/sitemaps/stories/{month}/1");
    let before = locs(&sitemap(&app, &path).await);
    assert_eq!(
        before,
        vec!["https://news.example.com/news/shown-then-unpublished"]
    );
    assert_eq!(locs(&sitemap(&app, "/v1/sitemaps/news").await).len(), 1);
    // Unpublished: gone at once, cached answers included.
    let id = created["id"].as_str().unwrap();
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/articles/{id}"),
            Some(&editor),
            &json!({"status": "draft"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    app.get(&path).await.problem(404);
    assert_eq!(locs(&sitemap(&app, "/v1/sitemaps/news").await).len(), 0);
    // The scheduled one appears when its time comes.
    tokio::time::sleep(std::time::Duration::from_millis(3100)).await;
    assert_eq!(
        locs(&sitemap(&app, &path).await),
        vec!["https://news.example.com/news/due-in-a-moment"]
    );
}

async fn unknown_sitemaps_are_404_never_500(app: TestApp) {
    app.load_demo();
    for path in [
        "/v1/sitemaps/stories/2021-13/1",
        "/v1/sitemaps/stories/1999-01/1",
        "/v1/sitemaps/stories/2021-01/0",
        "/v1/sitemaps/stories/2021-01/2",
        "/v1/sitemaps/stories/2021-1/1",
        "/v1/sitemaps/widgets/1",
        "/v1/sitemaps/tags/2",
    ] {
        let reply = app.get(path).await;
        assert!(
            reply.status == 404 || reply.status == 400,
            "{path}: {}",
            reply.status
        );
        reply.problem(reply.status.as_u16());
    }
    for path in [
        "/v1/sitemaps/stories/2021-01/x",
        "/v1/sitemaps/stories/2021-01/99999999999",
    ] {
        let reply = app.get(path).await;
        assert!(reply.status.is_client_error(), "{path}: {}", reply.status);
    }
}

backend_tests!(
    config = crate::articles::jsonld::site;
    the_index_lists_every_sitemap_and_each_one_parses,
    a_month_over_50000_stories_splits,
    google_news_holds_the_last_48_hours_only,
    google_news_holds_at_most_1000,
    syndicated_copies_are_left_out,
    stories_come_and_go_with_their_visibility,
    unknown_sitemaps_are_404_never_500,
);
