//! Corrections: appended to a published story in public, with a revision
//! and an `article.updated` event, in one transaction. Never edited; an
//! admin may delete one, which leaves a revision saying who and what.

use serde::Deserialize;
use serde_json::{json, Map, Value};
use utoipa::ToSchema;

use crate::auth::{AuthUser, Role};
use crate::db::DbConnection;
use crate::editorial::input::ArticleInput;
use crate::editorial::revision;
use crate::error::{ApiError, FieldError};
use crate::events::{self, Side};
use crate::models::article::{self, Article};
use crate::models::correction::{self, Correction};
use crate::models::{new_id, now};
use crate::state::AppState;
use crate::views::CorrectionView;

use super::{load, persist, prepare, Expect, Prepared, Target};

/// The longest correction, in characters.
pub const MAX_CORRECTION: usize = 2000;

/// A correction to append.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionInput {
    /// What was wrong and what is right: 1 to 2,000 characters.
    #[serde(default)]
    #[schema(
        required,
        min_length = 1,
        max_length = 2000,
        example = "An earlier version of this story gave the wrong date for the hearing."
    )]
    pub text: String,
    /// An earlier correction of the same story that this one amends.
    pub amends: Option<String>,
    /// The story's fields to change in the same write, as PATCH takes them
    /// (all but `status`, `published_at` and `embargoed_until`: a
    /// correction does not change whether or when the story is public).
    /// The story moves two versions: its fields, then the correction.
    pub changes: Option<ArticleInput>,
}

/// A correction checked, and the fields it changes rendered, ready for
/// its transaction.
pub struct PreparedCorrection {
    text: String,
    amends: Option<String>,
    changes: Option<Prepared>,
}

fn invalid(field: &str, message: &str) -> ApiError {
    ApiError::Validation(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

/// The text as stored: trimmed, one to `MAX_CORRECTION` characters, no
/// control characters but line breaks.
fn checked_text(text: &str) -> Result<String, ApiError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid("text", "must not be empty"));
    }
    if text.chars().count() > MAX_CORRECTION {
        return Err(invalid("text", "must be at most 2000 characters"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(invalid("text", "must not hold control characters"));
    }
    Ok(text.to_string())
}

/// Stores a new version of the story: its version and `updated_at` move,
/// with a revision of `changes` and the event readers and caches follow.
fn bump(
    conn: &mut DbConnection,
    caller: &AuthUser,
    current: &crate::editorial::Current,
    changes: Map<String, Value>,
    site: &crate::config::Site,
) -> Result<Article, ApiError> {
    let at = now();
    let mut row = current.article.clone();
    row.version += 1;
    row.updated_at = at.max(row.updated_at);
    if !article::update_if_version(conn, &row, current.article.version)? {
        return Err(ApiError::PreconditionFailed(
            "The article changed during the write; fetch it again.".into(),
        ));
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

/// The story `key` names, locked for the rest of the transaction; 404
/// when there is none.
pub(super) fn locked(
    conn: &mut DbConnection,
    key: &str,
) -> Result<crate::editorial::Current, ApiError> {
    article::lock(conn, key)?;
    load(conn, Some(&Target::Existing(key.to_string())))?
        .ok_or_else(|| ApiError::NotFound(format!("No article has the slug or id '{key}'.")))
}

/// The first step of a correction, outside any transaction: the role, the
/// text, and the fields it changes checked and rendered.
pub async fn prepare_correction(
    state: &AppState,
    caller: &AuthUser,
    key: &str,
    input: CorrectionInput,
) -> Result<PreparedCorrection, ApiError> {
    caller.require(Role::Editor)?;
    let text = checked_text(&input.text)?;
    let changes = match input.changes {
        None => None,
        Some(changes) => {
            let timing = [
                ("status", changes.status.is_some()),
                ("published_at", changes.published_at.is_some()),
                ("embargoed_until", changes.embargoed_until.is_some()),
            ];
            if let Some((field, _)) = timing.iter().find(|(_, given)| *given) {
                return Err(invalid(
                    &format!("changes.{field}"),
                    "a correction does not change whether or when the story is public; use PATCH",
                ));
            }
            let target = Target::Existing(key.to_string());
            let prepared = prepare(state, caller, Some(&target), &changes, Default::default())
                .await
                .map_err(|e| match e {
                    ApiError::Validation(errors) => ApiError::Validation(
                        errors
                            .into_iter()
                            .map(|f| FieldError {
                                field: format!("changes.{}", f.field),
                                message: f.message,
                            })
                            .collect(),
                    ),
                    other => other,
                })?;
            Some(prepared)
        }
    };
    Ok(PreparedCorrection {
        text,
        amends: input.amends,
        changes,
    })
}

/// Appends a correction to the published story `key`, inside the write's
/// transaction, after the fields it changes: answers the correction and
/// the story as stored.
pub fn store_correction(
    conn: &mut DbConnection,
    caller: &AuthUser,
    key: &str,
    prepared: PreparedCorrection,
    expect: &Expect,
    site: &crate::config::Site,
) -> Result<(CorrectionView, Article), ApiError> {
    let current = locked(conn, key)?;
    if current.article.visible_at(now()).is_none() {
        return Err(ApiError::Conflict(
            "Only a published story can be corrected; change a draft, scheduled or archived story with PATCH.".into(),
        ));
    }
    expect.check(Some(current.article.version))?;
    if let Some(earlier) = &prepared.amends {
        if correction::find(conn, &current.article.id, earlier)?.is_none() {
            return Err(invalid("amends", "names no correction of this story"));
        }
    }
    let current = match prepared.changes {
        None => current,
        Some(changes) => {
            let target = Target::Existing(key.to_string());
            let written = persist(conn, caller, Some(&target), changes, &Expect::Unconditional)?
                .ok_or_else(|| {
                    ApiError::PreconditionFailed(
                        "The article changed during the write; fetch it again.".into(),
                    )
                })?;
            crate::editorial::Current::load(conn, written.article)?
        }
    };
    let added = Correction {
        id: new_id(),
        article_id: current.article.id.clone(),
        text: prepared.text,
        amends: prepared.amends,
        created_by: caller.principal.clone(),
        created_at: now(),
    };
    correction::insert(conn, &added)?;
    let changes = Map::from_iter([(
        "corrections".to_string(),
        json!({"from": null, "to": {"id": added.id, "text": added.text, "amends": added.amends}}),
    )]);
    let row = bump(conn, caller, &current, changes, site)?;
    Ok((CorrectionView::from(added), row))
}

/// Deletes a correction (admins): the story's version moves and a revision
/// records who removed which text.
pub async fn remove(
    state: &AppState,
    caller: AuthUser,
    key: String,
    id: String,
) -> Result<(), ApiError> {
    caller.require(Role::Admin)?;
    let site = state.config.site.clone();
    state
        .write(move |conn| {
            let current = locked(conn, &key)?;
            let found = correction::find(conn, &current.article.id, &id)?
                .ok_or_else(|| ApiError::NotFound(format!("This story has no correction '{id}'.")))?;
            correction::delete(conn, &found.id)?;
            let changes = Map::from_iter([(
                "corrections".to_string(),
                json!({"from": {"id": found.id, "text": found.text, "amends": found.amends}, "to": null}),
            )]);
            bump(conn, &caller, &current, changes, &site)?;
            Ok(())
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correction_text_is_checked() {
        assert_eq!(
            checked_text("  Fixed the date.\n").unwrap(),
            "Fixed the date."
        );
        assert!(checked_text("   ").is_err());
        assert!(checked_text(&"x".repeat(2001)).is_err());
        assert!(checked_text(&"x".repeat(2000)).is_ok());
        assert!(checked_text("a\u{0}b").is_err());
        assert!(checked_text("line one\nline two").is_ok());
    }
}
