//! Hostile bodies on every JSON POST endpoint: past the size limit,
//! nested 10,000 deep, or not UTF-8. Each must get a 4xx problem and
//! change nothing, whoever sends it. Also the helpers the other attack
//! tests share: the store's fingerprint and the problem check.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::casework::hire;
use crate::catalog_api::agency_token;
use crate::helpers::{OPERATOR_TOKEN, TestApp, on_both_stores, post_patiently, some_citizen};
use crate::session::get_with_cookie;
use crate::transfer::{active_bank, open_consent};

on_both_stores!(hostile_bodies_on_every_json_post_change_nothing);

/// Every table's row count, and the rows a refused request could have
/// changed in place: what "nothing changed" is checked against.
pub(crate) async fn fingerprint(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for (what, sql) in [
        ("audit_log", "SELECT COUNT(*) FROM audit_log"),
        ("sessions", "SELECT COUNT(*) FROM sessions"),
        ("totp_credentials", "SELECT COUNT(*) FROM totp_credentials"),
        ("passkeys", "SELECT COUNT(*) FROM passkeys"),
        (
            "identity_challenges",
            "SELECT COUNT(*) FROM identity_challenges",
        ),
        (
            "authorization_requests",
            "SELECT COUNT(*) FROM authorization_requests",
        ),
        (
            "answered_requests",
            "SELECT COUNT(*) FROM authorization_requests WHERE stage <> 'pending'",
        ),
        (
            "authorization_codes",
            "SELECT COUNT(*) FROM authorization_codes",
        ),
        ("access_tokens", "SELECT COUNT(*) FROM access_tokens"),
        ("consents", "SELECT COUNT(*) FROM consents"),
        (
            "revoked_consents",
            "SELECT COUNT(*) FROM consents WHERE revoked_ms IS NOT NULL",
        ),
        ("cloud_packages", "SELECT COUNT(*) FROM cloud_packages"),
        ("counter_tickets", "SELECT COUNT(*) FROM counter_tickets"),
        (
            "used_tickets",
            "SELECT COUNT(*) FROM counter_tickets WHERE used_ms IS NOT NULL",
        ),
        (
            "service_providers",
            "SELECT COUNT(*) FROM service_providers",
        ),
        (
            "provider_downloads",
            "SELECT COUNT(*) FROM provider_downloads",
        ),
        ("catalog_services", "SELECT COUNT(*) FROM catalog_services"),
        (
            "agency_credentials",
            "SELECT COUNT(*) FROM agency_credentials",
        ),
        ("conversations", "SELECT COUNT(*) FROM conversations"),
        (
            "conversation_turns",
            "SELECT COUNT(*) FROM conversation_turns",
        ),
        (
            "conversation_records",
            "SELECT COUNT(*) FROM conversation_records",
        ),
        ("staff", "SELECT COUNT(*) FROM staff"),
        ("cases", "SELECT COUNT(*) FROM cases"),
        ("case_notes", "SELECT COUNT(*) FROM case_notes"),
        ("case_referrals", "SELECT COUNT(*) FROM case_referrals"),
        ("case_delegations", "SELECT COUNT(*) FROM case_delegations"),
    ] {
        counts.push((what, app.db.count(sql).await));
    }
    counts
}

/// Asserts a 4xx RFC 9457 problem; returns its status and body.
pub(crate) async fn refused(response: reqwest::Response, context: &str) -> (u16, Value) {
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = response.text().await.unwrap_or_default();
    assert!((400..500).contains(&status), "{context}: {status} {body}");
    assert!(
        kind.starts_with("application/problem+json"),
        "{context}: {status} {kind} {body}"
    );
    let problem: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
    assert_eq!(problem["status"], status, "{context}: {body}");
    (status, problem)
}

/// Who a route wants; the attacker presents it so that the body, not the
/// credential, is what gets judged.
#[derive(Clone, Copy)]
enum Caller {
    Anyone,
    Citizen,
    Operator,
    Agency,
}

/// Every route that reads a JSON body. The OAuth endpoints take forms and
/// answer in OAuth's own format (`attacks_oauth`); TOTP enrolment, the
/// passkey and card challenges and logout read no body at all.
fn json_routes(conversation: &str, request: &str, subject: &str) -> Vec<(String, Caller)> {
    use Caller::*;
    [
        ("/api/broker/fetch".to_owned(), Operator),
        ("/api/understand".to_owned(), Anyone),
        ("/api/recommend".to_owned(), Anyone),
        ("/api/conversations".to_owned(), Anyone),
        (
            format!("/api/conversations/{conversation}/messages"),
            Anyone,
        ),
        (format!("/api/conversations/{conversation}/consent"), Anyone),
        ("/api/identity/knowledge".to_owned(), Anyone),
        ("/api/identity/totp/verify".to_owned(), Citizen),
        ("/api/identity/passkey/register/finish".to_owned(), Citizen),
        ("/api/identity/passkey/login/finish".to_owned(), Citizen),
        ("/api/identity/card/login".to_owned(), Anyone),
        (format!("/api/consent/{request}/download"), Citizen),
        (format!("/api/consent/{request}/send"), Citizen),
        ("/api/counter/tickets".to_owned(), Citizen),
        ("/api/counter/redeem".to_owned(), Anyone),
        ("/api/admin/service-providers".to_owned(), Operator),
        (
            "/api/admin/service-providers/demo-bank/state".to_owned(),
            Operator,
        ),
        ("/api/admin/staff".to_owned(), Operator),
        ("/api/catalog/services".to_owned(), Agency),
        ("/api/catalog/validate".to_owned(), Agency),
        ("/api/cases".to_owned(), Citizen),
        ("/api/cases/no-such-case/notes".to_owned(), Citizen),
        ("/api/cases/no-such-case/referrals".to_owned(), Citizen),
        ("/api/cases/no-such-case/consent".to_owned(), Citizen),
        (
            format!("/providers/moi.household/v1/identity/{subject}/verify"),
            Anyone,
        ),
    ]
    .into_iter()
    .collect()
}

/// The three bodies, each wrong in one way.
fn hostile_bodies() -> Vec<(&'static str, Vec<u8>)> {
    let huge = serde_json::to_vec(&json!({"text": "x".repeat(200_000)})).unwrap_or_default();
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)).into_bytes();
    let deep_object = format!("{}1{}", "{\"a\":".repeat(10_000), "}".repeat(10_000)).into_bytes();
    let not_utf8 = b"{\"text\": \"\xff\xfe\xfd\", \"national_id\": \"\xc3\x28\"}".to_vec();
    vec![
        ("oversized", huge),
        ("10,000-deep array", deep),
        ("10,000-deep object", deep_object),
        ("invalid UTF-8", not_utf8),
    ]
}

async fn hostile_bodies_on_every_json_post_change_nothing(backend: Backend) {
    let app = crate::helpers::spawn_app(backend).await;
    active_bank(&app, "demo-bank").await;
    // A social worker, so that casework routes judge the body too.
    let cookie = hire(
        &app,
        "sw-attacked",
        &some_citizen(),
        "social_worker",
        json!({"team": "north"}),
    )
    .await;
    let agency = agency_token(&app, "mol.wda").await;
    let (status, started) = post_patiently(
        &app,
        "/api/conversations",
        &json!({"text": "失業了，該怎麼辦？"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let conversation = started["id"].as_str().unwrap_or_default().to_owned();
    let bank = active_bank(&app, "other-bank").await;
    let request = open_consent(&bank.begin("tax.income").authorize_url).await;
    let subject = some_citizen().identity.national_id.to_string();
    let before = fingerprint(&app).await;

    let mut tried = 0;
    for (path, caller) in json_routes(&conversation, &request, &subject) {
        for (what, body) in hostile_bodies() {
            let mut post = app
                .client
                .post(app.url(&path))
                .header("content-type", "application/json")
                .body(body);
            post = match caller {
                Caller::Anyone => post,
                Caller::Citizen => post.header("cookie", &cookie),
                Caller::Operator => post.bearer_auth(OPERATOR_TOKEN),
                Caller::Agency => post.bearer_auth(&agency),
            };
            let response = post.send().await.unwrap();
            // The dry run is an editor's aid: it answers what is wrong, as
            // data, for any text (within the size limit).
            if path == "/api/catalog/validate" && response.status() == 200 {
                let verdict: Value = response.json().await.unwrap();
                assert_eq!(verdict["valid"], false, "{what}: {verdict}");
                tried += 1;
                continue;
            }
            let (status, _) = refused(response, &format!("{what} to {path}")).await;
            // Every caller is let in: the body itself is what is refused.
            if what == "oversized" {
                assert_eq!(status, 413, "{what} to {path}");
            } else {
                assert!(matches!(status, 400 | 422), "{what} to {path}: {status}");
            }
            tried += 1;
        }
    }
    assert_eq!(tried, 25 * 4);
    assert_eq!(fingerprint(&app).await, before, "nothing changed");
    // The server is still whole and the session still works.
    let me = get_with_cookie(&app, "/api/me", &cookie).await;
    assert_eq!(me.status(), 200);
}
