//! schema.org `NewsArticle` markup for a story page, as Google's article
//! structured data asks for it, and written so that it is safe to paste
//! into a `<script type="application/ld+json">` element.

use serde_json::{json, Map, Value};

use crate::config::Site;
use crate::views::ArticleDetail;

/// The media type of JSON-LD.
pub const MEDIA_TYPE: &str = "application/ld+json";

/// Google shows headlines up to this many characters.
const HEADLINE_CHARS: usize = 110;

/// The story as a `NewsArticle`.
pub fn news_article(d: &ArticleDetail, site: &Site) -> Value {
    let url = site.story(
        &d.slug,
        &d.id,
        d.section.as_ref().map(|s| s.slug.as_str()),
        d.canonical_url.as_deref(),
    );
    let mut headline: String = d.headline.chars().take(HEADLINE_CHARS).collect();
    if d.headline.chars().count() > HEADLINE_CHARS {
        headline.pop();
        headline.push('…');
    }
    let mut publisher = json!({
        "@type": "Organization",
        "name": site.name,
        "url": site.home(),
    });
    if let Some(logo) = &site.logo_url {
        publisher["logo"] = json!({"@type": "ImageObject", "url": logo});
    }
    let mut ld = Map::new();
    ld.insert("@context".into(), json!("https://schema.org"));
    ld.insert("@type".into(), json!("NewsArticle"));
    // The article and the page it is the main entity of are two nodes.
    ld.insert("@id".into(), json!(format!("{url}#article")));
    ld.insert(
        "mainEntityOfPage".into(),
        json!({"@type": "WebPage", "@id": url}),
    );
    ld.insert("url".into(), json!(url));
    ld.insert("headline".into(), json!(headline));
    if !d.standfirst.trim().is_empty() {
        ld.insert("description".into(), json!(d.standfirst));
    }
    if let Some(published) = &d.published_at {
        ld.insert("datePublished".into(), json!(published));
    }
    // A scheduled story went live after its last edit: it was modified,
    // as far as readers can tell, when it was published.
    let modified = match &d.published_at {
        Some(published) if published > &d.updated_at => published.clone(),
        _ => d.updated_at.clone(),
    };
    ld.insert("dateModified".into(), json!(modified));
    let authors: Vec<Value> = d
        .authors
        .iter()
        .map(|a| json!({"@type": "Person", "name": a.name, "url": site.author(&a.slug)}))
        .collect();
    // A story with no byline is the publication's own.
    ld.insert(
        "author".into(),
        if authors.is_empty() {
            json!([{"@type": "Organization", "name": site.name, "url": site.home()}])
        } else {
            json!(authors)
        },
    );
    if let Some(image) = &d.featured_image {
        ld.insert("image".into(), json!([image.url]));
    }
    ld.insert("publisher".into(), publisher);
    if let Some(section) = &d.section {
        ld.insert("articleSection".into(), json!(section.name));
    }
    ld.insert(
        "keywords".into(),
        json!(d.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>()),
    );
    ld.insert("wordCount".into(), json!(d.word_count));
    let language = if d.language.is_empty() {
        &site.language
    } else {
        &d.language
    };
    ld.insert("inLanguage".into(), json!(language));
    ld.insert("isAccessibleForFree".into(), json!(true));
    if let Some(credit) = &d.credit {
        ld.insert(
            "sourceOrganization".into(),
            json!({"@type": "Organization", "name": credit}),
        );
    }
    Value::Object(ld)
}

/// JSON that stays JSON inside a `<script>` element: `<`, `>` and `&` are
/// written as `\u003c`, `\u003e` and `\u0026` (so no `</script>` or `<!--`
/// can appear), and the line separators JavaScript once refused as
/// `\u2028` and `\u2029`. Each of these can stand only inside a string,
/// where the escape means the same character.
pub fn script_safe(value: &Value) -> Vec<u8> {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_can_close_the_script_element() {
        let value = json!({"headline": "</script><script>alert(1)</script> <!-- & \u{2028}"});
        let text = String::from_utf8(script_safe(&value)).unwrap();
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        assert!(!text.contains('\u{2028}'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }
}
