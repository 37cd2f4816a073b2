//! Recommendation latency with the real model, catalogue and vacancies:
//! `ranking` is the recommender alone on a question already embedded (rule
//! judgements, exact search over services and vacancies, explanations);
//! `question_to_answer` adds understanding the question, i.e. what
//! `POST /api/recommend` spends between reading the body and writing the
//! answer. The citizen's work history is embedded once and then cached,
//! as it is for any occupation seen before; `first_time_work_history`
//! measures a history never seen (a new text each iteration). Needs the model and heads: scripts/fetch-model.sh, navigator
//! train needs.

mod support;

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use mydata_navigator::catalog::Catalog;
use mydata_navigator::citizens::CitizenDirectory;
use mydata_navigator::index::ExactIndex;
use mydata_navigator::recommend::Recommender;
use mydata_navigator::spec::DatasetRegistry;
use mydata_navigator::vacancies::{self, board::VacancyBoard};

fn recommend(c: &mut Criterion) {
    let understander = support::understander();
    let registry = DatasetRegistry::embedded().expect("registry");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let dim = understander.pool().embedder().dim();
    let recommender = runtime.block_on(async {
        let board = VacancyBoard::build(
            vacancies::embedded().expect("vacancies"),
            &understander,
            Box::new(ExactIndex::new(dim)),
        )
        .await
        .expect("vacancy board");
        Recommender::build(
            Catalog::embedded().expect("catalogue"),
            &registry,
            &understander,
            Box::new(ExactIndex::new(dim)),
        )
        .await
        .expect("recommender")
        .with_vacancies(Arc::new(board))
    });
    let citizens = CitizenDirectory::embedded(&registry).expect("citizens");
    // c005: a warehouse picker laid off in Taoyuan, with history to match.
    let c005 = citizens
        .iter()
        .find(|c| c.id == "c005")
        .map(|c| c.records.clone())
        .expect("citizen c005");
    let question = "失業了，該怎麼辦？";
    let (understanding, embedding) = runtime
        .block_on(understander.understand_with_embedding(question))
        .expect("understanding");
    let date = time::macros::date!(2026 - 12 - 01);

    let mut group = c.benchmark_group("recommend");
    group.bench_function("ranking", |b| {
        b.to_async(&runtime).iter(|| async {
            recommender
                .recommend(&understanding, &embedding, &c005, date)
                .await
        })
    });
    group.bench_function("question_to_answer", |b| {
        b.to_async(&runtime).iter(|| async {
            let (understanding, embedding) = understander
                .understand_with_embedding(question)
                .await
                .expect("understanding");
            recommender
                .recommend(&understanding, &embedding, &c005, date)
                .await
        })
    });
    let mut fresh = 0_u64;
    group.bench_function("first_time_work_history", |b| {
        b.to_async(&runtime).iter(|| {
            fresh += 1;
            let mut records = c005.clone();
            if let Some(period) = records
                .get_mut("labor.insurance_history")
                .and_then(|l| l.get_mut("periods"))
                .and_then(|p| p.get_mut(0))
            {
                period["occupation"] = format!("理貨員{fresh}").into();
            }
            let (understanding, embedding, recommender) =
                (&understanding, &embedding, &recommender);
            async move {
                recommender
                    .recommend(understanding, embedding, &records, date)
                    .await
            }
        })
    });
    group.finish();
}

criterion_group!(benches, recommend);
criterion_main!(benches);
