//! The citizen's own page, `/me`, in a real browser: a counter ticket made
//! there (with its step-up) shows a QR code and a code the counter can
//! redeem; a revoked consent leaves the consents in force; the trail's
//! filters narrow its table. State is set up through the JSON API, as
//! the same citizen in another session, and checked through the page.

use std::collections::BTreeMap;
use std::time::Duration;

use fantoccini::Locator;
use mydata_navigator::citizens::Citizen;
use mydata_navigator::demo_provider::{self, DemoProvider};
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::browser::{Browser, spawn_app_for_browser};
use crate::helpers::{OPERATOR_TOKEN, TestApp, some_citizen};
use crate::session::{bind_totp, get_with_cookie, login_as, next_code, post_with_cookie};

/// A counter provider, registered and active. Its client assertions name
/// the browser app's public origin as their audience, which the banks of
/// transfer.rs (made for the default origin) do not.
async fn counter_bank(app: &TestApp, origin: &str, id: &str) -> DemoProvider {
    let platform = reqwest::Url::parse(&app.url("/")).unwrap();
    let bank = DemoProvider::new(id, "http://127.0.0.1:9/callback", platform, origin).unwrap();
    let datasets = BTreeMap::from([
        ("household.registration", vec!["city", "household_size"]),
        ("tax.income", vec!["year", "personal_annual_income"]),
    ]);
    let registration = bank
        .registration(&demo_provider::bank(), &datasets)
        .unwrap();
    let admin = |path: &str, body: Value| {
        app.client
            .post(app.url(path))
            .bearer_auth(OPERATOR_TOKEN)
            .json(&body)
            .send()
    };
    let registered = admin("/api/admin/service-providers", registration)
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let state = format!("/api/admin/service-providers/{id}/state");
    let reviewed = admin(&state, json!({"state": "active"})).await.unwrap();
    assert_eq!(reviewed.status(), 200);
    bank
}

/// Logs in through the page's own form (the API answered 401). In
/// Chinese, whatever the headless browser's own language.
async fn log_in_on_the_page(browser: &Browser, citizen: &Citizen) {
    browser.open("/me?lang=zh-TW").await;
    browser.visible("#login", 20).await;
    let identity = &citizen.identity;
    browser
        .fill("#national_id", identity.national_id.as_str())
        .await;
    browser
        .fill("#nhi_card_number", &identity.nhi_card_number)
        .await;
    browser
        .fill("#id_issue_date", &identity.id_issue_date)
        .await;
    browser.click("#knowledge button[type='submit']").await;
    browser.visible("#mine", 20).await;
}

/// A ticket for `household.registration` (level low) made through the API.
async fn ticket(app: &TestApp, cookie: &str, provider: &str) -> Value {
    let response = post_with_cookie(
        app,
        "/api/counter/tickets",
        cookie,
        json!({"provider": provider, "datasets": ["household.registration"]}),
    )
    .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn count(browser: &Browser, css: &str) -> usize {
    browser
        .client
        .find_all(Locator::Css(css))
        .await
        .map_or(0, |found| found.len())
}

/// Brings the section `id` to the top, for its screenshot.
async fn scroll_to(browser: &Browser, id: &str) {
    let script = format!("document.getElementById('{id}').scrollIntoView()");
    browser.client.execute(&script, vec![]).await.unwrap();
}

/// Waits until nothing matches `css`.
async fn gone(browser: &Browser, css: &str, seconds: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    while count(browser, css).await > 0 {
        assert!(tokio::time::Instant::now() < deadline, "{css} stayed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_counter_ticket_made_on_the_page_shows_its_qr_code_and_code() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    let bank = counter_bank(&app, &origin, "demo-bank").await;
    // The citizen's authenticator app, bound earlier after a card login.
    let (_, secret) = bind_totp(&app, &some_citizen()).await;
    let browser = Browser::start(&origin).await;
    log_in_on_the_page(&browser, &some_citizen()).await;

    browser.fill("#ticket_provider", "demo-bank").await;
    browser.click("input[value='household.registration']").await;
    browser.click("input[value='tax.income']").await;
    browser.click("#make-ticket").await;
    // tax.income needs `substantial`: the page asks for the app's code,
    // then makes the ticket.
    browser.visible("#step-up", 20).await;
    browser.visible("#totp_code", 10).await;
    browser.fill("#totp_code", &next_code(&secret)).await;
    browser.click("#totp button[type='submit']").await;

    let qr = browser.visible("#ticket-qr img", 60).await;
    let src = qr.attr("src").await.unwrap().unwrap_or_default();
    assert!(src.starts_with("data:image/svg+xml"), "{src}");
    let drawn = browser
        .client
        .execute(
            "return document.querySelector('#ticket-qr img').naturalWidth",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        drawn.as_u64().unwrap_or(0) > 0,
        "the policy lets the QR code draw"
    );
    let code = browser.text_of("#ticket-code").await;
    assert!(
        code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()),
        "{code:?}"
    );
    let ticket_id = browser.text_of("#ticket-id").await;
    browser
        .visible("#ticket-items li[data-status='fetched']", 5)
        .await;
    browser
        .visible("#consents-active tbody tr[data-consent]", 10)
        .await;
    // The package waits in the personal cloud, listed with its records.
    let waiting = browser
        .visible("#cloud-packages tbody tr[data-package]", 10)
        .await;
    assert!(
        waiting
            .text()
            .await
            .unwrap()
            .contains("household.registration"),
        "the package's records are named"
    );
    browser.screenshot("me-ticket").await;

    // What the page shows is what the counter needs.
    let redeemed = bank.redeem_ticket(&ticket_id, &code).await.unwrap();
    assert_eq!(redeemed.status(), 200);
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_consent_leaves_the_consents_in_force() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    counter_bank(&app, &origin, "demo-bank").await;
    counter_bank(&app, &origin, "other-bank").await;
    let citizen = some_citizen();
    let cookie = login_as(&app, &citizen).await;
    let kept = ticket(&app, &cookie, "demo-bank").await["consent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = ticket(&app, &cookie, "other-bank").await["consent_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let browser = Browser::start(&origin).await;
    log_in_on_the_page(&browser, &citizen).await;
    let active = |id: &str| format!("#consents-active tr[data-consent='{id}']");
    browser.visible(&active(&kept), 10).await;
    browser.visible(&active(&revoked), 10).await;
    browser
        .click(&format!("#consents-active button[data-revoke='{revoked}']"))
        .await;
    gone(&browser, &active(&revoked), 10).await;
    let ended = browser
        .visible(&format!("#consents-past tr[data-consent='{revoked}']"), 10)
        .await;
    assert!(ended.text().await.unwrap().contains("已撤回"));
    browser.visible(&active(&kept), 1).await;
    scroll_to(&browser, "consents").await;
    browser.screenshot("me-consents").await;

    let consents: Vec<Value> = get_with_cookie(&app, "/api/me/consents", &cookie)
        .await
        .json()
        .await
        .unwrap();
    let state = |id: &str| consents.iter().find(|c| c["id"] == id).unwrap()["revoked_at"].clone();
    assert!(state(&revoked).is_string(), "revoked on the server");
    assert!(state(&kept).is_null());

    // The receipt comes as a file; the page says so.
    browser
        .click(&format!("#consents-active button[data-receipt='{kept}']"))
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !browser.text_of("#status").await.contains("收據") {
        assert!(tokio::time::Instant::now() < deadline, "no receipt");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_trail_filters_narrow_the_table() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    counter_bank(&app, &origin, "demo-bank").await;
    counter_bank(&app, &origin, "other-bank").await;
    let citizen = some_citizen();
    let cookie = login_as(&app, &citizen).await;
    ticket(&app, &cookie, "demo-bank").await;
    ticket(&app, &cookie, "other-bank").await;
    let trail: Vec<Value> = get_with_cookie(&app, "/api/me/trail", &cookie)
        .await
        .json()
        .await
        .unwrap();

    let browser = Browser::start(&origin).await;
    log_in_on_the_page(&browser, &citizen).await;
    browser
        .visible("#trail-table tr[data-actor='other-bank']", 10)
        .await;
    let rows = "#trail-table tbody tr";
    let all = count(&browser, rows).await;
    assert!(all >= trail.len(), "every entry, and the page's own login");

    let by_requester = browser.find("#filter_actor", 5).await;
    by_requester.select_by_value("other-bank").await.unwrap();
    let theirs = trail.iter().filter(|e| e["actor"] == "other-bank").count();
    assert!(theirs > 0 && theirs < all);
    assert_eq!(count(&browser, rows).await, theirs);
    assert_eq!(
        count(&browser, "#trail-table tr[data-actor='other-bank']").await,
        theirs
    );

    // One agency's records, from anyone.
    browser.click("#trail-filters button[type='reset']").await;
    let by_dataset = browser.find("#filter_dataset", 5).await;
    by_dataset
        .select_by_value("agency:moi.household")
        .await
        .unwrap();
    let household = count(
        &browser,
        "#trail-table tr[data-dataset='household.registration']",
    )
    .await;
    assert!(household > 0 && household < all);
    assert_eq!(count(&browser, rows).await, household);

    // A date range before any of it leaves nothing.
    browser
        .client
        .execute(
            "const to = document.getElementById('filter_to'); to.value = '2000-01-01';
             to.dispatchEvent(new Event('input', { bubbles: true }));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(count(&browser, "#trail-table tr[data-actor]").await, 0);
    assert!(
        browser
            .text_of("#trail-table")
            .await
            .contains("沒有符合的紀錄")
    );
    browser.click("#trail-filters button[type='reset']").await;
    by_requester.select_by_value("other-bank").await.unwrap();
    scroll_to(&browser, "trail").await;
    browser.screenshot("me-trail").await;
    browser.close().await;
}
