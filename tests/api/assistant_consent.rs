//! Whole conversations in which the citizen consents: the assistant asks
//! through the platform's own online flow (login at the records' level,
//! two confirmations, receipt, trail), reads the package and answers on
//! the citizen's records; partial consent, an agency that fails and a
//! retry, follow-ups that reuse what was consented, deletion.

use std::collections::BTreeMap;

use mydata_navigator::citizens::Citizen;
use mydata_navigator::ids::NationalId;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{
    FlakyAgency, TestApp, browser, citizens, post_patiently as post, spawn_app, spawn_app_with,
};
use crate::session::{get_with_cookie, login_as, post_with_cookie};
use crate::transfer::{download, open_consent, substantial};

pub fn citizen(national_id: &str) -> Citizen {
    let id = NationalId::parse(national_id).unwrap();
    citizens().get(&id).unwrap().clone()
}

/// c002: a shop assistant in New Taipei laid off in October 2026.
pub const LAID_OFF: &str = "F227918545";

fn by_service<'a>(reply: &'a Value, list: &str) -> BTreeMap<&'a str, &'a Value> {
    reply[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["service"].as_str().unwrap(), s))
        .collect()
}

fn asked(reply: &Value) -> Vec<&str> {
    reply["data_request"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["dataset"].as_str().unwrap())
        .collect()
}

fn path_of(url: &str) -> String {
    let url = reqwest::Url::parse(url).unwrap();
    format!("{}?{}", url.path(), url.query().unwrap_or(""))
}

/// The citizen's side of the platform's consent screens for the request
/// at `authorize_url`: open it, tick `ticked` (all asked when `None`),
/// confirm twice, and come back to the assistant. Returns the callback's
/// response.
async fn consent(
    app: &TestApp,
    authorize_url: &str,
    cookie: &str,
    ticked: Option<&[&str]>,
) -> reqwest::Response {
    consent_as(
        app,
        authorize_url,
        cookie,
        ticked,
        "navigator-assistant",
        json!({}),
    )
    .await
}

/// As [`consent`], for a request by `requester`, with `send` as the
/// second confirmation (`{"standing_days": 30}` for a standing consent).
pub async fn consent_as(
    app: &TestApp,
    authorize_url: &str,
    cookie: &str,
    ticked: Option<&[&str]>,
    requester: &str,
    send: Value,
) -> reqwest::Response {
    let back = consent_path(app, authorize_url, cookie, ticked, requester, send).await;
    back_to(app, &back, cookie).await
}

/// As [`consent_as`], but stops short of going back: the path and query
/// the consent screens send the browser back to the assistant with.
pub(crate) async fn consent_path(
    app: &TestApp,
    authorize_url: &str,
    cookie: &str,
    ticked: Option<&[&str]>,
    requester: &str,
    send: Value,
) -> String {
    let request = open_consent(&app.url(authorize_url)).await;
    let shown: Value = get_with_cookie(app, &format!("/api/consent/{request}"), cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown["requester"]["id"], requester, "{shown}");
    let all: Vec<&str> = shown["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["dataset"].as_str().unwrap())
        .collect();
    let ticked = ticked.map(<[&str]>::to_vec).unwrap_or(all);
    download(app, &request, cookie, &ticked).await;
    let sent: Value = post_with_cookie(app, &format!("/api/consent/{request}/send"), cookie, send)
        .await
        .json()
        .await
        .unwrap();
    let back = path_of(sent["redirect_to"].as_str().unwrap());
    assert!(back.starts_with("/assistant/callback?"), "{back}");
    back
}

/// The citizen's browser, with its session, at `path` on the assistant.
pub(crate) async fn back_to(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    browser()
        .get(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// Asks the platform for consent to what conversation `id` needs (`body`
/// may name the datasets), anonymously or with the citizen's `cookie`.
pub(crate) async fn ask_consent(
    app: &TestApp,
    id: &str,
    cookie: Option<&str>,
    body: Value,
) -> Value {
    let mut request = app
        .client
        .post(app.url(&format!("/api/conversations/{id}/consent")))
        .json(&body);
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    response.json().await.unwrap()
}

/// The conversation's last reply.
pub(crate) async fn last_turn(app: &TestApp, id: &str, cookie: &str) -> Value {
    let shown = get_with_cookie(app, &format!("/api/conversations/{id}"), cookie).await;
    assert_eq!(shown.status(), 200);
    let shown: Value = shown.json().await.unwrap();
    shown["turns"].as_array().unwrap().last().unwrap()["reply"].clone()
}

fn transfers_to_assistant(trail: &[Value]) -> usize {
    trail
        .iter()
        .filter(|e| e["event"] == "transfer.package" && e["actor"] == "navigator-assistant")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unemployment_story_from_question_to_an_answer_on_the_citizens_records() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, started) = post(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().unwrap().to_owned();
    let first = &started["reply"];
    assert!(asked(first).contains(&"labor.insurance_history"), "{first}");
    assert_eq!(
        by_service(first, "services")["bli.unemployment_benefit"]["verdict"],
        "unknown"
    );

    // Asking needs no login; the consent screens bring it.
    let request = ask_consent(&app, &id, None, json!({})).await;
    assert_eq!(request["required_level"], "substantial");
    let asked_for: Vec<&str> = request["datasets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .collect();
    let mut expected = asked(first);
    expected.sort();
    assert_eq!(asked_for, expected, "only what the answer asked for");

    let laid_off = citizen(LAID_OFF);
    // At level low the records are not released: a step-up is asked.
    let low = login_as(&app, &laid_off).await;
    let consent_id = open_consent(&app.url(request["authorize_url"].as_str().unwrap())).await;
    let refused = post_with_cookie(
        &app,
        &format!("/api/consent/{consent_id}/download"),
        &low,
        json!({"datasets": ["labor.insurance_history"]}),
    )
    .await;
    assert_eq!(refused.status(), 401);
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["required_level"], "substantial", "{refused}");

    let cookie = substantial(&app, &laid_off).await;
    let request = ask_consent(&app, &id, None, json!({})).await;
    let back = consent(
        &app,
        request["authorize_url"].as_str().unwrap(),
        &cookie,
        None,
    )
    .await;
    assert_eq!(back.status(), 303);
    assert_eq!(
        back.headers()["location"],
        format!("/?conversation={id}").as_str()
    );

    // Now the conversation holds records: only this citizen opens it.
    let anonymous = app
        .client
        .get(app.url(&format!("/api/conversations/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
    let someone_else = substantial(&app, &citizen("E240203715")).await;
    let other = get_with_cookie(&app, &format!("/api/conversations/{id}"), &someone_else).await;
    assert_eq!(other.status(), 404);

    let answer = last_turn(&app, &id, &cookie).await;
    assert_eq!(answer["after_consent"], true);
    let services = by_service(&answer, "services");
    let benefit = services
        .get("bli.unemployment_benefit")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(benefit["verdict"], "eligible", "{benefit}");
    assert!(!benefit["reasons"].as_array().unwrap().is_empty());
    // Income support judged on the household's data, not left unknown.
    assert!(
        by_service(first, "services")
            .get("mohw.emergency_assistance")
            .is_none_or(|s| s["verdict"] == "unknown"),
        "{first}"
    );
    let relief = services
        .get("mohw.emergency_assistance")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(relief["verdict"], "eligible", "{relief}");
    assert!(!relief["reasons"].as_array().unwrap().is_empty());
    // No mental-health service pushed without a signal.
    assert!(
        !services
            .keys()
            .any(|s| s.contains("1925") || s.contains("mental")),
        "{answer}"
    );
    // Job matches near home, explained.
    let vacancies = answer["vacancies"].as_array().unwrap();
    assert!(!vacancies.is_empty(), "{answer}");
    assert!(vacancies.iter().any(|v| v["city"] == "新北市"), "{answer}");
    // What was used, from whom, and when it goes.
    let used = answer["data_used"].as_array().unwrap();
    let labour = used
        .iter()
        .find(|u| u["dataset"] == "labor.insurance_history")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(labour["agency"], "mol.bli");
    assert!(labour["deleted_by"].as_str().unwrap().starts_with("20"));
    let text = answer["text"].as_str().unwrap();
    assert!(
        text.contains("符合") && text.contains("勞動部勞工保險局"),
        "{text}"
    );
    assert!(!asked(&answer).contains(&"labor.insurance_history"));

    // The trail shows the consent and the transfer to the assistant.
    let trail = app.trail(LAID_OFF).await;
    assert!(
        trail
            .iter()
            .any(|e| e["event"] == "consent.granted" && e["actor"] == "navigator-assistant")
    );
    let transferred = transfers_to_assistant(&trail);
    assert!(transferred > 0, "one entry per record sent");

    // A follow-up reuses the consented records: no new transfer.
    let follow_up = post_with_cookie(
        &app,
        &format!("/api/conversations/{id}/messages"),
        &cookie,
        json!({"text": "那我可以同時領職訓津貼嗎？"}),
    )
    .await;
    assert_eq!(follow_up.status(), 200);
    let follow_up: Value = follow_up.json().await.unwrap();
    assert!(!follow_up["data_used"].as_array().unwrap().is_empty());
    let training = by_service(&follow_up, "services");
    let training = training
        .get("bli.vocational_training_allowance")
        .unwrap_or_else(|| panic!("{follow_up}"));
    assert_ne!(training["verdict"], "unknown", "{training}");
    assert!(!asked(&follow_up).contains(&"labor.insurance_history"));
    assert_eq!(
        transfers_to_assistant(&app.trail(LAID_OFF).await),
        transferred
    );

    // Deleted at once, records and all, and the trail says so.
    let sealed = app
        .db
        .count("SELECT COUNT(*) FROM conversation_records")
        .await;
    assert!(sealed > 0, "the conversation held the records");
    let deleted = app
        .client
        .delete(app.url(&format!("/api/conversations/{id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let kept = app
        .db
        .count("SELECT COUNT(*) FROM conversation_records")
        .await;
    assert_eq!(kept, 0, "the records went with the conversation");
    let trail = app.trail(LAID_OFF).await;
    assert!(
        trail
            .iter()
            .any(|e| e["event"] == "assistant.records_deleted")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untick_and_a_failing_agency_leave_verdicts_unknown_until_a_retry_settles_them() {
    let welfare = FlakyAgency::default();
    let welfare_url = welfare.start().await;
    let app = spawn_app_with(Backend::Postgres, |args| {
        args.provider_urls = vec![("mohw.welfare".parse().unwrap(), welfare_url)];
    })
    .await;
    *welfare.target.lock().unwrap() = Some(app.url("/providers/mohw.welfare"));
    welfare
        .failing
        .store(true, std::sync::atomic::Ordering::SeqCst);

    let (status, started) = post(
        &app,
        "/api/conversations",
        &json!({"text": "I lost my job last month. What help can I get?"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    assert_eq!(started["reply"]["language"], "en");
    let id = started["id"].as_str().unwrap().to_owned();
    let first = &started["reply"];
    let wanted = asked(first);
    assert!(wanted.contains(&"welfare.status"), "{first}");
    assert!(wanted.contains(&"labor.insurance_history"), "{first}");

    let cookie = substantial(&app, &citizen(LAID_OFF)).await;
    let request = ask_consent(&app, &id, None, json!({})).await;
    // The citizen unticks the household registration; the welfare agency is down.
    let ticked: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|d| *d != "household.registration")
        .collect();
    let back = consent(
        &app,
        request["authorize_url"].as_str().unwrap(),
        &cookie,
        Some(&ticked),
    )
    .await;
    assert_eq!(back.status(), 303);

    let answer = last_turn(&app, &id, &cookie).await;
    assert_eq!(answer["language"], "en");
    let asks: BTreeMap<&str, &Value> = answer["data_request"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["dataset"].as_str().unwrap(), a))
        .collect();
    let welfare_ask = asks
        .get("welfare.status")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(welfare_ask["status"], "unavailable");
    if wanted.contains(&"household.registration") {
        let household = asks
            .get("household.registration")
            .unwrap_or_else(|| panic!("{answer}"));
        assert_eq!(household["status"], "declined");
    }
    // Each service the missing records decide stays unknown, and says so.
    for decided in welfare_ask["decides"].as_array().unwrap() {
        let services = by_service(&answer, "services");
        assert_eq!(services[decided.as_str().unwrap()]["verdict"], "unknown");
    }
    let text = answer["text"].as_str().unwrap();
    assert!(text.contains("try again"), "{text}");
    let used: Vec<&str> = answer["data_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["dataset"].as_str().unwrap())
        .collect();
    assert!(used.contains(&"labor.insurance_history") && !used.contains(&"welfare.status"));

    // The agency is back: a retry for the welfare record alone settles them.
    welfare
        .failing
        .store(false, std::sync::atomic::Ordering::SeqCst);
    let retry = ask_consent(
        &app,
        &id,
        Some(&cookie),
        json!({"datasets": ["welfare.status"]}),
    )
    .await;
    let back = consent(
        &app,
        retry["authorize_url"].as_str().unwrap(),
        &cookie,
        None,
    )
    .await;
    assert_eq!(back.status(), 303);
    let answer = last_turn(&app, &id, &cookie).await;
    let used: Vec<&str> = answer["data_used"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["dataset"].as_str().unwrap())
        .collect();
    assert!(
        used.contains(&"welfare.status") && used.contains(&"labor.insurance_history"),
        "{answer}"
    );
    assert!(!asked(&answer).contains(&"welfare.status"), "{answer}");
    assert_eq!(answer["language"], "en");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_is_asked_for_in_a_crisis_and_a_withdrawn_consent_is_not_used() {
    let app = spawn_app(Backend::Sqlite).await;
    let (status, started) = post(
        &app,
        "/api/conversations",
        &json!({"text": "我失業了，覺得活不下去，想結束生命"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let reply = &started["reply"];
    assert_eq!(reply["crisis"], true);
    assert_eq!(reply["hotlines"][0]["number"], "1925", "{reply}");
    assert!(reply["data_request"].as_array().unwrap().is_empty());
    let id = started["id"].as_str().unwrap();
    let refused = app
        .client
        .post(app.url(&format!("/api/conversations/{id}/consent")))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);

    // A consent withdrawn at the platform stops the assistant using it.
    let (_, started) = post(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    let id = started["id"].as_str().unwrap().to_owned();
    let cookie = substantial(&app, &citizen(LAID_OFF)).await;
    let request = ask_consent(
        &app,
        &id,
        None,
        json!({"datasets": ["labor.insurance_history"]}),
    )
    .await;
    assert_eq!(
        consent(
            &app,
            request["authorize_url"].as_str().unwrap(),
            &cookie,
            None
        )
        .await
        .status(),
        303
    );
    let answer = last_turn(&app, &id, &cookie).await;
    let consent_id = answer["data_used"][0]["consent_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let revoked = app
        .client
        .delete(app.url(&format!("/api/me/consents/{consent_id}")))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert!(revoked.status().is_success(), "{}", revoked.status());
    let after = post_with_cookie(
        &app,
        &format!("/api/conversations/{id}/messages"),
        &cookie,
        json!({"text": "失業給付怎麼申請？"}),
    )
    .await;
    let after: Value = after.json().await.unwrap();
    assert!(after["data_used"].as_array().unwrap().is_empty(), "{after}");
    assert_eq!(
        by_service(&after, "services")["bli.unemployment_benefit"]["verdict"],
        "unknown"
    );
}
