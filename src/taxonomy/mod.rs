//! Sections, tags and authors: rows named by a unique slug, written by
//! editors, public when listed on purpose or used by a public story. What
//! the three share (naming, the listed flag, storage, visibility) is
//! written once over the `Kind` trait; each kind adds its own members.

mod kinds;
pub use kinds::*;

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::{de::DeserializeOwned, Serialize};

use crate::content;
use crate::db::DbConnection;
use crate::models::new_id;
use crate::validation::FieldErrors;

/// The longest name, in characters.
pub const MAX_NAME: usize = 200;

pub const MAX_DESCRIPTION: usize = 2000;

pub const MAX_BIO: usize = 5000;

/// The members every kind's body has.
#[derive(Debug, Clone, Copy, Default)]
pub struct Naming<'a> {
    pub slug: Option<&'a str>,
    pub name: Option<&'a str>,
    pub listed: Option<bool>,
}

/// A checked name and slug, for a new row.
pub struct Named {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub listed: bool,
    pub at: NaiveDateTime,
}

/// A checked name and slug, as changes to a row.
pub struct Renamed {
    pub slug: Option<String>,
    pub name: Option<String>,
    pub listed: Option<bool>,
    pub at: NaiveDateTime,
}

/// One of the slug-named kinds.
pub trait Kind: 'static {
    /// Its name in messages: "section".
    const NAME: &'static str;
    /// Its URL segment: "sections".
    const PLURAL: &'static str;
    /// The prefix of its feeds' keys (`s:<id>`).
    const FEED: &'static str;
    type Row: Clone + Send + 'static;
    type View: Serialize + From<Self::Row> + crate::views::Locate + Send + 'static;
    /// The body of a create or a change: every member optional.
    type Input: DeserializeOwned + Default + Send + 'static;
    type Changes: Send + 'static;

    fn naming(input: &Self::Input) -> Naming<'_>;
    fn slug(row: &Self::Row) -> &str;
    fn id(row: &Self::Row) -> &str;
    fn name(row: &Self::Row) -> &str;
    /// A new row from a body, its own members checked into `e`.
    fn new_row(input: &Self::Input, named: Named, e: &mut FieldErrors) -> Self::Row;
    /// The changes a body makes, its own members checked into `e`.
    fn changes(input: &Self::Input, renamed: Renamed, e: &mut FieldErrors) -> Self::Changes;

    fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Self::Row>>;
    fn find_public(
        conn: &mut DbConnection,
        slug: &str,
        now: NaiveDateTime,
    ) -> QueryResult<Option<Self::Row>>;
    fn public_ids(
        conn: &mut DbConnection,
        ids: &[String],
        now: NaiveDateTime,
    ) -> QueryResult<Vec<String>>;
    fn insert(conn: &mut DbConnection, row: &Self::Row) -> QueryResult<()>;
    fn update(conn: &mut DbConnection, id: &str, changes: &Self::Changes) -> QueryResult<usize>;
    fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize>;
}

/// Kinds listed a page at a time, in slug order.
pub trait Paged: Kind {
    fn page(
        conn: &mut DbConnection,
        after: Option<&str>,
        limit: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<Self::Row>>;
}

/// Checks the members every kind shares, for a create: a name is
/// required, and the slug comes from it when omitted.
pub fn named(naming: Naming<'_>, e: &mut FieldErrors, at: NaiveDateTime) -> Named {
    let name = match naming.name {
        Some(n) => e.text("name", n, MAX_NAME, true),
        None => {
            e.add("name", "is required");
            String::new()
        }
    };
    let slug = match naming.slug {
        Some(s) => e.slug("slug", s),
        None => {
            let derived = content::slugify(&name, 100);
            if derived.is_empty() && !name.is_empty() {
                e.add("slug", "cannot be derived from that name; give one");
            }
            derived
        }
    };
    Named {
        id: new_id(),
        slug,
        name,
        listed: naming.listed.unwrap_or(true),
        at,
    }
}

/// Checks the members every kind shares, for a change.
pub fn renamed(naming: Naming<'_>, e: &mut FieldErrors, at: NaiveDateTime) -> Renamed {
    Renamed {
        name: naming.name.map(|n| e.text("name", n, MAX_NAME, true)),
        slug: naming.slug.map(|s| e.slug("slug", s)),
        listed: naming.listed,
        at,
    }
}

fn optional_url(
    e: &mut FieldErrors,
    field: &str,
    value: &Option<Option<String>>,
) -> Option<Option<String>> {
    value
        .as_ref()
        .map(|v| v.as_deref().map(|u| e.url(field, u)))
}
