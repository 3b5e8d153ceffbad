//! POST and DELETE /v1/articles/{article}/withdrawal: a withdrawn story
//! answers 410 with its public notice by slug and id, leaves every public
//! surface and byline's own cache at once, tells the change feed with a
//! tombstone and its keys, never shows its internal reason, and comes back
//! only when an admin restores it.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{story, TestApp};

const NOTICE: &str = "This story has been withdrawn for legal reasons.";
const REASON: &str = "Injunction 4411: secret-internal-reason";

/// Every public surface a story can appear on.
const SURFACES: [&str; 17] = [
    "/v1/articles?limit=100",
    "/v1/articles?tag=alpha&limit=100",
    "/v1/articles?section=news&author=ann&limit=100",
    "/v1/latest?limit=50",
    "/v1/sections/news/latest?limit=50",
    "/v1/tags/alpha/latest?limit=50",
    "/v1/authors/ann/latest?limit=50",
    "/v1/articles/visible-old",
    "/v1/articles/visible-new",
    "/v1/search?q=headline&limit=50",
    "/v1/feeds/rss",
    "/v1/feeds/atom",
    "/v1/feeds/json?full=true",
    "/v1/sections/news/feeds/rss",
    "/v1/tags/alpha/feeds/atom",
    "/v1/authors/ann/feeds/json",
    "/v1/sitemaps/stories/2024-01/1",
];

fn newsroom(app: &TestApp) {
    app.taxonomy();
    for (slug, at) in [
        ("visible-old", "2024-01-01T00:00:00Z"),
        ("doomed-story", "2024-01-02T00:00:00Z"),
    ] {
        let mut s = story(slug, at);
        s.tags = vec!["alpha".into()];
        app.insert(s);
    }
    let mut new = story("visible-new", "2024-01-03T00:00:00Z");
    new.tags = vec!["alpha".into()];
    new.also_read = vec!["doomed-story".into()];
    app.insert(new);
}

async fn withdraw(app: &TestApp, token: &str, slug: &str, body: Value) -> crate::helpers::Reply {
    app.json(
        "POST",
        &format!("/v1/articles/{slug}/withdrawal"),
        Some(token),
        &body,
    )
    .await
}

async fn a_withdrawn_story_is_gone_from_every_surface_at_once(app: TestApp) {
    newsroom(&app);
    let id = app.with_db(|c| Ok(byline::models::article::id_for(c, "doomed-story")?.unwrap()));
    // Every surface shows it first, and byline's cache keeps those answers.
    assert_eq!(
        app.get_ok("/v1/articles/visible-old").await["next"]["slug"],
        "doomed-story"
    );
    assert_eq!(
        app.get_ok("/v1/articles/visible-new").await["also_read"][0]["slug"],
        "doomed-story"
    );
    for path in SURFACES {
        let text = app.get(path).await.text();
        assert!(
            text.contains("doomed-story"),
            "{path} does not show it first: {text}"
        );
    }
    app.get_ok("/v1/articles/doomed-story").await;
    let before_events = app.get_ok("/v1/events?limit=100").await;
    let last = before_events["data"]
        .as_array()
        .unwrap()
        .last()
        .map(|e| e["seq"].clone());

    let editor = app.token("editor").await;
    let reply = withdraw(
        &app,
        &editor,
        "doomed-story",
        json!({"notice": NOTICE, "reason": REASON}),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let view = reply.json();
    assert_eq!(view["status"], "withdrawn");
    assert_eq!(view["withdrawal"]["notice"], NOTICE);
    assert_eq!(
        view["withdrawal"]["reason"], REASON,
        "the newsroom sees its reason"
    );

    for key in ["doomed-story", id.as_str()] {
        for path in [
            format!("/v1/articles/{key}"),
            format!("/v1/articles/{key}/json-ld"),
        ] {
            let gone = app.get(&path).await;
            let problem = gone.problem(410);
            assert_eq!(problem["detail"], NOTICE, "{path}");
            assert!(!gone.text().contains("secret-internal-reason"), "{path}");
        }
    }
    for path in SURFACES {
        let text = app.get(path).await.text();
        assert!(
            !text.contains("doomed-story"),
            "{path} still shows it: {text}"
        );
        assert!(!text.contains("Headline of doomed-story"), "{path}");
    }
    assert_eq!(
        app.get_ok("/v1/articles/visible-old").await["next"]["slug"],
        "visible-new"
    );

    // The change feed: one public tombstone with the keys to purge, and no
    // reason anywhere.
    let after = match &last {
        Some(seq) => format!("/v1/events?after={seq}&limit=100"),
        None => "/v1/events?limit=100".to_string(),
    };
    let feed = app.get(&after).await;
    assert!(!feed.text().contains("secret-internal-reason"));
    let events = feed.json();
    let withdrawn: Vec<&Value> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["slug"] == "doomed-story")
        .collect();
    assert_eq!(withdrawn.len(), 1, "{events}");
    assert_eq!(withdrawn[0]["type"], "article.withdrawn");
    assert_eq!(
        withdrawn[0]["data"],
        json!({"id": id, "slug": "doomed-story"})
    );
    let keys: Vec<&str> = withdrawn[0]["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    for expected in [
        format!("article:{id}"),
        "section:news".into(),
        "tag:alpha".into(),
        "author:ann".into(),
    ] {
        assert!(
            keys.contains(&expected.as_str()),
            "{expected} missing from {keys:?}"
        );
    }
    // The newsroom's feed and revisions say who withdrew it.
    let newsroom = app.authed("GET", &after, &editor).await.json();
    assert!(newsroom["data"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["type"] == "article.withdrawn"));
    let revisions = app
        .authed("GET", "/v1/articles/doomed-story/revisions", &editor)
        .await
        .json();
    assert_eq!(revisions["data"][0]["changes"]["status"]["to"], "withdrawn");
}

async fn withdrawal_is_for_editors_and_restoring_for_admins(app: TestApp) {
    newsroom(&app);
    let author = app.token("author").await;
    let editor = app.token("editor").await;
    let admin = app.token("admin").await;
    let body = json!({"notice": NOTICE, "reason": REASON});
    withdraw(&app, &author, "doomed-story", body.clone())
        .await
        .problem(403);
    app.json(
        "DELETE",
        "/v1/articles/doomed-story/withdrawal",
        Some(&admin),
        &json!({}),
    )
    .await
    .problem(409);
    let done = withdraw(&app, &editor, "doomed-story", body.clone()).await;
    assert_eq!(done.status, 200, "{}", done.text());
    let problem = withdraw(&app, &editor, "doomed-story", body.clone())
        .await
        .problem(409);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("already withdrawn"));
    // A status change must wait for the restore; a text fix need not.
    let patched = app
        .json(
            "PATCH",
            "/v1/articles/doomed-story",
            Some(&editor),
            &json!({"status": "published"}),
        )
        .await;
    patched.problem(409);
    let fixed = app
        .json(
            "PATCH",
            "/v1/articles/doomed-story",
            Some(&editor),
            &json!({"standfirst": "Amended"}),
        )
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text());
    assert_eq!(fixed.json()["status"], "withdrawn");
    app.get("/v1/articles/doomed-story").await.problem(410);

    app.authed("DELETE", "/v1/articles/doomed-story/withdrawal", &editor)
        .await
        .problem(403);
    let restored = app
        .authed("DELETE", "/v1/articles/doomed-story/withdrawal", &admin)
        .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    assert_eq!(restored.json()["status"], "published");
    assert!(restored.json()["withdrawal"].is_null());
    let back = app.get_ok("/v1/articles/doomed-story").await;
    assert_eq!(back["standfirst"], "Amended");
    assert!(app
        .get("/v1/feeds/atom")
        .await
        .text()
        .contains("doomed-story"));
    app.authed("DELETE", "/v1/articles/doomed-story/withdrawal", &admin)
        .await
        .problem(409);
}

async fn only_public_stories_can_be_withdrawn_and_bad_bodies_are_422(app: TestApp) {
    newsroom(&app);
    let editor = app.token("editor").await;
    let mut draft = story("just-a-draft", "2024-01-05T00:00:00Z");
    draft.status = "draft".into();
    app.insert(draft);
    let body = json!({"notice": NOTICE, "reason": REASON});
    let problem = withdraw(&app, &editor, "just-a-draft", body.clone())
        .await
        .problem(409);
    assert!(problem["detail"].as_str().unwrap().contains("draft"));
    withdraw(&app, &editor, "no-such-story", body)
        .await
        .problem(404);
    let problem = withdraw(
        &app,
        &editor,
        "visible-old",
        json!({"notice": " ", "reason": ""}),
    )
    .await
    .problem(422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["notice", "reason"]);
    withdraw(
        &app,
        &editor,
        "visible-old",
        json!({"notice": "x".repeat(501), "reason": "r"}),
    )
    .await
    .problem(422);
    withdraw(
        &app,
        &editor,
        "visible-old",
        json!({"notice": "n", "reason": "r", "extra": 1}),
    )
    .await
    .problem(422);
    // A stale If-Match loses nothing: 412 and the story stands.
    let stale = app
        .json_with(
            "POST",
            "/v1/articles/visible-old/withdrawal",
            Some(&editor),
            &json!({"notice": NOTICE, "reason": REASON}),
            &[("if-match", "\"v99\"")],
        )
        .await;
    stale.problem(412);
    app.get_ok("/v1/articles/visible-old").await;
}

async fn a_story_killed_before_release_stays_unknown_and_its_record_is_kept(app: TestApp) {
    newsroom(&app);
    let editor = app.token("editor").await;
    let admin = app.token("admin").await;
    let mut body = crate::helpers::story_json("Not yet out");
    body["status"] = json!("scheduled");
    body["published_at"] = json!(crate::helpers::from_now(3600));
    let scheduled = app
        .json("POST", "/v1/articles", Some(&editor), &body)
        .await
        .json();
    let slug = scheduled["slug"].as_str().unwrap().to_string();
    let done = withdraw(
        &app,
        &editor,
        &slug,
        json!({"notice": NOTICE, "reason": REASON}),
    )
    .await;
    assert_eq!(done.status, 200, "{}", done.text());
    // The public never saw it: a plain 404, no notice, nothing to confirm.
    let missing = app.get(&format!("/v1/articles/{slug}")).await;
    missing.problem(404);
    assert!(!missing.text().contains(NOTICE));

    // Its address stays taken and its record stays put: no slug change, and
    // deleting it is an admin's call.
    app.json(
        "PATCH",
        &format!("/v1/articles/{slug}"),
        Some(&editor),
        &json!({"slug": "fresh-slug"}),
    )
    .await
    .problem(409);
    app.authed("DELETE", &format!("/v1/articles/{slug}"), &editor)
        .await
        .problem(403);
    let author = app.token("author").await;
    app.json(
        "PATCH",
        &format!("/v1/articles/{slug}"),
        Some(&author),
        &json!({"headline": "Mine now"}),
    )
    .await
    .problem(403);
    // Restoring keeps the withdrawal's record in the revisions.
    let restored = app
        .authed("DELETE", &format!("/v1/articles/{slug}/withdrawal"), &admin)
        .await;
    assert_eq!(restored.status, 200, "{}", restored.text());
    assert_eq!(restored.json()["status"], "scheduled");
    let revisions = app
        .authed("GET", &format!("/v1/articles/{slug}/revisions"), &editor)
        .await
        .json();
    assert_eq!(
        revisions["data"][0]["changes"]["withdrawal"]["from"]["reason"],
        REASON
    );
    assert_eq!(
        revisions["data"][0]["changes"]["withdrawal"]["to"],
        Value::Null
    );
}

backend_tests!(
    a_story_killed_before_release_stays_unknown_and_its_record_is_kept,
    a_withdrawn_story_is_gone_from_every_surface_at_once,
    withdrawal_is_for_editors_and_restoring_for_admins,
    only_public_stories_can_be_withdrawn_and_bad_bodies_are_422,
);
