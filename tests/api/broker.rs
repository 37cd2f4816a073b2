//! The broker's gather step over real HTTP: all datasets at once, a failed
//! or slow provider failing only its own datasets, every attempt audited,
//! and a provider running as a server of its own.

use std::net::SocketAddr;
use std::time::Duration;

use mydata_navigator::app::run_provider;
use mydata_navigator::config::{ProviderArgs, StoreArgs};
use mydata_navigator::ids::AgencyId;
use mydata_navigator::store::Backend;
use serde_json::Value;

use crate::helpers::{
    TestDatabase, closed_port, fixed_server, on_both_stores, slow_server, some_citizen, spawn_app,
    spawn_app_with, stranger_id,
};

on_both_stores!(
    fetch_returns_every_record_and_the_trail_shows_it,
    down_slow_and_broken_providers_fail_only_their_datasets,
    a_split_provider_serves_the_broker_over_http,
    an_unwritable_audit_log_transfers_nothing_and_says_503,
);

/// Every dataset the embedded registry knows.
pub(crate) const ALL: [&str; 9] = [
    "household.registration",
    "tax.income",
    "tax.property",
    "labor.insurance_history",
    "education.degrees",
    "education.enrollment",
    "health.nhi_enrollment",
    "health.medical_visits",
    "welfare.status",
];

/// The broker's outcome for `dataset` in a fetch reply.
pub(crate) fn outcome<'a>(reply: &'a Value, dataset: &str) -> &'a Value {
    reply["outcomes"]
        .as_array()
        .expect("outcomes")
        .iter()
        .find(|o| o["dataset"] == dataset)
        .unwrap_or_else(|| panic!("no outcome for {dataset} in {reply}"))
}

async fn fetch_returns_every_record_and_the_trail_shows_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let subject = citizen.identity.national_id.to_string();
    let response = app.fetch(&subject, &ALL).await;
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    for dataset in ALL {
        let o = outcome(&reply, dataset);
        assert_eq!(o["status"], "fetched", "{o}");
        assert_eq!(&o["record"], &citizen.records[dataset], "{dataset}");
    }
    let trail = app.trail(&subject).await;
    assert_eq!(trail.len(), ALL.len());
    for entry in &trail {
        assert_eq!(entry["event"], "broker.fetch");
        assert_eq!(entry["actor"], "operator");
        assert_eq!(entry["outcome"], "success");
        assert_eq!(entry["purpose"], "integration test");
        assert!(entry["at"].as_str().unwrap().ends_with('Z'));
    }
    // The trail is the citizen's own: nobody else's fetches are in it.
    assert!(app.trail(&stranger_id()).await.is_empty());

    // An unknown citizen is a per-dataset outcome, audited as a failure.
    let stranger = stranger_id();
    let reply: Value = app
        .fetch(&stranger, &["education.degrees"])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        outcome(&reply, "education.degrees")["reason"]["kind"],
        "not_found"
    );
    let trail = app.trail(&stranger).await;
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0]["outcome"], "failure");
}

async fn down_slow_and_broken_providers_fail_only_their_datasets(backend: Backend) {
    let slow = slow_server(Duration::from_secs(5)).await;
    let garbage = fixed_server(200, "{\"not\": \"a record\"}").await;
    let erroring = fixed_server(500, "boom").await;
    let down = closed_port();
    let app = spawn_app_with(backend, |args| {
        args.provider_timeout_ms = 300;
        args.provider_urls = vec![
            (
                AgencyId::parse("mol.bli").unwrap(),
                format!("http://127.0.0.1:{down}/").parse().unwrap(),
            ),
            (
                AgencyId::parse("moe").unwrap(),
                format!("http://{slow}/").parse().unwrap(),
            ),
            (
                AgencyId::parse("mof.fia").unwrap(),
                format!("http://{garbage}/").parse().unwrap(),
            ),
            (
                AgencyId::parse("mohw.nhia").unwrap(),
                format!("http://{erroring}/").parse().unwrap(),
            ),
        ];
    })
    .await;
    let subject = some_citizen().identity.national_id.to_string();
    let reply: Value = app.fetch(&subject, &ALL).await.json().await.unwrap();

    let down_outcome = outcome(&reply, "labor.insurance_history");
    assert_eq!(down_outcome["reason"]["kind"], "unreachable");
    assert_eq!(
        down_outcome["attempts"], 3,
        "two retries after connection errors"
    );
    for dataset in ["education.degrees", "education.enrollment"] {
        let o = outcome(&reply, dataset);
        assert_eq!(o["reason"]["kind"], "timeout", "{o}");
        assert_eq!(o["attempts"], 1, "timeouts are not retried");
    }
    for dataset in ["tax.income", "tax.property"] {
        assert_eq!(outcome(&reply, dataset)["reason"]["kind"], "invalid_record");
    }
    for dataset in ["health.nhi_enrollment", "health.medical_visits"] {
        let o = outcome(&reply, dataset);
        assert_eq!(o["reason"]["kind"], "provider_error");
        assert_eq!(o["reason"]["status"], 500);
    }
    for dataset in ["household.registration", "welfare.status"] {
        assert_eq!(outcome(&reply, dataset)["status"], "fetched", "{dataset}");
    }

    let trail = app.trail(&subject).await;
    assert_eq!(trail.len(), ALL.len());
    let failures: Vec<_> = trail.iter().filter(|e| e["outcome"] == "failure").collect();
    assert_eq!(failures.len(), 7);
    let timeout_entry = trail
        .iter()
        .find(|e| e["dataset"] == "education.degrees")
        .unwrap();
    assert!(
        timeout_entry["detail"]
            .as_str()
            .unwrap()
            .contains("did not answer"),
        "{timeout_entry}"
    );
    assert_eq!(timeout_entry["outcome"], "failure");
}

async fn a_split_provider_serves_the_broker_over_http(backend: Backend) {
    // The provider gets its own database and only the broker's public key.
    let provider_db = TestDatabase::create(backend).await;
    let broker_dir = tempfile::tempdir().unwrap();
    let key = mydata_navigator::broker::token::SigningKey::load_or_create(
        &broker_dir.path().join("broker-signing-key.pem"),
    )
    .unwrap();
    let public_key = broker_dir.path().join("broker.pub.pem");
    std::fs::write(&public_key, key.public_key_pem()).unwrap();
    let port = closed_port();
    let provider_addr = SocketAddr::from(([127, 0, 0, 1], port));
    let provider_dir = tempfile::tempdir().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(run_provider(
        ProviderArgs {
            agency: AgencyId::parse("mol.bli").unwrap(),
            listen: provider_addr,
            store: StoreArgs {
                data_dir: provider_dir.path().to_path_buf(),
                database_url: Some(provider_db.url.clone()),
            },
            broker_public_key: Some(public_key),
            connections: Default::default(),
        },
        async move {
            let _ = stopped.await;
        },
    ));
    wait_until_listening(provider_addr).await;

    let broker_key = broker_dir.path().join("broker-signing-key.pem");
    let app = spawn_app_with(backend, |args| {
        args.broker_key_file = Some(broker_key);
        args.no_local_providers = true;
        args.provider_urls = vec![(
            AgencyId::parse("mol.bli").unwrap(),
            format!("http://{provider_addr}/").parse().unwrap(),
        )];
    })
    .await;
    let citizen = some_citizen();
    let subject = citizen.identity.national_id.to_string();
    let reply: Value = app
        .fetch(&subject, &["labor.insurance_history"])
        .await
        .json()
        .await
        .unwrap();
    let o = outcome(&reply, "labor.insurance_history");
    assert_eq!(o["status"], "fetched", "{o}");
    assert_eq!(o["record"], citizen.records["labor.insurance_history"]);

    // The download is in the provider's own log, not the broker's store.
    let provider_store = mydata_navigator::store::connect(&provider_db.url)
        .await
        .unwrap();
    let log = provider_store
        .provider_downloads("mol.bli", 10)
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].requester, "operator");
    assert!(
        app.store
            .provider_downloads("mol.bli", 10)
            .await
            .unwrap()
            .is_empty()
    );
    let _ = stop.send(());
}

async fn wait_until_listening(addr: SocketAddr) {
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nothing listens on {addr}");
}

/// A trigger that makes every audit insert fail, as a full disk or a lost
/// database would, without stopping the rest of the database.
fn refuse_audit_writes(backend: Backend) -> (&'static str, &'static str) {
    match backend {
        Backend::Sqlite => (
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit storage unavailable'); END;",
            "DROP TRIGGER refuse_audit;",
        ),
        Backend::Postgres => (
            "CREATE FUNCTION refuse_audit() RETURNS trigger AS $$ \
             BEGIN RAISE EXCEPTION 'audit storage unavailable'; END $$ LANGUAGE plpgsql; \
             CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log \
             FOR EACH ROW EXECUTE FUNCTION refuse_audit();",
            "DROP TRIGGER refuse_audit ON audit_log; DROP FUNCTION refuse_audit();",
        ),
    }
}

async fn an_unwritable_audit_log_transfers_nothing_and_says_503(backend: Backend) {
    let app = spawn_app(backend).await;
    let citizen = some_citizen();
    let subject = citizen.identity.national_id.to_string();
    let (refuse, allow) = refuse_audit_writes(backend);
    app.db.execute(refuse).await.unwrap();

    let response = app.fetch(&subject, &ALL).await;
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem = response.text().await.unwrap();
    assert!(problem.contains("audit log"), "{problem}");
    // Not one field of the citizen's records is in the refusal.
    let born = citizen.records["household.registration"]["birth_date"]
        .as_str()
        .unwrap();
    assert!(!problem.contains(born), "{problem}");
    assert!(!problem.contains("record"), "{problem}");
    assert_eq!(app.db.count("SELECT COUNT(*) FROM audit_log").await, 0);

    // Once the log can be written again, the same request goes through.
    app.db.execute(allow).await.unwrap();
    let response = app.fetch(&subject, &ALL).await;
    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    for dataset in ALL {
        assert_eq!(outcome(&reply, dataset)["status"], "fetched", "{dataset}");
    }
    assert_eq!(app.trail(&subject).await.len(), ALL.len());
}
