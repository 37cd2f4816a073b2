//! Embedding as a service for concurrent requests: a fixed set of workers,
//! one per core, each computing with a single intra-op thread, and each
//! taking every request queued when it becomes free as one batch
//! (micro-batching). The model's weights are shared by all workers.
//! Queries (a citizen waiting) go before passages (a catalogue being
//! rebuilt in the background), so a rebuild never starves a question.

use std::collections::VecDeque;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

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

/// Jobs waiting, queries apart from passages.
#[derive(Default)]
struct Waiting {
    queries: VecDeque<Job>,
    passages: VecDeque<Job>,
    closed: bool,
}

impl Waiting {
    fn len(&self) -> usize {
        self.queries.len() + self.passages.len()
    }
}

/// A bounded two-lane queue: it pushes back on callers instead of
/// growing forever.
#[derive(Default)]
struct Queue {
    waiting: Mutex<Waiting>,
    /// Signalled when a job arrives or the pool closes.
    filled: Condvar,
    /// Signalled when a job leaves.
    drained: Condvar,
}

const QUEUE_CAPACITY: usize = 1024;

impl Queue {
    fn push(&self, job: Job) -> Result<(), PoolError> {
        let mut waiting = self.waiting.lock().map_err(|_| PoolError::Stopped)?;
        while waiting.len() >= QUEUE_CAPACITY && !waiting.closed {
            waiting = self.drained.wait(waiting).map_err(|_| PoolError::Stopped)?;
        }
        if waiting.closed {
            return Err(PoolError::Stopped);
        }
        match job.kind {
            Kind::Query => waiting.queries.push_back(job),
            Kind::Passage => waiting.passages.push_back(job),
        }
        self.filled.notify_one();
        Ok(())
    }

    /// The next batch of one kind, queries first; `None` once closed.
    fn take(&self) -> Option<Vec<Job>> {
        let mut waiting = self.waiting.lock().ok()?;
        while waiting.len() == 0 {
            if waiting.closed {
                return None;
            }
            waiting = self.filled.wait(waiting).ok()?;
        }
        let lane = if waiting.queries.is_empty() {
            &mut waiting.passages
        } else {
            &mut waiting.queries
        };
        let mut batch = Vec::new();
        let mut size = 0;
        while let Some(job) = lane.front() {
            if !batch.is_empty() && size + job.texts.len() > MAX_BATCH {
                break;
            }
            size += job.texts.len();
            batch.extend(lane.pop_front());
        }
        self.drained.notify_all();
        Some(batch)
    }

    fn close(&self) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.closed = true;
        }
        self.filled.notify_all();
        self.drained.notify_all();
    }
}

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
        let queue = Arc::new(Queue::default());
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
            let job = Job {
                kind: Kind::Query,
                texts,
                reply: Reply::Thread(reply),
            };
            self.queue.push(job)?;
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
        let queue = self.queue.clone();
        let job = Job {
            kind,
            texts,
            reply: Reply::Task(reply),
        };
        // `push` blocks only while the queue is full.
        tokio::task::spawn_blocking(move || queue.push(job))
            .await
            .map_err(|_| PoolError::Stopped)??;
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

#[cfg(test)]
mod tests {
    use super::{Job, Kind, Queue, Reply};

    fn job(kind: Kind, text: &str) -> Job {
        let (reply, _) = std::sync::mpsc::sync_channel(1);
        Job {
            kind,
            texts: vec![text.to_owned()],
            reply: Reply::Thread(reply),
        }
    }

    #[test]
    fn a_question_overtakes_a_rebuild_and_batches_hold_one_kind() {
        let queue = Queue::default();
        for n in 0..3 {
            queue
                .push(job(Kind::Passage, &format!("passage {n}")))
                .unwrap();
        }
        queue.push(job(Kind::Query, "失業了")).unwrap();
        let first = queue.take().unwrap();
        assert_eq!(first.len(), 1);
        assert!(first[0].kind == Kind::Query);
        let second = queue.take().unwrap();
        assert_eq!(second.len(), 3);
        assert!(second.iter().all(|j| j.kind == Kind::Passage));
        queue.close();
        assert!(queue.take().is_none(), "closed and empty: workers stop");
        assert!(queue.push(job(Kind::Query, "late")).is_err());
    }
}
