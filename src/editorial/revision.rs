//! What a revision records: who changed which fields of an article, from
//! what to what.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::auth::AuthUser;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::article::Article;
use crate::models::new_id;
use crate::models::revision::{self, Revision};
use crate::views;

use super::draft::{Draft, TagChoice};

/// What a revision keeps of a body: its length and SHA-256.
fn body_digest(body: &str) -> Value {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(body.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    json!({"length": body.len(), "sha256": hash})
}

/// A draft's fields under the write body's names (links by id).
fn snapshot(d: &Draft) -> BTreeMap<&'static str, Value> {
    let tags: Vec<&str> = d
        .tags
        .iter()
        .map(|t| match t {
            TagChoice::Existing(id) => id.as_str(),
            TagChoice::New { slug, .. } => slug.as_str(),
        })
        .collect();
    let image = d
        .image
        .as_ref()
        .map(|i| json!([i.url, i.alt, i.caption, i.credit]))
        .unwrap_or(json!([null, null, null, null]));
    BTreeMap::from([
        ("headline", json!(d.headline)),
        ("slug", json!(d.slug)),
        ("standfirst", json!(d.standfirst)),
        // A digest, not the text: a revision per edit of a 2 MiB body would
        // otherwise keep (and list) megabytes each.
        ("body", body_digest(&d.body)),
        ("body_format", json!(d.body_format.as_str())),
        ("section", json!(d.section_id)),
        ("tags", json!(tags)),
        ("authors", json!(d.author_ids)),
        ("credit", json!(d.credit)),
        ("canonical_url", json!(d.canonical_url)),
        ("featured_image", image),
        ("also_read", json!(d.related_ids)),
        ("status", json!(d.status)),
        ("published_at", json!(d.published_at.map(views::timestamp))),
        ("external_id", json!(d.external_id)),
        ("language", json!(d.language)),
        (
            "embargoed_until",
            json!(d.embargoed_until.map(views::timestamp)),
        ),
        ("translation_group", json!(d.translation_group)),
    ])
}

/// The fields that differ, as {field: {"from": …, "to": …}}.
pub fn changes(before: Option<&Draft>, after: &Draft) -> Map<String, Value> {
    let new = snapshot(after);
    let old = before.map(snapshot).unwrap_or_default();
    new.into_iter()
        .filter(|(k, v)| old.get(k) != Some(v))
        .map(|(k, v)| {
            (
                k.to_string(),
                json!({"from": old.get(k).cloned().unwrap_or(Value::Null), "to": v}),
            )
        })
        .collect()
}

/// Records a change made by `caller` that produced `article`'s version.
pub fn record(
    conn: &mut DbConnection,
    caller: &AuthUser,
    article: &Article,
    changes: Map<String, Value>,
) -> Result<(), ApiError> {
    revision::insert(
        conn,
        &Revision {
            id: new_id(),
            article_id: article.id.clone(),
            version: article.version,
            actor: caller.principal.clone(),
            actor_name: caller.name.clone(),
            changes: Value::Object(changes).to_string(),
            created_at: article.updated_at,
        },
    )?;
    Ok(())
}
