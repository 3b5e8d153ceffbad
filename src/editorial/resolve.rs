//! What a write body names, looked up in one query per kind, however many
//! slugs it sends.

use std::collections::HashMap;

use chrono::NaiveDateTime;

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::{article, author, section, tag};

use super::draft::Names;
use super::input::ArticleInput;
use super::validate::tag_slug;

fn trimmed(keys: &[String]) -> Vec<String> {
    keys.iter().map(|k| k.trim().to_string()).collect()
}

/// Whose eyes the names are looked up with: below the editor role, the
/// sections that are not public and the tags an editor holds back are
/// noted (a story the caller publishes may not make them public), and
/// "Also read" may name only stories that are public or the caller's own.
pub struct Scope<'a> {
    pub editor: bool,
    pub principal: &'a str,
    pub now: NaiveDateTime,
    /// The site's language, a story's default.
    pub language: &'a str,
}

/// Looks up the sections, authors, tags and articles a body names.
pub fn names(
    conn: &mut DbConnection,
    input: &ArticleInput,
    scope: &Scope,
) -> Result<Names, ApiError> {
    let mut names = Names {
        site_language: scope.language.to_string(),
        ..Names::default()
    };
    // Below the editor role a story may join only the caller's own stories'
    // translations: another's story would list it.
    if let Some(Some(key)) = &input.translation_of {
        if let Some(found) = article::find_any(conn, key.trim())? {
            if scope.editor || found.created_by.as_deref() == Some(scope.principal) {
                names.translation = Some((found.id, found.translation_group));
            }
        }
    }
    if let Some(Some(slug)) = &input.section {
        let found: HashMap<String, String> =
            section::find_by_slugs(conn, &[slug.trim().to_string()])?
                .into_iter()
                .map(|s| (s.slug, s.id))
                .collect();
        if !scope.editor {
            let ids: Vec<String> = found.values().cloned().collect();
            let public = section::public_ids(conn, &ids, scope.now)?;
            names.withheld_sections = ids.into_iter().filter(|id| !public.contains(id)).collect();
        }
        names.sections = found;
    }
    if let Some(slugs) = &input.authors {
        names.authors = author::find_by_slugs(conn, &trimmed(slugs))?
            .into_iter()
            .map(|a| (a.slug, a.id))
            .collect();
    }
    if let Some(tags) = &input.tags {
        let slugs: Vec<String> = tags.iter().map(|t| tag_slug(t)).collect();
        let found = tag::find_by_slugs(conn, &slugs)?;
        if !scope.editor {
            let held: Vec<String> = found
                .iter()
                .filter(|t| t.held)
                .map(|t| t.id.clone())
                .collect();
            let public = tag::public_ids(conn, &held, scope.now)?;
            names.withheld_tags = held.into_iter().filter(|id| !public.contains(id)).collect();
        }
        names.tags = found.into_iter().map(|t| (t.slug, t.id)).collect();
    }
    if let Some(keys) = &input.also_read {
        let mut pairs = article::ids_and_slugs(conn, &trimmed(keys))?;
        if !scope.editor {
            let ids: Vec<String> = pairs.iter().map(|(id, _)| id.clone()).collect();
            let usable = article::usable_by(conn, &ids, scope.principal, scope.now)?;
            pairs.retain(|(id, _)| usable.contains(id));
        }
        let mut found: HashMap<String, String> = HashMap::new();
        for (id, slug) in pairs {
            found.insert(slug, id.clone());
            found.insert(id.clone(), id);
        }
        names.articles = found;
    }
    Ok(names)
}
