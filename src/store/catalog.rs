//! The catalogue agencies maintain, and their API credentials.

use async_trait::async_trait;

use super::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogRow {
    pub id: String,
    pub agency: String,
    /// The service as JSON.
    pub service: String,
    pub updated_ms: i64,
}

/// The agency a token belongs to, and the kind of provider the operator
/// said it is (`None` for tokens issued before that was asked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgencyCredential {
    pub agency: String,
    pub provider_type: Option<String>,
}

#[async_trait]
pub trait CatalogStore {
    async fn catalog_all(&self) -> Result<Vec<CatalogRow>, StoreError>;
    /// Each service's id and last change: enough to tell whether the
    /// catalogue changed without reading it.
    async fn catalog_stamps(&self) -> Result<Vec<(String, i64)>, StoreError>;
    async fn catalog_get(&self, id: &str) -> Result<Option<CatalogRow>, StoreError>;
    /// Inserts; `false` when the id is taken.
    async fn catalog_insert(&self, row: &CatalogRow) -> Result<bool, StoreError>;
    /// Replaces a service of `row.agency`; `false` when it has none by that id.
    async fn catalog_replace(&self, row: &CatalogRow) -> Result<bool, StoreError>;
    /// Deletes a service of `agency`; `false` when it has none by that id.
    async fn catalog_delete(&self, id: &str, agency: &str) -> Result<bool, StoreError>;
    async fn agency_token_put(
        &self,
        agency: &str,
        token_hash: &str,
        provider_type: &str,
        at_ms: i64,
    ) -> Result<(), StoreError>;
    async fn agency_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<AgencyCredential>, StoreError>;
}

macro_rules! impl_catalog_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::CatalogStore for $store {
            async fn catalog_all(
                &self,
            ) -> Result<Vec<$crate::store::CatalogRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let rows = sqlx::query(
                    "SELECT id, agency, service, updated_ms FROM catalog_services ORDER BY id",
                )
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|row| {
                        Ok($crate::store::CatalogRow {
                            id: row.try_get("id")?,
                            agency: row.try_get("agency")?,
                            service: row.try_get("service")?,
                            updated_ms: row.try_get("updated_ms")?,
                        })
                    })
                    .collect::<Result<_, sqlx::Error>>()
                    .map_err(Into::into)
            }

            async fn catalog_stamps(
                &self,
            ) -> Result<Vec<(String, i64)>, $crate::store::StoreError> {
                let rows: Vec<(String, i64)> =
                    sqlx::query_as("SELECT id, updated_ms FROM catalog_services ORDER BY id")
                        .fetch_all(&self.pool)
                        .await?;
                Ok(rows)
            }

            async fn catalog_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::CatalogRow>, $crate::store::StoreError> {
                use sqlx::Row;
                let row = sqlx::query(
                    "SELECT id, agency, service, updated_ms FROM catalog_services WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                Ok(Some($crate::store::CatalogRow {
                    id: row.try_get("id")?,
                    agency: row.try_get("agency")?,
                    service: row.try_get("service")?,
                    updated_ms: row.try_get("updated_ms")?,
                }))
            }

            async fn catalog_insert(
                &self,
                row: &$crate::store::CatalogRow,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO catalog_services (id, agency, service, updated_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                )
                .bind(&row.id)
                .bind(&row.agency)
                .bind(&row.service)
                .bind(row.updated_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn catalog_replace(
                &self,
                row: &$crate::store::CatalogRow,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE catalog_services SET service = $1, updated_ms = $2 \
                     WHERE id = $3 AND agency = $4",
                )
                .bind(&row.service)
                .bind(row.updated_ms)
                .bind(&row.id)
                .bind(&row.agency)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn catalog_delete(
                &self,
                id: &str,
                agency: &str,
            ) -> Result<bool, $crate::store::StoreError> {
                let done =
                    sqlx::query("DELETE FROM catalog_services WHERE id = $1 AND agency = $2")
                        .bind(id)
                        .bind(agency)
                        .execute(&self.pool)
                        .await?
                        .rows_affected();
                Ok(done == 1)
            }

            async fn agency_token_put(
                &self,
                agency: &str,
                token_hash: &str,
                provider_type: &str,
                at_ms: i64,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query(
                    "INSERT INTO agency_credentials (agency, token_hash, provider_type, created_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (agency) DO UPDATE SET \
                     token_hash = excluded.token_hash, provider_type = excluded.provider_type, \
                     created_ms = excluded.created_ms",
                )
                .bind(agency)
                .bind(token_hash)
                .bind(provider_type)
                .bind(at_ms)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn agency_by_token(
                &self,
                token_hash: &str,
            ) -> Result<Option<$crate::store::AgencyCredential>, $crate::store::StoreError> {
                let row: Option<(String, Option<String>)> = sqlx::query_as(
                    "SELECT agency, provider_type FROM agency_credentials WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(agency, provider_type)| $crate::store::AgencyCredential {
                    agency,
                    provider_type,
                }))
            }
        }
    };
}

pub(super) use impl_catalog_store;
