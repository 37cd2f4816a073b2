//! Step-up by self-enrolment: whoever knows a citizen's knowledge factors
//! (ID number, NHI card number, ID issue date) logs in at `low`. Binding a
//! new authenticator app or passkey from there would buy `substantial`
//! and the tax, labour and welfare records behind it, and lock the real
//! citizen out of their own enrolment. Binding needs the level it grants,
//! so each attempt is a 403 `step-up-required` that changes nothing; the
//! citizen binds theirs after a card login and uses it later.

use mydata_navigator::citizens::Citizen;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::casework::{json_of, nid, people, post_staff};
use crate::citizen_card::card_session;
use crate::helpers::{TestApp, on_both_stores, some_citizen, spawn_app};
use crate::session::{
    bind_totp, current_code, get_with_cookie, level, login_as, next_code, post_with_cookie,
};

on_both_stores!(
    a_low_session_cannot_bind_an_authenticator,
    knowledge_factors_cannot_add_a_second_authenticator,
    an_enrolment_is_confirmed_only_at_its_level,
    staff_knowledge_factors_cannot_reach_staff_administration,
);

const ENROL: &str = "/api/identity/totp/enroll";
const VERIFY: &str = "/api/identity/totp/verify";
const PASSKEY: &str = "/api/identity/passkey/register/start";

/// The 403 problem a refused enrolment is: the step-up, naming `factors`.
async fn refused(response: reqwest::Response, factors: Value) {
    let problem = json_of(response, 403).await;
    assert_eq!(problem["type"], "/problems/step-up-required", "{problem}");
    assert_eq!(problem["current_level"], "low");
    assert_eq!(problem["required_level"], "substantial");
    assert_eq!(problem["factors"], factors);
}

/// Rows an enrolment would write for `citizen`: TOTP credentials, passkeys
/// and passkey-registration ceremonies.
async fn enrolment_rows(app: &TestApp, citizen: &Citizen) -> i64 {
    let subject = citizen.identity.national_id.as_str();
    let mut rows = 0;
    for sql in [
        format!("SELECT COUNT(*) FROM totp_credentials WHERE subject = '{subject}'"),
        format!("SELECT COUNT(*) FROM passkeys WHERE subject = '{subject}'"),
        format!(
            "SELECT COUNT(*) FROM identity_challenges \
             WHERE subject = '{subject}' AND kind = 'passkey.register'"
        ),
    ] {
        rows += app.db.count(&sql).await;
    }
    rows
}

async fn a_low_session_cannot_bind_an_authenticator(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let attacker = login_as(&app, &citizen).await;

    refused(
        post_with_cookie(&app, ENROL, &attacker, json!({})).await,
        json!(["citizen_card"]),
    )
    .await;
    refused(
        post_with_cookie(&app, PASSKEY, &attacker, json!({})).await,
        json!(["citizen_card"]),
    )
    .await;
    assert_eq!(enrolment_rows(&app, &citizen).await, 0, "nothing stored");
    assert_eq!(level(&app, &attacker).await, "low");
    // Refusals are on the citizen's trail, where they can see them.
    let refusals = app
        .trail(citizen.identity.national_id.as_str())
        .await
        .into_iter()
        .filter(|e| {
            e["outcome"] == "failure"
                && (e["event"] == "identity.totp.enroll" || e["event"] == "identity.passkey.enroll")
        })
        .count();
    assert_eq!(refusals, 2);

    // The citizen's own enrolment is not blocked: after a card login it is
    // bound, and a later knowledge login steps up with its code.
    let card = card_session(&app, &citizen.id).await;
    let enrolment = json_of(post_with_cookie(&app, ENROL, &card, json!({})).await, 200).await;
    let secret = enrolment["secret"].as_str().unwrap();
    let bound = post_with_cookie(&app, VERIFY, &card, json!({"code": current_code(secret)})).await;
    assert_eq!(bound.status(), 200);
    assert_eq!(level(&app, &card).await, "high", "never lowered");
    let later = login_as(&app, &citizen).await;
    let raised = post_with_cookie(&app, VERIFY, &later, json!({"code": next_code(secret)})).await;
    assert_eq!(raised.status(), 200);
    let later = crate::session::cookie_from(&raised).unwrap();
    assert_eq!(level(&app, &later).await, "substantial");
}

async fn knowledge_factors_cannot_add_a_second_authenticator(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let subject = citizen.identity.national_id.as_str();
    let (_, secret) = bind_totp(&app, &citizen).await;
    let stored = app.store.totp_get(subject).await.unwrap().unwrap();

    let attacker = login_as(&app, &citizen).await;
    let factors = json!(["totp", "citizen_card"]);
    refused(
        post_with_cookie(&app, ENROL, &attacker, json!({})).await,
        factors.clone(),
    )
    .await;
    refused(
        post_with_cookie(&app, PASSKEY, &attacker, json!({})).await,
        factors,
    )
    .await;
    assert_eq!(level(&app, &attacker).await, "low");
    let after = app.store.totp_get(subject).await.unwrap().unwrap();
    assert_eq!(after.secret, stored.secret, "the bound one is kept");
    assert_eq!(
        app.db
            .count(&format!(
                "SELECT COUNT(*) FROM passkeys WHERE subject = '{subject}'"
            ))
            .await,
        0
    );

    // The citizen's authenticator still works, and even at `substantial`
    // enrolling again does not replace it: refused and audited.
    let own = login_as(&app, &citizen).await;
    let raised = post_with_cookie(&app, VERIFY, &own, json!({"code": next_code(&secret)})).await;
    assert_eq!(raised.status(), 200);
    let own = crate::session::cookie_from(&raised).unwrap();
    assert_eq!(
        post_with_cookie(&app, ENROL, &own, json!({}))
            .await
            .status(),
        409
    );
    let kept = app.store.totp_get(subject).await.unwrap().unwrap();
    assert_eq!(kept.secret, stored.secret);
    let trail = app.trail(subject).await;
    assert!(
        trail.iter().any(|e| e["event"] == "identity.totp.enroll"
            && e["detail"].as_str().unwrap_or("").contains("kept")),
        "the refused replacement is audited"
    );
}

async fn an_enrolment_is_confirmed_only_at_its_level(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let subject = citizen.identity.national_id.as_str();
    // Started from a card session, never confirmed there.
    let card = card_session(&app, &citizen.id).await;
    let enrolment = json_of(post_with_cookie(&app, ENROL, &card, json!({})).await, 200).await;
    let secret = enrolment["secret"].as_str().unwrap();

    // A low session holding the right code still cannot confirm it.
    let low = login_as(&app, &citizen).await;
    refused(
        post_with_cookie(&app, VERIFY, &low, json!({"code": current_code(secret)})).await,
        json!(["citizen_card"]),
    )
    .await;
    assert_eq!(level(&app, &low).await, "low");
    let pending = app.store.totp_get(subject).await.unwrap().unwrap();
    assert!(!pending.confirmed);
}

/// A staff operator's knowledge factors once reached `substantial` by
/// self-enrolment, and with it the power to create staff accounts.
async fn staff_knowledge_factors_cannot_reach_staff_administration(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people();
    let operator = &people[3];
    let body = json!({"id": "op-lee", "national_id": nid(operator),
                      "name": operator.identity.name, "role": "operator"});
    json_of(post_staff(&app, &body).await, 201).await;

    let low = login_as(&app, operator).await;
    refused(
        post_with_cookie(&app, ENROL, &low, json!({})).await,
        json!(["citizen_card"]),
    )
    .await;
    refused(
        post_with_cookie(&app, PASSKEY, &low, json!({})).await,
        json!(["citizen_card"]),
    )
    .await;
    let supervisor = json!({"id": "sup-north", "national_id": nid(&people[4]), "name": "x",
                            "role": "supervisor", "team": "north"});
    let created = post_with_cookie(&app, "/api/admin/staff", &low, supervisor).await;
    assert_eq!(created.status(), 401);
    assert_eq!(level(&app, &low).await, "low");
    let listed = json_of(
        app.client
            .get(app.url("/api/admin/staff"))
            .bearer_auth(crate::helpers::OPERATOR_TOKEN)
            .send()
            .await
            .unwrap(),
        200,
    )
    .await;
    let ids: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(ids, [json!("op-lee")], "no supervisor was created");
    assert_eq!(
        get_with_cookie(&app, "/api/staff/me", &low).await.status(),
        401
    );
}
