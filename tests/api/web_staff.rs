//! The social worker's pages in a real browser: the worker signs in
//! (knowledge factors, then an authenticator code), sees the case the API
//! opened in the queue with its tier and reasons, and on the case page
//! adds a note, is told the client has not granted access yet, creates
//! the consent link and refers the case, moving the referral from
//! referred to accepted. The client coming back from the platform sees
//! only a thank-you. The staff and agency pages come in both languages.

use std::time::Duration;

use fantoccini::Locator;
use mydata_navigator::citizens::Citizen;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::browser::{Browser, spawn_app_for_browser};
use crate::casework::{CRISIS, json_of, nid, open_case, people, post_staff};
use crate::helpers::TestApp;
use crate::session::{bind_totp, get_with_cookie, next_code};

const SERVICE: &str = "mohw.emergency_assistance";

/// An API session for `citizen` at `substantial` or above (the card
/// session that bound their authenticator), and the authenticator's
/// secret, so the browser can prove a code of its own later.
async fn substantial_with_secret(app: &TestApp, citizen: &Citizen) -> (String, String) {
    bind_totp(app, citizen).await
}

/// Waits until the text of `css` contains `expected`.
async fn wait_for_text(browser: &Browser, css: &str, expected: &str, seconds: u64) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(seconds);
    loop {
        let text = browser.text_of(css).await;
        if text.contains(expected) {
            return;
        }
        if tokio::time::Instant::now() > deadline {
            let status = browser.text_of("#status").await;
            panic!("{css} says {text:?}, not {expected:?}; the page says {status:?}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_in(browser: &Browser, worker: &Citizen, secret: &str) {
    browser.open("/staff").await;
    browser.visible("#login", 20).await;
    browser
        .fill("#national_id", worker.identity.national_id.as_str())
        .await;
    browser
        .fill("#nhi_card_number", &worker.identity.nhi_card_number)
        .await;
    browser
        .fill("#id_issue_date", &worker.identity.id_issue_date)
        .await;
    browser.click("#knowledge button[type='submit']").await;
    browser.visible("#step-up", 20).await;
    browser.fill("#totp_code", &next_code(secret)).await;
    browser.click("#totp button[type='submit']").await;
    browser.visible("#work", 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_social_worker_refers_a_case_and_the_referral_is_accepted() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    let people = people();
    let worker = &people[0];
    let created = post_staff(
        &app,
        &json!({"id": "sw-lin", "national_id": nid(worker), "name": "林社工",
                "role": "social_worker", "team": "north"}),
    )
    .await;
    assert_eq!(created.status(), 201);
    let (cookie, secret) = substantial_with_secret(&app, worker).await;
    let opened = open_case(&app, &cookie, &nid(&people[10]), CRISIS).await;
    let case = opened["case"]["id"].as_str().unwrap().to_owned();

    let browser = Browser::start(&origin).await;
    sign_in(&browser, worker, &secret).await;
    let row = format!("#queue tr[data-case='{case}']");
    browser.visible(&row, 20).await;
    assert_eq!(
        browser.text_of(&format!("{row} .tier")).await,
        "第 1 級：危機"
    );
    assert!(browser.text_of(&row).await.contains("危機訊號"));
    browser.screenshot("staff-queue").await;
    browser.click(&format!("{row} a")).await;

    // The case page.
    wait_for_text(&browser, "#case-summary", CRISIS, 20).await;
    browser
        .fill("#note_text", "已電話聯繫，約定明天家訪。")
        .await;
    browser.click("#note-form button[type='submit']").await;
    wait_for_text(&browser, "#notes", "約定明天家訪", 10).await;

    browser.click("#show-analysis").await;
    wait_for_text(&browser, "#analysis .refused", "尚未同意", 20).await;
    browser
        .click("#consent-form input[value='household.registration']")
        .await;
    browser.click("#ask-consent").await;
    browser.visible("#consent-link", 20).await;
    let link = browser.text_of("#authorize").await;
    assert!(
        link.starts_with(&format!("{origin}/oauth/authorize?")),
        "{link}"
    );

    // Refer, then move the referral on.
    let choice = browser.find("#refer_service", 10).await;
    browser
        .find(&format!("#refer_service option[value='{SERVICE}']"), 20)
        .await;
    choice.select_by_value(SERVICE).await.unwrap();
    browser.fill("#refer_note", "急難救助").await;
    browser.click("#refer").await;
    let referred = "#referrals tr[data-status='referred']";
    browser.visible(referred, 20).await;
    assert_eq!(
        browser
            .text_of(&format!("{referred} .referral-status"))
            .await,
        "已轉介"
    );
    browser
        .click(&format!("{referred} button[data-move='accepted']"))
        .await;
    let accepted = "#referrals tr[data-status='accepted']";
    browser.visible(accepted, 20).await;
    assert_eq!(
        browser
            .text_of(&format!("{accepted} .referral-status"))
            .await,
        "機關已受理"
    );
    assert!(browser.text_of(accepted).await.contains(SERVICE));
    browser
        .client
        .execute("window.scrollTo(0, 0);", vec![])
        .await
        .unwrap();
    browser.screenshot("staff-case").await;

    let stored = json_of(
        get_with_cookie(&app, &format!("/api/cases/{case}"), &cookie).await,
        200,
    )
    .await;
    let referrals: Vec<&Value> = stored["referrals"].as_array().unwrap().iter().collect();
    assert_eq!(referrals.len(), 1);
    assert_eq!(referrals[0]["service_id"], SERVICE);
    assert_eq!(referrals[0]["status"], "accepted");
    assert_eq!(stored["notes"].as_array().unwrap().len(), 1);

    // Whoever comes back from the platform without a staff session sees
    // the thank-you and no sign-in form.
    browser
        .client
        .execute(
            "return fetch('/api/identity/logout', {method: 'POST', headers: {'x-csrf-token': CSRF}})\
             .then((r) => r.status);",
            vec![],
        )
        .await
        .unwrap();
    browser
        .open(&format!("/cases/{case}?consent=granted"))
        .await;
    browser.visible("#granted", 10).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let login = browser.client.find(Locator::Css("#login")).await.unwrap();
    assert!(!login.is_displayed().await.unwrap());
    browser.close().await;
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_staff_and_agency_pages_come_in_both_languages() {
    let (app, _) = spawn_app_for_browser(Backend::Sqlite).await;
    for (path, chinese, english) in [
        ("/staff", "待處理個案", "Open cases"),
        (
            "/cases/case-1",
            "請個案委託資料",
            "Ask the client to delegate records",
        ),
        ("/agency", "機關權杖", "Agency token"),
    ] {
        for (query, expected) in [("", chinese), ("?lang=en", english)] {
            let page = app
                .client
                .get(app.url(&format!("{path}{query}")))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), 200, "{path}{query}");
            let html = page.text().await.unwrap();
            assert!(html.contains(expected), "{path}{query}: {html}");
        }
    }
}
