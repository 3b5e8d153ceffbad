//! The event log: one row per content change, appended in the change's own
//! transaction, so an acknowledged write always has its event and a
//! rolled-back one never does.
//!
//! Every write transaction starts by locking the one `content_state` row
//! ([`begin`]); sequence numbers come from a counter in that row, so they
//! are gapless and in commit order. [`finish`] stamps the transaction's
//! events with the content generation before and after it, which lets a
//! replica that follows the log notice a change that came without events
//! (plain SQL, an old binary) and fall back to forgetting everything.

mod article;
pub mod keys;
mod read;
pub mod taxonomy;

pub use article::{announce_due, article_changed, article_deleted, Side};
pub use keys::Keys;
pub use read::{page, Event, EventPage, EventQuery, EventResource, Viewer};

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use serde_json::Value;

use crate::db::DbConnection;
use crate::schema::{content_state, events};

/// Every event type, as the newsroom sees them.
pub const TYPES: [&str; 18] = [
    "article.created",
    "article.updated",
    "article.published",
    "article.scheduled",
    "article.unpublished",
    "article.archived",
    "article.withdrawn",
    "article.restored",
    "article.deleted",
    "section.created",
    "section.updated",
    "section.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "author.created",
    "author.updated",
    "author.deleted",
];

/// The types the public sees: archiving and deleting a public story are
/// `article.unpublished` to it; withdrawing one is `article.withdrawn`
/// (a tombstone too), and restoring it `article.published`.
pub const PUBLIC_TYPES: [&str; 13] = [
    "article.published",
    "article.updated",
    "article.unpublished",
    "article.withdrawn",
    "section.created",
    "section.updated",
    "section.deleted",
    "tag.created",
    "tag.updated",
    "tag.deleted",
    "author.created",
    "author.updated",
    "author.deleted",
];

/// An event about to be appended.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: String,
    /// What the public sees of it (None: nothing).
    pub public_type: Option<String>,
    pub resource: &'static str,
    pub resource_id: String,
    pub slug: String,
    pub keys: Keys,
    /// The keys the public may see: those of the sides of the change it
    /// could see.
    pub public_keys: Keys,
    /// The newsroom's view of the change.
    pub data: Value,
    /// The public representation after the change, or a tombstone.
    pub public_data: Option<Value>,
    /// Whose story it is: its creator and its bylines.
    pub owner: Option<String>,
    pub author_ids: Vec<String>,
    pub at: NaiveDateTime,
}

#[derive(QueryableByName)]
struct Counters {
    #[diesel(sql_type = BigInt)]
    generation: i64,
    #[diesel(sql_type = BigInt)]
    event_seq: i64,
}

/// Where a write transaction started.
#[derive(Debug, Clone, Copy)]
pub struct Begun {
    generation: i64,
    seq: i64,
}

/// What a committed write transaction did.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    /// The sequence numbers of its events.
    pub seqs: Vec<i64>,
    /// The keys they invalidate.
    pub keys: Keys,
    /// The last of them the public sees, if any.
    pub last_public: Option<i64>,
    /// Whether content changed at all (with or without events).
    pub changed: bool,
}

/// Locks the log for this write transaction: the first statement of every
/// one, so writers queue in one order and sequence numbers follow commits.
pub fn begin(conn: &mut DbConnection) -> QueryResult<Begun> {
    let sql = match conn {
        DbConnection::Postgres(_) => {
            "SELECT generation, event_seq FROM content_state WHERE id = 1 FOR UPDATE"
        }
        // BEGIN IMMEDIATE already holds SQLite's one write lock.
        DbConnection::Sqlite(_) => "SELECT generation, event_seq FROM content_state WHERE id = 1",
    };
    let c: Counters = diesel::sql_query(sql).get_result(conn)?;
    Ok(Begun {
        generation: c.generation,
        seq: c.event_seq,
    })
}

/// Runs `work` in a write transaction that starts with [`begin`] and ends
/// with [`finish`]: every write to content goes through here.
pub fn transaction<T, E, F>(conn: &mut DbConnection, work: F) -> Result<(T, Committed), E>
where
    F: FnOnce(&mut DbConnection) -> Result<T, E>,
    E: From<diesel::result::Error>,
{
    crate::db::write_transaction(conn, |conn| {
        let begun = begin(conn)?;
        let value = work(conn)?;
        let committed = finish(conn, begun)?;
        Ok((value, committed))
    })
}

/// Appends one event; answers its sequence number.
pub fn append(conn: &mut DbConnection, e: NewEvent) -> QueryResult<i64> {
    diesel::update(content_state::table)
        .set(content_state::event_seq.eq(content_state::event_seq + 1))
        .execute(conn)?;
    let seq: i64 = content_state::table
        .select(content_state::event_seq)
        .first(conn)?;
    diesel::insert_into(events::table)
        .values((
            events::seq.eq(seq),
            events::event_type.eq(e.event_type),
            events::public_type.eq(e.public_type),
            events::occurred_at.eq(e.at),
            events::resource.eq(e.resource),
            events::resource_id.eq(&e.resource_id),
            events::slug.eq(&e.slug),
            events::keys.eq(serde_json::to_string(&e.keys.into_vec()).unwrap_or_default()),
            events::public_keys
                .eq(serde_json::to_string(&e.public_keys.into_vec()).unwrap_or_default()),
            events::data.eq(e.data.to_string()),
            events::public_data.eq(e.public_data.map(|v| v.to_string())),
            events::owner.eq(e.owner),
            events::author_ids.eq(serde_json::to_string(&e.author_ids).unwrap_or_default()),
        ))
        .execute(conn)?;
    Ok(seq)
}

/// The end of a write transaction: stamps its events with the generations
/// around it and answers what it did.
pub fn finish(conn: &mut DbConnection, begun: Begun) -> QueryResult<Committed> {
    let now: Counters =
        diesel::sql_query("SELECT generation, event_seq FROM content_state WHERE id = 1")
            .get_result(conn)?;
    let mut done = Committed {
        changed: now.generation != begun.generation,
        ..Committed::default()
    };
    if now.event_seq == begun.seq {
        return Ok(done);
    }
    let mine = events::table.filter(events::seq.gt(begun.seq));
    diesel::update(mine)
        .set((
            events::generation_before.eq(begun.generation),
            events::generation_after.eq(now.generation),
        ))
        .execute(conn)?;
    let rows: Vec<(i64, String, bool)> = mine
        .select((events::seq, events::keys, events::public_type.is_not_null()))
        .order(events::seq)
        .load(conn)?;
    for (seq, keys, public) in rows {
        done.seqs.push(seq);
        if public {
            done.last_public = Some(seq);
        }
        for key in serde_json::from_str::<Vec<String>>(&keys).unwrap_or_default() {
            done.keys.add(key);
        }
    }
    Ok(done)
}

/// The log's position: the content generation, the last sequence number
/// and the last one forgotten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub generation: i64,
    pub seq: i64,
    pub pruned_through: i64,
}

pub fn position(conn: &mut DbConnection) -> QueryResult<Position> {
    let (generation, seq, pruned_through) = content_state::table
        .select((
            content_state::generation,
            content_state::event_seq,
            content_state::events_pruned_through,
        ))
        .first(conn)?;
    Ok(Position {
        generation,
        seq,
        pruned_through,
    })
}

/// When the public last saw any change (the newest public event kept), if
/// ever: a date that never goes back, unlike the newest story in a list,
/// which falls when a story leaves it.
pub fn last_public_change(conn: &mut DbConnection) -> QueryResult<Option<NaiveDateTime>> {
    events::table
        .filter(events::public_type.is_not_null())
        .order(events::seq.desc())
        .select(events::occurred_at)
        .first(conn)
        .optional()
}

/// What a replica needs to follow the log: each event's sequence number,
/// the generations around its transaction, and its keys.
#[derive(Debug, Clone)]
pub struct Link {
    pub seq: i64,
    pub generation_before: i64,
    pub generation_after: i64,
    pub keys: Vec<String>,
    /// Whether the public sees the event.
    pub public: bool,
}

/// Up to `limit` links after `after`, in order.
pub fn links_after(conn: &mut DbConnection, after: i64, limit: i64) -> QueryResult<Vec<Link>> {
    let rows: Vec<(i64, i64, i64, String, bool)> = events::table
        .filter(events::seq.gt(after))
        .order(events::seq)
        .limit(limit)
        .select((
            events::seq,
            events::generation_before,
            events::generation_after,
            events::keys,
            events::public_type.is_not_null(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(seq, before, after, keys, public)| Link {
            seq,
            generation_before: before,
            generation_after: after,
            keys: serde_json::from_str(&keys).unwrap_or_default(),
            public,
        })
        .collect())
}

/// Forgets events older than `before`, remembering the last one forgotten
/// so older cursors are told to resync. Runs as upkeep, inside a write
/// transaction of its own.
pub fn forget_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    crate::db::write_transaction(conn, |conn| {
        let last: Option<i64> = events::table
            .filter(events::occurred_at.lt(before))
            .select(diesel::dsl::max(events::seq))
            .first(conn)?;
        let Some(last) = last else { return Ok(0) };
        let n = diesel::delete(events::table.filter(events::seq.le(last))).execute(conn)?;
        diesel::update(content_state::table)
            .set(content_state::events_pruned_through.eq(last))
            .execute(conn)?;
        Ok(n)
    })
}
