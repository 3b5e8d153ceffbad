//! Withdrawing (killing) a story and restoring it. A withdrawn story
//! answers 410 Gone with its public notice, and leaves every list, block,
//! feed, sitemap and search at once: the write removes its listing rows,
//! and its event (`article.withdrawn`) carries the keys every cache in
//! front of byline purges. The internal reason stays in the newsroom.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use crate::auth::{AuthUser, Role};
use crate::db::DbConnection;
use crate::editorial::input::{editorial_view, EditorialArticle};
use crate::editorial::{revision, Current};
use crate::error::{ApiError, FieldError};
use crate::events::{self, Side};
use crate::models::article::{self, STATUS_DRAFT, STATUS_PUBLISHED, STATUS_WITHDRAWN};
use crate::models::now;
use crate::models::withdrawal::{self, Withdrawal};
use crate::state::AppState;

use super::correct::locked;
use super::Expect;

pub const MAX_NOTICE: usize = 500;
pub const MAX_REASON: usize = 2000;

/// A story to withdraw.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalInput {
    /// What readers who follow a link to it are told (the 410 answer's
    /// detail): 1 to 500 characters.
    #[serde(default)]
    #[schema(
        required,
        min_length = 1,
        max_length = 500,
        example = "This story has been withdrawn for legal reasons."
    )]
    pub notice: String,
    /// Why, for the newsroom's record: 1 to 2,000 characters, never shown
    /// to the public.
    #[serde(default)]
    #[schema(
        required,
        min_length = 1,
        max_length = 2000,
        example = "Injunction served 2021-01-06; see legal ticket 4411."
    )]
    pub reason: String,
}

/// Trimmed text of 1 to `max` characters without control characters but
/// line breaks, or the failing field.
fn checked(field: &str, text: &str, max: usize) -> Result<String, FieldError> {
    let text = text.trim();
    let message = if text.is_empty() {
        "must not be empty".to_string()
    } else if text.chars().count() > max {
        format!("must be at most {max} characters")
    } else if text.chars().any(|c| c.is_control() && c != '\n') {
        "must not hold control characters".to_string()
    } else {
        return Ok(text.to_string());
    };
    Err(FieldError {
        field: field.into(),
        message,
    })
}

/// Stores the story with a new status, as a new version with a revision
/// and its event; its listing rows and search visibility follow.
fn restate(
    conn: &mut DbConnection,
    caller: &AuthUser,
    current: &Current,
    status: &str,
    record: Value,
    site: &crate::config::Site,
) -> Result<article::Article, ApiError> {
    let at = now();
    let mut row = current.article.clone();
    row.status = status.to_string();
    if status == STATUS_PUBLISHED {
        // As any write leaves a published story: dated, and never public
        // before its embargo.
        let published = row.published_at.unwrap_or(at);
        row.published_at = Some(row.embargoed_until.map_or(published, |e| published.max(e)));
    }
    row.version += 1;
    row.updated_at = at.max(row.updated_at);
    row.announced = row.visible_at(at).is_some();
    if !article::update_if_version(conn, &row, current.article.version)? {
        return Err(ApiError::PreconditionFailed(
            "The article changed during the write; fetch it again.".into(),
        ));
    }
    article::set_links(conn, &row, &current.author_ids, &current.tag_ids)?;
    crate::search::index(conn, &row, None)?;
    let mut changes = Map::from_iter([
        (
            "status".to_string(),
            json!({"from": current.article.status, "to": status}),
        ),
        // The newsroom's record of the withdrawal, kept in the revisions
        // (which only the newsroom reads) when a restore ends it.
        ("withdrawal".to_string(), record),
    ]);
    if row.published_at != current.article.published_at {
        changes.insert(
            "published_at".to_string(),
            json!({
                "from": current.article.published_at.map(crate::views::timestamp),
                "to": row.published_at.map(crate::views::timestamp),
            }),
        );
    }
    revision::record(conn, caller, &row, changes)?;
    let after = Side {
        article: &row,
        author_ids: &current.author_ids,
        tag_ids: &current.tag_ids,
    };
    events::article_changed(conn, site, Some(Side::from(current)), after, at)?;
    Ok(row)
}

/// A withdrawal as a revision records it.
fn described(w: &Withdrawal) -> Value {
    json!({
        "notice": w.notice,
        "reason": w.reason,
        "withdrawn_by": w.withdrawn_by,
        "withdrawn_at": crate::views::timestamp(w.withdrawn_at),
    })
}

/// Withdraws the story `key` names (editors). 409 unless it is published
/// or scheduled.
pub async fn withdraw(
    state: &AppState,
    caller: AuthUser,
    key: String,
    input: WithdrawalInput,
    expect: Expect,
) -> Result<EditorialArticle, ApiError> {
    caller.require(Role::Editor)?;
    let errors: Vec<FieldError> = [
        checked("notice", &input.notice, MAX_NOTICE),
        checked("reason", &input.reason, MAX_REASON),
    ]
    .into_iter()
    .filter_map(Result::err)
    .collect();
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let notice = input.notice.trim().to_string();
    let reason = input.reason.trim().to_string();
    let site = state.config.site.clone();
    state
        .write(move |conn| {
            let current = locked(conn, &key)?;
            match current.article.status.as_str() {
                STATUS_PUBLISHED => {}
                STATUS_WITHDRAWN => {
                    return Err(ApiError::Conflict("This story is already withdrawn.".into()))
                }
                STATUS_DRAFT => {
                    return Err(ApiError::Conflict(
                        "A draft is not public, so there is nothing to withdraw: delete it, or keep it as a draft.".into(),
                    ))
                }
                _ => {
                    return Err(ApiError::Conflict(
                        "Only a published or scheduled story can be withdrawn; this one is archived (already off the public).".into(),
                    ))
                }
            }
            expect.check(Some(current.article.version))?;
            let record = Withdrawal {
                article_id: current.article.id.clone(),
                notice,
                reason,
                previous_status: current.article.status.clone(),
                withdrawn_by: caller.principal.clone(),
                withdrawn_at: now(),
                was_public: current.article.announced
                    || current.article.visible_at(now()).is_some(),
            };
            withdrawal::insert(conn, &record)?;
            let change = json!({"from": null, "to": described(&record)});
            let row = restate(conn, &caller, &current, STATUS_WITHDRAWN, change, &site)?;
            editorial_view(conn, &site, row)
        })
        .await
}

/// Restores a withdrawn story (admins) to the state it was withdrawn
/// from: a published story is public again at once. 409 when it is not
/// withdrawn.
pub async fn restore(
    state: &AppState,
    caller: AuthUser,
    key: String,
    expect: Expect,
) -> Result<EditorialArticle, ApiError> {
    caller.require(Role::Admin)?;
    let site = state.config.site.clone();
    state
        .write(move |conn| {
            let current = locked(conn, &key)?;
            let found = withdrawal::find(conn, &current.article.id)?
                .filter(|_| current.article.status == STATUS_WITHDRAWN)
                .ok_or_else(|| ApiError::Conflict("This story is not withdrawn.".into()))?;
            expect.check(Some(current.article.version))?;
            withdrawal::delete(conn, &current.article.id)?;
            let change = json!({"from": described(&found), "to": null});
            let status = found.previous_status.clone();
            let row = restate(conn, &caller, &current, &status, change, &site)?;
            editorial_view(conn, &site, row)
        })
        .await
}
