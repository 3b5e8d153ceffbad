//! HTTP freshness on public answers: validators and If-None-Match, a
//! lifetime cut short by scheduled stories only where they will change the
//! answer, and Vary for every encoding and origin.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{from_now, slugs, story, Reply, TestApp};

/// The max-age of an answer's Cache-Control.
fn max_age(reply: Reply) -> u32 {
    let value = reply.header("cache-control").unwrap();
    value
        .split("max-age=")
        .nth(1)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("{value}"))
}

async fn public_answers_carry_validators_and_honour_if_none_match(app: TestApp) {
    app.taxonomy();
    app.insert(story("cached", "2024-01-01T00:00:00Z"));
    for path in [
        "/v1/articles/cached",
        "/v1/articles",
        "/v1/sections",
        "/v1/latest",
        "/v1/tags",
    ] {
        let first = app.get(path).await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").expect("an ETag");
        assert!(etag.starts_with("W/\""), "{etag}");
        assert_eq!(
            first.header("cache-control").as_deref(),
            Some("public, max-age=60")
        );
        let again = app.request("GET", path, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
        let other = app
            .request("GET", path, &[("If-None-Match", "W/\"something-else\"")])
            .await;
        assert_eq!(other.status, 200);
    }
}

/// A change to the content changes the validator.
async fn a_content_change_changes_the_validator(app: TestApp) {
    app.taxonomy();
    app.insert(story("cached", "2024-01-01T00:00:00Z"));
    let before = app.get("/v1/articles").await.header("etag");
    app.insert(story("fresh", "2024-02-01T00:00:00Z"));
    assert_ne!(app.get("/v1/articles").await.header("etag"), before);
}

/// A story out now, and one scheduled 20 seconds ahead in the same section.
fn soon(app: &TestApp) {
    app.taxonomy();
    app.insert(story("now", "2024-01-01T00:00:00Z"));
    let mut soon = story("soon", &from_now(20));
    soon.status = "scheduled".into();
    app.insert(soon);
}

async fn a_list_lives_no_longer_than_until_the_next_scheduled_story(app: TestApp) {
    soon(&app);
    let reply = app.get("/v1/articles").await;
    let cc = reply.header("cache-control").unwrap();
    let age: u32 = cc.trim_start_matches("public, max-age=").parse().unwrap();
    assert!(age <= 20, "max-age {age} outlives the scheduled story");
    assert_eq!(slugs(&reply.json()), ["now"]);
}

/// The same holds for a story page whose Next link is about to change.
async fn a_story_page_lives_no_longer_than_its_next_link(app: TestApp) {
    soon(&app);
    let page = app.get("/v1/articles/now").await;
    let cc = page.header("cache-control").unwrap();
    let age: u32 = cc.trim_start_matches("public, max-age=").parse().unwrap();
    assert!(age <= 20, "max-age {age}");
    assert!(page.json()["next"].is_null());
}

/// `in-news` (by ann) and `in-world` (by bob) are out; `later-in-world`
/// (by bob, tagged beta) is due within the configured minute, so it
/// shortens what it touches.
fn due_in_world(app: &TestApp) {
    app.taxonomy();
    app.insert(story("in-news", "2026-01-02T10:00:00Z"));
    let mut world = story("in-world", "2026-01-02T11:00:00Z");
    world.section = Some("world".into());
    world.authors = vec!["bob".into()];
    app.insert(world);
    let mut later = story("later-in-world", &from_now(45));
    later.section = Some("world".into());
    later.authors = vec!["bob".into()];
    later.tags = vec!["beta".into()];
    app.insert(later);
}

async fn a_due_story_shortens_the_answers_it_will_change(app: TestApp) {
    due_in_world(&app);
    for path in [
        "/v1/sections/world/latest",
        "/v1/latest",
        "/v1/articles",
        "/v1/articles?section=world",
        "/v1/authors/bob/latest",
        "/v1/articles/in-world",
    ] {
        let age = max_age(app.get(path).await);
        assert!(age < 60, "{path} is cut short: {age}");
    }
}

/// Other answers do not tell the world when something goes live.
async fn a_due_story_leaves_other_answers_their_lifetime(app: TestApp) {
    due_in_world(&app);
    for path in [
        "/v1/sections/news/latest",
        "/v1/articles?section=news",
        "/v1/authors/ann/latest",
        "/v1/articles/in-news",
        "/v1/sections",
        "/v1/authors",
        "/v1/tags",
        "/v1/tags/alpha",
    ] {
        assert_eq!(
            max_age(app.get(path).await),
            60,
            "{path} keeps its lifetime"
        );
    }
}

/// A later page holds only older stories, so nothing shortens it.
async fn a_later_page_keeps_its_lifetime(app: TestApp) {
    due_in_world(&app);
    let first = app.get_ok("/v1/articles?limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(
        max_age(
            app.get(&format!("/v1/articles?limit=1&cursor={cursor}"))
                .await
        ),
        60
    );
}

/// A tag that only a scheduled story carries unveils on time, so the tag
/// list's lifetime ends then.
async fn a_tag_only_a_due_story_carries_shortens_the_tag_list(app: TestApp) {
    due_in_world(&app);
    assert_eq!(max_age(app.get("/v1/tags").await), 60);
    let editor = app.token("editor").await;
    let unveiling = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Soon", "body": "<p>x</p>", "section": "news", "tags": ["Brand New Topic"],
                    "status": "scheduled", "published_at": from_now(45)}),
        )
        .await;
    assert_eq!(unveiling.status, 201, "{}", unveiling.text());
    assert!(max_age(app.get("/v1/tags").await) < 60);
}

const VARIED: [&str; 4] = [
    "/v1/sections",
    "/v1/articles/mexico-offers-assange-political-asylum",
    "/v1/nothing-here",
    "/healthz",
];

/// Each path in `VARIED` in each encoding, asked from a browser's origin.
async fn each_encoding(app: &TestApp, mut check: impl FnMut(&str, &str, Reply)) {
    app.load_demo();
    for path in VARIED {
        for encoding in ["identity", "gzip", "br"] {
            let reply = app
                .request(
                    "GET",
                    path,
                    &[
                        ("Accept-Encoding", encoding),
                        ("Origin", "https://frontend.example"),
                    ],
                )
                .await;
            check(path, encoding, reply);
        }
    }
}

fn vary_of(reply: &Reply) -> String {
    reply
        .header("vary")
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Every answer varies on Accept-Encoding, however it is encoded and
/// whatever CORS adds.
async fn every_answer_varies_on_accept_encoding_and_origin(app: TestApp) {
    each_encoding(&app, |path, encoding, reply| {
        let vary = vary_of(&reply);
        assert!(
            vary.contains("accept-encoding"),
            "{path} {encoding}: {vary:?}"
        );
        assert!(vary.contains("origin"), "{path} {encoding}: {vary:?}");
    })
    .await;
}

async fn public_reads_vary_on_authorization(app: TestApp) {
    each_encoding(&app, |path, _, reply| {
        if path == "/v1/sections" {
            let vary = vary_of(&reply);
            assert!(vary.contains("authorization"), "{vary:?}");
        }
    })
    .await;
}

async fn compressed_answers_name_their_encoding(app: TestApp) {
    each_encoding(&app, |path, encoding, reply| {
        if path == "/v1/sections" && encoding != "identity" {
            assert_eq!(reply.header("content-encoding").as_deref(), Some(encoding));
        }
    })
    .await;
}

backend_tests!(
    public_answers_carry_validators_and_honour_if_none_match,
    a_content_change_changes_the_validator,
    a_list_lives_no_longer_than_until_the_next_scheduled_story,
    a_story_page_lives_no_longer_than_its_next_link,
    a_due_story_shortens_the_answers_it_will_change,
    a_due_story_leaves_other_answers_their_lifetime,
    a_later_page_keeps_its_lifetime,
    a_tag_only_a_due_story_carries_shortens_the_tag_list,
    every_answer_varies_on_accept_encoding_and_origin,
    public_reads_vary_on_authorization,
    compressed_answers_name_their_encoding,
);
