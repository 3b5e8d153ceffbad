//! What the admin endpoints take and answer, and the rules of a
//! subscription: its URL, types and audience are checked here, the secret
//! is made here, and shown only in [`WebhookSecret`].

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::store::{self, Attempt, Delivery, Subscription};
use super::{address, sign, NEWSROOM, PUBLIC};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::events;
use crate::models::{new_id, now};
use crate::validation::FieldErrors;
use crate::views::timestamp;

/// The most subscriptions one newsroom keeps.
pub const MAX_SUBSCRIPTIONS: i64 = 100;
/// The longest description.
const MAX_DESCRIPTION: usize = 500;
/// How long the secret before a rotation keeps signing.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;

/// Whom a subscription's events are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// What anonymous callers of the change feed see: public events only,
    /// with public representations and tombstones. The default.
    Public,
    /// Every event, drafts included, as an editor sees it.
    Newsroom,
}

impl Audience {
    fn as_str(self) -> &'static str {
        match self {
            Audience::Public => PUBLIC,
            Audience::Newsroom => NEWSROOM,
        }
    }
}

/// A subscription to add.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// Where deliveries are POSTed: http or https, on a public address.
    #[serde(default)]
    #[schema(
        required,
        format = "uri",
        max_length = 2000,
        example = "https://hooks.example.com/byline"
    )]
    pub url: String,
    /// The event types to deliver; empty or absent: every type its
    /// audience sees.
    #[serde(default)]
    #[schema(example = json!(["article.published", "article.updated", "article.unpublished"]))]
    pub event_types: Vec<String>,
    #[schema(max_length = 500, example = "Purge the CDN")]
    pub description: Option<String>,
    /// `public` (the default) or `newsroom`.
    pub audience: Option<Audience>,
    /// Whether to deliver (default true).
    pub active: Option<bool>,
}

/// Changes to a subscription; omitted members stay as they are. Setting
/// `active` to true turns a disabled subscription back on: it delivers
/// what it missed since, from where it stopped.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookChanges {
    #[schema(format = "uri", max_length = 2000)]
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    #[schema(max_length = 500)]
    pub description: Option<String>,
    pub audience: Option<Audience>,
    pub active: Option<bool>,
}

/// A subscription, as admins see it. Its secret is never shown again
/// after creation or rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    #[schema(example = "0b8f6a3e-4f4e-4c55-9a43-7b1c2f1d9e10")]
    pub id: String,
    pub url: String,
    pub description: String,
    /// Empty: every type its audience sees.
    pub event_types: Vec<String>,
    pub audience: Audience,
    /// Whether it delivers. byline turns it off after five days without a
    /// successful delivery (`disabled_at`, `disabled_reason`).
    pub active: bool,
    #[schema(required)]
    pub disabled_at: Option<String>,
    #[schema(required)]
    pub disabled_reason: Option<String>,
    /// The first failed attempt since the last success, if it is failing.
    #[schema(required)]
    pub failing_since: Option<String>,
    /// The last event queued for it (a change-feed cursor).
    pub cursor: i64,
    /// During a rotation, when the previous secret stops signing.
    #[schema(required)]
    pub previous_secret_expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A signing secret, shown this once: on creation and on rotation.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookSecret {
    pub webhook: WebhookView,
    /// `whsec_` and the base64 key: verify deliveries with it (any Standard
    /// Webhooks library takes it as is).
    #[schema(example = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    pub secret: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookList {
    pub data: Vec<WebhookView>,
}

/// One attempt to deliver.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptView {
    pub attempted_at: String,
    /// The receiver's HTTP status; null when there was no answer.
    #[schema(required)]
    pub status_code: Option<i32>,
    pub latency_ms: i64,
    /// What went wrong without an answer (a timeout, a refused connection).
    #[schema(required)]
    pub error: Option<String>,
    /// The start of the receiver's answer (512 bytes at most).
    #[schema(required)]
    pub response: Option<String>,
}

/// The state of one delivery.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
}

/// One event sent to one subscription, and every attempt at it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    #[schema(example = 311)]
    pub id: i64,
    /// The `webhook-id` header: the same on every attempt (and for the
    /// same event to every subscription), for receivers to drop repeats.
    #[schema(example = "evt_1042")]
    pub message_id: String,
    /// The event's place in the log.
    pub event: i64,
    pub event_type: String,
    pub status: DeliveryStatus,
    /// Attempts since it was queued or last replayed.
    pub attempts: i32,
    /// When the next attempt is due, while it is pending.
    #[schema(required)]
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    #[schema(required)]
    pub finished_at: Option<String>,
    /// Every attempt, oldest first.
    pub log: Vec<AttemptView>,
}

/// A page of deliveries, newest first. Pass `next_cursor` as `before` for
/// older ones; it is null on the last page.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub data: Vec<DeliveryView>,
    #[schema(required)]
    pub next_cursor: Option<i64>,
}

/// Re-send the events after a cursor.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayRequest {
    /// A change-feed cursor: every event after it that the subscription
    /// was already given is queued again.
    #[schema(minimum = 0, example = 1000)]
    pub after: i64,
}

/// What a re-send queued.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayQueued {
    /// Deliveries queued.
    pub queued: usize,
    /// The last event looked at: when it is below the subscription's
    /// cursor, more remain; send it as `after` again.
    pub through: i64,
    /// Whether events between `through` and the subscription's cursor
    /// remain to be re-sent.
    pub more: bool,
}

fn opt_time(t: Option<NaiveDateTime>) -> Option<String> {
    t.map(timestamp)
}

pub fn view(s: &Subscription) -> WebhookView {
    let at = now();
    WebhookView {
        id: s.id.clone(),
        url: s.url.clone(),
        description: s.description.clone(),
        event_types: s.types(),
        audience: if s.audience == NEWSROOM {
            Audience::Newsroom
        } else {
            Audience::Public
        },
        active: s.active,
        disabled_at: opt_time(s.disabled_at),
        disabled_reason: s.disabled_reason.clone(),
        failing_since: opt_time(s.failing_since),
        cursor: s.cursor,
        previous_secret_expires_at: s
            .previous_secret_until
            .filter(|until| *until > at && s.previous_secret.is_some())
            .map(timestamp),
        created_at: timestamp(s.created_at),
        updated_at: timestamp(s.updated_at),
    }
}

pub fn delivery_view((d, attempts): (Delivery, Vec<Attempt>)) -> DeliveryView {
    let status = match d.status.as_str() {
        store::PENDING => DeliveryStatus::Pending,
        store::DELIVERED => DeliveryStatus::Delivered,
        _ => DeliveryStatus::Failed,
    };
    DeliveryView {
        id: d.id,
        message_id: d.message_id,
        event: d.event_seq,
        event_type: d.event_type,
        status,
        attempts: d.attempts,
        next_attempt_at: matches!(status, DeliveryStatus::Pending)
            .then(|| timestamp(d.next_attempt_at)),
        created_at: timestamp(d.created_at),
        finished_at: opt_time(d.finished_at),
        log: attempts
            .into_iter()
            .map(|a| AttemptView {
                attempted_at: timestamp(a.attempted_at),
                status_code: a.status_code,
                latency_ms: a.latency_ms,
                error: a.error,
                response: a.response,
            })
            .collect(),
    }
}

/// The event types an audience can be sent.
fn types_seen_by(audience: Audience) -> &'static [&'static str] {
    match audience {
        Audience::Public => &events::PUBLIC_TYPES,
        Audience::Newsroom => &events::TYPES,
    }
}

fn check_types(e: &mut FieldErrors, types: &[String], audience: Audience) -> Vec<String> {
    let seen = types_seen_by(audience);
    if types.len() > events::TYPES.len() {
        e.add("event_types", "lists too many types");
        return Vec::new();
    }
    let mut list: Vec<String> = Vec::new();
    for t in types {
        if !seen.contains(&t.as_str()) {
            let known = if events::TYPES.contains(&t.as_str()) {
                format!("'{t}' is never sent to the {} audience", audience.as_str())
            } else {
                format!(
                    "'{}' is not an event type",
                    t.chars().take(60).collect::<String>()
                )
            };
            e.add(
                "event_types",
                format!("{known}; it may list {}", seen.join(", ")),
            );
        } else if !list.contains(t) {
            list.push(t.clone());
        }
    }
    list
}

/// Checks a URL: its form here, its addresses (a DNS lookup) before any
/// transaction.
pub async fn check_url(url: &str, allow_private: bool) -> Result<String, ApiError> {
    let mut e = FieldErrors::default();
    let normal = e.url("url", url);
    e.finish()?;
    if let Some(why) = address::refuse(&normal, allow_private).await {
        return Err(ApiError::Validation(vec![crate::error::FieldError {
            field: "url".into(),
            message: why,
        }]));
    }
    Ok(normal)
}

/// Adds a subscription (its URL checked already): it starts at the log's
/// end, so it receives what happens from now on.
pub fn create(
    conn: &mut DbConnection,
    input: NewWebhook,
    url: String,
    mut e: FieldErrors,
) -> Result<WebhookSecret, ApiError> {
    let audience = input.audience.unwrap_or(Audience::Public);
    let types = check_types(&mut e, &input.event_types, audience);
    let description = e
        .optional_text("description", input.description.as_deref(), MAX_DESCRIPTION)
        .unwrap_or_default();
    e.finish()?;
    if let DbConnection::Postgres(pg) = conn {
        // Concurrent creates count one after another.
        use diesel::RunQueryDsl;
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('webhook_subscriptions'))")
            .execute(pg)?;
    }
    if store::count(conn)? >= MAX_SUBSCRIPTIONS {
        return Err(ApiError::Conflict(format!(
            "This newsroom has {MAX_SUBSCRIPTIONS} webhook subscriptions, the most it keeps; delete one first."
        )));
    }
    let at = now();
    let secret = sign::new_secret();
    let sub = Subscription {
        id: new_id(),
        url,
        description,
        event_types: serde_json::to_string(&types).unwrap_or_else(|_| "[]".into()),
        audience: audience.as_str().into(),
        active: input.active.unwrap_or(true),
        secret: secret.clone(),
        previous_secret: None,
        previous_secret_until: None,
        cursor: events::position(conn)?.seq,
        failing_since: None,
        disabled_at: None,
        disabled_reason: None,
        created_at: at,
        updated_at: at,
    };
    store::insert(conn, &sub)?;
    Ok(WebhookSecret {
        webhook: view(&sub),
        secret,
    })
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!(
        "No webhook subscription has the id '{}'.",
        id.chars().take(100).collect::<String>()
    ))
}

/// Finds a subscription, or 404.
pub fn get(conn: &mut DbConnection, id: &str) -> Result<Subscription, ApiError> {
    store::find(conn, id)?.ok_or_else(|| not_found(id))
}

/// Applies changes (a new URL checked already).
pub fn update(
    conn: &mut DbConnection,
    id: &str,
    changes: WebhookChanges,
    url: Option<String>,
    mut e: FieldErrors,
) -> Result<WebhookView, ApiError> {
    let mut sub = store::find_for_update(conn, id)?.ok_or_else(|| not_found(id))?;
    let audience = changes.audience.unwrap_or(if sub.audience == NEWSROOM {
        Audience::Newsroom
    } else {
        Audience::Public
    });
    let types = match &changes.event_types {
        Some(t) => check_types(&mut e, t, audience),
        // The types kept must still suit the audience.
        None => check_types(&mut e, &sub.types(), audience),
    };
    if let Some(d) = changes.description.as_deref() {
        sub.description = e
            .optional_text("description", Some(d), MAX_DESCRIPTION)
            .unwrap_or_default();
    }
    e.finish()?;
    if let Some(url) = url {
        sub.url = url;
    }
    sub.event_types = serde_json::to_string(&types).unwrap_or_else(|_| "[]".into());
    if sub.audience != audience.as_str() {
        // What waits was written for the other audience: it never goes out.
        store::cancel_pending(conn, &sub.id, now())?;
        sub.audience = audience.as_str().into();
    }
    if let Some(active) = changes.active {
        if active && !sub.active {
            sub.disabled_at = None;
            sub.disabled_reason = None;
            sub.failing_since = None;
        }
        sub.active = active;
    }
    sub.updated_at = now();
    store::save(conn, &sub)?;
    Ok(view(&sub))
}

/// A new secret; the old one keeps signing for a day beside it.
pub fn rotate(conn: &mut DbConnection, id: &str) -> Result<WebhookSecret, ApiError> {
    let mut sub = store::find_for_update(conn, id)?.ok_or_else(|| not_found(id))?;
    let at = now();
    let secret = sign::new_secret();
    sub.previous_secret = Some(std::mem::replace(&mut sub.secret, secret.clone()));
    sub.previous_secret_until = Some(at + chrono::Duration::hours(ROTATION_OVERLAP_HOURS));
    sub.updated_at = at;
    store::save(conn, &sub)?;
    Ok(WebhookSecret {
        webhook: view(&sub),
        secret,
    })
}

/// Removes a subscription with its deliveries.
pub fn delete(conn: &mut DbConnection, id: &str) -> Result<(), ApiError> {
    get(conn, id)?;
    store::delete(conn, id)?;
    Ok(())
}
