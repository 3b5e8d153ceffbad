//! Builds the database and the HTTP server. `main` and the tests both come
//! through here, so the tests run what production runs.

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::{ResourceDef, Server};
use actix_web::http::{header, Method};
use actix_web::middleware::{from_fn, Compress, DefaultHeaders};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer, ResponseError};
use anyhow::Context;
use utoipa::OpenApi;
use utoipa_actix_web::{scope, AppExt};
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::db::{self, Pool};
use crate::error::ApiError;
use crate::openapi::ApiDoc;
use crate::routes;
use crate::state::AppState;
use crate::telemetry;

/// Opens the pool and applies pending migrations.
pub fn prepare_database(config: &Config) -> anyhow::Result<Pool> {
    let pool = db::build_pool(&config.database_url, config.db_pool_size, config.db_timeout)?;
    let mut conn = pool.get().context("taking a connection to migrate")?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    Ok(pool)
}

/// The OpenAPI document, generated from the handlers.
pub fn api_spec() -> utoipa::openapi::OpenApi {
    let (_, spec) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .service(scope::scope("/v1").configure(routes::configure_v1))
        .configure(routes::configure_ops)
        .split_for_parts();
    spec
}

/// The documented routes and their methods, to tell 405 from 404.
struct KnownRoutes(Vec<(ResourceDef, Vec<Method>)>);

impl KnownRoutes {
    fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let mut methods = Vec::new();
                if item.get.is_some() {
                    methods.push(Method::GET);
                    methods.push(Method::HEAD);
                }
                if item.post.is_some() {
                    methods.push(Method::POST);
                }
                if item.put.is_some() {
                    methods.push(Method::PUT);
                }
                if item.patch.is_some() {
                    methods.push(Method::PATCH);
                }
                if item.delete.is_some() {
                    methods.push(Method::DELETE);
                }
                (ResourceDef::new(path.as_str()), methods)
            })
            .collect();
        KnownRoutes(routes)
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.0
            .iter()
            .find(|(def, _)| def.is_match(path))
            .map(|(_, methods)| methods.as_slice())
    }
}

/// Anything no route took: 405 for a known path, else 404.
async fn fallback(req: HttpRequest, known: web::Data<KnownRoutes>) -> HttpResponse {
    match known.allowed(req.path()) {
        Some(methods) => {
            let allow = methods
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut response = ApiError::MethodNotAllowed.error_response();
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            response
        }
        None => ApiError::NotFound(format!("Nothing is at {}.", req.path())).error_response(),
    }
}

/// JSON bodies: at most `limit` bytes (else 413), declared as JSON (else
/// 415), well-formed (else 400).
fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default()
        .limit(limit)
        .error_handler(|err, _| {
            use actix_web::error::JsonPayloadError;
            match err {
                JsonPayloadError::OverflowKnownLength { length, limit } => {
                    ApiError::PayloadTooLarge(format!(
                        "The body is {length} bytes; the limit is {limit}."
                    ))
                }
                JsonPayloadError::Overflow { limit } => ApiError::PayloadTooLarge(format!(
                    "The body is larger than the limit of {limit} bytes."
                )),
                JsonPayloadError::ContentType => {
                    ApiError::UnsupportedMediaType("Send the body as application/json.".into())
                }
                JsonPayloadError::Deserialize(e) => {
                    ApiError::BadRequest(format!("The body is not well-formed JSON: {e}."))
                }
                other => ApiError::BadRequest(format!("The body could not be read: {other}.")),
            }
            .into()
        })
}

/// Answers raised outside byline's handlers (actix's own refusals, such as
/// an oversized or broken payload) become problem+json too, so every error
/// a client sees has one shape.
fn problem_for_every_error<B: actix_web::body::MessageBody + 'static>(
) -> actix_web::middleware::ErrorHandlers<B> {
    use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
    ErrorHandlers::new().default_handler(|res: actix_web::dev::ServiceResponse<B>| {
        let is_problem = res.headers().get(header::CONTENT_TYPE).is_some_and(|v| {
            v.as_bytes()
                .starts_with(crate::error::PROBLEM_JSON.as_bytes())
        });
        if is_problem || res.request().method() == Method::HEAD {
            return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
        }
        let status = res.status();
        let error = match status.as_u16() {
            413 => ApiError::PayloadTooLarge("The body is larger than this server accepts.".into()),
            415 => ApiError::UnsupportedMediaType(
                "This body's media type is not accepted here.".into(),
            ),
            404 => ApiError::NotFound("Nothing is here.".into()),
            s if s >= 500 => ApiError::Internal(anyhow::anyhow!("unhandled {status}")),
            _ => ApiError::BadRequest(format!(
                "The request could not be handled ({}).",
                status.canonical_reason().unwrap_or("error")
            )),
        };
        let (req, _) = res.into_parts();
        let mut response = error.error_response();
        *response.status_mut() = status;
        Ok(ErrorHandlerResponse::Response(
            actix_web::dev::ServiceResponse::new(req, response).map_into_right_body(),
        ))
    })
}

fn cors(config: &Config) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods([
            Method::GET,
            Method::HEAD,
            Method::OPTIONS,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allowed_headers([
            header::ACCEPT,
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::IF_NONE_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([header::ETAG, header::LOCATION, header::RETRY_AFTER])
        .max_age(3600);
    if config.cors_origins.iter().any(|o| o == "*") {
        cors = cors.allow_any_origin();
    } else {
        for origin in &config.cors_origins {
            cors = cors.allowed_origin(origin);
        }
    }
    cors
}

/// A running server and the port it listens on.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `config.listen` and builds the server over `pool`.
    pub fn build(config: Config, pool: Pool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(&config.listen)
            .with_context(|| format!("binding {}", config.listen))?;
        let port = listener.local_addr()?.port();
        let server = serve(listener, config, pool)?;
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }

    /// The server handle, for running it in the background.
    pub fn into_server(self) -> Server {
        self.server
    }
}

fn serve(listener: TcpListener, config: Config, pool: Pool) -> anyhow::Result<Server> {
    let state = web::Data::new(AppState::new(pool, config));
    let config = state.config.clone();
    crate::background::spawn(
        state.pool.clone(),
        std::sync::Arc::downgrade(&state.cache),
        config.cache_sync,
        config.maintenance_interval,
    )
    .context("starting the background thread")?;
    let spec = api_spec();
    let known = web::Data::new(KnownRoutes::from_spec(&spec));
    let workers = config.workers;
    let server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .openapi(ApiDoc::openapi())
            .map(|app| {
                app.app_data(state.clone())
                    .app_data(known.clone())
                    .app_data(web::QueryConfig::default().error_handler(|err, _| {
                        ApiError::BadRequest(format!("The query string is invalid: {err}.")).into()
                    }))
                    .app_data(web::PathConfig::default().error_handler(|err, _| {
                        ApiError::BadRequest(format!("The path is invalid: {err}.")).into()
                    }))
                    .app_data(json_config(config.max_body_bytes))
                    .app_data(web::PayloadConfig::new(config.max_body_bytes))
                    // The first wrap runs innermost: CORS and the default
                    // headers apply to every answer, refusals included, and
                    // the response cache holds bodies before compression.
                    .wrap(from_fn(crate::cache::middleware))
                    .wrap(problem_for_every_error())
                    .wrap(from_fn(telemetry::reject_nul))
                    .wrap(from_fn(telemetry::head_as_get))
                    .wrap(Compress::default())
                    .wrap(cors(&config))
                    .wrap(DefaultHeaders::new().add((header::X_CONTENT_TYPE_OPTIONS, "nosniff")))
                    .wrap(from_fn(telemetry::access_log))
            })
            .service(scope::scope("/v1").configure(routes::configure_v1))
            .configure(routes::configure_ops)
            .split_for_parts();
        app.service(web::redirect("/docs", "/docs/"))
            .service(SwaggerUi::new("/docs/{_:.*}").url("/openapi.json", spec.clone()))
            .default_service(web::to(fallback))
    })
    .workers(workers)
    .listen(listener)?
    .run();
    Ok(server)
}
