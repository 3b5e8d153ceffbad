//! GET /v1/articles: the public list, its filters and its pages.

use crate::backend_tests;
use crate::helpers::{slugs, story, TestApp};

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

/// `a` in news (alpha), `b` in world (alpha and beta, by bob) and `c` in
/// world (by ann and bob), one a day.
fn three_stories(app: &TestApp) {
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

async fn filters_by_section_tag_or_author(app: TestApp) {
    three_stories(&app);
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
}

async fn filters_combine(app: TestApp) {
    three_stories(&app);
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
}

async fn a_filtered_list_pages_by_cursor(app: TestApp) {
    three_stories(&app);
    let first = app.get_ok("/v1/articles?author=bob&limit=1").await;
    assert_eq!(slugs(&first), ["c"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_ok(&format!("/v1/articles?author=bob&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(slugs(&second), ["b"]);
    assert!(second["next_cursor"].is_null());
}

async fn listed_bylines_come_in_their_order_without_emails(app: TestApp) {
    three_stories(&app);
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

async fn bad_parameters_are_400_problems_naming_their_field(app: TestApp) {
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
}

async fn unreadable_numbers_are_400_query_problems(app: TestApp) {
    app.taxonomy();
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

backend_tests!(
    lists_newest_first_with_default_limit,
    cursor_walks_every_story_once,
    a_new_story_does_not_shift_the_next_page,
    filters_by_section_tag_or_author,
    filters_combine,
    a_filtered_list_pages_by_cursor,
    listed_bylines_come_in_their_order_without_emails,
    unknown_filter_slugs_are_404,
    filters_by_publish_window,
    bad_parameters_are_400_problems_naming_their_field,
    unreadable_numbers_are_400_query_problems,
);
