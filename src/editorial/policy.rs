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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::editorial::fixtures::{names, stored};
    use crate::models::article::STATUS_ARCHIVED;

    /// The fixture story was created by `user:1` and bylines author `a1`.
    fn caller(role: Role, principal: &str, author_id: Option<&str>) -> AuthUser {
        AuthUser {
            principal: principal.into(),
            name: "Someone".into(),
            role,
            author_id: author_id.map(String::from),
        }
    }

    fn as_draft(mut current: Current) -> Current {
        current.article.status = STATUS_DRAFT.into();
        current
    }

    fn status(result: Result<(), ApiError>) -> u16 {
        match result {
            Ok(()) => 200,
            Err(e) => actix_web::ResponseError::status_code(&e).as_u16(),
        }
    }

    #[test]
    fn a_story_is_owned_by_its_creator_and_by_its_byline() {
        let story = stored();
        assert!(owns(&caller(Role::Author, "user:1", None), &story));
        assert!(owns(&caller(Role::Author, "user:9", Some("a1")), &story));
        assert!(!owns(&caller(Role::Author, "user:9", Some("a2")), &story));
        assert!(!owns(&caller(Role::Author, "integration:1", None), &story));
    }

    #[test]
    fn editors_preview_everything_and_others_their_own() {
        let story = stored();
        assert!(may_preview(&caller(Role::Editor, "user:9", None), &story));
        assert!(may_preview(
            &caller(Role::Contributor, "user:1", None),
            &story
        ));
        assert!(!may_preview(&caller(Role::Author, "user:9", None), &story));
    }

    #[test]
    fn someone_elses_story_is_not_found_below_the_editor_role() {
        let story = stored();
        let stranger = caller(Role::Author, "user:9", None);
        assert_eq!(status(may_touch(&stranger, Some(&story))), 404);
        assert_eq!(status(may_delete(&stranger, &story)), 404);
        let editor = caller(Role::Editor, "user:9", None);
        assert_eq!(status(may_touch(&editor, Some(&story))), 200);
        assert_eq!(status(may_delete(&editor, &story)), 200);
    }

    #[test]
    fn anyone_may_start_a_new_story() {
        let contributor = caller(Role::Contributor, "user:9", None);
        assert_eq!(status(may_touch(&contributor, None)), 200);
    }

    #[test]
    fn a_contributor_changes_and_deletes_only_own_drafts() {
        let own = caller(Role::Contributor, "user:1", None);
        assert_eq!(status(may_touch(&own, Some(&stored()))), 403);
        assert_eq!(status(may_delete(&own, &stored())), 403);
        assert_eq!(status(may_touch(&own, Some(&as_draft(stored())))), 200);
        assert_eq!(status(may_delete(&own, &as_draft(stored()))), 200);
    }

    #[test]
    fn an_author_deletes_own_published_stories() {
        let own = caller(Role::Author, "user:1", None);
        assert_eq!(status(may_delete(&own, &stored())), 200);
    }

    #[test]
    fn a_contributor_may_not_publish_schedule_or_archive() {
        let contributor = caller(Role::Contributor, "user:1", None);
        let current = as_draft(stored());
        let mut after = Draft::of(&current);
        assert_eq!(status(may_set(&contributor, Some(&current), &after)), 200);
        for leaving in [STATUS_PUBLISHED, STATUS_ARCHIVED] {
            after.status = leaving;
            assert_eq!(
                status(may_set(&contributor, Some(&current), &after)),
                403,
                "{leaving}"
            );
        }
        let author = caller(Role::Author, "user:1", None);
        after.status = STATUS_PUBLISHED;
        assert_eq!(status(may_set(&author, Some(&current), &after)), 200);
    }

    #[test]
    fn below_the_editor_role_only_the_callers_own_byline_may_be_added() {
        let current = stored();
        let mut after = Draft::of(&current);
        after.author_ids.push("a2".into());
        let linked_to_a2 = caller(Role::Author, "user:1", Some("a2"));
        assert_eq!(status(may_set(&linked_to_a2, Some(&current), &after)), 200);
        let linked_to_a3 = caller(Role::Author, "user:1", Some("a3"));
        assert_eq!(status(may_set(&linked_to_a3, Some(&current), &after)), 403);
        let editor = caller(Role::Editor, "user:9", None);
        assert_eq!(status(may_set(&editor, Some(&current), &after)), 200);
        // Bylines already on the story stay whoever keeps them.
        let unchanged = Draft::of(&current);
        assert_eq!(
            status(may_set(&linked_to_a3, Some(&current), &unchanged)),
            200
        );
    }

    #[test]
    fn held_back_sections_and_tags_are_published_only_by_editors() {
        let mut withheld = names();
        withheld.withheld_sections = vec!["s1".into()];
        withheld.withheld_tags = vec!["t1".into()];
        let mut draft = Draft::of(&stored());
        let author = caller(Role::Author, "user:1", None);
        match may_publish_with(&author, &draft, &withheld) {
            Err(ApiError::Validation(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["section", "tags"]);
            }
            other => panic!("expected 422 naming section and tags, got {other:?}"),
        }
        let editor = caller(Role::Editor, "user:9", None);
        assert_eq!(status(may_publish_with(&editor, &draft, &withheld)), 200);
        draft.status = STATUS_DRAFT;
        assert_eq!(status(may_publish_with(&author, &draft, &withheld)), 200);
        assert_eq!(
            status(may_publish_with(&author, &Draft::of(&stored()), &names())),
            200
        );
    }
}
