use crate::backend_tests;
use crate::helpers::{slugs, TestApp};

async fn tags_page_by_cursor(app: TestApp) {
    app.load_demo();
    let all = slugs(&app.get_ok("/v1/tags?limit=100").await);
    assert_eq!(all.len(), 12);
    let mut sorted = all.clone();
    sorted.sort();
    assert_eq!(all, sorted, "tags are in slug order");
    let mut walked = Vec::new();
    let mut path = "/v1/tags?limit=5".to_string();
    loop {
        let page = app.get_ok(&path).await;
        walked.extend(slugs(&page));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/tags?limit=5&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(walked, all);
    app.get("/v1/tags?limit=0").await.problem(400);
    app.get("/v1/tags?cursor=%%%").await.problem(400);
}

async fn one_tag_and_its_block(app: TestApp) {
    app.load_demo();
    let tag = app.get_ok("/v1/tags/julian-assange").await;
    assert_eq!(tag["name"], "Julian Assange");
    app.get("/v1/tags/nope").await.problem(404);
    let block = app.get_ok("/v1/tags/julian-assange/latest").await;
    assert_eq!(block["title"], "Latest from Julian Assange");
    assert_eq!(
        slugs(&block),
        [
            "mexico-offers-assange-political-asylum",
            "uk-court-denies-assanges-extradition-to-us"
        ]
    );
    app.get("/v1/tags/nope/latest").await.problem(404);
}

async fn authors_never_show_an_email(app: TestApp) {
    app.load_demo();
    let list = app.get("/v1/authors?limit=100").await;
    assert_eq!(list.status, 200);
    assert!(
        !list.text().contains('@'),
        "an email leaked: {}",
        list.text()
    );
    let all = slugs(&list.json());
    assert_eq!(all.len(), 5);
    let desk = app.get("/v1/authors/news-desk").await;
    assert!(!desk.text().contains('@'));
    let desk = desk.json();
    assert_eq!(desk["name"], "News Desk");
    assert!(desk.get("email").is_none());
    for item in list.json()["data"].as_array().unwrap() {
        assert!(item.get("email").is_none());
    }
    app.get("/v1/authors/nope").await.problem(404);
}

async fn author_pages_and_block(app: TestApp) {
    app.load_demo();
    let first = app.get_ok("/v1/authors?limit=2").await;
    assert_eq!(slugs(&first).len(), 2);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get_ok(&format!("/v1/authors?limit=2&cursor={cursor}"))
        .await;
    assert!(slugs(&second)[0] > slugs(&first)[1]);
    let block = app.get_ok("/v1/authors/news-desk/latest?limit=2").await;
    assert_eq!(block["title"], "Latest from News Desk");
    assert_eq!(
        slugs(&block)[0],
        "palestinians-seek-help-to-end-israeli-siege"
    );
    assert!(!app
        .get("/v1/authors/news-desk/latest")
        .await
        .text()
        .contains('@'));
    app.get("/v1/authors/nope/latest").await.problem(404);
}

backend_tests!(
    tags_page_by_cursor,
    one_tag_and_its_block,
    authors_never_show_an_email,
    author_pages_and_block,
);
