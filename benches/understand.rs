//! Understanding speed with the real model: one question at a time (batch
//! 1, the latency a citizen feels), a batch of 32, and 8 questions in
//! flight at once through the worker pool (throughput under concurrency).
//! Needs the model and heads: scripts/fetch-model.sh, navigator train needs.

mod support;

#[path = "support/questions.rs"]
mod questions;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use questions::QUESTIONS;

fn understand(c: &mut Criterion) {
    let understander = support::understander();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");

    let mut group = c.benchmark_group("understand");
    group.throughput(Throughput::Elements(1));
    group.bench_function("batch_1", |b| {
        b.to_async(&runtime)
            .iter(|| async { understander.understand(QUESTIONS[0]).await.map(|_| ()) })
    });
    let batch: Vec<&str> = QUESTIONS.iter().cycle().take(32).copied().collect();
    group.throughput(Throughput::Elements(32));
    group.bench_function("batch_32", |b| {
        b.iter(|| understander.understand_batch(&batch).map(|_| ()))
    });
    group.throughput(Throughput::Elements(8));
    group.bench_function("concurrency_8", |b| {
        b.to_async(&runtime).iter(|| async {
            let asks = QUESTIONS.iter().map(|q| {
                let understander = understander.clone();
                tokio::spawn(async move { understander.understand(q).await.map(|_| ()) })
            });
            futures::future::join_all(asks).await
        })
    });
    group.finish();
}

criterion_group!(benches, understand);
criterion_main!(benches);
