//! Sitemaps (sitemaps.org 0.9) and the Google News extension, written with
//! quick-xml's writer so every value is escaped by the library.

use chrono::NaiveDateTime;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

/// The sitemaps.org namespace.
pub const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
/// Google's news sitemap namespace.
pub const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";
/// The most URLs one sitemap file may hold (and sitemaps one index).
pub const MAX_URLS: usize = 50_000;
/// The most stories a Google News sitemap may hold.
pub const MAX_NEWS: usize = 1_000;

/// A page in a sitemap.
pub struct Url {
    pub loc: String,
    pub lastmod: Option<NaiveDateTime>,
}

/// A story in a Google News sitemap.
pub struct NewsUrl {
    pub loc: String,
    pub title: String,
    pub published: NaiveDateTime,
    /// The story's own language (an ISO 639 code, as Google asks), when it
    /// differs from the publication's.
    pub language: Option<String>,
}

/// The publication a Google News sitemap names.
pub struct Publication<'a> {
    pub name: &'a str,
    /// An ISO 639 code, as Google asks: `en`, `de`, `zh-cn`.
    pub language: String,
}

/// W3C Datetime, as sitemaps want it: UTC to the second.
fn w3c(t: NaiveDateTime) -> String {
    crate::views::timestamp(t)
}

/// Text with the characters XML 1.0 cannot hold (most controls, U+FFFE,
/// U+FFFF) left out.
fn xml_text(text: &str) -> String {
    text.chars()
        .filter(|c| {
            matches!(c, '\t' | '\n' | '\r')
                || (!c.is_control() && *c != '\u{FFFE}' && *c != '\u{FFFF}')
        })
        .collect()
}

type Xml = Writer<Vec<u8>>;

fn text_element(w: &mut Xml, name: &str, text: &str) -> std::io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(&xml_text(text)))
        .map(drop)
}

fn document(
    root: &str,
    namespaces: &[(&str, &str)],
    body: impl FnOnce(&mut Xml) -> std::io::Result<()>,
) -> Vec<u8> {
    let mut w = Writer::new(Vec::with_capacity(4096));
    let written = w
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .and_then(|_| {
            w.create_element(root)
                .with_attributes(namespaces.iter().copied())
                .write_inner_content(body)
                .map(drop)
        });
    // Writing into memory cannot fail.
    debug_assert!(written.is_ok());
    w.into_inner()
}

/// A sitemap index: the addresses of the sitemaps.
pub fn index(sitemaps: &[Url]) -> Vec<u8> {
    document("sitemapindex", &[("xmlns", SITEMAP_NS)], |w| {
        for s in sitemaps {
            w.create_element("sitemap").write_inner_content(|w| {
                text_element(w, "loc", &s.loc)?;
                if let Some(t) = s.lastmod {
                    text_element(w, "lastmod", &w3c(t))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// A sitemap of pages.
pub fn urlset(urls: &[Url]) -> Vec<u8> {
    document("urlset", &[("xmlns", SITEMAP_NS)], |w| {
        for u in urls {
            w.create_element("url").write_inner_content(|w| {
                text_element(w, "loc", &u.loc)?;
                if let Some(t) = u.lastmod {
                    text_element(w, "lastmod", &w3c(t))?;
                }
                Ok(())
            })?;
        }
        Ok(())
    })
}

/// A Google News sitemap.
pub fn news(publication: &Publication<'_>, urls: &[NewsUrl]) -> Vec<u8> {
    document(
        "urlset",
        &[("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)],
        |w| {
            for u in urls {
                w.create_element("url").write_inner_content(|w| {
                    text_element(w, "loc", &u.loc)?;
                    w.create_element("news:news").write_inner_content(|w| {
                        w.create_element("news:publication")
                            .write_inner_content(|w| {
                                text_element(w, "news:name", publication.name)?;
                                text_element(
                                    w,
                                    "news:language",
                                    u.language.as_ref().unwrap_or(&publication.language),
                                )
                            })?;
                        text_element(w, "news:publication_date", &w3c(u.published))?;
                        text_element(w, "news:title", &u.title)
                    })?;
                    Ok(())
                })?;
            }
            Ok(())
        },
    )
}

/// Google News wants an ISO 639 language code: the BCP 47 tag's primary
/// subtag, except Chinese, which it names by script region (`zh-cn`,
/// `zh-tw`).
pub fn news_language(bcp47: &str) -> String {
    let lower = bcp47.trim().to_ascii_lowercase();
    let mut parts = lower.split(['-', '_']);
    let primary = parts.next().unwrap_or("en").to_string();
    if primary == "zh" {
        let rest: Vec<&str> = parts.collect();
        let traditional = rest
            .iter()
            .any(|p| matches!(*p, "tw" | "hk" | "mo" | "hant"));
        return if traditional {
            "zh-tw".into()
        } else {
            "zh-cn".into()
        };
    }
    primary
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_and_controls_dropped() {
        let at = chrono::DateTime::from_timestamp(1_700_000_000, 0)
            .unwrap()
            .naive_utc();
        let xml = news(
            &Publication {
                name: "Fish & <Chips>",
                language: news_language("en-GB"),
            },
            &[NewsUrl {
                loc: "https://x.example/a?b=1&c=2".into(),
                title: "A \u{1}title & </news:title> \"q\"".into(),
                published: at,
                language: None,
            }],
        );
        let xml = String::from_utf8(xml).unwrap();
        assert!(
            xml.contains("<news:name>Fish &amp; &lt;Chips&gt;</news:name>"),
            "{xml}"
        );
        assert!(
            xml.contains("<loc>https://x.example/a?b=1&amp;c=2</loc>"),
            "{xml}"
        );
        assert!(xml.contains("A title &amp; &lt;/news:title&gt;"), "{xml}");
        assert!(xml.contains("<news:language>en</news:language>"), "{xml}");
        assert!(!xml.contains('\u{1}'));
    }

    #[test]
    fn news_languages_follow_google() {
        assert_eq!(news_language("en-GB"), "en");
        assert_eq!(news_language("zh-Hant-TW"), "zh-tw");
        assert_eq!(news_language("zh"), "zh-cn");
        assert_eq!(news_language("pt-BR"), "pt");
    }
}
