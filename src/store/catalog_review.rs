//! Catalogue changes waiting for an operator: a service an agency added
//! (not public until approved), or a risky change to a published one
//! (which keeps serving meanwhile). At most one proposal per service id.

use async_trait::async_trait;

use super::{CatalogRow, StoreError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposalRow {
    pub id: String,
    pub agency: String,
    /// The proposed service as JSON.
    pub service: String,
    /// Why it waits, as a JSON list of strings.
    pub reasons: String,
    pub submitted_ms: i64,
}

#[async_trait]
pub trait CatalogReviewStore {
    /// Adds a proposal for an id that is neither published nor proposed;
    /// `false` when it is either.
    async fn proposal_insert_new(&self, row: &ProposalRow) -> Result<bool, StoreError>;
    /// Adds or replaces the proposal for a service of `row.agency`;
    /// `false` when another agency holds a proposal of that id.
    async fn proposal_put(&self, row: &ProposalRow) -> Result<bool, StoreError>;
    async fn proposal_get(&self, id: &str) -> Result<Option<ProposalRow>, StoreError>;
    async fn proposals_all(&self) -> Result<Vec<ProposalRow>, StoreError>;
    /// Deletes the proposal of `id`, of `agency` when given; whether one was.
    async fn proposal_delete(&self, id: &str, agency: Option<&str>) -> Result<bool, StoreError>;
    /// Publishes the proposal of `id` as it was when `submitted_ms` stamped
    /// it, in one transaction: the service row is added or replaced (only
    /// its own agency's) and the proposal removed. `None` when no such
    /// proposal exists any more (withdrawn, or changed since it was read).
    async fn proposal_publish(
        &self,
        id: &str,
        submitted_ms: i64,
        at_ms: i64,
    ) -> Result<Option<CatalogRow>, StoreError>;
}

macro_rules! impl_catalog_review_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::CatalogReviewStore for $store {
            async fn proposal_insert_new(
                &self,
                row: &$crate::store::ProposalRow,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO catalog_proposals (id, agency, service, reasons, submitted_ms) \
                     SELECT $1, $2, $3, $4, $5 WHERE NOT EXISTS \
                     (SELECT 1 FROM catalog_services WHERE id = $1) \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&row.id)
                .bind(&row.agency)
                .bind(&row.service)
                .bind(&row.reasons)
                .bind(row.submitted_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn proposal_put(
                &self,
                row: &$crate::store::ProposalRow,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "INSERT INTO catalog_proposals (id, agency, service, reasons, submitted_ms) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET \
                     service = excluded.service, reasons = excluded.reasons, \
                     submitted_ms = excluded.submitted_ms \
                     WHERE catalog_proposals.agency = excluded.agency",
                )
                .bind(&row.id)
                .bind(&row.agency)
                .bind(&row.service)
                .bind(&row.reasons)
                .bind(row.submitted_ms)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn proposal_get(
                &self,
                id: &str,
            ) -> Result<Option<$crate::store::ProposalRow>, $crate::store::StoreError> {
                let row: Option<(String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT id, agency, service, reasons, submitted_ms \
                     FROM catalog_proposals WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(&self.pool)
                .await?;
                Ok(row.map(|(id, agency, service, reasons, submitted_ms)| {
                    $crate::store::ProposalRow {
                        id,
                        agency,
                        service,
                        reasons,
                        submitted_ms,
                    }
                }))
            }

            async fn proposals_all(
                &self,
            ) -> Result<Vec<$crate::store::ProposalRow>, $crate::store::StoreError> {
                let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
                    "SELECT id, agency, service, reasons, submitted_ms \
                     FROM catalog_proposals ORDER BY submitted_ms, id",
                )
                .fetch_all(&self.pool)
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, agency, service, reasons, submitted_ms)| {
                        $crate::store::ProposalRow {
                            id,
                            agency,
                            service,
                            reasons,
                            submitted_ms,
                        }
                    })
                    .collect())
            }

            async fn proposal_delete(
                &self,
                id: &str,
                agency: Option<&str>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "DELETE FROM catalog_proposals WHERE id = $1 \
                     AND ($2 IS NULL OR agency = $2)",
                )
                .bind(id)
                .bind(agency)
                .execute(&self.pool)
                .await?
                .rows_affected();
                Ok(done == 1)
            }

            async fn proposal_publish(
                &self,
                id: &str,
                submitted_ms: i64,
                at_ms: i64,
            ) -> Result<Option<$crate::store::CatalogRow>, $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                // Deleting first claims the proposal: of two approvals at
                // once, one finds it gone.
                let taken: Option<(String, String)> = sqlx::query_as(
                    "DELETE FROM catalog_proposals WHERE id = $1 AND submitted_ms = $2 \
                     RETURNING agency, service",
                )
                .bind(id)
                .bind(submitted_ms)
                .fetch_optional(&mut *tx)
                .await?;
                let Some((agency, service)) = taken else {
                    return Ok(None);
                };
                let done = sqlx::query(
                    "INSERT INTO catalog_services (id, agency, service, updated_ms) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE SET \
                     service = excluded.service, updated_ms = excluded.updated_ms \
                     WHERE catalog_services.agency = excluded.agency",
                )
                .bind(id)
                .bind(&agency)
                .bind(&service)
                .bind(at_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if done != 1 {
                    return Ok(None);
                }
                tx.commit().await?;
                Ok(Some($crate::store::CatalogRow {
                    id: id.to_owned(),
                    agency,
                    service,
                    updated_ms: at_ms,
                }))
            }
        }
    };
}

pub(super) use impl_catalog_review_store;
