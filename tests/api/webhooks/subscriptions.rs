//! Managing subscriptions: admins only, secrets shown once, URLs that could
//! reach private networks refused (when saved and when sent), and bad
//! input answered with problems that name the field. These apps keep the
//! production default: private targets refused.

use serde_json::{json, Value};

use super::{deliveries, eventually, publish, subscribe, Receiver};
use crate::backend_tests;
use crate::helpers::TestApp;

/// A public address nothing here sends to (no story is published while a
/// subscription to it exists).
const PUBLIC_URL: &str = "https://93.184.216.34/hooks";

fn field_errors(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

async fn only_admins_manage_subscriptions(app: TestApp) {
    let editor = app.token("editor").await;
    let anonymous = app.get("/v1/webhooks").await;
    anonymous.problem(401);
    app.authed("GET", "/v1/webhooks", &editor)
        .await
        .problem(403);
    let create = app
        .json(
            "POST",
            "/v1/webhooks",
            Some(&editor),
            &json!({"url": PUBLIC_URL}),
        )
        .await;
    create.problem(403);
    let admin = app.token("admin").await;
    let created = subscribe(&app, &admin, PUBLIC_URL, json!({})).await;
    let id = created["webhook"]["id"].as_str().unwrap();
    for path in [
        format!("/v1/webhooks/{id}"),
        format!("/v1/webhooks/{id}/deliveries"),
    ] {
        app.authed("GET", &path, &editor).await.problem(403);
        assert_eq!(app.authed("GET", &path, &admin).await.status, 200);
    }
    let rotate = format!("/v1/webhooks/{id}/rotate-secret");
    app.authed("POST", &rotate, &editor).await.problem(403);
    app.authed("DELETE", &format!("/v1/webhooks/{id}"), &editor)
        .await
        .problem(403);
}

async fn the_secret_is_shown_on_creation_and_rotation_only(app: TestApp) {
    let admin = app.token("admin").await;
    let created = subscribe(
        &app,
        &admin,
        PUBLIC_URL,
        json!({"event_types": ["article.published", "article.unpublished"]}),
    )
    .await;
    let secret = created["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let hook = &created["webhook"];
    assert_eq!(hook["url"], PUBLIC_URL);
    assert_eq!(hook["audience"], "public");
    assert_eq!(hook["active"], true);
    assert_eq!(
        hook["event_types"],
        json!(["article.published", "article.unpublished"])
    );
    let id = hook["id"].as_str().unwrap().to_string();

    let rotated = app
        .authed("POST", &format!("/v1/webhooks/{id}/rotate-secret"), &admin)
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text());
    assert_eq!(rotated.header("cache-control").as_deref(), Some("no-store"));
    let rotated = rotated.json();
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    assert!(new_secret.starts_with("whsec_"));
    assert_ne!(new_secret, secret);
    assert!(rotated["webhook"]["previous_secret_expires_at"].is_string());

    // Nothing else ever shows either secret, or any secret at all.
    for path in [
        "/v1/webhooks".to_string(),
        format!("/v1/webhooks/{id}"),
        format!("/v1/webhooks/{id}/deliveries"),
    ] {
        let reply = app.authed("GET", &path, &admin).await;
        assert_eq!(reply.status, 200);
        let text = reply.text();
        assert!(!text.contains("whsec_"), "{path} shows a secret: {text}");
        assert!(!text.contains(&secret[6..]) && !text.contains(&new_secret[6..]));
    }
    let changed = app
        .json(
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            Some(&admin),
            &json!({"description": "Renamed"}),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    assert!(!changed.text().contains("whsec_"));
    assert_eq!(changed.json()["description"], "Renamed");
}

async fn urls_that_could_reach_private_networks_get_422_on_url(app: TestApp) {
    let admin = app.token("admin").await;
    for url in [
        "http://127.0.0.1:8080/hooks",
        "http://localhost/hooks",
        "http://[::1]/hooks",
        "http://10.0.0.7/hooks",
        "http://192.168.1.20/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/hooks",
        "http://0.0.0.0/hooks",
        "ftp://93.184.216.34/hooks",
        "not a url",
        "https://user:pass@93.184.216.34/hooks",
    ] {
        let reply = app
            .json("POST", "/v1/webhooks", Some(&admin), &json!({"url": url}))
            .await;
        let body = reply.problem(422);
        assert_eq!(field_errors(&body), ["url"], "{url}: {body}");
    }
    // The same on a change of URL.
    let created = subscribe(&app, &admin, PUBLIC_URL, json!({})).await;
    let id = created["webhook"]["id"].as_str().unwrap();
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            Some(&admin),
            &json!({"url": "http://127.0.0.1/hooks"}),
        )
        .await;
    assert_eq!(field_errors(&reply.problem(422)), ["url"]);
    let listed = app.authed("GET", "/v1/webhooks", &admin).await.json();
    assert_eq!(listed["data"].as_array().unwrap().len(), 1, "none added");
    assert_eq!(listed["data"][0]["url"], PUBLIC_URL, "none changed");
}

/// A URL that reached the database some other way (or a name that points
/// somewhere private later) is refused again when a delivery connects.
async fn a_private_target_is_refused_again_when_sending(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, PUBLIC_URL, json!({})).await;
    let id = created["webhook"]["id"].as_str().unwrap().to_string();
    // Pointed at the receiver behind the API's back: by address, and by a
    // name that resolves to loopback.
    let by_name = receiver.url.replace("127.0.0.1", "localhost");
    let second = subscribe(&app, &admin, PUBLIC_URL, json!({})).await;
    let second_id = second["webhook"]["id"].as_str().unwrap().to_string();
    app.with_db(|conn| {
        use byline::schema::webhook_subscriptions as s;
        use diesel::prelude::*;
        diesel::update(s::table.find(&id))
            .set(s::url.eq(&receiver.url))
            .execute(conn)?;
        diesel::update(s::table.find(&second_id))
            .set(s::url.eq(&by_name))
            .execute(conn)?;
        Ok(())
    });
    publish(&app, &editor, "Nothing reaches a private address").await;
    for (hook, why) in [(&id, "private address"), (&second_id, "no public address")] {
        let log = eventually(
            "a refused attempt",
            std::time::Duration::from_secs(20),
            || {
                let (app, admin, hook) = (&app, &admin, hook.clone());
                async move {
                    let log = deliveries(app, admin, &hook).await;
                    let attempts = log.first()?["log"].as_array()?.clone();
                    (!attempts.is_empty()).then_some(attempts)
                }
            },
        )
        .await;
        let error = log[0]["error"].as_str().unwrap_or_default();
        assert!(error.contains(why), "{hook}: {error}");
        assert!(log[0]["status_code"].is_null());
    }
    assert!(receiver.seen().is_empty(), "nothing reached the receiver");
}

async fn bad_subscriptions_get_problems_naming_the_field(app: TestApp) {
    let admin = app.token("admin").await;
    let cases = [
        (
            json!({"url": PUBLIC_URL, "event_types": ["article.exploded"]}),
            "event_types",
        ),
        // The public never sees a draft's creation.
        (
            json!({"url": PUBLIC_URL, "event_types": ["article.created"]}),
            "event_types",
        ),
        (
            json!({"url": PUBLIC_URL, "audience": "everyone"}),
            "audience",
        ),
        (
            json!({"url": PUBLIC_URL, "description": "x".repeat(501)}),
            "description",
        ),
        (json!({"url": PUBLIC_URL, "secret": "whsec_mine"}), "secret"),
        (json!({}), "url"),
    ];
    for (body, field) in cases {
        let reply = app.json("POST", "/v1/webhooks", Some(&admin), &body).await;
        let problem = reply.problem(422);
        assert!(
            field_errors(&problem).contains(&field.to_string()),
            "{body}: {problem}"
        );
    }
    // A newsroom audience may ask for every type.
    let newsroom = subscribe(
        &app,
        &admin,
        PUBLIC_URL,
        json!({"audience": "newsroom", "event_types": ["article.created"]}),
    )
    .await;
    let id = newsroom["webhook"]["id"].as_str().unwrap().to_string();
    // Turning it public while it asks for a newsroom type is refused.
    let reply = app
        .json(
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            Some(&admin),
            &json!({"audience": "public"}),
        )
        .await;
    assert_eq!(field_errors(&reply.problem(422)), ["event_types"]);
    // Unknown ids are 404; a bad delivery id too.
    let missing = "00000000-0000-0000-0000-000000000000";
    for (method, path) in [
        ("GET", format!("/v1/webhooks/{missing}")),
        ("DELETE", format!("/v1/webhooks/{missing}")),
        ("POST", format!("/v1/webhooks/{missing}/rotate-secret")),
        ("GET", format!("/v1/webhooks/{missing}/deliveries")),
        ("POST", format!("/v1/webhooks/{id}/deliveries/12345/replay")),
        ("POST", format!("/v1/webhooks/{id}/deliveries/abc/replay")),
    ] {
        app.authed(method, &path, &admin).await.problem(404);
    }
    for query in ["before=abc", "before=0", "status=lost", "limit=0"] {
        let path = format!("/v1/webhooks/{id}/deliveries?{query}");
        app.authed("GET", &path, &admin).await.problem(400);
    }
    let resend = format!("/v1/webhooks/{id}/replay");
    let reply = app
        .json("POST", &resend, Some(&admin), &json!({"after": -1}))
        .await;
    assert_eq!(field_errors(&reply.problem(422)), ["after"]);
    let reply = app
        .json("POST", &resend, Some(&admin), &json!({"after": "soon"}))
        .await;
    assert!(field_errors(&reply.problem(422)).contains(&"after".to_string()));
    // Deleting works once.
    let path = format!("/v1/webhooks/{id}");
    assert_eq!(app.authed("DELETE", &path, &admin).await.status, 204);
    app.authed("GET", &path, &admin).await.problem(404);
}

backend_tests!(
    only_admins_manage_subscriptions,
    the_secret_is_shown_on_creation_and_rotation_only,
    urls_that_could_reach_private_networks_get_422_on_url,
    a_private_target_is_refused_again_when_sending,
    bad_subscriptions_get_problems_naming_the_field,
);
