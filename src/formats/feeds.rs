//! RSS 2.0, Atom 1.0 and JSON Feed 1.1 from the same feed items. The XML
//! formats are written by the `rss` and `atom_syndication` crates, which
//! escape what they write; JSON Feed is plain JSON through serde.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde_json::{json, Value};

use crate::config::Site;
use crate::views::FeedItem;

/// A feed format, as its URL names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    pub const NAMES: &'static str = "rss, atom or json";

    pub fn parse(name: &str) -> Option<Format> {
        match name {
            "rss" => Some(Format::Rss),
            "atom" => Some(Format::Atom),
            "json" => Some(Format::Json),
            _ => None,
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml",
            Format::Atom => "application/atom+xml",
            Format::Json => "application/feed+json",
        }
    }
}

/// What a feed says of itself.
#[derive(Debug, Clone)]
pub struct Channel {
    /// Such as "The Example Times: Top News".
    pub title: String,
    pub description: String,
    /// The reader-facing page the feed follows.
    pub home: String,
    /// The feed's permanent id (Atom `id`): a URI under the site's, never
    /// taken from the request.
    pub id: String,
    /// This feed's own address, when BYLINE_API_URL says where the API is
    /// served (the request's Host header is never trusted for it: the
    /// answer is cached and shared).
    pub feed_url: Option<String>,
    /// The newest change among its items (or now, when it has none).
    pub updated: NaiveDateTime,
}

fn utc(t: NaiveDateTime) -> DateTime<Utc> {
    t.and_utc()
}

/// A story's permanent id: its UUID as a URN, the same in every format and
/// whatever its slug or address becomes.
fn permanent_id(id: &str) -> String {
    format!("urn:uuid:{id}")
}

fn link_of(item: &FeedItem, site: &Site) -> String {
    let s = &item.summary;
    site.story(
        &s.slug,
        &s.id,
        s.section.as_ref().map(|x| x.slug.as_str()),
        item.canonical_url.as_deref(),
    )
}

/// The media type of an image, from its file name (JPEG when it does not
/// say).
fn image_type(url: &str) -> &'static str {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .to_ascii_lowercase();
    if path.ends_with(".png") {
        "image/png"
    } else if path.ends_with(".gif") {
        "image/gif"
    } else if path.ends_with(".webp") {
        "image/webp"
    } else if path.ends_with(".avif") {
        "image/avif"
    } else if path.ends_with(".svg") {
        "image/svg+xml"
    } else {
        "image/jpeg"
    }
}

/// The item's summary: its standfirst, or else the opening of its body.
fn summary_of(item: &FeedItem) -> String {
    let s = &item.summary;
    if s.standfirst.trim().is_empty() {
        s.excerpt.clone()
    } else {
        s.standfirst.clone()
    }
}

/// The feed in `format`; `full` adds each story's whole sanitized HTML.
pub fn render(
    format: Format,
    channel: &Channel,
    items: &[FeedItem],
    site: &Site,
    full: bool,
) -> Vec<u8> {
    match format {
        Format::Rss => rss(channel, items, site, full).into_bytes(),
        Format::Atom => atom(channel, items, site, full).into_bytes(),
        Format::Json => json_feed(channel, items, site, full)
            .to_string()
            .into_bytes(),
    }
}

fn rss(channel: &Channel, items: &[FeedItem], site: &Site, full: bool) -> String {
    use rss::extension::atom::{AtomExtensionBuilder, Link};
    use rss::extension::dublincore::DublinCoreExtensionBuilder;
    use rss::{CategoryBuilder, ChannelBuilder, EnclosureBuilder, GuidBuilder, ItemBuilder};

    let entries: Vec<rss::Item> = items
        .iter()
        .map(|item| {
            let s = &item.summary;
            let mut categories: Vec<rss::Category> = Vec::new();
            if let Some(section) = &s.section {
                categories.push(
                    CategoryBuilder::default()
                        .name(section.name.clone())
                        .domain(Some(site.section(&section.slug)))
                        .build(),
                );
            }
            for tag in &item.tags {
                categories.push(
                    CategoryBuilder::default()
                        .name(tag.name.clone())
                        .domain(Some(site.tag(&tag.slug)))
                        .build(),
                );
            }
            let creators: Vec<String> = s.authors.iter().map(|a| a.name.clone()).collect();
            let mut builder = ItemBuilder::default();
            builder
                .title(Some(s.headline.clone()))
                .link(Some(link_of(item, site)))
                .guid(Some(
                    GuidBuilder::default()
                        .value(permanent_id(&s.id))
                        .permalink(false)
                        .build(),
                ))
                .pub_date(Some(utc(item.published_at).to_rfc2822()))
                .description(Some(summary_of(item)))
                .categories(categories)
                .dublin_core_ext(Some(
                    DublinCoreExtensionBuilder::default()
                        .creators(creators)
                        .dates(vec![utc(item.updated_at).to_rfc3339()])
                        .build(),
                ));
            if full {
                builder.content(Some(item.body_html.clone()));
            }
            if let Some(image) = &s.featured_image {
                builder.enclosure(Some(
                    EnclosureBuilder::default()
                        .url(image.url.clone())
                        .length("0".to_string())
                        .mime_type(image_type(&image.url).to_string())
                        .build(),
                ));
            }
            builder.build()
        })
        .collect();
    // The crate declares the namespaces (content, dc, atom) its items use.
    let self_links: Vec<Link> = channel
        .feed_url
        .iter()
        .map(|url| {
            let mut link = Link::default();
            link.set_href(url.clone());
            link.set_rel("self".to_string());
            link.set_mime_type(Some(Format::Rss.media_type().to_string()));
            link
        })
        .collect();
    ChannelBuilder::default()
        .title(channel.title.clone())
        .link(channel.home.clone())
        .description(channel.description.clone())
        .language(Some(site.language.clone()))
        .last_build_date(Some(utc(channel.updated).to_rfc2822()))
        .generator(Some("byline".to_string()))
        .atom_ext(
            (!self_links.is_empty())
                .then(|| AtomExtensionBuilder::default().links(self_links).build()),
        )
        .items(entries)
        .build()
        .to_string()
}

fn atom(channel: &Channel, items: &[FeedItem], site: &Site, full: bool) -> String {
    use atom_syndication::{
        CategoryBuilder, ContentBuilder, EntryBuilder, FeedBuilder, LinkBuilder, PersonBuilder,
        Text,
    };

    let entries: Vec<atom_syndication::Entry> = items
        .iter()
        .map(|item| {
            let s = &item.summary;
            let mut links = vec![LinkBuilder::default()
                .href(link_of(item, site))
                .rel("alternate".to_string())
                .mime_type(Some("text/html".to_string()))
                .build()];
            if let Some(image) = &s.featured_image {
                links.push(
                    LinkBuilder::default()
                        .href(image.url.clone())
                        .rel("enclosure".to_string())
                        .mime_type(Some(image_type(&image.url).to_string()))
                        .build(),
                );
            }
            let mut categories = Vec::new();
            if let Some(section) = &s.section {
                categories.push(
                    CategoryBuilder::default()
                        .term(section.slug.clone())
                        .scheme(Some(site.section(&section.slug)))
                        .label(Some(section.name.clone()))
                        .build(),
                );
            }
            for tag in &item.tags {
                categories.push(
                    CategoryBuilder::default()
                        .term(tag.slug.clone())
                        .scheme(Some(site.tag(&tag.slug)))
                        .label(Some(tag.name.clone()))
                        .build(),
                );
            }
            let mut authors: Vec<atom_syndication::Person> = s
                .authors
                .iter()
                .map(|a| {
                    PersonBuilder::default()
                        .name(a.name.clone())
                        .uri(Some(site.author(&a.slug)))
                        .build()
                })
                .collect();
            if authors.is_empty() {
                authors.push(
                    PersonBuilder::default()
                        .name(site.name.clone())
                        .uri(Some(site.home()))
                        .build(),
                );
            }
            let mut entry = EntryBuilder::default();
            entry
                .title(Text::plain(s.headline.clone()))
                .id(permanent_id(&s.id))
                .updated(utc(item.updated_at).fixed_offset())
                .published(Some(utc(item.published_at).fixed_offset()))
                .authors(authors)
                .categories(categories)
                .links(links)
                .summary(Some(Text::plain(summary_of(item))));
            if full {
                entry.content(Some(
                    ContentBuilder::default()
                        .value(Some(item.body_html.clone()))
                        .content_type(Some("html".to_string()))
                        .build(),
                ));
            }
            entry.build()
        })
        .collect();
    FeedBuilder::default()
        .title(Text::plain(channel.title.clone()))
        .subtitle(Some(Text::plain(channel.description.clone())))
        .id(channel.id.clone())
        .updated(utc(channel.updated).fixed_offset())
        .lang(Some(site.language.clone()))
        .generator(Some(atom_syndication::Generator {
            value: "byline".to_string(),
            uri: None,
            version: None,
        }))
        .links(
            std::iter::once(
                LinkBuilder::default()
                    .href(channel.home.clone())
                    .rel("alternate".to_string())
                    .mime_type(Some("text/html".to_string()))
                    .build(),
            )
            .chain(channel.feed_url.iter().map(|url| {
                LinkBuilder::default()
                    .href(url.clone())
                    .rel("self".to_string())
                    .mime_type(Some(Format::Atom.media_type().to_string()))
                    .build()
            }))
            .collect::<Vec<_>>(),
        )
        .entries(entries)
        .build()
        .to_string()
}

fn json_feed(channel: &Channel, items: &[FeedItem], site: &Site, full: bool) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|item| {
            let s = &item.summary;
            let mut tags: Vec<&str> = s.section.iter().map(|x| x.name.as_str()).collect();
            tags.extend(item.tags.iter().map(|t| t.name.as_str()));
            let mut entry = json!({
                "id": permanent_id(&s.id),
                "url": link_of(item, site),
                "title": s.headline,
                "summary": summary_of(item),
                "date_published": utc(item.published_at).to_rfc3339(),
                "date_modified": utc(item.updated_at).to_rfc3339(),
                "authors": s.authors.iter().map(|a| json!({"name": a.name, "url": site.author(&a.slug)})).collect::<Vec<_>>(),
                "tags": tags,
            });
            if full {
                entry["content_html"] = json!(item.body_html);
            } else {
                entry["content_text"] = json!(summary_of(item));
            }
            if let Some(image) = &s.featured_image {
                entry["image"] = json!(image.url);
            }
            entry
        })
        .collect();
    let mut feed = json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": channel.title,
        "home_page_url": channel.home,
        "description": channel.description,
        "language": site.language,
        "items": items,
    });
    if let Some(url) = &channel.feed_url {
        feed["feed_url"] = json!(url);
    }
    feed
}
