//! Embedding as a service for concurrent requests: a fixed set of workers,
//! one per core, each computing with a single intra-op thread, and each
//! taking every request queued when it becomes free as one batch
//! (micro-batching). The model's weights are shared by all workers.

use std::sync::mpsc::{self, Receiver, SyncSender, TryRecvError};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use super::embedder::{Embedder, EmbedderError, MAX_BATCH};

#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Embed(Box<EmbedderError>),
    #[error("embedding failed: {0}")]
    Failed(String),
    #[error("the embedding workers are not running")]
    Stopped,
    #[error("cannot start an embedding worker: {0}")]
    Start(String),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Query,
    Passage,
}

type Answer = Result<Vec<Vec<f32>>, PoolError>;

/// Where a job's answer goes: an async task, or a thread that blocks. (A
/// tokio channel awaited outside tokio's scheduler can spin forever once its
/// cooperative budget runs out, so threads get a std channel.)
enum Reply {
    Task(oneshot::Sender<Answer>),
    Thread(mpsc::SyncSender<Answer>),
}

impl Reply {
    fn send(self, answer: Answer) {
        // A caller that went away no longer needs its answer.
        let _ = match self {
            Self::Task(sender) => sender.send(answer).map_err(|_| ()),
            Self::Thread(sender) => sender.send(answer).map_err(|_| ()),
        };
    }
}

struct Job {
    kind: Kind,
    texts: Vec<String>,
    reply: Reply,
}

impl From<EmbedderError> for PoolError {
    fn from(error: EmbedderError) -> Self {
        Self::Embed(Box::new(error))
    }
}

/// Cheap to clone; workers stop when the last clone is dropped.
#[derive(Clone)]
pub struct EmbeddingPool {
    jobs: SyncSender<Job>,
    embedder: Arc<Embedder>,
    workers: usize,
}

impl EmbeddingPool {
    /// Starts `workers` threads (at least one) over one shared model.
    pub fn start(embedder: Arc<Embedder>, workers: usize) -> Result<Self, PoolError> {
        // A bounded queue pushes back on callers instead of growing forever.
        let (jobs, queue) = mpsc::sync_channel::<Job>(1024);
        let queue = Arc::new(Mutex::new(queue));
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
            jobs,
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
            let job = Job {
                kind: Kind::Query,
                texts,
                reply: Reply::Thread(reply),
            };
            self.jobs.send(job).map_err(|_| PoolError::Stopped)?;
            answers.push(answer);
        }
        let mut vectors = Vec::with_capacity(texts.len());
        for answer in answers {
            vectors.extend(answer.recv().map_err(|_| PoolError::Stopped)??);
        }
        Ok(vectors)
    }

    async fn submit(&self, kind: Kind, texts: Vec<String>) -> Result<Vec<Vec<f32>>, PoolError> {
        let (reply, answer) = oneshot::channel();
        let jobs = self.jobs.clone();
        let job = Job {
            kind,
            texts,
            reply: Reply::Task(reply),
        };
        // `send` blocks only while the queue is full.
        tokio::task::spawn_blocking(move || jobs.send(job))
            .await
            .map_err(|_| PoolError::Stopped)?
            .map_err(|_| PoolError::Stopped)?;
        answer.await.map_err(|_| PoolError::Stopped)?
    }
}

fn work(queue: &Mutex<Receiver<Job>>, embedder: &Embedder, threads: &rayon::ThreadPool) {
    loop {
        let batch = {
            let Ok(queue) = queue.lock() else { return };
            let Ok(first) = queue.recv() else { return };
            let mut batch = vec![first];
            let mut size = batch[0].texts.len();
            while size < MAX_BATCH {
                match queue.try_recv() {
                    Ok(job) => {
                        size += job.texts.len();
                        batch.push(job);
                    }
                    Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
                }
            }
            batch
        };
        let (queries, passages): (Vec<Job>, Vec<Job>) =
            batch.into_iter().partition(|j| j.kind == Kind::Query);
        for (kind, jobs) in [(Kind::Query, queries), (Kind::Passage, passages)] {
            if !jobs.is_empty() {
                threads.install(|| answer(embedder, kind, jobs));
            }
        }
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
