//! The benchmark dataset: deterministic, and served like any content.

use byline::schema::articles;
use diesel::prelude::*;

use crate::backend_tests;
use crate::helpers::{slugs, Backend, TestApp};

/// 150 benchmark stories from seed 7.
fn seeded(app: &TestApp) {
    let written = app.with_db(|conn| byline::seed::bench::seed_bench(conn, 150, 7, false));
    assert_eq!(written, 150);
}

async fn bench_sections_and_tags_are_served(app: TestApp) {
    seeded(&app);
    let sections = app.get_ok("/v1/sections").await;
    assert_eq!(slugs(&sections).len(), byline::seed::bench::SECTIONS);
    let tags = app.get_ok("/v1/tags?limit=100").await;
    assert_eq!(slugs(&tags).len(), 100);
    assert!(tags["next_cursor"].is_string(), "2,000 tags page on");
}

/// Every visible story is listed once, newest first.
async fn every_visible_bench_story_is_listed_once(app: TestApp) {
    seeded(&app);
    let now = chrono::Utc::now().naive_utc();
    let visible: i64 = app.with_db(|conn| {
        Ok(articles::table
            .filter(articles::status.eq("published"))
            .filter(articles::published_at.le(now))
            .count()
            .get_result(conn)?)
    });
    assert!(visible > 120, "most stories are published: {visible}");
    let mut seen = 0;
    let mut path = "/v1/articles?limit=100".to_string();
    loop {
        let page = app.get_ok(&path).await;
        seen += slugs(&page).len();
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/articles?limit=100&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen as i64, visible);
}

/// A story reads back whole, with 300 to 1,200 words and its byline.
async fn a_bench_story_reads_back_whole(app: TestApp) {
    seeded(&app);
    let first = app.get_ok("/v1/articles?limit=1").await;
    let slug = slugs(&first)[0].clone();
    let story = app.get_ok(&format!("/v1/articles/{slug}")).await;
    let words = story["word_count"].as_i64().unwrap();
    assert!((300..=1200).contains(&words), "{words}");
    let tag_count = story["tags"].as_array().unwrap().len();
    assert!((2..=6).contains(&tag_count));
    let author_count = story["authors"].as_array().unwrap().len();
    assert!((1..=2).contains(&author_count));
}

async fn bench_authors_show_no_email(app: TestApp) {
    seeded(&app);
    assert!(!app
        .get("/v1/authors?limit=100")
        .await
        .text()
        .contains("@bench.example"));
}

backend_tests!(
    bench_sections_and_tags_are_served,
    every_visible_bench_story_is_listed_once,
    a_bench_story_reads_back_whole,
    bench_authors_show_no_email,
);

#[actix_web::test]
async fn the_same_seed_gives_the_same_dataset() {
    let headlines = |app: &TestApp| {
        app.with_db(|conn| {
            Ok(articles::table
                .order(articles::external_id.asc())
                .select((articles::headline, articles::word_count, articles::status))
                .load::<(String, i32, String)>(conn)?)
        })
    };
    let a = TestApp::spawn(Backend::Sqlite).await.unwrap();
    let b = TestApp::spawn(Backend::Sqlite).await.unwrap();
    a.with_db(|conn| byline::seed::bench::seed_bench(conn, 40, 3, false));
    b.with_db(|conn| byline::seed::bench::seed_bench(conn, 40, 3, false));
    assert_eq!(headlines(&a), headlines(&b));
    let c = TestApp::spawn(Backend::Sqlite).await.unwrap();
    c.with_db(|conn| byline::seed::bench::seed_bench(conn, 40, 4, false));
    assert_ne!(headlines(&a), headlines(&c));
}
