use super::*;
use crate::editorial::fixtures::{names, now, stored};
use crate::error::FieldError;

fn input(json: serde_json::Value) -> ArticleInput {
    serde_json::from_value(json).unwrap()
}

fn failing(result: Result<Draft, ApiError>) -> Vec<String> {
    match result {
        Err(ApiError::Validation(errors)) => errors
            .into_iter()
            .map(|FieldError { field, .. }| field)
            .collect(),
        other => panic!("expected a validation failure, got {other:?}"),
    }
}

#[test]
fn a_create_needs_headline_and_body() {
    let fields = failing(validate(
        &input(serde_json::json!({})),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    ));
    assert_eq!(fields, ["headline", "body"]);
    let fields = failing(validate(
        &input(serde_json::json!({"headline": " ", "body": ""})),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    ));
    assert_eq!(fields, ["headline", "body"]);
}

#[test]
fn a_new_story_is_an_undated_draft() {
    let d = validate(
        &input(serde_json::json!({"headline": " Hi ", "body": "<p>x</p>"})),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    )
    .unwrap();
    assert_eq!(d.headline, "Hi");
    assert_eq!(d.status, STATUS_DRAFT);
    assert_eq!(d.published_at, None);
    assert_eq!(d.slug, "", "derived when stored");
    assert!(d.needs_render(None));
}

#[test]
fn omitted_members_keep_and_null_clears() {
    let current = stored();
    let d = validate(
        &input(serde_json::json!({"headline": "New", "credit": null, "section": null})),
        Some(&current),
        &names(),
        now(),
        FieldErrors::default(),
    )
    .unwrap();
    assert_eq!(d.headline, "New");
    assert_eq!(d.standfirst, "Old standfirst");
    assert_eq!(d.credit, None);
    assert_eq!(d.section_id, None);
    assert_eq!(d.author_ids, ["a1"]);
    assert_eq!(d.status, STATUS_PUBLISHED);
    assert!(!d.needs_render(Some(&Draft::of(&current))));
}

#[test]
fn an_empty_write_changes_nothing() {
    let current = stored();
    let d = validate(
        &input(serde_json::json!({})),
        Some(&current),
        &names(),
        now(),
        FieldErrors::default(),
    )
    .unwrap();
    assert_eq!(d, Draft::of(&current));
}

#[test]
fn names_resolve_in_order_without_repeats_and_unknown_ones_fail() {
    let d = validate(
        &input(serde_json::json!({
            "headline": "h", "body": "b",
            "authors": ["bob", "ann", "bob"],
            "tags": ["Alpha", "New Thing", "new thing"],
            "also_read": ["other", "x2"],
        })),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    )
    .unwrap();
    assert_eq!(d.author_ids, ["a2", "a1"]);
    assert_eq!(
        d.tags,
        [
            TagChoice::Existing("t1".into()),
            TagChoice::New {
                slug: "new-thing".into(),
                name: "New Thing".into()
            }
        ]
    );
    assert_eq!(d.related_ids, ["x2"]);
    let fields = failing(validate(
        &input(serde_json::json!({
            "headline": "h", "body": "b", "section": "nope",
            "authors": ["nobody"], "also_read": ["missing"], "tags": ["\u{1}"],
        })),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    ));
    assert_eq!(fields, ["section", "authors", "tags", "also_read"]);
}

#[test]
fn a_story_cannot_be_its_own_also_read() {
    let fields = failing(validate(
        &input(serde_json::json!({"also_read": ["self"]})),
        Some(&stored()),
        &names(),
        now(),
        FieldErrors::default(),
    ));
    assert_eq!(fields, ["also_read"]);
}

#[test]
fn publishing_and_scheduling_follow_the_clock() {
    let publish = validate(
        &input(serde_json::json!({"headline": "h", "body": "b", "status": "published"})),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    )
    .unwrap();
    assert_eq!(publish.published_at, Some(now()), "now when omitted");
    let fields = failing(validate(
        &input(
            serde_json::json!({"headline": "h", "body": "b", "status": "scheduled",
            "published_at": "2020-01-01T00:00:00Z"}),
        ),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    ));
    assert_eq!(fields, ["published_at"]);
    let scheduled = validate(
        &input(serde_json::json!({"status": "scheduled", "published_at": "2027-01-01T00:00:00Z"})),
        Some(&stored()),
        &names(),
        now(),
        FieldErrors::default(),
    )
    .unwrap();
    assert_eq!(scheduled.status, STATUS_PUBLISHED);
    let fields = failing(validate(
        &input(serde_json::json!({"published_at": null})),
        Some(&stored()),
        &names(),
        now(),
        FieldErrors::default(),
    ));
    assert_eq!(fields, ["published_at"], "a published story keeps a time");
}

#[test]
fn every_failing_field_is_named_at_once() {
    let fields = failing(validate(
        &input(serde_json::json!({
            "headline": "x".repeat(301), "slug": "Bad Slug", "body": "a\u{0}b",
            "canonical_url": "javascript:alert(1)",
            "featured_image": {"url": "ftp://x/y", "credit": "c".repeat(201)},
            "published_at": "yesterday",
        })),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    ));
    assert_eq!(
        fields,
        [
            "headline",
            "slug",
            "body",
            "canonical_url",
            "featured_image.url",
            "featured_image.credit",
            "published_at"
        ]
    );
}

#[test]
fn urls_are_stored_in_normal_form() {
    let d = validate(
        &input(serde_json::json!({"headline": "h", "body": "b",
            "canonical_url": "https://Example.com/a b"})),
        None,
        &names(),
        now(),
        FieldErrors::default(),
    )
    .unwrap();
    assert_eq!(
        d.canonical_url.as_deref(),
        Some("https://example.com/a%20b")
    );
}
