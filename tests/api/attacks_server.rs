//! Attacks on the server itself rather than on an API: connections that
//! send half a request and then nothing (slowloris), more connections than
//! the server serves, a burst of long questions whose senders give up,
//! readiness that said "ready" while every conversation got a 503,
//! personal answers a browser or proxy could keep, and a public server
//! trusting the test certificate authority whose keys are public.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mydata_navigator::app::Application;
use mydata_navigator::config::ServeArgs;
use mydata_navigator::store::Backend;
use mydata_navigator::understand::Understander;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{
    TestDatabase, post_patiently, repo_path, some_citizen, spawn_app, spawn_app_on, spawn_app_with,
    understander,
};
use crate::session::{get_with_cookie, post_with_cookie};
use crate::transfer::{active_bank, substantial};

/// Reads until the server closes the connection (EOF or a reset); what it
/// sent, or `None` if it was still open after `limit`.
async fn read_until_closed(socket: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(limit, async {
        let mut buffer = [0u8; 4096];
        loop {
            match socket.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| received)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_sending_its_headers_is_disconnected() {
    let app = spawn_app_with(Backend::Sqlite, |args| {
        args.connections.header_read_timeout_secs = 1;
    })
    .await;

    // Half a request line, then nothing; and a connection that says nothing.
    let mut partial = TcpStream::connect(app.addr).await.unwrap();
    partial.write_all(b"GET /healthz HT").await.unwrap();
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    let started = Instant::now();
    for socket in [&mut partial, &mut silent] {
        let sent = read_until_closed(socket, Duration::from_secs(15))
            .await
            .expect("the server closed the connection after the header timeout");
        assert!(sent.is_empty(), "{}", String::from_utf8_lossy(&sent));
    }
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A client that sends its requests in time is served, and its
    // keep-alive connection outlives the header timeout between them (a
    // balancer reusing it must not find it closed under its request).
    let mut prompt = TcpStream::connect(app.addr).await.unwrap();
    prompt
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut first = Vec::new();
    while !first.ends_with(b"{\"status\":\"ok\"}") {
        let mut buffer = [0u8; 1024];
        let n = tokio::time::timeout(Duration::from_secs(15), prompt.read(&mut buffer))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "closed after one answer");
        first.extend_from_slice(&buffer[..n]);
    }
    assert!(first.starts_with(b"HTTP/1.1 200"));
    tokio::time::sleep(Duration::from_secs(2)).await;
    prompt
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let second = read_until_closed(&mut prompt, Duration::from_secs(15))
        .await
        .unwrap();
    assert!(
        second.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&second)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let app = spawn_app_with(Backend::Sqlite, |args| {
        args.connections.max_connections = 2;
        args.connections.header_read_timeout_secs = 60;
    })
    .await;
    // Two slow clients hold both places.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut socket = TcpStream::connect(app.addr).await.unwrap();
        socket
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        held.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let mut third = TcpStream::connect(app.addr).await.unwrap();
    third
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut first_bytes = [0u8; 64];
    let early = tokio::time::timeout(Duration::from_secs(2), third.read(&mut first_bytes)).await;
    assert!(early.is_err(), "served while the cap was held: {early:?}");

    // A place frees: the waiting connection is served.
    drop(held);
    let answer = read_until_closed(&mut third, Duration::from_secs(15))
        .await
        .expect("served once a place was free");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn not_ready_until_the_recommender_is_built() {
    let app = spawn_app(Backend::Sqlite).await;
    let readyz = || async { app.client.get(app.url("/readyz")).send().await.unwrap() };

    // Nothing has built the recommender yet: conversations would get 503.
    let first = readyz().await;
    assert_eq!(first.status(), 503);
    assert!(first.headers().contains_key("retry-after"));
    let problem: Value = first.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("recommender"),
        "{problem}"
    );

    // The check started a build; a balancer asking again sees it ready,
    // and a conversation is answered.
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let status = readyz().await.status();
        if status == 200 {
            break;
        }
        assert_eq!(status, 503);
        assert!(Instant::now() < deadline, "never ready");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let started = app
        .client
        .post(app.url("/api/conversations"))
        .json(&json!({"text": "失業了，該怎麼辦？"}))
        .send()
        .await
        .unwrap();
    assert_eq!(started.status(), 201);
}

/// Two thousand characters, the longest message read.
fn longest_message() -> String {
    "我失業了，房租付不出來，孩子還要上學，不知道可以申請什麼補助。"
        .chars()
        .cycle()
        .take(2_000)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abandoned_questions_are_not_computed_and_a_new_one_is_answered() {
    // A model of its own, one worker: the burst slows no other test.
    let understander = Understander::load(
        &repo_path("models/multilingual-e5-small"),
        &repo_path("models/classifier.json"),
        1,
    )
    .expect("the model and classifier");
    let app = spawn_app_on(Backend::Sqlite, understander.clone(), |_| {}).await;

    // A hundred long questions whose senders give up after half a second.
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();
    let text = longest_message();
    let burst = (0..100).map(|_| {
        impatient
            .post(app.url("/api/understand"))
            .json(&json!({ "text": text }))
            .send()
    });
    let outcomes = futures::future::join_all(burst).await;
    let refused = outcomes
        .iter()
        .filter(|outcome| outcome.as_ref().is_ok_and(|r| r.status() == 503))
        .count();
    let abandoned = outcomes.iter().filter(|outcome| outcome.is_err()).count();
    assert!(
        refused > 0,
        "beyond a few seconds' work, questions are refused at once"
    );
    assert!(abandoned > 0, "some were queued, then given up on");

    // A new question is answered, not queued behind the abandoned ones.
    let answered = app
        .client
        .post(app.url("/api/understand"))
        .json(&json!({"text": "失業了，該怎麼辦？"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answered.status(), 200);
    assert!(
        understander.pool().skipped() > 0,
        "the abandoned questions were dropped, not embedded"
    );
}

fn cache_control(response: &reqwest::Response) -> &str {
    response
        .headers()
        .get("cache-control")
        .map_or("(none)", |v| v.to_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn personal_answers_are_never_cached_and_hsts_only_over_https() {
    let app = spawn_app(Backend::Sqlite).await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;
    for path in [
        "/api/me",
        "/api/me/trail",
        "/api/me/datasets/education.degrees",
        "/api/me/datasets/tax.income",
        "/",
        "/me",
    ] {
        let response = get_with_cookie(&app, path, &cookie).await;
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        assert_eq!(cache_control(&response), "no-store", "{path}");
        assert!(
            response
                .headers()
                .get("strict-transport-security")
                .is_none()
        );
    }
    active_bank(&app, "demo-bank").await;
    let ticket = post_with_cookie(
        &app,
        "/api/counter/tickets",
        &cookie,
        json!({"provider": "demo-bank", "datasets": ["tax.income"]}),
    )
    .await;
    assert_eq!(ticket.status(), 201);
    assert_eq!(cache_control(&ticket), "no-store");

    let (status, started) = post_patiently(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    assert_eq!(status, 201);
    let id = started["id"].as_str().unwrap();
    let shown = app
        .client
        .get(app.url(&format!("/api/conversations/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 200);
    assert_eq!(cache_control(&shown), "no-store");
    let again = app
        .client
        .post(app.url("/api/conversations"))
        .json(&json!({"text": "失業了，該怎麼辦？"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cache_control(&again), "no-store");

    // Refusals too; static files keep their own.
    let refused = app
        .client
        .get(app.url("/api/me/trail"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401);
    assert_eq!(cache_control(&refused), "no-store");
    let style = app
        .client
        .get(app.url("/static/style.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(style.status(), 200);
    assert_eq!(cache_control(&style), "no-cache");

    // Served as https, every answer tells the browser to stay on https.
    let https = spawn_app_with(Backend::Sqlite, |args| {
        args.public_origin = "https://localhost:8443".into();
    })
    .await;
    for path in ["/healthz", "/", "/api/me"] {
        let response = https.client.get(https.url(path)).send().await.unwrap();
        assert_eq!(
            response.headers()["strict-transport-security"],
            "max-age=31536000; includeSubDomains",
            "{path}"
        );
    }
}

/// The outcome of building a server with the embedded test CA at `origin`.
async fn build_at(origin: &str, allow: bool) -> Result<(), String> {
    let db = TestDatabase::create(Backend::Sqlite).await;
    let data_dir = tempfile::tempdir().unwrap();
    let mut args = ServeArgs::embedded(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        data_dir.path().to_path_buf(),
    );
    args.store.database_url = Some(db.url.clone());
    args.public_origin = origin.to_owned();
    args.card_trust.allow_test_card_ca = allow;
    Application::build_with(args, understander().clone())
        .await
        .map(drop)
        .map_err(|error| error.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_public_server_refuses_to_trust_the_test_card_ca_unless_told_to() {
    for public in ["https://navigator.gov.tw", "https://demo.example.org:8443"] {
        let refused = build_at(public, false).await.expect_err(public);
        assert!(
            refused.contains("TEST certificate authority")
                && refused.contains("--allow-test-card-ca")
                && refused.contains(public),
            "{refused}"
        );
        build_at(public, true)
            .await
            .unwrap_or_else(|e| panic!("{public} with the flag: {e}"));
    }
    build_at("http://localhost:8080", false)
        .await
        .expect("the demonstration's default origin");
    // Passkeys refuse an IP address as origin, but not for the card CA.
    for local in ["https://127.0.0.1:8443", "http://[::1]:8080"] {
        if let Err(refused) = build_at(local, false).await {
            assert!(!refused.contains("TEST certificate authority"), "{refused}");
        }
    }
}
