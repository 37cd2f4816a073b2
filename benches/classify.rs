//! The heads alone, on embeddings computed once: scoring every need of the
//! taxonomy (calibrated one-vs-rest) and the crisis check (lexicon and
//! head). This is what a question costs after the embedding.
//! Needs the model and heads: scripts/fetch-model.sh, navigator train needs.

use std::path::Path;

#[path = "support/questions.rs"]
mod questions;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mydata_navigator::understand::HeadsFile;
use mydata_navigator::understand::crisis::{CrisisDetector, Lexicon};
use mydata_navigator::understand::embedder::Embedder;
use questions::QUESTIONS;

fn classify(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let heads = HeadsFile::read(&root.join("models/classifier.json"))
        .expect("heads (navigator train needs)");
    let embedder = Embedder::load(root.join("models/multilingual-e5-small"))
        .expect("model (scripts/fetch-model.sh)");
    let embeddings = embedder.embed_queries(&QUESTIONS).expect("embeddings");
    let crisis = CrisisDetector::new(Lexicon::embedded().expect("lexicon"), heads.crisis);

    let mut group = c.benchmark_group("classify");
    group.throughput(Throughput::Elements(QUESTIONS.len() as u64));
    group.bench_function("needs_8_questions", |b| {
        b.iter(|| {
            embeddings
                .iter()
                .map(|embedding| heads.needs.classify(embedding).ranking().len())
                .sum::<usize>()
        })
    });
    group.bench_function("crisis_8_questions", |b| {
        b.iter(|| {
            QUESTIONS
                .iter()
                .zip(&embeddings)
                .filter(|(question, embedding)| crisis.detect(question, embedding).flagged)
                .count()
        })
    });
    group.finish();
}

criterion_group!(benches, classify);
criterion_main!(benches);
