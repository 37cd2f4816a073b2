//! Compares the embedding backends on the same sentences: time per sentence at
//! batch 1 and the agreement of each backend's vectors with the f32 encoder's.
//!
//! ```text
//! CANDLE_NUM_THREADS=1 cargo run --release --example backend_compare -- \
//!     models/multilingual-e5-small sentences.txt [rounds]
//! ```
//!
//! One sentence per line, embedded as a question (`query: ` prefix). Backends run
//! interleaved round by round, so a busy machine slows them alike.

use std::time::Instant;

use mydata_navigator::understand::embedder::{Backend, Embedder};

type Failure = Box<dyn std::error::Error>;

const BACKENDS: [(&str, Backend); 3] = [
    ("f32", Backend::F32),
    ("q4", Backend::Q4),
    ("q8", Backend::Q8),
];

fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(model_dir), Some(sentences)) = (args.first(), args.get(1)) else {
        return Err("usage: backend_compare MODEL_DIR SENTENCES_FILE [ROUNDS]".into());
    };
    let rounds: usize = args.get(2).map_or(Ok(3), |r| r.parse())?;
    let text = std::fs::read_to_string(sentences)?;
    let sentences: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if sentences.is_empty() {
        return Err(format!("no sentences in {sentences:?}").into());
    }

    let mut embedders = Vec::new();
    for (name, backend) in BACKENDS {
        let embedder = Embedder::load_with(model_dir, backend)?;
        for s in sentences.iter().take(4) {
            embedder.embed_queries(&[s])?;
        }
        embedders.push((name, embedder));
    }

    let mut total_ms = vec![0f64; embedders.len()];
    let mut vectors: Vec<Vec<Vec<f32>>> = vec![Vec::new(); embedders.len()];
    for round in 0..rounds {
        for (b, (_, embedder)) in embedders.iter().enumerate() {
            let started = Instant::now();
            for s in &sentences {
                let v = embedder.embed_queries(&[s])?;
                if round == 0 {
                    vectors[b].extend(v);
                }
            }
            total_ms[b] += started.elapsed().as_secs_f64() * 1e3;
        }
    }

    let calls = (rounds * sentences.len()) as f64;
    println!("backend  ms/sentence  cosine-vs-f32 min  mean");
    for (b, (name, _)) in embedders.iter().enumerate() {
        let cosines: Vec<f64> = vectors[b]
            .iter()
            .zip(&vectors[0])
            .map(|(x, y)| x.iter().zip(y).map(|(a, b)| f64::from(a * b)).sum())
            .collect();
        let min = cosines.iter().copied().fold(f64::INFINITY, f64::min);
        let mean = cosines.iter().sum::<f64>() / cosines.len() as f64;
        println!(
            "{name:<8} {:>11.2}  {min:>17.6}  {mean:.6}",
            total_ms[b] / calls
        );
    }
    Ok(())
}
