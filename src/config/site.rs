//! The reader-facing site: byline is headless, so a story's public address
//! is the frontend's. These settings say where the frontend serves each
//! kind of page, and who publishes it.

use anyhow::bail;

use super::env::{read, var};

/// Where the frontend serves pages, and the publication's name, language
/// and logo.
#[derive(Clone, Debug)]
pub struct Site {
    /// BYLINE_SITE_URL: the site's base URL, such as
    /// `https://www.example.com`. Required in production; in development
    /// `http://localhost:3000`.
    pub url: String,
    /// Whether BYLINE_SITE_URL was set (production requires it).
    pub url_explicit: bool,
    /// BYLINE_SITE_NAME: the publication's name, default `byline`.
    pub name: String,
    /// BYLINE_SITE_LANGUAGE: its language as a BCP 47 tag, default `en`.
    pub language: String,
    /// BYLINE_SITE_LOGO_URL: the publisher's logo, for NewsArticle
    /// markup; default none.
    pub logo_url: Option<String>,
    /// BYLINE_STORY_URL: a story page's address; `{site}`, `{section}`,
    /// `{slug}` and `{id}` are filled in. Default `{site}/{section}/{slug}`.
    /// A story's `canonical_url` overrides it.
    pub story_url: String,
    /// BYLINE_SECTION_URL, default `{site}/{slug}`.
    pub section_url: String,
    /// BYLINE_TAG_URL, default `{site}/tag/{slug}`.
    pub tag_url: String,
    /// BYLINE_AUTHOR_URL, default `{site}/author/{slug}`.
    pub author_url: String,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            url: "http://localhost:3000".into(),
            url_explicit: false,
            name: "byline".into(),
            language: "en".into(),
            logo_url: None,
            story_url: "{site}/{section}/{slug}".into(),
            section_url: "{site}/{slug}".into(),
            tag_url: "{site}/tag/{slug}".into(),
            author_url: "{site}/author/{slug}".into(),
        }
    }
}

fn fill(template: &str, site: &str, pairs: &[(&str, &str)]) -> String {
    let mut out = template.replace("{site}", site.trim_end_matches('/'));
    for (name, value) in pairs {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    // An empty part (a story with no section) leaves no empty segment.
    let (scheme, rest) = out.split_once("://").unwrap_or(("", &out));
    let mut rest = rest.to_string();
    while rest.contains("//") {
        rest = rest.replace("//", "/");
    }
    if scheme.is_empty() {
        rest
    } else {
        format!("{scheme}://{rest}")
    }
}

impl Site {
    /// Overrides the defaults with whatever the environment sets.
    pub(super) fn read_env(&mut self) -> anyhow::Result<()> {
        if let Some(url) = var("BYLINE_SITE_URL") {
            self.url = url.trim().to_string();
            self.url_explicit = true;
        }
        read(&mut self.name, "BYLINE_SITE_NAME")?;
        read(&mut self.language, "BYLINE_SITE_LANGUAGE")?;
        // Its conventional case (en-GB), as stories store theirs; an
        // invalid tag is left for the check to refuse.
        if let Some(normal) = crate::validation::normalize_language(&self.language) {
            self.language = normal;
        }
        if let Some(logo) = var("BYLINE_SITE_LOGO_URL") {
            self.logo_url = Some(logo.trim().to_string());
        }
        read(&mut self.story_url, "BYLINE_STORY_URL")?;
        read(&mut self.section_url, "BYLINE_SECTION_URL")?;
        read(&mut self.tag_url, "BYLINE_TAG_URL")?;
        read(&mut self.author_url, "BYLINE_AUTHOR_URL")
    }

    /// A story page: its canonical URL if it has one, else the template's.
    pub fn story(
        &self,
        slug: &str,
        id: &str,
        section: Option<&str>,
        canonical: Option<&str>,
    ) -> String {
        if let Some(canonical) = canonical.filter(|c| !c.is_empty()) {
            return canonical.to_string();
        }
        fill(
            &self.story_url,
            &self.url,
            &[
                ("section", section.unwrap_or("")),
                ("slug", slug),
                ("id", id),
            ],
        )
    }

    pub fn section(&self, slug: &str) -> String {
        fill(&self.section_url, &self.url, &[("slug", slug)])
    }

    pub fn tag(&self, slug: &str) -> String {
        fill(&self.tag_url, &self.url, &[("slug", slug)])
    }

    pub fn author(&self, slug: &str) -> String {
        fill(&self.author_url, &self.url, &[("slug", slug)])
    }

    /// The site's home page.
    pub fn home(&self) -> String {
        format!("{}/", self.url.trim_end_matches('/'))
    }

    /// Checks the settings: http(s) URLs, templates that name their page.
    pub fn validate(&self) -> anyhow::Result<()> {
        let http = |key: &str, value: &str| -> anyhow::Result<()> {
            match url::Url::parse(value) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host_str().is_some() => Ok(()),
                _ => bail!("{key}={value:?} must be an http(s) URL"),
            }
        };
        http("BYLINE_SITE_URL", &self.url)?;
        if let Some(logo) = &self.logo_url {
            http("BYLINE_SITE_LOGO_URL", logo)?;
        }
        if !self.story_url.contains("{slug}") && !self.story_url.contains("{id}") {
            bail!("BYLINE_STORY_URL must contain {{slug}} or {{id}}");
        }
        for (key, template) in [
            ("BYLINE_SECTION_URL", &self.section_url),
            ("BYLINE_TAG_URL", &self.tag_url),
            ("BYLINE_AUTHOR_URL", &self.author_url),
        ] {
            if !template.contains("{slug}") {
                bail!("{key} must contain {{slug}}");
            }
        }
        for (key, template) in [
            ("BYLINE_STORY_URL", &self.story_url),
            ("BYLINE_SECTION_URL", &self.section_url),
            ("BYLINE_TAG_URL", &self.tag_url),
            ("BYLINE_AUTHOR_URL", &self.author_url),
        ] {
            http(
                key,
                &fill(
                    template,
                    &self.url,
                    &[("section", "s"), ("slug", "x"), ("id", "1")],
                ),
            )?;
        }
        if crate::validation::normalize_language(&self.language).as_deref()
            != Some(self.language.as_str())
        {
            bail!("BYLINE_SITE_LANGUAGE must be a BCP 47 language tag such as en or en-GB");
        }
        if self.name.trim().is_empty() {
            bail!("BYLINE_SITE_NAME must not be empty");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_in_and_leave_no_empty_segment() {
        let site = Site {
            url: "https://www.example.com/".into(),
            ..Site::default()
        };
        assert_eq!(
            site.story("a-story", "1", Some("top-news"), None),
            "https://www.example.com/top-news/a-story"
        );
        assert_eq!(
            site.story("a-story", "1", None, None),
            "https://www.example.com/a-story"
        );
        assert_eq!(
            site.story("a-story", "1", None, Some("https://elsewhere.example/x")),
            "https://elsewhere.example/x"
        );
        assert_eq!(site.author("ann"), "https://www.example.com/author/ann");
        assert_eq!(site.home(), "https://www.example.com/");
        assert!(site.validate().is_ok());
        let bad = Site {
            story_url: "{site}/stories".into(),
            ..Site::default()
        };
        assert!(bad.validate().is_err());
        let bad = Site {
            language: "en_GB!".into(),
            ..Site::default()
        };
        assert!(bad.validate().is_err());
    }
}
