//! A social worker's case from opening to referral, on records the citizen
//! delegated through the platform: refused before consent, the same
//! analysis the assistant gives after it, each look a transfer and an
//! entry in the citizen's trail, and refused again once withdrawn.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::assistant_consent::{LAID_OFF, citizen, consent_as};
use crate::helpers::{OPERATOR_TOKEN, TestApp, on_both_stores, spawn_app};
use crate::session::{get_with_cookie, post_with_cookie};
use crate::transfer::{open_consent, substantial};

const WORKER: &str = "U195081948";
const SUPERVISOR: &str = "A190313126";
/// A citizen who is not the case's.
const BYSTANDER: &str = "B184750374";

on_both_stores!(another_citizen_cannot_answer_a_delegation_and_nothing_is_fetched);

async fn add_staff(app: &TestApp, id: &str, national_id: &str, role: &str) {
    let response = app
        .client
        .post(app.url("/api/admin/staff"))
        .bearer_auth(OPERATOR_TOKEN)
        .json(&json!({
            "id": id, "national_id": national_id, "name": id,
            "role": role, "team": "banqiao",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
}

async fn analysis(app: &TestApp, case: &str, cookie: &str) -> reqwest::Response {
    get_with_cookie(app, &format!("/api/cases/{case}/analysis"), cookie).await
}

fn events_by(trail: &[Value], actor: &str) -> Vec<String> {
    trail
        .iter()
        .filter(|e| e["actor"] == actor)
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_goes_from_delegated_consent_to_referral_with_every_access_in_the_trail() {
    let app = spawn_app(Backend::Postgres).await;
    add_staff(&app, "sw-lin", WORKER, "social_worker").await;
    add_staff(&app, "sup-chen", SUPERVISOR, "supervisor").await;
    let worker = substantial(&app, &citizen(WORKER)).await;
    let supervisor = substantial(&app, &citizen(SUPERVISOR)).await;

    let opened = post_with_cookie(
        &app,
        "/api/cases",
        &worker,
        json!({
            "national_id": LAID_OFF,
            "summary": "個案上個月被公司資遣，一個人住，想知道可以領哪些補助、怎麼找工作",
        }),
    )
    .await;
    assert_eq!(opened.status(), 201);
    let opened: Value = opened.json().await.unwrap();
    let case = opened["case"]["id"].as_str().unwrap().to_owned();

    // Without the citizen's consent the worker sees no records.
    let refused = analysis(&app, &case, &worker).await;
    assert_eq!(refused.status(), 403);
    let refused: Value = refused.json().await.unwrap();
    assert!(
        refused["detail"].as_str().unwrap().contains("consent"),
        "{refused}"
    );

    // The worker asks; the citizen delegates for 30 days on the platform.
    let asked = post_with_cookie(
        &app,
        &format!("/api/cases/{case}/consent"),
        &worker,
        json!({"datasets": ["labor.insurance_history", "household.registration", "tax.income"]}),
    )
    .await;
    assert_eq!(asked.status(), 201);
    let asked: Value = asked.json().await.unwrap();
    let laid_off = substantial(&app, &citizen(LAID_OFF)).await;
    let back = consent_as(
        &app,
        asked["authorize_url"].as_str().unwrap(),
        &laid_off,
        None,
        "navigator-casework",
        json!({"standing_days": 30}),
    )
    .await;
    assert_eq!(back.status(), 303);
    assert_eq!(
        back.headers()["location"],
        format!("/cases/{case}?consent=granted").as_str()
    );

    // The same analysis the citizen would get, on the delegated records
    // (once the recommender is built: run alone, the test gets here first).
    app.ready().await;
    let seen = analysis(&app, &case, &worker).await;
    assert_eq!(seen.status(), 200);
    let seen: Value = seen.json().await.unwrap();
    let benefit = seen["reply"]["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "bli.unemployment_benefit")
        .unwrap_or_else(|| panic!("{seen}"));
    assert_eq!(benefit["verdict"], "eligible");
    assert_eq!(seen["signals"]["job_loss"], true, "{seen}");
    assert!(
        seen["urgency"]["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["code"] == "job_loss"),
        "{seen}"
    );
    // The supervisor sees the case but not the records: the citizen
    // delegated to the worker alone.
    assert_eq!(analysis(&app, &case, &supervisor).await.status(), 403);

    // Referral, accepted, done.
    let referral = post_with_cookie(
        &app,
        &format!("/api/cases/{case}/referrals"),
        &worker,
        json!({"service_id": "bli.unemployment_benefit"}),
    )
    .await;
    assert_eq!(referral.status(), 201);
    let referral: Value = referral.json().await.unwrap();
    assert_eq!(referral["status"], "referred");
    for status in ["accepted", "done"] {
        let moved = post_with_cookie(
            &app,
            &format!(
                "/api/cases/{case}/referrals/{}/status",
                referral["id"].as_str().unwrap()
            ),
            &worker,
            json!({"status": status}),
        )
        .await;
        assert_eq!(moved.status(), 200, "{}", moved.text().await.unwrap());
    }

    // Each look is a transfer to casework; every access is the worker's.
    let trail = app.trail(LAID_OFF).await;
    let mut sent = std::collections::BTreeMap::<&str, usize>::new();
    for entry in &trail {
        if entry["event"] == "transfer.package" && entry["actor"] == "navigator-casework" {
            *sent.entry(entry["dataset"].as_str().unwrap()).or_default() += 1;
        }
    }
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(
        sent.values().all(|n| *n == 2),
        "the grant, then the one look: {sent:?}"
    );
    let by_worker = events_by(&trail, "staff:sw-lin");
    for event in [
        "case.access_refused",
        "case.consent_asked",
        "case.consent_granted",
        "case.records_viewed",
    ] {
        assert!(
            by_worker.iter().any(|e| e == event),
            "{event} in {by_worker:?}"
        );
    }
    assert!(
        events_by(&trail, "staff:sup-chen")
            .iter()
            .any(|e| e == "case.access_refused")
    );

    // Withdrawn at the platform: refused at once.
    let consents: Value = get_with_cookie(&app, "/api/me/consents", &laid_off)
        .await
        .json()
        .await
        .unwrap();
    let delegated = consents
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["recipient"] == "navigator-casework")
        .unwrap();
    let revoked = app
        .client
        .delete(app.url(&format!(
            "/api/me/consents/{}",
            delegated["id"].as_str().unwrap()
        )))
        .header("cookie", &laid_off)
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success());
    assert_eq!(analysis(&app, &case, &worker).await.status(), 403);
}

/// A worker's request names the case's citizen; anyone else who opens the
/// link is refused on the consent screen itself (404, as for any request
/// of another citizen), before the first confirmation fetches anything,
/// and leaves no consent behind.
async fn another_citizen_cannot_answer_a_delegation_and_nothing_is_fetched(backend: Backend) {
    let app = spawn_app(backend).await;
    add_staff(&app, "sw-lin", WORKER, "social_worker").await;
    let worker = substantial(&app, &citizen(WORKER)).await;
    let opened: Value = post_with_cookie(
        &app,
        "/api/cases",
        &worker,
        json!({"national_id": LAID_OFF, "summary": "被資遣，想知道可以領哪些補助"}),
    )
    .await
    .json()
    .await
    .unwrap();
    let case = opened["case"]["id"].as_str().unwrap().to_owned();
    let asked: Value = post_with_cookie(
        &app,
        &format!("/api/cases/{case}/consent"),
        &worker,
        json!({"datasets": ["labor.insurance_history"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let authorize_url = asked["authorize_url"].as_str().unwrap();
    // The binding travels in the pushed request, not in the link.
    assert!(!authorize_url.contains(LAID_OFF), "{authorize_url}");

    let bystander = substantial(&app, &citizen(BYSTANDER)).await;
    let request = open_consent(&app.url(authorize_url)).await;
    // Not theirs to see: answered as any request of another citizen is.
    let shown = get_with_cookie(&app, &format!("/api/consent/{request}"), &bystander).await;
    assert_eq!(shown.status(), 404);
    let confirmed = post_with_cookie(
        &app,
        &format!("/api/consent/{request}/download"),
        &bystander,
        json!({"datasets": ["labor.insurance_history"]}),
    )
    .await;
    assert_eq!(confirmed.status(), 404);
    let sent = post_with_cookie(
        &app,
        &format!("/api/consent/{request}/send"),
        &bystander,
        json!({"standing_days": 30}),
    )
    .await;
    assert_eq!(sent.status(), 404);

    for subject in [BYSTANDER, LAID_OFF] {
        let fetched: Vec<Value> = app
            .trail(subject)
            .await
            .into_iter()
            .filter(|e| e["dataset"] == "labor.insurance_history")
            .collect();
        assert!(fetched.is_empty(), "{subject}: {fetched:?}");
    }
    assert_eq!(app.db.count("SELECT COUNT(*) FROM consents").await, 0);
    assert_eq!(app.db.count("SELECT COUNT(*) FROM cloud_packages").await, 0);

    // The case's own citizen still can answer it.
    let laid_off = substantial(&app, &citizen(LAID_OFF)).await;
    let shown = get_with_cookie(&app, &format!("/api/consent/{request}"), &laid_off).await;
    assert_eq!(shown.status(), 200);
}
