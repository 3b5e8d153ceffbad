//! GET /v1/articles/{article}: one public story, with the blocks around it.

use crate::backend_tests;
use crate::helpers::{story, TestApp};

async fn unknown_story_is_404(app: TestApp) {
    app.taxonomy();
    let problem = app.get("/v1/articles/no-such-story").await.problem(404);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("no-such-story"));
    app.get("/v1/articles/00000000-0000-0000-0000-000000000000")
        .await
        .problem(404);
    app.get("/v1/articles/%27%20OR%201=1--").await.problem(404);
}

/// `main` (news, tagged beta), an older story in its section, one tagged
/// beta elsewhere and an unrelated one.
fn related_stories(app: &TestApp) {
    app.taxonomy();
    let mut old = story("old-same-section", "2024-01-01T00:00:00Z");
    old.tags = vec![];
    app.insert(old);
    let mut tagged = story("tagged-elsewhere", "2024-01-02T00:00:00Z");
    tagged.section = Some("world".into());
    tagged.tags = vec!["beta".into()];
    app.insert(tagged);
    let mut unrelated = story("unrelated", "2024-01-05T00:00:00Z");
    unrelated.section = Some("world".into());
    app.insert(unrelated);
    let mut main = story("main", "2024-01-03T00:00:00Z");
    main.tags = vec!["beta".into()];
    app.insert(main);
}

fn also_read(story: &serde_json::Value) -> Vec<&str> {
    story["also_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect()
}

async fn also_read_takes_tags_first_then_the_section(app: TestApp) {
    related_stories(&app);
    let derived = app.get_ok("/v1/articles/main").await;
    assert_eq!(
        also_read(&derived),
        ["tagged-elsewhere", "old-same-section"],
        "tags first, then section; never itself"
    );
}

async fn also_read_keeps_editors_picks_in_their_order(app: TestApp) {
    related_stories(&app);
    let mut picked = story("picked", "2024-01-04T00:00:00Z");
    picked.also_read = vec!["unrelated".into(), "old-same-section".into()];
    app.insert(picked);
    let picks = app.get_ok("/v1/articles/picked").await;
    assert_eq!(
        also_read(&picks),
        ["unrelated", "old-same-section"],
        "editors' picks in their order"
    );
}

async fn previous_and_next_stay_in_the_section(app: TestApp) {
    app.taxonomy();
    app.insert(story("n1", "2024-01-01T00:00:00Z"));
    let mut w = story("w1", "2024-01-02T00:00:00Z");
    w.section = Some("world".into());
    app.insert(w);
    app.insert(story("n2", "2024-01-03T00:00:00Z"));
    app.insert(story("n3", "2024-01-04T00:00:00Z"));
    let middle = app.get_ok("/v1/articles/n2").await;
    assert_eq!(middle["previous"]["slug"], "n1");
    assert_eq!(middle["next"]["slug"], "n3");
    let first = app.get_ok("/v1/articles/n1").await;
    assert!(first["previous"].is_null());
    assert_eq!(first["next"]["slug"], "n2");
    let last = app.get_ok("/v1/articles/n3").await;
    assert!(last["next"].is_null());
    let world = app.get_ok("/v1/articles/w1").await;
    assert!(world["previous"].is_null() && world["next"].is_null());
}

backend_tests!(
    unknown_story_is_404,
    also_read_takes_tags_first_then_the_section,
    also_read_keeps_editors_picks_in_their_order,
    previous_and_next_stay_in_the_section,
);
