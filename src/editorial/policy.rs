//! Who may do what to whose story. Editors and admins may do anything;
//! authors work on their own stories and may publish them; contributors
//! work on their own drafts only. Below the editor role a caller bylines
//! only the author profile linked to them, and previews only their own
//! stories.

use crate::auth::{AuthUser, Role};
use crate::error::ApiError;
use crate::models::article::{STATUS_DRAFT, STATUS_PUBLISHED};
use crate::validation::FieldErrors;

use super::draft::{Current, Draft, Names, TagChoice};

/// Whether the story is the caller's: they created it, or it carries the
/// byline of the author profile linked to them.
pub fn owns(caller: &AuthUser, current: &Current) -> bool {
    current.article.created_by.as_deref() == Some(caller.principal.as_str())
        || caller
            .author_id
            .as_ref()
            .is_some_and(|id| current.author_ids.contains(id))
}

/// Whether the caller may see the story in any state (a preview, its
/// revisions): editors any story, everyone else their own.
pub fn may_preview(caller: &AuthUser, current: &Current) -> bool {
    caller.is_at_least(Role::Editor) || owns(caller, current)
}

/// Whether the caller may change or delete the story at all.
pub fn may_touch(caller: &AuthUser, current: Option<&Current>) -> Result<(), ApiError> {
    let Some(c) = current else { return Ok(()) };
    if caller.is_at_least(Role::Editor) {
        return Ok(());
    }
    if !owns(caller, c) {
        // Someone else's story is not there for this caller, as in a
        // preview: a 403 would confirm that it exists.
        return Err(ApiError::NotFound(
            "No article you may change has that slug or id.".into(),
        ));
    }
    if caller.role == Role::Contributor && c.article.status != STATUS_DRAFT {
        return Err(ApiError::Forbidden(
            "A contributor may change only drafts; this story has left that state.".into(),
        ));
    }
    Ok(())
}

/// Whether the caller may leave the story as `after`: its status, and the
/// bylines it adds.
pub fn may_set(
    caller: &AuthUser,
    current: Option<&Current>,
    after: &Draft,
) -> Result<(), ApiError> {
    if caller.is_at_least(Role::Editor) {
        return Ok(());
    }
    if caller.role == Role::Contributor && after.status != STATUS_DRAFT {
        return Err(ApiError::Forbidden(
            "A contributor may not publish, schedule or archive; an editor or author must.".into(),
        ));
    }
    let before: &[String] = current.map_or(&[], |c| c.author_ids.as_slice());
    let forged = after
        .author_ids
        .iter()
        .filter(|id| !before.contains(id))
        .any(|id| caller.author_id.as_ref() != Some(id));
    if forged {
        return Err(ApiError::Forbidden(
            "Below the editor role you may byline only the author profile linked to you.".into(),
        ));
    }
    Ok(())
}

/// Whether a story the caller publishes would make public a section that
/// is not, or a tag an editor holds back: below the editor role it may not.
pub fn may_publish_with(caller: &AuthUser, draft: &Draft, names: &Names) -> Result<(), ApiError> {
    if caller.is_at_least(Role::Editor) || draft.status != STATUS_PUBLISHED {
        return Ok(());
    }
    let mut e = FieldErrors::default();
    if draft
        .section_id
        .as_ref()
        .is_some_and(|id| names.withheld_sections.contains(id))
    {
        e.add(
            "section",
            "is not public yet; an editor must list it before a story in it is published",
        );
    }
    for tag in &draft.tags {
        if let TagChoice::Existing(id) = tag {
            if names.withheld_tags.contains(id) {
                e.add(
                    "tags",
                    "names a tag an editor has held back; an editor must list it first",
                );
                break;
            }
        }
    }
    e.finish()
}

/// Whether the caller may delete the story.
pub fn may_delete(caller: &AuthUser, current: &Current) -> Result<(), ApiError> {
    may_touch(caller, Some(current))?;
    if caller.role < Role::Author && current.article.status != STATUS_DRAFT {
        return Err(ApiError::Forbidden(
            "A contributor may delete only drafts.".into(),
        ));
    }
    Ok(())
}
