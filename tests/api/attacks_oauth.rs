//! Attacks on the authorization code flow: PKCE downgraded or left out,
//! redirect URIs bent away from the registered one, at `/oauth/authorize`,
//! through `/oauth/par` and at `/oauth/token`. Each is refused, a code
//! that met a wrong verifier or URI is spent, and no token is issued.

use mydata_navigator::demo_provider::{Begun, DemoProvider};
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{TestApp, browser, on_both_stores, some_citizen, spawn_app};
use crate::session::post_with_cookie;
use crate::transfer::{active_bank, download, open_consent, substantial};

on_both_stores!(
    pkce_downgrades_are_refused,
    redirect_uri_tampering_is_refused,
);

/// The one redirect URI the demo banks register.
const REGISTERED: &str = "http://127.0.0.1:9/callback";
const ASSERTION_TYPE: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn pairs(url: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// `url` with the query parameter `name` set to `value`, or removed.
fn with_param(url: &str, name: &str, value: Option<&str>) -> String {
    let mut parsed = reqwest::Url::parse(url).unwrap();
    let kept: Vec<(String, String)> = pairs(url).into_iter().filter(|(k, _)| k != name).collect();
    {
        let mut query = parsed.query_pairs_mut();
        query.clear();
        for (k, v) in &kept {
            query.append_pair(k, v);
        }
        if let Some(value) = value {
            query.append_pair(name, value);
        }
    }
    parsed.to_string()
}

fn param(url: &str, name: &str) -> Option<String> {
    pairs(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Follows `begun` through both consents for `tax.income`; the code.
async fn granted_code(app: &TestApp, begun: &Begun, cookie: &str) -> String {
    let id = open_consent(&begun.authorize_url).await;
    download(app, &id, cookie, &["tax.income"]).await;
    let sent: Value = post_with_cookie(app, &format!("/api/consent/{id}/send"), cookie, json!({}))
        .await
        .json()
        .await
        .unwrap();
    param(sent["redirect_to"].as_str().unwrap(), "code").unwrap()
}

/// A token request authenticated as `bank`, with `grant` as the rest.
async fn token_with(app: &TestApp, bank: &DemoProvider, grant: &[(&str, &str)]) -> Value {
    let assertion = bank.client_assertion().unwrap();
    let mut form: Vec<(&str, &str)> = grant.to_vec();
    form.extend([
        ("grant_type", "authorization_code"),
        ("client_id", bank.client_id.as_str()),
        ("client_assertion_type", ASSERTION_TYPE),
        ("client_assertion", assertion.as_str()),
    ]);
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400, "{grant:?}");
    response.json().await.unwrap()
}

/// Pushes `begun`'s parameters as `bank`, with `name` replaced by `value`
/// (removed when `None`); the status and the `/oauth/authorize` URL that
/// carries only the reference.
async fn push_with(
    app: &TestApp,
    bank: &DemoProvider,
    begun: &Begun,
    name: &str,
    value: Option<&str>,
) -> (u16, Option<String>) {
    let mut form = pairs(&with_param(&begun.authorize_url, name, value));
    form.push(("client_assertion_type".into(), ASSERTION_TYPE.into()));
    form.push(("client_assertion".into(), bank.client_assertion().unwrap()));
    let response = app
        .client
        .post(app.url("/oauth/par"))
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let authorize = body["request_uri"].as_str().map(|uri| {
        let mut url = reqwest::Url::parse(&app.url("/oauth/authorize")).unwrap();
        url.query_pairs_mut()
            .append_pair("client_id", &bank.client_id)
            .append_pair("request_uri", uri);
        url.to_string()
    });
    (status, authorize)
}

/// Asserts that the browser is sent back to the client with `error`.
async fn sent_back_with_error(url: &str, begun: &Begun, error: &str, context: &str) {
    let response = browser().get(url).send().await.unwrap();
    assert_eq!(response.status(), 303, "{context}");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REGISTERED), "{context}: {location}");
    assert_eq!(
        param(&location, "error").as_deref(),
        Some(error),
        "{context}"
    );
    assert_eq!(
        param(&location, "state").as_deref(),
        Some(begun.state.as_str()),
        "{context}"
    );
}

async fn requests_waiting(app: &TestApp) -> i64 {
    app.db
        .count("SELECT COUNT(*) FROM authorization_requests")
        .await
}

async fn pkce_downgrades_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let cookie = substantial(&app, &some_citizen()).await;

    // At the front door: no PKCE, `plain`, or a challenge that is not S256.
    let begun = bank.begin("tax.income");
    let challenge = param(&begun.authorize_url, "code_challenge").unwrap();
    let padded = format!("{}=", &challenge[..42]);
    for (name, value) in [
        ("code_challenge_method", Some("plain")),
        ("code_challenge_method", Some("s256")),
        ("code_challenge_method", None),
        ("code_challenge", None),
        ("code_challenge", Some("")),
        ("code_challenge", Some(&challenge[..42])),
        ("code_challenge", Some("short-and-plain")),
        ("code_challenge", Some(padded.as_str())),
    ] {
        let url = with_param(&begun.authorize_url, name, value);
        sent_back_with_error(
            &url,
            &begun,
            "invalid_request",
            &format!("{name}={value:?}"),
        )
        .await;
    }
    // The same downgrade pushed first: refused when the browser arrives.
    for (name, value) in [
        ("code_challenge_method", Some("plain")),
        ("code_challenge", None),
    ] {
        let (status, authorize) = push_with(&app, &bank, &begun, name, value).await;
        match authorize {
            Some(url) => {
                assert_eq!(status, 201);
                sent_back_with_error(&url, &begun, "invalid_request", "pushed").await;
            }
            None => assert_eq!(status, 400, "refused at the push itself"),
        }
    }
    assert_eq!(requests_waiting(&app).await, 0, "no request was kept");

    // At the token endpoint: no verifier, the challenge itself as the
    // verifier (a `plain` downgrade), one too short; each spends the code.
    for verifier in [None, Some("challenge"), Some("short")] {
        let begun = bank.begin("tax.income");
        let code = granted_code(&app, &begun, &cookie).await;
        let challenge = param(&begun.authorize_url, "code_challenge").unwrap();
        let sent = match verifier {
            Some("challenge") => Some(challenge.as_str()),
            other => other,
        };
        let mut grant = vec![("code", code.as_str()), ("redirect_uri", REGISTERED)];
        if let Some(sent) = sent {
            grant.push(("code_verifier", sent));
        }
        let refused = token_with(&app, &bank, &grant).await;
        assert_eq!(refused["error"], "invalid_grant", "{verifier:?}: {refused}");
        let late = bank
            .token_response(&code, &begun.code_verifier)
            .await
            .unwrap();
        assert_eq!(late.status(), 400, "the code was spent: {verifier:?}");
    }
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM access_tokens").await,
        0,
        "no token was issued"
    );
}

async fn redirect_uri_tampering_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let cookie = substantial(&app, &some_citizen()).await;
    let tampered = [
        "http://evil.example/callback",
        "http://127.0.0.1:9/callback/extra",
        "http://127.0.0.1:9/callback/../callback",
        "http://127.0.0.1:9/callback?next=http://evil.example/",
        "http://127.0.0.1:9/callback#fragment",
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/Callback",
        "https://127.0.0.1:9/callback",
        "http://localhost:9/callback",
        "http://127.0.0.1:10/callback",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:9@evil.example/callback",
        "//evil.example/callback",
        "javascript:alert(1)",
        "",
    ];

    // At the front door and through a push: answered here, never by
    // redirecting anywhere.
    let begun = bank.begin("tax.income");
    for uri in tampered {
        let url = with_param(&begun.authorize_url, "redirect_uri", Some(uri));
        let response = browser().get(&url).send().await.unwrap();
        assert!(response.headers().get("location").is_none(), "{uri}");
        crate::attacks_bodies::refused(response, uri).await;

        let (status, authorize) = push_with(&app, &bank, &begun, "redirect_uri", Some(uri)).await;
        if let Some(url) = authorize {
            assert_eq!(status, 201);
            let response = browser().get(&url).send().await.unwrap();
            assert!(response.headers().get("location").is_none(), "pushed {uri}");
            crate::attacks_bodies::refused(response, &format!("pushed {uri}")).await;
        } else {
            assert_eq!(status, 400, "refused at the push itself: {uri}");
        }
    }
    assert_eq!(requests_waiting(&app).await, 0, "no request was kept");

    // At the token endpoint: another URI than the request's, or none,
    // is refused and spends the code.
    for uri in [
        "http://evil.example/callback",
        "http://127.0.0.1:9/callback/",
        "",
    ] {
        let begun = bank.begin("tax.income");
        let code = granted_code(&app, &begun, &cookie).await;
        let mut grant = vec![
            ("code", code.as_str()),
            ("code_verifier", begun.code_verifier.as_str()),
        ];
        if !uri.is_empty() {
            grant.push(("redirect_uri", uri));
        }
        let refused = token_with(&app, &bank, &grant).await;
        assert_eq!(refused["error"], "invalid_grant", "{uri}: {refused}");
        let late = bank
            .token_response(&code, &begun.code_verifier)
            .await
            .unwrap();
        assert_eq!(late.status(), 400, "the code was spent: {uri}");
    }
    assert_eq!(
        app.db.count("SELECT COUNT(*) FROM access_tokens").await,
        0,
        "no token was issued"
    );
}
