//! Rule work off the async workers. Validating a change runs every
//! condition on every synthetic citizen and every rule test: CPU work that,
//! run on an async worker, stalls every other request on it (issue 17: four
//! dry runs made `/healthz` take 17 s). Here it runs on blocking threads, at
//! most [`RuleWork::new`]'s `concurrent` at once, and a caller waits at
//! most the deadline: for a turn, then for the answer.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;

#[derive(Debug, thiserror::Error)]
pub enum WorkError {
    #[error("the rules of other changes are being checked; try again shortly")]
    Busy,
    #[error("checking the rules took longer than {0:?}")]
    TooLong(Duration),
    #[error("checking the rules failed: {0}")]
    Failed(String),
}

/// A bounded pool for rule work; cheap to clone.
#[derive(Clone)]
pub struct RuleWork {
    /// One permit per job that may run at once; a job holds it until its
    /// thread finishes, even when its caller stopped waiting.
    permits: Arc<Semaphore>,
    deadline: Duration,
}

impl RuleWork {
    pub fn new(concurrent: usize, deadline: Duration) -> Self {
        Self {
            permits: Arc::new(Semaphore::new(concurrent.max(1))),
            deadline,
        }
    }

    /// Half the machine's cores (at least one), ten seconds.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores / 2, Duration::from_secs(10))
    }

    pub fn deadline(&self) -> Duration {
        self.deadline
    }

    /// Runs `job` on a blocking thread when a turn is free.
    pub async fn run<T, F>(&self, job: F) -> Result<T, WorkError>
    where
        T: Send + 'static,
        F: FnOnce() -> T + Send + 'static,
    {
        let started = Instant::now();
        let permit = tokio::time::timeout(self.deadline, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| WorkError::Busy)?
            .map_err(|e| WorkError::Failed(e.to_string()))?;
        let handle = tokio::task::spawn_blocking(move || {
            let _turn = permit;
            job()
        });
        let left = self.deadline.saturating_sub(started.elapsed());
        match tokio::time::timeout(left, handle).await {
            Ok(Ok(done)) => Ok(done),
            Ok(Err(failed)) => Err(WorkError::Failed(failed.to_string())),
            Err(_) => Err(WorkError::TooLong(self.deadline)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_past_the_deadline_is_answered_and_keeps_its_turn() {
        let work = RuleWork::new(1, Duration::from_millis(50));
        let slow = work
            .run(|| std::thread::sleep(Duration::from_millis(300)))
            .await;
        assert!(matches!(slow, Err(WorkError::TooLong(_))), "{slow:?}");
        // The slow job still holds the only turn.
        assert!(matches!(work.run(|| 1).await, Err(WorkError::Busy)));
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(work.run(|| 2).await.unwrap(), 2);
    }
}
