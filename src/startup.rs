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
use crate::{middleware, telemetry};

/// Opens the pool and applies pending migrations. With a `meter`, the
/// pool's SQLite connections count their work in it (the growth guard).
pub fn prepare_database(config: &Config, meter: Option<db::WorkMeter>) -> anyhow::Result<Pool> {
    let pool = db::build_pool(
        &config.database_url,
        config.db_pool_size,
        config.db_timeout,
        meter,
    )?;
    let mut conn = db::connect(&config.database_url)?;
    let applied = db::run_migrations(&mut conn)?;
    if !applied.is_empty() {
        tracing::info!(migrations = ?applied, "applied migrations");
    }
    let language = crate::validation::normalize_language(&config.site.language)
        .unwrap_or_else(|| config.site.language.clone());
    let given = crate::models::article::backfill_languages(&mut conn, &language)?;
    if given > 0 {
        tracing::info!(articles = given, %language, "gave the site's language to older stories");
    }
    let indexed = crate::search::backfill(&mut conn)?;
    if indexed > 0 {
        tracing::info!(articles = indexed, "indexed stories stored before search");
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
    let mut spec = spec;
    crate::openapi::finish(&mut spec);
    spec
}

/// The documented routes: their methods, to tell 405 from 404, and the
/// query parameters their GET takes, to refuse any other.
pub struct KnownRoutes(Vec<Route>);

struct Route {
    def: ResourceDef,
    methods: Vec<Method>,
    query: Vec<String>,
}

impl KnownRoutes {
    fn from_spec(spec: &utoipa::openapi::OpenApi) -> Self {
        use utoipa::openapi::path::ParameterIn;
        let routes = spec
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let query = item
                    .get
                    .as_ref()
                    .and_then(|op| op.parameters.as_ref())
                    .map(|params| {
                        params
                            .iter()
                            .filter_map(|p| match p {
                                utoipa::openapi::RefOr::T(p) => Some(p),
                                utoipa::openapi::RefOr::Ref(_) => None,
                            })
                            .filter(|p| matches!(p.parameter_in, ParameterIn::Query))
                            .map(|p| p.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
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
                Route {
                    def: ResourceDef::new(path.as_str()),
                    methods,
                    query,
                }
            })
            .collect();
        KnownRoutes(routes)
    }

    fn route(&self, path: &str) -> Option<&Route> {
        self.0.iter().find(|r| r.def.is_match(path))
    }

    fn allowed(&self, path: &str) -> Option<&[Method]> {
        self.route(path).map(|r| r.methods.as_slice())
    }
}

/// Refuses (400) a GET whose query names a parameter its operation does
/// not document: such parameters change nothing but would each make the
/// response cache keep another copy of the same answer.
async fn refuse_unknown_parameters(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<
    actix_web::dev::ServiceResponse<actix_web::body::EitherBody<impl actix_web::body::MessageBody>>,
    actix_web::Error,
> {
    let query = req.query_string();
    let is_read = req.method() == Method::GET || req.method() == Method::HEAD;
    if is_read && !query.is_empty() {
        if let Some(route) = req
            .app_data::<web::Data<KnownRoutes>>()
            .and_then(|known| known.route(req.match_info().as_str()))
        {
            let unknown = url::form_urlencoded::parse(query.as_bytes())
                .map(|(name, _)| name.into_owned())
                .find(|name| !route.query.iter().any(|q| q == name));
            if let Some(name) = unknown {
                let response = ApiError::invalid(name, "is not a parameter of this operation")
                    .error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

/// Anything no route took: 405 for a known path, else 404.
async fn fallback(req: HttpRequest, known: web::Data<KnownRoutes>) -> HttpResponse {
    match known.allowed(req.match_info().as_str()) {
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
        .error_handler(|err, req| {
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
                // A ninjs item that is not JSON at all fails as ninjs, at
                // its root.
                JsonPayloadError::Deserialize(e) if crate::formats::ninjs::is_ninjs(req) => {
                    ApiError::Validation(vec![crate::error::FieldError {
                        field: "/".into(),
                        message: format!("is not a ninjs item: not well-formed JSON ({e})"),
                    }])
                }
                JsonPayloadError::Deserialize(e) => {
                    ApiError::BadRequest(format!("The body is not well-formed JSON: {e}."))
                }
                JsonPayloadError::Payload(e) => ApiError::from(e),
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
        config.database_url.clone(),
        std::sync::Arc::downgrade(&state.cache),
        std::sync::Arc::downgrade(&state.health),
        crate::background::Timing {
            sync: config.cache_sync,
            maintenance: config.maintenance_interval,
            event_retention: config.event_retention,
        },
        config.site.clone(),
    )
    .context("starting the background thread")?;
    crate::webhooks::dispatch::spawn(
        config.database_url.clone(),
        std::sync::Arc::downgrade(&state.cache),
        config.webhooks(),
    )
    .context("starting the webhook dispatcher")?;
    let spec = api_spec();
    let known = web::Data::new(KnownRoutes::from_spec(&spec));
    let workers = config.workers;
    let uploads = web::Data::new(middleware::Uploads::new(
        config.body_idle_timeout,
        config.body_timeout,
        config.uploads_per_address,
        config.trusted_proxies.clone(),
    ));
    let max_connections = config.max_connections.div_ceil(workers).max(1);
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
                    .app_data(uploads.clone())
                    // The first wrap runs innermost: CORS and the default
                    // headers apply to every answer, refusals included, and
                    // the response cache holds bodies before compression.
                    .wrap(from_fn(crate::response_cache::middleware))
                    .wrap(from_fn(refuse_unknown_parameters))
                    .wrap(problem_for_every_error())
                    .wrap(from_fn(middleware::limit_uploads))
                    .wrap(from_fn(middleware::reject_nul))
                    .wrap(from_fn(middleware::head_as_get))
                    .wrap(Compress::default())
                    .wrap(cors(&config))
                    .wrap(from_fn(middleware::vary_on_encoding))
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
    .on_connect(middleware::remember_socket)
    // Connections beyond the cap wait in the listen backlog instead of
    // taking file descriptors; slow request heads are cut at 5 s.
    .max_connections(max_connections)
    .client_request_timeout(std::time::Duration::from_secs(5))
    .listen(listener)?
    .run();
    Ok(server)
}
