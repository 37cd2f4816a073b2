//! The reference providers' Open API: what they serve, and every way a
//! request without a fresh, matching broker token is refused.

use mydata_navigator::broker::token::{ProviderClaims, SigningKey};
use mydata_navigator::store::Backend;

use crate::helpers::{TestApp, on_both_stores, some_citizen, spawn_app, stranger_id};

on_both_stores!(
    every_dataset_of_every_provider_is_served,
    missing_expired_replayed_and_misdirected_tokens_get_401,
    unknown_subjects_get_404,
    provider_keeps_its_own_download_log,
);

fn record_path(agency: &str, dataset: &str, subject: &str) -> String {
    format!("/providers/{agency}/v1/datasets/{dataset}/records/{subject}")
}

async fn get_with(app: &TestApp, path: &str, token: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("request")
}

fn token(key: &SigningKey, agency: &str, dataset: &str, subject: &str) -> String {
    let claims = ProviderClaims::new(agency, subject, dataset, "test", "tester", 30);
    key.sign(&claims).expect("sign")
}

async fn every_dataset_of_every_provider_is_served(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.signing_key();
    let citizen = some_citizen();
    let subject = citizen.identity.national_id.to_string();
    let registry = crate::helpers::registry();
    let mut served = 0;
    for spec in registry.datasets() {
        let path = record_path(spec.provider.as_str(), spec.id.as_str(), &subject);
        let t = token(&key, spec.provider.as_str(), spec.id.as_str(), &subject);
        let response = get_with(&app, &path, Some(&t)).await;
        assert_eq!(response.status(), 200, "{path}");
        let record: serde_json::Value = response.json().await.expect("JSON");
        assert_eq!(Some(&record), citizen.record(&spec.id), "{path}");
        served += 1;
    }
    assert_eq!(served, 9);
}

async fn missing_expired_replayed_and_misdirected_tokens_get_401(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.signing_key();
    let subject = some_citizen().identity.national_id.to_string();
    let (agency, dataset) = ("mol.bli", "labor.insurance_history");
    let path = record_path(agency, dataset, &subject);

    let missing = get_with(&app, &path, None).await;
    assert_eq!(missing.status(), 401);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );

    let mut expired = ProviderClaims::new(agency, &subject, dataset, "test", "tester", 30);
    expired.iat -= 300;
    expired.exp -= 300;
    let response = get_with(&app, &path, Some(&key.sign(&expired).unwrap())).await;
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("expired"),
        "{body}"
    );

    let once = token(&key, agency, dataset, &subject);
    assert_eq!(get_with(&app, &path, Some(&once)).await.status(), 200);
    let replay = get_with(&app, &path, Some(&once)).await;
    assert_eq!(replay.status(), 401);
    let body: serde_json::Value = replay.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("already been used"),
        "{body}"
    );

    let for_moe = token(&key, "moe", dataset, &subject);
    assert_eq!(get_with(&app, &path, Some(&for_moe)).await.status(), 401);

    let other_dataset = token(&key, agency, "tax.income", &subject);
    assert_eq!(
        get_with(&app, &path, Some(&other_dataset)).await.status(),
        401
    );

    let other_subject = token(&key, agency, dataset, &stranger_id());
    assert_eq!(
        get_with(&app, &path, Some(&other_subject)).await.status(),
        401
    );

    let stranger_key = SigningKey::generate().unwrap();
    let forged = token(&stranger_key, agency, dataset, &subject);
    assert_eq!(get_with(&app, &path, Some(&forged)).await.status(), 401);

    let long_lived = ProviderClaims::new(agency, &subject, dataset, "test", "tester", 3600);
    let response = get_with(&app, &path, Some(&key.sign(&long_lived).unwrap())).await;
    assert_eq!(response.status(), 401);

    assert_eq!(get_with(&app, &path, Some("not-a-jwt")).await.status(), 401);
}

async fn unknown_subjects_get_404(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.signing_key();
    let stranger = stranger_id();
    let path = record_path("moe", "education.degrees", &stranger);
    let response = get_with(
        &app,
        &path,
        Some(&token(&key, "moe", "education.degrees", &stranger)),
    )
    .await;
    assert_eq!(response.status(), 404);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );

    // A dataset this agency does not serve is unknown here, too.
    let subject = some_citizen().identity.national_id.to_string();
    let path = record_path("moe", "tax.income", &subject);
    let response = get_with(
        &app,
        &path,
        Some(&token(&key, "moe", "tax.income", &subject)),
    )
    .await;
    assert_eq!(response.status(), 404);
}

async fn provider_keeps_its_own_download_log(backend: Backend) {
    let app = spawn_app(backend).await;
    let key = app.signing_key();
    let subject = some_citizen().identity.national_id.to_string();
    let path = record_path("mohw.nhia", "health.nhi_enrollment", &subject);
    let good = token(&key, "mohw.nhia", "health.nhi_enrollment", &subject);
    assert_eq!(get_with(&app, &path, Some(&good)).await.status(), 200);
    assert_eq!(get_with(&app, &path, None).await.status(), 401);

    let log = app.store.provider_downloads("mohw.nhia", 10).await.unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].outcome, "unauthorized");
    assert_eq!(log[0].requester, "unauthenticated");
    assert_eq!(log[1].outcome, "served");
    assert_eq!(log[1].requester, "tester");
    assert_eq!(log[1].dataset.as_deref(), Some("health.nhi_enrollment"));
    assert_eq!(log[1].subject.as_deref(), Some(subject.as_str()));
    // Other agencies' logs are their own.
    assert!(
        app.store
            .provider_downloads("moe", 10)
            .await
            .unwrap()
            .is_empty()
    );
}
