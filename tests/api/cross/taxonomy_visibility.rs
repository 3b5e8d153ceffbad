//! What makes a tag or section public: a public story carrying it, or an
//! editor making it on purpose; never a draft naming it, nor a writer below
//! the editor role publishing what an editor holds back. Links ("also
//! read", exclude) resolve only what the caller may see.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{from_now, slugs, TestApp};

const SECRET: &str = "Minister Resigns Tomorrow";

async fn assert_private(app: &TestApp, slug: &str) {
    let list = app.get_ok("/v1/tags?limit=100").await;
    assert!(!slugs(&list).contains(&slug.to_string()), "{list}");
    app.get(&format!("/v1/tags/{slug}")).await.problem(404);
    app.get(&format!("/v1/tags/{slug}/latest"))
        .await
        .problem(404);
    app.get(&format!("/v1/articles?tag={slug}"))
        .await
        .problem(404);
}

/// A contributor's draft names two new tags (a secret and a script);
/// answers the contributor's token, the draft's slug and the tags' slugs.
async fn draft_naming_tags(app: &TestApp) -> (String, String, Vec<String>) {
    app.taxonomy();
    let contributor = app.token("contributor").await;
    let script = "<img src=x onerror=alert(1)>";
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &json!({"headline": "Draft", "body": "<p>x</p>", "tags": [SECRET, script]}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let tag_slugs: Vec<String> = created.json()["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(tag_slugs.len(), 2);
    let draft_slug = created.json()["slug"].as_str().unwrap().to_string();
    (contributor, draft_slug, tag_slugs)
}

/// The draft is deleted again.
async fn delete_draft(app: &TestApp, contributor: &str, draft_slug: &str) {
    let deleted = app
        .authed("DELETE", &format!("/v1/articles/{draft_slug}"), contributor)
        .await;
    assert_eq!(deleted.status, 204);
}

/// Naming tags in a draft does not publish them: they are nowhere public.
async fn tags_named_only_by_a_draft_stay_private(app: TestApp) {
    let (_, _, tag_slugs) = draft_naming_tags(&app).await;
    for slug in &tag_slugs {
        assert_private(&app, slug).await;
    }
}

/// A deleted draft leaves nothing public behind.
async fn a_deleted_draft_leaves_its_tags_private(app: TestApp) {
    let (contributor, draft_slug, tag_slugs) = draft_naming_tags(&app).await;
    delete_draft(&app, &contributor, &draft_slug).await;
    for slug in &tag_slugs {
        assert_private(&app, slug).await;
    }
}

async fn a_public_story_makes_its_tag_public(app: TestApp) {
    let (contributor, draft_slug, tag_slugs) = draft_naming_tags(&app).await;
    delete_draft(&app, &contributor, &draft_slug).await;
    let editor = app.token("editor").await;
    let published = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Now public", "body": "<p>x</p>", "tags": [SECRET], "status": "published"}),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.text());
    app.get_ok(&format!("/v1/tags/{}", tag_slugs[0])).await;
    assert!(slugs(&app.get_ok("/v1/tags?limit=100").await).contains(&tag_slugs[0]));
}

/// A scheduled story makes its tag public only on time.
async fn a_scheduled_story_keeps_its_new_tag_private(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let scheduled = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Later", "body": "<p>x</p>", "tags": ["Embargoed Topic"],
                    "status": "scheduled", "published_at": from_now(3600)}),
        )
        .await;
    assert_eq!(scheduled.status, 201, "{}", scheduled.text());
    app.get("/v1/tags/embargoed-topic").await.problem(404);
}

/// What editors make on purpose is public at once.
async fn a_tag_an_editor_makes_is_public_at_once(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let made = app
        .json(
            "POST",
            "/v1/tags",
            Some(&editor),
            &json!({"name": "On Purpose"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.text());
    app.get_ok("/v1/tags/on-purpose").await;
}

/// An editor makes the section Elections, unlisted; answers the token.
async fn unlisted_elections(app: &TestApp) -> String {
    app.taxonomy();
    let editor = app.token("editor").await;
    let hidden = app
        .json(
            "POST",
            "/v1/sections",
            Some(&editor),
            &json!({"name": "Elections", "listed": false}),
        )
        .await;
    assert_eq!(hidden.status, 201, "{}", hidden.text());
    editor
}

/// What editors make on purpose is public at once, unless they say not.
async fn a_section_made_unlisted_stays_private(app: TestApp) {
    unlisted_elections(&app).await;
    app.get("/v1/sections/elections").await.problem(404);
    assert!(!slugs(&app.get_ok("/v1/sections").await).contains(&"elections".to_string()));
}

async fn listing_a_section_makes_it_public(app: TestApp) {
    let editor = unlisted_elections(&app).await;
    let listed = app
        .json(
            "PATCH",
            "/v1/sections/elections",
            Some(&editor),
            &json!({"listed": true}),
        )
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text());
    app.get_ok("/v1/sections/elections").await;
}

/// The newsroom when an editor holds back the section Elections and the
/// tag Held Topic.
struct HeldBack {
    /// An author linked to Ann's profile.
    author: String,
    contributor: String,
}

async fn held_back(app: &TestApp) -> HeldBack {
    app.taxonomy();
    let editor = app.token("editor").await;
    let (email, password) = app.person("author", Some("ann"));
    let author = app.token_of(&email, &password).await;
    let contributor = app.token("contributor").await;
    for (path, body) in [
        (
            "/v1/sections",
            json!({"name": "Elections", "listed": false}),
        ),
        ("/v1/tags", json!({"name": "Held Topic", "listed": false})),
    ] {
        let made = app.json("POST", path, Some(&editor), &body).await;
        assert_eq!(made.status, 201, "{}", made.text());
    }
    HeldBack {
        author,
        contributor,
    }
}

/// A story created as published, with these fields added.
fn publish(extra: Value) -> Value {
    let mut body = json!({"headline": "Out now", "body": "<p>x</p>", "status": "published"});
    body.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    body
}

/// The author drafts a story into the held-back section and tag.
async fn drafted(app: &TestApp, n: &HeldBack) -> crate::helpers::Reply {
    app.json(
        "POST",
        "/v1/articles",
        Some(&n.author),
        &json!({"headline": "Drafted", "body": "<p>x</p>", "section": "elections", "tags": ["Held Topic"]}),
    )
    .await
}

/// The contributor's draft "Idea" names the new tag Fresh Angle; answers
/// its slug.
async fn idea(app: &TestApp, n: &HeldBack) -> String {
    let named = app
        .json(
            "POST",
            "/v1/articles",
            Some(&n.contributor),
            &json!({"headline": "Idea", "body": "<p>x</p>", "tags": ["Fresh Angle"]}),
        )
        .await;
    assert_eq!(named.status, 201);
    named.json()["slug"].as_str().unwrap().to_string()
}

/// The author publishes "With the angle", tagged Fresh Angle.
async fn with_the_angle(app: &TestApp, n: &HeldBack) -> crate::helpers::Reply {
    app.json(
        "POST",
        "/v1/articles",
        Some(&n.author),
        &publish(json!({"headline": "With the angle", "tags": ["Fresh Angle"]})),
    )
    .await
}

async fn an_author_cannot_publish_into_a_held_back_section(app: TestApp) {
    let n = held_back(&app).await;
    let refused = app
        .json(
            "POST",
            "/v1/articles",
            Some(&n.author),
            &publish(json!({"section": "elections"})),
        )
        .await;
    assert_eq!(refused.problem(422)["errors"][0]["field"], "section");
    app.get("/v1/sections/elections").await.problem(404);
}

async fn an_author_cannot_publish_with_a_held_back_tag(app: TestApp) {
    let n = held_back(&app).await;
    let refused = app
        .json(
            "POST",
            "/v1/articles",
            Some(&n.author),
            &publish(json!({"tags": ["Held Topic"]})),
        )
        .await;
    assert_eq!(refused.problem(422)["errors"][0]["field"], "tags");
    app.get("/v1/tags/held-topic").await.problem(404);
}

/// Drafts may name them; an editor decides when they go out.
async fn an_author_may_draft_into_a_held_back_section_and_tag(app: TestApp) {
    let n = held_back(&app).await;
    let drafted = drafted(&app, &n).await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
}

/// A tag a draft named into being is no one's secret: whoever publishes a
/// story with it publishes it.
async fn whoever_publishes_a_draft_named_tag_publishes_it(app: TestApp) {
    let n = held_back(&app).await;
    idea(&app, &n).await;
    let out = with_the_angle(&app, &n).await;
    assert_eq!(out.status, 201, "{}", out.text());
    app.get_ok("/v1/tags/fresh-angle").await;
}

/// "Also read" names only public stories or the caller's own.
async fn also_read_cannot_name_someone_elses_hidden_story(app: TestApp) {
    let n = held_back(&app).await;
    let idea = idea(&app, &n).await;
    let linked = app
        .json(
            "POST",
            "/v1/articles",
            Some(&n.author),
            &json!({"headline": "Linked", "body": "<p>x</p>", "also_read": [idea.clone()]}),
        )
        .await;
    assert_eq!(linked.problem(422)["errors"][0]["field"], "also_read");
}

async fn also_read_may_name_public_stories_and_the_callers_own(app: TestApp) {
    let n = held_back(&app).await;
    assert_eq!(drafted(&app, &n).await.status, 201);
    idea(&app, &n).await;
    assert_eq!(with_the_angle(&app, &n).await.status, 201);
    let own = app
        .json("POST", "/v1/articles", Some(&n.author), &json!({"headline": "Linked", "body": "<p>x</p>", "also_read": ["drafted", "with-the-angle"]}))
        .await;
    assert_eq!(own.status, 201, "{}", own.text());
}

/// The public's blocks do not resolve hidden stories either.
async fn latest_exclude_resolves_no_hidden_story(app: TestApp) {
    let n = held_back(&app).await;
    let idea = idea(&app, &n).await;
    let block = app.get_ok(&format!("/v1/latest?exclude={idea}")).await;
    assert!(!slugs(&block).contains(&idea));
}

backend_tests!(
    tags_named_only_by_a_draft_stay_private,
    a_deleted_draft_leaves_its_tags_private,
    a_public_story_makes_its_tag_public,
    a_scheduled_story_keeps_its_new_tag_private,
    a_tag_an_editor_makes_is_public_at_once,
    a_section_made_unlisted_stays_private,
    listing_a_section_makes_it_public,
    an_author_cannot_publish_into_a_held_back_section,
    an_author_cannot_publish_with_a_held_back_tag,
    an_author_may_draft_into_a_held_back_section_and_tag,
    whoever_publishes_a_draft_named_tag_publishes_it,
    also_read_cannot_name_someone_elses_hidden_story,
    also_read_may_name_public_stories_and_the_callers_own,
    latest_exclude_resolves_no_hidden_story,
);
