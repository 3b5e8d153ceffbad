//! Surrogate keys: names for what an answer depends on, so a cache (a CDN,
//! or byline's own) can drop exactly the answers a change touched.
//!
//! - `article:<id>`: anything that shows the story (its page, a list or
//!   block it appears in, a page that links to it);
//! - `section:<slug>`, `tag:<slug>`, `author:<slug>`: the entry itself, its
//!   lists and blocks, and anything that shows its name;
//! - `list:articles`: the site-wide list and anything drawn from it;
//! - `latest`: every "Latest from …" block;
//! - `sections`, `tags`, `authors`: the lists of each kind;
//! - `search`, `sitemaps`: every search answer and sitemap, which any
//!   public story change may touch.

use std::collections::BTreeSet;

use actix_web::http::header::{HeaderName, HeaderValue};

use crate::views::{ArticleDetail, ArticleSummary};

pub const LIST_ARTICLES: &str = "list:articles";
pub const LATEST: &str = "latest";
/// Search answers and sitemaps: any change the public sees to any story
/// (its text, address or dates) may change them.
pub const SEARCH: &str = "search";
pub const SITEMAPS: &str = "sitemaps";

/// The header Fastly and Varnish purge by (keys separated by spaces).
pub const SURROGATE_KEY: HeaderName = HeaderName::from_static("surrogate-key");
/// The header Cloudflare purges by (keys separated by commas).
pub const CACHE_TAG: HeaderName = HeaderName::from_static("cache-tag");

/// A set of surrogate keys, kept sorted so headers are stable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keys(BTreeSet<String>);

impl Keys {
    pub fn new() -> Self {
        Keys::default()
    }

    pub fn add(&mut self, key: impl Into<String>) -> &mut Self {
        self.0.insert(key.into());
        self
    }

    pub fn article(&mut self, id: &str) -> &mut Self {
        self.add(format!("article:{id}"))
    }

    /// The key of one section, tag or author (`kind` is "section", "tag"
    /// or "author").
    pub fn entry(&mut self, kind: &str, slug: &str) -> &mut Self {
        self.add(format!("{kind}:{slug}"))
    }

    pub fn extend(&mut self, other: Keys) -> &mut Self {
        self.0.extend(other.0);
        self
    }

    /// A story summary in a list: the story and the names it shows.
    pub fn summary(&mut self, s: &ArticleSummary) -> &mut Self {
        self.article(&s.id);
        if let Some(section) = &s.section {
            self.entry("section", &section.slug);
        }
        for author in &s.authors {
            self.entry("author", &author.slug);
        }
        self
    }

    pub fn summaries(&mut self, list: &[ArticleSummary]) -> &mut Self {
        for s in list {
            self.summary(s);
        }
        self
    }

    /// A whole story page: the story, the names it shows, the stories it
    /// links to, and the feeds its neighbours and "Also read" come from.
    pub fn detail(&mut self, d: &ArticleDetail) -> &mut Self {
        self.article(&d.id);
        match &d.section {
            Some(section) => self.entry("section", &section.slug),
            // Previous and Next come from the site-wide list.
            None => self.add(LIST_ARTICLES),
        };
        for author in &d.authors {
            self.entry("author", &author.slug);
        }
        for tag in &d.tags {
            self.entry("tag", &tag.slug);
        }
        self.summaries(&d.also_read);
        for link in d.previous.iter().chain(&d.next) {
            self.article(&link.id);
            // Its address names its section.
            if let Some(section) = &link.section_slug {
                self.entry("section", section);
            }
        }
        self
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &String> {
        self.0.iter()
    }

    pub fn into_vec(self) -> Vec<String> {
        self.0.into_iter().collect()
    }

    /// The two purge headers.
    pub fn headers(&self) -> [(HeaderName, HeaderValue); 2] {
        let joined = |sep: &str| {
            let text = self.0.iter().cloned().collect::<Vec<_>>().join(sep);
            // Keys are ids and slugs: always valid header text.
            HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
        };
        [(SURROGATE_KEY, joined(" ")), (CACHE_TAG, joined(","))]
    }

    /// The keys of a `Surrogate-Key` header.
    pub fn parse(header: &HeaderValue) -> Keys {
        Keys(
            header
                .to_str()
                .unwrap_or("")
                .split_ascii_whitespace()
                .map(String::from)
                .collect(),
        )
    }
}

impl FromIterator<String> for Keys {
    fn from_iter<I: IntoIterator<Item = String>>(iter: I) -> Self {
        Keys(iter.into_iter().collect())
    }
}
