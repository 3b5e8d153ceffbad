//! The newsroom write API: roles, safe retries, conditional writes,
//! validation and sanitizing.

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{slugs, Backend, TestApp};

fn story(headline: &str) -> Value {
    json!({
        "headline": headline,
        "standfirst": "A standfirst",
        "body": "<p>One two three four.</p>",
        "section": "news",
        "tags": ["alpha", "Brand New Tag"],
        "authors": ["ann"],
        "credit": "Wire Agency",
    })
}

/// A story with no byline: below the editor role a caller may byline only
/// the profile linked to them.
fn unsigned(headline: &str) -> Value {
    let mut body = story(headline);
    body.as_object_mut().unwrap().remove("authors");
    body
}

async fn newsroom_tool_pushes_publishes_and_withdraws_a_story(app: TestApp) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let creds = app
        .json(
            "POST",
            "/v1/integrations",
            Some(&admin),
            &json!({"name": "Wire", "role": "editor"}),
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
    let path = "/v1/articles/external/wire-123";
    let first = app
        .json("PUT", path, Some(&tool), &story("Wire story"))
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first_body = first.json();
    assert_eq!(first_body["status"], "draft");
    assert_eq!(first_body["slug"], "wire-story");
    assert_eq!(first_body["external_id"], "wire-123");
    assert_eq!(first.header("etag").as_deref(), Some("\"v1\""));
    assert_eq!(
        first_body["tags"][1]["slug"], "brand-new-tag",
        "unknown tags are created from their names"
    );
    // The same payload again changes nothing.
    let again = app
        .json("PUT", path, Some(&tool), &story("Wire story"))
        .await;
    assert_eq!(again.status, 200, "{}", again.text());
    let again_body = again.json();
    assert_eq!(again_body["version"], 1);
    assert_eq!(again_body["updated_at"], first_body["updated_at"]);
    let revisions = app
        .authed("GET", "/v1/articles/wire-story/revisions", &tool)
        .await
        .json();
    assert_eq!(revisions["data"].as_array().unwrap().len(), 1);
    // Not public yet.
    app.get("/v1/articles/wire-story").await.problem(404);
    // Publish.
    let published = app
        .json_with(
            "PATCH",
            "/v1/articles/wire-story",
            Some(&tool),
            &json!({"status": "published"}),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    assert_eq!(published.json()["status"], "published");
    let public = app.get_ok("/v1/articles/wire-story").await;
    assert_eq!(public["headline"], "Wire story");
    assert_eq!(public["credit"], "Wire Agency");
    assert!(
        public.get("version").is_none(),
        "public answers carry no newsroom fields"
    );
    assert_eq!(
        slugs(&app.get_ok("/v1/tags/brand-new-tag/latest").await),
        ["wire-story"]
    );
    // An update through the upsert.
    let mut changed = story("Wire story, updated");
    changed["status"] = json!("published");
    let updated = app.json("PUT", path, Some(&tool), &changed).await;
    assert_eq!(updated.status, 200);
    assert_eq!(updated.json()["version"], 3);
    assert_eq!(
        app.get_ok("/v1/articles/wire-story").await["headline"],
        "Wire story, updated"
    );
    // Unpublish: gone from every public answer.
    let unpublished = app
        .json(
            "PATCH",
            "/v1/articles/wire-story",
            Some(&tool),
            &json!({"status": "draft"}),
        )
        .await;
    assert_eq!(unpublished.status, 200);
    app.get("/v1/articles/wire-story").await.problem(404);
    assert!(!app.get("/v1/articles").await.text().contains("wire-story"));
    // Archive, then delete.
    assert_eq!(
        app.json(
            "PATCH",
            "/v1/articles/wire-story",
            Some(&tool),
            &json!({"status": "archived"})
        )
        .await
        .status,
        200
    );
    let history = app
        .authed("GET", "/v1/articles/wire-story/revisions", &tool)
        .await
        .json();
    let versions: Vec<i64> = history["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, [5, 4, 3, 2, 1]);
    assert_eq!(history["data"][0]["changes"]["status"]["to"], "archived");
    assert_eq!(history["data"][0]["actor_name"], "Wire");
    let deleted = app.authed("DELETE", "/v1/articles/wire-story", &tool).await;
    assert_eq!(deleted.status, 204);
    app.authed("GET", "/v1/articles/wire-story", &tool)
        .await
        .problem(404);
}

async fn roles_decide_who_may_write(app: TestApp) {
    app.taxonomy();
    let contributor = app.token("contributor").await;
    let author = app.token("author").await;
    let other_author = app.token("author").await;
    let editor = app.token("editor").await;

    // A contributor drafts, and may not publish.
    let draft = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &unsigned("Contributed"),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    let mut publish = unsigned("Contributed and published");
    publish["status"] = json!("published");
    app.json("POST", "/v1/articles", Some(&contributor), &publish)
        .await
        .problem(403);
    app.json(
        "PATCH",
        "/v1/articles/contributed",
        Some(&contributor),
        &json!({"status": "published"}),
    )
    .await
    .problem(403);
    let edit = app
        .json(
            "PATCH",
            "/v1/articles/contributed",
            Some(&contributor),
            &json!({"standfirst": "Better"}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
    // An author publishes their own, and may not touch another's: for
    // them it is not there (404, as in a preview), which tells nothing.
    let own = app
        .json("POST", "/v1/articles", Some(&author), &publish)
        .await;
    assert_eq!(own.status, 201, "{}", own.text());
    assert_eq!(own.json()["status"], "published");
    app.json(
        "PATCH",
        "/v1/articles/contributed-and-published",
        Some(&other_author),
        &json!({"headline": "Mine now"}),
    )
    .await
    .problem(404);
    app.authed(
        "DELETE",
        "/v1/articles/contributed-and-published",
        &other_author,
    )
    .await
    .problem(404);
    app.json(
        "PATCH",
        "/v1/articles/contributed",
        Some(&author),
        &json!({"headline": "Mine now"}),
    )
    .await
    .problem(404);
    // Once an editor publishes the contributor's draft, the contributor may no longer change it.
    let published = app
        .json(
            "PATCH",
            "/v1/articles/contributed",
            Some(&editor),
            &json!({"status": "published"}),
        )
        .await;
    assert_eq!(published.status, 200, "{}", published.text());
    app.json(
        "PATCH",
        "/v1/articles/contributed",
        Some(&contributor),
        &json!({"headline": "Again"}),
    )
    .await
    .problem(403);
    app.authed("DELETE", "/v1/articles/contributed", &contributor)
        .await
        .problem(403);
    // Taxonomy and people belong to editors and admins.
    app.json(
        "POST",
        "/v1/sections",
        Some(&author),
        &json!({"name": "Culture"}),
    )
    .await
    .problem(403);
    app.authed("GET", "/v1/users", &editor).await.problem(403);
    app.json(
        "POST",
        "/v1/integrations",
        Some(&editor),
        &json!({"name": "x", "role": "admin"}),
    )
    .await
    .problem(403);
    // Nothing is written without a token.
    for (method, path) in [
        ("POST", "/v1/articles"),
        ("PATCH", "/v1/articles/contributed"),
        ("PUT", "/v1/articles/external/x-1"),
        ("POST", "/v1/sections"),
        ("PATCH", "/v1/tags/alpha"),
        ("POST", "/v1/authors"),
        ("POST", "/v1/users"),
    ] {
        app.json(method, path, None, &story("No token"))
            .await
            .problem(401);
    }
    app.request("DELETE", "/v1/articles/contributed", &[])
        .await
        .problem(401);
    app.request("GET", "/v1/articles/contributed/revisions", &[])
        .await
        .problem(401);
}

async fn a_linked_author_profile_is_the_byline(app: TestApp) {
    app.taxonomy();
    let (email, password) = app.person("author", Some("bob"));
    let token = app.token_of(&email, &password).await;
    let mut body = story("By Bob");
    body.as_object_mut().unwrap().remove("authors");
    let created = app
        .json("POST", "/v1/articles", Some(&token), &body)
        .await
        .json();
    assert_eq!(created["authors"][0]["slug"], "bob");
    // Bob may edit a story that names him even if someone else created it.
    let editor = app.token("editor").await;
    let mut other = story("Edited for Bob");
    other["authors"] = json!(["bob"]);
    app.json("POST", "/v1/articles", Some(&editor), &other)
        .await;
    let edit = app
        .json(
            "PATCH",
            "/v1/articles/edited-for-bob",
            Some(&token),
            &json!({"standfirst": "Bob's words"}),
        )
        .await;
    assert_eq!(edit.status, 200, "{}", edit.text());
}

async fn stale_if_match_is_412_and_only_one_concurrent_write_wins(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let created = app
        .json("POST", "/v1/articles", Some(&editor), &story("Contested"))
        .await;
    assert_eq!(created.header("etag").as_deref(), Some("\"v1\""));
    let attempts = (0..6).map(|i| {
        let editor = editor.clone();
        let app = &app;
        async move {
            app.json_with(
                "PATCH",
                "/v1/articles/contested",
                Some(&editor),
                &json!({"standfirst": format!("Take {i}")}),
                &[("If-Match", "\"v1\"")],
            )
            .await
            .status
            .as_u16()
        }
    });
    let statuses = join_all(attempts).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 412).count(),
        5,
        "{statuses:?}"
    );
    let stale = app
        .json_with(
            "PATCH",
            "/v1/articles/contested",
            Some(&editor),
            &json!({"headline": "Late"}),
            &[("If-Match", "\"v1\"")],
        )
        .await;
    let problem = stale.problem(412);
    assert!(problem["detail"].as_str().unwrap().contains("version 2"));
    app.json_with(
        "PATCH",
        "/v1/articles/contested",
        Some(&editor),
        &json!({"headline": "Weak"}),
        &[("If-Match", "W/\"v2\"")],
    )
    .await
    .problem(412);
    let fresh = app
        .json_with(
            "PATCH",
            "/v1/articles/contested",
            Some(&editor),
            &json!({"headline": "On time"}),
            &[("If-Match", "\"v2\"")],
        )
        .await;
    assert_eq!(fresh.status, 200);
    assert_eq!(fresh.header("etag").as_deref(), Some("\"v3\""));
    app.send(
        "DELETE",
        "/v1/articles/contested",
        &[
            ("Authorization", &format!("Bearer {editor}")),
            ("If-Match", "\"v2\""),
        ],
        None,
    )
    .await
    .problem(412);
    // Without If-Match, concurrent writes all land: last write wins.
    let attempts = (0..4).map(|i| {
        let editor = editor.clone();
        let app = &app;
        async move {
            app.json(
                "PATCH",
                "/v1/articles/contested",
                Some(&editor),
                &json!({"standfirst": format!("Free {i}")}),
            )
            .await
            .status
            .as_u16()
        }
    });
    assert!(join_all(attempts).await.iter().all(|s| *s == 200));
    let preview = app
        .authed("GET", "/v1/articles/contested", &editor)
        .await
        .json();
    assert_eq!(preview["version"], 7);
}

async fn crossing_writers_all_land(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    for slug in ["a", "b"] {
        let mut body = story(slug);
        body["slug"] = json!(slug);
        assert_eq!(
            app.json("POST", "/v1/articles", Some(&editor), &body)
                .await
                .status,
            201
        );
    }
    for round in 0..3 {
        // Two stories linking each other, at the same moment.
        let (x, y) = futures_util::future::join(
            app.json(
                "PATCH",
                "/v1/articles/a",
                Some(&editor),
                &json!({"also_read": ["b"], "standfirst": format!("a{round}")}),
            ),
            app.json(
                "PATCH",
                "/v1/articles/b",
                Some(&editor),
                &json!({"also_read": ["a"], "standfirst": format!("b{round}")}),
            ),
        )
        .await;
        assert_eq!(
            (x.status.as_u16(), y.status.as_u16()),
            (200, 200),
            "{} {}",
            x.text(),
            y.text()
        );
        // The same new tags named in opposite orders.
        let one = json!({"headline": format!("One {round}"), "body": "x", "tags": [format!("Fresh {round}"), format!("Other {round}")]});
        let two = json!({"headline": format!("Two {round}"), "body": "x", "tags": [format!("Other {round}"), format!("Fresh {round}")]});
        let (x, y) = futures_util::future::join(
            app.json("POST", "/v1/articles", Some(&editor), &one),
            app.json("POST", "/v1/articles", Some(&editor), &two),
        )
        .await;
        assert_eq!(
            (x.status.as_u16(), y.status.as_u16()),
            (201, 201),
            "{} {}",
            x.text(),
            y.text()
        );
        assert_eq!(
            x.json()["tags"],
            y.json()["tags"]
                .as_array()
                .map(|t| json!([t[1], t[0]]))
                .unwrap()
        );
        // Two identical first pushes of one wire story.
        let path = format!("/v1/articles/external/wire-{round}");
        let body = story(&format!("Wire {round}"));
        let (x, y) = futures_util::future::join(
            app.json("PUT", &path, Some(&editor), &body),
            app.json("PUT", &path, Some(&editor), &body),
        )
        .await;
        let mut statuses = [x.status.as_u16(), y.status.as_u16()];
        statuses.sort();
        assert_eq!(statuses, [200, 201], "{} {}", x.text(), y.text());
        assert_eq!(x.json()["id"], y.json()["id"]);
    }
    app.json(
        "PUT",
        "/v1/articles/external/%20padded",
        Some(&editor),
        &story("Padded"),
    )
    .await
    .problem(400);
    app.json_with(
        "PUT",
        "/v1/articles/external/brand-new",
        Some(&editor),
        &story("New"),
        &[("If-Match", "*")],
    )
    .await
    .problem(412);
}

async fn idempotency_keys_make_retries_safe(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let key = [("Idempotency-Key", "push-42")];
    let first = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story("Retried"),
            &key,
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let retry = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story("Retried"),
            &key,
        )
        .await;
    assert_eq!(retry.status, 201);
    assert_eq!(
        retry.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(retry.json()["id"], first.json()["id"]);
    assert_eq!(retry.header("location"), first.header("location"));
    let other = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story("Something else"),
            &key,
        )
        .await;
    other.problem(422);
    // Many retries at once still make one article.
    let burst = (0..6).map(|_| {
        let editor = editor.clone();
        let app = &app;
        async move {
            let reply = app
                .json_with(
                    "POST",
                    "/v1/articles",
                    Some(&editor),
                    &story("Burst"),
                    &[("Idempotency-Key", "burst-1")],
                )
                .await;
            (
                reply.status.as_u16(),
                reply.json()["id"].as_str().map(str::to_string),
            )
        }
    });
    let results = join_all(burst).await;
    assert!(results.iter().all(|(s, _)| *s == 201), "{results:?}");
    let ids: std::collections::HashSet<_> = results.iter().map(|(_, id)| id.clone()).collect();
    assert_eq!(ids.len(), 1, "one article: {results:?}");
    let drafts = app
        .authed("GET", "/v1/articles?status=draft&limit=100", &editor)
        .await
        .json();
    let burst_count = slugs(&drafts)
        .iter()
        .filter(|s| s.starts_with("burst"))
        .count();
    assert_eq!(burst_count, 1);
    // Keys belong to their caller: another caller's same key is a new request.
    let other_editor = app.token("editor").await;
    let theirs = app
        .json_with(
            "POST",
            "/v1/articles",
            Some(&other_editor),
            &story("Retried"),
            &key,
        )
        .await;
    assert_eq!(theirs.status, 201);
    assert_ne!(theirs.json()["id"], first.json()["id"]);
    assert_eq!(theirs.json()["slug"], "retried-2", "slugs are made unique");
}

async fn invalid_bodies_name_every_failing_field(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let reply = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({
                "slug": "Not A Slug",
                "body": "x",
                "section": "nowhere",
                "authors": ["nobody"],
                "canonical_url": "javascript:alert(1)",
                "featured_image": {"url": "ftp://x"},
                "status": "scheduled",
                "published_at": "2020-01-01T00:00:00Z",
                "also_read": ["missing-story"],
            }),
        )
        .await;
    let problem = reply.problem(422);
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for expected in [
        "headline",
        "slug",
        "section",
        "authors",
        "canonical_url",
        "featured_image.url",
        "published_at",
        "also_read",
    ] {
        assert!(
            fields.contains(&expected),
            "{expected} missing from {fields:?}"
        );
    }
    let wrong_type = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": 42, "body": "x"}),
        )
        .await
        .problem(422);
    assert_eq!(wrong_type["errors"][0]["field"], "headline");
    let unknown = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "h", "body": "x", "colour": "red"}),
        )
        .await
        .problem(422);
    assert!(unknown["errors"][0]["message"]
        .as_str()
        .unwrap()
        .contains("colour"));
    let bad_status = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "h", "body": "x", "status": "live"}),
        )
        .await
        .problem(422);
    assert_eq!(bad_status["errors"][0]["field"], "status");
    // Not JSON, not declared as JSON.
    let auth = format!("Bearer {editor}");
    app.send(
        "POST",
        "/v1/articles",
        &[
            ("Content-Type", "application/json"),
            ("Authorization", &auth),
        ],
        Some(b"{oops".to_vec()),
    )
    .await
    .problem(400);
    app.send(
        "POST",
        "/v1/articles",
        &[("Content-Type", "text/plain"), ("Authorization", &auth)],
        Some(b"{}".to_vec()),
    )
    .await
    .problem(415);
    // Taken slugs and external ids conflict.
    app.json("POST", "/v1/articles", Some(&editor), &story("Taken"))
        .await;
    let mut dup = story("Another");
    dup["slug"] = json!("taken");
    app.json("POST", "/v1/articles", Some(&editor), &dup)
        .await
        .problem(409);
    app.json(
        "PUT",
        "/v1/articles/external/e-1",
        Some(&editor),
        &story("External"),
    )
    .await;
    let mut dup = story("Another external");
    dup["external_id"] = json!("e-1");
    app.json("POST", "/v1/articles", Some(&editor), &dup)
        .await
        .problem(409);
    app.json("PUT", "/v1/articles/external/e-2", Some(&editor), &dup)
        .await
        .problem(422);
    // An invalid body is 422 whatever If-Match says; preconditions only
    // decide requests that would otherwise succeed.
    app.json_with(
        "PATCH",
        "/v1/articles/taken",
        Some(&editor),
        &json!({"slug": "Bad Slug"}),
        &[("If-Match", "\"v99\"")],
    )
    .await
    .problem(422);
    app.json_with(
        "PUT",
        "/v1/articles/external/e-9",
        Some(&editor),
        &json!({"headline": "h"}),
        &[("If-Match", "\"v1\"")],
    )
    .await
    .problem(422);
    app.json_with(
        "PUT",
        "/v1/articles/external/e-9",
        Some(&editor),
        &story("Precondition"),
        &[("If-Match", "\"v1\"")],
    )
    .await
    .problem(412);
    // Nothing half-written: the failed ones left no articles behind.
    let drafts = app
        .authed("GET", "/v1/articles?status=draft&limit=100", &editor)
        .await
        .json();
    assert_eq!(slugs(&drafts).len(), 2, "{drafts}");
}

async fn nul_characters_anywhere_are_refused_not_500(app: TestApp) {
    app.taxonomy();
    let admin = app.token("admin").await;
    let nul = "a\u{0}b";
    for (method, path, body) in [
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "also_read": [nul]}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "section": nul}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "authors": [nul]}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": "h", "body": "b", "tags": [nul]}),
        ),
        (
            "POST",
            "/v1/articles",
            json!({"headline": nul, "body": nul, "external_id": nul}),
        ),
        (
            "PUT",
            "/v1/articles/external/x",
            json!({"headline": "h", "body": "b", "also_read": [nul], "credit": nul}),
        ),
        ("POST", "/v1/sections", json!({"name": nul})),
        ("POST", "/v1/authors", json!({"name": "n", "email": nul})),
        (
            "POST",
            "/v1/users",
            json!({"email": "a@b.example", "name": "n", "role": "editor", "password": "long enough password", "author": nul}),
        ),
        (
            "POST",
            "/v1/users",
            json!({"email": nul, "name": "n", "role": "editor", "password": "long enough password"}),
        ),
        (
            "POST",
            "/v1/integrations",
            json!({"name": nul, "role": "editor"}),
        ),
    ] {
        let reply = app.json(method, path, Some(&admin), &body).await;
        assert!(
            reply.status.is_client_error(),
            "{method} {path} {body}: {} {}",
            reply.status,
            reply.text()
        );
    }
    for form in [
        "grant_type=password&username=a%00@b.example&password=whatever-it-is",
        "grant_type=client_credentials&client_id=a%00b&client_secret=x",
        "grant_type=refresh_token&refresh_token=a%00b",
    ] {
        let reply = app.form("/v1/auth/token", form.as_bytes().to_vec()).await;
        assert!(reply.status.is_client_error(), "{form}: {}", reply.text());
    }
}

async fn stored_html_is_harmless(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let nasty = r#"<p onclick="steal()">Hi<script>alert(1)</script></p>
<a href="javascript:alert(1)">x</a><a href="JaVaScRiPt:alert(1)">y</a>
<img src="x" onerror="alert(1)"><svg><script>alert(1)</script></svg>
<iframe src="https://evil.example"></iframe><style>body{display:none}</style>
<p style="background:url(javascript:alert(1))">styled</p>
<scr<script>ipt>alert(1)</scr</script>ipt><a href="&#106;avascript:alert(1)">z</a>
<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>"#;
    let mut body = story("Nasty");
    body["body"] = json!(nasty);
    body["status"] = json!("published");
    let created = app.json("POST", "/v1/articles", Some(&editor), &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let html = app.get_ok("/v1/articles/nasty").await["body_html"]
        .as_str()
        .unwrap()
        .to_lowercase();
    for bad in [
        "<script",
        "onclick",
        "onerror",
        "javascript:",
        "<iframe",
        "<style",
        "style=",
        "<svg",
        "<math",
    ] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    assert!(html.contains("hi"), "{html}");
    // Markdown goes through the same sanitizer.
    let md = json!({"headline": "Markdown", "body": "**bold** <img src=x onerror=alert(1)> [l](javascript:alert(1))", "body_format": "markdown", "status": "published"});
    app.json("POST", "/v1/articles", Some(&editor), &md).await;
    let html = app.get_ok("/v1/articles/markdown").await["body_html"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains("<strong>bold</strong>"));
    assert!(
        !html.contains("onerror") && !html.contains("javascript:"),
        "{html}"
    );
}

async fn derived_fields_follow_every_write(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let words = "word ".repeat(450);
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Long read", "body": format!("<p>{words}</p>")}),
        )
        .await
        .json();
    assert_eq!(created["word_count"], 450);
    assert_eq!(created["reading_time_minutes"], 3);
    assert!(created["excerpt"].as_str().unwrap().ends_with('…'));
    let changed = app
        .json(
            "PATCH",
            "/v1/articles/long-read",
            Some(&editor),
            &json!({"body": "<p>Short now.</p>"}),
        )
        .await
        .json();
    assert_eq!(changed["word_count"], 2);
    assert_eq!(changed["reading_time_minutes"], 1);
    assert_eq!(changed["excerpt"], "Short now.");
}

async fn scheduling_publishes_at_its_time(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let at = (chrono::Utc::now() + chrono::Duration::hours(2))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let mut body = story("Embargoed");
    body["status"] = json!("scheduled");
    body["published_at"] = json!(at);
    let created = app.json("POST", "/v1/articles", Some(&editor), &body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["status"], "scheduled");
    app.get("/v1/articles/embargoed").await.problem(404);
    let preview = app.authed("GET", "/v1/articles/embargoed", &editor).await;
    assert_eq!(preview.status, 200);
    assert_eq!(preview.json()["status"], "scheduled");
    assert_eq!(
        preview.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    let scheduled = app
        .authed("GET", "/v1/articles?status=scheduled", &editor)
        .await
        .json();
    assert_eq!(slugs(&scheduled), ["embargoed"]);
    app.get("/v1/articles?status=draft").await.problem(401);
    let problem = app
        .authed("GET", "/v1/articles?status=draft&section=news", &editor)
        .await
        .problem(400);
    assert_eq!(problem["errors"][0]["field"], "status");
    app.authed("GET", "/v1/articles?status=draft&section=%60C", &editor)
        .await
        .problem(400);
    // Bring it forward to now.
    let now = app
        .json(
            "PATCH",
            "/v1/articles/embargoed",
            Some(&editor),
            &json!({"status": "published", "published_at": chrono::Utc::now().to_rfc3339()}),
        )
        .await;
    assert_eq!(now.status, 200);
    app.get_ok("/v1/articles/embargoed").await;
}

async fn taxonomy_is_managed_and_in_use_is_kept(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let section = app
        .json(
            "POST",
            "/v1/sections",
            Some(&editor),
            &json!({"name": "Culture & Arts", "position": 9}),
        )
        .await;
    assert_eq!(section.status, 201, "{}", section.text());
    assert_eq!(section.json()["slug"], "culture-arts");
    assert_eq!(
        section.header("location").as_deref(),
        Some("/v1/sections/culture-arts")
    );
    let renamed = app
        .json(
            "PATCH",
            "/v1/sections/culture-arts",
            Some(&editor),
            &json!({"name": "Culture"}),
        )
        .await;
    assert_eq!(renamed.json()["name"], "Culture");
    app.json(
        "POST",
        "/v1/sections",
        Some(&editor),
        &json!({"name": "Again", "slug": "culture-arts"}),
    )
    .await
    .problem(409);
    let mut body = story("In culture");
    body["section"] = json!("culture-arts");
    app.json("POST", "/v1/articles", Some(&editor), &body).await;
    let refused = app
        .authed("DELETE", "/v1/sections/culture-arts", &editor)
        .await
        .problem(409);
    assert!(refused["detail"].as_str().unwrap().contains("still used"));
    app.authed("DELETE", "/v1/tags/alpha", &editor)
        .await
        .problem(409);
    app.authed("DELETE", "/v1/authors/ann", &editor)
        .await
        .problem(409);
    assert_eq!(
        app.authed("DELETE", "/v1/sections/world", &editor)
            .await
            .status,
        204
    );
    app.get("/v1/sections/world").await.problem(404);
    // Authors: email is stored, never shown.
    let author = app.json("POST", "/v1/authors", Some(&editor), &json!({"name": "Cara Lin", "email": "cara@newsroom.example", "website": "https://cara.example"})).await;
    assert_eq!(author.status, 201, "{}", author.text());
    assert!(!author.text().contains("cara@"));
    assert!(!app
        .get("/v1/authors/cara-lin")
        .await
        .text()
        .contains("cara@"));
    app.json(
        "POST",
        "/v1/authors",
        Some(&editor),
        &json!({"name": "X", "website": "javascript:alert(1)"}),
    )
    .await
    .problem(422);
    let tag = app
        .json(
            "POST",
            "/v1/tags",
            Some(&editor),
            &json!({"name": "Elections 2026"}),
        )
        .await;
    assert_eq!(tag.json()["slug"], "elections-2026");
    assert_eq!(
        app.authed("DELETE", "/v1/tags/elections-2026", &editor)
            .await
            .status,
        204
    );
}

backend_tests!(
    newsroom_tool_pushes_publishes_and_withdraws_a_story,
    roles_decide_who_may_write,
    a_linked_author_profile_is_the_byline,
    stale_if_match_is_412_and_only_one_concurrent_write_wins,
    crossing_writers_all_land,
    idempotency_keys_make_retries_safe,
    invalid_bodies_name_every_failing_field,
    nul_characters_anywhere_are_refused_not_500,
    stored_html_is_harmless,
    derived_fields_follow_every_write,
    scheduling_publishes_at_its_time,
    taxonomy_is_managed_and_in_use_is_kept,
);

#[actix_web::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.max_body_bytes = 4096)
        .await
        .unwrap();
    app.taxonomy();
    let editor = app.token("editor").await;
    let big = json!({"headline": "Big", "body": "x".repeat(10_000)});
    let problem = app
        .json("POST", "/v1/articles", Some(&editor), &big)
        .await
        .problem(413);
    assert_eq!(problem["code"], "payload_too_large");
    let small = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Small", "body": "x"}),
        )
        .await;
    assert_eq!(small.status, 201);
}
