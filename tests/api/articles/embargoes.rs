//! Embargoes: a story published under an embargo is public only once both
//! its publish time and its embargo have passed. Before that, partners
//! (integrations with the read-only `partner` role) may read it, marked
//! embargoed; the public learns nothing of it from any surface, ETag or
//! 304; and partners may read nothing else that is not public.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{from_now, story, story_json, TestApp};

/// Every public surface a story can appear on.
const SURFACES: [&str; 16] = [
    "/v1/articles?limit=100",
    "/v1/articles?tag=alpha&limit=100",
    "/v1/articles?section=news&author=ann&limit=100",
    "/v1/latest?limit=50",
    "/v1/sections/news/latest?limit=50",
    "/v1/tags/alpha/latest?limit=50",
    "/v1/authors/ann/latest?limit=50",
    "/v1/articles/visible-story",
    "/v1/search?q=embargoed&limit=50",
    "/v1/feeds/rss",
    "/v1/feeds/atom",
    "/v1/feeds/json?full=true",
    "/v1/sections/news/feeds/rss",
    "/v1/tags/alpha/feeds/atom",
    "/v1/sitemaps/news",
    "/sitemap.xml",
];

async fn partner_token(app: &TestApp) -> String {
    let admin = app.token("admin").await;
    app.tool_token(
        &admin,
        &json!({"name": "Syndication partner", "role": "partner"}),
    )
    .await
}

/// An editor's new story under an embargo `seconds` from now.
async fn embargoed(app: &TestApp, editor: &str, headline: &str, seconds: i64) -> Value {
    let mut body = story_json(headline);
    body["tags"] = json!(["alpha"]);
    body["status"] = json!("published");
    body["embargoed_until"] = json!(from_now(seconds));
    let reply = app.json("POST", "/v1/articles", Some(editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn no_public_surface_leaks_an_embargoed_story(app: TestApp) {
    app.taxonomy();
    let mut visible = story("visible-story", &from_now(-3600));
    visible.tags = vec!["alpha".into()];
    app.insert(visible);
    let editor = app.token("editor").await;
    // What the public holds before the embargoed story is written.
    let mut before = Vec::new();
    for path in SURFACES {
        let reply = app.get(path).await;
        assert_eq!(reply.status, 200, "{path}: {}", reply.text());
        before.push((reply.header("etag"), reply.text()));
    }

    let written = embargoed(&app, &editor, "An embargoed scoop", 3600).await;
    assert_eq!(written["status"], "embargoed");
    assert_eq!(
        written["published_at"], written["embargoed_until"],
        "it goes public when the embargo ends"
    );
    let (slug, id) = (
        written["slug"].as_str().unwrap().to_string(),
        written["id"].as_str().unwrap().to_string(),
    );

    for key in [&slug, &id] {
        for path in [
            format!("/v1/articles/{key}"),
            format!("/v1/articles/{key}/json-ld"),
            format!("/v1/articles/{key}/ninjs"),
        ] {
            app.get(&path).await.problem(404);
        }
    }
    for (path, (etag, text)) in SURFACES.iter().zip(&before) {
        let reply = app.get(path).await;
        assert!(
            !reply.text().contains(&slug),
            "{path} leaks it: {}",
            reply.text()
        );
        assert_eq!(&reply.text(), text, "{path} changed");
        assert_eq!(&reply.header("etag"), etag, "{path}: the ETag moved");
        // A client holding the old copy hears nothing new.
        if let Some(etag) = etag {
            let again = app.request("GET", path, &[("if-none-match", etag)]).await;
            assert_eq!(again.status, 304, "{path}");
        }
    }
    // The change feed tells the public nothing of it either.
    let events = app.get("/v1/events?limit=100").await.text();
    assert!(!events.contains(&slug), "{events}");

    // The newsroom sees it, marked.
    let preview = app
        .authed("GET", &format!("/v1/articles/{slug}"), &editor)
        .await
        .json();
    assert_eq!(preview["status"], "embargoed");
}

async fn partners_read_embargoed_stories_and_nothing_else_hidden(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let partner = partner_token(&app).await;
    let written = embargoed(&app, &editor, "Partner preview", 3600).await;
    let slug = written["slug"].as_str().unwrap();

    let read = app
        .authed("GET", &format!("/v1/articles/{slug}"), &partner)
        .await;
    assert_eq!(read.status, 200, "{}", read.text());
    assert!(read.header("cache-control").unwrap().contains("no-store"));
    let story = read.json();
    assert_eq!(story["status"], "embargoed");
    assert_eq!(story["embargoed_until"], written["embargoed_until"]);
    assert_eq!(story["headline"], "Partner preview");
    let listed = app
        .authed("GET", "/v1/articles?status=embargoed", &partner)
        .await
        .json();
    assert_eq!(crate::helpers::slugs(&listed), [slug]);
    let ninjs = app
        .authed("GET", &format!("/v1/articles/{slug}/ninjs"), &partner)
        .await;
    assert_eq!(ninjs.status, 200, "{}", ninjs.text());
    assert_eq!(ninjs.json()["embargoedUntil"], written["embargoed_until"]);

    // Drafts, scheduled stories without an embargo and the newsroom's
    // endpoints stay closed to a partner.
    let mut draft = story_json("A plain draft");
    draft["status"] = json!("draft");
    let draft = app
        .json("POST", "/v1/articles", Some(&editor), &draft)
        .await
        .json();
    let mut scheduled = story_json("Scheduled, no embargo");
    scheduled["status"] = json!("scheduled");
    scheduled["published_at"] = json!(from_now(3600));
    let scheduled = app
        .json("POST", "/v1/articles", Some(&editor), &scheduled)
        .await
        .json();
    for hidden in [&draft, &scheduled] {
        let path = format!("/v1/articles/{}", hidden["slug"].as_str().unwrap());
        app.authed("GET", &path, &partner).await.problem(404);
    }
    for status in ["draft", "scheduled", "archived", "withdrawn"] {
        app.authed("GET", &format!("/v1/articles?status={status}"), &partner)
            .await
            .problem(403);
    }
    app.json("POST", "/v1/articles", Some(&partner), &story_json("No"))
        .await
        .problem(403);
    app.json(
        "PATCH",
        &format!("/v1/articles/{slug}"),
        Some(&partner),
        &json!({"headline": "No"}),
    )
    .await
    .problem(403);
    app.authed("GET", &format!("/v1/articles/{slug}/revisions"), &partner)
        .await
        .problem(403);
    app.authed("GET", "/v1/webhooks", &partner)
        .await
        .problem(403);
    let found = app
        .authed("GET", "/v1/search?q=partner", &partner)
        .await
        .text();
    assert!(
        !found.contains(slug),
        "a partner's search is the public's: {found}"
    );
    let events = app
        .authed("GET", "/v1/events?limit=100", &partner)
        .await
        .text();
    assert!(!events.contains(slug), "{events}");
    // People cannot be partners; a partner has no byline.
    let admin = app.token("admin").await;
    let person = app
        .json(
            "POST",
            "/v1/users",
            Some(&admin),
            &json!({"email": "p@example.com", "name": "P", "role": "partner", "password": "a long enough password"}),
        )
        .await
        .problem(422);
    assert_eq!(person["errors"][0]["field"], "role");
    app.json(
        "POST",
        "/v1/integrations",
        Some(&admin),
        &json!({"name": "P", "role": "partner", "author": "ann"}),
    )
    .await
    .problem(422);
}

async fn an_embargo_lifts_with_no_job_and_past_or_bad_embargoes(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let written = embargoed(&app, &editor, "Lifts soon", 3).await;
    let slug = written["slug"].as_str().unwrap();
    app.get(&format!("/v1/articles/{slug}")).await.problem(404);
    let mut waited = 0;
    while app.get(&format!("/v1/articles/{slug}")).await.status != 200 {
        assert!(
            waited < 100,
            "the story did not appear when its embargo ended"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
        waited += 1;
    }
    let public = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(public["published_at"], written["embargoed_until"]);
    assert_eq!(public["embargoed_until"], written["embargoed_until"]);
    assert!(app.get("/v1/feeds/atom").await.text().contains(slug));

    // An embargo that has passed (before the story was even written) is
    // allowed and holds nothing back; a malformed one is 422.
    let mut past = story_json("Old embargo");
    past["status"] = json!("published");
    past["embargoed_until"] = json!("2001-01-01T00:00:00Z");
    let past = app.json("POST", "/v1/articles", Some(&editor), &past).await;
    assert_eq!(past.status, 201, "{}", past.text());
    assert_eq!(past.json()["status"], "published");
    app.get_ok(&format!(
        "/v1/articles/{}",
        past.json()["slug"].as_str().unwrap()
    ))
    .await;
    for bad in [json!("tomorrow"), json!("2024-13-01T00:00:00Z"), json!(5)] {
        let mut body = story_json("Bad embargo");
        body["embargoed_until"] = bad;
        let problem = app
            .json("POST", "/v1/articles", Some(&editor), &body)
            .await
            .problem(422);
        assert_eq!(
            problem["errors"][0]["field"], "embargoed_until",
            "{problem}"
        );
    }
    // Moving an embargo earlier moves the publish time it set.
    let moved = embargoed(&app, &editor, "Moved up", 3600).await;
    let earlier = from_now(1800);
    let patched = app
        .json(
            "PATCH",
            &format!("/v1/articles/{}", moved["slug"].as_str().unwrap()),
            Some(&editor),
            &json!({"embargoed_until": earlier}),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text());
    assert_eq!(patched.json()["published_at"], json!(earlier));
    assert_eq!(patched.json()["status"], "embargoed");
    // Lifting an embargo (null) is an edit like any other.
    let held = embargoed(&app, &editor, "Held back", 3600).await;
    let lifted = app
        .json(
            "PATCH",
            &format!("/v1/articles/{}", held["slug"].as_str().unwrap()),
            Some(&editor),
            &json!({"embargoed_until": null, "published_at": from_now(-5)}),
        )
        .await;
    assert_eq!(lifted.status, 200, "{}", lifted.text());
    assert_eq!(lifted.json()["status"], "published");
    app.get_ok(&format!("/v1/articles/{}", held["slug"].as_str().unwrap()))
        .await;
}

backend_tests!(
    no_public_surface_leaks_an_embargoed_story,
    partners_read_embargoed_stories_and_nothing_else_hidden,
    an_embargo_lifts_with_no_job_and_past_or_bad_embargoes,
);
