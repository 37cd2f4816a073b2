//! The citizen's pages in a real browser: the unemployment conversation
//! from the question to the answer on their records, through the
//! platform's login, step-up and two confirmations; and the guards every
//! page carries.

use mydata_navigator::store::Backend;

use crate::assistant_consent::{LAID_OFF, citizen};
use crate::browser::{Browser, spawn_app_for_browser};
use crate::session::{bind_totp, next_code};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unemployment_conversation_from_question_to_answer_through_consent() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    // The citizen's authenticator app, bound earlier after a card login.
    let (_, secret) = bind_totp(&app, &citizen(LAID_OFF)).await;
    let browser = Browser::start(&origin).await;
    browser.open("/").await;
    let lang = browser.find("html", 5).await.attr("lang").await.unwrap();
    assert_eq!(lang.as_deref(), Some("zh-TW"));

    browser.fill("#question", "失業了，該怎麼辦？").await;
    browser.click("#send").await;
    let benefit = browser
        .find("article[data-service='bli.unemployment_benefit']", 120)
        .await;
    let badge = benefit
        .find(fantoccini::Locator::Css(".badge"))
        .await
        .unwrap();
    assert_eq!(
        badge.attr("data-verdict").await.unwrap().as_deref(),
        Some("unknown")
    );
    assert_eq!(badge.text().await.unwrap(), "待確認");
    browser
        .visible("li[data-dataset='labor.insurance_history']", 5)
        .await;
    browser.screenshot("chat-question").await;

    // To the platform: log in, step up, consent twice.
    browser.click("#share").await;
    browser.visible("#login", 20).await;
    let person = citizen(LAID_OFF);
    browser.fill("#national_id", LAID_OFF).await;
    browser
        .fill("#nhi_card_number", &person.identity.nhi_card_number)
        .await;
    browser
        .fill("#id_issue_date", &person.identity.id_issue_date)
        .await;
    browser.screenshot("login").await;
    browser.click("#knowledge button[type='submit']").await;
    browser.visible("#step-up", 20).await;
    browser.visible("#totp_code", 10).await;
    browser.fill("#totp_code", &next_code(&secret)).await;
    browser.click("#totp button[type='submit']").await;
    browser.visible("#request", 20).await;
    assert!(browser.text_of("#requester").await.contains("MyData"));
    browser.visible("#item-labor\\.insurance_history", 5).await;
    browser.screenshot("consent").await;
    browser.click("#download").await;
    browser.visible("#second", 60).await;
    browser.click("#second button[type='submit']").await;

    // Back to the conversation, answered on the records.
    let answered = browser
        .find(
            "section.turn article[data-service='bli.unemployment_benefit'] .badge[data-verdict='eligible']",
            120,
        )
        .await;
    assert_eq!(answered.text().await.unwrap(), "符合");
    browser.visible("section.used", 5).await;
    // The next step as buttons: the counter ticket for a counter service.
    browser
        .visible(
            "section.turn:last-child article[data-service='bli.unemployment_benefit'] a[href='/me#tickets']",
            5,
        )
        .await;
    let url = browser.client.current_url().await.unwrap();
    assert!(
        url.query().unwrap_or("").starts_with("conversation="),
        "{url}"
    );
    browser.screenshot("chat-answer").await;

    // On a phone-sized screen nothing needs sideways scrolling.
    browser.client.set_window_size(390, 844).await.unwrap();
    let overflow = browser
        .client
        .execute(
            "return document.documentElement.scrollWidth - window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert!(overflow.as_i64().unwrap_or(1) <= 0, "{overflow}");
    // The first answer, services and request for records included, reads
    // in a few screens of a phone (3.7 now; the goal is about two).
    let screens = browser
        .client
        .execute(
            "const turn = document.querySelector('section.turn'); \
             return turn.getBoundingClientRect().height / window.innerHeight;",
            vec![],
        )
        .await
        .unwrap();
    assert!(screens.as_f64().unwrap_or(9.0) <= 4.0, "{screens} screens");
    browser.screenshot("chat-phone").await;
    browser.close().await;
    drop(app);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_their_guards_and_speak_english_on_request() {
    let (app, _) = spawn_app_for_browser(Backend::Sqlite).await;
    let page = app.client.get(app.url("/?lang=en")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'") && policy.contains("frame-ancestors 'none'"));
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("navigator_csrf="))
        .expect("an anti-forgery cookie")
        .clone();
    assert!(csrf.contains("HttpOnly") && csrf.contains("SameSite=Strict"));
    assert!(cookies.iter().any(|c| c.starts_with("navigator_lang=en")));
    let html = page.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">") && html.contains("Tell us what is happening"));
    let token = csrf
        .trim_start_matches("navigator_csrf=")
        .split(';')
        .next()
        .unwrap();
    assert!(html.contains(token), "the page carries its token");

    // A form post from another site, or without the page's token, changes nothing.
    let forged = app
        .client
        .post(app.url("/api/conversations"))
        .header("content-type", "text/plain")
        .body("{\"text\": \"失業了\"}")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let cross_site = app
        .client
        .post(app.url("/api/identity/logout"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403);
    let wrong_token = app
        .client
        .post(app.url("/api/identity/logout"))
        .header("x-csrf-token", "0".repeat(64))
        .header("cookie", format!("navigator_csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_token.status(), 403);
    let problem: serde_json::Value = wrong_token.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/csrf");
    let conversations = app.db.count("SELECT COUNT(*) FROM conversations").await;
    assert_eq!(conversations, 0, "nothing was created");
}

/// A conversation id from the address bar stays one path segment: a link
/// like `/?conversation=../me/trail` cannot steer the page's requests to
/// another endpoint.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_id_in_the_address_cannot_reach_another_endpoint() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    let browser = Browser::start(&origin).await;
    browser.open("/?conversation=..%2Fme%2Ftrail").await;
    let mut requested: Vec<String> = Vec::new();
    for _ in 0..100 {
        let names = browser
            .client
            .execute(
                "return performance.getEntriesByType('resource').map(e => e.name)",
                vec![],
            )
            .await
            .unwrap();
        requested = serde_json::from_value(names).unwrap();
        if requested.iter().any(|url| url.contains("/api/")) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        requested
            .iter()
            .any(|url| url.ends_with("/api/conversations/..%2Fme%2Ftrail")),
        "{requested:?}"
    );
    assert!(
        !requested.iter().any(|url| url.contains("/api/me")),
        "{requested:?}"
    );
    browser.close().await;
    drop(app);
}
