//! The first step of a write, outside any transaction: read the article,
//! look up what the body names, validate, check the caller's role and
//! render the body.

use chrono::NaiveDateTime;

use crate::auth::AuthUser;
use crate::config::Site;
use crate::content::{self, BodyFormat, Budget, PreparedBody, Refusal, BODY_BUDGET};
use crate::db::DbConnection;
use crate::editorial::draft::{Current, Draft};
use crate::editorial::input::ArticleInput;
use crate::editorial::validate::validate;
use crate::editorial::{policy, resolve};
use crate::error::{ApiError, FieldError};
use crate::models::article;
use crate::models::now;
use crate::state::AppState;
use crate::validation::FieldErrors;

use super::{persist, Expect, Target, Written};

/// A write checked and rendered, ready for its transaction.
pub struct Prepared {
    pub(super) current: Option<Current>,
    pub(super) draft: Draft,
    pub(super) body: Option<PreparedBody>,
    pub(super) at: NaiveDateTime,
    /// The reader-facing site, for the public view the event log records.
    pub(super) site: Site,
}

/// The article a target names, with its links; None for an external id
/// nobody has sent yet. An unknown slug or id is a 404.
pub(super) fn load(
    conn: &mut DbConnection,
    target: Option<&Target>,
) -> Result<Option<Current>, ApiError> {
    let found = match target {
        None => return Ok(None),
        Some(Target::Existing(key)) => Some(article::find_any(conn, key)?.ok_or_else(|| {
            ApiError::NotFound(format!("No article has the slug or id '{key}'."))
        })?),
        Some(Target::External { owner, id }) => article::find_by_external_id(conn, owner, id)?,
    };
    found.map(|a| Current::load(conn, a)).transpose()
}

fn refused(refusal: Refusal) -> ApiError {
    match refusal {
        Refusal::TooComplex(why) => ApiError::Validation(vec![FieldError {
            field: "body".into(),
            message: why,
        }]),
        Refusal::OutOfTime => ApiError::Unavailable(
            "The body could not be prepared in time; try again shortly.".into(),
        ),
    }
}

/// Renders and sanitizes a body on the blocking pool, within the body
/// budget (a dropped request cancels it too).
async fn render(
    state: &AppState,
    source: String,
    format: BodyFormat,
) -> Result<PreparedBody, ApiError> {
    let _slot = state.render_slot().await?;
    let (budget, _cancel) = Budget::new(BODY_BUDGET);
    let outcome =
        actix_web::web::block(move || content::prepare_body(&source, format, &budget)).await?;
    outcome.map_err(refused)
}

/// What a write may do to a withdrawn story: editors may fix its text, but
/// its status waits for an admin's restore and its address stays taken.
fn withdrawn_write(
    caller: &AuthUser,
    article: &article::Article,
    input: &ArticleInput,
) -> Result<(), ApiError> {
    caller.require(crate::auth::Role::Editor)?;
    if input.status.is_some() {
        return Err(ApiError::Conflict(
            "This story is withdrawn: an admin restores it (DELETE /v1/articles/{article}/withdrawal) before its status can change.".into(),
        ));
    }
    if input
        .slug
        .as_deref()
        .is_some_and(|s| s.trim() != article.slug)
    {
        return Err(ApiError::Conflict(
            "This story is withdrawn: its address keeps answering 410, so its slug cannot change."
                .into(),
        ));
    }
    Ok(())
}

/// Reads the article, looks up what the body names and checks the write,
/// on one connection: all of the first step but rendering.
fn check(
    conn: &mut DbConnection,
    caller: &AuthUser,
    target: Option<&Target>,
    input: &ArticleInput,
    read_errors: FieldErrors,
    now: NaiveDateTime,
    site_language: &str,
) -> Result<(Option<Current>, Draft), ApiError> {
    let current = load(conn, target)?;
    if let Some(c) = current
        .as_ref()
        .filter(|c| c.article.status == article::STATUS_WITHDRAWN)
    {
        withdrawn_write(caller, &c.article, input)?;
    }
    let scope = resolve::Scope {
        editor: caller.is_at_least(crate::auth::Role::Editor),
        principal: &caller.principal,
        now,
        language: site_language,
    };
    let names = resolve::names(conn, input, &scope)?;
    policy::may_touch(caller, current.as_ref())?;
    let mut draft = validate(input, current.as_ref(), &names, now, read_errors)?;
    // A person or tool linked to an author profile is a new story's byline
    // unless the body says otherwise.
    if current.is_none() && input.authors.is_none() {
        if let Some(id) = &caller.author_id {
            draft.author_ids = vec![id.clone()];
        }
    }
    policy::may_set(caller, current.as_ref(), &draft)?;
    policy::may_publish_with(caller, &draft, &names)?;
    Ok((current, draft))
}

/// A body rendered by an earlier attempt of the same write, kept so that
/// starting over does not render it again.
type Rendered = Option<(String, BodyFormat, PreparedBody)>;

/// The first step: everything but storing.
pub async fn prepare(
    state: &AppState,
    caller: &AuthUser,
    target: Option<&Target>,
    input: &ArticleInput,
    read_errors: FieldErrors,
) -> Result<Prepared, ApiError> {
    prepare_reusing(state, caller, target, input, read_errors, &mut None).await
}

pub(super) async fn prepare_reusing(
    state: &AppState,
    caller: &AuthUser,
    target: Option<&Target>,
    input: &ArticleInput,
    read_errors: FieldErrors,
    rendered: &mut Rendered,
) -> Result<Prepared, ApiError> {
    let at = now();
    let (c, t, i) = (caller.clone(), target.cloned(), input.clone());
    let language = state.config.site.language.clone();
    let (current, draft) = state
        .read(move |conn| check(conn, &c, t.as_ref(), &i, read_errors, at, &language))
        .await?;
    let before = current.as_ref().map(Draft::of);
    let body = if draft.needs_render(before.as_ref()) {
        let reusable = rendered
            .as_ref()
            .filter(|(source, format, _)| *source == draft.body && *format == draft.body_format);
        let body = match reusable {
            Some((_, _, body)) => body.clone(),
            None => render(state, draft.body.clone(), draft.body_format).await?,
        };
        *rendered = Some((draft.body.clone(), draft.body_format, body.clone()));
        Some(body)
    } else {
        None
    };
    Ok(Prepared {
        current,
        draft,
        body,
        at,
        site: state.config.site.clone(),
    })
}

/// Creates an article on this connection, rendering in line, and stamps it
/// `at`: for loading content (the demo), which runs in a transaction of its
/// own with nobody waiting. The same checks as any write.
pub fn create_now(
    conn: &mut DbConnection,
    site: &Site,
    caller: &AuthUser,
    input: &ArticleInput,
    at: NaiveDateTime,
) -> Result<Written, ApiError> {
    let (current, draft) = check(
        conn,
        caller,
        None,
        input,
        FieldErrors::default(),
        now(),
        &site.language,
    )?;
    let body = content::prepare_body(&draft.body, draft.body_format, &Budget::standalone())
        .map_err(refused)?;
    let prepared = Prepared {
        current,
        draft,
        body: Some(body),
        at,
        site: site.clone(),
    };
    persist(conn, caller, None, prepared, &Expect::Unconditional)?
        .ok_or_else(|| ApiError::Conflict("The article could not be created.".into()))
}
