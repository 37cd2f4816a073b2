//! Flooding the assistant without logging in: new conversations and
//! messages beyond the per-address limits are refused with 429 and a
//! `Retry-After`, while another client behind the same trusted proxy is
//! served; a conversation stops taking turns at its turn and size caps.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_both_stores, spawn_app_with};

on_both_stores!(
    conversations_and_messages_are_limited_per_address,
    a_conversation_stops_at_its_turn_and_size_caps,
);

const QUESTION: &str = "失業了，該怎麼辦？";

/// Posts `text` to `path`, as the client a proxy names, if any; waits out
/// the model's warm-up (a 503, which does not count against a limit).
async fn ask(
    app: &TestApp,
    path: &str,
    client: Option<&str>,
    text: &str,
) -> (u16, Option<u64>, Value) {
    for _ in 0..30 {
        let mut request = app.client.post(app.url(path)).json(&json!({"text": text}));
        if let Some(client) = client {
            request = request.header("x-forwarded-for", client);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let retry = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        if status == 503 {
            tokio::time::sleep(std::time::Duration::from_secs(retry.unwrap_or(2))).await;
            continue;
        }
        if status == 429 {
            let kind = response.headers()["content-type"].to_str().unwrap();
            assert_eq!(kind, "application/problem+json");
        }
        return (status, retry, response.json().await.unwrap_or(Value::Null));
    }
    panic!("the server was never ready");
}

async fn conversations_and_messages_are_limited_per_address(backend: Backend) {
    let app = spawn_app_with(backend, |args| {
        args.client_address.trusted_proxies = vec!["127.0.0.1".parse().unwrap()];
        args.conversation_limits.conversations_per_address = 3;
        args.conversation_limits.messages_per_address = 2;
    })
    .await;
    let mut id = String::new();
    for n in 0..3 {
        let (status, _, started) =
            ask(&app, "/api/conversations", Some("203.0.113.5"), QUESTION).await;
        assert_eq!(status, 201, "conversation {n}: {started}");
        id = started["id"].as_str().unwrap().to_owned();
    }
    let (status, retry, refused) =
        ask(&app, "/api/conversations", Some("203.0.113.5"), QUESTION).await;
    assert_eq!(status, 429, "{refused}");
    let retry = retry.expect("a Retry-After");
    assert!((1..=600).contains(&retry), "Retry-After {retry}");
    assert_eq!(refused["limit"], 3, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("at most 3"),
        "{refused}"
    );
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM conversations").await,
        3,
        "nothing kept for the refused one"
    );
    // Another client behind the same proxy is not held back.
    let (status, _, started) = ask(&app, "/api/conversations", Some("203.0.113.6"), QUESTION).await;
    assert_eq!(status, 201, "{started}");

    let messages = format!("/api/conversations/{id}/messages");
    for n in 0..2 {
        let (status, _, reply) = ask(&app, &messages, Some("203.0.113.5"), "有什麼補助？").await;
        assert_eq!(status, 200, "message {n}: {reply}");
    }
    let (status, retry, refused) = ask(&app, &messages, Some("203.0.113.5"), "還有呢？").await;
    assert_eq!(status, 429, "{refused}");
    assert!(retry.is_some());
    let (status, _, reply) = ask(&app, &messages, Some("203.0.113.6"), "還有呢？").await;
    assert_eq!(
        status, 200,
        "another client, the same conversation: {reply}"
    );
}

async fn a_conversation_stops_at_its_turn_and_size_caps(backend: Backend) {
    let app = spawn_app_with(backend, |args| {
        args.conversation_limits.conversation_max_turns = 2;
        args.conversation_limits.conversation_max_bytes = 200_000;
    })
    .await;
    let (status, _, started) = ask(&app, "/api/conversations", None, QUESTION).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let messages = format!("/api/conversations/{id}/messages");
    let (status, _, reply) = ask(&app, &messages, None, "有什麼補助？").await;
    assert_eq!(status, 200, "{reply}");
    let (status, _, full) = ask(&app, &messages, None, "還有呢？").await;
    assert_eq!(status, 409, "{full}");
    assert_eq!(full["limit"], "conversation_max_turns", "{full}");
    assert!(
        full["detail"].as_str().unwrap().contains("2 turns"),
        "{full}"
    );
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM conversation_turns")
            .await,
        2
    );

    // Another conversation, one turn in, as full in bytes as it may be.
    let (status, _, started) = ask(&app, "/api/conversations", None, QUESTION).await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let held = app
        .db
        .count(&format!(
            "SELECT stored_bytes FROM conversations WHERE id = '{id}'"
        ))
        .await;
    assert!(held > 0, "the first turn's bytes are counted");
    app.db
        .execute(&format!(
            "UPDATE conversations SET stored_bytes = 199990 WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    let (status, _, full) = ask(
        &app,
        &format!("/api/conversations/{id}/messages"),
        None,
        "有什麼補助？",
    )
    .await;
    assert_eq!(status, 409, "{full}");
    assert_eq!(full["limit"], "conversation_max_bytes", "{full}");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM conversation_turns WHERE conversation_id = '{id}'"
            ))
            .await,
        1
    );
}
