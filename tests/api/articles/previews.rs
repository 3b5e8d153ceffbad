//! The newsroom's reads: a token previews stories the public cannot see,
//! but below the editor role only the caller's own.

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{slugs, TestApp};

/// Alice (a contributor) has a draft; Bob is another contributor.
struct Newsroom {
    alice: String,
    bob: String,
    author: String,
    editor: String,
}

async fn alice_draft(app: &TestApp) -> Newsroom {
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
    Newsroom {
        alice,
        bob,
        author,
        editor,
    }
}

async fn others_below_editor_cannot_preview_a_draft(app: TestApp) {
    let n = alice_draft(&app).await;
    for token in [&n.bob, &n.author] {
        app.authed("GET", "/v1/articles/alice-draft", token)
            .await
            .problem(404);
    }
}

async fn others_below_editor_cannot_read_a_drafts_revisions(app: TestApp) {
    let n = alice_draft(&app).await;
    for token in [&n.bob, &n.author] {
        app.authed("GET", "/v1/articles/alice-draft/revisions", token)
            .await
            .problem(404);
    }
}

async fn others_below_editor_do_not_see_a_draft_listed(app: TestApp) {
    let n = alice_draft(&app).await;
    for token in [&n.bob, &n.author] {
        let listed = app
            .authed("GET", "/v1/articles?status=draft", token)
            .await
            .json();
        assert!(
            !slugs(&listed).contains(&"alice-draft".to_string()),
            "{listed}"
        );
    }
}

async fn the_owner_and_editors_preview_a_draft(app: TestApp) {
    let n = alice_draft(&app).await;
    for token in [&n.alice, &n.editor] {
        let preview = app
            .authed("GET", "/v1/articles/alice-draft", token)
            .await
            .json();
        assert_eq!(preview["status"], "draft");
    }
}

async fn the_owner_and_editors_read_a_drafts_revisions(app: TestApp) {
    let n = alice_draft(&app).await;
    for token in [&n.alice, &n.editor] {
        assert_eq!(
            app.authed("GET", "/v1/articles/alice-draft/revisions", token)
                .await
                .status,
            200
        );
    }
}

async fn the_owner_and_editors_see_a_draft_listed(app: TestApp) {
    let n = alice_draft(&app).await;
    for token in [&n.alice, &n.editor] {
        let listed = app
            .authed("GET", "/v1/articles?status=draft", token)
            .await
            .json();
        assert!(
            slugs(&listed).contains(&"alice-draft".to_string()),
            "{listed}"
        );
    }
}

/// Once public, anyone with a token reads it as the public does.
async fn a_public_story_reads_as_the_public_sees_it_whatever_the_token(app: TestApp) {
    let n = alice_draft(&app).await;
    let published = app
        .json(
            "PATCH",
            "/v1/articles/alice-draft",
            Some(&n.editor),
            &json!({"status": "published"}),
        )
        .await;
    assert_eq!(published.status, 200);
    let seen = app
        .authed("GET", "/v1/articles/alice-draft", &n.bob)
        .await
        .json();
    assert_eq!(seen["headline"], "Alice draft");
    assert!(
        seen.get("status").is_none() && seen.get("version").is_none(),
        "{seen}"
    );
}

async fn a_status_filter_needs_a_token(app: TestApp) {
    app.taxonomy();
    app.get("/v1/articles?status=draft").await.problem(401);
}

async fn a_status_filter_takes_no_other_filter(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let problem = app
        .authed("GET", "/v1/articles?status=draft&section=news", &editor)
        .await
        .problem(400);
    assert_eq!(problem["errors"][0]["field"], "status");
    app.authed("GET", "/v1/articles?status=draft&section=%60C", &editor)
        .await
        .problem(400);
}

backend_tests!(
    others_below_editor_cannot_preview_a_draft,
    others_below_editor_cannot_read_a_drafts_revisions,
    others_below_editor_do_not_see_a_draft_listed,
    the_owner_and_editors_preview_a_draft,
    the_owner_and_editors_read_a_drafts_revisions,
    the_owner_and_editors_see_a_draft_listed,
    a_public_story_reads_as_the_public_sees_it_whatever_the_token,
    a_status_filter_needs_a_token,
    a_status_filter_takes_no_other_filter,
);
