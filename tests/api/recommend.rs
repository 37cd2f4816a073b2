//! The recommendation pipeline with the real model and the real
//! catalogue: what a citizen asks and has shared decides what comes first,
//! and nothing they are not eligible for is recommended.

use std::collections::BTreeMap;
use std::sync::Arc;

use mydata_navigator::catalog::Catalog;
use mydata_navigator::catalog::rules::Verdict;
use mydata_navigator::index::ExactIndex;
use mydata_navigator::recommend::{Recommendations, Recommender};
use mydata_navigator::spec::DatasetRegistry;
use mydata_navigator::vacancies::{self, board::VacancyBoard};
use tokio::sync::OnceCell;

use crate::helpers::{citizens, repo_path, understander};

/// Built once per test binary: the catalogue and the 320 vacancies are
/// embedded with the real model.
async fn recommender() -> &'static Recommender {
    static RECOMMENDER: OnceCell<Recommender> = OnceCell::const_new();
    RECOMMENDER
        .get_or_init(|| async {
            let catalog = Catalog::load(&repo_path("datasets/catalog")).unwrap();
            let dim = understander().pool().embedder().dim();
            let board = VacancyBoard::build(
                vacancies::embedded().unwrap(),
                understander(),
                Box::new(ExactIndex::new(dim)),
            )
            .await
            .unwrap();
            Recommender::build(
                catalog,
                &DatasetRegistry::embedded().unwrap(),
                understander(),
                Box::new(ExactIndex::new(dim)),
            )
            .await
            .unwrap()
            .with_vacancies(Arc::new(board))
        })
        .await
}

async fn ask(question: &str, records: &BTreeMap<String, serde_json::Value>) -> Recommendations {
    let (understanding, embedding) = understander()
        .understand_with_embedding(question)
        .await
        .unwrap();
    recommender()
        .await
        .recommend(
            &understanding,
            &embedding,
            records,
            time::macros::date!(2026 - 12 - 01),
        )
        .await
}

#[tokio::test]
async fn a_crisis_puts_a_hotline_first() {
    let result = ask("我真的撐不下去了，想結束自己的生命", &BTreeMap::new()).await;
    let first = &result.ranked[0];
    assert!(
        ["mohw.hotline_1925", "lifeline.hotline_1995"].contains(&first.service.as_str()),
        "{:?}",
        result.ranked.iter().map(|r| &r.service).collect::<Vec<_>>()
    );
    assert!(!first.next_step.is_empty());
}

#[tokio::test]
async fn the_ineligible_are_checked_but_never_recommended() {
    // A citizen of 47 asking about youth training: the youth programmes
    // are judged and set aside with the reason.
    let citizen = citizens().iter().find(|c| c.id == "c001").cloned().unwrap();
    let result = ask("有沒有青年職業訓練的補助？", &citizen.records).await;
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

#[tokio::test]
async fn without_records_verdicts_stay_unknown_and_say_what_would_settle_them() {
    let result = ask(
        "I lost my job, can I get unemployment benefit?",
        &BTreeMap::new(),
    )
    .await;
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

#[tokio::test]
async fn services_already_received_are_left_out() {
    let mut records = BTreeMap::new();
    records.insert(
        "welfare.status".to_owned(),
        serde_json::json!({"low_income_household": true, "mid_low_income_household": false,
            "disability_certificate": null, "ltc_cms_level": 0,
            "receiving": ["mohw.low_income_household"]}),
    );
    let result = ask("生活很困難，可以申請低收入戶嗎？", &records).await;
    assert!(
        result
            .ranked
            .iter()
            .all(|r| r.service != "mohw.low_income_household")
    );
    assert!(
        result
            .already_receiving
            .iter()
            .any(|r| r.service == "mohw.low_income_household"),
        "named as already received instead"
    );
}

#[tokio::test]
async fn a_job_seeker_is_matched_to_nearby_vacancies_with_what_fits_and_what_is_missing() {
    // c005: a warehouse picker in Taoyuan, vocational high school, no
    // certificates, laid off in November 2026.
    let citizen = citizens().iter().find(|c| c.id == "c005").cloned().unwrap();
    let result = ask("失業了，想找倉儲物流的工作", &citizen.records).await;
    assert!(result.degraded.is_empty(), "{:?}", result.degraded);
    assert!(result.vacancies.len() >= 3, "{:?}", result.vacancies);
    assert!(
        result.vacancies.iter().all(|v| v.city == "桃園市"),
        "Taoyuan has enough of them: {:?}",
        result.vacancies
    );
    assert!(
        result.vacancies.iter().take(3).any(|v| v
            .fits
            .iter()
            .any(|f| f.contains("理貨員") || f.contains("揀貨員"))),
        "the past work that fits is named: {:?}",
        result.vacancies
    );
    // Every vacancy shown is still open on the day asked.
    assert!(
        result
            .vacancies
            .iter()
            .all(|v| v.closes.as_deref().is_none_or(|d| d >= "2026-12-01"))
    );
    // A missing certificate comes with the training that leads to it.
    let gap = result
        .vacancies
        .iter()
        .flat_map(|v| &v.gaps)
        .find(|g| g.what.contains("堆高機"))
        .expect("a forklift vacancy asks for a certificate c005 lacks");
    assert!(
        gap.training
            .iter()
            .any(|t| t.service == "wda.pre_employment_training"),
        "{gap:?}"
    );
}

#[tokio::test]
async fn no_vacancies_for_a_question_that_is_not_about_work() {
    let citizen = citizens().iter().find(|c| c.id == "c005").cloned().unwrap();
    let result = ask("家裡長輩需要長照服務，要怎麼申請？", &citizen.records).await;
    assert!(result.vacancies.is_empty(), "{:?}", result.vacancies);
}
