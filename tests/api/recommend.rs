//! The recommendation pipeline with the real model and the real
//! catalogue: what a citizen asks and has shared decides what comes first,
//! and nothing they are not eligible for is recommended.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use mydata_navigator::catalog::Catalog;
use mydata_navigator::catalog::rules::Verdict;
use mydata_navigator::recommend::{Recommendations, Recommender};
use mydata_navigator::spec::DatasetRegistry;

use crate::helpers::{citizens, repo_path, understander};

fn recommender() -> &'static Recommender {
    static RECOMMENDER: OnceLock<Recommender> = OnceLock::new();
    RECOMMENDER.get_or_init(|| {
        let catalog = Catalog::load(&repo_path("datasets/catalog")).unwrap();
        Recommender::build(
            catalog,
            &DatasetRegistry::embedded().unwrap(),
            understander(),
        )
        .unwrap()
    })
}

fn ask(question: &str, records: &BTreeMap<String, serde_json::Value>) -> Recommendations {
    let understood = understander()
        .understand_batch_with_embeddings(&[question])
        .unwrap();
    let (understanding, embedding) = &understood[0];
    recommender().recommend(
        understanding,
        embedding,
        records,
        time::macros::date!(2026 - 12 - 01),
    )
}

#[test]
fn a_crisis_puts_a_hotline_first() {
    let result = ask("我真的撐不下去了，想結束自己的生命", &BTreeMap::new());
    let first = &result.ranked[0];
    assert!(
        ["mohw.hotline_1925", "lifeline.hotline_1995"].contains(&first.service.as_str()),
        "{:?}",
        result.ranked.iter().map(|r| &r.service).collect::<Vec<_>>()
    );
    assert!(!first.next_step.is_empty());
}

#[test]
fn the_ineligible_are_checked_but_never_recommended() {
    // A citizen of 47 asking about youth training: the youth programmes
    // are judged and set aside with the reason.
    let citizen = citizens().iter().find(|c| c.id == "c001").cloned().unwrap();
    let result = ask("有沒有青年職業訓練的補助？", &citizen.records);
    assert!(
        result
            .ranked
            .iter()
            .all(|r| r.verdict != Verdict::Ineligible)
    );
    let youth = result
        .not_eligible
        .iter()
        .find(|r| r.service == "wda.industry_new_talent")
        .expect("the youth programme was a candidate");
    assert!(!youth.reasons.is_empty(), "the failed condition is named");
    assert!(
        result
            .ranked
            .iter()
            .all(|r| r.service != "wda.industry_new_talent")
    );
}

#[test]
fn without_records_verdicts_stay_unknown_and_say_what_would_settle_them() {
    let result = ask(
        "I lost my job, can I get unemployment benefit?",
        &BTreeMap::new(),
    );
    let benefit = result
        .ranked
        .iter()
        .find(|r| r.service == "bli.unemployment_benefit")
        .expect("unemployment benefit is a candidate");
    assert_eq!(benefit.verdict, Verdict::Unknown);
    assert!(
        benefit
            .would_settle
            .iter()
            .any(|d| d == "labor.insurance_history")
    );
    assert!(
        result
            .ranked
            .iter()
            .take(5)
            .any(|r| r.service == "bli.unemployment_benefit")
    );
}

#[test]
fn services_already_received_are_left_out() {
    let mut records = BTreeMap::new();
    records.insert(
        "welfare.status".to_owned(),
        serde_json::json!({"low_income_household": true, "mid_low_income_household": false,
            "disability_certificate": null, "ltc_cms_level": 0,
            "receiving": ["mohw.low_income_household"]}),
    );
    let result = ask("生活很困難，可以申請低收入戶嗎？", &records);
    assert!(
        result
            .ranked
            .iter()
            .all(|r| r.service != "mohw.low_income_household")
    );
}
