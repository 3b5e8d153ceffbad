//! Deliveries: signed as Standard Webhooks has it (checked by its Python
//! library), retried until the receiver takes them, failed and disabled
//! when it never does, in order per story, unhindered by a slow receiver,
//! and replayable from the delivery log.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{deliveries, eventually, publish, subscribe, verify, Captured, Receiver};
use crate::backend_tests;
use crate::helpers::TestApp;

const WAIT: Duration = Duration::from_secs(30);

async fn hook(app: &TestApp, admin: &str, id: &str) -> Value {
    let reply = app
        .authed("GET", &format!("/v1/webhooks/{id}"), admin)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text());
    reply.json()
}

fn id_of(created: &Value) -> String {
    created["webhook"]["id"].as_str().unwrap().to_string()
}

async fn deliveries_are_signed_as_standard_webhooks_has_it(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, &receiver.url, json!({})).await;
    let secret = created["secret"].as_str().unwrap().to_string();
    let story = publish(&app, &editor, "Signed, sealed, delivered").await;

    let seen = receiver
        .wait_until("the first delivery", WAIT, |s| !s.is_empty())
        .await;
    assert_eq!(seen.len(), 1, "one event, one delivery");
    let first = &seen[0];
    assert_eq!(first.headers["content-type"], "application/json");
    assert!(first.headers["webhook-signature"].starts_with("v1,"));
    let stamp: i64 = first.headers["webhook-timestamp"].parse().unwrap();
    assert!((stamp - chrono::Utc::now().timestamp()).abs() < 60);
    let payload = first.json();
    assert_eq!(payload["type"], "article.published");
    assert!(payload["timestamp"].is_string());
    let event = &payload["data"];
    assert_eq!(first.id(), event["id"].as_str().unwrap());
    assert_eq!(event["resource"]["id"], story["id"]);
    assert_eq!(event["data"]["headline"], "Signed, sealed, delivered");
    assert!(event["keys"]
        .as_array()
        .unwrap()
        .contains(&json!(format!("article:{}", story["id"].as_str().unwrap()))));

    // The reference library accepts it; a changed body or another secret
    // it refuses, so the check can fail.
    let mut tampered = first.clone();
    tampered.body = tampered.body.replace("sealed", "unsealed");
    let results = verify(&secret, &[first.clone(), tampered.clone()]);
    assert_eq!(results[0], json!(true), "{results:?}");
    assert_ne!(results[1], json!(true));
    let other = app.token("admin").await;
    let stranger = subscribe(
        &app,
        &other,
        "https://93.184.216.34/x",
        json!({"active": false}),
    )
    .await;
    let wrong = verify(
        stranger["secret"].as_str().unwrap(),
        std::slice::from_ref(first),
    );
    assert_ne!(wrong[0], json!(true));

    // During a rotation each delivery carries both signatures: receivers
    // holding either secret accept it.
    let id = id_of(&created);
    let rotated = app
        .authed("POST", &format!("/v1/webhooks/{id}/rotate-secret"), &admin)
        .await
        .json();
    let new_secret = rotated["secret"].as_str().unwrap().to_string();
    publish(&app, &editor, "After the rotation").await;
    let seen = receiver
        .wait_until("the second delivery", WAIT, |s| {
            s.iter().any(|c| c.headline() == "After the rotation")
        })
        .await;
    let second: Vec<Captured> = seen
        .into_iter()
        .filter(|c| c.headline() == "After the rotation")
        .collect();
    let signatures: Vec<&str> = second[0].headers["webhook-signature"].split(' ').collect();
    assert_eq!(signatures.len(), 2, "{signatures:?}");
    assert_eq!(verify(&new_secret, &second[..1]), [json!(true)]);
    assert_eq!(verify(&secret, &second[..1]), [json!(true)]);
}

async fn a_receiver_failing_the_first_n_times_gets_the_event_by_retries(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    receiver.behaviour.fail_first.store(3, Ordering::SeqCst);
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, &receiver.url, json!({})).await;
    publish(&app, &editor, "Fourth time lucky").await;
    let seen = receiver
        .wait_until("a delivery accepted", WAIT, |s| {
            s.iter().any(|c| c.status < 300)
        })
        .await;
    assert_eq!(seen.len(), 4, "three failures, then one success");
    assert!(seen
        .iter()
        .all(|c| c.id() == seen[0].id() && c.body == seen[0].body));
    assert_eq!(
        seen.iter().map(|c| c.status).collect::<Vec<_>>(),
        [500, 500, 500, 204]
    );
    let id = id_of(&created);
    let log = eventually("the log to show it delivered", WAIT, || {
        let (app, admin, id) = (&app, &admin, id.clone());
        async move {
            let log = deliveries(app, admin, &id).await;
            (log.first()?["status"] == "delivered").then_some(log)
        }
    })
    .await;
    assert_eq!(log.len(), 1);
    let delivery = &log[0];
    assert_eq!(delivery["attempts"], 4);
    assert_eq!(delivery["message_id"], seen[0].id());
    let attempts = delivery["log"].as_array().unwrap();
    let codes: Vec<i64> = attempts
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 500, 500, 204]);
    assert_eq!(attempts[0]["response"], "the receiver is down for a test");
    assert!(attempts
        .iter()
        .all(|a| a["latency_ms"].as_i64().unwrap() >= 0));
    // A success clears the failing streak.
    let after = hook(&app, &admin, &id).await;
    assert!(after["failing_since"].is_null());
    assert_eq!(after["active"], true);
}

async fn a_receiver_that_never_answers_well_is_failed_then_disabled(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    receiver.behaviour.always_fail.store(true, Ordering::SeqCst);
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, &receiver.url, json!({})).await;
    let id = id_of(&created);
    publish(&app, &editor, "Nobody is listening").await;
    let started = Instant::now();
    // Eight attempts, then the delivery is failed for good.
    let log = eventually("the delivery to fail", WAIT, || {
        let (app, admin, id) = (&app, &admin, id.clone());
        async move {
            let log = deliveries(app, admin, &id).await;
            (log.first()?["status"] == "failed").then_some(log)
        }
    })
    .await;
    assert_eq!(log[0]["attempts"], 8);
    assert_eq!(log[0]["log"].as_array().unwrap().len(), 8);
    assert!(log[0]["finished_at"].is_string());
    assert!(log[0]["next_attempt_at"].is_null());
    assert_eq!(receiver.seen().len(), 8, "each attempt reached it");
    let failing = hook(&app, &admin, &id).await;
    assert!(failing["failing_since"].is_string(), "{failing}");

    // Failing for longer than allowed (two seconds here, five days by
    // default), the next failure disables the subscription.
    let left = Duration::from_millis(2200).saturating_sub(started.elapsed());
    actix_web::rt::time::sleep(left).await;
    publish(&app, &editor, "Still nobody").await;
    let off = eventually("the subscription to be disabled", WAIT, || async {
        let h = hook(&app, &admin, &id).await;
        (h["active"] == false).then_some(h)
    })
    .await;
    assert!(off["disabled_at"].is_string());
    assert!(off["disabled_reason"]
        .as_str()
        .unwrap()
        .contains("failed since"));
    // While disabled nothing is sent; events keep their place.
    let sent = receiver.seen().len();
    publish(&app, &editor, "Written while it was off").await;
    actix_web::rt::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.seen().len(), sent);

    // Fixed and turned back on: what waited and what it missed arrive,
    // and the failed delivery can be replayed from the log.
    receiver
        .behaviour
        .always_fail
        .store(false, Ordering::SeqCst);
    let on = app
        .json(
            "PATCH",
            &format!("/v1/webhooks/{id}"),
            Some(&admin),
            &json!({"active": true}),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.text());
    assert!(on.json()["disabled_at"].is_null());
    receiver
        .wait_until("the waiting and missed events", WAIT, |s| {
            ["Still nobody", "Written while it was off"]
                .iter()
                .all(|h| s.iter().any(|c| c.status < 300 && c.headline() == *h))
        })
        .await;
    let failed = log[0]["id"].as_i64().unwrap();
    let replay = format!("/v1/webhooks/{id}/deliveries/{failed}/replay");
    let queued = app.authed("POST", &replay, &admin).await;
    assert_eq!(queued.status, 202, "{}", queued.text());
    assert_eq!(queued.json()["status"], "pending");
    receiver
        .wait_until("the replayed delivery", WAIT, |s| {
            s.iter()
                .any(|c| c.status < 300 && c.headline() == "Nobody is listening")
        })
        .await;
    let replayed = receiver
        .accepted()
        .into_iter()
        .find(|c| c.headline() == "Nobody is listening")
        .unwrap();
    assert_eq!(replayed.id(), log[0]["message_id"].as_str().unwrap());
    let log = eventually("every delivery delivered", WAIT, || {
        let (app, admin, id) = (&app, &admin, id.clone());
        async move {
            let log = deliveries(app, admin, &id).await;
            log.iter()
                .all(|d| d["status"] == "delivered")
                .then_some(log)
        }
    })
    .await;
    assert_eq!(log.len(), 3);
    // The replayed delivery keeps its eight failed attempts in the log.
    let first = log.iter().find(|d| d["id"] == failed).unwrap();
    assert_eq!(first["log"].as_array().unwrap().len(), 9);
    assert_eq!(first["attempts"], 1, "a fresh set of retries");
}

async fn a_public_subscription_gets_public_events_only(app: TestApp) {
    app.taxonomy();
    let public = Receiver::start();
    let newsroom = Receiver::start();
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    subscribe(&app, &admin, &public.url, json!({})).await;
    subscribe(&app, &admin, &newsroom.url, json!({"audience": "newsroom"})).await;
    // A draft, published, then archived with a reason in its body.
    let mut draft = crate::helpers::story_json("Secret draft headline");
    draft["standfirst"] = json!("Internal: legal review pending");
    draft["tags"] = json!(["alpha"]);
    let created = app
        .json("POST", "/v1/articles", Some(&editor), &draft)
        .await;
    assert_eq!(created.status, 201);
    let slug = created.json()["slug"].as_str().unwrap().to_string();
    let path = format!("/v1/articles/{slug}");
    for change in [
        json!({"status": "published"}),
        json!({"status": "archived"}),
    ] {
        let reply = app.json("PATCH", &path, Some(&editor), &change).await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    let types = |seen: &[Captured]| -> Vec<String> {
        seen.iter()
            .filter(|c| c.status < 300)
            .map(|c| c.json()["type"].as_str().unwrap().to_string())
            .collect()
    };
    let seen = newsroom
        .wait_until("the newsroom's three events", WAIT, |s| s.len() >= 3)
        .await;
    assert_eq!(
        types(&seen),
        ["article.created", "article.published", "article.archived"]
    );
    let seen = public
        .wait_until("the public's two events", WAIT, |s| s.len() >= 2)
        .await;
    assert_eq!(types(&seen), ["article.published", "article.unpublished"]);
    // The tombstone says it left, and nothing else.
    let tombstone = &seen[1].json()["data"]["data"];
    let members: Vec<&String> = tombstone.as_object().unwrap().keys().collect();
    assert!(
        members.iter().all(|m| ["id", "slug"].contains(&m.as_str())),
        "{tombstone}"
    );
    assert!(!seen[1].body.contains("legal review"));
    assert!(!seen[1].body.contains("archived"));
}

async fn events_of_one_story_arrive_in_order(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    // Every message fails once: with retries in flight, a later event of
    // the same story must still wait for the earlier one.
    receiver
        .behaviour
        .fail_each_first
        .store(true, Ordering::SeqCst);
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    subscribe(&app, &admin, &receiver.url, json!({"audience": "newsroom"})).await;
    let story = publish(&app, &editor, "Version 0").await;
    let slug = story["slug"].as_str().unwrap().to_string();
    let path = format!("/v1/articles/{slug}");
    for n in 1..=6 {
        let reply = app
            .json(
                "PATCH",
                &path,
                Some(&editor),
                &json!({"headline": format!("Version {n}")}),
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.text());
    }
    let seen = receiver
        .wait_until("seven events accepted", WAIT, |s| {
            s.iter().filter(|c| c.status < 300).count() >= 7
        })
        .await;
    assert!(seen
        .iter()
        .all(|c| c.json()["data"]["resource"]["id"] == story["id"]));
    let order: Vec<i64> = seen
        .iter()
        .filter(|c| c.status < 300)
        .map(|c| c.json()["data"]["seq"].as_i64().unwrap())
        .collect();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(order, sorted, "accepted in log order");
    // And no event was even tried before the one before it was accepted.
    let mut accepted_through = 0;
    for c in &seen {
        let seq = c.json()["data"]["seq"].as_i64().unwrap();
        assert!(
            seq > accepted_through,
            "{seq} tried after {accepted_through} was accepted"
        );
        if c.status < 300 {
            accepted_through = seq;
        }
    }
}

async fn a_slow_receiver_delays_neither_others_nor_the_api(app: TestApp) {
    app.taxonomy();
    let slow = Receiver::start();
    slow.behaviour.delay_ms.store(2500, Ordering::SeqCst);
    let fast = Receiver::start();
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    subscribe(&app, &admin, &slow.url, json!({})).await;
    subscribe(&app, &admin, &fast.url, json!({})).await;
    for n in 0..12 {
        publish(&app, &editor, &format!("Story number {n}")).await;
    }
    fast.wait_until("all twelve at the fast receiver", WAIT, |s| s.len() >= 12)
        .await;
    // The slow one holds each answer 2.5 s, eight at a time at most: it
    // cannot have answered all twelve yet.
    let slow_answered = slow.seen().len();
    assert!(
        slow_answered < 12,
        "the fast receiver waited for the slow one ({slow_answered} sent to it)"
    );
    assert_eq!(app.get("/healthz").await.status, 200);
    slow.wait_until("all twelve at the slow receiver", WAIT, |s| s.len() >= 12)
        .await;
}

async fn events_since_a_cursor_can_be_sent_again(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, &receiver.url, json!({})).await;
    let id = id_of(&created);
    let start = created["webhook"]["cursor"].as_i64().unwrap();
    for n in 0..3 {
        publish(&app, &editor, &format!("Resend me {n}")).await;
    }
    let first = receiver
        .wait_until("three deliveries", WAIT, |s| s.len() >= 3)
        .await;
    let path = format!("/v1/webhooks/{id}/replay");
    let reply = app
        .json("POST", &path, Some(&admin), &json!({"after": start}))
        .await;
    assert_eq!(reply.status, 202, "{}", reply.text());
    let queued = reply.json();
    assert_eq!(queued["queued"], 3, "{queued}");
    assert_eq!(queued["more"], false);
    let all = receiver
        .wait_until("three more deliveries", WAIT, |s| s.len() >= 6)
        .await;
    let ids =
        |list: &[Captured]| -> Vec<String> { list.iter().map(|c| c.id().to_string()).collect() };
    // The same messages (same webhook-id and body) again, in order.
    assert_eq!(ids(&all[3..]), ids(&first[..3]));
    assert_eq!(all[3].body, first[0].body);
    // A cursor past the log's end names nothing this database wrote.
    let reply = app
        .json("POST", &path, Some(&admin), &json!({"after": 1_000_000}))
        .await;
    reply.problem(404);
}

async fn any_answer_a_receiver_gives_is_logged(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    receiver
        .behaviour
        .binary_answer
        .store(true, Ordering::SeqCst);
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, &receiver.url, json!({})).await;
    let id = id_of(&created);
    publish(&app, &editor, "Answered in bytes").await;
    let log = eventually("the delivery logged", WAIT, || {
        let (app, admin, id) = (&app, &admin, id.clone());
        async move {
            let log = deliveries(app, admin, &id).await;
            (log.first()?["status"] == "delivered").then_some(log)
        }
    })
    .await;
    let attempt = &log[0]["log"][0];
    assert_eq!(attempt["status_code"], 200);
    let answer = attempt["response"].as_str().unwrap();
    assert!(
        answer.starts_with("ok") && answer.ends_with(" done"),
        "{answer:?}"
    );
    assert!(!answer.contains('\0'));
    assert_eq!(receiver.seen().len(), 1, "sent once, not again and again");
}

async fn changing_the_audience_drops_what_was_written_for_the_old_one(app: TestApp) {
    app.taxonomy();
    let receiver = Receiver::start();
    receiver.behaviour.always_fail.store(true, Ordering::SeqCst);
    let admin = app.token("admin").await;
    let editor = app.token("editor").await;
    let created = subscribe(&app, &admin, &receiver.url, json!({"audience": "newsroom"})).await;
    let id = id_of(&created);
    let mut draft = crate::helpers::story_json("An internal draft");
    draft["tags"] = json!(["alpha"]);
    let reply = app
        .json("POST", "/v1/articles", Some(&editor), &draft)
        .await;
    assert_eq!(reply.status, 201);
    receiver
        .wait_until("a first failed attempt", WAIT, |s| !s.is_empty())
        .await;
    let path = format!("/v1/webhooks/{id}");
    let changed = app
        .json("PATCH", &path, Some(&admin), &json!({"audience": "public"}))
        .await;
    assert_eq!(changed.status, 200, "{}", changed.text());
    receiver
        .behaviour
        .always_fail
        .store(false, Ordering::SeqCst);
    let log = deliveries(&app, &admin, &id).await;
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["status"], "failed", "{log:?}");
    // It cannot be replayed to the public audience either.
    let delivery = log[0]["id"].as_i64().unwrap();
    app.authed(
        "POST",
        &format!("/v1/webhooks/{id}/deliveries/{delivery}/replay"),
        &admin,
    )
    .await
    .problem(409);
    // What the public may see still arrives.
    publish(&app, &editor, "A public story").await;
    let seen = receiver
        .wait_until("the public story", WAIT, |s| {
            s.iter().any(|c| c.status < 300)
        })
        .await;
    assert!(seen
        .iter()
        .all(|c| !c.body.contains("An internal draft") || c.status >= 300));
    assert!(seen
        .iter()
        .filter(|c| c.status < 300)
        .all(|c| c.headline() == "A public story"));
}

backend_tests!(
    config = crate::webhooks::quick;
    any_answer_a_receiver_gives_is_logged,
    changing_the_audience_drops_what_was_written_for_the_old_one,
    deliveries_are_signed_as_standard_webhooks_has_it,
    a_receiver_failing_the_first_n_times_gets_the_event_by_retries,
    a_receiver_that_never_answers_well_is_failed_then_disabled,
    a_public_subscription_gets_public_events_only,
    events_of_one_story_arrive_in_order,
    a_slow_receiver_delays_neither_others_nor_the_api,
    events_since_a_cursor_can_be_sent_again,
);
