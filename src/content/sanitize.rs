//! The sanitizer's policy: which tags, attributes and URL schemes a stored
//! body may keep. ammonia does the work; this only configures it.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Whether a `srcset` candidate's URL is one a page may load: relative, or
/// http(s).
fn allowed_image_url(url: &str) -> bool {
    match url::Url::parse(url) {
        Ok(parsed) => matches!(parsed.scheme(), "http" | "https"),
        Err(url::ParseError::RelativeUrlWithoutBase) => {
            !url.contains(':') || {
                // "a/b:c" is relative; "javascript:x" is not, and fails above.
                let colon = url.find(':').unwrap_or(usize::MAX);
                url.find('/').is_some_and(|slash| slash < colon)
            }
        }
        Err(_) => false,
    }
}

/// Keeps the `srcset` candidates whose URLs are allowed; None when none is.
fn filter_srcset(value: &str) -> Option<String> {
    let mut kept = Vec::new();
    for candidate in split_srcset(value) {
        if allowed_image_url(candidate.0) {
            kept.push(match candidate.1 {
                "" => candidate.0.to_string(),
                descriptor => format!("{} {descriptor}", candidate.0),
            });
        }
    }
    (!kept.is_empty()).then(|| kept.join(", "))
}

/// `srcset`'s candidates as (URL, descriptor), as the HTML standard splits
/// them: a URL runs to white space, and a comma ends a candidate.
fn split_srcset(value: &str) -> Vec<(&str, &str)> {
    let mut out = Vec::new();
    let mut rest = value;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == ',');
        if rest.is_empty() {
            return out;
        }
        let url_end = rest
            .find(|c: char| c.is_ascii_whitespace())
            .unwrap_or(rest.len());
        let url = &rest[..url_end];
        rest = &rest[url_end..];
        if let Some(stripped) = url.strip_suffix(',') {
            out.push((stripped.trim_end_matches(','), ""));
            continue;
        }
        let descriptor_end = rest.find(',').unwrap_or(rest.len());
        out.push((url, rest[..descriptor_end].trim()));
        rest = &rest[descriptor_end..];
    }
}

pub(super) fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .add_tags(["figure", "figcaption", "picture", "source", "mark", "time"])
            .add_tag_attributes("img", ["loading", "srcset", "sizes"])
            .add_tag_attributes("source", ["srcset", "type", "media", "sizes"])
            .add_tag_attributes("time", ["datetime"])
            .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
            .link_rel(Some("noopener noreferrer"))
            // ammonia checks the schemes of href and src, not of srcset's
            // list of URLs.
            .attribute_filter(|_, attribute, value| match attribute {
                "srcset" => filter_srcset(value).map(Cow::Owned),
                _ => Some(Cow::Borrowed(value)),
            });
        builder
    })
}
