//! POST /v1/articles/{article}/corrections: corrections shown in public,
//! oldest first, never edited; the story's updated time, version, feeds and
//! change feed move; only a published story can be corrected; only an admin
//! can delete one, and that leaves a revision.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{python, story_json, TestApp};

async fn published(app: &TestApp, editor: &str, headline: &str) -> Value {
    let mut body = story_json(headline);
    body["status"] = json!("published");
    body["published_at"] = json!("2024-05-01T10:00:00Z");
    let reply = app.json("POST", "/v1/articles", Some(editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn correct(app: &TestApp, token: &str, slug: &str, body: Value) -> crate::helpers::Reply {
    app.json(
        "POST",
        &format!("/v1/articles/{slug}/corrections"),
        Some(token),
        &body,
    )
    .await
}

async fn corrections_are_public_oldest_first_and_move_the_story(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let story = published(&app, &editor, "Hearing set for Tuesday").await;
    let slug = story["slug"].as_str().unwrap();
    let before = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(before["corrections"], json!([]));
    assert!(before["corrected_at"].is_null());
    let feed_before = python(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/parse_feed.py"),
        &app.get("/v1/feeds/atom").await.text(),
    );

    // Answers name times to the second: let one pass, so the moves show.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let first = correct(
        &app,
        &editor,
        slug,
        json!({"text": "The hearing is on Wednesday, not Tuesday."}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(first.header("etag").as_deref(), Some("\"v2\""));
    let first = first.json();
    let second = correct(
        &app,
        &editor,
        slug,
        json!({"text": "It starts at 10:00.", "amends": first["id"]}),
    )
    .await;
    assert_eq!(second.status, 201, "{}", second.text());
    let second = second.json();

    let after = app.get_ok(&format!("/v1/articles/{slug}")).await;
    let shown = after["corrections"].as_array().unwrap();
    assert_eq!(shown.len(), 2);
    assert_eq!(
        shown[0]["text"],
        "The hearing is on Wednesday, not Tuesday."
    );
    assert_eq!(shown[1]["amends"], first["id"]);
    assert_eq!(after["corrected_at"], second["corrected_at"]);
    assert!(after["updated_at"].as_str() > before["updated_at"].as_str());
    // JSON-LD's dateModified and the feed's updated move with it.
    let ld_text = app
        .get(&format!("/v1/articles/{slug}/json-ld"))
        .await
        .text();
    assert!(
        ld_text.contains(after["updated_at"].as_str().unwrap()),
        "{ld_text}"
    );
    let feed_after = python(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/parse_feed.py"),
        &app.get("/v1/feeds/atom").await.text(),
    );
    assert_ne!(
        feed_before["entries"][0]["updated"],
        feed_after["entries"][0]["updated"]
    );
    // The change feed tells caches and frontends.
    let events = app.get_ok("/v1/events?limit=100").await;
    let updated: Vec<&Value> = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "article.updated")
        .collect();
    assert!(!updated.is_empty());
    assert_eq!(
        updated.last().unwrap()["data"]["corrections"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    // Revisions record who corrected what.
    let revisions = app
        .authed("GET", &format!("/v1/articles/{slug}/revisions"), &editor)
        .await
        .json();
    let newest = &revisions["data"][0];
    assert_eq!(
        newest["changes"]["corrections"]["to"]["text"],
        "It starts at 10:00."
    );
    assert!(newest["actor"].as_str().unwrap().starts_with("user:"));
}

async fn only_published_stories_can_be_corrected(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let draft = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &story_json("Still a draft"),
        )
        .await
        .json();
    let reply = correct(
        &app,
        &editor,
        draft["slug"].as_str().unwrap(),
        json!({"text": "Fix."}),
    )
    .await;
    assert!(reply.problem(409)["detail"]
        .as_str()
        .unwrap()
        .contains("published"));
    correct(&app, &editor, "no-such-story", json!({"text": "Fix."}))
        .await
        .problem(404);
}

async fn bad_corrections_are_refused(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let story = published(&app, &editor, "A story to correct").await;
    let slug = story["slug"].as_str().unwrap();
    for (body, field) in [
        (json!({"text": "   "}), "text"),
        (json!({"text": "x".repeat(2001)}), "text"),
        (json!({"text": "a\u{1}b"}), "text"),
        (
            json!({"text": "Fine.", "amends": "0c1d7a64-9a0e-4c7e-9c52-3f6f1b0e9a11"}),
            "amends",
        ),
        (json!({"text": "Fine.", "headline": "sneaky"}), "headline"),
        (json!({}), "text"),
    ] {
        let reply = correct(&app, &editor, slug, body.clone()).await;
        assert_eq!(reply.problem(422)["errors"][0]["field"], field, "{body}");
    }
    // If-Match names the version it corrects.
    let stale = app
        .json_with(
            "POST",
            &format!("/v1/articles/{slug}/corrections"),
            Some(&editor),
            &json!({"text": "Fine."}),
            &[("If-Match", "\"v9\"")],
        )
        .await;
    stale.problem(412);
    let story_now = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(
        story_now["corrections"],
        json!([]),
        "nothing stored by a refused correction"
    );
}

async fn corrections_cannot_be_edited_and_only_admins_delete_them(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let author = app.token("author").await;
    let admin = app.token("admin").await;
    let story = published(&app, &editor, "A story with a correction").await;
    let slug = story["slug"].as_str().unwrap();
    correct(&app, &author, slug, json!({"text": "Fix."}))
        .await
        .problem(403);
    let added = correct(
        &app,
        &editor,
        slug,
        json!({"text": "The figure was 12, not 21."}),
    )
    .await
    .json();
    let id = added["id"].as_str().unwrap();
    let path = format!("/v1/articles/{slug}/corrections/{id}");
    // No way to edit one.
    let patch = app
        .json(
            "PATCH",
            &path,
            Some(&editor),
            &json!({"text": "Quietly changed"}),
        )
        .await;
    assert_eq!(patch.status, 405, "{}", patch.text());
    app.authed("DELETE", &path, &editor).await.problem(403);
    let gone = app.authed("DELETE", &path, &admin).await;
    assert_eq!(gone.status, 204, "{}", gone.text());
    let after = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(after["corrections"], json!([]));
    // The deletion is on the record: who removed which text.
    let revisions = app
        .authed("GET", &format!("/v1/articles/{slug}/revisions"), &admin)
        .await
        .json();
    let newest = &revisions["data"][0];
    assert_eq!(
        newest["changes"]["corrections"]["from"]["text"],
        "The figure was 12, not 21."
    );
    assert!(newest["changes"]["corrections"]["to"].is_null());
    app.authed("DELETE", &path, &admin).await.problem(404);
}

async fn a_correction_fixes_fields_in_the_same_write_and_retries_are_safe(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let story = published(&app, &editor, "Hearing set for Tuesday").await;
    let slug = story["slug"].as_str().unwrap().to_string();
    let path = format!("/v1/articles/{slug}/corrections");
    let body = json!({
        "text": "The hearing is on Wednesday, not Tuesday.",
        "changes": {"headline": "Hearing set for Wednesday", "standfirst": "It moved a day."}
    });
    let key = [("idempotency-key", "fix-hearing-1")];
    let first = app
        .json_with("POST", &path, Some(&editor), &body, &key)
        .await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(
        first.header("etag").as_deref(),
        Some("\"v3\""),
        "the fix, then the correction"
    );
    // A retry with the same key answers the same, and stores nothing more.
    let again = app
        .json_with("POST", &path, Some(&editor), &body, &key)
        .await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(
        again.header("idempotency-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(again.json(), first.json());
    let page = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(page["headline"], "Hearing set for Wednesday");
    assert_eq!(page["standfirst"], "It moved a day.");
    assert_eq!(page["corrections"].as_array().unwrap().len(), 1);
    let revisions = app
        .authed("GET", &format!("/v1/articles/{slug}/revisions"), &editor)
        .await
        .json();
    assert!(revisions["data"][0]["changes"]["corrections"].is_object());
    assert_eq!(
        revisions["data"][1]["changes"]["headline"]["to"],
        "Hearing set for Wednesday"
    );

    // The same key with another body, a change of status or timing, and a
    // bad field are refused, and nothing of them is stored.
    let other = json!({"text": "Something else."});
    app.json_with("POST", &path, Some(&editor), &other, &key)
        .await
        .problem(422);
    for (changes, field) in [
        (json!({"status": "draft"}), "changes.status"),
        (
            json!({"embargoed_until": "2030-01-01T00:00:00Z"}),
            "changes.embargoed_until",
        ),
        (json!({"headline": ""}), "changes.headline"),
    ] {
        let body = json!({"text": "Another fix.", "changes": changes});
        let problem = correct(&app, &editor, &slug, body).await.problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let page = app.get_ok(&format!("/v1/articles/{slug}")).await;
    assert_eq!(page["corrections"].as_array().unwrap().len(), 1);
    assert_eq!(page["headline"], "Hearing set for Wednesday");
}

backend_tests!(
    config = crate::articles::jsonld::site;
    a_correction_fixes_fields_in_the_same_write_and_retries_are_safe,
    corrections_are_public_oldest_first_and_move_the_story,
    only_published_stories_can_be_corrected,
    bad_corrections_are_refused,
    corrections_cannot_be_edited_and_only_admins_delete_them,
);
