//! `/v1/webhooks`: admins subscribe URLs to the event log, read each
//! subscription's delivery log, and replay deliveries. Signing secrets are
//! shown once, on creation and rotation, and never again.

use actix_web::http::StatusCode;
use actix_web::{delete, get, patch, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::{AuthUser, Role};
use crate::error::ApiError;
use crate::models::now;
use crate::routes::extract::{path_param, Limit};
use crate::routes::json_body;
use crate::routes::users::no_store;
use crate::state::AppState;
use crate::webhooks::api::{
    self, DeliveryPage, DeliveryView, NewWebhook, ReplayQueued, ReplayRequest, WebhookChanges,
    WebhookList, WebhookSecret, WebhookView,
};
use crate::webhooks::store;

path_param!(
    WebhookPath,
    webhook,
    "The subscription's id",
    "0b8f6a3e-4f4e-4c55-9a43-7b1c2f1d9e10"
);

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct DeliveryPath {
    /// The subscription's id.
    #[param(
        pattern = "^[a-z0-9-]{1,200}$",
        example = "0b8f6a3e-4f4e-4c55-9a43-7b1c2f1d9e10"
    )]
    pub webhook: String,
    /// The delivery's id.
    #[param(value_type = i64, minimum = 1, example = 311)]
    pub delivery: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryParams {
    /// Deliveries older than this one: the `next_cursor` of the previous
    /// page.
    #[param(value_type = Option<i64>, minimum = 1, example = 311)]
    pub before: Option<String>,
    /// Only deliveries in this state.
    #[param(value_type = Option<api::DeliveryStatus>)]
    pub status: Option<String>,
}

/// List the webhook subscriptions (admins). Secrets are never shown.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    responses(
        (status = 200, description = "Every subscription", body = WebhookList),
        crate::routes::responses::AdminReadErrors,
    )
)]
#[get("/webhooks")]
pub async fn list_webhooks(
    state: web::Data<AppState>,
    caller: AuthUser,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let data = state
        .read(|conn| Ok(store::list(conn)?.iter().map(api::view).collect()))
        .await?;
    Ok(no_store(StatusCode::OK, &WebhookList { data }))
}

/// Subscribe a URL to events (admins).
///
/// Each event of the types chosen is POSTed to the URL as JSON (`type`,
/// `timestamp`, `data`: the event as the change feed shows it to the
/// audience), signed as Standard Webhooks 1.0 has it: `webhook-id`,
/// `webhook-timestamp` and `webhook-signature` headers. The answer holds
/// the signing secret; it is shown this once. The subscription receives
/// what happens from now on. The URL must be http(s) on a public address
/// (422 on `url` otherwise).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Subscribed; keep the secret", body = WebhookSecret),
        crate::routes::responses::CreateErrors,
    )
)]
#[post("/webhooks")]
pub async fn create_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let (input, read_errors) = json_body::<NewWebhook>(body.into_inner())?;
    // The DNS lookup happens before any transaction.
    let url = api::check_url(&input.url, state.config.webhook_allow_private).await?;
    let created = in_transaction(&state, move |conn| {
        api::create(conn, input, url, read_errors)
    })
    .await?;
    Ok(no_store(StatusCode::CREATED, &created))
}

/// Read one subscription (admins).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(WebhookPath),
    responses(
        (status = 200, description = "The subscription", body = WebhookView),
        crate::routes::responses::AdminItemErrors,
    )
)]
#[get("/webhooks/{webhook}")]
pub async fn get_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<WebhookPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = String::from(path.into_inner());
    let found = state
        .read(move |conn| Ok(api::view(&api::get(conn, &id)?)))
        .await?;
    Ok(no_store(StatusCode::OK, &found))
}

/// Change a subscription (admins): its URL, types, audience, description,
/// or whether it delivers. Turning a disabled one back on delivers what
/// it missed.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(WebhookPath),
    request_body = WebhookChanges,
    responses(
        (status = 200, description = "Changed", body = WebhookView),
        crate::routes::responses::ChangeErrors,
    )
)]
#[patch("/webhooks/{webhook}")]
pub async fn update_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<WebhookPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = String::from(path.into_inner());
    let (changes, read_errors) = json_body::<WebhookChanges>(body.into_inner())?;
    let url = match changes.url.as_deref() {
        Some(url) => Some(api::check_url(url, state.config.webhook_allow_private).await?),
        None => None,
    };
    let changed = in_transaction(&state, move |conn| {
        api::update(conn, &id, changes, url, read_errors)
    })
    .await?;
    Ok(no_store(StatusCode::OK, &changed))
}

/// Delete a subscription and its delivery log (admins).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(WebhookPath),
    responses(
        (status = 204, description = "Deleted"),
        crate::routes::responses::AdminItemErrors,
    )
)]
#[delete("/webhooks/{webhook}")]
pub async fn delete_webhook(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<WebhookPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = String::from(path.into_inner());
    in_transaction(&state, move |conn| api::delete(conn, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Rotate a subscription's signing secret (admins). The answer holds the
/// new secret, shown this once; for a day, deliveries carry two
/// signatures, one with each secret, so receivers can switch over.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(WebhookPath),
    responses(
        (status = 200, description = "Rotated; keep the new secret", body = WebhookSecret),
        crate::routes::responses::AdminItemErrors,
    )
)]
#[post("/webhooks/{webhook}/rotate-secret")]
pub async fn rotate_webhook_secret(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<WebhookPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = String::from(path.into_inner());
    let rotated = in_transaction(&state, move |conn| api::rotate(conn, &id)).await?;
    Ok(no_store(StatusCode::OK, &rotated))
}

/// Runs `work` in a write transaction of its own. Subscriptions are not
/// content: they append no events and leave the response cache alone.
async fn in_transaction<T, F>(state: &AppState, work: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut crate::db::DbConnection) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    state
        .db(move |conn| crate::db::write_transaction(conn, work))
        .await
}

fn delivery_id(raw: &str) -> Option<i64> {
    raw.parse::<i64>().ok().filter(|n| *n > 0)
}

/// Read a subscription's delivery log (admins): each delivery, newest
/// first, with every attempt's time, status, latency and the start of the
/// receiver's answer.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(WebhookPath, DeliveryParams, Limit<20, 100>),
    responses(
        (status = 200, description = "A page of deliveries", body = DeliveryPage),
        crate::routes::responses::AdminItemErrors,
    )
)]
#[get("/webhooks/{webhook}/deliveries")]
pub async fn list_deliveries(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<WebhookPath>,
    params: web::Query<DeliveryParams>,
    limit: Limit<20, 100>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = String::from(path.into_inner());
    let params = params.into_inner();
    let before = match params.before.as_deref() {
        None => None,
        Some(raw) => Some(delivery_id(raw).ok_or_else(|| {
            ApiError::invalid("before", "must be a delivery id: a whole number from 1")
        })?),
    };
    let status = match params.status.as_deref() {
        None => None,
        Some(s @ (store::PENDING | store::DELIVERED | store::FAILED)) => Some(s.to_string()),
        Some(_) => {
            return Err(ApiError::invalid(
                "status",
                "must be pending, delivered or failed",
            ))
        }
    };
    let limit = limit.get();
    let page = state
        .read(move |conn| {
            api::get(conn, &id)?;
            let list = store::deliveries(conn, &id, before, status.as_deref(), limit)?;
            let next_cursor = (list.len() as i64 == limit)
                .then(|| list.last().map(|(d, _)| d.id))
                .flatten();
            Ok(DeliveryPage {
                data: list.into_iter().map(api::delivery_view).collect(),
                next_cursor,
            })
        })
        .await?;
    Ok(no_store(StatusCode::OK, &page))
}

/// Send a finished delivery again (admins): it is queued now, with the
/// same `webhook-id` and body and a fresh set of retries. A delivery still
/// pending gets 409.
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(DeliveryPath),
    responses(
        (status = 202, description = "Queued", body = DeliveryView),
        crate::routes::responses::ReplayErrors,
    )
)]
#[post("/webhooks/{webhook}/deliveries/{delivery}/replay")]
pub async fn replay_delivery(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<DeliveryPath>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let DeliveryPath { webhook, delivery } = path.into_inner();
    let missing = || ApiError::NotFound("This subscription has no such delivery.".into());
    let delivery = delivery_id(&delivery).ok_or_else(missing)?;
    let queued = in_transaction(&state, move |conn| {
                let sub = api::get(conn, &webhook)?;
                let found = store::find_delivery(conn, &webhook, delivery)?.ok_or_else(missing)?;
                if found.0.audience != sub.audience {
                    return Err(ApiError::Conflict(format!(
                        "Delivery {} was written for the {} audience, and this subscription now has the {} audience; re-send its events with POST /v1/webhooks/{{webhook}}/replay instead.",
                        found.0.id, found.0.audience, sub.audience
                    )));
                }
                if !store::replay(conn, &webhook, delivery, now())? {
                    return Err(ApiError::Conflict(format!(
                        "Delivery {} is still pending: it will be tried again at its next attempt.",
                        found.0.id
                    )));
                }
                let again = store::find_delivery(conn, &webhook, delivery)?.ok_or_else(missing)?;
                Ok(api::delivery_view(again))
    })
    .await?;
    Ok(no_store(StatusCode::ACCEPTED, &queued))
}

/// Re-send everything after a cursor (admins): every event after `after`
/// that the subscription was already given is queued again, a thousand at
/// most per request (`more` says whether to ask again from `through`).
#[utoipa::path(
    tag = "webhooks",
    security(("bearer" = [])),
    extensions(("x-required-role" = json!("admin"))),
    params(WebhookPath),
    request_body = ReplayRequest,
    responses(
        (status = 202, description = "Queued", body = ReplayQueued),
        crate::routes::responses::ResendErrors,
    )
)]
#[post("/webhooks/{webhook}/replay")]
pub async fn replay_since(
    state: web::Data<AppState>,
    caller: AuthUser,
    path: web::Path<WebhookPath>,
    body: web::Json<serde_json::Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Role::Admin)?;
    let id = String::from(path.into_inner());
    let (input, errors) = json_body::<ReplayRequest>(body.into_inner())?;
    errors.finish()?;
    if input.after < 0 {
        return Err(ApiError::Validation(vec![crate::error::FieldError {
            field: "after".into(),
            message: "must be a cursor: a whole number from 0".into(),
        }]));
    }
    let queued = in_transaction(&state, move |conn| {
        let sub = store::find_for_update(conn, &id)?
            .ok_or_else(|| ApiError::NotFound("No webhook subscription has this id.".into()))?;
        let (queued, through) = store::replay_since(conn, &sub, input.after, now())?;
        Ok(ReplayQueued {
            queued,
            through,
            more: through < sub.cursor,
        })
    })
    .await?;
    Ok(no_store(StatusCode::ACCEPTED, &queued))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_webhooks)
        .service(create_webhook)
        .service(get_webhook)
        .service(update_webhook)
        .service(delete_webhook)
        .service(rotate_webhook_secret)
        .service(list_deliveries)
        .service(replay_delivery)
        .service(replay_since);
}
