//! Issue 17, item 3: a 196-byte rule (five nested `exists` over ten items)
//! once froze the server. It is now refused at validation, naming the
//! service, the condition and the limit, and the server keeps answering
//! while several such dry runs arrive at once. Timings are printed for
//! BENCHMARKS.md, not asserted.

use std::time::{Duration, Instant};

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::catalog_api::{agency_token, put, service};
use crate::helpers::{TestApp, on_both_stores, spawn_app};

on_both_stores!(a_costly_rule_is_refused_and_the_server_keeps_answering);

const ID: &str = "wda.industry_new_talent";

/// Five nested `exists` over a ten-item list literal, never true, so every
/// one of the 100,000 innermost steps would run: 196 bytes.
fn costly_rule() -> String {
    let list = "[1,2,3,4,5,6,7,8,9,10]";
    format!(
        "{list}.exists(a, {list}.exists(b, {list}.exists(c, {list}.exists(d, \
         {list}.exists(e, a + b + c + d + e == -1000)))))"
    )
}

fn with_costly_rule(original: &Value) -> Value {
    let mut changed = original.clone();
    changed["conditions"].as_array_mut().unwrap().push(json!({
        "id": "costly",
        "cel": costly_rule(),
        "explain": {"zh-TW": "昂貴", "en": "Costly"},
    }));
    changed
}

async fn dry_run(app: &TestApp, token: &str, body: &Value) -> (Value, Duration) {
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/api/catalog/validate"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let answer = response.json().await.unwrap();
    (answer, started.elapsed())
}

async fn a_costly_rule_is_refused_and_the_server_keeps_answering(backend: Backend) {
    let app = spawn_app(backend).await;
    let wda = agency_token(&app, "mol.wda").await;
    let original = service(&app, ID).await;
    let attack = with_costly_rule(&original);
    assert_eq!(costly_rule().len(), 196);

    // Refused by the dry run, at its condition, naming the limit.
    let (answer, took) = dry_run(&app, &wda, &attack).await;
    println!("one dry run of the costly rule: {took:?}");
    assert_eq!(answer["valid"], false, "{answer}");
    let at_costly: Vec<&Value> = answer["errors"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["condition"] == "costly")
        .collect();
    assert_eq!(at_costly.len(), 1, "{answer}");
    let reason = at_costly[0]["reason"].as_str().unwrap();
    assert!(reason.contains("over the cost budget"), "{reason}");
    assert!(reason.contains("nested comprehensions 5"), "{reason}");
    assert!(
        answer["problems"].as_array().unwrap().iter().any(|p| p
            .as_str()
            .unwrap()
            .starts_with(&format!("{ID}: condition costly: over the cost budget"))),
        "{answer}"
    );

    // Refused when published, and nothing changes.
    let response = put(&app, &wda, ID, &attack).await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("condition costly: over the cost budget"),
        "{problem}"
    );
    assert_eq!(service(&app, ID).await, original, "nothing changed");

    // Four at once, and the server answers meanwhile.
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let (client, url, token, body) = (
                app.client.clone(),
                app.url("/api/catalog/validate"),
                wda.clone(),
                attack.clone(),
            );
            tokio::spawn(async move {
                let started = Instant::now();
                let response = client
                    .post(url)
                    .bearer_auth(token)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = response.status();
                let answer: Value = response.json().await.unwrap();
                (status, answer["valid"].clone(), started.elapsed())
            })
        })
        .collect();
    let started = Instant::now();
    let health = app
        .client
        .get(app.url("/healthz"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .expect("/healthz answers while the dry runs run");
    let health_took = started.elapsed();
    assert_eq!(health.status(), 200);
    let mut slowest = Duration::ZERO;
    for run in runs {
        let (status, valid, took) = run.await.unwrap();
        assert_eq!(status, 200);
        assert_eq!(valid, false);
        slowest = slowest.max(took);
    }
    println!("four dry runs at once: /healthz {health_took:?}, slowest dry run {slowest:?}");
}
