//! The online consent-and-transfer flow end to end over real HTTP, with the
//! demo service provider as the client: the citizen consents twice, the
//! provider gets one signed, encrypted package; and every way it must not
//! work does not.

use std::collections::BTreeMap;

use mydata_navigator::citizens::Citizen;
use mydata_navigator::config::DEFAULT_PUBLIC_ORIGIN;
use mydata_navigator::demo_provider::{Begun, DemoProvider};
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{OPERATOR_TOKEN, TestApp, browser, on_both_stores, some_citizen, spawn_app};
use crate::session::{get_with_cookie, login_as, post_with_cookie, step_up_with_totp};

on_both_stores!(
    the_citizen_consents_twice_and_the_provider_reads_only_what_was_ticked,
    bad_authorization_requests_are_refused,
    pushed_authorization_requests_are_accepted_once,
    a_standing_consent_refreshes_until_revoked,
    codes_and_tokens_work_once_for_their_client_only,
    revocation_and_suspension_stop_transfers,
    packages_cannot_be_read_by_others_or_altered,
    a_provider_with_only_an_rsa_key_gets_rsa_oaep_256,
    the_personal_cloud_forgets,
);

const CALLBACK: &str = "http://127.0.0.1:9/callback";

fn bank(app: &TestApp, id: &str) -> DemoProvider {
    DemoProvider::new(
        id,
        CALLBACK,
        reqwest::Url::parse(&app.url("/")).unwrap(),
        DEFAULT_PUBLIC_ORIGIN,
    )
    .unwrap()
}

fn bank_datasets() -> BTreeMap<&'static str, Vec<&'static str>> {
    BTreeMap::from([
        (
            "household.registration",
            vec!["birth_date", "city", "household_size"],
        ),
        ("tax.income", vec!["year", "personal_annual_income"]),
        (
            "labor.insurance_history",
            vec!["currently_insured", "insured_monthly_salary"],
        ),
        ("health.medical_visits", vec!["last_12_months"]),
    ])
}

async fn admin(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn set_state(app: &TestApp, id: &str, state: &str) {
    let path = format!("/api/admin/service-providers/{id}/state");
    let response = admin(app, reqwest::Method::POST, &path, json!({"state": state})).await;
    assert_eq!(response.status(), 200);
}

/// A demo bank, registered and reviewed.
pub async fn active_bank(app: &TestApp, id: &str) -> DemoProvider {
    bank_with_state(app, id, Some("active")).await
}

fn query(url: &str) -> BTreeMap<String, String> {
    reqwest::Url::parse(url)
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Follows the authorize redirect; returns the consent request's id.
pub(crate) async fn open_consent(authorize_url: &str) -> String {
    let response = browser().get(authorize_url).send().await.unwrap();
    assert_eq!(
        response.status(),
        303,
        "{}",
        response.text().await.unwrap_or_default()
    );
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    location
        .strip_prefix("/consent/")
        .unwrap_or_else(|| panic!("to the consent page, not {location}"))
        .to_owned()
}

/// The first confirmation: `ticked` downloaded for consent request `id`.
pub(crate) async fn download(
    app: &TestApp,
    id: &str,
    cookie: &str,
    ticked: &[&str],
) -> reqwest::Response {
    let downloaded = post_with_cookie(
        app,
        &format!("/api/consent/{id}/download"),
        cookie,
        json!({"datasets": ticked}),
    )
    .await;
    assert_eq!(
        downloaded.status(),
        200,
        "{}",
        downloaded.text().await.unwrap_or_default()
    );
    downloaded
}

struct Granted {
    code: String,
    verifier: String,
    consent_id: String,
    package_id: String,
    cookie: String,
}

/// A session at `substantial` for the citizen (knowledge factors + TOTP).
pub async fn substantial(app: &TestApp, citizen: &Citizen) -> String {
    let cookie = login_as(app, citizen).await;
    step_up_with_totp(app, citizen, &cookie).await
}

/// The citizen's side of one request: open it, both consents.
async fn grant(
    app: &TestApp,
    bank: &DemoProvider,
    cookie: &str,
    scope: &str,
    ticked: &[&str],
) -> Granted {
    let begun = bank.begin(scope);
    let answered = consent_twice(app, &begun, cookie, ticked, json!({})).await;
    Granted {
        code: answered.code,
        verifier: begun.code_verifier,
        consent_id: answered.consent_id,
        package_id: answered.package_id,
        cookie: cookie.to_owned(),
    }
}

struct Answered {
    code: String,
    consent_id: String,
    package_id: String,
}

/// Follows `begun` to the consent screens and answers both: the ticked
/// datasets, then `send` (e.g. `{"standing_days": 30}`).
async fn consent_twice(
    app: &TestApp,
    begun: &Begun,
    cookie: &str,
    ticked: &[&str],
    send: Value,
) -> Answered {
    let id = open_consent(&begun.authorize_url).await;
    let downloaded: Value = download(app, &id, cookie, ticked)
        .await
        .json()
        .await
        .unwrap();
    let sent: Value = post_with_cookie(app, &format!("/api/consent/{id}/send"), cookie, send)
        .await
        .json()
        .await
        .unwrap();
    let back = query(sent["redirect_to"].as_str().unwrap());
    assert_eq!(back["state"], begun.state);
    Answered {
        code: back["code"].clone(),
        consent_id: sent["consent_id"].as_str().unwrap().to_owned(),
        package_id: downloaded["package_id"].as_str().unwrap().to_owned(),
    }
}

async fn the_citizen_consents_twice_and_the_provider_reads_only_what_was_ticked(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let citizen = some_citizen();

    let metadata: Value = app
        .client
        .get(app.url("/.well-known/oauth-authorization-server"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        metadata["code_challenge_methods_supported"],
        json!(["S256"])
    );
    assert_eq!(metadata["issuer"], DEFAULT_PUBLIC_ORIGIN);
    assert!(
        metadata["jwks_uri"]
            .as_str()
            .unwrap()
            .ends_with("/.well-known/jwks.json")
    );

    let scope = "household.registration tax.income:personal_annual_income labor.insurance_history";
    let begun = bank.begin(scope);
    let id = open_consent(&begun.authorize_url).await;
    let cookie = login_as(&app, &citizen).await;

    // What the citizen is shown before anything moves.
    let shown: Value = get_with_cookie(&app, &format!("/api/consent/{id}"), &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["requester"]["id"], "demo-bank");
    assert!(shown["purpose"]["zh-TW"].as_str().is_some());
    assert_eq!(shown["terms_url"], "https://bank.example/terms");
    assert_eq!(shown["required_level"], "substantial");
    let items = shown["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    let tax = items.iter().find(|i| i["dataset"] == "tax.income").unwrap();
    assert_eq!(tax["fields"], json!(["personal_annual_income"]));
    assert_eq!(tax["agency"], "mof.fia");

    // First consent, with labour insurance unticked; a low session must
    // step up first.
    let ticked = json!({"datasets": ["household.registration", "tax.income"]});
    let path = format!("/api/consent/{id}/download");
    let low = post_with_cookie(&app, &path, &cookie, ticked.clone()).await;
    assert_eq!(low.status(), 401);
    let problem: Value = low.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/step-up-required");
    let cookie = step_up_with_totp(&app, &citizen, &cookie).await;
    let downloaded = post_with_cookie(&app, &path, &cookie, ticked).await;
    assert_eq!(downloaded.status(), 200);

    // Second consent: the browser goes back with a code, state and iss.
    let sent: Value =
        post_with_cookie(&app, &format!("/api/consent/{id}/send"), &cookie, json!({}))
            .await
            .json()
            .await
            .unwrap();
    let back = query(sent["redirect_to"].as_str().unwrap());
    assert!(sent["redirect_to"].as_str().unwrap().starts_with(CALLBACK));
    assert_eq!(back["state"], begun.state);
    assert_eq!(back["iss"], DEFAULT_PUBLIC_ORIGIN);

    let token = bank
        .token(&back["code"], &begun.code_verifier)
        .await
        .unwrap();
    let sealed = bank.fetch_package(&token).await.unwrap();
    let package = bank.open_package(&sealed).await.unwrap();
    assert_eq!(package.subject, citizen.identity.national_id.as_str());
    let datasets: Vec<&str> = package
        .manifest
        .iter()
        .map(|m| m.dataset.as_str())
        .collect();
    assert_eq!(datasets, ["household.registration", "tax.income"]);
    assert!(!package.records.contains_key("labor.insurance_history"));
    let tax = package.records["tax.income"].as_object().unwrap();
    assert_eq!(tax.keys().collect::<Vec<_>>(), ["personal_annual_income"]);
    assert_eq!(
        tax["personal_annual_income"],
        citizen.records["tax.income"]["personal_annual_income"]
    );
    let household = package.records["household.registration"]
        .as_object()
        .unwrap();
    assert_eq!(
        household.len(),
        3,
        "only the registered fields: {household:?}"
    );

    // The citizen's receipt verifies with the platform's published key.
    let receipt = get_with_cookie(
        &app,
        &format!("/api/me/consents/{}/receipt", package.consent_id),
        &cookie,
    )
    .await
    .text()
    .await
    .unwrap();
    let jwks: compact_jwt::JwkKeySet = app
        .client
        .get(app.url("/.well-known/jwks.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let verifier = compact_jwt::JwsEs256Verifier::try_from(&jwks.keys[0]).unwrap();
    let receipt: compact_jwt::JwsCompact = receipt.parse().unwrap();
    let receipt: Value = compact_jwt::JwsVerifier::verify(&verifier, &receipt)
        .unwrap()
        .from_json()
        .unwrap();
    assert_eq!(receipt["recipient"]["id"], "demo-bank");
    assert_eq!(receipt["data"].as_array().unwrap().len(), 2);
    assert_eq!(receipt["duration"]["kind"], "one-time");

    // Every step is in the citizen's trail, and the chain still verifies.
    let trail = app.trail(citizen.identity.national_id.as_str()).await;
    for event in ["consent.download", "consent.granted", "transfer.package"] {
        assert!(trail.iter().any(|e| e["event"] == event), "{event} missing");
    }
    let verify = app
        .client
        .get(app.url("/api/audit/verify"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(verify.status(), 200);
}

async fn bad_authorization_requests_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let begun = bank.begin("tax.income");

    let without_pkce = begun
        .authorize_url
        .replace("code_challenge_method=S256", "code_challenge_method=plain");
    let response = browser().get(&without_pkce).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let back = query(response.headers()["location"].to_str().unwrap());
    assert_eq!(back["error"], "invalid_request");
    assert_eq!(back["state"], begun.state);
    assert_eq!(back["iss"], DEFAULT_PUBLIC_ORIGIN);

    let elsewhere = begun
        .authorize_url
        .replace("127.0.0.1%3A9%2Fcallback", "evil.example%2Fcallback");
    assert_ne!(elsewhere, begun.authorize_url);
    let response = browser().get(&elsewhere).send().await.unwrap();
    assert_eq!(
        response.status(),
        400,
        "never redirect to an unregistered URI"
    );
    assert!(response.headers().get("location").is_none());

    let beyond = bank.begin("welfare.status");
    let response = browser().get(&beyond.authorize_url).send().await.unwrap();
    let back = query(response.headers()["location"].to_str().unwrap());
    assert_eq!(back["error"], "invalid_scope");
    let beyond = bank.begin("tax.income:household_annual_income");
    let response = browser().get(&beyond.authorize_url).send().await.unwrap();
    let back = query(response.headers()["location"].to_str().unwrap());
    assert_eq!(back["error"], "invalid_scope");

    // A registration that asks for too much or names nothing real.
    let mut bad = bank
        .registration(&mydata_navigator::demo_provider::bank(), &bank_datasets())
        .unwrap();
    bad["id"] = json!("other-bank");
    bad["redirect_uris"] = json!(["http://bank.example/callback"]);
    bad["datasets"]["tax.income"] = json!(["no_such_field"]);
    let response = admin(
        &app,
        reqwest::Method::POST,
        "/api/admin/service-providers",
        bad,
    )
    .await;
    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(
        problem["problems"].as_array().unwrap().len(),
        2,
        "{problem}"
    );

    // A provider still pending review is served nowhere.
    let pending = bank_with_state(&app, "pending-bank", None).await;
    let response = browser()
        .get(&pending.begin("tax.income").authorize_url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

async fn bank_with_state(app: &TestApp, id: &str, state: Option<&str>) -> DemoProvider {
    let bank = bank(app, id);
    let registration = bank
        .registration(&mydata_navigator::demo_provider::bank(), &bank_datasets())
        .unwrap();
    let response = admin(
        app,
        reqwest::Method::POST,
        "/api/admin/service-providers",
        registration,
    )
    .await;
    assert_eq!(response.status(), 201);
    let registered: Value = response.json().await.unwrap();
    assert_eq!(
        registered["state"], "pending",
        "every registration is reviewed"
    );
    if let Some(state) = state {
        set_state(app, id, state).await;
    }
    bank
}

async fn codes_and_tokens_work_once_for_their_client_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let other = active_bank(&app, "other-bank").await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;

    // A wrong verifier spends the code.
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let wrong = bank
        .token_response(&granted.code, &"x".repeat(43))
        .await
        .unwrap();
    assert_eq!(wrong.status(), 400);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    assert!(bank.token(&granted.code, &granted.verifier).await.is_err());

    // Another client cannot redeem this bank's code.
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let stolen = other
        .token_response(&granted.code, &granted.verifier)
        .await
        .unwrap();
    assert_eq!(stolen.status(), 400);

    // A good code works once; so does its token.
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let token = bank.token(&granted.code, &granted.verifier).await.unwrap();
    let reuse = bank
        .token_response(&granted.code, &granted.verifier)
        .await
        .unwrap();
    let body: Value = reuse.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    bank.fetch_package(&token).await.unwrap();
    assert!(
        bank.fetch_package(&token).await.is_err(),
        "one package per transfer"
    );

    // An expired code and an expired token.
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    app.db
        .execute("UPDATE authorization_codes SET expires_ms = 0")
        .await
        .unwrap();
    assert!(bank.token(&granted.code, &granted.verifier).await.is_err());
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let token = bank.token(&granted.code, &granted.verifier).await.unwrap();
    app.db
        .execute("UPDATE access_tokens SET expires_ms = 0")
        .await
        .unwrap();
    match bank.fetch_package(&token).await {
        Err(mydata_navigator::demo_provider::DemoError::Refused { status, .. }) => {
            assert_eq!(status, 401)
        }
        other => panic!("expected 401, got {other:?}"),
    }

    // A client assertion works once.
    let assertion = bank.client_assertion().unwrap();
    let form = |assertion: &str| {
        [
            ("grant_type", "authorization_code".to_owned()),
            ("code", "nothing".to_owned()),
            ("client_id", "demo-bank".to_owned()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
            ),
            ("client_assertion", assertion.to_owned()),
        ]
    };
    let first = app
        .client
        .post(app.url("/oauth/token"))
        .form(&form(&assertion))
        .send()
        .await
        .unwrap();
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        first["error"], "invalid_grant",
        "authenticated, but no such code"
    );
    let again = app
        .client
        .post(app.url("/oauth/token"))
        .form(&form(&assertion))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 401);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["error"], "invalid_client");
    let forged = other.client_assertion().unwrap();
    let response = app
        .client
        .post(app.url("/oauth/token"))
        .form(&form(&forged))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "signed with another client's key");
}

async fn revocation_and_suspension_stop_transfers(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;

    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let token = bank.token(&granted.code, &granted.verifier).await.unwrap();
    let consents: Value = get_with_cookie(&app, "/api/me/consents", &granted.cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(consents[0]["id"], granted.consent_id.as_str());
    let revoked = app
        .client
        .delete(app.url(&format!("/api/me/consents/{}", granted.consent_id)))
        .header("cookie", &granted.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    assert!(
        bank.fetch_package(&token).await.is_err(),
        "revocation takes effect at once"
    );
    let trail = app.trail(citizen.identity.national_id.as_str()).await;
    assert!(trail.iter().any(|e| e["event"] == "consent.revoked"));

    // Someone else cannot revoke (or see) this citizen's consents.
    let stranger = crate::helpers::citizens()
        .iter()
        .find(|c| c.identity.national_id != citizen.identity.national_id)
        .cloned()
        .unwrap();
    let stranger_cookie = login_as(&app, &stranger).await;
    let response = app
        .client
        .delete(app.url(&format!("/api/me/consents/{}", granted.consent_id)))
        .header("cookie", &stranger_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);

    // Suspension stops a token already issued and any new request.
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let token = bank.token(&granted.code, &granted.verifier).await.unwrap();
    set_state(&app, "demo-bank", "suspended").await;
    assert!(bank.fetch_package(&token).await.is_err());
    let response = browser()
        .get(&bank.begin("tax.income").authorize_url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

async fn packages_cannot_be_read_by_others_or_altered(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let other = active_bank(&app, "other-bank").await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let token = bank.token(&granted.code, &granted.verifier).await.unwrap();
    let sealed = bank.fetch_package(&token).await.unwrap();

    assert!(
        other.open_package(&sealed).await.is_err(),
        "encrypted to demo-bank only"
    );

    // Re-encrypted to the bank after altering the signed payload: the
    // platform's signature no longer verifies.
    let inner = bank.decrypt(&sealed).unwrap();
    let mut parts: Vec<String> = inner.split('.').map(str::to_owned).collect();
    let mut payload: Value = serde_json::from_slice(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &parts[1])
            .unwrap(),
    )
    .unwrap();
    payload["records"]["tax.income"]["personal_annual_income"] = json!(1);
    parts[1] = base64::Engine::encode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        serde_json::to_vec(&payload).unwrap(),
    );
    let tampered = encrypt_to(&bank, &parts.join("."));
    let error = bank.open_package(&tampered).await.unwrap_err();
    assert!(error.to_string().contains("signature"), "{error}");
    // Untouched, the same re-encryption opens: the test alters one thing only.
    let untouched = encrypt_to(&bank, &inner);
    assert!(bank.open_package(&untouched).await.is_ok());
}

/// Encrypts `text` to `bank`'s registered key, as the platform would.
fn encrypt_to(bank: &DemoProvider, text: &str) -> String {
    let registration = bank
        .registration(&mydata_navigator::demo_provider::bank(), &bank_datasets())
        .unwrap();
    let jwk: compact_jwt::Jwk =
        serde_json::from_value(registration["encryption_jwk"].clone()).unwrap();
    let key = mydata_navigator::services::encryption_key(&jwk).unwrap();
    key.encrypt(text.as_bytes(), "JWT").unwrap()
}

async fn the_personal_cloud_forgets(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;

    // Not sensitive: kept (sealed) until its time to live passes.
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let row = app
        .store
        .cloud_get(&granted.package_id)
        .await
        .unwrap()
        .unwrap();
    assert!(row.sealed.starts_with("v1:"));
    let plain = citizen.records["tax.income"]["personal_annual_income"].to_string();
    assert!(
        !row.sealed.contains(&plain),
        "never plaintext in the database"
    );
    let token = bank.token(&granted.code, &granted.verifier).await.unwrap();
    bank.fetch_package(&token).await.unwrap();
    assert!(
        app.store
            .cloud_get(&granted.package_id)
            .await
            .unwrap()
            .is_some()
    );

    // Sensitive: gone as soon as it was sent (a citizen card session for
    // the high dataset).
    let begun = bank.begin("health.medical_visits");
    let card_cookie = crate::citizen_card::card_session(&app, &citizen.id).await;
    let answered = consent_twice(
        &app,
        &begun,
        &card_cookie,
        &["health.medical_visits"],
        json!({}),
    )
    .await;
    let (code, package_id) = (answered.code, answered.package_id);
    let token = bank.token(&code, &begun.code_verifier).await.unwrap();
    assert!(app.store.cloud_get(&package_id).await.unwrap().is_some());
    bank.open_package(&bank.fetch_package(&token).await.unwrap())
        .await
        .unwrap();
    assert!(app.store.cloud_get(&package_id).await.unwrap().is_none());

    // Past its time to live, a download waiting for the second consent is gone.
    let begun = bank.begin("tax.income");
    let id = open_consent(&begun.authorize_url).await;
    download(&app, &id, &cookie, &["tax.income"]).await;
    app.db
        .execute("UPDATE cloud_packages SET expires_ms = 0")
        .await
        .unwrap();
    let sent = post_with_cookie(&app, &format!("/api/consent/{id}/send"), &cookie, json!({})).await;
    assert_eq!(sent.status(), 410);
}

async fn pushed_authorization_requests_are_accepted_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;

    let begun = bank.push("tax.income").await.unwrap();
    assert!(
        !begun.authorize_url.contains("code_challenge"),
        "only the reference travels"
    );
    let code = consent_twice(&app, &begun, &cookie, &["tax.income"], json!({}))
        .await
        .code;
    let token = bank.token(&code, &begun.code_verifier).await.unwrap();
    bank.open_package(&bank.fetch_package(&token).await.unwrap())
        .await
        .unwrap();

    // The request_uri was taken; another client cannot use this one's.
    let again = browser().get(&begun.authorize_url).send().await.unwrap();
    assert_eq!(again.status(), 400);
    let _other = active_bank(&app, "other-bank").await;
    let pushed = bank.push("tax.income").await.unwrap();
    let hijacked = pushed
        .authorize_url
        .replace("client_id=demo-bank", "client_id=other-bank");
    assert_eq!(browser().get(&hijacked).send().await.unwrap().status(), 400);

    // Pushing needs client authentication.
    let anonymous = app
        .client
        .post(app.url("/oauth/par"))
        .form(&[("client_id", "demo-bank"), ("response_type", "code")])
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

async fn a_standing_consent_refreshes_until_revoked(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;

    // A one-time consent has no refresh token.
    let granted = grant(&app, &bank, &cookie, "tax.income", &["tax.income"]).await;
    let body: Value = bank
        .token_response(&granted.code, &granted.verifier)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(body.get("refresh_token").is_none());

    let begun = bank.begin("tax.income");
    let code = consent_twice(
        &app,
        &begun,
        &cookie,
        &["tax.income"],
        json!({"standing_days": 30}),
    )
    .await
    .code;
    let body: Value = bank
        .token_response(&code, &begun.code_verifier)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first_refresh = body["refresh_token"].as_str().unwrap().to_owned();
    let first = bank
        .fetch_package(body["access_token"].as_str().unwrap())
        .await
        .unwrap();
    let first = bank.open_package(&first).await.unwrap();

    let refreshed: Value = bank
        .refresh_response(&first_refresh)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second_refresh = refreshed["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(second_refresh, first_refresh, "rotated at each use");
    let second = bank
        .fetch_package(refreshed["access_token"].as_str().unwrap())
        .await
        .unwrap();
    let second = bank.open_package(&second).await.unwrap();
    assert_ne!(
        second.package_id, first.package_id,
        "a new transfer, fetched afresh"
    );
    assert_eq!(second.consent_id, first.consent_id);
    assert_eq!(second.records, first.records);

    let reused = bank.refresh_response(&first_refresh).await.unwrap();
    assert_eq!(reused.status(), 400);

    let receipt = get_with_cookie(
        &app,
        &format!("/api/me/consents/{}/receipt", first.consent_id),
        &cookie,
    )
    .await;
    assert_eq!(receipt.status(), 200);
    let revoked = app
        .client
        .delete(app.url(&format!("/api/me/consents/{}", first.consent_id)))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 204);
    let after = bank.refresh_response(&second_refresh).await.unwrap();
    assert_eq!(after.status(), 400);
    let trail = app.trail(citizen.identity.national_id.as_str()).await;
    assert!(trail.iter().any(|e| e["event"] == "consent.refresh"));

    // The provider's own transfer log, for the operator.
    let log: Vec<Value> = app
        .client
        .get(app.url("/api/admin/service-providers/demo-bank/transfers"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent = log
        .iter()
        .filter(|e| e["event"] == "transfer.package")
        .count();
    assert_eq!(sent, 2, "the standing consent's two transfers");
    assert!(
        log.iter()
            .all(|e| e["subject"] == citizen.identity.national_id.as_str())
    );
}

async fn a_provider_with_only_an_rsa_key_gets_rsa_oaep_256(backend: Backend) {
    let app = spawn_app(backend).await;
    let rsa_bank = bank(&app, "rsa-bank").with_rsa_encryption_key().unwrap();
    let registration = rsa_bank
        .registration(&mydata_navigator::demo_provider::bank(), &bank_datasets())
        .unwrap();
    assert_eq!(registration["encryption_jwk"]["kty"], "RSA");
    let response = admin(
        &app,
        reqwest::Method::POST,
        "/api/admin/service-providers",
        registration,
    )
    .await;
    assert_eq!(response.status(), 201);
    set_state(&app, "rsa-bank", "active").await;
    let other = active_bank(&app, "demo-bank").await;

    let cookie = substantial(&app, &some_citizen()).await;
    let granted = grant(&app, &rsa_bank, &cookie, "tax.income", &["tax.income"]).await;
    let token = rsa_bank
        .token(&granted.code, &granted.verifier)
        .await
        .unwrap();
    let sealed = rsa_bank.fetch_package(&token).await.unwrap();
    assert!(mydata_navigator::services::rsa_jwe::is_rsa_oaep_256(
        &sealed
    ));
    let package = rsa_bank.open_package(&sealed).await.unwrap();
    assert_eq!(package.aud, "rsa-bank");
    assert!(other.open_package(&sealed).await.is_err());

    // A short RSA key is refused at registration.
    let mut weak = bank(&app, "weak-bank")
        .registration(&mydata_navigator::demo_provider::bank(), &bank_datasets())
        .unwrap();
    weak["encryption_jwk"] = json!({"kty": "RSA", "n": "AQAB", "e": "AQAB"});
    let response = admin(
        &app,
        reqwest::Method::POST,
        "/api/admin/service-providers",
        weak,
    )
    .await;
    assert_eq!(response.status(), 400);
}
