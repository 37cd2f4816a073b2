//! Logging in and calling the API as a citizen, as a browser would: the
//! session cookie goes back with each request.

use mydata_navigator::citizens::Citizen;
use serde_json::{Value, json};

use crate::citizen_card::card_session;
use crate::helpers::TestApp;

pub async fn login(app: &TestApp, national_id: &str, nhi: &str, issued: &str) -> reqwest::Response {
    app.client
        .post(app.url("/api/identity/knowledge"))
        .json(&json!({"national_id": national_id, "nhi_card_number": nhi, "id_issue_date": issued}))
        .send()
        .await
        .unwrap()
}

/// Logs in at level `low`; returns the `Cookie` header value.
pub async fn login_as(app: &TestApp, citizen: &Citizen) -> String {
    let identity = &citizen.identity;
    let response = login(
        app,
        identity.national_id.as_str(),
        &identity.nhi_card_number,
        &identity.id_issue_date,
    )
    .await;
    assert_eq!(response.status(), 200);
    cookie_from(&response).expect("a session cookie")
}

/// The `name=value` part of a `Set-Cookie` header, if one was sent.
pub fn cookie_from(response: &reqwest::Response) -> Option<String> {
    let header = response.headers().get("set-cookie")?.to_str().ok()?;
    header.split(';').next().map(str::to_owned)
}

pub async fn get_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

pub async fn post_with_cookie(
    app: &TestApp,
    path: &str,
    cookie: &str,
    body: Value,
) -> reqwest::Response {
    app.client
        .post(app.url(path))
        .header("cookie", cookie)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// The session's level as `/api/me` reports it.
pub async fn level(app: &TestApp, cookie: &str) -> String {
    let me: Value = get_with_cookie(app, "/api/me", cookie)
        .await
        .json()
        .await
        .unwrap();
    me["level"].as_str().unwrap_or_default().to_owned()
}

fn authenticator(secret: &str) -> totp_rs::TOTP {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        "test".into(),
    )
    .unwrap()
}

/// The code an authenticator app would show now for `secret`.
pub fn current_code(secret: &str) -> String {
    authenticator(secret).generate_current().unwrap()
}

/// The code of the next 30-second step: each code is accepted once, and
/// binding the authenticator spent the current one.
pub fn next_code(secret: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    authenticator(secret).generate(now + 30)
}

/// Binds a new authenticator app for `citizen` the way the platform
/// allows: from a session at `high`, by their citizen card (knowledge
/// factors alone may not bind one). Returns that card session's cookie
/// and the secret; the current code is spent, so prove [`next_code`].
pub async fn bind_totp(app: &TestApp, citizen: &Citizen) -> (String, String) {
    // The platform never replaces a bound authenticator; a test that binds
    // twice for one citizen starts the second from none.
    let subject = citizen.identity.national_id.as_str();
    app.db
        .execute(&format!(
            "DELETE FROM totp_credentials WHERE subject = '{subject}'"
        ))
        .await
        .unwrap();
    let card = card_session(app, &citizen.id).await;
    let enrolment = post_with_cookie(app, "/api/identity/totp/enroll", &card, json!({})).await;
    assert_eq!(enrolment.status(), 200);
    let enrolment: Value = enrolment.json().await.unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let verified = post_with_cookie(
        app,
        "/api/identity/totp/verify",
        &card,
        json!({"code": current_code(&secret)}),
    )
    .await;
    assert_eq!(verified.status(), 200);
    (card, secret)
}

/// Raises the `low` session `cookie` of `citizen` to `substantial` with
/// an authenticator-app code, binding the authenticator first (by card,
/// in a session of its own). Returns the session's new cookie.
pub async fn step_up_with_totp(app: &TestApp, citizen: &Citizen, cookie: &str) -> String {
    let (_, secret) = bind_totp(app, citizen).await;
    let verified = post_with_cookie(
        app,
        "/api/identity/totp/verify",
        cookie,
        json!({"code": next_code(&secret)}),
    )
    .await;
    assert_eq!(verified.status(), 200);
    cookie_from(&verified).expect("a new cookie after the step-up")
}
