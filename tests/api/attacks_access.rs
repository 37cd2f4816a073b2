//! Reaching across: citizen B at citizen A's consent requests, consents,
//! receipts, personal cloud, tickets and trail; agency A at agency B's
//! catalogue services. Each is refused or shows nothing of the other, and
//! nothing of the other's changes.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::attacks_bodies::{fingerprint, refused};
use crate::catalog_api::{agency_token, service};
use crate::helpers::{TestApp, citizens, on_both_stores, some_citizen, spawn_app};
use crate::session::{get_with_cookie, post_with_cookie};
use crate::transfer::{active_bank, download, open_consent, substantial};

on_both_stores!(
    a_citizen_reaches_nothing_of_another,
    an_agency_reaches_nothing_of_another,
);

async fn delete_with_cookie(app: &TestApp, path: &str, cookie: &str) -> reqwest::Response {
    app.client
        .delete(app.url(path))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

/// A's consent request, opened and downloaded (waiting for the second
/// confirmation); its id.
async fn downloaded_request(app: &TestApp, scope: &str, cookie: &str) -> String {
    let bank = active_bank(app, "other-bank").await;
    let id = open_consent(&bank.begin(scope).authorize_url).await;
    download(app, &id, cookie, &[scope]).await;
    id
}

async fn a_citizen_reaches_nothing_of_another(backend: Backend) {
    let app = spawn_app(backend).await;
    let a = some_citizen();
    let b = citizens()
        .iter()
        .find(|c| c.identity.national_id != a.identity.national_id)
        .unwrap()
        .clone();
    let bank = active_bank(&app, "demo-bank").await;
    let a_cookie = substantial(&app, &a).await;
    let b_cookie = substantial(&app, &b).await;

    // A: a ticket (a consent and a package in the cloud), and a request
    // that waits for A's second confirmation.
    let ticket = post_with_cookie(
        &app,
        "/api/counter/tickets",
        &a_cookie,
        json!({"provider": "demo-bank", "datasets": ["tax.income"]}),
    )
    .await;
    assert_eq!(ticket.status(), 201);
    let ticket: Value = ticket.json().await.unwrap();
    let consent = ticket["consent_id"].as_str().unwrap().to_owned();
    let request = downloaded_request(&app, "tax.income", &a_cookie).await;
    let before = fingerprint(&app).await;

    // B at A's request: not shown, not answerable either way.
    let path = format!("/api/consent/{request}");
    refused(get_with_cookie(&app, &path, &b_cookie).await, "show").await;
    for step in ["download", "send", "deny"] {
        let body = json!({"datasets": ["tax.income"]});
        let body = if step == "download" { body } else { json!({}) };
        let response = post_with_cookie(&app, &format!("{path}/{step}"), &b_cookie, body).await;
        let (status, _) = refused(response, step).await;
        assert_eq!(status, 404, "{step}");
    }
    // B at A's consent: no receipt, no revocation.
    let receipt = format!("/api/me/consents/{consent}/receipt");
    let (status, _) = refused(get_with_cookie(&app, &receipt, &b_cookie).await, "receipt").await;
    assert_eq!(status, 404);
    let revoke = format!("/api/me/consents/{consent}");
    let (status, _) = refused(delete_with_cookie(&app, &revoke, &b_cookie).await, "revoke").await;
    assert_eq!(status, 404);
    assert_eq!(fingerprint(&app).await, before, "nothing of A's changed");
    // B's own lists and trail hold nothing of A's.
    for own in ["/api/me/consents", "/api/me/cloud", "/api/me/trail"] {
        let response = get_with_cookie(&app, own, &b_cookie).await;
        assert_eq!(response.status(), 200, "{own}");
        let shown = response.text().await.unwrap();
        assert!(!shown.contains(&consent), "{own}: {shown}");
        assert!(
            !shown.contains(a.identity.national_id.as_str()),
            "{own}: {shown}"
        );
    }

    // A's own still work: the request, the receipt, the ticket.
    let sent = post_with_cookie(&app, &format!("{path}/send"), &a_cookie, json!({})).await;
    assert_eq!(sent.status(), 200);
    assert_eq!(
        get_with_cookie(&app, &receipt, &a_cookie).await.status(),
        200
    );
    let redeemed = bank
        .redeem_ticket(
            ticket["ticket_id"].as_str().unwrap(),
            ticket["code"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(redeemed.status(), 200);
}

async fn an_agency_reaches_nothing_of_another(backend: Backend) {
    let app = spawn_app(backend).await;
    let wda = agency_token(&app, "mol.wda").await;
    let bli = agency_token(&app, "mol.bli").await;
    let target = "bli.unemployment_benefit";
    let original = service(&app, target).await;
    let before = fingerprint(&app).await;

    let mut altered = original.clone();
    altered["name"]["en"] = json!("Taken over");
    let path = format!("/api/catalog/services/{target}");
    // Published again under the other agency's id, replaced, removed,
    // or slipped in through a path whose id differs from the body's.
    let attempts = [
        app.client
            .post(app.url("/api/catalog/services"))
            .bearer_auth(&wda)
            .json(&altered),
        app.client
            .put(app.url(&path))
            .bearer_auth(&wda)
            .json(&altered),
        app.client.delete(app.url(&path)).bearer_auth(&wda),
        app.client
            .put(app.url("/api/catalog/services/wda.industry_new_talent"))
            .bearer_auth(&wda)
            .json(&altered),
        app.client
            .put(app.url(&path))
            .bearer_auth("not-a-token")
            .json(&altered),
        app.client.delete(app.url(&path)),
    ];
    let mut statuses = Vec::new();
    for attempt in attempts {
        let (status, _) = refused(attempt.send().await.unwrap(), "catalog").await;
        statuses.push(status);
    }
    assert_eq!(statuses, [409, 403, 403, 400, 401, 401]);
    assert_eq!(service(&app, target).await, original, "untouched");
    assert_eq!(fingerprint(&app).await, before, "nothing changed");

    // Each agency's own list holds only its own services.
    for (token, prefix) in [(&wda, "wda."), (&bli, "bli.")] {
        let mine: Value = app
            .client
            .get(app.url("/api/catalog/mine"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<&str> = mine["services"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap())
            .collect();
        assert!(!ids.is_empty());
        assert!(ids.iter().all(|id| id.starts_with(prefix)), "{ids:?}");
    }
    // The owner still can.
    let owned = app
        .client
        .put(app.url(&path))
        .bearer_auth(&bli)
        .json(&original)
        .send()
        .await
        .unwrap();
    assert_eq!(owned.status(), 200);
}
