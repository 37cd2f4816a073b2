//! Social-worker triage over real HTTP: staff accounts and sign-in at
//! level substantial here, with the helpers the other casework tests
//! share; the queue in `casework_queue`, referrals in `casework_referrals`.

use mydata_navigator::citizens::Citizen;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{OPERATOR_TOKEN, TestApp, citizens, on_both_stores, spawn_app};
use crate::session::{get_with_cookie, login_as, post_with_cookie, step_up_with_totp};

on_both_stores!(
    operators_manage_staff_accounts,
    staff_need_a_substantial_session,
);

pub(crate) const CRISIS: &str = "我先生上個月過世，我帶著兩個小孩，覺得活不下去了";
pub(crate) const HOUSING: &str = "想了解社會住宅要怎麼申請，需要準備哪些文件";
pub(crate) const TUITION: &str = "請問大學的學雜費減免要去哪裡申請";

/// The synthetic citizens in a fixed order: staff and clients are picked
/// from it by position.
pub(crate) fn people() -> Vec<Citizen> {
    let mut all: Vec<_> = citizens().iter().cloned().collect();
    all.sort_by(|a, b| a.id.cmp(&b.id));
    all
}

pub(crate) fn nid(citizen: &Citizen) -> String {
    citizen.identity.national_id.to_string()
}

pub(crate) async fn post_staff(app: &TestApp, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/admin/staff"))
        .bearer_auth(OPERATOR_TOKEN)
        .json(body)
        .send()
        .await
        .unwrap()
}

/// Makes `citizen` staff and signs them in at level substantial; the cookie.
pub(crate) async fn hire(
    app: &TestApp,
    id: &str,
    citizen: &Citizen,
    role: &str,
    extra: Value,
) -> String {
    let mut body =
        json!({"id": id, "national_id": nid(citizen), "name": citizen.identity.name, "role": role});
    if let (Some(body), Some(extra)) = (body.as_object_mut(), extra.as_object()) {
        body.extend(extra.clone());
    }
    let response = post_staff(app, &body).await;
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let cookie = login_as(app, citizen).await;
    step_up_with_totp(app, citizen, &cookie).await
}

pub(crate) async fn json_of(response: reqwest::Response, status: u16) -> Value {
    let actual = response.status().as_u16();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    assert_eq!(actual, status, "{body}");
    body
}

/// Opens a case as a patient client would: the summary waits for the
/// embedding workers, which other tests in this binary may keep busy past
/// the request time limit; on a 503 it waits as `Retry-After` says and
/// asks again.
pub(crate) async fn open_case(app: &TestApp, cookie: &str, subject: &str, summary: &str) -> Value {
    let body = json!({"national_id": subject, "summary": summary});
    for _ in 0..10 {
        let response = post_with_cookie(app, "/api/cases", cookie, body.clone()).await;
        if response.status() == 503 {
            let wait: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
            continue;
        }
        return json_of(response, 201).await;
    }
    panic!("the embedding workers were never free");
}

pub(crate) fn reason_codes(urgency: &Value) -> Vec<String> {
    urgency["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap().to_owned())
        .collect()
}

pub(crate) async fn set_status(
    app: &TestApp,
    path: &str,
    cookie: &str,
    status: &str,
) -> reqwest::Response {
    post_with_cookie(app, path, cookie, json!({"status": status})).await
}

/// The events `actor` left on a citizen's trail, oldest first.
pub(crate) async fn events_by(app: &TestApp, subject: &str, actor: &str) -> Vec<String> {
    let mut events: Vec<String> = app
        .trail(subject)
        .await
        .iter()
        .filter(|e| e["actor"] == actor)
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect();
    events.reverse();
    events
}
async fn operators_manage_staff_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people();
    let body = json!({"id": "sw-chen", "national_id": nid(&people[0]), "name": "陳社工",
                      "role": "social_worker", "team": "north"});
    let unauthenticated = app
        .client
        .post(app.url("/api/admin/staff"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(unauthenticated.status(), 401);
    let created = json_of(post_staff(&app, &body).await, 201).await;
    assert_eq!(created["role"], "social_worker");
    assert_eq!(created["team"], "north");
    assert_ne!(created["national_id"], nid(&people[0]), "shown masked");

    let taken_id = json!({"id": "sw-chen", "national_id": nid(&people[1]), "name": "x",
                          "role": "social_worker", "team": "north"});
    assert_eq!(post_staff(&app, &taken_id).await.status(), 409);
    let taken_person = json!({"id": "sw-other", "national_id": nid(&people[0]), "name": "x",
                              "role": "supervisor", "team": "north"});
    assert_eq!(post_staff(&app, &taken_person).await.status(), 409);

    for (field, bad) in [
        (
            "name",
            json!({"id": "sw-a", "national_id": nid(&people[2]), "role": "supervisor", "team": "north"}),
        ),
        (
            "role",
            json!({"id": "sw-a", "national_id": nid(&people[2]), "name": "x", "role": "boss"}),
        ),
        (
            "team",
            json!({"id": "sw-a", "national_id": nid(&people[2]), "name": "x", "role": "social_worker"}),
        ),
        (
            "agency",
            json!({"id": "sw-a", "national_id": nid(&people[2]), "name": "x", "role": "agency_admin"}),
        ),
        (
            "national_id",
            json!({"id": "sw-a", "national_id": "A123456780", "name": "x", "role": "operator"}),
        ),
        (
            "id",
            json!({"id": "Bad Id", "national_id": nid(&people[2]), "name": "x", "role": "operator"}),
        ),
    ] {
        let problem = json_of(post_staff(&app, &bad).await, 400).await;
        assert_eq!(problem["field"], field, "{problem}");
    }

    // A staff member with the operator role administers staff too; a
    // social worker does not.
    let operator = hire(&app, "op-lee", &people[3], "operator", json!({})).await;
    let worker = login_as(&app, &people[0]).await;
    let worker = step_up_with_totp(&app, &people[0], &worker).await;
    let by_staff = json!({"id": "sup-north", "national_id": nid(&people[4]), "name": "x",
                          "role": "supervisor", "team": "north"});
    assert_eq!(
        post_with_cookie(&app, "/api/admin/staff", &worker, by_staff.clone())
            .await
            .status(),
        403
    );
    json_of(
        post_with_cookie(&app, "/api/admin/staff", &operator, by_staff).await,
        201,
    )
    .await;
    let listed = json_of(
        get_with_cookie(&app, "/api/admin/staff", &operator).await,
        200,
    )
    .await;
    let ids: Vec<_> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].clone())
        .collect();
    assert_eq!(ids, [json!("op-lee"), json!("sup-north"), json!("sw-chen")]);

    let deactivate = |id: &str| {
        app.client
            .post(app.url(&format!("/api/admin/staff/{id}/deactivate")))
            .bearer_auth(OPERATOR_TOKEN)
            .send()
    };
    let gone = json_of(deactivate("sw-chen").await.unwrap(), 200).await;
    assert_eq!(gone["active"], false);
    assert_eq!(deactivate("sw-chen").await.unwrap().status(), 409);
    assert_eq!(deactivate("sw-nobody").await.unwrap().status(), 404);
    assert_eq!(
        get_with_cookie(&app, "/api/staff/me", &worker)
            .await
            .status(),
        403
    );
    // Becoming staff is on the person's own trail.
    assert!(
        events_by(&app, &nid(&people[0]), "operator")
            .await
            .contains(&"staff.created".to_owned())
    );
}

async fn staff_need_a_substantial_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let people = people();
    assert_eq!(
        app.client
            .get(app.url("/api/staff/me"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // A citizen who is not staff is refused, whatever their level.
    let citizen = login_as(&app, &people[5]).await;
    let citizen = step_up_with_totp(&app, &people[5], &citizen).await;
    assert_eq!(
        get_with_cookie(&app, "/api/staff/me", &citizen)
            .await
            .status(),
        403
    );

    let body = json!({"id": "sw-wang", "national_id": nid(&people[6]), "name": "王社工",
                      "role": "social_worker", "team": "north"});
    json_of(post_staff(&app, &body).await, 201).await;
    let low = login_as(&app, &people[6]).await;
    let response = get_with_cookie(&app, "/api/staff/me", &low).await;
    assert_eq!(response.status(), 401);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "/problems/step-up-required");
    assert_eq!(problem["required_level"], "substantial");
    assert_eq!(problem["retry"], "GET /api/staff/me");
    let opened = post_with_cookie(&app, "/api/cases", &low, json!({})).await;
    assert_eq!(opened.status(), 401, "no case is opened at level low");

    let substantial = step_up_with_totp(&app, &people[6], &low).await;
    let me = json_of(
        get_with_cookie(&app, "/api/staff/me", &substantial).await,
        200,
    )
    .await;
    assert_eq!(me["id"], "sw-wang");
    assert_eq!(me["role"], "social_worker");
}
