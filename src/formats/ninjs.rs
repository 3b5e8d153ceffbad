//! IPTC ninjs 3.1 ("News in JSON"), the format news agencies move stories
//! in: a story written as a ninjs item (`export`), and a ninjs item read
//! into an article write body (`import`). Both are pure functions.
//!
//! ninjs has no member for a section, an image's alt text or a credit
//! line, so byline writes them in shapes the schema allows and `import`
//! recognises: the section is the subject whose `rel` is `section` (its
//! slug in `literal`); the featured image is the `picture` association
//! named `featured-image`, its caption and alt text descriptions with the
//! roles `caption` and `alt`, its credit in `by`; the story's credit is
//! the copyright notice `© <credit>` beside usage terms that repeat it.
//! ninjs 3.1 has no `links` either: the reader-facing page is the
//! rendition named `web`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use serde_path_to_error::Segment;

use crate::config::Site;
use crate::editorial::{ArticleInput, FormatInput, ImageInput, StatusInput};
use crate::error::{ApiError, FieldError};
use crate::views::ArticleDetail;

/// The media type of a ninjs item.
pub const MEDIA_TYPE: &str = "application/vnd.iptc.ninjs+json";

const SCHEMA: &str = "http://www.iptc.org/std/ninjs/ninjs-schema_3.1.json#";
const SECTION_REL: &str = "section";
const IMAGE_NAME: &str = "featured-image";

/// Whether a request's body is declared a ninjs item (`Content-Type`).
pub fn is_ninjs(req: &actix_web::HttpRequest) -> bool {
    req.headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with(MEDIA_TYPE))
}

/// A ninjs item's publication status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PubStatus {
    /// Public: byline's `published`.
    Usable,
    /// Not to be published yet: byline's `draft`.
    Withheld,
    /// Withdrawn.
    Canceled,
}

/// A story to export, with what `ArticleDetail` does not carry.
pub struct Story<'a> {
    /// Located: its url and its section's, tags' and authors' urls filled in.
    pub detail: &'a ArticleDetail,
    /// RFC 3339.
    pub created_at: &'a str,
    /// BCP 47; the site's language when empty.
    pub language: &'a str,
    /// RFC 3339.
    pub embargoed_until: Option<&'a str>,
    pub pub_status: PubStatus,
}

/// An imported item: the article it describes, and whether it withdraws
/// the story (`pubStatus: canceled`).
#[derive(Debug)]
pub struct Imported {
    pub input: ArticleInput,
    pub withdraw: bool,
}

/// The story as a ninjs 3.1 item. Members without a value are left out:
/// the schema allows no nulls.
pub fn export(story: &Story, site: &Site) -> Value {
    let d = story.detail;
    let mut item = Map::new();
    let mut put = |key: &str, value: Value| item.insert(key.to_string(), value);
    put("uri", json!(format!("urn:uuid:{}", d.id)));
    put("type", json!("text"));
    put("representationType", json!("full"));
    put(
        "standard",
        json!({"name": "ninjs", "version": "3.1", "schema": SCHEMA}),
    );
    if let Some(version) = d.version {
        put("version", json!(version.to_string()));
    }
    put("firstCreated", json!(story.created_at));
    put("versionCreated", json!(d.updated_at));
    put(
        "contentCreated",
        json!(d.published_at.as_deref().unwrap_or(story.created_at)),
    );
    if let Some(until) = story.embargoed_until {
        put("embargoedUntil", json!(until));
    }
    put("pubStatus", json!(story.pub_status));
    let language = match story.language {
        "" => site.language.as_str(),
        language => language,
    };
    put("language", json!(language));
    put("slugline", json!(d.slug));
    put(
        "headlines",
        json!([{"role": "main", "contentType": "text/plain", "value": d.headline}]),
    );
    if !d.standfirst.trim().is_empty() {
        put(
            "descriptions",
            json!([{"role": "summary", "contentType": "text/plain", "value": d.standfirst}]),
        );
    }
    put(
        "bodies",
        json!([{
            "role": "main",
            "contentType": "text/html",
            "wordCount": d.word_count,
            "value": d.body_html,
        }]),
    );
    if !d.authors.is_empty() {
        let names: Vec<&str> = d.authors.iter().map(|a| a.name.as_str()).collect();
        put("by", json!(readable_list(&names)));
    }
    // ninjs 3.1 has no `authors`: the parties who originated the story are
    // its info sources (`people` would say the story is about them).
    let mut sources: Vec<Value> = d
        .authors
        .iter()
        .map(|a| with_uri(json!({"name": a.name, "role": "author"}), &a.url))
        .collect();
    sources.push(with_uri(
        json!({"name": site.name, "role": "publisher"}),
        &site.home(),
    ));
    put("infoSources", json!(sources));
    let section = d.section.iter().map(|s| {
        let subject = json!({"name": s.name, "rel": SECTION_REL, "literal": s.slug});
        with_uri(subject, &s.url)
    });
    let tags = d
        .tags
        .iter()
        .map(|t| with_uri(json!({"name": t.name, "literal": t.slug}), &t.url));
    let subjects: Vec<Value> = section.chain(tags).collect();
    if !subjects.is_empty() {
        put("subjects", json!(subjects));
    }
    if !d.url.is_empty() {
        put(
            "renditions",
            json!([{"name": "web", "href": d.url, "contentType": "text/html"}]),
        );
    }
    if let Some(image) = &d.featured_image {
        let mut descriptions = Vec::new();
        for (role, text) in [("caption", &image.caption), ("alt", &image.alt)] {
            if let Some(text) = text.as_deref().filter(|t| !t.trim().is_empty()) {
                descriptions
                    .push(json!({"role": role, "contentType": "text/plain", "value": text}));
            }
        }
        let mut picture = json!({
            "name": IMAGE_NAME,
            "uri": image.url,
            "type": "picture",
            "renditions": [{"name": "main", "href": image.url}],
        });
        if !descriptions.is_empty() {
            picture["descriptions"] = json!(descriptions);
        }
        if let Some(credit) = image.credit.as_deref().filter(|c| !c.trim().is_empty()) {
            picture["by"] = json!(credit);
        }
        put("associations", json!([picture]));
    }
    if let Some(credit) = d.credit.as_deref().filter(|c| !c.trim().is_empty()) {
        put("copyrightNotice", json!(copyright_notice(credit)));
        put("usageTerms", json!(usage_terms(credit)));
    }
    Value::Object(item)
}

/// `a`, `a and b`, `a, b and c`.
fn readable_list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// The object with `uri` set, unless there is none (the schema wants a
/// URI there, and an empty string is not one).
fn with_uri(mut object: Value, uri: &str) -> Value {
    if !uri.is_empty() {
        object["uri"] = json!(uri);
    }
    object
}

fn copyright_notice(credit: &str) -> String {
    format!("© {credit}")
}

fn usage_terms(credit: &str) -> String {
    format!("Publish with the credit line: {credit}")
}

/// The credit behind a copyright notice in export's shape; other notices
/// ("Copyright 2013 The News Agency - all rights reserved") name no credit
/// line byline could show.
fn credit_of(notice: Option<&str>, terms: Option<&str>) -> Option<String> {
    let credit = notice?.strip_prefix("© ")?;
    (!credit.trim().is_empty() && terms == Some(usage_terms(credit).as_str()))
        .then(|| credit.to_string())
}

// What `import` reads of an item. Every other member is allowed and
// ignored: ninjs has dozens.

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    #[serde(rename = "type")]
    kind: Option<String>,
    headlines: Option<Vec<Text>>,
    descriptions: Option<Vec<Text>>,
    bodies: Option<Vec<Text>>,
    subjects: Option<Vec<Subject>>,
    language: Option<String>,
    embargoed_until: Option<String>,
    /// ninjs 2's name for `embargoedUntil`.
    embargoed: Option<String>,
    pub_status: Option<PubStatus>,
    copyright_notice: Option<String>,
    usage_terms: Option<String>,
    by: Option<String>,
    renditions: Option<Vec<Rendition>>,
    associations: Option<Vec<Association>>,
}

/// A headline, description or body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Text {
    role: Option<String>,
    content_type: Option<String>,
    value: String,
}

#[derive(Deserialize)]
struct Subject {
    name: Option<String>,
    rel: Option<String>,
    literal: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Rendition {
    name: Option<String>,
    href: Option<String>,
    content_type: Option<String>,
}

#[derive(Deserialize)]
struct Association {
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    uri: Option<String>,
    by: Option<String>,
    descriptions: Option<Vec<Text>>,
    renditions: Option<Vec<Rendition>>,
}

/// A ninjs item (of any version from 2.0 on, read with 3.x names) as an
/// article write body. What the item does not carry stays `None`, so that
/// an update from a wire leaves an editor's section or picture alone.
pub fn import(body: &[u8]) -> Result<Imported, ApiError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| refuse("/", format!("is not JSON: {e}")))?;
    if !value.is_object() {
        return Err(refuse("/", "must be a JSON object (a ninjs item)"));
    }
    let item: Item = serde_path_to_error::deserialize(value).map_err(|e| {
        let message = e.inner().to_string();
        refuse(pointer(e.path(), &message), message)
    })?;

    let headlines = item.headlines.as_deref().unwrap_or_default();
    let headline = pick(headlines, "main")
        .map(plain_text)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| refuse("/headlines", "must hold a headline that is not blank"))?;
    let descriptions = item.descriptions.as_deref().unwrap_or_default();
    let mut standfirst = pick(descriptions, "summary").map(plain_text);
    let media = matches!(
        item.kind.as_deref(),
        Some("picture" | "graphic" | "video" | "audio")
    );
    let mut body = body_of(item.bodies.as_deref().unwrap_or_default());
    if body.is_none() && media {
        // A picture's (or clip's) text is its description.
        body = body_of(descriptions);
        standfirst = None;
    }
    let body = body.ok_or_else(|| {
        refuse(
            "/bodies",
            "must hold a body that is not blank, as HTML or plain text",
        )
    })?;

    let mut section = None;
    let mut tags: Vec<String> = Vec::new();
    for subject in item.subjects.iter().flatten() {
        if role_is(&subject.rel, SECTION_REL) {
            section = section.or_else(|| present(&subject.literal));
        } else if let Some(name) = present(&subject.name) {
            // One more than a story may carry is enough for the write to
            // refuse them; reading on would only cost time.
            if tags.len() <= crate::editorial::MAX_TAGS && !tags.contains(&name) {
                tags.push(name);
            }
        }
    }
    let (status, withdraw) = match item.pub_status {
        Some(PubStatus::Usable) => (Some(StatusInput::Published), false),
        Some(PubStatus::Withheld) => (Some(StatusInput::Draft), false),
        Some(PubStatus::Canceled) => (None, true),
        None => (None, false),
    };
    let image = item
        .associations
        .iter()
        .flatten()
        .filter_map(|a| Some((a.name.as_deref() == Some(IMAGE_NAME), association_image(a)?)))
        .min_by_key(|(ours, _)| !ours)
        .map(|(_, image)| image)
        .or_else(|| item_image(&item));
    let credit = credit_of(
        item.copyright_notice.as_deref(),
        item.usage_terms.as_deref(),
    );
    let embargo = present(&item.embargoed_until).or_else(|| present(&item.embargoed));
    let input = ArticleInput {
        headline: Some(headline),
        standfirst: standfirst.filter(|s| !s.is_empty()),
        body: Some(body),
        body_format: Some(FormatInput::Html),
        section: section.map(Some),
        tags: item.subjects.is_some().then_some(tags),
        credit: credit.map(Some),
        featured_image: image.map(Some),
        status,
        language: present(&item.language).map(Some),
        embargoed_until: embargo.map(Some),
        ..ArticleInput::default()
    };
    Ok(Imported { input, withdraw })
}

fn refuse(field: impl Into<String>, message: impl Into<String>) -> ApiError {
    ApiError::Validation(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

/// Where a reading error is, as a JSON Pointer into the item; a missing
/// member is named inside its object.
fn pointer(path: &serde_path_to_error::Path, message: &str) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Unknown => {}
        }
    }
    if let Some(member) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next())
    {
        out.push('/');
        out.push_str(member);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// The value, trimmed, unless absent or blank.
fn present(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

fn role_is(role: &Option<String>, wanted: &str) -> bool {
    role.as_deref()
        .is_some_and(|r| r.trim().eq_ignore_ascii_case(wanted))
}

/// The first text with the role, else the first; blank ones skipped.
fn pick<'t>(texts: &'t [Text], role: &str) -> Option<&'t Text> {
    texts
        .iter()
        .filter(|t| !t.value.trim().is_empty())
        .min_by_key(|t| !role_is(&t.role, role))
}

#[derive(PartialEq)]
enum Markup {
    Html,
    Plain,
    Other,
}

fn markup(text: &Text) -> Markup {
    let content_type = text.content_type.as_deref().unwrap_or_default();
    let content_type = content_type.split(';').next().unwrap_or_default();
    match content_type.trim().to_ascii_lowercase().as_str() {
        // A text with no content type is what its provider means; markup
        // says HTML.
        "" if text.value.trim_start().starts_with('<') => Markup::Html,
        "" | "text/plain" => Markup::Plain,
        "text/html" | "application/xhtml+xml" => Markup::Html,
        // ninjs 1's names: body_xhtml, body_html, description_xhtml, body_text.
        t if t.ends_with("_xhtml") || t.ends_with("_html") => Markup::Html,
        t if t.ends_with("_text") => Markup::Plain,
        _ => Markup::Other,
    }
}

/// A headline's or description's text, without markup.
fn plain_text(text: &Text) -> String {
    match markup(text) {
        Markup::Html => crate::content::plain_text(&text.value),
        _ => text.value.trim().to_string(),
    }
}

/// The body as HTML: an HTML one as it is (byline sanitizes it), else a
/// plain text one in paragraphs; the main one of either kind first.
fn body_of(texts: &[Text]) -> Option<String> {
    let of = |kind: Markup| {
        texts
            .iter()
            .filter(|t| !t.value.trim().is_empty() && markup(t) == kind)
            .min_by_key(|t| !role_is(&t.role, "main"))
    };
    of(Markup::Html)
        .map(|t| t.value.clone())
        .or_else(|| of(Markup::Plain).map(|t| paragraphs(&t.value)))
}

/// Plain text as HTML paragraphs: blank lines separate them.
fn paragraphs(text: &str) -> String {
    let mut out = Vec::new();
    let mut lines: Vec<&str> = Vec::new();
    for line in text.lines().chain([""]) {
        if !line.trim().is_empty() {
            lines.push(line.trim());
        } else if !lines.is_empty() {
            out.push(format!("<p>{}</p>", escape(&lines.join("\n"))));
            lines.clear();
        }
    }
    out.join("\n")
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The href of the rendition to show: the one named `main` (or
/// `original`) first. Unless `any`, only renditions said to be images.
fn image_href(renditions: &[Rendition], any: bool) -> Option<String> {
    renditions
        .iter()
        .filter(|r| {
            let content_type = r.content_type.as_deref().unwrap_or_default();
            (any && !content_type.starts_with("text/")) || content_type.starts_with("image/")
        })
        .filter_map(|r| Some((r, present(&r.href)?)))
        .min_by_key(|(r, _)| !(role_is(&r.name, "main") || role_is(&r.name, "original")))
        .map(|(_, href)| href)
}

fn image_text(descriptions: &[Text], role: &str) -> Option<String> {
    descriptions
        .iter()
        .find(|t| role_is(&t.role, role))
        .map(plain_text)
        .filter(|t| !t.is_empty())
}

/// A picture association as a featured image. Its caption is the
/// description with that role, or one with no role (as agencies send it).
fn association_image(a: &Association) -> Option<ImageInput> {
    let picture = matches!(a.kind.as_deref(), None | Some("picture" | "graphic"));
    if !picture {
        return None;
    }
    let renditions = a.renditions.as_deref().unwrap_or_default();
    let url = image_href(renditions, true).or_else(|| {
        present(&a.uri).filter(|u| u.starts_with("https://") || u.starts_with("http://"))
    })?;
    let descriptions = a.descriptions.as_deref().unwrap_or_default();
    let caption = image_text(descriptions, "caption").or_else(|| {
        let unnamed = descriptions.iter().find(|t| t.role.is_none())?;
        Some(plain_text(unnamed)).filter(|t| !t.is_empty())
    });
    Some(ImageInput {
        url,
        alt: image_text(descriptions, "alt"),
        caption,
        credit: image_text(descriptions, "creditline").or_else(|| present(&a.by)),
    })
}

/// The item's own image rendition: a picture item's picture, or an image
/// a text item names among its renditions.
fn item_image(item: &Item) -> Option<ImageInput> {
    let picture = matches!(item.kind.as_deref(), Some("picture" | "graphic"));
    let url = image_href(item.renditions.as_deref().unwrap_or_default(), picture)?;
    let descriptions = item.descriptions.as_deref().unwrap_or_default();
    Some(ImageInput {
        url,
        alt: image_text(descriptions, "alt"),
        caption: image_text(descriptions, "caption"),
        // A text item's `by` names its writers, not the picture's credit.
        credit: image_text(descriptions, "creditline")
            .or_else(|| present(&item.by).filter(|_| picture)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::views::{AuthorRef, FeaturedImage, SectionRef, TagRef};

    /// The IPTC's schema and examples: `BYLINE_NINJS_DIR` (scripts/test finds
    /// them), else ../shared/ninjs beside the checkout.
    fn shared() -> String {
        std::env::var("BYLINE_NINJS_DIR")
            .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/ninjs").to_string())
    }
    const ID: &str = "0b6f3e8a-6a0c-4a59-9d4e-0f0c1f1e2d3c";

    fn detail() -> ArticleDetail {
        ArticleDetail {
            id: ID.into(),
            slug: "mexico-offers-assange-asylum".into(),
            url: "https://www.example.com/top-news/mexico-offers-assange-asylum".into(),
            headline: "Mexico offers Assange asylum".into(),
            standfirst: String::new(),
            body_html: "<p>Mexico's president offered asylum.</p>".into(),
            excerpt: "Mexico's president offered asylum.".into(),
            published_at: None,
            updated_at: "2021-01-05T10:00:00Z".into(),
            section: None,
            authors: vec![],
            tags: vec![],
            credit: None,
            canonical_url: None,
            featured_image: None,
            word_count: 4,
            reading_time_minutes: 1,
            corrections: vec![],
            corrected_at: None,
            language: String::new(),
            embargoed_until: None,
            translations: vec![],
            also_read: vec![],
            previous: None,
            next: None,
            status: None,
            version: None,
        }
    }

    /// A story with every optional member set.
    fn full() -> ArticleDetail {
        let author = |slug: &str, name: &str| AuthorRef {
            slug: slug.into(),
            url: format!("https://www.example.com/author/{slug}"),
            name: name.into(),
            avatar_url: None,
        };
        let tag = |slug: &str, name: &str| TagRef {
            slug: slug.into(),
            url: format!("https://www.example.com/tag/{slug}"),
            name: name.into(),
        };
        ArticleDetail {
            standfirst: "Lopez Obrador says the offer stands & <b>holds</b>.".into(),
            published_at: Some("2021-01-05T09:30:00Z".into()),
            section: Some(SectionRef {
                slug: "top-news".into(),
                url: "https://www.example.com/top-news".into(),
                name: "Top News".into(),
            }),
            authors: vec![
                author("ann", "Ann Lee"),
                author("bob", "Bob Roy"),
                author("news-desk", "News Desk"),
            ],
            tags: vec![
                tag("julian-assange", "Julian Assange"),
                tag("mexico", "Mexico"),
            ],
            credit: Some("Asian Lite News".into()),
            featured_image: Some(FeaturedImage {
                url: "https://example.com/images/assange.jpg".into(),
                alt: Some("Julian Assange at a window".into()),
                caption: Some("Assange in London, 2019.".into()),
                credit: Some("Reuters/Jane Doe".into()),
            }),
            version: Some(7),
            ..detail()
        }
    }

    fn story(detail: &ArticleDetail, pub_status: PubStatus) -> Story<'_> {
        Story {
            detail,
            created_at: "2021-01-05T08:00:00Z",
            language: "en-GB",
            embargoed_until: Some("2021-01-05T12:00:00Z"),
            pub_status,
        }
    }

    fn round_trip(story: &Story) -> Imported {
        let bytes = serde_json::to_vec(&export(story, &Site::default())).unwrap();
        import(&bytes).unwrap()
    }

    /// The field a refused body is refused at.
    fn refused_at(body: &[u8]) -> String {
        match import(body) {
            Err(ApiError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    /// Answers the one external reference in the schema (places' GeoJSON)
    /// with an empty schema: byline writes no places, and tests never
    /// reach the network.
    struct NoNetwork;

    impl jsonschema::Retrieve for NoNetwork {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            if uri.as_str().starts_with("https://geojson.org/") {
                Ok(json!({}))
            } else {
                Err(format!("{uri} is not available offline").into())
            }
        }
    }

    /// What the official schema says is wrong with an item.
    fn schema_errors(item: &Value) -> Vec<String> {
        let text = std::fs::read_to_string(format!("{}/ninjs-schema_3.1.json", shared())).unwrap();
        let schema: Value = serde_json::from_str(&text).unwrap();
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .with_retriever(NoNetwork)
            .build(&schema)
            .unwrap();
        validator
            .iter_errors(item)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    #[test]
    fn the_iptc_examples_import() {
        let expected = [
            (
                "001_simple_example.json",
                "Captain of wrecked cruise ship on trial in Italy",
                "<p>GROSSETO, Italy (AP) -- The trial",
            ),
            (
                "004_simple_text_article.json",
                "Captain of wrecked cruise ship on trial in Italy",
                "tragedy.</p> <p>The sole defendant",
            ),
            (
                "005_complex_text_article.json",
                "Captain of wrecked cruise ship on trial in Italy",
                "<p>His lawyer, Domenico Pepe",
            ),
            (
                "006_photo_only.json",
                "Costa Concordia cruise ship",
                "lies on its side in the waters",
            ),
        ];
        let mut seen = 0;
        for entry in std::fs::read_dir(format!("{}/examples", shared())).unwrap() {
            let path = entry.unwrap().path();
            let body = std::fs::read(&path).unwrap();
            let item: Value = serde_json::from_slice(&body).unwrap();
            let imported = import(&body).unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
            let input = imported.input;
            assert!(schema_errors(&item).is_empty(), "{}", path.display());
            let name = path.file_name().unwrap().to_str().unwrap();
            if let Some((_, headline, piece)) = expected.iter().find(|(n, ..)| *n == name) {
                seen += 1;
                assert_eq!(input.headline.as_deref(), Some(*headline), "{name}");
                let body = input.body.unwrap();
                assert!(body.contains(piece), "{name}: {body}");
                assert_eq!(input.body_format, Some(FormatInput::Html));
                assert!(input.authors.is_none() && !imported.withdraw);
            }
        }
        assert_eq!(seen, expected.len());

        let photo =
            import(&std::fs::read(format!("{}/examples/006_photo_only.json", shared())).unwrap())
                .unwrap()
                .input;
        let image = photo.featured_image.flatten().unwrap();
        assert!(image.url.ends_with("-big.jpg"), "{image:?}");
        assert_eq!(image.credit.as_deref(), Some("Paulo Santalucia"));
        let complex = std::fs::read(format!(
            "{}/examples/005_complex_text_article.json",
            shared()
        ))
        .unwrap();
        let complex = import(&complex).unwrap().input;
        assert_eq!(complex.language, Some(Some("en".into())));
        // Its notice is not in byline's shape: no credit line to show.
        assert_eq!(complex.credit, None);
    }

    #[test]
    fn the_export_is_valid_ninjs() {
        let full = full();
        for (detail, embargo) in [(&full, true), (&detail(), false)] {
            let mut story = story(detail, PubStatus::Usable);
            if !embargo {
                story.embargoed_until = None;
                story.language = "";
            }
            let item = export(&story, &Site::default());
            let errors = schema_errors(&item);
            assert!(errors.is_empty(), "{errors:#?}\n{item:#}");
        }
        let item = export(&story(&full, PubStatus::Canceled), &Site::default());
        assert_eq!(item["uri"], format!("urn:uuid:{ID}"));
        assert_eq!(item["by"], "Ann Lee, Bob Roy and News Desk");
        assert_eq!(item["version"], "7");
        assert_eq!(item["contentCreated"], "2021-01-05T09:30:00Z");
        assert_eq!(item["firstCreated"], "2021-01-05T08:00:00Z");
        assert_eq!(item["versionCreated"], "2021-01-05T10:00:00Z");
        assert_eq!(item["pubStatus"], "canceled");
        assert_eq!(item["copyrightNotice"], "© Asian Lite News");
        assert_eq!(item["renditions"][0]["href"], full.url);
        assert_eq!(
            item["infoSources"][0]["uri"],
            "https://www.example.com/author/ann"
        );

        let bare = export(&story(&detail(), PubStatus::Withheld), &Site::default());
        for member in [
            "descriptions",
            "subjects",
            "associations",
            "by",
            "copyrightNotice",
            "usageTerms",
            "version",
        ] {
            assert!(bare.get(member).is_none(), "{member} in {bare:#}");
        }
        assert_eq!(bare["contentCreated"], "2021-01-05T08:00:00Z");
        // The validator does refuse what the schema forbids: ninjs 2's name.
        let mut old = bare.clone();
        old["embargoed"] = json!("2021-01-05T12:00:00Z");
        assert!(!schema_errors(&old).is_empty());
        // And checks formats: `uri` must be a URI.
        let mut loose = bare.clone();
        loose["uri"] = json!("not a uri");
        assert!(!schema_errors(&loose).is_empty());
    }

    #[test]
    fn an_export_imports_as_the_same_story() {
        let full = full();
        let imported = round_trip(&story(&full, PubStatus::Usable));
        let input = imported.input;
        assert_eq!(input.headline.as_deref(), Some(full.headline.as_str()));
        assert_eq!(input.standfirst.as_deref(), Some(full.standfirst.as_str()));
        assert_eq!(input.body.as_deref(), Some(full.body_html.as_str()));
        assert_eq!(input.body_format, Some(FormatInput::Html));
        assert_eq!(
            input.tags,
            Some(vec!["Julian Assange".to_string(), "Mexico".to_string()])
        );
        assert_eq!(input.section, Some(Some("top-news".into())));
        assert_eq!(input.language, Some(Some("en-GB".into())));
        assert_eq!(
            input.embargoed_until,
            Some(Some("2021-01-05T12:00:00Z".into()))
        );
        assert_eq!(input.credit, Some(Some("Asian Lite News".into())));
        let image = full.featured_image.unwrap();
        let back = input.featured_image.flatten().unwrap();
        assert_eq!(back.url, image.url);
        assert_eq!(back.caption, image.caption);
        assert_eq!(back.alt, image.alt);
        assert_eq!(back.credit, image.credit);
        assert_eq!(input.status, Some(StatusInput::Published));
        assert!(!imported.withdraw);
        assert!(input.authors.is_none());

        let plain = detail();
        let mut bare = story(&plain, PubStatus::Withheld);
        bare.embargoed_until = None;
        let input = round_trip(&bare).input;
        assert_eq!(input.standfirst, None);
        assert_eq!(input.section, None);
        assert_eq!(input.tags, None);
        assert_eq!(input.credit, None);
        assert_eq!(input.featured_image, None);
        assert_eq!(input.embargoed_until, None);
    }

    #[test]
    fn pub_status_maps_to_status_or_withdrawal() {
        let d = detail();
        let cases = [
            (PubStatus::Usable, Some(StatusInput::Published), false),
            (PubStatus::Withheld, Some(StatusInput::Draft), false),
            (PubStatus::Canceled, None, true),
        ];
        for (pub_status, status, withdraw) in cases {
            let imported = round_trip(&story(&d, pub_status));
            assert_eq!(imported.input.status, status, "{pub_status:?}");
            assert_eq!(imported.withdraw, withdraw, "{pub_status:?}");
        }
        let item =
            br#"{"uri": "urn:x", "headlines": [{"value": "H"}], "bodies": [{"value": "b"}]}"#;
        let imported = import(item).unwrap();
        assert_eq!(imported.input.status, None);
        assert!(!imported.withdraw);
        let drafted =
            br#"{"headlines": [{"value": "H"}], "bodies": [{"value": "b"}], "pubStatus": "draft"}"#;
        assert_eq!(refused_at(drafted), "/pubStatus");
    }

    #[test]
    fn plain_text_bodies_become_escaped_paragraphs() {
        let item = json!({
            "headlines": [{"value": "H"}],
            "bodies": [
                {"role": "nitf", "contentType": "application/xml", "value": "<nitf/>"},
                {"contentType": "text/plain", "value": "  a < b\nand c\r\n\r\n   \n \"d\" & 'e'  \n\n"},
            ],
        });
        let input = import(item.to_string().as_bytes()).unwrap().input;
        assert_eq!(
            input.body.as_deref(),
            Some("<p>a &lt; b\nand c</p>\n<p>&quot;d&quot; &amp; &#39;e&#39;</p>")
        );
        let html = json!({
            "headlines": [{"contentType": "text/html", "value": "<b>Big</b> &amp; bold"}],
            "descriptions": [{"role": "summary", "contentType": "text/html", "value": "<p>Dek &lt;here&gt;</p>"}],
            "bodies": [{"value": "<p>x</p>"}],
        });
        let input = import(html.to_string().as_bytes()).unwrap().input;
        assert_eq!(input.headline.as_deref(), Some("Big & bold"));
        assert_eq!(input.standfirst.as_deref(), Some("Dek <here>"));
        assert_eq!(input.body.as_deref(), Some("<p>x</p>"));
    }

    #[test]
    fn unreadable_items_are_refused_at_their_member() {
        let body = br#"{"bodies": [{"value": "b"}]}"#;
        assert_eq!(refused_at(body), "/headlines");
        let blank = br#"{"headlines": [{"value": "  "}], "bodies": [{"value": "b"}]}"#;
        assert_eq!(refused_at(blank), "/headlines");
        assert_eq!(refused_at(br#"{"headlines": "x"}"#), "/headlines");
        assert_eq!(
            refused_at(br#"{"headlines": [{"role": "main"}]}"#),
            "/headlines/0/value"
        );
        assert_eq!(
            refused_at(br#"{"headlines": [{"value": 3}]}"#),
            "/headlines/0/value"
        );
        let no_body = br#"{"headlines": [{"value": "H"}], "bodies": [{"contentType": "application/xml", "value": "<x/>"}]}"#;
        assert_eq!(refused_at(no_body), "/bodies");
        let text_only =
            br#"{"type": "text", "headlines": [{"value": "H"}], "descriptions": [{"value": "d"}]}"#;
        assert_eq!(refused_at(text_only), "/bodies");
        let renditions = br#"{"headlines": [{"value": "H"}], "bodies": [{"value": "b"}], "renditions": {"a": 1}}"#;
        assert_eq!(refused_at(renditions), "/renditions");
        assert_eq!(refused_at(b"[]"), "/");
        assert_eq!(refused_at(b"not json"), "/");
        assert_eq!(refused_at(b""), "/");
        assert_eq!(refused_at(b"null"), "/");
        // Whatever comes, an answer and no panic.
        let deep = "[".repeat(100_000);
        let odd: [&[u8]; 3] = [
            deep.as_bytes(),
            b"{\"headlines\": [{\"value\": \"\xff\"}]}",
            b"{\"a\": 1e999}",
        ];
        for body in odd {
            assert!(import(body).is_err());
        }
        let members = br#"{"headlines": [{"value": "H"}], "bodies": [{"value": "b"}], "people": 5, "x": null}"#;
        assert!(import(members).is_ok(), "unknown members are allowed");
    }
}
