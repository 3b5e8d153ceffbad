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

    /// The name its URL uses.
    pub fn name(self) -> &'static str {
        match self {
            Format::Rss => "rss",
            Format::Atom => "atom",
            Format::Json => "json",
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
    /// When it last changed: its newest item's change, or a later public
    /// event (a story leaving it); the Unix epoch when it has neither.
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

/// An item's categories: its section, then its tags, each as (slug, name,
/// the page that lists it).
fn categories(item: &FeedItem, site: &Site) -> Vec<(String, String, String)> {
    let section = item
        .summary
        .section
        .iter()
        .map(|x| (x.slug.clone(), x.name.clone(), site.section(&x.slug)));
    let tags = item
        .tags
        .iter()
        .map(|t| (t.slug.clone(), t.name.clone(), site.tag(&t.slug)));
    section.chain(tags).collect()
}

fn rss_item(item: &FeedItem, site: &Site, full: bool) -> rss::Item {
    use rss::extension::dublincore::DublinCoreExtensionBuilder;
    use rss::{CategoryBuilder, EnclosureBuilder, GuidBuilder, ItemBuilder};

    let s = &item.summary;
    let categories: Vec<rss::Category> = categories(item, site)
        .into_iter()
        .map(|(_, name, page)| {
            CategoryBuilder::default()
                .name(name)
                .domain(Some(page))
                .build()
        })
        .collect();
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
        // Readers take an RSS description as HTML: the plain-text summary
        // is escaped, so text that looks like markup stays text.
        .description(Some(ammonia::clean_text(&summary_of(item))))
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
}

fn rss(channel: &Channel, items: &[FeedItem], site: &Site, full: bool) -> String {
    use rss::extension::atom::{AtomExtensionBuilder, Link};
    use rss::ChannelBuilder;

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
        .items(
            items
                .iter()
                .map(|item| rss_item(item, site, full))
                .collect::<Vec<_>>(),
        )
        .build()
        .to_string()
}

fn atom_link(href: String, rel: &str, media_type: &str) -> atom_syndication::Link {
    atom_syndication::LinkBuilder::default()
        .href(href)
        .rel(rel.to_string())
        .mime_type(Some(media_type.to_string()))
        .build()
}

fn atom_entry(item: &FeedItem, site: &Site, full: bool) -> atom_syndication::Entry {
    use atom_syndication::{CategoryBuilder, ContentBuilder, EntryBuilder, PersonBuilder, Text};

    let s = &item.summary;
    let mut links = vec![atom_link(link_of(item, site), "alternate", "text/html")];
    if let Some(image) = &s.featured_image {
        links.push(atom_link(
            image.url.clone(),
            "enclosure",
            image_type(&image.url),
        ));
    }
    let categories: Vec<atom_syndication::Category> = categories(item, site)
        .into_iter()
        .map(|(slug, name, page)| {
            CategoryBuilder::default()
                .term(slug)
                .scheme(Some(page))
                .label(Some(name))
                .build()
        })
        .collect();
    // A story with no byline is the publication's own.
    let mut authors: Vec<(String, String)> = s
        .authors
        .iter()
        .map(|a| (a.name.clone(), site.author(&a.slug)))
        .collect();
    if authors.is_empty() {
        authors.push((site.name.clone(), site.home()));
    }
    let authors: Vec<atom_syndication::Person> = authors
        .into_iter()
        .map(|(name, uri)| PersonBuilder::default().name(name).uri(Some(uri)).build())
        .collect();
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
}

fn atom(channel: &Channel, items: &[FeedItem], site: &Site, full: bool) -> String {
    use atom_syndication::{FeedBuilder, Generator, Text};

    let mut links = vec![atom_link(channel.home.clone(), "alternate", "text/html")];
    if let Some(url) = &channel.feed_url {
        links.push(atom_link(url.clone(), "self", Format::Atom.media_type()));
    }
    FeedBuilder::default()
        .title(Text::plain(channel.title.clone()))
        .subtitle(Some(Text::plain(channel.description.clone())))
        .id(channel.id.clone())
        .updated(utc(channel.updated).fixed_offset())
        .lang(Some(site.language.clone()))
        .generator(Some(Generator {
            value: "byline".to_string(),
            uri: None,
            version: None,
        }))
        .links(links)
        .entries(
            items
                .iter()
                .map(|item| atom_entry(item, site, full))
                .collect::<Vec<_>>(),
        )
        .build()
        .to_string()
}

fn json_feed(channel: &Channel, items: &[FeedItem], site: &Site, full: bool) -> Value {
    let items: Vec<Value> = items
        .iter()
        .map(|item| {
            let s = &item.summary;
            let tags: Vec<String> = categories(item, site).into_iter().map(|(_, name, _)| name).collect();
            let mut entry = json!({
                "id": permanent_id(&s.id),
                "url": link_of(item, site),
                "title": s.headline,
                "summary": summary_of(item),
                "date_published": utc(item.published_at).to_rfc3339(),
                "date_modified": utc(item.updated_at).to_rfc3339(),
                "authors": s.authors.iter().map(|a| json!({"name": a.name, "url": site.author(&a.slug)})).collect::<Vec<_>>(),
                "tags": tags,
                "language": s.language,
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
