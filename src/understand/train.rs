//! `navigator train needs`: embeds the labelled examples under
//! `datasets/needs/` and `datasets/crisis/train.jsonl`, trains the needs
//! classifier and the crisis head (whose negatives include the ordinary
//! requests for help of `datasets/needs/`), and writes both to one file. Same files
//! in, same file out.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::classifier::{CrossValidation, Labelled, NeedsClassifier};
use super::crisis::{CrisisKind, CrisisModel, CrisisValidation, Lexicon};
use super::embedder::{Embedder, EmbedderError};
use super::examples::{ExamplesError, read_jsonl};
use super::linear::{LinearError, TrainConfig};
use super::pool::{EmbeddingPool, PoolError};
use super::{HEADS_FORMAT, HeadsFile};
use crate::needs::NeedRegistry;
use crate::spec::SpecError;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Examples(#[from] ExamplesError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error("{0}")]
    Model(Box<EmbedderError>),
    #[error(transparent)]
    Linear(#[from] LinearError),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error("cannot list {path}: {source}")]
    List {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot write {path}: {source}")]
    Write {
        path: String,
        source: std::io::Error,
    },
    #[error("no training examples under {0}")]
    NoExamples(String),
}

impl From<EmbedderError> for TrainError {
    fn from(error: EmbedderError) -> Self {
        Self::Model(Box::new(error))
    }
}

#[derive(Deserialize)]
struct NeedExample {
    text: String,
    needs: Vec<String>,
}

#[derive(Deserialize)]
struct CrisisExample {
    text: String,
    crisis: Option<CrisisKind>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub needs: CrossValidation,
    pub crisis: CrisisValidation,
    pub out: PathBuf,
}

/// The training files, in a fixed order.
fn training_files(datasets: &Path) -> Result<(Vec<PathBuf>, PathBuf), TrainError> {
    let folder = datasets.join("needs");
    let listing = std::fs::read_dir(&folder).map_err(|source| TrainError::List {
        path: folder.display().to_string(),
        source,
    })?;
    let mut needs: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    needs.sort();
    if needs.is_empty() {
        return Err(TrainError::NoExamples(folder.display().to_string()));
    }
    Ok((needs, datasets.join("crisis").join("train.jsonl")))
}

/// SHA-256 over every training file (name and bytes) and the format.
pub fn fingerprint(datasets: &Path) -> Result<String, TrainError> {
    let (needs, crisis) = training_files(datasets)?;
    let mut hasher = Sha256::new();
    hasher.update(HEADS_FORMAT.to_le_bytes());
    for path in needs.iter().chain(std::iter::once(&crisis)) {
        let bytes = std::fs::read(path).map_err(|source| ExamplesError::Io {
            path: path.display().to_string(),
            source,
        })?;
        hasher.update(
            path.file_name()
                .map(|n| n.as_encoded_bytes())
                .unwrap_or_default(),
        );
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(&bytes);
    }
    Ok(hex::encode(hasher.finalize()))
}

/// Whether `out` exists and was trained from the current files.
pub fn is_current(out: &Path, datasets: &Path) -> bool {
    match (HeadsFile::read(out), fingerprint(datasets)) {
        (Ok(file), Ok(current)) => file.fingerprint == current,
        _ => false,
    }
}

/// Needs whose examples may describe a crisis: not used as the crisis
/// head's negatives.
const MAYBE_CRISIS: [&str; 3] = ["domestic_violence", "mental_health", "emergency_relief"];

pub fn train(
    model_dir: &Path,
    datasets: &Path,
    out: &Path,
    workers: usize,
) -> Result<TrainReport, TrainError> {
    let registry = NeedRegistry::embedded()?;
    let need_ids: Vec<String> = registry.ids().map(str::to_owned).collect();
    let (need_files, crisis_file) = training_files(datasets)?;
    let mut needs = Vec::new();
    for path in &need_files {
        for (line, example) in read_jsonl::<NeedExample>(path)? {
            if example.needs.is_empty() || example.text.trim().is_empty() {
                return Err(ExamplesError::at(
                    path,
                    line,
                    "text and at least one need are required",
                )
                .into());
            }
            if let Some(unknown) = example
                .needs
                .iter()
                .find(|n| registry.index_of(n).is_none())
            {
                return Err(
                    ExamplesError::at(path, line, format!("{unknown} is not a need id")).into(),
                );
            }
            needs.push(example);
        }
    }
    let crisis = read_jsonl::<CrisisExample>(&crisis_file)?;

    let pool = EmbeddingPool::start(Arc::new(Embedder::load(model_dir)?), workers)?;
    let texts: Vec<&str> = needs.iter().map(|e| e.text.as_str()).collect();
    let need_vectors = pool.embed_queries_blocking(&texts)?;
    let texts: Vec<&str> = crisis.iter().map(|(_, e)| e.text.as_str()).collect();
    let crisis_vectors = pool.embed_queries_blocking(&texts)?;

    let labelled: Vec<Labelled<'_>> = needs
        .iter()
        .zip(&need_vectors)
        .map(|(e, v)| Labelled {
            text: &e.text,
            embedding: v,
            needs: &e.needs,
        })
        .collect();
    let (classifier, needs_report) =
        NeedsClassifier::train(&need_ids, &labelled, TrainConfig::default())?;
    let lexicon = Lexicon::embedded()?;
    let mut crisis_examples: Vec<(&str, &[f32], Option<CrisisKind>)> = crisis
        .iter()
        .zip(&crisis_vectors)
        .map(|((_, e), v)| (e.text.as_str(), v.as_slice(), e.crisis))
        .collect();
    // Every ordinary request for help is a non-crisis the head must know:
    // a pregnancy, a medical bill, a loan. Those about violence or mental
    // health, or with a crisis phrase, may be crises and are left out.
    crisis_examples.extend(
        needs
            .iter()
            .zip(&need_vectors)
            .filter(|(e, _)| {
                !e.needs.iter().any(|n| MAYBE_CRISIS.contains(&n.as_str()))
                    && lexicon.find(&e.text).is_none()
            })
            .map(|(e, v)| (e.text.as_str(), v.as_slice(), None)),
    );
    let (crisis_model, crisis_report) = CrisisModel::train(&crisis_examples, &lexicon)?;

    let file = HeadsFile {
        format: HEADS_FORMAT,
        fingerprint: fingerprint(datasets)?,
        needs: classifier,
        crisis: crisis_model,
    };
    write_atomically(out, &file)?;
    Ok(TrainReport {
        needs: needs_report,
        crisis: crisis_report,
        out: out.to_path_buf(),
    })
}

/// Writes beside the target and renames, so a reader never sees half a file.
fn write_atomically(out: &Path, file: &HeadsFile) -> Result<(), TrainError> {
    let error = |source| TrainError::Write {
        path: out.display().to_string(),
        source,
    };
    if let Some(folder) = out.parent().filter(|f| !f.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(error)?;
    }
    let bytes = serde_json::to_vec(file).map_err(|e| error(std::io::Error::other(e)))?;
    let partial = out.with_extension("json.partial");
    std::fs::write(&partial, bytes).map_err(error)?;
    std::fs::rename(&partial, out).map_err(error)
}
