//! Guessing attacks: authenticator codes at the step-up, logins with
//! national IDs that exist and that do not, and six-digit counter codes
//! spread over many tickets or carried from one ticket to another. Each
//! is refused, locked out after five tries, and tells nothing apart.

use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::helpers::{TestApp, citizens, on_both_stores, some_citizen, spawn_app, stranger_id};
use crate::session::{
    bind_totp, current_code, level, login, login_as, next_code, post_with_cookie,
};
use crate::transfer::{active_bank, substantial};

on_both_stores!(
    authenticator_code_guessing_is_locked_out,
    unknown_and_known_citizens_are_locked_out_alike,
    a_counter_code_fits_only_its_own_ticket,
    wrong_codes_spread_over_tickets_lock_the_address,
);

/// A six-digit code other than `code` and its neighbours in time.
fn wrong_code(secret: &str) -> String {
    let right: u32 = current_code(secret).parse().unwrap_or(0);
    format!("{:06}", (right + 500_000) % 1_000_000)
}

async fn authenticator_code_guessing_is_locked_out(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let (_, secret) = bind_totp(&app, &citizen).await;
    let cookie = login_as(&app, &citizen).await;
    for attempt in 0..5 {
        let wrong = post_with_cookie(
            &app,
            "/api/identity/totp/verify",
            &cookie,
            json!({"code": wrong_code(&secret)}),
        )
        .await;
        assert_eq!(wrong.status(), 401, "attempt {attempt}");
    }
    // Even the right code is refused now, and the session stays low.
    let right = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &cookie,
        json!({"code": next_code(&secret)}),
    )
    .await;
    assert_eq!(right.status(), 429);
    assert!(right.headers().get("set-cookie").is_none());
    assert_eq!(level(&app, &cookie).await, "low");
    // The lock is on this factor, for the citizen: a fresh session (the
    // knowledge factors are another factor, not locked) does not start a
    // fresh count of codes.
    let identity = &citizen.identity;
    let again = login(
        &app,
        identity.national_id.as_str(),
        &identity.nhi_card_number,
        &identity.id_issue_date,
    )
    .await;
    assert_eq!(again.status(), 200);
    let fresh = crate::session::cookie_from(&again).unwrap();
    let right = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &fresh,
        json!({"code": current_code(&secret)}),
    )
    .await;
    assert_eq!(right.status(), 429);
    let refused = app
        .store
        .audit_trail(identity.national_id.as_str(), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "identity.totp" && e.outcome == "failure")
        .count();
    assert_eq!(refused, 5, "each wrong code audited");
}

/// Five wrong attempts then the sixth for `national_id`: each answer's
/// status, detail and whether it says when to retry (the seconds count
/// down from the first failure, so they differ by the run's own pace).
async fn six_attempts(app: &TestApp, national_id: &str) -> Vec<(u16, Value, bool)> {
    let identity = some_citizen().identity;
    let mut answers = Vec::new();
    for _ in 0..6 {
        let response = login(app, national_id, "999999999999", &identity.id_issue_date).await;
        let status = response.status().as_u16();
        assert!(response.headers().get("set-cookie").is_none());
        let retry = response.headers().contains_key("retry-after");
        let body: Value = response.json().await.unwrap();
        answers.push((status, body["detail"].clone(), retry));
    }
    answers
}

async fn unknown_and_known_citizens_are_locked_out_alike(backend: Backend) {
    let known_app = spawn_app(backend).await;
    let known = six_attempts(&known_app, some_citizen().identity.national_id.as_str()).await;
    drop(known_app);
    let unknown_app = spawn_app(backend).await;
    let unknown = six_attempts(&unknown_app, &stranger_id()).await;
    let statuses: Vec<u16> = known.iter().map(|(s, _, _)| *s).collect();
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429]);
    assert_eq!(known, unknown, "whether the citizen exists must not show");

    // The address stays locked for a real citizen with the right factors.
    let other = citizens()
        .iter()
        .find(|c| c.identity.national_id != some_citizen().identity.national_id)
        .unwrap()
        .clone();
    let response = login(
        &unknown_app,
        other.identity.national_id.as_str(),
        &other.identity.nhi_card_number,
        &other.identity.id_issue_date,
    )
    .await;
    assert_eq!(response.status(), 429);
    assert_eq!(
        unknown_app.db.count("SELECT COUNT(*) FROM sessions").await,
        0
    );
}

async fn ticket(app: &TestApp, cookie: &str) -> (String, String) {
    let response = post_with_cookie(
        app,
        "/api/counter/tickets",
        cookie,
        json!({"provider": "demo-bank", "datasets": ["tax.income"]}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let issued: Value = response.json().await.unwrap();
    (
        issued["ticket_id"].as_str().unwrap().to_owned(),
        issued["code"].as_str().unwrap().to_owned(),
    )
}

async fn delivered(app: &TestApp) -> usize {
    let trail = app
        .trail(some_citizen().identity.national_id.as_str())
        .await;
    trail
        .iter()
        .filter(|e| e["event"] == "transfer.counter")
        .count()
}

async fn a_counter_code_fits_only_its_own_ticket(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let cookie = substantial(&app, &some_citizen()).await;
    let (first, first_code) = ticket(&app, &cookie).await;
    let (mut second, mut second_code) = ticket(&app, &cookie).await;
    // One chance in a million that both got the same code: draw again.
    while second_code == first_code {
        (second, second_code) = ticket(&app, &cookie).await;
    }
    let swapped = bank.redeem_ticket(&second, &first_code).await.unwrap();
    assert_eq!(
        swapped.status(),
        401,
        "the first ticket's code on the second"
    );
    let swapped = bank.redeem_ticket(&first, &second_code).await.unwrap();
    assert_eq!(
        swapped.status(),
        401,
        "the second ticket's code on the first"
    );
    assert_eq!(delivered(&app).await, 0);
    // A made-up ticket id with a real code.
    let made_up = bank
        .redeem_ticket("AAAAAAAAAAAAAAAAAAAAAA", &first_code)
        .await;
    assert_eq!(made_up.unwrap().status(), 401);
    // Each ticket still works once, with its own code.
    let redeemed = bank.redeem_ticket(&first, &first_code).await.unwrap();
    assert_eq!(redeemed.status(), 200);
    let redeemed = bank.redeem_ticket(&second, &second_code).await.unwrap();
    assert_eq!(redeemed.status(), 200);
    let replayed = bank.redeem_ticket(&first, &first_code).await.unwrap();
    assert_eq!(replayed.status(), 410);
    assert_eq!(delivered(&app).await, 2);
}

async fn wrong_codes_spread_over_tickets_lock_the_address(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let cookie = substantial(&app, &some_citizen()).await;
    let mut tickets = Vec::new();
    for _ in 0..6 {
        tickets.push(ticket(&app, &cookie).await);
    }
    // One guess per ticket, so no ticket reaches five on its own.
    for (id, code) in &tickets[..5] {
        let wrong = if code == "000000" { "000001" } else { "000000" };
        let response = bank.redeem_ticket(id, wrong).await.unwrap();
        assert_eq!(response.status(), 401);
    }
    let (id, code) = &tickets[5];
    let locked = bank.redeem_ticket(id, code).await.unwrap();
    assert_eq!(locked.status(), 429, "the address is locked");
    assert_eq!(delivered(&app).await, 0);
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM counter_tickets WHERE used_ms IS NOT NULL")
            .await,
        0
    );
}
