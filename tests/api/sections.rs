use crate::backend_tests;
use crate::helpers::{slugs, TestApp};

async fn sections_list_in_navigation_order(app: TestApp) {
    app.load_demo();
    let list = app.get_ok("/v1/sections").await;
    let got = slugs(&list);
    assert_eq!(got[0], "top-news");
    assert_eq!(got.len(), 6);
    let positions: Vec<i64> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["position"].as_i64().unwrap())
        .collect();
    assert!(positions.windows(2).all(|w| w[0] <= w[1]));
}

async fn one_section_by_slug(app: TestApp) {
    app.load_demo();
    let section = app.get_ok("/v1/sections/top-news").await;
    assert_eq!(section["name"], "Top News");
    assert_eq!(section["slug"], "top-news");
    assert!(section["description"].is_string());
    assert!(section.get("id").is_none(), "internal ids stay internal");
    app.get("/v1/sections/no-such-section").await.problem(404);
}

async fn section_latest_block(app: TestApp) {
    app.load_demo();
    let block = app.get_ok("/v1/sections/top-news/latest?limit=4").await;
    assert_eq!(block["title"], "Latest from Top News");
    assert_eq!(
        slugs(&block),
        [
            "palestinians-seek-help-to-end-israeli-siege",
            "gop-targets-chinese-student-visas-in-new-bill",
            "pak-iran-crack-down-on-afghan-refugees",
            "congo-and-m23-rebel-group-to-hold-peace-talks",
        ]
    );
    let default = app.get_ok("/v1/sections/top-news/latest").await;
    assert_eq!(
        slugs(&default).len(),
        5,
        "the default block has five stories"
    );
    let excluded = app
        .get_ok("/v1/sections/top-news/latest?limit=4&exclude=palestinians-seek-help-to-end-israeli-siege")
        .await;
    assert_eq!(
        slugs(&excluded)[0],
        "gop-targets-chinese-student-visas-in-new-bill"
    );
    assert_eq!(slugs(&excluded).len(), 4);
    app.get("/v1/sections/nope/latest").await.problem(404);
    app.get("/v1/sections/top-news/latest?limit=51")
        .await
        .problem(400);
    app.get("/v1/sections/top-news/latest?limit=0")
        .await
        .problem(400);
}

backend_tests!(
    sections_list_in_navigation_order,
    one_section_by_slug,
    section_latest_block,
);
