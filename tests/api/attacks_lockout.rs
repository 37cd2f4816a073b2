//! Racing the lockouts and dodging them: sixty guesses sent at once at a
//! knowledge login, an authenticator code and a counter code (at most five
//! are ever checked, every refusal is audited, the right answer after them
//! is refused); a forged `X-Forwarded-For` that must not move the address
//! key, a trusted proxy whose header must; and knowledge guesses that must
//! not lock the citizen out of their card.

use futures::future::join_all;
use mydata_navigator::citizens::Citizen;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::citizen_card::card_session;
use crate::helpers::{TestApp, citizens, on_both_stores, repo_path, spawn_app, spawn_app_with};
use crate::session::{current_code, login, login_as, post_with_cookie};
use crate::transfer::{active_bank, substantial};
use mydata_navigator::citizen_card::sign::sign;

on_both_stores!(
    parallel_knowledge_guesses_check_at_most_five,
    parallel_authenticator_codes_check_at_most_five,
    parallel_counter_codes_check_at_most_five,
    a_forged_forwarded_for_does_not_move_the_address_key,
    a_trusted_proxy_names_the_client_address,
    knowledge_guesses_do_not_lock_the_card_out,
);

/// Guesses sent at once in each race.
const PARALLEL: usize = 60;
const WRONG_NHI: &str = "999999999999";

fn citizen(id: &str) -> Citizen {
    citizens()
        .iter()
        .find(|c| c.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("citizen {id}"))
}

/// How many of `statuses` are `status`.
fn count(statuses: &[u16], status: u16) -> usize {
    statuses.iter().filter(|s| **s == status).count()
}

/// How many of the citizen's audit entries have this event and outcome.
async fn audited(app: &TestApp, citizen: &Citizen, event: &str, outcome: &str) -> usize {
    app.store
        .audit_trail(citizen.identity.national_id.as_str(), 10_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.event == event && e.outcome == outcome)
        .count()
}

async fn parallel_knowledge_guesses_check_at_most_five(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = citizen("c002");
    let identity = &citizen.identity;
    let guesses = (0..PARALLEL).map(|_| async {
        login(
            &app,
            identity.national_id.as_str(),
            WRONG_NHI,
            &identity.id_issue_date,
        )
        .await
        .status()
        .as_u16()
    });
    let statuses = join_all(guesses).await;
    assert_eq!(count(&statuses, 401), 5, "checked: {statuses:?}");
    assert_eq!(count(&statuses, 429), PARALLEL - 5, "{statuses:?}");

    let right = login(
        &app,
        identity.national_id.as_str(),
        &identity.nhi_card_number,
        &identity.id_issue_date,
    )
    .await;
    assert_eq!(right.status(), 429, "the right factors after the race");
    assert!(right.headers().get("set-cookie").is_none());
    let retry: u64 = right.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "Retry-After {retry}");
    assert_eq!(app.db.count("SELECT COUNT(*) FROM sessions").await, 0);

    // The registry was asked five times; every attempt left an entry.
    let checked = audited(&app, &citizen, "identity.knowledge", "failure").await;
    let refused = audited(&app, &citizen, "identity.lockout", "failure").await;
    assert_eq!(checked, 5);
    assert_eq!(checked + refused, PARALLEL + 1, "every attempt audited");
}

async fn parallel_authenticator_codes_check_at_most_five(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = citizen("c001");
    // The authenticator is set up from a card session, as its holder would.
    let card = card_session(&app, "c001").await;
    let enrolment: Value = post_with_cookie(&app, "/api/identity/totp/enroll", &card, json!({}))
        .await
        .json()
        .await
        .unwrap();
    let secret = enrolment["secret"].as_str().unwrap().to_owned();
    let confirmed = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &card,
        json!({"code": current_code(&secret)}),
    )
    .await;
    assert_eq!(confirmed.status(), 200);

    // Someone with the knowledge factors races the step-up.
    let low = login_as(&app, &citizen).await;
    let right: u32 = current_code(&secret).parse().unwrap();
    let wrong = format!("{:06}", (right + 500_000) % 1_000_000);
    let guesses = (0..PARALLEL).map(|_| async {
        post_with_cookie(
            &app,
            "/api/identity/totp/verify",
            &low,
            json!({"code": wrong}),
        )
        .await
        .status()
        .as_u16()
    });
    let statuses = join_all(guesses).await;
    assert_eq!(count(&statuses, 401), 5, "checked: {statuses:?}");
    assert_eq!(count(&statuses, 429), PARALLEL - 5, "{statuses:?}");
    let after = post_with_cookie(
        &app,
        "/api/identity/totp/verify",
        &low,
        json!({"code": current_code(&secret)}),
    )
    .await;
    assert_eq!(after.status(), 429, "the right code after the race");
    assert!(after.headers().get("set-cookie").is_none());

    let checked = audited(&app, &citizen, "identity.totp", "failure").await;
    let refused = audited(&app, &citizen, "identity.lockout", "failure").await;
    assert_eq!(checked, 5);
    assert_eq!(checked + refused, PARALLEL + 1, "every attempt audited");
}

async fn parallel_counter_codes_check_at_most_five(backend: Backend) {
    let app = spawn_app(backend).await;
    let bank = active_bank(&app, "demo-bank").await;
    let citizen = citizen("c003");
    let cookie = substantial(&app, &citizen).await;
    let issued: Value = post_with_cookie(
        &app,
        "/api/counter/tickets",
        &cookie,
        json!({"provider": "demo-bank", "datasets": ["tax.income"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let ticket = issued["ticket_id"].as_str().unwrap();
    let code = issued["code"].as_str().unwrap();
    let wrong = if code == "000000" { "000001" } else { "000000" };
    let guesses = (0..PARALLEL).map(|_| async {
        bank.redeem_ticket(ticket, wrong)
            .await
            .unwrap()
            .status()
            .as_u16()
    });
    let statuses = join_all(guesses).await;
    assert_eq!(count(&statuses, 401), 5, "checked: {statuses:?}");
    assert_eq!(count(&statuses, 429), PARALLEL - 5, "{statuses:?}");
    let after = bank.redeem_ticket(ticket, code).await.unwrap();
    assert_eq!(after.status(), 429, "the right code after the race");
    assert_eq!(
        app.db
            .count("SELECT COUNT(*) FROM counter_tickets WHERE used_ms IS NOT NULL")
            .await,
        0
    );
    // Each guess is in the audit log, checked or refused.
    let redeems = app
        .store
        .audit_by_actor("demo-bank", 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "counter.redeem" && e.outcome == "failure")
        .count();
    assert_eq!(redeems, PARALLEL + 1, "every attempt audited");
}

/// A wrong knowledge login for `citizen`, claiming `forwarded` as its origin.
async fn wrong_login_from(app: &TestApp, citizen: &Citizen, forwarded: &str) -> u16 {
    let identity = &citizen.identity;
    app.client
        .post(app.url("/api/identity/knowledge"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({
            "national_id": identity.national_id.as_str(),
            "nhi_card_number": WRONG_NHI,
            "id_issue_date": identity.id_issue_date,
        }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The right knowledge login for `citizen`, claiming `forwarded`.
async fn right_login_from(app: &TestApp, citizen: &Citizen, forwarded: &str) -> u16 {
    let identity = &citizen.identity;
    app.client
        .post(app.url("/api/identity/knowledge"))
        .header("x-forwarded-for", forwarded)
        .json(&json!({
            "national_id": identity.national_id.as_str(),
            "nhi_card_number": identity.nhi_card_number,
            "id_issue_date": identity.id_issue_date,
        }))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Five different citizens: their own keys never fill, only the address's.
fn five_and_one() -> (Vec<Citizen>, Citizen) {
    let all: Vec<Citizen> = ["c004", "c005", "c006", "c007", "c008", "c009"]
        .into_iter()
        .map(citizen)
        .collect();
    (all[..5].to_vec(), all[5].clone())
}

async fn a_forged_forwarded_for_does_not_move_the_address_key(backend: Backend) {
    // No trusted proxy (the default): the header is the client's own words.
    let app = spawn_app(backend).await;
    let (five, sixth) = five_and_one();
    for (n, citizen) in five.iter().enumerate() {
        let forged = format!("203.0.113.{}", n + 1);
        assert_eq!(wrong_login_from(&app, citizen, &forged).await, 401);
    }
    assert_eq!(
        right_login_from(&app, &sixth, "198.51.100.99").await,
        429,
        "the peer address is locked whatever the header says"
    );
}

async fn a_trusted_proxy_names_the_client_address(backend: Backend) {
    let app = spawn_app_with(backend, |args| {
        args.client_address.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let (five, sixth) = five_and_one();
    for citizen in &five {
        assert_eq!(wrong_login_from(&app, citizen, "203.0.113.7").await, 401);
    }
    assert_eq!(right_login_from(&app, &sixth, "203.0.113.7").await, 429);
    // The client cannot slip out by writing another address in front.
    assert_eq!(
        right_login_from(&app, &sixth, "203.0.113.8, 203.0.113.7").await,
        429
    );
    // Another client behind the same proxy is not locked out.
    assert_eq!(right_login_from(&app, &sixth, "203.0.113.8").await, 200);
}

/// A card login for citizen `id` (e.g. "c001") with its own card, from
/// the client a trusted proxy names `forwarded`.
async fn card_login_from(app: &TestApp, id: &str, forwarded: &str) -> u16 {
    let challenge: Value = app
        .client
        .post(app.url("/api/identity/card/challenge"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let pem = |suffix: &str| std::fs::read(repo_path(&format!("datasets/pki/cards/{id}.{suffix}")));
    let signed = sign(
        &pem("cert.pem").unwrap(),
        &pem("key.pem").unwrap(),
        challenge["challenge"].as_str().unwrap(),
    )
    .unwrap();
    let signed = serde_json::to_value(signed).unwrap();
    card_post(
        app,
        forwarded,
        json!({
            "national_id": citizen(id).identity.national_id.as_str(),
            "challenge_id": challenge["challenge_id"],
            "certificate": signed["certificate"],
            "signature": signed["signature"],
        }),
    )
    .await
}

async fn card_post(app: &TestApp, forwarded: &str, body: Value) -> u16 {
    app.client
        .post(app.url("/api/identity/card/login"))
        .header("x-forwarded-for", forwarded)
        .json(&body)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn knowledge_guesses_do_not_lock_the_card_out(backend: Backend) {
    let app = spawn_app_with(backend, |args| {
        args.client_address.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let holder = citizen("c001");
    let attacker = "203.0.113.66";
    for _ in 0..5 {
        assert_eq!(wrong_login_from(&app, &holder, attacker).await, 401);
    }
    assert_eq!(
        right_login_from(&app, &holder, "198.51.100.1").await,
        429,
        "the knowledge factors are locked for the citizen, from anywhere"
    );
    // The attacker, knowing only the ID number, cannot forge a card login
    // either; their failures lock their own address out of it.
    let forged = json!({
        "national_id": holder.identity.national_id.as_str(),
        "challenge_id": "no-such-challenge",
        "certificate": "AAAA",
        "signature": "AAAA",
    });
    for _ in 0..5 {
        assert_eq!(card_post(&app, attacker, forged.clone()).await, 401);
    }
    assert_eq!(card_post(&app, attacker, forged).await, 429);
    // The holder's own card still logs them in.
    assert_eq!(card_login_from(&app, "c001", "198.51.100.1").await, 200);
}
