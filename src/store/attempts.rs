//! Attempt budgets: a fixed-window counter per key, reserved by one
//! conditional upsert *before* the attempt it guards is checked. The
//! upsert takes the key's row lock (PostgreSQL) or the database's write
//! lock (SQLite), so servers sharing one database never let more attempts
//! through than the budget, however many arrive at once.

use async_trait::async_trait;

use super::StoreError;

/// At most `max` attempts per key in any window of `window_ms`, the
/// window starting with the first attempt after the previous one ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub max: i64,
    pub window_ms: i64,
}

/// What reserving one attempt under several keys came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reserved {
    /// Every key had room: the start of the window each attempt was
    /// counted in, in the order the keys were given.
    Taken(Vec<i64>),
    /// A key's budget was spent, so nothing was counted under any key;
    /// that key's window ends at `until_ms`.
    Refused { until_ms: i64 },
}

#[async_trait]
pub trait AttemptStore {
    /// Counts one attempt under every key, or under none.
    async fn attempts_reserve(
        &self,
        keys: &[String],
        budget: Budget,
        now_ms: i64,
    ) -> Result<Reserved, StoreError>;

    /// Gives back one attempt counted in the window that started at
    /// `started_ms` (nothing when that window is over).
    async fn attempts_release(&self, key: &str, started_ms: i64) -> Result<(), StoreError>;

    /// Forgets every attempt under `key`.
    async fn attempts_forgive(&self, key: &str) -> Result<(), StoreError>;

    /// Deletes windows that started before `before_ms`; how many.
    async fn attempts_purge(&self, before_ms: i64) -> Result<u64, StoreError>;
}

macro_rules! impl_attempt_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::AttemptStore for $store {
            async fn attempts_reserve(
                &self,
                keys: &[String],
                budget: $crate::store::Budget,
                now_ms: i64,
            ) -> Result<$crate::store::Reserved, $crate::store::StoreError> {
                if budget.max <= 0 {
                    return Ok($crate::store::Reserved::Refused {
                        until_ms: now_ms + budget.window_ms,
                    });
                }
                // Rows are locked in one order by every server, so two
                // reservations over the same keys cannot deadlock.
                let mut order: Vec<usize> = (0..keys.len()).collect();
                order.sort_by(|a, b| keys[*a].cmp(&keys[*b]));
                let ended_by = now_ms - budget.window_ms;
                let mut started = vec![0_i64; keys.len()];
                let _writer = self.writer().await;
                let mut tx = self.pool.begin().await?;
                for index in order {
                    // A spent window that has ended starts afresh; one
                    // still running takes the attempt only if it has room.
                    // No row back means no room.
                    let taken: Option<(i64,)> = sqlx::query_as(
                        "INSERT INTO attempt_windows (key, started_ms, used) VALUES ($1, $2, 1) \
                         ON CONFLICT (key) DO UPDATE SET \
                         used = CASE WHEN attempt_windows.started_ms <= $3 THEN 1 \
                                ELSE attempt_windows.used + 1 END, \
                         started_ms = CASE WHEN attempt_windows.started_ms <= $3 THEN $2 \
                                ELSE attempt_windows.started_ms END \
                         WHERE attempt_windows.used < $4 OR attempt_windows.started_ms <= $3 \
                         RETURNING started_ms",
                    )
                    .bind(&keys[index])
                    .bind(now_ms)
                    .bind(ended_by)
                    .bind(budget.max)
                    .fetch_optional(&mut *tx)
                    .await?;
                    match taken {
                        Some((window,)) => started[index] = window,
                        None => {
                            let (window,): (i64,) = sqlx::query_as(
                                "SELECT started_ms FROM attempt_windows WHERE key = $1",
                            )
                            .bind(&keys[index])
                            .fetch_one(&mut *tx)
                            .await?;
                            // Undoes what the keys before this one took.
                            tx.rollback().await?;
                            return Ok($crate::store::Reserved::Refused {
                                until_ms: window + budget.window_ms,
                            });
                        }
                    }
                }
                tx.commit().await?;
                Ok($crate::store::Reserved::Taken(started))
            }

            async fn attempts_release(
                &self,
                key: &str,
                started_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "UPDATE attempt_windows SET used = used - 1 \
                     WHERE key = $1 AND started_ms = $2 AND used > 0",
                )
                .bind(key)
                .bind(started_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn attempts_forgive(&self, key: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM attempt_windows WHERE key = $1")
                    .bind(key)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn attempts_purge(
                &self,
                before_ms: i64,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM attempt_windows WHERE started_ms < $1")
                    .bind(before_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(done)
            }
        }
    };
}
pub(super) use impl_attempt_store;
