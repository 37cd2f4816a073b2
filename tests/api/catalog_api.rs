//! Agencies maintain their own services over real HTTP: every change is
//! validated like `navigator catalog validate`, another agency's service
//! cannot be touched, and a refused change leaves everything as it was.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{OPERATOR_TOKEN, TestApp, on_both_stores, spawn_app};

on_both_stores!(agencies_change_only_their_own_services_and_only_validly);

pub(crate) async fn agency_token(app: &TestApp, agency: &str) -> String {
    let response = app
        .client
        .post(app.url(&format!("/api/admin/agencies/{agency}/token")))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

pub(crate) async fn service(app: &TestApp, id: &str) -> Value {
    let body: Value = app
        .client
        .get(app.url(&format!("/api/catalog/services/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    body["service"].clone()
}

pub(crate) async fn put(app: &TestApp, token: &str, id: &str, body: &Value) -> reqwest::Response {
    app.client
        .put(app.url(&format!("/api/catalog/services/{id}")))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn agencies_change_only_their_own_services_and_only_validly(backend: Backend) {
    let app = spawn_app(backend).await;
    let all: Vec<Value> = app
        .client
        .get(app.url("/api/catalog/services"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 62, "seeded from the embedded catalogue");

    let wda = agency_token(&app, "mol.wda").await;
    let id = "wda.industry_new_talent";
    let original = service(&app, id).await;

    let anonymous = app
        .client
        .put(app.url(&format!("/api/catalog/services/{id}")))
        .json(&original)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    // A valid change by its own agency.
    let mut changed = original.clone();
    changed["summary"]["en"] = json!("Reskilling for young people out of work.");
    assert_eq!(put(&app, &wda, id, &changed).await.status(), 200);
    assert_eq!(
        service(&app, id).await["summary"]["en"],
        "Reskilling for young people out of work."
    );

    // Bad changes are refused precisely and change nothing.
    let condition = |value: &str| {
        let mut bad = changed.clone();
        bad["conditions"][0]["cel"] = json!(value);
        bad
    };
    let mut unknown_need = changed.clone();
    unknown_need["needs"] = json!(["vocational_training", "no_such_need"]);
    let cases = [
        (
            condition("age(household.registration.birth_date) >= &&"),
            "does not parse",
        ),
        (
            condition("household.registration.birthday != \"\""),
            "household.registration.birthday is not a field",
        ),
        (
            condition("age(household.registration.birth_date) >= \"15\""),
            "wrong types",
        ),
        (unknown_need, "unknown need id no_such_need"),
        (
            condition("age(household.registration.birth_date) >= 16"),
            "expected eligible, got ineligible",
        ),
    ];
    for (body, expected) in cases {
        let response = put(&app, &wda, id, &body).await;
        assert_eq!(response.status(), 400, "{expected}");
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains(expected),
            "{problem}"
        );
        assert!(
            problem["detail"].as_str().unwrap().contains(id),
            "{problem}"
        );
        assert_eq!(service(&app, id).await, changed, "nothing changed");
    }

    // Another agency's service is out of reach.
    let bli_service = service(&app, "bli.unemployment_benefit").await;
    let response = put(&app, &wda, "bli.unemployment_benefit", &bli_service).await;
    assert_eq!(response.status(), 403);
    let response = app
        .client
        .delete(app.url("/api/catalog/services/bli.unemployment_benefit"))
        .bearer_auth(&wda)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert_eq!(service(&app, "bli.unemployment_benefit").await, bli_service);

    // A new service, then its removal.
    let mut new = changed.clone();
    new["id"] = json!("wda.test_new_service");
    let created = app
        .client
        .post(app.url("/api/catalog/services"))
        .bearer_auth(&wda)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let again = app
        .client
        .post(app.url("/api/catalog/services"))
        .bearer_auth(&wda)
        .json(&new)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    let removed = app
        .client
        .delete(app.url("/api/catalog/services/wda.test_new_service"))
        .bearer_auth(&wda)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 204);
}
