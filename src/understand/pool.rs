//! Embedding as a service for concurrent requests: a fixed set of workers,
//! one per core, each computing with a single intra-op thread, and each
//! taking every request queued when it becomes free as one batch
//! (micro-batching). The model's weights are shared by all workers.
//! [`super::queue`] orders the jobs, refuses questions beyond a few
//! seconds' work and drops those whose caller has gone.

use std::sync::Arc;
use std::sync::mpsc;

use tokio::sync::oneshot;

use super::embedder::{Embedder, EmbedderError, MAX_BATCH};
use super::queue::{Job, Kind, QUERY_BUDGET_PER_WORKER, Queue, Reply};
use crate::http::Problem;

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Embed(Box<EmbedderError>),
    #[error("embedding failed: {0}")]
    Failed(String),
    #[error("the embedding workers are not running")]
    Stopped,
    #[error("too many questions are waiting to be embedded")]
    Busy,
    #[error("cannot start an embedding worker: {0}")]
    Start(String),
}

impl From<EmbedderError> for PoolError {
    fn from(error: EmbedderError) -> Self {
        Self::Embed(Box::new(error))
    }
}

impl PoolError {
    /// The answer a request gets: a busy pool is a 503 to retry shortly,
    /// anything else is ours.
    pub fn problem(&self) -> Problem {
        match self {
            Self::Busy => Problem::service_unavailable(
                "too many questions are waiting to be understood; try again in a moment",
            )
            .retry_after(BUSY_RETRY_SECS),
            other => Problem::internal(other),
        }
    }
}

/// How long a refused question is told to wait before asking again.
const BUSY_RETRY_SECS: u64 = 2;

/// Closes the queue when the last pool handle goes, so the workers stop.
struct Closer(Arc<Queue>);

impl Drop for Closer {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Cheap to clone; workers stop when the last clone is dropped.
#[derive(Clone)]
pub struct EmbeddingPool {
    queue: Arc<Queue>,
    _closer: Arc<Closer>,
    embedder: Arc<Embedder>,
    workers: usize,
}

impl EmbeddingPool {
    /// Starts `workers` threads (at least one) over one shared model.
    pub fn start(embedder: Arc<Embedder>, workers: usize) -> Result<Self, PoolError> {
        let queue = Arc::new(Queue::new(QUERY_BUDGET_PER_WORKER * workers.max(1)));
        for index in 0..workers.max(1) {
            let threads = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .thread_name(move |_| format!("embed-{index}"))
                .build()
                .map_err(|e| PoolError::Start(e.to_string()))?;
            let queue = queue.clone();
            let embedder = embedder.clone();
            std::thread::Builder::new()
                .name(format!("embed-worker-{index}"))
                .spawn(move || work(&queue, &embedder, &threads))
                .map_err(|e| PoolError::Start(e.to_string()))?;
        }
        Ok(Self {
            _closer: Arc::new(Closer(queue.clone())),
            queue,
            embedder,
            workers: workers.max(1),
        })
    }

    pub fn embedder(&self) -> &Embedder {
        &self.embedder
    }

    pub async fn embed_queries(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, PoolError> {
        self.submit(Kind::Query, texts).await
    }

    pub async fn embed_passages(&self, texts: Vec<String>) -> Result<Vec<Vec<f32>>, PoolError> {
        self.submit(Kind::Passage, texts).await
    }

    /// Embeds many queries from a thread that may block (commands, not
    /// request handlers), spreading them over every worker.
    pub fn embed_queries_blocking(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>, PoolError> {
        let mut answers = Vec::new();
        // Enough chunks that every worker has one, none larger than a batch.
        let chunk = texts.len().div_ceil(self.workers).clamp(1, MAX_BATCH);
        for chunk in texts.chunks(chunk) {
            let (reply, answer) = mpsc::sync_channel(1);
            let texts = chunk.iter().map(|t| (*t).to_owned()).collect();
            self.queue
                .push(Job::new(Kind::Query, texts, Reply::Thread(reply)))?;
            answers.push(answer);
        }
        let mut vectors = Vec::with_capacity(texts.len());
        for answer in answers {
            vectors.extend(answer.recv().map_err(|_| PoolError::Stopped)??);
        }
        Ok(vectors)
    }

    /// Whether a long question would be refused now: the workers have
    /// more questions waiting than they answer in a few seconds.
    pub fn saturated(&self) -> bool {
        self.queue.saturated()
    }

    /// Jobs dropped unembedded because their caller had gone.
    pub fn skipped(&self) -> u64 {
        self.queue.skipped()
    }

    /// Dropping the returned future (a request cancelled) drops the
    /// receiver, and a worker then skips the job.
    async fn submit(&self, kind: Kind, texts: Vec<String>) -> Result<Vec<Vec<f32>>, PoolError> {
        let (reply, answer) = oneshot::channel();
        let job = Job::new(kind, texts, Reply::Task(reply));
        match kind {
            // Never blocks: refused at once when too much is waiting.
            Kind::Query => self.queue.offer(job)?,
            Kind::Passage => {
                // A rebuild waits for room instead (`push` blocks).
                let queue = self.queue.clone();
                tokio::task::spawn_blocking(move || queue.push(job))
                    .await
                    .map_err(|_| PoolError::Stopped)??;
            }
        }
        answer.await.map_err(|_| PoolError::Stopped)?
    }
}

fn work(queue: &Queue, embedder: &Embedder, threads: &rayon::ThreadPool) {
    while let Some(batch) = queue.take() {
        let kind = batch.first().map_or(Kind::Query, |job| job.kind);
        threads.install(|| answer(embedder, kind, batch));
    }
}

fn answer(embedder: &Embedder, kind: Kind, jobs: Vec<Job>) {
    let texts: Vec<&str> = jobs
        .iter()
        .flat_map(|j| j.texts.iter().map(String::as_str))
        .collect();
    let result = match kind {
        Kind::Query => embedder.embed_queries(&texts),
        Kind::Passage => embedder.embed_passages(&texts),
    };
    match result {
        Ok(mut vectors) => {
            for job in jobs.into_iter().rev() {
                let mine = vectors.split_off(vectors.len() - job.texts.len());
                job.reply.send(Ok(mine));
            }
        }
        Err(error) => {
            let message = error.to_string();
            for job in jobs {
                job.reply.send(Err(PoolError::Failed(message.clone())));
            }
        }
    }
}
