//! Drafts, scheduled and archived stories appear nowhere public: not in any
//! list, filter, block or link, not in search, feeds or sitemaps, and not
//! by slug or id.

use crate::backend_tests;
use crate::helpers::{from_now, story, TestApp};

const HIDDEN: [&str; 3] = ["a-draft", "a-scheduled", "an-archived"];

fn newsroom(app: &TestApp) {
    app.taxonomy();
    let mut visible_old = story("visible-old", "2024-01-01T00:00:00Z");
    visible_old.tags = vec!["alpha".into()];
    app.insert(visible_old);
    let mut draft = story("a-draft", "2024-01-02T00:00:00Z");
    draft.status = "draft".into();
    let mut scheduled = story("a-scheduled", &from_now(3600));
    scheduled.status = "scheduled".into();
    let mut archived = story("an-archived", "2024-01-03T00:00:00Z");
    archived.status = "archived".into();
    let mut undated_draft = story("undated-draft", "2024-01-02T00:00:00Z");
    undated_draft.status = "draft".into();
    undated_draft.published_at = None;
    for mut s in [draft, scheduled, archived, undated_draft] {
        s.tags = vec!["alpha".into()];
        s.authors = vec!["ann".into()];
        app.insert(s);
    }
    let mut visible_new = story("visible-new", "2024-01-05T00:00:00Z");
    visible_new.tags = vec!["alpha".into()];
    // An editor picked hidden stories; the public never sees them.
    visible_new.also_read = vec!["a-draft".into(), "a-scheduled".into(), "an-archived".into()];
    app.insert(visible_new);
}

async fn hidden_stories_are_404_by_slug_and_id(app: TestApp) {
    newsroom(&app);
    for slug in HIDDEN.iter().chain(["undated-draft"].iter()) {
        app.get(&format!("/v1/articles/{slug}")).await.problem(404);
        let id = app.with_db(|conn| Ok(byline::models::article::id_for(conn, slug)?.unwrap()));
        app.get(&format!("/v1/articles/{id}")).await.problem(404);
    }
}

async fn hidden_stories_are_in_no_list_or_block(app: TestApp) {
    newsroom(&app);
    for path in [
        "/v1/articles?limit=100",
        "/v1/articles?tag=alpha&limit=100",
        "/v1/articles?author=ann&limit=100",
        "/v1/articles?section=news&limit=100",
        "/v1/articles?section=news&tag=alpha&author=ann&limit=100",
        "/v1/articles?published_after=2000-01-01T00:00:00Z&published_before=2200-01-01T00:00:00Z",
        "/v1/latest?limit=50",
        "/v1/sections/news/latest?limit=50",
        "/v1/tags/alpha/latest?limit=50",
        "/v1/authors/ann/latest?limit=50",
        "/v1/articles/visible-new",
        "/v1/articles/visible-old",
        "/v1/search?q=headline&limit=50",
        "/v1/search?q=headline&tag=alpha&author=ann&section=news&limit=50",
        "/v1/feeds/rss",
        "/v1/feeds/atom",
        "/v1/feeds/json?full=true",
        "/v1/sections/news/feeds/rss",
        "/v1/tags/alpha/feeds/atom",
        "/v1/authors/ann/feeds/json",
        "/v1/sitemaps/stories/2024-01/1",
    ] {
        let text = app.get(path).await.text();
        assert!(
            text.contains("visible-"),
            "{path} lists nothing visible: {text}"
        );
        for slug in HIDDEN.iter().chain(["undated-draft"].iter()) {
            assert!(!text.contains(slug), "{path} shows {slug}: {text}");
        }
    }
}

async fn the_sitemap_index_lists_no_month_of_hidden_stories(app: TestApp) {
    newsroom(&app);
    let index = app.get("/sitemap.xml").await.text();
    assert!(index.contains("/v1/sitemaps/stories/2024-01/1"), "{index}");
    // The current month holds only the scheduled story.
    let month = chrono::Utc::now().format("%Y-%m").to_string();
    assert!(!index.contains(&format!("/stories/{month}/")), "{index}");
}

async fn links_skip_hidden_neighbours(app: TestApp) {
    newsroom(&app);
    let old = app.get_ok("/v1/articles/visible-old").await;
    assert_eq!(
        old["next"]["slug"], "visible-new",
        "draft and archived in between are skipped"
    );
    let new = app.get_ok("/v1/articles/visible-new").await;
    assert_eq!(new["previous"]["slug"], "visible-old");
    assert!(new["next"].is_null(), "the scheduled story is not next yet");
    // Hidden picks are dropped; the fallback fills the block instead.
    let also: Vec<&str> = new["also_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(also, ["visible-old"]);
}

async fn a_scheduled_story_appears_when_its_time_comes(app: TestApp) {
    app.taxonomy();
    app.insert(story("before", "2024-01-01T00:00:00Z"));
    let mut due = story("due", &from_now(4));
    due.status = "scheduled".into();
    app.insert(due);
    app.get("/v1/articles/due").await.problem(404);
    assert!(!app.get("/v1/articles").await.text().contains("\"due\""));
    // No job runs: the publish time alone makes it visible.
    let mut waited = 0;
    while app.get("/v1/articles/due").await.status != 200 {
        assert!(waited < 100, "the story did not appear after its time");
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    assert!(app.get("/v1/articles").await.text().contains("\"due\""));
    assert_eq!(
        app.get_ok("/v1/articles/before").await["next"]["slug"],
        "due"
    );
}

backend_tests!(
    the_sitemap_index_lists_no_month_of_hidden_stories,
    hidden_stories_are_404_by_slug_and_id,
    hidden_stories_are_in_no_list_or_block,
    links_skip_hidden_neighbours,
    a_scheduled_story_appears_when_its_time_comes,
);
