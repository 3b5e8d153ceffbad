//! HTTP handlers, one module per URL resource, each holding its reads and
//! writes and registering them (`configure`). Handlers extract and check
//! their inputs, call the domain and the models inside `AppState`'s
//! database helpers, and shape the answer; they hold no queries.

pub mod articles;
pub mod auth;
pub mod authors;
pub mod events;
pub mod extract;
pub mod feeds;
pub mod health;
pub mod idempotency;
pub mod integrations;
pub mod latest;
pub mod responses;
pub mod search;
pub mod sections;
pub mod sitemaps;
pub mod tags;
pub mod taxonomy;
pub mod users;
pub mod webhooks;

use chrono::{DateTime, NaiveDateTime};
use serde::de::DeserializeOwned;
use serde_json::Value;
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::RefOr;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::models::feed::Feed;
use crate::taxonomy::Kind;
use crate::validation::FieldErrors;

/// Registers the versioned API (mounted under `/v1`). Fixed paths go
/// before the ones with a parameter in the same place.
pub fn configure_v1(cfg: &mut ServiceConfig) {
    auth::configure(cfg);
    articles::configure(cfg);
    latest::configure(cfg);
    feeds::configure(cfg);
    search::configure(cfg);
    sitemaps::configure(cfg);
    sections::configure(cfg);
    tags::configure(cfg);
    authors::configure(cfg);
    users::configure(cfg);
    integrations::configure(cfg);
    events::configure(cfg);
    webhooks::configure(cfg);
}

/// Registers the unversioned operational routes.
pub fn configure_ops(cfg: &mut ServiceConfig) {
    health::configure(cfg);
    cfg.service(sitemaps::sitemap_index);
}

/// A slug (or id) parameter: lower-case letters, digits and hyphens, as the
/// spec's pattern says.
pub fn slug_param(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v)
            if v.is_empty()
                || v.len() > 200
                || !v
                    .bytes()
                    .all(|b| matches!(b, b'a'..=b'z' | b'0'..=b'9' | b'-')) =>
        {
            Err(ApiError::invalid(
                field,
                "must be a slug: lower-case letters, digits and hyphens",
            ))
        }
        other => Ok(other),
    }
}

/// Whether a `language` parameter has the shape of a language tag:
/// subtags of one to eight letters and digits joined by hyphens, at most
/// 35 characters (the spec's pattern, exactly). A tag of that shape that
/// no story has finds nothing.
pub fn language_shaped(tag: &str) -> bool {
    tag.len() <= crate::validation::MAX_LANGUAGE
        && tag.split('-').all(|sub| {
            (1..=8).contains(&sub.len()) && sub.bytes().all(|b| b.is_ascii_alphanumeric())
        })
}

/// A `language` parameter: the feed of the stories in that language
/// (matched without regard to case), or 400.
pub fn language_param(value: Option<&str>) -> Result<Option<crate::models::feed::Feed>, ApiError> {
    value
        .map(|raw| {
            if language_shaped(raw) {
                Ok(crate::models::feed::Feed::Language(
                    raw.to_ascii_lowercase(),
                ))
            } else {
                Err(ApiError::invalid(
                    "language",
                    "must be a BCP 47 language tag such as en-GB",
                ))
            }
        })
        .transpose()
}

/// An RFC 3339 date-time parameter, as UTC.
pub fn timestamp(field: &str, value: Option<&str>) -> Result<Option<NaiveDateTime>, ApiError> {
    value
        .map(|raw| {
            DateTime::parse_from_rfc3339(raw.trim())
                .map(|t| {
                    // Outside years 1-9999 both databases would disagree;
                    // such a bound means "since ever" or "until ever".
                    let (first, last) = crate::cursor::bounds();
                    crate::models::truncate_micros(t.naive_utc()).clamp(first, last)
                })
                .map_err(|_| {
                    ApiError::invalid(
                        field,
                        "must be an RFC 3339 date-time such as 2021-01-05T00:00:00Z",
                    )
                })
        })
        .transpose()
}

/// Looks up a public section, tag or author: its id and name.
type FindNamed =
    fn(&mut DbConnection, &str, NaiveDateTime) -> diesel::QueryResult<Option<(String, String)>>;

/// A feed a request names, before it is looked up.
#[derive(Clone)]
pub enum FeedRef {
    All,
    Named {
        kind: &'static str,
        prefix: &'static str,
        slug: String,
        find: FindNamed,
    },
}

impl FeedRef {
    /// The surrogate key of the feed's lists and blocks.
    pub fn key(&self) -> String {
        match self {
            FeedRef::All => crate::events::keys::LIST_ARTICLES.into(),
            FeedRef::Named { kind, slug, .. } => format!("{kind}:{slug}"),
        }
    }

    /// The feed of the `K` with this slug.
    pub fn of<K: Kind>(slug: String) -> FeedRef {
        FeedRef::Named {
            kind: K::NAME,
            prefix: K::FEED,
            slug,
            find: |conn, slug, now| {
                Ok(K::find_public(conn, slug, now)?
                    .map(|row| (K::id(&row).to_string(), K::name(&row).to_string())))
            },
        }
    }
}

/// Looks a public feed's slug up: the feed and the name to title it with,
/// or 404 (also for a section, tag or author the public cannot see yet).
pub fn resolve_feed(
    conn: &mut DbConnection,
    feed: &FeedRef,
    now: NaiveDateTime,
) -> Result<(Feed, String), ApiError> {
    match feed {
        FeedRef::All => Ok((Feed::All, "the newsroom".into())),
        FeedRef::Named {
            kind,
            prefix,
            slug,
            find,
        } => find(conn, slug, now)?
            .map(|(id, name)| (Feed::keyed(prefix, id), name))
            .ok_or_else(|| ApiError::NotFound(format!("No {kind} has the slug '{slug}'."))),
    }
}

/// The member of a body a reading error is about: its path's first step,
/// or the unknown member serde names in its message.
fn member_at_fault(path: &str, message: &str) -> Option<String> {
    let first = path
        .split(['.', '['])
        .next()
        .filter(|s| !s.is_empty() && *s != "?");
    first.map(str::to_string).or_else(|| {
        message
            .strip_prefix("unknown field `")
            .and_then(|rest| rest.split('`').next())
            .map(str::to_string)
    })
}

/// A JSON write body read into `T`, with every member that could not be
/// read (unknown, of the wrong type, a value outside its enum) as a field
/// error: the handler adds its own checks and answers all of them at once.
/// A body that is not an object answers 422 at once.
pub fn json_body<T: DeserializeOwned>(value: Value) -> Result<(T, FieldErrors), ApiError> {
    let mut errors = FieldErrors::default();
    let mut value = value;
    loop {
        let failure = match serde_path_to_error::deserialize::<_, T>(value.clone()) {
            Ok(parsed) => return Ok((parsed, errors)),
            Err(e) => e,
        };
        let path = failure.path().to_string();
        let message = failure.into_inner().to_string();
        let member = member_at_fault(&path, &message);
        let field = if path == "." {
            member.clone().unwrap_or_else(|| "body".into())
        } else {
            path
        };
        errors.add(&field, message);
        // Leave the member out and read the rest, so that one answer names
        // every failing member.
        let removed = match (value.as_object_mut(), member) {
            (Some(object), Some(member)) => object.remove(&member).is_some(),
            _ => false,
        };
        if !removed {
            return Err(ApiError::Validation(errors.into_vec()));
        }
    }
}

/// A create body's schema: the change body `$base` with `$field`s required
/// and not nullable. PATCH takes `$base` (every member optional); POST and
/// PUT take this, a standalone object every client generator reads alike.
macro_rules! creating {
    ($name:ident, $base:ty, $doc:literal, [$($field:literal),+]) => {
        #[doc = $doc]
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                required_copy(
                    <$base as utoipa::PartialSchema>::schema(),
                    &[$($field),+],
                    $doc,
                )
            }
        }

        impl utoipa::ToSchema for $name {
            fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
                <$base as utoipa::ToSchema>::schemas(schemas);
            }
        }
    };
}

/// `base` with `fields` required and not nullable.
fn required_copy(base: RefOr<Schema>, fields: &[&str], description: &str) -> RefOr<Schema> {
    let RefOr::T(Schema::Object(mut object)) = base else {
        return base;
    };
    for field in fields {
        object.required.push(field.to_string());
        if let Some(RefOr::T(Schema::Object(property))) = object.properties.get_mut(*field) {
            if let SchemaType::Array(types) = &property.schema_type {
                let kept: Vec<Type> = types
                    .iter()
                    .filter(|t| **t != Type::Null)
                    .cloned()
                    .collect();
                property.schema_type = match kept.as_slice() {
                    [one] => SchemaType::Type(one.clone()),
                    _ => SchemaType::Array(kept),
                };
            }
        }
    }
    object.description = Some(description.to_string());
    RefOr::T(Schema::Object(object))
}

creating!(
    NewArticleInput,
    crate::editorial::ArticleInput,
    "A whole article: an ArticleInput with `headline` and `body`.",
    ["headline", "body"]
);
creating!(
    NewSectionInput,
    crate::taxonomy::SectionInput,
    "A new section: a SectionInput with `name`.",
    ["name"]
);
creating!(
    NewTagInput,
    crate::taxonomy::TagInput,
    "A new tag: a TagInput with `name`.",
    ["name"]
);
creating!(
    NewAuthorInput,
    crate::taxonomy::AuthorInput,
    "A new author profile: an AuthorInput with `name`.",
    ["name"]
);

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: Option<String>,
        count: Option<u8>,
        role: Option<crate::auth::Role>,
    }

    #[test]
    fn every_unreadable_member_is_named() {
        let (_, errors) = json_body::<Body>(serde_json::json!({
            "nmae": "x", "count": "three", "role": "superuser", "name": "ok"
        }))
        .unwrap();
        let fields: Vec<String> = errors.into_vec().into_iter().map(|e| e.field).collect();
        assert_eq!(fields.len(), 3, "{fields:?}");
        for field in ["nmae", "count", "role"] {
            assert!(fields.iter().any(|f| f == field), "{field} in {fields:?}");
        }
    }

    #[test]
    fn a_body_that_is_no_object_is_refused() {
        assert!(json_body::<Body>(serde_json::json!([1, 2])).is_err());
        let (parsed, errors) = json_body::<Body>(serde_json::json!({"name": "n"})).unwrap();
        assert!(errors.is_empty());
        assert_eq!(parsed.name.as_deref(), Some("n"));
    }
}
