//! What the assistant's endpoints refuse: forged returns from
//! the consent screens, bodies too large, too deep or not UTF-8, and
//! dataset names that are paths. Each refusal is a problem and changes
//! nothing.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{TestApp, post_patiently, spawn_app};

async fn status_and_problem(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        kind.starts_with("application/problem+json"),
        "{status} {kind}"
    );
    (status, response.json().await.unwrap())
}

async fn post_bytes(app: &TestApp, path: &str, body: Vec<u8>) -> (u16, Value) {
    let response = app
        .client
        .post(app.url(path))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    status_and_problem(response).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_returns_from_the_consent_screens_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    for query in [
        "",
        "?code=x",
        "?code=x&state=made-up",
        "?error=access_denied&state=made-up",
    ] {
        let response = app
            .client
            .get(app.url(&format!("/assistant/callback{query}")))
            .send()
            .await
            .unwrap();
        let (status, problem) = status_and_problem(response).await;
        assert_eq!(status, 400, "{query}: {problem}");
    }
    let kept = app
        .db
        .count("SELECT COUNT(*) FROM conversation_records")
        .await;
    assert_eq!(kept, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_too_large_too_deep_or_not_utf8_change_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, started) = post_patiently(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let messages = format!("/api/conversations/{id}/messages");

    // Past the body limit: refused before any handler reads it.
    let huge = serde_json::to_vec(&json!({"text": "失".repeat(40_000)})).unwrap();
    let (status, _) = post_bytes(&app, &messages, huge).await;
    assert_eq!(status, 413);
    // Nested far deeper than any request needs.
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    let (status, _) = post_bytes(&app, &messages, deep.into_bytes()).await;
    assert_eq!(status, 400);
    // Not UTF-8.
    let (status, _) = post_bytes(&app, &messages, b"{\"text\": \"\xff\xfe\"}".to_vec()).await;
    assert_eq!(status, 400);
    // A dataset named like a path, or unknown, is not asked for.
    for dataset in [
        "../../etc/passwd",
        "labor.insurance_history/../x",
        "no.such",
    ] {
        let (status, problem) = post_bytes(
            &app,
            &format!("/api/conversations/{id}/consent"),
            serde_json::to_vec(&json!({"datasets": [dataset]})).unwrap(),
        )
        .await;
        assert_eq!(status, 400, "{dataset}: {problem}");
    }
    // The conversation holds its one turn and nothing else.
    let shown: Value = app
        .client
        .get(app.url(&format!("/api/conversations/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(shown["turns"].as_array().unwrap().len(), 1);
    let waiting = app
        .db
        .count("SELECT COUNT(*) FROM identity_challenges WHERE kind = 'assistant.consent'")
        .await;
    assert_eq!(waiting, 0, "no request went to the consent screens");
}
