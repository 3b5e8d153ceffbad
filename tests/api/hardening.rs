//! The findings of an outside review, each as the attack that found it:
//! every test here failed before its fix.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{
    form_request, post_oversized, raw_from, slugs, story, urlencode, Backend, TestApp,
};

/// A body just under the default 2 MiB limit once wrapped in JSON.
const HEAVY: usize = 1_900_000;

fn repeat_to(unit: &str, size: usize) -> String {
    unit.repeat(size / unit.len())
}

fn draft(headline: &str, body: String, format: &str) -> Value {
    json!({"headline": headline, "body": body, "body_format": format})
}

/// Bodies that made the old sanitizer or renderer work for minutes.
fn pathological() -> Vec<(&'static str, &'static str, String)> {
    let distinct_b: String = (0..HEAVY / 14).map(|i| format!("<b id={i}>")).collect();
    vec![
        ("nested divs", "html", repeat_to("<div>", HEAVY)),
        ("unclosed distinct b", "html", distinct_b),
        ("nested list items", "html", repeat_to("<ul><li>", HEAVY)),
        (
            "span in div",
            "html",
            repeat_to("<span><div></span>", HEAVY),
        ),
        ("markdown quotes", "markdown", repeat_to("> ", HEAVY)),
        (
            "markdown ordered lists",
            "markdown",
            repeat_to("1. ", HEAVY),
        ),
        // JSON spends two bytes on each line break.
        (
            "markdown html blocks",
            "markdown",
            repeat_to("<div>\n", HEAVY * 6 / 7),
        ),
        ("markdown wide table", "markdown", {
            let mut s = "|a".repeat(5000);
            s.push('\n');
            s.push_str(&"|-".repeat(5000));
            s.push('\n');
            s.push_str(&"|x\n".repeat((HEAVY * 3 / 4 - s.len()) / 3));
            s
        }),
    ]
}

/// Every pathological shape is answered quickly: refused with 422 naming
/// the body, with the limit it passed.
async fn pathological_bodies_are_refused_quickly(app: TestApp) {
    let contributor = app.token("contributor").await;
    for (name, format, body) in pathological() {
        let started = Instant::now();
        let reply = app
            .json(
                "POST",
                "/v1/articles",
                Some(&contributor),
                &draft(name, body, format),
            )
            .await;
        let took = started.elapsed();
        let problem = reply.problem(422);
        assert_eq!(problem["errors"][0]["field"], "body", "{name}");
        let why = problem["errors"][0]["message"].as_str().unwrap();
        assert!(
            why.contains("100") || why.contains("100000"),
            "{name}: the limit is named: {why}"
        );
        // Loose on purpose: a shared machine; the old code took minutes.
        assert!(took < Duration::from_secs(10), "{name} took {took:?}");
    }
    // Large, ordinary bodies are still accepted.
    let ordinary = repeat_to("<p>Some words in a paragraph of a long story.</p>", HEAVY);
    let stored = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &draft("Long", ordinary, "html"),
        )
        .await;
    assert_eq!(stored.status, 201, "{}", stored.text());
}

/// While bodies that once held the write lock for minutes are sent, other
/// writers and readers are served as usual.
async fn writers_and_readers_go_on_during_heavy_bodies(app: TestApp) {
    app.taxonomy();
    app.insert(story("steady", "2026-01-02T10:00:00Z"));
    let app = app.replica(|c| c.cache_sync = Duration::from_millis(100));
    let editor = app.token("editor").await;
    let contributor = app.token("contributor").await;
    app.get("/v1/sections").await;
    let heavy = (0..4).map(|i| {
        let body = draft(&format!("Heavy {i}"), repeat_to("<div>", HEAVY), "html");
        let (app, token) = (&app, contributor.clone());
        async move { app.json("POST", "/v1/articles", Some(&token), &body).await }
    });
    let light = (0..12).map(|i| {
        let (app, token) = (&app, editor.clone());
        async move {
            let started = Instant::now();
            let reply = app
                .json(
                    "POST",
                    "/v1/articles",
                    Some(&token),
                    &json!({"headline": format!("Light {i}"), "body": "<p>x</p>"}),
                )
                .await;
            (reply.status.as_u16(), started.elapsed())
        }
    });
    let reads = (0..24).map(|_| {
        let app = &app;
        async move {
            let reply = app.get("/v1/sections").await;
            (reply.status.as_u16(), reply.header("age").is_some())
        }
    });
    let (heavy, (light, reads)) = futures_util::future::join(
        join_all(heavy),
        futures_util::future::join(join_all(light), join_all(reads)),
    )
    .await;
    for reply in heavy {
        reply.problem(422);
    }
    for (status, took) in light {
        assert_eq!(status, 201);
        assert!(
            took < Duration::from_secs(5),
            "a light write waited {took:?}"
        );
    }
    assert!(reads.iter().all(|(status, _)| *status == 200), "{reads:?}");
    // Heavy bodies alone (refused, so nothing changes) leave the cache
    // serving every read.
    app.get("/v1/sections").await;
    let heavy = (0..4).map(|i| {
        let body = draft(&format!("Heavy {i}"), repeat_to("<ul><li>", HEAVY), "html");
        let (app, token) = (&app, contributor.clone());
        async move { app.json("POST", "/v1/articles", Some(&token), &body).await }
    });
    let reads = (0..24).map(|_| {
        let app = &app;
        async move { app.get("/v1/sections").await.header("age").is_some() }
    });
    let (_, hits) = futures_util::future::join(join_all(heavy), join_all(reads)).await;
    assert!(
        hits.iter().all(|hit| *hit),
        "every read was a cache hit: {hits:?}"
    );
}

/// A writer stuck holding the database's write lock costs other writers a
/// 503 with Retry-After after the lock timeout; reads (cached or not) and
/// readiness keep answering, even with every pooled connection taken.
async fn a_stuck_writer_costs_writers_a_503_not_the_service(app: TestApp) {
    app.taxonomy();
    app.insert(story("held", "2026-01-02T10:00:00Z"));
    let app = app.replica(|c| {
        c.cache_sync = Duration::from_millis(100);
        c.db_timeout = Duration::from_secs(1);
    });
    let editor = app.token("editor").await;
    app.get("/v1/articles/held").await;
    // Another session holds the write lock, as a stuck writer would.
    let blocker = {
        use diesel::connection::SimpleConnection;
        let mut conn = byline::db::connect(&app.config.database_url).unwrap();
        let lock = match conn {
            byline::db::DbConnection::Sqlite(_) => {
                "BEGIN IMMEDIATE; UPDATE content_state SET generation = generation WHERE id = 1;"
            }
            byline::db::DbConnection::Postgres(_) => {
                "BEGIN; UPDATE content_state SET generation = generation WHERE id = 1;"
            }
        };
        conn.batch_execute(lock).unwrap();
        conn
    };
    let started = Instant::now();
    let refused = app
        .json(
            "PATCH",
            "/v1/articles/held",
            Some(&editor),
            &json!({"headline": "Changed"}),
        )
        .await;
    refused.problem(503);
    assert!(refused.header("retry-after").is_some());
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let cached = app.get("/v1/articles/held").await;
    assert_eq!(cached.status, 200);
    assert!(
        cached.header("age").is_some(),
        "still served from the cache"
    );
    assert_eq!(app.get("/readyz").await.status, 200);
    // Every pooled connection taken: the cache still answers, because the
    // background thread watches the database on a connection of its own.
    let taken: Vec<_> = (0..app.config.db_pool_size)
        .map(|_| app.pool.get().unwrap())
        .collect();
    actix_web::rt::time::sleep(Duration::from_millis(400)).await;
    let cached = app.get("/v1/articles/held").await;
    assert_eq!(cached.status, 200);
    assert!(cached.header("age").is_some());
    drop(taken);
    drop(blocker);
    let written = app
        .json(
            "PATCH",
            "/v1/articles/held",
            Some(&editor),
            &json!({"headline": "Changed"}),
        )
        .await;
    assert_eq!(written.status, 200, "{}", written.text());
}

/// A tool's external ids are its own: another caller who sends the same id
/// first neither plants fields in the tool's story nor blocks its push.
async fn external_ids_cannot_be_squatted(app: TestApp) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let squatter = app.token("contributor").await;
    let planted = json!({
        "headline": "Planted", "body": "<p>planted</p>", "credit": "Planted credit",
        "canonical_url": "https://attacker.example/", "standfirst": "Planted standfirst",
        "featured_image": {"url": "https://attacker.example/x.jpg"},
    });
    let squat = app
        .json(
            "PUT",
            "/v1/articles/external/wire-0100",
            Some(&squatter),
            &planted,
        )
        .await;
    assert_eq!(squat.status, 201, "{}", squat.text());
    let mut also = planted.clone();
    also["headline"] = json!("Planted again");
    also["external_id"] = json!("wire-0200");
    let squat2 = app
        .json("POST", "/v1/articles", Some(&squatter), &also)
        .await;
    assert_eq!(squat2.status, 201, "{}", squat2.text());
    for role in ["editor", "author"] {
        let creds = app
            .json(
                "POST",
                "/v1/integrations",
                Some(&admin),
                &json!({"name": format!("Wire {role}"), "role": role}),
            )
            .await
            .json();
        let tool = app
            .client_token(
                creds["client_id"].as_str().unwrap(),
                creds["client_secret"].as_str().unwrap(),
            )
            .await
            .json()["access_token"]
            .as_str()
            .unwrap()
            .to_string();
        for id in ["wire-0100", "wire-0200"] {
            let push = app
                .json(
                    "PUT",
                    &format!("/v1/articles/external/{id}"),
                    Some(&tool),
                    &json!({"headline": format!("Real story {id} by {role}"), "body": "<p>real</p>", "status": "published"}),
                )
                .await;
            assert_eq!(push.status, 201, "{role} {id}: {}", push.text());
            let body = push.json();
            assert_eq!(body["status"], "published");
            assert_eq!(body["credit"], Value::Null);
            assert_eq!(body["canonical_url"], Value::Null);
            assert_eq!(body["standfirst"], "");
            assert_eq!(body["featured_image"], Value::Null);
            assert_eq!(body["external_id"], id);
        }
    }
    // The squatter's own stories are untouched, and still theirs.
    let mine = app
        .authed(
            "GET",
            &format!("/v1/articles/{}", squat.json()["slug"].as_str().unwrap()),
            &squatter,
        )
        .await
        .json();
    assert_eq!(mine["headline"], "Planted");
    assert_eq!(mine["status"], "draft");
}

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

/// Naming tags in a draft does not publish them: they are nowhere public
/// until a public story carries them, and a deleted draft leaves nothing.
async fn tags_named_only_by_drafts_stay_private(app: TestApp) {
    app.taxonomy();
    let contributor = app.token("contributor").await;
    let editor = app.token("editor").await;
    let secret = "Minister Resigns Tomorrow";
    let script = "<img src=x onerror=alert(1)>";
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &json!({"headline": "Draft", "body": "<p>x</p>", "tags": [secret, script]}),
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
    for slug in &tag_slugs {
        assert_private(&app, slug).await;
    }
    let draft_slug = created.json()["slug"].as_str().unwrap().to_string();
    let deleted = app
        .authed(
            "DELETE",
            &format!("/v1/articles/{draft_slug}"),
            &contributor,
        )
        .await;
    assert_eq!(deleted.status, 204);
    for slug in &tag_slugs {
        assert_private(&app, slug).await;
    }
    // A public story makes its tag public; a scheduled one only on time.
    let published = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Now public", "body": "<p>x</p>", "tags": [secret], "status": "published"}),
        )
        .await;
    assert_eq!(published.status, 201, "{}", published.text());
    app.get_ok(&format!("/v1/tags/{}", tag_slugs[0])).await;
    assert!(slugs(&app.get_ok("/v1/tags?limit=100").await).contains(&tag_slugs[0]));
    let scheduled = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Later", "body": "<p>x</p>", "tags": ["Embargoed Topic"],
                    "status": "scheduled", "published_at": crate::helpers::from_now(3600)}),
        )
        .await;
    assert_eq!(scheduled.status, 201, "{}", scheduled.text());
    app.get("/v1/tags/embargoed-topic").await.problem(404);
    // What editors make on purpose is public at once, unless they say not.
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
    let hidden = app
        .json(
            "POST",
            "/v1/sections",
            Some(&editor),
            &json!({"name": "Elections", "listed": false}),
        )
        .await;
    assert_eq!(hidden.status, 201, "{}", hidden.text());
    app.get("/v1/sections/elections").await.problem(404);
    assert!(!slugs(&app.get_ok("/v1/sections").await).contains(&"elections".to_string()));
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

/// Every answer varies on Accept-Encoding, however it is encoded and
/// whatever CORS adds.
async fn every_answer_varies_on_accept_encoding(app: TestApp) {
    app.load_demo();
    for path in [
        "/v1/sections",
        "/v1/articles/mexico-offers-assange-political-asylum",
        "/v1/nothing-here",
        "/healthz",
    ] {
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
            let vary = reply
                .header("vary")
                .unwrap_or_default()
                .to_ascii_lowercase();
            assert!(
                vary.contains("accept-encoding"),
                "{path} {encoding}: {vary:?}"
            );
            assert!(vary.contains("origin"), "{path} {encoding}: {vary:?}");
            if path == "/v1/sections" {
                assert!(vary.contains("authorization"), "{vary:?}");
                if encoding != "identity" {
                    assert_eq!(reply.header("content-encoding").as_deref(), Some(encoding));
                }
            }
        }
    }
}

/// A write that changes nothing keeps the cache; parameters an operation
/// does not take are refused instead of cached under keys of their own.
async fn the_cache_is_hard_to_empty_or_crowd_out(app: TestApp) {
    app.taxonomy();
    app.insert(story("kept", "2026-01-02T10:00:00Z"));
    let contributor = app.token("contributor").await;
    let own = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &json!({"headline": "Mine", "body": "<p>x</p>"}),
        )
        .await;
    assert_eq!(own.status, 201);
    app.get("/v1/articles/kept").await;
    assert!(app.get("/v1/articles/kept").await.header("age").is_some());
    let noop = app
        .json(
            "PATCH",
            "/v1/articles/mine",
            Some(&contributor),
            &json!({"headline": "Mine"}),
        )
        .await;
    assert_eq!(noop.status, 200);
    assert_eq!(noop.json()["version"], 1);
    assert!(
        app.get("/v1/articles/kept").await.header("age").is_some(),
        "a no-op write left the cache alone"
    );
    for path in [
        "/v1/sections?x=1",
        "/v1/articles?limit=5&cachebuster=123",
        "/v1/articles/kept?v=2",
        "/v1/tags/alpha?_=1",
        "/v1/latest?limit=3&limit2=4",
        "/v1/t%61gs?cachebuster=1",
    ] {
        let problem = app.get(path).await.problem(400);
        assert_eq!(problem["code"], "invalid_parameter", "{path}");
    }
    // Documented parameters still work.
    app.get_ok("/v1/articles?limit=5&section=news").await;
}

/// Below the editor role a story may carry only the caller's own byline.
async fn bylines_cannot_be_forged(app: TestApp) {
    app.taxonomy();
    let (email, password) = app.person("author", Some("ann"));
    let author = app.token_of(&email, &password).await;
    let editor = app.token("editor").await;
    let admin = app.token("admin").await;
    let forged = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &json!({"headline": "As Bob", "body": "<p>x</p>", "authors": ["bob"], "status": "published"}),
        )
        .await;
    forged.problem(403);
    let own = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &json!({"headline": "As Ann", "body": "<p>x</p>", "authors": ["ann"]}),
        )
        .await;
    assert_eq!(own.status, 201, "{}", own.text());
    app.json(
        "PATCH",
        "/v1/articles/as-ann",
        Some(&author),
        &json!({"authors": ["ann", "bob"]}),
    )
    .await
    .problem(403);
    let co = app
        .json(
            "PATCH",
            "/v1/articles/as-ann",
            Some(&editor),
            &json!({"authors": ["ann", "bob"]}),
        )
        .await;
    assert_eq!(co.status, 200, "editors byline anyone: {}", co.text());
    // The author may still edit the story an editor co-signed.
    let edit = app
        .json(
            "PATCH",
            "/v1/articles/as-ann",
            Some(&author),
            &json!({"standfirst": "More"}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    // A tool linked to a profile bylines that profile, and no other.
    let creds = app
        .json(
            "POST",
            "/v1/integrations",
            Some(&admin),
            &json!({"name": "Bob's tool", "role": "author", "author": "bob"}),
        )
        .await
        .json();
    let tool = app
        .client_token(
            creds["client_id"].as_str().unwrap(),
            creds["client_secret"].as_str().unwrap(),
        )
        .await
        .json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let by_bob = app
        .json(
            "POST",
            "/v1/articles",
            Some(&tool),
            &json!({"headline": "By Bob", "body": "<p>x</p>"}),
        )
        .await;
    assert_eq!(by_bob.status, 201, "{}", by_bob.text());
    assert_eq!(by_bob.json()["authors"][0]["slug"], "bob");
    app.json(
        "POST",
        "/v1/articles",
        Some(&tool),
        &json!({"headline": "By Ann", "body": "<p>x</p>", "authors": ["ann"]}),
    )
    .await
    .problem(403);
}

/// A stranger's wrong passwords lock out only the stranger's address: the
/// real client signs in from its own.
async fn a_stranger_cannot_lock_out_a_known_client(app: TestApp) {
    let app = app.replica(|c| c.auth_rate_per_account = 5);
    let (email, password) = app.person("editor", None);
    let server = app.address.clone();
    let guess = form_request(
        "/v1/auth/token",
        &format!(
            "grant_type=password&username={}&password=wrong-guess-123",
            urlencode(&email)
        ),
    );
    let right = form_request(
        "/v1/auth/token",
        &format!(
            "grant_type=password&username={}&password={}",
            urlencode(&email),
            urlencode(&password)
        ),
    );
    let (g, s) = (guess.clone(), server.clone());
    let statuses = actix_web::web::block(move || {
        (0..7)
            .map(|_| raw_from([127, 0, 0, 2], &s, &g).status)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(&statuses[..5], &[400; 5], "{statuses:?}");
    assert_eq!(&statuses[5..], &[429, 429], "guessing stops: {statuses:?}");
    let (r, s) = (right.clone(), server.clone());
    let real = actix_web::web::block(move || raw_from([127, 0, 0, 3], &s, &r))
        .await
        .unwrap();
    assert_eq!(real.status, 200, "the real client signs in: {}", real.body);
    // Even from the guessed-at address, after its failures, the limit holds.
    let (r, s) = (right, server);
    let same = actix_web::web::block(move || raw_from([127, 0, 0, 2], &s, &r))
        .await
        .unwrap();
    assert_eq!(same.status, 429);
}

/// Sign-in members are bounded before anything looks at them.
async fn sign_in_inputs_are_bounded_before_any_work(app: TestApp) {
    let long_name = format!("{}@example.com", "a".repeat(300));
    let reply = app
        .form(
            "/v1/auth/token",
            format!("grant_type=password&username={long_name}&password=whatever-long"),
        )
        .await;
    assert_eq!(reply.problem(400)["error"], "invalid_request");
    let reply = app
        .form(
            "/v1/auth/token",
            format!(
                "grant_type=client_credentials&client_id={}&client_secret=x",
                "c".repeat(500)
            ),
        )
        .await;
    assert_eq!(reply.problem(400)["error"], "invalid_request");
    let huge = format!(
        "grant_type=password&username={}&password=x",
        "u".repeat(2_000_000)
    );
    let server = app.address.clone();
    let status =
        actix_web::web::block(move || post_oversized(&server, "/v1/auth/token", huge.into_bytes()))
            .await
            .unwrap();
    assert_eq!(status, 413);
}

/// A scheduled story shortens the lifetime only of answers it will change:
/// others do not tell the world when something goes live.
async fn scheduled_stories_shorten_only_what_they_change(app: TestApp) {
    app.taxonomy();
    app.insert(story("in-news", "2026-01-02T10:00:00Z"));
    let mut world = story("in-world", "2026-01-02T11:00:00Z");
    world.section = Some("world".into());
    world.authors = vec!["bob".into()];
    app.insert(world);
    // Due within the configured minute, so it shortens what it touches.
    let mut later = story("later-in-world", &crate::helpers::from_now(45));
    later.section = Some("world".into());
    later.authors = vec!["bob".into()];
    later.tags = vec!["beta".into()];
    app.insert(later);
    let max_age = |reply: crate::helpers::Reply| -> u32 {
        let value = reply.header("cache-control").unwrap();
        value
            .split("max-age=")
            .nth(1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{value}"))
    };
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
    // A later page holds only older stories, so nothing shortens it.
    let first = app.get_ok("/v1/articles?limit=1").await;
    let cursor = first["next_cursor"].as_str().unwrap();
    assert_eq!(
        max_age(
            app.get(&format!("/v1/articles?limit=1&cursor={cursor}"))
                .await
        ),
        60
    );
    // A tag that only a scheduled story carries unveils on time, so the tag
    // list's lifetime ends then.
    let editor = app.token("editor").await;
    let unveiling = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Soon", "body": "<p>x</p>", "section": "news", "tags": ["Brand New Topic"],
                    "status": "scheduled", "published_at": crate::helpers::from_now(45)}),
        )
        .await;
    assert_eq!(unveiling.status, 201, "{}", unveiling.text());
    assert!(max_age(app.get("/v1/tags").await) < 60);
}

/// A body trickled in is cut off, and one address cannot hold more than
/// its share of uploads open.
async fn slow_bodies_time_out(app: TestApp) {
    let app = app.replica(|c| {
        c.body_idle_timeout = Duration::from_millis(500);
        c.uploads_per_address = 2;
    });
    let server = app.address.clone();
    let trickle = move |local: [u8; 4], server: String| {
        use std::io::{Read, Write};
        let addr: std::net::SocketAddr = server.trim_start_matches("http://").parse().unwrap();
        let socket =
            socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
        socket
            .bind(&std::net::SocketAddr::from((local, 0)).into())
            .unwrap();
        socket.connect(&addr.into()).unwrap();
        let mut stream: std::net::TcpStream = socket.into();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        let started = Instant::now();
        stream
            .write_all(b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant")
            .unwrap();
        let mut answer = Vec::new();
        let _ = stream.read_to_end(&mut answer);
        (
            String::from_utf8_lossy(&answer).to_string(),
            started.elapsed(),
        )
    };
    let s = server.clone();
    let (answer, took) = actix_web::web::block(move || trickle([127, 0, 0, 4], s))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(took < Duration::from_secs(5), "cut off after {took:?}");
    // Two slow uploads from one address are its share; a third is refused.
    let mut held = Vec::new();
    for _ in 0..2 {
        let s = server.clone();
        held.push(std::thread::spawn(move || trickle([127, 0, 0, 5], s)));
    }
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    let s = server.clone();
    let third = actix_web::web::block(move || {
        raw_from(
            [127, 0, 0, 5],
            &s,
            &form_request("/v1/auth/token", "grant_type=password"),
        )
    })
    .await
    .unwrap();
    assert_eq!(third.status, 429, "{}", third.head);
    let s = server.clone();
    let elsewhere = actix_web::web::block(move || {
        raw_from(
            [127, 0, 0, 6],
            &s,
            &form_request("/v1/auth/token", "grant_type=password"),
        )
    })
    .await
    .unwrap();
    assert_eq!(elsewhere.status, 400, "other addresses are served");
    for h in held {
        let (answer, _) = h.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
    // A body nobody reads (refused before reading, or sent with a GET) is
    // not drained at the client's pace: the connection closes after the
    // answer.
    for head in [
        "POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /v1/sections HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    ] {
        let s = server.clone();
        let (answer, took) = actix_web::web::block(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(s.trim_start_matches("http://")).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            let mut writer = stream.try_clone().unwrap();
            let started = Instant::now();
            std::thread::spawn(move || {
                for _ in 0..40 {
                    if writer.write_all(b"1\r\nx\r\n").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
            });
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            (String::from_utf8_lossy(&answer).to_string(), started.elapsed())
        })
        .await
        .unwrap();
        assert!(answer.starts_with("HTTP/1.1"), "{answer}");
        assert!(took < Duration::from_secs(5), "{head}: held open {took:?}: {answer}");
    }
}

/// Stored output is safe anywhere: srcset schemes are checked, URLs are
/// stored normalized, and excerpts cannot read as markup.
async fn stored_output_is_safe_anywhere(app: TestApp) {
    let editor = app.token("editor").await;
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({
                "headline": "Hardened",
                "body": "<p>&lt;script&gt;alert(1)&lt;/script&gt; and more</p>\
                         <img src=\"https://ok.example/a.jpg\" srcset=\"javascript:alert(1) 1x, https://ok.example/b.jpg 2x, data:text/html,x 3x\">\
                         <picture><source srcset=\"javascript:alert(2)\"></picture>",
                "canonical_url": "https://Example.com/a b\"c",
                "featured_image": {"url": "https://example.com/img one.jpg"},
            }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let body = created.json();
    let html = body["body_html"].as_str().unwrap();
    assert!(!html.contains("javascript"), "{html}");
    assert!(!html.contains("data:"), "{html}");
    assert!(html.contains("https://ok.example/b.jpg 2x"), "{html}");
    assert_eq!(body["canonical_url"], "https://example.com/a%20b%22c");
    assert_eq!(
        body["featured_image"]["url"],
        "https://example.com/img%20one.jpg"
    );
    let excerpt = body["excerpt"].as_str().unwrap();
    assert!(
        !excerpt.contains('<') && !excerpt.contains('>'),
        "{excerpt}"
    );
    assert!(excerpt.contains("script"), "the text is kept: {excerpt}");
    for bad in [
        "https://user:pw@example.com/",
        "ftp://example.com/",
        "javascript:alert(1)",
    ] {
        let reply = app
            .json(
                "PATCH",
                "/v1/articles/hardened",
                Some(&editor),
                &json!({"canonical_url": bad}),
            )
            .await;
        assert_eq!(
            reply.problem(422)["errors"][0]["field"],
            "canonical_url",
            "{bad}"
        );
    }
}

/// Below the editor role a token previews only the caller's own stories,
/// and their revisions; anyone else's reads as the public sees it.
async fn previews_are_scoped_to_their_owner(app: TestApp) {
    let (a_email, a_password) = app.person("contributor", None);
    let alice = app.token_of(&a_email, &a_password).await;
    let bob = app.token("contributor").await;
    let author = app.token("author").await;
    let editor = app.token("editor").await;
    let made = app
        .json(
            "POST",
            "/v1/articles",
            Some(&alice),
            &json!({"headline": "Alice draft", "body": "<p>x</p>"}),
        )
        .await;
    assert_eq!(made.status, 201);
    for token in [&bob, &author] {
        app.authed("GET", "/v1/articles/alice-draft", token)
            .await
            .problem(404);
        app.authed("GET", "/v1/articles/alice-draft/revisions", token)
            .await
            .problem(404);
        let listed = app
            .authed("GET", "/v1/articles?status=draft", token)
            .await
            .json();
        assert!(
            !slugs(&listed).contains(&"alice-draft".to_string()),
            "{listed}"
        );
    }
    for token in [&alice, &editor] {
        let preview = app
            .authed("GET", "/v1/articles/alice-draft", token)
            .await
            .json();
        assert_eq!(preview["status"], "draft");
        assert_eq!(
            app.authed("GET", "/v1/articles/alice-draft/revisions", token)
                .await
                .status,
            200
        );
        let listed = app
            .authed("GET", "/v1/articles?status=draft", token)
            .await
            .json();
        assert!(
            slugs(&listed).contains(&"alice-draft".to_string()),
            "{listed}"
        );
    }
    // Once public, anyone with a token reads it as the public does.
    let published = app
        .json(
            "PATCH",
            "/v1/articles/alice-draft",
            Some(&editor),
            &json!({"status": "published"}),
        )
        .await;
    assert_eq!(published.status, 200);
    let seen = app
        .authed("GET", "/v1/articles/alice-draft", &bob)
        .await
        .json();
    assert_eq!(seen["headline"], "Alice draft");
    assert!(
        seen.get("status").is_none() && seen.get("version").is_none(),
        "{seen}"
    );
}

/// The upsert validates its body before any precondition, whatever form
/// If-Match takes, and refuses what the spec refuses.
async fn upsert_validates_before_preconditions(app: TestApp) {
    let editor = app.token("editor").await;
    let body = json!({"headline": "0", "body": ""});
    app.json("PUT", "/v1/articles/external/0", Some(&editor), &body)
        .await
        .problem(422);
    for if_match in ["\"v1\"", "*", "W/\"v1\"", "", "not a tag"] {
        let reply = app
            .json_with(
                "PUT",
                "/v1/articles/external/0",
                Some(&editor),
                &body,
                &[("If-Match", if_match)],
            )
            .await;
        assert_eq!(
            reply.problem(422)["errors"][0]["field"],
            "body",
            "If-Match {if_match:?}"
        );
    }
    // With a valid body the header decides: an If-Match naming no version
    // of a story that does not exist yet cannot hold.
    let valid = json!({"headline": "0", "body": "<p>x</p>"});
    app.json_with(
        "PUT",
        "/v1/articles/external/0",
        Some(&editor),
        &valid,
        &[("If-Match", "not a tag")],
    )
    .await
    .problem(412);
    app.json_with(
        "PUT",
        "/v1/articles/external/0",
        Some(&editor),
        &valid,
        &[("If-Match", "*")],
    )
    .await
    .problem(412);
    let long = json!({"headline": "h".repeat(301), "body": "<p>x</p>"});
    app.json("PUT", "/v1/articles/external/1", Some(&editor), &long)
        .await
        .problem(422);
}

/// Below the editor role, publishing cannot make public what an editor
/// holds back, and writes cannot reach other people's hidden stories.
async fn publishing_cannot_unveil_what_editors_hold_back(app: TestApp) {
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
    let publish = |extra: Value| {
        let mut body = json!({"headline": "Out now", "body": "<p>x</p>", "status": "published"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let refused = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &publish(json!({"section": "elections"})),
        )
        .await;
    assert_eq!(refused.problem(422)["errors"][0]["field"], "section");
    let refused = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &publish(json!({"tags": ["Held Topic"]})),
        )
        .await;
    assert_eq!(refused.problem(422)["errors"][0]["field"], "tags");
    app.get("/v1/sections/elections").await.problem(404);
    app.get("/v1/tags/held-topic").await.problem(404);
    // Drafts may name them; an editor decides when they go out.
    let drafted = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &json!({"headline": "Drafted", "body": "<p>x</p>", "section": "elections", "tags": ["Held Topic"]}),
        )
        .await;
    assert_eq!(drafted.status, 201, "{}", drafted.text());
    // A tag a draft named into being is no one's secret: whoever publishes
    // a story with it publishes it.
    let named = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &json!({"headline": "Idea", "body": "<p>x</p>", "tags": ["Fresh Angle"]}),
        )
        .await;
    assert_eq!(named.status, 201);
    let out = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &publish(json!({"headline": "With the angle", "tags": ["Fresh Angle"]})),
        )
        .await;
    assert_eq!(out.status, 201, "{}", out.text());
    app.get_ok("/v1/tags/fresh-angle").await;
    // "Also read" names only public stories or the caller's own.
    let idea = named.json()["slug"].as_str().unwrap().to_string();
    let linked = app
        .json(
            "POST",
            "/v1/articles",
            Some(&author),
            &json!({"headline": "Linked", "body": "<p>x</p>", "also_read": [idea.clone()]}),
        )
        .await;
    assert_eq!(linked.problem(422)["errors"][0]["field"], "also_read");
    let own = app
        .json("POST", "/v1/articles", Some(&author), &json!({"headline": "Linked", "body": "<p>x</p>", "also_read": ["drafted", "with-the-angle"]}))
        .await;
    assert_eq!(own.status, 201, "{}", own.text());
    // Someone else's story is not there to change; the public's blocks do
    // not resolve hidden stories either.
    app.json(
        "PATCH",
        &format!("/v1/articles/{idea}"),
        Some(&author),
        &json!({"headline": "Mine"}),
    )
    .await
    .problem(404);
    app.authed("DELETE", &format!("/v1/articles/{idea}"), &author)
        .await
        .problem(404);
    let block = app.get_ok(&format!("/v1/latest?exclude={idea}")).await;
    assert!(!slugs(&block).contains(&idea));
}

/// An article's history comes a page at a time, and keeps a digest of each
/// body rather than the text.
async fn revisions_page_and_keep_body_digests(app: TestApp) {
    let editor = app.token("editor").await;
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Often changed", "body": "<p>v0</p>"}),
        )
        .await;
    assert_eq!(created.status, 201);
    for i in 1..=4 {
        let changed = app
            .json(
                "PATCH",
                "/v1/articles/often-changed",
                Some(&editor),
                &json!({"body": format!("<p>v{i}</p>")}),
            )
            .await;
        assert_eq!(changed.status, 200);
    }
    let first = app
        .authed(
            "GET",
            "/v1/articles/often-changed/revisions?limit=2",
            &editor,
        )
        .await
        .json();
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    assert_eq!(first["data"][0]["version"], 5);
    let body_change = &first["data"][0]["changes"]["body"];
    assert_eq!(body_change["to"]["length"], 9, "{body_change}");
    assert!(body_change["to"]["sha256"]
        .as_str()
        .is_some_and(|h| h.len() == 64));
    let cursor = first["next_cursor"].as_str().unwrap();
    let rest = app
        .authed(
            "GET",
            &format!("/v1/articles/often-changed/revisions?limit=2&cursor={cursor}"),
            &editor,
        )
        .await
        .json();
    let versions: Vec<i64> = rest["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [3, 2]);
    app.authed(
        "GET",
        "/v1/articles/often-changed/revisions?cursor=abc",
        &editor,
    )
    .await
    .problem(400);
}

backend_tests!(
    publishing_cannot_unveil_what_editors_hold_back,
    revisions_page_and_keep_body_digests,
    pathological_bodies_are_refused_quickly,
    writers_and_readers_go_on_during_heavy_bodies,
    a_stuck_writer_costs_writers_a_503_not_the_service,
    external_ids_cannot_be_squatted,
    tags_named_only_by_drafts_stay_private,
    every_answer_varies_on_accept_encoding,
    the_cache_is_hard_to_empty_or_crowd_out,
    bylines_cannot_be_forged,
    a_stranger_cannot_lock_out_a_known_client,
    sign_in_inputs_are_bounded_before_any_work,
    scheduled_stories_shorten_only_what_they_change,
    slow_bodies_time_out,
    stored_output_is_safe_anywhere,
    previews_are_scoped_to_their_owner,
    upsert_validates_before_preconditions,
);

/// The server's CPU time so far, from /proc (user plus system).
fn cpu_of(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/<pid>/stat");
    let after_name = stat.rsplit_once(')').expect("a stat line").1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// The server's resident memory, from /proc.
fn rss_of(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .unwrap()
        * 1024
}

/// Measured on the binary as operators run it: each pathological body costs
/// the server little CPU, and sign-ins with huge usernames cost no memory.
async fn heavy_inputs_cost_little(backend: Backend) {
    let Some((url, _db)) = crate::helpers::fresh_database(backend) else {
        return crate::helpers::no_postgres();
    };
    let server = crate::process::Server::start(&url).await;
    let pid = server.child.id();
    let token = server.tool_token().await;
    for (name, format, body) in pathological() {
        let before = cpu_of(pid);
        let reply = server
            .http
            .json(
                "POST",
                "/v1/articles",
                Some(&token),
                &draft(name, body, format),
            )
            .await;
        let spent = cpu_of(pid) - before;
        assert_eq!(reply.status, 422, "{name}: {}", reply.text());
        // The goal is far below a second; this bound is for a noisy machine
        // and a test build.
        assert!(spent < Duration::from_secs(3), "{name}: {spent:?} of CPU");
    }
    let rss_before = rss_of(pid);
    let address = server.http.address.clone();
    let statuses = actix_web::web::block(move || {
        (0..90)
            .map(|i| {
                let body = format!(
                    "grant_type=password&username={i}{}&password=x",
                    "u".repeat(2_000_000)
                );
                post_oversized(&address, "/v1/auth/token", body.into_bytes())
            })
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert!(statuses.iter().all(|s| *s == 413), "{statuses:?}");
    let grown = rss_of(pid).saturating_sub(rss_before);
    assert!(grown < 32 * 1024 * 1024, "RSS grew by {} MiB", grown >> 20);
}

#[actix_web::test]
async fn sqlite_heavy_inputs_cost_little() {
    heavy_inputs_cost_little(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_heavy_inputs_cost_little() {
    heavy_inputs_cost_little(Backend::Postgres).await;
}
