//! The embedding step alone, with the real model called directly (its f32
//! matmuls may use every core through rayon's global pool): one
//! question (the latency a citizen feels before anything else runs) and a
//! batch of 32 (what a catalogue rebuild or a busy pool computes at once).
//! Needs the model: scripts/fetch-model.sh.

use std::path::Path;

#[path = "support/questions.rs"]
mod questions;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mydata_navigator::understand::embedder::Embedder;
use questions::QUESTIONS;

fn embedding(c: &mut Criterion) {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("models/multilingual-e5-small");
    let embedder = Embedder::load(&model).expect("model (scripts/fetch-model.sh)");

    let mut group = c.benchmark_group("embedding");
    group.throughput(Throughput::Elements(1));
    group.bench_function("batch_1", |b| {
        b.iter(|| {
            embedder
                .embed_queries(&QUESTIONS[..1])
                .map_or(0, |v| v.len())
        })
    });
    let batch: Vec<&str> = QUESTIONS.iter().cycle().take(32).copied().collect();
    group.throughput(Throughput::Elements(32));
    group.sample_size(20);
    group.bench_function("batch_32", |b| {
        b.iter(|| embedder.embed_queries(&batch).map_or(0, |v| v.len()))
    });
    group.finish();
}

criterion_group!(benches, embedding);
criterion_main!(benches);
