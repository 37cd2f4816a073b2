//! Fault injection over real HTTP: for each way an agency can fail (down,
//! slower than the broker's timeout, garbage that is not JSON, JSON of the
//! wrong shape, HTTP 500, HTTP 503) the three promises of the gather step
//! hold on both stores: the answer degrades to unknown verdicts for the
//! services the missing records decide and no others, nothing is lost
//! (the healthy agencies' records arrive whole, nothing half-kept), and
//! every failure is in the audit log, whose chain still verifies.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use mydata_navigator::ids::AgencyId;
use mydata_navigator::store::Backend;
use serde_json::{Value, json};

use crate::assistant_consent::{LAID_OFF, ask_consent, citizen, consent_as, last_turn};
use crate::broker::{ALL, outcome};
use crate::helpers::{
    OPERATOR_TOKEN, TestApp, closed_port, fixed_server, on_both_stores, post_patiently,
    slow_server, spawn_app, spawn_app_with,
};
use crate::transfer::substantial;

on_both_stores!(
    each_fault_degrades_to_unknown_keeps_the_rest_and_is_audited,
    garbage_from_an_agency_during_consent_is_neither_kept_nor_used,
);

/// The agencies made to fail, and the datasets they hold.
const FAULTY: [(&str, &str); 2] = [
    ("mol.bli", "labor.insurance_history"),
    ("mohw.welfare", "welfare.status"),
];

/// The broker's per-request timeout in these tests.
const TIMEOUT_MS: u64 = 2000;
const QUESTION: &str = "失業了，該怎麼辦？";
const DATE: &str = "2026-12-01";

#[derive(Debug, Clone, Copy)]
enum Fault {
    Down,
    Slow,
    NotJson,
    WrongShape,
    Http500,
    Http503,
}

impl Fault {
    const ALL: [Self; 6] = [
        Self::Down,
        Self::Slow,
        Self::NotJson,
        Self::WrongShape,
        Self::Http500,
        Self::Http503,
    ];

    /// A base URL where an agency fails this way.
    async fn agency(self) -> reqwest::Url {
        let addr = match self {
            Self::Down => format!("127.0.0.1:{}", closed_port()),
            Self::Slow => slow_server(Duration::from_secs(8)).await.to_string(),
            Self::NotJson => fixed_server(200, "<html>gateway error</html>")
                .await
                .to_string(),
            Self::WrongShape => fixed_server(200, "{\"not\": \"a record\"}")
                .await
                .to_string(),
            Self::Http500 => fixed_server(500, "boom").await.to_string(),
            Self::Http503 => fixed_server(503, "down for maintenance").await.to_string(),
        };
        format!("http://{addr}/").parse().expect("url")
    }

    /// The outcome's `reason.kind` and, for HTTP errors, `reason.status`.
    fn reason(self) -> (&'static str, Option<u16>) {
        match self {
            Self::Down => ("unreachable", None),
            Self::Slow => ("timeout", None),
            Self::NotJson | Self::WrongShape => ("invalid_record", None),
            Self::Http500 => ("provider_error", Some(500)),
            Self::Http503 => ("provider_error", Some(503)),
        }
    }

    /// What the audit entry's detail says of this kind of failure.
    fn detail(self) -> String {
        match self {
            Self::Down => "could not be reached".into(),
            Self::Slow => format!("did not answer within {TIMEOUT_MS} ms"),
            Self::NotJson => "it is not JSON".into(),
            Self::WrongShape => "does not declare".into(),
            Self::Http500 => "answered HTTP 500".into(),
            Self::Http503 => "answered HTTP 503".into(),
        }
    }

    /// Connection errors alone are retried (twice by default).
    fn attempts(self) -> u64 {
        match self {
            Self::Down => 3,
            _ => 1,
        }
    }
}

/// Each service the answer mentions: its verdict ("receiving" for those
/// already received) and the records that would settle it.
fn verdicts(answer: &Value) -> BTreeMap<String, (String, Vec<String>)> {
    let mut all = BTreeMap::new();
    for list in ["services", "not_eligible"] {
        for s in answer[list].as_array().expect("a list") {
            let settle = s["would_settle"]
                .as_array()
                .expect("would_settle")
                .iter()
                .map(|d| d.as_str().expect("a dataset").to_owned())
                .collect();
            let verdict = s["verdict"].as_str().expect("verdict").to_owned();
            all.insert(
                s["service"].as_str().expect("id").to_owned(),
                (verdict, settle),
            );
        }
    }
    for s in answer["already_receiving"].as_array().expect("a list") {
        all.insert(
            s["service"].as_str().expect("id").to_owned(),
            ("receiving".to_owned(), Vec::new()),
        );
    }
    all
}

async fn recommend(app: &TestApp, records: &Value) -> Value {
    let (status, answer) = post_patiently(
        app,
        "/api/recommend",
        &json!({"text": QUESTION, "records": records, "date": DATE}),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer
}

/// The services whose verdict the fault changed; every change must be to
/// unknown, naming a missing record as what would settle it.
fn changed_to_unknown(
    baseline: &BTreeMap<String, (String, Vec<String>)>,
    degraded: &BTreeMap<String, (String, Vec<String>)>,
    missing: &BTreeSet<String>,
) -> BTreeSet<String> {
    assert_eq!(
        baseline.keys().collect::<Vec<_>>(),
        degraded.keys().collect::<Vec<_>>(),
        "the same services are considered with fewer records"
    );
    let mut changed = BTreeSet::new();
    for (service, (before, _)) in baseline {
        let (after, settle) = &degraded[service];
        if before == after {
            continue;
        }
        assert_eq!(after, "unknown", "{service}: {before} became {after}");
        assert!(
            settle.iter().any(|d| missing.contains(d)),
            "{service} became unknown, but not for want of {missing:?}: {settle:?}"
        );
        changed.insert(service.clone());
    }
    changed
}

async fn audit_verifies(app: &TestApp) {
    let report: Value = app
        .client
        .get(app.url("/api/audit/verify"))
        .bearer_auth(OPERATOR_TOKEN)
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("report");
    assert!(report["problem"].is_null(), "{report}");
    assert!(report["checked"].as_i64().expect("checked") > 0, "{report}");
}

async fn each_fault_degrades_to_unknown_keeps_the_rest_and_is_audited(backend: Backend) {
    let laid_off = citizen(LAID_OFF);
    let everything = serde_json::to_value(&laid_off.records).expect("records");
    // The answer on all records, as healthy agencies would give them.
    let judge = spawn_app(backend).await;
    let baseline = verdicts(&recommend(&judge, &everything).await);

    for fault in Fault::ALL {
        let url = fault.agency().await;
        let app = spawn_app_with(backend, |args| {
            args.provider_timeout_ms = TIMEOUT_MS;
            args.provider_urls = FAULTY
                .iter()
                .map(|(agency, _)| (AgencyId::parse(agency).expect("agency"), url.clone()))
                .collect();
        })
        .await;
        let response = app.fetch(LAID_OFF, &ALL).await;
        assert_eq!(
            response.status(),
            200,
            "{fault:?}: partial results, not an error"
        );
        let reply: Value = response.json().await.expect("JSON");

        // Nothing lost: each healthy agency's record arrives whole.
        let failed: BTreeSet<String> = FAULTY.iter().map(|(_, d)| (*d).to_owned()).collect();
        let mut delivered = serde_json::Map::new();
        for dataset in ALL {
            let o = outcome(&reply, dataset);
            if failed.contains(dataset) {
                let (kind, status) = fault.reason();
                assert_eq!(o["status"], "failed", "{fault:?}: {o}");
                assert_eq!(o["reason"]["kind"], kind, "{fault:?}: {o}");
                if let Some(status) = status {
                    assert_eq!(o["reason"]["status"], status, "{o}");
                }
                assert_eq!(o["attempts"], fault.attempts(), "{fault:?}: {o}");
                assert!(o.get("record").is_none(), "no partial record: {o}");
            } else if let Some(record) = laid_off.records.get(dataset) {
                assert_eq!(o["status"], "fetched", "{fault:?}: {o}");
                assert_eq!(&o["record"], record, "{fault:?}: {dataset}");
                delivered.insert(dataset.to_owned(), record.clone());
            } else {
                assert_eq!(o["reason"]["kind"], "not_found", "{o}");
            }
        }
        assert!(
            delivered.len() >= 5,
            "{fault:?}: healthy agencies delivered"
        );

        // Every attempt, failures with their dataset and kind, is audited.
        let trail = app.trail(LAID_OFF).await;
        assert_eq!(trail.len(), ALL.len(), "{fault:?}: one entry per dataset");
        for (agency, dataset) in FAULTY {
            let entry = trail
                .iter()
                .find(|e| e["dataset"] == dataset)
                .unwrap_or_else(|| panic!("{fault:?}: no entry for {dataset}"));
            assert_eq!(entry["event"], "broker.fetch");
            assert_eq!(entry["outcome"], "failure", "{entry}");
            let detail = entry["detail"].as_str().expect("detail");
            assert!(
                detail.contains(&fault.detail()) && detail.contains(agency),
                "{fault:?}: {detail}"
            );
        }
        for dataset in delivered.keys() {
            let entry = trail
                .iter()
                .find(|e| e["dataset"] == dataset.as_str())
                .unwrap_or_else(|| panic!("no entry for {dataset}"));
            assert_eq!(entry["outcome"], "success", "{entry}");
        }
        audit_verifies(&app).await;

        // The answer on what arrived: the failed records' services are
        // unknown, the rest are judged as before.
        let degraded = verdicts(&recommend(&judge, &Value::Object(delivered)).await);
        let changed = changed_to_unknown(&baseline, &degraded, &failed);
        assert!(
            changed.contains("bli.unemployment_benefit"),
            "{fault:?}: the benefit the labour record decides is unknown: {changed:?}"
        );
    }
}

async fn garbage_from_an_agency_during_consent_is_neither_kept_nor_used(backend: Backend) {
    let garbage = Fault::WrongShape.agency().await;
    let app = spawn_app_with(backend, |args| {
        args.provider_urls = vec![("mohw.welfare".parse().expect("agency"), garbage)];
    })
    .await;
    let (status, started) = post_patiently(
        &app,
        "/api/conversations",
        &json!({"text": "I lost my job last month. What help can I get?"}),
    )
    .await;
    assert_eq!(status, 201, "{started}");
    let id = started["id"].as_str().expect("id").to_owned();
    let cookie = substantial(&app, &citizen(LAID_OFF)).await;
    let wanted = ["labor.insurance_history", "welfare.status"];
    let asked = ask_consent(&app, &id, Some(&cookie), json!({"datasets": wanted})).await;
    let back = consent_as(
        &app,
        asked["authorize_url"].as_str().expect("url"),
        &cookie,
        None,
        "navigator-assistant",
        json!({}),
    )
    .await;
    assert_eq!(back.status(), 303);

    // The answer: the welfare record is unavailable, what it decides unknown.
    let answer = last_turn(&app, &id, &cookie).await;
    let welfare = answer["data_request"]
        .as_array()
        .expect("data_request")
        .iter()
        .find(|a| a["dataset"] == "welfare.status")
        .unwrap_or_else(|| panic!("{answer}"));
    assert_eq!(welfare["status"], "unavailable", "{welfare}");
    let decided = welfare["decides"].as_array().expect("decides");
    assert!(!decided.is_empty(), "{welfare}");
    let now = verdicts(&answer);
    for service in decided {
        let service = service.as_str().expect("id");
        assert_eq!(now[service].0, "unknown", "{service}: {answer}");
    }
    let used: Vec<&str> = answer["data_used"]
        .as_array()
        .expect("data_used")
        .iter()
        .filter_map(|u| u["dataset"].as_str())
        .collect();
    assert_eq!(used, ["labor.insurance_history"], "{answer}");

    // Kept: the labour record alone, whole; nothing of the garbage.
    let kept = app
        .db
        .count(
            "SELECT COUNT(*) FROM conversation_records WHERE dataset = 'labor.insurance_history'",
        )
        .await;
    let stray = app
        .db
        .count(
            "SELECT COUNT(*) FROM conversation_records WHERE dataset <> 'labor.insurance_history'",
        )
        .await;
    assert_eq!((kept, stray), (1, 0));

    // The failure is on the trail, as the assistant's, with its kind.
    let trail = app.trail(LAID_OFF).await;
    let failure = trail
        .iter()
        .find(|e| e["event"] == "broker.fetch" && e["dataset"] == "welfare.status")
        .unwrap_or_else(|| panic!("{trail:?}"));
    assert_eq!(failure["outcome"], "failure");
    assert_eq!(failure["actor"], "navigator-assistant");
    let detail = failure["detail"].as_str().expect("detail");
    assert!(detail.contains(&Fault::WrongShape.detail()), "{detail}");
    assert!(trail.iter().any(|e| e["event"] == "broker.fetch"
        && e["dataset"] == "labor.insurance_history"
        && e["outcome"] == "success"));
    audit_verifies(&app).await;
}
