//! Request limits: a body over the configured size is 413; a body trickled
//! in is cut off; one address holds at most its share of uploads; a body
//! nobody reads is not drained at the client's pace.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::backend_tests;
use crate::helpers::{form_request, raw_from, Backend, TestApp};

#[actix_web::test]
async fn oversized_bodies_are_413() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.max_body_bytes = 4096)
        .await
        .unwrap();
    app.taxonomy();
    let editor = app.token("editor").await;
    let big = json!({"headline": "Big", "body": "x".repeat(10_000)});
    let problem = app
        .json("POST", "/v1/articles", Some(&editor), &big)
        .await
        .problem(413);
    assert_eq!(problem["code"], "payload_too_large");
    let small = app
        .json(
            "POST",
            "/v1/articles",
            Some(&editor),
            &json!({"headline": "Small", "body": "x"}),
        )
        .await;
    assert_eq!(small.status, 201);
}

/// A server that waits 500 ms for more of a body, and takes two uploads at
/// a time from one address.
fn impatient(app: &TestApp) -> TestApp {
    app.replica(|c| {
        c.body_idle_timeout = Duration::from_millis(500);
        c.uploads_per_address = 2;
    })
}

/// From the loopback address `local`: starts a sign-in whose body never
/// comes whole, and answers what the server said and when.
fn trickle(local: [u8; 4], server: String) -> (String, Duration) {
    use std::io::{Read, Write};
    let addr: std::net::SocketAddr = server.trim_start_matches("http://").parse().unwrap();
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::from((local, 0)).into())
        .unwrap();
    socket.connect(&addr.into()).unwrap();
    let mut stream: std::net::TcpStream = socket.into();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let started = Instant::now();
    stream
        .write_all(b"POST /v1/auth/token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\ngrant")
        .unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (
        String::from_utf8_lossy(&answer).to_string(),
        started.elapsed(),
    )
}

/// A body trickled in is cut off.
async fn a_trickled_body_is_cut_off_with_408(app: TestApp) {
    let app = impatient(&app);
    let server = app.address.clone();
    let (answer, took) = actix_web::web::block(move || trickle([127, 0, 0, 4], server))
        .await
        .unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(took < Duration::from_secs(5), "cut off after {took:?}");
}

/// Two slow uploads from 127.0.0.5 (its share) held open while `check`
/// runs; each is cut off with 408 in the end.
async fn with_two_slow_uploads<F: std::future::Future<Output = ()>>(
    server: &str,
    check: impl FnOnce() -> F,
) {
    let mut held = Vec::new();
    for _ in 0..2 {
        let s = server.to_string();
        held.push(std::thread::spawn(move || trickle([127, 0, 0, 5], s)));
    }
    actix_web::rt::time::sleep(Duration::from_millis(150)).await;
    check().await;
    for h in held {
        let (answer, _) = h.join().unwrap();
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    }
}

/// An incomplete sign-in sent from `local`; answers the status.
async fn sign_in_from(local: [u8; 4], server: &str) -> crate::helpers::RawReply {
    let s = server.to_string();
    actix_web::web::block(move || {
        raw_from(
            local,
            &s,
            &form_request("/v1/auth/token", "grant_type=password"),
        )
    })
    .await
    .unwrap()
}

/// Two slow uploads from one address are its share; a third is refused.
async fn a_third_upload_from_one_address_is_429(app: TestApp) {
    let app = impatient(&app);
    let server = app.address.clone();
    with_two_slow_uploads(&server, || async {
        let third = sign_in_from([127, 0, 0, 5], &server).await;
        assert_eq!(third.status, 429, "{}", third.head);
    })
    .await;
}

async fn other_addresses_are_served_while_one_holds_its_share(app: TestApp) {
    let app = impatient(&app);
    let server = app.address.clone();
    with_two_slow_uploads(&server, || async {
        let elsewhere = sign_in_from([127, 0, 0, 6], &server).await;
        assert_eq!(elsewhere.status, 400, "other addresses are served");
    })
    .await;
}

/// A body nobody reads (refused before reading, or sent with a GET) is not
/// drained at the client's pace: the connection closes after the answer.
async fn an_unread_body_is_not_drained_at_the_clients_pace(app: TestApp) {
    let app = impatient(&app);
    let server = app.address.clone();
    for head in [
        "POST /v1/articles HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        "GET /v1/sections HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
    ] {
        let s = server.clone();
        let (answer, took) = actix_web::web::block(move || {
            use std::io::{Read, Write};
            let mut stream = std::net::TcpStream::connect(s.trim_start_matches("http://")).unwrap();
            stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            stream.write_all(head.as_bytes()).unwrap();
            let mut writer = stream.try_clone().unwrap();
            let started = Instant::now();
            std::thread::spawn(move || {
                for _ in 0..40 {
                    if writer.write_all(b"1\r\nx\r\n").is_err() {
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(300));
                }
            });
            let mut answer = Vec::new();
            let _ = stream.read_to_end(&mut answer);
            (String::from_utf8_lossy(&answer).to_string(), started.elapsed())
        })
        .await
        .unwrap();
        assert!(answer.starts_with("HTTP/1.1"), "{answer}");
        assert!(took < Duration::from_secs(5), "{head}: held open {took:?}: {answer}");
    }
}

backend_tests!(
    a_trickled_body_is_cut_off_with_408,
    a_third_upload_from_one_address_is_429,
    other_addresses_are_served_while_one_holds_its_share,
    an_unread_body_is_not_drained_at_the_clients_pace,
);
