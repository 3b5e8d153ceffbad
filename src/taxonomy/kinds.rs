//! The three kinds: their write bodies and how each is stored.

use chrono::NaiveDateTime;
use diesel::QueryResult;
use serde::Deserialize;
use utoipa::ToSchema;

use super::*;
use crate::db::DbConnection;
use crate::models::author::{self, Author, AuthorChanges};
use crate::models::section::{self, Section, SectionChanges};
use crate::models::tag::{self, Tag, TagChanges};
use crate::validation::{nullable, FieldErrors};
use crate::views::{AuthorView, SectionView, TagView};

impl Paged for Tags {
    fn page(
        conn: &mut DbConnection,
        after: Option<&str>,
        limit: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<Tag>> {
        tag::list_public(conn, after, limit, now)
    }
}

impl Paged for Authors {
    fn page(
        conn: &mut DbConnection,
        after: Option<&str>,
        limit: i64,
        now: NaiveDateTime,
    ) -> QueryResult<Vec<Author>> {
        author::list_public(conn, after, limit, now)
    }
}

/// A section to create or change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SectionInput {
    /// Generated from the name when omitted.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "world",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// Required to create.
    #[schema(example = "World", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Navigation order, lowest first.
    pub position: Option<i32>,
    /// Public even before a public story is in it (default true).
    pub listed: Option<bool>,
}

/// A tag to create or change.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagInput {
    /// Generated from the name when omitted.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "climate",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// Required to create.
    #[schema(example = "Climate", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 2000)]
    pub description: Option<String>,
    /// Public even before a public story carries it (default true for tags
    /// made here; tags a story names into being start unlisted).
    pub listed: Option<bool>,
}

/// An author profile to create or change. `email` is private: it is stored
/// and never shown.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorInput {
    /// Generated from the name when omitted.
    #[schema(
        pattern = "^[a-z0-9]+(-[a-z0-9]+)*$",
        example = "jane-doe",
        max_length = 120
    )]
    pub slug: Option<String>,
    /// Required to create.
    #[schema(example = "Jane Doe", min_length = 1, max_length = 200)]
    pub name: Option<String>,
    #[schema(max_length = 5000)]
    pub bio: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2000)]
    pub avatar_url: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = "uri", max_length = 2000)]
    pub website: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>, format = Email, max_length = 254)]
    pub email: Option<Option<String>>,
    /// Public even before a public story carries their byline (default true).
    pub listed: Option<bool>,
}

/// Implements the storage half of `Kind` with the model module's
/// `slug_named!` queries.
macro_rules! stored_in {
    ($model:ident) => {
        fn find_by_slug(conn: &mut DbConnection, slug: &str) -> QueryResult<Option<Self::Row>> {
            $model::find_by_slug(conn, slug)
        }
        fn find_public(
            conn: &mut DbConnection,
            slug: &str,
            now: NaiveDateTime,
        ) -> QueryResult<Option<Self::Row>> {
            $model::find_public_by_slug(conn, slug, now)
        }
        fn public_ids(
            conn: &mut DbConnection,
            ids: &[String],
            now: NaiveDateTime,
        ) -> QueryResult<Vec<String>> {
            $model::public_ids(conn, ids, now)
        }
        fn insert(conn: &mut DbConnection, row: &Self::Row) -> QueryResult<()> {
            $model::insert(conn, row)
        }
        fn update(
            conn: &mut DbConnection,
            id: &str,
            changes: &Self::Changes,
        ) -> QueryResult<usize> {
            $model::update(conn, id, changes)
        }
        fn delete(conn: &mut DbConnection, id: &str) -> QueryResult<usize> {
            $model::delete(conn, id)
        }
        fn slug(row: &Self::Row) -> &str {
            &row.slug
        }
        fn id(row: &Self::Row) -> &str {
            &row.id
        }
        fn name(row: &Self::Row) -> &str {
            &row.name
        }
        fn naming(input: &Self::Input) -> Naming<'_> {
            Naming {
                slug: input.slug.as_deref(),
                name: input.name.as_deref(),
                listed: input.listed,
            }
        }
    };
}

pub struct Sections;

impl Kind for Sections {
    const NAME: &'static str = "section";
    const PLURAL: &'static str = "sections";
    const FEED: &'static str = "s:";
    type Row = Section;
    type View = SectionView;
    type Input = SectionInput;
    type Changes = SectionChanges;
    stored_in!(section);

    fn new_row(input: &SectionInput, n: Named, e: &mut FieldErrors) -> Section {
        Section {
            description: e.text(
                "description",
                input.description.as_deref().unwrap_or(""),
                MAX_DESCRIPTION,
                false,
            ),
            position: input.position.unwrap_or(0),
            id: n.id,
            slug: n.slug,
            name: n.name,
            listed: n.listed,
            created_at: n.at,
            updated_at: n.at,
        }
    }

    fn changes(input: &SectionInput, r: Renamed, e: &mut FieldErrors) -> SectionChanges {
        SectionChanges {
            description: input
                .description
                .as_deref()
                .map(|d| e.text("description", d, MAX_DESCRIPTION, false)),
            position: input.position,
            slug: r.slug,
            name: r.name,
            listed: r.listed,
            updated_at: Some(r.at),
        }
    }
}

pub struct Tags;

impl Kind for Tags {
    const NAME: &'static str = "tag";
    const PLURAL: &'static str = "tags";
    const FEED: &'static str = "t:";
    type Row = Tag;
    type View = TagView;
    type Input = TagInput;
    type Changes = TagChanges;
    stored_in!(tag);

    fn new_row(input: &TagInput, n: Named, e: &mut FieldErrors) -> Tag {
        Tag {
            held: !n.listed,
            description: e.text(
                "description",
                input.description.as_deref().unwrap_or(""),
                MAX_DESCRIPTION,
                false,
            ),
            id: n.id,
            slug: n.slug,
            name: n.name,
            listed: n.listed,
            created_at: n.at,
            updated_at: n.at,
        }
    }

    fn changes(input: &TagInput, r: Renamed, e: &mut FieldErrors) -> TagChanges {
        TagChanges {
            description: input
                .description
                .as_deref()
                .map(|d| e.text("description", d, MAX_DESCRIPTION, false)),
            held: r.listed.map(|listed| !listed),
            slug: r.slug,
            name: r.name,
            listed: r.listed,
            updated_at: Some(r.at),
        }
    }
}

pub struct Authors;

impl Kind for Authors {
    const NAME: &'static str = "author";
    const PLURAL: &'static str = "authors";
    const FEED: &'static str = "a:";
    type Row = Author;
    type View = AuthorView;
    type Input = AuthorInput;
    type Changes = AuthorChanges;
    stored_in!(author);

    fn new_row(input: &AuthorInput, n: Named, e: &mut FieldErrors) -> Author {
        Author {
            bio: e.text("bio", input.bio.as_deref().unwrap_or(""), MAX_BIO, false),
            avatar_url: optional_url(e, "avatar_url", &input.avatar_url).flatten(),
            website: optional_url(e, "website", &input.website).flatten(),
            email: input.email.clone().flatten().map(|m| e.email("email", &m)),
            id: n.id,
            slug: n.slug,
            name: n.name,
            listed: n.listed,
            created_at: n.at,
            updated_at: n.at,
        }
    }

    fn changes(input: &AuthorInput, r: Renamed, e: &mut FieldErrors) -> AuthorChanges {
        AuthorChanges {
            bio: input
                .bio
                .as_deref()
                .map(|b| e.text("bio", b, MAX_BIO, false)),
            avatar_url: optional_url(e, "avatar_url", &input.avatar_url),
            website: optional_url(e, "website", &input.website),
            email: input
                .email
                .as_ref()
                .map(|m| m.as_deref().map(|m| e.email("email", m))),
            slug: r.slug,
            name: r.name,
            listed: r.listed,
            updated_at: Some(r.at),
        }
    }
}
