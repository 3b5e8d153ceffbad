//! `/v1/search`: full-text search over stories, ranked by relevance.

use std::collections::HashMap;

use actix_web::{get, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{MaybeAuthUser, Role};
use crate::cursor;
use crate::error::ApiError;
use crate::events::keys::{Keys, LIST_ARTICLES, SEARCH};
use crate::freshness;
use crate::models::{self, article};
use crate::routes::extract::Limit;
use crate::routes::{resolve_feed, slug_param, timestamp, FeedRef};
use crate::search::{self as index, query::Query, Audience, Search};
use crate::state::AppState;
use crate::taxonomy::{Authors, Sections, Tags};
use crate::views::{self, ArticleStatus, ArticleSummary, Locate};

/// The longest query, in characters.
pub const MAX_QUERY_CHARS: usize = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// What to look for: words (all must match), `"exact phrases"`,
    /// `-excluded` words or phrases, and `OR` between alternatives. Any
    /// other punctuation is only text; a query with nothing left to look
    /// for finds nothing.
    #[param(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\x00]+$",
        example = "assange \"political asylum\" -sweden"
    )]
    pub q: String,
    /// Only stories in this section (its slug).
    #[param(pattern = "^[a-z0-9-]{1,200}$", example = "top-news")]
    pub section: Option<String>,
    /// Only stories with this tag (its slug).
    #[param(pattern = "^[a-z0-9-]{1,200}$", example = "julian-assange")]
    pub tag: Option<String>,
    /// Only stories by this author (their slug).
    #[param(pattern = "^[a-z0-9-]{1,200}$", example = "news-desk")]
    pub author: Option<String>,
    /// Only stories in this language (a BCP 47 tag such as `en-GB`). On
    /// PostgreSQL, words are also stemmed by that language's rules.
    #[param(
        pattern = "^[A-Za-z0-9]{1,8}(-[A-Za-z0-9]{1,8})*$",
        max_length = 35,
        example = "en-GB"
    )]
    pub language: Option<String>,
    /// Only stories published at or after this time (RFC 3339).
    #[param(format = DateTime, example = "2021-01-01T00:00:00Z")]
    pub published_after: Option<String>,
    /// Only stories published before this time (RFC 3339).
    #[param(format = DateTime, example = "2021-02-01T00:00:00Z")]
    pub published_before: Option<String>,
    /// The `next_cursor` of the previous page.
    #[param(pattern = "^[0-9a-f]{48}$")]
    pub cursor: Option<String>,
}

/// One story found: its summary, where it stands, and the passage of its
/// body that best matches.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHit {
    pub article: ArticleSummary,
    /// Always `published` for the public; a newsroom search (with a token)
    /// also finds drafts, scheduled and archived stories.
    pub status: ArticleStatus,
    /// HTML safe to insert into a page as it is: the matched words in
    /// `<mark>` elements and everything else escaped. A story matched only
    /// in its headline or standfirst shows its body's opening words.
    #[schema(example = "Mexico has offered <mark>political asylum</mark> to Julian Assange …")]
    pub snippet: String,
}

/// A page of search hits, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchPage {
    pub data: Vec<SearchHit>,
    /// Pass it back as `cursor` for the next page; null on the last.
    #[schema(required, pattern = "^[0-9a-f]{48}$")]
    pub next_cursor: Option<String>,
}

/// Search stories.
///
/// Ranked by relevance: the headline weighs most, then the standfirst, then
/// the body; words are matched by their stem, accents folded. Combines with
/// the same filters as the story list, and pages with a cursor. Without a
/// token, only published stories are found, and the answer is cached like
/// any list; with one, the newsroom's stories too (below the editor role,
/// only the caller's own), never cached.
#[utoipa::path(
    tag = "search",
    params(SearchParams, Limit<10, 50>),
    responses(
        (status = 200, description = "A page of hits", body = SearchPage),
        crate::routes::responses::PreviewErrors,
    )
)]
#[get("/search")]
pub async fn search_articles(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: MaybeAuthUser,
    limit: Limit<10, 50>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let (mut search, filters) = read_params(params.into_inner(), &caller, limit, &state)?;
    let public = matches!(search.audience, Audience::Public);
    let mut keys = Keys::new();
    keys.add(LIST_ARTICLES).add(SEARCH);
    for filter in &filters {
        keys.add(filter.key());
    }
    let now = search.now;
    let cache = state.cache.clone();
    let site_language = state.config.site.language.clone();
    let configs = state.search_configs.clone();
    let (page, next_change) = state
        .read(move |conn| {
            for filter in &filters {
                match resolve_feed(conn, filter, now)?.0 {
                    models::feed::Feed::Section(id) => search.section_id = Some(id),
                    models::feed::Feed::Tag(id) => search.tag_id = Some(id),
                    models::feed::Feed::Author(id) => search.author_id = Some(id),
                    models::feed::Feed::All | models::feed::Feed::Language(_) => {}
                }
            }
            search.configs = configs.get(conn, search.language.as_deref(), &site_language, now)?;
            let page = hits_page(conn, &search)?;
            // Any story coming due may enter the results.
            let next_change = match search.after {
                Some(_) => None,
                None => cache.schedule_in(conn, now)?.first(),
            };
            Ok((page, next_change))
        })
        .await?;
    let mut page: SearchPage = page;
    for hit in &mut page.data {
        hit.article.locate(&state.config.site);
    }
    if !public {
        return Ok(freshness::private_json(&page));
    }
    for hit in &page.data {
        keys.summary(&hit.article);
    }
    let max_age = freshness::max_age(state.config.cache_max_age, now, next_change);
    freshness::json(&req, &page, max_age, &keys)
}

/// The search a request asks for (filters not yet looked up), and the
/// filters: 400 for a bad query, cursor, date or slug.
fn read_params(
    params: SearchParams,
    caller: &MaybeAuthUser,
    limit: Limit<10, 50>,
    state: &AppState,
) -> Result<(Search, Vec<FeedRef>), ApiError> {
    if params.q.trim().is_empty() {
        return Err(ApiError::invalid("q", "must not be empty"));
    }
    if params.q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::invalid(
            "q",
            format!("must be at most {MAX_QUERY_CHARS} characters"),
        ));
    }
    let after = params
        .cursor
        .as_deref()
        .map(cursor::decode_hit)
        .transpose()?;
    let since = timestamp("published_after", params.published_after.as_deref())?;
    let until = timestamp("published_before", params.published_before.as_deref())?;
    let filters: Vec<FeedRef> = [
        slug_param("section", params.section)?.map(FeedRef::of::<Sections>),
        slug_param("tag", params.tag)?.map(FeedRef::of::<Tags>),
        slug_param("author", params.author)?.map(FeedRef::of::<Authors>),
    ]
    .into_iter()
    .flatten()
    .collect();
    let language = match crate::routes::language_param(params.language.as_deref())? {
        Some(crate::models::feed::Feed::Language(tag)) => Some(tag),
        _ => None,
    };
    let audience = match &caller.0 {
        None => Audience::Public,
        // A partner's search is the public's: embargoed stories are read
        // by address, never found.
        Some(c) if c.is_partner() => Audience::Public,
        Some(c) if c.is_at_least(Role::Editor) => Audience::Everything,
        Some(c) => Audience::Own(article::Owner {
            principal: c.principal.clone(),
            author_id: c.author_id.clone(),
        }),
    };
    let search = Search {
        query: Query::parse(&params.q),
        audience,
        section_id: None,
        tag_id: None,
        author_id: None,
        language,
        configs: Vec::new(),
        since,
        until,
        after,
        limit: limit.get(),
        ranked: state.config.search_ranked,
        now: models::now(),
    };
    Ok((search, filters))
}

/// One page of hits with their summaries, states and snippets.
fn hits_page(conn: &mut crate::db::DbConnection, search: &Search) -> Result<SearchPage, ApiError> {
    let mut hits = index::find(
        conn,
        &Search {
            limit: search.limit + 1,
            ..search.clone()
        },
    )?;
    let more = hits.len() as i64 > search.limit;
    hits.truncate(search.limit as usize);
    let ids: Vec<String> = hits.iter().map(|h| h.article_id.clone()).collect();
    let mut summaries: HashMap<String, ArticleSummary> = views::summaries(conn, &ids)?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let states: HashMap<String, ArticleStatus> = article::states(conn, &ids)?
        .into_iter()
        .map(|(id, status, at)| (id, crate::editorial::status_of(&status, at, search.now)))
        .collect();
    let mut snippets = index::snippets(conn, &search.query, &search.configs, &ids)?;
    let next_cursor = if more {
        hits.last().map(cursor::encode_hit)
    } else {
        None
    };
    let data = hits
        .into_iter()
        .filter_map(|hit| {
            let article = summaries.remove(&hit.article_id)?;
            Some(SearchHit {
                status: states
                    .get(&hit.article_id)
                    .copied()
                    .unwrap_or(ArticleStatus::Published),
                snippet: snippets.remove(&hit.article_id).unwrap_or_default(),
                article,
            })
        })
        .collect();
    Ok(SearchPage { data, next_cursor })
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_articles);
}
