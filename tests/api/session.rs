//! Logging in and calling the API as a citizen, as a browser would: the
//! session cookie goes back with each request.

use mydata_navigator::citizens::Citizen;
use serde_json::{Value, json};

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

/// The code an authenticator app would show now for `secret`.
pub fn current_code(secret: &str) -> String {
    let bytes = totp_rs::Secret::Encoded(secret.to_owned())
        .to_bytes()
        .unwrap();
    let totp = totp_rs::TOTP::new(
        totp_rs::Algorithm::SHA1,
        6,
        1,
        30,
        bytes,
        None,
        "test".into(),
    )
    .unwrap();
    totp.generate_current().unwrap()
}

/// Enrols an authenticator app and proves a code: the session reaches
/// `substantial`. Returns the session's new cookie.
pub async fn step_up_with_totp(app: &TestApp, cookie: &str) -> String {
    let enrolment: Value = post_with_cookie(app, "/api/identity/totp/enroll", cookie, json!({}))
        .await
        .json()
        .await
        .unwrap();
    let code = current_code(enrolment["secret"].as_str().unwrap());
    let verified = post_with_cookie(
        app,
        "/api/identity/totp/verify",
        cookie,
        json!({"code": code}),
    )
    .await;
    assert_eq!(verified.status(), 200);
    cookie_from(&verified).expect("a new cookie after the step-up")
}
