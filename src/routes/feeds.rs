//! The feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest public
//! stories, for the whole site (`/v1/feeds/{format}`) and for each
//! section, tag and author (`/v1/sections/{section}/feeds/{format}`, …).
//! Feed readers poll, so every feed answers `ETag` and `Last-Modified` and
//! honours `If-None-Match` and `If-Modified-Since` with 304.

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;
use crate::events::keys::Keys;
use crate::formats::feeds::{self, Channel, Format};
use crate::freshness;
use crate::models::{self, feed};
use crate::routes::{resolve_feed, FeedRef};
use crate::state::AppState;
use crate::views;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct FormatPath {
    /// `rss` (RSS 2.0, `application/rss+xml`), `atom` (Atom 1.0,
    /// `application/atom+xml`) or `json` (JSON Feed 1.1,
    /// `application/feed+json`).
    #[param(pattern = "^(rss|atom|json)$", example = "rss")]
    pub format: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// `true` puts each story's whole sanitized HTML in the feed (RSS
    /// `content:encoded`, Atom `content`, JSON Feed `content_html`);
    /// otherwise items carry their summary.
    #[param(value_type = Option<bool>)]
    pub full: Option<String>,
}

/// Serves a feed of `feed` in the format `format` names.
pub async fn serve(
    state: &AppState,
    req: &HttpRequest,
    feed: FeedRef,
    format: &str,
    params: FeedParams,
) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(format).ok_or_else(|| {
        ApiError::NotFound(format!(
            "There is no feed format '{}'; use {}.",
            format.chars().take(40).collect::<String>(),
            Format::NAMES
        ))
    })?;
    let full = match params.full.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(ApiError::invalid("full", "must be true or false")),
    };
    let mut keys = Keys::new();
    keys.add(feed.key());
    let now = models::now();
    let limit = state.config.feed_items;
    let cache = state.cache.clone();
    let (name, kind, items, next_change, feed_key, last_change) = state
        .read(move |conn| {
            let (resolved, name) = resolve_feed(conn, &feed, now)?;
            let query = feed::PageQuery {
                feed: resolved,
                also_in: Vec::new(),
                older_than: None,
                since: None,
                until: None,
                exclude: None,
                limit,
                now,
            };
            let ids: Vec<String> = feed::page(conn, &query)?
                .into_iter()
                .map(|p| p.article_id)
                .collect();
            let items = views::feed_items(conn, &ids)?;
            let key = query.feed.key();
            let next_change = cache
                .schedule_in(conn, now)?
                .next(|s| s.feeds.contains(&key));
            let last_change = crate::events::last_public_change(conn)?;
            Ok((name, feed, items, next_change, key, last_change))
        })
        .await?;
    let site = &state.config.site;
    // The feed's own address comes from the configuration, never from the
    // request (its Host header would be cached and served to everyone).
    // Built from the route's own values: the request's spelling of its
    // path (percent-encoded or not) never reaches the shared answer.
    let feed_url = state.config.api_url.as_ref().map(|base| {
        let path = match &kind {
            FeedRef::All => format!("/v1/feeds/{}", format.name()),
            FeedRef::Named { kind, slug, .. } => {
                format!("/v1/{kind}s/{slug}/feeds/{}", format.name())
            }
        };
        let query = if full { "?full=true" } else { "" };
        format!("{}{path}{query}", base.trim_end_matches('/'))
    });
    let mut channel = channel(site, &kind, &name, &items, feed_url);
    // Permanent across renames: the feed's own id, not its slug.
    channel.id = format!("{}#feed:{feed_key}", site.home());
    // Last-Modified never goes back: a story leaving the feed, or a rename,
    // is a public event, and the newest one counts.
    if let Some(changed) = last_change {
        channel.updated = channel.updated.max(changed);
    }
    let updated = channel.updated;
    // Each item shows its section's, authors' and tags' names: a rename of
    // any of them purges this feed too.
    for item in &items {
        keys.summary(&item.summary);
        for tag in &item.tags {
            keys.entry("tag", &tag.slug);
        }
    }
    let body = feeds::render(format, &channel, &items, site, full);
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    Ok(freshness::public_since(
        req,
        body,
        format.media_type(),
        max_age,
        &keys,
        updated,
    ))
}

/// What a feed of `feed` (named `name`) says of itself.
fn channel(
    site: &crate::config::Site,
    feed: &FeedRef,
    name: &str,
    items: &[views::FeedItem],
    feed_url: Option<String>,
) -> Channel {
    let (title, home, description) = match feed {
        FeedRef::All => (
            site.name.clone(),
            site.home(),
            format!("The newest stories from {}", site.name),
        ),
        FeedRef::Named { kind, slug, .. } => (
            format!("{}: {name}", site.name),
            match *kind {
                "section" => site.section(slug),
                "tag" => site.tag(slug),
                _ => site.author(slug),
            },
            format!("The newest stories in {name}, from {}", site.name),
        ),
    };
    Channel {
        id: String::new(),
        title,
        description,
        home,
        feed_url,
        updated: items
            .iter()
            .map(|i| i.updated_at)
            .max()
            .unwrap_or_else(|| chrono::DateTime::UNIX_EPOCH.naive_utc()),
    }
}

/// The site's feed: its newest public stories.
///
/// RSS 2.0, Atom 1.0 or JSON Feed 1.1 (`format`), the newest
/// `BYLINE_FEED_ITEMS` (20 by default) public stories, each with its title,
/// reader-facing link, permanent id (`urn:uuid:…`), publication and change
/// dates, authors, section and tags, summary, featured image, and with
/// `full=true` its whole sanitized HTML. Answers `ETag` and `Last-Modified`;
/// `If-None-Match` or `If-Modified-Since` get 304 while nothing changed.
#[utoipa::path(
    tag = "feeds",
    params(FormatPath, FeedParams),
    responses(
        (status = 200, description = "The feed",
            content(
                (String = "application/rss+xml"),
                (String = "application/atom+xml"),
                (serde_json::Value = "application/feed+json"),
            ),
            headers(("Last-Modified" = String), ("ETag" = String))),
        crate::routes::responses::ItemReadErrors,
    )
)]
#[get("/feeds/{format}")]
pub async fn site_feed(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<FormatPath>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let format = path.into_inner().format;
    serve(&state, &req, FeedRef::All, &format, params.into_inner()).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(site_feed);
}
