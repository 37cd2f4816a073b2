//! Conversations with the assistant and their turns, so that any server
//! can take the next message of any conversation.

use async_trait::async_trait;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRow {
    pub id: String,
    pub language: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub expires_ms: i64,
    pub turns: i64,
    /// The citizen, once they consented to send records into it.
    pub subject: Option<String>,
    /// Bytes of questions and replies its turns hold.
    pub stored_bytes: i64,
}

/// How much one conversation may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConversationCap {
    pub max_turns: i64,
    pub max_bytes: i64,
}

/// What appending a turn came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    /// The new turn's number.
    Turn(i64),
    /// The conversation is unknown or expired.
    Gone,
    /// It holds its `max_turns` already.
    TooManyTurns,
    /// The turn would take it past `max_bytes`.
    TooLarge,
}

/// One consented record kept with a conversation, sealed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationRecordRow {
    pub dataset: String,
    pub agency: String,
    pub fetched_at: String,
    pub consent_id: String,
    pub sealed: String,
    pub received_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TurnRow {
    pub turn: i64,
    pub question: String,
    /// The reply as JSON.
    pub reply: String,
    pub at_ms: i64,
}

#[async_trait]
pub trait ConversationStore {
    async fn conversation_create(&self, row: &ConversationRow) -> Result<(), StoreError>;
    /// The conversation, unless it is unknown or expired at `now_ms`.
    async fn conversation_get(
        &self,
        id: &str,
        now_ms: i64,
    ) -> Result<Option<ConversationRow>, StoreError>;
    /// Appends a turn within `cap`, in one conditional write: two servers
    /// appending at once get different numbers, and neither can take the
    /// conversation past its cap.
    async fn conversation_append(
        &self,
        id: &str,
        language: &str,
        question: &str,
        reply: &str,
        now_ms: i64,
        cap: ConversationCap,
    ) -> Result<Appended, StoreError>;
    async fn conversation_turns(&self, id: &str) -> Result<Vec<TurnRow>, StoreError>;
    /// Deletes a conversation and all its turns; `false` when unknown.
    async fn conversation_delete(&self, id: &str) -> Result<bool, StoreError>;
    /// Deletes every conversation expired at `now_ms`; how many.
    async fn conversation_purge_expired(&self, now_ms: i64) -> Result<u64, StoreError>;
    /// Binds the conversation to the citizen who consented; `false` when
    /// it belongs to someone else (or is unknown).
    async fn conversation_bind_subject(&self, id: &str, subject: &str) -> Result<bool, StoreError>;
    /// Keeps records with the conversation, replacing older ones of the
    /// same datasets.
    async fn conversation_records_put(
        &self,
        id: &str,
        records: &[ConversationRecordRow],
    ) -> Result<(), StoreError>;
    async fn conversation_records(
        &self,
        id: &str,
    ) -> Result<Vec<ConversationRecordRow>, StoreError>;
    /// Forgets the records a withdrawn consent sent.
    async fn conversation_records_forget(
        &self,
        id: &str,
        consent_id: &str,
    ) -> Result<u64, StoreError>;
}

macro_rules! impl_conversation_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::ConversationStore for $store {
            async fn conversation_create(
                &self,
                row: &$crate::store::ConversationRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO conversations \
                     (id, language, created_ms, updated_ms, expires_ms, turns, subject) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&row.id)
                .bind(&row.language)
                .bind(row.created_ms)
                .bind(row.updated_ms)
                .bind(row.expires_ms)
                .bind(row.turns)
                .bind(&row.subject)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn conversation_get(
                &self,
                id: &str,
                now_ms: i64,
            ) -> Result<Option<$crate::store::ConversationRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, language, created_ms, updated_ms, expires_ms, turns, subject, \
                     stored_bytes FROM conversations WHERE id = $1 AND expires_ms > $2",
                )
                .bind(id)
                .bind(now_ms)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::ConversationRow {
                    id: row.try_get("id")?,
                    language: row.try_get("language")?,
                    created_ms: row.try_get("created_ms")?,
                    updated_ms: row.try_get("updated_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                    turns: row.try_get("turns")?,
                    subject: row.try_get("subject")?,
                    stored_bytes: row.try_get("stored_bytes")?,
                }))
            }

            async fn conversation_append(
                &self,
                id: &str,
                language: &str,
                question: &str,
                reply: &str,
                now_ms: i64,
                cap: $crate::store::ConversationCap,
            ) -> Result<$crate::store::Appended, $crate::store::StoreError> {
                use $crate::store::Appended;
                let bytes = i64::try_from(question.len() + reply.len()).unwrap_or(i64::MAX);
                let mut tx = self.pool.begin().await?;
                let turn: Option<(i64,)> = sqlx::query_as(
                    "UPDATE conversations SET turns = turns + 1, \
                     stored_bytes = stored_bytes + $4, updated_ms = $1, language = $2 \
                     WHERE id = $3 AND expires_ms > $1 \
                     AND turns < $5 AND stored_bytes + $4 <= $6 RETURNING turns",
                )
                .bind(now_ms)
                .bind(language)
                .bind(id)
                .bind(bytes)
                .bind(cap.max_turns)
                .bind(cap.max_bytes)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((turn,)) = turn else {
                    // Nothing was written; say why.
                    let held: Option<(i64,)> = sqlx::query_as(
                        "SELECT turns FROM conversations WHERE id = $1 AND expires_ms > $2",
                    )
                    .bind(id)
                    .bind(now_ms)
                    .fetch_optional(&mut *tx)
                    .await?;
                    return Ok(match held {
                        None => Appended::Gone,
                        Some((turns,)) if turns >= cap.max_turns => Appended::TooManyTurns,
                        Some(_) => Appended::TooLarge,
                    });
                };
                sqlx::query(
                    "INSERT INTO conversation_turns (conversation_id, turn, question, reply, at_ms) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(turn)
                .bind(question)
                .bind(reply)
                .bind(now_ms)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Appended::Turn(turn))
            }

            async fn conversation_turns(
                &self,
                id: &str,
            ) -> Result<Vec<$crate::store::TurnRow>, $crate::store::StoreError> {
                let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
                    "SELECT turn, question, reply, at_ms FROM conversation_turns \
                     WHERE conversation_id = $1 ORDER BY turn",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(turn, question, reply, at_ms)| $crate::store::TurnRow {
                        turn,
                        question,
                        reply,
                        at_ms,
                    })
                    .collect())
            }

            async fn conversation_delete(&self, id: &str) -> Result<bool, $crate::store::StoreError> {
                // The turns go with it: ON DELETE CASCADE (SQLite connections
                // enforce foreign keys, see sqlite.rs).
                let done = sqlx::query("DELETE FROM conversations WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(done == 1)
            }

            async fn conversation_purge_expired(
                &self,
                now_ms: i64,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query("DELETE FROM conversations WHERE expires_ms <= $1")
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(done)
            }

            async fn conversation_bind_subject(
                &self,
                id: &str,
                subject: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE conversations SET subject = $2 \
                     WHERE id = $1 AND (subject IS NULL OR subject = $2)",
                )
                .bind(id)
                .bind(subject)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn conversation_records_put(
                &self,
                id: &str,
                records: &[$crate::store::ConversationRecordRow],
            ) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                for record in records {
                    sqlx::query(
                        "INSERT INTO conversation_records \
                         (conversation_id, dataset, agency, fetched_at, consent_id, sealed, \
                          received_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (conversation_id, dataset) DO UPDATE SET \
                         agency = excluded.agency, fetched_at = excluded.fetched_at, \
                         consent_id = excluded.consent_id, sealed = excluded.sealed, \
                         received_ms = excluded.received_ms",
                    )
                    .bind(id)
                    .bind(&record.dataset)
                    .bind(&record.agency)
                    .bind(&record.fetched_at)
                    .bind(&record.consent_id)
                    .bind(&record.sealed)
                    .bind(record.received_ms)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn conversation_records(
                &self,
                id: &str,
            ) -> Result<Vec<$crate::store::ConversationRecordRow>, $crate::store::StoreError> {
                let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT dataset, agency, fetched_at, consent_id, sealed, received_ms \
                     FROM conversation_records WHERE conversation_id = $1 ORDER BY dataset",
                )
                .bind(id)
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(
                        |(dataset, agency, fetched_at, consent_id, sealed, received_ms)| {
                            $crate::store::ConversationRecordRow {
                                dataset,
                                agency,
                                fetched_at,
                                consent_id,
                                sealed,
                                received_ms,
                            }
                        },
                    )
                    .collect())
            }

            async fn conversation_records_forget(
                &self,
                id: &str,
                consent_id: &str,
            ) -> Result<u64, $crate::store::StoreError> {
                let done = sqlx::query(
                    "DELETE FROM conversation_records \
                     WHERE conversation_id = $1 AND consent_id = $2",
                )
                .bind(id)
                .bind(consent_id)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done)
            }
        }
    };
}
pub(super) use impl_conversation_store;
