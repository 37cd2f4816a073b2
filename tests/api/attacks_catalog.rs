//! Issue 17, item 4, over real HTTP on both stores: a private job bank
//! published `mohw.emergency_cash_grant` with a phishing link, eligible
//! for everyone and first for 「失業了，該怎麼辦？」; a fake "24h care line"
//! outranked 1925 for a suicidal message. Now service ids belong to their
//! agency's namespaces, an agency publishes only as the kind of provider
//! it is, new services and risky changes wait for an operator, and only
//! the platform's curated hotlines get crisis priority.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::catalog_api::{put, service};
use crate::helpers::{OPERATOR_TOKEN, TestApp, on_both_stores, post_patiently, spawn_app};

on_both_stores!(
    an_agency_cannot_publish_under_another_agencys_id_or_kind,
    a_new_service_is_recommended_only_once_an_operator_approves_it,
    a_fake_crisis_line_never_outranks_1925,
    a_risky_change_waits_for_review_while_the_reviewed_version_serves,
);

const JOBLESS: &str = "失業了，該怎麼辦？";
const SUICIDAL: &str = "我真的撐不下去了，想結束自己的生命";

async fn token(app: &TestApp, agency: &str, kind: Option<&str>) -> String {
    let query = kind.map_or(String::new(), |k| format!("?provider_type={k}"));
    let response = app
        .client
        .post(app.url(&format!("/api/admin/agencies/{agency}/token{query}")))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    body["token"].as_str().unwrap().to_owned()
}

/// The phishing service of the report: no conditions, so eligible for
/// everyone, tagged for the unemployed, a link asking for ID numbers.
fn cash_grant(id: &str, provider_type: &str) -> Value {
    json!({
        "id": id,
        "name": {"zh-TW": "失業緊急紓困金", "en": "Emergency cash grant for the unemployed"},
        "summary": {
            "zh-TW": "失業了，該怎麼辦？失業者可立即申請緊急紓困現金。",
            "en": "Out of work? Apply for emergency cash at once."
        },
        "provider_type": provider_type,
        "needs": ["unemployment_benefit", "income_support", "job_search"],
        "region": "national",
        "channels": ["online"],
        "how_to_apply": {
            "zh-TW": "至 https://mohw-grant.example/apply 填寫身分證字號與健保卡號。",
            "en": "Fill in your ID and NHI card numbers at https://mohw-grant.example/apply."
        },
        "benefit": {"zh-TW": "現金", "en": "Cash"},
        "source": "衛生福利部",
        "as_of": "2026",
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/catalog/services"))
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn operator(app: &TestApp, action: &str, id: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/api/admin/catalog/reviews/{id}/{action}")))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap()
}

async fn public_ids(app: &TestApp) -> Vec<String> {
    let all: Vec<Value> = app
        .client
        .get(app.url("/api/catalog/services"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    all.iter()
        .map(|e| e["service"]["id"].as_str().unwrap().to_owned())
        .collect()
}

async fn recommended(app: &TestApp, text: &str) -> Vec<String> {
    let (status, answer) = post_patiently(
        app,
        "/api/recommend",
        &json!({"text": text, "date": "2026-12-01"}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["service"].as_str().unwrap().to_owned())
        .collect()
}

async fn an_agency_cannot_publish_under_another_agencys_id_or_kind(backend: Backend) {
    let app = spawn_app(backend).await;
    let job104 = token(&app, "job104", None).await;

    // Under the ministry's id: refused, whatever it claims to be.
    for kind in ["private", "public"] {
        let response = create(
            &app,
            &job104,
            &cash_grant("mohw.emergency_cash_grant", kind),
        )
        .await;
        assert_eq!(response.status(), 403, "{kind}");
        let problem: Value = response.json().await.unwrap();
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("not in a namespace of job104"), "{detail}");
    }
    // Under its own id but as a public agency: refused too.
    let response = create(
        &app,
        &job104,
        &cash_grant("job104.emergency_cash_grant", "public"),
    )
    .await;
    assert_eq!(response.status(), 403);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("private provider"),
        "{problem}"
    );
    // Nor may it turn its own published service into a public one.
    let mut bank = service(&app, "job104.job_bank").await;
    let original = bank.clone();
    bank["provider_type"] = json!("public");
    assert_eq!(
        put(&app, &job104, "job104.job_bank", &bank).await.status(),
        403
    );
    assert_eq!(service(&app, "job104.job_bank").await, original);

    // The dry run says the same before anything is sent.
    let answer: Value = app
        .client
        .post(app.url("/api/catalog/validate"))
        .bearer_auth(&job104)
        .json(&cash_grant("mohw.emergency_cash_grant", "public"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["valid"], false);
    let problems = answer["problems"].to_string();
    assert!(
        problems.contains("not in a namespace of job104"),
        "{problems}"
    );
    assert!(problems.contains("private provider"), "{problems}");

    // Nothing was stored, published or queued.
    assert!(
        !public_ids(&app)
            .await
            .iter()
            .any(|id| id.contains("cash_grant"))
    );
    let waiting: Vec<Value> = app
        .client
        .get(app.url("/api/admin/catalog/reviews"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(waiting.is_empty(), "{waiting:?}");
}

async fn a_new_service_is_recommended_only_once_an_operator_approves_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let job104 = token(&app, "job104", None).await;
    let id = "job104.emergency_cash_grant";
    let response = create(&app, &job104, &cash_grant(id, "private")).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["review"], "pending", "{created}");

    // Stored, but not public and not recommended.
    assert!(!public_ids(&app).await.contains(&id.to_owned()));
    let shown = app
        .client
        .get(app.url(&format!("/api/catalog/services/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(shown.status(), 404);
    assert!(!recommended(&app, JOBLESS).await.contains(&id.to_owned()));
    // The clerk sees it waiting.
    let mine: Value = app
        .client
        .get(app.url("/api/catalog/mine"))
        .bearer_auth(&job104)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let entry = mine["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id)
        .unwrap();
    assert_eq!(entry["review"], "pending");

    // Only an operator approves, and the approval is audited.
    assert_eq!(
        app.client
            .post(app.url(&format!("/api/admin/catalog/reviews/{id}/approve")))
            .bearer_auth(&job104)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    let waiting: Value = app
        .client
        .get(app.url("/api/admin/catalog/reviews"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(waiting[0]["id"], id, "{waiting}");
    assert_eq!(waiting[0]["published"], Value::Null);
    assert_eq!(operator(&app, "approve", id).await.status(), 200);
    assert_eq!(operator(&app, "approve", id).await.status(), 404, "once");
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM audit_log WHERE event = 'catalog.approve'")
            .await,
        1
    );

    assert!(public_ids(&app).await.contains(&id.to_owned()));
    assert!(recommended(&app, JOBLESS).await.contains(&id.to_owned()));
}

async fn a_fake_crisis_line_never_outranks_1925(backend: Backend) {
    let app = spawn_app(backend).await;
    let fake = token(&app, "carefake", Some("ngo")).await;
    let id = "carefake.care_line_24h";
    let line = json!({
        "id": id,
        "name": {"zh-TW": "24小時關懷專線：撐不下去、想結束自己的生命時請打給我們", "en": "24h care line"},
        "summary": {
            "zh-TW": "我真的撐不下去了，想結束自己的生命？24小時免付費自殺防治與心理支持專線。",
            "en": "Can't go on? Free 24/7 suicide-prevention line."
        },
        "provider_type": "ngo",
        "needs": ["mental_health"],
        "region": "national",
        "channels": ["phone"],
        "how_to_apply": {"zh-TW": "撥打 0204-555-666", "en": "Call 0204-555-666"},
        "benefit": {"zh-TW": "電話關懷", "en": "Phone support"},
        "source": "carefake",
        "as_of": "2026",
    });
    assert_eq!(create(&app, &fake, &line).await.status(), 201);
    // Even once an operator lets it be listed, it earns no crisis priority.
    assert_eq!(operator(&app, "approve", id).await.status(), 200);

    let ranked = recommended(&app, SUICIDAL).await;
    assert_eq!(ranked[0], "mohw.hotline_1925", "{ranked:?}");
    let curated = [
        "mohw.hotline_1925",
        "lifeline.hotline_1995",
        "ccf.teacher_chang_1980",
    ];
    if let Some(at) = ranked.iter().position(|s| s == id) {
        for line in curated {
            let curated_at = ranked.iter().position(|s| s == line);
            assert!(
                curated_at.is_some_and(|c| c < at),
                "{line} after {id}: {ranked:?}"
            );
        }
    }

    // The crisis block of a conversation holds only the curated lines.
    let (status, started) =
        post_patiently(&app, "/api/conversations", &json!({"text": SUICIDAL})).await;
    assert_eq!(status, 201, "{started}");
    let reply = &started["reply"];
    assert_eq!(reply["crisis"], true);
    assert_eq!(reply["hotlines"][0]["number"], "1925", "{reply}");
    assert!(!reply["hotlines"].to_string().contains("0204"), "{reply}");
    assert_eq!(
        reply["services"][0]["service"], "mohw.hotline_1925",
        "{reply}"
    );
}

async fn a_risky_change_waits_for_review_while_the_reviewed_version_serves(backend: Backend) {
    let app = spawn_app(backend).await;
    let wda = token(&app, "mol.wda", None).await;
    let id = "wda.public_employment_service";
    let reviewed = service(&app, id).await;

    // A new phone number and link where citizens are sent: it waits.
    let mut risky = reviewed.clone();
    risky["how_to_apply"]["zh-TW"] =
        json!("撥打 0800-000-123 或上 https://taiwanjobs.example 登記。");
    let response = put(&app, &wda, id, &risky).await;
    assert_eq!(response.status(), 202);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["review"], "pending");
    assert!(
        answer["reasons"].to_string().contains("0800000123"),
        "{answer}"
    );
    assert_eq!(
        service(&app, id).await,
        reviewed,
        "the reviewed version serves"
    );
    assert!(recommended(&app, JOBLESS).await.contains(&id.to_owned()));

    // A plain edit is published at once and supersedes what waited.
    let mut plain = reviewed.clone();
    plain["summary"]["en"] = json!("Free job matching and counselling.");
    let response = put(&app, &wda, id, &plain).await;
    assert_eq!(response.status(), 200);
    assert_eq!(service(&app, id).await, plain);
    assert_eq!(operator(&app, "approve", id).await.status(), 404);

    // Claimed from someone else, or a crisis tag: it waits again, and an
    // operator decides.
    let mut claimed = plain.clone();
    claimed["source"] = json!("衛生福利部");
    claimed["needs"] = json!([
        "job_search",
        "unemployment_benefit",
        "vocational_training",
        "mental_health"
    ]);
    assert_eq!(put(&app, &wda, id, &claimed).await.status(), 202);
    assert_eq!(service(&app, id).await, plain);
    assert_eq!(operator(&app, "reject", id).await.status(), 204);
    assert_eq!(service(&app, id).await, plain, "rejected: unchanged");

    assert_eq!(put(&app, &wda, id, &risky).await.status(), 202);
    assert_eq!(operator(&app, "approve", id).await.status(), 200);
    assert_eq!(service(&app, id).await, risky, "approved: published");
}
