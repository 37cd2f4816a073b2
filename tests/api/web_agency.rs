//! The agency clerk's editor: the dry-run API behind it (each problem at
//! its condition or test, every rule test's result, nothing stored), and
//! the page in a real browser, where a bad rule is shown at its condition
//! and cannot be published while a good change can.

use std::time::Duration;

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::browser::{Browser, spawn_app_for_browser};
use crate::catalog_api::{agency_token, put, service};
use crate::helpers::{TestApp, on_both_stores, spawn_app};

on_both_stores!(a_dry_run_places_each_problem_and_stores_nothing);

const ID: &str = "wda.industry_new_talent";
const CONDITION: &str = "aged_15_to_29";
const GOOD_RULE: &str = "age(household.registration.birth_date) >= 15";

async fn validate(app: &TestApp, token: &str, kind: &str, body: String) -> Value {
    let response = app
        .client
        .post(app.url("/api/catalog/validate"))
        .bearer_auth(token)
        .header("content-type", kind)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

fn with_rule(original: &Value, rule: &str) -> Value {
    let mut changed = original.clone();
    let cel = changed["conditions"][0]["cel"]
        .as_str()
        .unwrap()
        .replace(GOOD_RULE, rule);
    changed["conditions"][0]["cel"] = json!(cel);
    changed
}

async fn a_dry_run_places_each_problem_and_stores_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let wda = agency_token(&app, "mol.wda").await;
    let original = service(&app, ID).await;
    let anonymous = app
        .client
        .post(app.url("/api/catalog/validate"))
        .json(&original)
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);

    let mine: Value = app
        .client
        .get(app.url("/api/catalog/mine"))
        .bearer_auth(&wda)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["agency"], "mol.wda");
    let ours = mine["services"].as_array().unwrap();
    assert!(
        ours.iter()
            .all(|s| s["id"].as_str().unwrap().starts_with("wda."))
    );
    let yaml = ours.iter().find(|s| s["id"] == ID).unwrap()["yaml"]
        .as_str()
        .unwrap()
        .to_owned();

    // The YAML as listed is valid, and every test passes.
    let valid = validate(&app, &wda, "application/yaml", yaml.clone()).await;
    assert_eq!(valid["valid"], true, "{valid}");
    assert_eq!(valid["exists"], true);
    assert_eq!(valid["service"], original);
    let tests = valid["tests"].as_array().unwrap();
    assert!(
        !tests.is_empty() && tests.iter().all(|t| t["passed"] == true),
        "{valid}"
    );

    // A rule that does not parse: placed at its condition; no test runs.
    let broken = with_rule(&original, "age(household.registration.birth_date) >= &&");
    let answer = validate(&app, &wda, "application/json", broken.to_string()).await;
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["errors"][0]["condition"], CONDITION, "{answer}");
    assert!(
        answer["errors"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("does not parse")
    );
    assert_eq!(answer["tests"], Value::Null);

    // A rule that parses but fails a test: the failed test is named.
    let stricter = with_rule(&original, "age(household.registration.birth_date) >= 16");
    let answer = validate(&app, &wda, "application/json", stricter.to_string()).await;
    assert_eq!(answer["valid"], false);
    let failed: Vec<&Value> = answer["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{answer}");
    assert_eq!(failed[0]["got"], "ineligible");
    assert_eq!(answer["errors"][0]["test"], failed[0]["name"], "{answer}");

    // Text that is not a service names its line; another agency's service
    // is refused as a PUT would be.
    let garbled = yaml.replacen("\nneeds:\n", "\nneeds: [\n", 1);
    let garbled = validate(&app, &wda, "application/yaml", garbled).await;
    assert_eq!(garbled["valid"], false);
    assert!(
        garbled["errors"][0]["line"].as_u64().unwrap() > 1,
        "{garbled}"
    );
    let theirs = service(&app, "bli.unemployment_benefit").await;
    let answer = validate(&app, &wda, "application/json", theirs.to_string()).await;
    assert_eq!(answer["valid"], false);
    assert!(
        answer["problems"][0]
            .as_str()
            .unwrap()
            .contains("maintained by")
    );

    // A refused PUT places its problems the same way; nothing was stored.
    let refused = put(&app, &wda, ID, &broken).await;
    assert_eq!(refused.status(), 400);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["condition"], CONDITION, "{problem}");
    assert_eq!(service(&app, ID).await, original);
}

/// Replaces `from` with `to` in the editor's text as typing would, firing
/// the input event the page listens to.
async fn edit(browser: &Browser, from: &str, to: &str) {
    let replaced = browser
        .client
        .execute(
            "const source = document.getElementById('source');\
             if (!source.value.includes(arguments[0])) return false;\
             source.value = source.value.replace(arguments[0], arguments[1]);\
             source.dispatchEvent(new Event('input', {bubbles: true}));\
             return true;",
            vec![json!(from), json!(to)],
        )
        .await
        .unwrap();
    assert_eq!(replaced, json!(true), "{from:?} is in the editor");
}

/// Waits for the check of the text as it is now. Typing disables
/// Publish at once, so a valid answer is the one that enables it again.
async fn wait_until_valid(browser: &Browser, valid: bool) {
    let expected = if valid { "✓" } else { "✗" };
    for _ in 0..200 {
        let publishable = browser
            .find("#publish", 5)
            .await
            .is_enabled()
            .await
            .unwrap();
        if browser.text_of("#validity").await.starts_with(expected) && publishable == valid {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the editor says {:?}", browser.text_of("#validity").await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_rule_is_shown_at_its_condition_and_not_published() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    let wda = agency_token(&app, "mol.wda").await;
    let original = service(&app, ID).await;
    let browser = Browser::start(&origin).await;
    browser.open("/agency").await;
    browser.fill("#agency_token", &wda).await;
    browser.click("#token-form button[type='submit']").await;
    browser
        .click(&format!("button[data-edit='{ID}'][data-format='yaml']"))
        .await;
    wait_until_valid(&browser, true).await;
    browser.visible("#tests tr[data-passed='true']", 10).await;

    // A test that fails is shown as failed.
    edit(
        &browser,
        GOOD_RULE,
        "age(household.registration.birth_date) >= 16",
    )
    .await;
    wait_until_valid(&browser, false).await;
    browser
        .visible("#tests tr[data-passed='false'] .problem", 10)
        .await;

    // A rule that does not parse: the message is at its condition, and
    // the page offers no way to publish it.
    edit(&browser, ">= 16", ">= &&").await;
    wait_until_valid(&browser, false).await;
    let at = format!("li.condition.invalid[data-condition='{CONDITION}'] .problem");
    browser.visible(&at, 10).await;
    assert!(browser.text_of(&at).await.contains("does not parse"));
    let others = browser
        .client
        .find_all(fantoccini::Locator::Css("li.condition.invalid"))
        .await
        .unwrap();
    assert_eq!(others.len(), 1, "only the bad condition is marked");
    let publish = browser.find("#publish", 5).await;
    assert!(!publish.is_enabled().await.unwrap());
    // The condition's name takes the caret to it in the text.
    browser
        .click(&format!("li[data-condition='{CONDITION}'] button.jump"))
        .await;
    browser
        .client
        .execute(
            "document.getElementById('editor').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    browser.screenshot("agency-invalid").await;
    assert_eq!(service(&app, ID).await, original, "nothing was published");

    // Put right and changed, it publishes.
    edit(&browser, ">= &&", ">= 15").await;
    wait_until_valid(&browser, true).await;
    let summary = original["summary"]["en"].as_str().unwrap();
    edit(
        &browser,
        summary,
        "Reskilling for young people out of work.",
    )
    .await;
    wait_until_valid(&browser, true).await;
    browser.click("#publish").await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while service(&app, ID).await["summary"]["en"] == summary {
        assert!(tokio::time::Instant::now() < deadline, "never published");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let published = service(&app, ID).await;
    assert_eq!(
        published["summary"]["en"],
        "Reskilling for young people out of work."
    );
    assert_eq!(published["conditions"], original["conditions"]);
    browser.close().await;
    drop(app);
}
