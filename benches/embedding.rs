//! The embedding step alone, with the real model on one thread: one
//! question (the latency a citizen feels before anything else runs) and a
//! batch of 32 (what a catalogue rebuild or a busy pool computes at once).
//! Needs the model: scripts/fetch-model.sh.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mydata_navigator::understand::embedder::Embedder;

const QUESTIONS: [&str; 8] = [
    "失業了，該怎麼辦？",
    "I lost my job last week, can I get unemployment benefit?",
    "媽媽中風需要長照，有什麼補助？",
    "My rent is too high, is there a subsidy for young tenants?",
    "孩子兩歲，托育補助怎麼申請？",
    "卡債快還不出來了，可以協商嗎",
    "I'm pregnant and not insured, what help is there?",
    "工作時受傷，職災可以領什麼？",
];

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
