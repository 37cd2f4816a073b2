//! Rule evaluation speed: every catalogue service judged for one citizen
//! (all datasets shared), and for one who shared only two datasets (most
//! conditions unknown), as a recommendation does for each question.

use std::collections::BTreeMap;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mydata_navigator::catalog::Catalog;
use mydata_navigator::catalog::rules::RuleEngine;
use mydata_navigator::catalog::validate::TEST_DATE;
use mydata_navigator::citizens::CitizenDirectory;
use mydata_navigator::spec::DatasetRegistry;

fn rules(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let catalog = Catalog::load(&root.join("datasets/catalog")).expect("catalogue");
    let registry = DatasetRegistry::embedded().expect("registry");
    let engine = RuleEngine::new(&catalog, &registry).expect("rules compile");
    let citizens = CitizenDirectory::embedded(&registry).expect("citizens");
    let citizen = citizens
        .iter()
        .min_by(|a, b| a.id.cmp(&b.id))
        .expect("a citizen");
    let partial: BTreeMap<String, serde_json::Value> = citizen
        .records
        .iter()
        .filter(|(dataset, _)| matches!(dataset.as_str(), "household.registration" | "tax.income"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();

    let mut group = c.benchmark_group("rules");
    group.throughput(Throughput::Elements(catalog.services.len() as u64));
    group.bench_function("all_services_all_datasets", |b| {
        b.iter(|| {
            catalog
                .services
                .iter()
                .filter_map(|s| engine.judge(s, &citizen.records, TEST_DATE))
                .count()
        })
    });
    group.bench_function("all_services_two_datasets", |b| {
        b.iter(|| {
            catalog
                .services
                .iter()
                .filter_map(|s| engine.judge(s, &partial, TEST_DATE))
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, rules);
criterion_main!(benches);
