//! Under load and under fire: concurrent writers, a killed server, a
//! stopped database and a graceful shutdown. Each test is bounded (well
//! under a minute) so CI runs them all, on both backends.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::io::{Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::{json, Value};

use crate::backend_tests;
use crate::cross::process::{self, Server};
use crate::helpers::{fresh_database, Backend, Http, TestApp};

/// What a writer was told: each story's slug, its last acknowledged
/// version and headline.
#[derive(Default)]
struct Acknowledged {
    stories: BTreeMap<String, (String, String)>,
    statuses: BTreeMap<u16, usize>,
    server_errors: Vec<String>,
}

fn new_story(headline: &str) -> Value {
    json!({
        "headline": headline,
        "standfirst": "Filed under load",
        "body": "<p>Paragraph one of a story filed under load.</p><p>Paragraph two.</p>",
        "status": "published",
    })
}

/// One client: creates a story, updates it three times with If-Match, and
/// again, until the deadline or until the server stops answering.
async fn write_until(http: &Http, token: &str, who: usize, deadline: Instant) -> Acknowledged {
    let mut log = Acknowledged::default();
    let mut current: Option<(String, String)> = None;
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let headline = format!("Writer {who} story {n}");
        let reply = match &current {
            Some((slug, etag)) if n % 4 != 0 => {
                http.json_with(
                    "PATCH",
                    &format!("/v1/articles/{slug}"),
                    Some(token),
                    &json!({"headline": headline}),
                    &[("If-Match", etag)],
                )
                .await
            }
            _ => {
                http.json("POST", "/v1/articles", Some(token), &new_story(&headline))
                    .await
            }
        };
        *log.statuses.entry(reply.status.as_u16()).or_default() += 1;
        if reply.status.is_server_error() {
            log.server_errors.push(reply.text());
            continue;
        }
        assert!(
            reply.status.is_success(),
            "writer {who}: {} {}",
            reply.status,
            reply.text()
        );
        let slug = reply.json()["slug"].as_str().unwrap().to_string();
        let etag = reply.header("etag").expect("a version ETag");
        log.stories
            .insert(slug.clone(), (etag.clone(), headline.clone()));
        current = Some((slug, etag));
    }
    log
}

/// Every acknowledged story is there with the version and headline its
/// writer was last told.
async fn assert_all_present(http: &Http, token: &str, logs: &[Acknowledged]) -> usize {
    let mut checked = 0;
    for log in logs {
        for (slug, (etag, headline)) in &log.stories {
            let auth = format!("Bearer {token}");
            let reply = http
                .request(
                    "GET",
                    &format!("/v1/articles/{slug}"),
                    &[("Authorization", &auth)],
                )
                .await;
            assert_eq!(reply.status, 200, "{slug} is missing: {}", reply.text());
            assert_eq!(
                reply.header("etag").as_ref(),
                Some(etag),
                "{slug}'s version"
            );
            assert_eq!(reply.json()["headline"], headline.as_str());
            checked += 1;
        }
    }
    checked
}

fn load_seconds() -> u64 {
    std::env::var("BYLINE_LOAD_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

async fn thirty_two_writers_lose_nothing(app: TestApp) {
    let token = app.token("editor").await;
    let deadline = Instant::now() + Duration::from_secs(load_seconds());
    let logs = join_all((0..32).map(|who| write_until(&app, &token, who, deadline))).await;
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for log in &logs {
        for (status, n) in &log.statuses {
            *statuses.entry(*status).or_default() += n;
        }
    }
    let errors: Vec<&String> = logs.iter().flat_map(|l| &l.server_errors).collect();
    // "database is locked" first, so that failure is named as such; after
    // `is_empty` this check could never fail.
    assert!(
        !errors.iter().any(|e| e.contains("locked")),
        "database is locked"
    );
    assert!(errors.is_empty(), "server errors: {statuses:?} {errors:?}");
    let writes: usize = statuses.values().sum();
    assert!(
        writes >= 32 * 4,
        "too few writes to mean anything: {statuses:?}"
    );
    let checked = assert_all_present(&app, &token, &logs).await;
    eprintln!("32 writers: {writes} writes acknowledged {statuses:?}; {checked} stories checked");
}

backend_tests!(thirty_two_writers_lose_nothing);

/// kill -9 in the middle of writes; after a restart every acknowledged
/// write is there, and the database is consistent.
async fn a_killed_server_loses_no_acknowledged_write(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else {
        return crate::helpers::no_postgres();
    };
    process::run(&url, &["migrate"]);
    let mut server = Server::start(&url).await;
    let token = server.tool_token().await;
    let far = Instant::now() + Duration::from_secs(60);
    let http = &server.http;
    let token_ref = &token;
    let killer = async {
        actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
        server.signal("KILL");
    };
    let writers = join_all((0..8).map(|who| async move {
        // Stops at the first request the dead server cannot answer.
        let mut log = Acknowledged::default();
        let mut n = 0;
        while Instant::now() < far {
            n += 1;
            let headline = format!("Writer {who} story {n}");
            let body = new_story(&headline).to_string().into_bytes();
            let auth = format!("Bearer {token_ref}");
            let sent = http
                .try_send(
                    "POST",
                    "/v1/articles",
                    &[
                        ("Content-Type", "application/json"),
                        ("Authorization", &auth),
                    ],
                    Some(body),
                )
                .await;
            let Some(reply) = sent else { break };
            assert_eq!(reply.status, 201, "{}", reply.text());
            let slug = reply.json()["slug"].as_str().unwrap().to_string();
            log.stories
                .insert(slug, (reply.header("etag").unwrap(), headline));
        }
        log
    }));
    let (_, logs) = futures_util::future::join(killer, writers).await;
    assert_eq!(
        server.wait_for_exit(Duration::from_secs(10)),
        None,
        "killed by a signal"
    );
    let acknowledged: usize = logs.iter().map(|l| l.stories.len()).sum();
    assert!(
        acknowledged > 0,
        "no write was acknowledged before the kill"
    );

    if backend == Backend::Sqlite {
        sqlite_is_consistent(&url);
    }
    let restarted = Server::start(&url).await;
    let checked = assert_all_present(&restarted.http, &token, &logs).await;
    assert_eq!(checked, acknowledged);
    eprintln!("kill -9 ({backend:?}): {acknowledged} acknowledged writes, all present");
}

fn sqlite_is_consistent(path: &str) {
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = diesel::SqliteConnection::establish(path).expect("the database opens");
    let checks: Vec<Check> =
        diesel::sql_query("SELECT integrity_check FROM pragma_integrity_check")
            .load(&mut conn)
            .expect("integrity_check runs");
    let results: Vec<&str> = checks.iter().map(|c| c.integrity_check.as_str()).collect();
    assert_eq!(results, ["ok"], "PRAGMA integrity_check");
    let broken = diesel::sql_query("SELECT count(*) AS n FROM pragma_foreign_key_check")
        .get_result::<Count>(&mut conn)
        .expect("foreign_key_check runs");
    assert_eq!(broken.n, 0, "rows whose foreign keys point nowhere");
}

#[actix_web::test]
async fn sqlite_a_killed_server_loses_no_acknowledged_write() {
    a_killed_server_loses_no_acknowledged_write(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_a_killed_server_loses_no_acknowledged_write() {
    a_killed_server_loses_no_acknowledged_write(Backend::Postgres).await;
}

/// A request whose body is still arriving when SIGTERM comes: sends the
/// headers and half the body, tells the caller, waits, sends the rest, and
/// answers the status line.
fn slow_post(address: &str, token: &str, sent_half: std::sync::mpsc::Sender<()>) -> String {
    let body = new_story("Filed across a shutdown").to_string();
    let (first, rest) = body.split_at(body.len() / 2);
    let host = address.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(host).expect("connects");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "POST /v1/articles HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    sent_half.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(700));
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer.lines().next().unwrap_or_default().to_string()
}

/// SIGTERM under load: the request in flight completes, no request gets a
/// 5xx, and the process exits cleanly.
async fn sigterm_drains_in_flight_requests(backend: Backend) {
    let Some((url, _db)) = fresh_database(backend) else {
        return crate::helpers::no_postgres();
    };
    process::run(&url, &["seed-demo"]);
    let mut server = Server::start(&url).await;
    let token = server.tool_token().await;
    let (tx, rx) = std::sync::mpsc::channel();
    let (address, tool) = (server.http.address.clone(), token.clone());
    let in_flight = std::thread::spawn(move || slow_post(&address, &tool, tx));

    let statuses: Rc<RefCell<HashMap<u16, usize>>> = Rc::default();
    let stop_at = Instant::now() + Duration::from_secs(30);
    let http = &server.http;
    let readers = join_all((0..8).map(|i| {
        let statuses = statuses.clone();
        async move {
            let path = match i % 3 {
                0 => "/v1/articles/mexico-offers-assange-political-asylum",
                1 => "/v1/sections/top-news/latest?limit=4",
                _ => "/v1/articles?limit=10",
            };
            while Instant::now() < stop_at {
                match http.try_send("GET", path, &[], None).await {
                    Some(reply) => {
                        *statuses
                            .borrow_mut()
                            .entry(reply.status.as_u16())
                            .or_default() += 1
                    }
                    // Refused or closed: the server stopped taking requests.
                    None => break,
                }
            }
        }
    }));
    let terminate = async {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        // Wait (off the runtime) until the slow request is half sent.
        actix_web::web::block(move || rx.recv_timeout(Duration::from_secs(10)))
            .await
            .unwrap()
            .expect("the slow request started");
        server.signal("TERM");
    };
    futures_util::future::join(readers, terminate).await;
    let status_line = in_flight.join().expect("the slow request's thread");
    assert!(
        status_line.starts_with("HTTP/1.1 201"),
        "the request in flight at SIGTERM got {status_line:?}"
    );
    assert_eq!(
        server.wait_for_exit(Duration::from_secs(20)),
        Some(0),
        "a clean exit"
    );
    let statuses = statuses.borrow().clone();
    assert!(
        statuses.keys().all(|s| *s < 500),
        "5xx during shutdown: {statuses:?}"
    );
    assert!(statuses.get(&200).copied().unwrap_or(0) > 0, "{statuses:?}");

    // The story sent across the shutdown was kept.
    let restarted = Server::start(&url).await;
    let list = restarted.http.get_ok("/v1/articles?limit=1").await;
    assert_eq!(list["data"][0]["headline"], "Filed across a shutdown");
    eprintln!("SIGTERM ({backend:?}): answers {statuses:?}; in flight: {status_line}");
}

#[actix_web::test]
async fn sqlite_sigterm_drains_in_flight_requests() {
    sigterm_drains_in_flight_requests(Backend::Sqlite).await;
}

#[actix_web::test]
async fn postgres_sigterm_drains_in_flight_requests() {
    sigterm_drains_in_flight_requests(Backend::Postgres).await;
}
