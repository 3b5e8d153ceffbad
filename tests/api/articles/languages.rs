//! Languages: every story has a BCP 47 `language` (the site's unless the
//! newsroom sets one), lists and blocks filter by it, JSON-LD and JSON
//! Feed carry it, and translations link to each other.

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{slugs, story_json, urlencode, TestApp};

async fn publish(app: &TestApp, editor: &str, headline: &str, extra: Value) -> Value {
    let mut body = story_json(headline);
    body["status"] = json!("published");
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let reply = app.json("POST", "/v1/articles", Some(editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn stories_default_to_the_site_language_and_filter_by_language(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let english = publish(&app, &editor, "Elections called", json!({})).await;
    assert_eq!(english["language"], "en-GB", "the site's language");
    let french = publish(
        &app,
        &editor,
        "Élections anticipées",
        json!({"language": "FR-fr"}),
    )
    .await;
    assert_eq!(
        french["language"], "fr-FR",
        "stored in its conventional case"
    );
    let serbian = publish(&app, &editor, "Izbori", json!({"language": "sr-latn"})).await;
    assert_eq!(serbian["language"], "sr-Latn");

    let slug = |v: &Value| v["slug"].as_str().unwrap().to_string();
    for (query, expected) in [
        ("language=fr-FR", vec![slug(&french)]),
        ("language=fr-fr", vec![slug(&french)]),
        ("language=en-GB", vec![slug(&english)]),
        ("language=sr-Latn&section=news", vec![slug(&serbian)]),
        ("language=de", vec![]),
    ] {
        let list = app.get_ok(&format!("/v1/articles?{query}")).await;
        assert_eq!(slugs(&list), expected, "{query}");
    }
    let block = app.get_ok("/v1/sections/news/latest?language=fr-FR").await;
    assert_eq!(slugs(&block), [slug(&french)]);
    let block = app.get_ok("/v1/latest?language=en-GB").await;
    assert_eq!(slugs(&block), [slug(&english)]);
    let word = urlencode("anticipées");
    let found = app
        .get_ok(&format!("/v1/search?q={word}&language=fr-FR"))
        .await;
    assert_eq!(found["data"][0]["article"]["slug"], slug(&french));
    let found = app.get_ok(&format!("/v1/search?q={word}")).await;
    assert_eq!(
        found["data"][0]["article"]["slug"],
        slug(&french),
        "found without a filter too"
    );
    let found = app
        .get_ok(&format!("/v1/search?q={word}&language=en-GB"))
        .await;
    assert_eq!(found["data"], json!([]));

    let page = app.get_ok(&format!("/v1/articles/{}", slug(&french))).await;
    assert_eq!(page["language"], "fr-FR");
    let list = app.get_ok("/v1/articles").await;
    assert!(list["data"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["language"].is_string()));
    let ld: Value = serde_json::from_str(
        &app.get(&format!("/v1/articles/{}/json-ld", slug(&french)))
            .await
            .text(),
    )
    .unwrap();
    assert_eq!(ld["inLanguage"], "fr-FR");
    let feed: Value = serde_json::from_str(&app.get("/v1/feeds/json").await.text()).unwrap();
    let item = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == "Élections anticipées")
        .unwrap()
        .clone();
    assert_eq!(item["language"], "fr-FR");

    // Not BCP 47: 422 on a write, 400 as a filter.
    for bad in [
        "english!",
        "en_GB",
        "",
        "a-very-long-and-wrong-tag-here-x",
        "12",
    ] {
        let mut body = story_json("Bad language");
        body["language"] = json!(bad);
        let problem = app
            .json("POST", "/v1/articles", Some(&editor), &body)
            .await
            .problem(422);
        assert_eq!(
            problem["errors"][0]["field"], "language",
            "{bad}: {problem}"
        );
    }
    app.get("/v1/articles?language=en_GB").await.problem(400);
    app.get("/v1/latest?language=-").await.problem(400);
}

async fn translations_link_to_each_other(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let original = publish(&app, &editor, "Mexico offers asylum", json!({})).await;
    let original_slug = original["slug"].as_str().unwrap().to_string();
    // Its page is cached before any translation exists; each new one must
    // reach it at once.
    let page = app.get_ok(&format!("/v1/articles/{original_slug}")).await;
    assert_eq!(page["translations"], json!([]));
    let french = publish(
        &app,
        &editor,
        "Le Mexique offre l'asile",
        json!({"language": "fr", "translation_of": original_slug}),
    )
    .await;
    let spanish = publish(
        &app,
        &editor,
        "México ofrece asilo",
        json!({"language": "es", "translation_of": french["slug"]}),
    )
    .await;
    let mut draft = story_json("Mexiko bietet Asyl an");
    draft["language"] = json!("de");
    draft["translation_of"] = json!(original_slug);
    let draft = app
        .json("POST", "/v1/articles", Some(&editor), &draft)
        .await;
    assert_eq!(draft.status, 201, "{}", draft.text());

    let links = |page: &Value| -> Vec<(String, String)> {
        page["translations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                assert!(t["url"]
                    .as_str()
                    .unwrap()
                    .ends_with(t["slug"].as_str().unwrap()));
                (
                    t["language"].as_str().unwrap().to_string(),
                    t["slug"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let page = app.get_ok(&format!("/v1/articles/{original_slug}")).await;
    assert_eq!(
        links(&page),
        [
            (
                "es".to_string(),
                spanish["slug"].as_str().unwrap().to_string()
            ),
            (
                "fr".to_string(),
                french["slug"].as_str().unwrap().to_string()
            ),
        ],
        "public translations only, by language"
    );
    let page = app
        .get_ok(&format!(
            "/v1/articles/{}",
            spanish["slug"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        links(&page).into_iter().map(|(l, _)| l).collect::<Vec<_>>(),
        ["en-GB", "fr"]
    );

    // Leaving the group, and names that do not work.
    let left = app
        .json(
            "PATCH",
            &format!("/v1/articles/{}", spanish["slug"].as_str().unwrap()),
            Some(&editor),
            &json!({"translation_of": null}),
        )
        .await;
    assert_eq!(left.status, 200, "{}", left.text());
    assert_eq!(left.json()["translations"], json!([]));
    let page = app.get_ok(&format!("/v1/articles/{original_slug}")).await;
    assert_eq!(links(&page).len(), 1);
    // Below the editor role, only one's own stories.
    let author = app.token("author").await;
    let mut mine = crate::helpers::unsigned_story_json("Mine");
    mine["translation_of"] = json!(original_slug);
    let problem = app
        .json("POST", "/v1/articles", Some(&author), &mine)
        .await
        .problem(422);
    assert_eq!(problem["errors"][0]["field"], "translation_of");
    for (target, field) in [
        ("no-such-story", "translation_of"),
        (original_slug.as_str(), "translation_of"),
    ] {
        let path = format!("/v1/articles/{original_slug}");
        let problem = app
            .json(
                "PATCH",
                &path,
                Some(&editor),
                &json!({"translation_of": target}),
            )
            .await
            .problem(422);
        assert_eq!(problem["errors"][0]["field"], field, "{target}");
    }
}

backend_tests!(
    config = crate::articles::jsonld::site;
    stories_default_to_the_site_language_and_filter_by_language,
    translations_link_to_each_other,
);
