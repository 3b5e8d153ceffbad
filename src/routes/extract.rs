//! Request parts as extractors, each documented for the spec once:
//! `If-Match`, `Idempotency-Key` and the `limit` query parameter.

use std::future::{ready, Ready};

use actix_web::dev::Payload;
use actix_web::http::header::{self, IfMatch};
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use utoipa::openapi::path::{Parameter, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::Required;
use utoipa::IntoParams;

use crate::editorial::Expect;
use crate::error::ApiError;

/// The versions `If-Match` accepts. It never refuses the request itself:
/// a malformed header is reported only once the body has been validated,
/// because preconditions decide only requests that would otherwise succeed.
pub struct Precondition(pub Expect);

impl FromRequest for Precondition {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(Precondition(expect_of(req))))
    }
}

fn expect_of(req: &HttpRequest) -> Expect {
    if !req.headers().contains_key(header::IF_MATCH) {
        return Expect::Unconditional;
    }
    match req.get_header::<IfMatch>() {
        None => Expect::Malformed,
        Some(IfMatch::Any) => Expect::Exists,
        // Strong comparison (RFC 9110): a weak tag never matches.
        Some(IfMatch::Items(tags)) => Expect::OneOf(
            tags.iter()
                .filter(|t| !t.weak)
                .filter_map(|t| t.tag().strip_prefix('v').and_then(|v| v.parse().ok()))
                .collect(),
        ),
    }
}

/// The `Idempotency-Key` header, if sent: 1 to 255 visible ASCII
/// characters, else 400.
pub struct IdempotencyKey(pub Option<String>);

impl FromRequest for IdempotencyKey {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(key_of(req).map(IdempotencyKey))
    }
}

fn key_of(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let Some(value) = req.headers().get("Idempotency-Key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or("").trim().to_string();
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::BadRequest(
            "Idempotency-Key must be 1 to 255 visible ASCII characters.".into(),
        ));
    }
    Ok(Some(key))
}

/// A header parameter for the spec.
fn header_param(name: &str, description: &str, pattern: Option<&str>) -> Parameter {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(ParameterIn::Header)
        .required(Required::False)
        .description(Some(description))
        .schema(Some(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(pattern),
        ))
        .build()
}

impl IntoParams for Precondition {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header_param(
            "If-Match",
            "Change only this version: the ETag of the article's last answer, such as \"v3\"",
            None,
        )]
    }
}

impl IntoParams for IdempotencyKey {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![header_param(
            "Idempotency-Key",
            "Makes retries safe: 1 to 255 visible ASCII characters",
            Some("^[!-~]{1,255}$"),
        )]
    }
}

/// The `limit` query parameter: how many items to answer, 1 to `MAX`,
/// `DEFAULT` when absent. Anything else is a 400 naming `limit`.
#[derive(Debug, Clone, Copy)]
pub struct Limit<const DEFAULT: i64, const MAX: i64>(i64);

impl<const DEFAULT: i64, const MAX: i64> Limit<DEFAULT, MAX> {
    pub fn get(self) -> i64 {
        self.0
    }
}

impl<const DEFAULT: i64, const MAX: i64> FromRequest for Limit<DEFAULT, MAX> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let given = url::form_urlencoded::parse(req.query_string().as_bytes())
            .find(|(name, _)| name == "limit")
            .map(|(_, value)| value.into_owned());
        ready(match given {
            None => Ok(Limit(DEFAULT)),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (1..=MAX).contains(&n) => Ok(Limit(n)),
                _ => Err(ApiError::invalid(
                    "limit",
                    format!("must be between 1 and {MAX}: a whole number in the query string"),
                )),
            },
        })
    }
}

impl<const DEFAULT: i64, const MAX: i64> IntoParams for Limit<DEFAULT, MAX> {
    fn into_params(_: impl Fn() -> Option<ParameterIn>) -> Vec<Parameter> {
        vec![ParameterBuilder::new()
            .name("limit")
            .parameter_in(ParameterIn::Query)
            .required(Required::False)
            .description(Some(format!(
                "How many to answer, 1 to {MAX} (default {DEFAULT})."
            )))
            .schema(Some(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int64)))
                    .minimum(Some(1))
                    .maximum(Some(MAX))
                    .default(Some(DEFAULT.into())),
            ))
            .build()]
    }
}

/// Declares a path parameter as a type, so its pattern and description are
/// written once: `path_param!(ArticlePath, article, "…", "example")`.
macro_rules! path_param {
    ($name:ident, $field:ident, $doc:tt, $example:tt) => {
        #[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
        #[into_params(parameter_in = Path)]
        pub struct $name {
            #[doc = $doc]
            #[param(pattern = "^[a-z0-9-]{1,200}$", example = $example)]
            pub $field: String,
        }

        impl From<$name> for String {
            fn from(path: $name) -> String {
                path.$field
            }
        }
    };
}
pub(crate) use path_param;
