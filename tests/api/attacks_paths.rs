//! Path traversal: `..`, `%2e%2e`, encoded slashes and backslashes and
//! NUL bytes in dataset ids and other path segments — the providers'
//! record paths, the static files, the citizen's own records, the
//! catalogue, consent scopes and the broker's body. Sent raw over TCP
//! where a client would tidy the path. Each is refused as a 4xx problem,
//! serves no file and fetches no record.

use mydata_navigator::broker::token::ProviderClaims;
use mydata_navigator::store::Backend;
use serde_json::json;

use crate::helpers::{OPERATOR_TOKEN, TestApp, browser, on_both_stores, some_citizen, spawn_app};
use crate::session::login_as;
use crate::transfer::active_bank;

on_both_stores!(
    climbing_path_segments_are_refused,
    dataset_ids_that_are_paths_are_refused,
);

/// Sends `GET path` exactly as written; the status, content type and body.
async fn raw_get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> (u16, String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let mut request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut reply = Vec::new();
    stream.read_to_end(&mut reply).await.unwrap();
    let reply = String::from_utf8_lossy(&reply).into_owned();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap_or((&reply, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let kind = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    (status, kind, body.to_owned())
}

fn assert_refused((status, kind, body): &(u16, String, String), path: &str) {
    assert!((400..500).contains(status), "{path}: {status} {body}");
    assert!(
        kind.starts_with("application/problem+json"),
        "{path}: {kind}"
    );
    // Nothing from the disk: not a manifest, a password file or an image.
    for leaked in ["[package]", "root:", "PNG", "<svg", "{\"national_id\""] {
        assert!(!body.contains(leaked), "{path}: {body}");
    }
}

async fn climbing_path_segments_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.signing_key();
    let subject = some_citizen().identity.national_id.to_string();
    let (agency, dataset) = ("mol.bli", "labor.insurance_history");
    // A fresh, valid token each time: only the path is wrong.
    let bearer = || {
        let claims = ProviderClaims::new(agency, &subject, dataset, "test", "tester", 30);
        format!("Bearer {}", key.sign(&claims).unwrap())
    };
    let base = "/providers/mol.bli/v1/datasets";
    let s = &subject;
    for path in [
        format!("{base}/../../../../etc/passwd/records/{s}"),
        format!("{base}/%2e%2e/records/{s}"),
        format!("{base}/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/records/{s}"),
        format!("{base}/{dataset}%2f..%2ftax.income/records/{s}"),
        format!("{base}/{dataset}/records/..%2f{s}"),
        format!("{base}/{dataset}/records/{s}%2f.."),
        format!("{base}/{dataset}/records/%2e%2e"),
        format!("{base}/{dataset}/records/../records/{s}"),
        format!("{base}/..%5c..%5cwindows/records/{s}"),
        format!("{base}/{dataset}%00/records/{s}"),
        format!("{base}/./{dataset}/records/{s}"),
        format!("/providers/mol.bli/../moe/v1/datasets/education.degrees/records/{s}"),
        format!("/providers/%2e%2e/mol.bli/v1/datasets/{dataset}/records/{s}"),
    ] {
        let answer = raw_get(&app, &path, &[("authorization", bearer().as_str())]).await;
        assert_refused(&answer, &path);
    }
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM provider_downloads")
            .await,
        0,
        "no record was served"
    );

    for path in [
        "/static/../../Cargo.toml",
        "/static/..%2f..%2fCargo.toml",
        "/static/%2e%2e%2f%2e%2e%2fdocs%2fchat-answer.png",
        "/static/..%2fstatic%2fstyle.css",
        "/static/..%5c..%5cCargo.toml",
        "/static/%2fetc%2fpasswd.css",
        "/static/style.css%00.png",
        "/static/....%2f%2fstyle.css",
        "/api/catalog/services/..%2f..%2fCargo.toml",
        "/api/catalog/services/%2e%2e",
    ] {
        assert_refused(&raw_get(&app, path, &[]).await, path);
    }
    // The citizen's own records, by a dataset id that climbs.
    let cookie = login_as(&app, &some_citizen()).await;
    for path in [
        "/api/me/datasets/..%2f..%2fetc%2fpasswd",
        "/api/me/datasets/%2e%2e",
        "/api/me/datasets/tax.income%2f..%2fwelfare.status",
        "/api/me/datasets/tax.income%00",
    ] {
        assert_refused(
            &raw_get(&app, path, &[("cookie", cookie.as_str())]).await,
            path,
        );
    }

    // The same requests, well formed, are served: the refusals were the
    // paths', not the credentials'.
    let good = format!("{base}/{dataset}/records/{s}");
    let (status, _, _) = raw_get(&app, &good, &[("authorization", bearer().as_str())]).await;
    assert_eq!(status, 200);
    let (status, _, _) = raw_get(&app, "/static/style.css", &[]).await;
    assert_eq!(status, 200);
}

async fn dataset_ids_that_are_paths_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let subject = some_citizen().identity.national_id.to_string();
    let climbing = [
        "..",
        "../../etc/passwd",
        "tax.income/../welfare.status",
        "tax.income/..",
        "%2e%2e%2ftax.income",
        "..\\..\\tax.income",
        "/etc/passwd",
        "tax.income\u{0}",
        "tax.income:../../x",
    ];
    // In a consent scope: sent back to the client as invalid_scope.
    for scope in climbing {
        let begun = bank.begin(scope);
        let response = browser().get(&begun.authorize_url).send().await.unwrap();
        assert_eq!(response.status(), 303, "{scope}");
        let location = response.headers()["location"].to_str().unwrap().to_owned();
        let error = reqwest::Url::parse(&location)
            .unwrap()
            .query_pairs()
            .find(|(k, _)| k == "error")
            .map(|(_, v)| v.into_owned());
        assert_eq!(error.as_deref(), Some("invalid_scope"), "{scope}");
    }
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM authorization_requests")
            .await,
        0
    );
    // In the broker's body.
    let audited = app.db.count("SELECT COUNT(*) FROM audit_log").await;
    for dataset in climbing {
        let response = app
            .client
            .post(app.url("/api/broker/fetch"))
            .bearer_auth(OPERATOR_TOKEN)
            .json(&json!({"subject": subject, "datasets": [dataset], "purpose": "x"}))
            .send()
            .await
            .unwrap();
        crate::attacks_bodies::refused(response, dataset).await;
    }
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM provider_downloads")
            .await,
        0,
        "no record was fetched"
    );
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM audit_log").await,
        audited,
        "nothing was attempted"
    );
}
