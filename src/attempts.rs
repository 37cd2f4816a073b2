//! Reserving an attempt before making it: logins, counter codes and the
//! assistant's rate limits all ask the store for room in a fixed-window
//! budget first ([`crate::store::AttemptStore`]), and only then check a
//! secret or do the work. Counting first is what keeps parallel requests
//! from all passing a "fewer than five so far" test.
//!
//! A reservation is settled by its caller: a failure keeps it (it *is*
//! the failure), a success or an attempt that could not be checked at all
//! gives it back.

use crate::clock;
use crate::store::{Budget, Reserved, Store, StoreError};

/// An attempt counted under some keys, until it is settled.
#[derive(Debug)]
#[must_use = "settle the attempt: keep it as a failure, or release it"]
pub struct Reservation {
    /// Each key, with the start of the window the attempt was counted in.
    taken: Vec<(String, i64)>,
}

/// The answer to a reservation.
#[derive(Debug)]
pub enum Admission {
    Admitted(Reservation),
    /// A budget is spent; try again after this many seconds.
    Refused {
        retry_after_s: u64,
    },
}

/// Counts one attempt under every key of `keys`, or, when any of them has
/// spent its `budget`, under none.
pub async fn reserve(
    store: &dyn Store,
    keys: Vec<String>,
    budget: Budget,
) -> Result<Admission, StoreError> {
    let now = clock::now_ms();
    match store.attempts_reserve(&keys, budget, now).await? {
        Reserved::Taken(windows) => Ok(Admission::Admitted(Reservation {
            taken: keys.into_iter().zip(windows).collect(),
        })),
        Reserved::Refused { until_ms } => Ok(Admission::Refused {
            retry_after_s: seconds_until(until_ms, now),
        }),
    }
}

/// Whole seconds from `now_ms` to `until_ms`, rounded up, at least one.
fn seconds_until(until_ms: i64, now_ms: i64) -> u64 {
    let ms = u64::try_from(until_ms.saturating_sub(now_ms)).unwrap_or(0);
    ms.div_ceil(1000).max(1)
}

impl Reservation {
    /// The attempt failed: it stays counted.
    pub fn keep(self) {}

    /// The attempt does not count (it succeeded, or could not be checked):
    /// every key gets it back.
    pub async fn release(self, store: &dyn Store) -> Result<(), StoreError> {
        for (key, started_ms) in &self.taken {
            store.attempts_release(key, *started_ms).await?;
        }
        Ok(())
    }

    /// A success that also forgives earlier failures under `forgiven`
    /// (say, the citizen's), while the other keys (say, the address's)
    /// only get this attempt back.
    pub async fn succeed_forgiving(
        self,
        store: &dyn Store,
        forgiven: &str,
    ) -> Result<(), StoreError> {
        for (key, started_ms) in &self.taken {
            if key == forgiven {
                store.attempts_forgive(key).await?;
            } else {
                store.attempts_release(key, *started_ms).await?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::seconds_until;

    #[test]
    fn retry_after_rounds_up_and_is_never_zero() {
        assert_eq!(seconds_until(10_000, 0), 10);
        assert_eq!(seconds_until(10_001, 0), 11);
        assert_eq!(seconds_until(5, 10), 1);
    }
}
