//! How sign-ins are limited: attempts per account and per address, counted
//! before any password is checked, and members bounded before any work.

use crate::backend_tests;
use crate::helpers::{form_request, post_oversized, raw_from, urlencode, Backend, TestApp};

/// A server allowing 3 attempts per account and 5 per address, and an
/// editor whose 3 attempts went on wrong passwords (a 4th is refused).
async fn account_exhausted() -> TestApp {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.auth_rate_per_account = 3;
        c.auth_rate_per_address = 5;
    })
    .await
    .unwrap();
    let (email, _) = app.person("editor", None);
    for _ in 0..3 {
        app.sign_in(&email, "wrong password, again")
            .await
            .problem(400);
    }
    let reply = app.sign_in(&email, "wrong password, again").await;
    let problem = reply.problem(429);
    assert_eq!(problem["code"], "rate_limited");
    let retry: u64 = reply.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry));
    app
}

#[actix_web::test]
async fn sign_ins_to_one_account_are_rate_limited() {
    account_exhausted().await;
}

/// Another account from the same address still has its own allowance,
/// until the address's limit (5) is reached too.
#[actix_web::test]
async fn an_address_is_rate_limited_across_accounts() {
    let app = account_exhausted().await;
    app.sign_in("other@newsroom.example", "whatever it is")
        .await
        .problem(400);
    app.sign_in("third@newsroom.example", "whatever it is")
        .await
        .problem(429);
}

/// A stranger at 127.0.0.2 guesses an editor's password seven times, with
/// 5 attempts allowed per account; answers the server, the raw request with
/// the right password, and the guesses' statuses.
async fn guessed_at(app: &TestApp) -> (TestApp, Vec<u8>, Vec<u16>) {
    let app = app.replica(|c| c.auth_rate_per_account = 5);
    let (email, password) = app.person("editor", None);
    let server = app.address.clone();
    let guess = form_request(
        "/v1/auth/token",
        &format!(
            "grant_type=password&username={}&password=wrong-guess-123",
            urlencode(&email)
        ),
    );
    let right = form_request(
        "/v1/auth/token",
        &format!(
            "grant_type=password&username={}&password={}",
            urlencode(&email),
            urlencode(&password)
        ),
    );
    let statuses = actix_web::web::block(move || {
        (0..7)
            .map(|_| raw_from([127, 0, 0, 2], &server, &guess).status)
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    (app, right, statuses)
}

async fn guessing_from_one_address_stops_at_the_account_limit(app: TestApp) {
    let (_, _, statuses) = guessed_at(&app).await;
    assert_eq!(&statuses[..5], &[400; 5], "{statuses:?}");
    assert_eq!(&statuses[5..], &[429, 429], "guessing stops: {statuses:?}");
}

/// A stranger's wrong passwords lock out only the stranger's address: the
/// real client signs in from its own.
async fn a_stranger_cannot_lock_out_a_known_client(app: TestApp) {
    let (app, right, _) = guessed_at(&app).await;
    let server = app.address.clone();
    let real = actix_web::web::block(move || raw_from([127, 0, 0, 3], &server, &right))
        .await
        .unwrap();
    assert_eq!(real.status, 200, "the real client signs in: {}", real.body);
}

/// Even from the guessed-at address, after its failures, the limit holds.
async fn the_guessing_address_stays_limited_with_the_right_password(app: TestApp) {
    let (app, right, _) = guessed_at(&app).await;
    let server = app.address.clone();
    let same = actix_web::web::block(move || raw_from([127, 0, 0, 2], &server, &right))
        .await
        .unwrap();
    assert_eq!(same.status, 429);
}

async fn an_overlong_username_is_an_invalid_request(app: TestApp) {
    let long_name = format!("{}@example.com", "a".repeat(300));
    let reply = app
        .form(
            "/v1/auth/token",
            format!("grant_type=password&username={long_name}&password=whatever-long"),
        )
        .await;
    assert_eq!(reply.problem(400)["error"], "invalid_request");
}

async fn an_overlong_client_id_is_an_invalid_request(app: TestApp) {
    let reply = app
        .form(
            "/v1/auth/token",
            format!(
                "grant_type=client_credentials&client_id={}&client_secret=x",
                "c".repeat(500)
            ),
        )
        .await;
    assert_eq!(reply.problem(400)["error"], "invalid_request");
}

async fn a_huge_sign_in_is_413(app: TestApp) {
    let huge = format!(
        "grant_type=password&username={}&password=x",
        "u".repeat(2_000_000)
    );
    let server = app.address.clone();
    let status =
        actix_web::web::block(move || post_oversized(&server, "/v1/auth/token", huge.into_bytes()))
            .await
            .unwrap();
    assert_eq!(status, 413);
}

backend_tests!(
    guessing_from_one_address_stops_at_the_account_limit,
    a_stranger_cannot_lock_out_a_known_client,
    the_guessing_address_stays_limited_with_the_right_password,
    an_overlong_username_is_an_invalid_request,
    an_overlong_client_id_is_an_invalid_request,
    a_huge_sign_in_is_413,
);
