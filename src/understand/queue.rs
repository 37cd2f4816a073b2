//! The embedding workers' queue: two lanes, queries (a citizen waiting)
//! before passages (a catalogue being rebuilt), so a rebuild never starves
//! a question.
//!
//! Questions are refused rather than queued when the questions already
//! waiting hold more work than the workers do in a few seconds: a burst
//! of long messages once queued minutes of work that every later question
//! waited behind until its request timed out. And a job whose caller has
//! gone (its request was cancelled by a client disconnect or a timeout,
//! dropping the receiving end) is dropped unseen instead of computed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use tokio::sync::oneshot;

use super::embedder::{MAX_BATCH, MAX_TOKENS};
use super::pool::PoolError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Query,
    Passage,
}

pub(super) type Answer = Result<Vec<Vec<f32>>, PoolError>;

/// Where a job's answer goes: an async task, or a thread that blocks. (A
/// tokio channel awaited outside tokio's scheduler can spin forever once its
/// cooperative budget runs out, so threads get a std channel.)
pub(super) enum Reply {
    Task(oneshot::Sender<Answer>),
    Thread(mpsc::SyncSender<Answer>),
}

impl Reply {
    pub(super) fn send(self, answer: Answer) {
        // A caller that went away no longer needs its answer.
        let _ = match self {
            Self::Task(sender) => sender.send(answer).map_err(|_| ()),
            Self::Thread(sender) => sender.send(answer).map_err(|_| ()),
        };
    }

    /// The caller stopped waiting. A blocked thread always waits.
    fn abandoned(&self) -> bool {
        match self {
            Self::Task(sender) => sender.is_closed(),
            Self::Thread(_) => false,
        }
    }
}

pub(super) struct Job {
    pub(super) kind: Kind,
    pub(super) texts: Vec<String>,
    pub(super) reply: Reply,
    cost: usize,
}

impl Job {
    pub(super) fn new(kind: Kind, texts: Vec<String>, reply: Reply) -> Self {
        let cost = texts.iter().map(|text| cost_of(text)).sum();
        Self {
            kind,
            texts,
            reply,
            cost,
        }
    }
}

/// Fixed work per text, in tokens' worth: prefix, special tokens, pooling.
const TEXT_OVERHEAD: usize = 16;

/// The work a text makes, in estimated tokens: a Chinese character is
/// about one token, and the model reads at most `MAX_TOKENS`.
fn cost_of(text: &str) -> usize {
    text.chars().count().min(MAX_TOKENS) + TEXT_OVERHEAD
}

/// The cost of the longest message.
const LONGEST: usize = MAX_TOKENS + TEXT_OVERHEAD;

/// Question work each worker may have waiting: about eight messages of the
/// longest kind (a few seconds), or some two hundred short questions.
pub(super) const QUERY_BUDGET_PER_WORKER: usize = 4 * 1024;
/// The most work one batch takes on: bounds what is wasted when its
/// callers leave mid-batch, and lets the other workers share a burst.
const BATCH_COST: usize = 2 * 1024;
/// Jobs of any kind waiting, at most; a blocking caller waits for room.
const QUEUE_CAPACITY: usize = 1024;

/// Jobs waiting, queries apart from passages.
#[derive(Default)]
struct Waiting {
    queries: VecDeque<Job>,
    passages: VecDeque<Job>,
    /// The summed cost of `queries`.
    query_cost: usize,
    closed: bool,
}

impl Waiting {
    fn len(&self) -> usize {
        self.queries.len() + self.passages.len()
    }

    /// Drops the questions nobody waits for any more; how many.
    fn forget_abandoned(&mut self) -> u64 {
        let before = self.queries.len();
        self.queries.retain(|job| !job.reply.abandoned());
        self.query_cost = self.queries.iter().map(|job| job.cost).sum();
        (before - self.queries.len()) as u64
    }
}

/// A bounded two-lane queue shared by the pool's handles and workers.
pub(super) struct Queue {
    waiting: Mutex<Waiting>,
    /// Signalled when a job arrives or the pool closes.
    filled: Condvar,
    /// Signalled when a job leaves.
    drained: Condvar,
    query_budget: usize,
    /// Jobs dropped because their caller had gone.
    skipped: AtomicU64,
}

impl Queue {
    pub(super) fn new(query_budget: usize) -> Self {
        Self {
            waiting: Mutex::default(),
            filled: Condvar::new(),
            drained: Condvar::new(),
            query_budget,
            skipped: AtomicU64::new(0),
        }
    }

    /// Queues a job, waiting while the queue is full: for passages and for
    /// callers that block (commands), which are never refused.
    pub(super) fn push(&self, job: Job) -> Result<(), PoolError> {
        let mut waiting = self.waiting.lock().map_err(|_| PoolError::Stopped)?;
        while waiting.len() >= QUEUE_CAPACITY && !waiting.closed {
            waiting = self.drained.wait(waiting).map_err(|_| PoolError::Stopped)?;
        }
        Self::enqueue(&mut waiting, job)?;
        self.filled.notify_one();
        Ok(())
    }

    /// Queues a question, or refuses it at once when the questions waiting
    /// already hold the budget's worth of work (a question alone is always
    /// taken, however long).
    pub(super) fn offer(&self, job: Job) -> Result<(), PoolError> {
        let mut waiting = self.waiting.lock().map_err(|_| PoolError::Stopped)?;
        let full = |w: &Waiting| {
            w.len() >= QUEUE_CAPACITY
                || (w.query_cost > 0 && w.query_cost + job.cost > self.query_budget)
        };
        if full(&waiting) {
            let gone = waiting.forget_abandoned();
            self.skipped.fetch_add(gone, Ordering::Relaxed);
            if full(&waiting) {
                return Err(PoolError::Busy);
            }
        }
        Self::enqueue(&mut waiting, job)?;
        self.filled.notify_one();
        Ok(())
    }

    fn enqueue(waiting: &mut Waiting, job: Job) -> Result<(), PoolError> {
        if waiting.closed {
            return Err(PoolError::Stopped);
        }
        match job.kind {
            Kind::Query => {
                waiting.query_cost += job.cost;
                waiting.queries.push_back(job);
            }
            Kind::Passage => waiting.passages.push_back(job),
        }
        Ok(())
    }

    /// Whether a message of the longest kind would be refused now.
    pub(super) fn saturated(&self) -> bool {
        let Ok(mut waiting) = self.waiting.lock() else {
            return true;
        };
        let over = |w: &Waiting| w.query_cost + LONGEST > self.query_budget;
        if !over(&waiting) {
            return false;
        }
        let gone = waiting.forget_abandoned();
        self.skipped.fetch_add(gone, Ordering::Relaxed);
        over(&waiting)
    }

    /// Jobs dropped so far because their caller had gone.
    pub(super) fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }

    /// The next batch of one kind, queries first, without the jobs whose
    /// callers have gone; `None` once closed.
    pub(super) fn take(&self) -> Option<Vec<Job>> {
        let mut waiting = self.waiting.lock().ok()?;
        loop {
            while waiting.len() == 0 {
                if waiting.closed {
                    return None;
                }
                waiting = self.filled.wait(waiting).ok()?;
            }
            let from_queries = !waiting.queries.is_empty();
            let (batch, taken_cost, gone) = Self::next_batch(&mut waiting);
            self.skipped.fetch_add(gone, Ordering::Relaxed);
            if from_queries {
                waiting.query_cost = waiting.query_cost.saturating_sub(taken_cost);
            }
            self.drained.notify_all();
            if !batch.is_empty() {
                return Some(batch);
            }
        }
    }

    /// Pops the front of the queries' lane (the passages' when it is empty)
    /// up to a batch's size and cost; the batch, the cost it took off the lane (abandoned jobs
    /// included) and how many abandoned jobs were dropped.
    fn next_batch(waiting: &mut Waiting) -> (Vec<Job>, usize, u64) {
        let lane = if waiting.queries.is_empty() {
            &mut waiting.passages
        } else {
            &mut waiting.queries
        };
        let (mut batch, mut size, mut cost, mut taken, mut gone) = (Vec::new(), 0, 0, 0, 0);
        while let Some(job) = lane.front() {
            if job.reply.abandoned() {
                taken += job.cost;
                gone += 1;
                lane.pop_front();
                continue;
            }
            let over = size + job.texts.len() > MAX_BATCH || cost + job.cost > BATCH_COST;
            if !batch.is_empty() && over {
                break;
            }
            size += job.texts.len();
            cost += job.cost;
            taken += job.cost;
            batch.extend(lane.pop_front());
        }
        (batch, taken, gone)
    }

    pub(super) fn close(&self) {
        if let Ok(mut waiting) = self.waiting.lock() {
            waiting.closed = true;
        }
        self.filled.notify_all();
        self.drained.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::{Job, Kind, Queue, Reply};
    use crate::understand::pool::PoolError;

    fn job(kind: Kind, text: &str) -> Job {
        let (reply, _) = std::sync::mpsc::sync_channel(1);
        Job::new(kind, vec![text.to_owned()], Reply::Thread(reply))
    }

    /// A question from an async caller, and the caller's receiving end.
    fn question(text: &str) -> (Job, tokio::sync::oneshot::Receiver<super::Answer>) {
        let (reply, answer) = tokio::sync::oneshot::channel();
        (
            Job::new(Kind::Query, vec![text.to_owned()], Reply::Task(reply)),
            answer,
        )
    }

    #[test]
    fn a_question_overtakes_a_rebuild_and_batches_hold_one_kind() {
        let queue = Queue::new(usize::MAX);
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

    #[test]
    fn questions_whose_callers_left_are_never_handed_to_a_worker() {
        let queue = Queue::new(usize::MAX);
        let mut waiting = Vec::new();
        for n in 0..5 {
            let (job, answer) = question(&format!("question {n}"));
            queue.offer(job).unwrap();
            waiting.push(answer);
        }
        // The callers of questions 0, 2 and 4 give up (a timeout, a client
        // that disconnected): their receivers are dropped.
        let kept: Vec<_> = waiting
            .into_iter()
            .enumerate()
            .filter_map(|(n, answer)| (n % 2 == 1).then_some(answer))
            .collect();
        let batch = queue.take().unwrap();
        let computed: Vec<&str> = batch.iter().map(|j| j.texts[0].as_str()).collect();
        assert_eq!(computed, ["question 1", "question 3"]);
        assert_eq!(queue.skipped(), 3);
        drop(kept);
    }

    #[test]
    fn a_burst_of_long_questions_is_refused_beyond_the_budget_until_its_callers_leave() {
        let long = "失".repeat(2_000);
        let queue = Queue::new(4 * 1024);
        let mut accepted = Vec::new();
        let mut refused = 0;
        for _ in 0..20 {
            let (job, answer) = question(&long);
            match queue.offer(job) {
                Ok(()) => accepted.push(answer),
                Err(PoolError::Busy) => refused += 1,
                Err(other) => panic!("{other}"),
            }
        }
        assert_eq!(accepted.len(), 7, "7 × 528 fits in 4,096");
        assert_eq!(refused, 13);
        assert!(queue.saturated(), "another long one would be refused");

        // Every caller gives up: the queue frees itself without a worker.
        drop(accepted);
        assert!(!queue.saturated());
        let (short, _kept) = question("失業了");
        queue.offer(short).unwrap();
        let batch = queue.take().unwrap();
        assert_eq!(batch.len(), 1);
        assert_eq!(batch[0].texts[0], "失業了");
    }
}
