//! Creating, changing and deleting articles.
//!
//! A write runs in two steps. First, outside any transaction: read the
//! article as it stands, look up what the body names, validate, check the
//! caller's role and render the body (the only step whose cost grows with
//! the body). Then the write transaction locks the article, checks that it
//! is still the version the first step saw (else the whole write starts
//! over), checks `If-Match`, and stores. A slow body therefore never holds
//! a lock.

mod correct;
mod prepare;
mod store;
mod withdraw;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::models::article::{self, Article};
use crate::state::AppState;
use crate::validation::FieldErrors;

use super::input::{editorial_view, ArticleInput, EditorialArticle};
use super::policy;

pub use correct::{
    prepare_correction, remove as remove_correction, store_correction, CorrectionInput,
    PreparedCorrection, MAX_CORRECTION,
};
pub use prepare::{create_now, prepare, Prepared};
pub use store::{article_row, persist};
pub use withdraw::{restore, withdraw, WithdrawalInput};

use prepare::{load, prepare_reusing};

/// How often a write starts over when the article changes under it.
const ATTEMPTS: usize = 5;

/// The article a write changes.
#[derive(Debug, Clone)]
pub enum Target {
    /// By slug or id.
    Existing(String),
    /// By its sender's id for it: created when there is none yet.
    External { owner: String, id: String },
}

/// Which versions a write accepts, from `If-Match`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// No `If-Match`: the last write wins.
    Unconditional,
    /// `If-Match: *`: any current version, but there must be one.
    Exists,
    /// `If-Match: "v3", "v4"`: one of these versions.
    OneOf(Vec<i32>),
    /// An `If-Match` that is not a list of entity tags.
    Malformed,
}

impl Expect {
    /// Checks the precondition against the current version (None: there
    /// is no article).
    pub fn check(&self, current: Option<i32>) -> Result<(), ApiError> {
        match (self, current) {
            (Expect::Unconditional, _) => Ok(()),
            (Expect::Malformed, _) => Err(ApiError::BadRequest(
                "If-Match must be `*` or a list of entity tags such as \"v3\".".into(),
            )),
            (Expect::Exists, Some(_)) => Ok(()),
            (Expect::OneOf(versions), Some(v)) if versions.contains(&v) => Ok(()),
            (_, None) => Err(ApiError::PreconditionFailed(
                "There is no article here yet, so If-Match cannot hold.".into(),
            )),
            (_, Some(v)) => Err(ApiError::PreconditionFailed(format!(
                "The article has changed (it is at version {v}); fetch it again and reapply your change."
            ))),
        }
    }
}

/// The outcome of a write.
pub struct Written {
    pub article: Article,
    /// False when the body changed nothing (no new version, no revision).
    pub changed: bool,
    pub created: bool,
}

/// Creates or changes an article, starting over while it moves under the
/// write; answers whether it was created, and the article as stored.
pub async fn save(
    state: &AppState,
    caller: &AuthUser,
    target: Target,
    input: &ArticleInput,
    read_errors: FieldErrors,
    expect: &Expect,
) -> Result<(bool, EditorialArticle), ApiError> {
    let mut rendered = None;
    for _ in 0..ATTEMPTS {
        let prepared = prepare_reusing(
            state,
            caller,
            Some(&target),
            input,
            read_errors.clone(),
            &mut rendered,
        )
        .await?;
        let (c, t, e) = (caller.clone(), target.clone(), expect.clone());
        let site = state.config.site.clone();
        let stored = state
            .write(
                move |conn| match persist(conn, &c, Some(&t), prepared, &e)? {
                    Some(w) => Ok(Some((w.created, editorial_view(conn, &site, w.article)?))),
                    None => Ok(None),
                },
            )
            .await?;
        if let Some(done) = stored {
            return Ok(done);
        }
    }
    Err(ApiError::Unavailable(
        "The article kept changing while this write was applied; retry it.".into(),
    ))
}

/// Deletes an article, honouring `If-Match`.
pub async fn delete(
    state: &AppState,
    caller: AuthUser,
    key: String,
    expect: Expect,
) -> Result<(), ApiError> {
    state
        .write(move |conn| {
            article::lock(conn, &key)?;
            let current = load(conn, Some(&Target::Existing(key)))?
                .ok_or_else(|| ApiError::NotFound("The article is gone.".into()))?;
            policy::may_delete(&caller, &current)?;
            // Deleting a withdrawn story would free its address and drop
            // the record of why it went: that is an admin's call.
            if current.article.status == article::STATUS_WITHDRAWN {
                caller.require(crate::auth::Role::Admin)?;
            }
            expect.check(Some(current.article.version))?;
            crate::events::article_deleted(conn, &current, crate::models::now())?;
            if !article::delete_if_version(conn, &current.article.id, current.article.version)? {
                return Err(ApiError::PreconditionFailed(
                    "The article changed while it was being deleted; fetch it again.".into(),
                ));
            }
            Ok(())
        })
        .await
}
