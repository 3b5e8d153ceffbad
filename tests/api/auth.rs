//! Tokens: who gets one, and which ones are refused.

use base64::Engine;
use byline::auth::{Claims, Role};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use secrecy::ExposeSecret;
use serde_json::json;

use crate::backend_tests;
use crate::helpers::{Backend, TestApp};

const DRAFT: &str = "/v1/articles";

fn draft_body() -> serde_json::Value {
    json!({"headline": "A test story", "body": "<p>Words.</p>"})
}

async fn password_grant_gives_access_and_refresh_tokens(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let reply = app.sign_in(&email, &password).await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("cache-control").as_deref(), Some("no-store"));
    let body = reply.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 900);
    assert_eq!(body["role"], "editor");
    assert!(body["refresh_token"].as_str().unwrap().len() >= 40);
    // The same grant as JSON, with the email in any case.
    let reply = app
        .send(
            "POST",
            "/v1/auth/token",
            &[("Content-Type", "application/json")],
            Some(json!({"grant_type": "password", "email": email.to_uppercase(), "password": password}).to_string().into_bytes()),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let token = reply.json()["access_token"].as_str().unwrap().to_string();
    let created = app.json("POST", DRAFT, Some(&token), &draft_body()).await;
    assert_eq!(created.status, 201, "{}", created.text());
}

async fn wrong_password_and_unknown_email_look_the_same(app: TestApp) {
    let (email, _) = app.person("editor", None);
    let wrong = app
        .sign_in(&email, "not the password at all")
        .await
        .problem(400);
    let unknown = app
        .sign_in("nobody@newsroom.example", "not the password at all")
        .await
        .problem(400);
    assert_eq!(wrong["error"], "invalid_grant");
    assert_eq!(wrong["detail"], unknown["detail"]);
    assert_eq!(wrong["code"], unknown["code"]);
}

async fn client_credentials_for_newsroom_tools(app: TestApp) {
    let creds = app.with_db(|conn| {
        byline::accounts::create_integration(
            conn,
            &byline::accounts::NewIntegration {
                name: "Wire".into(),
                role: Some(byline::auth::Role::Editor),
                author: None,
            },
            Default::default(),
        )
        .map_err(|e| anyhow::anyhow!("{e}"))
    });
    let reply = app
        .client_token(&creds.client_id, &creds.client_secret)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert!(
        reply.json().get("refresh_token").is_none(),
        "tools get no refresh token"
    );
    // HTTP Basic works too.
    let basic = base64::engine::general_purpose::STANDARD
        .encode(format!("{}:{}", creds.client_id, creds.client_secret));
    let reply = app
        .send(
            "POST",
            "/v1/auth/token",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Authorization", &format!("Basic {basic}")),
            ],
            Some(b"grant_type=client_credentials".to_vec()),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    let problem = app
        .client_token(&creds.client_id, "wrong")
        .await
        .problem(401);
    assert_eq!(problem["error"], "invalid_client");
}

async fn refresh_tokens_rotate_and_reuse_signs_out(app: TestApp) {
    let (email, password) = app.person("author", None);
    let first = app.sign_in(&email, &password).await.json();
    let refresh = |token: String| {
        let app = &app;
        async move {
            app.form(
                "/v1/auth/token",
                format!("grant_type=refresh_token&refresh_token={token}").into_bytes(),
            )
            .await
        }
    };
    let r1 = first["refresh_token"].as_str().unwrap().to_string();
    let second = refresh(r1.clone()).await;
    assert_eq!(second.status, 200, "{}", second.text());
    let second = second.json();
    let r2 = second["refresh_token"].as_str().unwrap().to_string();
    assert_ne!(r1, r2, "each use gives a new refresh token");
    let access = second["access_token"].as_str().unwrap().to_string();
    assert_eq!(
        app.json("POST", DRAFT, Some(&access), &draft_body())
            .await
            .status,
        201
    );
    // Presenting the old one again means it was stolen: the sign-in ends.
    refresh(r1).await.problem(400);
    refresh(r2).await.problem(400);
    app.json("POST", DRAFT, Some(&access), &draft_body())
        .await
        .problem(401);
}

async fn revoke_signs_out(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let tokens = app.sign_in(&email, &password).await.json();
    let access = tokens["access_token"].as_str().unwrap().to_string();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_string();
    let reply = app
        .form("/v1/auth/revoke", format!("token={refresh}").into_bytes())
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    app.json("POST", DRAFT, Some(&access), &draft_body())
        .await
        .problem(401);
    app.form(
        "/v1/auth/token",
        format!("grant_type=refresh_token&refresh_token={refresh}").into_bytes(),
    )
    .await
    .problem(400);
    // Revoking by refresh token, and an unknown one, both answer 200.
    let again = app.sign_in(&email, &password).await.json();
    let body = format!("token={}", again["refresh_token"].as_str().unwrap());
    let reply = app.form("/v1/auth/revoke", body.into_bytes()).await;
    assert_eq!(reply.status, 200);
    let reply = app.form("/v1/auth/revoke", b"token=unknown".to_vec()).await;
    assert_eq!(reply.status, 200);
    // Without a token there is nothing to revoke.
    let problem = app.form("/v1/auth/revoke", Vec::new()).await.problem(400);
    assert_eq!(problem["error"], "invalid_request");
}

fn claims_for(sub: &str, role: Role, exp_offset: i64) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        iss: byline::auth::ISSUER.into(),
        aud: byline::auth::AUDIENCE.into(),
        sub: sub.into(),
        role,
        iat: now - 10,
        exp: now + exp_offset,
        sid: None,
    }
}

async fn forged_and_broken_tokens_are_401(app: TestApp) {
    let (email, password) = app.person("admin", None);
    let good = app.token_of(&email, &password).await;
    let claims: serde_json::Value = {
        let payload = good.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    let sub = claims["sub"].as_str().unwrap().to_string();
    let secret = app.config.jwt_secret.expose_secret().as_bytes().to_vec();
    let sign = |alg: Algorithm, claims: &Claims| {
        encode(
            &Header::new(alg),
            claims,
            &EncodingKey::from_secret(&secret),
        )
        .unwrap()
    };
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let expired = sign(Algorithm::HS256, &claims_for(&sub, Role::Admin, -3600));
    let other_alg = sign(Algorithm::HS512, &claims_for(&sub, Role::Admin, 600));
    let mut wrong_aud = claims_for(&sub, Role::Admin, 600);
    wrong_aud.aud = "someone-else".into();
    let wrong_aud = sign(Algorithm::HS256, &wrong_aud);
    let mut wrong_iss = claims_for(&sub, Role::Admin, 600);
    wrong_iss.iss = "evil".into();
    let wrong_iss = sign(Algorithm::HS256, &wrong_iss);
    let other_key = encode(
        &Header::new(Algorithm::HS256),
        &claims_for(&sub, Role::Admin, 600),
        &EncodingKey::from_secret(b"not the server's secret, not at all"),
    )
    .unwrap();
    let parts: Vec<&str> = good.split('.').collect();
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let mut tampered_claims = claims.clone();
    tampered_claims["sub"] = json!("user:someone-else");
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(tampered_claims.to_string()),
        parts[2]
    );
    let unknown_user = sign(
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
        let reply = app.json("POST", DRAFT, Some(&token), &draft_body()).await;
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
    // No token, and a non-bearer scheme.
    app.json("POST", DRAFT, None, &draft_body())
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
            Some(draft_body().to_string().into_bytes()),
        )
        .await;
    reply.problem(401);
    // A role claimed in the token counts for nothing: the account's role does.
    let contributor = app.token("contributor").await;
    let csub = {
        let payload = contributor.split('.').nth(1).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&b64.decode(payload).unwrap()).unwrap();
        v["sub"].as_str().unwrap().to_string()
    };
    let promoted = sign(Algorithm::HS256, &claims_for(&csub, Role::Admin, 600));
    app.authed("GET", "/v1/users", &promoted).await.problem(403);
}

async fn disabling_and_revoking_end_access_at_once(app: TestApp) {
    let (email, password) = app.person("editor", None);
    let token = app.token_of(&email, &password).await;
    let admin = app.token("admin").await;
    let users = app.authed("GET", "/v1/users", &admin).await.json();
    let id = users["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == email.as_str())
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/users/{id}"),
            Some(&admin),
            &json!({"disabled": true}),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    app.json("POST", DRAFT, Some(&token), &draft_body())
        .await
        .problem(401);
    app.sign_in(&email, &password).await.problem(400);

    let created = app
        .json(
            "POST",
            "/v1/integrations",
            Some(&admin),
            &json!({"name": "Wire", "role": "editor"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let creds = created.json();
    let (id, secret) = (
        creds["client_id"].as_str().unwrap(),
        creds["client_secret"].as_str().unwrap(),
    );
    let tool = app.client_token(id, secret).await.json()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        app.json("POST", DRAFT, Some(&tool), &draft_body())
            .await
            .status,
        201
    );
    let listed = app.authed("GET", "/v1/integrations", &admin).await;
    assert!(
        !listed
            .text()
            .contains(creds["client_secret"].as_str().unwrap()),
        "secrets are never listed"
    );
    let reply = app
        .authed(
            "DELETE",
            &format!("/v1/integrations/{}", creds["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(reply.status, 204);
    app.json("POST", DRAFT, Some(&tool), &draft_body())
        .await
        .problem(401);
    app.client_token(id, secret).await.problem(401);
}

async fn token_endpoint_refuses_bad_requests(app: TestApp) {
    let form = |body: &str| Some(body.as_bytes().to_vec());
    let ct = [("Content-Type", "application/x-www-form-urlencoded")];
    let p = app
        .send("POST", "/v1/auth/token", &ct, form("grant_type=magic"))
        .await
        .problem(400);
    assert_eq!(p["error"], "unsupported_grant_type");
    let p = app
        .send(
            "POST",
            "/v1/auth/token",
            &ct,
            form("grant_type=password&username=a@b.c"),
        )
        .await
        .problem(400);
    assert_eq!(p["error"], "invalid_request");
    app.send(
        "POST",
        "/v1/auth/token",
        &[("Content-Type", "text/plain")],
        form("grant_type=password"),
    )
    .await
    .problem(415);
    app.send(
        "POST",
        "/v1/auth/token",
        &[("Content-Type", "application/json")],
        form("{not json"),
    )
    .await
    .problem(400);
}

/// Every write operation in the spec, with its path parameters filled in.
fn write_operations() -> Vec<(String, String)> {
    let spec: serde_json::Value =
        serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
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

async fn every_write_operation_refuses_bad_tokens_and_low_roles(app: TestApp) {
    app.taxonomy();
    let (email, password) = app.person("admin", None);
    let good = app.token_of(&email, &password).await;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let parts: Vec<&str> = good.split('.').collect();
    let claims: serde_json::Value = serde_json::from_slice(&b64.decode(parts[1]).unwrap()).unwrap();
    let sub = claims["sub"].as_str().unwrap().to_string();
    let secret = app.config.jwt_secret.expose_secret().as_bytes().to_vec();
    let expired = encode(
        &Header::new(Algorithm::HS256),
        &claims_for(&sub, Role::Admin, -3600),
        &EncodingKey::from_secret(&secret),
    )
    .unwrap();
    let none = format!(
        "{}.{}.",
        b64.encode(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64.encode(claims.to_string().replace("admin", "admin ")),
        parts[2]
    );
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
    let author = app.token("author").await;
    let editor = app.token("editor").await;
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
    every_write_operation_refuses_bad_tokens_and_low_roles,
    password_grant_gives_access_and_refresh_tokens,
    wrong_password_and_unknown_email_look_the_same,
    client_credentials_for_newsroom_tools,
    refresh_tokens_rotate_and_reuse_signs_out,
    revoke_signs_out,
    forged_and_broken_tokens_are_401,
    disabling_and_revoking_end_access_at_once,
    token_endpoint_refuses_bad_requests,
);

#[actix_web::test]
async fn token_requests_are_rate_limited() {
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
    // Another account from the same address still has its own allowance,
    // until the address's limit (5) is reached too.
    app.sign_in("other@newsroom.example", "whatever it is")
        .await
        .problem(400);
    app.sign_in("third@newsroom.example", "whatever it is")
        .await
        .problem(429);
}
