//! The page this API exists to serve: `shared/seed/asian-lite-news-article-page.txt`.
//! Every block on it comes from one call.

use crate::backend_tests;
use crate::helpers::{slugs, TestApp};

const SEED: &str = "/v1/articles/mexico-offers-assange-political-asylum";

async fn story_block_has_everything_the_page_shows(app: TestApp) {
    app.load_demo();
    let story = app.get_ok(SEED).await;
    assert_eq!(story["headline"], "Mexico offers Assange political asylum");
    assert!(story["standfirst"]
        .as_str()
        .unwrap()
        .starts_with("Addressing a press conference on Monday, the President said"));
    let body = story["body_html"].as_str().unwrap();
    assert!(body.starts_with(
        "<p>Mexican President Andres Manuel Lopez Obrador has offered political asylum"
    ));
    assert!(body.contains("He sought refuge in the embassy for seven years from 2012 until he was arrested in April 2019."));
    assert_eq!(body.matches("<p>").count(), 13);
    assert_eq!(story["published_at"], "2021-01-05T09:30:00Z");
    assert_eq!(story["reading_time_minutes"], 2);
    assert_eq!(story["word_count"], 341);
    assert_eq!(story["credit"], "Asian Lite News");
    assert_eq!(story["section"]["slug"], "top-news");
    assert_eq!(story["section"]["name"], "Top News");
    assert_eq!(story["authors"][0]["slug"], "news-desk");
    assert!(story["authors"][0].get("email").is_none());
    assert_eq!(story["tags"].as_array().unwrap().len(), 4);
    assert_eq!(
        story["also_read"][0]["headline"],
        "UK court denies Assange’s extradition to US"
    );
    assert!(
        story["also_read"][0].get("body_html").is_none(),
        "summaries carry no body"
    );
    assert_eq!(
        story["previous"]["headline"],
        "Germany surpasses 2020 climate target"
    );
    assert_eq!(
        story["next"]["headline"],
        "EU Presidency: Portuguese PM sets out goals"
    );
    assert!(story["featured_image"]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
}

async fn latest_block_under_the_story(app: TestApp) {
    app.load_demo();
    let block = app
        .get_ok(
            "/v1/sections/top-news/latest?limit=4&exclude=mexico-offers-assange-political-asylum",
        )
        .await;
    assert_eq!(block["title"], "Latest from Top News");
    assert_eq!(
        slugs(&block),
        [
            "palestinians-seek-help-to-end-israeli-siege",
            "gop-targets-chinese-student-visas-in-new-bill",
            "pak-iran-crack-down-on-afghan-refugees",
            "congo-and-m23-rebel-group-to-hold-peace-talks",
        ]
    );
    for item in block["data"].as_array().unwrap() {
        assert!(!item["excerpt"].as_str().unwrap().is_empty());
        assert!(item.get("body_html").is_none());
    }
}

async fn story_by_id_is_the_same_story(app: TestApp) {
    app.load_demo();
    let by_slug = app.get_ok(SEED).await;
    let id = by_slug["id"].as_str().unwrap();
    let by_id = app.get_ok(&format!("/v1/articles/{id}")).await;
    assert_eq!(by_id, by_slug);
}

async fn demo_loads_once(app: TestApp) {
    app.load_demo();
    let again = {
        let mut conn = app.pool.get().unwrap();
        byline::seed::load_demo(&mut conn, &app.config.site)
    };
    assert!(again.is_err(), "a second load must refuse, not duplicate");
    let list = app.get_ok("/v1/articles?limit=100").await;
    // 25 demo stories, of which a draft, a scheduled and an archived one are hidden.
    assert_eq!(slugs(&list).len(), 22);
}

backend_tests!(
    story_block_has_everything_the_page_shows,
    latest_block_under_the_story,
    story_by_id_is_the_same_story,
    demo_loads_once,
);
