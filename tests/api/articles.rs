use crate::backend_tests;
use crate::helpers::{from_now, slugs, story, TestApp};

/// 25 stories in `news`; five share one publish second to test tie-breaking.
fn many_stories(app: &TestApp) -> Vec<String> {
    app.taxonomy();
    let mut expected = Vec::new();
    for i in 0..25 {
        let at = if (10..15).contains(&i) {
            "2024-01-10T12:00:00Z".to_string()
        } else {
            format!("2024-01-{:02}T08:00:00Z", i + 1)
        };
        let slug = format!("story-{i:02}");
        app.insert(story(&slug, &at));
        expected.push((at, slug));
    }
    expected.sort();
    expected.reverse();
    expected.into_iter().map(|(_, s)| s).collect()
}

async fn lists_newest_first_with_default_limit(app: TestApp) {
    let expected = many_stories(&app);
    let page = app.get_ok("/v1/articles").await;
    let got = slugs(&page);
    assert_eq!(got.len(), 10, "the default limit is 10");
    assert_eq!(got[0], expected[0]);
    assert_eq!(got[1], expected[1]);
    let times: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["published_at"].as_str().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {times:?}"
    );
    assert!(page["next_cursor"].is_string());
}

async fn cursor_walks_every_story_once(app: TestApp) {
    let expected = many_stories(&app);
    let mut seen = Vec::new();
    let mut path = "/v1/articles?limit=4".to_string();
    for _ in 0..20 {
        let page = app.get_ok(&path).await;
        let got = slugs(&page);
        assert!(got.len() <= 4);
        let set: std::collections::HashSet<_> = got.iter().collect();
        assert_eq!(set.len(), got.len());
        seen.extend(got);
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/articles?limit=4&cursor={cursor}"),
            None => break,
        }
    }
    let mut sorted_seen = seen.clone();
    sorted_seen.sort();
    sorted_seen.dedup();
    assert_eq!(
        sorted_seen.len(),
        25,
        "no story twice, none missed: {seen:?}"
    );
    assert_eq!(seen.len(), 25);
    let mut expected_set = expected.clone();
    expected_set.sort();
    assert_eq!(sorted_seen, expected_set);
    // Away from the five-way tie, the order is exactly by time.
    assert_eq!(seen[..10], expected[..10]);
    assert_eq!(seen[15..], expected[15..]);
}

async fn a_new_story_does_not_shift_the_next_page(app: TestApp) {
    many_stories(&app);
    let first = app.get_ok("/v1/articles?limit=5").await;
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let second_before = slugs(
        &app.get_ok(&format!("/v1/articles?limit=5&cursor={cursor}"))
            .await,
    );
    app.insert(story("breaking", "2024-06-01T00:00:00Z"));
    let second_after = slugs(
        &app.get_ok(&format!("/v1/articles?limit=5&cursor={cursor}"))
            .await,
    );
    assert_eq!(
        second_before, second_after,
        "keyset pages do not drift as OFFSET would"
    );
    assert_eq!(
        slugs(&app.get_ok("/v1/articles?limit=1").await),
        ["breaking"]
    );
}

async fn filters_by_section_tag_author_and_together(app: TestApp) {
    app.taxonomy();
    let mut a = story("a", "2024-02-01T00:00:00Z");
    a.tags = vec!["alpha".into()];
    let mut b = story("b", "2024-02-02T00:00:00Z");
    b.section = Some("world".into());
    b.tags = vec!["alpha".into(), "beta".into()];
    b.authors = vec!["bob".into()];
    let mut c = story("c", "2024-02-03T00:00:00Z");
    c.section = Some("world".into());
    c.authors = vec!["ann".into(), "bob".into()];
    for s in [a, b, c] {
        app.insert(s);
    }
    assert_eq!(
        slugs(&app.get_ok("/v1/articles?section=world").await),
        ["c", "b"]
    );
    assert_eq!(
        slugs(&app.get_ok("/v1/articles?tag=alpha").await),
        ["b", "a"]
    );
    assert_eq!(slugs(&app.get_ok("/v1/articles?tag=beta").await), ["b"]);
    assert_eq!(
        slugs(&app.get_ok("/v1/articles?author=bob").await),
        ["c", "b"]
    );
    assert_eq!(
        slugs(&app.get_ok("/v1/articles?author=ann").await),
        ["c", "a"]
    );
    assert_eq!(
        slugs(&app.get_ok("/v1/articles?section=world&tag=alpha").await),
        ["b"]
    );
    assert_eq!(
        slugs(&app.get_ok("/v1/articles?section=news&author=bob").await),
        Vec::<String>::new()
    );
    assert_eq!(
        slugs(
            &app.get_ok("/v1/articles?section=world&tag=alpha&author=bob")
                .await
        ),
        ["b"]
    );
    // Paging a filtered list.
    let first = app.get_ok("/v1/articles?author=bob&limit=1").await;
    assert_eq!(slugs(&first), ["c"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_ok(&format!("/v1/articles?author=bob&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(slugs(&second), ["b"]);
    assert!(second["next_cursor"].is_null());
    // Bylines come in their order, without emails.
    let c = &app.get_ok("/v1/articles?limit=1").await["data"][0];
    assert_eq!(c["authors"][0]["slug"], "ann");
    assert_eq!(c["authors"][1]["slug"], "bob");
    assert!(!app
        .get("/v1/articles?limit=1")
        .await
        .text()
        .contains("@newsroom.example"));
}

async fn unknown_filter_slugs_are_404(app: TestApp) {
    app.taxonomy();
    for path in [
        "/v1/articles?section=nope",
        "/v1/articles?tag=nope",
        "/v1/articles?author=nope",
    ] {
        let problem = app.get(path).await.problem(404);
        assert!(
            problem["detail"].as_str().unwrap().contains("nope"),
            "{problem}"
        );
    }
}

async fn filters_by_publish_window(app: TestApp) {
    app.taxonomy();
    app.insert(story("dec", "2023-12-31T23:59:59Z"));
    app.insert(story("jan", "2024-01-15T00:00:00Z"));
    app.insert(story("feb", "2024-02-01T00:00:00Z"));
    let window =
        "/v1/articles?published_after=2024-01-01T00:00:00Z&published_before=2024-02-01T00:00:00Z";
    assert_eq!(slugs(&app.get_ok(window).await), ["jan"]);
    assert_eq!(
        slugs(
            &app.get_ok("/v1/articles?published_after=2024-01-15T01:00:00%2B01:00")
                .await
        ),
        ["feb", "jan"],
        "offsets are honoured"
    );
}

async fn bad_parameters_are_400_problems(app: TestApp) {
    app.taxonomy();
    for (path, field) in [
        ("/v1/articles?limit=0", "limit"),
        ("/v1/articles?limit=101", "limit"),
        ("/v1/articles?limit=1000000000", "limit"),
        ("/v1/articles?limit=-3", "limit"),
        ("/v1/articles?cursor=garbage", "cursor"),
        (
            "/v1/articles?cursor=0005b81f7e1a7600zz6f3e8a6a0c4a599d4e0f0c1f1e2d3c",
            "cursor",
        ),
        ("/v1/articles?published_after=yesterday", "published_after"),
        (
            "/v1/articles?published_before=2021-13-45T00:00:00Z",
            "published_before",
        ),
    ] {
        let problem = app.get(path).await.problem(400);
        assert_eq!(problem["errors"][0]["field"], field, "{path}: {problem}");
        assert_eq!(problem["code"], "invalid_parameter");
    }
    for path in [
        "/v1/articles?limit=ten",
        "/v1/articles?limit=99999999999999999999999",
    ] {
        let problem = app.get(path).await.problem(400);
        assert!(
            problem["detail"].as_str().unwrap().contains("query"),
            "{path}: {problem}"
        );
    }
}

async fn unknown_story_is_404(app: TestApp) {
    app.taxonomy();
    let problem = app.get("/v1/articles/no-such-story").await.problem(404);
    assert!(problem["detail"]
        .as_str()
        .unwrap()
        .contains("no-such-story"));
    app.get("/v1/articles/00000000-0000-0000-0000-000000000000")
        .await
        .problem(404);
    app.get("/v1/articles/%27%20OR%201=1--").await.problem(404);
}

async fn also_read_prefers_picks_then_tags_then_section(app: TestApp) {
    app.taxonomy();
    let mut old = story("old-same-section", "2024-01-01T00:00:00Z");
    old.tags = vec![];
    app.insert(old);
    let mut tagged = story("tagged-elsewhere", "2024-01-02T00:00:00Z");
    tagged.section = Some("world".into());
    tagged.tags = vec!["beta".into()];
    app.insert(tagged);
    let mut unrelated = story("unrelated", "2024-01-05T00:00:00Z");
    unrelated.section = Some("world".into());
    app.insert(unrelated);
    let mut main = story("main", "2024-01-03T00:00:00Z");
    main.tags = vec!["beta".into()];
    app.insert(main);
    let derived = app.get_ok("/v1/articles/main").await;
    let also: Vec<&str> = derived["also_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        also,
        ["tagged-elsewhere", "old-same-section"],
        "tags first, then section; never itself"
    );

    let mut picked = story("picked", "2024-01-04T00:00:00Z");
    picked.also_read = vec!["unrelated".into(), "old-same-section".into()];
    app.insert(picked);
    let picks = app.get_ok("/v1/articles/picked").await;
    let also: Vec<&str> = picks["also_read"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["slug"].as_str().unwrap())
        .collect();
    assert_eq!(
        also,
        ["unrelated", "old-same-section"],
        "editors' picks in their order"
    );
}

async fn previous_and_next_stay_in_the_section(app: TestApp) {
    app.taxonomy();
    app.insert(story("n1", "2024-01-01T00:00:00Z"));
    let mut w = story("w1", "2024-01-02T00:00:00Z");
    w.section = Some("world".into());
    app.insert(w);
    app.insert(story("n2", "2024-01-03T00:00:00Z"));
    app.insert(story("n3", "2024-01-04T00:00:00Z"));
    let middle = app.get_ok("/v1/articles/n2").await;
    assert_eq!(middle["previous"]["slug"], "n1");
    assert_eq!(middle["next"]["slug"], "n3");
    let first = app.get_ok("/v1/articles/n1").await;
    assert!(first["previous"].is_null());
    assert_eq!(first["next"]["slug"], "n2");
    let last = app.get_ok("/v1/articles/n3").await;
    assert!(last["next"].is_null());
    let world = app.get_ok("/v1/articles/w1").await;
    assert!(world["previous"].is_null() && world["next"].is_null());
}

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

async fn answers_carry_validators_and_honour_if_none_match(app: TestApp) {
    app.taxonomy();
    app.insert(story("cached", "2024-01-01T00:00:00Z"));
    for path in [
        "/v1/articles/cached",
        "/v1/articles",
        "/v1/sections",
        "/v1/latest",
        "/v1/tags",
    ] {
        let first = app.get(path).await;
        assert_eq!(first.status, 200);
        let etag = first.header("etag").expect("an ETag");
        assert!(etag.starts_with("W/\""), "{etag}");
        assert_eq!(
            first.header("cache-control").as_deref(),
            Some("public, max-age=60")
        );
        let again = app.request("GET", path, &[("If-None-Match", &etag)]).await;
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty());
        assert_eq!(again.header("etag").as_deref(), Some(etag.as_str()));
        let other = app
            .request("GET", path, &[("If-None-Match", "W/\"something-else\"")])
            .await;
        assert_eq!(other.status, 200);
    }
    // A change to the content changes the validator.
    let before = app.get("/v1/articles").await.header("etag");
    app.insert(story("fresh", "2024-02-01T00:00:00Z"));
    assert_ne!(app.get("/v1/articles").await.header("etag"), before);
}

async fn cache_lifetime_ends_when_a_scheduled_story_appears(app: TestApp) {
    app.taxonomy();
    app.insert(story("now", "2024-01-01T00:00:00Z"));
    let mut soon = story("soon", &from_now(20));
    soon.status = "scheduled".into();
    app.insert(soon);
    let reply = app.get("/v1/articles").await;
    let cc = reply.header("cache-control").unwrap();
    let age: u32 = cc.trim_start_matches("public, max-age=").parse().unwrap();
    assert!(age <= 20, "max-age {age} outlives the scheduled story");
    assert_eq!(slugs(&reply.json()), ["now"]);
    // The same holds for a story page whose Next link is about to change.
    let page = app.get("/v1/articles/now").await;
    let cc = page.header("cache-control").unwrap();
    let age: u32 = cc.trim_start_matches("public, max-age=").parse().unwrap();
    assert!(age <= 20, "max-age {age}");
    assert!(page.json()["next"].is_null());
}

backend_tests!(
    lists_newest_first_with_default_limit,
    cursor_walks_every_story_once,
    a_new_story_does_not_shift_the_next_page,
    filters_by_section_tag_author_and_together,
    unknown_filter_slugs_are_404,
    filters_by_publish_window,
    bad_parameters_are_400_problems,
    unknown_story_is_404,
    also_read_prefers_picks_then_tags_then_section,
    previous_and_next_stay_in_the_section,
    markdown_bodies_are_rendered_and_sanitized,
    answers_carry_validators_and_honour_if_none_match,
    cache_lifetime_ends_when_a_scheduled_story_appears,
);
