//! What is stored from a story's body and links: sanitized HTML, rendered
//! Markdown, derived fields, normalized URLs.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{story, story_json, TestApp};

async fn markdown_bodies_are_rendered_and_sanitized(app: TestApp) {
    app.taxonomy();
    let mut s = story("md", "2024-01-01T00:00:00Z");
    s.body_format = "markdown".into();
    s.body = "Hello **world**.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>".into();
    app.insert(s);
    let got = app.get_ok("/v1/articles/md").await;
    let html = got["body_html"].as_str().unwrap();
    assert!(html.contains("<strong>world</strong>"), "{html}");
    for bad in ["<script", "javascript:", "onerror"] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
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
    let mut body = story_json("Nasty");
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
}

async fn written_markdown_goes_through_the_same_sanitizer(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let md = json!({"headline": "Markdown", "body": "**bold** <img src=x onerror=alert(1)> [l](javascript:alert(1))", "body_format": "markdown", "status": "published"});
    let created = app.json("POST", "/v1/articles", Some(&editor), &md).await;
    assert_eq!(created.status, 201, "{}", created.text());
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

/// A 450-word story, as the editor wrote it.
async fn long_read(app: &TestApp, editor: &str) -> Value {
    let words = "word ".repeat(450);
    app.json(
        "POST",
        "/v1/articles",
        Some(editor),
        &json!({"headline": "Long read", "body": format!("<p>{words}</p>")}),
    )
    .await
    .json()
}

async fn derived_fields_are_computed_on_create(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let created = long_read(&app, &editor).await;
    assert_eq!(created["word_count"], 450);
    assert_eq!(created["reading_time_minutes"], 3);
    assert!(created["excerpt"].as_str().unwrap().ends_with('…'));
}

async fn derived_fields_follow_an_update(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    long_read(&app, &editor).await;
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

/// A story whose body hides markup in text and bad schemes in srcsets,
/// with URLs that need normalizing; answers the write's answer.
async fn hardened(app: &TestApp, editor: &str) -> Value {
    let created = app
        .json(
            "POST",
            "/v1/articles",
            Some(editor),
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
    created.json()
}

async fn srcset_schemes_are_checked(app: TestApp) {
    let editor = app.token("editor").await;
    let body = hardened(&app, &editor).await;
    let html = body["body_html"].as_str().unwrap();
    assert!(!html.contains("javascript"), "{html}");
    assert!(!html.contains("data:"), "{html}");
    assert!(html.contains("https://ok.example/b.jpg 2x"), "{html}");
}

async fn urls_are_stored_normalized(app: TestApp) {
    let editor = app.token("editor").await;
    let body = hardened(&app, &editor).await;
    assert_eq!(body["canonical_url"], "https://example.com/a%20b%22c");
    assert_eq!(
        body["featured_image"]["url"],
        "https://example.com/img%20one.jpg"
    );
}

async fn excerpts_cannot_read_as_markup(app: TestApp) {
    let editor = app.token("editor").await;
    let body = hardened(&app, &editor).await;
    let excerpt = body["excerpt"].as_str().unwrap();
    assert!(
        !excerpt.contains('<') && !excerpt.contains('>'),
        "{excerpt}"
    );
    assert!(excerpt.contains("script"), "the text is kept: {excerpt}");
}

async fn a_canonical_url_must_be_a_plain_web_address(app: TestApp) {
    let editor = app.token("editor").await;
    hardened(&app, &editor).await;
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

backend_tests!(
    markdown_bodies_are_rendered_and_sanitized,
    stored_html_is_harmless,
    written_markdown_goes_through_the_same_sanitizer,
    derived_fields_are_computed_on_create,
    derived_fields_follow_an_update,
    srcset_schemes_are_checked,
    urls_are_stored_normalized,
    excerpts_cannot_read_as_markup,
    a_canonical_url_must_be_a_plain_web_address,
);
