//! The queue order and its reasons, from signals and records alone.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use time::macros::date;

use super::urgency::{Signals, queue_order, rank, signals_from_records, signals_from_text};
use crate::clock::DAY_MS;
use crate::understand::crisis::{CrisisKind, CrisisSignal};

fn crisis(flagged: bool, kind: Option<CrisisKind>) -> CrisisSignal {
    CrisisSignal {
        flagged,
        kind,
        score: if flagged { 0.9 } else { 0.1 },
        phrase: false,
    }
}

fn needs(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

fn codes(signals: &Signals, waiting_ms: i64) -> Vec<String> {
    rank(signals, waiting_ms)
        .reasons
        .into_iter()
        .map(|r| r.code)
        .collect()
}

#[test]
fn a_flagged_summary_records_the_crisis_kind_and_bereavement() {
    let signals = signals_from_text(
        &crisis(true, Some(CrisisKind::Suicide)),
        &needs(&["mental_health", "funeral_subsidy"]),
    );
    assert_eq!(signals.crisis.as_deref(), Some("suicide"));
    assert!(signals.bereavement);
    assert!(!signals.job_loss);
    assert_eq!(signals.needs, needs(&["mental_health", "funeral_subsidy"]));
}

#[test]
fn a_crisis_without_a_kind_is_still_a_crisis_and_out_of_scope_is_no_need() {
    let signals = signals_from_text(&crisis(true, None), &needs(&["out_of_scope"]));
    assert_eq!(signals.crisis.as_deref(), Some("unspecified"));
    assert!(signals.needs.is_empty());
    let calm = signals_from_text(&crisis(false, None), &needs(&["unemployment_benefit"]));
    assert_eq!(calm.crisis, None);
    assert!(calm.job_loss);
}

fn records(value: Value) -> BTreeMap<String, Value> {
    serde_json::from_value(value).unwrap()
}

#[test]
fn household_ages_count_whole_years_on_the_day() {
    let household = |birth: &str, member: &str| {
        records(json!({"household.registration": {
            "birth_date": birth,
            "members": [{"relation": "child", "birth_date": member, "disability": false}]
        }}))
    };
    let today = date!(2026 - 12 - 01);
    // The member turns 18 today: no longer a child.
    let adult = signals_from_records(&household("1980-01-01", "2008-12-01"), today);
    assert!(!adult.children);
    let child = signals_from_records(&household("1980-01-01", "2008-12-02"), today);
    assert!(child.children);
    // The citizen turns 65 tomorrow: not yet elderly; a day later, elderly.
    let young = signals_from_records(&household("1961-12-02", "1990-01-01"), today);
    assert!(!young.elderly);
    let old = signals_from_records(&household("1961-12-01", "1990-01-01"), today);
    assert!(old.elderly);
}

#[test]
fn welfare_status_and_members_give_disability_and_low_income() {
    let today = date!(2026 - 12 - 01);
    let by_certificate = records(json!({"welfare.status": {
        "low_income_household": false, "mid_low_income_household": true,
        "disability_certificate": "moderate"
    }}));
    let signals = signals_from_records(&by_certificate, today);
    assert!(signals.disability && signals.low_income);
    let by_member = records(json!({
        "household.registration": {"birth_date": "1970-01-01", "members": [
            {"relation": "parent", "birth_date": "1950-01-01", "disability": true}
        ]},
        "welfare.status": {"low_income_household": false,
            "mid_low_income_household": false, "disability_certificate": null}
    }));
    let signals = signals_from_records(&by_member, today);
    assert!(signals.disability && signals.elderly && !signals.low_income);
    assert_eq!(
        signals_from_records(&BTreeMap::new(), today),
        Signals::default()
    );
}

fn insurance(insured: bool, end: &str, reason: &str) -> BTreeMap<String, Value> {
    records(json!({"labor.insurance_history": {
        "currently_insured": insured,
        "periods": [{"start": "2010-01-01", "end": end, "separation_reason": reason}],
        "receiving": []
    }}))
}

#[test]
fn a_job_that_ended_within_six_months_is_a_recent_loss() {
    let today = date!(2026 - 12 - 01);
    let lost = |r: &BTreeMap<String, Value>| signals_from_records(r, today).job_loss;
    assert!(lost(&insurance(false, "2026-08-31", "involuntary")));
    assert!(!lost(&insurance(false, "2025-08-31", "involuntary")));
    assert!(!lost(&insurance(true, "2026-08-31", "voluntary")));
    assert!(!lost(&insurance(false, "2026-10-31", "retirement")));
    let drawing = records(json!({"labor.insurance_history": {
        "currently_insured": false, "periods": [], "receiving": ["unemployment_benefit"]
    }}));
    assert!(lost(&drawing));
}

#[test]
fn merging_keeps_every_signal_either_side_found() {
    let text = Signals {
        crisis: Some("suicide".into()),
        needs: needs(&["mental_health"]),
        bereavement: true,
        ..Signals::default()
    };
    let from_records = Signals {
        needs: needs(&["mental_health", "childcare"]),
        children: true,
        ..Signals::default()
    };
    let merged = text.merge(from_records);
    assert_eq!(merged.crisis.as_deref(), Some("suicide"));
    assert_eq!(merged.needs, needs(&["mental_health", "childcare"]));
    assert!(merged.children && merged.bereavement && !merged.elderly);
}

#[test]
fn crisis_outranks_vulnerabilities_which_outrank_waiting() {
    let crisis = Signals {
        crisis: Some("suicide".into()),
        ..Signals::default()
    };
    let vulnerable = Signals {
        children: true,
        low_income: true,
        job_loss: true,
        ..Signals::default()
    };
    let one = Signals {
        elderly: true,
        ..Signals::default()
    };
    let mut queue = [
        ("long wait", rank(&Signals::default(), 30 * DAY_MS)),
        ("one", rank(&one, DAY_MS)),
        ("crisis", rank(&crisis, 0)),
        ("vulnerable", rank(&vulnerable, 0)),
        ("short wait", rank(&Signals::default(), DAY_MS)),
    ];
    queue.sort_by(|a, b| queue_order(&a.1, &b.1));
    let order: Vec<_> = queue.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        order,
        ["crisis", "vulnerable", "one", "long wait", "short wait"]
    );
    let tiers: Vec<_> = queue.iter().map(|(_, u)| u.tier).collect();
    assert_eq!(tiers, [1, 2, 3, 4, 4]);
}

#[test]
fn every_position_is_explained_by_its_reasons() {
    let signals = Signals {
        crisis: Some("domestic_violence".into()),
        children: true,
        bereavement: true,
        ..Signals::default()
    };
    assert_eq!(
        codes(&signals, 3 * DAY_MS + 5),
        ["crisis", "children", "bereavement", "waiting"]
    );
    let urgency = rank(&signals, 3 * DAY_MS + 5);
    assert_eq!(urgency.reasons[0].zh_tw, "危機訊號：家庭暴力");
    assert_eq!(urgency.reasons[3].en, "waiting 3 days");
    assert_eq!(urgency.reasons[3].zh_tw, "已等候 3 天");
    assert_eq!(
        rank(&Signals::default(), DAY_MS).reasons[0].en,
        "waiting 1 day"
    );
    assert_eq!(codes(&Signals::default(), -5), ["waiting"]);
}
