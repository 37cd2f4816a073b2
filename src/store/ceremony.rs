//! Identity ceremonies' state: one-time challenges (citizen-card logins,
//! WebAuthn registrations and assertions) and registered passkeys. Apart
//! from [`super::Store`] so that each file stays readable; every store
//! implements both.

use async_trait::async_trait;

use super::StoreError;

/// A pending challenge; `state` is whatever the ceremony must remember.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChallengeRow {
    pub id: String,
    pub kind: String,
    pub subject: Option<String>,
    pub state: String,
    pub expires_ms: i64,
}

/// A WebAuthn credential; `passkey` is webauthn-rs's serialised `Passkey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasskeyRow {
    pub credential_id: String,
    pub subject: String,
    pub passkey: String,
    pub counter: i64,
    pub created_ms: i64,
    pub last_used_ms: Option<i64>,
}

#[async_trait]
pub trait CeremonyStore {
    /// Saves a challenge, clearing out expired ones on the way.
    async fn challenge_put(&self, row: &ChallengeRow, now_ms: i64) -> Result<(), StoreError>;

    /// Removes and returns a challenge: whoever takes it is the only user.
    async fn challenge_take(
        &self,
        id: &str,
        kind: &str,
    ) -> Result<Option<ChallengeRow>, StoreError>;

    /// `false` when the credential is registered already (to anyone).
    async fn passkey_insert(&self, row: &PasskeyRow) -> Result<bool, StoreError>;

    async fn passkeys_of(&self, subject: &str) -> Result<Vec<PasskeyRow>, StoreError>;

    /// Moves a credential's counter from `from` to `to` (and saves the
    /// updated passkey); `false` when another assertion moved it first.
    async fn passkey_advance(
        &self,
        credential_id: &str,
        passkey: &str,
        from: i64,
        to: i64,
        at_ms: i64,
    ) -> Result<bool, StoreError>;
}

/// Implements [`CeremonyStore`] for a struct with a sqlx `pool` field.
macro_rules! impl_ceremony_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::CeremonyStore for $store {
            async fn challenge_put(
                &self,
                row: &$crate::store::ChallengeRow,
                now_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM identity_challenges WHERE expires_ms < $1")
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?;
                sqlx::query(
                    "INSERT INTO identity_challenges (id, kind, subject, state, expires_ms) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(&row.id)
                .bind(&row.kind)
                .bind(&row.subject)
                .bind(&row.state)
                .bind(row.expires_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn challenge_take(
                &self,
                id: &str,
                kind: &str,
            ) -> Result<Option<$crate::store::ChallengeRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "DELETE FROM identity_challenges WHERE id = $1 AND kind = $2 \
                     RETURNING id, kind, subject, state, expires_ms",
                )
                .bind(id)
                .bind(kind)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::ChallengeRow {
                    id: row.try_get("id")?,
                    kind: row.try_get("kind")?,
                    subject: row.try_get("subject")?,
                    state: row.try_get("state")?,
                    expires_ms: row.try_get("expires_ms")?,
                }))
            }

            async fn passkey_insert(
                &self,
                row: &$crate::store::PasskeyRow,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO passkeys \
                     (credential_id, subject, passkey, counter, created_ms, last_used_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (credential_id) DO NOTHING",
                )
                .bind(&row.credential_id)
                .bind(&row.subject)
                .bind(&row.passkey)
                .bind(row.counter)
                .bind(row.created_ms)
                .bind(row.last_used_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn passkeys_of(
                &self,
                subject: &str,
            ) -> Result<Vec<$crate::store::PasskeyRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT credential_id, subject, passkey, counter, created_ms, last_used_ms \
                     FROM passkeys WHERE subject = $1 ORDER BY created_ms",
                )
                .bind(subject)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::PasskeyRow {
                            credential_id: row.try_get("credential_id")?,
                            subject: row.try_get("subject")?,
                            passkey: row.try_get("passkey")?,
                            counter: row.try_get("counter")?,
                            created_ms: row.try_get("created_ms")?,
                            last_used_ms: row.try_get("last_used_ms")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(Into::into)
            }

            async fn passkey_advance(
                &self,
                credential_id: &str,
                passkey: &str,
                from: i64,
                to: i64,
                at_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE passkeys SET passkey = $1, counter = $2, last_used_ms = $3 \
                     WHERE credential_id = $4 AND counter = $5",
                )
                .bind(passkey)
                .bind(to)
                .bind(at_ms)
                .bind(credential_id)
                .bind(from)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }
        }
    };
}

pub(super) use impl_ceremony_store;
