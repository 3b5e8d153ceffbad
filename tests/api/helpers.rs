//! The test harness: each test gets a fresh database (a new SQLite file, or
//! a new PostgreSQL database when TEST_POSTGRES_URL is set) and its own
//! server on a free port, built by the same code as production.

use std::path::PathBuf;

use awc::http::StatusCode;
use byline::config::Config;
use byline::db::{DbConnection, Pool};
use byline::seed::{self, ArticleSpec};
use byline::taxonomy::{AuthorInput, Authors, SectionInput, Sections, TagInput, Tags};
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs each named test once per backend: `mod sqlite { … }` always and
/// `mod postgres { … }` against TEST_POSTGRES_URL (CI always sets it).
/// `backend_tests!(config = f; …)` adjusts each app's configuration with
/// `f` first.
#[macro_export]
macro_rules! backend_tests {
    (config = $adjust:path; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    let app = $crate::helpers::TestApp::spawn_with(
                        $crate::helpers::Backend::Sqlite,
                        $adjust,
                    )
                    .await
                    .expect("a SQLite test app");
                    super::$name(app).await;
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                async fn $name() {
                    match $crate::helpers::TestApp::spawn_with(
                        $crate::helpers::Backend::Postgres,
                        $adjust,
                    )
                    .await
                    {
                        Some(app) => super::$name(app).await,
                        None => $crate::helpers::no_postgres(),
                    }
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        $crate::backend_tests!(config = $crate::helpers::as_is; $($name),*);
    };
}

/// The configuration left as it is.
pub fn as_is(_: &mut Config) {}

/// The database a test owns; removed when the test ends.
pub enum TestDb {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match self {
            TestDb::Sqlite(dir) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            TestDb::Postgres { admin_url, name } => {
                if let Ok(mut conn) = diesel::PgConnection::establish(admin_url) {
                    let _ = conn
                        .batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"));
                }
            }
        }
    }
}

/// Without TEST_POSTGRES_URL a PostgreSQL test fails rather than pass having
/// checked nothing, unless BYLINE_TEST_SQLITE_ONLY=1 says that is intended.
pub fn no_postgres() {
    if std::env::var("BYLINE_TEST_SQLITE_ONLY").as_deref() == Ok("1") {
        eprintln!("BYLINE_TEST_SQLITE_ONLY=1: this PostgreSQL run is skipped");
        return;
    }
    panic!(
        "TEST_POSTGRES_URL is not set. Run `bash scripts/test` (it starts PostgreSQL), \
         or set BYLINE_TEST_SQLITE_ONLY=1 to run SQLite alone"
    );
}

/// The PostgreSQL server URL for tests, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_POSTGRES_URL")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

pub fn fresh_database(backend: Backend) -> Option<(String, TestDb)> {
    let unique = uuid::Uuid::new_v4().simple().to_string();
    match backend {
        Backend::Sqlite => {
            let dir = std::env::temp_dir().join(format!("byline-test-{unique}"));
            std::fs::create_dir_all(&dir).expect("a temporary folder");
            let url = dir.join("byline.db").to_string_lossy().to_string();
            Some((url, TestDb::Sqlite(dir)))
        }
        Backend::Postgres => {
            let admin_url = postgres_url()?;
            let name = format!("byline_test_{unique}");
            let mut admin = diesel::PgConnection::establish(&admin_url)
                .unwrap_or_else(|e| panic!("TEST_POSTGRES_URL is set but unreachable: {e}"));
            admin
                .batch_execute(&format!("CREATE DATABASE \"{name}\""))
                .expect("creating a test database");
            let mut url = url::Url::parse(&admin_url).expect("TEST_POSTGRES_URL is a URL");
            url.set_path(&format!("/{name}"));
            Some((url.to_string(), TestDb::Postgres { admin_url, name }))
        }
    }
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: awc::http::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().expect("an ASCII header").to_string())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).to_string()
    }

    /// Checks that this is a problem+json error with this status, and
    /// answers its body.
    pub fn problem(&self, status: u16) -> Value {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.text());
        assert_eq!(
            self.header("content-type").as_deref(),
            Some("application/problem+json"),
            "an error must be problem+json"
        );
        let body = self.json();
        assert_eq!(body["status"], status);
        assert_eq!(body["type"], "about:blank");
        assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()));
        body
    }
}

/// An HTTP client for one byline server: in this process (a `TestApp`) or
/// a separate one (see `process.rs`).
pub struct Http {
    pub address: String,
    client: awc::Client,
}

pub struct TestApp {
    http: Http,
    pub pool: Pool,
    pub config: Config,
    /// Shared with replicas; the database goes when the last one does.
    db: std::sync::Arc<TestDb>,
}

impl std::ops::Deref for TestApp {
    type Target = Http;
    fn deref(&self) -> &Http {
        &self.http
    }
}

impl Http {
    pub fn new(address: String) -> Http {
        Http {
            address,
            client: awc::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .disable_redirects()
                .finish(),
        }
    }
}

impl TestApp {
    /// A server on a fresh, migrated, empty database; None for PostgreSQL
    /// when TEST_POSTGRES_URL is unset.
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Like `spawn`, with the configuration adjusted first.
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Option<TestApp> {
        let (url, db) = fresh_database(backend)?;
        let mut config = Config::for_database(url);
        adjust(&mut config);
        Some(Self::serve(config, std::sync::Arc::new(db), None))
    }

    /// Like `spawn_with`, with the pool's SQLite statements counting their
    /// work in `meter` (tests/api/cross/growth.rs).
    pub async fn spawn_metered(
        backend: Backend,
        adjust: impl FnOnce(&mut Config),
        meter: byline::db::WorkMeter,
    ) -> Option<TestApp> {
        let (url, db) = fresh_database(backend)?;
        let mut config = Config::for_database(url);
        adjust(&mut config);
        Some(Self::serve(config, std::sync::Arc::new(db), Some(meter)))
    }

    /// A second server (its own pool, cache and background thread) on this
    /// app's database, as another replica would be.
    pub fn replica(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        let mut config = Config::for_database(self.config.database_url.expose().to_string());
        config.jwt_secret = self.config.jwt_secret.clone();
        adjust(&mut config);
        Self::serve(config, self.db.clone(), None)
    }

    fn serve(
        config: Config,
        db: std::sync::Arc<TestDb>,
        meter: Option<byline::db::WorkMeter>,
    ) -> TestApp {
        let pool =
            byline::startup::prepare_database(&config, meter).expect("a migrated test database");
        let app = byline::Application::build(config.clone(), pool.clone()).expect("a test server");
        let address = format!("http://127.0.0.1:{}", app.port());
        actix_web::rt::spawn(app.into_server());
        TestApp {
            http: Http::new(address),
            pool,
            config,
            db,
        }
    }
}

impl Http {
    /// Sends a request with these headers.
    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
        self.send(method, path, headers, None).await
    }

    /// Sends a request with these headers and, if given, this body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        self.try_send(method, path, headers, body)
            .await
            .unwrap_or_else(|| panic!("{method} {path}: the server did not answer"))
    }

    /// Like `send`; None when the server could not be reached or closed the
    /// connection without a whole answer.
    pub async fn try_send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Option<Reply> {
        let method = awc::http::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.address));
        for (name, value) in headers {
            req = req.insert_header((*name, *value));
        }
        let sent = match body {
            Some(body) => req.send_body(body).await,
            None => req.send().await,
        };
        let mut res = sent.ok()?;
        let body = res.body().limit(16 * 1024 * 1024).await.ok()?;
        Some(Reply {
            status: res.status(),
            headers: res.headers().clone(),
            body: body.to_vec(),
        })
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &[]).await
    }

    /// GETs a path that must answer 200 with JSON.
    pub async fn get_ok(&self, path: &str) -> Value {
        let reply = self.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "GET {path}: {}", reply.text());
        assert_eq!(
            reply.header("content-type").as_deref(),
            Some("application/json")
        );
        reply.json()
    }
}

impl TestApp {
    /// Runs database set-up work (fixtures) directly.
    pub fn with_db<T>(&self, work: impl FnOnce(&mut DbConnection) -> anyhow::Result<T>) -> T {
        let mut conn = self.pool.get().expect("a connection");
        work(&mut conn).expect("fixture set-up")
    }

    pub fn load_demo(&self) {
        let site = self.config.site.clone();
        self.with_db(|conn| seed::load_demo(conn, &site));
    }

    /// Sections `news` and `world`, tags `alpha` and `beta`, authors `ann`
    /// and `bob` (whose emails are private).
    pub fn taxonomy(&self) {
        self.with_db(|conn| {
            for (i, slug) in ["news", "world"].iter().enumerate() {
                let section = SectionInput {
                    slug: Some(slug.to_string()),
                    name: Some(capitalize(slug)),
                    description: Some(format!("The {slug} section")),
                    position: Some(i as i32 + 1),
                    listed: None,
                };
                seed::insert::<Sections>(conn, &section)?;
            }
            for slug in ["alpha", "beta"] {
                let tag = TagInput {
                    slug: Some(slug.into()),
                    name: Some(capitalize(slug)),
                    ..TagInput::default()
                };
                seed::insert::<Tags>(conn, &tag)?;
            }
            for slug in ["ann", "bob"] {
                let author = AuthorInput {
                    slug: Some(slug.into()),
                    name: Some(capitalize(slug)),
                    bio: Some(format!("{slug} writes")),
                    email: Some(Some(format!("{slug}@newsroom.example"))),
                    ..AuthorInput::default()
                };
                seed::insert::<Authors>(conn, &author)?;
            }
            Ok(())
        })
    }

    pub fn insert(&self, spec: ArticleSpec) {
        let site = self.config.site.clone();
        self.with_db(|conn| seed::insert_article(conn, &site, &spec));
    }
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A published story in `news` by `ann`, at `published_at` (RFC 3339).
pub fn story(slug: &str, published_at: &str) -> ArticleSpec {
    ArticleSpec {
        slug: slug.into(),
        headline: format!("Headline of {slug}"),
        standfirst: format!("Standfirst of {slug}"),
        body: format!("<p>Body of {slug}, in a few words.</p>"),
        body_format: "html".into(),
        section: Some("news".into()),
        tags: vec![],
        authors: vec!["ann".into()],
        credit: None,
        canonical_url: None,
        featured_image: None,
        status: "published".into(),
        published_at: Some(published_at.into()),
        also_read: vec![],
        language: None,
        embargoed_until: None,
        translation_of: None,
    }
}

/// An RFC 3339 time this many seconds from now.
pub fn from_now(seconds: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::seconds(seconds))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// The slugs of a list answer's `data`.
pub fn slugs(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("a data array")
        .iter()
        .map(|a| a["slug"].as_str().expect("a slug").to_string())
        .collect()
}

impl TestApp {
    /// Adds a person with this role; answers (email, password).
    pub fn person(&self, role: &str, author: Option<&str>) -> (String, String) {
        let email = format!(
            "{role}-{}@newsroom.example",
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let password = "a long enough password".to_string();
        self.with_db(|conn| {
            let input = byline::accounts::NewUser {
                email: email.clone(),
                name: format!("A {role}"),
                role: byline::auth::Role::parse(role),
                password: password.clone(),
                author: author.map(str::to_string),
            };
            byline::accounts::create_user(conn, &input, Default::default())
                .map_err(|e| anyhow::anyhow!("{e}"))
        });
        (email, password)
    }

    /// An access token for a new person with this role.
    pub async fn token(&self, role: &str) -> String {
        let (email, password) = self.person(role, None);
        self.token_of(&email, &password).await
    }
}

impl Http {
    /// POSTs a form-encoded body (the token and revoke endpoints).
    pub async fn form(&self, path: &str, body: impl Into<Vec<u8>>) -> Reply {
        self.send(
            "POST",
            path,
            &[("Content-Type", "application/x-www-form-urlencoded")],
            Some(body.into()),
        )
        .await
    }

    /// A newsroom tool's access token from its credentials.
    pub async fn client_token(&self, client_id: &str, client_secret: &str) -> Reply {
        self.form(
            "/v1/auth/token",
            format!(
                "grant_type=client_credentials&client_id={client_id}&client_secret={client_secret}"
            ),
        )
        .await
    }

    /// Signs in with the password grant; answers the token response.
    pub async fn sign_in(&self, email: &str, password: &str) -> Reply {
        let form = format!(
            "grant_type=password&username={}&password={}",
            urlencode(email),
            urlencode(password)
        );
        self.form("/v1/auth/token", form.into_bytes()).await
    }

    pub async fn token_of(&self, email: &str, password: &str) -> String {
        let reply = self.sign_in(email, password).await;
        assert_eq!(reply.status, 200, "sign-in: {}", reply.text());
        reply.json()["access_token"].as_str().unwrap().to_string()
    }

    /// Sends JSON with a bearer token (None for no token).
    pub async fn json(&self, method: &str, path: &str, token: Option<&str>, body: &Value) -> Reply {
        self.json_with(method, path, token, body, &[]).await
    }

    pub async fn json_with(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: &Value,
        extra: &[(&str, &str)],
    ) -> Reply {
        let auth = token.map(|t| format!("Bearer {t}"));
        let mut headers: Vec<(&str, &str)> = vec![("Content-Type", "application/json")];
        if let Some(auth) = &auth {
            headers.push(("Authorization", auth));
        }
        headers.extend_from_slice(extra);
        self.send(method, path, &headers, Some(body.to_string().into_bytes()))
            .await
    }

    /// A request with a bearer token and no body.
    pub async fn authed(&self, method: &str, path: &str, token: &str) -> Reply {
        let auth = format!("Bearer {token}");
        self.request(method, path, &[("Authorization", &auth)])
            .await
    }
}

pub fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// An answer read off a raw connection.
pub struct RawReply {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// Sends `request` (a whole HTTP/1.1 message) from the loopback address
/// `local` (127.0.0.x), so the server sees another client, and reads the
/// answer until the server closes the connection.
pub fn raw_from(local: [u8; 4], server: &str, request: &[u8]) -> RawReply {
    use std::io::{Read, Write};
    let server: std::net::SocketAddr = server
        .trim_start_matches("http://")
        .parse()
        .expect("a host:port");
    let socket =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).expect("a socket");
    socket
        .bind(&std::net::SocketAddr::from((local, 0)).into())
        .expect("binds a loopback address");
    socket.connect(&server.into()).expect("connects");
    let mut stream: std::net::TcpStream = socket.into();
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    stream.write_all(request).expect("sends");
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    RawReply {
        status,
        head: head.to_string(),
        body: body.to_string(),
    }
}

/// A form POST as raw bytes, closing the connection after the answer.
pub fn form_request(path: &str, body: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// POSTs a form body that may be far over the server's limit: the body is
/// written from another thread, so an answer sent before the whole body
/// arrived (a 413) is still read. Answers the status.
pub fn post_oversized(server: &str, path: &str, body: Vec<u8>) -> u16 {
    send_oversized(
        server,
        "POST",
        path,
        &[("Content-Type", "application/x-www-form-urlencoded")],
        body,
    )
}

/// `post_oversized` for any method and headers.
pub fn send_oversized(
    server: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Vec<u8>,
) -> u16 {
    use std::io::{Read, Write};
    let mut stream =
        std::net::TcpStream::connect(server.trim_start_matches("http://")).expect("connects");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(20)))
        .unwrap();
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         {extra}Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("sends the head");
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let _ = writer.write_all(&body);
    });
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !answer.windows(2).any(|w| w == b"\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
        }
    }
    let _ = stream.shutdown(std::net::Shutdown::Both);
    let _ = sender.join();
    let line = String::from_utf8_lossy(&answer).to_string();
    line.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {line:?}"))
}

/// A new story as the write API takes it: a draft in `news` by `ann`,
/// tagged `alpha` and a tag that does not exist yet, with a credit.
pub fn story_json(headline: &str) -> Value {
    serde_json::json!({
        "headline": headline,
        "standfirst": "A standfirst",
        "body": "<p>One two three four.</p>",
        "section": "news",
        "tags": ["alpha", "Brand New Tag"],
        "authors": ["ann"],
        "credit": "Wire Agency",
    })
}

/// The smallest story anyone with a token may write: a draft.
pub fn small_draft() -> Value {
    serde_json::json!({"headline": "A test story", "body": "<p>Words.</p>"})
}

/// `story_json` with no byline: below the editor role a caller may byline
/// only the profile linked to them.
pub fn unsigned_story_json(headline: &str) -> Value {
    let mut body = story_json(headline);
    body.as_object_mut().unwrap().remove("authors");
    body
}

impl Http {
    /// A newsroom tool's access token: an admin adds the integration
    /// `spec` (name, role and perhaps author), and the tool signs in with
    /// the credentials it got.
    pub async fn tool_token(&self, admin: &str, spec: &Value) -> String {
        let added = self
            .json("POST", "/v1/integrations", Some(admin), spec)
            .await;
        assert_eq!(added.status, 201, "{}", added.text());
        let creds = added.json();
        let reply = self
            .client_token(
                creds["client_id"].as_str().unwrap(),
                creds["client_secret"].as_str().unwrap(),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
        reply.json()["access_token"].as_str().unwrap().to_string()
    }
}

/// How many stories the public list holds (the demo has fewer than 50).
pub async fn public_stories(app: &TestApp) -> usize {
    let list = app.get_ok("/v1/articles?limit=50").await;
    list["data"].as_array().unwrap().len()
}

/// The server still answers, and lost none of the `stories` it listed.
pub async fn assert_still_serving(app: &TestApp, stories: usize) {
    assert_eq!(app.get("/healthz").await.status, 200);
    assert_eq!(
        public_stories(app).await,
        stories,
        "every story is still there"
    );
}

/// Runs a Python script from tests/support with the pinned test tools
/// (`bash scripts/test` installs them), `input` on its standard input;
/// answers the JSON it prints.
pub fn python(script: &str, input: &str) -> Value {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let python = std::env::var("BYLINE_TEST_PYTHON").unwrap_or_else(|_| {
        panic!(
            "BYLINE_TEST_PYTHON is not set: run `bash scripts/test`, which installs the \
             pinned Python tools in tests/support/requirements.txt that these tests check with"
        )
    });
    let mut child = Command::new(python)
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the Python tool runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the tool's JSON")
}
