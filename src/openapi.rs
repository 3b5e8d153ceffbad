use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};
use crate::routes::{
    BadRequest, Conflict, Forbidden, NotFound, NotModified, PayloadTooLarge, PreconditionFailed,
    TooManyRequests, Unauthorized, Unavailable, Unprocessable, UnsupportedMediaType,
};

/// The bearer scheme every write operation names.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.bearer_format = Some("JWT".into());
        http.description = Some(
            "An access token from POST /v1/auth/token. Each write operation's description names the role it needs."
                .into(),
        );
        components.add_security_scheme("bearer", SecurityScheme::Http(http));
    }
}

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
        (name = "auth", description = "Access tokens for people and newsroom tools"),
        (name = "people", description = "People and newsroom tools (admins only)"),
        (name = "operations", description = "Liveness and readiness probes"),
    ),
    modifiers(&BearerAuth),
    components(
        schemas(Problem, FieldError),
        responses(
            BadRequest,
            Unauthorized,
            Forbidden,
            NotFound,
            Conflict,
            PreconditionFailed,
            PayloadTooLarge,
            UnsupportedMediaType,
            Unprocessable,
            TooManyRequests,
            Unavailable,
            NotModified,
        ),
    )
)]
pub struct ApiDoc;
