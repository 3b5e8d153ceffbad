//! The webhook tables: subscriptions, the deliveries queued for them and
//! each delivery's attempts. Every change here is one short transaction;
//! nothing in this file waits on a receiver.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};
use serde_json::json;

use crate::db::{write_transaction, DbConnection};
use crate::error::ApiError;
use crate::events::{self, EventQuery, Viewer};
use crate::schema::{webhook_attempts, webhook_deliveries, webhook_subscriptions};

/// How many events one fan-out pass queues for one subscription.
const FAN_OUT_BATCH: i64 = 500;
/// How many events one "re-send since" request queues at most.
pub const REPLAY_BATCH: i64 = 1000;
/// The most deliveries one subscription may have pending: past it, the
/// fan-out waits (the events stay in the log) and re-sends are refused,
/// so a dead receiver cannot grow the queue without bound.
pub const MAX_PENDING: i64 = 10_000;

pub const PENDING: &str = "pending";
pub const DELIVERED: &str = "delivered";
pub const FAILED: &str = "failed";

#[derive(Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = webhook_subscriptions, treat_none_as_null = true)]
pub struct Subscription {
    pub id: String,
    pub url: String,
    pub description: String,
    /// A JSON array; empty: every type.
    pub event_types: String,
    pub audience: String,
    pub active: bool,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub cursor: i64,
    pub failing_since: Option<NaiveDateTime>,
    pub disabled_at: Option<NaiveDateTime>,
    pub disabled_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// Written without its secrets, so no log line can carry one.
impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("audience", &self.audience)
            .field("active", &self.active)
            .field("cursor", &self.cursor)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    pub fn types(&self) -> Vec<String> {
        serde_json::from_str(&self.event_types).unwrap_or_default()
    }

    /// Whom the log shows its events as.
    fn viewer(&self) -> Viewer {
        if self.audience == super::NEWSROOM {
            Viewer::Everything
        } else {
            Viewer::Public
        }
    }

    fn query(&self, after: i64, limit: i64) -> EventQuery {
        let types = self.types();
        EventQuery {
            after,
            types: (!types.is_empty()).then_some(types),
            limit,
            viewer: self.viewer(),
        }
    }

    /// The secrets that sign now: the current one, and the previous one
    /// until its overlap ends.
    pub fn signing_secrets(&self, now: NaiveDateTime) -> Vec<String> {
        let mut secrets = vec![self.secret.clone()];
        if let (Some(old), Some(until)) = (&self.previous_secret, self.previous_secret_until) {
            if until > now {
                secrets.push(old.clone());
            }
        }
        secrets
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct Delivery {
    pub id: i64,
    pub subscription_id: String,
    pub message_id: String,
    pub event_seq: i64,
    pub event_type: String,
    pub audience: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = webhook_attempts)]
pub struct Attempt {
    pub id: i64,
    pub delivery_id: i64,
    pub attempted_at: NaiveDateTime,
    pub latency_ms: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response: Option<String>,
}

pub fn insert(conn: &mut DbConnection, sub: &Subscription) -> QueryResult<()> {
    diesel::insert_into(webhook_subscriptions::table)
        .values(sub)
        .execute(conn)
        .map(drop)
}

pub fn save(conn: &mut DbConnection, sub: &Subscription) -> QueryResult<()> {
    diesel::update(webhook_subscriptions::table.find(&sub.id))
        .set(sub)
        .execute(conn)
        .map(drop)
}

pub fn list(conn: &mut DbConnection) -> QueryResult<Vec<Subscription>> {
    webhook_subscriptions::table
        .order((webhook_subscriptions::created_at, webhook_subscriptions::id))
        .select(Subscription::as_select())
        .load(conn)
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    webhook_subscriptions::table.count().get_result(conn)
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Subscription>> {
    if !crate::models::storable(id) {
        return Ok(None);
    }
    webhook_subscriptions::table
        .find(id)
        .select(Subscription::as_select())
        .first(conn)
        .optional()
}

/// Finds a subscription and locks it for this transaction (PostgreSQL; on
/// SQLite the write transaction holds the one write lock already).
pub fn find_for_update(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Subscription>> {
    if !crate::models::storable(id) {
        return Ok(None);
    }
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT id FROM webhook_subscriptions WHERE id = $1 FOR UPDATE")
            .bind::<Text, _>(id)
            .execute(pg)?;
    }
    find(conn, id)
}

pub fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
    let deliveries = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(id))
        .select(webhook_deliveries::id);
    diesel::delete(
        webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(deliveries)),
    )
    .execute(conn)?;
    diesel::delete(webhook_deliveries::table.filter(webhook_deliveries::subscription_id.eq(id)))
        .execute(conn)?;
    diesel::delete(webhook_subscriptions::table.find(id)).execute(conn)
}

/// Queues one delivery per event, in the events' order.
fn queue(
    conn: &mut DbConnection,
    sub: &Subscription,
    events: &[events::Event],
    now: NaiveDateTime,
) -> QueryResult<usize> {
    for event in events {
        let payload = json!({
            "type": event.event_type,
            "timestamp": event.occurred_at,
            "data": event,
        });
        diesel::insert_into(webhook_deliveries::table)
            .values((
                webhook_deliveries::subscription_id.eq(&sub.id),
                webhook_deliveries::message_id.eq(&event.id),
                webhook_deliveries::event_seq.eq(event.seq),
                webhook_deliveries::event_type.eq(&event.event_type),
                webhook_deliveries::ordering_key
                    .eq(format!("{}:{}", event.resource.kind, event.resource.id)),
                webhook_deliveries::payload.eq(payload.to_string()),
                webhook_deliveries::audience.eq(&sub.audience),
                webhook_deliveries::status.eq(PENDING),
                webhook_deliveries::attempts.eq(0),
                webhook_deliveries::next_attempt_at.eq(now),
                webhook_deliveries::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(events.len())
}

/// Queues the new events of every active subscription that is behind the
/// log. Each subscription moves in a transaction of its own, under a lock
/// on its row, so each event is queued once across replicas.
pub fn fan_out(conn: &mut DbConnection, now: NaiveDateTime) -> Result<usize, ApiError> {
    let head = events::position(conn)?.seq;
    let behind: Vec<String> = webhook_subscriptions::table
        .filter(webhook_subscriptions::active.eq(true))
        .filter(webhook_subscriptions::cursor.ne(head))
        .select(webhook_subscriptions::id)
        .load(conn)?;
    let mut queued = 0;
    for id in behind {
        queued += write_transaction(conn, |conn| fan_out_one(conn, &id, now))?;
    }
    Ok(queued)
}

fn fan_out_one(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> Result<usize, ApiError> {
    let Some(mut sub) = find_for_update(conn, id)? else {
        return Ok(0);
    };
    if !sub.active {
        return Ok(0);
    }
    let at = events::position(conn)?;
    if sub.cursor > at.seq {
        // The log is behind this subscription (a restored backup): carry
        // on from its end.
        sub.cursor = at.seq;
        save(conn, &sub)?;
        return Ok(0);
    }
    if sub.cursor != 0 && sub.cursor < at.pruned_through {
        tracing::warn!(
            subscription = %sub.id,
            lost_through = at.pruned_through,
            "a webhook subscription fell behind the event retention window; the forgotten events are not delivered"
        );
        sub.cursor = at.pruned_through;
    }
    let room = MAX_PENDING - pending(conn, &sub.id)?;
    if room <= 0 {
        return Ok(0);
    }
    let page = events::page(conn, &sub.query(sub.cursor, FAN_OUT_BATCH.min(room)))?;
    let queued = queue(conn, &sub, &page.data, now)?;
    sub.cursor = page.next_cursor;
    diesel::update(webhook_subscriptions::table.find(&sub.id))
        .set(webhook_subscriptions::cursor.eq(sub.cursor))
        .execute(conn)?;
    Ok(queued)
}

/// How many deliveries a subscription has pending.
pub fn pending(conn: &mut DbConnection, subscription: &str) -> QueryResult<i64> {
    webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription))
        .filter(webhook_deliveries::status.eq(PENDING))
        .count()
        .get_result(conn)
}

/// Ends a subscription's pending deliveries as failed: their bodies were
/// written for an audience it no longer has.
pub fn cancel_pending(
    conn: &mut DbConnection,
    subscription: &str,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::subscription_id.eq(subscription))
            .filter(webhook_deliveries::status.eq(PENDING)),
    )
    .set((
        webhook_deliveries::status.eq(FAILED),
        webhook_deliveries::finished_at.eq(Some(now)),
        webhook_deliveries::claim.eq(None::<String>),
        webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Queues again every event after `after` that this subscription was
/// already given (up to its cursor), at most [`REPLAY_BATCH`]: answers how
/// many were queued and how far it got.
pub fn replay_since(
    conn: &mut DbConnection,
    sub: &Subscription,
    after: i64,
    now: NaiveDateTime,
) -> Result<(usize, i64), ApiError> {
    let room = MAX_PENDING - pending(conn, &sub.id)?;
    if room <= 0 {
        return Err(ApiError::Conflict(format!(
            "This subscription has {MAX_PENDING} deliveries pending, the most it may; wait for them to go out."
        )));
    }
    let mut page = events::page(conn, &sub.query(after, REPLAY_BATCH.min(room)))?;
    page.data.retain(|e| e.seq <= sub.cursor);
    let reached = page
        .data
        .last()
        .map_or(page.next_cursor.min(sub.cursor), |e| {
            if page.data.len() as i64 == REPLAY_BATCH.min(room) {
                e.seq
            } else {
                page.next_cursor.min(sub.cursor)
            }
        });
    let queued = queue(conn, sub, &page.data, now)?;
    Ok((queued, reached.max(after)))
}

/// A delivery claimed for sending: its message and where it goes.
#[derive(Clone)]
pub struct Claimed {
    pub id: i64,
    pub subscription_id: String,
    pub message_id: String,
    pub payload: String,
    pub url: String,
    pub secrets: Vec<String>,
    pub claim: String,
}

impl std::fmt::Debug for Claimed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("id", &self.id)
            .field("subscription_id", &self.subscription_id)
            .field("message_id", &self.message_id)
            .finish_non_exhaustive()
    }
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The claim's candidates: due, not leased, the subscription active, no
/// earlier delivery of the same resource to the same subscription still
/// pending (a resource's events go out in order), numbered per
/// subscription (`rn`) so each gets at most its quota, and the quotas are
/// served round-robin. `{now}` and `{quota}` are the backend's
/// placeholders for the time and the quota of a subscription `c`.
const CANDIDATES: &str = "SELECT c.id, c.rn, c.next_attempt_at FROM (\
    SELECT d.id, d.subscription_id, d.next_attempt_at, ROW_NUMBER() OVER (\
        PARTITION BY d.subscription_id ORDER BY d.next_attempt_at, d.id) AS rn \
    FROM webhook_deliveries d \
    JOIN webhook_subscriptions s ON s.id = d.subscription_id \
    WHERE d.status = 'pending' AND s.active \
    AND d.next_attempt_at <= {now} \
    AND (d.claimed_until IS NULL OR d.claimed_until <= {now}) \
    AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
        WHERE e.subscription_id = d.subscription_id AND e.ordering_key = d.ordering_key \
        AND e.status = 'pending' AND e.id < d.id)) c \
    WHERE c.rn <= {quota}";

/// Claims up to `limit` due deliveries until `lease_until`, at most
/// `per_subscription` for a subscription, less what `in_flight` says it
/// has out already. On PostgreSQL, `FOR UPDATE SKIP LOCKED` lets replicas
/// claim side by side and never the same row, and the lease conditions are
/// checked again on the locked row; on SQLite the write transaction holds
/// the one write lock.
pub fn claim(
    conn: &mut DbConnection,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    in_flight: &std::collections::HashMap<String, usize>,
    per_subscription: usize,
    limit: i64,
) -> QueryResult<Vec<Claimed>> {
    let token = crate::models::new_id();
    let quotas: serde_json::Map<String, serde_json::Value> = in_flight
        .iter()
        .map(|(id, n)| (id.clone(), json!(per_subscription.saturating_sub(*n))))
        .collect();
    let quotas = serde_json::Value::Object(quotas).to_string();
    let per_subscription = per_subscription as i64;
    let ids: Vec<ClaimedId> = write_transaction(conn, |conn| match conn {
        DbConnection::Postgres(pg) => {
            let candidates = CANDIDATES.replace("{now}", "$3").replace(
                "{quota}",
                "COALESCE(($4::json ->> c.subscription_id)::bigint, $5)",
            );
            let sql = format!(
                "UPDATE webhook_deliveries SET claim = $1, claimed_until = $2 WHERE id IN (\
                 SELECT l.id FROM webhook_deliveries l JOIN ({candidates}) c ON c.id = l.id \
                 WHERE l.status = 'pending' AND (l.claimed_until IS NULL OR l.claimed_until <= $3) \
                 ORDER BY c.rn, c.next_attempt_at, c.id \
                 LIMIT $6 FOR UPDATE OF l SKIP LOCKED) RETURNING id"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(&token)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .bind::<Text, _>(&quotas)
                .bind::<BigInt, _>(per_subscription)
                .bind::<BigInt, _>(limit)
                .load(pg)
        }
        DbConnection::Sqlite(lite) => {
            let candidates = CANDIDATES.replace("{now}", "?3").replace(
                "{quota}",
                "COALESCE((SELECT q.value FROM json_each(?4) q WHERE q.key = c.subscription_id), ?5)",
            );
            let sql = format!(
                "UPDATE webhook_deliveries SET claim = ?1, claimed_until = ?2 WHERE id IN (\
                 SELECT id FROM ({candidates}) ORDER BY rn, next_attempt_at, id LIMIT ?6) \
                 RETURNING id"
            );
            diesel::sql_query(sql)
                .bind::<Text, _>(&token)
                .bind::<Timestamp, _>(lease_until)
                .bind::<Timestamp, _>(now)
                .bind::<Text, _>(&quotas)
                .bind::<BigInt, _>(per_subscription)
                .bind::<BigInt, _>(limit)
                .load(lite)
        }
    })?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(i64, String, String, String, Subscription)> = webhook_deliveries::table
        .inner_join(webhook_subscriptions::table)
        .filter(webhook_deliveries::id.eq_any(ids.iter().map(|c| c.id)))
        .order(webhook_deliveries::id)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::subscription_id,
            webhook_deliveries::message_id,
            webhook_deliveries::payload,
            Subscription::as_select(),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, subscription_id, message_id, payload, sub)| Claimed {
            id,
            subscription_id,
            message_id,
            payload,
            secrets: sub.signing_secrets(now),
            url: sub.url,
            claim: token.clone(),
        })
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub attempted_at: NaiveDateTime,
    pub latency_ms: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub response: Option<String>,
}

impl Outcome {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// What happens after a failed attempt.
pub struct Policy {
    /// The wait before the next attempt, after this many attempts; None:
    /// give up.
    pub retry_after: Box<dyn Fn(i32) -> Option<chrono::Duration> + Send + Sync>,
    /// How long a subscription may fail without a success before it is
    /// disabled.
    pub disable_after: chrono::Duration,
}

/// Records an attempt, and moves its delivery on: delivered, retried later
/// or failed for good. A claim that lapsed meanwhile (another replica took
/// the delivery over) records the attempt and changes nothing else.
pub fn record(
    conn: &mut DbConnection,
    claimed: &Claimed,
    outcome: &Outcome,
    policy: &Policy,
    now: NaiveDateTime,
) -> QueryResult<()> {
    write_transaction(conn, |conn| {
        let attempts: Option<i32> = webhook_deliveries::table
            .find(claimed.id)
            .filter(webhook_deliveries::claim.eq(&claimed.claim))
            .select(webhook_deliveries::attempts)
            .first(conn)
            .optional()?;
        let exists = attempts.is_some()
            || diesel::select(diesel::dsl::exists(
                webhook_deliveries::table.find(claimed.id),
            ))
            .get_result(conn)?;
        if exists {
            log_attempt(conn, claimed.id, outcome)?;
        }
        let Some(attempts) = attempts.map(|a| a + 1) else {
            return Ok(());
        };
        let this = webhook_deliveries::table.find(claimed.id);
        let released = (
            webhook_deliveries::attempts.eq(attempts),
            webhook_deliveries::claim.eq(None::<String>),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        );
        if outcome.succeeded() {
            diesel::update(this)
                .set((
                    released,
                    webhook_deliveries::status.eq(DELIVERED),
                    webhook_deliveries::finished_at.eq(Some(now)),
                ))
                .execute(conn)?;
            diesel::update(webhook_subscriptions::table.find(&claimed.subscription_id))
                .set(webhook_subscriptions::failing_since.eq(None::<NaiveDateTime>))
                .execute(conn)?;
            return Ok(());
        }
        match (policy.retry_after)(attempts) {
            Some(wait) => diesel::update(this)
                .set((
                    released,
                    webhook_deliveries::next_attempt_at
                        .eq(now.checked_add_signed(wait).unwrap_or(now)),
                ))
                .execute(conn)?,
            None => diesel::update(this)
                .set((
                    released,
                    webhook_deliveries::status.eq(FAILED),
                    webhook_deliveries::finished_at.eq(Some(now)),
                ))
                .execute(conn)?,
        };
        note_failure(conn, &claimed.subscription_id, outcome, policy, now)
    })
}

/// The attempt's row in the delivery log.
fn log_attempt(conn: &mut DbConnection, delivery: i64, outcome: &Outcome) -> QueryResult<()> {
    // Text columns refuse NUL on PostgreSQL; a receiver's answer may hold
    // anything.
    let clean = |t: &Option<String>| {
        t.as_ref().map(|t| {
            t.chars()
                .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
                .collect::<String>()
        })
    };
    diesel::insert_into(webhook_attempts::table)
        .values((
            webhook_attempts::delivery_id.eq(delivery),
            webhook_attempts::attempted_at.eq(outcome.attempted_at),
            webhook_attempts::latency_ms.eq(outcome.latency_ms),
            webhook_attempts::status_code.eq(outcome.status_code),
            webhook_attempts::error.eq(clean(&outcome.error)),
            webhook_attempts::response.eq(clean(&outcome.response)),
        ))
        .execute(conn)
        .map(drop)
}

/// A failed attempt starts (or continues) the subscription's failing
/// streak; a streak older than the policy allows disables it.
fn note_failure(
    conn: &mut DbConnection,
    subscription: &str,
    outcome: &Outcome,
    policy: &Policy,
    now: NaiveDateTime,
) -> QueryResult<()> {
    let sub = webhook_subscriptions::table.find(subscription);
    let failing_since: Option<Option<NaiveDateTime>> = sub
        .select(webhook_subscriptions::failing_since)
        .first(conn)
        .optional()?;
    let Some(failing_since) = failing_since else {
        return Ok(());
    };
    let since = failing_since.unwrap_or(outcome.attempted_at);
    if since <= now - policy.disable_after {
        diesel::update(sub.filter(webhook_subscriptions::active.eq(true)))
            .set((
                webhook_subscriptions::active.eq(false),
                webhook_subscriptions::disabled_at.eq(Some(now)),
                webhook_subscriptions::disabled_reason.eq(Some(format!(
                    "Every delivery attempt has failed since {}; fix the receiver, then set active to true.",
                    crate::views::timestamp(since)
                ))),
            ))
            .execute(conn)?;
    } else if failing_since.is_none() {
        diesel::update(sub)
            .set(webhook_subscriptions::failing_since.eq(Some(since)))
            .execute(conn)?;
    }
    Ok(())
}

/// One page of a subscription's deliveries, newest first, each with its
/// attempts (oldest first).
pub fn deliveries(
    conn: &mut DbConnection,
    subscription: &str,
    before: Option<i64>,
    status: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<(Delivery, Vec<Attempt>)>> {
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription))
        .order(webhook_deliveries::id.desc())
        .limit(limit)
        .select(Delivery::as_select())
        .into_boxed();
    if let Some(before) = before {
        query = query.filter(webhook_deliveries::id.lt(before));
    }
    if let Some(status) = status {
        query = query.filter(webhook_deliveries::status.eq(status));
    }
    let list: Vec<Delivery> = query.load(conn)?;
    let attempts: Vec<Attempt> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(list.iter().map(|d| d.id)))
        .order(webhook_attempts::id)
        .select(Attempt::as_select())
        .load(conn)?;
    Ok(list
        .into_iter()
        .map(|d| {
            let mine = attempts
                .iter()
                .filter(|a| a.delivery_id == d.id)
                .cloned()
                .collect();
            (d, mine)
        })
        .collect())
}

/// Puts a finished delivery back in the queue, due now, with a fresh set
/// of retries. Answers false when it is still pending (or not there).
pub fn replay(
    conn: &mut DbConnection,
    subscription: &str,
    delivery: i64,
    now: NaiveDateTime,
) -> QueryResult<bool> {
    diesel::update(
        webhook_deliveries::table
            .find(delivery)
            .filter(webhook_deliveries::subscription_id.eq(subscription))
            .filter(webhook_deliveries::status.ne(PENDING)),
    )
    .set((
        webhook_deliveries::status.eq(PENDING),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::next_attempt_at.eq(now),
        webhook_deliveries::finished_at.eq(None::<NaiveDateTime>),
        webhook_deliveries::claim.eq(None::<String>),
        webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
    .map(|n| n == 1)
}

pub fn find_delivery(
    conn: &mut DbConnection,
    subscription: &str,
    delivery: i64,
) -> QueryResult<Option<(Delivery, Vec<Attempt>)>> {
    let found: Option<Delivery> = webhook_deliveries::table
        .find(delivery)
        .filter(webhook_deliveries::subscription_id.eq(subscription))
        .select(Delivery::as_select())
        .first(conn)
        .optional()?;
    let Some(found) = found else { return Ok(None) };
    let attempts = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq(found.id))
        .order(webhook_attempts::id)
        .select(Attempt::as_select())
        .load(conn)?;
    Ok(Some((found, attempts)))
}

/// Forgets finished deliveries (and their attempts) older than `before`:
/// upkeep, once across replicas.
pub fn forget_before(conn: &mut DbConnection, before: NaiveDateTime) -> QueryResult<usize> {
    write_transaction(conn, |conn| {
        let old = webhook_deliveries::table
            .filter(webhook_deliveries::status.ne(PENDING))
            .filter(webhook_deliveries::finished_at.lt(before))
            .select(webhook_deliveries::id);
        diesel::delete(webhook_attempts::table.filter(webhook_attempts::delivery_id.eq_any(old)))
            .execute(conn)?;
        diesel::delete(
            webhook_deliveries::table
                .filter(webhook_deliveries::status.ne(PENDING))
                .filter(webhook_deliveries::finished_at.lt(before)),
        )
        .execute(conn)
    })
}
