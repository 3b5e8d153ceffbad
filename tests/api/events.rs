//! /v1/events: the change feed. One event per write in the write's own
//! transaction, as each caller may see it; keyset paging and long polling;
//! tombstones; retention; scheduled stories announced exactly once; and
//! the surrogate keys that let a cache drop exactly what changed.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{from_now, story, story_json, TestApp};

/// The feed after `after`, as the public (no token) or with one.
async fn feed(app: &TestApp, query: &str, token: Option<&str>) -> Value {
    let path = format!("/v1/events?{query}");
    let reply = match token {
        Some(t) => app.authed("GET", &path, t).await,
        None => app.get(&path).await,
    };
    assert_eq!(reply.status, 200, "GET {path}: {}", reply.text());
    assert_eq!(
        reply.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    reply.json()
}

fn types(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

fn cursor(page: &Value) -> i64 {
    page["next_cursor"]
        .as_i64()
        .expect("next_cursor is always a number")
}

/// The latest cursor, read as an editor (who sees every event).
async fn latest(app: &TestApp, editor: &str) -> i64 {
    let mut after = 0;
    loop {
        let page = feed(app, &format!("after={after}&limit=1000"), Some(editor)).await;
        if page["data"].as_array().unwrap().is_empty() {
            return after;
        }
        after = cursor(&page);
    }
}

async fn create(app: &TestApp, token: &str, body: &Value) -> Value {
    let reply = app.json("POST", "/v1/articles", Some(token), body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn patch(app: &TestApp, token: &str, slug: &str, body: &Value) -> Value {
    let path = format!("/v1/articles/{slug}");
    let reply = app.json("PATCH", &path, Some(token), body).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

async fn a_write_appends_its_event_and_a_failed_one_none(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let start = latest(&app, &editor).await;
    let draft = create(&app, &editor, &story_json("Budget talks resume")).await;
    let page = feed(&app, &format!("after={start}"), Some(&editor)).await;
    assert_eq!(types(&page), ["article.created"]);
    let event = &page["data"][0];
    assert_eq!(event["resource"]["kind"], "article");
    assert_eq!(event["resource"]["id"], draft["id"]);
    assert_eq!(event["resource"]["slug"], "budget-talks-resume");
    assert_eq!(event["data"]["status"], "draft");
    assert_eq!(event["id"], format!("evt_{}", event["seq"]));
    let after_create = cursor(&page);

    // A write that fails (a taken slug) leaves no event behind.
    let mut clash = story_json("Another story");
    clash["slug"] = json!("budget-talks-resume");
    let refused = app
        .json("POST", "/v1/articles", Some(&editor), &clash)
        .await;
    assert_eq!(refused.status, 409);
    assert_eq!(latest(&app, &editor).await, after_create);

    // Nor does a write that changes nothing.
    patch(
        &app,
        &editor,
        "budget-talks-resume",
        &json!({"headline": "Budget talks resume"}),
    )
    .await;
    assert_eq!(latest(&app, &editor).await, after_create);

    patch(
        &app,
        &editor,
        "budget-talks-resume",
        &json!({"status": "published"}),
    )
    .await;
    // The background's look for due stories (every second in tests) finds
    // this one told already: one article.published, not two.
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    let page = feed(&app, &format!("after={after_create}"), Some(&editor)).await;
    assert_eq!(types(&page), ["article.published"]);
}

async fn the_public_sees_published_stories_and_tombstones_only(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let start = latest(&app, &editor).await;
    create(&app, &editor, &story_json("Quiet draft")).await;
    let mut public = story_json("Harbour reopens");
    public["status"] = json!("published");
    let published = create(&app, &editor, &public).await;
    patch(
        &app,
        &editor,
        "harbour-reopens",
        &json!({"standfirst": "Ships return"}),
    )
    .await;
    patch(
        &app,
        &editor,
        "harbour-reopens",
        &json!({"status": "draft"}),
    )
    .await;
    let deleted = app
        .authed("DELETE", "/v1/articles/quiet-draft", &editor)
        .await;
    assert_eq!(deleted.status, 204);

    let page = feed(&app, &format!("after={start}"), None).await;
    let events = page["data"].as_array().unwrap();
    assert_eq!(
        types(&page),
        [
            "article.published",
            "article.updated",
            "article.unpublished"
        ],
        "the draft's life is invisible: {page}"
    );
    // Earlier versions are not kept for the public: each event a later
    // one superseded names the story and that event only.
    assert_eq!(
        events[0]["data"],
        json!({"id": published["id"], "slug": "harbour-reopens", "superseded_by": events[1]["seq"]})
    );
    assert_eq!(events[1]["data"]["superseded_by"], events[2]["seq"]);
    assert!(
        !page.to_string().contains("Ships return"),
        "a pulled story's text is gone"
    );
    // The tombstone says which story, and nothing else: not why, not its
    // status, not its text.
    assert_eq!(
        events[2]["data"],
        json!({"id": published["id"], "slug": "harbour-reopens"})
    );
    let text = page.to_string();
    assert!(
        !text.contains("Quiet draft") && !text.contains("quiet-draft"),
        "{text}"
    );

    // The newsroom sees every step, with its own names for them.
    let newsroom = feed(&app, &format!("after={start}"), Some(&editor)).await;
    assert_eq!(
        types(&newsroom),
        [
            "article.created",
            "article.published",
            "article.updated",
            "article.unpublished",
            "article.deleted"
        ]
    );
}

async fn a_tombstone_names_nothing_the_public_cannot_see(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut body = story_json("Minister stays");
    body["status"] = json!("published");
    create(&app, &editor, &body).await;
    let start = latest(&app, &editor).await;
    // Pulled back to a later time, renamed, and tagged with a topic nobody
    // may know of yet.
    patch(
        &app,
        &editor,
        "minister-stays",
        &json!({"published_at": from_now(3600), "slug": "minister-resigns", "tags": ["Secret Resignation"]}),
    )
    .await;
    // Edits while it is hidden tell the public nothing more.
    patch(
        &app,
        &editor,
        "minister-resigns",
        &json!({"standfirst": "Draft text"}),
    )
    .await;
    patch(
        &app,
        &editor,
        "minister-resigns",
        &json!({"headline": "Minister resigns"}),
    )
    .await;
    let page = feed(&app, &format!("after={start}"), None).await;
    assert_eq!(types(&page), ["article.unpublished"]);
    let text = page.to_string();
    assert!(!text.contains("secret-resignation"), "{text}");
    assert!(
        !text.contains("Draft text") && !text.contains("Minister resigns"),
        "{text}"
    );
    assert!(!text.contains("minister-resigns"), "{text}");
    assert_eq!(page["data"][0]["resource"]["slug"], "minister-stays");
    // The newsroom's own view names everything the change touched.
    let newsroom = feed(&app, &format!("after={start}"), Some(&editor)).await;
    assert!(newsroom.to_string().contains("tag:secret-resignation"));
}

async fn below_the_editor_role_the_feed_shows_ones_own_stories(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let contributor = app.token("contributor").await;
    let start = latest(&app, &editor).await;
    let mine = crate::helpers::unsigned_story_json("My own draft");
    create(&app, &contributor, &mine).await;
    create(&app, &editor, &story_json("The desk's draft")).await;
    let page = feed(&app, &format!("after={start}"), Some(&contributor)).await;
    let slugs: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["my-own-draft"]);
    assert_eq!(
        cursor(&page),
        start + 2,
        "the cursor moves past what is hidden"
    );
}

async fn pages_follow_the_cursor_with_nothing_missed_or_repeated(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let start = latest(&app, &editor).await;
    for n in 0..7 {
        let mut body = story_json(&format!("Wire item {n}"));
        body["status"] = json!("published");
        create(&app, &editor, &body).await;
    }
    let everything = feed(&app, &format!("after={start}&limit=100"), None).await;
    let all: Vec<i64> = everything["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_i64().unwrap())
        .collect();
    assert_eq!(all.len(), 7);
    let mut paged = Vec::new();
    let mut after = start;
    loop {
        let page = feed(&app, &format!("after={after}&limit=3"), None).await;
        let seqs: Vec<i64> = page["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["seq"].as_i64().unwrap())
            .collect();
        if seqs.is_empty() {
            assert_eq!(cursor(&page), after, "an empty page keeps the cursor");
            break;
        }
        assert!(seqs.len() <= 3);
        paged.extend(seqs);
        after = cursor(&page);
    }
    assert_eq!(paged, all);
    assert!(
        all.windows(2).all(|w| w[0] < w[1]),
        "in commit order: {all:?}"
    );
    let filtered = feed(
        &app,
        &format!("after={start}&types=article.unpublished"),
        None,
    )
    .await;
    assert!(filtered["data"].as_array().unwrap().is_empty());
}

async fn a_long_poll_answers_when_the_next_event_arrives(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let start = latest(&app, &editor).await;
    let waiting = async {
        let began = Instant::now();
        let page = feed(&app, &format!("after={start}&wait=20"), None).await;
        (page, began.elapsed())
    };
    let writing = async {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        let mut body = story_json("Breaking while you wait");
        body["status"] = json!("published");
        create(&app, &editor, &body).await;
    };
    let ((page, waited), ()) = futures_util::future::join(waiting, writing).await;
    assert_eq!(types(&page), ["article.published"]);
    assert!(
        waited < Duration::from_secs(20),
        "answered on the event, not the timeout"
    );
    // With nothing new, a short wait answers an empty page at its end.
    let idle = feed(&app, &format!("after={}&wait=1", cursor(&page)), None).await;
    assert!(idle["data"].as_array().unwrap().is_empty());
    assert_eq!(cursor(&idle), cursor(&page));
}

async fn bad_cursors_types_and_waits_are_400(app: TestApp) {
    for query in [
        "after=abc",
        "after=-1",
        "types=article.exploded",
        "types=",
        "wait=31",
        "wait=soon",
        "limit=0",
    ] {
        let reply = app.get(&format!("/v1/events?{query}")).await;
        let problem = reply.problem(400);
        assert!(
            problem["errors"][0]["field"].is_string(),
            "{query}: {problem}"
        );
    }
}

async fn a_cursor_past_the_end_of_the_log_is_404(app: TestApp) {
    let editor = app.token("editor").await;
    let end = latest(&app, &editor).await;
    let problem = app
        .get(&format!("/v1/events?after={}", end + 5))
        .await
        .problem(404);
    assert!(problem["detail"].as_str().unwrap().contains("resync"));
}

async fn a_cursor_older_than_the_retention_window_is_410(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    for headline in ["Old news", "Older news"] {
        let mut body = story_json(headline);
        body["status"] = json!("published");
        create(&app, &editor, &body).await;
    }
    let kept = latest(&app, &editor).await;
    // Upkeep forgets events past the window; here, everything so far.
    app.with_db(|conn| {
        Ok(byline::events::forget_before(
            conn,
            byline::models::now() + chrono::Duration::seconds(1),
        )?)
    });
    let gone = app
        .get(&format!("/v1/events?after={}", kept - 1))
        .await
        .problem(410);
    assert!(gone["detail"].as_str().unwrap().contains("resync"));
    // 0 means the oldest event kept.
    let fresh = feed(&app, "after=0", None).await;
    assert_eq!(cursor(&fresh), kept);
    // The newest cursor still reads on.
    let page = feed(&app, &format!("after={kept}"), None).await;
    assert!(page["data"].as_array().unwrap().is_empty());
}

/// Waits until the feed (as `token` sees it) holds an event of `kind` for
/// `slug`, then a little longer; answers how many there are.
async fn announced(app: &TestApp, token: &str, kind: &str, slug: &str) -> usize {
    let count = |page: &Value| {
        page["data"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["type"] == kind && e["resource"]["slug"] == slug)
            .count()
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while Instant::now() < deadline {
        if count(&feed(app, "after=0&limit=1000", Some(token)).await) > 0 {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    }
    // Both replicas look at least once more.
    actix_web::rt::time::sleep(Duration::from_millis(2500)).await;
    count(&feed(app, "after=0&limit=1000", Some(token)).await)
}

async fn a_scheduled_story_is_announced_once_across_replicas(app: TestApp) {
    app.taxonomy();
    let replica = app.replica(|_| {});
    let editor = app.token("editor").await;
    let mut body = story_json("Embargo lifts");
    body["status"] = json!("published");
    body["published_at"] = json!(from_now(2));
    create(&app, &editor, &body).await;
    let page = feed(&app, "after=0&limit=1000", Some(&editor)).await;
    assert!(types(&page).contains(&"article.scheduled".to_string()));
    assert!(
        feed(&app, "after=0", None).await["data"]
            .as_array()
            .unwrap()
            .is_empty(),
        "the public hears nothing before its time"
    );
    assert_eq!(
        announced(&app, &editor, "article.published", "embargo-lifts").await,
        1
    );
    let public = feed(&replica, "after=0", None).await;
    assert_eq!(types(&public), ["article.published"]);
    assert_eq!(public["data"][0]["data"]["headline"], "Embargo lifts");
    assert!(public["data"][0]["keys"]
        .as_array()
        .unwrap()
        .contains(&json!("section:news")));
}

async fn a_story_that_came_due_while_no_replica_ran_is_announced_at_start(app: TestApp) {
    app.taxonomy();
    // Stored as scheduled, then its time passed with nobody there to see
    // it (the row is moved back directly, as the clock would have).
    app.insert(story("missed-moment", &from_now(3600)));
    app.with_db(|conn| {
        use byline::schema::articles::dsl::*;
        use diesel::prelude::*;
        let due = byline::models::now() - chrono::Duration::minutes(5);
        diesel::update(articles.filter(slug.eq("missed-moment")))
            .set(published_at.eq(due))
            .execute(conn)?;
        Ok(())
    });
    let editor = app.token("editor").await;
    assert_eq!(
        announced(&app, &editor, "article.published", "missed-moment").await,
        1
    );
}

async fn answers_name_their_surrogate_keys(app: TestApp) {
    app.taxonomy();
    app.insert(story("keyed-story", "2026-01-02T10:00:00Z"));
    let reply = app.get("/v1/articles/keyed-story").await;
    let id = reply.json()["id"].as_str().unwrap().to_string();
    let keys = reply.header("surrogate-key").expect("Surrogate-Key");
    let keys: Vec<&str> = keys.split(' ').collect();
    for key in [
        format!("article:{id}"),
        "section:news".into(),
        "author:ann".into(),
    ] {
        assert!(keys.contains(&key.as_str()), "{key} in {keys:?}");
    }
    let tags = reply.header("cache-tag").expect("Cache-Tag");
    assert_eq!(tags.split(',').collect::<Vec<_>>(), keys);
    let list = app.get("/v1/articles").await;
    assert!(list
        .header("surrogate-key")
        .unwrap()
        .contains("list:articles"));
    let block = app.get("/v1/sections/news/latest").await;
    let block_keys = block.header("surrogate-key").unwrap();
    assert!(block_keys.contains("section:news") && block_keys.contains("latest"));
}

async fn an_edit_names_its_story_and_a_move_names_its_lists(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut body = story_json("Keys story");
    body["status"] = json!("published");
    let created = create(&app, &editor, &body).await;
    let id = created["id"].as_str().unwrap();
    let start = latest(&app, &editor).await;
    patch(
        &app,
        &editor,
        "keys-story",
        &json!({"standfirst": "Only the text"}),
    )
    .await;
    patch(&app, &editor, "keys-story", &json!({"section": "world"})).await;
    let page = feed(&app, &format!("after={start}"), None).await;
    // A text edit names the story, and the search answers and sitemaps
    // that any public story's text can change; no list.
    assert_eq!(
        page["data"][0]["keys"],
        json!([format!("article:{id}"), "search", "sitemaps"])
    );
    let moved: Vec<&str> = page["data"][1]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for key in [
        "list:articles",
        "section:news",
        "section:world",
        "tag:alpha",
    ] {
        assert!(moved.contains(&key), "{key} in {moved:?}");
    }
}

/// Reads `path` until it is a cache hit (it carries `Age`).
async fn cached(app: &TestApp, path: &str) -> Value {
    let first = app.get(path).await;
    assert_eq!(first.status, 200);
    let again = app.get(path).await;
    assert!(again.header("age").is_some(), "{path} is cached");
    again.json()
}

async fn a_write_to_one_story_leaves_anothers_page_cached(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut a = story_json("Story A");
    a["status"] = json!("published");
    create(&app, &editor, &a).await;
    let mut b = story_json("Story B");
    b["status"] = json!("published");
    b["section"] = json!("world");
    b["tags"] = json!([]);
    create(&app, &editor, &b).await;
    let replica = app.replica(|_| {});
    for server in [&app, &replica] {
        cached(server, "/v1/articles/story-a").await;
        cached(server, "/v1/articles/story-b").await;
    }
    patch(&app, &editor, "story-a", &json!({"standfirst": "Changed"})).await;
    for server in [&app, &replica] {
        let b = server.get("/v1/articles/story-b").await;
        assert!(b.header("age").is_some(), "story B stays cached");
        let a = server.get("/v1/articles/story-a").await;
        assert_eq!(a.header("age"), None, "story A is computed afresh");
        assert_eq!(a.json()["standfirst"], "Changed");
    }
}

async fn publishing_a_picked_draft_refreshes_the_page_that_picks_it(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut a = story_json("Picker");
    a["status"] = json!("published");
    create(&app, &editor, &a).await;
    let mut b = story_json("Picked later");
    b["section"] = json!("world");
    b["tags"] = json!([]);
    create(&app, &editor, &b).await;
    patch(
        &app,
        &editor,
        "picker",
        &json!({"also_read": ["picked-later"]}),
    )
    .await;
    let before = cached(&app, "/v1/articles/picker").await;
    assert!(
        !before.to_string().contains("picked-later"),
        "a draft is never shown"
    );
    patch(
        &app,
        &editor,
        "picked-later",
        &json!({"status": "published"}),
    )
    .await;
    let after = app.get("/v1/articles/picker").await;
    assert_eq!(
        after.header("age"),
        None,
        "the picker's page is computed afresh"
    );
    assert_eq!(after.json()["also_read"][0]["slug"], "picked-later");
}

async fn section_changes_are_events_too(app: TestApp) {
    let editor = app.token("editor").await;
    let start = latest(&app, &editor).await;
    let made = app
        .json(
            "POST",
            "/v1/sections",
            Some(&editor),
            &json!({"name": "Science"}),
        )
        .await;
    assert_eq!(made.status, 201);
    let renamed = app
        .json(
            "PATCH",
            "/v1/sections/science",
            Some(&editor),
            &json!({"name": "Science & Tech"}),
        )
        .await;
    assert_eq!(renamed.status, 200);
    let page = feed(&app, &format!("after={start}"), None).await;
    assert_eq!(types(&page), ["section.created", "section.updated"]);
    assert_eq!(page["data"][1]["data"]["name"], "Science & Tech");
    assert!(page["data"][1]["keys"]
        .as_array()
        .unwrap()
        .contains(&json!("section:science")));
}

/// On PostgreSQL a replica hears of another's write through NOTIFY, long
/// before its timed look: here the look is a minute away, and the write
/// still reaches the replica's cache and its waiting change-feed requests.
#[actix_web::test]
async fn postgres_notify_reaches_a_replica_before_its_timed_look() {
    let Some(app) = TestApp::spawn(crate::helpers::Backend::Postgres).await else {
        return crate::helpers::no_postgres();
    };
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut body = story_json("Heard at once");
    body["status"] = json!("published");
    create(&app, &editor, &body).await;
    let replica = app.replica(|c| c.cache_sync = Duration::from_secs(60));
    // The replica's thread looks once at start (and forgets whatever was
    // cached before that look): ask until its page is a hit.
    let deadline = Instant::now() + Duration::from_secs(20);
    while replica
        .get("/v1/articles/heard-at-once")
        .await
        .header("age")
        .is_none()
    {
        assert!(
            Instant::now() < deadline,
            "the replica never cached the page"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
    let start = latest(&app, &editor).await;
    let waiting = async {
        let began = Instant::now();
        let page = feed(&replica, &format!("after={start}&wait=30"), None).await;
        (page, began.elapsed())
    };
    let writing = async {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        patch(
            &app,
            &editor,
            "heard-at-once",
            &json!({"standfirst": "Heard"}),
        )
        .await;
    };
    let ((page, waited), ()) = futures_util::future::join(waiting, writing).await;
    assert_eq!(types(&page), ["article.updated"]);
    assert!(
        waited < Duration::from_secs(25),
        "woken by the event, not its timeout"
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let reply = replica.get("/v1/articles/heard-at-once").await;
        if reply.json()["standfirst"] == "Heard" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the replica's cache never heard of the write"
        );
        actix_web::rt::time::sleep(Duration::from_millis(100)).await;
    }
}

backend_tests!(
    a_write_appends_its_event_and_a_failed_one_none,
    the_public_sees_published_stories_and_tombstones_only,
    a_tombstone_names_nothing_the_public_cannot_see,
    below_the_editor_role_the_feed_shows_ones_own_stories,
    pages_follow_the_cursor_with_nothing_missed_or_repeated,
    a_long_poll_answers_when_the_next_event_arrives,
    bad_cursors_types_and_waits_are_400,
    a_cursor_older_than_the_retention_window_is_410,
    a_cursor_past_the_end_of_the_log_is_404,
    a_scheduled_story_is_announced_once_across_replicas,
    a_story_that_came_due_while_no_replica_ran_is_announced_at_start,
    answers_name_their_surrogate_keys,
    an_edit_names_its_story_and_a_move_names_its_lists,
    a_write_to_one_story_leaves_anothers_page_cached,
    section_changes_are_events_too,
    publishing_a_picked_draft_refreshes_the_page_that_picks_it,
);
