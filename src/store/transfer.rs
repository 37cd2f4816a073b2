//! State of the consent-and-transfer flow: service providers, authorization
//! requests, the personal cloud, consents, codes and tokens. Every row a
//! request needs lives here, so any server can take the next step.

use async_trait::async_trait;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceProviderRow {
    pub id: String,
    /// The registration as submitted (JSON).
    pub registration: String,
    pub state: String,
    pub created_ms: i64,
    pub updated_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthRequestRow {
    pub id: String,
    pub client_id: String,
    pub redirect_uri: String,
    /// The requested scope, JSON.
    pub scope: String,
    pub state: Option<String>,
    pub code_challenge: String,
    pub subject: Option<String>,
    pub stage: String,
    pub package_id: Option<String>,
    pub created_ms: i64,
    pub expires_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloudPackageRow {
    pub id: String,
    pub subject: String,
    pub sealed: String,
    pub sensitive: bool,
    pub created_ms: i64,
    pub expires_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRow {
    pub id: String,
    pub subject: String,
    pub client_id: String,
    pub scope: String,
    /// The signed consent receipt (compact JWS).
    pub receipt: String,
    pub standing: bool,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub revoked_ms: Option<i64>,
    /// Digest of the current refresh token of a standing consent.
    pub refresh_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessTokenRow {
    pub token_hash: String,
    pub consent_id: String,
    pub client_id: String,
    pub package_id: String,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterTicketRow {
    pub ticket_hash: String,
    pub code_hash: String,
    pub subject: String,
    pub client_id: String,
    pub consent_id: String,
    pub package_id: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub used_ms: Option<i64>,
}

#[async_trait]
pub trait TransferStore {
    /// `false` when the id is taken.
    async fn service_provider_insert(&self, row: &ServiceProviderRow) -> Result<bool, StoreError>;
    async fn service_provider_get(
        &self,
        id: &str,
    ) -> Result<Option<ServiceProviderRow>, StoreError>;
    async fn service_providers(&self) -> Result<Vec<ServiceProviderRow>, StoreError>;
    /// `false` when there is no such provider.
    async fn service_provider_set_state(
        &self,
        id: &str,
        state: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError>;

    /// Replaces a provider's registration (its keys, say), keeping its
    /// state; `false` when there is no such provider.
    async fn service_provider_reregister(
        &self,
        id: &str,
        registration: &str,
        at_ms: i64,
    ) -> Result<bool, StoreError>;

    async fn auth_request_insert(&self, row: &AuthRequestRow) -> Result<(), StoreError>;
    async fn auth_request_get(&self, id: &str) -> Result<Option<AuthRequestRow>, StoreError>;
    /// Ties the request to the citizen who opened it first; `false` when it
    /// belongs to someone else.
    async fn auth_request_claim(&self, id: &str, subject: &str) -> Result<bool, StoreError>;
    /// Moves the request from one stage to the next; `false` when another
    /// call moved it first.
    async fn auth_request_advance(
        &self,
        id: &str,
        from: &str,
        to: &str,
        package_id: Option<&str>,
    ) -> Result<bool, StoreError>;

    async fn cloud_put(&self, row: &CloudPackageRow) -> Result<(), StoreError>;
    async fn cloud_get(&self, id: &str) -> Result<Option<CloudPackageRow>, StoreError>;
    async fn cloud_delete(&self, id: &str) -> Result<(), StoreError>;
    /// A citizen's packages still in the cloud at `now_ms`, newest first.
    async fn cloud_of(
        &self,
        subject: &str,
        now_ms: i64,
    ) -> Result<Vec<CloudPackageRow>, StoreError>;
    /// Deletes packages past their time to live; returns how many.
    async fn cloud_purge_expired(&self, now_ms: i64) -> Result<u64, StoreError>;

    async fn consent_insert(&self, row: &ConsentRow) -> Result<(), StoreError>;
    async fn consent_get(&self, id: &str) -> Result<Option<ConsentRow>, StoreError>;
    /// A citizen's consents, newest first.
    async fn consents_of(&self, subject: &str) -> Result<Vec<ConsentRow>, StoreError>;
    /// The consent whose current refresh token has this digest.
    async fn consent_by_refresh(
        &self,
        refresh_hash: &str,
    ) -> Result<Option<ConsentRow>, StoreError>;
    /// Replaces the refresh token's digest if it is still `current`;
    /// `false` when another call rotated it first.
    async fn consent_rotate_refresh(
        &self,
        id: &str,
        current: Option<&str>,
        next: &str,
    ) -> Result<bool, StoreError>;
    /// `false` when it is not this citizen's, or was revoked already.
    async fn consent_revoke(&self, id: &str, subject: &str, at_ms: i64)
    -> Result<bool, StoreError>;

    async fn code_insert(
        &self,
        code_hash: &str,
        request_id: &str,
        consent_id: &str,
        expires_ms: i64,
    ) -> Result<(), StoreError>;
    /// Removes and returns `(request_id, consent_id, expires_ms)`.
    async fn code_take(&self, code_hash: &str)
    -> Result<Option<(String, String, i64)>, StoreError>;

    async fn token_insert(&self, row: &AccessTokenRow) -> Result<(), StoreError>;
    async fn token_get(&self, token_hash: &str) -> Result<Option<AccessTokenRow>, StoreError>;
    /// Marks the token used; `false` when it was used already.
    async fn token_use(&self, token_hash: &str, at_ms: i64) -> Result<bool, StoreError>;

    async fn ticket_insert(&self, row: &CounterTicketRow) -> Result<(), StoreError>;
    async fn ticket_get(&self, ticket_hash: &str) -> Result<Option<CounterTicketRow>, StoreError>;
    /// Marks the ticket redeemed; `false` when it was already.
    async fn ticket_use(&self, ticket_hash: &str, at_ms: i64) -> Result<bool, StoreError>;
}

macro_rules! impl_transfer_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::TransferStore for $store {
            async fn service_provider_insert(
                &self,
                row: &$crate::store::ServiceProviderRow,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO service_providers (id, registration, state, created_ms, updated_ms) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&row.id)
                .bind(&row.registration)
                .bind(&row.state)
                .bind(row.created_ms)
                .bind(row.updated_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn service_provider_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::ServiceProviderRow>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT id, registration, state, created_ms, updated_ms \
                     FROM service_providers WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| service_provider_from(&row)).transpose().map_err(Into::into)
            }

            async fn service_providers(
                &self,
            ) -> Result<Vec<$crate::store::ServiceProviderRow>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, registration, state, created_ms, updated_ms \
                     FROM service_providers ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(service_provider_from)
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(Into::into)
            }

            async fn service_provider_set_state(
                &self,
                id: &str,
                state: &str,
                at_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE service_providers SET state = $1, updated_ms = $2 WHERE id = $3",
                )
                .bind(state)
                .bind(at_ms)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn service_provider_reregister(
                &self,
                id: &str,
                registration: &str,
                at_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE service_providers SET registration = $1, updated_ms = $2 WHERE id = $3",
                )
                .bind(registration)
                .bind(at_ms)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn auth_request_insert(
                &self,
                row: &$crate::store::AuthRequestRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO authorization_requests (id, client_id, redirect_uri, scope, state, \
                     code_challenge, subject, stage, package_id, created_ms, expires_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(&row.id)
                .bind(&row.client_id)
                .bind(&row.redirect_uri)
                .bind(&row.scope)
                .bind(&row.state)
                .bind(&row.code_challenge)
                .bind(&row.subject)
                .bind(&row.stage)
                .bind(&row.package_id)
                .bind(row.created_ms)
                .bind(row.expires_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn auth_request_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::AuthRequestRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, client_id, redirect_uri, scope, state, code_challenge, subject, \
                     stage, package_id, created_ms, expires_ms \
                     FROM authorization_requests WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::AuthRequestRow {
                    id: row.try_get("id")?,
                    client_id: row.try_get("client_id")?,
                    redirect_uri: row.try_get("redirect_uri")?,
                    scope: row.try_get("scope")?,
                    state: row.try_get("state")?,
                    code_challenge: row.try_get("code_challenge")?,
                    subject: row.try_get("subject")?,
                    stage: row.try_get("stage")?,
                    package_id: row.try_get("package_id")?,
                    created_ms: row.try_get("created_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                }))
            }

            async fn auth_request_claim(
                &self,
                id: &str,
                subject: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE authorization_requests SET subject = $1 \
                     WHERE id = $2 AND (subject IS NULL OR subject = $1)",
                )
                .bind(subject)
                .bind(id)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn auth_request_advance(
                &self,
                id: &str,
                from: &str,
                to: &str,
                package_id: Option<&str>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE authorization_requests \
                     SET stage = $1, package_id = COALESCE($2, package_id) \
                     WHERE id = $3 AND stage = $4",
                )
                .bind(to)
                .bind(package_id)
                .bind(id)
                .bind(from)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn cloud_put(
                &self,
                row: &$crate::store::CloudPackageRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO cloud_packages (id, subject, sealed, sensitive, created_ms, expires_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&row.id)
                .bind(&row.subject)
                .bind(&row.sealed)
                .bind(row.sensitive)
                .bind(row.created_ms)
                .bind(row.expires_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn cloud_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::CloudPackageRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, subject, sealed, sensitive, created_ms, expires_ms \
                     FROM cloud_packages WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::CloudPackageRow {
                    id: row.try_get("id")?,
                    subject: row.try_get("subject")?,
                    sealed: row.try_get("sealed")?,
                    sensitive: row.try_get("sensitive")?,
                    created_ms: row.try_get("created_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                }))
            }

            async fn cloud_of(
                &self,
                subject: &str,
                now_ms: i64,
            ) -> Result<Vec<$crate::store::CloudPackageRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, subject, sealed, sensitive, created_ms, expires_ms \
                     FROM cloud_packages WHERE subject = $1 AND expires_ms > $2 \
                     ORDER BY created_ms DESC",
                )
                .bind(subject)
                .bind(now_ms)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::CloudPackageRow {
                            id: row.try_get("id")?,
                            subject: row.try_get("subject")?,
                            sealed: row.try_get("sealed")?,
                            sensitive: row.try_get("sensitive")?,
                            created_ms: row.try_get("created_ms")?,
                            expires_ms: row.try_get("expires_ms")?,
                        })
                    })
                    .collect()
            }

            async fn cloud_delete(&self, id: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM cloud_packages WHERE id = $1")
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn cloud_purge_expired(
                &self,
                now_ms: i64,
            ) -> Result<u64, $crate::store::StoreError> {
                Ok(sqlx::query("DELETE FROM cloud_packages WHERE expires_ms <= $1")
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn consent_insert(
                &self,
                row: &$crate::store::ConsentRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO consents (id, subject, client_id, scope, receipt, standing, \
                     created_ms, expires_ms, revoked_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&row.id)
                .bind(&row.subject)
                .bind(&row.client_id)
                .bind(&row.scope)
                .bind(&row.receipt)
                .bind(row.standing)
                .bind(row.created_ms)
                .bind(row.expires_ms)
                .bind(row.revoked_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn consent_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::ConsentRow>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT id, subject, client_id, scope, receipt, standing, created_ms, \
                     expires_ms, revoked_ms, refresh_hash FROM consents WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| consent_from(&row)).transpose().map_err(Into::into)
            }

            async fn consents_of(
                &self,
                subject: &str,
            ) -> Result<Vec<$crate::store::ConsentRow>, $crate::store::StoreError> {
                let rows = sqlx::query(
                    "SELECT id, subject, client_id, scope, receipt, standing, created_ms, \
                     expires_ms, revoked_ms, refresh_hash FROM consents WHERE subject = $1 \
                     ORDER BY created_ms DESC",
                )
                .bind(subject)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(consent_from)
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(Into::into)
            }

            async fn consent_by_refresh(
                &self,
                refresh_hash: &str,
            ) -> Result<Option<$crate::store::ConsentRow>, $crate::store::StoreError> {
                let row = sqlx::query(
                    "SELECT id, subject, client_id, scope, receipt, standing, created_ms, \
                     expires_ms, revoked_ms, refresh_hash FROM consents WHERE refresh_hash = $1",
                )
                .bind(refresh_hash)
                .fetch_optional(&self.pool)
                .await?;
                row.map(|row| consent_from(&row))
                    .transpose()
                    .map_err(Into::into)
            }

            async fn consent_rotate_refresh(
                &self,
                id: &str,
                current: Option<&str>,
                next: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = match current {
                    Some(current) => sqlx::query(
                        "UPDATE consents SET refresh_hash = $1 WHERE id = $2 AND refresh_hash = $3",
                    )
                    .bind(next)
                    .bind(id)
                    .bind(current)
                    .execute(&self.pool)
                    .await?,
                    None => sqlx::query(
                        "UPDATE consents SET refresh_hash = $1 WHERE id = $2 AND refresh_hash IS NULL",
                    )
                    .bind(next)
                    .bind(id)
                    .execute(&self.pool)
                    .await?,
                };
                Ok(done.rows_affected() == 1)
            }

            async fn consent_revoke(
                &self,
                id: &str,
                subject: &str,
                at_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE consents SET revoked_ms = $1 \
                     WHERE id = $2 AND subject = $3 AND revoked_ms IS NULL",
                )
                .bind(at_ms)
                .bind(id)
                .bind(subject)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn code_insert(
                &self,
                code_hash: &str,
                request_id: &str,
                consent_id: &str,
                expires_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO authorization_codes (code_hash, request_id, consent_id, expires_ms) \
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(code_hash)
                .bind(request_id)
                .bind(consent_id)
                .bind(expires_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn code_take(
                &self,
                code_hash: &str,
            ) -> Result<Option<(String, String, i64)>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "DELETE FROM authorization_codes WHERE code_hash = $1 \
                     RETURNING request_id, consent_id, expires_ms",
                )
                .bind(code_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some((
                    row.try_get("request_id")?,
                    row.try_get("consent_id")?,
                    row.try_get("expires_ms")?,
                )))
            }

            async fn token_insert(
                &self,
                row: &$crate::store::AccessTokenRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO access_tokens (token_hash, consent_id, client_id, package_id, \
                     expires_ms, used_ms) VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(&row.token_hash)
                .bind(&row.consent_id)
                .bind(&row.client_id)
                .bind(&row.package_id)
                .bind(row.expires_ms)
                .bind(row.used_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn token_get(
                &self,
                token_hash: &str,
            ) -> Result<Option<$crate::store::AccessTokenRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT token_hash, consent_id, client_id, package_id, expires_ms, used_ms \
                     FROM access_tokens WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::AccessTokenRow {
                    token_hash: row.try_get("token_hash")?,
                    consent_id: row.try_get("consent_id")?,
                    client_id: row.try_get("client_id")?,
                    package_id: row.try_get("package_id")?,
                    expires_ms: row.try_get("expires_ms")?,
                    used_ms: row.try_get("used_ms")?,
                }))
            }

            async fn token_use(
                &self,
                token_hash: &str,
                at_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE access_tokens SET used_ms = $1 WHERE token_hash = $2 AND used_ms IS NULL",
                )
                .bind(at_ms)
                .bind(token_hash)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn ticket_insert(
                &self,
                row: &$crate::store::CounterTicketRow,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO counter_tickets (ticket_hash, code_hash, subject, client_id, \
                     consent_id, package_id, created_ms, expires_ms, used_ms) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(&row.ticket_hash)
                .bind(&row.code_hash)
                .bind(&row.subject)
                .bind(&row.client_id)
                .bind(&row.consent_id)
                .bind(&row.package_id)
                .bind(row.created_ms)
                .bind(row.expires_ms)
                .bind(row.used_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn ticket_get(
                &self,
                ticket_hash: &str,
            ) -> Result<Option<$crate::store::CounterTicketRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT ticket_hash, code_hash, subject, client_id, consent_id, package_id, \
                     created_ms, expires_ms, used_ms FROM counter_tickets WHERE ticket_hash = $1",
                )
                .bind(ticket_hash)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::CounterTicketRow {
                    ticket_hash: row.try_get("ticket_hash")?,
                    code_hash: row.try_get("code_hash")?,
                    subject: row.try_get("subject")?,
                    client_id: row.try_get("client_id")?,
                    consent_id: row.try_get("consent_id")?,
                    package_id: row.try_get("package_id")?,
                    created_ms: row.try_get("created_ms")?,
                    expires_ms: row.try_get("expires_ms")?,
                    used_ms: row.try_get("used_ms")?,
                }))
            }

            async fn ticket_use(
                &self,
                ticket_hash: &str,
                at_ms: i64,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE counter_tickets SET used_ms = $1 \
                     WHERE ticket_hash = $2 AND used_ms IS NULL",
                )
                .bind(at_ms)
                .bind(ticket_hash)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }
        }

        fn service_provider_from<R: sqlx::Row>(
            row: &R,
        ) -> Result<$crate::store::ServiceProviderRow, sqlx::Error>
        where
            for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            &'static str: sqlx::ColumnIndex<R>,
        {
            Ok($crate::store::ServiceProviderRow {
                id: row.try_get("id")?,
                registration: row.try_get("registration")?,
                state: row.try_get("state")?,
                created_ms: row.try_get("created_ms")?,
                updated_ms: row.try_get("updated_ms")?,
            })
        }

        fn consent_from<R: sqlx::Row>(row: &R) -> Result<$crate::store::ConsentRow, sqlx::Error>
        where
            for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> Option<i64>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> Option<String>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> bool: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
            &'static str: sqlx::ColumnIndex<R>,
        {
            Ok($crate::store::ConsentRow {
                id: row.try_get("id")?,
                subject: row.try_get("subject")?,
                client_id: row.try_get("client_id")?,
                scope: row.try_get("scope")?,
                receipt: row.try_get("receipt")?,
                standing: row.try_get("standing")?,
                created_ms: row.try_get("created_ms")?,
                expires_ms: row.try_get("expires_ms")?,
                revoked_ms: row.try_get("revoked_ms")?,
                refresh_hash: row.try_get("refresh_hash")?,
            })
        }
    };
}

pub(super) use impl_transfer_store;
