//! Knowledge-factor login over real HTTP: the level it reaches, the session
//! cookie and its expiry, answers that do not reveal whether an ID number
//! exists, lockout after repeated failures, and a trail each citizen can read
//! only for themselves.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{citizens, on_both_stores, some_citizen, spawn_app, stranger_id};
use crate::session::{
    cookie_from, current_code, get_with_cookie, level, login, login_as, next_code, post_with_cookie,
};

on_both_stores!(
    knowledge_factors_log_in_at_low,
    wrong_or_unknown_factors_are_refused_alike,
    five_failures_lock_the_citizen_out,
    sessions_expire_and_end_at_logout,
    a_citizen_reads_only_their_own_trail,
    an_authenticator_code_raises_the_session_to_substantial,
);

async fn knowledge_factors_log_in_at_low(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let identity = &citizen.identity;
    let response = login(
        &app,
        identity.national_id.as_str(),
        &identity.nhi_card_number,
        &identity.id_issue_date,
    )
    .await;
    assert_eq!(response.status(), 200);
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    for attribute in [
        "navigator_session=",
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/",
    ] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["level"], "low");
    assert_eq!(body["subject"], identity.national_id.masked());

    let cookie = set_cookie.split(';').next().unwrap();
    let me: Value = get_with_cookie(&app, "/api/me", cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["level"], "low");

    // Checked with the registry through the broker, and audited.
    let trail: Value = get_with_cookie(&app, "/api/me/trail", cookie)
        .await
        .json()
        .await
        .unwrap();
    let event = &trail.as_array().unwrap()[0];
    assert_eq!(event["event"], "identity.knowledge");
    assert_eq!(event["outcome"], "success");
    assert!(
        !trail.to_string().contains(&identity.nhi_card_number),
        "no secrets in the trail"
    );
    let log = app
        .store
        .provider_downloads("moi.household", 10)
        .await
        .unwrap();
    assert_eq!(log[0].outcome, "identity_match");
}

async fn wrong_or_unknown_factors_are_refused_alike(backend: Backend) {
    let app = spawn_app(backend).await;
    let identity = some_citizen().identity;
    let wrong = login(
        &app,
        identity.national_id.as_str(),
        "000000000000",
        &identity.id_issue_date,
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    let wrong: Value = wrong.json().await.unwrap();
    let unknown = login(
        &app,
        &stranger_id(),
        &identity.nhi_card_number,
        &identity.id_issue_date,
    )
    .await;
    assert_eq!(unknown.status(), 401);
    let unknown: Value = unknown.json().await.unwrap();
    assert_eq!(
        wrong["detail"], unknown["detail"],
        "existence must not show"
    );

    let malformed = login(&app, "A12345678", "x", "y").await;
    assert_eq!(malformed.status(), 400);
}

async fn five_failures_lock_the_citizen_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let identity = some_citizen().identity;
    let id = identity.national_id.as_str();
    for _ in 0..5 {
        assert_eq!(
            login(&app, id, "999999999999", &identity.id_issue_date)
                .await
                .status(),
            401
        );
    }
    // Now even the right factors are refused for a while.
    let locked = login(&app, id, &identity.nhi_card_number, &identity.id_issue_date).await;
    assert_eq!(locked.status(), 429);
    // Until the window that the first failure opened ends.
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((840..=900).contains(&retry), "Retry-After {retry}");
    let failures = app
        .store
        .audit_trail(id, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "identity.knowledge" && e.outcome == "failure")
        .count();
    assert_eq!(failures, 5, "each failure audited");
    // The same address is locked for other citizens too.
    let other = citizens()
        .iter()
        .find(|c| c.identity.national_id != identity.national_id)
        .unwrap()
        .clone();
    let response = login(
        &app,
        other.identity.national_id.as_str(),
        &other.identity.nhi_card_number,
        &other.identity.id_issue_date,
    )
    .await;
    assert_eq!(response.status(), 429);
}

async fn sessions_expire_and_end_at_logout(backend: Backend) {
    let app = spawn_app(backend).await;
    let cookie = login_as(&app, &some_citizen()).await;
    assert_eq!(
        get_with_cookie(&app, "/api/me", &cookie).await.status(),
        200
    );
    assert_eq!(
        get_with_cookie(&app, "/api/me", "navigator_session=forged")
            .await
            .status(),
        401
    );
    assert_eq!(
        app.client
            .get(app.url("/api/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );

    // Idle for longer than the idle timeout (as if 20 minutes had passed).
    app.db
        .execute("UPDATE sessions SET last_seen_ms = last_seen_ms - 1200000")
        .await
        .unwrap();
    let expired = get_with_cookie(&app, "/api/me", &cookie).await;
    assert_eq!(expired.status(), 401);

    let cookie = login_as(&app, &some_citizen()).await;
    let logout = app
        .client
        .post(app.url("/api/identity/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(logout.status(), 204);
    assert!(
        logout.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        get_with_cookie(&app, "/api/me", &cookie).await.status(),
        401
    );
}

async fn a_citizen_reads_only_their_own_trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let mut all: Vec<_> = citizens().iter().cloned().collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    let (alice, bob) = (&all[0], &all[1]);
    app.fetch(bob.identity.national_id.as_str(), &["tax.income"])
        .await;
    let cookie = login_as(&app, alice).await;
    let trail: Value = get_with_cookie(&app, "/api/me/trail", &cookie)
        .await
        .json()
        .await
        .unwrap();
    let entries = trail.as_array().unwrap();
    assert_eq!(entries.len(), 1, "only Alice's own login: {trail}");
    assert!(
        !trail
            .to_string()
            .contains(bob.identity.national_id.as_str())
    );
    // There is no way to name another citizen on the citizen's API.
    let other = format!("/api/me/trail?subject={}", bob.identity.national_id);
    let trail: Value = get_with_cookie(&app, &other, &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(trail.as_array().unwrap().len(), 1);
    // The operator API refuses a citizen's session.
    let path = format!("/api/audit/subjects/{}/trail", bob.identity.national_id);
    assert_eq!(get_with_cookie(&app, &path, &cookie).await.status(), 401);
}

async fn an_authenticator_code_raises_the_session_to_substantial(backend: Backend) {
    let app = spawn_app(backend).await;
    let anonymous = app
        .client
        .post(app.url("/api/identity/totp/enroll"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401, "enrolment needs a login first");

    // The authenticator is bound from a card session (knowledge factors
    // alone may not bind one), then proves codes in later logins.
    let card = crate::citizen_card::card_session(&app, &some_citizen().id).await;
    let enrolment: Value = post_with_cookie(&app, "/api/identity/totp/enroll", &card, json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = enrolment["secret"].as_str().unwrap();
    assert!(
        enrolment["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/")
    );
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    // At rest the secret is sealed: a copy of the database does not hold it.
    let stored = app
        .store
        .totp_get(some_citizen().identity.national_id.as_str())
        .await
        .unwrap()
        .unwrap();
    assert!(stored.secret.starts_with("v1:"));
    assert!(!stored.secret.contains(secret));
    let bound = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &card,
        json!({"code": current_code(secret)}),
    )
    .await;
    assert_eq!(bound.status(), 200);
    assert_eq!(
        level(&app, &card).await,
        "high",
        "a high session stays high"
    );

    let cookie = login_as(&app, &some_citizen()).await;

    let wrong = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &cookie,
        json!({"code": "000000"}),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    let code = next_code(secret);
    let right = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &cookie,
        json!({"code": code}),
    )
    .await;
    assert_eq!(right.status(), 200);
    // A step-up moves the session to a new token; the old one is void.
    let old_cookie = cookie;
    let cookie = cookie_from(&right).expect("a new cookie after the step-up");
    assert_eq!(
        get_with_cookie(&app, "/api/me", &old_cookie).await.status(),
        401
    );
    let me: Value = get_with_cookie(&app, "/api/me", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["level"], "substantial");

    let replay = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &cookie,
        json!({"code": code}),
    )
    .await;
    assert_eq!(replay.status(), 401, "a code is accepted once");
    let again = post_with_cookie(&app, "/api/identity/totp/enroll", &cookie, json!({})).await;
    assert_eq!(
        again.status(),
        409,
        "a confirmed authenticator is not silently replaced"
    );

    let trail: Value = get_with_cookie(&app, "/api/me/trail", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert!(trail.to_string().contains("identity.totp"));
    assert!(
        !trail.to_string().contains(secret),
        "no secrets in the trail"
    );
}
