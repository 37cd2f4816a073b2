//! Times the service's embedding step on a file of sentences and prints the
//! timings and the vectors as one JSON object, for `bench/embedding-vs-pytorch.sh`
//! to compare with a PyTorch reference running the same model.
//!
//! ```text
//! CANDLE_NUM_THREADS=1 cargo run --release --example embed_timing -- \
//!     models/multilingual-e5-small sentences.txt [rounds]
//! ```
//!
//! One sentence per line; each is embedded as a query (`query: ` prefix), as the
//! service embeds questions. Batch 1 times each sentence alone (tokenisation,
//! forward, pooling and normalisation included); batch 32 times consecutive
//! chunks of 32. A warm-up pass of both runs first and is not counted. Besides
//! wall-clock times it records the process CPU time of each phase.

use std::time::Instant;

use mydata_navigator::understand::embedder::Embedder;
use serde_json::json;

type Failure = Box<dyn std::error::Error>;

const BATCH: usize = 32;

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(model_dir), Some(sentences)) = (args.first(), args.get(1)) else {
        return Err("usage: embed_timing MODEL_DIR SENTENCES_FILE [ROUNDS]".into());
    };
    let rounds: usize = args.get(2).map_or(Ok(5), |r| r.parse())?;
    let text = std::fs::read_to_string(sentences)?;
    let sentences: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if sentences.is_empty() {
        return Err(format!("no sentences in {}", args[1]).into());
    }

    let started = Instant::now();
    let embedder = Embedder::load(model_dir)?;
    let load_s = started.elapsed().as_secs_f64();

    // Warm-up: first-call allocations and page faults on the weights.
    for s in sentences.iter().take(4) {
        embedder.embed_queries(&[s])?;
    }
    embedder.embed_queries(&sentences[..BATCH.min(sentences.len())])?;

    let cpu_start = process_cpu_s();
    let mut latencies_ms = Vec::with_capacity(rounds * sentences.len());
    let mut vectors_b1 = Vec::with_capacity(sentences.len());
    for round in 0..rounds {
        for s in &sentences {
            let t = Instant::now();
            let v = embedder.embed_queries(&[s])?;
            latencies_ms.push(t.elapsed().as_secs_f64() * 1e3);
            if round == 0 {
                vectors_b1.extend(v);
            }
        }
    }

    let batch1_cpu_s = process_cpu_s() - cpu_start;

    let cpu_start = process_cpu_s();
    let mut batch_s = Vec::new();
    let mut vectors_b32 = Vec::with_capacity(sentences.len());
    for round in 0..rounds {
        for chunk in sentences.chunks(BATCH) {
            let t = Instant::now();
            let v = embedder.embed_queries(chunk)?;
            batch_s.push((chunk.len(), t.elapsed().as_secs_f64()));
            if round == 0 {
                vectors_b32.extend(v);
            }
        }
    }

    let batch32_cpu_s = process_cpu_s() - cpu_start;

    let out = json!({
        "implementation": "candle",
        "threads": std::env::var("CANDLE_NUM_THREADS").unwrap_or_else(|_| "unset".into()),
        "load_s": load_s,
        "batch1_latencies_ms": latencies_ms,
        "batch32_runs": batch_s,
        "batch1_cpu_s": batch1_cpu_s,
        "batch32_cpu_s": batch32_cpu_s,
        "vectors_batch1": vectors_b1,
        "vectors_batch32": vectors_b32,
    });
    println!("{out}");
    Ok(())
}

/// CPU seconds (user + system, all threads) used by this process so far, from
/// /proc/self/stat; NaN where that is unavailable. On a shared machine this
/// shows the cost of the work even when other processes stretch the wall clock.
fn process_cpu_s() -> f64 {
    // Linux reports these fields in USER_HZ ticks, 100 per second on every arch we run.
    const TICKS_PER_S: f64 = 100.0;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return f64::NAN;
    };
    // Fields after the parenthesised command name start at field 3 (state);
    // utime and stime are fields 14 and 15.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return f64::NAN;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(user), Some(system)) => (user + system) / TICKS_PER_S,
        _ => f64::NAN,
    }
}
