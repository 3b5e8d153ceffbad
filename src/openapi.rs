use utoipa::OpenApi;

use crate::error::{FieldError, Problem};
use crate::routes::{BadRequest, NotFound, NotModified, Unavailable};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "byline",
        description = "A headless news content API: published stories, sections, tags, authors and \"latest from\" blocks as JSON for frontends and apps.\n\nEvery error is `application/problem+json` (RFC 9457). Public answers carry a weak `ETag` and a `Cache-Control` lifetime; send `If-None-Match` to get `304 Not Modified`. Lists paginate by opaque keyset cursors.",
        license(name = "MIT"),
    ),
    tags(
        (name = "articles", description = "Published stories"),
        (name = "latest", description = "\"Latest from …\" blocks for a section, tag, author or the whole newsroom"),
        (name = "sections", description = "The publication's sections"),
        (name = "tags", description = "Topics that stories are tagged with"),
        (name = "authors", description = "Public author profiles"),
        (name = "operations", description = "Liveness and readiness probes"),
    ),
    components(
        schemas(Problem, FieldError),
        responses(BadRequest, NotFound, Unavailable, NotModified),
    )
)]
pub struct ApiDoc;
