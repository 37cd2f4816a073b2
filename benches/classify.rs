//! The heads alone, on embeddings computed once: scoring every need of the
//! taxonomy (calibrated one-vs-rest) and the crisis check (lexicon and
//! head). This is what a question costs after the embedding.
//! Needs the model and heads: scripts/fetch-model.sh, navigator train needs.

use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mydata_navigator::understand::HeadsFile;
use mydata_navigator::understand::crisis::{CrisisDetector, Lexicon};
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
