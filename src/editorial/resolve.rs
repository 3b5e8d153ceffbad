//! What a write body names, looked up in one query per kind, however many
//! slugs it sends.

use std::collections::HashMap;

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::{article, author, section, tag};

use super::input::ArticleInput;
use super::validate::{tag_slug, Names};

fn trimmed(keys: &[String]) -> Vec<String> {
    keys.iter().map(|k| k.trim().to_string()).collect()
}

/// Looks up the sections, authors, tags and articles a body names.
pub fn names(conn: &mut DbConnection, input: &ArticleInput) -> Result<Names, ApiError> {
    let mut names = Names::default();
    if let Some(Some(slug)) = &input.section {
        names.sections = section::find_by_slugs(conn, &[slug.trim().to_string()])?
            .into_iter()
            .map(|s| (s.slug, s.id))
            .collect();
    }
    if let Some(slugs) = &input.authors {
        names.authors = author::find_by_slugs(conn, &trimmed(slugs))?
            .into_iter()
            .map(|a| (a.slug, a.id))
            .collect();
    }
    if let Some(tags) = &input.tags {
        let slugs: Vec<String> = tags.iter().map(|t| tag_slug(t)).collect();
        names.tags = tag::find_by_slugs(conn, &slugs)?
            .into_iter()
            .map(|t| (t.slug, t.id))
            .collect();
    }
    if let Some(keys) = &input.also_read {
        let mut found: HashMap<String, String> = HashMap::new();
        for (id, slug) in article::ids_and_slugs(conn, &trimmed(keys))? {
            found.insert(slug, id.clone());
            found.insert(id.clone(), id);
        }
        names.articles = found;
    }
    Ok(names)
}
