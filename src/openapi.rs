//! The OpenAPI document: what the handlers declare, plus what holds for
//! every operation alike, written once here instead of on each.

use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{HeaderBuilder, RefOr, Required};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};
use crate::routes::responses::{
    BadRequest, Conflict, Forbidden, Gone, NotFound, NotModified, PayloadTooLarge,
    PreconditionFailed, TooManyRequests, Unauthorized, Unavailable, Unprocessable,
    UnsupportedMediaType, Withdrawn,
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
        description = "A headless news content API: published stories, sections, tags, authors and \"latest from\" blocks as JSON for frontends and apps.\n\nEvery error is `application/problem+json` (RFC 9457). Public answers carry a weak `ETag` and a `Cache-Control` lifetime; send `If-None-Match` to get `304 Not Modified`. Lists paginate by opaque keyset cursors. Public reads need no token; with one, the story list and story page become the newsroom's previews.",
        license(name = "MIT", identifier = "MIT"),
    ),
    servers((url = "/", description = "This server")),
    tags(
        (name = "articles", description = "Published stories"),
        (name = "latest", description = "\"Latest from …\" blocks for a section, tag, author or the whole newsroom"),
        (name = "feeds", description = "RSS 2.0, Atom 1.0 and JSON Feed 1.1 of the newest public stories: the site's, and each section's, tag's and author's"),
        (name = "search", description = "Full-text search over stories, ranked by relevance, with highlighted snippets"),
        (name = "sitemaps", description = "Sitemaps for search engines: the index at /sitemap.xml, a sitemap per month of stories, the section, tag and author pages, and Google News"),
        (name = "sections", description = "The publication's sections"),
        (name = "tags", description = "Topics that stories are tagged with"),
        (name = "authors", description = "Public author profiles"),
        (name = "auth", description = "Access tokens for people and newsroom tools"),
        (name = "events", description = "The change feed: every change to content, in commit order"),
        (name = "webhooks", description = "Signed deliveries of the change feed to your URLs (Standard Webhooks 1.0), with a delivery log (admins only)"),
        (name = "people", description = "People and newsroom tools (admins only)"),
        (name = "operations", description = "Liveness and readiness probes"),
    ),
    modifiers(&BearerAuth),
    components(
        schemas(Problem, FieldError, crate::routes::articles::StatusFilter),
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
            Gone,
            Withdrawn,
        ),
    )
)]
pub struct ApiDoc;

/// What every operation shares, applied once the handlers' paths are in:
/// - an operation that names no security needs none (`security: []`);
/// - a GET that can answer 304 takes `If-None-Match`, and its 200 carries
///   the `ETag` and `Cache-Control` it is revalidated and cached by.
pub fn finish(spec: &mut utoipa::openapi::OpenApi) {
    for item in spec.paths.paths.values_mut() {
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            op.security.get_or_insert_with(Vec::new);
        }
        if let Some(get) = item.get.as_mut() {
            declare_validators(get);
        }
    }
}

fn declare_validators(get: &mut Operation) {
    if !get.responses.responses.contains_key("304") {
        return;
    }
    get.parameters.get_or_insert_with(Vec::new).push(
        ParameterBuilder::new()
            .name("If-None-Match")
            .parameter_in(ParameterIn::Header)
            .required(Required::False)
            .description(Some(
                "The ETag of a copy the client holds: 304 while it is still current",
            ))
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .build()
            .into(),
    );
    if let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") {
        let string = || ObjectBuilder::new().schema_type(Type::String);
        ok.headers.insert(
            "ETag".into(),
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some("A weak validator over the exact bytes sent"))
                .build()
                .into(),
        );
        ok.headers.insert(
            "Cache-Control".into(),
            HeaderBuilder::new()
                .schema(Some(string()))
                .description(Some(
                    "public, max-age=N: cut short when a scheduled story will change the answer",
                ))
                .build()
                .into(),
        );
    }
}
