//! Passkeys over real HTTP, driven by webauthn-authenticator-rs's software
//! authenticator: registration after a card login (never from a `low`
//! session), an assertion raising a later `low` session to `substantial`,
//! and assertions refused for a wrong origin, a signature counter that did
//! not move forward, or a replayed ceremony.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};
use webauthn_authenticator_rs::prelude::{
    CreationChallengeResponse, RequestChallengeResponse, Url, WebauthnAuthenticator,
};
use webauthn_authenticator_rs::softtoken::SoftToken;

use crate::citizen_card::card_session;
use crate::helpers::{TestApp, on_both_stores, some_citizen, spawn_app};
use crate::session::{cookie_from, level, login_as, post_with_cookie};

on_both_stores!(
    a_passkey_raises_the_session_to_substantial,
    a_wrong_origin_or_a_reused_counter_is_refused,
);

/// The origin the embedded server's passkeys are bound to.
fn origin() -> Url {
    Url::parse(mydata_navigator::config::DEFAULT_PUBLIC_ORIGIN).unwrap()
}

fn authenticator() -> SoftToken {
    // `true`: the software token claims user verification (a PIN or a
    // fingerprint), which the service requires.
    SoftToken::new(true).unwrap().0
}

async fn register(app: &TestApp, cookie: &str, token: &mut SoftToken) {
    let started = post_with_cookie(
        app,
        "/api/identity/passkey/register/start",
        cookie,
        json!({}),
    )
    .await;
    assert_eq!(started.status(), 201);
    let started: Value = started.json().await.unwrap();
    let options: CreationChallengeResponse =
        serde_json::from_value(started["options"].clone()).unwrap();
    let credential = token.do_registration(origin(), options).unwrap();
    let finished = post_with_cookie(
        app,
        "/api/identity/passkey/register/finish",
        cookie,
        json!({"ceremony_id": started["ceremony_id"], "credential": credential}),
    )
    .await;
    assert_eq!(finished.status(), 201);
}

/// Starts an assertion; returns the ceremony id and the browser's options.
async fn begin_login(app: &TestApp, cookie: &str) -> (Value, RequestChallengeResponse) {
    let started =
        post_with_cookie(app, "/api/identity/passkey/login/start", cookie, json!({})).await;
    assert_eq!(started.status(), 201);
    let started: Value = started.json().await.unwrap();
    let options = serde_json::from_value(started["options"].clone()).unwrap();
    (started["ceremony_id"].clone(), options)
}

async fn finish_login(
    app: &TestApp,
    cookie: &str,
    ceremony: &Value,
    credential: &impl serde::Serialize,
) -> reqwest::Response {
    post_with_cookie(
        app,
        "/api/identity/passkey/login/finish",
        cookie,
        json!({"ceremony_id": ceremony, "credential": credential}),
    )
    .await
}

async fn a_passkey_raises_the_session_to_substantial(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();

    // Registration needs a login first.
    let anonymous = app
        .client
        .post(app.url("/api/identity/passkey/register/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let cookie = login_as(&app, &citizen).await;
    let early = post_with_cookie(
        &app,
        "/api/identity/passkey/login/start",
        &cookie,
        json!({}),
    )
    .await;
    assert_eq!(early.status(), 409);
    // Registering needs the level a passkey gives: not from this session.
    let refused = post_with_cookie(
        &app,
        "/api/identity/passkey/register/start",
        &cookie,
        json!({}),
    )
    .await;
    assert_eq!(refused.status(), 403);

    // So the citizen registers it after a card login.
    let card = card_session(&app, &citizen.id).await;
    let mut token = authenticator();
    register(&app, &card, &mut token).await;
    assert_eq!(
        level(&app, &card).await,
        "high",
        "registering moves no level"
    );
    assert_eq!(
        level(&app, &cookie).await,
        "low",
        "registering alone proves nothing new"
    );

    let (ceremony, options) = begin_login(&app, &cookie).await;
    let assertion = token.do_authentication(origin(), options).unwrap();
    let response = finish_login(&app, &cookie, &ceremony, &assertion).await;
    let status = response.status();
    let cookie = cookie_from(&response).expect("the raised session's new cookie");
    let session: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{session}");
    assert_eq!(session["level"], "substantial");
    assert_eq!(level(&app, &cookie).await, "substantial");

    // The same ceremony cannot be finished twice.
    let replay = finish_login(&app, &cookie, &ceremony, &assertion).await;
    assert_eq!(replay.status(), 409);

    let events: Vec<Value> = app.trail(citizen.identity.national_id.as_str()).await;
    let has = |event: &str, outcome: &str| {
        events
            .iter()
            .any(|e| e["event"] == event && e["outcome"] == outcome)
    };
    assert!(has("identity.passkey.register", "success"));
    assert!(has("identity.passkey", "success"));
}

async fn a_wrong_origin_or_a_reused_counter_is_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let card = card_session(&app, &citizen.id).await;
    let mut token = authenticator();
    register(&app, &card, &mut token).await;
    let cookie = login_as(&app, &citizen).await;

    // A look-alike site under the same registrable name: the authenticator
    // signs, but the origin in the signed client data is not the service's.
    let (ceremony, options) = begin_login(&app, &cookie).await;
    let phishing = Url::parse("https://login.localhost:8080").unwrap();
    let assertion = token.do_authentication(phishing, options).unwrap();
    let response = finish_login(&app, &cookie, &ceremony, &assertion).await;
    assert_eq!(response.status(), 401);
    assert_eq!(level(&app, &cookie).await, "low");

    // A clone of the authenticator, taken now, replays a counter value the
    // original uses first.
    let clone = token.to_cbor().unwrap();
    let (ceremony, options) = begin_login(&app, &cookie).await;
    let assertion = token.do_authentication(origin(), options).unwrap();
    let accepted = finish_login(&app, &cookie, &ceremony, &assertion).await;
    assert_eq!(accepted.status(), 200);
    let cookie = cookie_from(&accepted).expect("the raised session's new cookie");

    let mut cloned = SoftToken::from_cbor(&clone).unwrap();
    let (ceremony, options) = begin_login(&app, &cookie).await;
    let assertion = cloned.do_authentication(origin(), options).unwrap();
    let response = finish_login(&app, &cookie, &ceremony, &assertion).await;
    assert_eq!(response.status(), 401);

    let failures: Vec<String> = app
        .trail(citizen.identity.national_id.as_str())
        .await
        .into_iter()
        .filter(|e| e["event"] == "identity.passkey" && e["outcome"] == "failure")
        .map(|e| e["detail"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(failures.len(), 2, "{failures:?}");
    assert!(
        failures.iter().any(|d| d.contains("Origin")),
        "{failures:?}"
    );
    assert!(
        failures.iter().any(|d| d.contains("Compromise")),
        "{failures:?}"
    );
}
