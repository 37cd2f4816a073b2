//! The one body of SQL both stores run. A macro rather than generics: sqlx's
//! executor and codec bounds for a generic `Database` would have to be
//! repeated on every function, while the SQL here is identical text.

/// Implements [`crate::store::Store`] for a struct with a `pool` field of the
/// given sqlx pool type.
macro_rules! impl_sql_store {
    ($store:ty, $backend:expr) => {
        fn entry_from_row<R: sqlx::Row>(row: &R) -> Result<$crate::audit::Entry, sqlx::Error>
        where
            for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            &'static str: sqlx::ColumnIndex<R>,
        {
            Ok($crate::audit::Entry {
                seq: row.try_get("seq")?,
                at_ms: row.try_get("at_ms")?,
                event: row.try_get("event")?,
                actor: row.try_get("actor")?,
                subject: row.try_get("subject")?,
                dataset: row.try_get("dataset")?,
                purpose: row.try_get("purpose")?,
                outcome: row.try_get("outcome")?,
                detail: row.try_get("detail")?,
                prev_hash: row.try_get("prev_hash")?,
                hash: row.try_get("hash")?,
            })
        }

        const ENTRY_COLUMNS: &str =
            "seq, at_ms, event, actor, subject, dataset, purpose, outcome, detail, prev_hash, hash";

        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
            fn backend(&self) -> $crate::store::Backend {
                $backend
            }

            async fn ping(&self) -> Result<(), $crate::store::StoreError> {
                sqlx::query("SELECT 1").execute(&self.pool).await?;
                Ok(())
            }

            async fn audit_append(
                &self,
                at_ms: i64,
                entry: &$crate::audit::NewEntry,
            ) -> Result<$crate::audit::Entry, $crate::store::StoreError> {
                use sqlx::Row;
                let _writer = self.writer().await;
                let mut tx = self.pool.begin().await?;
                // Writing first takes the head row's lock (PostgreSQL) or the
                // database's write lock (SQLite) before anything is read, so
                // concurrent appenders queue here instead of forking the chain.
                sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
                let seq: i64 = head.try_get("seq")?;
                let prev_hash: String = head.try_get("hash")?;
                let hash = $crate::audit::chain_hash(&prev_hash, seq, at_ms, entry);
                sqlx::query(
                    "INSERT INTO audit_log (seq, at_ms, event, actor, subject, dataset, purpose, \
                     outcome, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(seq)
                .bind(at_ms)
                .bind(&entry.event)
                .bind(&entry.actor)
                .bind(&entry.subject)
                .bind(&entry.dataset)
                .bind(&entry.purpose)
                .bind(&entry.outcome)
                .bind(&entry.detail)
                .bind(&prev_hash)
                .bind(&hash)
                .execute(&mut *tx)
                .await?;
                sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1")
                    .bind(&hash)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok($crate::audit::Entry {
                    seq,
                    at_ms,
                    event: entry.event.clone(),
                    actor: entry.actor.clone(),
                    subject: entry.subject.clone(),
                    dataset: entry.dataset.clone(),
                    purpose: entry.purpose.clone(),
                    outcome: entry.outcome.clone(),
                    detail: entry.detail.clone(),
                    prev_hash,
                    hash,
                })
            }

            async fn audit_page(
                &self,
                after_seq: i64,
                limit: i64,
            ) -> Result<Vec<$crate::audit::Entry>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2"
                );
                let rows = sqlx::query(&sql)
                    .bind(after_seq)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
            }

            async fn audit_head(
                &self,
            ) -> Result<$crate::audit::ChainPoint, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?;
                Ok($crate::audit::ChainPoint {
                    seq: row.try_get("seq")?,
                    hash: row.try_get("hash")?,
                })
            }

            async fn audit_checkpoint(
                &self,
            ) -> Result<$crate::audit::ChainPoint, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query("SELECT seq, hash FROM audit_checkpoint WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?;
                Ok($crate::audit::ChainPoint {
                    seq: row.try_get("seq")?,
                    hash: row.try_get("hash")?,
                })
            }

            async fn audit_trail(
                &self,
                subject: &str,
                limit: i64,
            ) -> Result<Vec<$crate::audit::Entry>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE subject = $1 \
                     ORDER BY seq DESC LIMIT $2"
                );
                let rows = sqlx::query(&sql)
                    .bind(subject)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
            }

            async fn audit_by_actor(
                &self,
                actor: &str,
                limit: i64,
            ) -> Result<Vec<$crate::audit::Entry>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {ENTRY_COLUMNS} FROM audit_log WHERE actor = $1 \
                     ORDER BY seq DESC LIMIT $2"
                );
                let rows = sqlx::query(&sql)
                    .bind(actor)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                Ok(rows.iter().map(entry_from_row).collect::<Result<_, _>>()?)
            }

            async fn audit_purge(
                &self,
                before_ms: i64,
            ) -> Result<$crate::audit::PurgeReport, $crate::store::StoreError> {
                use sqlx::Row;
                let _writer = self.writer().await;
                let mut tx = self.pool.begin().await?;
                // Lock the head first (see audit_append): no entry may be
                // appended while the start of the chain moves.
                sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1")
                    .execute(&mut *tx)
                    .await?;
                // Only a prefix of the chain goes: everything before the
                // first entry that is still young enough to keep.
                let first_kept: Option<i64> =
                    sqlx::query("SELECT MIN(seq) AS seq FROM audit_log WHERE at_ms >= $1")
                        .bind(before_ms)
                        .fetch_one(&mut *tx)
                        .await?
                        .try_get("seq")?;
                let last_removed = sqlx::query(
                    "SELECT seq, hash FROM audit_log WHERE seq < $1 ORDER BY seq DESC LIMIT 1",
                )
                .bind(first_kept.unwrap_or(i64::MAX))
                .fetch_optional(&mut *tx)
                .await?;
                let Some(last_removed) = last_removed else {
                    let checkpoint_seq: i64 =
                        sqlx::query("SELECT seq FROM audit_checkpoint WHERE id = 1")
                            .fetch_one(&mut *tx)
                            .await?
                            .try_get("seq")?;
                    tx.commit().await?;
                    return Ok($crate::audit::PurgeReport {
                        removed: 0,
                        checkpoint_seq,
                    });
                };
                let seq: i64 = last_removed.try_get("seq")?;
                let hash: String = last_removed.try_get("hash")?;
                let removed = sqlx::query("DELETE FROM audit_log WHERE seq <= $1")
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query(
                    "UPDATE audit_checkpoint SET seq = $1, hash = $2, purged_at_ms = $3 WHERE id = 1",
                )
                .bind(seq)
                .bind(&hash)
                .bind($crate::clock::now_ms())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok($crate::audit::PurgeReport {
                    removed: i64::try_from(removed).unwrap_or(i64::MAX),
                    checkpoint_seq: seq,
                })
            }

            async fn provider_claim_token(
                &self,
                agency: &str,
                jti: &str,
                expires_ms: i64,
                now_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                // Expired ids can never be replayed (the token is refused
                // for its age first), so they need not be kept.
                sqlx::query("DELETE FROM provider_token_uses WHERE expires_ms < $1")
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?;
                let inserted = sqlx::query(
                    "INSERT INTO provider_token_uses (agency, jti, expires_ms) VALUES ($1, $2, $3) \
                     ON CONFLICT (agency, jti) DO NOTHING",
                )
                .bind(agency)
                .bind(jti)
                .bind(expires_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(inserted == 1)
            }

            async fn provider_log_download(
                &self,
                download: &$crate::store::Download,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO provider_downloads \
                     (agency, at_ms, requester, subject, dataset, purpose, outcome) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&download.agency)
                .bind(download.at_ms)
                .bind(&download.requester)
                .bind(&download.subject)
                .bind(&download.dataset)
                .bind(&download.purpose)
                .bind(&download.outcome)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session_insert(
                &self,
                session: &$crate::store::SessionRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, subject, level, level_at_ms, created_ms, \
                     last_seen_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&session.token_hash)
                .bind(&session.subject)
                .bind(&session.level)
                .bind(session.level_at_ms)
                .bind(session.created_ms)
                .bind(session.last_seen_ms)
                .bind(session.expires_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn session_get(
                &self,
                token_hash: &str,
            ) -> Result<Option<$crate::store::SessionRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT token_hash, subject, level, level_at_ms, created_ms, last_seen_ms, \
                     expires_ms FROM sessions WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::SessionRow {
                    token_hash: row.try_get("token_hash")?,
                    subject: row.try_get("subject")?,
                    level: row.try_get("level")?,
                    level_at_ms: row.try_get("level_at_ms")?,
                    created_ms: row.try_get("created_ms")?,
                    last_seen_ms: row.try_get("last_seen_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                }))
            }

            async fn session_touch(
                &self,
                token_hash: &str,
                last_seen_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE sessions SET last_seen_ms = $1 WHERE token_hash = $2")
                    .bind(last_seen_ms)
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_delete(&self, token_hash: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session_raise(
                &self,
                token_hash: &str,
                new_token_hash: &str,
                level: &str,
                at_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE sessions SET token_hash = $1, level = $2, level_at_ms = $3 \
                     WHERE token_hash = $4",
                )
                .bind(new_token_hash)
                .bind(level)
                .bind(at_ms)
                .bind(token_hash)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn totp_get(
                &self,
                subject: &str,
            ) -> Result<Option<$crate::store::TotpRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT subject, secret, confirmed, last_step, created_ms \
                     FROM totp_credentials WHERE subject = $1",
                )
                .bind(subject)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::TotpRow {
                    subject: row.try_get("subject")?,
                    secret: row.try_get("secret")?,
                    confirmed: row.try_get("confirmed")?,
                    last_step: row.try_get("last_step")?,
                    created_ms: row.try_get("created_ms")?,
                }))
            }

            async fn totp_put(
                &self,
                row: &$crate::store::TotpRow,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO totp_credentials (subject, secret, confirmed, last_step, created_ms) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject) DO UPDATE SET \
                     secret = excluded.secret, confirmed = excluded.confirmed, \
                     last_step = excluded.last_step, created_ms = excluded.created_ms \
                     WHERE totp_credentials.confirmed = FALSE",
                )
                .bind(&row.subject)
                .bind(&row.secret)
                .bind(row.confirmed)
                .bind(row.last_step)
                .bind(row.created_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn totp_use_step(
                &self,
                subject: &str,
                step: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                // One conditional write: two servers cannot both accept a code.
                let done = sqlx::query(
                    "UPDATE totp_credentials SET last_step = $1, confirmed = TRUE \
                     WHERE subject = $2 AND last_step < $1",
                )
                .bind(step)
                .bind(subject)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn provider_downloads(
                &self,
                agency: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::Download>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT agency, at_ms, requester, subject, dataset, purpose, outcome \
                     FROM provider_downloads WHERE agency = $1 ORDER BY id DESC LIMIT $2",
                )
                .bind(agency)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::Download {
                            agency: row.try_get("agency")?,
                            at_ms: row.try_get("at_ms")?,
                            requester: row.try_get("requester")?,
                            subject: row.try_get("subject")?,
                            dataset: row.try_get("dataset")?,
                            purpose: row.try_get("purpose")?,
                            outcome: row.try_get("outcome")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(Into::into)
            }
        }
    };
}

pub(super) use impl_sql_store;
