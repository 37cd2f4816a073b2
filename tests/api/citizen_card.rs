//! Citizen-card logins over real HTTP with the committed TEST PKI: a good
//! card reaches `high` (signed by the real `navigator citizen-card sign`),
//! each kind of bad card and a replayed challenge is refused, and a `low`
//! session steps up to `high` inside one flow to read a `high` dataset.

use std::path::PathBuf;
use std::process::Command;

use mydata_navigator::citizen_card::sign::sign;
use mydata_navigator::citizens::Citizen;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{TestApp, citizens, on_both_stores, repo_path, spawn_app};
use crate::session::{cookie_from, get_with_cookie, level, login_as};

on_both_stores!(
    a_citizen_card_logs_in_at_high,
    bad_cards_and_replayed_challenges_are_refused,
    a_low_session_steps_up_to_high_within_one_flow,
);

fn pki(relative: &str) -> PathBuf {
    repo_path(&format!("datasets/pki/{relative}"))
}

fn citizen(id: &str) -> Citizen {
    citizens()
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("citizen {id}"))
}

async fn new_challenge(app: &TestApp) -> (String, String) {
    let response = app
        .client
        .post(app.url("/api/identity/card/challenge"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    (
        body["challenge_id"].as_str().unwrap().to_owned(),
        body["challenge"].as_str().unwrap().to_owned(),
    )
}

/// What the card middleware returns for `stem` under `datasets/pki/`.
fn card_signature(cert: &str, key: &str, challenge: &str) -> Value {
    let signed = sign(
        &std::fs::read(pki(cert)).unwrap(),
        &std::fs::read(pki(key)).unwrap(),
        challenge,
    )
    .unwrap();
    serde_json::to_value(signed).unwrap()
}

fn login_body(national_id: &str, challenge_id: &str, signed: &Value) -> Value {
    json!({
        "national_id": national_id,
        "challenge_id": challenge_id,
        "certificate": signed["certificate"],
        "signature": signed["signature"],
    })
}

async fn card_login(app: &TestApp, body: Value, cookie: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/api/identity/card/login"))
        .json(&body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    request.send().await.unwrap()
}

async fn a_citizen_card_logs_in_at_high(backend: Backend) {
    let app = spawn_app(backend).await;
    let holder = citizen("c001");
    let (challenge_id, challenge) = new_challenge(&app).await;
    // The card middleware, as a citizen's computer would run it.
    let output = Command::new(env!("CARGO_BIN_EXE_navigator"))
        .args(["citizen-card", "sign", "--cert"])
        .arg(pki("cards/c001.cert.pem"))
        .arg("--key")
        .arg(pki("cards/c001.key.pem"))
        .args(["--challenge", &challenge])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let signed: Value = serde_json::from_slice(&output.stdout).unwrap();

    let response = card_login(
        &app,
        login_body(holder.identity.national_id.as_str(), &challenge_id, &signed),
        None,
    )
    .await;
    assert_eq!(response.status(), 200);
    let cookie = cookie_from(&response).expect("a new session");
    let session: Value = response.json().await.unwrap();
    assert_eq!(session["level"], "high");
    assert_eq!(level(&app, &cookie).await, "high");

    let trail: Value = get_with_cookie(&app, "/api/me/trail", &cookie)
        .await
        .json()
        .await
        .unwrap();
    let events: Vec<(&str, &str)> = trail
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert!(
        events.contains(&("identity.citizen_card", "success")),
        "{events:?}"
    );
    assert!(
        events.contains(&("identity.card_holder", "success")),
        "{events:?}"
    );

    // The CRL the server checks against is published.
    let crl = app
        .client
        .get(app.url("/pki/citizen-ca.crl"))
        .send()
        .await
        .unwrap();
    assert_eq!(crl.status(), 200);
    assert_eq!(crl.headers()["content-type"], "application/pkix-crl");
    let published = crl.bytes().await.unwrap();
    let pem = std::fs::read_to_string(pki("issuing-ca.crl.pem")).unwrap();
    let (_, crl) = x509_parser::pem::parse_x509_pem(pem.as_bytes()).unwrap();
    assert_eq!(published.as_ref(), crl.contents.as_slice());
}

async fn bad_cards_and_replayed_challenges_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let ids: Vec<String> = ["c001", "c002", "c003", "c004", "c005"]
        .iter()
        .map(|id| citizen(id).identity.national_id.to_string())
        .collect();
    let cases = [
        (
            "bad-cards/expired-c001",
            "bad-cards/expired-c001",
            &ids[0],
            "expired",
        ),
        (
            "bad-cards/revoked-c002",
            "bad-cards/revoked-c002",
            &ids[1],
            "revoked",
        ),
        (
            "bad-cards/encryption-only-c003",
            "bad-cards/encryption-only-c003",
            &ids[2],
            "not meant for signing",
        ),
        (
            "bad-cards/rogue-issuer-c004",
            "bad-cards/rogue-issuer-c004",
            &ids[3],
            "not issued by a trusted",
        ),
        // c005's certificate, signed with c001's key.
        (
            "cards/c005",
            "cards/c001",
            &ids[4],
            "signature does not match",
        ),
        // c001's own card, presented for c005's ID number.
        ("cards/c001", "cards/c001", &ids[4], "does not belong"),
    ];
    for (cert, key, national_id, expected) in cases {
        // Failures from one address would lock it out after five; this
        // test is about why each card fails, not about the lockout.
        app.db.execute("DELETE FROM attempt_windows").await.unwrap();
        let (challenge_id, challenge) = new_challenge(&app).await;
        let signed = card_signature(
            &format!("{cert}.cert.pem"),
            &format!("{key}.key.pem"),
            &challenge,
        );
        let response =
            card_login(&app, login_body(national_id, &challenge_id, &signed), None).await;
        assert_eq!(response.status(), 401, "{cert}");
        assert!(response.headers().get("set-cookie").is_none(), "{cert}");
        let problem: Value = response.json().await.unwrap();
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(expected), "{cert}: {detail}");
    }

    // A good signature works once; the same challenge again is refused.
    let (challenge_id, challenge) = new_challenge(&app).await;
    let signed = card_signature("cards/c001.cert.pem", "cards/c001.key.pem", &challenge);
    let body = login_body(&ids[0], &challenge_id, &signed);
    assert_eq!(card_login(&app, body.clone(), None).await.status(), 200);
    let replay = card_login(&app, body, None).await;
    assert_eq!(replay.status(), 401);
    let problem: Value = replay.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("already used"));

    // A signature over a challenge the server never issued.
    let (challenge_id, _) = new_challenge(&app).await;
    let forged = card_signature("cards/c001.cert.pem", "cards/c001.key.pem", "AAAA");
    let response = card_login(&app, login_body(&ids[0], &challenge_id, &forged), None).await;
    assert_eq!(response.status(), 401);

    // Each refusal is in the citizen's audit trail.
    let refused = app
        .trail(&ids[1])
        .await
        .into_iter()
        .filter(|e| e["event"] == "identity.citizen_card" && e["outcome"] == "failure")
        .count();
    assert_eq!(refused, 1);
}

async fn a_low_session_steps_up_to_high_within_one_flow(backend: Backend) {
    let app = spawn_app(backend).await;
    let holder = citizen("c001");
    let other = citizen("c002");
    let cookie = login_as(&app, &holder).await;
    let path = "/api/me/datasets/health.medical_visits";

    let before: Value = get_with_cookie(&app, "/api/me", &cookie)
        .await
        .json()
        .await
        .unwrap();
    let refused = get_with_cookie(&app, path, &cookie).await;
    assert_eq!(refused.status(), 401);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/step-up-required");
    assert_eq!(problem["current_level"], "low");
    assert_eq!(problem["required_level"], "high");
    assert_eq!(problem["factors"], json!(["citizen_card"]));
    // Nothing was fetched while the level was too low.
    let fetched = app
        .trail(holder.identity.national_id.as_str())
        .await
        .into_iter()
        .any(|e| e["dataset"] == "health.medical_visits");
    assert!(!fetched);

    // Someone else's card cannot raise this session.
    let (challenge_id, challenge) = new_challenge(&app).await;
    let signed = card_signature("cards/c002.cert.pem", "cards/c002.key.pem", &challenge);
    let body = login_body(other.identity.national_id.as_str(), &challenge_id, &signed);
    assert_eq!(card_login(&app, body, Some(&cookie)).await.status(), 403);

    let (challenge_id, challenge) = new_challenge(&app).await;
    let signed = card_signature("cards/c001.cert.pem", "cards/c001.key.pem", &challenge);
    let body = login_body(holder.identity.national_id.as_str(), &challenge_id, &signed);
    let raised = card_login(&app, body, Some(&cookie)).await;
    assert_eq!(raised.status(), 200);
    // The same session, raised, under a new token; the old one is void.
    let old_cookie = cookie;
    let cookie = cookie_from(&raised).expect("a new cookie");
    assert_eq!(
        get_with_cookie(&app, "/api/me", &old_cookie).await.status(),
        401
    );
    let after: Value = get_with_cookie(&app, "/api/me", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(after["level"], "high");
    assert_eq!(
        after["expires_at"], before["expires_at"],
        "the same session continues"
    );

    let record = get_with_cookie(&app, path, &cookie).await;
    assert_eq!(record.status(), 200);
    let record: Value = record.json().await.unwrap();
    assert_eq!(record["dataset"], "health.medical_visits");
    assert_eq!(record["status"], "fetched");
    assert_eq!(record["record"], holder.records["health.medical_visits"],);

    // A low dataset never needed the step-up; another citizen's session
    // sees only its own record.
    let other_cookie = login_as(&app, &other).await;
    let theirs: Value = get_with_cookie(
        &app,
        "/api/me/datasets/household.registration",
        &other_cookie,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(theirs["record"], other.records["household.registration"]);
}

/// A new session at `high` for citizen `id` (e.g. "c001"), by card.
pub async fn card_session(app: &TestApp, id: &str) -> String {
    let holder = citizen(id);
    let (challenge_id, challenge) = new_challenge(app).await;
    let signed = card_signature(
        &format!("cards/{id}.cert.pem"),
        &format!("cards/{id}.key.pem"),
        &challenge,
    );
    let body = login_body(holder.identity.national_id.as_str(), &challenge_id, &signed);
    let response = card_login(app, body, None).await;
    assert_eq!(response.status(), 200);
    cookie_from(&response).expect("a session cookie")
}
