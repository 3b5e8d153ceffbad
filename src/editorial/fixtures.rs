//! Values the article rules' unit tests share: a fixed clock, what a
//! body's slugs name, and a published story as stored.

use chrono::{DateTime, NaiveDateTime};

use super::draft::{Current, Names};
use crate::models::article::{Article, STATUS_PUBLISHED};

pub fn now() -> NaiveDateTime {
    DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z")
        .unwrap()
        .naive_utc()
}

pub fn names() -> Names {
    let map = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    Names {
        sections: map(&[("news", "s1")]),
        authors: map(&[("ann", "a1"), ("bob", "a2")]),
        tags: map(&[("alpha", "t1")]),
        articles: map(&[("other", "x2"), ("x2", "x2"), ("self", "x1")]),
        withheld_sections: Vec::new(),
        withheld_tags: Vec::new(),
        translation: None,
        site_language: "en-GB".into(),
    }
}

pub fn stored() -> Current {
    let at = now() - chrono::Duration::days(1);
    Current {
        article: Article {
            id: "x1".into(),
            slug: "self".into(),
            headline: "Old headline".into(),
            standfirst: "Old standfirst".into(),
            body_html: "<p>Old</p>".into(),
            body_source: "<p>Old</p>".into(),
            body_format: "html".into(),
            excerpt: "Old".into(),
            status: STATUS_PUBLISHED.into(),
            published_at: Some(at),
            section_id: Some("s1".into()),
            credit: Some("Wire".into()),
            canonical_url: None,
            image_url: None,
            image_alt: None,
            image_caption: None,
            image_credit: None,
            word_count: 1,
            reading_time_minutes: 1,
            external_id: None,
            external_owner: String::new(),
            version: 3,
            created_at: at,
            updated_at: at,
            created_by: Some("user:1".into()),
            announced: false,
            language: Some("en-GB".into()),
            embargoed_until: None,
            translation_group: None,
        },
        author_ids: vec!["a1".into()],
        tag_ids: vec!["t1".into()],
        related_ids: vec![],
    }
}
