//! Field checks shared by every write body. A `FieldErrors` collects every
//! failing field, so one 422 names them all.

use serde::{Deserialize, Deserializer};

use crate::error::{ApiError, FieldError};

/// A slug: lower-case letters, digits and single hyphens.
pub const SLUG_PATTERN: &str = "^[a-z0-9]+(-[a-z0-9]+)*$";
/// The longest slug a write may set.
pub const MAX_SLUG: usize = 120;
/// The longest URL a write may set.
pub const MAX_URL: usize = 2000;
/// The longest email address (RFC 5321's path limit).
pub const MAX_EMAIL: usize = 254;

/// Distinguishes an absent member (leave it) from `null` (clear it).
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

pub fn valid_slug(slug: &str) -> bool {
    !slug.is_empty()
        && slug.len() <= MAX_SLUG
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.contains("--")
        && slug
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-'))
}

/// An email address, lower-cased: one `@`, a dotted domain, no spaces.
pub fn normalize_email(raw: &str) -> Option<String> {
    let email = raw.trim().to_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = !local.is_empty()
        && !domain.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && email.len() <= MAX_EMAIL
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    ok.then_some(email)
}

/// An http(s) URL as stored: parsed and written back in its normal form
/// (spaces and quotes percent-encoded), never with credentials in it.
pub fn normalize_url(raw: &str) -> Option<String> {
    let raw = raw.trim();
    // The parser forgives control characters and strips them; a URL that
    // held any is refused rather than silently changed.
    if raw.chars().any(char::is_control) {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    let ok = matches!(url.scheme(), "http" | "https")
        && url.host_str().is_some_and(|h| !h.is_empty())
        && url.username().is_empty()
        && url.password().is_none();
    let normal = url.to_string();
    (ok && normal.len() <= MAX_URL).then_some(normal)
}

/// The longest language tag byline stores, in characters.
pub const MAX_LANGUAGE: usize = 35;

/// A well-formed BCP 47 language tag (RFC 5646) in its conventional case:
/// `en-GB`, `zh-Hant-TW`, `sr-Latn`. None when it is not one.
pub fn normalize_language(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() || raw.len() > MAX_LANGUAGE {
        return None;
    }
    oxilangtag::LanguageTag::parse(raw).ok()?;
    // RFC 5646 2.1.1: language lower case, script title case, region upper
    // case; after a singleton (extensions, private use) all lower case.
    let mut out: Vec<String> = Vec::new();
    let mut singleton_seen = false;
    for (i, sub) in raw.split('-').enumerate() {
        let lower = sub.to_ascii_lowercase();
        singleton_seen |= i > 0 && sub.len() == 1;
        let alpha = sub.chars().all(|c| c.is_ascii_alphabetic());
        out.push(match (i, singleton_seen, sub.len(), alpha) {
            (0, ..) | (_, true, ..) => lower,
            (_, false, 2, true) => sub.to_ascii_uppercase(),
            (_, false, 4, true) => {
                let mut chars = lower.chars();
                chars
                    .next()
                    .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                    .unwrap_or_default()
            }
            _ => lower,
        });
    }
    Some(out.join("-"))
}

/// Collects every failing field of a write body.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every error of another collection.
    pub fn extend(&mut self, other: FieldErrors) {
        self.0.extend(other.0);
    }

    /// Checks a text member: no NUL or other control characters but line
    /// breaks and tabs, within `max` characters as sent (the spec's
    /// `maxLength` counts the same way), and (when `required`) not blank.
    /// Answers it trimmed.
    pub fn text(&mut self, field: &str, value: &str, max: usize, required: bool) -> String {
        let trimmed = value.trim();
        if trimmed
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
        {
            self.add(field, "must not contain control characters");
        } else if required && trimmed.is_empty() {
            self.add(field, "must not be blank");
        } else if value.chars().count() > max {
            self.add(field, format!("must be at most {max} characters"));
        }
        trimmed.to_string()
    }

    /// A text member that may be absent; blank counts as absent.
    pub fn optional_text(
        &mut self,
        field: &str,
        value: Option<&str>,
        max: usize,
    ) -> Option<String> {
        value
            .map(|v| self.text(field, v, max, false))
            .filter(|v| !v.is_empty())
    }

    pub fn url(&mut self, field: &str, value: &str) -> String {
        match normalize_url(value).filter(|_| value.chars().count() <= MAX_URL) {
            Some(url) => url,
            None => {
                self.add(
                    field,
                    format!("must be an http or https URL of at most {MAX_URL} characters, without credentials"),
                );
                value.trim().to_string()
            }
        }
    }

    pub fn email(&mut self, field: &str, value: &str) -> String {
        normalize_email(value).unwrap_or_else(|| {
            self.add(field, "must be an email address");
            value.trim().to_string()
        })
    }

    pub fn slug(&mut self, field: &str, value: &str) -> String {
        let slug = value.trim().to_string();
        if !valid_slug(&slug) {
            self.add(
                field,
                format!(
                    "must be lower-case letters, digits and single hyphens, at most {MAX_SLUG} characters"
                ),
            );
        }
        slug
    }

    /// A language tag as stored (see `normalize_language`).
    pub fn language(&mut self, field: &str, value: &str) -> String {
        normalize_language(value).unwrap_or_else(|| {
            self.add(
                field,
                "must be a BCP 47 language tag such as en, en-GB or zh-Hant-TW",
            );
            String::new()
        })
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }

    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_tags_are_checked_and_cased() {
        for (raw, normal) in [
            ("en", "en"),
            ("EN-gb", "en-GB"),
            ("zh-hant-tw", "zh-Hant-TW"),
            ("sr-latn", "sr-Latn"),
            ("es-419", "es-419"),
            ("de-CH-1996", "de-CH-1996"),
            ("en-a-bbb-x-Private", "en-a-bbb-x-private"),
            (" fr ", "fr"),
        ] {
            assert_eq!(normalize_language(raw).as_deref(), Some(normal), "{raw}");
        }
        for bad in [
            "",
            "english!",
            "en_GB",
            "e",
            "-",
            "en--gb",
            "abcdefghi",
            "12",
        ] {
            assert_eq!(normalize_language(bad), None, "{bad}");
        }
    }

    #[test]
    fn slugs_are_checked() {
        assert!(valid_slug("a-b-1"));
        for bad in ["", "-a", "a-", "a--b", "A", "a b", "a_b"] {
            assert!(!valid_slug(bad), "{bad}");
        }
    }

    #[test]
    fn urls_are_stored_normalized_and_http_only() {
        assert_eq!(
            normalize_url(" https://Example.com/a b\"c ").as_deref(),
            Some("https://example.com/a%20b%22c")
        );
        for bad in [
            "javascript:alert(1)",
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "/relative",
            "https://exa\tmple.com/",
            "http://",
        ] {
            assert_eq!(normalize_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails_are_checked_one_way() {
        assert_eq!(
            normalize_email(" Ed@Example.COM ").as_deref(),
            Some("ed@example.com")
        );
        for bad in [
            "", "a@", "@b.c", "a@b", "a b@c.d", "a@@b.c", "a@b.c.", "a@.b",
        ] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
    }
}
