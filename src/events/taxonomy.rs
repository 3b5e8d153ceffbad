//! The events a section, tag or author write makes.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde_json::json;

use crate::db::DbConnection;
use crate::taxonomy::Kind;

use super::{append, Keys, NewEvent};

/// What happened to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Created,
    Updated,
    Deleted,
}

/// Appends the event for a written entry. `before` is the row and whether
/// the public could see it before the write (None: new); `after` the row
/// as stored (None: deleted). The public sees the event when it could see
/// the entry before or can after.
pub fn changed<K: Kind>(
    conn: &mut DbConnection,
    site: &crate::config::Site,
    action: Action,
    before: Option<(&K::Row, bool)>,
    after: Option<&K::Row>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    let is_public = match after {
        Some(row) => K::find_public(conn, K::slug(row), now)?.is_some(),
        None => false,
    };
    let was_public = before.is_some_and(|(_, public)| public);
    let (id, slug) = match (after, before) {
        (Some(row), _) => (K::id(row).to_string(), K::slug(row).to_string()),
        (None, Some((row, _))) => (K::id(row).to_string(), K::slug(row).to_string()),
        (None, None) => (String::new(), String::new()),
    };
    let verb = match action {
        Action::Created => "created",
        Action::Updated => "updated",
        Action::Deleted => "deleted",
    };
    let event_type = format!("{}.{verb}", K::NAME);
    let old_slug = before.map(|(row, _)| K::slug(row).to_string());
    let mut keys = Keys::new();
    keys.add(K::PLURAL).entry(K::NAME, &slug);
    // The public hears only of slugs it could see: the old one if the
    // entry was public, the new one if it is.
    let mut public_keys = Keys::new();
    public_keys.add(K::PLURAL);
    if is_public {
        public_keys.entry(K::NAME, &slug);
    }
    if let Some(old) = &old_slug {
        keys.entry(K::NAME, old);
        if was_public {
            public_keys.entry(K::NAME, old);
        }
    }
    let view = after.map(|row| {
        let mut view = K::View::from(row.clone());
        crate::views::Locate::locate(&mut view, site);
        serde_json::to_value(view).unwrap_or_default()
    });
    let tombstone = json!({"id": id, "slug": old_slug.as_deref().unwrap_or(&slug)});
    let public_data = match (was_public, is_public) {
        (_, true) => view.clone(),
        (true, false) => Some(tombstone.clone()),
        (false, false) => None,
    };
    append(
        conn,
        NewEvent {
            public_type: public_data.is_some().then(|| event_type.clone()),
            event_type,
            resource: K::NAME,
            resource_id: id,
            slug,
            public_keys: if public_data.is_some() {
                public_keys
            } else {
                Keys::new()
            },
            keys,
            data: view.unwrap_or(tombstone),
            public_data,
            owner: None,
            author_ids: Vec::new(),
            at: now,
        },
    )
}
