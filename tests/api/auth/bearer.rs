//! Bearer tokens on writes: forged, broken, expired, revoked or missing
//! ones are 401; the account's role, not the token's claim, decides 403.

use byline::auth::Role;
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::json;

use super::{alg_none, claims_for, claims_of, sign, subject_of, with_claims, DRAFT};
use crate::backend_tests;
use crate::helpers::{small_draft, story_json, unsigned_story_json, TestApp};

async fn forged_and_broken_tokens_are_401(app: TestApp) {
    let (email, password) = app.person("admin", None);
    let good = app.token_of(&email, &password).await;
    let claims = claims_of(&good);
    let sub = subject_of(&good);

    let expired = sign(
        &app,
        Algorithm::HS256,
        &claims_for(&sub, Role::Admin, -3600),
    );
    let other_alg = sign(&app, Algorithm::HS512, &claims_for(&sub, Role::Admin, 600));
    let mut wrong_aud = claims_for(&sub, Role::Admin, 600);
    wrong_aud.aud = "someone-else".into();
    let wrong_aud = sign(&app, Algorithm::HS256, &wrong_aud);
    let mut wrong_iss = claims_for(&sub, Role::Admin, 600);
    wrong_iss.iss = "evil".into();
    let wrong_iss = sign(&app, Algorithm::HS256, &wrong_iss);
    let other_key = encode(
        &Header::new(Algorithm::HS256),
        &claims_for(&sub, Role::Admin, 600),
        &EncodingKey::from_secret(b"not the server's secret, not at all"),
    )
    .unwrap();
    let none = alg_none(&good);
    let mut tampered_claims = claims.clone();
    tampered_claims["sub"] = json!("user:someone-else");
    let tampered = with_claims(&good, &tampered_claims.to_string());
    let unknown_user = sign(
        &app,
        Algorithm::HS256,
        &claims_for(
            "user:00000000-0000-0000-0000-000000000000",
            Role::Admin,
            600,
        ),
    );

    for (name, token) in [
        ("expired", expired),
        ("HS512", other_alg),
        ("wrong audience", wrong_aud),
        ("wrong issuer", wrong_iss),
        ("another key", other_key),
        ("alg none", none),
        ("tampered", tampered),
        ("unknown subject", unknown_user),
        ("garbage", "not.a.jwt".to_string()),
    ] {
        let reply = app.json("POST", DRAFT, Some(&token), &small_draft()).await;
        let problem = reply.problem(401);
        assert_eq!(problem["code"], "unauthorized", "{name}");
        assert!(
            reply
                .header("www-authenticate")
                .unwrap()
                .starts_with("Bearer"),
            "{name}"
        );
    }
}

async fn a_missing_or_non_bearer_token_is_401(app: TestApp) {
    app.json("POST", DRAFT, None, &small_draft())
        .await
        .problem(401);
    let reply = app
        .send(
            "POST",
            DRAFT,
            &[
                ("Content-Type", "application/json"),
                ("Authorization", "Basic abc"),
            ],
            Some(small_draft().to_string().into_bytes()),
        )
        .await;
    reply.problem(401);
}

/// A role claimed in the token counts for nothing: the account's role does.
async fn a_role_claimed_in_a_token_counts_for_nothing(app: TestApp) {
    let contributor = app.token("contributor").await;
    let csub = subject_of(&contributor);
    let promoted = sign(&app, Algorithm::HS256, &claims_for(&csub, Role::Admin, 600));
    app.authed("GET", "/v1/users", &promoted).await.problem(403);
}

/// Nothing is written without a token.
async fn nothing_is_written_without_a_token(app: TestApp) {
    app.taxonomy();
    let contributor = app.token("contributor").await;
    let draft = app
        .json(
            "POST",
            "/v1/articles",
            Some(&contributor),
            &unsigned_story_json("Contributed"),
        )
        .await;
    assert_eq!(draft.status, 201, "{}", draft.text());
    for (method, path) in [
        ("POST", "/v1/articles"),
        ("PATCH", "/v1/articles/contributed"),
        ("PUT", "/v1/articles/external/x-1"),
        ("POST", "/v1/sections"),
        ("PATCH", "/v1/tags/alpha"),
        ("POST", "/v1/authors"),
        ("POST", "/v1/users"),
    ] {
        app.json(method, path, None, &story_json("No token"))
            .await
            .problem(401);
    }
    app.request("DELETE", "/v1/articles/contributed", &[])
        .await
        .problem(401);
}

/// Every write operation in the spec, with its path parameters filled in.
fn write_operations() -> Vec<(String, String)> {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../../openapi/openapi.json")).unwrap();
    let mut ops = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_some() && !path.starts_with("/v1/auth/") {
                let concrete = path
                    .split('/')
                    .map(|seg| {
                        if seg.starts_with('{') {
                            "some-thing"
                        } else {
                            seg
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("/");
                ops.push((method.to_uppercase(), concrete));
            }
        }
    }
    assert!(
        ops.len() >= 15,
        "the spec lists the write operations: {ops:?}"
    );
    ops
}

async fn every_write_operation_refuses_bad_tokens(app: TestApp) {
    app.taxonomy();
    let (email, password) = app.person("admin", None);
    let good = app.token_of(&email, &password).await;
    let claims = claims_of(&good);
    let sub = subject_of(&good);
    let expired = sign(
        &app,
        Algorithm::HS256,
        &claims_for(&sub, Role::Admin, -3600),
    );
    let none = alg_none(&good);
    let tampered = with_claims(&good, &claims.to_string().replace("admin", "admin "));
    let (email2, password2) = app.person("admin", None);
    let signed_in = app.sign_in(&email2, &password2).await.json();
    let revoked = signed_in["access_token"].as_str().unwrap().to_string();
    let refresh = signed_in["refresh_token"].as_str().unwrap();
    let reply = app
        .form("/v1/auth/revoke", format!("token={refresh}").into_bytes())
        .await;
    assert_eq!(reply.status, 200);
    let bad: [(&str, Option<&str>); 5] = [
        ("no token", None),
        ("expired", Some(&expired)),
        ("alg none", Some(&none)),
        ("tampered", Some(&tampered)),
        ("revoked", Some(&revoked)),
    ];
    for (method, path) in write_operations() {
        for (name, token) in bad {
            let reply = app.json(&method, &path, token, &json!({})).await;
            assert_eq!(
                reply.status,
                401,
                "{method} {path} with {name}: {}",
                reply.text()
            );
        }
    }
}

async fn every_write_operation_refuses_roles_below_its_own(app: TestApp) {
    app.taxonomy();
    let author = app.token("author").await;
    let editor = app.token("editor").await;
    for (method, path) in write_operations() {
        let (needs, low) = if path.starts_with("/v1/users") || path.starts_with("/v1/integrations")
        {
            ("admin", &editor)
        } else if ["/v1/sections", "/v1/tags", "/v1/authors"]
            .iter()
            .any(|p| path.starts_with(p))
        {
            ("editor", &author)
        } else {
            continue;
        };
        let reply = app.json(&method, &path, Some(low), &json!({})).await;
        assert_eq!(
            reply.status,
            403,
            "{method} {path} needs {needs}: {}",
            reply.text()
        );
    }
}

backend_tests!(
    forged_and_broken_tokens_are_401,
    a_missing_or_non_bearer_token_is_401,
    a_role_claimed_in_a_token_counts_for_nothing,
    nothing_is_written_without_a_token,
    every_write_operation_refuses_bad_tokens,
    every_write_operation_refuses_roles_below_its_own,
);
