//! The answers operations share, declared once for the spec: each error
//! response (problem+json), and the sets of them each kind of operation
//! can give.

use utoipa::ToResponse;

use crate::error::Problem;

/// The parameters are invalid: a limit out of range, a malformed cursor or
/// date, a value of the wrong type, a parameter the operation does not take.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct BadRequest(#[allow(dead_code)] Problem);

/// Nothing (public) has that slug or id.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

/// The database is unreachable or busy; retry after the `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u32, description = "Seconds to wait before retrying")))]
pub struct Unavailable(#[allow(dead_code)] Problem);

/// No valid access token: it is missing, malformed, expired, tampered
/// with, signed with another algorithm, or its access has been revoked.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("WWW-Authenticate" = String)))]
pub struct Unauthorized(#[allow(dead_code)] Problem);

/// The caller's role does not allow this.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Forbidden(#[allow(dead_code)] Problem);

/// The change conflicts with existing state: a slug or external id already
/// taken, or something still in use.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Conflict(#[allow(dead_code)] Problem);

/// `If-Match` names a version that is no longer current.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PreconditionFailed(#[allow(dead_code)] Problem);

/// The body is larger than the configured limit (default 2 MiB).
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct PayloadTooLarge(#[allow(dead_code)] Problem);

/// The body is not in a media type this operation reads.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct UnsupportedMediaType(#[allow(dead_code)] Problem);

/// The body is well-formed but invalid; `errors` lists every failing field.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Unprocessable(#[allow(dead_code)] Problem);

/// Too many requests; retry after `Retry-After` seconds.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json", headers(("Retry-After" = u32)))]
pub struct TooManyRequests(#[allow(dead_code)] Problem);

/// The cursor is older than the event log's retention window: resync from
/// the API, then read on from the newest cursor.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Gone(#[allow(dead_code)] Problem);

/// The story was withdrawn: the problem's `detail` is the newsroom's
/// public notice, and nothing else about it is told.
#[derive(ToResponse)]
#[response(content_type = "application/problem+json")]
pub struct Withdrawn(#[allow(dead_code)] Problem);

/// The client's copy (named in `If-None-Match`) is still current.
#[derive(ToResponse)]
#[response(headers(("ETag" = String), ("Cache-Control" = String)))]
pub struct NotModified;

/// Declares a set of the responses above, each under its status.
macro_rules! response_set {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $status:tt),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(utoipa::IntoResponses)]
        #[allow(dead_code)]
        pub enum $name {
            $(
                #[response(status = $status)]
                $variant(#[ref_response] $variant),
            )+
        }
    };
}

response_set!(
    /// A public list.
    ListErrors { NotModified = 304, BadRequest = 400, Unavailable = 503 }
);
response_set!(
    /// One public item, or a block that a slug names.
    ItemReadErrors { NotModified = 304, BadRequest = 400, NotFound = 404, Unavailable = 503 }
);
response_set!(
    /// The change feed.
    ChangeFeedErrors {
        BadRequest = 400, Unauthorized = 401, NotFound = 404, Gone = 410, Unavailable = 503
    }
);
response_set!(
    /// One story, in public.
    StoryReadErrors {
        NotModified = 304, BadRequest = 400, NotFound = 404, Withdrawn = 410, Unavailable = 503
    }
);
response_set!(
    /// One story, which a token turns into a preview (a partner's: an
    /// embargoed story).
    StoryPreviewErrors {
        NotModified = 304, BadRequest = 400, Unauthorized = 401, NotFound = 404, Withdrawn = 410,
        Unavailable = 503
    }
);
response_set!(
    /// A public answer that a token turns into a newsroom preview.
    PreviewErrors {
        NotModified = 304, BadRequest = 400, Unauthorized = 401, NotFound = 404, Unavailable = 503
    }
);
response_set!(
    /// A newsroom read of one article.
    NewsroomReadErrors { BadRequest = 400, Unauthorized = 401, NotFound = 404, Unavailable = 503 }
);
response_set!(
    /// An admin's list.
    AdminReadErrors { Unauthorized = 401, Forbidden = 403, Unavailable = 503 }
);
response_set!(
    /// A create.
    CreateErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, Conflict = 409,
        PayloadTooLarge = 413, UnsupportedMediaType = 415, Unprocessable = 422, Unavailable = 503
    }
);
response_set!(
    /// A create that nothing else can collide with.
    FreshCreateErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403,
        PayloadTooLarge = 413, UnsupportedMediaType = 415, Unprocessable = 422, Unavailable = 503
    }
);
response_set!(
    /// A change to a named entry.
    ChangeErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, Conflict = 409,
        PayloadTooLarge = 413, UnsupportedMediaType = 415, Unprocessable = 422, Unavailable = 503
    }
);
response_set!(
    /// A change to a person.
    AccountChangeErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404,
        PayloadTooLarge = 413, UnsupportedMediaType = 415, Unprocessable = 422, Unavailable = 503
    }
);
response_set!(
    /// A change that honours `If-Match`.
    ConditionalChangeErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, Conflict = 409,
        PreconditionFailed = 412, PayloadTooLarge = 413, UnsupportedMediaType = 415,
        Unprocessable = 422, Unavailable = 503
    }
);
response_set!(
    /// A create-or-change that honours `If-Match`.
    UpsertErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, Conflict = 409,
        PreconditionFailed = 412, PayloadTooLarge = 413, UnsupportedMediaType = 415,
        Unprocessable = 422, Unavailable = 503
    }
);
response_set!(
    /// A delete that others may still refer to.
    DeleteErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, Conflict = 409,
        Unavailable = 503
    }
);
response_set!(
    /// A delete that honours `If-Match`.
    ConditionalDeleteErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404,
        PreconditionFailed = 412, Unavailable = 503
    }
);
response_set!(
    /// Revoking a newsroom tool.
    RevokeErrors { BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, Unavailable = 503 }
);
response_set!(
    /// The token endpoint.
    TokenErrors {
        BadRequest = 400, Unauthorized = 401, PayloadTooLarge = 413, UnsupportedMediaType = 415,
        TooManyRequests = 429, Unavailable = 503
    }
);
response_set!(
    /// Signing out.
    SignOutErrors {
        BadRequest = 400, Unauthorized = 401, PayloadTooLarge = 413, UnsupportedMediaType = 415,
        Unavailable = 503
    }
);
response_set!(
    /// An admin's read of one entry.
    AdminItemErrors { BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, Unavailable = 503 }
);
response_set!(
    /// Sending a finished delivery again.
    ReplayErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, Conflict = 409,
        Unavailable = 503
    }
);
response_set!(
    /// Re-sending a subscription's events after a cursor.
    ResendErrors {
        BadRequest = 400, Unauthorized = 401, Forbidden = 403, NotFound = 404, Conflict = 409, Gone = 410,
        PayloadTooLarge = 413, UnsupportedMediaType = 415, Unprocessable = 422, Unavailable = 503
    }
);
