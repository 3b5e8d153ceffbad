//! /v1/events: the change feed. Keyset pages of the event log after a
//! cursor, optionally waiting for the next event (long polling).

use std::time::{Duration, Instant};

use actix_web::web;
use actix_web::{get, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::MaybeAuthUser;
use crate::error::ApiError;
use crate::events::{self, EventPage, EventQuery, Viewer};
use crate::freshness;
use crate::routes::extract::Limit;
use crate::state::AppState;

/// The longest a request may wait for the next event, in seconds.
pub const MAX_WAIT: u64 = 30;

/// The most events one page shows the public.
const PUBLIC_LIMIT: i64 = 100;

/// How often a waiting request looks again even when nothing woke it.
const RELOOK: Duration = Duration::from_secs(5);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventParams {
    /// Read the events after this one: the `next_cursor` of the previous
    /// page, or 0 for the start of the log.
    #[param(value_type = Option<i64>, minimum = 0, example = 1042)]
    pub after: Option<String>,
    /// Only these types, separated by commas (for example
    /// `article.published,article.unpublished`).
    #[param(
        pattern = "^(article\\.(created|updated|published|scheduled|unpublished|archived|deleted)|(section|tag|author)\\.(created|updated|deleted))(,(article\\.(created|updated|published|scheduled|unpublished|archived|deleted)|(section|tag|author)\\.(created|updated|deleted)))*$",
        example = "article.published,article.unpublished"
    )]
    pub types: Option<String>,
    /// When there is nothing new, wait up to this many seconds (at most 30)
    /// for the next event before answering an empty page.
    #[param(value_type = Option<u32>, minimum = 0, maximum = 30, example = 25)]
    pub wait: Option<String>,
}

fn whole_number(field: &str, raw: Option<&str>, max: u64) -> Result<u64, ApiError> {
    match raw {
        None => Ok(0),
        Some(raw) => raw
            .parse::<u64>()
            .ok()
            .filter(|n| *n <= max)
            .ok_or_else(|| {
                ApiError::invalid(field, format!("must be a whole number from 0 to {max}"))
            }),
    }
}

fn types(raw: Option<String>) -> Result<Option<Vec<String>>, ApiError> {
    let Some(raw) = raw else { return Ok(None) };
    let list: Vec<String> = raw.split(',').map(|t| t.trim().to_string()).collect();
    if let Some(unknown) = list.iter().find(|t| !events::TYPES.contains(&t.as_str())) {
        return Err(ApiError::invalid(
            "types",
            format!(
                "names an unknown event type '{}'; known types are {}",
                unknown.chars().take(60).collect::<String>(),
                events::TYPES.join(", ")
            ),
        ));
    }
    Ok(Some(list))
}

/// Read the change feed.
///
/// Every change to content, in the order it was committed, from the cursor
/// `after` on. Anonymous callers see public events only: a story published
/// or updated (with its public representation), or unpublished, archived
/// or deleted (as `article.unpublished` with a tombstone that gives no
/// reason); and section, tag and author changes the public can see. With a
/// token, the newsroom's events too: editors see every event, authors and
/// contributors those of their own stories.
///
/// Keep `next_cursor` and read on from it: nothing is missed and nothing
/// repeats. With `wait`, an empty page is held until an event arrives (or
/// `wait` seconds pass). Events are kept for 30 days by default; an older
/// cursor gets 410 and must resync from the API.
#[utoipa::path(
    tag = "events",
    params(EventParams, Limit<100, 1000>),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of events", body = EventPage),
        crate::routes::responses::ChangeFeedErrors,
    )
)]
#[get("/events")]
pub async fn list_events(
    state: web::Data<AppState>,
    caller: MaybeAuthUser,
    limit: Limit<100, 1000>,
    params: web::Query<EventParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let after = whole_number("after", params.after.as_deref(), i64::MAX as u64)? as i64;
    let wait = Duration::from_secs(whole_number("wait", params.wait.as_deref(), MAX_WAIT)?);
    // A partner follows what the public sees.
    let newsroom = caller.0.filter(|c| !c.is_partner());
    let public = newsroom.is_none();
    let mut query = EventQuery {
        after,
        types: types(params.types)?,
        // The public's pages carry whole stories: a hundred at most.
        limit: if public {
            limit.get().min(PUBLIC_LIMIT)
        } else {
            limit.get()
        },
        viewer: newsroom.map_or(Viewer::Public, Viewer::Newsroom),
    };
    // Each process holds a bounded number of waiting requests; past that,
    // a request answers at once, as with wait=0.
    let turn = state.long_polls.clone().try_acquire_owned().ok();
    let deadline = Instant::now() + if turn.is_some() { wait } else { Duration::ZERO };
    let mut asked = false;
    loop {
        // Listen before reading, so an event committed between the read
        // and the wait still wakes this request.
        let mut news = std::pin::pin!(state.cache.news.notified());
        news.as_mut().enable();
        let left = deadline.saturating_duration_since(Instant::now());
        // Once asked, the database is asked again only when an event this
        // caller could see may have passed its cursor: waking a thousand
        // waiters for a draft's save costs no queries.
        if !asked || state.cache.news_after(query.after, public) || left.is_zero() {
            asked = true;
            let q = query.clone();
            let page = state.read(move |conn| events::page(conn, &q)).await?;
            let left = deadline.saturating_duration_since(Instant::now());
            if !page.data.is_empty() || left.is_zero() {
                return Ok(freshness::private_json(&page));
            }
            query.after = page.next_cursor;
        }
        // Woken by this process's writes and by following the log (other
        // replicas' writes, scheduled stories). A waiting request holds no
        // connection; the timed look is only a safety net.
        let _ = actix_web::rt::time::timeout(left.min(RELOOK), news).await;
    }
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}
