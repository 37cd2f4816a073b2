//! A conversation whose answer was built on `substantial` records, opened
//! later by a session that reached only `low` (someone who knows the
//! citizen's knowledge factors, on a shared computer): it must ask for a
//! step-up and show nothing of the records or of what they decided.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::assistant_consent::{LAID_OFF, ask_consent, citizen, consent_as, last_turn};
use crate::helpers::{on_both_stores, post_patiently, spawn_app};
use crate::session::{get_with_cookie, login_as, post_with_cookie};
use crate::transfer::substantial;

on_both_stores!(a_later_low_session_cannot_read_an_answer_built_on_substantial_records);

/// The only members a step-up refusal carries.
const STEP_UP_MEMBERS: [&str; 8] = [
    "type",
    "title",
    "status",
    "detail",
    "current_level",
    "required_level",
    "factors",
    "retry",
];

async fn assert_step_up(response: reqwest::Response, what: &str) {
    assert_eq!(response.status(), 401, "{what}");
    let body = response.text().await.unwrap();
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        problem["type"], "/problems/step-up-required",
        "{what}: {problem}"
    );
    assert_eq!(problem["current_level"], "low");
    assert_eq!(problem["required_level"], "substantial");
    let members: Vec<&str> = problem
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert!(
        members.iter().all(|m| STEP_UP_MEMBERS.contains(m)),
        "{what}: {problem}"
    );
    for leak in ["insurance", "eligible", "data_used", "mol.bli", "失業給付"] {
        assert!(!body.contains(leak), "{what} leaks {leak:?}: {body}");
    }
}

async fn a_later_low_session_cannot_read_an_answer_built_on_substantial_records(backend: Backend) {
    let app = spawn_app(backend).await;
    let (status, started) = post_patiently(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap();

    // The citizen, at substantial, consents; the answer reads the records.
    let laid_off = citizen(LAID_OFF);
    let cookie = substantial(&app, &laid_off).await;
    let request = ask_consent(&app, id, None, json!({})).await;
    let back = consent_as(
        &app,
        request["authorize_url"].as_str().unwrap(),
        &cookie,
        None,
        "navigator-assistant",
        json!({}),
    )
    .await;
    assert_eq!(back.status(), 303);
    let answer = last_turn(&app, id, &cookie).await;
    assert!(
        answer["data_used"]
            .as_array()
            .unwrap()
            .iter()
            .any(|used| used["dataset"] == "labor.insurance_history"),
        "{answer}"
    );
    let logged_out = post_with_cookie(&app, "/api/identity/logout", &cookie, json!({})).await;
    assert_eq!(logged_out.status(), 204);

    // Later, a login with the knowledge factors only.
    let low = login_as(&app, &laid_off).await;
    let path = format!("/api/conversations/{id}");
    assert_step_up(get_with_cookie(&app, &path, &low).await, "reading it").await;
    let follow_up = post_with_cookie(
        &app,
        &format!("{path}/messages"),
        &low,
        json!({"text": "那我可以同時領職訓津貼嗎？"}),
    )
    .await;
    assert_step_up(follow_up, "a follow-up answered on the records").await;
    let more = post_with_cookie(&app, &format!("{path}/consent"), &low, json!({})).await;
    assert_step_up(more, "asking for more records through it").await;

    // Deleting it reveals nothing: the citizen may at any level.
    let deleted = app
        .client
        .delete(app.url(&path))
        .header("cookie", &low)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
}
