//! The counter flow over real HTTP: the citizen makes a ticket, the demo
//! bank's counter system redeems it once with the code; expiry, reuse and
//! five wrong codes are refused, and every attempt is audited.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{TestApp, on_both_stores, some_citizen, spawn_app};
use crate::session::post_with_cookie;
use crate::transfer::{active_bank, substantial};

on_both_stores!(
    a_ticket_and_its_code_fetch_the_package_once,
    wrong_codes_lock_the_ticket_and_the_address,
);

async fn ticket(app: &TestApp, cookie: &str, datasets: &[&str]) -> Value {
    let response = post_with_cookie(
        app,
        "/api/counter/tickets",
        cookie,
        json!({"provider": "demo-bank", "datasets": datasets}),
    )
    .await;
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn a_ticket_and_its_code_fetch_the_package_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let citizen = some_citizen();
    let cookie = substantial(&app, &citizen).await;

    let issued = ticket(&app, &cookie, &["tax.income"]).await;
    let ticket_id = issued["ticket_id"].as_str().unwrap();
    let code = issued["code"].as_str().unwrap();
    assert_eq!(code.len(), 6);
    assert!(code.bytes().all(|b| b.is_ascii_digit()));
    assert!(issued["barcode_svg"].as_str().unwrap().contains("<svg"));

    let response = bank.redeem_ticket(ticket_id, code).await.unwrap();
    assert_eq!(response.status(), 200);
    let package = bank
        .open_package(&response.text().await.unwrap())
        .await
        .unwrap();
    assert_eq!(package.subject, citizen.identity.national_id.as_str());
    assert_eq!(package.records["tax.income"].as_object().unwrap().len(), 2);

    let again = bank.redeem_ticket(ticket_id, code).await.unwrap();
    assert_eq!(again.status(), 410, "a ticket works once");

    // Expired after ten minutes (moved back in time here).
    let issued = ticket(&app, &cookie, &["tax.income"]).await;
    app.db
        .execute("UPDATE counter_tickets SET expires_ms = 0 WHERE used_ms IS NULL")
        .await
        .unwrap();
    let late = bank
        .redeem_ticket(
            issued["ticket_id"].as_str().unwrap(),
            issued["code"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(late.status(), 410);

    // Another counter provider cannot redeem the bank's ticket.
    let other = active_bank(&app, "other-bank").await;
    let issued = ticket(&app, &cookie, &["tax.income"]).await;
    let stolen = other
        .redeem_ticket(
            issued["ticket_id"].as_str().unwrap(),
            issued["code"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(stolen.status(), 401);

    let trail = app.trail(citizen.identity.national_id.as_str()).await;
    let count = |event: &str, outcome: &str| {
        trail
            .iter()
            .filter(|e| e["event"] == event && e["outcome"] == outcome)
            .count()
    };
    assert_eq!(count("counter.ticket", "success"), 3);
    assert_eq!(count("transfer.counter", "success"), 1);
    assert_eq!(
        count("counter.redeem", "failure"),
        3,
        "reuse, expiry, wrong provider"
    );
}

async fn wrong_codes_lock_the_ticket_and_the_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let cookie = substantial(&app, &some_citizen()).await;
    let issued = ticket(&app, &cookie, &["tax.income"]).await;
    let ticket_id = issued["ticket_id"].as_str().unwrap();
    let code = issued["code"].as_str().unwrap();
    let wrong = if code == "000000" { "000001" } else { "000000" };

    for _ in 0..5 {
        let response = bank.redeem_ticket(ticket_id, wrong).await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let locked = bank.redeem_ticket(ticket_id, code).await.unwrap();
    assert_eq!(locked.status(), 429, "even the right code, once locked");

    // The address is locked too: a fresh ticket from the same counter waits.
    let fresh = ticket(&app, &cookie, &["tax.income"]).await;
    let response = bank
        .redeem_ticket(
            fresh["ticket_id"].as_str().unwrap(),
            fresh["code"].as_str().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(response.status(), 429);

    // Ten minutes later both work again; the ticket still works once.
    app.db
        .execute("UPDATE attempt_windows SET started_ms = started_ms - 600001")
        .await
        .unwrap();
    let response = bank.redeem_ticket(ticket_id, code).await.unwrap();
    assert_eq!(response.status(), 200);
}
