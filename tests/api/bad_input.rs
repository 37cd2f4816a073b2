//! Bad input gets a clear 4xx problem and changes nothing: malformed ids,
//! huge paths, invalid UTF-8, bad JSON, missing credentials.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{OPERATOR_TOKEN, TestApp, on_both_stores, some_citizen, spawn_app};

on_both_stores!(malformed_requests_get_problems_and_change_nothing);

async fn problem(response: reqwest::Response, status: u16) -> Value {
    assert_eq!(response.status(), status);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.expect("problem JSON");
    assert_eq!(body["status"], status, "{body}");
    assert!(
        body["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{body}"
    );
    body
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(app.url(path)).send().await.expect("request")
}

/// Sends bytes no well-behaved client would, and returns the status line.
async fn raw_request(app: &TestApp, request: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr)
        .await
        .expect("connect");
    // The server may answer and close before it has read everything.
    let _ = stream.write_all(request.as_bytes()).await;
    let mut reply = vec![0; 64];
    let read = stream.read(&mut reply).await.unwrap_or(0);
    String::from_utf8_lossy(&reply[..read])
        .lines()
        .next()
        .unwrap_or("")
        .to_owned()
}

async fn post_fetch(app: &TestApp, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/broker/fetch"))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&body)
        .send()
        .await
        .expect("request")
}

async fn malformed_requests_get_problems_and_change_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let subject = some_citizen().identity.national_id.to_string();
    let base = "/providers/mol.bli/v1/datasets";

    let body = problem(
        get(
            &app,
            &format!("{base}/labor.insurance_history/records/A12345678"),
        )
        .await,
        400,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("national ID"),
        "{body}"
    );
    let body = problem(
        get(
            &app,
            &format!("{base}/labor.insurance_history/records/A123456788"),
        )
        .await,
        400,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("check digit"),
        "{body}"
    );
    problem(
        get(
            &app,
            &format!("{base}/..%2F..%2Fetc%2Fpasswd/records/{subject}"),
        )
        .await,
        400,
    )
    .await;
    problem(
        get(
            &app,
            &format!("{base}/labor.insurance_history/records/%FF%FE"),
        )
        .await,
        400,
    )
    .await;
    problem(get(&app, "/providers/mol.bli/v1/nothing-here").await, 404).await;
    problem(get(&app, "/no/such/page").await, 404).await;

    // As long a path as an HTTP client will send, then far longer, raw.
    let huge = "A".repeat(60_000);
    let response = get(
        &app,
        &format!("{base}/labor.insurance_history/records/{huge}"),
    )
    .await;
    problem(response, 400).await;
    let status_line = raw_request(
        &app,
        &format!(
            "GET {base}/{} HTTP/1.1\r\nHost: x\r\n\r\n",
            "A".repeat(1_000_000)
        ),
    )
    .await;
    assert!(status_line.starts_with("HTTP/1.1 4"), "{status_line}");

    // The operator API: no token, a wrong token, then bodies that are wrong.
    let response = app
        .client
        .post(app.url("/api/broker/fetch"))
        .json(&json!({"subject": subject, "datasets": ["tax.income"], "purpose": "x"}))
        .send()
        .await
        .unwrap();
    problem(response, 401).await;
    let response = app
        .client
        .post(app.url("/api/broker/fetch"))
        .bearer_auth("guess")
        .json(&json!({"subject": subject, "datasets": ["tax.income"], "purpose": "x"}))
        .send()
        .await
        .unwrap();
    problem(response, 401).await;

    let body = problem(
        post_fetch(
            &app,
            json!({"subject": "A123456788", "datasets": ["tax.income"], "purpose": "x"}),
        )
        .await,
        422,
    )
    .await;
    assert!(
        body["detail"].as_str().unwrap().contains("check digit"),
        "{body}"
    );
    // Each body is wrong in one way; each gets its own clear refusal.
    for (body, status) in [
        (
            json!({"subject": subject, "datasets": ["no.such"], "purpose": "x"}),
            400,
        ),
        (
            json!({"subject": subject, "datasets": ["../x"], "purpose": "x"}),
            422,
        ),
        (
            json!({"subject": subject, "datasets": [], "purpose": "x"}),
            400,
        ),
        (
            json!({"subject": subject, "datasets": ["tax.income"], "purpose": " "}),
            400,
        ),
        (
            json!({"subject": subject, "datasets": ["tax.income"], "purpose": "x", "extra": 1}),
            422,
        ),
    ] {
        problem(post_fetch(&app, body).await, status).await;
    }
    let response = app
        .client
        .post(app.url("/api/broker/fetch"))
        .bearer_auth(OPERATOR_TOKEN)
        .header("content-type", "application/json")
        .body(vec![b'{', 0xff, 0xfe, b'}'])
        .send()
        .await
        .unwrap();
    problem(response, 400).await;
    let response = app
        .client
        .post(app.url("/api/broker/fetch"))
        .bearer_auth(OPERATOR_TOKEN)
        .header("content-type", "application/json")
        .body(vec![b' '; 100_000])
        .send()
        .await
        .unwrap();
    problem(response, 413).await;

    let body = problem(
        app.client
            .get(app.url("/api/audit/subjects/not-an-id/trail"))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
            .await
            .unwrap(),
        400,
    )
    .await;
    assert!(body["detail"].as_str().unwrap().contains("national ID"));

    // None of that reached a provider or the audit log.
    assert!(app.store.audit_page(0, 10).await.unwrap().is_empty());
    assert!(
        app.store
            .provider_downloads("mol.bli", 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Health endpoints answer (readiness also waits for the recommender,
    // which nothing here asked to build: see attacks_server).
    assert_eq!(get(&app, "/healthz").await.status(), 200);
    let ready = get(&app, "/readyz").await.status();
    assert!(ready == 200 || ready == 503, "{ready}");
}
