//! `POST /api/recommend` over real HTTP: answers in the question's
//! language with verdicts, reasons and next steps, vacancies for job
//! needs, clear refusals of bad input, and the catalogue as agencies
//! changed it a moment ago.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::catalog_api::{agency_token, put, service};
use crate::helpers::{TestApp, citizens, on_both_stores, post_patiently, spawn_app};

on_both_stores!(a_catalogue_change_reaches_the_next_recommendation);

async fn recommend(app: &TestApp, body: &Value) -> (u16, Value) {
    post_patiently(app, "/api/recommend", body).await
}

fn han(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The entry for `id` in one of the answer's lists of services.
fn entry<'a>(answer: &'a Value, list: &str, id: &str) -> &'a Value {
    answer[list]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == id)
        .unwrap_or_else(|| panic!("{id} is not in {list}: {answer}"))
}

fn service_ids(answer: &Value) -> Vec<&str> {
    answer["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn recommendations_come_explained_in_the_language_asked() {
    let app = spawn_app(Backend::Sqlite).await;
    let c005 = citizens().iter().find(|c| c.id == "c005").cloned().unwrap();

    let (status, answer) = recommend(
        &app,
        &json!({"text": "失業了，該怎麼辦？", "records": c005.records, "date": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["date"], "2026-12-01");
    // c005 has 0.9 of the 1 year of employment insurance the benefit asks:
    // checked, not recommended, and told why in the language asked.
    assert!(!service_ids(&answer).contains(&"bli.unemployment_benefit"));
    let benefit = entry(&answer, "not_eligible", "bli.unemployment_benefit");
    assert_eq!(benefit["verdict"], "ineligible");
    let reason = benefit["reasons"][0].as_str().unwrap();
    assert!(han(reason) && reason.contains("1年"), "{reason}");
    let eligible: Vec<&Value> = answer["services"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["verdict"] == "eligible")
        .collect();
    assert!(!eligible.is_empty(), "{answer}");
    for service in &eligible {
        assert!(han(service["next_step"].as_str().unwrap()), "{service}");
        assert!(!service["source"].as_str().unwrap().is_empty(), "{service}");
        for reason in service["reasons"].as_array().unwrap() {
            assert!(han(reason.as_str().unwrap()), "{service}");
        }
    }
    assert!(
        !answer["vacancies"].as_array().unwrap().is_empty(),
        "a job need brings vacancies: {answer}"
    );
    assert!(
        answer["not_eligible"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !service_ids(&answer).contains(&s["service"].as_str().unwrap()))
    );

    let (status, answer) = recommend(
        &app,
        &json!({"text": "I lost my job. Can I get unemployment benefit?", "date": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["understanding"]["language"], "en");
    let benefit = entry(&answer, "services", "bli.unemployment_benefit");
    assert_eq!(benefit["verdict"], "unknown", "no records, no guess");
    assert!(
        benefit["would_settle"]
            .as_array()
            .unwrap()
            .contains(&json!("labor.insurance_history"))
    );
    let reasons = benefit["reasons"].as_array().unwrap();
    assert!(!reasons.is_empty() && reasons.iter().all(|r| !han(r.as_str().unwrap())));
}

#[tokio::test]
async fn bad_requests_are_refused_with_the_reason() {
    let app = spawn_app(Backend::Sqlite).await;
    let cases = [
        (json!({"records": {}}), "\"text\" is missing"),
        (json!({"text": "  "}), "empty"),
        (json!({"text": 42}), "must be a string"),
        (
            json!({"text": "失業了", "records": {"tax.secrets": {}}}),
            "tax.secrets",
        ),
        (
            json!({"text": "失業了", "records": {"household.registration": {"city": "臺北市", "ssn": "x"}}}),
            "\"ssn\" is not a field",
        ),
        (
            json!({"text": "失業了", "records": {"household.registration": []}}),
            "must be an object",
        ),
        (
            json!({"text": "失業了", "records": {"household.registration": {"household_size": "3"}}}),
            "records.household.registration.household_size: expected int",
        ),
        (
            json!({"text": "失業了", "records": []}),
            "keyed by dataset id",
        ),
        (
            json!({"text": "失業了", "date": "2026-13-01"}),
            "not a date",
        ),
        (
            json!({"text": "失業了", "user": "me"}),
            "unknown member \"user\"",
        ),
        (json!({"text": "字".repeat(2_001)}), "at most 2000"),
    ];
    for (body, says) in cases {
        let response = app
            .client
            .post(app.url("/api/recommend"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "{body}");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: Value = response.json().await.unwrap();
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(says), "{body}: {detail}");
    }
    let response = app
        .client
        .post(app.url("/api/recommend"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

async fn a_catalogue_change_reaches_the_next_recommendation(backend: Backend) {
    let app = spawn_app(backend).await;
    let question = json!({"text": "想參加職業訓練學一技之長", "date": "2026-12-01"});
    let (status, before) = recommend(&app, &question).await;
    assert_eq!(status, 200, "{before}");
    assert!(
        service_ids(&before).contains(&"wda.pre_employment_training"),
        "{before}"
    );

    // The agency renames its training programme: the very next answer
    // carries the new name.
    let wda = agency_token(&app, "mol.wda").await;
    let mut training = service(&app, "wda.pre_employment_training").await;
    training["name"]["zh-TW"] = json!("失業者職前訓練（新制）");
    let response = put(&app, &wda, "wda.pre_employment_training", &training).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());

    let (_, after) = recommend(&app, &question).await;
    let renamed = entry(&after, "services", "wda.pre_employment_training");
    assert_eq!(renamed["name"], "失業者職前訓練（新制）");
}
