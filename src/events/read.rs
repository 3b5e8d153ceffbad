//! Reading the log as the change feed: keyset pages after a cursor, each
//! event shown as the caller may see it.

use diesel::prelude::*;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::auth::{AuthUser, Role};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::schema::events;
use crate::views::timestamp;

/// How many rows one page reads at most while looking for events the
/// caller may see; the cursor moves past the rest.
const SCAN: i64 = 1000;

/// One change, as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Event {
    /// The event's place in the log: pass it as `after` to read on.
    #[schema(example = 1042)]
    pub seq: i64,
    /// The same number as a stable id (the webhook-id of its deliveries).
    #[schema(example = "evt_1042")]
    pub id: String,
    /// What happened. The public sees `article.published`,
    /// `article.updated`, `article.unpublished` (also for archived and
    /// deleted stories) and `article.withdrawn` (a tombstone: purge its
    /// keys), and section, tag and author changes; the newsroom sees every
    /// type, `article.restored` among them.
    #[serde(rename = "type")]
    #[schema(example = "article.published")]
    pub event_type: String,
    /// When it happened (UTC).
    pub occurred_at: String,
    pub resource: EventResource,
    /// The surrogate keys it invalidates: purge these in a CDN.
    pub keys: Vec<String>,
    /// For public events, the representation after the change, or a
    /// tombstone (`id` and `slug` only) when it left the public. For the
    /// newsroom, the story's state (id, slug, headline, status, version).
    #[schema(value_type = Object)]
    pub data: Value,
}

/// What an event is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventResource {
    /// `article`, `section`, `tag` or `author`.
    #[schema(example = "article")]
    pub kind: String,
    pub id: String,
    pub slug: String,
}

/// A page of the change feed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventPage {
    pub data: Vec<Event>,
    /// Where to read on from (as `after`): always present, so a consumer
    /// that stores it never reads an event twice or misses one.
    #[schema(example = 1042)]
    pub next_cursor: i64,
}

/// Who reads the feed.
#[derive(Debug, Clone)]
pub enum Viewer {
    Public,
    Newsroom(AuthUser),
    /// Every event, as an editor sees it (webhooks for the newsroom).
    Everything,
}

#[derive(Debug, Clone)]
pub struct EventQuery {
    pub after: i64,
    /// Only these types (as the caller sees them); None: every type.
    pub types: Option<Vec<String>>,
    pub limit: i64,
    pub viewer: Viewer,
}

#[derive(Queryable)]
struct Row {
    seq: i64,
    event_type: String,
    public_type: Option<String>,
    occurred_at: chrono::NaiveDateTime,
    resource: String,
    resource_id: String,
    slug: String,
    keys: String,
    public_keys: String,
    data: String,
    public_data: Option<String>,
    owner: Option<String>,
    author_ids: String,
}

impl Row {
    /// The event as `viewer` sees it, if at all.
    fn shown_to(self, viewer: &Viewer) -> Option<Event> {
        let newsroom = match viewer {
            Viewer::Public => false,
            Viewer::Everything => true,
            Viewer::Newsroom(caller) => {
                caller.is_at_least(Role::Editor)
                    || self.owner.as_deref() == Some(caller.principal.as_str())
                    || caller.author_id.as_ref().is_some_and(|id| {
                        serde_json::from_str::<Vec<String>>(&self.author_ids)
                            .is_ok_and(|ids| ids.contains(id))
                    })
            }
        };
        let (event_type, data, keys, slug) = if newsroom {
            (self.event_type, self.data, self.keys, self.slug)
        } else {
            let data = self.public_data?;
            // The slug the public knew: a story renamed as it left the
            // public is named by its old slug, as in its tombstone.
            let slug = serde_json::from_str::<Value>(&data)
                .ok()
                .and_then(|d| d["slug"].as_str().map(String::from))
                .unwrap_or(self.slug);
            (self.public_type?, data, self.public_keys, slug)
        };
        Some(Event {
            id: format!("evt_{}", self.seq),
            seq: self.seq,
            event_type,
            occurred_at: timestamp(self.occurred_at),
            resource: EventResource {
                kind: self.resource,
                id: self.resource_id,
                slug,
            },
            keys: serde_json::from_str(&keys).unwrap_or_default(),
            data: serde_json::from_str(&data).unwrap_or(Value::Null),
        })
    }
}

/// One page after `q.after` (0: from the oldest event kept): 410 when
/// events after it were forgotten, 404 for a cursor past the end of the
/// log.
pub fn page(conn: &mut DbConnection, q: &EventQuery) -> Result<EventPage, ApiError> {
    let at = super::position(conn)?;
    if q.after != 0 && q.after < at.pruned_through {
        return Err(ApiError::Gone(
            "Events after this cursor are past the retention window; resync from the API, then read on from the newest cursor.".into(),
        ));
    }
    if q.after > at.seq {
        // A cursor from another database, or from before a restore.
        return Err(ApiError::NotFound(
            "The log has no event with this cursor yet; a cursor from another database or an older backup must resync.".into(),
        ));
    }
    let after = q.after.max(at.pruned_through);
    let rows: Vec<Row> = events::table
        .filter(events::seq.gt(after))
        .order(events::seq)
        .limit(SCAN)
        .select((
            events::seq,
            events::event_type,
            events::public_type,
            events::occurred_at,
            events::resource,
            events::resource_id,
            events::slug,
            events::keys,
            events::public_keys,
            events::data,
            events::public_data,
            events::owner,
            events::author_ids,
        ))
        .load(conn)?;
    let scanned = rows.last().map_or(after, |r| r.seq);
    let mut data = Vec::new();
    for row in rows {
        let seq = row.seq;
        let Some(event) = row.shown_to(&q.viewer) else {
            continue;
        };
        if q.types
            .as_ref()
            .is_some_and(|t| !t.contains(&event.event_type))
        {
            continue;
        }
        data.push(event);
        if data.len() as i64 == q.limit {
            return Ok(EventPage {
                data,
                next_cursor: seq,
            });
        }
    }
    Ok(EventPage {
        data,
        next_cursor: scanned,
    })
}
