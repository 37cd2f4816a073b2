//! What the model benchmarks share: the real model and heads, loaded the
//! way `navigator serve` loads them, one embedding worker per core.

use std::path::Path;

use mydata_navigator::understand::Understander;

pub fn understander() -> Understander {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workers = std::thread::available_parallelism().map_or(1, usize::from);
    Understander::load(
        &root.join("models/multilingual-e5-small"),
        &root.join("models/classifier.json"),
        workers,
    )
    .expect("model and classifier (scripts/fetch-model.sh; navigator train needs)")
}
