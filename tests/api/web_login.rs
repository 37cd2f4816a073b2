//! The login page, `/login`, in a real browser: the knowledge factors give
//! `low`; the citizen digital certificate steps the same session up to
//! `high` (the challenge read from the page, signed with the test PKI's
//! card key as `navigator citizen-card sign` does, the answer pasted
//! back); a passkey made after a card login and used later through
//! Chromium's virtual authenticator gives `substantial`, and so does an
//! authenticator-app code (knowledge factors alone set neither up: the page
//! sends the citizen to the card first); `?next=` returns to a path on
//! this site.

use fantoccini::wd::WebDriverCompatibleCommand;
use mydata_navigator::citizen_card::sign::sign;
use mydata_navigator::citizens::Citizen;
use mydata_navigator::store::Backend;
use serde_json::json;

use crate::browser::{Browser, spawn_app_for_browser};
use crate::helpers::{citizens, repo_path};

fn citizen(id: &str) -> Citizen {
    citizens()
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("citizen {id}"))
}

/// Logs in with the knowledge factors through the page's form.
async fn knowledge_login(browser: &Browser, citizen: &Citizen) {
    browser.visible("#knowledge", 20).await;
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
}

/// Waits until the page shows the session at `level`.
async fn shows_level(browser: &Browser, level: &str) {
    let css = format!("#level[data-level='{level}']");
    browser.visible(&css, 20).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn knowledge_then_the_citizen_card_reaches_high() {
    let (_app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    let browser = Browser::start(&origin).await;
    let holder = citizen("c001");

    browser.open("/login?lang=zh-TW").await;
    knowledge_login(&browser, &holder).await;
    shows_level(&browser, "low").await;
    assert!(browser.text_of("#level").await.contains("低"));

    // The card: a challenge from the page, signed by the card's key.
    browser.click("#card-start").await;
    browser.visible("#card-panel", 10).await;
    let challenge = browser.text_of("#card-challenge").await;
    assert!(!challenge.is_empty());
    let command = browser.text_of("#card-command").await;
    assert!(
        command.starts_with("navigator citizen-card sign") && command.contains(&challenge),
        "{command}"
    );
    let pki = |file: &str| std::fs::read(repo_path(&format!("datasets/pki/cards/{file}"))).unwrap();
    let signed = sign(&pki("c001.cert.pem"), &pki("c001.key.pem"), &challenge).unwrap();
    let pasted = serde_json::to_string(&signed).unwrap();
    // The ID number the knowledge form had is filled in already.
    let prefilled = browser
        .client
        .execute(
            "return document.getElementById('card_national_id').value",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(prefilled, json!(holder.identity.national_id.as_str()));
    browser.fill("#card_response", &pasted).await;
    browser.click("#card button[type='submit']").await;

    shows_level(&browser, "high").await;
    assert!(browser.text_of("#level").await.contains("高"));
    browser.screenshot("login-high").await;

    // Logging out brings the form back; `?next=` returns to a path on this
    // site once logged in, and a foreign `next` is dropped.
    browser.click("#logout").await;
    browser.visible("#knowledge", 10).await;
    browser.open("/login?next=//evil.example/").await;
    let kept = browser
        .client
        .execute(
            "return document.getElementById('login-page').dataset.next",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(kept, json!(""));
    browser.open("/login?next=/me").await;
    knowledge_login(&browser, &holder).await;
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let url = browser.client.current_url().await.unwrap();
        if url.path() == "/me" {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still at {url}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    browser.visible("#mine", 20).await;
    browser.close().await;
}

/// WebDriver's `Add Virtual Authenticator` (WebAuthn spec, §11.3).
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(
        &self,
        base_url: &reqwest::Url,
        session_id: Option<&str>,
    ) -> Result<reqwest::Url, ParseError> {
        let session = session_id.unwrap_or_default();
        base_url.join(&format!("session/{session}/webauthn/authenticator"))
    }

    fn method_and_body(&self, _request_url: &reqwest::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserVerified": true,
        });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// `url::ParseError`, which reqwest does not name.
type ParseError = <reqwest::Url as std::str::FromStr>::Err;

/// Steps the page's session up with `id`'s citizen card: the challenge
/// read from the page, signed with the test PKI's card key, pasted back.
async fn card_on_the_page(browser: &Browser, id: &str) {
    browser.click("#card-start").await;
    browser.visible("#card-panel", 10).await;
    let challenge = browser.text_of("#card-challenge").await;
    let pki = |file: &str| std::fs::read(repo_path(&format!("datasets/pki/cards/{file}"))).unwrap();
    let signed = sign(
        &pki(&format!("{id}.cert.pem")),
        &pki(&format!("{id}.key.pem")),
        &challenge,
    )
    .unwrap();
    browser
        .fill("#card_response", &serde_json::to_string(&signed).unwrap())
        .await;
    browser.click("#card button[type='submit']").await;
}

/// Waits until the page's status line contains `expected`.
async fn status_says(browser: &Browser, expected: &str) {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let status = browser.text_of("#status").await;
        if status.contains(expected) {
            return;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "{expected:?}: {status:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_passkey_made_on_the_page_reaches_substantial() {
    let (_app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    let browser = Browser::start(&origin).await;
    browser
        .client
        .issue_cmd(AddVirtualAuthenticator)
        .await
        .expect("a virtual authenticator");
    let holder = citizen("c001");

    browser.open("/login?lang=en").await;
    knowledge_login(&browser, &holder).await;
    shows_level(&browser, "low").await;

    // No passkey yet: the page says so.
    browser.click("#passkey-login").await;
    status_says(&browser, "no passkey").await;
    // Knowledge factors alone set nothing up: the page sends the citizen
    // to the card first.
    browser.click("#totp-start").await;
    browser.visible("#card-first", 10).await;
    assert!(
        browser
            .text_of("#card-first")
            .await
            .contains("citizen card first"),
        "{}",
        browser.text_of("#card-first").await
    );

    // After the card, the passkey is made on the page.
    card_on_the_page(&browser, &holder.id).await;
    shows_level(&browser, "high").await;
    browser.click("#passkey-register").await;
    status_says(&browser, "passkey is created").await;

    // A later login with the knowledge factors steps up with it.
    browser.click("#logout").await;
    knowledge_login(&browser, &holder).await;
    shows_level(&browser, "low").await;
    browser.click("#passkey-login").await;
    shows_level(&browser, "substantial").await;
    browser.screenshot("login-passkey").await;
    browser.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_authenticator_app_code_reaches_substantial() {
    let (app, origin) = spawn_app_for_browser(Backend::Sqlite).await;
    let holder = citizen("c001");
    // The authenticator app, bound earlier after a card login.
    let (_, secret) = crate::session::bind_totp(&app, &holder).await;
    let browser = Browser::start(&origin).await;
    browser.open("/login?lang=zh-TW").await;
    knowledge_login(&browser, &holder).await;
    shows_level(&browser, "low").await;

    // Bound already: the page asks only for its code.
    browser.click("#totp-start").await;
    browser.visible("#totp_code", 10).await;
    let key_shown = browser
        .client
        .execute("return !document.getElementById('totp-key').hidden", vec![])
        .await
        .unwrap();
    assert_eq!(key_shown, json!(false));
    browser
        .fill("#totp_code", &crate::session::next_code(&secret))
        .await;
    browser.click("#totp button[type='submit']").await;
    shows_level(&browser, "substantial").await;
    // At `substantial` only the certificate can raise the level further.
    browser.visible("#card-start", 5).await;
    assert!(
        !browser
            .visible("#session", 1)
            .await
            .text()
            .await
            .unwrap()
            .is_empty()
    );
    let step_up_shown = browser
        .client
        .execute("return !document.getElementById('step-up').hidden", vec![])
        .await
        .unwrap();
    assert_eq!(step_up_shown, json!(false));
    browser.close().await;
}
