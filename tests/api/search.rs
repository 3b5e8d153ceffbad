//! /v1/search: relevance against a judged set, the list filters, cursor
//! paging, snippets that are safe HTML, what each caller may find, the
//! index kept in the write's own transaction, and bad queries.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::backend_tests;
use crate::helpers::{from_now, story, story_json, urlencode, TestApp};

fn search_path(q: &str, extra: &str) -> String {
    format!("/v1/search?q={}{extra}", urlencode(q))
}

/// The slugs of a search answer's hits, best first.
fn hit_slugs(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .expect("a data array")
        .iter()
        .map(|h| h["article"]["slug"].as_str().expect("a slug").to_string())
        .collect()
}

async fn find(app: &TestApp, q: &str, extra: &str) -> Vec<String> {
    hit_slugs(&app.get_ok(&search_path(q, extra)).await)
}

async fn find_as(app: &TestApp, token: &str, q: &str) -> Vec<String> {
    let reply = app.authed("GET", &search_path(q, ""), token).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(
        reply.header("cache-control").as_deref(),
        Some("private, no-store")
    );
    hit_slugs(&reply.json())
}

async fn publish(app: &TestApp, editor: &str, body: Value) -> Value {
    let mut body = body;
    body["status"] = json!("published");
    let reply = app.json("POST", "/v1/articles", Some(editor), &body).await;
    assert_eq!(reply.status, 201, "{}", reply.text());
    reply.json()
}

async fn the_judged_set_ranks_the_right_story_first(app: TestApp) {
    app.load_demo();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/search_judgements.json"
    );
    let judged: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert!(judged.len() >= 20);
    let mut misses = Vec::new();
    for case in &judged {
        let q = case["q"].as_str().unwrap();
        let found = find(&app, q, "").await;
        if found.first().map(String::as_str) != case["first"].as_str() {
            misses.push(format!("{q:?} -> {found:?}"));
        }
    }
    assert!(misses.is_empty(), "misranked: {misses:#?}");
}

async fn seed_bench_headlines_find_their_story_first(app: TestApp) {
    app.with_db(|conn| byline::seed::bench::seed_bench(conn, 300, 11, false));
    let list = app.get_ok("/v1/articles?limit=100").await;
    let stories: Vec<&Value> = list["data"].as_array().unwrap().iter().step_by(9).collect();
    assert!(stories.len() >= 10);
    for s in stories {
        let headline = s["headline"].as_str().unwrap();
        let found = find(&app, &format!("\"{headline}\""), "").await;
        assert_eq!(
            found.first().map(String::as_str),
            s["slug"].as_str(),
            "{headline:?} -> {found:?}"
        );
    }
}

async fn words_phrases_exclusions_and_or_behave_as_typed(app: TestApp) {
    app.load_demo();
    // Stemming: "extraditions" finds "extradition".
    let stems = find(&app, "extraditions", "").await;
    assert_eq!(
        stems.first().map(String::as_str),
        Some("uk-court-denies-assanges-extradition-to-us")
    );
    // Every word must match.
    assert!(find(&app, "assange marathon", "").await.is_empty());
    // Alternatives.
    let either: HashSet<String> = find(&app, "marathon OR extradition", "")
        .await
        .into_iter()
        .collect();
    assert!(
        either.contains("riverside-marathon-moves-start-earlier-to-beat-heat"),
        "{either:?}"
    );
    assert!(
        either.contains("uk-court-denies-assanges-extradition-to-us"),
        "{either:?}"
    );
    // A phrase needs its words together and in order; its words apart do not.
    assert!(!find(&app, "\"timetable bus\"", "")
        .await
        .contains(&"cities-open-up-bus-timetable-data".to_string()));
    assert!(find(&app, "\"bus timetable\"", "")
        .await
        .contains(&"cities-open-up-bus-timetable-data".to_string()));
    // Exclusion.
    let assange = find(&app, "assange", "").await;
    assert!(assange.len() >= 2, "{assange:?}");
    let without = find(&app, "assange -mexico", "").await;
    assert!(!without.contains(&"mexico-offers-assange-political-asylum".to_string()));
    assert!(without.contains(&"uk-court-denies-assanges-extradition-to-us".to_string()));
}

async fn filters_combine_with_the_query(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut a = story_json("Harbour cranes idle in the news section");
    a["tags"] = json!(["alpha"]);
    a["published_at"] = json!("2024-01-10T10:00:00Z");
    let mut b = story_json("Harbour cranes idle in the world section");
    b["section"] = json!("world");
    b["tags"] = json!(["beta"]);
    b["authors"] = json!(["bob"]);
    b["published_at"] = json!("2024-03-10T10:00:00Z");
    publish(&app, &editor, a).await;
    publish(&app, &editor, b).await;
    let both = find(&app, "harbour cranes", "").await;
    assert_eq!(both.len(), 2, "{both:?}");
    for (extra, expected) in [
        ("&section=news", "harbour-cranes-idle-in-the-news-section"),
        ("&section=world", "harbour-cranes-idle-in-the-world-section"),
        ("&tag=alpha", "harbour-cranes-idle-in-the-news-section"),
        ("&author=bob", "harbour-cranes-idle-in-the-world-section"),
        (
            "&published_after=2024-02-01T00:00:00Z",
            "harbour-cranes-idle-in-the-world-section",
        ),
        (
            "&published_before=2024-02-01T00:00:00Z",
            "harbour-cranes-idle-in-the-news-section",
        ),
    ] {
        assert_eq!(
            find(&app, "harbour cranes", extra).await,
            vec![expected],
            "{extra}"
        );
    }
    assert!(find(&app, "harbour cranes", "&section=news&author=bob")
        .await
        .is_empty());
    let unknown = app.get(&search_path("harbour", "&section=nowhere")).await;
    unknown.problem(404);
}

async fn cursor_pages_hold_every_hit_once_best_first(app: TestApp) {
    app.taxonomy();
    for i in 0..23 {
        let mut s = story(&format!("lighthouse-{i:02}"), "2024-05-01T10:00:00Z");
        // Different strengths of match, and some ties.
        s.headline = if i % 3 == 0 {
            format!("Lighthouse keepers {i}")
        } else {
            format!("Keepers {i}")
        };
        s.body = format!("<p>{}</p>", "lighthouse ".repeat(1 + i % 4));
        app.insert(s);
    }
    let mut seen = Vec::new();
    let mut path = search_path("lighthouse", "&limit=5");
    let mut pages = 0;
    loop {
        let page = app.get_ok(&path).await;
        pages += 1;
        assert!(page["data"].as_array().unwrap().len() <= 5);
        seen.extend(hit_slugs(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = search_path("lighthouse", &format!("&limit=5&cursor={cursor}")),
            None => break,
        }
        assert!(pages < 10, "paging does not end");
    }
    assert_eq!(seen.len(), 23, "{seen:?}");
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        23,
        "a hit came twice"
    );
    // Headline matches first.
    let first_eight: Vec<&String> = seen.iter().take(8).collect();
    for slug in &first_eight {
        let n: usize = slug.trim_start_matches("lighthouse-").parse().unwrap();
        assert_eq!(n % 3, 0, "{first_eight:?}");
    }
    let bad = app.get(&search_path("lighthouse", "&cursor=zz")).await;
    bad.problem(400);
}

async fn snippets_are_safe_html_with_marks(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let mut s = story_json("Tidal power plan");
    s["body"] = json!(
        "<p>Before &lt;script&gt;alert(1)&lt;/script&gt; &amp; \"quotes\" 'single' the turbine \
         array &lt;img src=x onerror=alert(2)&gt; will generate turbine power.</p>"
    );
    publish(&app, &editor, s).await;
    let page = app.get_ok(&search_path("turbine", "")).await;
    let snippet = page["data"][0]["snippet"].as_str().unwrap();
    assert!(snippet.contains("<mark>turbine</mark>"), "{snippet}");
    let unmarked = snippet.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !unmarked.contains('<') && !unmarked.contains('>'),
        "{snippet}"
    );
    // Angle brackets in the text become look-alikes, as in excerpts.
    assert!(unmarked.contains("\u{2039}script\u{203A}"), "{snippet}");
    assert!(
        !unmarked.contains('"') && !unmarked.contains('\''),
        "{snippet}"
    );
    assert_eq!(page["data"][0]["status"], "published");
    // A headline-only match shows the body's opening words, unmarked.
    let page = app.get_ok(&search_path("tidal", "")).await;
    let snippet = page["data"][0]["snippet"].as_str().unwrap();
    assert!(snippet.starts_with("Before"), "{snippet}");
}

async fn the_public_finds_only_public_stories(app: TestApp) {
    app.load_demo();
    // The demo's draft, scheduled and archived stories.
    let hidden = [
        "ministers-to-review-cross-border-rail-timetable",
        "survey-tracks-confidence-among-small-manufacturers",
        "island-council-approves-winter-ferry-subsidy",
    ];
    let q = "\"cross-border rail\" OR \"small manufacturers\" OR \"ferry subsidy\"";
    let public = find(&app, q, "").await;
    let editor = app.token("editor").await;
    let all = find_as(&app, &editor, q).await;
    for slug in hidden {
        assert!(!public.contains(&slug.to_string()), "{slug} in {public:?}");
        assert!(all.contains(&slug.to_string()), "{slug} in {all:?}");
    }
    let reply = app
        .authed("GET", &search_path("ferry subsidy", ""), &editor)
        .await;
    assert_eq!(reply.json()["data"][0]["status"], "archived");
}

async fn below_the_editor_role_a_token_adds_only_ones_own(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let contributor = app.token("contributor").await;
    let mut theirs = story_json("Glacier survey draft by the desk");
    theirs.as_object_mut().unwrap().remove("authors");
    assert_eq!(
        app.json("POST", "/v1/articles", Some(&editor), &theirs)
            .await
            .status,
        201
    );
    let mut mine = story_json("Glacier survey draft of my own");
    mine.as_object_mut().unwrap().remove("authors");
    mine["tags"] = json!(["alpha"]);
    assert_eq!(
        app.json("POST", "/v1/articles", Some(&contributor), &mine)
            .await
            .status,
        201
    );
    publish(&app, &editor, story_json("Glacier survey published")).await;
    let found = find_as(&app, &contributor, "glacier survey").await;
    let found: HashSet<String> = found.into_iter().collect();
    assert_eq!(
        found,
        HashSet::from([
            "glacier-survey-draft-of-my-own".to_string(),
            "glacier-survey-published".to_string()
        ])
    );
    assert_eq!(find_as(&app, &editor, "glacier survey").await.len(), 3);
    assert_eq!(
        find(&app, "glacier survey", "").await,
        vec!["glacier-survey-published"]
    );
}

async fn the_index_follows_every_write(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    let created = publish(&app, &editor, story_json("Orchard harvest begins early")).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(find(&app, "orchard", "").await.len(), 1);
    // A new headline: the old words no longer find it, the new ones do.
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/articles/{id}"),
            Some(&editor),
            &json!({"headline": "Vineyard harvest begins early"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(find(&app, "orchard", "").await.is_empty());
    assert_eq!(find(&app, "vineyard", "").await.len(), 1);
    // A new body.
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/articles/{id}"),
            Some(&editor),
            &json!({"body": "<p>Pickers arrive from abroad.</p>"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(find(&app, "pickers", "").await.len(), 1);
    assert!(find(&app, "four", "").await.is_empty());
    // Unpublished: gone at once; published again: back.
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/articles/{id}"),
            Some(&editor),
            &json!({"status": "draft"}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(find(&app, "vineyard", "").await.is_empty());
    let reply = app
        .authed("DELETE", &format!("/v1/articles/{id}"), &editor)
        .await;
    assert_eq!(reply.status, 204, "{}", reply.text());
    assert!(find_as(&app, &editor, "vineyard").await.is_empty());
    // A scheduled story is found the moment it is due, never before.
    // Due between two and three seconds from now (whole seconds).
    let start = std::time::Instant::now();
    let mut due = story_json("Comet visible tonight");
    due["published_at"] = json!(from_now(3));
    publish(&app, &editor, due).await;
    assert!(find(&app, "comet", "").await.is_empty());
    // Found once the event log announces it, within a second or so of its
    // time (the background tick), never before.
    loop {
        let found = find(&app, "comet", "").await;
        if start.elapsed() < std::time::Duration::from_millis(1900) {
            assert!(found.is_empty(), "found before its time");
        }
        if found == vec!["comet-visible-tonight"] {
            break;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "not found after its time"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

async fn bad_queries_are_400_and_punctuation_finds_or_not(app: TestApp) {
    app.load_demo();
    for q in ["", "   "] {
        let reply = app.get(&search_path(q, "")).await;
        assert_eq!(reply.problem(400)["errors"][0]["field"], "q", "{q:?}");
    }
    app.get("/v1/search").await.problem(400);
    let long = "a".repeat(501);
    app.get(&search_path(&long, "")).await.problem(400);
    assert_eq!(
        app.get(&search_path(&"a".repeat(500), "")).await.status,
        200
    );
    for q in [
        "\"",
        "\"\"",
        "-",
        "--",
        "OR",
        "AND",
        "NOT",
        "NEAR(assange)",
        "assange*",
        "*",
        "(",
        ")",
        "a:b",
        "^",
        "'",
        "';--",
        "\\",
        "assange\"",
        "\"assange",
        "-assange",
        "!",
        "&|!",
        ":*",
        "assange OR",
        "OR assange",
        "assange -",
        "\u{1}assange",
        "\u{E000}assange\u{E001}",
        "١٢٣",
        "🐟",
        "{}",
        "[]",
        "%",
        "_",
        "assange AND OR NOT mexico",
        "\"-\"",
    ] {
        let reply = app.get(&search_path(q, "")).await;
        assert_eq!(reply.status, 200, "{q:?}: {}", reply.text());
        assert!(reply.json()["data"].is_array(), "{q:?}");
    }
    // A NUL byte is refused before any handler sees it.
    app.get(&search_path("\u{0}assange", "")).await.problem(400);
    assert!(!find(&app, "assange*", "").await.is_empty());
    assert!(find(&app, "-assange", "").await.is_empty());
}

/// Search ranks at most 100 matches.
pub fn rank_100(c: &mut byline::config::Config) {
    c.search_ranked = 100;
}

async fn a_query_matching_very_many_ranks_the_newest(app: TestApp) {
    // Every bench story is written in one small vocabulary: "minister"
    // matches nearly all of them.
    app.with_db(|conn| byline::seed::bench::seed_bench(conn, 200, 5, false));
    let public = app.with_db(|conn| {
        use diesel::prelude::*;
        let n: i64 = byline::schema::article_feeds::table
            .filter(byline::schema::article_feeds::feed.eq("all"))
            .filter(byline::schema::article_feeds::listed_at.le(byline::models::now()))
            .count()
            .get_result(conn)?;
        Ok(n)
    });
    assert!(public > 100, "{public}");
    let mut seen = std::collections::HashSet::new();
    let mut path = search_path("minister", "&limit=50");
    loop {
        let page = app.get_ok(&path).await;
        for slug in hit_slugs(&page) {
            assert!(seen.insert(slug), "a hit came twice");
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => path = search_path("minister", &format!("&limit=50&cursor={cursor}")),
            None => break,
        }
    }
    assert_eq!(seen.len(), 100);
    // A date filter reaches further back.
    let oldest = app
        .get_ok("/v1/articles?published_before=2022-01-01T00:00:00Z&limit=1")
        .await;
    let old_slug = oldest["data"][0]["slug"].as_str().unwrap().to_string();
    let headline = oldest["data"][0]["headline"].as_str().unwrap().to_string();
    let found = find(
        &app,
        &format!("\"{headline}\""),
        "&published_before=2022-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(found.first(), Some(&old_slug));
}

mod ranked {
    use super::*;

    backend_tests!(config = crate::search::rank_100; a_query_matching_very_many_ranks_the_newest);
}

async fn unpublished_stories_do_not_move_public_scores(app: TestApp) {
    app.taxonomy();
    let editor = app.token("editor").await;
    for headline in [
        "Zephyr winds reach the coast",
        "Zephyr forecast for the weekend",
    ] {
        publish(&app, &editor, story_json(headline)).await;
    }
    let cursor = |page: Value| page["next_cursor"].as_str().unwrap().to_string();
    // The first hit's score is in the cursor of a one-hit page.
    let before = cursor(app.get_ok(&search_path("zephyr", "&limit=1")).await);
    for i in 0..5 {
        let mut draft = story_json(&format!("Zephyr zephyr draft {i}"));
        draft["body"] = json!("<p>Zephyr zephyr zephyr.</p>");
        assert_eq!(
            app.json("POST", "/v1/articles", Some(&editor), &draft)
                .await
                .status,
            201
        );
    }
    let after = cursor(app.get_ok(&search_path("zephyr", "&limit=1")).await);
    assert_eq!(before, after, "drafts changed a public score");
    // The newsroom's ranking sees them.
    assert_eq!(find_as(&app, &editor, "zephyr").await.len(), 7);
}

backend_tests!(
    unpublished_stories_do_not_move_public_scores,
    the_judged_set_ranks_the_right_story_first,
    seed_bench_headlines_find_their_story_first,
    words_phrases_exclusions_and_or_behave_as_typed,
    filters_combine_with_the_query,
    cursor_pages_hold_every_hit_once_best_first,
    snippets_are_safe_html_with_marks,
    the_public_finds_only_public_stories,
    below_the_editor_role_a_token_adds_only_ones_own,
    the_index_follows_every_write,
    bad_queries_are_400_and_punctuation_finds_or_not,
);
