//! The evaluation contract (`navigator eval …`): read a JSON Lines file, run
//! the real pipeline on it, print a table for people and, as the last line,
//! one JSON object with the figures. A malformed file is refused with the
//! line and what is wrong before anything runs.

pub mod answers;
pub mod crisis;
pub mod needs;
pub mod recommend;
pub mod rules;

use crate::understand::UnderstandError;
use crate::understand::examples::ExamplesError;

#[derive(Debug, thiserror::Error)]
pub enum EvalError {
    /// The file is wrong: exit code 2.
    #[error(transparent)]
    Malformed(#[from] ExamplesError),
    #[error(transparent)]
    Pipeline(#[from] UnderstandError),
    #[error(transparent)]
    Spec(#[from] crate::spec::SpecError),
    #[error("the catalogue: {0}")]
    Catalog(String),
}

/// A share, rounded for printing.
fn round(value: f64) -> f64 {
    (value * 10_000.0).round() / 10_000.0
}
