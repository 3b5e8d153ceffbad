//! Creating, changing and deleting articles.
//!
//! A write runs in two steps. First, outside any transaction: read the
//! article as it stands, look up what the body names, validate, check the
//! caller's role and render the body (the only step whose cost grows with
//! the body). Then the write transaction locks the article, checks that it
//! is still the version the first step saw (else the whole write starts
//! over), checks `If-Match`, and stores. A slow body therefore never holds
//! a lock.

use chrono::NaiveDateTime;
use diesel::Connection;

use crate::auth::AuthUser;
use crate::content::{self, BodyFormat, Budget, PreparedBody, Refusal, BODY_BUDGET};
use crate::db::DbConnection;
use crate::error::{ApiError, FieldError};
use crate::models::article::{self, Article};
use crate::models::tag::{self, Tag};
use crate::models::{new_id, now};
use crate::state::AppState;
use crate::validation::FieldErrors;

use super::input::{editorial_view, ArticleInput, EditorialArticle};
use super::validate::{validate, Current, Draft, TagChoice};
use super::{policy, resolve, revision};

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

/// A write checked and rendered, ready for its transaction.
pub struct Prepared {
    current: Option<Current>,
    draft: Draft,
    body: Option<PreparedBody>,
    at: NaiveDateTime,
}

/// The article a target names, with its links; None for an external id
/// nobody has sent yet. An unknown slug or id is a 404.
fn load(conn: &mut DbConnection, target: Option<&Target>) -> Result<Option<Current>, ApiError> {
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

/// Reads the article, looks up what the body names and checks the write,
/// on one connection: all of the first step but rendering.
fn check(
    conn: &mut DbConnection,
    caller: &AuthUser,
    target: Option<&Target>,
    input: &ArticleInput,
    read_errors: FieldErrors,
    now: NaiveDateTime,
) -> Result<(Option<Current>, Draft), ApiError> {
    let current = load(conn, target)?;
    let scope = resolve::Scope {
        editor: caller.is_at_least(crate::auth::Role::Editor),
        principal: &caller.principal,
        now,
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

async fn prepare_reusing(
    state: &AppState,
    caller: &AuthUser,
    target: Option<&Target>,
    input: &ArticleInput,
    read_errors: FieldErrors,
    rendered: &mut Rendered,
) -> Result<Prepared, ApiError> {
    let at = now();
    let (c, t, i) = (caller.clone(), target.cloned(), input.clone());
    let (current, draft) = state
        .read(move |conn| check(conn, &c, t.as_ref(), &i, read_errors, at))
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
    })
}

/// Creates an article on this connection, rendering in line, and stamps it
/// `at`: for loading content (the demo), which runs in a transaction of its
/// own with nobody waiting. The same checks as any write.
pub fn create_now(
    conn: &mut DbConnection,
    caller: &AuthUser,
    input: &ArticleInput,
    at: NaiveDateTime,
) -> Result<Written, ApiError> {
    let (current, draft) = check(conn, caller, None, input, FieldErrors::default(), now())?;
    let body = content::prepare_body(&draft.body, draft.body_format, &Budget::standalone())
        .map_err(refused)?;
    let prepared = Prepared {
        current,
        draft,
        body: Some(body),
        at,
    };
    persist(conn, caller, None, prepared, &Expect::Unconditional)?
        .ok_or_else(|| ApiError::Conflict("The article could not be created.".into()))
}

/// The slug to store: the draft's, unless another article has it (409),
/// or one derived from the headline that nobody has (one query).
fn choose_slug(
    conn: &mut DbConnection,
    draft: &Draft,
    own: Option<&Article>,
) -> Result<String, ApiError> {
    let own_slug = own.map(|a| a.slug.as_str());
    if !draft.slug.is_empty() {
        if own_slug != Some(draft.slug.as_str()) && article::id_for(conn, &draft.slug)?.is_some() {
            return Err(ApiError::Conflict(format!(
                "Another article already has the slug '{}'.",
                draft.slug
            )));
        }
        return Ok(draft.slug.clone());
    }
    let derived = content::slugify(&draft.headline, 100);
    let base = if derived.is_empty() {
        "story".to_string()
    } else {
        derived
    };
    let taken = article::slugs_like(conn, &base)?;
    let free = (1..1000)
        .map(|n| {
            if n == 1 {
                base.clone()
            } else {
                format!("{base}-{n}")
            }
        })
        .find(|c| own_slug == Some(c.as_str()) || !taken.contains(c));
    Ok(free.unwrap_or_else(|| format!("{base}-{}", &new_id()[..8])))
}

/// Creates the draft's new tags (unlisted: a tag a write names into being
/// becomes public with the first public story that carries it) and
/// answers every tag's id, in order.
fn store_tags(
    conn: &mut DbConnection,
    draft: &mut Draft,
    at: NaiveDateTime,
) -> Result<Vec<String>, ApiError> {
    // New tags go in slug order, so two writers naming the same new tags
    // in different orders take their locks in one order and cannot deadlock.
    let mut new: Vec<usize> = (0..draft.tags.len())
        .filter(|&i| matches!(draft.tags[i], TagChoice::New { .. }))
        .collect();
    new.sort_by_key(|&i| match &draft.tags[i] {
        TagChoice::New { slug, .. } => slug.clone(),
        TagChoice::Existing(_) => String::new(),
    });
    for i in new {
        let TagChoice::New { slug, name } = &draft.tags[i] else {
            continue;
        };
        let row = Tag {
            id: new_id(),
            slug: slug.clone(),
            name: name.clone(),
            description: String::new(),
            listed: false,
            held: false,
            created_at: at,
            updated_at: at,
        };
        // In a savepoint: when another writer created the same tag since
        // the names were looked up, this write uses theirs.
        let id = match conn.transaction(|c| tag::insert(c, &row)) {
            Ok(()) => row.id,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _,
            )) => {
                tag::find_by_slug(conn, &row.slug)?
                    .ok_or_else(|| ApiError::Conflict("A tag changed meanwhile; retry.".into()))?
                    .id
            }
            Err(other) => return Err(other.into()),
        };
        draft.tags[i] = TagChoice::Existing(id);
    }
    Ok(draft
        .tags
        .iter()
        .filter_map(|t| match t {
            TagChoice::Existing(id) => Some(id.clone()),
            TagChoice::New { .. } => None,
        })
        .collect())
}

/// The stored row for a draft, over the article it replaces (None for a
/// new one, stamped `at`): the one place an article row is made.
pub fn article_row(
    draft: &Draft,
    slug: String,
    base: Option<&Article>,
    body: Option<PreparedBody>,
    owner: &str,
    at: NaiveDateTime,
) -> Article {
    let mut a = match base {
        Some(a) => a.clone(),
        None => Article {
            id: new_id(),
            slug: String::new(),
            headline: String::new(),
            standfirst: String::new(),
            body_html: String::new(),
            body_source: String::new(),
            body_format: String::new(),
            excerpt: String::new(),
            status: String::new(),
            published_at: None,
            section_id: None,
            credit: None,
            canonical_url: None,
            image_url: None,
            image_alt: None,
            image_caption: None,
            image_credit: None,
            word_count: 0,
            reading_time_minutes: 0,
            external_id: None,
            external_owner: String::new(),
            version: 1,
            created_at: at,
            updated_at: at,
            created_by: Some(owner.to_string()),
        },
    };
    if let Some(body) = body {
        a.body_html = body.html;
        a.excerpt = body.excerpt;
        a.word_count = body.word_count as i32;
        a.reading_time_minutes = body.reading_time_minutes as i32;
    }
    if a.external_id != draft.external_id {
        a.external_owner = if draft.external_id.is_some() {
            owner.to_string()
        } else {
            String::new()
        };
    }
    a.slug = slug;
    a.headline = draft.headline.clone();
    a.standfirst = draft.standfirst.clone();
    a.body_source = draft.body.clone();
    a.body_format = draft.body_format.as_str().into();
    a.status = draft.status.into();
    a.published_at = draft.published_at;
    a.section_id = draft.section_id.clone();
    a.credit = draft.credit.clone();
    a.canonical_url = draft.canonical_url.clone();
    a.image_url = draft.image.as_ref().map(|i| i.url.clone());
    a.image_alt = draft.image.as_ref().and_then(|i| i.alt.clone());
    a.image_caption = draft.image.as_ref().and_then(|i| i.caption.clone());
    a.image_credit = draft.image.as_ref().and_then(|i| i.credit.clone());
    a.external_id = draft.external_id.clone();
    a
}

/// The second step, inside the write transaction. None when the article
/// moved since `prepare` read it: the write must start over.
pub fn persist(
    conn: &mut DbConnection,
    caller: &AuthUser,
    target: Option<&Target>,
    prepared: Prepared,
    expect: &Expect,
) -> Result<Option<Written>, ApiError> {
    match target {
        Some(Target::Existing(key)) => article::lock(conn, key)?,
        Some(Target::External { owner, id }) => article::lock_external(conn, owner, id)?,
        None => {}
    }
    let seen = prepared
        .current
        .as_ref()
        .map(|c| (c.article.id.clone(), c.article.version));
    let now_current = match target {
        None => None,
        Some(Target::Existing(key)) => article::find_any(conn, key)?,
        Some(Target::External { owner, id }) => article::find_by_external_id(conn, owner, id)?,
    };
    if now_current.as_ref().map(|a| (a.id.clone(), a.version)) != seen {
        return Ok(None);
    }
    expect.check(seen.as_ref().map(|(_, v)| *v))?;
    let Prepared {
        current,
        mut draft,
        body,
        at,
    } = prepared;
    let old = current.as_ref().map(|c| &c.article);
    let slug = choose_slug(conn, &draft, old)?;
    if let Some(ext) = &draft.external_id {
        let owner = match old {
            Some(a) if a.external_id.as_ref() == Some(ext) => a.external_owner.clone(),
            _ => caller.principal.clone(),
        };
        if let Some(other) = article::find_by_external_id(conn, &owner, ext)? {
            if Some(&other.id) != old.map(|a| &a.id) {
                return Err(ApiError::Conflict(format!(
                    "You already sent another article with the external_id '{ext}'."
                )));
            }
        }
    }
    let tag_ids = store_tags(conn, &mut draft, at)?;
    draft.slug = slug.clone();
    let before = current.as_ref().map(Draft::of);
    let diff = revision::changes(before.as_ref(), &draft);
    if let (Some(c), true) = (&current, diff.is_empty()) {
        return Ok(Some(Written {
            article: c.article.clone(),
            changed: false,
            created: false,
        }));
    }
    let mut row = article_row(&draft, slug, old, body, &caller.principal, at);
    match old {
        None => article::insert(conn, &row, &draft.author_ids, &tag_ids)?,
        Some(before) => {
            row.version = before.version + 1;
            row.updated_at = at.max(before.updated_at);
            if !article::update_if_version(conn, &row, before.version)? {
                return Ok(None);
            }
            article::set_links(conn, &row, &draft.author_ids, &tag_ids)?;
        }
    }
    article::set_related(conn, &row.id, &draft.related_ids)?;
    revision::record(conn, caller, &row, diff)?;
    Ok(Some(Written {
        created: old.is_none(),
        article: row,
        changed: true,
    }))
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
        let stored = state
            .write(
                move |conn| match persist(conn, &c, Some(&t), prepared, &e)? {
                    Some(w) => Ok(Some((w.created, editorial_view(conn, w.article)?))),
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
            expect.check(Some(current.article.version))?;
            if !article::delete_if_version(conn, &current.article.id, current.article.version)? {
                return Err(ApiError::PreconditionFailed(
                    "The article changed while it was being deleted; fetch it again.".into(),
                ));
            }
            Ok(())
        })
        .await
}
